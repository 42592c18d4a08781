//! [`Builder`]: build environments, PEP 517 metadata, wheels and PEP 660 editable wheels for
//! one target interpreter, with the built-wheel cache.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use den_cache::{Cache, CacheBucket, LockGuard, safe_key, write_atomic};
use den_dist::{
    CoreMetadata, HashAlgorithm, Hasher, IoError, IoResultExt, PackageName, Requirement,
    VersionOrUrl, WheelFilename,
};
use den_python::Interpreter;
use den_venv::{VenvOptions, create_venv};

use crate::hooks::Hooks;
use crate::{BuildContext, BuildError, BuildSystem, project_name, static_metadata};

/// The file that marks a build environment as complete (written last, under the lock).
const READY_MARKER: &str = ".den-build-env-ready";

/// The metadata file cached next to built wheels.
const METADATA_FILE: &str = "METADATA";

/// How [`Builder`] builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildOptions {
    /// `true` (the default): hooks run in a fresh build environment holding only the build
    /// requirements (PEP 517 §Build environment). `false` (`--no-build-isolation`): hooks run
    /// in the target interpreter itself, nothing is installed, and missing build requirements
    /// are only warned about.
    pub isolation: bool,
    /// `config_settings` passed to every hook (PEP 517 §Config settings; pip's
    /// `-C/--config-settings KEY=VALUE`): each key to its values, in the order given; a key
    /// given once is passed as a string, a repeated key as a list, as pip passes them. Builds
    /// with settings are cached apart from builds without.
    pub config_settings: Vec<(String, Vec<String>)>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self {
            isolation: true,
            config_settings: Vec::new(),
        }
    }
}

impl BuildOptions {
    /// The `config_settings` argument of the hooks: `None` (JSON null) without settings.
    pub(crate) fn config_settings_value(&self) -> serde_json::Value {
        if self.config_settings.is_empty() {
            return serde_json::Value::Null;
        }
        let map: serde_json::Map<String, serde_json::Value> = self
            .config_settings
            .iter()
            .map(|(key, values)| {
                let value = match values.as_slice() {
                    [one] => serde_json::Value::String(one.clone()),
                    many => serde_json::Value::Array(
                        many.iter()
                            .cloned()
                            .map(serde_json::Value::String)
                            .collect(),
                    ),
                };
                (key.clone(), value)
            })
            .collect();
        serde_json::Value::Object(map)
    }
}

/// A project to build: an unpacked source distribution or a local project directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceTree {
    /// The project root (holds `pyproject.toml` and/or `setup.py`).
    pub dir: PathBuf,
    /// The project's name, for messages; when `None` the directory's name is shown.
    pub name: Option<PackageName>,
    /// The cache key of the source: the sdist file's SHA-256 (hex). `None` for a local
    /// directory, whose builds are never cached (its files can change at any time).
    pub key: Option<String>,
}

impl SourceTree {
    /// The name shown in messages: [`SourceTree::name`], else the name the project files
    /// declare ([`project_name`]), else the directory's name.
    fn package(&self) -> String {
        if let Some(name) = self.name.clone().or_else(|| project_name(&self.dir)) {
            return name.to_string();
        }
        self.dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.dir.display().to_string())
    }
}

/// Where hooks of one project run, once its build environment is ready.
struct Prepared {
    python: PathBuf,
    bin: PathBuf,
    system: BuildSystem,
    /// The hooks' `config_settings` argument.
    config_settings: serde_json::Value,
    /// Whether `python` is one of den's build environments ([`Hooks::keep_bytecode`]).
    isolated: bool,
}

impl Prepared {
    fn hooks<'a>(&'a self, source: &'a SourceTree, package: &'a str) -> Hooks<'a> {
        Hooks {
            python: &self.python,
            bin: &self.bin,
            project: &source.dir,
            package,
            system: &self.system,
            config_settings: self.config_settings.clone(),
            keep_bytecode: self.isolated,
        }
    }
}

/// How [`Builder::metadata_by`] asks a backend for a project's metadata.
#[derive(Clone, Copy)]
enum Via {
    /// `prepare_metadata_for_build_wheel`, falling back to `build_wheel` without it.
    Hook,
    /// `build_wheel`, reading the wheel's `METADATA`.
    Wheel,
}

/// What a build produces.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Wheel,
    Editable,
}

impl Target {
    fn requires_hook(self) -> &'static str {
        match self {
            Self::Wheel => "get_requires_for_build_wheel",
            Self::Editable => "get_requires_for_build_editable",
        }
    }

    fn build_hook(self) -> &'static str {
        match self {
            Self::Wheel => "build_wheel",
            Self::Editable => "build_editable",
        }
    }
}

/// Builds wheels, editable wheels and metadata for one target interpreter (PEP 517, PEP 660).
/// Cheap to clone; clones share the scratch directory, which lives until the last clone drops.
#[derive(Debug, Clone)]
pub struct Builder {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    cache: Cache,
    context: Arc<dyn BuildContext>,
    interpreter: Interpreter,
    options: BuildOptions,
    /// Holds wheels of uncached builds (local directories, editables), made on first use.
    scratch: Mutex<Option<Arc<den_cache::OwnedTempDir>>>,
    /// What each source tree's `get_requires_for_build_*` hook answered, by (tree, hook), so
    /// the metadata step and the build step of one sdist start that Python process once.
    requires: Mutex<HashMap<(PathBuf, &'static str), Vec<Requirement>>>,
}

impl Builder {
    /// A builder for `interpreter`, the Python the wheels are for: build environments are
    /// virtual environments of it; with `options.isolation` off, hooks run in `interpreter`
    /// itself (e.g. the target environment's python). Build environments and built wheels
    /// live in `cache`; `context` resolves and installs build requirements.
    pub fn new(
        cache: Cache,
        context: Arc<dyn BuildContext>,
        interpreter: Interpreter,
        options: BuildOptions,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                cache,
                context,
                interpreter,
                options,
                scratch: Mutex::new(None),
                requires: Mutex::default(),
            }),
        }
    }

    /// The project's core metadata (PEP 517 §prepare_metadata_for_build_wheel): from
    /// [`static_metadata`] when allowed, else the backend's ([`Builder::backend_metadata`]).
    ///
    /// Errors: everything [`Builder::build_wheel`] reports, and [`BuildError::Metadata`] when
    /// the backend's metadata does not parse.
    pub async fn metadata(&self, source: &SourceTree) -> Result<CoreMetadata, BuildError> {
        self.metadata_by(source, Via::Hook).await
    }

    /// [`Builder::metadata`] for a project whose wheel will be built anyway (one the caller is
    /// about to install): without static metadata, a cached `METADATA` or a cached wheel, the
    /// wheel is built at once ([`Builder::build_wheel`], cached as there) and its `METADATA`
    /// read, which spares the backend process `prepare_metadata_for_build_wheel` would cost
    /// (PEP 517 lets a frontend read metadata from the built wheel instead).
    ///
    /// Errors: as [`Builder::metadata`].
    pub async fn metadata_by_building(
        &self,
        source: &SourceTree,
    ) -> Result<CoreMetadata, BuildError> {
        self.metadata_by(source, Via::Wheel).await
    }

    /// [`Builder::metadata`] asking the backend, when it must, `via` the metadata hook or the
    /// wheel build.
    async fn metadata_by(&self, source: &SourceTree, via: Via) -> Result<CoreMetadata, BuildError> {
        if let Some(metadata) = static_metadata(&source.dir)? {
            return Ok(metadata);
        }
        Ok(self.backend_metadata_by(source, via).await?.0)
    }

    /// The core metadata the backend writes for the project, parsed and as the file's bytes
    /// (its body, the long description, included): what a wheel built from it has as
    /// `METADATA`, never read from the project's own files as [`Builder::metadata`] may.
    /// From the cache for keyed sources ([`Builder::cached_metadata`]: the `METADATA` kept, or
    /// that of a wheel built before), else the backend's `prepare_metadata_for_build_wheel`,
    /// falling back to `build_wheel` and reading the wheel's `METADATA` when the backend lacks
    /// that hook (the wheel is then cached as by [`Builder::build_wheel`]). Keyed sources
    /// store the result in the BuiltWheels bucket (`<key>/METADATA`).
    ///
    /// Errors: as [`Builder::metadata`].
    pub async fn backend_metadata(
        &self,
        source: &SourceTree,
    ) -> Result<(CoreMetadata, Vec<u8>), BuildError> {
        self.backend_metadata_by(source, Via::Hook).await
    }

    /// [`Builder::backend_metadata`] asking the backend `via` the metadata hook or the wheel
    /// build.
    async fn backend_metadata_by(
        &self,
        source: &SourceTree,
        via: Via,
    ) -> Result<(CoreMetadata, Vec<u8>), BuildError> {
        if let Some(key) = &source.key
            && let Some(found) = self.cached_metadata(key)?
        {
            return Ok(found);
        }
        let cached = match &source.key {
            Some(key) => Some(self.entry_dir(key)?.join(METADATA_FILE)),
            None => None,
        };
        let package = source.package();
        let prepared = self.prepare(source, &package, Target::Wheel).await?;
        let scratch = self.temp_dir()?;
        let hooks = prepared.hooks(source, &package);
        let dist_info = match via {
            Via::Hook => {
                hooks
                    .produce("prepare_metadata_for_build_wheel", scratch.path())
                    .await?
            }
            Via::Wheel => None,
        };
        match dist_info {
            Some(dist_info) => {
                let path = dist_info.join(METADATA_FILE);
                let bytes = fs::read(&path).at("read", &path)?;
                let metadata = parse_metadata(&path, &bytes)?;
                if let Some(cached) = &cached {
                    write_atomic(cached, &bytes)?;
                }
                Ok((metadata, bytes))
            }
            None => {
                let wheel = self.build_locked(source, &package, &prepared).await?;
                self.store_metadata(&wheel, cached.as_deref())
            }
        }
    }

    /// Builds a wheel with the backend's `build_wheel` hook (PEP 517) and returns its path.
    ///
    /// Keyed sources are cached in the BuiltWheels bucket under `<key>/<wheel filename>`: a
    /// later call (in this or another process) whose interpreter accepts a cached wheel's tags
    /// builds nothing. Builders of one key serialize on a cache lock; the wheel is built in a
    /// temporary directory and renamed into place. Wheels of local directories (no key) go to
    /// a scratch directory that lives as long as the builder.
    ///
    /// The build environment holds `[build-system] requires` plus what
    /// `get_requires_for_build_wheel` returns, each set in its own cached environment (see the
    /// crate documentation); build requirements are installed from wheels only.
    ///
    /// Errors: [`BuildError::PyProject`] / [`BuildError::InvalidRequirement`] for a bad
    /// `pyproject.toml`; [`BuildError::BuildRequirements`], [`BuildError::Download`],
    /// [`BuildError::Install`], [`BuildError::Venv`] while making the build environment;
    /// [`BuildError::Hook`] when the backend fails (with its output),
    /// [`BuildError::HookResult`] when it returns no valid wheel; cache and I/O errors.
    pub async fn build_wheel(&self, source: &SourceTree) -> Result<PathBuf, BuildError> {
        if let Some(wheel) = self.cached_wheel(source)? {
            return Ok(wheel);
        }
        let package = source.package();
        let prepared = self.prepare(source, &package, Target::Wheel).await?;
        self.build_locked(source, &package, &prepared).await
    }

    /// Builds an editable wheel with the backend's `build_editable` hook (PEP 660), after
    /// installing what `get_requires_for_build_editable` asks for. Never cached: the wheel
    /// points into the project directory. The wheel lives in the builder's scratch directory.
    ///
    /// Errors: as [`Builder::build_wheel`]; [`BuildError::MissingHook`] when the backend does
    /// not support PEP 660.
    pub async fn build_editable(&self, source: &SourceTree) -> Result<PathBuf, BuildError> {
        let package = source.package();
        let prepared = self.prepare(source, &package, Target::Editable).await?;
        let scratch = self.scratch()?;
        self.run_build(
            source,
            &package,
            &prepared,
            Target::Editable,
            scratch.path(),
        )
        .await
    }

    /// Under the source's cache lock (keyed sources), the cached wheel or a fresh
    /// `build_wheel`; unkeyed sources build into the scratch directory.
    async fn build_locked(
        &self,
        source: &SourceTree,
        package: &str,
        prepared: &Prepared,
    ) -> Result<PathBuf, BuildError> {
        let target = Target::Wheel;
        let Some(key) = &source.key else {
            let scratch = self.scratch()?;
            return self
                .run_build(source, package, prepared, target, scratch.path())
                .await;
        };
        let _guard = self
            .lock(CacheBucket::BuiltWheels, safe_key(&self.settings_key(key)))
            .await?;
        if let Some(wheel) = self.cached_wheel(source)? {
            return Ok(wheel);
        }
        let temp = self.temp_dir()?;
        let built = self
            .run_build(source, package, prepared, target, temp.path())
            .await?;
        let dir = self.entry_dir(key)?;
        fs::create_dir_all(&dir).at("create directory", &dir)?;
        let path = dir.join(built.file_name().unwrap_or_default());
        fs::rename(&built, &path).at("move the built wheel to", &path)?;
        Ok(path)
    }

    /// Runs the build hook of `target` into `dir` and checks the result is a wheel.
    async fn run_build(
        &self,
        source: &SourceTree,
        package: &str,
        prepared: &Prepared,
        target: Target,
        dir: &Path,
    ) -> Result<PathBuf, BuildError> {
        let hook = target.build_hook();
        let wheel = prepared
            .hooks(source, package)
            .produce(hook, dir)
            .await?
            .ok_or_else(|| BuildError::MissingHook {
                package: package.to_string(),
                hook: hook.to_string(),
                hint: match target {
                    Target::Wheel => "PEP 517 makes build_wheel mandatory; the backend is broken",
                    Target::Editable => {
                        "the backend does not support editable installs (PEP 660); install \
                         without -e, or upgrade the build backend"
                    }
                },
            })?;
        let name = wheel.file_name().unwrap_or_default().to_string_lossy();
        if let Err(e) = WheelFilename::from_str(&name) {
            return Err(BuildError::HookResult {
                package: package.to_string(),
                hook: hook.to_string(),
                reason: e.to_string(),
            });
        }
        tracing::info!("{package}: built {name}");
        Ok(wheel)
    }

    /// Reads the build system and readies the interpreter the hooks run in: with isolation, the
    /// build environment of `[build-system] requires`, then (if the `get_requires_for_build_*`
    /// hook asks for more) the environment of both sets; without, the target interpreter.
    async fn prepare(
        &self,
        source: &SourceTree,
        package: &str,
        target: Target,
    ) -> Result<Prepared, BuildError> {
        let system = BuildSystem::read(&source.dir)?;
        let interpreter = &self.inner.interpreter;
        if !self.inner.options.isolation {
            let prepared = Prepared {
                python: interpreter.sys_executable.clone(),
                bin: interpreter.paths.scripts.clone(),
                system,
                config_settings: self.inner.options.config_settings_value(),
                isolated: false,
            };
            let extra = self
                .extra_requires(&prepared, source, package, target)
                .await?;
            self.warn_missing(package, prepared.system.requires.iter().chain(&extra));
            return Ok(prepared);
        }
        let (python, bin) = self.environment(package, &system.requires).await?;
        let mut prepared = Prepared {
            python,
            bin,
            system,
            config_settings: self.inner.options.config_settings_value(),
            isolated: true,
        };
        let extra = self
            .extra_requires(&prepared, source, package, target)
            .await?;
        // The same environment when the hook adds nothing it holds, or only requirements
        // under markers false here (a flit project's optional dependencies).
        if !extra.is_empty() {
            let all: Vec<Requirement> = prepared
                .system
                .requires
                .iter()
                .chain(&extra)
                .cloned()
                .collect();
            (prepared.python, prepared.bin) = self.environment(package, &all).await?;
        }
        Ok(prepared)
    }

    /// The requirements the backend's `get_requires_for_build_*` hook adds for `source`, asked
    /// once per source tree and hook.
    async fn extra_requires(
        &self,
        prepared: &Prepared,
        source: &SourceTree,
        package: &str,
        target: Target,
    ) -> Result<Vec<Requirement>, BuildError> {
        let key = (source.dir.clone(), target.requires_hook());
        let known = self
            .inner
            .requires
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned();
        if let Some(requirements) = known {
            return Ok(requirements);
        }
        let requirements = prepared
            .hooks(source, package)
            .requires(target.requires_hook())
            .await?;
        self.inner
            .requires
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, requirements.clone());
        Ok(requirements)
    }

    /// Without isolation: warns about build requirements (for this interpreter's markers) that
    /// the target interpreter does not have, as pip does; nothing is installed.
    fn warn_missing<'a>(&self, package: &str, requirements: impl Iterator<Item = &'a Requirement>) {
        let interpreter = &self.inner.interpreter;
        for requirement in requirements {
            if !requirement.evaluate_markers(&interpreter.markers, &[]) {
                continue;
            }
            let installed = self
                .inner
                .context
                .installed_version(interpreter, &requirement.name);
            let satisfied = installed.is_some_and(|version| match &requirement.version_or_url {
                Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.contains(&version),
                _ => true,
            });
            if !satisfied {
                tracing::warn!(
                    "{package}: build requirement `{requirement}` is not installed in {} (with build isolation off, den installs no build requirements)",
                    interpreter.sys_executable.display()
                );
            }
        }
    }

    /// The build environment holding exactly `requirements`: `(python, scripts dir)`.
    ///
    /// Environments live in the Builds bucket under the SHA-256 of the interpreter, the
    /// sorted requirement strings and the context's other inputs
    /// ([`BuildContext::environment_inputs`]), and are reused across calls and processes. One is made
    /// under its cache lock, in place (scripts' shebangs hold the final path), and marked
    /// complete last; a half-made one (no marker) is removed and made again.
    async fn environment(
        &self,
        package: &str,
        requirements: &[Requirement],
    ) -> Result<(PathBuf, PathBuf), BuildError> {
        let interpreter = &self.inner.interpreter;
        // Requirements under markers false here are never installed: they change neither the
        // environment nor its key.
        let requirements: Vec<Requirement> = requirements
            .iter()
            .filter(|requirement| requirement.evaluate_markers(&interpreter.markers, &[]))
            .cloned()
            .collect();
        let sorted: BTreeSet<String> = requirements.iter().map(|r| r.to_string()).collect();
        let mut hasher = Hasher::new(HashAlgorithm::Sha256);
        hasher.update(
            format!(
                "{}\n{} {}\n",
                interpreter.base_executable.display(),
                interpreter.implementation_display,
                interpreter.version
            )
            .as_bytes(),
        );
        for requirement in &sorted {
            hasher.update(requirement.as_bytes());
            hasher.update(b"\n");
        }
        // Other inputs (build constraints) only when there are some, so the keys of
        // environments made without them stay as they were.
        let inputs = self.inner.context.environment_inputs();
        if !inputs.is_empty() {
            hasher.update(b"inputs\n");
            for input in &inputs {
                hasher.update(input.as_bytes());
                hasher.update(b"\n");
            }
        }
        let key = hasher.finalize().hex;
        let root = self.inner.cache.bucket(CacheBucket::Builds)?.join(&key);
        let bin = den_venv::scripts_dir(&root);
        let python = bin.join("python");
        if root.join(READY_MARKER).is_file() {
            return Ok((python, bin));
        }
        let _guard = self.lock(CacheBucket::Builds, key.clone()).await?;
        if root.join(READY_MARKER).is_file() {
            return Ok((python, bin));
        }
        if root.exists() {
            fs::remove_dir_all(&root).at("remove the half-made", &root)?;
        }
        tracing::debug!(
            "{package}: creating build environment {} for {sorted:?}",
            root.display()
        );
        let venv = create_venv(interpreter, &root, &VenvOptions::default()).map_err(|source| {
            BuildError::Venv {
                path: root.clone(),
                source: Box::new(source),
            }
        })?;
        if !requirements.is_empty() {
            self.inner
                .context
                .install(package, interpreter, &venv, &requirements)
                .await?;
        }
        let marker = root.join(READY_MARKER);
        write_atomic(
            &marker,
            sorted
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
                .as_bytes(),
        )?;
        Ok((venv.python, venv.scripts))
    }

    /// Takes the cache lock `key` in `bucket` on a blocking thread.
    async fn lock(&self, bucket: CacheBucket, key: String) -> Result<LockGuard, BuildError> {
        let cache = self.inner.cache.clone();
        tokio::task::spawn_blocking(move || cache.lock(bucket, &key))
            .await
            .map_err(|e| {
                let source = std::io::Error::other(e.to_string());
                IoError::new("lock", self.inner.cache.root(), source)
            })?
            .map_err(BuildError::from)
    }

    /// The BuiltWheels directory of cache key `key`, apart for builds with config settings.
    fn entry_dir(&self, key: &str) -> Result<PathBuf, BuildError> {
        Ok(self
            .inner
            .cache
            .bucket(CacheBucket::BuiltWheels)?
            .join(safe_key(&self.settings_key(key))))
    }

    /// `key`, followed by a digest of the config settings when there are any: a wheel built
    /// with settings is not the wheel built without.
    fn settings_key(&self, key: &str) -> String {
        let settings = self.inner.options.config_settings_value();
        if settings.is_null() {
            return key.to_string();
        }
        let mut hasher = Hasher::new(HashAlgorithm::Sha256);
        hasher.update(settings.to_string().as_bytes());
        format!("{key}-config-{}", &hasher.finalize().hex[..16])
    }

    /// The best wheel [`Builder::build_wheel`] built before for `source` (with these config
    /// settings) that the interpreter's tags accept: what it returns without building.
    /// `None` for a source without a key (a local directory, always built) or when there is
    /// none. See [`Builder::cached_wheel_of`].
    ///
    /// Errors: the cache's BuiltWheels bucket cannot be made.
    pub fn cached_wheel(&self, source: &SourceTree) -> Result<Option<PathBuf>, BuildError> {
        match &source.key {
            Some(key) => self.cached_wheel_of(key),
            None => Ok(None),
        }
    }

    /// [`Builder::cached_wheel`] by the cache key alone ([`SourceTree::key`]: an sdist's
    /// SHA-256), so a caller that knows the key before it has the source (an index publishes
    /// the SHA-256 of its files) need neither download nor unpack it to find the wheel.
    /// `None` when no wheel for `key` (with these config settings) that the interpreter's tags
    /// accept was built before.
    ///
    /// Errors: the cache's BuiltWheels bucket cannot be made.
    pub fn cached_wheel_of(&self, key: &str) -> Result<Option<PathBuf>, BuildError> {
        let dir = self.entry_dir(key)?;
        let Ok(entries) = fs::read_dir(&dir) else {
            return Ok(None);
        };
        let tags = &self.inner.interpreter.tags;
        Ok(entries
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let name = entry.file_name().to_str()?.to_string();
                let priority = tags.compatibility(&WheelFilename::from_str(&name).ok()?)?;
                Some((priority, entry.path()))
            })
            .max_by_key(|(priority, _)| *priority)
            .map(|(_, path)| path))
    }

    /// The core metadata a backend wrote before for the source of cache key `key`
    /// ([`SourceTree::key`]), parsed and as the file's bytes: the cached `<key>/METADATA`,
    /// else the `METADATA` of a cached wheel ([`Builder::cached_wheel_of`], then stored as
    /// `<key>/METADATA`); `None` when den has neither. What [`Builder::backend_metadata`]
    /// returns without running the backend, found without the source itself (see
    /// [`Builder::cached_wheel_of`]).
    ///
    /// Errors: the cache's BuiltWheels bucket cannot be made, a cached file cannot be read,
    /// [`BuildError::Metadata`] when it does not parse.
    pub fn cached_metadata(
        &self,
        key: &str,
    ) -> Result<Option<(CoreMetadata, Vec<u8>)>, BuildError> {
        let path = self.entry_dir(key)?.join(METADATA_FILE);
        if path.is_file() {
            let bytes = fs::read(&path).at("read", &path)?;
            return Ok(Some((parse_metadata(&path, &bytes)?, bytes)));
        }
        match self.cached_wheel_of(key)? {
            Some(wheel) => Ok(Some(self.store_metadata(&wheel, Some(&path))?)),
            None => Ok(None),
        }
    }

    /// Reads a wheel's `METADATA` (parsed, and its bytes) and, when `cache_path` is given,
    /// stores it there.
    fn store_metadata(
        &self,
        wheel: &Path,
        cache_path: Option<&Path>,
    ) -> Result<(CoreMetadata, Vec<u8>), BuildError> {
        let bytes = wheel_metadata(wheel)?;
        let metadata = parse_metadata(wheel, &bytes)?;
        if let Some(path) = cache_path {
            write_atomic(path, &bytes)?;
        }
        Ok((metadata, bytes))
    }

    /// A fresh temporary directory in the BuiltWheels bucket (same file system as the cache
    /// entries, so finished wheels are renamed, not copied).
    /// Locked while this process lives, so one left by a killed den is removed by the next
    /// ([`den_cache::OwnedTempDir`]).
    fn temp_dir(&self) -> Result<den_cache::OwnedTempDir, BuildError> {
        let bucket = self.inner.cache.bucket(CacheBucket::BuiltWheels)?;
        Ok(den_cache::OwnedTempDir::new_in(&bucket)?)
    }

    /// The builder's scratch directory for uncached wheels, made on first use.
    fn scratch(&self) -> Result<Arc<den_cache::OwnedTempDir>, BuildError> {
        let mut scratch = self
            .inner
            .scratch
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(dir) = scratch.as_ref() {
            return Ok(dir.clone());
        }
        let dir = Arc::new(self.temp_dir()?);
        *scratch = Some(dir.clone());
        Ok(dir)
    }
}

/// Parses core metadata read from `path`.
fn parse_metadata(path: &Path, bytes: &[u8]) -> Result<CoreMetadata, BuildError> {
    CoreMetadata::parse(bytes).map_err(|source| BuildError::Metadata {
        path: path.to_path_buf(),
        source,
    })
}

/// The bytes of `<name>.dist-info/METADATA` inside the wheel at `wheel`.
///
/// Errors: [`BuildError::Archive`] when the wheel is not a zip or has no such member.
fn wheel_metadata(wheel: &Path) -> Result<Vec<u8>, BuildError> {
    let corrupt = |reason: String| BuildError::Archive {
        archive: wheel.to_path_buf(),
        reason,
    };
    let file = fs::File::open(wheel).at("open", wheel)?;
    let mut zip =
        zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| corrupt(e.to_string()))?;
    let name = zip
        .file_names()
        .filter_map(|name| name.ok().map(|n| n.into_owned()))
        .find(|name| {
            name.strip_suffix("/METADATA")
                .is_some_and(|dir| dir.ends_with(".dist-info") && !dir.contains('/'))
        })
        .ok_or_else(|| corrupt("it has no .dist-info/METADATA".to_string()))?;
    let mut bytes = Vec::new();
    zip.by_name(&name)
        .map_err(|e| corrupt(e.to_string()))?
        .read_to_end(&mut bytes)
        .map_err(|e| corrupt(e.to_string()))?;
    Ok(bytes)
}
