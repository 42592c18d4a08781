//! [`IndexConfig`]: which indexes to use and how, from the command line, the environment and
//! pip's configuration files (pip's "Configuration" documentation: file locations, `[global]`
//! and per-command sections, `PIP_<OPTION>` environment variables).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use den_dist::PackageName;

use crate::pip_settings::{PipConfiguration, PipSetting};
use crate::{IndexError, IndexUrl};

/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default number of retries after a failed attempt (so 3 tries in all).
pub const DEFAULT_RETRIES: u32 = 2;

/// How cached index pages are used (`--refresh`, `--offline`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CachePolicy {
    /// HTTP caching (RFC 9111): a fresh cached page is used without a request, a stale one
    /// is revalidated with `If-None-Match` / `If-Modified-Since`.
    #[default]
    Normal,
    /// `--refresh`: every cached page is revalidated once per process, fresh or not.
    /// Downloaded files and wheel metadata (immutable per URL) are still reused.
    Refresh,
    /// `--offline`: never touch the network. Cached pages are used however old; a page,
    /// file or metadata that is not in the cache is an [`IndexError::Offline`] naming it.
    Offline,
}

/// How den talks to package indexes.
#[derive(Debug, Clone)]
pub struct IndexConfig {
    /// The primary index (`--index-url`), default PyPI.
    pub index_url: IndexUrl,
    /// Further indexes searched too (`--extra-index-url`); files of all indexes are merged.
    pub extra_index_urls: Vec<IndexUrl>,
    /// A PEM bundle whose certificates are trusted in addition to the system roots.
    pub cert: Option<PathBuf>,
    /// Timeout of each HTTP request (connect + response), default 30 s.
    pub timeout: Duration,
    /// Retries after a connection error, timeout or 5xx answer, with exponential backoff
    /// (250 ms, 500 ms, 1 s...). Default 2, i.e. 3 tries.
    pub retries: u32,
    /// Whether cached pages are used as HTTP caching allows, always revalidated, or used
    /// without any network access. Default [`CachePolicy::Normal`]; set from `--refresh` /
    /// `--offline` by the caller.
    pub cache_policy: CachePolicy,
    /// pip's `--find-links` locations, in order: a local directory (every wheel and sdist in
    /// it), a local `.html` file or an `http(s)://` / `file://` URL of an HTML page (its
    /// `<a href>` links, parsed as PEP 503 anchors). Their files are merged into
    /// [`IndexClient::project_files`](crate::IndexClient::project_files) after the indexes',
    /// matched to projects by filename. Relative paths are relative to the current directory.
    pub find_links: Vec<String>,
    /// pip's `--no-index`: ask no index at all, only [`IndexConfig::find_links`].
    pub no_index: bool,
    /// pip's `--trusted-host`: `host` (any port) or `host:port` entries for which plain
    /// `http://` is allowed and TLS certificates are not verified. Without an entry, plain
    /// `http://` is only allowed to loopback hosts (`localhost`, `127.0.0.0/8`, `::1`), as
    /// pip's secure origins.
    pub trusted_hosts: Vec<String>,
    /// pip's `--proxy` (`PIP_PROXY`, config `proxy`): every request goes through this proxy
    /// (`scheme://[user:pass@]host:port`). Without it, the usual proxy environment variables
    /// (`HTTPS_PROXY`, `NO_PROXY`...) apply.
    pub proxy: Option<String>,
    /// pip's `--refresh-package NAME`: these projects' cached index pages are revalidated
    /// with the server however fresh they are, as [`CachePolicy::Refresh`] does for all.
    pub refresh_projects: std::collections::HashSet<PackageName>,
    /// pip's `--no-proxy-env` (`PIP_NO_PROXY_ENV`, config `no-proxy-env`): the proxy
    /// environment variables (`HTTPS_PROXY`, `ALL_PROXY`...) are not read; `proxy` still
    /// applies.
    pub no_proxy_env: bool,
    /// pip's `--client-cert` (`PIP_CLIENT_CERT`, config `client-cert`): a PEM file holding a
    /// client certificate and its private key, presented to servers that ask for one.
    pub client_cert: Option<PathBuf>,
    /// Projects that come from one index only (a Pipfile entry's `index = "name"`): their
    /// pages are asked of that index alone.
    pub project_indexes: HashMap<PackageName, IndexUrl>,
    /// Whether every other project comes from the primary index alone (pipenv's rule since
    /// 2022.3.23, against dependency confusion) rather than from all indexes merged (pip's).
    pub primary_only: bool,
    /// pip 26's `--uploaded-prior-to`: only files uploaded before this instant (PEP 700
    /// `upload-time`) are listed; a listed file without an upload time (other than a `file:`
    /// URL) makes the listing fail with [`IndexError::NoUploadTime`](crate::IndexError).
    pub uploaded_prior_to: Option<crate::UploadedPriorTo>,
}

impl Default for IndexConfig {
    /// PyPI only, system roots, 30 s timeout, 2 retries, normal caching, no find-links, no
    /// trusted hosts.
    fn default() -> Self {
        Self {
            index_url: IndexUrl::pypi(),
            extra_index_urls: Vec::new(),
            cert: None,
            timeout: DEFAULT_TIMEOUT,
            retries: DEFAULT_RETRIES,
            cache_policy: CachePolicy::Normal,
            find_links: Vec::new(),
            no_index: false,
            trusted_hosts: Vec::new(),
            proxy: None,
            refresh_projects: std::collections::HashSet::new(),
            no_proxy_env: false,
            client_cert: None,
            project_indexes: HashMap::new(),
            primary_only: false,
            uploaded_prior_to: None,
        }
    }
}

/// The keys of pip's configuration [`IndexConfig::from_sources`] reads (pip's index and
/// network options); den's `pip_args` leaves them to it.
pub const INDEX_KEYS: &[&str] = &[
    "index-url",
    "extra-index-url",
    "find-links",
    "trusted-host",
    "no-index",
    "cert",
    "client-cert",
    "proxy",
    "no-proxy-env",
    "timeout",
    "default-timeout",
    "retries",
];

/// The inputs [`IndexConfig::from_sources`] reads: environment variables (den's
/// `DEN_INDEX_URL`, `SSL_CERT_FILE`), pip's configuration and the pip command whose section
/// of it applies. [`ConfigSources::from_process`] gives the real ones; tests build their own.
#[derive(Debug, Clone)]
pub struct ConfigSources {
    /// Environment variables by name.
    pub env: HashMap<String, String>,
    /// pip's configuration files and `PIP_*` variables.
    pub pip: PipConfiguration,
    /// The pip command whose section applies besides `[global]` (`install`, `download`...).
    pub command: String,
}

impl ConfigSources {
    /// The process's variables and pip's configuration as `pip install` reads it (not
    /// isolated): what den's commands other than pip's own (`den venv`, pipenv's, pip-tools')
    /// use, as the pip they stand for runs `pip install`.
    ///
    /// Errors: a configuration file pip would refuse ([`PipConfiguration::load`]).
    pub fn from_process() -> Result<Self, IndexError> {
        Ok(Self {
            env: std::env::vars().collect(),
            pip: PipConfiguration::from_process(false)?,
            command: "install".into(),
        })
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The setting of `keys` (a key and its aliases) for this command.
    fn setting(&self, keys: &[&str]) -> Option<&PipSetting> {
        self.pip.get(&self.command, keys)
    }

    /// The whitespace-separated values of list option `key`, as pip splits them.
    fn list(&self, key: &str) -> Vec<String> {
        let mut values: Vec<String> = Vec::new();
        for value in self
            .setting(&[key])
            .map_or("", |s| s.value.as_str())
            .split_whitespace()
        {
            if !values.iter().any(|v| v == value) {
                values.push(value.to_string());
            }
        }
        values
    }
}

fn parse_index(raw: &str, source: &Path, line: Option<usize>) -> Result<IndexUrl, IndexError> {
    IndexUrl::parse(raw).map_err(|e| match e {
        IndexError::InvalidUrl { url, reason } => IndexError::Config {
            file: source.to_path_buf(),
            line,
            reason: format!("invalid index URL `{url}`: {reason}"),
        },
        other => other,
    })
}

/// pip's `strtobool`: `Some(true)` for `1/true/yes/on/y/t`, `Some(false)` for
/// `0/false/no/off/n/f` (any case, surrounding blanks ignored), `None` for anything else.
pub fn strtobool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" | "y" | "t" => Some(true),
        "0" | "false" | "no" | "off" | "n" | "f" => Some(false),
        _ => None,
    }
}

impl IndexConfig {
    /// The configuration from the real environment and pip config files; see
    /// [`IndexConfig::from_sources`].
    ///
    /// Errors: a malformed URL, number or config file ([`IndexError::Config`] names the file
    /// or variable, and the line).
    pub fn from_env(
        cli_index_url: Option<&str>,
        cli_extra_index_urls: &[String],
    ) -> Result<Self, IndexError> {
        Self::from_sources(
            cli_index_url,
            cli_extra_index_urls,
            &ConfigSources::from_process()?,
        )
    }

    /// The configuration from explicit sources.
    ///
    /// Each key takes pip's value for `sources.command` ([`PipConfiguration::get`]: a
    /// `PIP_*` variable over the command's section over `[global]`, a later file over an
    /// earlier one), and:
    /// - index URL: `cli_index_url` > `DEN_INDEX_URL` > pip's `index-url` > PyPI;
    /// - extra index URLs: `cli_extra_index_urls`, then pip's `extra-index-url` (whitespace-
    ///   or newline-separated), duplicates and the primary index removed;
    /// - CA bundle: pip's `cert` > `SSL_CERT_FILE`;
    /// - timeout (seconds): pip's `timeout` (or `default-timeout`) > 30; retries: pip's
    ///   `retries` > 2;
    /// - find-links and trusted hosts: pip's `find-links` and `trusted-host`, split at
    ///   whitespace;
    /// - no-index: pip's `no-index` (`true`/`false`, `yes`/`no`, `1`/`0`...) > false;
    /// - proxy and client certificate: pip's `proxy` and `client-cert`;
    /// - cache policy: always [`CachePolicy::Normal`] (pip has no such settings).
    ///
    /// Command-line `--find-links` / `--trusted-host` values are appended to the fields by the
    /// caller, and `--no-index` sets [`IndexConfig::no_index`], as pip adds command-line
    /// values to those of its configuration.
    ///
    /// Errors: [`IndexError::Config`] for a malformed URL, number or boolean, naming the
    /// file and line (or the environment variable).
    pub fn from_sources(
        cli_index_url: Option<&str>,
        cli_extra_index_urls: &[String],
        sources: &ConfigSources,
    ) -> Result<Self, IndexError> {
        let cli = Path::new("--index-url");
        let index_url = if let Some(raw) = cli_index_url {
            parse_index(raw, cli, None)?
        } else if let Some(raw) = sources.var("DEN_INDEX_URL") {
            parse_index(raw, Path::new("DEN_INDEX_URL"), None)?
        } else if let Some(setting) = sources.setting(&["index-url"]) {
            parse_index(setting.value.trim(), &setting.source, setting.line)?
        } else {
            IndexUrl::pypi()
        };

        let mut extra_index_urls: Vec<IndexUrl> = Vec::new();
        let mut add_extra = |url: IndexUrl| {
            if url != index_url && !extra_index_urls.contains(&url) {
                extra_index_urls.push(url);
            }
        };
        for raw in cli_extra_index_urls {
            add_extra(parse_index(raw, Path::new("--extra-index-url"), None)?);
        }
        if let Some(setting) = sources.setting(&["extra-index-url"]) {
            for raw in setting.value.split_whitespace() {
                add_extra(parse_index(raw, &setting.source, setting.line)?);
            }
        }

        let value = |key: &str| {
            sources
                .setting(&[key])
                .map(|s| s.value.trim())
                .filter(|v| !v.is_empty())
        };
        let cert = value("cert")
            .or_else(|| sources.var("SSL_CERT_FILE"))
            .map(PathBuf::from);

        let number = |keys: &[&str]| -> Result<Option<f64>, IndexError> {
            let Some(setting) = sources.setting(keys) else {
                return Ok(None);
            };
            let raw = setting.value.trim();
            raw.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(Some)
                .ok_or_else(|| {
                    setting.error(format!(
                        "`{}` must be a non-negative number, not `{raw}`",
                        keys[0]
                    ))
                })
        };
        let timeout = number(&["timeout", "default-timeout"])?
            .map_or(DEFAULT_TIMEOUT, Duration::from_secs_f64);
        let retries = number(&["retries"])?.map_or(DEFAULT_RETRIES, |n| n as u32);

        let flag = |key: &str| -> Result<bool, IndexError> {
            match sources.setting(&[key]) {
                Some(setting) => strtobool(&setting.value).ok_or_else(|| {
                    setting.error(format!(
                        "`{key}` must be true or false (or yes/no, on/off, 1/0), not `{}`",
                        setting.value.trim()
                    ))
                }),
                None => Ok(false),
            }
        };
        let no_index = flag("no-index")?;
        let no_proxy_env = flag("no-proxy-env")?;

        Ok(Self {
            index_url,
            extra_index_urls,
            cert,
            timeout,
            retries,
            cache_policy: CachePolicy::Normal,
            find_links: sources.list("find-links"),
            no_index,
            trusted_hosts: sources.list("trusted-host"),
            proxy: value("proxy").map(str::to_string),
            refresh_projects: std::collections::HashSet::new(),
            no_proxy_env,
            client_cert: value("client-cert").map(PathBuf::from),
            project_indexes: HashMap::new(),
            primary_only: false,
            uploaded_prior_to: None,
        })
    }

    /// The indexes to ask for the project `name`: its own index
    /// ([`IndexConfig::project_indexes`]), else the primary one alone with
    /// [`IndexConfig::primary_only`], else [`IndexConfig::indexes`].
    pub fn indexes_for(&self, name: &PackageName) -> Vec<&IndexUrl> {
        if self.no_index {
            return Vec::new();
        }
        match self.project_indexes.get(name) {
            Some(index) => vec![index],
            None if self.primary_only => vec![&self.index_url],
            None => self.indexes().collect(),
        }
    }

    /// The indexes to ask: the primary index followed by the extra indexes, or none with
    /// [`IndexConfig::no_index`].
    pub fn indexes(&self) -> impl Iterator<Item = &IndexUrl> {
        let all = std::iter::once(&self.index_url).chain(&self.extra_index_urls);
        all.take(if self.no_index { 0 } else { usize::MAX })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The configuration for `pip install` from the variables `env` and the pip config
    /// `files`, highest precedence first.
    fn index_config(
        cli_index_url: Option<&str>,
        cli_extra_index_urls: &[String],
        env: &[(&str, &str)],
        files: &[&Path],
    ) -> Result<IndexConfig, IndexError> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let paths: Vec<PathBuf> = files.iter().rev().map(|p| p.to_path_buf()).collect();
        let sources = ConfigSources {
            pip: PipConfiguration::from_files(&paths, &env, false)?,
            env,
            command: "install".into(),
        };
        IndexConfig::from_sources(cli_index_url, cli_extra_index_urls, &sources)
    }

    #[test]
    fn defaults_to_pypi() {
        let config = index_config(None, &[], &[], &[]).unwrap();
        assert_eq!(config.index_url, IndexUrl::pypi());
        assert!(config.extra_index_urls.is_empty());
        assert_eq!(config.timeout, DEFAULT_TIMEOUT);
        assert_eq!(config.retries, DEFAULT_RETRIES);
        assert!(config.cert.is_none());
    }

    #[test]
    fn follows_precedence() {
        let dir = tempfile::tempdir().unwrap();
        let high = dir.path().join("high.conf");
        let low = dir.path().join("low.conf");
        std::fs::write(
            &high,
            "[global]\nindex-url = https://global.example/simple\n\
             [install]\nindex_url = https://install.example/simple\n\
             extra-index-url =\n    https://x1.example/simple\n    https://x2.example/simple\n\
             timeout: 7.5\n",
        )
        .unwrap();
        std::fs::write(
            &low,
            "# comment\n[global]\nindex-url = https://low.example/simple\ncert = /low.pem\nretries = 9\n",
        )
        .unwrap();
        let files = [high.as_path(), low.as_path()];

        let config = index_config(None, &[], &[], &files).unwrap();
        assert_eq!(
            config.index_url.to_string(),
            "https://install.example/simple/"
        );
        assert_eq!(config.extra_index_urls.len(), 2);
        assert_eq!(config.timeout, Duration::from_millis(7500));
        assert_eq!(config.retries, 9);
        assert_eq!(config.cert, Some(PathBuf::from("/low.pem")));

        let env = [
            ("PIP_INDEX_URL", "https://pip.example/simple"),
            (
                "PIP_EXTRA_INDEX_URL",
                "https://x2.example/simple https://x3.example/",
            ),
            ("PIP_CERT", "/env.pem"),
            ("SSL_CERT_FILE", "/ssl.pem"),
        ];
        let config = index_config(None, &[], &env, &files).unwrap();
        assert_eq!(config.index_url.to_string(), "https://pip.example/simple/");
        let extras: Vec<String> = config
            .extra_index_urls
            .iter()
            .map(|u| u.to_string())
            .collect();
        // The variable replaces the files' list, as in pip.
        assert_eq!(
            extras,
            ["https://x2.example/simple/", "https://x3.example/"]
        );
        assert_eq!(config.cert, Some(PathBuf::from("/env.pem")));

        let env = [
            ("DEN_INDEX_URL", "https://den.example/simple"),
            ("PIP_INDEX_URL", "https://pip.example/simple"),
        ];
        let config = index_config(None, &[], &env, &files).unwrap();
        assert_eq!(config.index_url.to_string(), "https://den.example/simple/");
        let config = index_config(
            Some("https://cli.example/simple"),
            &["https://den.example/simple".to_string()],
            &env,
            &files,
        )
        .unwrap();
        assert_eq!(config.index_url.to_string(), "https://cli.example/simple/");
        assert_eq!(
            config.extra_index_urls[0].to_string(),
            "https://den.example/simple/"
        );

        let config = index_config(None, &[], &[("SSL_CERT_FILE", "/ssl.pem")], &[]).unwrap();
        assert_eq!(config.cert, Some(PathBuf::from("/ssl.pem")));
    }

    #[test]
    fn reports_config_errors_with_location() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("pip.conf");
        std::fs::write(&bad, "[global]\nindex-url = ftp://u:secret@host/\n").unwrap();
        let err = index_config(None, &[], &[], &[&bad])
            .unwrap_err()
            .to_string();
        assert!(err.contains("pip.conf:2"), "{err}");
        assert!(!err.contains("secret"), "{err}");

        std::fs::write(&bad, "index-url = https://x/\n").unwrap();
        let err = index_config(None, &[], &[], &[&bad])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("pip.conf:1") && err.contains("[global]"),
            "{err}"
        );

        let err = index_config(None, &[], &[("PIP_TIMEOUT", "soon")], &[])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("PIP_TIMEOUT: `timeout` must be"), "{err}");
    }

    #[test]
    fn reads_a_real_pip_conf() {
        // A pip.conf as pip's documentation and company setups write them: tab- and
        // space-indented continuation lines, `key: value`, `_` in keys, comments, blank
        // lines, an `[install]` section overriding `[global]`.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pip.conf");
        std::fs::write(
            &file,
            "# written by the mirror setup\n[global]\ntimeout = 60\n\
             index-url = https://pypi.mirror.example/simple\nextra-index-url =\n\
             \thttps://one.example/simple\n\thttps://two.example/simple\n\n\
             trusted_host = one.example\n               two.example\n\n\
             [install]\n; local wheels first\nfind-links:\n    /opt/wheels\ntimeout: 90\n",
        )
        .unwrap();
        let config = index_config(None, &[], &[], &[&file]).unwrap();
        assert_eq!(
            config.index_url.to_string(),
            "https://pypi.mirror.example/simple/"
        );
        let extras: Vec<String> = config
            .extra_index_urls
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            extras,
            ["https://one.example/simple/", "https://two.example/simple/"]
        );
        assert_eq!(config.trusted_hosts, ["one.example", "two.example"]);
        assert_eq!(config.find_links, ["/opt/wheels"]);
        assert_eq!(config.timeout, Duration::from_secs(90));
    }

    #[test]
    fn reads_find_links_no_index_and_trusted_hosts() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pip.conf");
        std::fs::write(
            &file,
            "[global]\nfind-links =\n    /wheels\n    https://h.example/links.html\n\
             trusted-host = h.example mirror:8080\nno-index = yes\n",
        )
        .unwrap();
        let config = index_config(None, &[], &[], &[&file]).unwrap();
        assert_eq!(
            config.find_links,
            ["/wheels", "https://h.example/links.html"]
        );
        assert_eq!(config.trusted_hosts, ["h.example", "mirror:8080"]);
        assert!(config.no_index);
        assert_eq!(config.indexes().count(), 0);
        assert_eq!(config.cache_policy, CachePolicy::Normal);

        let env = [
            ("PIP_FIND_LINKS", "/env-wheels /wheels"),
            ("PIP_TRUSTED_HOST", "env.example"),
            ("PIP_NO_INDEX", "0"),
        ];
        // Variables replace the files' lists, as in pip.
        let config = index_config(None, &[], &env, &[&file]).unwrap();
        assert_eq!(config.find_links, ["/env-wheels", "/wheels"]);
        assert_eq!(config.trusted_hosts, ["env.example"]);
        assert!(!config.no_index);
        assert_eq!(config.indexes().count(), 1);

        let err = index_config(None, &[], &[("PIP_NO_INDEX", "maybe")], &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("PIP_NO_INDEX: `no-index` must be true or false"),
            "{err}"
        );
    }

    /// A command's own section beats `[global]` whatever the files' order, and another
    /// command's section does not apply.
    #[test]
    fn section_beats_file_order() {
        let dir = tempfile::tempdir().unwrap();
        let later = dir.path().join("env.conf");
        let earlier = dir.path().join("site.conf");
        std::fs::write(&later, "[global]\nindex-url = https://global.example/\n").unwrap();
        std::fs::write(
            &earlier,
            "[install]\nindex-url = https://install.example/\n\
             [download]\nindex-url = https://download.example/\n",
        )
        .unwrap();
        let config = index_config(None, &[], &[], &[&later, &earlier]).unwrap();
        assert_eq!(config.index_url.to_string(), "https://install.example/");
        let env = HashMap::new();
        let pip = PipConfiguration::from_files(std::slice::from_ref(&later), &env, false).unwrap();
        let sources = ConfigSources {
            env,
            pip,
            command: "index".into(),
        };
        let config = IndexConfig::from_sources(None, &[], &sources).unwrap();
        assert_eq!(config.index_url.to_string(), "https://global.example/");
    }
}
