//! One integration test binary (fast to link), one file per area.

mod support;

mod cache;
mod cli;
mod config;
mod database;
mod endorser;
mod fetch;
mod generated;
mod plugins;
mod quickstart;
mod subscribe;
mod transfer;
mod trust;
