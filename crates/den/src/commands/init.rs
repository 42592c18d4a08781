//! `den init SHELL`: prints the shell integration script (den-workon's templates).

use std::process::ExitCode;
use std::str::FromStr;

use clap::CommandFactory;
use den_workon::shell::{Shell, init_script};

use crate::cli::{Cli, InitArgs};

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

/// clap_complete's completion script of den's commands and options for `shell`: bash and zsh
/// define `_den` and register it for `den`; fish adds `complete -c den` lines.
fn completion_script(shell: Shell) -> String {
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(generator, &mut Cli::command(), "den", &mut script);
    String::from_utf8_lossy(&script).into_owned()
}

/// Runs `den init`: the script goes to stdout for `eval` / `source`. Where pyenv is in use
/// (`$PYENV_ROOT`, default `~/.pyenv`, is a directory), what `eval "$(pyenv init -)"` sets up follows,
/// through den: shims first on `PATH`, and a `pyenv` function answered by `den pyenv`.
/// With `--completions`, only [`completion_script`]: the integration loads it at the first
/// completion of a `den` command line, so that a shell's start does not pay for it.
pub fn run(args: &InitArgs) -> anyhow::Result<ExitCode> {
    let shell = Shell::from_str(&args.shell)?;
    if args.completions {
        crate::printer::write_stdout(format_args!("{}", completion_script(shell)));
        return Ok(ExitCode::SUCCESS);
    }
    let mut script = executable_line(shell);
    // The pyenv function runs this binary too, as the integration's functions do.
    let program = match (script.is_empty(), shell) {
        (true, _) => "den pyenv",
        (false, Shell::Fish) => "$DEN_EXECUTABLE pyenv",
        (false, Shell::Bash | Shell::Zsh) => "\"$DEN_EXECUTABLE\" pyenv",
    };
    script.push_str(&init_script(shell));
    if den_python::Pyenv::from_env().root().is_dir() {
        let name = shell.to_string();
        script.push_str(&crate::commands::pyenv::init_script(
            &name, program, true, true,
        ));
    }
    crate::printer::write_stdout(format_args!("{script}"));
    Ok(ExitCode::SUCCESS)
}
