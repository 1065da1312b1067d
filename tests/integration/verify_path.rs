//! `vmcatcher verify <plain path>` reads the file with the checks of a `file://` URL: a
//! regular file, at most 64 MiB (it used to read `/dev/zero` until 4 GB, and hang on a
//! FIFO).

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::lists::{image, trust_dir, ListSpec, IMAGE_A, IMAGE_B};
use crate::support::pki::TrustDirOptions;
use crate::support::TestEnv;

const LIMIT: Duration = Duration::from_secs(20);

fn env() -> TestEnv {
    let env = TestEnv::new();
    trust_dir(&env, &TrustDirOptions::default());
    env
}

fn list(version: &str, a_uri: &str, b_uri: &str) -> Vec<u8> {
    let mut spec = ListSpec::new(version);
    spec.images = vec![image(IMAGE_A, b"a", a_uri), image(IMAGE_B, b"b", b_uri)];
    spec.signed()
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(ok.success());
}

#[test]
fn verify_of_an_endless_device_fails_at_once() {
    let env = env();
    env.run_within(&["verify", "/dev/zero"], LIMIT)
        .failure(10, &["/dev/zero is a character device, not a regular file"]);
}

#[test]
fn verify_of_a_fifo_fails_at_once() {
    let env = env();
    let fifo = env.path("list.fifo");
    mkfifo(&fifo);
    env.run_within(&["verify", fifo.to_str().unwrap()], LIMIT)
        .failure(
            10,
            &["list.fifo is a FIFO (named pipe), not a regular file"],
        );
}

#[test]
fn verify_of_a_file_over_the_list_limit_is_refused_unread() {
    let env = env();
    let big = env.path("huge.smime");
    let file = fs::File::create(&big).unwrap();
    file.set_len(64 * 1024 * 1024 + 1).unwrap(); // sparse: nothing is written
    env.run_within(&["verify", big.to_str().unwrap()], LIMIT)
        .failure(
            10,
            &["huge.smime", "larger than the limit of 67108864 bytes"],
        );
    // A regular list still verifies from a plain path.
    let good = env.write(
        "good.smime",
        list("1", "http://127.0.0.1:9/a", "http://127.0.0.1:9/b"),
    );
    env.run(&["verify", good.to_str().unwrap()]).success();
}
