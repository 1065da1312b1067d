//! The trust directory (IGTF layout): CA certificates, CRLs and namespace policies.
//!
//! Loaded once; OpenSSL stores are built here so each verification only creates a
//! context. System default paths are never added: only this directory is trusted.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use foreign_types_shared::ForeignTypeRef;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::verify::X509VerifyFlags;
use openssl::x509::{X509Crl, X509PurposeId, X509};

use super::dn;
use super::error::TrustError;
use super::ffi;
use super::policy::{self, PolicySet};

/// A CRL and the file it came from.
pub struct CrlEntry {
    /// The CRL.
    pub crl: X509Crl,
    /// Its file in the trust directory.
    pub file: PathBuf,
}

/// CA certificates, CRLs and namespace policies of one trust directory.
pub struct TrustStore {
    dir: PathBuf,
    cas: Vec<X509>,
    crls: Vec<CrlEntry>,
    policies: PolicySet,
    /// CAs + CRLs, `CRL_CHECK | CRL_CHECK_ALL`, purpose any: the authoritative store.
    pub(crate) full: X509Store,
    /// CAs only, no CRL flags, purpose any: used to report the chain apart from CRLs.
    pub(crate) chain_only: X509Store,
}

impl std::fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustStore")
            .field("dir", &self.dir)
            .field("cas", &self.cas.len())
            .field("crls", &self.crls.len())
            .field("policy_rules", &self.policies.len())
            .finish()
    }
}

/// `name.0`, `name.1`, … (hash-named CA files).
fn has_numeric_ext(name: &str, prefix: &str) -> bool {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext
            .strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())),
        _ => false,
    }
}

fn stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

fn is_ca(cert: &X509) -> bool {
    // SAFETY: valid certificate pointer; X509_check_ca only caches extension flags.
    unsafe { ffi::X509_check_ca(cert.as_ptr()) != 0 }
}

fn internal(dir: &Path, e: openssl::error::ErrorStack) -> TrustError {
    TrustError::DirUnreadable {
        dir: dir.to_path_buf(),
        reason: format!("OpenSSL could not build the certificate store: {e}"),
    }
}

impl TrustStore {
    /// Load `dir`: `*.0`/`*.1`…/`*.pem` CA certificates, `*.r0`/`*.r1`… CRLs (PEM or
    /// DER), `*.namespaces` and `*.signing_policy`. Unparsable files are skipped with a
    /// warning; a missing directory or one without CA certificate is an error.
    pub fn load(dir: &Path) -> Result<TrustStore, TrustError> {
        let meta = fs::metadata(dir).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                TrustError::DirMissing {
                    dir: dir.to_path_buf(),
                }
            } else {
                TrustError::DirUnreadable {
                    dir: dir.to_path_buf(),
                    reason: e.to_string(),
                }
            }
        })?;
        if !meta.is_dir() {
            return Err(TrustError::NotADirectory {
                dir: dir.to_path_buf(),
            });
        }
        let unreadable = |e: std::io::Error| TrustError::DirUnreadable {
            dir: dir.to_path_buf(),
            reason: e.to_string(),
        };
        let mut names: Vec<(String, PathBuf)> = Vec::new();
        for entry in fs::read_dir(dir).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            let path = entry.path();
            // Follow symlinks (`<hash>.0 -> Some-CA.pem` is the usual layout).
            if !fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                continue;
            }
            if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
                names.push((name.to_string(), path.clone()));
            }
        }
        names.sort();

        let mut cas: Vec<X509> = Vec::new();
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        let mut subject_by_stem: HashMap<String, String> = HashMap::new();
        let mut crls: Vec<CrlEntry> = Vec::new();
        let mut policy_files: Vec<(String, PathBuf, bool)> = Vec::new();

        for (name, path) in &names {
            if has_numeric_ext(name, "") || name.ends_with(".pem") {
                let certs = match fs::read(path) {
                    Ok(b) => X509::stack_from_pem(&b)
                        .ok()
                        .filter(|v| !v.is_empty())
                        .or_else(|| X509::from_der(&b).ok().map(|c| vec![c])),
                    Err(e) => {
                        tracing::warn!(file = %path.display(), "cannot read CA certificate file: {e}");
                        continue;
                    }
                };
                let Some(certs) = certs else {
                    tracing::warn!(file = %path.display(), "not a certificate (PEM or DER): skipped");
                    continue;
                };
                for cert in certs {
                    if !is_ca(&cert) {
                        tracing::warn!(file = %path.display(), subject = %dn::oneline(cert.subject_name()), "not a CA certificate: skipped");
                        continue;
                    }
                    subject_by_stem
                        .entry(stem(name).to_string())
                        .or_insert_with(|| dn::oneline(cert.subject_name()));
                    let der = cert.to_der().unwrap_or_default();
                    if seen.insert(der) {
                        cas.push(cert);
                    }
                }
            } else if has_numeric_ext(name, "r") {
                let crl = match fs::read(path) {
                    Ok(b) => X509Crl::from_pem(&b)
                        .or_else(|_| X509Crl::from_der(&b))
                        .ok(),
                    Err(e) => {
                        tracing::warn!(file = %path.display(), "cannot read CRL file: {e}");
                        continue;
                    }
                };
                match crl {
                    Some(crl) => crls.push(CrlEntry {
                        crl,
                        file: path.clone(),
                    }),
                    None => {
                        tracing::warn!(file = %path.display(), "not a CRL (PEM or DER): skipped");
                    }
                }
            } else if name.ends_with(".namespaces") {
                policy_files.push((name.clone(), path.clone(), true));
            } else if name.ends_with(".signing_policy") {
                policy_files.push((name.clone(), path.clone(), false));
            }
        }

        if cas.is_empty() {
            return Err(TrustError::NoCaCertificates {
                dir: dir.to_path_buf(),
            });
        }

        let mut policies = PolicySet::default();
        for (name, path, is_ns) in policy_files {
            let text = match fs::read(&path) {
                Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                Err(e) => {
                    tracing::warn!(file = %path.display(), "cannot read policy file: {e}");
                    continue;
                }
            };
            let (rules, warnings) = if is_ns {
                policy::parse_namespaces(&text)
            } else {
                policy::parse_signing_policy(&text)
            };
            for w in warnings {
                tracing::warn!(file = %path.display(), line = w.line, "policy file: {}", w.message);
            }
            let self_ca = subject_by_stem.get(stem(&name)).map(String::as_str);
            for r in policy::resolve(rules, &path, self_ca) {
                policies.add(r);
            }
        }

        let full = build_store(&cas, &crls, true).map_err(|e| internal(dir, e))?;
        let chain_only = build_store(&cas, &[], false).map_err(|e| internal(dir, e))?;
        Ok(TrustStore {
            dir: dir.to_path_buf(),
            cas,
            crls,
            policies,
            full,
            chain_only,
        })
    }

    /// The directory this store was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The CA certificates (also usable as TLS trust anchors).
    pub fn ca_certificates(&self) -> &[X509] {
        &self.cas
    }

    /// The CRLs with their files.
    pub fn crls(&self) -> &[CrlEntry] {
        &self.crls
    }

    /// When the newest CRL issued under the CA name `ca` (one-line form) stops being
    /// current, if there is one. `Some(None)` is a CRL without nextUpdate.
    pub fn crl_next_update(&self, ca: &str) -> Option<Option<time::OffsetDateTime>> {
        self.crls
            .iter()
            .filter(|c| dn::oneline(c.crl.issuer_name()) == ca)
            .max_by(|a, b| {
                a.crl
                    .last_update()
                    .partial_cmp(b.crl.last_update())
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .map(|c| c.crl.next_update().and_then(super::verify::to_datetime))
    }

    /// The namespace policies.
    pub fn policies(&self) -> &PolicySet {
        &self.policies
    }
}

/// A store trusting exactly `cas`; with `crl_check`, CRLs are added and checked for every
/// certificate of the chain. Purpose "any": real lists are signed with host certificates.
fn build_store(
    cas: &[X509],
    crls: &[CrlEntry],
    crl_check: bool,
) -> Result<X509Store, openssl::error::ErrorStack> {
    let mut b = X509StoreBuilder::new()?;
    for ca in cas {
        b.add_cert(ca.clone())?;
    }
    for c in crls {
        // SAFETY: both pointers are valid; X509_STORE_add_crl takes its own reference.
        // It fails only for a duplicate or on allocation failure: a duplicate is harmless.
        unsafe {
            if ffi::X509_STORE_add_crl(b.as_ptr(), c.crl.as_ptr()) != 1 {
                tracing::debug!(file = %c.file.display(), "CRL not added to the store (duplicate?)");
                let _ = openssl::error::ErrorStack::get();
            }
        }
    }
    if crl_check {
        b.set_flags(X509VerifyFlags::CRL_CHECK | X509VerifyFlags::CRL_CHECK_ALL)?;
    }
    b.set_purpose(X509PurposeId::ANY)?;
    Ok(b.build())
}
