//! A loopback HTTP(S) server for tests: std threads, no async runtime.
//!
//! Each route says how to misbehave (ignore ranges, drop the connection, stall, redirect,
//! ask for credentials...). Every request is recorded for assertions. Everything is
//! bounded: sockets time out after [`SOCKET_TIMEOUT`], delays are explicit, and dropping
//! the server stops the accept loop.
#![allow(dead_code)] // not every test binary uses every knob

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use openssl::pkey::{PKeyRef, Private};
use openssl::ssl::{SslAcceptor, SslMethod};
use openssl::x509::{X509Ref, X509};

/// Read/write timeout of every accepted socket, so no handler thread outlives a test by much.
pub(crate) const SOCKET_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_HEAD: usize = 64 * 1024;

/// How a route answers.
#[derive(Clone, Debug)]
pub(crate) struct Route {
    status: u16,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
    honour_range: bool,
    length: Length,
    drop_after: Option<usize>,
    extra: Vec<u8>,
    redirect: Option<String>,
    basic_auth: Option<String>,
    head_delay: Duration,
    stall: Option<(usize, Duration)>,
    dribble_head: Option<Duration>,
    dribble_body: Option<Duration>,
}

#[derive(Clone, Copy, Debug)]
enum Length {
    /// `Content-Length` = bytes of the body.
    Exact,
    /// `Content-Length` = this, whatever is sent.
    Promise(u64),
    /// No `Content-Length`: the end of the body is the end of the connection.
    Close,
    /// `Transfer-Encoding: chunked`, chunks of this many bytes.
    Chunked(usize),
}

impl Route {
    /// 200 with `body` and its `Content-Length`; honours `Range: bytes=N-`.
    pub(crate) fn ok(body: impl Into<Vec<u8>>) -> Self {
        Route {
            status: 200,
            body: body.into(),
            headers: Vec::new(),
            honour_range: true,
            length: Length::Exact,
            drop_after: None,
            extra: Vec::new(),
            redirect: None,
            basic_auth: None,
            head_delay: Duration::ZERO,
            stall: None,
            dribble_head: None,
            dribble_body: None,
        }
    }

    /// Any status with a body (Range is not applied to non-200 answers).
    pub(crate) fn status(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Route {
            status,
            ..Route::ok(body)
        }
    }

    /// `status` (301, 302, 307...) with `Location: location` (absolute or relative).
    pub(crate) fn redirect(status: u16, location: impl Into<String>) -> Self {
        Route {
            redirect: Some(location.into()),
            ..Route::status(status, Vec::new())
        }
    }

    /// Answer 200 with the whole body even when a Range is asked for.
    pub(crate) fn ignore_range(mut self) -> Self {
        self.honour_range = false;
        self
    }

    /// Close the connection after `n` body bytes (the head still promises the full length).
    pub(crate) fn drop_after(mut self, n: usize) -> Self {
        self.drop_after = Some(n);
        self
    }

    /// Send these bytes after the promised body.
    pub(crate) fn send_extra(mut self, extra: impl Into<Vec<u8>>) -> Self {
        self.extra = extra.into();
        self
    }

    /// Flip the bits of the body byte at `offset` (serve wrong bytes, right length).
    pub(crate) fn corrupt_at(mut self, offset: usize) -> Self {
        self.body[offset] ^= 0xff;
        self
    }

    /// Announce `n` bytes in `Content-Length` whatever the body is.
    pub(crate) fn promise_length(mut self, n: u64) -> Self {
        self.length = Length::Promise(n);
        self
    }

    /// Send no `Content-Length`; close the connection to end the body.
    pub(crate) fn without_length(mut self) -> Self {
        self.length = Length::Close;
        self
    }

    /// Send the body with `Transfer-Encoding: chunked`, `size` bytes a chunk.
    pub(crate) fn chunked(mut self, size: usize) -> Self {
        self.length = Length::Chunked(size);
        self
    }

    /// Answer 401 unless the request carries these basic-auth credentials.
    pub(crate) fn require_basic_auth(mut self, user: &str, password: &str) -> Self {
        self.basic_auth = Some(format!(
            "Basic {}",
            base64(format!("{user}:{password}").as_bytes())
        ));
        self
    }

    /// Wait before sending anything (to trigger a read timeout on the response head).
    pub(crate) fn delay_head(mut self, delay: Duration) -> Self {
        self.head_delay = delay;
        self
    }

    /// Send `n` body bytes, then wait `delay` before the rest (a read timeout mid-body).
    pub(crate) fn stall_after(mut self, n: usize, delay: Duration) -> Self {
        self.stall = Some((n, delay));
        self
    }

    /// Send the status line and headers one byte at a time, `pause` apart (a server that
    /// keeps every read busy and still never finishes its answer).
    pub(crate) fn dribble_head(mut self, pause: Duration) -> Self {
        self.dribble_head = Some(pause);
        self
    }

    /// Send the body one byte at a time, `pause` apart.
    pub(crate) fn dribble_body(mut self, pause: Duration) -> Self {
        self.dribble_body = Some(pause);
        self
    }

    /// An extra response header.
    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub(crate) struct Recorded {
    pub method: String,
    /// The request target: path and query (or the absolute URL when sent to a proxy).
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Recorded {
    /// First value of a header, case-insensitively.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query (and without scheme and host for proxy requests).
    pub(crate) fn path(&self) -> &str {
        route_path(&self.target)
    }
}

/// What the server does with a connection after an answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum KeepAlive {
    /// Say `Connection: close` and close (the default).
    #[default]
    Never,
    /// Keep the connection open for more requests (HTTP/1.1 persistent connections).
    Keep,
    /// Promise nothing (no `Connection: close`) but close anyway after each answer, as a
    /// server does whose idle timeout ran out between two requests.
    CloseSilently,
}

#[derive(Default)]
struct State {
    routes: Mutex<HashMap<String, Route>>,
    requests: Mutex<Vec<Recorded>>,
    keep_alive: Mutex<KeepAlive>,
    /// Accepted connections (for https: completed TLS handshakes).
    connections: AtomicUsize,
}

/// A running server on 127.0.0.1; stops accepting when dropped.
pub(crate) struct TestServer {
    addr: SocketAddr,
    scheme: &'static str,
    state: Arc<State>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Plain HTTP.
    pub(crate) fn http() -> Self {
        Self::start(None)
    }

    /// HTTPS presenting `cert` (plus `chain`) with `key`.
    pub(crate) fn https(cert: &X509Ref, key: &PKeyRef<Private>, chain: &[X509]) -> Self {
        let mut builder =
            SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).expect("ssl acceptor");
        builder.set_certificate(cert).expect("server certificate");
        builder.set_private_key(key).expect("server key");
        for c in chain {
            builder
                .add_extra_chain_cert(c.clone())
                .expect("chain certificate");
        }
        builder
            .check_private_key()
            .expect("key matches certificate");
        Self::start(Some(Arc::new(builder.build())))
    }

    fn start(tls: Option<Arc<SslAcceptor>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(State::default());
        let stop = Arc::new(AtomicBool::new(false));
        let scheme = if tls.is_some() { "https" } else { "http" };
        let acceptor = {
            let (state, stop) = (state.clone(), stop.clone());
            thread::spawn(move || accept_loop(listener, tls, state, stop))
        };
        TestServer {
            addr,
            scheme,
            state,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// Add or replace the route for `path` (matched without the query string).
    pub(crate) fn route(&self, path: &str, route: Route) -> &Self {
        self.state
            .routes
            .lock()
            .unwrap()
            .insert(path.to_owned(), route);
        self
    }

    /// `scheme://127.0.0.1:port` + `path_and_query`.
    pub(crate) fn url(&self, path_and_query: &str) -> String {
        self.url_with_host("127.0.0.1", path_and_query)
    }

    /// The same server under another host name (`localhost` counts as another host).
    pub(crate) fn url_with_host(&self, host: &str, path_and_query: &str) -> String {
        format!(
            "{}://{}:{}{}",
            self.scheme,
            host,
            self.addr.port(),
            path_and_query
        )
    }

    pub(crate) fn port(&self) -> u16 {
        self.addr.port()
    }

    /// How connections are kept after an answer.
    pub(crate) fn keep_alive(&self, mode: KeepAlive) -> &Self {
        *self.state.keep_alive.lock().unwrap() = mode;
        self
    }

    /// Connections accepted so far (for https: completed TLS handshakes).
    pub(crate) fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// Every request so far, in arrival order.
    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    /// The requests whose path (without query) is `path`.
    pub(crate) fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path() == path)
            .collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(handle) = self.acceptor.take() {
            let _ = handle.join();
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    tls: Option<Arc<SslAcceptor>>,
    state: Arc<State>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let (tls, state) = (tls.clone(), state.clone());
                thread::spawn(move || {
                    let _ = serve_connection(stream, tls, &state);
                });
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(5));
            }
            Err(_) => thread::sleep(Duration::from_millis(5)),
        }
    }
}

fn serve_connection(
    stream: TcpStream,
    tls: Option<Arc<SslAcceptor>>,
    state: &State,
) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(SOCKET_TIMEOUT))?;
    stream.set_write_timeout(Some(SOCKET_TIMEOUT))?;
    let raw = stream.try_clone()?;
    let result = if let Some(acceptor) = tls {
        let mut tls_stream = acceptor.accept(stream).map_err(io::Error::other)?;
        state.connections.fetch_add(1, Ordering::SeqCst);
        let r = serve_all(&mut tls_stream, state);
        let _ = tls_stream.shutdown();
        r
    } else {
        state.connections.fetch_add(1, Ordering::SeqCst);
        let mut plain = stream;
        serve_all(&mut plain, state)
    };
    let _ = raw.shutdown(Shutdown::Both);
    result
}

/// Answers requests until the client hangs up, or after one unless kept alive.
fn serve_all<S: Read + Write>(stream: &mut S, state: &State) -> io::Result<()> {
    while serve(stream, state)? {
        if *state.keep_alive.lock().unwrap() != KeepAlive::Keep {
            break;
        }
    }
    Ok(())
}

/// One request and its answer; false when the client sent nothing more or the answer
/// ends with the connection (a body cut short, or one without a length).
fn serve<S: Read + Write>(stream: &mut S, state: &State) -> io::Result<bool> {
    let Some(request) = read_head(stream)? else {
        return Ok(false);
    };
    let close = *state.keep_alive.lock().unwrap() == KeepAlive::Never;
    let route = state
        .routes
        .lock()
        .unwrap()
        .get(route_path(&request.target))
        .cloned();
    let ends = route
        .as_ref()
        .is_some_and(|r| r.drop_after.is_some() || matches!(r.length, Length::Close));
    answer(stream, state, &request, close)?;
    Ok(!ends)
}

fn answer<S: Read + Write>(
    stream: &mut S,
    state: &State,
    request: &Recorded,
    close: bool,
) -> io::Result<()> {
    state.requests.lock().unwrap().push(request.clone());
    let route = state
        .routes
        .lock()
        .unwrap()
        .get(route_path(&request.target))
        .cloned();
    let Some(route) = route else {
        return write_response(stream, 404, &[], Some(9), b"not found", close);
    };
    if !route.head_delay.is_zero() {
        thread::sleep(route.head_delay);
    }
    if let Some(expected) = &route.basic_auth {
        if request.header("authorization") != Some(expected.as_str()) {
            let headers = [(
                "WWW-Authenticate".to_owned(),
                "Basic realm=\"test\"".to_owned(),
            )];
            return write_response(stream, 401, &headers, Some(12), b"unauthorized", close);
        }
    }
    let mut headers = route.headers.clone();
    if let Some(location) = &route.redirect {
        headers.push(("Location".into(), location.clone()));
        return write_response(stream, route.status, &headers, Some(0), b"", close);
    }

    let mut status = route.status;
    let mut body: &[u8] = &route.body;
    let range_from = request
        .header("range")
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse::<usize>().ok());
    if let (Some(from), true, 200) = (range_from, route.honour_range, route.status) {
        let total = route.body.len();
        if from >= total {
            headers.push(("Content-Range".into(), format!("bytes */{total}")));
            return write_response(stream, 416, &headers, Some(0), b"", close);
        }
        status = 206;
        headers.push((
            "Content-Range".into(),
            format!("bytes {from}-{}/{total}", total - 1),
        ));
        body = &route.body[from..];
    }
    let close = close || matches!(route.length, Length::Close);
    let length = match route.length {
        Length::Exact => Some(body.len() as u64),
        Length::Promise(n) => Some(n),
        Length::Close | Length::Chunked(_) => None,
    };
    let mut payload = body.to_vec();
    if let Length::Chunked(size) = route.length {
        headers.push(("Transfer-Encoding".into(), "chunked".into()));
        let mut encoded = Vec::new();
        for chunk in payload.chunks(size.max(1)) {
            encoded.extend_from_slice(format!("{:x};ext=1\r\n", chunk.len()).as_bytes());
            encoded.extend_from_slice(chunk);
            encoded.extend_from_slice(b"\r\n");
        }
        encoded.extend_from_slice(b"0\r\nX-Trailer: yes\r\n\r\n");
        payload = encoded;
    }
    payload.extend_from_slice(&route.extra);
    if let Some(n) = route.drop_after {
        payload.truncate(n);
    }
    match route.dribble_head {
        Some(pause) => {
            let mut head = Vec::new();
            write_head(&mut head, status, &headers, length, close)?;
            dribble(stream, &head, pause)?;
        }
        None => write_head(stream, status, &headers, length, close)?,
    }
    if let Some(pause) = route.dribble_body {
        return dribble(stream, &payload, pause);
    }
    match route.stall {
        Some((n, delay)) if n < payload.len() => {
            stream.write_all(&payload[..n])?;
            stream.flush()?;
            thread::sleep(delay);
            stream.write_all(&payload[n..])?;
        }
        _ => stream.write_all(&payload)?,
    }
    stream.flush()
}

/// One byte, flush, pause; ends with the first failed write (the client hung up) or
/// after [`SOCKET_TIMEOUT`] × 6 at most, so no handler outlives a test by much.
fn dribble<S: Write>(stream: &mut S, bytes: &[u8], pause: Duration) -> io::Result<()> {
    let started = std::time::Instant::now();
    for byte in bytes {
        if started.elapsed() > SOCKET_TIMEOUT * 6 {
            break;
        }
        stream.write_all(std::slice::from_ref(byte))?;
        stream.flush()?;
        thread::sleep(pause);
    }
    stream.flush()
}

fn write_head<S: Write>(
    stream: &mut S,
    status: u16,
    headers: &[(String, String)],
    length: Option<u64>,
    close: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    if close {
        head.push_str("Connection: close\r\n");
    }
    if let Some(len) = length {
        head.push_str(&format!("Content-Length: {len}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())
}

fn write_response<S: Write>(
    stream: &mut S,
    status: u16,
    headers: &[(String, String)],
    length: Option<u64>,
    body: &[u8],
    close: bool,
) -> io::Result<()> {
    write_head(stream, status, headers, length, close)?;
    stream.write_all(body)?;
    stream.flush()
}

/// Read the request line and headers (GET requests have no body).
fn read_head<S: Read>(stream: &mut S) -> io::Result<Option<Recorded>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        if buf.len() > MAX_HEAD {
            return Err(io::Error::other("request head too large"));
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines = text.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_owned();
    let target = first.next().unwrap_or("").to_owned();
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Ok(Some(Recorded {
        method,
        target,
        headers,
    }))
}

/// Path of a request target, without query; absolute-form targets (proxy requests) too.
fn route_path(target: &str) -> &str {
    let without_authority = match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    };
    without_authority.split(['?', '#']).next().unwrap_or("/")
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        416 => "Range Not Satisfiable",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

/// Standard base64, enough for a basic-auth header.
pub(crate) fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_matches_rfc4648_vectors() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foo"), "Zm9v");
    assert_eq!(base64(b"alice:s3cret"), "YWxpY2U6czNjcmV0");
}
