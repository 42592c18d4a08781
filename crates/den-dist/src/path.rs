//! Path helpers every crate shares: lexical normalization ([`normalize_path`]), archive
//! member paths that must stay inside their destination ([`inside`]), and `~`
//! expansion the way Python's `os.path.expanduser` does it ([`expand_home`]), which is what pip
//! applies to paths in requirements and virtualenvwrapper's shell applies to `WORKON_HOME`.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

/// `path` with `.` components dropped and each `..` taking away the component before it,
/// without touching the file system (symlinks are not resolved, so `a/link/..` becomes `a`). At
/// the root `..` stays at the root; a relative path keeps its leading `..` components.
pub fn normalize_path(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other),
        }
    }
    out
}

/// `os.path.expandvars` (POSIX): `$NAME` (letters, digits, `_`) and `${NAME}` replaced by
/// `lookup(NAME)`, left as written when it gives nothing.
pub fn expand_vars(text: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, len) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match (name.is_empty(), lookup(name)) {
            (false, Some(value)) => out.push_str(&value),
            _ => out.push_str(&rest[at..at + 1 + len]),
        }
        rest = &rest[at + 1 + len..];
    }
    out.push_str(rest);
    out
}

/// `path` with a leading `~` (alone or followed by `/`) replaced by the current user's home
/// directory (`$HOME`, else the password database), as Python's `os.path.expanduser` does.
/// Unchanged when it does not start with `~` or `~/`, or when no home directory is known.
/// `~user` forms are left unchanged.
pub fn expand_home(path: &str) -> Cow<'_, str> {
    if !starts_with_home(path) {
        return Cow::Borrowed(path);
    }
    match dirs::home_dir() {
        Some(home) => expand_home_with(path, Some(&home)),
        None => Cow::Borrowed(path),
    }
}

/// [`expand_home`] with the home directory given (`None`: unknown, `path` is unchanged).
/// Like `os.path.expanduser`, trailing `/` of `home` are dropped before `~` is replaced (a home
/// of `/` stays `/`), and the rest of `path` is kept as written. A home that is not UTF-8 is
/// written lossily. Pure.
pub fn expand_home_with<'a>(path: &'a str, home: Option<&Path>) -> Cow<'a, str> {
    let Some(home) = home.filter(|_| starts_with_home(path)) else {
        return Cow::Borrowed(path);
    };
    let home = home.to_string_lossy();
    let expanded = format!("{}{}", home.trim_end_matches('/'), &path[1..]);
    if expanded.is_empty() {
        return Cow::Borrowed("/");
    }
    Cow::Owned(expanded)
}

/// Whether `path` is `~` or starts with `~/`.
fn starts_with_home(path: &str) -> bool {
    path.strip_prefix('~')
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// An archive member's relative `path` with `.` components dropped, when it stays inside the
/// directory it is relative to (`..` never climbs above it); else why not, as words that
/// follow "member `NAME`": `climbs out of the destination with \`..\``, `is an absolute path`.
/// Pure: looks at the components only, never at the file system (links are the caller's).
pub fn inside(path: &Path) -> Result<PathBuf, &'static str> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return Err("climbs out of the destination with `..`");
                }
            }
            Component::RootDir | Component::Prefix(_) => return Err("is an absolute path"),
        }
    }
    Ok(out)
}

/// The `/`-separated path that leads from directory `base` to `path`, using `..` where
/// `path` is outside `base` (how pip writes RECORD entries such as `../../../bin/tool`).
/// Both paths should be absolute.
pub fn relative_to(path: &Path, base: &Path) -> String {
    let path = normalize_path(path);
    let base = normalize_path(base);
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
    fn expandvars_like_python() {
        let lookup = |n: &str| (n == "USER").then(|| "me".to_string());
        assert_eq!(
            expand_vars("https://${USER}:$USER@x/$NOPE/${NOPE}/$", lookup),
            "https://me:me@x/$NOPE/${NOPE}/$"
        );
        assert_eq!(expand_vars("a${b", lookup), "a${b");
    }

    #[test]
    fn normalizes_lexically() {
        assert_eq!(normalize_path(Path::new("/a/./b/../c")), Path::new("/a/c"));
        assert_eq!(normalize_path(Path::new("/a/../../b")), Path::new("/b"));
        assert_eq!(
            normalize_path(Path::new("../x/../../y")),
            Path::new("../../y")
        );
        assert_eq!(normalize_path(Path::new("a/..")), Path::new(""));
    }

    #[test]
    fn expands_home_like_expanduser() {
        let home = Some(Path::new("/home/u"));
        assert_eq!(expand_home_with("~", home), "/home/u");
        assert_eq!(expand_home_with("~/", home), "/home/u/");
        assert_eq!(expand_home_with("~/a/b", home), "/home/u/a/b");
        assert_eq!(
            expand_home_with("~/a", Some(Path::new("/home/u/"))),
            "/home/u/a"
        );
        assert_eq!(expand_home_with("~/a", Some(Path::new("/"))), "/a");
        assert_eq!(expand_home_with("~", Some(Path::new("/"))), "/");
        // Not a home reference: left as written.
        assert_eq!(expand_home_with("~user/a", home), "~user/a");
        assert_eq!(expand_home_with("a/~/b", home), "a/~/b");
        assert_eq!(expand_home_with("~a", home), "~a");
        assert_eq!(expand_home_with("~/a", None), "~/a");
        assert!(matches!(expand_home_with("/x", home), Cow::Borrowed("/x")));
    }
}
