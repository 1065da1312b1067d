//! Image lists for tests: JSON built from a few knobs, signed with the test PKI, served
//! from the loopback server, with a trust directory in the test's temp dir.

use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

use super::env::TestEnv;
use super::pki::{self, pki, Digest, Issued, TrustDirOptions};

pub(crate) const LIST_ID: &str = "11111111-2222-3333-4444-555555555555";
pub(crate) const IMAGE_A: &str = "aaaaaaaa-0000-0000-0000-000000000001";
pub(crate) const IMAGE_B: &str = "bbbbbbbb-0000-0000-0000-000000000002";

/// The OpenSSL one-line subject and issuer of a certificate.
pub(crate) fn subject(cert: &X509) -> String {
    vmcatcher::trust::dn::oneline(cert.subject_name())
}

pub(crate) fn issuer(cert: &X509) -> String {
    vmcatcher::trust::dn::oneline(cert.issuer_name())
}

pub(crate) fn date(offset_days: i64) -> String {
    vmcatcher::imagelist::format_date(OffsetDateTime::now_utc() + Duration::days(offset_days))
}

/// An image entry; `size` and checksum follow `content`.
pub(crate) fn image(id: &str, content: &[u8], uri: &str) -> Value {
    json!({ "hv:image": {
        "dc:identifier": id,
        "dc:title": format!("Image {id}"),
        "dc:description": "a test image",
        "hv:size": content.len(),
        "sl:checksum:sha512": vmcatcher::subscription::rules::sha512_hex(content),
        "sl:arch": "x86_64",
        "hv:uri": uri,
        "sl:os": "Linux",
        "sl:osversion": "Debian 12",
        "sl:comments": "",
        "hv:hypervisor": "kvm",
        "hv:version": "1",
        "hv:format": "raw",
        "ad:mpuri": format!("https://mp.example/{id}:1/"),
    }})
}

/// A list signed by the good endorser unless changed.
pub(crate) struct ListSpec {
    pub identifier: String,
    pub version: String,
    pub created: String,
    pub expires: String,
    pub uri: String,
    pub dn: String,
    pub ca: String,
    /// The list's `ad:vo`.
    pub vo: String,
    pub images: Vec<Value>,
}

impl ListSpec {
    pub(crate) fn new(version: &str) -> ListSpec {
        let good = &pki().good.cert;
        ListSpec {
            identifier: LIST_ID.into(),
            version: version.into(),
            created: date(-1),
            expires: date(30),
            uri: "https://lists.example/list.smime".into(),
            dn: subject(good),
            ca: issuer(good),
            vo: "testvo".into(),
            images: vec![
                image(IMAGE_A, b"image a contents", "http://127.0.0.1:9/a"),
                image(IMAGE_B, b"image b contents", "http://127.0.0.1:9/b"),
            ],
        }
    }

    pub(crate) fn signer(mut self, cert: &X509) -> ListSpec {
        self.dn = subject(cert);
        self.ca = issuer(cert);
        self
    }

    pub(crate) fn json(&self) -> String {
        let list = json!({ "hv:imagelist": {
            "dc:date:created": self.created,
            "dc:date:expires": self.expires,
            "dc:description": "a test image list",
            "dc:identifier": self.identifier,
            "dc:source": "example.org",
            "dc:title": "Test list",
            "ad:vo": self.vo,
            "hv:endorser": { "hv:x509": {
                "dc:creator": "Test Endorser",
                "hv:ca": self.ca,
                "hv:dn": self.dn,
                "hv:email": "endorser@example.org",
            }},
            "hv:images": self.images,
            "hv:uri": self.uri,
            "hv:version": self.version,
        }});
        serde_json::to_string_pretty(&list).unwrap()
    }

    /// Signed by the good endorser (detached, SHA-256, issuing CA included).
    pub(crate) fn signed(&self) -> Vec<u8> {
        pki::sign_good(self.json().as_bytes())
    }

    pub(crate) fn signed_by(&self, who: &Issued) -> Vec<u8> {
        sign(who, self.json().as_bytes())
    }
}

pub(crate) fn sign(who: &Issued, content: &[u8]) -> Vec<u8> {
    sign_with(&who.cert, &who.key, content)
}

pub(crate) fn sign_with(cert: &X509, key: &PKey<Private>, content: &[u8]) -> Vec<u8> {
    pki::sign_smime(
        cert,
        key,
        &[&pki().issuing.cert],
        content,
        true,
        Digest::Sha256,
    )
}

/// Writes the trust directory the test environment points `VMCATCHER_DIR_CERT` at.
pub(crate) fn trust_dir(env: &TestEnv, options: &TrustDirOptions) {
    let dir = env.path("certs");
    let _ = std::fs::remove_dir_all(&dir);
    pki::write_trust_dir(&dir, options).expect("trust dir");
}
