//! Laying out an environment on disk (PEP 405; CPython's `venv` POSIX layout).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use den_dist::{IoError, IoResultExt};
use den_python::Interpreter;

use crate::activators::{self, ActivationValues};
use crate::{Prompt, PyVenvConfig, VenvError, VenvOptions, VirtualEnv};

/// The scripts directory name on POSIX.
const BIN: &str = "bin";

/// The cache directory tag (https://bford.info/cachedir/), so backup tools skip environments.
const CACHEDIR_TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This file is a cache directory tag created by den for a virtual environment.\n\
# For information about cache directory tags see https://bford.info/cachedir/\n";

/// The `.gitignore` that keeps an environment out of version control.
const GITIGNORE: &str =
    "# Created by den: a virtual environment does not belong in version control.\n*\n";

/// The supported interpreter families, which differ in executable names and library layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    CPython,
    PyPy,
}

/// Creates (or updates) the virtual environment at `location` for `interpreter`.
///
/// The layout follows PEP 405 and CPython's `venv` module on POSIX: `pyvenv.cfg` (`home`,
/// `implementation`, `version_info`, `include-system-site-packages`, `prompt` when one was
/// given, `den`), `bin/python`, `python3` and `python3.X` (PyPy also `pypy`, `pypy3`,
/// `pypy3.X` and its `libpypy*` libraries; free-threaded CPython also `python3.Xt`) as symlinks
/// to the base executable or copies of it, `lib/pythonX.Y/site-packages`, `lib64 -> lib` on
/// 64-bit non-macOS systems, `.gitignore`, `CACHEDIR.TAG` and the activation scripts.
///
/// The base executable is `interpreter.base_executable` with symlinks resolved, so an
/// environment created from another environment or from a pyenv shim points at the real
/// installation; `home` is its directory.
///
/// An existing directory is handled like `python -m venv`: with `options.clear` its contents
/// are deleted first; otherwise an existing environment (one with `pyvenv.cfg`) is updated in
/// place, keeping its installed packages, under its lock ([`crate::PythonEnvironment::lock`]'s
/// directory lock, so two den processes never rewrite it at once), an empty directory is used,
/// and any other directory is refused. No process is spawned and nothing is fsynced.
///
/// # Errors
///
/// [`VenvError::UnsupportedPython`] for anything but CPython 3.8+ and PyPy 3,
/// [`VenvError::NotAnEnvironment`] / [`VenvError::NotADirectory`] for a target in the way,
/// [`VenvError::NonUtf8Path`], [`VenvError::InvalidPrompt`], [`VenvError::CurrentDir`],
/// [`VenvError::BaseInterpreter`] when the base executable is gone, [`VenvError::Io`] for any
/// failed file operation and [`VenvError::UnsupportedPlatform`] off Unix.
pub fn create_venv(
    interpreter: &Interpreter,
    location: &Path,
    options: &VenvOptions,
) -> Result<VirtualEnv, VenvError> {
    let root = absolute(location)?;
    Ok(create_in_place(interpreter, &root, options)?.0)
}

/// Creates the environment at `location` as [`create_venv`] does and seeds it as [`seed`]
/// does; returns it with `name-version` of each seeded package.
///
/// Seeding is atomic: pip appears whole or not at all, also when den is killed midway.
/// - A new environment (nothing at `location`) is made and seeded in a temporary directory
///   beside it, locked by this process ([`den_cache::OwnedTempDir`], `.tmp-owned-*`), with
///   every path written into it naming `location`, then renamed to `location` in one step: the
///   environment appears complete with pip, or not at all. A temporary directory left by a
///   killed den is removed by the next `den venv` creating an environment in the same
///   directory.
/// - An existing environment or directory (updated in place, `--clear`, an empty directory,
///   which may be the working directory and cannot be replaced) is seeded in place under the
///   environment's lock ([`crate::PythonEnvironment::lock`]'s directory lock; an existing
///   environment updated in place is locked before any of its files is rewritten), after
///   [`den_install::recover`] repairs what a killed run left; each seed package is installed
///   as a journaled transaction, so a kill leaves it whole or absent once recovered.
///
/// # Errors
///
/// Those of [`create_venv`] and [`seed`]; the temporary directory cannot be made or renamed
/// ([`VenvError::Io`]).
///
/// [`seed`]: crate::seed
pub fn create_seeded(
    interpreter: &Interpreter,
    location: &Path,
    options: &VenvOptions,
    cache: &den_cache::Cache,
) -> Result<(VirtualEnv, Vec<String>), VenvError> {
    let root = absolute(location)?;
    let parent = root
        .parent()
        .filter(|_| fs::symlink_metadata(&root).is_err());
    let Some(parent) = parent else {
        let (env, _lock) = create_in_place(interpreter, &root, options)?;
        for line in den_install::recover(std::slice::from_ref(&env.site_packages))?.lines() {
            tracing::warn!("{line}");
        }
        let seeded = crate::seed(&env, interpreter, cache, options.seed_setuptools)?;
        return Ok((env, seeded));
    };
    create_dir_all(parent)?;
    let temp = den_cache::OwnedTempDir::new_in(parent).map_err(|e| e.0)?;
    let staged = create_venv_in(interpreter, &root, temp.path(), options)?;
    let rebase = |path: &Path| match path.strip_prefix(temp.path()) {
        Ok(rest) => root.join(rest),
        Err(_) => path.to_path_buf(),
    };
    // Scripts are written for the interpreter at its final place.
    let seeding = VirtualEnv {
        python: rebase(&staged.python),
        ..staged.clone()
    };
    let seeded = crate::seed(&seeding, interpreter, cache, options.seed_setuptools)?;
    fs::rename(temp.path(), &root).at("move the new environment to", &root)?;
    let env = VirtualEnv {
        root: root.clone(),
        scripts: rebase(&staged.scripts),
        python: rebase(&staged.python),
        site_packages: rebase(&staged.site_packages),
        ..staged
    };
    temp.keep();
    Ok((env, seeded))
}

/// [`create_venv_in`] for `root` (absolute, normalized) in place, returning the environment
/// with its lock held. An existing environment updated in place (not cleared) is checked and
/// locked first, so its links and scripts are never rewritten by two processes at once; a new
/// or cleared one is locked once made (clearing would delete a directory locked before).
fn create_in_place(
    interpreter: &Interpreter,
    root: &Path,
    options: &VenvOptions,
) -> Result<(VirtualEnv, den_cache::LockGuard), VenvError> {
    let lock = |site_packages: &Path| {
        den_cache::lock_directory(site_packages, || {
            tracing::info!(
                "waiting for another den process to finish changing the environment at {}",
                root.display()
            );
        })
        .map_err(|e| VenvError::from(e.0))
    };
    let early = if !options.clear && PyVenvConfig::path_in(root).is_file() {
        check_same_minor(root, interpreter)?;
        let site_packages = root.join(site_packages_rel(flavor(interpreter)?, interpreter));
        create_dir_all(&site_packages)?;
        Some(lock(&site_packages)?)
    } else {
        None
    };
    let env = create_venv_in(interpreter, root, root, options)?;
    let guard = match early {
        Some(guard) => guard,
        None => lock(&env.site_packages)?,
    };
    Ok((env, guard))
}

/// The site-packages directory of a `flavor` environment for `interpreter`, relative to its
/// root (`lib/python3.12/site-packages`).
fn site_packages_rel(flavor: Flavor, interpreter: &Interpreter) -> String {
    let (major, minor) = interpreter.major_minor;
    match flavor {
        Flavor::CPython => {
            let python = den_install::SchemePython {
                version: (major, minor),
                free_threaded: interpreter.gil_disabled,
                virtualenv: true,
            };
            let relative = den_install::posix_site_packages(Path::new(""), &python);
            relative.to_string_lossy().into_owned()
        }
        Flavor::PyPy if (major, minor) >= (3, 8) => {
            format!("lib/pypy{major}.{minor}/site-packages")
        }
        Flavor::PyPy => "site-packages".to_string(),
    }
}

/// [`create_venv`] for the environment at `root` (absolute, normalized), written into `dir`:
/// every path written into the environment's files (activation scripts) names `root`, so the
/// tree in `dir` works once renamed to `root`. Returns the environment with its paths in
/// `dir`.
pub(crate) fn create_venv_in(
    interpreter: &Interpreter,
    root: &Path,
    dir: &Path,
    options: &VenvOptions,
) -> Result<VirtualEnv, VenvError> {
    if !cfg!(unix) {
        return Err(VenvError::UnsupportedPlatform);
    }
    let flavor = flavor(interpreter)?;
    let wanted: Option<Vec<&str>> = match &options.activators {
        Some(names) => Some(
            names
                .iter()
                .map(|name| {
                    crate::activator_file_name(name)
                        .ok_or_else(|| VenvError::UnknownActivator { name: name.clone() })
                })
                .collect::<Result<_, _>>()?,
        ),
        None => None,
    };
    let Some(root_text) = root.to_str() else {
        return Err(VenvError::NonUtf8Path {
            path: root.to_path_buf(),
        });
    };
    let (prompt, configured_prompt) = resolve_prompt(&options.prompt, root)?;
    let base_executable = resolve_base_executable(interpreter)?;
    // A den-installed CPython is reached through its minor alias (versions/3.12), so the
    // environment moves along when a newer 3.12.x replaces it.
    let base_executable = through_minor_alias(&base_executable).unwrap_or(base_executable);
    let Some(home) = base_executable.parent() else {
        return Err(VenvError::BaseInterpreter {
            path: base_executable.clone(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "it has no parent directory"),
        });
    };

    prepare_directory(dir, options.clear)?;
    check_same_minor(dir, interpreter)?;

    let site_packages_rel = site_packages_rel(flavor, interpreter);
    let scripts = crate::scripts_dir(dir);
    let site_packages = dir.join(&site_packages_rel);

    // pyvenv.cfg first: once it exists, a failed creation can be retried over the remains.
    let mut cfg = PyVenvConfig::default();
    cfg.set("home", &home.display().to_string());
    cfg.set("implementation", &interpreter.implementation_display);
    cfg.set("version_info", &interpreter.version.to_string());
    cfg.set(
        "include-system-site-packages",
        &options.system_site_packages.to_string(),
    );
    if let Some(prompt) = &configured_prompt {
        cfg.set("prompt", prompt);
    }
    if options.relocatable {
        cfg.set("relocatable", "true");
    }
    cfg.set("den", &options.den_version);
    write(&PyVenvConfig::path_in(dir), &cfg.to_string())?;
    if options.scm_ignore_files {
        write(&dir.join(".gitignore"), GITIGNORE)?;
    }
    write(&dir.join("CACHEDIR.TAG"), CACHEDIR_TAG)?;

    create_dir_all(&scripts)?;
    create_dir_all(&site_packages)?;
    if interpreter.pointer_size == 64 && cfg!(all(unix, not(target_os = "macos"))) {
        let lib64 = dir.join("lib64");
        if fs::symlink_metadata(&lib64).is_err() {
            symlink(Path::new("lib"), &lib64)?;
        }
    }

    for name in executable_names(flavor, interpreter.major_minor, interpreter.gil_disabled) {
        place_executable(&base_executable, &scripts.join(name), options.copies)?;
    }
    if flavor == Flavor::PyPy {
        place_pypy_libraries(home, &scripts, options.copies)?;
    }

    let values = ActivationValues {
        root: root_text,
        bin_name: BIN,
        prompt: &prompt,
        site_packages: &site_packages_rel,
        relocatable: options.relocatable,
    };
    render_activation_scripts(&values, &scripts, wanted.as_deref())?;

    Ok(VirtualEnv {
        python: scripts.join("python"),
        scripts,
        site_packages,
        version: interpreter.version.clone(),
        major_minor: interpreter.major_minor,
        implementation: interpreter.implementation_display.clone(),
        base_executable,
        stdlib: interpreter.paths.stdlib.clone(),
        prompt,
        root: dir.to_path_buf(),
        relocatable: options.relocatable,
    })
}

/// Writes (or overwrites) the activation scripts of the existing environment at `root`
/// (`bin/activate`, `activate.fish`, `activate.csh`, `activate.nu`, `activate.ps1`,
/// `activate_this.py`), showing `prompt` as `(prompt) ` and putting `site_packages` on
/// `sys.path` in `activate_this.py`: the same scripts [`create_venv`] writes.
///
/// Used after an environment was copied or moved, whose scripts still name the old location,
/// and when one is made relocatable: the scripts find the environment from their own path
/// when its `pyvenv.cfg` says `relocatable = true`. `root` is made absolute and lexically
/// normalized; `site_packages` must lie under it.
///
/// # Errors
///
/// Those of [`activation_scripts`], and [`VenvError::Io`] when a script cannot be written.
pub fn write_activation_scripts(
    root: &Path,
    prompt: &str,
    site_packages: &Path,
) -> Result<(), VenvError> {
    write_activation_scripts_at(root, root, prompt, site_packages)
}

/// [`write_activation_scripts`] for the environment `root` whose files are at `tree` for now
/// (a copy being made, renamed to `root` once whole): the scripts name `root` and are
/// written into `tree`'s `bin/`; `site_packages` lies under `root`.
pub(crate) fn write_activation_scripts_at(
    root: &Path,
    tree: &Path,
    prompt: &str,
    site_packages: &Path,
) -> Result<(), VenvError> {
    let relocatable = PyVenvConfig::read(tree).is_ok_and(|cfg| cfg.relocatable());
    let scripts = crate::scripts_dir(&absolute(tree)?);
    // The scripts it has (it may have been made with some `--activators` only), else all.
    let present: Vec<&str> = crate::activation_script_names()
        .filter(|name| scripts.join(name).is_file())
        .collect();
    let wanted = (!present.is_empty()).then_some(present.as_slice());
    for (file_name, contents) in activation_scripts(root, prompt, site_packages, relocatable)? {
        if wanted.is_none_or(|w| w.contains(&file_name)) {
            write(&scripts.join(file_name), &contents)?;
        }
    }
    Ok(())
}

/// The activation scripts of the environment at `root` as `(file name in bin/, contents)`
/// pairs, as [`write_activation_scripts`] writes them; `relocatable` ones find the
/// environment from their own path.
///
/// # Errors
///
/// [`VenvError::NonUtf8Path`] for a root or site-packages path that is not UTF-8,
/// [`VenvError::SitePackagesOutsideRoot`] and [`VenvError::InvalidPrompt`] for a prompt with
/// a line break.
pub fn activation_scripts(
    root: &Path,
    prompt: &str,
    site_packages: &Path,
    relocatable: bool,
) -> Result<Vec<(&'static str, String)>, VenvError> {
    let root = absolute(root)?;
    let Some(root_text) = root.to_str() else {
        return Err(VenvError::NonUtf8Path { path: root });
    };
    check_prompt(prompt)?;
    let site_packages = absolute(site_packages)?;
    let Ok(relative) = site_packages.strip_prefix(&root) else {
        return Err(VenvError::SitePackagesOutsideRoot {
            root,
            site_packages,
        });
    };
    let Some(relative) = relative.to_str() else {
        return Err(VenvError::NonUtf8Path {
            path: site_packages.clone(),
        });
    };
    let values = ActivationValues {
        root: root_text,
        bin_name: BIN,
        prompt,
        site_packages: relative,
        relocatable,
    };
    Ok(activators::render_all(&values))
}

/// Renders the activation scripts for `values` into `scripts` (the environment's `bin/`):
/// those named in `wanted`, or all.
fn render_activation_scripts(
    values: &ActivationValues<'_>,
    scripts: &Path,
    wanted: Option<&[&str]>,
) -> Result<(), VenvError> {
    for (file_name, contents) in activators::render_all(values) {
        if wanted.is_none_or(|w| w.contains(&file_name)) {
            write(&scripts.join(file_name), &contents)?;
        }
    }
    Ok(())
}

/// Checks the interpreter is CPython 3.8+ or PyPy 3.
fn flavor(interpreter: &Interpreter) -> Result<Flavor, VenvError> {
    let flavor = match interpreter.implementation_display.as_str() {
        "CPython" if interpreter.major_minor >= (3, 8) => Some(Flavor::CPython),
        "PyPy" if interpreter.major_minor.0 == 3 => Some(Flavor::PyPy),
        _ => None,
    };
    flavor.ok_or_else(|| VenvError::UnsupportedPython {
        executable: interpreter.executable.clone(),
        implementation: interpreter.implementation_display.clone(),
        version: interpreter.version.to_string(),
    })
}

/// Makes `location` absolute against the current directory and removes `.` and `..`
/// lexically, like Python's `os.path.abspath`.
fn absolute(location: &Path) -> Result<PathBuf, VenvError> {
    let joined = std::path::absolute(location).at("make absolute", location)?;
    Ok(den_dist::path::normalize_path(&joined))
}

/// Returns the prompt the activation scripts show and the one `pyvenv.cfg` records (only an
/// explicit `--prompt`).
fn resolve_prompt(prompt: &Prompt, root: &Path) -> Result<(String, Option<String>), VenvError> {
    let configured = match prompt {
        Prompt::None => None,
        Prompt::Named(name) => Some(name.clone()),
        Prompt::CurrentDirName => {
            let cwd = std::env::current_dir().map_err(|source| VenvError::CurrentDir { source })?;
            Some(file_name_or_whole(&cwd))
        }
    };
    if let Some(name) = &configured {
        check_prompt(name)?;
    }
    let shown = configured
        .clone()
        .unwrap_or_else(|| file_name_or_whole(root));
    Ok((shown, configured))
}

/// Refuses a prompt with a line break, which `pyvenv.cfg` cannot hold.
fn check_prompt(prompt: &str) -> Result<(), VenvError> {
    if prompt.contains(['\n', '\r']) {
        return Err(VenvError::InvalidPrompt {
            prompt: prompt.to_string(),
        });
    }
    Ok(())
}

/// The last component of `path`, or the whole path when it has none (`/`).
fn file_name_or_whole(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}

/// Resolves the real executable of the base interpreter.
///
/// `base_executable` is resolved through symlinks. When the interpreter is itself an
/// environment whose executable is a copy (Python 3.8–3.10 report the copy as
/// `sys._base_executable`), the base is found through that environment's `pyvenv.cfg` `home`.
fn resolve_base_executable(interpreter: &Interpreter) -> Result<PathBuf, VenvError> {
    let canonical = |path: &Path| {
        fs::canonicalize(path).map_err(|source| VenvError::BaseInterpreter {
            path: path.to_path_buf(),
            source,
        })
    };
    let real = canonical(&interpreter.base_executable)?;
    if !interpreter.is_virtualenv() {
        return Ok(real);
    }
    let Ok(prefix) = fs::canonicalize(&interpreter.prefix) else {
        return Ok(real);
    };
    if !real.starts_with(&prefix) {
        return Ok(real);
    }
    let cfg = PyVenvConfig::read(&prefix).map_err(|err| VenvError::BaseInterpreter {
        path: err.path,
        source: err.source,
    })?;
    match (cfg.home(), real.file_name()) {
        (Some(home), Some(name)) => canonical(&Path::new(home).join(name)),
        _ => Err(VenvError::BaseInterpreter {
            path: PyVenvConfig::path_in(&prefix),
            source: io::Error::new(io::ErrorKind::InvalidData, "it has no `home` key"),
        }),
    }
}

/// `real` (`.../versions/3.12.8/bin/python3.12`) as reached through its version's minor
/// alias (`.../versions/3.12/bin/python3.12`), when den installed that version and the alias
/// points at it ([`den_python::minor_alias_of`]).
fn through_minor_alias(real: &Path) -> Option<PathBuf> {
    let bin = real.parent()?;
    let alias = den_python::minor_alias_of(bin.parent()?)?;
    Some(alias.join(bin.file_name()?).join(real.file_name()?))
}

/// Makes sure `root` is a directory den may write the environment into.
fn prepare_directory(root: &Path, clear: bool) -> Result<(), VenvError> {
    match fs::metadata(root) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => create_dir_all(root),
        Err(source) => Err(IoError::new("inspect", root, source).into()),
        Ok(metadata) if !metadata.is_dir() => Err(VenvError::NotADirectory {
            path: root.to_path_buf(),
        }),
        Ok(_) if clear => clear_directory(root),
        Ok(_) => {
            if PyVenvConfig::path_in(root).is_file() {
                return Ok(());
            }
            let mut entries = fs::read_dir(root).at("read directory", root)?;
            if entries.next().is_some() {
                return Err(VenvError::NotAnEnvironment {
                    path: root.to_path_buf(),
                });
            }
            Ok(())
        }
    }
}

/// Refuses to update an existing environment at `root` in place for another `major.minor`
/// than its own (`version` / `version_info` in pyvenv.cfg): its site-packages would stay
/// behind under the old version's name. A pyvenv.cfg that names no version is not checked.
fn check_same_minor(root: &Path, interpreter: &Interpreter) -> Result<(), VenvError> {
    let cfg_path = PyVenvConfig::path_in(root);
    if !cfg_path.is_file() {
        return Ok(());
    }
    let cfg = PyVenvConfig::read(root)?;
    let Some(existing) = cfg.version() else {
        return Ok(());
    };
    let mut parts = existing.split('.').map(str::parse::<u64>);
    let existing_minor = match (parts.next(), parts.next()) {
        (Some(Ok(major)), Some(Ok(minor))) => (major, minor),
        _ => return Ok(()),
    };
    let (major, minor) = interpreter.major_minor;
    if existing_minor == (u64::from(major), u64::from(minor)) {
        return Ok(());
    }
    Err(VenvError::OtherPythonVersion {
        path: root.to_path_buf(),
        existing: existing.to_string(),
        requested: interpreter.version.to_string(),
    })
}

/// Deletes everything inside `root`, keeping `root` itself (it may be the current directory or
/// a mount point).
fn clear_directory(root: &Path) -> Result<(), VenvError> {
    let entries = fs::read_dir(root).at("read directory", root)?;
    for entry in entries {
        let entry = entry.at("read directory", root)?;
        let path = entry.path();
        let is_dir = entry.file_type().at("inspect", &path)?.is_dir();
        if is_dir {
            fs::remove_dir_all(&path).at("remove", &path)?;
        } else {
            fs::remove_file(&path).at("remove", &path)?;
        }
    }
    Ok(())
}

/// The executable names an environment of this flavor and `(major, minor)` version has in
/// `bin/`.
fn executable_names(flavor: Flavor, (major, minor): (u8, u8), gil_disabled: bool) -> Vec<String> {
    let mut names = vec![
        "python".to_string(),
        format!("python{major}"),
        format!("python{major}.{minor}"),
    ];
    match flavor {
        Flavor::CPython if gil_disabled => {
            names.push(format!("python{major}.{minor}t"));
        }
        Flavor::CPython => {}
        Flavor::PyPy => names.extend([
            "pypy".to_string(),
            format!("pypy{major}"),
            format!("pypy{major}.{minor}"),
        ]),
    }
    names
}

/// Puts the base executable at `link`, replacing what is there (a copy must never be written
/// through an old symlink into the base installation).
fn place_executable(base: &Path, link: &Path, copy: bool) -> Result<(), VenvError> {
    remove_if_present(link)?;
    if copy {
        fs::copy(base, link).at("copy the interpreter to", link)?;
        Ok(())
    } else {
        symlink(base, link)
    }
}

/// PyPy loads `libpypy*-c.so` from next to its executable: link or copy those into `bin/`.
fn place_pypy_libraries(home: &Path, scripts: &Path, copy: bool) -> Result<(), VenvError> {
    let entries = fs::read_dir(home).at("read directory", home)?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with("libpypy") {
            place_executable(&entry.path(), &scripts.join(&name), copy)?;
        }
    }
    Ok(())
}

/// Removes the file or symlink at `path` if there is one.
fn remove_if_present(path: &Path) -> Result<(), VenvError> {
    match fs::remove_file(path) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => {
            Err(IoError::new("replace", path, err).into())
        }
        _ => Ok(()),
    }
}

/// `fs::create_dir_all`, its error naming `path`.
pub(crate) fn create_dir_all(path: &Path) -> Result<(), VenvError> {
    Ok(fs::create_dir_all(path).at("create directory", path)?)
}

fn write(path: &Path, contents: &str) -> Result<(), VenvError> {
    Ok(fs::write(path, contents).at("write", path)?)
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> Result<(), VenvError> {
    Ok(std::os::unix::fs::symlink(target, link).at("create symlink", link)?)
}

#[cfg(not(unix))]
fn symlink(_target: &Path, link: &Path) -> Result<(), VenvError> {
    let source = io::Error::from(io::ErrorKind::Unsupported);
    Err(IoError::new("create symlink", link, source).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_removes_dot_components() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(absolute(Path::new("a/./b/../c")).unwrap(), cwd.join("a/c"));
        assert_eq!(absolute(Path::new("/x/y/..")).unwrap(), Path::new("/x"));
    }

    #[test]
    fn executable_names_per_flavor() {
        assert_eq!(
            executable_names(Flavor::CPython, (3, 12), false),
            ["python", "python3", "python3.12"]
        );
        assert_eq!(
            executable_names(Flavor::CPython, (3, 13), true),
            ["python", "python3", "python3.13", "python3.13t"]
        );
        assert_eq!(
            executable_names(Flavor::PyPy, (3, 10), false),
            [
                "python",
                "python3",
                "python3.10",
                "pypy",
                "pypy3",
                "pypy3.10"
            ]
        );
    }
}
