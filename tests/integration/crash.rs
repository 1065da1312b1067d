//! `kill -9` at every moment that matters: a sync that downloads, replaces and expires
//! images is killed right before and right after each rename, fsync, unlink and handler
//! spawn (an LD_PRELOAD shim counts them in the vmcatcher process), then run again until
//! it succeeds. Every event of the reference run must have been delivered at least once,
//! every file in the cache directories indexed and intact, no orphan left, the database
//! readable and nothing left pending. The same with deferred delivery: the sync that
//! only journals, then `vmcatcher events deliver`, each killed at each of its points.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::support::http::Route;
use crate::support::lists::{image, ListSpec, IMAGE_A, IMAGE_B, LIST_ID};
use crate::support::site::Site;
use crate::support::TestEnv;

const IMAGE_C: &str = "cccccccc-0000-0000-0000-000000000003";
const A2: &[u8] = b"version two of image a, replacing the first one";
const C: &[u8] = b"image c, new in version two of the list";

/// Builds the shim once per test run.
fn shim() -> &'static Path {
    static SHIM: OnceLock<PathBuf> = OnceLock::new();
    SHIM.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("killshim.so");
        let source =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration/support/killshim.c");
        let status = Command::new("cc")
            .args(["-shared", "-fPIC", "-O2", "-o"])
            .arg(&out)
            .arg(&source)
            .arg("-ldl")
            .status()
            .expect("cc (gcc) is needed to build the crash-test shim");
        assert!(status.success(), "building {}", source.display());
        out
    })
}

/// The site before the sync under test: list v1 with A and B cached, and list v2 served
/// (A replaced, B gone, C new and selected by the subscription's policy).
struct Template {
    site: Site,
}

impl Template {
    fn new() -> Template {
        let site = Site::new();
        let config = site.env.path("empty.toml");
        std::fs::write(
            &config,
            "[events]\nhook_dirs = []\n[cache]\nparallel_downloads = 1\n",
        )
        .unwrap();
        site.run(&["image", "subscribe", IMAGE_A, IMAGE_B])
            .success();
        site.run(&["subscribe", "set", LIST_ID, "--new-images", "subscribe"])
            .success();
        site.run(&["cache"]).success();
        site.server.route("/a2", Route::ok(A2));
        site.server.route("/c", Route::ok(C));
        let mut v2 = ListSpec::new("2");
        v2.images = vec![
            image(IMAGE_A, A2, &site.server.url("/a2")),
            image(IMAGE_C, C, &site.server.url("/c")),
        ];
        site.server.route("/list", Route::ok(v2.signed()));
        Template { site }
    }

    /// A fresh copy of the site in its own directory, with an event log handler;
    /// `deferred`: with `events.delivery = "deferred"`.
    fn copy(&self, deferred: bool) -> TestEnv {
        let mut env = TestEnv::new();
        copy_dir(self.site.env.root(), env.root());
        if deferred {
            std::fs::write(
                env.path("empty.toml"),
                "[events]\nhook_dirs = []\ndelivery = \"deferred\"\n\
                 [cache]\nparallel_downloads = 1\n",
            )
            .unwrap();
        }
        for (var, name) in [
            ("VMCATCHER_CACHE_DIR_CACHE", "cache/endorsed"),
            ("VMCATCHER_CACHE_DIR_DOWNLOAD", "cache/partial"),
            ("VMCATCHER_CACHE_DIR_EXPIRE", "cache/expired"),
        ] {
            env.set(var, env.path(name));
        }
        let log = env.path("events.log");
        env.set(
            "VMCATCHER_CACHE_EVENT",
            format!(
                "echo \"$VMCATCHER_EVENT_TYPE $VMCATCHER_EVENT_DC_IDENTIFIER\" >> {}",
                log.display()
            ),
        );
        env
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for item in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(item.file_name());
        if item.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&item.path(), &target);
        } else {
            std::fs::copy(item.path(), &target).unwrap();
        }
    }
}

fn events(env: &TestEnv) -> BTreeSet<String> {
    std::fs::read_to_string(env.path("events.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect()
}

/// Every file of the three cache directories is in its index, with the size and SHA-512
/// the index gives; partial is empty after a successful run.
fn check_cache(env: &TestEnv, point: usize) -> BTreeSet<String> {
    let mut cached = BTreeSet::new();
    for dir in ["endorsed", "partial", "expired"] {
        let path = env.path(&format!("cache/{dir}"));
        let text = std::fs::read_to_string(path.join("cache.index"))
            .unwrap_or_else(|e| panic!("kill point {point}: {dir}/cache.index: {e}"));
        let index: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("kill point {point}: {dir}/cache.index: {e}"));
        let by_file: std::collections::BTreeMap<String, &serde_json::Value> = index
            .as_object()
            .unwrap()
            .values()
            .map(|e| (e["filename"].as_str().unwrap_or("").to_string(), e))
            .collect();
        for item in std::fs::read_dir(&path).unwrap().flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            if name == "cache.index" {
                continue;
            }
            assert_ne!(dir, "partial", "kill point {point}: partial/{name} left");
            let entry = by_file
                .get(&name)
                .unwrap_or_else(|| panic!("kill point {point}: {dir}/{name} is not indexed"));
            let bytes = std::fs::read(item.path()).unwrap();
            assert_eq!(
                Some(bytes.len() as u64),
                entry["size"].as_u64(),
                "kill point {point}: {dir}/{name} size"
            );
            assert_eq!(
                Some(vmcatcher::subscription::rules::sha512_hex(&bytes).as_str()),
                entry["sha512"].as_str(),
                "kill point {point}: {dir}/{name} checksum"
            );
            if dir == "endorsed" {
                cached.insert(name);
            }
        }
        if dir == "endorsed" {
            for file in by_file.keys() {
                assert!(
                    path.join(file).is_file(),
                    "kill point {point}: endorsed index names {file}, which is missing"
                );
            }
        }
    }
    cached
}

/// Runs a command (`sync`, `events deliver`) until it succeeds (a killed run leaves work
/// for the next one).
fn run_to_the_end(env: &TestEnv, args: &[&str], point: usize) {
    for _ in 0..3 {
        if env.run(args).code == 0 {
            return;
        }
    }
    let last = env.run(args);
    panic!(
        "kill point {point}: {args:?} never succeeded again:\n{}",
        last.stderr
    );
}

/// Runs `args` under the shim, logging the calls it could kill at; returns their count.
fn count_kill_points(env: &TestEnv, args: &[&str], kinds: &[&str]) -> usize {
    let calls = env.path("calls.log");
    let _ = std::fs::remove_file(&calls);
    let mut run = env.command(args);
    run.env("LD_PRELOAD", shim())
        .env("VMCATCHER_KILL_LOG", &calls);
    let out = run.output().unwrap();
    assert!(
        out.status.success(),
        "reference {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let call_log = std::fs::read_to_string(&calls).unwrap_or_default();
    for kind in kinds {
        assert!(
            call_log.lines().any(|l| l.ends_with(kind)),
            "the shim saw no {kind} in {args:?}:\n{call_log}"
        );
    }
    call_log.lines().count()
}

#[test]
fn sync_survives_kill_9_at_every_point() {
    survives_kill_9_at_every_point(false);
}

#[test]
fn deferred_sync_and_events_deliver_survive_kill_9_at_every_point() {
    survives_kill_9_at_every_point(true);
}

fn survives_kill_9_at_every_point(deferred: bool) {
    let template = Template::new();
    // The reference run, counting the calls the shim can kill at.
    let reference = template.copy(deferred);
    // A deferred sync runs no handler: it only journals.
    let sync_kinds: &[&str] = if deferred {
        &["rename", "fsync"]
    } else {
        &["rename", "fsync", "spawn"]
    };
    let sync_points = 2 * count_kill_points(&reference, &["sync"], sync_kinds);
    let deliver_points = if deferred {
        assert!(events(&reference).is_empty(), "a deferred sync delivered");
        2 * count_kill_points(&reference, &["events", "deliver"], &["fsync", "spawn"])
    } else {
        0
    };
    let count = sync_points + deliver_points;
    let expected = events(&reference);
    for event in [
        format!("ExpirePostfix {IMAGE_B}"),
        format!("ExpirePostfix {IMAGE_A}"),
        format!("AvailablePostfix {IMAGE_A}"),
        format!("AvailablePostfix {IMAGE_C}"),
        format!("SubscriptionImageNew {IMAGE_C}"),
    ] {
        assert!(
            expected.contains(&event),
            "reference lacks {event}: {expected:?}"
        );
    }
    let expected_cache = check_cache(&reference, usize::MAX);
    assert_eq!(
        expected_cache,
        BTreeSet::from([IMAGE_A.to_string(), IMAGE_C.to_string()])
    );

    // Every kill point, two workers at a time.
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let point = next.fetch_add(1, Ordering::Relaxed);
                if point >= count {
                    break;
                }
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let kill = if point < sync_points {
                        Kill::Sync(point)
                    } else {
                        Kill::Deliver(point - sync_points)
                    };
                    kill_and_recover(&template, deferred, kill, &expected, &expected_cache);
                }));
                if let Err(e) = outcome {
                    let text = e
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| {
                            e.downcast_ref::<&str>()
                                .map(std::string::ToString::to_string)
                        })
                        .unwrap_or_default();
                    failures.lock().unwrap().push(text);
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} kill points failed:\n{}",
        failures.len(),
        count,
        failures.join("\n---\n")
    );
}

/// Which process is killed, at which of its points.
#[derive(Clone, Copy)]
enum Kill {
    Sync(usize),
    Deliver(usize),
}

fn kill_and_recover(
    template: &Template,
    deferred: bool,
    kill: Kill,
    expected: &BTreeSet<String>,
    expected_cache: &BTreeSet<String>,
) {
    let env = template.copy(deferred);
    let (args, at): (&[&str], usize) = match kill {
        Kill::Sync(at) => (&["sync"], at),
        Kill::Deliver(at) => {
            env.run(&["sync"]).success();
            (&["events", "deliver"], at)
        }
    };
    let point = match kill {
        Kill::Sync(at) => at,
        Kill::Deliver(at) => 100_000 + at,
    };
    let mut run = env.command(args);
    run.env("LD_PRELOAD", shim())
        .env("VMCATCHER_KILL_AT", at.to_string());
    let out = run.output().unwrap();
    assert!(!out.status.success(), "kill point {point} was not reached");
    run_to_the_end(&env, &["sync"], point);
    if deferred {
        run_to_the_end(&env, &["events", "deliver"], point);
    }
    let delivered = events(&env);
    let missing: Vec<_> = expected.difference(&delivered).collect();
    assert!(
        missing.is_empty(),
        "kill point {point}: events lost: {missing:?}"
    );
    assert_eq!(
        &check_cache(&env, point),
        expected_cache,
        "kill point {point}"
    );
    let pending = env.run(&["events", "list", "--pending"]);
    assert_eq!(
        pending.success().stdout,
        "",
        "kill point {point}: still pending"
    );
    env.run(&["image", "list"]).success();
}
