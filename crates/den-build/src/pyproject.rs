//! Reading a project without building it: `pyproject.toml` (`[build-system]`, PEP 517/518;
//! `[project]`, PEP 621), `PKG-INFO` (PEP 643) and `setup.cfg`'s `[metadata]` name.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use den_dist::{
    CoreMetadata, ExtraName, IoError, PackageName, Requirement, Version, escape_controls,
    parse_marker, parse_requirement,
};
use serde::Deserialize;

use crate::BuildError;

/// The backend used when a project has no `pyproject.toml` or no `build-backend` key: pip's
/// fallback, which runs the project's `setup.py` the way `setup.py bdist_wheel` would.
pub const LEGACY_BACKEND: &str = "setuptools.build_meta:__legacy__";

/// The build requirement used when a project has no `[build-system]` table (pip's choice).
const LEGACY_REQUIRES: &str = "setuptools>=40.8.0";

/// The parts of `pyproject.toml` den reads.
#[derive(Debug, Default, Deserialize)]
struct PyProjectToml {
    #[serde(rename = "build-system")]
    build_system: Option<BuildSystemTable>,
    project: Option<ProjectTable>,
}

/// `[build-system]` (PEP 518, PEP 517).
#[derive(Debug, Deserialize)]
struct BuildSystemTable {
    requires: Option<Vec<String>>,
    #[serde(rename = "build-backend")]
    build_backend: Option<String>,
    #[serde(rename = "backend-path")]
    backend_path: Option<Vec<String>>,
}

/// `[project]` (PEP 621), the fields that make up resolution metadata.
#[derive(Debug, Deserialize)]
struct ProjectTable {
    name: Option<String>,
    version: Option<String>,
    description: Option<String>,
    #[serde(rename = "requires-python")]
    requires_python: Option<String>,
    dependencies: Option<Vec<String>>,
    #[serde(rename = "optional-dependencies")]
    optional_dependencies: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    dynamic: Vec<String>,
}

/// Reads `<project_dir>/pyproject.toml`; `Ok(None)` when there is none.
fn read_pyproject(project_dir: &Path) -> Result<Option<PyProjectToml>, BuildError> {
    let path = project_dir.join("pyproject.toml");
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(BuildError::from(IoError::new("read", &path, e))),
    };
    toml::from_str(&text)
        .map(Some)
        .map_err(|e| BuildError::PyProject {
            path,
            reason: e.to_string().trim_end().to_string(),
        })
}

/// Parses each of `requirements` (PEP 508), naming `path` in errors.
fn parse_requirements(
    path: &Path,
    requirements: &[String],
) -> Result<Vec<Requirement>, BuildError> {
    requirements
        .iter()
        .map(|text| {
            parse_requirement(text).map_err(|e| BuildError::InvalidRequirement {
                path: path.to_path_buf(),
                requirement: escape_controls(text).into_owned(),
                reason: e.to_string(),
            })
        })
        .collect()
}

/// A project's build system: the `[build-system]` table of `pyproject.toml` (PEP 518 `requires`,
/// PEP 517 `build-backend` and `backend-path`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSystem {
    /// The requirements to install into the build environment (PEP 518 `requires`). Without a
    /// `[build-system]` table: `["setuptools>=40.8.0"]`.
    pub requires: Vec<Requirement>,
    /// The backend object, `module.path` or `module.path:object.path` (PEP 517 `build-backend`).
    /// Without the key: `setuptools.build_meta:__legacy__` (pip's fallback).
    pub backend: String,
    /// Directories, relative to the project root, put first on `sys.path` to import an in-tree
    /// backend (PEP 517 `backend-path`); checked to stay inside the project.
    pub backend_path: Vec<String>,
}

impl BuildSystem {
    /// The build system of the project at `project_dir`.
    ///
    /// No `pyproject.toml`, or one without `[build-system]`: `requires = ["setuptools>=40.8.0"]`
    /// and the legacy setuptools backend (PEP 517 §Source trees says to fall back to the legacy
    /// `setup.py` behaviour; pip does this). A `[build-system]` table without `build-backend`
    /// keeps its `requires` and uses the legacy backend.
    ///
    /// Errors: [`BuildError::PyProject`] for invalid TOML, a `[build-system]` table without the
    /// mandatory `requires` key (PEP 518), or a `backend-path` entry that is absolute or leaves
    /// the project; [`BuildError::InvalidRequirement`] for a `requires` entry that is not PEP
    /// 508; [`BuildError::Io`] when the file exists but cannot be read.
    pub fn read(project_dir: &Path) -> Result<Self, BuildError> {
        let path = project_dir.join("pyproject.toml");
        let table = read_pyproject(project_dir)?.and_then(|p| p.build_system);
        let Some(table) = table else {
            return Ok(Self {
                requires: parse_requirements(&path, &[LEGACY_REQUIRES.to_string()])?,
                backend: LEGACY_BACKEND.to_string(),
                backend_path: Vec::new(),
            });
        };
        let Some(requires) = table.requires else {
            return Err(BuildError::PyProject {
                path,
                reason: "the [build-system] table has no `requires` key, which PEP 518 makes \
                         mandatory; add one, e.g. requires = [\"setuptools\"]"
                    .to_string(),
            });
        };
        let backend_path = table.backend_path.unwrap_or_default();
        for entry in &backend_path {
            let entry_path = Path::new(entry);
            let escapes = entry_path.is_absolute()
                || den_dist::path::normalize_path(entry_path)
                    .components()
                    .next()
                    .is_some_and(|c| c == Component::ParentDir);
            if escapes {
                return Err(BuildError::PyProject {
                    path,
                    reason: format!(
                        "backend-path entry `{entry}` is outside the project; PEP 517 allows only \
                         directories inside the source tree"
                    ),
                });
            }
        }
        Ok(Self {
            requires: parse_requirements(&path, &requires)?,
            backend: table
                .build_backend
                .unwrap_or_else(|| LEGACY_BACKEND.to_string()),
            backend_path,
        })
    }
}

/// The core metadata fields resolution needs; if any is `Dynamic` the metadata needs a build.
const RESOLUTION_FIELDS: [&str; 3] = ["Requires-Dist", "Requires-Python", "Provides-Extra"];

/// The first core metadata version whose fields are static unless marked `Dynamic` (PEP 643).
const STATIC_METADATA_VERSION: (u64, u64) = (2, 2);

/// The project's core metadata when it can be known without running the build backend, else
/// `None`:
///
/// 1. `PKG-INFO` (an sdist's) with `Metadata-Version` 2.2 or later whose `Dynamic` fields do
///    not include `Requires-Dist`, `Requires-Python` or `Provides-Extra` (PEP 643);
/// 2. else `pyproject.toml`'s `[project]` table (PEP 621) with a name and a static version,
///    none of `dependencies`, `optional-dependencies`, `requires-python` in `dynamic`; the
///    optional dependencies become `Provides-Extra` plus `Requires-Dist` lines with an
///    `extra == "name"` marker, as a backend would write them.
///
/// Errors: [`BuildError::Metadata`] for a `PKG-INFO` that does not parse,
/// [`BuildError::PyProject`] / [`BuildError::InvalidRequirement`] for an invalid
/// `pyproject.toml`, [`BuildError::Io`] for unreadable files.
pub fn static_metadata(project_dir: &Path) -> Result<Option<CoreMetadata>, BuildError> {
    if let Some(metadata) = static_pkg_info(project_dir)? {
        return Ok(Some(metadata));
    }
    let Some(project) = read_pyproject(project_dir)?.and_then(|p| p.project) else {
        return Ok(None);
    };
    static_project_metadata(&project_dir.join("pyproject.toml"), project)
}

/// Step 1 of [`static_metadata`]: `PKG-INFO` under PEP 643.
fn static_pkg_info(project_dir: &Path) -> Result<Option<CoreMetadata>, BuildError> {
    let path = project_dir.join("PKG-INFO");
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(BuildError::from(IoError::new("read", &path, e))),
    };
    static_pkg_info_of(&bytes, path)
}

/// The metadata of the source distribution `archive` when its `PKG-INFO` is static under
/// PEP 643 (step 1 of [`static_metadata`]), read from the archive without unpacking it
/// ([`crate::archived_pkg_info`]); `None` when it has none where sdists put it, or its
/// resolution fields are dynamic (the project must then be unpacked and asked).
///
/// Errors: [`BuildError::Archive`] / [`BuildError::Io`] as [`crate::archived_pkg_info`];
/// [`BuildError::Metadata`] for a `PKG-INFO` that does not parse.
pub fn static_sdist_metadata(archive: &Path) -> Result<Option<CoreMetadata>, BuildError> {
    match crate::archived_pkg_info(archive)? {
        Some(bytes) => static_pkg_info_of(&bytes, archive.join("PKG-INFO")),
        None => Ok(None),
    }
}

/// `bytes`, a `PKG-INFO` (named `path` in errors), as metadata when PEP 643 makes it static:
/// `Metadata-Version` 2.2 or later and none of [`RESOLUTION_FIELDS`] dynamic.
fn static_pkg_info_of(bytes: &[u8], path: PathBuf) -> Result<Option<CoreMetadata>, BuildError> {
    let metadata =
        CoreMetadata::parse(bytes).map_err(|source| BuildError::Metadata { path, source })?;
    let version = metadata
        .header("Metadata-Version")
        .and_then(|v| Version::from_str(v).ok());
    let new_enough = version.is_some_and(|v| {
        let release = v.release();
        let major = release.first().copied().unwrap_or(0);
        let minor = release.get(1).copied().unwrap_or(0);
        (major, minor) >= STATIC_METADATA_VERSION
    });
    let dynamic_resolution_field = metadata.headers.iter().any(|(key, value)| {
        key.eq_ignore_ascii_case("Dynamic")
            && RESOLUTION_FIELDS
                .iter()
                .any(|field| field.eq_ignore_ascii_case(value.trim()))
    });
    Ok((new_enough && !dynamic_resolution_field).then_some(metadata))
}

/// Step 2 of [`static_metadata`]: `[project]` under PEP 621, rendered as core metadata text and
/// parsed back, so it is checked exactly like a backend's `METADATA`.
fn static_project_metadata(
    path: &Path,
    project: ProjectTable,
) -> Result<Option<CoreMetadata>, BuildError> {
    let is_dynamic = |key: &str| project.dynamic.iter().any(|d| d == key);
    let (Some(name), Some(version)) = (&project.name, &project.version) else {
        return Ok(None);
    };
    if [
        "version",
        "dependencies",
        "optional-dependencies",
        "requires-python",
    ]
    .into_iter()
    .any(is_dynamic)
    {
        return Ok(None);
    }
    let mut text = format!("Metadata-Version: 2.2\nName: {name}\nVersion: {version}\n");
    if let Some(description) = &project.description {
        text.push_str(&format!("Summary: {}\n", description.replace('\n', " ")));
    }
    if let Some(requires_python) = &project.requires_python {
        text.push_str(&format!("Requires-Python: {requires_python}\n"));
    }
    for requirement in parse_requirements(path, project.dependencies.as_deref().unwrap_or(&[]))? {
        text.push_str(&format!("Requires-Dist: {requirement}\n"));
    }
    for (extra, requirements) in project.optional_dependencies.iter().flatten() {
        let extra = ExtraName::from_str(extra).map_err(|e| BuildError::PyProject {
            path: path.to_path_buf(),
            reason: format!("optional-dependencies key `{extra}` is not a valid extra name: {e}"),
        })?;
        text.push_str(&format!("Provides-Extra: {extra}\n"));
        let extra_marker =
            parse_marker(&format!("extra == \"{extra}\"")).map_err(|e| BuildError::PyProject {
                path: path.to_path_buf(),
                reason: format!("cannot form the marker for extra `{extra}`: {e}"),
            })?;
        for mut requirement in parse_requirements(path, requirements)? {
            requirement.marker.and(extra_marker.clone());
            text.push_str(&format!("Requires-Dist: {requirement}\n"));
        }
    }
    CoreMetadata::parse(text.as_bytes())
        .map(Some)
        .map_err(|source| BuildError::Metadata {
            path: path.to_path_buf(),
            source,
        })
}

/// The project's name without building, from the first source that has one:
/// `pyproject.toml` `[project].name` (PEP 621), `setup.cfg` `[metadata] name` (setuptools'
/// declarative config), `PKG-INFO` `Name`. `None` when none has a valid name (files that are
/// missing or do not parse count as having none).
pub fn project_name(project_dir: &Path) -> Option<PackageName> {
    let from_pyproject = || read_pyproject(project_dir).ok().flatten()?.project?.name;
    let from_setup_cfg = || {
        let text = fs::read_to_string(project_dir.join("setup.cfg")).ok()?;
        setup_cfg_name(&text)
    };
    let from_pkg_info = || {
        let bytes = fs::read(project_dir.join("PKG-INFO")).ok()?;
        CoreMetadata::parse(&bytes).ok().map(|m| m.display_name)
    };
    [
        &from_pyproject as &dyn Fn() -> Option<String>,
        &from_setup_cfg,
        &from_pkg_info,
    ]
    .into_iter()
    .find_map(|source| source().and_then(|name| PackageName::from_str(name.trim()).ok()))
}

/// The `name` option of the `[metadata]` section of a `setup.cfg` (INI syntax as Python's
/// `configparser` reads it: `key = value` or `key: value`, `#`/`;` comments).
fn setup_cfg_name(text: &str) -> Option<String> {
    let mut in_metadata = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with(['#', ';']) || trimmed.is_empty() {
            continue;
        }
        if let Some(section) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            in_metadata = section.trim() == "metadata";
            continue;
        }
        if in_metadata && !line.starts_with([' ', '\t']) {
            let Some(split) = trimmed.find(['=', ':']) else {
                continue;
            };
            let (key, value) = (&trimmed[..split], &trimmed[split + 1..]);
            if key.trim().eq_ignore_ascii_case("name") && !value.trim().is_empty() {
                return Some(value.trim().to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_setup_cfg_name() {
        let text =
            "[options]\nname = wrong\n[metadata]\n# comment\nversion = 1\nname: Right-Name\n";
        assert_eq!(setup_cfg_name(text).as_deref(), Some("Right-Name"));
        assert_eq!(setup_cfg_name("[metadata]\nversion = 1\n"), None);
    }
}
