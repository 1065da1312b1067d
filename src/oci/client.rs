//! The requests vmcatcher makes of a registry (OCI distribution API), over the tool's own
//! HTTP client with its rules (TLS verified, redirects bounded, credentials only to the
//! registry's own origin, timeouts): the tag list, with `Link` paging, and manifests,
//! whose bytes must be those of the digest the registry names.
//!
//! Authentication: Basic credentials go with every request to the registry's origin. A
//! registry that answers 401 with `WWW-Authenticate: Bearer realm=…,service=…,scope=…`
//! gets the token flow: the token endpoint (`realm`, with `service` and `scope` in the
//! query, the Basic credentials in the header — never in the URL) gives a token, and the
//! request is sent again once with `Authorization: Bearer`. The token is kept for the
//! client's later requests and for image downloads ([`download_options`]). Credentials go
//! to a token endpoint on another host only over https.

use std::cell::RefCell;

use serde::Deserialize;

use super::challenge::{next_link, parse_challenge, Challenge};
use super::manifest::{Digest, DOCKER_MANIFEST, OCI_MANIFEST};
use crate::error::{Error, ListRule, Result};
use crate::fetch::{redact_url, FetchOptions, Fetcher, Response, Secret};

/// Largest manifest accepted (real ones are a few kB).
const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;
/// Largest page of a tag list accepted.
const MAX_TAGS_BYTES: u64 = 16 * 1024 * 1024;
/// Pages of a tag list followed before giving up (a `Link` loop).
const MAX_PAGES: usize = 1000;
/// What a manifest request accepts: the image manifests, never an index.
const ACCEPT_MANIFESTS: &str =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// Largest token answer accepted.
const MAX_TOKEN_BYTES: u64 = 1024 * 1024;

/// One registry, reached at `base` (`https://HOST`) with `options`.
pub struct Client<'a> {
    fetcher: &'a dyn Fetcher,
    options: FetchOptions,
    base: String,
    /// The bearer token of the registry's token flow, once obtained, with the scope it
    /// was asked for (a request for another repository needs a token of its own).
    token: RefCell<Option<(Option<String>, Secret)>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
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
            token: RefCell::new(None),
        }
    }

    /// The transport options of a download from this registry: with the bearer token of
    /// the token flow when the registry asks for one (probed with `GET /v2/`, the token
    /// asked for pulling `repository`).
    pub fn authorize(&self, repository: &str) -> Result<FetchOptions> {
        let url = format!("{}/v2/", self.base);
        let scope = format!("repository:{repository}:pull");
        let first = self.request(&url, &self.options, MAX_TOKEN_BYTES)?;
        if first.status == 401 {
            if let Some(Challenge::Bearer { realm, service, .. }) =
                first.header("www-authenticate").and_then(parse_challenge)
            {
                self.obtain_token(&url, &realm, service.as_deref(), Some(&scope))?;
            }
        }
        Ok(FetchOptions {
            bearer_token: self.token.borrow().as_ref().map(|(_, t)| t.clone()),
            ..self.options.clone()
        })
    }

    /// Where the blob `digest` of `repository` is downloaded from: by digest only.
    pub fn blob_url(&self, repository: &str, digest: &Digest) -> String {
        format!("{}/v2/{repository}/blobs/{digest}", self.base)
    }

    /// Every tag of `repository`, following `Link: <…>; rel="next"` pages.
    pub fn tags(&self, repository: &str) -> Result<Vec<String>> {
        let url = format!("{}/v2/{repository}/tags/list", self.base);
        let pages: Vec<TagList> = self.pages(&url, &format!("the tag list of {repository}"))?;
        Ok(pages
            .into_iter()
            .flat_map(|p| p.tags.unwrap_or_default())
            .collect())
    }

    /// Every page of the JSON answer at `path` (on the registry's host), following
    /// `Link: <…>; rel="next"` on the same origin; `what` names it in messages.
    pub fn pages<T: serde::de::DeserializeOwned>(&self, path: &str, what: &str) -> Result<Vec<T>> {
        let mut url = if path.starts_with('/') {
            format!("{}{path}", self.base)
        } else {
            path.to_string()
        };
        let mut pages = Vec::new();
        for _ in 0..MAX_PAGES {
            let response = self.get(&url, &self.options, MAX_TAGS_BYTES)?;
            let page: T = serde_json::from_slice(&response.body).map_err(|e| {
                Error::list(
                    ListRule::InvalidList,
                    format!(
                        "{what} at {} is not what was asked for: {e}",
                        redact_url(&url)
                    ),
                )
            })?;
            pages.push(page);
            match response.header("link").and_then(next_link) {
                Some(next) => url = same_origin(&url, &next)?,
                None => return Ok(pages),
            }
        }
        Err(Error::list(
            ListRule::Fetch,
            format!(
                "{what} has more than {MAX_PAGES} pages: the registry loops; tell its \
                 operators"
            ),
        ))
    }

    /// The blob `digest` of `repository` (a small one: a signature payload), checked
    /// against its digest.
    pub fn blob(&self, repository: &str, digest: &Digest, max: u64) -> Result<Vec<u8>> {
        let url = self.blob_url(repository, digest);
        let response = self.get(&url, &self.options, max)?;
        if Digest::of(&response.body) != *digest {
            return Err(Error::list(
                ListRule::Signature,
                format!("{url}: the bytes received are not that digest's: refused"),
            ));
        }
        Ok(response.body)
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

    /// One request, with the token when there is one and `url` is of the distribution
    /// API (`/v2/`; Harbor's REST API takes the Basic credentials); a 401 is an answer.
    fn request(&self, url: &str, options: &FetchOptions, max: u64) -> Result<Response> {
        let registry_api = url.starts_with(&format!("{}/v2/", self.base));
        let options = FetchOptions {
            bearer_token: self
                .token
                .borrow()
                .as_ref()
                .filter(|_| registry_api)
                .map(|(_, t)| t.clone()),
            ..options.clone()
        };
        self.fetcher
            .fetch_response(url, &options, max)
            .map_err(|e| {
                let message = format!("cannot reach the registry: {e}");
                Error::list_because(ListRule::Fetch, message, e)
            })
    }

    /// Asks the token endpoint `realm` for a token and keeps it.
    fn obtain_token(
        &self,
        url: &str,
        realm: &str,
        service: Option<&str>,
        scope: Option<&str>,
    ) -> Result<()> {
        let refuse = |why: String| Error::list(ListRule::Fetch, format!("{url}: {why}"));
        let mut endpoint = url::Url::parse(realm).map_err(|_| {
            refuse(format!(
                "the registry names the token endpoint '{}', which is not a URL",
                redact_url(realm)
            ))
        })?;
        let registry = url::Url::parse(url).map_err(|_| refuse("not a URL".into()))?;
        if !matches!(endpoint.scheme(), "https" | "http")
            || !endpoint.username().is_empty()
            || endpoint.password().is_some()
        {
            return Err(refuse(format!(
                "the registry names the token endpoint '{}': only an http(s) URL without \
                 credentials is used",
                redact_url(realm)
            )));
        }
        let same_host = endpoint.host_str() == registry.host_str();
        if self.options.basic_auth.is_some() && endpoint.scheme() == "http" && !same_host {
            return Err(refuse(format!(
                "the registry sends the credentials to the token endpoint {} over plain http \
                 on another host: refused; ask its operators for an https token endpoint",
                redact_url(endpoint.as_str())
            )));
        }
        {
            let mut query = endpoint.query_pairs_mut();
            if let Some(service) = service {
                query.append_pair("service", service);
            }
            if let Some(scope) = scope {
                query.append_pair("scope", scope);
            }
        }
        let options = FetchOptions {
            accept: Some("application/json".into()),
            bearer_token: None,
            ..self.options.clone()
        };
        let shown = redact_url(endpoint.as_str());
        let answer = self
            .fetcher
            .fetch_response(endpoint.as_str(), &options, MAX_TOKEN_BYTES)
            .map_err(|e| {
                let message = format!("cannot get a token for {url}: {e}");
                Error::list_because(ListRule::Fetch, message, e)
            })?;
        if answer.status == 401 {
            return Err(refuse(format!(
                "the token endpoint {shown} refused the user name and password: check \
                 --username and --password-file"
            )));
        }
        let token = serde_json::from_slice::<TokenAnswer>(&answer.body)
            .ok()
            .and_then(|t| t.token.or(t.access_token))
            .filter(|t| !t.is_empty() && !t.contains(['\r', '\n', '\0']))
            .ok_or_else(|| {
                refuse(format!(
                    "the token endpoint {shown} answered without a usable token"
                ))
            })?;
        tracing::debug!(endpoint = %shown, "got a registry token");
        *self.token.borrow_mut() = Some((scope.map(str::to_string), Secret::new(token)));
        Ok(())
    }

    /// One GET, through the token flow when the registry asks for it; a 401 left is
    /// turned into the administrator's error (exit 10).
    fn get(&self, url: &str, options: &FetchOptions, max: u64) -> Result<Response> {
        let mut response = self.request(url, options, max)?;
        if response.status == 401 {
            if let Some(Challenge::Bearer {
                realm,
                service,
                scope,
            }) = response
                .header("www-authenticate")
                .and_then(parse_challenge)
            {
                // A token is asked for once per scope (a Harbor project's repositories
                // each need their own): the same scope refused again is a token the
                // registry does not take.
                let held = self.token.borrow().as_ref().map(|(s, _)| s.clone());
                if held.as_ref() == Some(&scope) {
                    return Err(refused_token(url));
                }
                self.obtain_token(url, &realm, service.as_deref(), scope.as_deref())?;
                response = self.request(url, options, max)?;
                if response.status == 401 {
                    return Err(refused_token(url));
                }
            }
        }
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

/// A token the registry refused.
fn refused_token(url: &str) -> Error {
    Error::list(
        ListRule::Fetch,
        format!(
            "HTTP 401 Unauthorized for {url}: the registry refused the token its token \
             endpoint gave; check the credentials and ask the registry's operators"
        ),
    )
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

/// The transport options of a download of the registry subscription at `url` (settings
/// `settings`, JSON): `options` with the registry's bearer token when it uses the token
/// flow. A failure is logged and the options are returned as they are (the download then
/// reports the registry's refusal).
pub fn download_options(
    fetcher: &dyn Fetcher,
    options: FetchOptions,
    url: &str,
    settings: &str,
    blob_url: &str,
) -> FetchOptions {
    let (Ok(source), Ok(settings)) = (
        super::reference::parse_source(url),
        super::settings::RegistrySettings::from_json(settings),
    ) else {
        return options;
    };
    let base = settings.base_url(&source);
    // `<base>/v2/<repository>/blobs/sha256:…`, as `Client::blob_url` makes it.
    let Some(repository) = blob_url
        .strip_prefix(&format!("{base}/v2/"))
        .and_then(|rest| rest.split_once("/blobs/"))
        .map(|(repository, _)| repository.to_string())
    else {
        return options;
    };
    let client = Client::new(fetcher, options.clone(), base);
    match client.authorize(&repository) {
        Ok(authorized) => authorized,
        Err(e) => {
            tracing::warn!("{e}");
            options
        }
    }
}
