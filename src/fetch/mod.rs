//! Transport: fetch image lists and stream images over https, http and file URLs.
//!
//! The rest of vmcatcher talks to a [`Fetcher`], so tests and future transports can stand in
//! for [`UrlFetcher`], which uses its own HTTP/1.1 client (kept-alive connections, one TLS
//! setup per run) for http(s) and `std::fs` for `file://`.
//!
//! What this layer guarantees (product spec §5 "Transport", §6, §11.9):
//! - https servers are verified against the anchors chosen by [`TlsAnchors`];
//! - redirects are followed up to [`FetchOptions::max_redirects`], query strings kept, and
//!   basic-auth credentials are never sent to another host or over a downgrade to http;
//! - timeouts are per connect and per read; a list transfer also has a whole-transfer
//!   deadline ([`FetchOptions::transfer_timeout`]), an image the same deadline up to its
//!   response head and then a minimum rate ([`FetchOptions::min_rate`]) instead, since
//!   images are many GB;
//! - an https URL is never redirected to plain http;
//! - `file://` opens regular files only, and images only when the options allow it
//!   ([`FetchOptions::file_images`]);
//! - a body shorter than its `Content-Length` is an error that says "resume", not a
//!   silently short file;
//! - URLs in messages and logs never carry credentials ([`redact_url`]).

mod body;
mod conn;
mod download;
mod error;
mod file;
mod http;
mod location;
mod options;
mod proxy;
mod response;
mod tls;
mod wire;

pub use body::{is_resumable, truncation, BodyTruncated, ReadTimedOut};
pub use download::Download;
pub use error::FetchError;
pub use file::read_local_file;
pub use http::{may_send_credentials, plain_http_credentials};
pub use location::{check_url, path_to_file_url, redact_url};
pub use options::{
    default_user_agent, FetchOptions, Secret, TlsAnchors, DEFAULT_MIN_RATE,
    DEFAULT_TRANSFER_TIMEOUT,
};
pub use proxy::ProxyConfig;
pub use response::Response;

use location::Scheme;

/// Largest image list accepted; real lists are a few hundred KiB.
pub const MAX_LIST_BYTES: u64 = 64 * 1024 * 1024;

/// Opens URLs for the rest of vmcatcher.
pub trait Fetcher: Send + Sync {
    /// The whole body of `url`, refused without reading it all when over `max_bytes`.
    /// For image lists.
    fn fetch_bytes(
        &self,
        url: &str,
        opts: &FetchOptions,
        max_bytes: u64,
    ) -> Result<Vec<u8>, FetchError>;

    /// A streaming body for `url`, asking for the bytes from `resume_from` on when it is
    /// not 0. For images: check [`Download::resumed`] before appending.
    fn open_stream(
        &self,
        url: &str,
        opts: &FetchOptions,
        resume_from: u64,
    ) -> Result<Download, FetchError>;

    /// The status, headers and whole body of an http(s) `url` (refused over `max_bytes`),
    /// a 401 included, for protocols that are steered by headers (OCI registries). The
    /// same rules as [`Fetcher::fetch_bytes`] otherwise. Transports without headers
    /// refuse.
    fn fetch_response(
        &self,
        url: &str,
        opts: &FetchOptions,
        max_bytes: u64,
    ) -> Result<Response, FetchError> {
        let _ = (opts, max_bytes);
        Err(FetchError::UnsupportedScheme {
            url: redact_url(url),
            scheme: "a transport without HTTP headers".into(),
        })
    }
}

/// The real transport: http(s) with our HTTP/1.1 client, file with `std::fs`.
#[derive(Clone, Copy, Debug, Default)]
pub struct UrlFetcher;

impl Fetcher for UrlFetcher {
    fn fetch_bytes(
        &self,
        url: &str,
        opts: &FetchOptions,
        max_bytes: u64,
    ) -> Result<Vec<u8>, FetchError> {
        match location::parse(url)? {
            (url, Scheme::Http) => http::fetch_bytes(&url, opts, max_bytes),
            (url, Scheme::File) => file::fetch_bytes(&url, max_bytes),
        }
    }

    fn open_stream(
        &self,
        url: &str,
        opts: &FetchOptions,
        resume_from: u64,
    ) -> Result<Download, FetchError> {
        match location::parse(url)? {
            (url, Scheme::Http) => http::open_stream(&url, opts, resume_from),
            (url, Scheme::File) if opts.file_images => file::open_stream(&url, resume_from),
            (url, Scheme::File) => Err(FetchError::FileImageRefused {
                url: redact_url(url.as_str()),
            }),
        }
    }

    fn fetch_response(
        &self,
        url: &str,
        opts: &FetchOptions,
        max_bytes: u64,
    ) -> Result<Response, FetchError> {
        match location::parse(url)? {
            (url, Scheme::Http) => http::fetch_response(&url, opts, max_bytes),
            (url, Scheme::File) => Err(FetchError::UnsupportedScheme {
                url: redact_url(url.as_str()),
                scheme: "file (a registry is reached over https or http)".into(),
            }),
        }
    }
}
