//! What fetching and verifying needs, built once per run and shared by the subscription
//! and cache layers: the configuration, the trust store, the fetcher and the proxies.

use std::time::Duration;

use crate::config::Config;
use crate::db::Subscription;
use crate::fetch::{FetchOptions, Fetcher, ProxyConfig, Secret, TlsAnchors};
use crate::trust::TrustStore;

/// What fetching and verifying lists needs, built once per run.
pub struct Services<'a> {
    pub config: &'a Config,
    pub trust: TrustStore,
    pub fetcher: &'a dyn Fetcher,
    pub proxy: ProxyConfig,
}

impl Services<'_> {
    /// Transport options for a URL given on the command line, or for an image on another
    /// origin than its list (no credentials; no `file://` images).
    pub fn fetch_options(
        &self,
        tls_anchors: TlsAnchors,
        username: Option<&str>,
        password: Option<&str>,
    ) -> FetchOptions {
        let http = &self.config.http;
        let extra_roots = match tls_anchors {
            TlsAnchors::Igtf | TlsAnchors::Both => self.trust.ca_certificates().to_vec(),
            TlsAnchors::System | TlsAnchors::None => Vec::new(),
        };
        FetchOptions {
            connect_timeout: Duration::from_secs(http.connect_timeout.value),
            read_timeout: Duration::from_secs(http.read_timeout.value),
            transfer_timeout: Duration::from_secs(http.transfer_timeout.value),
            min_rate: http.min_rate.value,
            max_redirects: http.max_redirects.value,
            tls_anchors,
            extra_roots,
            basic_auth: username.map(|u| (u.to_string(), Secret::new(password.unwrap_or("")))),
            proxy: self.proxy.clone(),
            ..FetchOptions::default()
        }
    }

    /// Transport options for a subscription's list and for images on the list's origin.
    /// Images may be `file://` only when the list itself is read from `file://`.
    pub fn subscription_options(&self, subscription: &Subscription) -> FetchOptions {
        FetchOptions {
            file_images: subscription
                .url
                .get(..7)
                .is_some_and(|s| s.eq_ignore_ascii_case("file://")),
            ..self.fetch_options(
                subscription.tls_anchors,
                subscription.username.as_deref(),
                subscription.password.as_deref(),
            )
        }
    }
}
