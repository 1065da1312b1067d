//! The checks on the signer certificate: signature, chain, CRLs of every CA, namespace
//! policies, validity, and OpenSSL's own chain verification.

use openssl::error::ErrorStack;
use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::stack::Stack;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::verify::X509VerifyFlags;
use openssl::x509::{X509PurposeId, X509StoreContext, X509VerifyResult, X509};

use super::super::dn;
use super::super::error::TrustError;
use super::super::policy::Decision;
use super::super::store::TrustStore;
use super::asn1::{fmt_time, now};
use super::crl::crl_check;
use super::openssl_errors::{errstack_text, map_verify_error};
use super::report::{Check, CheckKind, Signer, VerifyReport};

/// Checks 3 to 6 and the chain part of 7 on the signer certificate: chain, the CRL of every
/// CA, namespace policies, validity dates, and OpenSSL's chain verification with CRLs.
/// False when a check failed (recorded in `r`).
pub(super) fn trust_checks(
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

pub(super) fn signature_only(
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

pub(super) struct ChainResult {
    certs: Vec<X509>,
    /// (OpenSSL verify error code, depth, subject of the certificate concerned)
    error: Option<(X509VerifyResult, u32, Option<String>)>,
}

pub(super) fn chain_check(
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
