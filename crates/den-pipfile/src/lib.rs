//! pipenv's file formats, read and written byte for byte as pipenv 2026.10 does: the
//! `Pipfile` (TOML, edited in place so comments and order stay), its `_meta.hash.sha256`,
//! `Pipfile.lock` (JSON written as Python's `json` module writes it), the
//! `Requires-Python` -> lock `markers` conversion, the `pylock.toml` pipenv writes from the
//! lock, the virtualenv name pipenv gives a project and the Pipfile search.
//!
//! pipenv's own code is the specification; each item names the pipenv function it follows
//! (under `pipenv/` in pipenv's sources). The crate's tests compare its answers with those
//! functions, called through the real pipenv's interpreter when it is installed.
//!
//! Python's `json.dumps` is reproduced in one private module (sorted keys by code point,
//! `ensure_ascii` escapes, Python's float `repr`), shared by the hash and the lock writer.

mod hash;
mod lock;
mod markers;
mod pipfile;
mod project;
mod pyjson;
mod pylock;
mod venv;

use std::path::{Path, PathBuf};

pub use hash::{pipfile_hash, pipfile_hash_with_default_sources};
pub use lock::{LockError, LockMeta, LockedPackage, Lockfile, PIPFILE_SPEC_CURRENT};
pub use markers::requires_python_marker;
pub use pipfile::{
    Category, MARKER_KEYS, NON_CATEGORY_SECTIONS, PackageSpec, PackageTable, Pipfile, Requires,
    Script, Settings, Vcs, pep423_name,
};
pub use project::{
    project_name_in, read_dotenv, requirement_lock_marker, requirements_line_marker,
    specifier_set_text,
};
pub use pylock::{
    IndexPageFile, PYLOCK_DEV_GROUP, find_pylock, generation_date, index_page_packages,
    pylock_path, pylock_toml,
};
pub use venv::{
    DEFAULT_MAX_DEPTH, find_pipfile, find_requirements, sanitize_name, virtualenv_name,
};

/// Writes `bytes` to `path` as every file here is written: a temporary file in the same
/// directory, then a rename over the target (keeping its permissions), so readers see the
/// old file or the new one, never a part.
///
/// Errors: the file cannot be written or renamed ([`den_dist::IoError`] naming it).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), den_dist::IoError> {
    use den_dist::IoResultExt as _;
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.den-tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp).at("create", &tmp)?;
        file.write_all(bytes).at("write", &tmp)?;
        file.sync_all().at("write", &tmp)?;
        if let Ok(meta) = std::fs::metadata(path) {
            // Keep the permissions of the file being replaced.
            let _ = std::fs::set_permissions(&tmp, meta.permissions());
        }
        std::fs::rename(&tmp, path).at("replace", path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The line ending a file uses, as Python's text mode reports it (`f.newlines`): the one
/// style it holds, else (none, or more than one) `\n`. pipenv writes a file back with it.
pub(crate) fn newline_style(text: &str) -> &'static str {
    let bytes = text.as_bytes();
    let (mut lf, mut crlf, mut cr) = (false, false, false);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                crlf = true;
                i += 1;
            }
            b'\r' => cr = true,
            b'\n' => lf = true,
            _ => {}
        }
        i += 1;
    }
    match (lf, crlf, cr) {
        (false, true, false) => "\r\n",
        (false, false, true) => "\r",
        _ => "\n",
    }
}

/// A package index of the Pipfile's `[[source]]` (or of the lock's `_meta.sources`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// `name`, what a package's `index = "..."` names.
    pub name: String,
    /// `url`, as written: `${VAR}` references are expanded only when the URL is used
    /// ([`Source::expanded_url`]).
    pub url: String,
    /// `verify_ssl`.
    pub verify_ssl: bool,
}

impl Source {
    /// pipenv's default source: `pypi`, `https://pypi.org/simple`, `verify_ssl = true`.
    pub fn pypi() -> Self {
        Source {
            name: "pypi".into(),
            url: "https://pypi.org/simple".into(),
            verify_ssl: true,
        }
    }

    /// The URL with `${VAR}` and `$VAR` replaced by the environment's values (a variable
    /// that is not set stays as written, as Python's `os.path.expandvars` leaves it).
    pub fn expanded_url(&self) -> String {
        den_dist::path::expand_vars(&self.url, |name| std::env::var(name).ok())
    }

    /// The source's keys as TOML lines (`name`, `url`, `verify_ssl`), as in plette's
    /// default `[[source]]` block.
    pub(crate) fn to_toml_lines(&self) -> String {
        format!(
            "name = {}\nurl = {}\nverify_ssl = {}\n",
            toml_edit::Value::from(self.name.as_str()),
            toml_edit::Value::from(self.url.as_str()),
            self.verify_ssl
        )
    }
}

/// What can go wrong reading or editing a Pipfile.
#[derive(Debug, thiserror::Error)]
pub enum PipfileError {
    /// The file could not be read or written.
    #[error(transparent)]
    Io(#[from] den_dist::IoError),
    /// The text is not TOML: `Pipfile:3:7: invalid string` (line and column from 1).
    #[error("{}:{line}:{column}: {message}", path.display())]
    Toml {
        /// The Pipfile.
        path: PathBuf,
        /// Line of the error, from 1.
        line: usize,
        /// Column (in characters) of the error, from 1.
        column: usize,
        /// toml_edit's description.
        message: String,
    },
    /// A value of the wrong shape: `Pipfile: [packages] requests: expected a version string
    /// such as "*" or a table, found an integer`.
    #[error("{}: [{table}] {key}: expected {expected}", path.display())]
    Shape {
        /// The Pipfile.
        path: PathBuf,
        /// The table (`packages`, `scripts`, `requires`...).
        table: String,
        /// The key in it (for a package, the package name as written, and the option:
        /// `requests.extras`).
        key: String,
        /// What was expected and what was found.
        expected: String,
    },
    /// The Pipfile cannot be hashed (pipenv fails on the same input).
    #[error("cannot hash the Pipfile: {0}")]
    Hash(String),
}

impl PipfileError {
    /// The error of toml_edit failing on `text`, located by line and column.
    pub(crate) fn toml(path: &Path, text: &str, error: &toml_edit::TomlError) -> Self {
        let start = error.span().map_or(0, |s| s.start).min(text.len());
        let (line, column) = line_column(text, start);
        PipfileError::Toml {
            path: path.to_path_buf(),
            line,
            column,
            message: error.message().trim().to_string(),
        }
    }
}

/// The 1-based line and character column of byte `offset` in `text`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_the_file_whole_and_keep_its_newlines() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("Pipfile");
        std::fs::write(&path, "[packages]\r\na = \"*\"\r\n").unwrap();
        let mut pipfile = Pipfile::read(&path).unwrap();
        pipfile.add_package("packages", "b", &PackageSpec::Version("==1".into()));
        pipfile.write().unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[packages]\r\na = \"*\"\r\nb = \"==1\"\r\n\r\n[dev-packages]\r\n"
        );
        let names: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");

        let lock_path = tmp.path().join("Pipfile.lock");
        let meta = LockMeta::new(
            &pipfile.hash().unwrap(),
            serde_json::Map::new(),
            &pipfile.sources().unwrap(),
        );
        Lockfile::new(meta).write(&lock_path).unwrap();
        let lock = Lockfile::read(&lock_path).unwrap();
        assert_eq!(lock.render(), std::fs::read_to_string(&lock_path).unwrap());
        assert!(
            Lockfile::read(&tmp.path().join("missing"))
                .unwrap_err()
                .to_string()
                .contains("missing")
        );
    }

    #[test]
    fn newline_styles() {
        assert_eq!(newline_style("a\r\nb\r\n"), "\r\n");
        assert_eq!(newline_style("a\r\nb\n"), "\n");
        assert_eq!(newline_style("ab"), "\n");
    }
}
