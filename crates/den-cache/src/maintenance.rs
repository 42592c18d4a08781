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

/// The buckets holding wheel files under their own names, which pip's `pip cache list` and
/// `remove` patterns match.
const WHEEL_BUCKETS: [CacheBucket; 2] = [CacheBucket::Wheels, CacheBucket::BuiltWheels];

impl Cache {
    /// The files and bytes under `bucket` (each file counted with its own size, as pip's
    /// `pip cache info` counts). A missing bucket holds nothing.
    ///
    /// Errors: a directory or file cannot be read (entries vanishing meanwhile are skipped).
    pub fn bucket_usage(&self, bucket: CacheBucket) -> Result<CleanReport, CacheError> {
        let mut usage = CleanReport::default();
        let dir = self.root.join(bucket.dir_name());
        if !dir.exists() {
            return Ok(usage);
        }
        for entry in walkdir::WalkDir::new(&dir).min_depth(1) {
            let Some(entry) = skip_vanished(entry)? else {
                continue;
            };
            if !entry.file_type().is_dir() {
                let Some(metadata) = skip_vanished(entry.metadata())? else {
                    continue;
                };
                usage.files += 1;
                usage.bytes += metadata.len();
            }
        }
        Ok(usage)
    }

    /// The wheel files (downloaded and built) whose names match pip's cache `pattern`, sorted:
    /// as pip's `_find_wheels`, a pattern holding `-` gets `*.whl` appended, any other
    /// `-*.whl`, and the result is an `fnmatch` glob (`*`, `?`, `[seq]`, `[!seq]`, case
    /// sensitive) over file names. Hidden entries (temporary files, locks) are skipped.
    ///
    /// Errors: a directory cannot be read.
    pub fn wheel_files(&self, pattern: &str) -> Result<Vec<PathBuf>, CacheError> {
        let glob = if pattern.contains('-') {
            format!("{pattern}*.whl")
        } else {
            format!("{pattern}-*.whl")
        };
        let mut files = Vec::new();
        for bucket in WHEEL_BUCKETS {
            let dir = self.root.join(bucket.dir_name());
            if !dir.exists() {
                continue;
            }
            let mut walk = walkdir::WalkDir::new(&dir).min_depth(1).into_iter();
            while let Some(entry) = walk.next() {
                let Some(entry) = skip_vanished(entry)? else {
                    continue;
                };
                let name = entry.file_name().to_string_lossy();
                if name.starts_with('.') {
                    if entry.file_type().is_dir() {
                        walk.skip_current_dir();
                    }
                    continue;
                }
                if entry.file_type().is_file() && fnmatch(&glob, &name) {
                    files.push(entry.into_path());
                }
            }
        }
        files.sort();
        Ok(files)
    }

    /// Removes `files` (paths in the cache, as [`Cache::wheel_files`] gives) under the
    /// exclusive cache lock, and the directories they leave empty inside their bucket.
    ///
    /// Errors: as [`Cache::clean`].
    pub fn remove_files(&self, files: &[PathBuf]) -> Result<CleanReport, CacheError> {
        let _lock = self.exclusive_lock()?;
        let mut report = CleanReport::default();
        let mut seen = Seen::default();
        for file in files {
            report += remove_tree(file, &mut seen)?;
            if let Some(bucket) = CacheBucket::ALL
                .iter()
                .map(|b| self.root.join(b.dir_name()))
                .find(|dir| file.starts_with(dir))
            {
                remove_empty_parents(file, &bucket);
            }
        }
        Ok(report)
    }
}

/// Python's `fnmatch.fnmatchcase`: `*` any run, `?` one character, `[seq]` / `[!seq]` a
/// character in (or not in) the set, with `a-z` ranges; a `[` without its `]` is literal.
fn fnmatch(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    // Backtracking over the last `*`: linear in practice, never exponential.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        let step = match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
                continue;
            }
            Some('?') => Some(p + 1),
            Some('[') => match class_match(&pattern[p..], name[n]) {
                Some((true, len)) => Some(p + len),
                Some((false, _)) => None,
                None => (name[n] == '[').then_some(p + 1),
            },
            Some(&c) => (c == name[n]).then_some(p + 1),
            None => None,
        };
        match (step, star) {
            (Some(next), _) => {
                p = next;
                n += 1;
            }
            (None, Some((star_p, star_n))) => {
                p = star_p + 1;
                n = star_n + 1;
                star = Some((star_p, star_n + 1));
            }
            (None, None) => return false,
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// Whether `c` is in the `[...]` class starting `pattern`, and the class's length; `None`
/// when the `[` has no closing `]` (then it is a literal `[`).
fn class_match(pattern: &[char], c: char) -> Option<(bool, usize)> {
    let mut i = 1;
    let negated = pattern.get(i) == Some(&'!');
    if negated {
        i += 1;
    }
    let start = i;
    let mut found = false;
    while i < pattern.len() && (pattern[i] != ']' || i == start) {
        if pattern.get(i + 1) == Some(&'-') && pattern.get(i + 2).is_some_and(|e| *e != ']') {
            found |= (pattern[i]..=pattern[i + 2]).contains(&c);
            i += 3;
        } else {
            found |= pattern[i] == c;
            i += 1;
        }
    }
    (i < pattern.len()).then_some((found != negated, i + 1))
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

    #[test]
    fn fnmatch_as_python() {
        for (pattern, name, expected) in [
            ("foo-*.whl", "foo-1.0-py3-none-any.whl", true),
            ("foo-*.whl", "foobar-1.0-py3-none-any.whl", false),
            ("*-*.whl", "a-1-py3-none-any.whl", true),
            ("f?o-*.whl", "fao-1.whl", true),
            ("[fg]oo-*.whl", "goo-1.whl", true),
            ("[!fg]oo-*.whl", "goo-1.whl", false),
            ("[a-c]x", "bx", true),
            ("[x", "[x", true),
            ("*a*b", "xaxxb", true),
            ("*a*b", "xaxxbc", false),
            ("Foo-*", "foo-1", false),
        ] {
            assert_eq!(fnmatch(pattern, name), expected, "{pattern} {name}");
        }
    }

    #[test]
    fn finds_and_removes_wheels_by_pip_pattern() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let built = cache.bucket(CacheBucket::BuiltWheels).unwrap().join("k");
        let downloaded = cache.bucket(CacheBucket::Wheels).unwrap().join("host");
        for (d, f) in [
            (&built, "foo-1.0-py3-none-any.whl"),
            (&downloaded, "foo_bar-2.0-py3-none-any.whl"),
            (&downloaded, ".tmp-foo-3.0-py3-none-any.whl"),
        ] {
            fs::create_dir_all(d).unwrap();
            fs::write(d.join(f), b"wheel").unwrap();
        }
        assert_eq!(cache.wheel_files("foo").unwrap().len(), 1);
        assert_eq!(cache.wheel_files("foo*").unwrap().len(), 2);
        assert_eq!(cache.wheel_files("foo_bar-2").unwrap().len(), 1);
        assert_eq!(cache.bucket_usage(CacheBucket::Wheels).unwrap().files, 2);
        let files = cache.wheel_files("*").unwrap();
        let report = cache.remove_files(&files).unwrap();
        assert_eq!((report.files, report.bytes), (2, 10));
        assert!(!built.exists(), "empty entry directory removed");
        assert!(cache.wheel_files("*").unwrap().is_empty());
    }
}
