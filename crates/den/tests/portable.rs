//! Environments that move: `den venv --relocatable` and `--make-relocatable` (moved to a
//! path with a space and non-ASCII letters, then used), and `den venv --clone` (used after the
//! source is deleted). The judges are the environment's own interpreter, the real pip in it
//! (`pip check`, `pip --version`), its console scripts run directly and bash sourcing its
//! activation script; the activation scripts of every shell are checked after a move in
//! den-venv's `tests/shells.rs`.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{World, run_python};
use den_test_support::WheelBuilder;

/// Publishes `alpha` (console script `alpha-cli`, needs `beta`), `beta`, and `gamma`
/// (console script `gamma-cli`).
fn publish(world: &World) {
    world.index.publish(
        &WheelBuilder::new("alpha", "1.0")
            .requires_dist("beta")
            .file(
                "alpha/__init__.py",
                b"def main():\n    print('alpha main')\n",
            )
            .console_script("alpha-cli", "alpha:main"),
    );
    world.index.publish(&WheelBuilder::new("beta", "1.0"));
    world.index.publish(
        &WheelBuilder::new("gamma", "2.0")
            .file(
                "gamma/__init__.py",
                b"def main():\n    print('gamma main')\n",
            )
            .console_script("gamma-cli", "gamma:main"),
    );
}

/// Runs the script `bin/NAME` of `env` directly (through its shebang) from an unrelated
/// directory; returns its stdout, asserting it succeeded.
fn run_script(env: &Path, name: &str) -> String {
    let out = Command::new(env.join("bin").join(name))
        .current_dir("/")
        .env_remove("VIRTUAL_ENV")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Asserts the real pip in `env` runs from `env` and finds nothing broken.
fn assert_pip_works(env: &Path) {
    let (ok, out, err) = run_python(env, &["-m", "pip", "--version"]);
    assert!(ok, "{err}");
    assert!(out.contains(env.to_str().unwrap()), "{out}");
    let (ok, out, err) = run_python(env, &["-m", "pip", "check"]);
    assert!(ok, "pip check: {out}{err}");
    let (ok, out, err) = run_python(env, &["-c", "import sys; print(sys.prefix)"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), env.to_str().unwrap());
}

/// What bash's `. bin/activate` sets `VIRTUAL_ENV` to and which `python` it then finds.
fn bash_activation(env: &Path) -> String {
    let Some(bash) = den_test_support::require(
        Some(Path::new("/bin/bash")).filter(|p| p.is_file()),
        "bash",
        "activation of a moved environment",
    ) else {
        return String::new();
    };
    let script = format!(
        ". '{}/bin/activate' && printf '%s\\n%s\\n' \"$VIRTUAL_ENV\" \"$(command -v python)\"",
        env.display()
    );
    let out = Command::new(bash)
        .args(["-c", &script])
        .current_dir("/")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn assert_activates_at(env: &Path) {
    let expected = format!("{0}\n{0}/bin/python\n", env.display());
    let got = bash_activation(env);
    if !got.is_empty() {
        assert_eq!(got, expected);
    }
}

#[test]
fn a_relocatable_environment_works_after_a_move_and_stays_relocatable() {
    let Some(world) = World::new() else { return };
    publish(&world);
    let python = world.python.to_str().unwrap();
    world.den_ok(&["venv", "made", "--relocatable", "-p", python]);
    world.den_ok(&["pip", "install", "-p", "made", "alpha"]);
    let cfg = fs::read_to_string(world.path("made/pyvenv.cfg")).unwrap();
    assert!(cfg.contains("relocatable = true"), "{cfg}");

    fs::create_dir(world.path("moved dir")).unwrap();
    let moved = world.path("moved dir/énv ü");
    fs::rename(world.path("made"), &moved).unwrap();
    assert_eq!(run_script(&moved, "alpha-cli"), "alpha main\n");
    assert_pip_works(&moved);
    assert_activates_at(&moved);

    // Installing into it at its new place keeps it relocatable.
    let moved_arg = moved.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", moved_arg, "gamma"]);
    let script = fs::read_to_string(moved.join("bin/gamma-cli")).unwrap();
    assert!(!script.contains(moved_arg), "{script}");
    let again = world.path("again");
    fs::rename(&moved, &again).unwrap();
    assert_eq!(run_script(&again, "gamma-cli"), "gamma main\n");
    assert_eq!(run_script(&again, "alpha-cli"), "alpha main\n");
    assert_pip_works(&again);
}

#[test]
fn make_relocatable_converts_an_existing_environment() {
    let Some(world) = World::new() else { return };
    publish(&world);
    let env = world.venv("env", false);
    world.den_ok(&["pip", "install", "-p", "env", "alpha"]);
    // A .pth line naming a directory inside the environment, by absolute path.
    let site = den_venv::find_site_packages(&env).unwrap();
    fs::create_dir(env.join("extra")).unwrap();
    fs::write(env.join("extra/extra_mod.py"), "VALUE = 'extra'\n").unwrap();
    fs::write(site.join("extra.pth"), format!("{}/extra\n", env.display())).unwrap();

    world.den_ok(&["venv", "--make-relocatable", "env"]);
    let pth = fs::read_to_string(site.join("extra.pth")).unwrap();
    assert_eq!(pth, "../../../extra\n");
    let moved = world.path("sub dir/moved");
    fs::create_dir(world.path("sub dir")).unwrap();
    fs::rename(&env, &moved).unwrap();
    assert_eq!(run_script(&moved, "alpha-cli"), "alpha main\n");
    assert_pip_works(&moved);
    assert_activates_at(&moved);
    let (ok, out, err) = run_python(&moved, &["-c", "import extra_mod; print(extra_mod.VALUE)"]);
    assert!(ok, "{err}");
    assert_eq!(out, "extra\n");
}

#[test]
fn a_clone_works_after_its_source_is_deleted() {
    let Some(world) = World::new() else { return };
    publish(&world);
    let source = world.venv("source", false);
    world.den_ok(&["pip", "install", "-p", "source", "alpha", "gamma"]);
    let site = den_venv::find_site_packages(&source).unwrap();
    fs::create_dir(source.join("extra")).unwrap();
    fs::write(source.join("extra/extra_mod.py"), "VALUE = 'extra'\n").unwrap();
    fs::write(
        site.join("extra.pth"),
        format!("{}/extra\n", source.display()),
    )
    .unwrap();
    let frozen = |env: &Path| run_python(env, &["-m", "pip", "freeze"]).1;
    let before = frozen(&source);

    world.den_ok(&["venv", "--clone", "source", "the clone"]);
    fs::remove_dir_all(&source).unwrap();
    let clone = world.path("the clone");
    assert_eq!(run_script(&clone, "alpha-cli"), "alpha main\n");
    let pip = Command::new(clone.join("bin/pip"))
        .arg("--version")
        .output()
        .unwrap();
    let pip = String::from_utf8(pip.stdout).unwrap();
    assert!(pip.contains(clone.to_str().unwrap()), "{pip}");
    assert_pip_works(&clone);
    assert_activates_at(&clone);
    assert_eq!(frozen(&clone), before);
    let (ok, out, err) = run_python(&clone, &["-c", "import extra_mod; print(extra_mod.VALUE)"]);
    assert!(ok, "{err}");
    assert_eq!(out, "extra\n");
    // Nothing in the clone's text files still names the deleted source.
    let source_text = source.to_str().unwrap();
    for entry in walkdir::WalkDir::new(&clone) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() || entry.path().extension().is_some_and(|e| e == "pyc") {
            continue;
        }
        if let Ok(text) = fs::read_to_string(entry.path()) {
            assert!(
                !text.contains(&format!("{source_text}/")),
                "{} names the source",
                entry.path().display()
            );
        }
    }
}

#[test]
fn bad_targets_are_refused() {
    let Some(world) = World::new() else { return };
    fs::create_dir(world.path("plain")).unwrap();
    let err = world.den_err(&["venv", "--make-relocatable", "plain"]);
    assert!(err.contains("is not a virtual environment"), "{err}");
    let err = world.den_err(&["venv", "--clone", "plain", "copy"]);
    assert!(err.contains("is not a virtual environment"), "{err}");
    assert!(!world.path("copy").exists());
    world.venv("env", true);
    let err = world.den_err(&["venv", "--clone", "env", "plain"]);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(fs::read_dir(world.path("plain")).unwrap().count(), 0);
}
