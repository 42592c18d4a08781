//! `den pyenv COMMAND`, and den run under the name `pyenv` or `pyenv-COMMAND`: pyenv 2.x's
//! commands that read and write version selections, with pyenv's arguments, output, messages
//! (`pyenv: ...` on stderr) and exit statuses (1, and 127 for `which` and `exec` when the
//! command is not found). The rules themselves live in [`den_python::Pyenv`]; this module
//! speaks pyenv's language around them. Arguments are read by hand, as pyenv's scripts read
//! them, because its messages and its tolerance of extra words are part of what scripts see.
//!
//! Not here yet (pyenv's own scripts still serve them where pyenv is installed): `install`,
//! `uninstall`, `init`, `shell`, `rehash`, `shims`, plugin commands and hook scripts
//! (`pyenv.d`).

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use den_python::{Pyenv, VersionPin};

use crate::printer::{write_stderr, write_stdout};

/// The commands den answers itself, with pyenv's usage line for each.
const COMMANDS: &[(&str, &str)] = &[
    ("commands", "pyenv commands"),
    ("exec", "pyenv exec <command> [arg1 arg2...]"),
    ("global", "pyenv global <version> <version2> <..>"),
    ("latest", "pyenv latest [-k|--known] <prefix>"),
    (
        "local",
        "pyenv local [-f|--force] [<version> [...]]\n       pyenv local --unset",
    ),
    ("prefix", "pyenv prefix [<version>...]"),
    ("root", "pyenv root"),
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
pub fn multicall_args(argv: &[OsString]) -> Option<Vec<String>> {
    let name = Path::new(argv.first()?).file_name()?.to_str()?;
    let rest = argv[1..]
        .iter()
        .map(|arg| arg.to_string_lossy().into_owned());
    if name == "pyenv" {
        Some(rest.collect())
    } else {
        let command = name.strip_prefix("pyenv-")?;
        Some(std::iter::once(command.to_string()).chain(rest).collect())
    }
}

/// Runs `pyenv ARGS...` (the command first) and returns its exit status.
pub fn run(args: &[String]) -> ExitCode {
    let Some((command, rest)) = args.split_first() else {
        write_stderr(format_args!("{}", usage_all()));
        return ExitCode::FAILURE;
    };
    let Ok(cwd) = std::env::current_dir() else {
        write_stderr(format_args!("pyenv: cannot read the working directory\n"));
        return ExitCode::FAILURE;
    };
    let context = Context {
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
        return fail(&format!(
            "cannot change working directory to `{}'",
            dir.display()
        ));
    }
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    if rest.first() == Some(&"--help") && COMMANDS.iter().any(|(name, _)| name == command) {
        write_stdout(format_args!("Usage: {}\n", usage(command)));
        return ExitCode::SUCCESS;
    }
    let status = match command.as_str() {
        "-h" | "--help" | "help" => {
            write_stdout(format_args!("{}", usage_all()));
            0
        }
        "commands" => {
            let names: String = COMMANDS
                .iter()
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
        "exec" => context.exec_command(&rest),
        "shell" => {
            return fail("shell integration not enabled. Run `pyenv init' for instructions.");
        }
        other => return fail(&format!("no such command `{other}'")),
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

/// The usage line of `command`.
fn usage(command: &str) -> &'static str {
    COMMANDS
        .iter()
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
    for (name, _) in COMMANDS {
        let _ = writeln!(text, "   {name}");
    }
    text
}

/// What pyenv reads from the process: its root, `PYENV_VERSION`, `PYENV_DIR` and the
/// working directory.
struct Context {
    pyenv: Pyenv,
    version_env: Option<String>,
    dir: Option<PathBuf>,
    cwd: PathBuf,
}

/// The result of `pyenv version-name`: the installed names, and whether one was missing
/// (its message already printed).
struct VersionNames {
    names: Vec<String>,
    any_missing: bool,
}

impl Context {
    /// The selection (`PYENV_VERSION`, else the version file), warning on stderr about
    /// names the file holds that pyenv refuses. `None` when the file cannot be read (said).
    fn selection(&self) -> Option<VersionPin> {
        match self
            .pyenv
            .selection(self.version_env.as_deref(), self.dir.as_deref(), &self.cwd)
        {
            Ok(pin) => {
                self.warn_invalid(&pin.invalid, &pin.origin.pyenv_text());
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
    fn origin_text(&self) -> String {
        if self.version_env.is_some() {
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
    fn version_names(&self, force: bool) -> VersionNames {
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

    /// The names in `file` (`pyenv version-file-read`), warnings printed; `None` when it is
    /// missing, empty or names nothing.
    fn read_names(&self, file: &str) -> Option<Vec<String>> {
        let path = self.cwd.join(file);
        match self.pyenv.read_version_file(&path) {
            Ok(contents) => {
                self.warn_invalid(&contents.invalid, file);
                (!contents.versions.is_empty()).then_some(contents.versions)
            }
            Err(err) => {
                complain(&err.to_string());
                None
            }
        }
    }

    fn version_file_read_command(&self, args: &[&str]) -> u8 {
        match args.first().and_then(|file| self.read_names(file)) {
            Some(names) => {
                write_stdout(format_args!("{}\n", names.join(":")));
                0
            }
            None => 1,
        }
    }

    /// The directory of each version (`pyenv prefix`), or the message for the first that is
    /// not installed.
    fn prefixes(&self, names: &[String]) -> Result<Vec<PathBuf>, String> {
        names
            .iter()
            .map(|name| {
                if name == "system" {
                    return ["python", "python3", "python2"]
                        .iter()
                        .find_map(|command| self.system_command(command, None))
                        .map(|python| system_prefix(&python))
                        .ok_or_else(|| "system version not found in PATH".to_string());
                }
                self.pyenv.prefix(name).ok_or_else(|| {
                    let resolved = self.pyenv.latest(name).unwrap_or_else(|| name.clone());
                    format!("version `{resolved}' not installed")
                })
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
        if versions.is_empty() || file.is_empty() {
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
            [] => match den_python::find_version_file(&self.cwd) {
                Some(found) => match self.read_names(&found.to_string_lossy()) {
                    Some(names) => {
                        write_stdout(format_args!("{}\n", names.join("\n")));
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
        if !args.is_empty() {
            let versions: Vec<String> = args.iter().map(|v| v.to_string()).collect();
            return self.write_version_file(&root.join("version"), &versions, false);
        }
        let names = ["version", "global", "default"]
            .iter()
            .find_map(|file| self.read_names(&root.join(file).to_string_lossy()))
            .unwrap_or_else(|| vec!["system".to_string()]);
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
            known_versions().and_then(|list| den_python::latest_of(prefix, &list))
        } else {
            self.pyenv.latest(prefix)
        };
        if let Some(version) = found {
            write_stdout(format_args!("{version}\n"));
            return 0;
        }
        // pyenv names the prefix without a free-threaded `t` here.
        let shown = prefix
            .strip_suffix('t')
            .filter(|stem| stem.ends_with(|c: char| c.is_ascii_digit()))
            .unwrap_or(prefix);
        if bypass {
            write_stdout(format_args!("{shown}\n"));
        } else {
            let which = if known { "known" } else { "installed" };
            complain(&format!("no {which} versions match the prefix `{shown}'"));
        }
        u8::from(!force)
    }

    fn prefix_command(&self, args: &[&str]) -> u8 {
        let names: Vec<String> = if !args.is_empty() {
            args.iter()
                .flat_map(|a| a.split(':'))
                .map(str::to_string)
                .collect()
        } else if let Some(value) = &self.version_env {
            value.split(':').map(str::to_string).collect()
        } else {
            let result = self.version_names(false);
            if result.any_missing {
                return 1;
            }
            result.names
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
    fn system_command(&self, command: &str, shim_paths: Option<&OsString>) -> Option<PathBuf> {
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
            .find(|file| is_executable(file))
    }

    /// Where `command` is for the selection: the first selected version with
    /// `bin/COMMAND`, then `system` (unless `nosystem`); also the selected names that are
    /// not installed.
    fn which(
        &self,
        command: &str,
        nosystem: bool,
        shim_paths: Option<&OsString>,
    ) -> (Option<PathBuf>, Vec<String>) {
        let mut versions: Vec<String> = match &self.version_env {
            Some(value) => value.split(':').map(str::to_string).collect(),
            None => self.version_names(true).names,
        };
        if !nosystem {
            versions.push("system".to_string());
        }
        let mut missing = Vec::new();
        for version in versions {
            let candidate = if version == "system" {
                self.system_command(command, shim_paths)
            } else {
                match self.pyenv.prefix(&version) {
                    Some(prefix) => Some(prefix.join("bin").join(command)),
                    None => {
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
        let (found, missing) = self.which(command, nosystem, None);
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
    fn whence(&self, command: &str, paths: bool) -> Vec<String> {
        self.all_versions(false)
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
    /// `pyenv versions` order, with its path.
    fn all_versions(&self, skip_envs: bool) -> Vec<(String, PathBuf)> {
        let versions_dir = self.pyenv.versions_dir();
        let mut all = Vec::new();
        for name in self.pyenv.version_names() {
            let dir = versions_dir.join(&name);
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
        let versions_dir = self.pyenv.versions_dir();
        let real_versions_dir = versions_dir.canonicalize().unwrap_or(versions_dir.clone());
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
        for (name, path) in self.all_versions(skip_envs) {
            let is_alias = !name.contains('/') && path.is_symlink();
            if skip_aliases && is_alias {
                let target = path.canonicalize().unwrap_or(path.clone());
                let into_versions = target.parent() == Some(real_versions_dir.as_path())
                    || target
                        .parent()
                        .filter(|envs| envs.file_name() == Some("envs".as_ref()))
                        .and_then(Path::parent)
                        .and_then(Path::parent)
                        == Some(real_versions_dir.as_path());
                if into_versions {
                    continue;
                }
            }
            line(&name, &path);
        }
        write_stdout(format_args!("{text}"));
        if count == 0 && !bare {
            write_stderr(format_args!("Warning: no Python detected on the system\n"));
            return 1;
        }
        0
    }

    /// `pyenv versions --executables`: the distinct names in every version's and
    /// environment's `bin`, sorted.
    fn executables(&self) -> u8 {
        let names: BTreeSet<String> = self
            .all_versions(false)
            .iter()
            .flat_map(|(_, dir)| std::fs::read_dir(dir.join("bin")).into_iter().flatten())
            .filter_map(Result::ok)
            .filter_map(|entry| entry.file_name().into_string().ok())
            .collect();
        let text: String = names.iter().map(|name| format!("{name}\n")).collect();
        write_stdout(format_args!("{text}"));
        0
    }

    /// `pyenv exec COMMAND ARGS...`: runs the command the selection finds, with
    /// `PYENV_VERSION` set to the selection and a pyenv version's `bin` first on `PATH`.
    fn exec_command(&self, args: &[&str]) -> u8 {
        let Some((command, rest)) = args.split_first().filter(|(c, _)| !c.is_empty()) else {
            return usage_error("exec");
        };
        let selected = self.version_names(true).names.join(":");
        // A shim elsewhere on PATH (`_PYENV_SHIM_PATH`, set by the shim that ran) is left
        // out of this program's `system` search from here on, here and in the child.
        let variable = shim_paths_variable(command);
        let shim_paths = std::env::var_os("_PYENV_SHIM_PATH")
            .filter(|v| !v.is_empty())
            .map(|shim| {
                let mut value = shim;
                if let Some(existing) = std::env::var_os(&variable).filter(|v| !v.is_empty()) {
                    value.push(":");
                    value.push(existing);
                }
                value
            });
        let (found, missing) = self.which(command, false, shim_paths.as_ref());
        let Some(program) = found else {
            self.not_found(command, &missing, false);
            return 127;
        };
        let mut process = std::process::Command::new(&program);
        if let Some(value) = shim_paths {
            process.env(variable, value).env_remove("_PYENV_SHIM_PATH");
        }
        process.args(rest.iter()).env("PYENV_VERSION", selected);
        if program.starts_with(self.pyenv.root())
            && let Some(bin) = program.parent()
        {
            let path = std::env::var_os("PATH").unwrap_or_default();
            let dirs = std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&path));
            if let Ok(joined) = std::env::join_paths(dirs) {
                process.env("PATH", joined);
            }
        }
        exec(process, &program)
    }
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
/// `PATH`: pyenv's source of `latest --known`.
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

/// Whether `path` is a file this process may execute.
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}
