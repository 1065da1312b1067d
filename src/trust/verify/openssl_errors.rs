//! OpenSSL's verification errors (`X509_V_ERR_*`, the error stack) turned into
//! [`TrustError`]s worded for an administrator.

use openssl::error::ErrorStack;
use openssl::x509::{X509VerifyResult, X509};
use openssl_sys::{
    X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CERT_REVOKED,
    X509_V_ERR_CRL_HAS_EXPIRED, X509_V_ERR_CRL_NOT_YET_VALID, X509_V_ERR_CRL_PATH_VALIDATION_ERROR,
    X509_V_ERR_CRL_SIGNATURE_FAILURE, X509_V_ERR_DIFFERENT_CRL_SCOPE,
    X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD, X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD,
    X509_V_ERR_KEYUSAGE_NO_CRL_SIGN, X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE,
    X509_V_ERR_UNABLE_TO_GET_CRL, X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER,
    X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION,
};

use super::super::dn;
use super::super::error::TrustError;
use super::super::store::{CrlEntry, TrustStore};
use super::asn1::{fmt_time, serial_hex};
use super::crl::crls_of;
use super::report::Signer;

pub(super) fn errstack_text(e: &ErrorStack) -> String {
    let parts: Vec<String> = e
        .errors()
        .iter()
        .map(|x| {
            let mut s = x.reason().unwrap_or("unknown error").to_string();
            if let Some(d) = x.data() {
                s.push_str(&format!(" ({d})"));
            }
            s
        })
        .collect();
    if parts.is_empty() {
        "unknown OpenSSL error".into()
    } else {
        parts.join("; ")
    }
}

/// Map an OpenSSL `X509_V_ERR_*` code (with the depth and chain where it arose) to a
/// [`TrustError`] worded for an administrator.
pub(super) fn map_verify_error(
    store: &TrustStore,
    signer: &Signer,
    chain: &[X509],
    result: X509VerifyResult,
    depth: u32,
    subject: Option<&String>,
) -> TrustError {
    let code = result.as_raw();
    let text = result.error_string().to_string();
    let at = chain.get(depth as usize);
    let cert_dn = subject.cloned().unwrap_or_else(|| signer.subject.clone());
    // The CA that issued the certificate at `depth` (itself at the top of the chain).
    let issuer_dn = at.map_or_else(|| signer.issuer.clone(), |c| dn::oneline(c.issuer_name()));
    let crl_date = |f: &dyn Fn(&CrlEntry) -> Option<String>| -> String {
        chain
            .get(depth as usize + 1)
            .or(at)
            .and_then(|ca| crls_of(store, ca).0.first().and_then(|e| f(e)))
            .unwrap_or_else(|| "an unknown date".into())
    };
    match code {
        X509_V_ERR_UNABLE_TO_GET_CRL => TrustError::MissingCrl {
            ca: issuer_dn,
            dir: store.dir().to_path_buf(),
        },
        X509_V_ERR_CRL_NOT_YET_VALID => TrustError::CrlNotYetValid {
            ca: issuer_dn,
            date: crl_date(&|e| Some(fmt_time(e.crl.last_update()))),
        },
        X509_V_ERR_CRL_HAS_EXPIRED => TrustError::CrlExpired {
            ca: issuer_dn,
            date: crl_date(&|e| e.crl.next_update().map(fmt_time)),
        },
        X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE
        | X509_V_ERR_CRL_SIGNATURE_FAILURE
        | X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD
        | X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD
        | X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER
        | X509_V_ERR_KEYUSAGE_NO_CRL_SIGN
        | X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION
        | X509_V_ERR_DIFFERENT_CRL_SCOPE
        | X509_V_ERR_CRL_PATH_VALIDATION_ERROR => TrustError::CrlInvalid {
            ca: issuer_dn,
            reason: text,
        },
        X509_V_ERR_CERT_REVOKED => TrustError::Revoked {
            subject: cert_dn,
            serial: at.map_or_else(|| signer.serial.clone(), |c| serial_hex(c)),
            ca: issuer_dn,
        },
        // On the signer itself; on a CA certificate they are a chain failure.
        X509_V_ERR_CERT_NOT_YET_VALID if depth == 0 => TrustError::SignerNotYetValid {
            subject: signer.subject.clone(),
            date: fmt_time(signer.certificate.not_before()),
        },
        X509_V_ERR_CERT_HAS_EXPIRED if depth == 0 => TrustError::SignerExpired {
            subject: signer.subject.clone(),
            date: fmt_time(signer.certificate.not_after()),
        },
        _ => {
            let reason = if depth == 0 {
                text
            } else {
                format!("{text} (at CA certificate '{cert_dn}')")
            };
            TrustError::UntrustedChain {
                subject: signer.subject.clone(),
                issuer: signer.issuer.clone(),
                reason,
                dir: store.dir().to_path_buf(),
            }
        }
    }
}
