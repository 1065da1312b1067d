//! The shipped Glance hook against a real Glance (support/glance.rs), driven by the real
//! binary: a signed list served on loopback, `sync`, events delivered to the installed
//! hook (found on PATH), and Glance's own view of the result read from its API.

use std::path::PathBuf;

use serde_json::Value;

use crate::support::glance::Glance;
use crate::support::http::{Route, TestServer};
use crate::support::lists::{image, trust_dir, ListSpec, IMAGE_A, LIST_ID};

/// A second list's identifier (another VO's subscription).
const LIST_B: &str = "22222222-3333-4444-5555-666666666666";
use crate::support::pki::TrustDirOptions;
use crate::support::TestEnv;

const V1: &[u8] = b"version 1 of image a: a small raw disk";
const V2: &[u8] = b"version 2 of image a: a newer small raw disk";

fn sha512(data: &[u8]) -> String {
    vmcatcher::subscription::rules::sha512_hex(data)
}

fn hook(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("plugins")
        .join(name)
}

/// One vmcatcher site (its own database, cache and list server) whose hook talks to a
/// shared Glance: two of them stand for two subscriptions (two VOs) of one cloud.
struct Site {
    env: TestEnv,
    server: TestServer,
    list_id: String,
    vo: String,
}

impl Site {
    /// Subscribed to a list (`list_id`, `vo`) with image A, the Glance hook installed on
    /// PATH and pointed at `glance` (no Keystone: `OS_AUTH_TYPE=none`).
    fn new(glance: &Glance, list_id: &str, vo: &str, settings: &[(&str, &str)]) -> Site {
        let mut env = TestEnv::new();
        trust_dir(&env, &TrustDirOptions::default());
        env.set("VMCATCHER_CACHE_DIR_CACHE", env.path("cache/endorsed"));
        env.set("VMCATCHER_CACHE_DIR_DOWNLOAD", env.path("cache/partial"));
        env.set("VMCATCHER_CACHE_DIR_EXPIRE", env.path("cache/expired"));
        let bin = env.path("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let installed = bin.join("vmcatcher-hook-glance");
        std::fs::copy(
            std::env::var_os("VMCATCHER_TEST_GLANCE_HOOK")
                .map(PathBuf::from)
                .unwrap_or_else(|| hook("vmcatcher-hook-glance")),
            &installed,
        )
        .unwrap();
        env.set("PATH", format!("{}:/usr/bin:/bin", bin.display()));
        // Uploads run in the hook (foreground), so the handler timeout is raised.
        let config = env.write(
            "vmcatcher.toml",
            "[events]\nhook_dirs = []\ntimeout = 300\n",
        );
        env.set("VMCATCHER_CONFIG", &config);
        let credentials = env.write(
            "glance.env",
            format!("OS_AUTH_TYPE=none\nOS_ENDPOINT={}\n", glance.url),
        );
        env.set("VMCATCHER_HOOK_GLANCE_ENV", &credentials);
        env.set("VMCATCHER_HOOK_GLANCE_OPENSTACK", glance.openstack());
        env.set("VMCATCHER_HOOK_GLANCE_MODE", "foreground");
        env.set("VMCATCHER_HOOK_GLANCE_STATE_DIR", env.path("hook-state"));
        for (k, v) in settings {
            env.set(k, v);
        }
        let site = Site {
            env,
            server: TestServer::http(),
            list_id: list_id.into(),
            vo: vo.into(),
        };
        site.serve("1", V1);
        site.env
            .run(&[
                "subscribe",
                "add",
                &site.server.url("/list"),
                "--auto-endorse",
            ])
            .success();
        site.env.run(&["image", "subscribe", IMAGE_A]).success();
        site
    }

    fn serve(&self, version: &str, content: &[u8]) {
        self.serve_as(version, content, Some("raw"));
    }

    /// Serves version `version` of image A with `content` and `hv:format` (None: no
    /// `hv:format` in the list).
    fn serve_as(&self, version: &str, content: &[u8], format: Option<&str>) {
        let path = format!("/a{version}");
        self.server.route(&path, Route::ok(content.to_vec()));
        let mut entry = image(IMAGE_A, content, &self.server.url(&path));
        entry["hv:image"]["hv:version"] = version.into();
        entry["hv:image"]["sl:os"] = "Ubuntu".into();
        entry["hv:image"]["sl:osversion"] = "22.04".into();
        match format {
            Some(f) => entry["hv:image"]["hv:format"] = f.into(),
            None => {
                entry["hv:image"]
                    .as_object_mut()
                    .unwrap()
                    .remove("hv:format");
            }
        }
        let mut spec = ListSpec::new(version);
        spec.identifier.clone_from(&self.list_id);
        spec.vo.clone_from(&self.vo);
        spec.images = vec![entry];
        self.server.route("/list", Route::ok(spec.signed()));
    }

    fn sync(&self) {
        let run = self.env.run(&["sync"]);
        run.success();
        let failed = self.env.run(&["events", "list", "--failed"]);
        let pending = self.env.run(&["events", "list", "--pending"]);
        assert!(
            failed.stdout.trim().is_empty() && pending.stdout.trim().is_empty(),
            "undelivered events:\n{}{}\nsync stderr:\n{}",
            failed.stdout,
            pending.stdout,
            run.stderr
        );
    }
}

impl Site {
    /// A sync whose AvailablePostfix the hook refused for good (exit 4): recorded as
    /// failed, nothing pending (not retried); the hook's stderr line is returned.
    fn sync_refused(&self) -> String {
        let run = self.env.run(&["sync"]);
        run.success();
        let failed = self.env.run(&["events", "list", "--failed"]);
        let pending = self.env.run(&["events", "list", "--pending"]);
        assert!(
            failed.stdout.contains("AvailablePostfix") && pending.stdout.trim().is_empty(),
            "expected one refused delivery:\nfailed: {}\npending: {}\nsync stderr:\n{}",
            failed.stdout,
            pending.stdout,
            run.stderr
        );
        run.stderr
    }
}

/// `qemu-img` for the format tests; `None` (test skipped) outside CI when it is missing.
fn qemu_img() -> Option<()> {
    let ok = std::process::Command::new("qemu-img")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "qemu-img is missing in CI (install qemu-utils)"
        );
        eprintln!("qemu-img not found: test skipped; install qemu-utils (Debian) to run it");
        return None;
    }
    Some(())
}

/// A disk image made by `qemu-img create -f <format>` (`args` before the file name).
fn disk(dir: &std::path::Path, format: &str, args: &[&str]) -> Vec<u8> {
    let path = dir.join(format!("disk.{format}"));
    let out = std::process::Command::new("qemu-img")
        .args(["create", "-q", "-f", format])
        .args(args)
        .arg(&path)
        .arg("1M")
        .output()
        .expect("qemu-img create");
    assert!(out.status.success(), "qemu-img create: {out:?}");
    std::fs::read(&path).unwrap()
}

struct Fixture {
    site: Site,
    glance: Glance,
}

impl std::ops::Deref for Fixture {
    type Target = Site;
    fn deref(&self) -> &Site {
        &self.site
    }
}

impl Fixture {
    /// A site subscribed to the test list ([`LIST_ID`], VO `testvo`) with image A, and a
    /// fresh Glance.
    fn new(settings: &[(&str, &str)]) -> Option<Fixture> {
        let glance = Glance::start()?;
        let site = Site::new(&glance, LIST_ID, "testvo", settings);
        Some(Fixture { site, glance })
    }

    /// Glance's images of image A.
    fn ours(&self) -> Vec<Value> {
        ours(&self.glance)
    }
}

/// Glance's images of image A, oldest first.
fn ours(glance: &Glance) -> Vec<Value> {
    let mut v: Vec<Value> = glance
        .images()
        .into_iter()
        .filter(|i| i["vmcatcher_image_id"] == IMAGE_A)
        .collect();
    v.sort_by_key(|i| i["created_at"].as_str().unwrap_or("").to_string());
    v
}

#[test]
fn glance_upload_replace_and_expire_through_sync() {
    upload_replace_and_expire(&[]);
}

/// The same through the openstack CLI (VMCATCHER_HOOK_GLANCE_CLIENT=openstack, as with
/// OS_CLOUD).
#[test]
fn glance_upload_replace_and_expire_through_the_cli() {
    upload_replace_and_expire(&[("VMCATCHER_HOOK_GLANCE_CLIENT", "openstack")]);
}

fn upload_replace_and_expire(settings: &[(&str, &str)]) {
    let Some(f) = Fixture::new(settings) else {
        return;
    };

    // First upload: one active image with every property, Glance's own hash the list's.
    f.sync();
    let images = f.ours();
    assert_eq!(images.len(), 1, "one upload: {images:#?}");
    let first = &images[0];
    let s = |k: &str| first[k].as_str().unwrap_or("").to_string();
    assert_eq!(s("status"), "active");
    assert_eq!(s("os_hash_algo"), "sha512");
    assert_eq!(
        s("os_hash_value"),
        sha512(V1),
        "Glance's hash is the list's"
    );
    assert_eq!(s("vmcatcher_sha512"), sha512(V1));
    assert_eq!(s("vmcatcher_list_id"), LIST_ID);
    assert_eq!(s("vmcatcher_version"), "1");
    assert_eq!(s("vmcatcher_vo"), "testvo");
    assert_eq!(
        s("vmcatcher_mpuri"),
        format!("https://mp.example/{IMAGE_A}:1/")
    );
    assert_eq!(s("os_distro"), "ubuntu");
    assert_eq!(s("os_version"), "22.04");
    assert_eq!(s("architecture"), "x86_64");
    assert_eq!(s("disk_format"), "raw");
    assert_eq!(s("container_format"), "bare");
    assert_eq!(s("visibility"), "private");
    assert_eq!(s("name"), format!("Image {IMAGE_A}"));
    assert_eq!(first["size"], V1.len());
    assert_eq!(first["tags"], serde_json::json!(["vmcatcher"]));

    // A re-run with nothing new uploads nothing.
    f.sync();
    let again = f.ours();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["id"], first["id"]);
    assert_eq!(again[0]["updated_at"], first["updated_at"]);

    // A new version is uploaded, the old one deactivated and renamed: names stay unique.
    f.serve("2", V2);
    f.sync();
    let images = f.ours();
    assert_eq!(images.len(), 2, "{images:#?}");
    let (old, new) = (&images[0], &images[1]);
    assert_eq!(old["id"], first["id"]);
    assert_eq!(old["status"], "deactivated");
    assert_eq!(new["status"], "active");
    assert_eq!(new["os_hash_value"], sha512(V2));
    assert_eq!(new["vmcatcher_version"], "2");
    assert_eq!(new["name"], format!("Image {IMAGE_A}"));
    assert_ne!(
        old["name"], new["name"],
        "two images of one name: {images:#?}"
    );
    let same_name = f
        .glance
        .images()
        .into_iter()
        .filter(|i| i["name"] == new["name"])
        .count();
    assert_eq!(
        same_name, 1,
        "`server create --image NAME` needs one image of that name"
    );

    // Unsubscribed: the expiry deactivates the current version too.
    f.env.run(&["image", "unsubscribe", IMAGE_A]).success();
    f.sync();
    let images = f.ours();
    assert_eq!(images.len(), 2);
    assert!(
        images.iter().all(|i| i["status"] == "deactivated"),
        "{images:#?}"
    );
    let mut names: Vec<&str> = images.iter().map(|i| i["name"].as_str().unwrap()).collect();
    names.dedup();
    assert_eq!(
        names.len(),
        2,
        "retired images keep unique names: {names:?}"
    );
}

#[test]
fn glance_delete_mode_and_visibility() {
    let Some(f) = Fixture::new(&[
        ("VMCATCHER_HOOK_GLANCE_ON_EXPIRE", "delete"),
        ("VMCATCHER_HOOK_GLANCE_VISIBILITY", "community"),
    ]) else {
        return;
    };
    f.sync();
    let images = f.ours();
    assert_eq!(images.len(), 1);
    assert_eq!(images[0]["visibility"], "community");
    assert_eq!(images[0]["os_hash_value"], sha512(V1));

    // The new version replaces the old one, which is deleted.
    f.serve("2", V2);
    f.sync();
    let images = f.ours();
    assert_eq!(images.len(), 1, "{images:#?}");
    assert_eq!(images[0]["os_hash_value"], sha512(V2));
    assert_eq!(images[0]["visibility"], "community");

    f.env.run(&["image", "unsubscribe", IMAGE_A]).success();
    f.sync();
    assert!(f.ours().is_empty(), "expired and deleted");
}

/// Two subscriptions (two VOs' lists) with the same image identifier and the same bytes:
/// each gets its own copy, and the expiry from one list leaves the other list's copy.
#[test]
fn glance_same_image_in_two_lists_gets_a_copy_each() {
    let Some(glance) = Glance::start() else {
        return;
    };
    let a = Site::new(&glance, LIST_ID, "vo.a.example", &[]);
    let b = Site::new(&glance, LIST_B, "vo.b.example", &[]);
    a.sync();
    b.sync();
    let images = ours(&glance);
    assert_eq!(images.len(), 2, "a copy per list: {images:#?}");
    let of = |list: &str| -> Value {
        ours(&glance)
            .into_iter()
            .find(|i| i["vmcatcher_list_id"] == list)
            .unwrap_or_else(|| panic!("no image of list {list}: {:#?}", ours(&glance)))
    };
    assert_eq!(of(LIST_ID)["vmcatcher_vo"], "vo.a.example");
    assert_eq!(of(LIST_B)["vmcatcher_vo"], "vo.b.example");
    assert!(
        images.iter().all(|i| i["status"] == "active"),
        "{images:#?}"
    );
    b.env.run(&["image", "unsubscribe", IMAGE_A]).success();
    b.sync();
    assert_eq!(of(LIST_B)["status"], "deactivated", "list B's copy expired");
    assert_eq!(of(LIST_ID)["status"], "active", "list A's copy untouched");
    // A re-run of list A neither uploads again nor reactivates B's.
    a.sync();
    assert_eq!(ours(&glance).len(), 2);
    assert_eq!(of(LIST_B)["status"], "deactivated");
}

/// With a VO map, images belong to the mapped project (Glance's `owner`) and are looked up
/// there: the same list mapped to two projects (two sites, or a VO map that changed) gives
/// each project its own copy, and an expiry in one project leaves the other's.
#[test]
fn glance_vo_map_scopes_by_project() {
    let Some(glance) = Glance::start() else {
        return;
    };
    let with_map = |project: &str| {
        let dir = tempfile::tempdir().unwrap();
        let map = dir.path().join("vo-map");
        std::fs::write(&map, format!("# VO = project\nvo.a.example = {project}\n")).unwrap();
        (dir, map)
    };
    let (_da, map_a) = with_map("project-a");
    let (_db, map_b) = with_map("project-b");
    let a = Site::new(
        &glance,
        LIST_ID,
        "vo.a.example",
        &[("VMCATCHER_HOOK_GLANCE_VO_MAP", map_a.to_str().unwrap())],
    );
    let b = Site::new(
        &glance,
        LIST_ID,
        "vo.a.example",
        &[("VMCATCHER_HOOK_GLANCE_VO_MAP", map_b.to_str().unwrap())],
    );
    a.sync();
    b.sync();
    let images = ours(&glance);
    assert_eq!(images.len(), 2, "a copy per project: {images:#?}");
    let of = |owner: &str| -> Value {
        ours(&glance)
            .into_iter()
            .find(|i| i["owner"] == owner)
            .unwrap_or_else(|| panic!("no image owned by {owner}: {:#?}", ours(&glance)))
    };
    assert_eq!(of("project-a")["status"], "active");
    assert_eq!(of("project-b")["status"], "active");
    b.env.run(&["image", "unsubscribe", IMAGE_A]).success();
    b.sync();
    assert_eq!(of("project-b")["status"], "deactivated");
    assert_eq!(
        of("project-a")["status"],
        "active",
        "the other project's copy untouched"
    );
}

/// A file Glance refuses (HTTP 415: a qcow2 declared `vmdk`) is refused for good (exit 4,
/// not retried) and leaves no half-created image behind.
#[test]
fn glance_refused_upload_is_not_retried_and_leaves_nothing() {
    let Some(()) = qemu_img() else { return };
    let Some(f) = Fixture::new(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let qcow2 = disk(dir.path(), "qcow2", &[]);
    f.serve_as("2", &qcow2, Some("vmdk"));
    // Version 1 (raw) was not synced yet: the first sync brings version 2 only.
    let stderr = f.sync_refused();
    assert!(stderr.contains("vmdk"), "{stderr}");
    let left: Vec<Value> = f.ours();
    assert!(left.is_empty(), "nothing left in Glance: {left:#?}");
}
