//! HTTP/1.1 on a connection: the request, the response head, and the body framing
//! (`Content-Length`, chunked, or up to the end of the connection).
//!
//! A body read to its end hands its connection back to the pool, so the next list or
//! image of the same host skips the TCP and TLS setup.

use std::io::{self, BufRead, Read, Write};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use percent_encoding::percent_decode_str;
use url::Url;

use super::conn::{self, Connection};

/// Longest response head accepted (status line and headers).
const MAX_HEAD: usize = 64 * 1024;
/// Most header lines accepted.
const MAX_HEADERS: usize = 200;

/// A parsed status line and headers. Header names are lower-case.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub(crate) status: u16,
    /// `HTTP/1.1` (true) or `HTTP/1.0`.
    pub(crate) http11: bool,
    pub(crate) headers: Vec<(String, String)>,
}

impl Head {
    /// The first value of `name` (lower-case).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name` (lower-case).
    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether a `Connection` header lists `token`.
    fn connection_has(&self, token: &str) -> bool {
        self.all("connection")
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    fn chunked(&self) -> bool {
        self.all("transfer-encoding")
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case("chunked"))
    }
}

#[derive(Debug)]
pub(crate) enum HeadError {
    Io(io::Error),
    Invalid(String),
}

impl From<io::Error> for HeadError {
    fn from(e: io::Error) -> Self {
        HeadError::Io(e)
    }
}

/// One request: `target` is the origin form (`/path?q`) or, through a proxy for plain
/// http, the absolute URL. Header values were checked for line breaks by the caller.
pub(crate) fn write_request<W: Write>(
    out: &mut W,
    target: &str,
    host: &str,
    headers: &[(&str, String)],
) -> io::Result<()> {
    let mut request = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\n");
    for (name, value) in headers {
        request.push_str(name);
        request.push_str(": ");
        request.push_str(value);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    out.write_all(request.as_bytes())?;
    out.flush()
}

/// Reads a response head, skipping `1xx` interim answers. An end of stream before the
/// first byte is `UnexpectedEof` (how a stale kept-alive connection shows).
pub(crate) fn read_head<R: BufRead>(input: &mut R) -> Result<Head, HeadError> {
    loop {
        let head = read_one_head(input)?;
        if !(100..200).contains(&head.status) {
            return Ok(head);
        }
    }
}

fn read_one_head<R: BufRead>(input: &mut R) -> Result<Head, HeadError> {
    let mut total = 0usize;
    let mut line = Vec::new();
    let mut next_line = |line: &mut Vec<u8>, total: &mut usize| -> Result<bool, HeadError> {
        line.clear();
        let n = input
            .by_ref()
            .take((MAX_HEAD - *total + 1) as u64)
            .read_until(b'\n', line)?;
        *total += n;
        if *total > MAX_HEAD {
            return Err(HeadError::Invalid(format!(
                "response head longer than {MAX_HEAD} bytes"
            )));
        }
        if n == 0 || line.last() != Some(&b'\n') {
            return Ok(false);
        }
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Ok(true)
    };
    if !next_line(&mut line, &mut total)? {
        return Err(if total == 0 {
            HeadError::Io(io::ErrorKind::UnexpectedEof.into())
        } else {
            HeadError::Invalid("the connection closed inside the status line".into())
        });
    }
    let status_line = String::from_utf8_lossy(&line).into_owned();
    let (http11, status) = parse_status_line(&status_line).ok_or_else(|| {
        HeadError::Invalid(format!(
            "not an HTTP status line: '{}'",
            status_line
                .chars()
                .take(60)
                .collect::<String>()
                .escape_default()
        ))
    })?;
    let mut headers = Vec::new();
    loop {
        if !next_line(&mut line, &mut total)? {
            return Err(HeadError::Invalid(
                "the connection closed inside the response headers".into(),
            ));
        }
        if line.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(HeadError::Invalid(format!(
                "more than {MAX_HEADERS} response headers"
            )));
        }
        let text = String::from_utf8_lossy(&line);
        let (name, value) = text
            .split_once(':')
            .filter(|(n, _)| !n.is_empty() && !n.contains([' ', '\t']))
            .ok_or_else(|| HeadError::Invalid("malformed response header line".into()))?;
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    Ok(Head {
        status,
        http11,
        headers,
    })
}

/// `HTTP/1.x NNN reason` → (is 1.1, NNN).
fn parse_status_line(line: &str) -> Option<(bool, u16)> {
    let rest = line.strip_prefix("HTTP/1.")?;
    let (minor, rest) = rest.split_once(' ')?;
    let http11 = match minor {
        "0" => false,
        "1" => true,
        _ => return None,
    };
    let code = rest.get(..3)?;
    if !code.bytes().all(|b| b.is_ascii_digit()) || rest.len() > 3 && !rest[3..].starts_with(' ') {
        return None;
    }
    Some((http11, code.parse().ok()?))
}

/// `Basic base64(user:password)` from a proxy URL's (percent-encoded) userinfo.
pub(crate) fn proxy_credentials(proxy: &Url) -> Option<String> {
    if proxy.username().is_empty() {
        return None;
    }
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    let user = decode(proxy.username());
    let password = decode(proxy.password().unwrap_or(""));
    Some(basic(&user, &password))
}

/// The value of a basic-auth header.
pub(crate) fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
}

/// How the body ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// This many bytes are left.
    Length(u64),
    /// Chunked: bytes left in the current chunk (0: a size line comes next).
    Chunked(u64),
    /// Up to the end of the connection.
    Close,
    /// Read to its end.
    Done,
}

/// Bytes a read gathers before returning (when the caller's buffer is that large): TLS
/// gives one 16 KiB record per read, and every read of an image costs a write, a hand-over
/// to the hashing thread and a progress update.
const FILL: usize = 256 * 1024;

/// A response body over its connection; the connection goes back to the pool once the
/// body has been read to its end, and is closed when the body is dropped before.
pub(crate) struct Body {
    conn: Option<Connection>,
    framing: Framing,
    reusable: bool,
    /// An error met after some bytes of a read: returned by the next read.
    deferred: Option<io::Error>,
}

impl Body {
    /// The body announced by `head` (a GET answer); `Content-Length` was validated.
    pub(crate) fn new(conn: Connection, head: &Head, length: Option<u64>) -> Body {
        let framing = if matches!(head.status, 204 | 304) {
            Framing::Length(0)
        } else if head.chunked() {
            Framing::Chunked(0)
        } else {
            match length {
                Some(n) => Framing::Length(n),
                None => Framing::Close,
            }
        };
        let reusable = head.http11 && !head.connection_has("close") && framing != Framing::Close;
        let mut body = Body {
            conn: Some(conn),
            framing,
            reusable,
            deferred: None,
        };
        if body.framing == Framing::Length(0) {
            body.finish();
        }
        body
    }

    /// Reads and drops a small body (a redirect's), so its connection can serve the next
    /// hop; a large one just closes the connection.
    pub(crate) fn discard(mut self) {
        let limit = 64 * 1024;
        let _ = io::copy(&mut self.by_ref().take(limit), &mut io::sink());
    }

    fn finish(&mut self) {
        self.framing = Framing::Done;
        if let Some(conn) = self.conn.take() {
            if self.reusable {
                conn::put_idle(conn);
            }
        }
    }

    fn conn(&mut self) -> io::Result<&mut Connection> {
        self.conn
            .as_mut()
            .ok_or_else(|| io::Error::other("the body's connection is gone"))
    }

    /// Reads the next chunk-size line; `false` at the last (empty) chunk.
    fn next_chunk(&mut self) -> io::Result<bool> {
        let conn = self.conn()?;
        let size_line = read_line(&mut conn.io)?;
        let size = size_line.split(';').next().unwrap_or("").trim();
        let size = u64::from_str_radix(size, 16).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "invalid chunk size in the response body",
            )
        })?;
        if size > 0 {
            self.framing = Framing::Chunked(size);
            return Ok(true);
        }
        // Trailers up to the empty line.
        while !read_line(&mut conn.io)?.is_empty() {}
        Ok(false)
    }
}

/// One line (without CRLF), at most 4 KiB; the end of the stream is `UnexpectedEof`.
fn read_line<R: BufRead>(input: &mut R) -> io::Result<String> {
    let mut line = Vec::new();
    input.by_ref().take(4096).read_until(b'\n', &mut line)?;
    if line.last() != Some(&b'\n') {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection closed inside a chunked body",
        ));
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

impl Read for Body {
    /// Gathers up to [`FILL`] bytes of what has already arrived, never waiting for more
    /// once it has some (a slow body reaches its caller, the minimum-rate rule and the
    /// progress, read by read); an error after some bytes waits for the next call.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(e) = self.deferred.take() {
            return Err(e);
        }
        let want = buf.len().min(FILL);
        let mut filled = 0;
        while filled < want {
            match self.read_once(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if filled > 0 => {
                    self.deferred = Some(e);
                    break;
                }
                Err(e) => return Err(e),
            }
            if self.framing == Framing::Done
                || !self.conn.as_mut().is_some_and(Connection::data_ready)
            {
                break;
            }
        }
        Ok(filled)
    }
}

impl Body {
    /// One read from the connection, within the framing.
    fn read_once(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        match self.framing {
            Framing::Done => Ok(0),
            Framing::Close => {
                let n = self.conn()?.io.read(buf)?;
                if n == 0 {
                    self.finish();
                }
                Ok(n)
            }
            Framing::Length(left) => {
                let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                let n = self.conn()?.io.read(&mut buf[..want])?;
                if n == 0 {
                    // Cut short: the caller's length check reports it; never reuse.
                    self.reusable = false;
                    self.finish();
                    return Ok(0);
                }
                self.framing = Framing::Length(left - n as u64);
                if left == n as u64 {
                    self.finish();
                }
                Ok(n)
            }
            Framing::Chunked(0) => {
                if self.next_chunk()? {
                    self.read_once(buf)
                } else {
                    self.finish();
                    Ok(0)
                }
            }
            Framing::Chunked(left) => {
                let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                let conn = self.conn()?;
                let n = conn.io.read(&mut buf[..want])?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the connection closed inside a chunked body",
                    ));
                }
                let left = left - n as u64;
                if left == 0 && !read_line(&mut conn.io)?.is_empty() {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "a chunk of the response body is longer than announced",
                    ));
                }
                self.framing = Framing::Chunked(left);
                Ok(n)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Result<Head, HeadError> {
        read_head(&mut text.as_bytes())
    }

    #[test]
    fn heads_parse_and_interim_answers_are_skipped() {
        let h = head("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 206 Partial\r\nContent-Range: bytes 1-2/3\r\nX: a:b\r\n\r\nbody").unwrap();
        assert_eq!(h.status, 206);
        assert!(h.http11);
        assert_eq!(h.get("content-range"), Some("bytes 1-2/3"));
        assert_eq!(h.get("x"), Some("a:b"));
        assert!(head("HTTP/1.0 200\n\n").is_ok());
        assert!(
            matches!(head(""), Err(HeadError::Io(e)) if e.kind() == io::ErrorKind::UnexpectedEof)
        );
        assert!(matches!(
            head("SSH-2.0-OpenSSH\r\n\r\n"),
            Err(HeadError::Invalid(_))
        ));
        assert!(matches!(
            head("HTTP/1.1 200 OK\r\nX: 1\r\n"),
            Err(HeadError::Invalid(_))
        ));
        assert!(matches!(
            head("HTTP/1.1 20x OK\r\n\r\n"),
            Err(HeadError::Invalid(_))
        ));
    }

    #[test]
    fn an_endless_head_is_refused() {
        let endless = format!("HTTP/1.1 200 OK\r\n{}", "X: y\r\n".repeat(20_000));
        assert!(matches!(head(&endless), Err(HeadError::Invalid(_))));
    }

    #[test]
    fn proxy_userinfo_is_decoded() {
        let url = Url::parse("http://squid%20user:pa%3Ass@p:3128/").unwrap();
        assert_eq!(
            proxy_credentials(&url).unwrap(),
            "Basic c3F1aWQgdXNlcjpwYTpzcw=="
        );
        assert!(proxy_credentials(&Url::parse("http://p:3128/").unwrap()).is_none());
    }
}
