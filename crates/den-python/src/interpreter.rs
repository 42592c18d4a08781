//! Facts about one interpreter, read by running it once, cached by path and mtime.
//!
//! [`Interpreter::query`] runs `python -E -s -c <query_interpreter.py>`, which prints one JSON
//! object (it runs on Python 2.7 and every 3.x, so old interpreters are identified and can be
//! rejected clearly by [`crate::check_supported`]). The answer is stored in the cache bucket
//! [`CacheBucket::Interpreter`] under the executable's absolute path, stamped with the resolved
//! executable's path, mtime and size, the mtime of a venv's `pyvenv.cfg` and a hash of the query
//! script; a matching stamp answers without starting a process. A virtual environment linked to
//! a CPython base takes the base's facts with its own paths ([`derived_venv_facts`]), so a new
//! environment starts no process either once its base is cached.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::time::UNIX_EPOCH;

use den_cache::{Cache, CacheBucket, safe_key, write_atomic};
use den_dist::{
    Implementation, Libc, MarkerEnvironment, MarkerEnvironmentBuilder, Platform, Tags, Version,
};
use serde::{Deserialize, Serialize};

use crate::discovery::InterpreterSource;

/// The script run inside each interpreter; prints the facts as JSON.
const QUERY_SCRIPT: &str = include_str!("query_interpreter.py");
/// [`fnv1a`] of [`QUERY_SCRIPT`], stamped on cache entries so a changed script re-queries.
const QUERY_SCRIPT_HASH: u64 = fnv1a(QUERY_SCRIPT.as_bytes());

/// The sysconfig install scheme paths of an interpreter (`sysconfig.get_paths()`), absolute.
///
/// Inside a virtual environment these are the environment's own paths (the `venv` scheme, or
/// `posix_prefix` / `nt` before Python 3.11), never the base interpreter's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SysconfigPaths {
    /// Pure-Python packages (`site-packages`).
    pub purelib: PathBuf,
    /// Platform-specific packages (usually the same as purelib).
    pub platlib: PathBuf,
    /// Console scripts (`bin`).
    pub scripts: PathBuf,
    /// The data scheme root (the prefix).
    pub data: PathBuf,
    /// C headers of the interpreter (`<base prefix>/include/pythonX.Y`; sysconfig points a venv
    /// at its base interpreter's headers).
    pub include: PathBuf,
    /// The standard library.
    pub stdlib: PathBuf,
}

/// Everything den needs to know about an interpreter.
#[derive(Debug, Clone)]
pub struct Interpreter {
    /// The executable as discovered, absolute (may be a symlink, e.g. `.venv/bin/python`).
    pub executable: PathBuf,
    /// `sys.executable` as the interpreter reports it.
    pub sys_executable: PathBuf,
    /// The base interpreter of a venv (`sys._base_executable`, or before Python 3.11 the
    /// matching `pythonX.Y` in `sys.base_prefix`), else `sys.executable`.
    pub base_executable: PathBuf,
    /// CPython (with free-threading flag) or another implementation.
    pub implementation: Implementation,
    /// `platform.python_implementation()`: `CPython`, `PyPy`.
    pub implementation_display: String,
    /// `sys.version_info` as a PEP 440 version (`3.12.1`, `3.13.0rc1`).
    pub version: Version,
    /// `(major, minor)`.
    pub major_minor: (u8, u8),
    /// `sys.prefix`.
    pub prefix: PathBuf,
    /// `sys.base_prefix`.
    pub base_prefix: PathBuf,
    /// `sys.base_exec_prefix`.
    pub base_exec_prefix: PathBuf,
    /// Scheme paths for this interpreter's prefix.
    pub paths: SysconfigPaths,
    /// The global site-packages directories on its `sys.path` (`site.getsitepackages()`,
    /// absolute, possibly missing on disk): a virtual environment's own, plus its base's when
    /// pyvenv.cfg includes system site-packages; for Debian's system Python
    /// `/usr/local/lib/python3.X/dist-packages` and `/usr/lib/python3/dist-packages`. Empty when
    /// the interpreter's `site` cannot tell.
    pub site_dirs: Vec<PathBuf>,
    /// PEP 508 marker values.
    pub markers: MarkerEnvironment,
    /// Wheel platform.
    pub platform: Platform,
    /// PEP 425 tags, most preferred first.
    pub tags: Tags,
    /// Pointer size in bits (32 or 64).
    pub pointer_size: u8,
    /// Free-threaded build (PEP 703).
    pub gil_disabled: bool,
    /// How discovery found this interpreter (for messages such as "from .python-version");
    /// [`InterpreterSource::Explicit`] when queried directly.
    pub source: InterpreterSource,
}

/// An interpreter that could not be queried.
#[derive(Debug, thiserror::Error)]
#[error("could not query Python interpreter {}: {reason}", path.display())]
pub struct InterpreterError {
    /// The executable.
    pub path: PathBuf,
    /// What went wrong.
    pub reason: String,
}

/// The JSON object `query_interpreter.py` prints; cached verbatim.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RawFacts {
    executable: PathBuf,
    base_executable: PathBuf,
    implementation_name: String,
    implementation_display: String,
    version: String,
    major: u8,
    minor: u8,
    prefix: PathBuf,
    base_prefix: PathBuf,
    base_exec_prefix: PathBuf,
    paths: SysconfigPaths,
    #[serde(default)]
    site_dirs: Vec<PathBuf>,
    abi_tag: String,
    platform: RawPlatform,
    pointer_size: u8,
    gil_disabled: bool,
    markers: RawMarkers,
    /// For a CPython on POSIX outside a virtual environment: what a venv made from it would
    /// report ([`derived_venv_facts`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    venv: Option<VenvTemplate>,
}

/// What `query_interpreter.py` computes, in a base interpreter, for a virtual environment made
/// from it, with the environment's prefix written as [`VENV_PREFIX`]: its sysconfig paths and
/// its site-packages directories without and with system site-packages (the functions the
/// environment's own query would call, run with `sys.prefix` set as `site` sets it there).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct VenvTemplate {
    paths: SysconfigPaths,
    site_dirs: Vec<PathBuf>,
    system_site_dirs: Vec<PathBuf>,
}

/// The stand-in for a virtual environment's prefix in [`VenvTemplate`] (the script's
/// `VENV_PREFIX`).
const VENV_PREFIX: &str = "/__den_venv_prefix__";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "os", rename_all = "lowercase")]
enum RawPlatform {
    Linux {
        arch: String,
        libc: Option<RawLibc>,
    },
    Macos {
        arch: String,
        major: u16,
        minor: u16,
    },
    Other {
        tag: String,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum RawLibc {
    Glibc { major: u16, minor: u16 },
    Musl { major: u16, minor: u16 },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RawMarkers {
    implementation_name: String,
    implementation_version: String,
    os_name: String,
    platform_machine: String,
    platform_python_implementation: String,
    platform_release: String,
    platform_system: String,
    platform_version: String,
    python_full_version: String,
    python_version: String,
    sys_platform: String,
}

/// What a cache entry is valid for: any change means the interpreter must be queried again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    /// Hash of the query script, so a new den re-queries after the script changed.
    script: u64,
    /// The executable with symlinks resolved.
    target: PathBuf,
    /// Modification time of the resolved executable, `(seconds, nanoseconds)` since the epoch.
    mtime: (u64, u32),
    /// Size of the resolved executable in bytes.
    size: u64,
    /// Modification time of the venv's `pyvenv.cfg`, when the executable belongs to a venv.
    pyvenv_cfg: Option<(u64, u32)>,
}

#[derive(Debug, Serialize, Deserialize)]
struct CacheEntry {
    stamp: Stamp,
    facts: RawFacts,
}

impl Interpreter {
    /// Runs `executable` once (or reads the cache, or takes a linked virtual environment's
    /// facts from its base interpreter's: see `derived_venv_facts`) and returns its facts.
    ///
    /// `executable` may be relative (to the process's current directory) and may be a symlink;
    /// it is not resolved, so a venv's `bin/python` reports the venv's prefix and paths. The
    /// result's [`source`](Self::source) is [`InterpreterSource::Explicit`].
    ///
    /// Errors: the executable is missing or cannot be run, exits with an error (e.g. it is not
    /// a Python interpreter), or prints something other than the expected JSON. A cache that
    /// cannot be read or written is not an error (the entry is recomputed / not stored).
    pub fn query(executable: &Path, cache: &Cache) -> Result<Self, InterpreterError> {
        let executable = std::path::absolute(executable).map_err(|err| InterpreterError {
            path: executable.to_path_buf(),
            reason: format!("cannot make the path absolute: {err}"),
        })?;
        let facts = raw_facts(&executable, cache)?;
        Self::from_facts(executable, facts)
    }

    fn from_facts(executable: PathBuf, facts: RawFacts) -> Result<Self, InterpreterError> {
        let invalid = |what: &str, detail: String| InterpreterError {
            path: executable.clone(),
            reason: format!("it reported an invalid {what}: {detail}"),
        };
        let version = Version::from_str(&facts.version)
            .map_err(|err| invalid("version", format!("`{}` ({err})", facts.version)))?;
        let implementation = match facts.implementation_name.as_str() {
            "cpython" => Implementation::CPython {
                gil_disabled: facts.gil_disabled,
            },
            // PEP 425 §Python Tag abbreviations.
            "pypy" => Implementation::Other("pp".to_string()),
            "ironpython" => Implementation::Other("ip".to_string()),
            "jython" => Implementation::Other("jy".to_string()),
            other => Implementation::Other(other.to_string()),
        };
        let platform = match facts.platform {
            RawPlatform::Linux { arch, libc } => Platform::Linux {
                arch,
                libc: match libc {
                    Some(RawLibc::Glibc { major, minor }) => Libc::Glibc(major, minor),
                    Some(RawLibc::Musl { major, minor }) => Libc::Musl(major, minor),
                    None => Libc::Unknown,
                },
            },
            RawPlatform::Macos { arch, major, minor } => Platform::Macos { major, minor, arch },
            RawPlatform::Other { tag } => Platform::Other(tag),
        };
        let m = &facts.markers;
        let markers = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: &m.implementation_name,
            implementation_version: &m.implementation_version,
            os_name: &m.os_name,
            platform_machine: &m.platform_machine,
            platform_python_implementation: &m.platform_python_implementation,
            platform_release: &m.platform_release,
            platform_system: &m.platform_system,
            platform_version: &m.platform_version,
            python_full_version: &m.python_full_version,
            python_version: &m.python_version,
            sys_platform: &m.sys_platform,
        })
        .map_err(|err| invalid("marker environment", err.to_string()))?;
        let major_minor = (facts.major, facts.minor);
        let tags = Tags::from_interpreter(&implementation, major_minor, &facts.abi_tag, &platform);
        Ok(Self {
            executable,
            sys_executable: facts.executable,
            base_executable: facts.base_executable,
            implementation,
            implementation_display: facts.implementation_display,
            version,
            major_minor,
            prefix: facts.prefix,
            base_prefix: facts.base_prefix,
            base_exec_prefix: facts.base_exec_prefix,
            paths: facts.paths,
            site_dirs: facts.site_dirs,
            markers,
            platform,
            tags,
            pointer_size: facts.pointer_size,
            gil_disabled: facts.gil_disabled,
            source: InterpreterSource::Explicit,
        })
    }

    /// Whether this interpreter runs inside a virtual environment (`sys.prefix != sys.base_prefix`).
    pub fn is_virtualenv(&self) -> bool {
        self.prefix != self.base_prefix
    }

    /// The directory packages are installed into (`paths.purelib`, the `site-packages`).
    pub fn site_packages(&self) -> &Path {
        &self.paths.purelib
    }

    /// Whether this is CPython (of any build).
    pub fn is_cpython(&self) -> bool {
        matches!(self.implementation, Implementation::CPython { .. })
    }

    /// The PEP 508 `implementation_name` marker: `cpython`, `pypy`, `graalpy`...
    pub fn implementation_name(&self) -> &str {
        self.markers.implementation_name()
    }
}

/// `CPython 3.12.1 at /usr/bin/python3`, with ` (free-threaded)` after the version when it is.
impl fmt::Display for Interpreter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.implementation_display, self.version)?;
        if self.gil_disabled {
            f.write_str(" (free-threaded)")?;
        }
        write!(f, " at {}", self.executable.display())
    }
}

impl Stamp {
    fn of(executable: &Path) -> Result<Self, InterpreterError> {
        let unusable = |err: std::io::Error| InterpreterError {
            path: executable.to_path_buf(),
            reason: if err.kind() == std::io::ErrorKind::NotFound {
                "no such file (check the path, or that a symlink's target still exists)".to_string()
            } else {
                err.to_string()
            },
        };
        let target = fs::canonicalize(executable).map_err(unusable)?;
        let metadata = fs::metadata(&target).map_err(unusable)?;
        if !metadata.is_file() {
            return Err(InterpreterError {
                path: executable.to_path_buf(),
                reason: "it is not a file (pass the interpreter executable or a venv directory)"
                    .to_string(),
            });
        }
        let pyvenv_cfg = pyvenv_cfg_of(executable)
            .and_then(|cfg| fs::metadata(cfg).ok())
            .and_then(|m| mtime(&m));
        Ok(Self {
            script: QUERY_SCRIPT_HASH,
            mtime: mtime(&metadata).unwrap_or_default(),
            size: metadata.len(),
            target,
            pyvenv_cfg,
        })
    }
}

/// The facts of `executable` (absolute): from the cache when its stamp matches, else derived
/// from its base interpreter's ([`derived_venv_facts`]) or read by running it, then cached.
fn raw_facts(executable: &Path, cache: &Cache) -> Result<RawFacts, InterpreterError> {
    let stamp = Stamp::of(executable)?;
    let entry_path = cache
        .bucket(CacheBucket::Interpreter)
        .map(|dir| dir.join(format!("{}.json", safe_key(&executable.to_string_lossy()))));
    let cached = entry_path.as_ref().ok().and_then(|path| {
        let entry: CacheEntry = serde_json::from_slice(&fs::read(path).ok()?).ok()?;
        (entry.stamp == stamp).then_some(entry.facts)
    });
    if let Some(facts) = cached {
        return Ok(facts);
    }
    let facts = match derived_venv_facts(executable, &stamp.target, cache) {
        Some(facts) => facts,
        None => run_query(executable)?,
    };
    match &entry_path {
        Ok(path) => store(path, stamp, &facts),
        Err(err) => tracing::debug!("not caching interpreter facts: {err}"),
    }
    Ok(facts)
}

/// The facts of `executable`, the `bin/` interpreter of a virtual environment (PEP 405), as
/// running it would report them, without running it: the facts of the base interpreter it
/// links to (`target`, its symlinks resolved; read from the cache, or by running it once)
/// with the environment's prefix, scheme paths and site-packages directories put in from
/// the base's [`VenvTemplate`], as CPython's `site` and `getpath` compute them.
///
/// `None`, and the environment must be run, unless: `executable` is `PREFIX/bin/NAME` in
/// plain form (absolute, no `.` or `..`, as `sys.executable` reports it) beside
/// `PREFIX/pyvenv.cfg`; it resolves outside PREFIX (a link, not a copy) to an interpreter in
/// no environment, in the directory pyvenv.cfg's `home` names; and the base's facts have a
/// template (CPython 3 on POSIX). A new environment so costs no Python start (~15 ms).
fn derived_venv_facts(executable: &Path, target: &Path, cache: &Cache) -> Option<RawFacts> {
    use std::path::Component;
    let plain = executable
        .components()
        .all(|c| matches!(c, Component::RootDir | Component::Normal(_)));
    let bin = executable.parent()?;
    let prefix = bin.parent()?;
    let cfg = prefix.join("pyvenv.cfg");
    let resolved_prefix = fs::canonicalize(prefix).ok()?;
    if !plain
        || bin.file_name()? != "bin"
        || target.starts_with(&resolved_prefix)
        || pyvenv_cfg_of(target).is_some()
    {
        return None;
    }
    let text = fs::read_to_string(&cfg).ok()?;
    // Read as `site.venv()` reads it: `key = value` lines, keys case-insensitive; system
    // site-packages are included unless the file says otherwise.
    let mut home = None;
    let mut system_site = true;
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "home" => home = Some(value.trim()),
            "include-system-site-packages" => {
                system_site = value.trim().eq_ignore_ascii_case("true")
            }
            _ => {}
        }
    }
    let home = fs::canonicalize(home?).ok()?;
    if Some(home.as_path()) != target.parent() {
        return None;
    }
    let base = raw_facts(target, cache).ok()?;
    let template = base.venv.clone()?;
    let place = |path: PathBuf| match path.strip_prefix(VENV_PREFIX) {
        Ok(rest) if rest.as_os_str().is_empty() => prefix.to_path_buf(),
        Ok(rest) => prefix.join(rest),
        Err(_) => path,
    };
    let paths = template.paths;
    let site_dirs = if system_site {
        template.system_site_dirs
    } else {
        template.site_dirs
    };
    // `sys._base_executable`: since 3.11 `getpath` takes the linked executable's real path;
    // before, the query script looks in the base prefix's bin for these names.
    let base_executable = if (base.major, base.minor) >= (3, 11) {
        target.to_path_buf()
    } else {
        let names = [
            executable.file_name()?.to_string_lossy().into_owned(),
            format!("python{}.{}", base.major, base.minor),
            format!("python{}", base.major),
        ];
        let base_bin = base.prefix.join("bin");
        names
            .iter()
            .map(|name| base_bin.join(name))
            .find(|candidate| candidate.is_file())
            .unwrap_or_else(|| executable.to_path_buf())
    };
    tracing::debug!(
        "facts of {} taken from its base interpreter {} and {}",
        executable.display(),
        target.display(),
        cfg.display()
    );
    Some(RawFacts {
        executable: executable.to_path_buf(),
        base_executable,
        prefix: prefix.to_path_buf(),
        paths: SysconfigPaths {
            purelib: place(paths.purelib),
            platlib: place(paths.platlib),
            scripts: place(paths.scripts),
            data: place(paths.data),
            include: place(paths.include),
            stdlib: place(paths.stdlib),
        },
        site_dirs: site_dirs.into_iter().map(place).collect(),
        venv: None,
        ..base
    })
}

/// The `pyvenv.cfg` that makes `executable` part of a virtual environment, looked up like
/// CPython's `site` module does: next to the executable or one directory up (PEP 405).
pub(crate) fn pyvenv_cfg_of(executable: &Path) -> Option<PathBuf> {
    let bin = executable.parent()?;
    [Some(bin), bin.parent()]
        .into_iter()
        .flatten()
        .map(|dir| dir.join("pyvenv.cfg"))
        .find(|cfg| cfg.is_file())
}

fn mtime(metadata: &fs::Metadata) -> Option<(u64, u32)> {
    let since = metadata.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some((since.as_secs(), since.subsec_nanos()))
}

/// FNV-1a, stable across runs and platforms (unlike std's hasher); `const` so the query
/// script's hash is computed once, at compile time ([`QUERY_SCRIPT_HASH`]).
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    let mut i = 0;
    while i < bytes.len() {
        hash = (hash ^ bytes[i] as u64).wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

fn store(path: &Path, stamp: Stamp, facts: &RawFacts) {
    let entry = CacheEntry {
        stamp,
        facts: facts.clone(),
    };
    let written = serde_json::to_vec(&entry)
        .map_err(|err| err.to_string())
        .and_then(|bytes| write_atomic(path, &bytes).map_err(|err| err.to_string()));
    if let Err(err) = written {
        tracing::debug!("could not cache interpreter facts: {err}");
    }
}

/// Runs the query script in `executable` (`-E`: ignore `PYTHON*` variables; `-s`: no user
/// site-packages; `site` itself must run, since it applies a venv's `pyvenv.cfg`).
fn run_query(executable: &Path) -> Result<RawFacts, InterpreterError> {
    let failed = |reason: String| InterpreterError {
        path: executable.to_path_buf(),
        reason,
    };
    tracing::debug!("querying interpreter {}", executable.display());
    let run = || {
        Command::new(executable)
            .args(["-E", "-s", "-c", QUERY_SCRIPT])
            .stdin(Stdio::null())
            .output()
    };
    // A file that was just written may still be open for writing in a child forked by another
    // thread ("text file busy"); that clears within milliseconds.
    let mut output = run();
    for delay in [5, 20, 100] {
        match &output {
            Err(err) if err.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(delay));
                output = run();
            }
            _ => break,
        }
    }
    let output = output.map_err(|err| failed(format!("could not run it: {err}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.trim().lines().rev().take(3).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(failed(format!(
            "it exited with {} (is it a Python interpreter?){}{}",
            output.status,
            if tail.is_empty() { "" } else { ": " },
            tail.join(" | ")
        )));
    }
    serde_json::from_slice(&output.stdout).map_err(|err| {
        let shown: String = String::from_utf8_lossy(&output.stdout)
            .chars()
            .take(200)
            .collect();
        failed(format!(
            "its output is not the expected JSON ({err}); it printed: {shown}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake;

    fn cache() -> Cache {
        Cache::temporary().unwrap()
    }

    /// A real interpreter, or `None` (reported, a failure under `DEN_TEST_REQUIRE_ALL=1`) when
    /// this machine lacks it.
    fn real(path: &str) -> Option<PathBuf> {
        let path = match path.strip_prefix("~/") {
            Some(rest) => dirs::home_dir().unwrap_or_default().join(rest),
            None => PathBuf::from(path),
        };
        let tool = path.display().to_string();
        den_test_support::require(
            Some(path).filter(|path| path.is_file()),
            &tool,
            "the facts den-python reads from this interpreter",
        )
    }

    #[test]
    fn queries_pyenv_cpython_312() {
        let Some(python) = real("~/.pyenv/versions/3.12.1/bin/python3") else {
            return;
        };
        let interpreter = Interpreter::query(&python, &cache()).unwrap();
        assert_eq!(interpreter.version.to_string(), "3.12.1");
        assert_eq!(interpreter.major_minor, (3, 12));
        assert_eq!(interpreter.implementation_display, "CPython");
        assert!(interpreter.is_cpython() && !interpreter.gil_disabled);
        assert!(!interpreter.is_virtualenv());
        assert_eq!(interpreter.executable, python);
        let prefix = python.parent().unwrap().parent().unwrap();
        assert_eq!(interpreter.prefix, prefix);
        assert_eq!(
            interpreter.site_packages(),
            prefix.join("lib/python3.12/site-packages")
        );
        assert_eq!(interpreter.markers.python_version().to_string(), "3.12");
        assert_eq!(interpreter.markers.implementation_name(), "cpython");
        assert_eq!(interpreter.pointer_size, 64);
        let first = interpreter.tags.iter().next().unwrap();
        assert!(first.starts_with("cp312-cp312-"), "{first}");
        assert_eq!(interpreter.source, InterpreterSource::Explicit);
        assert!(interpreter.to_string().starts_with("CPython 3.12.1 at /"));
    }

    #[test]
    fn queries_system_python() {
        let Some(python) = real("/usr/bin/python3") else {
            return;
        };
        let interpreter = Interpreter::query(&python, &cache()).unwrap();
        assert_eq!(interpreter.major_minor.0, 3);
        assert_eq!(interpreter.prefix, Path::new("/usr"));
        assert!(crate::check_supported(&interpreter).is_ok());
    }

    #[test]
    fn identifies_python_27_and_rejects_it() {
        let Some(python) = real("~/.pyenv/versions/2.7.18/bin/python") else {
            return;
        };
        let interpreter = Interpreter::query(&python, &cache()).unwrap();
        assert_eq!(interpreter.version.to_string(), "2.7.18");
        let err = crate::check_supported(&interpreter)
            .unwrap_err()
            .to_string();
        assert!(err.contains("CPython 2.7.18 at"), "{err}");
        assert!(err.contains("not supported"), "{err}");
    }

    #[test]
    fn queries_a_venv_as_the_venv() {
        let Some(base) = real("~/.pyenv/versions/3.12.1/bin/python3") else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let venv = dir.path().join("venv");
        let status = Command::new(&base)
            .args(["-m", "venv", "--without-pip"])
            .arg(&venv)
            .status()
            .unwrap();
        assert!(status.success());
        let cache = cache();
        let interpreter = Interpreter::query(&venv.join("bin/python"), &cache).unwrap();
        assert!(interpreter.is_virtualenv());
        assert_eq!(interpreter.prefix, venv);
        assert_eq!(
            interpreter.site_packages(),
            venv.join("lib/python3.12/site-packages")
        );
        assert_eq!(interpreter.paths.scripts, venv.join("bin"));
        assert_eq!(
            interpreter.base_prefix,
            base.parent().unwrap().parent().unwrap()
        );
        assert!(
            interpreter
                .base_executable
                .starts_with(&interpreter.base_prefix)
        );
        // The venv's python is a symlink to the base interpreter: both are cached apart.
        let base_facts = Interpreter::query(&base, &cache).unwrap();
        assert!(!base_facts.is_virtualenv());
    }

    /// A virtual environment of `base` at `dir/venv` (`-m venv --without-pip` and `args`).
    fn make_venv(base: &Path, dir: &Path, args: &[&str]) -> PathBuf {
        let venv = dir.join("venv");
        let status = Command::new(base)
            .args(["-m", "venv", "--without-pip"])
            .args(args)
            .arg(&venv)
            .status()
            .unwrap();
        assert!(status.success(), "{}", base.display());
        venv
    }

    #[test]
    fn a_venv_s_facts_taken_from_its_base_are_those_it_reports() {
        for base in [
            "~/.pyenv/versions/3.7.16/bin/python3",
            "~/.pyenv/versions/3.11.7/bin/python3",
            "~/.pyenv/versions/3.12.1/bin/python3",
            "~/.pyenv/versions/3.13.0/bin/python3",
            "/usr/bin/python3",
        ] {
            let Some(base) = real(base) else {
                continue;
            };
            for args in [&[][..], &["--system-site-packages"]] {
                let dir = tempfile::tempdir().unwrap();
                let python = make_venv(&base, dir.path(), args).join("bin/python");
                let cache = cache();
                let target = fs::canonicalize(&python).unwrap();
                let derived = derived_venv_facts(&python, &target, &cache)
                    .unwrap_or_else(|| panic!("{} {args:?}: not derived", base.display()));
                let reported = run_query(&python).unwrap();
                assert_eq!(
                    serde_json::to_value(&derived).unwrap(),
                    serde_json::to_value(&reported).unwrap(),
                    "{} {args:?}",
                    base.display()
                );
                // What Interpreter::query answers is the derived facts, cached.
                let interpreter = Interpreter::query(&python, &cache).unwrap();
                assert_eq!(interpreter.prefix, reported.prefix);
                assert_eq!(interpreter.paths, reported.paths);
            }
        }
    }

    #[test]
    fn a_venv_is_run_when_its_facts_cannot_be_taken_from_its_base() {
        let Some(base) = real("~/.pyenv/versions/3.12.1/bin/python3") else {
            return;
        };
        let cache = cache();
        // Copies, not links: the executable is the environment's own.
        let dir = tempfile::tempdir().unwrap();
        let python = make_venv(&base, dir.path(), &["--copies"]).join("bin/python");
        let target = fs::canonicalize(&python).unwrap();
        assert!(derived_venv_facts(&python, &target, &cache).is_none());
        // pyvenv.cfg's home names another directory than the one the link leads to.
        let dir = tempfile::tempdir().unwrap();
        let venv = make_venv(&base, dir.path(), &[]);
        let python = venv.join("bin/python");
        let target = fs::canonicalize(&python).unwrap();
        assert!(derived_venv_facts(&python, &target, &cache).is_some());
        let cfg = venv.join("pyvenv.cfg");
        let text = fs::read_to_string(&cfg).unwrap();
        fs::write(&cfg, text.replace("home = ", "home = /usr")).unwrap();
        assert!(derived_venv_facts(&python, &target, &cache).is_none());
        // A path with `..` in it is not what the interpreter reports as sys.executable.
        let dotted = venv.join("bin/../bin/python");
        assert!(derived_venv_facts(&dotted, &target, &cache).is_none());
    }

    #[test]
    fn cache_hit_starts_no_process() {
        let dir = tempfile::tempdir().unwrap();
        let python = dir.path().join("prefix/bin/python3");
        fake::fake_python(&python, "3.12.4");
        let cache = cache();
        let first = Interpreter::query(&python, &cache).unwrap();
        let second = Interpreter::query(&python, &cache).unwrap();
        assert_eq!(fake::runs(&python), 1);
        assert_eq!(first.version, second.version);
        assert_eq!(second.version.to_string(), "3.12.4");
        assert_eq!(second.tags.len(), first.tags.len());

        // A changed executable (size and mtime) is queried again.
        fake::fake_python(&python, "3.12.10");
        let third = Interpreter::query(&python, &cache).unwrap();
        assert_eq!(third.version.to_string(), "3.12.10");
        assert_eq!(fake::runs(&python), 2);
    }

    #[test]
    fn pyvenv_cfg_change_invalidates() {
        let dir = tempfile::tempdir().unwrap();
        let python = dir.path().join("env/bin/python");
        fake::fake_python(&python, "3.11.7");
        let cfg = dir.path().join("env/pyvenv.cfg");
        fs::write(&cfg, "home = /a\n").unwrap();
        let cache = cache();
        Interpreter::query(&python, &cache).unwrap();
        Interpreter::query(&python, &cache).unwrap();
        assert_eq!(fake::runs(&python), 1);
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
        fs::File::options()
            .write(true)
            .open(&cfg)
            .unwrap()
            .set_modified(later)
            .unwrap();
        Interpreter::query(&python, &cache).unwrap();
        assert_eq!(fake::runs(&python), 2);
    }

    #[test]
    fn corrupt_cache_entry_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let python = dir.path().join("prefix/bin/python3");
        fake::fake_python(&python, "3.10.2");
        let cache = cache();
        Interpreter::query(&python, &cache).unwrap();
        let bucket = cache.bucket(CacheBucket::Interpreter).unwrap();
        for entry in fs::read_dir(&bucket).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "json") {
                fs::write(&path, b"{not json").unwrap();
            }
        }
        let again = Interpreter::query(&python, &cache).unwrap();
        assert_eq!(again.version.to_string(), "3.10.2");
        assert_eq!(fake::runs(&python), 2);
        Interpreter::query(&python, &cache).unwrap();
        assert_eq!(fake::runs(&python), 2, "the rewritten entry is used");
    }

    #[test]
    fn reports_broken_interpreters() {
        let dir = tempfile::tempdir().unwrap();
        let cache = cache();
        let failing = dir.path().join("failing");
        fake::write_script(&failing, "echo 'boom: no such module' >&2\nexit 3\n");
        let err = Interpreter::query(&failing, &cache).unwrap_err();
        assert_eq!(err.path, failing);
        assert!(err.reason.contains("exit status: 3"), "{err}");
        assert!(err.reason.contains("boom: no such module"), "{err}");

        let chatty = dir.path().join("chatty");
        fake::write_script(&chatty, "echo hello\n");
        let err = Interpreter::query(&chatty, &cache).unwrap_err();
        assert!(err.reason.contains("not the expected JSON"), "{err}");
        assert!(err.reason.contains("hello"), "{err}");

        let missing = dir.path().join("missing/python3");
        let err = Interpreter::query(&missing, &cache).unwrap_err();
        assert!(err.to_string().contains("no such file"), "{err}");
        assert!(err.to_string().contains("missing/python3"), "{err}");
    }

    #[test]
    fn maps_pypy_facts() {
        let dir = tempfile::tempdir().unwrap();
        let pypy = dir.path().join("pypy/bin/pypy3");
        fake::fake_interpreter(&pypy, "pypy", "3.10.14");
        let interpreter = Interpreter::query(&pypy, &cache()).unwrap();
        assert_eq!(
            interpreter.implementation,
            Implementation::Other("pp".into())
        );
        let first = interpreter.tags.iter().next().unwrap();
        assert_eq!(first, "pp310-pypy310_pp73-manylinux_2_36_x86_64");
        assert!(crate::check_supported(&interpreter).is_ok());
        assert!(!interpreter.is_cpython());
    }
}
