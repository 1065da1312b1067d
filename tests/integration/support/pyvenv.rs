//! Python tools for the tests (Glance, Keystone): a virtualenv per pinned set of packages
//! under the target directory, made once under a lock and reused while the versions stay
//! the same, and servers run in their own process group, stopped by PID.
//!
//! In CI (`CI` set) a missing Python >= 3.11 or a failed install is a test failure;
//! elsewhere the test is skipped with a message saying what to install.

use std::net::TcpListener;
use std::os::unix::io::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Time allowed for the pip install on a fresh machine.
const INSTALL_LIMIT: Duration = Duration::from_secs(600);

/// The target directory: the binary under test is `<target>/<profile>/vmcatcher`.
pub(crate) fn target_dir() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_vmcatcher"));
    bin.parent()
        .and_then(Path::parent)
        .expect("target directory")
        .to_path_buf()
}

/// Fails in CI, skips (with a message) elsewhere.
#[track_caller]
pub(crate) fn unavailable<T>(what: &str, why: &str) -> Option<T> {
    assert!(
        std::env::var_os("CI").is_none(),
        "real {what} unavailable in CI: {why}"
    );
    eprintln!("real {what} unavailable ({why}): test skipped; install Python >= 3.11 with venv (Debian: python3-venv) and reach PyPI");
    None
}

/// A Python >= 3.11 with venv.
fn python() -> Option<PathBuf> {
    for candidate in [
        "/usr/bin/python3",
        "/usr/bin/python3.13",
        "/usr/bin/python3.12",
        "/usr/bin/python3.11",
    ] {
        let ok = Command::new(candidate)
            .args([
                "-c",
                "import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 11) else 1)",
            ])
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if ok {
            return Some(PathBuf::from(candidate));
        }
    }
    None
}

/// Runs `cmd` within `limit`; its output goes to `log`.
pub(crate) fn run_logged(cmd: &mut Command, log: &Path, limit: Duration) -> Result<(), String> {
    let out = std::fs::File::create(log).map_err(|e| e.to_string())?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            if status.success() {
                return Ok(());
            }
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(5).collect();
            return Err(format!(
                "{cmd:?} failed ({status}): {}",
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ));
        }
        if Instant::now() >= deadline {
            // SAFETY: signals the process group of the child we started.
            unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL) };
            let _ = child.wait();
            return Err(format!("{cmd:?} did not finish within {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The virtualenv `name` with `packages`, made on first use (one test makes it, the
/// others wait on the lock); `what` names it in skip messages.
pub(crate) fn venv(what: &str, name: &str, packages: &[&str]) -> Option<PathBuf> {
    let tools = target_dir().join("test-tools");
    std::fs::create_dir_all(&tools).expect("test-tools directory");
    let venv = tools.join(name);
    let ready = venv.join(".vmcatcher-ready");
    let lock = std::fs::File::create(tools.join(format!("{name}.lock"))).expect("lock file");
    // SAFETY: flock(2) on a descriptor we own; released when `lock` is closed.
    let locked = unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) };
    assert_eq!(locked, 0, "cannot lock the Glance virtualenv");
    if ready.exists() {
        return Some(venv);
    }
    let Some(python) = python() else {
        return unavailable(what, "no Python >= 3.11 with venv");
    };
    let _ = std::fs::remove_dir_all(&venv);
    let started = Instant::now();
    let log = tools.join(format!("{name}.log"));
    let home = tools.join("pip-home");
    let _ = std::fs::create_dir_all(&home);
    let made = run_logged(
        Command::new(&python)
            .args(["-m", "venv"])
            .arg(&venv)
            .env_clear()
            .env("PATH", "/usr/bin:/bin"),
        &log,
        INSTALL_LIMIT,
    )
    .and_then(|()| {
        run_logged(
            Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .args(packages)
                .env_clear()
                .env("PATH", "/usr/bin:/bin")
                .env("HOME", &home),
            &log,
            INSTALL_LIMIT,
        )
    });
    if let Err(why) = made {
        let _ = std::fs::remove_dir_all(&venv);
        return unavailable(
            what,
            &format!("installing {} failed: {why}", packages.join(" ")),
        );
    }
    std::fs::write(&ready, packages.join("\n")).expect("ready marker");
    eprintln!(
        "installed {} into {} in {:.0} s",
        packages.join(" "),
        venv.display(),
        started.elapsed().as_secs_f64()
    );
    Some(venv)
}

/// A free loopback port.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Stops a server started in its own process group: SIGTERM, then SIGKILL after 10 s.
pub(crate) fn stop_group(child: &mut Child) {
    // SAFETY: signals the process group of a child we started.
    unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: as above.
    unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL) };
    let _ = child.wait();
}
