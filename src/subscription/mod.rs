//! Subscribing to image lists and keeping them current: the trust and update rules of
//! product.md §5 and §11 applied to the database.

mod add;
pub mod rules;
mod update;

use std::time::Duration;

pub use add::{add, AddRequest, Added};
pub use update::{clear_solved_crl_problems, update, withdraw_unauthorised, Updated};

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

/// A random (version 4) UUID, as the original gave auto-endorsed endorsers.
pub fn random_uuid() -> String {
    let mut b = [0u8; 16];
    if openssl::rand::rand_bytes(&mut b).is_err() {
        // Fall back on time and pid: uniqueness is what matters for an endorser name.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        b = (nanos ^ (u128::from(std::process::id()) << 64)).to_be_bytes();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
