//! Environment creation with a real interpreter: layout, pyvenv.cfg, and CPython accepting it.

mod common;

use std::fs;
use std::path::Path;

use common::{NASTY_DIR, interpreter, nasty_venv, query, run, stdout_of};
use den_python::Interpreter;
use den_test_support::{pyenv_versions, require};
use den_venv::{Prompt, VenvError, VenvOptions, create_venv};

fn options() -> VenvOptions {
    VenvOptions {
        den_version: "9.8.7".to_string(),
        ..VenvOptions::default()
    }
}

/// [`options`] with `clear`: an existing directory's contents are removed first.
fn cleared() -> VenvOptions {
    VenvOptions {
        clear: true,
        ..options()
    }
}

/// The preferred test interpreter and a fresh temporary directory, or `None` (reported, a
/// failure under `DEN_TEST_REQUIRE_ALL=1`) when there is no interpreter.
fn interpreter_and_temp() -> Option<(Interpreter, tempfile::TempDir)> {
    Some((interpreter()?, tempfile::tempdir().unwrap()))
}

/// The `sys.prefix` the environment's `python` reports (first line of [`python_report`]).
fn reported_prefix(python: &Path) -> String {
    python_report(python).lines().next().unwrap().to_string()
}

/// `sys.prefix` and the site-packages directories as the environment's python reports them.
fn python_report(python: &Path) -> String {
    stdout_of(&run(
        python,
        &[
            "-c",
            "import site, sys; print(sys.prefix); print(sys.base_prefix); print(site.getsitepackages()[0])",
        ],
        &[],
    ))
}

#[test]
fn creates_a_layout_cpython_accepts() {
    let Some((interpreter, temp)) = interpreter_and_temp() else {
        return;
    };
    let venv = nasty_venv(&interpreter, &temp, &options());

    assert_eq!(venv.root, temp.path().join("my envs").join(NASTY_DIR));
    assert_eq!(venv.python, venv.root.join("bin/python"));
    assert_eq!(venv.prompt, NASTY_DIR);
    let (major, minor) = interpreter.major_minor;
    assert_eq!(
        venv.site_packages,
        venv.root
            .join(format!("lib/python{major}.{minor}/site-packages"))
    );
    assert!(venv.site_packages.is_dir());

    // Symlinks to the real base executable, under every name venv uses.
    let real = fs::canonicalize(&interpreter.base_executable).unwrap();
    for name in ["python", "python3", &format!("python{major}.{minor}")] {
        let link = venv.scripts.join(name);
        assert_eq!(fs::read_link(&link).unwrap(), real, "{name}");
    }
    assert_eq!(
        fs::read_link(venv.root.join("lib64")).unwrap(),
        Path::new("lib")
    );
    assert!(
        fs::read_to_string(venv.root.join(".gitignore"))
            .unwrap()
            .lines()
            .any(|l| l == "*")
    );
    assert!(
        fs::read_to_string(venv.root.join("CACHEDIR.TAG"))
            .unwrap()
            .starts_with("Signature: 8a477f597d28d172789f06886806bc55")
    );
    for script in [
        "activate",
        "activate.fish",
        "activate.csh",
        "activate.nu",
        "activate.ps1",
        "activate_this.py",
    ] {
        assert!(venv.scripts.join(script).is_file(), "{script}");
    }

    let cfg = fs::read_to_string(venv.root.join("pyvenv.cfg")).unwrap();
    let expected = format!(
        "home = {}\nimplementation = CPython\nversion_info = {}\ninclude-system-site-packages = false\nden = 9.8.7\n",
        real.parent().unwrap().display(),
        interpreter.version
    );
    assert_eq!(cfg, expected);

    // CPython itself takes the directory as an environment (PEP 405 sys.prefix).
    let report = python_report(&venv.python);
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines[0], venv.root.to_str().unwrap());
    assert_ne!(lines[1], lines[0]);
    assert_eq!(lines[2], venv.site_packages.to_str().unwrap());

    let scheme = venv.scheme();
    assert_eq!(scheme.purelib, venv.site_packages);
    assert_eq!(scheme.scripts, venv.scripts);
    assert_eq!(scheme.data, venv.root);
}

#[test]
fn copies_the_interpreter_when_asked() {
    let Some((interpreter, temp)) = interpreter_and_temp() else {
        return;
    };
    let venv = nasty_venv(
        &interpreter,
        &temp,
        &VenvOptions {
            copies: true,
            ..options()
        },
    );
    let metadata = fs::symlink_metadata(&venv.python).unwrap();
    assert!(
        metadata.file_type().is_file(),
        "bin/python is not a regular file"
    );
    assert_eq!(reported_prefix(&venv.python), venv.root.to_str().unwrap());

    // Recreating with symlinks over the copies replaces them without touching the base.
    let again = nasty_venv(&interpreter, &temp, &options());
    assert!(
        fs::symlink_metadata(&again.python)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn prompt_and_system_site_packages_are_recorded() {
    let Some((interpreter, temp)) = interpreter_and_temp() else {
        return;
    };
    let opts = VenvOptions {
        prompt: Prompt::Named("my $prompt".to_string()),
        system_site_packages: true,
        ..options()
    };
    let venv = create_venv(&interpreter, &temp.path().join("env"), &opts).unwrap();
    assert_eq!(venv.prompt, "my $prompt");
    let cfg = fs::read_to_string(venv.root.join("pyvenv.cfg")).unwrap();
    assert!(
        cfg.contains("include-system-site-packages = true\n"),
        "{cfg}"
    );
    assert!(cfg.contains("prompt = my $prompt\n"), "{cfg}");

    let cwd_named = create_venv(
        &interpreter,
        &temp.path().join("env2"),
        &VenvOptions {
            prompt: Prompt::CurrentDirName,
            ..options()
        },
    )
    .unwrap();
    let cwd = std::env::current_dir().unwrap();
    assert_eq!(cwd_named.prompt, cwd.file_name().unwrap().to_str().unwrap());

    let err = create_venv(
        &interpreter,
        &temp.path().join("env3"),
        &VenvOptions {
            prompt: Prompt::Named("two\nlines".to_string()),
            ..options()
        },
    )
    .unwrap_err();
    assert!(matches!(err, VenvError::InvalidPrompt { .. }), "{err}");
}

#[test]
fn refuses_a_directory_that_is_not_an_environment_unless_clear() {
    let Some((interpreter, temp)) = interpreter_and_temp() else {
        return;
    };
    let target = temp.path().join("project");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("precious.txt"), "data").unwrap();

    let err = create_venv(&interpreter, &target, &options()).unwrap_err();
    assert!(matches!(err, VenvError::NotAnEnvironment { .. }), "{err}");
    assert!(err.to_string().contains("--clear"), "{err}");
    assert!(target.join("precious.txt").exists());

    let file = temp.path().join("file");
    fs::write(&file, "x").unwrap();
    let err = create_venv(&interpreter, &file, &options()).unwrap_err();
    assert!(matches!(err, VenvError::NotADirectory { .. }), "{err}");

    // An empty directory is fine.
    let empty = temp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    create_venv(&interpreter, &empty, &options()).unwrap();

    create_venv(&interpreter, &target, &cleared()).unwrap();
    assert!(!target.join("precious.txt").exists());
    assert!(target.join("pyvenv.cfg").is_file());
}

#[test]
fn existing_environment_keeps_packages_unless_clear() {
    let Some((interpreter, temp)) = interpreter_and_temp() else {
        return;
    };
    let target = temp.path().join("env");
    let venv = create_venv(&interpreter, &target, &options()).unwrap();
    let package = venv.site_packages.join("mypkg.py");
    fs::write(&package, "x = 1\n").unwrap();

    create_venv(&interpreter, &target, &options()).unwrap();
    assert!(
        package.exists(),
        "updating an environment lost its packages"
    );

    create_venv(&interpreter, &target, &cleared()).unwrap();
    assert!(!package.exists(), "--clear kept a package");
    assert!(venv.site_packages.is_dir());
}

#[test]
fn an_existing_environment_is_updated_under_its_lock() {
    let Some((interpreter, temp)) = interpreter_and_temp() else {
        return;
    };
    let target = temp.path().join("env");
    let venv = create_venv(&interpreter, &target, &options()).unwrap();
    // Another den process changing the environment holds its lock.
    let held = den_cache::try_lock_directory(&venv.site_packages)
        .unwrap()
        .expect("the lock is free");
    let update = std::thread::spawn(move || create_venv(&interpreter, &target, &options()));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        !update.is_finished(),
        "the update did not wait for the lock"
    );
    drop(held);
    update.join().unwrap().unwrap();
}

#[test]
fn an_environment_of_another_python_version_is_refused_unless_clear() {
    let Some((interpreter, temp)) = interpreter_and_temp() else {
        return;
    };
    let target = temp.path().join("env");
    let venv = create_venv(&interpreter, &target, &options()).unwrap();
    let package = venv.site_packages.join("mypkg.py");
    fs::write(&package, "x = 1\n").unwrap();
    let mut other = interpreter.clone();
    other.major_minor = (other.major_minor.0, other.major_minor.1 + 1);
    other.version = format!("{}.{}.0", other.major_minor.0, other.major_minor.1)
        .parse()
        .unwrap();
    let err = create_venv(&other, &target, &options()).unwrap_err();
    assert!(matches!(err, VenvError::OtherPythonVersion { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("--clear"), "{message}");
    assert!(
        message.contains(&interpreter.version.to_string()),
        "{message}"
    );
    assert!(package.exists());
    let cfg = fs::read_to_string(target.join("pyvenv.cfg")).unwrap();
    assert!(cfg.contains(&interpreter.version.to_string()), "{cfg}");
}

#[test]
fn rejects_old_and_unknown_interpreters() {
    let Some((interpreter, temp)) = interpreter_and_temp() else {
        return;
    };
    let mut old = interpreter.clone();
    old.major_minor = (3, 7);
    let err = create_venv(&old, &temp.path().join("a"), &options()).unwrap_err();
    assert!(matches!(err, VenvError::UnsupportedPython { .. }), "{err}");
    assert!(err.to_string().contains("3.8"), "{err}");

    let mut other = interpreter.clone();
    other.implementation_display = "Jython".to_string();
    let err = create_venv(&other, &temp.path().join("b"), &options()).unwrap_err();
    assert!(matches!(err, VenvError::UnsupportedPython { .. }), "{err}");
    assert!(
        !temp.path().join("a").exists(),
        "a refused environment left files behind"
    );
}

#[test]
fn environment_from_an_environment_points_at_the_real_base() {
    let Some((interpreter, temp)) = interpreter_and_temp() else {
        return;
    };
    for copies in [false, true] {
        let first = create_venv(
            &interpreter,
            &temp.path().join(format!("first-{copies}")),
            &VenvOptions {
                copies,
                ..options()
            },
        )
        .unwrap();
        let inner = query(&first.python);
        let second = create_venv(
            &inner,
            &temp.path().join(format!("second-{copies}")),
            &options(),
        )
        .unwrap();
        assert_eq!(
            second.base_executable, first.base_executable,
            "copies = {copies}"
        );
        assert_eq!(
            reported_prefix(&second.python),
            second.root.to_str().unwrap()
        );
    }
}

#[test]
fn activate_this_activates_inside_a_running_interpreter() {
    let Some((interpreter, temp)) = interpreter_and_temp() else {
        return;
    };
    let venv = nasty_venv(&interpreter, &temp, &options());
    let script = venv.scripts.join("activate_this.py");
    let code = "import os, sys\n\
        path = sys.argv[1]\n\
        exec(open(path).read(), {'__file__': path})\n\
        print(sys.prefix)\n\
        print(os.environ['VIRTUAL_ENV'])\n\
        print(os.environ['VIRTUAL_ENV_PROMPT'])\n\
        print(os.environ['PATH'].split(os.pathsep)[0])\n\
        print(sys.path[0])\n";
    let base = fs::canonicalize(&interpreter.base_executable).unwrap();
    let out = stdout_of(&run(&base, &["-c", code, script.to_str().unwrap()], &[]));
    let lines: Vec<&str> = out.lines().collect();
    let root = venv.root.to_str().unwrap();
    assert_eq!(
        lines,
        [
            root,
            root,
            NASTY_DIR,
            venv.scripts.to_str().unwrap(),
            venv.site_packages.to_str().unwrap(),
        ]
    );
}

#[test]
fn every_installed_pyenv_version_accepts_its_environment() {
    let versions = pyenv_versions();
    let Some(versions) = require(
        (!versions.is_empty()).then_some(versions),
        "pyenv's Python versions",
        "environments of every installed pyenv version",
    ) else {
        return;
    };
    let temp = tempfile::tempdir().unwrap();
    for (version, prefix) in versions {
        let mut parts = version.split('.');
        let (Some(major), Some(minor)) = (parts.next(), parts.next()) else {
            continue;
        };
        let interpreter = query(&prefix.join(format!("bin/python{major}.{minor}")));
        let result = create_venv(&interpreter, &temp.path().join(&version), &options());
        if interpreter.major_minor < (3, 8) {
            assert!(
                matches!(result, Err(VenvError::UnsupportedPython { .. })),
                "{version}"
            );
            continue;
        }
        let venv = result.unwrap();
        assert_eq!(
            reported_prefix(&venv.python),
            venv.root.to_str().unwrap(),
            "{version}"
        );
    }
}

#[test]
fn pypy_layout() {
    // No PyPy on the test machine: a CPython dressed as PyPy exercises the layout.
    let Some((interpreter, temp)) = interpreter_and_temp() else {
        return;
    };
    let mut pypy = interpreter.clone();
    pypy.implementation_display = "PyPy".to_string();
    pypy.major_minor = (3, 10);
    let venv = create_venv(&pypy, &temp.path().join("pypy"), &options()).unwrap();
    assert_eq!(
        venv.site_packages,
        venv.root.join("lib/pypy3.10/site-packages")
    );
    assert!(venv.site_packages.is_dir());
    for name in [
        "python",
        "python3",
        "python3.10",
        "pypy",
        "pypy3",
        "pypy3.10",
    ] {
        assert!(
            fs::symlink_metadata(venv.scripts.join(name)).is_ok(),
            "{name}"
        );
    }
    let cfg = fs::read_to_string(venv.root.join("pyvenv.cfg")).unwrap();
    assert!(cfg.contains("implementation = PyPy\n"), "{cfg}");

    pypy.major_minor = (3, 7);
    let old = create_venv(&pypy, &temp.path().join("pypy37"), &options()).unwrap();
    assert_eq!(old.site_packages, old.root.join("site-packages"));
}

#[test]
fn activation_scripts_can_be_rewritten_after_a_move() {
    let Some((interpreter, temp)) = interpreter_and_temp() else {
        return;
    };
    let old = temp.path().join("old");
    let env = create_venv(&interpreter, &old, &options()).unwrap();
    let new = temp.path().join("new place");
    fs::rename(&old, &new).unwrap();
    let site_packages = new.join(env.site_packages.strip_prefix(&old).unwrap());
    den_venv::write_activation_scripts(&new, "renamed", &site_packages).unwrap();
    for script in ["activate", "activate.fish", "activate.csh", "activate.nu"] {
        let text = fs::read_to_string(new.join("bin").join(script)).unwrap();
        assert!(text.contains("new place"), "{script} names the new root");
        assert!(
            !text.contains(old.to_str().unwrap()),
            "{script} names the old root"
        );
        assert!(text.contains("renamed"), "{script} shows the new prompt");
    }
    let outside = temp.path().join("elsewhere");
    assert!(matches!(
        den_venv::write_activation_scripts(&new, "x", &outside),
        Err(VenvError::SitePackagesOutsideRoot { .. })
    ));
    assert!(matches!(
        den_venv::write_activation_scripts(&new, "a\nb", &site_packages),
        Err(VenvError::InvalidPrompt { .. })
    ));
}
