//! `http://` and `https://` through attohttpc.
//!
//! attohttpc is used for one request at a time: redirects are followed here, not by
//! attohttpc, because it would resend every header (including `Authorization`) to
//! whatever host a redirect names, and because each hop needs its own proxy decision.

use std::io::{self, Read};
use std::time::{Duration, Instant};

use attohttpc::header::{
    HeaderMap, ACCEPT, CONTENT_LENGTH, CONTENT_RANGE, LOCATION, PROXY_AUTHORIZATION, RANGE,
    USER_AGENT,
};
use attohttpc::{ErrorKind, Method, ProxySettings, RequestBuilder, ResponseReader, StatusCode};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use percent_encoding::percent_decode_str;
use url::Url;

use super::body::{read_error, CheckedBody};
use super::download::Download;
use super::error::FetchError;
use super::location::{classify, redact_url, Scheme};
use super::options::{FetchOptions, TlsAnchors};

/// A final (non-redirect, 2xx) answer.
struct Answer {
    url: String,
    status: StatusCode,
    headers: HeaderMap,
    reader: ResponseReader,
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

    /// Whether an error seen now is the deadline's doing: attohttpc shuts the socket down
    /// at the deadline, which surfaces as a timeout, an EOF or a TLS error depending on
    /// where it hits. A few milliseconds of slack cover the timer thread waking early.
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
    let answer = send(url, opts, None, &clock)?;
    let length = content_length(&answer)?;
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
    Ok(out)
}

pub(crate) fn open_stream(
    url: &Url,
    opts: &FetchOptions,
    resume_from: u64,
) -> Result<Download, FetchError> {
    let clock = Clock::start(opts, Deadline::Head);
    let answer = send(url, opts, (resume_from > 0).then_some(resume_from), &clock)?;
    let length = content_length(&answer)?;
    let (resumed, total_size) = if answer.status == StatusCode::PARTIAL_CONTENT {
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
        status: answer.status.as_u16(),
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

/// Send a GET, following redirects, and return the first non-redirect 2xx answer.
fn send(
    start: &Url,
    opts: &FetchOptions,
    range_from: Option<u64>,
    clock: &Clock,
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
        let credentials = opts
            .basic_auth
            .as_ref()
            .filter(|_| may_send_credentials(start, &url));
        tracing::debug!(url = %shown, range_from, auth = credentials.is_some(), "GET");
        if credentials.is_some() && url.scheme() == "http" {
            tracing::warn!("{}", plain_http_credentials(&shown));
        }
        let remaining = clock.remaining().ok_or_else(|| clock.error(&shown))?;
        let request = build_request(&url, opts, range_from, credentials)?;
        let request = match clock.covers {
            Deadline::Whole => request.timeout(remaining),
            Deadline::Head => request.head_timeout(remaining),
        };
        let response = request.send().map_err(|e| {
            if clock.expired() {
                clock.error(&shown)
            } else {
                send_error(e, &shown, opts)
            }
        })?;
        let status = response.status();
        if is_redirect(status) {
            redirects += 1;
            if redirects > opts.max_redirects {
                return Err(FetchError::TooManyRedirects {
                    url: redact_url(start.as_str()),
                    max: opts.max_redirects,
                });
            }
            let next = redirect_target(&url, response.headers(), &shown)?;
            if url.scheme() == "https" && next.scheme() == "http" {
                return Err(FetchError::Downgrade {
                    url: shown,
                    target: redact_url(next.as_str()),
                });
            }
            tracing::debug!(from = %shown, to = %redact_url(next.as_str()), status = status.as_u16(), "redirect");
            url = next;
            continue;
        }
        if !status.is_success() {
            return Err(status_error(status, shown));
        }
        let (status, headers, reader) = response.split();
        return Ok(Answer {
            url: shown,
            status,
            headers,
            reader,
        });
    }
}

fn build_request(
    url: &Url,
    opts: &FetchOptions,
    range_from: Option<u64>,
    credentials: Option<&(String, super::Secret)>,
) -> Result<RequestBuilder, FetchError> {
    let shown = redact_url(url.as_str());
    let header_error = |what: &str| FetchError::BadUrl {
        url: shown.clone(),
        reason: format!("invalid {what} header value"),
    };
    let mut request = RequestBuilder::try_new(Method::GET, url.as_str())
        .map_err(|e| FetchError::BadUrl {
            url: shown.clone(),
            reason: e.to_string(),
        })?
        .follow_redirects(false)
        .connect_timeout(opts.connect_timeout)
        .read_timeout(opts.read_timeout)
        .proxy_settings(proxy_settings(url, opts))
        .try_header(USER_AGENT, opts.user_agent.as_str())
        .map_err(|_| header_error("User-Agent"))?
        .try_header(ACCEPT, "*/*")
        .map_err(|_| header_error("Accept"))?;
    if let Some(from) = range_from {
        request = request
            .try_header(RANGE, format!("bytes={from}-"))
            .map_err(|_| header_error("Range"))?;
    }
    if let Some((user, password)) = credentials {
        request = request.basic_auth(user, Some(password.expose()));
    }
    if let Some(value) = proxy_authorization(url, opts) {
        request = request
            .try_header(PROXY_AUTHORIZATION, value)
            .map_err(|_| header_error("Proxy-Authorization"))?;
    }
    if url.scheme() == "https" {
        request = apply_tls(request, opts, &shown)?;
    }
    Ok(request)
}

/// Exactly the one proxy our own decision picked, so attohttpc never reads the environment.
fn proxy_settings(url: &Url, opts: &FetchOptions) -> ProxySettings {
    let builder = ProxySettings::builder();
    match opts.proxy.proxy_for(url) {
        Some(proxy) if url.scheme() == "https" => builder.https_proxy(proxy.clone()).build(),
        Some(proxy) => builder.http_proxy(proxy.clone()).build(),
        None => builder.build(),
    }
}

/// attohttpc sends the proxy URL's credentials only in its CONNECT (https) request; plain
/// http requests through a proxy need the header from us.
fn proxy_authorization(url: &Url, opts: &FetchOptions) -> Option<String> {
    if url.scheme() != "http" {
        return None;
    }
    let proxy = opts.proxy.proxy_for(url)?;
    if proxy.username().is_empty() {
        return None;
    }
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    let user = decode(proxy.username());
    let password = decode(proxy.password().unwrap_or(""));
    Some(format!(
        "Basic {}",
        STANDARD.encode(format!("{user}:{password}"))
    ))
}

fn apply_tls(
    mut request: RequestBuilder,
    opts: &FetchOptions,
    shown: &str,
) -> Result<RequestBuilder, FetchError> {
    match opts.tls_anchors {
        TlsAnchors::System => return Ok(request),
        TlsAnchors::None => {
            tracing::warn!(url = %shown, "TLS certificate verification is disabled (--tls-anchors none)");
            return Ok(request
                .danger_accept_invalid_certs(true)
                .danger_accept_invalid_hostnames(true));
        }
        TlsAnchors::Igtf => request = request.disable_built_in_roots(true),
        TlsAnchors::Both => {}
    }
    for cert in &opts.extra_roots {
        let der = cert.to_der().map_err(|e| FetchError::Tls {
            url: shown.to_owned(),
            detail: format!("cannot use a trust directory certificate: {e}"),
        })?;
        let cert = native_tls::Certificate::from_der(&der).map_err(|e| FetchError::Tls {
            url: shown.to_owned(),
            detail: format!("cannot use a trust directory certificate: {e}"),
        })?;
        request = request.add_root_certificate(cert);
    }
    Ok(request)
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// Resolve `Location` against the current URL; only http(s) targets, without userinfo or
/// fragment. The query string is kept as the server wrote it.
fn redirect_target(current: &Url, headers: &HeaderMap, shown: &str) -> Result<Url, FetchError> {
    let invalid = |detail: String| FetchError::InvalidResponse {
        url: shown.to_owned(),
        detail,
    };
    let location = headers
        .get(LOCATION)
        .ok_or_else(|| invalid("redirect without a Location header".into()))?;
    let location = String::from_utf8_lossy(location.as_bytes());
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

fn content_length(answer: &Answer) -> Result<Option<u64>, FetchError> {
    let Some(value) = answer.headers.get(CONTENT_LENGTH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .map(Some)
        .ok_or_else(|| FetchError::InvalidResponse {
            url: answer.url.clone(),
            detail: "unparsable Content-Length".into(),
        })
}

/// `Content-Range: bytes START-END/TOTAL` → (START, TOTAL if not `*`).
fn content_range(answer: &Answer) -> Result<(u64, Option<u64>), FetchError> {
    let invalid = || FetchError::InvalidResponse {
        url: answer.url.clone(),
        detail: "206 Partial Content without a valid Content-Range".into(),
    };
    let value = answer
        .headers
        .get(CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(invalid)?;
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

fn status_error(status: StatusCode, url: String) -> FetchError {
    let hint = match status.as_u16() {
        401 | 403 => " and the credentials (--username, --password-file)",
        416 => "; the requested range is past the end: restart the download from byte 0",
        500..=599 => "; the server failed, try again later",
        _ => "",
    };
    FetchError::HttpStatus {
        url,
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("").to_owned(),
        hint,
    }
}

/// Map attohttpc's error for the request phase (connect, TLS, request, response head).
fn send_error(err: attohttpc::Error, shown: &str, opts: &FetchOptions) -> FetchError {
    let url = shown.to_owned();
    match err.into_kind() {
        ErrorKind::Io(e) => match e.kind() {
            // SO_RCVTIMEO expiring shows up as EAGAIN.
            io::ErrorKind::WouldBlock => FetchError::Timeout {
                url,
                phase: "waiting for an answer from",
                secs: opts.read_timeout.as_secs(),
            },
            io::ErrorKind::TimedOut => FetchError::Timeout {
                url,
                phase: "connecting to",
                secs: opts.connect_timeout.as_secs(),
            },
            io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe => FetchError::Io {
                url,
                detail: format!("the connection was closed before an answer ({e})"),
            },
            _ => FetchError::Connect {
                url,
                detail: e.to_string(),
            },
        },
        ErrorKind::Tls(e) => FetchError::Tls {
            url,
            detail: e.to_string(),
        },
        ErrorKind::ConnectError { status_code, .. } => FetchError::Proxy {
            proxy: Url::parse(shown)
                .ok()
                .and_then(|u| opts.proxy.proxy_for(&u).map(|p| redact_url(p.as_str())))
                .unwrap_or_default(),
            url,
            status: status_code.as_u16(),
        },
        ErrorKind::InvalidBaseUrl | ErrorKind::InvalidUrlHost | ErrorKind::InvalidUrlPort => {
            FetchError::BadUrl {
                url,
                reason: "no usable host or port".into(),
            }
        }
        ErrorKind::InvalidResponse(kind) => FetchError::InvalidResponse {
            url,
            detail: kind.to_string(),
        },
        other => FetchError::Io {
            url,
            detail: attohttpc::Error::from(other).to_string(),
        },
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
        let mut h = HeaderMap::new();
        h.insert(LOCATION, "http://u:p@other.org/x?y=1#frag".parse().unwrap());
        let next = redirect_target(&u("http://h.org/a"), &h, "http://h.org/a").unwrap();
        assert_eq!(next.as_str(), "http://other.org/x?y=1");
        h.insert(LOCATION, "../b?q=2".parse().unwrap());
        let next = redirect_target(&u("http://h.org/a/c"), &h, "").unwrap();
        assert_eq!(next.as_str(), "http://h.org/b?q=2");
        h.insert(LOCATION, "file:///etc/passwd".parse().unwrap());
        assert!(matches!(
            redirect_target(&u("http://h.org/a"), &h, ""),
            Err(FetchError::UnsupportedScheme { .. })
        ));
    }
}
