//! Shared by the PDF integration tests.
#![allow(dead_code)]

pub mod fixtures;
pub mod seals;
pub mod tools;
