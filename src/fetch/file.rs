//! `file://` URLs: plain `std::fs`, for mirrors on shared file systems and for tests.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use url::Url;

use super::body::{read_error, CheckedBody};
use super::download::Download;
use super::error::FetchError;
use super::location::{file_path, redact_url};

fn open(url: &Url) -> Result<(File, u64, String), FetchError> {
    let shown = redact_url(url.as_str());
    let path = file_path(url)?;
    let io_err = |e: io::Error, path: &Path| {
        if e.kind() == io::ErrorKind::NotFound {
            FetchError::FileNotFound {
                url: shown.clone(),
                path: path.display().to_string(),
            }
        } else {
            FetchError::Io {
                url: shown.clone(),
                detail: format!("{}: {e}", path.display()),
            }
        }
    };
    let file = File::open(&path).map_err(|e| io_err(e, &path))?;
    let meta = file.metadata().map_err(|e| io_err(e, &path))?;
    if !meta.is_file() {
        return Err(FetchError::Io {
            url: shown,
            detail: format!("{} is not a regular file", path.display()),
        });
    }
    Ok((file, meta.len(), shown))
}

pub(crate) fn fetch_bytes(url: &Url, max_bytes: u64) -> Result<Vec<u8>, FetchError> {
    let (file, len, shown) = open(url)?;
    if len > max_bytes {
        return Err(FetchError::TooLarge {
            url: shown,
            limit: max_bytes,
        });
    }
    let mut out = Vec::with_capacity(len as usize);
    // The file may grow meanwhile: still never read past the limit.
    file.take(max_bytes + 1)
        .read_to_end(&mut out)
        .map_err(|e| read_error(e, &shown))?;
    if out.len() as u64 > max_bytes {
        return Err(FetchError::TooLarge {
            url: shown,
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
