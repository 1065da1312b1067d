//! A registry token service of the test's own: the signing key and certificate that
//! docker-registry's `auth.token` trusts (`rootcertbundle`), and JWTs as a real token
//! service issues them (RS256, the certificate in `x5c`, `access` claims).
#![allow(dead_code)]

use std::path::Path;

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::sign::Signer;
use openssl::x509::{X509NameBuilder, X509};
use serde_json::json;

pub(crate) const ISSUER: &str = "vmcatcher-test-issuer";
pub(crate) const SERVICE: &str = "vmcatcher-test-registry";

pub(crate) struct TokenSigner {
    key: PKey<Private>,
    cert: X509,
}

impl TokenSigner {
    pub(crate) fn new() -> TokenSigner {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "token signer").unwrap();
        let name = name.build();
        let mut cert = X509::builder().unwrap();
        cert.set_version(2).unwrap();
        let mut serial = BigNum::new().unwrap();
        serial.rand(64, MsbOption::MAYBE_ZERO, false).unwrap();
        cert.set_serial_number(&serial.to_asn1_integer().unwrap())
            .unwrap();
        cert.set_subject_name(&name).unwrap();
        cert.set_issuer_name(&name).unwrap();
        cert.set_pubkey(&key).unwrap();
        cert.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        cert.set_not_after(&Asn1Time::days_from_now(2).unwrap())
            .unwrap();
        cert.sign(&key, MessageDigest::sha256()).unwrap();
        TokenSigner {
            key,
            cert: cert.build(),
        }
    }

    /// Writes the certificate the registry verifies tokens with.
    pub(crate) fn write_root(&self, path: &Path) {
        std::fs::write(path, self.cert.to_pem().unwrap()).unwrap();
    }

    /// A token for `actions` on each repository of `repositories`.
    pub(crate) fn token(&self, repositories: &[&str], actions: &[&str]) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let header = json!({
            "alg": "RS256",
            "typ": "JWT",
            "x5c": [openssl::base64::encode_block(&self.cert.to_der().unwrap())],
        });
        let access: Vec<_> = repositories
            .iter()
            .map(|r| json!({"type": "repository", "name": r, "actions": actions}))
            .collect();
        let claims = json!({
            "iss": ISSUER,
            "sub": "site",
            "aud": SERVICE,
            "exp": now + 3600,
            "nbf": now - 60,
            "iat": now - 60,
            "jti": format!("{now}-{}", repositories.len()),
            "access": access,
        });
        let signing_input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let mut signer = Signer::new(MessageDigest::sha256(), &self.key).unwrap();
        signer.update(signing_input.as_bytes()).unwrap();
        let signature = signer.sign_to_vec().unwrap();
        format!("{signing_input}.{}", b64url(&signature))
    }
}

fn b64url(bytes: &[u8]) -> String {
    openssl::base64::encode_block(bytes)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}
