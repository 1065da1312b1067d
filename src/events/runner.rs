//! Running one handler: its own process group, stdin closed, output captured (bounded),
//! and a timeout that works: SIGTERM to the group, SIGKILL after a grace period.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Bytes of each output stream kept for the log.
const CAPTURE_LIMIT: usize = 16 * 1024;
/// The exit code by which a hook says that delivering this event again cannot help (a
/// refusal: unusable file, a format the cloud rejects, a forbidden setting): the delivery
/// is recorded as failed at once and never retried. Every other failure is retried.
pub(crate) const EXIT_PERMANENT: i32 = 4;
/// Time between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_secs(2);

/// What to run for an event.
#[derive(Debug, Clone)]
pub(super) enum Program {
    /// A shell command, run as `/bin/sh -c <command>`.
    Shell(String),
    /// An executable run directly with the event type as its only argument.
    Hook(std::path::PathBuf),
}

/// How a handler ended.
#[derive(Debug)]
pub(super) struct Finished {
    pub status: Option<ExitStatus>,
    pub timed_out: bool,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Finished {
    /// The handler refused the event for good ([`EXIT_PERMANENT`]).
    pub(super) fn permanent(&self) -> bool {
        !self.timed_out && self.status.and_then(|s| s.code()) == Some(EXIT_PERMANENT)
    }

    /// A one-line reason for the journal and the log.
    pub(super) fn failure(&self) -> Option<String> {
        if self.timed_out {
            return Some(format!(
                "timed out after {} s and was killed",
                self.elapsed.as_secs()
            ));
        }
        match self.status {
            Some(s) if s.success() => None,
            Some(s) => Some(match (s.code(), s.signal()) {
                (Some(EXIT_PERMANENT), _) => {
                    format!("exit code {EXIT_PERMANENT} (refused for good: not retried)")
                }
                (Some(code), _) => format!("exit code {code}"),
                (None, Some(signal)) => format!("killed by signal {signal}"),
                _ => "failed".to_string(),
            }),
            None => Some("could not be started".to_string()),
        }
    }
}

/// Runs `program` for `event_type` with the process environment plus `vars`.
pub(super) fn run(
    program: &Program,
    event_type: &str,
    vars: &BTreeMap<String, String>,
    timeout: Duration,
) -> std::io::Result<Finished> {
    let mut command = match program {
        Program::Shell(cmd) => {
            let mut c = Command::new("/bin/sh");
            c.arg("-c").arg(cmd);
            c
        }
        Program::Hook(path) => {
            let mut c = Command::new(path);
            c.arg(event_type);
            c
        }
    };
    command
        .envs(vars)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a timeout reaches everything it started.
        .process_group(0);
    let started = Instant::now();
    let mut child = command.spawn()?;
    let stdout = capture(child.stdout.take());
    let stderr = capture(child.stderr.take());
    let (status, timed_out) = wait(&mut child, timeout)?;
    // A handler may leave a daemon holding its output open: wait briefly, then go on.
    let collect = |rx: mpsc::Receiver<String>| {
        rx.recv_timeout(Duration::from_millis(500))
            .unwrap_or_default()
    };
    Ok(Finished {
        status,
        timed_out,
        stdout: collect(stdout),
        stderr: collect(stderr),
        elapsed: started.elapsed(),
    })
}

fn wait(child: &mut Child, timeout: Duration) -> std::io::Result<(Option<ExitStatus>, bool)> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok((Some(status), false));
        }
        if Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let group = child.id() as libc::pid_t;
    signal_group(group, libc::SIGTERM);
    let grace_end = Instant::now() + GRACE;
    while Instant::now() < grace_end {
        if let Some(status) = child.try_wait()? {
            signal_group(group, libc::SIGKILL); // stragglers of the group
            return Ok((Some(status), true));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    signal_group(group, libc::SIGKILL);
    let status = child.wait()?;
    Ok((Some(status), true))
}

fn signal_group(group: libc::pid_t, signal: libc::c_int) {
    // SAFETY: kill(2) with a negative pid signals the process group; no memory involved.
    unsafe {
        libc::kill(-group, signal);
    }
}

/// Reads a stream to its end on a thread, keeping the first `CAPTURE_LIMIT` bytes.
fn capture(stream: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        if let Some(mut stream) = stream {
            let mut buf = [0u8; 8192];
            loop {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let room = CAPTURE_LIMIT.saturating_sub(kept.len());
                        kept.extend_from_slice(&buf[..n.min(room)]);
                    }
                }
            }
        }
        let mut text = String::from_utf8_lossy(&kept).into_owned();
        if kept.len() >= CAPTURE_LIMIT {
            text.push_str(" [cut]");
        }
        let _ = tx.send(text);
    });
    rx
}
