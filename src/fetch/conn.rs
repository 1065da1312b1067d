//! Connections: TCP (direct or through a proxy), TLS on top, and the per-run pool that
//! keeps HTTP/1.1 connections alive between the lists and images of one run.
//!
//! Sockets are blocking with `SO_RCVTIMEO`; a deadline (`http.transfer_timeout`) is
//! enforced by shortening the socket timeout before each read, so no timer thread is
//! needed and a server dribbling one byte per read is still cut at the deadline.

use std::collections::HashMap;
use std::io::{self, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use openssl::ssl::{HandshakeError, SslStream};
use url::Url;

use super::options::{FetchOptions, TlsAnchors};
use super::tls::{self, TlsKey};
use super::wire::{self, Head};

/// Idle connections kept per destination; lists and images are fetched one at a time
/// per host, a few parallel downloads at most.
const MAX_IDLE_PER_KEY: usize = 4;

/// Idle time after which a pooled connection is not tried again: servers close idle
/// connections after 5–15 s (Apache: 5 s), and a stale connection costs a retry.
const MAX_IDLE: Duration = Duration::from_secs(30);

/// Buffer for the response head and small bodies; large reads bypass it.
const BUFFER: usize = 64 * 1024;

/// The TCP socket with the timeouts of the current request.
pub(crate) struct TimedTcp {
    tcp: TcpStream,
    read_timeout: Duration,
    deadline: Option<Instant>,
}

/// The error payload of a read or write refused because the deadline has passed.
#[derive(Debug)]
pub(crate) struct DeadlinePassed;

impl std::fmt::Display for DeadlinePassed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the transfer deadline has passed")
    }
}

impl std::error::Error for DeadlinePassed {}

impl TimedTcp {
    /// The socket timeout for the next operation: the read timeout, shortened to what is
    /// left of the deadline.
    fn next_timeout(&self) -> io::Result<Duration> {
        match self.deadline {
            None => Ok(self.read_timeout),
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, DeadlinePassed));
                }
                Ok(left.min(self.read_timeout))
            }
        }
    }

    fn set_timeouts(
        &mut self,
        read_timeout: Duration,
        deadline: Option<Instant>,
    ) -> io::Result<()> {
        self.read_timeout = read_timeout.max(Duration::from_millis(1));
        self.deadline = deadline;
        let timeout = self.next_timeout()?;
        self.tcp.set_read_timeout(Some(timeout))?;
        self.tcp.set_write_timeout(Some(timeout))
    }
}

impl Read for TimedTcp {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.deadline.is_some() {
            let timeout = self.next_timeout()?;
            self.tcp.set_read_timeout(Some(timeout))?;
        }
        self.tcp.read(buf)
    }
}

impl Write for TimedTcp {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.deadline.is_some() {
            let timeout = self.next_timeout()?;
            self.tcp.set_write_timeout(Some(timeout))?;
        }
        self.tcp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

/// Plain or TLS.
pub(crate) enum Stream {
    Plain(TimedTcp),
    Tls(Box<SslStream<TimedTcp>>),
}

impl Stream {
    fn tcp(&mut self) -> &mut TimedTcp {
        match self {
            Stream::Plain(tcp) => tcp,
            Stream::Tls(tls) => tls.get_mut(),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// Where a connection goes: requests to the same key may share it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    https: bool,
    host: String,
    port: u16,
    proxy: Option<String>,
    tls: Option<TlsKey>,
}

impl Key {
    pub(crate) fn new(url: &Url, proxy: Option<&Url>, opts: &FetchOptions) -> Result<Key, Failure> {
        let https = url.scheme() == "https";
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or(Failure::BadUrl)?
            .to_owned();
        let port = url.port_or_known_default().ok_or(Failure::BadUrl)?;
        let tls = if https {
            Some(TlsKey::of(opts).map_err(Failure::Tls)?)
        } else {
            None
        };
        Ok(Key {
            https,
            host,
            port,
            proxy: proxy.map(|p| p.as_str().to_owned()),
            tls,
        })
    }

    /// The host without IPv6 brackets, for DNS, SNI and certificate checks.
    fn bare_host(&self) -> &str {
        self.host.trim_start_matches('[').trim_end_matches(']')
    }
}

/// Why a connection could not be opened, before the caller names the URL.
#[derive(Debug)]
pub(crate) enum Failure {
    BadUrl,
    /// Connect (or DNS) failed; `TimedOut` for a connect timeout.
    Connect(io::Error),
    /// Reading or writing failed (`WouldBlock` when the read timeout expired).
    Io(io::Error),
    /// The TLS handshake failed, or the TLS settings are unusable.
    Tls(String),
    /// The proxy answered CONNECT with this status.
    Proxy(u16),
    /// The answer cannot be parsed.
    Invalid(String),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

/// One HTTP/1.1 connection, buffered for reading.
pub(crate) struct Connection {
    pub(crate) io: BufReader<Stream>,
    pub(crate) key: Key,
    /// Served at least one response already (so a failure may be a stale connection).
    pub(crate) reused: bool,
}

impl Connection {
    /// Whether a read would return at once: bytes buffered here or in TLS, or waiting in
    /// the socket (or its end).
    pub(crate) fn data_ready(&mut self) -> bool {
        if !self.io.buffer().is_empty() {
            return true;
        }
        let stream = self.io.get_mut();
        if let Stream::Tls(tls) = stream {
            if tls.ssl().pending() > 0 {
                return true;
            }
        }
        socket_readable(&stream.tcp().tcp)
    }

    pub(crate) fn set_timeouts(
        &mut self,
        read_timeout: Duration,
        deadline: Option<Instant>,
    ) -> io::Result<()> {
        self.io.get_mut().tcp().set_timeouts(read_timeout, deadline)
    }
}

type Idle = Vec<(Connection, Instant)>;

fn pool() -> &'static Mutex<HashMap<Key, Idle>> {
    static POOL: OnceLock<Mutex<HashMap<Key, Idle>>> = OnceLock::new();
    POOL.get_or_init(Mutex::default)
}

/// An idle connection for `key`, if one was kept and is not too old.
pub(crate) fn take_idle(key: &Key) -> Option<Connection> {
    let mut pool = pool()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let idle = pool.get_mut(key)?;
    while let Some((conn, since)) = idle.pop() {
        if since.elapsed() < MAX_IDLE {
            return Some(conn);
        }
    }
    None
}

/// Keep `conn` for the next request to the same place. Only connections whose response
/// was read to its end, with nothing more buffered, come here.
pub(crate) fn put_idle(mut conn: Connection) {
    if !conn.io.buffer().is_empty() {
        return;
    }
    conn.reused = true;
    let mut pool = pool()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let idle = pool.entry(conn.key.clone()).or_default();
    idle.retain(|(_, since)| since.elapsed() < MAX_IDLE);
    if idle.len() < MAX_IDLE_PER_KEY {
        idle.push((conn, Instant::now()));
    }
}

/// A new connection for `key`: TCP to the host or the proxy, a CONNECT tunnel for https
/// through a proxy, then the TLS handshake for https.
pub(crate) fn open(
    key: Key,
    proxy: Option<&Url>,
    opts: &FetchOptions,
    deadline: Option<Instant>,
) -> Result<Connection, Failure> {
    let connect_timeout = match deadline {
        Some(d) => opts
            .connect_timeout
            .min(d.saturating_duration_since(Instant::now())),
        None => opts.connect_timeout,
    };
    let tcp = match proxy {
        Some(p) => {
            let host = p.host_str().ok_or(Failure::BadUrl)?;
            let port = p.port_or_known_default().unwrap_or(8080);
            connect_tcp(
                host.trim_start_matches('[').trim_end_matches(']'),
                port,
                connect_timeout,
            )?
        }
        None => connect_tcp(key.bare_host(), key.port, connect_timeout)?,
    };
    let _ = tcp.set_nodelay(true);
    let mut timed = TimedTcp {
        tcp,
        read_timeout: opts.read_timeout,
        deadline: None,
    };
    timed.set_timeouts(opts.read_timeout, deadline)?;
    if !key.https {
        return Ok(Connection {
            io: BufReader::with_capacity(BUFFER, Stream::Plain(timed)),
            key,
            reused: false,
        });
    }
    if let Some(p) = proxy {
        tunnel(&mut timed, &key, p)?;
    }
    let connector = tls::connector(key.tls.ok_or(Failure::BadUrl)?, opts).map_err(Failure::Tls)?;
    let mut config = connector
        .configure()
        .map_err(|e| Failure::Tls(e.to_string()))?;
    if opts.tls_anchors == TlsAnchors::None {
        config = config.verify_hostname(false);
    }
    let tls = match config.connect(key.bare_host(), timed) {
        Ok(tls) => tls,
        Err(HandshakeError::WouldBlock(_)) => {
            // SO_RCVTIMEO expired mid-handshake: the server accepted and stays silent.
            return Err(Failure::Io(io::ErrorKind::WouldBlock.into()));
        }
        Err(HandshakeError::Failure(mid)) => {
            let verify = mid.ssl().verify_result();
            let error = mid.into_error();
            if let Some(io) = error.io_error() {
                if matches!(
                    io.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) {
                    return Err(Failure::Io(io::Error::new(io.kind(), io.to_string())));
                }
            }
            let detail = if verify == openssl::x509::X509VerifyResult::OK {
                error.to_string()
            } else {
                format!("certificate verify failed: {}", verify.error_string())
            };
            return Err(Failure::Tls(detail));
        }
        Err(HandshakeError::SetupFailure(e)) => return Err(Failure::Tls(e.to_string())),
    };
    Ok(Connection {
        io: BufReader::with_capacity(BUFFER, Stream::Tls(Box::new(tls))),
        key,
        reused: false,
    })
}

/// `poll` with a zero timeout: data (or the end of the stream) is waiting.
fn socket_readable(tcp: &TcpStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut fd = libc::pollfd {
        fd: tcp.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd on a descriptor `tcp` keeps open, count 1, no timeout.
    let rc = unsafe { libc::poll(&raw mut fd, 1, 0) };
    rc > 0 && fd.revents & libc::POLLIN != 0
}

fn connect_tcp(host: &str, port: u16, timeout: Duration) -> Result<TcpStream, Failure> {
    if timeout.is_zero() {
        return Err(Failure::Connect(io::ErrorKind::TimedOut.into()));
    }
    let addrs = (host, port).to_socket_addrs().map_err(Failure::Connect)?;
    let mut last = io::Error::new(io::ErrorKind::NotFound, format!("no address for {host}"));
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(tcp) => return Ok(tcp),
            Err(e) => last = e,
        }
    }
    Err(Failure::Connect(last))
}

/// `CONNECT host:port` through the proxy; its credentials (from its URL) go only to it.
fn tunnel(tcp: &mut TimedTcp, key: &Key, proxy: &Url) -> Result<(), Failure> {
    let authority = format!("{}:{}", key.host, key.port);
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(value) = wire::proxy_credentials(proxy) {
        request.push_str(&format!("Proxy-Authorization: {value}\r\n"));
    }
    request.push_str("\r\n");
    tcp.write_all(request.as_bytes())?;
    tcp.flush()?;
    // Read the answer's head byte by byte: nothing of the TLS stream may be consumed.
    let mut reader = BufReader::with_capacity(1, tcp);
    let head: Head = wire::read_head(&mut reader).map_err(|e| match e {
        wire::HeadError::Io(e) => Failure::Io(e),
        wire::HeadError::Invalid(d) => Failure::Invalid(d),
    })?;
    if !(200..300).contains(&head.status) {
        return Err(Failure::Proxy(head.status));
    }
    Ok(())
}
