//! `den workon NAME` without the shell integration: runs the preactivate hooks and opens an
//! interactive subshell ($SHELL, else /bin/sh) in the environment. bash, zsh and fish read
//! their usual startup files and then the environment's activation script (so the prompt and
//! `deactivate` work as usual); other shells get VIRTUAL_ENV, VIRTUAL_ENV_PROMPT and PATH.
//! With the integration loaded, the shell function `den` turns `den workon` into `workon`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::Context;
use den_workon::hooks::{RunHook, run_hook};

use crate::cli::WorkonArgs;
use crate::commands::env::homes;
use crate::printer::Printer;

/// Runs `den workon`: exits with the subshell's status.
pub fn run(args: &WorkonArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let (homes, _) = homes()?;
    let root = den_workon::find_env(&homes, &args.name)?;
    run_hook(
        &homes,
        RunHook::PreActivate,
        Some(&root),
        &[&args.name],
        None,
    )?;
    let shell = std::env::var_os("SHELL")
        .filter(|s| !s.is_empty())
        .map_or_else(|| PathBuf::from("/bin/sh"), PathBuf::from);
    let scratch = Scratch::new()?;
    let mut command = subshell(&shell, &root, &scratch)?;
    printer.status(format!(
        "Entering a shell in environment '{}' ({}); type `exit` to leave",
        args.name,
        root.display()
    ));
    let status = command
        .status()
        .with_context(|| format!("cannot start the shell {}", shell.display()))?;
    Ok(ExitCode::from(
        status
            .code()
            .and_then(|c| u8::try_from(c).ok())
            .unwrap_or(1),
    ))
}

/// The interactive shell command that activates `root`.
fn subshell(shell: &Path, root: &Path, scratch: &Scratch) -> anyhow::Result<Command> {
    let mut command = Command::new(shell);
    let bin = root.join("bin");
    let name = shell.file_name().and_then(|n| n.to_str()).unwrap_or("sh");
    let activate = quote_posix(&bin.join("activate").to_string_lossy());
    match name {
        "bash" => {
            let rc = scratch.write(
                "bashrc",
                &format!("[ -f ~/.bashrc ] && . ~/.bashrc\n. {activate}\n"),
            )?;
            command.arg("--rcfile").arg(rc).arg("-i");
        }
        "zsh" => {
            // zsh reads $ZDOTDIR/.zshrc: point it at ours, which restores ZDOTDIR, reads the
            // user's .zshrc and activates.
            let user_dir = std::env::var_os("ZDOTDIR")
                .or_else(|| std::env::var_os("HOME"))
                .unwrap_or_default();
            let user_dir = quote_posix(&user_dir.to_string_lossy());
            scratch.write(
                ".zshrc",
                &format!(
                    "ZDOTDIR={user_dir}\n[ -f \"$ZDOTDIR/.zshrc\" ] && . \"$ZDOTDIR/.zshrc\"\n. {activate}\n"
                ),
            )?;
            command.env("ZDOTDIR", &scratch.dir).arg("-i");
        }
        "fish" => {
            let activate = bin.join("activate.fish");
            let quoted = quote_posix(&activate.to_string_lossy());
            command.arg("-C").arg(format!("source {quoted}"));
        }
        _ => {
            let mut path = OsString::from(bin.as_os_str());
            if let Some(old) = std::env::var_os("PATH") {
                path.push(":");
                path.push(old);
            }
            let prompt = root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            command
                .env("VIRTUAL_ENV", root)
                .env("VIRTUAL_ENV_PROMPT", prompt)
                .env("PATH", path)
                .env_remove("PYTHONHOME")
                .arg("-i");
        }
    }
    Ok(command)
}

/// `text` as one single-quoted word for POSIX shells and fish (fish reads `'\''` the same way).
fn quote_posix(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A private directory for the subshell's startup file, removed when dropped.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new() -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("den-workon-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Self { dir })
    }

    fn write(&self, name: &str, text: &str) -> anyhow::Result<PathBuf> {
        let path = self.dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Only our startup file is in it; a leftover in the temporary directory is harmless.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
