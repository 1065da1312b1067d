//! The process environment, captured once so that tests (and everything else) read the
//! injected copy rather than the real one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The process environment, captured once so tests can inject their own.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    vars: BTreeMap<String, String>,
    is_root: bool,
}

impl Environment {
    pub fn from_process() -> Self {
        Environment {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            // SAFETY: geteuid has no preconditions and cannot fail.
            is_root: rustix::process::geteuid().is_root(),
        }
    }

    pub fn new(vars: impl IntoIterator<Item = (String, String)>, is_root: bool) -> Self {
        Environment {
            vars: vars.into_iter().collect(),
            is_root,
        }
    }

    /// A variable's value; an empty value counts as unset, as an empty override means nothing.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn is_root(&self) -> bool {
        self.is_root
    }

    /// `$XDG_<kind>_HOME`, else `$HOME/<fallback>`.
    pub(super) fn xdg_dir(&self, var: &'static str, fallback: &str) -> Result<PathBuf> {
        if let Some(dir) = self.get(var).filter(|d| Path::new(d).is_absolute()) {
            return Ok(PathBuf::from(dir));
        }
        match self.get("HOME") {
            Some(home) => Ok(Path::new(home).join(fallback)),
            None => Err(Error::Config(format!(
                "neither {var} nor HOME is set, so there is no default location: \
                 set HOME or give the path in the configuration file"
            ))),
        }
    }
}
