//! `http://` and `https://` on our own HTTP/1.1 client (`conn`, `wire`).
//!
//! One request at a time per connection; redirects are followed here because each hop
//! needs its own credential and proxy decision (`Authorization` never goes to another
//! host). Connections are kept alive between requests of one run (see `conn`).

use std::io::{self, Read};
use std::time::{Duration, Instant};

use url::{Position, Url};

use super::body::{read_error, CheckedBody};
use super::conn::{self, Connection, Failure, Key};
use super::download::Download;
use super::error::FetchError;
use super::location::{classify, redact_url, Scheme};
use super::options::FetchOptions;
use super::response::Response;
use super::wire::{self, Body, Head, HeadError};

/// A final (non-redirect, 2xx) answer.
struct Answer {
    url: String,
    status: u16,
    head: Head,
    length: Option<u64>,
    reader: Body,
}

/// What the transfer deadline covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Deadline {
    /// Everything up to the last body byte (image lists).
    Whole,
    /// Connect, request and response head; the body is read without it (images).
    Head,
}

/// The end of `http.transfer_timeout` for a transfer starting now.
struct Clock {
    deadline: Instant,
    secs: u64,
    covers: Deadline,
}

impl Clock {
    fn start(opts: &FetchOptions, covers: Deadline) -> Clock {
        Clock {
            deadline: Instant::now() + opts.transfer_timeout,
            secs: opts.transfer_timeout.as_secs(),
            covers,
        }
    }

    /// Time left, none when the deadline has passed.
    fn remaining(&self) -> Option<Duration> {
        Some(self.deadline.saturating_duration_since(Instant::now())).filter(|d| !d.is_zero())
    }

    /// Whether an error seen now is the deadline's doing: the socket timeout is cut to the
    /// deadline, which surfaces as a timeout or a TLS error depending on where it hits. A
    /// few milliseconds of slack cover a timeout firing a little early.
    fn expired(&self) -> bool {
        Instant::now() + Duration::from_millis(20) >= self.deadline
    }

    fn error(&self, url: &str) -> FetchError {
        FetchError::TransferTimeout {
            url: url.to_owned(),
            what: match self.covers {
                Deadline::Whole => "fetching",
                Deadline::Head => "waiting for the response headers of",
            },
            secs: self.secs,
        }
    }
}

pub(crate) fn fetch_bytes(
    url: &Url,
    opts: &FetchOptions,
    max_bytes: u64,
) -> Result<Vec<u8>, FetchError> {
    let clock = Clock::start(opts, Deadline::Whole);
    let answer = send(url, opts, None, &clock, false)?;
    read_all(answer, opts, max_bytes, &clock).map(|(_, body)| body)
}

/// As [`fetch_bytes`], with the status and headers of the answer; a 401 is an answer
/// too (its `WWW-Authenticate` challenge says how to authenticate), not an error.
pub(crate) fn fetch_response(
    url: &Url,
    opts: &FetchOptions,
    max_bytes: u64,
) -> Result<Response, FetchError> {
    let clock = Clock::start(opts, Deadline::Whole);
    let answer = send(url, opts, None, &clock, true)?;
    let status = answer.status;
    let (head, body) = read_all(answer, opts, max_bytes, &clock)?;
    Ok(Response {
        status,
        headers: head.headers,
        body,
    })
}

/// The whole body of `answer`, refused past `max_bytes` and at the deadline.
fn read_all(
    answer: Answer,
    opts: &FetchOptions,
    max_bytes: u64,
    clock: &Clock,
) -> Result<(Head, Vec<u8>), FetchError> {
    let length = answer.length;
    if length.is_some_and(|len| len > max_bytes) {
        return Err(FetchError::TooLarge {
            url: answer.url,
            limit: max_bytes,
        });
    }
    let body = CheckedBody::new(answer.reader, length, opts.read_timeout.as_secs());
    let mut out = Vec::with_capacity(length.unwrap_or(64 * 1024).min(max_bytes) as usize);
    // Bodies without a length (chunked, close-delimited) are capped while reading.
    let read = body.take(max_bytes.saturating_add(1)).read_to_end(&mut out);
    // A body "ending" at the deadline was cut by it (a close-delimited body ends cleanly).
    if clock.expired() {
        return Err(clock.error(&answer.url));
    }
    read.map_err(|e| read_error(e, &answer.url))?;
    if out.len() as u64 > max_bytes {
        return Err(FetchError::TooLarge {
            url: answer.url,
            limit: max_bytes,
        });
    }
    Ok((answer.head, out))
}

pub(crate) fn open_stream(
    url: &Url,
    opts: &FetchOptions,
    resume_from: u64,
) -> Result<Download, FetchError> {
    let clock = Clock::start(opts, Deadline::Head);
    let answer = send(
        url,
        opts,
        (resume_from > 0).then_some(resume_from),
        &clock,
        false,
    )?;
    let length = answer.length;
    let (resumed, total_size) = if answer.status == 206 {
        let (start, total) = content_range(&answer)?;
        if start != resume_from {
            return Err(FetchError::InvalidResponse {
                url: answer.url,
                detail: format!(
                    "asked for bytes from {resume_from}, got a range starting at {start}"
                ),
            });
        }
        (resume_from > 0, total)
    } else {
        // A 200 to a Range request: the server ignores ranges, start again from byte 0.
        (false, length)
    };
    Ok(Download {
        reader: Box::new(
            CheckedBody::new(answer.reader, length, opts.read_timeout.as_secs())
                .with_min_rate(opts.min_rate, opts.read_timeout),
        ),
        status: answer.status,
        content_length: length,
        resumed,
        total_size,
    })
}

/// The warning for basic-auth credentials sent over plain http (never the password).
pub fn plain_http_credentials(url: &str) -> String {
    format!(
        "the user name and password for {url} go over plain http, readable by anyone on the \
         way: use an https URL"
    )
}

/// Send a GET, following redirects, and return the first non-redirect 2xx answer (or a
/// 401 when `answer_401`).
fn send(
    start: &Url,
    opts: &FetchOptions,
    range_from: Option<u64>,
    clock: &Clock,
    answer_401: bool,
) -> Result<Answer, FetchError> {
    if !start.username().is_empty() || start.password().is_some() {
        return Err(FetchError::BadUrl {
            url: redact_url(start.as_str()),
            reason: "credentials in the URL are not accepted (they would end up in logs); \
                     use --username and --password-file"
                .into(),
        });
    }
    let mut url = start.clone();
    url.set_fragment(None);
    let mut redirects = 0u32;
    loop {
        let shown = redact_url(url.as_str());
        let credentials = (opts.basic_auth.is_some() || opts.bearer_token.is_some())
            .then_some(opts)
            .filter(|_| may_send_credentials(start, &url));
        tracing::debug!(url = %shown, range_from, auth = credentials.is_some(), "GET");
        if credentials.is_some() && url.scheme() == "http" {
            tracing::warn!("{}", plain_http_credentials(&shown));
        }
        if clock.remaining().is_none() {
            return Err(clock.error(&shown));
        }
        let headers = request_headers(&url, opts, range_from, credentials)?;
        let (head, conn) = exchange(&url, opts, &headers, clock).map_err(|e| {
            if clock.expired() {
                clock.error(&shown)
            } else {
                failure_error(e, &shown, &url, opts)
            }
        })?;
        let length = content_length(&head, &shown)?;
        let status = head.status;
        if is_redirect(status) {
            Body::new(conn, &head, length).discard();
            redirects += 1;
            if redirects > opts.max_redirects {
                return Err(FetchError::TooManyRedirects {
                    url: redact_url(start.as_str()),
                    max: opts.max_redirects,
                });
            }
            let next = redirect_target(&url, head.get("location"), &shown)?;
            if url.scheme() == "https" && next.scheme() == "http" {
                return Err(FetchError::Downgrade {
                    url: shown,
                    target: redact_url(next.as_str()),
                });
            }
            tracing::debug!(from = %shown, to = %redact_url(next.as_str()), status, "redirect");
            url = next;
            continue;
        }
        let answered = (200..300).contains(&status) || (answer_401 && status == 401);
        if !answered {
            return Err(status_error(status, shown));
        }
        let reader = Body::new(conn, &head, length);
        return Ok(Answer {
            url: shown,
            status,
            head,
            length,
            reader,
        });
    }
}

/// One request and its response head, on a kept-alive connection when there is one. A
/// kept-alive connection the server has closed in the meantime fails at once (write error,
/// or the end of the stream before any answer): the request is then sent again on a new
/// connection, which is safe for a GET.
fn exchange(
    url: &Url,
    opts: &FetchOptions,
    headers: &[(&str, String)],
    clock: &Clock,
) -> Result<(Head, Connection), Failure> {
    let proxy = opts.proxy.proxy_for(url);
    let key = Key::new(url, proxy, opts)?;
    let via_proxy = proxy.is_some() && url.scheme() == "http";
    let target = if via_proxy {
        url[..Position::AfterQuery].to_owned()
    } else {
        url[Position::BeforePath..Position::AfterQuery].to_owned()
    };
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    let mut idle = conn::take_idle(&key);
    loop {
        let fresh = idle.is_none();
        let mut conn = match idle.take() {
            Some(conn) => conn,
            None => conn::open(key.clone(), proxy, opts, Some(clock.deadline))?,
        };
        conn.set_timeouts(opts.read_timeout, Some(clock.deadline))?;
        let sent = wire::write_request(conn.io.get_mut(), &target, &host, headers);
        let head = sent
            .map_err(HeadError::Io)
            .and_then(|()| wire::read_head(&mut conn.io));
        match head {
            Ok(head) => {
                if clock.covers == Deadline::Head {
                    // Images: no deadline on a multi-GB body, the read timeout only.
                    conn.set_timeouts(opts.read_timeout, None)?;
                }
                return Ok((head, conn));
            }
            Err(HeadError::Io(e)) if !fresh && is_stale(&e) => {
                tracing::debug!(error = %e, "kept-alive connection closed by the server; reconnecting");
            }
            Err(HeadError::Io(e)) => return Err(Failure::Io(e)),
            Err(HeadError::Invalid(detail)) => return Err(Failure::Invalid(detail)),
        }
    }
}

/// How a kept-alive connection closed by the server shows on the next request.
fn is_stale(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

/// The request headers; `credentials` is `opts` when this hop may carry its credentials
/// (a bearer token if there is one, else the basic-auth pair).
fn request_headers(
    url: &Url,
    opts: &FetchOptions,
    range_from: Option<u64>,
    credentials: Option<&FetchOptions>,
) -> Result<Vec<(&'static str, String)>, FetchError> {
    let shown = redact_url(url.as_str());
    let checked = |what: &str, value: String| {
        if value.contains(['\r', '\n', '\0']) {
            Err(FetchError::BadUrl {
                url: shown.clone(),
                reason: format!("invalid {what} header value"),
            })
        } else {
            Ok(value)
        }
    };
    let mut headers = vec![
        (
            "User-Agent",
            checked("User-Agent", opts.user_agent.clone())?,
        ),
        (
            "Accept",
            checked(
                "Accept",
                opts.accept.clone().unwrap_or_else(|| "*/*".to_owned()),
            )?,
        ),
    ];
    if let Some(from) = range_from {
        headers.push(("Range", format!("bytes={from}-")));
    }
    if let Some(opts) = credentials {
        let value = match (&opts.bearer_token, &opts.basic_auth) {
            (Some(token), _) => Some(format!("Bearer {}", token.expose())),
            (None, Some((user, password))) => Some(wire::basic(user, password.expose())),
            (None, None) => None,
        };
        if let Some(value) = value {
            headers.push(("Authorization", checked("Authorization", value)?));
        }
    }
    // A plain http request through a proxy carries the proxy's credentials itself; for
    // https they go in the CONNECT request only.
    if url.scheme() == "http" {
        if let Some(value) = opts.proxy.proxy_for(url).and_then(wire::proxy_credentials) {
            headers.push(("Proxy-Authorization", value));
        }
    }
    if url.scheme() == "https" && opts.tls_anchors == super::TlsAnchors::None {
        tracing::warn!(url = %shown, "TLS certificate verification is disabled (--tls-anchors none)");
    }
    Ok(headers)
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Resolve `Location` against the current URL; only http(s) targets, without userinfo or
/// fragment. The query string is kept as the server wrote it.
fn redirect_target(current: &Url, location: Option<&str>, shown: &str) -> Result<Url, FetchError> {
    let invalid = |detail: String| FetchError::InvalidResponse {
        url: shown.to_owned(),
        detail,
    };
    let location = location.ok_or_else(|| invalid("redirect without a Location header".into()))?;
    let mut next = current
        .join(location.trim())
        .map_err(|e| invalid(format!("redirect to an invalid URL ({e})")))?;
    if classify(&next)? != Scheme::Http {
        return Err(FetchError::UnsupportedScheme {
            url: redact_url(next.as_str()),
            scheme: format!("{} (redirect from {shown})", next.scheme()),
        });
    }
    let _ = next.set_username("");
    let _ = next.set_password(None);
    next.set_fragment(None);
    Ok(next)
}

/// Credentials go only where the administrator configured them: the same scheme, host and
/// port as the subscription URL, or its https upgrade. Never to another host, never
/// downgraded to plain http.
pub fn may_send_credentials(origin: &Url, target: &Url) -> bool {
    let same_host = match (origin.host_str(), target.host_str()) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    };
    if !same_host {
        return false;
    }
    match (origin.scheme(), target.scheme()) {
        (a, b) if a == b => origin.port_or_known_default() == target.port_or_known_default(),
        ("http", "https") => origin.port().is_none() && target.port().is_none(),
        _ => false,
    }
}

/// The announced length; several `Content-Length` values must agree.
fn content_length(head: &Head, shown: &str) -> Result<Option<u64>, FetchError> {
    let mut length = None;
    for value in head.headers.iter().filter(|(n, _)| n == "content-length") {
        let parsed: Option<u64> = value.1.trim().parse().ok();
        match (parsed, length) {
            (Some(n), None) => length = Some(n),
            (Some(n), Some(m)) if n == m => {}
            _ => {
                return Err(FetchError::InvalidResponse {
                    url: shown.to_owned(),
                    detail: "unparsable Content-Length".into(),
                })
            }
        }
    }
    Ok(length)
}

/// `Content-Range: bytes START-END/TOTAL` → (START, TOTAL if not `*`).
fn content_range(answer: &Answer) -> Result<(u64, Option<u64>), FetchError> {
    let invalid = || FetchError::InvalidResponse {
        url: answer.url.clone(),
        detail: "206 Partial Content without a valid Content-Range".into(),
    };
    let value = answer.head.get("content-range").ok_or_else(invalid)?;
    parse_content_range(value).ok_or_else(invalid)
}

pub(crate) fn parse_content_range(value: &str) -> Option<(u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.trim().split_once('-')?;
    let start: u64 = start.trim().parse().ok()?;
    let end: u64 = end.trim().parse().ok()?;
    if end < start {
        return None;
    }
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    Some((start, total))
}

fn status_error(status: u16, url: String) -> FetchError {
    let hint = match status {
        401 | 403 => " and the credentials (--username, --password-file)",
        416 => "; the requested range is past the end: restart the download from byte 0",
        500..=599 => "; the server failed, try again later",
        _ => "",
    };
    FetchError::HttpStatus {
        url,
        status,
        reason: canonical_reason(status).to_owned(),
        hint,
    }
}

/// The standard reason phrase (not the server's, which may say anything).
fn canonical_reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        414 => "URI Too Long",
        416 => "Range Not Satisfiable",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        507 => "Insufficient Storage",
        511 => "Network Authentication Required",
        _ => "",
    }
}

/// Map a failure of the request phase (connect, TLS, request, response head).
fn failure_error(err: Failure, shown: &str, url: &Url, opts: &FetchOptions) -> FetchError {
    let shown = shown.to_owned();
    match err {
        Failure::BadUrl => FetchError::BadUrl {
            url: shown,
            reason: "no usable host or port".into(),
        },
        Failure::Connect(e) if e.kind() == io::ErrorKind::TimedOut => FetchError::Timeout {
            url: shown,
            phase: "connecting to",
            secs: opts.connect_timeout.as_secs(),
        },
        Failure::Connect(e) => FetchError::Connect {
            url: shown,
            detail: e.to_string(),
        },
        Failure::Io(e) => match e.kind() {
            // SO_RCVTIMEO expiring shows up as EAGAIN.
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => FetchError::Timeout {
                url: shown,
                phase: "waiting for an answer from",
                secs: opts.read_timeout.as_secs(),
            },
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => FetchError::Io {
                url: shown,
                detail: format!("the connection was closed before an answer ({e})"),
            },
            _ => FetchError::Connect {
                url: shown,
                detail: e.to_string(),
            },
        },
        Failure::Tls(detail) => FetchError::Tls { url: shown, detail },
        Failure::Proxy(status) => FetchError::Proxy {
            proxy: opts
                .proxy
                .proxy_for(url)
                .map(|p| redact_url(p.as_str()))
                .unwrap_or_default(),
            url: shown,
            status,
        },
        Failure::Invalid(detail) => FetchError::InvalidResponse { url: shown, detail },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn credentials_stay_on_the_configured_host() {
        let origin = u("http://127.0.0.1:8080/list");
        assert!(may_send_credentials(
            &origin,
            &u("http://127.0.0.1:8080/other?x=1")
        ));
        assert!(!may_send_credentials(
            &origin,
            &u("http://localhost:8080/list")
        ));
        assert!(!may_send_credentials(
            &origin,
            &u("http://127.0.0.1:8081/list")
        ));
        assert!(!may_send_credentials(
            &origin,
            &u("https://127.0.0.1:8080/list")
        ));
        assert!(may_send_credentials(
            &u("http://h.org/a"),
            &u("https://h.org/b")
        ));
        assert!(!may_send_credentials(
            &u("https://h.org/a"),
            &u("http://h.org/b")
        ));
        assert!(may_send_credentials(
            &u("https://H.org/a"),
            &u("https://h.org:443/b")
        ));
    }

    #[test]
    fn content_range_parsing() {
        assert_eq!(
            parse_content_range("bytes 100-199/200"),
            Some((100, Some(200)))
        );
        assert_eq!(parse_content_range("bytes 5-9/*"), Some((5, None)));
        assert_eq!(parse_content_range("bytes */200"), None);
        assert_eq!(parse_content_range("items 1-2/3"), None);
        assert_eq!(parse_content_range("bytes 9-5/10"), None);
    }

    #[test]
    fn redirect_keeps_query_and_drops_userinfo() {
        let h = Some("http://u:p@other.org/x?y=1#frag");
        let next = redirect_target(&u("http://h.org/a"), h, "http://h.org/a").unwrap();
        assert_eq!(next.as_str(), "http://other.org/x?y=1");
        let next = redirect_target(&u("http://h.org/a/c"), Some("../b?q=2"), "").unwrap();
        assert_eq!(next.as_str(), "http://h.org/b?q=2");
        assert!(matches!(
            redirect_target(&u("http://h.org/a"), Some("file:///etc/passwd"), ""),
            Err(FetchError::UnsupportedScheme { .. })
        ));
    }
}
