//! User-facing output: status lines, progress bars and errors, honouring `-q` / `-v` and
//! whether stderr is a terminal (progress bars only on a terminal, never when piped).

use std::io::IsTerminal;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use den_index::{DownloadProgress, DownloadReporter};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// The tracing target of every line den prints through a [`Printer`]: off for the terminal
/// (the line is printed there itself), on for pip's `--log FILE`, which so gets what den
/// printed, and its `-v` lines even when not shown, among den's debug log.
pub const OUTPUT_TARGET: &str = "den::output";

/// Hands `line` to the log ([`OUTPUT_TARGET`]).
fn log(line: &dyn std::fmt::Display) {
    tracing::debug!(target: OUTPUT_TARGET, "{line}");
}

/// Downloads smaller than this get no bar of their own: they are over before it can be read
/// (the phase's bar counts them).
const DOWNLOAD_BAR_MIN: u64 = 1_000_000;

/// Every progress bar den draws, so phase bars, download bars and build spinners share the
/// terminal instead of overwriting each other.
fn bars() -> &'static MultiProgress {
    static BARS: OnceLock<MultiProgress> = OnceLock::new();
    BARS.get_or_init(MultiProgress::new)
}

/// A bar of `bar`'s kind drawn with `template`, labelled `message`, among [`bars`].
fn styled(bar: ProgressBar, template: &str, message: String) -> ProgressBar {
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    let bar = bars().add(bar);
    bar.set_style(style);
    bar.set_message(message);
    bar.enable_steady_tick(Duration::from_millis(100));
    // Drawn at once: a short download or build is shown, not only those outlasting a tick.
    bar.tick();
    bar
}

/// Draws each download of at least [`DOWNLOAD_BAR_MIN`] bytes (or of unknown size) as a bar
/// with the bytes received, the total and the rate.
struct DownloadBars;

impl DownloadReporter for DownloadBars {
    fn started(&self, filename: &str, size: Option<u64>) -> Box<dyn DownloadProgress> {
        let bar = match size {
            Some(size) if size < DOWNLOAD_BAR_MIN => ProgressBar::hidden(),
            Some(size) => styled(
                ProgressBar::new(size),
                "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
                filename.to_string(),
            ),
            None => styled(
                ProgressBar::new_spinner(),
                "{spinner} {msg} {bytes} {bytes_per_sec}",
                filename.to_string(),
            ),
        };
        Box::new(DownloadBar(bar))
    }
}

/// One download's bar, cleared when the download ends.
struct DownloadBar(ProgressBar);

impl DownloadProgress for DownloadBar {
    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
}

impl Drop for DownloadBar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

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
    colour: bool,
    /// Progress bars allowed (pip's `--progress-bar off` turns them off).
    progress: bool,
}

/// Whether den's stderr gets colours: never with `--no-color` (`no_color_flag`) or a
/// non-empty `NO_COLOR` (no-color.org), always with a non-empty `FORCE_COLOR`
/// (force-color.org), else when stderr is a terminal other than `TERM=dumb`.
pub fn stderr_colour(no_color_flag: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|value| !value.is_empty());
    if no_color_flag || set("NO_COLOR") {
        return false;
    }
    if set("FORCE_COLOR") {
        return true;
    }
    std::io::stderr().is_terminal() && std::env::var_os("TERM").is_none_or(|term| term != "dumb")
}

/// `label` in `colour` and bold when `on`, else as it is.
fn paint(label: &str, colour: anstyle::AnsiColor, on: bool) -> String {
    if !on {
        return label.to_string();
    }
    let style = anstyle::Style::new().bold().fg_color(Some(colour.into()));
    format!("{style}{label}{style:#}")
}

impl Printer {
    /// A printer for `-q` repeated `quiet` times and `-v` repeated `verbose` times, colouring
    /// error and warning labels when `colour` ([`stderr_colour`]).
    pub fn new(quiet: u8, verbose: u8, colour: bool) -> Self {
        let terminal = std::io::stderr().is_terminal();
        Self {
            quiet,
            verbose,
            terminal,
            colour,
            progress: true,
        }
    }

    /// This printer without progress bars, even on a terminal (pip's `--progress-bar off`).
    pub fn without_progress(self) -> Self {
        Self {
            progress: false,
            ..self
        }
    }

    /// How many times `-v` was given.
    pub fn verbosity(&self) -> u8 {
        self.verbose
    }

    /// A result line on stdout that `-q` does not hide: den's own commands' results, and
    /// those pip writes to stdout itself (`freeze`, `inspect`). The answers pip writes as log
    /// lines (`list`, `show`, `hash`...) go through [`Printer::report`].
    pub fn out(&self, line: impl std::fmt::Display) {
        log(&line);
        write_stdout(format_args!("{line}\n"));
    }

    /// A line pip writes to standard output through its logging (`write_output`,
    /// `logger.info`): what it did (`Successfully installed ...`, `Requirement already
    /// satisfied: ...`, uninstall's lines) and the answers of `list`, `show`, `check`, `hash`,
    /// `cache`, `config`, `index versions` and `debug`, hidden by `-q` as pip hides them; so
    /// scripts that read or silence pip's stdout see den's there too.
    pub fn report(&self, line: impl std::fmt::Display) {
        log(&line);
        if self.quiet == 0 {
            write_stdout(format_args!("{line}\n"));
        }
    }

    /// A status line on stderr, hidden by `-q`.
    pub fn status(&self, line: impl std::fmt::Display) {
        log(&line);
        if self.quiet == 0 {
            write_stderr(format_args!("{line}\n"));
        }
    }

    /// A detail line on stderr, shown only with `-v`.
    pub fn detail(&self, line: impl std::fmt::Display) {
        log(&line);
        if self.verbose > 0 && self.quiet == 0 {
            write_stderr(format_args!("{line}\n"));
        }
    }

    /// Says, with `-v`, that pip's `option` was accepted and changes nothing in den (`why`).
    pub fn no_effect(&self, option: &str, why: &str) {
        self.detail(format_args!(
            "{option}: pip's option, accepted; it changes nothing in den ({why})"
        ));
    }

    /// A warning on stderr, hidden by `-qq`.
    pub fn warn(&self, line: impl std::fmt::Display) {
        log(&format_args!("warning: {line}"));
        if self.quiet < 2 {
            let label = paint("warning:", anstyle::AnsiColor::Yellow, self.colour);
            write_stderr(format_args!("{label} {line}\n"));
        }
    }

    /// A warning in pip's words (`WARNING: ...` on stderr), for the commands that speak pip's
    /// language to scripts; hidden by `-qq`.
    pub fn pip_warning(&self, line: impl std::fmt::Display) {
        log(&format_args!("WARNING: {line}"));
        if self.quiet < 2 {
            let label = paint("WARNING:", anstyle::AnsiColor::Yellow, self.colour);
            write_stderr(format_args!("{label} {line}\n"));
        }
    }

    /// An error pip logs with `logger.error` (`ERROR: ...` on stderr), hidden by `-qqq` as
    /// pip's logging hides it (`pip config`'s errors).
    pub fn pip_logged_error(&self, line: impl std::fmt::Display) {
        if self.quiet < 3 {
            self.pip_error(line);
        } else {
            log(&format_args!("ERROR: {line}"));
        }
    }

    /// An error in pip's words (`ERROR: ...` on stderr), shown at every verbosity, as pip's
    /// `logger.critical` (a command's `CommandError`) and its direct writes to stderr.
    pub fn pip_error(&self, line: impl std::fmt::Display) {
        log(&format_args!("ERROR: {line}"));
        let label = paint("ERROR:", anstyle::AnsiColor::Red, self.colour);
        write_stderr(format_args!("{label} {line}\n"));
    }

    /// Prints an error and its causes, one per line.
    pub fn error(&self, err: &anyhow::Error) {
        log(&format_args!("error: {err:#}"));
        let label = paint("error:", anstyle::AnsiColor::Red, self.colour);
        write_stderr(format_args!("{label} {err}\n"));
        for cause in err.chain().skip(1) {
            write_stderr(format_args!("  caused by: {cause}\n"));
        }
    }

    /// A progress bar of `len` steps (a spinner when `len` is 0) labelled `message`, drawn on
    /// stderr on a terminal and hidden otherwise (or with `-q`).
    pub fn progress(&self, len: u64, message: &str) -> ProgressBar {
        if !self.shows_progress() {
            return ProgressBar::hidden();
        }
        // A phase of unknown length (resolution) is a spinner; a counted one a bar.
        let template = if len == 0 {
            "{spinner} {msg}"
        } else {
            "{spinner} {msg:<11} [{bar:30}] {pos}/{len}"
        };
        styled(ProgressBar::new(len), template, message.to_string())
    }

    /// A spinner naming what is being built (`Building gamma 1.5`), drawn like
    /// [`Printer::progress`]; clear it when the build is over.
    pub fn building(&self, what: impl std::fmt::Display) -> ProgressBar {
        if !self.shows_progress() {
            return ProgressBar::hidden();
        }
        styled(
            ProgressBar::new_spinner(),
            "{spinner} {msg}",
            format!("Building {what}"),
        )
    }

    /// What draws downloads as progress bars with bytes and rates, on a terminal without
    /// `-q`; `None` otherwise.
    pub fn download_reporter(&self) -> Option<Arc<dyn DownloadReporter>> {
        self.shows_progress()
            .then(|| Arc::new(DownloadBars) as Arc<dyn DownloadReporter>)
    }

    /// Whether progress is drawn: stderr is a terminal, `-q` was not given and progress bars
    /// were not turned off ([`Printer::without_progress`]).
    fn shows_progress(&self) -> bool {
        self.progress && self.terminal && self.quiet == 0
    }
}
