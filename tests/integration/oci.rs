//! The real OCI registry the registry-source tests run against (issue 15): started with
//! the test's own configuration on 127.0.0.1, artifacts pushed as `oras push` does.

use std::time::Duration;

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

/// A site subscribed to nothing yet, with cache directories, a password file and an
/// event recorder (`-x`) that appends each event's variables to `events.log`.
fn site() -> crate::support::TestEnv {
    let mut env = crate::support::TestEnv::new();
    env.set("VMCATCHER_CACHE_DIR_CACHE", env.path("cache/endorsed"));
    env.set("VMCATCHER_CACHE_DIR_DOWNLOAD", env.path("cache/partial"));
    env.set("VMCATCHER_CACHE_DIR_EXPIRE", env.path("cache/expired"));
    // A site's trust directory (the registry here is reached over plain http).
    crate::support::lists::trust_dir(&env, &crate::support::pki::TrustDirOptions::default());
    env.write("password", "s3cret\n");
    env.write(
        "record.sh",
        "#!/bin/sh\nenv | grep '^VMCATCHER_EVENT_' | sort >> \"$0.log\"\necho --- >> \"$0.log\"\n",
    );
    env
}

/// `subscribe add SOURCE SELECTION… --plain-http` with the site's credentials, new images
/// selected.
fn subscribe_with_credentials(
    env: &crate::support::TestEnv,
    source: &str,
    selection: &[&str],
) -> crate::support::Run {
    let password = env.path("password");
    let mut args = vec!["subscribe", "add", source];
    args.extend_from_slice(selection);
    args.extend_from_slice(&[
        "--plain-http",
        "--username",
        "site",
        "--password-file",
        password.to_str().unwrap(),
        "--new-images",
        "subscribe",
    ]);
    env.run(&args)
}

fn events(env: &crate::support::TestEnv) -> String {
    std::fs::read_to_string(env.path("record.sh.log")).unwrap_or_default()
}

fn files(env: &crate::support::TestEnv, dir: &str) -> Vec<String> {
    crate::support::site::file_names(&env.path(&format!("cache/{dir}")))
}

pub(crate) fn egi_annotations(tag: &str) -> serde_json::Value {
    json!({
        "eu.egi.cloud.tag": tag,
        "eu.egi.cloud.description": "Ubuntu 22.04 for EGI",
        "org.openstack.glance.disk_format": "qcow2",
        "org.openstack.glance.container_format": "bare",
        "org.openstack.glance.architecture": "x86_64",
        "org.openstack.glance.os_distro": "ubuntu",
        "org.openstack.glance.os_version": "22.04",
    })
}

#[test]
fn a_registry_repository_is_subscribed_synced_verified_and_a_moved_tag_replaces_the_image() {
    let Some(registry) = Registry::start(Some(("site", "s3cret"))) else {
        return;
    };
    let env = site();
    let v1: Vec<u8> = (0..150_000u32).flat_map(u32::to_le_bytes).collect();
    let pushed = registry.push("egi/ubuntu", "22.04", &v1, &egi_annotations("2025.05.01"));
    // A dated tag, not followed by EGI's pattern.
    registry.push(
        "egi/ubuntu",
        "22.04-2025.05.01",
        &v1,
        &egi_annotations("2025.05.01"),
    );
    let source = format!("oci://{}/egi/ubuntu", registry.host());
    let add = subscribe_with_credentials(&env, &source, &["--tag-pattern", "^[^-]*$"]);
    add.success();
    let image = format!("{}/egi/ubuntu:22.04", registry.host());
    let list = env.run(&["image", "list"]);
    list.success();
    assert_eq!(list.stdout, format!("{image}\t3\t{source}\n"));
    let show = env.run(&["image", "show", &image]);
    show.success();
    assert!(show.stdout.contains("qcow2"), "{}", show.stdout);

    let recorder = env.path("record.sh");
    std::fs::set_permissions(
        &recorder,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let sync = env.run(&["sync", "-x", recorder.to_str().unwrap()]);
    sync.success();
    let file = format!("{}%2Fegi%2Fubuntu:22.04", registry.host());
    assert_eq!(files(&env, "endorsed"), [file.as_str(), "cache.index"]);
    assert_eq!(
        std::fs::read(env.path(&format!("cache/endorsed/{file}"))).unwrap(),
        v1
    );
    let index: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(env.path("cache/endorsed/cache.index")).unwrap(),
    )
    .unwrap();
    let entry = &index[&image];
    assert_eq!(entry["filename"], file.as_str());
    assert_eq!(
        entry["sha256"],
        pushed.layer_digest.trim_start_matches("sha256:")
    );
    assert!(entry.get("sha512").is_none(), "{entry}");
    let log = events(&env);
    for line in [
        "VMCATCHER_EVENT_TYPE=AvailablePostfix".to_string(),
        format!("VMCATCHER_EVENT_SHA256={}", &pushed.layer_digest[7..]),
        format!("VMCATCHER_EVENT_FILENAME={file}"),
        format!("VMCATCHER_EVENT_DC_IDENTIFIER={image}"),
        "VMCATCHER_EVENT_HV_FORMAT=qcow2".to_string(),
        format!("VMCATCHER_EVENT_HV_SIZE={}", v1.len()),
        "VMCATCHER_EVENT_SL_OS=ubuntu".to_string(),
        "VMCATCHER_EVENT_DC_DESCRIPTION=Ubuntu 22.04 for EGI".to_string(),
    ] {
        assert!(log.lines().any(|l| l == line), "no {line} in\n{log}");
    }
    // The resolution is the source's message (there is no signed one).
    let message = env.run(&["subscribe", "show", "-f", "message", &source]);
    message.success();
    assert!(
        message.stdout.contains(&pushed.manifest_digest),
        "{}",
        message.stdout
    );
    // An unchanged registry: nothing new; a dry run plans nothing either.
    let plan = env.run(&["sync", "--dry-run"]);
    plan.success();
    env.run(&["sync"]).success();
    assert_eq!(files(&env, "expired"), ["cache.index"]);

    // The tag moves to a new digest: a new version replaces the old one, with events.
    let v2: Vec<u8> = v1.iter().rev().copied().collect();
    let moved = registry.push("egi/ubuntu", "22.04", &v2, &egi_annotations("2025.06.01"));
    std::fs::remove_file(env.path("record.sh.log")).unwrap();
    env.run(&["sync", "-x", recorder.to_str().unwrap()])
        .success();
    assert_eq!(
        std::fs::read(env.path(&format!("cache/endorsed/{file}"))).unwrap(),
        v2
    );
    let expired = files(&env, "expired");
    assert_eq!(expired.len(), 2, "{expired:?}");
    assert!(expired[0].starts_with(&format!("{file}.")), "{expired:?}");
    let log = events(&env);
    for line in [
        "VMCATCHER_EVENT_TYPE=ExpirePostfix".to_string(),
        format!("VMCATCHER_EVENT_SHA256={}", &pushed.layer_digest[7..]),
        format!("VMCATCHER_EVENT_SHA256={}", &moved.layer_digest[7..]),
        "VMCATCHER_EVENT_HV_VERSION=2025.06.01".to_string(),
    ] {
        assert!(log.lines().any(|l| l == line), "no {line} in\n{log}");
    }
    for run in [&add, &sync] {
        assert!(!run.stderr.contains("s3cret") && !run.stdout.contains("s3cret"));
    }
    // `cache check` verifies the SHA-256 of registry images.
    env.run(&["cache", "check"]).success();
    std::fs::write(env.path(&format!("cache/endorsed/{file}")), &v1).unwrap();
    env.run(&["cache", "check"])
        .failure(1, &["sha256 incorrect"]);
}

#[test]
fn registry_sources_refuse_what_cannot_be_verified_and_keep_nothing() {
    let Some(registry) = Registry::start(Some(("site", "s3cret"))) else {
        return;
    };
    let env = site();
    let layer = vec![7u8; 50_000];
    let pushed = registry.push("egi/alma", "9", &layer, &egi_annotations("9"));
    let source = format!("oci://{}/egi/alma", registry.host());

    // No credentials: 401, exit 10, nothing stored.
    env.run(&["subscribe", "add", &source, "--tag", "9", "--plain-http"])
        .failure(10, &["401", "--username"]);
    // No tags named, a bad pattern, a bad tag, list options on a list: usage errors.
    env.run(&["subscribe", "add", &source, "--plain-http"])
        .failure(2, &["--tag-pattern"]);
    env.run(&[
        "subscribe",
        "add",
        &source,
        "--tag-pattern",
        "(",
        "--plain-http",
    ])
    .failure(2, &["'('", "regular expression"]);
    env.run(&["subscribe", "add", &source, "--tag", ".x"])
        .failure(2, &["--tag .x"]);
    env.run(&["subscribe", "add", "oci://h/x:9", "--tag", "9"])
        .failure(2, &["--tag"]);
    env.init_db();
    assert_eq!(env.run(&["subscribe", "list"]).stdout, "");

    // Two disk layers: refused unless one is chosen.
    let second = registry.push_blob("egi/alma", b"another disk");
    let two = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.empty.v1+json",
                   "digest": digest_of(b"{}"), "size": 2},
        "layers": [
            {"mediaType": QEMU_DISK, "digest": pushed.layer_digest, "size": layer.len()},
            {"mediaType": QEMU_DISK, "digest": second, "size": 12},
        ],
    });
    registry.push_manifest("egi/alma", "two", &serde_json::to_vec(&two).unwrap());
    let add = |tag: &str| subscribe_with_credentials(&env, &source, &["--tag", tag]);
    add("two").failure(38, &["2 layers", "--layer-media-type"]);
    assert_eq!(env.run(&["subscribe", "list"]).stdout, "");

    // A layer whose bytes are not its digest, and a manifest announcing the wrong size:
    // the download is refused and nothing enters the cache.
    let short = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.empty.v1+json",
                   "digest": digest_of(b"{}"), "size": 2},
        "layers": [{"mediaType": QEMU_DISK, "digest": pushed.layer_digest, "size": layer.len() - 1}],
    });
    registry.push_manifest("egi/alma", "short", &serde_json::to_vec(&short).unwrap());
    add("short").success();
    env.run(&["cache"]).failure(1, &["hv:size"]);
    assert_eq!(files(&env, "endorsed"), ["cache.index"]);
    env.run(&["subscribe", "delete", &source]).success();
    // And one announcing more bytes than the blob has.
    let long = serde_json::to_vec(&short)
        .map(|b| String::from_utf8(b).unwrap())
        .unwrap()
        .replace(
            &format!("\"size\":{}", layer.len() - 1),
            &format!("\"size\":{}", layer.len() + 10),
        );
    registry.push_manifest("egi/alma", "long", long.as_bytes());
    add("long").success();
    env.run(&["cache"]).failure(1, &["hv:size"]);
    assert_eq!(files(&env, "endorsed"), ["cache.index"]);
    env.run(&["subscribe", "delete", &source]).success();
    // A registry subscription follows its registry, not another URL.
    add("9").success();
    env.run(&[
        "subscribe",
        "set",
        &source,
        "--url",
        "https://example.org/list",
    ])
    .failure(2, &["registry", "--url"]);
    env.run(&["subscribe", "delete", &source]).success();

    add("9").success();
    let blob = registry.blob_file(&pushed.layer_digest);
    let mut tampered = std::fs::read(&blob).unwrap();
    tampered[100] ^= 1;
    std::fs::write(&blob, &tampered).unwrap();
    env.run(&["cache"]).failure(1, &["SHA-256 mismatch"]);
    assert_eq!(files(&env, "endorsed"), ["cache.index"]);
}

#[test]
fn the_bearer_token_flow_gets_a_token_with_the_basic_credentials_and_refuses_bad_tokens() {
    use crate::support::http::{Route, TestServer};
    use crate::support::token::TokenSigner;

    let tokens = TestServer::http();
    let signer = TokenSigner::new();
    let Some(registry) =
        Registry::start_with_tokens(&tokens.url("/token"), &signer, &["egi/ubuntu"])
    else {
        return;
    };
    let layer: Vec<u8> = (0..40_000u32).flat_map(u32::to_le_bytes).collect();
    let pushed = registry.push("egi/ubuntu", "22.04", &layer, &egi_annotations("22.04"));
    let answer = |token: String| {
        Route::ok(json!({ "token": token }).to_string()).require_basic_auth("site", "s3cret")
    };
    tokens.route("/token", answer(signer.token(&["egi/ubuntu"], &["pull"])));

    let env = site();
    let source = format!("oci://{}/egi/ubuntu", registry.host());
    let password = env.path("password");
    let add = |extra: &[&str]| {
        let mut args = vec![
            "subscribe",
            "add",
            source.as_str(),
            "--tag",
            "22.04",
            "--plain-http",
            "--new-images",
            "subscribe",
        ];
        args.extend_from_slice(extra);
        env.run(&args)
    };
    // Without credentials the token endpoint refuses.
    add(&[]).failure(
        10,
        &["token endpoint", "refused the user name and password"],
    );
    let with_credentials = [
        "--username",
        "site",
        "--password-file",
        password.to_str().unwrap(),
    ];
    add(&with_credentials).success();
    let sync = env.run(&["sync"]);
    sync.success();
    let file = format!("{}%2Fegi%2Fubuntu:22.04", registry.host());
    assert_eq!(
        std::fs::read(env.path(&format!("cache/endorsed/{file}"))).unwrap(),
        layer
    );
    let asked = tokens.requests_to("/token");
    assert!(!asked.is_empty());
    for request in &asked {
        assert!(
            request.target.contains("service=vmcatcher-test-registry"),
            "{}",
            request.target
        );
        assert!(
            request
                .target
                .contains("scope=repository%3Aegi%2Fubuntu%3Apull"),
            "{}",
            request.target
        );
        assert!(!request.target.contains("s3cret") && !request.target.contains("site"));
    }
    assert!(asked.iter().any(|r| r
        .header("authorization")
        .is_some_and(|a| a.starts_with("Basic "))));
    assert!(!sync.stderr.contains("s3cret"));

    // A token the registry does not trust (another signer): refused, the images stay.
    tokens.route(
        "/token",
        answer(TokenSigner::new().token(&["egi/ubuntu"], &["pull"])),
    );
    env.run(&["subscribe", "update"])
        .failure(10, &["refused the token"]);
    assert_eq!(
        env.run(&["image", "list"]).stdout,
        format!("{}/egi/ubuntu:22.04\t3\t{source}\n", registry.host())
    );
    // A token service answering nonsense.
    tokens.route(
        "/token",
        Route::ok("{}").require_basic_auth("site", "s3cret"),
    );
    env.run(&["subscribe", "update"])
        .failure(10, &["without a usable token"]);
    let _ = pushed;
}

#[test]
fn required_annotations_skip_or_refuse_and_a_tag_moving_back_is_a_refused_rollback() {
    let Some(registry) = Registry::start(None) else {
        return;
    };
    let env = site();
    let v1 = vec![1u8; 30_000];
    let v2 = vec![2u8; 30_000];
    registry.push("egi/rocky", "9", &v1, &egi_annotations("9.1"));
    registry.push(
        "egi/rocky",
        "8",
        &v1,
        &json!({"org.openstack.glance.disk_format": "raw"}),
    );
    let source = format!("oci://{}/egi/rocky", registry.host());
    let add = |extra: &[&str]| {
        let mut args = vec!["subscribe", "add", source.as_str(), "--plain-http"];
        args.extend_from_slice(extra);
        env.run(&args)
    };
    add(&["--tag", "8", "--require-annotation", "eu.egi.cloud.tag"])
        .failure(38, &[":8", "eu.egi.cloud.tag", "refused"]);
    let added = add(&[
        "--tag-pattern",
        "^[0-9]+$",
        "--require-annotation",
        "eu.egi.cloud.tag",
        "--new-images",
        "subscribe",
    ]);
    added.success();
    assert!(
        added.stderr.contains(":8") && added.stderr.contains("skipped"),
        "{}",
        added.stderr
    );
    let image = format!("{}/egi/rocky:9", registry.host());
    assert_eq!(
        env.run(&["image", "list"]).stdout,
        format!("{image}\t3\t{source}\n")
    );
    env.run(&["sync"]).success();

    // 9 moves to v2 (a new version), then back to v1: a possible rollback, refused.
    registry.push("egi/rocky", "9", &v2, &egi_annotations("9.2"));
    env.run(&["sync"]).success();
    let file = format!("{}%2Fegi%2Frocky:9", registry.host());
    let cached = env.path(&format!("cache/endorsed/{file}"));
    assert_eq!(std::fs::read(&cached).unwrap(), v2);
    registry.push("egi/rocky", "9", &v1, &egi_annotations("9.1"));
    env.run(&["sync"])
        .failure(17, &["possible rollback", &image, "--allow-rollback"]);
    assert_eq!(
        std::fs::read(&cached).unwrap(),
        v2,
        "the rollback reached the cache"
    );
    env.run(&["subscribe", "set", &source, "--allow-rollback", "true"])
        .success();
    let accepted = env.run(&["sync"]);
    accepted.success();
    assert!(
        accepted.stderr.contains("possible rollback"),
        "{}",
        accepted.stderr
    );
    assert_eq!(std::fs::read(&cached).unwrap(), v1);
}

#[test]
fn a_harbor_project_is_listed_through_its_api_with_paging_and_pulled_by_digest() {
    use crate::support::harbor::HarborDouble;

    let Some(registry) = Registry::start(Some(("site", "s3cret"))) else {
        return;
    };
    let ubuntu = vec![3u8; 20_000];
    let alma = vec![4u8; 25_000];
    let u = registry.push("egi/ubuntu", "22.04", &ubuntu, &egi_annotations("22.04"));
    let a9 = registry.push("egi/alma", "9", &alma, &egi_annotations("9.4"));
    let a8 = registry.push(
        "egi/alma",
        "8",
        &alma,
        &json!({"org.openstack.glance.disk_format": "qcow2"}),
    );
    let harbor = HarborDouble::start(registry.port());
    let api = "/api/v2.0/projects/egi/repositories";
    harbor.page(
        &format!("{api}?page_size=100"),
        &json!([{"name": "egi/alma"}]),
        Some(&format!("{api}?page=2&page_size=100")),
    );
    harbor.page(
        &format!("{api}?page=2&page_size=100"),
        &json!([{"name": "egi/ubuntu"}]),
        None,
    );
    let artifact = |digest: &str, tags: &[&str]| {
        json!({
            "digest": digest,
            "tags": tags.iter().map(|t| json!({"name": t})).collect::<Vec<_>>(),
            "extra_attrs": {"annotations": {"eu.egi.cloud.tag": "ignored: the manifest decides"}},
        })
    };
    harbor.page(
        &format!("{api}/alma/artifacts?with_tag=true&page_size=100"),
        &json!([
            artifact(&a9.manifest_digest, &["9"]),
            artifact(&a8.manifest_digest, &["8"])
        ]),
        None,
    );
    harbor.page(
        &format!("{api}/ubuntu/artifacts?with_tag=true&page_size=100"),
        &json!([artifact(&u.manifest_digest, &["22.04", "22.04-2025.05.01"])]),
        None,
    );

    let env = site();
    let source = format!("harbor://{}/egi", harbor.host());
    let add = subscribe_with_credentials(&env, &source, &["--tag-pattern", "^[^-]*$"]);
    add.success();
    // EGI's rule, the default for Harbor: no eu.egi.cloud.tag, no image.
    assert!(
        add.stderr.contains("egi/alma:8") && add.stderr.contains("eu.egi.cloud.tag"),
        "{}",
        add.stderr
    );
    let h = harbor.host();
    assert_eq!(
        env.run(&["image", "list"]).stdout,
        format!("{h}/egi/alma:9\t3\t{source}\n{h}/egi/ubuntu:22.04\t3\t{source}\n")
    );
    env.run(&["sync"]).success();
    assert_eq!(
        std::fs::read(env.path(&format!("cache/endorsed/{h}%2Fegi%2Falma:9"))).unwrap(),
        alma
    );
    assert_eq!(
        std::fs::read(env.path(&format!("cache/endorsed/{h}%2Fegi%2Fubuntu:22.04"))).unwrap(),
        ubuntu
    );
    let requests = harbor.requests();
    assert!(
        requests.iter().any(|(t, _)| t.contains("page=2")),
        "{requests:?}"
    );
    for (target, scheme) in &requests {
        assert_eq!(scheme.as_deref(), Some("Basic"), "{target}");
        if target.contains("/manifests/") {
            assert!(
                target.contains("/manifests/sha256:"),
                "pulled by tag: {target}"
            );
        }
    }

    // Something on the way alters a manifest: its bytes are not the digest listed and
    // named by the registry: refused, exit 11, the stored images stay.
    harbor.tamper(b"\"9.4\"", b"\"9.5\"");
    env.run(&["subscribe", "update"])
        .failure(11, &["egi/alma", &a9.manifest_digest, "refused"]);
    assert_eq!(
        env.run(&["image", "list"]).stdout,
        format!("{h}/egi/alma:9\t3\t{source}\n{h}/egi/ubuntu:22.04\t3\t{source}\n")
    );
}

/// Signs `signed` (the digest in the payload) as cosign does and stores the signature
/// under the `.sig` tag of `target`.
fn cosign_sign(
    registry: &Registry,
    repo: &str,
    target: &str,
    signed: &str,
    key: &openssl::pkey::PKey<openssl::pkey::Private>,
) {
    let payload = json!({
        "critical": {
            "identity": {"docker-reference": format!("{}/{repo}", registry.host())},
            "image": {"docker-manifest-digest": signed},
            "type": "cosign container image signature",
        },
        "optional": null,
    })
    .to_string();
    let payload_digest = registry.push_blob(repo, payload.as_bytes());
    let config = registry.push_blob(repo, b"{}");
    let mut signer =
        openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), key).unwrap();
    signer.update(payload.as_bytes()).unwrap();
    let signature = openssl::base64::encode_block(&signer.sign_to_vec().unwrap());
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": 2},
        "layers": [{
            "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
            "digest": payload_digest,
            "size": payload.len(),
            "annotations": {"dev.cosignproject.cosign/signature": signature},
        }],
    });
    let tag = format!("sha256-{}.sig", target.trim_start_matches("sha256:"));
    registry.push_manifest(repo, &tag, &serde_json::to_vec(&manifest).unwrap());
}

fn ec_key() -> openssl::pkey::PKey<openssl::pkey::Private> {
    let group = openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
    openssl::pkey::PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap()).unwrap()
}

#[test]
fn a_cosign_policy_refuses_unsigned_and_wrongly_signed_artifacts_and_unsigned_sources_say_so() {
    let Some(registry) = Registry::start(None) else {
        return;
    };
    let env = site();
    let key = ec_key();
    env.write("cosign.pub", key.public_key_to_pem().unwrap());
    env.write("not-a-key.pem", "hello");
    let repo = "egi/signed";
    let layer = vec![9u8; 10_000];
    let good = registry.push(repo, "good", &layer, &egi_annotations("1"));
    let other = registry.push(repo, "other", &layer, &egi_annotations("2"));
    let wrong = registry.push(repo, "wrongkey", &layer, &egi_annotations("3"));
    registry.push(repo, "unsigned", &layer, &egi_annotations("4"));
    cosign_sign(
        &registry,
        repo,
        &good.manifest_digest,
        &good.manifest_digest,
        &key,
    );
    // A valid signature, but of another digest, stored as this one's.
    cosign_sign(
        &registry,
        repo,
        &other.manifest_digest,
        &good.manifest_digest,
        &key,
    );
    cosign_sign(
        &registry,
        repo,
        &wrong.manifest_digest,
        &wrong.manifest_digest,
        &ec_key(),
    );

    let source = format!("oci://{}/{repo}", registry.host());
    let pem = env.path("cosign.pub");
    let add = |tag: &str, key: &str| {
        env.run(&[
            "subscribe",
            "add",
            &source,
            "--tag",
            tag,
            "--plain-http",
            "--cosign-key",
            key,
            "--new-images",
            "subscribe",
        ])
    };
    let pem = pem.to_str().unwrap();
    add("unsigned", pem).failure(11, &[":unsigned", "no cosign signature"]);
    add("other", pem).failure(11, &[":other", "another digest", &good.manifest_digest]);
    add("wrongkey", pem).failure(11, &[":wrongkey", "does not verify"]);
    add("good", env.path("not-a-key.pem").to_str().unwrap())
        .failure(2, &["not-a-key.pem", "PEM public key"]);
    env.init_db();
    assert_eq!(env.run(&["subscribe", "list"]).stdout, "");
    assert_eq!(files(&env, "endorsed"), Vec::<String>::new());

    add("good", pem).success();
    let show = env.run(&["subscribe", "show", &source]);
    assert!(
        show.stdout
            .contains("subscription.oci:signaturePolicy=cosign key"),
        "{}",
        show.stdout
    );
    env.run(&["sync"]).success();
    let file = format!("{}%2Fegi%2Fsigned:good", registry.host());
    assert_eq!(
        std::fs::read(env.path(&format!("cache/endorsed/{file}"))).unwrap(),
        layer
    );

    // Without a policy, show and status say that the source is unsigned.
    let plain = format!("oci://{}/egi/plain", registry.host());
    registry.push("egi/plain", "1", &layer, &egi_annotations("1"));
    let added = env.run(&["subscribe", "add", &plain, "--tag", "1", "--plain-http"]);
    added.success();
    assert!(added.stderr.contains("unsigned"), "{}", added.stderr);
    let show = env.run(&["subscribe", "show", &plain]);
    assert!(
        show.stdout
            .contains("subscription.oci:signaturePolicy=none: the source is unsigned"),
        "{}",
        show.stdout
    );
    let status = env.run(&["status"]);
    assert!(status.stdout.contains("unsigned"), "{}", status.stdout);
}

#[test]
fn an_interrupted_blob_download_resumes_with_a_range_request() {
    use crate::support::harbor::HarborDouble;

    let Some(registry) = Registry::start(Some(("site", "s3cret"))) else {
        return;
    };
    // The double passes /v2/ to the registry and records the Range headers.
    let proxy = HarborDouble::start(registry.port());
    let layer: Vec<u8> = (0..250_000u32).flat_map(u32::to_be_bytes).collect();
    let pushed = registry.push("egi/ubuntu", "22.04", &layer, &egi_annotations("22.04"));
    let env = site();
    let source = format!("oci://{}/egi/ubuntu", proxy.host());
    subscribe_with_credentials(&env, &source, &["--tag", "22.04"]).success();
    // What an interrupted transfer (or a kill -9) leaves: the first part of the layer.
    let file = format!("{}%2Fegi%2Fubuntu:22.04", proxy.host());
    env.write(&format!("cache/partial/{file}"), &layer[..400_000]);
    env.run(&["sync"]).success();
    assert_eq!(
        std::fs::read(env.path(&format!("cache/endorsed/{file}"))).unwrap(),
        layer
    );
    let blob = format!("/v2/egi/ubuntu/blobs/{}", pushed.layer_digest);
    assert_eq!(
        proxy.ranges(),
        [(blob, "bytes=400000-".to_string())],
        "{:?}",
        proxy.requests()
    );
}

#[test]
fn an_https_registry_is_verified_with_the_tls_anchors_and_a_rogue_one_refused() {
    use crate::support::pki::pki;

    let p = pki();
    let Some(good) = Registry::start_tls(
        &p.tls_server.cert,
        std::slice::from_ref(&p.issuing.cert),
        &p.tls_server.key,
    ) else {
        return;
    };
    let Some(rogue) = Registry::start_tls(&p.rogue_endorser.cert, &[], &p.rogue_endorser.key)
    else {
        return;
    };
    let layer = vec![5u8; 12_345];
    good.push("egi/ubuntu", "22.04", &layer, &egi_annotations("22.04"));
    rogue.push("egi/ubuntu", "22.04", &layer, &egi_annotations("22.04"));
    let env = site();
    let add = |registry: &Registry| {
        env.run(&[
            "subscribe",
            "add",
            &format!("oci://{}/egi/ubuntu", registry.host()),
            "--tag",
            "22.04",
            "--tls-anchors",
            "igtf",
            "--new-images",
            "subscribe",
        ])
    };
    add(&rogue).failure(10, &["certificate"]);
    add(&good).success();
    env.run(&["sync"]).success();
    let file = format!("{}%2Fegi%2Fubuntu:22.04", good.host());
    assert_eq!(
        std::fs::read(env.path(&format!("cache/endorsed/{file}"))).unwrap(),
        layer
    );
}

#[test]
fn a_harbor_project_behind_the_token_flow_gets_a_token_per_repository() {
    use crate::support::harbor::HarborDouble;
    use crate::support::http::{Route, TestServer};
    use crate::support::token::TokenSigner;

    let tokens = TestServer::http();
    let signer = TokenSigner::new();
    let repos = ["egi/alma", "egi/ubuntu"];
    let Some(registry) = Registry::start_with_tokens(&tokens.url("/token"), &signer, &repos) else {
        return;
    };
    let alma = registry.push("egi/alma", "9", &[1u8; 3000], &egi_annotations("9"));
    let ubuntu = registry.push(
        "egi/ubuntu",
        "24.04",
        &[2u8; 4000],
        &egi_annotations("24.04"),
    );
    tokens.route(
        "/token",
        Route::ok(json!({ "token": signer.token(&repos, &["pull"]) }).to_string())
            .require_basic_auth("site", "s3cret"),
    );
    let harbor = HarborDouble::start(registry.port());
    let api = "/api/v2.0/projects/egi/repositories";
    harbor.page(
        &format!("{api}?page_size=100"),
        &json!([{"name": "egi/alma"}, {"name": "egi/ubuntu"}]),
        None,
    );
    for (name, pushed, tag) in [("alma", &alma, "9"), ("ubuntu", &ubuntu, "24.04")] {
        harbor.page(
            &format!("{api}/{name}/artifacts?with_tag=true&page_size=100"),
            &json!([{"digest": pushed.manifest_digest, "tags": [{"name": tag}]}]),
            None,
        );
    }
    let env = site();
    let source = format!("harbor://{}/egi", harbor.host());
    subscribe_with_credentials(&env, &source, &["--tag-pattern", "."]).success();
    env.run(&["sync"]).success();
    let h = harbor.host();
    for (file, size) in [("alma:9", 3000), ("ubuntu:24.04", 4000)] {
        let path = env.path(&format!("cache/endorsed/{h}%2Fegi%2F{file}"));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), size, "{file}");
    }
    let scopes: Vec<String> = tokens
        .requests_to("/token")
        .iter()
        .map(|r| r.target.clone())
        .collect();
    for repo in ["egi%2Falma", "egi%2Fubuntu"] {
        assert!(
            scopes
                .iter()
                .any(|t| t.contains(&format!("repository%3A{repo}%3Apull"))),
            "{scopes:?}"
        );
    }
    // Harbor's API got the Basic credentials, never the registry's token.
    for (target, scheme) in harbor.requests() {
        if target.starts_with("/api/") {
            assert_eq!(scheme.as_deref(), Some("Basic"), "{target}");
        }
    }
}

/// A registry in front of object storage: the proxy redirects blob downloads to another
/// host (`localhost` is another host than `127.0.0.1`), which is served by `objects`.
fn behind_object_storage(
    registry: &Registry,
    layer: &[u8],
    route: impl Fn(Vec<u8>) -> crate::support::http::Route,
) -> (
    crate::support::harbor::HarborDouble,
    crate::support::http::TestServer,
    String,
) {
    let proxy = crate::support::harbor::HarborDouble::start(registry.port());
    let pushed = registry.push("egi/ubuntu", "22.04", layer, &egi_annotations("22.04"));
    let objects = crate::support::http::TestServer::http();
    let object = format!("/objects/{}", pushed.layer_digest);
    objects.route(&object, route(layer.to_vec()));
    proxy.redirect_blobs(&objects.url_with_host("localhost", "/objects"));
    (proxy, objects, object)
}

#[test]
fn a_blob_redirected_to_another_host_is_fetched_without_the_credentials() {
    let Some(registry) = Registry::start(Some(("site", "s3cret"))) else {
        return;
    };
    let layer: Vec<u8> = (0..100_000u32).flat_map(u32::to_le_bytes).collect();
    let (proxy, objects, object) =
        behind_object_storage(&registry, &layer, crate::support::http::Route::ok);
    let env = site();
    let source = format!("oci://{}/egi/ubuntu", proxy.host());
    subscribe_with_credentials(&env, &source, &["--tag", "22.04"]).success();
    env.run(&["sync"]).success();
    let file = format!("{}%2Fegi%2Fubuntu:22.04", proxy.host());
    assert_eq!(
        std::fs::read(env.path(&format!("cache/endorsed/{file}"))).unwrap(),
        layer
    );
    // The registry got the credentials; object storage on the other host did not.
    assert!(
        proxy
            .requests()
            .iter()
            .any(|(t, auth)| t.contains("/manifests/") && auth.is_some()),
        "{:?}",
        proxy.requests()
    );
    let fetched = objects.requests_to(&object);
    assert_eq!(fetched.len(), 1, "{fetched:?}");
    assert_eq!(fetched[0].header("authorization"), None, "{fetched:?}");
}

#[test]
fn a_blob_download_killed_9_resumes_with_a_range_request() {
    let Some(registry) = Registry::start(Some(("site", "s3cret"))) else {
        return;
    };
    let layer: Vec<u8> = (0..500_000u32).flat_map(u32::to_le_bytes).collect();
    // The first transfer stalls after 600,000 bytes: the sync is killed there.
    let (proxy, objects, object) = behind_object_storage(&registry, &layer, |bytes| {
        crate::support::http::Route::ok(bytes).stall_after(600_000, Duration::from_secs(120))
    });
    let env = site();
    let source = format!("oci://{}/egi/ubuntu", proxy.host());
    subscribe_with_credentials(&env, &source, &["--tag", "22.04"]).success();
    let file = format!("{}%2Fegi%2Fubuntu:22.04", proxy.host());
    let partial = env.path(&format!("cache/partial/{file}"));
    let mut sync = env.command(&["sync"]).spawn().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::fs::metadata(&partial).map_or(0, |m| m.len()) < 600_000 {
        assert!(
            std::time::Instant::now() < deadline,
            "the download never reached the stall"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    sync.kill().unwrap(); // SIGKILL
    sync.wait().unwrap();
    assert!(
        !env.path(&format!("cache/endorsed/{file}")).exists(),
        "nothing enters the cache unverified"
    );
    objects.route(&object, crate::support::http::Route::ok(layer.clone()));
    env.run(&["sync"]).success();
    assert_eq!(
        std::fs::read(env.path(&format!("cache/endorsed/{file}"))).unwrap(),
        layer
    );
    let fetched = objects.requests_to(&object);
    assert_eq!(fetched.len(), 2, "{fetched:?}");
    let range = fetched[1].header("range").unwrap_or_default().to_string();
    let from: u64 = range
        .strip_prefix("bytes=")
        .and_then(|r| r.strip_suffix('-'))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no resume: Range {range:?}"));
    assert!(
        (600_000..layer.len() as u64).contains(&from),
        "resumed from {from}"
    );
}

#[test]
fn a_pinned_manifest_digest_is_followed_by_digest_and_never_moves() {
    let Some(registry) = Registry::start(Some(("site", "s3cret"))) else {
        return;
    };
    let env = site();
    let v1: Vec<u8> = (0..40_000u32).flat_map(u32::to_le_bytes).collect();
    let pushed = registry.push("egi/ubuntu", "22.04", &v1, &egi_annotations("22.04"));
    let source = format!("oci://{}/egi/ubuntu", registry.host());
    subscribe_with_credentials(&env, &source, &["--tag", &pushed.manifest_digest]).success();
    let image = format!("{}/egi/ubuntu@{}", registry.host(), pushed.manifest_digest);
    let list = env.run(&["image", "list"]);
    list.success();
    assert_eq!(list.stdout, format!("{image}\t3\t{source}\n"));
    env.run(&["sync"]).success();
    let file = format!(
        "{}%2Fegi%2Fubuntu@{}",
        registry.host(),
        pushed.manifest_digest
    );
    assert_eq!(
        std::fs::read(env.path(&format!("cache/endorsed/{file}"))).unwrap(),
        v1
    );
    // The tag moves on; the pinned digest stays what it was.
    let v2: Vec<u8> = (0..40_000u32).flat_map(u32::to_be_bytes).collect();
    registry.push("egi/ubuntu", "22.04", &v2, &egi_annotations("22.04"));
    env.run(&["sync"]).success();
    assert_eq!(
        std::fs::read(env.path(&format!("cache/endorsed/{file}"))).unwrap(),
        v1
    );
    // A malformed digest is a usage error naming it.
    let bad = env.run(&[
        "subscribe",
        "add",
        &format!("oci://{}/egi/other", registry.host()),
        "--tag",
        "sha256:abc",
        "--plain-http",
    ]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("--tag sha256:abc"), "{}", bad.stderr);
}

#[test]
fn a_tag_moved_after_the_update_does_not_change_what_is_downloaded() {
    let Some(registry) = Registry::start(Some(("site", "s3cret"))) else {
        return;
    };
    let env = site();
    let v1: Vec<u8> = (0..30_000u32).flat_map(u32::to_le_bytes).collect();
    registry.push("egi/ubuntu", "22.04", &v1, &egi_annotations("22.04"));
    let source = format!("oci://{}/egi/ubuntu", registry.host());
    // The update resolves the tag to v1's digest and pins it.
    subscribe_with_credentials(&env, &source, &["--tag", "22.04"]).success();
    // The tag moves before the download: the download still fetches the pinned digest.
    let v2: Vec<u8> = (0..30_000u32).flat_map(u32::to_be_bytes).collect();
    registry.push("egi/ubuntu", "22.04", &v2, &egi_annotations("22.04"));
    env.run(&["cache"]).success();
    let file = format!("{}%2Fegi%2Fubuntu:22.04", registry.host());
    assert_eq!(
        std::fs::read(env.path(&format!("cache/endorsed/{file}"))).unwrap(),
        v1,
        "the pinned version, not what the tag names now"
    );
    // The next update sees the move: a new version, which replaces the first.
    env.run(&["sync"]).success();
    assert_eq!(
        std::fs::read(env.path(&format!("cache/endorsed/{file}"))).unwrap(),
        v2
    );
}
