//! Plain settings the operations take: what the command line (with the environment variables
//! clap reads for it) asked for, resolved once by `cli.rs`. pip's configuration files and index
//! variables are read once per operation, by [`IndexSettings::config`].

use anyhow::Context;
use den_cache::LinkMode;
use den_dist::PackageName;
use den_index::{CachePolicy, ConfigSources, IndexConfig};
use den_requirements::{BinaryOptions, IndexOptions};
use den_resolve::{BinaryPolicy, NameSelection, ReleaseControl};

/// Where packages come from.
#[derive(Debug, Clone, Default)]
pub struct IndexSettings {
    /// The command line's index options (they win over the requirements files').
    pub options: IndexOptions,
    /// `--refresh` or `--offline`; `None` keeps HTTP caching's rules.
    pub cache_policy: Option<CachePolicy>,
    /// `--refresh-package`'s project names, as given.
    pub refresh_packages: Vec<String>,
    /// `--uploaded-prior-to`: only files uploaded before it are candidates.
    pub uploaded_prior_to: Option<den_index::UploadedPriorTo>,
}

/// pip's general network options from the command line (`--timeout`, `--retries`, `--proxy`,
/// `--cert`, `--client-cert`): they win over pip's environment variables and configuration
/// files for every index a command asks.
#[derive(Debug, Clone, Default)]
pub struct NetworkOptions {
    /// `--timeout` (alias `--default-timeout`).
    pub timeout: Option<std::time::Duration>,
    /// `--retries`.
    pub retries: Option<u32>,
    /// `--proxy`.
    pub proxy: Option<String>,
    /// `--cert`.
    pub cert: Option<std::path::PathBuf>,
    /// `--client-cert`.
    pub client_cert: Option<std::path::PathBuf>,
    /// `--no-proxy-env`.
    pub no_proxy_env: bool,
}

/// The network options of this process's command line (set once, by `main`, for `den pip`).
static NETWORK: std::sync::OnceLock<NetworkOptions> = std::sync::OnceLock::new();

impl NetworkOptions {
    /// Makes these the command line's network options for the rest of the process; a second
    /// call changes nothing.
    pub fn set_for_process(self) {
        let _ = NETWORK.set(self);
    }

    /// Puts the options given over `config`'s.
    fn apply(&self, config: &mut IndexConfig) {
        if let Some(timeout) = self.timeout {
            config.timeout = timeout;
        }
        if let Some(retries) = self.retries {
            config.retries = retries;
        }
        if let Some(proxy) = &self.proxy {
            config.proxy = Some(proxy.clone());
        }
        if let Some(cert) = &self.cert {
            config.cert = Some(cert.clone());
        }
        if let Some(client_cert) = &self.client_cert {
            config.client_cert = Some(client_cert.clone());
        }
        config.no_proxy_env |= self.no_proxy_env;
    }
}

impl IndexSettings {
    /// The index configuration for `options` (the command line's and the requirements files'
    /// together): pip's environment variables and configuration files (as this `den pip`
    /// command line loaded them, else as `pip install` reads them), then `options`, then
    /// this cache policy.
    ///
    /// Errors: an index URL or configuration value den cannot use.
    pub fn config(&self, options: &IndexOptions) -> anyhow::Result<IndexConfig> {
        let process;
        let sources = match crate::pip_args::config_sources() {
            Some(sources) => sources,
            None => {
                process = ConfigSources::from_process()?;
                &process
            }
        };
        let mut config = IndexConfig::from_sources(
            options.index_url.as_deref(),
            &options.extra_index_urls,
            sources,
        )?;
        config.find_links.extend(options.find_links.iter().cloned());
        config.no_index |= options.no_index;
        config
            .trusted_hosts
            .extend(options.trusted_hosts.iter().cloned());
        for (project, url) in &options.project_indexes {
            let name = project
                .parse::<PackageName>()
                .with_context(|| format!("`{project}` is not a valid project name"))?;
            config
                .project_indexes
                .insert(name, den_index::IndexUrl::parse(url)?);
        }
        config.primary_only |= options.primary_only;
        if let Some(policy) = self.cache_policy {
            config.cache_policy = policy;
        }
        for project in &self.refresh_packages {
            let name = project.parse::<PackageName>().with_context(|| {
                format!("--refresh-package: `{project}` is not a valid project name")
            })?;
            config.refresh_projects.insert(name);
        }
        if self.uploaded_prior_to.is_some() {
            config.uploaded_prior_to = self.uploaded_prior_to;
        }
        if let Some(network) = NETWORK.get() {
            network.apply(&mut config);
        }
        Ok(config)
    }
}

/// Wheels or source distributions, and how source distributions are built.
#[derive(Debug, Clone)]
pub struct BuildSettings {
    /// The command line's `--no-binary` / `--only-binary` / `--prefer-binary`.
    pub binary: BinaryOptions,
    /// Build in an isolated environment holding the build requirements (PEP 517), not in
    /// the target interpreter.
    pub isolation: bool,
    /// `-C/--config-settings`: passed to every PEP 517 hook, each key to its values.
    pub config_settings: Vec<(String, Vec<String>)>,
    /// `--build-constraint` files: constraints on the build environments' requirements.
    pub build_constraints: Vec<std::path::PathBuf>,
}

impl Default for BuildSettings {
    fn default() -> Self {
        Self {
            binary: BinaryOptions::default(),
            isolation: true,
            config_settings: Vec::new(),
            build_constraints: Vec::new(),
        }
    }
}

/// The resolver's policy for `options` (the command line's and the requirements files'
/// together).
///
/// Errors: a value that is not a project name, `:all:` or `:none:`, naming the option.
pub fn binary_policy(options: &BinaryOptions) -> anyhow::Result<BinaryPolicy> {
    Ok(BinaryPolicy {
        no_binary: NameSelection::parse(&options.no_binary).context("invalid --no-binary value")?,
        only_binary: NameSelection::parse(&options.only_binary)
            .context("invalid --only-binary value")?,
        prefer_binary: options.prefer_binary,
    })
}

/// The release control `--pre` (`pre`), `--all-releases` and `--only-final` ask for (pip
/// 26's: `--pre` is `--all-releases :all:`).
///
/// Errors: `--pre` with either of the others (pip 26's refusal, in its words), or a value
/// that is not a list of project names, `:all:` or `:none:`.
pub fn release_control(
    pre: bool,
    all_releases: &[String],
    only_final: &[String],
) -> anyhow::Result<ReleaseControl> {
    if pre && !(all_releases.is_empty() && only_final.is_empty()) {
        anyhow::bail!("--pre cannot be used with --all-releases or --only-final.");
    }
    Ok(ReleaseControl {
        all_releases: match pre {
            true => NameSelection::All,
            false => NameSelection::parse(all_releases).context("invalid --all-releases value")?,
        },
        only_final: NameSelection::parse(only_final).context("invalid --only-final value")?,
    })
}

/// What resolving requirements needs besides the requirements.
#[derive(Debug, Clone, Default)]
pub struct ResolverSettings {
    /// Index options.
    pub index: IndexSettings,
    /// Build options.
    pub build: BuildSettings,
    /// Allow pre-releases (`--pre`).
    pub pre: bool,
    /// `--all-releases` values, as given.
    pub all_releases: Vec<String>,
    /// `--only-final` values, as given.
    pub only_final: Vec<String>,
    /// Do not check Requires-Python (`--ignore-requires-python`).
    pub ignore_requires_python: bool,
    /// pip's hash-checking mode even without any `--hash` (`--require-hashes`).
    pub require_hashes: bool,
    /// A `--hash` on a requirement line does not turn hash-checking mode on
    /// (`--no-require-hashes`); the hashes given are still checked.
    pub no_require_hashes: bool,
}

impl ResolverSettings {
    /// The release control of the command line's `--pre`, `--all-releases` and
    /// `--only-final`, with a requirements file's `--pre` (`file_pre`), which gives way to the
    /// command line's lists.
    ///
    /// Errors: as [`release_control`].
    pub fn releases(&self, file_pre: bool) -> anyhow::Result<ReleaseControl> {
        let lists = !(self.all_releases.is_empty() && self.only_final.is_empty());
        release_control(
            self.pre || (file_pre && !lists),
            &self.all_releases,
            &self.only_final,
        )
    }
}

/// Which already installed or pinned versions may move.
#[derive(Debug, Clone, Default)]
pub struct UpgradeSettings {
    /// `-U`: install's requested projects, or every pin of compile's output file.
    pub all: bool,
    /// `-P`: these projects.
    pub packages: Vec<PackageName>,
}

impl UpgradeSettings {
    /// Whether nothing may move.
    pub fn is_none(&self) -> bool {
        !self.all && self.packages.is_empty()
    }
}

/// How installed files are placed.
#[derive(Debug, Clone, Copy, Default)]
pub struct InstallerSettings {
    /// How files get from the cache into the environment.
    pub link_mode: LinkMode,
    /// Compile `.py` files to bytecode.
    pub compile_bytecode: bool,
}
