//! The one error type of the core. Every failure a user can cause (bad path, bad bytes,
//! bad index file, bad argument, Ctrl-C) is a variant here; panics are reserved for
//! broken internal invariants.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: invalid UTF-8 at byte offset {offset}", path.display())]
    InvalidUtf8 { path: PathBuf, offset: u64 },
    #[error("{}: corrupt or unreadable index: {reason}", path.display())]
    CorruptIndex { path: PathBuf, reason: String },
    #[error("{0}")]
    InvalidArgument(String),
    #[error("cancelled")]
    Cancelled,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
    pub(crate) fn corrupt(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::CorruptIndex { path: path.into(), reason: reason.into() }
    }
    pub(crate) fn arg(msg: impl Into<String>) -> Self {
        Error::InvalidArgument(msg.into())
    }
}
