//! Events and hooks end to end: the original's environment contract, hook discovery,
//! timeouts, the journal and re-delivery.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::http::{Route, TestServer};
use crate::support::lists::{image, trust_dir, ListSpec, IMAGE_A, IMAGE_B, LIST_ID};
use crate::support::pki::TrustDirOptions;
use crate::support::TestEnv;

const A: &[u8] = b"contents of image a";
const B: &[u8] = b"contents of image b";

pub(crate) struct Fixture {
    pub(crate) env: TestEnv,
    pub(crate) server: TestServer,
    bin: PathBuf,
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
        let mut env = TestEnv::new();
        trust_dir(&env, &TrustDirOptions::default());
        env.set("VMCATCHER_CACHE_DIR_CACHE", env.path("cache/endorsed"));
        env.set("VMCATCHER_CACHE_DIR_DOWNLOAD", env.path("cache/partial"));
        env.set("VMCATCHER_CACHE_DIR_EXPIRE", env.path("cache/expired"));
        let bin = env.path("bin");
        std::fs::create_dir_all(&bin).unwrap();
        env.set("PATH", format!("{}:/usr/bin:/bin", bin.display()));
        let server = TestServer::http();
        server.route("/a", Route::ok(A));
        server.route("/b", Route::ok(B));
        let f = Fixture { env, server, bin };
        f.serve_list("1", false);
        f.env
            .run(&["subscribe", "add", &f.server.url("/list"), "--auto-endorse"])
            .success();
        f
    }

    fn serve_list(&self, version: &str, with_b: bool) {
        let mut spec = ListSpec::new(version);
        spec.images = vec![image(IMAGE_A, A, &self.server.url("/a"))];
        if with_b {
            spec.images.push(image(IMAGE_B, B, &self.server.url("/b")));
        }
        self.server.route("/list", Route::ok(spec.signed()));
    }

    /// A script that appends `=== <event>` and its sorted VMCATCHER_* variables to `log`.
    fn recorder(&self, log: &Path) -> PathBuf {
        let path = self.env.path("record.sh");
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\n{{ echo \"=== $VMCATCHER_EVENT_TYPE\"; env | grep '^VMCATCHER_' | grep -v '^VMCATCHER_CONFIG=\\|^VMCATCHER_DIR_CERT=' | sort; }} >> {}\n",
                log.display()
            ),
        )
        .unwrap();
        make_executable(&path);
        path
    }

    pub(crate) fn hook(&self, name: &str, body: &str) -> PathBuf {
        let path = self.bin.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        make_executable(&path);
        path
    }
}

fn make_executable(path: &Path) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Splits a recorder log into (event, variables) blocks.
fn events(log: &Path) -> Vec<(String, Vec<(String, String)>)> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in text.lines() {
        if let Some(event) = line.strip_prefix("=== ") {
            out.push((event.to_string(), Vec::new()));
        } else if let (Some(last), Some((k, v))) = (out.last_mut(), line.split_once('=')) {
            last.1.push((k.to_string(), v.to_string()));
        }
    }
    out
}

fn var<'a>(vars: &'a [(String, String)], key: &str) -> Option<&'a str> {
    vars.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn names(vars: &[(String, String)]) -> Vec<&str> {
    vars.iter().map(|(k, _)| k.as_str()).collect()
}

#[test]
fn download_and_expiry_send_the_original_events_and_variables() {
    let f = Fixture::new();
    let log = f.env.path("events.log");
    let recorder = f.recorder(&log);
    f.env.run(&["image", "subscribe", IMAGE_A]).success();
    f.env
        .run(&["cache", "-x", recorder.to_str().unwrap()])
        .success();
    let got = events(&log);
    let types: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "ProcessPrefix",
            "AvailablePrefix",
            "AvailablePostfix",
            "ProcessPostfix"
        ]
    );
    let session = var(&got[0].1, "VMCATCHER_EVENT_UUID_SESSION")
        .unwrap()
        .to_string();
    for (_, vars) in &got {
        assert_eq!(
            var(vars, "VMCATCHER_EVENT_UUID_SESSION"),
            Some(session.as_str()),
            "one session per run"
        );
        assert!(
            vars.iter().all(|(_, v)| !v.is_empty()),
            "no empty variable: {vars:?}"
        );
        assert_eq!(
            var(vars, "VMCATCHER_CACHE_DIR_CACHE"),
            Some(f.env.path("cache/endorsed").to_str().unwrap())
        );
        assert_eq!(
            var(vars, "VMCATCHER_CACHE_DIR_DOWNLOAD"),
            Some(f.env.path("cache/partial").to_str().unwrap())
        );
        assert_eq!(
            var(vars, "VMCATCHER_CACHE_DIR_EXPIRE"),
            Some(f.env.path("cache/expired").to_str().unwrap())
        );
        assert_eq!(
            var(vars, "VMCATCHER_RDBMS"),
            Some(f.env.db_path().to_str().unwrap())
        );
    }
    assert_eq!(
        names(&got[0].1),
        [
            "VMCATCHER_CACHE_DIR_CACHE",
            "VMCATCHER_CACHE_DIR_DOWNLOAD",
            "VMCATCHER_CACHE_DIR_EXPIRE",
            "VMCATCHER_EVENT_TYPE",
            "VMCATCHER_EVENT_UUID_SESSION",
            "VMCATCHER_RDBMS"
        ]
    );
    // An image event carries all 17 metadata variables that have a value (comments is
    // empty in the test list, so absent), and the image's list entry as JSON.
    let available = &got[2].1;
    let mut expected = vec![
        "VMCATCHER_CACHE_DIR_CACHE",
        "VMCATCHER_CACHE_DIR_DOWNLOAD",
        "VMCATCHER_CACHE_DIR_EXPIRE",
        "VMCATCHER_EVENT_AD_MPURI",
        "VMCATCHER_EVENT_DC_DESCRIPTION",
        "VMCATCHER_EVENT_DC_IDENTIFIER",
        "VMCATCHER_EVENT_DC_TITLE",
        "VMCATCHER_EVENT_FILENAME",
        "VMCATCHER_EVENT_HV_FORMAT",
        "VMCATCHER_EVENT_HV_HYPERVISOR",
        "VMCATCHER_EVENT_HV_SIZE",
        "VMCATCHER_EVENT_HV_URI",
        "VMCATCHER_EVENT_HV_VERSION",
        "VMCATCHER_EVENT_IL_DC_IDENTIFIER",
        "VMCATCHER_EVENT_IMAGE_JSON",
        "VMCATCHER_EVENT_SL_ARCH",
        "VMCATCHER_EVENT_SL_CHECKSUM_SHA512",
        "VMCATCHER_EVENT_SL_OS",
        "VMCATCHER_EVENT_SL_OSVERSION",
        "VMCATCHER_EVENT_TYPE",
        "VMCATCHER_EVENT_UUID_SESSION",
        "VMCATCHER_EVENT_VO",
        "VMCATCHER_RDBMS",
    ];
    expected.sort_unstable();
    assert_eq!(names(available), expected);
    assert_eq!(var(available, "VMCATCHER_EVENT_FILENAME"), Some(IMAGE_A));
    assert_eq!(
        var(available, "VMCATCHER_EVENT_HV_SIZE"),
        Some(A.len().to_string().as_str())
    );
    assert_eq!(
        var(available, "VMCATCHER_EVENT_IL_DC_IDENTIFIER"),
        Some(LIST_ID)
    );
    assert_eq!(var(available, "VMCATCHER_EVENT_VO"), Some("testvo"));
    assert_eq!(
        names(&got[1].1),
        expected,
        "AvailablePrefix carries the same set"
    );

    std::fs::remove_file(&log).unwrap();
    f.env.run(&["image", "unsubscribe", IMAGE_A]).success();
    f.env
        .run(&["cache", "-x", recorder.to_str().unwrap()])
        .success();
    let got = events(&log);
    let types: Vec<&str> = got.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "ProcessPrefix",
            "ExpirePrefix",
            "ExpirePostfix",
            "ProcessPostfix"
        ]
    );
    assert_ne!(
        var(&got[0].1, "VMCATCHER_EVENT_UUID_SESSION"),
        Some(session.as_str()),
        "a new run, a new session"
    );
    assert_eq!(var(&got[1].1, "VMCATCHER_EVENT_FILENAME"), Some(IMAGE_A));
    let expired = var(&got[2].1, "VMCATCHER_EVENT_FILENAME").unwrap();
    assert!(
        expired.starts_with(&format!("{IMAGE_A}.")) && !expired.contains('/'),
        "{expired}"
    );
    assert!(
        f.env.path("cache/expired").join(expired).is_file(),
        "ExpirePostfix comes after the move"
    );
}

#[test]
fn available_prefix_sees_the_file_in_partial() {
    let f = Fixture::new();
    let check = f.env.path("check.sh");
    std::fs::write(
        &check,
        "#!/bin/sh\n[ \"$VMCATCHER_EVENT_TYPE\" = AvailablePrefix ] || exit 0\n\
         test -f \"$VMCATCHER_CACHE_DIR_DOWNLOAD/$VMCATCHER_EVENT_FILENAME\" && echo seen > \"$VMCATCHER_CACHE_DIR_CACHE/../seen\"\n",
    )
    .unwrap();
    make_executable(&check);
    f.env.run(&["image", "subscribe", IMAGE_A]).success();
    f.env
        .run(&["cache", "-x", check.to_str().unwrap()])
        .success();
    assert!(f.env.path("cache/seen").is_file());
}

#[test]
fn subscription_image_new_fires_when_a_list_gains_an_image() {
    let mut f = Fixture::new();
    let log = f.env.path("sub.log");
    let recorder = f.recorder(&log);
    f.env.set("VMCATCHER_SUB_EVENT", recorder.to_str().unwrap());
    f.serve_list("2", true);
    f.env.run(&["subscribe", "update"]).success();
    let got = events(&log);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "SubscriptionImageNew");
    let vars = &got[0].1;
    assert_eq!(var(vars, "VMCATCHER_EVENT_DC_IDENTIFIER"), Some(IMAGE_B));
    assert_eq!(
        var(vars, "VMCATCHER_EVENT_HV_SIZE"),
        Some(B.len().to_string().as_str())
    );
    for absent in [
        "VMCATCHER_EVENT_FILENAME",
        "VMCATCHER_EVENT_IL_DC_IDENTIFIER",
        "VMCATCHER_EVENT_VO",
    ] {
        assert!(var(vars, absent).is_none(), "{absent} must not be set");
    }
    // Announced once: the same list again sends nothing.
    f.env.run(&["subscribe", "update"]).success();
    assert_eq!(events(&log).len(), 1);
}

#[test]
fn hooks_on_path_run_in_name_order_with_the_event_type() {
    let f = Fixture::new();
    let log = f.env.path("hooks.log");
    for name in ["vmcatcher-hook-b", "vmcatcher-hook-a"] {
        f.hook(name, &format!("echo \"{name} $# $1\" >> {}", log.display()));
    }
    // Skipped: not executable, a dot in the name, an editor backup, a directory.
    std::fs::write(
        f.bin.join("vmcatcher-hook-plain"),
        "#!/bin/sh\necho plain >> /dev/null\n",
    )
    .unwrap();
    f.hook(
        "vmcatcher-hook-c.dpkg-old",
        &format!("echo dotted >> {}", log.display()),
    );
    f.hook(
        "vmcatcher-hook-d~",
        &format!("echo backup >> {}", log.display()),
    );
    std::fs::create_dir(f.bin.join("vmcatcher-hook-dir")).unwrap();
    // A second directory on PATH with a hook of the same name: shadowed.
    let other = f.env.path("other-bin");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(
        other.join("vmcatcher-hook-a"),
        format!("#!/bin/sh\necho shadow >> {}\n", log.display()),
    )
    .unwrap();
    make_executable(&other.join("vmcatcher-hook-a"));
    let mut env_path = f.env.path("unused");
    env_path.push("x");
    let mut f = f;
    f.env.set(
        "PATH",
        format!(
            "relative/bin:{}:{}:/usr/bin:/bin",
            f.bin.display(),
            other.display()
        ),
    );

    // Exactly the hooks that run, one full path a line.
    let list = f.env.run(&["hooks", "list"]);
    list.success();
    assert_eq!(
        list.stdout,
        format!(
            "{a}\n{b}\n",
            a = f.bin.join("vmcatcher-hook-a").display(),
            b = f.bin.join("vmcatcher-hook-b").display(),
        )
    );
    // --all adds the ones that do not run, with the reason.
    let list = f.env.run(&["hooks", "list", "--all"]);
    list.success();
    assert_eq!(
        list.stdout,
        format!(
            "{a}\n{b}\n{shadow}\tshadowed by {a}\n",
            a = f.bin.join("vmcatcher-hook-a").display(),
            b = f.bin.join("vmcatcher-hook-b").display(),
            shadow = other.join("vmcatcher-hook-a").display()
        )
    );
    f.env.run(&["cache"]).success();
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        text,
        "vmcatcher-hook-a 1 ProcessPrefix\nvmcatcher-hook-b 1 ProcessPrefix\n\
         vmcatcher-hook-a 1 ProcessPostfix\nvmcatcher-hook-b 1 ProcessPostfix\n"
    );
    // Disabled in the configuration file: listed as such, not run.
    let config = f.env.write(
        "disabled.toml",
        "[events]\nhook_dirs = []\ndisabled = [\"vmcatcher-hook-b\"]\n",
    );
    f.env.set("VMCATCHER_CONFIG", &config);
    let list = f.env.run(&["hooks", "list"]);
    assert!(!list.stdout.contains("vmcatcher-hook-b"), "{}", list.stdout);
    let list = f.env.run(&["hooks", "list", "--all"]);
    assert!(
        list.stdout.contains(&format!(
            "{}\tdisabled\n",
            f.bin.join("vmcatcher-hook-b").display()
        )),
        "{}",
        list.stdout
    );
    let json = f.env.run(&["hooks", "list", "-f", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["disabled"][0]["name"], "vmcatcher-hook-b");
    assert_eq!(value["shadowed"][0]["name"], "vmcatcher-hook-a");
}

#[test]
fn a_hanging_hook_is_killed_at_the_timeout_and_the_run_goes_on() {
    let mut f = Fixture::new();
    f.hook("vmcatcher-hook-sleepy", "sleep 60");
    let config = f
        .env
        .write("timeout.toml", "[events]\nhook_dirs = []\ntimeout = 1\n");
    f.env.set("VMCATCHER_CONFIG", &config);
    let started = Instant::now();
    let run = f.env.run(&["cache"]);
    run.success();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
}

#[test]
fn a_failing_hook_is_retried_by_the_next_run() {
    let f = Fixture::new();
    let flag = f.env.path("hook-may-succeed");
    let log = f.env.path("delivered.log");
    f.hook(
        "vmcatcher-hook-flaky",
        &format!(
            "[ -f {} ] || exit 3\necho \"$1 $VMCATCHER_EVENT_UUID_SESSION\" >> {}",
            flag.display(),
            log.display()
        ),
    );
    let first = f.env.run(&["cache"]);
    first.success(); // a failing handler does not change the exit code
    assert!(first.stderr.contains("exit code 3"), "{}", first.stderr);
    let pending = f.env.run(&["events", "list", "--pending"]);
    let lines: Vec<&str> = pending.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", pending.stdout);
    assert!(
        lines[0].contains("\tProcessPrefix\t-\tvmcatcher-hook-flaky\tpending\t1"),
        "{}",
        lines[0]
    );
    std::fs::write(&flag, "").unwrap();
    f.env.run(&["cache"]).success();
    let delivered = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = delivered.lines().collect();
    // The two old events first (with the old session), then this run's own.
    assert_eq!(lines.len(), 4, "{delivered}");
    assert!(lines[0].starts_with("ProcessPrefix ") && lines[1].starts_with("ProcessPostfix "));
    assert_eq!(lines[0].split(' ').nth(1), lines[1].split(' ').nth(1));
    assert_ne!(lines[0].split(' ').nth(1), lines[2].split(' ').nth(1));
    assert_eq!(f.env.run(&["events", "list", "--pending"]).stdout, "");
    let json: serde_json::Value =
        serde_json::from_str(&f.env.run(&["events", "list", "-f", "json"]).stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 4);
    assert_eq!(json[0]["state"], "delivered");
    assert_eq!(json[0]["tries"], 2);
}

#[test]
fn deliveries_are_given_up_after_max_tries() {
    let mut f = Fixture::new();
    f.hook("vmcatcher-hook-broken", "exit 1");
    let config = f
        .env
        .write("tries.toml", "[events]\nhook_dirs = []\nmax_tries = 2\n");
    f.env.set("VMCATCHER_CONFIG", &config);
    f.env.run(&["cache"]).success();
    f.env
        .run(&["events", "retry"])
        .failure(1, &["2 deliveries failed again", "events list"]);
    let failed = f.env.run(&["events", "list", "--failed"]);
    assert_eq!(failed.stdout.lines().count(), 2, "{}", failed.stdout);
    assert!(failed.stdout.contains("\tfailed\t2"), "{}", failed.stdout);
}

#[test]
fn a_hook_exiting_4_refuses_for_good_and_is_not_retried() {
    let f = Fixture::new();
    let count = f.env.path("count");
    f.hook(
        "vmcatcher-hook-refuses",
        &format!("echo \"$1\" >> {}\nexit 4", count.display()),
    );
    f.hook("vmcatcher-hook-flaky", "exit 1");
    f.env.run(&["cache"]).success();
    f.env.run(&["cache"]).success();
    let ran = std::fs::read_to_string(&count).unwrap();
    // Run 1: ProcessPrefix, ProcessPostfix; run 2 the same: nothing of run 1 again.
    assert_eq!(ran.lines().count(), 4, "{ran}");
    let json = f.env.run(&["events", "list", "-f", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    for row in rows.as_array().unwrap() {
        if row["handler"] == "vmcatcher-hook-refuses" {
            assert_eq!(row["state"], "failed", "{row}");
            assert_eq!(row["tries"], 1, "{row}");
            assert!(
                row["last_error"].as_str().unwrap().contains("not retried"),
                "{row}"
            );
        } else {
            // Any other failure stays pending for the next run.
            assert_eq!(row["handler"], "vmcatcher-hook-flaky");
            assert_ne!(row["state"], "delivered", "{row}");
        }
    }
    let flaky_run1 = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["handler"] == "vmcatcher-hook-flaky")
        .unwrap();
    assert_eq!(flaky_run1["tries"], 2, "retried by run 2: {flaky_run1}");
}
