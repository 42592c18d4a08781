//! `den pyenv COMMAND`, and den run under the name `pyenv` or `pyenv-COMMAND`: pyenv 2.x's
//! commands that read and write version selections, with pyenv's arguments, output, messages
//! (`pyenv: ...` on stderr) and exit statuses (1, and 127 for `which` and `exec` when the
//! command is not found). The rules themselves live in [`den_python::Pyenv`]; this module
//! speaks pyenv's language around them. Arguments are read by hand, as pyenv's scripts read
//! them, because its messages and its tolerance of extra words are part of what scripts see.
//!
//! `install` and `uninstall` live in [`super::pyenv_install`] (den's own CPython builds).
//! pyenv-virtualenv's commands (`virtualenv`, `virtualenvs`, `activate`, `virtualenv-init`,
//! ...) live in [`super::pyenv_virtualenv`]. Not here (pyenv's own scripts
//! still serve them where pyenv is installed): other plugin commands and hook scripts
//! (`pyenv.d`).

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use den_python::{Pyenv, VersionPin};

use crate::commands::pyenv_hooks::{self, HookEnd, HookRun};
use crate::commands::pyenv_virtualenv::base_prefix;
use crate::commands::{pyenv_install, pyenv_virtualenv};
use crate::printer::{write_stderr, write_stdout};

/// A hook run's end; when bash cannot run them, what pyenv would say, and status 1.
fn hook_end(result: Result<HookEnd, String>) -> HookEnd {
    result.unwrap_or_else(|message| {
        complain(&message);
        HookEnd::Exited(1)
    })
}

/// The programs whose shims are sourced rather than run, whatever the hook directories'
/// lists add: virtualenv's activation scripts and gettext's (pyenv's `source.d/default.list`).
const SOURCED_PROGRAMS: &[&str] = &[
    "activate",
    "activate.csh",
    "activate.fish",
    "activate.nu",
    "gettext.sh",
];

/// The commands den answers itself, with pyenv's usage line for each.
const COMMANDS: &[(&str, &str)] = &[
    ("commands", "pyenv commands"),
    ("completions", "pyenv completions <command> [arg1 arg2...]"),
    ("exec", "pyenv exec <command> [arg1 arg2...]"),
    ("global", "pyenv global <version> <version2> <..>"),
    ("latest", "pyenv latest [-k|--known] <prefix>"),
    (
        "local",
        "pyenv local [-f|--force] [<version> [...]]\n       pyenv local --unset",
    ),
    ("prefix", "pyenv prefix [<version>...]"),
    ("rehash", "pyenv rehash"),
    ("init", "pyenv init [-|--path] [<shell>]"),
    ("install", crate::commands::pyenv_install::INSTALL_USAGE),
    ("root", "pyenv root"),
    ("shims", "pyenv shims [--short]"),
    ("sh-rehash", "pyenv rehash"),
    (
        "sh-shell",
        "pyenv shell <version>...\n       pyenv shell -\n       pyenv shell --unset",
    ),
    ("uninstall", crate::commands::pyenv_install::UNINSTALL_USAGE),
    ("version", "pyenv version [--bare]"),
    ("version-file", "pyenv version-file [<dir>]"),
    ("version-file-read", "pyenv version-file-read <file>"),
    (
        "version-file-write",
        "pyenv version-file-write [-f|--force] <file> <version> [...]",
    ),
    ("version-name", "pyenv version-name [-f|--force]"),
    ("version-origin", "pyenv version-origin"),
    (
        "versions",
        "pyenv versions [--bare] [--skip-aliases] [--skip-envs] [--executables]",
    ),
    ("whence", "pyenv whence [--path] <command>"),
    (
        "which",
        "pyenv which <command> [--nosystem] [--skip-advice]",
    ),
];

/// The pyenv arguments den was given under the name `pyenv` or `pyenv-COMMAND` (`argv[0]`'s
/// file name), with the command first; `None` under any other name.
pub fn multicall_args(argv: &[OsString]) -> Option<Vec<OsString>> {
    let name = Path::new(argv.first()?).file_name()?.to_str()?;
    let rest = argv[1..].iter().cloned();
    if name == "pyenv" {
        Some(rest.collect())
    } else {
        let command = name.strip_prefix("pyenv-")?;
        Some(
            std::iter::once(OsString::from(command))
                .chain(rest)
                .collect(),
        )
    }
}

/// A shim's program name and, when the shim is not in `$PYENV_ROOT/shims`, the directory it
/// is in (pyenv's `_PYENV_SHIM_PATH`, kept out of the program's `system` search so the shim
/// never finds itself): den runs as a shim under any name that is not den's or pyenv's.
/// The directory is `argv[0]`'s, or for a bare name the first on `PATH` holding it.
pub fn shim_program(argv0: &OsString) -> Option<(String, Option<PathBuf>)> {
    let path = Path::new(argv0);
    let name = path.file_name()?.to_str()?;
    if name.starts_with("den") || name.starts_with("pyenv") {
        return None;
    }
    let shims = Pyenv::from_env().shims_dir();
    let dir = match path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        Some(dir) => Some(dir.to_path_buf()),
        None => std::env::var_os("PATH").and_then(|search| {
            std::env::split_paths(&search).find(|dir| is_executable(&dir.join(name)))
        }),
    };
    let elsewhere = dir.filter(|dir| *dir != shims);
    Some((name.to_string(), elsewhere))
}

/// Brings pyenv's shims up to date as `pyenv rehash` does, when pyenv's shims directory
/// exists (pyenv is in use); nothing otherwise.
///
/// Errors: pyenv's rehash messages.
pub fn rehash_if_in_use() -> Result<(), String> {
    if !Pyenv::from_env().shims_dir().is_dir() {
        return Ok(());
    }
    match Context::from_process() {
        Ok(context) => context.rehash(),
        Err(_) => Err("cannot read the working directory".into()),
    }
}

/// Runs the program a shim stands for (`pyenv exec PROGRAM ARGS...`); `shim_dir` is where
/// the shim is when that is not pyenv's shims directory.
pub fn run_shim(program: &str, shim_dir: Option<PathBuf>, args: &[OsString]) -> ExitCode {
    match Context::from_process() {
        Ok(context) => ExitCode::from(context.exec(program, args, shim_dir.map(Into::into))),
        Err(code) => code,
    }
}

/// Runs `pyenv ARGS...` (the command first) and returns its exit status.
pub fn run(args: &[OsString]) -> ExitCode {
    let Some((command, rest_os)) = args.split_first() else {
        write_stderr(format_args!("{}", usage_all()));
        return ExitCode::FAILURE;
    };
    let command = command.to_string_lossy().into_owned();
    let context = match Context::from_process() {
        Ok(context) => context,
        Err(code) => return code,
    };
    let rest_lossy: Vec<String> = rest_os
        .iter()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    let rest: Vec<&str> = rest_lossy.iter().map(String::as_str).collect();
    if rest.first() == Some(&"--help") && all_commands().any(|(name, _)| *name == command) {
        write_stdout(format_args!("Usage: {}\n", usage(&command)));
        return ExitCode::SUCCESS;
    }
    if rest.first() == Some(&"--complete")
        && let Some(status) = context.complete(&command)
    {
        return ExitCode::from(status);
    }
    let status = match command.as_str() {
        "completions" => context.completions_command(rest_os),
        "-h" | "--help" | "help" => {
            write_stdout(format_args!("{}", usage_all()));
            0
        }
        "commands" => {
            let names: String = all_commands()
                .map(|(name, _)| format!("{name}\n"))
                .collect();
            write_stdout(format_args!("{names}"));
            0
        }
        "root" => {
            write_stdout(format_args!("{}\n", context.pyenv.root().display()));
            0
        }
        "version-file" => context.version_file_command(&rest),
        "version-file-read" => context.version_file_read_command(&rest),
        "version-file-write" => context.version_file_write_command(&rest),
        "version-name" => context.version_name_command(&rest),
        "version-origin" => {
            write_stdout(format_args!("{}\n", context.origin_text()));
            0
        }
        "version" => context.version_command(&rest),
        "versions" => context.versions_command(&rest),
        "local" => context.local_command(&rest),
        "global" => context.global_command(&rest),
        "latest" => context.latest_command(&rest),
        "prefix" => context.prefix_command(&rest),
        "which" => context.which_command(&rest),
        "whence" => context.whence_command(&rest),
        "exec" => match rest_os.split_first() {
            Some((program, args)) if !program.is_empty() => {
                let shim_path = std::env::var_os("_PYENV_SHIM_PATH");
                context.exec(&program.to_string_lossy(), args, shim_path)
            }
            _ => usage_error("exec"),
        },
        "rehash" => match context.rehash() {
            Ok(()) => 0,
            Err(message) => {
                complain(&message);
                1
            }
        },
        "shims" => context.shims_command(&rest),
        "install" => {
            pyenv_install::install(&context.pyenv, &context.cwd, &rest, &|| context.rehash())
        }
        "uninstall" => {
            let delete = |definition: &str, force: bool| {
                let args: &[&str] = match force {
                    true => &["-f", definition],
                    false => &[definition],
                };
                pyenv_virtualenv::delete_command(&context, args)
            };
            let rehash = || context.rehash();
            pyenv_install::uninstall(&context.pyenv, &context.cwd, &rest, &rehash, &delete)
        }
        "init" => init_command(&rest),
        "sh-rehash" => {
            write_stdout(format_args!("{}", sh_rehash(&shell_name())));
            0
        }
        "sh-shell" => context.sh_shell_command(&rest),
        "virtualenv" => pyenv_virtualenv::create_command(&context, &rest),
        "virtualenvs" => pyenv_virtualenv::list_command(&context, &rest),
        "virtualenv-prefix" => pyenv_virtualenv::prefix_command(&context, &rest),
        "virtualenv-delete" => pyenv_virtualenv::delete_command(&context, &rest),
        "sh-activate" => pyenv_virtualenv::sh_activate_command(&context, &rest),
        "sh-deactivate" => pyenv_virtualenv::sh_deactivate_command(&context, &rest),
        "activate" | "deactivate" => pyenv_virtualenv::unloaded_command(&command),
        "virtualenv-init" => pyenv_virtualenv::init_command(&rest, shell_name(), program_name()),
        "shell" => {
            return fail("shell integration not enabled. Run `pyenv init' for instructions.");
        }
        other => return context.external(other, rest_os),
    };
    ExitCode::from(status)
}

/// Prints `pyenv: MESSAGE` on stderr; status 1.
fn fail(message: &str) -> ExitCode {
    write_stderr(format_args!("pyenv: {message}\n"));
    ExitCode::FAILURE
}

/// `pyenv: MESSAGE` on stderr.
fn complain(message: &str) {
    write_stderr(format_args!("pyenv: {message}\n"));
}

/// Every command den answers with its usage: pyenv's own, then pyenv-virtualenv's.
fn all_commands() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    COMMANDS.iter().chain(pyenv_virtualenv::COMMANDS)
}

/// The usage line of `command`.
fn usage(command: &str) -> &'static str {
    all_commands()
        .find(|(name, _)| *name == command)
        .map_or("pyenv <command> [<args>]", |(_, usage)| usage)
}

/// Prints the usage of `command` on stderr (a usage error); status 1.
fn usage_error(command: &str) -> u8 {
    write_stderr(format_args!("Usage: {}\n", usage(command)));
    1
}

/// The overview `pyenv` and `pyenv help` print.
fn usage_all() -> String {
    let mut text = String::from("Usage: pyenv <command> [<args>]\n\nCommands den answers:\n");
    for (name, _) in all_commands() {
        let _ = writeln!(text, "   {name}");
    }
    text
}

/// What pyenv reads from the process: its root, `PYENV_VERSION`, `PYENV_DIR` and the
/// working directory.
pub(super) struct Context {
    /// The `version-name` hooks' `PYENV_VERSION`, once they have run (`None`: no hooks).
    hooked_selection: std::cell::OnceCell<Option<String>>,
    /// The `version-origin` hooks' `PYENV_VERSION_ORIGIN`, once they have run.
    hooked_origin: std::cell::OnceCell<Option<String>>,
    /// pyenv's hook directories, once looked up.
    found_hook_dirs: std::cell::OnceCell<Vec<PathBuf>>,
    pub(super) pyenv: Pyenv,
    version_env: Option<String>,
    dir: Option<PathBuf>,
    cwd: PathBuf,
}

/// The result of `pyenv version-name`: the installed names, and whether one was missing
/// (its message already printed).
pub(super) struct VersionNames {
    pub(super) names: Vec<String>,
    pub(super) any_missing: bool,
}

impl Context {
    /// pyenv's view of this process: `PYENV_ROOT`, `PYENV_VERSION`, `PYENV_DIR` (which must
    /// be a directory) and the working directory; on error, the status after saying why.
    fn from_process() -> Result<Self, ExitCode> {
        let Ok(cwd) = std::env::current_dir() else {
            return Err(fail("cannot read the working directory"));
        };
        let context = Self {
            hooked_selection: std::cell::OnceCell::new(),
            hooked_origin: std::cell::OnceCell::new(),
            found_hook_dirs: std::cell::OnceCell::new(),
            pyenv: Pyenv::from_env(),
            version_env: std::env::var("PYENV_VERSION")
                .ok()
                .filter(|v| !v.is_empty()),
            dir: std::env::var_os("PYENV_DIR")
                .filter(|dir| !dir.is_empty())
                .map(PathBuf::from),
            cwd,
        };
        if let Some(dir) = &context.dir
            && !dir.is_dir()
        {
            return Err(fail(&format!(
                "cannot change working directory to `{}'",
                dir.display()
            )));
        }
        Ok(context)
    }

    /// The selection (`PYENV_VERSION`, else the version file), warning on stderr about
    /// names the file holds that pyenv refuses. `None` when the file cannot be read (said).
    fn selection(&self) -> Option<VersionPin> {
        match self
            .pyenv
            .selection(self.version_env.as_deref(), self.dir.as_deref(), &self.cwd)
        {
            Ok(mut pin) => {
                self.warn_invalid(&pin.invalid, &pin.origin.pyenv_text());
                let hooked = self.hooked_selection.get_or_init(|| {
                    let selected = ("PYENV_VERSION", pin.versions.join(":"));
                    self.hook_values("version-name", &[selected], &["PYENV_VERSION"])
                        .map(|mut values| values.remove(0))
                });
                if let Some(value) = hooked {
                    pin.versions = den_python::split_versions(value);
                    if pin.versions.is_empty() {
                        pin.versions.push("system".to_string());
                    }
                }
                Some(pin)
            }
            Err(err) => {
                complain(&err.to_string());
                None
            }
        }
    }

    /// pyenv's warning for each refused name of a version file.
    fn warn_invalid(&self, invalid: &[String], file: &str) {
        for name in invalid {
            complain(&format!("invalid version `{name}' ignored in `{file}'"));
        }
    }

    /// `pyenv version-origin`: `PYENV_VERSION environment variable`, else the version file.
    pub(super) fn origin_text(&self) -> String {
        let hooked = self.hooked_origin.get_or_init(|| {
            self.hook_values("version-origin", &[], &["PYENV_VERSION_ORIGIN"])
                .map(|mut values| values.remove(0))
                .filter(|origin| !origin.is_empty())
        });
        if let Some(origin) = hooked {
            origin.clone()
        } else if self.version_env.is_some() {
            "PYENV_VERSION environment variable".to_string()
        } else {
            self.pyenv
                .version_file(self.dir.as_deref(), &self.cwd)
                .display()
                .to_string()
        }
    }

    /// `pyenv version-name [-f]`: each selected name resolved to an installed version; a
    /// missing one is reported (`version `X' is not installed (set by ...)`) and left out,
    /// or with `force` kept as written (without `python-`).
    pub(super) fn version_names(&self, force: bool) -> VersionNames {
        let Some(pin) = self.selection() else {
            return VersionNames {
                names: Vec::new(),
                any_missing: true,
            };
        };
        let mut names = Vec::new();
        let mut any_missing = false;
        for name in &pin.versions {
            match self.pyenv.resolve_name(name) {
                Some(resolved) => names.push(resolved),
                None if force => {
                    names.push(name.strip_prefix("python-").unwrap_or(name).to_string());
                }
                None => {
                    complain(&format!(
                        "version `{name}' is not installed (set by {})",
                        self.origin_text()
                    ));
                    any_missing = true;
                }
            }
        }
        VersionNames { names, any_missing }
    }

    /// `pyenv COMMAND --complete`: the words pyenv's shell completion offers after COMMAND
    /// (its flags, then the installed versions, the shims or the commands, as pyenv's
    /// scripts list them); `None` when den does not answer the command's completion here.
    fn complete(&self, command: &str) -> Option<u8> {
        enum Then {
            Nothing,
            Versions,
            BaseVersions,
            Environments,
            Shims,
            Commands,
        }
        let (words, then): (&[&str], Then) = match command {
            "commands" => (&["--sh", "--no-sh"], Then::Nothing),
            "exec" | "which" => (&[], Then::Shims),
            "whence" => (&["--path"], Then::Shims),
            "global" | "prefix" => (&["system"], Then::Versions),
            "local" | "sh-shell" => (&["--unset", "system"], Then::Versions),
            "init" => (
                &[
                    "-",
                    "--path",
                    "--no-push-path",
                    "--no-rehash",
                    "--detect-shell",
                    "bash",
                    "fish",
                    "ksh",
                    "pwsh",
                    "zsh",
                ],
                Then::Nothing,
            ),
            "shims" => (&["--short"], Then::Nothing),
            "version" => (&["--bare"], Then::Nothing),
            "versions" => (&["--bare", "--skip-aliases", "--skip-envs"], Then::Nothing),
            "help" => (&["--usage"], Then::Commands),
            "completions" => (&[], Then::Commands),
            // pyenv-virtualenv's.
            "virtualenv" => (&[], Then::BaseVersions),
            "virtualenvs" => (&["--bare", "--skip-aliases"], Then::Nothing),
            "virtualenv-delete" => (&[], Then::Environments),
            "activate" | "sh-activate" => (&["--unset"], Then::Environments),
            _ => return None,
        };
        let text: String = words.iter().map(|word| format!("{word}\n")).collect();
        write_stdout(format_args!("{text}"));
        Some(match then {
            Then::Nothing => 0,
            Then::Versions => self.versions_command(&["--bare"]),
            Then::BaseVersions => self.versions_command(&["--bare", "--skip-envs"]),
            Then::Environments => pyenv_virtualenv::list_command(self, &["--bare"]),
            Then::Shims => self.shims_command(&["--short"]),
            Then::Commands => {
                let names: String = all_commands()
                    .map(|(name, _)| format!("{name}\n"))
                    .collect();
                write_stdout(format_args!("{names}"));
                0
            }
        })
    }

    /// `pyenv completions COMMAND [ARGS...]`: `--help`, then COMMAND's completions: den's own
    /// for the commands it answers, else those of the `pyenv-COMMAND` program when it says
    /// `# provide pyenv completions` (pyenv's marker), run with `--complete ARGS...`.
    fn completions_command(&self, args: &[OsString]) -> u8 {
        let Some((command, rest)) = args.split_first().filter(|(c, _)| !c.is_empty()) else {
            return usage_error("completions");
        };
        let command = command.to_string_lossy();
        if command == "--complete" {
            return self.complete("completions").unwrap_or(0);
        }
        write_stdout(format_args!("--help\n"));
        if let Some(status) = self.complete(&command) {
            return status;
        }
        let Some(program) = self
            .external_program(&command)
            .or_else(|| self.external_program(&format!("sh-{command}")))
        else {
            return 0;
        };
        let marked = std::fs::read(&program).is_ok_and(|bytes| {
            String::from_utf8_lossy(&bytes).lines().any(|line| {
                let line = line.to_ascii_lowercase();
                ["#", "%", "--", "//"].iter().any(|lead| {
                    line.strip_prefix(lead)
                        .is_some_and(|rest| rest.starts_with(" provide pyenv completions"))
                })
            })
        });
        if !marked {
            return 0;
        }
        let status = std::process::Command::new(&program)
            .arg("--complete")
            .args(rest)
            .status();
        status.map_or(1, exit_status)
    }

    /// The selected names that are installed, resolved as `pyenv version-name` does,
    /// without a word on stderr about the others or about the version file.
    pub(super) fn installed_selection(&self) -> Vec<String> {
        self.pyenv
            .selection(self.version_env.as_deref(), self.dir.as_deref(), &self.cwd)
            .map(|pin| {
                pin.versions
                    .iter()
                    .filter_map(|name| self.pyenv.resolve_name(name))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn version_name_command(&self, args: &[&str]) -> u8 {
        let force = args.iter().any(|arg| matches!(*arg, "-f" | "--force"));
        let result = self.version_names(force);
        write_stdout(format_args!("{}\n", result.names.join(":")));
        u8::from(result.any_missing)
    }

    fn version_command(&self, args: &[&str]) -> u8 {
        let result = self.version_names(false);
        let mut bare = false;
        for arg in args {
            match *arg {
                "--bare" => bare = true,
                _ => return usage_error("version"),
            }
        }
        let origin = self.origin_text();
        let text: String = result
            .names
            .iter()
            .map(|name| match bare {
                true => format!("{name}\n"),
                false => format!("{name} (set by {origin})\n"),
            })
            .collect();
        write_stdout(format_args!("{text}"));
        u8::from(result.any_missing)
    }

    fn version_file_command(&self, args: &[&str]) -> u8 {
        match args.first().filter(|dir| !dir.is_empty()) {
            Some(dir) => match den_python::find_version_file(&self.cwd.join(dir)) {
                Some(file) => {
                    write_stdout(format_args!("{}\n", file.display()));
                    0
                }
                None => 1,
            },
            None => {
                let file = self.pyenv.version_file(self.dir.as_deref(), &self.cwd);
                write_stdout(format_args!("{}\n", file.display()));
                0
            }
        }
    }

    /// What `file` says (`pyenv version-file-read`), warnings printed; `None` when it is
    /// missing, empty or names nothing.
    fn read_names(&self, file: &str) -> Option<den_python::VersionFile> {
        let path = self.cwd.join(file);
        match self.pyenv.read_version_file(&path) {
            Ok(contents) => {
                self.warn_invalid(&contents.invalid, file);
                (!contents.versions.is_empty()).then_some(contents)
            }
            Err(err) => {
                complain(&err.to_string());
                None
            }
        }
    }

    fn version_file_read_command(&self, args: &[&str]) -> u8 {
        match args.first().and_then(|file| self.read_names(file)) {
            Some(contents) => {
                write_stdout(format_args!("{}\n", contents.versions.join(":")));
                0
            }
            None => 1,
        }
    }

    /// The directory of each version (`pyenv prefix NAMES...`: the names joined with `:` and
    /// split again, so `3.13.0:3.9.18` names two), or the message for the first that is not
    /// installed.
    pub(super) fn prefixes(&self, names: &[String]) -> Result<Vec<PathBuf>, String> {
        den_python::split_versions(&names.join(":"))
            .iter()
            .map(|name| {
                if name == "system" {
                    return ["python", "python3", "python2"]
                        .iter()
                        .find_map(|command| self.system_command(command, None))
                        .map(|python| system_prefix(&python))
                        .ok_or_else(|| "system version not found in PATH".to_string());
                }
                self.pyenv
                    .prefix(name)
                    .map_err(|resolved| format!("version `{resolved}' not installed"))
            })
            .collect()
    }

    /// Writes `versions`, one a line, to `file` after checking each is installed (unless
    /// `force`): `pyenv version-file-write`.
    fn write_version_file(&self, file: &Path, versions: &[String], force: bool) -> u8 {
        if !force && let Err(message) = self.prefixes(versions) {
            complain(&message);
            return 1;
        }
        let text: String = versions.iter().map(|v| format!("{v}\n")).collect();
        match std::fs::write(file, text) {
            Ok(()) => 0,
            Err(err) => {
                complain(&format!("cannot write {}: {err}", file.display()));
                1
            }
        }
    }

    fn version_file_write_command(&self, args: &[&str]) -> u8 {
        let (force, args) = leading_force(args);
        let Some((file, versions)) = args.split_first() else {
            return usage_error("version-file-write");
        };
        // pyenv's test is of the first version only (`[ -z "$versions" ]`).
        if versions.first().is_none_or(|first| first.is_empty()) || file.is_empty() {
            return usage_error("version-file-write");
        }
        let versions: Vec<String> = versions.iter().map(|v| v.to_string()).collect();
        self.write_version_file(&self.cwd.join(file), &versions, force)
    }

    fn local_command(&self, args: &[&str]) -> u8 {
        let (force, args) = leading_force(args);
        let file = self.cwd.join(".python-version");
        match args {
            ["--unset", ..] => {
                let _ = std::fs::remove_file(&file);
                0
            }
            [] | ["", ..] => match den_python::find_version_file(&self.cwd) {
                Some(found) => match self.read_names(&found.to_string_lossy()) {
                    Some(contents) => {
                        write_stdout(format_args!("{}\n", contents.names().join("\n")));
                        0
                    }
                    None => 1,
                },
                None => {
                    complain("no local version configured for this directory");
                    1
                }
            },
            versions => {
                let versions: Vec<String> = versions.iter().map(|v| v.to_string()).collect();
                self.write_version_file(&file, &versions, force)
            }
        }
    }

    fn global_command(&self, args: &[&str]) -> u8 {
        let root = self.pyenv.root();
        if args.first().is_some_and(|first| !first.is_empty()) {
            let versions: Vec<String> = args.iter().map(|v| v.to_string()).collect();
            return self.write_version_file(&root.join("version"), &versions, false);
        }
        let names = ["version", "global", "default"]
            .iter()
            .find_map(|file| self.read_names(&root.join(file).to_string_lossy()))
            .map_or_else(|| vec!["system".to_string()], |contents| contents.names());
        write_stdout(format_args!("{}\n", names.join("\n")));
        0
    }

    fn latest_command(&self, args: &[&str]) -> u8 {
        let (mut known, mut bypass, mut force) = (false, false, false);
        let mut rest = args;
        while let Some((flag, tail)) = rest.split_first() {
            match *flag {
                "-k" | "--known" => known = true,
                "-b" | "--bypass" => bypass = true,
                "-f" | "--force" => (bypass, force) = (true, true),
                _ => break,
            }
            rest = tail;
        }
        let prefix = rest.first().copied().unwrap_or_default();
        let found = if known {
            pyenv_install::known_versions()
                .or_else(known_versions)
                .and_then(|list| den_python::latest_of(prefix, &list))
        } else {
            self.pyenv.latest(prefix)
        };
        if let Some(version) = found {
            write_stdout(format_args!("{version}\n"));
            return 0;
        }
        // pyenv names the prefix without a free-threaded `t` here.
        let shown = den_python::without_free_threaded(prefix);
        if bypass {
            write_stdout(format_args!("{shown}\n"));
        } else {
            let which = if known { "known" } else { "installed" };
            complain(&format!("no {which} versions match the prefix `{shown}'"));
        }
        u8::from(!force)
    }

    fn prefix_command(&self, args: &[&str]) -> u8 {
        let names: Vec<String> = if args.first().is_some_and(|first| !first.is_empty()) {
            args.iter().map(|arg| arg.to_string()).collect()
        } else if let Some(value) = &self.version_env {
            vec![value.clone()]
        } else {
            let result = self.version_names(false);
            if result.any_missing {
                return 1;
            }
            vec![result.names.join(":")]
        };
        match self.prefixes(&names) {
            Ok(prefixes) => {
                let joined: Vec<String> =
                    prefixes.iter().map(|p| p.display().to_string()).collect();
                write_stdout(format_args!("{}\n", joined.join(":")));
                0
            }
            Err(message) => {
                complain(&message);
                1
            }
        }
    }

    /// `command` on `PATH` without pyenv's shims directory and the directories
    /// `_PYENV_SHIM_PATHS_<PROGRAM>` lists for it: what `system` runs. A `shim_paths` value
    /// replaces the variable's.
    pub(super) fn system_command(
        &self,
        command: &str,
        shim_paths: Option<&OsString>,
    ) -> Option<PathBuf> {
        let mut excluded = vec![self.pyenv.shims_dir()];
        let listed = shim_paths
            .cloned()
            .or_else(|| std::env::var_os(shim_paths_variable(command)));
        if let Some(value) = listed {
            excluded.extend(std::env::split_paths(&value));
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        std::env::split_paths(&path)
            .filter(|dir| !excluded.contains(dir))
            .map(|dir| dir.join(command))
            .find(|file| is_executable(file) && !is_den(file))
    }

    /// Where `command` is among `versions` (a selection): the first with `bin/COMMAND`, then
    /// `system` (unless `nosystem`); also the names that are not installed.
    fn which(
        &self,
        command: &str,
        versions: Vec<String>,
        nosystem: bool,
        shim_paths: Option<&OsString>,
    ) -> (Option<PathBuf>, Vec<String>) {
        let single = (versions.len() == 1).then(|| versions[0].clone());
        let (mut found, missing) = self.which_in(command, versions.clone(), nosystem, shim_paths);
        if found.is_none()
            && let Some(version) = &single
        {
            found = self.base_program(version, command);
        }
        let scripts = self.hooks("which");
        if scripts.is_empty() {
            return (found, missing);
        }
        // pyenv's `version`: the name the search ended on.
        let version = found
            .as_ref()
            .and_then(|path| path.strip_prefix(self.pyenv.versions_dir()).ok())
            .and_then(|rest| rest.components().next())
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .or_else(|| match nosystem {
                true => versions.last().cloned(),
                false => Some("system".to_string()),
            })
            .unwrap_or_default();
        let variables = [
            ("PYENV_COMMAND", command.to_string()),
            (
                "PYENV_COMMAND_PATH",
                found
                    .as_ref()
                    .map(|path| path.display().to_string())
                    .unwrap_or_default(),
            ),
            ("version", version),
        ];
        let run = HookRun {
            root: self.pyenv.root(),
            scripts: &scripts,
            variables: &variables,
            args: &[],
            read_back: &["PYENV_COMMAND_PATH"],
            exported: false,
            functions: "",
        };
        match hook_end(pyenv_hooks::run(&run)) {
            HookEnd::Finished { values, .. } => {
                let path = PathBuf::from(&values[0]);
                (is_executable(&path).then_some(path), missing)
            }
            HookEnd::Exited(code) => std::process::exit(i32::from(code)),
        }
    }

    /// What pyenv-virtualenv's `which` hooks find when an environment lacks `command`: the
    /// base's `python*-config`, and for an environment made with `--system-site-packages`
    /// any program of its base (read from `pyvenv.cfg`'s `home`).
    fn base_program(&self, version: &str, command: &str) -> Option<PathBuf> {
        let env = self.pyenv.version_dir(version);
        if !env.join("bin/activate").is_file() || env.join("bin/conda").is_file() {
            return None;
        }
        let config = den_venv::PyVenvConfig::read(&env).ok()?;
        let base = base_prefix(&config)?;
        let config_program = command.starts_with("python") && command.ends_with("-config");
        let system_site_packages = config
            .get("include-system-site-packages")
            .is_some_and(|value| value.eq_ignore_ascii_case("true"));
        let program = base.join("bin").join(command);
        ((config_program || system_site_packages) && is_executable(&program)).then_some(program)
    }

    fn which_in(
        &self,
        command: &str,
        mut versions: Vec<String>,
        nosystem: bool,
        shim_paths: Option<&OsString>,
    ) -> (Option<PathBuf>, Vec<String>) {
        if !nosystem {
            versions.push("system".to_string());
        }
        let mut missing = Vec::new();
        for version in versions {
            let candidate = if version == "system" {
                self.system_command(command, shim_paths)
            } else {
                match self.pyenv.prefix(&version) {
                    Ok(prefix) => Some(prefix.join("bin").join(command)),
                    Err(_) => {
                        missing.push(version);
                        continue;
                    }
                }
            };
            if let Some(file) = candidate.filter(|file| is_executable(file)) {
                return (Some(file), missing);
            }
        }
        (None, missing)
    }

    fn which_command(&self, args: &[&str]) -> u8 {
        let Some(command) = args.first().filter(|c| !c.is_empty()) else {
            return usage_error("which");
        };
        let skip_advice = args.contains(&"--skip-advice");
        let nosystem = args.contains(&"--nosystem");
        // `PYENV_VERSION` as written, else the selection resolved as `version-name -f` does.
        let versions = match &self.version_env {
            Some(value) => den_python::split_versions(value),
            None => self.version_names(true).names,
        };
        let (found, missing) = self.which(command, versions, nosystem, None);
        if let Some(file) = found {
            write_stdout(format_args!("{}\n", file.display()));
            return 0;
        }
        self.not_found(command, &missing, skip_advice);
        127
    }

    /// pyenv's report that `command` is nowhere in the selection, with the versions that
    /// have it unless `skip_advice`.
    fn not_found(&self, command: &str, missing: &[String], skip_advice: bool) {
        let origin = self.origin_text();
        for version in missing {
            complain(&format!(
                "version `{version}' is not installed (set by {origin})"
            ));
        }
        complain(&format!("{command}: command not found"));
        let having = self.whence(command, false);
        if !skip_advice && !having.is_empty() {
            let list: String = having.iter().map(|v| format!("  {v}\n")).collect();
            write_stderr(format_args!(
                "\nThe `{command}' command exists in these Python versions:\n{list}\n\
                 Note: See 'pyenv help global' for tips on allowing multiple\n      \
                 Python versions to be found at the same time.\n"
            ));
        }
    }

    /// The installed versions (environments included) with an executable `bin/COMMAND`, as
    /// names or as paths.
    pub(super) fn whence(&self, command: &str, paths: bool) -> Vec<String> {
        self.all_versions(false, false)
            .into_iter()
            .filter_map(|(name, dir)| {
                let file = dir.join("bin").join(command);
                is_executable(&file).then(|| match paths {
                    true => file.display().to_string(),
                    false => name,
                })
            })
            .collect()
    }

    fn whence_command(&self, args: &[&str]) -> u8 {
        let (paths, args) = match args {
            ["--path", rest @ ..] => (true, rest),
            rest => (false, rest),
        };
        let Some(command) = args.first().filter(|c| !c.is_empty()) else {
            return usage_error("whence");
        };
        let found = self.whence(command, paths);
        if found.is_empty() {
            return 1;
        }
        write_stdout(format_args!("{}\n", found.join("\n")));
        0
    }

    /// Every version directory and, unless `skip_envs`, each `<version>/envs/<name>`, in
    /// `pyenv versions` order, with its path; with `skip_aliases`, without the links to a
    /// version or an environment in `versions/` and their environments.
    fn all_versions(&self, skip_envs: bool, skip_aliases: bool) -> Vec<(String, PathBuf)> {
        let versions_dir = self.pyenv.versions_dir();
        let real_versions_dir = versions_dir.canonicalize().unwrap_or(versions_dir.clone());
        let mut all = Vec::new();
        for name in self.pyenv.version_names() {
            let dir = versions_dir.join(&name);
            if skip_aliases && is_alias(&dir, &real_versions_dir) {
                continue;
            }
            if !skip_envs {
                let mut envs: Vec<String> = std::fs::read_dir(dir.join("envs"))
                    .into_iter()
                    .flatten()
                    .filter_map(Result::ok)
                    .filter(|entry| entry.path().is_dir())
                    .filter_map(|entry| entry.file_name().into_string().ok())
                    .collect();
                envs.sort();
                all.push((name.clone(), dir.clone()));
                for env in envs {
                    all.push((format!("{name}/envs/{env}"), dir.join("envs").join(env)));
                }
            } else {
                all.push((name, dir));
            }
        }
        all
    }

    fn versions_command(&self, args: &[&str]) -> u8 {
        let (mut bare, mut skip_aliases, mut skip_envs) = (false, false, false);
        for arg in args {
            match *arg {
                "--executables" => return self.executables(),
                "--bare" => bare = true,
                "--skip-aliases" => skip_aliases = true,
                "--skip-envs" => skip_envs = true,
                _ => return usage_error("versions"),
            }
        }
        let current: BTreeSet<String> = if bare {
            BTreeSet::new()
        } else {
            self.version_names(false).names.into_iter().collect()
        };
        let origin = self.origin_text();
        let mut text = String::new();
        let mut count = 0;
        let mut line = |name: &str, path: &Path| {
            count += 1;
            if bare {
                let _ = writeln!(text, "{name}");
                return;
            }
            let shown = match std::fs::read_link(path) {
                Ok(target) => format!("{name} --> {}", target.display()),
                Err(_) => name.to_string(),
            };
            if current.contains(name) {
                let _ = writeln!(text, "* {shown} (set by {origin})");
            } else {
                let _ = writeln!(text, "  {shown}");
            }
        };
        if !bare
            && ["python", "python3", "python2"]
                .iter()
                .any(|command| self.system_command(command, None).is_some())
        {
            line("system", Path::new("/"));
        }
        for (name, path) in self.all_versions(skip_envs, skip_aliases) {
            line(&name, &path);
        }
        write_stdout(format_args!("{text}"));
        if count == 0 && !bare {
            write_stderr(format_args!("Warning: no Python detected on the system\n"));
            return 1;
        }
        0
    }

    /// The distinct names in every version's and environment's `bin`, sorted.
    fn executable_names(&self) -> BTreeSet<String> {
        self.all_versions(false, false)
            .iter()
            .flat_map(|(_, dir)| std::fs::read_dir(dir.join("bin")).into_iter().flatten())
            .filter_map(Result::ok)
            .filter_map(|entry| entry.file_name().into_string().ok())
            .collect()
    }

    /// `pyenv versions --executables`: [`Self::executable_names`], one a line.
    fn executables(&self) -> u8 {
        let names = self.executable_names();
        let text: String = names.iter().map(|name| format!("{name}\n")).collect();
        write_stdout(format_args!("{text}"));
        0
    }

    /// `pyenv exec COMMAND ARGS...`: runs the command the selection finds, with
    /// `PYENV_VERSION` set to the selection and a pyenv version's `bin` first on `PATH`.
    /// `pyenv exec PROGRAM ARGS...` (also what a shim does, `shim_path` being where it is
    /// when not in pyenv's shims directory): runs the program the selection
    /// finds, with `PYENV_VERSION` set to the selection and a pyenv version's `bin` first on
    /// `PATH`. pip and easy_install (also `python -m pip`) run as a child instead, and a
    /// successful install or uninstall is followed by [`Self::rehash`], as pyenv's
    /// `pip-rehash` hook does, so new console scripts get shims.
    fn exec(&self, command: &str, args: &[OsString], shim_path: Option<OsString>) -> u8 {
        // Resolved once: exported to the program and searched, as pyenv-exec exports the
        // selection before calling pyenv-which.
        let versions = self.version_names(true).names;
        let selected = versions.join(":");
        // A shim elsewhere on PATH (`shim_path`: `_PYENV_SHIM_PATH`, set by the shim that
        // ran) is left out of this program's `system` search from here on, here and in the
        // child.
        let variable = shim_paths_variable(command);
        let shim_paths = shim_path.filter(|v| !v.is_empty()).map(|shim| {
            let mut value = shim;
            if let Some(existing) = std::env::var_os(&variable).filter(|v| !v.is_empty()) {
                value.push(":");
                value.push(existing);
            }
            value
        });
        let (found, missing) = self.which(command, versions, false, shim_paths.as_ref());
        let Some(program) = found else {
            self.not_found(command, &missing, false);
            return 127;
        };
        let mut bin = program.parent().map(Path::to_path_buf);
        let mut program = program;
        let mut environment = None;
        let scripts = self.hooks("exec");
        if !scripts.is_empty() {
            let variables = [
                ("PYENV_VERSION", selected.clone()),
                ("PYENV_COMMAND", command.to_string()),
                ("PYENV_COMMAND_PATH", program.display().to_string()),
                (
                    "PYENV_BIN_PATH",
                    bin.as_deref()
                        .map(|b| b.display().to_string())
                        .unwrap_or_default(),
                ),
            ];
            let hook_args: Vec<OsString> = std::iter::once(OsString::from(command))
                .chain(args.iter().cloned())
                .collect();
            let run = HookRun {
                root: self.pyenv.root(),
                scripts: &scripts,
                variables: &variables,
                args: &hook_args,
                read_back: &["PYENV_COMMAND_PATH", "PYENV_BIN_PATH"],
                exported: true,
                functions: "export PYENV_VERSION\n",
            };
            match hook_end(pyenv_hooks::run(&run)) {
                HookEnd::Finished { values, exported } => {
                    program = PathBuf::from(&values[0]);
                    bin = Some(PathBuf::from(&values[1]));
                    environment = Some(exported);
                }
                HookEnd::Exited(code) => return code,
            }
        }
        let mut process = std::process::Command::new(&program);
        let mut path = std::env::var_os("PATH").unwrap_or_default();
        if let Some(exported) = environment {
            if let Some((_, value)) = exported.iter().find(|(name, _)| name == "PATH") {
                path.clone_from(value);
            }
            process.env_clear().envs(exported);
        }
        if let Some(value) = shim_paths {
            process.env(variable, value).env_remove("_PYENV_SHIM_PATH");
        }
        process.args(args).env("PYENV_VERSION", selected);
        if let Some(bin) = bin.filter(|bin| bin.starts_with(self.pyenv.root())) {
            let dirs = std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&path));
            if let Ok(joined) = std::env::join_paths(dirs) {
                process.env("PATH", joined);
            }
        }
        if !runs_pip(command, args) {
            return exec(process, &program);
        }
        let status = match process.status() {
            Ok(status) => status,
            Err(err) => {
                complain(&format!("cannot run {}: {err}", program.display()));
                return 126;
            }
        };
        let changes = args
            .iter()
            .any(|arg| arg == "install" || arg == "uninstall");
        if status.success() && changes {
            let _ = self.rehash();
        }
        exit_status(status)
    }

    /// `pyenv rehash`: `$PYENV_ROOT/shims` holds one link to den for each program in an
    /// installed version's or environment's `bin`, and nothing else. Taken under pyenv's own
    /// lock (creating `shims/.pyenv-shim` exclusively, waiting up to
    /// `PYENV_REHASH_TIMEOUT` seconds, default 60), so den and pyenv never rehash at once;
    /// each link is made under a temporary name and renamed into place.
    ///
    /// Errors (pyenv's messages): the shims directory is not writable, or the lock stays
    /// taken.
    pub(super) fn rehash(&self) -> Result<(), String> {
        let shims = self.pyenv.shims_dir();
        let _ = std::fs::create_dir_all(&shims);
        let lock = shims.join(".pyenv-shim");
        let timeout = std::env::var("PYENV_REHASH_TIMEOUT")
            .ok()
            .and_then(|value| value.parse::<u64>().ok())
            .unwrap_or(60);
        let start = std::time::Instant::now();
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&lock)
            {
                Ok(_) => break,
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    if start.elapsed().as_secs() > timeout {
                        return Err(format!(
                            "cannot rehash: couldn't acquire lock {} for {timeout} seconds",
                            lock.display()
                        ));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(_) => {
                    return Err(format!("cannot rehash: {} isn't writable", shims.display()));
                }
            }
        }
        let result = self.make_shims(&shims);
        let _ = std::fs::remove_file(&lock);
        result
    }

    /// The work of [`Self::rehash`], under its lock.
    fn make_shims(&self, shims: &Path) -> Result<(), String> {
        let den = std::env::current_exe()
            .map_err(|err| format!("cannot rehash: cannot find den's own executable: {err}"))?;
        let mut wanted = self.executable_names();
        let scripts = self.hooks("rehash");
        if !scripts.is_empty() {
            let variables = [
                ("SHIM_PATH", shims.display().to_string()),
                (
                    "PROTOTYPE_SHIM_PATH",
                    shims.join(".pyenv-shim").display().to_string(),
                ),
            ];
            let run = HookRun {
                root: self.pyenv.root(),
                scripts: &scripts,
                variables: &variables,
                args: &[],
                read_back: &["__den_shims"],
                exported: false,
                functions: "__den_shims=\n\
                            register_shim() { __den_shims+=\"$1\"$'\\n'; }\n\
                            make_shims() { local file; for file; do register_shim \"${file##*/}\"; \
                            done; }\n",
            };
            match hook_end(pyenv_hooks::run(&run)) {
                HookEnd::Finished { values, .. } => {
                    wanted.extend(values[0].lines().map(str::to_string));
                }
                // A hook that ends pyenv's rehash leaves the shims as they are.
                HookEnd::Exited(0) => return Ok(()),
                HookEnd::Exited(code) => {
                    return Err(format!("cannot rehash: a hook ended it (status {code})"));
                }
            }
        }
        let sourced = self.sourced_programs();
        let source_shim = format!(
            "[ -n \"$PYENV_DEBUG\" ] && set -x\n\
             export PYENV_ROOT={root}\n\
             program=\"$({den} pyenv which \"${{BASH_SOURCE##*/}}\")\"\n\
             if [ -e \"${{program}}\" ]; then\n  . \"${{program}}\" \"$@\"\nfi\n",
            root = den_venv::quote::posix(&self.pyenv.root().to_string_lossy()),
            den = den_venv::quote::posix(&den.to_string_lossy()),
        );
        let cannot =
            |path: &Path, err: std::io::Error| format!("cannot rehash: {}: {err}", path.display());
        for name in &wanted {
            let shim = shims.join(name);
            let is_sourced = sourced.contains(name);
            let current = match is_sourced {
                true => std::fs::read_to_string(&shim).is_ok_and(|text| text == source_shim),
                false => std::fs::read_link(&shim).is_ok_and(|target| target == den),
            };
            if current {
                continue;
            }
            let temporary = shims.join(format!(".{name}.den-{}", std::process::id()));
            let _ = std::fs::remove_file(&temporary);
            let made = if is_sourced {
                use std::os::unix::fs::PermissionsExt;
                std::fs::write(&temporary, &source_shim).and_then(|()| {
                    std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(0o755))
                })
            } else {
                std::os::unix::fs::symlink(&den, &temporary)
            };
            made.map_err(|err| cannot(&temporary, err))?;
            std::fs::rename(&temporary, &shim).map_err(|err| cannot(&shim, err))?;
        }
        for entry in std::fs::read_dir(shims).map_err(|err| cannot(shims, err))? {
            let Ok(entry) = entry else { continue };
            let name = entry.file_name().to_string_lossy().into_owned();
            if name != ".pyenv-shim" && !wanted.contains(&name) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(())
    }

    /// `pyenv sh-shell`: the shell code that sets, shows, unsets (`--unset`) or swaps back
    /// (`-`) the shell's `PYENV_VERSION`, in pyenv's words for bash/zsh/sh, fish and pwsh.
    fn sh_shell_command(&self, args: &[&str]) -> u8 {
        let shell = shell_name();
        let fish = shell == "fish";
        let pwsh = shell == "pwsh";
        let text = match args {
            [] => match &self.version_env {
                Some(_) => "echo \"$PYENV_VERSION\"\n".to_string(),
                None => {
                    complain("no shell-specific version configured");
                    return 1;
                }
            },
            ["--unset", ..] if fish => {
                "set -gu PYENV_VERSION_OLD \"$PYENV_VERSION\"\nset -e PYENV_VERSION\n".to_string()
            }
            ["--unset", ..] if pwsh => {
                "$Env:PYENV_VERSION, $Env:PYENV_VERSION_OLD = $null, $Env:PYENV_VERSION\n"
                    .to_string()
            }
            ["--unset", ..] => {
                "PYENV_VERSION_OLD=\"${PYENV_VERSION-}\"\nunset PYENV_VERSION\n".to_string()
            }
            ["-", ..] if fish => "if set -q PYENV_VERSION_OLD\n  if [ -n \"$PYENV_VERSION_OLD\" ]\n    \
                 set PYENV_VERSION_OLD_ \"$PYENV_VERSION\"\n    \
                 set -gx PYENV_VERSION \"$PYENV_VERSION_OLD\"\n    \
                 set -gu PYENV_VERSION_OLD \"$PYENV_VERSION_OLD_\"\n    \
                 set -e PYENV_VERSION_OLD_\n  else\n    \
                 set -gu PYENV_VERSION_OLD \"$PYENV_VERSION\"\n    set -e PYENV_VERSION\n  end\n\
                 else\n  echo \"pyenv: PYENV_VERSION_OLD is not set\" >&2\n  false\nend\n"
                .to_string(),
            ["-", ..] if pwsh => "if ( Get-Item -Path Env:\\PYENV_VERSION* ) {\n  \
                 $Env:PYENV_VERSION, $Env:PYENV_VERSION_OLD = $Env:PYENV_VERSION_OLD, $Env:PYENV_VERSION\n\
                 } else {\n  Write-Error \"pyenv: Env:PYENV_VERSION_OLD is not set\"\n  \
                 return $false\n} \n"
                .to_string(),
            ["-", ..] => "if [ -n \"${PYENV_VERSION_OLD+x}\" ]; then\n  \
                 if [ -n \"$PYENV_VERSION_OLD\" ]; then\n    \
                 PYENV_VERSION_OLD_=\"$PYENV_VERSION\"\n    \
                 export PYENV_VERSION=\"$PYENV_VERSION_OLD\"\n    \
                 PYENV_VERSION_OLD=\"$PYENV_VERSION_OLD_\"\n    unset PYENV_VERSION_OLD_\n  \
                 else\n    PYENV_VERSION_OLD=\"$PYENV_VERSION\"\n    unset PYENV_VERSION\n  fi\n\
                 else\n  echo \"pyenv: PYENV_VERSION_OLD is not set\" >&2\n  false\nfi\n"
                .to_string(),
            versions => {
                let versions: Vec<String> = versions.iter().map(|v| v.to_string()).collect();
                if let Err(message) = self.prefixes(&versions) {
                    complain(&message);
                    write_stdout(format_args!("false\n"));
                    return 1;
                }
                let version = versions.join(":");
                if self.version_env.as_deref() == Some(version.as_str()) {
                    String::new()
                } else if fish {
                    format!(
                        "set -gu PYENV_VERSION_OLD \"$PYENV_VERSION\"\nset -gx PYENV_VERSION \"{version}\"\n"
                    )
                } else if pwsh {
                    format!(
                        "$Env:PYENV_VERSION, $Env:PYENV_VERSION_OLD = \"{version}\", $Env:PYENV_VERSION\n"
                    )
                } else {
                    format!(
                        "PYENV_VERSION_OLD=\"${{PYENV_VERSION-}}\"\nexport PYENV_VERSION=\"{version}\"\n"
                    )
                }
            }
        };
        write_stdout(format_args!("{text}"));
        0
    }

    /// A pyenv command den does not answer (`install`, a plugin's): the first executable
    /// `pyenv-COMMAND` in pyenv's plugins, its `libexec` or `PATH` (not den itself) runs
    /// with what pyenv gives its commands: `PYENV_ROOT`, `PYENV_DIR`, `PYENV_HOOK_PATH` and
    /// those directories first on `PATH`. Without one, pyenv's "no such command".
    /// Where pyenv's commands are, in its order: its plugins' `bin` directories and its
    /// `libexec` (also of a pyenv installed elsewhere whose `pyenv` is on `PATH`).
    fn command_dirs(&self) -> Vec<PathBuf> {
        let root = self.pyenv.root();
        let mut dirs = plugin_bins(root);
        dirs.push(root.join("libexec"));
        let path = std::env::var_os("PATH").unwrap_or_default();
        // pyenv installed elsewhere (a package manager's prefix): its `pyenv` on PATH is a
        // link into its libexec, beside its plugins.
        let installed = std::env::split_paths(&path)
            .map(|dir| dir.join("pyenv"))
            .find(|file| is_executable(file) && !is_den(file))
            .and_then(|file| file.canonicalize().ok())
            .and_then(|file| Some(file.parent()?.to_path_buf()));
        if let Some(libexec) = installed.filter(|libexec| !dirs.contains(libexec)) {
            if let Some(prefix) = libexec.parent() {
                let plugins: Vec<PathBuf> = plugin_bins(prefix)
                    .into_iter()
                    .filter(|bin| !dirs.contains(bin))
                    .collect();
                dirs.extend(plugins);
            }
            dirs.push(libexec);
        }
        dirs
    }

    /// The hook scripts pyenv would source for `command` (`pyenv hooks COMMAND`), without
    /// those den does itself.
    fn hooks(&self, command: &str) -> Vec<PathBuf> {
        pyenv_hooks::scripts(self.cached_hook_dirs(), command)
    }

    /// [`Self::hook_dirs`] of [`Self::command_dirs`], looked up once per process.
    fn cached_hook_dirs(&self) -> &[PathBuf] {
        self.found_hook_dirs
            .get_or_init(|| self.hook_dirs(&self.command_dirs()))
    }

    /// Runs `command`'s hooks with `variables` set and returns the values of `read_back`
    /// they leave; `None` when there are no hooks. A hook that ends the command (`exit`, or
    /// a failing command under pyenv's `set -e`) ends den with its status, as it ends
    /// pyenv's script.
    fn hook_values(
        &self,
        command: &str,
        variables: &[(&str, String)],
        read_back: &[&str],
    ) -> Option<Vec<String>> {
        let scripts = self.hooks(command);
        if scripts.is_empty() {
            return None;
        }
        let run = HookRun {
            root: self.pyenv.root(),
            scripts: &scripts,
            variables,
            args: &[],
            read_back,
            exported: false,
            functions: "",
        };
        match hook_end(pyenv_hooks::run(&run)) {
            HookEnd::Finished { values, .. } => Some(values),
            HookEnd::Exited(code) => std::process::exit(i32::from(code)),
        }
    }

    /// pyenv's hook directories (its `PYENV_HOOK_PATH`), in its order: the variable's, then
    /// `$PYENV_ROOT/pyenv.d`, the system's (`/usr/etc/pyenv.d`, `/usr/local/etc/pyenv.d`,
    /// `/etc/pyenv.d`, `/usr/lib/pyenv/hooks`), then `etc/pyenv.d` beside each of
    /// `command_dirs` (the plugins' and a pyenv installed elsewhere).
    fn hook_dirs(&self, command_dirs: &[PathBuf]) -> Vec<PathBuf> {
        let mut hooks: Vec<PathBuf> = std::env::var_os("PYENV_HOOK_PATH")
            .map(|value| std::env::split_paths(&value).collect())
            .unwrap_or_default();
        hooks.push(self.pyenv.root().join("pyenv.d"));
        for dir in [
            "/usr/etc/pyenv.d",
            "/usr/local/etc/pyenv.d",
            "/etc/pyenv.d",
            "/usr/lib/pyenv/hooks",
        ] {
            hooks.push(PathBuf::from(dir));
        }
        hooks.extend(
            command_dirs
                .iter()
                .filter_map(|bin| Some(bin.parent()?.join("etc/pyenv.d"))),
        );
        hooks
    }

    /// The programs whose shims are sourced rather than run (`activate`, `gettext.sh`...):
    /// pyenv's defaults and every name in the `rehash/source.d/*.list` files of the hook
    /// directories (pyenv's `source.bash` rehash hook), `#` comments and blank lines left out.
    fn sourced_programs(&self) -> BTreeSet<String> {
        let mut names: BTreeSet<String> = SOURCED_PROGRAMS.iter().map(|n| n.to_string()).collect();
        for dir in self.cached_hook_dirs() {
            let lists = std::fs::read_dir(dir.join("rehash/source.d"))
                .into_iter()
                .flatten();
            for list in lists.filter_map(Result::ok) {
                if list.path().extension().is_none_or(|ext| ext != "list") {
                    continue;
                }
                let text = std::fs::read_to_string(list.path()).unwrap_or_default();
                for line in text.lines() {
                    let name = line.split('#').next().unwrap_or_default().trim();
                    if let Some(name) = name.rsplit('/').next().filter(|n| !n.is_empty()) {
                        names.insert(name.to_string());
                    }
                }
            }
        }
        names
    }

    /// The program `pyenv-COMMAND` pyenv would run for `command`: in [`Self::command_dirs`],
    /// then `PATH`; never den itself.
    fn external_program(&self, command: &str) -> Option<PathBuf> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        self.command_dirs()
            .into_iter()
            .chain(std::env::split_paths(&path))
            .map(|dir| dir.join(format!("pyenv-{command}")))
            .find(|file| is_executable(file) && !is_den(file))
    }

    fn external(&self, command: &str, args: &[OsString]) -> ExitCode {
        let root = self.pyenv.root();
        let dirs = self.command_dirs();
        let path = std::env::var_os("PATH").unwrap_or_default();
        let Some(program) = self.external_program(command) else {
            return fail(&format!("no such command `{command}'"));
        };
        let hooks = self.hook_dirs(&dirs);
        let mut process = std::process::Command::new(&program);
        process
            .args(args)
            .env("PYENV_ROOT", root)
            .env("PYENV_DIR", self.dir.as_ref().unwrap_or(&self.cwd));
        if let Ok(joined) = std::env::join_paths(hooks) {
            process.env("PYENV_HOOK_PATH", joined);
        }
        if let Ok(joined) =
            std::env::join_paths(dirs.into_iter().chain(std::env::split_paths(&path)))
        {
            process.env("PATH", joined);
        }
        ExitCode::from(exec(process, &program))
    }

    fn shims_command(&self, args: &[&str]) -> u8 {
        let short = args.first() == Some(&"--short");
        let shims = self.pyenv.shims_dir();
        let names = visible_names(&shims);
        let text: String = names
            .iter()
            .map(|name| match short {
                true => format!("{name}\n"),
                false => format!("{}\n", shims.join(name).display()),
            })
            .collect();
        write_stdout(format_args!("{text}"));
        0
    }
}

/// The names of the entries of `dir` not starting with `.`, in byte order: bash's `DIR/*`
/// in the C locale (none when `dir` cannot be read).
pub(super) fn visible_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort();
    names
}

/// Whether `dir` (in `versions/`, whose real path is `real_versions_dir`) is a link to a
/// version or to an environment (`VERSION/envs/NAME`) there: what `pyenv versions
/// --skip-aliases` leaves out.
fn is_alias(dir: &Path, real_versions_dir: &Path) -> bool {
    if !dir.is_symlink() {
        return false;
    }
    let target = dir.canonicalize().unwrap_or(dir.to_path_buf());
    let parent = target.parent();
    parent == Some(real_versions_dir)
        || parent
            .filter(|envs| envs.file_name() == Some("envs".as_ref()))
            .and_then(Path::parent)
            .and_then(Path::parent)
            == Some(real_versions_dir)
}

/// The shell pyenv writes for: `PYENV_SHELL`, else the file name of `SHELL`.
fn shell_name() -> String {
    let shell = std::env::var("PYENV_SHELL")
        .ok()
        .filter(|shell| !shell.is_empty())
        .or_else(|| std::env::var("SHELL").ok())
        .unwrap_or_default();
    shell.rsplit('/').next().unwrap_or_default().to_string()
}

/// How shell code den writes calls it back: `pyenv` when den runs under a pyenv name
/// (`pyenv`, `pyenv-COMMAND`), else `den pyenv`.
fn program_name() -> &'static str {
    let argv0 = std::env::args_os().next().map(PathBuf::from);
    match argv0
        .as_deref()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
    {
        Some(name) if name.starts_with("pyenv") => "pyenv",
        _ => "den pyenv",
    }
}

/// `pyenv sh-rehash`: what the shell function evaluates for `pyenv rehash`.
fn sh_rehash(shell: &str) -> String {
    let program = program_name();
    let mut text = match (shell, program) {
        ("pwsh", "pyenv") => "& (get-command pyenv -commandtype application) rehash\n".to_string(),
        ("pwsh", _) => "& (get-command den -commandtype application) pyenv rehash\n".to_string(),
        _ => format!("command {program} rehash\n"),
    };
    if !matches!(shell, "fish" | "pwsh") {
        text.push_str("hash -r 2>/dev/null || true\n");
    }
    text
}

/// `pyenv init [-|--path] [--no-rehash] [SHELL]`: with `-`, the script `eval "$(pyenv init
/// -)"` runs ([`init_script`]); with `--path`, only its `PATH` part; alone, how to set it up
/// (status 1).
fn init_command(args: &[&str]) -> u8 {
    let mode = args.iter().find(|arg| matches!(**arg, "-" | "--path"));
    let rehash = !args.contains(&"--no-rehash");
    let shell = args
        .iter()
        .find(|arg| !arg.starts_with('-'))
        .map_or_else(shell_name, |shell| shell.to_string());
    let program = program_name();
    let Some(mode) = mode else {
        write_stderr(format_args!(
            "# Load pyenv's version selection and shims through den by adding\n\
             # the following to your shell's startup file:\n\n\
             eval \"$({program} init - {shell})\"\n"
        ));
        return 1;
    };
    let text = init_script(&shell, program, *mode == "-", rehash);
    write_stdout(format_args!("{text}"));
    0
}

/// What `eval "$(pyenv init -)"` runs, for `shell` (fish's syntax for `fish`, POSIX sh's
/// otherwise): pyenv's shims directory first on `PATH` (once), then with `functions` also
/// `PYENV_SHELL` and a `pyenv` function that evaluates `sh-rehash`, `sh-shell`,
/// `sh-activate` and `sh-deactivate` and runs every other command as `program` (`pyenv`, or
/// `den pyenv`); with `rehash`, a `rehash` at shell start, as pyenv does, which makes the
/// shims links to den. No completion script is sourced.
pub fn init_script(shell: &str, program: &str, functions: bool, rehash: bool) -> String {
    let shims = Pyenv::from_env().shims_dir();
    let shims = shims.display();
    let fish = shell == "fish";
    let mut text = if fish {
        format!(
            "while set pyenv_index (contains -i -- '{shims}' $PATH)\n\
             set -eg PATH[$pyenv_index]; end; set -e pyenv_index\n\
             set -gx PATH '{shims}' $PATH\n"
        )
    } else {
        format!(
            "PATH=\"$(printf '%s' \"$PATH\" | awk -v RS=: -v ORS=: '$0 != \"{shims}\"' | sed 's/:$//')\"\n\
             export PATH=\"{shims}:${{PATH}}\"\n"
        )
    };
    if functions {
        if fish {
            text.push_str(&format!(
                "set -gx PYENV_SHELL {shell}\n\
                 function pyenv\n  set command $argv[1]\n  set -e argv[1]\n\n  \
                 switch \"$command\"\n  case activate deactivate rehash shell\n    \
                 source (command {program} \"sh-$command\" $argv|psub)\n  case '*'\n    \
                 command {program} \"$command\" $argv\n  end\nend\n"
            ));
        } else {
            text.push_str(&format!(
                "export PYENV_SHELL={shell}\n\
                 pyenv() {{\n  local command=${{1:-}}\n  [ \"$#\" -gt 0 ] && shift\n  \
                 case \"$command\" in\n  activate|deactivate|rehash|shell)\n    \
                 eval \"$(command {program} \"sh-$command\" \"$@\")\"\n    ;;\n  *)\n    \
                 command {program} \"$command\" \"$@\"\n    ;;\n  esac\n}}\n"
            ));
        }
    }
    if rehash {
        text.push_str(&format!("command {program} rehash 2>/dev/null\n"));
    }
    text
}

/// Whether running `command` with `args` is pip's or easy_install's (`pip`, `pip3.12`,
/// `easy_install-3.8`, or `-m pip` among the arguments): pyenv rehashes after those.
fn runs_pip(command: &str, args: &[OsString]) -> bool {
    let name = command.rsplit('/').next().unwrap_or(command);
    let versioned = |stem: &str| {
        name.strip_prefix(stem).is_some_and(|rest| {
            rest.is_empty()
                || (rest.starts_with(['2', '3'])
                    && rest[1..]
                        .strip_prefix('.')
                        .map_or(rest.len() == 1, |minor| {
                            !minor.is_empty() && minor.bytes().all(|c| c.is_ascii_digit())
                        }))
        })
    };
    versioned("pip")
        || versioned("easy_install")
        || args
            .windows(2)
            .any(|pair| pair[0] == "-m" && pair[1] == "pip")
}

/// The exit status to pass on for a child's: its code, or 128 + the signal that ended it.
pub(super) fn exit_status(status: std::process::ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code).unwrap_or(1),
        (None, Some(signal)) => u8::try_from(128 + signal).unwrap_or(1),
        (None, None) => 1,
    }
}

/// The `bin` directories of the plugins under `prefix` (`prefix/plugins/*/bin`), sorted.
fn plugin_bins(prefix: &Path) -> Vec<PathBuf> {
    let mut bins: Vec<PathBuf> = std::fs::read_dir(prefix.join("plugins"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.is_dir())
        .collect();
    bins.sort();
    bins
}

/// Replaces den with `process` (Unix `exec`), so signals and the exit status are the
/// program's own; returns 126 when it cannot start.
fn exec(mut process: std::process::Command, program: &Path) -> u8 {
    use std::os::unix::process::CommandExt;
    let err = process.exec();
    complain(&format!("cannot run {}: {err}", program.display()));
    126
}

/// The variable listing shim directories to skip for `command`: `_PYENV_SHIM_PATHS_` and
/// the name upper-cased, every character other than `A-Z`, `0-9` and `_` made `_`.
fn shim_paths_variable(command: &str) -> String {
    let name: String = command
        .chars()
        .map(|c| match c.to_ascii_uppercase() {
            c @ ('A'..='Z' | '0'..='9' | '_') => c,
            _ => '_',
        })
        .collect();
    format!("_PYENV_SHIM_PATHS_{name}")
}

/// A leading `-f`/`--force`, and the arguments after it.
fn leading_force<'a, 'b>(args: &'b [&'a str]) -> (bool, &'b [&'a str]) {
    match args {
        ["-f" | "--force", rest @ ..] => (true, rest),
        rest => (false, rest),
    }
}

/// The prefix of a system Python found at `python` (`/usr/bin/python3` -> `/usr`, also from
/// `sbin`); `/` when it is at the top.
fn system_prefix(python: &Path) -> PathBuf {
    let bin = python.parent().unwrap_or(Path::new("/"));
    let prefix = match bin.file_name().and_then(|name| name.to_str()) {
        Some("bin" | "sbin") => bin.parent().unwrap_or(Path::new("/")),
        _ => bin,
    };
    if prefix.as_os_str().is_empty() {
        PathBuf::from("/")
    } else {
        prefix.to_path_buf()
    }
}

/// The version names python-build knows (`python-build --definitions`), when it is on
/// `PATH`: pyenv's source of `latest --known`, used when den's download index cannot be
/// read.
fn known_versions() -> Option<Vec<String>> {
    let output = std::process::Command::new("python-build")
        .arg("--definitions")
        .output()
        .ok()
        .filter(|output| output.status.success())?;
    Some(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
    )
}

/// Whether `file` is a link to this den (a shim of den's under another spelling of the
/// shims directory): running it would come straight back here.
fn is_den(file: &Path) -> bool {
    file.is_symlink()
        && file
            .canonicalize()
            .ok()
            .zip(std::env::current_exe().ok())
            .is_some_and(|(target, den)| target == den)
}

/// Whether `path` is a file this process may execute.
pub(crate) fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}
