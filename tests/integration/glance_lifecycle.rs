//! The Glance hook's image life cycle against a real Glance (support/glance.rs): the cases
//! a site meets after months of running — an expiry that arrives after the next version,
//! a copy someone deactivated by hand, an upload that died half way — and every
//! visibility Glance has.

use std::path::PathBuf;

use serde_json::Value;

use crate::glance::Fixture;
use crate::support::glance::Glance;
use crate::support::lists::{IMAGE_A, LIST_ID};

const V1: &[u8] = b"version 1 of image a: a small raw disk";
const V2: &[u8] = b"version 2 of image a: a newer small raw disk";

fn sha512(data: &[u8]) -> String {
    vmcatcher::subscription::rules::sha512_hex(data)
}

fn installed_hook(f: &Fixture) -> PathBuf {
    f.env.path("bin/vmcatcher-hook-glance")
}

/// Runs the installed hook by hand for one event of image A (a late or repeated
/// delivery), with the site's settings.
fn deliver_by_hand(f: &mut Fixture, event: &str, sha512: &str) -> crate::support::Run {
    f.env.set("VMCATCHER_EVENT_DC_IDENTIFIER", IMAGE_A);
    f.env.set("VMCATCHER_EVENT_SL_CHECKSUM_SHA512", sha512);
    f.env.set("VMCATCHER_EVENT_IL_DC_IDENTIFIER", LIST_ID);
    f.env.set("VMCATCHER_EVENT_TYPE", event);
    f.env.set("VMCATCHER_EVENT_FILENAME", IMAGE_A);
    let run = f.env.run_as(&installed_hook(f), &[event]);
    for var in [
        "VMCATCHER_EVENT_DC_IDENTIFIER",
        "VMCATCHER_EVENT_SL_CHECKSUM_SHA512",
        "VMCATCHER_EVENT_IL_DC_IDENTIFIER",
        "VMCATCHER_EVENT_TYPE",
        "VMCATCHER_EVENT_FILENAME",
    ] {
        f.env.set(var, "");
    }
    run
}

fn status_of(images: &[Value]) -> Vec<(String, String)> {
    images
        .iter()
        .map(|i| {
            (
                i["vmcatcher_sha512"].as_str().unwrap_or("").to_string(),
                i["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn glance_late_expiry_reactivation_and_a_half_created_copy() {
    let Some(glance) = Glance::start() else {
        return;
    };
    let mut f = Fixture::around(glance, &[]);

    // A half-created copy of version 1 (an upload that died after the image record was
    // made): queued, no data. The first delivery deletes it and uploads.
    let record = serde_json::json!({
        "name": "half-created",
        "disk_format": "raw",
        "container_format": "bare",
        "tags": ["vmcatcher"],
        "vmcatcher_image_id": IMAGE_A,
        "vmcatcher_sha512": sha512(V1),
        "vmcatcher_list_id": LIST_ID,
    });
    let queued = f
        .glance
        .request("POST", "/v2/images", Some(&record.to_string()))
        .expect("POST /v2/images");
    let queued: Value = serde_json::from_str(&queued).unwrap();
    assert_eq!(queued["status"], "queued", "{queued}");
    f.sync();
    let images = f.ours();
    assert_eq!(
        status_of(&images),
        [(sha512(V1), "active".to_string())],
        "{images:#?}"
    );
    assert_ne!(images[0]["id"], queued["id"], "the queued copy was deleted");
    let v1_id = images[0]["id"].clone();

    // Version 2 replaces it; then the expiry of version 1 arrives late (a retried
    // delivery): version 2 stays active.
    f.serve("2", V2);
    f.sync();
    let late = deliver_by_hand(&mut f, "ExpirePostfix", &sha512(V1));
    assert_eq!(late.code, 0, "{}", late.stderr);
    let images = f.ours();
    assert_eq!(
        status_of(&images),
        [
            (sha512(V1), "deactivated".to_string()),
            (sha512(V2), "active".to_string())
        ],
        "{images:#?}"
    );

    // Someone deactivates version 2 by hand; its next delivery reactivates it, under its
    // own name again, and uploads nothing.
    let v2 = images[1].clone();
    f.glance
        .cli(&["image", "set", "--deactivate", v2["id"].as_str().unwrap()]);
    let again = deliver_by_hand(&mut f, "AvailablePostfix", &sha512(V2));
    assert_eq!(again.code, 0, "{}", again.stderr);
    let images = f.ours();
    assert_eq!(images.len(), 2, "nothing uploaded: {images:#?}");
    let now = images.iter().find(|i| i["id"] == v2["id"]).unwrap();
    assert_eq!(now["status"], "active", "{now:#?}");
    assert_eq!(now["name"], v2["name"], "{now:#?}");
    assert!(images.iter().any(|i| i["id"] == v1_id));

    // Unsubscribed (expired: deactivated and renamed EXPIRED_…), then subscribed again:
    // the same version comes back under its own name, not the retired one.
    f.env.run(&["image", "unsubscribe", IMAGE_A]).success();
    f.sync();
    let retired = f.ours();
    let retired_v2 = retired.iter().find(|i| i["id"] == v2["id"]).unwrap();
    assert_eq!(retired_v2["status"], "deactivated");
    assert!(
        retired_v2["name"].as_str().unwrap().starts_with("EXPIRED_"),
        "{retired_v2:#?}"
    );
    f.env.run(&["image", "subscribe", IMAGE_A]).success();
    f.sync();
    let back = f.ours();
    assert_eq!(back.len(), 2, "nothing uploaded: {back:#?}");
    let back_v2 = back.iter().find(|i| i["id"] == v2["id"]).unwrap();
    assert_eq!(back_v2["status"], "active", "{back_v2:#?}");
    assert_eq!(back_v2["name"], v2["name"], "{back_v2:#?}");
}

/// Public visibility needs an admin: tested with Keystone (glance_keystone.rs).
#[test]
fn glance_shared_visibility() {
    let Some(glance) = Glance::start() else {
        return;
    };
    let f = Fixture::around(glance, &[("VMCATCHER_HOOK_GLANCE_VISIBILITY", "shared")]);
    f.sync();
    let images = f.ours();
    assert_eq!(images.len(), 1, "{images:#?}");
    assert_eq!(images[0]["visibility"], "shared");
    assert_eq!(images[0]["os_hash_value"], sha512(V1));
}
