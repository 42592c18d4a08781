//! pip's command line as den's parser reads it: options of a command that pip also takes
//! before the command (`pip --python X install`, `--trusted-host`) moved after it, and
//! pip's configuration as command-line words: for `den pip COMMAND ...`, every option pip
//! would take from its configuration files and `PIP_<OPTION>` variables becomes the words
//! `--option [value]` put right after COMMAND, before the words the user wrote, so that what
//! the command line says wins (clap's `args_override_self`: the last value of an option
//! counts, as in pip's option parser).
//!
//! pip's order (its `ConfigOptionParser`): the `[global]` entries of every file, then the
//! `[COMMAND]` entries, then the environment variables, a later value of a key replacing an
//! earlier one; files in pip's loading order (global, user, site, `PIP_CONFIG_FILE`; user
//! files skipped when `PIP_CONFIG_FILE` names an existing file, `/dev/null` turns all files
//! off); `--isolated` on the command line (only there) drops the variables and the user files. A key is
//! used when it is the long name of one of the command's options (keys den has no option
//! for, and keys of other tools, are skipped, as pip skips them). Values read as pip reads
//! them: booleans as `strtobool` (and, pip's quirk kept, the options pip defines as
//! `store_false` take effect on a false value: `PIP_NO_COMPILE=no` means `--no-compile`),
//! counts as numbers, lists split at whitespace.
//!
//! The index and network keys (`index-url`, `extra-index-url`, `find-links`, `trusted-host`,
//! `no-index`, `cert`, `client-cert`, `proxy`, `timeout`, `retries`) stay with
//! [`den_index::IndexConfig`], which also knows den's own `DEN_INDEX_URL`; den's global
//! options (`-v`, `-q`, `--cache-dir`: pip's cache is not den's) are never taken from pip's
//! configuration.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;

use clap::{ArgAction, CommandFactory};
use den_index::{PipConf, PipConfigLocations, normalize_key, strtobool};

use crate::cli::Cli;

/// pip's own commands (den's `compile`, `sync`, `tree` are pip-tools' and den's: pip's
/// configuration is not theirs).
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

/// The keys [`den_index::IndexConfig`] reads itself.
const INDEX_KEYS: &[&str] = &[
    "index-url",
    "extra-index-url",
    "find-links",
    "trusted-host",
    "no-index",
    "cert",
    "client-cert",
    "proxy",
    "timeout",
    "default-timeout",
    "retries",
];

/// pip's options of action `store_false`: a true value leaves the behaviour on.
const STORE_FALSE: &[&str] = &[
    "no-compile",
    "no-warn-script-location",
    "no-warn-conflicts",
    "no-build-isolation",
    "no-use-pep517",
];

/// What was taken from pip's configuration, for `-v`: `--option value (from SOURCE)`.
static APPLIED: OnceLock<Vec<String>> = OnceLock::new();

/// The lines `-v` prints about options taken from pip's configuration.
pub fn applied() -> &'static [String] {
    APPLIED.get().map_or(&[], Vec::as_slice)
}

/// One configured value and where it came from (`/etc/pip.conf:3 [install]`, `PIP_PRE`).
struct Setting {
    /// The file's section (`global`, `install`...); `None` for a variable.
    section: Option<String>,
    key: String,
    value: String,
    source: String,
}

/// How a den option takes its words.
#[derive(Clone, Copy)]
enum Kind {
    Flag,
    Count,
    Value,
    List,
}

/// `argv` with pip's configured options inserted after the pip command's name, and the
/// command's options written before it moved after it; `argv` unchanged when it is not a
/// `den pip COMMAND` line or nothing applies. A configuration
/// file that cannot be read is left to the command itself, which reports it with its line.
pub fn with_pip_configuration(argv: Vec<OsString>) -> Vec<OsString> {
    // Building the parser's description costs about 1 ms: only for a pip command line with
    // an option before its command or a configured value that could apply.
    let Some(pip_at) = argv.iter().skip(1).position(|word| word == "pip") else {
        return argv;
    };
    let option_first = argv
        .get(pip_at + 2)
        .is_some_and(|word| word.to_string_lossy().starts_with('-'));
    // pip's rule: only `--isolated` written on the command line (not `PIP_ISOLATED`).
    let isolated = argv.iter().any(|arg| arg == "--isolated");
    let configured = settings(isolated);
    let applicable = configured
        .iter()
        .any(|setting| !INDEX_KEYS.contains(&setting.key.as_str()));
    if !option_first && !applicable {
        return argv;
    }
    let cli = Cli::command();
    let Some(pip) = cli.find_subcommand("pip") else {
        return argv;
    };
    let Some(line) = command_line(&argv, &cli, pip) else {
        return argv;
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
    if !PIP_COMMANDS.contains(&command.as_str()) {
        return argv;
    }
    let Some(subcommand) = pip.find_subcommand(&command) else {
        return argv;
    };
    let mut options: HashMap<String, (String, Kind)> = HashMap::new();
    for arg in pip.get_arguments().chain(subcommand.get_arguments()) {
        let kind = match arg.get_action() {
            ArgAction::SetTrue => Kind::Flag,
            ArgAction::Count => Kind::Count,
            ArgAction::Append => Kind::List,
            ArgAction::Set => Kind::Value,
            _ => continue,
        };
        let Some(long) = arg.get_long() else { continue };
        for name in std::iter::once(long).chain(arg.get_all_aliases().into_iter().flatten()) {
            options.insert(name.to_string(), (long.to_string(), kind));
        }
    }
    for global in cli.get_arguments() {
        if let Some(long) = global.get_long() {
            options.remove(long);
        }
    }
    // Per option, the last setting in pip's order: `[global]`, `[COMMAND]`, variables.
    let in_order = ["global", command.as_str()]
        .into_iter()
        .flat_map(|section| {
            configured
                .iter()
                .filter(move |setting| setting.section.as_deref() == Some(section))
        });
    let variables = configured
        .iter()
        .filter(|setting| setting.section.is_none());
    let mut chosen: Vec<(String, Kind, &Setting)> = Vec::new();
    for setting in in_order.chain(variables) {
        if INDEX_KEYS.contains(&setting.key.as_str()) {
            continue;
        }
        let Some((long, kind)) = options.get(&setting.key) else {
            continue;
        };
        chosen.retain(|(other, _, _)| other != long);
        chosen.push((long.clone(), *kind, setting));
    }
    let mut words: Vec<OsString> = Vec::new();
    let mut applied = Vec::new();
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
            Kind::Count => {
                let count = setting
                    .value
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .or_else(|| strtobool(&setting.value).map(usize::from))
                    .unwrap_or(0);
                vec![option; count]
            }
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
                setting.source
            ));
        }
        words.extend(added.into_iter().map(OsString::from));
    }
    let _ = APPLIED.set(applied);
    if words.is_empty() {
        return argv;
    }
    let mut result = argv[..=position].to_vec();
    result.extend(words);
    result.extend_from_slice(&argv[position + 1..]);
    result
}

/// A `den pip COMMAND` line read up to COMMAND: where COMMAND is, its name, and the words
/// before it that are options of pip's commands rather than pip's general options (pip
/// takes `--python` and `--trusted-host` before the command too; den defines them on the
/// commands), with their values.
struct CommandLine {
    position: usize,
    command: String,
    moved: Vec<usize>,
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
        if word.starts_with('-') {
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
            return Some(CommandLine {
                position: index,
                command: word.to_string(),
                moved,
            });
        }
        index += 1;
    }
    None
}

/// Every value pip's configuration holds: each file's entries with their section, files in
/// pip's loading order, then the `PIP_*` variables (none when `isolated`).
fn settings(isolated: bool) -> Vec<Setting> {
    let env: HashMap<String, String> = std::env::vars().collect();
    let site = std::env::var_os("VIRTUAL_ENV").map(PathBuf::from);
    let locations = PipConfigLocations::new(&env, site.as_deref());
    let mut files: Vec<PathBuf> = Vec::new();
    if !locations.disabled() {
        files.extend(locations.global.iter().cloned());
        if locations.user_files_read(isolated) {
            files.extend(locations.user.iter().cloned());
        }
        files.extend(locations.site.iter().cloned());
        files.extend(locations.env.iter().cloned());
    }
    let confs: Vec<PipConf> = files
        .iter()
        .filter_map(|path| PipConf::read(path).ok().flatten())
        .collect();
    let mut settings = Vec::new();
    for conf in &confs {
        for (name, entries) in &conf.sections {
            settings.extend(entries.iter().map(|entry| Setting {
                section: Some(name.clone()),
                key: entry.normalized_key(),
                value: entry.value.clone(),
                source: format!("{}:{} [{name}]", conf.path.display(), entry.line),
            }));
        }
    }
    if !isolated {
        let mut variables: Vec<(&String, &String)> = env
            .iter()
            .filter(|(name, _)| name.starts_with("PIP_") && *name != "PIP_CONFIG_FILE")
            .collect();
        variables.sort();
        settings.extend(variables.into_iter().map(|(name, value)| Setting {
            section: None,
            key: normalize_key(&name["PIP_".len()..]),
            value: value.clone(),
            source: name.clone(),
        }));
    }
    settings
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
    ("all-releases", None, "den has no equivalent yet"),
    ("only-final", None, "den has no equivalent yet"),
    ("uploaded-prior-to", None, "den has no equivalent yet"),
    (
        "requirements-from-script",
        None,
        "den has no equivalent yet",
    ),
    ("only-deps", None, "den has no equivalent yet"),
    ("build-constraint", None, "den has no equivalent yet"),
    ("no-proxy-env", None, "den has no equivalent yet"),
    ("refresh-package", None, "den has no equivalent yet"),
    ("no-require-hashes", None, "den has no equivalent yet"),
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
    argv[pip_at + 1..]
        .iter()
        .map_while(|word| word.to_str().filter(|word| *word != "--"))
        .filter_map(|word| word.strip_prefix("--"))
        .find_map(|option| {
            let name = option.split_once('=').map_or(option, |(name, _)| name);
            let (_, removed, why) = REFUSED.iter().find(|(refused, _, _)| *refused == name)?;
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
