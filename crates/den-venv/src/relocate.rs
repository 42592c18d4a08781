//! Relocating an environment: after its tree was copied or moved, every place that names the
//! old location is rewritten (what virtualenv-clone does for virtualenvwrapper's
//! `cpvirtualenv`).

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use den_dist::IoResultExt;
use den_dist::path::normalize_path;

use crate::create::write_activation_scripts_at;
use crate::{PyVenvConfig, VenvError};

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
/// `src`, so it works on its own (virtualenv-clone's job). Its files are at `tree`: `dst`
/// itself, or a directory being made that is renamed to `dst` once whole (every path written
/// names `dst`):
///
/// - scripts in `bin/` whose `#!` line (or pip's `/bin/sh` `exec` launcher line) runs a
///   Python under `src` get the same line for `dst`; other text files in `bin/` naming `src`
///   get it replaced (relative launchers of relocatable environments need nothing);
/// - `pyvenv.cfg`'s `prompt` becomes the new directory name when it was the old one, and its
///   `command` (CPython's record of how the environment was made) names `dst`;
/// - lines of `.pth` and `.egg-link` files in site-packages that start with `src` are
///   re-rooted, and so are the paths under `src` in setuptools' editable finders, RECORD
///   paths and `direct_url.json` `file://` URLs;
/// - the RECORD lines of the files rewritten get their new hash and size;
/// - the activation scripts are regenerated for `dst`.
///
/// # Errors
///
/// [`VenvError::NoSitePackages`], [`VenvError::Io`] for a file that cannot be read or
/// written, and the errors of [`crate::write_activation_scripts`].
pub fn relocate(src: &Path, dst: &Path, tree: &Path) -> Result<(), VenvError> {
    let old = src.to_string_lossy().into_owned();
    let new = dst.to_string_lossy().into_owned();
    let reroot = |text: &str| {
        let rest = text.strip_prefix(old.as_str())?;
        (rest.is_empty() || rest.starts_with('/')).then(|| format!("{new}{rest}"))
    };

    let mut rewritten = edit_scripts(tree, |content| {
        rewrite_shebang(content, &old, &new).or_else(|| {
            let text = std::str::from_utf8(content).ok()?;
            text.contains(&old)
                .then(|| text.replace(&old, &new).into_bytes())
        })
    })?;

    let mut cfg = PyVenvConfig::read(tree).unwrap_or_default();
    let old_name = file_name(src);
    let new_name = file_name(dst);
    let mut prompt = cfg
        .prompt()
        .map_or_else(|| new_name.clone(), str::to_string);
    let mut changed = false;
    if prompt == old_name {
        prompt = new_name.clone();
        cfg.set("prompt", &prompt);
        changed = true;
    }
    if let Some(command) = cfg.get("command").filter(|c| c.contains(&old)) {
        let command = command.replace(&old, &new);
        cfg.set("command", &command);
        changed = true;
    }
    if changed {
        cfg.write(tree)?;
    }

    let site = site_packages(tree)?;
    rewritten.extend(edit_site_files(&site, |line| reroot(line))?);
    let old_url = format!("file://{old}/");
    let new_url = format!("file://{new}/");
    for dist_info in dist_info_dirs(&site)? {
        edit_lines(&dist_info.join("RECORD"), |line| reroot(line))?;
        edit_lines(&dist_info.join("direct_url.json"), |line| {
            line.contains(&old_url)
                .then(|| line.replace(&old_url, &new_url))
        })?;
    }
    update_records(dst, tree, &site, &rewritten)?;

    let site_in_dst = dst.join(site.strip_prefix(tree).unwrap_or(&site));
    write_activation_scripts_at(dst, tree, &prompt, &site_in_dst)?;
    Ok(())
}

/// What making the environment at `root` relocatable changes, as contents of its files: the
/// one rule for [`make_relocatable`] (which writes them in place) and for packing an
/// environment (which writes them into an archive and leaves the environment alone).
///
/// - `pyvenv.cfg` gets `relocatable = true`;
/// - the activation scripts in `bin/` are the relocatable ones (they find the environment
///   from their own path);
/// - other scripts in `bin/` that run one of its interpreters by absolute path start through
///   [`den_install::relative_shebang`] instead;
/// - absolute `.pth` / `.egg-link` lines in site-packages naming a place inside the
///   environment become relative to site-packages, and such paths in setuptools' editable
///   finders an expression relative to the finder ([`den_install::relative_site_file`]);
/// - a distribution's RECORD gives the files these rules change their new hash and size.
///
/// Paths outside the environment (editable projects, the base interpreter) stay as they are.
#[derive(Debug)]
pub struct Relocation {
    root: PathBuf,
    bin: PathBuf,
    site: PathBuf,
    cfg: PyVenvConfig,
    activation: Vec<(&'static str, String)>,
}

impl Relocation {
    /// Reads what the rules need from the environment at `root` (absolute).
    ///
    /// # Errors
    ///
    /// [`VenvError::Io`] when `pyvenv.cfg` cannot be read, [`VenvError::NoSitePackages`],
    /// and those of [`crate::activation_scripts`].
    pub fn new(root: &Path) -> Result<Self, VenvError> {
        let mut cfg = PyVenvConfig::read(root)?;
        cfg.set("relocatable", "true");
        let site = site_packages(root)?;
        let prompt = cfg.prompt().map_or_else(|| file_name(root), str::to_string);
        let activation = crate::activation_scripts(root, &prompt, &site, true)?;
        Ok(Self {
            root: root.to_path_buf(),
            bin: crate::scripts_dir(root),
            site,
            cfg,
            activation,
        })
    }

    /// The environment's site-packages directory.
    pub fn site_packages(&self) -> &Path {
        &self.site
    }

    /// The new contents of the file at `path` (absolute, inside the environment) whose
    /// contents are `content`, or `None` when it stays as it is.
    pub fn contents(&self, path: &Path, content: &[u8]) -> Option<Vec<u8>> {
        let parent = path.parent()?;
        let name = path.file_name()?.to_str()?;
        if parent == self.root && name == "pyvenv.cfg" {
            return Some(self.cfg.to_string().into_bytes());
        }
        if parent == self.bin {
            if let Some((_, script)) = self.activation.iter().find(|(n, _)| *n == name) {
                return Some(script.clone().into_bytes());
            }
            return relative_script(content, &self.bin.to_string_lossy());
        }
        if parent == self.site {
            return den_install::relative_site_file(&self.root, &self.site, name, content);
        }
        let in_dist_info = parent.parent() == Some(self.site.as_path())
            && parent.extension().is_some_and(|ext| ext == "dist-info");
        if in_dist_info && name == "RECORD" {
            let text = std::str::from_utf8(content).ok()?;
            // Only regular files are rewritten (a link stays a link).
            let changed = |file: &Path| {
                let parent = file.parent();
                let rewritable = (parent == Some(self.bin.as_path())
                    || parent == Some(self.site.as_path()))
                    && fs::symlink_metadata(file).is_ok_and(|meta| meta.is_file());
                Ok(rewritable
                    .then(|| fs::read(file).ok())
                    .flatten()
                    .and_then(|old| self.contents(file, &old)))
            };
            return refreshed_record(text, path, &self.root, &self.root, &self.site, changed)
                .ok()
                .flatten()
                .map(String::into_bytes);
        }
        None
    }
}

/// Makes the environment at `root` relocatable, in place, by the rules of [`Relocation`], so
/// it keeps working wherever its directory is moved or copied; `relocatable = true` in its
/// `pyvenv.cfg` makes later installs keep it so. The RECORDs are written first (their new
/// lines computed from the files as they are before), then the files in `bin/` and
/// site-packages, and `pyvenv.cfg` last.
///
/// # Errors
///
/// Those of [`Relocation::new`], and [`VenvError::Io`] for a file that cannot be read or
/// written.
pub fn make_relocatable(root: &Path) -> Result<(), VenvError> {
    let relocation = Relocation::new(root)?;
    let mut files: Vec<PathBuf> = dist_info_dirs(&relocation.site)?
        .into_iter()
        .map(|dist_info| dist_info.join("RECORD"))
        .filter(|record| record.is_file())
        .collect();
    for dir in [&relocation.bin, &relocation.site] {
        for entry in fs::read_dir(dir).at("read", dir)? {
            let entry = entry.at("read", dir)?;
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                files.push(entry.path());
            }
        }
    }
    files.push(PyVenvConfig::path_in(root));
    for path in files {
        let content = fs::read(&path).at("read", &path)?;
        if let Some(updated) = relocation.contents(&path, &content) {
            replace_file(&path, &updated)?;
        }
    }
    Ok(())
}

/// The site-packages directory of the environment at `root`, or
/// [`VenvError::NoSitePackages`].
fn site_packages(root: &Path) -> Result<PathBuf, VenvError> {
    find_site_packages(root).ok_or_else(|| VenvError::NoSitePackages {
        root: root.to_path_buf(),
    })
}

/// Writes back what `edit` returns for each regular file in `root/bin` other than den-venv's
/// activation scripts (which are regenerated, not edited); `None` leaves a file as it is.
/// Returns the files rewritten.
fn edit_scripts(
    root: &Path,
    edit: impl Fn(&[u8]) -> Option<Vec<u8>>,
) -> Result<Vec<PathBuf>, VenvError> {
    let bin = crate::scripts_dir(root);
    let mut rewritten = Vec::new();
    for entry in fs::read_dir(&bin).at("read", &bin)? {
        let entry = entry.at("read", &bin)?;
        let name = entry.file_name();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if !is_file || crate::activation_script_names().any(|script| name == script) {
            continue;
        }
        let path = entry.path();
        let content = fs::read(&path).at("read", &path)?;
        if let Some(updated) = edit(&content) {
            replace_file(&path, &updated)?;
            rewritten.push(path);
        }
    }
    Ok(rewritten)
}

/// Applies `reroot` to every line of the `.pth` and `.egg-link` files in `site`
/// ([`edit_lines`]) and to every path in its setuptools editable finders (the new path
/// written as a string literal, [`den_install::edit_finder_paths`]). Returns the files
/// rewritten.
fn edit_site_files(
    site: &Path,
    reroot: impl Fn(&str) -> Option<String>,
) -> Result<Vec<PathBuf>, VenvError> {
    let mut rewritten = Vec::new();
    for entry in fs::read_dir(site).at("read", site)? {
        let path = entry.at("read", site)?.path();
        let name = file_name(&path);
        let changed = if den_install::is_path_file(&name) {
            edit_lines(&path, &reroot)?
        } else if den_install::is_editable_finder(&name) {
            edit_text(&path, |text| {
                den_install::edit_finder_paths(text, |value| {
                    reroot(value).map(|new| den_dist::python_repr(&new))
                })
            })?
        } else {
            false
        };
        if changed {
            rewritten.push(path);
        }
    }
    Ok(rewritten)
}

/// Gives the RECORD line of each file in `rewritten` (paths in `tree`, the files of the
/// environment whose root is `root`) in the RECORDs of the distributions in `site` the file's
/// new SHA-256 and size ([`refreshed_record`]).
fn update_records(
    root: &Path,
    tree: &Path,
    site: &Path,
    rewritten: &[PathBuf],
) -> Result<(), VenvError> {
    if rewritten.is_empty() {
        return Ok(());
    }
    let rewritten: HashSet<PathBuf> = rewritten.iter().map(|p| normalize_path(p)).collect();
    for dist_info in dist_info_dirs(site)? {
        let record = dist_info.join("RECORD");
        let Ok(text) = fs::read_to_string(&record) else {
            continue;
        };
        let changed = |file: &Path| {
            if !rewritten.contains(file) {
                return Ok(None);
            }
            Ok(Some(fs::read(file).at("read", file)?))
        };
        if let Some(updated) = refreshed_record(&text, &record, root, tree, site, changed)? {
            replace_file(&record, updated.as_bytes())?;
        }
    }
    Ok(())
}

/// The RECORD `text` (PEP 376 / PEP 627 format; of the file `record`, in a distribution in
/// `site`) with each hashed line whose file `changed` gives new contents for carrying their
/// SHA-256 and size. A line's path is relative to `site`, or absolute under `root`, the
/// environment whose files are at `tree`; `changed` gets the file's normalized path in
/// `tree` and returns `None` for a file that stays as it is. `None` when no line changed or
/// the RECORD does not parse.
///
/// # Errors
///
/// What `changed` returns.
fn refreshed_record(
    text: &str,
    record: &Path,
    root: &Path,
    tree: &Path,
    site: &Path,
    changed: impl Fn(&Path) -> Result<Option<Vec<u8>>, VenvError>,
) -> Result<Option<String>, VenvError> {
    let Ok(mut entries) = den_install::parse_record(text, record) else {
        return Ok(None);
    };
    let mut any = false;
    for entry in &mut entries {
        if entry.hash.is_none() {
            continue;
        }
        let path = Path::new(&entry.path);
        let file = match path.strip_prefix(root) {
            Ok(rest) => tree.join(rest),
            Err(_) => normalize_path(&site.join(path)),
        };
        if let Some(content) = changed(&file)? {
            entry.hash = Some(den_dist::record_hash(&content));
            entry.size = Some(content.len() as u64);
            any = true;
        }
    }
    Ok(any.then(|| den_install::write_record(&entries)))
}

/// The `*.dist-info` directories in `site`.
fn dist_info_dirs(site: &Path) -> Result<Vec<PathBuf>, VenvError> {
    let mut dirs = Vec::new();
    for entry in fs::read_dir(site).at("read", site)? {
        let path = entry.at("read", site)?.path();
        if path.extension().is_some_and(|ext| ext == "dist-info") {
            dirs.push(path);
        }
    }
    Ok(dirs)
}

/// Replaces each line of the text file `path` for which `edit` returns a new line
/// ([`den_install::edited_lines`]); whether the file was rewritten, only when a line changed.
fn edit_lines(path: &Path, edit: impl Fn(&str) -> Option<String>) -> Result<bool, VenvError> {
    edit_text(path, |text| den_install::edited_lines(text, &edit))
}

/// Writes what `edit` returns for the text of the file `path`; whether it did. A missing or
/// non-UTF-8 file is left alone.
fn edit_text(path: &Path, edit: impl Fn(&str) -> Option<String>) -> Result<bool, VenvError> {
    let Ok(text) = fs::read_to_string(path) else {
        return Ok(false);
    };
    let Some(out) = edit(&text) else {
        return Ok(false);
    };
    replace_file(path, out.as_bytes())?;
    Ok(true)
}

/// Replaces the file `path` by a new one holding `content`, with the old one's permissions
/// (renamed over it, so another link to the old file, such as den's cache, keeps its
/// contents).
fn replace_file(path: &Path, content: &[u8]) -> Result<(), VenvError> {
    let permissions = fs::metadata(path).at("read", path)?.permissions();
    den_cache::write_atomic(path, content).map_err(|e| e.0)?;
    fs::set_permissions(path, permissions).at("set permissions of", path)?;
    Ok(())
}

/// The interpreter a script's header runs, its options, and the header's length in bytes: a
/// `#!` line (`#!/env/bin/python -E`), or pip's `#!/bin/sh` + `'''exec' '<python>' "$0"
/// "$@"` + `' '''` launcher. `None` for anything else (binaries, relative launchers).
fn parse_shebang(content: &[u8]) -> Option<(String, &str, usize)> {
    if !content.starts_with(b"#!") {
        return None;
    }
    let mut lines = content
        .split_inclusive(|b| *b == b'\n')
        .map(|line| std::str::from_utf8(line).ok());
    let first = lines.next()??;
    if first.trim_end() == "#!/bin/sh" {
        let second = lines.next()??;
        let third = lines.next()??;
        let (python, rest) = crate::quote::unquote_posix(second.strip_prefix("'''exec' ")?)?;
        if rest.trim_end() != "\"$0\" \"$@\"" || third.trim_end() != "' '''" {
            return None;
        }
        Some((python, "", first.len() + second.len() + third.len()))
    } else {
        let line = first[2..].trim_end_matches(['\n', '\r']);
        let (python, args) = line.split_once(' ').unwrap_or((line, ""));
        Some((python.to_string(), args, first.len()))
    }
}

/// `header` (without its newline) followed by `content` from byte `header_len` on.
fn with_header(header: String, content: &[u8], header_len: usize) -> Vec<u8> {
    let mut out = header.into_bytes();
    out.push(b'\n');
    out.extend_from_slice(&content[header_len..]);
    out
}

/// When `content` starts with a header ([`parse_shebang`]) running an interpreter under
/// `old`, returns it with that header replaced by one for the same interpreter under `new`;
/// otherwise `None`.
fn rewrite_shebang(content: &[u8], old: &str, new: &str) -> Option<Vec<u8>> {
    let (python, args, header_len) = parse_shebang(content)?;
    let rest = python.strip_prefix(old)?;
    if !rest.starts_with('/') {
        return None;
    }
    let header = den_install::shebang_with_args(&format!("{new}{rest}"), args);
    Some(with_header(header, content, header_len))
}

/// When `content` starts with a header ([`parse_shebang`]) running an interpreter directly
/// in the directory `bin`, returns it with that header replaced by one that runs the
/// interpreter of that name beside the script ([`den_install::relative_shebang`]; interpreter
/// options are dropped, as pip's launcher drops them); otherwise `None`.
fn relative_script(content: &[u8], bin: &str) -> Option<Vec<u8>> {
    let (python, _, header_len) = parse_shebang(content)?;
    let name = python.strip_prefix(bin)?.strip_prefix('/')?;
    if name.is_empty() || name.contains('/') {
        return None;
    }
    Some(with_header(
        den_install::relative_shebang(name),
        content,
        header_len,
    ))
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
