//! The README's first command ends with examples/quickstart.sh: it must keep working.

use std::process::Command;

#[test]
fn quickstart_runs_and_ends_with_a_cached_image() {
    let root = env!("CARGO_MANIFEST_DIR");
    let home = tempfile::tempdir().unwrap();
    let output = Command::new("bash")
        .arg(format!("{root}/examples/quickstart.sh"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home.path())
        .env("VMCATCHER", env!("CARGO_BIN_EXE_vmcatcher"))
        .current_dir(home.path())
        .output()
        .expect("run quickstart.sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "quickstart failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("is verified and cached"), "{stdout}");
    let cache_list = stdout.split("cache list").nth(1).unwrap_or("");
    assert!(
        cache_list.contains("\t3\t"),
        "cache list shows the image with state 3:\n{stdout}"
    );
}
