//! The shipped Glance hook against a real Glance (support/glance.rs), driven by the real
//! binary: a signed list served on loopback, `sync`, events delivered to the installed
//! hook (found on PATH), and Glance's own view of the result read from its API.

use std::path::PathBuf;

use serde_json::Value;

use crate::support::glance::{free_port, Glance};
use crate::support::http::{Route, TestServer};
use crate::support::keystone::{Keystone, ADMIN_PASSWORD, MEMBER_PASSWORD};
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
            "[events]\nhook_dirs = []\n[events.handlers.vmcatcher-hook-glance]\ntimeout = 300\n",
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
        entry["hv:image"]["hv:ram_minimum"] = "512".into();
        entry["hv:image"]["ad:user:fullname"] = "Ana Endorser".into();
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

    /// Delivers `event` of image A's version with `content` to the installed hook directly
    /// (as vmcatcher re-delivers it: a retry, a late event), the file being `filename` in
    /// the event's directory; its stderr, after checking it succeeded.
    fn deliver(&self, event: &str, content: &[u8], filename: &str) -> String {
        let out = std::process::Command::new(self.env.path("bin/vmcatcher-hook-glance"))
            .arg(event)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", self.env.path("home"))
            .env("VMCATCHER_HOOK_GLANCE_ENV", self.env.path("glance.env"))
            .env("VMCATCHER_HOOK_GLANCE_MODE", "foreground")
            .env(
                "VMCATCHER_HOOK_GLANCE_STATE_DIR",
                self.env.path("hook-state"),
            )
            .env("VMCATCHER_CACHE_DIR_CACHE", self.env.path("cache/endorsed"))
            .env("VMCATCHER_CACHE_DIR_EXPIRE", self.env.path("cache/expired"))
            .env("VMCATCHER_EVENT_TYPE", event)
            .env("VMCATCHER_EVENT_DC_IDENTIFIER", IMAGE_A)
            .env("VMCATCHER_EVENT_DC_TITLE", format!("Image {IMAGE_A}"))
            .env("VMCATCHER_EVENT_FILENAME", filename)
            .env("VMCATCHER_EVENT_SL_CHECKSUM_SHA512", sha512(content))
            .env("VMCATCHER_EVENT_IL_DC_IDENTIFIER", &self.list_id)
            .env("VMCATCHER_EVENT_VO", &self.vo)
            .env("VMCATCHER_EVENT_HV_FORMAT", "raw")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run the hook");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{event}: {stderr}");
        stderr
    }

    /// `openstack image show -f json ID`, as an administrator sees the image.
    fn show(&self, id: &str) -> Value {
        let out = std::process::Command::new(self.glance.openstack())
            .args(["image", "show", "-f", "json", id])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", self.env.path("home"))
            .env("OS_AUTH_TYPE", "none")
            .env("OS_ENDPOINT", &self.glance.url)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("openstack image show");
        assert!(out.status.success(), "openstack image show: {out:?}");
        serde_json::from_slice(&out.stdout).expect("image show JSON")
    }

    /// Glance's images of image A.
    fn ours(&self) -> Vec<Value> {
        ours(&self.glance)
    }
}

/// The one of image A's Glance images whose `key` is `value`.
fn the(glance: &Glance, key: &str, value: &str) -> Value {
    ours(glance)
        .into_iter()
        .find(|i| i[key] == value)
        .unwrap_or_else(|| panic!("no image with {key} {value}: {:#?}", ours(glance)))
}

/// Glance's images of image A, oldest first.
fn ours(glance: &Glance) -> Vec<Value> {
    let mut v: Vec<Value> = glance
        .images()
        .into_iter()
        .filter(|i| i["vmcatcher_image_id"] == IMAGE_A)
        .collect();
    // Glance's times have whole seconds: two uploads in one second are told apart by
    // their version.
    v.sort_by_key(|i| {
        (
            i["created_at"].as_str().unwrap_or("").to_string(),
            i["vmcatcher_version"]
                .as_str()
                .and_then(|v| v.parse::<u64>().ok()),
        )
    });
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

    // The properties EGI's information system reads, as the CLI shows them.
    let shown = f.show(first["id"].as_str().unwrap());
    let p = &shown["properties"];
    assert_eq!(p["vmcatcher_event_dc_description"], "a test image");
    assert_eq!(
        p["vmcatcher_event_ad_mpuri"],
        format!("https://mp.example/{IMAGE_A}:1/")
    );
    assert_eq!(p["os_distro"], "ubuntu");
    assert_eq!(p["os_version"], "22.04");
    assert_eq!(p["architecture"], "x86_64");
    assert_eq!(shown["min_ram"], 512, "hv:ram_minimum");
    assert_eq!(shown["min_disk"], 0, "the list gives none");
    let attributes: Value = serde_json::from_str(
        p["APPLIANCE_ATTRIBUTES"]
            .as_str()
            .expect("APPLIANCE_ATTRIBUTES"),
    )
    .expect("APPLIANCE_ATTRIBUTES is JSON");
    assert_eq!(attributes["dc:identifier"], IMAGE_A);
    assert_eq!(attributes["hv:ram_minimum"], "512");
    assert_eq!(
        attributes["ad:user:fullname"], "Ana Endorser",
        "the whole list entry, not only what has a variable"
    );
    assert_eq!(attributes["sl:checksum:sha512"], sha512(V1));

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
    let of = |list: &str| the(&glance, "vmcatcher_list_id", list);
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
    let of = |owner: &str| the(&glance, "owner", owner);
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

/// A file whose real format is not its `hv:format` (`raw` on a qcow2: Glance takes it and
/// the result does not boot; `vmdk` on a qcow2: Glance answers 415) is refused for good
/// (exit 4 naming both, not retried) and leaves nothing in Glance.
#[test]
fn glance_format_mismatch_is_refused_and_leaves_nothing() {
    let Some(()) = qemu_img() else { return };
    let Some(f) = Fixture::new(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    for (version, declared, cluster) in [("2", "raw", "65536"), ("3", "vmdk", "4096")] {
        let qcow2 = disk(
            dir.path(),
            "qcow2",
            &["-o", &format!("cluster_size={cluster}")],
        );
        f.serve_as(version, &qcow2, Some(declared));
        let stderr = f.sync_refused();
        assert!(
            stderr.contains(&format!("hv:format={declared}")) && stderr.contains("qcow2"),
            "{stderr}"
        );
        let left: Vec<Value> = f.ours();
        assert!(left.is_empty(), "nothing left in Glance: {left:#?}");
    }
}

/// Runs python3 with `script` and `args` (tar and gzip files for the tests).
fn python(script: &str, args: &[&std::path::Path]) {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python3");
    assert!(out.status.success(), "python3: {out:?}");
}

/// An OVA: a descriptor referencing `disk.vmdk`, and the disk.
fn ova(dir: &std::path::Path, vmdk: &[u8]) -> Vec<u8> {
    let disk = dir.join("disk.vmdk");
    std::fs::write(&disk, vmdk).unwrap();
    let ovf = dir.join("appliance.ovf");
    std::fs::write(
        &ovf,
        r#"<?xml version="1.0"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
  <References><File ovf:href="disk.vmdk" ovf:id="file1"/></References>
</Envelope>
"#,
    )
    .unwrap();
    let out = dir.join("appliance.ova");
    python(
        "import sys, tarfile\n\
         with tarfile.open(sys.argv[1], 'w', format=tarfile.USTAR_FORMAT) as t:\n\
         \x20   t.add(sys.argv[2], 'appliance.ovf'); t.add(sys.argv[3], 'disk.vmdk')",
        &[&out, &ovf, &disk],
    );
    std::fs::read(out).unwrap()
}

fn gzip(dir: &std::path::Path, content: &[u8]) -> Vec<u8> {
    let input = dir.join("plain");
    std::fs::write(&input, content).unwrap();
    let out = dir.join("plain.gz");
    python(
        "import sys, gzip, shutil\n\
         with open(sys.argv[2], 'rb') as i, gzip.open(sys.argv[1], 'wb') as o: shutil.copyfileobj(i, o)",
        &[&out, &input],
    );
    std::fs::read(out).unwrap()
}

/// The current (active) one of image A's Glance images: the others are retired.
fn newest(glance: &Glance) -> Value {
    let mut active: Vec<Value> = ours(glance)
        .into_iter()
        .filter(|i| i["status"] == "active")
        .collect();
    assert_eq!(active.len(), 1, "one current version: {active:#?}");
    active.pop().unwrap()
}

/// Real disk images made by qemu-img, synced one version after another: each is uploaded
/// in its real format (detected, and checked against `hv:format` where the list gives
/// one), an OVA and a gzip file unpacked, and Glance's own hash is the list's SHA-512
/// when the file is uploaded as it is, the recorded `vmcatcher_upload_sha512` otherwise.
#[test]
fn glance_uploads_each_format_as_it_really_is() {
    let Some(()) = qemu_img() else { return };
    let Some(f) = Fixture::new(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let as_is = [
        ("2", disk(dir.path(), "qcow2", &[]), Some("qcow2"), "qcow2"),
        ("3", disk(dir.path(), "vmdk", &[]), None, "vmdk"),
        ("4", disk(dir.path(), "vpc", &[]), Some("vhd"), "vhd"),
        ("5", disk(dir.path(), "raw", &[]), None, "raw"),
    ];
    for (version, content, declared, expected) in &as_is {
        f.serve_as(version, content, *declared);
        f.sync();
        let image = newest(&f.glance);
        assert_eq!(image["vmcatcher_version"], *version);
        assert_eq!(image["status"], "active", "{image:#?}");
        assert_eq!(image["disk_format"], *expected, "{image:#?}");
        assert_eq!(image["container_format"], "bare");
        assert_eq!(image["os_hash_value"], sha512(content), "uploaded as it is");
        assert!(image.get("vmcatcher_upload_sha512").is_none(), "{image:#?}");
    }

    // An OVA: its one disk is uploaded, with its own checksum recorded.
    let vmdk = disk(dir.path(), "vmdk", &["-o", "compat6"]);
    f.serve_as("6", &ova(dir.path(), &vmdk), Some("OVA"));
    f.sync();
    let image = newest(&f.glance);
    assert_eq!(image["vmcatcher_version"], "6");
    assert_eq!(image["disk_format"], "vmdk");
    assert_eq!(image["container_format"], "bare");
    assert_eq!(
        image["os_hash_value"],
        sha512(&vmdk),
        "the disk, not the OVA"
    );
    assert_eq!(image["vmcatcher_upload_sha512"], sha512(&vmdk));
    assert_ne!(image["vmcatcher_sha512"], image["vmcatcher_upload_sha512"]);
    assert_eq!(image["vmcatcher_upload_from"], "ova:disk.vmdk");

    // A gzip-compressed qcow2 without hv:format: uncompressed, detected.
    let qcow2 = disk(dir.path(), "qcow2", &["-o", "cluster_size=4096"]);
    f.serve_as("7", &gzip(dir.path(), &qcow2), None);
    f.sync();
    let image = newest(&f.glance);
    assert_eq!(image["vmcatcher_version"], "7");
    assert_eq!(image["disk_format"], "qcow2");
    assert_eq!(image["os_hash_value"], sha512(&qcow2));
    assert_eq!(image["vmcatcher_upload_sha512"], sha512(&qcow2));
    assert_eq!(image["vmcatcher_upload_from"], "gzip");
    let scratch = f.env.path("hook-state/scratch");
    assert_eq!(
        std::fs::read_dir(&scratch)
            .map(Iterator::count)
            .unwrap_or(0),
        0,
        "the scratch files are removed"
    );
}

/// VMCATCHER_HOOK_GLANCE_FORMATS=qcow2,raw: a vmdk is converted to qcow2 (the first
/// accepted format) with qemu-img; an accepted format is uploaded as it is.
#[test]
fn glance_converts_to_the_sites_formats() {
    let Some(()) = qemu_img() else { return };
    let Some(f) = Fixture::new(&[("VMCATCHER_HOOK_GLANCE_FORMATS", "qcow2,raw")]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let vmdk = disk(dir.path(), "vmdk", &[]);
    f.serve_as("2", &vmdk, Some("vmdk"));
    f.sync();
    let image = newest(&f.glance);
    assert_eq!(image["disk_format"], "qcow2", "{image:#?}");
    assert_eq!(image["vmcatcher_sha512"], sha512(&vmdk));
    assert_eq!(image["vmcatcher_upload_from"], "vmdk->qcow2");
    assert_eq!(image["os_hash_value"], image["vmcatcher_upload_sha512"]);
    assert_ne!(image["os_hash_value"], sha512(&vmdk));

    let raw = disk(dir.path(), "raw", &[]);
    f.serve_as("3", &raw, Some("raw"));
    f.sync();
    let image = newest(&f.glance);
    assert_eq!(image["disk_format"], "raw");
    assert_eq!(image["os_hash_value"], sha512(&raw), "accepted: as it is");
}

/// An unchanged image (a re-delivered AvailablePostfix, a retry) costs one Glance request
/// with the API client: one `GET /v2/images` filtered on the server, no client process.
#[test]
fn glance_unchanged_image_costs_one_request() {
    let Some(f) = Fixture::new(&[]) else { return };
    f.sync();
    let before = f.ours();
    assert_eq!(before.len(), 1);
    let started = std::time::Instant::now();
    let stderr = f.deliver("AvailablePostfix", V1, IMAGE_A);
    let elapsed = started.elapsed();
    let requests: Vec<&str> = stderr
        .lines()
        .filter(|l| {
            [
                "GET http",
                "POST http",
                "PUT http",
                "PATCH http",
                "DELETE http",
            ]
            .iter()
            .any(|m| l.contains(m))
        })
        .collect();
    assert_eq!(requests.len(), 1, "one request: {stderr}");
    assert!(stderr.contains("already in Glance"), "{stderr}");
    assert!(!stderr.contains("running "), "no subprocess: {stderr}");
    let after = f.ours();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0]["updated_at"], before[0]["updated_at"]);
    eprintln!("unchanged image: {elapsed:?}");
}

/// Glance behind a real Keystone 30 with Glance's default policies: admin credentials with
/// a VO map (a project name, looked up in Keystone) put the image in that project; member
/// credentials upload private, shared and community images into their own project, and
/// are refused public visibility and another project (HTTP 403: exit 4, not retried).
#[test]
fn glance_behind_keystone_admin_and_member_credentials() {
    let port = free_port();
    let Some(ks) = Keystone::start(&format!("http://127.0.0.1:{port}")) else {
        return;
    };
    let Some(glance) = Glance::start_with(Some(&ks), port) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, content: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_string()
    };
    let credentials = |user: &str, password: &str, project: &str| {
        file(
            &format!("{user}-{project}.env"),
            format!(
                "OS_AUTH_URL={}/v3\nOS_USERNAME={user}\nOS_PASSWORD={password}\n\
                 OS_PROJECT_NAME={project}\nOS_USER_DOMAIN_NAME=Default\n\
                 OS_PROJECT_DOMAIN_NAME=Default\n",
                ks.url
            ),
        )
    };
    let admin = credentials("admin", ADMIN_PASSWORD, "admin");
    let member = credentials("member", MEMBER_PASSWORD, "vo-a");
    let map_a = file("map-a", "vo.a.example = vo-a\n".into());
    let map_b = file("map-b", "vo.b.example = vo-b\n".into());
    let of = |list: &str| -> Option<Value> {
        ours(&glance)
            .into_iter()
            .find(|i| i["vmcatcher_list_id"] == list)
    };
    let list = |n: u32| format!("{n:08}-0000-4000-8000-000000000000");

    // Admin, VO map: the image is in vo-a (the name resolved to its ID), community.
    let site = Site::new(
        &glance,
        &list(1),
        "vo.a.example",
        &[
            ("VMCATCHER_HOOK_GLANCE_ENV", &admin),
            ("VMCATCHER_HOOK_GLANCE_VO_MAP", &map_a),
            ("VMCATCHER_HOOK_GLANCE_VISIBILITY", "community"),
        ],
    );
    site.sync();
    let image = of(&list(1)).expect("admin's upload");
    assert_eq!(image["owner"], ks.projects["vo-a"].as_str(), "{image:#?}");
    assert_eq!(image["visibility"], "community");
    assert_eq!(image["os_hash_value"], sha512(V1));

    // Admin, public: allowed.
    let site = Site::new(
        &glance,
        &list(2),
        "vo.x.example",
        &[
            ("VMCATCHER_HOOK_GLANCE_ENV", &admin),
            ("VMCATCHER_HOOK_GLANCE_VISIBILITY", "public"),
        ],
    );
    site.sync();
    assert_eq!(of(&list(2)).expect("public upload")["visibility"], "public");

    // Member: private, shared and community uploads in its own project; expiry deletes.
    for (n, visibility) in [(3, "private"), (4, "shared"), (5, "community")] {
        let site = Site::new(
            &glance,
            &list(n),
            "vo.x.example",
            &[
                ("VMCATCHER_HOOK_GLANCE_ENV", &member),
                ("VMCATCHER_HOOK_GLANCE_VISIBILITY", visibility),
                ("VMCATCHER_HOOK_GLANCE_ON_EXPIRE", "delete"),
            ],
        );
        site.sync();
        let image = of(&list(n)).unwrap_or_else(|| panic!("member's {visibility} upload"));
        assert_eq!(image["visibility"], visibility);
        assert_eq!(image["owner"], ks.projects["vo-a"].as_str());
        site.env.run(&["image", "unsubscribe", IMAGE_A]).success();
        site.sync();
        assert!(of(&list(n)).is_none(), "{visibility}: expired and deleted");
    }

    // Member, public: Glance's policy refuses (403), for good.
    let site = Site::new(
        &glance,
        &list(6),
        "vo.x.example",
        &[
            ("VMCATCHER_HOOK_GLANCE_ENV", &member),
            ("VMCATCHER_HOOK_GLANCE_VISIBILITY", "public"),
        ],
    );
    let stderr = site.sync_refused();
    assert!(stderr.contains("403"), "{stderr}");
    assert!(of(&list(6)).is_none());

    // Member with a VO map naming another project: refused (403), for good.
    let site = Site::new(
        &glance,
        &list(7),
        "vo.b.example",
        &[
            ("VMCATCHER_HOOK_GLANCE_ENV", &member),
            ("VMCATCHER_HOOK_GLANCE_VO_MAP", &map_b),
        ],
    );
    let stderr = site.sync_refused();
    assert!(stderr.contains("403"), "{stderr}");
    assert!(of(&list(7)).is_none());
    assert!(
        !stderr.contains(MEMBER_PASSWORD) && !stderr.contains(ADMIN_PASSWORD),
        "no password in the log"
    );
}

/// What re-deliveries and late events meet in a real Glance: a retired (deactivated and
/// renamed) copy is reactivated under its own name, a half-created (queued) one is
/// deleted and uploaded again, and a late expiry of the old version leaves the new one.
#[test]
fn glance_redeliveries_reactivate_clean_up_and_late_expiry() {
    let Some(f) = Fixture::new(&[]) else { return };
    f.sync();
    let first = f.ours().pop().unwrap();
    let name = first["name"].as_str().unwrap().to_string();

    // Expired (deactivated, renamed), then delivered again: current again, its own name.
    f.deliver(
        "ExpirePostfix",
        V1,
        &format!("{IMAGE_A}.2026-12-03_00-00-00"),
    );
    let retired = f.ours().pop().unwrap();
    assert_eq!(retired["status"], "deactivated");
    assert_ne!(retired["name"], name.as_str());
    f.deliver("AvailablePostfix", V1, IMAGE_A);
    let back = f.ours();
    assert_eq!(back.len(), 1, "reactivated, not uploaded again: {back:#?}");
    assert_eq!(back[0]["id"], first["id"]);
    assert_eq!(back[0]["status"], "active");
    assert_eq!(back[0]["name"], name.as_str(), "its own name again");

    // A half-created copy (an upload killed before its data: queued) of version 2.
    f.serve("2", V2);
    let body = serde_json::json!({
        "name": name, "disk_format": "raw", "container_format": "bare",
        "tags": ["vmcatcher"], "vmcatcher_image_id": IMAGE_A,
        "vmcatcher_list_id": LIST_ID, "vmcatcher_sha512": sha512(V2),
    });
    let (code, created) = f.glance.request("POST", "/v2/images", &body.to_string());
    assert_eq!(code, 201, "{created}");
    let queued: Value = serde_json::from_str(&created).unwrap();
    f.sync();
    let images = f.ours();
    assert!(
        images.iter().all(|i| i["id"] != queued["id"]),
        "the queued copy is deleted: {images:#?}"
    );
    let current: Vec<&Value> = images.iter().filter(|i| i["status"] == "active").collect();
    assert_eq!(current.len(), 1, "{images:#?}");
    assert_eq!(current[0]["os_hash_value"], sha512(V2));

    // A late expiry of version 1 (delivered after version 2's upload) leaves version 2.
    f.deliver(
        "ExpirePostfix",
        V1,
        &format!("{IMAGE_A}.2026-12-03_00-00-01"),
    );
    let after = f.ours();
    let v2: Vec<&Value> = after
        .iter()
        .filter(|i| i["vmcatcher_sha512"] == sha512(V2).as_str())
        .collect();
    assert_eq!(v2.len(), 1);
    assert_eq!(v2[0]["status"], "active", "{after:#?}");
}

/// Glance's images of one vmcatcher image identifier, oldest first.
fn images_of(glance: &Glance, id: &str) -> Vec<Value> {
    let mut v: Vec<Value> = glance
        .images()
        .into_iter()
        .filter(|i| i["vmcatcher_image_id"] == id)
        .collect();
    v.sort_by_key(|i| i["created_at"].as_str().unwrap_or("").to_string());
    v
}

#[test]
fn glance_gets_images_from_a_list_and_from_an_oci_registry_through_one_sync() {
    use crate::support::registry::Registry;

    let Some(()) = qemu_img() else { return };
    let Some(registry) = Registry::start(None) else {
        return;
    };
    let Some(f) = Fixture::new(&[]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let annotations = crate::oci::egi_annotations("2025.05.01");
    let v1 = disk(dir.path(), "qcow2", &[]);
    let pushed = registry.push("egi/ubuntu", "22.04", &v1, &annotations);
    let source = format!("oci://{}/egi/ubuntu", registry.host());
    f.env
        .run(&[
            "subscribe",
            "add",
            &source,
            "--tag",
            "22.04",
            "--plain-http",
            "--new-images",
            "subscribe",
        ])
        .success();

    // One sync: the list's image and the registry's both reach Glance.
    f.sync();
    let from_list = f.ours();
    assert_eq!(from_list.len(), 1, "{from_list:#?}");
    assert_eq!(from_list[0]["os_hash_value"], sha512(V1));
    let oci_id = format!("{}/egi/ubuntu:22.04", registry.host());
    let from_registry = images_of(&f.glance, &oci_id);
    assert_eq!(from_registry.len(), 1, "{from_registry:#?}");
    let first = &from_registry[0];
    assert_eq!(first["status"], "active");
    assert_eq!(first["disk_format"], "qcow2");
    assert_eq!(
        first["vmcatcher_sha256"],
        pushed.layer_digest.trim_start_matches("sha256:")
    );
    assert_eq!(
        first["os_hash_value"],
        sha512(&v1),
        "Glance holds the layer"
    );
    assert_eq!(first["os_distro"], "ubuntu");

    // A new digest pushed under the moving tag: uploaded, the old version retired.
    let v2 = disk(dir.path(), "qcow2", &["-o", "cluster_size=128k"]);
    assert_ne!(v1, v2);
    let pushed2 = registry.push("egi/ubuntu", "22.04", &v2, &annotations);
    f.sync();
    let versions = images_of(&f.glance, &oci_id);
    assert_eq!(versions.len(), 2, "{versions:#?}");
    let new = versions
        .iter()
        .find(|i| i["vmcatcher_sha256"] == pushed2.layer_digest.trim_start_matches("sha256:"))
        .expect("the new digest in Glance");
    let old = versions.iter().find(|i| i["id"] == first["id"]).unwrap();
    assert_eq!(new["status"], "active", "{versions:#?}");
    assert_eq!(new["os_hash_value"], sha512(&v2));
    assert_eq!(old["status"], "deactivated", "{versions:#?}");
    // The list's image was not touched.
    assert_eq!(f.ours()[0]["id"], from_list[0]["id"]);
    assert_eq!(f.ours()[0]["status"], "active");
}
