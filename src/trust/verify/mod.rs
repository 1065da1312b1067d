//! S/MIME verification of a signed image list against a [`TrustStore`].
//!
//! Checks are run one by one so the `verify` command can print each outcome (signature,
//! chain, each CA's CRL, namespace, validity dates), then OpenSSL's `PKCS7_verify` with
//! `CRL_CHECK | CRL_CHECK_ALL` on the full store makes the final, authoritative decision:
//! the content of a [`VerifiedList`] is only ever what that call returned.

mod asn1;
mod checks;
mod crl;
mod openssl_errors;
mod report;

use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::stack::Stack;
use openssl::x509::X509;

use self::checks::{signature_only, trust_checks};
use self::openssl_errors::errstack_text;
use self::report::signer_of;
use super::error::TrustError;
use super::store::TrustStore;

pub(crate) use asn1::to_datetime;
pub use report::{Check, CheckKind, Signer, VerifiedList, VerifyReport};

/// Verify `raw` (S/MIME `multipart/signed` or opaque `application/pkcs7-mime`) against
/// `store`. The first failing check becomes the error.
pub fn verify(store: &TrustStore, raw: &[u8]) -> Result<VerifiedList, TrustError> {
    let mut report = VerifyReport::empty();
    // The reporting-only signature check is skipped: the final PKCS7_verify covers it
    // (and reports an altered content the same way), and lists are hundreds of kB.
    run(store, raw, &mut report, false);
    if let Some(e) = report.first_error() {
        return Err(e.clone());
    }
    match (report.verified, report.signer) {
        (Some(content), Some(s)) => Ok(VerifiedList {
            content,
            signer_subject: s.subject,
            signer_issuer: s.issuer,
            signer_serial: s.serial,
            not_after: s.not_after,
        }),
        _ => Err(TrustError::Verification {
            reason: "verification did not complete".into(),
        }),
    }
}

/// For a message whose bytes equal a list verified before (same SHA-512): the signature
/// over those bytes holds, so only its signer is checked again — chain, the CRL of every
/// CA, namespace policies, validity — as of now. Returns the signer's subject and issuer.
/// Falls back on the full [`verify`] when the message cannot be read quickly.
pub fn verify_signer(store: &TrustStore, raw: &[u8]) -> Result<(String, String), TrustError> {
    let full = || verify(store, raw).map(|v| (v.signer_subject, v.signer_issuer));
    let Some(p7) = super::mime::pkcs7_der(raw).and_then(|der| Pkcs7::from_der(&der).ok()) else {
        return full();
    };
    let (Some(signed), Ok(empty)) = (p7.signed(), Stack::<X509>::new()) else {
        return full();
    };
    let cert = match p7.signers(&empty, Pkcs7Flags::empty()) {
        Ok(signers) if signers.len() == 1 => match signers.get(0) {
            Some(c) => c.to_owned(),
            None => return full(),
        },
        _ => return full(),
    };
    let signer = signer_of(&cert);
    let untrusted: &openssl::stack::StackRef<X509> = signed.certificates().unwrap_or(&empty);
    let mut report = VerifyReport::empty();
    trust_checks(store, &cert, untrusted, &signer, &mut report);
    match report.first_error() {
        Some(e) => Err(e.clone()),
        None => Ok((signer.subject, signer.issuer)),
    }
}

/// The content a stored message signs and its signer, checked against the signer's own
/// key only: no chain, CRL or date checks. For messages accepted before (the history a
/// vmcatcher 0.6.3 database holds): it proves the bytes are intact, not that they are
/// trusted today; the next update verifies fully.
pub fn signed_content(raw: &[u8]) -> Result<(Vec<u8>, Signer), TrustError> {
    let (p7, indata) =
        super::ossl::read_smime(raw).map_err(|reason| TrustError::NotSigned { reason })?;
    let verification = |e: &openssl::error::ErrorStack| TrustError::Verification {
        reason: errstack_text(e),
    };
    let empty = Stack::<X509>::new().map_err(|e| verification(&e))?;
    let signers = p7
        .signers(&empty, Pkcs7Flags::empty())
        .map_err(|e| verification(&e))?;
    if signers.len() != 1 {
        return Err(TrustError::SignerCount {
            count: signers.len(),
        });
    }
    let cert = signers
        .get(0)
        .map(std::borrow::ToOwned::to_owned)
        .ok_or(TrustError::SignerCount { count: 0 })?;
    let signer = signer_of(&cert);
    let content = signature_only(&p7, &cert, indata.as_deref(), &empty).map_err(|e| {
        TrustError::BadSignature {
            subject: signer.subject.clone(),
            reason: format!(
                "the stored message does not verify with its signer's key ({})",
                errstack_text(&e)
            ),
        }
    })?;
    Ok((content, signer))
}

/// Run every check on `raw` and report each outcome.
pub fn inspect(store: &TrustStore, raw: &[u8]) -> VerifyReport {
    let mut r = VerifyReport::empty();
    run(store, raw, &mut r, true);
    r
}

/// The checks in order; `detailed` adds the signature check that only serves reporting.
pub(super) fn run(store: &TrustStore, raw: &[u8], r: &mut VerifyReport, detailed: bool) {
    use CheckKind::{Final, Format, Signature};
    // 1. Format: an S/MIME signed-data message with exactly one signer certificate.
    // Not `Pkcs7::from_smime`: the openssl crate panics on the non-UTF-8 error data the
    // MIME parser can leave (see `ossl`).
    let (p7, indata) = match super::ossl::read_smime(raw) {
        Ok(x) => x,
        Err(reason) => {
            r.checks.push(Check::fail(
                Format,
                "format",
                TrustError::NotSigned { reason },
            ));
            return;
        }
    };
    let Some(signed) = p7.signed() else {
        r.checks.push(Check::fail(
            Format,
            "format",
            TrustError::NotSigned {
                reason: "PKCS#7 content is not signed-data".into(),
            },
        ));
        return;
    };
    let empty = match Stack::<X509>::new() {
        Ok(s) => s,
        Err(e) => {
            let reason = errstack_text(&e);
            r.checks.push(Check::fail(
                Format,
                "format",
                TrustError::Verification { reason },
            ));
            return;
        }
    };
    let signers = match p7.signers(&empty, Pkcs7Flags::empty()) {
        Ok(s) => s,
        Err(e) => {
            let reason = errstack_text(&e);
            let err = if reason.contains("no signers") {
                TrustError::SignerCount { count: 0 }
            } else {
                TrustError::SignerCertificateMissing { reason }
            };
            r.checks.push(Check::fail(Format, "format", err));
            return;
        }
    };
    if signers.len() != 1 {
        r.checks.push(Check::fail(
            Format,
            "format",
            TrustError::SignerCount {
                count: signers.len(),
            },
        ));
        return;
    }
    let Some(cert) = signers.get(0).map(std::borrow::ToOwned::to_owned) else {
        r.checks.push(Check::fail(
            Format,
            "format",
            TrustError::SignerCount { count: 0 },
        ));
        return;
    };
    let signer = signer_of(&cert);
    r.checks.push(Check::pass(
        Format,
        "format",
        format!(
            "S/MIME {} signed message, signer '{}'",
            if indata.is_some() {
                "multipart/signed (detached)"
            } else {
                "opaque"
            },
            signer.subject
        ),
    ));
    r.signer = Some(signer.clone());
    let untrusted: &openssl::stack::StackRef<X509> = signed.certificates().unwrap_or(&empty);

    // 2. Signature: digest and signature against the signer's own key only. The store
    // trusts just the signer certificate (partial chain, no time check), so this isolates
    // the signature from the chain; it never decides trust.
    let sig = if detailed {
        signature_only(&p7, &cert, indata.as_deref(), &empty)
    } else {
        Ok(Vec::new())
    };
    match sig {
        Ok(_) if !detailed => {}
        Ok(content) => {
            r.content = Some(content);
            r.checks.push(Check::pass(
                Signature,
                "signature",
                "signature and content digest verify",
            ));
        }
        Err(e) => {
            let text = errstack_text(&e);
            let reason = if text.contains("digest failure") {
                "content digest mismatch: the signed content was altered".to_string()
            } else {
                format!("the signature does not verify with the signer's key ({text})")
            };
            r.checks.push(Check::fail(
                Signature,
                "signature",
                TrustError::BadSignature {
                    subject: signer.subject.clone(),
                    reason,
                },
            ));
        }
    }

    if !trust_checks(store, &cert, untrusted, &signer, r) {
        return;
    }
    let mut out = Vec::new();
    match p7.verify(
        &empty,
        &store.full,
        indata.as_deref(),
        Some(&mut out),
        Pkcs7Flags::NOCRL,
    ) {
        Ok(()) => {
            r.checks.push(Check::pass(
                Final,
                "openssl verify",
                "PKCS7_verify with CRL checks on the whole chain: ok",
            ));
            r.content = Some(out.clone());
            r.verified = Some(out);
        }
        Err(e) => {
            let text = errstack_text(&e);
            let err = if text.contains("digest failure") {
                TrustError::BadSignature {
                    subject: signer.subject.clone(),
                    reason: "content digest mismatch: the signed content was altered".into(),
                }
            } else {
                TrustError::Verification { reason: text }
            };
            r.checks.push(Check::fail(Final, "openssl verify", err));
        }
    }
}
