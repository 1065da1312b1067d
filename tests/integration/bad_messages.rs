//! Malformed S/MIME messages found by fuzzing: refused with exit code 11 and a clear
//! message, never a panic (exit code 101), and never in the way of other subscriptions.

use crate::support::http::{Route, TestServer};
use crate::support::lists::{trust_dir, ListSpec};
use crate::support::pki::TrustDirOptions;
use crate::support::{Run, TestEnv};

/// A header with a byte that is not UTF-8: OpenSSL's MIME parser puts the header value
/// into its error data, which the openssl crate unwrapped as UTF-8 (a panic).
const NON_UTF8_HEADER: &[u8] = b"Content-Type:\xb8";

const NOT_SIGNED: &str = "not an S/MIME signed message";

#[track_caller]
fn refused(run: &Run) {
    run.failure(11, &[NOT_SIGNED, "invalid mime type"]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn library_refuses_a_non_utf8_header() {
    let tmp = tempfile::TempDir::new().unwrap();
    let dir = tmp.path().join("certs");
    crate::support::pki::write_trust_dir(&dir, &TrustDirOptions::default()).unwrap();
    let store = vmcatcher::trust::TrustStore::load(&dir).unwrap();
    for raw in [
        NON_UTF8_HEADER,
        b"MIME-Version: 1.0\r\nContent-Type: multipart/sig\xffned; boundary=x\r\n\r\n",
    ] {
        match vmcatcher::trust::verify(&store, raw) {
            Err(vmcatcher::trust::TrustError::NotSigned { reason }) => {
                assert!(reason.contains("mime type"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let report = vmcatcher::trust::inspect(&store, raw);
        assert!(!report.is_ok());
        assert_eq!(report.checks.len(), 1);
    }
    // The error queue is left empty: a good message verifies right after.
    let good = ListSpec::new("1").signed();
    vmcatcher::trust::verify(&store, &good).unwrap();
}

#[test]
fn verify_and_subscribe_add_refuse_a_non_utf8_header() {
    let env = TestEnv::new();
    trust_dir(&env, &TrustDirOptions::default());
    let file = env.write("bad.smime", NON_UTF8_HEADER);
    let path = file.to_str().unwrap();
    refused(&env.run(&["verify", path]));
    let run = env.run(&["verify", path, "-f", "json"]);
    assert_eq!(run.code, 11, "{}", run.stderr);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["ok"], false);
    refused(&env.run(&[
        "subscribe",
        "add",
        &format!("file://{path}"),
        "--auto-endorse",
    ]));
    let list = env.run(&["subscribe", "list"]);
    list.success();
    assert_eq!(list.stdout, "", "nothing subscribed");
}

/// Two subscriptions; then the first serves the bad message and the second a new version.
fn two_subscriptions() -> (TestEnv, TestServer, String) {
    let env = TestEnv::new();
    trust_dir(&env, &TrustDirOptions::default());
    let server = TestServer::http();
    server.route("/bad", Route::ok(ListSpec::new("1").signed()));
    let mut healthy = ListSpec::new("1");
    healthy.identifier = "22222222-2222-3333-4444-555555555555".into();
    server.route("/healthy", Route::ok(healthy.signed()));
    for route in ["/bad", "/healthy"] {
        env.run(&["subscribe", "add", &server.url(route), "--auto-endorse"])
            .success();
    }
    server.route("/bad", Route::ok(NON_UTF8_HEADER.to_vec()));
    let mut newer = ListSpec::new("2");
    newer.identifier.clone_from(&healthy.identifier);
    server.route("/healthy", Route::ok(newer.signed()));
    (env, server, healthy.identifier)
}

#[track_caller]
fn healthy_updated(env: &TestEnv, identifier: &str) {
    let show = env.run(&["subscribe", "show", identifier]);
    show.success();
    assert!(
        show.stdout.contains("imagelist.hv:version=2\n"),
        "{}",
        show.stdout
    );
}

#[test]
fn a_bad_message_does_not_stop_subscribe_update() {
    let (env, _server, healthy) = two_subscriptions();
    refused(&env.run(&["subscribe", "update"]));
    healthy_updated(&env, &healthy);
}

#[test]
fn a_bad_message_does_not_stop_sync() {
    let (env, _server, healthy) = two_subscriptions();
    refused(&env.run(&["sync"]));
    healthy_updated(&env, &healthy);
}
