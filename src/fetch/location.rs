//! URL parsing, scheme checks and credential-free display.

use std::path::PathBuf;

use url::Url;

use super::error::FetchError;

/// Schemes a [`super::Fetcher`] opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scheme {
    Http,
    File,
}

/// `url` without its `user:password@` part, for logs and messages.
///
/// Works on strings that do not parse too, since bad URLs are exactly those that get printed.
pub fn redact_url(url: &str) -> String {
    if let Ok(mut parsed) = Url::parse(url) {
        if parsed.has_host() && (!parsed.username().is_empty() || parsed.password().is_some()) {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            return parsed.to_string();
        }
        if parsed.has_host() {
            return parsed.to_string();
        }
    }
    // Fallback for anything unparsable: drop whatever sits between "//" and the last '@'
    // of the authority.
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}{}", &url[..start], &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// Parse `url` and classify its scheme.
pub(crate) fn parse(url: &str) -> Result<(Url, Scheme), FetchError> {
    let parsed = Url::parse(url).map_err(|e| FetchError::BadUrl {
        url: redact_url(url),
        reason: e.to_string(),
    })?;
    let scheme = classify(&parsed)?;
    if scheme == Scheme::Http && parsed.host_str().is_none_or(str::is_empty) {
        return Err(FetchError::BadUrl {
            url: redact_url(url),
            reason: "no host name".into(),
        });
    }
    Ok((parsed, scheme))
}

/// Checks that `url` is an absolute URL this tool can fetch (http, https or file).
pub fn check_url(url: &str) -> Result<(), FetchError> {
    parse(url).map(|_| ())
}

/// `file://` URL of a plain path, made absolute from the current directory.
pub fn path_to_file_url(path: &str) -> Result<String, FetchError> {
    let bad = |reason: String| FetchError::BadUrl {
        url: path.to_owned(),
        reason,
    };
    let absolute = std::path::absolute(path).map_err(|e| bad(e.to_string()))?;
    Url::from_file_path(&absolute)
        .map(String::from)
        .map_err(|()| bad("not a local path".into()))
}

/// The scheme of an already parsed URL (also used for redirect targets).
pub(crate) fn classify(url: &Url) -> Result<Scheme, FetchError> {
    match url.scheme() {
        "http" | "https" => Ok(Scheme::Http),
        "file" => Ok(Scheme::File),
        other => Err(FetchError::UnsupportedScheme {
            url: redact_url(url.as_str()),
            scheme: other.to_owned(),
        }),
    }
}

/// The local path of a `file:///abs/path` URL, percent-decoded.
///
/// Only a plain path: a remote host, a query or a fragment would silently mean something
/// else than the administrator wrote.
pub(crate) fn file_path(url: &Url) -> Result<PathBuf, FetchError> {
    let bad = |reason: &str| FetchError::BadUrl {
        url: redact_url(url.as_str()),
        reason: reason.to_owned(),
    };
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("a file URL must be a plain path (no '?' or '#')"));
    }
    match url.host_str() {
        None | Some("" | "localhost") => {}
        Some(_) => {
            return Err(bad(
                "a file URL must name a local path: file:///absolute/path",
            ))
        }
    }
    url.to_file_path()
        .map_err(|()| bad("not an absolute local path; write file:///absolute/path"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_userinfo() {
        assert_eq!(
            redact_url("https://alice:s3cret@example.org/list?x=1"),
            "https://example.org/list?x=1"
        );
        assert_eq!(redact_url("http://bob@example.org/"), "http://example.org/");
        assert_eq!(redact_url("https://example.org/a"), "https://example.org/a");
    }

    #[test]
    fn redacts_unparsable_urls_too() {
        assert_eq!(
            redact_url("https://u:p@exa mple.org/x"),
            "https://exa mple.org/x"
        );
        assert_eq!(redact_url("not a url"), "not a url");
        assert_eq!(redact_url("ftp://u:p@[bad/x@y"), "ftp://[bad/x@y");
    }

    #[test]
    fn file_urls_are_plain_paths() {
        let u = Url::parse("file:///tmp/a%20b.txt").unwrap();
        assert_eq!(file_path(&u).unwrap(), PathBuf::from("/tmp/a b.txt"));
        let u = Url::parse("file://localhost/tmp/x").unwrap();
        assert_eq!(file_path(&u).unwrap(), PathBuf::from("/tmp/x"));
        for bad in [
            "file:///tmp/x?y=1",
            "file://server/share/x",
            "file:///tmp/x#frag",
        ] {
            let u = Url::parse(bad).unwrap();
            assert!(
                matches!(file_path(&u), Err(FetchError::BadUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn unsupported_scheme_names_the_supported_ones() {
        let err = parse("ftp://example.org/x").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("'ftp'") && msg.contains("https, http and file"),
            "{msg}"
        );
    }

    #[test]
    fn http_needs_a_host() {
        assert!(matches!(parse("http://"), Err(FetchError::BadUrl { .. })));
    }
}
