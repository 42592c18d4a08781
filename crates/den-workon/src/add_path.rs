//! Extra import paths for an environment (virtualenvwrapper's `add2virtualenv`): directories
//! listed in `_virtualenv_path_extensions.pth` in site-packages, between two `import` lines
//! that move them to the front of `sys.path` (site.py runs `import` lines of `.pth` files and
//! adds the other lines as directories, in order).

use std::fs;
use std::path::{Path, PathBuf};

use den_dist::IoResultExt;

use crate::WorkonError;
use crate::envs::site_packages;

/// The path file's name; the `_` prefix sorts it before other `.pth` files.
pub const PATH_FILE: &str = "_virtualenv_path_extensions.pth";

/// The first line: remembers how long `sys.path` was before this file's directories.
const HEAD: &str = "import sys; sys.__plen = len(sys.path)";
/// The last line: moves the directories added since [`HEAD`] to the front of `sys.path`.
const TAIL: &str = "import sys; new=sys.path[sys.__plen:]; del sys.path[sys.__plen:]; p=getattr(sys,'__egginsert',0); sys.path[p:p]=new; sys.__egginsert = p+len(new)";

/// The path file of the environment at `root`.
///
/// # Errors
///
/// [`WorkonError::NoSitePackages`].
pub fn path_file(root: &Path) -> Result<PathBuf, WorkonError> {
    Ok(site_packages(root)?.join(PATH_FILE))
}

/// The directories in the environment's path file (lines that are not `import` lines), in
/// file order; empty when there is no file.
///
/// # Errors
///
/// [`WorkonError::NoSitePackages`], [`WorkonError::Io`] when the file exists but cannot be
/// read.
pub fn list_paths(root: &Path) -> Result<Vec<PathBuf>, WorkonError> {
    let file = path_file(root)?;
    if !file.exists() {
        return Ok(Vec::new());
    }
    let text = fs::read_to_string(&file).at("read", &file)?;
    Ok(text
        .lines()
        .filter(|line| !line.starts_with("import") && !line.trim().is_empty())
        .map(PathBuf::from)
        .collect())
}

/// Adds each of `dirs` (absolute) to the environment's path file, or removes them when
/// `remove` (add2virtualenv `-d`), creating the file with its two `import` lines first. Like
/// add2virtualenv, each added directory goes right after the first line, so the last one given
/// comes first; a directory already listed is not listed twice.
///
/// # Errors
///
/// [`WorkonError::NoSitePackages`], [`WorkonError::Io`].
pub fn change_paths(root: &Path, dirs: &[PathBuf], remove: bool) -> Result<(), WorkonError> {
    let file = path_file(root)?;
    let text = if file.exists() {
        fs::read_to_string(&file).at("read", &file)?
    } else {
        format!("{HEAD}\n{TAIL}\n")
    };
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for dir in dirs {
        let dir = dir.to_string_lossy().into_owned();
        lines.retain(|line| *line != dir);
        if !remove {
            lines.insert(1.min(lines.len()), dir);
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    fs::write(&file, out).at("write", &file)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_lists_and_removes_directories() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path();
        let site = root.join("lib/python3.12/site-packages");
        fs::create_dir_all(&site).unwrap();
        assert!(list_paths(root).unwrap().is_empty());
        let (a, b) = (PathBuf::from("/src/a"), PathBuf::from("/src/b c"));
        change_paths(root, &[a.clone(), b.clone()], false).unwrap();
        change_paths(root, std::slice::from_ref(&a), false).unwrap();
        assert_eq!(list_paths(root).unwrap(), [a.clone(), b.clone()]);
        let text = fs::read_to_string(site.join(PATH_FILE)).unwrap();
        assert_eq!(text, format!("{HEAD}\n/src/a\n/src/b c\n{TAIL}\n"));
        change_paths(root, &[a], true).unwrap();
        assert_eq!(list_paths(root).unwrap(), [b]);
    }
}
