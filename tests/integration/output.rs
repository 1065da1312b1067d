//! Every command's output, `lines` and `json`, compared whole with the snapshots in
//! `tests/snapshots/output/` (what changes from run to run — temp paths, ports, dates,
//! random UUIDs, signatures — is replaced by a placeholder first). `lines` is the
//! original's contract and `json` the documented schema: neither may change unnoticed.

use crate::support::lists::{IMAGE_A, LIST_ID};
use crate::support::site::Site;
use crate::support::snapshot::assert_snapshot;

/// A site with an endorser, a subscription, image A cached, events journaled.
fn populated() -> Site {
    let mut site = Site::new();
    site.env.set("VMCATCHER_CACHE_EVENT", "true");
    site.run(&["image", "subscribe", IMAGE_A]).success();
    site.run(&["cache"]).success();
    site
}

fn normalize(site: &Site, text: &str) -> String {
    let root = site.env.root().display().to_string();
    let text = text.replace(&root, "<TMP>");
    let text = text.replace(&site.server.port().to_string(), "<PORT>");
    let rules = [
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<DATE>"),
        (r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", "<DATE>"),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
            "<UUID>",
        ),
        (r"[0-9a-f]{128}", "<SHA512>"),
    ];
    let mut text = text;
    for (pattern, placeholder) in rules {
        text = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&text, placeholder)
            .into_owned();
    }
    text
}

fn snapshot(site: &Site, name: &str, args: &[&str]) {
    let mut out = String::new();
    for format in ["lines", "json"] {
        let mut all = args.to_vec();
        all.extend(["-f", format]);
        let run = site.run(&all);
        run.success();
        let header = format!("===== vmcatcher {} -f {format}\n", args.join(" "));
        out.push_str(&normalize(site, &header));
        out.push_str(&normalize(site, &run.stdout));
    }
    assert_snapshot(&format!("output/{name}.txt"), &out);
}

#[test]
fn every_listing_matches_its_snapshot() {
    let site = populated();
    let file = site.env.write(
        "list.smime",
        crate::support::lists::ListSpec::new("1").signed(),
    );
    let file = file.to_str().unwrap();
    for (name, args) in [
        ("endorser-list", &["endorser", "list"][..]),
        ("endorser-links", &["endorser", "links"]),
        ("subscribe-list", &["subscribe", "list"]),
        ("subscribe-show", &["subscribe", "show", LIST_ID]),
        ("image-list", &["image", "list"]),
        ("image-show", &["image", "show", IMAGE_A]),
        ("cache-list", &["cache", "list"]),
        ("events-list", &["events", "list"]),
        ("hooks-list", &["hooks", "list"]),
        ("config-show", &["config", "show"]),
        ("verify", &["verify", file]),
    ] {
        snapshot(&site, name, args);
    }
    // endorser show needs the generated endorser name.
    let endorsers = site.run(&["endorser", "list", "-f", "json"]);
    let value: serde_json::Value = serde_json::from_str(&endorsers.stdout).unwrap();
    let id = value[0]["identifier"].as_str().unwrap().to_string();
    snapshot(&site, "endorser-show", &["endorser", "show", &id]);
}

#[test]
fn image_list_long_says_each_state_in_words() {
    let site = populated();
    let run = site.run(&["image", "list", "-l"]);
    let text = normalize(&site, &run.success().stdout);
    assert_snapshot("output/image-list-long.txt", &text);
    assert!(text.contains("  cached  "), "{text}");
    assert!(text.contains("  available  "), "{text}");
    // Selected but not downloaded yet.
    let b = crate::support::lists::IMAGE_B;
    site.run(&["image", "subscribe", b]).success();
    let run = site.run(&["image", "list", "--long"]);
    assert!(
        run.success()
            .stdout
            .lines()
            .any(|l| l.starts_with(b) && l.contains("  selected  ")),
        "{}",
        run.stdout
    );
    // The default lines stay the original's, whatever -l adds.
    let plain = site.run(&["image", "list"]);
    assert!(plain
        .success()
        .stdout
        .lines()
        .all(|l| l.split('\t').count() == 3));
}
