//! The `sealbid` command.
fn main() {}
