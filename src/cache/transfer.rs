//! Download one image into its partial file: resume, size limit, one-pass SHA-512, fsync.
//!
//! The caller owns the partial directory, the retry policy and the final rename into the
//! cache; [`transfer`] only guarantees that on `Ok` the partial file holds exactly the
//! expected bytes, durably.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use thiserror::Error;

use super::hash::{hash_reader, BackgroundHasher, BUFFER_SIZE};
use crate::digest::{Algorithm, Sha512};
use crate::fetch::{redact_url, FetchError, FetchOptions, Fetcher};

/// What the image list promises about the file.
#[derive(Clone, Copy, Debug)]
pub struct Expected<'a> {
    /// `hv:size`.
    pub size: u64,
    /// `sl:checksum:sha512`, hex (compared case-insensitively); 64 digits are a SHA-256
    /// instead (the layer digest of an image from an OCI registry), see
    /// [`crate::digest::Algorithm::of_hex`].
    pub sha512: &'a str,
}

/// One download of one image.
#[derive(Clone, Copy, Debug)]
pub struct TransferRequest<'a> {
    pub url: &'a str,
    pub options: &'a FetchOptions,
    /// `<partial dir>/<id>`; its directory must exist.
    pub partial_path: &'a Path,
    pub expected: Expected<'a>,
}

/// A successful transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transferred {
    /// Bytes received over the wire by this call (0 when the partial file was complete).
    pub fetched: u64,
    /// Bytes already in the partial file and kept (0 when starting from scratch or when
    /// the server ignored the Range request).
    pub resumed_from: u64,
    /// Wall time of the whole call, hashing of a resumed prefix included.
    pub elapsed: Duration,
}

/// Progress reporting (a progress bar, or log lines in cron).
pub trait Progress: Sync {
    /// The transfer starts: `total` bytes, of which `already` are on disk.
    fn start(&self, total: u64, already: u64);
    /// `bytes` more were written.
    fn advance(&self, bytes: u64);
}

/// Reports nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: u64, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// Why a transfer failed. Every message is one line naming the URL (without credentials)
/// and what happens next; [`TransferError::partial_kept`] says whether the partial file
/// was left for a resumed retry.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TransferError {
    /// The request failed (status, TLS, connect, timeout before the body...). The partial
    /// file is left as it was.
    #[error("{0}")]
    Fetch(#[source] FetchError),

    /// The server answered 416 to `Range: bytes=N-`: its file is shorter than our partial
    /// file, which is therefore discarded.
    #[error("{url} refused to resume at byte {offset} (HTTP 416); the partial file was discarded and the next try starts from the beginning")]
    RangeRejected { url: String, offset: u64 },

    /// The server announced a size other than `hv:size`; nothing was read.
    #[error("{url} has {announced} bytes but the image list says hv:size {expected}; the partial file was discarded: the server has another file than the list describes, tell the list's endorser")]
    SizeMismatch {
        url: String,
        announced: u64,
        expected: u64,
    },

    /// The body went on past `hv:size`.
    #[error("server sent more than hv:size ({expected} bytes) for {url}; the partial file was discarded: the server has another file than the list describes, tell the list's endorser")]
    TooLong { url: String, expected: u64 },

    /// The body ended early (connection closed, timed out, reset). The bytes received are
    /// kept and synced; the next try resumes.
    #[error("download of {url} stopped after {received} of {expected} bytes ({detail}); the partial file is kept and the next try resumes")]
    Short {
        url: String,
        received: u64,
        expected: u64,
        detail: String,
    },

    /// All bytes arrived but their digest (SHA-512, or SHA-256 for a registry's) is not
    /// the list's.
    #[error("{algorithm} mismatch for {url}: expected {expected}, received {received}; the file was discarded: the server or the image list is wrong, tell the list's endorser")]
    Checksum {
        url: String,
        algorithm: &'static str,
        expected: String,
        received: String,
    },

    /// The expected digest is not 128 hexadecimal digits (a caller bug or a bad list).
    #[error("cannot download {url}: the expected SHA-512 '{sha512}' is not 128 hexadecimal digits; fix the image list")]
    BadExpectedDigest { url: String, sha512: String },

    /// Writing, reading back or syncing the partial file failed. The partial file is
    /// removed (best effort).
    #[error("cannot {action} {} while downloading {url}: {source}; check free space, permissions and the disk of the partial directory", path.display())]
    Local {
        url: String,
        path: PathBuf,
        action: &'static str,
        #[source]
        source: io::Error,
    },
}

impl TransferError {
    /// Whether the partial file was left in place (kept for a resume, or untouched because
    /// the request itself failed). False when it was removed or emptied.
    pub fn partial_kept(&self) -> bool {
        matches!(
            self,
            TransferError::Fetch(_)
                | TransferError::Short { .. }
                | TransferError::BadExpectedDigest { .. }
        )
    }

    /// Whether trying again (later, with resume) may succeed without anything changing on
    /// the server or in the image list.
    pub fn is_transient(&self) -> bool {
        match self {
            TransferError::Fetch(e) => e.is_transient(),
            TransferError::RangeRejected { .. } | TransferError::Short { .. } => true,
            _ => false,
        }
    }
}

/// Downloads `req.url` into `req.partial_path`, resuming a partial file when possible.
///
/// On `Ok` the partial file holds exactly `expected.size` bytes whose SHA-512 is
/// `expected.sha512`, synced to disk; the caller renames it into the cache. The digest
/// and the size are computed while writing; the file is only read to hash a prefix kept
/// from an earlier try. A partial file that is already complete and correct (a crash
/// before the rename) is accepted without any request.
pub fn transfer(
    fetcher: &dyn Fetcher,
    req: &TransferRequest<'_>,
    progress: &dyn Progress,
) -> Result<Transferred, TransferError> {
    let started = Instant::now();
    let job = Job {
        url: redact_url(req.url),
        path: req.partial_path,
        size: req.expected.size,
        sha512: req.expected.sha512.trim().to_ascii_lowercase(),
    };
    let Some(algorithm) = Algorithm::of_hex(&job.sha512) else {
        return Err(TransferError::BadExpectedDigest {
            url: job.url,
            sha512: req.expected.sha512.to_owned(),
        });
    };
    let mut buf = vec![0u8; BUFFER_SIZE];
    let mut hasher = Sha512::for_algorithm(algorithm);

    let (mut file, existed) = open_partial(job.path).map_err(|e| job.local_error("open", e))?;
    let on_disk = job.local("inspect", file.metadata())?.len();
    let mut offset = 0;
    if on_disk > 0 && on_disk <= job.size {
        offset = job.local(
            "read back",
            hash_reader(&mut (&mut file).take(on_disk), &mut hasher, &mut buf),
        )?;
        if offset == job.size {
            let digest = std::mem::take(&mut hasher).finish_hex();
            if digest == job.sha512 {
                job.local("sync", file.sync_all())?;
                job.local("set the mode of", verified(&file))?;
                progress.start(job.size, job.size);
                tracing::debug!(path = %job.path.display(), "partial file already complete");
                return Ok(Transferred {
                    fetched: 0,
                    resumed_from: job.size,
                    elapsed: started.elapsed(),
                });
            }
            tracing::info!(path = %job.path.display(), "complete partial file has a wrong SHA-512, downloading again");
            offset = 0;
        }
    }
    if offset != on_disk {
        job.local("truncate", restart(&mut file, &mut hasher))?;
        offset = 0;
    }

    let download = match fetcher.open_stream(req.url, req.options, offset) {
        Ok(d) => d,
        Err(FetchError::HttpStatus { status: 416, .. }) if offset > 0 => {
            job.discard(file);
            return Err(TransferError::RangeRejected {
                url: job.url,
                offset,
            });
        }
        Err(e) => {
            if !existed {
                // Leave no empty file behind for a download that never started.
                job.discard(file);
            }
            return Err(TransferError::Fetch(e));
        }
    };
    if offset > 0 && !download.resumed {
        tracing::info!(url = %job.url, offset, "the server ignored the Range request, downloading from the start");
        if let Err(e) = restart(&mut file, &mut hasher) {
            return Err(job.fail_local("truncate", e, file));
        }
        offset = 0;
    }
    if let Some(announced) = download.total_size.filter(|&t| t != job.size) {
        job.discard(file);
        return Err(TransferError::SizeMismatch {
            url: job.url,
            announced,
            expected: job.size,
        });
    }

    let resumed_from = offset;
    progress.start(job.size, offset);
    // Never read more than one byte past hv:size.
    let mut body = download.reader.take(job.size - offset + 1);
    drop(buf);
    // Receiving and writing one buffer overlap with hashing the previous ones.
    let mut pipeline = BackgroundHasher::new(hasher);
    // Where the bytes not yet handed to the disk start (see `start_writeback`).
    let mut unflushed_from = offset;
    let ended = loop {
        let mut buf = pipeline.buffer();
        let read = loop {
            match body.read(&mut buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                read => break read,
            }
        };
        let n = match read {
            Ok(0) => break None,
            Ok(n) => n,
            Err(e) => break Some(e),
        };
        if offset + n as u64 > job.size {
            job.discard(file);
            return Err(TransferError::TooLong {
                url: job.url,
                expected: job.size,
            });
        }
        if let Err(e) = file.write_all(&buf[..n]) {
            return Err(job.fail_local("write", e, file));
        }
        pipeline.update(buf, n);
        offset += n as u64;
        if offset - unflushed_from >= WRITEBACK_CHUNK {
            start_writeback(&file, unflushed_from, offset - unflushed_from);
            unflushed_from = offset;
        }
        progress.advance(n as u64);
    };
    drop(body);
    let hasher = pipeline.finish();

    if offset < job.size {
        if let Err(e) = file.sync_all() {
            return Err(job.fail_local("sync", e, file));
        }
        let detail = match ended {
            Some(e) => e.to_string(),
            None => "the server closed the connection early".to_owned(),
        };
        return Err(TransferError::Short {
            url: job.url,
            received: offset,
            expected: job.size,
            detail,
        });
    }
    if let Some(e) = ended {
        // All bytes are here; an error after them (a reset instead of a clean close) does
        // not matter, the digest decides.
        tracing::debug!(url = %job.url, error = %e, "error after the last byte");
    }
    let received = hasher.finish_hex();
    if received != job.sha512 {
        job.discard(file);
        return Err(TransferError::Checksum {
            url: job.url,
            algorithm: match algorithm {
                Algorithm::Sha512 => "SHA-512",
                Algorithm::Sha256 => "SHA-256",
            },
            expected: job.sha512,
            received,
        });
    }
    if let Err(e) = file.sync_all() {
        return Err(job.fail_local("sync", e, file));
    }
    if let Err(e) = verified(&file) {
        return Err(job.fail_local("set the mode of", e, file));
    }
    Ok(Transferred {
        fetched: job.size - resumed_from,
        resumed_from,
        elapsed: started.elapsed(),
    })
}

struct Job<'a> {
    url: String,
    path: &'a Path,
    size: u64,
    sha512: String,
}

impl Job<'_> {
    fn local<T>(&self, action: &'static str, result: io::Result<T>) -> Result<T, TransferError> {
        result.map_err(|source| {
            // Nothing trustworthy is left in a file we could not handle.
            remove(self.path);
            self.local_error(action, source)
        })
    }

    fn fail_local(&self, action: &'static str, source: io::Error, file: File) -> TransferError {
        self.discard(file);
        self.local_error(action, source)
    }

    fn local_error(&self, action: &'static str, source: io::Error) -> TransferError {
        TransferError::Local {
            url: self.url.clone(),
            path: self.path.to_owned(),
            action,
            source,
        }
    }

    fn discard(&self, file: File) {
        drop(file);
        remove(self.path);
    }
}

fn remove(path: &Path) {
    if let Err(e) = fs::remove_file(path) {
        if e.kind() != io::ErrorKind::NotFound {
            tracing::warn!(path = %path.display(), error = %e, "cannot remove partial file");
        }
    }
}

/// Opens the partial file for reading the kept prefix and appending, or creates it;
/// returns it and whether it existed.
///
/// The partial directory must not be a way to make vmcatcher write elsewhere: the name is
/// opened with `O_NOFOLLOW` (a symbolic link is not followed) and `O_NONBLOCK` (a FIFO
/// does not hang the open), and anything but a regular file with one link (a symbolic
/// link, a FIFO, a hard link to a file elsewhere) is unlinked, with a warning, and
/// replaced by a new file created with `O_EXCL`. The file is mode 0600 until the
/// download is verified ([`verified`]).
fn open_partial(path: &Path) -> io::Result<(File, bool)> {
    let open = || {
        OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(path)
    };
    match open() {
        Ok(file) => {
            let meta = file.metadata()?;
            if meta.is_file() && meta.nlink() == 1 {
                clear_nonblock(&file)?;
                // Not yet verified, whatever an earlier version or run left.
                file.set_permissions(fs::Permissions::from_mode(0o600))?;
                return Ok((file, true));
            }
            drop(file);
            replace_foreign(
                path,
                "is not a plain file of its own (a FIFO, a device or a hard link)",
            )
        }
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            replace_foreign(path, "is a symbolic link")
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok((create_partial(path)?, false)),
        Err(e) => Err(e),
    }
}

/// Unlinks what an attacker or an accident put at `path` (never what it points to) and
/// creates a fresh partial file in its place.
fn replace_foreign(path: &Path, what: &str) -> io::Result<(File, bool)> {
    tracing::warn!(
        "{} {what}: not following it; removing it and downloading into a new file",
        path.display()
    );
    fs::remove_file(path)?;
    Ok((create_partial(path)?, false))
}

/// A new partial file: `O_EXCL` (fails rather than open anything already there, a
/// symbolic link included), mode 0600.
fn create_partial(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o600)
        .open(path)
}

fn clear_nonblock(file: &File) -> io::Result<()> {
    use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
    let flags = fcntl_getfl(file)?;
    fcntl_setfl(file, flags - OFlags::NONBLOCK)?;
    Ok(())
}

/// The download is complete and its SHA-512 is the list's: from now on hooks and other
/// users may read it (0644). Only a verified file gets there.
fn verified(file: &File) -> io::Result<()> {
    file.set_permissions(fs::Permissions::from_mode(0o644))
}

/// How many written bytes may wait in the page cache before their writeback is started.
const WRITEBACK_CHUNK: u64 = 32 << 20;

/// Asks the kernel to start writing `len` bytes at `offset` to disk now, without waiting
/// (Linux `sync_file_range(SYNC_FILE_RANGE_WRITE)`; elsewhere nothing). The disk then works
/// while the download goes on, instead of the final `sync_all` writing the whole image
/// (seconds per GB) after the last byte arrived. Best effort: an error (a file system
/// without it) only means the final sync does all the work, as before.
fn start_writeback(file: &File, offset: u64, len: u64) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::io::AsRawFd;
        let (Ok(offset), Ok(len)) = (
            libc::off64_t::try_from(offset),
            libc::off64_t::try_from(len),
        ) else {
            return;
        };
        // SAFETY: a plain system call on a descriptor `file` keeps open; no memory is passed.
        let rc = unsafe {
            libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE)
        };
        if rc != 0 {
            tracing::trace!(error = %io::Error::last_os_error(), "sync_file_range");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, offset, len);
}

fn restart(file: &mut File, hasher: &mut Sha512) -> io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    hasher.reset();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::sha512_hex;
    use crate::fetch::Download;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use std::sync::Mutex;

    /// Serves `data` from memory, honouring the offset, recording each offset asked.
    struct MemFetcher {
        data: Vec<u8>,
        announce: Option<u64>,
        status: Option<u16>,
        offsets: Mutex<Vec<u64>>,
    }

    impl MemFetcher {
        fn new(data: &[u8]) -> Self {
            MemFetcher {
                data: data.to_vec(),
                announce: None,
                status: None,
                offsets: Mutex::new(Vec::new()),
            }
        }
        fn offsets(&self) -> Vec<u64> {
            self.offsets.lock().unwrap().clone()
        }
    }

    impl Fetcher for MemFetcher {
        fn fetch_bytes(&self, _: &str, _: &FetchOptions, _: u64) -> Result<Vec<u8>, FetchError> {
            unreachable!()
        }
        fn open_stream(
            &self,
            url: &str,
            _: &FetchOptions,
            from: u64,
        ) -> Result<Download, FetchError> {
            self.offsets.lock().unwrap().push(from);
            if let Some(status) = self.status {
                return Err(FetchError::HttpStatus {
                    url: url.to_owned(),
                    status,
                    reason: String::new(),
                    hint: "",
                });
            }
            let from = from.min(self.data.len() as u64);
            let rest = self.data[from as usize..].to_vec();
            Ok(Download {
                content_length: Some(rest.len() as u64),
                reader: Box::new(io::Cursor::new(rest)),
                status: if from > 0 { 206 } else { 200 },
                resumed: from > 0,
                total_size: Some(self.announce.unwrap_or(self.data.len() as u64)),
            })
        }
    }

    #[derive(Default)]
    struct Count {
        starts: AtomicUsize,
        already: AtomicU64,
        bytes: AtomicU64,
    }

    impl Progress for Count {
        fn start(&self, _: u64, already: u64) {
            self.starts.fetch_add(1, Ordering::SeqCst);
            self.already.store(already, Ordering::SeqCst);
        }
        fn advance(&self, bytes: u64) {
            self.bytes.fetch_add(bytes, Ordering::SeqCst);
        }
    }

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 % 253) as u8).collect()
    }

    fn run(
        fetcher: &MemFetcher,
        path: &Path,
        size: u64,
        sha: &str,
    ) -> Result<Transferred, TransferError> {
        let opts = FetchOptions::default();
        let req = TransferRequest {
            url: "http://user:pw@example.org/img",
            options: &opts,
            partial_path: path,
            expected: Expected { size, sha512: sha },
        };
        transfer(fetcher, &req, &NoProgress)
    }

    #[test]
    fn resumes_from_a_kept_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("img");
        let body = data(3000);
        fs::write(&path, &body[..1000]).unwrap();
        let fetcher = MemFetcher::new(&body);
        let sha = sha512_hex(&body).to_uppercase();
        let done = run(&fetcher, &path, 3000, &sha).unwrap();
        assert_eq!((done.fetched, done.resumed_from), (2000, 1000));
        assert_eq!(fetcher.offsets(), [1000]);
        assert_eq!(fs::read(&path).unwrap(), body);
    }

    #[test]
    fn complete_partial_needs_no_request_and_wrong_one_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("img");
        let body = data(500);
        let sha = sha512_hex(&body);
        fs::write(&path, &body).unwrap();
        let fetcher = MemFetcher::new(&body);
        let count = Count::default();
        let opts = FetchOptions::default();
        let req = TransferRequest {
            url: "http://example.org/img",
            options: &opts,
            partial_path: &path,
            expected: Expected {
                size: 500,
                sha512: &sha,
            },
        };
        let done = transfer(&fetcher, &req, &count).unwrap();
        assert_eq!((done.fetched, done.resumed_from), (0, 500));
        assert!(fetcher.offsets().is_empty());
        assert_eq!(count.already.load(Ordering::SeqCst), 500);

        // Same length, wrong bytes; then longer than the image: both start over.
        let mut wrong = body.clone();
        wrong[10] ^= 1;
        fs::write(&path, &wrong).unwrap();
        assert_eq!(run(&fetcher, &path, 500, &sha).unwrap().fetched, 500);
        fs::write(&path, data(900)).unwrap();
        assert_eq!(run(&fetcher, &path, 500, &sha).unwrap().fetched, 500);
        assert_eq!(fetcher.offsets(), [0, 0]);
        assert_eq!(fs::read(&path).unwrap(), body);
    }

    #[test]
    fn range_not_satisfiable_discards_the_partial() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("img");
        fs::write(&path, data(100)).unwrap();
        let mut fetcher = MemFetcher::new(&data(300));
        fetcher.status = Some(416);
        let err = run(&fetcher, &path, 300, &sha512_hex(&data(300))).unwrap_err();
        assert!(
            matches!(err, TransferError::RangeRejected { offset: 100, .. }),
            "{err}"
        );
        assert!(!err.partial_kept() && !path.exists());
        assert!(!err.to_string().contains("pw@"), "{err}");

        // Other statuses leave the partial file alone.
        fs::write(&path, data(100)).unwrap();
        fetcher.status = Some(404);
        let err = run(&fetcher, &path, 300, &sha512_hex(&data(300))).unwrap_err();
        assert!(matches!(err, TransferError::Fetch(_)) && err.partial_kept());
        assert_eq!(fs::read(&path).unwrap(), data(100));
        fs::remove_file(&path).unwrap();
        run(&fetcher, &path, 300, &sha512_hex(&data(300))).unwrap_err();
        assert!(
            !path.exists(),
            "no empty file left by a failed first request"
        );
    }

    #[test]
    fn announced_size_other_than_hv_size_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("img");
        let mut fetcher = MemFetcher::new(&data(300));
        fetcher.announce = Some(5 << 30);
        let err = run(&fetcher, &path, 300, &sha512_hex(&data(300))).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("5368709120 bytes") && msg.contains("hv:size 300"),
            "{msg}"
        );
        assert!(msg.contains("http://example.org/img"), "{msg}");
        assert!(!err.partial_kept() && !path.exists());
    }

    #[test]
    fn expected_digest_must_be_hex() {
        let dir = tempfile::tempdir().unwrap();
        let fetcher = MemFetcher::new(b"abc");
        let err = run(&fetcher, &dir.path().join("img"), 3, "abc").unwrap_err();
        assert!(
            matches!(err, TransferError::BadExpectedDigest { .. }),
            "{err}"
        );
        assert!(fetcher.offsets().is_empty());
        assert!(!dir.path().join("img").exists());
    }

    #[test]
    fn empty_image() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("img");
        let fetcher = MemFetcher::new(b"");
        let done = run(&fetcher, &path, 0, &sha512_hex(b"")).unwrap();
        assert_eq!(done.fetched, 0);
        assert_eq!(fs::metadata(&path).unwrap().len(), 0);
    }
}
