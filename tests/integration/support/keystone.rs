//! A real OpenStack Keystone for the tests: keystone from PyPI in a virtualenv of its own
//! (support/pyvenv.rs), SQLite and fernet keys in the test's temp dir, bootstrapped with an
//! admin, served by gunicorn on a free loopback port under `timeout`, stopped by PID on
//! drop. `setup` adds projects, users, role assignments and the image service's endpoint
//! through the REST API in one Python process (support/keystone_setup.py).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::pyvenv::{free_port, run_logged, stop_group, venv};

const PACKAGES: &[&str] = &["keystone==30.0.0", "gunicorn==27.0.1"];
const VENV: &str = "keystone-venv-30.0.0-gunicorn-27.0.1";
/// Seconds a Keystone server lives at most, whatever happens to the test.
const LIFETIME: u32 = 900;
pub(crate) const ADMIN_PASSWORD: &str = "admin-secret";
/// The password of Glance's service user.
pub(crate) const GLANCE_PASSWORD: &str = "glance-secret";
/// Keystone's WSGI module parses the process's argv (gunicorn's) as its own options and
/// fails in every worker: this wrapper clears it first.
const WSGI_WRAPPER: &str = "import sys\nsys.argv = sys.argv[:1]\nfrom keystone.wsgi.api import application  # noqa: E402\n";

pub(crate) struct Keystone {
    pub url: String,
    venv: PathBuf,
    child: Child,
    root: tempfile::TempDir,
    /// Project name -> id, after `setup`.
    pub projects: BTreeMap<String, String>,
}

impl Keystone {
    /// Starts a fresh Keystone; `None` when it cannot be had outside CI (test skipped).
    pub(crate) fn start() -> Option<Keystone> {
        let venv = venv("Keystone", VENV, PACKAGES)?;
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        for sub in ["fernet", "credential"] {
            std::fs::create_dir_all(d.join(sub)).expect("key dirs");
        }
        let conf = d.join("keystone.conf");
        std::fs::write(
            &conf,
            format!(
                "[database]\nconnection = sqlite:///{d}/keystone.sqlite\n\
                 [token]\nprovider = fernet\n\
                 [fernet_tokens]\nkey_repository = {d}/fernet\n\
                 [fernet_receipts]\nkey_repository = {d}/fernet\n\
                 [credential]\nkey_repository = {d}/credential\n",
                d = d.display()
            ),
        )
        .expect("keystone.conf");
        std::fs::write(d.join("vmcatcher_keystone_wsgi.py"), WSGI_WRAPPER).expect("wrapper");
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");
        let v3 = format!("{url}/v3");
        let manage = |args: &[&str], log: &str| {
            run_logged(
                Command::new(venv.join("bin/keystone-manage"))
                    .arg("--config-file")
                    .arg(&conf)
                    .args(args)
                    .env_clear()
                    .env("PATH", "/usr/bin:/bin")
                    .env("HOME", d),
                &d.join(log),
                Duration::from_secs(180),
            )
            .unwrap_or_else(|e| panic!("keystone-manage {args:?}: {e}"));
        };
        manage(&["db_sync"], "db_sync.log");
        let user = ["--keystone-user", "root", "--keystone-group", "root"];
        manage(&[&["fernet_setup"][..], &user].concat(), "fernet.log");
        manage(
            &[&["credential_setup"][..], &user].concat(),
            "credential.log",
        );
        manage(
            &[
                "bootstrap",
                "--bootstrap-password",
                ADMIN_PASSWORD,
                "--bootstrap-admin-url",
                &v3,
                "--bootstrap-internal-url",
                &v3,
                "--bootstrap-public-url",
                &v3,
                "--bootstrap-region-id",
                "RegionOne",
            ],
            "bootstrap.log",
        );
        let log = std::fs::File::create(d.join("keystone.log")).expect("log");
        let child = Command::new("/usr/bin/timeout")
            .arg(LIFETIME.to_string())
            .arg(venv.join("bin/gunicorn"))
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .args(["--worker-class", "gthread", "--threads", "4"])
            .arg("--no-control-socket")
            .arg("vmcatcher_keystone_wsgi:application")
            .env_clear()
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", venv.join("bin").display()),
            )
            .env("HOME", d)
            .env("PYTHONPATH", d)
            .env("OS_KEYSTONE_CONFIG_FILES", &conf)
            .current_dir(d)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("start gunicorn");
        let mut keystone = Keystone {
            url,
            venv,
            child,
            root: dir,
            projects: BTreeMap::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(90);
        while keystone.request("GET", "/v3", None).is_none() {
            if let Ok(Some(status)) = keystone.child.try_wait() {
                panic!("Keystone exited ({status}): {}", keystone.log());
            }
            assert!(
                Instant::now() < deadline,
                "Keystone did not answer: {}",
                keystone.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        Some(keystone)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.root.path().join("keystone.log")).unwrap_or_default()
    }

    /// Adds the `service` project with Glance's service user, then `specs`
    /// (`project:NAME`, `user:NAME:PASSWORD`, `role:USER:PROJECT:ROLE`), and registers
    /// `glance_url` as the image service.
    pub(crate) fn setup(&mut self, glance_url: &str, specs: &[&str]) {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/integration/support/keystone_setup.py");
        let mut all = vec![
            "project:service".to_string(),
            format!("user:glance:{GLANCE_PASSWORD}"),
            "role:glance:service:admin".to_string(),
        ];
        all.extend(specs.iter().map(|s| (*s).to_string()));
        let out = Command::new(self.venv.join("bin/python"))
            .arg(script)
            .args([&self.url, ADMIN_PASSWORD, glance_url])
            .args(&all)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .stdin(Stdio::null())
            .output()
            .expect("keystone_setup.py");
        assert!(
            out.status.success(),
            "keystone_setup.py: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.projects = serde_json::from_slice(&out.stdout).expect("project ids");
    }

    /// A project-scoped token of the admin, for the test's own reads of Glance.
    pub(crate) fn admin_token(&self) -> String {
        let body = serde_json::json!({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "admin", "domain": {"id": "default"}, "password": ADMIN_PASSWORD}}},
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}});
        let head = self
            .request("POST", "/v3/auth/tokens", Some(&body.to_string()))
            .expect("admin token");
        head.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("x-subject-token")
                    .then(|| v.trim().to_string())
            })
            .expect("X-Subject-Token")
    }

    /// The `OS_*` settings of a user scoped to a project, as a hook's env file has them.
    pub(crate) fn credentials(&self, user: &str, password: &str, project: &str) -> String {
        format!(
            "OS_AUTH_URL={}/v3\nOS_USERNAME={user}\nOS_PASSWORD={password}\n\
             OS_PROJECT_NAME={project}\nOS_USER_DOMAIN_NAME=Default\n\
             OS_PROJECT_DOMAIN_NAME=Default\nOS_IDENTITY_API_VERSION=3\n\
             OS_IMAGE_API_VERSION=2\n",
            self.url
        )
    }

    /// One HTTP/1.0 request; the head of a 2xx answer.
    fn request(&self, method: &str, path: &str, body: Option<&str>) -> Option<String> {
        let addr = self.url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).ok()?;
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .ok()?;
        let body = body.unwrap_or("");
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: {addr}\r\nAccept: application/json\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        let (head, _) = answer.split_once("\r\n\r\n")?;
        let code: u16 = head.split_whitespace().nth(1)?.parse().ok()?;
        (200..300).contains(&code).then(|| head.to_string())
    }
}

impl Drop for Keystone {
    fn drop(&mut self) {
        stop_group(&mut self.child);
    }
}
