//! Packing a virtual environment into one archive that arrives working at any path
//! ([`pack`]), and unpacking one safely ([`unpack`]): what venv-pack and conda-pack do, in
//! `.tar.gz`, `.tar.zst` and `.zip`.
//!
//! The archive holds the environment made relocatable on the way in (den-venv's
//! [`Relocation`] rules: relocatable activation scripts, console scripts that run the
//! `python` beside them, relative `.pth` lines, `relocatable = true`, RECORD lines giving the
//! rewritten files' new hashes and sizes); the environment itself
//! is only read. Entries are the environment's relative paths in sorted order, so the same
//! environment gives the same archive (with `reproducible`, also the same bytes: fixed
//! modification times, no owners).
//!
//! What relocation cannot fix is found while packing: text files that still name the old
//! location are listed in `.den-pack/prefix-files` and rewritten by whoever unpacks
//! ([`unpack`], or the archive's own `bin/den-unpack`, a POSIX sh script for machines without
//! den); binary files that name it (compiled extensions with an rpath into the environment)
//! and editable installs of projects outside the environment are refused with their names
//! (an editable project inside it is packed with it).
//! Byte-compiled `.pyc` files are kept: Python corrects their recorded source paths on import.
//!
//! The base interpreter is not packed unless asked (`with_python`): the target machine needs
//! the same Python at the path `pyvenv.cfg`'s `home` names. With it, the base interpreter's
//! installation tree (`sys.base_prefix`) is stored under [`PYTHON_DIR`] (`python/`) beside the
//! environment's files, once [`BasePython::check`] finds it can move; the environment's
//! interpreter links in `bin/` become relative links into it (and the run paths of its
//! copies of the interpreter, `--copies`, point there), `pyvenv.cfg` names it
//! (rewritten on unpack, as every listed text file is), the tree's text files that named its
//! old prefix name `python/` there, and its ELF run paths into itself become
//! `$ORIGIN`-relative. `.den-pack/python` then holds the base executable's path in the
//! archive, which `bin/den-unpack` runs.

mod archive;
mod python;
mod rpm;
mod unpack;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use den_dist::IoResultExt;
use den_venv::{PyVenvConfig, Relocation};
use rayon::prelude::*;

pub use archive::Format;
pub use python::{BasePython, PYTHON_DIR};
pub use rpm::{RpmOptions, pack_rpm};
pub use unpack::{UnpackOptions, unpack, unpack_within};

use archive::{ArchiveWriter, Entry, EntryKind};

/// The directory in the archive with what unpacking needs.
pub const META_DIR: &str = ".den-pack";
/// The unpack script's path in the archive.
pub const UNPACK_SCRIPT: &str = "bin/den-unpack";
/// The unpack script: finishes an extracted archive without den.
const UNPACK_SCRIPT_TEXT: &str = include_str!("den-unpack.sh");
/// Files read and transformed in parallel before they are written, in order, to the archive.
const CHUNK: usize = 256;

/// How to pack.
#[derive(Debug, Clone, Default)]
pub struct PackOptions {
    /// Fixed modification times (`SOURCE_DATE_EPOCH`, else 0) and no owner names, so the same
    /// environment gives the same bytes.
    pub reproducible: bool,
    /// Pack environments with editable installs or `.pth` lines pointing outside them anyway
    /// (those paths will not exist on the target).
    pub ignore_editable: bool,
    /// Carry this base interpreter's installation tree in the archive under [`PYTHON_DIR`]
    /// (not for RPMs).
    pub with_python: Option<BasePython>,
}

/// What [`pack`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackReport {
    /// Entries (files, directories, links) in the archive.
    pub entries: usize,
    /// Text files whose old-location mentions are rewritten on unpack.
    pub prefix_files: Vec<String>,
    /// Entries of the carried base interpreter's tree (0 without `with_python`).
    pub python_entries: usize,
    /// Bytes of the carried base interpreter's files, uncompressed.
    pub python_bytes: u64,
}

/// Why an environment could not be packed or an archive unpacked.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// The source is not a virtual environment.
    #[error("{} is not a virtual environment (it has no pyvenv.cfg)", path.display())]
    NotAnEnvironment {
        /// The directory given.
        path: PathBuf,
    },
    /// Editable installs or `.pth` lines point outside the environment.
    #[error(
        "{} depends on paths outside it, which will not exist where it is unpacked:\n  {}\ninstall them normally, or pass --ignore-editable to pack anyway",
        root.display(), outside.join("\n  ")
    )]
    Editable {
        /// The environment.
        root: PathBuf,
        /// What points outside, one description each.
        outside: Vec<String>,
    },
    /// Binary files name the environment's location, which cannot be rewritten.
    #[error(
        "these binary files in {} contain its path ({}), which cannot be changed when it moves:\n  {}\nrebuild them without an absolute path into the environment (an rpath), or leave them out",
        root.display(), root.display(), files.join("\n  ")
    )]
    PrefixInBinary {
        /// The environment.
        root: PathBuf,
        /// The files, relative to the root.
        files: Vec<String>,
    },
    /// The base interpreter asked to be carried (`with_python`) cannot move.
    #[error(
        "cannot carry the Python at {} in the archive: {reason}; use a standalone Python installed in a directory of its own, e.g. one `den pyenv install` or pyenv built",
        prefix.display()
    )]
    NotRelocatable {
        /// Its installation prefix.
        prefix: PathBuf,
        /// Why not.
        reason: String,
    },
    /// `--python-prefix` was given for an archive that carries its own Python.
    #[error("{} carries its own Python (packed with --with-python): --python-prefix does not apply", archive.display())]
    PythonCarried {
        /// The archive.
        archive: PathBuf,
    },
    /// The output name has no format den writes.
    #[error(
        "cannot tell the archive format of {}: name it .tar.gz (.tgz), .tar.zst or .zip, or pass --format",
        path.display()
    )]
    UnknownFormat {
        /// The output path.
        path: PathBuf,
    },
    /// The directory the archive (or RPM) is to be written in is not there.
    #[error("cannot write {}: {} {reason}", output.display(), dir.display())]
    OutputDir {
        /// The output path.
        output: PathBuf,
        /// Its directory.
        dir: PathBuf,
        /// `does not exist` or `is not a directory`.
        reason: &'static str,
    },
    /// The environment's files could not be read as an environment.
    #[error(transparent)]
    Venv(#[from] den_venv::VenvError),
    /// An archive that is not den's, is damaged, or holds an unsafe entry.
    #[error("{}: {reason}", archive.display())]
    BadArchive {
        /// The archive.
        archive: PathBuf,
        /// What is wrong, and where.
        reason: String,
    },
    /// The RPM cannot be built as asked.
    #[error("cannot build the RPM: {reason}")]
    BadRpm {
        /// What is wrong.
        reason: String,
    },
    /// `--python-prefix` names a place without the base interpreter.
    #[error("{} does not exist: is the base Python installed at {}?", missing.display(), prefix.display())]
    PythonPrefix {
        /// The prefix given.
        prefix: PathBuf,
        /// The executable looked for.
        missing: PathBuf,
    },
    /// The unpack destination exists.
    #[error("{} already exists; unpack into a new directory, or pass --force to replace it", path.display())]
    DestinationExists {
        /// The destination.
        path: PathBuf,
    },
    /// `DEN_MAX_UNPACKED_SIZE` is not a size.
    #[error(transparent)]
    Limit(#[from] den_dist::UnpackLimitError),
    /// A file operation failed.
    #[error(transparent)]
    Io(#[from] den_dist::IoError),
}

/// Packs the virtual environment at `root` (absolute) into `output` in `format`: written to
/// a temporary file beside `output` and renamed into place when complete, so a failure or
/// interruption leaves no partial archive. Files are read and made relocatable in parallel;
/// `.tar.zst` is also compressed on every core. `progress` is told `(entries written, entries
/// in all)` after each entry.
///
/// # Errors
///
/// [`PackError::NotAnEnvironment`], [`PackError::Editable`] (unless
/// `options.ignore_editable`), [`PackError::PrefixInBinary`], [`PackError::NotRelocatable`]
/// (with `options.with_python`, checked before anything is written), [`PackError::Venv`],
/// [`PackError::OutputDir`] when `output`'s directory does not exist, and [`PackError::Io`]
/// when the environment cannot be read or the archive written.
pub fn pack(
    root: &Path,
    output: &Path,
    format: Format,
    options: &PackOptions,
    progress: &dyn Fn(u64, u64),
) -> Result<PackReport, PackError> {
    if let Some(base) = &options.with_python {
        base.check()?;
    }
    let temp = temp_beside(output)?;
    let mut writer =
        ArchiveWriter::new(format, temp.as_file().try_clone().at("open", temp.path())?)
            .at("write", temp.path())?;
    let mut entries = 0;
    let read = read_environment(root, options, progress, |entry, _| {
        entries += 1;
        writer.append(&entry).at("write", temp.path())?;
        Ok(())
    })?;
    let prefix_files = read.prefix_files;
    let mtime = options.mtime().unwrap_or_else(now);
    let mut listing = prefix_files.join("\n");
    listing.push('\n');
    let prefix = root.to_string_lossy();
    let python = options.with_python.as_ref().map(|base| {
        (
            format!("{META_DIR}/python"),
            base_in_archive(root, base),
            0o644,
        )
    });
    for (name, content, mode) in python.into_iter().chain([
        (format!("{META_DIR}/prefix"), format!("{prefix}\n"), 0o644),
        (format!("{META_DIR}/prefix-files"), listing, 0o644),
        (
            UNPACK_SCRIPT.to_string(),
            UNPACK_SCRIPT_TEXT.to_string(),
            0o755,
        ),
    ]) {
        let entry = Entry {
            name,
            mtime,
            kind: EntryKind::File {
                content: content.into_bytes(),
                mode,
            },
        };
        writer.append(&entry).at("write", temp.path())?;
        entries += 1;
    }
    let file = writer.finish().at("write", temp.path())?;
    file.sync_all().at("write", temp.path())?;
    persist(temp, output)?;
    Ok(PackReport {
        entries,
        prefix_files,
        python_entries: read.python_entries,
        python_bytes: read.python_bytes,
    })
}

/// The base executable's path inside the archive, and a newline: in [`PYTHON_DIR`] when the
/// base is carried, where it already is when the base is inside the environment (an unpacked
/// environment packed again).
fn base_in_archive(root: &Path, base: &BasePython) -> String {
    let name = base.executable.file_name().unwrap_or_default();
    let path = match carried(root, Some(base)) {
        Some(_) => Path::new(PYTHON_DIR).join("bin").join(name),
        None => base
            .executable
            .strip_prefix(root)
            .unwrap_or(&base.executable)
            .to_path_buf(),
    };
    format!("{}\n", path.display())
}

/// The base interpreter whose tree is to be added to the archive: the one asked for, unless
/// it is already inside the environment at `root`.
fn carried<'a>(root: &Path, base: Option<&'a BasePython>) -> Option<&'a BasePython> {
    base.filter(|base| !base.prefix.starts_with(root))
}

impl PackOptions {
    /// The fixed modification time of a reproducible pack: `SOURCE_DATE_EPOCH`, else 0;
    /// `None` when not reproducible.
    fn mtime(&self) -> Option<u64> {
        self.reproducible.then(|| {
            std::env::var("SOURCE_DATE_EPOCH")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        })
    }
}

/// Seconds since the epoch, now.
fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A temporary file beside `output`, to be renamed to it once complete ([`persist`]);
/// [`PackError::OutputDir`] when the directory `output` names is not one.
fn temp_beside(output: &Path) -> Result<tempfile::NamedTempFile, PackError> {
    let parent = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(PackError::OutputDir {
            output: output.to_path_buf(),
            dir: parent.to_path_buf(),
            reason: if parent.exists() {
                "is not a directory"
            } else {
                "does not exist"
            },
        });
    }
    // Created as any new file is (0666 less the umask), not private as temporary files are.
    Ok(tempfile::Builder::new()
        .prefix(".den-pack-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
        .tempfile_in(parent)
        .at("create a temporary file in", parent)?)
}

/// Renames the complete `temp` to `output`.
fn persist(temp: tempfile::NamedTempFile, output: &Path) -> Result<(), PackError> {
    temp.as_file().flush().at("write", temp.path())?;
    temp.persist(output)
        .map_err(|e| e.error)
        .at("write", output)?;
    Ok(())
}

/// What [`read_environment`] found.
struct ReadReport {
    /// Text files that still name the environment's location, relative.
    prefix_files: Vec<String>,
    /// Entries of the carried base interpreter's tree.
    python_entries: usize,
    /// Bytes of its files.
    python_bytes: u64,
}

/// One entry to pack: `relative` to the environment's root, or to the carried base
/// interpreter's prefix (`base`).
struct Job {
    relative: PathBuf,
    base: bool,
}

impl Job {
    /// Its path in the archive.
    fn name(&self) -> PathBuf {
        match (self.base, self.relative.as_os_str().is_empty()) {
            (false, _) => self.relative.clone(),
            (true, true) => PathBuf::from(PYTHON_DIR),
            (true, false) => Path::new(PYTHON_DIR).join(&self.relative),
        }
    }
}

/// Reads the virtual environment at `root` (absolute) for packing, with the base
/// interpreter's tree under [`PYTHON_DIR`] when `options.with_python` asks: every entry in
/// sorted order, made relocatable ([`Relocation`]; the base tree as the crate's docs say),
/// handed to `sink` with whether it is a text file that still names `root` (those are
/// listed in the report, relative). Files are read and transformed in parallel in chunks;
/// `sink` sees them in order, and `progress` is told `(entries handed on, entries in all)`
/// after each.
///
/// # Errors
///
/// [`PackError::NotAnEnvironment`], [`PackError::Editable`] (unless
/// `options.ignore_editable`), [`PackError::PrefixInBinary`] (found before the end: `sink`
/// is not called after the first), [`PackError::NotRelocatable`] for a base tree with a
/// link out of it or a run path that cannot be rewritten, [`PackError::Venv`],
/// [`PackError::Io`], and what `sink` returns.
fn read_environment(
    root: &Path,
    options: &PackOptions,
    progress: &dyn Fn(u64, u64),
    mut sink: impl FnMut(Entry, bool) -> Result<(), PackError>,
) -> Result<ReadReport, PackError> {
    if !PyVenvConfig::path_in(root).is_file() {
        return Err(PackError::NotAnEnvironment {
            path: root.to_path_buf(),
        });
    }
    let relocation = Relocation::new(root)?;
    if !options.ignore_editable {
        let outside = outside_paths(root, relocation.site_packages())?;
        if !outside.is_empty() {
            return Err(PackError::Editable {
                root: root.to_path_buf(),
                outside,
            });
        }
    }
    let base = carried(root, options.with_python.as_ref());
    let mut paths: Vec<Job> = entries(root)?
        .into_iter()
        .map(|relative| Job {
            relative,
            base: false,
        })
        .collect();
    if let Some(base) = base {
        if paths
            .iter()
            .any(|job| job.relative == Path::new(PYTHON_DIR))
        {
            return Err(PackError::NotRelocatable {
                prefix: base.prefix.clone(),
                reason: format!(
                    "the environment has its own {PYTHON_DIR} entry, where the base Python would go"
                ),
            });
        }
        // Without the environment itself, when it lives inside the base's tree (as
        // pyenv-virtualenv's do).
        let tree = std::iter::once(PathBuf::new())
            .chain(entries(&base.prefix)?)
            .filter(|relative| !base.prefix.join(relative).starts_with(root));
        paths.extend(tree.map(|relative| Job {
            relative,
            base: true,
        }));
        // In the order a sorted walk of the environment with the tree in it would give.
        paths.sort_by_cached_key(Job::name);
    }
    // What every entry of the carried tree needs, found once.
    let carried = base.map(|base| Carried {
        base,
        real_prefix: fs::canonicalize(&base.prefix)
            .ok()
            .filter(|real| *real != base.prefix),
        root: root.join(PYTHON_DIR),
    });
    let (mut python_entries, mut python_bytes) = (0, 0);
    let mtime = options.mtime();
    let prefix = root.to_string_lossy().into_owned();
    let finder = memchr::memmem::Finder::new(prefix.as_bytes());
    let mut prefix_files = Vec::new();
    let mut binaries = Vec::new();
    let total = paths.len() as u64;
    let mut done = 0;
    for chunk in paths.chunks(CHUNK) {
        let prepared: Vec<Result<Entry, PackError>> = chunk
            .par_iter()
            .map(|job| prepare(root, job, &relocation, carried.as_ref(), mtime))
            .collect();
        for (entry, job) in prepared.into_iter().zip(chunk) {
            let entry = entry?;
            if job.base {
                python_entries += 1;
                if let EntryKind::File { content, .. } = &entry.kind {
                    python_bytes += content.len() as u64;
                }
            }
            let mut names_prefix = false;
            if let EntryKind::File { content, .. } = &entry.kind {
                let compiled = entry.name.ends_with(".pyc");
                if !compiled && finder.find(content).is_some() {
                    if content.contains(&0) {
                        binaries.push(entry.name.clone());
                    } else {
                        names_prefix = true;
                        prefix_files.push(entry.name.clone());
                    }
                }
            }
            if binaries.is_empty() {
                sink(entry, names_prefix)?;
            }
            done += 1;
            progress(done, total);
        }
    }
    if !binaries.is_empty() {
        return Err(PackError::PrefixInBinary {
            root: root.to_path_buf(),
            files: binaries,
        });
    }
    Ok(ReadReport {
        prefix_files,
        python_entries,
        python_bytes,
    })
}

/// `content` with every occurrence of `old` replaced by `new`.
pub(crate) fn replace_all(content: &[u8], old: &[u8], new: &[u8]) -> Vec<u8> {
    let finder = memchr::memmem::Finder::new(old);
    let mut out = Vec::with_capacity(content.len());
    let mut rest = content;
    while let Some(at) = finder.find(rest) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(new);
        rest = &rest[at + old.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// The environment's entries, relative, sorted, without den's lock files and without an
/// earlier unpack's leftovers.
fn entries(root: &Path) -> Result<Vec<PathBuf>, PackError> {
    let mut paths = Vec::new();
    let walk = walkdir::WalkDir::new(root)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() != 1 || e.file_name() != META_DIR);
    for entry in walk {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(root).to_path_buf();
            den_dist::IoError {
                action: "read",
                path,
                source: e.into(),
            }
        })?;
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        if entry.file_name() == ".den-lock" || relative == Path::new(UNPACK_SCRIPT) {
            continue;
        }
        paths.push(relative.to_path_buf());
    }
    Ok(paths)
}

/// The base interpreter carried in the archive, with what its entries' rules need.
struct Carried<'a> {
    base: &'a BasePython,
    /// Its prefix with links resolved, when that differs from the prefix as given.
    real_prefix: Option<PathBuf>,
    /// Where its tree goes: `<environment>/python`.
    root: PathBuf,
}

impl Carried<'_> {
    /// `content` with the base's prefix replaced by where the archive puts its tree, by its
    /// path as given and as resolved.
    fn renamed_prefix(&self, content: &[u8]) -> Vec<u8> {
        let new = self.root.as_os_str().as_encoded_bytes();
        let mut content = replace_all(
            content,
            self.base.prefix.as_os_str().as_encoded_bytes(),
            new,
        );
        if let Some(real) = &self.real_prefix {
            content = replace_all(&content, real.as_os_str().as_encoded_bytes(), new);
        }
        content
    }

    /// `target` (a link's) relative to the base's prefix when it lies inside it, by its path
    /// as given or as resolved.
    fn inside(&self, target: &Path) -> Option<PathBuf> {
        if !target.is_absolute() {
            return None;
        }
        if let Ok(rest) = target.strip_prefix(&self.base.prefix) {
            return Some(rest.to_path_buf());
        }
        let real = fs::canonicalize(target).ok()?;
        let real_prefix = self.real_prefix.as_ref().unwrap_or(&self.base.prefix);
        real.strip_prefix(real_prefix).ok().map(Path::to_path_buf)
    }
}

/// Reads the entry `job` names and applies the relocation rules to it: an environment's
/// entry under `root` by [`Relocation`]'s, with its interpreter links and `pyvenv.cfg`
/// pointed into [`PYTHON_DIR`] when a base is `carried`; an entry of the carried tree by the
/// crate's rules for it (see the crate's docs).
fn prepare(
    root: &Path,
    job: &Job,
    relocation: &Relocation,
    carried: Option<&Carried<'_>>,
    fixed_mtime: Option<u64>,
) -> Result<Entry, PackError> {
    let (tree, from_base) = match carried {
        Some(carried) if job.base => (carried.base.prefix.as_path(), Some(carried)),
        _ => (root, None),
    };
    let not_relocatable = |reason: String| PackError::NotRelocatable {
        prefix: tree.to_path_buf(),
        reason,
    };
    let path = tree.join(&job.relative);
    let meta = fs::symlink_metadata(&path).at("read", &path)?;
    let mtime = fixed_mtime.unwrap_or_else(|| {
        meta.modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs())
    });
    let name = job.name().to_string_lossy().into_owned();
    let kind = if meta.file_type().is_symlink() {
        let target = fs::read_link(&path).at("read link", &path)?;
        let from = path.parent().unwrap_or(tree);
        // A link to a place inside the tree becomes relative, so it moves along; an
        // environment's link into the carried base, a relative link to it in the archive.
        let into_base = carried
            .filter(|_| from_base.is_none())
            .and_then(|carried| Some(carried.root.join(carried.inside(&target)?)));
        let target = match (target.strip_prefix(tree), into_base) {
            (Ok(_), _) if target.is_absolute() => {
                PathBuf::from(den_dist::path::relative_to(&target, from))
            }
            (_, Some(target)) => PathBuf::from(den_dist::path::relative_to(&target, from)),
            _ if target.is_absolute() && from_base.is_some() => {
                return Err(not_relocatable(format!(
                    "{} is a link to {} outside it",
                    path.display(),
                    target.display()
                )));
            }
            _ => target,
        };
        EntryKind::Symlink { target }
    } else if meta.is_dir() {
        EntryKind::Dir
    } else {
        use std::os::unix::fs::PermissionsExt;
        let content = fs::read(&path).at("read", &path)?;
        // An ELF file whose run path names the carried tree finds it where the archive puts
        // it: the tree's own files at `placed` = its prefix, an environment's (a copy of the
        // interpreter, `--copies`) at the carried root beside it.
        let run_paths = |carried: &Carried<'_>, content: &[u8], placed: &Path| {
            let from = path.parent().unwrap_or(tree);
            python::relocate_run_paths(content, from, &carried.base.prefix, placed).map_err(
                |reason| PackError::NotRelocatable {
                    prefix: carried.base.prefix.clone(),
                    reason: format!("{}: {reason}", path.display()),
                },
            )
        };
        let content = match from_base {
            Some(carried) => match run_paths(carried, &content, &carried.base.prefix)? {
                Some(patched) => patched,
                None if content.contains(&0) => content,
                None => carried.renamed_prefix(&content),
            },
            None => {
                let content = relocation.contents(&path, &content).unwrap_or(content);
                match carried {
                    Some(carried) if job.relative == Path::new(PyVenvConfig::FILE_NAME) => {
                        carried.renamed_prefix(&content)
                    }
                    Some(carried) => {
                        run_paths(carried, &content, &carried.root)?.unwrap_or(content)
                    }
                    None => content,
                }
            }
        };
        EntryKind::File {
            content,
            mode: meta.permissions().mode() & 0o7777,
        }
    };
    Ok(Entry { name, mtime, kind })
}

/// Why the install whose PEP 610 `direct_url.json` is at `file` points outside `root`: an
/// editable install (`dir_info.editable`) of a directory that is not inside `root` (one
/// inside is packed with the environment, its paths rewritten as every other file's), or a
/// `direct_url.json` that cannot be read as one. `None` when there is no such file, or
/// the install is not editable, or its directory is inside.
fn editable_outside(root: &Path, file: &Path) -> Option<String> {
    let text = fs::read_to_string(file).ok()?;
    let direct = match den_dist::DirectUrl::from_json(&text) {
        Ok(direct) => direct,
        Err(err) => return Some(format!("{} cannot be read ({err})", file.display())),
    };
    if !direct.is_editable() {
        return None;
    }
    let Some(project) = direct.local_path() else {
        return Some(format!("an editable install of {}", direct.url));
    };
    let inside = project.starts_with(root)
        || fs::canonicalize(root)
            .ok()
            .zip(fs::canonicalize(&project).ok())
            .is_some_and(|(root, project)| project.starts_with(root));
    (!inside).then(|| format!("an editable install of {}", project.display()))
}

/// What in the environment points outside it: editable installs (PEP 610 `direct_url.json`
/// with `dir_info.editable`) of directories outside it and absolute `.pth` path lines naming
/// other places.
fn outside_paths(root: &Path, site: &Path) -> Result<Vec<String>, PackError> {
    let mut outside = Vec::new();
    for entry in fs::read_dir(site).at("read", site)? {
        let path = entry.at("read", site)?.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".dist-info") {
            if let Some(reason) = editable_outside(root, &path.join("direct_url.json")) {
                outside.push(format!("{name}: {reason}"));
            }
        } else if name.ends_with(".pth") {
            let text = fs::read_to_string(&path).unwrap_or_default();
            for line in text.lines() {
                let line = line.trim_end();
                if line.starts_with('/') && !Path::new(line).starts_with(root) {
                    outside.push(format!("{name}: {line}"));
                }
            }
        }
    }
    outside.sort();
    Ok(outside)
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::os::unix::fs::symlink;

    use super::*;

    /// A fake environment at `dir/env` made from a fake base installation at `dir/base`
    /// (its executable a script: no ELF to check).
    fn fake(dir: &Path) -> (PathBuf, BasePython) {
        let base = dir.join("base");
        fs::create_dir_all(base.join("bin")).unwrap();
        fs::create_dir_all(base.join("lib/python3.12")).unwrap();
        fs::write(base.join("bin/python3.12"), "#!/bin/sh\n").unwrap();
        symlink("python3.12", base.join("bin/python3")).unwrap();
        let pip = format!("#!{}/bin/python3.12\n", base.display());
        fs::write(base.join("bin/pip3"), pip).unwrap();
        let env = dir.join("env");
        fs::create_dir_all(env.join("bin")).unwrap();
        fs::create_dir_all(env.join("lib/python3.12/site-packages")).unwrap();
        let cfg = format!("home = {}/bin\nversion = 3.12.1\n", base.display());
        fs::write(env.join("pyvenv.cfg"), cfg).unwrap();
        symlink(base.join("bin/python3.12"), env.join("bin/python")).unwrap();
        let executable = base.join("bin/python3.12");
        (
            env,
            BasePython {
                prefix: base,
                executable,
            },
        )
    }

    /// Each entry of the `.tar.gz` at `archive`: name, link target, content.
    fn listing(archive: &Path) -> Vec<(String, Option<PathBuf>, String)> {
        let file = fs::File::open(archive).unwrap();
        let mut tar = tar::Archive::new(flate2::read::MultiGzDecoder::new(file));
        let mut out = Vec::new();
        for entry in tar.entries().unwrap() {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            let link = entry.link_name().unwrap().map(|l| l.into_owned());
            let mut content = String::new();
            entry.read_to_string(&mut content).unwrap();
            out.push((name, link, content));
        }
        out
    }

    #[test]
    fn with_python_the_base_tree_is_packed_under_python_and_the_environment_points_at_it() {
        let dir = tempfile::tempdir().unwrap();
        let (env, base) = fake(dir.path());
        let options = PackOptions {
            reproducible: true,
            with_python: Some(base.clone()),
            ..PackOptions::default()
        };
        let output = dir.path().join("env.tar.gz");
        let report = pack(&env, &output, Format::TarGz, &options, &|_, _| {}).unwrap();
        // python, python/bin and its three entries, python/lib, python/lib/python3.12.
        assert_eq!(report.python_entries, 7);
        assert_eq!(
            report.python_bytes,
            10 + 10 + base.prefix.as_os_str().len() as u64 + 14
        );
        assert_eq!(report.prefix_files, ["python/bin/pip3", "pyvenv.cfg"]);
        let entries = listing(&output);
        let find = |name: &str| entries.iter().find(|e| e.0.trim_end_matches('/') == name);
        let carried = format!("{}/{PYTHON_DIR}", env.display());
        assert_eq!(
            find("bin/python").unwrap().1.as_deref(),
            Some(Path::new("../python/bin/python3.12"))
        );
        assert_eq!(
            find("python/bin/python3").unwrap().1.as_deref(),
            Some(Path::new("python3.12"))
        );
        assert_eq!(
            find("python/bin/pip3").unwrap().2,
            format!("#!{carried}/bin/python3.12\n")
        );
        let cfg = &find("pyvenv.cfg").unwrap().2;
        assert!(cfg.contains(&format!("home = {carried}/bin\n")), "{cfg}");
        assert_eq!(
            find(".den-pack/python").unwrap().2,
            "python/bin/python3.12\n"
        );
        // Sorted as a walk of the environment with the tree in it would be.
        let names: Vec<&str> = entries.iter().map(|e| e.0.trim_end_matches('/')).collect();
        let at = |name: &str| names.iter().position(|n| *n == name).unwrap();
        assert!(at("lib/python3.12/site-packages") < at("python"));
        assert!(at("python/lib/python3.12") < at("pyvenv.cfg"));

        // A link out of the base tree cannot move: refused, nothing written.
        symlink("/etc/hostname", base.prefix.join("lib/outside")).unwrap();
        let bad = dir.path().join("bad.tar.gz");
        let err = pack(&env, &bad, Format::TarGz, &options, &|_, _| {}).unwrap_err();
        assert!(matches!(err, PackError::NotRelocatable { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("is a link to /etc/hostname outside it"),
            "{err}"
        );
        assert!(!bad.exists());
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 3, "{left:?}");
    }
}
