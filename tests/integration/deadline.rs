//! Overall deadlines through the real binary: a server that answers one byte per second
//! (head or body) must not keep `sync` running, and the lock held, for ever.
//! Image lists have `http.transfer_timeout` for the whole transfer; images have it up to
//! the response head and then `http.min_rate` over `http.read_timeout` windows.

use std::time::{Duration, Instant};

use crate::support::http::{Route, TestServer};
use crate::support::lists::{image, trust_dir, ListSpec, IMAGE_A, IMAGE_B};
use crate::support::pki::{pki, TrustDirOptions};
use crate::support::{Run, TestEnv};

const A: &[u8] = b"image a: a few hundred bytes are enough to show a dribbling body \
    is cut by the minimum-rate rule long before it would have ended on its own, \
    one byte per second being far below any configured floor of useful speed.";
const B: &[u8] = b"image b";

/// One byte per second, as the issue describes.
const DRIBBLE: Duration = Duration::from_secs(1);

struct Fixture {
    env: TestEnv,
    server: TestServer,
    list: Vec<u8>,
}

impl Fixture {
    /// Subscribed over http with `http` as the `[http]` section; image A selected.
    fn new(http: &str) -> Fixture {
        Fixture::on(TestServer::http(), http, &[])
    }

    fn on(server: TestServer, http: &str, extra_args: &[&str]) -> Fixture {
        let mut env = TestEnv::new();
        trust_dir(&env, &TrustDirOptions::default());
        let config = env.write(
            "vmcatcher.toml",
            format!("[events]\nhook_dirs = []\n\n[cache]\nmax_tries = 1\n\n[http]\n{http}\n"),
        );
        env.set("VMCATCHER_CONFIG", config);
        env.set("VMCATCHER_CACHE_DIR_CACHE", env.path("cache/endorsed"));
        env.set("VMCATCHER_CACHE_DIR_DOWNLOAD", env.path("cache/partial"));
        env.set("VMCATCHER_CACHE_DIR_EXPIRE", env.path("cache/expired"));
        let mut spec = ListSpec::new("1");
        spec.images = vec![
            image(IMAGE_A, A, &server.url("/a")),
            image(IMAGE_B, B, &server.url("/b")),
        ];
        let list = spec.signed();
        server.route("/list", Route::ok(list.clone()));
        server.route("/a", Route::ok(A));
        let f = Fixture { env, server, list };
        let mut args = vec!["subscribe", "add", "--auto-endorse"];
        args.extend_from_slice(extra_args);
        let url = f.server.url("/list");
        args.push(&url);
        f.env.run(&args).success();
        f.env.run(&["image", "subscribe", IMAGE_A]).success();
        f
    }

    /// Runs and returns how long it took.
    fn timed(&self, args: &[&str]) -> (Run, Duration) {
        let started = Instant::now();
        let run = self.env.run(args);
        (run, started.elapsed())
    }

    fn partial(&self) -> std::path::PathBuf {
        self.env.path("cache/partial").join(IMAGE_A)
    }
}

#[track_caller]
fn bounded(took: Duration, limit: u64) {
    assert!(
        took < Duration::from_secs(limit),
        "took {took:?}, more than {limit} s"
    );
}

#[test]
fn a_list_whose_headers_dribble_is_cut_by_the_transfer_timeout() {
    let f = Fixture::new("transfer_timeout = 2\nread_timeout = 10");
    f.server
        .route("/list", Route::ok(f.list.clone()).dribble_head(DRIBBLE));
    let (run, took) = f.timed(&["sync"]);
    run.failure(
        10,
        &[
            &f.server.url("/list"),
            "http.transfer_timeout (2 s)",
            "try again later",
        ],
    );
    bounded(took, 8);
    assert!(
        took >= Duration::from_secs(2),
        "cut before the deadline: {took:?}"
    );
}

#[test]
fn a_list_whose_body_dribbles_is_cut_by_the_transfer_timeout() {
    let f = Fixture::new("transfer_timeout = 2\nread_timeout = 10");
    f.server
        .route("/list", Route::ok(f.list.clone()).dribble_body(DRIBBLE));
    let (run, took) = f.timed(&["subscribe", "update"]);
    run.failure(
        10,
        &[
            "fetching",
            &f.server.url("/list"),
            "took longer than http.transfer_timeout (2 s)",
        ],
    );
    bounded(took, 8);
}

#[test]
fn a_dribbling_https_list_is_cut_too() {
    let p = pki();
    let server = TestServer::https(
        &p.tls_server.cert,
        &p.tls_server.key,
        std::slice::from_ref(&p.issuing.cert),
    );
    let f = Fixture::on(
        server,
        "transfer_timeout = 2\nread_timeout = 10",
        &["--tls-anchors", "igtf"],
    );
    f.server
        .route("/list", Route::ok(f.list.clone()).dribble_body(DRIBBLE));
    let (run, took) = f.timed(&["subscribe", "update"]);
    run.failure(10, &[&f.server.url("/list"), "http.transfer_timeout (2 s)"]);
    bounded(took, 8);
}

#[test]
fn a_list_within_the_transfer_timeout_is_fine() {
    // A slow but finishing answer: one second of delay under a 5 s deadline.
    let f = Fixture::new("transfer_timeout = 5");
    f.server.route(
        "/list",
        Route::ok(f.list.clone()).delay_head(Duration::from_secs(1)),
    );
    f.env.run(&["subscribe", "update"]).success();
}

#[test]
fn an_image_whose_headers_dribble_is_cut_by_the_transfer_timeout() {
    let f = Fixture::new("transfer_timeout = 2\nread_timeout = 10");
    f.server.route("/a", Route::ok(A).dribble_head(DRIBBLE));
    let (run, took) = f.timed(&["cache"]);
    run.failure(
        1,
        &[
            IMAGE_A,
            "waiting for the response headers of",
            &f.server.url("/a"),
            "http.transfer_timeout (2 s)",
        ],
    );
    bounded(took, 8);
    assert!(
        !f.partial().exists(),
        "no partial file for a download that never started"
    );
}

#[test]
fn an_image_slower_than_min_rate_is_cut_and_resumed_later() {
    // The window is read_timeout (2 s); one byte per second is far below 1024 bytes/s.
    // The body is not limited by transfer_timeout: only the head is.
    let f = Fixture::new("transfer_timeout = 1\nread_timeout = 2\nmin_rate = 1024");
    f.server.route("/a", Route::ok(A).dribble_body(DRIBBLE));
    let (run, took) = f.timed(&["cache"]);
    run.failure(
        1,
        &[
            IMAGE_A,
            &f.server.url("/a"),
            "below http.min_rate = 1024 bytes/s",
            "the partial file is kept and the next try resumes",
        ],
    );
    bounded(took, 8);
    // Left resumable: the bytes received are kept and the try is counted.
    let kept = std::fs::read(f.partial()).expect("partial file kept");
    assert!(
        !kept.is_empty() && kept.len() < A.len(),
        "{} bytes",
        kept.len()
    );
    assert_eq!(kept, &A[..kept.len()]);
    let index: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(f.env.path("cache/partial/cache.index")).unwrap(),
    )
    .unwrap();
    assert_eq!(index[IMAGE_A]["DownLoadTrys"]["count"], 1);

    // A new list version resets the try count; the next run resumes at the kept offset.
    f.server.route("/a", Route::ok(A));
    let mut spec = ListSpec::new("2");
    spec.images = vec![
        image(IMAGE_A, A, &f.server.url("/a")),
        image(IMAGE_B, B, &f.server.url("/b")),
    ];
    f.server.route("/list", Route::ok(spec.signed()));
    f.env.run(&["sync"]).success();
    assert_eq!(
        std::fs::read(f.env.path("cache/endorsed").join(IMAGE_A)).unwrap(),
        A
    );
    let last = f.server.requests_to("/a").pop().unwrap();
    assert_eq!(
        last.header("range"),
        Some(format!("bytes={}-", kept.len()).as_str())
    );
}

#[test]
fn the_new_http_keys_are_shown_with_their_defaults_and_sources() {
    let env = TestEnv::new();
    let show = env.run(&["config", "show"]);
    show.success();
    for line in [
        "http.transfer_timeout=300\tdefault",
        "http.min_rate=1024\tdefault",
    ] {
        assert!(show.stdout.contains(line), "{line}:\n{}", show.stdout);
    }
    let file = env.write("c.toml", "[http]\ntransfer_timeout = 20\nmin_rate = 0\n");
    let show = env.run(&["-c", file.to_str().unwrap(), "config", "show"]);
    show.success();
    assert!(
        show.stdout.contains("http.transfer_timeout=20\tfile"),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout.contains("http.min_rate=0\tfile"),
        "{}",
        show.stdout
    );
    let file = env.write("z.toml", "[http]\ntransfer_timeout = 0\n");
    env.run(&["-c", file.to_str().unwrap(), "config", "show"])
        .failure(1, &["http.transfer_timeout = 0", "1 to 86400 seconds"]);
}
