//! One integration test binary (fast to link), one file per area.

mod support;

mod bad_messages;
mod cache;
mod cli;
mod completion;
mod config;
mod database;
mod endorser;
mod events;
mod fetch;
mod fuzz_seeds;
mod generated;
mod help;
mod install;
mod plugins;
mod quickstart;
mod subscribe;
mod transfer;
mod trust;
