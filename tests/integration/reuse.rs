//! Connection reuse: one TLS handshake per host for a whole run, and servers that close
//! kept-alive connections between requests.

use std::io::Read;

use vmcatcher::fetch::{FetchOptions, Fetcher, ProxyConfig, TlsAnchors, UrlFetcher};

use crate::support::http::{KeepAlive, Route, TestServer};
use crate::support::lists::{trust_dir, ListSpec};
use crate::support::pki::{pki, TrustDirOptions};
use crate::support::TestEnv;

fn https_server() -> TestServer {
    let p = pki();
    TestServer::https(
        &p.tls_server.cert,
        &p.tls_server.key,
        std::slice::from_ref(&p.issuing.cert),
    )
}

/// Three different lists on one server, each subscribed in its own run.
fn three_subscriptions(server: &TestServer) -> TestEnv {
    let env = TestEnv::new();
    trust_dir(&env, &TrustDirOptions::default());
    for n in 1..=3 {
        let mut spec = ListSpec::new("1");
        spec.identifier = format!("00000000-0000-4000-8000-00000000000{n}");
        server.route(&format!("/list{n}"), Route::ok(spec.signed()));
        env.run(&[
            "subscribe",
            "add",
            &server.url(&format!("/list{n}")),
            "--auto-endorse",
            "--tls-anchors",
            "igtf",
        ])
        .success();
    }
    env
}

#[test]
fn several_https_lists_of_one_host_share_one_tls_handshake() {
    let server = https_server();
    server.keep_alive(KeepAlive::Keep);
    let env = three_subscriptions(&server);
    let (handshakes, requests) = (server.connections(), server.requests().len());
    env.run(&["subscribe", "update"]).success();
    assert_eq!(server.requests().len() - requests, 3, "one GET per list");
    assert_eq!(
        server.connections() - handshakes,
        1,
        "the three lists of one run share one connection"
    );
}

#[test]
fn a_server_closing_kept_alive_connections_between_requests_still_works() {
    let server = https_server();
    server.keep_alive(KeepAlive::CloseSilently);
    let env = three_subscriptions(&server);
    let (handshakes, requests) = (server.connections(), server.requests().len());
    env.run(&["subscribe", "update"]).success();
    // Each list costs a new connection, and at most one wasted try on the closed one.
    assert_eq!(server.connections() - handshakes, 3);
    assert_eq!(server.requests().len() - requests, 3);
}

fn opts() -> FetchOptions {
    FetchOptions {
        tls_anchors: TlsAnchors::Igtf,
        extra_roots: vec![pki().root.cert.clone(), pki().issuing.cert.clone()],
        proxy: ProxyConfig::none(),
        ..FetchOptions::default()
    }
}

#[test]
fn images_and_lists_reuse_the_connection_only_when_read_to_the_end() {
    let server = https_server();
    server.keep_alive(KeepAlive::Keep);
    server.route("/list", Route::ok("a list"));
    server.route("/image", Route::ok(vec![7u8; 300_000]));
    let o = opts();
    for _ in 0..3 {
        let list = UrlFetcher
            .fetch_bytes(&server.url("/list"), &o, 1000)
            .unwrap();
        assert_eq!(list, b"a list");
        let mut image = UrlFetcher
            .open_stream(&server.url("/image"), &o, 0)
            .unwrap();
        let mut got = Vec::new();
        image.reader.read_to_end(&mut got).unwrap();
        assert_eq!(got.len(), 300_000);
    }
    assert_eq!(server.connections(), 1, "six requests, one connection");
    // An image abandoned half way closes its connection: the next request opens a new one.
    let mut image = UrlFetcher
        .open_stream(&server.url("/image"), &o, 0)
        .unwrap();
    image.reader.read_exact(&mut [0u8; 1000]).unwrap();
    drop(image);
    assert_eq!(
        UrlFetcher
            .fetch_bytes(&server.url("/list"), &o, 1000)
            .unwrap(),
        b"a list"
    );
    assert_eq!(server.connections(), 2);
}

#[test]
fn plain_http_connections_are_kept_too_and_redirects_reuse_them() {
    let server = TestServer::http();
    server.keep_alive(KeepAlive::Keep);
    server.route("/old", Route::redirect(301, "/new"));
    server.route("/new", Route::ok("moved here"));
    let o = FetchOptions {
        proxy: ProxyConfig::none(),
        ..FetchOptions::default()
    };
    for _ in 0..2 {
        assert_eq!(
            UrlFetcher
                .fetch_bytes(&server.url("/old"), &o, 1000)
                .unwrap(),
            b"moved here"
        );
    }
    assert_eq!(server.requests().len(), 4);
    assert_eq!(server.connections(), 1);
    server.keep_alive(KeepAlive::CloseSilently);
    for _ in 0..2 {
        assert_eq!(
            UrlFetcher
                .fetch_bytes(&server.url("/new"), &o, 1000)
                .unwrap(),
            b"moved here"
        );
    }
}

#[test]
fn chunked_bodies_are_decoded_and_keep_the_connection() {
    let server = TestServer::http();
    server.keep_alive(KeepAlive::Keep);
    let content: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    server.route("/chunked", Route::ok(content.clone()).chunked(7_000));
    server.route(
        "/cut",
        Route::ok(content.clone()).chunked(7_000).drop_after(20_000),
    );
    let o = FetchOptions {
        proxy: ProxyConfig::none(),
        ..FetchOptions::default()
    };
    for _ in 0..2 {
        let got = UrlFetcher
            .fetch_bytes(&server.url("/chunked"), &o, 1 << 20)
            .unwrap();
        assert_eq!(got, content);
    }
    assert_eq!(server.connections(), 1);
    // A chunked body cut short is an error to resume, never a short success.
    let mut image = UrlFetcher.open_stream(&server.url("/cut"), &o, 0).unwrap();
    let err = image.reader.read_to_end(&mut Vec::new()).unwrap_err();
    assert!(vmcatcher::fetch::is_resumable(&err), "{err}");
}
