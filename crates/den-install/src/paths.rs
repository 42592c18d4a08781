//! Lexical path arithmetic for RECORD paths (no file-system access, symlinks not resolved).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub(crate) use den_dist::path::normalize_path as normalize;
pub(crate) use den_dist::path::relative_to;

/// The environment prefix that RECORD paths of `site_packages` must stay inside: the parent
/// of its nearest ancestor named `lib`, `lib64` or `Lib` (`<prefix>/lib/pythonX.Y/
/// site-packages`, `/usr/lib/python3/dist-packages`, `<prefix>/Lib/site-packages`), else
/// `site_packages` itself (a `--target`-style directory).
pub(crate) fn env_prefix(site_packages: &Path) -> PathBuf {
    let site_packages = normalize(site_packages);
    site_packages
        .ancestors()
        .find(|dir| {
            dir.file_name()
                .is_some_and(|n| n == "lib" || n == "lib64" || n == "Lib")
        })
        .and_then(Path::parent)
        .map_or_else(|| site_packages.clone(), Path::to_path_buf)
}

/// Whether `path` (normalized, absolute) is strictly inside `prefix`: the only paths an
/// uninstall or upgrade may delete (pip likewise skips "non-local" RECORD paths).
pub(crate) fn is_inside(path: &Path, prefix: &Path) -> bool {
    path != prefix && path.starts_with(prefix)
}

/// Resolves the parent directories of paths (symlinks followed) for comparing file
/// identities, remembering each directory's answer: files share few directories, and each
/// resolution costs a system call per path component.
#[derive(Default)]
pub(crate) struct ParentResolver {
    resolved: HashMap<PathBuf, Option<PathBuf>>,
}

impl ParentResolver {
    /// `path` with its parent directory resolved; `path` itself when the parent cannot be
    /// resolved (does not exist).
    pub(crate) fn resolve(&mut self, path: &Path) -> PathBuf {
        self.resolve_existing(path)
            .unwrap_or_else(|| path.to_path_buf())
    }

    /// `path` with its parent directory resolved; `None` when the parent cannot be resolved
    /// (does not exist) or `path` has no parent.
    pub(crate) fn resolve_existing(&mut self, path: &Path) -> Option<PathBuf> {
        let (parent, name) = (path.parent()?, path.file_name()?);
        let resolved = self
            .resolved
            .entry(parent.to_path_buf())
            .or_insert_with(|| parent.canonicalize().ok());
        resolved.as_ref().map(|parent| parent.join(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_match_pip() {
        let sp = Path::new("/v/lib/python3.12/site-packages");
        assert_eq!(
            relative_to(Path::new("/v/bin/tool"), sp),
            "../../../bin/tool"
        );
        assert_eq!(relative_to(&sp.join("pkg/a.py"), sp), "pkg/a.py");
        assert_eq!(
            normalize(&sp.join("../../../bin/tool")),
            PathBuf::from("/v/bin/tool")
        );
    }

    #[test]
    fn prefixes_contain_only_the_environment() {
        let prefix = env_prefix(Path::new("/v/lib/python3.12/site-packages"));
        assert_eq!(prefix, PathBuf::from("/v"));
        assert_eq!(
            env_prefix(Path::new("/usr/lib/python3/dist-packages")),
            PathBuf::from("/usr")
        );
        assert_eq!(
            env_prefix(Path::new("/t/target")),
            PathBuf::from("/t/target")
        );
        assert!(is_inside(Path::new("/v/bin/tool"), &prefix));
        assert!(!is_inside(Path::new("/v"), &prefix));
        assert!(!is_inside(Path::new("/vx/a"), &prefix));
        assert!(!is_inside(Path::new("/tmp/x"), &prefix));
    }
}
