//! SHA-512 of files, one at a time or in parallel, with a flat memory footprint.
//!
//! sha2 0.11 has no `io::Write` impl, so every digest here is computed in a read loop over
//! a [`BUFFER_SIZE`] buffer; the same buffer size is used while downloading.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use sha2::{Digest, Sha512};

/// Read and write buffer of hashing and downloading: 1 MiB (256 KiB measured no faster).
pub const BUFFER_SIZE: usize = 1 << 20;

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
    hex(&Sha512::digest(bytes))
}

/// Feed everything `reader` yields into `hasher` through `buf`; returns the byte count.
pub(crate) fn hash_reader(
    reader: &mut impl Read,
    hasher: &mut Sha512,
    buf: &mut [u8],
) -> io::Result<u64> {
    let mut total = 0u64;
    loop {
        match reader.read(buf) {
            Ok(0) => return Ok(total),
            Ok(n) => {
                hasher.update(&buf[..n]);
                total += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Size and lowercase hex SHA-512 of the file at `path`.
pub fn sha512_file(path: &Path) -> io::Result<(u64, String)> {
    let mut buf = vec![0u8; BUFFER_SIZE];
    sha512_file_with(path, &mut buf)
}

fn sha512_file_with(path: &Path, buf: &mut [u8]) -> io::Result<(u64, String)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha512::new();
    let size = hash_reader(&mut file, &mut hasher, buf)?;
    Ok((size, hex(&hasher.finalize())))
}

/// [`sha512_file`] of every path on up to `threads` threads (0: one per available core),
/// results in the order of `paths`.
pub fn sha512_files(paths: &[PathBuf], threads: usize) -> Vec<io::Result<(u64, String)>> {
    let threads = match threads {
        0 => thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(paths.len());
    if threads <= 1 {
        let mut buf = vec![0u8; BUFFER_SIZE];
        return paths
            .iter()
            .map(|p| sha512_file_with(p, &mut buf))
            .collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<io::Result<(u64, String)>>> =
        std::iter::repeat_with(|| None).take(paths.len()).collect();
    thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut buf = vec![0u8; BUFFER_SIZE];
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = paths.get(i) else {
                            return done;
                        };
                        done.push((i, sha512_file_with(path, &mut buf)));
                    }
                })
            })
            .collect();
        for worker in workers {
            // A worker only panics if hashing panics; let that reach the caller.
            for (i, result) in worker
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
            {
                results[i] = Some(result);
            }
        }
    });
    results
        .into_iter()
        .map(|r| r.expect("every index is taken by exactly one worker"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const ABC: &str = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
                       2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";
    const EMPTY: &str = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce\
                         47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";

    fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
        let path = dir.join(name);
        File::create(&path).unwrap().write_all(data).unwrap();
        path
    }

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(sha512_hex(b"abc"), ABC);
    }

    #[test]
    fn file_digest_of_known_data() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            sha512_file(&write(dir.path(), "abc", b"abc")).unwrap(),
            (3, ABC.to_owned())
        );
        assert_eq!(
            sha512_file(&write(dir.path(), "empty", b"")).unwrap(),
            (0, EMPTY.to_owned())
        );
        // Larger than the buffer, not a multiple of it.
        let big: Vec<u8> = (0..BUFFER_SIZE * 2 + 12345)
            .map(|i| (i % 251) as u8)
            .collect();
        let path = write(dir.path(), "big", &big);
        assert_eq!(
            sha512_file(&path).unwrap(),
            (big.len() as u64, sha512_hex(&big))
        );
    }

    #[test]
    fn parallel_results_keep_input_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        let mut expected = Vec::new();
        for i in 0..13usize {
            let data = vec![i as u8; i * 1000 + 1];
            paths.push(write(dir.path(), &format!("f{i}"), &data));
            expected.push((data.len() as u64, sha512_hex(&data)));
        }
        paths.insert(5, dir.path().join("missing"));
        for threads in [0, 1, 3, 64] {
            let results = sha512_files(&paths, threads);
            assert_eq!(results.len(), paths.len());
            let mut want = expected.iter();
            for (i, r) in results.into_iter().enumerate() {
                if i == 5 {
                    assert_eq!(r.unwrap_err().kind(), io::ErrorKind::NotFound);
                } else {
                    assert_eq!(
                        &r.unwrap(),
                        want.next().unwrap(),
                        "file {i}, {threads} threads"
                    );
                }
            }
        }
        assert!(sha512_files(&[], 4).is_empty());
    }
}
