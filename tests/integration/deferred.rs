//! Deferred delivery and per-handler timeouts: runs that only journal their events,
//! `vmcatcher events deliver` delivering them in order under a lock of its own, events
//! whose file is gone by then skipped, and slow handlers given the time they need.

use std::time::{Duration, Instant};

use crate::events::Fixture;
use crate::support::lists::IMAGE_A;

/// A hook that appends its event type (and image) to `log`.
fn logging_hook(f: &Fixture, name: &str, log: &std::path::Path) {
    f.hook(
        name,
        &format!(
            "echo \"$1 $VMCATCHER_EVENT_DC_IDENTIFIER\" >> {}",
            log.display()
        ),
    );
}

fn lines(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect()
}

fn deferred(f: &mut Fixture, extra: &str) {
    let config = f.env.write(
        "deferred.toml",
        format!("[events]\nhook_dirs = []\ndelivery = \"deferred\"\n{extra}"),
    );
    f.env.set("VMCATCHER_CONFIG", &config);
}

fn rows(f: &Fixture) -> Vec<serde_json::Value> {
    let out = f.env.run(&["events", "list", "-f", "json"]);
    out.success();
    serde_json::from_str::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_deferred_run_only_journals_and_events_deliver_delivers_in_order() {
    let mut f = Fixture::new();
    deferred(&mut f, "");
    let log = f.env.path("delivered.log");
    logging_hook(&f, "vmcatcher-hook-log", &log);
    f.env.run(&["image", "subscribe", IMAGE_A]).success();
    let sync = f.env.run(&["sync"]);
    sync.success();
    assert!(
        sync.stderr
            .contains("event(s) journaled for 'vmcatcher events deliver'"),
        "{}",
        sync.stderr
    );
    assert!(lines(&log).is_empty(), "sync delivered: {:?}", lines(&log));
    assert!(f.env.path("cache/endorsed").join(IMAGE_A).is_file());
    let pending = f.env.run(&["events", "list", "--pending"]);
    pending.success();
    assert_eq!(pending.stdout.lines().count(), 4, "{}", pending.stdout);
    // Pending events waiting for the deliverer are the normal state, not a warning.
    let status = f.env.run(&["status", "-f", "json"]);
    let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(status["events"]["level"], "OK", "{status}");
    assert_eq!(status["events"]["pending"], 4, "{status}");

    f.env.run(&["events", "deliver"]).success();
    assert_eq!(
        lines(&log),
        [
            "ProcessPrefix".to_string(),
            format!("AvailablePrefix {IMAGE_A}"),
            format!("AvailablePostfix {IMAGE_A}"),
            "ProcessPostfix".to_string(),
        ]
    );
    assert_eq!(f.env.run(&["events", "list", "--pending"]).stdout, "");
    // Nothing left: a second deliverer has nothing to do.
    f.env.run(&["events", "deliver"]).success();
    assert_eq!(lines(&log).len(), 4);
}

#[test]
fn a_deferred_available_postfix_whose_file_expired_meanwhile_is_skipped() {
    let mut f = Fixture::new();
    deferred(&mut f, "");
    let log = f.env.path("delivered.log");
    logging_hook(&f, "vmcatcher-hook-log", &log);
    f.env.run(&["image", "subscribe", IMAGE_A]).success();
    f.env.run(&["cache"]).success();
    // Before anything is delivered, the administrator drops the image: it is expired.
    f.env.run(&["image", "unsubscribe", IMAGE_A]).success();
    f.env.run(&["cache"]).success();
    assert!(!f.env.path("cache/endorsed").join(IMAGE_A).exists());

    let run = f.env.run(&["events", "deliver"]);
    run.success();
    assert!(
        run.stderr.contains("is no longer in the cache"),
        "{}",
        run.stderr
    );
    let delivered = lines(&log);
    assert!(
        !delivered.contains(&format!("AvailablePostfix {IMAGE_A}")),
        "{delivered:?}"
    );
    assert!(
        delivered.contains(&format!("ExpirePostfix {IMAGE_A}")),
        "{delivered:?}"
    );
    let skipped: Vec<_> = rows(&f)
        .into_iter()
        .filter(|r| r["state"] == "skipped")
        .collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0]["type"], "AvailablePostfix");
    assert!(
        skipped[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("no longer in the cache"),
        "{:?}",
        skipped[0]
    );
    // A skipped delivery is not a failure.
    let status = f.env.run(&["status", "-f", "json"]);
    let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(status["events"]["failed"], 0, "{status}");
}

#[test]
fn events_deliver_keeps_the_permanent_and_transient_failures_apart() {
    let mut f = Fixture::new();
    deferred(&mut f, "");
    f.hook("vmcatcher-hook-refuses", "exit 4");
    f.hook("vmcatcher-hook-flaky", "exit 1");
    f.env.run(&["cache"]).success();
    f.env
        .run(&["events", "deliver"])
        .failure(1, &["deliveries failed again", "events list"]);
    for row in rows(&f) {
        let expected = if row["handler"] == "vmcatcher-hook-refuses" {
            "failed"
        } else {
            "pending"
        };
        assert_eq!(row["state"], expected, "{row}");
        assert_eq!(row["tries"], 1, "{row}");
    }
}

#[test]
fn one_deliverer_at_a_time_and_sync_goes_on_meanwhile() {
    let mut f = Fixture::new();
    deferred(
        &mut f,
        "[events.handlers.vmcatcher-hook-slow]\ntimeout = 60\n",
    );
    let log = f.env.path("delivered.log");
    let gate = f.env.path("gate");
    let started = f.env.path("started");
    // Says it runs, then holds its event until the gate file appears.
    f.hook(
        "vmcatcher-hook-slow",
        &format!(
            "touch {started}\nwhile [ ! -f {gate} ]; do sleep 0.1; done\necho \"$1\" >> {log}",
            started = started.display(),
            gate = gate.display(),
            log = log.display()
        ),
    );
    f.env.run(&["cache"]).success();
    let mut first = f.env.command(&["events", "deliver"]).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !started.exists() {
        assert!(
            Instant::now() < deadline,
            "the first deliverer never ran its hook"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let second = f.env.run(&["events", "deliver"]);
    second.success();
    assert!(
        second.stderr.contains("is delivering events"),
        "{}",
        second.stderr
    );
    // The run lock is free: a sync runs and journals while the deliverer waits.
    f.env.run(&["cache"]).success();
    std::fs::write(&gate, "").unwrap();
    assert!(first.wait().unwrap().success());
    // Both runs' events, once each, in journal order: the deliverer read the journal
    // again after its first round.
    assert_eq!(
        lines(&log),
        [
            "ProcessPrefix",
            "ProcessPostfix",
            "ProcessPrefix",
            "ProcessPostfix"
        ]
    );
}

#[test]
fn a_handler_timeout_overrides_events_timeout_for_that_handler_only() {
    let mut f = Fixture::new();
    let config = f.env.write(
        "timeouts.toml",
        "[events]\nhook_dirs = []\ntimeout = 1\n\
         [events.handlers.vmcatcher-hook-slow]\ntimeout = 30\n\
         [events.handlers.vmcatcher-hook-slwo]\ntimeout = 30\n",
    );
    f.env.set("VMCATCHER_CONFIG", &config);
    let log = f.env.path("delivered.log");
    for name in ["vmcatcher-hook-slow", "vmcatcher-hook-sleepy"] {
        f.hook(
            name,
            &format!("sleep 2\necho \"{name} $1\" >> {}", log.display()),
        );
    }
    let run = f.env.run(&["cache"]);
    run.success();
    assert_eq!(
        lines(&log),
        [
            "vmcatcher-hook-slow ProcessPrefix",
            "vmcatcher-hook-slow ProcessPostfix"
        ],
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
    // The typo is named, since the hook it was meant for keeps the short default.
    assert!(
        run.stderr
            .contains("[events.handlers.vmcatcher-hook-slwo]: no hook of that name"),
        "{}",
        run.stderr
    );
    let shown = f.env.run(&["config", "show"]);
    shown.success();
    assert!(
        shown.stdout.contains("vmcatcher-hook-slow.timeout=30"),
        "{}",
        shown.stdout
    );
}

#[test]
fn bad_handler_settings_are_refused_with_the_key() {
    let mut f = Fixture::new();
    for (text, message) in [
        (
            "[events]\ndelivery = \"later\"\n",
            "events.delivery = 'later'",
        ),
        (
            "[events.handlers.vmcatcher-hook-glance]\ntimeout = 0\n",
            "events.handlers.vmcatcher-hook-glance.timeout = 0 is out of range",
        ),
        (
            "[events.handlers.vmcatcher-hook-glance]\n",
            "[events.handlers.vmcatcher-hook-glance] sets nothing",
        ),
        (
            "[events.handlers.vmcatcher-hook-glance]\ntimeuot = 5\n",
            "timeuot",
        ),
    ] {
        let config = f.env.write("bad.toml", text);
        f.env.set("VMCATCHER_CONFIG", &config);
        f.env.run(&["events", "deliver"]).failure(1, &[message]);
    }
}
