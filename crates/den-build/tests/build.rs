//! Building real sdists with real interpreters: the in-tree test backend (hooks, caching,
//! failures, editables, extra build requirements) and setuptools served from a loopback index.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::{Setup, hooks_run, zip_names};
use den_build::{BuildContext, BuildError, SourceTree};
use den_cache::CacheBucket;
use den_dist::{PackageName, Requirement, Version};
use den_python::Interpreter;
use den_test_support::{
    SdistBackend, SdistBuilder, WheelBuilder, pyenv_python, require, setuptools_wheel,
    wheel_package_wheel,
};
use den_venv::VirtualEnv;
use futures::future::BoxFuture;

/// The build environments in the Builds bucket (directories not starting with `.`).
fn build_envs(setup: &Setup) -> Vec<PathBuf> {
    let bucket = setup.cache.bucket(CacheBucket::Builds).unwrap();
    let mut envs: Vec<PathBuf> = std::fs::read_dir(bucket)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    envs.sort();
    envs
}

/// Whether the environment at `env` has a top-level package `name` in its site-packages.
fn env_has_package(env: &Path, name: &str) -> bool {
    std::fs::read_dir(env.join("lib")).unwrap().any(|python| {
        python
            .unwrap()
            .path()
            .join("site-packages")
            .join(name)
            .is_dir()
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn in_tree_backend_metadata_comes_from_the_prepare_hook_and_is_cached() {
    let setup = Setup::new();
    let source = setup.unpack(
        &SdistBuilder::new("Hooked", "1.2")
            .requires_dist("dep>=2")
            .requires_python(">=3.7"),
    );
    let builder = setup.builder(true);
    let metadata = builder.metadata(&source).await.unwrap();
    assert_eq!(metadata.display_name, "Hooked");
    assert_eq!(metadata.version.to_string(), "1.2");
    assert_eq!(metadata.requires_dist[0].to_string(), "dep>=2");
    assert_eq!(
        hooks_run(&source),
        [
            "get_requires_for_build_wheel",
            "prepare_metadata_for_build_wheel"
        ]
    );
    // Asked again (even by a new builder), the cache answers and no hook runs.
    let again = setup.builder(true).metadata(&source).await.unwrap();
    assert_eq!(again.version, metadata.version);
    assert_eq!(hooks_run(&source).len(), 2);
    // The hooks ran in an isolated build environment of the target interpreter.
    let envs = build_envs(&setup);
    assert_eq!(envs.len(), 1, "{envs:?}");
    assert!(envs[0].join("pyvenv.cfg").is_file());
}

#[tokio::test(flavor = "multi_thread")]
async fn metadata_then_build_asks_for_build_requirements_once() {
    let setup = Setup::new();
    let source = setup.unpack(&SdistBuilder::new("twice", "1.0"));
    let builder = setup.builder(true);
    builder.metadata(&source).await.unwrap();
    builder.build_wheel(&source).await.unwrap();
    assert_eq!(
        hooks_run(&source),
        [
            "get_requires_for_build_wheel",
            "prepare_metadata_for_build_wheel",
            "build_wheel"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn build_wheel_builds_once_then_hits_the_cache() {
    let setup = Setup::new();
    let source = setup.unpack(&SdistBuilder::new("cached-pkg", "0.3"));
    let wheel = setup.builder(true).build_wheel(&source).await.unwrap();
    assert_eq!(
        wheel.file_name().unwrap(),
        "cached_pkg-0.3-py3-none-any.whl"
    );
    let names = zip_names(&wheel);
    assert!(
        names.contains(&"cached_pkg/__init__.py".to_string()),
        "{names:?}"
    );
    assert!(names.contains(&"cached_pkg-0.3.dist-info/RECORD".to_string()));
    assert!(wheel.starts_with(setup.cache.bucket(CacheBucket::BuiltWheels).unwrap()));
    assert_eq!(
        hooks_run(&source),
        ["get_requires_for_build_wheel", "build_wheel"]
    );

    // A second builder (as another process would) finds the wheel without running any hook.
    let again = setup.builder(true).build_wheel(&source).await.unwrap();
    assert_eq!(again, wheel);
    assert_eq!(hooks_run(&source).len(), 2, "{:?}", hooks_run(&source));
    // Metadata of a built sdist comes from the cached wheel, also without hooks.
    let metadata = setup.builder(true).metadata(&source).await.unwrap();
    assert_eq!(metadata.name.as_ref(), "cached-pkg");
    assert_eq!(hooks_run(&source).len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn what_was_built_is_found_by_the_key_alone() {
    let setup = Setup::new();
    let source = setup.unpack(&SdistBuilder::new("keyed", "0.1").requires_dist("dep>=1"));
    let key = source.key.clone().unwrap();
    let builder = setup.builder(true);
    assert_eq!(builder.cached_wheel_of(&key).unwrap(), None);
    assert!(builder.cached_metadata(&key).unwrap().is_none());

    let wheel = builder.build_wheel(&source).await.unwrap();
    // A new builder (another process) that knows only the key: no source tree, no hook.
    std::fs::remove_dir_all(&source.dir).unwrap();
    let again = setup.builder(true);
    assert_eq!(again.cached_wheel_of(&key).unwrap(), Some(wheel.clone()));
    let (metadata, bytes) = again.cached_metadata(&key).unwrap().unwrap();
    assert_eq!(metadata.name.as_ref(), "keyed");
    assert_eq!(metadata.requires_dist[0].to_string(), "dep>=1");
    // Read from the wheel, then kept beside it.
    let kept = wheel.parent().unwrap().join("METADATA");
    assert_eq!(std::fs::read(&kept).unwrap(), bytes);

    // Config settings make another build, under another key.
    let configured = setup.builder_with_options(den_build::BuildOptions {
        config_settings: vec![("flavour".to_string(), vec!["other".to_string()])],
        ..den_build::BuildOptions::default()
    });
    assert_eq!(configured.cached_wheel_of(&key).unwrap(), None);
    assert!(configured.cached_metadata(&key).unwrap().is_none());

    // The kept METADATA answers without the wheel.
    std::fs::remove_file(&wheel).unwrap();
    let (kept_metadata, _) = again.cached_metadata(&key).unwrap().unwrap();
    assert_eq!(kept_metadata.version, metadata.version);
}

#[tokio::test(flavor = "multi_thread")]
async fn metadata_falls_back_to_build_wheel_without_the_prepare_hook() {
    let setup = Setup::new();
    let source = setup.unpack(
        &SdistBuilder::new("no-prepare", "1.0")
            .requires_dist("other")
            .without_hook("prepare_metadata_for_build_wheel"),
    );
    let builder = setup.builder(true);
    let metadata = builder.metadata(&source).await.unwrap();
    assert_eq!(metadata.requires_dist[0].name.as_ref(), "other");
    assert_eq!(
        hooks_run(&source),
        ["get_requires_for_build_wheel", "build_wheel"]
    );
    // The wheel built for the metadata is the cached wheel.
    builder.build_wheel(&source).await.unwrap();
    assert_eq!(hooks_run(&source).len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn local_directories_are_never_cached() {
    let setup = Setup::new();
    let mut source = setup.unpack(&SdistBuilder::new("local", "1.0"));
    source.key = None;
    let builder = setup.builder(true);
    let first = builder.build_wheel(&source).await.unwrap();
    let second = builder.build_wheel(&source).await.unwrap();
    assert!(first.is_file() && second.is_file());
    let builds = hooks_run(&source)
        .into_iter()
        .filter(|h| h == "build_wheel")
        .count();
    assert_eq!(builds, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_backend_reports_the_hook_and_its_output() {
    let setup = Setup::new();
    let mut source = setup.unpack(&SdistBuilder::new("broken", "1.0").fail_in("build_wheel"));
    source.name = Some("broken".parse().unwrap());
    let err = setup.builder(true).build_wheel(&source).await.unwrap_err();
    let BuildError::Hook {
        package,
        hook,
        output,
    } = &err
    else {
        panic!("expected a hook error, got {err}");
    };
    assert_eq!(package, "broken");
    assert_eq!(hook, "build_wheel");
    assert!(output.contains("about to fail in build_wheel"), "{output}");
    assert!(
        output.contains("RuntimeError: den_test_backend was configured to fail"),
        "{output}"
    );
    let message = err.to_string();
    assert!(
        message.contains("broken") && message.contains("build_wheel"),
        "{message}"
    );
    // Nothing half-built is left in the cache: the next try builds again.
    assert!(setup.builder(true).build_wheel(&source).await.is_err());
    assert_eq!(
        hooks_run(&source)
            .iter()
            .filter(|h| *h == "build_wheel")
            .count(),
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn build_editable_uses_pep_660_and_is_not_cached() {
    let setup = Setup::new();
    let source = setup.unpack(&SdistBuilder::new("editable-pkg", "2.0"));
    let builder = setup.builder(true);
    let wheel = builder.build_editable(&source).await.unwrap();
    assert_eq!(
        wheel.file_name().unwrap(),
        "editable_pkg-2.0-py3-none-any.whl"
    );
    let file = std::fs::File::open(&wheel).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut pth = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("__editable__.editable_pkg-2.0.pth").unwrap(),
        &mut pth,
    )
    .unwrap();
    assert_eq!(
        Path::new(pth.trim()).canonicalize().unwrap(),
        source.dir.canonicalize().unwrap()
    );
    assert_eq!(
        hooks_run(&source),
        ["get_requires_for_build_editable", "build_editable"]
    );
    let cached = setup.cache.bucket(CacheBucket::BuiltWheels).unwrap();
    assert!(!wheel.starts_with(cached.join(source.key.as_ref().unwrap())));
    // The wheel lives in the builder's scratch directory, removed with the builder.
    drop(builder);
    assert!(!wheel.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backend_without_build_editable_is_a_clear_error() {
    let setup = Setup::new();
    let source = setup.unpack(&SdistBuilder::new("plain", "1.0").without_hook("build_editable"));
    let err = setup
        .builder(true)
        .build_editable(&source)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BuildError::MissingHook { hook, .. } if hook == "build_editable"),
        "{err}"
    );
    assert!(err.to_string().contains("PEP 660"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn requirements_from_get_requires_get_their_own_environment() {
    let setup = Setup::new();
    setup
        .index
        .publish(&WheelBuilder::new("build-helper", "1.0"));
    let source =
        setup.unpack(&SdistBuilder::new("needs-helper", "1.0").build_requires("build-helper>=1"));
    let wheel = setup.builder(true).build_wheel(&source).await.unwrap();
    assert!(wheel.is_file());
    let envs = build_envs(&setup);
    assert_eq!(envs.len(), 2, "{envs:?}");
    assert_eq!(
        envs.iter()
            .filter(|env| env_has_package(env, "build_helper"))
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn requirements_from_get_requires_under_false_markers_make_no_second_environment() {
    let setup = Setup::new();
    let source = setup.unpack(
        &SdistBuilder::new("needs-nothing-here", "1.0")
            .build_requires("build-helper>=1 ; extra == 'all'")
            .build_requires("other-helper ; python_version < '3'"),
    );
    let wheel = setup.builder(true).build_wheel(&source).await.unwrap();
    assert!(wheel.is_file());
    let envs = build_envs(&setup);
    assert_eq!(envs.len(), 1, "{envs:?}");
}

/// A build context that installs nothing and records what it was asked: (package, the
/// environment's interpreter, the requirements).
#[derive(Debug, Default)]
struct Recording {
    installs: Mutex<Vec<(String, PathBuf, Vec<String>)>>,
    lookups: Mutex<Vec<String>>,
}

impl BuildContext for Recording {
    fn install<'a>(
        &'a self,
        package: &'a str,
        _interpreter: &'a Interpreter,
        environment: &'a VirtualEnv,
        requirements: &'a [Requirement],
    ) -> BoxFuture<'a, Result<(), BuildError>> {
        let asked = requirements.iter().map(ToString::to_string).collect();
        self.installs.lock().unwrap().push((
            package.to_string(),
            environment.python.clone(),
            asked,
        ));
        Box::pin(async { Ok(()) })
    }

    fn installed_version(&self, _interpreter: &Interpreter, name: &PackageName) -> Option<Version> {
        self.lookups.lock().unwrap().push(name.to_string());
        None
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn build_environments_are_filled_through_the_build_context() {
    let setup = Setup::new();
    let source =
        setup.unpack(&SdistBuilder::new("needs-helper", "1.0").build_requires("build-helper>=1"));
    let context = Arc::new(Recording::default());
    let wheel = setup
        .builder_with(context.clone(), true)
        .build_wheel(&source)
        .await
        .unwrap();
    assert!(wheel.is_file());
    let installs = context.installs.lock().unwrap().clone();
    assert_eq!(installs.len(), 1, "{installs:?}");
    let (package, python, requirements) = &installs[0];
    assert_eq!(package, "needs-helper");
    assert_eq!(requirements, &["build-helper>=1"]);
    assert!(python.starts_with(setup.cache.bucket(CacheBucket::Builds).unwrap()));
    assert!(context.lookups.lock().unwrap().is_empty());

    // Without isolation nothing is installed; the context is asked what the target has.
    let other = setup.unpack(&SdistBuilder::new("in-place", "1.0").build_requires("build-helper"));
    let context = Arc::new(Recording::default());
    setup
        .builder_with(context.clone(), false)
        .build_wheel(&other)
        .await
        .unwrap();
    assert!(context.installs.lock().unwrap().is_empty());
    assert_eq!(*context.lookups.lock().unwrap(), ["build-helper"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn build_requirements_come_from_wheels_only() {
    let setup = Setup::new();
    let dir = tempfile::tempdir().unwrap();
    let sdist_only = SdistBuilder::new("sdist-only", "1.0").build(dir.path());
    setup.index.add_file(&sdist_only);
    let source =
        setup.unpack(&SdistBuilder::new("needs-sdist", "1.0").build_requires("sdist-only"));
    let err = setup.builder(true).build_wheel(&source).await.unwrap_err();
    assert!(matches!(err, BuildError::BuildRequirements { .. }), "{err}");
    assert!(err.to_string().contains("wheels only"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_isolation_hooks_run_in_the_target_interpreter() {
    let setup = Setup::new();
    let source = setup.unpack(&SdistBuilder::new("in-place", "1.0"));
    let wheel = setup.builder(false).build_wheel(&source).await.unwrap();
    assert!(wheel.is_file());
    assert!(
        build_envs(&setup).is_empty(),
        "no build environment is made"
    );
}

/// Sets up an index serving the setuptools (and, for setuptools < 70.1, `wheel`) wheels found
/// on this machine; `None` (reported, a failure under `DEN_TEST_REQUIRE_ALL=1`) when there
/// are none.
fn setuptools_index(setup: &Setup) -> Option<()> {
    let setuptools = require(
        setuptools_wheel(),
        "a setuptools wheel (ensurepip's, bundled with CPython up to 3.11)",
        "setuptools building in an isolated environment",
    )?;
    setup.index.add_wheel(&setuptools);
    if let Some(wheel) = wheel_package_wheel() {
        setup.index.add_wheel(&wheel);
    }
    Some(())
}

#[tokio::test(flavor = "multi_thread")]
async fn setuptools_builds_in_an_isolated_environment_from_the_index() {
    let setup = Setup::new();
    if setuptools_index(&setup).is_none() {
        return;
    }
    let source = setup.unpack(
        &SdistBuilder::new("st-project", "3.1")
            .backend(SdistBackend::Setuptools)
            .requires_dist("requests>=2")
            .requires_python(">=3.7"),
    );
    let builder = setup.builder(true);
    let metadata = builder.metadata(&source).await.unwrap();
    assert_eq!(metadata.name.as_ref(), "st-project");
    assert_eq!(metadata.version.to_string(), "3.1");
    assert_eq!(metadata.requires_dist[0].to_string(), "requests>=2");
    let wheel = builder.build_wheel(&source).await.unwrap();
    assert_eq!(
        wheel.file_name().unwrap(),
        "st_project-3.1-py3-none-any.whl"
    );
    assert!(zip_names(&wheel).contains(&"st_project/__init__.py".to_string()));
    let envs = build_envs(&setup);
    assert!(
        envs.iter().any(|env| env_has_package(env, "setuptools")),
        "{envs:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn setuptools_without_isolation_uses_the_interpreter_s_own_setuptools() {
    // Debian's python3 has setuptools and wheel installed system-wide.
    let python = Path::new("/usr/bin/python3");
    let has_setuptools = std::fs::read_dir("/usr/lib/python3/dist-packages")
        .map(|mut d| d.any(|e| e.unwrap().file_name() == "setuptools"))
        .unwrap_or(false);
    if require(
        (python.exists() && has_setuptools).then_some(()),
        "/usr/bin/python3 with setuptools in /usr/lib/python3/dist-packages (python3-setuptools)",
        "building without isolation with the interpreter's own setuptools",
    )
    .is_none()
    {
        return;
    }
    let setup = Setup::with_python(python);
    let source =
        setup.unpack(&SdistBuilder::new("system-built", "1.0").backend(SdistBackend::Setuptools));
    let wheel = setup.builder(false).build_wheel(&source).await.unwrap();
    assert_eq!(
        wheel.file_name().unwrap(),
        "system_built-1.0-py3-none-any.whl"
    );
    assert!(build_envs(&setup).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_builds_of_one_sdist_build_once() {
    let setup = Setup::new();
    let source: SourceTree = setup.unpack(&SdistBuilder::new("raced", "1.0"));
    let builder = setup.builder(true);
    let (a, b) = tokio::join!(builder.build_wheel(&source), builder.build_wheel(&source));
    assert_eq!(a.unwrap(), b.unwrap());
    let builds = hooks_run(&source)
        .into_iter()
        .filter(|h| h == "build_wheel")
        .count();
    assert_eq!(builds, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hook_runner_works_on_python_3_7() {
    let Some(python) = require(
        pyenv_python("3.7"),
        "pyenv's CPython 3.7",
        "the PEP 517 hook runner on Python 3.7",
    ) else {
        return;
    };
    // den makes no virtual environments for 3.7, so the hooks run in it directly.
    let setup = Setup::with_python(&python);
    let source = setup.unpack(&SdistBuilder::new("old-python", "1.0"));
    let builder = setup.builder(false);
    let metadata = builder.metadata(&source).await.unwrap();
    assert_eq!(metadata.name.as_ref(), "old-python");
    let wheel = builder.build_wheel(&source).await.unwrap();
    assert!(wheel.is_file());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_half_made_build_environment_is_made_again() {
    let setup = Setup::new();
    let builder = setup.builder(true);
    let first = setup.unpack(&SdistBuilder::new("first", "1.0"));
    builder.build_wheel(&first).await.unwrap();
    let envs = build_envs(&setup);
    assert_eq!(envs.len(), 1);
    // As if a den process died while making it: no completion marker, stray files.
    std::fs::remove_file(envs[0].join(".den-build-env-ready")).unwrap();
    std::fs::write(envs[0].join("stray"), b"").unwrap();
    let second = setup.unpack(&SdistBuilder::new("second", "1.0"));
    builder.build_wheel(&second).await.unwrap();
    assert_eq!(build_envs(&setup), envs);
    assert!(!envs[0].join("stray").exists());
    assert!(envs[0].join(".den-build-env-ready").is_file());
}

/// The `.pyc` files under `dir`, as paths relative to it.
fn bytecode_under(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "pyc"))
        .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
        .collect()
}

#[test]
fn modules_read_from_the_build_environment_keep_their_bytecode_nothing_else_does() {
    let setup = Setup::new();
    let root = setup.dir.path();
    let outside = root.join("outside");
    let project = root.join("project");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(outside.join("helper_outside.py"), "VALUE = 1\n").unwrap();
    std::fs::write(project.join("project_module.py"), "VALUE = 2\n").unwrap();
    let frontend = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/frontend.py");
    for keep in [true, false] {
        let location = root.join(format!("env-{keep}"));
        let env = den_venv::create_venv(
            &setup.interpreter,
            &location,
            &den_venv::VenvOptions::default(),
        )
        .unwrap();
        let site = &env.site_packages;
        let backend = site.join("bytecode_backend");
        std::fs::create_dir_all(&backend).unwrap();
        std::fs::write(
            backend.join("__init__.py"),
            "import os, sys, helper_outside\n\
             sys.path.append(os.path.join(os.path.dirname(__file__), 'zipped.zip'))\n\
             import zipped_module\n\
             def get_requires_for_build_wheel(config_settings=None):\n    \
                 sys.path.insert(0, os.getcwd())\n    \
                 import bytecode_backend.late, project_module\n    \
                 return [str(helper_outside.VALUE + project_module.VALUE + zipped_module.VALUE),\n            \
                         str(sys.dont_write_bytecode)]\n",
        )
        .unwrap();
        std::fs::write(backend.join("late.py"), "").unwrap();
        // A zip file on sys.path inside the environment still imports (through zipimport).
        let mut zipped =
            zip::ZipWriter::new(std::fs::File::create(backend.join("zipped.zip")).unwrap());
        zipped
            .start_file("zipped_module.py", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zipped, b"VALUE = 4\n").unwrap();
        zipped.finish().unwrap();
        let input = root.join("input.json");
        let output = root.join("output.json");
        let request = serde_json::json!({
            "backend": "bytecode_backend",
            "backend_path": [],
            "args": [null],
            "keep_bytecode": keep,
        });
        std::fs::write(&input, request.to_string()).unwrap();
        let status = std::process::Command::new(den_venv::scripts_dir(&location).join("python"))
            .arg(&frontend)
            .arg("get_requires_for_build_wheel")
            .arg(&input)
            .arg(&output)
            .current_dir(&project)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONPATH", &outside)
            .status()
            .unwrap();
        assert!(status.success());
        let answer: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();
        // The backend sees the interpreter's setting either way.
        assert_eq!(answer["result"], serde_json::json!(["7", "True"]));
        // Asked to, the modules read from inside the environment keep their bytecode, the
        // backend's and what its hook imports; anything outside the environment (PYTHONPATH,
        // the project) follows PYTHONDONTWRITEBYTECODE.
        let mut kept = bytecode_under(&location);
        kept.sort();
        if keep {
            assert_eq!(kept.len(), 2, "{kept:?}");
            assert!(
                kept[0].contains("bytecode_backend/__pycache__/__init__.")
                    && kept[1].contains("bytecode_backend/__pycache__/late."),
                "{kept:?}"
            );
        } else {
            assert!(kept.is_empty(), "{kept:?}");
        }
        assert!(bytecode_under(&outside).is_empty());
        assert!(bytecode_under(&project).is_empty());
    }
}
