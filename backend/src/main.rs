//! The `sealbid` command: see `sealbid --help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    sealbid_backend::cli::main()
}
