//! Handlers unchanged across the switch: the handbook's setup — the example handler of
//! 0.6.3 (`vmcatcher_eventHndlExpl --output_file=F`, re-created here faithfully: it
//! appends the event and configuration variables as one sorted JSON line) in
//! `VMCATCHER_CACHE_EVENT`, run by the cron line `vmcatcher_subscribe -U; vmcatcher_cache`
//! — records the same events with the same variables when the cron line is kept (the
//! original's names) as when it is replaced by `vmcatcher sync`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::http::{Route, TestServer};
use crate::support::lists::{image, trust_dir, ListSpec, IMAGE_A, IMAGE_B};
use crate::support::pki::TrustDirOptions;
use crate::support::TestEnv;

const A: &[u8] = b"image a, the one the site keeps";
const B: &[u8] = b"image b, the one it does not";

/// vmcatcher_eventHndlExpl of 0.6.3 (original-behaviour.md §1.6): the keys it records,
/// missing ones as "", `json.dump(sort_keys=True)` and a newline, appended.
const HANDLER: &str = r#"import json, os, sys
KEYS = ["VMCATCHER_EVENT_TYPE", "VMCATCHER_EVENT_DC_DESCRIPTION", "VMCATCHER_EVENT_DC_IDENTIFIER",
    "VMCATCHER_EVENT_DC_TITLE", "VMCATCHER_EVENT_HV_HYPERVISOR", "VMCATCHER_EVENT_HV_SIZE",
    "VMCATCHER_EVENT_HV_URI", "VMCATCHER_EVENT_HV_VERSION", "VMCATCHER_EVENT_SL_ARCH",
    "VMCATCHER_EVENT_SL_CHECKSUM_SHA512", "VMCATCHER_EVENT_SL_COMMENTS", "VMCATCHER_EVENT_SL_OS",
    "VMCATCHER_EVENT_SL_OSVERSION", "VMCATCHER_EVENT_FILENAME", "VMCATCHER_EVENT_IL_DC_IDENTIFIER",
    "VMCATCHER_EVENT_HV_FORMAT", "VMCATCHER_EVENT_VO", "VMCATCHER_RDBMS", "VMCATCHER_CACHE_EVENT",
    "VMCATCHER_LOG_CONF", "VMCATCHER_DIR_CERT", "VMCATCHER_CACHE_DIR_CACHE",
    "VMCATCHER_CACHE_DIR_DOWNLOAD", "VMCATCHER_CACHE_DIR_EXPIRE",
    "VMCATCHER_CACHE_ACTION_DOWNLOAD", "VMCATCHER_CACHE_ACTION_CHECK",
    "VMCATCHER_CACHE_ACTION_EXPIRE"]
out = [a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--output_file=")][0]
with open(out, "a") as f:
    json.dump(dict((k, os.environ.get(k, "")) for k in KEYS), f, sort_keys=True)
    f.write("\n")
"#;

fn links(env: &TestEnv) -> PathBuf {
    let bin = env.path("legacy-bin");
    std::fs::create_dir_all(&bin).unwrap();
    for name in ["vmcatcher_subscribe", "vmcatcher_cache"] {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_vmcatcher"), bin.join(name)).unwrap();
    }
    bin
}

/// A site as the handbook sets it up, subscribed, image A selected.
fn site(server: &TestServer) -> (TestEnv, PathBuf) {
    let mut env = TestEnv::new();
    trust_dir(&env, &TrustDirOptions::default());
    let handler = env.write("vmcatcher_eventHndlExpl", HANDLER);
    let log = env.path("foo");
    env.set("VMCATCHER_CACHE_DIR_CACHE", env.path("vmimages/endorsed"));
    env.set("VMCATCHER_CACHE_DIR_DOWNLOAD", env.path("vmimages/partial"));
    env.set("VMCATCHER_CACHE_DIR_EXPIRE", env.path("vmimages/expired"));
    env.set(
        "VMCATCHER_CACHE_EVENT",
        format!(
            "python3 {} --output_file={}",
            handler.display(),
            log.display()
        ),
    );
    env.run(&["subscribe", "add", &server.url("/list"), "--auto-endorse"])
        .success();
    env.run(&["image", "subscribe", IMAGE_A]).success();
    (env, log)
}

/// The recorded lines with this site's directory and the server's address made neutral.
fn recorded(env: &TestEnv, log: &Path, server: &TestServer) -> Vec<Value> {
    let root = env.root().display().to_string();
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(|l| {
            let l = l
                .replace(&root, "<site>")
                .replace(&server.url(""), "<server>/");
            serde_json::from_str(&l).unwrap()
        })
        .collect()
}

#[test]
fn the_example_handler_sees_the_same_before_and_after() {
    if !crate::support::tools::available("/usr/bin/python3", "python3") {
        return;
    }
    let server = TestServer::http();
    server.route("/a", Route::ok(A));
    server.route("/b", Route::ok(B));
    let mut spec = ListSpec::new("1");
    spec.images = vec![
        image(IMAGE_A, A, &server.url("/a")),
        image(IMAGE_B, B, &server.url("/b")),
    ];
    server.route("/list", Route::ok(spec.signed()));

    // Before: the cron line kept, through the original's names.
    let (kept, kept_log) = site(&server);
    let bin = links(&kept);
    kept.run_as(&bin.join("vmcatcher_subscribe"), &["-U"])
        .success();
    kept.run_as(&bin.join("vmcatcher_cache"), &[]).success();
    // After: the cron line replaced.
    let (replaced, replaced_log) = site(&server);
    replaced.run(&["-q", "sync"]).success();

    let before = recorded(&kept, &kept_log, &server);
    let after = recorded(&replaced, &replaced_log, &server);
    let types = |events: &[Value]| -> Vec<String> {
        events
            .iter()
            .map(|e| e["VMCATCHER_EVENT_TYPE"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        types(&before),
        [
            "ProcessPrefix",
            "AvailablePrefix",
            "AvailablePostfix",
            "ProcessPostfix"
        ]
    );
    assert_eq!(before, after, "the handler saw different variables");
    // What 0.6.3 gave the handler for an image: its metadata and the directories.
    let available = &before[2];
    for (key, value) in [
        ("VMCATCHER_EVENT_DC_IDENTIFIER", IMAGE_A),
        ("VMCATCHER_EVENT_FILENAME", IMAGE_A),
        ("VMCATCHER_EVENT_HV_SIZE", &A.len().to_string()),
        ("VMCATCHER_EVENT_HV_FORMAT", "raw"),
        ("VMCATCHER_EVENT_VO", "testvo"),
        ("VMCATCHER_CACHE_DIR_CACHE", "<site>/vmimages/endorsed"),
    ] {
        assert_eq!(available[key], Value::from(value), "{key}");
    }
}
