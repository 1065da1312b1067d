//! `vmcatcher status`: the summary, the Nagios line and its exit codes, the Prometheus
//! text; never a database created or changed.

use crate::support::lists::{IMAGE_A, IMAGE_B};
use crate::support::site::Site;
use crate::support::TestEnv;

/// A site with both images selected, synced once: everything current.
fn synced() -> Site {
    let f = Site::new();
    f.run(&["image", "subscribe", IMAGE_A, IMAGE_B]).success();
    f.run(&["sync"]).success();
    f
}

fn nagios(f: &Site) -> (i32, String) {
    let run = f.run(&["status", "--nagios"]);
    (run.code, run.stdout)
}

#[track_caller]
fn assert_one_plugin_line(stdout: &str, state: &str) {
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.ends_with('\n'), "{stdout:?}");
    let prefix = format!("VMCATCHER {state} - ");
    assert!(stdout.starts_with(&prefix), "{stdout}");
    let (_, perf) = stdout.trim_end().split_once('|').expect("perf data");
    for item in perf.split(' ') {
        let (label, rest) = item.split_once('=').expect("label=value");
        assert!(!label.is_empty(), "{item}");
        let value = rest.split(';').next().unwrap();
        let number = value.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        assert!(number.parse::<f64>().is_ok(), "{item}");
    }
}

#[test]
fn status_summarises_a_populated_site() {
    let f = synced();
    let run = f.run(&["status"]);
    run.success();
    let out = &run.stdout;
    assert!(out.lines().all(|l| l.starts_with("OK ")), "{out}");
    assert!(out.contains("last sync "), "{out}");
    assert!(out.contains(" valid version 1 signer "), "{out}");
    assert!(out.contains("crl "), "{out}");
    assert!(out.contains("cache 2 cached ("), "{out}");
    assert!(out.contains("events 0 pending, 0 failed"), "{out}");
    assert!(out.ends_with("OK   overall\n"), "{out}");

    let json: serde_json::Value =
        serde_json::from_str(&f.run(&["status", "-f", "json"]).stdout).unwrap();
    assert_eq!(json["level"], "OK");
    assert_eq!(json["lists"][0]["state"], "valid");
    assert_eq!(json["lists"][0]["version"], "1");
    assert_eq!(json["cache"]["cached"], 2);
    assert_eq!(json["cache"]["pending"], 0);
    assert_eq!(json["cache"]["foreign"], 0);
    assert!(json["cache"]["bytes"].as_u64().unwrap() > 1_000_000);
    assert!(json["last_sync"]["at"].is_string());
    assert!(!json["trust"]["crls"].as_array().unwrap().is_empty());
}

#[test]
fn selected_images_not_cached_are_pending() {
    let f = Site::new();
    f.run(&["image", "subscribe", IMAGE_A, IMAGE_B]).success();
    let json: serde_json::Value =
        serde_json::from_str(&f.run(&["status", "-f", "json"]).stdout).unwrap();
    assert_eq!(json["cache"]["pending"], 2);
    assert_eq!(json["cache"]["cached"], 0);
    // No sync has succeeded yet.
    assert_eq!(json["last_sync"]["level"], "WARN");
}

#[test]
fn nagios_ok_on_a_fresh_synced_site() {
    let f = synced();
    let (code, out) = nagios(&f);
    assert_eq!(code, 0, "{out}");
    assert_one_plugin_line(&out, "OK");
    for perf in [
        "lists=1;;;",
        "withdrawn=0;;;",
        "pending_events=0;;;",
        "cached_images=2;;;",
        ";24;0;;",
    ] {
        assert!(out.contains(perf), "{perf}: {out}");
    }
}

#[test]
fn nagios_warns_of_a_list_expiring_within_warn_expiry() {
    let mut f = synced();
    // The list expires in 30 days; warn from 31 days.
    let config = f.env.write(
        "status.toml",
        "[events]\nhook_dirs = []\n[status]\nwarn_expiry = 2678400\n",
    );
    f.env.set("VMCATCHER_CONFIG", &config);
    let (code, out) = nagios(&f);
    assert_eq!(code, 1, "{out}");
    assert_one_plugin_line(&out, "WARNING");
    assert!(out.contains("expires"), "{out}");
}

#[test]
fn nagios_warns_of_pending_events() {
    let f = synced();
    f.run(&["image", "unsubscribe", IMAGE_A]).success();
    // A handler that fails leaves its deliveries pending.
    f.run(&["cache", "-x", "false"]).success();
    let (code, out) = nagios(&f);
    assert_eq!(code, 1, "{out}");
    assert_one_plugin_line(&out, "WARNING");
    assert!(out.contains("event deliveries pending"), "{out}");
    assert!(!out.contains("pending_events=0;"), "{out}");
}

#[test]
fn nagios_is_critical_when_the_list_is_withdrawn() {
    let f = synced();
    let links = f.run(&["endorser", "links"]).stdout;
    let id = links.split('\'').nth(1).unwrap().to_string();
    let list = links.split('\'').nth(3).unwrap().to_string();
    f.run(&["endorser", "unlink", &id, &list]).success();
    let (code, out) = nagios(&f);
    assert_eq!(code, 2, "{out}");
    assert_one_plugin_line(&out, "CRITICAL");
    assert!(out.contains("withdrawn"), "{out}");
    assert!(out.contains("withdrawn=1;;;"), "{out}");
    let lines = f.run(&["status"]);
    lines.success();
    assert!(lines.stdout.contains("CRIT list "), "{}", lines.stdout);
}

#[test]
fn nagios_is_unknown_without_a_database_and_none_is_created() {
    let env = TestEnv::new();
    let run = env.run(&["status", "--nagios"]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert_eq!(run.stdout.lines().count(), 1);
    assert!(
        run.stdout.starts_with("VMCATCHER UNKNOWN - "),
        "{}",
        run.stdout
    );
    env.run(&["status"]).failure(1, &[]);
    env.run(&["status", "-f", "prometheus"]).failure(1, &[]);
    assert!(!env.db_path().exists());
}

#[test]
fn status_changes_nothing() {
    let f = synced();
    let db = f.env.db_path();
    let before = std::fs::read(&db).unwrap();
    let index = std::fs::read(f.dir("endorsed").join("cache.index")).unwrap();
    for args in [
        &["status"][..],
        &["status", "-f", "json"],
        &["status", "--nagios"],
        &["status", "-f", "prometheus"],
    ] {
        f.run(args);
    }
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert_eq!(
        std::fs::read(f.dir("endorsed").join("cache.index")).unwrap(),
        index
    );
}

#[test]
fn prometheus_output_parses() {
    let f = synced();
    let run = f.run(&["status", "-f", "prometheus"]);
    run.success();
    let scrape =
        prometheus_parse::Scrape::parse(run.stdout.lines().map(|l| Ok(l.to_string()))).unwrap();
    let value = |name: &str, label: Option<(&str, &str)>| -> f64 {
        let sample = scrape
            .samples
            .iter()
            .find(|s| s.metric == name && label.is_none_or(|(k, v)| s.labels.get(k) == Some(v)))
            .unwrap_or_else(|| panic!("{name} {label:?} missing:\n{}", run.stdout));
        match sample.value {
            prometheus_parse::Value::Gauge(v) => v,
            ref other => panic!("{name} is not a gauge: {other:?}"),
        }
    };
    assert!(value("vmcatcher_last_sync_timestamp_seconds", None) > 1.6e9);
    assert!((value("vmcatcher_lists", Some(("state", "valid"))) - 1.0).abs() < f64::EPSILON);
    assert!(value("vmcatcher_lists", Some(("state", "withdrawn"))).abs() < f64::EPSILON);
    assert!((value("vmcatcher_images", Some(("state", "cached"))) - 2.0).abs() < f64::EPSILON);
    assert!(value("vmcatcher_images", Some(("state", "foreign"))).abs() < f64::EPSILON);
    assert!(value("vmcatcher_cached_bytes", None) > 1e6);
    assert!(value("vmcatcher_events", Some(("state", "failed"))).abs() < f64::EPSILON);
    assert!(value("vmcatcher_crl_seconds_to_expiry", None) > 0.0);
    assert!(scrape.docs.contains_key("vmcatcher_crl_seconds_to_expiry"));
    // Every sample line has a HELP and TYPE before it.
    for line in run.stdout.lines().filter(|l| !l.starts_with('#')) {
        let name = line.split(['{', ' ']).next().unwrap();
        assert!(
            run.stdout.contains(&format!("# TYPE {name} gauge\n")),
            "{line}"
        );
    }
}

#[test]
fn prometheus_is_only_for_status() {
    let f = Site::new();
    f.run(&["subscribe", "list", "-f", "prometheus"])
        .failure(2, &["only for 'status'"]);
    f.run(&["status", "-f", "message"])
        .failure(2, &["subscribe show"]);
}

#[test]
fn warn_expiry_has_a_range() {
    let mut env = TestEnv::new();
    let file = env.write("bad.toml", "[status]\nwarn_expiry = 999999999\n");
    env.set("VMCATCHER_CONFIG", &file);
    env.run(&["config", "show"])
        .failure(1, &["status.warn_expiry", "0 to 315360000"]);
}

#[test]
fn images_given_up_warn_and_a_failed_sync_is_not_recorded() {
    let mut f = Site::with_routes(
        crate::support::http::Route::status(404, "gone"),
        crate::support::http::Route::ok(crate::support::site::b_contents()),
    );
    let config = f.env.write(
        "tries.toml",
        "[events]\nhook_dirs = []\n[cache]\nmax_tries = 1\n",
    );
    f.env.set("VMCATCHER_CONFIG", &config);
    f.run(&["image", "subscribe", IMAGE_A, IMAGE_B]).success();
    f.run(&["sync"]).failure(1, &[]);
    let json: serde_json::Value =
        serde_json::from_str(&f.run(&["status", "-f", "json"]).stdout).unwrap();
    assert_eq!(json["cache"]["cached"], 1, "{json}");
    assert_eq!(json["cache"]["given_up"], 1, "{json}");
    assert_eq!(json["cache"]["pending"], 0, "{json}");
    assert!(json["last_sync"]["at"].is_null(), "{json}");
    let (code, out) = nagios(&f);
    assert_eq!(code, 1, "{out}");
    assert_one_plugin_line(&out, "WARNING");
    assert!(out.contains("1 images given up"), "{out}");
    assert!(out.contains("given_up_images=1;;;"), "{out}");
}

#[test]
fn nagios_is_critical_when_deliveries_failed() {
    let mut f = synced();
    let config = f
        .env
        .write("tries.toml", "[events]\nhook_dirs = []\nmax_tries = 1\n");
    f.env.set("VMCATCHER_CONFIG", &config);
    f.run(&["image", "unsubscribe", IMAGE_A]).success();
    f.run(&["cache", "-x", "false"]);
    let (code, out) = nagios(&f);
    assert_eq!(code, 2, "{out}");
    assert_one_plugin_line(&out, "CRITICAL");
    assert!(out.contains("event deliveries failed"), "{out}");
}
