//! End-to-end tests: the real `den` binary against a simple repository served over loopback
//! (den-test-support) with wheels built in the test, judged by the real pip and the real
//! interpreter inside the environments den makes. No internet needed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use den_test_support::http::refused_addr;
use den_test_support::{TestIndex, WheelBuilder, pyenv_python, require};

mod common;

use common::{World, den_command, run_python, tree};

fn publish_alpha_beta(index: &TestIndex) {
    index.publish(
        &WheelBuilder::new("alpha", "1.0")
            .requires_dist("beta>=1.0")
            .file(
                "alpha/__init__.py",
                b"__version__ = '1.0'\n\ndef main():\n    print('alpha main')\n",
            )
            .console_script("alpha-cli", "alpha:main"),
    );
    index.publish(&WheelBuilder::new("beta", "1.0"));
    index.publish(&WheelBuilder::new("beta", "2.0"));
}

#[test]
fn real_pip_accepts_what_den_installs() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    let env = world.venv("env", false);
    let (ok, out, err) = run_python(&env, &["-m", "pip", "--version"]);
    assert!(ok, "seeded pip does not run: {err}");
    assert!(out.contains(&env.display().to_string()), "{out}");
    let before = tree(&env);

    let env_arg = env.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "alpha"]);
    let (ok, out, err) = run_python(&env, &["-c", "import alpha, beta; print(beta.__version__)"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "2.0", "the newest beta is chosen");
    let script = Command::new(env.join("bin/alpha-cli")).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&script.stdout).trim(), "alpha main");

    let (ok, out, err) = run_python(&env, &["-m", "pip", "check"]);
    assert!(ok, "pip check: {out}{err}");
    let (ok, pip_freeze, err) = run_python(&env, &["-m", "pip", "freeze"]);
    assert!(ok, "{err}");
    let den_freeze = world.den_ok(&["pip", "freeze", "-p", env_arg]);
    assert_eq!(den_freeze, pip_freeze);
    assert_eq!(den_freeze, "alpha==1.0\nbeta==2.0\n");

    let (ok, _, err) = run_python(&env, &["-m", "pip", "uninstall", "-y", "alpha", "beta"]);
    assert!(ok, "{err}");
    assert_eq!(
        tree(&env),
        before,
        "pip uninstall leaves files den installed"
    );
}

/// `command` run with `input` on its stdin: (exit status, stdout).
fn answered(mut command: Command, input: &str) -> (Option<i32>, String) {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Without -y, uninstall asks as the real pip asks, on the same lines: what it would remove
/// (a package directory as `DIR/*`, a file the RECORD does not list as left), `Proceed (Y/n)?`
/// again after an answer it does not know, nothing removed on `n`. With no answer (stdin
/// closed) or `--no-input` it fails and removes nothing.
#[test]
fn uninstall_asks_as_pip_asks() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    let envs = [world.venv("pip-env", false), world.venv("den-env", false)];
    for env in &envs {
        world.den_ok(&["pip", "install", "-p", env.to_str().unwrap(), "alpha"]);
        let package = env.join("lib").read_dir().unwrap().next().unwrap().unwrap();
        std::fs::write(package.path().join("site-packages/alpha/NOTES.txt"), "mine").unwrap();
    }
    let [pip_env, den_env] = &envs;
    let pip = |input: &str| {
        let mut command = Command::new(pip_env.join("bin/python"));
        command
            .args(["-m", "pip", "--disable-pip-version-check", "uninstall"])
            .args(["alpha", "beta"])
            .env("PIP_CONFIG_FILE", "/dev/null");
        let (status, out) = answered(command, input);
        (status, out.replace(pip_env.to_str().unwrap(), "ENV"))
    };
    let den = |args: &[&str], input: &str| {
        let mut command = den_command(&world.path("cache"), &world.index.url());
        command
            .args(["pip", "uninstall", "-p", den_env.to_str().unwrap()])
            .args(args)
            .args(["alpha", "beta"]);
        let (status, out) = answered(command, input);
        (status, out.replace(den_env.to_str().unwrap(), "ENV"))
    };
    // Keep alpha after a wrong answer, remove beta.
    let (status, expected) = pip("maybe\nn\ny\n");
    assert_eq!(status, Some(0), "{expected}");
    assert!(expected.contains("    ENV/lib/"), "{expected}");
    assert!(
        expected.contains("Would not remove (might be manually added):"),
        "{expected}"
    );
    assert_eq!(den(&[], "maybe\nn\ny\n"), (Some(0), expected));
    let frozen = world.den_ok(&["pip", "freeze", "-p", den_env.to_str().unwrap()]);
    assert_eq!(frozen, "alpha==1.0\n");

    // No answer, or prompting disabled: an error, and alpha stays.
    for args in [&[][..], &["--no-input"][..]] {
        let (status, _) = den(args, "");
        assert_eq!(status, Some(1), "{args:?}");
        let frozen = world.den_ok(&["pip", "freeze", "-p", den_env.to_str().unwrap()]);
        assert_eq!(frozen, "alpha==1.0\n", "{args:?}");
    }
    // An empty answer is yes.
    let (status, out) = den(&[], "\n");
    assert_eq!(status, Some(0), "{out}");
    assert!(
        out.contains("  Successfully uninstalled alpha-1.0\n"),
        "{out}"
    );
}

/// `--group [PATH:]NAME` installs a PEP 735 dependency group of a pyproject.toml, its
/// includes followed, as the real pip (26.x) installs it; a group that is not there is an
/// error naming the file and the groups it has.
#[test]
fn dependency_groups_install_as_pip_installs_them() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    let project = world.path("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("pyproject.toml"),
        "[project]\nname = \"app\"\nversion = \"1\"\n\n[dependency-groups]\n\
         Test = [\"alpha\", {include-group = \"pinned_beta\"}]\npinned-beta = [\"beta<2\"]\n",
    )
    .unwrap();
    let den_env = world.venv("den-env", true);
    let out = world.den_in(
        &project,
        Some(&den_env),
        &["pip", "install", "--group", "test"],
    );
    assert!(out.status.success(), "{out:?}");
    let frozen = world.den_ok(&["pip", "freeze", "-p", den_env.to_str().unwrap()]);
    assert_eq!(frozen, "alpha==1.0\nbeta==1.0\n");
    // A path before the name; a group the file does not have.
    let other = world.venv("other-env", true);
    let file = format!("{}:pinned-beta", project.join("pyproject.toml").display());
    world.den_ok(&[
        "pip",
        "install",
        "-p",
        other.to_str().unwrap(),
        "--group",
        &file,
    ]);
    let frozen = world.den_ok(&["pip", "freeze", "-p", other.to_str().unwrap()]);
    assert_eq!(frozen, "beta==1.0\n");
    let out = world.den_in(
        &project,
        Some(&den_env),
        &["pip", "install", "--group", "docs"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "pyproject.toml: has no dependency group `docs` (its groups: pinned-beta, Test)"
        ),
        "{err}"
    );

    let Some(pip26) = den_test_support::pip26_python("the real pip's --group") else {
        return;
    };
    let pip_env = world.venv("pip-env", true);
    let out = common::pip26(&pip26, &pip_env, "install")
        .args(["--index-url", &world.index.url(), "--group", "test"])
        .current_dir(&project)
        .env_remove("PIP_FIND_LINKS")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let frozen = world.den_ok(&["pip", "freeze", "-p", pip_env.to_str().unwrap()]);
    assert_eq!(frozen, "alpha==1.0\nbeta==1.0\n");
}

#[test]
fn list_show_and_uninstall() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    let env = world.venv("env", true);
    let before = tree(&env);
    let env_arg = env.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "alpha", "beta<2"]);

    let list = world.den_ok(&["pip", "list", "-p", env_arg]);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["Package", "Version"]
    );
    assert!(
        lines
            .iter()
            .any(|l| l.split_whitespace().eq(["beta", "1.0"])),
        "{list}"
    );
    let json = world.den_ok(&["pip", "list", "-p", env_arg, "--format", "json"]);
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed.as_array().unwrap().len(), 2);

    let show = world.den_ok(&["pip", "show", "-p", env_arg, "beta"]);
    assert!(show.contains("Name: beta\nVersion: 1.0\n"), "{show}");
    assert!(show.contains("Required-by: alpha"), "{show}");
    let missing = world.den(&["pip", "show", "-p", env_arg, "nope"]);
    assert_eq!(missing.status.code(), Some(1));

    let out = world.den_ok(&["pip", "uninstall", "-y", "-p", env_arg, "alpha", "beta"]);
    assert!(
        out.contains("  Successfully uninstalled alpha-1.0\n")
            && out.contains("  Successfully uninstalled beta-1.0\n"),
        "pip's uninstall lines go to stdout: {out}"
    );
    assert_eq!(tree(&env), before, "den uninstall leaves files behind");
    assert_eq!(world.den_ok(&["pip", "freeze", "-p", env_arg]), "");
}

#[test]
fn installs_from_requirements_file_with_constraints_and_upgrade() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    let env = world.venv("env", true);
    std::fs::write(world.path("constraints.txt"), "beta==1.0\n").unwrap();
    std::fs::write(
        world.path("requirements.txt"),
        "# a comment\n\nalpha \\\n  >=1.0  # trailing\n-c constraints.txt\n",
    )
    .unwrap();
    let env_arg = env.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "-r", "requirements.txt"]);
    assert_eq!(
        world.den_ok(&["pip", "freeze", "-p", env_arg]),
        "alpha==1.0\nbeta==1.0\n"
    );

    // Already satisfied: nothing changes and nothing is downloaded.
    world.index.clear_requests();
    world.den_ok(&["pip", "install", "-p", env_arg, "alpha"]);
    assert!(
        world.index.requests().is_empty(),
        "a satisfied install asks the index nothing: {:?}",
        world.index.requests()
    );
    // A dependency's constraint that the installed version breaks sends it to the resolver.
    std::fs::write(world.path("newer.txt"), "beta>=2\n").unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "alpha", "-c", "newer.txt"]);
    assert_eq!(
        world.den_ok(&["pip", "freeze", "-p", env_arg]),
        "alpha==1.0\nbeta==2.0\n"
    );
    world.den_ok(&["pip", "install", "-p", env_arg, "beta==1.0"]);
    assert_eq!(
        world.den_ok(&["pip", "freeze", "-p", env_arg]),
        "alpha==1.0\nbeta==1.0\n"
    );

    world.den_ok(&["pip", "install", "-p", env_arg, "--upgrade", "beta"]);
    assert_eq!(
        world.den_ok(&["pip", "freeze", "-p", env_arg]),
        "alpha==1.0\nbeta==2.0\n"
    );
    let (ok, _, err) = run_python(
        &env,
        &["-c", "import beta; assert beta.__version__ == '2.0'"],
    );
    assert!(ok, "{err}");
}

#[test]
fn finds_dot_venv_in_a_parent_directory() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    world.venv(".venv", true);
    std::fs::create_dir(world.path("sub")).unwrap();
    let out = world.den_in(&world.path("sub"), None, &["pip", "install", "beta==1.0"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (ok, _, err) = run_python(&world.path(".venv"), &["-c", "import beta"]);
    assert!(ok, "{err}");
}

/// Every failure: exit 1, a message naming the problem, and the environment untouched.
#[test]
fn bad_input_fails_cleanly_and_leaves_the_environment_alone() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    world
        .index
        .publish(&WheelBuilder::new("gamma", "1.0").requires_dist("beta<1"));
    let corrupt = world.index.publish(&WheelBuilder::new("delta", "1.0"));
    world
        .index
        .corrupt_file(corrupt.file_name().unwrap().to_str().unwrap());
    world
        .index
        .publish(&WheelBuilder::new("native", "1.0").tag("cp39-cp39-win_amd64"));
    world.index.fail_project("broken", 500);
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "beta==1.0"]);
    let before = tree(&env);
    std::fs::write(world.path("bad.txt"), "beta\nnot a requirement!!\n").unwrap();

    let cases: &[(&[&str], &str)] = &[
        (&["no-such-project"], "no-such-project"),
        (&["beta==99.0"], "99.0"),
        (&["gamma", "alpha"], "beta"),
        (&["delta"], "hash"),
        (&["native"], "win_amd64"),
        (&["broken"], "500"),
        (&["-r", "bad.txt"], "bad.txt:2"),
    ];
    for (args, needle) in cases {
        let mut full = vec!["pip", "install", "-p", env_arg];
        full.extend_from_slice(args);
        let err = world.den_err(&full);
        assert!(
            err.to_lowercase().contains(&needle.to_lowercase()),
            "den {full:?}: expected `{needle}` in: {err}"
        );
        assert_eq!(tree(&env), before, "den {full:?} changed the environment");
    }
}

#[test]
fn refuses_targets_that_are_not_environments() {
    let Some(world) = World::new() else { return };
    std::fs::create_dir(world.path("plain")).unwrap();
    let err = world.den_err(&["pip", "install", "-p", "plain", "beta"]);
    assert!(
        err.contains("not a virtual environment") || err.contains("plain"),
        "{err}"
    );
    let python = world.python.to_str().unwrap();
    let err = world.den_err(&["pip", "install", "-p", python, "beta"]);
    assert!(err.contains("--system"), "{err}");
    let err = world.den_err(&["pip", "uninstall", "-p", python, "beta"]);
    assert!(err.contains("--system"), "{err}");
    // Reading a base interpreter is harmless, as with pip.
    world.den_ok(&["pip", "list", "-p", python]);
    let err = world.den_err(&["pip", "freeze"]);
    assert!(err.contains("den venv"), "{err}");
}

#[test]
fn unreachable_and_missing_indexes_fail_cleanly() {
    let Some(world) = World::new() else { return };
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    let before = tree(&env);
    // A port nothing listens on: connection refused, retried, then a clear error.
    let dead = format!("http://user:s3cret@{}/simple/", refused_addr());
    let err = world.den_err(&[
        "pip",
        "install",
        "-p",
        env_arg,
        "--index-url",
        &dead,
        "beta",
    ]);
    assert!(err.contains("could not reach"), "{err}");
    assert!(!err.contains("s3cret"), "the password leaked: {err}");
    // An index that answers 404 for the project.
    world.index.fail_project("beta", 404);
    let err = world.den_err(&["pip", "install", "-p", env_arg, "beta"]);
    assert!(err.contains("beta"), "{err}");
    assert_eq!(tree(&env), before);
}

#[test]
fn hash_checking_mode_refuses_before_installing() {
    let Some(world) = World::new() else { return };
    let wheel = world.index.publish(&WheelBuilder::new("beta", "1.0"));
    let good = {
        use std::fmt::Write;
        let bytes = std::fs::read(&wheel).unwrap();
        let mut hasher = den_dist::Hasher::new(den_dist::HashAlgorithm::Sha256);
        hasher.update(&bytes);
        let digest = hasher.finalize();
        let mut s = String::new();
        write!(s, "{digest}").unwrap();
        s
    };
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    let before = tree(&env);
    let wrong = format!("sha256:{}", "0".repeat(64));
    std::fs::write(world.path("req.txt"), format!("beta==1.0 --hash={wrong}\n")).unwrap();
    let err = world.den_err(&["pip", "install", "-p", env_arg, "-r", "req.txt"]);
    assert!(
        err.contains("req.txt:1") && err.contains(&"0".repeat(64)),
        "{err}"
    );
    assert!(
        err.contains(good.trim_start_matches("sha256=")),
        "names the actual hash: {err}"
    );
    assert_eq!(tree(&env), before);
    // --require-hashes with a requirement that has none.
    let err = world.den_err(&["pip", "install", "-p", env_arg, "--require-hashes", "beta"]);
    assert!(err.contains("--hash"), "{err}");
    assert_eq!(tree(&env), before);
    // A range is refused even with the right hash: it could pick another file.
    std::fs::write(world.path("req.txt"), format!("beta>=1.0 --hash={good}\n")).unwrap();
    let err = world.den_err(&["pip", "install", "-p", env_arg, "-r", "req.txt"]);
    assert!(err.contains("pinned") && err.contains("beta>=1.0"), "{err}");
    assert_eq!(tree(&env), before);
    // The right hash installs.
    std::fs::write(world.path("req.txt"), format!("beta==1.0 --hash={good}\n")).unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "-r", "req.txt"]);
    assert_eq!(
        world.den_ok(&["pip", "freeze", "-p", env_arg]),
        "beta==1.0\n"
    );
}

#[test]
fn uses_the_active_virtual_env() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    let env = world.venv("active", true);
    let out = world.den_in(
        world.dir.path(),
        Some(&env),
        &["pip", "install", "beta==1.0"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (ok, _, err) = run_python(&env, &["-c", "import beta"]);
    assert!(ok, "{err}");
}

#[test]
fn venv_refuses_a_directory_that_is_not_an_environment() {
    let Some(world) = World::new() else { return };
    std::fs::create_dir(world.path("data")).unwrap();
    std::fs::write(world.path("data/keep.txt"), "precious").unwrap();
    let python = world.python.to_str().unwrap();
    let err = world.den_err(&["venv", "data", "-p", python, "--without-pip"]);
    assert!(err.contains("data"), "{err}");
    assert!(world.path("data/keep.txt").exists());
    world.den_ok(&["venv", "data", "-p", python, "--without-pip", "--clear"]);
    assert!(!world.path("data/keep.txt").exists());
    let (ok, out, _) = run_python(
        &world.path("data"),
        &["-c", "import sys; print(sys.prefix)"],
    );
    assert!(ok);
    assert_eq!(out.trim(), world.path("data").display().to_string());
}

#[test]
fn two_processes_share_one_cache() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    let envs: Vec<PathBuf> = ["one", "two"]
        .iter()
        .map(|name| world.venv(name, true))
        .collect();
    let children: Vec<_> = envs
        .iter()
        .map(|env| {
            common::den_command(&world.path("cache"), &world.index.url())
                .args(["pip", "install", "-p", env.to_str().unwrap(), "alpha"])
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for env in &envs {
        let (ok, _, err) = run_python(env, &["-c", "import alpha, beta"]);
        assert!(ok, "{err}");
        let (ok, out, err) = run_python(env, &["-m", "pip", "check"]);
        assert!(ok || err.contains("No module named pip"), "{out}{err}");
    }
}

#[test]
fn venv_honours_python_version_files() {
    let Some(world) = World::new() else { return };
    let Some(pin) = require(
        ["3.11", "3.10", "3.12"]
            .into_iter()
            .find(|minor| pyenv_python(minor).is_some()),
        "a pyenv CPython 3.10, 3.11 or 3.12",
        "den venv honouring a .python-version pin",
    ) else {
        return;
    };
    std::fs::write(
        world.path(".python-version"),
        format!("# project pin\n{pin}\n"),
    )
    .unwrap();
    let out = world.den_in(world.dir.path(), None, &["venv", "pinned", "--without-pip"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cfg = std::fs::read_to_string(world.path("pinned/pyvenv.cfg")).unwrap();
    assert!(
        cfg.lines()
            .any(|l| l.starts_with("version_info") && l.contains(&format!("= {pin}."))),
        "{cfg}"
    );
}

#[test]
fn freeze_orders_names_like_pip() {
    let Some(world) = World::new() else { return };
    for name in ["jup", "jup-console", "jup_client", "Jup.Core"] {
        world.index.publish(&WheelBuilder::new(name, "1.0"));
    }
    let env = world.env_with("env", &["jup", "jup-console", "jup-client", "jup-core"]);
    let env_arg = env.to_str().unwrap();
    let (ok, pip_freeze, err) = run_python(&env, &["-m", "pip", "freeze"]);
    assert!(ok, "{err}");
    assert_eq!(world.den_ok(&["pip", "freeze", "-p", env_arg]), pip_freeze);
    assert!(pip_freeze.starts_with("jup==1.0\n"), "{pip_freeze}");
}

/// Debian's system Python keeps its packages in `/usr/lib/python3/dist-packages` (and
/// `/usr/local/lib/python3.X/dist-packages`), not in its sysconfig purelib: `den pip list`
/// on it shows them, as pip does. Skips with a note on a machine without a Debian-style
/// `/usr/bin/python3` (until den-test-support's missing-tool mechanism lands).
#[test]
fn lists_debian_dist_packages_of_the_system_python() {
    let python = std::path::Path::new("/usr/bin/python3");
    let dist_packages = std::path::Path::new("/usr/lib/python3/dist-packages");
    let names: Vec<String> = std::fs::read_dir(dist_packages)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let file_name = entry.file_name().into_string().ok()?;
            let stem = file_name
                .strip_suffix(".dist-info")
                .or_else(|| file_name.strip_suffix(".egg-info"))?;
            Some(stem.split('-').next()?.to_lowercase().replace('_', "-"))
        })
        .collect();
    let found = (python.is_file() && !names.is_empty()).then_some(());
    let Some(()) = require(
        found,
        "Debian's system Python with packages in /usr/lib/python3/dist-packages",
        "den pip list --system listing Debian's dist-packages",
    ) else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let args = ["pip", "list", "--system", "--python", "/usr/bin/python3"];
    let out = common::den_command(cache.path(), "http://127.0.0.1:9/simple")
        .args(args)
        .output()
        .unwrap();
    let listed = common::success_stdout(&args, out).to_lowercase();
    let listed: Vec<String> = listed
        .lines()
        .skip(2)
        .filter_map(|line| Some(line.split_whitespace().next()?.replace('_', "-")))
        .collect();
    for name in &names {
        assert!(
            listed.contains(name),
            "{name} (in {dist_packages:?}) missing from den pip list: {listed:?}"
        );
    }
}

#[test]
fn the_ceiling_on_unpacked_size_refuses_a_wheel_naming_it() {
    let Some(world) = World::new() else { return };
    world
        .index
        .publish(&WheelBuilder::new("hefty", "1.0").file("hefty/data.bin", &[7; 200_000]));
    let env = world.venv("env", true);
    let env = env.to_str().unwrap();
    let run = |limit: &str| {
        let mut command = common::den_command(&world.path("cache"), &world.index.url());
        command
            .args(["pip", "install", "-p", env, "hefty"])
            .env("DEN_MAX_UNPACKED_SIZE", limit);
        command.output().unwrap()
    };
    let out = run("100K");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("hefty-1.0-py3-none-any.whl would unpack to")
            && stderr.contains("limit of 102400 bytes"),
        "{stderr}"
    );
    let out = run("lots");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("DEN_MAX_UNPACKED_SIZE=`lots` is not a size"),
        "{stderr}"
    );
    let (ok, _, err) = run_python(Path::new(env), &["-c", "import hefty"]);
    assert!(!ok, "nothing was installed: {err}");
    let out = run("1M");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn venv_over_an_existing_environment_keeps_an_upgraded_pip() {
    let Some(world) = World::new() else { return };
    let env = world.venv("env", false);
    world.index.publish(
        &WheelBuilder::new("pip", "99.0").file("pip/__init__.py", b"__version__ = '99.0'\n"),
    );
    let env_arg = env.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "--upgrade", "pip==99.0"]);
    let python = world.python.to_str().unwrap();
    world.den_ok(&["venv", "env", "-p", python]);
    let (_, frozen, _) = run_python(
        &env,
        &[
            "-c",
            "import importlib.metadata as m; print(m.version('pip'))",
        ],
    );
    assert_eq!(frozen.trim(), "99.0", "den venv replaced the upgraded pip");
}

#[test]
fn system_alone_takes_python3_on_path_and_p_takes_a_named_environment() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    // --system alone: the first python3 on PATH (here a link to the test interpreter).
    let bin = world.path("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(&world.python, bin.join("python3")).unwrap();
    let out = den_command(&world.path("cache"), &world.index.url())
        .args(["pip", "list", "--system", "--format", "freeze"])
        .env("PATH", &bin)
        .current_dir(world.dir.path())
        .output()
        .unwrap();
    let listed = common::success_stdout(&["pip", "list", "--system"], out);
    assert!(listed.contains("pip=="), "{listed}");

    // -p NAME: an environment of WORKON_HOME, as workon names it.
    let homes = world.path("homes");
    std::fs::create_dir(&homes).unwrap();
    let python = world.python.to_str().unwrap();
    world.den_ok(&["venv", "homes/named", "-p", python]);
    let elsewhere = world.path("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let out = den_command(&world.path("cache"), &world.index.url())
        .args(["pip", "install", "-p", "named", "beta==1.0"])
        .env("WORKON_HOME", &homes)
        .current_dir(&elsewhere)
        .output()
        .unwrap();
    common::success_stdout(&["pip", "install", "-p", "named"], out);
    let (_, version, _) = run_python(
        &homes.join("named"),
        &[
            "-c",
            "import importlib.metadata as m; print(m.version('beta'))",
        ],
    );
    assert_eq!(version.trim(), "1.0");
}

#[test]
fn an_externally_managed_interpreter_is_refused_as_pip_refuses_it() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    let marker = Command::new("/usr/bin/python3")
        .args([
            "-c",
            "import sysconfig, os; p = os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED'); print(p if os.path.isfile(p) else '')",
        ])
        .output()
        .ok()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|path| !path.is_empty());
    let Some(marker) = require(
        marker,
        "an EXTERNALLY-MANAGED /usr/bin/python3 (Debian's)",
        "PEP 668's refusal",
    ) else {
        return;
    };
    let first_line = std::fs::read_to_string(&marker)
        .unwrap()
        .lines()
        .find_map(|line| line.split_once('=').map(|(_, v)| v.trim().to_string()))
        .unwrap();
    let args = [
        "pip",
        "install",
        "--system",
        "-p",
        "/usr/bin/python3",
        "--dry-run",
        "beta",
    ];
    let err = world.den_err(&args);
    assert!(err.contains("externally-managed-environment"), "{err}");
    assert!(err.contains(&first_line), "{err}");
    assert!(err.contains("--break-system-packages"), "{err}");
    let mut with_flag = args.to_vec();
    with_flag.push("--break-system-packages");
    let out = world.den(&with_flag);
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("Would install beta-2.0"), "{shown}");
    // `--dry-run --report` is exempt, as in pip: it installs nothing and only reports.
    let report = world.path("report.json");
    let mut reporting = args.to_vec();
    reporting.extend(["--report", report.to_str().unwrap()]);
    world.den_ok(&reporting);
    let report = std::fs::read_to_string(&report).unwrap();
    assert!(report.contains("\"name\": \"beta\""), "{report}");
}

#[test]
fn user_installs_go_where_pip_puts_them_and_not_into_a_virtual_environment() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    let env = world.venv("env", true);
    let err = world.den_err(&[
        "pip",
        "install",
        "--user",
        "-p",
        env.to_str().unwrap(),
        "beta",
    ]);
    assert!(
        err.contains("Can not perform a '--user' install. User site-packages are not visible in this virtualenv."),
        "{err}"
    );
    // A base interpreter: den's and pip's user installs of the same pins have one layout,
    // and the interpreter imports from den's.
    let python = world.python.to_str().unwrap();
    let ours = world.path("userbase-den");
    let out = den_command(&world.path("cache"), &world.index.url())
        .args([
            "pip",
            "install",
            "--user",
            "-p",
            python,
            "alpha==1.0",
            "beta==1.0",
        ])
        .env("PYTHONUSERBASE", &ours)
        .output()
        .unwrap();
    common::success_stdout(&["pip", "install", "--user"], out);
    let theirs = world.path("userbase-pip");
    let status = Command::new(&world.python)
        .args([
            "-m",
            "pip",
            "install",
            "--user",
            "--no-cache-dir",
            "--no-warn-script-location",
            "--index-url",
            &world.index.url(),
            "alpha==1.0",
            "beta==1.0",
        ])
        .env("PYTHONUSERBASE", &theirs)
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env_remove("PIP_FIND_LINKS")
        .env_remove("PIP_BREAK_SYSTEM_PACKAGES")
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(tree(&ours), tree(&theirs));
    let imported = Command::new(&world.python)
        .args(["-c", "import alpha; print(alpha.__file__)"])
        .env("PYTHONUSERBASE", &ours)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&imported.stdout).starts_with(ours.to_str().unwrap()),
        "{imported:?}"
    );
}

#[test]
fn long_options_may_be_abbreviated_as_pip_allows() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    let env = world.venv("env", false);
    let env_arg = env.to_str().unwrap();
    // `--no-dep` for --no-deps, `--force-rein` for --force-reinstall, `--index` for
    // --index-url.
    let index = world.index.url();
    world.den_ok(&[
        "pip",
        "install",
        "-p",
        env_arg,
        "--no-dep",
        "--force-rein",
        "--index",
        &index,
        "alpha",
    ]);
    let (_, frozen, _) = run_python(&env, &["-m", "pip", "freeze"]);
    assert!(frozen.contains("alpha==1.0"), "{frozen}");
    assert!(!frozen.contains("beta"), "--no-dep was not taken: {frozen}");
    // An ambiguous prefix is a usage error (status 2, as pip's), in pip's words.
    let out = world.den(&["pip", "install", "-p", env_arg, "--no-", "alpha"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ambiguous option: --no- (--no-binary, "),
        "{out:?}"
    );
}

#[test]
fn pips_dockerfile_options_are_accepted_and_v_says_they_change_nothing() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "alpha"]);
    let args = [
        "pip",
        "--disable-pip-version-check",
        "install",
        "-v",
        "--no-cache-dir",
        "--no-compile",
        "--progress-bar",
        "off",
        "--root-user-action",
        "ignore",
        "--no-warn-script-location",
        "--upgrade-strategy",
        "eager",
        "--isolated",
        "-I",
        "-p",
        env_arg,
        "alpha",
    ];
    let out = world.den(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for option in [
        "--disable-pip-version-check",
        "--no-cache-dir",
        "--root-user-action",
    ] {
        assert!(
            stderr.contains(&format!(
                "{option}: pip's option, accepted; it changes nothing"
            )),
            "{option}: {stderr}"
        );
    }
    // --isolated does change something: pip's variables and user files are not read.
    assert!(!stderr.contains("--isolated: pip's option"), "{stderr}");
    // -I is pip's --ignore-installed: alpha is installed again, said on stdout as pip says it.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Successfully installed alpha-1.0"),
        "{stdout}"
    );
}

/// `-v` tells a person what den did: the environment and its Python, the indexes, each page
/// fetched, each download with its size, each build backend hook with the backend, and the
/// result; without `-v` none of it is said.
#[test]
fn v_tells_what_den_did() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    world.index.add_file(
        &den_test_support::SdistBuilder::new("gamma", "1.5").build(&world.path("sdists")),
    );
    let index = world.index.url();
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    // Under PYTHONDONTWRITEBYTECODE it also says that the build environment keeps bytecode.
    let out = den_command(&world.path("cache"), &world.index.url())
        .args(["pip", "install", "-v", "-p", env_arg, "alpha", "gamma"])
        .current_dir(world.path(""))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("PYTHONPYCACHEPREFIX")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for said in [
        format!("environment {} (Python 3.", env.display()),
        format!("looking in indexes: {index}"),
        format!("{index}alpha/: fetched the page ("),
        "downloading alpha-1.0-py3-none-any.whl (".to_string(),
        "downloading gamma-1.5.tar.gz (".to_string(),
        "gamma: running the build backend's build_wheel (".to_string(),
        "; the build environment's modules keep their bytecode despite PYTHONDONTWRITEBYTECODE"
            .to_string(),
        "gamma: built gamma-1.5-".to_string(),
    ] {
        assert!(
            stderr.contains(&said),
            "-v does not say `{said}`:\n{stderr}"
        );
    }
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Successfully installed alpha-1.0"),
        "{out:?}"
    );
    let quiet_env = world.venv("quiet", true);
    let out = world.den(&["pip", "install", "-p", quiet_env.to_str().unwrap(), "alpha"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("INFO"), "said without -v:\n{stderr}");
}

/// On a terminal (a pseudo-terminal from util-linux's `script`), a download of a megabyte or
/// more gets a bar with bytes and rate, and a build a spinner naming what is built (none for
/// a source distribution whose wheel den built before); piped, den draws nothing.
#[test]
fn a_terminal_shows_download_bars_and_what_is_built() {
    let Some(script) = den_test_support::require_program("script", "den's progress on a terminal")
    else {
        return;
    };
    let Some(world) = World::new() else { return };
    // 1.5 MB that do not compress (xorshift), so the wheel is over a megabyte.
    let mut state = 0x2545_f491_u32;
    let noise: Vec<u8> = (0..1_500_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect();
    let big = WheelBuilder::new("big", "1.0").file("big/data.bin", &noise);
    world.index.publish(&big);
    world.index.add_file(
        &den_test_support::SdistBuilder::new("gamma", "1.5").build(&world.path("sdists")),
    );
    // `den pip install -p ENV [OPTIONS] big gamma` on a pseudo-terminal: what it showed.
    let on_terminal = |env: &str, options: &str| {
        let env = world.venv(env, true);
        let install = format!(
            "{} pip install -p {} {options} big gamma",
            env!("CARGO_BIN_EXE_den"),
            env.display()
        );
        let mut command = Command::new(&script);
        common::with_den_env(&mut command, &world.path("cache"), &world.index.url());
        let out = command
            .args(["-qfec", &install])
            .arg(world.path("typescript"))
            .env("TERM", "xterm")
            .current_dir(world.dir.path())
            .output()
            .unwrap();
        let shown = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{shown}");
        shown
    };
    let shown = on_terminal("env", "");
    assert!(shown.contains("Building gamma 1.5"), "{shown}");
    let bar = shown
        .split(['\r', '\n'])
        .find(|line| line.contains(&big.filename()) && line.contains("MiB") && line.contains("/s"));
    assert!(
        bar.is_some(),
        "no download bar with bytes and rate:\n{shown}"
    );
    // gamma's wheel was built above: it is taken from the cache, nothing is built.
    let shown = on_terminal("again", "");
    assert!(!shown.contains("Building"), "{shown}");
    // pip's `--progress-bar off`: nothing is drawn on the terminal either.
    let shown = on_terminal("off", "--progress-bar off");
    assert!(
        !shown.contains("Building") && !shown.contains("MiB"),
        "{shown}"
    );
    // Piped, nothing is drawn.
    let env = world.venv("piped", true);
    let out = world.den(&[
        "pip",
        "install",
        "-p",
        env.to_str().unwrap(),
        "big",
        "gamma",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("Building") && !stderr.contains('\x1b'),
        "{stderr}"
    );
}

/// Errors and warnings are coloured on a terminal only: piped they are plain, FORCE_COLOR
/// colours them anyway, and NO_COLOR or pip's `--no-color` win over it.
#[test]
fn colours_follow_no_color_and_force_color() {
    let Some(world) = World::new() else { return };
    let missing = world.path("missing.txt");
    let run = |vars: &[(&str, &str)], extra: &[&str]| {
        let mut command = den_command(&world.path("cache"), &world.index.url());
        command.env_remove("NO_COLOR").env_remove("FORCE_COLOR");
        command.args(["pip", "install"]).args(extra);
        command.args(["-r", missing.to_str().unwrap()]);
        for (key, value) in vars {
            command.env(key, value);
        }
        let out = command.output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let plain = run(&[], &[]);
    assert!(
        plain.starts_with("error: ") && !plain.contains('\x1b'),
        "{plain}"
    );
    let forced = run(&[("FORCE_COLOR", "1")], &[]);
    assert!(
        forced.starts_with("\x1b[") && forced.contains("error:"),
        "{forced}"
    );
    for (vars, extra) in [
        (&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")][..], &[][..]),
        (&[("FORCE_COLOR", "1")][..], &["--no-color"][..]),
    ] {
        let stderr = run(vars, extra);
        assert!(!stderr.contains('\x1b'), "{vars:?} {extra:?}: {stderr}");
    }
}

#[test]
fn results_go_to_stdout_as_pips_do_and_q_hides_them() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    let out = world.den(&["pip", "install", "-p", env_arg, "beta==1.0"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Successfully installed beta-1.0\n"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("Successfully"));
    let out = world.den(&["pip", "install", "-p", env_arg, "beta==1.0"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("Requirement already satisfied: beta==1.0 in ./env/lib/python")
            && stdout.ends_with("/site-packages (1.0)\n")
            && stdout.lines().count() == 1,
        "{stdout}"
    );
    let out = world.den(&["pip", "install", "-q", "-p", env_arg, "beta==2.0"]);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    // With the JSON report on stdout, the result lines go to stderr, so stdout parses.
    let out = world.den(&[
        "pip",
        "install",
        "-p",
        env_arg,
        "--dry-run",
        "--report",
        "-",
        "alpha",
    ]);
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["install"].is_array(), "{report}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Would install alpha-1.0"));
    let out = world.den(&["pip", "uninstall", "-y", "-p", env_arg, "beta"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Found existing installation: beta 2.0\nUninstalling beta-2.0:\n  Successfully uninstalled beta-2.0\n"
    );
}

/// `list` and `freeze`'s selection options print what the real pip prints for them in the
/// same environment: `--not-required`, `--exclude`, `-l`, `--user` (nothing in a virtual
/// environment), `--path`, and `-v` (each distribution's location and installer).
#[test]
fn list_and_freeze_selections_match_pip() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    let env = world.venv("env", false);
    let env_arg = env.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "alpha"]);
    let site = den_venv::find_site_packages(&env).unwrap();
    let site_arg = site.to_str().unwrap();
    let cases: &[&[&str]] = &[
        &["list", "--not-required", "--format", "json"][..],
        &["list", "--exclude", "beta", "--format", "freeze"],
        &["list", "-l", "--format", "json"],
        &["list", "--user", "--format", "json"],
        &["list", "--path", site_arg, "--format", "freeze"],
        &["freeze", "--exclude", "alpha"],
        &["freeze", "--all", "--exclude", "pip", "-l"],
        &["freeze", "--path", site_arg],
        &["list", "-v"],
        &["list", "-v", "--format", "json"],
    ];
    assert_prints_what_pip_prints(&world, &env, cases, &[]);
}

/// A command line and the variables set for it.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);

/// Options from pip's configuration apply as pip applies them: `[global]`, then the
/// command's own section, then `PIP_<OPTION>` variables, the command line last; lists split
/// at whitespace; `--isolated` (but not `PIP_ISOLATED`) drops the variables; `PIP_CONFIG_FILE=/dev/null` the files.
/// Judged by the real pip given the same files and variables.
#[test]
fn pip_configuration_sets_options_as_pip_does() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    let env = world.venv("env", false);
    let env_arg = env.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "alpha"]);
    let conf = world.path("pip.conf");
    std::fs::write(
        &conf,
        "[global]\nformat = json\nexclude = setuptools\n[list]\nformat = freeze\n\
         [freeze]\nexclude = alpha\n  pip\n[install]\nformat = columns\n",
    )
    .unwrap();
    let conf_arg = conf.to_str().unwrap();
    let cases: &[Case<'_>] = &[
        (&["list"], &[]),
        (&["list", "--format", "columns"], &[]),
        (&["list"], &[("PIP_FORMAT", "json")]),
        (&["list", "--isolated"], &[("PIP_FORMAT", "json")]),
        (
            &["list"],
            &[("PIP_ISOLATED", "yes"), ("PIP_FORMAT", "json")],
        ),
        (&["freeze"], &[]),
        (&["freeze"], &[("PIP_EXCLUDE", "beta pip")]),
        (&["freeze", "--exclude", "beta"], &[]),
        (&["freeze", "--all"], &[("PIP_ALL", "off")]),
        (&["freeze"], &[("PIP_ALL", "1")]),
        (&["list"], &[("PIP_CONFIG_FILE", "/dev/null")]),
        (&["list"], &[("PIP_NOT_A_PIP_OPTION", "1")]),
    ];
    for (args, vars) in cases {
        let config_file = vars
            .iter()
            .find(|(name, _)| *name == "PIP_CONFIG_FILE")
            .map_or(conf_arg, |(_, value)| value);
        let mut den = common::den_command(&world.path("cache"), &world.index.url());
        den.arg("pip").args(*args).args(["-p", env_arg]);
        let mut pip = Command::new(env.join("bin/python"));
        pip.args(["-m", "pip"])
            .args(*args)
            .env_remove("PIP_FIND_LINKS");
        let mut outputs = Vec::new();
        for command in [&mut den, &mut pip] {
            command
                .current_dir(world.dir.path())
                .env("PIP_CONFIG_FILE", config_file)
                .envs(
                    vars.iter()
                        .filter(|(name, _)| *name != "PIP_CONFIG_FILE")
                        .copied(),
                );
            let out = command.output().unwrap();
            assert!(out.status.success(), "{args:?} {vars:?}: {out:?}");
            outputs.push(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        assert_eq!(
            outputs[0], outputs[1],
            "den (left) and pip differ: {args:?} {vars:?}"
        );
    }
    // An install option from the command's section: `no-deps` leaves beta out.
    std::fs::write(&conf, "[install]\nno-deps = yes\n").unwrap();
    let bare = world.venv("bare", true);
    let bare_arg = bare.to_str().unwrap();
    let mut install = common::den_command(&world.path("cache"), &world.index.url());
    install
        .args(["pip", "install", "-p", bare_arg, "alpha"])
        .env("PIP_CONFIG_FILE", &conf);
    common::success_stdout(&["install"], install.output().unwrap());
    let frozen = world.den_ok(&["pip", "freeze", "-p", bare_arg]);
    assert_eq!(frozen, "alpha==1.0\n");
    // pip's verbosity from its configuration (`PIP_QUIET`, `verbose` in a file) less or
    // more by the command line's `-v`/`-q`, pip counting `verbose - quiet`: with it below
    // zero, what `install` says about an installed requirement is not printed. Judged by
    // the real pip with the same file and variables.
    let verbosity_cases: &[(&str, Case<'_>, bool)] = &[
        ("", (&[], &[]), true),
        ("", (&[], &[("PIP_QUIET", "1")]), false),
        ("", (&["-v"], &[("PIP_QUIET", "1")]), true),
        ("[global]\nquiet = 2\n", (&["-v"], &[]), false),
        ("[install]\nverbose = 1\n", (&["-q"], &[]), true),
    ];
    for (file, (args, vars), says) in verbosity_cases {
        std::fs::write(&conf, file).unwrap();
        let mut den = common::den_command(&world.path("cache"), &world.index.url());
        den.args(["pip", "install", "-p", env_arg, "alpha"]);
        let mut pip = Command::new(env.join("bin/python"));
        pip.args(["-m", "pip", "install", "--no-index", "alpha"]);
        for (who, command) in [("den", &mut den), ("pip", &mut pip)] {
            let out = command
                .args(*args)
                .env("PIP_CONFIG_FILE", &conf)
                .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
                .envs(vars.iter().copied())
                .output()
                .unwrap();
            assert!(out.status.success(), "{who} {file:?} {vars:?}: {out:?}");
            assert_eq!(
                String::from_utf8_lossy(&out.stdout).contains("alpha"),
                *says,
                "{who} {file:?} {vars:?} {args:?}: {out:?}"
            );
        }
    }
    // pip's general options before the command: `--python` there too, and
    // `--require-virtualenv` (also PIP_REQUIRE_VIRTUALENV) refusing a base interpreter with
    // pip's status 3.
    let frozen = world.den_ok(&["pip", "--python", bare_arg, "freeze"]);
    assert_eq!(frozen, "alpha==1.0\n");
    let base = world.python.to_str().unwrap();
    let out = world.den(&["pip", "--require-virtualenv", "--python", base, "freeze"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("Could not find an activated virtualenv (required)."),
        "{out:?}"
    );
    let mut required = common::den_command(&world.path("cache"), &world.index.url());
    required
        .args(["pip", "freeze", "--python", bare_arg])
        .env("PIP_REQUIRE_VIRTUALENV", "1");
    assert_eq!(required.output().unwrap().status.code(), Some(0));
    required.args(["--python", base]);
    assert_eq!(required.output().unwrap().status.code(), Some(3));
}

/// den and the real pip of `env` run with the same arguments, variables and pip
/// configuration (`HOME` and `XDG_CONFIG_DIRS` in `world`, `VIRTUAL_ENV` = `env`, so its
/// `pip.conf` is the site file; no index but what the configuration names): `(den, pip)`.
fn den_and_pip(
    world: &World,
    env: &Path,
    args: &[&str],
    vars: &[(&str, &str)],
) -> (Output, Output) {
    den_and_pip_in(world, world.dir.path(), Some(env), env, args, vars)
}

/// [`den_and_pip`] run in `cwd`, with `VIRTUAL_ENV` = `active` (unset for `None`), pip being
/// `pip_env`'s.
fn den_and_pip_in(
    world: &World,
    cwd: &Path,
    active: Option<&Path>,
    pip_env: &Path,
    args: &[&str],
    vars: &[(&str, &str)],
) -> (Output, Output) {
    let mut den = common::den_command(&world.path("cache"), &world.index.url());
    den.env_remove("DEN_INDEX_URL").arg("pip").args(args);
    let mut pip = Command::new(pip_env.join("bin/python"));
    pip.args(["-m", "pip"]).args(args);
    for command in [&mut den, &mut pip] {
        match active {
            Some(env) => command.env("VIRTUAL_ENV", env),
            None => command.env_remove("VIRTUAL_ENV"),
        };
        command
            .current_dir(cwd)
            .env("HOME", world.path("home"))
            .env("XDG_CONFIG_DIRS", world.path("xdg"))
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .env_remove("PIP_FIND_LINKS")
            .env_remove("PIP_INDEX_URL")
            .env_remove("PIP_EXTRA_INDEX_URL")
            .env_remove("PIP_CONFIG_FILE")
            .envs(vars.iter().copied());
    }
    (den.output().unwrap(), pip.output().unwrap())
}

/// Checks that den and pip both succeeded and wrote `expected` (on either stream) in `case`.
fn both_succeed_saying(den: &Output, pip: &Output, expected: &str, case: &str) {
    for (who, out) in [("pip", pip), ("den", den)] {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success() && text.contains(expected),
            "{who} {case}: expected {expected}: {out:?}"
        );
    }
}

/// Three loopback indexes serving alpha 1.0, 2.0 and 3.0 respectively: the version a tool
/// installs tells which index it used.
fn alpha_indexes() -> [TestIndex; 3] {
    let indexes = [TestIndex::new(), TestIndex::new(), TestIndex::new()];
    for (index, version) in indexes.iter().zip(["1.0", "2.0", "3.0"]) {
        index.publish(&WheelBuilder::new("alpha", version));
    }
    indexes
}

/// The index keys of pip's configuration follow pip's precedence: the command's own section
/// over `[global]` whatever file each is in (a site file's `[install]` over
/// `PIP_CONFIG_FILE`'s `[global]`), only the running command's section (`[install]` does not
/// apply to `pip download` or `pip index versions`), `PIP_*` variables over files, and
/// `--isolated` ignoring the variables. Each index serves its own version of alpha; the
/// version den and the real pip pick tells which index each used.
#[test]
fn pip_configuration_chooses_the_index_as_pip_does() {
    let Some(world) = World::new() else { return };
    let indexes = alpha_indexes();
    let [one, two, three] = indexes.each_ref().map(TestIndex::url);
    let env = world.venv("env", false);
    let env_file = world.path("env.conf");
    std::fs::write(
        env.join("pip.conf"),
        format!("[install]\nindex-url = {one}\n[download]\nno-deps = yes\n"),
    )
    .unwrap();
    std::fs::write(&env_file, format!("[global]\nindex-url = {two}\n")).unwrap();
    let env_file = env_file.to_str().unwrap();
    let with_file = [("PIP_CONFIG_FILE", env_file)];
    let with_var = [
        ("PIP_CONFIG_FILE", env_file),
        ("PIP_INDEX_URL", three.as_str()),
    ];
    let install = ["install", "--dry-run", "alpha"];
    let download = ["download", "-d", "wheelhouse", "alpha"];
    let isolated = ["install", "--isolated", "--dry-run", "alpha"];
    let cases: [(Case<'_>, &str); 6] = [
        ((&install, &with_file), "alpha-1.0"),
        ((&download, &with_file), "alpha-2.0"),
        ((&["index", "versions", "alpha"], &with_file), "alpha (2.0)"),
        ((&install, &with_var), "alpha-3.0"),
        ((&isolated, &with_var), "alpha-1.0"),
        (
            (&["index", "versions", "--isolated", "alpha"], &with_var),
            "alpha (2.0)",
        ),
    ];
    for ((args, vars), expected) in cases {
        let (den, pip) = den_and_pip(&world, &env, args, vars);
        both_succeed_saying(&den, &pip, expected, &format!("{args:?} {vars:?}"));
    }
}

/// The site file is the `pip.conf` of the environment the command works for, as pip run in
/// it reads `<sys.prefix>/pip.conf`: one named with `--python` (`VIRTUAL_ENV` set or not:
/// pip runs again under it), the `.venv`
/// den finds, or the one the active environment's configuration names (`python`): pip
/// then runs again under that one, which reads its own site file but keeps the
/// interpreter. Each index serves its own version of alpha; the version den and the real
/// pip pick tells which site file each read.
#[test]
fn pip_configuration_site_file_is_the_target_environments() {
    let Some(world) = World::new() else { return };
    let indexes = alpha_indexes();
    let [one, two, three] = indexes.each_ref().map(TestIndex::url);
    let target = world.venv("target", false);
    std::fs::write(
        target.join("pip.conf"),
        format!("[install]\nindex-url = {one}\n"),
    )
    .unwrap();
    let active = world.venv("active", false);
    std::fs::write(
        active.join("pip.conf"),
        format!(
            "[global]\nindex-url = {two}\npython = {}\n",
            target.display()
        ),
    )
    .unwrap();
    let dot_venv = world.venv("project/.venv", false);
    let project = world.path("project");
    std::fs::write(
        dot_venv.join("pip.conf"),
        format!("[global]\nindex-url = {three}\n"),
    )
    .unwrap();
    let install = ["install", "--dry-run", "alpha"];
    let target_arg = target.to_str().unwrap();
    let with_target = ["--python", target_arg, "install", "--dry-run", "alpha"];
    let root = world.dir.path();
    // (working directory, VIRTUAL_ENV, pip's environment, arguments, expected)
    type SiteCase<'a> = (&'a Path, Option<&'a Path>, &'a Path, &'a [&'a str], &'a str);
    let cases: [SiteCase<'_>; 4] = [
        (root, None, &target, &with_target, "alpha-1.0"),
        (&project, None, &dot_venv, &install, "alpha-3.0"),
        (root, Some(&active), &active, &install, "alpha-1.0"),
        (&project, Some(&active), &active, &with_target, "alpha-1.0"),
    ];
    for (cwd, virtual_env, pip_env, args, expected) in cases {
        let (den, pip) = den_and_pip_in(&world, cwd, virtual_env, pip_env, args, &[]);
        let case = format!("{args:?} in {cwd:?}, VIRTUAL_ENV {virtual_env:?}");
        both_succeed_saying(&den, &pip, expected, &case);
    }
}

/// A pip configuration file pip refuses, or a value it refuses for the command's options,
/// stops den with pip's exit status and a message naming the file and line; for a section
/// pip does not read (which pip ignores silently) den warns, naming file and line, and runs.
#[test]
fn bad_pip_configuration_names_file_and_line() {
    let Some(world) = World::new() else { return };
    world.index.publish(&WheelBuilder::new("alpha", "1.0"));
    let env = world.venv("env", false);
    let conf = world.path("bad.conf");
    let conf_arg = conf.to_str().unwrap();
    let index = world.index.url();
    let install = ["install", "--dry-run", "--index-url", &index, "alpha"];
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "[bogussection]\nfoo = 1\n",
            &install,
            "bad.conf:1: unknown section [bogussection]",
        ),
        (
            "[bogussection]\nfoo = 1\n",
            &["list"],
            "bad.conf:1: unknown section",
        ),
        (
            "[install]\nno-deps = maybe\n",
            &install,
            "bad.conf:2: maybe is not a valid value",
        ),
        ("[install]\nno-deps = maybe\n", &["list"], ""),
        (
            "[install]\nprogress-bar = maybe\n",
            &install,
            "bad.conf:2: invalid choice 'maybe'",
        ),
        (
            "[global]\ntimeout = soon\n",
            &["list"],
            "bad.conf:2: invalid value 'soon'",
        ),
        (
            "[list]\nverbose = maybe\n",
            &["list"],
            "bad.conf:2: maybe is not a valid value",
        ),
        (
            "index-url = x\n",
            &["list"],
            "bad.conf:1: setting before any `[section]`",
        ),
        (
            "index-url = x\n",
            &install,
            "bad.conf:1: setting before any `[section]`",
        ),
        (
            "[global]\na = 1\n[global]\n",
            &["freeze"],
            "bad.conf:3: section [global] already",
        ),
        (
            "[global]\na = 1\nA = 2\n",
            &["list"],
            "bad.conf:3: `a` already set",
        ),
        (
            "[global]\nfoo\n",
            &["list"],
            "bad.conf:2: expected `key = value`",
        ),
    ];
    for (text, args, message) in cases {
        std::fs::write(&conf, text).unwrap();
        let (den, pip) = den_and_pip(&world, &env, args, &[("PIP_CONFIG_FILE", conf_arg)]);
        let stderr = String::from_utf8_lossy(&den.stderr);
        assert_eq!(
            den.status.code(),
            pip.status.code(),
            "{text:?} {args:?}: den {den:?}\npip {pip:?}"
        );
        assert!(stderr.contains(message), "{text:?} {args:?}: {stderr}");
    }
    // The same from a variable names the variable.
    let (den, pip) = den_and_pip(&world, &env, &install, &[("PIP_NO_DEPS", "maybe")]);
    assert_eq!((den.status.code(), pip.status.code()), (Some(2), Some(2)));
    assert!(String::from_utf8_lossy(&den.stderr).contains("PIP_NO_DEPS: maybe is not"));
}

/// `list --outdated` / `--uptodate` ask the index as the real pip does and print what it
/// prints (columns and JSON, pre-releases only with `--pre`, an sdist-only release typed
/// `sdist`).
#[test]
fn list_outdated_and_uptodate_match_pip() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    world.index.publish(&WheelBuilder::new("beta", "3.0b1"));
    world.index.publish(&WheelBuilder::new("gamma", "1.0"));
    world.index.add_file(
        &den_test_support::SdistBuilder::new("gamma", "1.5").build(&world.path("sdists")),
    );
    let env = world.env_with("env", &["alpha", "beta==1.0", "gamma==1.0"]);
    let env_arg = env.to_str().unwrap();
    let index = world.index.url();
    let cases: &[&[&str]] = &[
        &["list", "--outdated"][..],
        &["list", "-o", "--format", "json"],
        &["list", "-o", "--pre", "--format", "json"],
        &["list", "--uptodate", "--format", "json"],
    ];
    assert_prints_what_pip_prints(&world, &env, cases, &["--index-url", &index]);
    let out = world.den(&["pip", "list", "-o", "-u", "-p", env_arg]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be combined"));
}

/// `show --verbose` (den's `-v`) prints pip's extra fields as the real pip does.
#[test]
fn show_verbose_matches_pip() {
    let Some(world) = World::new() else { return };
    world.index.publish(
        &common::alpha_wheel()
            .metadata_header("Classifier", "Programming Language :: Python :: 3")
            .metadata_header("Classifier", "Topic :: Utilities")
            .metadata_header("Project-URL", "Source, https://example.org/alpha"),
    );
    world.index.publish(&WheelBuilder::new("beta", "1.0"));
    let env = world.venv("env", false);
    let env_arg = env.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "alpha"]);
    let ours = world.den_ok(&["pip", "show", "-v", "-p", env_arg, "alpha", "beta"]);
    let (ok, theirs, err) = run_python(&env, &["-m", "pip", "show", "-v", "alpha", "beta"]);
    assert!(ok, "{err}");
    assert_eq!(ours, theirs);
    assert!(ours.contains("Installer: den\n"), "{ours}");
}

/// `pip index versions` prints what the real pip prints, installed or not, with and without
/// `--pre`; an unknown project is pip's error.
#[test]
fn index_versions_match_pip() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    world.index.publish(&WheelBuilder::new("beta", "3.0b1"));
    let env = world.venv("env", false);
    let env_arg = env.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "beta==1.0"]);
    let index = world.index.url();
    let cases: &[&[&str]] = &[
        &["index", "versions", "beta"][..],
        &["index", "versions", "beta", "--pre"],
        &["index", "versions", "alpha"],
    ];
    assert_prints_what_pip_prints(&world, &env, cases, &["--index-url", &index]);
    let out = world.den(&["pip", "index", "versions", "nothere", "-p", env_arg]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("No matching distribution found for nothere")
    );
}

/// `pip inspect`'s report: den's and the real pip's agree on every installed distribution
/// (metadata as JSON, location, installer, requested, direct URL) and on the environment;
/// `kw`'s metadata has what pip's JSON treats specially: keywords without a comma (split at
/// whitespace), a header pip does not know (left out) and a single-use field given twice
/// (the first kept).
#[test]
fn inspect_matches_pip() {
    let Some(world) = World::new() else { return };
    publish_alpha_beta(&world.index);
    world.index.publish(
        &WheelBuilder::new("kw", "1.0")
            .metadata_header("Keywords", "one two  three")
            .metadata_header("X-Internal", "not pip's")
            .metadata_header("Summary", "a second summary"),
    );
    let project = world.project_dir(
        &den_test_support::SdistBuilder::new("local-proj", "0.3"),
        "proj",
    );
    let env = world.env_with("env", &["alpha", "kw", "-e", project.to_str().unwrap()]);
    let env_arg = env.to_str().unwrap();
    let ours: serde_json::Value =
        serde_json::from_str(&world.den_ok(&["pip", "inspect", "-p", env_arg])).unwrap();
    let (ok, theirs, err) = run_python(&env, &["-m", "pip", "inspect"]);
    assert!(ok, "{err}");
    let theirs: serde_json::Value = serde_json::from_str(&theirs).unwrap();
    let by_name =
        |report: &serde_json::Value| -> std::collections::BTreeMap<String, serde_json::Value> {
            report["installed"]
                .as_array()
                .unwrap()
                .iter()
                .map(|item| {
                    (
                        item["metadata"]["name"].as_str().unwrap().to_string(),
                        item.clone(),
                    )
                })
                .collect()
        };
    let mut ours_by_name = by_name(&ours);
    // pip 24.2 (this environment's) predates core metadata 2.4 in its JSON and leaves
    // License-File out; pip 25.1 and later list it, as den does.
    for item in ours_by_name.values_mut() {
        item["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("license_file");
    }
    assert_eq!(ours_by_name, by_name(&theirs));
    assert_eq!(ours["environment"], theirs["environment"]);
    assert_eq!(ours["version"], theirs["version"]);
}

/// Runs each of `cases` as `den pip ARGS -p ENV` and as the real pip in `env` (`python -m pip
/// ARGS PIP_EXTRA`), asserting both succeed with the same stdout.
fn assert_prints_what_pip_prints(world: &World, env: &Path, cases: &[&[&str]], pip_extra: &[&str]) {
    let env_arg = env.to_str().unwrap();
    for args in cases {
        let mut den_args = vec!["pip"];
        den_args.extend_from_slice(args);
        den_args.extend(["-p", env_arg]);
        let ours = world.den_ok(&den_args);
        let mut pip_args = vec!["-m", "pip"];
        pip_args.extend_from_slice(args);
        pip_args.extend_from_slice(pip_extra);
        let (ok, theirs, err) = run_python(env, &pip_args);
        assert!(ok, "pip {args:?}: {err}");
        assert_eq!(ours, theirs, "{args:?}");
    }
}
