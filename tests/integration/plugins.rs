//! The hooks of plugins/, run directly as vmcatcher runs them (the event type as the only
//! argument, stdin closed, a cleared environment), against stand-in `openstack`,
//! `oneimage` and `qemu-img` executables that record their argument vectors and print
//! canned answers.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha512};

const IMAGE_ID: &str = "488dcdc4-9ab1-4fc8-a7ba-b7a5428ecb3d";
const LIST_ID: &str = "4e186b44-2c64-40ea-97d5-e9e5c0bce059";

/// A stand-in: records each call (a `/dev/fd/<n>` argument, n >= 10, as `/dev/fd/N`) as its arguments, each followed by \x1f, then \x1e and a
/// newline; answers call N with the file answers/N (exit code answers/N.rc, a delay
/// answers/N.sleep); copies a `--file` argument to `uploaded` and a oneimage template to
/// `template.N`.
const STUB: &str = r#"#!/bin/sh
d="$(dirname "$0")/../stubs/$(basename "$0")"
mkdir -p "$d/answers"
n=$(( $(cat "$d/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" > "$d/count"
for a in "$@"; do printf '%s\037' "$a"; done >> "$d/calls"
printf '\036\n' >> "$d/calls"
prev=
for a in "$@"; do
  if [ "$prev" = "--file" ]; then cat "$a" > "$d/uploaded"; fi
  prev="$a"
done
if [ "$(basename "$0")" = oneimage ] && [ "$1" = create ]; then cat "$4" > "$d/template.$n"; fi
[ -f "$d/answers/$n.sleep" ] && sleep "$(cat "$d/answers/$n.sleep")"
[ -f "$d/answers/$n" ] && cat "$d/answers/$n"
[ -f "$d/answers/$n.err" ] && cat "$d/answers/$n.err" >&2
[ -f "$d/answers/$n.rc" ] && exit "$(cat "$d/answers/$n.rc")"
exit 0
"#;

struct Site {
    dir: tempfile::TempDir,
    env: BTreeMap<String, String>,
}

struct Out {
    code: i32,
    stderr: String,
}

fn hook(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("plugins")
        .join(name)
}

fn sha512_hex(data: &[u8]) -> String {
    Sha512::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Site {
    /// A cache with one image file, the stand-ins first on PATH, and the event variables
    /// vmcatcher sets for an AvailablePostfix of that image.
    fn new(content: &[u8]) -> Site {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for d in ["bin", "stubs", "cache", "partial", "expired", "state"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        for tool in ["openstack", "oneimage", "qemu-img"] {
            let path = root.join("bin").join(tool);
            std::fs::write(&path, STUB).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::write(root.join("cache").join(IMAGE_ID), content).unwrap();
        let mut env = BTreeMap::new();
        let p = |d: &str| root.join(d).to_string_lossy().into_owned();
        for (k, v) in [
            ("PATH", format!("{}:/usr/bin:/bin", p("bin"))),
            ("HOME", p("state")),
            ("VMCATCHER_CACHE_DIR_CACHE", p("cache")),
            ("VMCATCHER_CACHE_DIR_DOWNLOAD", p("partial")),
            ("VMCATCHER_CACHE_DIR_EXPIRE", p("expired")),
            (
                "VMCATCHER_RDBMS",
                format!("sqlite:///{}", p("vmcatcher.db")),
            ),
            (
                "VMCATCHER_EVENT_UUID_SESSION",
                "6a2e4c1e-cb7d-11f0-8de9-0242ac120002".into(),
            ),
            ("VMCATCHER_EVENT_DC_IDENTIFIER", IMAGE_ID.into()),
            ("VMCATCHER_EVENT_DC_TITLE", "Ubuntu 22.04".into()),
            (
                "VMCATCHER_EVENT_DC_DESCRIPTION",
                "A \"minimal\" image".into(),
            ),
            ("VMCATCHER_EVENT_HV_VERSION", "2.0".into()),
            ("VMCATCHER_EVENT_HV_SIZE", content.len().to_string()),
            ("VMCATCHER_EVENT_HV_FORMAT", "QCOW2".into()),
            (
                "VMCATCHER_EVENT_HV_URI",
                "https://images.example.org/u.qcow2".into(),
            ),
            ("VMCATCHER_EVENT_SL_CHECKSUM_SHA512", sha512_hex(content)),
            ("VMCATCHER_EVENT_SL_OS", "Ubuntu".into()),
            ("VMCATCHER_EVENT_SL_OSVERSION", "22.04".into()),
            ("VMCATCHER_EVENT_SL_ARCH", "x86_64".into()),
            ("VMCATCHER_EVENT_FILENAME", IMAGE_ID.into()),
            ("VMCATCHER_EVENT_IL_DC_IDENTIFIER", LIST_ID.into()),
            ("VMCATCHER_EVENT_VO", "vo.example.org".into()),
            (
                "VMCATCHER_EVENT_AD_MPURI",
                "https://appdb.example.org/1".into(),
            ),
            ("VMCATCHER_HOOK_GLANCE_MODE", "foreground".into()),
            // These tests check the openstack CLI path against the stand-in; the API
            // client is tested against the real Glance (glance.rs).
            ("VMCATCHER_HOOK_GLANCE_CLIENT", "openstack".into()),
            ("VMCATCHER_HOOK_GLANCE_STATE_DIR", p("state")),
            ("OS_AUTH_URL", "https://keystone.example:5000/v3".into()),
            ("VMCATCHER_HOOK_ONE_DATASTORE", "images".into()),
        ] {
            env.insert(k.to_string(), v);
        }
        let site = Site { dir, env };
        // qemu-img info of the cache file: the qcow2 the events declare.
        for n in 1..=3 {
            site.answer("qemu-img", n, r#"{"format": "qcow2", "virtual-size": 1}"#);
        }
        site
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn set(&mut self, key: &str, value: &str) -> &mut Site {
        self.env.insert(key.into(), value.into());
        self
    }

    fn unset(&mut self, key: &str) -> &mut Site {
        self.env.remove(key);
        self
    }

    fn stub(&self, tool: &str) -> PathBuf {
        self.root().join("stubs").join(tool)
    }

    /// The answer of the stand-in `tool` to its call number `n` (from 1).
    fn answer(&self, tool: &str, n: usize, stdout: &str) -> &Site {
        let d = self.stub(tool).join("answers");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(n.to_string()), stdout).unwrap();
        self
    }

    fn answer_file(&self, tool: &str, name: &str, content: &str) {
        let d = self.stub(tool).join("answers");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(name), content).unwrap();
    }

    fn calls(&self, tool: &str) -> Vec<Vec<String>> {
        let text = std::fs::read_to_string(self.stub(tool).join("calls")).unwrap_or_default();
        text.split("\x1e\n")
            .filter(|c| !c.is_empty())
            .map(|c| {
                c.split('\x1f')
                    .filter(|a| !a.is_empty())
                    .map(|a| match a.strip_prefix("/dev/fd/") {
                        // The descriptor number depends on what the test runner left open.
                        Some(n) if n.parse::<u32>().is_ok_and(|n| n >= 10) => "/dev/fd/N".into(),
                        // Checked on its own (glance_records_the_ecosystems_properties).
                        _ if a.starts_with("APPLIANCE_ATTRIBUTES=") => {
                            "APPLIANCE_ATTRIBUTES=<json>".into()
                        }
                        _ => a.to_string(),
                    })
                    .collect()
            })
            .collect()
    }

    fn run_with(&self, name: &str, event: &str, umask: Option<u32>) -> Out {
        let mut cmd = Command::new(hook(name));
        cmd.arg(event)
            .env_clear()
            .envs(&self.env)
            .env("VMCATCHER_EVENT_TYPE", event)
            .stdin(Stdio::null())
            .current_dir(self.root());
        if let Some(mask) = umask {
            // SAFETY: umask is async-signal-safe.
            unsafe {
                cmd.pre_exec(move || {
                    libc::umask(mask as libc::mode_t);
                    Ok(())
                });
            }
        }
        let out = cmd.output().expect("run the hook");
        Out {
            code: out.status.code().unwrap_or(-1),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    #[track_caller]
    fn run(&self, name: &str, event: &str, code: i32) -> Out {
        let out = self.run_with(name, event, None);
        assert_eq!(out.code, code, "{name} {event}:\n{}", out.stderr);
        out
    }
}

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(std::string::ToString::to_string).collect()
}

// ---- jsonlog ---------------------------------------------------------------------------

#[test]
fn jsonlog_appends_one_sorted_utc_line_per_event_with_only_vmcatcher_variables() {
    let mut site = Site::new(b"image");
    let log = site.root().join("events.jsonl");
    site.set("VMCATCHER_HOOK_JSONLOG_FILE", log.to_str().unwrap())
        .set("OS_PASSWORD", "secret")
        .set("TZ", "Asia/Tokyo");
    let before = time::OffsetDateTime::now_utc().unix_timestamp();
    let out = site.run_with("vmcatcher-hook-jsonlog", "AvailablePostfix", Some(0o077));
    assert_eq!(out.code, 0, "{}", out.stderr);
    site.run("vmcatcher-hook-jsonlog", "ProcessPostfix", 0);
    let after = time::OffsetDateTime::now_utc().unix_timestamp();

    let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "created 0640 whatever the umask");
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(text.ends_with('\n'));
    for (line, event) in lines.iter().zip(["AvailablePostfix", "ProcessPostfix"]) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let obj = v.as_object().unwrap();
        assert_eq!(obj["EVENT"], event);
        assert_eq!(obj["VMCATCHER_EVENT_TYPE"], event);
        assert_eq!(obj["VMCATCHER_EVENT_DC_IDENTIFIER"], IMAGE_ID);
        assert_eq!(obj["VMCATCHER_EVENT_DC_DESCRIPTION"], "A \"minimal\" image");
        for key in obj.keys() {
            assert!(
                key == "EVENT" || key == "DATETIME" || key.starts_with("VMCATCHER_"),
                "unexpected key {key}"
            );
        }
        assert!(!line.contains("secret") && !line.contains("\"PATH\""));
        // Sorted keys, in the text itself.
        let mut positions: Vec<(usize, &String)> = obj
            .keys()
            .map(|k| (line.find(&format!("\"{k}\":")).unwrap(), k))
            .collect();
        positions.sort();
        let in_text: Vec<&String> = positions.into_iter().map(|(_, k)| k).collect();
        let mut sorted = in_text.clone();
        sorted.sort();
        assert_eq!(in_text, sorted);
        // DATETIME is UTC even with TZ set elsewhere.
        let dt = obj["DATETIME"].as_str().unwrap();
        let format =
            time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
        let t = time::PrimitiveDateTime::parse(dt, &format)
            .unwrap()
            .assume_utc()
            .unix_timestamp();
        assert!(
            before - 1 <= t && t <= after + 1,
            "{dt} is not the UTC time"
        );
    }
}

#[test]
fn jsonlog_without_a_file_does_nothing_and_says_so() {
    let site = Site::new(b"image");
    let out = site.run("vmcatcher-hook-jsonlog", "ProcessPrefix", 0);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("VMCATCHER_HOOK_JSONLOG_FILE"));
    assert_eq!(std::fs::read_dir(site.root()).unwrap().count(), 6);
}

// ---- glance ------------------------------------------------------------------------------

fn list_call(sha: Option<&str>) -> Vec<String> {
    let mut v = argv(&[
        "image",
        "list",
        "--all",
        "--tag",
        "vmcatcher",
        "--property",
        &format!("vmcatcher_image_id={IMAGE_ID}"),
        "--property",
        &format!("vmcatcher_list_id={LIST_ID}"),
    ]);
    if let Some(sha) = sha {
        v.extend(argv(&["--property", &format!("vmcatcher_sha512={sha}")]));
    }
    v.extend(argv(&["-f", "json"]));
    v
}

/// Retiring g-old: renamed (`EXPIRED_<time>_<name>`, the time as `STAMP`) and deactivated.
fn retired(name: &str) -> Vec<String> {
    argv(&[
        "image",
        "set",
        "--name",
        &format!("EXPIRED_STAMP_{name}"),
        "--deactivate",
        "g-old",
    ])
}

/// The calls with the time in a retired name replaced by `STAMP`.
fn without_stamp(calls: Vec<Vec<String>>) -> Vec<Vec<String>> {
    calls
        .into_iter()
        .map(|call| {
            call.into_iter()
                .map(|word| match word.strip_prefix("EXPIRED_") {
                    // 2026-12-03T19-03-16.123456Z_
                    Some(rest) if rest.len() > 28 && rest.as_bytes()[27] == b'_' => {
                        format!("EXPIRED_STAMP_{}", &rest[28..])
                    }
                    _ => word,
                })
                .collect()
        })
        .collect()
}

fn create_call(site: &Site, disk: &str) -> Vec<String> {
    let e = |k: &str| site.env[k].clone();
    argv(&[
        "image",
        "create",
        "--disk-format",
        disk,
        "--container-format",
        "bare",
        "--private",
        "--file",
        "/dev/fd/N",
        "--tag",
        "vmcatcher",
        "--property",
        &format!("vmcatcher_image_id={IMAGE_ID}"),
        "--property",
        &format!("vmcatcher_list_id={LIST_ID}"),
        "--property",
        "vmcatcher_version=2.0",
        "--property",
        &format!(
            "vmcatcher_sha512={}",
            e("VMCATCHER_EVENT_SL_CHECKSUM_SHA512")
        ),
        "--property",
        "vmcatcher_vo=vo.example.org",
        "--property",
        "vmcatcher_mpuri=https://appdb.example.org/1",
        "--property",
        "vmcatcher_event_ad_mpuri=https://appdb.example.org/1",
        "--property",
        "vmcatcher_event_dc_description=A \"minimal\" image",
        "--property",
        "os_distro=ubuntu",
        "--property",
        "os_version=22.04",
        "--property",
        "architecture=x86_64",
        "--property",
        "APPLIANCE_ATTRIBUTES=<json>",
        "-f",
        "json",
        "--",
        "egi-Ubuntu 22.04",
    ])
}

#[test]
fn glance_uploads_a_new_image_with_its_identifiers() {
    let mut site = Site::new(b"qcow2 bytes");
    site.set("VMCATCHER_HOOK_GLANCE_NAME_PREFIX", "egi-");
    let sha = site.env["VMCATCHER_EVENT_SL_CHECKSUM_SHA512"].clone();
    site.answer("openstack", 1, "[]")
        .answer("openstack", 2, "[]")
        .answer("openstack", 3, r#"{"id": "g-new", "status": "active"}"#);
    site.run("vmcatcher-hook-glance", "AvailablePostfix", 0);
    assert_eq!(
        site.calls("openstack"),
        vec![
            list_call(None),
            list_call(Some(&sha)),
            create_call(&site, "qcow2")
        ]
    );
    let uploaded = std::fs::read(site.stub("openstack").join("uploaded")).unwrap();
    assert_eq!(uploaded, b"qcow2 bytes", "the cache file went to Glance");
    assert_eq!(
        site.calls("qemu-img"),
        vec![argv(&["info", "--output=json", "/dev/fd/N"])],
        "the real format is checked against hv:format, on the open file"
    );
}

/// The properties EGI's information system reads: APPLIANCE_ATTRIBUTES is the image's list
/// entry (VMCATCHER_EVENT_IMAGE_JSON, or what the variables give), min_ram the list's
/// hv:ram_minimum, os_distro from sl:osname when sl:os is only "Linux".
#[test]
fn glance_records_the_ecosystems_properties() {
    let raw_call = |site: &Site| -> Vec<String> {
        let text = std::fs::read_to_string(site.stub("openstack").join("calls")).unwrap();
        let create = text
            .split("\x1e\n")
            .find(|c| c.starts_with("image\x1fcreate"))
            .expect("a create call")
            .to_string();
        create.split('\x1f').map(str::to_string).collect()
    };
    let attributes = |call: &[String]| -> serde_json::Value {
        let arg = call
            .iter()
            .find_map(|a| a.strip_prefix("APPLIANCE_ATTRIBUTES="))
            .expect("APPLIANCE_ATTRIBUTES");
        serde_json::from_str(arg).expect("APPLIANCE_ATTRIBUTES is JSON")
    };
    // Without VMCATCHER_EVENT_IMAGE_JSON (an older vmcatcher): from the variables.
    let site = Site::new(b"qcow2 bytes");
    site.answer("openstack", 1, "[]")
        .answer("openstack", 2, "[]")
        .answer("openstack", 3, r#"{"id": "g-new", "status": "active"}"#);
    site.run("vmcatcher-hook-glance", "AvailablePostfix", 0);
    let a = attributes(&raw_call(&site));
    assert_eq!(a["dc:identifier"], IMAGE_ID);
    assert_eq!(a["dc:description"], "A \"minimal\" image");
    assert_eq!(a["ad:mpuri"], "https://appdb.example.org/1");

    // With it: the list's own entry, min_ram, sl:osname.
    let mut site = Site::new(b"qcow2 bytes");
    let entry = serde_json::json!({
        "dc:identifier": IMAGE_ID, "hv:ram_minimum": "512", "hv:core_minimum": "1",
        "sl:osname": "CentOS", "ad:user:fullname": "Ana Endorser",
    });
    site.set("VMCATCHER_EVENT_IMAGE_JSON", &entry.to_string())
        .set("VMCATCHER_EVENT_SL_OS", "Linux")
        .set("VMCATCHER_EVENT_SL_OSVERSION", "7");
    site.answer("openstack", 1, "[]")
        .answer("openstack", 2, "[]")
        .answer("openstack", 3, r#"{"id": "g-new", "status": "active"}"#);
    site.run("vmcatcher-hook-glance", "AvailablePostfix", 0);
    let call = raw_call(&site);
    assert_eq!(attributes(&call), entry);
    let after = |flag: &str| {
        call.iter()
            .position(|a| a == flag)
            .map(|i| call[i + 1].clone())
    };
    assert_eq!(after("--min-ram").as_deref(), Some("512"));
    assert_eq!(after("--min-disk"), None, "the list gives none");
    assert!(call.contains(&"os_distro=centos".to_string()), "{call:?}");
    assert!(call.contains(&"os_version=7".to_string()), "{call:?}");
}

#[test]
fn glance_identifies_an_image_from_a_registry_by_its_sha256() {
    // An image from an OCI registry: VMCATCHER_EVENT_SHA256, no SHA-512.
    let mut site = Site::new(b"qcow2 bytes");
    site.set("VMCATCHER_HOOK_GLANCE_NAME_PREFIX", "egi-");
    let sha512 = site.env["VMCATCHER_EVENT_SL_CHECKSUM_SHA512"].clone();
    let sha256 = vmcatcher::digest::hex(&openssl::sha::sha256(b"qcow2 bytes"));
    let mut create = create_call(&site, "qcow2");
    site.unset("VMCATCHER_EVENT_SL_CHECKSUM_SHA512")
        .set("VMCATCHER_EVENT_SHA256", &sha256);
    site.answer("openstack", 1, "[]")
        .answer("openstack", 2, "[]")
        .answer("openstack", 3, r#"{"id": "g-new", "status": "active"}"#);
    site.run("vmcatcher-hook-glance", "AvailablePostfix", 0);
    let calls = site.calls("openstack");
    let mut by_sha256 = list_call(Some(&sha256));
    let property = by_sha256
        .iter()
        .position(|a| a.starts_with("vmcatcher_sha512="))
        .unwrap();
    by_sha256[property] = format!("vmcatcher_sha256={sha256}");
    assert_eq!(calls[1], by_sha256);
    let at = create
        .iter()
        .position(|a| a.starts_with("vmcatcher_sha512="))
        .unwrap();
    create[at] = format!("vmcatcher_sha256={sha256}");
    assert_eq!(calls[2], create);
    assert!(!calls.concat().iter().any(|a| a.contains(&sha512)));
    // Its expiry retires that version only.
    site.answer(
        "openstack",
        4,
        r#"[{"ID": "g-new", "Name": "x", "Status": "active"}]"#,
    );
    site.run("vmcatcher-hook-glance", "ExpirePostfix", 0);
    let calls = site.calls("openstack");
    assert_eq!(calls[3], by_sha256);
}

#[test]
fn glance_detects_the_format_with_qemu_img_and_refuses_backing_files() {
    let mut site = Site::new(b"disk");
    site.unset("VMCATCHER_EVENT_HV_FORMAT")
        .set("VMCATCHER_HOOK_GLANCE_NAME_PREFIX", "egi-");
    let file = site.root().join("cache").join(IMAGE_ID);
    site.answer("openstack", 1, "[]")
        .answer("openstack", 2, "[]")
        .answer("openstack", 3, r#"{"id": "g-new", "status": "active"}"#);
    site.answer("qemu-img", 1, r#"{"format": "vpc", "virtual-size": 1}"#);
    site.run("vmcatcher-hook-glance", "AvailablePostfix", 0);
    assert!(file.is_file());
    assert_eq!(
        site.calls("qemu-img"),
        vec![argv(&["info", "--output=json", "/dev/fd/N"])]
    );
    assert_eq!(site.calls("openstack")[2], create_call(&site, "vhd"));

    let site = Site::new(b"disk");
    let mut site = site;
    site.unset("VMCATCHER_EVENT_HV_FORMAT");
    site.answer("openstack", 1, "[]")
        .answer("openstack", 2, "[]");
    site.answer(
        "qemu-img",
        1,
        r#"{"format": "qcow2", "backing-filename": "/etc/shadow"}"#,
    );
    let out = site.run("vmcatcher-hook-glance", "AvailablePostfix", 4);
    assert!(out.stderr.contains("backing file"), "{}", out.stderr);
    assert_eq!(site.calls("openstack").len(), 2, "no upload");
}

#[test]
fn glance_replaces_the_previous_version_after_uploading_the_new_one() {
    for (policy, last) in [
        (None, retired("egi-Ubuntu 22.04")),
        (Some("delete"), argv(&["image", "delete", "g-old"])),
    ] {
        let mut site = Site::new(b"version 2");
        site.set("VMCATCHER_HOOK_GLANCE_NAME_PREFIX", "egi-");
        if let Some(p) = policy {
            site.set("VMCATCHER_HOOK_GLANCE_ON_REPLACE", p);
        }
        let sha = site.env["VMCATCHER_EVENT_SL_CHECKSUM_SHA512"].clone();
        site.answer(
            "openstack",
            1,
            r#"[{"ID": "g-old", "Name": "egi-Ubuntu 22.04", "Status": "active"}]"#,
        )
        .answer("openstack", 2, "[]")
        .answer("openstack", 3, r#"{"id": "g-new", "status": "active"}"#);
        site.run("vmcatcher-hook-glance", "AvailablePostfix", 0);
        assert_eq!(
            without_stamp(site.calls("openstack")),
            vec![
                list_call(None),
                list_call(Some(&sha)),
                create_call(&site, "qcow2"),
                last
            ]
        );
    }
}

#[test]
fn glance_permanent_refusals_exit_4_and_transient_failures_1() {
    for (stderr, code) in [
        (
            "HttpException: 415: Client Error for url: http://g/v2/images/x/file, Unsupported Media Type",
            4,
        ),
        (
            "ForbiddenException: 403: Client Error for url: http://g/v2/images, Forbidden",
            4,
        ),
        ("HttpException: 503: Server Error for url: http://g/v2/images", 1),
    ] {
        let site = Site::new(b"version 2");
        site.answer("openstack", 1, "[]").answer("openstack", 2, "[]");
        site.answer_file("openstack", "3.err", stderr);
        site.answer_file("openstack", "3.rc", "1");
        let out = site.run("vmcatcher-hook-glance", "AvailablePostfix", code);
        assert!(out.stderr.contains(stderr), "{}", out.stderr);
    }
}

#[test]
fn glance_redelivery_of_an_uploaded_image_uploads_nothing() {
    let site = Site::new(b"version 2");
    let sha = site.env["VMCATCHER_EVENT_SL_CHECKSUM_SHA512"].clone();
    let same = r#"[{"ID": "g-new", "Name": "Ubuntu 22.04", "Status": "active"}]"#;
    site.answer("openstack", 1, same)
        .answer("openstack", 2, same);
    site.run("vmcatcher-hook-glance", "AvailablePostfix", 0);
    assert_eq!(
        site.calls("openstack"),
        vec![list_call(None), list_call(Some(&sha))]
    );

    // Re-delivered after vmcatcher replaced the file with a newer version: the bytes are
    // not the event's, so nothing is uploaded under the old checksum.
    let mut site = Site::new(b"version 3");
    site.set(
        "VMCATCHER_EVENT_SL_CHECKSUM_SHA512",
        &sha512_hex(b"version 2"),
    );
    let out = site.run("vmcatcher-hook-glance", "AvailablePostfix", 0);
    assert!(
        out.stderr.contains("no longer the version"),
        "{}",
        out.stderr
    );
    assert!(site.calls("openstack").is_empty());
}

#[test]
fn glance_expiry_deactivates_or_deletes_only_that_version() {
    for (policy, last) in [
        (None, retired("Ubuntu 22.04")),
        (Some("delete"), argv(&["image", "delete", "g-old"])),
    ] {
        let mut site = Site::new(b"version 1");
        let sha = site.env["VMCATCHER_EVENT_SL_CHECKSUM_SHA512"].clone();
        site.set(
            "VMCATCHER_EVENT_FILENAME",
            &format!("{IMAGE_ID}.2026-11-27_03-34-09"),
        );
        if let Some(p) = policy {
            site.set("VMCATCHER_HOOK_GLANCE_ON_EXPIRE", p);
        }
        site.answer(
            "openstack",
            1,
            r#"[{"ID": "g-old", "Name": "Ubuntu 22.04", "Status": "active"}]"#,
        );
        site.run("vmcatcher-hook-glance", "ExpirePostfix", 0);
        assert_eq!(
            without_stamp(site.calls("openstack")),
            vec![list_call(Some(&sha)), last]
        );
    }
}

#[test]
fn glance_refuses_a_file_outside_the_cache() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"x").unwrap();
    let link_target = outside.path().join("secret");
    for filename in ["../stubs", "a/b", "..", "link"] {
        let mut site = Site::new(b"image");
        std::os::unix::fs::symlink(&link_target, site.root().join("cache").join("link")).unwrap();
        site.set("VMCATCHER_EVENT_FILENAME", filename);
        let out = site.run("vmcatcher-hook-glance", "AvailablePostfix", 4);
        assert!(
            out.stderr.contains("refusing"),
            "{filename}: {}",
            out.stderr
        );
        assert!(site.calls("openstack").is_empty(), "{filename}: no upload");
        let out = site.run("vmcatcher-hook-opennebula", "AvailablePostfix", 4);
        assert!(
            out.stderr.contains("refusing"),
            "{filename}: {}",
            out.stderr
        );
        assert!(site.calls("oneimage").is_empty(), "{filename}: no upload");
    }
}

#[test]
fn glance_ignores_other_events() {
    let site = Site::new(b"image");
    site.answer("oneimage", 1, "<IMAGE_POOL/>");
    for event in [
        "ProcessPrefix",
        "ProcessPostfix",
        "ExpirePrefix",
        "AvailablePrefix",
        "SubscriptionImageNew",
    ] {
        site.run("vmcatcher-hook-glance", event, 0);
        site.run("vmcatcher-hook-opennebula", event, 0);
    }
    assert!(site.calls("openstack").is_empty());
    // ProcessPostfix sweeps retired OpenNebula images: one listing, per ProcessPostfix.
    assert_eq!(site.calls("oneimage"), vec![argv(&["list", "-x"])]);
}

#[test]
fn glance_background_mode_is_gone_and_the_work_is_done_in_the_foreground() {
    let mut site = Site::new(b"image");
    site.set("VMCATCHER_HOOK_GLANCE_MODE", "background");
    site.answer("openstack", 1, "[]")
        .answer("openstack", 2, "[]")
        .answer("openstack", 3, r#"{"id": "g-new", "status": "active"}"#);
    let out = site.run("vmcatcher-hook-glance", "AvailablePostfix", 0);
    assert!(
        out.stderr.contains("MODE=background is gone")
            && out
                .stderr
                .contains("[events.handlers.vmcatcher-hook-glance] timeout"),
        "{}",
        out.stderr
    );
    // Uploaded before the hook returned: no spool, no worker.
    let calls = site.calls("openstack");
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert_eq!(calls[2][..2], argv(&["image", "create"])[..]);
    assert!(!site.root().join("state").join("spool").exists());
}

/// A tar made by python3's tarfile from (name, content, kind) members; kind "file",
/// "symlink" (content is the target) or "dir".
type Member<'a> = (&'a str, &'a [u8], &'a str);

fn tar(members: &[Member]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let spec: Vec<serde_json::Value> = members
        .iter()
        .map(|(name, content, kind)| {
            serde_json::json!({"name": name, "data": String::from_utf8_lossy(content), "kind": kind})
        })
        .collect();
    let spec_path = dir.path().join("spec.json");
    std::fs::write(&spec_path, serde_json::to_vec(&spec).unwrap()).unwrap();
    let out = dir.path().join("out.tar");
    let script = "import io, json, sys, tarfile\n\
        spec = json.load(open(sys.argv[1]))\n\
        with tarfile.open(sys.argv[2], 'w', format=tarfile.USTAR_FORMAT) as t:\n\
        \x20   for m in spec:\n\
        \x20       i = tarfile.TarInfo(m['name'])\n\
        \x20       data = m['data'].encode()\n\
        \x20       if m['kind'] == 'symlink': i.type, i.linkname, data = tarfile.SYMTYPE, m['data'], b''\n\
        \x20       if m['kind'] == 'dir': i.type, data = tarfile.DIRTYPE, b''\n\
        \x20       i.size = len(data)\n\
        \x20       t.addfile(i, io.BytesIO(data))\n";
    let status = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&spec_path)
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read(out).unwrap()
}

const OVF: &[u8] = br#"<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"><References><File ovf:href="disk.vmdk"/></References></Envelope>"#;

#[test]
fn glance_refuses_bad_ovas_before_any_upload() {
    let many: Vec<String> = (0..20).map(|n| format!("extra{n}.mf")).collect();
    let mut too_many: Vec<Member> = vec![("a.ovf", OVF, "file"), ("disk.vmdk", b"disk", "file")];
    too_many.extend(many.iter().map(|n| (n.as_str(), &b"x"[..], "file")));
    let cases: Vec<(Vec<Member>, &str)> = vec![
        (vec![("disk.vmdk", b"disk", "file")], "0 .ovf descriptors"),
        (
            vec![
                ("a.ovf", OVF, "file"),
                ("disk.vmdk", b"disk", "file"),
                ("disk2.vmdk", b"disk", "file"),
            ],
            "2 disks",
        ),
        (
            vec![("a.ovf", OVF, "file"), ("../disk.vmdk", b"disk", "file")],
            "path leading out",
        ),
        (
            vec![
                ("a.ovf", OVF, "file"),
                ("disk.vmdk", b"/etc/shadow", "symlink"),
            ],
            "not a regular file",
        ),
        (
            vec![
                ("a.ovf", b"<Envelope/>", "file"),
                ("disk.vmdk", b"disk", "file"),
            ],
            "does not reference its disk",
        ),
        (
            vec![
                ("a.ovf", b"not <xml", "file"),
                ("disk.vmdk", b"disk", "file"),
            ],
            "not XML",
        ),
        (too_many, "more than 16 members"),
    ];
    for (members, why) in cases {
        let mut site = Site::new(&tar(&members));
        site.set("VMCATCHER_EVENT_HV_FORMAT", "OVA");
        site.answer("openstack", 1, "[]")
            .answer("openstack", 2, "[]");
        let out = site.run("vmcatcher-hook-glance", "AvailablePostfix", 4);
        assert!(
            out.stderr.contains("refusing") && out.stderr.contains(why),
            "{why}: {}",
            out.stderr
        );
        assert_eq!(site.calls("openstack").len(), 2, "{why}: no upload");
        assert!(
            site.calls("qemu-img").is_empty(),
            "{why}: not even inspected"
        );
        let scratch = site.root().join("state").join("scratch");
        assert_eq!(
            std::fs::read_dir(&scratch)
                .map(Iterator::count)
                .unwrap_or(0),
            0,
            "{why}: scratch cleaned"
        );
    }

    // A tar that hv:format calls qcow2, and a qcow2 that hv:format calls OVA.
    let a_tar = tar(&[("a.ovf", OVF, "file"), ("disk.vmdk", b"d", "file")]);
    for (content, declared, why) in [
        (
            &a_tar[..],
            "qcow2",
            "hv:format=qcow2 but the file is a tar archive",
        ),
        (
            b"QFI\xfb not a tar",
            "OVA",
            "hv:format=ova but the file is not a tar archive",
        ),
    ] {
        let mut site = Site::new(content);
        site.set("VMCATCHER_EVENT_HV_FORMAT", declared);
        site.answer("openstack", 1, "[]")
            .answer("openstack", 2, "[]");
        let out = site.run("vmcatcher-hook-glance", "AvailablePostfix", 4);
        assert!(out.stderr.contains(why), "{}", out.stderr);
    }
}

#[test]
fn glance_checks_the_scratch_space_before_unpacking() {
    let content = tar(&[("a.ovf", OVF, "file"), ("disk.vmdk", b"disk", "file")]);
    let mut site = Site::new(&content);
    site.set("VMCATCHER_EVENT_HV_FORMAT", "OVA")
        .set("VMCATCHER_HOOK_GLANCE_SCRATCH_RESERVE", "1e18");
    site.answer("openstack", 1, "[]")
        .answer("openstack", 2, "[]");
    // Transient: space may be freed before the next delivery.
    let out = site.run("vmcatcher-hook-glance", "AvailablePostfix", 1);
    assert!(out.stderr.contains("not enough space"), "{}", out.stderr);
    assert_eq!(site.calls("openstack").len(), 2, "no upload");
}

// ---- opennebula --------------------------------------------------------------------------

/// `oneimage list -x`: an IMAGE_POOL of images made by vmcatcher (id, name, state, SHA-512,
/// running VMs), shaped as OpenNebula's schema says (validated below).
fn pool(images: &[(u32, &str, u32, &str, u32)]) -> String {
    let mut s = String::from("<IMAGE_POOL>");
    for (id, name, state, sha, vms) in images {
        s += &one_image(
            *id,
            &format!("<![CDATA[{name}]]>"),
            *state,
            *vms,
            &format!(
                "<TEMPLATE><VMCATCHER_IMAGE_ID><![CDATA[{IMAGE_ID}]]></VMCATCHER_IMAGE_ID>\
                 <VMCATCHER_SHA512><![CDATA[{sha}]]></VMCATCHER_SHA512></TEMPLATE>"
            ),
        );
    }
    s + "</IMAGE_POOL>"
}

/// `oneimage show -x ID`.
fn image_xml(id: u32, name: &str, state: u32, vms: u32) -> String {
    one_image(id, name, state, vms, "<TEMPLATE/>")
}

/// One IMAGE element with every element OpenNebula's image.xsd requires, in its order.
fn one_image(id: u32, name: &str, state: u32, vms: u32, template: &str) -> String {
    let vm_ids: String = (0..vms).map(|n| format!("<ID>{}</ID>", 100 + n)).collect();
    format!(
        "<IMAGE><ID>{id}</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME>\
         <GNAME>oneadmin</GNAME><NAME>{name}</NAME><PERMISSIONS><OWNER_U>1</OWNER_U>\
         <OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>0</GROUP_U><GROUP_M>0</GROUP_M>\
         <GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A>\
         </PERMISSIONS><TYPE>0</TYPE><DISK_TYPE>0</DISK_TYPE><PERSISTENT>0</PERSISTENT>\
         <REGTIME>1764720000</REGTIME><MODTIME>1764720000</MODTIME>\
         <SOURCE><![CDATA[/var/lib/one/datastores/1/{id:08x}]]></SOURCE><PATH><![CDATA[]]></PATH>\
         <FORMAT><![CDATA[qcow2]]></FORMAT><FS><![CDATA[]]></FS><SIZE>12</SIZE>\
         <STATE>{state}</STATE><PREV_STATE>{state}</PREV_STATE><RUNNING_VMS>{vms}</RUNNING_VMS>\
         <CLONING_OPS>0</CLONING_OPS><CLONING_ID>-1</CLONING_ID>\
         <TARGET_SNAPSHOT>-1</TARGET_SNAPSHOT><DATASTORE_ID>1</DATASTORE_ID>\
         <DATASTORE>images</DATASTORE><VMS>{vm_ids}</VMS><CLONES/><APP_CLONES/>{template}\
         <SNAPSHOTS><ALLOW_ORPHANS><![CDATA[YES]]></ALLOW_ORPHANS>\
         <CURRENT_BASE>-1</CURRENT_BASE><NEXT_SNAPSHOT><![CDATA[0]]></NEXT_SNAPSHOT>\
         </SNAPSHOTS><BACKUP_INCREMENTS/></IMAGE>"
    )
}

/// The template is read by OpenNebula's template parser, where only `\"` is an escape:
/// backslashes from the list stay as they are, a trailing one cannot end the value (it
/// would escape the closing quote and swallow the next attributes), and `]]>` cannot
/// appear (the lexer takes the line as CDATA and refuses the template).
#[test]
fn opennebula_templates_survive_backslashes_quotes_and_cdata_ends() {
    let mut site = Site::new(b"qcow2 bytes");
    site.set("VMCATCHER_EVENT_DC_TITLE", "Win\\Server \"2022\"")
        .set(
            "VMCATCHER_EVENT_DC_DESCRIPTION",
            "Files in C:\\Images\\ and \"quotes\"\nsecond line ]]> end\\",
        );
    site.answer("oneimage", 1, "<IMAGE_POOL/>")
        .answer("oneimage", 2, "ID: 7\n");
    site.run("vmcatcher-hook-opennebula", "AvailablePostfix", 0);
    let template = std::fs::read_to_string(site.stub("oneimage").join("template.2")).unwrap();
    let attrs = crate::support::one_template::parse(&template)
        .unwrap_or_else(|e| panic!("OpenNebula would refuse it: {e}\n{template}"));
    let value = |name: &str| {
        attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {name} in {attrs:?}"))
    };
    assert_eq!(value("NAME"), "Win\\Server \"2022\" 2.0");
    assert_eq!(
        value("DESCRIPTION"),
        "Files in C:\\Images\\ and \"quotes\" second line ]] > end"
    );
    assert_eq!(
        value("VMCATCHER_IMAGE_ID"),
        IMAGE_ID,
        "nothing swallowed after it"
    );
    assert_eq!(value("TYPE"), "OS");
}

/// The stand-in is only as good as its answers: each must be valid against OpenNebula's
/// own schema (tests/fixtures/opennebula-xsd), with the namespace the schemas declare
/// and OpenNebula's output leaves out.
#[test]
fn the_oneimage_stand_in_answers_what_opennebulas_schema_allows() {
    if !crate::support::tools::available("/usr/bin/xmllint", "libxml2-utils") {
        return;
    }
    let schemas =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/opennebula-xsd");
    let dir = tempfile::tempdir().unwrap();
    let sha = sha512_hex(b"version 1");
    let namespace = " xmlns=\"http://opennebula.org/XMLSchema\"";
    for (schema, xml) in [
        (
            "image_pool.xsd",
            pool(&[(5, "Ubuntu 22.04 1.0", 1, &sha, 0), (6, "b", 2, &sha, 2)]),
        ),
        ("image_pool.xsd", pool(&[])),
        ("image.xsd", image_xml(7, "EXPIRED_x", 2, 1)),
    ] {
        let root_end = xml.find('>').unwrap();
        let named = format!("{}{namespace}{}", &xml[..root_end], &xml[root_end..]);
        let file = dir.path().join("answer.xml");
        std::fs::write(&file, &named).unwrap();
        let out = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(schemas.join(schema))
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{schema}: {}\n{named}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // And the check can fail: an IMAGE without its required UID is refused.
    let broken = image_xml(7, "x", 1, 0).replace("<UID>0</UID>", "");
    let root_end = broken.find('>').unwrap();
    let file = dir.path().join("broken.xml");
    std::fs::write(
        &file,
        format!("{}{namespace}{}", &broken[..root_end], &broken[root_end..]),
    )
    .unwrap();
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(schemas.join("image.xsd"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success(), "a broken IMAGE passed the schema");
}

#[test]
fn opennebula_registers_a_new_image_with_its_identifiers() {
    let site = Site::new(b"qcow2 bytes");
    site.answer("oneimage", 1, "<IMAGE_POOL/>")
        .answer("oneimage", 2, "ID: 7\n");
    site.run("vmcatcher-hook-opennebula", "AvailablePostfix", 0);
    let calls = site.calls("oneimage");
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0], argv(&["list", "-x"]));
    assert_eq!(calls[1][..3], argv(&["create", "-d", "images"])[..]);
    assert!(calls[1][3].ends_with(".tmpl"));
    let template = std::fs::read_to_string(site.stub("oneimage").join("template.2")).unwrap();
    let real = std::fs::canonicalize(site.root().join("cache").join(IMAGE_ID)).unwrap();
    let sha = &site.env["VMCATCHER_EVENT_SL_CHECKSUM_SHA512"];
    for line in [
        "NAME = \"Ubuntu 22.04 2.0\"".to_string(),
        format!("PATH = \"{}\"", real.display()),
        "TYPE = \"OS\"".into(),
        "DESCRIPTION = \"A \\\"minimal\\\" image\"".into(),
        format!("VMCATCHER_IMAGE_ID = \"{IMAGE_ID}\""),
        format!("VMCATCHER_LIST_ID = \"{LIST_ID}\""),
        "VMCATCHER_VERSION = \"2.0\"".into(),
        format!("VMCATCHER_SHA512 = \"{sha}\""),
        "VMCATCHER_VO = \"vo.example.org\"".into(),
        "VMCATCHER_MPURI = \"https://appdb.example.org/1\"".into(),
    ] {
        assert!(
            template.lines().any(|l| l == line),
            "{line}\nnot in\n{template}"
        );
    }
    assert!(!Path::new(&calls[1][3]).exists(), "template file removed");
}

#[test]
fn opennebula_retires_the_previous_version_and_deletes_it_when_unused() {
    let site = Site::new(b"version 2");
    site.answer(
        "oneimage",
        1,
        &pool(&[(5, "Ubuntu 22.04 1.0", 1, &sha512_hex(b"version 1"), 0)]),
    )
    .answer("oneimage", 2, "ID: 7\n")
    .answer(
        "oneimage",
        6,
        &image_xml(5, "EXPIRED_x_Ubuntu 22.04 1.0", 3, 0),
    );
    site.run("vmcatcher-hook-opennebula", "AvailablePostfix", 0);
    let calls = site.calls("oneimage");
    assert_eq!(calls.len(), 7, "{calls:?}");
    assert_eq!(calls[1][0], "create");
    assert_eq!(calls[2], argv(&["chmod", "5", "600"]));
    assert_eq!(calls[3], argv(&["disable", "5"]));
    assert_eq!(calls[4][..2], argv(&["rename", "5"])[..]);
    assert!(
        calls[4][2].starts_with("EXPIRED_") && calls[4][2].ends_with("_Ubuntu 22.04 1.0"),
        "{:?}",
        calls[4]
    );
    assert_eq!(calls[5], argv(&["show", "-x", "5"]));
    assert_eq!(calls[6], argv(&["delete", "5"]));
}

#[test]
fn opennebula_redelivery_registers_nothing_and_expiry_keeps_used_images() {
    let site = Site::new(b"version 2");
    let sha = site.env["VMCATCHER_EVENT_SL_CHECKSUM_SHA512"].clone();
    site.answer("oneimage", 1, &pool(&[(7, "Ubuntu 22.04 2.0", 1, &sha, 0)]));
    site.run("vmcatcher-hook-opennebula", "AvailablePostfix", 0);
    assert_eq!(site.calls("oneimage"), vec![argv(&["list", "-x"])]);

    // Expiry of version 2 while a VM runs it: disabled and renamed, not deleted.
    let mut site = Site::new(b"version 2");
    site.set(
        "VMCATCHER_EVENT_FILENAME",
        &format!("{IMAGE_ID}.2026-11-27_03-34-09"),
    );
    site.answer(
        "oneimage",
        1,
        &pool(&[
            (7, "Ubuntu 22.04 2.0", 2, &sha, 1),
            (5, "Ubuntu 22.04 1.0", 1, &sha512_hex(b"version 1"), 0),
        ]),
    )
    .answer("oneimage", 4, &image_xml(7, "EXPIRED_x", 2, 1));
    site.run("vmcatcher-hook-opennebula", "ExpirePostfix", 0);
    let calls = site.calls("oneimage");
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert_eq!(calls[1], argv(&["chmod", "7", "600"]));
    assert_eq!(
        calls[2][..2],
        argv(&["rename", "7"])[..],
        "USED: not disabled"
    );
    assert_eq!(calls[3], argv(&["show", "-x", "7"]));
}

#[test]
fn unconfigured_hooks_stay_out_of_the_way() {
    // Installed everywhere by scripts/install.sh: without their settings they do nothing
    // and succeed, so vmcatcher does not re-deliver every event to them.
    let mut site = Site::new(b"image");
    site.unset("VMCATCHER_HOOK_ONE_DATASTORE");
    let out = site.run("vmcatcher-hook-opennebula", "AvailablePostfix", 0);
    assert!(
        out.stderr.contains("not configured")
            && out.stderr.contains("VMCATCHER_HOOK_ONE_DATASTORE"),
        "{}",
        out.stderr
    );
    site.unset("OS_AUTH_URL");
    let out = site.run("vmcatcher-hook-glance", "AvailablePostfix", 0);
    assert!(out.stderr.contains("not configured"), "{}", out.stderr);
}
