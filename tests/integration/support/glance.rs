//! A real OpenStack Glance for the tests: glance and python-openstackclient from PyPI in a
//! virtualenv under the target directory (made once, under a lock, reused while the pinned
//! versions stay the same), and one Glance API per test on a free loopback port, with the
//! filesystem store and SQLite in the test's temp dir, Keystone-less (`flavor =` empty)
//! or authenticating with a real Keystone (support/keystone.rs), run by gunicorn under `timeout` (it stops by itself) and stopped by PID on drop.
//!
//! In CI (`CI` set) a missing Python >= 3.11 or a failed install is a test failure;
//! elsewhere the test is skipped with a message saying what to install.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::keystone::{Keystone, GLANCE_PASSWORD};
use super::pyvenv::{free_port, run_logged, stop_group, venv};

/// The pinned versions; the virtualenv's name follows them.
const PACKAGES: &[&str] = &[
    "glance==33.0.0",
    "python-openstackclient==10.5.0",
    "gunicorn==27.0.1",
];
const VENV: &str = "glance-venv-33.0.0-osc-10.5.0-gunicorn-27.0.1";
/// Seconds a Glance server lives at most, whatever happens to the test.
const LIFETIME: u32 = 900;

/// A running Glance API.
pub(crate) struct Glance {
    pub url: String,
    pub venv: PathBuf,
    child: Child,
    root: tempfile::TempDir,
    /// With Keystone: an admin token for the test's own API reads.
    token: Option<String>,
}

impl Glance {
    /// Starts a fresh Glance; `None` when it cannot be had outside CI (test skipped).
    pub(crate) fn start() -> Option<Glance> {
        Glance::start_with(None)
    }

    /// A Glance that authenticates with `keystone` (the `keystone` paste flavor, its
    /// service user `glance`) and enforces Glance's default policies.
    pub(crate) fn start_with_keystone(keystone: &Keystone) -> Option<Glance> {
        Glance::start_with(Some(keystone))
    }

    fn start_with(keystone: Option<&Keystone>) -> Option<Glance> {
        let venv = venv("Glance", VENV, PACKAGES)?;
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
        let auth = match keystone {
            None => "[paste_deploy]\nflavor =\n\
                     [oslo_policy]\nenforce_new_defaults = false\nenforce_scope = false\n"
                .to_string(),
            Some(k) => format!(
                "[paste_deploy]\nflavor = keystone\n\
                 [keystone_authtoken]\nwww_authenticate_uri = {url}/v3\nauth_url = {url}/v3\n\
                 auth_type = password\nproject_domain_name = Default\n\
                 user_domain_name = Default\nproject_name = service\nusername = glance\n\
                 password = {password}\ninterface = public\n",
                url = k.url,
                password = GLANCE_PASSWORD
            ),
        };
        std::fs::write(
            &conf,
            format!(
                "[DEFAULT]\nenabled_backends = fs:file\nbind_host = 127.0.0.1\n\
                 [glance_store]\ndefault_backend = fs\n\
                 [fs]\nfilesystem_store_datadir = {d}/images\n\
                 [os_glance_staging_store]\nfilesystem_store_datadir = {d}/staging\n\
                 [os_glance_tasks_store]\nfilesystem_store_datadir = {d}/tasks\n\
                 [database]\nconnection = sqlite:///{d}/glance.sqlite\n\
                 {auth}"
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
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("glance-api.log")).expect("log");
        let child = Command::new("/usr/bin/timeout")
            .arg(LIFETIME.to_string())
            .arg(venv.join("bin/gunicorn"))
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .args(["--worker-class", "gthread", "--threads", "4"])
            .arg("--no-control-socket")
            .arg("glance.wsgi.api:application")
            .env_clear()
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", venv.join("bin").display()),
            )
            .env("HOME", dir.path())
            .env("OS_GLANCE_CONFIG_DIR", &etc)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("start gunicorn");
        let mut glance = Glance {
            url: format!("http://127.0.0.1:{port}"),
            venv,
            child,
            root: dir,
            token: keystone.map(Keystone::admin_token),
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

    /// Runs the `openstack` CLI against this Glance (Keystone-less); its stdout.
    pub(crate) fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(self.openstack())
            .args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", self.root.path())
            .env("OS_AUTH_TYPE", "none")
            .env("OS_ENDPOINT", &self.url)
            .stdin(Stdio::null())
            .output()
            .expect("openstack");
        assert!(
            out.status.success(),
            "openstack {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// GET `path` of the API; the body of a 2xx answer.
    pub(crate) fn get(&self, path: &str) -> Option<String> {
        self.request("GET", path, None)
    }

    /// One request to the API (a JSON body for POST); the body of a 2xx answer.
    pub(crate) fn request(&self, method: &str, path: &str, body: Option<&str>) -> Option<String> {
        let addr = self.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .ok()?;
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nAccept: application/json\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n{}\r\n{}",
            body.map_or(0, str::len),
            self.token
                .as_ref()
                .map(|t| format!("X-Auth-Token: {t}\r\n"))
                .unwrap_or_default(),
            body.unwrap_or("")
        )
        .ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        let (head, body) = answer.split_once("\r\n\r\n")?;
        let code: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
        (200..300).contains(&code).then(|| body.to_string())
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
