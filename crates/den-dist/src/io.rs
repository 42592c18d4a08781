//! The one way den's crates attach a path to a file-system error: [`IoError`], made by
//! [`IoResultExt::at`] on an [`io::Result`] (`fs::read(&path).at("read", &path)?`) or by
//! [`IoError::new`] where there is no `Result` to map. Each crate's error type wraps it in one
//! `Io` variant, so every such message reads the same:
//!
//! ```text
//! cannot read /env/lib/python3.12/site-packages/six-1.16.0.dist-info/RECORD: Permission denied (os error 13)
//! ```

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A file-system operation that failed, with what den was doing and the path it was doing it
/// to. Displays as `cannot {action} {path}: {source}`, e.g. `cannot create directory
/// /env/bin: File exists (os error 17)`.
///
/// The I/O error is part of the message, so [`std::error::Error::source`] returns `None`: an
/// error printer that walks the chain of causes (`caused by: ...`) shows it once, not twice
/// (fs-err's convention too). Callers that need its kind read the [`source`](Self::source)
/// field.
#[derive(Debug)]
pub struct IoError {
    /// What den was doing, as a verb phrase that reads before the path: `read`, `create
    /// directory`, `move aside`, `create a temporary directory in`.
    pub action: &'static str,
    /// The file or directory den was working on.
    pub path: PathBuf,
    /// The underlying error.
    pub source: io::Error,
}

impl IoError {
    /// The error of doing `action` on `path`, for the cases without an [`io::Result`] to map
    /// with [`IoResultExt::at`] (a `match` arm, an error built by hand).
    pub fn new(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self {
            action,
            path: path.into(),
            source,
        }
    }

    /// The kind of the underlying error (`NotFound`, `PermissionDenied`...).
    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot {} {}: {}",
            self.action,
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for IoError {}

/// Attaches what den was doing and to which path to the error of an [`io::Result`].
pub trait IoResultExt<T> {
    /// This result, its error (if any) made an [`IoError`] of doing `action` on `path`:
    /// `fs::create_dir_all(&dir).at("create directory", &dir)?`. The path is copied only
    /// when there is an error.
    ///
    /// # Errors
    ///
    /// The [`IoError`] wrapping this result's error.
    fn at(self, action: &'static str, path: impl AsRef<Path>) -> Result<T, IoError>;
}

impl<T> IoResultExt<T> for io::Result<T> {
    fn at(self, action: &'static str, path: impl AsRef<Path>) -> Result<T, IoError> {
        self.map_err(|source| IoError::new(action, path.as_ref(), source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_action_path_and_cause_once() {
        let err = Err::<(), _>(io::Error::other("disk on fire"))
            .at("write", "/cache/x.whl")
            .unwrap_err();
        assert_eq!(err.to_string(), "cannot write /cache/x.whl: disk on fire");
        assert!(std::error::Error::source(&err).is_none());
        assert_eq!(err.kind(), io::ErrorKind::Other);
        assert_eq!(err.path, Path::new("/cache/x.whl"));
    }

    #[test]
    fn ok_passes_through() {
        assert_eq!(Ok::<_, io::Error>(3).at("read", "/nowhere").unwrap(), 3);
    }
}
