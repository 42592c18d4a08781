//! `den venv --repair` and `den doctor --fix`: an environment whose base interpreter is gone
//! is rebuilt in place on a matching one with every distribution at its version, judged by
//! the real pip and interpreter; a rebuild that cannot finish leaves it as it was.

use std::fs;
use std::path::Path;

use den_test_support::WheelBuilder;

mod common;

use common::{World, run_python, tree};

/// Breaks `env` as a removed base Python does: `home` names a directory that is gone and the
/// interpreter links dangle.
fn break_base(env: &Path) {
    let cfg = env.join("pyvenv.cfg");
    let text: String = fs::read_to_string(&cfg)
        .unwrap()
        .lines()
        .map(|line| match line.split_once(" = ") {
            Some(("home", _)) => "home = /nonexistent/python/bin\n".to_string(),
            _ => format!("{line}\n"),
        })
        .collect();
    fs::write(&cfg, text).unwrap();
    for entry in fs::read_dir(env.join("bin")).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("python") {
            fs::remove_file(entry.path()).unwrap();
            std::os::unix::fs::symlink("/nonexistent/python/bin/python3", entry.path()).unwrap();
        }
    }
    let runs = std::process::Command::new(env.join("bin/python"))
        .args(["-c", "pass"])
        .status()
        .is_ok_and(|status| status.success());
    assert!(!runs, "the environment still runs");
}

/// `name==version` lines of `pip freeze --all` in `env`.
fn frozen(env: &Path) -> Vec<String> {
    let (ok, out, err) = run_python(env, &["-m", "pip", "freeze", "--all"]);
    assert!(ok, "{err}");
    let mut lines: Vec<String> = out.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

#[test]
fn repair_rebuilds_on_a_matching_python_keeping_every_distribution() {
    let Some(world) = World::new() else { return };
    world.index.publish(&common::alpha_wheel());
    world.index.publish(&WheelBuilder::new("beta", "1.0"));
    world.index.publish(&WheelBuilder::new("beta", "2.0"));
    let direct = world.index.publish(&WheelBuilder::new("gamma", "0.5"));
    let env = world.venv("env", false);
    let env_arg = env.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "alpha", "beta==1.0"]);
    world.den_ok(&["pip", "install", "-p", env_arg, direct.to_str().unwrap()]);
    fs::write(env.join(".project"), "/somewhere/project\n").unwrap();
    fs::write(env.join("bin/postactivate"), "echo hello\n").unwrap();
    let before = frozen(&env);
    assert!(
        before.iter().any(|l| l.starts_with("gamma @ file://")),
        "{before:?}"
    );

    break_base(&env);
    let python = world.python.to_str().unwrap();
    world.den_ok(&["venv", "env", "--repair", "--python", python]);
    assert_eq!(frozen(&env), before);
    let (ok, out, err) = run_python(&env, &["-c", "import alpha, beta, gamma"]);
    assert!(ok, "{out}{err}");
    let cli = std::process::Command::new(env.join("bin/alpha-cli"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&cli.stdout), "alpha main\n");
    assert_eq!(
        fs::read_to_string(env.join(".project")).unwrap(),
        "/somewhere/project\n"
    );
    assert_eq!(
        fs::read_to_string(env.join("bin/postactivate")).unwrap(),
        "echo hello\n"
    );
    assert!(!world.path(".env.den-repair").exists());

    // doctor --fix finds it by the version pyvenv.cfg records.
    break_base(&env);
    let out = world.den(&["doctor", "--fix", "env"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(frozen(&env), before);
}

#[test]
fn a_rebuild_that_cannot_finish_leaves_the_environment_as_it_was() {
    let Some(world) = World::new() else { return };
    world.index.publish(&WheelBuilder::new("beta", "1.0"));
    let env = world.venv("env", false);
    let env_arg = env.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "beta"]);
    break_base(&env);
    let before = tree(&env);
    // A new cache and an index that refuses: beta cannot be installed again.
    let python = world.python.to_str().unwrap();
    let out = common::den_command(&world.path("empty-cache"), "http://127.0.0.1:9/simple")
        .args(["venv", "env", "--repair", "--python", python])
        .current_dir(world.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("it is left as it was"), "{stderr}");
    assert_eq!(tree(&env), before);
    assert!(!world.path(".env.den-repair").exists());

    // A repair killed midway (simulated: the old environment moved aside, a half-made one
    // in its place) is undone by the next one before it starts.
    fs::rename(&env, world.path(".env.den-repair")).unwrap();
    fs::create_dir_all(env.join("lib")).unwrap();
    let out = world.den(&["venv", "env", "--repair", "--python", python]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted repair"));
    let (ok, _, err) = run_python(&env, &["-c", "import beta"]);
    assert!(ok, "{err}");
}
