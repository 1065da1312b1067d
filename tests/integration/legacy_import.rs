//! `import-legacy`: the four databases vmcatcher 0.6.3 made itself (tests/fixtures/legacy-db)
//! import, and afterwards the listings show what the original showed (its own output is in
//! `*.views.txt`), apart from the differences docs/migration.md lists.

use std::path::Path;

use crate::support::legacy::{
    as_ours, at_fixture_time, fixtures, lists_in_date, view, views, with_legacy,
};
use crate::support::TestEnv;

fn import(env: &TestEnv, legacy: &Path) -> String {
    let run = env.run(&["import-legacy", "--from", legacy.to_str().unwrap()]);
    run.success();
    assert!(
        !run.stdout.contains("fixture-secret") && !run.stderr.contains("fixture-secret"),
        "a password was printed:\n{}{}",
        run.stdout,
        run.stderr
    );
    run.stdout.clone()
}

fn sorted(lines: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = lines.into_iter().collect();
    v.sort();
    v
}

fn stdout_lines(env: &TestEnv, args: &[&str]) -> Vec<String> {
    let run = env.run(args);
    run.success();
    run.stdout.lines().map(str::to_string).collect()
}

/// Compares the four listings and every `subscribe show` block with the original's.
fn same_views(name: &str, env: &TestEnv, legacy: &Path) {
    let in_date = lists_in_date(legacy);
    let listings: [(&[&str], &str); 4] = [
        (&["endorser", "list"], "vmcatcher_endorser -l"),
        (&["endorser", "links"], "vmcatcher_endorser -K"),
        (&["subscribe", "list"], "vmcatcher_subscribe -l"),
        (&["image", "list"], "vmcatcher_image -l"),
    ];
    let linked: Vec<String> = stdout_lines(env, &["endorser", "links"])
        .iter()
        .filter_map(|l| {
            l.split('\t')
                .nth(1)
                .map(|s| s.trim_matches('\'').to_string())
        })
        .collect();
    for (ours, theirs) in listings {
        let Some(expected) = view(name, theirs) else {
            continue;
        };
        let expected = expected.iter().map(|line| {
            let mut line = as_ours(line);
            // 0.6.3's `authorised` column is always 1 (its defect 16); here a subscription
            // is authorised when an endorser is linked to it.
            if theirs == "vmcatcher_subscribe -l" && !linked.iter().any(|l| line.starts_with(l)) {
                line = line.replacen("\tTrue\t", "\tFalse\t", 1);
            }
            if theirs != "vmcatcher_image -l" || in_date {
                return line;
            }
            // State bit 2 needs the list in date; once the fixture's lists expired it is gone.
            let mut f: Vec<String> = line.split('\t').map(str::to_string).collect();
            f[1] = (f[1].parse::<u8>().unwrap() & 1).to_string();
            f.join("\t")
        });
        assert_eq!(
            sorted(stdout_lines(env, ours)),
            sorted(expected),
            "{ours:?} of {name} against the original's {theirs}"
        );
    }
    for (command, lines) in views(name) {
        let Some(sub) = command
            .strip_prefix("vmcatcher_subscribe -i -u ")
            .filter(|s| !s.contains(' '))
        else {
            continue;
        };
        let ours = stdout_lines(env, &["subscribe", "show", sub]);
        for line in lines {
            let mut expected = as_ours(&line);
            if !in_date && expected == "imagelist.expired=False" {
                expected = "imagelist.expired=True".into();
            }
            assert!(
                ours.contains(&expected),
                "subscribe show {sub} of {name} lacks {expected:?}:\n{}",
                ours.join("\n")
            );
        }
    }
}

#[test]
fn full_database_imports_with_the_same_views() {
    let (env, legacy) = with_legacy("full");
    let before = std::fs::read(&legacy).unwrap();
    let report = import(&env, &legacy);
    assert!(
        report.contains("imported: 2 endorsers, 3 credentials, 3 subscriptions"),
        "{report}"
    );
    assert!(report.contains("7 stored lists"), "{report}");
    // alice's second credential: row 3 names endorser 1; 0.6.3 looked it up as endorser 3.
    assert!(
        report.contains("matched credentials by row id (row 3)"),
        "{report}"
    );
    assert!(report.contains("repeats row 8 byte for byte"), "{report}");
    same_views("full", &env, &legacy);
    // The original is read, never written: same bytes, no journal left beside it.
    assert_eq!(std::fs::read(&legacy).unwrap(), before);
    for suffix in ["-journal", "-wal", "-shm"] {
        assert!(!env.path(&format!("legacy-full.db{suffix}")).exists());
    }
    // The password is stored for basic auth, not shown, and no longer in the URL.
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    let (url, user, password): (String, String, String) = conn
        .query_row(
            "SELECT url, username, password FROM subscription WHERE identifier LIKE '1111%'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(!url.contains('@'), "{url}");
    assert_eq!(
        (user.as_str(), password.as_str()),
        ("fixtureuser", "fixture-secret")
    );
}

#[test]
fn stored_lists_keep_their_bytes() {
    let (env, legacy) = with_legacy("full");
    import(&env, &legacy);
    let old =
        rusqlite::Connection::open_with_flags(&legacy, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = old
        .prepare("SELECT DISTINCT data FROM imageListInstance ORDER BY id")
        .unwrap();
    let originals: Vec<Vec<u8>> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let new = rusqlite::Connection::open(env.db_path()).unwrap();
    let mut stmt = new
        .prepare("SELECT raw FROM image_list_message ORDER BY image_list_id")
        .unwrap();
    // Stored LZ4-compressed behind a marker (src/db/images.rs).
    let stored: Vec<Vec<u8>> = stmt
        .query_map([], |r| {
            let raw: Vec<u8> = r.get(0)?;
            Ok(match raw.strip_prefix(b"\0vmcatcher-lz4\0") {
                Some(block) => lz4_flex::block::decompress_size_prepended(block).unwrap(),
                None => raw,
            })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(sorted_bytes(stored), sorted_bytes(originals));
    // `-f smime` gives the current one back as it was stored.
    let run = env
        .command(&["subscribe", "show", "2222", "-f", "smime"])
        .output()
        .unwrap();
    let current: Vec<u8> = old
        .query_row(
            "SELECT l.data FROM imageListInstance l JOIN subscription s ON s.imagelist_latest = l.id \
             WHERE s.identifier LIKE '2222%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(run.stdout, current);
}

fn sorted_bytes(mut v: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    v.sort();
    v
}

#[test]
fn deleted_database_reports_its_dangling_rows_and_imports_the_rest() {
    let (env, legacy) = with_legacy("deleted");
    let report = import(&env, &legacy);
    assert!(
        report.contains("imported: 1 endorser, 2 credentials, 2 subscriptions"),
        "{report}"
    );
    assert!(
        report.contains("its current list (imageListInstance row 5) was deleted"),
        "{report}"
    );
    assert!(
        report.contains("12 ImageInstance rows belong to no stored list")
            && report.contains("7 of them also name deleted image definitions"),
        "{report}"
    );
    same_views("deleted", &env, &legacy);
}

#[test]
fn idjoin_database_gets_credentials_by_their_endorser_column() {
    let (env, legacy) = with_legacy("idjoin");
    let report = import(&env, &legacy);
    // good2 (row 2) is alice's by its endorser column; 0.6.3 took it for bob's (id 2).
    assert!(
        report
            .contains("'/C=XX/O=Test/OU=Endorsers/CN=Second Endorser' belongs to endorser 'alice'")
            && report.contains("accepted for 'bob'"),
        "{report}"
    );
    // The link 0.6.3 made for bob no longer authorises good2's list: said, with the fix.
    assert!(
        report.contains("vmcatcher endorser link alice 55555555-5555-4555-8555-555555555555"),
        "{report}"
    );
    same_views("idjoin", &env, &legacy);
    let run = env.run(&["endorser", "show", "alice"]);
    run.success();
    assert!(run.stdout.contains("CN=Second Endorser"), "{}", run.stdout);
}

#[test]
fn empty_database_gives_an_empty_valid_database() {
    let (env, legacy) = with_legacy("empty");
    let report = import(&env, &legacy);
    assert!(report.contains("nothing to import"), "{report}");
    for args in [
        &["endorser", "list"][..],
        &["subscribe", "list"],
        &["image", "list"],
    ] {
        let run = env.run(args);
        run.success();
        assert_eq!(run.stdout, "", "{args:?}");
    }
}

#[test]
fn a_second_import_changes_nothing_and_says_so() {
    let (env, legacy) = with_legacy("full");
    import(&env, &legacy);
    let dump = |env: &TestEnv| {
        let conn = rusqlite::Connection::open(env.db_path()).unwrap();
        let mut out = Vec::new();
        for table in [
            "endorser",
            "endorser_credential",
            "subscription",
            "subscription_endorser",
            "image_list",
            "image",
            "image_record",
        ] {
            let n: i64 = conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap();
            out.push((table, n));
        }
        out
    };
    let before = dump(&env);
    let again = import(&env, &legacy);
    assert!(again.contains("nothing to import"), "{again}");
    assert!(again.contains("already here: 2 endorsers"), "{again}");
    assert_eq!(dump(&env), before);
}

#[test]
fn conflicts_are_reported_and_the_rows_here_kept() {
    let (env, legacy) = with_legacy("full");
    env.run(&[
        "endorser",
        "create",
        "alice",
        "--dn",
        "/CN=Someone Else",
        "--ca",
        "/CN=Other CA",
    ])
    .success();
    let report = import(&env, &legacy);
    assert!(
        report.contains("conflict: endorser 'alice' exists here with other credentials"),
        "{report}"
    );
    // Its links are not imported either: its credentials would sign those lists.
    assert!(
        report.contains("endorser link alice - 11111111-1111-4111-8111-111111111111 not imported"),
        "{report}"
    );
    assert!(report.contains("3 conflict(s)"), "{report}");
    let run = env.run(&["endorser", "links"]);
    run.success();
    assert!(!run.stdout.contains("'alice'"), "{}", run.stdout);
    let run = env.run(&["endorser", "show", "alice"]);
    run.success();
    assert!(run.stdout.contains("CN=Someone Else") && !run.stdout.contains("Good Endorser"));
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let (env, legacy) = with_legacy("full");
    let run = env.run(&[
        "import-legacy",
        "--dry-run",
        "--from",
        legacy.to_str().unwrap(),
    ]);
    run.success();
    assert!(
        run.stdout.contains("would import: 2 endorsers"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("dry run: nothing was written"),
        "{}",
        run.stdout
    );
    assert!(!env.db_path().exists(), "a dry run created the database");
    // On an existing database too.
    env.init_db();
    env.run(&[
        "import-legacy",
        "--dry-run",
        "--from",
        legacy.to_str().unwrap(),
    ])
    .success();
    let run = env.run(&["subscribe", "list"]);
    run.success();
    assert_eq!(run.stdout, "");
}

#[test]
fn the_original_database_is_never_the_target() {
    let (mut env, legacy) = with_legacy("full");
    // VMCATCHER_RDBMS names the 0.6.3 database: it is the default source, not a target.
    env.set("VMCATCHER_RDBMS", format!("sqlite:///{}", legacy.display()));
    env.run(&["import-legacy"])
        .failure(2, &["is the 0.6.3 database itself", "--database"]);
    // Any other command on it points at import-legacy.
    env.run(&["subscribe", "update"])
        .failure(1, &["original Python vmcatcher", "import-legacy"]);
    let target = env.path("new.db");
    env.run(&["-d", target.to_str().unwrap(), "import-legacy"])
        .success();
    let run = env.run(&["-d", target.to_str().unwrap(), "subscribe", "list"]);
    run.success();
    assert_eq!(run.stdout.lines().count(), 3, "{}", run.stdout);
}

#[test]
fn a_file_that_is_not_a_legacy_database_is_refused() {
    let env = TestEnv::new();
    let other = env.write("other.db", b"");
    env.run(&["import-legacy", "--from", other.to_str().unwrap()])
        .failure(1, &["other.db", "not a vmcatcher 0.6.3 database"]);
    env.run(&["import-legacy", "--from", "/nonexistent/vmcatcher.db"])
        .failure(1, &["does not exist", "--from"]);
}

/// A subscription's identifier, basic-auth user and password, and current stored list.
type Served = (String, Option<String>, Option<String>, Vec<u8>);

/// The fixture's lists, served again from a loopback server (the fixture run's server is
/// gone, so each subscription is pointed at it with `subscribe set --url`): every stored
/// list verifies against the fixture's trust directory; the update is a no-op. In the
/// idjoin database the list 0.6.3 accepted through its join bug is refused, as the import
/// report said, until the signer's endorser is linked.
#[test]
fn imported_lists_verify_again_on_update() {
    use crate::support::http::{Route, TestServer};
    for name in ["full", "idjoin"] {
        let (mut env, legacy) = with_legacy(name);
        if !at_fixture_time(&mut env, &legacy) {
            eprintln!("the fixture's lists expired: install libfaketime to run this");
            return;
        }
        env.set("VMCATCHER_DIR_CERT", fixtures().join("trust"));
        import(&env, &legacy);
        let server = TestServer::http();
        let old = rusqlite::Connection::open_with_flags(
            &legacy,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let mut stmt = old
            .prepare(
                "SELECT s.identifier, s.userName, s.password, l.data FROM subscription s \
                 JOIN \"imageListInstance\" l ON l.id = s.imagelist_latest",
            )
            .unwrap();
        let rows: Vec<Served> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (identifier, user, password, data) in &rows {
            let path = format!("/{identifier}");
            let route = match (user, password) {
                (Some(u), Some(p)) if !u.is_empty() => {
                    Route::ok(data.clone()).require_basic_auth(u, p)
                }
                _ => Route::ok(data.clone()),
            };
            server.route(&path, route);
            env.run(&["subscribe", "set", identifier, "--url", &server.url(&path)])
                .success();
        }
        let before = stdout_lines(&env, &["image", "list"]);
        let run = env.run(&["subscribe", "update"]);
        if name == "idjoin" {
            run.failure(13, &["55555555"]);
            env.run(&[
                "endorser",
                "link",
                "alice",
                "55555555-5555-4555-8555-555555555555",
            ])
            .success();
            env.run(&["subscribe", "update"]).success();
        } else {
            run.success();
        }
        assert_eq!(stdout_lines(&env, &["image", "list"]), before, "{name}");
        for (identifier, ..) in &rows {
            assert!(!server.requests_to(&format!("/{identifier}")).is_empty());
        }
    }
}

/// Databases of older releases lack columns (no `updateMode` before 0.5, no
/// `trustAnchor`/`userName`/`password` before 0.4; the credentials then lived in the URL):
/// told apart by their columns, imported with the defaults those releases had.
#[test]
fn older_schema_generations_import() {
    let (env, legacy) = with_legacy("full");
    {
        let conn = rusqlite::Connection::open(&legacy).unwrap();
        conn.execute_batch(
            "UPDATE subscription SET uri = 'http://fixtureuser:fixture-secret@127.0.0.1:41429/private/list1.smime' WHERE id = 1;
             ALTER TABLE subscription DROP COLUMN \"updateMode\";
             ALTER TABLE subscription DROP COLUMN \"trustAnchor\";
             ALTER TABLE subscription DROP COLUMN \"userName\";
             ALTER TABLE subscription DROP COLUMN password;",
        )
        .unwrap();
    }
    let report = import(&env, &legacy);
    assert!(report.contains("(vmcatcher <0.4 schema)"), "{report}");
    assert!(report.contains("taken out of the URL"), "{report}");
    let run = env.run(&["subscribe", "list"]);
    run.success();
    assert!(
        run.stdout.contains("11111111-1111-4111-8111-111111111111\tTrue\tBoth\thttp://127.0.0.1:41429/private/list1.smime\n"),
        "{}",
        run.stdout
    );
    let run = env.run(&["subscribe", "show", "1111"]);
    assert!(
        run.stdout
            .contains("subscription.hv:uri.username=fixtureuser\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("subscription.updateMode=0\n"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("fixture-secret"));
}

/// A stored message whose bytes were damaged is reported and left out; the rest imports.
#[test]
fn a_damaged_stored_list_is_reported_and_skipped() {
    let (env, legacy) = with_legacy("full");
    {
        let conn = rusqlite::Connection::open(&legacy).unwrap();
        let data: Vec<u8> = conn
            .query_row(
                "SELECT data FROM \"imageListInstance\" WHERE id = 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let text = String::from_utf8(data)
            .unwrap()
            .replace("revision 1", "revision 9");
        conn.execute(
            "UPDATE \"imageListInstance\" SET data = ?1 WHERE id = 1",
            [text.into_bytes()],
        )
        .unwrap();
    }
    let report = import(&env, &legacy);
    assert!(
        report.contains("skipped: stored list row 1 of 11111111-1111-4111-8111-111111111111")
            && report.contains("not imported"),
        "{report}"
    );
    assert!(report.contains("6 stored lists"), "{report}");
    same_views("full", &env, &legacy);
}
