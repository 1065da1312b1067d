//! cargo-fuzz target; the body is shared with the stable smoke run of `cargo test`
//! (see `src/fuzzing.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| vmcatcher::fuzzing::dn(data));
