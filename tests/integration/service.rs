//! The systemd unit and the administrator use one database and one cache.
//!
//! scripts/install.sh stages everything into a DESTDIR; the installed unit is parsed for
//! what decides the paths a run uses (ExecStart, User=, Group=, Environment=, UMask=,
//! WorkingDirectory=), and the installed /etc/vmcatcher/vmcatcher.toml is used as it is,
//! with the absolute paths it sets moved under the DESTDIR. Then "root" subscribes in
//! its shell, the unit's own command line syncs in the unit's environment, and both must
//! see the same configuration, subscriptions and cache, with files the other can write.

use std::ffi::CString;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::lists::{image, ListSpec, IMAGE_A, IMAGE_B, LIST_ID};
use crate::support::pki::{self, TrustDirOptions};
use crate::support::Run;

/// PATH of root's login shell on Debian.
const ROOT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// PATH systemd gives a system service.
const SYSTEMD_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin";
/// Debian's umask for root's shell.
const ADMIN_UMASK: u32 = 0o022;

const A: &[u8] = b"the contents of image a, a small but real disk image";
const B: &[u8] = b"image b, never selected";

/// What of a unit's [Service] section decides where a run reads and writes.
#[derive(Debug, Default)]
struct Unit {
    exec_start: Vec<String>,
    user: Option<String>,
    group: Option<String>,
    environment: Vec<(String, String)>,
    umask: Option<u32>,
    working_directory: Option<String>,
}

fn parse_unit(text: &str) -> Unit {
    let mut unit = Unit::default();
    let mut section = "";
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            section = line;
            continue;
        }
        if section != "[Service]" {
            continue;
        }
        let (key, value) = line.split_once('=').expect("a unit line is KEY=VALUE");
        let value = value.trim();
        match key.trim() {
            "ExecStart" => {
                assert!(unit.exec_start.is_empty(), "more than one ExecStart");
                let command = value.trim_start_matches('-');
                assert!(
                    !command.starts_with(['+', '!', '@', ':']),
                    "ExecStart prefix not modelled by this test: {value}"
                );
                unit.exec_start = command.split_whitespace().map(String::from).collect();
            }
            "User" => unit.user = Some(value.to_string()),
            "Group" => unit.group = Some(value.to_string()),
            "Environment" => {
                for word in value.split_whitespace() {
                    let word = word.trim_matches('"');
                    let (k, v) = word.split_once('=').expect("Environment=KEY=VALUE");
                    unit.environment.push((k.to_string(), v.to_string()));
                }
            }
            "UMask" => unit.umask = Some(u32::from_str_radix(value, 8).expect("octal UMask")),
            "WorkingDirectory" => unit.working_directory = Some(value.to_string()),
            key @ ("EnvironmentFile"
            | "PassEnvironment"
            | "ExecStartPre"
            | "DynamicUser"
            | "RootDirectory"
            | "RootImage"
            | "BindPaths"
            | "TemporaryFileSystem") => {
                panic!("the unit sets {key}=, which changes paths and this test does not model")
            }
            _ => {}
        }
    }
    assert!(!unit.exec_start.is_empty(), "the unit has no ExecStart");
    unit
}

/// The installed configuration with every absolute path it sets (not the commented-out
/// ones) moved under `dest`, as the DESTDIR stands for `/`.
fn relocate(text: &str, dest: &Path) -> String {
    let prefix = format!("\"{}/", dest.display());
    text.lines()
        .map(|l| {
            if l.trim_start().starts_with('#') {
                l.to_string()
            } else {
                l.replace("\"/", &prefix)
            }
        })
        .map(|l| l + "\n")
        .collect()
}

struct Passwd {
    uid: u32,
    gid: u32,
    home: String,
}

fn passwd(user: &str) -> Option<Passwd> {
    let name = CString::new(user).ok()?;
    // SAFETY: getpwnam gets a valid C string; the entry is copied out before any other
    // passwd call could reuse its static buffer (the tests of this file do not run it twice
    // at once: this is only reached for a unit with a non-root User=).
    unsafe {
        let pw = libc::getpwnam(name.as_ptr());
        if pw.is_null() {
            return None;
        }
        Some(Passwd {
            uid: (*pw).pw_uid,
            gid: (*pw).pw_gid,
            home: std::ffi::CStr::from_ptr((*pw).pw_dir)
                .to_string_lossy()
                .into_owned(),
        })
    }
}

fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

fn with_umask(cmd: &mut Command, mask: u32) {
    // SAFETY: umask is async-signal-safe and touches only the child's own state.
    unsafe {
        cmd.pre_exec(move || {
            libc::umask(mask as libc::mode_t);
            Ok(())
        });
    }
}

fn finish(mut cmd: Command) -> Run {
    let out = cmd.stdin(Stdio::null()).output().expect("run vmcatcher");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// An installed site in a DESTDIR: the installed binary, unit and configuration.
struct Site {
    dir: tempfile::TempDir,
    unit: Unit,
    /// The installed /etc/vmcatcher/vmcatcher.toml: at its system path the binary finds it
    /// by itself; under a DESTDIR it must be named (VMCATCHER_CONFIG), for both runs alike.
    config: PathBuf,
}

impl Site {
    fn dest(&self) -> &Path {
        self.dir.path()
    }

    /// A system path inside the DESTDIR.
    fn staged(&self, path: &str) -> PathBuf {
        self.dest().join(path.trim_start_matches('/'))
    }

    /// Root in a login shell: the installed binary, with the installed configuration.
    fn admin(&self, args: &[&str]) -> Run {
        let home = self.dest().join("root");
        std::fs::create_dir_all(&home).unwrap();
        let mut cmd = Command::new(self.staged("/usr/bin/vmcatcher"));
        cmd.env_clear()
            .env("PATH", ROOT_PATH)
            .env("HOME", &home)
            .env("USER", "root")
            .env("LOGNAME", "root")
            .env("VMCATCHER_CONFIG", &self.config)
            .current_dir(&home)
            .args(args);
        with_umask(&mut cmd, ADMIN_UMASK);
        finish(cmd)
    }

    /// The unit's program in the unit's environment, with `args` (None: ExecStart's own).
    fn service(&self, args: Option<&[&str]>) -> Run {
        let exec = &self.unit.exec_start;
        let mut cmd = Command::new(self.staged(&exec[0]));
        cmd.env_clear().env("PATH", SYSTEMD_PATH);
        assert!(
            self.unit.group.is_none() || self.unit.user.is_some(),
            "Group= without User= is not modelled"
        );
        // Without User= a system service runs as root, and systemd sets no HOME.
        if let Some(user) = self
            .unit
            .user
            .as_deref()
            .filter(|u| !["root", "0"].contains(u))
        {
            let pw = passwd(user).unwrap_or_else(|| {
                panic!(
                    "the unit runs as user {user}, who does not exist here; the administrator \
                     runs as root, so unless every path is set alike the two use other files"
                )
            });
            assert!(
                euid() == 0 || euid() == pw.uid,
                "running as user {user} needs root"
            );
            cmd.uid(pw.uid)
                .gid(pw.gid)
                .env("HOME", &pw.home)
                .env("USER", user)
                .env("LOGNAME", user);
        }
        for (k, v) in &self.unit.environment {
            cmd.env(k, v);
        }
        cmd.env("VMCATCHER_CONFIG", &self.config)
            .current_dir(self.unit.working_directory.as_deref().unwrap_or("/"));
        match args {
            None => cmd.args(&exec[1..]),
            Some(args) => cmd.args(args),
        };
        // systemd's default UMask= is 0022.
        with_umask(&mut cmd, self.unit.umask.unwrap_or(0o022));
        finish(cmd)
    }
}

fn config_show(run: &Run) -> serde_json::Map<String, serde_json::Value> {
    run.success();
    serde_json::from_str::<serde_json::Value>(&run.stdout)
        .expect("config show -f json")
        .as_object()
        .expect("an object")
        .clone()
}

fn mode_and_owner(path: &Path) -> (u32, u32) {
    let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (meta.permissions().mode() & 0o7777, meta.uid())
}

/// Database 0600, cache directories 0755, their files 0644; all owned by the one user
/// both runs are (root in CI).
fn check_modes(db: &Path, cache_dirs: &[PathBuf]) {
    let me = euid();
    assert_eq!(mode_and_owner(db), (0o600, me), "{}", db.display());
    for dir in cache_dirs {
        assert_eq!(mode_and_owner(dir), (0o755, me), "{}", dir.display());
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            assert_eq!(
                mode_and_owner(&entry.path()),
                (0o644, me),
                "{}",
                entry.path().display()
            );
        }
    }
}

#[test]
fn the_installed_unit_and_root_share_database_and_cache() {
    if euid() != 0 {
        eprintln!("not root: the admin and the unit both run as this user (CI runs as root)");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = crate::install::install(dir.path(), false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let unit_text = std::fs::read_to_string(
        dir.path()
            .join("usr/lib/systemd/system/vmcatcher-sync.service"),
    )
    .unwrap();
    let unit = parse_unit(&unit_text);
    let config = dir.path().join("etc/vmcatcher/vmcatcher.toml");
    let installed = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, relocate(&installed, dir.path())).unwrap();
    let site = Site { dir, unit, config };
    assert_eq!(
        site.unit.exec_start.first().map(String::as_str),
        Some("/usr/bin/vmcatcher"),
        "the unit runs the installed binary (PREFIX=/usr)"
    );

    // Both resolve the same settings, every path inside the DESTDIR and from the installed
    // file: nothing is left to a default that depends on who runs.
    // (Checked before anything runs that could write to a real system path.)
    let admin = config_show(&site.admin(&["config", "show", "-f", "json"]));
    // A path, or for events.hook_dirs an array of one path.
    let value = |key: &str| {
        let v = &admin[key]["value"];
        PathBuf::from(v.as_str().or_else(|| v[0].as_str()).unwrap())
    };
    for key in [
        "database",
        "cert_dir",
        "cache.dir",
        "cache.partial_dir",
        "cache.expired_dir",
        "events.hook_dirs",
    ] {
        let source = admin[key]["source"].as_str().unwrap();
        assert!(
            value(key).starts_with(site.dest()) && source.starts_with("file "),
            "the installed configuration does not set {key}: it is {} from {source}, which \
             differs between root and a service user",
            value(key).display()
        );
    }
    let service = config_show(&site.service(Some(&["config", "show", "-f", "json"])));
    assert_eq!(admin, service, "root and the unit resolve other settings");
    let db = value("database");
    let cache_dirs = [
        value("cache.dir"),
        value("cache.partial_dir"),
        value("cache.expired_dir"),
    ];
    assert_eq!(
        value("events.hook_dirs"),
        site.staged("/usr/libexec/vmcatcher/hooks")
    );
    // The shipped hooks run for both (and, not configured, do nothing).
    let hooks = site.admin(&["hooks", "list"]);
    hooks.success();
    assert_eq!(hooks.stdout.lines().count(), 3, "{}", hooks.stdout);
    assert_eq!(site.service(Some(&["hooks", "list"])).stdout, hooks.stdout);

    // A signed list of two images, all on file:// URLs; the trust directory where the
    // installed configuration says.
    pki::write_trust_dir(&value("cert_dir"), &TrustDirOptions::default()).unwrap();
    let srv = site.staged("/srv/lists");
    std::fs::create_dir_all(&srv).unwrap();
    std::fs::write(srv.join("a.img"), A).unwrap();
    std::fs::write(srv.join("b.img"), B).unwrap();
    let mut spec = ListSpec::new("1");
    spec.images = vec![
        image(
            IMAGE_A,
            A,
            &format!("file://{}", srv.join("a.img").display()),
        ),
        image(
            IMAGE_B,
            B,
            &format!("file://{}", srv.join("b.img").display()),
        ),
    ];
    std::fs::write(srv.join("list.smime"), spec.signed()).unwrap();
    let list_url = format!("file://{}", srv.join("list.smime").display());

    // Root subscribes in its shell; the unit sees the same subscription.
    site.admin(&["subscribe", "add", &list_url, "--auto-endorse"])
        .success();
    site.admin(&["image", "subscribe", IMAGE_A]).success();
    let subscriptions = site.admin(&["subscribe", "list"]);
    subscriptions.success();
    assert!(
        subscriptions.stdout.contains(LIST_ID) || subscriptions.stdout.contains(&list_url),
        "{}",
        subscriptions.stdout
    );
    let seen = site.service(Some(&["subscribe", "list"]));
    seen.success();
    assert_eq!(seen.stdout, subscriptions.stdout);

    // The unit's own command line downloads into the cache root's `cache list` shows.
    site.service(None).success();
    // The unit ran the installed hooks; root sees their deliveries in the same journal.
    let events = site.admin(&["events", "list"]);
    events.success();
    assert!(
        events.stdout.contains("\tAvailablePostfix\t")
            && events.stdout.lines().all(|l| l.contains("\tdelivered\t")),
        "{}",
        events.stdout
    );
    let cached = site.admin(&["cache", "list"]);
    cached.success();
    assert_eq!(
        cached.stdout,
        format!(
            "{IMAGE_A}\t{}\t{LIST_ID}\t3\t{}\n",
            A.len(),
            cache_dirs[0].join(IMAGE_A).display()
        )
    );
    assert_eq!(site.service(Some(&["cache", "list"])).stdout, cached.stdout);
    assert_eq!(std::fs::read(cache_dirs[0].join(IMAGE_A)).unwrap(), A);
    check_modes(&db, &cache_dirs);

    // Each writes what the other made: root expires from the unit's cache, the unit syncs
    // root's change and downloads again into it.
    site.admin(&["image", "unsubscribe", IMAGE_A]).success();
    site.admin(&["cache"]).success();
    assert!(!cache_dirs[0].join(IMAGE_A).exists());
    assert_eq!(site.service(Some(&["cache", "list"])).stdout, "");
    site.admin(&["image", "subscribe", IMAGE_A]).success();
    site.service(None).success();
    assert_eq!(site.admin(&["cache", "list"]).stdout, cached.stdout);
    check_modes(&db, &cache_dirs);
}
