//! Real tools the tests drive (fish, systemd-analyze, …). In CI (`CI` set) a missing tool
//! is a failure: `.ci/run` installs them all. Elsewhere the test is skipped with a message
//! naming the Debian package.

use std::path::Path;

/// Whether `program` is there; panics in CI when it is not.
#[track_caller]
pub(crate) fn available(program: &str, package: &str) -> bool {
    if Path::new(program).exists() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{program} is missing in CI: .ci/run must install the Debian package {package}"
    );
    eprintln!("{program} is not installed (Debian package {package}): test skipped");
    false
}
