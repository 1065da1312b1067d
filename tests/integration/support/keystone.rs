//! A real OpenStack Keystone for the tests: keystone 30 from PyPI in a virtualenv under the
//! target directory (as the Glance one, support/glance.rs), SQLite, fernet keys, the
//! bootstrapped `admin`, a `member` user with the member role on project `vo-a`, projects
//! `vo-a` and `vo-b`, and the image service in the catalog. One per test, on a free
//! loopback port, run by gunicorn under `timeout` and stopped by PID on drop.
//!
//! Keystone's WSGI entry point parses the process's argv, which is gunicorn's, and every
//! worker would die on it: a three-line module clears `sys.argv` first.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::glance::{free_port, gunicorn, run_logged, stop_group, venv_of};

const PACKAGES: &[&str] = &["keystone==30.0.0", "gunicorn==27.0.1"];
const VENV: &str = "keystone-venv-30.0.0-gunicorn-27.0.1";
pub(crate) const ADMIN_PASSWORD: &str = "admin-secret-of-the-test";
pub(crate) const MEMBER_PASSWORD: &str = "member-secret-of-the-test";

const WSGI: &str = "import sys\nsys.argv = sys.argv[:1]\n\
from keystone.server.wsgi import initialize_public_application\n\
application = initialize_public_application()\n";

/// Creates the projects, the member user and the catalog's image endpoint; prints the
/// project IDs and an admin token as JSON.
const SETUP: &str = r#"import json, sys, urllib.request
ks, password, glance_url, member_password = sys.argv[1:5]
def call(method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["X-Auth-Token"] = token
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(ks + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.headers, json.loads(r.read() or b"{}")
auth = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
    "name": "admin", "domain": {"name": "Default"}, "password": password}}},
    "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
h, _ = call("POST", "/v3/auth/tokens", auth)
t = h["X-Subject-Token"]
out = {"token": t}
for name in ("vo-a", "vo-b"):
    _, p = call("POST", "/v3/projects", {"project": {"name": name, "domain_id": "default"}}, t)
    out[name] = p["project"]["id"]
_, u = call("POST", "/v3/users", {"user": {"name": "member", "domain_id": "default",
                                           "password": member_password}}, t)
_, roles = call("GET", "/v3/roles?name=member", None, t)
role = roles["roles"][0]["id"]
call("PUT", f"/v3/projects/{out['vo-a']}/users/{u['user']['id']}/roles/{role}", None, t)
_, s = call("POST", "/v3/services", {"service": {"type": "image", "name": "glance"}}, t)
for iface in ("public", "internal", "admin"):
    call("POST", "/v3/endpoints", {"endpoint": {"service_id": s["service"]["id"],
         "interface": iface, "url": glance_url, "region_id": "RegionOne"}}, t)
print(json.dumps(out))
"#;

pub(crate) struct Keystone {
    pub url: String,
    pub admin_token: String,
    /// Project name -> ID (`vo-a`, `vo-b`).
    pub projects: BTreeMap<String, String>,
    child: Child,
    root: tempfile::TempDir,
}

impl Keystone {
    /// Starts a fresh Keystone whose catalog names the Glance at `glance_url`; `None`
    /// when it cannot be had outside CI (test skipped).
    pub(crate) fn start(glance_url: &str) -> Option<Keystone> {
        let venv = venv_of(VENV, PACKAGES)?;
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        let etc = d.join("etc");
        std::fs::create_dir_all(&etc).unwrap();
        let conf = etc.join("keystone.conf");
        std::fs::write(
            &conf,
            format!(
                "[database]\nconnection = sqlite:///{p}/keystone.sqlite\n\
                 [token]\nprovider = fernet\n\
                 [fernet_tokens]\nkey_repository = {p}/fernet-keys\n\
                 [fernet_receipts]\nkey_repository = {p}/fernet-receipts\n\
                 [credential]\nkey_repository = {p}/credential-keys\n",
                p = d.display()
            ),
        )
        .unwrap();
        std::fs::write(d.join("vmcatcher_keystone_wsgi.py"), WSGI).unwrap();
        let port = free_port();
        let url = format!("http://127.0.0.1:{port}");
        // SAFETY: getuid/getgid cannot fail.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
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
        let (u, g) = (uid.to_string(), gid.to_string());
        let owner = [
            "--keystone-user",
            u.as_str(),
            "--keystone-group",
            g.as_str(),
        ];
        manage(&[&["fernet_setup"][..], &owner].concat(), "fernet.log");
        manage(
            &[&["credential_setup"][..], &owner].concat(),
            "credential.log",
        );
        let v3 = format!("{url}/v3");
        manage(
            &[
                "bootstrap",
                "--bootstrap-password",
                ADMIN_PASSWORD,
                "--bootstrap-admin-url",
                &v3,
                "--bootstrap-public-url",
                &v3,
                "--bootstrap-internal-url",
                &v3,
                "--bootstrap-region-id",
                "RegionOne",
            ],
            "bootstrap.log",
        );
        let child = gunicorn(
            &venv,
            port,
            "vmcatcher_keystone_wsgi:application",
            d,
            ("OS_KEYSTONE_CONFIG_DIR", &etc),
            &d.join("keystone.log"),
        );
        let mut keystone = Keystone {
            url,
            admin_token: String::new(),
            projects: BTreeMap::new(),
            child,
            root: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(90);
        let setup = loop {
            let out = Command::new(venv.join("bin/python"))
                .arg("-c")
                .arg(SETUP)
                .args([&keystone.url, ADMIN_PASSWORD, glance_url, MEMBER_PASSWORD])
                .env_clear()
                .stdin(Stdio::null())
                .output()
                .expect("python");
            if out.status.success() {
                break out.stdout;
            }
            if let Ok(Some(status)) = keystone.child.try_wait() {
                panic!("Keystone exited ({status}): {}", keystone.log());
            }
            assert!(
                Instant::now() < deadline,
                "Keystone did not answer: {}\n{}",
                String::from_utf8_lossy(&out.stderr),
                keystone.log()
            );
            std::thread::sleep(Duration::from_millis(500));
        };
        let v: serde_json::Value = serde_json::from_slice(&setup).expect("setup JSON");
        keystone.admin_token = v["token"].as_str().expect("token").to_string();
        for name in ["vo-a", "vo-b"] {
            keystone
                .projects
                .insert(name.into(), v[name].as_str().expect("project").into());
        }
        Some(keystone)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.root().join("keystone.log")).unwrap_or_default()
    }

    fn root(&self) -> &Path {
        self.root.path()
    }
}

impl Drop for Keystone {
    fn drop(&mut self) {
        stop_group(&mut self.child);
    }
}
