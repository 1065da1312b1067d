//! S/MIME verification of a signed image list against a [`TrustStore`].
//!
//! Checks are run one by one so the `verify` command can print each outcome (signature,
//! chain, each CA's CRL, namespace, validity dates), then OpenSSL's `PKCS7_verify` with
//! `CRL_CHECK | CRL_CHECK_ALL` on the full store makes the final, authoritative decision:
//! the content of a [`VerifiedList`] is only ever what that call returned.

use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::error::ErrorStack;
use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::stack::Stack;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::verify::X509VerifyFlags;
use openssl::x509::{CrlStatus, X509PurposeId, X509Ref, X509StoreContext, X509VerifyResult, X509};
use time::OffsetDateTime;

use super::dn;
use super::error::TrustError;
use super::policy::Decision;
use super::store::{CrlEntry, TrustStore};

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
    fn pass(kind: CheckKind, name: impl Into<String>, detail: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            kind,
            ok: true,
            detail: detail.into(),
            error: None,
        }
    }

    fn fail(kind: CheckKind, name: impl Into<String>, e: TrustError) -> Check {
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
    verified: Option<Vec<u8>>,
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

/// The signer as reports show it.
fn signer_of(cert: &X509) -> Signer {
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
    fn empty() -> VerifyReport {
        VerifyReport {
            signer: None,
            content: None,
            checks: Vec::new(),
            verified: None,
        }
    }
}

/// `Asn1Time` → `OffsetDateTime` (UTC), through the difference with the epoch.
pub(crate) fn to_datetime(t: &Asn1TimeRef) -> Option<OffsetDateTime> {
    let epoch = Asn1Time::from_unix(0).ok()?;
    let d = epoch.diff(t).ok()?;
    let secs = i64::from(d.days) * 86_400 + i64::from(d.secs);
    OffsetDateTime::from_unix_timestamp(secs).ok()
}

/// `2030-01-31 12:00:00 UTC`.
pub(crate) fn fmt_time(t: &Asn1TimeRef) -> String {
    match to_datetime(t) {
        Some(dt) => dt
            .format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
            ))
            .unwrap_or_else(|_| t.to_string()),
        None => t.to_string(),
    }
}

fn serial_hex(cert: &X509Ref) -> String {
    cert.serial_number()
        .to_bn()
        .and_then(|b| b.to_hex_str().map(|s| s.to_string()))
        .unwrap_or_else(|_| "?".into())
}

fn now() -> Result<Asn1Time, TrustError> {
    Asn1Time::days_from_now(0).map_err(|e| TrustError::Verification {
        reason: format!("cannot read the clock: {e}"),
    })
}

fn errstack_text(e: &ErrorStack) -> String {
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

/// Run every check on `raw` and report each outcome.
pub fn inspect(store: &TrustStore, raw: &[u8]) -> VerifyReport {
    let mut r = VerifyReport::empty();
    run(store, raw, &mut r, true);
    r
}

/// The checks in order; `detailed` adds the signature check that only serves reporting.
fn run(store: &TrustStore, raw: &[u8], r: &mut VerifyReport, detailed: bool) {
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

/// Checks 3 to 6 and the chain part of 7 on the signer certificate: chain, the CRL of every
/// CA, namespace policies, validity dates, and OpenSSL's chain verification with CRLs.
/// False when a check failed (recorded in `r`).
fn trust_checks(
    store: &TrustStore,
    cert: &X509,
    untrusted: &openssl::stack::StackRef<X509>,
    signer: &Signer,
    r: &mut VerifyReport,
) -> bool {
    use CheckKind::{Chain, Crl, Final, Namespace, Validity};
    // 3. Chain (no CRLs): report OpenSSL's verify error with the certificate concerned.
    let chain = match chain_check(&store.chain_only, cert, untrusted) {
        Ok(c) => c,
        Err(e) => {
            let reason = errstack_text(&e);
            r.checks.push(Check::fail(
                Chain,
                "chain",
                TrustError::Verification { reason },
            ));
            return false;
        }
    };
    let chain_ok = chain.error.is_none();
    match &chain.error {
        None => {
            let path: Vec<String> = chain
                .certs
                .iter()
                .skip(1)
                .map(|c| dn::oneline(c.subject_name()))
                .collect();
            r.checks.push(Check::pass(
                Chain,
                "chain",
                format!("chains to {}", path.join(" <- ")),
            ));
        }
        Some((code, depth, subject)) => {
            let err =
                map_verify_error(store, signer, &chain.certs, *code, *depth, subject.as_ref());
            r.checks.push(Check::fail(Chain, "chain", err));
        }
    }

    // 4. CRLs: one check per CA of the chain (CRL_CHECK_ALL semantics).
    let now = match now() {
        Ok(n) => n,
        Err(e) => {
            r.checks.push(Check::fail(Final, "clock", e));
            return false;
        }
    };
    if chain_ok {
        for (k, ca) in chain.certs.iter().enumerate().skip(1) {
            // Certificates CA `k` vouches for: the one below it, and itself if self-signed.
            let mut issued: Vec<&X509> = vec![&chain.certs[k - 1]];
            if k == chain.certs.len() - 1 && ca.issued(ca) == X509VerifyResult::OK {
                issued.push(ca);
            }
            let ca_dn = dn::oneline(ca.subject_name());
            let name = format!("CRL of '{ca_dn}'");
            match crl_check(store, ca, &ca_dn, &issued, &now) {
                Ok(detail) => r.checks.push(Check::pass(Crl, name, detail)),
                Err(e) => r.checks.push(Check::fail(Crl, name, e)),
            }
        }
    }

    // 5. Namespace: every (issuing CA, subject) link; without a chain, the signer's
    // issuer as written in its certificate.
    let mut links: Vec<(String, String)> = Vec::new();
    if chain_ok && chain.certs.len() > 1 {
        for w in chain.certs.windows(2) {
            links.push((
                dn::oneline(w[1].subject_name()),
                dn::oneline(w[0].subject_name()),
            ));
        }
    } else {
        links.push((signer.issuer.clone(), signer.subject.clone()));
    }
    let mut ns_detail = Vec::new();
    let mut ns_err = None;
    for (ca, subject) in &links {
        match store.policies().check(ca, subject) {
            Decision::Unrestricted => ns_detail.push(format!("no policy for '{ca}'")),
            Decision::Permitted { file } => {
                ns_detail.push(format!("'{subject}' permitted by {}", file.display()));
            }
            Decision::Denied { file } => {
                ns_err = Some(TrustError::NamespaceViolation {
                    ca: ca.clone(),
                    subject: subject.clone(),
                    files: file.display().to_string(),
                });
                break;
            }
            Decision::NotPermitted { files } => {
                let files: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
                ns_err = Some(TrustError::NamespaceViolation {
                    ca: ca.clone(),
                    subject: subject.clone(),
                    files: files.join(", "),
                });
                break;
            }
        }
    }
    match ns_err {
        Some(e) => r.checks.push(Check::fail(Namespace, "namespace", e)),
        None => r
            .checks
            .push(Check::pass(Namespace, "namespace", ns_detail.join("; "))),
    }

    // 6. Validity dates of the signer certificate.
    let nb = cert.not_before();
    let na = cert.not_after();
    if nb > now {
        r.checks.push(Check::fail(
            Validity,
            "validity",
            TrustError::SignerNotYetValid {
                subject: signer.subject.clone(),
                date: fmt_time(nb),
            },
        ));
    } else if na < now {
        r.checks.push(Check::fail(
            Validity,
            "validity",
            TrustError::SignerExpired {
                subject: signer.subject.clone(),
                date: fmt_time(na),
            },
        ));
    } else {
        r.checks.push(Check::pass(
            Validity,
            "validity",
            format!("valid from {} to {}", fmt_time(nb), fmt_time(na)),
        ));
    }

    if r.checks.iter().any(|c| !c.ok) {
        return false;
    }

    // 7. Authoritative: OpenSSL with the full store (CRL_CHECK | CRL_CHECK_ALL, purpose
    // any). Message-embedded CRLs are ignored: only the trust directory's count.
    let full = chain_check(&store.full, cert, untrusted);
    if let Ok(ChainResult {
        error: Some((code, depth, subject)),
        certs,
    }) = &full
    {
        let err = map_verify_error(store, signer, certs, *code, *depth, subject.as_ref());
        r.checks.push(Check::fail(Final, "openssl verify", err));
        return false;
    }
    true
}

fn signature_only(
    p7: &Pkcs7,
    cert: &X509,
    indata: Option<&[u8]>,
    empty: &Stack<X509>,
) -> Result<Vec<u8>, ErrorStack> {
    let mut b = X509StoreBuilder::new()?;
    b.add_cert(cert.clone())?;
    b.set_flags(X509VerifyFlags::PARTIAL_CHAIN | X509VerifyFlags::NO_CHECK_TIME)?;
    b.set_purpose(X509PurposeId::ANY)?;
    let s: X509Store = b.build();
    let mut out = Vec::new();
    p7.verify(
        empty,
        &s,
        indata,
        Some(&mut out),
        Pkcs7Flags::NOCHAIN | Pkcs7Flags::NOCRL,
    )?;
    Ok(out)
}

struct ChainResult {
    certs: Vec<X509>,
    /// (OpenSSL verify error code, depth, subject of the certificate concerned)
    error: Option<(X509VerifyResult, u32, Option<String>)>,
}

fn chain_check(
    store: &X509Store,
    cert: &X509,
    untrusted: &openssl::stack::StackRef<X509>,
) -> Result<ChainResult, ErrorStack> {
    let mut ctx = X509StoreContext::new()?;
    ctx.init(store, cert, untrusted, |c| {
        let ok = c.verify_cert()?;
        let certs: Vec<X509> = c
            .chain()
            .map(|s| s.iter().map(std::borrow::ToOwned::to_owned).collect())
            .unwrap_or_default();
        let error = if ok {
            None
        } else {
            Some((
                c.error(),
                c.error_depth(),
                c.current_cert().map(|x| dn::oneline(x.subject_name())),
            ))
        };
        Ok(ChainResult { certs, error })
    })
}

/// The store's CRLs issued by `ca` (same name and verifying with its key), newest first.
fn crls_of<'a>(store: &'a TrustStore, ca: &X509Ref) -> (Vec<&'a CrlEntry>, bool) {
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

fn crl_check(
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

/// Map an OpenSSL `X509_V_ERR_*` code (with the depth and chain where it arose) to a
/// [`TrustError`] worded for an administrator.
fn map_verify_error(
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
        // X509_V_ERR_UNABLE_TO_GET_CRL
        3 => TrustError::MissingCrl {
            ca: issuer_dn,
            dir: store.dir().to_path_buf(),
        },
        // CRL_NOT_YET_VALID
        11 => TrustError::CrlNotYetValid {
            ca: issuer_dn,
            date: crl_date(&|e| Some(fmt_time(e.crl.last_update()))),
        },
        // CRL_HAS_EXPIRED
        12 => TrustError::CrlExpired {
            ca: issuer_dn,
            date: crl_date(&|e| e.crl.next_update().map(fmt_time)),
        },
        // UNABLE_TO_DECRYPT_CRL_SIGNATURE, CRL_SIGNATURE_FAILURE, ERROR_IN_CRL_*_FIELD,
        // UNABLE_TO_GET_CRL_ISSUER, KEYUSAGE_NO_CRL_SIGN, DIFFERENT_CRL_SCOPE, …
        5 | 8 | 15 | 16 | 33 | 35 | 36 | 44 | 54 => TrustError::CrlInvalid {
            ca: issuer_dn,
            reason: text,
        },
        // CERT_REVOKED
        23 => TrustError::Revoked {
            subject: cert_dn,
            serial: at.map_or_else(|| signer.serial.clone(), |c| serial_hex(c)),
            ca: issuer_dn,
        },
        // CERT_NOT_YET_VALID / CERT_HAS_EXPIRED on the signer itself
        9 if depth == 0 => TrustError::SignerNotYetValid {
            subject: signer.subject.clone(),
            date: fmt_time(signer.certificate.not_before()),
        },
        10 if depth == 0 => TrustError::SignerExpired {
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
