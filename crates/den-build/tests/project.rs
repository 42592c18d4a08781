//! Reading projects without building: `[build-system]`, static metadata (PEP 643 / PEP 621)
//! and the project name.

use std::path::Path;

use den_build::{
    BuildError, BuildSystem, LEGACY_BACKEND, extract_sdist, project_name, static_metadata,
};
use den_test_support::SdistBuilder;

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, contents) in files {
        std::fs::write(dir.path().join(name), contents).unwrap();
    }
    dir
}

fn unpacked(sdist: &SdistBuilder, tmp: &Path) -> std::path::PathBuf {
    let archive = sdist.build(tmp);
    extract_sdist(&archive, &tmp.join("src")).unwrap()
}

#[test]
fn build_system_defaults_to_legacy_setuptools() {
    let dir = project(&[]);
    let system = BuildSystem::read(dir.path()).unwrap();
    assert_eq!(system.backend, LEGACY_BACKEND);
    assert_eq!(system.requires.len(), 1);
    assert_eq!(system.requires[0].to_string(), "setuptools>=40.8.0");
    assert!(system.backend_path.is_empty());

    // A pyproject.toml without [build-system] (only tool config) means the same.
    let dir = project(&[("pyproject.toml", "[tool.black]\nline-length = 99\n")]);
    assert_eq!(
        BuildSystem::read(dir.path()).unwrap().backend,
        LEGACY_BACKEND
    );
}

#[test]
fn build_system_is_read_from_pyproject() {
    let dir = project(&[(
        "pyproject.toml",
        "[build-system]\nrequires = [\"flit_core >=3.2,<4\", \"tomli; python_version < '3.11'\"]\n\
         build-backend = \"flit_core.buildapi\"\nbackend-path = [\"_build\"]\n",
    )]);
    let system = BuildSystem::read(dir.path()).unwrap();
    assert_eq!(system.backend, "flit_core.buildapi");
    assert_eq!(system.backend_path, ["_build"]);
    assert_eq!(system.requires[0].name.as_ref(), "flit-core");
    assert_eq!(system.requires[1].name.as_ref(), "tomli");

    // requires without build-backend: the legacy backend with those requirements.
    let dir = project(&[(
        "pyproject.toml",
        "[build-system]\nrequires = [\"setuptools>=61\"]\n",
    )]);
    let system = BuildSystem::read(dir.path()).unwrap();
    assert_eq!(system.backend, LEGACY_BACKEND);
    assert_eq!(system.requires[0].to_string(), "setuptools>=61");
}

#[test]
fn invalid_build_systems_are_explained() {
    let no_requires = project(&[("pyproject.toml", "[build-system]\nbuild-backend = \"x\"\n")]);
    let err = BuildSystem::read(no_requires.path()).unwrap_err();
    assert!(matches!(err, BuildError::PyProject { .. }));
    assert!(err.to_string().contains("`requires`"), "{err}");

    let bad_toml = project(&[("pyproject.toml", "[build-system\nrequires = []\n")]);
    let err = BuildSystem::read(bad_toml.path()).unwrap_err();
    assert!(err.to_string().contains("pyproject.toml"), "{err}");
    assert!(err.to_string().contains("line 1"), "{err}");

    let bad_requirement = project(&[(
        "pyproject.toml",
        "[build-system]\nrequires = [\"not a req!\"]\n",
    )]);
    let err = BuildSystem::read(bad_requirement.path()).unwrap_err();
    assert!(
        matches!(&err, BuildError::InvalidRequirement { requirement, .. } if requirement == "not a req!"),
        "{err}"
    );

    let escaping = project(&[(
        "pyproject.toml",
        "[build-system]\nrequires = []\nbuild-backend = \"b\"\nbackend-path = [\"../elsewhere\"]\n",
    )]);
    let err = BuildSystem::read(escaping.path()).unwrap_err();
    assert!(err.to_string().contains("outside the project"), "{err}");
}

#[test]
fn pkg_info_2_2_is_static_metadata() {
    let tmp = tempfile::tempdir().unwrap();
    let root = unpacked(
        &SdistBuilder::new("static-pkg", "1.0")
            .metadata_version("2.2")
            .requires_dist("dep>=1")
            .requires_python(">=3.8")
            .dynamic("License"),
        tmp.path(),
    );
    let metadata = static_metadata(&root).unwrap().expect("static metadata");
    assert_eq!(metadata.name.as_ref(), "static-pkg");
    assert_eq!(metadata.requires_dist[0].to_string(), "dep>=1");
    assert_eq!(metadata.requires_python.unwrap().to_string(), ">=3.8");
}

#[test]
fn dynamic_dependencies_or_old_pkg_info_need_a_build() {
    let tmp = tempfile::tempdir().unwrap();
    let dynamic = unpacked(
        &SdistBuilder::new("dyn", "1.0")
            .metadata_version("2.2")
            .dynamic("Requires-Dist"),
        &tmp.path().join("a"),
    );
    assert!(static_metadata(&dynamic).unwrap().is_none());
    let old = unpacked(&SdistBuilder::new("old", "1.0"), &tmp.path().join("b"));
    assert!(static_metadata(&old).unwrap().is_none());
}

#[test]
fn pyproject_project_table_is_static_metadata() {
    let dir = project(&[(
        "pyproject.toml",
        "[project]\nname = \"Py-Proj\"\nversion = \"2.0\"\ndescription = \"d\"\n\
         requires-python = \">=3.9\"\ndependencies = [\"a>=1\", \"b; sys_platform == 'linux'\"]\n\
         dynamic = [\"readme\"]\n\
         [project.optional-dependencies]\nfast = [\"c\", \"d; os_name == 'posix'\"]\n",
    )]);
    let metadata = static_metadata(dir.path())
        .unwrap()
        .expect("static metadata");
    assert_eq!(metadata.display_name, "Py-Proj");
    assert_eq!(metadata.version.to_string(), "2.0");
    assert_eq!(metadata.requires_python.unwrap().to_string(), ">=3.9");
    assert_eq!(metadata.provides_extras[0].as_ref(), "fast");
    let requirements: Vec<String> = metadata
        .requires_dist
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert_eq!(requirements[0], "a>=1");
    assert_eq!(requirements[1], "b ; sys_platform == 'linux'");
    assert_eq!(requirements[2], "c ; extra == 'fast'");
    assert!(
        requirements[3].contains("os_name == 'posix'"),
        "{}",
        requirements[3]
    );
    assert!(
        requirements[3].contains("extra == 'fast'"),
        "{}",
        requirements[3]
    );

    for dynamic in [
        "version",
        "dependencies",
        "optional-dependencies",
        "requires-python",
    ] {
        let text = format!("[project]\nname = \"p\"\nversion = \"1\"\ndynamic = [\"{dynamic}\"]\n");
        let dir = project(&[("pyproject.toml", &text)]);
        assert!(static_metadata(dir.path()).unwrap().is_none(), "{dynamic}");
    }
    let no_version = project(&[(
        "pyproject.toml",
        "[project]\nname = \"p\"\ndynamic = [\"version\"]\n",
    )]);
    assert!(static_metadata(no_version.path()).unwrap().is_none());
}

#[test]
fn project_name_comes_from_the_first_file_that_has_one() {
    let dir = project(&[
        ("pyproject.toml", "[project]\nname = \"From_Pyproject\"\n"),
        ("setup.cfg", "[metadata]\nname = from-setup-cfg\n"),
    ]);
    assert_eq!(project_name(dir.path()).unwrap().as_ref(), "from-pyproject");
    let dir = project(&[
        ("pyproject.toml", "[build-system]\nrequires = []\n"),
        ("setup.cfg", "[metadata]\nname = from-setup-cfg\n"),
    ]);
    assert_eq!(project_name(dir.path()).unwrap().as_ref(), "from-setup-cfg");
    let dir = project(&[(
        "PKG-INFO",
        "Metadata-Version: 2.1\nName: From.PkgInfo\nVersion: 1\n",
    )]);
    assert_eq!(project_name(dir.path()).unwrap().as_ref(), "from-pkginfo");
    assert!(project_name(project(&[("setup.py", "")]).path()).is_none());
}
