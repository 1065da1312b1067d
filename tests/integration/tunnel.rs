//! https through a proxy: a CONNECT tunnel, its credentials for the proxy only, the
//! proxy's refusal named, and the tunnel kept alive like any connection.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use vmcatcher::fetch::{FetchError, FetchOptions, Fetcher, ProxyConfig, TlsAnchors, UrlFetcher};

use crate::support::http::{KeepAlive, Route, TestServer};
use crate::support::pki::pki;

/// A CONNECT-only proxy on 127.0.0.1: records each request head, answers `status`, and
/// for 200 pipes the bytes to the target both ways. Threads end with their sockets.
struct ConnectProxy {
    port: u16,
    heads: Arc<Mutex<Vec<String>>>,
}

impl ConnectProxy {
    fn start(status: u16) -> ConnectProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let recorded = heads.clone();
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let recorded = recorded.clone();
                thread::spawn(move || {
                    let _ = tunnel(client, status, &recorded);
                });
            }
        });
        ConnectProxy { port, heads }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

fn tunnel(mut client: TcpStream, status: u16, heads: &Mutex<Vec<String>>) -> io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte)? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    heads.lock().unwrap().push(head.clone());
    if status != 200 {
        return client.write_all(
            format!("HTTP/1.1 {status} Refused\r\nContent-Length: 0\r\n\r\n").as_bytes(),
        );
    }
    let target = head.split(' ').nth(1).unwrap_or_default().to_owned();
    let server = TcpStream::connect(target)?;
    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    let (mut up_from, mut up_to) = (client.try_clone()?, server.try_clone()?);
    let up = thread::spawn(move || {
        let _ = io::copy(&mut up_from, &mut up_to);
        let _ = up_to.shutdown(Shutdown::Write);
    });
    let (mut down_from, mut down_to) = (server, client);
    let _ = io::copy(&mut down_from, &mut down_to);
    let _ = down_to.shutdown(Shutdown::Both);
    let _ = up.join();
    Ok(())
}

fn https_server() -> TestServer {
    let p = pki();
    TestServer::https(
        &p.tls_server.cert,
        &p.tls_server.key,
        std::slice::from_ref(&p.issuing.cert),
    )
}

fn opts(proxy_url: String) -> FetchOptions {
    FetchOptions {
        tls_anchors: TlsAnchors::Igtf,
        extra_roots: vec![pki().root.cert.clone(), pki().issuing.cert.clone()],
        proxy: ProxyConfig::from_lookup(move |name| {
            (name == "https_proxy").then(|| proxy_url.clone())
        }),
        ..FetchOptions::default()
    }
}

#[test]
fn https_goes_through_a_connect_tunnel_with_the_proxy_credentials_only_there() {
    let server = https_server();
    server.keep_alive(KeepAlive::Keep);
    server.route("/list", Route::ok("through the tunnel"));
    let proxy = ConnectProxy::start(200);
    let o = opts(format!(
        "http://squid%20user:pa%3Ass@127.0.0.1:{}",
        proxy.port
    ));
    for _ in 0..2 {
        let got = UrlFetcher
            .fetch_bytes(&server.url("/list"), &o, 1000)
            .unwrap();
        assert_eq!(got, b"through the tunnel");
    }
    let heads = proxy.heads();
    assert_eq!(
        heads.len(),
        1,
        "the tunnel is kept for the second request: {heads:?}"
    );
    let authority = format!("127.0.0.1:{}", server.port());
    assert!(
        heads[0].starts_with(&format!("CONNECT {authority} HTTP/1.1\r\n")),
        "{heads:?}"
    );
    // base64("squid user:pa:ss")
    assert!(
        heads[0].contains("Proxy-Authorization: Basic c3F1aWQgdXNlcjpwYTpzcw==\r\n"),
        "{heads:?}"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests
        .iter()
        .all(|r| r.header("proxy-authorization").is_none() && r.target == "/list"));
}

#[test]
fn a_proxy_refusing_the_tunnel_is_named_with_its_status() {
    let server = https_server();
    server.route("/list", Route::ok("never"));
    let proxy = ConnectProxy::start(407);
    let o = opts(format!("http://127.0.0.1:{}", proxy.port));
    let err = UrlFetcher
        .fetch_bytes(&server.url("/list"), &o, 1000)
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Proxy { status: 407, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("refused to tunnel") && msg.contains("https_proxy"),
        "{msg}"
    );
    assert!(server.requests().is_empty());
}
