#![allow(dead_code)]
pub(crate) mod env;
pub(crate) mod glance;
pub(crate) mod harbor;
pub(crate) mod http;
pub(crate) mod keystone;
pub(crate) mod legacy;
pub(crate) mod lists;
pub(crate) mod one_template;
pub(crate) mod pki;
pub(crate) mod registry;
pub(crate) mod site;
pub(crate) mod snapshot;
pub(crate) mod token;
pub(crate) mod tools;

pub(crate) use env::{Run, TestEnv};
