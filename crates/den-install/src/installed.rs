//! Distributions installed in site-packages directories: `.dist-info` (PEP 376, PEP 627) and
//! legacy `.egg-info`; plus `direct_url.json` (PEP 610) and `pip freeze` lines.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use den_dist::{CoreMetadata, DirectUrl, PackageName, Version};

use crate::InstallError;
use crate::record::{RecordEntry, parse_record};
use crate::vcs::editable_git_entry;
use den_dist::{IoError, IoResultExt};

/// Which metadata format an installed distribution uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistKind {
    /// A `.dist-info` directory (wheels, modern installers): listable and uninstallable.
    DistInfo,
    /// A legacy `.egg-info` directory with a `PKG-INFO` inside (setuptools, distutils):
    /// uninstallable from its `installed-files.txt` or `top_level.txt`.
    EggInfoDir,
    /// A legacy `.egg-info` file that is itself the `PKG-INFO` (distutils, Debian packages):
    /// listable only (it does not say which files are its own).
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
    /// Returns `None` when `path` has neither suffix, or is a `.dist-info` that is not a
    /// directory. Errors: the metadata is needed but
    /// missing or invalid.
    pub fn from_path(path: &Path) -> Result<Option<Self>, InstallError> {
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            return Ok(None);
        };
        let (stem, kind) = if let Some(stem) = file_name.strip_suffix(".dist-info") {
            // A file named like one is not a distribution (importlib.metadata skips it too).
            if !path.is_dir() {
                return Ok(None);
            }
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
        let text = fs::read_to_string(&path).at("read", &path)?;
        parse_record(&text, &path)
    }

    /// The parsed `direct_url.json` (PEP 610): where a distribution installed from a URL or
    /// a local path came from; `None` when the file is absent (an index install).
    ///
    /// Errors: [`InstallError::DirectUrl`] when the file is not valid PEP 610 JSON,
    /// [`InstallError::Io`] when it exists but cannot be read.
    pub fn direct_url(&self) -> Result<Option<DirectUrl>, InstallError> {
        let path = self.path.join("direct_url.json");
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(IoError::new("read", &path, e).into()),
        };
        DirectUrl::from_json(&text)
            .map(Some)
            .map_err(|e| InstallError::DirectUrl {
                path,
                reason: e.to_string(),
            })
    }

    /// The project name as the metadata spells it (`Foo.Bar`), else the normalized name
    /// (`foo-bar`) when the metadata is unreadable, with a warning naming the file and what is
    /// wrong with it. Reads the metadata file each call.
    pub fn display_name(&self) -> String {
        match self.metadata() {
            Ok(metadata) => metadata.display_name,
            Err(e) => {
                tracing::warn!(
                    "{e}\n(using the name `{}` of {})",
                    self.name,
                    self.path.display()
                );
                self.name.to_string()
            }
        }
    }

    /// The `pip freeze` entry, as pip 21.1 to 25 prints it: `Name==1.0` with the METADATA
    /// spelling of the name ([`InstalledDist::display_name`]); for PEP 610 installs
    /// [`DirectUrl::freeze_line`] (`Name @ <url>`); for an editable directory two lines,
    /// `# Editable install with no version control (Name==1.0)` and `-e /abs/dir`, or
    /// `-e git+<remote>@<commit>#egg=<name>` when the directory is in a git checkout with a
    /// remote (with pip's comment forms for a checkout without a usable remote). Falls back to `==` when `direct_url.json` is
    /// invalid (as pip does, with a warning).
    pub fn freeze_line(&self) -> String {
        self.freeze_line_as(&self.display_name())
    }

    /// [`InstalledDist::freeze_line`] with `name` (the [`InstalledDist::display_name`] the
    /// caller already read) instead of reading the metadata again. The result has no
    /// trailing newline but may hold two lines (editable installs).
    pub fn freeze_line_as(&self, name: &str) -> String {
        let pinned = || format!("{name}=={}", self.version);
        match self.direct_url() {
            Ok(Some(direct)) if direct.is_editable() => match direct.local_path() {
                Some(location) => {
                    editable_git_entry(&location, name, &pinned()).unwrap_or_else(|| {
                        format!(
                            "# Editable install with no version control ({})\n-e {}",
                            pinned(),
                            den_dist::path::normalize_path(&location).display()
                        )
                    })
                }
                None => direct.freeze_line(name),
            },
            Ok(Some(direct)) => direct.freeze_line(name),
            Ok(None) => pinned(),
            Err(e) => {
                tracing::warn!("{e}");
                pinned()
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
    let bytes = fs::read(path).at("read", path)?;
    CoreMetadata::parse(&bytes).map_err(|source| InstallError::Metadata {
        path: path.to_path_buf(),
        source,
    })
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
            Err(e) => return Err(IoError::new("list", dir, e).into()),
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
/// upgrade / no-op decisions. Only entries whose name can belong to `name` are read (the
/// part before the first `-` normalizes to it), so this costs one directory listing, not a
/// parse of every installed distribution; entries whose name has no `-` (metadata decides
/// the project) are read as well.
///
/// Errors: as [`installed_distributions`].
pub fn find_installed(
    site_packages: &[PathBuf],
    name: &PackageName,
) -> Result<Option<InstalledDist>, InstallError> {
    for dir in site_packages {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(IoError::new("list", dir, e).into()),
        };
        let mut candidates: Vec<PathBuf> = entries
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let file_name = entry.file_name();
                let file_name = file_name.to_str()?;
                let stem = file_name
                    .strip_suffix(".dist-info")
                    .or_else(|| file_name.strip_suffix(".egg-info"))?;
                let project = stem.split_once('-').map_or(stem, |(project, _)| project);
                (!stem.contains('-') || same_normalized(project, name.as_ref()))
                    .then(|| entry.path())
            })
            .collect();
        candidates.sort();
        for path in candidates {
            match InstalledDist::from_path(&path) {
                Ok(Some(dist)) if &dist.name == name => return Ok(Some(dist)),
                Ok(_) => {}
                Err(e) => tracing::warn!("skipping {}: {e}", path.display()),
            }
        }
    }
    Ok(None)
}

/// Whether `raw` normalizes (PEP 503: lowercase, runs of `-`, `_`, `.` as one `-`) to the
/// already normalized `normalized`, without allocating.
fn same_normalized(raw: &str, normalized: &str) -> bool {
    let mut expected = normalized.bytes();
    let mut raw = raw.bytes().peekable();
    while let Some(b) = raw.next() {
        let b = if matches!(b, b'-' | b'_' | b'.') {
            while raw.peek().is_some_and(|n| matches!(n, b'-' | b'_' | b'.')) {
                raw.next();
            }
            b'-'
        } else {
            b.to_ascii_lowercase()
        };
        if expected.next() != Some(b) {
            return false;
        }
    }
    expected.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_named_like_a_dist_info_is_not_a_distribution() {
        let dir = tempfile::tempdir().unwrap();
        let stray = dir.path().join("stray-1.0.dist-info");
        fs::write(&stray, "").unwrap();
        assert_eq!(InstalledDist::from_path(&stray).unwrap(), None);
        assert!(
            installed_distributions(&[dir.path().to_path_buf()])
                .unwrap()
                .is_empty()
        );
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
        assert_eq!(
            find_installed(std::slice::from_ref(&sp), &name)
                .unwrap()
                .unwrap(),
            dists[0]
        );
        let weird = PackageName::from_str("weird").unwrap();
        assert_eq!(
            find_installed(std::slice::from_ref(&sp), &weird)
                .unwrap()
                .unwrap(),
            dists[2]
        );
        let absent = PackageName::from_str("foo").unwrap();
        assert_eq!(find_installed(&[sp], &absent).unwrap(), None);
        assert!(same_normalized("Foo__Bar.baz", "foo-bar-baz"));
        assert!(!same_normalized("foo-bar", "foo-ba"));
        assert!(!same_normalized("foo", "foo-bar"));
    }
}
