//! The `den` binary: parses the command line, sets up output and logging, and hands each
//! command to its module under `commands/`, which only wires library crates together.

#![deny(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod commands;
mod interrupt;
mod ops;
mod pip_args;
mod printer;
mod target;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Command, GlobalArgs, PipCommand};
use crate::printer::Printer;

fn main() -> ExitCode {
    // Under the name `pyenv` / `pyenv-COMMAND`, or as `den pyenv ...`, the words after are
    // pyenv's, not den's: they never reach den's own option parser. Nothing else runs first,
    // so a shim costs den's start and a few file reads.
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(args) = commands::pyenv::multicall_args(&argv) {
        return commands::pyenv::run(&args);
    }
    if argv.get(1).is_some_and(|arg| arg == "pyenv") {
        return commands::pyenv::run(&argv[2..]);
    }
    // Likewise pipenv's words, under the name `pipenv` or as `den pipenv ...`.
    if argv.first().is_some_and(commands::pipenv::is_multicall) {
        return commands::pipenv::run(&argv[1..]);
    }
    if argv.get(1).is_some_and(|arg| arg == "pipenv") {
        return commands::pipenv::run(&argv[2..]);
    }
    // Under any other name den is a shim (`$PYENV_ROOT/shims/python` linked to den): it
    // runs the program it is named after, as pyenv's shims do.
    if let Some((program, shim_dir)) = argv.first().and_then(commands::pyenv::shim_program) {
        return commands::pyenv::run_shim(&program, shim_dir, &argv[1..]);
    }
    let mut cli = match configure_and_parse(argv) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    // pip's configured `quiet`/`verbose` are its defaults; the command line's add to them.
    cli.global.quiet = (cli.global.quiet).saturating_add(pip_args::configured_count("quiet"));
    cli.global.verbose = (cli.global.verbose).saturating_add(pip_args::configured_count("verbose"));
    cli.global.net();
    let no_color = matches!(&cli.command, Command::Pip(pip) if pip.general.no_color);
    let colour = printer::stderr_colour(no_color);
    let log = match &cli.command {
        Command::Pip(pip) => pip.general.log.as_deref(),
        _ => None,
    };
    let log = match log
        .map(|path| open_log(path).map_err(|err| (path, err)))
        .transpose()
    {
        Ok(file) => file,
        Err((path, err)) => {
            printer::write_stderr(format_args!(
                "error: cannot open the log file {}: {err}\n",
                path.display()
            ));
            return ExitCode::FAILURE;
        }
    };
    init_tracing(cli.global.verbose, cli.global.quiet, colour, log);
    let printer = Printer::new(cli.global.quiet, cli.global.verbose, colour);
    let printer = match &cli.command {
        Command::Pip(pip)
            if pip
                .command
                .build_compat()
                .is_some_and(|compat| compat.progress_off()) =>
        {
            printer.without_progress()
        }
        _ => printer,
    };
    interrupt::install_handler();
    match run(cli, &printer) {
        Ok(code) => code,
        Err(err) => {
            printer.error(&err);
            exit_code(&err)
        }
    }
}

/// `argv` with pip's configuration applied ([`pip_args::with_pip_configuration`]), parsed.
/// pip reads the site file (`<sys.prefix>/pip.conf`) of the interpreter it runs in: the
/// line is read with that of the environment den acts on by default
/// ([`target::default_environment`], the one whose `pip` den stands for), and, when the
/// pip command works for another interpreter ([`target::site_prefix`]: `--python`,
/// possibly set by that configuration), read again with that one's (when either of the two
/// directories holds a `pip.conf`), keeping the options
/// that chose it, as pip run with `--python X` runs again under X. The configuration the
/// command runs with is kept for the process ([`pip_args::Configured::keep`]).
///
/// Errors: the exit status, once den printed why: a configuration pip would refuse, an
/// option den refuses, or one the command does not know (clap's own errors, `--help`
/// included, exit here).
fn configure_and_parse(argv: Vec<std::ffi::OsString>) -> Result<Cli, ExitCode> {
    let configure = |site: &dyn Fn() -> Option<PathBuf>, chosen_by| {
        pip_args::with_pip_configuration(argv.clone(), site, chosen_by).map_err(|err| {
            print_error(err.message);
            ExitCode::from(err.status)
        })
    };
    // Looked for only on a pip command line: other commands (`workon`) start without it.
    let default_site = std::cell::OnceCell::new();
    let default = || {
        default_site
            .get_or_init(|| {
                std::env::current_dir()
                    .ok()
                    .and_then(|cwd| target::default_environment(&cwd))
            })
            .clone()
    };
    let configured = configure(&default, None)?;
    let cli = parse(&configured.argv)?;
    let site = match &cli.command {
        Command::Pip(pip) => target::site_prefix(&pip.command, &cli.global),
        _ => None,
    };
    // Read again only when the site files differ: another directory, and one of the two
    // holds a pip.conf (pip's site file is `<sys.prefix>/pip.conf`).
    let has_file = |dir: &std::path::Path| dir.join("pip.conf").is_file();
    let differs = |site: &PathBuf| {
        let default_site = default();
        Some(site) != default_site.as_ref()
            && (has_file(site) || default_site.as_deref().is_some_and(has_file))
    };
    match site.filter(differs) {
        Some(site) => {
            let again = configure(&|| Some(site.clone()), configured.configuration())?;
            let cli = parse(&again.argv)?;
            again.keep();
            Ok(cli)
        }
        None => {
            configured.keep();
            Ok(cli)
        }
    }
}

/// Prints `message` as den's error (on stderr, coloured on a terminal), before any option
/// that would change how den prints is known.
fn print_error(message: String) {
    Printer::new(0, 0, printer::stderr_colour(false)).error(&anyhow::anyhow!(message));
}

/// Parses `argv`, refusing first the pip options den refuses ([`pip_args::refused_option`]).
///
/// Errors: the exit status, once den printed why (clap's own errors exit here).
fn parse(argv: &[std::ffi::OsString]) -> Result<Cli, ExitCode> {
    if let Some(refusal) = pip_args::refused_option(argv) {
        // An option pip removed gets pip's usage error, as pip prints it; one den cannot
        // honour is den's error.
        if refusal.status == 2 {
            printer::write_stderr(format_args!("{}\n", refusal.message));
        } else {
            print_error(refusal.message);
        }
        return Err(ExitCode::from(refusal.status));
    }
    Cli::try_parse_from(argv).map_err(|error| {
        // pip's words for an option a pip command does not know, with pip's status.
        match pip_args::unknown_option_message(&error, argv) {
            Some(message) => {
                printer::write_stderr(format_args!("{message}\n"));
                ExitCode::from(2)
            }
            None => error.exit(),
        }
    })
}

/// The exit status for a failed command: a failing hook's own status, else 1.
fn exit_code(err: &anyhow::Error) -> ExitCode {
    if err.downcast_ref::<target::VirtualenvRequired>().is_some() {
        return ExitCode::from(3);
    }
    match err.downcast_ref::<den_workon::WorkonError>() {
        Some(den_workon::WorkonError::HookFailed { code, .. }) => {
            ExitCode::from(u8::try_from(*code).ok().filter(|c| *c != 0).unwrap_or(1))
        }
        _ => ExitCode::FAILURE,
    }
}

/// Opens the cache (`--cache-dir`, else $DEN_CACHE_DIR or the platform's), which creates it.
pub fn open_cache(global: &GlobalArgs) -> anyhow::Result<den_cache::Cache> {
    Ok(match &global.cache_dir {
        Some(dir) => den_cache::Cache::open(dir)?,
        None => den_cache::Cache::from_env()?,
    })
}

/// pip's general `--python` for `hash`, `cache` and `config`, which pip runs again under that
/// interpreter: its `sys.prefix` ([`target::pip_python_prefix`]), `None` without the option.
///
/// Errors: the exit status 1 once the reason is printed (pip's `ERROR: Could not locate
/// Python interpreter X` when nothing is there).
fn pip_python(
    python: Option<&str>,
    global: &GlobalArgs,
    printer: &Printer,
) -> Result<Option<PathBuf>, ExitCode> {
    let Some(python) = python else {
        return Ok(None);
    };
    target::pip_python_prefix(python, global)
        .map(Some)
        .map_err(|err| {
            match err.downcast_ref::<target::PythonNotLocated>() {
                Some(missing) => printer.pip_error(missing),
                None => printer.error(&err),
            }
            ExitCode::FAILURE
        })
}

fn run(cli: Cli, printer: &Printer) -> anyhow::Result<ExitCode> {
    // Named-environment commands open the cache only when they create or install, so
    // listing and completing stay instant.
    match cli.command {
        Command::Env(command) => commands::env::run(command, &cli.global, printer),
        Command::Init(args) => commands::init::run(&args),
        Command::Workon(args) => commands::workon::run(&args, printer),
        Command::Doctor(args) => commands::doctor::run(&args, &open_cache(&cli.global)?, printer),
        Command::Pack(args) => commands::pack::pack(&args, &open_cache(&cli.global)?, printer),
        Command::Unpack(args) => commands::pack::unpack(&args, printer),
        Command::Pyenv(args) => Ok(commands::pyenv::run(&args.args)),
        Command::Pipenv(args) => Ok(commands::pipenv::run(&args.args)),
        Command::Venv(args) => {
            let cache = open_cache(&cli.global)?;
            let _shared = cache.shared_lock()?;
            commands::venv::run(&args, &cache, printer)
        }
        Command::Pip(pip) => {
            pip.general.network().set_for_process();
            if pip.general.require_virtualenv
                && matches!(
                    pip.command,
                    PipCommand::Install(_)
                        | PipCommand::Uninstall(_)
                        | PipCommand::Freeze(_)
                        | PipCommand::Check(_)
                        | PipCommand::Sync(_)
                        | PipCommand::Download(_)
                        | PipCommand::Wheel(_)
                )
            {
                target::require_virtualenv();
            }
            for line in pip_args::warnings() {
                printer.warn(line);
            }
            for line in pip_args::applied() {
                printer.detail(line);
            }
            let no_index = pip.command.no_index_compat().map(|args| args.given());
            for (option, why) in pip
                .general
                .given()
                .into_iter()
                .chain(no_index.into_iter().flatten())
            {
                printer.no_effect(option, why);
            }
            // Held while an environment command runs, so `den cache clean` waits instead of
            // removing entries from under it.
            let locked = |run: &dyn Fn(&den_cache::Cache) -> anyhow::Result<ExitCode>| {
                let cache = open_cache(&cli.global)?;
                let _shared = cache.shared_lock()?;
                run(&cache)
            };
            match pip.command {
                PipCommand::Install(args) => {
                    let exists_action = pip.general.exists_actions();
                    locked(&|c| commands::install::run(&args, &exists_action, c, printer))
                }
                PipCommand::Uninstall(args) => {
                    locked(&|c| commands::uninstall::run(&args, pip.general.no_input, c, printer))
                }
                PipCommand::Freeze(args) => locked(&|c| commands::freeze::run(&args, c, printer)),
                PipCommand::List(args) => locked(&|c| commands::list::run(&args, c, printer)),
                PipCommand::Show(args) => locked(&|c| commands::show::run(&args, c, printer)),
                PipCommand::Compile(args) => locked(&|c| commands::compile::run(&args, c, printer)),
                PipCommand::Sync(args) => locked(&|c| commands::sync::run(&args, c, printer)),
                PipCommand::Lock(args) => {
                    locked(&|c| commands::compile::run_lock(&args, c, printer))
                }
                PipCommand::Check(args) => locked(&|c| commands::check::run(&args, c, printer)),
                PipCommand::Tree(args) => locked(&|c| commands::tree::run(&args, c, printer)),
                PipCommand::Download(args) => {
                    locked(&|c| commands::download::run_download(&args, c, printer))
                }
                PipCommand::Wheel(args) => {
                    locked(&|c| commands::download::run_wheel(&args, c, printer))
                }
                PipCommand::Inspect(args) => {
                    locked(&|c| commands::pip_index::inspect(&args, c, printer))
                }
                PipCommand::Index(command) => {
                    locked(&|c| commands::pip_index::run(&command, c, printer))
                }
                // On files and configuration only: no cache.
                PipCommand::Hash(args) => {
                    match pip_python(args.python.as_deref(), &cli.global, printer) {
                        Ok(_) => commands::pip_hash::run(&args, printer),
                        Err(code) => Ok(code),
                    }
                }
                PipCommand::Debug(args) => {
                    locked(&|c| commands::pip_debug::run(&args, pip.general.isolated, c, printer))
                }
                PipCommand::Config(args) => {
                    match pip_python(args.python.as_deref(), &cli.global, printer) {
                        Ok(site) => commands::pip_config::run(
                            &args,
                            pip.general.isolated,
                            site.as_deref(),
                            printer,
                        ),
                        Err(code) => Ok(code),
                    }
                }
                // On the cache itself, without the shared lock (`purge` takes it exclusively).
                PipCommand::Cache(args) => {
                    if let Err(code) = pip_python(args.python.as_deref(), &cli.global, printer) {
                        return Ok(code);
                    }
                    let cache = open_cache(&cli.global)?;
                    commands::pip_cache::run(&args, pip.general.no_cache_dir, &cache, printer)
                }
            }
        }
        Command::Cache(command) => {
            commands::cache::run(&command, &open_cache(&cli.global)?, printer)
        }
    }
}

/// Logs go to stderr: warnings by default, `-v` info, `-vv` debug, `-vvv` trace; `-q` errors
/// only. The PubGrub solver's own step-by-step log (thousands of lines on a large graph) is
/// left out below `-vv`, so `-v` shows den's one line per backtrack; the HTTP/2 and TLS
/// libraries' frame-by-frame debug lines wait for `-vvv`. `RUST_LOG` overrides. A
/// log line that cannot be written (stderr closed) is dropped: tracing-subscriber's report of
/// the failure would `eprintln!`, which panics then. With `log` (pip's `--log FILE`, opened
/// by [`open_log`]) the file also gets, whatever `-v`/`-q`, every line den prints
/// ([`printer::OUTPUT_TARGET`]) and den's debug log, each with its UTC time.
fn init_tracing(verbose: u8, quiet: u8, colour: bool, log: Option<std::fs::File>) {
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    const DEBUG: &str = "debug,h2=info,hyper=info,hyper_util=info,rustls=info";
    let level = match (quiet, verbose) {
        (q, _) if q > 0 => "error",
        (_, 0) => "warn",
        (_, 1) => "info,pubgrub=warn",
        (_, 2) => DEBUG,
        _ => "trace",
    };
    // den's printed lines reach the terminal through the printer, never twice.
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    if let Ok(off) = format!("{}=off", printer::OUTPUT_TARGET).parse() {
        filter = filter.add_directive(off);
    }
    let terminal = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        // Colour as for den's own lines (printer::stderr_colour): a terminal's, NO_COLOR and
        // FORCE_COLOR honoured; logs piped to a file or a CI log stay plain.
        .with_ansi(colour)
        .with_target(verbose >= 2)
        .without_time()
        .log_internal_errors(false)
        .with_filter(filter);
    let file = log.map(|file| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .log_internal_errors(false)
            // The solver's step-by-step log stays out, as below -vv.
            .with_filter(tracing_subscriber::EnvFilter::new(format!(
                "{DEBUG},pubgrub=warn"
            )))
    });
    tracing_subscriber::registry()
        .with(terminal)
        .with(file)
        .init();
}

/// Opens pip's `--log FILE` as pip does: appended to, its directory created when missing.
///
/// Errors: the directory cannot be created or the file opened for appending.
fn open_log(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    if let Some(parent) = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
}
