//! The real OCI registry the registry-source tests run against (issue 15): started with
//! the test's own configuration on 127.0.0.1, artifacts pushed as `oras push` does.

use serde_json::json;

use crate::support::registry::{digest_of, Registry, OCI_MANIFEST, QEMU_DISK};

#[test]
fn the_test_registry_serves_pushed_artifacts_by_digest_and_only_with_credentials() {
    let Some(registry) = Registry::start(Some(("site", "s3cret"))) else {
        return;
    };
    let layer: Vec<u8> = (0..200_000u32).flat_map(u32::to_le_bytes).collect();
    let pushed = registry.push(
        "egi/ubuntu",
        "22.04",
        &layer,
        &json!({"eu.egi.cloud.tag": "22.04", "org.openstack.glance.disk_format": "qcow2"}),
    );
    assert_eq!(pushed.layer_digest, digest_of(&layer));
    assert_eq!(pushed.layer_size, layer.len());

    let (status, headers, body) = registry
        .request(
            "GET",
            &format!("/v2/egi/ubuntu/manifests/{}", pushed.manifest_digest),
            &[],
            &[],
        )
        .unwrap();
    assert_eq!(status, 200);
    assert!(headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("docker-content-digest")
            && *v == pushed.manifest_digest));
    assert_eq!(digest_of(&body), pushed.manifest_digest);
    let manifest: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(manifest["mediaType"], OCI_MANIFEST);
    assert_eq!(manifest["layers"][0]["mediaType"], QEMU_DISK);
    assert_eq!(manifest["annotations"]["eu.egi.cloud.tag"], "22.04");

    let (status, _, blob) = registry
        .request(
            "GET",
            &format!("/v2/egi/ubuntu/blobs/{}", pushed.layer_digest),
            &[],
            &[],
        )
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(blob, layer);
    assert!(registry.blob_file(&pushed.layer_digest).is_file());

    // Without credentials: 401 with the Basic challenge.
    let mut raw = std::net::TcpStream::connect(registry.host()).unwrap();
    std::io::Write::write_all(
        &mut raw,
        format!(
            "GET /v2/ HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            registry.host()
        )
        .as_bytes(),
    )
    .unwrap();
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut raw, &mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("www-authenticate: basic"),
        "{answer}"
    );
}
