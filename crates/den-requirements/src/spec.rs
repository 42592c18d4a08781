//! [`RequirementsSpec`]: what a set of requirement sources asks for, gathered into plain data
//! (pip's `install_req_from_*` and requirements-file handling, without any command line).
//!
//! A source is one [`RequirementsSource`]: a requirement argument, an editable, a
//! requirements file (`-r`), a constraints file (`-c`) or a project's own file
//! (pyproject.toml, setup.cfg, setup.py, as pip-compile reads them). A new kind of source
//! (Pipfile, pylock.toml) is one more variant and one more arm in
//! [`RequirementsSpec::add_source`].

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use den_dist::{
    HashDigest, MarkerEnvironment, Operator, PackageName, Requirement, Tags, Version, VersionOrUrl,
};

use crate::pylock::{LockSelection, Pylock};

use crate::specifier::Context;
use crate::{
    ParsedRequirement, RequirementEntry, RequirementOrigin, RequirementsError, RequirementsFile,
    UnnamedRequirement,
};

/// The file names that make a pip-compile input a project source rather than a requirements
/// file.
const PROJECT_FILES: [&str; 3] = ["pyproject.toml", "setup.py", "setup.cfg"];

/// One place requirements come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequirementsSource {
    /// A `pip install` argument (see [`crate::parse_requirement_arg`]).
    Argument(String),
    /// A `pip install -e` argument: a project directory or git URL.
    Editable(String),
    /// A requirements file (`-r`): its requirements, constraints and options.
    RequirementsFile(PathBuf),
    /// A constraints file (`-c`): every requirement in it (and in the files it includes)
    /// constrains versions; its options are ignored, as in pip.
    ConstraintsFile(PathBuf),
    /// A PEP 751 lock file (`pylock.toml`, `pylock.NAME.toml`): validated when read; what it
    /// lists for the target is added by [`RequirementsSpec::select_locked`], exactly (each
    /// package's chosen file by URL, with its hashes), and nothing is resolved.
    PylockFile {
        /// The lock file, as given.
        path: PathBuf,
        /// The extras and groups to install.
        selection: LockSelection,
    },
    /// A PEP 735 dependency group of a pyproject.toml (pip's `--group [path:]name`): its
    /// requirements, includes resolved ([`crate::dependency_group`]).
    DependencyGroup {
        /// The pyproject.toml, as given.
        path: PathBuf,
        /// The group's name.
        group: String,
    },
    /// A script's PEP 723 `dependencies` (pip's `--requirements-from-script FILE`); its
    /// `requires-python` goes to [`RequirementsSpec::script_requires_python`], for the caller
    /// to check against the Python it installs for.
    ScriptFile(PathBuf),
    /// A project's pyproject.toml, setup.py or setup.cfg: the project in that file's directory
    /// is required (with `extras`), as pip-compile reads it, and remembered as a
    /// [`ProjectSource`].
    ProjectFile {
        /// The file, as given.
        path: PathBuf,
        /// Extras whose dependencies are required too.
        extras: Vec<String>,
    },
}

/// `text` as a lock file name with the extras pip allows after it (`pylock.toml[a,b]`, its
/// `strip_extras`): the lock's path and the extras; `None` when it names no lock file.
fn pylock_with_extras(text: &str) -> Option<(PathBuf, BTreeSet<String>)> {
    let (file, extras) = match text.strip_suffix(']').and_then(|t| t.rsplit_once('[')) {
        Some((file, extras)) => (
            file,
            extras
                .split(',')
                .map(str::trim)
                .filter(|extra| !extra.is_empty())
                .map(str::to_string)
                .collect(),
        ),
        None => (text, BTreeSet::new()),
    };
    let path = PathBuf::from(file);
    crate::pylock::is_pylock_file_name(&path).then_some((path, extras))
}

impl RequirementsSource {
    /// A `-r FILE` argument: a lock file when its name is one the PEP 751 specification allows
    /// ([`crate::pylock::is_pylock_file_name`], pip's rule), else a requirements file.
    ///
    /// A lock's name may end with the extras to install, `pylock.toml[EXTRA,...]`, as pip
    /// reads it; its default groups are installed.
    pub fn requirements_file(path: PathBuf) -> Self {
        match pylock_with_extras(&path.to_string_lossy()) {
            Some((lock, extras)) => Self::PylockFile {
                path: lock,
                selection: LockSelection {
                    extras,
                    default_groups: true,
                    ..LockSelection::default()
                },
            },
            None => Self::RequirementsFile(path),
        }
    }

    /// A `--group [PATH:]NAME` argument, as pip splits it (at the last `:`; PATH
    /// `pyproject.toml` when not given): group NAME of a lock file when PATH is one (with its
    /// `[EXTRA,...]`, not its default groups), else a PEP 735 group of a pyproject.toml.
    pub fn group(value: &str) -> Self {
        let (path, group) = crate::groups::split_group_argument(value);
        match pylock_with_extras(&path.to_string_lossy()) {
            Some((lock, extras)) => Self::PylockFile {
                path: lock,
                selection: LockSelection {
                    extras,
                    groups: [group].into(),
                    default_groups: false,
                },
            },
            None => Self::DependencyGroup { path, group },
        }
    }

    /// A pip-compile input file: a project source when it is named pyproject.toml, setup.py or
    /// setup.cfg (with `extras`), else a requirements file.
    pub fn from_input_file(path: &Path, extras: &[String]) -> Self {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if PROJECT_FILES.contains(&name) {
            Self::ProjectFile {
                path: path.to_path_buf(),
                extras: extras.to_vec(),
            }
        } else {
            Self::RequirementsFile(path.to_path_buf())
        }
    }
}

/// Index options (pip's `-i`, `--extra-index-url`, `--no-index`, `-f`, `--trusted-host`), as
/// written on a command line or in requirements files: raw values, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexOptions {
    /// The base URL of the package index.
    pub index_url: Option<String>,
    /// More index URLs.
    pub extra_index_urls: Vec<String>,
    /// Use no index, only `find_links`.
    pub no_index: bool,
    /// Directories, or URLs or paths of HTML pages, listing archives.
    pub find_links: Vec<String>,
    /// Hosts (`host` or `host:port`) trusted over plain HTTP or with a certificate that does
    /// not verify.
    pub trusted_hosts: Vec<String>,
    /// `(project name, index URL)`: projects that come from that index alone (a Pipfile
    /// entry's `index = "name"`).
    pub project_indexes: Vec<(String, String)>,
    /// Every other project from the primary index alone (pipenv's rule), not from all.
    pub primary_only: bool,
}

impl IndexOptions {
    /// Adds the options of a later source: lists are appended, flags or-ed, and an index URL
    /// already set stays (the command line's wins over a file's, and a file's over a later
    /// file's, as in pip).
    pub fn extend(&mut self, later: Self) {
        self.index_url = self.index_url.take().or(later.index_url);
        self.extra_index_urls.extend(later.extra_index_urls);
        self.no_index |= later.no_index;
        self.find_links.extend(later.find_links);
        self.trusted_hosts.extend(later.trusted_hosts);
        self.project_indexes.extend(later.project_indexes);
        self.primary_only |= later.primary_only;
    }
}

/// Wheel-or-source options (pip's `--no-binary`, `--only-binary`, `--prefer-binary`): raw
/// values (`:all:`, `:none:` or comma-separated project names), in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BinaryOptions {
    /// Never use wheels for these.
    pub no_binary: Vec<String>,
    /// Never use source distributions for these.
    pub only_binary: Vec<String>,
    /// Prefer an older version with a wheel over a newer one that must be built.
    pub prefer_binary: bool,
}

impl BinaryOptions {
    /// Adds the options of a later source: lists are appended, the flag or-ed.
    pub fn extend(&mut self, later: Self) {
        self.no_binary.extend(later.no_binary);
        self.only_binary.extend(later.only_binary);
        self.prefer_binary |= later.prefer_binary;
    }
}

/// Hashes a requirement allows (pip's `--hash` options and `#sha256=` fragments), with the
/// line that gave them first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHashes {
    /// The allowed digests, in the order written (several lines add up).
    pub digests: Vec<HashDigest>,
    /// The first line that gave hashes (named by errors).
    pub origin: RequirementOrigin,
}

/// Allowed hashes by project and by direct URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequirementHashes {
    /// Hashes of named requirements (URL requirements included), by project.
    pub by_name: HashMap<PackageName, AllowedHashes>,
    /// Hashes of URL and path requirements, by URL (as `Url::to_string` prints it).
    pub by_url: HashMap<String, AllowedHashes>,
}

impl RequirementHashes {
    /// Whether no requirement has hashes.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty() && self.by_url.is_empty()
    }

    fn add<K: std::hash::Hash + Eq>(
        map: &mut HashMap<K, AllowedHashes>,
        key: K,
        digests: Vec<HashDigest>,
        origin: &RequirementOrigin,
    ) {
        map.entry(key)
            .and_modify(|allowed| allowed.digests.extend(digests.iter().cloned()))
            .or_insert_with(|| AllowedHashes {
                digests,
                origin: origin.clone(),
            });
    }
}

/// A project source: a project directory named through its pyproject.toml, setup.py or
/// setup.cfg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSource {
    /// The project directory, absolute.
    pub dir: PathBuf,
    /// The file's name (`pyproject.toml`), for pip-compile's `name (pyproject.toml)`.
    pub file_name: String,
}

/// Everything a set of [`RequirementsSource`]s asks for.
#[derive(Debug, Clone, Default)]
pub struct RequirementsSpec {
    /// Requirements with a name (URL requirements included), in source order.
    pub requirements: Vec<Requirement>,
    /// Where each of [`RequirementsSpec::requirements`] was written and its text as written
    /// (`RequirementEntry::written`), at the same index (pip's "Requirement already
    /// satisfied: Beta>=1.0 ... (from -r req.txt (line 2))" lines).
    pub requirement_sources: Vec<(RequirementOrigin, Option<String>)>,
    /// Paths and URLs whose project name is known only from their metadata; name each and
    /// add it with [`RequirementsSpec::add_requirement`].
    pub unnamed: Vec<UnnamedRequirement>,
    /// Constraints: constraints files' requirements and requirements files' `-c` lines.
    pub constraints: Vec<Requirement>,
    /// Allowed hashes (constraints' included: a project's hashes from several lines add up,
    /// as in pip).
    pub hashes: RequirementHashes,
    /// URLs of editable requirements (`-e`), as `Url::to_string` prints them.
    pub editables: Vec<String>,
    /// The requirements files' index options.
    pub index: IndexOptions,
    /// The requirements files' wheel-or-source options.
    pub binary: BinaryOptions,
    /// `--pre` in a requirements file.
    pub pre: bool,
    /// `--require-hashes` in a requirements file.
    pub require_hashes: bool,
    /// A `--hash` option on some requirement line (pip's hash-checking mode turns on; the
    /// `#sha256=` fragment of a URL is checked but does not).
    pub hash_options: bool,
    /// The requirements files that name each project (for `# via -r FILE` annotations).
    pub requested_from: HashMap<PackageName, BTreeSet<PathBuf>>,
    /// The constraints files (and requirements files' `-c` lines' files) that constrain each
    /// project (for `# via -c FILE` annotations).
    pub constrained_from: HashMap<PackageName, BTreeSet<PathBuf>>,
    /// The project sources, in order.
    pub projects: Vec<ProjectSource>,
    /// Each script source's `requires-python` (PEP 723), with the script as given.
    pub script_requires_python: Vec<(PathBuf, String)>,
    /// Lock files read (the path as given, joined onto the working directory, the lock and
    /// what to install of it), not yet selected from: see [`RequirementsSpec::select_locked`].
    pub locks: Vec<(PathBuf, Pylock, LockSelection)>,
    /// Whether a lock file was selected from: its list is whole, so dependencies are not
    /// resolved.
    pub locked: bool,
    /// The packages a lock lists as a release's file (`sdist`, `wheels`): installed as from
    /// an index (the version installed satisfies them; no `direct_url.json`).
    pub locked_releases: std::collections::HashSet<PackageName>,
}

impl RequirementsSpec {
    /// Reads `sources` in order; relative paths start at the current directory.
    ///
    /// Errors: the first source that cannot be read or has a requirement or line den cannot
    /// use; see [`RequirementsError`].
    pub fn from_sources(sources: &[RequirementsSource]) -> Result<Self, RequirementsError> {
        let working_dir = std::env::current_dir().ok();
        Self::read(sources, working_dir.as_deref())
    }

    /// As [`RequirementsSpec::from_sources`], with relative paths starting at `working_dir`.
    ///
    /// Errors: as [`RequirementsSpec::from_sources`].
    pub fn from_sources_in(
        sources: &[RequirementsSource],
        working_dir: &Path,
    ) -> Result<Self, RequirementsError> {
        Self::read(sources, Some(working_dir))
    }

    fn read(
        sources: &[RequirementsSource],
        working_dir: Option<&Path>,
    ) -> Result<Self, RequirementsError> {
        let mut spec = Self::default();
        for source in sources {
            spec.add_source(source, working_dir)?;
        }
        Ok(spec)
    }

    /// Adds one source; relative paths start at `working_dir` (`None`: not accessible).
    fn add_source(
        &mut self,
        source: &RequirementsSource,
        working_dir: Option<&Path>,
    ) -> Result<(), RequirementsError> {
        let argument = |text: &str, editable: bool| {
            Context {
                origin: &RequirementOrigin::CommandLine,
                working_dir,
            }
            .parse(text, editable)
        };
        match source {
            RequirementsSource::Argument(text) => self.add_parsed(argument(text, false)?),
            RequirementsSource::Editable(text) => self.add_parsed(argument(text, true)?),
            RequirementsSource::RequirementsFile(path) => {
                self.add_file(crate::file::parse_file(path, working_dir)?, false);
            }
            RequirementsSource::ConstraintsFile(path) => {
                self.add_file(crate::file::parse_file(path, working_dir)?, true);
            }
            RequirementsSource::PylockFile { path, selection } => {
                let joined = match working_dir {
                    Some(dir) => dir.join(path),
                    None => path.clone(),
                };
                // Two requests for one lock select together, as pip merges them.
                match self.locks.iter_mut().find(|(file, ..)| *file == joined) {
                    Some((_, _, known)) => known.merge(selection),
                    None => {
                        let lock = Pylock::read(&joined)?;
                        self.locks.push((joined, lock, selection.clone()));
                    }
                }
            }
            RequirementsSource::DependencyGroup { path, group } => {
                if path.file_name().is_none_or(|name| name != "pyproject.toml") {
                    return Err(RequirementsError::DependencyGroup {
                        path: path.clone(),
                        message: format!(
                            "`--group {}:{group}`: den reads groups from a pyproject.toml only",
                            path.display()
                        ),
                    });
                }
                let joined = match working_dir {
                    Some(dir) => dir.join(path),
                    None => path.clone(),
                };
                for text in crate::groups::dependency_group(&joined, group)? {
                    self.add_parsed(argument(&text, false)?);
                }
            }
            RequirementsSource::ScriptFile(path) => {
                let joined = match working_dir {
                    Some(dir) => dir.join(path),
                    None => path.clone(),
                };
                let metadata = crate::script::script_metadata(&joined)?;
                for text in &metadata.dependencies {
                    self.add_parsed(argument(text, false)?);
                }
                if let Some(requires_python) = metadata.requires_python {
                    self.script_requires_python
                        .push((path.clone(), requires_python));
                }
            }
            RequirementsSource::ProjectFile { path, extras } => {
                let no_working_dir = || RequirementsError::NoWorkingDirectory {
                    origin: RequirementOrigin::CommandLine,
                    text: crate::shown(&path.to_string_lossy()),
                };
                let joined = match working_dir {
                    Some(dir) => dir.join(path),
                    None if path.is_absolute() => path.clone(),
                    None => return Err(no_working_dir()),
                };
                let file = std::path::absolute(&joined).map_err(|_| no_working_dir())?;
                let dir = file.parent().unwrap_or(Path::new("/")).to_path_buf();
                let extras = if extras.is_empty() {
                    String::new()
                } else {
                    format!("[{}]", extras.join(","))
                };
                self.add_parsed(argument(&format!("{}{extras}", dir.display()), false)?);
                let file_name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                self.projects.push(ProjectSource { dir, file_name });
            }
        }
        Ok(())
    }

    fn add_parsed(&mut self, parsed: ParsedRequirement) {
        match parsed {
            ParsedRequirement::Named(entry) => self.add_requirement(entry),
            ParsedRequirement::Unnamed(unnamed) => self.add_unnamed(unnamed),
        }
    }

    /// Adds a parsed requirements file: its requirements (with `as_constraints`, everything
    /// in it as constraints, and its options ignored) and its options.
    fn add_file(&mut self, file: RequirementsFile, as_constraints: bool) {
        let RequirementsFile {
            requirements,
            unnamed,
            constraints,
            index_url,
            extra_index_urls,
            no_index,
            find_links,
            trusted_hosts,
            only_binary,
            no_binary,
            prefer_binary,
            require_hashes,
            hash_options,
            pre,
        } = file;
        self.hash_options |= hash_options;
        for entry in requirements {
            if as_constraints {
                self.add_constraint(entry);
            } else {
                self.add_requirement(entry);
            }
        }
        for entry in constraints {
            self.add_constraint(entry);
        }
        if as_constraints {
            return;
        }
        for unnamed in unnamed {
            self.add_unnamed(unnamed);
        }
        self.index.extend(IndexOptions {
            index_url,
            extra_index_urls,
            no_index,
            find_links,
            trusted_hosts,
            ..IndexOptions::default()
        });
        self.binary.extend(BinaryOptions {
            no_binary,
            only_binary,
            prefer_binary,
        });
        self.require_hashes |= require_hashes;
        self.pre |= pre;
    }

    /// Adds a named requirement (also one named after reading an [`UnnamedRequirement`]'s
    /// metadata): its hashes, its editable URL and the file that names it are recorded.
    pub fn add_requirement(&mut self, entry: RequirementEntry) {
        self.add_hashes(&entry);
        if let RequirementOrigin::File { file, .. } | RequirementOrigin::Lock { file, .. } =
            &entry.origin
        {
            self.requested_from
                .entry(entry.requirement.name.clone())
                .or_default()
                .insert(file.clone());
        }
        if entry.editable
            && let Some(VersionOrUrl::Url(url)) = &entry.requirement.version_or_url
        {
            self.editables.push(url.to_url().to_string());
        }
        self.requirements.push(entry.requirement);
        self.requirement_sources.push((entry.origin, entry.written));
    }

    fn add_constraint(&mut self, entry: RequirementEntry) {
        self.add_hashes(&entry);
        if let RequirementOrigin::File { file, .. } = &entry.origin {
            self.constrained_from
                .entry(entry.requirement.name.clone())
                .or_default()
                .insert(file.clone());
        }
        self.constraints.push(entry.requirement);
    }

    fn add_hashes(&mut self, entry: &RequirementEntry) {
        if entry.hashes.is_empty() {
            return;
        }
        if let Some(VersionOrUrl::Url(url)) = &entry.requirement.version_or_url {
            RequirementHashes::add(
                &mut self.hashes.by_url,
                url.to_url().to_string(),
                entry.hashes.clone(),
                &entry.origin,
            );
        }
        RequirementHashes::add(
            &mut self.hashes.by_name,
            entry.requirement.name.clone(),
            entry.hashes.clone(),
            &entry.origin,
        );
    }

    fn add_unnamed(&mut self, unnamed: UnnamedRequirement) {
        if !unnamed.hashes.is_empty() {
            RequirementHashes::add(
                &mut self.hashes.by_url,
                unnamed.url.to_url().to_string(),
                unnamed.hashes.clone(),
                &unnamed.origin,
            );
        }
        if unnamed.editable {
            self.editables.push(unnamed.url.to_url().to_string());
        }
        self.unnamed.push(unnamed);
    }

    /// Whether nothing at all is required.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty() && self.unnamed.is_empty() && self.locks.is_empty()
    }

    /// Adds what each lock file read lists for the target (`markers`, `tags`, Python
    /// `python_version`), as [`Pylock::select`] chooses it: a `name @ URL` requirement per
    /// package with the file's hashes (checked on download, by URL), editable for an editable
    /// directory; [`RequirementsSpec::locked`] is set. The locks are then forgotten.
    ///
    /// Errors: [`RequirementsError::Pylock`], naming the lock and the key.
    pub fn select_locked(
        &mut self,
        markers: &MarkerEnvironment,
        tags: &Tags,
        python_version: &Version,
    ) -> Result<(), RequirementsError> {
        for (file, lock, selection) in std::mem::take(&mut self.locks) {
            let base = file.parent().unwrap_or(Path::new("."));
            for selected in lock.select(&file, base, &selection, markers, tags, python_version)? {
                let text = format!("{} @ {}", selected.name, selected.url);
                let requirement =
                    den_dist::parse_requirement(&text).map_err(|e| crate::pylock::PylockError {
                        file: file.clone(),
                        key: selected.key.clone(),
                        message: den_dist::escape_controls(e.message()).into_owned(),
                    })?;
                if selected.release {
                    self.locked_releases.insert(selected.name.clone());
                }
                self.add_requirement(RequirementEntry {
                    requirement,
                    editable: selected.editable,
                    hashes: selected.hashes,
                    origin: RequirementOrigin::Lock {
                        file: file.clone(),
                        key: selected.key,
                    },
                    written: None,
                });
            }
            self.locked = true;
        }
        Ok(())
    }

    /// Whether pip's hash-checking mode is on: `--require-hashes`, or any `--hash` option.
    pub fn hash_mode(&self) -> bool {
        self.require_hashes || self.hash_options
    }

    /// In hash-checking mode, every named requirement must be pinned to one version with `==`
    /// or `===` (or be a URL), as pip requires: a range could pick a file no `--hash` covers.
    ///
    /// Errors: [`RequirementsError::Unpinned`], naming the unpinned requirements.
    pub fn check_pinned(&self) -> Result<(), RequirementsError> {
        if !self.hash_mode() {
            return Ok(());
        }
        let unpinned: Vec<String> = self
            .requirements
            .iter()
            .filter(|requirement| match &requirement.version_or_url {
                Some(VersionOrUrl::Url(_)) => false,
                Some(VersionOrUrl::VersionSpecifier(specifiers)) => !matches!(
                    &specifiers[..],
                    [only] if matches!(only.operator(), Operator::Equal | Operator::ExactEqual)
                ),
                None => true,
            })
            .map(|requirement| crate::shown(&requirement.to_string()))
            .collect();
        if unpinned.is_empty() {
            return Ok(());
        }
        Err(RequirementsError::Unpinned {
            requirements: unpinned.join(", "),
        })
    }

    /// The project source whose directory is `dir`, if any.
    pub fn project_at(&self, dir: &Path) -> Option<&ProjectSource> {
        self.projects.iter().find(|project| project.dir == dir)
    }
}
