//! A test PKI generated in Rust at test time (EC P-256, built once per process).
//!
//! Root CA → issuing (intermediate) CA → endorsers, so `CRL_CHECK_ALL` is exercised on
//! every run; rogue CAs reuse the real CAs' subjects with their own keys. Nothing here
//! shells out to the `openssl` CLI, and nothing expires in CI: dates are relative to now.
#![allow(dead_code)]

use std::fs;
use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::OnceLock;

use foreign_types_shared::ForeignType;
use openssl::asn1::{Asn1Integer, Asn1Object, Asn1OctetString, Asn1Time};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::pkey::{PKey, Private};
use openssl::stack::Stack;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{
    X509Builder, X509Crl, X509CrlBuilder, X509Extension, X509Name, X509RevokedBuilder, X509,
};

/// Subjects used by the PKI (one-line form).
pub(crate) const ROOT_DN: &str = "/DC=org/DC=example/O=Test Grid/CN=Test Root CA";
pub(crate) const ISSUING_DN: &str = "/DC=org/DC=example/O=Test Grid/CN=Test Issuing CA";
pub(crate) const GOOD_DN: &str = "/DC=org/DC=example/O=Test Grid/OU=Endorsers/CN=Good Endorser";
pub(crate) const GOOD2_DN: &str = "/DC=org/DC=example/O=Test Grid/OU=Endorsers/CN=Second Endorser";
pub(crate) const REVOKED_DN: &str =
    "/DC=org/DC=example/O=Test Grid/OU=Endorsers/CN=Revoked Endorser";
pub(crate) const EXPIRED_DN: &str =
    "/DC=org/DC=example/O=Test Grid/OU=Endorsers/CN=Expired Endorser";
pub(crate) const OUTSIDER_DN: &str = "/DC=net/DC=elsewhere/CN=Outsider Endorser";
pub(crate) const HOST_DN: &str = "/DC=org/DC=example/O=Test Grid/OU=computers/CN=lists.example.org";

/// A certificate and its private key.
pub(crate) struct Issued {
    pub cert: X509,
    pub key: PKey<Private>,
}

/// The whole test PKI.
pub(crate) struct Pki {
    /// Self-signed root CA.
    pub root: Issued,
    /// Issuing CA, signed by the root; signs all endorsers.
    pub issuing: Issued,
    pub good: Issued,
    pub good2: Issued,
    /// Listed in the issuing CA's CRL (see [`REVOKED_SERIAL`]).
    pub revoked: Issued,
    /// notAfter yesterday.
    pub expired: Issued,
    /// Subject outside the namespace policies.
    pub outsider: Issued,
    /// Host certificate with serverAuth-only EKU (how real lists are signed).
    pub host: Issued,
    /// TLS server certificate for 127.0.0.1 / localhost (SAN IP + DNS), by the issuing CA.
    pub tls_server: Issued,
    /// Self-signed, same subject as the root, different key.
    pub rogue_root: Issued,
    /// Issued by `rogue_root`, same subject as `good`.
    pub rogue_endorser: Issued,
    /// Self-signed, same subject as the issuing CA, different key.
    pub rogue_issuing: Issued,
    /// Issued by `rogue_issuing`, same subject and issuer name as `good`.
    pub rogue_endorser2: Issued,
}

pub(crate) const REVOKED_SERIAL: u32 = 0x0BAD;

/// The process-wide PKI (generated on first use).
pub(crate) fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(build)
}

pub(crate) fn new_key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("P-256");
    PKey::from_ec_key(EcKey::generate(&group).expect("EC key")).expect("pkey")
}

/// An X509Name from a one-line DN (`/A=b/C=d`; no escaped slashes).
pub(crate) fn name(dn: &str) -> X509Name {
    let mut b = X509Name::builder().expect("name");
    for part in dn.split('/').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').expect("k=v");
        b.append_entry_by_text(k, v).expect("entry");
    }
    b.build()
}

pub(crate) fn days_from_now(days: i64) -> Asn1Time {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    Asn1Time::from_unix(now + days * 86_400).expect("time")
}

/// What kind of certificate to issue.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Profile {
    Ca,
    /// digitalSignature, no EKU (an ordinary personal/robot certificate).
    Endorser,
    /// digitalSignature + keyEncipherment, EKU serverAuth only.
    Host,
    /// As `Host`, with SAN IP:127.0.0.1 and DNS:localhost.
    TlsServer,
}

/// Issue a certificate for `subject` (self-signed when `issuer` is None).
pub(crate) fn issue(
    subject: &str,
    key: &PKey<Private>,
    issuer: Option<&Issued>,
    serial: u32,
    profile: Profile,
    not_before_days: i64,
    not_after_days: i64,
) -> X509 {
    let mut b = X509Builder::new().expect("builder");
    b.set_version(2).unwrap();
    let serial = Asn1Integer::from_bn(&BigNum::from_u32(serial).unwrap()).unwrap();
    b.set_serial_number(&serial).unwrap();
    let subj = name(subject);
    b.set_subject_name(&subj).unwrap();
    match issuer {
        Some(i) => b.set_issuer_name(i.cert.subject_name()).unwrap(),
        None => b.set_issuer_name(&subj).unwrap(),
    }
    b.set_pubkey(key).unwrap();
    b.set_not_before(&days_from_now(not_before_days)).unwrap();
    b.set_not_after(&days_from_now(not_after_days)).unwrap();
    let ski = {
        let ctx = b.x509v3_context(issuer.map(|i| i.cert.as_ref()), None);
        SubjectKeyIdentifier::new().build(&ctx).unwrap()
    };
    b.append_extension(ski).unwrap();
    if issuer.is_some() {
        let aki = {
            let ctx = b.x509v3_context(issuer.map(|i| i.cert.as_ref()), None);
            AuthorityKeyIdentifier::new()
                .keyid(true)
                .build(&ctx)
                .unwrap()
        };
        b.append_extension(aki).unwrap();
    }
    match profile {
        Profile::Ca => {
            b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
                .unwrap();
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .build()
                    .unwrap(),
            )
            .unwrap();
        }
        Profile::Endorser => {
            b.append_extension(BasicConstraints::new().critical().build().unwrap())
                .unwrap();
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .digital_signature()
                    .non_repudiation()
                    .build()
                    .unwrap(),
            )
            .unwrap();
        }
        Profile::Host | Profile::TlsServer => {
            b.append_extension(BasicConstraints::new().critical().build().unwrap())
                .unwrap();
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .digital_signature()
                    .key_encipherment()
                    .build()
                    .unwrap(),
            )
            .unwrap();
            b.append_extension(ExtendedKeyUsage::new().server_auth().build().unwrap())
                .unwrap();
            if profile == Profile::TlsServer {
                let san = {
                    let ctx = b.x509v3_context(issuer.map(|i| i.cert.as_ref()), None);
                    SubjectAlternativeName::new()
                        .ip(&IpAddr::V4(Ipv4Addr::LOCALHOST).to_string())
                        .dns("localhost")
                        .build(&ctx)
                        .unwrap()
                };
                b.append_extension(san).unwrap();
            }
        }
    }
    let signer = issuer.map_or(key, |i| &i.key);
    b.sign(signer, MessageDigest::sha256()).unwrap();
    b.build()
}

fn issued(
    subject: &str,
    issuer: Option<&Issued>,
    serial: u32,
    p: Profile,
    nb: i64,
    na: i64,
) -> Issued {
    let key = new_key();
    let cert = issue(subject, &key, issuer, serial, p, nb, na);
    Issued { cert, key }
}

fn build() -> Pki {
    let root = issued(ROOT_DN, None, 1, Profile::Ca, -30, 3650);
    let issuing = issued(ISSUING_DN, Some(&root), 2, Profile::Ca, -30, 3000);
    let good = issued(GOOD_DN, Some(&issuing), 0x100, Profile::Endorser, -1, 365);
    let good2 = issued(GOOD2_DN, Some(&issuing), 0x101, Profile::Endorser, -1, 365);
    let revoked = issued(
        REVOKED_DN,
        Some(&issuing),
        REVOKED_SERIAL,
        Profile::Endorser,
        -1,
        365,
    );
    let expired = issued(
        EXPIRED_DN,
        Some(&issuing),
        0x102,
        Profile::Endorser,
        -400,
        -1,
    );
    let outsider = issued(
        OUTSIDER_DN,
        Some(&issuing),
        0x103,
        Profile::Endorser,
        -1,
        365,
    );
    let host = issued(HOST_DN, Some(&issuing), 0x104, Profile::Host, -1, 365);
    let tls_server = issued(
        "/DC=org/DC=example/CN=localhost",
        Some(&issuing),
        0x105,
        Profile::TlsServer,
        -1,
        365,
    );
    let rogue_root = issued(ROOT_DN, None, 1, Profile::Ca, -30, 3650);
    let rogue_endorser = issued(
        GOOD_DN,
        Some(&rogue_root),
        0x100,
        Profile::Endorser,
        -1,
        365,
    );
    let rogue_issuing = issued(ISSUING_DN, None, 2, Profile::Ca, -30, 3000);
    let rogue_endorser2 = issued(
        GOOD_DN,
        Some(&rogue_issuing),
        0x100,
        Profile::Endorser,
        -1,
        365,
    );
    Pki {
        root,
        issuing,
        good,
        good2,
        revoked,
        expired,
        outsider,
        host,
        tls_server,
        rogue_root,
        rogue_endorser,
        rogue_issuing,
        rogue_endorser2,
    }
}

/// A CRL by `ca` listing `revoked`, valid from `last_days` to `next_days` (relative to now).
pub(crate) fn crl(ca: &Issued, revoked: &[&X509], last_days: i64, next_days: i64) -> X509Crl {
    let mut b = X509CrlBuilder::new().unwrap();
    b.set_issuer_name(ca.cert.subject_name()).unwrap();
    b.set_last_update(&days_from_now(last_days)).unwrap();
    b.set_next_update(&days_from_now(next_days)).unwrap();
    for c in revoked {
        let mut r = X509RevokedBuilder::new().unwrap();
        r.set_serial_number(c.serial_number()).unwrap();
        r.set_revocation_date(&days_from_now(-1)).unwrap();
        b.add_revoked(r.build()).unwrap();
    }
    // X509CrlBuilder::build insists on AKI and CRL number (RFC 5280 profile).
    let keyid = ca
        .cert
        .subject_key_id()
        .expect("CA has a SKI")
        .as_slice()
        .to_vec();
    let mut aki = vec![0x30, (keyid.len() + 2) as u8, 0x80, keyid.len() as u8];
    aki.extend_from_slice(&keyid);
    for (oid, der) in [("2.5.29.35", aki), ("2.5.29.20", vec![0x02, 0x01, 0x01])] {
        let oid = Asn1Object::from_str(oid).unwrap();
        let der = Asn1OctetString::new_from_bytes(&der).unwrap();
        b.append_extension(X509Extension::new_from_der(&oid, false, &der).unwrap())
            .unwrap();
    }
    b.sort().unwrap();
    b.sign(&ca.key, MessageDigest::sha256()).unwrap();
    b.build().unwrap()
}

/// The state of one CA's CRL in a trust directory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum CrlMode {
    Valid,
    /// Written in DER rather than PEM.
    ValidDer,
    /// nextUpdate yesterday.
    Expired,
    /// No `.r0` file.
    Missing,
}

/// Which namespace policy files to write.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum PolicyFiles {
    None,
    SigningPolicy,
    Namespaces,
    /// Namespaces file with a DENY line for the second endorser.
    NamespacesDeny,
    Both,
}

/// Layout switches for [`write_trust_dir`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct TrustDirOptions {
    pub root_crl: CrlMode,
    pub issuing_crl: CrlMode,
    pub policy: PolicyFiles,
}

impl Default for TrustDirOptions {
    fn default() -> Self {
        TrustDirOptions {
            root_crl: CrlMode::Valid,
            issuing_crl: CrlMode::Valid,
            policy: PolicyFiles::Both,
        }
    }
}

pub(crate) fn hash_name(cert: &X509) -> String {
    format!("{:08x}", cert.subject_name_hash())
}

/// Lay out an IGTF trust directory for root + issuing CA: `<hash>.0`, `<hash>.r0`,
/// `<hash>.signing_policy` / `<hash>.namespaces`. The issuing CA's CRL revokes
/// [`Pki::revoked`].
pub(crate) fn write_trust_dir(dir: &Path, opts: &TrustDirOptions) -> io::Result<()> {
    let p = pki();
    fs::create_dir_all(dir)?;
    let pem = |c: &X509| c.to_pem().expect("pem");
    for (ca, mode, revoked) in [
        (&p.root, opts.root_crl, vec![]),
        (&p.issuing, opts.issuing_crl, vec![&p.revoked.cert]),
    ] {
        let h = hash_name(&ca.cert);
        fs::write(dir.join(format!("{h}.0")), pem(&ca.cert))?;
        let crl_bytes = match mode {
            CrlMode::Valid => Some(crl(ca, &revoked, -1, 30).to_pem().unwrap()),
            CrlMode::ValidDer => Some(crl(ca, &revoked, -1, 30).to_der().unwrap()),
            CrlMode::Expired => Some(crl(ca, &revoked, -30, -2).to_pem().unwrap()),
            CrlMode::Missing => None,
        };
        if let Some(b) = crl_bytes {
            fs::write(dir.join(format!("{h}.r0")), b)?;
        }
    }
    let root_h = hash_name(&p.root.cert);
    let iss_h = hash_name(&p.issuing.cert);
    if matches!(opts.policy, PolicyFiles::SigningPolicy | PolicyFiles::Both) {
        fs::write(
            dir.join(format!("{root_h}.signing_policy")),
            format!(
                "# root may only sign the issuing CA\n access_id_CA  X509  '{ROOT_DN}'\n \
                 pos_rights  globus  CA:sign\n cond_subjects globus '\"{ROOT_DN}\" \"{ISSUING_DN}\"'\n"
            ),
        )?;
        fs::write(
            dir.join(format!("{iss_h}.signing_policy")),
            format!(
                " access_id_CA  X509  '{ISSUING_DN}'\n pos_rights  globus  CA:sign\n \
                 cond_subjects globus '\"/DC=org/DC=example/O=Test Grid/*\"'\n"
            ),
        )?;
    }
    if matches!(
        opts.policy,
        PolicyFiles::Namespaces | PolicyFiles::NamespacesDeny | PolicyFiles::Both
    ) {
        let deny = if opts.policy == PolicyFiles::NamespacesDeny {
            format!("TO Issuer \"{ISSUING_DN}\" \\\n  DENY Subject \"{GOOD2_DN}\"\n")
        } else {
            String::new()
        };
        fs::write(
            dir.join(format!("{root_h}.namespaces")),
            format!(
                "##\n## namespaces for the test root\n##\nTO Issuer \"{ROOT_DN}\" \\\n  PERMIT Subject \"{ISSUING_DN}\"\n"
            ),
        )?;
        fs::write(
            dir.join(format!("{iss_h}.namespaces")),
            format!(
                "TO Issuer \"{ISSUING_DN}\" \\\n  PERMIT Subject \"/DC=org/DC=example/O=Test Grid/OU=Endorsers/*\"\n\
                 TO Issuer \"{ISSUING_DN}\" \\\n  PERMIT Subject \"/DC=org/DC=example/O=Test Grid/OU=computers/*\"\n{deny}"
            ),
        )?;
    }
    Ok(())
}

/// Digest for [`sign_smime`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Digest {
    Sha1,
    Sha256,
}

extern "C" {
    fn PKCS7_sign_add_signer(
        p7: *mut openssl_sys::PKCS7,
        signcert: *mut openssl_sys::X509,
        pkey: *mut openssl_sys::EVP_PKEY,
        md: *const openssl_sys::EVP_MD,
        flags: libc::c_int,
    ) -> *mut libc::c_void;
    fn PKCS7_final(
        p7: *mut openssl_sys::PKCS7,
        data: *mut openssl_sys::BIO,
        flags: libc::c_int,
    ) -> libc::c_int;
}

/// Sign `content` like `openssl smime -sign [-nodetach] -md <digest>`: `multipart/signed`
/// when `detached`, else opaque `application/pkcs7-mime`. `chain` certificates are
/// included in the message (as `-certfile` does).
pub(crate) fn sign_smime(
    cert: &X509,
    key: &PKey<Private>,
    chain: &[&X509],
    content: &[u8],
    detached: bool,
    digest: Digest,
) -> Vec<u8> {
    sign_smime_multi(&[(cert, key)], chain, content, detached, digest)
}

/// As [`sign_smime`] with several signer infos (to test the one-signer rule).
pub(crate) fn sign_smime_multi(
    signers: &[(&X509, &PKey<Private>)],
    chain: &[&X509],
    content: &[u8],
    detached: bool,
    digest: Digest,
) -> Vec<u8> {
    let mut certs = Stack::new().unwrap();
    for c in chain {
        certs.push((*c).clone()).unwrap();
    }
    let mut flags = Pkcs7Flags::empty();
    if detached {
        flags |= Pkcs7Flags::DETACHED;
    }
    let md = match digest {
        Digest::Sha1 => MessageDigest::sha1(),
        Digest::Sha256 => MessageDigest::sha256(),
    };
    // SAFETY: plain PKCS7_sign(PARTIAL) → add_signer(md)… → final sequence on valid
    // objects; the Pkcs7 wrapper takes ownership of the returned PKCS7.
    let p7 = unsafe {
        let p = openssl_sys::PKCS7_sign(
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            certs.as_ptr(),
            std::ptr::null_mut(),
            (flags | Pkcs7Flags::PARTIAL).bits(),
        );
        assert!(!p.is_null(), "PKCS7_sign");
        let p7 = Pkcs7::from_ptr(p);
        for (cert, key) in signers {
            let si =
                PKCS7_sign_add_signer(p, cert.as_ptr(), key.as_ptr(), md.as_ptr(), flags.bits());
            assert!(!si.is_null(), "PKCS7_sign_add_signer");
        }
        let bio =
            openssl_sys::BIO_new_mem_buf(content.as_ptr().cast(), content.len() as libc::c_int);
        assert!(!bio.is_null());
        let ok = PKCS7_final(p, bio, flags.bits());
        openssl_sys::BIO_free_all(bio);
        assert_eq!(ok, 1, "PKCS7_final");
        p7
    };
    p7.to_smime(content, flags).unwrap()
}

/// Sign with the good endorser, detached SHA-256, issuing CA included.
pub(crate) fn sign_good(content: &[u8]) -> Vec<u8> {
    let p = pki();
    sign_smime(
        &p.good.cert,
        &p.good.key,
        &[&p.issuing.cert],
        content,
        true,
        Digest::Sha256,
    )
}
