//! `Pipfile.lock`: a typed model that keeps every key it does not know, read from JSON and
//! written exactly as pipenv writes it (`Lockfile.write` in `pipenv/utils/lockfile.py` with
//! `_LockFileEncoder` of `pipenv/project.py`): `json` with `indent=4`, separators
//! `(",", ": ")`, `sort_keys=True` and `ensure_ascii` escapes, then one `\n` at the end, in
//! the newline style of the lock that was read (Python's `f.newlines`: its only style, else
//! `\n`). pipenv never checks `pipfile-spec` when it reads a lock: any value is kept.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use den_dist::IoResultExt as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::pyjson::{PyValue, dumps_indented};

/// The `pipfile-spec` pipenv writes (plette's `PIPFILE_SPEC_CURRENT`).
pub const PIPFILE_SPEC_CURRENT: i64 = 6;

/// What can go wrong reading or writing a lock.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The file could not be read or written.
    #[error(transparent)]
    Io(#[from] den_dist::IoError),
    /// Not JSON, or JSON of the wrong shape: `Pipfile.lock:4:12: expected ...`.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Json {
        /// The lock file.
        path: PathBuf,
        /// Line, from 1 (0 when serde_json gives none).
        line: usize,
        /// Column, from 1.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// A part of the lock that is not the shape pipenv writes:
    /// `Pipfile.lock: default.requests.hashes: expected a list of strings`.
    #[error("{}: {at}: {message}", path.display())]
    Shape {
        /// The lock file.
        path: PathBuf,
        /// Where: `_meta`, `default.requests`...
        at: String,
        /// What was expected.
        message: String,
    },
}

/// `_meta`: the hash of the Pipfile the lock was made from, the spec version, the
/// Pipfile's `[requires]` and its sources. Absent keys stay absent when written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LockMeta {
    /// `hash`: `{"sha256": "<hex>"}` ([`crate::pipfile_hash`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<Map<String, Value>>,
    /// `pipfile-spec` (6 today).
    #[serde(
        rename = "pipfile-spec",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub pipfile_spec: Option<Value>,
    /// `requires`: the Pipfile's `[requires]` table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires: Option<Map<String, Value>>,
    /// `sources`: the Pipfile's `[[source]]` entries (`name`, `url`, `verify_ssl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<Value>>,
    /// Any other key, kept as read.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

impl LockMeta {
    /// `hash.sha256`, when present and a string.
    pub fn sha256(&self) -> Option<&str> {
        self.hash.as_ref()?.get("sha256")?.as_str()
    }

    /// The `_meta` pipenv writes for a Pipfile (`Lockfile.meta`): its hash, spec 6, its
    /// `[requires]` and its sources.
    pub fn new(sha256: &str, requires: Map<String, Value>, sources: &[crate::Source]) -> Self {
        let mut hash = Map::new();
        hash.insert("sha256".into(), Value::String(sha256.into()));
        LockMeta {
            hash: Some(hash),
            pipfile_spec: Some(Value::from(PIPFILE_SPEC_CURRENT)),
            requires: Some(requires),
            sources: Some(
                sources
                    .iter()
                    .map(|s| {
                        serde_json::json!({"name": s.name, "url": s.url, "verify_ssl": s.verify_ssl})
                    })
                    .collect(),
            ),
            other: BTreeMap::new(),
        }
    }
}

/// One locked package: `{"version": "==2.32.3", "hashes": [...], "markers": "...",
/// "index": "pypi"}`, or a path / file / VCS entry. Keys den does not know are kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LockedPackage {
    /// `version`: `"==X"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `hashes`: `"sha256:<hex>"`, sorted by pipenv when it makes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashes: Option<Vec<String>>,
    /// `markers`: PEP 508 markers with single quotes (`python_version >= '3.8'`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markers: Option<String>,
    /// `index`: the name of the source the package comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// `extras`, sorted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extras: Option<Vec<String>>,
    /// `editable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub editable: Option<bool>,
    /// `path`: a local directory or file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `file`: a URL of an archive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// `git`: the repository URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<String>,
    /// `ref`: the commit a VCS entry is locked to.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// `subdirectory` of a VCS or path entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdirectory: Option<String>,
    /// Any other key (`hg`, `svn`, `bzr`, `no_binary`...), kept as read.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// A `Pipfile.lock`: `_meta`, the categories (`default`, `develop`, custom ones, each
/// package name -> [`LockedPackage`]) and any other top-level key kept as read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lockfile {
    /// `_meta`; `None` when the lock has none (pipenv then rebuilds it from the Pipfile).
    pub meta: Option<LockMeta>,
    /// Every top-level key whose value is an object, except `_meta`, by name.
    pub categories: BTreeMap<String, BTreeMap<String, LockedPackage>>,
    /// Top-level keys whose value is not an object, kept as read.
    pub other: BTreeMap<String, Value>,
    /// The newline style to write with: that of the file read, else `\n`.
    pub newline: &'static str,
}

impl Lockfile {
    /// An empty lock with `_meta` and empty `default` and `develop`.
    pub fn new(meta: LockMeta) -> Self {
        let mut categories = BTreeMap::new();
        categories.insert("default".to_string(), BTreeMap::new());
        categories.insert("develop".to_string(), BTreeMap::new());
        Lockfile {
            meta: Some(meta),
            categories,
            other: BTreeMap::new(),
            newline: "\n",
        }
    }

    /// Reads `path` (UTF-8, a leading BOM ignored as pipenv's `utf-8-sig` does).
    ///
    /// # Errors
    ///
    /// [`LockError::Io`] when it cannot be read, [`LockError::Json`] (with line and column)
    /// when it is not JSON, [`LockError::Shape`] when a part has the wrong type.
    pub fn read(path: &Path) -> Result<Self, LockError> {
        let bytes = std::fs::read(path).at("read", path)?;
        Self::from_slice(path, &bytes)
    }

    /// Parses lock bytes; `path` only names the file in errors.
    ///
    /// # Errors
    ///
    /// As [`Lockfile::read`].
    pub fn from_slice(path: &Path, bytes: &[u8]) -> Result<Self, LockError> {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let (line, column) = crate::line_column(
                &String::from_utf8_lossy(&bytes[..e.valid_up_to()]),
                e.valid_up_to(),
            );
            LockError::Json {
                path: path.to_path_buf(),
                line,
                column,
                message: "not UTF-8".into(),
            }
        })?;
        let value: Value = serde_json::from_str(text).map_err(|e| LockError::Json {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: strip_position(&e.to_string()),
        })?;
        let shape = |at: &str, message: String| LockError::Shape {
            path: path.to_path_buf(),
            at: at.to_string(),
            message,
        };
        let Value::Object(top) = value else {
            return Err(shape("(top level)", "expected an object".into()));
        };
        let mut lock = Lockfile {
            newline: crate::newline_style(text),
            ..Lockfile::default()
        };
        for (key, value) in top {
            if key == "_meta" {
                lock.meta = Some(
                    serde_json::from_value(value)
                        .map_err(|e| shape("_meta", strip_position(&e.to_string())))?,
                );
            } else if let Value::Object(packages) = value {
                let mut category = BTreeMap::new();
                for (name, entry) in packages {
                    let at = format!("{key}.{name}");
                    let package: LockedPackage = serde_json::from_value(entry)
                        .map_err(|e| shape(&at, strip_position(&e.to_string())))?;
                    category.insert(name, package);
                }
                lock.categories.insert(key, category);
            } else {
                lock.other.insert(key, value);
            }
        }
        Ok(lock)
    }

    /// The lock as pipenv writes it: 4-space indented JSON, keys sorted by code point at
    /// every level, non-ASCII as `\uXXXX`, one trailing newline, lines ended with
    /// [`Lockfile::newline`].
    pub fn render(&self) -> String {
        let mut top: Vec<(String, PyValue)> = Vec::new();
        if let Some(meta) = &self.meta {
            top.push(("_meta".into(), to_py(meta)));
        }
        for (name, packages) in &self.categories {
            top.push((
                name.clone(),
                PyValue::dict(packages.iter().map(|(k, p)| (k.clone(), to_py(p)))),
            ));
        }
        for (k, v) in &self.other {
            top.push((k.clone(), PyValue::from_json(v)));
        }
        let mut text = dumps_indented(&PyValue::dict(top));
        text.push('\n');
        if self.newline != "\n" {
            text = text.replace('\n', self.newline);
        }
        text
    }

    /// Writes [`Lockfile::render`] to `path` atomically (a temporary file in the same
    /// directory renamed over it).
    ///
    /// # Errors
    ///
    /// [`LockError::Io`] naming the file.
    pub fn write(&self, path: &Path) -> Result<(), LockError> {
        crate::write_atomic(path, self.render().as_bytes())?;
        Ok(())
    }
}

fn to_py<T: Serialize>(value: &T) -> PyValue {
    // Serializing plain data (strings, bools, maps, serde_json values) cannot fail.
    PyValue::from_json(&serde_json::to_value(value).unwrap_or(Value::Null))
}

/// serde_json's message without its ` at line L column C` tail (the error carries them).
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"{
    "_meta": {
        "hash": {
            "sha256": "abc"
        },
        "pipfile-spec": 6,
        "requires": {
            "python_version": "3.11"
        },
        "sources": [
            {
                "name": "pypi",
                "url": "https://pypi.org/simple",
                "verify_ssl": true
            }
        ]
    },
    "default": {
        "requests": {
            "hashes": [
                "sha256:aa",
                "sha256:bb"
            ],
            "index": "pypi",
            "markers": "python_version >= '3.8'",
            "version": "==2.32.3",
            "zz-unknown": {
                "x": 1.5
            }
        }
    },
    "develop": {}
}
"#;

    #[test]
    fn round_trips_byte_for_byte() {
        let lock = Lockfile::from_slice(Path::new("Pipfile.lock"), LOCK.as_bytes()).unwrap();
        assert_eq!(lock.meta.as_ref().unwrap().sha256(), Some("abc"));
        assert_eq!(lock.render(), LOCK);
        let crlf = LOCK.replace('\n', "\r\n");
        let lock = Lockfile::from_slice(Path::new("Pipfile.lock"), crlf.as_bytes()).unwrap();
        assert_eq!(lock.render(), crlf);
    }

    #[test]
    fn errors_name_line_and_column() {
        let err = Lockfile::from_slice(Path::new("Pipfile.lock"), b"{\n  \"a\": ,\n}").unwrap_err();
        assert!(err.to_string().starts_with("Pipfile.lock:2:8: "), "{err}");
        let err =
            Lockfile::from_slice(Path::new("P.lock"), br#"{"default": {"x": {"hashes": 3}}}"#)
                .unwrap_err();
        assert!(err.to_string().starts_with("P.lock: default.x: "), "{err}");
    }
}
