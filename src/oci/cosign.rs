//! Cosign key-based signatures (the `sha256-<hex>.sig` tag scheme), the signature policy
//! of a registry subscription with `--cosign-key`.
//!
//! The signatures of the manifest `sha256:<hex>` are the layers of the manifest tagged
//! `sha256-<hex>.sig` in the same repository: each layer is a simple-signing payload
//! (`application/vnd.dev.cosign.simplesigning.v1+json`) whose
//! `critical.image.docker-manifest-digest` names the signed manifest, with the ECDSA (or
//! RSA) signature over the payload's bytes, base64, in the layer's
//! `dev.cosignproject.cosign/signature` annotation. An artifact is signed when one layer
//! has a payload for exactly the pinned digest and a signature that the key verifies
//! (OpenSSL, SHA-256). Anything else (no `.sig` tag, another digest, a bad signature) is
//! refused with exit 11, before anything is imported or downloaded.

use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Public};
use openssl::sign::Verifier;
use serde::Deserialize;

use super::client::Client;
use super::manifest::{Digest, Manifest};
use crate::error::{Error, ListRule, Result};
use crate::fetch::FetchError;

/// The layer type of a simple-signing payload.
pub const PAYLOAD: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// The annotation holding the base64 signature of a payload.
pub const SIGNATURE: &str = "dev.cosignproject.cosign/signature";
/// Largest payload accepted (real ones are a few hundred bytes).
const MAX_PAYLOAD_BYTES: u64 = 64 * 1024;

#[derive(Deserialize)]
struct Payload {
    critical: Critical,
}

#[derive(Deserialize)]
struct Critical {
    image: Image,
}

#[derive(Deserialize)]
struct Image {
    #[serde(rename = "docker-manifest-digest")]
    docker_manifest_digest: String,
}

/// A public key given with `--cosign-key` (PEM); the message says what to do.
pub fn parse_key(pem: &[u8], source: &str) -> std::result::Result<PKey<Public>, String> {
    PKey::public_key_from_pem(pem).map_err(|_| {
        format!(
            "{source} is not a PEM public key: give the cosign.pub that 'cosign \
             generate-key-pair' wrote (-----BEGIN PUBLIC KEY-----)"
        )
    })
}

/// The tag cosign stores the signatures of `digest` under.
pub fn signature_tag(digest: &Digest) -> String {
    format!("sha256-{}.sig", digest.hex())
}

/// Checks that `name` (`HOST/REPOSITORY:TAG`, for messages), pinned at `digest`, has a
/// cosign signature by `key`.
pub fn verify(
    client: &Client<'_>,
    repository: &str,
    name: &str,
    digest: &Digest,
    key: &PKey<Public>,
) -> Result<()> {
    let refuse = |why: String| {
        Error::list(
            ListRule::Signature,
            format!(
                "{name} ({digest}) {why}: refused under the subscription's signature policy \
                 (--cosign-key); nothing is imported or downloaded"
            ),
        )
    };
    let tag = signature_tag(digest);
    let (sig_digest, bytes) = match client.manifest(repository, &tag) {
        Ok(found) => found,
        Err(e) if is_not_found(&e) => {
            return Err(refuse(format!("has no cosign signature (no tag {tag})")));
        }
        Err(e) => return Err(e),
    };
    let manifest = Manifest::parse_pinned(&bytes, &sig_digest)
        .map_err(|e| refuse(format!("has an unusable signature manifest ({e})")))?;
    let mut problems = Vec::new();
    for layer in manifest.layers.iter().filter(|l| l.media_type == PAYLOAD) {
        let Some(signature) = layer.annotations.get(SIGNATURE) else {
            problems.push("a payload without a signature".to_string());
            continue;
        };
        let payload = client.blob(repository, &layer.digest, MAX_PAYLOAD_BYTES)?;
        let Ok(parsed) = serde_json::from_slice::<Payload>(&payload) else {
            problems.push("a payload that is not a simple-signing payload".to_string());
            continue;
        };
        if parsed.critical.image.docker_manifest_digest != digest.as_str() {
            problems.push(format!(
                "a signature of another digest ({})",
                parsed.critical.image.docker_manifest_digest
            ));
            continue;
        }
        let Ok(signature) = openssl::base64::decode_block(signature.trim()) else {
            problems.push("a signature that is not base64".to_string());
            continue;
        };
        let good = Verifier::new(MessageDigest::sha256(), key)
            .and_then(|mut v| {
                v.update(&payload)?;
                v.verify(&signature)
            })
            .unwrap_or(false);
        if good {
            tracing::debug!("{name} ({digest}): cosign signature verified");
            return Ok(());
        }
        problems.push("a signature the key does not verify".to_string());
    }
    if problems.is_empty() {
        problems.push("no signature payload".to_string());
    }
    Err(refuse(format!(
        "is not signed by the key: {}",
        problems.join("; ")
    )))
}

/// Whether a registry error is a 404 (no such tag).
fn is_not_found(e: &Error) -> bool {
    let Error::List {
        source: Some(source),
        ..
    } = e
    else {
        return false;
    };
    matches!(
        source.downcast_ref::<FetchError>(),
        Some(FetchError::HttpStatus { status: 404, .. })
    )
}
