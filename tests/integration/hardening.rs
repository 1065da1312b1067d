//! The file system and the network cannot be turned against the tool (tests run as root
//! here, so only the tool's own care stands between a planted link and a file elsewhere):
//! symbolic links, FIFOs and hard links planted in the cache directories, guessable
//! temporary names, file:// image URLs in lists fetched over the network, https → http
//! redirects.

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use url::Url;

use crate::support::http::{Route, TestServer};
use crate::support::lists::{image, trust_dir, ListSpec, IMAGE_A, IMAGE_B};
use crate::support::pki::{pki, TrustDirOptions};
use crate::support::TestEnv;

const A: &[u8] = b"the contents of image a, a small but real disk image, long enough";
const B: &[u8] = b"image b";
const PRECIOUS: &str = "a file outside the cache that must never change\n";

/// Bounds every run that used to hang on a FIFO or an endless device.
const LIMIT: Duration = Duration::from_secs(20);

fn env() -> TestEnv {
    let mut env = TestEnv::new();
    trust_dir(&env, &TrustDirOptions::default());
    let config = env.write(
        "vmcatcher.toml",
        "[events]\nhook_dirs = []\n\n[cache]\nmax_tries = 1\n",
    );
    env.set("VMCATCHER_CONFIG", config);
    env.set("VMCATCHER_CACHE_DIR_CACHE", env.path("cache/endorsed"));
    env.set("VMCATCHER_CACHE_DIR_DOWNLOAD", env.path("cache/partial"));
    env.set("VMCATCHER_CACHE_DIR_EXPIRE", env.path("cache/expired"));
    env
}

fn dir(env: &TestEnv, name: &str) -> PathBuf {
    env.path(&format!("cache/{name}"))
}

/// A list of images A and B at these URLs, signed by the good endorser.
fn list(version: &str, a_uri: &str, b_uri: &str) -> Vec<u8> {
    let mut spec = ListSpec::new(version);
    spec.images = vec![image(IMAGE_A, A, a_uri), image(IMAGE_B, B, b_uri)];
    spec.signed()
}

/// Subscribed over http to a list whose image A is served by `server` at /a; A selected.
fn subscribed(server: &TestServer) -> TestEnv {
    let env = env();
    server.route("/a", Route::ok(A));
    server.route(
        "/list",
        Route::ok(list("1", &server.url("/a"), &server.url("/b"))),
    );
    env.run(&["subscribe", "add", &server.url("/list"), "--auto-endorse"])
        .success();
    env.run(&["image", "subscribe", IMAGE_A]).success();
    env
}

fn outside(env: &TestEnv) -> PathBuf {
    env.write("outside/precious.txt", PRECIOUS)
}

#[track_caller]
fn unchanged(path: &Path) {
    assert_eq!(
        fs::read_to_string(path).expect("the outside file still exists"),
        PRECIOUS,
        "{} was changed through a planted link",
        path.display()
    );
}

fn mkfifo(path: &Path) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    let ok = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(ok.success());
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

// ---- the cache directories -------------------------------------------------------------

#[test]
fn a_symlink_planted_as_the_partial_file_is_not_followed() {
    let server = TestServer::http();
    let env = subscribed(&server);
    let target = outside(&env);
    fs::create_dir_all(dir(&env, "partial")).unwrap();
    let planted = dir(&env, "partial").join(IMAGE_A);
    symlink(&target, &planted).unwrap();

    let run = env.run(&["cache"]);
    run.success();
    assert!(run.stderr.contains("is a symbolic link"), "{}", run.stderr);
    unchanged(&target);
    assert_eq!(fs::read(dir(&env, "endorsed").join(IMAGE_A)).unwrap(), A);
    assert!(planted.symlink_metadata().is_err(), "the link is gone");
}

#[test]
fn a_hard_link_planted_as_the_partial_file_is_not_written_through() {
    let server = TestServer::http();
    let env = subscribed(&server);
    let target = outside(&env);
    fs::create_dir_all(dir(&env, "partial")).unwrap();
    fs::hard_link(&target, dir(&env, "partial").join(IMAGE_A)).unwrap();
    env.run(&["cache"]).success();
    unchanged(&target);
    assert_eq!(fs::read(dir(&env, "endorsed").join(IMAGE_A)).unwrap(), A);
}

#[test]
fn symlinks_raced_in_at_the_index_temporary_name_are_never_followed() {
    // The index used to be written to `.cache.index.tmp-<pid>` with O_TRUNC, following a
    // link: anyone who can write the directory could plant one once the run started
    // (stale names are removed when the run begins, so the link is planted during it).
    let server = TestServer::http();
    let env = subscribed(&server);
    let target = outside(&env);
    let mut child = env
        .command(&["cache"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let names: Vec<PathBuf> = ["endorsed", "partial", "expired"]
        .iter()
        .map(|d| dir(&env, d).join(format!(".cache.index.tmp-{}", child.id())))
        .collect();
    let started = std::time::Instant::now();
    let status = loop {
        for name in &names {
            let _ = symlink(&target, name);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < LIMIT, "cache did not finish");
    };
    assert!(status.success());
    unchanged(&target);
    for d in ["endorsed", "partial", "expired"] {
        let index = dir(&env, d).join("cache.index");
        let meta = index.symlink_metadata().unwrap();
        assert!(
            meta.file_type().is_file(),
            "{} is a plain file",
            index.display()
        );
    }
    assert_eq!(fs::read(dir(&env, "endorsed").join(IMAGE_A)).unwrap(), A);
}

#[test]
fn a_symlinked_index_is_set_aside_not_read_through() {
    let server = TestServer::http();
    let env = subscribed(&server);
    env.run(&["cache"]).success();
    let target = outside(&env);
    let index = dir(&env, "partial").join("cache.index");
    fs::remove_file(&index).unwrap();
    symlink(&target, &index).unwrap();
    let run = env.run(&["cache"]);
    run.success();
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
    unchanged(&target);
    assert!(index.symlink_metadata().unwrap().file_type().is_file());
}

#[test]
fn a_fifo_in_the_cache_does_not_hang_check() {
    let server = TestServer::http();
    let env = subscribed(&server);
    env.run(&["cache"]).success();
    let cached = dir(&env, "endorsed").join(IMAGE_A);
    fs::remove_file(&cached).unwrap();
    mkfifo(&cached);
    let run = env.run_within(&["cache", "check"], LIMIT);
    run.failure(1, &[IMAGE_A, "not a regular file"]);
}

#[test]
fn a_symlink_in_the_cache_is_not_read_through_by_check() {
    let server = TestServer::http();
    let env = subscribed(&server);
    env.run(&["cache"]).success();
    // A file elsewhere with the very bytes of the image: still not accepted as cached.
    let elsewhere = env.write("outside/copy-of-a", A);
    let cached = dir(&env, "endorsed").join(IMAGE_A);
    fs::remove_file(&cached).unwrap();
    symlink(&elsewhere, &cached).unwrap();
    env.run(&["cache", "check"])
        .failure(1, &[IMAGE_A, "symbolic link"]);
    assert_eq!(fs::read(&elsewhere).unwrap(), A);
}

#[test]
fn image_files_are_0644_only_once_verified() {
    let server = TestServer::http();
    let env = subscribed(&server);
    server.route("/a", Route::ok(A).drop_after(10));
    env.run(&["cache"])
        .failure(1, &[IMAGE_A, "the next try resumes"]);
    let partial = dir(&env, "partial").join(IMAGE_A);
    assert_eq!(fs::read(&partial).unwrap(), &A[..10]);
    assert_eq!(
        mode(&partial),
        0o600,
        "an unverified partial file is private"
    );

    server.route("/a", Route::ok(A));
    server.route(
        "/list",
        Route::ok(list("2", &server.url("/a"), &server.url("/b"))),
    );
    env.run(&["sync"]).success();
    let cached = dir(&env, "endorsed").join(IMAGE_A);
    assert_eq!(fs::read(&cached).unwrap(), A);
    assert_eq!(
        mode(&cached),
        0o644,
        "a verified image is readable by hooks"
    );
}

// ---- file:// images -----------------------------------------------------------------------

#[test]
fn a_file_image_url_in_a_list_fetched_over_http_is_refused() {
    let env = env();
    let source = env.write("images/a.img", A);
    let file_url = Url::from_file_path(&source).unwrap().to_string();
    let server = TestServer::http();
    server.route("/list", Route::ok(list("1", &file_url, &server.url("/b"))));
    env.run(&["subscribe", "add", &server.url("/list"), "--auto-endorse"])
        .success();
    env.run(&["image", "subscribe", IMAGE_A]).success();
    env.run(&["cache"]).failure(
        1,
        &[
            IMAGE_A,
            &file_url,
            "accepted only from an image list that was itself read from a file:// URL",
        ],
    );
    assert!(!dir(&env, "endorsed").join(IMAGE_A).exists());
    assert!(!dir(&env, "partial").join(IMAGE_A).exists());
}

/// Subscribed to a list read from file:// whose image A is `a_uri`.
fn local_subscription(env: &TestEnv, a_uri: &str) {
    let list_path = env.write(
        "lists/list.smime",
        list("1", a_uri, "file:///nonexistent/b"),
    );
    let list_url = Url::from_file_path(&list_path).unwrap().to_string();
    env.run(&["subscribe", "add", &list_url, "--auto-endorse"])
        .success();
    env.run(&["image", "subscribe", IMAGE_A]).success();
}

#[test]
fn a_file_image_url_in_a_list_read_from_file_is_downloaded() {
    let env = env();
    let source = env.write("images/a.img", A);
    local_subscription(&env, Url::from_file_path(&source).unwrap().as_str());
    env.run(&["cache"]).success();
    assert_eq!(fs::read(dir(&env, "endorsed").join(IMAGE_A)).unwrap(), A);
}

#[test]
fn a_file_image_url_naming_a_fifo_device_or_directory_is_refused_at_once() {
    for (what, kind) in [
        ("fifo", "a FIFO (named pipe), not a regular file"),
        ("device", "a character device, not a regular file"),
        ("directory", "a directory, not a regular file"),
    ] {
        let env = env();
        let path = match what {
            "fifo" => {
                let p = env.path("images/a.fifo");
                mkfifo(&p);
                p
            }
            "device" => PathBuf::from("/dev/zero"),
            _ => {
                let p = env.path("images/dir");
                fs::create_dir_all(&p).unwrap();
                p
            }
        };
        local_subscription(&env, Url::from_file_path(&path).unwrap().as_str());
        env.run_within(&["cache"], LIMIT)
            .failure(1, &[IMAGE_A, kind]);
    }
}

// ---- redirects ------------------------------------------------------------------------------

fn https_server() -> TestServer {
    let p = pki();
    TestServer::https(
        &p.tls_server.cert,
        &p.tls_server.key,
        std::slice::from_ref(&p.issuing.cert),
    )
}

#[test]
fn an_https_list_redirected_to_http_is_refused() {
    let env = env();
    let plain = TestServer::http();
    plain.route(
        "/list",
        Route::ok(list("1", &plain.url("/a"), &plain.url("/b"))),
    );
    let secure = https_server();
    secure.route("/list", Route::redirect(302, plain.url("/list")));
    env.run(&[
        "subscribe",
        "add",
        &secure.url("/list"),
        "--auto-endorse",
        "--tls-anchors",
        "igtf",
    ])
    .failure(
        10,
        &[
            &format!("refusing the redirect from {}", secure.url("/list")),
            &format!("to {}", plain.url("/list")),
            "unencrypted http",
        ],
    );
    assert!(plain.requests().is_empty(), "nothing was fetched over http");
}

#[test]
fn an_https_image_redirected_to_http_is_refused() {
    let env = env();
    let plain = TestServer::http();
    plain.route("/a", Route::ok(A));
    let secure = https_server();
    secure.route("/a", Route::redirect(301, plain.url("/a")));
    secure.route(
        "/list",
        Route::ok(list("1", &secure.url("/a"), &secure.url("/b"))),
    );
    env.run(&[
        "subscribe",
        "add",
        &secure.url("/list"),
        "--auto-endorse",
        "--tls-anchors",
        "igtf",
    ])
    .success();
    env.run(&["image", "subscribe", IMAGE_A]).success();
    env.run(&["cache"]).failure(
        1,
        &[
            IMAGE_A,
            &format!("refusing the redirect from {}", secure.url("/a")),
            &format!("to {}", plain.url("/a")),
        ],
    );
    assert!(plain.requests().is_empty(), "nothing was fetched over http");
}
