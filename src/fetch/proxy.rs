//! Which proxy, if any, a request goes through.
//!
//! Decided from the environment captured once (so tests never depend on the machine),
//! with curl's `no_proxy` rules on label boundaries: a bare suffix test would let
//! `no_proxy=ample.org` bypass the proxy for `example.org`, and an empty entry
//! (`no_proxy=a,`) bypass it for every host.

use std::fmt;

use url::Url;

use super::location::redact_url;

/// Proxy settings in the curl/Unix convention.
///
/// `Debug` shows the proxy URLs without their credentials.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    /// Proxy for `http://` URLs (`http_proxy`).
    pub http: Option<Url>,
    /// Proxy for `https://` URLs (`https_proxy`), reached with CONNECT.
    pub https: Option<Url>,
    /// Hosts that bypass the proxy (`no_proxy`): domain suffixes, exact IPs, or `*`.
    pub no_proxy: Vec<String>,
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |u: &Option<Url>| u.as_ref().map(|u| redact_url(u.as_str()));
        f.debug_struct("ProxyConfig")
            .field("http", &show(&self.http))
            .field("https", &show(&self.https))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl ProxyConfig {
    /// No proxy at all.
    pub fn none() -> Self {
        ProxyConfig::default()
    }

    /// Reads `http_proxy`, `https_proxy` (or `HTTPS_PROXY`), `all_proxy` and `no_proxy`
    /// (or `NO_PROXY`) through `lookup` (the captured environment). Upper-case `HTTP_PROXY`
    /// is ignored as curl does, because CGI-style environments let a client set it
    /// ("httpoxy").
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |names: &[&str]| {
            names
                .iter()
                .filter_map(|n| lookup(n))
                .map(|v| v.trim().to_owned())
                .find(|v| !v.is_empty())
        };
        let parse = |name: &str, value: Option<String>| -> Option<Url> {
            let value = value?;
            // curl accepts "host:port" without a scheme; so do we.
            let with_scheme = if value.contains("://") {
                value.clone()
            } else {
                format!("http://{value}")
            };
            match Url::parse(&with_scheme) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Some(u),
                _ => {
                    tracing::warn!(
                        "ignoring {name}={}: not an http(s) proxy URL",
                        redact_url(&value)
                    );
                    None
                }
            }
        };
        let all = parse("all_proxy", get(&["all_proxy", "ALL_PROXY"]));
        let http = parse("http_proxy", get(&["http_proxy"])).or_else(|| all.clone());
        let https = parse("https_proxy", get(&["https_proxy", "HTTPS_PROXY"])).or(all);
        let no_proxy = get(&["no_proxy", "NO_PROXY"])
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_ascii_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        ProxyConfig {
            http,
            https,
            no_proxy,
        }
    }

    /// The proxy to use for `url`, or `None` to connect directly.
    pub fn proxy_for(&self, url: &Url) -> Option<&Url> {
        let proxy = match url.scheme() {
            "http" => self.http.as_ref()?,
            "https" => self.https.as_ref()?,
            _ => return None,
        };
        let host = url
            .host_str()?
            .trim_matches(['[', ']'])
            .to_ascii_lowercase();
        let port = url.port_or_known_default();
        let bypass = self
            .no_proxy
            .iter()
            .any(|pattern| no_proxy_matches(pattern, &host, port));
        (!bypass).then_some(proxy)
    }
}

/// curl's rules: `*` matches all; `example.org` and `.example.org` match the domain and
/// its subdomains (on a label boundary); an optional `:port` must equal the URL's port.
fn no_proxy_matches(pattern: &str, host: &str, port: Option<u16>) -> bool {
    if pattern == "*" {
        return true;
    }
    let (name, want_port) = split_port(pattern);
    if let Some(want) = want_port {
        if Some(want) != port {
            return false;
        }
    }
    let name = name.trim_start_matches('.').trim_matches(['[', ']']);
    if name.is_empty() {
        return false;
    }
    host == name
        || (host.len() > name.len()
            && host.ends_with(name)
            && host.as_bytes()[host.len() - name.len() - 1] == b'.')
}

/// `host:port` → (`host`, port); bare IPv6 addresses are left alone.
fn split_port(pattern: &str) -> (&str, Option<u16>) {
    if let Some((name, port)) = pattern.rsplit_once(':') {
        let bracketed_v6 = name.starts_with('[') && name.ends_with(']');
        if !name.contains(':') || bracketed_v6 {
            if let Ok(p) = port.parse() {
                return (name, Some(p));
            }
        }
    }
    (pattern, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(vars: &[(&str, &str)]) -> ProxyConfig {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ProxyConfig::from_lookup(|n| map.get(n).cloned())
    }

    fn proxy(c: &ProxyConfig, url: &str) -> Option<String> {
        c.proxy_for(&Url::parse(url).unwrap())
            .map(std::string::ToString::to_string)
    }

    #[test]
    fn scheme_selects_proxy() {
        let c = cfg(&[
            ("http_proxy", "http://p1:3128"),
            ("https_proxy", "http://p2:3128"),
        ]);
        assert_eq!(
            proxy(&c, "http://a.org/x").as_deref(),
            Some("http://p1:3128/")
        );
        assert_eq!(
            proxy(&c, "https://a.org/x").as_deref(),
            Some("http://p2:3128/")
        );
        assert_eq!(proxy(&c, "file:///x"), None);
    }

    #[test]
    fn uppercase_https_and_all_proxy_are_read_but_not_uppercase_http() {
        let c = cfg(&[("HTTPS_PROXY", "p2:8080"), ("HTTP_PROXY", "http://evil:1")]);
        assert_eq!(c.https.as_ref().unwrap().as_str(), "http://p2:8080/");
        assert_eq!(c.http, None);
        let c = cfg(&[("all_proxy", "http://p:1")]);
        assert!(c.http.is_some() && c.https.is_some());
    }

    #[test]
    fn no_proxy_matches_on_label_boundaries() {
        let c = cfg(&[
            ("https_proxy", "http://p:3128"),
            ("no_proxy", "example.org, .cern.ch,127.0.0.1,,host:8443"),
        ]);
        assert_eq!(proxy(&c, "https://example.org/"), None);
        assert_eq!(proxy(&c, "https://www.example.org/"), None);
        assert!(proxy(&c, "https://badexample.org/").is_some());
        assert_eq!(proxy(&c, "https://x.cern.ch/"), None);
        assert_eq!(proxy(&c, "https://127.0.0.1:9/"), None);
        assert_eq!(proxy(&c, "https://host:8443/"), None);
        assert!(proxy(&c, "https://host/").is_some(), "port 443 is not 8443");
        assert!(
            proxy(&c, "https://other.org/").is_some(),
            "the empty entry matches nothing"
        );
    }

    #[test]
    fn no_proxy_star_disables() {
        let c = cfg(&[("https_proxy", "http://p:3128"), ("NO_PROXY", "*")]);
        assert_eq!(proxy(&c, "https://example.org/"), None);
    }

    #[test]
    fn debug_hides_proxy_credentials() {
        let c = cfg(&[("https_proxy", "http://user:pw123@p:3128")]);
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("pw123") && shown.contains("p:3128"),
            "{shown}"
        );
    }

    #[test]
    fn bad_values_are_ignored() {
        let c = cfg(&[("https_proxy", "socks5://p:1"), ("http_proxy", "  ")]);
        assert_eq!(c, ProxyConfig::none());
    }
}
