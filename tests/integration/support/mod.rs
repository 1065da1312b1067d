#![allow(dead_code)]
pub mod env;
pub mod http;
pub mod lists;
pub mod pki;
pub mod site;
pub mod snapshot;
pub mod tools;

pub use env::{Run, TestEnv};
