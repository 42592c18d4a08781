//! Relocating an environment: after its tree was copied or moved, every place that names the
//! old location is rewritten (what virtualenv-clone does for virtualenvwrapper's
//! `cpvirtualenv`).

use std::fs;
use std::path::{Path, PathBuf};

use den_dist::IoResultExt;

use crate::{PyVenvConfig, VenvError, write_activation_scripts};

/// The environment's site-packages directory: the first `lib/*/site-packages` directory
/// (CPython `lib/pythonX.Y[t]`, PyPy `lib/pypyX.Y`), or PyPy 3.7's `<root>/site-packages`;
/// `None` when there is none.
pub fn find_site_packages(root: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(root.join("lib"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("site-packages"))
        .filter(|dir| dir.is_dir())
        .collect();
    found.sort();
    found
        .into_iter()
        .next()
        .or_else(|| Some(root.join("site-packages")).filter(|d| d.is_dir()))
}

/// The last component of `path`, empty when it has none.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Rewrites everything in the environment `dst`, a copy of (or moved from) `src`, that names
/// `src`, so it works on its own:
///
/// - scripts in `bin/` whose `#!` line (or pip's `/bin/sh` `exec` launcher line) runs a
///   Python under `src` get the same line for `dst`; other text files in `bin/` naming `src`
///   get it replaced;
/// - `pyvenv.cfg`'s `prompt` becomes the new directory name when it was the old one;
/// - lines of `.pth` and `.egg-link` files in site-packages that start with `src` are
///   re-rooted;
/// - the activation scripts are regenerated for `dst`.
///
/// # Errors
///
/// [`VenvError::NoSitePackages`], [`VenvError::Io`] for a file that cannot be read or
/// written, and the errors of [`write_activation_scripts`].
pub fn relocate(src: &Path, dst: &Path) -> Result<(), VenvError> {
    let old = src.to_string_lossy().into_owned();
    let new = dst.to_string_lossy().into_owned();

    let bin = dst.join("bin");
    for entry in fs::read_dir(&bin).at("read", &bin)? {
        let entry = entry.at("read", &bin)?;
        let path = entry.path();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        let name = entry.file_name();
        // den-venv's activation scripts are regenerated for the copy below, not edited.
        if !is_file || crate::activation_script_names().any(|script| name == script) {
            continue;
        }
        let content = fs::read(&path).at("read", &path)?;
        let updated = rewrite_shebang(&content, &old, &new).or_else(|| {
            let text = std::str::from_utf8(&content).ok()?;
            text.contains(&old)
                .then(|| text.replace(&old, &new).into_bytes())
        });
        if let Some(updated) = updated {
            fs::write(&path, updated).at("write", &path)?;
        }
    }

    let cfg_path = PyVenvConfig::path_in(dst);
    let mut cfg = PyVenvConfig::read(dst).unwrap_or_default();
    let old_name = file_name(src);
    let new_name = file_name(dst);
    let mut prompt = cfg
        .prompt()
        .map_or_else(|| new_name.clone(), str::to_string);
    if prompt == old_name {
        prompt = new_name.clone();
        cfg.set("prompt", &prompt);
        fs::write(&cfg_path, cfg.to_string()).at("write", &cfg_path)?;
    }

    let site = find_site_packages(dst).ok_or_else(|| VenvError::NoSitePackages {
        root: dst.to_path_buf(),
    })?;
    for entry in fs::read_dir(&site).at("read", &site)? {
        let entry = entry.at("read", &site)?;
        let path = entry.path();
        let is_path_file = path
            .extension()
            .is_some_and(|ext| ext == "pth" || ext == "egg-link");
        if !is_path_file {
            continue;
        }
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        let mut changed = false;
        let lines: Vec<String> = text
            .lines()
            .map(|line| match line.strip_prefix(old.as_str()) {
                Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                    changed = true;
                    format!("{new}{rest}")
                }
                _ => line.to_string(),
            })
            .collect();
        if changed {
            let mut out = lines.join("\n");
            out.push('\n');
            fs::write(&path, out).at("write", &path)?;
        }
    }

    write_activation_scripts(dst, &prompt, &site)?;
    Ok(())
}

/// When `content` starts with a `#!` line running an interpreter under `old` (directly, or
/// through pip's `#!/bin/sh` + `'''exec' '<python>' "$0" "$@"` launcher), returns it with that
/// header replaced by one for the same interpreter under `new`; otherwise `None`.
fn rewrite_shebang(content: &[u8], old: &str, new: &str) -> Option<Vec<u8>> {
    if !content.starts_with(b"#!") {
        return None;
    }
    let mut lines = content
        .split_inclusive(|b| *b == b'\n')
        .map(|line| std::str::from_utf8(line).ok());
    let first = lines.next()??;
    let (python, args, header_len) = if first.trim_end() == "#!/bin/sh" {
        let second = lines.next()??;
        let third = lines.next()??;
        let (python, rest) = crate::quote::unquote_posix(second.strip_prefix("'''exec' ")?)?;
        if rest.trim_end() != "\"$0\" \"$@\"" || third.trim_end() != "' '''" {
            return None;
        }
        (python, "", first.len() + second.len() + third.len())
    } else {
        let line = first[2..].trim_end_matches(['\n', '\r']);
        let (python, args) = line.split_once(' ').unwrap_or((line, ""));
        (python.to_string(), args, first.len())
    };
    let rest = python.strip_prefix(old)?;
    if !rest.starts_with('/') {
        return None;
    }
    let mut out = den_install::shebang_with_args(&format!("{new}{rest}"), args).into_bytes();
    out.push(b'\n');
    out.extend_from_slice(&content[header_len..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_direct_and_launcher_shebangs() {
        let direct = b"#!/envs/a/bin/python3.12 -E\nimport x\n";
        assert_eq!(
            rewrite_shebang(direct, "/envs/a", "/envs/b").unwrap(),
            b"#!/envs/b/bin/python3.12 -E\nimport x\n"
        );
        let spaced =
            rewrite_shebang(b"#!/envs/a/bin/python\nbody\n", "/envs/a", "/envs/b c").unwrap();
        let spaced = String::from_utf8(spaced).unwrap();
        assert_eq!(
            spaced,
            "#!/bin/sh\n'''exec' '/envs/b c/bin/python' \"$0\" \"$@\"\n' '''\nbody\n"
        );
        let back = rewrite_shebang(spaced.as_bytes(), "/envs/b c", "/envs/it's x").unwrap();
        let back = String::from_utf8(back).unwrap();
        assert_eq!(
            back,
            "#!/bin/sh\n'''exec' '/envs/it'\"'\"'s x/bin/python' \"$0\" \"$@\"\n' '''\nbody\n"
        );
        let again = rewrite_shebang(back.as_bytes(), "/envs/it's x", "/envs/d").unwrap();
        assert_eq!(again, b"#!/envs/d/bin/python\nbody\n");
        let plain = rewrite_shebang(
            b"#!/bin/sh\n'''exec' '/envs/it'\\''s x/bin/python' \"$0\" \"$@\"\n' '''\nbody\n",
            "/envs/it's x",
            "/e",
        )
        .unwrap();
        assert_eq!(plain, b"#!/e/bin/python\nbody\n");
        assert!(rewrite_shebang(b"#!/usr/bin/python\n", "/envs/a", "/b").is_none());
        assert!(rewrite_shebang(b"#!/envs/ab/bin/python\n", "/envs/a", "/b").is_none());
        assert!(rewrite_shebang(b"\x7fELF\x00\x01", "/envs/a", "/b").is_none());
    }
}
