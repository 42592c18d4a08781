//! Installing an archive into pyenv's versions directory atomically, the minor aliases,
//! uninstalling, and the environments that use a version.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use den_cache::OwnedTempDir;
use den_dist::IoResultExt;
use sha2::Digest;

use crate::InstallError;
use crate::sysconfig::fix_prefix;
use crate::unpack::unpack_python_archive;

pub use den_python::INSTALL_MARKER;

/// The SHA-256 of `path`, lowercase hex.
///
/// Errors: [`InstallError::Io`] if it cannot be read.
pub fn sha256_file(path: &Path) -> Result<String, InstallError> {
    let mut file = File::open(path).at("open", path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buffer).at("read", path)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The version an archive holds, from its python-build-standalone file name
/// (`cpython-3.12.8+20241219-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz` ->
/// `3.12.8`, `3.13.1t` for a free-threaded build).
pub fn archive_version(archive: &Path) -> Option<String> {
    let name = archive.file_name()?.to_str()?;
    let rest = name.strip_prefix("cpython-")?;
    let end = rest.find(['+', '-'])?;
    let version = &rest[..end];
    let valid = version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.');
    let threaded = if name.contains("freethreaded") {
        "t"
    } else {
        ""
    };
    valid.then(|| format!("{version}{threaded}"))
}

/// The version of an unpacked CPython tree: `PY_VERSION` in `include/python3.*/patchlevel.h`.
fn tree_version(root: &Path) -> Option<String> {
    let include = fs::read_dir(root.join("include")).ok()?;
    include.filter_map(Result::ok).find_map(|entry| {
        let text = fs::read_to_string(entry.path().join("patchlevel.h")).ok()?;
        let line = text
            .lines()
            .find(|line| line.starts_with("#define PY_VERSION "))?;
        let version = line.split('"').nth(1)?.trim_end_matches('+');
        let threaded = entry
            .file_name()
            .to_str()
            .is_some_and(|dir| dir.ends_with('t'));
        Some(format!("{version}{}", if threaded { "t" } else { "" }))
    })
}

/// Installs the python-build-standalone `archive` as `versions_dir/NAME` and returns that
/// prefix. `name` is the version name, or `None` to take it from the archive's file name
/// ([`archive_version`]) or, failing that, its `patchlevel.h`. With `expected_sha256`, the
/// archive's SHA-256 is checked before anything is unpacked. With `replace`, an existing
/// version directory is replaced (atomically: the new tree is renamed in, then the old one
/// removed); without, an existing one is an error.
///
/// The archive is unpacked into a temporary directory in `versions_dir`'s parent (pyenv's
/// root; an [`OwnedTempDir`], so one left by a killed den is removed by the next install),
/// the sysconfig data is rewritten to the final prefix ([`fix_prefix`]), the
/// [`INSTALL_MARKER`] written, and the tree renamed into place: until that rename
/// `versions_dir` is untouched. `progress` receives the compressed bytes read.
///
/// Errors: [`InstallError::HashMismatch`], [`InstallError::UnsafeArchive`],
/// [`InstallError::Archive`] (also when no version name can be found),
/// [`InstallError::Exists`], [`InstallError::Io`] / [`InstallError::Cache`].
pub fn install_archive(
    archive: &Path,
    expected_sha256: Option<&str>,
    versions_dir: &Path,
    name: Option<&str>,
    replace: bool,
    progress: &dyn Fn(u64),
) -> Result<PathBuf, InstallError> {
    if let Some(expected) = expected_sha256 {
        let actual = sha256_file(archive)?;
        if !actual.eq_ignore_ascii_case(expected) {
            return Err(InstallError::HashMismatch {
                archive: archive.to_path_buf(),
                expected: expected.to_ascii_lowercase(),
                actual,
            });
        }
    }
    fs::create_dir_all(versions_dir).at("create directory", versions_dir)?;
    let name = name
        .map(str::to_string)
        .or_else(|| archive_version(archive));
    if let Some(name) = &name {
        let prefix = versions_dir.join(name);
        if !replace && fs::symlink_metadata(&prefix).is_ok() {
            return Err(InstallError::Exists { prefix });
        }
    }
    // Beside versions/ (pyenv lists every directory inside it); inside it only when its
    // parent is elsewhere (versions/ a link to another file system) or not writable.
    let parent = versions_dir
        .parent()
        .filter(|root| same_device(root, versions_dir))
        .unwrap_or(versions_dir);
    let temporary = OwnedTempDir::new_in(parent).or_else(|_| OwnedTempDir::new_in(versions_dir))?;
    let tree = temporary.path().join("python");
    fs::create_dir(&tree).at("create directory", &tree)?;
    unpack_python_archive(archive, &tree, progress)?;
    let name = match name.or_else(|| tree_version(&tree)) {
        Some(name) => name,
        None => {
            return Err(InstallError::Archive {
                archive: archive.to_path_buf(),
                reason: "cannot tell which Python version it holds (no cpython-X.Y.Z file name, \
                         no include/python3.*/patchlevel.h)"
                    .to_string(),
            });
        }
    };
    let prefix = versions_dir.join(&name);
    fix_prefix(&tree, &prefix)?;
    let filename = archive
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let marker = tree.join(INSTALL_MARKER);
    fs::write(
        &marker,
        format!("{filename}\n{}\n", expected_sha256.unwrap_or("")),
    )
    .at("write", &marker)?;
    if fs::symlink_metadata(&prefix).is_ok() {
        if !replace {
            return Err(InstallError::Exists { prefix });
        }
        // The old tree moves into the temporary directory (removed with it), the new one in.
        let old = temporary.path().join("old");
        fs::rename(&prefix, &old).at("move aside", &prefix)?;
    }
    fs::rename(&tree, &prefix).at("rename into place", &prefix)?;
    Ok(prefix)
}

/// Whether `a` and `b` are on the same file system (a rename between them works).
fn same_device(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::metadata(a), fs::metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        true
    }
}

/// The versions in `versions_dir` den installed (real directories holding
/// [`INSTALL_MARKER`]), by name.
pub fn den_installed(versions_dir: &Path) -> Vec<String> {
    fs::read_dir(versions_dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|entry| entry.path().join(INSTALL_MARKER).is_file())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect()
}

/// Points the minor alias of `version` (`3.12` for `3.12.8`, `3.13t` for `3.13.1t`) at the
/// newest release of that minor den installed (pyenv latest's choice among
/// [`den_installed`]), as a relative symlink `versions_dir/3.12 -> 3.12.8`; removes the alias
/// when none is left. A real directory named like the alias is never touched. Returns the
/// alias's target, if any.
///
/// Errors: [`InstallError::Io`] when the link cannot be made.
pub fn update_minor_alias(
    versions_dir: &Path,
    version: &str,
) -> Result<Option<String>, InstallError> {
    let threaded = version.ends_with('t');
    let mut parts = version.trim_end_matches('t').splitn(3, '.');
    let (Some(major), Some(minor)) = (parts.next(), parts.next()) else {
        return Ok(None);
    };
    let alias_name = format!("{major}.{minor}{}", if threaded { "t" } else { "" });
    if alias_name == version {
        return Ok(None);
    }
    let alias = versions_dir.join(&alias_name);
    let is_link = fs::symlink_metadata(&alias).is_ok_and(|m| m.file_type().is_symlink());
    if fs::symlink_metadata(&alias).is_ok() && !is_link {
        return Ok(None);
    }
    let newest = den_python::latest_of(&alias_name, &den_installed(versions_dir));
    let Some(target) = newest else {
        if is_link {
            fs::remove_file(&alias).at("remove", &alias)?;
        }
        return Ok(None);
    };
    if fs::read_link(&alias).is_ok_and(|current| current == Path::new(&target)) {
        return Ok(Some(target));
    }
    let temporary = versions_dir.join(format!(".{alias_name}.den-{}", std::process::id()));
    let _ = fs::remove_file(&temporary);
    crate::unpack::symlink(Path::new(&target), &temporary)?;
    fs::rename(&temporary, &alias).at("rename into place", &alias)?;
    Ok(Some(target))
}

/// Removes the version `prefix` (a directory under pyenv's versions directory; a symlink
/// there, an alias, is removed alone): the tree is first renamed into a temporary directory
/// beside it and deleted from there, so a killed uninstall never leaves a half-deleted
/// version under its name.
///
/// Errors: [`InstallError::Io`] / [`InstallError::Cache`].
pub fn uninstall(prefix: &Path) -> Result<(), InstallError> {
    let meta = fs::symlink_metadata(prefix).at("read", prefix)?;
    if meta.file_type().is_symlink() || !meta.is_dir() {
        fs::remove_file(prefix).at("remove", prefix)?;
        return Ok(());
    }
    let versions_dir = prefix.parent().unwrap_or(Path::new("."));
    let parent = versions_dir
        .parent()
        .filter(|root| same_device(root, versions_dir))
        .unwrap_or(versions_dir);
    let temporary = OwnedTempDir::new_in(parent).or_else(|_| OwnedTempDir::new_in(versions_dir))?;
    let aside = temporary.path().join("old");
    fs::rename(prefix, &aside).at("move aside", prefix)?;
    fs::remove_dir_all(temporary.path())
        .or_else(|err| match err.kind() {
            io::ErrorKind::NotFound => Ok(()),
            _ => Err(err),
        })
        .at("remove", temporary.path())?;
    Ok(())
}

/// The environments among `candidates` (directories holding a `pyvenv.cfg`) whose base
/// interpreter is inside `prefix`: their `home` key names `prefix/bin` (or a path that
/// resolves there, such as the minor alias).
pub fn environments_using(prefix: &Path, candidates: &[PathBuf]) -> Vec<PathBuf> {
    let real_prefix = fs::canonicalize(prefix).unwrap_or_else(|_| prefix.to_path_buf());
    candidates
        .iter()
        .filter(|env| {
            let Ok(text) = fs::read_to_string(env.join("pyvenv.cfg")) else {
                return false;
            };
            text.lines().any(|line| {
                let Some((key, value)) = line.split_once('=') else {
                    return false;
                };
                if key.trim() != "home" {
                    return false;
                }
                let home = PathBuf::from(value.trim());
                home.starts_with(prefix)
                    || fs::canonicalize(&home).is_ok_and(|real| real.starts_with(&real_prefix))
            })
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_file_names() {
        let name = |n: &str| archive_version(Path::new(n));
        assert_eq!(
            name("cpython-3.12.8+20241219-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"),
            Some("3.12.8".into())
        );
        assert_eq!(
            name("cpython-3.14.0rc1+20250808-aarch64-apple-darwin-install_only.tar.gz"),
            Some("3.14.0rc1".into())
        );
        assert_eq!(name("python.tar.gz"), None);
    }

    #[test]
    fn aliases_follow_the_newest_den_install() {
        let dir = tempfile::tempdir().unwrap();
        let versions = dir.path();
        for name in ["3.12.1", "3.12.8", "3.12.10"] {
            fs::create_dir_all(versions.join(name)).unwrap();
        }
        fs::write(versions.join("3.12.1").join(INSTALL_MARKER), "").unwrap();
        fs::write(versions.join("3.12.8").join(INSTALL_MARKER), "").unwrap();
        assert_eq!(
            update_minor_alias(versions, "3.12.1").unwrap().as_deref(),
            Some("3.12.8")
        );
        assert_eq!(
            fs::read_link(versions.join("3.12")).unwrap(),
            Path::new("3.12.8")
        );
        uninstall(&versions.join("3.12.8")).unwrap();
        update_minor_alias(versions, "3.12.8").unwrap();
        assert_eq!(
            fs::read_link(versions.join("3.12")).unwrap(),
            Path::new("3.12.1")
        );
        uninstall(&versions.join("3.12.1")).unwrap();
        update_minor_alias(versions, "3.12.1").unwrap();
        assert!(fs::symlink_metadata(versions.join("3.12")).is_err());
        assert!(versions.join("3.12.10").is_dir());
    }

    #[test]
    fn finds_environments_on_a_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("versions/3.12.8");
        fs::create_dir_all(prefix.join("bin")).unwrap();
        let env = dir.path().join("env");
        fs::create_dir_all(&env).unwrap();
        fs::write(
            env.join("pyvenv.cfg"),
            format!(
                "home = {}\nversion = 3.12.8\n",
                prefix.join("bin").display()
            ),
        )
        .unwrap();
        let other = dir.path().join("other");
        fs::create_dir_all(&other).unwrap();
        fs::write(other.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        assert_eq!(
            environments_using(&prefix, &[env.clone(), other]),
            vec![env]
        );
    }
}
