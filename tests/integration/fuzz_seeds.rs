//! Writes the fuzz trust directory (`fuzz/trust/`) and the generated seeds of the fuzz
//! corpus (`fuzz/corpus/*/gen-*`). Not part of the normal run:
//!
//! ```text
//! cargo test --test integration write_fuzz_seeds -- --ignored
//! ```
//!
//! Every run makes new keys, so the trust directory and the signed seeds are replaced
//! together; the hand-written seeds (files not named `gen-*`) are left alone. The CAs, the
//! CRLs and the endorsers are valid for a century so the corpus does not go stale, and no
//! private key is written anywhere.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::lists::{image, ListSpec};
use crate::support::pki::{self, issue, new_key, Digest, Issued, Profile};

const ROOT_DN: &str = "/DC=org/DC=example/O=Fuzz Grid/CN=Fuzz Root CA";
const ISSUING_DN: &str = "/DC=org/DC=example/O=Fuzz Grid/CN=Fuzz Issuing CA";
const GOOD_DN: &str = "/DC=org/DC=example/O=Fuzz Grid/OU=Endorsers/CN=Fuzz Endorser";
const REVOKED_DN: &str = "/DC=org/DC=example/O=Fuzz Grid/OU=Endorsers/CN=Revoked Endorser";
const EXPIRED_DN: &str = "/DC=org/DC=example/O=Fuzz Grid/OU=Endorsers/CN=Expired Endorser";
const OUTSIDER_DN: &str = "/DC=net/DC=elsewhere/CN=Outsider Endorser";
const CENTURY: i64 = 36_500;

fn issued(
    dn: &str,
    issuer: Option<&Issued>,
    serial: u32,
    profile: Profile,
    nb: i64,
    na: i64,
) -> Issued {
    let key = new_key();
    let cert = issue(dn, &key, issuer, serial, profile, nb, na);
    Issued { cert, key }
}

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join(name), bytes).unwrap();
}

/// An AppDB (cloudkeeper-style) list: `hv:size` and other numbers as strings, extra keys
/// at both levels, `null` values, an `ad:swid`.
fn appdb_list(dn: &str, ca: &str) -> Value {
    let text = r#"{ "hv:imagelist": {
        "ad:swid": "1017",
        "ad:vo": "fedcloud.egi.eu",
        "dc:date:created": "2026-01-15T10:00:00Z",
        "dc:date:expires": "2126-02-15T10:00:00Z",
        "dc:description": "Image list of the VO fedcloud.egi.eu",
        "dc:identifier": "76fdee70-8119-5d33-9f40-3c57e1c60df1",
        "dc:source": "https://appdb.egi.eu/",
        "dc:title": "fedcloud.egi.eu",
        "hv:endorser": { "hv:x509": {
            "dc:creator": "EGI Applications Database",
            "hv:ca": "@CA@",
            "hv:dn": "@DN@",
            "hv:email": "appdb-support@iasa.gr"
        }},
        "hv:images": [
            { "hv:image": {
                "ad:appid": "1017",
                "ad:mpuri": "https://appdb.egi.eu/store/vo/image/4cd5e4c5-1e3a-5e8d-9a3c-6b1c2a0c1a3b:12345/",
                "ad:user:fullname": "Jane Doe",
                "ad:user:guid": "a2f1-77",
                "ad:user:uri": "https://appdb.egi.eu/store/person/jane.doe",
                "dc:description": "CentOS 7 basic image",
                "dc:identifier": "4cd5e4c5-1e3a-5e8d-9a3c-6b1c2a0c1a3b",
                "dc:title": "Image for EGI CentOS 7 [CentOS/7/VirtualBox]",
                "hv:core_minimum": "1",
                "hv:core_recommended": "0",
                "hv:format": "OVA",
                "hv:hypervisor": "VirtualBox",
                "hv:ram_minimum": "1024",
                "hv:ram_recommended": "0",
                "hv:size": "1073741824",
                "hv:uri": "https://appdb-pi.egi.eu/images/base/egi-centos-7/egi-centos-7.ova",
                "hv:version": "2024.06.01",
                "sl:arch": "x86_64",
                "sl:checksum:sha512": "CF83E1357EEFB8BDF1542850D66D8007D620E4050B5715DC83F4A921D36CE9CE47D0D13C5D85F2B0FF8318D2877EEC2F63B931BD47417A81A538327AF927DA3E",
                "sl:comments": null,
                "sl:os": "Linux",
                "sl:osname": "CentOS",
                "sl:osversion": "7",
                "ad:traffic_in": ["22/tcp", "80/tcp"],
                "ad:traffic_out": [],
                "ad:accel_type": null,
                "ad:accel_minimum": "0"
            }},
            { "hv:image": {
                "dc:identifier": "5d6e7f80-0000-4000-8000-000000000002",
                "dc:title": "Ubuntu 22.04",
                "dc:description": "",
                "hv:format": "qcow2",
                "hv:hypervisor": "QEMU,KVM",
                "hv:size": 2361393152,
                "hv:uri": "https://appdb-pi.egi.eu/images/base/ubuntu-22.04/ubuntu.qcow2",
                "hv:version": 20240601,
                "sl:arch": "x86_64",
                "sl:checksum:sha512": "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
                "sl:comments": "",
                "sl:os": "Linux",
                "sl:osversion": "22.04",
                "dc:date:expires": "2125-01-01T00:00:00Z"
            }}
        ],
        "hv:uri": "https://vmcaster.appdb.egi.eu/store/vo/fedcloud.egi.eu/image.list",
        "hv:version": "20260115100000"
    }}"#;
    serde_json::from_str(&text.replace("@DN@", dn).replace("@CA@", ca)).unwrap()
}

#[test]
#[ignore = "writes fuzz/trust and fuzz/corpus; run on purpose"]
fn write_fuzz_seeds() {
    let root = issued(ROOT_DN, None, 1, Profile::Ca, -1, CENTURY);
    let issuing = issued(ISSUING_DN, Some(&root), 2, Profile::Ca, -1, CENTURY);
    let good = issued(
        GOOD_DN,
        Some(&issuing),
        0x100,
        Profile::Endorser,
        -1,
        CENTURY,
    );
    let revoked = issued(
        REVOKED_DN,
        Some(&issuing),
        0xBAD,
        Profile::Endorser,
        -1,
        CENTURY,
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
        CENTURY,
    );

    let trust = fuzz_dir().join("trust");
    let _ = fs::remove_dir_all(&trust);
    write(&trust, "root.pem", root.cert.to_pem().unwrap());
    write(&trust, "issuing.pem", issuing.cert.to_pem().unwrap());
    write(
        &trust,
        "root.r0",
        pki::crl(&root, &[], -1, CENTURY).to_pem().unwrap(),
    );
    write(
        &trust,
        "issuing.r0",
        pki::crl(&issuing, &[&revoked.cert], -1, CENTURY)
            .to_pem()
            .unwrap(),
    );
    let signing_policy = format!(
        "# root may only sign the issuing CA\n access_id_CA  X509  '{ROOT_DN}'\n \
         pos_rights  globus  CA:sign\n cond_subjects globus '\"{ROOT_DN}\" \"{ISSUING_DN}\"'\n"
    );
    let namespaces = format!(
        "##\n## namespaces of the fuzz issuing CA\n##\nTO Issuer \"{ISSUING_DN}\" \\\n  \
         PERMIT Subject \"/DC=org/DC=example/O=Fuzz Grid/OU=Endorsers/*\"\n\
         TO Issuer SELF DENY Subject \"*/CN=Banned*\"\n"
    );
    write(&trust, "root.signing_policy", &signing_policy);
    write(&trust, "issuing.namespaces", &namespaces);

    let corpus = fuzz_dir().join("corpus");
    for target in ["smime", "imagelist", "policy"] {
        if let Ok(entries) = fs::read_dir(corpus.join(target)) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with("gen-") {
                    fs::remove_file(e.path()).unwrap();
                }
            }
        }
    }
    write(
        &corpus.join("policy"),
        "gen-root.signing_policy",
        &signing_policy,
    );
    write(
        &corpus.join("policy"),
        "gen-issuing.namespaces",
        &namespaces,
    );

    let mut spec = ListSpec::new("1.0.3").signer(&good.cert);
    spec.created = "2026-01-01T00:00:00Z".into();
    spec.expires = "2126-01-01T00:00:00Z".into();
    spec.images = vec![
        image(
            "aaaaaaaa-0000-0000-0000-000000000001",
            b"image a contents",
            "https://images.example/a.img",
        ),
        image(
            "bbbbbbbb-0000-0000-0000-000000000002",
            b"image b contents",
            "https://images.example/b.img",
        ),
    ];
    let list = spec.json();
    let appdb = serde_json::to_string_pretty(&appdb_list(
        &crate::support::lists::subject(&good.cert),
        &crate::support::lists::issuer(&good.cert),
    ))
    .unwrap();
    let lists = corpus.join("imagelist");
    write(&lists, "gen-list.json", &list);
    write(&lists, "gen-appdb.json", &appdb);

    let chain = [&issuing.cert];
    let sign = |who: &Issued, content: &[u8], detached: bool, digest: Digest| {
        pki::sign_smime(&who.cert, &who.key, &chain, content, detached, digest)
    };
    let smime = corpus.join("smime");
    let crlf = list.replace('\n', "\r\n");
    write(
        &smime,
        "gen-good-detached.smime",
        sign(&good, list.as_bytes(), true, Digest::Sha256),
    );
    write(
        &smime,
        "gen-good-crlf.smime",
        sign(&good, crlf.as_bytes(), true, Digest::Sha256),
    );
    write(
        &smime,
        "gen-good-opaque.smime",
        sign(&good, list.as_bytes(), false, Digest::Sha256),
    );
    write(
        &smime,
        "gen-good-sha1.smime",
        sign(&good, b"{}", true, Digest::Sha1),
    );
    write(
        &smime,
        "gen-appdb.smime",
        sign(&good, appdb.as_bytes(), true, Digest::Sha256),
    );
    write(
        &smime,
        "gen-revoked.smime",
        sign(&revoked, b"{}", true, Digest::Sha256),
    );
    write(
        &smime,
        "gen-expired.smime",
        sign(&expired, b"{}", false, Digest::Sha256),
    );
    write(
        &smime,
        "gen-outsider.smime",
        sign(&outsider, b"{}", true, Digest::Sha256),
    );
    write(
        &smime,
        "gen-no-chain.smime",
        pki::sign_smime(&good.cert, &good.key, &[], b"{}", true, Digest::Sha256),
    );
    write(
        &smime,
        "gen-two-signers.smime",
        pki::sign_smime_multi(
            &[(&good.cert, &good.key), (&outsider.cert, &outsider.key)],
            &chain,
            b"{}",
            false,
            Digest::Sha256,
        ),
    );
    let mut tampered = sign(&good, b"{\"a\": 1}", true, Digest::Sha256);
    let at = tampered.windows(6).position(|w| w == b"\"a\": 1").unwrap();
    tampered[at + 5] = b'2';
    write(&smime, "gen-tampered.smime", tampered);
}
