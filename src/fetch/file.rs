//! `file://` URLs: plain `std::fs`, for mirrors on shared file systems and for tests.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use url::Url;

use super::body::{read_error, CheckedBody};
use super::download::Download;
use super::error::FetchError;
use super::location::{file_path, redact_url};

fn open(url: &Url) -> Result<(File, u64, String), FetchError> {
    let shown = redact_url(url.as_str());
    let path = file_path(url)?;
    let (file, len) = open_regular(&path, &shown)?;
    Ok((file, len, shown))
}

/// Opens `path` for reading if it is a regular file (after symbolic links), with its
/// length. Opened non-blocking, so a FIFO cannot hang the open; checked on the opened
/// descriptor, so what is read is what was checked.
fn open_regular(path: &Path, shown: &str) -> Result<(File, u64), FetchError> {
    let io_err = |e: io::Error| {
        if e.kind() == io::ErrorKind::NotFound {
            FetchError::FileNotFound {
                url: shown.to_owned(),
                path: path.display().to_string(),
            }
        } else {
            FetchError::Io {
                url: shown.to_owned(),
                detail: format!("{}: {e}", path.display()),
            }
        }
    };
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if !meta.is_file() {
        return Err(FetchError::NotRegularFile {
            url: shown.to_owned(),
            kind: file_kind(&meta),
        });
    }
    Ok((file, meta.len()))
}

/// What a non-regular file is, for messages.
fn file_kind(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a plain file"
    }
}

/// Reads a local image list given as a plain path (`vmcatcher verify FILE`), with the
/// same checks as a `file://` URL: a regular file, at most `max_bytes`.
pub fn read_local_file(path: &Path, max_bytes: u64) -> Result<Vec<u8>, FetchError> {
    let shown = path.display().to_string();
    let (file, len) = open_regular(path, &shown)?;
    read_capped(file, len, &shown, max_bytes)
}

pub(crate) fn fetch_bytes(url: &Url, max_bytes: u64) -> Result<Vec<u8>, FetchError> {
    let (file, len, shown) = open(url)?;
    read_capped(file, len, &shown, max_bytes)
}

fn read_capped(file: File, len: u64, shown: &str, max_bytes: u64) -> Result<Vec<u8>, FetchError> {
    if len > max_bytes {
        return Err(FetchError::TooLarge {
            url: shown.to_owned(),
            limit: max_bytes,
        });
    }
    let mut out = Vec::with_capacity(len as usize);
    // The file may grow meanwhile: still never read past the limit.
    file.take(max_bytes + 1)
        .read_to_end(&mut out)
        .map_err(|e| read_error(e, shown))?;
    if out.len() as u64 > max_bytes {
        return Err(FetchError::TooLarge {
            url: shown.to_owned(),
            limit: max_bytes,
        });
    }
    Ok(out)
}

pub(crate) fn open_stream(url: &Url, resume_from: u64) -> Result<Download, FetchError> {
    let (mut file, len, shown) = open(url)?;
    // Like a server ignoring an unsatisfiable range: an offset past the end restarts.
    let resumed = resume_from > 0 && resume_from <= len;
    let offset = if resumed { resume_from } else { 0 };
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| read_error(e, &shown))?;
    let remaining = len - offset;
    Ok(Download {
        reader: Box::new(CheckedBody::new(file.take(remaining), Some(remaining), 0)),
        status: if resumed { 206 } else { 200 },
        content_length: Some(remaining),
        resumed,
        total_size: Some(len),
    })
}
