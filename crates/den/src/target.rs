//! Finding the environment a `den pip` command acts on: the CLI's `--python` and `--system`
//! ([`TargetArgs`]) mapped onto den-venv's [`PythonEnvironment`] model.

use std::path::{Path, PathBuf};

use anyhow::Context;
use den_cache::Cache;
pub use den_venv::{Access, PythonEnvironment as Target};
use den_venv::{EnvironmentRequest, PythonEnvironment};

use crate::cli::{
    GlobalArgs, HashArgs, PipCacheArgs, PipCommand, PipConfigArgs, PipIndexCommand, TargetArgs,
};

/// Set once by `den pip` for the commands pip's `--require-virtualenv` covers.
static REQUIRE_VIRTUALENV: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Makes [`find`] refuse an environment that is not a virtual environment, as pip's
/// `--require-virtualenv` / `PIP_REQUIRE_VIRTUALENV` does.
pub fn require_virtualenv() {
    let _ = REQUIRE_VIRTUALENV.set(true);
}

/// pip's refusal under `--require-virtualenv` (its status 3).
#[derive(Debug)]
pub struct VirtualenvRequired;

impl std::fmt::Display for VirtualenvRequired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Could not find an activated virtualenv (required).")
    }
}

impl std::error::Error for VirtualenvRequired {}

/// Finds the target environment for a pip command: `--python` (an environment directory, the
/// name of an environment in WORKON_HOME, or an interpreter request), else with `--system`
/// alone the first `python3` (or `python`) on PATH, else `$VIRTUAL_ENV`, else `.venv` in
/// the current directory or a parent ([`PythonEnvironment::find`]), else, for a change with
/// `--break-system-packages`, the first `python3` on PATH as with `--system` (pip changes the
/// interpreter it runs under).
///
/// For reading, a change a killed den left half-done is repaired first (or a live one waited
/// for: [`PythonEnvironment::settle`]).
///
/// Errors: the current directory cannot be read, nothing found (says where den looked), the
/// interpreter cannot be queried, or `access` is [`Access::Change`] and it is not a virtual
/// environment and `--system` was not given, or it is externally managed (PEP 668) and
/// `--break-system-packages` was not given (pip's message).
pub fn find(args: &TargetArgs, cache: &Cache, access: Access) -> anyhow::Result<Target> {
    let target = locate(args, cache, access)?;
    if REQUIRE_VIRTUALENV.get() == Some(&true) && !target.interpreter.is_virtualenv() {
        return Err(VirtualenvRequired.into());
    }
    if access == Access::Read {
        target.settle();
    }
    if access == Access::Change {
        refuse_externally_managed(&target, args)?;
    }
    Ok(target)
}

/// The environment [`find`] gives, without its checks (`--require-virtualenv`, PEP 668) and
/// without settling it.
///
/// Errors: as [`find`]'s, but for those checks.
fn locate(args: &TargetArgs, cache: &Cache, access: Access) -> anyhow::Result<Target> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let virtual_env = std::env::var_os("VIRTUAL_ENV")
        .filter(|value| !value.is_empty())
        .map(PathBuf::from);
    // pip changes the interpreter it runs under: with --break-system-packages and no virtual
    // environment to be found, that is the first python3 on PATH, as with --system.
    let system = args.system
        || (access == Access::Change
            && args.break_system_packages
            && args.python.is_none()
            && default_environment(&cwd).is_none());
    let python = match args.python.as_deref() {
        Some(python) => Some(named_environment(python, &cwd).unwrap_or_else(|| python.into())),
        None if system => Some(first_on_path().context(
            "--system: there is no python3 or python on PATH; pass --python <interpreter>",
        )?),
        None => None,
    };
    let request = EnvironmentRequest {
        python: python.as_deref(),
        system,
        access,
        cwd: &cwd,
        virtual_env: virtual_env.as_deref(),
    };
    Ok(PythonEnvironment::find(&request, cache)?)
}

/// The environment den acts on when no option names one, as [`find`] looks for it:
/// `$VIRTUAL_ENV` (an empty value counts as unset), else the `.venv` in `cwd` or a parent
/// ([`den_venv::find_dot_venv`]). `None` when there is neither.
pub fn default_environment(cwd: &Path) -> Option<PathBuf> {
    std::env::var_os("VIRTUAL_ENV")
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .or_else(|| den_venv::find_dot_venv(cwd))
}

/// The `sys.prefix` of the interpreter `command` works for, whose `pip.conf` is pip's site
/// configuration file (pip reads `<sys.prefix>/pip.conf` of the interpreter it runs in, and
/// `pip --python X` runs pip again under X): the environment [`find`] gives for the
/// command's target options (without its checks), or, for a command that resolves without
/// installing, the interpreter [`resolving_interpreter`] gives. The cache is opened (as
/// `global` says, holding its shared lock) only for a command that has such an
/// interpreter.
///
/// For `hash`, `cache` and `config`, which work for no interpreter, the prefix of the one
/// their `--python` names ([`pip_python_prefix`]), as pip runs them again under it.
///
/// `None` for those without `--python`, or when none is found or the cache cannot be opened:
/// the command itself then says why.
pub fn site_prefix(command: &PipCommand, global: &GlobalArgs) -> Option<PathBuf> {
    let (args, access) = match command {
        PipCommand::Install(args) => (&args.target, crate::commands::install::access(args)),
        PipCommand::Uninstall(args) => (&args.target, Access::Change),
        PipCommand::Sync(args) => (&args.target, Access::Change),
        PipCommand::Freeze(args) => (&args.target, Access::Read),
        PipCommand::List(args) => (&args.target, Access::Read),
        PipCommand::Show(args) => (&args.target, Access::Read),
        PipCommand::Check(args) => (&args.target, Access::Read),
        PipCommand::Tree(args) => (&args.target, Access::Read),
        PipCommand::Inspect(args) => (&args.target, Access::Read),
        PipCommand::Debug(args) => (&args.target, Access::Read),
        PipCommand::Index(PipIndexCommand::Versions(args)) => (&args.target, Access::Read),
        PipCommand::Compile(args) => return resolving_prefix(args.python.as_deref(), global),
        PipCommand::Lock(args) => return resolving_prefix(args.python.as_deref(), global),
        PipCommand::Download(args) => {
            return resolving_prefix(args.wheelhouse.python.as_deref(), global);
        }
        PipCommand::Wheel(args) => {
            return resolving_prefix(args.wheelhouse.python.as_deref(), global);
        }
        // pip runs these again under `--python`'s interpreter, whose site file they read.
        PipCommand::Hash(HashArgs { python, .. })
        | PipCommand::Cache(PipCacheArgs { python, .. })
        | PipCommand::Config(PipConfigArgs { python, .. }) => {
            return pip_python_prefix(python.as_deref()?, global).ok();
        }
    };
    if !args.system
        && let Some(prefix) = evident_prefix(args.python.as_deref())
    {
        return Some(prefix);
    }
    let cache = crate::open_cache(global).ok()?;
    let _shared = cache.shared_lock().ok()?;
    Some(locate(args, &cache, access).ok()?.interpreter.prefix)
}

/// pip's refusal of a `--python` that names no interpreter, in its words.
#[derive(Debug)]
pub struct PythonNotLocated(pub String);

impl std::fmt::Display for PythonNotLocated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Could not locate Python interpreter {}", self.0)
    }
}

impl std::error::Error for PythonNotLocated {}

/// The `sys.prefix` of the interpreter pip's general `--python` names for a command that acts
/// on no environment (`hash`, `cache`, `config`): pip runs the command again under it, which
/// changes only which site file is read (`<prefix>/pip.conf`). An environment's directory is
/// its own prefix; an interpreter is looked up as `--python` elsewhere (its facts cached, the
/// cache opened as `global` says and held only meanwhile), without `--require-virtualenv`,
/// which pip does not apply to these commands.
///
/// Errors: [`PythonNotLocated`] when no interpreter is found for it, nothing is at that path
/// and no environment has that name, as pip refuses; otherwise why the interpreter cannot be
/// used, or why den's cache cannot be opened.
pub fn pip_python_prefix(python: &str, global: &GlobalArgs) -> anyhow::Result<PathBuf> {
    if let Some(prefix) = evident_prefix(Some(python)) {
        return Ok(prefix);
    }
    let located = (|| {
        let cache = crate::open_cache(global)?;
        let _shared = cache.shared_lock()?;
        let args = TargetArgs {
            python: Some(python.to_string()),
            system: true,
            break_system_packages: false,
        };
        anyhow::Ok(locate(&args, &cache, Access::Read)?.interpreter.prefix)
    })();
    located.map_err(|err| {
        // The cache's own failures are told as they are; so is why an interpreter that is
        // there (a path in the working directory, a named environment) cannot be used.
        let cwd = std::env::current_dir().unwrap_or_default();
        if err.downcast_ref::<den_venv::EnvironmentError>().is_none()
            || cwd.join(python).exists()
            || named_environment(python, &cwd).is_some()
        {
            err
        } else {
            PythonNotLocated(python.to_string()).into()
        }
    })
}

/// The environment `python` (a `--python` value) names, or with none the default
/// environment, when that is evident without looking the interpreter up: a directory holding
/// `pyvenv.cfg`, or WORKON_HOME's environment of that name, is its environment's
/// `sys.prefix`. `None` when it takes a lookup (an interpreter path, no default environment).
fn evident_prefix(python: Option<&str>) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    match python {
        Some(python) => {
            let dir = cwd.join(python);
            if dir.join("pyvenv.cfg").is_file() {
                return Some(dir);
            }
            named_environment(python, &cwd).map(PathBuf::from)
        }
        None => default_environment(&cwd),
    }
}

/// The `sys.prefix` of [`resolving_interpreter`]'s interpreter for `python`, the cache opened
/// as `global` says; `None` when there is none or the cache cannot be opened.
fn resolving_prefix(python: Option<&str>, global: &GlobalArgs) -> Option<PathBuf> {
    if let Some(prefix) = evident_prefix(python) {
        return Some(prefix);
    }
    let cache = crate::open_cache(global).ok()?;
    let _shared = cache.shared_lock().ok()?;
    Some(resolving_interpreter(python, &cache).ok()?.prefix)
}

/// Refuses to change `target` when its interpreter is externally managed (PEP 668) and
/// `--break-system-packages` was not given, with pip's message.
///
/// Errors: that refusal.
pub fn refuse_externally_managed(target: &Target, args: &TargetArgs) -> anyhow::Result<()> {
    if args.break_system_packages {
        return Ok(());
    }
    let Some(error) = target.externally_managed() else {
        return Ok(());
    };
    let error = error.replace('\n', "\n    ");
    anyhow::bail!(
        "externally-managed-environment\n\n× This environment is externally managed\n╰─> {error}\n\nnote: If you believe this is a mistake, please contact your Python installation or OS distribution provider. You can override this, at the risk of breaking your Python installation or OS, by passing --break-system-packages.\nhint: See PEP 668 for the detailed specification."
    )
}

/// The root of WORKON_HOME's environment `name` when `name` is a bare name (no `/`) that is
/// not a directory here and such an environment exists: `-p myproject` as `workon` names it.
fn named_environment(name: &str, cwd: &Path) -> Option<String> {
    if name.contains('/') || cwd.join(name).exists() {
        return None;
    }
    let homes = den_workon::Homes::from_vars(|key| std::env::var_os(key), cwd);
    let root = homes.env_path(name).ok()?;
    den_workon::is_environment(&root).then(|| root.to_string_lossy().into_owned())
}

/// The first `python3`, else `python`, in a directory of PATH, as uv's `--system` takes it.
fn first_on_path() -> Option<String> {
    let path = std::env::var_os("PATH")?;
    ["python3", "python"].iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| crate::commands::pyenv::is_executable(candidate))
            .map(|found| found.to_string_lossy().into_owned())
    })
}

/// The interpreter a command that resolves without installing (`den pip compile`, `download`,
/// `wheel`) builds source distributions with and, unless told another target, resolves for:
/// `python` (`--python`), else the active or nearest environment, else discovery's default.
///
/// Errors: `python` names nothing usable, or no interpreter is found.
pub fn resolving_interpreter(
    python: Option<&str>,
    cache: &Cache,
) -> anyhow::Result<den_python::Interpreter> {
    let target_args = TargetArgs {
        python: python.map(str::to_string),
        system: true,
        break_system_packages: false,
    };
    match find(&target_args, cache, Access::Read) {
        Ok(target) => Ok(target.interpreter),
        Err(_) if python.is_none() => {
            let cwd = std::env::current_dir().context("cannot read the current directory")?;
            crate::commands::venv::find_base(
                None,
                &cwd,
                &den_python::DiscoveryEnv::from_process(),
                cache,
            )
        }
        Err(error) => Err(error),
    }
}
