//! What verification reports: the signer as found in the message, each check with its
//! outcome, and the verified list.

use openssl::x509::X509;
use time::OffsetDateTime;

use super::super::dn;
use super::super::error::TrustError;
use super::asn1::{serial_hex, to_datetime};

/// The signer of a message, as read from the message (trusted or not).
#[derive(Debug, Clone)]
pub struct Signer {
    /// Subject, one-line form.
    pub subject: String,
    /// Issuer, one-line form.
    pub issuer: String,
    /// Serial number, upper-case hex as OpenSSL prints it.
    pub serial: String,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// The certificate itself.
    pub certificate: X509,
}

/// What a check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// The input is an S/MIME signed message with one signer.
    Format,
    /// Signature and content digest against the signer's own key.
    Signature,
    /// The signer chains to a CA of the trust directory.
    Chain,
    /// One CA's CRL (present, current, signer/CA not revoked).
    Crl,
    /// Namespace policies.
    Namespace,
    /// Signer certificate validity dates.
    Validity,
    /// OpenSSL's full `PKCS7_verify` with CRL checks (authoritative).
    Final,
}

/// The outcome of one check.
#[derive(Debug, Clone)]
pub struct Check {
    /// What was checked; CRL checks name the CA (`CRL of '/DC=…'`).
    pub name: String,
    /// What kind of check.
    pub kind: CheckKind,
    /// Passed?
    pub ok: bool,
    /// One line of detail (the error message on failure).
    pub detail: String,
    /// The error on failure.
    pub error: Option<TrustError>,
}

impl Check {
    pub(super) fn pass(
        kind: CheckKind,
        name: impl Into<String>,
        detail: impl Into<String>,
    ) -> Check {
        Check {
            name: name.into(),
            kind,
            ok: true,
            detail: detail.into(),
            error: None,
        }
    }

    pub(super) fn fail(kind: CheckKind, name: impl Into<String>, e: TrustError) -> Check {
        Check {
            name: name.into(),
            kind,
            ok: false,
            detail: e.to_string(),
            error: Some(e),
        }
    }
}

/// Every check of a message, for `vmcatcher verify`.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// The signer certificate found in the message, even when it is not trusted.
    pub signer: Option<Signer>,
    /// The signed bytes whose signature verified with the signer's key. Trust them only
    /// when [`VerifyReport::is_ok`]; they are given otherwise so the rest of the list can be
    /// reported on.
    pub content: Option<Vec<u8>>,
    /// The checks in order: format, signature, chain, CRLs, namespace, validity, final.
    pub checks: Vec<Check>,
    /// Set only when every check passed, from the authoritative `PKCS7_verify`.
    pub(super) verified: Option<Vec<u8>>,
}

impl VerifyReport {
    /// True when every check passed.
    pub fn is_ok(&self) -> bool {
        self.verified.is_some() && self.checks.iter().all(|c| c.ok)
    }

    /// The first failing check's error.
    pub fn first_error(&self) -> Option<&TrustError> {
        self.checks.iter().find_map(|c| c.error.as_ref())
    }
}

/// A list whose signature, chain, CRLs, namespace and dates all verified.
#[derive(Debug, Clone)]
pub struct VerifiedList {
    /// Exactly the bytes OpenSSL verified (CRLF line ends as OpenSSL gives them).
    pub content: Vec<u8>,
    /// Signer subject, one-line form (compare with `hv:dn`).
    pub signer_subject: String,
    /// Signer issuer, one-line form (compare with `hv:ca`).
    pub signer_issuer: String,
    /// Signer serial, upper-case hex.
    pub signer_serial: String,
    /// Signer certificate end of validity.
    pub not_after: OffsetDateTime,
}

/// The signer as reports show it.
pub(super) fn signer_of(cert: &X509) -> Signer {
    let epoch = OffsetDateTime::UNIX_EPOCH;
    Signer {
        subject: dn::oneline(cert.subject_name()),
        issuer: dn::oneline(cert.issuer_name()),
        serial: serial_hex(cert),
        not_before: to_datetime(cert.not_before()).unwrap_or(epoch),
        not_after: to_datetime(cert.not_after()).unwrap_or(epoch),
        certificate: cert.clone(),
    }
}

impl VerifyReport {
    pub(super) fn empty() -> VerifyReport {
        VerifyReport {
            signer: None,
            content: None,
            checks: Vec::new(),
            verified: None,
        }
    }
}
