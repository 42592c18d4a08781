//! `den workon NAME` without the shell integration: opens an interactive subshell ($SHELL,
//! else /bin/sh) in the environment.
//!
//! bash, zsh and fish read their usual startup files, then the integration `den init <shell>`
//! prints, then run its `workon NAME`, so everything the integration does happens: the
//! preactivate hooks, the activation script (prompt), postactivate, the cd to the project, and
//! `deactivate` with its hooks. A failing `workon` (e.g. a preactivate hook) ends the subshell
//! with its status. Other shells get the preactivate hooks run by den, then VIRTUAL_ENV,
//! VIRTUAL_ENV_PROMPT and PATH. With the integration loaded in the calling shell, its `den`
//! function turns `den workon` into `workon` and this command is not reached.

use std::ffi::OsString;
use std::fs::Permissions;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::Context;
use den_venv::quote::{fish, posix};
use den_workon::hooks::{RunHook, run_hook};
use den_workon::shell::{Shell, init_script};

use crate::cli::WorkonArgs;
use crate::commands::env::homes;
use crate::printer::Printer;

/// Runs `den workon`: exits with the subshell's status.
pub fn run(args: &WorkonArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let (homes, _) = homes(printer);
    let root = den_workon::find_env(&homes, &args.name)?;
    let shell = std::env::var_os("SHELL")
        .filter(|s| !s.is_empty())
        .map_or_else(|| PathBuf::from("/bin/sh"), PathBuf::from);
    let integrated = shell
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|name| name.parse::<Shell>().ok());
    // Holds the startup files until the subshell has exited; removed when dropped.
    let scratch = tempfile::Builder::new()
        .prefix("den-workon-")
        .permissions(Permissions::from_mode(0o700))
        .tempdir()
        .context("cannot create a private temporary directory for the shell's startup file")?;
    let mut command = match integrated {
        Some(kind) => with_integration(kind, &shell, &args.name, scratch.path())?,
        None => {
            run_hook(
                &homes,
                RunHook::PreActivate,
                Some(&root),
                &[&args.name],
                None,
            )?;
            plain(&shell, &root)
        }
    };
    printer.status(format!(
        "Entering a shell in environment '{}' ({}); type `exit` to leave",
        args.name,
        root.display()
    ));
    let status = command
        .status()
        .with_context(|| format!("cannot start the shell {}", shell.display()))?;
    drop(scratch);
    Ok(exit_code(status))
}

/// A subshell's exit status as den's own: its code, 1 when it has none (a signal) or the
/// code does not fit.
pub(crate) fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    ExitCode::from(
        status
            .code()
            .and_then(|c| u8::try_from(c).ok())
            .unwrap_or(1),
    )
}

/// The interactive `shell` (bash, zsh or fish) that loads the user's startup file, the den
/// integration, and runs `workon name`; its startup files go to `scratch`.
fn with_integration(
    kind: Shell,
    shell: &Path,
    name: &str,
    scratch: &Path,
) -> anyhow::Result<Command> {
    // The integration runs `$DEN_EXECUTABLE` when set, else `den` from PATH: make it this
    // binary unless the user chose one (a shell variable, not exported to programs).
    let exe = std::env::current_exe()
        .context("cannot find den's own executable for the subshell's integration")?;
    let exe = exe.to_string_lossy();
    let script = init_script(kind);
    let startup = match kind {
        Shell::Bash | Shell::Zsh => Startup::Posix(format!(
            "{}\n{script}\nworkon {} || exit $?\n",
            default_executable_posix(&exe),
            posix(name)
        )),
        Shell::Fish => {
            let file = write(
                scratch,
                "den.fish",
                &format!(
                    "set -q DEN_EXECUTABLE; or set -g DEN_EXECUTABLE {}\n{script}",
                    fish(&exe)
                ),
            )?;
            // `exit` in a sourced file only ends the file, so it is in the -C command itself.
            Startup::Fish(format!(
                "source {}; and workon {}; or exit $status",
                fish(&file.to_string_lossy()),
                fish(name)
            ))
        }
    };
    interactive(kind, shell, &startup, scratch)
}

/// What an interactive subshell runs once the user's own startup file is read.
pub(crate) enum Startup {
    /// Lines for bash or zsh.
    Posix(String),
    /// A command for fish's `-C`.
    Fish(String),
}

/// The interactive `shell` (bash, zsh or fish, `kind`) that reads the user's startup file
/// (`~/.bashrc`, `$ZDOTDIR/.zshrc`, fish's config) and then runs `startup`; the startup
/// files it needs go to the private directory `scratch`, which must outlive the shell.
///
/// Errors: a startup file cannot be written.
pub(crate) fn interactive(
    kind: Shell,
    shell: &Path,
    startup: &Startup,
    scratch: &Path,
) -> anyhow::Result<Command> {
    let mut command = Command::new(shell);
    match (kind, startup) {
        (Shell::Bash, Startup::Posix(lines)) => {
            let rc = write(
                scratch,
                "bashrc",
                &format!("[ -f ~/.bashrc ] && . ~/.bashrc\n{lines}"),
            )?;
            command.arg("--rcfile").arg(rc).arg("-i");
        }
        (Shell::Zsh, Startup::Posix(lines)) => {
            // zsh reads $ZDOTDIR/.zshrc: point it at ours, which restores ZDOTDIR, reads the
            // user's .zshrc, then runs the lines.
            let user_dir = std::env::var_os("ZDOTDIR")
                .or_else(|| std::env::var_os("HOME"))
                .unwrap_or_default();
            let user_dir = posix(&user_dir.to_string_lossy());
            write(
                scratch,
                ".zshrc",
                &format!(
                    "ZDOTDIR={user_dir}\n[ -f \"$ZDOTDIR/.zshrc\" ] && . \"$ZDOTDIR/.zshrc\"\n{lines}"
                ),
            )?;
            command.env("ZDOTDIR", scratch).arg("-i");
        }
        (Shell::Fish, Startup::Fish(line)) => {
            command.arg("-C").arg(line);
        }
        _ => anyhow::bail!("a {kind:?} subshell needs its own startup"),
    }
    Ok(command)
}

/// The interactive `shell` with the environment at `root` put in its variables (for shells
/// den has no integration for).
pub(crate) fn plain(shell: &Path, root: &Path) -> Command {
    let mut path = OsString::from(root.join("bin").as_os_str());
    if let Some(old) = std::env::var_os("PATH") {
        path.push(":");
        path.push(old);
    }
    let prompt = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut command = Command::new(shell);
    command
        .env("VIRTUAL_ENV", root)
        .env("VIRTUAL_ENV_PROMPT", prompt)
        .env("PATH", path)
        .env_remove("PYTHONHOME")
        .arg("-i");
    command
}

/// A POSIX shell line setting the shell variable DEN_EXECUTABLE to `exe` unless it is set.
fn default_executable_posix(exe: &str) -> String {
    format!(
        "[ -n \"${{DEN_EXECUTABLE-}}\" ] || DEN_EXECUTABLE={}",
        posix(exe)
    )
}

/// Writes the startup file `name` into the private directory `dir`; returns its path.
fn write(dir: &Path, name: &str, text: &str) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}
