//! Unpacking a python-build-standalone install archive safely: [`unpack_python_archive`].

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, BufReader, Read};
use std::path::{Component, Path, PathBuf};

use den_dist::IoResultExt;
use flate2::read::GzDecoder;

use crate::InstallError;

/// The top-level directory of python-build-standalone's `install_only` archives.
const TOP: &str = "python";

/// Counts the compressed bytes read, for progress.
struct Counting<'a, R> {
    inner: R,
    progress: &'a dyn Fn(u64),
    read: u64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        (self.progress)(self.read);
        Ok(n)
    }
}

/// Unpacks the `python/` tree of the `.tar.gz` `archive` into `dest` (an existing, empty
/// directory): `python/bin/python3` lands at `dest/bin/python3`. `progress` is called with
/// the compressed bytes read so far.
///
/// Each member is checked before it is written, in one pass: members outside `python/`,
/// absolute paths, `..` leaving the tree, symlinks whose target is absolute or leaves the
/// tree, hard links to paths outside it, device files and FIFOs are refused, and nothing is
/// ever written through a symlink the archive made. Once all exist, every symlink is
/// resolved and one leading outside `dest` through a chain of links is refused. The caller
/// unpacks into a temporary directory, so a refusal leaves nothing behind. Regular files keep
/// their permission bits.
///
/// Errors: [`InstallError::UnsafeArchive`] naming the first refused member,
/// [`InstallError::Archive`] for a corrupt archive or one without a `python/` tree,
/// [`InstallError::Io`] for write failures.
pub fn unpack_python_archive(
    archive: &Path,
    dest: &Path,
    progress: &dyn Fn(u64),
) -> Result<(), InstallError> {
    let corrupt = |e: &dyn std::fmt::Display| InstallError::Archive {
        archive: archive.to_path_buf(),
        reason: e.to_string(),
    };
    let refuse = |member: &str, reason| InstallError::UnsafeArchive {
        archive: archive.to_path_buf(),
        member: member.to_string(),
        reason,
    };
    let file = File::open(archive).at("open", archive)?;
    let reader = Counting {
        inner: BufReader::with_capacity(1 << 16, file),
        progress,
        read: 0,
    };
    let mut tar = tar::Archive::new(GzDecoder::new(reader));
    // `dest` starts empty, so what is in it is exactly what this loop made: kept here, so
    // no member needs a `stat` to know whether a link is above it or a file in its way.
    let mut made = Made::default();
    let mut any = false;
    for entry in tar.entries().map_err(|e| corrupt(&e))? {
        let mut entry = entry.map_err(|e| corrupt(&e))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let relative =
            den_dist::path::inside(Path::new(&name)).map_err(|reason| refuse(&name, reason))?;
        let mut components = relative.components();
        match components.next() {
            Some(Component::Normal(top)) if top == TOP => {}
            None => continue,
            Some(_) => {
                return Err(refuse(
                    &name,
                    "is not under python/ (not an install archive)",
                ));
            }
        }
        let relative: PathBuf = components.collect();
        use tar::EntryType as T;
        let kind = entry.header().entry_type();
        if matches!(
            kind,
            T::XGlobalHeader | T::XHeader | T::GNULongName | T::GNULongLink
        ) {
            continue;
        }
        if relative.as_os_str().is_empty() {
            if kind == T::Directory {
                continue;
            }
            return Err(refuse(&name, "replaces the python/ directory itself"));
        }
        let path = dest.join(&relative);
        if made.link_above(&relative) {
            return Err(refuse(&name, "would be written through a symlink"));
        }
        let parent = relative.parent().unwrap_or(Path::new(""));
        match kind {
            T::Directory => made.dir(dest, &relative)?,
            T::Regular | T::Continuous => {
                made.dir(dest, parent)?;
                made.clear(dest, &relative)?;
                let mode = entry.header().mode().unwrap_or(0o644) & 0o777;
                let out = create_file(&path, mode)?;
                let mut out = io::BufWriter::with_capacity(1 << 18, out);
                io::copy(&mut entry, &mut out).at("write", &path)?;
                io::Write::flush(&mut out).at("write", &path)?;
                made.files.insert(relative);
            }
            T::Symlink => {
                let target = link_name(&mut entry).map_err(|e| corrupt(&e))?;
                if target.is_absolute() {
                    return Err(refuse(&name, "is a symlink to an absolute path"));
                }
                den_dist::path::inside(&parent.join(&target))
                    .map_err(|_| refuse(&name, "is a symlink pointing outside the archive"))?;
                made.dir(dest, parent)?;
                made.clear(dest, &relative)?;
                symlink(&target, &path)?;
                made.links.insert(relative);
            }
            T::Link => {
                let target = link_name(&mut entry).map_err(|e| corrupt(&e))?;
                let target = den_dist::path::inside(&target)
                    .ok()
                    .and_then(|t| t.strip_prefix(TOP).ok().map(Path::to_path_buf))
                    .filter(|t| !t.as_os_str().is_empty())
                    .ok_or_else(|| refuse(&name, "is a hard link to a path outside the archive"))?;
                if made.link_above(&target) || made.links.contains(&target) {
                    return Err(refuse(&name, "is a hard link through or to a symlink"));
                }
                if !made.files.contains(&target) {
                    return Err(refuse(
                        &name,
                        "is a hard link to a file not unpacked before it",
                    ));
                }
                made.dir(dest, parent)?;
                made.clear(dest, &relative)?;
                fs::hard_link(dest.join(&target), &path).at("link", &path)?;
                made.files.insert(relative);
            }
            T::Char | T::Block | T::Fifo => {
                return Err(refuse(&name, "is a device file or FIFO"));
            }
            _ => return Err(refuse(&name, "has an entry type den does not unpack")),
        }
        any = true;
    }
    if !any {
        return Err(corrupt(&"it holds no python/ tree"));
    }
    check_symlinks(archive, dest, &made.links)
}

/// What [`unpack_python_archive`] made under `dest`, by path relative to it.
#[derive(Default)]
struct Made {
    dirs: HashSet<PathBuf>,
    files: HashSet<PathBuf>,
    links: HashSet<PathBuf>,
}

impl Made {
    /// Whether a directory above `relative` is a symlink the archive made (`lib -> ..` then
    /// `lib/x`): writing there would go wherever the link points.
    fn link_above(&self, relative: &Path) -> bool {
        !self.links.is_empty() && relative.ancestors().skip(1).any(|a| self.links.contains(a))
    }

    /// Makes the directory `relative` and those above it, once each.
    fn dir(&mut self, dest: &Path, relative: &Path) -> Result<(), InstallError> {
        if relative.as_os_str().is_empty() || self.dirs.contains(relative) {
            return Ok(());
        }
        if let Some(parent) = relative.parent() {
            self.dir(dest, parent)?;
        }
        let path = dest.join(relative);
        match fs::create_dir(&path) {
            Err(err) if err.kind() != io::ErrorKind::AlreadyExists => {
                return Err(den_dist::IoError::new("create directory", &path, err).into());
            }
            _ => {}
        }
        self.dirs.insert(relative.to_path_buf());
        Ok(())
    }

    /// Removes a file or link made earlier at `relative` (a later member of the same name
    /// wins, as tar does); a directory there is left and the write fails.
    fn clear(&mut self, dest: &Path, relative: &Path) -> Result<(), InstallError> {
        if self.files.remove(relative) || self.links.remove(relative) {
            let path = dest.join(relative);
            fs::remove_file(&path).at("replace", &path)?;
        }
        Ok(())
    }
}

/// Creates the new file `path` with permission bits `mode` (less the umask).
fn create_file(path: &Path, mode: u32) -> Result<File, InstallError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    Ok(options.open(path).at("create", path)?)
}

/// The link target of a symlink or hard link member.
fn link_name<R: Read>(entry: &mut tar::Entry<'_, R>) -> io::Result<PathBuf> {
    Ok(entry
        .link_name()?
        .map(|l| l.into_owned())
        .unwrap_or_default())
}

/// Creates the symbolic link `path` -> `target`.
#[cfg(unix)]
pub(crate) fn symlink(target: &Path, path: &Path) -> Result<(), InstallError> {
    std::os::unix::fs::symlink(target, path).at("create symlink", path)?;
    Ok(())
}

/// Creates the symbolic link `path` -> `target` (not on this platform).
#[cfg(not(unix))]
pub(crate) fn symlink(_target: &Path, path: &Path) -> Result<(), InstallError> {
    Err(den_dist::IoError::new(
        "create symlink",
        path,
        io::Error::new(io::ErrorKind::Unsupported, "symlinks need Unix"),
    )
    .into())
}

/// Refuses a symlink that leads outside `dest` through a chain of links (`a -> b/..`,
/// `b -> .`), which the per-member check cannot see: each link the archive made, `links`, is
/// resolved now that all exist.
fn check_symlinks(
    archive: &Path,
    dest: &Path,
    links: &HashSet<PathBuf>,
) -> Result<(), InstallError> {
    if links.is_empty() {
        return Ok(());
    }
    let root = fs::canonicalize(dest).at("resolve", dest)?;
    for link in links {
        // A dangling link resolves to nothing anything could be written through.
        if let Ok(real) = fs::canonicalize(dest.join(link))
            && !real.starts_with(&root)
        {
            return Err(InstallError::UnsafeArchive {
                archive: archive.to_path_buf(),
                member: Path::new(TOP).join(link).display().to_string(),
                reason: "is a symlink that leads outside the archive through other links",
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(dir: &Path, build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> PathBuf {
        let mut builder = tar::Builder::new(Vec::new());
        build(&mut builder);
        let tar = builder.into_inner().unwrap();
        let path = dir.join("a.tar.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        io::Write::write_all(&mut gz, &tar).unwrap();
        fs::write(&path, gz.finish().unwrap()).unwrap();
        path
    }

    fn file(builder: &mut tar::Builder<Vec<u8>>, name: &str, body: &[u8]) {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o755);
        header.set_entry_type(tar::EntryType::Regular);
        // set_path refuses `..`; write the raw name as a hostile archive would.
        let bytes = name.as_bytes();
        header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        header.set_cksum();
        builder.append(&header, body).unwrap();
    }

    fn link(builder: &mut tar::Builder<Vec<u8>>, name: &str, target: &str) {
        let mut header = tar::Header::new_gnu();
        header.set_size(0);
        header.set_entry_type(tar::EntryType::Symlink);
        let bytes = name.as_bytes();
        header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        let bytes = target.as_bytes();
        header.as_old_mut().linkname[..bytes.len()].copy_from_slice(bytes);
        header.set_cksum();
        builder.append(&header, io::empty()).unwrap();
    }

    #[test]
    fn unpacks_the_python_tree() {
        let dir = tempfile::tempdir().unwrap();
        let path = archive(dir.path(), |b| {
            file(b, "python/bin/python3.12", b"#!elf");
            link(b, "python/bin/python3", "python3.12");
        });
        let dest = dir.path().join("out");
        fs::create_dir(&dest).unwrap();
        unpack_python_archive(&path, &dest, &|_| {}).unwrap();
        assert_eq!(fs::read(dest.join("bin/python3")).unwrap(), b"#!elf");
    }

    #[test]
    fn refuses_members_leaving_the_tree() {
        for (what, build) in [
            (
                "..",
                Box::new(|b: &mut tar::Builder<Vec<u8>>| file(b, "python/../../evil", b"x"))
                    as Box<dyn FnOnce(&mut tar::Builder<Vec<u8>>)>,
            ),
            (
                "absolute",
                Box::new(|b: &mut tar::Builder<Vec<u8>>| file(b, "/tmp/evil", b"x")),
            ),
            (
                "outside python/",
                Box::new(|b: &mut tar::Builder<Vec<u8>>| file(b, "other/x", b"x")),
            ),
            (
                "symlink out",
                Box::new(|b: &mut tar::Builder<Vec<u8>>| link(b, "python/lib", "../../..")),
            ),
            (
                "absolute symlink",
                Box::new(|b: &mut tar::Builder<Vec<u8>>| link(b, "python/lib", "/etc")),
            ),
            (
                "through a link",
                Box::new(|b: &mut tar::Builder<Vec<u8>>| {
                    link(b, "python/a", ".");
                    link(b, "python/b", "a/a/..");
                    file(b, "python/b/x", b"x");
                }),
            ),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let path = archive(dir.path(), build);
            let dest = dir.path().join("out");
            fs::create_dir(&dest).unwrap();
            let err = unpack_python_archive(&path, &dest, &|_| {}).unwrap_err();
            assert!(
                matches!(err, InstallError::UnsafeArchive { .. }),
                "{what}: {err}"
            );
            assert!(!dir.path().parent().unwrap().join("evil").exists());
        }
    }
}
