//! `den pip config list|get|set|unset|edit|debug`: pip's own configuration files (located
//! and parsed by den-index's [`PipConfigLocations`] and [`PipConf`], the code den reads its
//! index settings with), with pip's behaviour: the same files by kind (global, user, site,
//! `PIP_CONFIG_FILE`), `section.key` names, `PIP_*` variables as `:env:.key`, the file a
//! change goes to (`--global`, `--user`, `--site`, else the site file when one exists, else
//! the user's), files rewritten as `configparser` writes them, and pip's messages, streams
//! and status 1 for every refusal; its answers are log lines in pip, hidden by pip's `-q`
//! (also `quiet` configured), its errors by `-qqq`. The site file is the `pip.conf` of the
//! environment of pip's general `--python` (pip runs again under that interpreter), else
//! `$VIRTUAL_ENV/pip.conf`, else that of the `.venv` in the current directory or a parent.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use den_index::{PipConf, PipConfigLocations, normalize_key};

use crate::cli::PipConfigArgs;
use crate::commands::pip_cache::Usage;
use crate::printer::Printer;

/// pip's kinds of configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Global,
    User,
    Site,
    Env,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Global => "global",
            Kind::User => "user",
            Kind::Site => "site",
            Kind::Env => "env",
        }
    }
}

/// pip's configuration as loaded for one command: the files read by kind, their values, and
/// the `PIP_*` variables.
struct Configuration {
    /// Every kind with its candidate files, in pip's `iter_config_files` order.
    files: Vec<(Kind, Vec<PathBuf>)>,
    /// The files read (a missing one reads as empty), by kind, in loading order.
    loaded: Vec<(Kind, PipConf)>,
    /// `PIP_*` variables as `(name lowercased, value)`, sorted; empty in isolated mode.
    env_vars: Vec<(String, String)>,
    /// The kind a change acts on.
    load_only: Option<Kind>,
}

impl Configuration {
    /// Loads as pip's `Configuration.load`: every file of every kind (only `load_only`'s when
    /// given), none when `PIP_CONFIG_FILE` is `/dev/null`, and the variables unless isolated.
    fn load(
        locations: &PipConfigLocations,
        env: &HashMap<String, String>,
        isolated: bool,
        load_only: Option<Kind>,
    ) -> anyhow::Result<Self> {
        let mut files = vec![(Kind::Env, locations.env.iter().cloned().collect())];
        files.push((Kind::Global, locations.global.clone()));
        if locations.user_files_read(isolated) {
            files.push((Kind::User, locations.user.clone()));
        }
        files.push((Kind::Site, locations.site.iter().cloned().collect()));
        let mut loaded = Vec::new();
        if !locations.disabled() {
            for (kind, paths) in &files {
                // pip 26 reads PIP_CONFIG_FILE's file for the user kind too: it stands in
                // for the user files, which are not read while it names a file.
                let redirect = *kind == Kind::Env && load_only == Some(Kind::User);
                if load_only.is_some_and(|only| only != *kind) && !redirect {
                    continue;
                }
                for path in paths {
                    let conf = PipConf::read(path)?.unwrap_or_else(|| PipConf {
                        path: path.clone(),
                        ..PipConf::default()
                    });
                    loaded.push((*kind, conf));
                }
            }
        }
        let mut env_vars: Vec<(String, String)> = if isolated {
            Vec::new()
        } else {
            den_index::pip_variables(env)
                .into_iter()
                .map(|(name, value)| (name.to_lowercase(), value.to_string()))
                .collect()
        };
        // Sorted by the lowercased name, as pip lists them.
        env_vars.sort();
        Ok(Self {
            files,
            loaded,
            env_vars,
            load_only,
        })
    }

    /// The values of the files of `kind`, merged in loading order.
    fn values_of(&self, kind: Kind) -> Vec<(String, String)> {
        let mut values = Vec::new();
        for (_, conf) in self.loaded.iter().filter(|(k, _)| *k == kind) {
            merge(&mut values, conf.items());
        }
        values
    }

    /// Everything loaded, as pip's `_dictionary`: kinds in override order, then variables.
    fn dictionary(&self) -> Vec<(String, String)> {
        let mut values = Vec::new();
        for kind in [Kind::Global, Kind::User, Kind::Site, Kind::Env] {
            merge(&mut values, self.values_of(kind));
        }
        merge(&mut values, self.variables().collect());
        values
    }

    /// What `pip config list` prints, as pip 26's: the values grouped by the file they come
    /// from (the variables as the file `:env:`), files in name order (a file loaded as two
    /// kinds counts once, as its later kind), keys sorted in each.
    fn listing(&self) -> Vec<(String, String)> {
        let mut files: std::collections::BTreeMap<String, Vec<(String, String)>> =
            std::collections::BTreeMap::new();
        for kind in [Kind::Global, Kind::User, Kind::Site, Kind::Env] {
            for (_, conf) in self.loaded.iter().filter(|(k, _)| *k == kind) {
                files.insert(conf.path.display().to_string(), conf.items());
            }
        }
        files.insert(":env:".to_string(), self.variables().collect());
        files
            .into_values()
            .flat_map(|mut values| {
                values.sort();
                values
            })
            .collect()
    }

    /// The `PIP_*` variables as `(":env:.key", value)`.
    fn variables(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.env_vars
            .iter()
            .map(|(name, value)| (format!(":env:.{}", normalize_key(name)), value.clone()))
    }

    /// The file a change to `key` goes to, as pip 26's `_get_parser_to_modify`: of the files
    /// of `load_only`'s kind, the last that has `key`, else the last. With none of that kind
    /// (user files are not read while `PIP_CONFIG_FILE` names a file), a change to the user
    /// or global file goes to `PIP_CONFIG_FILE`'s file, with pip's warning.
    ///
    /// Errors: `PIP_CONFIG_FILE` is `/dev/null`, or nothing can be changed (pip's internal
    /// error, word for word).
    fn file_to_modify(
        &mut self,
        key: Option<&str>,
        printer: &Printer,
    ) -> anyhow::Result<&mut PipConf> {
        let kind = self.load_only;
        let of_kind = |(k, _): &(Kind, PipConf)| Some(*k) == kind;
        let has_key = |(_, conf): &(Kind, PipConf)| {
            key.is_some_and(|key| conf.items().iter().any(|(k, _)| k == key))
        };
        let chosen = self
            .loaded
            .iter()
            .rposition(|entry| of_kind(entry) && has_key(entry))
            .or_else(|| self.loaded.iter().rposition(of_kind));
        if let Some(index) = chosen {
            return Ok(&mut self.loaded[index].1);
        }
        let env_file = self
            .files
            .iter()
            .find(|(k, _)| *k == Kind::Env)
            .and_then(|(_, files)| files.first().cloned());
        match (kind, env_file) {
            (Some(kind @ (Kind::User | Kind::Global)), Some(file)) => {
                if file == Path::new("/dev/null") {
                    return Err(Usage(format!(
                        "Cannot write to PIP_CONFIG_VALUE when it is set to {}",
                        file.display()
                    ))
                    .into());
                }
                printer.pip_warning(format_args!(
                    "Because PIP_CONFIG_FILE is set, changes will be applied to '{}', not to \
                     '{}'. To restore normal behavior, unset PIP_CONFIG_FILE.",
                    file.display(),
                    kind.name()
                ));
                let conf = PipConf::read(&file)?.unwrap_or_else(|| PipConf {
                    path: file.clone(),
                    ..PipConf::default()
                });
                self.loaded.push((kind, conf));
                let last = self.loaded.len() - 1;
                Ok(&mut self.loaded[last].1)
            }
            _ => Err(Usage("Fatal Internal error [id=2]. Please report as a bug.".into()).into()),
        }
    }
}

/// pip's dict `update`: a key already present keeps its place and takes the new value.
fn merge(values: &mut Vec<(String, String)>, new: Vec<(String, String)>) {
    for (key, value) in new {
        match values.iter_mut().find(|(k, _)| *k == key) {
            Some(item) => item.1 = value,
            None => values.push((key, value)),
        }
    }
}

/// Runs `den pip config`; `isolated` is pip's `--isolated` (no variables, no user files);
/// `site` the `sys.prefix` of `--python`'s interpreter, whose `pip.conf` is the site file
/// (without it, the active or nearest environment's).
pub fn run(
    args: &PipConfigArgs,
    isolated: bool,
    site: Option<&Path>,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    match run_action(args, isolated, site, printer) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(err) => {
            match err.downcast::<Usage>() {
                Ok(Usage(message)) => printer.pip_logged_error(message),
                Err(other) => printer.pip_error(format_args!("{other:#}")),
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The process's variables and where pip looks for its files, the site file being that of
/// the environment at `prefix` (its `sys.prefix`).
fn locations(prefix: Option<&Path>) -> (HashMap<String, String>, PipConfigLocations) {
    let env: HashMap<String, String> = std::env::vars().collect();
    let locations = PipConfigLocations::new(&env, prefix);
    (env, locations)
}

/// Where pip's configuration sets `cert`, as `pip debug` says it (pip's `ca_bundle_info`):
/// `Not specified`; `global` when only `[global]` (or `PIP_CERT`) sets it; else the
/// command sections (`install`, `wheel`, `download`, ...) that set it, `global` left out.
/// The site file is that of the environment at `prefix`, the `sys.prefix` of the
/// interpreter pip runs in.
///
/// Errors: a configuration file den cannot read.
pub fn cert_levels(isolated: bool, prefix: &Path) -> anyhow::Result<String> {
    let (env, locations) = locations(Some(prefix));
    let config = Configuration::load(&locations, &env, isolated, None)?;
    let mut levels: Vec<String> = Vec::new();
    for (key, _) in config.dictionary() {
        if let Some((level, "cert")) = key.split_once('.')
            && !levels.iter().any(|known| known == level)
        {
            levels.push(level.to_string());
        }
    }
    if levels.is_empty() {
        return Ok("Not specified".into());
    }
    if !levels
        .iter()
        .any(|level| matches!(level.as_str(), "install" | "wheel" | "download"))
    {
        return Ok("global".into());
    }
    levels.retain(|level| level != "global");
    Ok(levels.join(", "))
}

fn run_action(
    args: &PipConfigArgs,
    isolated: bool,
    site: Option<&Path>,
    printer: &Printer,
) -> anyhow::Result<()> {
    let action = match args.action.as_deref() {
        Some(action @ ("debug" | "edit" | "get" | "list" | "set" | "unset")) => action,
        _ => {
            return Err(Usage(
                "Need an action (debug, edit, get, list, set, unset) to perform.".into(),
            )
            .into());
        }
    };
    // `--python`'s environment's, as pip run again under it reads, else the active one's, as
    // pip run from it reads.
    let prefix = site.map(Path::to_path_buf).or_else(|| {
        std::env::current_dir()
            .ok()
            .and_then(|cwd| crate::target::default_environment(&cwd))
    });
    let (env, locations) = locations(prefix.as_deref());
    let need_value = matches!(action, "get" | "set" | "unset" | "edit");
    let load_only = load_only(args, &locations, need_value)?;
    let mut config = Configuration::load(&locations, &env, isolated, load_only)?;
    let rest = &args.args;
    match action {
        "list" => {
            arguments(rest, 0, "list")?;
            for (key, value) in config.listing() {
                printer.report(format_args!("{key}={}", den_dist::python_repr(&value)));
            }
        }
        "get" => {
            let key = &arguments(rest, 1, "get [name]")?[0];
            let name = normalize_key(key);
            match config.dictionary().into_iter().find(|(k, _)| *k == name) {
                Some((_, value)) => printer.report(value),
                None => {
                    split_key(&name)?;
                    return Err(Usage(format!("No such key - {key}")).into());
                }
            }
        }
        "set" => {
            let given = arguments(rest, 2, "set [name] [value]")?;
            let (key, value) = (&given[0], &given[1]);
            let name = normalize_key(key);
            let conf = config.file_to_modify(Some(&name), printer)?;
            let (section, option) = split_key(&name)?;
            conf.set(section, option, value);
            save(conf, printer)?;
        }
        "unset" => {
            let key = &arguments(rest, 1, "unset [name]")?[0];
            let name = normalize_key(key);
            let conf = config.file_to_modify(Some(&name), printer)?;
            if !conf.items().iter().any(|(k, _)| *k == name) {
                return Err(Usage(format!("No such key - {key}")).into());
            }
            let (section, option) = split_key(&name)?;
            if !conf.unset(section, option) {
                return Err(
                    Usage("Fatal Internal error [id=1]. Please report as a bug.".into()).into(),
                );
            }
            save(conf, printer)?;
        }
        "edit" => {
            arguments(rest, 0, "edit")?;
            edit(args, &env, &mut config, printer)?;
        }
        _ => {
            arguments(rest, 0, "debug")?;
            debug(&config, printer);
        }
    }
    Ok(())
}

/// The kind a command acts on, as pip's `_determine_file`.
fn load_only(
    args: &PipConfigArgs,
    locations: &PipConfigLocations,
    need_value: bool,
) -> anyhow::Result<Option<Kind>> {
    let given: Vec<Kind> = [
        (args.user_file, Kind::User),
        (args.global_file, Kind::Global),
        (args.site_file, Kind::Site),
    ]
    .into_iter()
    .filter_map(|(set, kind)| set.then_some(kind))
    .collect();
    let kind = match given[..] {
        [] if !need_value => return Ok(None),
        [] if locations.site.as_ref().is_some_and(|f| f.exists()) => Kind::Site,
        [] => Kind::User,
        [kind] => kind,
        _ => {
            return Err(Usage(
                "Need exactly one file to operate upon (--user, --site, --global) to perform."
                    .into(),
            )
            .into());
        }
    };
    if kind == Kind::Site && locations.site.is_none() {
        return Err(Usage(
            "--site: no environment (VIRTUAL_ENV is unset and there is no .venv here or above)"
                .into(),
        )
        .into());
    }
    Ok(Some(kind))
}

/// `args` when there are exactly `n`, else pip's message with the example.
fn arguments<'a>(args: &'a [String], n: usize, example: &str) -> anyhow::Result<&'a [String]> {
    if args.len() == n {
        Ok(args)
    } else {
        Err(Usage(format!(
            "Got unexpected number of arguments, expected {n}. (example: \"pip config \
             {example}\")"
        ))
        .into())
    }
}

/// `section.key` split at the first dot, else pip's message.
fn split_key(name: &str) -> anyhow::Result<(&str, &str)> {
    name.split_once('.').ok_or_else(|| {
        Usage(format!(
            "Key does not contain dot separated section and key. Perhaps you wanted to use \
             'global.{name}' instead?"
        ))
        .into()
    })
}

/// Writes a changed file, saying so on stdout as pip does.
fn save(conf: &PipConf, printer: &Printer) -> anyhow::Result<()> {
    printer.report(format_args!("Writing to {}", conf.path.display()));
    conf.write().map_err(|err| {
        Usage(format!(
            "An error occurred while writing to the configuration file {}: {err}",
            conf.path.display()
        ))
        .into()
    })
}

/// Opens the file to change in `--editor`, else $VISUAL, else $EDITOR, through the shell.
fn edit(
    args: &PipConfigArgs,
    env: &HashMap<String, String>,
    config: &mut Configuration,
    printer: &Printer,
) -> anyhow::Result<()> {
    let editor = args
        .editor
        .clone()
        .or_else(|| env.get("VISUAL").cloned())
        .or_else(|| env.get("EDITOR").cloned())
        .ok_or_else(|| Usage("Could not determine editor to use.".into()))?;
    let path: PathBuf = config
        .file_to_modify(None, printer)
        .map_err(|_| Usage("Could not determine appropriate file.".into()))?
        .path
        .clone();
    let name = path.display().to_string();
    if name.contains('"') {
        return Err(Usage(format!(
            "Can not open an editor for a file name containing \"\n{name}"
        ))
        .into());
    }
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"{name}\""))
        .status()?;
    if !status.success() {
        return Err(Usage(format!(
            "Editor Subprocess exited with exit code {}",
            status.code().unwrap_or(1)
        ))
        .into());
    }
    Ok(())
}

/// pip's `config debug`: the variables, then each kind's files, whether each exists, and the
/// kind's values under each existing file.
fn debug(config: &Configuration, printer: &Printer) {
    printer.report("env_var:");
    for (name, value) in &config.env_vars {
        let line = format!(
            "PIP_{}={}",
            name.to_uppercase(),
            den_dist::python_repr(value)
        );
        indented(printer, 2, &line);
    }
    let mut kinds: Vec<&(Kind, Vec<PathBuf>)> = config.files.iter().collect();
    kinds.sort_by_key(|(kind, _)| kind.name());
    for (kind, files) in kinds {
        printer.report(format_args!("{}:", kind.name()));
        for file in files {
            let exists = Path::new(file).exists();
            let shown = if exists { "True" } else { "False" };
            indented(printer, 2, &format!("{}, exists: {shown}", file.display()));
            if exists {
                // That file's own values, as pip 26 lists them.
                let values = config
                    .loaded
                    .iter()
                    .filter(|(k, conf)| k == kind && conf.path == *file)
                    .flat_map(|(_, conf)| conf.items());
                for (name, value) in values {
                    indented(printer, 4, &format!("{name}: {value}"));
                }
            }
        }
    }
}

/// `message` with every line indented by `width` spaces, as pip's `indent_log` prints it.
fn indented(printer: &Printer, width: usize, message: &str) {
    for line in message.split('\n') {
        printer.report(format_args!("{:width$}{line}", ""));
    }
}
