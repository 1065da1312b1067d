//! A site switching from vmcatcher 0.6.3: after `import-legacy`, `subscribe update` verifies
//! the stored list again and `cache` takes the original's cache over as it is — no
//! download, no event — with the directories where 0.6.3 put them when only
//! `VMCATCHER_CACHE_DIR_CACHE` is set.
//!
//! The 0.6.3 database here is made with the test PKI and the original's schema
//! (tests/fixtures/legacy-db/schema.sql), so the test does not depend on the fixtures'
//! dates; the fixture's own cache index is adopted too while its lists are in date.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::support::http::{Route, TestServer};
use crate::support::lists::{
    image, issuer, subject, trust_dir, ListSpec, IMAGE_A, IMAGE_B, LIST_ID,
};
use crate::support::pki::{pki, TrustDirOptions};
use crate::support::TestEnv;

const A: &[u8] = b"image a as vmcatcher 0.6.3 downloaded it";
const B: &[u8] = b"image b, never selected";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/legacy-db")
}

fn sha512(bytes: &[u8]) -> String {
    vmcatcher::subscription::rules::sha512_hex(bytes)
}

/// SQLAlchemy's DateTime text for `date` (`YYYY-mm-ddTHH:MM:SSZ`), with the weekday as
/// microseconds the way hepixvmitrust stores `created`/`expires`.
fn legacy_date(date: &str, micros: &str) -> String {
    format!("{} {}.{micros}", &date[..10], &date[11..19])
}

/// A 0.6.3 site: database, cache in the original's layout, and the server of its list.
struct OldSite {
    env: TestEnv,
    server: TestServer,
    legacy: PathBuf,
    cache: PathBuf,
    signed: Vec<u8>,
}

impl OldSite {
    fn new() -> OldSite {
        let mut env = TestEnv::new();
        trust_dir(&env, &TrustDirOptions::default());
        let server = TestServer::http();
        server.route("/a", Route::ok(A));
        server.route("/b", Route::ok(B));
        let mut spec = ListSpec::new("1");
        spec.uri = server.url("/list");
        spec.images = vec![
            image(IMAGE_A, A, &server.url("/a")),
            image(IMAGE_B, B, &server.url("/b")),
        ];
        let signed = spec.signed();
        server.route("/list", Route::ok(signed.clone()));
        let legacy = env.path("old/vmcatcher.db");
        write_legacy_db(&legacy, &spec, &signed);
        let cache = env.path("old/cache");
        write_legacy_cache(&cache, &spec, &signed);
        // The site set only the original's variable for the cache.
        env.set("VMCATCHER_CACHE_DIR_CACHE", &cache);
        OldSite {
            env,
            server,
            legacy,
            cache,
            signed,
        }
    }

    fn image_requests(&self) -> usize {
        self.server.requests_to("/a").len() + self.server.requests_to("/b").len()
    }
}

fn write_legacy_db(path: &Path, spec: &ListSpec, signed: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&std::fs::read_to_string(fixtures().join("schema.sql")).unwrap())
        .unwrap();
    let good = &pki().good.cert;
    let imported = "2026-12-01 10:00:00.123456";
    conn.execute_batch(&format!(
        "INSERT INTO endorser VALUES (1, 'good');
         INSERT INTO \"endorserPrincible\" VALUES (1, '{}', '{}', 1);
         INSERT INTO subscription VALUES (1, '{LIST_ID}', 'a test image list', '{}', 1, 1,
             '{imported}', 0, NULL, NULL, 1);
         INSERT INTO \"subscriptionAuth\" VALUES (1, 1, 1, 1);
         INSERT INTO \"ImageDefinition\" VALUES (1, '{IMAGE_A}', 1, 1, 1);
         INSERT INTO \"ImageDefinition\" VALUES (2, '{IMAGE_B}', 2, 0, 1);",
        subject(good),
        issuer(good),
        spec.uri,
    ))
    .unwrap();
    conn.execute(
        "INSERT INTO \"imageListInstance\" VALUES (1, ?1, ?2, NULL, 1, ?3, ?4, ?5, ?6)",
        rusqlite::params![
            signed,
            sha512(signed),
            imported,
            legacy_date(&spec.created, "000002"),
            legacy_date(&spec.expires, "000004"),
            spec.version
        ],
    )
    .unwrap();
    for (id, definition) in [(1, 1), (2, 2)] {
        conn.execute(
            "INSERT INTO \"ImageInstance\" VALUES (?1, 'd', 'kvm', 'x', 'u', 'Linux', '12', \
             'x86_64', '1', 1, 't', NULL, ?2, 1)",
            [id, definition],
        )
        .unwrap();
    }
}

/// The cache as 0.6.3 leaves it: image A downloaded into the cache directory, with
/// `partial/` and `expired/` inside it, each with its `cache.index`.
fn write_legacy_cache(cache: &Path, spec: &ListSpec, signed: &[u8]) {
    for dir in [
        cache.to_path_buf(),
        cache.join("partial"),
        cache.join("expired"),
    ] {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("cache.index"), "{}").unwrap();
    }
    std::fs::write(cache.join(IMAGE_A), A).unwrap();
    let image = spec.images[0]["hv:image"].as_object().unwrap();
    let mut entry = Map::new();
    for (key, value) in image {
        entry.insert(format!("hv:image.{key}"), value.clone());
        if !key.starts_with("ad:") && key != "hv:format" {
            entry.insert(key.clone(), value.clone());
        }
    }
    let message = String::from_utf8_lossy(signed).into_owned();
    for (key, value) in [
        (
            "DownLoadTrys",
            json!({"count": 1, "msgHash": sha512(signed)}),
        ),
        ("filename", json!(IMAGE_A)),
        ("hv:imagelist.ad:vo", json!("testvo")),
        ("hv:imagelist.dc:identifier", json!(LIST_ID)),
        ("message", json!(message)),
        ("msgHash", json!(sha512(signed))),
        ("sha512", json!(sha512(A))),
        ("size", json!(A.len())),
        ("uri", image["hv:uri"].clone()),
        ("uuid", json!(IMAGE_A)),
    ] {
        entry.insert(key.to_string(), value);
    }
    let index = json!({ IMAGE_A: Value::Object(entry) });
    std::fs::write(
        cache.join("cache.index"),
        serde_json::to_string_pretty(&index).unwrap(),
    )
    .unwrap();
}

/// A handler that appends each event type to `log`.
fn recorder(env: &TestEnv, log: &Path) -> String {
    let script = env.write(
        "record.sh",
        format!(
            "#!/bin/sh\necho \"$VMCATCHER_EVENT_TYPE $VMCATCHER_EVENT_DC_IDENTIFIER\" >> {}\n",
            log.display()
        ),
    );
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    script.display().to_string()
}

#[test]
fn the_original_cache_is_adopted_without_download_or_event() {
    let site = OldSite::new();
    let env = &site.env;
    env.run(&["import-legacy", "--from", site.legacy.to_str().unwrap()])
        .success();
    // The directories 0.6.3 used: inside the cache directory.
    let run = env.run(&["config", "show"]);
    run.success();
    for dir in ["partial", "expired"] {
        let path = site.cache.join(dir).display().to_string();
        assert!(
            run.stdout.contains(&path),
            "{dir} is not {path}:\n{}",
            run.stdout
        );
    }
    let log = env.path("events.log");
    let handler = recorder(env, &log);
    // The stored list is verified again against the trust directory; same bytes, no-op.
    env.run(&["subscribe", "update", "-x", &handler]).success();
    let run = env.run(&["image", "list"]);
    run.success();
    assert!(
        run.stdout.contains(&format!("{IMAGE_A}\t3\t{LIST_ID}")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("{IMAGE_B}\t2\t{LIST_ID}")),
        "{}",
        run.stdout
    );
    // The cache: check (hashes the file), expire, download — nothing to do.
    env.run(&["cache", "check", "expire", "download", "-x", &handler])
        .success();
    assert_eq!(site.image_requests(), 0, "an image was downloaded");
    let events = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        !events.contains("Available") && !events.contains("Expire"),
        "events about the adopted image:\n{events}"
    );
    assert_eq!(std::fs::read(site.cache.join(IMAGE_A)).unwrap(), A);
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(site.cache.join("cache.index")).unwrap())
            .unwrap();
    assert_eq!(index[IMAGE_A]["msgHash"], json!(sha512(&site.signed)));
    let run = env.run(&["cache", "list"]);
    run.success();
    assert!(run.stdout.contains(IMAGE_A), "{}", run.stdout);
}

#[test]
fn a_cached_file_that_no_longer_matches_follows_the_normal_rules() {
    let site = OldSite::new();
    let env = &site.env;
    std::fs::write(site.cache.join(IMAGE_A), b"damaged by something else").unwrap();
    env.run(&["import-legacy", "--from", site.legacy.to_str().unwrap()])
        .success();
    // `cache check` finds it: moved to expired (with events), then downloaded again.
    let log = env.path("events.log");
    let handler = recorder(env, &log);
    // The failed check makes the run exit 1, after the repair.
    env.run(&["cache", "check", "expire", "download", "-x", &handler])
        .failure(1, &["size incorrect"]);
    assert_eq!(std::fs::read(site.cache.join(IMAGE_A)).unwrap(), A);
    assert_eq!(site.server.requests_to("/a").len(), 1);
    let expired: Vec<_> = std::fs::read_dir(site.cache.join("expired"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(IMAGE_A))
        .collect();
    assert_eq!(expired.len(), 1, "{expired:?}");
    let events = std::fs::read_to_string(&log).unwrap();
    assert!(
        events.contains("ExpirePostfix") && events.contains("AvailablePostfix"),
        "{events}"
    );
}

/// The fixture's own cache indexes (legacy-full.cache) after importing legacy-full.db:
/// `cache` (expire, download; no check, so the image files need only exist) finds every
/// selected image cached and does nothing. Their URLs name the fixture run's server, long
/// gone: an attempted download would fail the run.
#[test]
fn the_fixture_cache_index_is_adopted_as_it_is() {
    let mut env = TestEnv::new();
    let legacy = env.path("legacy-full.db");
    std::fs::copy(fixtures().join("legacy-full.db"), &legacy).unwrap();
    let cache = env.path("cache");
    for dir in ["endorsed", "partial", "expired"] {
        let from = fixtures().join("legacy-full.cache").join(dir);
        let to = if dir == "endorsed" {
            cache.clone()
        } else {
            cache.join(dir)
        };
        std::fs::create_dir_all(&to).unwrap();
        std::fs::copy(from.join("cache.index"), to.join("cache.index")).unwrap();
        for line in std::fs::read_to_string(from.join("FILES")).unwrap().lines() {
            let (name, size) = line.split_once('\t').unwrap();
            if name != "cache.index" {
                std::fs::write(to.join(name), vec![0u8; size.parse().unwrap()]).unwrap();
            }
        }
    }
    env.set("VMCATCHER_CACHE_DIR_CACHE", &cache);
    env.set("VMCATCHER_DIR_CERT", fixtures().join("trust"));
    env.run(&["import-legacy", "--from", legacy.to_str().unwrap()])
        .success();
    let conn = rusqlite::Connection::open(&legacy).unwrap();
    let first: String = conn
        .query_row("SELECT min(expires) FROM imageListInstance", [], |r| {
            r.get(0)
        })
        .unwrap();
    let now = vmcatcher::db::now_text().replace('T', " ");
    if first <= now {
        eprintln!("the fixture's lists expired ({first}): regenerate the fixtures to run this");
        return;
    }
    let log = env.path("events.log");
    let handler = recorder(&env, &log);
    env.run(&["cache", "-x", &handler]).success();
    let events = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        !events.contains("Available") && !events.contains("Expire"),
        "events about adopted images:\n{events}"
    );
    let mut names: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let listed: Vec<String> =
        std::fs::read_to_string(fixtures().join("legacy-full.cache/endorsed/FILES"))
            .unwrap()
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect();
    assert_eq!(names, listed);
}
