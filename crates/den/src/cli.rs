//! Command-line definitions (clap). Flag spellings follow the tools users already know:
//! `python -m venv` / virtualenv for `den venv`, pip for `den pip ...`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// den: one fast binary for Python environments.
#[derive(Debug, Parser)]
#[command(name = "den", version, about, propagate_version = true)]
pub struct Cli {
    /// Global output options.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Print less output (repeatable: -qq prints only errors).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "verbose")]
    pub quiet: u8,
    /// Print more output (-v: what den does, -vv: debug traces).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Cache directory [default: $DEN_CACHE_DIR, else the platform cache directory].
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a virtual environment (PEP 405), like `python -m venv` and virtualenv.
    Venv(VenvArgs),
    /// pip's commands: install, uninstall, freeze, list, show.
    #[command(subcommand)]
    Pip(PipCommand),
    /// Named environments in WORKON_HOME (virtualenvwrapper's model).
    #[command(subcommand)]
    Env(EnvCommand),
    /// Print the shell integration (virtualenvwrapper's functions): `eval "$(den init bash)"`,
    /// `eval "$(den init zsh)"`, `den init fish | source`.
    Init(InitArgs),
    /// Open a shell in the named environment (with the shell integration loaded, `den workon`
    /// activates it in the current shell instead).
    Workon(WorkonArgs),
}

/// `den env ...`: named environments. Names may contain spaces, not `/`.
#[derive(Debug, Subcommand)]
pub enum EnvCommand {
    /// Create a named environment (mkvirtualenv).
    Create(EnvCreateArgs),
    /// List the environments (lsvirtualenv).
    List(EnvListArgs),
    /// Show an environment's name, path, Python and project, then its get_env_details hooks'
    /// output (showvirtualenv prints the latter with --hooks-only).
    Show(EnvShowArgs),
    /// Print an environment's path (or its project or site-packages directory).
    Path(EnvPathArgs),
    /// Remove environments (rmvirtualenv).
    Remove(EnvRemoveArgs),
    /// Copy an environment into a working clone (cpvirtualenv).
    Copy(EnvCopyArgs),
    /// Create a temporary environment, removed on deactivate (mktmpenv); prints its name.
    Tmp(EnvTmpArgs),
    /// Uninstall every package but pip, setuptools and wheel (wipeenv).
    Wipe(EnvNameArg),
    /// Associate an environment with a project directory (setvirtualenvproject).
    Project(EnvProjectArgs),
    /// Add directories to the active environment's import path (add2virtualenv).
    AddPath(EnvAddPathArgs),
    /// Flip whether an environment sees the base interpreter's site-packages
    /// (toggleglobalsitepackages; -q hides the message).
    ToggleGlobalSitePackages(EnvNameArg),
    /// Run a hook virtualenvwrapper runs as a process (global, then the environment's own).
    Hook(EnvHookArgs),
    /// mkproject's project part, after the environment NAME was made: premkproject, then
    /// PROJECT_HOME/NAME created and made the environment's project.
    MkprojectDir(EnvMkprojectDirArgs),
    /// Environment names for tab completion, one per line.
    Complete(EnvCompleteArgs),
}

/// Options shared by `den env create` and `den env tmp`.
#[derive(Debug, Clone, Args)]
pub struct EnvCreateOptions {
    /// The base interpreter: a version (3.12), implementation, name or path.
    #[arg(short, long, value_name = "PYTHON")]
    pub python: Option<String>,
    /// Install the requirements in this file (repeatable).
    #[arg(short = 'r', long = "requirement", value_name = "FILE")]
    pub requirement_files: Vec<PathBuf>,
    /// Install this package (repeatable).
    #[arg(short = 'i', long = "install", value_name = "PACKAGE")]
    pub install: Vec<String>,
    /// Associate the environment with this existing project directory (writes .project).
    #[arg(short = 'a', value_name = "PROJECTDIR")]
    pub project_dir: Option<PathBuf>,
    /// Give the environment access to the base interpreter's site-packages.
    #[arg(long)]
    pub system_site_packages: bool,
    /// Do not install pip into the environment.
    #[arg(long, alias = "no-pip")]
    pub without_pip: bool,
    /// The prompt prefix shown when activated [default: the environment's name].
    #[arg(long)]
    pub prompt: Option<String>,
}

/// `den env create`.
#[derive(Debug, Args)]
pub struct EnvCreateArgs {
    /// The environment's name.
    pub name: String,
    /// Creation options.
    #[command(flatten)]
    pub options: EnvCreateOptions,
}

/// `den env tmp`.
#[derive(Debug, Args)]
pub struct EnvTmpArgs {
    /// Creation options.
    #[command(flatten)]
    pub options: EnvCreateOptions,
}

/// `den env list`.
#[derive(Debug, Args)]
pub struct EnvListArgs {
    /// Names only, one per line (the default).
    #[arg(short, long, conflicts_with_all = ["long", "json"])]
    pub brief: bool,
    /// Each name underlined, followed by its get_env_details hooks' output.
    #[arg(short, long, conflicts_with = "json")]
    pub long: bool,
    /// A JSON array of {"name", "path", "python", "project"}.
    #[arg(long)]
    pub json: bool,
}

/// `den env show`.
#[derive(Debug, Args)]
pub struct EnvShowArgs {
    /// The environment [default: the active one, $VIRTUAL_ENV].
    pub name: Option<String>,
    /// Print only the get_env_details hooks' output and a blank line (showvirtualenv's
    /// output), not the name, path, Python and project.
    #[arg(long)]
    pub hooks_only: bool,
}

/// `den env path`.
#[derive(Debug, Args)]
pub struct EnvPathArgs {
    /// The environment.
    pub name: String,
    /// Print the project directory from .project instead (exit 1 if none).
    #[arg(long, conflicts_with = "site_packages")]
    pub project: bool,
    /// Print the site-packages directory instead.
    #[arg(long)]
    pub site_packages: bool,
}

/// `den env remove`.
#[derive(Debug, Args)]
pub struct EnvRemoveArgs {
    /// The environments to remove.
    #[arg(required = true)]
    pub names: Vec<String>,
}

/// `den env copy`.
#[derive(Debug, Args)]
pub struct EnvCopyArgs {
    /// The environment to copy: a name in WORKON_HOME or a path to an environment.
    pub source: String,
    /// The new environment's name [default: the source's directory name].
    pub target: Option<String>,
}

/// An optional environment name (default: the active one).
#[derive(Debug, Args)]
pub struct EnvNameArg {
    /// The environment [default: the active one, $VIRTUAL_ENV].
    pub name: Option<String>,
}

/// `den env project`.
#[derive(Debug, Args)]
pub struct EnvProjectArgs {
    /// The environment.
    pub name: String,
    /// The project directory.
    pub dir: PathBuf,
}

/// `den env add-path`.
#[derive(Debug, Args)]
pub struct EnvAddPathArgs {
    /// Remove the directories instead.
    #[arg(short = 'd')]
    pub remove: bool,
    /// The directories, made absolute without resolving symlinks (none: print add2virtualenv's
    /// usage and the current directories, and exit 1).
    pub dirs: Vec<PathBuf>,
}

/// `den env hook`.
#[derive(Debug, Args)]
pub struct EnvHookArgs {
    /// The hook: premkvirtualenv, prermvirtualenv, postrmvirtualenv, preactivate,
    /// precpvirtualenv, premkproject or get_env_details.
    pub hook: String,
    /// The environment ('' for none); also the hooks' first argument.
    pub env: String,
    /// More arguments for the hooks.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// `den env mkproject-dir`.
#[derive(Debug, Args)]
pub struct EnvMkprojectDirArgs {
    /// The environment, and the project directory's name in PROJECT_HOME.
    pub name: String,
    /// Use the project directory even if it exists already.
    #[arg(short, long)]
    pub force: bool,
    /// Only check PROJECT_HOME and that the project does not exist yet (nothing runs or is
    /// created), as mkproject does before creating the environment.
    #[arg(long)]
    pub check: bool,
}

/// `den env complete`.
#[derive(Debug, Args)]
pub struct EnvCompleteArgs {
    /// Only names starting with this.
    #[arg(default_value = "")]
    pub prefix: String,
}

/// `den init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The shell: bash, zsh or fish.
    pub shell: String,
}

/// `den workon`.
#[derive(Debug, Args)]
pub struct WorkonArgs {
    /// The environment.
    pub name: String,
}

/// `den venv`.
#[derive(Debug, Args)]
pub struct VenvArgs {
    /// Where to create the environment.
    #[arg(default_value = ".venv")]
    pub path: PathBuf,
    /// The base interpreter: a version (3.12, >=3.10), implementation (pypy3.10), name
    /// (python3.11) or path [default: PYENV_VERSION, .python-version, else python3 on PATH].
    #[arg(short, long, value_name = "PYTHON")]
    pub python: Option<String>,
    /// Give the environment access to the base interpreter's site-packages.
    #[arg(long)]
    pub system_site_packages: bool,
    /// The prompt prefix shown when activated (`.` = the current directory's name)
    /// [default: the environment directory's name].
    #[arg(long)]
    pub prompt: Option<String>,
    /// Delete the contents of the directory first, if it exists.
    #[arg(long)]
    pub clear: bool,
    /// Copy the interpreter instead of symlinking it.
    #[arg(long, overrides_with = "symlinks")]
    pub copies: bool,
    /// Symlink the interpreter (the default on POSIX); the last of --copies / --symlinks wins.
    #[arg(long, overrides_with = "copies")]
    pub symlinks: bool,
    /// Do not install pip into the environment.
    #[arg(long, alias = "no-pip")]
    pub without_pip: bool,
}

/// `den pip ...`.
#[derive(Debug, Subcommand)]
pub enum PipCommand {
    /// Install packages from an index, like `pip install`.
    Install(InstallArgs),
    /// Uninstall packages, like `pip uninstall`.
    Uninstall(UninstallArgs),
    /// Print installed packages in requirements format, like `pip freeze`.
    Freeze(FreezeArgs),
    /// List installed packages, like `pip list`.
    List(ListArgs),
    /// Show information about installed packages, like `pip show`.
    Show(ShowArgs),
}

/// Which environment a pip command acts on.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// The environment or interpreter to act on [default: $VIRTUAL_ENV, else .venv in the
    /// current directory or a parent].
    #[arg(short, long, value_name = "PYTHON")]
    pub python: Option<String>,
    /// Allow acting on an interpreter that is not a virtual environment.
    #[arg(long)]
    pub system: bool,
}

/// `den pip install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Requirements (PEP 508), e.g. `requests` or `flask[async]>=3,<4`.
    #[arg(value_name = "REQUIREMENT")]
    pub requirements: Vec<String>,
    /// Install from the given requirements file (repeatable).
    #[arg(short = 'r', long = "requirement", value_name = "FILE")]
    pub requirement_files: Vec<PathBuf>,
    /// Constrain versions using the given constraints file (repeatable).
    #[arg(short = 'c', long = "constraint", value_name = "FILE")]
    pub constraint_files: Vec<PathBuf>,
    /// Base URL of the package index [default: $DEN_INDEX_URL, $PIP_INDEX_URL, pip's config, PyPI].
    #[arg(short = 'i', long, value_name = "URL")]
    pub index_url: Option<String>,
    /// Extra index URLs to use as well (repeatable).
    #[arg(long, value_name = "URL")]
    pub extra_index_url: Vec<String>,
    /// Upgrade the named packages to the newest allowed versions.
    #[arg(short = 'U', long)]
    pub upgrade: bool,
    /// Include pre-release and development versions.
    #[arg(long)]
    pub pre: bool,
    /// Require a --hash for every distribution installed (on automatically when any
    /// requirement line has one), as pip's hash-checking mode.
    #[arg(long)]
    pub require_hashes: bool,
    /// How files get from the cache into the environment.
    #[arg(long, value_enum, default_value = "hardlink")]
    pub link_mode: LinkModeArg,
    /// The target environment.
    #[command(flatten)]
    pub target: TargetArgs,
}

/// `--link-mode`: how installed files are placed (each falls back to the next on failure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LinkModeArg {
    /// Copy-on-write clone (reflink) where the file system supports it.
    Clone,
    /// Hardlink to the cache.
    Hardlink,
    /// Plain copy.
    Copy,
}

impl From<LinkModeArg> for den_cache::LinkMode {
    fn from(arg: LinkModeArg) -> Self {
        match arg {
            LinkModeArg::Clone => Self::Clone,
            LinkModeArg::Hardlink => Self::Hardlink,
            LinkModeArg::Copy => Self::Copy,
        }
    }
}

/// `den pip uninstall`.
#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Names of the packages to remove.
    #[arg(value_name = "PACKAGE")]
    pub packages: Vec<String>,
    /// Uninstall everything listed in the given requirements file (repeatable).
    #[arg(short = 'r', long = "requirement", value_name = "FILE")]
    pub requirement_files: Vec<PathBuf>,
    /// Don't ask for confirmation (den never asks; accepted for pip compatibility).
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// The target environment.
    #[command(flatten)]
    pub target: TargetArgs,
}

/// `den pip freeze`.
#[derive(Debug, Args)]
pub struct FreezeArgs {
    /// Also list pip (and, before Python 3.12, setuptools, wheel and distribute), as pip does.
    #[arg(long)]
    pub all: bool,
    /// The target environment.
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Output formats of `den pip list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// An aligned table.
    Columns,
    /// `name==version` lines.
    Freeze,
    /// A JSON array of `{"name", "version"}`.
    Json,
}

/// `den pip list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "columns")]
    pub format: ListFormat,
    /// The target environment.
    #[command(flatten)]
    pub target: TargetArgs,
}

/// `den pip show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Names of the packages to show.
    #[arg(value_name = "PACKAGE", required = true)]
    pub packages: Vec<String>,
    /// Also show the installed files.
    #[arg(short, long)]
    pub files: bool,
    /// The target environment.
    #[command(flatten)]
    pub target: TargetArgs,
}
