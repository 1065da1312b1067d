//! `sync --dry-run` and `cache --dry-run`: the plan is printed, nothing changes (database
//! bytes, cache files and indexes, events), and the real run then does what was printed.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::support::http::Route;
use crate::support::lists::{trust_dir, IMAGE_A, IMAGE_B, LIST_ID};
use crate::support::pki::{CrlMode, TrustDirOptions};
use crate::support::site::{b_contents, Site};

const NEW_A: &[u8] = b"image a, rebuilt: another checksum in version 2";

/// Every file under `dir` with the SHA-512 of its bytes: what "nothing changed" compares.
/// SQLite's `-wal` and `-shm` files are left out: any reader opens and closes them.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(items) = std::fs::read_dir(&d) else {
            continue;
        };
        for item in items.flatten() {
            let path = item.path();
            let name = path.to_string_lossy();
            if name.ends_with("-wal") || name.ends_with("-shm") {
                continue;
            }
            if path.is_dir() {
                todo.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                let bytes = std::fs::read(&path).unwrap_or_default();
                files.insert(name, vmcatcher::subscription::rules::sha512_hex(&bytes));
            }
        }
    }
    files
}

/// A site with both images cached, an event log for every event, and its own TMPDIR.
fn synced() -> Site {
    let mut f = Site::new();
    let log = f.env.path("events.log");
    f.env.set(
        "VMCATCHER_CACHE_EVENT",
        format!(
            "echo \"$VMCATCHER_EVENT_TYPE $VMCATCHER_EVENT_DC_IDENTIFIER\" >> {}",
            log.display()
        ),
    );
    std::fs::create_dir_all(f.env.path("tmp")).unwrap();
    f.env.set("TMPDIR", f.env.path("tmp"));
    f.run(&["image", "subscribe", IMAGE_A, IMAGE_B]).success();
    f.run(&["sync"]).success();
    std::fs::remove_file(&log).unwrap();
    f
}

/// Runs the dry run as lines and as JSON; asserts that neither changed anything.
fn dry_run(f: &Site, args: &[&str]) -> (i32, String, Value) {
    let before = tree(f.env.path("").as_path());
    let lines = f.run(args);
    let json_args: Vec<&str> = ["-f", "json"].iter().chain(args).copied().collect();
    let json = f.run(&json_args);
    assert_eq!(lines.code, json.code, "{}\n{}", lines.stderr, json.stderr);
    let after = tree(f.env.path("").as_path());
    let changed: Vec<&String> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert!(
        changed.is_empty(),
        "a dry run changed {changed:?}: {}",
        lines.stderr
    );
    let record: Value = serde_json::from_str(&json.stdout).expect("a JSON plan");
    assert_eq!(record["exit_code"], lines.code);
    assert!(
        lines.stdout.ends_with(
            "Dry run: nothing was changed (no database write, no file moved, no event).\n"
        ),
        "{}",
        lines.stdout
    );
    (lines.code, lines.stdout, record)
}

fn ids(record: &Value, key: &str) -> Vec<String> {
    let mut v: Vec<String> = record[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["identifier"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// The identifiers of the events of `kind` the real run sent.
fn events(f: &Site, kind: &str) -> Vec<String> {
    let log = std::fs::read_to_string(f.env.path("events.log")).unwrap_or_default();
    let mut v: Vec<String> = log
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("{kind} ")))
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

#[test]
fn a_sync_dry_run_prints_what_the_real_sync_then_does() {
    let f = synced();
    // Version 2 rebuilds image a (new checksum); image b is no longer wanted.
    f.server.route("/a", Route::ok(NEW_A));
    f.serve_list("2", NEW_A, &b_contents());
    f.run(&["image", "unsubscribe", IMAGE_B]).success();
    let images_before = f.run(&["image", "list"]).stdout;

    let (code, lines, plan) = dry_run(&f, &["sync", "--dry-run"]);
    assert_eq!(code, 0, "{lines}");
    assert_eq!(plan["update"][0]["result"], "updated", "{plan}");
    assert_eq!(plan["update"][0]["version"], "2");
    assert_eq!(ids(&plan, "download"), [IMAGE_A]);
    assert_eq!(plan["download"][0]["size"], NEW_A.len());
    assert_eq!(plan["fetch_bytes"], NEW_A.len());
    assert_eq!(plan["space_suffices"], true);
    assert_eq!(ids(&plan, "expire"), [IMAGE_A, IMAGE_B]);
    let reason = |id: &str| {
        plan["expire"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["identifier"] == id)
            .unwrap()["reason"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(reason(IMAGE_A).contains("checksum changed"), "{plan}");
    assert!(reason(IMAGE_B).contains("no longer selected"), "{plan}");
    assert!(lines.contains(&format!("Get: {LIST_ID} ")), "{lines}");
    assert!(
        lines.contains(&format!("Download: {IMAGE_A} [{LIST_ID}] ")),
        "{lines}"
    );
    assert!(lines.contains(&format!(
        "Expire: {IMAGE_B} [{LIST_ID}]: it is no longer selected"
    )));
    assert!(lines.contains("Plan: 1 download(s), "), "{lines}");
    assert!(
        lines.contains(": enough); 2 expiry(ies); 0 failure(s); 0 list(s) withdrawn"),
        "{lines}"
    );
    assert!(
        events(&f, "ExpirePostfix").is_empty(),
        "a dry run sent events"
    );
    assert_eq!(f.run(&["image", "list"]).stdout, images_before);
    assert!(
        tree(&f.env.path("tmp")).is_empty(),
        "the scratch copy stays behind"
    );

    f.run(&["sync"]).success();
    assert_eq!(events(&f, "ExpirePostfix"), ids(&plan, "expire"));
    assert_eq!(events(&f, "AvailablePostfix"), ids(&plan, "download"));
    assert_eq!(
        std::fs::read(f.dir("endorsed").join(IMAGE_A)).unwrap(),
        NEW_A
    );
    assert_eq!(f.files("endorsed"), [IMAGE_A, "cache.index"]);
    // Afterwards there is nothing left to do.
    let (_, _, after) = dry_run(&f, &["sync", "--dry-run"]);
    assert!(ids(&after, "download").is_empty() && ids(&after, "expire").is_empty());
}

#[test]
fn a_withdrawal_is_planned_with_its_reason_and_exit_code_then_happens() {
    let mut f = synced();
    trust_dir(
        &f.env,
        &TrustDirOptions {
            issuing_crl: CrlMode::Missing,
            ..TrustDirOptions::default()
        },
    );
    let config = f.env.write(
        "grace.toml",
        "[events]\nhook_dirs = []\n[trust]\ncrl_grace = 0\n",
    );
    f.env.set("VMCATCHER_CONFIG", &config);

    let (code, lines, plan) = dry_run(&f, &["sync", "--dry-run"]);
    assert_eq!(code, 11, "{lines}");
    assert_eq!(plan["withdrawn"][0]["identifier"], LIST_ID, "{plan}");
    let why = plan["withdrawn"][0]["reason"].as_str().unwrap();
    assert!(why.contains("trust.crl_grace"), "{why}");
    assert!(lines.contains(&format!("Withdrawn: {LIST_ID} ")), "{lines}");
    assert_eq!(ids(&plan, "expire"), [IMAGE_A, IMAGE_B]);
    assert!(
        plan["expire"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("was withdrawn"),
        "{plan}"
    );
    assert!(ids(&plan, "download").is_empty());
    // The database still has the list in force.
    assert!(f
        .run(&["image", "list"])
        .stdout
        .contains(&format!("{IMAGE_A}\t3\t")));

    let real = f.run(&["sync"]);
    assert_eq!(real.code, 11, "{}", real.stderr);
    assert_eq!(events(&f, "ExpirePostfix"), ids(&plan, "expire"));
    assert!(events(&f, "AvailablePostfix").is_empty());
    assert!(f
        .run(&["image", "list"])
        .stdout
        .contains(&format!("{IMAGE_A}\t1\t")));
}

#[test]
fn a_cache_dry_run_shows_given_up_images_and_what_retry_would_do() {
    let mut f = Site::with_routes(Route::status(404, "gone"), Route::ok(b_contents()));
    let config = f.env.write(
        "tries.toml",
        "[events]\nhook_dirs = []\n[cache]\nmax_tries = 1\n",
    );
    f.env.set("VMCATCHER_CONFIG", &config);
    f.run(&["image", "subscribe", IMAGE_A]).success();
    f.run(&["cache"]).failure(1, &[IMAGE_A]);

    let (code, lines, plan) = dry_run(&f, &["cache", "--dry-run"]);
    assert_eq!(code, 0, "given up is a warning, not a failure: {lines}");
    assert_eq!(ids(&plan, "given_up"), [IMAGE_A]);
    assert!(
        lines.contains(&format!("Give up: {IMAGE_A} failed 1 times")),
        "{lines}"
    );
    assert!(plan["update"].is_null());

    let (_, lines, plan) = dry_run(&f, &["cache", "--dry-run", "--retry", IMAGE_A]);
    assert_eq!(ids(&plan, "download"), [IMAGE_A], "{lines}");
    assert!(ids(&plan, "given_up").is_empty());
}

#[test]
fn dry_runs_need_a_database_and_create_none() {
    let f = crate::support::TestEnv::new();
    for args in [&["sync", "--dry-run"][..], &["cache", "-n"]] {
        let run = f.run(args);
        assert_ne!(run.code, 0, "{args:?}");
        assert!(!f.db_path().exists(), "{args:?} created a database");
    }
    let run = f.run(&["cache", "list", "--dry-run"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn a_dry_run_plans_on_an_older_schema_without_migrating_it_and_names_the_real_file() {
    let f = synced();
    {
        let conn = rusqlite::Connection::open(f.env.db_path()).unwrap();
        conn.execute_batch(
            "DROP TABLE state; ALTER TABLE subscription DROP COLUMN registry; \
             PRAGMA user_version = 3;",
        )
        .unwrap();
    }
    let (code, lines, _) = dry_run(&f, &["sync", "--dry-run"]);
    assert_eq!(code, 0, "{lines}");
    let version = |f: &Site| -> i64 {
        rusqlite::Connection::open(f.env.db_path())
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(version(&f), 3, "the dry run migrated the real database");
    f.run(&["sync"]).success();
    assert!(version(&f) > 3);

    // A database of the original tool: the message names the administrator's file.
    let legacy = f.env.path("legacy.db");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/legacy-db/legacy-empty.db"
        ),
        &legacy,
    )
    .unwrap();
    let run = f.run(&["-d", legacy.to_str().unwrap(), "sync", "--dry-run"]);
    run.failure(1, &[legacy.to_str().unwrap(), "import-legacy"]);
}
