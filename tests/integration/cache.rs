//! The image cache end to end: downloads from a loopback server that misbehaves on
//! purpose, expiry, check, resume, locking and crashes.

use std::path::PathBuf;

use crate::support::http::Route;
use crate::support::lists::{IMAGE_A, IMAGE_B, LIST_ID};
use crate::support::site::{b_contents, Site as Fixture, A};

#[test]
fn a_good_download_lands_with_a_complete_index_entry() {
    let f = Fixture::new();
    f.run(&["image", "subscribe", IMAGE_A]).success();
    f.run(&["cache"]).success();
    assert_eq!(std::fs::read(f.dir("endorsed").join(IMAGE_A)).unwrap(), A);
    assert_eq!(
        f.files("endorsed"),
        vec![IMAGE_A.to_string(), "cache.index".into()]
    );
    let index = f.index("endorsed");
    let e = &index[IMAGE_A];
    let sha = vmcatcher::subscription::rules::sha512_hex(A);
    for (key, value) in [
        ("uuid", serde_json::json!(IMAGE_A)),
        ("dc:identifier", serde_json::json!(IMAGE_A)),
        ("sha512", serde_json::json!(sha)),
        ("sl:checksum:sha512", serde_json::json!(sha)),
        ("size", serde_json::json!(A.len())),
        ("hv:size", serde_json::json!(A.len())),
        ("uri", serde_json::json!(f.server.url("/a"))),
        ("hv:uri", serde_json::json!(f.server.url("/a"))),
        ("filename", serde_json::json!(IMAGE_A)),
        ("hv:imagelist.dc:identifier", serde_json::json!(LIST_ID)),
        ("hv:imagelist.ad:vo", serde_json::json!("testvo")),
        ("hv:image.hv:format", serde_json::json!("raw")),
        ("hv:image.dc:identifier", serde_json::json!(IMAGE_A)),
        ("sl:arch", serde_json::json!("x86_64")),
    ] {
        assert_eq!(e[key], value, "{key}");
    }
    for key in [
        "message",
        "msgHash",
        "DownLoadTrys",
        "dc:title",
        "sl:os",
        "sl:osversion",
        "hv:hypervisor",
        "hv:version",
        "sl:comments",
        "dc:description",
    ] {
        assert!(e.get(key).is_some(), "{key} missing");
    }
    assert!(e["message"].as_str().unwrap().starts_with("MIME-Version"));
    assert_eq!(e["msgHash"].as_str().unwrap().len(), 128);
    assert_eq!(f.index("partial"), serde_json::json!({}));
    // Only the selected image was fetched; a second run fetches nothing.
    assert_eq!(f.requests("/b"), 0);
    f.run(&["cache"]).success();
    assert_eq!(f.requests("/a"), 1);
    let list = f.run(&["cache", "list"]);
    assert_eq!(
        list.stdout,
        format!(
            "{IMAGE_A}\t{}\t{LIST_ID}\t3\t{}\n",
            A.len(),
            f.dir("endorsed").join(IMAGE_A).display()
        )
    );
    let json: serde_json::Value =
        serde_json::from_str(&f.run(&["cache", "list", "-f", "json"]).stdout).unwrap();
    assert_eq!(json[0]["identifier"], IMAGE_A);
    assert_eq!(json[0]["state"], 3);
}

#[test]
fn wrong_bytes_never_reach_the_cache() {
    let f = Fixture::with_routes(Route::ok(A).corrupt_at(5), Route::ok(b_contents()));
    f.run(&["image", "subscribe", IMAGE_A]).success();
    f.run(&["cache"]).failure(1, &[IMAGE_A, "SHA-512 mismatch"]);
    assert_eq!(f.files("endorsed"), vec!["cache.index".to_string()]);
    assert!(
        !f.dir("partial").join(IMAGE_A).exists(),
        "a wrong file is not kept"
    );
}

#[test]
fn an_oversize_body_is_rejected() {
    let f = Fixture::with_routes(
        Route::ok(A)
            .send_extra(b"more than promised".to_vec())
            .without_length(),
        Route::ok(b_contents()),
    );
    f.run(&["image", "subscribe", IMAGE_A]).success();
    f.run(&["cache"]).failure(1, &[IMAGE_A]);
    assert_eq!(f.files("endorsed"), vec!["cache.index".to_string()]);
}

#[test]
fn a_dropped_connection_is_resumed_with_range() {
    let f = Fixture::with_routes(Route::ok(A), Route::ok(b_contents()).drop_after(400_000));
    f.run(&["image", "subscribe", IMAGE_B]).success();
    // Every response breaks off after 400 kB: the run retries, each time resuming where
    // the last request stopped, until the image is whole.
    f.run(&["cache"]).success();
    assert_eq!(
        std::fs::read(f.dir("endorsed").join(IMAGE_B)).unwrap(),
        b_contents()
    );
    let ranges: Vec<String> = f
        .server
        .requests_to("/b")
        .iter()
        .filter_map(|r| r.header("range").map(str::to_string))
        .collect();
    assert!(
        ranges
            .iter()
            .any(|r| r.starts_with("bytes=") && r != "bytes=0-"),
        "no Range request: {ranges:?}"
    );
}

#[test]
fn unsubscribe_expires_with_a_timestamped_name() {
    let f = Fixture::new();
    f.run(&["image", "subscribe", IMAGE_A]).success();
    f.run(&["cache"]).success();
    f.run(&["image", "unsubscribe", IMAGE_A]).success();
    f.run(&["cache"]).success();
    assert_eq!(f.files("endorsed"), vec!["cache.index".to_string()]);
    let expired = f.files("expired");
    let name = expired
        .iter()
        .find(|n| n.starts_with(IMAGE_A))
        .expect("expired file");
    let stamp = &name[IMAGE_A.len() + 1..];
    assert_eq!(stamp.len(), "YYYY-mm-dd_HH-MM-SS".len(), "{name}");
    assert_eq!(std::fs::read(f.dir("expired").join(name)).unwrap(), A);
    assert_eq!(f.index("expired")[name]["filename"], name.as_str());
    assert_eq!(f.index("endorsed"), serde_json::json!({}));
}

#[test]
fn a_new_checksum_expires_the_old_file_and_fetches_the_new() {
    let f = Fixture::new();
    f.run(&["image", "subscribe", IMAGE_A]).success();
    f.run(&["cache"]).success();
    let a2 = b"image a, version two".to_vec();
    f.server.route("/a", Route::ok(a2.clone()));
    f.serve_list("2", &a2, &b_contents());
    f.run(&["sync"]).success();
    assert_eq!(std::fs::read(f.dir("endorsed").join(IMAGE_A)).unwrap(), a2);
    assert_eq!(
        f.files("expired")
            .iter()
            .filter(|n| n.starts_with(IMAGE_A))
            .count(),
        1
    );
}

#[test]
fn check_moves_a_corrupted_file_to_expired_and_download_restores_it() {
    let f = Fixture::new();
    f.run(&["image", "subscribe", IMAGE_A]).success();
    f.run(&["cache"]).success();
    std::fs::write(f.dir("endorsed").join(IMAGE_A), b"bit rot").unwrap();
    f.run(&["cache", "check"])
        .failure(1, &[IMAGE_A, "size incorrect"]);
    assert!(!f.dir("endorsed").join(IMAGE_A).exists());
    let expired = f.files("expired");
    assert!(
        expired
            .iter()
            .any(|n| n.starts_with(&format!("{IMAGE_A}."))),
        "{expired:?}"
    );
    f.run(&["cache"]).success();
    assert_eq!(std::fs::read(f.dir("endorsed").join(IMAGE_A)).unwrap(), A);
    f.run(&["cache", "check"]).success();
}

#[test]
fn an_always_corrupt_image_is_tried_at_most_five_times_per_list_version() {
    let f = Fixture::with_routes(Route::ok(A).corrupt_at(0), Route::ok(b_contents()));
    f.run(&["image", "subscribe", IMAGE_A]).success();
    for _ in 0..5 {
        f.run(&["cache"]).failure(1, &[IMAGE_A]);
    }
    assert_eq!(f.requests("/a"), 5);
    // Given up: a warning in every run, not exit 1 forever (nothing was tried).
    for _ in 0..2 {
        let run = f.run(&["cache"]);
        run.success();
        assert!(
            run.stderr.contains("giving up until a new image list")
                && run
                    .stderr
                    .contains(&format!("cache download --retry {IMAGE_A}")),
            "{}",
            run.stderr
        );
    }
    assert_eq!(f.requests("/a"), 5);
    // The administrator asks for another try, by prefix.
    f.run(&["cache", "download", "--retry", &IMAGE_A[..8]])
        .failure(1, &[IMAGE_A]);
    assert_eq!(f.requests("/a"), 6);
    // Subscribing the image again resets the count too.
    f.run(&["image", "subscribe", IMAGE_A]).success();
    f.run(&["cache"]).failure(1, &[IMAGE_A]);
    assert_eq!(f.requests("/a"), 7);
    // A new list version resets the count.
    for _ in 0..4 {
        f.run(&["cache"]).failure(1, &[IMAGE_A]);
    }
    f.run(&["cache"]).success();
    assert_eq!(f.requests("/a"), 11);
    f.serve_list("2", A, &b_contents());
    f.run(&["subscribe", "update"]).success();
    f.run(&["cache"]).failure(1, &[]);
    assert_eq!(f.requests("/a"), 12);
}

#[test]
fn unknown_files_in_the_cache_survive() {
    let f = Fixture::new();
    std::fs::create_dir_all(f.dir("endorsed")).unwrap();
    std::fs::write(f.dir("endorsed").join("site-notes.txt"), "mine").unwrap();
    f.run(&["image", "subscribe", IMAGE_A]).success();
    let run = f.run(&["cache"]);
    run.success();
    assert!(
        run.stderr.contains("site-notes.txt") && run.stderr.contains("left alone"),
        "{}",
        run.stderr
    );
    f.run(&["image", "unsubscribe", IMAGE_A]).success();
    f.run(&["cache"]).success();
    assert_eq!(
        std::fs::read_to_string(f.dir("endorsed").join("site-notes.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn a_lost_index_does_not_lose_images() {
    let f = Fixture::new();
    f.run(&["image", "subscribe", IMAGE_A]).success();
    f.run(&["cache"]).success();
    std::fs::write(f.dir("endorsed").join("cache.index"), "{ not json").unwrap();
    f.run(&["cache"]).success();
    assert_eq!(std::fs::read(f.dir("endorsed").join(IMAGE_A)).unwrap(), A);
    assert_eq!(f.requests("/a"), 1, "adopted, not downloaded again");
    assert_eq!(f.index("endorsed")[IMAGE_A]["filename"], IMAGE_A);
}

#[test]
fn a_second_run_waits_for_the_lock_then_names_the_holder() {
    let mut f = Fixture::new();
    let config = f.env.write("lock.toml", "lock_timeout = 1\n");
    f.env.set("VMCATCHER_CONFIG", &config);
    let lock_path = PathBuf::from(format!("{}.lock", f.env.db_path().display()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&lock_path)
        .unwrap();
    file.lock().unwrap();
    std::fs::write(&lock_path, "4242\n").unwrap();
    let started = std::time::Instant::now();
    f.run(&["sync"]).failure(1, &["pid 4242", "lock_timeout"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    f.run(&["subscribe", "update"]).failure(1, &["pid 4242"]);
    drop(file);
    f.run(&["sync"]).success();
}

#[test]
fn two_concurrent_syncs_end_cleanly() {
    let f = Fixture::new();
    f.run(&["image", "subscribe", IMAGE_A, IMAGE_B]).success();
    // Both start at once: one waits for the other's lock, then finds nothing to do.
    let quiet = |args: &[&str]| {
        f.env
            .command(args)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let a = quiet(&["sync"]);
    let b = quiet(&["sync"]);
    for mut child in [a, b] {
        assert!(child.wait().unwrap().success());
    }
    assert_eq!(std::fs::read(f.dir("endorsed").join(IMAGE_A)).unwrap(), A);
    assert_eq!(
        std::fs::read(f.dir("endorsed").join(IMAGE_B)).unwrap(),
        b_contents()
    );
    assert_eq!(f.files("endorsed").len(), 3);
    assert_eq!(f.files("partial"), vec!["cache.index".to_string()]);
}

#[test]
fn kill_9_during_a_download_then_rerun_completes() {
    let slow = Route::ok(b_contents()).stall_after(300_000, std::time::Duration::from_secs(30));
    let f = Fixture::with_routes(Route::ok(A), slow);
    f.run(&["image", "subscribe", IMAGE_B]).success();
    let mut child = f
        .env
        .command(&["cache"])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let partial = f.dir("partial").join(IMAGE_B);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::fs::metadata(&partial).map_or(0, |m| m.len()) < 300_000 {
        assert!(
            std::time::Instant::now() < deadline,
            "the download never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        !f.dir("endorsed").join(IMAGE_B).exists(),
        "nothing unverified in the cache"
    );
    f.server.route("/b", Route::ok(b_contents()));
    f.run(&["cache"]).success();
    assert_eq!(
        std::fs::read(f.dir("endorsed").join(IMAGE_B)).unwrap(),
        b_contents()
    );
    let last = f.server.requests_to("/b");
    assert!(
        last.last().unwrap().header("range").is_some(),
        "resumed with Range"
    );
    assert_eq!(f.files("partial"), vec!["cache.index".to_string()]);
}

#[test]
fn original_action_variables_and_directory_flags() {
    let mut f = Fixture::new();
    f.run(&["image", "subscribe", IMAGE_A]).success();
    f.env.set("VMCATCHER_CACHE_ACTION_CHECK", "1");
    // CHECK alone: no download happens.
    f.run(&["cache", "check"]).success();
    assert_eq!(f.requests("/a"), 0);
    f.env.unset("VMCATCHER_CACHE_ACTION_CHECK");
    f.env.set("VMCATCHER_CACHE_ACTION_DOWNLOAD", "1");
    let other = f.env.path("elsewhere");
    f.run(&[
        "cache",
        "expire",
        "--cache-dir",
        other.join("c").to_str().unwrap(),
        "--partial-dir",
        other.join("p").to_str().unwrap(),
        "--expired-dir",
        other.join("e").to_str().unwrap(),
    ])
    .success();
    assert_eq!(std::fs::read(other.join("c").join(IMAGE_A)).unwrap(), A);
    f.run(&["cache", "list", "check"])
        .failure(2, &["takes no other action"]);
}

/// Runs `args` under a pseudo-terminal (`script`), as an administrator at a shell would.
fn on_a_terminal(f: &Fixture, args: &[&str]) -> String {
    let inner = f.env.command(&[]);
    let program = format!(
        "{} {}",
        inner.get_program().to_string_lossy(),
        args.join(" ")
    );
    let mut command = std::process::Command::new("script");
    command.args(["-qec", &program, "/dev/null"]).env_clear();
    for (k, v) in inner.get_envs() {
        if let Some(v) = v {
            command.env(k, v);
        }
    }
    command.env("TERM", "xterm").current_dir(f.env.root());
    let out = command.output().expect("script runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn quiet_hides_the_progress_bars_on_a_terminal() {
    // B's body stalls a moment half way, so the bar is drawn.
    let f = Fixture::with_routes(
        Route::ok(A),
        Route::ok(b_contents()).stall_after(600_000, std::time::Duration::from_millis(700)),
    );
    f.run(&["image", "subscribe", IMAGE_B]).success();
    let shown = on_a_terminal(&f, &["cache"]);
    assert!(
        shown.contains("=>") || shown.contains("KiB/"),
        "no bar drawn:\n{shown}"
    );
    f.run(&["image", "unsubscribe", IMAGE_B]).success();
    f.run(&["cache"]).success();
    f.run(&["image", "subscribe", IMAGE_B]).success();
    let quiet = on_a_terminal(&f, &["-q", "cache"]);
    assert!(
        !quiet.contains("=>") && !quiet.contains("KiB/"),
        "bars with -q:\n{quiet}"
    );
    assert!(f.dir("endorsed").join(IMAGE_B).is_file());
}
