//! The platform operator as the adversary (issue: nobody reads a bid before
//! the opening). Each test plays the operator — writing to the database
//! directly or rewriting what the server answers — and drives the real
//! official, bidder and signer code of `sealbid-crypto` and
//! `sealbid-sealing`, asserting that the attack is refused or detected and
//! named.

#[path = "hostile_operator/opening.rs"]
mod opening;
#[path = "hostile_operator/results.rs"]
mod results;
#[path = "hostile_operator/round.rs"]
mod round;
#[path = "hostile_operator/signing.rs"]
mod signing;
