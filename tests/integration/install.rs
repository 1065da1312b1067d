//! Packaging: scripts/install.sh with DESTDIR, the systemd units, the example config.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs scripts/install.sh with DESTDIR=`dest` and PREFIX=/usr (the rest as defaulted).
pub(crate) fn install(dest: &Path, uninstall: bool) -> std::process::Output {
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("scripts/install.sh"));
    if uninstall {
        cmd.arg("--uninstall");
    }
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("DESTDIR", dest)
        .env("PREFIX", "/usr")
        .env("VMCATCHER_BIN", env!("CARGO_BIN_EXE_vmcatcher"))
        .output()
        .expect("run install.sh")
}

fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

#[test]
fn install_into_destdir_then_uninstall() {
    let dest = tempfile::tempdir().unwrap();
    let d = dest.path();
    let out = install(d, false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for path in [
        "usr/bin/vmcatcher",
        "usr/share/man/man1/vmcatcher.1",
        "usr/share/man/man1/vmcatcher-subscribe-update.1",
        "usr/share/bash-completion/completions/vmcatcher",
        "usr/share/zsh/site-functions/_vmcatcher",
        "usr/share/fish/vendor_completions.d/vmcatcher.fish",
        "usr/libexec/vmcatcher/hooks",
        "etc/vmcatcher/vmcatcher.toml",
        "usr/lib/systemd/system/vmcatcher-sync.service",
        "usr/lib/systemd/system/vmcatcher-sync.timer",
        "usr/lib/systemd/system/vmcatcher-events.service",
        "usr/lib/systemd/system/vmcatcher-events.timer",
        "usr/share/doc/vmcatcher/cron.d-vmcatcher",
        "usr/share/doc/vmcatcher/vmcatcher-textfile.conf",
    ] {
        assert!(d.join(path).exists(), "{path} missing");
    }
    // The service runs as root (tests/integration/service.rs): no service user.
    assert!(!d.join("usr/lib/sysusers.d/vmcatcher.conf").exists());
    let service =
        std::fs::read_to_string(d.join("usr/lib/systemd/system/vmcatcher-sync.service")).unwrap();
    assert!(
        service.contains("ExecStart=/usr/bin/vmcatcher sync"),
        "{service}"
    );
    let textfile =
        std::fs::read_to_string(d.join("usr/share/doc/vmcatcher/vmcatcher-textfile.conf")).unwrap();
    assert!(
        textfile.contains("'/usr/bin/vmcatcher status -f prometheus") && !textfile.contains('@'),
        "{textfile}"
    );
    let hooks: Vec<PathBuf> = files_below(&d.join("usr/libexec/vmcatcher/hooks"));
    let shipped = std::fs::read_dir(root().join("plugins"))
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("vmcatcher-hook-")
        })
        .count();
    assert_eq!(hooks.len(), shipped);
    // The installed binary runs.
    let version = Command::new(d.join("usr/bin/vmcatcher"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("vmcatcher "));
    // Man pages are readable with man -l where man is installed.
    if crate::support::tools::available("/usr/bin/man", "man-db") {
        let page = Command::new("man")
            .arg("-l")
            .arg(d.join("usr/share/man/man1/vmcatcher.1"))
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&page.stdout);
        assert!(
            page.status.success() && text.contains("ENVIRONMENT") && text.contains("EXIT STATUS"),
            "{text}"
        );
    }

    let out = install(d, true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        files_below(d),
        Vec::<PathBuf>::new(),
        "uninstall leaves no file"
    );
}

#[test]
fn a_changed_configuration_survives_reinstall_and_uninstall() {
    let dest = tempfile::tempdir().unwrap();
    let d = dest.path();
    assert!(install(d, false).status.success());
    let config = d.join("etc/vmcatcher/vmcatcher.toml");
    std::fs::write(&config, "lock_timeout = 5\n").unwrap();
    assert!(install(d, false).status.success());
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        "lock_timeout = 5\n"
    );
    assert!(install(d, true).status.success());
    assert!(config.exists(), "a site's configuration is never removed");
}

#[test]
fn systemd_units_verify() {
    let analyze = Path::new("/usr/bin/systemd-analyze");
    if !crate::support::tools::available("/usr/bin/systemd-analyze", "systemd") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_vmcatcher")).parent().unwrap();
    let units = [
        "vmcatcher-sync.service",
        "vmcatcher-sync.timer",
        "vmcatcher-events.service",
        "vmcatcher-events.timer",
    ];
    for unit in units {
        let text = std::fs::read_to_string(root().join("contrib/systemd").join(unit)).unwrap();
        std::fs::write(
            dir.path().join(unit),
            text.replace("@BINDIR@", &bin_dir.display().to_string()),
        )
        .unwrap();
    }
    let out = Command::new(analyze)
        .args([
            "verify",
            "--man=no",
            "./vmcatcher-sync.service",
            "./vmcatcher-sync.timer",
            "./vmcatcher-events.service",
            "./vmcatcher-events.timer",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_example_configuration_states_the_defaults() {
    let example = std::fs::read_to_string(root().join("contrib/vmcatcher.toml")).unwrap();
    // The paths are set (so root's shell, the unit and cron agree whatever the defaults),
    // every other key is there commented out; all with root's default value.
    for key in [
        "database = ",
        "cert_dir = ",
        "dir = ",
        "partial_dir = ",
        "expired_dir = ",
        "hook_dirs = ",
    ] {
        assert!(
            example.lines().any(|l| l.starts_with(key)),
            "{key} is not set in the example"
        );
    }
    let uncommented: String = example
        .lines()
        .map(|l| match l.strip_prefix('#') {
            Some(rest) if rest.contains(" = ") && !rest.starts_with(' ') => rest,
            _ => l,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("all.toml");
    std::fs::write(&file, &uncommented).unwrap();
    let load = |config: &Path| {
        let env = vmcatcher::config::Environment::new(
            [("VMCATCHER_CONFIG".to_string(), config.display().to_string())],
            true,
        );
        vmcatcher::config::Config::load(&Default::default(), &env).expect("config")
    };
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    let from_file = load(&file).entries();
    let defaults = load(&empty).entries();
    assert_eq!(from_file.len(), defaults.len());
    for (f, d) in from_file.iter().zip(&defaults) {
        if f.key == "config" {
            continue;
        }
        assert_eq!(
            (f.key, &f.value),
            (d.key, &d.value),
            "the example states another default"
        );
        assert!(
            f.source.starts_with("file "),
            "{} is not in the example",
            f.key
        );
    }
}
