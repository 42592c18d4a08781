//! pip's configuration files themselves: where they are ([`PipConfigLocations`], pip's
//! `get_configuration_files`) and one file read, edited and written as pip's `configparser`
//! does ([`PipConf`]). [`crate::IndexConfig`] reads its settings through these;
//! `den pip config` lists and edits them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use den_dist::IoError;

use crate::IndexError;

/// pip's configuration files by kind (pip's "variants"), each list in pip's loading order:
/// a later file overrides an earlier one of the same kind, and kinds override in the order
/// global, user, site, `PIP_CONFIG_FILE`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipConfigLocations {
    /// `PIP_CONFIG_FILE`, when set (`/dev/null` means: load no file at all).
    pub env: Option<PathBuf>,
    /// `$XDG_CONFIG_DIRS/pip/pip.conf` (default `/etc/xdg/pip/pip.conf`), then
    /// `/etc/pip.conf`.
    pub global: Vec<PathBuf>,
    /// `~/.pip/pip.conf`, then `$XDG_CONFIG_HOME/pip/pip.conf` (default
    /// `~/.config/pip/pip.conf`). pip loads them only when `PIP_CONFIG_FILE` names no
    /// existing file.
    pub user: Vec<PathBuf>,
    /// `<environment>/pip.conf` (pip's `sys.prefix`), when there is an environment.
    pub site: Option<PathBuf>,
}

impl PipConfigLocations {
    /// The locations for environment variables `env` (`PIP_CONFIG_FILE`, `HOME`,
    /// `XDG_CONFIG_HOME`, `XDG_CONFIG_DIRS`) and the environment at `prefix`.
    pub fn new(env: &HashMap<String, String>, prefix: Option<&Path>) -> Self {
        let var = |name: &str| env.get(name).filter(|v| !v.is_empty());
        let home = var("HOME").map(PathBuf::from);
        let mut global: Vec<PathBuf> = var("XDG_CONFIG_DIRS")
            .map_or("/etc/xdg", |v| v.as_str())
            .split(':')
            .filter(|dir| !dir.is_empty())
            .map(|dir| Path::new(dir).join("pip").join("pip.conf"))
            .collect();
        global.push(PathBuf::from("/etc/pip.conf"));
        let config_home = var("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".config")));
        let user = home
            .map(|h| h.join(".pip").join("pip.conf"))
            .into_iter()
            .chain(config_home.map(|c| c.join("pip").join("pip.conf")))
            .collect();
        Self {
            env: var("PIP_CONFIG_FILE").map(PathBuf::from),
            global,
            user,
            site: prefix.map(|p| p.join("pip.conf")),
        }
    }

    /// Whether `PIP_CONFIG_FILE` is `/dev/null`, which turns every file off.
    pub fn disabled(&self) -> bool {
        self.env.as_deref() == Some(Path::new("/dev/null"))
    }

    /// Whether pip reads the user files: not when `PIP_CONFIG_FILE` names an existing file
    /// (pip's rule) or in isolated mode.
    pub fn user_files_read(&self, isolated: bool) -> bool {
        !isolated && !self.env.as_ref().is_some_and(|f| f.exists())
    }
}

/// One `key = value` of a [`PipConf`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipConfEntry {
    /// The key lowercased, as `configparser` stores it (`index-url`, `index_url`).
    pub key: String,
    /// The value, stripped, continuation lines joined with `\n`.
    pub value: String,
    /// The 1-based line of the key.
    pub line: usize,
}

impl PipConfEntry {
    /// The key as pip looks it up: lowercased, `_` as `-`, without a leading `--`.
    pub fn normalized_key(&self) -> String {
        normalize_key(&self.key)
    }
}

/// pip's `_normalize_name`: lowercase, `_` to `-`, a leading `--` dropped.
pub fn normalize_key(name: &str) -> String {
    let name = name.to_lowercase().replace('_', "-");
    match name.strip_prefix("--") {
        Some(rest) => rest.to_string(),
        None => name,
    }
}

/// One `[section]` of a [`PipConf`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipConfSection {
    /// The name as written (pip compares section names with their case).
    pub name: String,
    /// The 1-based line of its header (0 for a section added by [`PipConf::set`]).
    pub line: usize,
    /// Its entries, in file order.
    pub entries: Vec<PipConfEntry>,
}

/// One pip configuration file: its sections in file order, each with its entries in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipConf {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its sections, in file order.
    pub sections: Vec<PipConfSection>,
}

impl PipConf {
    /// Reads an INI file as pip's `configparser` does: `[section]` headers, `key = value` or
    /// `key: value`, indented continuation lines, `#`/`;` comment lines; a section or a key
    /// (compared lowercased) given twice is an error, as `configparser`'s strict mode makes
    /// it for pip. `Ok(None)` when the file does not exist. Kept by hand rather
    /// than the `configparser` or `rust-ini` crates: neither reports the line of a value, and
    /// every config error here names `file:line`.
    ///
    /// Errors: [`IndexError::Config`] naming `file:line` for a malformed line, or the file
    /// is a directory; an I/O error when it cannot be read.
    pub fn read(path: &Path) -> Result<Option<Self>, IndexError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if path.is_dir() => {
                return Err(IndexError::Config {
                    file: path.to_path_buf(),
                    line: None,
                    reason: format!("is a directory, not a config file ({e})"),
                });
            }
            Err(e) => return Err(IoError::new("read", path, e).into()),
        };
        Self::parse(path, &text).map(Some)
    }

    /// Parses `text` as the file at `path` (see [`PipConf::read`]).
    ///
    /// Errors: [`IndexError::Config`] naming `path:line`.
    pub fn parse(path: &Path, text: &str) -> Result<Self, IndexError> {
        let error = |line: usize, reason: &str| IndexError::Config {
            file: path.to_path_buf(),
            line: Some(line),
            reason: reason.to_string(),
        };
        let mut conf = Self {
            path: path.to_path_buf(),
            sections: Vec::new(),
        };
        let mut current: Option<usize> = None;
        for (index, raw) in text.lines().enumerate() {
            let number = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
                continue;
            }
            if raw.starts_with([' ', '\t'])
                && let Some(last) = current.and_then(|s| conf.sections[s].entries.last_mut())
            {
                last.value.push('\n');
                last.value.push_str(trimmed);
                continue;
            }
            if let Some(name) = trimmed.strip_prefix('[') {
                let name = name
                    .strip_suffix(']')
                    .ok_or_else(|| error(number, "section header is missing its closing `]`"))?
                    .trim();
                if let Some(first) = conf.sections.iter().find(|s| s.name == name) {
                    let reason = format!(
                        "section [{name}] already given at line {}; pip refuses the file",
                        first.line
                    );
                    return Err(error(number, &reason));
                }
                conf.sections.push(PipConfSection {
                    name: name.to_string(),
                    line: number,
                    entries: Vec::new(),
                });
                current = Some(conf.sections.len() - 1);
                continue;
            }
            let Some(split) = trimmed.find(['=', ':']) else {
                return Err(error(
                    number,
                    "expected `key = value` or a `[section]` header",
                ));
            };
            let Some(section) = current else {
                return Err(error(
                    number,
                    "setting before any `[section]` header; put it under `[global]`",
                ));
            };
            let key = trimmed[..split].trim().to_lowercase();
            let value = trimmed[split + 1..].trim().to_string();
            let section = &mut conf.sections[section];
            if let Some(first) = section.entries.iter().find(|e| e.key == key) {
                let reason = format!(
                    "`{key}` already set in [{}] at line {}; pip refuses the file",
                    section.name, first.line
                );
                return Err(error(number, &reason));
            }
            section.entries.push(PipConfEntry {
                key,
                value,
                line: number,
            });
        }
        Ok(conf)
    }

    /// The index of section `name`, added at the end when missing.
    fn section_index(&mut self, name: &str) -> usize {
        match self.sections.iter().position(|s| s.name == name) {
            Some(index) => index,
            None => {
                self.sections.push(PipConfSection {
                    name: name.to_string(),
                    line: 0,
                    entries: Vec::new(),
                });
                self.sections.len() - 1
            }
        }
    }

    /// Every entry as pip names it, `section.key` (key normalized), with its value, in file
    /// order; a later spelling of the same key overrides an earlier one in place.
    pub fn items(&self) -> Vec<(String, String)> {
        let mut items: Vec<(String, String)> = Vec::new();
        for section in &self.sections {
            for entry in &section.entries {
                let key = format!("{}.{}", section.name, entry.normalized_key());
                match items.iter_mut().find(|(k, _)| *k == key) {
                    Some(item) => item.1 = entry.value.clone(),
                    None => items.push((key, entry.value.clone())),
                }
            }
        }
        items
    }

    /// Sets `key` in `section` (both as given), adding the section at the end and the key at
    /// the end of its section when missing, as `configparser`'s `set` does.
    pub fn set(&mut self, section: &str, key: &str, value: &str) {
        let index = self.section_index(section);
        let entries = &mut self.sections[index].entries;
        match entries.iter_mut().find(|e| e.key == key) {
            Some(entry) => entry.value = value.to_string(),
            None => entries.push(PipConfEntry {
                key: key.to_string(),
                value: value.to_string(),
                line: 0,
            }),
        }
    }

    /// Removes `key` (compared lowercased, as `configparser`'s `remove_option`) from
    /// `section`, and the section when it is left empty. Whether it was there.
    pub fn unset(&mut self, section: &str, key: &str) -> bool {
        let key = key.to_lowercase();
        let Some(index) = self.sections.iter().position(|s| s.name == section) else {
            return false;
        };
        let entries = &mut self.sections[index].entries;
        let before = entries.len();
        entries.retain(|e| e.key != key);
        let removed = entries.len() != before;
        if removed && entries.is_empty() {
            self.sections.remove(index);
        }
        removed
    }

    /// The file as `configparser`'s `write` makes it: `[section]`, `key = value` lines
    /// (continuation lines indented with a tab), a blank line after each section. Comments
    /// and layout are not kept, as pip does not keep them.
    pub fn to_ini(&self) -> String {
        let mut out = String::new();
        for section in &self.sections {
            out.push_str(&format!("[{}]\n", section.name));
            for entry in &section.entries {
                let value = entry.value.replace('\n', "\n\t");
                out.push_str(&format!("{} = {value}\n", entry.key));
            }
            out.push('\n');
        }
        out
    }

    /// Writes [`PipConf::to_ini`] to its path, creating the directory, through a temporary
    /// file renamed into place.
    ///
    /// Errors: the directory cannot be made or the file written.
    pub fn write(&self) -> Result<(), IoError> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| IoError::new("create directory", dir, e))?;
        }
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut temp = tempfile::NamedTempFile::new_in(dir)
            .map_err(|e| IoError::new("create a file in", dir, e))?;
        std::io::Write::write_all(&mut temp, self.to_ini().as_bytes())
            .map_err(|e| IoError::new("write", temp.path(), e))?;
        temp.persist(&self.path)
            .map_err(|e| IoError::new("write", &self.path, e.error))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_and_writes_as_configparser() {
        let text = "# company settings\n[global]\nIndex_URL = https://a/simple\ntimeout: 60\n\
                    trusted-host =\n  a\n  b\n[install]\nno-compile = yes\n";
        let mut conf = PipConf::parse(Path::new("pip.conf"), text).unwrap();
        assert_eq!(
            conf.items(),
            [
                ("global.index-url".into(), "https://a/simple".into()),
                ("global.timeout".into(), "60".into()),
                ("global.trusted-host".into(), "\na\nb".into()),
                ("install.no-compile".into(), "yes".into()),
            ]
        );
        conf.set("global", "timeout", "5");
        conf.set("freeze", "all", "true");
        assert!(conf.unset("install", "no-compile"));
        assert!(!conf.unset("install", "no-compile"));
        assert_eq!(
            conf.to_ini(),
            "[global]\nindex_url = https://a/simple\ntimeout = 5\ntrusted-host = \n\ta\n\tb\n\n\
             [freeze]\nall = true\n\n"
        );
    }

    /// What `configparser` refuses, pip refuses: each error names the file and line.
    #[test]
    fn refuses_what_configparser_refuses() {
        let cases = [
            (
                "index-url = x\n",
                "pip.conf:1: setting before any `[section]`",
            ),
            ("[global]\nfoo\n", "pip.conf:2: expected `key = value`"),
            (
                "[global]\na = 1\n[global]\n",
                "pip.conf:3: section [global] already given at line 1",
            ),
            (
                "[global]\nA = 1\na = 2\n",
                "pip.conf:3: `a` already set in [global] at line 2",
            ),
        ];
        for (text, expected) in cases {
            let err = PipConf::parse(Path::new("pip.conf"), text)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn locations_as_pip() {
        let env: HashMap<String, String> = [("HOME", "/h"), ("XDG_CONFIG_DIRS", "/x:/y")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let at = PipConfigLocations::new(&env, Some(Path::new("/v")));
        assert_eq!(
            at.global,
            [
                PathBuf::from("/x/pip/pip.conf"),
                "/y/pip/pip.conf".into(),
                "/etc/pip.conf".into()
            ]
        );
        assert_eq!(
            at.user,
            [
                PathBuf::from("/h/.pip/pip.conf"),
                "/h/.config/pip/pip.conf".into()
            ]
        );
        assert_eq!(at.site, Some(PathBuf::from("/v/pip.conf")));
        assert_eq!(at.env, None);
    }
}
