//! One integration test binary (fast to link), one file per area.

mod support;

mod bad_messages;
mod cache;
mod cli;
mod completion;
mod config;
mod crash;
mod database;
mod deadline;
mod endorser;
mod events;
mod fetch;
mod fuzz_seeds;
mod generated;
mod hardening;
mod help;
mod install;
mod layout;
mod legacy_cache;
mod legacy_handler;
mod legacy_import;
mod legacy_names;
mod output;
mod plugins;
mod quickstart;
mod safety;
mod service;
mod status;
mod subscribe;
mod transfer;
mod trust;
mod verify_path;
