//! Image transfer into the partial file over the loopback server and file URLs: one-pass
//! SHA-512, the hv:size limit, resume with Range, servers that ignore Range, progress.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use url::Url;
use vmcatcher::cache::transfer::{
    transfer, Expected, NoProgress, Progress, TransferError, TransferRequest, Transferred,
};
use vmcatcher::digest::sha512_hex;
use vmcatcher::fetch::{FetchOptions, ProxyConfig, UrlFetcher};

use crate::support::http::{Route, TestServer};

fn opts() -> FetchOptions {
    FetchOptions {
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        proxy: ProxyConfig::none(),
        ..FetchOptions::default()
    }
}

fn body(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

fn get(
    url: &str,
    opts: &FetchOptions,
    partial: &Path,
    image: &[u8],
    progress: &dyn Progress,
) -> Result<Transferred, TransferError> {
    let sha = sha512_hex(image);
    let req = TransferRequest {
        url,
        options: opts,
        partial_path: partial,
        expected: Expected {
            size: image.len() as u64,
            sha512: &sha,
        },
    };
    transfer(&UrlFetcher, &req, progress)
}

fn one_line(err: &TransferError) -> String {
    let msg = err.to_string();
    assert!(!msg.contains('\n'), "message must be one line: {msg}");
    msg
}

#[derive(Default)]
struct Counter {
    total: AtomicU64,
    already: AtomicU64,
    advanced: AtomicU64,
}

impl Progress for Counter {
    fn start(&self, total: u64, already: u64) {
        self.total.store(total, Ordering::SeqCst);
        self.already.store(already, Ordering::SeqCst);
    }
    fn advance(&self, bytes: u64) {
        self.advanced.fetch_add(bytes, Ordering::SeqCst);
    }
}

#[test]
fn good_download_is_complete_synced_and_readable() {
    let server = TestServer::http();
    let image = body(100_000);
    server.route("/img", Route::ok(image.clone()));
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("img");
    let progress = Counter::default();
    let done = get(&server.url("/img"), &opts(), &partial, &image, &progress).unwrap();
    assert_eq!((done.fetched, done.resumed_from), (100_000, 0));
    assert_eq!(fs::read(&partial).unwrap(), image);
    assert_eq!(
        fs::metadata(&partial).unwrap().permissions().mode() & 0o777,
        0o644
    );
    assert_eq!(progress.total.load(Ordering::SeqCst), 100_000);
    assert_eq!(progress.already.load(Ordering::SeqCst), 0);
    assert_eq!(progress.advanced.load(Ordering::SeqCst), 100_000);
    let requests = server.requests_to("/img");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("range"), None);
}

#[test]
fn wrong_bytes_fail_the_checksum_and_remove_the_partial() {
    let server = TestServer::http();
    let image = body(50_000);
    server.route("/img", Route::ok(image.clone()).corrupt_at(40_000));
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("img");
    let err = get(&server.url("/img"), &opts(), &partial, &image, &NoProgress).unwrap_err();
    let msg = one_line(&err);
    let mut corrupt = image.clone();
    corrupt[40_000] ^= 0xff;
    assert!(matches!(err, TransferError::Checksum { .. }), "{msg}");
    assert!(
        msg.contains(&sha512_hex(&image)),
        "names the expected digest: {msg}"
    );
    assert!(
        msg.contains(&sha512_hex(&corrupt)),
        "names the received digest: {msg}"
    );
    assert!(msg.contains(&server.url("/img")), "{msg}");
    assert!(!err.partial_kept());
    assert!(!partial.exists());
}

#[test]
fn more_than_hv_size_is_rejected() {
    let server = TestServer::http();
    let image = body(10_000);
    // Without a length, the body runs on past hv:size: reading stops at size + 1.
    server.route(
        "/unannounced",
        Route::ok(image.clone())
            .send_extra(vec![0xAA; 5000])
            .without_length(),
    );
    // With a length larger than hv:size, refused from the head.
    server.route(
        "/announced",
        Route::ok(image.clone())
            .send_extra(vec![0xAA; 5000])
            .promise_length(15_000),
    );
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("img");
    let err = get(
        &server.url("/unannounced"),
        &opts(),
        &partial,
        &image,
        &NoProgress,
    )
    .unwrap_err();
    let msg = one_line(&err);
    assert!(matches!(err, TransferError::TooLong { .. }), "{msg}");
    assert!(msg.contains("server sent more than hv:size"), "{msg}");
    assert!(!err.partial_kept() && !partial.exists());

    let err = get(
        &server.url("/announced"),
        &opts(),
        &partial,
        &image,
        &NoProgress,
    )
    .unwrap_err();
    let msg = one_line(&err);
    assert!(
        matches!(
            err,
            TransferError::SizeMismatch {
                announced: 15_000,
                expected: 10_000,
                ..
            }
        ),
        "{msg}"
    );
    assert!(!err.partial_kept() && !partial.exists());
}

#[test]
fn dropped_connection_keeps_the_partial_and_the_next_try_resumes() {
    let server = TestServer::http();
    let image = body(200_000);
    server.route("/img", Route::ok(image.clone()).drop_after(70_000));
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("img");
    let url = server.url("/img");
    let err = get(&url, &opts(), &partial, &image, &NoProgress).unwrap_err();
    let msg = one_line(&err);
    assert!(
        matches!(
            err,
            TransferError::Short {
                received: 70_000,
                expected: 200_000,
                ..
            }
        ),
        "{msg}"
    );
    assert!(msg.contains("resumes") && msg.contains(&url), "{msg}");
    assert!(err.partial_kept() && err.is_transient());
    assert_eq!(fs::read(&partial).unwrap(), &image[..70_000]);

    server.route("/img", Route::ok(image.clone()));
    let progress = Counter::default();
    let done = get(&url, &opts(), &partial, &image, &progress).unwrap();
    assert_eq!((done.fetched, done.resumed_from), (130_000, 70_000));
    assert_eq!(fs::read(&partial).unwrap(), image);
    assert_eq!(progress.already.load(Ordering::SeqCst), 70_000);
    assert_eq!(progress.advanced.load(Ordering::SeqCst), 130_000);
    let requests = server.requests_to("/img");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].header("range"), None);
    assert_eq!(requests[1].header("range"), Some("bytes=70000-"));
}

#[test]
fn stalled_body_times_out_and_keeps_the_partial() {
    let server = TestServer::http();
    let image = body(30_000);
    server.route(
        "/img",
        Route::ok(image.clone()).stall_after(10_000, Duration::from_secs(3)),
    );
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("img");
    let quick = FetchOptions {
        read_timeout: Duration::from_secs(1),
        ..opts()
    };
    let err = get(&server.url("/img"), &quick, &partial, &image, &NoProgress).unwrap_err();
    let msg = one_line(&err);
    assert!(
        matches!(
            err,
            TransferError::Short {
                received: 10_000,
                ..
            }
        ),
        "{msg}"
    );
    assert!(msg.contains("timed out"), "{msg}");
    assert!(err.partial_kept());
    assert_eq!(fs::metadata(&partial).unwrap().len(), 10_000);
}

#[test]
fn server_ignoring_range_restarts_from_zero() {
    let server = TestServer::http();
    let image = body(120_000);
    server.route("/img", Route::ok(image.clone()).ignore_range());
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("img");
    // A kept prefix, partly wrong: it must not end up in the result.
    let mut prefix = image[..50_000].to_vec();
    prefix[0] ^= 1;
    fs::write(&partial, &prefix).unwrap();
    let done = get(&server.url("/img"), &opts(), &partial, &image, &NoProgress).unwrap();
    assert_eq!((done.fetched, done.resumed_from), (120_000, 0));
    assert_eq!(fs::read(&partial).unwrap(), image);
    let requests = server.requests_to("/img");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("range"), Some("bytes=50000-"));
}

#[test]
fn complete_partial_makes_no_request() {
    let server = TestServer::http();
    let image = body(40_000);
    server.route("/img", Route::ok(image.clone()));
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("img");
    fs::write(&partial, &image).unwrap();
    let done = get(&server.url("/img"), &opts(), &partial, &image, &NoProgress).unwrap();
    assert_eq!((done.fetched, done.resumed_from), (0, 40_000));
    assert!(server.requests().is_empty());
}

#[test]
fn http_error_leaves_the_partial_as_it_was() {
    let server = TestServer::http();
    let image = body(40_000);
    server.route("/img", Route::status(500, "oops"));
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("img");
    let url = server.url("/img");
    let err = get(&url, &opts(), &partial, &image, &NoProgress).unwrap_err();
    assert!(matches!(err, TransferError::Fetch(_)), "{err}");
    assert!(one_line(&err).contains("HTTP 500") && err.partial_kept());
    assert!(
        !partial.exists(),
        "no empty file for a download that never started"
    );

    fs::write(&partial, &image[..1000]).unwrap();
    let err = get(&url, &opts(), &partial, &image, &NoProgress).unwrap_err();
    assert!(err.partial_kept());
    assert_eq!(fs::read(&partial).unwrap(), &image[..1000]);
}

#[test]
fn multi_mib_body() {
    let server = TestServer::http();
    let image = body(8 << 20 | 4321);
    server.route("/big", Route::ok(image.clone()));
    let dir = tempfile::tempdir().unwrap();
    let partial = dir.path().join("big");
    let progress = Counter::default();
    let done = get(&server.url("/big"), &opts(), &partial, &image, &progress).unwrap();
    assert_eq!(done.fetched, image.len() as u64);
    assert_eq!(progress.advanced.load(Ordering::SeqCst), image.len() as u64);
    assert_eq!(fs::metadata(&partial).unwrap().len(), image.len() as u64);
    assert_eq!(fs::read(&partial).unwrap(), image);
}

#[test]
fn file_url_downloads_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source image.raw");
    let image = body(3 << 20);
    fs::write(&source, &image).unwrap();
    let url = Url::from_file_path(&source).unwrap().to_string();
    let partial = dir.path().join("partial");
    let progress = Counter::default();
    let opts = || FetchOptions {
        file_images: true,
        ..opts()
    };
    let done = get(&url, &opts(), &partial, &image, &progress).unwrap();
    assert_eq!((done.fetched, done.resumed_from), (3 << 20, 0));
    assert_eq!(progress.advanced.load(Ordering::SeqCst), 3 << 20);
    assert_eq!(fs::read(&partial).unwrap(), image);

    fs::write(&partial, &image[..12_345]).unwrap();
    let done = get(&url, &opts(), &partial, &image, &NoProgress).unwrap();
    assert_eq!(
        (done.fetched, done.resumed_from),
        ((3 << 20) - 12_345, 12_345)
    );
    assert_eq!(fs::read(&partial).unwrap(), image);

    // A file of another size than hv:size.
    let err = get(&url, &opts(), &partial, &image[..100], &NoProgress).unwrap_err();
    assert!(matches!(err, TransferError::SizeMismatch { .. }), "{err}");
}
