//! Command-line definitions (clap). Flag spellings follow the tools users already know:
//! `python -m venv` / virtualenv for `den venv`, pip for `den pip ...`. Option groups that
//! several commands take are defined once and flattened; each resolves into the plain settings
//! the operations take (`crate::ops::settings`) in one place, at the end of this file.

use std::path::PathBuf;

use anyhow::Context;
use clap::builder::FalseyValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};
use den_dist::PackageName;
use den_index::CachePolicy;
use den_requirements::{BinaryOptions, IndexOptions, RequirementsSource};
use den_resolve::ReleaseControl;

use crate::ops::settings::{
    BuildSettings, IndexSettings, InstallerSettings, NetworkOptions, ResolverSettings,
    UpgradeSettings,
};

/// den: one fast binary for Python environments.
#[derive(Debug, Parser)]
// Any unambiguous prefix of a long option is accepted, as pip's option parser accepts it
// (scripts write `--no-cache`, `--extra-index`, `--break-system-package`). An option given
// twice takes its last value, as in pip (options from pip's configuration are put first,
// crate::pip_args).
#[command(
    name = "den",
    version,
    about,
    propagate_version = true,
    infer_long_args = true,
    args_override_self = true
)]
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
    /// Print less output (repeatable: -qq prints only errors; each -q takes back one -v, as
    /// in pip).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub quiet: u8,
    /// Print more output (-v: what den does, -vv: debug traces).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Cache directory [default: $DEN_CACHE_DIR, else the platform cache directory].
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

impl GlobalArgs {
    /// The verbosity as pip counts it, `-v`s less `-q`s (`-v -q` is neither), kept as the one
    /// of the two counts that is left.
    pub fn net(&mut self) {
        let (verbose, quiet) = (self.verbose, self.quiet);
        self.verbose = verbose.saturating_sub(quiet);
        self.quiet = quiet.saturating_sub(verbose);
    }
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a virtual environment (PEP 405), like `python -m venv` and virtualenv.
    Venv(VenvArgs),
    /// pip's commands (install, uninstall, freeze, list, show, check, download, wheel, hash,
    /// cache, config, index, inspect, lock), pip-tools' (compile, sync) and tree.
    Pip(Box<PipArgs>),
    /// Named environments in WORKON_HOME (virtualenvwrapper's model).
    #[command(subcommand)]
    Env(EnvCommand),
    /// Print the shell integration (virtualenvwrapper's functions): `eval "$(den init bash)"`,
    /// `eval "$(den init zsh)"`, `den init fish | source`.
    Init(InitArgs),
    /// The package cache: where it is, how big, and cleaning it.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Open a shell in the named environment (with the shell integration loaded, `den workon`
    /// activates it in the current shell instead).
    Workon(WorkonArgs),
    /// pyenv's commands with pyenv's arguments and output: install, uninstall, version,
    /// versions, local, global, latest, prefix, which, whence, exec, rehash, shims, init,
    /// shell, root, version-name, version-origin, version-file, completions, and
    /// pyenv-virtualenv's virtualenv, virtualenvs, virtualenv-delete, virtualenv-prefix,
    /// activate, deactivate, virtualenv-init (also as `pyenv` or `pyenv-COMMAND` through a
    /// link to den; under any other name den is a pyenv shim).
    Pyenv(PyenvArgs),
    /// pipenv's commands on a Pipfile project, with pipenv's flags and files: install,
    /// uninstall, lock, sync (from pylock.toml without Pipfile.lock), update, upgrade, graph,
    /// run, shell, activate, open, scripts, requirements, verify, clean, remove, --venv,
    /// --where, --py (also as `pipenv` through a link to den); not check/audit.
    Pipenv(PyenvArgs),
    /// List the environments whose base interpreter is gone, changed version or no longer
    /// runs (the working directory's .venv, WORKON_HOME, pyenv's and pipenv's environments,
    /// or those given); exit status 1 when one needs repair; `--fix` rebuilds them.
    Doctor(DoctorArgs),
    /// Pack an environment into an archive (.tar.gz, .tar.zst, .zip) that unpacks working at
    /// any path on a machine with the same base Python (like venv-pack and conda-pack), or into
    /// an RPM that installs it at a fixed prefix (like rpmvenv).
    Pack(PackArgs),
    /// Unpack an archive made by `den pack` into a new directory, ready to use (without den:
    /// extract it and run its `bin/den-unpack`).
    Unpack(UnpackArgs),
}

/// `den pack`.
#[derive(Debug, Args)]
pub struct PackArgs {
    /// The environment to pack [default: $VIRTUAL_ENV, else .venv].
    #[arg(value_name = "ENV")]
    pub environment: Option<PathBuf>,
    /// The archive to write; its name gives the format (.tar.gz or .tgz, .tar.zst, .zip).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// The format, whatever the output's name: tar.gz, tar.zst, zip, or rpm (a package
    /// that installs the environment at --prefix).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// rpm: where the package installs the environment (absolute) [default: /opt/NAME].
    #[arg(long, value_name = "DIR")]
    pub prefix: Option<PathBuf>,
    /// rpm: the package name [default: the environment directory's name].
    #[arg(long)]
    pub name: Option<String>,
    /// rpm: the package version.
    #[arg(long, value_name = "VERSION", default_value = "0")]
    pub rpm_version: String,
    /// rpm: the package release.
    #[arg(long, default_value = "1")]
    pub release: String,
    /// rpm: the one-line summary [default: "Python environment NAME"].
    #[arg(long)]
    pub summary: Option<String>,
    /// Same environment, same bytes: fixed modification times ($SOURCE_DATE_EPOCH, else 0).
    #[arg(long)]
    pub reproducible: bool,
    /// Pack even with editable installs or .pth paths outside the environment (they will not
    /// exist where it is unpacked).
    #[arg(long)]
    pub ignore_editable: bool,
    /// Also carry the base Python's installation tree (sys.base_prefix) in the archive, under
    /// python/, so the target needs no Python. Only a self-contained installation can move
    /// (such as pyenv's builds; not the system's under /usr); not for rpm.
    #[arg(long)]
    pub with_python: bool,
}

/// `den unpack`.
#[derive(Debug, Args)]
pub struct UnpackArgs {
    /// The archive made by `den pack`.
    #[arg(value_name = "FILE")]
    pub archive: PathBuf,
    /// The new environment's directory.
    #[arg(value_name = "DIR")]
    pub destination: PathBuf,
    /// Replace DIR if it exists (only once the new environment is complete).
    #[arg(short, long)]
    pub force: bool,
    /// Where the base Python is installed on this machine (DIR/bin/python3.X), when not at
    /// the path it had where the environment was packed.
    #[arg(long, value_name = "DIR")]
    pub python_prefix: Option<PathBuf>,
}

/// `den doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Environments to check [default: every one den knows where to find].
    #[arg(value_name = "ENV")]
    pub environments: Vec<PathBuf>,
    /// Rebuild each environment that needs repair on a matching Python, keeping every
    /// distribution at its version (as `den venv --repair`).
    #[arg(long)]
    pub fix: bool,
}

/// `den pyenv COMMAND [ARGS...]` (and `den pipenv ...`): the words are the tool's, read as
/// it reads them.
#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct PyenvArgs {
    /// The command and its arguments.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub args: Vec<std::ffi::OsString>,
}

/// `den cache ...`.
#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Print the cache directory.
    Dir,
    /// Print the cache's size (`-H` for human units).
    Size(CacheSizeArgs),
    /// Remove the whole cache, or only the entries of the named packages.
    Clean(CacheCleanArgs),
    /// Remove what no current den uses: old formats, interrupted writes, build environments.
    Prune,
    /// Check every unpacked wheel against its RECORD (sizes and hashes); `--fix` removes the
    /// damaged ones so the next install unpacks them again. Exit status 1 when damage is
    /// found and left.
    Verify(CacheVerifyArgs),
}

/// `den cache verify`.
#[derive(Debug, Args)]
pub struct CacheVerifyArgs {
    /// Remove damaged entries.
    #[arg(long)]
    pub fix: bool,
}

/// `den cache size`.
#[derive(Debug, Args)]
pub struct CacheSizeArgs {
    /// Print KiB/MiB/GiB instead of bytes.
    #[arg(short = 'H', long)]
    pub human: bool,
}

/// `den cache clean`.
#[derive(Debug, Args)]
pub struct CacheCleanArgs {
    /// Only these packages' entries.
    #[arg(value_name = "PACKAGE")]
    pub packages: Vec<String>,
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
    /// Create the global hook files (initialize, postactivate, ...) in the hook directory
    /// (VIRTUALENVWRAPPER_HOOK_DIR, default WORKON_HOME), as virtualenvwrapper does when it
    /// loads; existing files are kept.
    InitHooks,
    /// mkproject's project part, after the environment NAME was made: premkproject, then
    /// PROJECT_HOME/NAME created and made the environment's project.
    MkprojectDir(EnvMkprojectDirArgs),
    /// virtualenvwrapper's project templates (entry points in the group
    /// `virtualenvwrapper.project.template` of PYTHON's environment): list them, or apply one
    /// to a project as mkproject -t does.
    Template(EnvTemplateArgs),
    /// Environment names for tab completion, one per line.
    Complete(EnvCompleteArgs),
    /// Describe the shell functions `den init` defines, with den's version and the directories
    /// in use (what the shell's `virtualenvwrapper` command prints).
    Functions,
    /// PATH with `$VAR` / `${VAR}` from the environment, a leading `~` and `.`/`..`
    /// resolved, as virtualenvwrapper_expandpath does (Python's expandvars, expanduser,
    /// normpath).
    #[command(hide = true)]
    ExpandPath(EnvExpandPathArgs),
}

/// `den env expand-path`.
#[derive(Debug, Clone, Args)]
pub struct EnvExpandPathArgs {
    /// The path to expand.
    #[arg(allow_hyphen_values = true)]
    pub path: String,
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
    /// The environment was already made in WORKON_HOME by another creator (mkvirtualenv with
    /// VIRTUALENVWRAPPER_VIRTUALENV set): only add its hook files, run premkvirtualenv, write
    /// .project and install the -i/-r packages.
    #[arg(long, hide = true)]
    pub adopt: bool,
    /// When NAME exists, update it in place instead of refusing, as mkvirtualenv does (virtualenv
    /// reuses an existing directory): its packages are kept, its interpreter links and
    /// activation scripts rewritten, pip seeded if missing. Without --python it keeps its
    /// Python; a --python of another minor version is refused.
    #[arg(long, conflicts_with = "adopt")]
    pub reuse: bool,
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

/// `den env template`.
#[derive(Debug, Args)]
pub struct EnvTemplateArgs {
    /// The interpreter whose environment holds the templates (mkproject passes
    /// VIRTUALENVWRAPPER_PYTHON, else the python3 on PATH before the new environment is
    /// activated).
    #[arg(long, value_name = "PYTHON")]
    pub python: PathBuf,
    /// The template to apply; without it the templates are listed with their descriptions.
    #[arg(requires = "project")]
    pub name: Option<String>,
    /// The project's name, handed to the template.
    #[arg(requires = "dir")]
    pub project: Option<String>,
    /// The project directory, handed to the template, which runs there.
    pub dir: Option<PathBuf>,
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
    /// Print only the completion of den's commands and options for SHELL (what the
    /// integration loads at the first Tab after `den`), e.g. to save it in a completions
    /// directory.
    #[arg(long)]
    pub completions: bool,
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
    /// Copy the interpreter instead of symlinking it (virtualenv's --always-copy too).
    #[arg(long, alias = "always-copy", overrides_with = "symlinks")]
    pub copies: bool,
    /// Symlink the interpreter (the default on POSIX); the last of --copies / --symlinks wins.
    #[arg(long, overrides_with = "copies")]
    pub symlinks: bool,
    /// Do not install pip into the environment (virtualenv's --no-pip and --no-seed too).
    #[arg(long, aliases = ["no-pip", "no-seed"])]
    pub without_pip: bool,
    /// Rebuild the existing environment at PATH in place on a matching Python (`--python`,
    /// else the version its pyvenv.cfg records), reinstalling every distribution at its
    /// version: for an environment whose base Python was removed or upgraded.
    #[arg(long, conflicts_with_all = ["clear", "without_pip"])]
    pub repair: bool,
    /// Make the new environment relocatable: it keeps working when its directory is moved
    /// or copied (activation scripts and console scripts find it from their own path;
    /// `relocatable = true` in pyvenv.cfg, which later installs keep).
    #[arg(long, conflicts_with_all = ["repair"])]
    pub relocatable: bool,
    /// Make the existing environment at PATH relocatable (see --relocatable): rewrite its
    /// scripts, .pth files, pyvenv.cfg and activation scripts in place.
    #[arg(long, conflicts_with_all = ["repair", "clear", "clone", "python", "prompt"])]
    pub make_relocatable: bool,
    /// Copy the environment SRC to PATH and rewrite every place that names SRC (scripts,
    /// activation scripts, pyvenv.cfg, .pth/.egg-link files, RECORD, direct_url.json), as
    /// virtualenv-clone does: the copy works after SRC is deleted.
    #[arg(long, value_name = "SRC", conflicts_with_all = ["repair", "clear", "python", "prompt"])]
    pub clone: Option<PathBuf>,
    /// Upgrade the seeded packages (pip, and setuptools before Python 3.12) to the newest on
    /// the index once the environment is made (`python -m venv --upgrade-deps`).
    #[arg(long, conflicts_with = "without_pip")]
    pub upgrade_deps: bool,
    /// Upgrade the existing environment at PATH to this Python, assumed upgraded in place
    /// (`python -m venv --upgrade`): its links are refreshed and its packages kept; the same
    /// minor version only.
    #[arg(long, conflicts_with_all = ["clear", "repair"])]
    pub upgrade: bool,
    /// Do not write the .gitignore that keeps the environment out of git (`python -m venv`;
    /// virtualenv's --no-vcs-ignore too).
    #[arg(long, alias = "no-vcs-ignore")]
    pub without_scm_ignore_files: bool,
    /// Do not seed setuptools (seeded before Python 3.12 only; virtualenv's option).
    #[arg(long)]
    pub no_setuptools: bool,
    /// virtualenv's option; den never seeds wheel (accepted, changes nothing).
    #[arg(long)]
    pub no_wheel: bool,
    /// uv's option; den seeds pip unless --without-pip (accepted, changes nothing).
    #[arg(long, conflicts_with = "without_pip")]
    pub seed: bool,
    /// The pip to seed (virtualenv's `--pip`): `bundle` or `embed` (the interpreter's bundled
    /// wheel, the default) or a version installed from the index.
    #[arg(long, value_name = "VERSION", conflicts_with = "without_pip")]
    pub pip: Option<String>,
    /// The activation scripts to write, comma-separated, by virtualenv's names: bash, cshell,
    /// fish, nushell, powershell, python [default: all].
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub activators: Option<Vec<String>>,
    /// virtualenv's option; den has no seed wheels to update (accepted, changes nothing).
    #[arg(long)]
    pub no_periodic_update: bool,
    /// virtualenv's option (its default); den seeds the interpreter's bundled pip and never
    /// downloads seed packages (accepted, changes nothing).
    #[arg(long)]
    pub no_download: bool,
}

/// `den pip [PIP OPTIONS] COMMAND ...`: pip's general options may come before or after the
/// command, as with pip.
#[derive(Debug, Args)]
pub struct PipArgs {
    /// pip's general options.
    #[command(flatten)]
    pub general: PipGeneralArgs,
    /// The pip command.
    #[command(subcommand)]
    pub command: PipCommand,
}

/// pip's general options that scripts pass, accepted so their command lines run unchanged.
/// But for `--no-input` (which makes uninstall's question an error, as in pip) and
/// `--no-color`, none changes what den does, and `-v` says so for each one given: den has no
/// version check, no prompt besides uninstall's confirmation, and writes no log file; its
/// cache is content-checked, so `--no-cache-dir` is not needed for correctness.
#[derive(Debug, Clone, Default, Args)]
pub struct PipGeneralArgs {
    /// Ignore the `PIP_*` environment variables and the user's pip configuration files, as
    /// pip does.
    #[arg(long, global = true)]
    pub isolated: bool,
    /// Accepted for pip's command lines (pip: disable the cache); no effect in den.
    #[arg(long, global = true, env = "PIP_NO_CACHE_DIR", value_parser = FalseyValueParser::new())]
    pub no_cache_dir: bool,
    /// Accepted for pip's command lines; den has no version check.
    #[arg(
        long,
        global = true,
        env = "PIP_DISABLE_PIP_VERSION_CHECK",
        value_parser = FalseyValueParser::new()
    )]
    pub disable_pip_version_check: bool,
    /// Disable prompting: `uninstall` without -y then fails instead of asking, as in pip.
    #[arg(long, global = true, env = "PIP_NO_INPUT", value_parser = FalseyValueParser::new())]
    pub no_input: bool,
    /// No colours in errors, warnings and logs (as NO_COLOR does; FORCE_COLOR forces them).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Accepted for pip's command lines; no effect in den.
    #[arg(long, global = true)]
    pub no_python_version_warning: bool,
    /// Append a verbose log to this file (created with its directory when missing): what
    /// den prints, its `-v` lines and its debug log, each with its UTC time, as pip's.
    #[arg(long, global = true, value_name = "PATH")]
    pub log: Option<PathBuf>,
    /// What `install` does when an editable git requirement's directory holds something
    /// else, as pip's answers: (s)witch, (i)gnore, (w)ipe, (b)ackup, (a)bort (repeatable;
    /// the first that applies is taken). Without one, den stops (pip would ask).
    #[arg(long, global = true, value_name = "ACTION", value_parser = ["s", "i", "w", "b", "a"])]
    pub exists_action: Vec<String>,
    /// Accepted for pip's command lines (pip's feature flags); no effect in den.
    #[arg(long, global = true, value_name = "FEATURE")]
    pub use_feature: Vec<String>,
    /// Accepted for pip's command lines (pip's deprecated behaviours); no effect in den.
    #[arg(long, global = true, value_name = "FEATURE")]
    pub use_deprecated: Vec<String>,
    /// Accepted for pip's command lines (pip: let unhandled exceptions through); no effect.
    #[arg(long, global = true)]
    pub debug: bool,
    /// Accepted for pip's command lines (pip: how to reach keyring); den reads credentials
    /// from URLs and .netrc.
    #[arg(long, global = true, value_name = "PROVIDER")]
    pub keyring_provider: Option<String>,
    /// Accepted for pip's command lines (pip: resume interrupted downloads); den retries
    /// whole downloads (`--retries`).
    #[arg(long, global = true, value_name = "N")]
    pub resume_retries: Option<u32>,
    /// Refuse to change or read an environment that is not a virtual environment (pip's
    /// status 3), for install, uninstall, freeze, check, sync, download and wheel.
    #[arg(
        long,
        global = true,
        env = "PIP_REQUIRE_VIRTUALENV",
        value_parser = FalseyValueParser::new()
    )]
    pub require_virtualenv: bool,
    /// Seconds each HTTP request may take [default: PIP_TIMEOUT / PIP_DEFAULT_TIMEOUT, pip.conf,
    /// else 30].
    #[arg(long, global = true, value_name = "SEC", alias = "default-timeout")]
    pub timeout: Option<f64>,
    /// Retries after a failed connection, timeout or 5xx answer [default: PIP_RETRIES,
    /// pip.conf, else 2].
    #[arg(long, global = true, value_name = "N")]
    pub retries: Option<u32>,
    /// Send every request through this proxy (`scheme://[user:pass@]host:port`) [default:
    /// PIP_PROXY, pip.conf, else the usual proxy environment variables].
    #[arg(long, global = true, value_name = "URL")]
    pub proxy: Option<String>,
    /// A PEM bundle of certificate authorities trusted besides the system's [default: PIP_CERT,
    /// pip.conf, SSL_CERT_FILE].
    #[arg(long, global = true, value_name = "PATH")]
    pub cert: Option<PathBuf>,
    /// A PEM file with a client certificate and its private key, for servers that ask for
    /// one [default: PIP_CLIENT_CERT, pip.conf].
    #[arg(long, global = true, value_name = "PATH")]
    pub client_cert: Option<PathBuf>,
    /// Ignore the proxy environment variables (`HTTPS_PROXY`, `ALL_PROXY`...); --proxy still
    /// applies [default: PIP_NO_PROXY_ENV, pip.conf].
    #[arg(long, global = true)]
    pub no_proxy_env: bool,
}

impl PipGeneralArgs {
    /// The `--exists-action` answers given, in order.
    pub fn exists_actions(&self) -> Vec<den_prepare::ExistsAction> {
        self.exists_action
            .iter()
            .filter_map(|letter| den_prepare::ExistsAction::from_letter(letter))
            .collect()
    }

    /// The network options given, which every index den asks uses.
    pub fn network(&self) -> NetworkOptions {
        NetworkOptions {
            timeout: self.timeout.map(std::time::Duration::from_secs_f64),
            retries: self.retries,
            proxy: self.proxy.clone(),
            cert: self.cert.clone(),
            client_cert: self.client_cert.clone(),
            no_proxy_env: self.no_proxy_env,
        }
    }

    /// The options given that change nothing in den, each with why.
    pub fn given(&self) -> Vec<(&'static str, &'static str)> {
        given([
            (
                self.no_cache_dir,
                "--no-cache-dir",
                "den's cache is checked against each file's hashes",
            ),
            (
                self.disable_pip_version_check,
                "--disable-pip-version-check",
                "den has no version check",
            ),
            (
                self.no_python_version_warning,
                "--no-python-version-warning",
                "den prints no such warning",
            ),
            (
                !self.use_feature.is_empty(),
                "--use-feature",
                "pip's feature flags",
            ),
            (
                !self.use_deprecated.is_empty(),
                "--use-deprecated",
                "pip's deprecated behaviours",
            ),
            (
                self.debug,
                "--debug",
                "den has no Python exceptions to let through",
            ),
            (
                self.keyring_provider.is_some(),
                "--keyring-provider",
                "den reads credentials from URLs and .netrc",
            ),
            (
                self.resume_retries.is_some(),
                "--resume-retries",
                "den retries whole downloads (--retries)",
            ),
        ])
    }
}

/// The `(option, why)` of each `(given, option, why)` given.
fn given<const N: usize>(
    options: [(bool, &'static str, &'static str); N],
) -> Vec<(&'static str, &'static str)> {
    options
        .into_iter()
        .filter(|(set, _, _)| *set)
        .map(|(_, name, why)| (name, why))
        .collect()
}

/// pip's install options that scripts pass: `-I` (a reinstall), `--upgrade-strategy` and
/// `--progress-bar off`, which den honours, and those that change nothing den does (with
/// `-v`, each one given is named, with why).
#[derive(Debug, Clone, Default, Args)]
pub struct PipInstallCompatArgs {
    /// Reinstall every chosen distribution, ignoring what is installed (pip's meaning).
    #[arg(short = 'I', long)]
    pub ignore_installed: bool,
    /// With -U: `only-if-needed` (the default) moves a dependency of what is upgraded only
    /// when it no longer satisfies; `eager` upgrades every installed dependency too.
    #[arg(long, value_name = "STRATEGY", value_parser = ["only-if-needed", "eager"])]
    pub upgrade_strategy: Option<String>,
    /// Do not compile bytecode (den's default).
    #[arg(long, overrides_with = "compile")]
    pub no_compile: bool,
    /// Accepted for pip's command lines; den does not warn about script locations.
    #[arg(long)]
    pub no_warn_script_location: bool,
    /// Accepted for pip's command lines; no effect in den.
    #[arg(long)]
    pub no_warn_conflicts: bool,
    /// Accepted for pip's command lines; den does not warn about running as root.
    #[arg(long, value_name = "ACTION", value_parser = ["warn", "ignore"])]
    pub root_user_action: Option<String>,
    /// Accepted for pip's command lines; den always builds through PEP 517.
    #[arg(long)]
    pub use_pep517: bool,
    /// The options install shares with download, wheel and lock.
    #[command(flatten)]
    pub build: PipBuildCompatArgs,
}

impl PipInstallCompatArgs {
    /// Whether `--upgrade-strategy eager` was given.
    pub fn eager(&self) -> bool {
        self.upgrade_strategy.as_deref() == Some("eager")
    }

    /// The options given that change nothing, each with why.
    pub fn given(&self) -> Vec<(&'static str, &'static str)> {
        let mut given = given([
            (
                self.no_compile,
                "--no-compile",
                "den compiles bytecode only with --compile",
            ),
            (
                self.no_warn_script_location,
                "--no-warn-script-location",
                "den does not warn about script locations",
            ),
            (
                self.no_warn_conflicts,
                "--no-warn-conflicts",
                "den does not warn about conflicts after installing",
            ),
            (
                self.root_user_action.is_some(),
                "--root-user-action",
                "den does not warn about running as root",
            ),
            (
                self.use_pep517,
                "--use-pep517",
                "den always builds through PEP 517",
            ),
        ]);
        // install clones editable git requirements into --src.
        given.extend(
            self.build
                .given()
                .into_iter()
                .filter(|(option, _)| *option != "--src"),
        );
        given
    }
}

/// pip's options of the commands that fetch and build distributions (`install`,
/// `download`, `wheel`, `lock`) that scripts pass: `--progress-bar off`, which den honours,
/// and those that change nothing den does (with `-v`, each one given is named, with why).
#[derive(Debug, Clone, Default, Args)]
pub struct PipBuildCompatArgs {
    /// `off` hides den's progress bars; `auto`, `on` and `raw` leave them as they are
    /// (drawn on a terminal only, hidden by -q).
    #[arg(long, value_name = "MODE", value_parser = ["auto", "on", "off", "raw"])]
    pub progress_bar: Option<String>,
    /// Where `install` clones editable git requirements, each as `<DIR>/<project name>`
    /// [default: `src` in the environment, `./src` outside one, as pip's]; download, wheel and lock read them
    /// from den's own checkout.
    #[arg(long, value_name = "DIR")]
    pub src: Option<PathBuf>,
    /// Accepted for pip's command lines (pip: check build dependencies under
    /// --no-build-isolation); den does not check them: a missing one fails the build.
    #[arg(long)]
    pub check_build_dependencies: bool,
    /// Accepted for pip's command lines (pip: keep temporary build directories); no effect.
    #[arg(long)]
    pub no_clean: bool,
}

impl PipBuildCompatArgs {
    /// Whether `--progress-bar off` was given.
    pub fn progress_off(&self) -> bool {
        self.progress_bar.as_deref() == Some("off")
    }

    /// The options given that change nothing, each with why.
    pub fn given(&self) -> Vec<(&'static str, &'static str)> {
        let progress_shown = self.progress_bar.is_some() && !self.progress_off();
        given([
            (
                progress_shown,
                "--progress-bar",
                "den draws its bars on a terminal only; `off` hides them",
            ),
            (
                self.src.is_some(),
                "--src",
                "den reads editable git requirements from its own checkout here; install clones them into --src",
            ),
            (
                self.check_build_dependencies,
                "--check-build-dependencies",
                "den does not check build dependencies; a missing one fails the build",
            ),
            (
                self.no_clean,
                "--no-clean",
                "den removes its temporary build directories",
            ),
        ])
    }
}

/// `den pip ...`.
#[derive(Debug, Subcommand)]
pub enum PipCommand {
    /// Install packages from an index, like `pip install`.
    Install(Box<InstallArgs>),
    /// Uninstall packages, like `pip uninstall`.
    Uninstall(UninstallArgs),
    /// Print installed packages in requirements format, like `pip freeze`.
    Freeze(FreezeArgs),
    /// List installed packages, like `pip list`.
    List(ListArgs),
    /// Show information about installed packages, like `pip show`.
    Show(ShowArgs),
    /// Pin requirements with their dependencies into a requirements.txt, like pip-tools'
    /// `pip-compile`.
    Compile(CompileArgs),
    /// Make the environment exactly match requirements files or a pylock.toml: install,
    /// upgrade and remove, like pip-tools' `pip-sync`.
    Sync(SyncArgs),
    /// Resolve requirements and write a PEP 751 lock file (pylock.toml) for this interpreter,
    /// like `pip lock`.
    Lock(LockArgs),
    /// Check that every installed distribution's dependencies are installed and compatible,
    /// like `pip check`.
    Check(CheckArgs),
    /// Download the archives of requirements and their dependencies into a directory, for
    /// one or several platforms, like `pip download`.
    Download(DownloadArgs),
    /// Build (or fetch) wheels for requirements and their dependencies into a directory,
    /// like `pip wheel`.
    Wheel(WheelArgs),
    /// Show the installed distributions as a dependency tree.
    Tree(TreeArgs),
    /// Print the `--hash` lines of files for requirements files, like `pip hash`.
    Hash(HashArgs),
    /// den's cache in pip's words, like `pip cache dir|info|list|remove|purge`.
    Cache(PipCacheArgs),
    /// Read and change pip's configuration files, like `pip config
    /// list|get|set|unset|edit|debug`.
    Config(PipConfigArgs),
    /// The versions the indexes offer, like `pip index versions PKG`.
    #[command(subcommand)]
    Index(PipIndexCommand),
    /// The environment's installed distributions and markers as pip's JSON report, like
    /// `pip inspect`.
    Inspect(InspectArgs),
    /// The interpreter's facts, the `cert` settings and the wheel tags it accepts, like `pip
    /// debug` (for people, not scripts).
    Debug(DebugArgs),
}

/// pip's general options that only matter where an index is asked, which pip's commands that
/// ask none still accept (with `-v`, each one given is named, with why).
#[derive(Debug, Clone, Default, Args)]
pub struct NoIndexCompatArgs {
    /// Accepted for pip's command lines (pip: trust this host over plain HTTP); this command
    /// asks no index.
    #[arg(long, value_name = "HOST")]
    pub trusted_host: Vec<String>,
}

impl NoIndexCompatArgs {
    /// The options given that change nothing, each with why.
    pub fn given(&self) -> Vec<(&'static str, &'static str)> {
        given([(
            !self.trusted_host.is_empty(),
            "--trusted-host",
            "this command asks no index",
        )])
    }
}

impl PipCommand {
    /// The options of pip's commands that fetch and build distributions (`--progress-bar`
    /// and those den accepts without effect); `None` for the other commands.
    pub fn build_compat(&self) -> Option<&PipBuildCompatArgs> {
        match self {
            PipCommand::Install(args) => Some(&args.compat.build),
            PipCommand::Lock(args) => Some(&args.compat),
            PipCommand::Download(args) => Some(&args.wheelhouse.compat),
            PipCommand::Wheel(args) => Some(&args.wheelhouse.compat),
            _ => None,
        }
    }

    /// The index options of pip's commands that ask no index; `None` for the others.
    pub fn no_index_compat(&self) -> Option<&NoIndexCompatArgs> {
        match self {
            PipCommand::Uninstall(args) => Some(&args.no_index),
            PipCommand::Freeze(args) => Some(&args.no_index),
            PipCommand::Show(args) => Some(&args.no_index),
            PipCommand::Check(args) => Some(&args.no_index),
            PipCommand::Inspect(args) => Some(&args.no_index),
            PipCommand::Hash(args) => Some(&args.no_index),
            PipCommand::Cache(args) => Some(&args.no_index),
            PipCommand::Config(args) => Some(&args.no_index),
            PipCommand::Debug(args) => Some(&args.no_index),
            _ => None,
        }
    }
}

/// `den pip debug`.
#[derive(Debug, Args)]
pub struct DebugArgs {
    /// Whose tags to show instead of the interpreter's.
    #[command(flatten)]
    pub platform: PipTargetArgs,
    /// The target environment.
    #[command(flatten)]
    pub target: TargetArgs,
    /// pip's index options, which this command (asking no index) accepts.
    #[command(flatten)]
    pub no_index: NoIndexCompatArgs,
}

/// `den pip inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Which distributions.
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// The target environment.
    #[command(flatten)]
    pub target: TargetArgs,
    /// pip's index options, which this command (asking no index) accepts.
    #[command(flatten)]
    pub no_index: NoIndexCompatArgs,
}

/// `den pip index ...`.
#[derive(Debug, Subcommand)]
pub enum PipIndexCommand {
    /// List the versions of a project the interpreter could install, newest first.
    Versions(IndexVersionsArgs),
}

/// `den pip index versions`.
#[derive(Debug, Args)]
pub struct IndexVersionsArgs {
    /// The project.
    #[arg(value_name = "PACKAGE")]
    pub package: String,
    /// Which pre-releases are listed.
    #[command(flatten)]
    pub releases: ReleaseArgs,
    /// Print pip's JSON object (`name`, `versions`, `latest`, `installed_version`).
    #[arg(long)]
    pub json: bool,
    /// List versions whose Requires-Python excludes the interpreter too.
    #[arg(long)]
    pub ignore_requires_python: bool,
    /// List what another Python could install instead of the interpreter.
    #[command(flatten)]
    pub platform: PipTargetArgs,
    /// The indexes to ask.
    #[command(flatten)]
    pub index: IndexArgs,
    /// Which files count.
    #[command(flatten)]
    pub binary: BinaryArgs,
    /// The environment whose interpreter decides what is installable, and whose installed
    /// version is shown.
    #[command(flatten)]
    pub target: TargetArgs,
}

/// `den pip hash`.
#[derive(Debug, Args)]
pub struct HashArgs {
    /// The files to hash (none: pip's usage line and status 1).
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The hash algorithm.
    #[arg(short, long, value_name = "ALGORITHM", default_value = "sha256",
          value_parser = ["sha256", "sha384", "sha512"])]
    pub algorithm: String,
    /// pip's general `--python`: the interpreter, or environment, pip would run the command
    /// under; it must exist, and its `pip.conf` is read as pip's site file.
    #[arg(short, long, value_name = "PYTHON")]
    pub python: Option<String>,
    /// pip's index options, which this command (asking no index) accepts.
    #[command(flatten)]
    pub no_index: NoIndexCompatArgs,
}

/// `den pip cache ACTION [ARGS]`: the action is read as pip reads it, so an unknown one gets
/// pip's message and status.
#[derive(Debug, Args)]
pub struct PipCacheArgs {
    /// `dir`, `info`, `list [PATTERN]`, `remove PATTERN` or `purge`.
    #[arg(value_name = "ACTION")]
    pub action: Option<String>,
    /// The action's arguments.
    #[arg(value_name = "ARG")]
    pub args: Vec<String>,
    /// `list`'s format: human (names and sizes) or abspath (one path a line).
    #[arg(long, value_name = "FORMAT", default_value = "human",
          value_parser = ["human", "abspath"])]
    pub format: String,
    /// pip's general `--python`: the interpreter, or environment, pip would run the command
    /// under; it must exist, and its `pip.conf` is read as pip's site file.
    #[arg(short, long, value_name = "PYTHON")]
    pub python: Option<String>,
    /// pip's index options, which this command (asking no index) accepts.
    #[command(flatten)]
    pub no_index: NoIndexCompatArgs,
}

/// `den pip config ACTION [ARGS]`: pip's configuration files, read and written as pip does.
#[derive(Debug, Args)]
pub struct PipConfigArgs {
    /// list, get NAME, set NAME VALUE, unset NAME, edit or debug.
    #[arg(value_name = "ACTION")]
    pub action: Option<String>,
    /// The action's arguments (names are `section.key`).
    #[arg(value_name = "ARG", allow_hyphen_values = true)]
    pub args: Vec<String>,
    /// Act on the system-wide file (/etc/pip.conf).
    #[arg(long = "global")]
    pub global_file: bool,
    /// Act on the user's file (~/.config/pip/pip.conf).
    #[arg(long = "user")]
    pub user_file: bool,
    /// Act on the environment's file (`--python`'s environment's pip.conf, else
    /// $VIRTUAL_ENV/pip.conf).
    #[arg(long = "site")]
    pub site_file: bool,
    /// pip's general `--python`: the interpreter, or environment, pip would run the command
    /// under, whose `sys.prefix` holds the site file (`<prefix>/pip.conf`) [default: the
    /// active or nearest environment].
    #[arg(short, long, value_name = "PYTHON")]
    pub python: Option<String>,
    /// `edit`'s editor [default: $VISUAL, else $EDITOR].
    #[arg(long, value_name = "EDITOR")]
    pub editor: Option<String>,
    /// pip's index options, which this command (asking no index) accepts.
    #[command(flatten)]
    pub no_index: NoIndexCompatArgs,
}

/// `den pip check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The target environment.
    #[command(flatten)]
    pub target: TargetArgs,
    /// pip's index options, which this command (asking no index) accepts.
    #[command(flatten)]
    pub no_index: NoIndexCompatArgs,
}

/// `den pip tree`.
#[derive(Debug, Args)]
pub struct TreeArgs {
    /// Show only these packages and their dependencies [default: every distribution that no
    /// other one requires].
    #[arg(value_name = "PACKAGE")]
    pub packages: Vec<String>,
    /// Show what requires each package instead of what it requires.
    #[arg(long)]
    pub invert: bool,
    /// Descend at most this many levels.
    #[arg(short, long, value_name = "N")]
    pub depth: Option<usize>,
    /// The target environment.
    #[command(flatten)]
    pub target: TargetArgs,
}

/// Which environment a pip command acts on.
#[derive(Debug, Default, Args)]
pub struct TargetArgs {
    /// The environment or interpreter to act on [default: $VIRTUAL_ENV, else .venv in the
    /// current directory or a parent].
    #[arg(short, long, value_name = "PYTHON")]
    pub python: Option<String>,
    /// Allow acting on an interpreter that is not a virtual environment.
    #[arg(long)]
    pub system: bool,
    /// Allow changing an interpreter its distributor marks as externally managed (PEP 668's
    /// EXTERNALLY-MANAGED file, Debian's system Python) [env: PIP_BREAK_SYSTEM_PACKAGES].
    #[arg(long, env = "PIP_BREAK_SYSTEM_PACKAGES", value_parser = FalseyValueParser::new())]
    pub break_system_packages: bool,
}

/// Where packages come from: pip's index options (also read from pip's environment variables
/// and configuration files) and the cache's freshness rules.
#[derive(Debug, Clone, Default, Args)]
pub struct IndexArgs {
    /// Base URL of the package index [default: $DEN_INDEX_URL, $PIP_INDEX_URL, pip's config, PyPI].
    #[arg(short = 'i', long, value_name = "URL")]
    pub index_url: Option<String>,
    /// Extra index URLs to use as well (repeatable).
    #[arg(long, value_name = "URL")]
    pub extra_index_url: Vec<String>,
    /// Ignore the package index; use only --find-links locations.
    #[arg(long)]
    pub no_index: bool,
    /// A directory of wheels and source distributions, or the URL or path of an HTML page
    /// linking to them, searched as well as the index (repeatable).
    #[arg(short = 'f', long, value_name = "URL_OR_DIR")]
    pub find_links: Vec<String>,
    /// Trust this host (`host` or `host:port`) over plain HTTP or with a certificate that does
    /// not verify (repeatable).
    #[arg(long, value_name = "HOST")]
    pub trusted_host: Vec<String>,
    /// Revalidate every cached index page with the server, however fresh it is.
    #[arg(long, conflicts_with = "offline")]
    pub refresh: bool,
    /// Revalidate these projects' cached index pages (comma-separated names, or `:all:` as
    /// --refresh; repeatable), as pip's option.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub refresh_package: Vec<String>,
    /// Never use the network: only what the cache holds.
    #[arg(long)]
    pub offline: bool,
    /// Only consider files uploaded before this instant, as pip 26's option: an ISO 8601
    /// date or date and time (`2023-01-01`, `2023-01-01T00:00:00Z`; local time when no
    /// offset is given) or `P<n>D`, n days ago. Needs indexes that publish upload times
    /// (PEP 700); local find-links files are not filtered.
    #[arg(
        long,
        value_name = "DATETIME_OR_DURATION",
        env = "PIP_UPLOADED_PRIOR_TO"
    )]
    pub uploaded_prior_to: Option<den_index::UploadedPriorTo>,
}

/// Which pre-releases count: pip's `--pre` and pip 26's per-project release control, for
/// resolving, and for `list --outdated` and `index versions`.
#[derive(Debug, Clone, Default, Args)]
pub struct ReleaseArgs {
    /// Include pre-release and development versions.
    #[arg(long, env = "PIP_PRE", value_parser = FalseyValueParser::new())]
    pub pre: bool,
    /// Let these projects have pre-releases like any release (comma-separated names,
    /// `:all:` as --pre, `:none:`; repeatable), as pip 26's option.
    #[arg(long, value_name = "NAMES")]
    pub all_releases: Vec<String>,
    /// Never give these projects a pre-release, even one a specifier names
    /// (comma-separated names, `:all:`, `:none:`; repeatable), as pip 26's option.
    #[arg(long, value_name = "NAMES")]
    pub only_final: Vec<String>,
}

impl ReleaseArgs {
    /// The release control these options ask for.
    ///
    /// Errors: `--pre` with `--all-releases` or `--only-final` (pip 26's refusal), or a
    /// value that is not a list of project names.
    pub fn control(&self) -> anyhow::Result<ReleaseControl> {
        crate::ops::settings::release_control(self.pre, &self.all_releases, &self.only_final)
    }
}

/// Wheels or source distributions (pip's format control), for building and installing, and
/// for `list --outdated` and `index versions`.
#[derive(Debug, Clone, Default, Args)]
pub struct BinaryArgs {
    /// Never use wheels for these projects (comma-separated names, `:all:` or `:none:`;
    /// repeatable): build them from source.
    #[arg(
        long,
        value_name = "NAMES",
        env = "PIP_NO_BINARY",
        value_delimiter = ' '
    )]
    pub no_binary: Vec<String>,
    /// Never use source distributions for these projects (comma-separated names, `:all:` or
    /// `:none:`; repeatable).
    #[arg(
        long,
        value_name = "NAMES",
        env = "PIP_ONLY_BINARY",
        value_delimiter = ' '
    )]
    pub only_binary: Vec<String>,
    /// Prefer an older version with a wheel over a newer one that must be built.
    #[arg(long, env = "PIP_PREFER_BINARY", value_parser = FalseyValueParser::new())]
    pub prefer_binary: bool,
}

impl BinaryArgs {
    /// The options as given.
    pub fn options(&self) -> BinaryOptions {
        BinaryOptions {
            no_binary: self.no_binary.clone(),
            only_binary: self.only_binary.clone(),
            prefer_binary: self.prefer_binary,
        }
    }
}

/// Wheels or source distributions, and how source distributions are built (PEP 517).
#[derive(Debug, Clone, Default, Args)]
pub struct BuildArgs {
    /// Wheels or source distributions.
    #[command(flatten)]
    pub binary: BinaryArgs,
    /// Build in the target environment's interpreter with what it has installed, instead of
    /// an isolated environment holding the project's build requirements.
    #[arg(long)]
    pub no_build_isolation: bool,
    /// A setting passed to the build backend's hooks as `config_settings` (PEP 517),
    /// KEY=VALUE, repeatable (a repeated key passes a list), as pip's.
    #[arg(short = 'C', long = "config-settings", value_name = "KEY=VALUE", value_parser = parse_config_setting, allow_hyphen_values = true)]
    pub config_settings: Vec<(String, String)>,
    /// Constrain the build environments' requirements with this constraints file
    /// (repeatable), as pip's option.
    #[arg(long = "build-constraint", value_name = "FILE")]
    pub build_constraints: Vec<PathBuf>,
}

/// One `-C KEY=VALUE`: the key and the value (after the first `=`).
fn parse_config_setting(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!(
            "`{text}` is not KEY=VALUE: give each build setting as -C KEY=VALUE"
        )),
    }
}

/// What every resolving command reads besides its requirements: constraints, pre-releases,
/// index and build options (`den pip install`, `sync` and `compile`).
#[derive(Debug, Clone, Default, Args)]
pub struct ResolverArgs {
    /// Constrain versions using the given constraints file (repeatable).
    #[arg(
        short = 'c',
        long = "constraint",
        value_name = "FILE",
        env = "PIP_CONSTRAINT",
        value_delimiter = ' '
    )]
    pub constraint_files: Vec<PathBuf>,
    /// Pre-releases: `--pre`, `--all-releases`, `--only-final`.
    #[command(flatten)]
    pub releases: ReleaseArgs,
    /// Ignore the Requires-Python of every package (the index's and the metadata's), as pip's
    /// option does.
    #[arg(
        long,
        env = "PIP_IGNORE_REQUIRES_PYTHON",
        value_parser = FalseyValueParser::new()
    )]
    pub ignore_requires_python: bool,
    /// Index options.
    #[command(flatten)]
    pub index: IndexArgs,
    /// Build options.
    #[command(flatten)]
    pub build: BuildArgs,
}

/// What to install, shared by `den pip install` and `den pip sync`.
#[derive(Debug, Clone, Default, Args)]
pub struct RequirementArgs {
    /// Install from the given requirements file (repeatable).
    #[arg(short = 'r', long = "requirement", value_name = "FILE")]
    pub requirement_files: Vec<PathBuf>,
    /// Install a dependency group: `[PATH:]GROUP`, of a pyproject.toml (PEP 735; PATH
    /// `pyproject.toml` in the current directory when not given) or of a pylock.toml
    /// (repeatable).
    #[arg(long = "group", value_name = "[PATH:]GROUP")]
    pub groups: Vec<String>,
    /// Require a --hash for every distribution installed (on automatically when any
    /// requirement line has one), as pip's hash-checking mode.
    #[arg(long, env = "PIP_REQUIRE_HASHES", value_parser = FalseyValueParser::new())]
    pub require_hashes: bool,
    /// A requirement line's --hash does not turn hash-checking mode on (the hashes given are
    /// still checked), as pip's option.
    #[arg(long)]
    pub no_require_hashes: bool,
    /// Install the dependencies a script declares in its PEP 723 `# /// script` block (once;
    /// its `requires-python` must admit the Python, unless --ignore-requires-python).
    #[arg(long = "requirements-from-script", value_name = "FILE")]
    pub requirements_from_script: Vec<PathBuf>,
    /// Constraints, pre-releases, index and build options.
    #[command(flatten)]
    pub resolver: ResolverArgs,
}

/// Which installed (install) or pinned (compile) versions may move.
#[derive(Debug, Clone, Default, Args)]
pub struct UpgradeArgs {
    /// Choose the newest allowed versions: of the named packages (install), or of every
    /// package, ignoring an existing output file's pins (compile).
    #[arg(short = 'U', long)]
    pub upgrade: bool,
    /// Let this package move to its newest allowed version, keeping everything else where it
    /// is installed or pinned (repeatable).
    #[arg(short = 'P', long, value_name = "PACKAGE")]
    pub upgrade_package: Vec<String>,
}

/// How installed files are placed (`den pip install` and `den pip sync`).
#[derive(Debug, Clone, Default, Args)]
pub struct InstallerArgs {
    /// How files get from the cache into the environment.
    #[arg(long, value_enum, default_value = "hardlink")]
    pub link_mode: LinkModeArg,
    /// Compile the installed Python files to bytecode (.pyc), as pip does by default; den,
    /// like uv, leaves it to the first import unless asked.
    #[arg(long, alias = "compile-bytecode")]
    pub compile: bool,
}

/// What `den pip install` and `den pip lock` are asked for.
#[derive(Debug, Default, Args)]
pub struct RequestedArgs {
    /// Requirements: PEP 508 (`requests`, `flask[async]>=3,<4`, `name @ URL`), a local
    /// project directory, a wheel or sdist file or URL, or a git URL (`git+https://...@ref`).
    #[arg(value_name = "REQUIREMENT")]
    pub requirements: Vec<String>,
    /// A local project directory or git URL in editable mode (PEP 660; repeatable).
    #[arg(short = 'e', long = "editable", value_name = "PATH_OR_URL")]
    pub editables: Vec<String>,
    /// Requirement files, constraints, index and build options.
    #[command(flatten)]
    pub inputs: RequirementArgs,
}

impl RequestedArgs {
    /// The requirement arguments, then the `-e` arguments, then the `-r` and `-c` files, as
    /// requirement sources.
    pub fn sources(&self) -> Vec<RequirementsSource> {
        self.requirements
            .iter()
            .cloned()
            .map(RequirementsSource::Argument)
            .chain(
                self.editables
                    .iter()
                    .cloned()
                    .map(RequirementsSource::Editable),
            )
            .chain(self.inputs.sources())
            .collect()
    }
}

/// `den pip install`.
#[derive(Debug, Default, Args)]
pub struct InstallArgs {
    /// Requirements, editables, requirement files, constraints, index and build options.
    #[command(flatten)]
    pub requested: RequestedArgs,
    /// Which installed versions may move.
    #[command(flatten)]
    pub upgrade: UpgradeArgs,
    /// Reinstall the chosen distributions even when that version is already installed.
    #[arg(long)]
    pub force_reinstall: bool,
    /// Don't install dependencies.
    #[arg(long)]
    pub no_deps: bool,
    /// Install only the dependencies of the requirements named, none of the projects named
    /// (even one another depends on), as pip's option.
    #[arg(long, alias = "only-dependencies")]
    pub only_deps: bool,
    /// Resolve and report what would be installed, but change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Install into this directory (importable by adding it to PYTHONPATH) instead of an
    /// environment; what is already there is kept, with a warning, unless --upgrade.
    #[arg(
        short = 't',
        long = "target",
        value_name = "DIR",
        conflicts_with = "prefix"
    )]
    pub target_dir: Option<PathBuf>,
    /// Install under this prefix (DIR/lib/pythonX.Y/site-packages, DIR/bin) instead of the
    /// environment's.
    #[arg(long, value_name = "DIR", conflicts_with = "user")]
    pub prefix: Option<PathBuf>,
    /// Install everything below this directory: the files go where they would go, re-rooted
    /// at DIR (`DIR/<env>/lib/...`), as for packaging; what is installed is still read from
    /// the environment itself, which is not changed.
    #[arg(long, value_name = "DIR", conflicts_with = "target_dir")]
    pub root: Option<PathBuf>,
    /// Resolve for another Python (with --target or --dry-run only, and with
    /// --only-binary=:all: or --no-deps, as pip requires); one --platform.
    #[command(flatten)]
    pub platform: PipTargetArgs,
    /// Install into the user site (pip's user scheme: $PYTHONUSERBASE, default ~/.local:
    /// lib/pythonX.Y/site-packages, bin); refused in a virtual environment, as pip refuses it.
    #[arg(long, conflicts_with = "target_dir")]
    pub user: bool,
    /// Write a JSON report of what was (or, with --dry-run, would be) installed to FILE, in
    /// pip's installation report format (`-` for standard output).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// How installed files are placed.
    #[command(flatten)]
    pub installer: InstallerArgs,
    /// pip's options den accepts for compatibility.
    #[command(flatten)]
    pub compat: PipInstallCompatArgs,
    /// The target environment.
    #[command(flatten)]
    pub target: TargetArgs,
}

/// `den pip sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The requirements files that list the whole environment (usually `den pip compile`
    /// output).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Requirement files, constraints, index and build options.
    #[command(flatten)]
    pub inputs: RequirementArgs,
    /// Say what would change, but change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// How installed files are placed.
    #[command(flatten)]
    pub installer: InstallerArgs,
    /// The target environment.
    #[command(flatten)]
    pub target: TargetArgs,
}

/// `den pip lock`.
#[derive(Debug, Default, Args)]
pub struct LockArgs {
    /// Requirements, editables, requirement files, constraints, index and build options.
    #[command(flatten)]
    pub requested: RequestedArgs,
    /// The lock file to write; `-` for standard output.
    #[arg(
        short,
        long = "output",
        value_name = "PATH",
        default_value = "pylock.toml"
    )]
    pub output: PathBuf,
    /// The interpreter resolved for, which also builds source distributions [default: the
    /// active or nearest environment, else as for `den venv`].
    #[arg(short, long, value_name = "PYTHON")]
    pub python: Option<String>,
    /// Don't lock dependencies: only the projects named.
    #[arg(long)]
    pub no_deps: bool,
    /// Lock only the dependencies of the requirements named, none of the projects named
    /// (even one another depends on), as pip's option.
    #[arg(long, alias = "only-dependencies")]
    pub only_deps: bool,
    /// pip's options den accepts for compatibility.
    #[command(flatten)]
    pub compat: PipBuildCompatArgs,
}

/// `den pip compile --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompileFormat {
    /// pip-compile's requirements.txt.
    #[value(name = "requirements.txt")]
    RequirementsTxt,
    /// A PEP 751 lock file listing every file of each pinned version with its hash.
    #[value(name = "pylock.toml")]
    PylockToml,
}

/// `den pip compile`.
#[derive(Debug, Args)]
pub struct CompileArgs {
    /// Input files: requirements.in-style files, or a project's pyproject.toml, setup.py or
    /// setup.cfg (its dependencies are pinned, as pip-compile does).
    #[arg(value_name = "SRC_FILE", required = true)]
    pub src_files: Vec<PathBuf>,
    /// With a project source file: pin the dependencies of this extra too (repeatable).
    #[arg(long = "extra", value_name = "EXTRA")]
    pub extras: Vec<String>,
    /// Write the pinned requirements here [default: standard output].
    #[arg(short, long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// The output format [default: pylock.toml when the output file is named as a lock
    /// (`pylock.toml`, `pylock.NAME.toml`), else requirements.txt].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<CompileFormat>,
    /// Add `--hash` options for every file of each pinned version (pip's hash-checking mode).
    #[arg(long)]
    pub generate_hashes: bool,
    /// Resolve for this Python version (`3.12`, `3.10.4`) instead of the interpreter's.
    #[arg(long, value_name = "VERSION")]
    pub python_version: Option<String>,
    /// Resolve for this platform (`linux`, `macos`, `windows`, or a triple such as
    /// `x86_64-unknown-linux-gnu`, `aarch64-apple-darwin`, `x86_64-pc-windows-msvc`).
    #[arg(long, value_name = "PLATFORM")]
    pub python_platform: Option<String>,
    /// The interpreter that builds source distributions and, without --python-version, is
    /// resolved for [default: as for `den venv`].
    #[arg(short, long, value_name = "PYTHON")]
    pub python: Option<String>,
    /// Which pins of an existing output file may move.
    #[command(flatten)]
    pub upgrade: UpgradeArgs,
    /// Leave out the header comment.
    #[arg(long)]
    pub no_header: bool,
    /// Leave out the `# via` comments.
    #[arg(long)]
    pub no_annotate: bool,
    /// Constraints, pre-releases, index and build options.
    #[command(flatten)]
    pub resolver: ResolverArgs,
}

/// What `den pip download` and `den pip wheel` take besides their own options.
#[derive(Debug, Default, Args)]
pub struct WheelhouseArgs {
    /// Requirements: PEP 508 (`requests`, `flask[async]>=3,<4`, `name @ URL`), a local
    /// project directory, a wheel or sdist file or URL, or a git URL (`git+https://...@ref`).
    #[arg(value_name = "REQUIREMENT")]
    pub requirements: Vec<String>,
    /// Requirement files, constraints, index and build options.
    #[command(flatten)]
    pub inputs: RequirementArgs,
    /// Don't resolve dependencies: only what is named.
    #[arg(long)]
    pub no_deps: bool,
    /// Save only the dependencies of the requirements named, none of the projects named (even
    /// one another depends on), as pip's option.
    #[arg(long, alias = "only-dependencies")]
    pub only_deps: bool,
    /// The interpreter that builds source distributions and, unless told another target, is
    /// resolved for [default: the active or nearest environment, else as for `den venv`].
    #[arg(short, long, value_name = "PYTHON")]
    pub python: Option<String>,
    /// pip's options den accepts for compatibility.
    #[command(flatten)]
    pub compat: PipBuildCompatArgs,
}

/// `den pip download`.
#[derive(Debug, Default, Args)]
pub struct DownloadArgs {
    /// Save the files into this directory.
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    pub dest: PathBuf,
    /// The platforms and Python to resolve for.
    #[command(flatten)]
    pub platform: PipTargetArgs,
    /// Requirements and the options they share with `den pip wheel`.
    #[command(flatten)]
    pub wheelhouse: WheelhouseArgs,
}

/// pip's target options of `download`, `install` and `debug`: wheels for another platform, Python
/// version, implementation or ABI than the interpreter's.
#[derive(Debug, Default, Args)]
pub struct PipTargetArgs {
    /// Only use wheels for this platform tag (`manylinux_2_17_x86_64`, `manylinux2014_x86_64`,
    /// `musllinux_1_2_aarch64`, `macosx_11_0_arm64`, `win_amd64`, `linux_x86_64`, `any`);
    /// repeatable: den resolves once for each platform and saves the union [default: the
    /// interpreter's].
    #[arg(long = "platform", value_name = "PLATFORM")]
    pub platforms: Vec<String>,
    /// The Python version to resolve for: `3`, `3.12`, `3.12.4`, or `312` [default: the
    /// interpreter's].
    #[arg(long, value_name = "VERSION")]
    pub python_version: Option<String>,
    /// The Python implementation to resolve for: `cp` (CPython), `pp` (PyPy), `py` (any)
    /// [default: the interpreter's].
    #[arg(long, value_name = "IMPLEMENTATION")]
    pub implementation: Option<String>,
    /// Accept wheels for this ABI tag (`cp312`, `abi3`, `none`; repeatable) [default: the
    /// target version's CPython ABI].
    #[arg(long = "abi", value_name = "ABI")]
    pub abis: Vec<String>,
}

/// `den pip wheel`.
#[derive(Debug, Default, Args)]
pub struct WheelArgs {
    /// Put the wheels into this directory.
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    pub wheel_dir: PathBuf,
    /// Requirements and the options they share with `den pip download`.
    #[command(flatten)]
    pub wheelhouse: WheelhouseArgs,
}

/// `--link-mode`: how installed files are placed (each falls back to the next on failure).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum LinkModeArg {
    /// Copy-on-write clone (reflink) where the file system supports it.
    Clone,
    /// Hardlink to the cache.
    #[default]
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
    /// Don't ask for confirmation of uninstall deletions (pip's `Proceed (Y/n)?`).
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Accepted for pip's command lines; den does not warn about running as root.
    #[arg(long, value_name = "ACTION", value_parser = ["warn", "ignore"])]
    pub root_user_action: Option<String>,
    /// The target environment.
    #[command(flatten)]
    pub target: TargetArgs,
    /// pip's index options, which this command (asking no index) accepts.
    #[command(flatten)]
    pub no_index: NoIndexCompatArgs,
}

/// `den pip freeze`.
#[derive(Debug, Args)]
pub struct FreezeArgs {
    /// Also list pip (and, before Python 3.12, setuptools, wheel and distribute), as pip does.
    #[arg(long)]
    pub all: bool,
    /// Leave editable installs out.
    #[arg(long)]
    pub exclude_editable: bool,
    /// Write the requirements of this file first, in its order and with its comments and
    /// options, then the other installed distributions after pip's `## The following
    /// requirements were added by pip freeze:` (repeatable).
    #[arg(short = 'r', long = "requirement", value_name = "FILE")]
    pub requirement_files: Vec<PathBuf>,
    /// Which distributions.
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// The target environment.
    #[command(flatten)]
    pub target: TargetArgs,
    /// pip's index options, which this command (asking no index) accepts.
    #[command(flatten)]
    pub no_index: NoIndexCompatArgs,
}

/// Which installed distributions `den pip list` and `freeze` read, with pip's options.
#[derive(Debug, Clone, Default, Args)]
pub struct SelectionArgs {
    /// Only the environment's own distributions, not those of the base interpreter an
    /// environment with system site-packages also sees.
    #[arg(short, long)]
    pub local: bool,
    /// Only the user site-packages' distributions (none inside a virtual environment).
    #[arg(long, conflicts_with = "local")]
    pub user: bool,
    /// Read the distributions installed in these directories instead (repeatable).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["local", "user"])]
    pub path: Vec<PathBuf>,
    /// Leave this project out (repeatable).
    #[arg(long, value_name = "PACKAGE")]
    pub exclude: Vec<String>,
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
    /// List only editable installs.
    #[arg(short, long, conflicts_with = "exclude_editable")]
    pub editable: bool,
    /// Leave editable installs out (the last of --include-editable / --exclude-editable wins).
    #[arg(long, overrides_with = "include_editable")]
    pub exclude_editable: bool,
    /// List editable installs too (the default).
    #[arg(long, overrides_with = "exclude_editable")]
    pub include_editable: bool,
    /// Only distributions no other listed distribution requires.
    #[arg(long)]
    pub not_required: bool,
    /// Only distributions with a newer version on the index (with its version and file type).
    #[arg(short, long)]
    pub outdated: bool,
    /// Only distributions at the newest version on the index.
    #[arg(short, long)]
    pub uptodate: bool,
    /// With --outdated / --uptodate: which pre-releases count as newer versions.
    #[command(flatten)]
    pub releases: ReleaseArgs,
    /// The indexes --outdated / --uptodate ask.
    #[command(flatten)]
    pub index: IndexArgs,
    /// Which files --outdated / --uptodate count.
    #[command(flatten)]
    pub binary: BinaryArgs,
    /// Which distributions.
    #[command(flatten)]
    pub selection: SelectionArgs,
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
    /// pip's index options, which this command (asking no index) accepts.
    #[command(flatten)]
    pub no_index: NoIndexCompatArgs,
}

// Settings: each option group resolved once into the plain settings the operations take.

impl IndexArgs {
    /// The index settings these flags ask for.
    pub fn settings(&self) -> IndexSettings {
        IndexSettings {
            options: IndexOptions {
                index_url: self.index_url.clone(),
                extra_index_urls: self.extra_index_url.clone(),
                no_index: self.no_index,
                find_links: self.find_links.clone(),
                trusted_hosts: self.trusted_host.clone(),
                ..IndexOptions::default()
            },
            cache_policy: if self.offline {
                Some(CachePolicy::Offline)
            } else if self.refresh || self.refresh_package.iter().any(|name| name == ":all:") {
                Some(CachePolicy::Refresh)
            } else {
                None
            },
            refresh_packages: self
                .refresh_package
                .iter()
                .filter(|name| !name.is_empty() && *name != ":all:")
                .cloned()
                .collect(),
            uploaded_prior_to: self.uploaded_prior_to,
        }
    }
}

impl BuildArgs {
    /// The build settings these flags ask for.
    pub fn settings(&self) -> BuildSettings {
        BuildSettings {
            binary: self.binary.options(),
            isolation: !self.no_build_isolation,
            config_settings: grouped_settings(&self.config_settings),
            build_constraints: self.build_constraints.clone(),
        }
    }
}

/// `-C` settings grouped by key in the order keys first appear, each key's values in order.
fn grouped_settings(pairs: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for (key, value) in pairs {
        match grouped.iter_mut().find(|(k, _)| k == key) {
            Some((_, values)) => values.push(value.clone()),
            None => grouped.push((key.clone(), vec![value.clone()])),
        }
    }
    grouped
}

impl ResolverArgs {
    /// The resolver settings these flags ask for (hash-checking mode as the requirements
    /// decide: `--require-hashes` is an installing command's, [`RequirementArgs::settings`]).
    pub fn settings(&self) -> ResolverSettings {
        ResolverSettings {
            index: self.index.settings(),
            build: self.build.settings(),
            pre: self.releases.pre,
            all_releases: self.releases.all_releases.clone(),
            only_final: self.releases.only_final.clone(),
            ignore_requires_python: self.ignore_requires_python,
            ..ResolverSettings::default()
        }
    }

    /// The `-c` files as requirement sources.
    pub fn constraint_sources(&self) -> impl Iterator<Item = RequirementsSource> + '_ {
        self.constraint_files
            .iter()
            .cloned()
            .map(RequirementsSource::ConstraintsFile)
    }
}

impl RequirementArgs {
    /// The resolver settings these flags ask for.
    pub fn settings(&self) -> ResolverSettings {
        ResolverSettings {
            require_hashes: self.require_hashes,
            no_require_hashes: self.no_require_hashes,
            ..self.resolver.settings()
        }
    }

    /// The `-r` files, the `--group` groups, then the `-c` files, as requirement sources.
    pub fn sources(&self) -> impl Iterator<Item = RequirementsSource> + '_ {
        self.requirement_files
            .iter()
            .cloned()
            .map(RequirementsSource::requirements_file)
            .chain(
                self.groups
                    .iter()
                    .map(|value| RequirementsSource::group(value)),
            )
            .chain(
                self.requirements_from_script
                    .iter()
                    .cloned()
                    .map(RequirementsSource::ScriptFile),
            )
            .chain(self.resolver.constraint_sources())
    }
}

impl WheelhouseArgs {
    /// The requirements, `-r` files and `-c` files as requirement sources.
    pub fn sources(&self) -> Vec<RequirementsSource> {
        self.requirements
            .iter()
            .cloned()
            .map(RequirementsSource::Argument)
            .chain(self.inputs.sources())
            .collect()
    }
}

impl PipTargetArgs {
    /// The targets `--platform`, `--python-version`, `--implementation` and `--abi` describe:
    /// one per platform (one without a platform when none is given); none when no option is
    /// given, so the interpreter is the target.
    pub fn targets(&self) -> Vec<den_python::PipTarget> {
        let target = |platform: Option<&String>| den_python::PipTarget {
            python_version: self.python_version.clone(),
            implementation: self.implementation.clone(),
            abis: self.abis.clone(),
            platform: platform.cloned(),
        };
        if self.platforms.is_empty() {
            Some(target(None))
                .filter(|t| !t.is_empty())
                .into_iter()
                .collect()
        } else {
            self.platforms.iter().map(Some).map(target).collect()
        }
    }
}

impl UpgradeArgs {
    /// The upgrade settings these flags ask for.
    ///
    /// Errors: a `-P` value that is not a project name.
    pub fn settings(&self) -> anyhow::Result<UpgradeSettings> {
        Ok(UpgradeSettings {
            all: self.upgrade,
            packages: package_names(&self.upgrade_package, "--upgrade-package")?,
        })
    }
}

impl InstallerArgs {
    /// The installer settings these flags ask for.
    pub fn settings(&self) -> InstallerSettings {
        InstallerSettings {
            link_mode: self.link_mode.into(),
            compile_bytecode: self.compile,
        }
    }
}

/// Project names given to an option (`-P`), normalized.
///
/// Errors: a value that is not a valid project name, naming the option.
pub fn package_names(values: &[String], option: &str) -> anyhow::Result<Vec<PackageName>> {
    values
        .iter()
        .map(|name| {
            PackageName::new(name.clone())
                .with_context(|| format!("invalid {option} value `{name}`: not a project name"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_help_claims_only_what_exists() {
        let command = Cli::command();
        let about = command.get_about().map(ToString::to_string);
        let about = about.unwrap_or_default();
        // Each tool the description names has its commands.
        for (tool, subcommand) in [
            ("venv", "venv"),
            ("pip's", "pip"),
            ("virtualenvwrapper", "env"),
            ("pipenv", "pipenv"),
            ("pyenv", "pyenv"),
        ] {
            assert!(about.contains(tool), "{about}");
            assert!(
                command.find_subcommand(subcommand).is_some(),
                "{about} names {tool}, but den has no `{subcommand}` command"
            );
        }
    }
}
