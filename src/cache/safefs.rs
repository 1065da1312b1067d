//! Copying a file into a cache directory without following anything planted there.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Copies `from` to `to` across file systems (where `rename` gives `EXDEV`), then removes
/// `from`. `fs::copy` would open `to` with `O_CREAT | O_TRUNC` and follow a symbolic link
/// planted there; instead the copy goes to a new file created with `O_EXCL` under a
/// random name beside `to`, is synced, and is renamed over `to` (which replaces a link,
/// never its target). The source is opened with `O_NOFOLLOW`; the mode is the source's.
pub(crate) fn copy_across(from: &Path, to: &Path) -> io::Result<()> {
    let mut source = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(from)?;
    let meta = source.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file", from.display()),
        ));
    }
    let (temp, mut target) = create_beside(to)?;
    let copied = io::copy(&mut source, &mut target)
        .and_then(|_| {
            target.set_permissions(fs::Permissions::from_mode(
                meta.permissions().mode() & 0o777,
            ))
        })
        .and_then(|()| target.sync_all())
        .and_then(|()| fs::rename(&temp, to));
    if let Err(e) = copied {
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    fs::remove_file(from)
}

/// A new, empty file `.<name>.copy-<random>` in the directory of `to`.
fn create_beside(to: &Path) -> io::Result<(PathBuf, File)> {
    let dir = to.parent().unwrap_or(Path::new("."));
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut last = None;
    for _ in 0..8 {
        let mut random = [0u8; 8];
        openssl::rand::rand_bytes(&mut random).map_err(io::Error::other)?;
        let path = dir.join(format!(".{name}.copy-{:016x}", u64::from_le_bytes(random)));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
            .mode(0o600)
            .open(&path)
        {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_at_the_target_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        fs::write(&outside, "precious").unwrap();
        let from = dir.path().join("from");
        fs::write(&from, "image").unwrap();
        fs::set_permissions(&from, fs::Permissions::from_mode(0o644)).unwrap();
        let to = dir.path().join("to");
        std::os::unix::fs::symlink(&outside, &to).unwrap();
        copy_across(&from, &to).unwrap();
        assert_eq!(fs::read_to_string(&outside).unwrap(), "precious");
        assert_eq!(fs::read_to_string(&to).unwrap(), "image");
        assert!(!to.symlink_metadata().unwrap().file_type().is_symlink());
        assert_eq!(
            fs::metadata(&to).unwrap().permissions().mode() & 0o777,
            0o644
        );
        assert!(!from.exists());
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(left.len(), 2, "no temporary left: {left:?}");
    }
}
