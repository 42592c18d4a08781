//! `den pipenv` on Pipfile projects served by a loopback index, judged by the real pipenv
//! (`DEN_TEST_PIPENV`, else `pipenv` on PATH; `.ci/run` installs it from PyPI into a scratch
//! environment): the same Pipfile.lock byte for byte, `pipenv verify` accepting den's lock,
//! `pipenv sync` installing from it and den from pipenv's, the same `--venv`. No internet.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use den_test_support::WheelBuilder;

mod common;

use common::{World, run_python};

/// The real pipenv, or the report that it is missing.
fn pipenv() -> Option<PathBuf> {
    let found = std::env::var_os("DEN_TEST_PIPENV")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| den_test_support::find_program("pipenv"));
    den_test_support::require(
        found,
        "pipenv (DEN_TEST_PIPENV or on PATH)",
        "den pipenv against the real pipenv",
    )
}

/// What most tests start from: the real pipenv, a world with the [`publish`]ed packages, and
/// the world's Python as text; `None` (reported) when pipenv or an interpreter is missing.
fn judged_world() -> Option<(PathBuf, World, String)> {
    let pipenv = pipenv()?;
    let world = World::new()?;
    publish(&world);
    let python = world.python.to_str().unwrap().to_string();
    Some((pipenv, world, python))
}

/// The packages the projects use: alpha needs beta, whose newest release needs Python 3.9;
/// gamma has an extra; delta is on its own; epsilon needs alpha and gamma[fast].
fn publish(world: &World) {
    world.index.publish(
        &WheelBuilder::new("alpha", "1.0")
            .requires_dist("beta>=1.0")
            .requires_python(">=3.8")
            .file("alpha/__init__.py", b"VERSION = '1.0'\n"),
    );
    world.index.publish(&WheelBuilder::new("beta", "1.0"));
    world.index.publish(
        &WheelBuilder::new("beta", "2.0")
            .requires_python(">=3.9, !=3.9.1")
            .file("beta/__init__.py", b"VERSION = '2.0'\n"),
    );
    world.index.publish(
        &WheelBuilder::new("gamma", "1.5")
            .provides_extra("fast")
            .requires_dist("delta; extra == 'fast'")
            .file("gamma/__init__.py", b""),
    );
    world.index.publish(
        &WheelBuilder::new("delta", "0.3")
            .requires_python(">=2.7, !=3.0.*, !=3.1.*")
            .file("delta/__init__.py", b""),
    );
    // eta needs theta and kappa on some platforms only; neither has a Requires-Python, so
    // the lock takes the requirement's marker. (When two packages require one dependency
    // under different markers, pipenv's choice follows Python's set order, which changes
    // from run to run: no byte comparison can hold there.)
    world.index.publish(
        &WheelBuilder::new("eta", "1.0")
            .requires_dist("theta; sys_platform != \"win32\" and sys_platform != \"emscripten\"")
            .requires_dist("kappa; os_name != \"nt\"")
            .file("eta/__init__.py", b""),
    );
    world
        .index
        .publish(&WheelBuilder::new("theta", "1.0").file("theta/__init__.py", b""));
    world
        .index
        .publish(&WheelBuilder::new("kappa", "1.0").file("kappa/__init__.py", b""));
    // epsilon asks for gamma's extra: the lock records it on gamma's entry.
    world.index.publish(
        &WheelBuilder::new("epsilon", "3.0")
            .requires_dist("alpha>=0.5")
            .requires_dist("gamma[fast]")
            .requires_dist("zeta; python_version < '3'")
            .file("epsilon/__init__.py", b""),
    );
    // Names with dots, and dependencies written otherwise than their projects' names: the
    // lock keys each as first written (dots kept, `_` made `-` unless a VCS word is in it).
    let dotted: [(&str, &[&str], Option<&str>); 6] = [
        ("jaraco.functools", &["more_itertools"], None),
        (
            "jaraco.context",
            &[
                "backports.tarfile; python_version < '3.99'",
                "Sphinx_Git_Helper",
            ],
            None,
        ),
        ("backports.tarfile", &[], Some(">=3.8")),
        ("more-itertools", &[], None),
        ("sphinx-git-helper", &[], None),
        ("zope.interface", &[], None),
    ];
    for (name, requirements, requires_python) in dotted {
        let module = format!("{}.py", name.replace(['-', '.'], "_"));
        let mut wheel = WheelBuilder::new(name, "1.0").file(&module, b"");
        for requirement in requirements {
            wheel = wheel.requires_dist(requirement);
        }
        if let Some(specifiers) = requires_python {
            wheel = wheel.requires_python(specifiers);
        }
        world.index.publish(&wheel);
    }
}

/// A project directory holding `pipfile` (with the loopback index as its source).
fn project(world: &World, name: &str, pipfile: &str) -> PathBuf {
    let dir = world.path(name);
    fs::create_dir_all(&dir).unwrap();
    let text = pipfile.replace("INDEX_URL", &world.index.url());
    fs::write(dir.join("Pipfile"), text).unwrap();
    dir
}

/// A project directory holding `pipfile` that den has installed: its environment made on the
/// test interpreter, locked and synced.
fn installed_project(world: &World, name: &str, pipfile: &str) -> PathBuf {
    let dir = project(world, name, pipfile);
    let python = world.python.to_str().unwrap();
    ok(
        "den pipenv install",
        den_pipenv(world, &dir, &["--python", python, "install"]),
    );
    dir
}

/// The environment both tools run in: private WORKON_HOME and caches, no pip settings from
/// the machine, no active environment.
fn isolate(command: &mut Command, world: &World) {
    command
        .env("WORKON_HOME", world.path("virtualenvs"))
        .env("DEN_CACHE_DIR", world.path("cache"))
        .env("PIPENV_CACHE_DIR", world.path("pipenv-cache"))
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("PIPENV_YES", "1")
        .env("PIPENV_NOSPIN", "1")
        .env("PIPENV_IGNORE_VIRTUALENVS", "1")
        // pipenv's rich wraps its lines at 80 columns when not on a terminal; den never
        // wraps, so pipenv is given room for the tests' long paths.
        .env("COLUMNS", "1000")
        .env_remove("VIRTUAL_ENV")
        .env_remove("PIPENV_ACTIVE")
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_EXTRA_INDEX_URL")
        .env_remove("PIP_FIND_LINKS")
        .env_remove("PIP_NO_INDEX")
        .env_remove("PIP_EXISTS_ACTION")
        .env_remove("PYENV_VERSION")
        .env_remove("PIPENV_PIPFILE");
}

/// `den pipenv ARGS` in `dir`, isolated as both tools run.
fn den_pipenv_command(world: &World, dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_den"));
    command.arg("pipenv").args(args).current_dir(dir);
    isolate(&mut command, world);
    command
}

fn den_pipenv(world: &World, dir: &Path, args: &[&str]) -> Output {
    den_pipenv_command(world, dir, args).output().unwrap()
}

/// The project environment `den pipenv --venv` names in `dir`.
#[track_caller]
fn den_project_venv(world: &World, dir: &Path) -> PathBuf {
    PathBuf::from(ok("den pipenv --venv", den_pipenv(world, dir, &["--venv"])).trim())
}

fn real_pipenv(pipenv: &Path, world: &World, dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(pipenv);
    command.args(args).current_dir(dir);
    isolate(&mut command, world);
    command.output().unwrap()
}

#[track_caller]
fn ok(what: &str, output: Output) -> String {
    assert!(
        output.status.success(),
        "{what} failed ({:?}):\nstdout: {}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

const SOURCE: &str = "[[source]]\nurl = \"INDEX_URL\"\nverify_ssl = false\nname = \"local\"\n\n";

/// Pipfiles covering the lock's shapes: string entries (with `index`), tables with markers
/// (false and true here) and extras, dependencies (Requires-Python markers), names with dots
/// and other spellings, dev packages shared with the default ones, a custom category, and
/// indexes named in another category.
fn pipfiles(python: &str) -> Vec<(&'static str, String)> {
    let requires = format!("\n[requires]\npython_version = \"{python}\"\n");
    vec![
        (
            "plain",
            format!(
                "{SOURCE}[packages]\nalpha = \"*\"\n\n[dev-packages]\ndelta = \">=0.1\"\n{requires}"
            ),
        ),
        (
            "tables",
            format!(
                "{SOURCE}[packages]\ngamma = {{version = \"*\", extras = [\"fast\"], markers = \"os_name == 'posix'\"}}\nalpha = {{version = \">=1.0\", index = \"local\"}}\n\n[dev-packages]\nbeta = \"*\"\n{requires}"
            ),
        ),
        (
            "extras-of-dependencies",
            format!(
                "{SOURCE}[packages]\nepsilon = \"*\"\n\n[dev-packages]\ngamma = \"*\"\n{requires}"
            ),
        ),
        (
            "requirement-markers",
            format!("{SOURCE}[packages]\neta = \"*\"\n{requires}"),
        ),
        (
            "custom-category",
            format!("{SOURCE}[packages]\ndelta = \"==0.3\"\n\n[docs]\nalpha = \"*\"\n{requires}"),
        ),
        // A package of another category's table naming an index takes that index in dev
        // and custom categories (alpha, a dependency; beta, a table without one), not in
        // the default one (kappa, eta's dependency, whose entry dev takes from default).
        (
            "index-from-another-category",
            format!(
                "{SOURCE}[[source]]\nurl = \"INDEX_URL\"\nverify_ssl = false\nname = \"second\"\n\n[packages]\ndelta = \"==0.3\"\neta = \"*\"\n\n[dev-packages]\nalpha = {{version = \"*\", index = \"second\"}}\nkappa = {{version = \"*\", index = \"second\"}}\nbeta = {{version = \"*\", index = \"second\"}}\ngamma = \"*\"\n\n[docs]\nepsilon = \"*\"\nbeta = {{version = \">=1.0\"}}\n{requires}"
            ),
        ),
        (
            "dotted-names",
            format!(
                "{SOURCE}[packages]\n\"jaraco.functools\" = \"*\"\n\"Jaraco_Context\" = \"*\"\n\"zope.interface\" = {{version = \"*\"}}\n{requires}"
            ),
        ),
        // Marker keys true here: pipenv's lock repeats some (by key and name).
        (
            "markers-true-here",
            format!(
                "{SOURCE}[packages]\ndelta = {{version = \"*\", sys_platform = \"!= 'emscripten'\"}}\nAlpha = {{version = \"*\", platform_machine = \"!= 'arm'\"}}\ngamma = {{version = \"*\", markers = \"sys_platform != 'emscripten'\", platform_machine = \"!= 'arm'\"}}\n\"jaraco.functools\" = {{version = \"*\", sys_platform = \"!= 'emscripten'\", platform_machine = \"!= 'arm'\"}}\n\"zope.interface\" = {{version = \"*\", os_name = \"!= 'nt'\", platform_machine = \"!= 'arm'\"}}\n{requires}"
            ),
        ),
        // pylock.toml beside the lock; then pipenv installs from den's pylock.toml.
        (
            "pylock",
            format!(
                "{SOURCE}[packages]\nalpha = \"*\"\n\n[dev-packages]\nalpha = \"*\"\ndelta = \">=0.1\"\n\n[pipenv]\nuse_pylock = true\n{requires}"
            ),
        ),
    ]
}

#[test]
fn den_writes_the_lock_pipenv_writes_and_each_accepts_the_others() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let version = String::from_utf8(
        Command::new(&world.python)
            .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    for (name, pipfile) in pipfiles(version.trim()) {
        let theirs = project(&world, &format!("{name}-pipenv"), &pipfile);
        let ours = project(&world, &format!("{name}-den"), &pipfile);
        ok(
            "pipenv lock",
            real_pipenv(&pipenv, &world, &theirs, &["--python", &python, "lock"]),
        );
        let locked = den_pipenv(&world, &ours, &["--python", &python, "lock"]);
        let lock_messages = String::from_utf8_lossy(&locked.stderr).into_owned();
        ok("den pipenv lock", locked);
        let expected = fs::read_to_string(theirs.join("Pipfile.lock")).unwrap();
        let written = fs::read_to_string(ours.join("Pipfile.lock")).unwrap();
        assert_eq!(
            written, expected,
            "{name}: den's Pipfile.lock differs from pipenv's"
        );
        // The pylock.toml written with it is pipenv's too, but for the time it was made.
        let pylock = |dir: &Path| {
            fs::read_to_string(dir.join("pylock.toml"))
                .ok()
                .map(|text| without_generation_date(&text))
        };
        assert_eq!(
            pylock(&ours),
            pylock(&theirs),
            "{name}: den's pylock.toml differs from pipenv's"
        );
        if pylock(&ours).is_some() {
            installs_default_group_of_pylock(&world, &ours.join("pylock.toml"));
        }
        let generated = format!(
            "Generated pylock.toml at {}",
            ours.join("pylock.toml").display()
        );
        assert_eq!(
            lock_messages.contains(&generated),
            pylock(&ours).is_some(),
            "{name}: {lock_messages}"
        );

        // Each tool verifies and installs from the other's lock.
        ok(
            "pipenv verify",
            real_pipenv(&pipenv, &world, &ours, &["verify"]),
        );
        ok(
            "den pipenv verify",
            den_pipenv(&world, &theirs, &["verify"]),
        );
        // With `use_pylock` pipenv 2026.10.3 installs Pipfile.lock's pins but takes the
        // sources from the pylock.toml, which has none ("Unable to find local in sources",
        // for its own pylock.toml as for den's): den installs that project.
        let sync = ["sync", "--dev"];
        if pylock(&ours).is_some() {
            ok("den pipenv sync", den_pipenv(&world, &ours, &sync));
        } else {
            ok("pipenv sync", real_pipenv(&pipenv, &world, &ours, &sync));
        }
        ok(
            "den pipenv sync",
            den_pipenv(&world, &theirs, &["sync", "--dev"]),
        );
        for dir in [&ours, &theirs] {
            let venv_den = ok("den pipenv --venv", den_pipenv(&world, dir, &["--venv"]));
            let venv_pipenv = ok(
                "pipenv --venv",
                real_pipenv(&pipenv, &world, dir, &["--venv"]),
            );
            assert_eq!(venv_den.trim(), venv_pipenv.trim(), "{name}");
            let freeze_args = ["-m", "pip", "freeze"];
            let (_, frozen, _) = run_python(Path::new(venv_den.trim()), &freeze_args);
            let installed: Vec<String> = frozen.lines().map(normalized_pin).collect();
            for line in expected_pins(&expected) {
                assert!(
                    installed.contains(&normalized_pin(&line)),
                    "{name}: {line} not in\n{frozen}"
                );
            }
        }
    }
}

/// What the test interpreter prints for `args`.
fn python_says(world: &World, args: &[&str]) -> String {
    let output = Command::new(&world.python).args(args).output().unwrap();
    ok("python", output)
}

/// The test interpreter's CPython tag (`cp311`), for wheels it or another platform's
/// CPython of its version installs.
fn cpython_tag(world: &World) -> String {
    let code = "import sys; print('cp%d%d' % sys.version_info[:2])";
    python_says(world, &["-c", code]).trim().to_string()
}

/// `sha256:<hex>` of each file, sorted, as a lock lists them.
fn lock_hashes(world: &World, files: &[PathBuf]) -> Vec<String> {
    let code = "import hashlib, sys\nfor f in sys.argv[1:]: print('sha256:' + hashlib.sha256(open(f, 'rb').read()).hexdigest())";
    let mut args = vec!["-c", code];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let mut hashes: Vec<String> = python_says(world, &args)
        .lines()
        .map(str::to_string)
        .collect();
    hashes.sort();
    hashes
}

/// The Pipfile.lock in `dir` as JSON, without the entries `left_out` names (category,
/// package).
fn lock_without(dir: &Path, left_out: &[(&str, &str)]) -> serde_json::Value {
    let text = fs::read_to_string(dir.join("Pipfile.lock")).unwrap();
    let mut lock: serde_json::Value = serde_json::from_str(&text).unwrap();
    for (category, name) in left_out {
        lock[*category].as_object_mut().unwrap().remove(*name);
    }
    lock
}

/// Tables whose markers are false here: pipenv's resolver skips them and their dependencies
/// and locks each table as written (a `==` pin with its release's hashes, `*` as is, the
/// table's other keys when its own `markers` are false), even when another package needs
/// it; a dependency whose Requires-Dist marker is false here is left out. Beyond pipenv, den
/// resolves such a table for a platform its markers are true on (winlib, tool, gamma: for
/// Windows): a real pin, its release's hashes, the table's markers, and entries for its
/// dependencies with those markers (bar, delta). A table den cannot resolve there is locked
/// as pipenv locks it, with a warning: winlib-any is on no index, and on a first lock beta
/// 1.0 would make a second version of beta (2.0 is resolved for alpha). Locked again, the
/// lock's beta 1.0 (the table's entry replaced alpha's, as in pipenv) is kept for alpha too,
/// so beta is resolved for Windows then. Every other entry is pipenv's, on a first lock and
/// again with the lock in place.
#[test]
fn tables_whose_markers_are_false_here_are_resolved_for_their_platform() {
    let Some((pipenv, world, _)) = judged_world() else {
        return;
    };
    // winlib has Windows wheels only; clicky needs colorama on Windows only (as click does);
    // tool needs bar.
    let cp = cpython_tag(&world);
    let winlib: Vec<PathBuf> = ["win_amd64", "win32"]
        .iter()
        .map(|platform| {
            world
                .index
                .publish(&WheelBuilder::new("winlib", "2.0").tag(&format!("{cp}-{cp}-{platform}")))
        })
        .collect();
    world.index.publish(
        &WheelBuilder::new("clicky", "1.0")
            .requires_dist("colorama; platform_system == \"Windows\""),
    );
    world.index.publish(&WheelBuilder::new("colorama", "0.4"));
    let tool = world
        .index
        .publish(&WheelBuilder::new("tool", "1.0").requires_dist("bar"));
    let bar = world.index.publish(&WheelBuilder::new("bar", "1.0"));
    let python = world.python.to_str().unwrap().to_string();
    let pipfile = format!(
        "{SOURCE}[packages]\nalpha = \"*\"\nclicky = \"*\"\nwinlib = {{version = \"==2.0\", sys_platform = \"== 'win32'\"}}\nwinlib-any = {{version = \"*\", sys_platform = \"== 'win32'\"}}\ntool = {{version = \"*\", markers = \"sys_platform == 'win32'\"}}\nbeta = {{version = \"1.0\", markers = \"platform_system == \\\"Windows\\\"\", platform_machine = \"== 'AMD64'\"}}\n\n[dev-packages]\ngamma = {{version = \">=1.0\", extras = [\"fast\"], markers = \"os_name == 'nt'\", editable = false, index = \"local\"}}\nbeta = \"*\"\n"
    );
    let theirs = project(&world, "skipped-pipenv", &pipfile);
    let ours = project(&world, "skipped-den", &pipfile);
    let windows = "sys_platform == 'win32'";
    // A table resolved for Windows gets the markers pipenv writes there, where they are true:
    // a lone `sys_platform` key under its own pep423_name comes out three times.
    let windows_thrice = [windows; 3].join(" and ");
    for (round, beta_resolved) in [("first lock", false), ("lock again", true)] {
        ok(
            "pipenv lock",
            real_pipenv(&pipenv, &world, &theirs, &["--python", &python, "lock"]),
        );
        let locked = den_pipenv(&world, &ours, &["--python", &python, "lock"]);
        let messages = String::from_utf8_lossy(&locked.stderr).into_owned();
        ok("den pipenv lock", locked);
        let unresolved: &[&str] = match beta_resolved {
            false => &["winlib-any", "beta"],
            true => &["winlib-any"],
        };
        for unresolved in unresolved {
            assert_eq!(
                messages
                    .matches(&format!(
                        "warning: {unresolved} is locked as pipenv locks it"
                    ))
                    .count(),
                1,
                "{round}: {messages}"
            );
        }
        let lock: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(ours.join("Pipfile.lock")).unwrap()).unwrap();
        let entry = |category: &str, name: &str, version: &str, hashes: Vec<String>, markers| {
            assert_eq!(
                lock[category][name],
                serde_json::json!({"version": version, "hashes": hashes, "markers": markers}),
                "{round}: {category} {name}"
            );
        };
        entry(
            "default",
            "winlib",
            "==2.0",
            lock_hashes(&world, &winlib),
            windows_thrice.as_str(),
        );
        entry(
            "default",
            "tool",
            "==1.0",
            lock_hashes(&world, std::slice::from_ref(&tool)),
            windows,
        );
        entry(
            "default",
            "bar",
            "==1.0",
            lock_hashes(&world, std::slice::from_ref(&bar)),
            windows,
        );
        let gamma = &lock["develop"]["gamma"];
        assert_eq!(gamma["version"], "==1.5", "{round}");
        assert_eq!(gamma["markers"], "os_name == 'nt'", "{round}");
        assert_eq!(gamma["extras"], serde_json::json!(["fast"]), "{round}");
        assert_eq!(gamma["index"], "local", "{round}");
        assert_eq!(lock["develop"]["delta"]["version"], "==0.3", "{round}");
        assert_eq!(
            lock["develop"]["delta"]["markers"], "os_name == 'nt'",
            "{round}"
        );
        // Everything else is pipenv's.
        let mut resolved_elsewhere = vec![
            ("default", "winlib"),
            ("default", "tool"),
            ("default", "bar"),
            ("develop", "gamma"),
            ("develop", "delta"),
        ];
        let mut skipped_by_pipenv = vec![
            ("default", "winlib"),
            ("default", "tool"),
            ("develop", "gamma"),
        ];
        if beta_resolved {
            let beta = &lock["default"]["beta"];
            assert_eq!(beta["version"], "==1.0", "{round}");
            let markers = "platform_machine == 'AMD64' and platform_system == 'Windows'";
            assert_eq!(beta["markers"], markers, "{round}");
            // [dev-packages] takes default's entry, as in pipenv.
            assert_eq!(lock["develop"]["beta"], *beta, "{round}");
            for category in ["default", "develop"] {
                resolved_elsewhere.push((category, "beta"));
                skipped_by_pipenv.push((category, "beta"));
            }
        }
        assert_eq!(
            lock_without(&ours, &resolved_elsewhere),
            lock_without(&theirs, &skipped_by_pipenv),
            "{round}: den's Pipfile.lock differs from pipenv's"
        );
    }
}

/// Beyond pipenv (its issue 5130): a package for Windows only is locked, on Linux, with the
/// version, hashes (every file of the release) and dependencies it has on Windows, each
/// dependency with the table's markers and held to the pins made here (`shared` stays at
/// 1.0, where 2.0 would be newest); `-v` says which platform it was resolved for. A
/// dependency [dev-packages] needs here keeps its own entry there. A table no platform den
/// knows makes true is locked as pipenv locks it, with one warning. The real pipenv verifies
/// and installs den's lock, leaving the Windows packages out.
#[test]
fn a_table_for_another_platform_gets_a_real_pin_that_pipenv_accepts() {
    let Some((pipenv, world, _)) = judged_world() else {
        return;
    };
    let cp = cpython_tag(&world);
    world
        .index
        .publish(&WheelBuilder::new("pywin32-ish", "1.0"));
    let release: Vec<PathBuf> = ["win_amd64", "win32", "macosx_11_0_arm64"]
        .iter()
        .map(|platform| {
            world.index.publish(
                &WheelBuilder::new("pywin32-ish", "2.0")
                    .tag(&format!("{cp}-{cp}-{platform}"))
                    .requires_dist("winhelper>=1")
                    .requires_dist("shared")
                    .requires_dist("colorama; platform_system == \"Windows\""),
            )
        })
        .collect();
    let winhelper = world.index.publish(&WheelBuilder::new("winhelper", "1.0"));
    let colorama = world.index.publish(&WheelBuilder::new("colorama", "0.4"));
    for version in ["1.0", "2.0"] {
        world
            .index
            .publish(&WheelBuilder::new("shared", version).file("shared/__init__.py", b""));
    }
    let legacy = world.index.publish(&WheelBuilder::new("legacy", "1.0"));
    let python = world.python.to_str().unwrap().to_string();
    let pipfile = format!(
        "{SOURCE}[packages]\nalpha = \"*\"\nshared = \"==1.0\"\npywin32-ish = {{version = \"*\", sys_platform = \"== 'win32'\"}}\nwebthing = {{version = \"*\", markers = \"sys_platform == 'emscripten'\"}}\nlegacy = {{version = \"*\", markers = \"python_version < '3.9'\"}}\n\n[dev-packages]\nwinhelper = \"*\"\n"
    );
    let theirs = project(&world, "elsewhere-pipenv", &pipfile);
    let ours = project(&world, "elsewhere-den", &pipfile);
    ok(
        "pipenv lock",
        real_pipenv(&pipenv, &world, &theirs, &["--python", &python, "lock"]),
    );
    let locked = den_pipenv(&world, &ours, &["-v", "--python", &python, "lock"]);
    let messages = String::from_utf8_lossy(&locked.stderr).into_owned();
    ok("den pipenv lock", locked);
    assert!(
        messages.contains("pywin32-ish: resolved for Windows AMD64, Python "),
        "{messages}"
    );
    // A Python version is tried as a platform is: the nearest that makes the markers true.
    assert!(
        messages.contains(", Python 3.8.0 (its markers, python_version < '3.9', are false here)"),
        "{messages}"
    );
    assert_eq!(
        messages
            .matches("warning: webthing is locked as pipenv locks it")
            .count(),
        1,
        "{messages}"
    );
    assert!(
        messages.contains("no platform den resolves for"),
        "{messages}"
    );
    let lock = lock_without(&ours, &[]);
    let windows = "sys_platform == 'win32'";
    let expected = |version: &str, hashes: Vec<String>| serde_json::json!({"version": version, "hashes": hashes, "markers": windows});
    // pywin32-ish takes the markers pipenv writes where they are true (a lone
    // `sys_platform` key, thrice); its dependencies the key once.
    let mut thrice = expected("==2.0", lock_hashes(&world, &release));
    thrice["markers"] = [windows; 3].join(" and ").into();
    assert_eq!(lock["default"]["pywin32-ish"], thrice);
    assert_eq!(
        lock["default"]["winhelper"],
        expected("==1.0", lock_hashes(&world, &[winhelper]))
    );
    assert_eq!(
        lock["default"]["colorama"],
        expected("==0.4", lock_hashes(&world, &[colorama]))
    );
    assert_eq!(
        lock["default"]["legacy"],
        serde_json::json!({
            "version": "==1.0",
            "hashes": lock_hashes(&world, &[legacy]),
            "markers": "python_version < '3.9'",
        })
    );
    // [dev-packages] needs winhelper everywhere: its entry is its own, not default's for
    // Windows (which pipenv's lock does not have).
    assert_eq!(lock["develop"]["winhelper"]["version"], "==1.0");
    assert_eq!(
        lock["develop"]["winhelper"]["markers"],
        serde_json::Value::Null
    );
    // One version per package: shared keeps the pin made here, and pipenv's entry.
    assert_eq!(lock["default"]["shared"]["version"], "==1.0");
    assert_eq!(
        lock_without(
            &ours,
            &[
                ("default", "pywin32-ish"),
                ("default", "winhelper"),
                ("default", "colorama"),
                ("default", "legacy"),
            ]
        ),
        lock_without(
            &theirs,
            &[("default", "pywin32-ish"), ("default", "legacy")]
        ),
        "den's Pipfile.lock differs from pipenv's"
    );
    // pipenv skips the Windows entries here: it verifies the lock and installs the rest.
    ok(
        "pipenv verify",
        real_pipenv(&pipenv, &world, &ours, &["verify"]),
    );
    ok(
        "pipenv sync",
        real_pipenv(
            &pipenv,
            &world,
            &ours,
            &["--python", &python, "sync", "--dev"],
        ),
    );
    let venv = ok("den pipenv --venv", den_pipenv(&world, &ours, &["--venv"]));
    let (_, frozen, _) = run_python(Path::new(venv.trim()), &["-m", "pip", "freeze"]);
    for installed in ["alpha==1.0", "shared==1.0", "winhelper==1.0"] {
        assert!(frozen.contains(installed), "{installed} not in\n{frozen}");
    }
    for left_out in ["pywin32", "colorama", "legacy"] {
        assert!(
            !frozen.to_lowercase().contains(left_out),
            "{left_out} in\n{frozen}"
        );
    }
}

/// A pylock.toml pipenv writes without the line that says when (`generation_date`).
fn without_generation_date(text: &str) -> String {
    text.lines()
        .filter(|line| !line.starts_with("generation_date = "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// den and the real pip (26.x) install the pylock.toml pipenv's way of writing it gives: the
/// default group's packages (folded develop entries too), not the develop-only ones (under
/// `'dev' in dependency_groups`).
fn installs_default_group_of_pylock(world: &World, lock: &Path) {
    let den_env = world.venv("env-from-pylock-den", true);
    world.den_ok(&[
        "pip",
        "install",
        "-p",
        den_env.to_str().unwrap(),
        "-r",
        lock.to_str().unwrap(),
    ]);
    let (_, frozen, _) = run_python(&den_env, &["-m", "pip", "freeze"]);
    let den_frozen = world.den_ok(&["pip", "freeze", "-p", den_env.to_str().unwrap()]);
    assert_eq!(den_frozen, "alpha==1.0\nbeta==2.0\n", "{frozen}");
    let Some(pip26) = den_test_support::pip26_python("the real pip installing pylock.toml") else {
        return;
    };
    let pip_env = world.venv("env-from-pylock-pip", true);
    let out = common::pip26(&pip26, &pip_env, "install")
        .args(["--no-deps", "-r"])
        .arg(lock)
        .output()
        .unwrap();
    ok("pip install -r pylock.toml", out);
    let pip_frozen = world.den_ok(&["pip", "freeze", "-p", pip_env.to_str().unwrap()]);
    assert_eq!(pip_frozen, den_frozen);
}

/// `pin` (`name==version`) with its name PEP 503-normalized (`Jaraco.Context==5.0` ->
/// `jaraco-context==5.0`): lock keys and `pip freeze` may spell a name differently.
fn normalized_pin(pin: &str) -> String {
    let (name, version) = pin.split_once("==").unwrap_or((pin, ""));
    let name = name.to_lowercase();
    let parts: Vec<&str> = name
        .split(['-', '_', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    format!("{}=={version}", parts.join("-"))
}

/// `name==version` of every package of the lock's `default` and `develop` categories.
fn expected_pins(lock: &str) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(lock).unwrap();
    let mut pins = Vec::new();
    for category in ["default", "develop"] {
        for (name, entry) in value[category].as_object().into_iter().flatten() {
            if let Some(version) = entry["version"].as_str() {
                pins.push(format!("{name}{version}"));
            }
        }
    }
    pins
}

#[test]
fn install_adds_to_the_pipfile_and_keeps_other_pins() {
    let Some(world) = World::new() else { return };
    publish(&world);
    let dir = installed_project(
        &world,
        "app",
        &format!("{SOURCE}# the app's packages\n[packages]\nbeta = \"==1.0\"\n"),
    );
    // delta 0.3 is pinned; a newer delta appears on the index; adding alpha must not move it.
    ok(
        "den pipenv install delta",
        den_pipenv(&world, &dir, &["install", "delta"]),
    );
    world.index.publish(&WheelBuilder::new("delta", "0.4"));
    ok(
        "den pipenv install gamma",
        den_pipenv(&world, &dir, &["install", "gamma"]),
    );
    let pipfile = fs::read_to_string(dir.join("Pipfile")).unwrap();
    assert!(pipfile.contains("# the app's packages\n"), "{pipfile}");
    assert!(
        pipfile.contains("delta = \"*\"\ngamma = \"*\"\n"),
        "{pipfile}"
    );
    let lock = fs::read_to_string(dir.join("Pipfile.lock")).unwrap();
    assert!(lock.contains("\"version\": \"==0.3\""), "{lock}");
    // A package that does not exist is not added, and the files stay as they were.
    let out = den_pipenv(&world, &dir, &["install", "no-such-package"]);
    assert!(!out.status.success());
    assert_eq!(fs::read_to_string(dir.join("Pipfile")).unwrap(), pipfile);
    assert_eq!(fs::read_to_string(dir.join("Pipfile.lock")).unwrap(), lock);
    // update moves it.
    ok(
        "den pipenv update delta",
        den_pipenv(&world, &dir, &["update", "delta"]),
    );
    let lock = fs::read_to_string(dir.join("Pipfile.lock")).unwrap();
    assert!(lock.contains("\"version\": \"==0.4\""), "{lock}");
    let venv = ok("den pipenv --venv", den_pipenv(&world, &dir, &["--venv"]));
    let (_, frozen, _) = run_python(Path::new(venv.trim()), &["-m", "pip", "freeze"]);
    assert!(frozen.contains("delta==0.4"), "{frozen}");
    assert!(frozen.contains("gamma==1.5"), "{frozen}");
    // A newer delta: update --outdated names it and changes nothing; upgrade locks it
    // without installing.
    world.index.publish(&WheelBuilder::new("delta", "0.5"));
    let pipfile = fs::read_to_string(dir.join("Pipfile")).unwrap();
    let out = den_pipenv(&world, &dir, &["update", "--outdated"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("Package 'delta' out-of-date: '0.4' installed, '0.5' available."),
        "{out:?}"
    );
    assert!(
        fs::read_to_string(dir.join("Pipfile.lock"))
            .unwrap()
            .contains("\"==0.4\"")
    );
    ok(
        "den pipenv upgrade",
        den_pipenv(&world, &dir, &["upgrade", "delta"]),
    );
    assert_eq!(fs::read_to_string(dir.join("Pipfile")).unwrap(), pipfile);
    assert!(
        fs::read_to_string(dir.join("Pipfile.lock"))
            .unwrap()
            .contains("\"==0.5\"")
    );
    let (_, frozen, _) = run_python(Path::new(venv.trim()), &["-m", "pip", "freeze"]);
    assert!(frozen.contains("delta==0.4"), "upgrade installed: {frozen}");
    ok("den pipenv sync", den_pipenv(&world, &dir, &["sync"]));
    let out = ok(
        "den pipenv update --dry-run",
        den_pipenv(&world, &dir, &["update", "--dry-run"]),
    );
    assert!(out.contains("All packages are up to date!"), "{out}");
    // --skip-lock installs what the Pipfile names and leaves the lock alone.
    let lock = fs::read_to_string(dir.join("Pipfile.lock")).unwrap();
    fs::write(
        dir.join("Pipfile"),
        fs::read_to_string(dir.join("Pipfile"))
            .unwrap()
            .replace("[packages]\n", "[packages]\nalpha = \"*\"\n"),
    )
    .unwrap();
    ok(
        "den pipenv install --skip-lock",
        den_pipenv(&world, &dir, &["install", "--skip-lock"]),
    );
    assert_eq!(fs::read_to_string(dir.join("Pipfile.lock")).unwrap(), lock);
    let (_, frozen, _) = run_python(Path::new(venv.trim()), &["-m", "pip", "freeze"]);
    assert!(frozen.contains("alpha==1.0"), "{frozen}");
    // run: the environment's python, PIPENV_ACTIVE, .env loaded.
    fs::write(dir.join(".env"), "GREETING=hello\n").unwrap();
    let out = ok(
        "den pipenv run",
        den_pipenv(
            &world,
            &dir,
            &[
                "run",
                "python",
                "-c",
                "import os, sys, gamma; print(sys.prefix, os.environ['PIPENV_ACTIVE'], os.environ['GREETING'])",
            ],
        ),
    );
    assert_eq!(out.trim(), format!("{} 1 hello", venv.trim()));
}

#[test]
fn a_lock_keyed_by_either_spelling_installs_the_same_projects() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let pipfile = format!("{SOURCE}[packages]\n\"jaraco.functools\" = \"*\"\n");
    let dir = project(&world, "spellings", &pipfile);
    ok(
        "den pipenv lock",
        den_pipenv(&world, &dir, &["--python", &python, "lock"]),
    );
    let dotted = fs::read_to_string(dir.join("Pipfile.lock")).unwrap();
    assert!(dotted.contains("\"jaraco.functools\": {"), "{dotted}");
    // The lock den wrote before it kept pipenv's spelling: PEP 503 names.
    let normalized = dotted.replace("\"jaraco.functools\"", "\"jaraco-functools\"");
    fs::write(dir.join("Pipfile.lock"), &normalized).unwrap();
    ok("den pipenv verify", den_pipenv(&world, &dir, &["verify"]));
    ok(
        "pipenv verify",
        real_pipenv(&pipenv, &world, &dir, &["verify"]),
    );
    for args in [&["install", "--deploy"][..], &["sync"]] {
        ok("den pipenv", den_pipenv(&world, &dir, args));
        let venv = ok("den pipenv --venv", den_pipenv(&world, &dir, &["--venv"]));
        let (_, frozen, _) = run_python(Path::new(venv.trim()), &["-m", "pip", "freeze"]);
        assert!(
            frozen.contains("jaraco.functools==1.0"),
            "{args:?}: {frozen}"
        );
    }
    // Locking again writes pipenv's spelling, with the same pins.
    ok("den pipenv lock", den_pipenv(&world, &dir, &["lock"]));
    assert_eq!(
        fs::read_to_string(dir.join("Pipfile.lock")).unwrap(),
        dotted
    );
}

/// The out-of-date and "Skipped Update" lines of `update --outdated` (pipenv prints its
/// out-of-date lines in a set's order: sorted here), and its exit status.
fn outdated_report(output: &Output) -> (Vec<String>, Vec<String>, Option<i32>) {
    let lines = |bytes: &[u8], starts: &[&str]| {
        let mut lines: Vec<String> = String::from_utf8_lossy(bytes)
            .lines()
            .filter(|line| starts.iter().any(|start| line.starts_with(start)))
            .map(str::to_string)
            .collect();
        lines.sort();
        lines
    };
    (
        lines(&output.stdout, &["Package ", "All packages"]),
        lines(&output.stderr, &["Skipped Update"]),
        output.status.code(),
    )
}

#[test]
fn update_outdated_names_what_the_pipfile_holds_back_as_pipenv_does() {
    let Some((pipenv, world, _)) = judged_world() else {
        return;
    };
    world.index.publish(&WheelBuilder::new("delta", "0.4"));
    let dir = installed_project(
        &world,
        "held",
        &format!(
            "{SOURCE}[packages]\nbeta = \"<2.0\"\ngamma = \"*\"\n\n[dev-packages]\ndelta = \"==0.3\"\n"
        ),
    );
    ok(
        "den pipenv sync --dev",
        den_pipenv(&world, &dir, &["sync", "--dev"]),
    );
    // Held back only: each is skipped, and all is up to date (status 0).
    for args in [["update", "--outdated"], ["update", "--dry-run"]] {
        let ours = outdated_report(&den_pipenv(&world, &dir, &args));
        let theirs = outdated_report(&real_pipenv(&pipenv, &world, &dir, &args));
        assert_eq!(ours, theirs);
        assert_eq!(ours.1.len(), 2, "{ours:?}");
    }
    // A newer gamma is out of date (status 1); the others are still skipped.
    world.index.publish(&WheelBuilder::new("gamma", "1.6"));
    let args = ["update", "--outdated"];
    let ours = outdated_report(&den_pipenv(&world, &dir, &args));
    let theirs = outdated_report(&real_pipenv(&pipenv, &world, &dir, &args));
    assert_eq!(ours, theirs);
    assert_eq!(ours.2, Some(1), "{ours:?}");
}

#[test]
fn out_of_date_locks_bad_pipfiles_and_bad_hashes_are_refused() {
    let Some(world) = World::new() else { return };
    publish(&world);
    let python = world.python.to_str().unwrap().to_string();
    let dir = project(
        &world,
        "app",
        &format!("{SOURCE}[packages]\ndelta = \"*\"\n"),
    );
    ok(
        "den pipenv lock",
        den_pipenv(&world, &dir, &["--python", &python, "lock"]),
    );
    ok("den pipenv verify", den_pipenv(&world, &dir, &["verify"]));
    fs::write(
        dir.join("Pipfile"),
        fs::read_to_string(dir.join("Pipfile")).unwrap() + "gamma = \"*\"\n",
    )
    .unwrap();
    let out = den_pipenv(&world, &dir, &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Pipfile.lock is out-of-date"));
    let out = den_pipenv(&world, &dir, &["install", "--deploy"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is out of date. Expected:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A hash that does not match what the index serves: nothing is installed.
    let lock = fs::read_to_string(dir.join("Pipfile.lock")).unwrap();
    let start = lock.find("sha256:").unwrap() + "sha256:".len();
    let mut damaged = lock.clone();
    damaged.replace_range(start..start + 4, "0000");
    fs::write(dir.join("Pipfile.lock"), &damaged).unwrap();
    let out = den_pipenv(&world, &dir, &["sync"]);
    assert!(!out.status.success());
    let venv = ok("den pipenv --venv", den_pipenv(&world, &dir, &["--venv"]));
    let (_, frozen, _) = run_python(Path::new(venv.trim()), &["-m", "pip", "freeze"]);
    assert!(!frozen.contains("delta"), "{frozen}");

    // An index name no [[source]] has.
    fs::write(
        dir.join("Pipfile"),
        format!(
            "{}[packages]\ndelta = {{version = \"*\", index = \"nosuch\"}}\n",
            SOURCE.replace("INDEX_URL", &world.index.url())
        ),
    )
    .unwrap();
    let out = den_pipenv(&world, &dir, &["lock"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("index = \"nosuch\" names no [[source]]"),
        "{stderr}"
    );

    // Malformed TOML names the file, line and column.
    fs::write(dir.join("Pipfile"), "[packages]\ndelta = \n").unwrap();
    let out = den_pipenv(&world, &dir, &["lock"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Pipfile:2:"), "{stderr}");
}

#[test]
fn the_environment_is_where_pipenv_looks_and_den_answers_as_pipenv() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let dir = project(
        &world,
        "My Project (x)",
        &format!("{SOURCE}[packages]\ndelta = \"*\"\n"),
    );
    // den under the name `pipenv` (a link to it) is `den pipenv`.
    let bin = world.path("bin");
    fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_den"), bin.join("pipenv")).unwrap();
    for (variable, value) in [
        ("PIPENV_VENV_IN_PROJECT", "0"),
        ("PIPENV_VENV_IN_PROJECT", "1"),
        ("PIPENV_CUSTOM_VENV_NAME", "custom-name"),
    ] {
        let run = |program: &Path, args: &[&str]| {
            let mut command = Command::new(program);
            command.args(args).current_dir(&dir).env(variable, value);
            isolate(&mut command, &world);
            command.output().unwrap()
        };
        ok(
            "pipenv install",
            run(&bin.join("pipenv"), &["--python", &python, "install"]),
        );
        let ours = ok("den --venv", run(&bin.join("pipenv"), &["--venv"]));
        let theirs = ok("pipenv --venv", run(&pipenv, &["--venv"]));
        assert_eq!(ours, theirs, "{variable}={value}");
        let ours = ok("den --py", run(&bin.join("pipenv"), &["--py"]));
        let theirs = ok("pipenv --py", run(&pipenv, &["--py"]));
        assert_eq!(ours, theirs, "{variable}={value}");
        assert_eq!(
            ok("den --where", run(&bin.join("pipenv"), &["--where"])),
            ok("pipenv --where", run(&pipenv, &["--where"]))
        );
        let removal: &[&str] = if variable == "PIPENV_CUSTOM_VENV_NAME" {
            &["remove"]
        } else {
            &["--rm"]
        };
        ok("den --rm / remove", run(&bin.join("pipenv"), removal));
        assert!(!Path::new(ours.trim()).exists());
    }
}

/// A `.venv` file names the environment as pipenv reads it: a path relative to the project
/// when it looks like one to pipenv (a `/` inside or at the end), else a name in
/// WORKON_HOME, even `.name`, `~name` or `./name`.
#[test]
fn a_dot_venv_file_names_the_environment_as_pipenv_reads_it() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let dir = project(&world, "dot-venv-file", "[packages]\n");
    for named in [
        ".hidden",
        "~tilde",
        "./dotslash",
        "sub/dir",
        "../up-dir",
        "trailing/",
    ] {
        fs::write(dir.join(".venv"), format!("{named}\n")).unwrap();
        ok(
            "den pipenv install",
            den_pipenv(&world, &dir, &["--python", &python, "install"]),
        );
        let ours = ok("den pipenv --venv", den_pipenv(&world, &dir, &["--venv"]));
        let theirs = ok(
            "pipenv --venv",
            real_pipenv(&pipenv, &world, &dir, &["--venv"]),
        );
        assert_eq!(ours, theirs, "{named}");
    }
}

/// `--python VERSION` on an environment of another Python version recreates it on that
/// one, with den as with pipenv.
#[test]
fn python_of_another_version_recreates_the_environment() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let version_of = |python: &Path| {
        let output = Command::new(python)
            .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
            .output()
            .unwrap();
        ok("python", output).trim().to_string()
    };
    let first = version_of(&world.python);
    let other = ["3.12", "3.11", "3.10", "3.13"]
        .iter()
        .filter(|v| **v != first)
        .find_map(|v| den_test_support::pyenv_python(v));
    let Some(other) = den_test_support::require(other, "a second pyenv Python", "recreating")
    else {
        return;
    };
    let other = other.to_str().unwrap().to_string();
    for tool in ["den", "pipenv"] {
        let dir = project(&world, &format!("recreate-{tool}"), "[packages]\n");
        let run = |args: &[&str]| {
            if tool == "den" {
                ok("den pipenv", den_pipenv(&world, &dir, args))
            } else {
                ok("pipenv", real_pipenv(&pipenv, &world, &dir, args))
            }
        };
        run(&["--python", &python, "install"]);
        run(&["--python", &other, "install"]);
        let venv = ok("den pipenv --venv", den_pipenv(&world, &dir, &["--venv"]));
        let env_python = Path::new(venv.trim()).join("bin/python");
        assert_eq!(
            version_of(&env_python),
            version_of(Path::new(&other)),
            "{tool}"
        );
    }
}

/// `graph` in each of its formats prints what the real pipenv prints for the same
/// environment. delta is required twice (gamma's extra `fast`, omega's `>=0.1`): in the
/// reversed graph's JSON pipdeptree shows one of those requirements as delta's own, the
/// first in the order `importlib.metadata` lists the distributions (directory order), so
/// that field of a package with several requirers is left out of the comparison.
#[test]
fn graph_draws_what_pipenv_graph_draws() {
    let Some((pipenv, world, _)) = judged_world() else {
        return;
    };
    world
        .index
        .publish(&WheelBuilder::new("omega", "1.0").requires_dist("delta>=0.1"));
    let dir = installed_project(
        &world,
        "graphed",
        &format!("{SOURCE}[packages]\nepsilon = \"*\"\ndelta = \"*\"\nomega = \"*\"\n"),
    );
    for flags in [
        &[][..],
        &["--bare"],
        &["--reverse"],
        &["--json"],
        &["--json-tree"],
        &["--json", "--bare"],
        &["--reverse", "--json"],
        &["--json", "--reverse", "--bare"],
    ] {
        let args: Vec<&str> = std::iter::once("graph")
            .chain(flags.iter().copied())
            .collect();
        let ours = ok("den pipenv graph", den_pipenv(&world, &dir, &args));
        let theirs = ok("pipenv graph", real_pipenv(&pipenv, &world, &dir, &args));
        if flags.contains(&"--reverse") && flags.contains(&"--json") {
            let (ours, theirs) = (
                without_chosen_requirement(&ours),
                without_chosen_requirement(&theirs),
            );
            assert_eq!(ours, theirs, "graph {flags:?}");
            assert_eq!(ours[0]["package"]["key"], "alpha", "{ours}");
        } else {
            assert_eq!(ours, theirs, "graph {flags:?}");
        }
    }
}

/// pipdeptree's JSON of the reversed graph without the `required_version` and `extra` of
/// each package more than one distribution requires: pipdeptree takes them from the first
/// requirement in directory order.
fn without_chosen_requirement(json: &str) -> serde_json::Value {
    let mut value: serde_json::Value = serde_json::from_str(json).unwrap();
    for entry in value.as_array_mut().unwrap() {
        if entry["dependencies"].as_array().unwrap().len() > 1 {
            let package = entry["package"].as_object_mut().unwrap();
            package.remove("required_version");
            package.remove("extra");
        }
    }
    value
}

#[test]
fn shell_and_activate_enter_the_environment() {
    let Some(pipenv) = pipenv() else { return };
    let Some(world) = World::new() else { return };
    let Some(bash) = den_test_support::require_program("bash", "den pipenv shell in bash") else {
        return;
    };
    publish(&world);
    let dir = installed_project(
        &world,
        "shelled",
        &format!("{SOURCE}[packages]\ndelta = \"*\"\n"),
    );
    fs::write(dir.join(".env"), "FROM_DOTENV=yes\n").unwrap();
    for shell in ["/usr/bin/fish", "/bin/bash", "/bin/tcsh"] {
        let activate = |program: &Path| {
            let mut command = Command::new(program);
            command
                .args(if program.ends_with("den") {
                    &["pipenv", "activate"][..]
                } else {
                    &["activate"][..]
                })
                .current_dir(&dir)
                .env("PIPENV_SHELL", shell);
            isolate(&mut command, &world);
            ok("activate", command.output().unwrap())
        };
        assert_eq!(
            activate(Path::new(env!("CARGO_BIN_EXE_den"))),
            activate(&pipenv),
            "{shell}"
        );
    }
    let venv = ok("den pipenv --venv", den_pipenv(&world, &dir, &["--venv"]));
    let mut command = Command::new(env!("CARGO_BIN_EXE_den"));
    command
        .args(["pipenv", "shell"])
        .current_dir(&dir)
        .env("SHELL", &bash)
        .env("HOME", world.path("home"))
        .env_remove("PIPENV_IGNORE_VIRTUALENVS");
    isolate(&mut command, &world);
    let output = den_test_support::output_with_input(
        &mut command,
        "echo \"[$VIRTUAL_ENV|$PIPENV_ACTIVE|$FROM_DOTENV|$(command -v python)]\"\nexit 3\n",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let venv = venv.trim();
    assert!(
        stdout.contains(&format!("[{venv}|1|yes|{venv}/bin/python]")),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(3));
    // Nested: refused as pipenv refuses it.
    let mut nested = Command::new(env!("CARGO_BIN_EXE_den"));
    nested.args(["pipenv", "shell"]).current_dir(&dir);
    isolate(&mut nested, &world);
    let out = nested.env("PIPENV_ACTIVE", "1").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already activated"));
}

#[test]
fn requirements_and_scripts_print_what_pipenv_prints() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let dir = project(
        &world,
        "printed",
        &format!(
            "{SOURCE}[packages]\nalpha = \"*\"\ngamma = {{version = \"*\", extras = [\"fast\"], markers = \"os_name == 'posix'\"}}\n\n[dev-packages]\ndelta = \"*\"\n\n[docs]\nbeta = \"*\"\n\n[scripts]\nhello = \"python -c 'print(1)'\"\ncheck = {{call = \"alpha:VERSION\"}}\nboth = [\"python -V\", \"python -c pass\"]\n"
        ),
    );
    ok(
        "den pipenv lock",
        den_pipenv(&world, &dir, &["--python", &python, "lock"]),
    );
    for args in [
        &["requirements"][..],
        &["requirements", "--dev"],
        &["requirements", "--dev-only", "--hash"],
        &["requirements", "--exclude-markers"],
        &["requirements", "--categories", "docs packages"],
        &["scripts"],
    ] {
        let ours = ok("den pipenv", den_pipenv(&world, &dir, args));
        let theirs = ok("pipenv", real_pipenv(&pipenv, &world, &dir, args));
        assert_eq!(ours, theirs, "{args:?}");
    }
}

#[test]
fn without_a_source_the_lock_names_pypi_and_pipenv_pypi_mirror_is_used() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let dir = project(&world, "mirrored", "[packages]\ndelta = \"*\"\n");
    let mut command = Command::new(env!("CARGO_BIN_EXE_den"));
    command
        .args(["pipenv", "--python", &python, "install"])
        .current_dir(&dir);
    isolate(&mut command, &world);
    let out = command
        .env("PIPENV_PYPI_MIRROR", world.index.url())
        .output()
        .unwrap();
    ok("den pipenv install with a mirror", out);
    let lock = fs::read_to_string(dir.join("Pipfile.lock")).unwrap();
    assert!(
        lock.contains("\"url\": \"https://pypi.org/simple\""),
        "{lock}"
    );
    assert!(lock.contains("\"index\": \"pypi\""), "{lock}");
    ok(
        "pipenv verify",
        real_pipenv(&pipenv, &world, &dir, &["verify"]),
    );
}

/// Locks `pipfile` with the real pipenv and with den, each in its own project directory
/// (`name-pipenv`, `name-den`; `prepare` fills each before the lock), asserts the two
/// Pipfile.lock files are the same bytes and that pipenv verifies den's; returns the lock.
fn same_lock(
    pipenv: &Path,
    world: &World,
    python: &str,
    name: &str,
    pipfile: &str,
    prepare: &dyn Fn(&Path),
) -> String {
    let mut locks = Vec::new();
    let mut dirs = Vec::new();
    for tool in ["pipenv", "den"] {
        let dir = project(world, &format!("{name}-{tool}"), pipfile);
        prepare(&dir);
        let args = ["--python", python, "lock"];
        if tool == "pipenv" {
            ok("pipenv lock", real_pipenv(pipenv, world, &dir, &args));
        } else {
            ok("den pipenv lock", den_pipenv(world, &dir, &args));
        }
        locks.push(fs::read_to_string(dir.join("Pipfile.lock")).unwrap());
        dirs.push(dir);
    }
    assert_eq!(
        locks[1], locks[0],
        "{name}: den's lock differs from pipenv's"
    );
    ok(
        "pipenv verify",
        real_pipenv(pipenv, world, &dirs[1], &["verify"]),
    );
    locks.swap_remove(0)
}

/// An `os_name` key is no marker for pipenv's resolver: the package is locked wherever the
/// lock is made, the key's marker AND-ed after its Requires-Python (a `markers` key
/// replaces both), and a table whose lock markers are false here keeps its `os_name` key.
#[test]
fn os_name_keys_lock_as_pipenv_locks_them() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let pipfile = format!(
        "{SOURCE}[packages]\ngamma = {{version = \"*\", os_name = \"== 'posix'\"}}\ndelta = {{version = \"*\", os_name = \"== 'nt'\"}}\nalpha = {{version = \"*\", os_name = \"== 'nt'\", markers = \"python_version >= '3'\"}}\n"
    );
    let lock = same_lock(&pipenv, &world, &python, "os-name", &pipfile, &|_| {});
    assert!(
        lock.contains("\"markers\": \"os_name == 'posix'\""),
        "{lock}"
    );
    assert!(lock.contains(") and os_name == 'nt'\""), "{lock}");
    assert!(lock.contains("\"os_name\": \"== 'nt'\""), "{lock}");
}

/// A `[[source]]` without `verify_ssl` is locked with whether its URL is https, as pipenv
/// locks it (`false` for the loopback index's http URL).
#[test]
fn a_source_without_verify_ssl_locks_as_pipenv_locks_it() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let pipfile =
        "[[source]]\nurl = \"INDEX_URL\"\nname = \"local\"\n\n[packages]\ndelta = \"*\"\n";
    let lock = same_lock(&pipenv, &world, &python, "no-verify-ssl", pipfile, &|_| {});
    assert!(lock.contains("\"verify_ssl\": false"), "{lock}");
}

/// A Pipfile.lock with CRLF line ends is rewritten with them, by pipenv and by den.
#[test]
fn a_crlf_lock_keeps_its_newlines() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let first = format!("{SOURCE}[packages]\ndelta = \"*\"\n");
    let second = format!("{SOURCE}[packages]\ndelta = \"*\"\nalpha = \"*\"\n");
    let crlf_lock = |dir: &Path| {
        let text = fs::read_to_string(dir.join("Pipfile.lock")).unwrap();
        fs::write(dir.join("Pipfile.lock"), text.replace('\n', "\r\n")).unwrap();
    };
    let lock = same_lock(&pipenv, &world, &python, "crlf", &second, &|dir| {
        fs::write(
            dir.join("Pipfile"),
            first.replace("INDEX_URL", &world.index.url()),
        )
        .unwrap();
        let args = ["--python", python.as_str(), "lock"];
        ok("den pipenv lock", den_pipenv(&world, dir, &args));
        crlf_lock(dir);
        let text = second.replace("INDEX_URL", &world.index.url());
        fs::write(dir.join("Pipfile"), text).unwrap();
    });
    assert!(lock.contains("\"alpha\": {\r\n"), "{lock}");
    assert!(!lock.replace("\r\n", "").contains('\n'), "{lock}");
}

/// `sync --clean` installs the lock, then uninstalls what it does not list, with den as with
/// pipenv.
#[test]
fn sync_clean_removes_what_the_lock_does_not_list() {
    let Some((pipenv, world, _)) = judged_world() else {
        return;
    };
    let dir = installed_project(
        &world,
        "sync-clean",
        &format!("{SOURCE}[packages]\nalpha = \"*\"\n"),
    );
    let venv = ok("den pipenv --venv", den_pipenv(&world, &dir, &["--venv"]));
    let venv = Path::new(venv.trim()).to_path_buf();
    let env_arg = venv.to_str().unwrap();
    let mut frozen = Vec::new();
    for tool in ["den", "pipenv"] {
        world.den_ok(&["pip", "install", "-p", env_arg, "gamma"]);
        world.den_ok(&["pip", "uninstall", "-y", "-p", env_arg, "beta"]);
        let args = ["sync", "--clean"];
        if tool == "den" {
            ok("den pipenv sync --clean", den_pipenv(&world, &dir, &args));
        } else {
            ok(
                "pipenv sync --clean",
                real_pipenv(&pipenv, &world, &dir, &args),
            );
        }
        let (_, listed, _) = run_python(&venv, &["-m", "pip", "freeze"]);
        assert!(!listed.contains("gamma"), "{tool}: {listed}");
        assert!(listed.contains("beta=="), "{tool}: {listed}");
        frozen.push(listed);
    }
    assert_eq!(frozen[0], frozen[1]);
}

/// `install -e PATH` keys the Pipfile entry by the project's name, not the directory's, as
/// pipenv does: the same Pipfile and lock, and den syncs from it.
#[test]
fn install_editable_names_the_entry_after_the_project() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let mut files = Vec::new();
    for tool in ["pipenv", "den"] {
        let name = format!("editable-{tool}");
        let dir = project(&world, &name, SOURCE);
        world.project_dir(
            &den_test_support::SdistBuilder::new("Named_Thing", "1.0").requires_dist("delta"),
            &format!("{name}/src-dir"),
        );
        let args = ["--python", python.as_str(), "install", "-e", "./src-dir"];
        if tool == "pipenv" {
            ok(
                "pipenv install -e",
                real_pipenv(&pipenv, &world, &dir, &args),
            );
        } else {
            ok("den pipenv install -e", den_pipenv(&world, &dir, &args));
        }
        let read = |file: &str| fs::read_to_string(dir.join(file)).unwrap();
        files.push((read("Pipfile"), read("Pipfile.lock")));
        if tool == "den" {
            ok("den pipenv sync", den_pipenv(&world, &dir, &["sync"]));
        }
    }
    assert_eq!(
        files[1].0, files[0].0,
        "den's Pipfile differs from pipenv's"
    );
    assert_eq!(files[1].1, files[0].1, "den's lock differs from pipenv's");
    assert!(files[0].0.contains("named-thing = {"), "{}", files[0].0);
}

/// `install -i URL --pre "PKG>=A, <B"` writes what pipenv writes: the specifiers in
/// packaging's order, a new `[[source]]` for the URL named after its host, the entry's
/// `index`, and `[pipenv] allow_prereleases = true`; then the same lock.
#[test]
fn install_writes_specifiers_sources_and_pre_as_pipenv_does() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let url = world.index.url();
    let mut files = Vec::new();
    for tool in ["pipenv", "den"] {
        let dir = project(&world, &format!("install-index-{tool}"), "[packages]\n");
        let args = [
            "--python",
            python.as_str(),
            "install",
            "-i",
            url.as_str(),
            "--pre",
            "delta>=0.1, <1",
        ];
        if tool == "pipenv" {
            ok("pipenv install", real_pipenv(&pipenv, &world, &dir, &args));
        } else {
            ok("den pipenv install", den_pipenv(&world, &dir, &args));
        }
        let read = |file: &str| fs::read_to_string(dir.join(file)).unwrap();
        files.push((read("Pipfile"), read("Pipfile.lock")));
    }
    assert_eq!(
        files[1].0, files[0].0,
        "den's Pipfile differs from pipenv's"
    );
    assert_eq!(files[1].1, files[0].1, "den's lock differs from pipenv's");
    let pipfile = &files[0].0;
    assert!(pipfile.contains("version = \"<1,>=0.1\""), "{pipfile}");
    assert!(pipfile.contains("allow_prereleases = true"), "{pipfile}");
}

/// `uninstall --categories C PKG` removes PKG from those tables only, and `uninstall --all`
/// purges the environment leaving Pipfile and lock alone, with den as with pipenv.
#[test]
fn uninstall_honours_categories_and_all_purges_as_pipenv_does() {
    let Some((pipenv, world, _)) = judged_world() else {
        return;
    };
    let pipfile = format!(
        "{SOURCE}[packages]\nalpha = \"*\"\ndelta = \"*\"\n\n[dev-packages]\ndelta = \"*\"\n"
    );
    let mut pipfiles = Vec::new();
    for tool in ["den", "pipenv"] {
        let dir = installed_project(&world, &format!("uninstall-{tool}"), &pipfile);
        let venv = ok("den pipenv --venv", den_pipenv(&world, &dir, &["--venv"]));
        let run = |args: &[&str]| {
            if tool == "den" {
                ok("den pipenv", den_pipenv(&world, &dir, args))
            } else {
                ok("pipenv", real_pipenv(&pipenv, &world, &dir, args))
            }
        };
        run(&["uninstall", "--categories", "dev-packages", "delta"]);
        let edited = fs::read_to_string(dir.join("Pipfile")).unwrap();
        let lock = fs::read_to_string(dir.join("Pipfile.lock")).unwrap();
        run(&["uninstall", "--all"]);
        assert_eq!(
            fs::read_to_string(dir.join("Pipfile")).unwrap(),
            edited,
            "{tool}"
        );
        assert_eq!(
            fs::read_to_string(dir.join("Pipfile.lock")).unwrap(),
            lock,
            "{tool}"
        );
        let (_, frozen, _) = run_python(Path::new(venv.trim()), &["-m", "pip", "freeze"]);
        assert_eq!(frozen.trim(), "", "{tool}: --all leaves nothing installed");
        pipfiles.push(edited);
    }
    assert_eq!(
        pipfiles[0], pipfiles[1],
        "den's Pipfile differs from pipenv's"
    );
    assert!(
        pipfiles[0].contains("[packages]\nalpha = \"*\"\ndelta = \"*\""),
        "{}",
        pipfiles[0]
    );
}

/// `update --categories C` locks category C only: the others keep their pins, as in pipenv.
#[test]
fn update_honours_categories_as_pipenv_does() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    world.index.publish(&WheelBuilder::new("mu", "1.0"));
    world.index.publish(&WheelBuilder::new("nu", "1.0"));
    let pipfile = format!("{SOURCE}[packages]\nmu = \"*\"\n\n[dev-packages]\nnu = \"*\"\n");
    let dirs: Vec<PathBuf> = ["den", "pipenv"]
        .iter()
        .map(|tool| {
            let dir = project(&world, &format!("update-{tool}"), &pipfile);
            ok(
                "den pipenv lock",
                den_pipenv(&world, &dir, &["--python", &python, "lock"]),
            );
            dir
        })
        .collect();
    world.index.publish(&WheelBuilder::new("mu", "2.0"));
    world.index.publish(&WheelBuilder::new("nu", "2.0"));
    let args = ["update", "--categories", "dev-packages", "--lock-only"];
    ok("den pipenv update", den_pipenv(&world, &dirs[0], &args));
    ok(
        "pipenv update",
        real_pipenv(&pipenv, &world, &dirs[1], &args),
    );
    let locks: Vec<String> = dirs
        .iter()
        .map(|dir| fs::read_to_string(dir.join("Pipfile.lock")).unwrap())
        .collect();
    assert_eq!(locks[0], locks[1], "den's lock differs from pipenv's");
    assert!(locks[0].contains("\"version\": \"==1.0\""), "{}", locks[0]);
    assert!(locks[0].contains("\"version\": \"==2.0\""), "{}", locks[0]);
}

/// A `file` entry (a wheel by `file://` URL) locks as pipenv locks it, byte for byte.
#[test]
fn file_entries_lock_as_pipenv_locks_them() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let wheels = world.path("file-wheels");
    fs::create_dir_all(&wheels).unwrap();
    let wheel = WheelBuilder::new("omega", "1.0")
        .requires_dist("delta")
        .file("omega/__init__.py", b"")
        .build(&wheels);
    let url = format!("file://{}", wheel.display());
    let pipfile = format!("{SOURCE}[packages]\nomega = {{file = \"{url}\"}}\n");
    let lock = same_lock(&pipenv, &world, &python, "file-entry", &pipfile, &|_| {});
    // pipenv writes the local file relative to the project, without hashes.
    let relative = "\"file\": \"../file-wheels/omega-1.0-py3-none-any.whl\"\n";
    assert!(lock.contains(relative), "{lock}");
    let dir = world.path("file-entry-den");
    ok("den pipenv sync", den_pipenv(&world, &dir, &["sync"]));
    let venv = ok("den pipenv --venv", den_pipenv(&world, &dir, &["--venv"]));
    let (_, frozen, _) = run_python(Path::new(venv.trim()), &["-m", "pip", "freeze"]);
    assert!(frozen.contains("omega @ file://"), "{frozen}");
}

/// A [`judged_world`] with a git repository of the project psi 1.0 (requiring delta), one
/// commit on `main`: pipenv, the world, its Python, the repository and the commit (`None`,
/// reported, when pipenv, an interpreter or git is missing).
fn psi_repository() -> Option<(PathBuf, World, String, PathBuf, String)> {
    let (pipenv, world, python) = judged_world()?;
    den_test_support::require(
        den_test_support::find_program("git"),
        "git",
        "git entries of a Pipfile",
    )?;
    let repo = world.project_dir(
        &den_test_support::SdistBuilder::new("psi", "1.0").requires_dist("delta"),
        "psi-repo",
    );
    let commit = common::git_repository(&repo);
    Some((pipenv, world, python, repo, commit))
}

/// A git entry locks with the commit its ref resolves to as `ref`, as pipenv locks it (a
/// local repository by `git+file://`).
#[test]
fn git_entries_lock_the_resolved_commit_as_pipenv_does() {
    let Some((pipenv, world, python, repo, commit)) = psi_repository() else {
        return;
    };
    let url = format!("git+file://{}", repo.display());
    let pipfile = format!("{SOURCE}[packages]\npsi = {{git = \"{url}\", ref = \"main\"}}\n");
    let lock = same_lock(&pipenv, &world, &python, "git-entry", &pipfile, &|_| {});
    assert!(lock.contains(&format!("\"ref\": \"{commit}\"")), "{lock}");
}

/// An editable git entry locks as pipenv locks it, and `sync` clones it into the
/// environment's `src` and installs the clone editable, as pipenv (through pip) does: the
/// two environments freeze alike, the clone's remote and commit included.
#[test]
fn editable_git_entries_sync_into_src_as_pipenv_does() {
    let Some((pipenv, world, python, repo, commit)) = psi_repository() else {
        return;
    };
    let url = format!("git+file://{}", repo.display());
    let pipfile =
        format!("{SOURCE}[packages]\npsi = {{git = \"{url}\", ref = \"main\", editable = true}}\n");
    let lock = same_lock(&pipenv, &world, &python, "git-editable", &pipfile, &|_| {});
    assert!(lock.contains("\"editable\": true"), "{lock}");
    let mut frozen = Vec::new();
    for tool in ["pipenv", "den"] {
        let dir = world.path(&format!("git-editable-{tool}"));
        let args = ["--python", python.as_str(), "sync"];
        if tool == "pipenv" {
            ok("pipenv sync", real_pipenv(&pipenv, &world, &dir, &args));
        } else {
            ok("den pipenv sync", den_pipenv(&world, &dir, &args));
        }
        let venv = ok("--venv", den_pipenv(&world, &dir, &["--venv"]));
        let venv = Path::new(venv.trim()).to_path_buf();
        let clone = venv.join("src/psi");
        assert!(clone.join(".git").is_dir(), "{tool}: no clone in src");
        let (ok_import, _, err) = run_python(&venv, &["-c", "import psi, delta"]);
        assert!(ok_import, "{tool}: {err}");
        let (_, listed, _) = run_python(&venv, &["-m", "pip", "freeze"]);
        frozen.push(listed);
    }
    assert_eq!(
        frozen[1], frozen[0],
        "den's environment differs from pipenv's"
    );
    assert!(
        frozen[0].contains(&format!("-e {url}@{commit}#egg=psi")),
        "{}",
        frozen[0]
    );
    // pipenv's own view of den's environment.
    let dir = world.path("git-editable-den");
    ok(
        "pipenv verify",
        real_pipenv(&pipenv, &world, &dir, &["verify"]),
    );
    let graph = ok(
        "pipenv graph",
        real_pipenv(&pipenv, &world, &dir, &["graph"]),
    );
    assert!(
        graph.contains("psi==1.0") && graph.contains("delta"),
        "{graph}"
    );
    // A directory in the clone's place that is no clone: pip's PIP_EXISTS_ACTION says what
    // to do, as pipenv's pip reads it; without it den stops and names the variable.
    let venv = ok("--venv", den_pipenv(&world, &dir, &["--venv"]));
    let clone = Path::new(venv.trim()).join("src/psi");
    std::fs::remove_dir_all(&clone).unwrap();
    std::fs::create_dir_all(&clone).unwrap();
    std::fs::write(clone.join("notes.txt"), b"mine\n").unwrap();
    let out = den_pipenv(&world, &dir, &["sync"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("PIP_EXISTS_ACTION"),
        "{err}"
    );
    assert!(clone.join("notes.txt").is_file());
    let mut command = den_pipenv_command(&world, &dir, &["sync"]);
    ok(
        "den pipenv sync, PIP_EXISTS_ACTION=b",
        command.env("PIP_EXISTS_ACTION", "b").output().unwrap(),
    );
    assert!(clone.join(".git").is_dir());
    let backup = Path::new(venv.trim()).join("src/psi.bak/notes.txt");
    assert!(backup.is_file(), "no backup at {}", backup.display());
    // pip's configuration files say it as well: a letter pip refuses is refused naming the
    // file and line; (w)ipe replaces the directory.
    let conf = world.path("exists-action-pip.conf");
    std::fs::remove_dir_all(&clone).unwrap();
    std::fs::create_dir_all(&clone).unwrap();
    std::fs::write(clone.join("notes.txt"), b"mine\n").unwrap();
    std::fs::write(
        &conf,
        "[global]\ntimeout = 60\n[install]\nexists-action = x\n",
    )
    .unwrap();
    let mut command = den_pipenv_command(&world, &dir, &["sync"]);
    let out = command.env("PIP_CONFIG_FILE", &conf).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains(&format!("{}:4", conf.display()))
            && err.contains("invalid choice: 'x'"),
        "{err}"
    );
    assert!(clone.join("notes.txt").is_file());
    // Only what installs reads it, as only pipenv's pip does: the other commands still work.
    let mut command = den_pipenv_command(&world, &dir, &["--venv"]);
    ok(
        "den pipenv --venv, a letter pip refuses in pip.conf",
        command.env("PIP_CONFIG_FILE", &conf).output().unwrap(),
    );
    std::fs::write(&conf, "[install]\nexists-action = w\n").unwrap();
    let mut command = den_pipenv_command(&world, &dir, &["sync"]);
    ok(
        "den pipenv sync, exists-action = w in pip.conf",
        command.env("PIP_CONFIG_FILE", &conf).output().unwrap(),
    );
    assert!(clone.join(".git").is_dir());
    assert!(!clone.join("notes.txt").exists());
}

/// `install -r FILE` imports the requirements as pipenv does: specifiers in packaging's
/// order, markers as written there (`python_version` stays `python_version`); the same
/// Pipfile and lock.
#[test]
fn install_r_imports_requirements_as_pipenv_does() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let mut files = Vec::new();
    for tool in ["pipenv", "den"] {
        let dir = project(&world, &format!("import-{tool}"), SOURCE);
        fs::write(
            dir.join("requirements.txt"),
            "delta>=0.1, <1\nalpha>=0.5;python_version>=\"3.8\"  # a comment\n",
        )
        .unwrap();
        let args = [
            "--python",
            python.as_str(),
            "install",
            "-r",
            "requirements.txt",
        ];
        if tool == "pipenv" {
            ok(
                "pipenv install -r",
                real_pipenv(&pipenv, &world, &dir, &args),
            );
        } else {
            ok("den pipenv install -r", den_pipenv(&world, &dir, &args));
        }
        let read = |file: &str| fs::read_to_string(dir.join(file)).unwrap();
        files.push((read("Pipfile"), read("Pipfile.lock")));
    }
    assert_eq!(
        files[1].0, files[0].0,
        "den's Pipfile differs from pipenv's"
    );
    assert_eq!(files[1].1, files[0].1, "den's lock differs from pipenv's");
    assert!(files[0].0.contains("python_version >="), "{}", files[0].0);
}

#[test]
fn path_entries_lock_as_pipenv_locks_them() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let pipfile = format!(
        "{SOURCE}[packages]\nlocal = {{path = \"./local\", editable = true}}\nalpha = \"*\"\n"
    );
    let mut locks = Vec::new();
    for (tool, name) in [("pipenv", "paths-pipenv"), ("den", "paths-den")] {
        let dir = project(&world, name, &pipfile);
        world.project_dir(
            &den_test_support::SdistBuilder::new("local", "1.0").requires_dist("delta"),
            &format!("{name}/local"),
        );
        let args = ["--python", python.as_str(), "lock"];
        if tool == "pipenv" {
            ok("pipenv lock", real_pipenv(&pipenv, &world, &dir, &args));
        } else {
            ok("den pipenv lock", den_pipenv(&world, &dir, &args));
        }
        locks.push(fs::read_to_string(dir.join("Pipfile.lock")).unwrap());
    }
    assert_eq!(locks[1], locks[0], "den's lock differs from pipenv's");
    assert!(
        locks[0].contains("\"editable\": true") && locks[0].contains("\"path\": \"./local\""),
        "{}",
        locks[0]
    );
    assert!(
        locks[0].contains("\"delta\": {"),
        "the path project's dependency is locked: {}",
        locks[0]
    );
}

#[test]
fn uninstall_and_clean_keep_pipfile_lock_and_environment_in_step() {
    let Some((pipenv, world, _)) = judged_world() else {
        return;
    };
    let dir = installed_project(
        &world,
        "trimmed",
        &format!("{SOURCE}[packages]\nalpha = \"*\"\ndelta = \"*\"\n"),
    );
    let venv = ok("den pipenv --venv", den_pipenv(&world, &dir, &["--venv"]));
    let venv = Path::new(venv.trim()).to_path_buf();
    ok(
        "den pipenv uninstall delta",
        den_pipenv(&world, &dir, &["uninstall", "delta"]),
    );
    let pipfile = fs::read_to_string(dir.join("Pipfile")).unwrap();
    assert!(!pipfile.contains("delta"), "{pipfile}");
    let lock = fs::read_to_string(dir.join("Pipfile.lock")).unwrap();
    assert!(!lock.contains("\"delta\""), "{lock}");
    ok(
        "pipenv verify",
        real_pipenv(&pipenv, &world, &dir, &["verify"]),
    );
    let (_, frozen, _) = run_python(&venv, &["-m", "pip", "freeze"]);
    assert!(!frozen.contains("delta"), "{frozen}");

    // Something the lock does not name: clean --dry-run lists it, clean removes it.
    let env_arg = venv.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "gamma"]);
    let listed = ok(
        "den pipenv clean --dry-run",
        den_pipenv(&world, &dir, &["clean", "--dry-run"]),
    );
    assert_eq!(listed.trim(), "gamma");
    ok("den pipenv clean", den_pipenv(&world, &dir, &["clean"]));
    let (_, frozen, _) = run_python(&venv, &["-m", "pip", "freeze"]);
    assert!(!frozen.contains("gamma"), "{frozen}");
    assert!(frozen.contains("alpha==1.0"), "{frozen}");
}

/// Each project comes from one index, as pipenv has it (against dependency confusion): an
/// entry's `index = "name"` source alone, every other project the first source alone, all
/// sources with `[pipenv] install_search_all_sources = true`. The real pipenv pins the same.
#[test]
fn each_project_comes_from_its_own_index_as_in_pipenv() {
    let Some(pipenv) = pipenv() else { return };
    let Some(world) = World::new() else { return };
    let private = den_test_support::TestIndex::new();
    // The public index carries a higher `alpha` than the private one (a confusion attack)
    // and no `secret`.
    world.index.publish(
        &WheelBuilder::new("alpha", "9.0").file("alpha/__init__.py", b"WHERE = 'public'\n"),
    );
    world.index.publish(&WheelBuilder::new("beta", "1.0"));
    private.publish(
        &WheelBuilder::new("alpha", "1.0").file("alpha/__init__.py", b"WHERE = 'private'\n"),
    );
    private.publish(&WheelBuilder::new("secret", "1.0"));
    let sources = format!(
        "[[source]]\nurl = \"INDEX_URL\"\nverify_ssl = false\nname = \"pypi\"\n\n\
         [[source]]\nurl = \"{}\"\nverify_ssl = false\nname = \"private\"\n\n",
        private.url()
    );
    let pipfile = format!(
        "{sources}[packages]\nalpha = {{version = \"*\", index = \"private\"}}\nbeta = \"*\"\n"
    );
    let python = world.python.to_str().unwrap();
    let den_dir = installed_project(&world, "den-restricted", &pipfile);
    let real_dir = project(&world, "real-restricted", &pipfile);
    ok(
        "pipenv lock",
        real_pipenv(&pipenv, &world, &real_dir, &["--python", python, "lock"]),
    );
    let pins = |dir: &Path| expected_pins(&fs::read_to_string(dir.join("Pipfile.lock")).unwrap());
    assert_eq!(pins(&den_dir), pins(&real_dir));
    assert!(
        pins(&den_dir).contains(&"alpha==1.0".to_string()),
        "{:?}",
        pins(&den_dir)
    );
    let run = ok(
        "den pipenv run",
        den_pipenv(
            &world,
            &den_dir,
            &["run", "python", "-c", "import alpha; print(alpha.WHERE)"],
        ),
    );
    assert_eq!(run.trim(), "private");
    // A project no entry sends to the private index is looked for in the first source only.
    let unnamed = format!("{pipfile}secret = \"*\"\n");
    fs::write(
        den_dir.join("Pipfile"),
        unnamed.replace("INDEX_URL", &world.index.url()),
    )
    .unwrap();
    let out = den_pipenv(&world, &den_dir, &["lock"]);
    assert!(
        !out.status.success(),
        "secret must not come from the private index"
    );
    let everywhere = unnamed.replace(
        "[packages]",
        "[pipenv]\ninstall_search_all_sources = true\n\n[packages]",
    );
    fs::write(
        den_dir.join("Pipfile"),
        everywhere.replace("INDEX_URL", &world.index.url()),
    )
    .unwrap();
    ok(
        "den pipenv lock (all sources)",
        den_pipenv(&world, &den_dir, &["lock"]),
    );
}

/// `den pipenv ARGS` (`tool` "den") or the real pipenv's in `dir`, PyPI replaced by the
/// loopback index (`PIPENV_PYPI_MIRROR`).
fn mirrored(pipenv: &Path, tool: &str, world: &World, dir: &Path, args: &[&str]) -> Output {
    let mut command = if tool == "den" {
        let mut command = Command::new(env!("CARGO_BIN_EXE_den"));
        command.arg("pipenv");
        command
    } else {
        Command::new(pipenv)
    };
    command.args(args).current_dir(dir);
    isolate(&mut command, world);
    command
        .env("PIPENV_PYPI_MIRROR", world.index.url())
        .output()
        .unwrap()
}

/// Where pipenv 2026.10.3 reads a project's pylock.toml in place of Pipfile.lock, den reads
/// it, judged by the real pipenv (which installs a pylock.toml's pins from PyPI, here the
/// loopback index as `PIPENV_PYPI_MIRROR`; den installs the lock's own files): `sync` without
/// Pipfile.lock installs the lock's default group, not the Pipfile's packages, and with
/// `--dev` its develop packages too; with Pipfile.lock beside it `sync` installs Pipfile.lock
/// but `clean` keeps what the pylock.toml lists; a lock whose `requires-python` excludes the
/// environment is refused.
#[test]
fn a_pylock_toml_is_read_where_pipenv_reads_it() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    // The lock: den's pylock.toml (pipenv's, byte for byte) of alpha (with beta) and, for
    // development, delta.
    let made = project(
        &world,
        "pylock-made",
        &format!(
            "{SOURCE}[packages]\nalpha = \"*\"\n\n[dev-packages]\ndelta = \"*\"\n\n[pipenv]\nuse_pylock = true\n"
        ),
    );
    ok(
        "den pipenv lock",
        den_pipenv(&world, &made, &["--python", &python, "lock"]),
    );
    let pylock = fs::read_to_string(made.join("pylock.toml")).unwrap();
    for tool in ["pipenv", "den"] {
        // The Pipfile asks for gamma: the lock is installed, not the Pipfile.
        let dir = project(
            &world,
            &format!("pylock-read-{tool}"),
            "[packages]\ngamma = \"*\"\n",
        );
        let run = |args: &[&str]| mirrored(&pipenv, tool, &world, &dir, args);
        fs::write(dir.join("pylock.toml"), &pylock).unwrap();
        let frozen = || {
            let venv = ok("--venv", run(&["--venv"]));
            world.den_ok(&["pip", "freeze", "-p", venv.trim()])
        };
        let out = ok(
            &format!("{tool} sync from pylock.toml"),
            run(&["--python", &python, "sync"]),
        );
        assert!(!out.contains("Pipfile.lock"), "{tool}: {out}");
        assert_eq!(frozen(), "alpha==1.0\nbeta==2.0\n", "{tool} sync");
        ok(&format!("{tool} sync --dev"), run(&["sync", "--dev"]));
        assert_eq!(
            frozen(),
            "alpha==1.0\nbeta==2.0\ndelta==0.3\n",
            "{tool} sync --dev"
        );

        // Pipfile.lock beside it (gamma): sync installs that; clean keeps the pylock's
        // packages, so gamma is the one it would remove.
        ok(&format!("{tool} lock"), run(&["lock"]));
        let lock = fs::read_to_string(dir.join("Pipfile.lock")).unwrap();
        assert_eq!(expected_pins(&lock), ["gamma==1.5"], "{tool}: {lock}");
        ok(&format!("{tool} sync from Pipfile.lock"), run(&["sync"]));
        assert!(frozen().contains("gamma==1.5\n"), "{tool}");
        let listed = ok(
            &format!("{tool} clean --dry-run"),
            run(&["clean", "--dry-run"]),
        );
        assert_eq!(listed.trim(), "gamma", "{tool}");

        // A lock for another Python: refused before anything is installed.
        fs::remove_file(dir.join("Pipfile.lock")).unwrap();
        // The Pipfile it was made from has no `[requires]`: the lock names no Python.
        assert!(!pylock.contains("requires-python"), "{pylock}");
        let other = pylock.replacen(
            "lock-version = \"1.0\"\n",
            "lock-version = \"1.0\"\nrequires-python = \">=3.99\"\n",
            1,
        );
        fs::write(dir.join("pylock.toml"), &other).unwrap();
        let refused = run(&["sync"]);
        assert!(!refused.status.success(), "{tool}: {other}");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&refused.stdout),
            String::from_utf8_lossy(&refused.stderr)
        )
        .replace('\n', " ");
        assert!(said.contains("can't be installed"), "{tool}: {said}");
        assert!(said.contains(">=3.99"), "{tool}: {said}");
    }
}

/// `pylock` as pipenv 2026.10.3 has it, both tools run in one project: `--generate` writes
/// the file pipenv writes from the same Pipfile.lock (but for its `generation_date`), where
/// pipenv writes it or at `-o` (relative to the project), with `--dev-groups`, and says so in
/// pipenv's words; the summary and `--validate` show what pipenv shows of a good lock; a
/// broken lock, no lock and no Pipfile.lock end both with status 1 and pipenv's messages
/// (den's naming the file and the key at fault).
#[test]
fn pylock_command_does_what_pipenvs_does() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let dir = project(
        &world,
        "pylock-command",
        &format!(
            "{SOURCE}[packages]\nalpha = \"*\"\ngamma = {{version = \"*\", extras = [\"fast\"]}}\n\n[dev-packages]\nalpha = \"*\"\nepsilon = \"*\"\n"
        ),
    );
    let both = |args: &[&str]| {
        [
            ("pipenv", real_pipenv(&pipenv, &world, &dir, args)),
            ("den", den_pipenv(&world, &dir, args)),
        ]
    };
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let fails_saying = |args: &[&str], said: &str| {
        for (tool, out) in both(args) {
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{tool} {args:?}: {stderr}");
            assert!(stderr.contains(said), "{tool} {args:?}: {stderr}");
        }
    };
    let same_stdout = |args: &[&str]| {
        let [(_, theirs), (_, ours)] = both(args);
        let expected = ok(&format!("pipenv {args:?}"), theirs);
        assert_eq!(
            ok(&format!("den pipenv {args:?}"), ours),
            expected,
            "{args:?}"
        );
        expected
    };

    // Nothing yet: no Pipfile.lock to generate from, no lock to show or validate.
    fails_saying(&["pylock", "--generate"], "No Pipfile.lock found.");
    fails_saying(&["pylock", "--validate"], "No pylock.toml found.");
    let hints = same_stdout(&["pylock"]);
    assert!(hints.starts_with("No pylock.toml found.\n"), "{hints}");
    let help = ok("den pipenv --help", den_pipenv(&world, &dir, &["--help"]));
    assert!(help.contains("pylock"), "{help}");

    ok(
        "den pipenv lock",
        den_pipenv(&world, &dir, &["--python", &python, "lock"]),
    );
    let without_date = |path: &Path| {
        let written = fs::read_to_string(path).unwrap();
        let kept = without_generation_date(&written);
        assert_eq!(
            kept.lines().count() + 1,
            written.lines().count(),
            "{written}"
        );
        kept
    };
    for (args, file) in [
        (
            &[
                "pylock",
                "--generate",
                "-o",
                "custom.toml",
                "--dev-groups",
                "dev, docs,",
            ][..],
            "custom.toml",
        ),
        (&["pylock", "--generate"][..], "pylock.toml"),
    ] {
        let path = dir.join(file);
        let said = ok(
            &format!("pipenv {args:?}"),
            real_pipenv(&pipenv, &world, &dir, args),
        );
        let expected = without_date(&path);
        fs::remove_file(&path).unwrap();
        let ours = den_pipenv(&world, &dir, args);
        assert_eq!(ok(&format!("den pipenv {args:?}"), ours), said, "{args:?}");
        assert_eq!(without_date(&path), expected, "{args:?}");
        let shown = if file == "custom.toml" {
            file.to_string()
        } else {
            path.display().to_string()
        };
        assert_eq!(said, format!("Generated pylock.toml at {shown}\n"));
    }
    // Group names go into the file's markers: none, or one that is not a name, is refused.
    for (groups, said) in [
        (",", "names no group"),
        ("it's", "is not a dependency group"),
    ] {
        let args = ["pylock", "--generate", "--dev-groups", groups];
        let ours = den_pipenv(&world, &dir, &args);
        let stderr = text(&ours.stderr);
        assert!(!ours.status.success() && stderr.contains(said), "{stderr}");
    }
    let summary = same_stdout(&["pylock"]);
    assert!(summary.contains("  Packages: "), "{summary}");
    let validated = same_stdout(&["pylock", "--validate"]);
    assert!(
        validated.contains("Dependency Groups: dev\n"),
        "{validated}"
    );

    // A lock with every line --validate can show.
    let lock = dir.join("pylock.toml");
    fs::write(
        &lock,
        "lock-version = \"1.0\"\nrequires-python = \">= 3.8,<4\"\nextras = [\"fast\", \"slow\"]\ndependency-groups = [\"dev\", \"docs\"]\ndefault-groups = [\"default\"]\ncreated-by = \"hand\"\n\n[[packages]]\nname = \"alpha\"\nversion = \"1.0\"\n\n[packages.directory]\npath = \"alpha\"\n",
    )
    .unwrap();
    assert_eq!(
        same_stdout(&["pylock", "--validate"]),
        "\u{2713} Valid pylock.toml (version 1.0)\n  Created by: hand\n  Packages: 1\n  Requires Python: >= 3.8,<4\n  Extras: fast, slow\n  Dependency Groups: dev, docs\n"
    );

    // Broken locks: refused by --validate, reported by the summary (status 0).
    let named = format!("{}: `lock-version`", lock.display());
    for (broken, error) in [
        (
            "lock-version = \"2.0\"\ncreated-by = \"x\"\npackages = []\n",
            "Version error: ",
        ),
        ("lock-version = \"1.0\"\npackages = [\n", "Format error: "),
    ] {
        fs::write(&lock, broken).unwrap();
        fails_saying(&["pylock", "--validate"], error);
        let ours = den_pipenv(&world, &dir, &["pylock", "--validate"]);
        let stderr = text(&ours.stderr);
        assert!(
            stderr.contains(&format!("{error}{}", lock.display())),
            "{stderr}"
        );
        assert_eq!(
            error == "Version error: ",
            stderr.contains(&named),
            "{stderr}"
        );
        for (tool, out) in both(&["pylock"]) {
            let stderr = text(&out.stderr);
            assert!(out.status.success(), "{tool}: {stderr}");
            assert!(
                stderr.contains("Found pylock.toml but could not parse"),
                "{tool}: {stderr}"
            );
        }
    }
}

/// `open MODULE` as pipenv opens it, with a fake editor recording what it was given: the
/// package's directory for a package (the module's file for a module), the environment's
/// `bin` first on PATH and VIRTUAL_ENV set; pipenv's message; status 0 whatever the editor
/// returns; "Module not found!" and status 1 for a module the environment cannot import.
#[test]
fn open_shows_the_module_in_the_editor_as_pipenv_does() {
    let Some((pipenv, world, _)) = judged_world() else {
        return;
    };
    let dir = installed_project(
        &world,
        "opened",
        &format!("{SOURCE}[packages]\ndelta = \"*\"\n"),
    );
    let venv = ok("den pipenv --venv", den_pipenv(&world, &dir, &["--venv"]));
    let log = world.path("editor.log");
    let editor = world.path("editor");
    fs::write(
        &editor,
        format!(
            "#!/bin/sh\necho \"$# $1 $VIRTUAL_ENV ${{PATH%%:*}}\" >> '{}'\nexit 3\n",
            log.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let open = |tool: &str, module: &str, variable: &str| {
        let mut command = if tool == "den" {
            let mut command = Command::new(env!("CARGO_BIN_EXE_den"));
            command.arg("pipenv");
            command
        } else {
            Command::new(&pipenv)
        };
        command.args(["open", module]).current_dir(&dir);
        isolate(&mut command, &world);
        command
            .env_remove("EDITOR")
            .env_remove("VISUAL")
            .env(variable, &editor)
            .env("COLUMNS", "500")
            .output()
            .unwrap()
    };
    let package = Path::new(venv.trim()).join("lib");
    for tool in ["pipenv", "den"] {
        let _ = fs::remove_file(&log);
        let shown = ok(&format!("{tool} open delta"), open(tool, "delta", "EDITOR"));
        let site = fs::read_dir(&package)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let delta = site.join("site-packages").join("delta");
        assert_eq!(
            shown.trim(),
            format!("Opening PosixPath('{}') in your EDITOR.", delta.display()),
            "{tool}"
        );
        let stdlib = ok(
            &format!("{tool} open os.path"),
            open(tool, "os.path", "VISUAL"),
        );
        assert!(
            stdlib.trim().starts_with("Opening '")
                && stdlib.trim().ends_with("posixpath.py' in your EDITOR."),
            "{tool}: {stdlib}"
        );
        let edited = fs::read_to_string(&log).unwrap();
        let bin = Path::new(venv.trim()).join("bin");
        let lines: Vec<&str> = edited.lines().collect();
        assert_eq!(
            lines[0],
            format!("1 {} {} {}", delta.display(), venv.trim(), bin.display()),
            "{tool}"
        );
        assert!(
            lines[1].starts_with("1 /") && lines[1].contains("posixpath.py "),
            "{tool}: {edited}"
        );
        let missing = open(tool, "no_such_module", "EDITOR");
        assert_eq!(missing.status.code(), Some(1), "{tool}");
        assert_eq!(
            String::from_utf8_lossy(&missing.stdout).trim(),
            "Module not found!"
        );
    }
}

/// `check` and `audit` need a vulnerability database over the network (pipenv runs safety
/// or pip-audit): den does not scan, says so, names pip-audit and exits 1.
#[test]
fn check_and_audit_say_den_does_not_scan() {
    let Some(world) = World::new() else { return };
    let dir = project(&world, "audited", "[packages]\n");
    for args in [&["check"][..], &["audit", "--locked"], &["check", "--scan"]] {
        let out = den_pipenv(&world, &dir, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains("does not scan for vulnerabilities") && said.contains("pip-audit"),
            "{args:?}: {said}"
        );
    }
}

/// `ARGS` run by den and by the real pipenv, each in a new directory `name-den` /
/// `name-pipenv` (`prepare` fills it first) with PyPI mirrored by the loopback index; returns
/// the two directories and outputs, den's first.
fn both_in_new_dirs(
    pipenv: &Path,
    world: &World,
    name: &str,
    args: &[&str],
    prepare: &dyn Fn(&Path),
) -> [(PathBuf, Output); 2] {
    ["den", "pipenv"].map(|tool| {
        let dir = world.path(&format!("{name}-{tool}"));
        fs::create_dir_all(&dir).unwrap();
        prepare(&dir);
        let mut command = if tool == "den" {
            den_pipenv_command(world, &dir, args)
        } else {
            let mut command = Command::new(pipenv);
            command.args(args).current_dir(&dir);
            isolate(&mut command, world);
            command
        };
        let output = command
            .env("PIPENV_PYPI_MIRROR", world.index.url())
            .output()
            .unwrap();
        (dir, output)
    })
}

/// Where there is no Pipfile, `install` and `--python` alone start the project as pipenv's
/// `ensure_project` does: the environment (its prompt the directory's name), then a Pipfile
/// whose `[requires]` names its Python (`python_full_version` too when a Python was asked
/// for), with a requirements.txt found there imported into `[packages]`. pipenv judges the
/// Pipfile and Pipfile.lock bytes.
#[test]
fn a_project_without_a_pipfile_is_started_as_pipenv_starts_it() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let with_requirements = |dir: &Path| {
        fs::write(dir.join("requirements.txt"), "delta==0.3\nalpha>=1.0\n").unwrap();
    };
    let [(den_dir, den_out), (pipenv_dir, pipenv_out)] = both_in_new_dirs(
        &pipenv,
        &world,
        "converted",
        &["--python", &python, "install"],
        &with_requirements,
    );
    ok("den pipenv install", den_out);
    ok("pipenv install", pipenv_out);
    let read = |dir: &Path, file: &str| fs::read_to_string(dir.join(file)).unwrap();
    let pipfile = read(&den_dir, "Pipfile");
    assert!(
        pipfile.contains("[packages]\ndelta = \"==0.3\"\nalpha = \">=1.0\"\n"),
        "{pipfile}"
    );
    assert!(pipfile.contains("python_full_version = "), "{pipfile}");
    assert_eq!(pipfile, read(&pipenv_dir, "Pipfile"));
    assert_eq!(
        read(&den_dir, "Pipfile.lock"),
        read(&pipenv_dir, "Pipfile.lock")
    );
    let venv = den_project_venv(&world, &den_dir);
    assert!(run_python(&venv, &["-c", "import alpha, delta"]).0);
    let cfg = read(&venv, "pyvenv.cfg");
    assert!(cfg.contains("prompt = converted-den\n"), "{cfg}");

    // `--python` alone: the environment and the Pipfile, no lock.
    let [(den_dir, den_out), (pipenv_dir, pipenv_out)] = both_in_new_dirs(
        &pipenv,
        &world,
        "python-only",
        &["--python", &python],
        &|_| {},
    );
    ok("den pipenv --python", den_out);
    ok("pipenv --python", pipenv_out);
    assert_eq!(read(&den_dir, "Pipfile"), read(&pipenv_dir, "Pipfile"));
    assert!(!den_dir.join("Pipfile.lock").exists());
    assert!(!pipenv_dir.join("Pipfile.lock").exists());

    // A bare `install` (no Python asked for): `python_version` only, that of the environment.
    let dir = world.path("bare");
    fs::create_dir_all(&dir).unwrap();
    let mut command = den_pipenv_command(&world, &dir, &["install"]);
    ok(
        "den pipenv install",
        command.env("PIPENV_PYTHON", "").output().unwrap(),
    );
    let venv = den_project_venv(&world, &dir);
    let (_, version, _) = run_python(
        &venv,
        &["-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
    );
    let pipfile = read(&dir, "Pipfile");
    assert!(
        pipfile.ends_with(&format!(
            "\n[requires]\npython_version = \"{}\"\n",
            version.trim()
        )),
        "{pipfile}"
    );
    assert!(dir.join("Pipfile.lock").is_file());
}

/// `install --skip-lock PKG` adds to the Pipfile and installs without a lock; `lock
/// --dev-only` locks every category (pipenv 2026.10 ignores the flag there); `run` expands
/// `$NAME` in its arguments from the command's environment and hands what is not a program
/// on PATH to `sh -c` (its status, 127 for nothing, is the exit status). pipenv judges each.
#[test]
fn skip_lock_dev_only_lock_and_run_words_as_pipenv() {
    let Some((pipenv, world, python)) = judged_world() else {
        return;
    };
    let pipfile = format!(
        "{SOURCE}[packages]\ndelta = \"*\"\n\n[dev-packages]\nalpha = \"*\"\n\n[docs]\ngamma = \"*\"\n"
    );
    let [(den_dir, den_out), (pipenv_dir, pipenv_out)] = both_in_new_dirs(
        &pipenv,
        &world,
        "dev-only",
        &["--python", &python, "lock", "--dev-only"],
        &|dir| {
            fs::write(
                dir.join("Pipfile"),
                pipfile.replace("INDEX_URL", &world.index.url()),
            )
            .unwrap()
        },
    );
    ok("den pipenv lock --dev-only", den_out);
    ok("pipenv lock --dev-only", pipenv_out);
    let lock = fs::read_to_string(den_dir.join("Pipfile.lock")).unwrap();
    assert!(
        lock.contains("\"delta\"") && lock.contains("\"gamma\""),
        "{lock}"
    );
    assert_eq!(
        lock,
        fs::read_to_string(pipenv_dir.join("Pipfile.lock")).unwrap()
    );

    let [(den_dir, den_out), (pipenv_dir, pipenv_out)] = both_in_new_dirs(
        &pipenv,
        &world,
        "skip-lock",
        &["--python", &python, "install", "--skip-lock", "beta"],
        &|dir| {
            let text = format!("{SOURCE}[packages]\ndelta = \"*\"\n")
                .replace("INDEX_URL", &world.index.url());
            fs::write(dir.join("Pipfile"), text).unwrap();
            fs::write(dir.join(".env"), "FOO=bar\n").unwrap();
        },
    );
    ok("den pipenv install --skip-lock", den_out);
    ok("pipenv install --skip-lock", pipenv_out);
    let pipfile = fs::read_to_string(den_dir.join("Pipfile")).unwrap();
    assert!(pipfile.contains("beta = \"*\""), "{pipfile}");
    assert_eq!(
        pipfile,
        fs::read_to_string(pipenv_dir.join("Pipfile")).unwrap()
    );
    assert!(!den_dir.join("Pipfile.lock").exists());
    assert!(!pipenv_dir.join("Pipfile.lock").exists());
    let venv = den_project_venv(&world, &den_dir);
    assert!(run_python(&venv, &["-c", "import beta, delta"]).0);

    for (args, status) in [
        (&["run", "echo", "$FOO", "${FOO}x", "$NOPE", "$"][..], 0),
        (&["run", "command", "-v", "python"][..], 0),
        (&["run", "nosuchcommand-den"][..], 127),
    ] {
        let den = den_pipenv(&world, &den_dir, args);
        let real = real_pipenv(&pipenv, &world, &pipenv_dir, args);
        assert_eq!(
            den.status.code(),
            Some(status),
            "den pipenv {args:?}: {den:?}"
        );
        assert_eq!(
            real.status.code(),
            Some(status),
            "pipenv {args:?}: {real:?}"
        );
        let shown = |out: &Output, dir: &Path| {
            String::from_utf8_lossy(&out.stdout).replace(&dir.display().to_string(), "DIR")
        };
        if status == 0 && args[1] == "echo" {
            assert_eq!(shown(&den, &den_dir), "bar barx $NOPE $\n");
            assert_eq!(shown(&real, &pipenv_dir), "bar barx $NOPE $\n");
        } else if status == 0 {
            assert!(shown(&den, &den_dir).ends_with("/bin/python\n"), "{den:?}");
        }
    }
}

/// `--envs` lists the variables den honours in pipenv's layout: pipenv's first and last
/// lines around `  - NAME` lines, each a variable pipenv lists too (or WORKON_HOME).
#[test]
fn envs_lists_variables_in_pipenvs_layout() {
    let Some((pipenv, world, _)) = judged_world() else {
        return;
    };
    let dir = world.path("envs");
    fs::create_dir_all(&dir).unwrap();
    let den = ok("den pipenv --envs", den_pipenv(&world, &dir, &["--envs"]));
    let real = ok(
        "pipenv --envs",
        real_pipenv(&pipenv, &world, &dir, &["--envs"]),
    );
    let (den_lines, real_lines): (Vec<&str>, Vec<&str>) =
        (den.lines().collect(), real.lines().collect());
    assert_eq!(den_lines[..2], real_lines[..2]);
    assert_eq!(
        den_lines[den_lines.len() - 3..],
        real_lines[real_lines.len() - 3..]
    );
    for line in &den_lines[2..den_lines.len() - 3] {
        assert!(line.starts_with("  - "), "{line}");
        assert!(
            real_lines.contains(line) || *line == "  - WORKON_HOME",
            "{line}"
        );
    }
}
