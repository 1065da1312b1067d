//! What a caller can tune about a transfer.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use openssl::x509::X509;

use super::proxy::ProxyConfig;

/// Which certificate authorities may vouch for an https server.
///
/// Image lists are often served by grid sites whose host certificates come from IGTF CAs,
/// which are not in the operating system's bundle; other sites use ordinary web CAs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TlsAnchors {
    /// The operating system's root bundle only.
    System,
    /// The trust directory's CAs only (`FetchOptions::extra_roots`); system roots are not trusted.
    Igtf,
    /// Both; the default, as the spec says.
    #[default]
    Both,
    /// No verification at all. Only when the administrator asked for it explicitly.
    None,
}

impl TlsAnchors {
    /// The spelling used on the command line and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsAnchors::System => "system",
            TlsAnchors::Igtf => "igtf",
            TlsAnchors::Both => "both",
            TlsAnchors::None => "none",
        }
    }
}

impl fmt::Display for TlsAnchors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TlsAnchors {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "system" => Ok(TlsAnchors::System),
            "igtf" => Ok(TlsAnchors::Igtf),
            "both" => Ok(TlsAnchors::Both),
            "none" => Ok(TlsAnchors::None),
            _ => Err(format!(
                "unknown TLS anchors '{s}'; expected one of system, igtf, both, none"
            )),
        }
    }
}

/// A password that never shows up in logs, `Debug` output or error messages.
///
/// There is deliberately no `Display`; call [`Secret::expose`] where the value is needed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The clear text, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

/// Default of `http.transfer_timeout`, seconds: real lists take well under a second.
pub const DEFAULT_TRANSFER_TIMEOUT: u64 = 300;

/// Default of `http.min_rate`, bytes per second: a floor that only a stalled or hostile
/// server falls under (60 KiB per default 60 s window), never a merely slow link.
pub const DEFAULT_MIN_RATE: u64 = 1024;

/// Settings of one fetch. Build it once from the configuration and the subscription.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    /// Time allowed to open the TCP connection.
    pub connect_timeout: Duration,
    /// Time allowed for each read. Never a whole-transfer deadline: images are many GB.
    /// Also the window over which an image body's rate is averaged for [`Self::min_rate`].
    pub read_timeout: Duration,
    /// Deadline of a whole image list transfer (connect, redirects, head and body), and of
    /// everything before the body of an image (connect, redirects, response head): a
    /// server dribbling its answer a byte at a time is cut at this point.
    pub transfer_timeout: Duration,
    /// Bytes per second an image body must average over each `read_timeout` window, else
    /// the transfer is cut (resumable). 0 turns the rule off.
    pub min_rate: u64,
    /// Redirects followed before giving up.
    pub max_redirects: u32,
    /// Which CAs may vouch for https servers.
    pub tls_anchors: TlsAnchors,
    /// The trust directory's CA certificates, used for `Igtf` and `Both`.
    pub extra_roots: Vec<X509>,
    /// Basic-auth user and password, sent only to the host of the first URL.
    pub basic_auth: Option<(String, Secret)>,
    /// A bearer token (an OCI registry's), sent instead of the basic-auth credentials and
    /// under the same rule: only to the host of the first URL, never over a downgrade.
    pub bearer_token: Option<Secret>,
    /// The `Accept` header; `*/*` when `None`. Registries answer a manifest request by
    /// what it accepts (distribution 2.8 answers 404 for an OCI manifest otherwise).
    pub accept: Option<String>,
    /// Sent as `User-Agent`, so server operators can see who fetches.
    pub user_agent: String,
    /// Whether [`super::Fetcher::open_stream`] may open `file://` URLs. Only images of a
    /// list that was itself read from `file://` may be local files: a list fetched over
    /// the network must not make vmcatcher read files of this machine. Lists (fetch_bytes)
    /// always may: their URL is the administrator's own choice.
    pub file_images: bool,
    /// Proxies to use. The default is none; production builds it with
    /// [`ProxyConfig::from_lookup`] on the captured environment, tests pass their own so they never depend on the machine.
    pub proxy: ProxyConfig,
}

impl Default for FetchOptions {
    /// The spec's defaults (`[http]` section): 30 s connect, 60 s per read, 300 s per list
    /// transfer, 1024 bytes/s minimum image rate, 10 redirects; no `file://` images.
    fn default() -> Self {
        FetchOptions {
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(60),
            transfer_timeout: Duration::from_secs(DEFAULT_TRANSFER_TIMEOUT),
            min_rate: DEFAULT_MIN_RATE,
            file_images: false,
            max_redirects: 10,
            tls_anchors: TlsAnchors::Both,
            extra_roots: Vec::new(),
            basic_auth: None,
            bearer_token: None,
            accept: None,
            user_agent: default_user_agent(),
            proxy: ProxyConfig::default(),
        }
    }
}

/// `vmcatcher/<version>`.
pub fn default_user_agent() -> String {
    format!("vmcatcher/{}", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_masked_in_debug() {
        let opts = FetchOptions {
            basic_auth: Some(("alice".into(), Secret::new("hunter2"))),
            ..FetchOptions::default()
        };
        let shown = format!("{opts:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("Secret(***)"));
    }

    #[test]
    fn anchors_parse_case_insensitively() {
        assert_eq!("IGTF".parse::<TlsAnchors>().unwrap(), TlsAnchors::Igtf);
        assert_eq!("none".parse::<TlsAnchors>().unwrap(), TlsAnchors::None);
        assert!("web"
            .parse::<TlsAnchors>()
            .unwrap_err()
            .contains("system, igtf, both, none"));
    }

    #[test]
    fn user_agent_names_version() {
        assert!(default_user_agent().starts_with("vmcatcher/"));
    }
}
