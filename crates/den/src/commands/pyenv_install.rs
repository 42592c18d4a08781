//! `den pyenv install` and `den pyenv uninstall` (also `pyenv install` with den as pyenv):
//! pyenv 2.x's arguments and messages over den-python-install's CPython builds from
//! python-build-standalone, installed into pyenv's own `versions/` so pyenv sees them too.
//!
//! - `install [-l|--list] [-s|--skip-existing] [-f|--force] [VERSION|ARCHIVE...]`: `-l`
//!   lists the versions the download index knows for this platform (`Available versions:`
//!   then one indented name a line); a prefix (`3.12`) installs the newest known release, as
//!   pyenv's `latest -k` picks it; a path to a local `.tar.gz` archive installs it offline
//!   (checked against the index's SHA-256 when the index knows its file name). Without a
//!   version, the local `.python-version`'s. An unknown version: `pyenv: definition not
//!   found: X` with the nearest known names, status 2 (python-build's). An existing one:
//!   `pyenv: PREFIX already exists`, status 1, unless `-s` (skipped) or `-f` (replaced).
//!   After installing, the minor alias (`versions/3.12 -> 3.12.8`) and the shims are
//!   brought up to date.
//! - `uninstall [-f|--force] VERSION...`: asks `pyenv: remove PREFIX? (y/N)` on stdin
//!   (the question shown on a terminal only, as bash's `read -p` shows it), without `-f`,
//!   and refuses when environments den can see use the version (`pyvenv.cfg` `home` inside
//!   it: `$WORKON_HOME/*`, `versions/*/envs/*`, `./.venv`), naming them (status 1); then
//!   deletes the pyenv-virtualenv environments it holds or names, with their
//!   `versions/NAME` links, as that plugin's uninstall hook does; then the minor alias and
//!   the shims.
//!
//! Progress bars appear on a terminal only; pyenv's status lines (`Downloading ...`,
//! `Installed Python-X to PREFIX`) go to stderr always, as python-build's do.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use den_index::{IndexClient, IndexConfig, redact};
use den_python::Pyenv;
use den_python_install::{
    Download, DownloadIndex, InstallError, MIRROR_VARIABLE, Platform, install_archive, load_index,
    mirror_url,
};

use crate::printer::{write_stderr, write_stdout};

/// pyenv's usage line of `install`.
pub const INSTALL_USAGE: &str = "pyenv install [-f|-s] [-v] <version>...\n       pyenv install [-f|-s] <archive.tar.gz>...\n       pyenv install -l|--list";

/// pyenv's usage line of `uninstall`.
pub const UNINSTALL_USAGE: &str = "pyenv uninstall [-f|--force] <version> ...";

/// What runs a rehash of pyenv's shims (the caller's `pyenv rehash`).
pub type Rehash<'a> = &'a dyn Fn() -> Result<(), String>;

/// What runs pyenv-virtualenv's `virtualenv-delete [-f] DEFINITION` (the definition, and
/// whether forced), returning its status.
pub type DeleteEnvironment<'a> = &'a dyn Fn(&str, bool) -> u8;

fn complain(message: &str) {
    write_stderr(format_args!("pyenv: {message}\n"));
}

/// The download index and the client, made once per command.
struct Downloads {
    runtime: tokio::runtime::Runtime,
    client: IndexClient,
    index: DownloadIndex,
    platform: Platform,
}

impl Downloads {
    /// Opens den's cache and HTTP client and loads the index; on error, the message.
    fn open() -> Result<Self, String> {
        let runtime = crate::ops::pipeline::runtime().map_err(|err| format!("{err:#}"))?;
        let cache = den_cache::Cache::from_env().map_err(|err| err.to_string())?;
        let config = IndexConfig::from_env(None, &[]).map_err(|err| err.to_string())?;
        let client = IndexClient::new(config, cache).map_err(|err| err.to_string())?;
        let index = runtime
            .block_on(load_index(&client))
            .map_err(|err| err.to_string())?;
        Ok(Self {
            runtime,
            client,
            index,
            platform: Platform::current(),
        })
    }
}

/// The version names den's download index knows for this platform (`pyenv latest -k`'s
/// candidates), or `None` when the index cannot be read.
pub fn known_versions() -> Option<Vec<String>> {
    let index = match std::env::var_os(den_python_install::DOWNLOADS_JSON_VARIABLE) {
        Some(_) => Downloads::open().ok()?.index,
        None => DownloadIndex::bundled().ok()?,
    };
    Some(index.version_names(&Platform::current()))
}

/// The variable that turns installing a missing Python on demand off: `never` (uv's
/// `UV_PYTHON_DOWNLOADS` spelling; `manual` means the same here).
pub const DOWNLOADS_VARIABLE: &str = "DEN_PYTHON_DOWNLOADS";

/// Whether commands may install a Python they need ([`DOWNLOADS_VARIABLE`] is not `never`
/// or `manual`).
pub fn downloads_allowed() -> bool {
    !matches!(
        std::env::var(DOWNLOADS_VARIABLE).ok().as_deref(),
        Some("never" | "manual")
    )
}

/// Installs the newest known CPython matching `request` (`3.13`, `3.12.1`, `python3.13`)
/// into pyenv's `versions/`, for a command that needs it and found none, saying so in one
/// line; then the minor alias and (when pyenv is in use) the shims. `Ok(None)` when
/// `request` is not a plain version or installing on demand is off.
///
/// Errors: the index cannot be read, no build matches (the message names the nearest), or
/// the download or install failed (nothing is left half-installed).
pub fn install_on_demand(request: &str) -> Result<Option<PathBuf>, String> {
    let version = request.strip_prefix("python").unwrap_or(request);
    let plain = !version.is_empty()
        && version.split('.').count() <= 3
        && version
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    if !plain || !downloads_allowed() {
        return Ok(None);
    }
    let downloads = Downloads::open()?;
    let known = downloads.index.version_names(&downloads.platform);
    let name = den_python::latest_of(version, &known)
        .ok_or_else(|| format!("no Python {version} build is known for this platform"))?;
    let download = downloads
        .index
        .find(&downloads.platform, &name)
        .ok_or_else(|| format!("no Python {version} build is known for this platform"))?;
    let pyenv = Pyenv::from_env();
    let versions_dir = pyenv.versions_dir();
    write_stderr(format_args!(
        "Python {version} is not installed: installing {name} into {} ({DOWNLOADS_VARIABLE}=never turns this off)\n",
        versions_dir.display()
    ));
    let archive = fetch(&downloads, download)?;
    let prefix = unpack(
        &archive,
        download.sha256.as_deref(),
        &versions_dir,
        Some(&name),
        false,
    )
    .map_err(|_| format!("Python {name} could not be installed"))?;
    super::pyenv::rehash_if_in_use()?;
    Ok(Some(prefix))
}

/// Parsed `install` flags.
#[derive(Default)]
struct InstallFlags {
    list: bool,
    force: bool,
    skip_existing: bool,
}

/// `pyenv install ARGS...`; returns the exit status.
pub fn install(pyenv: &Pyenv, cwd: &Path, args: &[&str], rehash: Rehash<'_>) -> u8 {
    let mut flags = InstallFlags::default();
    let mut versions: Vec<String> = Vec::new();
    for arg in args {
        match *arg {
            "-l" | "--list" => flags.list = true,
            "-f" | "--force" => flags.force = true,
            "-s" | "--skip-existing" => flags.skip_existing = true,
            // pyenv's build options: nothing to keep or show for an unpacked build.
            "-k" | "--keep" | "-v" | "--verbose" | "-p" | "--patch" => {}
            "-h" | "--help" => {
                write_stdout(format_args!("Usage: {INSTALL_USAGE}\n"));
                return 0;
            }
            flag if flag.starts_with('-') && flag.len() > 1 => {
                write_stderr(format_args!("Usage: {INSTALL_USAGE}\n"));
                return 1;
            }
            version => versions.push(version.to_string()),
        }
    }
    let downloads = match Downloads::open() {
        Ok(downloads) => downloads,
        Err(message) => {
            complain(&message);
            return 1;
        }
    };
    if flags.list {
        let names = downloads.index.version_names(&downloads.platform);
        let text: String = names.iter().map(|name| format!("  {name}\n")).collect();
        write_stdout(format_args!("Available versions:\n{text}"));
        return 0;
    }
    if versions.is_empty() {
        // pyenv installs the local version when none is named.
        versions = den_python::find_version_file(cwd)
            .and_then(|file| pyenv.read_version_file(&file).ok())
            .map(|contents| contents.names())
            .unwrap_or_default();
        if versions.is_empty() {
            write_stderr(format_args!("Usage: {INSTALL_USAGE}\n"));
            return 1;
        }
    }
    // pyenv's: a refused existing version is counted and the next one tried; any other
    // failure stops.
    let mut status = 0;
    let mut installed_any = false;
    for version in &versions {
        match install_one(pyenv, &downloads, version, &flags) {
            Ok(Some(_)) => installed_any = true,
            Ok(None) => {}
            Err(Failed { status: code, stop }) => {
                status = status.max(code);
                if stop {
                    break;
                }
            }
        }
    }
    if installed_any && let Err(message) = rehash() {
        complain(&message);
    }
    status
}

/// A version that was not installed (the reason already said): the status, and whether the
/// remaining versions are given up (all but an existing version the user kept).
struct Failed {
    status: u8,
    stop: bool,
}

impl From<u8> for Failed {
    fn from(status: u8) -> Self {
        Self { status, stop: true }
    }
}

/// What to do about a version directory that exists: `Ok(true)` skip it (`-s`), `Ok(false)`
/// replace it (`-f`, or the user said yes), `Err` leave it (pyenv's `already exists`). pyenv
/// counts a version as existing when its `bin` does.
fn existing(prefix: &Path, flags: &InstallFlags) -> Result<bool, Failed> {
    if !prefix.join("bin").is_dir() || flags.force {
        return Ok(false);
    }
    if flags.skip_existing {
        return Ok(true);
    }
    if confirm_existing(prefix) {
        Ok(false)
    } else {
        Err(Failed {
            status: 1,
            stop: false,
        })
    }
}

/// Installs one version or archive; `Ok(None)` when skipped.
fn install_one(
    pyenv: &Pyenv,
    downloads: &Downloads,
    request: &str,
    flags: &InstallFlags,
) -> Result<Option<PathBuf>, Failed> {
    let versions_dir = pyenv.versions_dir();
    let local = Path::new(request);
    if (request.contains('/') || request.ends_with(".tar.gz")) && local.is_file() {
        return install_local(downloads, &versions_dir, local, flags);
    }
    let request = request.strip_prefix("python-").unwrap_or(request);
    let known = downloads.index.version_names(&downloads.platform);
    let Some(name) = den_python::latest_of(request, &known) else {
        not_found(request, &known);
        return Err(2.into());
    };
    let Some(download) = downloads.index.find(&downloads.platform, &name) else {
        not_found(request, &known);
        return Err(2.into());
    };
    if existing(&versions_dir.join(&name), flags)? {
        return Ok(None);
    }
    let archive = fetch(downloads, download).map_err(|message| {
        complain(&message);
        Failed::from(1)
    })?;
    Ok(Some(unpack(
        &archive,
        download.sha256.as_deref(),
        &versions_dir,
        Some(&name),
        true,
    )?))
}

/// pyenv's `PREFIX already exists` and, on a terminal, its question; whether to go on.
fn confirm_existing(prefix: &Path) -> bool {
    complain(&format!("{} already exists", prefix.display()));
    if !std::io::stdin().is_terminal() {
        return false;
    }
    read_yes("continue with installation? (y/N) ")
}

/// Asks `question` (on stderr, when stdin is a terminal, as bash's `read -p` asks) and
/// reads one line from stdin: whether it is pyenv's yes (`y`, `Y`, `yes`, `YES`).
fn read_yes(question: &str) -> bool {
    matches!(
        super::pyenv_virtualenv::ask(question).as_str(),
        "y" | "Y" | "yes" | "YES"
    )
}

/// python-build's `definition not found` and pyenv-install's advice, with the known names
/// nearest to `request`.
fn not_found(request: &str, known: &[String]) {
    complain(&format!("definition not found: {request}"));
    let containing = known.iter().any(|name| name.contains(request));
    let nearest = nearest(request, known);
    let mut text = String::new();
    if !nearest.is_empty() {
        let heading = match containing {
            true => format!("The following versions contain `{request}' in the name:"),
            false => "The nearest known versions are:".to_string(),
        };
        let list: String = nearest.iter().map(|name| format!("  {name}\n")).collect();
        text.push_str(&format!("\n{heading}\n{list}"));
    }
    text.push_str(&format!(
        "\nSee all available versions with `pyenv install --list'.\n\n\
         If the version you need is missing, point {} at a newer download index\n\
         (uv's download-metadata.json format).\n",
        den_python_install::DOWNLOADS_JSON_VARIABLE
    ));
    write_stderr(format_args!("{text}"));
}

/// Up to five known names nearest to `request`: those containing it, else those sharing
/// the most leading dotted parts with it (`3.12.99` -> the 3.12 releases); the newest last
/// (pyenv's listing order), final releases before pre-releases when there are any.
fn nearest(request: &str, known: &[String]) -> Vec<String> {
    let containing: Vec<&String> = known.iter().filter(|n| n.contains(request)).collect();
    let picked: Vec<&String> = if !containing.is_empty() {
        containing
    } else {
        let shared = |name: &str| {
            name.split('.')
                .zip(request.split('.'))
                .take_while(|(a, b)| a == b)
                .count()
        };
        let best = known.iter().map(|n| shared(n)).max().unwrap_or(0);
        if best == 0 {
            return Vec::new();
        }
        let all: Vec<&String> = known.iter().filter(|n| shared(n) == best).collect();
        let finals: Vec<&String> = all
            .iter()
            .copied()
            .filter(|n| {
                n.split('.')
                    .all(|part| part.bytes().all(|b| b.is_ascii_digit()))
            })
            .collect();
        if finals.is_empty() { all } else { finals }
    };
    let skip = picked.len().saturating_sub(5);
    picked.into_iter().skip(skip).cloned().collect()
}

/// Downloads `download`'s archive (through the mirror, if set) into den's cache, or finds it
/// in place for a `file://` URL; returns its path. The SHA-256 is checked again before
/// unpacking.
fn fetch(downloads: &Downloads, download: &Download) -> Result<PathBuf, String> {
    let mirror = std::env::var(MIRROR_VARIABLE)
        .ok()
        .filter(|v| !v.is_empty());
    let raw = mirror_url(&download.url, mirror.as_deref());
    let url = url::Url::parse(&raw).map_err(|err| {
        format!(
            "the download URL {raw} is not valid ({err}); check {MIRROR_VARIABLE} and the index"
        )
    })?;
    write_stderr(format_args!(
        "Downloading {}...\n-> {}\n",
        download.filename(),
        redact(&url)
    ));
    let hashes: Vec<den_dist::HashDigest> = match (url.scheme(), &download.sha256) {
        // A local file is checked once, before unpacking.
        ("file", _) | (_, None) => Vec::new(),
        (_, Some(hex)) => den_dist::HashDigest::new("sha256", hex)
            .into_iter()
            .collect(),
    };
    let spinner = spinner(&format!("downloading {}", download.filename()));
    let result = downloads
        .runtime
        .block_on(downloads.client.download_url(&url, &hashes));
    spinner.finish_and_clear();
    let advice = format!(
        "set {MIRROR_VARIABLE} to a mirror of python-build-standalone's releases (file:// \
         works), or install a local archive: pyenv install PATH.tar.gz"
    );
    result.map_err(|err| match err {
        den_index::IndexError::Offline { .. } => err.to_string(),
        den_index::IndexError::Network { url, reason } => {
            format!("could not reach {url}: {reason}\n{advice}")
        }
        den_index::IndexError::Http { .. } => format!("{err}\n{advice}"),
        _ => err.to_string(),
    })
}

/// Installs a local archive; the index's SHA-256 for its file name, when it has one, is
/// checked.
fn install_local(
    downloads: &Downloads,
    versions_dir: &Path,
    archive: &Path,
    flags: &InstallFlags,
) -> Result<Option<PathBuf>, Failed> {
    let filename = archive
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sha256 = downloads
        .index
        .by_filename(&filename)
        .and_then(|d| d.sha256.clone());
    // A version directory without `bin` (a broken one) is replaced; the name is known
    // before unpacking only from the file name.
    let mut replace = flags.force;
    if let Some(name) = den_python_install::archive_version(archive) {
        if existing(&versions_dir.join(&name), flags)? {
            return Ok(None);
        }
        replace = true;
    }
    Ok(Some(unpack(
        archive,
        sha256.as_deref(),
        versions_dir,
        None,
        replace,
    )?))
}

/// Unpacks and installs `archive`, with pyenv's status lines and a progress bar on a
/// terminal; then the minor alias.
fn unpack(
    archive: &Path,
    sha256: Option<&str>,
    versions_dir: &Path,
    name: Option<&str>,
    replace: bool,
) -> Result<PathBuf, Failed> {
    let shown = name
        .map(str::to_string)
        .or_else(|| den_python_install::archive_version(archive))
        .unwrap_or_else(|| archive.display().to_string());
    write_stderr(format_args!("Installing Python-{shown}...\n"));
    let size = std::fs::metadata(archive).map(|m| m.len()).unwrap_or(0);
    let bar = bytes_bar(size, &format!("Python-{shown}"));
    let result = install_archive(archive, sha256, versions_dir, name, replace, &|read| {
        bar.set_position(read)
    });
    bar.finish_and_clear();
    let prefix = match result {
        Ok(prefix) => prefix,
        Err(InstallError::Exists { prefix }) => {
            complain(&format!("{} already exists", prefix.display()));
            return Err(Failed {
                status: 1,
                stop: false,
            });
        }
        Err(err) => {
            complain(&err.to_string());
            return Err(1.into());
        }
    };
    let version = prefix
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Err(err) = den_python_install::update_minor_alias(versions_dir, &version) {
        complain(&format!(
            "cannot update the minor alias of {version}: {err}"
        ));
    }
    write_stderr(format_args!(
        "Installed Python-{version} to {}\n\n",
        prefix.display()
    ));
    Ok(prefix)
}

/// A spinner on a terminal; hidden otherwise.
fn spinner(message: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(message.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    bar
}

/// A byte-count bar of `len` on a terminal; hidden otherwise.
fn bytes_bar(len: u64, message: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {bytes}/{total_bytes}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message.to_string());
    bar
}

/// `pyenv uninstall ARGS...`; returns the exit status.
pub fn uninstall(
    pyenv: &Pyenv,
    cwd: &Path,
    args: &[&str],
    rehash: Rehash<'_>,
    delete_environment: DeleteEnvironment<'_>,
) -> u8 {
    let mut force = false;
    let mut versions = Vec::new();
    for arg in args {
        match *arg {
            "-f" | "--force" => force = true,
            "-h" | "--help" => {
                write_stdout(format_args!("Usage: {UNINSTALL_USAGE}\n"));
                return 0;
            }
            flag if flag.starts_with('-') && flag.len() > 1 => {
                write_stderr(format_args!("Usage: {UNINSTALL_USAGE}\n"));
                return 1;
            }
            version => versions.push(version.to_string()),
        }
    }
    if versions.is_empty() {
        write_stderr(format_args!("Usage: {UNINSTALL_USAGE}\n"));
        return 1;
    }
    let versions_dir = pyenv.versions_dir();
    let mut removed_any = false;
    let mut status = 0;
    for version in &versions {
        // pyenv's: the last path component names the version.
        let name = version.rsplit('/').next().unwrap_or(version);
        let prefix = versions_dir.join(name);
        if matches!(name, "" | "." | "..") {
            if !force {
                complain(&format!("version `{name}' not installed"));
                return 1;
            }
            continue;
        }
        if !force && !prefix.is_dir() {
            complain(&format!("version `{name}' not installed"));
            return 1;
        }
        let is_link = prefix.is_symlink();
        if !force && !is_link {
            let users = den_python_install::environments_using(&prefix, &environments(pyenv, cwd));
            if !users.is_empty() {
                let list: String = users
                    .iter()
                    .map(|env| format!("  {}\n", env.display()))
                    .collect();
                complain(&format!(
                    "cannot uninstall {name}: these environments use it:\n{list}\
                     Remove them first (or rebuild them on another Python), or uninstall with -f."
                ));
                status = 1;
                continue;
            }
        }
        if !force && !read_yes(&format!("pyenv: remove {}? (y/N) ", prefix.display())) {
            return 1;
        }
        // pyenv-virtualenv's hook; a deletion that fails or is declined ends the command.
        let failed = related_environments(pyenv, version, &prefix)
            .iter()
            .map(|environment| delete_environment(environment, force))
            .find(|deleted| *deleted != 0);
        if let Some(deleted) = failed {
            status = deleted;
            break;
        }
        if !prefix.is_dir() {
            continue;
        }
        if let Err(err) = den_python_install::uninstall(&prefix) {
            complain(&err.to_string());
            status = 1;
            continue;
        }
        removed_any = true;
        if !is_link && let Err(err) = den_python_install::update_minor_alias(&versions_dir, name) {
            complain(&format!("cannot update the minor alias of {name}: {err}"));
        }
        write_stdout(format_args!("pyenv: {name} uninstalled\n"));
    }
    if removed_any && let Err(message) = rehash() {
        complain(&message);
    }
    status
}

/// The pyenv-virtualenv environments uninstalling `definition` (as given; its prefix
/// `prefix`) deletes, by that plugin's uninstall hook: the definition itself when it is a
/// long name (`3.12.1/envs/tools`); the environment a link `prefix` points at (`tools ->
/// .../versions/3.12.1/envs/tools`); else each entry of `prefix/envs`, by its long name.
fn related_environments(pyenv: &Pyenv, definition: &str, prefix: &Path) -> Vec<String> {
    if definition.contains("/envs/") {
        return vec![definition.to_string()];
    }
    if let Ok(target) = std::fs::read_link(prefix) {
        let target = target.to_string_lossy();
        let inside = format!("{}/", pyenv.versions_dir().display());
        let real = target.strip_prefix(&inside).unwrap_or(&target);
        return match real.contains("/envs/") {
            true => vec![real.to_string()],
            false => Vec::new(),
        };
    }
    super::pyenv::visible_names(&prefix.join("envs"))
        .into_iter()
        .map(|name| format!("{definition}/envs/{name}"))
        .collect()
}

/// The environments den can see: every directory of `$WORKON_HOME`, pyenv-virtualenv's
/// `versions/*/envs/*`, and `./.venv`.
fn environments(pyenv: &Pyenv, cwd: &Path) -> Vec<PathBuf> {
    let homes = den_workon::Homes::from_vars(|key| std::env::var_os(key), cwd);
    let children = |dir: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .collect()
    };
    let mut found = children(&homes.workon_home);
    for version in children(&pyenv.versions_dir()) {
        found.extend(children(&version.join("envs")));
    }
    found.push(cwd.join(".venv"));
    found.retain(|dir| dir.join("pyvenv.cfg").is_file());
    found
}
