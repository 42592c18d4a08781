//! Distributions installed in site-packages directories: `.dist-info` (PEP 376, PEP 627) and,
//! read-only, legacy `.egg-info`; plus `direct_url.json` (PEP 610) and `pip freeze` lines.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use den_dist::{CoreMetadata, PackageName, Version};

use crate::InstallError;
use crate::error::io_err;
use crate::record::{RecordEntry, parse_record};

/// Which metadata format an installed distribution uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistKind {
    /// A `.dist-info` directory (wheels, modern installers): listable and uninstallable.
    DistInfo,
    /// A legacy `.egg-info` directory with a `PKG-INFO` inside (setuptools, distutils).
    EggInfoDir,
    /// A legacy `.egg-info` file that is itself the `PKG-INFO` (distutils, Debian packages).
    EggInfoFile,
}

/// One distribution found in a site-packages directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledDist {
    /// Normalized project name.
    pub name: PackageName,
    /// Installed version.
    pub version: Version,
    /// The `.dist-info` / `.egg-info` directory (or file).
    pub path: PathBuf,
    /// The metadata format.
    pub kind: DistKind,
}

impl InstalledDist {
    /// Reads the distribution at `path` (a `*.dist-info` / `*.egg-info` entry). Name and
    /// version come from the entry's name (`{name}-{version}.dist-info`) when they parse,
    /// else from its metadata file.
    ///
    /// Returns `None` when `path` has neither suffix. Errors: the metadata is needed but
    /// missing or invalid.
    pub fn from_path(path: &Path) -> Result<Option<Self>, InstallError> {
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            return Ok(None);
        };
        let (stem, kind) = if let Some(stem) = file_name.strip_suffix(".dist-info") {
            (stem, DistKind::DistInfo)
        } else if let Some(stem) = file_name.strip_suffix(".egg-info") {
            let kind = if path.is_dir() {
                DistKind::EggInfoDir
            } else {
                DistKind::EggInfoFile
            };
            (stem, kind)
        } else {
            return Ok(None);
        };
        let mut parts = stem.split('-');
        let parsed = match (parts.next(), parts.next()) {
            (Some(name), Some(version)) => PackageName::from_str(name)
                .ok()
                .zip(Version::from_str(version).ok()),
            _ => None,
        };
        let (name, version) = match parsed {
            Some(parsed) => parsed,
            None => {
                let metadata = read_metadata(&metadata_path(kind, path))?;
                (metadata.name, metadata.version)
            }
        };
        let dist = Self {
            name,
            version,
            path: path.to_path_buf(),
            kind,
        };
        Ok(Some(dist))
    }

    /// The metadata file: `METADATA` (dist-info), `PKG-INFO` (egg-info dir) or the egg-info
    /// file itself.
    pub fn metadata_path(&self) -> PathBuf {
        metadata_path(self.kind, &self.path)
    }

    /// The site-packages directory holding this distribution; RECORD paths are relative to it.
    pub fn site_packages(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// Parses the core metadata (Core metadata specification).
    ///
    /// Errors: the file is missing/unreadable ([`InstallError::Io`]) or does not parse
    /// ([`InstallError::Metadata`]).
    pub fn metadata(&self) -> Result<CoreMetadata, InstallError> {
        read_metadata(&self.metadata_path())
    }

    /// The content of `INSTALLER` (PEP 376 §INSTALLER: `pip`, `den`, ...), trimmed; `None`
    /// when absent or empty.
    pub fn installer(&self) -> Option<String> {
        let text = fs::read_to_string(self.path.join("INSTALLER")).ok()?;
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_string())
    }

    /// Whether the user asked for this distribution directly (PEP 376 §REQUESTED).
    pub fn requested(&self) -> bool {
        self.kind == DistKind::DistInfo && self.path.join("REQUESTED").is_file()
    }

    /// The RECORD rows (PEP 376 §RECORD).
    ///
    /// Errors: legacy egg-info ([`InstallError::LegacyDistribution`]), a missing RECORD
    /// ([`InstallError::Io`]) or malformed CSV ([`InstallError::Record`]).
    pub fn record(&self) -> Result<Vec<RecordEntry>, InstallError> {
        if self.kind != DistKind::DistInfo {
            return Err(InstallError::LegacyDistribution {
                path: self.path.clone(),
                action: "read the RECORD of",
            });
        }
        let path = self.path.join("RECORD");
        let text = fs::read_to_string(&path).map_err(io_err("read", &path))?;
        parse_record(&text, &path)
    }

    /// The PEP 440 direct reference recorded in `direct_url.json` (PEP 610): for VCS
    /// installs `git+https://host/repo@<commit>`, for archives `https://host/x.whl#sha256=...`,
    /// for local directories `file:///path`; a `subdirectory` becomes a URL fragment. The
    /// bool is true for editable installs. `None` when the file is absent.
    ///
    /// Errors: [`InstallError::DirectUrl`] when the JSON is invalid or lacks `url`.
    pub fn direct_url(&self) -> Result<Option<(String, bool)>, InstallError> {
        let path = self.path.join("direct_url.json");
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err("read", &path)(e)),
        };
        direct_reference(&text)
            .map(Some)
            .map_err(|reason| InstallError::DirectUrl { path, reason })
    }

    /// The project name as the metadata spells it (`Foo.Bar`), else the normalized name
    /// (`foo-bar`) when the metadata is unreadable. Reads the metadata file each call.
    pub fn display_name(&self) -> String {
        self.metadata()
            .map(|m| m.display_name)
            .unwrap_or_else(|_| self.name.to_string())
    }

    /// The `pip freeze` line: `Name==1.0` with the METADATA spelling of the name
    /// ([`InstalledDist::display_name`]), `Name @ <url>` for PEP 610 direct URL installs,
    /// `-e <url>` for editable ones. Falls back to `==` when `direct_url.json` is invalid (as
    /// pip does, with a warning).
    pub fn freeze_line(&self) -> String {
        self.freeze_line_as(&self.display_name())
    }

    /// [`InstalledDist::freeze_line`] with `name` (the [`InstalledDist::display_name`] the
    /// caller already read) instead of reading the metadata again.
    pub fn freeze_line_as(&self, name: &str) -> String {
        match self.direct_url() {
            Ok(Some((url, true))) => format!("-e {url}"),
            Ok(Some((url, false))) => format!("{name} @ {url}"),
            Ok(None) => format!("{name}=={}", self.version),
            Err(e) => {
                tracing::warn!("{e}");
                format!("{name}=={}", self.version)
            }
        }
    }
}

/// Where the metadata of a `kind` distribution at `path` lives.
fn metadata_path(kind: DistKind, path: &Path) -> PathBuf {
    match kind {
        DistKind::DistInfo => path.join("METADATA"),
        DistKind::EggInfoDir => path.join("PKG-INFO"),
        DistKind::EggInfoFile => path.to_path_buf(),
    }
}

/// Reads and parses a core metadata file.
pub(crate) fn read_metadata(path: &Path) -> Result<CoreMetadata, InstallError> {
    let bytes = fs::read(path).map_err(io_err("read", path))?;
    CoreMetadata::parse(&bytes).map_err(|source| InstallError::Metadata {
        path: path.to_path_buf(),
        source,
    })
}

/// Converts `direct_url.json` text to a PEP 440 direct reference and an editable flag.
pub(crate) fn direct_reference(text: &str) -> Result<(String, bool), String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let url = json
        .get("url")
        .and_then(|u| u.as_str())
        .ok_or("it has no string `url`")?;
    let str_field = |object: &str, key: &str| {
        json.get(object)
            .and_then(|o| o.get(key))
            .and_then(|v| v.as_str())
    };
    let mut fragments = Vec::new();
    let mut editable = false;
    let mut reference = url.to_string();
    if let Some(vcs) = str_field("vcs_info", "vcs") {
        let commit = str_field("vcs_info", "commit_id").ok_or("`vcs_info` has no `commit_id`")?;
        reference = format!("{vcs}+{url}@{commit}");
    } else if json.get("archive_info").is_some() {
        let hash = str_field("archive_info", "hash")
            .map(str::to_string)
            .or_else(|| {
                json.get("archive_info")?
                    .get("hashes")?
                    .as_object()?
                    .iter()
                    .find_map(|(algo, value)| Some(format!("{algo}={}", value.as_str()?)))
            });
        fragments.extend(hash);
    } else if json.get("dir_info").is_some() {
        editable = json
            .get("dir_info")
            .and_then(|d| d.get("editable"))
            .and_then(|e| e.as_bool())
            .unwrap_or(false);
    }
    if let Some(subdirectory) = json.get("subdirectory").and_then(|s| s.as_str()) {
        fragments.push(format!("subdirectory={subdirectory}"));
    }
    if !fragments.is_empty() {
        reference = format!("{reference}#{}", fragments.join("&"));
    }
    Ok((reference, editable))
}

/// Every installed distribution in `site_packages`, directory by directory, each sorted by
/// entry name: `*.dist-info` directories and legacy `*.egg-info` directories/files.
/// Directories that do not exist are skipped; entries whose name and metadata are both
/// unreadable are skipped with a warning, so one broken distribution does not hide the rest.
///
/// Errors: a directory exists but cannot be listed ([`InstallError::Io`]).
pub fn installed_distributions(
    site_packages: &[PathBuf],
) -> Result<Vec<InstalledDist>, InstallError> {
    let mut dists = Vec::new();
    for dir in site_packages {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io_err("list", dir)(e)),
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
        paths.sort();
        for path in paths {
            match InstalledDist::from_path(&path) {
                Ok(Some(dist)) => dists.push(dist),
                Ok(None) => {}
                Err(e) => tracing::warn!("skipping {}: {e}", path.display()),
            }
        }
    }
    Ok(dists)
}

/// The first distribution named `name` in `site_packages` (in the order given), for
/// upgrade / no-op decisions.
///
/// Errors: as [`installed_distributions`].
pub fn find_installed(
    site_packages: &[PathBuf],
    name: &PackageName,
) -> Result<Option<InstalledDist>, InstallError> {
    Ok(installed_distributions(site_packages)?
        .into_iter()
        .find(|dist| &dist.name == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_references_follow_pep_610() {
        let vcs = r#"{"url": "https://g/x.git", "vcs_info": {"vcs": "git", "commit_id": "abc"}, "subdirectory": "sub"}"#;
        assert_eq!(
            direct_reference(vcs).unwrap(),
            (
                "git+https://g/x.git@abc#subdirectory=sub".to_string(),
                false
            )
        );
        let archive = r#"{"url": "https://h/x.whl", "archive_info": {"hashes": {"sha256": "ff"}}}"#;
        assert_eq!(
            direct_reference(archive).unwrap().0,
            "https://h/x.whl#sha256=ff"
        );
        let dir = r#"{"url": "file:///src/x", "dir_info": {"editable": true}}"#;
        assert_eq!(
            direct_reference(dir).unwrap(),
            ("file:///src/x".to_string(), true)
        );
        assert!(direct_reference("{}").is_err());
    }

    #[test]
    fn lists_dist_info_and_egg_info() {
        let dir = tempfile::tempdir().unwrap();
        let sp = dir.path().to_path_buf();
        let dist_info = sp.join("Foo_Bar-1.0.dist-info");
        fs::create_dir(&dist_info).unwrap();
        fs::write(
            dist_info.join("METADATA"),
            "Metadata-Version: 2.1\nName: Foo.Bar\nVersion: 1.0\n",
        )
        .unwrap();
        fs::write(dist_info.join("INSTALLER"), "pip\n").unwrap();
        fs::write(
            sp.join("legacy-2.0-py3.11.egg-info"),
            "Metadata-Version: 1.1\nName: legacy\nVersion: 2.0\n",
        )
        .unwrap();
        let weird = sp.join("weird.egg-info");
        fs::create_dir(&weird).unwrap();
        fs::write(
            weird.join("PKG-INFO"),
            "Metadata-Version: 1.1\nName: Weird\nVersion: 3\n",
        )
        .unwrap();
        fs::create_dir(sp.join("foo_bar")).unwrap();
        let dists = installed_distributions(&[sp.clone(), sp.join("missing")]).unwrap();
        let summary: Vec<_> = dists
            .iter()
            .map(|d| (d.name.to_string(), d.kind, d.freeze_line()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "foo-bar".to_string(),
                    DistKind::DistInfo,
                    "Foo.Bar==1.0".to_string()
                ),
                (
                    "legacy".to_string(),
                    DistKind::EggInfoFile,
                    "legacy==2.0".to_string()
                ),
                (
                    "weird".to_string(),
                    DistKind::EggInfoDir,
                    "Weird==3".to_string()
                ),
            ]
        );
        assert_eq!(dists[0].installer().as_deref(), Some("pip"));
        assert!(!dists[0].requested());
        assert!(matches!(
            dists[1].record(),
            Err(InstallError::LegacyDistribution { .. })
        ));
        let name = PackageName::from_str("FOO-bar").unwrap();
        assert_eq!(find_installed(&[sp], &name).unwrap().unwrap(), dists[0]);
    }
}
