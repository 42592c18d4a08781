//! `pyvenv.cfg`, the file that makes a directory a virtual environment (PEP 405
//! §Specification): `key = value` lines read by the interpreter's `site` module at startup.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use den_dist::{IoError, IoResultExt};

/// The contents of a `pyvenv.cfg`, keeping every line as written (unknown keys, comments) so a
/// file read and written back changes only the keys that were set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PyVenvConfig {
    lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    /// `key = value`, both trimmed.
    Entry { key: String, value: String },
    /// A line without `=`, kept verbatim.
    Other(String),
}

impl PyVenvConfig {
    /// The file name, `pyvenv.cfg`.
    pub const FILE_NAME: &'static str = "pyvenv.cfg";

    /// The path of the `pyvenv.cfg` of the environment rooted at `root`.
    pub fn path_in(root: &Path) -> PathBuf {
        root.join(Self::FILE_NAME)
    }

    /// Parses the text of a `pyvenv.cfg`: each line with `=` is a `key = value` entry (key and
    /// value trimmed); other lines are kept as they are. Never fails.
    pub fn parse(text: &str) -> Self {
        let lines = text
            .lines()
            .map(|line| match line.split_once('=') {
                Some((key, value)) => Line::Entry {
                    key: key.trim().to_string(),
                    value: value.trim().to_string(),
                },
                None => Line::Other(line.to_string()),
            })
            .collect();
        Self { lines }
    }

    /// Reads `<root>/pyvenv.cfg`.
    ///
    /// # Errors
    ///
    /// The file cannot be read (it is missing, or not UTF-8): `cannot read
    /// <root>/pyvenv.cfg: ...`.
    pub fn read(root: &Path) -> Result<Self, IoError> {
        let path = Self::path_in(root);
        let text = fs::read_to_string(&path).at("read", &path)?;
        Ok(Self::parse(&text))
    }

    /// Writes this configuration to `<root>/pyvenv.cfg`, one `key = value` line per entry.
    ///
    /// # Errors
    ///
    /// The file cannot be written: `cannot write <root>/pyvenv.cfg: ...`.
    pub fn write(&self, root: &Path) -> Result<(), IoError> {
        let path = Self::path_in(root);
        fs::write(&path, self.to_string()).at("write", &path)
    }

    /// The value of `key` (the first line with that key wins, as in CPython's `site`), e.g.
    /// `home`; `None` when no line has it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.lines.iter().find_map(|line| match line {
            Line::Entry { key: k, value } if k == key => Some(value.as_str()),
            _ => None,
        })
    }

    /// Sets `key` to `value`: the first line with that key is replaced and later ones are
    /// dropped; without one, a line is appended.
    pub fn set(&mut self, key: &str, value: &str) {
        let entry = Line::Entry {
            key: key.to_string(),
            value: value.to_string(),
        };
        let mut replaced = false;
        self.lines.retain_mut(|line| match line {
            Line::Entry { key: k, .. } if k == key => {
                if replaced {
                    return false;
                }
                *line = entry.clone();
                replaced = true;
                true
            }
            _ => true,
        });
        if !replaced {
            self.lines.push(entry);
        }
    }

    /// `home`: the directory of the base interpreter's executable.
    pub fn home(&self) -> Option<&str> {
        self.get("home")
    }

    /// `include-system-site-packages`: whether the environment also sees the base
    /// interpreter's site-packages (PEP 405 §Isolation from system site-packages; `true` in
    /// any case, anything else is false).
    pub fn include_system_site_packages(&self) -> bool {
        self.get("include-system-site-packages")
            .is_some_and(|value| value.eq_ignore_ascii_case("true"))
    }

    /// `relocatable`: the environment finds itself from its scripts' own paths (den's
    /// `--relocatable`, as uv writes it; `true` in any case, anything else is false).
    pub fn relocatable(&self) -> bool {
        self.get("relocatable")
            .is_some_and(|value| value.eq_ignore_ascii_case("true"))
    }

    /// `prompt`, written when the environment was created with `--prompt`.
    pub fn prompt(&self) -> Option<&str> {
        self.get("prompt")
    }

    /// The base Python version: `version_info` (den, CPython 3.11+ `venv`) or `version` (older
    /// `venv`), as written (virtualenv writes `3.12.1.final.0`).
    pub fn version(&self) -> Option<&str> {
        self.get("version_info").or_else(|| self.get("version"))
    }
}

impl fmt::Display for PyVenvConfig {
    /// The file's text: each entry as `key = value`, other lines as read, each ending in `\n`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.lines {
            match line {
                Line::Entry { key, value } => writeln!(f, "{key} = {value}")?,
                Line::Other(text) => writeln!(f, "{text}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_values_first_key_wins() {
        let cfg = PyVenvConfig::parse(
            "home = /usr/bin\ninclude-system-site-packages = True\nversion = 3.11.2\nhome=/x\n",
        );
        assert_eq!(cfg.home(), Some("/usr/bin"));
        assert!(cfg.include_system_site_packages());
        assert_eq!(cfg.version(), Some("3.11.2"));
        assert_eq!(cfg.prompt(), None);
        assert!(
            !PyVenvConfig::parse("include-system-site-packages = no\n")
                .include_system_site_packages()
        );
    }

    #[test]
    fn set_replaces_the_first_drops_the_rest_and_keeps_other_lines() {
        let mut cfg = PyVenvConfig::parse("home = /usr/bin\n# note\nprompt = a\nprompt = b\n");
        cfg.set("prompt", "c d");
        assert_eq!(cfg.to_string(), "home = /usr/bin\n# note\nprompt = c d\n");
        cfg.set("den", "0.1.0");
        assert_eq!(
            cfg.to_string(),
            "home = /usr/bin\n# note\nprompt = c d\nden = 0.1.0\n"
        );
    }

    #[test]
    fn read_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = PyVenvConfig::read(dir.path()).unwrap_err();
        assert!(err.to_string().contains("pyvenv.cfg"), "{err}");
    }
}
