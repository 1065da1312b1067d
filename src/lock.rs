//! One `sync`/`cache`/`subscribe update` at a time per database: an exclusive lock on a
//! file beside the database. The kernel drops the lock when the process dies, even by
//! `kill -9`, so a crash never leaves a stale lock behind.
//!
//! Event delivery has a lock of its own (`<database>.deliver.lock`), so a deferred
//! `events deliver` can upload for hours while `sync` goes on, and two processes never
//! deliver the journal at once (which would deliver events twice and out of order).

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

/// The delivery lock file of a database: `<database>.deliver.lock`.
fn delivery_lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".deliver.lock");
    PathBuf::from(name)
}

fn open_lock_file(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o644)
        .open(path)
        .map_err(|e| Error::io(path, e))
}

/// The delivery lock of a database, opened and not taken: [`DeliveryLock::try_take`]
/// takes it for one delivery pass.
#[derive(Debug)]
pub(crate) struct DeliveryLock {
    file: File,
    path: PathBuf,
}

impl DeliveryLock {
    pub(crate) fn open(database: &Path) -> Result<DeliveryLock> {
        let path = delivery_lock_path(database);
        Ok(DeliveryLock {
            file: open_lock_file(&path)?,
            path,
        })
    }

    /// Takes the lock unless another process holds it; then `Err` says who.
    pub(crate) fn try_take(&mut self) -> Result<std::result::Result<DeliveryGuard<'_>, String>> {
        match self.file.try_lock() {
            Ok(()) => {
                record_holder(&mut self.file);
                Ok(Ok(DeliveryGuard { file: &self.file }))
            }
            Err(TryLockError::WouldBlock) => Ok(Err(format!(
                "another vmcatcher process ({}) is delivering events ({})",
                holder(&mut self.file),
                self.path.display()
            ))),
            Err(TryLockError::Error(e)) => Err(Error::io(&self.path, e)),
        }
    }
}

/// The delivery lock, held until dropped.
pub(crate) struct DeliveryGuard<'a> {
    file: &'a File,
}

impl Drop for DeliveryGuard<'_> {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Takes the lock, waiting up to `timeout` for another run to finish.
pub(crate) fn acquire(database: &Path, timeout: Duration) -> Result<RunLock> {
    let path = lock_path(database);
    let mut file = open_lock_file(&path)?;
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
    record_holder(&mut file);
    Ok(RunLock { _file: file })
}

/// Records who holds a lock, for the message of the next process that has to wait.
fn record_holder(file: &mut File) {
    let _ = file
        .set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| writeln!(file, "{}", std::process::id()))
        .and_then(|()| file.flush());
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
