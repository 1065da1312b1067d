//! SHA-512 of files, one at a time or in parallel, with a flat memory footprint.
//!
//! Every digest here is computed in a read loop over a [`BUFFER_SIZE`] buffer (the same
//! size is used while downloading), with the SHA-512 implementation that is fastest on
//! this machine ([`crate::digest::Sha512`]).

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};
use std::thread::{self, JoinHandle};

use crate::digest::{Algorithm, Sha512};

/// Read and write buffer of hashing and downloading: 1 MiB (256 KiB measured no faster).
pub const BUFFER_SIZE: usize = 1 << 20;

/// Buffers a [`BackgroundHasher`] may have at once (in the caller's hand, queued, hashing).
pub const PIPELINE_BUFFERS: usize = 4;

/// SHA-512 computed on a helper thread, in the order the buffers are given, so that a
/// download receives and writes one buffer while the previous ones are hashed: on two cores
/// it runs at the speed of the hash alone instead of hash + copies, as `curl | sha512sum`
/// does. Memory stays flat: at most [`PIPELINE_BUFFERS`] buffers of [`BUFFER_SIZE`]. When
/// no thread can be started it hashes on the caller's thread.
pub(crate) struct BackgroundHasher {
    full: Option<SyncSender<(Vec<u8>, usize)>>,
    empty: Option<Receiver<Vec<u8>>>,
    worker: Option<JoinHandle<Sha512>>,
    /// Hashing on the caller's thread (no worker could be started), with its one buffer.
    inline: Option<Sha512>,
    recycled: Option<Vec<u8>>,
    /// Buffers that may still be allocated.
    spare: usize,
}

impl BackgroundHasher {
    /// Continues `hasher` (which may already hold a resumed prefix).
    pub(crate) fn new(hasher: Sha512) -> BackgroundHasher {
        let (full_tx, full_rx) = mpsc::sync_channel::<(Vec<u8>, usize)>(PIPELINE_BUFFERS - 1);
        let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
        // A copy goes to the worker, so the original is still here if it cannot start.
        let mut worker_hasher = hasher.clone();
        let spawned = thread::Builder::new().name("sha512".into()).spawn(move || {
            for (buf, n) in full_rx {
                worker_hasher.update(&buf[..n]);
                // The caller may be gone (an early error); the buffer is then freed.
                let _ = empty_tx.send(buf);
            }
            worker_hasher
        });
        match spawned {
            Ok(worker) => BackgroundHasher {
                full: Some(full_tx),
                empty: Some(empty_rx),
                worker: Some(worker),
                inline: None,
                recycled: None,
                spare: PIPELINE_BUFFERS,
            },
            Err(e) => {
                tracing::debug!(error = %e, "no hashing thread, hashing inline");
                BackgroundHasher {
                    full: None,
                    empty: None,
                    worker: None,
                    inline: Some(hasher),
                    recycled: None,
                    spare: 1,
                }
            }
        }
    }

    /// A [`BUFFER_SIZE`] buffer to fill: a hashed one given back, a new one while fewer
    /// than [`PIPELINE_BUFFERS`] exist, else the next one the worker finishes with.
    pub(crate) fn buffer(&mut self) -> Vec<u8> {
        if let Some(buf) = self.recycled.take() {
            return buf;
        }
        if let Some(empty) = &self.empty {
            match empty.try_recv() {
                Ok(buf) => return buf,
                Err(TryRecvError::Empty) if self.spare == 0 => match empty.recv() {
                    Ok(buf) => return buf,
                    Err(_) => self.worker_died(),
                },
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => self.worker_died(),
            }
        }
        self.spare = self.spare.saturating_sub(1);
        vec![0u8; BUFFER_SIZE]
    }

    /// Hashes `buf[..n]` after everything given before.
    pub(crate) fn update(&mut self, buf: Vec<u8>, n: usize) {
        if let Some(hasher) = &mut self.inline {
            hasher.update(&buf[..n]);
            self.recycled = Some(buf);
            return;
        }
        let sent = self.full.as_ref().map(|full| full.send((buf, n)));
        if !matches!(sent, Some(Ok(()))) {
            self.worker_died();
        }
    }

    /// The hasher after every buffer given.
    pub(crate) fn finish(mut self) -> Sha512 {
        if let Some(hasher) = self.inline.take() {
            return hasher;
        }
        self.full = None; // ends the worker's loop
        let worker = self.worker.take().expect("a worker when not inline");
        worker
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    }

    /// The worker only stops early by panicking (in the hash): pass that on.
    fn worker_died(&mut self) -> ! {
        self.full = None;
        match self.worker.take().map(JoinHandle::join) {
            Some(Err(p)) => std::panic::resume_unwind(p),
            _ => panic!("the SHA-512 thread stopped early"),
        }
    }
}

impl Drop for BackgroundHasher {
    fn drop(&mut self) {
        // An abandoned transfer: let the worker drain its queue and end.
        self.full = None;
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
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

/// Size and lowercase hex SHA-512 of the regular file at `path` (see [`open_cached`]).
pub fn sha512_file(path: &Path) -> io::Result<(u64, String)> {
    checksum_file(path, Algorithm::Sha512)
}

/// Size and lowercase hex digest of `algorithm` of the regular file at `path`: the
/// checksum a cache entry records (SHA-256 for images from OCI registries).
pub fn checksum_file(path: &Path, algorithm: Algorithm) -> io::Result<(u64, String)> {
    let mut buf = vec![0u8; BUFFER_SIZE];
    sha512_file_with(path, algorithm, &mut buf)
}

/// The algorithm of an expected checksum (SHA-512 when it is neither, so it fails to match).
pub fn algorithm_of(expected: &str) -> Algorithm {
    Algorithm::of_hex(expected).unwrap_or(Algorithm::Sha512)
}

/// Opens a file of a cache directory for reading: not through a symbolic link
/// (`O_NOFOLLOW`), and only a regular file (opened `O_NONBLOCK`, so a FIFO planted there
/// cannot hang `cache check`).
pub fn open_cached(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                io::Error::new(
                    e.kind(),
                    "is a symbolic link (not followed in a cache directory)",
                )
            } else {
                e
            }
        })?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is not a regular file",
        ));
    }
    advise_sequential(&file);
    Ok(file)
}

/// Tells the kernel the file is read once from start to end: a larger read-ahead when
/// it is not in the page cache. Only a hint; failure changes nothing.
fn advise_sequential(file: &File) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: plain system call on a file descriptor we own; no memory is passed.
        let rc =
            unsafe { libc::posix_fadvise(file.as_raw_fd(), 0, 0, libc::POSIX_FADV_SEQUENTIAL) };
        if rc != 0 {
            tracing::trace!(rc, "posix_fadvise");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

fn sha512_file_with(
    path: &Path,
    algorithm: Algorithm,
    buf: &mut [u8],
) -> io::Result<(u64, String)> {
    let mut file = open_cached(path)?;
    let mut hasher = Sha512::for_algorithm(algorithm);
    let size = hash_reader(&mut file, &mut hasher, buf)?;
    Ok((size, hasher.finish_hex()))
}

/// As [`sha512_file`], reading the next buffer while a second thread hashes the previous
/// one (for a lone file when there is a spare core).
fn sha512_file_pipelined(path: &Path, algorithm: Algorithm) -> io::Result<(u64, String)> {
    let mut file = open_cached(path)?;
    let mut pipeline = BackgroundHasher::new(Sha512::for_algorithm(algorithm));
    let mut total = 0u64;
    loop {
        let mut buf = pipeline.buffer();
        let n = loop {
            match file.read(&mut buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                read => break read,
            }
        }?;
        if n == 0 {
            return Ok((total, pipeline.finish().finish_hex()));
        }
        pipeline.update(buf, n);
        total += n as u64;
    }
}

/// [`sha512_file`] of every path on up to `threads` threads (0: one per available core),
/// results in the order of `paths`.
pub fn sha512_files(paths: &[PathBuf], threads: usize) -> Vec<io::Result<(u64, String)>> {
    let algorithms = vec![Algorithm::Sha512; paths.len()];
    checksum_files(paths, &algorithms, threads)
}

/// As [`sha512_files`], each path with its own algorithm (`algorithms[i]` for `paths[i]`).
pub fn checksum_files(
    paths: &[PathBuf],
    algorithms: &[Algorithm],
    threads: usize,
) -> Vec<io::Result<(u64, String)>> {
    let algorithm = |i: usize| algorithms.get(i).copied().unwrap_or(Algorithm::Sha512);
    let wanted = match threads {
        0 => thread::available_parallelism().map_or(1, std::num::NonZero::get),
        n => n,
    };
    let threads = wanted.min(paths.len());
    if threads <= 1 && wanted > 1 {
        // Fewer files than threads: reading and hashing overlap instead.
        return paths
            .iter()
            .enumerate()
            .map(|(i, p)| sha512_file_pipelined(p, algorithm(i)))
            .collect();
    }
    if threads <= 1 {
        let mut buf = vec![0u8; BUFFER_SIZE];
        return paths
            .iter()
            .enumerate()
            .map(|(i, p)| sha512_file_with(p, algorithm(i), &mut buf))
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
                        done.push((i, sha512_file_with(path, algorithm(i), &mut buf)));
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
    use crate::digest::{hex, sha512_hex};
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
        // One file and spare threads: read and hash overlap, same results.
        let big: Vec<u8> = (0..BUFFER_SIZE * 5 + 99).map(|i| (i % 249) as u8).collect();
        let big_path = write(dir.path(), "big", &big);
        assert_eq!(
            sha512_files(&[big_path], 2).pop().unwrap().unwrap(),
            (big.len() as u64, sha512_hex(&big))
        );
        assert_eq!(
            sha512_files(&paths[5..6], 2)
                .pop()
                .unwrap()
                .unwrap_err()
                .kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn background_hasher_keeps_order_and_a_resumed_prefix() {
        let data: Vec<u8> = (0..BUFFER_SIZE * 9 + 777)
            .map(|i| (i % 253) as u8)
            .collect();
        let mut prefix = Sha512::new();
        prefix.update(&data[..1000]);
        let mut pipe = BackgroundHasher::new(prefix);
        // Uneven pieces, more of them than there are buffers.
        let mut at = 1000;
        let mut step = 1;
        while at < data.len() {
            let mut buf = pipe.buffer();
            assert_eq!(buf.len(), BUFFER_SIZE);
            let n = step.min(data.len() - at).min(BUFFER_SIZE);
            buf[..n].copy_from_slice(&data[at..at + n]);
            pipe.update(buf, n);
            at += n;
            step = step * 7 + 13;
        }
        assert_eq!(pipe.finish().finish_hex(), sha512_hex(&data));
        // Abandoned with buffers queued: dropping it ends the worker.
        let mut pipe = BackgroundHasher::new(Sha512::new());
        for _ in 0..PIPELINE_BUFFERS {
            let buf = pipe.buffer();
            pipe.update(buf, BUFFER_SIZE);
        }
        drop(pipe);
    }
}
