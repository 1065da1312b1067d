//! The Glance hook against a real Glance behind a real Keystone (support/keystone.rs):
//! Glance's default policies decide what member and admin credentials may do, so the
//! refusals the hook must treat as permanent (HTTP 403) and the VO map's project scoping
//! are Glance's own, not a stand-in's.

use serde_json::Value;

use crate::glance::Fixture;
use crate::support::glance::Glance;
use crate::support::keystone::{Keystone, ADMIN_PASSWORD};
use crate::support::lists::IMAGE_A;

const MEMBER_PASSWORD: &str = "member-secret";

/// Keystone with projects vo-a and vo-b and a user `member` with the member role in
/// vo-a, a Glance authenticating with it, and the site around them.
fn site(settings: &[(&str, &str)]) -> Option<(Keystone, Fixture)> {
    let mut keystone = Keystone::start()?;
    let glance = Glance::start_with_keystone(&keystone)?;
    keystone.setup(
        &glance.url,
        &[
            "project:vo-a",
            "project:vo-b",
            &format!("user:member:{MEMBER_PASSWORD}"),
            "role:member:vo-a:member",
        ],
    );
    Some((keystone, Fixture::around(glance, settings)))
}

/// Points the hook at `user`'s credentials scoped to `project`.
fn log_in(f: &mut Fixture, keystone: &Keystone, user: &str, password: &str, project: &str) {
    let file = f.env.write(
        &format!("{user}-{project}.env"),
        keystone.credentials(user, password, project),
    );
    f.env.set("VMCATCHER_HOOK_GLANCE_ENV", &file);
}

/// The journal rows of the Glance hook.
fn glance_deliveries(f: &Fixture) -> Vec<Value> {
    let out = f.env.run(&["events", "list", "-f", "json"]);
    let rows: Value = serde_json::from_str(&out.stdout).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["handler"] == "vmcatcher-hook-glance" && r["type"] == "AvailablePostfix")
        .cloned()
        .collect()
}

#[test]
fn keystone_member_refusals_are_permanent_and_private_uploads_land_in_its_project() {
    let Some((keystone, mut f)) = site(&[("VMCATCHER_HOOK_GLANCE_VISIBILITY", "public")]) else {
        return;
    };
    log_in(&mut f, &keystone, "member", MEMBER_PASSWORD, "vo-a");
    // Public images need an admin (publicize_image): refused for good, tried once.
    let run = f.env.run(&["sync"]);
    run.success();
    let rows = glance_deliveries(&f);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["state"], "failed", "{:#?}\n{}", rows[0], run.stderr);
    assert_eq!(rows[0]["tries"], 1);
    assert!(
        rows[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("exit code 4"),
        "{:#?}",
        rows[0]
    );
    assert!(f.ours().is_empty(), "{:#?}", f.ours());

    // A VO map sending the list's VO (testvo) to a project the member is not in: Glance
    // refuses to create images owned by it, for good as well.
    let map = f.env.write("vo-map", "testvo = vo-b\n");
    f.env.set("VMCATCHER_HOOK_GLANCE_VO_MAP", &map);
    f.env.set("VMCATCHER_HOOK_GLANCE_VISIBILITY", "private");
    f.env.run(&["image", "unsubscribe", IMAGE_A]).success();
    f.env.run(&["sync"]).success();
    f.env.run(&["image", "subscribe", IMAGE_A]).success();
    f.env.run(&["sync"]).success();
    let rows = glance_deliveries(&f);
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert_eq!(rows[1]["state"], "failed", "{:#?}", rows[1]);
    assert_eq!(rows[1]["tries"], 1);
    assert!(f.ours().is_empty(), "{:#?}", f.ours());

    // Private, no VO map: uploaded into the member's own project.
    f.env.set("VMCATCHER_HOOK_GLANCE_VO_MAP", "");
    f.env.run(&["image", "unsubscribe", IMAGE_A]).success();
    f.env.run(&["sync"]).success();
    f.env.run(&["image", "subscribe", IMAGE_A]).success();
    f.env.run(&["sync"]).success();
    let rows = glance_deliveries(&f);
    assert_eq!(rows[2]["state"], "delivered", "{:#?}", rows[2]);
    let images = f.ours();
    assert_eq!(images.len(), 1, "{images:#?}");
    assert_eq!(images[0]["owner"], keystone.projects["vo-a"].as_str());
    assert_eq!(images[0]["visibility"], "private");
    assert_eq!(images[0]["status"], "active");
}

#[test]
fn keystone_admin_with_a_vo_map_uploads_into_the_vo_project_once() {
    let Some((keystone, mut f)) = site(&[("VMCATCHER_HOOK_GLANCE_VISIBILITY", "community")]) else {
        return;
    };
    log_in(&mut f, &keystone, "admin", ADMIN_PASSWORD, "admin");
    let map = f.env.write("vo-map", "testvo = vo-b\n");
    f.env.set("VMCATCHER_HOOK_GLANCE_VO_MAP", &map);
    f.sync();
    let images = f.ours();
    assert_eq!(images.len(), 1, "{images:#?}");
    let first = images[0].clone();
    assert_eq!(first["owner"], keystone.projects["vo-b"].as_str());
    assert_eq!(first["visibility"], "community");
    assert_eq!(first["status"], "active");

    // The site starts again from nothing (a reinstall): the same image is delivered
    // again, and the hook finds the community image of the other project instead of
    // uploading a second copy (a listing without --all does not show it).
    for stale in ["vmcatcher.db", "vmcatcher.db-wal", "vmcatcher.db-shm"] {
        let _ = std::fs::remove_file(f.env.path(stale));
    }
    std::fs::remove_dir_all(f.env.path("cache")).unwrap();
    let url = f.list_url();
    f.env
        .run(&["subscribe", "add", &url, "--auto-endorse"])
        .success();
    f.env.run(&["image", "subscribe", IMAGE_A]).success();
    f.sync();
    let images = f.ours();
    assert_eq!(images.len(), 1, "a second copy: {images:#?}");
    assert_eq!(images[0]["id"], first["id"]);

    // An admin may publish: the next version is public.
    f.env.set("VMCATCHER_HOOK_GLANCE_VISIBILITY", "public");
    f.serve("2", b"version 2 of image a, published");
    f.sync();
    let images = f.ours();
    assert_eq!(images.len(), 2, "{images:#?}");
    assert_eq!(images[1]["visibility"], "public", "{images:#?}");
    assert_eq!(images[1]["status"], "active");
    assert_eq!(images[1]["owner"], keystone.projects["vo-b"].as_str());
}
