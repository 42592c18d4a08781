//! `den init SHELL`: prints the shell integration script (den-workon's templates).

use std::process::ExitCode;
use std::str::FromStr;

use den_workon::shell::{Shell, init_script};

use crate::cli::InitArgs;

/// The line that makes the functions run this very binary when `DEN_EXECUTABLE` is not set,
/// so they work without den on `PATH` (as pyenv's and other tools' init scripts name their own
/// binary); empty when the binary's path cannot be told.
fn executable_line(shell: Shell) -> String {
    let Some(exe) = std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(str::to_string))
    else {
        return String::new();
    };
    match shell {
        Shell::Fish => format!(
            "set -q DEN_EXECUTABLE; or set -g DEN_EXECUTABLE {}\n",
            den_venv::quote::fish(&exe)
        ),
        Shell::Bash | Shell::Zsh => format!(
            "[ -n \"${{DEN_EXECUTABLE-}}\" ] || DEN_EXECUTABLE={}\n",
            den_venv::quote::posix(&exe)
        ),
    }
}

/// Runs `den init`: the script goes to stdout for `eval` / `source`. Where pyenv is in use
/// (`$PYENV_ROOT`, default `~/.pyenv`, is a directory), what `eval "$(pyenv init -)"` sets up follows,
/// through den: shims first on `PATH`, and a `pyenv` function answered by `den pyenv`.
pub fn run(args: &InitArgs) -> anyhow::Result<ExitCode> {
    let shell = Shell::from_str(&args.shell)?;
    let mut script = executable_line(shell);
    script.push_str(&init_script(shell));
    if den_python::Pyenv::from_env().root().is_dir() {
        let name = shell.to_string();
        script.push_str(&crate::commands::pyenv::init_script(
            &name,
            "den pyenv",
            true,
            true,
        ));
    }
    crate::printer::write_stdout(format_args!("{script}"));
    Ok(ExitCode::SUCCESS)
}
