//! The requests vmcatcher makes of a registry (OCI distribution API), over the tool's own
//! HTTP client with its rules (TLS verified, redirects bounded, credentials only to the
//! registry's own origin, timeouts): the tag list, with `Link` paging, and manifests,
//! whose bytes must be those of the digest the registry names.

use serde::Deserialize;

use super::challenge::next_link;
use super::manifest::{Digest, DOCKER_MANIFEST, OCI_MANIFEST};
use crate::error::{Error, ListRule, Result};
use crate::fetch::{FetchOptions, Fetcher, Response};

/// Largest manifest accepted (real ones are a few kB).
const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;
/// Largest page of a tag list accepted.
const MAX_TAGS_BYTES: u64 = 16 * 1024 * 1024;
/// Pages of a tag list followed before giving up (a `Link` loop).
const MAX_PAGES: usize = 1000;
/// What a manifest request accepts: the image manifests, never an index.
const ACCEPT_MANIFESTS: &str =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// One registry, reached at `base` (`https://HOST`) with `options`.
pub struct Client<'a> {
    fetcher: &'a dyn Fetcher,
    options: FetchOptions,
    base: String,
}

#[derive(Deserialize)]
struct TagList {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

impl<'a> Client<'a> {
    pub fn new(fetcher: &'a dyn Fetcher, options: FetchOptions, base: String) -> Client<'a> {
        Client {
            fetcher,
            options,
            base,
        }
    }

    /// Where the blob `digest` of `repository` is downloaded from: by digest only.
    pub fn blob_url(&self, repository: &str, digest: &Digest) -> String {
        format!("{}/v2/{repository}/blobs/{digest}", self.base)
    }

    /// Every tag of `repository`, following `Link: <…>; rel="next"` pages.
    pub fn tags(&self, repository: &str) -> Result<Vec<String>> {
        let mut url = format!("{}/v2/{repository}/tags/list", self.base);
        let mut tags = Vec::new();
        for _ in 0..MAX_PAGES {
            let response = self.get(&url, &self.options, MAX_TAGS_BYTES)?;
            let page: TagList = serde_json::from_slice(&response.body).map_err(|e| {
                Error::list(
                    ListRule::InvalidList,
                    format!("the tag list of {repository} at {url} is not a tag list: {e}"),
                )
            })?;
            tags.extend(page.tags.unwrap_or_default());
            match response.header("link").and_then(next_link) {
                Some(next) => url = same_origin(&url, &next)?,
                None => return Ok(tags),
            }
        }
        Err(Error::list(
            ListRule::Fetch,
            format!(
                "the tag list of {repository} has more than {MAX_PAGES} pages: the registry \
                 loops; tell its operators"
            ),
        ))
    }

    /// The manifest `reference` (a tag or a digest) of `repository`: its digest and
    /// bytes. The digest is the SHA-256 of the bytes received; a `Docker-Content-Digest`
    /// naming another one is refused (exit 11), and so is a manifest fetched by digest
    /// whose bytes are not that digest's.
    pub fn manifest(&self, repository: &str, reference: &str) -> Result<(Digest, Vec<u8>)> {
        let url = format!("{}/v2/{repository}/manifests/{reference}", self.base);
        let options = FetchOptions {
            accept: Some(ACCEPT_MANIFESTS.to_owned()),
            ..self.options.clone()
        };
        let response = self.get(&url, &options, MAX_MANIFEST_BYTES)?;
        let actual = Digest::of(&response.body);
        let mismatch = |claimed: &str| {
            Error::list(
                ListRule::Signature,
                format!(
                    "manifest {repository}:{reference} at {url}: the registry names digest \
                     {claimed} but the bytes received are {actual}: refused (the registry or \
                     something on the way altered it)"
                ),
            )
        };
        if let Some(claimed) = response.header("docker-content-digest") {
            let claimed = claimed.trim();
            if Digest::parse(claimed).ok().as_ref() != Some(&actual) {
                return Err(mismatch(claimed));
            }
        }
        if reference.starts_with("sha256:") && reference != actual.as_str() {
            return Err(mismatch(reference));
        }
        if let Some(kind) = response.header("content-type") {
            let kind = kind.split(';').next().unwrap_or_default().trim();
            if kind != OCI_MANIFEST && kind != DOCKER_MANIFEST {
                tracing::debug!(%url, kind, "manifest served with another content type");
            }
        }
        Ok((actual, response.body))
    }

    /// One GET; a 401 is turned into the administrator's error (exit 10).
    fn get(&self, url: &str, options: &FetchOptions, max: u64) -> Result<Response> {
        let response = self
            .fetcher
            .fetch_response(url, options, max)
            .map_err(|e| {
                let message = format!("cannot reach the registry: {e}");
                Error::list_because(ListRule::Fetch, message, e)
            })?;
        if response.status == 401 {
            let advice = if options.basic_auth.is_some() {
                "the registry refused the user name and password: check --username and \
                 --password-file ('vmcatcher subscribe set')"
            } else {
                "the registry wants credentials: give --username and --password-file"
            };
            return Err(Error::list(
                ListRule::Fetch,
                format!("HTTP 401 Unauthorized for {url}: {advice}"),
            ));
        }
        Ok(response)
    }
}

/// A `Link` target, relative to the registry, as an absolute URL on the same origin.
fn same_origin(current: &str, next: &str) -> Result<String> {
    let bad = |why: &str| {
        Error::list(
            ListRule::Fetch,
            format!("{current}: the registry's next page '{next}' {why}"),
        )
    };
    let base = url::Url::parse(current).map_err(|_| bad("cannot be resolved"))?;
    let joined = base.join(next).map_err(|_| bad("is not a URL"))?;
    if joined.origin() != base.origin() {
        return Err(bad("is on another host: not followed"));
    }
    Ok(joined.to_string())
}
