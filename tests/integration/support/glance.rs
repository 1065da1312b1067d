//! A real OpenStack Glance for the tests: glance and python-openstackclient from PyPI in a
//! virtualenv under the target directory (made once, under a lock, reused while the pinned
//! versions stay the same), and one Glance API per test on a free loopback port, with the
//! filesystem store and SQLite in the test's temp dir, Keystone-less (`flavor =` empty),
//! run by gunicorn under `timeout` (it stops by itself) and stopped by PID on drop.
//!
//! In CI (`CI` set) a missing Python >= 3.11 or a failed install is a test failure;
//! elsewhere the test is skipped with a message saying what to install.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::io::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The pinned versions; the virtualenv's name follows them.
const PACKAGES: &[&str] = &[
    "glance==33.0.0",
    "python-openstackclient==10.5.0",
    "gunicorn==27.0.1",
];
const VENV: &str = "glance-venv-33.0.0-osc-10.5.0-gunicorn-27.0.1";
/// Seconds a Glance server lives at most, whatever happens to the test.
const LIFETIME: u32 = 900;
/// Time allowed for the pip install on a fresh machine.
const INSTALL_LIMIT: Duration = Duration::from_secs(600);

/// The target directory: the binary under test is `<target>/<profile>/vmcatcher`.
fn target_dir() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_vmcatcher"));
    bin.parent()
        .and_then(Path::parent)
        .expect("target directory")
        .to_path_buf()
}

/// Fails in CI, skips (with a message) elsewhere.
#[track_caller]
pub(crate) fn unavailable(why: &str) -> Option<PathBuf> {
    assert!(
        std::env::var_os("CI").is_none(),
        "real OpenStack service unavailable in CI: {why}"
    );
    eprintln!("real OpenStack service unavailable ({why}): test skipped; install Python >= 3.11 with venv (Debian: python3-venv) and reach PyPI");
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

/// The Glance virtualenv, made on first use (one test makes it, the others wait on the lock).
pub(crate) fn venv() -> Option<PathBuf> {
    venv_of(VENV, PACKAGES)
}

/// The virtualenv `name` with `packages` under `<target>/test-tools`, made on first use.
pub(crate) fn venv_of(venv_name: &str, packages: &[&str]) -> Option<PathBuf> {
    let tools = target_dir().join("test-tools");
    std::fs::create_dir_all(&tools).expect("test-tools directory");
    let venv = tools.join(venv_name);
    let ready = venv.join(".vmcatcher-ready");
    let lock = std::fs::File::create(tools.join(format!("{venv_name}.lock"))).expect("lock file");
    // SAFETY: flock(2) on a descriptor we own; released when `lock` is closed.
    let locked = unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) };
    assert_eq!(locked, 0, "cannot lock the virtualenv {venv_name}");
    if ready.exists() {
        return Some(venv);
    }
    let Some(python) = python() else {
        return unavailable("no Python >= 3.11 with venv");
    };
    let _ = std::fs::remove_dir_all(&venv);
    let started = Instant::now();
    let log = tools.join(format!("{venv_name}.log"));
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
        return unavailable(&format!("installing {} failed: {why}", packages.join(" ")));
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

/// A running Glance API.
pub(crate) struct Glance {
    pub url: String,
    pub venv: PathBuf,
    /// An admin token for the test's own reads (Glance behind Keystone).
    pub token: Option<String>,
    child: Child,
    root: tempfile::TempDir,
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

impl Glance {
    /// Starts a fresh Glance; `None` when it cannot be had outside CI (test skipped).
    pub(crate) fn start() -> Option<Glance> {
        Glance::start_with(None, free_port())
    }

    /// Starts a fresh Glance on `port`; behind `keystone` (its `keystone` paste flavor and
    /// default policies) or Keystone-less.
    pub(crate) fn start_with(
        keystone: Option<&super::keystone::Keystone>,
        port: u16,
    ) -> Option<Glance> {
        let venv = venv()?;
        let dir = tempfile::tempdir().expect("temp dir");
        let etc = dir.path().join("etc");
        for d in ["etc", "images", "staging", "tasks"] {
            std::fs::create_dir_all(dir.path().join(d)).expect("glance dirs");
        }
        std::fs::copy(
            venv.join("etc/glance/glance-api-paste.ini"),
            etc.join("glance-api-paste.ini"),
        )
        .expect("glance-api-paste.ini of the glance package");
        let d = dir.path().display();
        let conf = etc.join("glance-api.conf");
        std::fs::write(
            &conf,
            format!(
                "[DEFAULT]\nenabled_backends = fs:file\nbind_host = 127.0.0.1\n\
                 [glance_store]\ndefault_backend = fs\n\
                 [fs]\nfilesystem_store_datadir = {d}/images\n\
                 [os_glance_staging_store]\nfilesystem_store_datadir = {d}/staging\n\
                 [os_glance_tasks_store]\nfilesystem_store_datadir = {d}/tasks\n\
                 [database]\nconnection = sqlite:///{d}/glance.sqlite\n{}",
                match keystone {
                    None => "[paste_deploy]\nflavor =\n\
                             [oslo_policy]\nenforce_new_defaults = false\nenforce_scope = false\n"
                        .to_string(),
                    Some(k) => format!(
                        "[paste_deploy]\nflavor = keystone\n\
                         [keystone_authtoken]\nwww_authenticate_uri = {url}/v3\nauth_url = {url}\n\
                         auth_type = password\nusername = admin\npassword = {pw}\n\
                         project_name = admin\nuser_domain_name = Default\n\
                         project_domain_name = Default\n",
                        url = k.url,
                        pw = super::keystone::ADMIN_PASSWORD
                    ),
                }
            ),
        )
        .expect("glance-api.conf");
        run_logged(
            Command::new(venv.join("bin/glance-manage"))
                .arg("--config-file")
                .arg(&conf)
                .arg("db_sync")
                .env_clear()
                .env("PATH", "/usr/bin:/bin")
                .env("HOME", dir.path()),
            &dir.path().join("db_sync.log"),
            Duration::from_secs(120),
        )
        .unwrap_or_else(|e| panic!("glance-manage db_sync: {e}"));
        let child = gunicorn(
            &venv,
            port,
            "glance.wsgi.api:application",
            dir.path(),
            ("OS_GLANCE_CONFIG_DIR", &etc),
            &dir.path().join("glance-api.log"),
        );
        let mut glance = Glance {
            url: format!("http://127.0.0.1:{port}"),
            venv,
            token: keystone.map(|k| k.admin_token.clone()),
            child,
            root: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if glance.get("/versions").is_some() {
                return Some(glance);
            }
            if let Ok(Some(status)) = glance.child.try_wait() {
                panic!("Glance exited ({status}): {}", glance.log());
            }
            assert!(
                Instant::now() < deadline,
                "Glance did not answer: {}",
                glance.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.root.path().join("glance-api.log")).unwrap_or_default()
    }

    pub(crate) fn openstack(&self) -> PathBuf {
        self.venv.join("bin/openstack")
    }

    /// GET `path` of the API; the body of a 2xx answer.
    pub(crate) fn get(&self, path: &str) -> Option<String> {
        let (code, body) = self.exchange("GET", path, None)?;
        (200..300).contains(&code).then_some(body)
    }

    /// `method path` with a JSON `body`; the status code and the body.
    pub(crate) fn request(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        self.exchange(method, path, Some(body))
            .unwrap_or_else(|| panic!("{method} {path}: no answer from Glance"))
    }

    /// One HTTP/1.0 exchange (with the admin token behind Keystone); None when Glance
    /// does not answer.
    fn exchange(&self, method: &str, path: &str, body: Option<&str>) -> Option<(u16, String)> {
        let addr = self.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .ok()?;
        let auth = self
            .token
            .as_ref()
            .map(|t| format!("X-Auth-Token: {t}\r\n"))
            .unwrap_or_default();
        let content = body
            .map(|b| {
                format!(
                    "Content-Type: application/json\r\nContent-Length: {}\r\n",
                    b.len()
                )
            })
            .unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nAccept: application/json\r\n\
             {content}{auth}\r\n{}",
            body.unwrap_or("")
        )
        .ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        let (head, body) = answer.split_once("\r\n\r\n")?;
        let code: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
        Some((code, body.to_string()))
    }

    /// Every image Glance has, with its properties (flattened as the v2 API gives them).
    pub(crate) fn images(&self) -> Vec<serde_json::Value> {
        let body = self
            .get("/v2/images?limit=1000&visibility=all")
            .expect("GET /v2/images");
        let v: serde_json::Value = serde_json::from_str(&body).expect("images JSON");
        v["images"].as_array().cloned().unwrap_or_default()
    }
}

impl Drop for Glance {
    fn drop(&mut self) {
        stop_group(&mut self.child);
    }
}

/// Stops a server we started in a process group of its own (`timeout`, gunicorn and its
/// workers): SIGTERM, then SIGKILL after 10 s.
pub(crate) fn stop_group(child: &mut Child) {
    // SAFETY: signals the process group of the child we started.
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

/// Starts `app` under gunicorn on 127.0.0.1:`port` from `venv`, in `dir`, with `env`, under
/// `timeout LIFETIME` and in a process group of its own; output to `log`.
pub(crate) fn gunicorn(
    venv: &Path,
    port: u16,
    app: &str,
    dir: &Path,
    env: (&str, &Path),
    log: &Path,
) -> Child {
    let log = std::fs::File::create(log).expect("log");
    Command::new("/usr/bin/timeout")
        .arg(LIFETIME.to_string())
        .arg(venv.join("bin/gunicorn"))
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .args(["--worker-class", "gthread", "--threads", "4"])
        .arg("--no-control-socket")
        .arg("--chdir")
        .arg(dir)
        .arg(app)
        .env_clear()
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", venv.join("bin").display()),
        )
        .env("HOME", dir)
        .env(env.0, env.1)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .process_group(0)
        .spawn()
        .expect("start gunicorn")
}
