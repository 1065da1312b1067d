//! Errors of the trust module: one line each, naming what failed and what to do.
//!
//! Every variant is a signature/chain class failure (the original's exit code 11); the
//! caller maps them. Values are plain strings so the error is `Clone` and can be kept in
//! a verification report.

use std::path::PathBuf;

/// How a failure bears on a list that verified before (product.md §11.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Persistence {
    /// The trust decision itself changed (revoked, expired signer, CA gone, policy):
    /// the stored list is withdrawn.
    Definitive,
    /// A CA's CRL is missing, stale or unusable: tolerated for `trust.crl_grace`.
    CrlProblem { ca: String },
    /// The trust directory cannot be read at all: nothing is withdrawn.
    Transient,
}

impl TrustError {
    /// Whether this failure, found on a stored list, withdraws it.
    pub fn persistence(&self) -> Persistence {
        match self {
            TrustError::DirMissing { .. }
            | TrustError::NotADirectory { .. }
            | TrustError::DirUnreadable { .. }
            | TrustError::NoCaCertificates { .. } => Persistence::Transient,
            TrustError::MissingCrl { ca, .. }
            | TrustError::CrlExpired { ca, .. }
            | TrustError::CrlNotYetValid { ca, .. }
            | TrustError::CrlInvalid { ca, .. } => Persistence::CrlProblem { ca: ca.clone() },
            _ => Persistence::Definitive,
        }
    }
}

/// A trust-store or verification failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    /// The trust directory does not exist.
    #[error("trust directory {} does not exist: install the IGTF CA bundle or pass --cert-dir", .dir.display())]
    DirMissing { dir: PathBuf },
    /// The trust directory path is not a directory.
    #[error("trust directory {} is not a directory: install the IGTF CA bundle or pass --cert-dir", .dir.display())]
    NotADirectory { dir: PathBuf },
    /// The trust directory cannot be read.
    #[error("cannot read trust directory {}: {reason}", .dir.display())]
    DirUnreadable { dir: PathBuf, reason: String },
    /// The trust directory holds no usable CA certificate.
    #[error("no CA certificate (*.0, *.pem) in trust directory {}: install the IGTF CA bundle or pass --cert-dir", .dir.display())]
    NoCaCertificates { dir: PathBuf },
    /// The input is not an S/MIME signed message (plain list, garbage, other PKCS#7 type).
    #[error("input is not an S/MIME signed message ({reason}): unsigned image lists are refused")]
    NotSigned { reason: String },
    /// The message has no signer or more than one.
    #[error("the signed message has {count} signers: exactly one is required")]
    SignerCount { count: usize },
    /// The signer's certificate is not included in the message.
    #[error("the signer certificate is not included in the signed message: {reason}")]
    SignerCertificateMissing { reason: String },
    /// Signature or content digest does not verify with the signer's key.
    #[error("signature of '{subject}' does not verify: {reason}")]
    BadSignature { subject: String, reason: String },
    /// The signer does not chain to a trusted CA (unknown or rogue CA, bad CA signature…).
    #[error("signer certificate '{subject}' issued by '{issuer}' is not trusted: {reason} (trust directory {})", .dir.display())]
    UntrustedChain {
        subject: String,
        issuer: String,
        reason: String,
        dir: PathBuf,
    },
    /// No CRL for a CA of the chain.
    #[error("no CRL for CA '{ca}' in {}: run fetch-crl", .dir.display())]
    MissingCrl { ca: String, dir: PathBuf },
    /// The CRL's next update has passed.
    #[error("CRL of CA '{ca}' expired on {date}: run fetch-crl")]
    CrlExpired { ca: String, date: String },
    /// The CRL's last update is in the future.
    #[error(
        "CRL of CA '{ca}' is not valid before {date}: check the system clock, then run fetch-crl"
    )]
    CrlNotYetValid { ca: String, date: String },
    /// The CRL is not signed by its CA or otherwise unusable.
    #[error("CRL of CA '{ca}' is invalid ({reason}): run fetch-crl")]
    CrlInvalid { ca: String, reason: String },
    /// A certificate of the chain is revoked.
    #[error("signer certificate '{subject}' (serial {serial}) is revoked by CA '{ca}'")]
    Revoked {
        subject: String,
        serial: String,
        ca: String,
    },
    /// The signer certificate has expired.
    #[error("signer certificate '{subject}' expired on {date}: the list must be re-signed with a valid certificate")]
    SignerExpired { subject: String, date: String },
    /// The signer certificate is not yet valid.
    #[error("signer certificate '{subject}' is not valid before {date}: check the system clock")]
    SignerNotYetValid { subject: String, date: String },
    /// A namespace policy of the CA does not permit (or denies) the subject.
    #[error("CA '{ca}' may not sign for '{subject}' (namespace policy {files})")]
    NamespaceViolation {
        ca: String,
        subject: String,
        files: String,
    },
    /// OpenSSL refused the message for a reason not covered above.
    #[error("S/MIME verification failed: {reason}")]
    Verification { reason: String },
}
