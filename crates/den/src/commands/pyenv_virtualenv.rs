//! pyenv-virtualenv's commands answered by den: `virtualenv`, `virtualenvs`,
//! `virtualenv-prefix`, `virtualenv-delete`, `activate`/`deactivate` (the code the `pyenv`
//! shell function evaluates, `sh-activate`/`sh-deactivate`) and `virtualenv-init` (activation
//! from `.python-version` at each prompt), with the plugin's arguments, layout (an
//! environment at `$PYENV_ROOT/versions/VERSION/envs/NAME` and the link `versions/NAME` to
//! it; on `system`, `versions/NAME` itself), output, prompts and messages
//! (`pyenv-virtualenv: ...` on stderr, status 1). Environments are made by den-venv, pip
//! seeded from den's cache, where the plugin runs `python -m venv` then `ensurepip`.
//!
//! A conda installation or environment (a `conda-meta` directory or an executable
//! `bin/conda`) is activated as the plugin activates one: `CONDA_DEFAULT_ENV` (its name under
//! `envs/`, else `root`) and `CONDA_PREFIX` set, its `etc/conda/activate.d/*.sh` and
//! `etc/profile.d/*.sh` (fish: `etc/fish/conf.d/*.fish`) sourced, and on deactivation its
//! `etc/conda/deactivate.d/*.sh`.
//!
//! Not here: `pyenv.d` hooks (of the `virtualenv`, `activate` and `deactivate` kinds).

use std::io::{BufRead as _, IsTerminal as _};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

use den_venv::VenvOptions;

use super::pyenv::Context;
use crate::printer::{write_stderr, write_stdout};

/// The plugin version den's answers follow (`pyenv virtualenv --version`).
const PLUGIN_VERSION: &str = "1.4.0";

/// The usage lines of the commands this module answers, for [`super::pyenv`]'s table.
pub(super) const COMMANDS: &[(&str, &str)] = &[
    (
        "virtualenv",
        "pyenv virtualenv [-f|--force] [VIRTUALENV_OPTIONS] [version] <virtualenv-name>\n       \
         pyenv virtualenv --version\n       pyenv virtualenv --help",
    ),
    (
        "virtualenv-delete",
        "pyenv virtualenv-delete [-f|--force] <virtualenv>",
    ),
    (
        "virtualenv-prefix",
        "pyenv virtualenv-prefix [<virtualenv>]",
    ),
    ("virtualenvs", "pyenv virtualenvs [--bare] [--skip-aliases]"),
    (
        "virtualenv-init",
        "eval \"$(pyenv virtualenv-init - [<shell>])\"",
    ),
    (
        "activate",
        "pyenv activate <virtualenv>\n       pyenv activate --unset",
    ),
    ("deactivate", "pyenv deactivate"),
    (
        "sh-activate",
        "pyenv activate [-f|--force] [-v|--verbose] [-q|--quiet] <virtualenv>\n       \
         pyenv activate --unset",
    ),
    (
        "sh-deactivate",
        "pyenv deactivate [-f|--force] [-q|--quiet] [-v|--verbose]",
    ),
];

/// `pyenv-virtualenv: MESSAGE` on stderr.
fn complain(message: &str) {
    write_stderr(format_args!("pyenv-virtualenv: {message}\n"));
}

/// A failed command's message, as the plugin's scripts show it: their own
/// (`pyenv-virtualenv: ...`) or pyenv's (`pyenv: ...`, from a pyenv command they ran).
enum Failure {
    Plugin(String),
    Pyenv(String),
    /// The user declined at a prompt: nothing more to say.
    Declined,
}

impl Failure {
    /// Prints the message; status 1.
    fn report(self) -> u8 {
        match self {
            Self::Plugin(message) => complain(&message),
            Self::Pyenv(message) => write_stderr(format_args!("pyenv: {message}\n")),
            Self::Declined => {}
        }
        1
    }
}

/// The usage of `command` (its line in [`COMMANDS`]).
fn usage(command: &str) -> &'static str {
    COMMANDS
        .iter()
        .find(|(name, _)| *name == command)
        .map_or("", |(_, usage)| usage)
}

/// Asks `question` as bash's `read -p` does (the prompt on stderr, only when stdin is a
/// terminal) and whether the answer starts with `y` or `Y`.
fn confirm(question: &str) -> bool {
    ask(question).starts_with(['y', 'Y'])
}

/// bash's `read -p QUESTION`: the question on stderr when stdin is a terminal, then one
/// line read from stdin, without its line end (empty when nothing can be read).
pub(super) fn ask(question: &str) -> String {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        write_stderr(format_args!("{question}"));
    }
    let mut answer = String::new();
    if stdin.lock().read_line(&mut answer).is_err() {
        answer.clear();
    }
    answer.trim_end_matches(['\n', '\r']).to_string()
}

/// The base prefix of each of `versions` (`pyenv virtualenv-prefix`): the `home` of its
/// `pyvenv.cfg` without `/bin`, an old virtualenv's `orig-prefix.txt`, or for conda
/// environments the environment itself or the installation holding it.
///
/// Errors: `system` or a version that is not an environment, a version without `python`,
/// one not installed (pyenv's message).
fn virtualenv_prefixes(context: &Context, versions: &[String]) -> Result<Vec<PathBuf>, Failure> {
    let not_virtualenv =
        |version: &str| Failure::Plugin(format!("version `{version}' is not a virtualenv"));
    let mut prefixes = Vec::new();
    for version in versions {
        if version == "system" {
            return Err(not_virtualenv(version));
        }
        let listed = context.pyenv.version_dir(version);
        let prefix = if listed.is_dir() {
            listed.clone()
        } else {
            let mut found = context
                .prefixes(std::slice::from_ref(version))
                .map_err(Failure::Pyenv)?;
            found.pop().unwrap_or_default()
        };
        if !super::pyenv::is_executable(&prefix.join("bin/python")) {
            return Err(Failure::Plugin(format!(
                "`python' not found in version `{version}'"
            )));
        }
        let base = if prefix.join("bin/activate").is_file() {
            if prefix.join("bin/conda").is_file() {
                Some(prefix.clone())
            } else if let Ok(config) = den_venv::PyVenvConfig::read(&listed) {
                base_prefix(&config)
            } else {
                orig_prefix(&listed)
            }
        } else if prefix.join("conda-meta").is_dir() {
            prefix.join("../..").canonicalize().ok()
        } else {
            None
        };
        match base.filter(|base| base.is_dir()) {
            Some(base) => prefixes.push(base),
            None => return Err(not_virtualenv(version)),
        }
    }
    Ok(prefixes)
}

/// The base prefix a `pyvenv.cfg` names: its `home` without `/bin`.
pub(super) fn base_prefix(config: &den_venv::PyVenvConfig) -> Option<PathBuf> {
    let home = config.get("home")?;
    Some(PathBuf::from(home.strip_suffix("/bin").unwrap_or(home)))
}

/// The prefix an environment made by virtualenv before version 20 recorded in
/// `lib/pythonX.Y/orig-prefix.txt` (`Lib/` on Windows layouts, `lib-python/` on PyPy).
fn orig_prefix(env: &Path) -> Option<PathBuf> {
    let lib = ["Lib", "lib-python", "lib"]
        .iter()
        .map(|name| env.join(name))
        .find(|dir| dir.is_dir())?;
    let mut candidates = vec![lib.join("orig-prefix.txt")];
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(&lib)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("orig-prefix.txt"))
        .collect();
    subdirs.sort();
    candidates.extend(subdirs);
    let file = candidates.into_iter().find(|file| file.is_file())?;
    let text = std::fs::read_to_string(file).ok()?;
    Some(PathBuf::from(text.trim_end_matches('\n')))
}

/// The selected version names (`PYENV_VERSION` as `pyenv virtualenv-prefix` sets it from
/// its arguments, else `pyenv version-name`); `None` when a selected version is missing
/// (said).
fn selected_or(context: &Context, args: &[&str]) -> Option<Vec<String>> {
    if args.is_empty() {
        let selected = context.version_names(false);
        (!selected.any_missing).then_some(selected.names)
    } else {
        Some(args.iter().map(|arg| arg.to_string()).collect())
    }
}

/// `pyenv virtualenv-prefix [VERSION...]`: the base prefix of each, `:`-separated.
pub(super) fn prefix_command(context: &Context, args: &[&str]) -> u8 {
    let Some(versions) = selected_or(context, args) else {
        return 1;
    };
    match virtualenv_prefixes(context, &versions) {
        Ok(prefixes) => {
            let joined: Vec<String> = prefixes.iter().map(|p| p.display().to_string()).collect();
            write_stdout(format_args!("{}\n", joined.join(":")));
            0
        }
        Err(failure) => failure.report(),
    }
}

/// The entries of `dir`, as paths in byte order of their names (the order of bash's globs
/// in the C locale), hidden ones included.
fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    entries.sort();
    entries
}

/// `pyenv virtualenvs [--bare] [--skip-aliases]`: the environments under `versions/*/envs`,
/// then the links in `versions/` (unless `--skip-aliases`) and the environments made there
/// directly; the selected ones marked `*` with where the selection comes from.
pub(super) fn list_command(context: &Context, args: &[&str]) -> u8 {
    let (mut bare, mut skip_aliases) = (false, false);
    for arg in args {
        match *arg {
            "--bare" => bare = true,
            "--skip-aliases" => skip_aliases = true,
            _ => {
                write_stderr(format_args!("Usage: {}\n", usage("virtualenvs")));
                return 1;
            }
        }
    }
    let selected = if bare {
        Vec::new()
    } else {
        context.version_names(false).names
    };
    let versions_dir = context.pyenv.versions_dir();
    let version_entries = sorted_entries(&versions_dir);
    // One glob, `versions/*/envs/*`: sorted as whole paths (`3.12.1/envs/x` before
    // `3.12/envs/x`).
    let mut listed: Vec<PathBuf> = version_entries
        .iter()
        .flat_map(|version| sorted_entries(&version.join("envs")))
        .filter(|env| env.is_dir())
        .collect();
    listed.sort_by(|a, b| a.as_os_str().as_bytes().cmp(b.as_os_str().as_bytes()));
    listed.extend(version_entries.into_iter().filter(|entry| {
        entry.is_dir()
            && match entry.is_symlink() {
                true => !skip_aliases,
                false => entry.join("bin/activate").is_file(),
            }
    }));
    let mut text = String::new();
    for path in listed {
        let name = path
            .strip_prefix(&versions_dir)
            .unwrap_or(&path)
            .display()
            .to_string();
        if bare {
            text.push_str(&name);
            text.push('\n');
            continue;
        }
        let shown = match std::fs::read_link(&path) {
            Ok(target) => format!("{name} --> {}", target.display()),
            Err(_) => match virtualenv_prefixes(context, std::slice::from_ref(&name)) {
                Ok(prefixes) => {
                    let base = prefixes.iter().map(|base| base.display().to_string());
                    format!("{name} (created from {})", base.collect::<String>())
                }
                // The plugin stops here (its `set -e`), with what it printed so far.
                Err(_) => {
                    write_stdout(format_args!("{text}"));
                    return 1;
                }
            },
        };
        if selected.contains(&name) {
            text.push_str(&format!("* {shown} (set by {})\n", context.origin_text()));
        } else {
            text.push_str(&format!("  {shown}\n"));
        }
    }
    write_stdout(format_args!("{text}"));
    0
}

/// `pyenv virtualenv-delete [-f|--force] NAME`: removes the environment (asking first,
/// unless `-f`) and its `versions/NAME` link, then rehashes. NAME is the short name or the
/// long `VERSION/envs/NAME`.
pub(super) fn delete_command(context: &Context, args: &[&str]) -> u8 {
    if let Some(&("-h" | "--help")) = args.first() {
        write_stdout(format_args!("Usage: {}\n", usage("virtualenv-delete")));
        return 0;
    }
    let (force, args) = match args {
        ["-f" | "--force", rest @ ..] => (true, rest),
        rest => (false, rest),
    };
    let [definition] = args else {
        write_stderr(format_args!("Usage: {}\n", usage("virtualenv-delete")));
        return 1;
    };
    if definition.is_empty() || definition.starts_with('-') {
        write_stderr(format_args!("Usage: {}\n", usage("virtualenv-delete")));
        return 1;
    }
    let versions_dir = context.pyenv.versions_dir();
    let name = definition.rsplit('/').next().unwrap_or(definition);
    let mut compat = Some(context.pyenv.version_dir(name));
    let prefix = if definition.contains("/envs/") {
        let prefix = context.pyenv.version_dir(definition);
        let compat_target = compat
            .as_deref()
            .and_then(|link| std::fs::read_link(link).ok());
        if compat.as_deref().is_some_and(Path::is_symlink)
            && compat_target.as_ref() != Some(&prefix)
        {
            compat = None;
        }
        prefix
    } else if let Some(link) = compat.as_deref().filter(|link| link.is_symlink()) {
        let target = std::fs::read_link(link).unwrap_or_default();
        let in_envs = target
            .parent()
            .filter(|envs| envs.file_name().is_some_and(|n| n == "envs"))
            .and_then(Path::parent)
            .and_then(Path::parent);
        if in_envs != Some(versions_dir.as_path()) {
            complain(&format!(
                "`{}' is a symlink for unknown location.",
                link.display()
            ));
            return 1;
        }
        target
    } else if virtualenv_prefixes(context, &[name.to_string()]).is_ok() {
        compat = None;
        context.pyenv.version_dir(name)
    } else if !force {
        complain(&format!("`{definition}' is not a virtualenv."));
        return 1;
    } else {
        PathBuf::new()
    };
    if !prefix.is_dir() {
        if force {
            return 0;
        }
        write_stderr(format_args!(
            "pyenv-virtualenv: virtualenv `{name}' not installed\n"
        ));
        return 1;
    }
    if !force
        && !confirm(&format!(
            "pyenv-virtualenv: remove {}? (y/N) ",
            prefix.display()
        ))
    {
        return 1;
    }
    if let Err(err) = std::fs::remove_dir_all(&prefix) {
        complain(&format!("cannot remove {}: {err}", prefix.display()));
        return 1;
    }
    if let Some(link) = compat.filter(|link| link.is_symlink()) {
        let _ = std::fs::remove_file(link);
    }
    rehash(context)
}

/// Rehashes pyenv's shims after a change; status 1 (said) when that fails.
fn rehash(context: &Context) -> u8 {
    match context.rehash() {
        Ok(()) => 0,
        Err(message) => Failure::Pyenv(message).report(),
    }
}

/// What `pyenv virtualenv` was asked: the plugin reads every word starting with `-` as
/// options (`--name`, or `-abc` as `a`, `b`, `c`) and the rest as arguments, wherever they
/// stand.
#[derive(Default)]
struct Request {
    force: bool,
    upgrade: bool,
    without_pip: bool,
    python: Option<String>,
    options: VenvOptions,
    arguments: Vec<String>,
}

/// `pyenv virtualenv [-f] [OPTIONS] [VERSION] NAME`: a new environment of VERSION (the
/// selected version when not given, a prefix meaning the newest installed match) at
/// `versions/VERSION/envs/NAME`, linked as `versions/NAME`, with pip, the base's
/// `python*-config` links and a `pydoc` script; then a rehash.
pub(super) fn create_command(context: &Context, args: &[&str]) -> u8 {
    let request = match parse_request(args) {
        Ok(request) => request,
        Err(status) => return status,
    };
    let (version, name) = match request.arguments.as_slice() {
        [] => {
            complain("no virtualenv name given.");
            return 1;
        }
        [name] => {
            let selected = context.version_names(false).names;
            (
                selected.into_iter().next().unwrap_or_default(),
                name.clone(),
            )
        }
        [version, name, ..] => (version.clone(), name.clone()),
    };
    let version = match version.is_empty() {
        true => version,
        false => context.pyenv.latest(&version).unwrap_or(version),
    };
    if version.is_empty() || name.is_empty() {
        write_stderr(format_args!("Usage: {}\n", usage("virtualenv")));
        return 1;
    }
    match create(context, &request, &version, &name) {
        Ok(()) => rehash(context),
        Err(failure) => failure.report(),
    }
}

/// Reads the plugin's options; on `--help`/`--version` or a bad one, the status to exit with.
fn parse_request(args: &[&str]) -> Result<Request, u8> {
    let mut request = Request::default();
    let mut options = Vec::new();
    for arg in args {
        match arg.strip_prefix("--") {
            Some(long) => options.push(long.to_string()),
            None => match arg.strip_prefix('-') {
                Some(short) => options.extend(short.chars().map(String::from)),
                None => request.arguments.push(arg.to_string()),
            },
        }
    }
    for option in options {
        match option.as_str() {
            "f" | "force" => request.force = true,
            "h" | "help" => {
                write_stdout(format_args!("Usage: {}\n", usage("virtualenv")));
                return Err(0);
            }
            "no-pip" | "without-pip" => request.without_pip = true,
            "no-setuptools" => {
                request.without_pip = true;
                request.options.seed_setuptools = false;
            }
            "p" | "python" => {
                if request.arguments.is_empty() {
                    write_stderr(format_args!("Usage: {}\n", usage("virtualenv")));
                    return Err(1);
                }
                request.python = Some(request.arguments.remove(0));
            }
            "q" | "quiet" | "v" | "verbose" => {}
            "u" | "upgrade" => request.upgrade = true,
            "version" => {
                write_stdout(format_args!(
                    "pyenv-virtualenv {PLUGIN_VERSION} (den {})\n",
                    env!("CARGO_PKG_VERSION")
                ));
                return Err(0);
            }
            "system-site-packages" => request.options.system_site_packages = true,
            "copies" | "always-copy" => request.options.copies = true,
            "symlinks" => request.options.copies = false,
            "clear" => request.options.clear = true,
            "without-scm-ignore-files" => request.options.scm_ignore_files = false,
            other => match (other.strip_prefix("python="), other.strip_prefix("prompt=")) {
                (Some(python), _) => request.python = Some(python.to_string()),
                (_, Some(prompt)) => {
                    request.options.prompt = den_venv::Prompt::from_arg(Some(prompt));
                }
                _ => {
                    complain(&format!(
                        "unrecognized option `--{other}' (den makes the environment itself; \
                         see `pyenv virtualenv --help')"
                    ));
                    return Err(1);
                }
            },
        }
    }
    Ok(request)
}

/// The checks and the work of `pyenv virtualenv` once VERSION (resolved) and NAME are known.
fn create(context: &Context, request: &Request, version: &str, name: &str) -> Result<(), Failure> {
    let plugin = |message: &str| Err(Failure::Plugin(message.to_string()));
    let short = name.rsplit('/').next().unwrap_or(name);
    if short == "system" {
        return plugin("`system' is not allowed as virtualenv name.");
    }
    if name.contains(char::is_whitespace) {
        return plugin("no whitespace allowed in virtualenv name.");
    }
    let version_top = version.split('/').next().unwrap_or(version);
    if name.contains('/') && name != format!("{version_top}/envs/{short}") {
        return plugin("no slash allowed in virtualenv name.");
    }
    let Some(prefix) = context
        .prefixes(&[version.to_string()])
        .ok()
        .and_then(|mut found| found.pop())
        .filter(|prefix| prefix.is_dir())
    else {
        return Err(Failure::Plugin(not_installed(version)));
    };
    let versions_dir = context.pyenv.versions_dir();
    let long_name = if version.split("/envs/").next() == Some("system") {
        short.to_string()
    } else {
        match virtualenv_prefixes(context, &[version.to_string()])
            .ok()
            .and_then(|mut found| found.pop())
            .and_then(|base| base.strip_prefix(&versions_dir).ok().map(Path::to_path_buf))
            .filter(|base| base.components().count() == 1)
        {
            Some(base) => format!("{}/envs/{short}", base.display()),
            None => format!("{version}/envs/{short}"),
        }
    };
    let location = versions_dir.join(&long_name);
    let compat = Some(versions_dir.join(short)).filter(|compat| *compat != location);
    let force = request.force || request.upgrade;
    if let Some(compat) = &compat
        && !force
        && (compat.exists() || compat.is_symlink())
    {
        return plugin(&format!("`{}' already exists.", compat.display()));
    }
    if location.join("bin").is_dir() && !force {
        complain(&format!("{} already exists", location.display()));
        if !confirm("continue with installation? (y/N) ") {
            return Err(Failure::Declined);
        }
    }
    let existed = location.exists();
    if existed && request.upgrade && request.without_pip {
        return plugin("upgrading will not work with --no-setuptools or --no-pip");
    }
    let python = base_python(context, version, &prefix, request.python.as_deref())?;
    let made = (|| -> anyhow::Result<()> {
        let cache = den_cache::Cache::from_env()?;
        let interpreter = den_python::Interpreter::query(&python, &cache)?;
        super::venv::create_from(
            interpreter,
            &location,
            &request.options,
            !request.without_pip,
            &cache,
        )?;
        Ok(())
    })();
    if let Err(err) = made {
        return Err(Failure::Plugin(format!(
            "cannot create {}: {err:#}",
            location.display()
        )));
    }
    finish(&prefix, &location, compat.as_deref()).map_err(|err| {
        // The plugin's cleanup: a new environment that could not be finished goes.
        if !existed {
            let _ = std::fs::remove_dir_all(&location);
            if let Some(link) = compat.as_deref().filter(|link| link.is_symlink()) {
                let _ = std::fs::remove_file(link);
            }
        }
        Failure::Plugin(format!("cannot finish {}: {err}", location.display()))
    })
}

/// The interpreter `pyenv virtualenv` makes the environment with: `--python` (a path, or a
/// name looked up in VERSION and then in every installed version, as `pyenv which` and
/// `pyenv whence` find it), else VERSION's `python` (for `system`, `python3`, `python` or
/// `python2` on `PATH`).
fn base_python(
    context: &Context,
    version: &str,
    prefix: &Path,
    python: Option<&str>,
) -> Result<PathBuf, Failure> {
    let shims = context.pyenv.shims_dir();
    let found = match python {
        Some(path) if path.contains('/') && !Path::new(path).starts_with(&shims) => {
            Some(PathBuf::from(path))
        }
        Some(path) => {
            let name = path.rsplit('/').next().unwrap_or(path);
            let in_version = prefix.join("bin").join(name);
            if super::pyenv::is_executable(&in_version) {
                Some(in_version)
            } else {
                let elsewhere = context.whence(name, true).pop().map(PathBuf::from);
                Some(elsewhere.ok_or_else(|| Failure::Plugin(not_installed(name)))?)
            }
        }
        None if version == "system" => ["python3", "python", "python2"]
            .iter()
            .find_map(|name| context.system_command(name, None)),
        None => Some(prefix.join("bin/python")),
    };
    found.ok_or_else(|| Failure::Plugin(format!("`python' not found in version `{version}'")))
}

/// The plugin's message for a version that is not installed, with the install command
/// when den's download index knows the version.
fn not_installed(version: &str) -> String {
    let known = super::pyenv_install::known_versions()
        .is_some_and(|known| known.iter().any(|name| name == version));
    let advice = match known {
        true => format!("Run `pyenv install {version}' to install it."),
        false => "It does not look like a valid Python version. See `pyenv install --list' \
                  for available versions."
            .to_string(),
    };
    format!("`{version}' is not installed in pyenv.\n{advice}")
}

/// What the plugin adds to a new environment at `location` made from `prefix`: links to the
/// base's `python*-config` programs, a `pydoc` script, and the `versions/NAME` link
/// (`compat`, replacing an older link).
///
/// Errors: the file operation that failed.
fn finish(prefix: &Path, location: &Path, compat: Option<&Path>) -> std::io::Result<()> {
    let bin = location.join("bin");
    for entry in std::fs::read_dir(prefix.join("bin"))?.filter_map(Result::ok) {
        let name = entry.file_name();
        let text = name.to_string_lossy();
        let link = bin.join(&name);
        if text.starts_with("python")
            && text.ends_with("-config")
            && !link.exists()
            && !link.is_symlink()
        {
            std::os::unix::fs::symlink(entry.path(), link)?;
        }
    }
    let pydoc = bin.join("pydoc");
    if !pydoc.exists() {
        use std::os::unix::fs::PermissionsExt;
        let script = format!(
            "#!{}\nimport pydoc\nif __name__ == '__main__':\n    pydoc.cli()\n",
            bin.join("python").display()
        );
        std::fs::write(&pydoc, script)?;
        std::fs::set_permissions(&pydoc, std::fs::Permissions::from_mode(0o755))?;
    }
    if let Some(compat) = compat {
        if compat.is_symlink() || compat.is_file() {
            std::fs::remove_file(compat)?;
        }
        if !compat.exists() {
            std::os::unix::fs::symlink(location, compat)?;
        }
    }
    Ok(())
}

/// Whether the variable `name` is set to something other than the empty string.
fn set(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

/// Shell code in the syntax of `shell` (fish's for `fish`, POSIX sh's otherwise).
struct Code {
    fish: bool,
    text: String,
}

impl Code {
    fn new(shell: &str) -> Self {
        Self {
            fish: shell == "fish",
            text: String::new(),
        }
    }

    fn export(&mut self, name: &str, value: &str) {
        match self.fish {
            true => self
                .text
                .push_str(&format!("set -gx {name} \"{value}\";\n")),
            false => self.text.push_str(&format!("export {name}=\"{value}\";\n")),
        }
    }

    /// `name` set to `value` written without quotes (a plain word such as `1`).
    fn export_word(&mut self, name: &str, value: &str) {
        match self.fish {
            true => self.text.push_str(&format!("set -gx {name} {value};\n")),
            false => self.text.push_str(&format!("export {name}={value};\n")),
        }
    }

    fn unset(&mut self, name: &str) {
        match self.fish {
            true => self.text.push_str(&format!("set -e {name};\n")),
            false => self.text.push_str(&format!("unset {name};\n")),
        }
    }

    /// Sources each of `scripts`, in order (`source "FILE";` in fish, `. "FILE";` elsewhere).
    fn source_each(&mut self, scripts: &[PathBuf]) {
        let command = if self.fish { "source" } else { "." };
        for script in scripts {
            self.text
                .push_str(&format!("{command} \"{}\";\n", script.display()));
        }
    }

    /// Restores `name` from `saved` when that is set, and forgets `saved`.
    fn restore(&mut self, name: &str, saved: &str) {
        match self.fish {
            true => self.text.push_str(&format!(
                "if [ -n \"${saved}\" ];\n  set -gx {name} \"${saved}\";\n  set -e {saved};\nend;\n"
            )),
            false => self.text.push_str(&format!(
                "if [ -n \"${{{saved}:-}}\" ]; then\n  export {name}=\"${{{saved}}}\";\n  \
                 unset {saved};\nfi;\n"
            )),
        }
    }
}

/// The leading `-f`, `-q` and `-v` of `sh-activate` / `sh-deactivate`, and what follows;
/// `--unset` is returned as the word that stopped the reading.
struct Flags<'a> {
    force: bool,
    quiet: bool,
    verbose: bool,
    rest: &'a [&'a str],
}

fn flags<'a>(args: &'a [&'a str]) -> Flags<'a> {
    let mut flags = Flags {
        force: false,
        quiet: false,
        verbose: false,
        rest: args,
    };
    while let Some((first, tail)) = flags.rest.split_first() {
        match *first {
            "-f" | "--force" => flags.force = true,
            "-q" | "--quiet" => flags.quiet = true,
            "-v" | "--verbose" => (flags.quiet, flags.verbose) = (false, true),
            _ => break,
        }
        flags.rest = tail;
    }
    flags
}

/// Says `message` unless quiet, prints `answer` (`true` or `false`, what the shell function
/// evaluates) and returns `status`.
fn answer(quiet: bool, message: &str, answer: &str, status: u8) -> u8 {
    if !quiet {
        complain(message);
    }
    write_stdout(format_args!("{answer}\n"));
    status
}

/// `pyenv sh-activate [-f] [-q] [-v] [--unset] [VERSION...]`: the code the `pyenv` shell
/// function evaluates for `pyenv activate`. It selects the environment (`PYENV_VERSION`,
/// unless auto-activation asked with no version) and sets `VIRTUAL_ENV` and
/// `PYENV_VIRTUAL_ENV` to it; pyenv's shims then run its programs. The prompt shows
/// `(NAME)` unless `PYENV_VIRTUALENV_DISABLE_PROMPT` (or `VIRTUAL_ENV_DISABLE_PROMPT`).
pub(super) fn sh_activate_command(context: &Context, args: &[&str]) -> u8 {
    let flags = flags(args);
    if flags.rest.first() == Some(&"--unset") {
        return sh_deactivate_command(context, &[]);
    }
    let (force, quiet) = (flags.force, flags.quiet);
    let mut versions: Vec<String> = flags.rest.iter().map(|v| v.to_string()).collect();
    let mut current = None;
    let mut no_shell = false;
    if versions.first().is_none_or(String::is_empty) {
        no_shell = true;
        versions = context.installed_selection();
        current = Some(versions.clone());
    }
    no_shell &= set("PYENV_VIRTUALENV_INIT").is_some();
    let mut venv = versions.first().cloned().unwrap_or_default();
    let virtual_env = set("VIRTUAL_ENV");
    if let Some(active) = &virtual_env
        && set("PYENV_VIRTUAL_ENV").as_ref() != Some(active)
        && !force
    {
        return answer(
            quiet,
            &format!("virtualenv `{active}' is already activated"),
            "true",
            0,
        );
    }
    let is_virtualenv = |name: &str| virtualenv_prefixes(context, &[name.to_string()]).is_ok();
    if !is_virtualenv(&venv) {
        let current = current.unwrap_or_else(|| context.installed_selection());
        let first = current.first().map(String::as_str).unwrap_or_default();
        let base = first.rsplit_once("/envs/").map_or(first, |(base, _)| base);
        let beside = format!("{base}/envs/{venv}");
        if !is_virtualenv(&beside) {
            let message = format!("version `{venv}' is not a virtualenv");
            return answer(quiet, &message, "false", 1);
        }
        venv.clone_from(&beside);
        versions[0] = beside;
    }
    if versions.iter().any(|v| *v != venv && is_virtualenv(v)) {
        let message = format!(
            "cannot activate multiple versions at once: {}",
            versions.join(" ")
        );
        return answer(quiet, &message, "false", 1);
    }
    let shell = set("PYENV_SHELL").unwrap_or_else(|| {
        let shell = std::env::var("SHELL").unwrap_or_default();
        shell.rsplit('/').next().unwrap_or_default().to_string()
    });
    let Some(mut prefix) = context
        .prefixes(std::slice::from_ref(&venv))
        .ok()
        .and_then(|mut found| found.pop())
    else {
        return Failure::Pyenv(format!("version `{venv}' not installed")).report();
    };
    if let Ok(target) = std::fs::read_link(&prefix) {
        prefix = target;
    }
    let prefix = prefix.display().to_string();
    if virtual_env.as_deref() == Some(prefix.as_str()) && !force {
        let message = format!("version `{venv}' is already activated");
        return answer(quiet, &message, "true", 0);
    }
    // The deactivation's code goes out before the message, as the plugin's `sh-deactivate`
    // child writes it.
    write_stdout(format_args!("{}", deactivation(&shell)));
    if flags.verbose {
        complain(&format!("activate {venv}"));
    }
    let mut code = Code::new(&shell);
    if !no_shell {
        code.export("PYENV_VERSION", &versions.join(":"));
        code.export_word("PYENV_ACTIVATE_SHELL", "1");
    }
    code.export("PYENV_VIRTUAL_ENV", &prefix);
    code.export("VIRTUAL_ENV", &prefix);
    let conda = is_conda(Path::new(&prefix));
    if conda {
        // The environment's name when it lies in an installation's `envs/`, else `root`.
        let name = match prefix.contains("/envs/") {
            true => venv
                .rsplit_once("/envs/")
                .map_or(venv.as_str(), |(_, name)| name),
            false => "root",
        };
        code.export("CONDA_DEFAULT_ENV", name);
    }
    if let Some(home) = set("PYTHONHOME") {
        code.export("_OLD_VIRTUAL_PYTHONHOME", &home);
        code.unset("PYTHONHOME");
    }
    let prompt_disabled = [
        "PYENV_VIRTUALENV_DISABLE_PROMPT",
        "PYENV_VIRTUAL_ENV_DISABLE_PROMPT",
    ]
    .iter()
    .chain(&["VIRTUAL_ENV_DISABLE_PROMPT"])
    .any(|name| set(name).is_some());
    if !prompt_disabled {
        if code.fish {
            if !quiet {
                code.text.push_str(&format!(
                    "functions -e _pyenv_old_prompt\nfunctions -c fish_prompt _pyenv_old_prompt\n\n\
                     function fish_prompt\n    set -l prompt (_pyenv_old_prompt)\n    \
                     echo -n \"({venv}) \"\n    string join -- \\n $prompt\nend\n"
                ));
            }
        } else {
            let prompt = match set("PYENV_VIRTUALENV_PROMPT") {
                Some(prompt) => prompt.replacen("{venv}", &venv, 1),
                None => format!("({venv})"),
            };
            code.text.push_str(&format!(
                "export _OLD_VIRTUAL_PS1=\"${{PS1:-}}\";\nexport PS1=\"{prompt} ${{PS1:-}}\";\n"
            ));
        }
    }
    if conda {
        // conda's own activation: its variables and the scripts its packages install.
        let prefix = Path::new(&prefix);
        if code.fish {
            code.source_each(&scripts_in(&prefix.join("etc/fish/conf.d"), "fish"));
        } else {
            code.export("CONDA_PREFIX", &prefix.display().to_string());
            code.source_each(&scripts_in(&prefix.join("etc/conda/activate.d"), "sh"));
            code.source_each(&scripts_in(&prefix.join("etc/profile.d"), "sh"));
        }
    }
    write_stdout(format_args!("{}", code.text));
    0
}

/// Whether `prefix` is a conda installation or environment, as pyenv-virtualenv tells one: a
/// `conda-meta` directory, or an executable `bin/conda`.
fn is_conda(prefix: &Path) -> bool {
    prefix.join("conda-meta").is_dir() || super::pyenv::is_executable(&prefix.join("bin/conda"))
}

/// The files `dir/*.EXTENSION` (not hidden ones), sorted by name as the shell's glob gives
/// them; none when `dir` does not exist.
fn scripts_in(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut scripts: Vec<PathBuf> = entries
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| {
                    !name.starts_with('.') && name.ends_with(&format!(".{extension}"))
                })
        })
        .collect();
    scripts.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    scripts
}

/// `pyenv sh-deactivate [-f] [-q] [-v]`: the code that undoes an activation (also an
/// environment's own `bin/activate`: `PATH`, `PYTHONHOME`, the prompt and its `deactivate`
/// function are put back).
pub(super) fn sh_deactivate_command(context: &Context, args: &[&str]) -> u8 {
    let flags = flags(args);
    if set("VIRTUAL_ENV").is_none() && !flags.force {
        return answer(flags.quiet, "no virtualenv has been activated.", "false", 1);
    }
    let shell = set("PYENV_SHELL")
        .or_else(|| set("SHELL"))
        .unwrap_or_default();
    let shell = shell.rsplit('/').next().unwrap_or_default();
    if flags.verbose {
        let prefix = std::env::var("VIRTUAL_ENV").unwrap_or_default();
        let versions_dir = context.pyenv.versions_dir().display().to_string();
        let venv = match prefix.strip_prefix(&format!("{versions_dir}/")) {
            Some(name) if name.contains("/envs/") => name,
            _ => prefix.rsplit('/').next().unwrap_or_default(),
        };
        complain(&format!("deactivate {venv}"));
    }
    write_stdout(format_args!("{}", deactivation(shell)));
    0
}

/// The code of a deactivation in `shell`'s syntax (also the start of an activation's, as
/// `sh-activate` runs `sh-deactivate --force --quiet` first).
fn deactivation(shell: &str) -> String {
    let mut code = Code::new(shell);
    // conda's own deactivation scripts (conda has none for fish).
    let prefix = PathBuf::from(std::env::var_os("VIRTUAL_ENV").unwrap_or_default());
    if !code.fish && is_conda(&prefix) {
        code.source_each(&scripts_in(&prefix.join("etc/conda/deactivate.d"), "sh"));
        code.text.push_str("unset CONDA_PREFIX\n");
    }
    if set("PYENV_ACTIVATE_SHELL").is_some() {
        code.unset("PYENV_VERSION");
        code.unset("PYENV_ACTIVATE_SHELL");
    }
    code.unset("PYENV_VIRTUAL_ENV");
    code.unset("VIRTUAL_ENV");
    if set("CONDA_DEFAULT_ENV").is_some() {
        code.unset("CONDA_DEFAULT_ENV");
    }
    code.restore("PATH", "_OLD_VIRTUAL_PATH");
    code.restore("PYTHONHOME", "_OLD_VIRTUAL_PYTHONHOME");
    if code.fish {
        code.text.push_str(
            "if functions -q _pyenv_old_prompt\n  functions -e fish_prompt\n  \
             functions -c _pyenv_old_prompt fish_prompt\n  functions -e _pyenv_old_prompt\nend\n\
             if functions -q deactivate;\n  functions -e deactivate;\nend;\n",
        );
    } else {
        code.restore("PS1", "_OLD_VIRTUAL_PS1");
        code.text.push_str(
            "if declare -f deactivate 1>/dev/null 2>&1; then\n  unset -f deactivate;\nfi;\n",
        );
    }
    code.text
}

/// `pyenv activate` / `pyenv deactivate` run as programs, not through the `pyenv` shell
/// function that evaluates their code: the plugin's advice; status 1.
pub(super) fn unloaded_command(command: &str) -> u8 {
    write_stderr(format_args!(
        "\n`pyenv {command}' requires Pyenv and Pyenv-Virtualenv to be loaded into your shell.\n\
         Check your shell configuration and Pyenv and Pyenv-Virtualenv installation \
         instructions.\n\n"
    ));
    1
}

/// `pyenv virtualenv-init - [SHELL]`: the code that activates the environment a
/// `.python-version` names whenever the prompt is drawn (bash's `PROMPT_COMMAND`, zsh's
/// `precmd_functions`, fish's `fish_prompt` event) and deactivates it on leaving. Each prompt
/// runs den once (`sh-activate --quiet`, a few milliseconds), so there is no cache of version
/// files' times to keep, as the plugin's bash hook keeps. Without `-`: how to load it, on
/// stderr; status 1.
pub(super) fn init_command(args: &[&str], shell: String, program: &str) -> u8 {
    let print = args.contains(&"-");
    let shell = args
        .iter()
        .find(|arg| **arg != "-")
        .map_or(shell, |shell| shell.to_string());
    if !print {
        let (profile, line) = match shell.as_str() {
            "bash" => ("~/.bashrc", None),
            "zsh" => ("~/.zshrc", None),
            "ksh" => ("~/.profile", None),
            "fish" => (
                "~/.config/fish/config.fish",
                Some("status --is-interactive; and source (pyenv virtualenv-init -|psub)"),
            ),
            _ => ("your profile", None),
        };
        let line = line.unwrap_or("eval \"$(pyenv virtualenv-init -)\"");
        write_stderr(format_args!(
            "# Load pyenv-virtualenv automatically by adding\n# the following to {profile}:\n\n\
             {line}\n\n"
        ));
        return 1;
    }
    let text = match shell.as_str() {
        "fish" => format!(
            "set -gx PYENV_VIRTUALENV_INIT 1;\n\
             function _pyenv_virtualenv_hook --on-event fish_prompt;\n  set -l ret $status\n  \
             if [ -n \"$VIRTUAL_ENV\" ]\n    \
             command {program} sh-activate --quiet | source; \
             or command {program} sh-deactivate --quiet | source; or true\n  \
             else\n    command {program} sh-activate --quiet | source; or true\n  \
             end\n  return $ret\nend\n"
        ),
        _ => {
            let hook = format!(
                "export PYENV_VIRTUALENV_INIT=1;\n\
                 _pyenv_virtualenv_hook() {{\n  local ret=$?\n  \
                 if [ -n \"${{VIRTUAL_ENV-}}\" ]; then\n    \
                 eval \"$(command {program} sh-activate --quiet || command {program} \
                 sh-deactivate --quiet || true)\" || true\n  \
                 else\n    eval \"$(command {program} sh-activate --quiet || true)\" || true\n  \
                 fi\n  return $ret\n}};\n"
            );
            let register = match shell.as_str() {
                "bash" => {
                    "if ! [[ \"${PROMPT_COMMAND-}\" =~ _pyenv_virtualenv_hook ]]; then\n  \
                     PROMPT_COMMAND=\"_pyenv_virtualenv_hook;${PROMPT_COMMAND-}\"\nfi\n"
                }
                "zsh" => {
                    "typeset -g -a precmd_functions\n\
                     if [[ -z $precmd_functions[(r)_pyenv_virtualenv_hook] ]]; then\n  \
                     precmd_functions=(_pyenv_virtualenv_hook $precmd_functions);\nfi\n"
                }
                _ => "",
            };
            format!("{hook}{register}")
        }
    };
    write_stdout(format_args!("{text}"));
    0
}
