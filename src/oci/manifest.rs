//! OCI image manifests: parsed strictly, their digest checked against the bytes, and the
//! one disk layer chosen. A manifest is fetched by digest once it is pinned, so what was
//! listed, what was verified and what is downloaded are the same bytes.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// The layer type EGI pushes its qcow2 disks as (`oras push … :application/x-qemu-disk`).
pub const QEMU_DISK: &str = "application/x-qemu-disk";

/// `sha256:<64 lowercase hex>`, the only algorithm registries use for content.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(String);

impl Digest {
    pub fn parse(text: &str) -> Result<Digest, String> {
        let hex = text.strip_prefix("sha256:").ok_or_else(|| {
            format!("'{text}' is not a sha256 digest (sha256:<64 hexadecimal digits>)")
        })?;
        if hex.len() != 64
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(format!(
                "'{text}' is not a sha256 digest (sha256:<64 hexadecimal digits>)"
            ));
        }
        Ok(Digest(text.to_string()))
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest(format!(
            "sha256:{}",
            crate::digest::hex(&openssl::sha::sha256(bytes))
        ))
    }

    /// The 64 hex digits.
    pub fn hex(&self) -> &str {
        &self.0["sha256:".len()..]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Digest::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A content descriptor: what a manifest says of a blob.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: Digest,
    pub size: u64,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub schema_version: u32,
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub artifact_type: Option<String>,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
}

/// Why a manifest is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("the manifest's digest is {actual}, not {expected}: refused")]
    DigestMismatch { expected: Digest, actual: Digest },
    #[error("not an OCI image manifest: {0}")]
    Invalid(String),
    #[error("no layer of type {0}: not a disk image artifact")]
    NoDisk(String),
    #[error(
        "{count} layers of type {media_type}: choose one with --layer-media-type, or push one disk per artifact"
    )]
    SeveralDisks { media_type: String, count: usize },
}

impl Manifest {
    /// Parses `bytes` fetched for `expected` (the pinned digest), refusing other bytes.
    pub fn parse_pinned(bytes: &[u8], expected: &Digest) -> Result<Manifest, ManifestError> {
        let actual = Digest::of(bytes);
        if &actual != expected {
            return Err(ManifestError::DigestMismatch {
                expected: expected.clone(),
                actual,
            });
        }
        Manifest::parse(bytes)
    }

    pub fn parse(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        let manifest: Manifest =
            serde_json::from_slice(bytes).map_err(|e| ManifestError::Invalid(e.to_string()))?;
        if manifest.schema_version != 2 {
            return Err(ManifestError::Invalid(format!(
                "schemaVersion {} (only 2 is an image manifest)",
                manifest.schema_version
            )));
        }
        match manifest.media_type.as_deref() {
            None | Some(OCI_MANIFEST | DOCKER_MANIFEST) => Ok(manifest),
            Some(other) => Err(ManifestError::Invalid(format!(
                "media type {other} (an index or another kind of manifest)"
            ))),
        }
    }

    /// The one layer of `media_type` (the qcow2 disk by default).
    pub fn disk(&self, media_type: Option<&str>) -> Result<&Descriptor, ManifestError> {
        let wanted = media_type.unwrap_or(QEMU_DISK);
        let mut disks = self.layers.iter().filter(|l| l.media_type == wanted);
        match (disks.next(), disks.count()) {
            (None, _) => Err(ManifestError::NoDisk(wanted.to_string())),
            (Some(disk), 0) => Ok(disk),
            (Some(_), more) => Err(ManifestError::SeveralDisks {
                media_type: wanted.to_string(),
                count: more + 1,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(layers: &str) -> Vec<u8> {
        format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":
            "application/vnd.oci.empty.v1+json","digest":"sha256:{}","size":2}},
            "layers":[{layers}],"annotations":{{"eu.egi.cloud.tag":"22.04"}}}}"#,
            "4".repeat(64)
        )
        .into_bytes()
    }

    fn layer(media_type: &str, n: char) -> String {
        format!(
            r#"{{"mediaType":"{media_type}","digest":"sha256:{}","size":4096}}"#,
            n.to_string().repeat(64)
        )
    }

    #[test]
    fn a_pinned_manifest_must_be_the_bytes_of_its_digest() {
        let bytes = manifest(&layer(QEMU_DISK, 'a'));
        let digest = Digest::of(&bytes);
        let m = Manifest::parse_pinned(&bytes, &digest).unwrap();
        assert_eq!(m.annotations["eu.egi.cloud.tag"], "22.04");
        let disk = m.disk(None).unwrap();
        assert_eq!(disk.size, 4096);
        assert_eq!(disk.digest.hex(), "a".repeat(64));
        let mut tampered = bytes.clone();
        tampered.push(b' ');
        assert!(matches!(
            Manifest::parse_pinned(&tampered, &digest),
            Err(ManifestError::DigestMismatch { .. })
        ));
    }

    #[test]
    fn exactly_one_disk_layer_unless_one_is_chosen() {
        let two = manifest(&format!(
            "{},{}",
            layer(QEMU_DISK, 'a'),
            layer(QEMU_DISK, 'b')
        ));
        let m = Manifest::parse(&two).unwrap();
        assert_eq!(
            m.disk(None).unwrap_err(),
            ManifestError::SeveralDisks {
                media_type: QEMU_DISK.into(),
                count: 2
            }
        );
        let mixed = manifest(&format!(
            "{},{}",
            layer(QEMU_DISK, 'a'),
            layer("application/vnd.example.raw", 'b')
        ));
        let m = Manifest::parse(&mixed).unwrap();
        assert_eq!(
            m.disk(Some("application/vnd.example.raw"))
                .unwrap()
                .digest
                .hex(),
            "b".repeat(64)
        );
        let sbom = manifest(&layer("application/spdx+json", 'c'));
        assert!(matches!(
            Manifest::parse(&sbom).unwrap().disk(None),
            Err(ManifestError::NoDisk(_))
        ));
    }

    #[test]
    fn bad_digests_and_other_manifests_are_refused() {
        assert!(Digest::parse("sha256:ABC").is_err());
        assert!(Digest::parse(&format!("sha512:{}", "a".repeat(64))).is_err());
        assert!(Digest::parse(&format!("sha256:{}", "A".repeat(64))).is_err());
        let index = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
        assert!(matches!(
            Manifest::parse(index),
            Err(ManifestError::Invalid(_))
        ));
        let v1 = String::from_utf8(manifest(""))
            .unwrap()
            .replace("\"schemaVersion\":2", "\"schemaVersion\":1");
        assert!(Manifest::parse(v1.as_bytes()).is_err());
    }
}
