//! Trust module through its public API: every acceptance and rejection path.

use std::path::Path;

use tempfile::TempDir;
use vmcatcher::trust::{self, dn, CheckKind, TrustError, TrustStore};

use crate::support::pki::{
    self, pki, sign_smime, sign_smime_multi, CrlMode, Digest, PolicyFiles, TrustDirOptions,
    GOOD_DN, ISSUING_DN, ROOT_DN,
};

const LIST: &[u8] = b"{\"hv:imagelist\": {\"dc:identifier\": \"x\"}}\r\nsecond line\r\n";

fn store_with(opts: TrustDirOptions) -> (TempDir, TrustStore) {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("certificates");
    pki::write_trust_dir(&dir, &opts).unwrap();
    let store = TrustStore::load(&dir).unwrap();
    (tmp, store)
}

fn store() -> (TempDir, TrustStore) {
    store_with(TrustDirOptions::default())
}

fn sign(who: &pki::Issued, detached: bool, digest: Digest) -> Vec<u8> {
    sign_smime(&who.cert, &who.key, &[], LIST, detached, digest)
}

fn err(store: &TrustStore, raw: &[u8]) -> TrustError {
    match trust::verify(store, raw) {
        Ok(v) => panic!("expected a failure, verified as {}", v.signer_subject),
        Err(e) => e,
    }
}

#[test]
fn good_detached_sha256() {
    let (_t, s) = store();
    let raw = pki::sign_good(LIST);
    assert!(
        raw.starts_with(b"MIME-Version"),
        "{}",
        String::from_utf8_lossy(&raw)
    );
    assert!(String::from_utf8_lossy(&raw).contains("multipart/signed"));
    let v = trust::verify(&s, &raw).unwrap();
    assert_eq!(v.content, LIST);
    assert_eq!(v.signer_subject, GOOD_DN);
    assert_eq!(v.signer_issuer, ISSUING_DN);
    assert_eq!(v.signer_serial, "0100");
    assert!(v.not_after > time::OffsetDateTime::now_utc());
}

#[test]
fn good_detached_sha1() {
    let (_t, s) = store();
    let raw = sign(&pki().good, true, Digest::Sha1);
    assert!(String::from_utf8_lossy(&raw).contains("micalg=\"sha1\""));
    let v = trust::verify(&s, &raw).unwrap();
    assert_eq!(v.content, LIST);
}

#[test]
fn good_opaque() {
    let (_t, s) = store();
    let raw = sign(&pki().good2, false, Digest::Sha256);
    let text = String::from_utf8(raw).unwrap();
    // OpenSSL 3 writes the legacy `application/x-pkcs7-mime`; accept the modern name too.
    assert!(text.contains("application/x-pkcs7-mime"), "{text}");
    let modern = text.replace("application/x-pkcs7-mime", "application/pkcs7-mime");
    for raw in [text, modern] {
        let v = trust::verify(&s, raw.as_bytes()).unwrap();
        assert_eq!(v.content, LIST);
        assert_eq!(v.signer_subject, pki::GOOD2_DN);
    }
}

#[test]
fn crlf_content_kept_byte_for_byte_and_lf_becomes_crlf() {
    let (_t, s) = store();
    let crlf = b"line one\r\n  line two \r\n\r\nlast\r\n";
    let v = trust::verify(&s, &pki::sign_good(crlf)).unwrap();
    assert_eq!(v.content, crlf);
    // OpenSSL canonicalises the signed text to CRLF: what comes back is what was signed.
    let v = trust::verify(&s, &pki::sign_good(b"a\nb\n")).unwrap();
    assert_eq!(v.content, b"a\r\nb\r\n");
}

#[test]
fn tampered_content_is_a_digest_failure() {
    let (_t, s) = store();
    let raw = pki::sign_good(LIST);
    let text = String::from_utf8(raw).unwrap();
    let tampered = text.replacen("second line", "second LINE", 1);
    assert_ne!(text, tampered);
    let e = err(&s, tampered.as_bytes());
    assert!(matches!(e, TrustError::BadSignature { .. }), "{e:?}");
    assert!(e.to_string().contains("digest"), "{e}");
    assert!(e.to_string().contains(GOOD_DN), "{e}");
}

#[test]
fn rogue_root_with_same_subject_is_refused() {
    let (_t, s) = store();
    let p = pki();
    for chain in [vec![], vec![&p.rogue_root.cert]] {
        let raw = sign_smime(
            &p.rogue_endorser.cert,
            &p.rogue_endorser.key,
            &chain,
            LIST,
            true,
            Digest::Sha256,
        );
        let e = err(&s, &raw);
        assert!(matches!(e, TrustError::UntrustedChain { .. }), "{e:?}");
        assert!(e.to_string().contains("not trusted"), "{e}");
    }
}

#[test]
fn rogue_issuing_ca_with_same_subject_is_refused() {
    let (_t, s) = store();
    let p = pki();
    for chain in [vec![], vec![&p.rogue_issuing.cert]] {
        let raw = sign_smime(
            &p.rogue_endorser2.cert,
            &p.rogue_endorser2.key,
            &chain,
            LIST,
            true,
            Digest::Sha256,
        );
        let e = err(&s, &raw);
        assert!(matches!(e, TrustError::UntrustedChain { .. }), "{e:?}");
        // The signer certificate is still reported, with the real endorser's subject.
        let r = trust::inspect(&s, &raw);
        assert_eq!(r.signer.as_ref().unwrap().subject, GOOD_DN);
        assert!(r
            .checks
            .iter()
            .any(|c| c.kind == CheckKind::Signature && c.ok));
        assert!(r.checks.iter().any(|c| c.kind == CheckKind::Chain && !c.ok));
    }
}

#[test]
fn revoked_signer() {
    let (_t, s) = store();
    let raw = sign(&pki().revoked, true, Digest::Sha256);
    let e = err(&s, &raw);
    match &e {
        TrustError::Revoked {
            subject,
            serial,
            ca,
        } => {
            assert_eq!(subject, pki::REVOKED_DN);
            assert_eq!(serial, "0BAD");
            assert_eq!(ca, ISSUING_DN);
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("is revoked by CA"), "{e}");
}

#[test]
fn expired_signer() {
    let (_t, s) = store();
    let raw = sign(&pki().expired, true, Digest::Sha256);
    let e = err(&s, &raw);
    assert!(matches!(e, TrustError::SignerExpired { .. }), "{e:?}");
    assert!(e.to_string().contains("expired on"), "{e}");
    assert!(e.to_string().contains(pki::EXPIRED_DN), "{e}");
    let r = trust::inspect(&s, &raw);
    let validity = r
        .checks
        .iter()
        .find(|c| c.kind == CheckKind::Validity)
        .unwrap();
    assert!(!validity.ok);
}

#[test]
fn missing_crl_of_issuing_ca() {
    let (_t, s) = store_with(TrustDirOptions {
        issuing_crl: CrlMode::Missing,
        ..Default::default()
    });
    let e = err(&s, &pki::sign_good(LIST));
    match &e {
        TrustError::MissingCrl { ca, dir } => {
            assert_eq!(ca, ISSUING_DN);
            assert_eq!(dir, s.dir());
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("run fetch-crl"), "{e}");
    assert!(
        e.to_string().contains(&s.dir().display().to_string()),
        "{e}"
    );
}

#[test]
fn missing_crl_of_root_ca_is_caught_by_crl_check_all() {
    let (_t, s) = store_with(TrustDirOptions {
        root_crl: CrlMode::Missing,
        ..Default::default()
    });
    let e = err(&s, &pki::sign_good(LIST));
    match &e {
        TrustError::MissingCrl { ca, .. } => assert_eq!(ca, ROOT_DN),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("run fetch-crl"), "{e}");
}

#[test]
fn expired_crl() {
    for (root, issuing, ca) in [
        (CrlMode::Valid, CrlMode::Expired, ISSUING_DN),
        (CrlMode::Expired, CrlMode::Valid, ROOT_DN),
    ] {
        let (_t, s) = store_with(TrustDirOptions {
            root_crl: root,
            issuing_crl: issuing,
            ..Default::default()
        });
        let e = err(&s, &pki::sign_good(LIST));
        match &e {
            TrustError::CrlExpired { ca: got, .. } => assert_eq!(got, ca),
            other => panic!("{other:?}"),
        }
        let msg = e.to_string();
        assert!(
            msg.contains("expired on") && msg.contains("run fetch-crl"),
            "{msg}"
        );
    }
}

#[test]
fn der_crls_are_read() {
    let (_t, s) = store_with(TrustDirOptions {
        root_crl: CrlMode::ValidDer,
        issuing_crl: CrlMode::ValidDer,
        ..Default::default()
    });
    assert_eq!(s.crls().len(), 2);
    trust::verify(&s, &pki::sign_good(LIST)).unwrap();
    let e = err(&s, &sign(&pki().revoked, true, Digest::Sha256));
    assert!(matches!(e, TrustError::Revoked { .. }), "{e:?}");
}

fn assert_namespace_violation(e: &TrustError, file_ext: &str) {
    match e {
        TrustError::NamespaceViolation { ca, subject, files } => {
            assert_eq!(ca, ISSUING_DN);
            assert_eq!(subject, pki::OUTSIDER_DN);
            assert!(files.contains(file_ext), "{files}");
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("may not sign for"), "{e}");
}

#[test]
fn namespace_violation_via_signing_policy() {
    let (_t, s) = store_with(TrustDirOptions {
        policy: PolicyFiles::SigningPolicy,
        ..Default::default()
    });
    let e = err(&s, &sign(&pki().outsider, true, Digest::Sha256));
    assert_namespace_violation(&e, ".signing_policy");
}

#[test]
fn namespace_violation_via_namespaces() {
    let (_t, s) = store_with(TrustDirOptions {
        policy: PolicyFiles::Namespaces,
        ..Default::default()
    });
    let e = err(&s, &sign(&pki().outsider, true, Digest::Sha256));
    assert_namespace_violation(&e, ".namespaces");
}

#[test]
fn namespace_deny_line() {
    let (_t, s) = store_with(TrustDirOptions {
        policy: PolicyFiles::NamespacesDeny,
        ..Default::default()
    });
    trust::verify(&s, &pki::sign_good(LIST)).unwrap();
    let e = err(&s, &sign(&pki().good2, true, Digest::Sha256));
    assert!(matches!(e, TrustError::NamespaceViolation { .. }), "{e:?}");
}

#[test]
fn no_policy_means_no_restriction() {
    let (_t, s) = store_with(TrustDirOptions {
        policy: PolicyFiles::None,
        ..Default::default()
    });
    trust::verify(&s, &sign(&pki().outsider, true, Digest::Sha256)).unwrap();
}

#[test]
fn host_certificate_with_server_auth_only_is_accepted() {
    let (_t, s) = store();
    let raw = sign(&pki().host, true, Digest::Sha256);
    let v = trust::verify(&s, &raw).unwrap();
    assert_eq!(v.signer_subject, pki::HOST_DN);
}

#[test]
fn unsigned_json_and_garbage_are_refused() {
    let (_t, s) = store();
    for input in [&b"{\"hv:imagelist\": {}}"[..], b"\x00\x01garbage\xff", b""] {
        let e = err(&s, input);
        assert!(matches!(e, TrustError::NotSigned { .. }), "{e:?}");
        assert!(
            e.to_string().contains("not an S/MIME signed message"),
            "{e}"
        );
        let r = trust::inspect(&s, input);
        assert!(r.signer.is_none() && r.content.is_none() && !r.is_ok());
    }
}

#[test]
fn inspect_reports_every_check() {
    let (_t, s) = store();
    let r = trust::inspect(&s, &pki::sign_good(LIST));
    assert!(r.is_ok(), "{:#?}", r.checks);
    let names: Vec<&str> = r.checks.iter().map(|c| c.name.as_str()).collect();
    assert!(names.contains(&"signature") && names.contains(&"chain"));
    assert!(
        names.contains(&format!("CRL of '{ISSUING_DN}'").as_str()),
        "{names:?}"
    );
    assert!(
        names.contains(&format!("CRL of '{ROOT_DN}'").as_str()),
        "{names:?}"
    );
    assert!(names.contains(&"namespace") && names.contains(&"validity"));
    assert_eq!(r.content.as_deref(), Some(LIST));

    // A failing CRL still reports the signer and the content for `vmcatcher verify`.
    let (_t2, s2) = store_with(TrustDirOptions {
        issuing_crl: CrlMode::Missing,
        ..Default::default()
    });
    let r = trust::inspect(&s2, &pki::sign_good(LIST));
    assert!(!r.is_ok());
    assert_eq!(r.signer.unwrap().subject, GOOD_DN);
    assert_eq!(r.content.as_deref(), Some(LIST));
    let failed: Vec<&str> = r
        .checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(failed, vec![format!("CRL of '{ISSUING_DN}'").as_str()]);
}

#[test]
fn trust_dir_missing_not_a_dir_or_empty() {
    let tmp = TempDir::new().unwrap();
    let missing = tmp.path().join("nope");
    let e = TrustStore::load(&missing).unwrap_err();
    assert!(matches!(e, TrustError::DirMissing { .. }), "{e:?}");
    assert!(
        e.to_string().contains("nope") && e.to_string().contains("--cert-dir"),
        "{e}"
    );

    let file = tmp.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let e = TrustStore::load(&file).unwrap_err();
    assert!(matches!(e, TrustError::NotADirectory { .. }), "{e:?}");

    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join("junk.0"), b"not a certificate").unwrap();
    let e = TrustStore::load(&empty).unwrap_err();
    assert!(matches!(e, TrustError::NoCaCertificates { .. }), "{e:?}");
    assert!(e.to_string().contains("IGTF CA bundle"), "{e}");
}

#[test]
fn store_skips_bad_files_and_exposes_cas() {
    let (_t, s) = store();
    let dir: &Path = s.dir();
    std::fs::write(dir.join("deadbeef.r0"), b"garbage").unwrap();
    std::fs::write(dir.join("deadbeef.0"), b"garbage").unwrap();
    std::fs::write(dir.join("Some-CA.pem"), pki().root.cert.to_pem().unwrap()).unwrap();
    let s2 = TrustStore::load(dir).unwrap();
    assert_eq!(
        s2.ca_certificates().len(),
        2,
        "duplicate .pem is not counted twice"
    );
    assert_eq!(s2.crls().len(), 2);
    trust::verify(&s2, &pki::sign_good(LIST)).unwrap();
}

#[test]
fn dn_oneline_multi_rdn_with_spaces() {
    let text = "/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=buncic/CN=379010/CN=Predrag Buncic";
    assert_eq!(dn::oneline(&pki::name(text)), text);
    assert_eq!(dn::oneline(pki().good.cert.subject_name()), GOOD_DN);
}

#[test]
fn exactly_one_signer() {
    let (_t, s) = store();
    let p = pki();
    let raw = sign_smime_multi(
        &[(&p.good.cert, &p.good.key), (&p.good2.cert, &p.good2.key)],
        &[],
        LIST,
        true,
        Digest::Sha256,
    );
    let e = err(&s, &raw);
    assert_eq!(e, TrustError::SignerCount { count: 2 });
    assert!(e.to_string().contains("exactly one"), "{e}");
}

#[test]
fn trust_store_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<TrustStore>();
    assert_send_sync::<trust::VerifiedList>();
}

#[test]
fn verify_signer_checks_the_signer_of_detached_and_opaque_messages() {
    let (_dir, store) = store();
    let p = pki::pki();
    for detached in [true, false] {
        let good = sign(&p.good, detached, Digest::Sha256);
        let (subject, issuer) =
            vmcatcher::trust::verify_signer(&store, &good).expect("good signer");
        assert_eq!(subject, pki::GOOD_DN);
        assert_eq!(issuer, pki::ISSUING_DN);
        let revoked = sign(&p.revoked, detached, Digest::Sha256);
        let e = vmcatcher::trust::verify_signer(&store, &revoked).unwrap_err();
        assert!(matches!(e, TrustError::Revoked { .. }), "{e}");
    }
    // Not S/MIME at all: the full verification explains why.
    let e = vmcatcher::trust::verify_signer(&store, b"{\"hv:imagelist\": {}}").unwrap_err();
    assert!(matches!(e, TrustError::NotSigned { .. }), "{e}");
}
