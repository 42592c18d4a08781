//! den's global cache.
//!
//! Layout: one root directory (`DEN_CACHE_DIR`, else the platform cache directory + `/den`)
//! holding versioned *buckets*, one per kind of entry, so a format change bumps one bucket's
//! version and leaves the rest valid:
//!
//! ```text
//! <root>/
//!   CACHEDIR.TAG             marks the tree for backup tools (bford.net/cachedir)
//!   .lock                    the cache-wide lock (see §Locking)
//!   interpreter-v1/          interpreter facts, keyed by executable path and mtime
//!   simple-v2/               index pages (PEP 503/691), keyed by index URL and project
//!   wheels-v1/               downloaded wheel files, keyed by index URL and filename
//!   archive-v1/              unpacked wheels, keyed by the wheel's SHA-256; linked into envs
//!   sdists-v1/               downloaded source distributions and direct-URL archives
//!   built-wheels-v1/         wheels built from sources, one directory per source key
//!   builds-v1/               isolated PEP 517 build environments
//!   git-v1/                  git mirrors and checkouts
//! ```
//!
//! Every entry is written to a temporary file or directory inside its bucket and renamed into
//! place, so readers never see a partial entry (temporary directories are [`OwnedTempDir`]s,
//! locked by their owner, so those of killed processes are removed by the next den run that
//! makes one there); writers of the same entry serialize on a lock
//! file (fs4, `flock`), so two den processes can share one cache.
//!
//! # Locking
//!
//! Two levels of advisory file locks (fs4: `flock` on Unix, `LockFileEx` on Windows), both
//! released when their [`LockGuard`] drops or the process dies:
//!
//! - the cache-wide lock `<root>/.lock`: every den command that reads or writes the cache holds
//!   it *shared* for its whole run ([`Cache::shared_lock`]); [`Cache::clean`],
//!   [`Cache::clean_package`] and [`Cache::prune`] take it *exclusive*, so they wait for
//!   running commands to finish and no command starts while they delete (a waiting clean logs
//!   that it waits). [`Cache::size`] takes it shared. A process holding the shared lock must
//!   drop it before cleaning: the exclusive request would wait for itself, so it fails at
//!   once instead;
//! - per-entry locks (`<bucket>/.locks/<key>.lock`, [`Cache::lock`]): exclusive, around
//!   building one entry, so concurrent processes build it once.
//!
//! Environments are not locked in the cache: a lock keyed by a path as spelled is missed by a
//! process reaching the same environment through a symlink or with another cache. They are
//! locked on their own site-packages directory ([`lock_directory`]); an `environments-v1`
//! bucket left by earlier den versions is removed by [`Cache::prune`].
//!
//! Maintenance: [`Cache::size`], [`Cache::clean`], [`Cache::clean_package`] and
//! [`Cache::prune`] (which removes old bucket versions, leftover temporary files and build
//! environments) report what they removed as a [`CleanReport`].

mod link;
mod maintenance;

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use den_dist::{IoError, IoResultExt};

pub use link::{LinkMode, Linker, OpenParent, link_file};
pub use maintenance::CleanReport;

/// The cache-wide lock file, directly under the root.
const LOCK_FILE: &str = ".lock";

/// One kind of cache entry, with its on-disk directory name (which carries a format version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheBucket {
    /// Interpreter facts (den-python).
    Interpreter,
    /// Index pages (den-index).
    Simple,
    /// Downloaded wheel files (den-index).
    Wheels,
    /// Unpacked wheels (den-install).
    Archive,
    /// Downloaded source distributions and direct-URL archives (den-index), by URL.
    Sdists,
    /// Wheels built from source distributions (den-build), keyed by the sdist's SHA-256.
    BuiltWheels,
    /// Isolated PEP 517 build environments (den-build), keyed by their build requirements.
    Builds,
    /// Git checkouts (den-build), keyed by repository URL and commit.
    Git,
}

impl CacheBucket {
    /// Every bucket.
    pub const ALL: [CacheBucket; 8] = [
        Self::Interpreter,
        Self::Simple,
        Self::Wheels,
        Self::Archive,
        Self::Sdists,
        Self::BuiltWheels,
        Self::Builds,
        Self::Git,
    ];

    /// The bucket's directory name under the cache root.
    pub fn dir_name(self) -> &'static str {
        match self {
            Self::Interpreter => "interpreter-v1",
            Self::Simple => "simple-v2",
            Self::Wheels => "wheels-v1",
            Self::Archive => "archive-v1",
            Self::Sdists => "sdists-v1",
            Self::BuiltWheels => "built-wheels-v1",
            Self::Builds => "builds-v1",
            Self::Git => "git-v1",
        }
    }
}

/// A cache failure: the file-system operation that failed and its path, shown as the
/// [`IoError`] it wraps (`cannot create directory /root/.cache/den/wheels-v1: ...`). A type of
/// its own so that callers can tell a cache failure from their own file-system errors.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct CacheError(#[from] pub IoError);

/// Handle to the cache directory. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
    /// Keeps a temporary cache alive for as long as any handle exists.
    _temp: Option<std::sync::Arc<tempfile::TempDir>>,
}

const CACHEDIR_TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This file is a cache directory tag created by den.\n\
# For information about cache directory tags see https://bford.net/cachedir/\n";

impl Cache {
    /// Opens (creating if needed) the cache at `root`.
    ///
    /// Errors: the directory cannot be created or written.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, CacheError> {
        let root = root.into();
        fs::create_dir_all(&root).at("create directory", &root)?;
        let tag = root.join("CACHEDIR.TAG");
        if !tag.exists() {
            write_atomic(&tag, CACHEDIR_TAG.as_bytes())?;
        }
        Ok(Self { root, _temp: None })
    }

    /// The cache from `DEN_CACHE_DIR`, else the platform cache directory (`$XDG_CACHE_HOME/den`,
    /// `~/.cache/den`). If that is not writable, falls back to a temporary cache removed at exit
    /// and logs a warning.
    pub fn from_env() -> Result<Self, CacheError> {
        let root = std::env::var_os("DEN_CACHE_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| dirs::cache_dir().map(|d| d.join("den")))
            .unwrap_or_else(|| std::env::temp_dir().join("den-cache"));
        match Self::open(&root) {
            Ok(cache) => Ok(cache),
            Err(err) => {
                tracing::warn!(
                    "cache directory {} is not usable ({}); using a temporary cache",
                    root.display(),
                    err.0.source
                );
                Self::temporary()
            }
        }
    }

    /// A fresh cache in a temporary directory, deleted when the last handle drops.
    pub fn temporary() -> Result<Self, CacheError> {
        let temp = tempfile::Builder::new()
            .prefix("den-cache-")
            .tempdir()
            .at("create a temporary directory in", std::env::temp_dir())?;
        let mut cache = Self::open(temp.path())?;
        cache._temp = Some(std::sync::Arc::new(temp));
        Ok(cache)
    }

    /// The cache root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of `bucket`, created if missing (looked at once per process while it
    /// holds [`Cache::shared_lock`]: a failed `mkdir` locks the cache root's directory, which
    /// the threads of an install would otherwise take turns at).
    pub fn bucket(&self, bucket: CacheBucket) -> Result<PathBuf, CacheError> {
        let dir = self.root.join(bucket.dir_name());
        let mut holds = SharedHold::holds();
        if holds.made.contains(&dir) {
            return Ok(dir);
        }
        fs::create_dir_all(&dir).at("create directory", &dir)?;
        if holds.roots.contains(&self.root) {
            holds.made.push(dir.clone());
        }
        Ok(dir)
    }

    /// Takes an exclusive lock named `key` in `bucket`, blocking until it is free. The lock is
    /// released when the guard drops. Use it around building one entry, so concurrent den
    /// processes do the work once.
    pub fn lock(&self, bucket: CacheBucket, key: &str) -> Result<LockGuard, CacheError> {
        let dir = self.bucket(bucket)?.join(".locks");
        fs::create_dir_all(&dir).at("create directory", &dir)?;
        let path = dir.join(format!("{key}.lock"));
        let file = open_lock_file(&path)?;
        fs4::FileExt::lock(&file).at("lock", &path)?;
        Ok(LockGuard {
            _file: file,
            _shared: None,
        })
    }

    /// Takes the cache-wide lock shared, blocking while a clean or prune holds it exclusive.
    /// Every den command that uses the cache holds it for its whole run, so maintenance never
    /// deletes entries under a running install (see the crate docs, §Locking). Several guards
    /// may be held at once, also by one process.
    ///
    /// Errors: the lock file `<root>/.lock` cannot be created or locked.
    pub fn shared_lock(&self) -> Result<LockGuard, CacheError> {
        let path = self.root.join(LOCK_FILE);
        let file = open_lock_file(&path)?;
        fs4::FileExt::lock_shared(&file).at("lock", &path)?;
        Ok(LockGuard {
            _file: file,
            _shared: Some(SharedHold::new(&self.root)),
        })
    }

    /// Takes the cache-wide lock exclusive for maintenance, waiting (with an info log) while
    /// other den processes hold it shared.
    ///
    /// Errors: the lock file cannot be created or locked, or this process itself holds the
    /// shared lock of this cache (waiting would never end).
    fn exclusive_lock(&self) -> Result<LockGuard, CacheError> {
        let path = self.root.join(LOCK_FILE);
        if SharedHold::held(&self.root) {
            let held = io::Error::other(
                "this den process holds the cache's shared lock; drop it before cleaning or \
                 pruning the cache",
            );
            return Err(IoError::new("lock", path, held).into());
        }
        let file = open_lock_file(&path)?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                tracing::info!(
                    "waiting for other den processes using the cache at {} to finish",
                    self.root.display()
                );
                fs4::FileExt::lock(&file).at("lock", &path)?;
            }
            Err(fs4::TryLockError::Error(source)) => {
                return Err(IoError::new("lock", path, source).into());
            }
        }
        Ok(LockGuard {
            _file: file,
            _shared: None,
        })
    }
}

/// The lock file [`lock_directory`] falls back to inside the locked directory.
pub const DIRECTORY_LOCK_FILE: &str = ".den-lock";

/// Takes an exclusive lock on the directory `dir` itself, blocking until it is free; calls
/// `waiting` once first when another process holds it. Released when the guard drops or the
/// process dies.
///
/// The lock is an `flock` (fs4) on `dir` opened as a file descriptor, so it belongs to the
/// directory's inode: every spelling of its path (symlinks, `..`, bind mounts) reaches the same
/// lock, whichever cache the locking process uses, and taking it needs no write permission and
/// adds no file. Where the file system refuses `flock` on a directory (NFS without
/// `local_lock`, which wants a descriptor open for writing: `EBADF`; some FUSE file systems;
/// Windows, which cannot open a directory as a file), it falls back to the lock file
/// `<dir>/.den-lock` ([`DIRECTORY_LOCK_FILE`]), created if missing; on one file system every
/// process makes the same choice, so they still meet on one lock.
///
/// Errors: `dir` cannot be opened, or the fallback lock file cannot be created or locked
/// (`cannot open <dir>/.den-lock: Permission denied`).
pub fn lock_directory(dir: &Path, waiting: impl FnOnce()) -> Result<LockGuard, CacheError> {
    let file = match try_lock_directory_file(dir)? {
        Locked::Held(file) => return Ok(LockGuard::of(file)),
        Locked::Busy(file) => file,
    };
    waiting();
    let path = dir.join(DIRECTORY_LOCK_FILE);
    fs4::FileExt::lock(&file).at("lock", &path)?;
    Ok(LockGuard::of(file))
}

/// Takes the lock of [`lock_directory`] if it is free; `None` when another process (or another
/// guard of this process) holds it.
///
/// Errors: as [`lock_directory`].
pub fn try_lock_directory(dir: &Path) -> Result<Option<LockGuard>, CacheError> {
    Ok(match try_lock_directory_file(dir)? {
        Locked::Held(file) => Some(LockGuard::of(file)),
        Locked::Busy(_) => None,
    })
}

/// The descriptor [`lock_directory`] locks, and whether its lock was free.
enum Locked {
    Held(fs::File),
    Busy(fs::File),
}

fn try_lock_directory_file(dir: &Path) -> Result<Locked, CacheError> {
    if let Ok(file) = fs::File::open(dir) {
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => return Ok(Locked::Held(file)),
            Err(fs4::TryLockError::WouldBlock) => return Ok(Locked::Busy(file)),
            // The file system does not lock directories: use the lock file.
            Err(fs4::TryLockError::Error(_)) => {}
        }
    } else if !dir.is_dir() {
        return Err(IoError::new(
            "lock",
            dir,
            io::Error::new(io::ErrorKind::NotFound, "not a directory"),
        )
        .into());
    }
    let path = dir.join(DIRECTORY_LOCK_FILE);
    let file = open_lock_file(&path)?;
    match fs4::FileExt::try_lock(&file) {
        Ok(()) => Ok(Locked::Held(file)),
        Err(fs4::TryLockError::WouldBlock) => Ok(Locked::Busy(file)),
        Err(fs4::TryLockError::Error(source)) => Err(IoError::new("lock", path, source).into()),
    }
}

/// The name prefix of temporary directories made by [`OwnedTempDir::new_in`] (a `.tmp` prefix,
/// so [`Cache::prune`] removes them too).
pub const OWNED_TEMP_PREFIX: &str = ".tmp-owned-";

/// A temporary directory whose owner holds an `flock` on it (the directory itself, as
/// [`lock_directory`]) for as long as this value lives: a directory named
/// [`OWNED_TEMP_PREFIX`]`*` whose lock is free belongs to a process that died (killed during
/// an unpack or a build), and [`remove_dead_temp_dirs`] deletes it, while one whose owner is
/// alive is never touched, in this process or another. Removed with its contents on drop,
/// unless [`OwnedTempDir::keep`] was called (after it was renamed into place).
///
/// Where the file system cannot lock directories, the directory is an ordinary `.tmp-*` one,
/// left for [`Cache::prune`] if its owner dies, as before.
#[derive(Debug)]
pub struct OwnedTempDir {
    dir: Option<tempfile::TempDir>,
    _lock: Option<fs::File>,
}

impl OwnedTempDir {
    /// Makes and locks a new temporary directory in `parent` (which must exist), first
    /// removing (once per process and `parent`) the dead ones there.
    ///
    /// Errors: the directory cannot be created (`cannot create a temporary directory in
    /// <parent>: ...`).
    pub fn new_in(parent: &Path) -> Result<Self, CacheError> {
        sweep_once(parent);
        // A sweeper may take the fresh directory's lock before its owner does and delete it;
        // the owner then sees its path gone (or held) and makes another.
        for _ in 0..8 {
            let dir = tempfile::Builder::new()
                .prefix(OWNED_TEMP_PREFIX)
                .tempdir_in(parent)
                .at("create a temporary directory in", parent)?;
            let Ok(file) = fs::File::open(dir.path()) else {
                continue;
            };
            match fs4::FileExt::try_lock(&file) {
                Ok(()) if same_directory(dir.path(), &file) => {
                    return Ok(Self {
                        dir: Some(dir),
                        _lock: Some(file),
                    });
                }
                Ok(()) | Err(fs4::TryLockError::WouldBlock) => {
                    let _ = dir.keep();
                }
                Err(fs4::TryLockError::Error(_)) => break,
            }
        }
        let dir = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempdir_in(parent)
            .at("create a temporary directory in", parent)?;
        Ok(Self {
            dir: Some(dir),
            _lock: None,
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.as_ref().map_or(Path::new(""), |dir| dir.path())
    }

    /// Stops removing the directory on drop (call it once it was renamed into place); the lock
    /// is released when `self` drops.
    pub fn keep(mut self) {
        if let Some(dir) = self.dir.take() {
            let _ = dir.keep();
        }
    }
}

/// Whether `path` still names the directory `file` was opened from (no sweeper deleted it
/// and nothing else took its name).
fn same_directory(path: &Path, file: &fs::File) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::symlink_metadata(path), file.metadata()) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.is_dir()
    }
}

/// The directories this process has swept already.
static SWEPT: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn sweep_once(parent: &Path) {
    {
        let mut swept = SWEPT
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if swept.iter().any(|p| p == parent) {
            return;
        }
        swept.push(parent.to_path_buf());
    }
    let removed = remove_dead_temp_dirs(parent);
    for path in removed {
        tracing::debug!(
            "removed {}, left by a den process that died",
            path.display()
        );
    }
}

/// Deletes the [`OwnedTempDir`]s in `parent` whose owner died (their lock is free), holding
/// each one's lock while deleting it; returns what was removed. Best effort: an entry that
/// cannot be opened, locked or removed is left (for [`Cache::prune`]).
pub fn remove_dead_temp_dirs(parent: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with(OWNED_TEMP_PREFIX)
        {
            continue;
        }
        let path = entry.path();
        let Ok(file) = fs::File::open(&path) else {
            continue;
        };
        if fs4::FileExt::try_lock(&file).is_ok()
            && same_directory(&path, &file)
            && fs::remove_dir_all(&path).is_ok()
        {
            removed.push(path);
        }
    }
    removed
}

/// Opens (creating) a lock file.
fn open_lock_file(path: &Path) -> Result<fs::File, CacheError> {
    fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .at("open", path)
        .map_err(CacheError)
}

/// Holds a cache lock; dropping it unlocks (closing the file releases the `flock`).
#[derive(Debug)]
pub struct LockGuard {
    _file: fs::File,
    /// For the cache-wide shared lock: this process's record of holding it.
    _shared: Option<SharedHold>,
}

/// The cache roots whose shared lock this process holds, and the buckets known to exist in
/// them meanwhile.
static SHARED_HOLDS: std::sync::Mutex<Holds> = std::sync::Mutex::new(Holds {
    roots: Vec::new(),
    made: Vec::new(),
});

/// What [`SHARED_HOLDS`] records.
struct Holds {
    /// The roots held, once per guard.
    roots: Vec<PathBuf>,
    /// Bucket directories [`Cache::bucket`] made or found while their root was held: none
    /// can be removed before the last guard on it drops (removal takes the exclusive lock),
    /// so they are not looked at again until then.
    made: Vec<PathBuf>,
}

/// This process's record of one shared-lock guard on a cache root; removed on drop.
#[derive(Debug)]
struct SharedHold(PathBuf);

impl LockGuard {
    fn of(file: fs::File) -> Self {
        Self {
            _file: file,
            _shared: None,
        }
    }
}

impl SharedHold {
    fn new(root: &Path) -> Self {
        Self::holds().roots.push(root.to_path_buf());
        Self(root.to_path_buf())
    }

    /// Whether this process holds the shared lock of `root`.
    fn held(root: &Path) -> bool {
        Self::holds().roots.iter().any(|held| held == root)
    }

    fn holds() -> std::sync::MutexGuard<'static, Holds> {
        SHARED_HOLDS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for SharedHold {
    fn drop(&mut self) {
        let mut holds = Self::holds();
        if let Some(index) = holds.roots.iter().position(|held| *held == self.0) {
            holds.roots.swap_remove(index);
        }
        if !holds.roots.contains(&self.0) {
            holds.made.retain(|dir| !dir.starts_with(&self.0));
        }
    }
}

/// Writes `bytes` to `path` atomically: to a temporary file in the same directory, flushed, then
/// renamed over `path`. Creates the parent directory if needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CacheError> {
    write_atomic_parts(path, &[bytes])
}

/// [`write_atomic`] of the concatenation of `parts`, without making it in memory.
pub fn write_atomic_parts(path: &Path, parts: &[&[u8]]) -> Result<(), CacheError> {
    let parent = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).at("create directory", parent)?;
    let mut temp =
        tempfile::NamedTempFile::new_in(parent).at("create a temporary file in", parent)?;
    for part in parts {
        temp.write_all(part).at("write", path)?;
    }
    temp.persist(path)
        .map_err(|e| e.error)
        .at("rename into place", path)?;
    Ok(())
}

/// A key safe to use as one path component: keeps `[A-Za-z0-9._-]`, replaces the rest with `_`,
/// and appends a short hash of the original when anything was replaced, so distinct inputs
/// stay distinct.
pub fn safe_key(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned == raw && !raw.starts_with('.') {
        cleaned
    } else {
        // FNV-1a: stable across runs and platforms, unlike std's hasher.
        let hash = raw.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let short: String = cleaned.chars().take(80).collect();
        format!("{short}-{hash:016x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_looked_at_once_while_the_shared_lock_is_held() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path().join("cache")).unwrap();
        let wheels = cache.root().join(CacheBucket::Wheels.dir_name());
        // Without the shared lock, every call makes sure the bucket is there.
        assert_eq!(cache.bucket(CacheBucket::Wheels).unwrap(), wheels);
        fs::remove_dir(&wheels).unwrap();
        assert!(cache.clone().bucket(CacheBucket::Wheels).unwrap().is_dir());
        // While it is held (no clean can run), once; when the last guard drops, again.
        let guard = cache.shared_lock().unwrap();
        let second = cache.shared_lock().unwrap();
        cache.bucket(CacheBucket::Wheels).unwrap();
        fs::remove_dir(&wheels).unwrap();
        cache.bucket(CacheBucket::Wheels).unwrap();
        assert!(!wheels.exists(), "looked at again while held");
        drop(second);
        cache.bucket(CacheBucket::Wheels).unwrap();
        assert!(!wheels.exists(), "looked at again while still held");
        drop(guard);
        assert!(cache.bucket(CacheBucket::Wheels).unwrap().is_dir());
    }

    #[test]
    fn opens_and_tags_cache() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path().join("c")).unwrap();
        assert!(cache.root().join("CACHEDIR.TAG").is_file());
        let bucket = cache.bucket(CacheBucket::Wheels).unwrap();
        assert!(bucket.ends_with("wheels-v1"));
        let _guard = cache.lock(CacheBucket::Wheels, "x").unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_has_one_lock_whatever_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("env");
        fs::create_dir(&real).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let held = try_lock_directory(&real).unwrap().expect("a free lock");
        assert!(try_lock_directory(&link).unwrap().is_none());
        assert!(try_lock_directory(&real.join("../env")).unwrap().is_none());
        drop(held);
        let mut waited = false;
        let _again = lock_directory(&link, || waited = true).unwrap();
        assert!(!waited, "the lock was free");
        // No file is added to the directory.
        assert_eq!(fs::read_dir(&real).unwrap().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_directory_can_be_locked() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ro = dir.path().join("ro");
        fs::create_dir(&ro).unwrap();
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
        let guard = try_lock_directory(&ro).unwrap();
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
        assert!(guard.is_some());
    }

    #[test]
    fn locking_a_missing_directory_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let err = try_lock_directory(&missing).err().unwrap();
        assert!(
            err.to_string().contains(&missing.display().to_string()),
            "{err}"
        );
    }

    #[test]
    fn dead_temporaries_go_and_live_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let live = OwnedTempDir::new_in(dir.path()).unwrap();
        fs::write(live.path().join("part"), b"x").unwrap();
        // What a killed owner leaves: the directory, its lock gone with the process.
        let dead = dir.path().join(format!("{OWNED_TEMP_PREFIX}dead"));
        fs::create_dir_all(dead.join("sub")).unwrap();
        // Someone else's temporaries and entries are not den's to judge.
        let other = dir.path().join(".tmp-other");
        fs::create_dir(&other).unwrap();
        assert_eq!(
            remove_dead_temp_dirs(dir.path()),
            std::slice::from_ref(&dead)
        );
        assert!(!dead.exists());
        assert!(live.path().join("part").is_file());
        assert!(other.is_dir());
        let kept = dir.path().join("entry");
        fs::rename(live.path(), &kept).unwrap();
        live.keep();
        assert!(kept.join("part").is_file());
        assert!(remove_dead_temp_dirs(dir.path()).is_empty());
    }

    #[test]
    fn a_dropped_owned_temp_dir_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let temp = OwnedTempDir::new_in(dir.path()).unwrap();
        let path = temp.path().to_path_buf();
        assert!(
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(OWNED_TEMP_PREFIX)
        );
        drop(temp);
        assert!(!path.exists());
    }

    #[test]
    fn writes_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/file");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
    }

    #[test]
    fn safe_keys_are_distinct() {
        assert_eq!(safe_key("requests"), "requests");
        assert_ne!(safe_key("https://a/b"), safe_key("https://a_b"));
        assert!(!safe_key("../x").contains('/'));
    }
}
