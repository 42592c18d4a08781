//! Unpacking wheels into the cache (PEP 427 §Installing a wheel, step "Unpack"), verifying
//! every member against the wheel's RECORD on the way.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};

use den_cache::{Cache, CacheBucket};
use den_dist::{HashAlgorithm, Hasher, PackageName, Version, WheelFilename};
use rayon::iter::{IntoParallelIterator, ParallelIterator};
use rayon::slice::ParallelSlice;

use crate::InstallError;
use crate::record::{RecordEntry, RecordHasher, parse_record};
use crate::window::{WindowReader, mode_needs_setting};
use den_dist::{IoError, IoResultExt};

/// A wheel unpacked in the cache's `archive` bucket; read-only, shared by every environment
/// it is installed into (files are hardlinked from here by default).
#[derive(Debug, Clone)]
pub struct UnpackedWheel {
    /// The unpacked tree: `<cache>/archive-v1/<sha256 of the wheel file>`.
    pub root: PathBuf,
    /// The wheel's parsed filename.
    pub filename: WheelFilename,
    /// The `.dist-info` directory name inside `root`, e.g. `foo_bar-1.0.dist-info`.
    pub dist_info: String,
}

impl UnpackedWheel {
    /// The absolute path of the `.dist-info` directory inside the unpacked tree.
    pub fn dist_info_path(&self) -> PathBuf {
        self.root.join(&self.dist_info)
    }

    /// Checks the unpacked tree against its RECORD: each file RECORD lists is there, and one
    /// listed with a size has that size and, with `hashes`, that content (PEP 376 / PEP 427
    /// RECORD hashes). Environments share these files through hardlinks, so a file truncated in
    /// the cache, or edited in place inside an environment, shows here. Costs a `stat` per
    /// file (and a read with `hashes`).
    ///
    /// Returns the first damaged file and what is wrong with it; `Ok(None)` when whole.
    /// Errors: RECORD itself cannot be read or parsed.
    pub fn verify(&self, hashes: bool) -> Result<Option<(PathBuf, String)>, InstallError> {
        verify_tree(&self.root, &self.dist_info, hashes)
    }
}

/// [`UnpackedWheel::verify`] of the tree at `root` with its `.dist-info` directory
/// `dist_info`.
fn verify_tree(
    root: &Path,
    dist_info: &str,
    hashes: bool,
) -> Result<Option<(PathBuf, String)>, InstallError> {
    let record_path = root.join(dist_info).join("RECORD");
    let text = fs::read_to_string(&record_path).at("read", &record_path)?;
    // RECORD and its signatures may be listed without being there (den's unpack allows it).
    let record_member = format!("{dist_info}/RECORD");
    let entries: Vec<RecordEntry> = parse_record(&text, &record_path)?
        .into_iter()
        .filter(|entry| {
            !(entry.path.starts_with('/')
                || entry.path.split('/').any(|part| part == "..")
                || entry.path.starts_with(&record_member))
        })
        .collect();
    // A large tree is checked in slices on rayon's pool (one wheel of thousands of files
    // would otherwise keep one core busy while the others wait); the first damaged file in
    // RECORD's order (or the first error) is what is reported, as one pass would.
    let slices: Vec<Result<Option<(PathBuf, String)>, InstallError>> = entries
        .par_chunks(FILES_PER_CHECK)
        .map(|slice| check_files(root, &record_path, slice, hashes))
        .collect();
    for slice in slices {
        if let Some(damaged) = slice? {
            return Ok(Some(damaged));
        }
    }
    Ok(None)
}

/// How many files of one unpacked tree one thread checks at a time ([`verify_tree`]).
const FILES_PER_CHECK: usize = 512;

/// [`verify_tree`] of the RECORD `entries` (of `record_path`, in the tree at `root`): the
/// first damaged file and what is wrong with it.
fn check_files(
    root: &Path,
    record_path: &Path,
    entries: &[RecordEntry],
    hashes: bool,
) -> Result<Option<(PathBuf, String)>, InstallError> {
    let mut sizes = SizeReader::default();
    for entry in entries {
        let file = root.join(&entry.path);
        let actual = match sizes.size(&file) {
            Ok(size) => size,
            Err(err) => return Ok(Some((file, format!("cannot be read: {err}")))),
        };
        // A member RECORD lists without hash and size must still be there: an install
        // places what RECORD lists.
        let (Some(size), Some(expected)) = (entry.size, entry.hash.as_deref()) else {
            continue;
        };
        if actual != size {
            return Ok(Some((file, format!("{actual} bytes, RECORD says {size}"))));
        }
        if hashes {
            let bytes = fs::read(&file).at("read", &file)?;
            let mut hasher =
                crate::record::RecordHasher::for_expected(Some(expected)).map_err(|reason| {
                    InstallError::InvalidWheel {
                        wheel: record_path.display().to_string(),
                        reason,
                    }
                })?;
            hasher.update(&bytes);
            hasher.finish();
            if let Some(problem) = entry.mismatch(&hasher, size) {
                return Ok(Some((file, problem)));
            }
        }
    }
    Ok(None)
}

/// Reads file sizes (without following a final symlink) relative to the directory of the last
/// file asked for, kept open ([`den_cache::OpenParent`]): RECORD lists a directory's files
/// together (a warm install checks every file of every wheel it reuses: 13,000 for jupyter's
/// pins).
#[derive(Default)]
struct SizeReader {
    parent: den_cache::OpenParent,
}

impl SizeReader {
    /// The size of `file` as `lstat` reports it.
    #[cfg(unix)]
    fn size(&mut self, file: &Path) -> io::Result<u64> {
        let Some((dir, name)) = self.parent.of(file)? else {
            return fs::symlink_metadata(file).map(|m| m.len());
        };
        let stat = rustix::fs::statat(dir, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)?;
        Ok(u64::try_from(stat.st_size).unwrap_or(0))
    }

    /// The size of `file` as `lstat` reports it.
    #[cfg(not(unix))]
    fn size(&mut self, file: &Path) -> io::Result<u64> {
        fs::symlink_metadata(file).map(|m| m.len())
    }
}

/// An unpacked wheel in the cache that no longer matches its RECORD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DamagedEntry {
    /// The unpacked tree, `<cache>/archive-v1/<sha256 of the wheel>`.
    pub root: PathBuf,
    /// Its `.dist-info` directory name (which distribution it is).
    pub dist_info: String,
    /// The first damaged file.
    pub file: PathBuf,
    /// What is wrong with it: `0 bytes, RECORD says 4031`, a hash mismatch, missing.
    pub problem: String,
}

/// `den cache verify`: checks every unpacked wheel in the cache's archive bucket against its
/// RECORD, sizes and hashes, and returns how many were checked and the damaged ones. With
/// `fix`, each damaged tree is removed (under its entry's lock, moved aside in one step
/// first), so the next install unpacks the wheel again.
///
/// Errors: the bucket or a RECORD cannot be read, or removing fails.
pub fn verify_cache(cache: &Cache, fix: bool) -> Result<(usize, Vec<DamagedEntry>), InstallError> {
    let bucket = cache.bucket(CacheBucket::Archive)?;
    let mut checked = 0;
    let mut damaged = Vec::new();
    let mut entries: Vec<PathBuf> = fs::read_dir(&bucket)
        .at("read", &bucket)?
        .filter_map(Result::ok)
        .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    entries.sort();
    for root in entries {
        let dist_info = fs::read_dir(&root)
            .at("read", &root)?
            .filter_map(Result::ok)
            .filter_map(|entry| entry.file_name().into_string().ok())
            .find(|name| name.ends_with(".dist-info"));
        let Some(dist_info) = dist_info else { continue };
        checked += 1;
        let Some((file, problem)) = verify_tree(&root, &dist_info, true)? else {
            continue;
        };
        if fix {
            let key = root
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let _lock = cache.lock(CacheBucket::Archive, &key)?;
            let aside = den_cache::OwnedTempDir::new_in(&bucket)?;
            fs::rename(&root, aside.path().join("damaged")).at("move aside", &root)?;
        }
        damaged.push(DamagedEntry {
            root,
            dist_info,
            file,
            problem,
        });
    }
    Ok((checked, damaged))
}

/// Unpacks `wheel` once into the cache's archive bucket, keyed by the SHA-256 of the wheel
/// file, and returns the unpacked tree. A second call with the same wheel (from this or
/// another process) reuses the tree.
///
/// Finding the tree of an already unpacked wheel costs a `stat` and one small read, not a
/// hash of the whole file: the bucket's `.index/<sha256 of the canonical path>` file
/// records the SHA-256 of the file last seen at that path with its device, inode, size,
/// modification and change times (nanoseconds); any difference (the file was replaced or
/// rewritten, even at the same size and mtime: the change time cannot be set back) means the
/// file is hashed again. Index files are replaced atomically, so concurrent processes read
/// either version; a missing or unreadable index only costs the hash.
///
/// Every member is checked against the wheel's RECORD (PEP 427 §The .dist-info directory):
/// its hash and size must match, members absent from RECORD and RECORD rows absent from the
/// archive are refused (except RECORD itself and its `RECORD.jws` / `RECORD.p7s`
/// signatures). Member names that are absolute or climb out with `..` are refused. Unpacking
/// happens in a temporary directory that is renamed into place, under a cache lock, so no
/// reader ever sees a partial tree; the temporary directory is locked by its owner
/// ([`den_cache::OwnedTempDir`]), so one left by a killed den process is removed by the next
/// unpack into the bucket, and a live one never is.
///
/// Sizes are bounded before and while anything is written (a zip bomb stops there): a wheel
/// whose central-directory entries overlap (several entries sharing compressed bytes, which
/// Python's zipfile refuses as "Overlapped entries") is refused before extraction; so is one
/// whose members declare more than `DEN_MAX_UNPACKED_SIZE` bytes in total
/// ([`den_dist::max_unpacked_size`], 8 GiB by default); and a member is refused the moment
/// its stream would decompress past the size its central-directory entry or its RECORD line
/// declares, so no byte beyond the declared size is written. Whatever was written of a
/// refused wheel is removed with its temporary directory.
///
/// Errors: the filename is not a wheel name ([`InstallError::InvalidWheel`]), the file is not
/// a zip ([`InstallError::Zip`]), has no matching `.dist-info` or overlapping entries, an
/// unsafe member ([`InstallError::UnsafePath`]), a RECORD mismatch or a member larger than
/// declared ([`InstallError::RecordMismatch`]), more than the ceiling
/// ([`InstallError::TooLarge`]), an invalid `DEN_MAX_UNPACKED_SIZE`
/// ([`InstallError::Limit`]), or I/O failures in the cache.
pub fn unpack_wheel(cache: &Cache, wheel: &Path) -> Result<UnpackedWheel, InstallError> {
    unpack_wheel_within(cache, wheel, den_dist::max_unpacked_size()?)
}

/// [`unpack_wheel`] with the ceiling `limit` (bytes) on the total unpacked size instead of
/// `DEN_MAX_UNPACKED_SIZE`'s. Errors as [`unpack_wheel`].
pub fn unpack_wheel_within(
    cache: &Cache,
    wheel: &Path,
    limit: u64,
) -> Result<UnpackedWheel, InstallError> {
    let (wheel_name, filename) = wheel_filename(wheel)?;
    let bucket = cache.bucket(CacheBucket::Archive)?;
    let index = HashIndex::new(&bucket, wheel)?;
    // An index line pointing at a tree of another wheel (stale or tampered) is ignored: the
    // wheel is hashed, and only the tree named by its own hash is ever repaired.
    if let Some(key) = index.lookup()
        && let Ok(Some(unpacked)) = existing(&bucket.join(key), &filename)
        && whole(&unpacked)
    {
        return Ok(unpacked);
    }
    let key = index.hash_and_record()?;
    unpack_keyed(cache, &bucket, wheel, (&wheel_name, filename), &key, limit)
}

/// [`unpack_wheel`] of a wheel whose SHA-256 (`sha256`, hex) the caller has checked: an index
/// file den-index downloaded and checked against the digest the index publishes. That digest
/// is the unpacked tree's key, so the wheel is neither hashed again (its whole length, on a
/// first unpack) nor looked up in the path index. A `sha256` that is not 64 hex digits is
/// ignored (the wheel is hashed as by [`unpack_wheel`]).
///
/// Errors: as [`unpack_wheel`].
pub fn unpack_wheel_of(
    cache: &Cache,
    wheel: &Path,
    sha256: &str,
) -> Result<UnpackedWheel, InstallError> {
    let limit = den_dist::max_unpacked_size()?;
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return unpack_wheel_within(cache, wheel, limit);
    }
    let (wheel_name, filename) = wheel_filename(wheel)?;
    let bucket = cache.bucket(CacheBucket::Archive)?;
    let key = sha256.to_ascii_lowercase();
    unpack_keyed(cache, &bucket, wheel, (&wheel_name, filename), &key, limit)
}

/// The file name of `wheel` and its parse (PEP 427).
///
/// Errors: [`InstallError::InvalidWheel`] for a name that is not a wheel's.
fn wheel_filename(wheel: &Path) -> Result<(String, WheelFilename), InstallError> {
    let wheel_name = wheel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| wheel.display().to_string());
    let filename =
        WheelFilename::from_str(&wheel_name).map_err(|e| InstallError::InvalidWheel {
            wheel: wheel_name.clone(),
            reason: e.to_string(),
        })?;
    Ok((wheel_name, filename))
}

/// The tree of `wheel` (named `wheel_name`, parsed as `filename`) in `bucket` under `key`,
/// its SHA-256: reused when there and whole, else unpacked (again) under the key's lock.
fn unpack_keyed(
    cache: &Cache,
    bucket: &Path,
    wheel: &Path,
    (wheel_name, filename): (&str, WheelFilename),
    key: &str,
    limit: u64,
) -> Result<UnpackedWheel, InstallError> {
    let root = bucket.join(key);
    if let Ok(Some(unpacked)) = existing(&root, &filename)
        && whole(&unpacked)
    {
        return Ok(unpacked);
    }
    let _lock = cache.lock(CacheBucket::Archive, key)?;
    // Another process may have finished (or repaired) the unpack while we waited; a tree
    // still damaged, or without this wheel's `.dist-info`, is moved aside in one step (a
    // reader sees the old tree or none) and unpacked again.
    match existing(&root, &filename) {
        Ok(None) => {}
        Ok(Some(unpacked)) if whole(&unpacked) => return Ok(unpacked),
        found => {
            if let Err(err) = found {
                tracing::warn!("{err}; unpacking it again");
            }
            let aside = den_cache::OwnedTempDir::new_in(bucket)?;
            fs::rename(&root, aside.path().join("damaged")).at("move aside", &root)?;
        }
    }
    // Locked by this process while it lives: a den process killed mid-unpack leaves it to
    // the next one that unpacks, which removes it (den_cache::OwnedTempDir).
    let temp = den_cache::OwnedTempDir::new_in(bucket)?;
    let dist_info = extract_verified(wheel, wheel_name, &filename, temp.path(), limit)?;
    fs::rename(temp.path(), &root).at("move the unpacked wheel to", &root)?;
    // The directory now lives at `root`; nothing is left for the guard to clean.
    temp.keep();
    tracing::debug!("unpacked {wheel_name} into {}", root.display());
    Ok(UnpackedWheel {
        root,
        filename,
        dist_info,
    })
}

/// Whether a reused unpacked wheel still matches its RECORD's sizes (see
/// [`UnpackedWheel::verify`]); a damaged one (also one whose RECORD cannot be read) is
/// reported as a warning, and the caller unpacks it again.
fn whole(unpacked: &UnpackedWheel) -> bool {
    let problem = match unpacked.verify(false) {
        Ok(None) => return true,
        Ok(Some((file, problem))) => format!("{}: {problem}", file.display()),
        Err(err) => err.to_string(),
    };
    tracing::warn!(
        "the cached unpacked wheel {} is damaged ({problem}); unpacking it again",
        unpacked.filename
    );
    false
}

/// An earlier unpack of the same wheel, if `root` exists.
fn existing(root: &Path, filename: &WheelFilename) -> Result<Option<UnpackedWheel>, InstallError> {
    let entries = match fs::read_dir(root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(IoError::new("read", root, e).into()),
    };
    let names = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned());
    let dist_info = find_dist_info(names, filename).ok_or_else(|| InstallError::InvalidWheel {
        wheel: root.display().to_string(),
        reason: format!(
            "the cached unpacked wheel has no {}.dist-info",
            filename.dist_info_stem()
        ),
    })?;
    Ok(Some(UnpackedWheel {
        root: root.to_path_buf(),
        filename: filename.clone(),
        dist_info,
    }))
}

/// The archive bucket's index from wheel files (by canonical path and file identity) to
/// their SHA-256, so that a warm [`unpack_wheel`] does not hash the whole wheel again.
struct HashIndex {
    /// The wheel as given.
    wheel: PathBuf,
    /// Its canonical path (symlinks resolved), the index key.
    canonical: PathBuf,
    /// `.index/<sha256 of the canonical path>` in the bucket.
    path: PathBuf,
}

impl HashIndex {
    /// Directory of index files inside the archive bucket.
    const DIR: &str = ".index";

    /// The index entry for `wheel`. Errors: the wheel cannot be resolved (missing).
    fn new(bucket: &Path, wheel: &Path) -> Result<Self, InstallError> {
        let canonical = fs::canonicalize(wheel).at("open", wheel)?;
        let mut hasher = Hasher::new(HashAlgorithm::Sha256);
        hasher.update(canonical.as_os_str().as_encoded_bytes());
        let path = bucket.join(Self::DIR).join(hasher.finalize().hex);
        Ok(Self {
            wheel: wheel.to_path_buf(),
            canonical,
            path,
        })
    }

    /// The SHA-256 recorded for the wheel, if the file at its path is still the one that
    /// was hashed.
    fn lookup(&self) -> Option<String> {
        let stamp = file_stamp(&fs::metadata(&self.canonical).ok()?)?;
        let text = fs::read(&self.path).ok()?;
        let (line, path) = text.split_at(text.iter().position(|&b| b == b'\n')?);
        let (recorded, key) = std::str::from_utf8(line).ok()?.rsplit_once(' ')?;
        (recorded == stamp && &path[1..] == self.canonical.as_os_str().as_encoded_bytes())
            .then(|| key.to_string())
    }

    /// Hashes the wheel (reading the same open file whose identity is recorded, taken
    /// before reading, so a file changed meanwhile never matches later) and records the
    /// result; a failure to record is only logged.
    fn hash_and_record(&self) -> Result<String, InstallError> {
        let mut file = fs::File::open(&self.wheel).at("open", &self.wheel)?;
        let metadata = file.metadata().at("read", &self.wheel)?;
        let mut hasher = Hasher::new(HashAlgorithm::Sha256);
        io::copy(&mut file, &mut hasher).at("read", &self.wheel)?;
        let key = hasher.finalize().hex;
        if let Some(stamp) = file_stamp(&metadata) {
            let mut text = format!("{stamp} {key}\n").into_bytes();
            text.extend_from_slice(self.canonical.as_os_str().as_encoded_bytes());
            if let Err(e) = den_cache::write_atomic(&self.path, &text) {
                tracing::debug!("cannot record the hash of {}: {e}", self.wheel.display());
            }
        }
        Ok(key)
    }
}

/// A file's identity and version: device, inode, size, modification and change times in
/// nanoseconds. `None` where the platform has no inode numbers (the index is not used).
fn file_stamp(metadata: &fs::Metadata) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some(format!(
            "{} {} {} {}.{:09} {}.{:09}",
            metadata.dev(),
            metadata.ino(),
            metadata.size(),
            metadata.mtime(),
            metadata.mtime_nsec(),
            metadata.ctime(),
            metadata.ctime_nsec()
        ))
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

/// Picks the `.dist-info` directory matching the wheel's name and version among top-level
/// `names` (PEP 427: `{distribution}-{version}.dist-info`, names compared normalized).
pub(crate) fn find_dist_info(
    names: impl IntoIterator<Item = String>,
    filename: &WheelFilename,
) -> Option<String> {
    names.into_iter().find(|name| {
        name.strip_suffix(".dist-info")
            .and_then(|stem| stem.split_once('-'))
            .is_some_and(|(n, v)| {
                PackageName::from_str(n).is_ok_and(|n| n == filename.name)
                    && Version::from_str(v).is_ok_and(|v| v == filename.version)
            })
    })
}

/// A member name as a relative path, or `None` when it is absolute, contains `..`, a
/// backslash, a NUL byte or a Windows drive prefix.
fn safe_member_path(name: &str) -> Option<PathBuf> {
    if name.starts_with('/') || name.contains(['\\', '\0']) {
        return None;
    }
    let mut path = PathBuf::new();
    for (i, component) in name.split('/').enumerate() {
        match component {
            "" | "." => {}
            ".." => return None,
            c if i == 0 && c.len() == 2 && c.ends_with(':') => return None,
            c => path.push(c),
        }
    }
    (!path.as_os_str().is_empty()).then_some(path)
}

/// Extracts every member of `wheel` under `dest`, verifying each against RECORD; returns the
/// `.dist-info` directory name.
///
/// Members are extracted by up to `available_parallelism()` threads, each reading the
/// archive through its own [`WindowReader`] and taking a contiguous slice of the member list
/// (file creation, not decompression, dominates on many disks). On failure, the error of the
/// first failing thread in member order is returned (the others stop early).
fn extract_verified(
    wheel: &Path,
    wheel_name: &str,
    filename: &WheelFilename,
    dest: &Path,
    limit: u64,
) -> Result<String, InstallError> {
    let invalid = |reason: String| InstallError::InvalidWheel {
        wheel: wheel_name.to_string(),
        reason,
    };
    let zip_error = |source| InstallError::Zip {
        wheel: wheel.to_path_buf(),
        source,
    };
    let mut archive = open_archive(wheel)?;
    if archive.has_overlapping_entries().map_err(zip_error)? {
        return Err(invalid(
            "its zip entries overlap (several members share the same stored bytes, as in a \
             zip bomb; Python's zipfile refuses this as \"Overlapped entries\")"
                .to_string(),
        ));
    }
    let mut declared = 0u64;
    for index in 0..archive.len() {
        let size = archive.by_index_data(index).map_err(zip_error)?.size();
        declared = declared.saturating_add(size);
    }
    if declared > limit {
        return Err(InstallError::TooLarge {
            archive: wheel_name.to_string(),
            size: declared,
            limit,
        });
    }
    let top_level: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok()?.split('/').next().map(str::to_string))
        .collect();
    let dist_info = find_dist_info(top_level, filename).ok_or_else(|| {
        invalid(format!(
            "it has no {}.dist-info directory",
            filename.dist_info_stem()
        ))
    })?;
    let record_name = format!("{dist_info}/RECORD");
    let mut record_text = String::new();
    let record = archive
        .by_name(&record_name)
        .map_err(|_| invalid(format!("it has no {record_name}")))?;
    let record_size = record.size();
    record
        .take(record_size.saturating_add(1))
        .read_to_string(&mut record_text)
        .map_err(|e| invalid(format!("{record_name} is not UTF-8 text: {e}")))?;
    if record_text.len() as u64 > record_size {
        return Err(invalid(format!(
            "{record_name} decompresses to more than the {record_size} bytes its zip entry \
             declares"
        )));
    }
    let expected: HashMap<String, RecordEntry> =
        parse_record(&record_text, &Path::new(wheel_name).join(&record_name))?
            .into_iter()
            .map(|entry| (entry.path.clone(), entry))
            .collect();
    let job = Extraction {
        wheel,
        wheel_name,
        dest,
        expected: &expected,
        unverified: [
            record_name.clone(),
            format!("{record_name}.jws"),
            format!("{record_name}.p7s"),
        ],
        failed: AtomicBool::new(false),
    };
    let count = archive.len();
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(count.div_ceil(MEMBERS_PER_WORKER))
        .max(1);
    let chunk = count.div_ceil(workers).max(1);
    // The first worker reads through the archive already open, the others through clones of
    // it (one open file, one central directory). Workers run on rayon's pool, shared by every
    // wheel being unpacked at once.
    let mut archives: Vec<Archive> = (1..workers).map(|_| archive.clone()).collect();
    archives.insert(0, archive);
    let work: Vec<_> = archives
        .into_iter()
        .enumerate()
        .map(|(worker, archive)| (archive, worker * chunk..((worker + 1) * chunk).min(count)))
        .collect();
    let results: Vec<Result<Vec<String>, InstallError>> = work
        .into_par_iter()
        .map(|(archive, range)| job.run(archive, range))
        .collect();
    let mut seen = HashSet::new();
    for result in results {
        for name in result? {
            if !seen.insert(name.clone()) {
                return Err(invalid(format!("member `{name}` appears twice")));
            }
        }
    }
    if let Some(missing) = expected
        .keys()
        .filter(|path| !seen.contains(*path) && !job.unverified.contains(path))
        .min()
    {
        return Err(job.mismatch(
            missing,
            "it is listed in RECORD but absent from the wheel".to_string(),
        ));
    }
    Ok(dist_info)
}

/// Members below which one more extraction thread is not worth starting.
const MEMBERS_PER_WORKER: usize = 32;

/// A wheel open as a zip archive; clones share the file and its central directory.
type Archive = zip::ZipArchive<WindowReader>;

/// Opens `wheel` as a zip archive.
fn open_archive(wheel: &Path) -> Result<Archive, InstallError> {
    let file = fs::File::open(wheel).at("open", wheel)?;
    let reader = WindowReader::new(file).at("read", wheel)?;
    zip::ZipArchive::new(reader).map_err(|source| InstallError::Zip {
        wheel: wheel.to_path_buf(),
        source,
    })
}

/// What every extraction thread shares.
struct Extraction<'a> {
    wheel: &'a Path,
    wheel_name: &'a str,
    dest: &'a Path,
    /// The wheel's RECORD, by path.
    expected: &'a HashMap<String, RecordEntry>,
    /// RECORD and its signatures: not listed with a hash in RECORD.
    unverified: [String; 3],
    /// Set by the first thread that fails, so the others stop early.
    failed: AtomicBool,
}

impl Extraction<'_> {
    fn mismatch(&self, member: &str, detail: String) -> InstallError {
        InstallError::RecordMismatch {
            wheel: self.wheel_name.to_string(),
            member: member.to_string(),
            detail,
        }
    }

    fn invalid(&self, reason: String) -> InstallError {
        InstallError::InvalidWheel {
            wheel: self.wheel_name.to_string(),
            reason,
        }
    }

    /// Extracts the members with indices in `range`; returns the names of the files
    /// extracted.
    fn run(
        &self,
        mut archive: Archive,
        range: std::ops::Range<usize>,
    ) -> Result<Vec<String>, InstallError> {
        let mut buf = vec![0; 64 * 1024];
        // Directories this worker has made or found: each is made once, not for every file.
        let mut made = HashSet::new();
        let result: Result<Vec<String>, InstallError> = range
            .take_while(|_| !self.failed.load(Ordering::Relaxed))
            .map(|index| {
                let member = archive
                    .by_index(index)
                    .map_err(|source| InstallError::Zip {
                        wheel: self.wheel.to_path_buf(),
                        source,
                    })?;
                self.extract(member, &mut buf, &mut made)
            })
            .filter_map(Result::transpose)
            .collect();
        if result.is_err() {
            self.failed.store(true, Ordering::Relaxed);
        }
        result
    }

    /// Extracts one member, verifying it against RECORD; returns its name if it is a file.
    /// `made` holds the directories known to exist, and gains those this makes.
    fn extract(
        &self,
        mut member: zip::read::ZipFile<'_, WindowReader>,
        buf: &mut [u8],
        made: &mut HashSet<PathBuf>,
    ) -> Result<Option<String>, InstallError> {
        let name = member
            .name()
            .map_err(|source| InstallError::Zip {
                wheel: self.wheel.to_path_buf(),
                source,
            })?
            .into_owned();
        let relative = safe_member_path(&name).ok_or_else(|| InstallError::UnsafePath {
            wheel: self.wheel_name.to_string(),
            member: name.clone(),
        })?;
        let target = self.dest.join(&relative);
        if member.is_dir() {
            make_dir(&target, made)?;
            return Ok(None);
        }
        if member.is_symlink() {
            return Err(self.invalid(format!(
                "member `{name}` is a symbolic link, which wheels may not contain"
            )));
        }
        let record = self.expected.get(&name);
        let verify = !self.unverified.contains(&name);
        if verify && record.is_none() {
            return Err(self.mismatch(&name, "it is not listed in RECORD".to_string()));
        }
        if let Some(parent) = target.parent() {
            make_dir(parent, made)?;
        }
        #[cfg(unix)]
        let mode = if member.unix_mode().is_some_and(|m| m & 0o111 != 0) {
            0o755
        } else {
            0o644
        };
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
        let mut out = options.open(&target).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                self.invalid(format!("member `{name}` appears twice"))
            } else {
                IoError::new("create", &target, e).into()
            }
        })?;
        let mut hasher = RecordHasher::for_expected(record.and_then(|r| r.hash.as_deref()))
            .map_err(|reason| self.mismatch(&name, reason))?;
        // Never more than declared: the zip entry's size, and RECORD's when it is smaller.
        let (allowed, declared_by) = match record.filter(|_| verify).and_then(|r| r.size) {
            Some(size) if size < member.size() => (size, "its RECORD line"),
            _ => (member.size(), "its zip entry"),
        };
        let mut size = 0u64;
        loop {
            let n = member.read(buf).map_err(|e| {
                self.invalid(format!("member `{name}` cannot be decompressed: {e}"))
            })?;
            if n == 0 {
                break;
            }
            if size + n as u64 > allowed {
                return Err(self.mismatch(
                    &name,
                    format!(
                        "its size exceeds the {allowed} bytes {declared_by} declares; \
                         extraction stopped there"
                    ),
                ));
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n]).at("write", &target)?;
            size += n as u64;
        }
        hasher.finish();
        if let Some(record) = record.filter(|_| verify)
            && let Some(detail) = record.mismatch(&hasher, size)
        {
            return Err(self.mismatch(&name, detail));
        }
        #[cfg(unix)]
        if mode_needs_setting(mode) {
            use std::os::unix::fs::PermissionsExt;
            out.set_permissions(fs::Permissions::from_mode(mode))
                .at("set permissions of", &target)?;
        }
        Ok(Some(name))
    }
}

/// Makes the directory `dir` and its parents unless `made` holds it; `made` then does.
fn make_dir(dir: &Path, made: &mut HashSet<PathBuf>) -> Result<(), InstallError> {
    if !made.contains(dir) {
        fs::create_dir_all(dir).at("create directory", dir)?;
        made.insert(dir.to_path_buf());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use zip::write::SimpleFileOptions;

    /// A wheel `bomb-1.0-py3-none-any.whl` in `dir` with `files` (path, contents) and a RECORD
    /// listing them with `record_size(path, real size)` as the size; `shallow` copies
    /// (`from`, `to`) add central-directory entries sharing the first one's bytes, listed in
    /// RECORD with the copied file's hash. Members are deflated; those under
    /// `bomb-1.0.data/scripts/` are executable.
    fn wheel(
        dir: &Path,
        files: &[(&str, Vec<u8>)],
        shallow: &[(&str, &str)],
        record_size: impl Fn(&str, usize) -> usize,
    ) -> PathBuf {
        let path = dir.join("bomb-1.0-py3-none-any.whl");
        let mut zip = zip::ZipWriter::new(fs::File::create(&path).unwrap());
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let mut all: Vec<(&str, Vec<u8>)> = vec![
            (
                "bomb-1.0.dist-info/METADATA",
                b"Metadata-Version: 2.1\nName: bomb\nVersion: 1.0\n".to_vec(),
            ),
            (
                "bomb-1.0.dist-info/WHEEL",
                b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_vec(),
            ),
        ];
        all.extend(files.iter().cloned());
        let mut record = String::new();
        for (name, bytes) in &all {
            let mode = if name.starts_with("bomb-1.0.data/scripts/") {
                0o755
            } else {
                0o644
            };
            zip.start_file(*name, options.unix_permissions(mode))
                .unwrap();
            zip.write_all(bytes).unwrap();
            let size = record_size(name, bytes.len());
            let hash = den_dist::record_hash(bytes);
            record.push_str(&format!("{name},{hash},{size}\n"));
        }
        for (from, to) in shallow {
            zip.shallow_copy_file(from, to).unwrap();
            let bytes = &all.iter().find(|(n, _)| n == from).unwrap().1;
            let hash = den_dist::record_hash(bytes);
            record.push_str(&format!("{to},{hash},{}\n", bytes.len()));
        }
        record.push_str("bomb-1.0.dist-info/RECORD,,\n");
        zip.start_file("bomb-1.0.dist-info/RECORD", options)
            .unwrap();
        zip.write_all(record.as_bytes()).unwrap();
        zip.finish().unwrap();
        path
    }

    /// What is left in the archive bucket besides den's own `.index` and `.locks`.
    fn entries(cache: &Cache) -> Vec<String> {
        let bucket = cache.bucket(CacheBucket::Archive).unwrap();
        let mut names: Vec<String> = fs::read_dir(bucket)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != ".index" && n != ".locks")
            .collect();
        names.sort();
        names
    }

    fn refused(wheel: &Path, limit: u64) -> String {
        let cache = Cache::temporary().unwrap();
        let err = unpack_wheel_within(&cache, wheel, limit).unwrap_err();
        assert_eq!(entries(&cache), Vec::<String>::new(), "{err}");
        err.to_string()
    }

    const MIB: usize = 1 << 20;

    #[test]
    fn a_sound_wheel_unpacks() {
        let dir = tempfile::tempdir().unwrap();
        let files = [("bomb/a.py", b"x = 1\n".to_vec())];
        let wheel = wheel(dir.path(), &files, &[], |_, size| size);
        let cache = Cache::temporary().unwrap();
        let unpacked = unpack_wheel_within(&cache, &wheel, 1 << 20).unwrap();
        assert_eq!(
            fs::read(unpacked.root.join("bomb/a.py")).unwrap(),
            b"x = 1\n"
        );
    }

    #[test]
    fn many_members_unpack_whole_with_their_modes() {
        // Enough members for several extraction workers, and members larger than the
        // archive's read window (incompressible bytes), between small ones.
        let dir = tempfile::tempdir().unwrap();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut noise = |len: usize| -> Vec<u8> {
            (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect()
        };
        let mut files: Vec<(String, Vec<u8>)> = (0..150)
            .map(|i| (format!("bomb/sub{}/m{i}.py", i % 7), noise(i * 37 % 900)))
            .collect();
        files.push(("bomb/big1.bin".to_string(), noise(300 * 1024)));
        files.push(("bomb/sub3/big2.bin".to_string(), noise(200 * 1024)));
        files.push((
            "bomb-1.0.data/scripts/tool".to_string(),
            b"#!/bin/sh\n".to_vec(),
        ));
        let borrowed: Vec<(&str, Vec<u8>)> = files
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.clone()))
            .collect();
        let wheel = wheel(dir.path(), &borrowed, &[], |_, size| size);
        let cache = Cache::temporary().unwrap();
        let unpacked = unpack_wheel_within(&cache, &wheel, 64 << 20).unwrap();
        for (name, bytes) in &files {
            let path = unpacked.root.join(name);
            assert_eq!(&fs::read(&path).unwrap(), bytes, "{name}");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
                let want = if name.ends_with("/tool") {
                    0o755
                } else {
                    0o644
                };
                assert_eq!(mode, want, "{name}");
            }
        }
    }

    #[test]
    fn damaged_trees_and_wrong_index_lines_are_repaired_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::temporary().unwrap();
        let files = [("bomb/a.py", b"x = 1\n".to_vec())];
        let first = wheel(dir.path(), &files, &[], |_, size| size);
        let unpacked = unpack_wheel_within(&cache, &first, 1 << 20).unwrap();
        // Truncated in the cache: the next unpack notices and unpacks again.
        fs::write(unpacked.root.join("bomb/a.py"), b"").unwrap();
        assert!(unpacked.verify(false).unwrap().is_some());
        let again = unpack_wheel_within(&cache, &first, 1 << 20).unwrap();
        assert_eq!(fs::read(again.root.join("bomb/a.py")).unwrap(), b"x = 1\n");
        assert_eq!(again.verify(true).unwrap(), None);
        // Missing its .dist-info: unpacked again rather than an error naming the tree.
        fs::remove_dir_all(again.dist_info_path()).unwrap();
        let again = unpack_wheel_within(&cache, &first, 1 << 20).unwrap();
        assert!(again.dist_info_path().join("RECORD").is_file());
        // An index line pointing at a tree that is not this wheel's is ignored (it used to
        // end in an error telling the user to delete that innocent tree).
        let bucket = cache.bucket(CacheBucket::Archive).unwrap();
        fs::create_dir_all(bucket.join("junk/other-2.0.dist-info")).unwrap();
        let index = HashIndex::new(&bucket, &first).unwrap();
        let stamp = file_stamp(&fs::metadata(&first).unwrap()).unwrap();
        let mut text = b"".to_vec();
        text.extend_from_slice(format!("{stamp} junk\n").as_bytes());
        text.extend_from_slice(index.canonical.as_os_str().as_encoded_bytes());
        fs::write(&index.path, text).unwrap();
        assert_eq!(index.lookup().as_deref(), Some("junk"));
        let got = unpack_wheel_within(&cache, &first, 1 << 20).unwrap();
        assert_eq!(got.root, again.root);
        assert!(
            bucket.join("junk/other-2.0.dist-info").is_dir(),
            "left alone"
        );
    }

    #[test]
    fn overlapping_entries_are_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let files = [("bomb/a.bin", vec![0; 4 * MIB])];
        let shallow = [("bomb/a.bin", "bomb/b.bin"), ("bomb/a.bin", "bomb/c.bin")];
        let wheel = wheel(dir.path(), &files, &shallow, |_, size| size);
        let err = refused(&wheel, u64::MAX);
        assert!(err.contains("bomb-1.0-py3-none-any.whl"), "{err}");
        assert!(err.contains("Overlapped entries"), "{err}");
    }

    #[test]
    fn a_member_larger_than_its_record_line_is_stopped_at_the_declared_size() {
        let dir = tempfile::tempdir().unwrap();
        let files = [("bomb/a.bin", vec![0; 8 * MIB])];
        let wheel = wheel(dir.path(), &files, &[], |name, size| {
            if name == "bomb/a.bin" { 1024 } else { size }
        });
        let err = refused(&wheel, u64::MAX);
        assert!(
            err.contains("`bomb/a.bin`")
                && err.contains("size exceeds the 1024 bytes its RECORD line declares"),
            "{err}"
        );
    }

    #[test]
    fn a_member_larger_than_its_zip_entry_is_stopped_at_the_declared_size() {
        let dir = tempfile::tempdir().unwrap();
        let files = [("bomb/a.bin", vec![7; 8 * MIB])];
        let path = wheel(dir.path(), &files, &[], |_, size| size);
        // Rewrite the member's uncompressed size to 1000 in its local header (offset 22) and
        // its central-directory entry (offset 24).
        let mut bytes = fs::read(&path).unwrap();
        let real = (8 * MIB as u32).to_le_bytes();
        let lie = 1000u32.to_le_bytes();
        let mut patched = 0;
        for (signature, offset) in [(*b"PK\x03\x04", 22), (*b"PK\x01\x02", 24)] {
            let mut at = 0;
            while let Some(found) = bytes[at..].windows(4).position(|w| w == signature) {
                let field = at + found + offset;
                if bytes[field..field + 4] == real {
                    bytes[field..field + 4].copy_from_slice(&lie);
                    patched += 1;
                }
                at += found + 4;
            }
        }
        assert_eq!(patched, 2);
        fs::write(&path, bytes).unwrap();
        // The zip reader stops at the declared size itself; den's own bound is the second line.
        let err = refused(&path, u64::MAX);
        assert!(
            err.contains("`bomb/a.bin`")
                && (err.contains("size exceeds the 1000 bytes its zip entry declares")
                    || err.contains("larger than its declared uncompressed size")),
            "{err}"
        );
    }

    #[test]
    fn a_wheel_over_the_ceiling_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let files = [("bomb/a.bin", vec![0; MIB])];
        let wheel = wheel(dir.path(), &files, &[], |_, size| size);
        let err = refused(&wheel, 64 * 1024);
        assert!(
            err.contains("bomb-1.0-py3-none-any.whl would unpack to")
                && err.contains("limit of 65536 bytes")
                && err.contains("DEN_MAX_UNPACKED_SIZE"),
            "{err}"
        );
    }

    #[test]
    fn member_paths_are_checked() {
        assert_eq!(
            safe_member_path("pkg/./mod.py"),
            Some(PathBuf::from("pkg/mod.py"))
        );
        for bad in ["/etc/passwd", "../x", "pkg/../../x", "C:/x", "a\\..\\b", ""] {
            assert_eq!(safe_member_path(bad), None, "{bad}");
        }
    }
}
