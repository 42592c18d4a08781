//! `den venv`'s options from `python -m venv` and virtualenv that scripts pass: what each
//! changes in the environment made (files present, packages seeded, versions installed), and
//! the errors for bad values.

mod common;

use std::fs;
use std::path::Path;

use common::World;
use den_test_support::{WheelBuilder, require};

/// The `name-version` of every `.dist-info` in the environment's site-packages, sorted.
fn distributions(env: &Path) -> Vec<String> {
    let site = den_venv::find_site_packages(env).unwrap();
    let mut found: Vec<String> = fs::read_dir(site)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".dist-info").map(str::to_string)
        })
        .collect();
    found.sort();
    found
}

fn names(env: &Path) -> Vec<String> {
    distributions(env)
        .into_iter()
        .map(|d| d.split_once('-').unwrap().0.to_string())
        .collect()
}

#[test]
fn scm_ignore_files_and_activators() {
    let Some(world) = World::new() else { return };
    let python = world.python.to_str().unwrap();
    world.den_ok(&["venv", "plain", "-p", python, "--without-pip"]);
    assert!(world.path("plain/.gitignore").is_file());
    world.den_ok(&[
        "venv",
        "bare",
        "-p",
        python,
        "--without-pip",
        "--without-scm-ignore-files",
        "--activators",
        "bash,fish",
    ]);
    assert!(!world.path("bare/.gitignore").exists());
    let bin = world.path("bare/bin");
    assert!(bin.join("activate").is_file() && bin.join("activate.fish").is_file());
    for absent in [
        "activate.csh",
        "activate.nu",
        "activate.ps1",
        "activate_this.py",
    ] {
        assert!(!bin.join(absent).exists(), "{absent}");
    }
    // A clone keeps the choice.
    world.den_ok(&["venv", "--clone", "bare", "copy"]);
    assert!(!world.path("copy/bin/activate.csh").exists());
    assert!(world.path("copy/bin/activate.fish").is_file());

    let err = world.den_err(&["venv", "bad", "-p", python, "--activators", "bash,xonsh"]);
    assert!(err.contains("unknown activator 'xonsh'"), "{err}");
    assert!(!world.path("bad").exists());
}

#[test]
fn setuptools_seeding_and_accepted_options() {
    let Some(world) = World::new() else { return };
    let Some(python311) = require(
        den_test_support::pyenv_python("3.11"),
        "pyenv's CPython 3.11",
        "setuptools seeding before Python 3.12",
    ) else {
        return;
    };
    let python311 = python311.to_str().unwrap();
    world.den_ok(&["venv", "with", "-p", python311]);
    assert_eq!(names(&world.path("with")), ["pip", "setuptools"]);
    let out = world.den(&[
        "venv",
        "without",
        "-p",
        python311,
        "--no-setuptools",
        "--no-wheel",
        "--seed",
        "--no-periodic-update",
        "-v",
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for option in ["--no-wheel", "--seed", "--no-periodic-update"] {
        assert!(
            err.lines()
                .any(|l| l.contains(option) && l.contains("changes nothing")),
            "{option}: {err}"
        );
    }
    assert_eq!(names(&world.path("without")), ["pip"]);
}

#[test]
fn upgrade_deps_and_pip_version_install_from_the_index() {
    let Some(world) = World::new() else { return };
    for version in ["98.0", "99.0"] {
        world
            .index
            .publish(&WheelBuilder::new("pip", version).file("pip/__init__.py", b""));
    }
    let python = world.python.to_str().unwrap();
    world.den_ok(&["venv", "upgraded", "-p", python, "--upgrade-deps"]);
    assert!(
        distributions(&world.path("upgraded")).contains(&"pip-99.0".to_string()),
        "{:?}",
        distributions(&world.path("upgraded"))
    );
    world.den_ok(&["venv", "pinned", "-p", python, "--pip", "98.0"]);
    assert!(distributions(&world.path("pinned")).contains(&"pip-98.0".to_string()));
    world.den_ok(&["venv", "bundled", "-p", python, "--pip", "bundle"]);
    let bundled = distributions(&world.path("bundled"));
    assert!(
        bundled
            .iter()
            .any(|d| d.starts_with("pip-") && !d.ends_with("9.0")),
        "{bundled:?}"
    );
    let err = world.den_err(&["venv", "none", "-p", python, "--pip", "97.0"]);
    assert!(err.contains("pip"), "{err}");
}

#[test]
fn upgrade_needs_an_existing_environment_and_keeps_its_packages() {
    let Some(world) = World::new() else { return };
    world.index.publish(&common::alpha_wheel());
    world.index.publish(&WheelBuilder::new("beta", "1.0"));
    let python = world.python.to_str().unwrap();
    let err = world.den_err(&["venv", "missing", "-p", python, "--upgrade"]);
    assert!(err.contains("is not a virtual environment"), "{err}");
    assert!(!world.path("missing").exists());
    world.den_ok(&["venv", "env", "-p", python]);
    world.den_ok(&["pip", "install", "-p", "env", "alpha"]);
    let before = distributions(&world.path("env"));
    world.den_ok(&["venv", "env", "-p", python, "--upgrade"]);
    assert_eq!(distributions(&world.path("env")), before);
}
