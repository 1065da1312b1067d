//! TLS client settings, built once per run for each choice of trust anchors.
//!
//! Building an OpenSSL client context parses the system root bundle (≈ 60 ms for the 144
//! certificates of Debian 12's bundle); doing it per connection made every https list cost
//! ≈ 130 ms. One context per (anchors, extra roots) is kept for the whole process.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use openssl::x509::store::X509StoreBuilder;

use super::options::{FetchOptions, TlsAnchors};

/// Identifies a TLS setting: the anchors and a digest of the extra roots' DER bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TlsKey {
    anchors: TlsAnchors,
    roots: u64,
}

impl TlsKey {
    pub(crate) fn of(opts: &FetchOptions) -> Result<TlsKey, String> {
        let mut hasher = DefaultHasher::new();
        if matches!(opts.tls_anchors, TlsAnchors::Igtf | TlsAnchors::Both) {
            for cert in &opts.extra_roots {
                cert.to_der()
                    .map_err(|e| format!("cannot use a trust directory certificate: {e}"))?
                    .hash(&mut hasher);
            }
        }
        Ok(TlsKey {
            anchors: opts.tls_anchors,
            roots: hasher.finish(),
        })
    }
}

fn cache() -> &'static Mutex<HashMap<TlsKey, Arc<SslConnector>>> {
    static CACHE: OnceLock<Mutex<HashMap<TlsKey, Arc<SslConnector>>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// The client context for `opts`, built on first use.
pub(crate) fn connector(key: TlsKey, opts: &FetchOptions) -> Result<Arc<SslConnector>, String> {
    let mut cache = cache()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(found) = cache.get(&key) {
        return Ok(found.clone());
    }
    let built = Arc::new(build(opts)?);
    cache.insert(key, built.clone());
    Ok(built)
}

fn build(opts: &FetchOptions) -> Result<SslConnector, String> {
    let failed = |e: openssl::error::ErrorStack| format!("cannot set up TLS: {e}");
    // The builder loads the system roots (OpenSSL's default paths) into its store.
    let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(failed)?;
    let cert_error =
        |e: openssl::error::ErrorStack| format!("cannot use a trust directory certificate: {e}");
    match opts.tls_anchors {
        TlsAnchors::System => {}
        TlsAnchors::None => builder.set_verify(SslVerifyMode::NONE),
        TlsAnchors::Igtf => {
            let mut store = X509StoreBuilder::new().map_err(failed)?;
            for cert in &opts.extra_roots {
                store.add_cert(cert.clone()).map_err(cert_error)?;
            }
            builder.set_cert_store(store.build());
        }
        TlsAnchors::Both => {
            for cert in &opts.extra_roots {
                // A CA that is also in the system bundle is already there: not an error.
                if let Err(e) = builder.cert_store_mut().add_cert(cert.clone()) {
                    let duplicate = e
                        .errors()
                        .iter()
                        .any(|r| r.reason() == Some("cert already in hash table"));
                    if !duplicate {
                        return Err(cert_error(e));
                    }
                }
            }
        }
    }
    Ok(builder.build())
}
