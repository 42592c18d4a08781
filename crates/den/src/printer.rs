//! User-facing output: status lines, progress bars and errors, honouring `-q` / `-v` and
//! whether stderr is a terminal (progress bars only on a terminal, never when piped).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Writes results to stdout. When the reader has gone away (`den pip list | head -1`), den
/// stops quietly with status 0, as Unix tools do, instead of failing on the broken pipe; any
/// other write error (a full disk) ends den with status 1 and says so.
pub fn write_stdout(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    match std::io::stdout().lock().write_fmt(text) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(error) => {
            write_stderr(format_args!(
                "error: cannot write to standard output: {error}\n"
            ));
            std::process::exit(1);
        }
    }
}

/// Writes status, warnings and errors to stderr, ignoring a failure to write: when stderr is
/// closed (`den pip install x 2>&1 | true`) den goes on and ends with the status its work
/// earns, as uv does, where `eprintln!` would panic ("failed printing to stderr") and exit 101.
/// Every stderr line of den goes through here (or through tracing, set up not to complain).
pub fn write_stderr(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_fmt(text);
}

/// Decides what reaches the user. Results (freeze, list, show) go to stdout through
/// [`Printer::out`]; status and errors go to stderr.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    quiet: u8,
    verbose: u8,
    terminal: bool,
}

impl Printer {
    /// A printer for `-q` repeated `quiet` times and `-v` repeated `verbose` times.
    pub fn new(quiet: u8, verbose: u8) -> Self {
        let terminal = std::io::stderr().is_terminal();
        Self {
            quiet,
            verbose,
            terminal,
        }
    }

    /// How many times `-v` was given.
    pub fn verbosity(&self) -> u8 {
        self.verbose
    }

    /// A result line on stdout (freeze, list, show). Results are what the user asked for, so
    /// `-q` does not hide them.
    pub fn out(&self, line: impl std::fmt::Display) {
        write_stdout(format_args!("{line}\n"));
    }

    /// A line pip writes to standard output about what it did (`Successfully installed ...`,
    /// `Requirement already satisfied: ...`, uninstall's lines), hidden by `-q` as pip hides
    /// them; so scripts that read or silence pip's stdout see den's there too.
    pub fn report(&self, line: impl std::fmt::Display) {
        if self.quiet == 0 {
            write_stdout(format_args!("{line}\n"));
        }
    }

    /// A status line on stderr, hidden by `-q`.
    pub fn status(&self, line: impl std::fmt::Display) {
        if self.quiet == 0 {
            write_stderr(format_args!("{line}\n"));
        }
    }

    /// A detail line on stderr, shown only with `-v`.
    pub fn detail(&self, line: impl std::fmt::Display) {
        if self.verbose > 0 && self.quiet == 0 {
            write_stderr(format_args!("{line}\n"));
        }
    }

    /// A warning on stderr, hidden by `-qq`.
    pub fn warn(&self, line: impl std::fmt::Display) {
        if self.quiet < 2 {
            write_stderr(format_args!("warning: {line}\n"));
        }
    }

    /// A warning in pip's words (`WARNING: ...` on stderr), for the commands that speak pip's
    /// language to scripts; hidden by `-qq`.
    pub fn pip_warning(&self, line: impl std::fmt::Display) {
        if self.quiet < 2 {
            write_stderr(format_args!("WARNING: {line}\n"));
        }
    }

    /// An error in pip's words (`ERROR: ...` on stderr).
    pub fn pip_error(&self, line: impl std::fmt::Display) {
        write_stderr(format_args!("ERROR: {line}\n"));
    }

    /// Prints an error and its causes, one per line.
    pub fn error(&self, err: &anyhow::Error) {
        write_stderr(format_args!("error: {err}\n"));
        for cause in err.chain().skip(1) {
            write_stderr(format_args!("  caused by: {cause}\n"));
        }
    }

    /// A progress bar of `len` steps (a spinner when `len` is 0) labelled `message`, drawn on
    /// stderr on a terminal and hidden otherwise (or with `-q`).
    pub fn progress(&self, len: u64, message: &str) -> ProgressBar {
        if !self.terminal || self.quiet > 0 {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        // A phase of unknown length (resolution) is a spinner; a counted one a bar.
        let template = if len == 0 {
            "{spinner} {msg}"
        } else {
            "{spinner} {msg:<11} [{bar:30}] {pos}/{len}"
        };
        let style = ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(message.to_string());
        bar.enable_steady_tick(Duration::from_millis(100));
        bar
    }
}
