//! Do no harm: a typo, an empty or foreign database, a read-only file, a fetch-crl
//! hiccup must never cost a site its cached images or an event.

use std::os::unix::fs::PermissionsExt;

use crate::support::lists::{image, ListSpec, IMAGE_A};
use crate::support::site::{Site, A};

const OTHER_LIST: &str = "99999999-2222-3333-4444-555555555555";
const IMAGE_C: &str = "cccccccc-0000-0000-0000-000000000003";

/// The site with image A cached, and every event logged to `events.log`.
fn cached_site() -> Site {
    let mut site = Site::new();
    let log = site.env.path("events.log");
    site.env.set(
        "VMCATCHER_CACHE_EVENT",
        format!(
            "echo \"$VMCATCHER_EVENT_TYPE $VMCATCHER_EVENT_DC_IDENTIFIER\" >> {}",
            log.display()
        ),
    );
    site.run(&["image", "subscribe", IMAGE_A]).success();
    site.run(&["cache"]).success();
    assert_eq!(site.files("endorsed"), [IMAGE_A, "cache.index"]);
    site
}

fn events(site: &Site) -> String {
    std::fs::read_to_string(site.env.path("events.log")).unwrap_or_default()
}

#[test]
fn read_only_commands_never_create_a_database() {
    let site = Site::new();
    let missing = site.env.path("typo.db");
    let missing_text = missing.display().to_string();
    for args in [
        &["image", "list"][..],
        &["image", "show", IMAGE_A],
        &["subscribe", "list"],
        &["subscribe", "show", "1111"],
        &["endorser", "list"],
        &["endorser", "links"],
        &["endorser", "show", "x"],
        &["cache", "list"],
        &["events", "list"],
    ] {
        let mut all = vec!["--database", missing_text.as_str()];
        all.extend_from_slice(args);
        site.run(&all).failure(
            1,
            &[
                &missing_text,
                "does not exist",
                "vmcatcher subscribe add",
                "--database",
            ],
        );
        assert!(!missing.exists(), "{args:?} created {missing_text}");
    }
    // Commands that change things need an existing database too; only the ones that add
    // the first content create it.
    for args in [
        &["sync"][..],
        &["cache"],
        &["subscribe", "update"],
        &["image", "subscribe", IMAGE_A],
    ] {
        let mut all = vec!["--database", missing_text.as_str()];
        all.extend_from_slice(args);
        site.run(&all)
            .failure(1, &[&missing_text, "does not exist"]);
        assert!(!missing.exists(), "{args:?} created {missing_text}");
    }
    for args in [&["hooks", "list"][..], &["config", "show"]] {
        let mut all = vec!["--database", missing_text.as_str()];
        all.extend_from_slice(args);
        site.run(&all).success();
        assert!(!missing.exists(), "{args:?} created {missing_text}");
    }
    // The shell asking for completions is silent and creates nothing.
    let mut complete = site.env.command(&["--", "vmcatcher", "image", "show", ""]);
    complete
        .env("COMPLETE", "bash")
        .env("VMCATCHER_RDBMS", &missing);
    complete.output().expect("completion");
    assert!(!missing.exists(), "completion created {missing_text}");
}

#[test]
fn read_only_commands_work_on_a_database_this_user_cannot_write() {
    let site = cached_site();
    // Another user (nobody) may read the administrator's database, not write it or its
    // directory: the listings work all the same.
    let root = site.env.root();
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(site.env.db_path(), std::fs::Permissions::from_mode(0o444)).unwrap();
    let expected_images = site.run(&["image", "list"]).success().stdout.clone();
    assert!(expected_images.contains(IMAGE_A));
    let before = std::fs::read(site.env.db_path()).unwrap();
    for (args, needle) in [
        (&["image", "list"][..], IMAGE_A),
        (&["subscribe", "list"], "11111111"),
        (&["endorser", "list"], "Test Grid"),
        (&["cache", "list"], IMAGE_A),
        (&["events", "list"], ""),
        (&["image", "show", IMAGE_A], IMAGE_A),
    ] {
        let mut cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]);
        let inner = site.env.command(args);
        cmd.arg(inner.get_program());
        cmd.args(inner.get_args());
        cmd.env_clear();
        for (k, v) in inner.get_envs() {
            if let Some(v) = v {
                cmd.env(k, v);
            }
        }
        cmd.current_dir(root);
        let out = cmd.output().expect("setpriv runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{args:?} as nobody failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains(needle), "{args:?}: {stdout}");
        if args == ["image", "list"] {
            assert_eq!(stdout, expected_images);
        }
    }
    assert_eq!(std::fs::read(site.env.db_path()).unwrap(), before);
    // And as the owner with the file 0444 and a read-only directory.
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o555)).unwrap();
    let listed = site.run(&["image", "list"]);
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(listed.success().stdout, expected_images);
}

#[test]
fn an_empty_database_leaves_the_cache_alone() {
    let mut site = cached_site();
    let empty = site.env.path("empty.db");
    site.env.set("VMCATCHER_RDBMS", &empty);
    // `endorser create` makes a database with no subscription in it.
    site.run(&["endorser", "create", "x", "--dn", "/CN=x", "--ca", "/CN=ca"])
        .success();
    let before = events(&site);
    for args in [
        &["sync"][..],
        &["cache"],
        &["cache", "check"],
        &["cache", "expire"],
    ] {
        let run = site.run(args);
        run.success();
        assert!(
            run.stderr.contains("has no subscriptions") && run.stderr.contains("left as it is"),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(site.files("endorsed"), [IMAGE_A, "cache.index"], "{args:?}");
        assert!(site.files("expired").iter().all(|f| f == "cache.index"));
    }
    assert_eq!(events(&site), before, "no event for an empty database");
}

#[test]
fn images_unknown_to_the_database_are_foreign_and_stay() {
    let mut site = cached_site();
    // A second database subscribed to another list: image A is foreign to it.
    let mut other = ListSpec::new("1");
    other.identifier = OTHER_LIST.into();
    other.images = vec![image(IMAGE_C, A, &site.server.url("/a"))];
    site.server
        .route("/other", crate::support::http::Route::ok(other.signed()));
    site.env.set("VMCATCHER_RDBMS", site.env.path("other.db"));
    site.run(&[
        "subscribe",
        "add",
        &site.server.url("/other"),
        "--auto-endorse",
    ])
    .success();
    site.run(&["image", "subscribe", IMAGE_C]).success();
    let before = events(&site);
    for args in [&["sync"][..], &["cache", "check"], &["cache"]] {
        let run = site.run(args);
        run.success();
        assert_eq!(
            run.stderr.matches("foreign").count(),
            1,
            "{args:?}: reported once per run:\n{}",
            run.stderr
        );
        assert!(run.stderr.contains(IMAGE_A), "{}", run.stderr);
    }
    assert_eq!(site.files("endorsed"), [IMAGE_A, "cache.index", IMAGE_C]);
    assert!(site.files("expired").iter().all(|f| f == "cache.index"));
    let new_events = events(&site)[before.len()..].to_string();
    assert!(!new_events.contains(IMAGE_A), "{new_events}");
    assert!(new_events.contains(&format!("AvailablePostfix {IMAGE_C}")));
}

#[test]
fn a_deleted_subscription_still_expires_its_images() {
    let site = cached_site();
    site.run(&["subscribe", "delete", "11111111"]).success();
    // No subscription is left, but the database decided to drop A: it is expired.
    let run = site.run(&["cache"]);
    run.success();
    assert!(!run.stderr.contains("foreign"), "{}", run.stderr);
    assert_eq!(site.files("endorsed"), ["cache.index"]);
    assert!(events(&site).contains(&format!("ExpirePostfix {IMAGE_A}")));
}

/// Version 2 of the site's list, with image A's title and description set.
fn list_with_text(site: &Site, title: &str, description: &str) -> Vec<u8> {
    let mut spec = ListSpec::new("2");
    let mut a = image(IMAGE_A, A, &site.server.url("/a"));
    a["hv:image"]["dc:title"] = title.into();
    a["hv:image"]["dc:description"] = description.into();
    spec.images = vec![a];
    spec.signed()
}

#[test]
fn events_with_nul_bytes_or_huge_values_still_reach_their_handlers() {
    let mut site = Site::new();
    let out = site.env.path("handler.out");
    site.env.set(
        "VMCATCHER_CACHE_EVENT",
        format!(
            "printf '%s|%s\\n' \"$VMCATCHER_EVENT_TYPE\" \"${{#VMCATCHER_EVENT_DC_DESCRIPTION}}\" >> {0}; \
             printf '%s\\n' \"$VMCATCHER_EVENT_DC_TITLE\" >> {0}",
            out.display()
        ),
    );
    let huge = "x".repeat(200 * 1024);
    site.server.route(
        "/list",
        crate::support::http::Route::ok(list_with_text(&site, "Evil\u{0}after the NUL", &huge)),
    );
    site.run(&["subscribe", "update"]).success();
    site.run(&["image", "subscribe", IMAGE_A]).success();
    let run = site.run(&["cache"]);
    run.success();
    assert!(run.stderr.contains("NUL byte"), "{}", run.stderr);
    let got = std::fs::read_to_string(&out).unwrap();
    assert!(
        got.contains(&format!("AvailablePostfix|{}\nEvil\n", 64 * 1024)),
        "{got}"
    );
    assert!(!got.contains("after the NUL"));
    let pending = site.run(&["events", "list", "--pending"]);
    assert_eq!(pending.success().stdout, "");
}

#[test]
fn a_handler_that_cannot_start_is_a_logged_failure() {
    let mut site = Site::new();
    let bin = site.env.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let hook = bin.join("vmcatcher-hook-broken");
    std::fs::write(&hook, "#!/nonexistent/interpreter\n").unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    site.env
        .set("PATH", format!("{}:/usr/bin:/bin", bin.display()));
    site.run(&["image", "subscribe", IMAGE_A]).success();
    let run = site.run(&["cache"]);
    run.success();
    assert!(
        run.stderr
            .contains("vmcatcher-hook-broken' cannot be started"),
        "{}",
        run.stderr
    );
    let journal = site.run(&["events", "list", "-f", "json"]);
    assert!(
        journal.success().stdout.contains("cannot be started"),
        "{}",
        journal.stdout
    );
}

#[test]
fn lines_output_cannot_be_forged_by_a_list() {
    let site = Site::new();
    site.server.route(
        "/list",
        crate::support::http::Route::ok(list_with_text(
            &site,
            "Evil\nimage.hv:uri=http://evil.example/\tx",
            "two\nlines",
        )),
    );
    site.run(&["subscribe", "update"]).success();
    let show = site.run(&["image", "show", IMAGE_A]);
    let out = &show.success().stdout;
    assert!(
        out.contains("image.dc:title=Evil\\nimage.hv:uri=http://evil.example/\\tx\n"),
        "{out}"
    );
    assert!(out.contains("image.dc:description=two\\nlines\n"), "{out}");
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with("image.hv:uri="))
            .count(),
        1
    );
    let served = list_with_text(&site, "Evil\nimage=forged", "");
    let file = site.env.write("list.smime", served);
    let verify = site.run(&["verify", file.to_str().unwrap()]);
    assert!(
        verify.stdout.contains("\tEvil\\nimage=forged\n")
            && !verify.stdout.contains("\nimage=forged"),
        "{}",
        verify.stdout
    );
}

#[test]
fn two_auto_endorsing_adds_of_one_signer_at_once_both_succeed() {
    let server = crate::support::http::TestServer::http();
    let mut one = ListSpec::new("1");
    one.identifier = OTHER_LIST.into();
    server.route("/one", crate::support::http::Route::ok(one.signed()));
    server.route(
        "/two",
        crate::support::http::Route::ok(ListSpec::new("1").signed()),
    );
    for round in 0..8 {
        let env = crate::support::TestEnv::new();
        crate::support::lists::trust_dir(&env, &crate::support::pki::TrustDirOptions::default());
        env.init_db();
        let children: Vec<_> = ["/one", "/two"]
            .iter()
            .map(|path| {
                env.command(&["subscribe", "add", &server.url(path), "--auto-endorse"])
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let endorsers = env.run(&["endorser", "list"]);
        assert_eq!(
            endorsers.success().stdout.lines().count(),
            1,
            "round {round}"
        );
        assert_eq!(env.run(&["endorser", "links"]).stdout.lines().count(), 2);
    }
}

#[test]
fn a_list_of_millions_of_empty_entries_is_refused_with_one_message() {
    let site = Site::new();
    let mut spec = ListSpec::new("2");
    spec.images = vec![serde_json::json!({}); 3_000_000];
    let file = site.env.write("huge.smime", spec.signed());
    let run = site.run(&["verify", file.to_str().unwrap()]);
    run.failure(
        38,
        &["too large", "3000005 JSON objects", "at most 100000 images"],
    );
    assert!(run.stderr.lines().count() < 5, "{}", run.stderr);
    // A list with many broken entries is imported, with a bounded number of warnings.
    let mut spec = ListSpec::new("2");
    spec.images.extend(vec![serde_json::json!({}); 500]);
    site.server
        .route("/list", crate::support::http::Route::ok(spec.signed()));
    let run = site.run(&["subscribe", "update"]);
    run.success();
    let skips = run
        .stderr
        .lines()
        .filter(|l| l.contains("skipping"))
        .count();
    assert!(skips <= 21, "{skips} lines:\n{}", run.stderr);
    assert!(
        run.stderr.contains("skipping 480 more broken entries"),
        "{}",
        run.stderr
    );
}

#[test]
fn listings_never_move_a_broken_cache_index_aside() {
    let site = cached_site();
    let index = site.env.path("cache/endorsed/cache.index");
    std::fs::write(&index, "{ not json").unwrap();
    site.run(&["cache", "list"])
        .failure(1, &["cache.index", "endorsed"]);
    let long = site.run(&["image", "list", "-l"]);
    long.success();
    assert_eq!(std::fs::read_to_string(&index).unwrap(), "{ not json");
    assert_eq!(site.files("endorsed"), [IMAGE_A, "cache.index"]);
}
