//! Unpacking source distributions safely: [`extract_sdist`] checks each member as it is
//! unpacked, in one pass over the archive, into a temporary directory it moves into place only
//! when everything is written; a refused archive leaves the destination untouched.
//! [`stage_sdist_from`] does the same for a tarball read as it arrives (a download), leaving the
//! tree staged until its caller knows the archive is the one it wanted.

use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use den_dist::{IoError, IoResultExt};
use flate2::read::GzDecoder;

use crate::BuildError;

/// What an archive member is, as far as extraction cares.
enum Kind {
    Dir,
    File {
        executable: bool,
        /// The size its header (tar) or central-directory entry (zip) declares.
        size: u64,
    },
    /// A symbolic link with its target as stored.
    Symlink(PathBuf),
    /// A hard link to another member, by archive path.
    Hardlink(PathBuf),
    /// Metadata records (pax headers) that carry no file.
    Skip,
    /// Anything else (devices, FIFOs, sparse files): refused with this reason.
    Refused(&'static str),
}

/// The archive formats [`extract_sdist`] reads.
#[derive(Clone, Copy)]
enum Format {
    TarGz,
    Zip,
}

impl Format {
    /// The format `archive`'s name says.
    fn of(archive: &Path) -> Option<Self> {
        let name = archive.file_name()?.to_str()?.to_ascii_lowercase();
        Self::of_extension(den_dist::sdist_extension(&name)?)
    }

    /// The format of one of [`den_dist::SDIST_EXTENSIONS`]; `None` for those den cannot read.
    fn of_extension(extension: &str) -> Option<Self> {
        match extension {
            ".tar.gz" | ".tgz" => Some(Self::TarGz),
            ".zip" => Some(Self::Zip),
            _ => None,
        }
    }
}

/// Whether [`extract_sdist`] reads source distributions with `extension`, one of
/// [`den_dist::SDIST_EXTENSIONS`] (`.tar.gz`, `.tgz` and `.zip`; not `.tar.bz2` or `.tar.xz`).
pub fn can_extract(extension: &str) -> bool {
    Format::of_extension(extension).is_some()
}

/// Whether [`stage_sdist_from`] unpacks source distributions with `extension` (one of
/// [`den_dist::SDIST_EXTENSIONS`]) as their bytes arrive: the tarballs den reads (`.tar.gz`,
/// `.tgz`), whose members come front to back; not a `.zip`, whose list of members is at its end.
pub fn can_stream(extension: &str) -> bool {
    matches!(Format::of_extension(extension), Some(Format::TarGz))
}

/// Unpacks the source distribution `archive` (`.tar.gz`, `.tgz` or `.zip`) into `dest` and
/// returns the project root: the single top-level directory when the archive has exactly one
/// (the sdist convention, `{name}-{version}/`), else `dest` itself. `dest` must not exist or be
/// an empty directory (not a symlink to one); its parent is created if missing.
///
/// The archive is unpacked into a fresh temporary directory next to `dest` (`.den-sdist-*`, on
/// the same file system), which is moved into place only once every member is written and
/// checked: on any error it is removed and `dest` is left as it was. Members that are absolute
/// paths, climb out with `..`, are device files or FIFOs, symlinks whose target is absolute or
/// leaves the archive, or hard links to paths outside it are refused as they come (a `.zip`'s
/// members, all listed in its central directory, are all checked before anything is written).
/// While writing, a member is never written through a symlink the archive created, and a hard
/// link must name a regular file the archive wrote before it (as tar requires), so nothing lands
/// outside the temporary directory; once all are written, symlinks that lead outside it through
/// a chain of other links are refused. Regular files keep their executable bits; ownership and
/// timestamps are not restored.
///
/// Sizes are bounded as for wheels: the sizes the members declare (tar headers, zip
/// central-directory entries) must add up to at most `DEN_MAX_UNPACKED_SIZE`
/// ([`den_dist::max_unpacked_size`], 8 GiB by default), counted as members arrive (for a `.zip`,
/// before anything is written); a zip whose entries overlap (share stored bytes, "Overlapped
/// entries" to Python's zipfile) is refused before anything is written; no member is written
/// beyond its declared size, and one whose stream holds more is refused.
///
/// Errors: [`BuildError::UnsupportedArchive`] for other extensions, [`BuildError::Archive`] for
/// corrupt archives (also overlapping zip entries, members longer than declared, hard links to
/// no earlier file), [`BuildError::UnsafeArchive`] naming the first refused member,
/// [`BuildError::TooLarge`] over the ceiling, [`BuildError::Limit`] for an invalid
/// `DEN_MAX_UNPACKED_SIZE`, [`BuildError::Io`] for write failures and for a `dest` that exists
/// and is not an empty directory.
pub fn extract_sdist(archive: &Path, dest: &Path) -> Result<PathBuf, BuildError> {
    extract_sdist_within(archive, dest, den_dist::max_unpacked_size()?)
}

/// [`extract_sdist`] with `limit` as the ceiling on the total unpacked size, in bytes.
///
/// Errors: as [`extract_sdist`].
pub fn extract_sdist_within(
    archive: &Path,
    dest: &Path,
    limit: u64,
) -> Result<PathBuf, BuildError> {
    let format = Format::of(archive).ok_or_else(|| BuildError::UnsupportedArchive {
        archive: archive.to_path_buf(),
    })?;
    if let Format::Zip = format {
        // A zip's central directory names every member with its size: check them all before
        // writing anything, which inflates nothing but symlink targets.
        let mut declared = 0u64;
        visit(archive, format, &mut |name, kind, _| {
            if let Kind::File { size, .. } = kind {
                declared = declared.saturating_add(size);
            }
            check(archive, name, &kind).map(|_| ())
        })?;
        if declared > limit {
            return Err(too_large(archive, declared, limit));
        }
    }
    stage(archive, dest, limit, |f| visit(archive, format, f))?.finish()
}

/// [`extract_sdist`] for a tarball whose compressed bytes `reader` yields as they arrive (a
/// download): unpacked in one pass with every check [`extract_sdist`] makes, the same
/// `DEN_MAX_UNPACKED_SIZE` ceiling and the same errors, naming `archive`, the archive the bytes
/// are (where the download is saved; its extension says the compression, see [`can_stream`]).
/// `dest` must be missing or an empty directory, as for [`extract_sdist`].
///
/// The tree is left staged in a temporary directory beside `dest`: the caller moves it into
/// place with [`StagedSdist::finish`] once it knows the archive is the one it wanted (its hashes
/// are known when its last byte has arrived), or drops it, which removes it. `reader` is read up
/// to the end of the tar archive, which may come before its own end (end-of-archive padding, the
/// gzip trailer).
///
/// Errors: [`BuildError::UnsupportedArchive`] when `archive` is not a tarball den reads;
/// [`BuildError::Archive`] also when `reader` fails; otherwise as [`extract_sdist`].
pub fn stage_sdist_from(
    reader: impl Read,
    archive: &Path,
    dest: &Path,
) -> Result<StagedSdist, BuildError> {
    let Some(Format::TarGz) = Format::of(archive) else {
        return Err(BuildError::UnsupportedArchive {
            archive: archive.to_path_buf(),
        });
    };
    let limit = den_dist::max_unpacked_size()?;
    stage(archive, dest, limit, |f| {
        visit_tar(archive, GzDecoder::new(reader), f)
    })
}

/// A source distribution unpacked and checked in a temporary directory (`.den-sdist-*`) beside
/// its destination, by [`stage_sdist_from`], waiting for [`StagedSdist::finish`] to move it into
/// place. Dropped before that, it is removed.
#[derive(Debug)]
pub struct StagedSdist {
    staging: tempfile::TempDir,
    dest: PathBuf,
}

impl StagedSdist {
    /// Moves the unpacked archive to its destination and returns the project root, as
    /// [`extract_sdist`] returns it.
    ///
    /// Errors: [`BuildError::Io`] when the destination was taken meanwhile (it is no longer
    /// missing or an empty directory) or the move fails; the staged tree is removed.
    pub fn finish(self) -> Result<PathBuf, BuildError> {
        let Self { staging, dest } = self;
        let staged = staging.keep();
        // rename(2) replaces an empty directory on Unix; elsewhere it must go first.
        #[cfg(not(unix))]
        let _ = fs::remove_dir(&dest);
        if let Err(source) = fs::rename(&staged, &dest) {
            let _ = fs::remove_dir_all(&staged);
            let source = match source.kind() {
                io::ErrorKind::DirectoryNotEmpty
                | io::ErrorKind::AlreadyExists
                | io::ErrorKind::NotADirectory
                | io::ErrorKind::IsADirectory => occupied(),
                _ => source,
            };
            return Err(IoError::new("move the unpacked archive to", &dest, source).into());
        }
        project_root(&dest)
    }
}

/// Unpacks the members `members` visits (of `archive`) into a fresh temporary directory next to
/// `dest`, on the same file system: each member is checked as it comes and written, its declared
/// size counted against `limit` (again for a zip, so one changed since it was checked cannot
/// pass); then symlink chains are checked. On an error the temporary directory is removed and
/// `dest` was never touched.
fn stage(
    archive: &Path,
    dest: &Path,
    limit: u64,
    members: impl FnOnce(&mut Visitor<'_>) -> Result<(), BuildError>,
) -> Result<StagedSdist, BuildError> {
    let parent = vacant_parent(dest)?;
    let staging = tempfile::Builder::new()
        .prefix(".den-sdist-")
        .tempdir_in(parent)
        .at("create a temporary directory in", parent)?;
    let mut declared = 0u64;
    members(&mut |name, kind, reader| {
        if let Kind::File { size, .. } = kind {
            declared = declared.saturating_add(size);
            if declared > limit {
                return Err(too_large(archive, declared, limit));
            }
        }
        match check(archive, name, &kind)? {
            Some(relative) => place(archive, staging.path(), &relative, kind, reader),
            None => Ok(()),
        }
    })?;
    check_symlinks(archive, staging.path())?;
    Ok(StagedSdist {
        staging,
        dest: dest.to_path_buf(),
    })
}

/// Why `dest` cannot take an unpacked archive.
fn occupied() -> io::Error {
    io::Error::new(
        io::ErrorKind::DirectoryNotEmpty,
        "it exists and is not an empty directory",
    )
}

/// The directory `dest` goes in, created if missing, once `dest` is known to be missing or an
/// empty directory (checked early so an occupied `dest` costs no unpacking; the final move
/// checks again).
///
/// Errors: [`BuildError::Io`] when `dest` is occupied or cannot be inspected, or the parent
/// cannot be created.
fn vacant_parent(dest: &Path) -> Result<&Path, BuildError> {
    match fs::symlink_metadata(dest) {
        Ok(meta) => {
            let empty = meta.is_dir() && fs::read_dir(dest).at("list", dest)?.next().is_none();
            if !empty {
                return Err(IoError::new("unpack into", dest, occupied()).into());
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(IoError::new("inspect", dest, e).into()),
    }
    let parent = match dest.parent() {
        Some(parent) if parent.as_os_str().is_empty() => Path::new("."),
        Some(parent) => parent,
        None => {
            let invalid = io::Error::new(io::ErrorKind::InvalidInput, "it has no parent directory");
            return Err(IoError::new("unpack into", dest, invalid).into());
        }
    };
    fs::create_dir_all(parent).at("create directory", parent)?;
    Ok(parent)
}

/// Resolves every symlink the archive made, now that all exist: one that leads outside `dest`
/// through a chain of links (`s -> ..`, then `t -> s/..`), which the per-member textual check
/// cannot see, is refused (the caller removes the tree).
///
/// Errors: [`BuildError::UnsafeArchive`] naming the link; [`BuildError::Io`] if `dest` cannot
/// be read.
fn check_symlinks(archive: &Path, dest: &Path) -> Result<(), BuildError> {
    let root = fs::canonicalize(dest).at("resolve", dest)?;
    for entry in walkdir::WalkDir::new(dest).follow_links(false) {
        let entry = entry.map_err(io::Error::from).at("read", dest)?;
        if !entry.path_is_symlink() {
            continue;
        }
        // A dangling link resolves to nothing den could write through; only real targets count.
        if let Ok(real) = fs::canonicalize(entry.path())
            && !real.starts_with(&root)
        {
            let member = entry
                .path()
                .strip_prefix(dest)
                .unwrap_or(entry.path())
                .display()
                .to_string();
            return Err(BuildError::UnsafeArchive {
                archive: archive.to_path_buf(),
                member,
                reason: "is a symlink that leads outside the archive through other links",
            });
        }
    }
    Ok(())
}

/// The largest buffer a member's contents are written through.
const WRITE_BUFFER: usize = 256 * 1024;

/// What [`visit`] calls for each member: `(name as stored, kind, contents)`.
type Visitor<'a> = dyn FnMut(&str, Kind, &mut dyn Read) -> Result<(), BuildError> + 'a;

/// Calls `f(name, kind, contents)` for each member of `archive`, in archive order.
fn visit(archive: &Path, format: Format, f: &mut Visitor<'_>) -> Result<(), BuildError> {
    let file = File::open(archive).at("open", archive)?;
    match format {
        Format::TarGz => visit_tar(archive, GzDecoder::new(BufReader::new(file)), f),
        Format::Zip => {
            let corrupt = |e: &dyn std::fmt::Display| archive_error(archive, e);
            let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| corrupt(&e))?;
            if zip.has_overlapping_entries().map_err(|e| corrupt(&e))? {
                return Err(corrupt(
                    &"its zip entries overlap (several members share the same stored bytes, as \
                      in a zip bomb; Python's zipfile refuses this as \"Overlapped entries\")",
                ));
            }
            for index in 0..zip.len() {
                let mut member = zip.by_index(index).map_err(|e| corrupt(&e))?;
                let name = String::from_utf8_lossy(member.name_raw()).into_owned();
                let kind = if member.is_symlink() {
                    let mut target = String::new();
                    member
                        .read_to_string(&mut target)
                        .map_err(|e| corrupt(&e))?;
                    Kind::Symlink(PathBuf::from(target))
                } else if member.is_dir() {
                    Kind::Dir
                } else {
                    Kind::File {
                        executable: member.unix_mode().is_some_and(|m| m & 0o111 != 0),
                        size: member.size(),
                    }
                };
                f(&name, kind, &mut member)?;
            }
            Ok(())
        }
    }
}

/// Calls `f(name, kind, contents)` for each member of the tar archive `tar` reads (inflated: the
/// bytes of `archive`, from a file or as they arrive), in archive order.
fn visit_tar(archive: &Path, tar: impl Read, f: &mut Visitor<'_>) -> Result<(), BuildError> {
    let corrupt = |e: &dyn std::fmt::Display| archive_error(archive, e);
    let mut tar = tar::Archive::new(tar);
    for entry in tar.entries().map_err(|e| corrupt(&e))? {
        let mut entry = entry.map_err(|e| corrupt(&e))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let link = || -> Result<PathBuf, BuildError> {
            Ok(entry
                .link_name()
                .map_err(|e| corrupt(&e))?
                .map(|l| l.into_owned())
                .unwrap_or_default())
        };
        use tar::EntryType as T;
        let kind = match entry.header().entry_type() {
            T::Regular | T::Continuous => Kind::File {
                executable: entry.header().mode().unwrap_or(0o644) & 0o111 != 0,
                size: entry.size(),
            },
            T::Directory => Kind::Dir,
            T::Symlink => Kind::Symlink(link()?),
            T::Link => Kind::Hardlink(link()?),
            T::XGlobalHeader | T::XHeader | T::GNULongName | T::GNULongLink => Kind::Skip,
            T::Char | T::Block | T::Fifo => Kind::Refused("is a device file or FIFO"),
            _ => Kind::Refused("has an entry type den does not unpack"),
        };
        f(&name, kind, &mut entry)?;
    }
    Ok(())
}

/// The error for `archive`, whose members declare `size` bytes in all, over `limit`.
fn too_large(archive: &Path, size: u64, limit: u64) -> BuildError {
    BuildError::TooLarge {
        archive: archive.to_path_buf(),
        size,
        limit,
    }
}

/// The error for a corrupt or unreadable `archive`, saying why.
fn archive_error(archive: &Path, reason: &dyn std::fmt::Display) -> BuildError {
    BuildError::Archive {
        archive: archive.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// How many members of a `.tar.gz` [`archived_pkg_info`] reads before giving up: sdist builders
/// put `PKG-INFO` among the first few, and reading further would cost as much as unpacking.
const PKG_INFO_SCAN: usize = 64;

/// How many bytes of other members [`archived_pkg_info`] inflates while looking for `PKG-INFO`
/// before giving up (so a large early member is not decompressed only to be skipped).
const PKG_INFO_SKIP: u64 = 4 * 1024 * 1024;

/// Most bytes of a `PKG-INFO` [`archived_pkg_info`] reads (core metadata with a long
/// description runs to a few hundred kilobytes).
const PKG_INFO_MAX: u64 = 16 * 1024 * 1024;

/// The `PKG-INFO` of the source distribution `archive` (`.tar.gz`, `.tgz` or `.zip`), read from
/// the archive without unpacking it: the member `<top>/PKG-INFO` (one directory deep, the sdist
/// layout), looked up in a zip's directory or among a tarball's first 64 members (within
/// its first 4 MiB of other members), and at most 16 MiB long. `None` when it is not found there, or the
/// archive is of another kind.
///
/// Errors: [`BuildError::Archive`] for a corrupt archive, [`BuildError::Io`] when it cannot be
/// opened.
pub fn archived_pkg_info(archive: &Path) -> Result<Option<Vec<u8>>, BuildError> {
    let Some(format) = Format::of(archive) else {
        return Ok(None);
    };
    let corrupt = |e: &dyn std::fmt::Display| BuildError::Archive {
        archive: archive.to_path_buf(),
        reason: e.to_string(),
    };
    let is_pkg_info = |name: &str| {
        let name = name.strip_prefix("./").unwrap_or(name);
        name.split('/').count() == 2 && name.ends_with("/PKG-INFO")
    };
    let read = |member: &mut dyn Read| -> Result<Vec<u8>, BuildError> {
        let mut bytes = Vec::new();
        member
            .take(PKG_INFO_MAX)
            .read_to_end(&mut bytes)
            .map_err(|e| corrupt(&e))?;
        Ok(bytes)
    };
    let file = File::open(archive).at("open", archive)?;
    match format {
        Format::TarGz => {
            let mut tar = tar::Archive::new(GzDecoder::new(BufReader::new(file)));
            let mut skipped = 0;
            for entry in tar.entries().map_err(|e| corrupt(&e))?.take(PKG_INFO_SCAN) {
                let mut entry = entry.map_err(|e| corrupt(&e))?;
                let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
                if entry.header().entry_type().is_file() && is_pkg_info(&name) {
                    return read(&mut entry).map(Some);
                }
                skipped += entry.size();
                if skipped > PKG_INFO_SKIP {
                    break;
                }
            }
            Ok(None)
        }
        Format::Zip => {
            let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| corrupt(&e))?;
            let found = zip
                .file_names()
                .filter_map(Result::ok)
                .find(|name| is_pkg_info(name))
                .map(|name| name.into_owned());
            let Some(name) = found else {
                return Ok(None);
            };
            let mut member = zip.by_name(&name).map_err(|e| corrupt(&e))?;
            read(&mut member).map(Some)
        }
    }
}

/// The member path relative to the destination, or `None` for members that write nothing
/// (`./`, pax headers).
///
/// Errors: [`BuildError::UnsafeArchive`] for the unsafe cases of [`extract_sdist`].
fn check(archive: &Path, name: &str, kind: &Kind) -> Result<Option<PathBuf>, BuildError> {
    let refuse = |reason| BuildError::UnsafeArchive {
        archive: archive.to_path_buf(),
        member: name.to_string(),
        reason,
    };
    let relative = den_dist::path::inside(Path::new(name)).map_err(refuse)?;
    match kind {
        Kind::Refused(reason) => return Err(refuse(reason)),
        Kind::Skip => return Ok(None),
        Kind::Symlink(target) => {
            if target.is_absolute() {
                return Err(refuse("is a symlink to an absolute path"));
            }
            let parent = relative.parent().unwrap_or(Path::new(""));
            den_dist::path::inside(&parent.join(target))
                .map_err(|_| refuse("is a symlink pointing outside the archive"))?;
        }
        Kind::Hardlink(target) => {
            den_dist::path::inside(target)
                .map_err(|_| refuse("is a hard link to a path outside the archive"))?;
        }
        Kind::Dir | Kind::File { .. } => {}
    }
    Ok((!relative.as_os_str().is_empty()).then_some(relative))
}

/// Writes one checked member at `dest/relative`.
fn place(
    archive: &Path,
    dest: &Path,
    relative: &Path,
    kind: Kind,
    reader: &mut dyn Read,
) -> Result<(), BuildError> {
    let path = dest.join(relative);
    // Never write through a symlink the archive made earlier (`link -> ..` then `link/x`).
    let mut ancestor = dest.to_path_buf();
    for component in relative.parent().into_iter().flat_map(Path::components) {
        ancestor.push(component);
        match fs::symlink_metadata(&ancestor) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(BuildError::UnsafeArchive {
                    archive: archive.to_path_buf(),
                    member: relative.display().to_string(),
                    reason: "would be written through a symlink",
                });
            }
            _ => {}
        }
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).at("create directory", parent)?;
    }
    // A later member replaces an earlier one of the same name, never following it if a link.
    if !matches!(kind, Kind::Dir) && fs::symlink_metadata(&path).is_ok() {
        fs::remove_file(&path).at("replace", &path)?;
    }
    match kind {
        Kind::Dir => fs::create_dir_all(&path)
            .at("create directory", &path)
            .map_err(BuildError::from),
        Kind::File { executable, size } => {
            let mut file = File::create(&path).at("create", &path)?;
            // A stream that fails (a cut or corrupt archive) is the archive's fault, said of
            // the member; only the file system's errors are the written file's.
            let unreadable = |e: io::Error| {
                let reason = format!("member `{}` cannot be read: {e}", relative.display());
                archive_error(archive, &reason)
            };
            // Written in pieces of up to WRITE_BUFFER bytes, not the 8 KiB `io::copy` takes at
            // a time (a large member would cost thousands of writes). Never more than
            // declared; one byte more in the stream refuses the archive.
            let buffer = usize::try_from(size).map_or(WRITE_BUFFER, |s| s.min(WRITE_BUFFER));
            let mut piece = vec![0u8; buffer.max(1)];
            let mut member = reader.take(size);
            let mut filled = 0;
            loop {
                let read = match member.read(&mut piece[filled..]) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    read => read.map_err(unreadable)?,
                };
                filled += read;
                if read == 0 || filled == piece.len() {
                    file.write_all(&piece[..filled]).at("write", &path)?;
                    filled = 0;
                }
                if read == 0 {
                    break;
                }
            }
            let mut probe = [0u8; 1];
            let longer = reader.read(&mut probe).map_err(unreadable)?;
            if longer > 0 {
                return Err(BuildError::Archive {
                    archive: archive.to_path_buf(),
                    reason: format!(
                        "member `{}` holds more than the {size} bytes its entry declares",
                        relative.display()
                    ),
                });
            }
            if executable {
                set_executable(&path)?;
            }
            Ok(())
        }
        Kind::Symlink(target) => symlink(&target, &path),
        Kind::Hardlink(target) => {
            let relative_source = den_dist::path::inside(&target).unwrap_or_default();
            // The source must be a regular file reached without any symlink, so the link can
            // only ever share an inode with a file of this archive.
            let mut walked = dest.to_path_buf();
            for component in relative_source.components() {
                walked.push(component);
                let through_link = fs::symlink_metadata(&walked)
                    .map(|meta| meta.file_type().is_symlink())
                    .unwrap_or(false);
                if through_link {
                    return Err(BuildError::UnsafeArchive {
                        archive: archive.to_path_buf(),
                        member: relative.display().to_string(),
                        reason: "is a hard link whose target is reached through a symlink",
                    });
                }
            }
            // tar stores a hard link after the file it names; anything else (a later member,
            // a directory, nothing) is not a file of this archive yet.
            if !fs::symlink_metadata(&walked).is_ok_and(|meta| meta.is_file()) {
                return Err(BuildError::Archive {
                    archive: archive.to_path_buf(),
                    reason: format!(
                        "member `{}` is a hard link to `{}`, which is not a file unpacked before it",
                        relative.display(),
                        target.display()
                    ),
                });
            }
            fs::hard_link(&walked, &path)
                .at("hard link", &path)
                .map_err(BuildError::from)
        }
        Kind::Skip | Kind::Refused(_) => Ok(()),
    }
}

#[cfg(unix)]
fn set_executable(path: &Path) -> Result<(), BuildError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .at("set permissions of", path)
        .map_err(BuildError::from)
}

#[cfg(not(unix))]
fn set_executable(_path: &Path) -> Result<(), BuildError> {
    Ok(())
}

#[cfg(unix)]
fn symlink(target: &Path, path: &Path) -> Result<(), BuildError> {
    std::os::unix::fs::symlink(target, path)
        .at("create symlink", path)
        .map_err(BuildError::from)
}

#[cfg(not(unix))]
fn symlink(_target: &Path, path: &Path) -> Result<(), BuildError> {
    let unsupported = io::Error::new(
        io::ErrorKind::Unsupported,
        "symlinks in source distributions are supported on Unix only",
    );
    Err(IoError::new("create symlink", path, unsupported).into())
}

/// The single top-level directory of `dest`, or `dest` when there is not exactly one.
fn project_root(dest: &Path) -> Result<PathBuf, BuildError> {
    let mut entries = fs::read_dir(dest)
        .at("list", dest)?
        .collect::<Result<Vec<_>, _>>()
        .at("list", dest)?;
    if let [only] = entries.as_mut_slice() {
        let is_dir = only.file_type().is_ok_and(|t| t.is_dir());
        if is_dir {
            return Ok(only.path());
        }
    }
    Ok(dest.to_path_buf())
}
