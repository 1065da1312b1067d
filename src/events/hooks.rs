//! Finding `vmcatcher-hook-*` executables: the configured hook directories first, then
//! `PATH`, the first of each name winning as a `PATH` lookup does, run in name order.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub(crate) const PREFIX: &str = "vmcatcher-hook-";

/// A hook that would run.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Hook {
    pub name: String,
    pub path: PathBuf,
}

/// What discovery found: the hooks to run, and those skipped with the reason.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Discovery {
    pub run: Vec<Hook>,
    pub shadowed: Vec<Shadowed>,
    pub disabled: Vec<Hook>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Shadowed {
    pub name: String,
    pub path: PathBuf,
    pub by: PathBuf,
}

/// Scans `hook_dirs` then the entries of `path_var`. Skipped: relative `PATH` entries
/// (they mean the current directory), names with a dot or ending in `~` (package-manager
/// and editor leftovers), anything that is not an executable regular file.
pub(crate) fn discover(
    hook_dirs: &[PathBuf],
    path_var: Option<&str>,
    disabled: &[String],
) -> Discovery {
    let mut dirs: Vec<PathBuf> = hook_dirs.to_vec();
    if let Some(path) = path_var {
        dirs.extend(
            path.split(':')
                .filter(|e| !e.is_empty())
                .map(PathBuf::from)
                .filter(|p| p.is_absolute()),
        );
    }
    let mut first: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut shadowed = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut names: Vec<(String, PathBuf)> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_str()?.to_string();
                is_hook_name(&name).then(|| (name, e.path()))
            })
            .filter(|(_, path)| is_executable_file(path))
            .collect();
        names.sort();
        for (name, path) in names {
            match first.get(&name) {
                Some(by) if by != &path => shadowed.push(Shadowed {
                    name,
                    path,
                    by: by.clone(),
                }),
                Some(_) => {}
                None => {
                    first.insert(name, path);
                }
            }
        }
    }
    let mut discovery = Discovery {
        shadowed,
        ..Discovery::default()
    };
    for (name, path) in first {
        let hook = Hook { name, path };
        if disabled.contains(&hook.name) {
            discovery.disabled.push(hook);
        } else {
            discovery.run.push(hook);
        }
    }
    discovery
}

fn is_hook_name(name: &str) -> bool {
    name.len() > PREFIX.len()
        && name.starts_with(PREFIX)
        && !name.contains('.')
        && !name.ends_with('~')
}

/// A regular file (after symlinks) this process may execute.
fn is_executable_file(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    let Ok(c_path) = CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: c_path is a valid NUL-terminated string for the duration of the call.
    unsafe { libc::access(c_path.as_ptr(), libc::X_OK) == 0 }
}
