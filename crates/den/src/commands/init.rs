//! `den init SHELL`: prints the shell integration script (den-workon's templates).

use std::process::ExitCode;
use std::str::FromStr;

use den_workon::shell::{Shell, init_script};

use crate::cli::InitArgs;

/// Runs `den init`: the script goes to stdout for `eval` / `source`.
pub fn run(args: &InitArgs) -> anyhow::Result<ExitCode> {
    let shell = Shell::from_str(&args.shell)?;
    crate::printer::write_stdout(format_args!("{}", init_script(shell)));
    Ok(ExitCode::SUCCESS)
}
