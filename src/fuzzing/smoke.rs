//! The stable driver of the fuzz targets: a bounded, deterministic mutation run over the
//! seed corpus `fuzz/corpus/<target>/`, part of `cargo test`.
//!
//! Each seed is run as is, then a fixed number of mutants (bit flips, byte insertion and
//! deletion, interesting bytes, splices with another seed, truncation), drawn from an
//! xorshift generator seeded from the target's name: the same inputs on every run. A
//! panic fails the test, and the input is written to the temp directory so it can be
//! replayed with `cargo +nightly fuzz run <target> <file>` and added to the corpus.
//!
//! `VMCATCHER_FUZZ_SMOKE_ITERATIONS` changes the number of mutants per target; libFuzzer
//! (see `fuzz/README.md`) is the long run.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use super::TARGETS;

/// Mutants per target when `VMCATCHER_FUZZ_SMOKE_ITERATIONS` is not set.
const DEFAULT_ITERATIONS: usize = 3000;

/// Inputs never grow past this.
const MAX_LEN: usize = 1 << 20;

/// Byte strings that tend to matter to the parsers: NUL, invalid UTF-8 (0xff, a lone
/// continuation byte 0xb8), line ends, quotes and escapes, glob and DN syntax, JSON and
/// number edges, MIME syntax.
const INTERESTING: &[&[u8]] = &[
    b"\x00",
    b"\xff",
    b"\xb8",
    b"\xc3",
    b"\xc3\xa9",
    b"\xe2\x80\xae",
    b"\r\n",
    b"\n",
    b"\r",
    b"\r\n\r\n",
    b"\n\n",
    b"\t",
    b" ",
    b"\"",
    b"'",
    b"\\",
    b"#",
    b"*",
    b"?",
    b"/",
    b"=",
    b"+",
    b";",
    b":",
    b",",
    b".",
    b"-",
    b"--",
    b"0",
    b"9",
    b"00",
    b"-1",
    b"18446744073709551616",
    b"1e999",
    b"null",
    b"[]",
    b"{}",
    b"[",
    b"{",
    b"}",
    b"]",
    b"T",
    b"Z",
    b"Content-Type:",
    b"boundary=",
    b"\\/",
];

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn seeded(name: &str) -> Rng {
        // FNV-1a of the name, never zero.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        Rng(h | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-ish in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A position in `0..=len`.
    fn pos(&mut self, len: usize) -> usize {
        self.below(len + 1)
    }
}

/// One random change to `data`; `other` is another seed for splicing.
fn mutate(rng: &mut Rng, data: &mut Vec<u8>, other: &[u8]) {
    let len = data.len();
    match rng.below(11) {
        0 if len > 0 => {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            data[i] = rng.next() as u8;
        }
        2 | 3 => {
            let token = INTERESTING[rng.below(INTERESTING.len())];
            let at = rng.pos(len);
            data.splice(at..at, token.iter().copied());
        }
        4 if len > 0 => {
            // Overwrite with an interesting token.
            let token = INTERESTING[rng.below(INTERESTING.len())];
            let at = rng.below(len);
            let end = (at + token.len()).min(len);
            data.splice(at..end, token.iter().copied());
        }
        5 => {
            let at = rng.pos(len);
            data.insert(at, rng.next() as u8);
        }
        6 if len > 0 => {
            let at = rng.below(len);
            let n = 1 + rng.below(16.min(len - at));
            data.drain(at..at + n);
        }
        7 if len > 0 => {
            // Copy a chunk elsewhere in the input.
            let from = rng.below(len);
            let n = 1 + rng.below(64.min(len - from));
            let chunk = data[from..from + n].to_vec();
            let at = rng.pos(len);
            data.splice(at..at, chunk);
        }
        8 if !other.is_empty() => {
            // Splice: our head, the other seed's tail.
            let at = rng.pos(len);
            let from = rng.below(other.len());
            data.truncate(at);
            data.extend_from_slice(&other[from..]);
        }
        9 if len > 0 => {
            data.truncate(rng.below(len));
        }
        10 if len > 0 => {
            // Nudge a byte (digits become neighbouring digits, letters neighbouring letters).
            let i = rng.below(len);
            data[i] = if rng.next() & 1 == 0 {
                data[i].wrapping_add(1)
            } else {
                data[i].wrapping_sub(1)
            };
        }
        _ => {
            let at = rng.pos(len);
            data.insert(at, b'\n');
        }
    }
    data.truncate(MAX_LEN);
}

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("seed corpus {}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("corpus entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("read seed"))
        })
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seed in {}", dir.display());
    seeds
}

fn iterations() -> usize {
    std::env::var("VMCATCHER_FUZZ_SMOKE_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_ITERATIONS)
}

/// `b"..."` form of an input, shortened, for the failure message.
fn escaped(data: &[u8]) -> String {
    let shown: String = data
        .iter()
        .take(300)
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect();
    if data.len() > 300 {
        format!("b\"{shown}\"… ({} bytes)", data.len())
    } else {
        format!("b\"{shown}\"")
    }
}

/// Run `target` on its seeds and their mutants; panics (failing the test) on the first
/// input that makes the target panic.
fn run(name: &str, iterations: usize) {
    let target = TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .unwrap_or_else(|| panic!("no fuzz target {name}"));
    let seeds = corpus(name);
    let mut rng = Rng::seeded(name);
    let inputs = seeds
        .iter()
        .map(|(seed, data)| (format!("seed {seed}"), data.clone()))
        .chain((0..iterations).map(|i| {
            let (seed, data) = &seeds[rng.below(seeds.len())];
            let (_, other) = &seeds[rng.below(seeds.len())];
            let mut input = data.clone();
            for _ in 0..=rng.below(4) {
                mutate(&mut rng, &mut input, other);
            }
            (format!("mutant {i} of seed {seed}"), input)
        }));
    for (what, input) in inputs {
        if catch_unwind(AssertUnwindSafe(|| target(&input))).is_err() {
            let file = std::env::temp_dir().join(format!(
                "vmcatcher-fuzz-{name}-crash-{:016x}",
                Rng::seeded(&String::from_utf8_lossy(&input)).0
            ));
            let saved = match std::fs::write(&file, &input) {
                Ok(()) => format!("saved as {}", file.display()),
                Err(e) => format!("not saved: {e}"),
            };
            panic!(
                "fuzz target {name} panicked on {what} ({saved}): {}",
                escaped(&input)
            );
        }
    }
}

#[test]
fn smoke_smime() {
    run("smime", iterations() / 3);
}

#[test]
fn smoke_imagelist() {
    run("imagelist", iterations());
}

#[test]
fn smoke_config() {
    run("config", iterations());
}

#[test]
fn smoke_policy() {
    run("policy", iterations());
}

#[test]
fn smoke_dn() {
    run("dn", iterations());
}

#[test]
fn smoke_version() {
    run("version", iterations());
}

#[test]
fn smoke_date() {
    run("date", iterations());
}

#[test]
fn every_target_has_a_smoke_test_and_a_fuzz_target() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let source = include_str!("smoke.rs");
    for (name, _) in TARGETS {
        assert!(
            source.contains(&format!("fn smoke_{name}()")),
            "no smoke test for {name}"
        );
        let file = dir.join(format!("fuzz_targets/{name}.rs"));
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("fuzz target {}: {e}", file.display()));
        assert!(
            text.contains(&format!("vmcatcher::fuzzing::{name}(")),
            "{} does not call vmcatcher::fuzzing::{name}",
            file.display()
        );
    }
}

#[test]
fn mutations_are_deterministic() {
    let mut a = Rng::seeded("x");
    let mut b = Rng::seeded("x");
    let (mut da, mut db) = (b"Content-Type: text/plain\n\nhi".to_vec(), Vec::new());
    db.extend_from_slice(&da);
    for _ in 0..100 {
        mutate(&mut a, &mut da, b"other");
        mutate(&mut b, &mut db, b"other");
    }
    assert_eq!(da, db);
}
