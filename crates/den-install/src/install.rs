//! Installing an unpacked wheel into an environment (PEP 427 §Installing a wheel, steps
//! "Spread" and the RECORD/INSTALLER bookkeeping of PEP 376, PEP 610 `direct_url.json`).
//!
//! Byte-compiling (`.pyc`) is optional ([`InstallOptions::compile_bytecode`]).

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use den_cache::{LinkMode, Linker};
use den_dist::{CoreMetadata, DirectUrl, HashAlgorithm, Hasher, record_hash};

use crate::bytecode;
use crate::installed::{DistKind, InstalledDist, find_installed, read_metadata};
use crate::paths::{ParentResolver, normalize, relative_to};
use crate::record::{RecordEntry, parse_record, write_record};
use crate::scripts::{
    ScriptEntryPoint, apply_versioned_names, parse_script_entry_points, rewrite_python_shebang,
};
use crate::transaction::{Content, Transaction};
use crate::uninstall::recorded_files;
use crate::{InstallError, UnpackedWheel};
use den_dist::{IoError, IoResultExt};

/// Where each install scheme key goes, as absolute paths; taken from the target
/// interpreter's `sysconfig.get_paths()` (scheme keys of PEP 427 §The .data directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallScheme {
    /// Pure-Python modules (`.../site-packages`).
    pub purelib: PathBuf,
    /// Platform-specific modules (usually the same directory as `purelib`).
    pub platlib: PathBuf,
    /// Executables (`<env>/bin`).
    pub scripts: PathBuf,
    /// Data files root (`<env>`); `.data/data/share/x` lands in `<data>/share/x`.
    pub data: PathBuf,
    /// Header files root; each project's headers go in `<headers>/<project name>` (pip's
    /// venv layout: `<env>/include/site/pythonX.Y`).
    pub headers: PathBuf,
}

impl InstallScheme {
    /// The distinct site-packages directories: `purelib`, then `platlib` when it differs
    /// (where installed distributions are looked for).
    pub fn site_packages(&self) -> Vec<PathBuf> {
        let mut dirs = vec![self.purelib.clone()];
        if self.platlib != self.purelib {
            dirs.push(self.platlib.clone());
        }
        dirs
    }

    /// This scheme with every directory moved below `root`, as pip's `--root DIR` places an
    /// install (distutils' `change_root` on POSIX): `/venv/bin` becomes `DIR/venv/bin`; a
    /// relative directory is joined to `root` as it is.
    pub fn rerooted(&self, root: &Path) -> Self {
        let below = |dir: &Path| match dir.strip_prefix("/") {
            Ok(relative) => root.join(relative),
            Err(_) => root.join(dir),
        };
        Self {
            purelib: below(&self.purelib),
            platlib: below(&self.platlib),
            scripts: below(&self.scripts),
            data: below(&self.data),
            headers: below(&self.headers),
        }
    }

    /// The layout of pip's `--prefix DIR` on POSIX (sysconfig `posix_prefix` scheme with
    /// every base set to `DIR`): purelib and platlib `DIR/lib/pythonX.Y/site-packages`,
    /// scripts `DIR/bin`, data `DIR`, headers root `DIR/include/pythonX.Y` (each project in
    /// `<root>/<name>`; `m` appended for Python 3.0 to 3.7, whose ABI flags had it), or pip's
    /// `DIR/include/site/pythonX.Y` when the interpreter is in a virtual environment.
    /// Free-threaded builds use `pythonX.Yt` everywhere. Assumes `sys.platlibdir` is `lib`
    /// (distributions patching it to `lib64` put platlib elsewhere).
    pub fn for_prefix(dir: &Path, python: &SchemePython) -> Self {
        let lib = python.lib_version();
        let site_packages = posix_site_packages(dir, python);
        let abiflags = match python.version {
            (3, minor) if minor < 8 => "m",
            _ => "",
        };
        Self {
            purelib: site_packages.clone(),
            platlib: site_packages,
            scripts: dir.join("bin"),
            data: dir.to_path_buf(),
            headers: python.headers(dir, dir.join(format!("include/python{lib}{abiflags}"))),
        }
    }

    /// The final layout of pip's `--target DIR`: pip installs into a temporary home
    /// (`posix_home` scheme) and then moves the contents of its `lib/python` and of its
    /// data root to `DIR`, which is the same as installing directly with purelib = platlib =
    /// data = `DIR`, scripts `DIR/bin` and headers root `DIR/include/python` (pip's
    /// `DIR/include/site/pythonX.Y` when the interpreter is in a virtual environment).
    /// Unlike pip, data files under `lib/` are not dropped.
    pub fn for_target(dir: &Path, python: &SchemePython) -> Self {
        Self {
            purelib: dir.to_path_buf(),
            platlib: dir.to_path_buf(),
            scripts: dir.join("bin"),
            data: dir.to_path_buf(),
            headers: python.headers(dir, dir.join("include/python")),
        }
    }
}

/// The facts about the target interpreter that pip's `--prefix` and `--target` layouts
/// depend on ([`InstallScheme::for_prefix`], [`InstallScheme::for_target`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemePython {
    /// `(major, minor)`: names `lib/pythonX.Y` and `include/pythonX.Y`.
    pub version: (u8, u8),
    /// A free-threaded CPython build (PEP 703, `sys.abiflags` `t`): its directories are
    /// `pythonX.Yt`.
    pub free_threaded: bool,
    /// Whether the interpreter runs inside a virtual environment: pip then puts headers
    /// under `include/site/pythonX.Y` of the prefix or target instead.
    pub virtualenv: bool,
}

impl SchemePython {
    /// `X.Y` plus `t` for free-threaded builds (sysconfig's `{py_version_short}{abi_thread}`).
    fn lib_version(&self) -> String {
        let (major, minor) = self.version;
        let thread = if self.free_threaded { "t" } else { "" };
        format!("{major}.{minor}{thread}")
    }

    /// pip's header root for installs based at `base`, given the root it uses outside
    /// virtual environments.
    fn headers(&self, base: &Path, outside_venv: PathBuf) -> PathBuf {
        if self.virtualenv {
            venv_headers_dir(base, self.version)
        } else {
            outside_venv
        }
    }
}

/// CPython's site-packages below `base` on POSIX: `<base>/lib/pythonX.Y[t]/site-packages`
/// (sysconfig's `{base}/{platlibdir}/python{py_version_short}{abi_thread}/site-packages`
/// with `platlibdir` = `lib`), in a `--prefix` install and in a virtual environment alike.
pub fn posix_site_packages(base: &Path, python: &SchemePython) -> PathBuf {
    base.join("lib")
        .join(format!("python{}", python.lib_version()))
        .join("site-packages")
}

/// pip's header root in a virtual environment rooted at `base` for Python `(major, minor)`:
/// `<base>/include/site/pythonX.Y` (the installer adds the project's own directory below).
pub fn venv_headers_dir(base: &Path, (major, minor): (u8, u8)) -> PathBuf {
    base.join("include")
        .join("site")
        .join(format!("python{major}.{minor}"))
}

/// The environment a wheel is installed into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallTarget {
    /// Scheme directories.
    pub scheme: InstallScheme,
    /// The environment's interpreter (`<env>/bin/python`, absolute), written into script
    /// shebangs.
    pub python: PathBuf,
    /// `(major, minor)` of that interpreter: names pip's versioned launchers (`pip3.12`,
    /// `easy_install-3.12`) the way pip does.
    pub python_version: (u8, u8),
    /// Whether scripts run the interpreter beside them instead of `python`'s absolute path,
    /// and `.pth` files and editable finders name places inside the environment relative
    /// to site-packages (a relocatable environment, `relocatable = true` in pyvenv.cfg;
    /// `scheme.data` is its root).
    pub relocatable: bool,
}

/// How to install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallOptions {
    /// How files move from the cache into the environment (default: hardlink, falling back
    /// to copy).
    pub link_mode: LinkMode,
    /// Written to `INSTALLER` (PEP 376); `den` by default.
    pub installer: String,
    /// Whether to write `REQUESTED` (PEP 376): the user asked for this distribution, it is
    /// not only a dependency.
    pub requested: bool,
    /// Where the distribution came from, for installs from a URL or a local path (not from
    /// an index): written as `<dist-info>/direct_url.json` (PEP 610, with pip's exact
    /// formatting, [`DirectUrl::to_json`]) and listed in RECORD.
    pub direct_url: Option<DirectUrl>,
    /// Whether to byte-compile the installed `.py` files with the target interpreter, as
    /// pip does by default (uv only with `--compile-bytecode`): one interpreter process per
    /// install; files that do not compile are skipped (as pip does); the `.pyc` files are
    /// listed in RECORD without hash (as pip lists them) and removed again on rollback (the
    /// bytecode a replaced file had goes too; Python recompiles on import). Off by default.
    pub compile_bytecode: bool,
}

impl Default for InstallOptions {
    fn default() -> Self {
        Self {
            link_mode: LinkMode::Hardlink,
            installer: "den".to_string(),
            requested: false,
            direct_url: None,
            compile_bytecode: false,
        }
    }
}

/// What to do with one file of the unpacked wheel.
enum Action {
    /// Link from the cache unchanged.
    Link,
    /// A `.data/scripts/` file: copy, rewriting a `#!python` shebang, mode 0755.
    Script,
}

/// One planned file: where it comes from, where it goes.
struct Planned {
    /// Path inside the unpacked wheel, `/`-separated (as RECORD names it).
    member: String,
    /// Absolute destination.
    dst: PathBuf,
    action: Action,
}

/// What [`install_wheel`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The distribution now installed.
    pub dist: InstalledDist,
    /// The distribution of the same name it replaced (upgrade, downgrade or reinstall), as
    /// it was before (its `.dist-info` / `.egg-info` path no longer exists unless it equals
    /// `dist.path`).
    pub replaced: Option<InstalledDist>,
    /// Files the replaced distribution lists (RECORD, `installed-files.txt`) outside the
    /// environment's prefix, left alone (see [`crate::uninstall`]); callers should tell the
    /// user.
    pub skipped: Vec<PathBuf>,
}

/// Installs `unpacked` into `target` as one transaction and returns what was installed and
/// replaced.
///
/// Files go to `purelib` or `platlib` per `Root-Is-Purelib` in the WHEEL file; each
/// `<name>-<version>.data/<key>/` tree goes to the scheme directory `key` (`purelib`,
/// `platlib`, `scripts`, `data`, `headers`). Files are placed with `options.link_mode`;
/// `.data/scripts/` files are copied instead (mode 0755) with a `#!python` first line
/// rewritten to `target.python`. `console_scripts` and `gui_scripts` entry points become
/// launcher scripts in `scripts` (mode 0755; they win over a `.data/scripts/` file of the
/// same name). In a relocatable target, `.pth` files and setuptools' editable finders that
/// name places inside the environment by absolute path are written relative instead
/// ([`crate::relative_site_file`]). The `.dist-info` gets `INSTALLER`, `REQUESTED` if requested,
/// `direct_url.json` if given, and a rewritten RECORD listing every installed file relative
/// to the site-packages directory (`../../../bin/tool`), with hash and size; hashes of
/// unchanged files are taken from the verified wheel RECORD rather than recomputed. With
/// `options.compile_bytecode`, every placed `.py` file is then byte-compiled by
/// `target.python` and the bytecode files are added to RECORD (without hash, as pip does).
///
/// Existing files are overwritten, like pip. If a distribution with the same name is already
/// installed in `purelib`/`platlib`, it is replaced: its files that the new wheel does not
/// provide are removed (only inside the environment's prefix), and its `.dist-info`. A
/// legacy setuptools `.egg-info` directory is replaced the same way, its files read as
/// [`crate::uninstall`] reads them (`installed-files.txt`, else `top_level.txt`); a
/// distutils `.egg-info` file is left alone.
///
/// Crash safety (journaled, see [`crate::recover`]): the new `.dist-info` is assembled first
/// under `.den-tmp-<pid>-*`; then new files are placed, each replaced file being saved in
/// `.den-stash-<pid>-*` first and overwritten by an atomic rename, so an old file never
/// vanishes; renaming the new `.dist-info` into place is the commit point (a same-named old
/// `.dist-info` is moved to the stash just before); the old version's remaining files and
/// `.dist-info` (or `.egg-info`) are deleted after it. On an error everything is undone in process; after a
/// kill, [`crate::recover`] undoes (before the commit) or finishes (after it), so the
/// environment holds either the whole old or the whole new distribution.
///
/// Errors: an invalid WHEEL/METADATA/RECORD/entry_points.txt or an unknown `.data` key
/// ([`InstallError::InvalidWheel`] and friends), or any I/O failure while placing files
/// (after rollback).
pub fn install_wheel(
    unpacked: &UnpackedWheel,
    target: &InstallTarget,
    options: &InstallOptions,
) -> Result<Installed, InstallError> {
    install_wheel_with_kill_switch(unpacked, target, options, None)
}

/// [`install_wheel`] with a test hook: with `kill_after: Some(n)` the install stops after
/// `n` steps (each journal write, file-system change and the commit count) exactly as a
/// killed process would, without any cleanup, and returns an [`InstallError::Io`] of kind
/// `Interrupted`; used to test [`crate::recover`]. Not for normal use.
#[doc(hidden)]
pub fn install_wheel_with_kill_switch(
    unpacked: &UnpackedWheel,
    target: &InstallTarget,
    options: &InstallOptions,
    kill_after: Option<usize>,
) -> Result<Installed, InstallError> {
    let wheel = WheelInfo::read(unpacked, target.python_version)?;
    let scheme = &target.scheme;
    let site_packages = if wheel.root_is_purelib {
        &scheme.purelib
    } else {
        &scheme.platlib
    };
    let plan = Plan::new(unpacked, &wheel, scheme, site_packages)?;

    // Everything to place, with its RECORD row, decided before touching the environment.
    let mut record = Vec::new();
    // Files written with new contents, and their modes.
    let mut written: Vec<(PathBuf, Vec<u8>, u32)> = Vec::new();
    let mut links: Vec<(PathBuf, PathBuf)> = Vec::new();
    for planned in &plan.files {
        let src = unpacked.root.join(&planned.member);
        let path = relative_to(&planned.dst, site_packages);
        match planned.action {
            Action::Link => {
                if let Some(content) = target.relative_site_file(&planned.dst, &src)? {
                    record.push(hashed_entry(path, &content));
                    written.push((planned.dst.clone(), content, 0o644));
                    continue;
                }
                record.push(carried_entry(&wheel.record, &planned.member, &src, path)?);
                links.push((src, planned.dst.clone()));
            }
            Action::Script => {
                let content = fs::read(&src).at("read", &src)?;
                let content =
                    rewrite_python_shebang(&content, &target.shebang()).unwrap_or(content);
                record.push(hashed_entry(path, &content));
                written.push((planned.dst.clone(), content, 0o755));
            }
        }
    }
    for entry_point in &wheel.scripts {
        let dst = scheme.scripts.join(&entry_point.name);
        let content = entry_point.launcher(&target.shebang()).into_bytes();
        record.push(hashed_entry(relative_to(&dst, site_packages), &content));
        written.push((dst, content, 0o755));
    }
    let dist_info = &unpacked.dist_info;
    let mut generated = vec![("INSTALLER", format!("{}\n", options.installer))];
    if options.requested {
        generated.push(("REQUESTED", String::new()));
    }
    if let Some(direct_url) = &options.direct_url {
        generated.push(("direct_url.json", direct_url.to_json()));
    }
    for (member, _) in &plan.dist_info_files {
        let src = unpacked.root.join(member);
        record.push(carried_entry(&wheel.record, member, &src, member.clone())?);
    }
    for (name, content) in &generated {
        record.push(hashed_entry(
            format!("{dist_info}/{name}"),
            content.as_bytes(),
        ));
    }
    record.push(RecordEntry {
        path: format!("{dist_info}/RECORD"),
        hash: None,
        size: None,
    });
    record.sort_by(|a, b| a.path.cmp(&b.path));
    let old = installed_of_same_name(unpacked, scheme)?;

    if !site_packages.is_dir() {
        fs::create_dir_all(site_packages).at("create directory", site_packages)?;
    }
    let final_path = site_packages.join(dist_info);
    let mut tx = Transaction::begin(site_packages, &final_path, kill_after)?;
    // 1. The new .dist-info, complete, under a name no scanner lists.
    let staging = tx.staging().to_path_buf();
    let mut linker = Linker::default();
    for (member, inner) in &plan.dist_info_files {
        let dst = staging.join(inner);
        if inner.contains('/')
            && let Some(parent) = dst.parent()
        {
            fs::create_dir_all(parent).at("create directory", parent)?;
        }
        linker
            .link(&unpacked.root.join(member), &dst, options.link_mode)
            .at("install", &dst)?;
    }
    for (name, content) in &generated {
        let dst = staging.join(name);
        if matches!(*name, "INSTALLER" | "REQUESTED") && options.link_mode != LinkMode::Copy {
            write_shared(unpacked, &dst, content.as_bytes())?;
        } else {
            fs::write(&dst, content).at("write", &dst)?;
        }
    }
    // 2. The files, each old one saved before being overwritten.
    for (src, dst) in &links {
        tx.place(dst, Content::Link(src, options.link_mode))?;
    }
    for (dst, content, mode) in &written {
        tx.place(dst, Content::Bytes(content, *mode))?;
    }
    if options.compile_bytecode {
        let mut sources: Vec<PathBuf> = links
            .iter()
            .map(|(_, dst)| dst)
            .chain(written.iter().map(|(dst, _, _)| dst))
            .filter(|dst| dst.extension().is_some_and(|e| e == "py"))
            .cloned()
            .collect();
        sources.sort();
        sources.dedup();
        tx.will_compile(&sources)?;
        for compiled in bytecode::compile(&target.python, &sources)? {
            record.push(RecordEntry {
                path: relative_to(&compiled, site_packages),
                hash: None,
                size: None,
            });
        }
        record.sort_by(|a, b| a.path.cmp(&b.path));
    }
    let record_path = staging.join("RECORD");
    fs::write(&record_path, write_record(&record)).at("write", &record_path)?;
    // 3. What the commit makes obsolete.
    let mut skipped = Vec::new();
    if let Some((old, old_files, outside)) = &old {
        // Compared with symlinked directories resolved, so that a file just placed is never
        // deleted as "old" under another spelling of its path.
        let mut resolver = ParentResolver::default();
        let placed: HashSet<PathBuf> = links
            .iter()
            .map(|(_, dst)| dst)
            .chain(written.iter().map(|(dst, _, _)| dst))
            .map(|dst| resolver.resolve(&normalize(dst)))
            .collect();
        for file in old_files {
            if !placed.contains(&resolver.resolve(file))
                && !fs::symlink_metadata(file).is_ok_and(|m| m.is_dir())
            {
                tx.remove_after_commit(file)?;
            }
        }
        if old.path != final_path {
            tx.remove_after_commit(&old.path)?;
        }
        skipped.clone_from(outside);
    }
    if fs::symlink_metadata(&final_path).is_ok() {
        tx.stash(&final_path)?;
    }
    // 4. Commit.
    tx.commit()?;

    Ok(Installed {
        dist: InstalledDist {
            name: wheel.metadata.name,
            version: wheel.metadata.version,
            path: final_path,
            kind: DistKind::DistInfo,
        },
        replaced: old.map(|(old, _, _)| old),
        skipped,
    })
}

impl InstallTarget {
    /// In a relocatable target, the contents [`crate::relative_site_file`] gives the file
    /// `src` of the wheel placed at `dst` directly in a site-packages directory (a `.pth`
    /// file or an editable finder naming places inside the environment by absolute path);
    /// `None` for every other file, and in other targets.
    fn relative_site_file(&self, dst: &Path, src: &Path) -> Result<Option<Vec<u8>>, InstallError> {
        // Every linked file of every install comes here: the common case is one test.
        if !self.relocatable {
            return Ok(None);
        }
        let Some(name) = dst.file_name().and_then(|n| n.to_str()) else {
            return Ok(None);
        };
        let site = dst.parent().unwrap_or(dst);
        let in_site = site == self.scheme.purelib || site == self.scheme.platlib;
        if !in_site || !(crate::is_path_file(name) || crate::is_editable_finder(name)) {
            return Ok(None);
        }
        let content = fs::read(src).at("read", src)?;
        Ok(crate::relative_site_file(
            &self.scheme.data,
            site,
            name,
            &content,
        ))
    }
}

/// What install needs from the unpacked wheel's `.dist-info`.
struct WheelInfo {
    /// `Root-Is-Purelib` from WHEEL.
    root_is_purelib: bool,
    /// METADATA.
    metadata: CoreMetadata,
    /// The wheel's RECORD (verified at unpack time), by member path.
    record: HashMap<String, RecordEntry>,
    /// Launchers to generate, with pip's versioned names applied.
    scripts: Vec<ScriptEntryPoint>,
}

impl WheelInfo {
    fn read(unpacked: &UnpackedWheel, python_version: (u8, u8)) -> Result<Self, InstallError> {
        let dir = unpacked.dist_info_path();
        let root_is_purelib = root_is_purelib(&dir.join("WHEEL"), &unpacked.filename.to_string())?;
        let metadata = read_metadata(&dir.join("METADATA"))?;
        let record_path = dir.join("RECORD");
        let text = fs::read_to_string(&record_path).at("read", &record_path)?;
        let record = parse_record(&text, &record_path)?
            .into_iter()
            .map(|entry| (entry.path.clone(), entry))
            .collect();
        let entry_points = dir.join("entry_points.txt");
        let mut scripts = match fs::read_to_string(&entry_points) {
            Ok(text) => parse_script_entry_points(&text, &entry_points)?,
            Err(_) if !entry_points.exists() => Vec::new(),
            Err(e) => return Err(IoError::new("read", &entry_points, e).into()),
        };
        apply_versioned_names(&mut scripts, python_version);
        Ok(Self {
            root_is_purelib,
            metadata,
            record,
            scripts,
        })
    }
}

/// Where every file of the unpacked wheel goes.
struct Plan {
    /// Root files, then `.data` files, in member order.
    files: Vec<Planned>,
    /// `(member, path inside the .dist-info)` for the wheel's own dist-info files, minus
    /// those the installer writes itself (RECORD, INSTALLER, REQUESTED, direct_url.json).
    dist_info_files: Vec<(String, String)>,
}

impl Plan {
    fn new(
        unpacked: &UnpackedWheel,
        wheel: &WheelInfo,
        scheme: &InstallScheme,
        site_packages: &Path,
    ) -> Result<Self, InstallError> {
        let invalid = |reason: String| InstallError::InvalidWheel {
            wheel: unpacked.filename.to_string(),
            reason,
        };
        let launchers: HashSet<PathBuf> = wheel
            .scripts
            .iter()
            .map(|ep| scheme.scripts.join(&ep.name))
            .collect();
        let stem = unpacked
            .dist_info
            .strip_suffix(".dist-info")
            .unwrap_or(&unpacked.dist_info);
        let data_prefix = format!("{stem}.data/");
        let dist_info_prefix = format!("{}/", unpacked.dist_info);
        let (mut root_files, mut data_files, mut dist_info_files) =
            (Vec::new(), Vec::new(), Vec::new());
        for member in unpacked_members(unpacked, &wheel.record) {
            if let Some(rest) = member.strip_prefix(&data_prefix) {
                let (key, path) = rest.split_once('/').ok_or_else(|| {
                    invalid(format!(
                        "`{member}` is directly in the .data directory; files there must be \
                         inside a scheme directory"
                    ))
                })?;
                let (base, action) = match key {
                    "purelib" => (scheme.purelib.clone(), Action::Link),
                    "platlib" => (scheme.platlib.clone(), Action::Link),
                    "data" => (scheme.data.clone(), Action::Link),
                    "headers" => (
                        scheme.headers.join(&wheel.metadata.display_name),
                        Action::Link,
                    ),
                    "scripts" => (scheme.scripts.clone(), Action::Script),
                    other => {
                        return Err(invalid(format!(
                            "`{member}` uses unknown scheme `{other}` (expected purelib, \
                             platlib, scripts, data or headers)"
                        )));
                    }
                };
                let dst = base.join(path);
                if matches!(action, Action::Script) && launchers.contains(&dst) {
                    continue;
                }
                data_files.push(Planned {
                    member,
                    dst,
                    action,
                });
            } else if let Some(inner) = member.strip_prefix(&dist_info_prefix) {
                if !["RECORD", "INSTALLER", "REQUESTED", "direct_url.json"].contains(&inner) {
                    dist_info_files.push((member.clone(), inner.to_string()));
                }
            } else {
                let dst = site_packages.join(&member);
                root_files.push(Planned {
                    member,
                    dst,
                    action: Action::Link,
                });
            }
        }
        root_files.append(&mut data_files);
        Ok(Self {
            files: root_files,
            dist_info_files,
        })
    }
}

/// An installed distribution being replaced: it, its files inside the environment's prefix,
/// and those outside.
type OldInstall = (InstalledDist, Vec<PathBuf>, Vec<PathBuf>);

/// The installed distribution with the wheel's name, if any (a `.dist-info`, or a
/// setuptools `.egg-info` directory read as [`crate::uninstall`] reads it), with its files
/// inside the environment's prefix and those outside (left alone). A distutils `.egg-info`
/// file lists no files: it is left in place (with a warning).
fn installed_of_same_name(
    unpacked: &UnpackedWheel,
    scheme: &InstallScheme,
) -> Result<Option<OldInstall>, InstallError> {
    let Some(old) = find_installed(&scheme.site_packages(), &unpacked.filename.name)? else {
        return Ok(None);
    };
    if old.kind == DistKind::EggInfoFile {
        tracing::warn!(
            "{} is a distutils install that lists no files; installing over it without \
             removing it",
            old.path.display()
        );
        return Ok(None);
    }
    tracing::debug!(
        "replacing {} {} at {}",
        old.name,
        old.version,
        old.path.display()
    );
    let (inside, outside) = recorded_files(&old)?;
    Ok(Some((old, inside, outside)))
}

/// The RECORD row for an unchanged wheel member installed at `path` (relative): hash and
/// size carried over from the verified wheel RECORD; computed from `src` only when the
/// wheel RECORD lacks them.
fn carried_entry(
    wheel_record: &HashMap<String, RecordEntry>,
    member: &str,
    src: &Path,
    path: String,
) -> Result<RecordEntry, InstallError> {
    match wheel_record.get(member) {
        Some(RecordEntry {
            hash: Some(hash),
            size: Some(size),
            ..
        }) => Ok(RecordEntry {
            path,
            hash: Some(hash.clone()),
            size: Some(*size),
        }),
        _ => Ok(hashed_entry(path, &fs::read(src).at("read", src)?)),
    }
}

/// Places `content` at `dst` as a hardlink to a shared copy beside the unpacked wheels
/// (`<archive bucket>/.den-shared/<sha256 of content>`, written atomically the first time and
/// rewritten if it no longer holds `content`), for the small files that are the same in every
/// install (`INSTALLER`, `REQUESTED`): on common file systems creating a file costs far more
/// than linking one. Falls back to writing the file when linking is not possible.
fn write_shared(unpacked: &UnpackedWheel, dst: &Path, content: &[u8]) -> Result<(), InstallError> {
    let write = || Ok(fs::write(dst, content).at("write", dst)?);
    let Some(bucket) = unpacked.root.parent() else {
        return write();
    };
    let mut hasher = Hasher::new(HashAlgorithm::Sha256);
    hasher.update(content);
    let shared = bucket.join(".den-shared").join(hasher.finalize().hex);
    let current = fs::read(&shared).is_ok_and(|bytes| bytes == content);
    if (current || den_cache::write_atomic(&shared, content).is_ok())
        && fs::hard_link(&shared, dst).is_ok()
    {
        return Ok(());
    }
    write()
}

/// The RECORD row for freshly written `content` installed at `path` (relative).
fn hashed_entry(path: String, content: &[u8]) -> RecordEntry {
    RecordEntry {
        path,
        hash: Some(record_hash(content)),
        size: Some(content.len() as u64),
    }
}

/// Every file of the unpacked tree as a `/`-separated path relative to its root, each
/// directory's files together (in name order, directories in name order): the members
/// `record` (the wheel's RECORD) lists, RECORD itself, and the signatures beside it when
/// there. That is the whole tree without walking it: den unpacks a wheel only when its
/// members and RECORD agree (PEP 427 §The .dist-info directory; [`crate::unpack_wheel`]),
/// and checks a reused tree against RECORD before it is installed.
fn unpacked_members(
    unpacked: &UnpackedWheel,
    record: &HashMap<String, RecordEntry>,
) -> Vec<String> {
    let record_member = format!("{}/RECORD", unpacked.dist_info);
    let mut members: Vec<String> = record
        .keys()
        .filter(|member| !member.starts_with(&record_member))
        .cloned()
        .collect();
    members.push(record_member.clone());
    for signature in [".jws", ".p7s"] {
        let member = format!("{record_member}{signature}");
        if unpacked.root.join(&member).is_file() {
            members.push(member);
        }
    }
    fn directory_and_name(member: &str) -> (&str, &str) {
        member.split_at(member.rfind('/').map_or(0, |slash| slash + 1))
    }
    members.sort_unstable_by(|a, b| directory_and_name(a).cmp(&directory_and_name(b)));
    members
}

/// Reads `Wheel-Version` and `Root-Is-Purelib` from a WHEEL file (PEP 427 §The .dist-info
/// directory). Wheel-Version 1.x is accepted (a newer minor version only logs a warning, as
/// the spec asks); other major versions are refused.
fn root_is_purelib(path: &Path, wheel: &str) -> Result<bool, InstallError> {
    let text = fs::read_to_string(path).at("read", path)?;
    let invalid = |reason: String| InstallError::InvalidWheel {
        wheel: wheel.to_string(),
        reason,
    };
    let field = |key: &str| {
        text.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(key)
                .then(|| v.trim().to_string())
        })
    };
    let version =
        field("Wheel-Version").ok_or_else(|| invalid("WHEEL has no Wheel-Version".to_string()))?;
    let (major, minor) = version.split_once('.').unwrap_or((&version, "0"));
    if major != "1" {
        return Err(invalid(format!(
            "Wheel-Version {version} is not supported (den reads 1.x); use a newer den"
        )));
    }
    if minor.parse::<u32>().is_ok_and(|minor| minor > 0) {
        tracing::warn!("{wheel} has Wheel-Version {version}, newer than 1.0; installing anyway");
    }
    Ok(field("Root-Is-Purelib").is_some_and(|v| v.eq_ignore_ascii_case("true")))
}
