//! The download index: uv's `download-metadata.json` format, the bundled copy, the platform's
//! entries and mirrors.

use std::io::Read;
use std::path::Path;

use den_dist::IoResultExt;
use den_index::{IndexClient, redact};
use serde::{Deserialize, Serialize};

use crate::InstallError;

/// The variable naming a download index (a path or an `http(s)`/`file` URL) that replaces
/// den's bundled one. uv's variable of the same meaning is `UV_PYTHON_DOWNLOADS_JSON_URL`.
pub const DOWNLOADS_JSON_VARIABLE: &str = "DEN_PYTHON_DOWNLOADS_JSON_URL";

/// The variable whose value replaces [`DEFAULT_DOWNLOAD_PREFIX`] in download URLs (`file://`
/// URLs included); uv's is `UV_PYTHON_INSTALL_MIRROR`.
pub const MIRROR_VARIABLE: &str = "DEN_PYTHON_INSTALL_MIRROR";

/// Where python-build-standalone's releases are; a mirror replaces this prefix.
pub const DEFAULT_DOWNLOAD_PREFIX: &str =
    "https://github.com/astral-sh/python-build-standalone/releases/download";

/// uv's download-metadata.json, trimmed to den's platforms, gzipped
/// (`data/trim-download-metadata.py` writes it; `data/SOURCE` says from which uv).
const BUNDLED: &[u8] = include_bytes!("../data/download-metadata.json.gz");

/// A build's architecture, as uv writes it: `{"family": "x86_64", "variant": null}`
/// (`variant` is a micro-architecture level such as `v3`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadArch {
    /// `x86_64`, `aarch64`...
    pub family: String,
    /// `v2`, `v3`, `v4`, or none for the baseline build.
    pub variant: Option<String>,
}

/// One entry of the index, field for field as uv writes it (keyed by names such as
/// `cpython-3.12.8-linux-x86_64-gnu`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Download {
    /// The implementation: `cpython` (also `pypy`, `graalpy` in uv's full file).
    pub name: String,
    /// The architecture.
    pub arch: DownloadArch,
    /// `linux`, `darwin`, `windows`...
    pub os: String,
    /// `gnu`, `musl`, `none` (macOS)...
    pub libc: String,
    /// Major version.
    pub major: u64,
    /// Minor version.
    pub minor: u64,
    /// Patch version.
    pub patch: u64,
    /// `a2`, `rc1`, or empty for a final release.
    #[serde(default)]
    pub prerelease: String,
    /// Where the archive is.
    pub url: String,
    /// The archive's SHA-256 (hex), when known.
    #[serde(default)]
    pub sha256: Option<String>,
    /// `freethreaded`, `debug`, `freethreaded+debug`, or none for the default build.
    #[serde(default)]
    pub variant: Option<String>,
    /// python-build-standalone's release tag (`20241219`).
    #[serde(default)]
    pub build: Option<String>,
}

impl Download {
    /// The name pyenv gives this version: `3.12.8`, `3.14.0rc1`, with `t` for a
    /// free-threaded build (`3.13.1t`).
    pub fn version_name(&self) -> String {
        let threaded = match self.variant.as_deref() {
            Some(variant) if variant.contains("freethreaded") => "t",
            _ => "",
        };
        format!(
            "{}.{}.{}{}{threaded}",
            self.major, self.minor, self.patch, self.prerelease
        )
    }

    /// The archive's file name: the URL's last segment, percent-decoded.
    pub fn filename(&self) -> String {
        let last = self.url.rsplit('/').next().unwrap_or_default();
        percent_encoding::percent_decode_str(last)
            .decode_utf8_lossy()
            .into_owned()
    }
}

/// The machine an archive must fit: uv's `os`, architecture family and `libc` words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// `linux` or `darwin`.
    pub os: String,
    /// `x86_64` or `aarch64`.
    pub arch: String,
    /// `gnu` or `musl` on Linux, `none` on macOS.
    pub libc: String,
}

impl Platform {
    /// This machine: den's own OS and architecture; on Linux `musl` when the system's
    /// dynamic loader is musl's (`/lib/ld-musl-*.so.1`) and glibc's is absent, else `gnu`.
    pub fn current() -> Self {
        let os = match std::env::consts::OS {
            "macos" => "darwin",
            other => other,
        };
        let arch = std::env::consts::ARCH.to_string();
        let libc = if os == "linux" {
            let musl = Path::new(&format!("/lib/ld-musl-{arch}.so.1")).exists();
            let glibc = [
                "/lib64/ld-linux-x86-64.so.2",
                "/lib/ld-linux-aarch64.so.1",
                "/lib/x86_64-linux-gnu/libc.so.6",
                "/lib/aarch64-linux-gnu/libc.so.6",
                "/lib64/libc.so.6",
            ]
            .iter()
            .any(|file| Path::new(file).exists());
            if musl && !glibc { "musl" } else { "gnu" }
        } else {
            "none"
        };
        Self {
            os: os.to_string(),
            arch,
            libc: libc.to_string(),
        }
    }

    /// Whether `download` is a CPython `.tar.gz` install archive for this platform (the
    /// baseline architecture level, any variant).
    fn fits(&self, download: &Download) -> bool {
        download.name == "cpython"
            && download.os == self.os
            && download.arch.family == self.arch
            && download.arch.variant.is_none()
            && download.libc == self.libc
            && download.url.ends_with(".tar.gz")
    }
}

/// The parsed download index: its entries in file order, with their keys.
#[derive(Debug, Clone)]
pub struct DownloadIndex {
    entries: Vec<(String, Download)>,
}

impl DownloadIndex {
    /// den's bundled index.
    ///
    /// Errors: [`InstallError::BadIndex`] if the bundled data does not decompress or parse
    /// (a broken build of den).
    pub fn bundled() -> Result<Self, InstallError> {
        let origin = "den's bundled index";
        let mut text = String::new();
        flate2::read::GzDecoder::new(BUNDLED)
            .read_to_string(&mut text)
            .map_err(|err| InstallError::BadIndex {
                origin: origin.to_string(),
                reason: err.to_string(),
            })?;
        Self::parse(&text, origin)
    }

    /// Parses index text (`origin` names it in errors).
    ///
    /// Errors: [`InstallError::BadIndex`] naming `origin` and where the JSON is wrong.
    pub fn parse(text: &str, origin: &str) -> Result<Self, InstallError> {
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).map_err(|err| InstallError::BadIndex {
                origin: origin.to_string(),
                reason: err.to_string(),
            })?;
        let mut entries = Vec::with_capacity(map.len());
        for (key, value) in map {
            let download: Download =
                serde_json::from_value(value).map_err(|err| InstallError::BadIndex {
                    origin: origin.to_string(),
                    reason: format!("entry `{key}`: {err}"),
                })?;
            entries.push((key, download));
        }
        Ok(Self { entries })
    }

    /// Every entry with its key, in file order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Download)> {
        self.entries.iter().map(|(key, d)| (key.as_str(), d))
    }

    /// The version names ([`Download::version_name`]) with an archive for `platform`, each
    /// once, in pyenv's listing order (GNU version sort).
    pub fn version_names(&self, platform: &Platform) -> Vec<String> {
        let mut names: Vec<String> = self
            .entries
            .iter()
            .filter(|(_, d)| platform.fits(d))
            .map(|(_, d)| d.version_name())
            .collect();
        names.sort_by(|a, b| den_python::version_sort(a, b));
        names.dedup();
        names
    }

    /// The archive for the version `name` (as [`Download::version_name`] writes it) on
    /// `platform`: the default variant, or the free-threaded one for a name ending in `t`;
    /// of several, the newest python-build-standalone release.
    pub fn find(&self, platform: &Platform, name: &str) -> Option<&Download> {
        self.entries
            .iter()
            .map(|(_, d)| d)
            .filter(|d| platform.fits(d) && d.version_name() == name)
            .filter(|d| !d.variant.as_deref().is_some_and(|v| v.contains("debug")))
            .max_by(|a, b| a.build.cmp(&b.build))
    }

    /// The entry whose archive file name is `filename` (to check a local archive against).
    pub fn by_filename(&self, filename: &str) -> Option<&Download> {
        self.entries
            .iter()
            .map(|(_, d)| d)
            .find(|d| d.filename() == filename)
    }
}

/// `url` with [`DEFAULT_DOWNLOAD_PREFIX`] replaced by `mirror` (a trailing `/` ignored).
pub fn mirror_url(url: &str, mirror: Option<&str>) -> String {
    match (mirror, url.strip_prefix(DEFAULT_DOWNLOAD_PREFIX)) {
        (Some(mirror), Some(rest)) => format!("{}{rest}", mirror.trim_end_matches('/')),
        _ => url.to_string(),
    }
}

/// The index to use: the one `DEN_PYTHON_DOWNLOADS_JSON_URL` names (a path, or an
/// `http(s)`/`file` URL fetched through `client`), else [`DownloadIndex::bundled`].
///
/// Errors: [`InstallError::BadIndex`] for a file that does not parse or a value that is no
/// path or URL, [`InstallError::Index`] for a download that failed, [`InstallError::Io`]
/// for an unreadable file.
pub async fn load_index(client: &IndexClient) -> Result<DownloadIndex, InstallError> {
    let Some(value) = std::env::var(DOWNLOADS_JSON_VARIABLE)
        .ok()
        .filter(|v| !v.is_empty())
    else {
        return DownloadIndex::bundled();
    };
    let path = match url::Url::parse(&value) {
        Ok(url) if matches!(url.scheme(), "http" | "https" | "file") => {
            client.download_url(&url, &[]).await?
        }
        // A Windows drive letter or a plain path.
        _ => Path::new(&value).to_path_buf(),
    };
    let text = std::fs::read_to_string(&path).at("read", &path)?;
    let origin = match url::Url::parse(&value) {
        Ok(url) => redact(&url),
        Err(_) => value.clone(),
    };
    DownloadIndex::parse(&text, &origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_index_parses_and_has_this_platform() {
        let index = DownloadIndex::bundled().unwrap();
        let linux = Platform {
            os: "linux".into(),
            arch: "x86_64".into(),
            libc: "gnu".into(),
        };
        let names = index.version_names(&linux);
        assert!(names.iter().any(|n| n.starts_with("3.12.")), "{names:?}");
        let newest = den_python::latest_of("3.12", &names).unwrap();
        let download = index.find(&linux, &newest).unwrap();
        assert!(download.url.starts_with(DEFAULT_DOWNLOAD_PREFIX));
        assert!(download.filename().contains('+'), "{}", download.filename());
        assert!(download.url.ends_with("install_only_stripped.tar.gz"));
        assert_eq!(download.sha256.as_deref().map(str::len), Some(64));
        for os in [("darwin", "none"), ("linux", "musl")] {
            for arch in ["x86_64", "aarch64"] {
                let platform = Platform {
                    os: os.0.into(),
                    arch: arch.into(),
                    libc: os.1.into(),
                };
                assert!(!index.version_names(&platform).is_empty(), "{platform:?}");
            }
        }
    }

    #[test]
    fn mirrors_replace_the_prefix() {
        let url = format!("{DEFAULT_DOWNLOAD_PREFIX}/20241219/cpython-3.12.8%2B20241219-x.tar.gz");
        assert_eq!(
            mirror_url(&url, Some("file:///srv/m/")),
            "file:///srv/m/20241219/cpython-3.12.8%2B20241219-x.tar.gz"
        );
        assert_eq!(mirror_url(&url, None), url);
        assert_eq!(
            mirror_url("https://other/x", Some("file:///m")),
            "https://other/x"
        );
    }

    #[test]
    fn bad_index_names_its_origin() {
        let err = DownloadIndex::parse("{\"x\": {\"name\": 1}}", "/tmp/i.json").unwrap_err();
        assert!(err.to_string().contains("/tmp/i.json"), "{err}");
        assert!(err.to_string().contains("entry `x`"), "{err}");
    }
}
