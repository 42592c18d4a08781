//! `den pip check`: every installed distribution's requirements (for this interpreter's
//! markers) must be installed at an allowed version. pip's messages and exit status: 0 and
//! "No broken requirements found." when all is well, else one line per problem and 1.

use std::process::ExitCode;

use den_cache::Cache;

use crate::cli::CheckArgs;
use crate::printer::Printer;
use crate::target::{self, Access};

/// Runs `den pip check`.
pub fn run(args: &CheckArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let target = target::find(&args.target, cache, Access::Read)?;
    let installed = target.visible_distributions()?;
    let problems = den_install::check(&installed, &target.interpreter.markers)?;
    if problems.is_empty() {
        printer.report("No broken requirements found.");
        return Ok(ExitCode::SUCCESS);
    }
    for problem in problems {
        // As pip: unreadable dependency data is a warning on stderr, and still a failure.
        if matches!(problem, den_install::CheckProblem::Unreadable { .. }) {
            printer.warn(problem);
        } else {
            printer.report(problem);
        }
    }
    Ok(ExitCode::FAILURE)
}
