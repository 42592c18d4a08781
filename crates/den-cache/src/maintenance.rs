//! Measuring and emptying the cache: [`Cache::size`], [`Cache::clean`],
//! [`Cache::clean_package`] and [`Cache::prune`] (den's `cache` commands; pip's `pip cache`,
//! uv's `uv cache clean/prune`).

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use den_dist::{IoError, IoResultExt};

use crate::{Cache, CacheBucket, CacheError, LOCK_FILE};

/// What a clean or prune removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CleanReport {
    /// Files and symlinks removed (directories are not counted).
    pub files: u64,
    /// Their size in bytes, each inode counted once (hardlinked copies are not added twice;
    /// space shared with environments through hardlinks is counted but not freed).
    pub bytes: u64,
}

impl std::ops::AddAssign for CleanReport {
    fn add_assign(&mut self, other: Self) {
        self.files += other.files;
        self.bytes += other.bytes;
    }
}

/// Inodes already counted, so hardlinks add their size once.
#[derive(Default)]
struct Seen(HashSet<(u64, u64)>);

impl Seen {
    /// The bytes `metadata` adds: its length the first time its inode is seen, else 0.
    #[cfg(unix)]
    fn bytes(&mut self, metadata: &fs::Metadata) -> u64 {
        use std::os::unix::fs::MetadataExt;
        let first = metadata.nlink() <= 1 || self.0.insert((metadata.dev(), metadata.ino()));
        if first { metadata.len() } else { 0 }
    }

    #[cfg(not(unix))]
    fn bytes(&mut self, metadata: &fs::Metadata) -> u64 {
        metadata.len()
    }
}

/// The directories of buckets whose cleaning by project [`Cache::clean_package`] covers.
const PACKAGE_BUCKETS: [CacheBucket; 4] = [
    CacheBucket::Simple,
    CacheBucket::Wheels,
    CacheBucket::Sdists,
    CacheBucket::BuiltWheels,
];

impl Cache {
    /// The cache's size in bytes: every file and symlink under the root (symlinks are not
    /// followed; a hardlinked file counts once per inode). Holds the shared cache lock, so it
    /// runs alongside installs but not during a clean.
    ///
    /// Errors: a directory or file cannot be read (entries vanishing meanwhile are skipped).
    pub fn size(&self) -> Result<u64, CacheError> {
        let _lock = self.shared_lock()?;
        let mut seen = Seen::default();
        let mut bytes = 0;
        for entry in walkdir::WalkDir::new(&self.root) {
            let Some(entry) = skip_vanished(entry)? else {
                continue;
            };
            if !entry.file_type().is_dir() {
                let Some(metadata) = skip_vanished(entry.metadata())? else {
                    continue;
                };
                bytes += seen.bytes(&metadata);
            }
        }
        Ok(bytes)
    }

    /// Removes every cache entry of every bucket (everything under the root but the
    /// `CACHEDIR.TAG` and the lock file), under the exclusive cache lock: it waits for running
    /// den processes to finish.
    ///
    /// Errors: the lock cannot be taken (see [`Cache::shared_lock`]), or an entry cannot be
    /// removed (the report of what was removed before is lost; run it again).
    pub fn clean(&self) -> Result<CleanReport, CacheError> {
        let _lock = self.exclusive_lock()?;
        let mut report = CleanReport::default();
        let mut seen = Seen::default();
        for entry in fs::read_dir(&self.root).at("list", &self.root)? {
            let entry = entry.at("list", &self.root)?;
            let name = entry.file_name();
            if name != LOCK_FILE && name != "CACHEDIR.TAG" {
                report += remove_tree(&entry.path(), &mut seen)?;
            }
        }
        Ok(report)
    }

    /// Removes the cache entries of project `name` (pip's `pip cache remove`, uv's
    /// `uv cache clean <package>`), under the exclusive cache lock. The rule, by bucket:
    ///
    /// - Simple: index pages `<index>/<name>.json` whose stem normalizes to `name` (PEP 503);
    /// - Wheels, Sdists: files and directories named `{project}-{version}...` where
    ///   `{project}`, cut at the first `-` followed by a digit, normalizes to `name`, which
    ///   matches the normalized (`foo-bar`), wheel-escaped (`foo_bar`) and legacy (`Foo.Bar`)
    ///   spellings; a name that is exactly the project also matches;
    /// - BuiltWheels: the entry directory (one source's builds) holding such a wheel, whole;
    /// - Archive: each unpacked wheel (a directory named by the wheel's SHA-256) whose
    ///   `{project}-{version}.dist-info` names the project, whole. Its hash-index lines are
    ///   left: they point at nothing then, and the next unpack of that wheel starts afresh.
    ///
    /// Entries starting with `.` (lock files, temporary files) are left to [`Cache::prune`].
    /// Directories left empty are removed. A `name` matching nothing removes nothing.
    ///
    /// Errors: as [`Cache::clean`].
    pub fn clean_package(&self, name: &str) -> Result<CleanReport, CacheError> {
        let _lock = self.exclusive_lock()?;
        let project = den_dist::canonical_name(name);
        let mut report = CleanReport::default();
        let mut seen = Seen::default();
        for bucket in PACKAGE_BUCKETS {
            let dir = self.root.join(bucket.dir_name());
            let mut matched: Vec<PathBuf> = Vec::new();
            let mut walk = walkdir::WalkDir::new(&dir).min_depth(1).into_iter();
            while let Some(entry) = walk.next() {
                let Some(entry) = skip_vanished(entry)? else {
                    continue;
                };
                let file_name = entry.file_name().to_string_lossy();
                let hidden = file_name.starts_with('.');
                let matches = !hidden && names_project(&file_name, &project);
                if matches {
                    let whole_entry = bucket == CacheBucket::BuiltWheels && entry.depth() > 1;
                    let path = match entry.path().parent() {
                        Some(parent) if whole_entry => parent,
                        _ => entry.path(),
                    };
                    if matched.last().is_none_or(|last| last != path) {
                        matched.push(path.to_path_buf());
                    }
                }
                if entry.file_type().is_dir() && (hidden || matches) {
                    walk.skip_current_dir();
                }
            }
            for path in matched {
                report += remove_tree(&path, &mut seen)?;
                remove_empty_parents(&path, &dir);
            }
        }
        for entry in unpacked_of(&self.root.join(CacheBucket::Archive.dir_name()), &project)? {
            report += remove_tree(&entry, &mut seen)?;
        }
        Ok(report)
    }

    /// Removes what no current den version uses, under the exclusive cache lock, keeping
    /// every current entry:
    ///
    /// - directories at the root named like a bucket (`{word}-v{N}`) that are not a current
    ///   bucket: older versions of a bucket (`wheels-v0`) and unknown ones;
    /// - temporary files and directories (names starting with `.tmp`) that interrupted
    ///   writes left behind: at the root, directly in each bucket, and one level down (index
    ///   and repository subdirectories) except in the Archive bucket, whose subdirectories are
    ///   unpacked wheels;
    /// - every build environment (the Builds bucket's contents; they are made again on
    ///   demand).
    ///
    /// Other files at the root are kept. Errors: as [`Cache::clean`].
    pub fn prune(&self) -> Result<CleanReport, CacheError> {
        let _lock = self.exclusive_lock()?;
        let mut report = CleanReport::default();
        let mut seen = Seen::default();
        for entry in fs::read_dir(&self.root).at("list", &self.root)? {
            let entry = entry.at("list", &self.root)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let current = CacheBucket::ALL.iter().any(|b| b.dir_name() == name);
            if name.starts_with(".tmp") || (is_bucket_dir_name(&name) && !current) {
                report += remove_tree(&entry.path(), &mut seen)?;
            }
        }
        for bucket in CacheBucket::ALL {
            let dir = self.root.join(bucket.dir_name());
            let depth = match bucket {
                CacheBucket::Archive => 1,
                _ => 2,
            };
            let mut doomed = Vec::new();
            let mut walk = walkdir::WalkDir::new(&dir)
                .min_depth(1)
                .max_depth(depth)
                .into_iter();
            while let Some(entry) = walk.next() {
                let Some(entry) = skip_vanished(entry)? else {
                    continue;
                };
                let temporary = entry.file_name().to_string_lossy().starts_with(".tmp");
                if temporary || (bucket == CacheBucket::Builds && entry.depth() == 1) {
                    doomed.push(entry.path().to_path_buf());
                    if entry.file_type().is_dir() {
                        walk.skip_current_dir();
                    }
                }
            }
            for path in doomed {
                report += remove_tree(&path, &mut seen)?;
            }
        }
        Ok(report)
    }
}

/// `Ok(None)` for a walk or metadata error that only says the entry is gone (another process
/// removed it); other errors name their path.
fn skip_vanished<T, E: WalkFailure>(result: Result<T, E>) -> Result<Option<T>, CacheError> {
    match result.map_err(WalkFailure::into_io_error) {
        Ok(value) => Ok(Some(value)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            tracing::debug!("{} vanished while reading the cache", err.path.display());
            Ok(None)
        }
        Err(err) => Err(err.into()),
    }
}

/// An error of walking the cache, as the [`IoError`] naming its path.
trait WalkFailure {
    fn into_io_error(self) -> IoError;
}

impl WalkFailure for IoError {
    fn into_io_error(self) -> IoError {
        self
    }
}

impl WalkFailure for walkdir::Error {
    fn into_io_error(self) -> IoError {
        let path = self.path().map(Path::to_path_buf).unwrap_or_default();
        let source =
            walkdir::Error::into_io_error(self).unwrap_or_else(|| io::Error::other("symlink loop"));
        IoError::new("read", path, source)
    }
}

/// Removes `path` (a file, symlink or directory tree, not following symlinks), counting what
/// goes. Read-only directories are made writable first so their contents can be removed.
fn remove_tree(path: &Path, seen: &mut Seen) -> Result<CleanReport, CacheError> {
    let mut report = CleanReport::default();
    let Some(metadata) = skip_vanished(fs::symlink_metadata(path).at("inspect", path))? else {
        return Ok(report);
    };
    if !metadata.is_dir() {
        report.files = 1;
        report.bytes = seen.bytes(&metadata);
        fs::remove_file(path).at("remove", path)?;
        return Ok(report);
    }
    for entry in walkdir::WalkDir::new(path) {
        let Some(entry) = skip_vanished(entry)? else {
            continue;
        };
        let Some(metadata) = skip_vanished(entry.metadata())? else {
            continue;
        };
        if metadata.is_dir() {
            make_writable(entry.path(), &metadata)?;
        } else {
            report.files += 1;
            report.bytes += seen.bytes(&metadata);
        }
    }
    fs::remove_dir_all(path).at("remove", path)?;
    Ok(report)
}

/// Gives the owner read, write and search permission on directory `path` when it lacks any.
#[cfg(unix)]
fn make_writable(path: &Path, metadata: &fs::Metadata) -> Result<(), CacheError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode();
    if mode & 0o700 != 0o700 {
        fs::set_permissions(path, fs::Permissions::from_mode(mode | 0o700))
            .at("set permissions of", path)?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn make_writable(path: &Path, metadata: &fs::Metadata) -> Result<(), CacheError> {
    let mut permissions = metadata.permissions();
    if permissions.readonly() {
        permissions.set_readonly(false);
        fs::set_permissions(path, permissions).at("set permissions of", path)?;
    }
    Ok(())
}

/// Removes the now-empty directories between `path` and `stop` (exclusive), innermost first.
fn remove_empty_parents(path: &Path, stop: &Path) {
    for dir in path.ancestors().skip(1) {
        if dir == stop || !dir.starts_with(stop) || fs::remove_dir(dir).is_err() {
            break;
        }
    }
}

/// Whether cache entry `file_name` belongs to `project` (normalized); see
/// [`Cache::clean_package`] for the rule.
fn names_project(file_name: &str, project: &str) -> bool {
    let stem = file_name.strip_suffix(".json").unwrap_or(file_name);
    if den_dist::canonical_name(stem) == project {
        return true;
    }
    stem.match_indices('-')
        .find(|(index, _)| stem[index + 1..].starts_with(|c: char| c.is_ascii_digit()))
        .is_some_and(|(index, _)| den_dist::canonical_name(&stem[..index]) == project)
}

/// The unpacked wheels in the archive bucket `dir` whose `.dist-info` directory names
/// `project` (normalized). A missing bucket holds none.
fn unpacked_of(dir: &Path, project: &str) -> Result<Vec<PathBuf>, CacheError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(IoError::new("read", dir, err).into()),
    };
    let mut found = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') || !entry.path().is_dir() {
            continue;
        }
        let names = fs::read_dir(entry.path())
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|inner| inner.file_name().into_string().ok());
        let ours = names
            .filter_map(|inner| inner.strip_suffix(".dist-info").map(str::to_string))
            .any(|stem| names_project(&stem, project));
        if ours {
            found.push(entry.path());
        }
    }
    found.sort();
    Ok(found)
}

/// Whether `name` looks like a bucket directory: `{word}-v{digits}`.
fn is_bucket_dir_name(name: &str) -> bool {
    name.rsplit_once("-v").is_some_and(|(word, version)| {
        !word.is_empty()
            && !word.starts_with('.')
            && !version.is_empty()
            && version.bytes().all(|b| b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_entries_by_normalized_project_name() {
        for name in [
            "foo_bar-1.0-py3-none-any.whl",
            "Foo.Bar-2.0.tar.gz",
            "foo-bar-1.0+local_abc-0123456789abcdef",
            "foo-bar.json",
            "Foo_Bar",
        ] {
            assert!(names_project(name, "foo-bar"), "{name}");
        }
        for name in [
            "foo-1.0-py3-none-any.whl",
            "foo_bar_baz-1.0.tar.gz",
            "foo-bar-baz.json",
            "https___pypi.org_simple-0a1b2c3d4e5f6a7b",
        ] {
            assert!(!names_project(name, "foo-bar"), "{name}");
        }
    }

    #[test]
    fn recognizes_bucket_directory_names() {
        assert!(is_bucket_dir_name("wheels-v0"));
        assert!(is_bucket_dir_name("built-wheels-v12"));
        assert!(!is_bucket_dir_name("wheels"));
        assert!(!is_bucket_dir_name("-v1"));
        assert!(!is_bucket_dir_name("notes-v1.txt"));
    }
}
