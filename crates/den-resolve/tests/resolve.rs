//! Resolver behaviour against an in-memory package source.

mod common;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use common::request;
use den_dist::{CoreMetadata, DistFilename, PackageName, Requirement, Version, VersionSpecifiers};
use den_resolve::{
    PackageSource, Resolution, ResolveError, ResolveRequest, SourceError, SourceFile, resolve,
};

#[derive(Debug, Clone)]
struct TestFile {
    filename: DistFilename,
    requires_python: Option<VersionSpecifiers>,
    yanked: bool,
    metadata: String,
}

impl SourceFile for TestFile {
    fn filename(&self) -> &DistFilename {
        &self.filename
    }
    fn requires_python(&self) -> Option<&VersionSpecifiers> {
        self.requires_python.as_ref()
    }
    fn is_yanked(&self) -> bool {
        self.yanked
    }
}

/// A fixture index: project name -> files; counts fetches.
#[derive(Default)]
struct MemorySource {
    projects: HashMap<PackageName, Vec<TestFile>>,
    project_fetches: Mutex<Vec<String>>,
    metadata_fetches: Mutex<Vec<String>>,
}

fn name(s: &str) -> PackageName {
    PackageName::from_str(s).unwrap()
}

impl MemorySource {
    /// A pure-Python wheel `name-version-py3-none-any.whl` with `deps` as Requires-Dist.
    fn add(&mut self, project: &str, version: &str, deps: &[&str]) -> &mut Self {
        self.file(project, version, "py3-none-any", deps, None, None, false)
    }

    /// A file of `project` `version` tagged `tag` (or `"sdist"`), with no dependencies, no
    /// Requires-Python and not yanked.
    fn bare(&mut self, project: &str, version: &str, tag: &str) -> &mut Self {
        self.file(project, version, tag, &[], None, None, false)
    }

    /// `pkg` 2.0 whose metadata requires Python >=3.13 and `pkg` 3.0 whose index entry does:
    /// neither fits the 3.12.1 target.
    fn add_pkg_needing_python_3_13(&mut self) -> &mut Self {
        self.file(
            "pkg",
            "2.0",
            "py3-none-any",
            &[],
            None,
            Some(">=3.13"),
            false,
        )
        .file(
            "pkg",
            "3.0",
            "py3-none-any",
            &[],
            Some(">=3.13"),
            None,
            false,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn file(
        &mut self,
        project: &str,
        version: &str,
        tag: &str,
        deps: &[&str],
        file_requires_python: Option<&str>,
        metadata_requires_python: Option<&str>,
        yanked: bool,
    ) -> &mut Self {
        let filename = if tag == "sdist" {
            format!("{project}-{version}.tar.gz")
        } else {
            format!("{}-{version}-{tag}.whl", project.replace('-', "_"))
        };
        let mut metadata = format!("Metadata-Version: 2.1\nName: {project}\nVersion: {version}\n");
        if let Some(rp) = metadata_requires_python {
            metadata.push_str(&format!("Requires-Python: {rp}\n"));
        }
        for dep in deps {
            metadata.push_str(&format!("Requires-Dist: {dep}\n"));
        }
        let file = TestFile {
            filename: DistFilename::parse(&filename, &name(project)).unwrap(),
            requires_python: file_requires_python.map(|s| VersionSpecifiers::from_str(s).unwrap()),
            yanked,
            metadata,
        };
        self.projects.entry(name(project)).or_default().push(file);
        self
    }
}

impl PackageSource for MemorySource {
    type File = TestFile;

    async fn files(&self, project: &PackageName) -> Result<Vec<TestFile>, SourceError> {
        self.project_fetches
            .lock()
            .unwrap()
            .push(project.to_string());
        tokio::task::yield_now().await;
        self.projects
            .get(project)
            .cloned()
            .ok_or_else(|| SourceError::NotFound {
                name: project.clone(),
                indexes: Vec::new(),
            })
    }

    async fn metadata(
        &self,
        _project: &PackageName,
        file: &TestFile,
    ) -> Result<CoreMetadata, SourceError> {
        self.metadata_fetches
            .lock()
            .unwrap()
            .push(format!("{:?}", file.filename.version()));
        CoreMetadata::parse(file.metadata.as_bytes()).map_err(|e| SourceError::Other(Arc::new(e)))
    }
}

async fn run(
    source: MemorySource,
    request: ResolveRequest,
) -> Result<Resolution<TestFile>, ResolveError> {
    resolve(Arc::new(source), request).await
}

/// `name==version` for every package, sorted.
fn pins(resolution: &Resolution<TestFile>) -> Vec<String> {
    resolution
        .packages
        .iter()
        .map(|p| format!("{}=={}", p.name, p.version))
        .collect()
}

#[tokio::test]
async fn resolves_a_chain_with_newest_versions() {
    let mut source = MemorySource::default();
    source
        .add("app", "1.0", &["lib>=1"])
        .add("app", "2.0", &["lib>=2", "util"])
        .add("lib", "1.5", &[])
        .add("lib", "2.1", &["util<3"])
        .add("util", "2.0", &[])
        .add("util", "3.0", &[]);
    let resolution = run(source, request(&["app"])).await.unwrap();
    assert_eq!(pins(&resolution), ["app==2.0", "lib==2.1", "util==2.0"]);
    let app = &resolution.packages[0];
    assert!(app.requested);
    assert_eq!(app.dependencies, [name("lib"), name("util")]);
    assert!(!resolution.packages[1].requested);
    assert_eq!(
        app.file.filename.to_string_lossy(),
        "app-2.0-py3-none-any.whl"
    );
}

trait Lossy {
    fn to_string_lossy(&self) -> String;
}

impl Lossy for DistFilename {
    fn to_string_lossy(&self) -> String {
        match self {
            DistFilename::Wheel(w) => w.to_string(),
            DistFilename::SourceDist(s) => format!("{}-{}{}", s.name, s.version, s.extension),
        }
    }
}

#[tokio::test]
async fn resolves_extras_as_virtual_packages() {
    let mut source = MemorySource::default();
    source
        .add(
            "flask",
            "3.0.0",
            &[
                "werkzeug>=3",
                "asgiref>=3.2; extra == \"async\"",
                "dotenv; extra == 'dotenv'",
            ],
        )
        .add("werkzeug", "3.0.1", &[])
        .add("asgiref", "3.7.0", &[])
        .add("dotenv", "1.0", &[]);
    let source = Arc::new(source);
    let plain = resolve(source.clone(), request(&["flask"])).await.unwrap();
    assert_eq!(pins(&plain), ["flask==3.0.0", "werkzeug==3.0.1"]);
    let with_extra = resolve(source, request(&["flask[async]"])).await.unwrap();
    assert_eq!(
        pins(&with_extra),
        ["asgiref==3.7.0", "flask==3.0.0", "werkzeug==3.0.1"]
    );
    let flask = &with_extra.packages[1];
    assert_eq!(flask.extras.len(), 1);
    assert_eq!(flask.extras[0].as_ref(), "async");
    assert_eq!(flask.dependencies, [name("asgiref"), name("werkzeug")]);
}

#[tokio::test]
async fn evaluates_markers_for_the_target() {
    let mut source = MemorySource::default();
    source
        .add(
            "pkg",
            "1.0",
            &[
                "old; python_version < \"3.10\"",
                "new; python_version >= \"3.10\"",
                "win; sys_platform == \"win32\"",
                "lin; sys_platform == \"linux\"",
            ],
        )
        .add("new", "1.0", &[])
        .add("lin", "1.0", &[]);
    let resolution = run(source, request(&["pkg", "skipped; os_name == 'nt'"]))
        .await
        .unwrap();
    assert_eq!(pins(&resolution), ["lin==1.0", "new==1.0", "pkg==1.0"]);
}

#[tokio::test]
async fn constraints_narrow_without_adding() {
    let mut source = MemorySource::default();
    source
        .add("app", "1.0", &["lib"])
        .add("lib", "1.0", &[])
        .add("lib", "2.0", &[])
        .add("other", "1.0", &[]);
    let mut req = request(&["app"]);
    req.constraints = vec![
        Requirement::from_str("lib<2").unwrap(),
        Requirement::from_str("other==1.0").unwrap(),
    ];
    let resolution = run(source, req).await.unwrap();
    assert_eq!(pins(&resolution), ["app==1.0", "lib==1.0"]);
}

#[tokio::test]
async fn explains_conflicts_in_sentences() {
    let mut source = MemorySource::default();
    source
        .add("flask", "3.0.0", &["werkzeug>=3.0.0"])
        .add("flask", "3.0.1", &["werkzeug>=3.0.0"])
        .add("werkzeug", "1.0", &[])
        .add("werkzeug", "3.0.1", &[]);
    let err = run(source, request(&["flask>=3", "werkzeug<2"]))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, ResolveError::NoSolution { .. }), "{message}");
    assert!(
        message.contains("flask>=3.0.0 depends on werkzeug>=3.0.0"),
        "{message}"
    );
    assert!(message.contains("you require werkzeug<2"), "{message}");
    assert!(message.contains("you require flask>=3"), "{message}");
    assert!(
        message.contains("your requirements cannot be satisfied"),
        "{message}"
    );
    assert!(
        !message.contains("Ranges") && !message.contains('∅'),
        "{message}"
    );
}

#[tokio::test]
async fn skips_yanked_unless_pinned() {
    let mut source = MemorySource::default();
    source
        .add("pkg", "1.0", &[])
        .file("pkg", "1.1", "py3-none-any", &[], None, None, true);
    let source = Arc::new(source);
    let resolution = resolve(source.clone(), request(&["pkg"])).await.unwrap();
    assert_eq!(pins(&resolution), ["pkg==1.0"]);
    let resolution = resolve(source, request(&["pkg==1.1"])).await.unwrap();
    assert_eq!(pins(&resolution), ["pkg==1.1"]);
    assert!(resolution.packages[0].file.yanked);
}

#[tokio::test]
async fn honours_requires_python_of_files_and_metadata() {
    let mut source = MemorySource::default();
    source.add("pkg", "1.0", &[]).add_pkg_needing_python_3_13();
    let resolution = run(source, request(&["pkg"])).await.unwrap();
    assert_eq!(pins(&resolution), ["pkg==1.0"]);

    let mut source = MemorySource::default();
    source.add_pkg_needing_python_3_13();
    let message = run(source, request(&["pkg"]))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("pkg 2.0 requires Python >=3.13, but the target is 3.12.1"),
        "{message}"
    );
    assert!(
        message.contains("(3.0 requires Python >=3.13)"),
        "{message}"
    );
}

#[tokio::test]
async fn reports_projects_without_compatible_wheels() {
    let mut source = MemorySource::default();
    source
        .add("app", "1.0", &["native"])
        .bare("native", "1.0", "sdist")
        .bare("native", "2.0", "cp312-cp312-win_amd64");
    let err = run(source, request(&["app"])).await.unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, ResolveError::NoCompatibleWheel { .. }),
        "{message}"
    );
    assert!(
        message.contains("no version of native has a wheel"),
        "{message}"
    );
    assert!(message.contains("1.0, 2.0"), "{message}");
    assert!(
        message.contains("cp312-cp312-manylinux_2_36_x86_64"),
        "{message}"
    );
    assert!(
        message.contains("Source distributions are not supported"),
        "{message}"
    );
}

#[tokio::test]
async fn picks_the_best_wheel_of_a_version() {
    let mut source = MemorySource::default();
    source
        .bare("fast", "1.0", "py3-none-any")
        .bare("fast", "1.0", "cp312-cp312-manylinux_2_17_x86_64")
        .bare("fast", "1.0", "1-cp312-cp312-manylinux_2_17_x86_64")
        .bare("fast", "1.0", "cp312-cp312-macosx_11_0_arm64");
    let resolution = run(source, request(&["fast"])).await.unwrap();
    assert_eq!(
        resolution.packages[0].file.filename.to_string_lossy(),
        "fast-1.0-1-cp312-cp312-manylinux_2_17_x86_64.whl"
    );
}

#[tokio::test]
async fn applies_prerelease_rules() {
    let build = || {
        let mut source = MemorySource::default();
        source.add("pkg", "1.0", &[]).add("pkg", "2.0b1", &[]);
        Arc::new(source)
    };
    let pinned = |r: Resolution<TestFile>| r.packages[0].version.to_string();
    assert_eq!(
        pinned(resolve(build(), request(&["pkg"])).await.unwrap()),
        "1.0"
    );
    let mut pre = request(&["pkg"]);
    pre.prereleases = true;
    assert_eq!(pinned(resolve(build(), pre).await.unwrap()), "2.0b1");
    assert_eq!(
        pinned(resolve(build(), request(&["pkg>=2.0b1"])).await.unwrap()),
        "2.0b1"
    );
    // Nothing else matches: the pre-release is taken.
    assert_eq!(
        pinned(resolve(build(), request(&["pkg>1"])).await.unwrap()),
        "2.0b1"
    );
}

#[tokio::test]
async fn keeps_preferences_unless_they_must_change() {
    let build = || {
        let mut source = MemorySource::default();
        source
            .add("top", "1.0", &["dep"])
            .add("top", "2.0", &["dep>=1.5"])
            .add("dep", "1.0", &[])
            .add("dep", "1.5", &[])
            .add("dep", "2.0", &[]);
        Arc::new(source)
    };
    let prefer = |pairs: &[(&str, &str)]| -> Vec<(PackageName, Version)> {
        pairs
            .iter()
            .map(|(n, v)| (name(n), Version::from_str(v).unwrap()))
            .collect()
    };
    let mut req = request(&["top"]);
    req.preferences = prefer(&[("top", "1.0"), ("dep", "1.5")]);
    let r = resolve(build(), req.clone()).await.unwrap();
    assert_eq!(pins(&r), ["dep==1.5", "top==1.0"]);
    // `-U top`: the caller drops top's preference; the unnamed dependency `dep` stays at 1.5
    // (pip's only-if-needed strategy), it is not upgraded to 2.0.
    req.preferences = prefer(&[("dep", "1.5")]);
    let r = resolve(build(), req.clone()).await.unwrap();
    assert_eq!(pins(&r), ["dep==1.5", "top==2.0"]);
    // A preference the requirements exclude gives way.
    req.preferences = prefer(&[("dep", "1.0")]);
    let r = resolve(build(), req.clone()).await.unwrap();
    assert_eq!(pins(&r), ["dep==2.0", "top==2.0"]);
    req.requirements = vec![Requirement::from_str("top==1.0").unwrap()];
    req.preferences = prefer(&[("dep", "1.5")]);
    req.constraints = vec![Requirement::from_str("dep>=2").unwrap()];
    let r = resolve(build(), req).await.unwrap();
    assert_eq!(pins(&r), ["dep==2.0", "top==1.0"]);
}

#[tokio::test]
async fn reports_missing_projects_and_versions() {
    let mut source = MemorySource::default();
    source
        .add("requests", "2.31.0", &[])
        .add("requests", "2.32.3", &[]);
    let source = Arc::new(source);
    let err = resolve(source.clone(), request(&["reqests"]))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ResolveError::NotFound {
                required_by: None,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "no project named `reqests` on the package index: check the spelling, or --index-url"
    );
    let mut broken = MemorySource::default();
    broken
        .add("app", "1.0", &["helper[fast]>=1"])
        .add("other", "1.0", &[]);
    let err = resolve(Arc::new(broken), request(&["other", "app"]))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no project named `helper` on the package index, required by app 1.0: check the \
         spelling, or --index-url"
    );
    let err = resolve(source, request(&["requests==99.0"]))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no version of requests matches ==99.0; available: 2.31.0, 2.32.3, latest 2.32.3"
    );
}

#[tokio::test]
async fn fetches_each_project_once() {
    let mut source = MemorySource::default();
    source
        .add("a", "1.0", &["b", "c"])
        .add("b", "1.0", &["c", "d"])
        .add("c", "1.0", &["d"])
        .add("d", "1.0", &[]);
    let source = Arc::new(source);
    let resolution = resolve(source.clone(), request(&["a", "b"])).await.unwrap();
    assert_eq!(pins(&resolution), ["a==1.0", "b==1.0", "c==1.0", "d==1.0"]);
    let mut fetched = source.project_fetches.lock().unwrap().clone();
    fetched.sort();
    assert_eq!(fetched, ["a", "b", "c", "d"]);
    assert_eq!(source.metadata_fetches.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn refuses_url_requirements() {
    let mut source = MemorySource::default();
    source
        .add(
            "app",
            "1.0",
            &["lib @ https://example.org/lib-1.0-py3-none-any.whl"],
        )
        .add("app", "0.9", &[]);
    let source = Arc::new(source);
    let err = resolve(source.clone(), request(&["x @ https://example.org/x.whl"]))
        .await
        .unwrap_err();
    assert!(matches!(err, ResolveError::UrlRequirement { .. }), "{err}");
    assert!(err.to_string().contains("not support yet"), "{err}");
    // A dependency given by URL makes that version unusable; an older one is taken.
    let resolution = resolve(source, request(&["app"])).await.unwrap();
    assert_eq!(pins(&resolution), ["app==0.9"]);
}

#[tokio::test]
async fn explains_transitive_conflicts() {
    let mut source = MemorySource::default();
    source
        .add("web", "2.0", &["core>=2"])
        .add("cli", "1.0", &["core<2"])
        .add("core", "1.0", &[])
        .add("core", "2.0", &[]);
    let message = run(source, request(&["web", "cli"]))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("web 2.0 depends on core>=2")
            || message.contains("web depends on core>=2"),
        "{message}"
    );
    assert!(message.contains("depends on core<2"), "{message}");
    assert!(
        message.contains("your requirements cannot be satisfied"),
        "{message}"
    );
}
