//! One error type for the whole tool. Every variant knows the exit code it maps to, so
//! `main` never has to guess, and every message names the input and what to do.

use std::fmt;
use std::path::PathBuf;

/// The original's exit codes for the rules an image list must pass (product.md §5, §11).
/// They are contracts: cron wrappers and monitoring scripts match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListRule {
    /// The list could not be fetched.
    Fetch,
    /// Signature, chain, CRL or namespace check failed, or the list is unsigned.
    Signature,
    /// The signer is not the `hv:dn`/`hv:ca` the list names.
    SignerMismatch,
    /// The signer is not an endorser linked to the subscription.
    NotAuthorised,
    /// `hv:version` went down.
    VersionLower,
    /// `dc:identifier` differs from the subscription's.
    IdentifierChanged,
    /// `dc:date:created` lies in the future.
    CreatedInFuture,
    /// `dc:date:expires` has passed.
    Expired,
    /// The signed content is not a valid image list.
    InvalidList,
}

impl ListRule {
    pub fn exit_code(self) -> u8 {
        match self {
            ListRule::Fetch => 10,
            ListRule::Signature => 11,
            ListRule::SignerMismatch => 12,
            ListRule::NotAuthorised => 13,
            ListRule::VersionLower => 17,
            ListRule::IdentifierChanged => 31,
            ListRule::CreatedInFuture => 33,
            ListRule::Expired => 34,
            ListRule::InvalidList => 38,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line itself is wrong (exit 2, like clap's own usage errors).
    #[error("{0}")]
    Usage(String),

    /// The configuration (file, environment or flags) is wrong.
    #[error("{0}")]
    Config(String),

    /// The database could not be opened, migrated, read or written; `source` is SQLite's
    /// error where there is one.
    #[error("database {}: {message}", .path.display())]
    Database {
        path: PathBuf,
        message: String,
        #[source]
        source: Option<rusqlite::Error>,
    },

    /// Something named on the command line does not exist.
    #[error("{0}")]
    NotFound(String),

    /// The request conflicts with what is stored (duplicate credential, ambiguous prefix…).
    #[error("{0}")]
    Conflict(String),

    /// An image list broke one of the trust or update rules; `source` is the failure
    /// underneath (the fetch, trust or image-list error) where there is one.
    #[error("{message}")]
    List {
        rule: ListRule,
        message: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },

    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Any other failure, already worded for the user.
    #[error("{0}")]
    Failed(String),

    /// Standard output was closed by its reader (`vmcatcher … | head`): the command stops
    /// and `main` ends quietly with exit 0, as ripgrep does.
    #[error("standard output was closed")]
    BrokenPipe,

    /// Failures already reported one by one (e.g. per subscription); only the exit code
    /// is left to give.
    #[error("exit code {0}")]
    Reported(u8),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            Error::List { rule, .. } => rule.exit_code(),
            Error::Reported(code) => *code,
            Error::BrokenPipe => 0,
            _ => 1,
        }
    }

    pub fn list(rule: ListRule, message: impl fmt::Display) -> Self {
        Error::List {
            rule,
            message: message.to_string(),
            source: None,
        }
    }

    /// A rule failure caused by `source`; the message says it in the administrator's words.
    pub fn list_because(
        rule: ListRule,
        message: impl fmt::Display,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::List {
            rule,
            message: message.to_string(),
            source: Some(Box::new(source)),
        }
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_keep_their_cause_as_source() {
        let e = Error::list_because(
            ListRule::Fetch,
            "cannot fetch the image list: refused",
            std::io::Error::other("refused"),
        );
        assert_eq!(e.exit_code(), 10);
        let source = std::error::Error::source(&e).expect("a source");
        assert_eq!(source.to_string(), "refused");
    }
}
