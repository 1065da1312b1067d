//! Sources as code: `[[endorser]]` and `[[subscription]]` declared in the configuration
//! and its `conf.d/*.toml` drop-ins, made true by `apply` and by `sync`.

use crate::support::http::Route;
use crate::support::lists::{image, issuer, subject, ListSpec, IMAGE_A, IMAGE_B, LIST_ID};
use crate::support::pki::pki;
use crate::support::site::{b_contents, Site, A};
use crate::support::Run;

const OTHER_LIST: &str = "99999999-2222-3333-4444-555555555555";

/// A served list, no database yet, and a configuration file whose declarations are
/// `declarations` (the `[events]` table keeps machine hooks away).
fn site(declarations: &str) -> Site {
    let mut f = Site::serving(Route::ok(A), Route::ok(b_contents()));
    std::fs::create_dir_all(f.env.path("tmp")).unwrap();
    f.env.set("TMPDIR", f.env.path("tmp"));
    let config = f.env.path("vmcatcher.toml");
    f.env.set("VMCATCHER_CONFIG", &config);
    declare(&f, declarations);
    f
}

fn declare(f: &Site, declarations: &str) {
    f.env.write(
        "vmcatcher.toml",
        format!("[events]\nhook_dirs = []\n\n{declarations}"),
    );
}

fn endorser() -> String {
    let good = &pki().good.cert;
    format!(
        "[[endorser]]\nid = \"good\"\ncredentials = [{{ dn = \"{}\", ca = \"{}\" }}]\n",
        subject(good),
        issuer(good)
    )
}

fn subscription(f: &Site, extra: &str) -> String {
    format!(
        "[[subscription]]\nurl = \"{}\"\nendorsers = [\"good\"]\n{extra}\n",
        f.server.url("/list")
    )
}

/// What `apply --dry-run` prints, without its last line.
fn plan(f: &Site) -> Vec<String> {
    let mut v = lines(&f.run(&["apply", "--dry-run"]));
    assert_eq!(v.pop().as_deref(), Some("Dry run: nothing was changed."));
    v
}

/// The stdout lines of a run that succeeded.
fn lines(run: &Run) -> Vec<String> {
    run.success();
    run.stdout.lines().map(str::to_string).collect()
}

#[test]
fn a_declared_site_goes_from_empty_to_synced_and_stays_put() {
    let f = site("");
    declare(&f, &(endorser() + &subscription(&f, "images = [\"aaaa\"]")));
    assert!(!f.env.db_path().exists());
    f.run(&["sync"]).success();
    assert_eq!(f.files("endorsed"), [IMAGE_A, "cache.index"]);
    let subs = f.run(&["subscribe", "list"]).stdout;
    assert!(subs.contains(&f.server.url("/list")), "{subs}");
    assert!(f.run(&["endorser", "list"]).stdout.starts_with("'good'\t"));
    assert!(
        f.run(&["endorser", "links"]).stdout.contains("'good'"),
        "the declared endorser is linked"
    );
    // Everything is as declared: another apply changes nothing.
    assert!(lines(&f.run(&["apply"])).is_empty());
}

#[test]
fn a_dry_run_of_apply_prints_exactly_what_apply_then_does() {
    let f = site("");
    declare(&f, &(endorser() + &subscription(&f, "select = \"all\"")));
    let dry = lines(&f.run(&["apply", "--dry-run"]));
    assert!(!f.env.db_path().exists(), "a dry run created the database");
    assert_eq!(dry.last().unwrap(), "Dry run: nothing was changed.");
    let real = lines(&f.run(&["apply"]));
    assert_eq!(&dry[..dry.len() - 1], &real[..]);
    assert_eq!(real[0], "+ endorser good (1 credential(s))");
    assert!(
        real[1].starts_with("+ subscribe http://127.0.0.1:"),
        "{real:?}"
    );
    assert!(real.contains(&format!("+ select image {IMAGE_A} [{LIST_ID}]")));
    assert!(real.contains(&format!("+ select image {IMAGE_B} [{LIST_ID}]")));
    assert!(f.env.path("tmp").read_dir().unwrap().next().is_none());
    // The sync dry run shows the declarations applied too (none left to apply here).
    let plan = f.run(&["sync", "--dry-run"]);
    assert!(
        plan.stdout.contains(&format!("Download: {IMAGE_A} ")),
        "{}",
        plan.stdout
    );
}

#[test]
fn changed_declarations_are_applied_and_hand_changes_put_back() {
    let f = site("");
    declare(&f, &(endorser() + &subscription(&f, "images = [\"aaaa\"]")));
    f.run(&["sync"]).success();

    declare(
        &f,
        &(endorser() + &subscription(&f, "images = [\"bbbb\"]\nnew_images = \"refuse\"")),
    );
    let changes = lines(&f.run(&["apply"]));
    assert!(changes
        .iter()
        .any(|l| l.starts_with("~ set ") && l.ends_with("new_images refuse")));
    assert!(changes.contains(&format!("+ select image {IMAGE_B} [{LIST_ID}]")));
    assert!(changes.contains(&format!(
        "- unselect image {IMAGE_A} [{LIST_ID}] (cached: leaves the cache at the next sync)"
    )));
    f.run(&["sync"]).success();
    assert_eq!(f.files("endorsed"), [IMAGE_B, "cache.index"]);

    // A hand change to a declared object is warned about and put back.
    let hand = f.run(&["subscribe", "set", LIST_ID, "--new-images", "accept"]);
    hand.success();
    assert!(hand.stderr.contains("is declared at"), "{}", hand.stderr);
    assert!(hand.stderr.contains("vmcatcher.toml:"), "{}", hand.stderr);
    let back = lines(&f.run(&["apply"]));
    assert!(
        back.iter().any(|l| l.ends_with("new_images refuse")),
        "{back:?}"
    );
    let hand = f.run(&["image", "subscribe", IMAGE_A]);
    assert!(hand.stderr.contains("is declared at"), "{}", hand.stderr);
    assert!(lines(&f.run(&["apply"])).contains(&format!("- unselect image {IMAGE_A} [{LIST_ID}]")));
}

#[test]
fn what_is_not_declared_stays_until_prune_and_the_plan_counts_its_images() {
    let f = site("");
    // A second list, subscribed by hand.
    let mut other = ListSpec::new("1");
    other.identifier = OTHER_LIST.into();
    other.images = vec![image(
        "cccccccc-0000-0000-0000-000000000003",
        A,
        &f.server.url("/a"),
    )];
    f.server.route("/other", Route::ok(other.signed()));
    declare(&f, &(endorser() + &subscription(&f, "select = \"all\"")));
    f.run(&["apply"]).success();
    f.run(&["subscribe", "add", &f.server.url("/other")])
        .success();
    f.run(&["image", "subscribe", "cccc"]).success();
    f.run(&["sync"]).success();
    assert_eq!(f.files("endorsed").len(), 4, "{:?}", f.files("endorsed"));

    // A real apply has nothing to do: it notes what it keeps on stderr only.
    let quiet = f.run(&["apply"]);
    assert!(lines(&quiet).is_empty(), "{}", quiet.stdout);
    assert!(
        quiet.stderr.contains("is not declared: kept"),
        "{}",
        quiet.stderr
    );
    let kept = plan(&f);
    assert_eq!(
        kept,
        [format!(
            "= subscription {} is not declared: kept ('apply --prune' deletes it; 1 cached \
             image(s) would leave)",
            f.server.url("/other")
        )]
    );
    // Removing the declared subscription by mistake keeps it and its images.
    declare(&f, &endorser());
    let kept = plan(&f);
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(
        kept[0].contains("2 cached image(s) would leave"),
        "{kept:?}"
    );
    f.run(&["sync"]).success();
    assert_eq!(f.files("endorsed").len(), 4);

    declare(&f, &(endorser() + &subscription(&f, "select = \"all\"")));
    let pruned = lines(&f.run(&["apply", "--prune"]));
    assert_eq!(
        pruned,
        [format!(
            "- unsubscribe {} (1 cached image(s) leave the cache)",
            f.server.url("/other")
        )]
    );
    f.run(&["sync"]).success();
    assert_eq!(f.files("endorsed"), [IMAGE_A, IMAGE_B, "cache.index"]);
}

#[test]
fn drop_ins_are_read_in_name_order_and_may_not_declare_twice() {
    let f = site("");
    f.env.write("conf.d/10-endorser.toml", endorser());
    f.env.write(
        "conf.d/20-list.toml",
        subscription(&f, "images = [\"bbbb\"]"),
    );
    f.env.write("conf.d/README", "not read: not a .toml file");
    f.run(&["sync"]).success();
    assert_eq!(f.files("endorsed"), [IMAGE_B, "cache.index"]);

    f.env.write("conf.d/30-again.toml", endorser());
    let run = f.run(&["apply"]);
    run.failure(
        1,
        &[
            "30-again.toml",
            "line 2",
            "endorser[0].id",
            "already declared",
            "10-endorser.toml:2",
        ],
    );
}

#[test]
fn bad_declarations_name_the_file_the_line_and_the_key() {
    let f = site("");
    let good = &pki().good.cert;
    // Lines count from the top of the file: `declare` writes three lines first.
    let cases: Vec<(String, &str, Vec<&str>)> = vec![
        (
            "[[subscription]]\nurl = \"http://x/\"\nendorser = [\"good\"]\n".into(),
            "vmcatcher.toml",
            vec!["line 6", "subscription[0]", "endorser"],
        ),
        (
            "[[subscription]]\nurl = \"not a url\"\n".into(),
            "vmcatcher.toml",
            vec!["line 5", "subscription[0].url", "absolute URL"],
        ),
        (
            "[[subscription]]\nurl = \"oci://registry.example/egi/ubuntu\"\n".into(),
            "vmcatcher.toml",
            vec!["line 5", "subscription[0].url", "registry source", "subscribe add"],
        ),
        (
            "[[subscription]]\nurl = \"http://x/\"\nusername = \"u\"\npassword_file = \"/nonexistent/pw\"\n".into(),
            "vmcatcher.toml",
            vec!["line 7", "subscription[0].password_file", "/nonexistent/pw does not exist"],
        ),
        (
            format!(
                "{}[[endorser]]\nid = \"twin\"\ncredentials = [\n  {{ dn = \"{}\", ca = \"{}\" }},\n]\n",
                endorser(),
                subject(good),
                issuer(good)
            ),
            "vmcatcher.toml",
            vec!["line 10", "endorser[1].credentials[0]", "already declared for endorser 'good'"],
        ),
        (
            "[[subscription]]\nurl = \"http://x/\"\nimages = [\"a\"]\nselect = \"all\"\n".into(),
            "vmcatcher.toml",
            vec!["line 6", "subscription[0].images", "not both"],
        ),
        (
            "[[subscription]]\nurl = \"http://x/\"\nnew_images = \"sometimes\"\n".into(),
            "vmcatcher.toml",
            vec!["line 6", "subscription[0].new_images", "sometimes"],
        ),
    ];
    for (text, file, words) in cases {
        declare(&f, &text);
        let mut expected = vec![file];
        expected.extend(words);
        f.run(&["apply"]).failure(1, &expected);
        // sync refuses before it changes anything.
        f.run(&["sync"]).failure(1, &[file]);
        assert!(!f.env.db_path().exists());
    }
    declare(&f, "");
    f.env
        .write("conf.d/50-settings.toml", "[cache]\nmax_tries = 2\n");
    f.run(&["apply"]).failure(
        1,
        &[
            "50-settings.toml",
            "cache",
            "only [[endorser]] and [[subscription]]",
        ],
    );
}

#[test]
fn conflicts_with_the_database_and_unusable_lists_are_refused_with_their_codes() {
    let f = site("");
    // A declared list whose signer no declared or known endorser has: the list rule's
    // code (13), as 'subscribe add' gives.
    declare(
        &f,
        &subscription(&f, "").replace("endorsers = [\"good\"]\n", ""),
    );
    f.run(&["apply"])
        .failure(13, &["was not found in database"]);

    // The declared credential belongs to an endorser made by hand.
    let good = &pki().good.cert;
    f.run(&[
        "endorser",
        "create",
        "hand",
        "--dn",
        &subject(good),
        "--ca",
        &issuer(good),
    ])
    .success();
    declare(&f, &endorser());
    f.run(&["apply"]).failure(
        1,
        &[
            "belongs to endorser 'hand' in the database",
            "vmcatcher.toml:",
        ],
    );
}

#[test]
fn nothing_is_pruned_when_a_declaration_failed() {
    let f = site("");
    f.run(&["subscribe", "add", &f.server.url("/list"), "--auto-endorse"])
        .success();
    // The declared URL has a typo: its add fails, and the subscription it meant is not
    // pruned as "undeclared".
    let typo = subscription(&f, "")
        .replace("/list", "/lsit")
        .replace("endorsers = [\"good\"]\n", "");
    declare(&f, &typo);
    let run = f.run(&["apply", "--prune"]);
    run.failure(10, &["nothing is pruned"]);
    assert!(f
        .run(&["subscribe", "list"])
        .stdout
        .contains(&f.server.url("/list")));
}

#[test]
fn a_hand_added_credential_of_a_declared_endorser_stays_without_prune() {
    let f = site("");
    let good = &pki().good.cert;
    f.run(&[
        "endorser",
        "create",
        "good",
        "--dn",
        "/CN=hand",
        "--ca",
        "/CN=hand ca",
    ])
    .success();
    f.run(&[
        "endorser",
        "create",
        "good",
        "--dn",
        &subject(good),
        "--ca",
        &issuer(good),
    ])
    .success();
    declare(&f, &endorser());
    assert!(lines(&f.run(&["apply"])).is_empty());
    assert!(f.run(&["endorser", "list"]).stdout.contains("/CN=hand"));
    let pruned = lines(&f.run(&["apply", "--prune"]));
    assert_eq!(pruned, ["~ endorser good: - credential '/CN=hand'"]);
}

#[test]
fn a_new_image_is_selected_in_the_sync_that_first_sees_it() {
    let f = site("");
    declare(&f, &(endorser() + &subscription(&f, "select = \"all\"")));
    f.run(&["sync"]).success();
    let mut v2 = ListSpec::new("2");
    v2.images = vec![
        image(IMAGE_A, A, &f.server.url("/a")),
        image(IMAGE_B, &b_contents(), &f.server.url("/b")),
        image(
            "cccccccc-0000-0000-0000-000000000003",
            A,
            &f.server.url("/a"),
        ),
    ];
    f.server.route("/list", Route::ok(v2.signed()));
    let plan = f.run(&["sync", "--dry-run"]);
    assert!(
        plan.stdout
            .contains("Download: cccccccc-0000-0000-0000-000000000003 "),
        "{}",
        plan.stdout
    );
    f.run(&["sync"]).success();
    assert!(f
        .files("endorsed")
        .contains(&"cccccccc-0000-0000-0000-000000000003".to_string()));
}
