//! Digests in the one text form the tool stores and compares: lowercase hexadecimal, and
//! the SHA-512 implementation that is fastest on this machine.
//!
//! Two implementations are linked: OpenSSL's (assembly, AVX2/BMI2 on x86_64) and the
//! `sha2` crate's. On the development VM (AMD EPYC, 1 GiB in memory) OpenSSL hashes at
//! 630–860 MB/s and sha2 at 530–610 MB/s; other CPUs may differ, so a long hash (files,
//! downloads) uses the one a short measurement at first use finds faster.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sha2::Digest;

/// Lowercase hexadecimal form of `bytes` (a digest).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Lowercase hex SHA-512 of `bytes`.
pub fn sha512_hex(bytes: &[u8]) -> String {
    // No measurement for data already in memory: OpenSSL's is the usual winner, and a
    // probe would cost more than it saves on a list of a few hundred KiB.
    let mut hasher = Sha512::with(Backend::OpenSsl);
    hasher.update(bytes);
    hasher.finish_hex()
}

/// A SHA-512 implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    OpenSsl,
    RustCrypto,
}

impl Backend {
    /// The faster one on this machine, measured once per process (about 4 ms).
    pub fn fastest() -> Backend {
        static FASTEST: OnceLock<Backend> = OnceLock::new();
        *FASTEST.get_or_init(|| {
            let sample = vec![0x5au8; 512 * 1024];
            let time = |backend| {
                let started = Instant::now();
                let mut hasher = Sha512::with(backend);
                hasher.update(&sample);
                std::hint::black_box(hasher.finish_hex());
                started.elapsed()
            };
            // Best of three each, alternating, so a busy moment does not decide alone.
            let (mut ossl, mut rust) = (Duration::MAX, Duration::MAX);
            for _ in 0..3 {
                ossl = ossl.min(time(Backend::OpenSsl));
                rust = rust.min(time(Backend::RustCrypto));
            }
            // sha2 must win clearly: on a busy machine one sample can mislead.
            let chosen = if rust.as_secs_f64() < 0.9 * ossl.as_secs_f64() {
                Backend::RustCrypto
            } else {
                Backend::OpenSsl
            };
            tracing::debug!(?ossl, ?rust, ?chosen, "SHA-512 implementation");
            chosen
        })
    }
}

/// The algorithm of a stored checksum, told by its length: 128 hexadecimal digits are a
/// SHA-512 (`sl:checksum:sha512` of image lists), 64 a SHA-256 (the layer digest of an
/// image from an OCI registry, whose digests are SHA-256).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Sha512,
    Sha256,
}

impl Algorithm {
    /// The algorithm of a lowercase or uppercase hex checksum; `None` when it is neither.
    pub fn of_hex(hex: &str) -> Option<Algorithm> {
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        match hex.len() {
            128 => Some(Algorithm::Sha512),
            64 => Some(Algorithm::Sha256),
            _ => None,
        }
    }

    /// `sha512` or `sha256`, as the index keys and messages spell it.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha512 => "sha512",
            Algorithm::Sha256 => "sha256",
        }
    }
}

/// An incremental SHA-512 over either implementation; or, for the checksums of images
/// from OCI registries, a SHA-256 ([`Sha512::for_algorithm`]), so downloads and checks
/// run the same code whatever the algorithm.
#[derive(Clone)]
pub struct Sha512(State);

#[derive(Clone)]
enum State {
    OpenSsl(openssl::sha::Sha512),
    RustCrypto(sha2::Sha512),
    Sha256(openssl::sha::Sha256),
}

impl Sha512 {
    /// With the fastest implementation of this machine ([`Backend::fastest`]).
    pub fn new() -> Sha512 {
        Sha512::with(Backend::fastest())
    }

    pub fn with(backend: Backend) -> Sha512 {
        Sha512(match backend {
            Backend::OpenSsl => State::OpenSsl(openssl::sha::Sha512::new()),
            Backend::RustCrypto => State::RustCrypto(sha2::Sha512::new()),
        })
    }

    /// The hasher of `algorithm`: SHA-512 with the fastest implementation, or SHA-256
    /// (OpenSSL's, with the SHA extensions where the CPU has them).
    pub fn for_algorithm(algorithm: Algorithm) -> Sha512 {
        match algorithm {
            Algorithm::Sha512 => Sha512::new(),
            Algorithm::Sha256 => Sha512(State::Sha256(openssl::sha::Sha256::new())),
        }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.0 {
            State::OpenSsl(h) => h.update(bytes),
            State::RustCrypto(h) => h.update(bytes),
            State::Sha256(h) => h.update(bytes),
        }
    }

    /// The digest in lowercase hex.
    pub fn finish_hex(self) -> String {
        match self.0 {
            State::OpenSsl(h) => hex(&h.finish()),
            State::RustCrypto(h) => hex(&h.finalize()),
            State::Sha256(h) => hex(&h.finish()),
        }
    }

    /// Starts over, with the same implementation.
    pub fn reset(&mut self) {
        *self = match self.0 {
            State::OpenSsl(_) => Sha512::with(Backend::OpenSsl),
            State::RustCrypto(_) => Sha512::with(Backend::RustCrypto),
            State::Sha256(_) => Sha512::for_algorithm(Algorithm::Sha256),
        };
    }
}

impl Default for Sha512 {
    fn default() -> Self {
        Sha512::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_implementations_agree() {
        let data: Vec<u8> = (0..300_001u32).map(|i| (i % 253) as u8).collect();
        let mut digests = Vec::new();
        for backend in [Backend::OpenSsl, Backend::RustCrypto] {
            let mut h = Sha512::with(backend);
            for piece in data.chunks(4097) {
                h.update(piece);
            }
            let copy = h.clone();
            digests.push(h.finish_hex());
            digests.push(copy.finish_hex());
            let mut reset = Sha512::with(backend);
            reset.update(b"something else");
            reset.reset();
            reset.update(&data);
            digests.push(reset.finish_hex());
        }
        assert!(digests.iter().all(|d| d == &digests[0]), "{digests:?}");
        assert_eq!(
            sha512_hex(b"abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
        let mut h = Sha512::for_algorithm(Algorithm::Sha256);
        h.update(b"something else");
        h.reset();
        h.update(b"abc");
        assert_eq!(
            h.finish_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(Algorithm::of_hex(&"A".repeat(64)), Some(Algorithm::Sha256));
        assert_eq!(Algorithm::of_hex(&"a".repeat(128)), Some(Algorithm::Sha512));
        assert_eq!(Algorithm::of_hex(&"g".repeat(64)), None);
        assert_eq!(Algorithm::of_hex("abc"), None);
        assert!(matches!(
            Backend::fastest(),
            Backend::OpenSsl | Backend::RustCrypto
        ));
    }
}
