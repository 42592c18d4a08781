//! `den pipenv COMMAND` (and den under the name `pipenv`): pipenv's command line on a
//! Pipfile project, with pipenv's flags, files and environment location. The words after
//! `pipenv` never reach den's own parser; they are parsed here as pipenv spells them.

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use den_cache::Cache;
use den_dist::PackageName;
use den_pipfile::{Lockfile, PackageSpec, Pipfile};
use den_requirements::pylock::{LockSelection, Pylock};
use den_venv::{Prompt, VenvOptions};

use crate::ops::pipenv::{LockSettings, PipenvEnv, Project};
use crate::ops::settings::{IndexSettings, ResolverSettings};
use crate::ops::{Exactness, InstallSettings};
use crate::printer::Printer;
use crate::target::Target;

/// pipenv's command line.
#[derive(Debug, Parser)]
// pipenv's argparse accepts any unambiguous prefix of a long option too.
#[command(
    name = "pipenv",
    about = "pipenv's commands on a Pipfile project, run by den",
    version,
    infer_long_args = true
)]
pub struct PipenvCli {
    /// Output the project home information.
    #[arg(long = "where")]
    pub where_: bool,
    /// Output virtualenv information.
    #[arg(long)]
    pub venv: bool,
    /// Output Python interpreter information.
    #[arg(long)]
    pub py: bool,
    /// Output environment variable options.
    #[arg(long)]
    pub envs: bool,
    /// Remove the virtualenv.
    #[arg(long)]
    pub rm: bool,
    /// Specify which version of Python virtualenv should use.
    #[arg(long, global = true, value_name = "VERSION")]
    pub python: Option<String>,
    /// Enable site-packages for the virtualenv.
    #[arg(long, global = true)]
    pub site_packages: bool,
    /// Verbose mode.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Quiet mode.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Option<PipenvCommand>,
}

/// pipenv's commands.
#[derive(Debug, Subcommand)]
pub enum PipenvCommand {
    /// Installs provided packages and adds them to Pipfile, or (if no packages are given),
    /// installs all packages from Pipfile.lock.
    Install(InstallArgs),
    /// Uninstalls a provided package and removes it from Pipfile.
    Uninstall(UninstallArgs),
    /// Remove the virtualenv for the current project.
    Remove,
    /// Generates Pipfile.lock.
    Lock(LockArgs),
    /// Installs all packages specified in Pipfile.lock (the project's pylock.toml when there
    /// is no Pipfile.lock).
    Sync(SyncArgs),
    /// Runs lock, then sync.
    Update(UpdateArgs),
    /// Resolves the given packages and writes them to Pipfile and Pipfile.lock, without
    /// installing.
    Upgrade(UpgradeArgs),
    /// Spawns a command installed into the virtualenv.
    Run(RunArgs),
    /// Lists scripts in current environment config.
    Scripts,
    /// Generate a requirements.txt from Pipfile.lock.
    Requirements(RequirementsArgs),
    /// Verify the hash in Pipfile.lock is up-to-date.
    Verify,
    /// Uninstalls all packages not specified in Pipfile.lock (in the project's pylock.toml
    /// when there is one, as pipenv reads it).
    Clean(CleanArgs),
    /// Displays currently-installed dependency graph information.
    Graph(GraphArgs),
    /// Spawns a shell within the virtualenv.
    Shell(ShellArgs),
    /// Outputs the command to activate the virtualenv in the current shell
    /// (`eval "$(pipenv activate)"`).
    Activate,
    /// View a given module in your editor (`EDITOR`, else `VISUAL`, else vi).
    Open(OpenArgs),
    /// Manage PEP 751 pylock.toml files: show the project's (without options), write one
    /// from Pipfile.lock (`--generate`) or check one (`--validate`).
    Pylock(PylockArgs),
    /// Not done by den: pipenv's vulnerability scan with safety (it needs safety's online
    /// database); den says so and exits 1, naming pip-audit.
    Check(UnsupportedArgs),
    /// Not done by den: pipenv's vulnerability scan with pip-audit (it needs an online
    /// advisory database); den says so and exits 1, naming how to run pip-audit.
    Audit(UnsupportedArgs),
}

/// `pipenv pylock`. pipenv's options do not exclude one another: `--generate` goes first,
/// then `--from-pyproject`, then `--validate`.
#[derive(Debug, Args)]
pub struct PylockArgs {
    /// Generate pylock.toml from Pipfile.lock.
    #[arg(long)]
    pub generate: bool,
    /// Not done by den: pipenv's pylock.toml skeleton from pyproject.toml (package names and
    /// markers, without versions or files); den says so and exits 1.
    #[arg(long)]
    pub from_pyproject: bool,
    /// Validate the project's pylock.toml and show what it holds.
    #[arg(long)]
    pub validate: bool,
    /// Where `--generate` writes (relative to the project directory); default pylock.toml,
    /// or pylock.<pylock_name>.toml with the Pipfile's `[pipenv] pylock_name`.
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// The dependency groups of the develop packages, comma separated.
    #[arg(long, value_name = "GROUPS", default_value = den_pipfile::PYLOCK_DEV_GROUP)]
    pub dev_groups: String,
}

/// `pipenv open`.
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// Module to open (imported in the project's environment to find its source).
    #[arg(value_name = "MODULE")]
    pub module: String,
}

/// The options of a pipenv command den does not carry out: taken, so den can say what it
/// does not do whatever was asked.
#[derive(Debug, Args)]
pub struct UnsupportedArgs {
    /// pipenv's options for the command (not used).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub args: Vec<OsString>,
}

/// `pipenv shell`.
#[derive(Debug, Args)]
pub struct ShellArgs {
    /// Always spawn a sub-shell, even if one is already spawned.
    #[arg(long)]
    pub anyway: bool,
    /// Run in shell in fancy mode (den's subshell is the same either way).
    #[arg(long)]
    pub fancy: bool,
    /// Arguments for the shell (not passed on by den).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub shell_args: Vec<OsString>,
}

/// `pipenv graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Minimal output.
    #[arg(long)]
    pub bare: bool,
    /// Output JSON.
    #[arg(long, conflicts_with = "json_tree")]
    pub json: bool,
    /// Output JSON in nested tree.
    #[arg(long)]
    pub json_tree: bool,
    /// Reversed dependency graph.
    #[arg(long, conflicts_with = "json_tree")]
    pub reverse: bool,
}

/// Options shared by the commands that install or lock.
#[derive(Debug, Args, Default)]
pub struct CommonArgs {
    /// Install both develop and default packages.
    #[arg(short, long)]
    pub dev: bool,
    /// Allow pre-releases.
    #[arg(long)]
    pub pre: bool,
    /// Categories to act on (Pipfile table names, space or comma separated).
    #[arg(long, value_name = "CATEGORIES")]
    pub categories: Option<String>,
    /// Clears caches (den: refetch index pages).
    #[arg(long)]
    pub clear: bool,
}

/// `pipenv install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Packages to install and add to the Pipfile.
    #[arg(value_name = "PACKAGES")]
    pub packages: Vec<String>,
    /// An editable package path.
    #[arg(short, long = "editable", value_name = "PATH")]
    pub editables: Vec<String>,
    /// Import a requirements.txt file into the Pipfile.
    #[arg(short, long = "requirements", value_name = "FILE")]
    pub requirements: Option<PathBuf>,
    /// Abort if the Pipfile.lock is out-of-date.
    #[arg(long)]
    pub deploy: bool,
    /// Ignore Pipfile when installing, using the Pipfile.lock.
    #[arg(long)]
    pub ignore_pipfile: bool,
    /// Install from the Pipfile, resolving it, without reading or writing Pipfile.lock.
    #[arg(long)]
    pub skip_lock: bool,
    /// Install into the system interpreter, not a virtualenv (refused by den: it changes
    /// only environments).
    #[arg(long)]
    pub system: bool,
    /// Specify a target package index by url or index name from Pipfile.
    #[arg(short, long, value_name = "INDEX")]
    pub index: Option<String>,
    /// Shared options.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `pipenv uninstall`.
#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Packages to uninstall and remove from the Pipfile.
    #[arg(value_name = "PACKAGES")]
    pub packages: Vec<String>,
    /// Purge all package(s) from virtualenv. Does not edit Pipfile.
    #[arg(long)]
    pub all: bool,
    /// Uninstall all package(s) in [dev-packages].
    #[arg(long)]
    pub all_dev: bool,
    /// Shared options.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `pipenv lock`.
#[derive(Debug, Args)]
pub struct LockArgs {
    /// Accepted and ignored, as pipenv 2026.10 ignores it: `lock` locks every category (or
    /// those `--categories` names).
    #[arg(long)]
    pub dev_only: bool,
    /// Shared options.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `pipenv sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Then uninstall what the lock does not list, as `clean` does.
    #[arg(long)]
    pub clean: bool,
    /// Shared options.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `pipenv update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Packages to update (others keep their pins).
    #[arg(value_name = "PACKAGES")]
    pub packages: Vec<String>,
    /// Only lock, do not install.
    #[arg(long)]
    pub lock_only: bool,
    /// List out-of-date dependencies; change nothing.
    #[arg(long)]
    pub outdated: bool,
    /// Same as --outdated.
    #[arg(long)]
    pub dry_run: bool,
    /// Shared options.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `pipenv upgrade`.
#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// Packages to upgrade, with an optional specifier (`requests>=2.32`).
    #[arg(value_name = "PACKAGES", required = true)]
    pub packages: Vec<String>,
    /// Shared options.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `pipenv run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The command (or a script from the Pipfile's `[scripts]`) and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<OsString>,
}

/// `pipenv requirements`.
#[derive(Debug, Args)]
pub struct RequirementsArgs {
    /// Also include development packages.
    #[arg(short, long)]
    pub dev: bool,
    /// Only the development packages.
    #[arg(long)]
    pub dev_only: bool,
    /// Add package hashes.
    #[arg(long)]
    pub hash: bool,
    /// Exclude markers.
    #[arg(long)]
    pub exclude_markers: bool,
    /// Categories (Pipfile table names, space or comma separated).
    #[arg(long, value_name = "CATEGORIES")]
    pub categories: Option<String>,
}

/// `pipenv clean`.
#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Just output unneeded packages.
    #[arg(long)]
    pub dry_run: bool,
}

/// Runs pipenv's command line `args` (the words after `pipenv`) and returns its status.
pub fn run(args: &[OsString]) -> ExitCode {
    let argv = std::iter::once(OsString::from("pipenv")).chain(args.iter().cloned());
    let cli = match PipenvCli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    let printer = Printer::new(
        u8::from(cli.quiet),
        u8::from(cli.verbose),
        crate::printer::stderr_colour(false),
    );
    crate::interrupt::install_handler();
    match dispatch(&cli, &printer) {
        Ok(code) => code,
        Err(err) => {
            printer.error(&err);
            ExitCode::FAILURE
        }
    }
}

/// Whether den runs under the name `pipenv` (a link to den outside pyenv's shims
/// directory, where a `pipenv` shim runs the real pipenv of the selected Python).
pub fn is_multicall(argv0: &OsString) -> bool {
    let path = Path::new(argv0);
    if path.file_name().and_then(|n| n.to_str()) != Some("pipenv") {
        return false;
    }
    let shims = den_python::Pyenv::from_env().shims_dir();
    path.parent().is_none_or(|dir| dir != shims)
}

/// What every command works from: the settings, the working directory and the cache.
struct Session<'a> {
    cli: &'a PipenvCli,
    env: PipenvEnv,
    cwd: PathBuf,
    printer: &'a Printer,
}

fn dispatch(cli: &PipenvCli, printer: &Printer) -> anyhow::Result<ExitCode> {
    let session = Session {
        cli,
        env: PipenvEnv::from_process(),
        cwd: std::env::current_dir().context("cannot read the current directory")?,
        printer,
    };
    if cli.where_ {
        let project = session.project()?;
        printer.out(project.dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    if cli.rm {
        return session.remove();
    }
    if cli.venv || cli.py {
        let project = session.project()?;
        let location = project.venv_location(&session.env);
        if !location.join("bin").join("activate").is_file() {
            printer.warn("No virtualenv has been created for this project yet!");
            return Ok(ExitCode::FAILURE);
        }
        if cli.venv {
            printer.out(location.display());
        } else {
            printer.out(location.join("bin").join("python").display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    if cli.envs {
        // pipenv's layout; the variables are those den honours.
        printer.out("The following environment variables can be set, to do various things:\n");
        for name in [
            "PIPENV_PIPFILE",
            "PIPENV_MAX_DEPTH",
            "PIPENV_VENV_IN_PROJECT",
            "PIPENV_CUSTOM_VENV_NAME",
            "PIPENV_PYTHON",
            "PIPENV_IGNORE_VIRTUALENVS",
            "PIPENV_YES",
            "PIPENV_DOTENV_LOCATION",
            "PIPENV_DONT_LOAD_ENV",
            "PIPENV_PYPI_MIRROR",
            "WORKON_HOME",
        ] {
            printer.out(format!("  - {name}"));
        }
        printer.out(
            "\nYou can learn more at:\n   \
             https://pipenv.pypa.io/en/latest/configuration.html#available-environment-variables",
        );
        return Ok(ExitCode::SUCCESS);
    }
    let Some(command) = &cli.command else {
        if cli.python.is_some() || cli.site_packages {
            // pipenv's `--python`/`--site-packages` alone make the project's environment
            // (and its Pipfile when there is none).
            session.open_or_new()?;
            return Ok(ExitCode::SUCCESS);
        }
        use clap::CommandFactory;
        printer.out(PipenvCli::command().render_help());
        return Ok(ExitCode::SUCCESS);
    };
    match command {
        PipenvCommand::Install(args) => session.install(args),
        PipenvCommand::Uninstall(args) => session.uninstall(args),
        PipenvCommand::Remove => session.remove(),
        PipenvCommand::Lock(args) => session.lock_command(args),
        PipenvCommand::Sync(args) => session.sync_command(args),
        PipenvCommand::Update(args) => session.update(args),
        PipenvCommand::Upgrade(args) => session.upgrade(args),
        PipenvCommand::Run(args) => session.run_command(args),
        PipenvCommand::Scripts => session.scripts(),
        PipenvCommand::Requirements(args) => session.requirements(args),
        PipenvCommand::Verify => session.verify(),
        PipenvCommand::Clean(args) => session.clean(args),
        PipenvCommand::Graph(args) => session.graph(args),
        PipenvCommand::Shell(args) => session.shell(args),
        PipenvCommand::Activate => session.activate(),
        PipenvCommand::Open(args) => session.open_module(args),
        PipenvCommand::Pylock(args) => session.pylock(args),
        PipenvCommand::Check(_) | PipenvCommand::Audit(_) => bail!(NO_AUDIT),
    }
}

/// `word` with each `$NAME` and `${NAME}` whose NAME is in `variables` replaced by its value;
/// other `$` text stays as written (pipenv's `safe_expandvars` on `run`'s arguments).
fn expand_variables(word: &OsString, variables: &HashMap<OsString, OsString>) -> OsString {
    let Some(text) = word.to_str().filter(|text| text.contains('$')) else {
        return word.clone();
    };
    let mut out = OsString::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, taken) = match after.strip_prefix('{') {
            Some(braced) => match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            },
            None => {
                let end = after
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], end)
            }
        };
        match variables.get(OsString::from(name).as_os_str()) {
            Some(value) if taken > 0 => out.push(value),
            _ => out.push(&rest[at..at + 1 + taken]),
        }
        rest = &after[taken..];
    }
    out.push(rest);
    out
}

/// Whether `program` names an executable: itself when it holds a `/`, else found in one of
/// `path`'s directories.
fn is_on_path(program: &OsString, path: &OsString) -> bool {
    let program = Path::new(program);
    if program.components().count() > 1 || program.is_absolute() {
        return super::pyenv::is_executable(program);
    }
    std::env::split_paths(path).any(|dir| super::pyenv::is_executable(&dir.join(program)))
}

/// The categories `--categories` names (space or comma separated), else `packages` and,
/// with `dev`, `dev-packages`.
fn pipfile_categories(common: &CommonArgs, dev_default: bool) -> Vec<String> {
    match &common.categories {
        Some(list) => list
            .split([',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect(),
        None if common.dev || dev_default => vec!["packages".into(), "dev-packages".into()],
        None => vec!["packages".into()],
    }
}

/// The Pipfile category `install PKG` and `upgrade PKG` write to: the first of
/// `--categories`, else `dev-packages` with `-d`, else `packages`.
fn added_category(common: &CommonArgs) -> String {
    let mut categories = pipfile_categories(common, false);
    match &common.categories {
        Some(_) if !categories.is_empty() => categories.remove(0),
        _ if common.dev => "dev-packages".to_string(),
        _ => "packages".to_string(),
    }
}

/// The distributions installed in `target` that are neither in `kept` nor den's seed
/// packages (pip, setuptools, wheel; pipenv's `BAD_PACKAGES` also names distribute and
/// pkg-resources), which `clean` and `uninstall --all` remove.
///
/// Errors: the environment's site-packages cannot be read.
fn installed_but(
    target: &Target,
    kept: &BTreeSet<PackageName>,
) -> anyhow::Result<Vec<PackageName>> {
    Ok(
        den_install::installed_distributions(&target.site_packages())?
            .into_iter()
            .map(|dist| dist.name)
            .filter(|name| {
                !kept.contains(name) && !den_venv::SEED_PACKAGES.contains(&name.as_ref())
            })
            .collect(),
    )
}

/// The user's shell: `$SHELL`, else `$PYENV_SHELL`, else `/bin/sh`.
fn user_shell() -> PathBuf {
    ["SHELL", "PYENV_SHELL"]
        .iter()
        .find_map(|name| std::env::var_os(name).filter(|v| !v.is_empty()))
        .map_or_else(|| PathBuf::from("/bin/sh"), PathBuf::from)
}

/// The shell den was started from, when its parent process is one (what pipenv's
/// shellingham finds): its name from `/proc/<ppid>/comm`, a login shell's `-` removed.
fn parent_shell() -> Option<PathBuf> {
    let comm = std::fs::read_to_string(format!(
        "/proc/{}/comm",
        std::os::unix::process::parent_id()
    ))
    .ok()?;
    let name = comm.trim().trim_start_matches('-');
    let known = [
        "sh", "bash", "zsh", "dash", "ash", "ksh", "fish", "csh", "tcsh", "xonsh", "nu", "pwsh",
    ];
    known.contains(&name).then(|| PathBuf::from(name))
}

/// What `check` and `audit` say: pipenv runs safety or pip-audit in the environment, both of
/// which read a vulnerability database over the network; den does not scan, and does not
/// pretend to.
const NO_AUDIT: &str = "den pipenv does not scan for vulnerabilities (pipenv's `check` and \
`audit` run safety or pip-audit against an online advisory database). Run pip-audit on the \
lock's pins: `den pipenv requirements --dev > requirements.txt && pip-audit -r \
requirements.txt`, or on the environment: `den pip install -p \"$(den pipenv --venv)\" \
pip-audit && den pipenv run pip-audit`";

/// What `pylock --from-pyproject` says: pipenv writes a skeleton that is not a lock.
const NO_PYLOCK_SKELETON: &str = "den pipenv does not write pipenv's pylock.toml skeleton from \
pyproject.toml (`pylock --from-pyproject`: package names and markers without versions, \
sources or hashes, which no installer can install from); lock the project with \
`den pipenv lock` and write its pylock.toml with `den pipenv pylock --generate`";

/// What a command that needs Pipfile.lock says when there is none (pipenv's message).
const NO_LOCK: &str = "Pipfile.lock not found! You need to run `den pipenv lock` first.";

/// The project's Pipfile.lock, which the command needs.
///
/// Errors: there is none ([`NO_LOCK`]), or it cannot be read.
fn existing_lock(project: &Project) -> anyhow::Result<Lockfile> {
    match project.lockfile()? {
        Some(lock) => Ok(lock),
        None => bail!(NO_LOCK),
    }
}

/// Checks the PEP 751 lock at `path` against `target` for `categories` (Pipfile names)
/// before pipenv installs (`_check_pylock_environment` in `pipenv/routines/install.py`): the
/// lock's `requires-python` and `environments`, and each selected package's
/// `requires-python` (den's selection also needs a file for the target and a hash it can
/// check, as installing does). What is selected is as pipenv chooses it: every extra the
/// lock lists and its `default-groups`, with `dev-packages` all its `dependency-groups` and
/// [`den_pipfile::PYLOCK_DEV_GROUP`] too (even when the lock does not list it: pipenv reads
/// any marker naming `dependency_groups` and "dev" as a develop package), so a lock pipenv
/// wrote (develop packages under `'dev' in dependency_groups`) installs its categories. Returns that selection, or `None` when
/// `categories` name neither `packages` nor `dev-packages` (other categories have nothing in
/// a pylock.toml for pipenv).
///
/// Errors: pipenv's "PATH can't be installed: ..." with what does not fit, or the lock
/// cannot be read (file and key named).
fn check_pylock(
    path: &Path,
    categories: &[String],
    target: &Target,
) -> anyhow::Result<Option<LockSelection>> {
    let lock = Pylock::read(path)?;
    let has = |name: &str| categories.iter().any(|c| c == name);
    let dev = has("dev-packages");
    let selection = LockSelection {
        extras: lock.extras.iter().cloned().collect(),
        groups: if dev {
            let all = lock.dependency_groups.iter().map(String::as_str);
            all.chain([den_pipfile::PYLOCK_DEV_GROUP])
                .map(str::to_string)
                .collect()
        } else {
            BTreeSet::new()
        },
        default_groups: true,
    };
    let interpreter = &target.interpreter;
    let base = path.parent().unwrap_or(Path::new("."));
    if let Err(err) = lock.select(
        path,
        base,
        &selection,
        &interpreter.markers,
        &interpreter.tags,
        &interpreter.version,
    ) {
        let at = if err.key.is_empty() {
            String::new()
        } else {
            format!("`{}`: ", err.key)
        };
        bail!("{} can't be installed: {at}{}", path.display(), err.message);
    }
    Ok((dev || has("packages")).then_some(selection))
}

/// `PATH` with the environment at `location`'s `bin` directory first, as activating it does.
///
/// Errors: the directory cannot go on `PATH` (it holds a `:`).
fn path_with_bin(location: &Path) -> anyhow::Result<OsString> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let bin = location.join("bin");
    std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&path)))
        .context("the environment's bin directory cannot go on PATH")
}

/// Prints where a module's source is, run by the environment's Python with the module's name
/// as its argument: its `__file__`, or status 1 when it cannot be imported or has none (a
/// namespace package).
const FIND_MODULE: &str = "import importlib, sys
path = importlib.import_module(sys.argv[1]).__file__
sys.exit(path is None or print(path))
";

/// The last six characters of a hash, as pipenv shows it in messages.
fn last_six(hash: &str) -> &str {
    hash.get(hash.len().saturating_sub(6)..).unwrap_or(hash)
}

/// The Pipfile entry `pipenv install -e PATH` adds: `{editable = true, path = "PATH"}`
/// keyed by the project's name as its metadata writes it ([`den_pipfile::project_name_in`]),
/// as pipenv keys it.
///
/// Errors: `PATH` is not a directory, or none of its files names the project.
fn editable_entry(path: &str, project_dir: &Path) -> anyhow::Result<(String, PackageSpec)> {
    let dir = project_dir.join(path);
    if !dir.is_dir() {
        bail!("-e {path}: no such directory ({})", dir.display());
    }
    let name = den_pipfile::project_name_in(&dir).with_context(|| {
        format!(
            "-e {path}: no project name in {} (pipenv reads it from pyproject.toml, setup.cfg, setup.py, PKG-INFO or METADATA)",
            dir.display()
        )
    })?;
    Ok((
        name,
        PackageSpec::Table(den_pipfile::PackageTable {
            editable: true,
            path: Some(path.to_string()),
            ..den_pipfile::PackageTable::default()
        }),
    ))
}

/// The Pipfile entries of a requirements file (`pipenv install -r FILE`): each named
/// requirement with its specifiers (`"*"` without) as packaging orders them
/// ([`den_pipfile::specifier_set_text`]), its marker as written there, as packaging writes
/// it ([`den_pipfile::requirements_line_marker`]), and its extras.
///
/// Errors: the file cannot be read or parsed.
fn entries_of_requirements_file(file: &Path) -> anyhow::Result<Vec<(String, PackageSpec)>> {
    let parsed = den_requirements::parse_requirements_file(file)?;
    let mut texts: HashMap<PathBuf, String> = HashMap::new();
    let mut entries = Vec::new();
    for entry in parsed.requirements {
        let requirement = &entry.requirement;
        let name = requirement.name.to_string();
        let version = match &requirement.version_or_url {
            Some(den_dist::VersionOrUrl::VersionSpecifier(specifiers))
                if !specifiers.is_empty() =>
            {
                den_pipfile::specifier_set_text(&specifiers.to_string())
            }
            _ => "*".to_string(),
        };
        let marker = match &entry.origin {
            den_requirements::RequirementOrigin::File { file, line }
                if requirement.marker.contents().is_some() =>
            {
                if !texts.contains_key(file) {
                    let text = std::fs::read_to_string(file)
                        .with_context(|| format!("cannot read {}", file.display()))?;
                    texts.insert(file.clone(), text);
                }
                den_pipfile::requirements_line_marker(&logical_line(&texts[file], *line))
            }
            _ => None,
        };
        let extras: Vec<String> = requirement.extras.iter().map(ToString::to_string).collect();
        let spec = if marker.is_none() && extras.is_empty() {
            PackageSpec::Version(version)
        } else {
            PackageSpec::Table(den_pipfile::PackageTable {
                version: Some(version),
                extras,
                markers: marker,
                ..den_pipfile::PackageTable::default()
            })
        };
        entries.push((name, spec));
    }
    Ok(entries)
}

/// The logical line of requirements-file `text` that starts on 1-based line `number`: its
/// physical lines joined where one ends with `\\`, without a `#` comment (at the start or
/// after a blank), as pip reads it.
fn logical_line(text: &str, number: usize) -> String {
    let mut joined = String::new();
    for line in text.lines().skip(number.saturating_sub(1)) {
        match line.strip_suffix('\\') {
            Some(continued) => joined.push_str(continued),
            None => {
                joined.push_str(line);
                break;
            }
        }
    }
    let comment = joined
        .char_indices()
        .find(|(i, c)| *c == '#' && (*i == 0 || joined[..*i].ends_with(char::is_whitespace)))
        .map_or(joined.len(), |(i, _)| i);
    joined[..comment].to_string()
}

impl Session<'_> {
    fn project(&self) -> anyhow::Result<Project> {
        Project::find(&self.cwd, &self.env)
    }

    fn cache(&self) -> anyhow::Result<Cache> {
        Ok(den_cache::Cache::from_env()?)
    }

    /// What a command that locks or installs works with: the cache (held shared while the
    /// command runs, so `den cache clean` waits), the project and its environment, made
    /// when missing.
    fn open(&self) -> anyhow::Result<(Cache, den_cache::LockGuard, Project, Target)> {
        let cache = self.cache()?;
        let shared = cache.shared_lock()?;
        let project = self.project()?;
        let target = self.environment(&project, &cache)?;
        Ok((cache, shared, project, target))
    }

    /// As [`Session::open`], for the commands pipenv runs `ensure_project` for (`install`,
    /// `lock`, `upgrade`, `--python` alone): without a Pipfile, a project in the working
    /// directory is started ([`Session::new_project`]).
    fn open_or_new(&self) -> anyhow::Result<(Cache, den_cache::LockGuard, Project, Target)> {
        let cache = self.cache()?;
        let shared = cache.shared_lock()?;
        let (project, target) = match Project::find_optional(&self.cwd, &self.env)? {
            Some(project) => {
                let target = self.environment(&project, &cache)?;
                (project, target)
            }
            None => self.new_project(&cache)?,
        };
        Ok((cache, shared, project, target))
    }

    /// Starts a project as pipenv's `ensure_project` does where there is no Pipfile: its
    /// environment is made first, then the Pipfile (`PIPENV_PIPFILE`, else `Pipfile` in the
    /// working directory) is written with `[requires]` naming the environment's Python
    /// ([`Pipfile::new_default`]), and a `requirements.txt` found from the working directory
    /// up ([`den_pipfile::find_requirements`]) is imported into `[packages]`, as `install -r`
    /// imports one.
    ///
    /// Errors: the environment cannot be made; the Pipfile cannot be written; the
    /// requirements file cannot be read.
    fn new_project(&self, cache: &Cache) -> anyhow::Result<(Project, Target)> {
        let path = match &self.env.pipfile {
            Some(path) => self.cwd.join(path),
            None => self.cwd.join("Pipfile"),
        };
        let dir = path.parent().unwrap_or(&self.cwd).to_path_buf();
        let mut project = Project {
            pipfile: Pipfile::new_default(&path, None, None, false),
            pipfile_path: path,
            dir,
        };
        let target = self.environment(&project, cache)?;
        let requirements = den_pipfile::find_requirements(
            &self.cwd,
            self.env.max_depth.unwrap_or(den_pipfile::DEFAULT_MAX_DEPTH),
        );
        let asked = self.cli.python.is_some() || self.env.python.is_some();
        let version = target.interpreter.version.to_string();
        project.pipfile = Pipfile::new_default(
            &project.pipfile_path,
            self.env.pypi_mirror.as_deref(),
            Some(&version),
            asked,
        );
        if let Some(file) = requirements {
            self.printer.status(format!(
                "requirements.txt found in {} instead of Pipfile! Converting...",
                file.parent().unwrap_or(&self.cwd).display()
            ));
            for (name, spec) in entries_of_requirements_file(&file)? {
                project.pipfile.add_package("packages", &name, &spec);
            }
            self.printer.warn(
                "Your Pipfile now contains pinned versions, if your requirements.txt did. \n\
                 We recommend updating your Pipfile to specify the \"*\" version, instead.",
            );
        } else {
            self.printer
                .status("Creating a Pipfile for this project...");
        }
        project.pipfile.write()?;
        Ok((project, target))
    }

    /// Install settings with `resolver` and the pip settings pipenv's pip runs with
    /// (`PIP_SRC`, pip's `exists-action`).
    ///
    /// Errors: as [`crate::ops::pipenv::pip_exists_action`].
    fn install_settings(&self, resolver: ResolverSettings) -> anyhow::Result<InstallSettings> {
        Ok(InstallSettings {
            resolver,
            src_dir: self.env.src_dir.clone(),
            exists_action: crate::ops::pipenv::pip_exists_action()?,
            ..InstallSettings::default()
        })
    }

    fn resolver(&self, common: &CommonArgs) -> ResolverSettings {
        ResolverSettings {
            pre: common.pre,
            index: IndexSettings {
                cache_policy: common.clear.then_some(den_index::CachePolicy::Refresh),
                ..IndexSettings::default()
            },
            ..ResolverSettings::default()
        }
    }

    /// The project's environment, created (with the Python `--python`, `PIPENV_PYTHON` or
    /// the Pipfile's `[requires]` asks for) when it does not exist.
    fn environment(&self, project: &Project, cache: &Cache) -> anyhow::Result<Target> {
        let location = project.venv_location(&self.env);
        let find = |python: Option<&str>| {
            super::venv::find_base(
                python,
                &project.dir,
                &den_python::DiscoveryEnv::from_process(),
                cache,
            )
        };
        let mut found = None;
        if location.join("pyvenv.cfg").is_file() {
            let existing = Target::at_root(&location, cache)?;
            // `--python` on an environment of another Python version recreates it, as pipenv
            // does (pipenv even for the same version; an active VIRTUAL_ENV is kept).
            let asked = match self.cli.python.as_deref() {
                Some(python) if self.env.virtual_env.is_none() => find(Some(python))?,
                _ => return Ok(existing),
            };
            if asked.version == existing.interpreter.version {
                return Ok(existing);
            }
            self.printer.warn(
                "Virtualenv already exists but Python version differs. Recreating virtualenv...",
            );
            std::fs::remove_dir_all(&location)
                .with_context(|| format!("cannot remove {}", location.display()))?;
            found = Some(asked);
        }
        let interpreter = match found {
            Some(interpreter) => interpreter,
            None => {
                let requires = project.pipfile.requires();
                let python = self
                    .cli
                    .python
                    .clone()
                    .or_else(|| self.env.python.clone())
                    .or(requires.python_full_version)
                    .or(requires.python_version);
                find(python.as_deref())?
            }
        };
        self.printer.status(format!(
            "Creating a virtualenv for this project at {} with Python {}",
            location.display(),
            interpreter.version
        ));
        // pipenv has virtualenv show the project directory's name (`--prompt`).
        let prompt = project.dir.file_name().map(|name| name.to_string_lossy());
        let options = VenvOptions {
            prompt: Prompt::from_arg(prompt.as_deref()),
            system_site_packages: self.cli.site_packages,
            ..VenvOptions::default()
        };
        super::venv::create_from(interpreter, &location, &options, true, cache)?;
        // pipenv's environments know their project (virtualenvwrapper's `.project`), so
        // `workon` goes there too.
        let _ = std::fs::write(
            location.join(".project"),
            project.dir.as_os_str().as_encoded_bytes(),
        );
        Ok(Target::at_root(&location, cache)?)
    }

    /// The lock `settings` make for `project` on `target`'s interpreter, the existing lock's
    /// pins kept as `settings.upgrade` says (not written).
    fn locked(
        &self,
        project: &Project,
        target: &Target,
        settings: &LockSettings,
        cache: &Cache,
    ) -> anyhow::Result<Lockfile> {
        let previous = project.lockfile().ok().flatten();
        crate::ops::pipenv::lock(
            project,
            previous.as_ref(),
            &target.interpreter,
            &self.env,
            settings,
            cache,
            self.printer,
        )
    }

    /// Locks `project` for `target`'s interpreter and writes Pipfile.lock.
    fn write_lock(
        &self,
        project: &Project,
        target: &Target,
        settings: &LockSettings,
        cache: &Cache,
    ) -> anyhow::Result<Lockfile> {
        let lock = self.locked(project, target, settings, cache)?;
        self.write_lock_files(project, &lock, &settings.resolver, cache)?;
        Ok(lock)
    }

    /// Writes the Pipfile as edited in memory, then `lock` made from it (each atomically).
    /// Callers lock first ([`Session::locked`]), so a Pipfile that does not resolve leaves
    /// both files as they were.
    fn save(
        &self,
        project: &Project,
        lock: &Lockfile,
        resolver: &ResolverSettings,
        cache: &Cache,
    ) -> anyhow::Result<()> {
        project.pipfile.write()?;
        self.write_lock_files(project, lock, resolver, cache)
    }

    /// Writes `lock` as Pipfile.lock and, when the Pipfile says `use_pylock = true`, as
    /// pylock.toml after it (a pylock.toml that cannot be made is reported, as pipenv does,
    /// and the command goes on), saying what was written.
    fn write_lock_files(
        &self,
        project: &Project,
        lock: &Lockfile,
        resolver: &ResolverSettings,
        cache: &Cache,
    ) -> anyhow::Result<()> {
        lock.write(&project.lock_path())?;
        if project.pipfile.settings().use_pylock {
            let path = project.pylock_output_path();
            let groups = [den_pipfile::PYLOCK_DEV_GROUP.to_string()];
            let written = crate::ops::pipenv::write_pylock(
                project, lock, &path, &groups, &self.env, resolver, cache,
            );
            match written {
                Ok(()) => self
                    .printer
                    .status(format!("Generated pylock.toml at {}", path.display())),
                Err(err) => self
                    .printer
                    .status(format!("Error generating pylock.toml: {err:#}")),
            }
        }
        self.printer
            .status(format!("Updated Pipfile.lock ({})!", lock.pipfile_hash()));
        Ok(())
    }

    /// Installs `categories` (Pipfile names) of `lock` into `target`, hash-checked.
    fn sync(
        &self,
        project: &Project,
        lock: &Lockfile,
        categories: &[String],
        target: &Target,
        cache: &Cache,
        common: &CommonArgs,
    ) -> anyhow::Result<()> {
        let lock_names: Vec<String> = categories
            .iter()
            .map(|c| den_pipfile::Category::named(c).lock_name)
            .collect();
        // With `use_pylock` pipenv checks the pylock.toml and names it, but installs
        // Pipfile.lock's pins.
        let label = match project.pylock_to_install() {
            Some(path) => {
                check_pylock(&path, categories, target)?;
                "pylock.toml"
            }
            None => "Pipfile.lock",
        };
        let suffix = format!("({})", last_six(lock.pipfile_hash()));
        for category in &lock_names {
            self.printer.status(format!(
                "Installing dependencies from {label} [{category}]{suffix}..."
            ));
        }
        // Entries with hashes are installed in pip's hash-checking mode; paths, files and
        // git checkouts (which have none) separately, as pipenv does.
        let all = lock.requirements(&lock_names, true, true, false);
        let (hashed, direct): (Vec<&str>, Vec<&str>) =
            all.lines().partition(|line| line.contains(" --hash="));
        let mut resolver = self.resolver(common);
        resolver.index.options = project.index_options(&self.env, Some(lock))?;
        for (part, require_hashes) in [(hashed, true), (direct, false)] {
            if !part.is_empty() {
                let resolver = ResolverSettings {
                    require_hashes,
                    ..resolver.clone()
                };
                let settings = self.install_settings(resolver)?;
                crate::ops::install::install_pinned_lines(
                    target,
                    &part,
                    settings,
                    cache,
                    self.printer,
                )?;
            }
        }
        Ok(())
    }

    fn install(&self, args: &InstallArgs) -> anyhow::Result<ExitCode> {
        if args.system {
            bail!(
                "den pipenv installs into the project's virtualenv only, not with --system; to install the lock's pins into a system Python: `den pipenv requirements --hash > requirements.txt` then `den pip install --system -r requirements.txt`"
            );
        }
        let (cache, _shared, mut project, target) = self.open_or_new()?;
        let category = added_category(&args.common);
        let mut added: Vec<(String, PackageSpec)> = Vec::new();
        // `-i` names a [[source]] or gives an index URL, added as a [[source]] when new.
        let index = match &args.index {
            Some(index) if !args.packages.is_empty() => Some(
                project
                    .pipfile
                    .index_source(index)
                    .with_context(|| format!("-i {index}"))?,
            ),
            _ => None,
        };
        for package in &args.packages {
            added.push(
                PackageSpec::from_install_arg(package, index.as_deref())
                    .map_err(anyhow::Error::msg)?,
            );
        }
        for editable in &args.editables {
            added.push(editable_entry(editable, &project.dir)?);
        }
        if let Some(file) = &args.requirements {
            self.printer
                .status("Requirements file provided! Importing into Pipfile...");
            added.extend(entries_of_requirements_file(file)?);
        }
        let lock_settings = LockSettings {
            resolver: self.resolver(&args.common),
            categories: Vec::new(),
            upgrade: Some(
                added
                    .iter()
                    .filter_map(|(name, _)| name.parse::<PackageName>().ok())
                    .collect(),
            ),
        };
        if !added.is_empty() {
            // The Pipfile changes only if the new lock resolves (or, with `--skip-lock`, the
            // install succeeds): a package that cannot be installed is not added.
            for (name, spec) in &added {
                self.printer
                    .status(format!("Adding {name} to Pipfile's [{category}]..."));
                project.pipfile.add_package(&category, name, spec);
            }
            // As pipenv, `--pre` is remembered for the project's next locks.
            if args.common.pre {
                project.pipfile.add_setting("allow_prereleases", true);
            }
            if args.skip_lock {
                // Installed from the Pipfile, no lock read or written; the Pipfile is saved
                // once the install has succeeded.
                let code = self.install_skipping_lock(&project, &target, &cache, &args.common)?;
                project.pipfile.write()?;
                return Ok(code);
            }
            let lock = self.locked(&project, &target, &lock_settings, &cache)?;
            self.save(&project, &lock, &lock_settings.resolver, &cache)?;
            let categories = pipfile_categories(&args.common, category == "dev-packages");
            self.sync(&project, &lock, &categories, &target, &cache, &args.common)?;
            return Ok(ExitCode::SUCCESS);
        }
        if args.skip_lock {
            return self.install_skipping_lock(&project, &target, &cache, &args.common);
        }
        let new_hash = project.pipfile.hash()?;
        let lock = match project.lockfile()? {
            Some(lock) if args.ignore_pipfile || lock.pipfile_hash() == new_hash => lock,
            Some(lock) if args.deploy => {
                bail!(
                    "Your Pipfile.lock ({}) is out of date. Expected: ({new_hash}).",
                    lock.pipfile_hash()
                );
            }
            Some(lock) => {
                self.printer.warn(format!(
                    "Pipfile.lock ({}) out of date: run `pipenv lock` to update to ({})...",
                    last_six(lock.pipfile_hash()),
                    last_six(&new_hash)
                ));
                self.write_lock(
                    &project,
                    &target,
                    &LockSettings {
                        upgrade: Some(Vec::new()),
                        ..lock_settings
                    },
                    &cache,
                )?
            }
            None if args.deploy => bail!("Pipfile.lock not found; --deploy needs one"),
            None => {
                self.printer.status("Pipfile.lock not found, creating...");
                self.write_lock(&project, &target, &lock_settings, &cache)?
            }
        };
        let categories = pipfile_categories(&args.common, false);
        self.sync(&project, &lock, &categories, &target, &cache, &args.common)?;
        Ok(ExitCode::SUCCESS)
    }

    /// `install --skip-lock`: the Pipfile's packages of the chosen categories, resolved with
    /// their dependencies and installed as `den pip install` installs them; the lock is
    /// neither read nor written.
    fn install_skipping_lock(
        &self,
        project: &Project,
        target: &Target,
        cache: &Cache,
        common: &CommonArgs,
    ) -> anyhow::Result<ExitCode> {
        let mut sources = Vec::new();
        for category in pipfile_categories(common, false) {
            let packages = project.pipfile.packages(&category)?;
            sources.extend(crate::ops::pipenv::requirement_sources(&packages));
        }
        if sources.is_empty() {
            self.printer
                .status("No packages in the Pipfile to install.");
            return Ok(ExitCode::SUCCESS);
        }
        self.printer
            .status("Installing dependencies from Pipfile...");
        let mut resolver = self.resolver(common);
        resolver.pre |= project.pipfile.settings().allow_prereleases;
        resolver.index.options = project.index_options(&self.env, None)?;
        let settings = InstallSettings {
            sources,
            exactness: Exactness::Additive,
            ..self.install_settings(resolver)?
        };
        crate::ops::install(target, &settings, cache, self.printer)?;
        Ok(ExitCode::SUCCESS)
    }

    /// `remove` / `--rm`: deletes the project's environment (never one it did not make).
    fn remove(&self) -> anyhow::Result<ExitCode> {
        let project = self.project()?;
        let location = project.venv_location(&self.env);
        if self.env.virtual_env.is_some() {
            bail!(
                "You are attempting to remove a virtualenv that Pipenv did not create. Aborting."
            );
        }
        if !location.join("bin").join("activate").is_file() {
            self.printer
                .warn("No virtualenv has been created for this project yet!");
            return Ok(ExitCode::FAILURE);
        }
        self.printer
            .status(format!("Removing virtualenv ({})...", location.display()));
        std::fs::remove_dir_all(&location)
            .with_context(|| format!("cannot remove {}", location.display()))?;
        Ok(ExitCode::SUCCESS)
    }

    fn uninstall(&self, args: &UninstallArgs) -> anyhow::Result<ExitCode> {
        let (cache, _shared, mut project, target) = self.open()?;
        if args.all && !args.all_dev {
            return self.purge(&target);
        }
        let mut names: Vec<PackageName> = Vec::new();
        if args.all_dev {
            for (name, _) in project.pipfile.packages("dev-packages")? {
                names.extend(name.parse::<PackageName>().ok());
                project.pipfile.remove_package("dev-packages", &name);
            }
        }
        // `--categories` limits the tables a package is removed from; else every one.
        let categories: Vec<String> = match &args.common.categories {
            Some(_) => pipfile_categories(&args.common, false),
            None => project
                .pipfile
                .categories()
                .into_iter()
                .map(|c| c.name)
                .collect(),
        };
        for package in &args.packages {
            let name = package
                .parse::<PackageName>()
                .with_context(|| format!("`{package}` is not a package name"))?;
            let mut found = false;
            for category in &categories {
                found |= project.pipfile.remove_package(category, package);
            }
            if found {
                self.printer
                    .status(format!("Removing {package} from Pipfile..."));
            } else {
                self.printer
                    .warn(format!("No package {package} to remove from Pipfile."));
            }
            names.push(name);
        }
        if names.is_empty() {
            bail!("No package provided!");
        }
        if args.all {
            // With --all-dev, --all then purges the environment as well.
            self.purge(&target)?;
        }
        // Locked before anything changes: a Pipfile that no longer resolves leaves the
        // files and the environment as they were.
        let settings = LockSettings {
            resolver: self.resolver(&args.common),
            categories: Vec::new(),
            upgrade: Some(Vec::new()),
        };
        let lock = self.locked(&project, &target, &settings, &cache)?;
        crate::ops::uninstall(&target, &names, self.printer)?;
        self.save(&project, &lock, &settings.resolver, &cache)?;
        Ok(ExitCode::SUCCESS)
    }

    /// `uninstall --all` (pipenv's `do_purge`): uninstalls every distribution installed in
    /// `target` but den's seed packages, leaving the Pipfile and the lock as they are.
    ///
    /// Errors: the environment cannot be read, or an uninstall fails.
    fn purge(&self, target: &Target) -> anyhow::Result<ExitCode> {
        self.printer.status("Un-installing all packages...");
        let doomed = installed_but(target, &BTreeSet::new())?;
        if doomed.is_empty() {
            self.printer
                .status("Found 0 installed package, skip purging.");
        } else {
            self.printer.status(format!(
                "Found {} installed package(s), purging...",
                doomed.len()
            ));
            crate::ops::uninstall(target, &doomed, self.printer)?;
        }
        self.printer.status("Environment now purged and fresh!");
        Ok(ExitCode::SUCCESS)
    }

    fn lock_command(&self, args: &LockArgs) -> anyhow::Result<ExitCode> {
        let (cache, _shared, project, target) = self.open_or_new()?;
        let categories = match &args.common.categories {
            Some(_) => pipfile_categories(&args.common, false),
            None => Vec::new(),
        };
        let settings = LockSettings {
            resolver: self.resolver(&args.common),
            categories,
            upgrade: Some(Vec::new()),
        };
        self.write_lock(&project, &target, &settings, &cache)?;
        Ok(ExitCode::SUCCESS)
    }

    /// Installs `path`, the PEP 751 lock pipenv reads when there is no Pipfile.lock, into
    /// `target`: what [`check_pylock`] selects of it for `categories`, as `den pip install -r
    /// pylock.toml` installs a lock (each package's own file, hash-checked; nothing
    /// resolved).
    fn sync_pylock(
        &self,
        project: &Project,
        path: &Path,
        categories: &[String],
        target: &Target,
        cache: &Cache,
        common: &CommonArgs,
    ) -> anyhow::Result<()> {
        let selection = check_pylock(path, categories, target)?;
        for category in categories {
            self.printer.status(format!(
                "Installing dependencies from pylock.toml [{}]...",
                den_pipfile::Category::named(category).lock_name
            ));
        }
        let Some(selection) = selection else {
            return Ok(());
        };
        let mut resolver = self.resolver(common);
        resolver.index.options = project.index_options(&self.env, None)?;
        let settings = InstallSettings {
            sources: vec![den_requirements::RequirementsSource::PylockFile {
                path: path.to_path_buf(),
                selection,
            }],
            no_deps: true,
            ..self.install_settings(resolver)?
        };
        crate::ops::install(target, &settings, cache, self.printer)?;
        Ok(())
    }

    fn sync_command(&self, args: &SyncArgs) -> anyhow::Result<ExitCode> {
        let cache = self.cache()?;
        let _shared = cache.shared_lock()?;
        let project = self.project()?;
        let categories = pipfile_categories(&args.common, false);
        // Without Pipfile.lock pipenv installs the project's pylock.toml; the lock is
        // checked before the environment is made.
        match (project.lockfile()?, project.pylock_to_install()) {
            (Some(lock), _) => {
                let target = self.environment(&project, &cache)?;
                self.sync(&project, &lock, &categories, &target, &cache, &args.common)?;
                if args.clean {
                    self.remove_extraneous(&self.kept_by_clean(&project)?, &target, false)?;
                }
            }
            (None, Some(path)) => {
                let target = self.environment(&project, &cache)?;
                self.sync_pylock(&project, &path, &categories, &target, &cache, &args.common)?;
                if args.clean {
                    self.remove_extraneous(&self.kept_by_clean(&project)?, &target, false)?;
                }
            }
            (None, None) => bail!(NO_LOCK),
        }
        self.printer.status("All dependencies are now up-to-date!");
        Ok(ExitCode::SUCCESS)
    }

    fn update(&self, args: &UpdateArgs) -> anyhow::Result<ExitCode> {
        let (cache, _shared, project, target) = self.open()?;
        let upgrade = if args.packages.is_empty() {
            None
        } else {
            Some(
                args.packages
                    .iter()
                    .map(|p| {
                        p.parse::<PackageName>()
                            .with_context(|| format!("`{p}` is not a package name"))
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?,
            )
        };
        // `--categories` locks those only; the others keep their entries.
        let categories = match &args.common.categories {
            Some(_) => pipfile_categories(&args.common, false),
            None => Vec::new(),
        };
        let settings = LockSettings {
            resolver: self.refreshing_resolver(&args.common),
            categories,
            upgrade,
        };
        if args.outdated || args.dry_run {
            return self.outdated(&project, &target, &settings, &cache);
        }
        let lock = self.write_lock(&project, &target, &settings, &cache)?;
        if !args.lock_only {
            let categories = pipfile_categories(&args.common, false);
            self.sync(&project, &lock, &categories, &target, &cache, &args.common)?;
        }
        Ok(ExitCode::SUCCESS)
    }

    /// Resolver settings that revalidate index pages instead of taking cached ones as fresh:
    /// looking for newer versions is the point.
    fn refreshing_resolver(&self, common: &CommonArgs) -> ResolverSettings {
        let mut resolver = self.resolver(common);
        resolver.index.cache_policy = Some(den_index::CachePolicy::Refresh);
        resolver
    }

    /// `update --outdated`: locks without writing and compares each installed distribution
    /// the new lock pins with it, as pipenv's `do_outdated` does. One the lock would move is
    /// out of date (exit status 1); one the lock keeps while the index has a newer version
    /// (the Pipfile holds it back, or a dependency's requirement does) is skipped: pipenv's
    /// "Skipped Update of Package" on stderr, once per Pipfile category listing it (with
    /// pipenv's unformatted `{rdeps['required']} required`, which it prints for every
    /// installed package), and an out-of-date line with versions in `Version`'s repr. The
    /// out-of-date lines come sorted (pipenv's follow a set's order); "All packages are up to
    /// date!" when none is out of date, skipped ones aside.
    fn outdated(
        &self,
        project: &Project,
        target: &Target,
        settings: &LockSettings,
        cache: &Cache,
    ) -> anyhow::Result<ExitCode> {
        let unpinned = LockSettings {
            upgrade: None,
            ..settings.clone()
        };
        let lock = self.locked(project, target, &unpinned, cache)?;
        let mut available: std::collections::BTreeMap<PackageName, den_dist::Version> =
            std::collections::BTreeMap::new();
        for entries in lock.categories.values() {
            for (name, entry) in entries {
                let version = entry.version.as_deref().and_then(|v| v.strip_prefix("=="));
                if let (Ok(name), Some(Ok(version))) =
                    (name.parse::<PackageName>(), version.map(str::parse))
                {
                    available.insert(name, version);
                }
            }
        }
        let installed: Vec<_> = den_install::installed_distributions(&target.site_packages())?
            .into_iter()
            .filter(|dist| available.contains_key(&dist.name))
            .collect();
        let kept: Vec<PackageName> = installed
            .iter()
            .filter(|dist| available[&dist.name] == dist.version)
            .map(|dist| dist.name.clone())
            .collect();
        let newest = if kept.is_empty() {
            std::collections::HashMap::new()
        } else {
            let client = crate::ops::pipenv::index_client(
                project,
                &lock,
                &self.env,
                &settings.resolver,
                cache,
            )?;
            crate::ops::latest::newest_versions(
                &client,
                &kept,
                &target.interpreter,
                &den_resolve::ReleaseControl::default(),
                &den_resolve::BinaryPolicy::default(),
            )?
        };
        // Each Pipfile category's entries, read once for the skipped lines.
        let listed = project
            .pipfile
            .categories()
            .iter()
            .map(|category| project.pipfile.packages(&category.name))
            .collect::<Result<Vec<_>, _>>()?;
        let mut lines = Vec::new();
        let mut outdated = false;
        for dist in &installed {
            let name = dist.display_name();
            let locked = &available[&dist.name];
            if *locked != dist.version {
                outdated = true;
                lines.push(format!(
                    "Package '{name}' out-of-date: '{}' installed, '{locked}' available.",
                    dist.version
                ));
                continue;
            }
            let Some(newer) = newest.get(&dist.name).filter(|l| l.version > dist.version) else {
                continue;
            };
            let wanted = den_pipfile::pep423_name(&name);
            for packages in &listed {
                let Some((_, spec)) = packages
                    .iter()
                    .find(|(key, _)| den_pipfile::pep423_name(key) == wanted)
                else {
                    continue;
                };
                let held = match spec.pipfile_version() {
                    "" => " (Unpinned in Pipfile)".to_string(),
                    version => format!(" ({version} set in Pipfile)"),
                };
                self.printer.status(format!(
                    "Skipped Update of Package {name}: {} installed, {{rdeps['required']}} required{held}, {} available.",
                    dist.version, newer.version
                ));
            }
            lines.push(format!(
                "Package '{name}' out-of-date: <Version('{}')> installed, <Version('{}')> available.",
                dist.version, newer.version
            ));
        }
        lines.sort();
        for line in lines {
            self.printer.out(line);
        }
        if !outdated {
            self.printer.out("All packages are up to date!");
            return Ok(ExitCode::SUCCESS);
        }
        Ok(ExitCode::FAILURE)
    }

    fn upgrade(&self, args: &UpgradeArgs) -> anyhow::Result<ExitCode> {
        let (cache, _shared, mut project, target) = self.open_or_new()?;
        let category = added_category(&args.common);
        let mut names = Vec::new();
        for package in &args.packages {
            let (name, spec) =
                PackageSpec::from_install_arg(package, None).map_err(anyhow::Error::msg)?;
            let normalized = name
                .parse::<PackageName>()
                .with_context(|| format!("`{name}` is not a package name"))?;
            // A bare name keeps the entry the Pipfile has; a specifier replaces it.
            let listed = project
                .pipfile
                .packages(&category)?
                .iter()
                .any(|(listed, _)| {
                    listed.parse::<PackageName>().ok().as_ref() == Some(&normalized)
                });
            if !(listed && spec == PackageSpec::Version("*".into())) {
                project.pipfile.add_package(&category, &name, &spec);
            }
            names.push(normalized);
        }
        let settings = LockSettings {
            resolver: self.refreshing_resolver(&args.common),
            categories: Vec::new(),
            upgrade: Some(names),
        };
        let lock = self.locked(&project, &target, &settings, &cache)?;
        self.save(&project, &lock, &settings.resolver, &cache)?;
        Ok(ExitCode::SUCCESS)
    }

    fn requirements(&self, args: &RequirementsArgs) -> anyhow::Result<ExitCode> {
        let project = self.project()?;
        let lock = existing_lock(&project)?;
        let categories: Vec<String> = match &args.categories {
            Some(_) => pipfile_categories(
                &CommonArgs {
                    categories: args.categories.clone(),
                    ..CommonArgs::default()
                },
                false,
            )
            .iter()
            .map(|c| den_pipfile::Category::named(c).lock_name)
            .collect(),
            None if args.dev_only => vec!["develop".into()],
            None if args.dev => vec!["develop".into(), "default".into()],
            None => vec!["default".into()],
        };
        let text = lock.requirements(&categories, args.hash, !args.exclude_markers, true);
        self.printer.out(text.trim_end_matches('\n'));
        Ok(ExitCode::SUCCESS)
    }

    fn verify(&self) -> anyhow::Result<ExitCode> {
        let project = self.project()?;
        let locked = project
            .lockfile()?
            .map(|lock| lock.pipfile_hash().to_string());
        if locked != Some(project.pipfile.hash()?) {
            self.printer
                .warn("Pipfile.lock is out-of-date. Run $ pipenv lock to update.");
            return Ok(ExitCode::FAILURE);
        }
        self.printer.out("Pipfile.lock is up-to-date.");
        Ok(ExitCode::SUCCESS)
    }

    fn scripts(&self) -> anyhow::Result<ExitCode> {
        let project = self.project()?;
        let scripts = project.pipfile.scripts()?;
        // pipenv sizes the columns with Python's len() of the names and of the values.
        let width = scripts
            .iter()
            .map(|(name, _)| name.chars().count())
            .chain(["Command".len()])
            .max()
            .unwrap_or_default();
        let second = scripts
            .iter()
            .map(|(_, script)| script.python_len())
            .chain(["Script".len()])
            .max()
            .unwrap_or_default();
        self.printer.out(format!("{:<width$}  Script", "Command"));
        self.printer
            .out(format!("{}  {}", "-".repeat(width), "-".repeat(second)));
        for (name, script) in &scripts {
            self.printer.out(format!("{name:<width$}  {script}"));
        }
        Ok(ExitCode::SUCCESS)
    }

    /// The packages `clean` keeps: every package of the project's pylock.toml when there is
    /// one, even beside Pipfile.lock, as pipenv 2026.10.3 reads it first (`Lockfile.content`
    /// in `pipenv/utils/lockfile.py`; one it cannot read is reported and Pipfile.lock used),
    /// else every entry of Pipfile.lock.
    ///
    /// Errors: neither lock can be read.
    fn kept_by_clean(&self, project: &Project) -> anyhow::Result<BTreeSet<PackageName>> {
        if let Some(path) = den_pipfile::find_pylock(&project.dir) {
            match Pylock::read(&path) {
                Ok(lock) => return Ok(lock.packages.into_iter().map(|p| p.name).collect()),
                Err(err) => self
                    .printer
                    .warn(format!("Error loading pylock.toml: {err}")),
            }
        }
        let lock = existing_lock(project)?;
        Ok(lock
            .categories
            .values()
            .flat_map(|entries| entries.keys())
            .filter_map(|name| name.parse::<PackageName>().ok())
            .collect())
    }

    fn clean(&self, args: &CleanArgs) -> anyhow::Result<ExitCode> {
        let cache = self.cache()?;
        let _shared = cache.shared_lock()?;
        let project = self.project()?;
        let locked = self.kept_by_clean(&project)?;
        let target = self.environment(&project, &cache)?;
        self.remove_extraneous(&locked, &target, args.dry_run)?;
        Ok(ExitCode::SUCCESS)
    }

    /// pipenv's `remove_extraneous_packages` (`clean`, `sync --clean`): uninstalls from
    /// `target` each installed distribution not in `locked` (what
    /// [`Session::kept_by_clean`] keeps), den's seed packages aside; with `dry_run` prints
    /// their names instead.
    ///
    /// Errors: the environment cannot be read, or an uninstall fails.
    fn remove_extraneous(
        &self,
        locked: &BTreeSet<PackageName>,
        target: &Target,
        dry_run: bool,
    ) -> anyhow::Result<()> {
        let unneeded = installed_but(target, locked)?;
        if dry_run {
            for name in &unneeded {
                self.printer.out(name);
            }
            return Ok(());
        }
        for name in &unneeded {
            self.printer.status(format!("Uninstalling {name}..."));
        }
        if !unneeded.is_empty() {
            crate::ops::uninstall(target, &unneeded, self.printer)?;
        }
        Ok(())
    }

    /// The project's environment, made when missing; its root.
    fn ensure_environment(&self, project: &Project) -> anyhow::Result<PathBuf> {
        let location = project.venv_location(&self.env);
        if !location.join("pyvenv.cfg").is_file() {
            let cache = self.cache()?;
            let _shared = cache.shared_lock()?;
            self.environment(project, &cache)?;
        }
        Ok(location)
    }

    /// The `.env` variables `run` and `shell` load (none with `PIPENV_DONT_LOAD_ENV`).
    fn dotenv(&self, project: &Project) -> anyhow::Result<Vec<(String, String)>> {
        if self.env.dont_load_env {
            return Ok(Vec::new());
        }
        let file = self
            .env
            .dotenv_location
            .clone()
            .unwrap_or_else(|| project.dir.join(".env"));
        Ok(den_pipfile::read_dotenv(&file)?)
    }

    fn shell(&self, args: &ShellArgs) -> anyhow::Result<ExitCode> {
        if std::env::var_os("PIPENV_ACTIVE").is_some() && !args.anyway {
            let active = std::env::var("VIRTUAL_ENV")
                .unwrap_or_else(|_| "UNKNOWN_VIRTUAL_ENVIRONMENT".into());
            bail!(
                "Shell for {active} already activated.\nNew shell not activated to avoid nested environments."
            );
        }
        let project = self.project()?;
        let location = self.ensure_environment(&project)?;
        let shell = user_shell();
        let kind = shell
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|name| name.parse::<den_workon::shell::Shell>().ok());
        let scratch = tempfile::Builder::new()
            .prefix("den-pipenv-shell-")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .tempdir()
            .context("cannot create a private temporary directory for the shell's startup file")?;
        let bin = location.join("bin");
        let mut command = match kind {
            Some(kind) => {
                let startup = match kind {
                    den_workon::shell::Shell::Fish => super::workon::Startup::Fish(format!(
                        "source {}",
                        den_venv::quote::fish(&bin.join("activate.fish").to_string_lossy())
                    )),
                    _ => super::workon::Startup::Posix(format!(
                        ". {}\n",
                        den_venv::quote::posix(&bin.join("activate").to_string_lossy())
                    )),
                };
                super::workon::interactive(kind, &shell, &startup, scratch.path())?
            }
            None => super::workon::plain(&shell, &location),
        };
        command
            .env("PIPENV_ACTIVE", "1")
            .envs(self.dotenv(&project)?);
        self.printer
            .status("Launching subshell in virtual environment...");
        let status = command
            .status()
            .with_context(|| format!("cannot start the shell {}", shell.display()))?;
        drop(scratch);
        Ok(super::workon::exit_code(status))
    }

    fn activate(&self) -> anyhow::Result<ExitCode> {
        let project = self.project()?;
        let location = project.venv_location(&self.env);
        if !location.join("bin").join("activate").is_file() {
            bail!(
                "No virtualenv has been created for this project yet!\nRun pipenv install to create one."
            );
        }
        let shell = std::env::var_os("PIPENV_SHELL")
            .filter(|s| !s.is_empty())
            .map(PathBuf::from)
            .or_else(parent_shell)
            .unwrap_or_else(user_shell);
        let name = shell
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let name = name.split('.').next().unwrap_or_default();
        let (command, suffix) = match name {
            "fish" => ("source", ".fish"),
            "csh" | "tcsh" => ("source", ".csh"),
            "xonsh" => ("source", ".xsh"),
            "nu" => ("overlay use", ".nu"),
            "pwsh" | "powershell" => (".", ".ps1"),
            "sh" | "bash" | "zsh" | "dash" | "ash" | "ksh" => ("source", ""),
            _ => bail!("unknown shell {}", shell.display()),
        };
        // pipenv escapes the characters its shells would split on.
        let mut escaped = String::new();
        for c in location.to_string_lossy().chars() {
            if matches!(c, ' ' | '&' | '$' | '(' | ')' | '[' | ']') {
                escaped.push('\\');
            }
            escaped.push(c);
        }
        self.printer
            .out(format!("{command} {escaped}/bin/activate{suffix}"));
        Ok(ExitCode::SUCCESS)
    }

    fn graph(&self, args: &GraphArgs) -> anyhow::Result<ExitCode> {
        let project = self.project()?;
        let location = project.venv_location(&self.env);
        if !location.join("pyvenv.cfg").is_file() {
            bail!(
                "No virtualenv has been created for this project yet! Consider running `pipenv install` first."
            );
        }
        let cache = self.cache()?;
        let target = Target::at_root(&location, &cache)?;
        target.settle();
        let format = match (args.json, args.json_tree, args.reverse) {
            (true, _, true) => super::pipenv_graph::Format::ReverseJson,
            (true, _, _) => super::pipenv_graph::Format::Json,
            (_, true, _) => super::pipenv_graph::Format::JsonTree,
            (_, _, true) => super::pipenv_graph::Format::Reverse,
            _ => super::pipenv_graph::Format::Text,
        };
        super::pipenv_graph::print(&target, format, args.bare, self.printer)?;
        Ok(ExitCode::SUCCESS)
    }

    /// `pipenv pylock` as pipenv 2026.10.3 does it (`cmd_pylock` in
    /// `pipenv/cli/command.py`), in the project directory (the working directory when there
    /// is no Pipfile, as in pipenv) and with den's PEP 751 reader: `--generate` writes
    /// ([`Session::generate_pylock`]); `--validate` reads the project's lock
    /// ([`den_pipfile::find_pylock`]) and shows its version, tool, package count,
    /// `requires-python`, extras and dependency groups; without options, its path, version,
    /// tool and package count, or pipenv's hints when there is none (status 0 either way,
    /// and for a lock that cannot be read, which is reported).
    ///
    /// Errors: a Pipfile den cannot read; with `--validate`, no lock (pipenv's "No
    /// pylock.toml found.") or one den's reader refuses, as pipenv's "Version error: ..."
    /// for its `lock-version`, else "Format error: ...", naming the file and key.
    fn pylock(&self, args: &PylockArgs) -> anyhow::Result<ExitCode> {
        let project = Project::find_optional(&self.cwd, &self.env)?;
        if args.generate {
            return self.generate_pylock(project.as_ref(), args);
        }
        if args.from_pyproject {
            bail!(NO_PYLOCK_SKELETON);
        }
        let dir = project.as_ref().map_or(&self.cwd, |project| &project.dir);
        let found = den_pipfile::find_pylock(dir);
        if args.validate {
            let Some(path) = found else {
                bail!("No pylock.toml found.");
            };
            let lock = self.read_pylock(&path).map_err(|err| {
                let kind = if err.is_version_error() {
                    "Version"
                } else {
                    "Format"
                };
                anyhow::anyhow!("{kind} error: {err}")
            })?;
            self.printer.out(format!(
                "\u{2713} Valid pylock.toml (version {})",
                lock.lock_version
            ));
            self.show_pylock_contents(&lock);
            if let Some(requires_python) = Pylock::requires_python_as_written(&path)
                .filter(|requires_python| !requires_python.is_empty())
            {
                self.printer
                    .out(format!("  Requires Python: {requires_python}"));
            }
            for (title, names) in [
                ("Extras", &lock.extras),
                ("Dependency Groups", &lock.dependency_groups),
            ] {
                if !names.is_empty() {
                    self.printer.out(format!("  {title}: {}", names.join(", ")));
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        match found {
            Some(path) => match self.read_pylock(&path) {
                Ok(lock) => {
                    self.printer.out(format!("pylock.toml: {}", path.display()));
                    self.printer
                        .out(format!("  Version: {}", lock.lock_version));
                    self.show_pylock_contents(&lock);
                }
                Err(err) => self
                    .printer
                    .warn(format!("Found pylock.toml but could not parse: {err}")),
            },
            None => {
                self.printer.out("No pylock.toml found.");
                self.printer
                    .out("Use pipenv pylock --generate to create one from Pipfile.lock");
                self.printer
                    .out("Use pipenv pylock --from-pyproject to create from pyproject.toml");
            }
        }
        Ok(ExitCode::SUCCESS)
    }

    /// The lines `pylock` and `pylock --validate` both show: the tool that wrote `lock` and
    /// how many packages it has.
    fn show_pylock_contents(&self, lock: &Pylock) {
        self.printer
            .out(format!("  Created by: {}", lock.created_by));
        self.printer
            .out(format!("  Packages: {}", lock.packages.len()));
    }

    /// The PEP 751 lock at `path`, read and validated; a `lock-version` newer than 1.0 (read
    /// as 1.0) is warned about, as pipenv warns.
    ///
    /// Errors: den's reader refuses it.
    fn read_pylock(&self, path: &Path) -> Result<Pylock, den_requirements::pylock::PylockError> {
        let lock = Pylock::read(path)?;
        let minor = lock.lock_version.split('.').nth(1);
        if minor.and_then(|minor| minor.parse::<u64>().ok()) > Some(0) {
            self.printer.warn(format!(
                "{} has lock-version {}, newer than the {} den supports; keys added after {} are ignored.",
                path.display(),
                lock.lock_version,
                den_requirements::pylock::LOCK_VERSION,
                den_requirements::pylock::LOCK_VERSION
            ));
        }
        Ok(lock)
    }

    /// `pipenv pylock --generate`: the PEP 751 lock pipenv makes from the project's
    /// Pipfile.lock ([`crate::ops::pipenv::write_pylock`], develop packages in
    /// `--dev-groups`), written to `--output` (relative to the project directory) or where
    /// pipenv writes it ([`Project::pylock_output_path`]); says where on standard output,
    /// naming the path as given.
    ///
    /// Errors: no Pipfile.lock (pipenv's "No Pipfile.lock found."), or the lock cannot be
    /// read or the file written (pipenv's "Error generating pylock.toml: ...").
    fn generate_pylock(
        &self,
        project: Option<&Project>,
        args: &PylockArgs,
    ) -> anyhow::Result<ExitCode> {
        let Some(project) = project.filter(|project| project.lock_path().is_file()) else {
            bail!("No Pipfile.lock found.");
        };
        let groups: Vec<String> = args
            .dev_groups
            .split(',')
            .map(str::trim)
            .filter(|group| !group.is_empty())
            .map(str::to_string)
            .collect();
        // The names go into the file's markers (`'dev' in dependency_groups`): PEP 735 names,
        // which have the grammar of project names.
        if groups.is_empty() {
            bail!(
                "--dev-groups names no group: give one or more dependency group names, comma \
                 separated (default: {})",
                den_pipfile::PYLOCK_DEV_GROUP
            );
        }
        if let Some(bad) = groups
            .iter()
            .find(|group| group.parse::<PackageName>().is_err())
        {
            bail!(
                "--dev-groups: `{bad}` is not a dependency group name (PEP 735: letters, \
                 digits, `.`, `_` and `-`, starting and ending with a letter or digit)"
            );
        }
        let (path, shown) = match &args.output {
            Some(output) => (project.dir.join(output), output.display().to_string()),
            None => {
                let path = project.pylock_output_path();
                let shown = path.display().to_string();
                (path, shown)
            }
        };
        let cache = self.cache()?;
        let _shared = cache.shared_lock()?;
        let written = project.lockfile().and_then(|lock| {
            let lock = lock.context("Pipfile.lock disappeared")?;
            let resolver = self.resolver(&CommonArgs::default());
            crate::ops::pipenv::write_pylock(
                project, &lock, &path, &groups, &self.env, &resolver, &cache,
            )
        });
        if let Err(err) = written {
            bail!("Error generating pylock.toml: {err:#}");
        }
        self.printer
            .out(format!("Generated pylock.toml at {shown}"));
        Ok(ExitCode::SUCCESS)
    }

    /// `pipenv open MODULE` as pipenv 2026.10.3 does it (`cmd_open` in
    /// `pipenv/cli/command.py`): the module imported by the environment's Python (made when
    /// missing), its source (the package's directory for an `__init__.py`, a `.pyc` as its
    /// `.py`) opened by the editor (`EDITOR`, else `VISUAL`, else `vi`, run as one program
    /// with the path as its argument) with the environment's `bin` first on `PATH` and
    /// `VIRTUAL_ENV` set when unset. The editor's status is not the command's: pipenv exits
    /// 0 whatever it returns.
    ///
    /// Errors: no project, the environment cannot be made, or the editor cannot be started
    /// (named, with what to set). A module that cannot be imported is pipenv's "Module not
    /// found!" on standard output and status 1.
    fn open_module(&self, args: &OpenArgs) -> anyhow::Result<ExitCode> {
        let project = self.project()?;
        let location = self.ensure_environment(&project)?;
        let python = location.join("bin").join("python");
        let found = std::process::Command::new(&python)
            .args(["-c", FIND_MODULE, &args.module])
            .env("PYTHONIOENCODING", "utf-8")
            .stderr(std::process::Stdio::null())
            .output()
            .with_context(|| format!("cannot run {}", python.display()))?;
        let file = String::from_utf8_lossy(&found.stdout).trim().to_string();
        if !found.status.success() || file.is_empty() {
            self.printer.out("Module not found!");
            return Ok(ExitCode::FAILURE);
        }
        // pipenv shows the package directory as the `Path` it is and a module's file as a
        // string, each by its Python repr.
        let (path, shown) = match Path::new(&file).parent() {
            Some(dir) if file.contains("__init__.py") => {
                (dir.to_path_buf(), format!("PosixPath('{}')", dir.display()))
            }
            _ => {
                let source = match file.strip_suffix('c').or(file.strip_suffix('o')) {
                    Some(source) if source.ends_with(".py") => source,
                    _ => &file,
                };
                (PathBuf::from(source), format!("'{source}'"))
            }
        };
        self.printer.out(format!("Opening {shown} in your EDITOR."));
        let editor = ["EDITOR", "VISUAL"]
            .iter()
            .find_map(|name| std::env::var_os(name).filter(|v| !v.is_empty()))
            .unwrap_or_else(|| OsString::from("vi"));
        let mut command = std::process::Command::new(&editor);
        command.arg(&path).env("PATH", path_with_bin(&location)?);
        if std::env::var_os("VIRTUAL_ENV").is_none() {
            command.env("VIRTUAL_ENV", &location);
        }
        if let Err(err) = command.status() {
            bail!(
                "cannot run the editor {}: {err}; set EDITOR (or VISUAL) to an editor's program",
                editor.to_string_lossy()
            );
        }
        Ok(ExitCode::SUCCESS)
    }

    fn run_command(&self, args: &RunArgs) -> anyhow::Result<ExitCode> {
        let project = self.project()?;
        let location = self.ensure_environment(&project)?;
        let (first, rest) = args.command.split_first().context("no command given")?;
        let mut commands: Vec<Vec<OsString>> = Vec::new();
        let scripts = project.pipfile.scripts()?;
        let script = first
            .to_str()
            .and_then(|name| scripts.iter().find(|(n, _)| n == name));
        match script {
            Some((_, script)) => {
                for mut words in script.commands().map_err(anyhow::Error::msg)? {
                    words.extend(rest.iter().map(|w| w.to_string_lossy().into_owned()));
                    commands.push(words.into_iter().map(OsString::from).collect());
                }
            }
            None => commands.push(args.command.clone()),
        }
        let path = path_with_bin(&location)?;
        let dotenv = self.dotenv(&project)?;
        // What the command sees, and what `$NAME` in its arguments expands to (pipenv's
        // `safe_expandvars` against the command's environment).
        let mut variables: HashMap<OsString, OsString> = std::env::vars_os().collect();
        variables.remove(std::ffi::OsStr::new("PYTHONHOME"));
        variables.insert("PATH".into(), path.clone());
        variables.insert("VIRTUAL_ENV".into(), location.clone().into_os_string());
        variables.insert("PIPENV_ACTIVE".into(), "1".into());
        variables.extend(dotenv.into_iter().map(|(k, v)| (k.into(), v.into())));
        let last = commands.len() - 1;
        for (position, words) in commands.iter().enumerate() {
            let (program, arguments) = words.split_first().context("an empty script")?;
            let arguments: Vec<OsString> = arguments
                .iter()
                .map(|word| expand_variables(word, &variables))
                .collect();
            let mut command = if is_on_path(program, &path) {
                let mut command = std::process::Command::new(program);
                command.args(&arguments);
                command
            } else {
                // Not a program on PATH (a shell builtin such as `command`, or nothing): run
                // through `sh -c`, as pipenv does, whose status (127 for an unknown command)
                // becomes den's.
                let words: Vec<String> = std::iter::once(program)
                    .chain(&arguments)
                    .map(|word| den_venv::quote::posix(&word.to_string_lossy()))
                    .collect();
                let mut command = std::process::Command::new("/bin/sh");
                command.arg("-c").arg(words.join(" "));
                command
            };
            command.env_clear().envs(&variables);
            if position == last {
                use std::os::unix::process::CommandExt;
                let err = command.exec();
                bail!("cannot run {}: {err}", program.to_string_lossy());
            }
            let status = command
                .status()
                .with_context(|| format!("cannot run {}", program.to_string_lossy()))?;
            if !status.success() {
                return Ok(super::workon::exit_code(status));
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
