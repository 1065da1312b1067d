//! One `sync`/`cache`/`subscribe update` at a time per database: an exclusive lock on a
//! file beside the database. The kernel drops the lock when the process dies, even by
//! `kill -9`, so a crash never leaves a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Held for the whole run; released on drop or process exit.
#[derive(Debug)]
pub(crate) struct RunLock {
    _file: File,
}

/// The lock file of a database: `<database>.lock`.
pub(crate) fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes the lock, waiting up to `timeout` for another run to finish.
pub(crate) fn acquire(database: &Path, timeout: Duration) -> Result<RunLock> {
    let path = lock_path(database);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o644)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    let started = Instant::now();
    let mut announced = false;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                if started.elapsed() >= timeout {
                    return Err(Error::Failed(format!(
                        "another vmcatcher run ({}) holds {}; gave up after {} s: try again \
                         later, or raise lock_timeout in the configuration",
                        holder(&mut file),
                        path.display(),
                        timeout.as_secs()
                    )));
                }
                if !announced {
                    tracing::info!(
                        "waiting for another vmcatcher run ({}) to release {}",
                        holder(&mut file),
                        path.display()
                    );
                    announced = true;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
    }
    // Record who holds it, for the message of the next run that has to wait.
    let _ = file
        .set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| writeln!(file, "{}", std::process::id()))
        .and_then(|()| file.flush());
    Ok(RunLock { _file: file })
}

fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file
        .seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_string(&mut text));
    match text.trim().parse::<u32>() {
        Ok(pid) => format!("pid {pid}"),
        Err(_) => "pid unknown".to_string(),
    }
}
