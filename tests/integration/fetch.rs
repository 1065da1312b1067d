//! Transport tests against the loopback server: statuses, redirects, credentials, TLS
//! anchors, size limits, truncation, timeouts, Range resume, file URLs, proxies.

use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509NameBuilder, X509};
use url::Url;
use vmcatcher::fetch::{
    is_resumable, truncation, BodyTruncated, FetchError, FetchOptions, Fetcher, ProxyConfig,
    Secret, TlsAnchors, UrlFetcher, MAX_LIST_BYTES,
};

use crate::support::http::{Route, TestServer};

// ---------------------------------------------------------------------------------------
// A minimal test PKI: one CA and a server certificate for 127.0.0.1 and localhost.

struct Pki {
    ca: X509,
    server_cert: X509,
    server_key: PKey<Private>,
}

fn key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

fn cert(cn: &str, key: &PKey<Private>, issuer: Option<(&X509, &PKey<Private>)>, ca: bool) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("O", "vmcatcher tests").unwrap();
    name.append_entry_by_text("CN", cn).unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    let mut serial = BigNum::new().unwrap();
    serial.rand(64, MsbOption::MAYBE_ZERO, false).unwrap();
    b.set_serial_number(&serial.to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(issuer.map_or(&name, |(c, _)| c.subject_name()))
        .unwrap();
    b.set_pubkey(key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    if ca {
        b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .unwrap(),
        )
        .unwrap();
    } else {
        b.append_extension(BasicConstraints::new().build().unwrap())
            .unwrap();
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .build()
                .unwrap(),
        )
        .unwrap();
        b.append_extension(ExtendedKeyUsage::new().server_auth().build().unwrap())
            .unwrap();
        let san = SubjectAlternativeName::new()
            .ip("127.0.0.1")
            .dns("localhost")
            .build(&b.x509v3_context(issuer.map(|(c, _)| c.as_ref()), None))
            .unwrap();
        b.append_extension(san).unwrap();
    }
    let signing_key = issuer.map_or(key, |(_, k)| k);
    b.sign(signing_key, MessageDigest::sha256()).unwrap();
    b.build()
}

fn pki() -> Pki {
    let ca_key = key();
    let ca = cert("Test CA", &ca_key, None, true);
    let server_key = key();
    let server_cert = cert("127.0.0.1", &server_key, Some((&ca, &ca_key)), false);
    Pki {
        ca,
        server_cert,
        server_key,
    }
}

fn https_server(pki: &Pki) -> TestServer {
    TestServer::https(&pki.server_cert, &pki.server_key, &[])
}

// ---------------------------------------------------------------------------------------

/// Short timeouts and no proxy, whatever the machine's environment says.
fn opts() -> FetchOptions {
    FetchOptions {
        connect_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        proxy: ProxyConfig::none(),
        ..FetchOptions::default()
    }
}

fn fetch(url: &str, opts: &FetchOptions) -> Result<Vec<u8>, FetchError> {
    UrlFetcher.fetch_bytes(url, opts, MAX_LIST_BYTES)
}

fn body(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

fn one_line(err: &FetchError) -> String {
    let msg = err.to_string();
    assert!(!msg.contains('\n'), "message must be one line: {msg}");
    msg
}

#[test]
fn http_200_returns_the_body_and_identifies_itself() {
    let server = TestServer::http();
    server.route("/list", Route::ok("hello list"));
    assert_eq!(fetch(&server.url("/list"), &opts()).unwrap(), b"hello list");
    let req = &server.requests_to("/list")[0];
    assert_eq!(req.method, "GET");
    assert!(req.header("user-agent").unwrap().starts_with("vmcatcher/"));
    assert_eq!(req.header("accept-encoding"), None, "gzip must stay off");
    assert_eq!(req.header("authorization"), None);
}

#[test]
fn http_404_names_status_and_url() {
    let server = TestServer::http();
    let err = fetch(&server.url("/missing?x=1"), &opts()).unwrap_err();
    assert!(
        matches!(err, FetchError::HttpStatus { status: 404, .. }),
        "{err:?}"
    );
    let msg = one_line(&err);
    assert!(
        msg.contains("404") && msg.contains(&server.url("/missing?x=1")),
        "{msg}"
    );
    assert!(!err.is_transient());
}

#[test]
fn redirect_chain_is_followed_and_query_kept() {
    let server = TestServer::http();
    server.route("/a", Route::redirect(302, "/b?token=abc"));
    server.route(
        "/b",
        Route::redirect(301, server.url("/c?token=abc&step=2")),
    );
    server.route("/c", Route::redirect(307, "d?final=1"));
    server.route("/d", Route::ok("arrived"));
    assert_eq!(fetch(&server.url("/a"), &opts()).unwrap(), b"arrived");
    let targets: Vec<_> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        ["/a", "/b?token=abc", "/c?token=abc&step=2", "/d?final=1"]
    );
}

#[test]
fn too_many_redirects_is_an_error() {
    let server = TestServer::http();
    server.route("/loop", Route::redirect(302, "/loop?again"));
    let o = FetchOptions {
        max_redirects: 3,
        ..opts()
    };
    let err = fetch(&server.url("/loop"), &o).unwrap_err();
    assert!(
        matches!(err, FetchError::TooManyRedirects { max: 3, .. }),
        "{err:?}"
    );
    assert!(one_line(&err).contains("redirect loop"));
    assert_eq!(
        server.requests().len(),
        4,
        "the first request and 3 redirects"
    );
}

#[test]
fn basic_auth_is_sent_and_checked() {
    let server = TestServer::http();
    server.route(
        "/private",
        Route::ok("secret list").require_basic_auth("alice", "s3cret"),
    );
    let mut o = opts();
    o.basic_auth = Some(("alice".into(), Secret::new("s3cret")));
    assert_eq!(fetch(&server.url("/private"), &o).unwrap(), b"secret list");
    assert_eq!(
        server.requests_to("/private")[0].header("authorization"),
        Some("Basic YWxpY2U6czNjcmV0")
    );

    o.basic_auth = Some(("alice".into(), Secret::new("wrong-password")));
    let err = fetch(&server.url("/private"), &o).unwrap_err();
    let msg = one_line(&err);
    assert!(
        matches!(err, FetchError::HttpStatus { status: 401, .. }),
        "{err:?}"
    );
    assert!(
        msg.contains("--password-file") && !msg.contains("wrong-password"),
        "{msg}"
    );
}

#[test]
fn basic_auth_is_not_forwarded_to_another_host() {
    let server = TestServer::http();
    server.route(
        "/start",
        Route::redirect(302, server.url_with_host("localhost", "/elsewhere?q=1")),
    );
    server.route("/elsewhere", Route::ok("public"));
    let mut o = opts();
    o.basic_auth = Some(("alice".into(), Secret::new("s3cret")));
    assert_eq!(fetch(&server.url("/start"), &o).unwrap(), b"public");
    assert!(server.requests_to("/start")[0]
        .header("authorization")
        .is_some());
    let hop = &server.requests_to("/elsewhere")[0];
    assert_eq!(hop.target, "/elsewhere?q=1");
    assert_eq!(
        hop.header("authorization"),
        None,
        "credentials leaked across hosts"
    );
    assert!(hop.header("host").unwrap().starts_with("localhost:"));
}

#[test]
fn a_bearer_token_and_the_accept_header_follow_the_same_rules_and_headers_come_back() {
    // A registry's blob redirect to object storage on another host: no token there.
    let server = TestServer::http();
    server.route(
        "/v2/r/blobs/x",
        Route::redirect(307, server.url_with_host("localhost", "/storage?sig=1")),
    );
    server.route(
        "/storage",
        Route::ok("blob").header("Docker-Content-Digest", "d"),
    );
    let mut o = opts();
    o.bearer_token = Some(Secret::new("tok3n"));
    o.basic_auth = Some(("alice".into(), Secret::new("s3cret")));
    o.accept = Some("application/vnd.oci.image.manifest.v1+json".into());
    let answer = UrlFetcher
        .fetch_response(&server.url("/v2/r/blobs/x"), &o, 1024)
        .unwrap();
    assert_eq!((answer.status, answer.body.as_slice()), (200, &b"blob"[..]));
    assert_eq!(answer.header("docker-content-digest"), Some("d"));
    let first = &server.requests_to("/v2/r/blobs/x")[0];
    assert_eq!(first.header("authorization"), Some("Bearer tok3n"));
    assert_eq!(
        first.header("accept"),
        Some("application/vnd.oci.image.manifest.v1+json")
    );
    let hop = &server.requests_to("/storage")[0];
    assert_eq!(
        hop.header("authorization"),
        None,
        "token leaked across hosts"
    );

    // A 401 is an answer for fetch_response (its challenge steers the token flow).
    server.route(
        "/v2/",
        Route::status(401, "").header("WWW-Authenticate", "Bearer realm=\"r\""),
    );
    let answer = UrlFetcher
        .fetch_response(&server.url("/v2/"), &opts(), 1024)
        .unwrap();
    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.header("www-authenticate"),
        Some("Bearer realm=\"r\"")
    );
}

#[test]
fn credentials_in_the_url_are_refused_without_echoing_them() {
    let server = TestServer::http();
    let url = server.url("/x").replace("http://", "http://bob:hunter2@");
    let err = fetch(&url, &opts()).unwrap_err();
    let msg = one_line(&err);
    assert!(matches!(err, FetchError::BadUrl { .. }), "{err:?}");
    assert!(!msg.contains("hunter2") && !msg.contains("bob"), "{msg}");
    assert!(server.requests().is_empty());
}

#[test]
fn https_with_the_test_ca_in_igtf_and_both_modes() {
    let pki = pki();
    let server = https_server(&pki);
    server.route("/list", Route::ok("over tls"));
    for anchors in [TlsAnchors::Igtf, TlsAnchors::Both] {
        let o = FetchOptions {
            tls_anchors: anchors,
            extra_roots: vec![pki.ca.clone()],
            ..opts()
        };
        assert_eq!(
            fetch(&server.url("/list"), &o).unwrap(),
            b"over tls",
            "{anchors}"
        );
        // Also by name: the certificate has a DNS SAN for localhost.
        assert_eq!(
            fetch(&server.url_with_host("localhost", "/list"), &o).unwrap(),
            b"over tls"
        );
    }
}

#[test]
fn https_with_an_untrusted_certificate_fails_with_advice() {
    let pki = pki();
    let other = pki_ca_only();
    let server = https_server(&pki);
    server.route("/list", Route::ok("over tls"));
    let cases = [
        // System roots do not know the test CA, and System ignores extra_roots.
        (TlsAnchors::System, vec![pki.ca.clone()]),
        // The trust directory holds some other CA only.
        (TlsAnchors::Igtf, vec![other.clone()]),
        (TlsAnchors::Igtf, vec![]),
        (TlsAnchors::Both, vec![other]),
    ];
    for (anchors, roots) in cases {
        let o = FetchOptions {
            tls_anchors: anchors,
            extra_roots: roots,
            ..opts()
        };
        let err = fetch(&server.url("/list"), &o).unwrap_err();
        assert!(matches!(err, FetchError::Tls { .. }), "{anchors}: {err:?}");
        let msg = one_line(&err);
        assert!(
            msg.contains("--tls-anchors") && msg.contains("server certificate"),
            "{msg}"
        );
        assert!(msg.contains(&server.url("/list")), "{msg}");
    }
    assert!(
        server.requests().is_empty(),
        "no request may pass an unverified handshake"
    );
}

fn pki_ca_only() -> X509 {
    cert("Unrelated CA", &key(), None, true)
}

#[test]
fn tls_anchors_none_accepts_any_certificate() {
    let pki = pki();
    let server = https_server(&pki);
    server.route("/list", Route::ok("unverified"));
    let o = FetchOptions {
        tls_anchors: TlsAnchors::None,
        ..opts()
    };
    assert_eq!(fetch(&server.url("/list"), &o).unwrap(), b"unverified");
}

#[test]
fn oversize_list_is_refused() {
    let server = TestServer::http();
    server.route("/big", Route::ok(body(2000)));
    server.route("/big-unannounced", Route::ok(body(2000)).without_length());
    // A 100 GB promise is refused from the head alone, nothing read.
    server.route("/huge", Route::ok(body(10)).promise_length(100 << 30));
    for path in ["/big", "/big-unannounced"] {
        let err = UrlFetcher
            .fetch_bytes(&server.url(path), &opts(), 1000)
            .unwrap_err();
        assert!(
            matches!(err, FetchError::TooLarge { limit: 1000, .. }),
            "{path}: {err:?}"
        );
    }
    let started = Instant::now();
    let err = fetch(&server.url("/huge"), &opts()).unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        UrlFetcher
            .fetch_bytes(&server.url("/big"), &opts(), 2000)
            .unwrap(),
        body(2000)
    );
}

#[test]
fn truncated_body_is_detected() {
    let server = TestServer::http();
    server.route("/cut", Route::ok(body(1000)).drop_after(500));
    let err = fetch(&server.url("/cut"), &opts()).unwrap_err();
    assert!(
        matches!(
            err,
            FetchError::Truncated {
                expected: 1000,
                received: 500,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_transient());

    let mut download = UrlFetcher
        .open_stream(&server.url("/cut"), &opts(), 0)
        .unwrap();
    let mut got = Vec::new();
    let io_err = download.reader.read_to_end(&mut got).unwrap_err();
    assert_eq!(io_err.kind(), io::ErrorKind::UnexpectedEof);
    assert!(is_resumable(&io_err));
    assert_eq!(
        truncation(&io_err),
        Some(&BodyTruncated {
            expected: 1000,
            received: 500
        })
    );
    assert_eq!(
        got,
        &body(1000)[..500],
        "the bytes before the cut are usable for a resume"
    );
}

#[test]
fn extra_bytes_after_the_promised_length_are_not_read() {
    let server = TestServer::http();
    server.route("/more", Route::ok(body(100)).send_extra(vec![0xAA; 50]));
    assert_eq!(fetch(&server.url("/more"), &opts()).unwrap(), body(100));
}

#[test]
fn read_timeout_fires_on_a_silent_server() {
    let server = TestServer::http();
    server.route(
        "/slow",
        Route::ok("late").delay_head(Duration::from_secs(4)),
    );
    let o = FetchOptions {
        read_timeout: Duration::from_secs(1),
        ..opts()
    };
    let started = Instant::now();
    let err = fetch(&server.url("/slow"), &o).unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(err, FetchError::Timeout { secs: 1, .. }),
        "{err:?}"
    );
    assert!(one_line(&err).contains("timed out after 1 s"));
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    assert!(err.is_transient());
}

#[test]
fn read_timeout_fires_mid_body_as_a_resumable_error() {
    let server = TestServer::http();
    server.route(
        "/stall",
        Route::ok(body(1000)).stall_after(100, Duration::from_secs(4)),
    );
    let o = FetchOptions {
        read_timeout: Duration::from_secs(1),
        ..opts()
    };
    let started = Instant::now();
    let mut download = UrlFetcher
        .open_stream(&server.url("/stall"), &o, 0)
        .unwrap();
    let mut got = Vec::new();
    let err = download.reader.read_to_end(&mut got).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    assert!(err.to_string().contains("timed out after 1 s"), "{err}");
    assert!(is_resumable(&err));
    assert_eq!(got.len(), 100);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn read_timeout_fires_when_the_tls_handshake_stalls() {
    // Accepts TCP, never speaks TLS: the handshake must end with the read timeout.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = std::thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_secs(4));
        drop(conn);
    });
    let o = FetchOptions {
        read_timeout: Duration::from_secs(1),
        ..opts()
    };
    let started = Instant::now();
    let err = fetch(&format!("https://127.0.0.1:{port}/list"), &o).unwrap_err();
    assert!(
        matches!(err, FetchError::Timeout { secs: 1, .. }),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    drop(holder); // detached; ends by itself within 4 s
}

#[test]
fn connection_refused_is_reported_as_such() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = fetch(&format!("http://127.0.0.1:{port}/list"), &opts()).unwrap_err();
    assert!(matches!(err, FetchError::Connect { .. }), "{err:?}");
    let msg = one_line(&err);
    assert!(
        msg.to_lowercase().contains("refused") && msg.contains("cannot connect"),
        "{msg}"
    );
    assert!(err.is_transient());
}

#[test]
fn range_resume_continues_at_the_offset() {
    let server = TestServer::http();
    server.route("/image", Route::ok(body(1000)));
    let mut d = UrlFetcher
        .open_stream(&server.url("/image"), &opts(), 400)
        .unwrap();
    assert!(d.resumed);
    assert_eq!(
        (d.status, d.content_length, d.total_size),
        (206, Some(600), Some(1000))
    );
    let mut got = Vec::new();
    d.reader.read_to_end(&mut got).unwrap();
    assert_eq!(got, &body(1000)[400..]);
    assert_eq!(
        server.requests_to("/image")[0].header("range"),
        Some("bytes=400-")
    );

    // A fresh download sends no Range.
    let mut d = UrlFetcher
        .open_stream(&server.url("/image"), &opts(), 0)
        .unwrap();
    assert!(!d.resumed);
    assert_eq!((d.status, d.total_size), (200, Some(1000)));
    let mut got = Vec::new();
    d.reader.read_to_end(&mut got).unwrap();
    assert_eq!(got, body(1000));
    assert_eq!(server.requests_to("/image")[1].header("range"), None);
}

#[test]
fn a_server_ignoring_range_means_start_over() {
    let server = TestServer::http();
    server.route("/image", Route::ok(body(1000)).ignore_range());
    let mut d = UrlFetcher
        .open_stream(&server.url("/image"), &opts(), 400)
        .unwrap();
    assert!(!d.resumed);
    assert_eq!((d.status, d.total_size), (200, Some(1000)));
    let mut got = Vec::new();
    d.reader.read_to_end(&mut got).unwrap();
    assert_eq!(got, body(1000));
}

#[test]
fn a_range_past_the_end_is_a_416_error() {
    let server = TestServer::http();
    server.route("/image", Route::ok(body(100)));
    let err = UrlFetcher
        .open_stream(&server.url("/image"), &opts(), 100)
        .unwrap_err();
    assert!(
        matches!(err, FetchError::HttpStatus { status: 416, .. }),
        "{err:?}"
    );
}

#[test]
fn wrong_bytes_are_passed_through_for_the_checksum_to_catch() {
    let server = TestServer::http();
    server.route("/image", Route::ok(body(100)).corrupt_at(10));
    let got = fetch(&server.url("/image"), &opts()).unwrap();
    assert_eq!(got.len(), 100);
    assert_ne!(got, body(100));
}

#[test]
fn file_urls_read_seek_and_report_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image list.smime");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(&body(300))
        .unwrap();
    let url = Url::from_file_path(&path).unwrap().to_string();
    assert!(url.contains("%20"), "{url}");
    assert_eq!(fetch(&url, &opts()).unwrap(), body(300));
    let err = UrlFetcher.fetch_bytes(&url, &opts(), 299).unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err:?}");

    // An image stream from file:// only when the caller allows it (a list read from file://).
    let err = UrlFetcher.open_stream(&url, &opts(), 0).unwrap_err();
    assert!(
        matches!(err, FetchError::FileImageRefused { .. }),
        "{err:?}"
    );
    let local = FetchOptions {
        file_images: true,
        ..opts()
    };
    let mut d = UrlFetcher.open_stream(&url, &local, 100).unwrap();
    assert!(d.resumed);
    assert_eq!((d.content_length, d.total_size), (Some(200), Some(300)));
    let mut got = Vec::new();
    d.reader.read_to_end(&mut got).unwrap();
    assert_eq!(got, &body(300)[100..]);

    let missing = Url::from_file_path(dir.path().join("nope"))
        .unwrap()
        .to_string();
    let err = fetch(&missing, &opts()).unwrap_err();
    assert!(matches!(err, FetchError::FileNotFound { .. }), "{err:?}");
    assert!(one_line(&err).contains("nope"));
}

#[test]
fn unsupported_schemes_are_named() {
    for url in ["ftp://example.org/list", "gopher://example.org/x"] {
        let err = fetch(url, &opts()).unwrap_err();
        assert!(
            matches!(err, FetchError::UnsupportedScheme { .. }),
            "{err:?}"
        );
        assert!(one_line(&err).contains("https, http and file"));
    }
    let err = fetch("not a url", &opts()).unwrap_err();
    assert!(matches!(err, FetchError::BadUrl { .. }), "{err:?}");
}

#[test]
fn a_redirect_to_a_file_url_is_refused() {
    let server = TestServer::http();
    server.route("/evil", Route::redirect(302, "file:///etc/passwd"));
    let err = fetch(&server.url("/evil"), &opts()).unwrap_err();
    assert!(
        matches!(err, FetchError::UnsupportedScheme { .. }),
        "{err:?}"
    );
}

#[test]
fn http_requests_go_through_the_configured_proxy_unless_no_proxy() {
    // The loopback server plays the proxy: it receives the absolute-form request.
    let proxy = TestServer::http();
    proxy.route("/list", Route::ok("via proxy"));
    let mut o = opts();
    o.proxy = ProxyConfig::from_lookup(|name| match name {
        "http_proxy" => Some(proxy.url("/")),
        "no_proxy" => Some("direct.invalid".into()),
        _ => None,
    });
    assert_eq!(
        fetch("http://lists.example.invalid/list?v=2", &o).unwrap(),
        b"via proxy"
    );
    assert_eq!(
        proxy.requests()[0].target,
        "http://lists.example.invalid/list?v=2"
    );
    assert_eq!(proxy.requests()[0].header("proxy-authorization"), None);

    let err = fetch("http://direct.invalid/list", &o).unwrap_err();
    assert!(
        matches!(err, FetchError::Connect { .. }),
        "no_proxy host must be connected to directly: {err:?}"
    );
    assert_eq!(proxy.requests().len(), 1);
}

#[test]
fn proxy_credentials_are_sent_to_the_proxy_only() {
    let proxy = TestServer::http();
    proxy.route("/list", Route::ok("via proxy"));
    let proxy_url = proxy
        .url("/")
        .replace("http://", "http://squid%20user:pa%3Ass@");
    let mut o = opts();
    o.proxy = ProxyConfig::from_lookup(|name| (name == "http_proxy").then(|| proxy_url.clone()));
    assert_eq!(
        fetch("http://lists.example.invalid/list", &o).unwrap(),
        b"via proxy"
    );
    let req = &proxy.requests()[0];
    // base64("squid user:pa:ss")
    assert_eq!(
        req.header("proxy-authorization"),
        Some("Basic c3F1aWQgdXNlcjpwYTpzcw==")
    );
    assert_eq!(req.header("authorization"), None);
}
