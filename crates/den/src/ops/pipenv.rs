//! pipenv's operations on a Pipfile project (den-pipfile holds the file formats): where the
//! project and its environment are, locking (Pipfile -> Pipfile.lock, category by category
//! as pipenv does) and installing what a lock pins.
//!
//! pipenv resolves `[packages]` first and every other category with the default pins as
//! constraints, then copies the default entry over any package both list (its
//! `use_default_constraints`); den does the same, so one version of a package serves every
//! category that shares it with the default one. Existing pins of the category are kept
//! when they still fit (den's preferences), so adding a package does not move the others;
//! `update` drops them. Beyond pipenv, a table whose markers are false here is resolved for
//! a platform they are true on ([`Elsewhere`]) instead of being locked unresolved.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque, btree_map};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use den_cache::Cache;
use den_dist::{PackageName, Version};
use den_pipfile::{LockedPackage, Lockfile, PackageSpec, Pipfile};
use den_prepare::Dist;
use den_python::{Interpreter, TargetPython};
use den_requirements::{IndexOptions, RequirementsSource};

use super::pipeline::{self, ResolvedPackage};
use super::settings::ResolverSettings;
use crate::printer::Printer;

/// A Pipfile project: the Pipfile, where it is, and its lock file's path.
#[derive(Debug)]
pub struct Project {
    /// The Pipfile's absolute path.
    pub pipfile_path: PathBuf,
    /// The directory holding it.
    pub dir: PathBuf,
    /// The parsed Pipfile.
    pub pipfile: Pipfile,
}

/// The pipenv settings read from the process environment (`PIPENV_*`, `VIRTUAL_ENV`,
/// `WORKON_HOME`...), read once so tests and callers can give their own.
#[derive(Debug, Clone, Default)]
pub struct PipenvEnv {
    /// `PIPENV_PIPFILE`: the Pipfile to use instead of searching.
    pub pipfile: Option<PathBuf>,
    /// `PIPENV_MAX_DEPTH` (default 10): how many parent directories to search.
    pub max_depth: Option<usize>,
    /// `PIPENV_VENV_IN_PROJECT`: `Some(true)` / `Some(false)` when set to a truthy or falsy
    /// value.
    pub venv_in_project: Option<bool>,
    /// `PIPENV_CUSTOM_VENV_NAME`.
    pub custom_venv_name: Option<String>,
    /// `PIPENV_PYTHON`: appended to the environment's name.
    pub python: Option<String>,
    /// `VIRTUAL_ENV`, unless `PIPENV_ACTIVE` is set or `PIPENV_IGNORE_VIRTUALENVS` is true.
    pub virtual_env: Option<PathBuf>,
    /// `WORKON_HOME`, else `$XDG_DATA_HOME/virtualenvs`, else `~/.local/share/virtualenvs`.
    pub workon_home: PathBuf,
    /// `PIPENV_DOTENV_LOCATION`.
    pub dotenv_location: Option<PathBuf>,
    /// `PIPENV_DONT_LOAD_ENV`.
    pub dont_load_env: bool,
    /// `PIPENV_PYPI_MIRROR`: replaces the PyPI source's URL.
    pub pypi_mirror: Option<String>,
    /// `PIP_SRC`, else `PIP_SRC_DIR`: where editable git entries are cloned, as pipenv
    /// hands it to pip (unset: `src` in the environment).
    pub src_dir: Option<PathBuf>,
}

/// pipenv's reading of a boolean variable: `1`, `true`, `yes`, `on` are true, `0`, `false`,
/// `no`, `off` false (any case); anything else is unset.
fn env_bool(name: &str) -> Option<bool> {
    let value = std::env::var(name).ok()?;
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// A variable's value when set and not empty.
fn env_text(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The `--exists-action` answers pipenv's pip takes from its configuration: `exists-action`
/// in the files' `[global]` or `[install]` section, or `PIP_EXISTS_ACTION` (which wins), as
/// letters separated by blanks: what to do when an editable git entry's clone directory
/// holds something else. Read only by the commands that install, as pipenv's pip reads it.
///
/// Errors: a configuration file pip could not load; a letter pip refuses (pip's message,
/// naming the file and line or the variable).
pub fn pip_exists_action() -> anyhow::Result<Vec<den_prepare::ExistsAction>> {
    let configuration = den_index::PipConfiguration::from_process(false)?;
    let Some(setting) = configuration.get("install", &["exists-action"]) else {
        return Ok(Vec::new());
    };
    setting
        .value
        .split_whitespace()
        .map(|letter| {
            den_prepare::ExistsAction::from_letter(letter).ok_or_else(|| {
                setting
                    .error(format!(
                        "option --exists-action: invalid choice: '{letter}' (choose from 's', \
                         'i', 'w', 'b', 'a')"
                    ))
                    .into()
            })
        })
        .collect()
}

impl PipenvEnv {
    /// The settings of this process's environment.
    pub fn from_process() -> Self {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        let expand = |text: String| {
            PathBuf::from(den_dist::path::expand_home_with(&text, Some(&home)).as_ref())
        };
        let workon_home = env_text("WORKON_HOME").map(&expand).unwrap_or_else(|| {
            env_text("XDG_DATA_HOME")
                .map(&expand)
                .unwrap_or_else(|| home.join(".local/share"))
                .join("virtualenvs")
        });
        let ignore_active = std::env::var_os("PIPENV_ACTIVE").is_some()
            || env_bool("PIPENV_IGNORE_VIRTUALENVS") == Some(true);
        Self {
            pipfile: env_text("PIPENV_PIPFILE").map(PathBuf::from),
            max_depth: env_text("PIPENV_MAX_DEPTH").and_then(|v| v.trim().parse().ok()),
            venv_in_project: env_bool("PIPENV_VENV_IN_PROJECT"),
            custom_venv_name: env_text("PIPENV_CUSTOM_VENV_NAME"),
            python: env_text("PIPENV_PYTHON"),
            virtual_env: env_text("VIRTUAL_ENV")
                .filter(|_| !ignore_active)
                .map(PathBuf::from),
            workon_home,
            dotenv_location: env_text("PIPENV_DOTENV_LOCATION").map(PathBuf::from),
            dont_load_env: env_bool("PIPENV_DONT_LOAD_ENV") == Some(true),
            pypi_mirror: env_text("PIPENV_PYPI_MIRROR"),
            src_dir: env_text("PIP_SRC")
                .or_else(|| env_text("PIP_SRC_DIR"))
                .map(PathBuf::from),
        }
    }
}

impl Project {
    /// The project `env.pipfile` names, else the nearest Pipfile from `cwd` upward
    /// (`PIPENV_MAX_DEPTH` parents).
    ///
    /// Errors: no Pipfile (pipenv's advice: `den pipenv install` creates one), or one den
    /// cannot read.
    pub fn find(cwd: &Path, env: &PipenvEnv) -> anyhow::Result<Self> {
        match Self::find_optional(cwd, env)? {
            Some(project) => Ok(project),
            None => bail!(
                "no Pipfile found in {} or its parents: `den pipenv install` creates one here",
                cwd.display()
            ),
        }
    }

    /// As [`Project::find`], `None` when there is no Pipfile.
    ///
    /// Errors: a Pipfile den cannot read.
    pub fn find_optional(cwd: &Path, env: &PipenvEnv) -> anyhow::Result<Option<Self>> {
        let path = match &env.pipfile {
            Some(path) => Some(cwd.join(path)),
            None => den_pipfile::find_pipfile(
                cwd,
                env.max_depth.unwrap_or(den_pipfile::DEFAULT_MAX_DEPTH),
            ),
        };
        path.filter(|p| p.is_file()).map(Self::open).transpose()
    }

    /// The project whose Pipfile is at `path` (absolute).
    ///
    /// Errors: the file cannot be read or parsed (file, line and column).
    pub fn open(path: PathBuf) -> anyhow::Result<Self> {
        let pipfile = Pipfile::read(&path)?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(Self {
            pipfile_path: path,
            dir,
            pipfile,
        })
    }

    /// `Pipfile.lock` beside the Pipfile.
    pub fn lock_path(&self) -> PathBuf {
        self.dir.join("Pipfile.lock")
    }

    /// Where pipenv writes the project's PEP 751 lock ([`den_pipfile::pylock_path`]):
    /// `pylock.toml`, or `pylock.<name>.toml` with `[pipenv] pylock_name`.
    pub fn pylock_output_path(&self) -> PathBuf {
        let settings = self.pipfile.settings();
        den_pipfile::pylock_path(&self.dir, settings.pylock_name.as_deref())
    }

    /// The PEP 751 lock pipenv 2026.10.3 installs from in place of Pipfile.lock
    /// (`do_install_dependencies` in `pipenv/routines/install.py`): the project directory's
    /// [`den_pipfile::find_pylock`], when there is no Pipfile.lock or the Pipfile says
    /// `[pipenv] use_pylock = true`.
    pub fn pylock_to_install(&self) -> Option<PathBuf> {
        let path = den_pipfile::find_pylock(&self.dir)?;
        (self.pipfile.settings().use_pylock || !self.lock_path().exists()).then_some(path)
    }

    /// The lock file, when there is one.
    ///
    /// Errors: it exists but cannot be read or parsed.
    pub fn lockfile(&self) -> anyhow::Result<Option<Lockfile>> {
        let path = self.lock_path();
        if !path.exists() {
            return Ok(None);
        }
        Ok(Some(Lockfile::read(&path)?))
    }

    /// Where pipenv keeps this project's environment, so `den pipenv --venv` and
    /// `pipenv --venv` agree: `VIRTUAL_ENV` (see [`PipenvEnv::virtual_env`]), else
    /// `<project>/.venv` when `venv_in_project` applies (an existing WORKON_HOME environment
    /// wins when only the directory's existence said so), else the name a `.venv` file
    /// holds (a path relative to the project when pipenv's `looks_like_dir` says it looks
    /// like one, else a name in `WORKON_HOME`, even `.name` or `~name`), else
    /// `WORKON_HOME/<name>` ([`den_pipfile::virtualenv_name`], or
    /// `PIPENV_CUSTOM_VENV_NAME`).
    pub fn venv_location(&self, env: &PipenvEnv) -> PathBuf {
        if let Some(active) = &env.virtual_env {
            return active.clone();
        }
        let name = env.custom_venv_name.clone().unwrap_or_else(|| {
            den_pipfile::virtualenv_name(&self.pipfile_path, env.python.as_deref())
        });
        let in_workon_home = env.workon_home.join(&name);
        let dot_venv = self.dir.join(".venv");
        if !dot_venv.exists() || dot_venv.is_dir() {
            // `PIPENV_VENV_IN_PROJECT`, else the Pipfile's `[pipenv] venv_in_project`, else
            // an existing `.venv` directory, unless WORKON_HOME already has the environment.
            let configured = env
                .venv_in_project
                .or(self.pipfile.settings().venv_in_project);
            return match configured {
                Some(true) => dot_venv,
                Some(false) => in_workon_home,
                None if dot_venv.is_dir() && !in_workon_home.exists() => dot_venv,
                None => in_workon_home,
            };
        }
        let named = std::fs::read_to_string(&dot_venv).unwrap_or_default();
        let named = named.trim();
        // pipenv's `looks_like_dir`: a trailing `/` or more than one part as pathlib counts
        // them (`./x` is one part, `x/y`, `../x` and `/x` two); joined as pathlib joins.
        let parts = pathlib_parts(named);
        if named.is_empty() {
            in_workon_home
        } else if named.ends_with('/') || parts.components().count() > 1 {
            self.dir.join(parts)
        } else {
            env.workon_home.join(parts)
        }
    }

    /// The index options the Pipfile's sources give: the first source's URL as the index,
    /// the others as extra indexes, hosts of `verify_ssl = false` sources trusted; `${VAR}`
    /// and `$VAR` expanded from the environment here, at use (never in the lock);
    /// `PIPENV_PYPI_MIRROR` in place of PyPI's URL. Each project comes from one index, as
    /// pipenv has it since 2022.3.23: an entry's `index = "name"` source (also a lock entry's,
    /// from `lock`), every other project from the first source (all sources with `[pipenv]
    /// install_search_all_sources = true`).
    ///
    /// Errors: a `[[source]]` entry of the wrong shape, or a Pipfile category that cannot
    /// be read.
    pub fn index_options(
        &self,
        env: &PipenvEnv,
        lock: Option<&Lockfile>,
    ) -> anyhow::Result<IndexOptions> {
        let mut options = IndexOptions::default();
        let sources = self.pipfile.sources()?;
        let mut urls: HashMap<&str, String> = HashMap::new();
        for (position, source) in sources.iter().enumerate() {
            let mut url = source.expanded_url();
            if let Some(mirror) = &env.pypi_mirror
                && is_pypi(&url)
            {
                url = mirror.clone();
            }
            if !source.verify_ssl
                && let Ok(parsed) = url::Url::parse(&url)
                && let Some(host) = parsed.host_str()
            {
                options.trusted_hosts.push(host.to_string());
            }
            urls.insert(source.name.as_str(), url.clone());
            if position == 0 {
                options.index_url = Some(url);
            } else {
                options.extra_index_urls.push(url);
            }
        }
        options.primary_only = !self.pipfile.settings().install_search_all_sources;
        let mut named: Vec<(String, String)> = Vec::new();
        for category in self.pipfile.categories() {
            for (name, spec) in self.pipfile.packages(&category.name)? {
                if let PackageSpec::Table(table) = spec
                    && let Some(index) = table.index
                {
                    named.push((name, index));
                }
            }
        }
        let locked = lock.into_iter().flat_map(|lock| {
            lock.categories.values().flat_map(|entries| {
                entries
                    .iter()
                    .filter_map(|(name, entry)| Some((name.clone(), entry.index.clone()?)))
            })
        });
        named.extend(locked);
        for (name, index) in named {
            if let Some(url) = urls.get(index.as_str()) {
                options.project_indexes.push((name, url.clone()));
            }
        }
        Ok(options)
    }
}

/// Whether `url` is PyPI's simple index.
fn is_pypi(url: &str) -> bool {
    let url = url.trim_end_matches('/');
    url == "https://pypi.org/simple" || url == "https://pypi.python.org/simple"
}

/// The requirements Pipfile entries stand for, as pipenv hands them to pip
/// ([`PackageSpec::to_pip_line`]; an `-e` line is an editable one).
pub fn requirement_sources(packages: &[(String, PackageSpec)]) -> Vec<RequirementsSource> {
    packages
        .iter()
        .map(|(name, spec)| {
            let line = spec.to_pip_line(name);
            match line.strip_prefix("-e ") {
                Some(editable) => RequirementsSource::Editable(editable.to_string()),
                None => RequirementsSource::Argument(line),
            }
        })
        .collect()
}

/// What `den pipenv lock` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct LockSettings {
    /// Index, build and pre-release options (`--pre`; the Pipfile's `allow_prereleases`
    /// adds to it).
    pub resolver: ResolverSettings,
    /// Only these categories (Pipfile names: `packages`, `dev-packages`, custom); the
    /// others keep their locked entries. Empty: all.
    pub categories: Vec<String>,
    /// Projects whose existing pins may move (`update PKG`); `None`: all may (`update`
    /// with no package, or a lock from scratch); `Some(empty)`: none that still fit.
    pub upgrade: Option<Vec<PackageName>>,
}

/// Resolves the project's categories for `interpreter` and returns the new lock (not
/// written). Categories not asked for keep their entries from `previous`; the lock keeps
/// `previous`'s newline style.
///
/// Errors: a Pipfile entry den cannot turn into a requirement, index configuration,
/// resolution (the resolver's explanation), and reading the hashes of pinned files.
pub fn lock(
    project: &Project,
    previous: Option<&Lockfile>,
    interpreter: &Interpreter,
    env: &PipenvEnv,
    settings: &LockSettings,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<Lockfile> {
    let pipfile = &project.pipfile;
    let mut resolver = settings.resolver.clone();
    resolver.pre |= pipfile.settings().allow_prereleases;
    resolver.index.options = project.index_options(env, None)?;
    let source_names: Vec<String> = pipfile
        .sources()?
        .into_iter()
        .map(|source| source.name)
        .collect();
    let default_source = source_names
        .first()
        .cloned()
        .unwrap_or_else(|| "pypi".to_string());
    let mut lock = pipfile.new_lockfile()?;
    // The new lock keeps the newline style of the one it replaces, as pipenv writes it.
    if let Some(previous) = previous {
        lock.newline = previous.newline;
    }
    let runtime = pipeline::runtime()?;
    let mut default_pins: Vec<(PackageName, Version)> = Vec::new();
    // The default entries den adds for dependencies of tables resolved for another platform:
    // another category's entry for one keeps its own markers.
    let mut elsewhere_only: BTreeSet<String> = BTreeSet::new();
    let target = TargetPython::of(interpreter);
    for category in pipfile.categories() {
        let wanted = settings.categories.is_empty() || settings.categories.contains(&category.name);
        if !wanted {
            if let Some(kept) = previous.and_then(|p| p.category(&category.lock_name)) {
                lock.set_category(&category.lock_name, kept.clone());
            }
            continue;
        }
        let packages = pipfile.packages(&category.name)?;
        for (name, spec) in &packages {
            if let PackageSpec::Table(table) = spec
                && let Some(index) = &table.index
                && !source_names.contains(index)
            {
                bail!(
                    "{}: [{}] {name}: index = \"{index}\" names no [[source]] (the sources are: {}); add a [[source]] with that name or change the index",
                    project.pipfile_path.display(),
                    category.name,
                    source_names.join(", ")
                );
            }
        }
        if packages.is_empty() {
            lock.set_category(&category.lock_name, BTreeMap::new());
            continue;
        }
        printer.status(format!("Locking [{}] dependencies...", category.name));
        // pipenv's resolver skips the tables whose markers are false here (with their
        // dependencies); den resolves them afterwards, each for its own platform.
        let (skipped, resolvable): (Vec<_>, Vec<_>) = packages
            .iter()
            .cloned()
            .partition(|(_, spec)| skipped_here(spec, &target.markers));
        let sources = resolver_sources(&resolvable);
        let mut spec = pipeline::spec(&sources, &resolver)?;
        if category.lock_name != "default" {
            constrain(&mut spec, &default_pins)?;
        }
        let preferences = kept_pins(previous, &category.lock_name, settings);
        let source = Arc::new(pipeline::source(
            &spec,
            &resolver,
            cache,
            interpreter,
            printer,
        )?);
        let written = pipfile.written_tables(&category.name);
        let here = if resolvable.is_empty() {
            Ok(LockResolution::default())
        } else {
            let resolving = LockResolution::of(
                &source,
                spec,
                &resolver,
                &resolvable,
                &target,
                preferences.clone(),
                printer,
            );
            runtime.block_on(resolving)
        };
        let here = here.map_err(|err| {
            let constrained = if category.lock_name == "default" {
                String::new()
            } else {
                " (with the pins of [packages] as constraints, as pipenv locks it)".to_string()
            };
            err.context(format!(
                "cannot lock [{}] of {}{constrained}",
                category.name,
                project.pipfile_path.display()
            ))
        })?;
        // Beyond pipenv: each skipped table is resolved for a platform its markers are true
        // on, held to this category's pins (the default ones too) and to the tables resolved
        // before it, so the lock keeps one version per package.
        let mut pins = pins_of(&here.packages);
        let mut entries = here.entries(&resolvable, &default_source);
        // pipenv's resolver also sends a package of this category to the index another
        // category's table names (not a Pipfile path or file, whose lock entry has none).
        let elsewhere = pipfile.indexes_from_other_categories(&category.name)?;
        for (key, entry) in &mut entries {
            if entry.index.is_none()
                && entry.path.is_none()
                && entry.file.is_none()
                && let Some(index) = elsewhere.get(key)
            {
                entry.index = Some(index.clone());
            }
        }
        let previous_entries = previous.and_then(|p| p.category(&category.lock_name));
        keep_tables_false_here(
            &mut entries,
            &resolvable,
            &written,
            previous_entries,
            &target.markers,
        );
        if category.lock_name != "default" {
            pins.extend(default_pins.iter().cloned());
        }
        for (name, spec) in &skipped {
            let PackageSpec::Table(table) = spec else {
                continue;
            };
            let markers = spec.resolver_markers().unwrap_or_default();
            let elsewhere = Elsewhere {
                interpreter,
                resolver: &resolver,
                cache,
                pins: &pins,
                preferences: &preferences,
                default_source: &default_source,
                printer,
            };
            let why = match runtime.block_on(elsewhere.lock(name, spec)) {
                Ok(locked) => {
                    printer.detail(format!(
                        "{name}: resolved for {} (its markers, {markers}, are false here)",
                        locked.target
                    ));
                    pins.extend(locked.pins);
                    for (key, entry) in locked.entries {
                        if key == locked.name {
                            entries.insert(key, entry);
                        } else if let btree_map::Entry::Vacant(vacant) = entries.entry(key) {
                            if category.lock_name == "default" {
                                elsewhere_only.insert(vacant.key().clone());
                            }
                            vacant.insert(entry);
                        }
                    }
                    continue;
                }
                Err(why) => why,
            };
            printer.warn(format!(
                "{name} is locked as pipenv locks it (its version as the Pipfile writes it, \
                 without its dependencies): its markers, {markers}, are false here and {why:#}"
            ));
            let Some(table_written) = written.get(name) else {
                continue;
            };
            // pipenv starts from the previous lock's entry, else (a first lock) the table.
            let current = match previous {
                Some(previous) => previous
                    .category(&category.lock_name)
                    .and_then(|entries| entries.get(name)),
                None => Some(table_written),
            };
            let own_markers_false = table
                .markers
                .as_deref()
                .and_then(|m| den_dist::parse_marker(m).ok())
                .is_some_and(|m| !m.evaluate(&target.markers, &[]));
            let release = match (unresolved_pin(table), name.parse::<PackageName>()) {
                (Some(pin), Ok(project)) => runtime
                    .block_on(release_hashes(&source, &project, &pin))
                    .with_context(|| format!("cannot lock {name} {pin}"))?,
                _ => Vec::new(),
            };
            let entry =
                table.skipped_lock_entry(table_written, current, own_markers_false, release);
            entries.insert(name.clone(), entry);
        }
        if category.lock_name == "default" {
            default_pins = pins;
        }
        local_files_as_pipenv_locks_them(&mut entries, &project.dir);
        lock.set_category(&category.lock_name, entries);
    }
    lock.overwrite_with_default(&elsewhere_only);
    Ok(lock)
}

/// Writes to `path` the PEP 751 lock pipenv makes from Pipfile.lock
/// ([`den_pipfile::pylock_toml`]; beside it when the Pipfile says `[pipenv] use_pylock =
/// true`, or by `pipenv pylock --generate`): `lock`'s packages with the files of their index
/// pages whose hashes it lists (pages read through the cache, from the index each package
/// comes from), its develop packages in `dev_groups`.
///
/// Errors: index configuration, and writing the file. A page that cannot be read leaves its
/// package's hashes unmatched (in `[packages.tool.pipenv]`), as in pipenv.
pub fn write_pylock(
    project: &Project,
    lock: &Lockfile,
    path: &Path,
    dev_groups: &[String],
    env: &PipenvEnv,
    resolver: &ResolverSettings,
    cache: &Cache,
) -> anyhow::Result<()> {
    use den_resolve::PackageSource as _;
    let client = index_client(project, lock, env, resolver, cache)?;
    let names = den_pipfile::index_page_packages(lock);
    let pages: HashMap<String, Vec<den_pipfile::IndexPageFile>> =
        pipeline::runtime()?.block_on(async {
            let pages = names.iter().map(|name| {
                let client = &client;
                async move {
                    let files = client
                        .files(&name.parse::<PackageName>().ok()?)
                        .await
                        .ok()?;
                    let files = files
                        .iter()
                        .map(|file| {
                            Some(den_pipfile::IndexPageFile {
                                filename: file.raw_filename.clone(),
                                url: super::pylock::without_credentials(&file.url().ok()?),
                                sha256: file
                                    .hashes
                                    .iter()
                                    .find(|h| h.algorithm.as_str() == "sha256")
                                    .map(|h| h.hex.clone()),
                            })
                        })
                        .collect::<Option<_>>()?;
                    Some((name.clone(), files))
                }
            });
            futures::future::join_all(pages)
                .await
                .into_iter()
                .flatten()
                .collect()
        });
    let text = den_pipfile::pylock_toml(
        lock,
        &pages,
        dev_groups,
        &den_pipfile::generation_date(std::time::SystemTime::now()),
    );
    den_pipfile::write_atomic(path, text.as_bytes())?;
    Ok(())
}

/// A client for the project's sources as `resolver` configures them, each package asked
/// of the source its Pipfile entry or `lock`'s entry names ([`Project::index_options`]).
///
/// Errors: index configuration.
pub fn index_client(
    project: &Project,
    lock: &Lockfile,
    env: &PipenvEnv,
    resolver: &ResolverSettings,
    cache: &Cache,
) -> anyhow::Result<den_index::IndexClient> {
    let options = project.index_options(env, Some(lock))?;
    Ok(den_index::IndexClient::new(
        resolver.index.config(&options)?,
        cache.clone(),
    )?)
}

/// Whether pipenv's resolver skips this Pipfile entry where the lock is made: a table whose
/// resolver markers ([`den_pipfile::PackageTable::resolver_markers`], the marker pipenv hands
/// its resolver) are false for `markers`.
fn skipped_here(spec: &PackageSpec, markers: &den_dist::MarkerEnvironment) -> bool {
    spec.resolver_markers()
        .and_then(|m| den_dist::parse_marker(&m).ok())
        .is_some_and(|m| !m.evaluate(markers, &[]))
}

/// Adds `pins` to `spec` as `name==version` constraints.
///
/// Errors: a pin that does not read as a requirement (not for names and versions den made).
fn constrain(
    spec: &mut den_requirements::RequirementsSpec,
    pins: &[(PackageName, Version)],
) -> anyhow::Result<()> {
    for (name, version) in pins {
        spec.constraints
            .push(den_dist::parse_requirement(&format!("{name}=={version}"))?);
    }
    Ok(())
}

/// The versions `resolved` pins from an index (URL requirements aside).
fn pins_of(resolved: &[ResolvedPackage]) -> Vec<(PackageName, Version)> {
    resolved
        .iter()
        .filter(|p| p.url.is_none())
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect()
}

/// A resolution and what lock entries are made of besides it.
#[derive(Default)]
struct LockResolution {
    /// The packages resolved.
    packages: Vec<ResolvedPackage>,
    /// The hashes of every file of each one's release.
    hashes: HashMap<PackageName, BTreeSet<String>>,
    /// The Requires-Dist entries through which dependencies are first reached
    /// ([`introductions`]).
    introduced: HashMap<PackageName, Introduced>,
}

impl LockResolution {
    /// Resolves `spec`, the requirements of the Pipfile entries `packages`, for `target` with
    /// `resolver`'s release control, keeping `preferences`, and reads the hashes and markers
    /// its lock entries need.
    ///
    /// Errors: naming an unnamed requirement, the resolution (the resolver's explanation),
    /// reading the hashes.
    async fn of(
        source: &Arc<den_prepare::DenSource>,
        mut spec: den_requirements::RequirementsSpec,
        resolver: &ResolverSettings,
        packages: &[(String, PackageSpec)],
        target: &TargetPython,
        preferences: Vec<(PackageName, Version)>,
        printer: &Printer,
    ) -> anyhow::Result<Self> {
        pipeline::name_unnamed(&mut spec, source).await?;
        let roots: Vec<PackageName> = packages
            .iter()
            .filter_map(|(name, _)| name.parse().ok())
            .collect();
        // pipenv has no --ignore-requires-python: Requires-Python is always checked. The lock
        // records the hashes of every file of each pin.
        let request = pipeline::request(&spec, resolver, target, preferences, false, true)?;
        let packages = pipeline::resolve(source, request, printer).await?;
        let hashes = den_prepare::hashes_of(source, &packages).await?;
        let introduced = introductions(source, &packages, &roots).await;
        Ok(Self {
            packages,
            hashes,
            introduced,
        })
    }

    /// The lock entries of the resolution of the Pipfile entries `packages`
    /// ([`locked_entries`]).
    fn entries(
        self,
        packages: &[(String, PackageSpec)],
        default_source: &str,
    ) -> BTreeMap<String, LockedPackage> {
        locked_entries(
            packages,
            &self.packages,
            self.hashes,
            &self.introduced,
            default_source,
        )
    }
}

/// The platforms den tries, after the interpreter's own, for a Pipfile table whose markers
/// are false where the lock is made: [`TargetPython::describe`]'s platform names.
const KNOWN_PLATFORMS: [&str; 5] = [
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "aarch64-apple-darwin",
    "x86_64-apple-darwin",
    "x86_64-pc-windows-msvc",
];

/// The CPython minor versions (3.MINOR) den tries, nearest to the interpreter's first, after
/// the interpreter's own version.
const KNOWN_MINORS: std::ops::RangeInclusive<u8> = 8..=14;

/// The first Python `marker` is true for, with its description for messages (`Windows
/// AMD64, Python 3.12.0`): the interpreter's platform and then each of [`KNOWN_PLATFORMS`],
/// each with the interpreter's version and then CPython 3.MINOR for [`KNOWN_MINORS`] nearest
/// to it (the newer first on a tie). Markers and tags are [`TargetPython::describe`]'s, as
/// for `den pip compile --python-version --python-platform`. `None` when none is.
fn target_for(
    interpreter: &Interpreter,
    marker: &den_dist::MarkerTree,
) -> Option<(TargetPython, String)> {
    let (major, own_minor) = interpreter.major_minor;
    let mut minors: Vec<u8> = KNOWN_MINORS.collect();
    minors.sort_by_key(|minor| (minor.abs_diff(own_minor), std::cmp::Reverse(*minor)));
    let versions: Vec<Option<String>> = std::iter::once(None)
        .chain(minors.iter().map(|minor| Some(format!("{major}.{minor}"))))
        .collect();
    let platforms = std::iter::once(None).chain(KNOWN_PLATFORMS.map(Some));
    let target = platforms
        .flat_map(|platform| versions.iter().map(move |version| (version, platform)))
        .filter_map(|(version, platform)| {
            TargetPython::describe(interpreter, version.as_deref(), platform).ok()
        })
        .find(|target| marker.evaluate(&target.markers, &[]))?;
    let markers = &target.markers;
    let system = match markers.platform_system() {
        "Darwin" => "macOS",
        other => other,
    };
    let described = format!(
        "{system} {}, Python {}",
        markers.platform_machine(),
        target.version
    );
    Some((target, described))
}

/// pipenv's lock entry for a resolved Pipfile table with an `os_name` key whose lock markers
/// are false where the lock is made: the entry pipenv starts from (the previous lock's,
/// else the table as written in `written`, with its `os_name` key) updated with the
/// resolved one, as pipenv's lock keeps a table whose markers are false here.
fn keep_tables_false_here(
    entries: &mut BTreeMap<String, LockedPackage>,
    packages: &[(String, PackageSpec)],
    written: &BTreeMap<String, LockedPackage>,
    previous: Option<&BTreeMap<String, LockedPackage>>,
    markers: &den_dist::MarkerEnvironment,
) {
    for (name, spec) in packages {
        let PackageSpec::Table(table) = spec else {
            continue;
        };
        let key = den_pipfile::pep423_name(name);
        let false_here = entries
            .get(&key)
            .and_then(|entry| entry.markers.as_deref())
            .and_then(|m| den_dist::parse_marker(m).ok())
            .is_some_and(|m| !m.evaluate(markers, &[]));
        if !table.has_os_name() || !false_here {
            continue;
        }
        let current = previous
            .and_then(|entries| entries.get(&key))
            .or_else(|| written.get(name));
        if let (Some(current), Some(entry)) = (current, entries.remove(&key)) {
            let mut merged = current.clone();
            merged.update(entry);
            entries.insert(key, merged);
        }
    }
}

/// The `file` entries of local files as pipenv's `clean_resolved_dep` leaves them: a
/// `file://` URL made a path relative to the project directory `project_dir` (its
/// `_file_url_to_relative_path`), and no `hashes` (pipenv finds none for a file entry).
/// Entries of remote files are left as they are.
fn local_files_as_pipenv_locks_them(
    entries: &mut BTreeMap<String, LockedPackage>,
    project_dir: &Path,
) {
    for entry in entries.values_mut() {
        let Some(file) = &entry.file else {
            continue;
        };
        if file.starts_with("http://") || file.starts_with("https://") {
            continue;
        }
        if let Some(local) = den_dist::DirectUrl::archive(file.clone(), None).local_path() {
            entry.file = Some(den_dist::path::relative_to(&local, project_dir));
        }
        entry.hashes = None;
    }
}

/// `path` as pathlib's `PurePath` reads it: `.` parts and repeated or trailing slashes
/// dropped (`./a//b/` -> `a/b`).
fn pathlib_parts(path: &str) -> PathBuf {
    Path::new(path)
        .components()
        .filter(|part| !matches!(part, std::path::Component::CurDir))
        .collect()
}

/// The requirements pipenv's lock resolver gets for Pipfile entries:
/// [`requirement_sources`] of each entry read as [`PackageSpec::for_resolver`] (without an
/// `os_name` key).
fn resolver_sources(packages: &[(String, PackageSpec)]) -> Vec<RequirementsSource> {
    let read: Vec<(String, PackageSpec)> = packages
        .iter()
        .map(|(name, spec)| (name.clone(), spec.for_resolver()))
        .collect();
    requirement_sources(&read)
}

/// What resolving a skipped Pipfile table for another platform takes from the category
/// being locked.
struct Elsewhere<'a> {
    interpreter: &'a Interpreter,
    resolver: &'a ResolverSettings,
    cache: &'a Cache,
    /// The versions already in the lock: constraints, so each package has one version.
    pins: &'a [(PackageName, Version)],
    /// The previous lock's pins to keep.
    preferences: &'a [(PackageName, Version)],
    default_source: &'a str,
    printer: &'a Printer,
}

/// A Pipfile table locked for another platform.
struct LockedElsewhere {
    /// The table's lock key.
    name: String,
    /// The platform and Python it was resolved for ([`target_for`]'s description).
    target: String,
    /// The versions of the table's package and its dependencies there.
    pins: Vec<(PackageName, Version)>,
    /// Their lock entries, keyed as [`locked_entries`] keys them.
    entries: BTreeMap<String, LockedPackage>,
}

impl Elsewhere<'_> {
    /// Locks the Pipfile table `name` whose resolver markers are false here: resolved with its
    /// dependencies for the first Python its markers are true for ([`target_for`]), held to
    /// [`Elsewhere::pins`], and given the entries a table and its dependencies get here
    /// ([`locked_entries`]: the table's markers on each dependency).
    ///
    /// Errors, in words for a warning: no Python den knows makes the markers true, or the
    /// table cannot be resolved (or its files' hashes read) for that one.
    async fn lock(&self, name: &str, spec: &PackageSpec) -> anyhow::Result<LockedElsewhere> {
        let marker = spec
            .resolver_markers()
            .and_then(|m| den_dist::parse_marker(&m).ok())
            .context("they cannot be read")?;
        let (target, described) = target_for(self.interpreter, &marker).context(
            "no platform den resolves for (Linux x86_64 or aarch64, macOS arm64 or x86_64, \
             Windows AMD64; CPython 3.8 to 3.14) makes them true",
        )?;
        let table = [(name.to_string(), spec.clone())];
        let there = async {
            let mut spec = pipeline::spec(&resolver_sources(&table), self.resolver)?;
            constrain(&mut spec, self.pins)?;
            let source = Arc::new(pipeline::source(
                &spec,
                self.resolver,
                self.cache,
                self.interpreter,
                self.printer,
            )?);
            let preferences = self.preferences.to_vec();
            LockResolution::of(
                &source,
                spec,
                self.resolver,
                &table,
                &target,
                preferences,
                self.printer,
            )
            .await
        };
        let there = there
            .await
            .with_context(|| format!("it cannot be resolved for {described}"))?;
        let pins = pins_of(&there.packages);
        let entries = there.entries(&table, self.default_source);
        Ok(LockedElsewhere {
            name: den_pipfile::pep423_name(name),
            target: described,
            pins,
            entries,
        })
    }
}

/// The version a skipped table pins (`==1.0`, or `1.0` which pipenv reads as `==1.0`):
/// pipenv locks the hashes of that release's files.
fn unresolved_pin(table: &den_pipfile::PackageTable) -> Option<Version> {
    table
        .unresolved_lock_version()?
        .strip_prefix("==")?
        .parse()
        .ok()
}

/// The `sha256:` hashes of every file (yanked ones aside) of release `version` of `name`,
/// sorted; none when the index does not have the project.
///
/// Errors: the index cannot be read, or a file it publishes no hash for cannot be
/// downloaded.
async fn release_hashes(
    source: &den_prepare::DenSource,
    name: &PackageName,
    version: &Version,
) -> anyhow::Result<Vec<String>> {
    use den_resolve::{PackageSource, SourceError, SourceFile};
    let files = match source.files(name).await {
        Ok(files) => files,
        Err(SourceError::NotFound { .. }) => return Ok(Vec::new()),
        Err(err) => return Err(err.into()),
    };
    let mut hashes = BTreeSet::new();
    for file in files
        .iter()
        .filter(|f| f.filename().version() == version && !f.is_yanked())
    {
        if let Some(digest) = den_prepare::sha256_of(source, file).await? {
            hashes.insert(format!("sha256:{digest}"));
        }
    }
    Ok(hashes.into_iter().collect())
}

/// The pins of `previous`'s category to keep: all of them unless `settings.upgrade` lets
/// some (or, when `None`, all) move.
fn kept_pins(
    previous: Option<&Lockfile>,
    category: &str,
    settings: &LockSettings,
) -> Vec<(PackageName, Version)> {
    let Some(upgrade) = &settings.upgrade else {
        return Vec::new();
    };
    let Some(entries) = previous.and_then(|p| p.category(category)) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|(name, entry)| {
            let name = name.parse::<PackageName>().ok()?;
            let version = entry.version.as_deref()?.strip_prefix("==")?;
            let version = version.parse::<Version>().ok()?;
            (!upgrade.contains(&name)).then_some((name, version))
        })
        .collect()
}

/// The lock entries of one category: pipenv's shape for each resolved package, keyed by
/// the `pep423_name` of the name as first written: the Pipfile's key for a listed package,
/// else the Requires-Dist entry that first brings it in (`backports.tarfile`,
/// `more-itertools` for `more_itertools`), as pipenv keys them.
///
/// - `version` `==X` (not for path, file and git entries), `hashes` of every file of the
///   release, sorted;
/// - `markers` and `index` of a listed package: [`PackageSpec::resolved_lock_entry`]; for a
///   dependency, the markers pipenv's resolver folds from the Pipfile table that brought it
///   in ([`PackageSpec::dependency_lock_markers`]), else its Requires-Python, else the
///   marker of the requirement that brings it in;
/// - the Pipfile table's `extras`, `editable`, `path`, `file`, `git`, `subdirectory` as
///   written, and as `ref` the commit a git entry was checked out at; other entries the
///   extras requested anywhere in the graph.
fn locked_entries(
    packages: &[(String, PackageSpec)],
    resolved: &[ResolvedPackage],
    mut hashes: HashMap<PackageName, BTreeSet<String>>,
    introduced: &HashMap<PackageName, Introduced>,
    default_source: &str,
) -> BTreeMap<String, LockedPackage> {
    let top: HashMap<PackageName, (&String, &PackageSpec)> = packages
        .iter()
        .filter_map(|(name, spec)| Some((name.parse::<PackageName>().ok()?, (name, spec))))
        .collect();
    let roots = introducing_roots(&top, packages, resolved);
    let mut entries = BTreeMap::new();
    for package in resolved {
        let requires_python = match &package.file {
            Dist::Index(file) => file.requires_python.as_ref().and_then(|specifiers| {
                den_pipfile::requires_python_marker(&specifiers.to_string())
                    .ok()
                    .flatten()
            }),
            Dist::Direct(_) => None,
        };
        let introduction = introduced.get(&package.name);
        let (written, mut entry) = match top.get(&package.name) {
            Some((key, spec)) => {
                let mut entry = spec.resolved_lock_entry(key, requires_python, default_source);
                // pipenv locks the commit a git entry's ref resolved to.
                if let Dist::Direct(direct) = &package.file
                    && let den_prepare::DirectKind::Git { commit, .. } = &direct.kind
                {
                    entry.git_ref = Some(commit.clone());
                }
                (Some(key.as_str()), entry)
            }
            None => {
                let entry = LockedPackage {
                    markers: roots
                        .get(&package.name)
                        .and_then(|root| top.get(root))
                        .and_then(|(_, spec)| spec.dependency_lock_markers())
                        .or(requires_python)
                        .or_else(|| introduction.and_then(|i| i.marker.clone())),
                    ..LockedPackage::default()
                };
                (introduction.map(|i| i.name.as_str()), entry)
            }
        };
        // Extras some requirement in the graph asked for (`celery[redis]` -> kombu[redis]),
        // unless the Pipfile's table names its own.
        if entry.extras.is_none() && !package.extras.is_empty() {
            entry.extras = Some(package.extras.iter().map(ToString::to_string).collect());
        }
        if !entry.is_direct() {
            entry.version = Some(format!("=={}", package.version));
        }
        let package_hashes: Vec<String> = hashes
            .remove(&package.name)
            .unwrap_or_default()
            .into_iter()
            .collect();
        entry.hashes = (!package_hashes.is_empty()).then_some(package_hashes);
        let key = written.map_or_else(|| package.name.to_string(), den_pipfile::pep423_name);
        entries.insert(key, entry);
    }
    entries
}

/// The Requires-Dist entry through which a dependency is first reached.
#[derive(Clone)]
struct Introduced {
    /// The project's name as the entry writes it (`backports.tarfile`, `Zope.Interface`).
    name: String,
    /// The entry's marker as pipenv's lock writes it ([`den_pipfile::requirement_lock_marker`]),
    /// when it has one.
    marker: Option<String>,
}

/// For each resolved package that is not a root, the Requires-Dist entry through which it
/// was first reached (breadth first from `roots` in Pipfile order, each package's
/// dependencies by name: an approximation of pip's `comes_from`). pipenv's lock keys the
/// dependency by the name that entry writes, and falls back to its marker, as written, for
/// a dependency without Requires-Python (`pexpect; sys_platform != "win32"`). Metadata that
/// cannot be read again gives none.
async fn introductions(
    source: &den_prepare::DenSource,
    resolved: &[ResolvedPackage],
    roots: &[PackageName],
) -> HashMap<PackageName, Introduced> {
    use den_resolve::PackageSource;
    let by_name: HashMap<&PackageName, &ResolvedPackage> =
        resolved.iter().map(|p| (&p.name, p)).collect();
    // The first parent of each package, breadth first.
    let mut first_parent: HashMap<PackageName, PackageName> = HashMap::new();
    let mut queue: VecDeque<PackageName> = roots
        .iter()
        .filter(|root| by_name.contains_key(root))
        .cloned()
        .collect();
    let mut seen: BTreeSet<PackageName> = queue.iter().cloned().collect();
    while let Some(name) = queue.pop_front() {
        let Some(package) = by_name.get(&name) else {
            continue;
        };
        for dependency in &package.dependencies {
            if seen.insert(dependency.clone()) {
                first_parent.insert(dependency.clone(), name.clone());
                queue.push_back(dependency.clone());
            }
        }
    }
    let mut introduced = HashMap::new();
    let mut written_by: HashMap<PackageName, HashMap<PackageName, Introduced>> = HashMap::new();
    for (child, parent) in &first_parent {
        if !written_by.contains_key(parent) {
            let mut written = HashMap::new();
            if let Some(package) = by_name.get(parent)
                && let Ok(metadata) = source.metadata(&package.name, &package.file).await
            {
                // The Requires-Dist lines as written: the name keeps its spelling and the
                // marker its own order, as pipenv keeps them.
                for (key, value) in &metadata.headers {
                    if !key.eq_ignore_ascii_case("Requires-Dist") {
                        continue;
                    }
                    let Ok(requirement) = den_dist::parse_requirement(value) else {
                        continue;
                    };
                    let name: String = value
                        .trim_start()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                        .collect();
                    let marker = value.split_once(';').and_then(|(_, marker)| {
                        den_pipfile::requirement_lock_marker(marker.trim())
                    });
                    written
                        .entry(requirement.name)
                        .or_insert(Introduced { name, marker });
                }
            }
            written_by.insert(parent.clone(), written);
        }
        if let Some(introduction) = written_by[parent].get(child) {
            introduced.insert(child.clone(), introduction.clone());
        }
    }
    introduced
}

/// For each resolved dependency that the Pipfile does not list, the listed package that
/// brings it in (the first in Pipfile order whose dependency graph reaches it): pip's
/// `comes_from`, which pipenv folds markers along.
fn introducing_roots<V>(
    top: &HashMap<PackageName, V>,
    packages: &[(String, PackageSpec)],
    resolved: &[ResolvedPackage],
) -> HashMap<PackageName, PackageName> {
    let graph: HashMap<&PackageName, &Vec<PackageName>> = resolved
        .iter()
        .map(|p| (&p.name, &p.dependencies))
        .collect();
    let mut roots = HashMap::new();
    for (name, _) in packages {
        let Ok(root) = name.parse::<PackageName>() else {
            continue;
        };
        let mut queue = VecDeque::from([root.clone()]);
        let mut seen = BTreeSet::from([root.clone()]);
        while let Some(name) = queue.pop_front() {
            for dependency in graph.get(&name).copied().into_iter().flatten() {
                if seen.insert(dependency.clone()) {
                    if !top.contains_key(dependency) {
                        roots
                            .entry(dependency.clone())
                            .or_insert_with(|| root.clone());
                    }
                    queue.push_back(dependency.clone());
                }
            }
        }
    }
    roots
}
