//! End-to-end tests of what is not a wheel on an index: source distributions built through
//! den's PEP 517 frontend (an in-tree backend, and the real setuptools served from the test
//! index), local project directories (also editable, PEP 660), wheel and sdist files, and git
//! repositories. The real pip inside each environment judges the result (`pip check`, `pip
//! freeze`). No internet needed.

use std::path::{Path, PathBuf};

use den_test_support::{SdistBackend, SdistBuilder, WheelBuilder};

mod common;

use common::{World, git, git_repository, run_python};

/// Publishes an sdist to the world's index.
fn publish_sdist(world: &World, builder: &SdistBuilder) -> PathBuf {
    let path = builder.build(&world.path("sdists"));
    world.index.add_file(&path);
    path
}

/// `pip check` passes and `pip freeze` equals `den pip freeze`; returns the freeze output.
fn pip_agrees(world: &World, env: &Path) -> String {
    let (ok, out, err) = run_python(env, &["-m", "pip", "check"]);
    assert!(ok, "pip check: {out}{err}");
    let (ok, pip_freeze, err) = run_python(env, &["-m", "pip", "freeze"]);
    assert!(ok, "{err}");
    let den_freeze = world.den_ok(&["pip", "freeze", "-p", env.to_str().unwrap()]);
    assert_eq!(den_freeze, pip_freeze, "den and pip freeze differ");
    pip_freeze
}

/// Runs `den VERBOSITY pip install -p ENV ARGS...`, checks it succeeds and returns its
/// standard error.
fn install_ok(world: &World, verbosity: &str, env: &Path, args: &[&str]) -> String {
    let env_arg = env.to_str().unwrap();
    let out = world.den(&[&[verbosity, "pip", "install", "-p", env_arg][..], args].concat());
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

/// Publishes the wheel dep 1.0 and the sdist from-source 1.0 (Metadata-Version 2.1, requiring
/// `dep>=1`); returns the sdist's filename.
fn publish_from_source(world: &World) -> String {
    world.index.publish(&WheelBuilder::new("dep", "1.0"));
    let builder = SdistBuilder::new("from-source", "1.0").requires_dist("dep>=1");
    let sdist = publish_sdist(world, &builder);
    sdist.file_name().unwrap().to_str().unwrap().to_string()
}

/// Checks that `from_source` and its dependency import in `env` and say version 1.0.
fn from_source_imports(env: &Path) {
    let code = "import from_source, dep; print(from_source.__version__)";
    let (ok, out, err) = run_python(env, &["-c", code]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "1.0");
}

#[test]
fn an_sdist_is_built_once_and_its_wheel_reused() {
    let Some(world) = World::new() else { return };
    publish_from_source(&world);
    let env = world.venv("env", false);
    let stderr = install_ok(&world, "-vv", &env, &["from-source"]);
    assert!(stderr.contains(": built "), "the sdist is built: {stderr}");
    from_source_imports(&env);
    assert_eq!(pip_agrees(&world, &env), "dep==1.0\nfrom-source==1.0\n");

    let again = world.venv("again", true);
    let stderr = install_ok(&world, "-vv", &again, &["from-source"]);
    assert!(
        !stderr.contains(": built "),
        "the cached wheel is reused: {stderr}"
    );
    assert!(run_python(&again, &["-c", "import from_source"]).0);
}

/// A world whose index serves setuptools (ensurepip's wheel), `wheel` where found, `dep` 2.0
/// and `classic` 0.3, an sdist built by setuptools that needs `dep`; with a CPython 3.10 or
/// 3.11 to build it with, and the names of the index's files. `None` (said, failing under
/// `DEN_TEST_REQUIRE_ALL`) without such a Python or wheel; `what` names the check.
fn setuptools_world(what: &str) -> Option<(World, PathBuf, Vec<String>)> {
    let world = World::new()?;
    let (backend, python) = common::serve_setuptools(&world, what)?;
    let dep = world.index.publish(&WheelBuilder::new("dep", "2.0"));
    let sdist = publish_sdist(
        &world,
        &SdistBuilder::new("classic", "0.3")
            .backend(SdistBackend::Setuptools)
            .requires_dist("dep"),
    );
    let files = backend
        .iter()
        .chain([&dep, &sdist])
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    Some((world, python, files))
}

#[test]
fn setuptools_builds_in_an_isolated_environment() {
    let what = "an sdist built by setuptools in an isolated environment";
    let Some((world, python, _)) = setuptools_world(what) else {
        return;
    };
    world.den_ok(&["venv", "env", "-p", python.to_str().unwrap()]);
    let env = world.path("env");
    world.den_ok(&["pip", "install", "-p", env.to_str().unwrap(), "classic"]);
    let (ok, out, err) = run_python(&env, &["-c", "import classic; print(classic.__version__)"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "0.3");
    let freeze = pip_agrees(&world, &env);
    assert!(
        freeze.contains("classic==0.3\n") && freeze.contains("dep==2.0\n"),
        "{freeze}"
    );
    assert!(
        !freeze.contains("setuptools"),
        "build requirements stay out of the target: {freeze}"
    );
}

#[test]
fn a_relative_upload_cutoff_builds_in_the_environment_made_under_it_before() {
    let what = "build environments under --uploaded-prior-to P<n>D";
    let Some((world, python, files)) = setuptools_world(what) else {
        return;
    };
    for file in &files {
        world.index.set_upload_time(file, "2020-01-01T00:00:00Z");
    }
    world.den_ok(&["venv", "env", "-p", python.to_str().unwrap()]);
    let env = world.path("env");
    let cache = world.path("cache");
    let mut made = None;
    for round in 0..2 {
        // The wheel built before is removed, so the sdist is built again: in the build
        // environment made the first time, though the cutoff's instant has moved.
        let _ = std::fs::remove_dir_all(cache.join("built-wheels-v1"));
        world.den_ok(&[
            "pip",
            "install",
            "-p",
            env.to_str().unwrap(),
            "--force-reinstall",
            "--uploaded-prior-to",
            "P1D",
            "classic",
        ]);
        assert!(
            !common::names_in(&cache.join("built-wheels-v1")).is_empty(),
            "round {round} built the sdist"
        );
        let now = common::names_in(&cache.join("builds-v1"));
        assert!(!now.is_empty());
        assert_eq!(
            made.get_or_insert_with(|| now.clone()),
            &now,
            "round {round}"
        );
    }
    let (ok, out, err) = run_python(&env, &["-c", "import classic; print(classic.__version__)"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "0.3");
}

#[test]
fn a_failing_build_names_the_package_the_hook_and_shows_the_output() {
    let Some(world) = World::new() else { return };
    publish_sdist(
        &world,
        &SdistBuilder::new("broken", "1.0").fail_in("build_wheel"),
    );
    let env = world.venv("env", true);
    let before = common::tree(&env);
    let stderr = world.den_err(&["pip", "install", "-p", env.to_str().unwrap(), "broken"]);
    assert!(stderr.contains("broken"), "{stderr}");
    assert!(stderr.contains("build_wheel"), "names the hook: {stderr}");
    assert_eq!(common::tree(&env), before, "nothing was installed");
}

#[test]
fn binary_options_choose_between_wheels_and_sdists() {
    let Some(world) = World::new() else { return };
    publish_sdist(&world, &SdistBuilder::new("only-source", "1.0"));
    world.index.publish(&WheelBuilder::new("both", "1.0"));
    publish_sdist(&world, &SdistBuilder::new("both", "1.0"));
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    let stderr = world.den_err(&[
        "pip",
        "install",
        "-p",
        env_arg,
        "--only-binary",
        ":all:",
        "only-source",
    ]);
    assert!(stderr.contains("--only-binary"), "{stderr}");
    // pip's environment variable says the same.
    let out = common::den_command(&world.path("cache"), &world.index.url())
        .args(["pip", "install", "-p", env_arg, "only-source"])
        .env("PIP_ONLY_BINARY", ":all:")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--only-binary"));

    let out = world.den(&[
        "-vv",
        "pip",
        "install",
        "-p",
        env_arg,
        "--no-binary",
        "both",
        "both",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(": built "),
        "--no-binary builds from source: {stderr}"
    );
}

#[test]
fn local_projects_plain_and_editable_as_pip_records_them() {
    let Some(world) = World::new() else { return };
    world.index.publish(&WheelBuilder::new("dep", "1.0"));
    let plain = world.project_dir(
        &SdistBuilder::new("plain", "1.0").requires_dist("dep"),
        "plain",
    );
    let editable = world.project_dir(&SdistBuilder::new("live", "2.0"), "live");
    let env = world.venv("env", false);
    let env_arg = env.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "./plain", "-e", "./live"]);
    let freeze = pip_agrees(&world, &env);
    let plain_url = url::Url::from_directory_path(&plain).unwrap();
    assert!(
        freeze.contains(&format!(
            "plain @ {}",
            plain_url.as_str().trim_end_matches('/')
        )),
        "{freeze}"
    );
    assert!(
        freeze.contains(&format!("-e {}", editable.display())),
        "{freeze}"
    );
    // pip list shows the editable project's location in its own column; den does the same.
    let (ok, pip_list, err) = run_python(&env, &["-m", "pip", "list"]);
    assert!(ok, "{err}");
    assert_eq!(world.den_ok(&["pip", "list", "-p", env_arg]), pip_list);
    let editable_only = world.den_ok(&["pip", "list", "-p", env_arg, "--editable"]);
    assert!(
        editable_only.contains("live") && !editable_only.contains("plain"),
        "{editable_only}"
    );
    // Editable: a change to the source is seen without reinstalling.
    std::fs::write(
        editable.join("live/__init__.py"),
        "__version__ = 'edited'\n",
    )
    .unwrap();
    let (ok, out, err) = run_python(&env, &["-c", "import live; print(live.__version__)"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "edited");
    // pip can uninstall what den installed from a directory.
    let (ok, _, err) = run_python(&env, &["-m", "pip", "uninstall", "-y", "plain", "live"]);
    assert!(ok, "{err}");
}

#[test]
fn wheel_and_sdist_files_and_file_urls() {
    let Some(world) = World::new() else { return };
    let wheel = WheelBuilder::new("filed", "1.0").build(&world.path("dist"));
    let sdist = SdistBuilder::new("packed", "3.1").build(&world.path("dist"));
    let env = world.venv("env", false);
    let env_arg = env.to_str().unwrap();
    let sdist_url = url::Url::from_file_path(&sdist).unwrap();
    world.den_ok(&[
        "pip",
        "install",
        "-p",
        env_arg,
        wheel.to_str().unwrap(),
        &format!("packed @ {sdist_url}"),
    ]);
    let freeze = pip_agrees(&world, &env);
    assert!(freeze.contains("filed @ file://"), "{freeze}");
    assert!(
        freeze.contains(&format!("packed @ {sdist_url}")),
        "{freeze}"
    );
    // A name that does not match the archive's metadata is refused.
    let stderr = world.den_err(&[
        "pip",
        "install",
        "-p",
        env_arg,
        &format!("other @ {sdist_url}"),
    ]);
    assert!(stderr.contains("packed"), "{stderr}");
}

#[test]
fn git_requirements_record_the_commit() {
    let Some(world) = World::new() else { return };
    let repo = world.project_dir(&SdistBuilder::new("versioned", "1.0"), "repo");
    let commit = git_repository(&repo);
    let env = world.venv("env", false);
    let url = format!("git+file://{}@v1", repo.display());
    world.den_ok(&["pip", "install", "-p", env.to_str().unwrap(), &url]);
    let freeze = pip_agrees(&world, &env);
    assert_eq!(
        freeze,
        format!("versioned @ git+file://{}@{commit}\n", repo.display())
    );
}

/// Runs `den -v pip install -p ENV ARGS`, checks it succeeds with one `build_wheel` and no
/// `prepare_metadata_for_build_wheel`, and returns its standard error.
fn installs_with_one_build(world: &World, env: &Path, args: &[&str]) -> String {
    let stderr = install_ok(world, "-v", env, args);
    let builds = stderr.matches("running the build backend's build_wheel");
    assert_eq!(builds.count(), 1, "{stderr}");
    let hook = "prepare_metadata_for_build_wheel";
    assert!(!stderr.contains(hook), "{stderr}");
    stderr
}

#[test]
fn an_sdist_pinned_by_the_user_is_built_once_for_its_metadata() {
    let Some(world) = World::new() else { return };
    world.index.publish(&WheelBuilder::new("dep", "1.0"));
    // Metadata-Version 2.1: not static, so the backend is asked; its metadata hook fails.
    publish_sdist(
        &world,
        &SdistBuilder::new("pinned", "1.0")
            .requires_dist("dep")
            .fail_in("prepare_metadata_for_build_wheel"),
    );
    let env = world.venv("env", false);
    let env_arg = env.to_str().unwrap();
    // Not pinned, or only resolved (a dry run), the backend's metadata hook is asked first
    // (and fails, caching nothing).
    for args in [&["pinned"][..], &["--dry-run", "pinned==1.0"]] {
        let mut command = vec!["pip", "install", "-p", env_arg];
        command.extend(args);
        let stderr = world.den_err(&command);
        assert!(
            stderr.contains("prepare_metadata_for_build_wheel"),
            "{args:?}: {stderr}"
        );
    }
    // Pinned with `==` by an install, the wheel is built at once and read: no metadata hook.
    installs_with_one_build(&world, &env, &["pinned==1.0"]);
    assert_eq!(pip_agrees(&world, &env), "dep==1.0\npinned==1.0\n");
}

#[test]
fn an_sdist_pinned_with_static_metadata_is_built_once() {
    let Some(world) = World::new() else { return };
    // Metadata-Version 2.2 without Dynamic: read without the backend, the wheel is built
    // while the resolution goes on, then installed from the cache; a pinned wheel likewise is
    // downloaded early, and once.
    publish_sdist(
        &world,
        &SdistBuilder::new("early", "1.0").metadata_version("2.2"),
    );
    world.index.publish(&WheelBuilder::new("wheeled", "1.0"));
    let env = world.venv("env", false);
    let stderr = installs_with_one_build(&world, &env, &["early==1.0", "wheeled==1.0"]);
    let downloads = stderr.matches("downloading wheeled-1.0-py3-none-any.whl");
    assert_eq!(downloads.count(), 1, "{stderr}");
    assert_eq!(pip_agrees(&world, &env), "early==1.0\nwheeled==1.0\n");
}

#[test]
fn a_small_pinned_wheel_is_downloaded_whole_for_its_metadata() {
    let Some(world) = World::new() else { return };
    // An index without PEP 658 metadata files: den reads a remote wheel's METADATA with range
    // requests, unless the wheel is to be installed anyway (pinned alone by an install).
    world.index.set_metadata_files(false);
    for project in ["pinned", "dry", "loose"] {
        world.index.publish(&WheelBuilder::new(project, "1.0"));
    }
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    let ranged = |filename: &str| {
        let path = format!("/files/{filename}");
        let requests = world.index.requests();
        requests
            .iter()
            .filter(|r| r.path == path && r.range.is_some())
            .count()
    };
    for (args, whole) in [
        (&["--dry-run", "dry==1.0"][..], false),
        (&["loose"][..], false),
        (&["pinned==1.0"][..], true),
    ] {
        world.den_ok(&[&["pip", "install", "-p", env_arg][..], args].concat());
        let project = args[args.len() - 1].split("==").next().unwrap();
        let filename = format!("{project}-1.0-py3-none-any.whl");
        let requests = world.index.requests();
        if whole {
            // One plain GET, no range request: the download read for the metadata installs.
            assert_eq!(ranged(&filename), 0, "{args:?}: {requests:?}");
            assert_eq!(world.index.file_requests(&filename), 1, "{requests:?}");
        } else {
            assert!(ranged(&filename) > 0, "{args:?}: {requests:?}");
        }
        world.index.clear_requests();
    }
}

#[test]
fn a_wrong_hash_on_an_sdist_stops_before_building() {
    let Some(world) = World::new() else { return };
    // Any hook that runs fails loudly: a hash mismatch must be found before the project's
    // code runs, even for the metadata the resolver needs.
    let sdist = publish_sdist(
        &world,
        &SdistBuilder::new("guarded", "1.0")
            .fail_in("prepare_metadata_for_build_wheel")
            .fail_in("build_wheel"),
    );
    let requirements = world.path("requirements.txt");
    std::fs::write(
        &requirements,
        format!("guarded==1.0 --hash=sha256:{}\n", "0".repeat(64)),
    )
    .unwrap();
    let env = world.venv("env", true);
    let out = world.den(&[
        "-vv",
        "pip",
        "install",
        "-p",
        env.to_str().unwrap(),
        "-r",
        requirements.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("hash mismatch"), "{stderr}");
    assert!(
        stderr.contains(sdist.file_name().unwrap().to_str().unwrap()),
        "{stderr}"
    );
    assert!(!stderr.contains(": built "), "nothing was built: {stderr}");
}

#[test]
fn hash_checking_mode_refuses_what_cannot_be_hashed() {
    let Some(world) = World::new() else { return };
    world.index.publish(&WheelBuilder::new("dep", "1.0"));
    world.project_dir(&SdistBuilder::new("local", "1.0"), "local");
    let wheel = WheelBuilder::new("filed", "1.0").build(&world.path("dist"));
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    // A directory cannot be hashed.
    let stderr = world.den_err(&[
        "pip",
        "install",
        "-p",
        env_arg,
        "--require-hashes",
        "./local",
    ]);
    assert!(stderr.contains("hash-checking mode"), "{stderr}");
    // A --hash on an unnamed file turns the mode on for every other line too.
    let digest = common::sha256_hex(&wheel);
    let requirements = world.path("requirements.txt");
    std::fs::write(
        &requirements,
        format!("{} --hash=sha256:{digest}\ndep\n", wheel.display()),
    )
    .unwrap();
    let stderr = world.den_err(&[
        "pip",
        "install",
        "-p",
        env_arg,
        "-r",
        requirements.to_str().unwrap(),
    ]);
    assert!(
        stderr.contains("hash-checking mode") && stderr.contains("dep"),
        "the mode is on, and dep has neither a pin nor a --hash: {stderr}"
    );
    assert!(
        !run_python(&env, &["-c", "import filed"]).0,
        "nothing was installed"
    );
    std::fs::write(
        &requirements,
        format!("{} --hash=sha256:{digest}\n", wheel.display()),
    )
    .unwrap();
    world.den_ok(&[
        "pip",
        "install",
        "-p",
        env_arg,
        "-r",
        requirements.to_str().unwrap(),
    ]);
    assert!(run_python(&env, &["-c", "import filed"]).0);

    // A URL's #sha256= fragment is checked, but it does not turn the mode on (pip's rule):
    // dep needs no hash beside it; a wrong fragment is refused.
    let url = format!("file://{}", wheel.display());
    let env = world.venv("env2", true);
    let env_arg = env.to_str().unwrap();
    let wrong = format!("filed @ {url}#sha256={}", "0".repeat(64));
    let stderr = world.den_err(&["pip", "install", "-p", env_arg, &wrong]);
    assert!(stderr.contains("filed"), "{stderr}");
    assert!(!run_python(&env, &["-c", "import filed"]).0);
    std::fs::write(
        &requirements,
        format!("filed @ {url}#sha256={digest}\ndep\n"),
    )
    .unwrap();
    world.den_ok(&[
        "pip",
        "install",
        "-p",
        env_arg,
        "-r",
        requirements.to_str().unwrap(),
    ]);
    assert!(run_python(&env, &["-c", "import filed, dep"]).0);
}

#[test]
fn compile_pins_a_projects_dependencies_from_its_pyproject() {
    let Some(world) = World::new() else { return };
    world.index.publish(&WheelBuilder::new("dep", "1.0"));
    world.index.publish(&WheelBuilder::new("dep", "2.0"));
    world.project_dir(
        &SdistBuilder::new("proj", "0.1")
            .requires_dist("dep<2")
            .project_table(),
        "proj",
    );
    let pins = world.den_ok(&["pip", "compile", "proj/pyproject.toml", "--no-header"]);
    assert_eq!(pins, "dep==1.0\n    # via proj (pyproject.toml)\n");
}

/// Takes the sdist `filename` away from den: out of its cache (the sdists bucket) and out of
/// reach on the index (which still lists it, with its SHA-256, but fails to serve it).
fn forget_sdist(world: &World, filename: &str) {
    let sdists = world.path("cache/sdists-v1");
    assert!(sdists.is_dir(), "den kept the downloaded sdist there");
    std::fs::remove_dir_all(&sdists).unwrap();
    world.index.fail_file(filename, 404);
    world.index.clear_requests();
}

/// Asserts that den's `-v` log shows no sign of the sdist `filename` being fetched (from the
/// index or den's cache), unpacked or built, and that the index was not asked for it.
fn assert_untouched(world: &World, filename: &str, stderr: &str) {
    assert_eq!(world.index.file_requests(filename), 0, "{stderr}");
    for sign in [
        format!("downloading {filename}"),
        format!("using cached {filename}"),
        "unpacking ".to_string(),
        ": built ".to_string(),
        "running the build backend".to_string(),
    ] {
        assert!(!stderr.contains(&sign), "`{sign}` in: {stderr}");
    }
}

#[test]
fn a_wheel_built_before_is_found_by_the_sdists_published_sha256() {
    let Some(world) = World::new() else { return };
    // Metadata-Version 2.1: not static, so the resolution needs the backend's metadata too.
    let filename = &publish_from_source(&world);
    let env = world.venv("env", true);
    world.den_ok(&["pip", "install", "-p", env.to_str().unwrap(), "from-source"]);

    forget_sdist(&world, filename);
    // The index's SHA-256 of the sdist is the key of what den built from it: the wheel and
    // its metadata are found without the archive.
    let again = world.venv("again", true);
    let stderr = install_ok(&world, "-v", &again, &["from-source"]);
    assert_untouched(&world, filename, &stderr);
    from_source_imports(&again);

    // So does the installation report, which carries the metadata the backend wrote.
    let report = world.path("report.json");
    let dry = world.venv("dry", true);
    let report_arg = report.to_str().unwrap();
    let args = ["--dry-run", "--report", report_arg, "from-source"];
    let stderr = install_ok(&world, "-v", &dry, &args);
    assert_untouched(&world, filename, &stderr);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let item = report["install"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["metadata"]["name"] == "from-source")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(item["metadata"]["requires_dist"][0], "dep>=1", "{report}");

    // Config settings make another build (another key): that one needs the archive.
    let stderr = world.den_err(&[
        "pip",
        "install",
        "-p",
        world.venv("configured", true).to_str().unwrap(),
        "-C",
        "flavour=other",
        "from-source",
    ]);
    assert!(stderr.contains(filename), "{stderr}");
    assert!(world.index.file_requests(filename) > 0, "{stderr}");
}

#[test]
fn compile_reads_the_metadata_built_before_without_the_sdist() {
    let Some(world) = World::new() else { return };
    let filename = &publish_from_source(&world);
    std::fs::write(world.path("requirements.in"), "from-source\n").unwrap();
    let compile = ["-v", "pip", "compile", "requirements.in", "--no-header"];
    let cold = world.den(&compile);
    let stderr = String::from_utf8_lossy(&cold.stderr);
    assert!(cold.status.success(), "{stderr}");
    assert!(
        stderr.contains("prepare_metadata_for_build_wheel"),
        "the backend is asked: {stderr}"
    );
    let pins = String::from_utf8_lossy(&cold.stdout).into_owned();
    assert!(pins.contains("from-source==1.0"), "{pins}");

    forget_sdist(&world, filename);
    let warm = world.den(&compile);
    let stderr = String::from_utf8_lossy(&warm.stderr);
    assert!(warm.status.success(), "{stderr}");
    assert_untouched(&world, filename, &stderr);
    assert_eq!(String::from_utf8_lossy(&warm.stdout), pins);
}

#[test]
fn hash_checking_mode_uses_a_wheel_built_before_only_under_a_matching_hash() {
    let Some(world) = World::new() else { return };
    let sdist = publish_sdist(&world, &SdistBuilder::new("guarded", "1.0"));
    let filename = sdist.file_name().unwrap().to_str().unwrap();
    let digest = common::sha256_hex(&sdist);
    let requirements = world.path("requirements.txt");
    let install = |env: &str, hash: &str| {
        std::fs::write(&requirements, format!("guarded==1.0 --hash={hash}\n")).unwrap();
        let env = world.venv(env, true);
        let out = world.den(&[
            "-v",
            "pip",
            "install",
            "-p",
            env.to_str().unwrap(),
            "-r",
            requirements.to_str().unwrap(),
        ]);
        (env, out)
    };
    let (_, out) = install("env", &format!("sha256:{digest}"));
    assert!(out.status.success(), "{out:?}");

    // A --hash the sdist does not have is still checked against the archive, and refused,
    // though den built a wheel from that sdist before.
    let (env, out) = install("wrong", &format!("sha256:{}", "0".repeat(64)));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("hash mismatch"), "{stderr}");
    assert!(stderr.contains(filename), "{stderr}");
    assert!(!run_python(&env, &["-c", "import guarded"]).0);

    // The index's SHA-256, the key of that wheel, among the --hashes: the wheel is used
    // without the archive.
    forget_sdist(&world, filename);
    let (env, out) = install("right", &format!("sha256:{digest}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_untouched(&world, filename, &stderr);
    assert!(run_python(&env, &["-c", "import guarded"]).0);
}

/// Runs den with `args` in the world, its temporary files (where it unpacks sdists) under a
/// fresh `<world>/tmp`; returns its output and the names of what it left there.
fn den_leaving(world: &World, args: &[&str]) -> (std::process::Output, Vec<String>) {
    let tmp = world.path("tmp");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let out = common::den_command(&world.path("cache"), &world.index.url())
        .args(args)
        .current_dir(world.dir.path())
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    let left = std::fs::read_dir(&tmp)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    (out, left)
}

/// The files in den's sdists bucket, lock files aside.
fn cached_sdists(world: &World) -> Vec<String> {
    let bucket = world.path("cache/sdists-v1");
    if !bucket.is_dir() {
        return Vec::new();
    }
    common::walk(&bucket)
        .into_iter()
        .filter(|path| !path.starts_with(".locks"))
        .collect()
}

#[test]
fn an_index_sdist_is_unpacked_as_it_downloads() {
    let Some(world) = World::new() else { return };
    let filename = publish_from_source(&world);
    let env = world.venv("env", true);
    let stderr = install_ok(&world, "-v", &env, &["from-source"]);
    assert!(
        stderr.contains(&format!("downloading {filename} ("))
            && stderr.contains(", unpacking it as it arrives"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(&format!("unpacking {filename}")),
        "not unpacked again from the saved file: {stderr}"
    );
    from_source_imports(&env);
    // The archive is kept in the cache for later commands.
    let cached = cached_sdists(&world);
    assert!(
        cached.len() == 1 && cached[0].ends_with(&filename),
        "{cached:?}"
    );

    // Config settings make another build (another key), which needs the archive: in the
    // cache now, so it is unpacked from the file.
    let other = world.venv("other", true);
    let args = ["-C", "flavour=other", "from-source"];
    let stderr = install_ok(&world, "-v", &other, &args);
    assert!(
        stderr.contains(&format!("using cached {filename}"))
            && stderr.contains(&format!("unpacking {filename}")),
        "{stderr}"
    );
    assert!(!stderr.contains("as it arrives"), "{stderr}");
    from_source_imports(&other);
}

#[test]
fn a_streamed_sdist_failing_the_index_hash_leaves_nothing() {
    let Some(world) = World::new() else { return };
    let filename = publish_from_source(&world);
    // The bytes served differ from the ones the index's SHA-256 is of; unpacking them fails
    // too (they are corrupt), but the mismatch is what is reported, as for any download.
    world.index.corrupt_file(&filename);
    let stderr = streamed_compile_fails_leaving_nothing(&world);
    assert!(
        stderr.contains(&format!("hash mismatch for {filename}")),
        "{stderr}"
    );
}

/// `den pip compile` of `from-source`, whose sdist streams and fails: exit status 1, the
/// failure not the unpacking's, and neither an archive in the cache nor an unpacked tree
/// left. Returns its stderr.
fn streamed_compile_fails_leaving_nothing(world: &World) -> String {
    std::fs::write(world.path("requirements.in"), "from-source\n").unwrap();
    let (out, left) = den_leaving(world, &["-v", "pip", "compile", "requirements.in"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("as it arrives"), "{stderr}");
    assert!(
        !stderr.contains("refusing to unpack") && !stderr.contains("cannot read the archive"),
        "not the unpacking's error: {stderr}"
    );
    assert_eq!(cached_sdists(world), [] as [&str; 0], "no archive is kept");
    assert_eq!(left, [] as [&str; 0], "no unpacked tree is left");
    stderr
}

#[test]
fn a_streamed_sdist_whose_transfer_fails_midway_leaves_nothing() {
    let Some(world) = World::new() else { return };
    // Big enough to arrive in many chunks, so the unpacking has begun when the transfer fails.
    let noise: Vec<u8> = (0..400_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let builder = SdistBuilder::new("from-source", "1.0").file("from_source/data.bin", &noise);
    let filename = builder.filename();
    publish_sdist(&world, &builder);
    world.index.cut_file(&filename);
    let stderr = streamed_compile_fails_leaving_nothing(&world);
    assert!(
        stderr.contains("could not reach"),
        "the transfer's error: {stderr}"
    );
}

/// `evil-1.0.tar.gz`, in `dir`: a `setup.py` and a member whose name climbs out of the tree
/// (written raw: the tar crate's checked setters refuse `..`).
fn evil_sdist(dir: &Path) -> PathBuf {
    use std::io::Write;
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut builder = tar::Builder::new(gz);
    for (name, data) in [
        ("evil-1.0/setup.py", &b"print()\n"[..]),
        ("evil-1.0/../../escaped", &b"escaped"[..]),
    ] {
        let mut header = tar::Header::new_old();
        header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o644);
        header.set_size(data.len() as u64);
        header.set_cksum();
        builder.append(&header, data).unwrap();
    }
    let mut gz = builder.into_inner().unwrap();
    gz.flush().unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("evil-1.0.tar.gz");
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    path
}

#[test]
fn an_unsafe_member_is_refused_as_it_downloads_as_from_the_saved_file() {
    let Some(world) = World::new() else { return };
    world.index.add_file(&evil_sdist(&world.path("sdists")));
    std::fs::write(world.path("requirements.in"), "evil\n").unwrap();
    let compile = ["-v", "pip", "compile", "requirements.in"];
    let refusal = |stderr: &str| {
        stderr
            .lines()
            .find(|line| line.contains("refusing to unpack"))
            .map(str::to_string)
    };
    let (out, left) = den_leaving(&world, &compile);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("as it arrives"), "{stderr}");
    let streamed = refusal(&stderr).unwrap_or_else(|| panic!("{stderr}"));
    assert!(streamed.contains("evil-1.0/../../escaped"), "{streamed}");
    assert_eq!(left, [] as [&str; 0], "no unpacked tree is left");

    // The download went on to its end and matched the index's hash, so the archive is in the
    // cache: the next command unpacks it from the file, and is refused alike.
    let (out, left) = den_leaving(&world, &compile);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("unpacking evil-1.0.tar.gz") && !stderr.contains("as it arrives"),
        "{stderr}"
    );
    assert_eq!(refusal(&stderr), Some(streamed));
    assert_eq!(left, [] as [&str; 0]);
    for dir in [world.path(""), world.path("tmp"), world.path("cache")] {
        assert!(!dir.join("escaped").exists(), "{}", dir.display());
    }
}

#[test]
fn editable_git_requirements_are_cloned_into_the_environments_src() {
    let Some(world) = World::new() else { return };
    let repo = world.project_dir(&SdistBuilder::new("Live_Git", "1.0"), "repo");
    let v1 = git_repository(&repo);
    // A later commit: the requirement's @v1 is what is checked out, not the branch's head.
    std::fs::write(repo.join("live_git/__init__.py"), "__version__ = 'later'\n").unwrap();
    git(&repo, &["commit", "-qam", "later"]);
    let env = world.venv("env", false);
    let url = format!("git+file://{}@v1#egg=Live_Git", repo.display());
    let stderr = install_ok(&world, "-v", &env, &["-e", &url]);
    // pip's directory: the project name as canonicalize_name spells it.
    let clone = env.join("src/live-git");
    assert!(
        stderr.contains(&format!("cloned git+file://{}@v1", repo.display()))
            && stderr.contains(&clone.display().to_string()),
        "-v says where it cloned: {stderr}"
    );
    assert_eq!(git(&clone, &["rev-parse", "HEAD"]).trim(), v1);
    let (ok, out, err) = run_python(&env, &["-c", "import live_git; print(live_git.__file__)"]);
    assert!(ok, "{err}");
    assert!(out.starts_with(&clone.display().to_string()), "{out}");
    // pip reads the clone's remote and commit, and so does den.
    let freeze = pip_agrees(&world, &env);
    assert_eq!(
        freeze,
        format!("-e git+file://{}@{v1}#egg=Live_Git\n", repo.display())
    );
    // The real pip, given the same requirement, clones to the same place and freezes alike.
    let by_pip = world.venv("by-pip", false);
    let (ok, out, err) = run_python(&by_pip, &["-m", "pip", "install", "--no-index", "-e", &url]);
    assert!(ok, "{out}{err}");
    assert!(by_pip.join("src/live-git/.git").is_dir(), "{out}");
    assert_eq!(run_python(&by_pip, &["-m", "pip", "freeze"]).1, freeze);
    let env_arg = env.to_str().unwrap();
    let (ok, pip_list, err) = run_python(&env, &["-m", "pip", "list"]);
    assert!(ok, "{err}");
    assert_eq!(world.den_ok(&["pip", "list", "-p", env_arg]), pip_list);
    // The clone is the installed source.
    std::fs::write(
        clone.join("live_git/__init__.py"),
        "__version__ = 'edited'\n",
    )
    .unwrap();
    let (ok, out, err) = run_python(
        &env,
        &["-c", "import live_git; print(live_git.__version__)"],
    );
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "edited");
    // Installed again at the branch's head: the clone is updated as pip updates it.
    let main = format!("git+file://{}#egg=Live_Git", repo.display());
    let stderr = install_ok(&world, "-v", &env, &["-e", &main]);
    assert!(stderr.contains("updated"), "{stderr}");
    let head = git(&repo, &["rev-parse", "HEAD"]);
    assert_eq!(git(&clone, &["rev-parse", "HEAD"]), head);
    let (_, out, _) = run_python(
        &env,
        &["-c", "import live_git; print(live_git.__version__)"],
    );
    assert_eq!(out.trim(), "later");
    pip_agrees(&world, &env);
}

#[test]
fn an_editable_git_requirement_in_a_subdirectory_with_src() {
    let Some(world) = World::new() else { return };
    let repo = world.path("mono");
    world.project_dir(&SdistBuilder::new("inner", "1.0"), "mono/python");
    let commit = git_repository(&repo);
    let env = world.venv("env", false);
    let src = world.path("checkouts");
    let url = format!(
        "git+file://{}@{commit}#egg=inner&subdirectory=python",
        repo.display()
    );
    let src_arg = src.to_str().unwrap();
    install_ok(&world, "-q", &env, &["--src", src_arg, "-e", &url]);
    assert!(src.join("inner/python/pyproject.toml").is_file());
    assert!(run_python(&env, &["-c", "import inner"]).0);
    let freeze = pip_agrees(&world, &env);
    assert_eq!(
        freeze,
        format!(
            "-e git+file://{}@{commit}#egg=inner&subdirectory=python\n",
            repo.display()
        )
    );
}

#[test]
fn editable_git_failures_name_the_url_and_change_nothing() {
    let Some(world) = World::new() else { return };
    let repo = world.project_dir(&SdistBuilder::new("live", "1.0"), "repo");
    git_repository(&repo);
    let env = world.venv("env", false);
    let env_arg = env.to_str().unwrap();
    let before = world.den_ok(&["pip", "freeze", "-p", env_arg]);
    let missing = world.path("missing");
    for (url, expected) in [
        (
            format!("git+file://{}@nope#egg=live", repo.display()),
            "`nope` is not a branch, tag or commit of the repository",
        ),
        (
            format!("git+file://{}#egg=live", missing.display()),
            "git failed",
        ),
    ] {
        let stderr = world.den_err(&["pip", "install", "-p", env_arg, "-e", &url]);
        let (named, _) = url.split_once('#').unwrap();
        assert!(
            stderr.contains(named) && stderr.contains(expected),
            "{url}: {stderr}"
        );
        assert!(!env.join("src").exists(), "{url}: {stderr}");
        assert_eq!(world.den_ok(&["pip", "freeze", "-p", env_arg]), before);
    }
    // Without git on PATH (den finds the environment's python by its path).
    let url = format!("git+file://{}#egg=live", repo.display());
    let out = common::den_command(&world.path("cache"), &world.index.url())
        .args(["pip", "install", "-p", env_arg, "-e", &url])
        .env("PATH", world.path("no-programs"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("file://{}", repo.display()))
            && stderr.contains("is git installed and on PATH?"),
        "{stderr}"
    );
    assert!(!env.join("src").exists(), "{stderr}");
    // Hash-checking mode refuses it before anything is cloned.
    let args = [
        "pip",
        "install",
        "-p",
        env_arg,
        "--require-hashes",
        "-e",
        &url,
    ];
    let stderr = world.den_err(&args);
    assert!(stderr.contains("hash-checking mode"), "{stderr}");
    assert!(!env.join("src").exists(), "{stderr}");
    // pip needs #egg= to name the clone's directory.
    let unnamed = format!("git+file://{}", repo.display());
    let stderr = world.den_err(&["pip", "install", "-p", env_arg, "-e", &unnamed]);
    assert!(
        stderr.contains("please specify one with #egg=your_package_name"),
        "{stderr}"
    );
    // A directory that is not a clone of the repository is left alone unless
    // --exists-action says what to do.
    std::fs::create_dir_all(env.join("src/live")).unwrap();
    let url = format!("git+file://{}#egg=live", repo.display());
    let stderr = world.den_err(&["pip", "install", "-p", env_arg, "-e", &url]);
    assert!(stderr.contains("--exists-action"), "{stderr}");
    install_ok(&world, "-q", &env, &["--exists-action", "b", "-e", &url]);
    assert!(env.join("src/live.bak").is_dir());
    assert!(env.join("src/live/.git").is_dir());
    // A clone of another repository: switched (s) to this one, as pip switches it.
    let clone = env.join("src/live");
    git(
        &clone,
        &["remote", "set-url", "origin", "file:///elsewhere"],
    );
    let stderr = world.den_err(&["pip", "install", "-p", env_arg, "-e", &url]);
    assert!(
        stderr.contains("is a clone of file:///elsewhere"),
        "{stderr}"
    );
    install_ok(&world, "-q", &env, &["--exists-action", "s", "-e", &url]);
    let origin = git(&clone, &["config", "remote.origin.url"]);
    assert_eq!(origin.trim(), format!("file://{}", repo.display()));
    // Wiped (w): what was there is gone, a fresh clone in its place.
    std::fs::remove_dir_all(&clone).unwrap();
    std::fs::create_dir_all(&clone).unwrap();
    std::fs::write(clone.join("stray"), "").unwrap();
    install_ok(&world, "-q", &env, &["--exists-action", "w", "-e", &url]);
    assert!(clone.join(".git").is_dir() && !clone.join("stray").exists());
    pip_agrees(&world, &env);
}

/// pip's `--build-constraint FILE`: the constraints narrow what an isolated build environment
/// gets (a build requirement with no version left fails the build, naming it), not what is
/// installed, and an environment made without them is not reused under them.
#[test]
fn build_constraints_narrow_the_build_environments() {
    let Some(world) = World::new() else { return };
    world.index.publish(&WheelBuilder::new("helper", "1.0"));
    world.index.publish(&WheelBuilder::new("helper", "2.0"));
    for name in ["needs-helper", "also-needs-helper"] {
        publish_sdist(
            &world,
            &SdistBuilder::new(name, "1.0").build_requires("helper"),
        );
    }
    let constraints = world.path("build-constraints.txt");
    let constraints_arg = constraints.to_str().unwrap();
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    // Unconstrained first: a build environment with the newest helper, which a constrained
    // build must not reuse.
    let other = world.venv("other", true);
    world.den_ok(&[
        "pip",
        "install",
        "-p",
        other.to_str().unwrap(),
        "also-needs-helper",
    ]);
    let constrained = [
        "pip",
        "install",
        "-p",
        env_arg,
        "--build-constraint",
        constraints_arg,
        "needs-helper",
    ];
    std::fs::write(&constraints, "helper==3.0\n").unwrap();
    let err = world.den_err(&constrained);
    assert!(err.contains("helper"), "{err}");
    std::fs::write(&constraints, "helper==1.0\n").unwrap();
    world.den_ok(&constrained);
    assert_eq!(
        world.den_ok(&["pip", "freeze", "-p", env_arg]),
        "needs-helper==1.0\n"
    );
    // The build environment (in den's cache) got the constrained helper, not the newest.
    let mut in_build_environments: Vec<String> = common::walk(&world.path("cache"))
        .into_iter()
        .filter(|path| path.contains("builds-v1/") && path.ends_with(".dist-info/METADATA"))
        .filter_map(|path| {
            let dist_info = path.rsplit('/').nth(1)?;
            dist_info
                .starts_with("helper-")
                .then(|| dist_info.to_string())
        })
        .collect();
    in_build_environments.sort();
    assert_eq!(
        in_build_environments,
        ["helper-1.0.dist-info", "helper-2.0.dist-info"]
    );
    // A build constraint file that is not there fails the command, as in pip, even when
    // nothing needs building (needs-helper is installed already).
    std::fs::remove_file(&constraints).unwrap();
    let err = world.den_err(&constrained);
    assert!(err.contains(constraints_arg), "{err}");
}
