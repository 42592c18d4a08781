//! `den init SHELL`: prints the shell integration script (den-workon's templates).

use std::process::ExitCode;
use std::str::FromStr;

use den_workon::shell::{Shell, init_script};

use crate::cli::InitArgs;

/// Runs `den init`: the script goes to stdout for `eval` / `source`. Where pyenv is in use
/// (`$PYENV_ROOT`, default `~/.pyenv`, is a directory), what `eval "$(pyenv init -)"` sets up follows,
/// through den: shims first on `PATH`, and a `pyenv` function answered by `den pyenv`.
pub fn run(args: &InitArgs) -> anyhow::Result<ExitCode> {
    let shell = Shell::from_str(&args.shell)?;
    let mut script = init_script(shell);
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
