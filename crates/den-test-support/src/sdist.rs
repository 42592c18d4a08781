//! [`SdistBuilder`]: writes real source distributions (`.tar.gz`) for build-frontend tests, and
//! [`setuptools_wheel`] / [`wheel_package_wheel`]: real wheels of the setuptools backend found on
//! this machine, so tests can serve them from a [`crate::TestIndex`] without the internet.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::json;

use crate::wheel::escaped_name;

/// The in-tree backend module [`SdistBackend::InTree`] ships in each sdist.
const IN_TREE_BACKEND: &str = include_str!("den_test_backend.py");

/// The build backend a [`SdistBuilder`] sdist uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdistBackend {
    /// `den_test_backend.py` at the sdist root (`backend-path = ["."]`, `requires = []`): a
    /// pure-Python backend that zips the project files into a `py3-none-any` wheel, implements
    /// `get_requires_for_build_wheel`, `prepare_metadata_for_build_wheel`, `build_wheel`,
    /// `get_requires_for_build_editable` and `build_editable` (a `.pth` pointing at the
    /// project), and appends each hook it runs to `den_test_backend.log` in the project root.
    InTree,
    /// `setuptools.build_meta` with `requires = ["setuptools"]`; metadata in `setup.cfg`
    /// (`[metadata]`, `[options] packages = find:`, `install_requires`, `python_requires`).
    Setuptools,
}

/// Builds a source distribution `{name}-{version}.tar.gz` (PEP 625, name escaped as in wheel
/// names) whose single top-level directory `{name}-{version}/` holds `PKG-INFO`,
/// `pyproject.toml`, the backend's files and the project files.
///
/// Without any [`SdistBuilder::file`] call the project is one package,
/// `<module>/__init__.py` with `__version__ = '<version>'`.
///
/// ```
/// use den_test_support::{SdistBackend, SdistBuilder};
/// let dir = tempfile::tempdir().unwrap();
/// let sdist = SdistBuilder::new("my-pkg", "1.0")
///     .backend(SdistBackend::InTree)
///     .requires_dist("dep>=1")
///     .build(dir.path());
/// assert!(sdist.ends_with("my_pkg-1.0.tar.gz"));
/// ```
#[derive(Debug, Clone)]
pub struct SdistBuilder {
    name: String,
    version: String,
    backend: SdistBackend,
    requires_dist: Vec<String>,
    requires_python: Option<String>,
    metadata_version: String,
    dynamic: Vec<String>,
    project_table: bool,
    files: Vec<(String, Vec<u8>)>,
    build_requires: Vec<String>,
    fail: Vec<String>,
    missing: Vec<String>,
    description: Option<String>,
}

impl SdistBuilder {
    /// An sdist of project `name` at `version`, built with [`SdistBackend::InTree`], with
    /// `PKG-INFO` at Metadata-Version 2.1 and no `[project]` table.
    pub fn new(name: &str, version: &str) -> Self {
        Self {
            name: name.to_string(),
            version: version.to_string(),
            backend: SdistBackend::InTree,
            requires_dist: Vec::new(),
            requires_python: None,
            metadata_version: "2.1".to_string(),
            dynamic: Vec::new(),
            project_table: false,
            files: Vec::new(),
            build_requires: Vec::new(),
            fail: Vec::new(),
            missing: Vec::new(),
            description: None,
        }
    }

    /// Chooses the build backend.
    pub fn backend(mut self, backend: SdistBackend) -> Self {
        self.backend = backend;
        self
    }

    /// Adds a dependency (PEP 508, markers allowed; no extras markers).
    pub fn requires_dist(mut self, requirement: &str) -> Self {
        self.requires_dist.push(requirement.to_string());
        self
    }

    /// Sets `Requires-Python`.
    pub fn requires_python(mut self, specifiers: &str) -> Self {
        self.requires_python = Some(specifiers.to_string());
        self
    }

    /// Sets `PKG-INFO`'s `Metadata-Version` (default `2.1`; PEP 643 static metadata needs `2.2`).
    pub fn metadata_version(mut self, version: &str) -> Self {
        self.metadata_version = version.to_string();
        self
    }

    /// Marks a core metadata field `Dynamic` in `PKG-INFO` (e.g. `Requires-Dist`), and the
    /// matching key `dynamic` in the `[project]` table when there is one.
    pub fn dynamic(mut self, field: &str) -> Self {
        self.dynamic.push(field.to_string());
        self
    }

    /// Writes a PEP 621 `[project]` table (name, version, dependencies, requires-python,
    /// dynamic) into `pyproject.toml`.
    pub fn project_table(mut self) -> Self {
        self.project_table = true;
        self
    }

    /// Gives the core metadata (`PKG-INFO` and the backend's `METADATA`) the body `text`, the
    /// long description (not written into a `[project]` table).
    pub fn description(mut self, text: &str) -> Self {
        self.description = Some(text.to_string());
        self
    }

    /// Adds a project file at `path` (forward slashes, relative to the project root), which
    /// the in-tree backend puts into the wheel at the same path. Replaces the default package.
    pub fn file(mut self, path: &str, contents: &[u8]) -> Self {
        self.files.push((path.to_string(), contents.to_vec()));
        self
    }

    /// In-tree backend: a requirement `get_requires_for_build_wheel` (and `_editable`) returns.
    pub fn build_requires(mut self, requirement: &str) -> Self {
        self.build_requires.push(requirement.to_string());
        self
    }

    /// In-tree backend: `hook` prints a line and raises.
    pub fn fail_in(mut self, hook: &str) -> Self {
        self.fail.push(hook.to_string());
        self
    }

    /// In-tree backend: `hook` is not defined (e.g. `prepare_metadata_for_build_wheel` to test
    /// the fallback to `build_wheel`, or `build_editable`).
    pub fn without_hook(mut self, hook: &str) -> Self {
        self.missing.push(hook.to_string());
        self
    }

    /// `{escaped name}-{version}`, the sdist's stem and top-level directory.
    fn stem(&self) -> String {
        format!("{}-{}", escaped_name(&self.name), self.version)
    }

    /// The sdist's filename, `{escaped name}-{version}.tar.gz`.
    pub fn filename(&self) -> String {
        format!("{}.tar.gz", self.stem())
    }

    /// Core metadata with `Metadata-Version: version` and, for PKG-INFO, `Dynamic` lines; the
    /// [`SdistBuilder::description`] as its body.
    fn core_metadata(&self, version: &str, dynamic: bool) -> String {
        let mut out = format!(
            "Metadata-Version: {version}\nName: {}\nVersion: {}\nSummary: The {} test sdist\n",
            self.name, self.version, self.name
        );
        if let Some(requires_python) = &self.requires_python {
            out.push_str(&format!("Requires-Python: {requires_python}\n"));
        }
        for requirement in &self.requires_dist {
            out.push_str(&format!("Requires-Dist: {requirement}\n"));
        }
        if dynamic {
            for field in &self.dynamic {
                out.push_str(&format!("Dynamic: {field}\n"));
            }
        }
        if let Some(body) = &self.description {
            out.push('\n');
            out.push_str(body);
        }
        out
    }

    /// The `PKG-INFO` file's contents.
    pub fn pkg_info(&self) -> String {
        self.core_metadata(&self.metadata_version, true)
    }

    /// The project files (the default package when none were added).
    fn project_files(&self) -> Vec<(String, Vec<u8>)> {
        if self.files.is_empty() {
            vec![(
                format!("{}/__init__.py", escaped_name(&self.name)),
                format!("__version__ = '{}'\n", self.version).into_bytes(),
            )]
        } else {
            self.files.clone()
        }
    }

    fn pyproject(&self) -> String {
        let list = |items: &[String]| {
            let quoted: Vec<String> = items.iter().map(|i| json!(i).to_string()).collect();
            format!("[{}]", quoted.join(", "))
        };
        let mut out = match self.backend {
            SdistBackend::InTree => "[build-system]\nrequires = []\n\
                build-backend = \"den_test_backend\"\nbackend-path = [\".\"]\n"
                .to_string(),
            SdistBackend::Setuptools => "[build-system]\nrequires = [\"setuptools\"]\n\
                build-backend = \"setuptools.build_meta\"\n"
                .to_string(),
        };
        if self.project_table {
            out.push_str(&format!(
                "\n[project]\nname = {}\nversion = {}\ndependencies = {}\n",
                json!(self.name),
                json!(self.version),
                list(&self.requires_dist)
            ));
            if let Some(requires_python) = &self.requires_python {
                out.push_str(&format!("requires-python = {}\n", json!(requires_python)));
            }
            let dynamic: Vec<String> = self
                .dynamic
                .iter()
                .map(|field| match field.to_ascii_lowercase().as_str() {
                    "requires-dist" => "dependencies".to_string(),
                    "provides-extra" => "optional-dependencies".to_string(),
                    other => other.to_string(),
                })
                .collect();
            out.push_str(&format!("dynamic = {}\n", list(&dynamic)));
        }
        out
    }

    fn setup_cfg(&self) -> String {
        let mut out = format!(
            "[metadata]\nname = {}\nversion = {}\n\n[options]\npackages = find:\n",
            self.name, self.version
        );
        if let Some(requires_python) = &self.requires_python {
            out.push_str(&format!("python_requires = {requires_python}\n"));
        }
        if !self.requires_dist.is_empty() {
            out.push_str("install_requires =\n");
            for requirement in &self.requires_dist {
                out.push_str(&format!("    {requirement}\n"));
            }
        }
        out
    }

    /// Every file of the sdist, relative to its top-level directory.
    fn members(&self) -> Vec<(String, Vec<u8>)> {
        let mut members = vec![
            ("PKG-INFO".to_string(), self.pkg_info().into_bytes()),
            ("pyproject.toml".to_string(), self.pyproject().into_bytes()),
        ];
        let project_files = self.project_files();
        match self.backend {
            SdistBackend::InTree => {
                let config = json!({
                    "name": self.name,
                    "version": self.version,
                    "metadata": self.core_metadata("2.1", false),
                    "files": project_files.iter().map(|(path, _)| path).collect::<Vec<_>>(),
                    "requires": self.build_requires,
                    "fail": self.fail,
                    "missing": self.missing,
                });
                members.push((
                    "den_test_backend.py".to_string(),
                    IN_TREE_BACKEND.as_bytes().to_vec(),
                ));
                members.push((
                    "den_test_backend.json".to_string(),
                    config.to_string().into_bytes(),
                ));
            }
            SdistBackend::Setuptools => {
                members.push(("setup.cfg".to_string(), self.setup_cfg().into_bytes()));
            }
        }
        members.extend(project_files);
        members
    }

    /// The sdist's bytes (a gzip-compressed ustar/GNU tar archive).
    ///
    /// Panics if the archive cannot be written (it is built in memory, so only on a bug).
    pub fn build_bytes(&self) -> Vec<u8> {
        let stem = self.stem();
        let mut tar = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::default()));
        for (path, contents) in self.members() {
            let mut header = tar::Header::new_gnu();
            header.set_size(contents.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(1_700_000_000);
            tar.append_data(&mut header, format!("{stem}/{path}"), contents.as_slice())
                .expect("appending to an in-memory tar cannot fail");
        }
        let mut gz = tar
            .into_inner()
            .expect("finishing an in-memory tar cannot fail");
        gz.flush()
            .expect("flushing an in-memory gzip stream cannot fail");
        gz.finish()
            .expect("finishing an in-memory gzip stream cannot fail")
    }

    /// Writes the sdist into `dir` (created if missing) and returns its path.
    ///
    /// Panics if the file cannot be written.
    pub fn build(&self, dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let path = dir.join(self.filename());
        std::fs::write(&path, self.build_bytes())
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }
}

/// The wheel files named `{project}-*.whl` in `dirs` (missing directories are skipped), newest
/// version last by a simple numeric comparison of the version's dotted parts.
fn wheels_named(project: &str, dirs: &[PathBuf]) -> Vec<PathBuf> {
    let prefix = format!("{project}-");
    let mut found: Vec<(Vec<u64>, PathBuf)> = dirs
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_string();
            let rest = name.strip_prefix(&prefix)?;
            if !name.ends_with(".whl") {
                return None;
            }
            let version = rest.split('-').next()?;
            let key = version.split('.').map(|p| p.parse().unwrap_or(0)).collect();
            Some((key, entry.path()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, path)| path).collect()
}

/// Subdirectories `sub` (relative) of every `lib/python3.*` of every pyenv version, plus
/// `/usr/lib/python3*/<sub>`.
fn stdlib_dirs(sub: &str) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = Vec::new();
    if let Some(versions) = crate::pyenv_versions_dir()
        && let Ok(entries) = std::fs::read_dir(versions)
    {
        for version in entries.filter_map(Result::ok) {
            roots.push(version.path().join("lib"));
        }
    }
    roots.push(PathBuf::from("/usr/lib"));
    roots
        .iter()
        .filter_map(|lib| std::fs::read_dir(lib).ok())
        .flatten()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("python3"))
        .map(|entry| entry.path().join(sub))
        .collect()
}

/// A real setuptools wheel from this machine, the newest found in the `ensurepip/_bundled`
/// directories of installed Pythons (pyenv versions 3.8 to 3.11 bundle one;
/// `/usr/lib/python3*/ensurepip/_bundled`). Debian's `/usr/share/python-wheels` is not used:
/// its setuptools is patched for Debian's own Python. `None` when there is none; tests that
/// need it report that through [`crate::require`].
///
/// setuptools before 70.1 asks for the `wheel` project in `get_requires_for_build_wheel`;
/// serve [`wheel_package_wheel`] too.
pub fn setuptools_wheel() -> Option<PathBuf> {
    wheels_named("setuptools", &stdlib_dirs("ensurepip/_bundled")).pop()
}

/// A real wheel of the `wheel` project (setuptools' `bdist_wheel` before setuptools 70.1) from
/// this machine: CPython 3.12+ ships one with its test suite (`test/` and `test/wheeldata/`).
/// `None` when there is none.
pub fn wheel_package_wheel() -> Option<PathBuf> {
    let mut dirs = stdlib_dirs("test");
    dirs.extend(stdlib_dirs("test/wheeldata"));
    wheels_named("wheel", &dirs).pop()
}
