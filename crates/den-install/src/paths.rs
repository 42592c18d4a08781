//! Lexical path arithmetic for RECORD paths (no file-system access, symlinks not resolved).

use std::path::{Component, Path, PathBuf};

/// `path` with `.` dropped and `..` applied to the preceding component.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// The `/`-separated path that leads from directory `base` to `path`, using `..` where
/// `path` is outside `base` (how pip writes RECORD entries such as `../../../bin/tool`).
/// Both paths should be absolute.
pub(crate) fn relative_to(path: &Path, base: &Path) -> String {
    let path = normalize(path);
    let base = normalize(base);
    let path_parts: Vec<_> = path.components().collect();
    let base_parts: Vec<_> = base.components().collect();
    let common = path_parts
        .iter()
        .zip(&base_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let ups = std::iter::repeat_n("..".to_string(), base_parts.len() - common);
    let downs = path_parts[common..]
        .iter()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    ups.chain(downs).collect::<Vec<_>>().join("/")
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
}
