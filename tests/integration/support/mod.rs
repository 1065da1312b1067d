#![allow(dead_code)]
pub mod env;
pub mod http;
pub mod pki;

pub use env::TestEnv;
