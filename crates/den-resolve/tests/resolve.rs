//! Resolver behaviour against an in-memory package source.

mod common;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use common::request;
use den_dist::{
    CoreMetadata, DistFilename, PackageName, Version, VersionSpecifiers, parse_requirement,
};
use den_resolve::{
    NameSelection, PackageSource, Ranges, Resolution, ResolveError, ResolveRequest, SourceError,
    SourceFile, resolve,
};
use pep508_rs::VerbatimUrl;

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

/// A fixture index: project name -> files, and URL -> file for URL requirements; records
/// fetches (project names, filenames whose metadata was read, URLs).
#[derive(Default)]
struct MemorySource {
    projects: HashMap<PackageName, Vec<TestFile>>,
    urls: HashMap<String, TestFile>,
    project_fetches: Mutex<Vec<String>>,
    /// `name: versions` for each `files_within` call, the versions it returned.
    within_fetches: Mutex<Vec<String>>,
    metadata_fetches: Mutex<Vec<String>>,
    direct_fetches: Mutex<Vec<String>>,
    /// Filenames whose metadata reads wait for one another: each read of one of them
    /// returns once all of them are being read at the same time, or fails after 10 s.
    rendezvous: Option<(Vec<String>, Arc<tokio::sync::Barrier>)>,
    /// Filenames handed to `prepare_pinned`.
    prebuilt: Mutex<Vec<String>>,
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

    /// An sdist `project-version.tar.gz` served at `url` with `deps` as Requires-Dist.
    fn url(&mut self, url: &str, project: &str, version: &str, deps: &[&str]) -> &mut Self {
        let file = test_file(project, version, "sdist", deps, None, None, false);
        self.urls.insert(url.to_string(), file);
        self
    }

    /// A file of `project` `version` tagged `tag` (a wheel tag, `"sdist"` for a `.tar.gz`, or
    /// `"sdist.zip"`); see [`test_file`].
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
        let file = test_file(
            project,
            version,
            tag,
            deps,
            file_requires_python,
            metadata_requires_python,
            yanked,
        );
        self.projects.entry(name(project)).or_default().push(file);
        self
    }
}

/// A file of `project` `version` tagged `tag` (a wheel tag, `"sdist"` for a `.tar.gz`, or
/// `"sdist.zip"`) whose metadata lists `deps` and `metadata_requires_python`.
#[allow(clippy::too_many_arguments)]
fn test_file(
    project: &str,
    version: &str,
    tag: &str,
    deps: &[&str],
    file_requires_python: Option<&str>,
    metadata_requires_python: Option<&str>,
    yanked: bool,
) -> TestFile {
    let filename = if tag == "sdist" {
        format!("{project}-{version}.tar.gz")
    } else if tag == "sdist.zip" {
        format!("{project}-{version}.zip")
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
    TestFile {
        filename: DistFilename::parse(&filename, &name(project)).unwrap(),
        requires_python: file_requires_python.map(|s| VersionSpecifiers::from_str(s).unwrap()),
        yanked,
        metadata,
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

    /// As an index does: the files in `within`, else all of them.
    async fn files_within(
        &self,
        project: &PackageName,
        within: &Ranges<Version>,
    ) -> Result<Vec<TestFile>, SourceError> {
        let all = self.files(project).await?;
        let inside: Vec<TestFile> = all
            .iter()
            .filter(|f| within.contains(f.filename.version()))
            .cloned()
            .collect();
        let files = if inside.is_empty() { all } else { inside };
        let versions: Vec<String> = files
            .iter()
            .map(|f| f.filename.version().to_string())
            .collect();
        self.within_fetches
            .lock()
            .unwrap()
            .push(format!("{project}: {}", versions.join(" ")));
        Ok(files)
    }

    async fn metadata(
        &self,
        _project: &PackageName,
        file: &TestFile,
    ) -> Result<CoreMetadata, SourceError> {
        self.metadata_fetches
            .lock()
            .unwrap()
            .push(file.filename.to_string_lossy());
        if let Some((filenames, barrier)) = &self.rendezvous
            && filenames.contains(&file.filename.to_string_lossy())
        {
            let wait = std::time::Duration::from_secs(10);
            if tokio::time::timeout(wait, barrier.wait()).await.is_err() {
                let error = std::io::Error::other(format!("{filenames:?} were not read at once"));
                return Err(SourceError::Other(Arc::new(error)));
            }
        }
        CoreMetadata::parse(file.metadata.as_bytes()).map_err(|e| SourceError::InvalidMetadata {
            filename: file.filename.to_string_lossy(),
            reason: e.to_string(),
        })
    }

    async fn prepare_pinned(&self, _project: &PackageName, file: &TestFile) {
        let filename = file.filename.to_string_lossy();
        self.prebuilt.lock().unwrap().push(filename);
    }

    async fn direct(
        &self,
        _project: &PackageName,
        url: &VerbatimUrl,
    ) -> Result<(TestFile, CoreMetadata), SourceError> {
        self.direct_fetches.lock().unwrap().push(url.to_string());
        tokio::task::yield_now().await;
        let file = self.urls.get(url.as_str()).cloned().ok_or_else(|| {
            let error = std::io::Error::other(format!("nothing at {url}"));
            SourceError::Other(Arc::new(error))
        })?;
        let metadata = CoreMetadata::parse(file.metadata.as_bytes())
            .map_err(|e| SourceError::Other(Arc::new(e)))?;
        Ok((file, metadata))
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
        parse_requirement("lib<2").unwrap(),
        parse_requirement("other==1.0").unwrap(),
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
    pre.releases = den_resolve::ReleaseControl::all();
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

/// A pre-release bound in a dependency's metadata alone does not let a pre-release in (dbt-postgres
/// declares `dbt-core>=1.8.0rc1`; uv and pip pick dbt-core's newest final release), but the
/// user's own bound does, and so does a dependency bound nothing final satisfies.
#[tokio::test]
async fn a_dependencys_prerelease_bound_does_not_open_the_door() {
    let build = || {
        let mut source = MemorySource::default();
        source
            .add("adapter", "1.0", &["core>=1.8.0rc1"])
            .add("core", "1.12.6", &[])
            .add("core", "1.13.0b1", &[])
            .add("edge", "1.0", &["core>1.12.6"]);
        Arc::new(source)
    };
    let version_of = |r: &Resolution<TestFile>, name: &str| {
        r.packages
            .iter()
            .find(|p| p.name.as_ref() == name)
            .unwrap()
            .version
            .to_string()
    };
    let chosen = resolve(build(), request(&["adapter"])).await.unwrap();
    assert_eq!(version_of(&chosen, "core"), "1.12.6");
    let chosen = resolve(build(), request(&["adapter", "core>=1.13.0b1"]))
        .await
        .unwrap();
    assert_eq!(version_of(&chosen, "core"), "1.13.0b1");
    let chosen = resolve(build(), request(&["edge"])).await.unwrap();
    assert_eq!(version_of(&chosen, "core"), "1.13.0b1");
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
    req.requirements = vec![parse_requirement("top==1.0").unwrap()];
    req.preferences = prefer(&[("dep", "1.5")]);
    req.constraints = vec![parse_requirement("dep>=2").unwrap()];
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

/// Projects pinned with `==` by a requirement or a constraint are asked for with the versions
/// the pins leave (`files_within`), others whole; a pin matching nothing still resolves to
/// the message naming what exists.
#[tokio::test]
async fn pinned_projects_are_asked_for_their_pinned_versions() {
    let mut source = MemorySource::default();
    source
        .add("a", "1.0", &["b", "c"])
        .add("a", "2.0", &["b", "c"])
        .add("b", "1.0", &[])
        .add("b", "2.0", &[])
        .add("c", "1.0", &[])
        .add("c", "2.0", &[]);
    let source = Arc::new(source);
    let mut req = request(&["a==1.0", "a<3"]);
    req.constraints = vec![
        parse_requirement("b==2.0").unwrap(),
        parse_requirement("c==1.0; sys_platform == 'nowhere'").unwrap(),
    ];
    let resolution = resolve(source.clone(), req).await.unwrap();
    assert_eq!(pins(&resolution), ["a==1.0", "b==2.0", "c==2.0"]);
    let mut within = source.within_fetches.lock().unwrap().clone();
    within.sort();
    assert_eq!(within, ["a: 1.0", "b: 2.0"]);
    assert_eq!(source.project_fetches.lock().unwrap().len(), 3);

    let err = resolve(source.clone(), request(&["a==9.0"]))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("2.0"), "{err}");
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

/// `values` of one pip option (`--no-binary` / `--only-binary`), parsed.
fn selection(values: &[&str]) -> NameSelection {
    let values: Vec<String> = values.iter().map(ToString::to_string).collect();
    NameSelection::parse(&values).unwrap()
}

/// The filename of the file chosen for `project`.
fn chosen(resolution: &Resolution<TestFile>, project: &str) -> String {
    let package = resolution
        .packages
        .iter()
        .find(|p| p.name == name(project))
        .unwrap();
    package.file.filename.to_string_lossy()
}

#[tokio::test]
async fn reports_projects_without_usable_files() {
    let mut source = MemorySource::default();
    source
        .add("app", "1.0", &["native"])
        .bare("native", "1.0", "cp311-cp311-win_amd64")
        .bare("native", "2.0", "cp312-cp312-win_amd64");
    let err = run(source, request(&["app"])).await.unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(
            err,
            ResolveError::NoUsableFile {
                wheels_excluded: false,
                sdists_excluded: false,
                ..
            }
        ),
        "{message}"
    );
    assert!(
        message.contains(
            "no version of native has a wheel compatible with this interpreter or a source \
             distribution (versions seen: 1.0, 2.0; the newest offers: cp312-cp312-win_amd64)"
        ),
        "{message}"
    );
    assert!(
        message.contains("cp312-cp312-manylinux_2_36_x86_64"),
        "{message}"
    );
}

#[tokio::test]
async fn chooses_an_sdist_when_a_project_has_only_sdists() {
    let mut source = MemorySource::default();
    source
        .add("app", "1.0", &["native>=1"])
        .file("native", "1.5", "sdist", &["helper"], None, None, false)
        .bare("native", "1.0", "cp312-cp312-win_amd64")
        .add("helper", "1.0", &[]);
    let source = Arc::new(source);
    let resolution = resolve(source.clone(), request(&["app"])).await.unwrap();
    assert_eq!(
        pins(&resolution),
        ["app==1.0", "helper==1.0", "native==1.5"]
    );
    assert_eq!(chosen(&resolution, "native"), "native-1.5.tar.gz");
    // The sdist's metadata was read (its dependency `helper` was followed).
    let fetched = source.metadata_fetches.lock().unwrap().clone();
    assert!(
        fetched.contains(&"native-1.5.tar.gz".to_string()),
        "{fetched:?}"
    );
}

#[tokio::test]
async fn prefers_a_wheel_within_a_version_and_lists_every_file_for_hashes() {
    let mut source = MemorySource::default();
    source
        .bare("pkg", "1.0", "sdist.zip")
        .bare("pkg", "1.0", "sdist")
        .bare("pkg", "1.0", "py3-none-any")
        .bare("pkg", "1.0", "cp39-cp39-win_amd64")
        .file("pkg", "1.0", "cp312-cp312-win_amd64", &[], None, None, true);
    let source = Arc::new(source);
    let hashable = |resolution: &Resolution<TestFile>| {
        let mut hashable: Vec<String> = resolution.packages[0]
            .hashable_files
            .iter()
            .map(|f| f.filename.to_string_lossy())
            .collect();
        hashable.sort();
        hashable
    };
    let every_file = ResolveRequest {
        every_file: true,
        ..request(&["pkg"])
    };
    let resolution = resolve(source.clone(), every_file).await.unwrap();
    assert_eq!(chosen(&resolution, "pkg"), "pkg-1.0-py3-none-any.whl");
    assert_eq!(
        hashable(&resolution),
        [
            "pkg-1.0-cp39-cp39-win_amd64.whl",
            "pkg-1.0-py3-none-any.whl",
            "pkg-1.0.tar.gz",
            "pkg-1.0.zip"
        ]
    );
    assert!(resolution.packages[0].url.is_none());
    // Only the chosen wheel's metadata is read, never the sdists'.
    assert_eq!(
        *source.metadata_fetches.lock().unwrap(),
        ["pkg-1.0-py3-none-any.whl"]
    );
    // Without `every_file`, the wheels for other interpreters are not kept.
    let resolution = resolve(source.clone(), request(&["pkg"])).await.unwrap();
    assert_eq!(chosen(&resolution, "pkg"), "pkg-1.0-py3-none-any.whl");
    assert_eq!(
        hashable(&resolution),
        ["pkg-1.0-py3-none-any.whl", "pkg-1.0.tar.gz", "pkg-1.0.zip"]
    );
    // When wheels are excluded, the .tar.gz is preferred over the .zip.
    let mut req = request(&["pkg"]);
    req.binary.no_binary = selection(&[":all:"]);
    let resolution = resolve(source, req).await.unwrap();
    assert_eq!(chosen(&resolution, "pkg"), "pkg-1.0.tar.gz");
}

#[tokio::test]
async fn newest_version_wins_unless_binaries_are_preferred() {
    let build = || {
        let mut source = MemorySource::default();
        source
            .add("pkg", "1.0", &[])
            .bare("pkg", "1.0", "sdist")
            .bare("pkg", "2.0", "sdist")
            .bare("pkg", "2.0", "cp312-cp312-win_amd64");
        Arc::new(source)
    };
    let source = build();
    let resolution = resolve(source.clone(), request(&["pkg"])).await.unwrap();
    assert_eq!(pins(&resolution), ["pkg==2.0"]);
    assert_eq!(chosen(&resolution, "pkg"), "pkg-2.0.tar.gz");

    let source = build();
    let mut req = request(&["pkg"]);
    req.binary.prefer_binary = true;
    let resolution = resolve(source.clone(), req.clone()).await.unwrap();
    assert_eq!(pins(&resolution), ["pkg==1.0"]);
    assert_eq!(chosen(&resolution, "pkg"), "pkg-1.0-py3-none-any.whl");
    assert_eq!(
        *source.metadata_fetches.lock().unwrap(),
        ["pkg-1.0-py3-none-any.whl"]
    );
    // prefer_binary still takes the sdist when no version in range has a wheel.
    req.requirements = vec![parse_requirement("pkg>=2").unwrap()];
    let resolution = resolve(build(), req).await.unwrap();
    assert_eq!(chosen(&resolution, "pkg"), "pkg-2.0.tar.gz");
}

#[tokio::test]
async fn only_binary_rejects_sdist_only_projects() {
    let mut source = MemorySource::default();
    source
        .add("app", "1.0", &["native"])
        .bare("native", "1.0", "sdist")
        .bare("native", "2.0", "sdist");
    let mut req = request(&["app"]);
    req.binary.only_binary = selection(&[":all:"]);
    let err = run(source, req).await.unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(
            err,
            ResolveError::NoUsableFile {
                sdists_excluded: true,
                wheels_excluded: false,
                ..
            }
        ),
        "{message}"
    );
    assert!(
        message.contains(
            "no version of native has a wheel compatible with this interpreter, and \
             --only-binary excludes source distributions (versions seen: 1.0, 2.0; the newest \
             offers: sdist)"
        ),
        "{message}"
    );
    assert!(
        message.contains("remove it or :all: from --only-binary"),
        "{message}"
    );
}

#[tokio::test]
async fn no_binary_for_one_project_builds_it_from_source() {
    let mut source = MemorySource::default();
    source
        .add("pkg", "1.0", &["dep"])
        .file("pkg", "1.0", "sdist", &["dep"], None, None, false)
        .add("dep", "1.0", &[])
        .bare("dep", "1.0", "sdist");
    let mut req = request(&["pkg"]);
    req.binary.no_binary = selection(&["PKG"]);
    let resolution = run(source, req).await.unwrap();
    assert_eq!(pins(&resolution), ["dep==1.0", "pkg==1.0"]);
    assert_eq!(chosen(&resolution, "pkg"), "pkg-1.0.tar.gz");
    assert_eq!(chosen(&resolution, "dep"), "dep-1.0-py3-none-any.whl");
}

#[tokio::test]
async fn a_name_beats_all_on_the_other_side() {
    let build = || {
        let mut source = MemorySource::default();
        source
            .add("foo", "1.0", &["bar"])
            .file("foo", "1.0", "sdist", &["bar"], None, None, false)
            .add("bar", "1.0", &[])
            .bare("bar", "1.0", "sdist");
        Arc::new(source)
    };
    // --only-binary :all: --no-binary foo
    let mut req = request(&["foo"]);
    req.binary.only_binary = selection(&[":all:"]);
    req.binary.no_binary = selection(&["foo"]);
    let resolution = resolve(build(), req.clone()).await.unwrap();
    assert_eq!(chosen(&resolution, "foo"), "foo-1.0.tar.gz");
    assert_eq!(chosen(&resolution, "bar"), "bar-1.0-py3-none-any.whl");
    // --no-binary :all: --only-binary bar
    req.binary.no_binary = selection(&[":all:"]);
    req.binary.only_binary = selection(&["bar"]);
    let resolution = resolve(build(), req.clone()).await.unwrap();
    assert_eq!(chosen(&resolution, "foo"), "foo-1.0.tar.gz");
    assert_eq!(chosen(&resolution, "bar"), "bar-1.0-py3-none-any.whl");
    // Named on both sides: nothing is left, and the message says so.
    req.binary.no_binary = selection(&["bar"]);
    let err = resolve(build(), req).await.unwrap_err();
    assert!(
        matches!(
            err,
            ResolveError::NoUsableFile {
                wheels_excluded: true,
                sdists_excluded: true,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().starts_with(
            "no file of bar may be used: --no-binary excludes its wheels and --only-binary its \
             source distributions"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn no_deps_resolves_only_the_requirements() {
    let mut source = MemorySource::default();
    source
        .add(
            "app",
            "1.0",
            &[
                "missing>=1",
                "other; extra == 'x'",
                "lib @ https://example.org/lib.tar.gz",
            ],
        )
        .add("app", "2.0", &[])
        .file(
            "app",
            "2.0",
            "py3-none-any",
            &[],
            None,
            Some(">=3.13"),
            false,
        );
    let source = Arc::new(source);
    let mut req = request(&["app[x]<2", "tool"]);
    req.no_deps = true;
    req.requirements.pop();
    let resolution = resolve(source.clone(), req).await.unwrap();
    assert_eq!(pins(&resolution), ["app==1.0"]);
    let app = &resolution.packages[0];
    assert!(app.dependencies.is_empty());
    assert_eq!(app.extras.len(), 1);
    let mut fetched = source.project_fetches.lock().unwrap().clone();
    fetched.dedup();
    assert_eq!(fetched, ["app"]);
    assert!(source.direct_fetches.lock().unwrap().is_empty());
}

#[tokio::test]
async fn url_requirements_pin_their_project() {
    let url = "https://example.org/dl/foo-1.0.tar.gz#sha256=abc";
    let mut source = MemorySource::default();
    source
        .url(url, "foo", "1.0", &["lib>=1", "fast; extra == 'speed'"])
        .add("foo", "2.0", &[])
        .add("app", "1.0", &["foo>=1"])
        .add("lib", "1.0", &[])
        .add("fast", "1.0", &[]);
    let source = Arc::new(source);
    let resolution = resolve(
        source.clone(),
        request(&["app", &format!("foo[speed] @ {url}")]),
    )
    .await
    .unwrap();
    assert_eq!(
        pins(&resolution),
        ["app==1.0", "fast==1.0", "foo==1.0", "lib==1.0"]
    );
    let foo = &resolution.packages[2];
    assert!(foo.requested);
    assert_eq!(foo.url.as_ref().unwrap().as_str(), url);
    assert_eq!(foo.file.filename.to_string_lossy(), "foo-1.0.tar.gz");
    assert_eq!(foo.hashable_files.len(), 1);
    assert_eq!(foo.extras.len(), 1);
    assert_eq!(foo.dependencies, [name("fast"), name("lib")]);
    // The index is never asked about foo, and the URL is fetched once.
    assert!(
        !source
            .project_fetches
            .lock()
            .unwrap()
            .contains(&"foo".to_string())
    );
    assert_eq!(source.direct_fetches.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn url_requirements_conflict_with_specifiers_that_exclude_them() {
    let url = "https://example.org/foo-1.0.tar.gz";
    let build = || {
        let mut source = MemorySource::default();
        source
            .url(url, "foo", "1.0", &[])
            .add("foo", "2.0", &[])
            .add("app", "1.0", &["foo>=2"]);
        Arc::new(source)
    };
    let err = resolve(build(), request(&[&format!("foo @ {url}"), "app"]))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, ResolveError::NoSolution { .. }), "{message}");
    assert!(
        message.contains(&format!(
            "Because app depends on foo>=2 and you require foo 1.0 (from {url}), no version of \
             app can be used."
        )),
        "{message}"
    );
    // The same project required by URL and by specifier in one place.
    let err = resolve(build(), request(&[&format!("foo @ {url}"), "foo>=2"]))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "no set of versions satisfies the requirements:\nyou require foo @ {url} (version \
             1.0) and foo>=2, which excludes that version"
        )
    );
}

#[tokio::test]
async fn two_urls_for_one_project_conflict() {
    let first = "https://alice:s3cret@example.org/foo-1.0.tar.gz";
    let second = "https://example.org/foo-1.1.tar.gz";
    let mut source = MemorySource::default();
    source
        .url(first, "foo", "1.0", &[])
        .url(second, "foo", "1.1", &[])
        .add("app", "1.0", &[&format!("foo @ {second}")]);
    let err = run(source, request(&[&format!("foo @ {first}"), "app"]))
        .await
        .unwrap_err();
    assert!(matches!(err, ResolveError::ConflictingUrls { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "foo is required from two different URLs: https://alice:****@example.org/foo-1.0.tar.gz \
         and https://example.org/foo-1.1.tar.gz; require it from one URL only"
    );
}

#[tokio::test]
async fn follows_url_dependencies_from_metadata() {
    let url = "https://example.org/lib-0.5.tar.gz";
    let mut source = MemorySource::default();
    source
        .add("app", "1.0", &[&format!("lib @ {url}")])
        .url(url, "lib", "0.5", &["util"])
        .add("util", "1.0", &[]);
    let source = Arc::new(source);
    let resolution = resolve(source.clone(), request(&["app"])).await.unwrap();
    assert_eq!(pins(&resolution), ["app==1.0", "lib==0.5", "util==1.0"]);
    assert_eq!(resolution.packages[1].url.as_ref().unwrap().as_str(), url);
    assert!(!resolution.packages[1].requested);
    assert!(
        !source
            .project_fetches
            .lock()
            .unwrap()
            .contains(&"lib".to_string())
    );
    // A URL the source cannot serve names the URL and keeps the cause.
    let err = resolve(source, request(&["x @ https://example.org/none.whl"]))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "could not get `x` from https://example.org/none.whl"
    );
    let cause = std::error::Error::source(&err).unwrap().to_string();
    assert_eq!(cause, "nothing at https://example.org/none.whl");
}

#[tokio::test]
async fn explains_a_url_dependency_excluded_by_the_user() {
    let url = "https://example.org/foo-1.0.tar.gz";
    let mut source = MemorySource::default();
    source
        .url(url, "foo", "1.0", &[])
        .add("foo", "2.0", &[])
        .add("app", "1.0", &[&format!("foo @ {url}")]);
    let err = run(source, request(&["foo>=2", "app"])).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, ResolveError::NoSolution { .. }), "{message}");
    assert!(
        message.contains(&format!(
            "no usable version of foo>=2 exists (app 1.0 requires foo @ {url}, which is version \
             1.0) and you require foo>=2"
        )),
        "{message}"
    );
}

/// The files whose metadata was read, sorted.
fn metadata_read(source: &MemorySource) -> Vec<String> {
    let mut read = source.metadata_fetches.lock().unwrap().clone();
    read.sort();
    read
}

#[tokio::test]
async fn skips_versions_with_invalid_metadata() {
    let mut source = MemorySource::default();
    source
        .add("app", "1.0", &["lib"])
        .add("lib", "1.0", &[])
        // Invalid requirement: the version is skipped, not the resolution.
        .add("lib", "2.0", &["pytz (>dev)"])
        .add("celery", "5.2.5", &["lib; extra == 'redis'"])
        // An invalid requirement behind an extra.
        .add("celery", "5.2.6", &["lib (>dev); extra == 'redis'"])
        // An invalid Requires-Python.
        .file(
            "celery",
            "5.2.7",
            "py3-none-any",
            &[],
            None,
            Some(">=3.7,"),
            false,
        );
    let source = Arc::new(source);

    let resolution = resolve(source.clone(), request(&["app", "celery[redis]"]))
        .await
        .unwrap();
    assert_eq!(pins(&resolution), ["app==1.0", "celery==5.2.5", "lib==1.0"]);

    let err = resolve(source.clone(), request(&["lib==2.0"]))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, ResolveError::NoSolution { .. }), "{message}");
    assert!(
        message.contains("lib 2.0 has invalid metadata (lib-2.0-py3-none-any.whl): "),
        "{message}"
    );
    assert!(message.contains("you require lib 2.0"), "{message}");
    assert!(!message.contains('^'), "{message}");

    let message = resolve(source, request(&["celery[redis]==5.2.6"]))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("celery 5.2.6 has invalid metadata (celery-5.2.6-py3-none-any.whl)"),
        "{message}"
    );
    assert!(!message.contains("depends on celery[redis]"), "{message}");
}

/// kombu 5.0 to 5.7, each with a `redis` extra; from 5.3 on the extra needs redis>=6. 5.0
/// and 5.1 are sdists, which a walk down never reads ahead: if their metadata is read, the
/// solver asked for it.
fn kombu_versions() -> MemorySource {
    let mut source = MemorySource::default();
    for minor in 0..8 {
        let redis = if minor >= 3 { "redis>=6" } else { "redis>=4" };
        let dep = format!("{redis}; extra == 'redis'");
        let tag = if minor < 2 { "sdist" } else { "py3-none-any" };
        let version = format!("5.{minor}.0");
        source.file("kombu", &version, tag, &[&dep], None, None, false);
    }
    source
        .add("redis", "4.0", &[])
        .add("redis", "5.0", &[])
        .add("redis", "6.0", &[])
        .add(
            "celery",
            "5.5.3",
            &["kombu", "kombu[redis]; extra == 'redis'"],
        );
    source
}

#[tokio::test]
async fn an_extra_takes_its_projects_version_without_reading_other_metadata() {
    let source = Arc::new(kombu_versions());
    let resolution = resolve(source.clone(), request(&["kombu==5.4.0", "celery[redis]"]))
        .await
        .unwrap();
    assert_eq!(
        pins(&resolution),
        ["celery==5.5.3", "kombu==5.4.0", "redis==6.0"]
    );
    let kombu: Vec<String> = metadata_read(&source)
        .into_iter()
        .filter(|f| f.starts_with("kombu"))
        .collect();
    assert_eq!(kombu, ["kombu-5.4.0-py3-none-any.whl"]);
    let kombu = &resolution.packages[1];
    assert_eq!(kombu.extras.len(), 1);
    assert_eq!(kombu.dependencies, [name("redis")]);
}

#[tokio::test]
async fn an_extra_that_conflicts_backtracks_its_project_without_reading_older_versions() {
    for requirements in [
        &["celery[redis]", "redis<6"][..],
        // kombu is chosen before anything requires its extra.
        &["kombu", "middle", "redis<6"][..],
    ] {
        let mut source = kombu_versions();
        source.add("middle", "1.0", &["celery[redis]"]);
        let source = Arc::new(source);
        let resolution = resolve(source.clone(), request(requirements))
            .await
            .unwrap();
        let kombu = resolution.packages.iter().find(|p| p.name == name("kombu"));
        assert_eq!(kombu.unwrap().version.to_string(), "5.2.0");
        let read = metadata_read(&source);
        assert!(
            !read
                .iter()
                .any(|f| f.starts_with("kombu-5.1") || f.starts_with("kombu-5.0")),
            "{requirements:?}: {read:?}"
        );
    }
    let source = Arc::new(kombu_versions());
    let message = resolve(source, request(&["kombu[redis]==5.7.0", "redis<6"]))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("kombu[redis] 5.7.0 depends on redis>=6"),
        "{message}"
    );
    assert!(!message.contains("depends on kombu[redis]"), "{message}");
}

#[tokio::test]
async fn a_preferred_yanked_version_is_kept() {
    let mut source = MemorySource::default();
    source
        .add("pytest", "8.0.0", &[])
        .file(
            "pytest",
            "8.1.0",
            "py3-none-any",
            &["hypothesis; extra == 'testing'"],
            None,
            None,
            true,
        )
        .add("pytest", "9.2.0", &[])
        .add("plugin", "1.0", &["pytest[testing]>=8"])
        .add("hypothesis", "6.0", &[]);
    let source = Arc::new(source);
    let mut req = request(&["pytest", "plugin"]);
    req.preferences = vec![(name("pytest"), Version::from_str("8.1.0").unwrap())];
    let resolution = resolve(source.clone(), req.clone()).await.unwrap();
    assert_eq!(
        pins(&resolution),
        ["hypothesis==6.0", "plugin==1.0", "pytest==8.1.0"]
    );
    let pytest = &resolution.packages[2];
    assert!(pytest.file.yanked);
    // The requirements exclude the preference: the newest non-yanked version.
    req.requirements = vec![parse_requirement("pytest>8.1").unwrap()];
    let resolution = resolve(source.clone(), req).await.unwrap();
    assert_eq!(pins(&resolution), ["pytest==9.2.0"]);
    // No preference: yanked versions are skipped.
    let resolution = resolve(source, request(&["pytest<9"])).await.unwrap();
    assert_eq!(pins(&resolution), ["pytest==8.0.0"]);
}

// The decision order. Each expectation below was checked on 2026-12-06 against uv 0.13.9
// (`uv pip compile --no-index --find-links DIR`) and pip-tools 7.7.0's pip-compile on the same
// projects built as wheels; both agree unless a comment says otherwise.

/// delta-spark-like: the five newer `delta-spark` versions need an older `pyspark`, the oldest
/// accepts any.
fn spark_versions() -> MemorySource {
    let mut source = MemorySource::default();
    source
        .add("pyspark", "4.2.0", &["pandas>=2; extra == 'sql'"])
        .add("pyspark", "4.3.0", &["pandas>=2; extra == 'sql'"])
        .add("pandas", "2.0", &[])
        .add("delta-spark", "4.1.0", &["pyspark>=4.0"]);
    for minor in 2..7 {
        source.add(
            "delta-spark",
            &format!("4.{minor}.0"),
            &["pyspark>=4.2,<4.3"],
        );
    }
    source
}

#[tokio::test]
async fn the_first_listed_requirement_keeps_its_newest_version() {
    let resolution = run(spark_versions(), request(&["delta-spark", "pyspark[sql]"]))
        .await
        .unwrap();
    assert_eq!(
        pins(&resolution),
        ["delta-spark==4.6.0", "pandas==2.0", "pyspark==4.2.0"]
    );
    // pyspark is decided first; after five rejected delta-spark versions it becomes the
    // culprit, but its extra, decided before it, keeps pyspark at 4.3.0.
    let resolution = run(spark_versions(), request(&["pyspark[sql]", "delta-spark"]))
        .await
        .unwrap();
    assert_eq!(
        pins(&resolution),
        ["delta-spark==4.1.0", "pandas==2.0", "pyspark==4.3.0"]
    );
    // Without the extra nothing holds pyspark: it moves.
    let resolution = run(spark_versions(), request(&["pyspark", "delta-spark"]))
        .await
        .unwrap();
    assert_eq!(pins(&resolution), ["delta-spark==4.6.0", "pyspark==4.2.0"]);
}

/// airflow-like: every `google` but the oldest needs `tenacity<2`; `newer` versions of
/// `google` besides 1.0.
fn tenacity_versions(newer: u32) -> MemorySource {
    let mut source = MemorySource::default();
    source
        .add("tenacity", "1.0", &[])
        .add("tenacity", "2.0", &[])
        .add("google", "1.0", &["tenacity"]);
    for major in 2..2 + newer {
        source.add("google", &format!("{major}.0"), &["tenacity<2"]);
    }
    source
}

#[tokio::test]
async fn a_project_that_keeps_conflicting_moves_instead_of_walking_the_other_back() {
    // tenacity is decided first and google walked back from 8.0; after five rejections because
    // of tenacity, google is decided first and tenacity moves to 1.0.
    for requirements in [["tenacity", "google"], ["google", "tenacity"]] {
        let resolution = run(tenacity_versions(7), request(&requirements))
            .await
            .unwrap();
        assert_eq!(
            pins(&resolution),
            ["google==8.0", "tenacity==1.0"],
            "{requirements:?}"
        );
    }
    // Three rejections stay under the threshold: the requirement written first keeps its
    // newest version (uv's answer; pip-compile's resolvelib pins google 4.0 and tenacity 1.0).
    let resolution = run(tenacity_versions(3), request(&["tenacity", "google"]))
        .await
        .unwrap();
    assert_eq!(pins(&resolution), ["google==1.0", "tenacity==2.0"]);
}

#[tokio::test]
async fn the_sdists_of_the_users_requirements_are_read_at_once() {
    let mut source = MemorySource::default();
    source
        .file("first", "1.0", "sdist", &["dep"], None, None, false)
        .file("second", "2.0", "sdist", &[], None, None, false)
        .add("dep", "1.0", &[]);
    let both = ["first-1.0.tar.gz", "second-2.0.tar.gz"].map(String::from);
    source.rendezvous = Some((both.to_vec(), Arc::new(tokio::sync::Barrier::new(2))));
    let source = Arc::new(source);
    // Each read waits until both are under way: read one after the other, they fail.
    let resolution = resolve(source.clone(), request(&["first", "second"]))
        .await
        .unwrap();
    assert_eq!(pins(&resolution), ["dep==1.0", "first==1.0", "second==2.0"]);
}

#[tokio::test]
async fn what_the_user_pins_alone_is_handed_over_to_be_built_early() {
    let mut source = MemorySource::default();
    source
        .file("pinned", "1.0", "sdist", &["dep"], None, None, false)
        .file("pinned", "2.0", "sdist", &[], None, None, false)
        .file("loose", "1.0", "sdist", &[], None, None, false)
        .add("dep", "1.0", &[])
        .add("wheeled", "1.0", &[]);
    let source = Arc::new(source);
    let resolution = resolve(
        source.clone(),
        request(&["pinned==1.0", "loose", "wheeled===1.0"]),
    )
    .await
    .unwrap();
    assert_eq!(
        pins(&resolution),
        ["dep==1.0", "loose==1.0", "pinned==1.0", "wheeled==1.0"]
    );
    // The calls run in the background: wait for the two expected, then see nothing else came.
    let prebuilt = || {
        let mut seen = source.prebuilt.lock().unwrap().clone();
        seen.sort();
        seen
    };
    for _ in 0..100 {
        if prebuilt().len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(
        prebuilt(),
        ["pinned-1.0.tar.gz", "wheeled-1.0-py3-none-any.whl"]
    );
}

#[tokio::test]
async fn an_sdist_is_not_built_for_a_version_ruled_out_before_it_is_decided() {
    let mut source = MemorySource::default();
    source
        .add("app", "1.0", &["native<2"])
        .add("tool", "1.0", &["native"])
        .add("native", "1.0", &[])
        .file("native", "2.0", "sdist", &[], None, None, false);
    let source = Arc::new(source);
    let resolution = resolve(source.clone(), request(&["app", "tool"]))
        .await
        .unwrap();
    assert_eq!(pins(&resolution), ["app==1.0", "native==1.0", "tool==1.0"]);
    let read = metadata_read(&source);
    assert!(!read.contains(&"native-2.0.tar.gz".to_string()), "{read:?}");
}

#[tokio::test]
async fn a_walk_down_reads_the_next_versions_metadata_at_once_but_builds_no_sdist() {
    // base is pinned to 1.0 and every walker from 3.0 up needs base>=2: the solver walks
    // walker down from 10.0 to 2.0. From the second rejection on, the next versions' metadata
    // is read ahead at once (one after the other, the rendezvous fails); the sdist 1.5 below
    // is never read for a guess.
    let mut source = MemorySource::default();
    source
        .add("base", "1.0", &[])
        .add("base", "2.0", &[])
        .add("walker", "1.0", &[])
        .file("walker", "1.5", "sdist", &[], None, None, false)
        .add("walker", "2.0", &[]);
    for major in 3..=10 {
        source.add("walker", &format!("{major}.0"), &["base>=2"]);
    }
    let together = ["4.0", "5.0", "6.0", "7.0"].map(|v| format!("walker-{v}-py3-none-any.whl"));
    let barrier = Arc::new(tokio::sync::Barrier::new(together.len()));
    source.rendezvous = Some((together.to_vec(), barrier));
    let source = Arc::new(source);
    let resolution = resolve(source.clone(), request(&["base==1.0", "walker"]))
        .await
        .unwrap();
    assert_eq!(pins(&resolution), ["base==1.0", "walker==2.0"]);
    let read = metadata_read(&source);
    assert!(!read.contains(&"walker-1.5.tar.gz".to_string()), "{read:?}");
}
