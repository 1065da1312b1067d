//! Errors of the transport layer.
//!
//! Every message is one line: the (sanitised) URL, what went wrong and what to do, because
//! these lines end up in cron mail read by an administrator who did not watch the run.

use thiserror::Error;

/// Why fetching a URL failed. Every variant names the URL with its credentials removed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL cannot be parsed or lacks a part we need.
    #[error("invalid URL {url}: {reason}; give a full URL such as https://host/path")]
    BadUrl { url: String, reason: String },

    /// A scheme other than http, https or file (also a redirect to one).
    #[error(
        "unsupported URL scheme '{scheme}' in {url}; supported schemes are https, http and file"
    )]
    UnsupportedScheme { url: String, scheme: String },

    /// No TCP connection (refused, unreachable, DNS failure, proxy unreachable).
    #[error("cannot connect to {url}: {detail}; check the host name, the port, the network and the proxy settings")]
    Connect { url: String, detail: String },

    /// The proxy refused to open a tunnel (CONNECT answered with a non-2xx status).
    #[error("proxy {proxy} refused to tunnel to {url}: HTTP {status}; check https_proxy and the proxy's access rules")]
    Proxy {
        url: String,
        proxy: String,
        status: u16,
    },

    /// TLS handshake failed, usually because the server certificate is not trusted.
    #[error("TLS verification failed for {url}: {detail}; check the server certificate and its CA, or choose another --tls-anchors (system, igtf, both)")]
    Tls { url: String, detail: String },

    /// No data for longer than the configured timeout.
    #[error("{phase} {url} timed out after {secs} s; the server is slow or unreachable: try again later or raise the http timeouts")]
    Timeout {
        url: String,
        phase: &'static str,
        secs: u64,
    },

    /// `http.transfer_timeout` passed: for a list, before the whole body arrived; for an
    /// image, before the response head did.
    #[error("{what} {url} took longer than http.transfer_timeout ({secs} s); the server is too slow or stalls: try again later, or raise http.transfer_timeout")]
    TransferTimeout {
        url: String,
        what: &'static str,
        secs: u64,
    },

    /// An https URL redirected to plain http.
    #[error("refusing the redirect from {url} to {target}: it leaves https for unencrypted http; fix the redirect on the server, or give the http URL itself if plain http is really meant")]
    Downgrade { url: String, target: String },

    /// A `file://` image URL in a list that was not read from `file://`.
    #[error("image URL {url} is refused: a file:// image is accepted only from an image list that was itself read from a file:// URL; publish the image over https or http")]
    FileImageRefused { url: String },

    /// A `file://` URL (or a local path) that names a directory, a FIFO, a device...
    #[error("{url} is {kind}, not a regular file; give the path of a regular file")]
    NotRegularFile { url: String, kind: &'static str },

    /// The server answered with a non-2xx status (after redirects).
    #[error("HTTP {status} {reason} for {url}; check the URL{hint}")]
    HttpStatus {
        url: String,
        status: u16,
        reason: String,
        hint: &'static str,
    },

    /// The body is larger than the caller accepts; it was not read in full.
    #[error("{url} is larger than the limit of {limit} bytes; refusing to read it (is this really an image list?)")]
    TooLarge { url: String, limit: u64 },

    /// The connection ended before the announced length was received.
    #[error("{url} was cut short: received {received} of {expected} bytes; try again (the transfer can be resumed)")]
    Truncated {
        url: String,
        expected: u64,
        received: u64,
    },

    /// More redirects than allowed, probably a loop.
    #[error(
        "too many redirects (more than {max}) fetching {url}; check the URL for a redirect loop"
    )]
    TooManyRedirects { url: String, max: u32 },

    /// A `file://` URL that names no file.
    #[error("file not found: {path} (from {url}); check the path")]
    FileNotFound { url: String, path: String },

    /// The server's answer cannot be used (bad header, bad redirect, wrong range).
    #[error(
        "invalid response from {url}: {detail}; the server or a proxy misbehaves, try again later"
    )]
    InvalidResponse { url: String, detail: String },

    /// Any other input/output failure (reading a local file, a broken connection).
    #[error("cannot read {url}: {detail}")]
    Io { url: String, detail: String },
}

impl FetchError {
    /// Whether trying again later may succeed, so that the cache can retry with back-off
    /// (and resume) instead of giving up on the image.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Connect { .. }
            | FetchError::Timeout { .. }
            | FetchError::TransferTimeout { .. }
            | FetchError::Truncated { .. }
            | FetchError::Proxy { .. }
            | FetchError::InvalidResponse { .. }
            | FetchError::Io { .. } => true,
            FetchError::HttpStatus { status, .. } => {
                *status >= 500 || *status == 408 || *status == 429
            }
            _ => false,
        }
    }

    /// The sanitised URL this error is about.
    pub fn url(&self) -> &str {
        match self {
            FetchError::BadUrl { url, .. }
            | FetchError::UnsupportedScheme { url, .. }
            | FetchError::Connect { url, .. }
            | FetchError::Proxy { url, .. }
            | FetchError::Tls { url, .. }
            | FetchError::Timeout { url, .. }
            | FetchError::TransferTimeout { url, .. }
            | FetchError::Downgrade { url, .. }
            | FetchError::FileImageRefused { url }
            | FetchError::NotRegularFile { url, .. }
            | FetchError::HttpStatus { url, .. }
            | FetchError::TooLarge { url, .. }
            | FetchError::Truncated { url, .. }
            | FetchError::TooManyRedirects { url, .. }
            | FetchError::FileNotFound { url, .. }
            | FetchError::InvalidResponse { url, .. }
            | FetchError::Io { url, .. } => url,
        }
    }
}
