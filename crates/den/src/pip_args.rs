//! pip's command line as den's parser reads it: options of a command that pip also takes
//! before the command (`pip --python X install`, `--trusted-host`) moved after it, and
//! pip's configuration as command-line words: for `den pip COMMAND ...`, every option pip
//! would take from its configuration files and `PIP_<OPTION>` variables becomes the words
//! `--option [value]` put right after COMMAND, before the words the user wrote, so that what
//! the command line says wins (clap's `args_override_self`: the last value of an option
//! counts, as in pip's option parser).
//!
//! pip's order is [`den_index::PipConfiguration`]'s, the one den's index settings follow
//! too: `[global]`, then the command's own section (files in pip's loading order: global,
//! user, site, `PIP_CONFIG_FILE`), then the `PIP_*` variables; `--isolated` on the command
//! line (only there, as pip's `"--isolated" in args`) drops the variables and the user files.
//! The site file is the `pip.conf` of the interpreter the command works for (pip's
//! `sys.prefix`), which the configuration itself may choose (`python`): `main` reads the
//! line once with the environment den acts on by default, then, when the command works for
//! another one, again with that one's site file, keeping the choice ([`CHOOSING`]), as pip
//! run with `--python X` runs again under X.
//! A key is used when it is the long name of one of the command's options (keys den has no
//! option for, and keys of other tools, are skipped, as pip skips them). Values read as pip
//! reads them: booleans as `strtobool` (and, pip's quirk kept, the options pip defines as
//! `store_false` take effect on a false value: `PIP_NO_COMPILE=no` means `--no-compile`),
//! counts as numbers, lists split at whitespace; a value pip would refuse is refused with
//! pip's status, naming its file and line (or variable).
//!
//! The index and network keys ([`den_index::INDEX_KEYS`]) are checked here but read by
//! [`den_index::IndexConfig`] from the same loaded configuration ([`config_sources`]), as it
//! also knows den's own `DEN_INDEX_URL`; of den's global options, `verbose` and `quiet` are
//! taken from pip's configuration (pip's verbosity is their difference) as counts the command
//! line's add to ([`configured_count`]), `--cache-dir` never (pip's cache is not den's).

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;

use clap::{ArgAction, CommandFactory};
use den_index::{ConfigSources, INDEX_KEYS, PipConfiguration, PipSetting, strtobool};

use crate::cli::Cli;

/// pip's own commands (den's `compile`, `sync`, `tree` are pip-tools' and den's: they read
/// pip's configuration as `pip install` does, for the index keys only).
const PIP_COMMANDS: &[&str] = &[
    "install",
    "download",
    "wheel",
    "uninstall",
    "freeze",
    "list",
    "show",
    "check",
    "inspect",
    "index",
    "hash",
    "cache",
    "config",
    "lock",
    "debug",
];

/// pip's options of action `store_false`: a true value leaves the behaviour on.
const STORE_FALSE: &[&str] = &[
    "no-compile",
    "no-warn-script-location",
    "no-warn-conflicts",
    "no-build-isolation",
    "no-use-pep517",
];

/// The options that choose the interpreter a `den pip` command works for: once it is
/// chosen, its site file no longer changes them ([`with_pip_configuration`]'s `chosen_by`),
/// as pip run again under `--python X` ignores `--python`.
const CHOOSING: &[&str] = &["python", "system"];

/// pip's configuration as loaded for a `den pip` command line.
struct Loaded {
    /// What the index settings read.
    sources: ConfigSources,
    /// What was taken from it, for `-v`: `--option value (pip's configuration: ...)`.
    applied: Vec<String>,
    /// The configured counts (`quiet = 1`, `PIP_VERBOSE=2`) by long option name: not words
    /// of the line, since pip adds the command line's `-q`s to the configured number wherever
    /// they are written, and clap would keep only one level's count of a global option.
    counts: Vec<(String, u8)>,
}

/// Set once, by [`Configured::keep`], for a `den pip COMMAND` line.
static LOADED: OnceLock<Loaded> = OnceLock::new();

/// The lines `-v` prints about options taken from pip's configuration.
pub fn applied() -> &'static [String] {
    LOADED.get().map_or(&[], |loaded| loaded.applied.as_slice())
}

/// How many times pip's configuration gives the count option `long` (`quiet`, `verbose`):
/// pip's default for it, to which the command line's occurrences are added.
pub fn configured_count(long: &str) -> u8 {
    LOADED.get().map_or(0, |loaded| {
        loaded
            .counts
            .iter()
            .find(|(name, _)| name == long)
            .map_or(0, |(_, count)| *count)
    })
}

/// The warnings about pip's configuration files (sections pip does not read), each naming
/// its file and line.
pub fn warnings() -> Vec<String> {
    LOADED
        .get()
        .map_or_else(Vec::new, |loaded| loaded.sources.pip.warnings())
}

/// pip's configuration as this `den pip COMMAND` line reads it (its section, `--isolated`),
/// for the index settings; `None` for other command lines, which read the process's.
pub fn config_sources() -> Option<&'static ConfigSources> {
    LOADED.get().map(|loaded| &loaded.sources)
}

/// A value of pip's configuration that pip refuses: `FILE:LINE: what is wrong`, and pip's
/// exit status for it (2 for a file it cannot load or a bad boolean or count, 3 for a value
/// its option does not take).
#[derive(Debug, Clone)]
pub struct ConfigError {
    /// The message, naming the file and line (or the variable).
    pub message: String,
    /// pip's exit status.
    pub status: u8,
}

impl ConfigError {
    fn new(setting: &PipSetting, status: u8, reason: String) -> Self {
        let at = match setting.line {
            Some(line) => format!("{}:{line}", setting.source.display()),
            None => setting.source.display().to_string(),
        };
        Self {
            message: format!("{at}: {reason}"),
            status,
        }
    }
}

/// How a den option takes its words.
#[derive(Clone, Copy)]
enum Kind {
    Flag,
    Count,
    Value,
    List,
}

/// What the index settings of pip's `command` read from `pip` and the process's variables
/// (the commands pip does not have read `[install]`, as pip-tools' do).
fn sources(pip: PipConfiguration, command: &str) -> ConfigSources {
    let command = match PIP_COMMANDS.contains(&command) {
        true => command,
        false => "install",
    };
    ConfigSources {
        env: std::env::vars().collect(),
        pip,
        command: command.to_string(),
    }
}

/// A command line with pip's configuration applied ([`with_pip_configuration`]), and the
/// configuration it was read with, until [`Configured::keep`] keeps it for the process.
pub struct Configured {
    /// The command line to parse.
    pub argv: Vec<OsString>,
    /// `None` when `argv` is not a `den pip COMMAND` line.
    loaded: Option<Loaded>,
}

impl Configured {
    /// `argv` with `sources` loaded for it and nothing applied.
    fn unchanged(argv: Vec<OsString>, sources: ConfigSources) -> Self {
        Self {
            argv,
            loaded: Some(Loaded {
                sources,
                applied: Vec::new(),
                counts: Vec::new(),
            }),
        }
    }

    /// pip's configuration files and variables as read for this line; `None` when it is not
    /// a `den pip COMMAND` line.
    pub fn configuration(&self) -> Option<&PipConfiguration> {
        self.loaded.as_ref().map(|loaded| &loaded.sources.pip)
    }

    /// Keeps the configuration for the rest of the process ([`config_sources`],
    /// [`applied`], [`warnings`]; the first kept stays).
    pub fn keep(self) {
        if let Some(loaded) = self.loaded {
            let _ = LOADED.set(loaded);
        }
    }
}

/// `argv` with pip's configured options inserted after the pip command's name, and the
/// command's options written before it moved after it; `argv` unchanged when it is not a
/// `den pip COMMAND` line or nothing applies. pip's configuration is loaded here, with
/// what `site` gives (an environment's `sys.prefix`, asked only for a pip command line) as
/// the environment whose `pip.conf` is the site file, and returned with the line for the index settings ([`Configured::keep`]). With
/// `chosen_by`, the configuration the interpreter was chosen with, the options that choose
/// it ([`CHOOSING`]) keep that configuration's values.
///
/// Errors: a configuration file pip would not load, or a value pip refuses for one of the
/// command's options ([`ConfigError`]).
pub fn with_pip_configuration(
    argv: Vec<OsString>,
    site: &dyn Fn() -> Option<PathBuf>,
    chosen_by: Option<&PipConfiguration>,
) -> Result<Configured, ConfigError> {
    let not_pip = |argv| Configured { argv, loaded: None };
    // Building the parser's description costs about 0.13 ms: only for a pip command line with
    // a word before or after `pip` that needs it, or a configured value that could apply.
    let Some(pip_at) = argv.iter().skip(1).position(|word| word == "pip") else {
        return Ok(not_pip(argv));
    };
    // A -q/-v before `pip` is moved after the command ([`is_count_flag`]).
    let plain = argv[1..=pip_at].iter().all(|word| {
        let word = word.to_string_lossy();
        word.starts_with('-') && !is_count_flag(&word)
    }) && argv
        .get(pip_at + 2)
        .is_some_and(|word| !word.to_string_lossy().starts_with('-'));
    // pip's rule: only `--isolated` written on the command line (not `PIP_ISOLATED`).
    let isolated = argv.iter().any(|arg| arg == "--isolated");
    // Reported only once the line is known to be a pip command line.
    let env: HashMap<String, String> = std::env::vars().collect();
    let configuration = PipConfiguration::load(&env, site().as_deref(), isolated)
        .map(|configuration| match chosen_by {
            Some(first) => configuration.with_values_of(first, CHOOSING),
            None => configuration,
        })
        .map_err(|err| ConfigError {
            message: err.to_string(),
            status: 2,
        });
    if plain {
        let command = argv[pip_at + 2].to_string_lossy().into_owned();
        let nothing = !PIP_COMMANDS.contains(&command.as_str())
            || configuration
                .as_ref()
                .map_err(Clone::clone)?
                .ordered(&command)
                .next()
                .is_none();
        if nothing {
            return Ok(Configured::unchanged(
                argv,
                sources(configuration?, &command),
            ));
        }
    }
    let cli = Cli::command();
    let Some(pip) = cli.find_subcommand("pip") else {
        return Ok(not_pip(argv));
    };
    let Some(line) = command_line(&argv, &cli, pip) else {
        return Ok(not_pip(argv));
    };
    // pip's general options written before the command that den defines on the command go
    // after it (`pip --python X install` is `pip install --python X`).
    let argv = match line.moved.is_empty() {
        true => argv,
        false => {
            let mut reordered: Vec<OsString> = (0..=line.position)
                .filter(|index| !line.moved.contains(index))
                .map(|index| argv[index].clone())
                .collect();
            reordered.extend(
                line.moved
                    .iter()
                    .filter_map(|index| argv.get(*index).cloned()),
            );
            reordered.extend_from_slice(&argv[line.position + 1..]);
            reordered
        }
    };
    let command = line.command;
    let position = line.position - line.moved.len();
    let loaded = sources(configuration?, &command);
    let subcommand = pip
        .find_subcommand(&command)
        .filter(|_| PIP_COMMANDS.contains(&command.as_str()))
        .map(|found| match &line.nested {
            Some(nested) => found.find_subcommand(nested).unwrap_or(found),
            None => found,
        });
    let Some(subcommand) = subcommand else {
        return Ok(Configured::unchanged(argv, loaded));
    };
    let mut options: HashMap<String, (String, Kind, &clap::Arg)> = HashMap::new();
    for arg in cli
        .get_arguments()
        .chain(pip.get_arguments())
        .chain(subcommand.get_arguments())
    {
        let kind = match arg.get_action() {
            ArgAction::SetTrue => Kind::Flag,
            ArgAction::Count => Kind::Count,
            ArgAction::Append => Kind::List,
            ArgAction::Set => Kind::Value,
            _ => continue,
        };
        let Some(long) = arg.get_long() else { continue };
        for name in std::iter::once(long).chain(arg.get_all_aliases().into_iter().flatten()) {
            options.insert(name.to_string(), (long.to_string(), kind, arg));
        }
    }
    // den's own global options are checked; `verbose` and `quiet` are applied (pip's
    // `PIP_VERBOSE`, `quiet = 1`), `--cache-dir` never (pip's cache is not den's).
    let globals: Vec<&str> = cli
        .get_arguments()
        .filter_map(clap::Arg::get_long)
        .filter(|long| !matches!(*long, "verbose" | "quiet"))
        .collect();
    // Per option, the last setting in pip's order; each checked as pip checks it.
    let mut chosen: Vec<(String, Kind, &PipSetting)> = Vec::new();
    for setting in loaded.pip.ordered(&command) {
        let Some((long, kind, arg)) = options.get(&setting.key) else {
            continue;
        };
        check(setting, *kind, arg)?;
        if INDEX_KEYS.contains(&setting.key.as_str()) || globals.contains(&long.as_str()) {
            continue;
        }
        chosen.retain(|(other, _, _)| other != long);
        chosen.push((long.clone(), *kind, setting));
    }
    let mut words: Vec<OsString> = Vec::new();
    let mut applied = Vec::new();
    let mut counts = Vec::new();
    for (long, kind, setting) in chosen {
        let option = format!("--{long}");
        let added: Vec<String> = match kind {
            Kind::Flag => {
                let on = strtobool(&setting.value).unwrap_or(false);
                let wanted = if STORE_FALSE.contains(&long.as_str()) {
                    !on
                } else {
                    on
                };
                if wanted { vec![option] } else { Vec::new() }
            }
            Kind::Count => vec![option; count(&setting.value).unwrap_or(0)],
            Kind::Value => vec![format!("{option}={}", setting.value.trim())],
            Kind::List => setting
                .value
                .split_whitespace()
                .map(|value| format!("{option}={value}"))
                .collect(),
        };
        if !added.is_empty() {
            applied.push(format!(
                "{} (pip's configuration: {} = {} in {})",
                added.join(" "),
                setting.key,
                setting.value.trim(),
                setting.origin()
            ));
        }
        match kind {
            Kind::Count => counts.push((long, u8::try_from(added.len()).unwrap_or(u8::MAX))),
            _ => words.extend(added.into_iter().map(OsString::from)),
        }
    }
    let argv = match words.is_empty() {
        true => argv,
        false => {
            let mut result = argv[..=position].to_vec();
            result.extend(words);
            result.extend_from_slice(&argv[position + 1..]);
            result
        }
    };
    Ok(Configured {
        argv,
        loaded: Some(Loaded {
            sources: loaded,
            applied,
            counts,
        }),
    })
}

/// pip's reading of a count (`-v`'s `verbose = 2`): a non-negative number or a boolean.
fn count(value: &str) -> Option<usize> {
    value
        .trim()
        .parse::<usize>()
        .ok()
        .or_else(|| strtobool(value).map(usize::from))
}

/// Checks a configured value as pip's `_update_defaults` does for the option `arg`: a
/// boolean or a count pip's parser refuses (status 2), a value the option does not take
/// (status 3, pip's `check_default`).
///
/// Errors: [`ConfigError`] naming the setting's file and line.
fn check(setting: &PipSetting, kind: Kind, arg: &clap::Arg) -> Result<(), ConfigError> {
    let value = setting.value.trim();
    let key = &setting.key;
    match kind {
        Kind::Flag if strtobool(value).is_none() => Err(ConfigError::new(
            setting,
            2,
            format!(
                "{value} is not a valid value for {key} option, please specify a boolean \
                 value like yes/no, true/false or 1/0 instead."
            ),
        )),
        Kind::Count if count(value).is_none() => Err(ConfigError::new(
            setting,
            2,
            format!(
                "{value} is not a valid value for {key} option, please instead specify \
                 either a non-negative integer or a boolean value like yes/no or false/true \
                 which is equivalent to 1/0."
            ),
        )),
        Kind::Value | Kind::List => {
            let values: Vec<&str> = match kind {
                Kind::List => value.split_whitespace().collect(),
                _ => vec![value],
            };
            for one in values {
                // The option's value parser alone in a parser of its own, given the value.
                let parsed = clap::Command::new("check")
                    .no_binary_name(true)
                    .arg(
                        clap::Arg::new("value")
                            .value_parser(arg.get_value_parser().clone())
                            .ignore_case(arg.is_ignore_case_set())
                            .allow_hyphen_values(true),
                    )
                    .try_get_matches_from([one]);
                if parsed.is_err() {
                    let choices: Vec<String> = arg
                        .get_possible_values()
                        .iter()
                        .map(|choice| format!("'{}'", choice.get_name()))
                        .collect();
                    let reason = match choices.is_empty() {
                        true => format!("invalid value '{one}' for {key}"),
                        false => format!(
                            "invalid choice '{one}' for {key} (choose from {})",
                            choices.join(", ")
                        ),
                    };
                    return Err(ConfigError::new(setting, 3, reason));
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A `den pip COMMAND` line read up to COMMAND: where COMMAND is, its name, and the words
/// before it that are options of pip's commands rather than pip's general options (pip
/// takes `--python` and `--trusted-host` before the command too; den defines them on the
/// commands), with their values.
struct CommandLine {
    position: usize,
    command: String,
    /// The command's own command (`versions` of `index versions`), after which `position` is.
    nested: Option<String>,
    moved: Vec<usize>,
}

/// Whether `word` is den's `-q`/`-v` (`--quiet`, `--verbose`, `-qq`, `-vq`...): written
/// before the command, it is moved after it, so that clap counts it with the command's own
/// (it keeps one level's count of a global option) as pip adds them all.
fn is_count_flag(word: &str) -> bool {
    match word.strip_prefix("--") {
        Some(long) => long == "quiet" || long == "verbose",
        None => word.len() > 1 && word[1..].chars().all(|c| c == 'q' || c == 'v'),
    }
}

/// Reads `argv` as `den [OPTIONS] pip [OPTIONS] COMMAND ...`; `None` for any other line.
/// Options that take a value (`--timeout 5`, `--cache-dir DIR`) are stepped over with it.
fn command_line(
    argv: &[OsString],
    den: &clap::Command,
    pip: &clap::Command,
) -> Option<CommandLine> {
    let general: Vec<&clap::Arg> = den.get_arguments().chain(pip.get_arguments()).collect();
    let commands: Vec<&clap::Arg> = pip
        .get_subcommands()
        .flat_map(|command| std::iter::once(command).chain(command.get_subcommands()))
        .flat_map(clap::Command::get_arguments)
        .collect();
    // Whether the long option `word` takes a value, looked up among `args` (an unambiguous
    // prefix counts); `None` when it is not one of them.
    let takes_value = |args: &[&clap::Arg], word: &str| {
        let name = word.strip_prefix("--")?;
        if let Some((name, _)) = name.split_once('=') {
            return args
                .iter()
                .any(|arg| arg.get_long() == Some(name))
                .then_some(false);
        }
        let matching: Vec<&&clap::Arg> = args
            .iter()
            .filter(|arg| arg.get_long().is_some_and(|long| long.starts_with(name)))
            .collect();
        let arg = matching
            .iter()
            .find(|arg| arg.get_long() == Some(name))
            .or_else(|| matching.first().filter(|_| matching.len() == 1))?;
        Some(matches!(
            arg.get_action(),
            ArgAction::Set | ArgAction::Append
        ))
    };
    let mut seen_pip = false;
    let mut moved = Vec::new();
    let mut index = 1;
    while index < argv.len() {
        let word = argv[index].to_str()?;
        if is_count_flag(word) {
            moved.push(index);
        } else if word.starts_with('-') {
            let general_value = takes_value(&general, word);
            let command_value = match general_value {
                None if seen_pip => takes_value(&commands, word),
                _ => None,
            };
            if command_value.is_some() {
                moved.push(index);
            }
            if general_value.or(command_value) == Some(true) {
                index += 1;
                if command_value.is_some() {
                    moved.push(index);
                }
            }
        } else if !seen_pip {
            if word != "pip" {
                return None;
            }
            seen_pip = true;
        } else {
            // A command of the command (`index versions`): options go after it.
            let nested = pip.find_subcommand(word).and_then(|command| {
                let next = argv.get(index + 1)?.to_str()?;
                command.find_subcommand(next)
            });
            return Some(CommandLine {
                position: index + usize::from(nested.is_some()),
                command: word.to_string(),
                nested: nested.map(|command| command.get_name().to_string()),
                moved,
            });
        }
        index += 1;
    }
    None
}

/// pip's options that den refuses, by long name (without `--`), with pip's last version that
/// had the option when pip removed it, and why den cannot do what it asked.
const REFUSED: &[(&str, Option<&str>, &str)] = &[
    (
        "install-option",
        Some("23.0"),
        "it passed options to `setup.py install`, which den never runs; pass build settings to the backend with -C/--config-settings",
    ),
    (
        "global-option",
        Some("25.2"),
        "it passed options to `setup.py`, which den never runs; pass build settings to the backend with -C/--config-settings",
    ),
    (
        "build-option",
        Some("25.2"),
        "it passed options to `setup.py bdist_wheel`, which den never runs; pass build settings to the backend with -C/--config-settings",
    ),
    (
        "no-use-pep517",
        Some("25.2"),
        "it built with `setup.py` directly; den builds every project through PEP 517",
    ),
];

/// A `den pip` command line's refusal in pip's words, before den's parser reads it: the
/// message and the exit status (2, pip's usage status, for an option pip removed itself; 1
/// for one den cannot honour). Checked before parsing so that an exact pip option den lacks
/// is never taken as an abbreviation of another one.
pub struct Refusal {
    /// What to print on stderr.
    pub message: String,
    /// The exit status.
    pub status: u8,
}

/// The refusal of the first option in `argv` (after `den pip`, before a `--`) that pip has
/// and den refuses ([`REFUSED`]); `None` when there is none or it is not a `den pip` line.
pub fn refused_option(argv: &[OsString]) -> Option<Refusal> {
    let pip_at = argv.iter().skip(1).position(|word| word == "pip")? + 1;
    let words: Vec<&str> = argv[pip_at + 1..]
        .iter()
        .map_while(|word| word.to_str().filter(|word| *word != "--"))
        .collect();
    words
        .iter()
        .enumerate()
        .filter_map(|(at, word)| Some((at, word.strip_prefix("--")?)))
        .find_map(|(at, option)| {
            let name = option.split_once('=').map_or(option, |(name, _)| name);
            let (_, removed, why) = REFUSED.iter().find(|(refused, _, _)| *refused == name)?;
            // The value of the option before it (`-C --build-option=--x`), as pip's parser
            // takes it.
            if at > 0 && takes_value(words[at - 1]) {
                return None;
            }
            Some(match removed {
                Some(last) => Refusal {
                    message: format!(
                        "no such option: --{name}\nnote: pip removed --{name} after {last}: {why}"
                    ),
                    status: 2,
                },
                None => Refusal {
                    message: format!("--{name}: pip's option, which den cannot honour: {why}"),
                    status: 1,
                },
            })
        })
}

/// Whether `word` is an option of some `den pip` command that takes its value from the next
/// word: `-C`, or a long option or an unambiguous prefix of one, written without `=`. The
/// command tree is built only here, when a refused option's name follows another option.
fn takes_value(word: &str) -> bool {
    let (short, long) = match word.strip_prefix("--") {
        Some(long) if !long.contains('=') && !long.is_empty() => (None, Some(long)),
        Some(_) => return false,
        None => match word
            .strip_prefix('-')
            .map(|rest| rest.chars().collect::<Vec<_>>())
        {
            Some(chars) if chars.len() == 1 => (Some(chars[0]), None),
            _ => return false,
        },
    };
    let cli = Cli::command();
    let Some(pip) = cli.find_subcommand("pip") else {
        return false;
    };
    let takes = |arg: &clap::Arg| arg.get_action().takes_values();
    let args = || pip.get_subcommands().flat_map(clap::Command::get_arguments);
    if let Some(short) = short {
        return args().any(|arg| arg.get_short() == Some(short) && takes(arg));
    }
    let long = long.unwrap_or_default();
    let matching: Vec<&clap::Arg> = args()
        .filter(|arg| arg.get_long().is_some_and(|name| name.starts_with(long)))
        .collect();
    match matching.iter().find(|arg| arg.get_long() == Some(long)) {
        Some(exact) => takes(exact),
        None => !matching.is_empty() && matching.iter().all(|arg| takes(arg)),
    }
}

/// pip's words for an option `den pip COMMAND` does not know (clap's unknown-argument
/// `error` on `argv`): den's usage of the command, a blank line, then `ambiguous option:
/// --no-b (--no-binary, --no-build-isolation?)` when the word begins several of its long
/// options, else `no such option: --frob`. `None` for another error or another command line.
pub fn unknown_option_message(error: &clap::Error, argv: &[OsString]) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if error.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(word)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    let mut cli = Cli::command();
    cli.build();
    let pip = cli.find_subcommand("pip")?;
    let line = command_line(argv, &cli, pip)?;
    let command = pip.find_subcommand(&line.command)?;
    let name = word.split_once('=').map_or(word.as_str(), |(name, _)| name);
    let mut matching: Vec<String> = match name.strip_prefix("--") {
        Some(prefix) => cli
            .get_arguments()
            .chain(pip.get_arguments())
            .chain(command.get_arguments())
            .flat_map(|arg| {
                arg.get_long()
                    .into_iter()
                    .chain(arg.get_all_aliases().unwrap_or_default())
            })
            .filter(|long| long.starts_with(prefix))
            .map(|long| format!("--{long}"))
            .collect(),
        None => Vec::new(),
    };
    matching.sort();
    matching.dedup();
    let message = match matching.as_slice() {
        [_, _, ..] => format!("ambiguous option: {name} ({}?)", matching.join(", ")),
        _ => format!("no such option: {name}"),
    };
    let usage = command
        .clone()
        .bin_name(format!("den pip {}", line.command))
        .render_usage();
    Some(format!("{usage}\n\n{message}"))
}
