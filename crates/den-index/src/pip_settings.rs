//! pip's configuration as one pip command sees it ([`PipConfiguration`]): the files in pip's
//! loading order and the `PIP_<OPTION>` variables, with pip's precedence. den's pip command
//! lines ([`crate::IndexConfig`] for the index and network keys, den's `pip_args` for the
//! rest) read every configured value through it.
//!
//! pip's rule (its `Configuration` and `ConfigOptionParser`): files load in the order global,
//! user, site, `PIP_CONFIG_FILE`, a later file's value of a `section.key` replacing an earlier
//! one's; then, for the running command, every `[global]` value, then every `[COMMAND]` value,
//! then the variables apply, each replacing what came before. So a global file's `[install]`
//! beats `PIP_CONFIG_FILE`'s `[global]` for `pip install`, and `[install]` never applies to
//! `pip download`. Empty values are ignored, as pip ignores them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::IndexError;
use crate::pip_conf::{PipConf, PipConfigLocations, normalize_key};

/// The sections pip reads: `[global]` and one per pip command (pip's `commands_dict`).
pub const PIP_SECTIONS: &[&str] = &[
    "global",
    "install",
    "lock",
    "download",
    "uninstall",
    "freeze",
    "inspect",
    "list",
    "show",
    "check",
    "config",
    "search",
    "cache",
    "index",
    "wheel",
    "hash",
    "completion",
    "debug",
    "help",
];

/// One configured value and where it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipSetting {
    /// The file's section (`global`, `install`...); `None` for a `PIP_*` variable.
    pub section: Option<String>,
    /// The key as pip looks it up ([`normalize_key`]).
    pub key: String,
    /// The value as written (continuation lines joined with `\n`).
    pub value: String,
    /// The file, or the variable's name as a path.
    pub source: PathBuf,
    /// The 1-based line in the file; `None` for a variable.
    pub line: Option<usize>,
}

impl PipSetting {
    /// Where the value was set: `FILE:LINE [section]`, or the variable's name.
    pub fn origin(&self) -> String {
        match (&self.section, self.line) {
            (Some(section), Some(line)) => {
                format!("{}:{line} [{section}]", self.source.display())
            }
            _ => self.source.display().to_string(),
        }
    }

    /// An [`IndexError::Config`] naming this value's file and line (or variable).
    pub fn error(&self, reason: impl Into<String>) -> IndexError {
        IndexError::Config {
            file: self.source.clone(),
            line: self.line,
            reason: reason.into(),
        }
    }
}

/// pip's configuration files and variables, loaded once for a command line.
#[derive(Debug, Clone, Default)]
pub struct PipConfiguration {
    /// Every non-empty value of the files; those of one key in pip's loading order (files in
    /// that order, each file's values in order).
    files: Vec<PipSetting>,
    /// The `PIP_*` variables, sorted by name (none in isolated mode).
    variables: Vec<PipSetting>,
    /// Sections pip does not read, as `(file, line, name)`.
    unknown_sections: Vec<(PathBuf, usize, String)>,
}

impl PipConfiguration {
    /// Loads as pip does for the variables `env` and the environment at `site` (whose
    /// `pip.conf` is the site file): the files of [`PipConfigLocations`] in the order global,
    /// user, site, `PIP_CONFIG_FILE` (user files not when `PIP_CONFIG_FILE` names an existing
    /// file or when `isolated`; no file when it is `/dev/null`), then the `PIP_*` variables
    /// unless `isolated` (pip's `--isolated`).
    ///
    /// Errors: [`IndexError::Config`] naming `file:line` for a file pip refuses to load; an
    /// I/O error when one cannot be read.
    pub fn load(
        env: &HashMap<String, String>,
        site: Option<&Path>,
        isolated: bool,
    ) -> Result<Self, IndexError> {
        let locations = PipConfigLocations::new(env, site);
        let mut paths: Vec<PathBuf> = Vec::new();
        if !locations.disabled() {
            paths.extend(locations.global.iter().cloned());
            if locations.user_files_read(isolated) {
                paths.extend(locations.user.iter().cloned());
            }
            paths.extend(locations.site.iter().cloned());
            paths.extend(locations.env.iter().cloned());
        }
        Self::from_files(&paths, env, isolated)
    }

    /// The configuration of the files `paths` (in loading order, a missing one skipped) and,
    /// unless `isolated`, the `PIP_*` variables of `env`.
    ///
    /// Errors: as [`PipConfiguration::load`].
    pub fn from_files(
        paths: &[PathBuf],
        env: &HashMap<String, String>,
        isolated: bool,
    ) -> Result<Self, IndexError> {
        let mut configuration = Self::default();
        for path in paths {
            if let Some(conf) = PipConf::read(path)? {
                configuration.add_file(&conf);
            }
        }
        if !isolated {
            for (name, value) in pip_variables(env) {
                if value.is_empty() {
                    continue;
                }
                configuration.variables.push(PipSetting {
                    section: None,
                    key: normalize_key(name),
                    value: value.to_string(),
                    source: PathBuf::from(format!("PIP_{name}")),
                    line: None,
                });
            }
        }
        Ok(configuration)
    }

    /// [`PipConfiguration::load`] for this process's variables, the site file being that of
    /// `$VIRTUAL_ENV`.
    ///
    /// Errors: as [`PipConfiguration::load`].
    pub fn from_process(isolated: bool) -> Result<Self, IndexError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        let site = env
            .get("VIRTUAL_ENV")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from);
        Self::load(&env, site.as_deref(), isolated)
    }

    /// This configuration with the files' values of `keys` (normalized) replaced by
    /// `other`'s: for the options that chose the interpreter pip runs in (`python`), which
    /// pip, once running under it, takes from the configuration that chose it, not from its
    /// own site file. The variables stay (they are the same for both).
    pub fn with_values_of(mut self, other: &Self, keys: &[&str]) -> Self {
        let of_keys = |setting: &PipSetting| keys.contains(&setting.key.as_str());
        self.files.retain(|setting| !of_keys(setting));
        self.files.extend(
            other
                .files
                .iter()
                .filter(|setting| of_keys(setting))
                .cloned(),
        );
        self
    }

    /// Adds one file's values after those already loaded.
    fn add_file(&mut self, conf: &PipConf) {
        for section in &conf.sections {
            if !PIP_SECTIONS.contains(&section.name.as_str()) {
                self.unknown_sections
                    .push((conf.path.clone(), section.line, section.name.clone()));
            }
            for entry in section.entries.iter().filter(|e| !e.value.is_empty()) {
                self.files.push(PipSetting {
                    section: Some(section.name.clone()),
                    key: entry.normalized_key(),
                    value: entry.value.clone(),
                    source: conf.path.clone(),
                    line: Some(entry.line),
                });
            }
        }
    }

    /// The values pip's `command` takes, in pip's override order: every `[global]` value,
    /// then every `[command]` value (files in loading order), then the variables; of two
    /// values of one key, the later wins.
    pub fn ordered<'a, 'c>(&'a self, command: &'c str) -> impl Iterator<Item = &'a PipSetting> {
        let in_section = move |section: &'c str| {
            self.files
                .iter()
                .filter(move |setting| setting.section.as_deref() == Some(section))
        };
        in_section("global")
            .chain(in_section(command))
            .chain(&self.variables)
    }

    /// The value pip's `command` takes for an option spelled as any of `keys` (normalized,
    /// such as `timeout` and its alias `default-timeout`): the last in
    /// [`PipConfiguration::ordered`].
    pub fn get(&self, command: &str, keys: &[&str]) -> Option<&PipSetting> {
        self.ordered(command)
            .filter(|setting| keys.contains(&setting.key.as_str()))
            .last()
    }

    /// One warning per section pip does not read (a misspelt `[instal]`, another tool's),
    /// naming its file and line: pip ignores such a section silently.
    pub fn warnings(&self) -> Vec<String> {
        self.unknown_sections
            .iter()
            .map(|(file, line, name)| {
                format!(
                    "{}:{line}: unknown section [{name}], ignored: pip reads [global] and its \
                     commands' sections ([install], [download], [freeze], ...)",
                    file.display()
                )
            })
            .collect()
    }
}

/// The `PIP_*` variables of `env` as pip's configuration reads them: `(name after `PIP_`,
/// value)` in name order, without `PIP_VERSION` and `PIP_HELP` (options pip never takes from
/// the environment).
pub fn pip_variables(env: &HashMap<String, String>) -> Vec<(&str, &str)> {
    let mut variables: Vec<(&str, &str)> = env
        .iter()
        .filter_map(|(key, value)| Some((key.strip_prefix("PIP_")?, value.as_str())))
        .filter(|(name, _)| {
            !name.eq_ignore_ascii_case("version") && !name.eq_ignore_ascii_case("help")
        })
        .collect();
    variables.sort();
    variables
}

#[cfg(test)]
mod tests {
    use super::*;

    /// pip's precedence: section before file, a later file before an earlier one, variables
    /// last; only the command's own section.
    #[test]
    fn follows_pips_precedence() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("venv");
        std::fs::create_dir_all(&site).unwrap();
        std::fs::write(
            site.join("pip.conf"),
            "[install]\nindex-url = https://site-install/\n[bogus]\nx = 1\n",
        )
        .unwrap();
        let env_file = dir.path().join("env.conf");
        std::fs::write(
            &env_file,
            "[global]\nindex-url = https://env-global/\ntimeout =\n[download]\nretries = 4\n",
        )
        .unwrap();
        let mut env: HashMap<String, String> = [
            ("PIP_CONFIG_FILE", env_file.to_str().unwrap()),
            ("HOME", dir.path().to_str().unwrap()),
            ("XDG_CONFIG_DIRS", dir.path().to_str().unwrap()),
            ("PIP_RETRIES", "7"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let conf = PipConfiguration::load(&env, Some(&site), false).unwrap();
        let value = |command: &str, key: &str| conf.get(command, &[key]).map(|s| s.origin());
        assert!(
            value("install", "index-url")
                .unwrap()
                .ends_with("venv/pip.conf:2 [install]")
        );
        assert!(
            value("download", "index-url")
                .unwrap()
                .ends_with("env.conf:2 [global]")
        );
        assert_eq!(value("download", "retries").as_deref(), Some("PIP_RETRIES"));
        assert_eq!(value("install", "timeout"), None);
        assert_eq!(conf.warnings().len(), 1);
        assert!(conf.warnings()[0].contains("venv/pip.conf:3: unknown section [bogus]"));
        let isolated = PipConfiguration::load(&env, Some(&site), true).unwrap();
        assert!(
            isolated
                .get("download", &["retries"])
                .unwrap()
                .line
                .is_some()
        );
        env.insert("PIP_CONFIG_FILE".into(), "/dev/null".into());
        let none = PipConfiguration::load(&env, Some(&site), false).unwrap();
        assert!(none.get("install", &["index-url"]).is_none());
    }

    /// The keys taken from another configuration have its values only, whatever section of
    /// this one sets them; the other keys keep this one's.
    #[test]
    fn takes_the_values_of_keys_from_another() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first.conf");
        let second = dir.path().join("second.conf");
        std::fs::write(
            &first,
            "[global]\npython = /a\nindex-url = https://first/\n",
        )
        .unwrap();
        std::fs::write(
            &second,
            "[install]\npython = /b\n[global]\nindex-url = https://second/\n",
        )
        .unwrap();
        let env = HashMap::new();
        let first = PipConfiguration::from_files(&[first], &env, false).unwrap();
        let second = PipConfiguration::from_files(&[second], &env, false).unwrap();
        let taken = second.with_values_of(&first, &["python"]);
        let value = |key: &str| taken.get("install", &[key]).map(|s| s.value.clone());
        assert_eq!(value("python").as_deref(), Some("/a"));
        assert_eq!(value("index-url").as_deref(), Some("https://second/"));
    }
}
