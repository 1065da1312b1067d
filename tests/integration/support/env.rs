//! Runs the real binary in a throwaway directory with a cleared environment, so no test
//! depends on the machine (its HOME, /etc/vmcatcher, /var/lib/vmcatcher…).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub(crate) struct TestEnv {
    pub dir: tempfile::TempDir,
    vars: Vec<(String, String)>,
}

/// What a run of the binary left behind.
pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    pub(crate) fn success(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub(crate) fn failure(&self, code: i32, words: &[&str]) -> &Self {
        if std::env::var_os("VMCATCHER_TEST_SHOW").is_some() {
            eprintln!("--- exit {}:\n{}", self.code, self.stderr);
        }
        assert_eq!(
            self.code, code,
            "wrong exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        for word in words {
            assert!(
                self.stderr.contains(word),
                "stderr lacks {word:?}:\n{}",
                self.stderr
            );
        }
        self
    }
}

impl TestEnv {
    pub(crate) fn new() -> TestEnv {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).expect("home dir");
        let empty_config = dir.path().join("empty.toml");
        // No machine hook directory: hooks come only from what a test puts on PATH.
        std::fs::write(&empty_config, "[events]\nhook_dirs = []\n").expect("config file");
        let db = dir.path().join("vmcatcher.db");
        TestEnv {
            vars: vec![
                ("HOME".into(), home.display().to_string()),
                ("PATH".into(), "/usr/bin:/bin".into()),
                (
                    "VMCATCHER_CONFIG".into(),
                    empty_config.display().to_string(),
                ),
                ("VMCATCHER_RDBMS".into(), db.display().to_string()),
                (
                    "VMCATCHER_DIR_CERT".into(),
                    dir.path().join("certs").display().to_string(),
                ),
            ],
            dir,
        }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn db_path(&self) -> PathBuf {
        self.path("vmcatcher.db")
    }

    pub(crate) fn set(&mut self, key: &str, value: impl AsRef<OsStr>) -> &mut Self {
        self.unset(key);
        self.vars
            .push((key.into(), value.as_ref().to_string_lossy().into_owned()));
        self
    }

    pub(crate) fn unset(&mut self, key: &str) -> &mut Self {
        self.vars.retain(|(k, _)| k != key);
        self
    }

    pub(crate) fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("parent dir");
        }
        std::fs::write(&path, content).expect("write file");
        path
    }

    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vmcatcher"));
        cmd.env_clear()
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .args(args);
        cmd
    }

    /// Runs `program` (a link to the binary under another name) like `run`.
    pub(crate) fn run_as(&self, program: &Path, args: &[&str]) -> Run {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .args(args);
        let output: Output = cmd.output().expect("run vmcatcher by another name");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs the binary to completion (bounded by the test's own timeouts in the binary).
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        let output: Output = self.command(args).output().expect("run vmcatcher");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// `endorser create` on `database` (`-d`): a command that creates a missing database.
    pub(crate) fn create_endorser_in(&self, database: &str) -> Run {
        self.run(&[
            "-d", database, "endorser", "create", "x", "--dn", "/CN=x", "--ca", "/CN=ca",
        ])
    }

    /// Creates the empty, migrated database that read-only commands need.
    pub(crate) fn init_db(&self) -> &Self {
        self.init_db_at(&self.db_path())
    }

    pub(crate) fn init_db_at(&self, path: &Path) -> &Self {
        vmcatcher::db::Db::open(path).expect("create the test database");
        self
    }

    /// Runs the binary, killing it and failing the test if it takes longer than `limit`
    /// (for inputs that used to hang it: FIFOs, endless devices).
    #[track_caller]
    pub(crate) fn run_within(&self, args: &[&str], limit: std::time::Duration) -> Run {
        let mut child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run vmcatcher");
        let started = std::time::Instant::now();
        while child.try_wait().expect("wait for vmcatcher").is_none() {
            if started.elapsed() > limit {
                let _ = child.kill();
                let output = child.wait_with_output().expect("reap vmcatcher");
                panic!(
                    "vmcatcher {args:?} still running after {limit:?}; stderr:\n{}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let output = child.wait_with_output().expect("collect vmcatcher output");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    pub(crate) fn root(&self) -> &Path {
        self.dir.path()
    }
}
