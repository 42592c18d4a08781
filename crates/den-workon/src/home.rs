//! Where named environments, hooks and projects live: WORKON_HOME, VIRTUALENVWRAPPER_HOOK_DIR,
//! PROJECT_HOME, the name of the file linking an environment to its project
//! (VIRTUALENVWRAPPER_PROJECT_FILENAME) and the hook log (VIRTUALENVWRAPPER_LOG_FILE), read from an explicit variable lookup so callers (and
//! tests) decide the environment.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use den_dist::path::expand_home_with;

use crate::names::validate_name;
use crate::{PROJECT_FILE, WorkonError};

/// The directories of virtualenvwrapper's model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Homes {
    /// Where named environments live: `$WORKON_HOME`, default `~/.virtualenvs`.
    pub workon_home: PathBuf,
    /// Where global hooks live: `$VIRTUALENVWRAPPER_HOOK_DIR`, default the WORKON_HOME.
    pub hook_dir: PathBuf,
    /// Where `mkproject` creates projects: `$PROJECT_HOME` (no default, as virtualenvwrapper).
    pub project_home: Option<PathBuf>,
    /// The name, inside an environment, of the file holding its project directory:
    /// `$VIRTUALENVWRAPPER_PROJECT_FILENAME`, default [`PROJECT_FILE`].
    pub project_filename: PathBuf,
    /// Where hook activity is logged: `$VIRTUALENVWRAPPER_LOG_FILE` (no default: no log), see
    /// [`crate::hook_log`].
    pub hook_log: Option<PathBuf>,
}

impl Homes {
    /// Resolves the homes from `var` (a lookup such as `|k| std::env::var_os(k)`): empty
    /// values count as unset; `~` and `~/` at the start of a value are expanded with `HOME` (as
    /// `os.path.expanduser` does, [`expand_home_with`]), and a
    /// relative value is taken against `cwd`. WORKON_HOME defaults to `$HOME/.virtualenvs`
    /// (virtualenvwrapper's default); without `HOME` that is `./.virtualenvs` against `cwd`.
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>, cwd: &Path) -> Self {
        let get = |key: &str| var(key).filter(|v| !v.is_empty());
        let home = get("HOME").map(PathBuf::from);
        let resolve = |value: OsString| {
            let expanded = match value.to_str() {
                Some(text) => PathBuf::from(expand_home_with(text, home.as_deref()).as_ref()),
                None => PathBuf::from(value),
            };
            cwd.join(expanded)
        };
        let workon_home = get("WORKON_HOME").map(resolve).unwrap_or_else(|| {
            home.clone()
                .unwrap_or_else(|| cwd.to_path_buf())
                .join(".virtualenvs")
        });
        let hook_dir = get("VIRTUALENVWRAPPER_HOOK_DIR")
            .map(resolve)
            .unwrap_or_else(|| workon_home.clone());
        let project_home = get("PROJECT_HOME").map(resolve);
        let project_filename = get("VIRTUALENVWRAPPER_PROJECT_FILENAME")
            .map_or_else(|| PathBuf::from(PROJECT_FILE), PathBuf::from);
        let hook_log = get("VIRTUALENVWRAPPER_LOG_FILE").map(resolve);
        Self {
            workon_home,
            hook_dir,
            project_home,
            project_filename,
            hook_log,
        }
    }

    /// The file holding the project directory of the environment at `root`:
    /// `root/<project_filename>`, inside `root` even when the name starts with `/` (as
    /// virtualenvwrapper's `$VIRTUAL_ENV/$VIRTUALENVWRAPPER_PROJECT_FILENAME`).
    pub fn project_file(&self, root: &Path) -> PathBuf {
        let name = &self.project_filename;
        root.join(name.strip_prefix("/").unwrap_or(name))
    }

    /// The path of environment `name` (validated; it need not exist).
    ///
    /// # Errors
    ///
    /// [`WorkonError::InvalidName`].
    pub fn env_path(&self, name: &str) -> Result<PathBuf, WorkonError> {
        validate_name(name)?;
        Ok(self.workon_home.join(name))
    }

    /// Makes sure WORKON_HOME is a writable directory, creating it (and its parents) when
    /// missing, as virtualenvwrapper does. Returns whether it was created.
    ///
    /// # Errors
    ///
    /// [`WorkonError::HomeNotWritable`] when it cannot be created, is not a directory, or a
    /// probe file cannot be created in it.
    pub fn ensure_workon_home(&self) -> Result<bool, WorkonError> {
        let home = &self.workon_home;
        let not_writable = |reason: String| WorkonError::HomeNotWritable {
            path: home.clone(),
            reason,
        };
        let created = if home.is_dir() {
            false
        } else if home.exists() {
            return Err(not_writable("it exists and is not a directory".into()));
        } else {
            std::fs::create_dir_all(home)
                .map_err(|e| not_writable(format!("cannot create it: {e}")))?;
            true
        };
        let probe = home.join(format!(".den-write-probe-{}", std::process::id()));
        std::fs::write(&probe, b"")
            .map_err(|e| not_writable(format!("cannot create a file in it: {e}")))?;
        // The probe is empty and ours; failing to delete it changes nothing the user sees.
        let _ = std::fs::remove_file(&probe);
        Ok(created)
    }

    /// PROJECT_HOME, which must be set and an existing directory (virtualenvwrapper's
    /// `virtualenvwrapper_verify_project_home`).
    ///
    /// # Errors
    ///
    /// [`WorkonError::ProjectHomeNotSet`], [`WorkonError::ProjectHomeMissing`].
    pub fn verified_project_home(&self) -> Result<&Path, WorkonError> {
        let home = self
            .project_home
            .as_deref()
            .ok_or(WorkonError::ProjectHomeNotSet)?;
        if !home.is_dir() {
            return Err(WorkonError::ProjectHomeMissing {
                path: home.to_path_buf(),
            });
        }
        Ok(home)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn homes(vars: &[(&str, &str)]) -> Homes {
        let map: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        Homes::from_vars(|k| map.get(k).cloned(), Path::new("/cwd"))
    }

    #[test]
    fn defaults_follow_virtualenvwrapper() {
        let h = homes(&[("HOME", "/home/u")]);
        assert_eq!(h.workon_home, Path::new("/home/u/.virtualenvs"));
        assert_eq!(h.hook_dir, h.workon_home);
        assert_eq!(h.project_home, None);
        assert_eq!(h.hook_log, None);
        assert_eq!(h.project_file(Path::new("/e")), Path::new("/e/.project"));
        let empty = homes(&[("HOME", "/home/u"), ("WORKON_HOME", "")]);
        assert_eq!(empty.workon_home, Path::new("/home/u/.virtualenvs"));
    }

    #[test]
    fn explicit_values_expand_tilde_and_relative_paths() {
        let h = homes(&[
            ("HOME", "/home/u"),
            ("WORKON_HOME", "~/envs"),
            ("VIRTUALENVWRAPPER_HOOK_DIR", "hooks"),
            ("PROJECT_HOME", "/p"),
            ("VIRTUALENVWRAPPER_LOG_FILE", "~/hooks.log"),
        ]);
        assert_eq!(h.hook_log.as_deref(), Some(Path::new("/home/u/hooks.log")));
        assert_eq!(h.workon_home, Path::new("/home/u/envs"));
        assert_eq!(h.hook_dir, Path::new("/cwd/hooks"));
        let bare = homes(&[("HOME", "/home/u/"), ("WORKON_HOME", "~")]);
        assert_eq!(bare.workon_home, Path::new("/home/u"));
        let other_user = homes(&[("HOME", "/home/u"), ("WORKON_HOME", "~x/envs")]);
        assert_eq!(other_user.workon_home, Path::new("/cwd/~x/envs"));
        assert_eq!(h.project_home.as_deref(), Some(Path::new("/p")));
        assert_eq!(h.env_path("a b").unwrap(), Path::new("/home/u/envs/a b"));
        assert!(h.env_path("a/b").is_err());
    }

    #[test]
    fn project_file_name_comes_from_the_variable_and_stays_in_the_environment() {
        let named = |name: &str| homes(&[("VIRTUALENVWRAPPER_PROJECT_FILENAME", name)]);
        let env = Path::new("/e");
        assert_eq!(
            named(".not-project").project_file(env),
            Path::new("/e/.not-project")
        );
        assert_eq!(named("/abs").project_file(env), Path::new("/e/abs"));
        assert_eq!(named("").project_file(env), Path::new("/e/.project"));
    }

    #[test]
    fn workon_home_is_created_or_refused() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("deep/home");
        let h = homes(&[("WORKON_HOME", dir.to_str().unwrap())]);
        assert!(h.ensure_workon_home().unwrap());
        assert!(!h.ensure_workon_home().unwrap());
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            0,
            "the probe is gone"
        );
        let file = temp.path().join("file");
        std::fs::write(&file, "").unwrap();
        let h = homes(&[("WORKON_HOME", file.to_str().unwrap())]);
        assert!(matches!(
            h.ensure_workon_home(),
            Err(WorkonError::HomeNotWritable { .. })
        ));
    }

    #[test]
    fn project_home_must_be_set_and_exist() {
        assert!(matches!(
            homes(&[]).verified_project_home(),
            Err(WorkonError::ProjectHomeNotSet)
        ));
        assert!(matches!(
            homes(&[("PROJECT_HOME", "/nonexistent/den")]).verified_project_home(),
            Err(WorkonError::ProjectHomeMissing { .. })
        ));
    }
}
