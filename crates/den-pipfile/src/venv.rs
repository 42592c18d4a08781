//! The name pipenv gives a project's virtualenv (`VenvLocator.name` and
//! `_get_virtualenv_hash` in `pipenv/utils/venv_locator.py`) and the Pipfile search
//! (`find_pipfile` in `pipenv/utils/pipfile.py`).

use std::path::{Path, PathBuf};

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// pipenv's default `PIPENV_MAX_DEPTH` (10). pipenv adds one to the value it reads and then
/// looks at one directory fewer than that, so N means the start directory and N-1 parents.
pub const DEFAULT_MAX_DEPTH: usize = 10;

/// pipenv's `_sanitize`: each of space `& $ \` ! * @ " ( ) [ ] \` CR LF TAB made `_`, cut
/// to 42 characters (Python counts characters, not bytes).
pub fn sanitize_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if matches!(
                c,
                ' ' | '&'
                    | '$'
                    | '`'
                    | '!'
                    | '*'
                    | '@'
                    | '"'
                    | '('
                    | ')'
                    | '['
                    | ']'
                    | '\\'
                    | '\r'
                    | '\n'
                    | '\t'
            ) {
                '_'
            } else {
                c
            }
        })
        .take(42)
        .collect()
}

/// The virtualenv name pipenv gives the project of `pipfile` (an absolute path ending in
/// `/Pipfile`, as pipenv holds it): `<slug>-<hash8>[-<python>]`.
///
/// `slug` is [`sanitize_name`] of the Pipfile's directory name; `hash8` is URL-safe base64
/// of the first 6 bytes of SHA-256 of the Pipfile path's UTF-8 text; `pipenv_python`
/// (`PIPENV_PYTHON`), when set and not empty, is appended after a `-`, reduced to its last
/// path component when it is an absolute path. `/home/user/projects/myproject/Pipfile` ->
/// `myproject-5BF9sENN`.
///
/// Not covered: `PIPENV_CUSTOM_VENV_NAME` (used as is by pipenv), and pipenv's look, on
/// case-insensitive file systems only, for an existing environment whose name differs in
/// case.
pub fn virtualenv_name(pipfile: &Path, pipenv_python: Option<&str>) -> String {
    let dir_name = pipfile
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let location = pipfile.to_string_lossy();
    let digest = Sha256::digest(location.as_bytes());
    let hash = base64::engine::general_purpose::URL_SAFE.encode(&digest[..6]);
    let mut name = format!("{}-{}", sanitize_name(&dir_name), &hash[..8]);
    if let Some(python) = pipenv_python.filter(|p| !p.is_empty()) {
        let path = Path::new(python);
        let suffix = if path.is_absolute() {
            path.file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        } else {
            python.to_string()
        };
        name.push('-');
        name.push_str(&suffix);
    }
    name
}

/// The Pipfile pipenv uses, searched from `start` (pipenv's working directory) upward:
/// `start/Pipfile`, then each parent's, looking at `max_depth` directories in all (pipenv's
/// `PIPENV_MAX_DEPTH`, [`DEFAULT_MAX_DEPTH`] when unset; `PIPENV_NO_INHERIT` makes it 1);
/// the first that is a file wins. `start` is made absolute and its symbolic links resolved
/// first, as pipenv's `Path.resolve()` does. `PIPENV_PIPFILE`, when set, is used instead of
/// any search (by the caller).
///
/// `None` when there is none (pipenv then means `Pipfile` in the working directory).
pub fn find_pipfile(start: &Path, max_depth: usize) -> Option<PathBuf> {
    find_upward(start, "Pipfile", max_depth)
}

/// The `requirements.txt` pipenv imports when it starts a project without a Pipfile
/// (`find_requirements`): searched as [`find_pipfile`] searches, one directory fewer (pipenv
/// counts the directories it looks at from 1 and stops before `max_depth`).
pub fn find_requirements(start: &Path, max_depth: usize) -> Option<PathBuf> {
    find_upward(start, "requirements.txt", max_depth.saturating_sub(1))
}

/// The first file named `name` in `start` (made absolute, links resolved) or its parents,
/// looking at `dirs` directories in all.
fn find_upward(start: &Path, name: &str, dirs: usize) -> Option<PathBuf> {
    let mut dir = std::fs::canonicalize(start).ok()?;
    for _ in 0..dirs {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return Some(candidate);
        }
        if !dir.pop() {
            break;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_vector() {
        let p = Path::new("/home/user/projects/myproject/Pipfile");
        assert_eq!(virtualenv_name(p, None), "myproject-5BF9sENN");
        assert_eq!(virtualenv_name(p, Some("3.11")), "myproject-5BF9sENN-3.11");
        assert_eq!(
            virtualenv_name(p, Some("/usr/bin/python3")),
            "myproject-5BF9sENN-python3"
        );
    }

    #[test]
    fn sanitizing_cuts_at_42_characters() {
        assert_eq!(
            sanitize_name("a b&c$d`e!f*g@h\"i(j)k[l]m\\n"),
            "a_b_c_d_e_f_g_h_i_j_k_l_m_n"
        );
        assert_eq!(sanitize_name(&"é".repeat(50)).chars().count(), 42);
    }

    #[test]
    fn search_stops_at_the_depth() {
        let tmp = tempfile::tempdir().unwrap();
        let deep = tmp.path().join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(tmp.path().join("a/Pipfile"), "").unwrap();
        let found = find_pipfile(&deep, 3).unwrap();
        assert!(found.ends_with("a/Pipfile"));
        assert_eq!(find_pipfile(&deep, 2), None);
    }
}
