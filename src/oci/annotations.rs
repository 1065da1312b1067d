//! From a registry artifact to the image fields every other part of the tool knows (the
//! `hv:image` keys of a HEPiX list), so selection, cache, events and hooks need no second
//! model. The mapping (docs/oci.md once sources exist) follows EGI's annotations.

use serde_json::{json, Map, Value};

use super::manifest::{Descriptor, Digest, Manifest};

/// EGI's and OpenStack's annotation names, first match wins. The title is EGI's, else
/// the repository's name and the tag (`org.opencontainers.image.title` is the file name
/// `oras push` gave the layer, not a title).
const TITLE: &[&str] = &["eu.egi.cloud.image.title"];
const DESCRIPTION: &[&str] = &[
    "eu.egi.cloud.description",
    "org.opencontainers.image.description",
];
const FORMAT: &[&str] = &["org.openstack.glance.disk_format"];
const CONTAINER_FORMAT: &[&str] = &["org.openstack.glance.container_format"];
const ARCH: &[&str] = &["org.openstack.glance.architecture"];
const OS: &[&str] = &["org.openstack.glance.os_distro"];
const OS_VERSION: &[&str] = &["org.openstack.glance.os_version"];
/// EGI's own release tag; required for Harbor sources, as EGI documents.
pub const EGI_TAG: &str = "eu.egi.cloud.tag";

/// One artifact as an `hv:image` object: identifier `HOST/REPOSITORY:TAG` (stable across
/// versions), version the EGI tag or the tag, the layer's size and sha256 as size and
/// checksum, and the blob pinned by digest as the URI.
pub fn image_fields(
    host: &str,
    repository: &str,
    tag: &str,
    manifest_digest: &Digest,
    manifest: &Manifest,
    disk: &Descriptor,
) -> Map<String, Value> {
    let pick = |names: &[&str]| {
        names.iter().find_map(|n| {
            manifest
                .annotations
                .get(*n)
                .or_else(|| disk.annotations.get(*n))
                .filter(|v| !v.trim().is_empty())
                .cloned()
        })
    };
    let name = repository.rsplit('/').next().unwrap_or(repository);
    let mut fields = Map::new();
    let mut put = |key: &str, value: Value| {
        fields.insert(key.to_string(), value);
    };
    // A pinned digest is written as image references write it: `repo@sha256:…`.
    let at = if tag.starts_with("sha256:") { '@' } else { ':' };
    put(
        "dc:identifier",
        json!(format!("{host}/{repository}{at}{tag}")),
    );
    put(
        "dc:title",
        json!(pick(TITLE).unwrap_or_else(|| format!("{name}{at}{tag}"))),
    );
    put(
        "dc:description",
        json!(pick(DESCRIPTION).unwrap_or_default()),
    );
    put(
        "hv:version",
        json!(pick(&[EGI_TAG]).unwrap_or_else(|| tag.to_string())),
    );
    put("hv:size", json!(disk.size));
    put("sl:checksum:sha256", json!(disk.digest.hex()));
    put(
        "hv:uri",
        json!(format!(
            "https://{host}/v2/{repository}/blobs/{}",
            disk.digest
        )),
    );
    put("oci:manifest_digest", json!(manifest_digest.as_str()));
    put("oci:media_type", json!(disk.media_type));
    for (key, names) in [
        ("hv:format", FORMAT),
        ("hv:container_format", CONTAINER_FORMAT),
        ("sl:arch", ARCH),
        ("sl:os", OS),
        ("sl:osversion", OS_VERSION),
    ] {
        if let Some(value) = pick(names) {
            put(key, json!(value));
        }
    }
    put("oci:annotations", json!(manifest.annotations));
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn egi_annotations_become_image_fields() {
        let disk_digest = format!("sha256:{}", "a".repeat(64));
        let text = json!({
            "schemaVersion": 2,
            "mediaType": super::super::manifest::OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.empty.v1+json",
                       "digest": format!("sha256:{}", "4".repeat(64)), "size": 2},
            "layers": [{"mediaType": "application/x-qemu-disk", "digest": disk_digest,
                        "size": 4096, "annotations": {"org.opencontainers.image.title": "u.qcow2"}}],
            "annotations": {
                "eu.egi.cloud.tag": "2025.05.01",
                "eu.egi.cloud.description": "Ubuntu 22.04 for EGI",
                "org.openstack.glance.disk_format": "qcow2",
                "org.openstack.glance.container_format": "bare",
                "org.openstack.glance.architecture": "x86_64",
                "org.openstack.glance.os_distro": "ubuntu",
                "org.openstack.glance.os_version": "22.04",
            },
        })
        .to_string();
        let manifest = Manifest::parse(text.as_bytes()).unwrap();
        let digest = Digest::of(text.as_bytes());
        let disk = manifest.disk(None).unwrap();
        let f = image_fields(
            "registry.egi.eu",
            "egi_vm_images/ubuntu",
            "22.04",
            &digest,
            &manifest,
            disk,
        );
        assert_eq!(
            f["dc:identifier"],
            "registry.egi.eu/egi_vm_images/ubuntu:22.04"
        );
        assert_eq!(
            f["dc:title"], "ubuntu:22.04",
            "the repository and tag when EGI gives no title"
        );
        assert_eq!(f["dc:description"], "Ubuntu 22.04 for EGI");
        assert_eq!(f["hv:version"], "2025.05.01");
        assert_eq!(f["hv:size"], 4096);
        assert_eq!(f["sl:checksum:sha256"], "a".repeat(64));
        assert_eq!(f["hv:format"], "qcow2");
        assert_eq!(f["sl:arch"], "x86_64");
        assert_eq!(f["sl:os"], "ubuntu");
        assert_eq!(f["sl:osversion"], "22.04");
        assert_eq!(f["oci:manifest_digest"], digest.as_str());
        assert_eq!(
            f["hv:uri"],
            format!("https://registry.egi.eu/v2/egi_vm_images/ubuntu/blobs/{disk_digest}")
        );
    }
}
