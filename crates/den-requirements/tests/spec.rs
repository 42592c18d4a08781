//! [`RequirementsSpec`] from its sources: arguments, editables, requirements and constraints
//! files, project files.

use std::fs;
use std::path::{Path, PathBuf};

use den_requirements::{
    IndexOptions, ProjectSource, RequirementOrigin, RequirementsError, RequirementsSource,
    RequirementsSpec,
};

fn names(spec: &RequirementsSpec) -> Vec<String> {
    spec.requirements.iter().map(ToString::to_string).collect()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn sources_add_up_in_order_with_their_options() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("proj")).unwrap();
    fs::write(root.join("proj/pyproject.toml"), "[project]\nname='p'\n").unwrap();
    let requirements = write(
        root,
        "requirements.txt",
        "--index-url https://file.example/simple\n--find-links wheels\n--pre\n\
         --only-binary :all:\nalpha>=1 --hash=sha256:aaaa\n-c constraints.txt\n",
    );
    write(root, "constraints.txt", "beta<2\n");
    let extra = write(
        root,
        "more.txt",
        "--index-url https://later.example/simple\n--prefer-binary\nalpha==1.0\n",
    );
    let also = write(root, "also.txt", "gamma==3\n--index-url ignored\n");
    let spec = RequirementsSpec::from_sources_in(
        &[
            RequirementsSource::Argument("delta".to_string()),
            RequirementsSource::Editable("./proj".to_string()),
            RequirementsSource::RequirementsFile(requirements.clone()),
            RequirementsSource::RequirementsFile(extra.clone()),
            RequirementsSource::ConstraintsFile(also),
        ],
        root,
    )
    .unwrap();
    assert_eq!(names(&spec), ["delta", "alpha>=1", "alpha==1.0"]);
    assert_eq!(
        spec.unnamed.len(),
        1,
        "the editable directory has no name yet"
    );
    let [editable] = &spec.editables[..] else {
        panic!("{:?}", spec.editables)
    };
    assert!(
        editable.starts_with("file:///") && editable.ends_with("/proj"),
        "{editable}"
    );
    let constraints: Vec<String> = spec.constraints.iter().map(ToString::to_string).collect();
    assert_eq!(constraints, ["beta<2", "gamma==3"]);
    // The first file's index URL wins; a constraints file's options are ignored.
    assert_eq!(
        spec.index,
        IndexOptions {
            index_url: Some("https://file.example/simple".to_string()),
            find_links: vec![root.join("wheels").to_string_lossy().into_owned()],
            ..IndexOptions::default()
        }
    );
    assert_eq!(spec.binary.only_binary, [":all:"]);
    assert!(spec.binary.prefer_binary && spec.pre && !spec.require_hashes);
    assert!(spec.hash_mode(), "a --hash turns hash-checking mode on");
    let alpha = "alpha".parse().unwrap();
    let allowed = &spec.hashes.by_name[&alpha];
    assert_eq!(allowed.digests.len(), 1);
    assert_eq!(
        allowed.origin,
        RequirementOrigin::File {
            file: requirements.clone(),
            line: 5
        }
    );
    assert_eq!(
        spec.requested_from[&alpha],
        [requirements, extra].into_iter().collect()
    );
    assert!(!spec.requested_from.contains_key(&"delta".parse().unwrap()));
}

#[test]
fn hash_checking_mode_needs_every_requirement_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let file = write(
        root,
        "requirements.txt",
        "alpha==1.0 --hash=sha256:aaaa\nbeta>=2\ngamma\n",
    );
    let spec =
        RequirementsSpec::from_sources_in(&[RequirementsSource::RequirementsFile(file)], root)
            .unwrap();
    let err = spec.check_pinned().unwrap_err();
    assert!(matches!(err, RequirementsError::Unpinned { .. }));
    assert!(
        err.to_string()
            .ends_with("these are not pinned: beta>=2, gamma"),
        "{err}"
    );
    let loose = RequirementsSpec::from_sources_in(
        &[RequirementsSource::Argument("beta>=2".to_string())],
        root,
    )
    .unwrap();
    assert!(!loose.hash_mode());
    loose.check_pinned().unwrap();
}

#[test]
fn project_files_require_their_project_with_extras() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("proj")).unwrap();
    fs::write(root.join("proj/setup.cfg"), "").unwrap();
    fs::write(root.join("proj/setup.py"), "").unwrap();
    let source = RequirementsSource::from_input_file(
        Path::new("proj/setup.cfg"),
        &["dev".to_string(), "test".to_string()],
    );
    assert_eq!(
        source,
        RequirementsSource::ProjectFile {
            path: PathBuf::from("proj/setup.cfg"),
            extras: vec!["dev".to_string(), "test".to_string()]
        }
    );
    assert_eq!(
        RequirementsSource::from_input_file(Path::new("requirements.in"), &[]),
        RequirementsSource::RequirementsFile(PathBuf::from("requirements.in"))
    );
    let spec = RequirementsSpec::from_sources_in(&[source], root).unwrap();
    let project = ProjectSource {
        dir: root.join("proj"),
        file_name: "setup.cfg".to_string(),
    };
    assert_eq!(spec.projects, std::slice::from_ref(&project));
    assert_eq!(spec.project_at(&root.join("proj")), Some(&project));
    let [unnamed] = &spec.unnamed[..] else {
        panic!("{:?}", spec.unnamed)
    };
    let extras: Vec<String> = unnamed.extras.iter().map(ToString::to_string).collect();
    assert_eq!(extras, ["dev", "test"]);
    assert!(spec.requirements.is_empty() && !spec.is_empty());
}

#[test]
fn a_missing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.txt");
    let err = RequirementsSpec::from_sources_in(
        &[RequirementsSource::ConstraintsFile(missing.clone())],
        dir.path(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains(&*missing.to_string_lossy()),
        "{err}"
    );
}
