//! The `pip freeze` entry of an editable install whose project directory is a git checkout:
//! pip describes it by the checkout's remote and commit rather than by its path.

use std::path::{Path, PathBuf};
use std::process::Command;

use den_dist::path::normalize_path;

/// The freeze entry pip 21.1 to 25 prints for an editable install of project `name` (METADATA
/// spelling) from `location` when that directory is inside a git work tree, `None` when it is
/// not (or `git` cannot be run). `pinned` is `Name==version`, used in comment lines:
///
/// - `-e git+<remote>@<HEAD commit>#egg=<name, - as _>` (plus `&subdirectory=<dir>` when the
///   project root, the nearest directory up from `location` with a `pyproject.toml` or
///   `setup.py`, is not the repository root). The remote is `origin`'s URL, else the first
///   remote's; scp-like `git@host:path` becomes `ssh://git@host/path`, an existing local path
///   a `file://` URL; `git+` is prepended unless the URL starts with `git:`.
/// - With no remote: `# Editable Git install with no remote (<pinned>)` then `-e <location>`.
/// - With a remote that is none of the above: `# Editable Git install (<pinned>) with either
///   a deleted local remote or invalid URI:`, `# '<remote>'`, then `-e <location>`.
pub(crate) fn editable_git_entry(location: &Path, name: &str, pinned: &str) -> Option<String> {
    let location = normalize_path(location);
    let plain = format!("-e {}", location.display());
    if !location.join(".git").exists() {
        git(&location, &["rev-parse", "--show-toplevel"], &[])?;
    }
    let remotes = git(
        &location,
        &["config", "--get-regexp", r"remote\..*\.url"],
        &[1],
    )?;
    let Some(remote) = remotes
        .lines()
        .find(|line| line.starts_with("remote.origin.url "))
        .or_else(|| remotes.lines().next())
        .and_then(|line| line.split(' ').nth(1))
        .map(str::trim)
    else {
        return Some(format!(
            "# Editable Git install with no remote ({pinned})\n{plain}"
        ));
    };
    let Some(url) = pip_remote_url(remote) else {
        return Some(format!(
            "# Editable Git install ({pinned}) with either a deleted local remote or invalid \
             URI:\n# '{remote}'\n{plain}"
        ));
    };
    let commit = git(&location, &["rev-parse", "HEAD"], &[])?;
    let prefix = if url.to_ascii_lowercase().starts_with("git:") {
        ""
    } else {
        "git+"
    };
    let mut entry = format!(
        "-e {prefix}{url}@{}#egg={}",
        commit.trim(),
        name.replace('-', "_")
    );
    if let Some(subdirectory) = project_subdirectory(&location) {
        entry.push_str("&subdirectory=");
        entry.push_str(&subdirectory);
    }
    Some(entry)
}

/// The project root (nearest directory up from `location` holding `pyproject.toml` or
/// `setup.py`) relative to the repository root, `None` when they are the same directory or
/// no project root is found.
fn project_subdirectory(location: &Path) -> Option<String> {
    let git_dir = PathBuf::from(git(location, &["rev-parse", "--git-dir"], &[])?.trim());
    let repo_root = normalize_path(&location.join(git_dir).join(".."));
    let project = location
        .ancestors()
        .find(|dir| dir.join("pyproject.toml").is_file() || dir.join("setup.py").is_file())?;
    let same = match (project.canonicalize(), repo_root.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => project == repo_root,
    };
    if same {
        return None;
    }
    let relative = project.strip_prefix(&repo_root).ok()?;
    Some(relative.to_string_lossy().into_owned())
}

/// A git remote as a URL pip accepts: `scheme://...` as is, an existing local path as a
/// `file://` URL, scp-like `[user@]host:path` as `ssh://[user@]host/path`; `None` otherwise.
fn pip_remote_url(remote: &str) -> Option<String> {
    let word_len = remote
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(remote.len());
    if word_len > 0 && remote[word_len..].starts_with("://") {
        return Some(remote.to_string());
    }
    let path = Path::new(remote);
    if path.exists() && path.is_absolute() {
        return Some(format!("file://{}", normalize_path(path).display()));
    }
    let (user, rest) = match remote.split_once('@') {
        Some((user, rest))
            if !user.is_empty() && user.chars().all(|c| c.is_alphanumeric() || c == '_') =>
        {
            (format!("{user}@"), rest)
        }
        _ => (String::new(), remote),
    };
    let (host, path) = rest.split_once(':')?;
    let path_ok = path
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
        && !path.contains(':');
    (!host.is_empty() && !host.contains('/') && path_ok)
        .then(|| format!("ssh://{user}{host}/{path}"))
}

/// Runs `git args` in `dir`: its stdout when it exits 0 or with a code in `also_ok`
/// (`git config --get-regexp` exits 1 when nothing matches), `None` when it fails or cannot
/// run.
fn git(dir: &Path, args: &[&str], also_ok: &[i32]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    let code = output.status.code()?;
    (code == 0 || also_ok.contains(&code))
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_become_pip_urls() {
        assert_eq!(
            pip_remote_url("https://github.com/o/r.git").as_deref(),
            Some("https://github.com/o/r.git")
        );
        assert_eq!(
            pip_remote_url("git@github.com:o/r.git").as_deref(),
            Some("ssh://git@github.com/o/r.git")
        );
        assert_eq!(
            pip_remote_url("example.com:o/r").as_deref(),
            Some("ssh://example.com/o/r")
        );
        assert_eq!(pip_remote_url("/definitely/not/here.git"), None);
        assert_eq!(pip_remote_url("host:/abs"), None);
    }
}
