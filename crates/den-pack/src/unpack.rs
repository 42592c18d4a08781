//! Unpacking an archive made by [`crate::pack`] safely: into a temporary directory beside the
//! destination, each entry checked before anything is written, renamed into place only when
//! complete.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use den_dist::IoResultExt;

use crate::archive::Format;
use crate::{META_DIR, PackError, UNPACK_SCRIPT};

/// How to unpack.
#[derive(Debug, Clone, Default)]
pub struct UnpackOptions {
    /// Replace an existing destination (only once the new one is complete).
    pub force: bool,
    /// Where the base Python is installed on this machine (its executables in `bin/`), when
    /// not where it was on the packing machine: `home` in pyvenv.cfg and the interpreter
    /// links in `bin/` are pointed there.
    pub python_prefix: Option<PathBuf>,
}

/// Unpacks the den archive `archive` into the new directory `dest` (absolute) and finishes it
/// there: text files that named the packed environment's location name `dest` (the list in
/// `.den-pack/prefix-files`), and `.den-pack` and `bin/den-unpack` are removed. Returns the
/// number of entries unpacked; `progress` is told the count so far after each.
///
/// Refused, with nothing left behind: an archive whose files add up to more than
/// `DEN_MAX_UNPACKED_SIZE` ([`den_dist::max_unpacked_size`], 8 GiB by default; a
/// decompression bomb), an archive that is not den's (no `.den-pack/prefix`),
/// damaged or truncated (its compression's checks fail), or with an entry that would land
/// outside `dest` (absolute, `..`, through a link), a link pointing outside `dest` (other
/// than the interpreter links in `bin/`), or an entry of another type (hard links, devices).
///
/// # Errors
///
/// [`PackError::DestinationExists`] (without `options.force`), [`PackError::BadArchive`],
/// [`PackError::PythonCarried`] for `options.python_prefix` with an archive that carries its
/// base Python, [`PackError::Limit`] for an invalid `DEN_MAX_UNPACKED_SIZE`, [`PackError::Io`].
pub fn unpack(
    archive: &Path,
    dest: &Path,
    options: &UnpackOptions,
    progress: &dyn Fn(u64),
) -> Result<usize, PackError> {
    unpack_within(
        archive,
        dest,
        options,
        den_dist::max_unpacked_size()?,
        progress,
    )
}

/// [`unpack`] with `limit` as the ceiling on the total size of the files, in bytes.
///
/// # Errors
///
/// As [`unpack`].
pub fn unpack_within(
    archive: &Path,
    dest: &Path,
    options: &UnpackOptions,
    limit: u64,
    progress: &dyn Fn(u64),
) -> Result<usize, PackError> {
    if (dest.exists() || dest.is_symlink()) && !options.force {
        return Err(PackError::DestinationExists {
            path: dest.to_path_buf(),
        });
    }
    let bad = |reason: String| PackError::BadArchive {
        archive: archive.to_path_buf(),
        reason,
    };
    let mut file = fs::File::open(archive).at("open", archive)?;
    let mut head = [0u8; 4];
    let read = file.read(&mut head).at("read", archive)?;
    let format = Format::sniff(&head[..read])
        .ok_or_else(|| bad("not an archive den packs (tar.gz, tar.zst or zip)".to_string()))?;
    drop(file);

    let parent = dest.parent().unwrap_or(Path::new("/"));
    fs::create_dir_all(parent).at("create directory", parent)?;
    let temp = tempfile::Builder::new()
        .prefix(".den-unpack-")
        .tempdir_in(parent)
        .at("create a temporary directory in", parent)?;
    let mut extractor = Extractor {
        root: temp.path(),
        links: HashSet::new(),
        count: 0,
        remaining: limit,
        limit,
        progress,
    };
    let result = match format {
        Format::TarGz => {
            let file = fs::File::open(archive).at("open", archive)?;
            extractor.tar(flate2::read::MultiGzDecoder::new(io::BufReader::new(file)))
        }
        Format::TarZst => {
            let file = fs::File::open(archive).at("open", archive)?;
            let decoder = zstd::stream::read::Decoder::new(file).at("read", archive)?;
            extractor.tar(decoder)
        }
        Format::Zip => extractor.zip(archive),
    };
    result.map_err(bad)?;
    let count = extractor.count;

    let meta = temp.path().join(META_DIR);
    let old = fs::read(meta.join("prefix")).map_err(|_| {
        bad(format!(
            "not made by den pack (it has no {META_DIR}/prefix)"
        ))
    })?;
    let old = old.strip_suffix(b"\n").unwrap_or(&old);
    let listing = fs::read(meta.join("prefix-files")).unwrap_or_default();
    let new = dest.as_os_str().as_encoded_bytes();
    for name in listing.split(|b| *b == b'\n').filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name);
        let relative = safe_relative(&name).map_err(|reason| bad(format!("{name}: {reason}")))?;
        let path = temp.path().join(relative);
        if extractor.through_link(&path) || path.is_symlink() {
            return Err(bad(format!("{name}: listed for rewriting but is a link")));
        }
        let content = fs::read(&path).at("read", &path)?;
        fs::write(&path, crate::replace_all(&content, old, new)).at("write", &path)?;
    }
    if let Some(python_prefix) = &options.python_prefix {
        if meta.join("python").exists() {
            return Err(PackError::PythonCarried {
                archive: archive.to_path_buf(),
            });
        }
        use_python_prefix(temp.path(), python_prefix)?;
    }
    fs::remove_dir_all(&meta).at("remove", &meta)?;
    let script = temp.path().join(UNPACK_SCRIPT);
    if script.is_file() {
        fs::remove_file(&script).at("remove", &script)?;
    }

    // The unpacked tree stays a temporary directory (removed on any failure) until it is
    // renamed into place; a destination being replaced is put back if that rename fails.
    if dest.exists() || dest.is_symlink() {
        let aside = tempfile::Builder::new()
            .prefix(".den-replaced-")
            .tempdir_in(parent)
            .at("create a temporary directory in", parent)?;
        let old_dest = aside.path().join("old");
        fs::rename(dest, &old_dest).at("move aside", dest)?;
        if let Err(e) = fs::rename(temp.path(), dest) {
            fs::rename(&old_dest, dest).at("put back", dest)?;
            return Err(PackError::Io(den_dist::IoError {
                action: "move into place",
                path: dest.to_path_buf(),
                source: e,
            }));
        }
    } else {
        fs::rename(temp.path(), dest).at("move into place", dest)?;
    }
    // Renamed away: nothing is left at the temporary path for the guard to remove.
    let _ = temp.keep();
    Ok(count)
}

/// Points the unpacked environment at `root` to the base Python installed at `prefix`: each
/// absolute interpreter link in `bin/` to the executable of the same name in `prefix/bin`,
/// and `home` in pyvenv.cfg to `prefix/bin`.
fn use_python_prefix(root: &Path, prefix: &Path) -> Result<(), PackError> {
    let bin = root.join("bin");
    let python_bin = prefix.join("bin");
    for entry in fs::read_dir(&bin).at("read", &bin)? {
        let link = entry.at("read", &bin)?.path();
        let Ok(target) = fs::read_link(&link) else {
            continue;
        };
        if !target.is_absolute() {
            continue;
        }
        let new = python_bin.join(target.file_name().unwrap_or_default());
        if !new.exists() {
            return Err(PackError::PythonPrefix {
                prefix: prefix.to_path_buf(),
                missing: new,
            });
        }
        fs::remove_file(&link).at("remove", &link)?;
        std::os::unix::fs::symlink(&new, &link).at("create symlink", &link)?;
    }
    let mut cfg = den_venv::PyVenvConfig::read(root)?;
    cfg.set("home", &python_bin.to_string_lossy());
    cfg.write(root)?;
    Ok(())
}

/// `name` as a relative path of normal components, or why not.
fn safe_relative(name: &str) -> Result<PathBuf, String> {
    let path = Path::new(name);
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err("a path with `..`".to_string()),
            Component::RootDir | Component::Prefix(_) => {
                return Err("an absolute path".to_string());
            }
        }
    }
    if out.as_os_str().is_empty() {
        return Err("an empty path".to_string());
    }
    Ok(out)
}

/// Writes checked entries under `root`.
struct Extractor<'a> {
    /// Told the number of entries unpacked so far.
    progress: &'a dyn Fn(u64),
    root: &'a Path,
    /// The links made so far: no later entry may be written through one.
    links: HashSet<PathBuf>,
    count: usize,
    /// How many more bytes the files may add up to.
    remaining: u64,
    /// The ceiling, for the message.
    limit: u64,
}

/// What one entry is.
enum Kind<'t> {
    Dir,
    /// Mode and declared size.
    File(u32, u64),
    Symlink(&'t Path),
}

impl Extractor<'_> {
    fn tar(&mut self, reader: impl Read) -> Result<(), String> {
        let mut archive = tar::Archive::new(reader);
        let entries = archive.entries().map_err(|e| e.to_string())?;
        for entry in entries {
            let mut entry = entry.map_err(|e| format!("damaged or truncated: {e}"))?;
            let name = entry
                .path()
                .map_err(|e| e.to_string())?
                .to_string_lossy()
                .into_owned();
            let mode = entry.header().mode().unwrap_or(0o644);
            let link = entry.link_name().map_err(|e| e.to_string())?;
            let link = link.map(|l| l.into_owned());
            let kind = match entry.header().entry_type() {
                tar::EntryType::Directory => Kind::Dir,
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    Kind::File(mode, entry.header().size().map_err(|e| e.to_string())?)
                }
                tar::EntryType::Symlink => match &link {
                    Some(target) => Kind::Symlink(target),
                    None => return Err(format!("{name}: a link without a target")),
                },
                tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => continue,
                other => {
                    return Err(format!(
                        "{name}: an entry of type {other:?}, which den does not unpack"
                    ));
                }
            };
            self.entry(&name, kind, &mut entry)
                .map_err(|e| format!("{name}: {e}"))?;
        }
        Ok(())
    }

    fn zip(&mut self, archive: &Path) -> Result<(), String> {
        let file = fs::File::open(archive).map_err(|e| e.to_string())?;
        let mut zip = zip::ZipArchive::new(io::BufReader::new(file))
            .map_err(|e| format!("damaged or truncated: {e}"))?;
        for index in 0..zip.len() {
            let mut entry = zip
                .by_index(index)
                .map_err(|e| format!("damaged or truncated: {e}"))?;
            let name = entry.name().map_err(|e| e.to_string())?.into_owned();
            let mode = entry.unix_mode().unwrap_or(0o644);
            let kind_bits = mode & 0o170_000;
            if entry.is_dir() {
                self.entry(&name, Kind::Dir, &mut io::empty())
            } else if kind_bits == 0o120_000 {
                let mut target = String::new();
                entry
                    .read_to_string(&mut target)
                    .map_err(|e| format!("{name}: {e}"))?;
                self.entry(&name, Kind::Symlink(Path::new(&target)), &mut io::empty())
            } else {
                let size = entry.size();
                self.entry(&name, Kind::File(mode, size), &mut entry)
            }
            .map_err(|e| format!("{name}: {e}"))?;
        }
        Ok(())
    }

    /// Whether `path` lies below one of the links made so far.
    fn through_link(&self, path: &Path) -> bool {
        path.ancestors().skip(1).any(|dir| self.links.contains(dir))
    }

    fn entry(&mut self, name: &str, kind: Kind<'_>, content: &mut dyn Read) -> Result<(), String> {
        let relative = safe_relative(name)?;
        let path = self.root.join(&relative);
        if self.through_link(&path) {
            return Err("a path through a link".to_string());
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        match kind {
            Kind::Dir => fs::create_dir_all(&path).map_err(|e| e.to_string())?,
            Kind::File(mode, size) => {
                use std::os::unix::fs::PermissionsExt;
                self.remaining = self.remaining.checked_sub(size).ok_or_else(|| {
                    format!(
                        "the archive unpacks to more than {} bytes, the ceiling {} sets",
                        self.limit,
                        den_dist::MAX_UNPACKED_SIZE_VAR
                    )
                })?;
                let mut out = fs::File::create(&path).map_err(|e| e.to_string())?;
                let written = io::copy(&mut content.take(size), &mut out)
                    .map_err(|e| format!("damaged or truncated: {e}"))?;
                if written != size {
                    return Err(format!(
                        "damaged or truncated: {written} of its {size} bytes"
                    ));
                }
                let permissions = fs::Permissions::from_mode(mode & 0o777);
                fs::set_permissions(&path, permissions).map_err(|e| e.to_string())?;
            }
            Kind::Symlink(target) => {
                check_link(&relative, target)?;
                std::os::unix::fs::symlink(target, &path).map_err(|e| e.to_string())?;
                self.links.insert(path);
            }
        }
        self.count += 1;
        (self.progress)(self.count as u64);
        Ok(())
    }
}

/// A link at `relative` to `target` must stay inside the environment, except the
/// interpreter links den makes in `bin/` (`python*`, `pypy*`, PyPy's `libpypy*`), which name
/// the base interpreter.
fn check_link(relative: &Path, target: &Path) -> Result<(), String> {
    if target.is_absolute() {
        let in_bin = relative.parent() == Some(Path::new("bin"));
        let name = relative.file_name().unwrap_or_default().to_string_lossy();
        let interpreter = ["python", "pypy", "libpypy"]
            .iter()
            .any(|prefix| name.starts_with(prefix));
        if in_bin && interpreter {
            return Ok(());
        }
        return Err(format!(
            "a link to {} outside the environment",
            target.display()
        ));
    }
    let mut depth = relative.components().count() - 1;
    for component in target.components() {
        match component {
            Component::ParentDir if depth == 0 => {
                return Err(format!(
                    "a link to {} outside the environment",
                    target.display()
                ));
            }
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            _ => {}
        }
    }
    Ok(())
}
