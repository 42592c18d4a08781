//! Whether an environment's base interpreter is still the one it was made with: pyvenv.cfg's
//! `home` (the base executable's directory) must still hold a Python, of the version recorded
//! (`version_info` from virtualenv, `version` from `python -m venv`). A pyenv version removed
//! or upgraded to a new directory, or a system Python upgraded in place, breaks environments
//! silently; [`base_health`] says which and why, without changing anything.

use std::fmt;
use std::path::{Path, PathBuf};

use den_cache::Cache;
use den_python::Interpreter;

use crate::PyVenvConfig;

/// The state of an environment's base interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseHealth {
    /// The base interpreter is there, at the version recorded (or none was recorded).
    Ok {
        /// The base interpreter's executable.
        executable: PathBuf,
        /// Its version (`3.12.1`).
        version: String,
    },
    /// No readable pyvenv.cfg, or one without `home`: not a PEP 405 environment den can judge.
    Unknown,
    /// `home` holds no Python executable any more.
    Missing {
        /// The `home` directory recorded.
        home: PathBuf,
        /// The version recorded, if any.
        recorded: Option<String>,
    },
    /// The executable is there but runs another version than the one recorded.
    Changed {
        /// The base interpreter's executable.
        executable: PathBuf,
        /// The version recorded in pyvenv.cfg.
        recorded: String,
        /// The version it runs now.
        found: String,
    },
    /// The executable is there but does not run (a broken install, a missing library).
    Unusable {
        /// The base interpreter's executable.
        executable: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
}

impl BaseHealth {
    /// Whether the environment needs repair (its base is missing, changed or unusable).
    pub fn is_broken(&self) -> bool {
        matches!(
            self,
            Self::Missing { .. } | Self::Changed { .. } | Self::Unusable { .. }
        )
    }
}

impl fmt::Display for BaseHealth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ok { version, .. } => write!(f, "ok (Python {version})"),
            Self::Unknown => f.write_str("not checked (no pyvenv.cfg with `home`)"),
            Self::Missing {
                home,
                recorded: Some(version),
            } => write!(
                f,
                "base interpreter gone: no Python in {} (it was Python {version})",
                home.display()
            ),
            Self::Missing {
                home,
                recorded: None,
            } => {
                write!(f, "base interpreter gone: no Python in {}", home.display())
            }
            Self::Changed {
                executable,
                recorded,
                found,
            } => write!(
                f,
                "base interpreter changed: {} is now Python {found} (it was Python {recorded})",
                executable.display()
            ),
            Self::Unusable { executable, reason } => write!(
                f,
                "base interpreter unusable: {}: {reason}",
                executable.display()
            ),
        }
    }
}

/// The release part of a recorded version: `3.12.1.final.0` (virtualenv) -> `3.12.1`.
fn release(version: &str) -> String {
    version
        .split('.')
        .take_while(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        .collect::<Vec<_>>()
        .join(".")
}

/// Checks the base interpreter of the environment at `root` (see [`BaseHealth`]): reads
/// pyvenv.cfg, looks for `python3`, `python` or `python{major}.{minor}` in `home`, and asks
/// it its version (through den-python's interpreter cache, so a second check runs nothing).
pub fn base_health(root: &Path, cache: &Cache) -> BaseHealth {
    let Ok(cfg) = PyVenvConfig::read(root) else {
        return BaseHealth::Unknown;
    };
    let Some(home) = cfg.home().map(PathBuf::from) else {
        return BaseHealth::Unknown;
    };
    let recorded = cfg.version().map(release).filter(|v| !v.is_empty());
    let mut names = vec!["python3".to_string(), "python".to_string()];
    if let Some(version) = &recorded {
        let minor: Vec<&str> = version.split('.').take(2).collect();
        names.insert(0, format!("python{}", minor.join(".")));
    }
    let Some(executable) = names
        .iter()
        .map(|name| home.join(name))
        .find(|file| file.is_file())
    else {
        return BaseHealth::Missing { home, recorded };
    };
    let interpreter = match Interpreter::query(&executable, cache) {
        Ok(interpreter) => interpreter,
        Err(err) => {
            return BaseHealth::Unusable {
                executable,
                reason: err.to_string(),
            };
        }
    };
    let found = interpreter.version.to_string();
    // Through a minor alias (`versions/3.12`, den's installs), a newer patch release is the
    // point: the environment moved along with it.
    let through_alias = home.parent().is_some_and(|dir| {
        std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink())
    });
    let minor = |version: &str| version.split('.').take(2).collect::<Vec<_>>().join(".");
    match recorded {
        Some(recorded)
            if release(&found) != recorded
                && !(through_alias && minor(&found) == minor(&recorded)) =>
        {
            BaseHealth::Changed {
                executable,
                recorded,
                found,
            }
        }
        _ => BaseHealth::Ok {
            executable,
            version: found,
        },
    }
}
