#![allow(dead_code)]
pub mod env;

pub use env::TestEnv;
