//! The CRL of each CA of the chain: present, current, signed by its CA, and not
//! revoking the certificates the CA issued.

use openssl::asn1::Asn1Time;
use openssl::x509::{CrlStatus, X509Ref, X509};

use super::super::dn;
use super::super::error::TrustError;
use super::super::store::{CrlEntry, TrustStore};
use super::asn1::{fmt_time, serial_hex};

/// The store's CRLs issued by `ca` (same name and verifying with its key), newest first.
pub(super) fn crls_of<'a>(store: &'a TrustStore, ca: &X509Ref) -> (Vec<&'a CrlEntry>, bool) {
    let ca_der = ca.subject_name().to_der().unwrap_or_default();
    let key = ca.public_key().ok();
    let mut named = false;
    let mut v: Vec<&CrlEntry> = store
        .crls()
        .iter()
        .filter(|c| c.crl.issuer_name().to_der().unwrap_or_default() == ca_der)
        .filter(|c| {
            named = true;
            key.as_ref()
                .is_some_and(|k| c.crl.verify(k).unwrap_or(false))
        })
        .collect();
    v.sort_by(|a, b| {
        b.crl
            .last_update()
            .partial_cmp(a.crl.last_update())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    (v, named)
}

pub(super) fn crl_check(
    store: &TrustStore,
    ca: &X509,
    ca_dn: &str,
    issued: &[&X509],
    now: &Asn1Time,
) -> Result<String, TrustError> {
    let (crls, named) = crls_of(store, ca);
    let Some(entry) = crls.first() else {
        return Err(if named {
            TrustError::CrlInvalid {
                ca: ca_dn.to_string(),
                reason: "its signature does not verify with the CA's key".into(),
            }
        } else {
            TrustError::MissingCrl {
                ca: ca_dn.to_string(),
                dir: store.dir().to_path_buf(),
            }
        });
    };
    let crl = &entry.crl;
    if crl.last_update() > now {
        return Err(TrustError::CrlNotYetValid {
            ca: ca_dn.to_string(),
            date: fmt_time(crl.last_update()),
        });
    }
    if let Some(next) = crl.next_update() {
        if next < now {
            return Err(TrustError::CrlExpired {
                ca: ca_dn.to_string(),
                date: fmt_time(next),
            });
        }
    }
    for c in issued {
        if let CrlStatus::Revoked(_) = crl.get_by_serial(c.serial_number()) {
            return Err(TrustError::Revoked {
                subject: dn::oneline(c.subject_name()),
                serial: serial_hex(c),
                ca: ca_dn.to_string(),
            });
        }
    }
    Ok(format!(
        "{} current{}, none of {} certificate(s) revoked",
        entry.file.display(),
        crl.next_update()
            .map(|n| format!(" until {}", fmt_time(n)))
            .unwrap_or_default(),
        issued.len()
    ))
}
