//! The environments in WORKON_HOME: listing them, finding one by name, and reading what
//! describes them (pyvenv.cfg, `.project`) without starting any Python.

use std::fs;
use std::path::{Path, PathBuf};

use den_dist::{IoError, IoResultExt};
use den_venv::PyVenvConfig;

use crate::names::{near_names, validate_name};
use crate::{Homes, WorkonError};

/// The file marking an environment as temporary (`den env tmp`): the shell integration's
/// `deactivate` removes an environment that has it.
pub const TMP_MARKER: &str = ".den-tmp-env";

/// The default name of the file holding an environment's project directory, as
/// virtualenvwrapper's `setvirtualenvproject` writes it (VIRTUALENVWRAPPER_PROJECT_FILENAME,
/// [`Homes::project_filename`], names another).
pub const PROJECT_FILE: &str = ".project";

/// One named environment, as read from disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvInfo {
    /// Its name (the directory name in WORKON_HOME).
    pub name: String,
    /// Its root directory.
    pub path: PathBuf,
    /// The base Python version from pyvenv.cfg (`version_info`, or `version` as written by
    /// `python -m venv`), e.g. `3.12.1`; `None` without pyvenv.cfg or either key.
    pub python: Option<String>,
    /// The project directory from its project file ([`Homes::project_file`]), if any.
    pub project: Option<PathBuf>,
}

impl EnvInfo {
    /// Reads the description of the environment `name` at `path`, its project from the file
    /// `homes` names.
    pub fn read(homes: &Homes, name: &str, path: &Path) -> Self {
        let cfg = read_pyvenv_cfg(path);
        let python = cfg.version().map(|v| {
            // virtualenv writes `3.12.1.final.0`; keep the release part.
            v.split('.')
                .take_while(|part| part.chars().all(|c| c.is_ascii_digit()))
                .collect::<Vec<_>>()
                .join(".")
        });
        Self {
            name: name.to_string(),
            path: path.to_path_buf(),
            python,
            project: read_project(&homes.project_file(path)),
        }
    }
}

/// Whether `dir` looks like a virtual environment: it has `bin/activate` (what
/// virtualenvwrapper looks for) or `pyvenv.cfg` (PEP 405).
pub fn is_environment(dir: &Path) -> bool {
    dir.join("bin").join("activate").is_file() || dir.join("pyvenv.cfg").is_file()
}

/// The names of the environments in WORKON_HOME that `workon` can activate, sorted: every
/// directory (or symlink to one) with a `bin/activate` script, whoever made it (den,
/// virtualenv, `python -m venv`), as virtualenvwrapper's `lsvirtualenv` lists them. Hidden
/// entries (names starting with `.`) and names that are not UTF-8 are skipped. A missing
/// WORKON_HOME has no environments.
///
/// # Errors
///
/// [`WorkonError::Io`] when WORKON_HOME exists but cannot be read.
pub fn list_names(homes: &Homes) -> Result<Vec<String>, WorkonError> {
    let home = &homes.workon_home;
    let entries = match fs::read_dir(home) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(IoError::new("read", home, e).into()),
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| !name.starts_with('.'))
        .filter(|name| home.join(name).join("bin").join("activate").is_file())
        .collect();
    names.sort();
    Ok(names)
}

/// The root of the existing environment `name`.
///
/// # Errors
///
/// [`WorkonError::InvalidName`], and [`WorkonError::NotFound`] with the near names when
/// there is no environment of that name.
pub fn find_env(homes: &Homes, name: &str) -> Result<PathBuf, WorkonError> {
    let path = homes.env_path(name)?;
    if is_environment(&path) {
        return Ok(path);
    }
    let names = list_names(homes).unwrap_or_default();
    Err(WorkonError::NotFound {
        name: name.to_string(),
        near: near_names(name, names.iter().map(String::as_str)),
    })
}

/// The environment named by `VIRTUAL_ENV` (`active`): its name is its directory name, as
/// virtualenvwrapper's `basename "$VIRTUAL_ENV"`.
///
/// # Errors
///
/// [`WorkonError::InvalidName`] when `active` has no usable last component.
pub fn active_name(active: &Path) -> Result<String, WorkonError> {
    let name = active
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    validate_name(name)?;
    Ok(name.to_string())
}

/// The environment's site-packages directory: the first `lib/*/site-packages` directory
/// (CPython `lib/pythonX.Y`, PyPy `lib/pypyX.Y`), or PyPy 3.7's `<root>/site-packages`.
///
/// # Errors
///
/// [`WorkonError::NoSitePackages`].
pub fn site_packages(root: &Path) -> Result<PathBuf, WorkonError> {
    den_venv::find_site_packages(root).ok_or_else(|| WorkonError::NoSitePackages {
        root: root.to_path_buf(),
    })
}

/// The project directory in the project file `file` ([`Homes::project_file`]; one line,
/// trailing whitespace dropped).
pub fn read_project(file: &Path) -> Option<PathBuf> {
    let text = fs::read_to_string(file).ok()?;
    let line = text.lines().next()?.trim_end();
    (!line.is_empty()).then(|| PathBuf::from(line))
}

/// `path` made absolute against `cwd` and normalized without looking at the file system
/// (like `os.path.abspath`): `.` components are dropped and `..` removes the component before
/// it (`/..` is `/`). Symlinks are kept as written.
pub fn absolute_path(path: &Path, cwd: &Path) -> PathBuf {
    den_dist::path::normalize_path(&cwd.join(path))
}

/// The project directory `project` names, as [`absolute_path`] against `cwd`, checked to be an
/// existing directory.
///
/// # Errors
///
/// [`WorkonError::ProjectNotDirectory`] when it is not a directory (or does not exist).
pub fn project_dir(project: &Path, cwd: &Path) -> Result<PathBuf, WorkonError> {
    let path = absolute_path(project, cwd);
    if !path.is_dir() {
        return Err(WorkonError::ProjectNotDirectory { path });
    }
    Ok(path)
}

/// Writes the project directory `project` ([`project_dir`]: absolute, normalized, an existing
/// directory) to the project file `file` ([`Homes::project_file`]), as `setvirtualenvproject`
/// does. Returns the path written.
///
/// # Errors
///
/// [`WorkonError::ProjectNotDirectory`], and [`WorkonError::Io`] when the file cannot be
/// written.
pub fn write_project(file: &Path, project: &Path, cwd: &Path) -> Result<PathBuf, WorkonError> {
    let project = project_dir(project, cwd)?;
    fs::write(file, format!("{}\n", project.display())).at("write", file)?;
    Ok(project)
}

/// Marks the environment at `root` temporary (writes [`TMP_MARKER`]).
///
/// # Errors
///
/// [`WorkonError::Io`].
pub fn mark_temporary(root: &Path) -> Result<(), WorkonError> {
    let marker = root.join(TMP_MARKER);
    fs::write(
        &marker,
        "This is a temporary environment. It will be deleted when you run 'deactivate'.\n",
    )
    .at("write", &marker)?;
    Ok(())
}

/// Removes the environment directory at `root` (its contents, never following symlinks out of
/// it).
///
/// # Errors
///
/// [`WorkonError::Io`].
pub fn remove_env(root: &Path) -> Result<(), WorkonError> {
    fs::remove_dir_all(root).at("remove", root)?;
    Ok(())
}

/// The `pyvenv.cfg` of the environment at `root`, empty when it cannot be read.
pub(crate) fn read_pyvenv_cfg(root: &Path) -> PyVenvConfig {
    PyVenvConfig::read(root).unwrap_or_default()
}

/// Flips `include-system-site-packages` in `<root>/pyvenv.cfg` (virtualenvwrapper's
/// `toggleglobalsitepackages`; PEP 405 §Isolation from system site-packages). Returns the
/// new value: `true` when the environment now sees the base interpreter's site-packages.
///
/// # Errors
///
/// [`WorkonError::NoPyvenvCfg`], [`WorkonError::Io`].
pub fn toggle_global_site_packages(root: &Path) -> Result<bool, WorkonError> {
    let path = root.join("pyvenv.cfg");
    if !path.is_file() {
        return Err(WorkonError::NoPyvenvCfg {
            root: root.to_path_buf(),
        });
    }
    let text = fs::read_to_string(&path).at("read", &path)?;
    let mut cfg = PyVenvConfig::parse(&text);
    let enabled = cfg.include_system_site_packages();
    cfg.set("include-system-site-packages", &(!enabled).to_string());
    fs::write(&path, cfg.to_string()).at("write", &path)?;
    Ok(!enabled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_env(home: &Path, name: &str, cfg: Option<&str>, activate: bool) -> PathBuf {
        let root = home.join(name);
        fs::create_dir_all(root.join("bin")).unwrap();
        fs::create_dir_all(root.join("lib/python3.12/site-packages")).unwrap();
        if let Some(cfg) = cfg {
            fs::write(root.join("pyvenv.cfg"), cfg).unwrap();
        }
        if activate {
            fs::write(root.join("bin/activate"), "").unwrap();
        }
        root
    }

    fn homes(dir: &Path) -> Homes {
        Homes {
            workon_home: dir.to_path_buf(),
            hook_dir: dir.to_path_buf(),
            project_home: None,
            project_filename: PROJECT_FILE.into(),
            hook_log: None,
        }
    }

    #[test]
    fn lists_environments_of_every_maker() {
        let temp = tempfile::tempdir().unwrap();
        let home = temp.path();
        make_env(
            home,
            "venv made",
            Some("home = /usr/bin\nversion = 3.11.2\n"),
            true,
        );
        make_env(home, "old-virtualenv", None, true);
        make_env(home, "b", Some("version_info = 3.12.1.final.0\n"), false);
        make_env(home, ".hidden", Some("home = /usr/bin\n"), true);
        fs::create_dir(home.join("not-an-env")).unwrap();
        fs::write(home.join("premkvirtualenv"), "").unwrap();
        let h = homes(home);
        // `b` has no activation script (workon could not activate it) and `.hidden` is hidden.
        assert_eq!(list_names(&h).unwrap(), ["old-virtualenv", "venv made"]);
        let info = EnvInfo::read(&h, "b", &home.join("b"));
        assert_eq!(info.python.as_deref(), Some("3.12.1"));
        let info = EnvInfo::read(&h, "venv made", &home.join("venv made"));
        assert_eq!(info.python.as_deref(), Some("3.11.2"));
        assert!(find_env(&h, "b").is_ok());
        match find_env(&h, "venv mad") {
            Err(err @ WorkonError::NotFound { .. }) => {
                assert_eq!(
                    err.to_string(),
                    "environment 'venv mad' does not exist\ndid you mean: venv made\n\
                     create it with `mkvirtualenv venv mad` (or `den env create venv mad`)"
                );
            }
            other => panic!("{other:?}"),
        }
        let missing = homes(&home.join("missing"));
        assert!(list_names(&missing).unwrap().is_empty());
    }

    #[test]
    fn project_tmp_marker_and_site_packages() {
        let temp = tempfile::tempdir().unwrap();
        let root = make_env(temp.path(), "e", Some("home = /x\n"), true);
        let file = homes(temp.path()).project_file(&root);
        assert_eq!(file, root.join(PROJECT_FILE));
        assert_eq!(read_project(&file), None);
        let work = temp.path().join("work");
        fs::create_dir_all(work.join("proj/sub")).unwrap();
        let written = write_project(&file, Path::new("./proj/sub/../."), &work).unwrap();
        assert_eq!(written, work.join("proj"));
        assert_eq!(read_project(&file).unwrap(), work.join("proj"));
        assert_eq!(
            write_project(&file, Path::new("."), &work.join("proj")).unwrap(),
            work.join("proj")
        );
        fs::write(work.join("file"), "").unwrap();
        for bad in ["file", "missing"] {
            assert!(matches!(
                write_project(&file, Path::new(bad), &work),
                Err(WorkonError::ProjectNotDirectory { path }) if path == work.join(bad)
            ));
        }
        assert_eq!(read_project(&file).unwrap(), work.join("proj"));
        mark_temporary(&root).unwrap();
        assert!(root.join(TMP_MARKER).is_file());
        assert_eq!(
            site_packages(&root).unwrap(),
            root.join("lib/python3.12/site-packages")
        );
        assert!(site_packages(temp.path()).is_err());
        assert_eq!(active_name(&root).unwrap(), "e");
    }

    #[test]
    fn absolute_paths_are_normalized_without_resolving_symlinks() {
        let cwd = Path::new("/home/u/src");
        assert_eq!(absolute_path(Path::new("."), cwd), Path::new("/home/u/src"));
        assert_eq!(
            absolute_path(Path::new("../a/./b/"), cwd),
            Path::new("/home/u/a/b")
        );
        assert_eq!(absolute_path(Path::new("/x/../../y"), cwd), Path::new("/y"));
        let temp = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/usr", temp.path().join("link")).unwrap();
        assert_eq!(
            absolute_path(Path::new("link/."), temp.path()),
            temp.path().join("link")
        );
    }

    #[test]
    fn toggles_global_site_packages() {
        let temp = tempfile::tempdir().unwrap();
        let root = make_env(
            temp.path(),
            "e",
            Some("home = /x\ninclude-system-site-packages = false\nprompt = e\n"),
            true,
        );
        assert!(toggle_global_site_packages(&root).unwrap());
        let cfg = read_pyvenv_cfg(&root).to_string();
        assert_eq!(
            cfg,
            "home = /x\ninclude-system-site-packages = true\nprompt = e\n"
        );
        assert!(!toggle_global_site_packages(&root).unwrap());
        let bare = make_env(temp.path(), "bare", None, true);
        assert!(matches!(
            toggle_global_site_packages(&bare),
            Err(WorkonError::NoPyvenvCfg { .. })
        ));
    }
}

/// `text` as `virtualenvwrapper_expandpath` turns it into a path: Python's
/// `os.path.normpath(os.path.expanduser(os.path.expandvars(text)))` on POSIX, with this
/// process's environment. `$NAME` and `${NAME}` are replaced when NAME is set (left as written
/// otherwise); a leading `~` or `~/` becomes `$HOME` (`~user` is left as written); then empty
/// and `.` components are dropped and `..` removes the component before it (kept at the start
/// of a relative path, dropped after `/`); an empty result is `.`.
pub fn expand_path(text: &str) -> String {
    let vars = den_dist::path::expand_vars(text, |name| std::env::var(name).ok());
    normpath(&den_dist::path::expand_home(&vars))
}

/// Python's `posixpath.normpath`.
fn normpath(text: &str) -> String {
    if text.is_empty() {
        return ".".to_string();
    }
    let slashes = if text.starts_with("//") && !text.starts_with("///") {
        2
    } else {
        usize::from(text.starts_with('/'))
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in text.split('/') {
        match part {
            "" | "." => {}
            ".." if slashes == 0 && parts.last().is_none_or(|last| *last == "..") => {
                parts.push("..");
            }
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined = format!("{}{}", "/".repeat(slashes), parts.join("/"));
    if joined.is_empty() {
        ".".to_string()
    } else {
        joined
    }
}

#[cfg(test)]
mod expand_tests {
    use super::*;

    #[test]
    fn normalizes_as_python_does() {
        for (given, expected) in [
            ("", "."),
            ("/", "/"),
            ("//a//b", "//a/b"),
            ("///a", "/a"),
            ("a/./b/../c", "a/c"),
            ("../../a", "../../a"),
            ("/../a", "/a"),
            ("a/..", "."),
        ] {
            assert_eq!(normpath(given), expected, "{given}");
        }
        // Variables, then `~`, then normalization, as virtualenvwrapper's Python does.
        assert_eq!(
            expand_path("$DEN_SURELY_UNSET_VAR/./x"),
            "$DEN_SURELY_UNSET_VAR/x"
        );
        let home = den_dist::path::expand_home("~").into_owned();
        assert_eq!(expand_path("$HOME/a/../b"), normpath(&format!("{home}/b")));
        assert_eq!(expand_path("~other/x"), "~other/x");
    }
}
