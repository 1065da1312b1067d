//! Subscriptions end to end: the real binary, a generated PKI, lists served on 127.0.0.1.

use crate::support::http::{Route, TestServer};
use crate::support::lists::{
    self, date, image, issuer, subject, trust_dir, ListSpec, IMAGE_A, IMAGE_B, LIST_ID,
};
use crate::support::pki::{pki, CrlMode, PolicyFiles, TrustDirOptions};
use crate::support::{Run, TestEnv};

struct Fixture {
    env: TestEnv,
    server: TestServer,
    url: String,
}

impl Fixture {
    /// A trust directory and a server with version 1.9 of the list; nothing subscribed.
    fn new() -> Fixture {
        let env = TestEnv::new();
        trust_dir(&env, &TrustDirOptions::default());
        let server = TestServer::http();
        server.route("/list", Route::ok(ListSpec::new("1.9").signed()));
        let url = server.url("/list");
        Fixture { env, server, url }
    }

    /// As `new`, subscribed with --auto-endorse.
    fn subscribed() -> Fixture {
        let f = Fixture::new();
        f.run(&["subscribe", "add", &f.url, "--auto-endorse"])
            .success();
        f
    }

    fn serve(&self, bytes: Vec<u8>) {
        self.server.route("/list", Route::ok(bytes));
    }

    fn run(&self, args: &[&str]) -> Run {
        self.env.run(args)
    }

    fn update(&self) -> Run {
        self.run(&["subscribe", "update"])
    }

    fn images(&self) -> String {
        let run = self.run(&["image", "list"]);
        run.success();
        run.stdout
    }

    fn image_lines(states: [u8; 2]) -> String {
        format!(
            "{IMAGE_A}\t{}\t{LIST_ID}\n{IMAGE_B}\t{}\t{LIST_ID}\n",
            states[0], states[1]
        )
    }
}

#[test]
fn add_imports_the_list_and_registers_images() {
    let f = Fixture::subscribed();
    assert_eq!(f.images(), Fixture::image_lines([2, 2]));
    let list = f.run(&["subscribe", "list"]);
    assert_eq!(list.stdout, format!("{LIST_ID}\tTrue\tBoth\t{}\n", f.url));
    // The auto-endorsed signer is an endorser linked to the subscription.
    let endorsers = f.run(&["endorser", "list"]);
    let good = &pki().good.cert;
    assert!(
        endorsers
            .stdout
            .contains(&format!("\t'{}'\t'{}'\n", subject(good), issuer(good))),
        "{}",
        endorsers.stdout
    );
    let links = f.run(&["endorser", "links"]);
    assert!(
        links.stdout.ends_with(&format!("\t'{LIST_ID}'\t'True'\n")),
        "{}",
        links.stdout
    );
}

#[test]
fn add_with_subscribe_policy_selects_every_image() {
    let f = Fixture::new();
    f.run(&[
        "subscribe",
        "add",
        &f.url,
        "--auto-endorse",
        "--new-images",
        "subscribe",
    ])
    .success();
    assert_eq!(f.images(), Fixture::image_lines([3, 3]));
}

#[test]
fn add_needs_a_known_signer_or_auto_endorse() {
    let f = Fixture::new();
    f.run(&["subscribe", "add", &f.url])
        .failure(13, &["was not found", "--auto-endorse"]);
    assert_eq!(f.run(&["subscribe", "list"]).stdout, "", "nothing stored");
    // A signer already known as an endorser is linked without --auto-endorse.
    let good = &pki().good.cert;
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
    f.run(&["subscribe", "add", &f.url]).success();
    let links = f.run(&["endorser", "links"]);
    assert_eq!(links.stdout, format!("'good'\t'{LIST_ID}'\t'True'\n"));
}

#[test]
fn add_twice_is_refused() {
    let f = Fixture::subscribed();
    f.run(&["subscribe", "add", &f.url, "--auto-endorse"])
        .failure(1, &["already subscribed"]);
}

#[test]
fn update_of_unchanged_list_is_a_no_op() {
    let f = Fixture::subscribed();
    let before = f.run(&["subscribe", "show", LIST_ID]).stdout;
    f.update().success();
    assert_eq!(
        f.run(&["subscribe", "show", LIST_ID]).stdout,
        before,
        "identical bytes change nothing"
    );
}

#[test]
fn update_imports_a_higher_version_numerically() {
    let f = Fixture::subscribed();
    let mut spec = ListSpec::new("1.10");
    spec.images.push(image(
        "cccccccc-0000-0000-0000-000000000003",
        b"c",
        "http://127.0.0.1:9/c",
    ));
    f.serve(spec.signed());
    f.update().success();
    let show = f.run(&["subscribe", "show", LIST_ID]);
    assert!(
        show.stdout.contains("imagelist.hv:version=1.10\n"),
        "{}",
        show.stdout
    );
    assert!(
        f.images()
            .contains("cccccccc-0000-0000-0000-000000000003\t2\t"),
        "new image accepted by default"
    );
}

#[test]
fn lower_version_is_refused() {
    let f = Fixture::new();
    f.serve(ListSpec::new("1.10").signed());
    f.run(&["subscribe", "add", &f.url, "--auto-endorse"])
        .success();
    f.serve(ListSpec::new("1.9").signed());
    f.update().failure(17, &["lower version", "1.9", "1.10"]);
    assert_eq!(
        f.images(),
        Fixture::image_lines([2, 2]),
        "the stored list stays current"
    );
}

#[test]
fn tampered_content_is_refused() {
    let f = Fixture::subscribed();
    let signed = ListSpec::new("2").signed();
    let text = String::from_utf8(signed).unwrap();
    let tampered = text.replacen("a test image list", "a forged image list", 1);
    assert_ne!(text, tampered);
    f.serve(tampered.into_bytes());
    f.update().failure(11, &[LIST_ID]);
    assert_eq!(f.images(), Fixture::image_lines([2, 2]));
}

#[test]
fn rogue_ca_with_the_same_subject_is_refused() {
    let f = Fixture::subscribed();
    let p = pki();
    let spec = ListSpec::new("2").signer(&p.rogue_endorser2.cert);
    let raw = crate::support::pki::sign_smime(
        &p.rogue_endorser2.cert,
        &p.rogue_endorser2.key,
        &[&p.rogue_issuing.cert],
        spec.json().as_bytes(),
        true,
        crate::support::pki::Digest::Sha256,
    );
    f.serve(raw);
    f.update().failure(11, &["not trusted"]);
}

#[test]
fn revoked_expired_and_outsider_signers_are_refused() {
    let f = Fixture::subscribed();
    let p = pki();
    for (who, words) in [
        (&p.revoked, vec!["revoked"]),
        (&p.expired, vec!["expired"]),
        (&p.outsider, vec!["namespace"]),
    ] {
        f.serve(ListSpec::new("2").signer(&who.cert).signed_by(who));
        let run = f.update();
        run.failure(11, &words);
    }
}

#[test]
fn a_missing_crl_keeps_the_stored_list_until_the_grace_runs_out() {
    let mut f = Fixture::subscribed();
    let missing = TrustDirOptions {
        issuing_crl: CrlMode::Missing,
        ..TrustDirOptions::default()
    };
    trust_dir(&f.env, &missing);
    // A fetch-crl hiccup fails the update, but the images stay available.
    let run = f.update();
    run.failure(
        11,
        &[
            "fetch-crl",
            "Test Issuing CA",
            "stays in force",
            "trust.crl_grace",
        ],
    );
    assert_eq!(f.images(), Fixture::image_lines([2, 2]));
    f.run(&["sync"]).failure(11, &["stays in force"]);
    assert_eq!(f.images(), Fixture::image_lines([2, 2]));
    // Once the grace is over, the list is withdrawn, and the message says why.
    let config = f.env.write(
        "grace.toml",
        "[events]\nhook_dirs = []\n[trust]\ncrl_grace = 0\n",
    );
    f.env.set("VMCATCHER_CONFIG", &config);
    f.update().failure(
        11,
        &[
            "no longer valid",
            "for longer than trust.crl_grace",
            "fetch-crl",
        ],
    );
    assert_eq!(f.images(), Fixture::image_lines([0, 0]));
    // Once the CRL is fresh again, the same list is valid again.
    trust_dir(&f.env, &TrustDirOptions::default());
    f.update().success();
    assert_eq!(f.images(), Fixture::image_lines([2, 2]));
}

#[test]
fn a_crl_expired_for_longer_than_the_grace_withdraws_the_list() {
    let f = Fixture::subscribed();
    // The test CRL's nextUpdate passed two days ago: past the default 24 hours of grace.
    trust_dir(
        &f.env,
        &TrustDirOptions {
            issuing_crl: CrlMode::Expired,
            ..TrustDirOptions::default()
        },
    );
    f.update().failure(
        11,
        &["expired on", "for longer than trust.crl_grace (86400 s"],
    );
    assert_eq!(f.images(), Fixture::image_lines([0, 0]));
    trust_dir(&f.env, &TrustDirOptions::default());
    f.update().success();
    assert_eq!(f.images(), Fixture::image_lines([2, 2]));
}

#[test]
fn a_bad_fetched_list_never_withdraws_the_stored_one() {
    let f = Fixture::subscribed();
    let mut expired = ListSpec::new("2");
    expired.created = date(-10);
    expired.expires = date(-1);
    let mut future = ListSpec::new("2");
    future.created = date(2);
    let mut other = ListSpec::new("2");
    other.identifier = "99999999-2222-3333-4444-555555555555".into();
    let mut tampered = ListSpec::new("2").signed();
    let at = tampered.len() / 2;
    tampered[at] ^= 1;
    for (name, route, code) in [
        ("failed fetch", Route::status(500, "down"), 10),
        ("unsigned", Route::ok(ListSpec::new("2").json()), 11),
        ("tampered", Route::ok(tampered), 11),
        (
            "lower version",
            Route::ok(ListSpec::new("1.1").signed()),
            17,
        ),
        ("already expired", Route::ok(expired.signed()), 34),
        ("created in the future", Route::ok(future.signed()), 33),
        ("another identifier", Route::ok(other.signed()), 31),
    ] {
        f.server.route("/list", route);
        f.update().failure(code, &["stays in force"]);
        assert_eq!(f.images(), Fixture::image_lines([2, 2]), "{name}");
    }
    // An unreadable trust directory fails the update and withdraws nothing.
    let certs = f.env.path("certs");
    std::fs::rename(&certs, f.env.path("certs.away")).unwrap();
    f.update().failure(1, &["trust directory"]);
    std::fs::rename(f.env.path("certs.away"), &certs).unwrap();
    assert_eq!(f.images(), Fixture::image_lines([2, 2]));
}

#[test]
fn a_ca_gone_from_the_trust_directory_withdraws_the_list() {
    let f = Fixture::subscribed();
    f.server.route("/list", Route::status(500, "down"));
    // The site stops trusting the CA (root and issuing CA removed; another CA stays).
    for ca in [&pki().root.cert, &pki().issuing.cert] {
        let hash = crate::support::pki::hash_name(ca);
        for ext in ["0", "r0", "signing_policy", "namespaces"] {
            let _ = std::fs::remove_file(f.env.path(&format!("certs/{hash}.{ext}")));
        }
    }
    std::fs::write(
        f.env.path("certs/other.pem"),
        pki().rogue_root.cert.to_pem().unwrap(),
    )
    .unwrap();
    f.update().failure(10, &["no longer valid", "not trusted"]);
    assert_eq!(f.images(), Fixture::image_lines([0, 0]));
}

#[test]
fn namespace_deny_is_enforced() {
    let f = Fixture::new();
    trust_dir(
        &f.env,
        &TrustDirOptions {
            policy: PolicyFiles::NamespacesDeny,
            ..TrustDirOptions::default()
        },
    );
    let p = pki();
    f.serve(ListSpec::new("1").signer(&p.good2.cert).signed_by(&p.good2));
    f.run(&["subscribe", "add", &f.url, "--auto-endorse"])
        .failure(11, &["namespace"]);
}

#[test]
fn dn_mismatch_is_refused() {
    let f = Fixture::subscribed();
    let mut spec = ListSpec::new("2");
    spec.dn = "/DC=org/DC=example/O=Test Grid/OU=Endorsers/CN=Someone Else".into();
    f.serve(spec.signed());
    f.update()
        .failure(12, &["does not match signature", "Someone Else"]);
    let mut spec = ListSpec::new("2");
    spec.ca = "/CN=Another CA".into();
    f.serve(spec.signed());
    f.update().failure(12, &["hv:ca does not match signature"]);
}

#[test]
fn signer_not_linked_is_refused() {
    let f = Fixture::subscribed();
    let p = pki();
    // good2 is a valid endorser certificate, but not linked to this subscription.
    f.run(&[
        "endorser",
        "create",
        "second",
        "--dn",
        &subject(&p.good2.cert),
        "--ca",
        &issuer(&p.good2.cert),
    ])
    .success();
    f.serve(ListSpec::new("2").signer(&p.good2.cert).signed_by(&p.good2));
    f.update().failure(13, &["not authorised", "endorser link"]);
    // Linked, it is accepted.
    f.run(&["endorser", "link", "second", LIST_ID]).success();
    f.update().success();
}

#[test]
fn unlinking_the_signer_withdraws_the_list() {
    let f = Fixture::subscribed();
    let endorser = f.run(&["endorser", "links"]).stdout;
    let id = endorser.split('\'').nth(1).unwrap().to_string();
    f.run(&["endorser", "unlink", &id, LIST_ID]).success();
    assert_eq!(f.images(), Fixture::image_lines([0, 0]));
    f.run(&["endorser", "unlink", &id, LIST_ID])
        .failure(1, &["not linked"]);
}

#[test]
fn identifier_change_is_refused() {
    let f = Fixture::subscribed();
    let mut spec = ListSpec::new("2");
    spec.identifier = "99999999-2222-3333-4444-555555555555".into();
    f.serve(spec.signed());
    f.update().failure(31, &["dc:identifier", "99999999"]);
}

#[test]
fn created_in_the_future_is_refused() {
    let f = Fixture::subscribed();
    let mut spec = ListSpec::new("2");
    spec.created = date(2);
    f.serve(spec.signed());
    f.update().failure(33, &["in the future"]);
}

#[test]
fn expired_list_is_refused_and_images_lose_availability() {
    let f = Fixture::new();
    // The stored list expires three seconds from now.
    let mut short = ListSpec::new("1");
    short.expires = vmcatcher::imagelist::format_date(
        time::OffsetDateTime::now_utc() + time::Duration::seconds(3),
    );
    f.serve(short.signed());
    f.run(&["subscribe", "add", &f.url, "--auto-endorse"])
        .success();
    f.run(&["image", "subscribe", IMAGE_A]).success();
    assert_eq!(f.images(), Fixture::image_lines([3, 2]));
    // A fetched list that has already expired is refused; the stored one stays.
    let mut spec = ListSpec::new("2");
    spec.created = date(-10);
    spec.expires = date(-1);
    f.serve(spec.signed());
    f.update().failure(34, &["has expired", "stays in force"]);
    assert_eq!(f.images(), Fixture::image_lines([3, 2]));
    // Once the stored list's own date passes, it is withdrawn.
    std::thread::sleep(std::time::Duration::from_secs(4));
    f.update()
        .failure(34, &["no longer valid", "passed its dc:date:expires"]);
    assert_eq!(
        f.images(),
        Fixture::image_lines([1, 0]),
        "state bit 2 dropped"
    );
    let show = f.run(&["subscribe", "show", LIST_ID]);
    assert!(
        show.stdout.contains("imagelist.expired=True"),
        "{}",
        show.stdout
    );
}

#[test]
fn unsigned_and_invalid_lists() {
    let f = Fixture::subscribed();
    f.serve(ListSpec::new("2").json().into_bytes());
    f.update().failure(11, &["not an S/MIME"]);
    f.serve(lists::sign(&pki().good, b"{ this is not json"));
    f.update().failure(38, &["not a valid image list"]);
    let spec = ListSpec::new("2");
    let without_version = spec
        .json()
        .replace("\"hv:version\": \"2\"", "\"hv:other\": \"2\"");
    f.serve(lists::sign(&pki().good, without_version.as_bytes()));
    f.update().failure(38, &["hv:version"]);
    let mut unsafe_id = ListSpec::new("2");
    unsafe_id
        .images
        .push(image("../../etc/passwd", b"x", "http://127.0.0.1:9/x"));
    f.serve(unsafe_id.signed());
    f.update().failure(38, &["../../etc/passwd"]);
    assert_eq!(f.images(), Fixture::image_lines([2, 2]), "nothing changed");
}

#[test]
fn one_failing_subscription_does_not_stop_the_others() {
    let f = Fixture::subscribed();
    let mut other = ListSpec::new("1");
    other.identifier = "22222222-2222-3333-4444-555555555555".into();
    f.server.route("/other", Route::ok(other.signed()));
    f.run(&[
        "subscribe",
        "add",
        &f.server.url("/other"),
        "--auto-endorse",
    ])
    .success();
    f.server.route("/list", Route::status(404, "gone"));
    let mut other2 = ListSpec::new("2");
    other2.identifier = other.identifier.clone();
    f.server.route("/other", Route::ok(other2.signed()));
    let run = f.update();
    run.failure(10, &["404"]);
    let show = f.run(&["subscribe", "show", "22222222"]);
    assert!(
        show.stdout.contains("imagelist.hv:version=2\n"),
        "{}",
        show.stdout
    );
}

#[test]
fn changed_hv_uri_is_reported_not_followed() {
    let f = Fixture::subscribed();
    let mut spec = ListSpec::new("2");
    spec.uri = "https://moved.example/list.smime".into();
    f.serve(spec.signed());
    let run = f.update();
    run.success();
    assert!(
        run.stderr.contains("https://moved.example/list.smime")
            && run.stderr.contains("not followed"),
        "{}",
        run.stderr
    );
    assert_eq!(
        f.run(&["subscribe", "list"]).stdout,
        format!("{LIST_ID}\tTrue\tBoth\t{}\n", f.url)
    );
    f.run(&[
        "subscribe",
        "set",
        LIST_ID,
        "--url",
        "https://moved.example/list.smime",
    ])
    .success();
    assert!(f
        .run(&["subscribe", "list"])
        .stdout
        .contains("https://moved.example/list.smime"));
}

#[test]
fn redirects_are_followed() {
    let f = Fixture::new();
    f.server
        .route("/old", Route::redirect(301, "/list?token=1"));
    f.run(&["subscribe", "add", &f.server.url("/old"), "--auto-endorse"])
        .success();
    let seen: Vec<String> = f
        .server
        .requests()
        .iter()
        .map(|r| r.target.clone())
        .collect();
    assert!(seen.contains(&"/list?token=1".to_string()), "{seen:?}");
}

#[test]
fn basic_auth_password_is_sent_and_never_shown() {
    let f = Fixture::new();
    let secret = "s3cr3t-Pa55";
    f.server.route(
        "/list",
        Route::ok(ListSpec::new("1").signed()).require_basic_auth("site", secret),
    );
    f.run(&["subscribe", "add", &f.url, "--auto-endorse"])
        .failure(10, &["401"]);
    let password_file = f.env.write("password", format!("{secret}\n"));
    let mut outputs = Vec::new();
    let add = f.run(&[
        "subscribe",
        "add",
        &f.url,
        "--auto-endorse",
        "--username",
        "site",
        "--password-file",
        password_file.to_str().unwrap(),
        "-vv",
    ]);
    add.success();
    outputs.push(add);
    outputs.push(f.run(&["subscribe", "update", "-vv"]));
    outputs.push(f.run(&["subscribe", "show", LIST_ID]));
    outputs.push(f.run(&["subscribe", "show", LIST_ID, "-f", "json"]));
    outputs.push(f.run(&["subscribe", "list", "-f", "json"]));
    outputs.push(f.run(&["image", "show", IMAGE_A]));
    for run in &outputs {
        run.success();
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "password leaked:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    assert!(outputs[2]
        .stdout
        .contains("subscription.hv:uri.username=site\nsubscription.hv:uri.password=********\n"));
    assert!(f
        .server
        .requests()
        .iter()
        .any(|r| r.header("authorization").is_some()));
}

#[test]
fn untrusted_https_server_is_refused() {
    let env = TestEnv::new();
    trust_dir(&env, &TrustDirOptions::default());
    let p = pki();
    // A server certificate from the rogue CA: not in the trust directory.
    let server = TestServer::https(&p.rogue_endorser.cert, &p.rogue_endorser.key, &[]);
    server.route("/list", Route::ok(ListSpec::new("1").signed()));
    env.run(&["subscribe", "add", &server.url("/list"), "--auto-endorse"])
        .failure(10, &["certificate"]);
    // The real server certificate, issued by the trusted issuing CA, is accepted with igtf.
    let good = TestServer::https(
        &p.tls_server.cert,
        &p.tls_server.key,
        std::slice::from_ref(&p.issuing.cert),
    );
    good.route("/list", Route::ok(ListSpec::new("1").signed()));
    env.run(&[
        "subscribe",
        "add",
        &good.url("/list"),
        "--auto-endorse",
        "--tls-anchors",
        "igtf",
    ])
    .success();
}

#[test]
fn show_formats() {
    let f = Fixture::subscribed();
    let show = f.run(&["subscribe", "show", "1111"]);
    show.success();
    for key in [
        format!("imagelist.dc:identifier={LIST_ID}\n"),
        format!("subscription.dc:identifier={LIST_ID}\n"),
        "subscription.dc:description=a test image list\n".into(),
        "subscription.sl:authorised=True\n".into(),
        format!("subscription.hv:uri={}\n", f.url),
        "subscription.hv:uri.trustAnchor=Both\n".into(),
        "subscription.updateMode=1\n".into(),
        "imagelist.expired=False\n".into(),
    ] {
        assert!(
            show.stdout.contains(&key),
            "missing {key:?} in\n{}",
            show.stdout
        );
    }
    let raw = ListSpec::new("2").signed();
    f.serve(raw.clone());
    f.update().success();
    let smime = f
        .env
        .command(&["subscribe", "show", LIST_ID, "-f", "SMIME"])
        .output()
        .unwrap();
    assert_eq!(smime.stdout, raw, "byte for byte");
    let smime = f.run(&["subscribe", "show", LIST_ID, "-f", "smime"]);
    assert!(smime.stdout.starts_with("MIME-Version"), "{}", smime.stdout);
    let message = f.run(&["subscribe", "show", LIST_ID, "-f", "message"]);
    message.success();
    let json: serde_json::Value = serde_json::from_str(&message.stdout).expect("verified JSON");
    assert_eq!(json["hv:imagelist"]["dc:identifier"], LIST_ID);
    let as_json = f.run(&["subscribe", "show", LIST_ID, "-f", "json"]);
    let value: serde_json::Value = serde_json::from_str(&as_json.stdout).unwrap();
    assert_eq!(value[0]["identifier"], LIST_ID);
    assert_eq!(value[0]["list"]["version"], "2");
    assert_eq!(value[0]["list"]["valid"], true);
    f.run(&["subscribe", "show", "nope"])
        .failure(1, &["no subscription matches 'nope'"]);
}

#[test]
fn accept_refuse_and_new_image_policies() {
    let f = Fixture::subscribed();
    let c = "cccccccc-0000-0000-0000-000000000003";
    let d = "dddddddd-0000-0000-0000-000000000004";
    f.run(&["subscribe", "set", LIST_ID, "--new-images", "refuse"])
        .success();
    f.run(&["subscribe", "accept", LIST_ID, c])
        .failure(1, &[c, "--not-yet-listed"]);
    f.run(&["subscribe", "accept", LIST_ID, c, "--not-yet-listed"])
        .success();
    let mut spec = ListSpec::new("2");
    spec.images.push(image(c, b"c", "http://127.0.0.1:9/c"));
    spec.images.push(image(d, b"d", "http://127.0.0.1:9/d"));
    f.serve(spec.signed());
    f.update().success(); // a refused image is not a failure
    let images = f.images();
    assert!(
        images.contains(&format!("{c}\t2\t")),
        "pre-accepted: {images}"
    );
    assert!(!images.contains(d), "refused by policy: {images}");
    // Refusing an image that is listed removes it from the listing and the cache choice.
    f.run(&["subscribe", "refuse", LIST_ID, IMAGE_B]).success();
    assert!(!f.images().contains(IMAGE_B));
    f.run(&["subscribe", "accept", LIST_ID, "../x", "--not-yet-listed"])
        .failure(1, &["not usable"]);
}

#[test]
fn accept_and_refuse_take_a_unique_prefix_and_refuse_unknown_ids() {
    let f = Fixture::subscribed();
    let count = |id: &str| {
        let conn = rusqlite::Connection::open(f.env.db_path()).unwrap();
        conn.query_row(
            "SELECT count(*) FROM image WHERE identifier = ?1",
            [id],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
    };
    // A prefix that matches nothing stores nothing.
    f.run(&["subscribe", "refuse", LIST_ID, "bbbb2222-0000"])
        .failure(
            1,
            &[
                "no image of subscription",
                "'bbbb2222-0000'",
                "--not-yet-listed",
            ],
        );
    assert_eq!(count("bbbb2222-0000"), 0, "no phantom row");
    // A unique prefix names the image.
    f.run(&["subscribe", "refuse", LIST_ID, "bbbb"]).success();
    assert!(!f.images().contains(IMAGE_B));
    // Refused images are still known: accept finds them by prefix too.
    f.run(&["subscribe", "accept", LIST_ID, "bbbb"]).success();
    assert!(f.images().contains(IMAGE_B));
    f.run(&["subscribe", "refuse", LIST_ID, "a", "b"]).success();
    f.run(&[
        "subscribe",
        "accept",
        LIST_ID,
        "aaaaaaaa-0000",
        "bbbbbbbb-0000",
    ])
    .success();
    assert_eq!(f.images(), Fixture::image_lines([2, 2]));
    // An ambiguous prefix names the candidates.
    f.run(&[
        "subscribe",
        "accept",
        LIST_ID,
        "aaaaaaaa-9",
        "--not-yet-listed",
    ])
    .success();
    f.run(&["subscribe", "refuse", LIST_ID, "aaaa"])
        .failure(1, &["'aaaa' matches 2 images", IMAGE_A]);
    // Pre-refusing an id a later list will bring needs the confirmation.
    let e = "eeeeeeee-0000-0000-0000-000000000005";
    f.run(&["subscribe", "refuse", LIST_ID, e, "--not-yet-listed"])
        .success();
    assert_eq!(count(e), 1);
}

#[test]
fn image_selection_by_prefix_and_sha512() {
    let f = Fixture::subscribed();
    f.run(&["image", "subscribe", "aaaa"]).success();
    let sha = vmcatcher::subscription::rules::sha512_hex(b"image b contents");
    f.run(&["image", "subscribe", "--sha512", &sha]).success();
    assert_eq!(f.images(), Fixture::image_lines([3, 3]));
    f.run(&["image", "unsubscribe", IMAGE_A]).success();
    assert_eq!(f.images(), Fixture::image_lines([2, 3]));
    let json = f.run(&["image", "list", "-f", "json", "--subscription", LIST_ID]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        value[0],
        serde_json::json!({"identifier": IMAGE_A, "state": 2, "subscription": LIST_ID})
    );
    f.run(&["image", "subscribe", "zzz"])
        .failure(1, &["no image matches 'zzz'"]);
    f.run(&["image", "subscribe"]).failure(2, &[]);
    let show = f.run(&["image", "show", IMAGE_A]);
    show.success();
    for key in [
        "image.sl:arch=x86_64\n",
        "image.hv:hypervisor=kvm\n",
        "imagedef.cache=0\n",
        "image.hv:size=16\n",
    ] {
        assert!(
            show.stdout.contains(key),
            "missing {key:?}:\n{}",
            show.stdout
        );
    }
    assert!(show.stdout.contains(&format!(
        "endorser:hv:subject={}\n",
        subject(&pki().good.cert)
    )));
}

#[test]
fn delete_removes_subscription_and_images() {
    let f = Fixture::subscribed();
    f.run(&["subscribe", "delete", LIST_ID]).success();
    assert_eq!(f.images(), "");
    assert_eq!(f.run(&["subscribe", "list"]).stdout, "");
    f.run(&["subscribe", "delete", LIST_ID])
        .failure(1, &["no subscription matches"]);
}

#[test]
fn verify_good_and_bad() {
    let env = TestEnv::new();
    trust_dir(&env, &TrustDirOptions::default());
    let good = env.write("good.smime", ListSpec::new("1").signed());
    let run = env.run(&["verify", good.to_str().unwrap()]);
    run.success();
    assert!(
        run.stdout
            .contains(&format!("signer.subject={}\n", subject(&pki().good.cert))),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("ok\thv:dn\t"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("image={IMAGE_A}\t16\t")),
        "{}",
        run.stdout
    );
    assert!(!env.db_path().exists(), "verify never creates the database");

    let mut expired = ListSpec::new("1");
    expired.expires = date(-1);
    expired.created = date(-5);
    let bad = env.write("expired.smime", expired.signed());
    let run = env.run(&["verify", bad.to_str().unwrap()]);
    run.failure(34, &["expired"]);
    assert!(run.stdout.contains("FAILED\tdates\t"), "{}", run.stdout);

    let p = pki();
    let revoked = env.write(
        "revoked.smime",
        ListSpec::new("1")
            .signer(&p.revoked.cert)
            .signed_by(&p.revoked),
    );
    let run = env.run(&["verify", revoked.to_str().unwrap(), "-f", "json"]);
    assert_eq!(run.code, 11, "{}", run.stderr);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["ok"], false);
    assert_eq!(
        value["signer"]["subject"],
        subject(&p.revoked.cert),
        "signer shown even when the chain fails"
    );

    let mut mismatch = ListSpec::new("1");
    mismatch.dn = "/CN=Not The Signer".into();
    let path = env.write("mismatch.smime", mismatch.signed());
    env.run(&["verify", path.to_str().unwrap()])
        .failure(12, &["hv:dn"]);
    env.run(&["verify", "/nonexistent.smime"])
        .failure(10, &["cannot read"]);
    let server = TestServer::http();
    server.route("/l", Route::ok(ListSpec::new("1").signed()));
    env.run(&["verify", &server.url("/l")]).success();
    assert!(!env.db_path().exists());
}

#[test]
fn missing_trust_directory_is_a_clear_error() {
    let env = TestEnv::new();
    let f = env.write("l.smime", ListSpec::new("1").signed());
    env.run(&["verify", f.to_str().unwrap()])
        .failure(1, &["certs"]);
}

#[test]
fn a_signer_revoked_after_import_withdraws_the_unchanged_list() {
    use crate::support::pki::{self, hash_name};
    let f = Fixture::new();
    let p = pki();
    // At subscription time the issuing CA's CRL does not list the signer yet.
    let crl_path = f
        .env
        .path("certs")
        .join(format!("{}.r0", hash_name(&p.issuing.cert)));
    std::fs::write(
        &crl_path,
        pki::crl(&p.issuing, &[], -1, 30).to_pem().unwrap(),
    )
    .unwrap();
    f.serve(
        ListSpec::new("1")
            .signer(&p.revoked.cert)
            .signed_by(&p.revoked),
    );
    f.run(&["subscribe", "add", &f.url, "--auto-endorse"])
        .success();
    assert_eq!(f.images(), Fixture::image_lines([2, 2]));
    // fetch-crl brings the CRL that revokes it: the same bytes no longer count.
    trust_dir(&f.env, &TrustDirOptions::default());
    f.update().failure(11, &["revoked"]);
    assert_eq!(f.images(), Fixture::image_lines([0, 0]));
}

#[test]
fn update_prints_one_line_per_list_and_a_summary() {
    let f = Fixture::subscribed();
    let run = f.update();
    run.success();
    assert_eq!(
        run.stdout,
        format!(
            "Hit: {LIST_ID} {} (version 1.9)\n1 list(s): 1 unchanged, 0 updated, 0 failed\n",
            f.url
        )
    );
    f.serve(ListSpec::new("2").signed());
    let run = f.update();
    assert!(
        run.success().stdout.starts_with(&format!(
            "Get: {LIST_ID} {} updated to version 2, 0 new image(s)\n",
            f.url
        )),
        "{}",
        run.stdout
    );
    f.serve(ListSpec::new("3").json().into_bytes());
    let run = f.update();
    run.failure(11, &["not an S/MIME"]);
    assert!(
        run.stdout
            .starts_with(&format!("Err: {LIST_ID} {} refused with code 11: ", f.url))
            && run
                .stdout
                .ends_with("1 list(s): 0 unchanged, 0 updated, 1 failed\n"),
        "{}",
        run.stdout
    );
    // Quiet in cron when asked; JSON for scripts.
    assert_eq!(f.run(&["subscribe", "update", "-q"]).stdout, "");
    let json = f.run(&["subscribe", "update", "-f", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value[0]["result"], "failed");
    assert_eq!(value[0]["exit_code"], 11);
}

#[test]
fn set_needs_something_to_change_and_an_absolute_url() {
    let f = Fixture::subscribed();
    f.run(&["subscribe", "set", LIST_ID])
        .failure(2, &["nothing to change", "--url"]);
    for bad in ["lists.example/list", "/srv/list.smime", "ftp://host/list"] {
        let run = f.run(&["subscribe", "set", LIST_ID, "--url", bad]);
        run.failure(2, &["--url", bad]);
        assert_eq!(run.stderr.lines().count(), 1, "one line:\n{}", run.stderr);
    }
    let show = f.run(&["subscribe", "show", LIST_ID]);
    assert!(show
        .stdout
        .contains(&format!("subscription.hv:uri={}\n", f.url)));
    f.run(&[
        "subscribe",
        "set",
        LIST_ID,
        "--url",
        "file:///srv/list.smime",
    ])
    .success();
}

#[test]
fn add_takes_a_plain_path_as_a_file_url() {
    let env = TestEnv::new();
    trust_dir(&env, &TrustDirOptions::default());
    let list = env.write("lists/list.smime", ListSpec::new("1").signed());
    // Relative to the current directory (the test's temp dir).
    let run = env.run(&["subscribe", "add", "lists/list.smime", "--auto-endorse"]);
    run.success();
    let url = format!("file://{}", list.display());
    assert!(
        run.stderr.contains("is a local path") && run.stderr.contains(&url),
        "{}",
        run.stderr
    );
    let show = env.run(&["subscribe", "show", LIST_ID]);
    assert!(
        show.stdout
            .contains(&format!("subscription.hv:uri={url}\n")),
        "{}",
        show.stdout
    );
    env.run(&["subscribe", "delete", LIST_ID]).success();
    env.run(&["subscribe", "add", list.to_str().unwrap(), "--auto-endorse"])
        .success();
    let show = env.run(&["subscribe", "show", LIST_ID]);
    assert!(show
        .stdout
        .contains(&format!("subscription.hv:uri={url}\n")));
}

#[test]
fn credentials_over_plain_http_are_warned_about() {
    let f = Fixture::new();
    let secret = "pl41n-s3cret";
    f.server.route(
        "/list",
        Route::ok(ListSpec::new("1").signed()).require_basic_auth("site", secret),
    );
    let password_file = f.env.write("password", format!("{secret}\n"));
    let password_file = password_file.to_str().unwrap();
    let warned = |run: &Run| {
        run.success();
        assert!(
            run.stderr.contains("go over plain http") && run.stderr.contains(&f.url),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains(secret) && !run.stdout.contains(secret));
    };
    let credentials = ["--username", "site", "--password-file", password_file];
    let mut add = vec!["subscribe", "add", &f.url, "--auto-endorse"];
    add.extend(credentials);
    warned(&f.run(&add));
    warned(&f.run(&["subscribe", "update"]));
    let mut set = vec!["subscribe", "set", LIST_ID];
    set.extend(credentials);
    warned(&f.run(&set));
    let cleared = f.run(&["subscribe", "set", LIST_ID, "--clear-credentials"]);
    cleared.success();
    assert!(!cleared.stderr.contains("plain http"), "{}", cleared.stderr);
}

#[test]
fn add_of_several_lists_adds_each_and_reports_the_ones_that_fail() {
    let f = Fixture::new();
    let mut second = ListSpec::new("1");
    second.identifier = "22222222-2222-3333-4444-555555555555".into();
    f.server.route("/list2", Route::ok(second.signed()));
    let missing = f.server.url("/missing");
    let run = f.run(&[
        "subscribe",
        "add",
        &f.url,
        &missing,
        &f.server.url("/list2"),
        "--auto-endorse",
    ]);
    // The missing list fails (exit 10, named); the two others are added all the same.
    assert_eq!(run.code, 10, "{}", run.stderr);
    assert!(run.stderr.contains(&missing), "{}", run.stderr);
    let list = f.run(&["subscribe", "list"]);
    assert_eq!(list.stdout.lines().count(), 2, "{}", list.stdout);
    assert!(list.stdout.contains(LIST_ID) && list.stdout.contains("22222222-"));
    // A registry source is added on its own.
    f.run(&[
        "subscribe",
        "add",
        &f.url,
        "oci://registry.example/egi/ubuntu",
        "--tag",
        "22.04",
    ])
    .failure(2, &["on its own"]);
}
