//! Issue 13, "nothing crashes": inputs that made den panic (exit 101) or abort (a stack
//! overflow, exit 134) give an error naming the place at fault, and a closed stdout or stderr
//! never turns a finished command into a crash.

use std::fs;
use std::path::Path;
use std::process::{Child, Output, Stdio};

use den_test_support::WheelBuilder;

mod common;

use common::{World, den_command, tree};

/// Asserts `out` is an ordinary failure (exit 1, no panic) whose stderr holds every `needle`;
/// returns stderr.
fn fails_cleanly(what: &str, out: &Output, needles: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{what}: no `{needle}` in {stderr}");
    }
    stderr
}

/// Asserts `out` succeeded without a panic; returns (stdout, stderr).
fn succeeds(what: &str, out: &Output) -> (String, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{what}: {stdout}{stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    (stdout, stderr)
}

/// Requirement texts that crashed pep508_rs 0.9.2, with a part of den's error for each.
fn crashing_requirements() -> Vec<(String, &'static str)> {
    vec![
        ("foo-é".to_string(), "non-ASCII character `é`"),
        ("foo-é>=1".to_string(), "non-ASCII character `é`"),
        ("pkg[a é".to_string(), "found `é`"),
        ("pkg[a-]".to_string(), "must end with an alphanumeric"),
        (
            "foo; python_version == '3' é".to_string(),
            "Unexpected character `é`",
        ),
        (
            format!("foo; {}", "(".repeat(20_000)),
            "more than 100 levels deep",
        ),
    ]
}

#[test]
fn crashing_requirement_arguments_and_lines_are_errors() {
    let Some(world) = World::new() else { return };
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    // `den pip install --dry-run --no-index -p env ARGS...`.
    let dry_run = |args: &[&str]| {
        let mut full = vec!["pip", "install", "--dry-run", "--no-index", "-p", env_arg];
        full.extend_from_slice(args);
        world.den(&full)
    };
    for (text, message) in crashing_requirements() {
        let out = dry_run(&[&text]);
        fails_cleanly(
            &text,
            &out,
            &["command line: invalid requirement `", message],
        );
        fs::write(world.path("req.txt"), format!("beta\n{text}\n")).unwrap();
        let out = dry_run(&["-r", "req.txt"]);
        fails_cleanly(&text, &out, &["req.txt:2: invalid requirement `", message]);
        let out = world.den(&["pip", "compile", "req.txt"]);
        fails_cleanly(&text, &out, &["req.txt:2: invalid requirement `", message]);
    }
    // Control characters in the requirement are shown escaped, not sent to the terminal.
    let out = dry_run(&["foo\u{1b}[2J>=1"]);
    let stderr = fails_cleanly("escape", &out, &["`foo\\u{1b}[2J>=1`"]);
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
}

#[test]
fn a_wheel_whose_metadata_crashed_the_parser_is_an_error() {
    let Some(world) = World::new() else { return };
    world.index.publish(&WheelBuilder::new("beta", "1.0"));
    world
        .index
        .publish(&WheelBuilder::new("bad", "1.0").requires_dist("foo-é"));
    world.index.publish(
        &WheelBuilder::new("deep", "1.0").requires_dist(&format!("beta; {}", "(".repeat(20_000))),
    );
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    let before = tree(&env);
    for (project, needle) in [("bad", "foo-é"), ("deep", "more than 100 levels deep")] {
        let out = world.den(&["pip", "install", "-p", env_arg, project]);
        fails_cleanly(project, &out, &["Requires-Dist", needle]);
        assert_eq!(tree(&env), before, "{project}: the environment changed");
        fs::write(world.path("requirements.in"), format!("{project}\n")).unwrap();
        let out = world.den(&["pip", "compile", "requirements.in"]);
        fails_cleanly(project, &out, &["Requires-Dist", needle]);
    }
}

/// Writes `broken-1.0.dist-info` (METADATA with a `Requires-Dist` pep508_rs crashed on, a
/// RECORD) and its module into `site_packages`.
fn install_broken(site_packages: &Path) {
    let dist_info = site_packages.join("broken-1.0.dist-info");
    fs::create_dir_all(&dist_info).unwrap();
    fs::write(
        dist_info.join("METADATA"),
        "Metadata-Version: 2.1\nName: broken\nVersion: 1.0\nRequires-Dist: foo-é\n",
    )
    .unwrap();
    fs::write(dist_info.join("INSTALLER"), "pip\n").unwrap();
    fs::write(site_packages.join("broken.py"), "").unwrap();
    fs::write(
        dist_info.join("RECORD"),
        "broken.py,,\nbroken-1.0.dist-info/METADATA,,\nbroken-1.0.dist-info/INSTALLER,,\n\
         broken-1.0.dist-info/RECORD,,\n",
    )
    .unwrap();
}

#[test]
fn an_installed_distribution_with_bad_metadata_is_skipped_and_can_be_removed() {
    let Some(world) = World::new() else { return };
    world
        .index
        .publish(&WheelBuilder::new("alpha", "1.0").requires_dist("beta"));
    world.index.publish(&WheelBuilder::new("beta", "1.0"));
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "alpha"]);
    let before = tree(&env);
    let site_packages = fs::read_dir(env.join("lib"))
        .unwrap()
        .map(|entry| entry.unwrap().path().join("site-packages"))
        .find(|path| path.is_dir())
        .unwrap();
    install_broken(&site_packages);
    let metadata = site_packages.join("broken-1.0.dist-info").join("METADATA");
    let warning = metadata.display().to_string();

    let (list, stderr) = succeeds("list", &world.den(&["pip", "list", "-p", env_arg]));
    assert!(list.contains("alpha"), "{list}");
    assert!(stderr.contains(&warning), "list names the file: {stderr}");
    let (freeze, stderr) = succeeds("freeze", &world.den(&["pip", "freeze", "-p", env_arg]));
    assert!(freeze.contains("alpha==1.0\n"), "{freeze}");
    assert!(stderr.contains(&warning), "freeze names the file: {stderr}");
    let (show, stderr) = succeeds("show", &world.den(&["pip", "show", "-p", env_arg, "beta"]));
    assert!(show.contains("Required-by: alpha"), "{show}");
    assert!(stderr.contains(&warning), "show names the file: {stderr}");
    // The broken distribution itself shows what its directory name says, as list does.
    let (show, _) = succeeds(
        "show",
        &world.den(&["pip", "show", "-p", env_arg, "broken"]),
    );
    assert!(show.starts_with("Name: broken\nVersion: 1.0\n"), "{show}");
    // A file named like a .dist-info is not a distribution, and breaks nothing.
    fs::write(site_packages.join("stray-1.0.dist-info"), "").unwrap();
    let (list, _) = succeeds("list", &world.den(&["pip", "list", "-p", env_arg]));
    assert!(!list.contains("stray"), "{list}");
    fs::remove_file(site_packages.join("stray-1.0.dist-info")).unwrap();
    let (tree_out, stderr) = succeeds("tree", &world.den(&["pip", "tree", "-p", env_arg]));
    assert!(tree_out.contains("alpha v1.0"), "{tree_out}");
    assert!(stderr.contains(&warning), "tree names the file: {stderr}");
    // pip check reports the distribution it cannot read (and fails, as pip does).
    let out = world.den(&["pip", "check", "-p", env_arg]);
    let message = fails_cleanly(
        "check",
        &out,
        &["Error parsing dependencies of broken: ", &warning],
    );
    assert!(!message.contains("WARNING"), "one prefix, den's: {message}");

    let out = world.den(&["pip", "uninstall", "-y", "-p", env_arg, "broken"]);
    succeeds("uninstall", &out);
    assert_eq!(tree(&env), before, "uninstall left files of `broken`");
}

/// Spawns `den args` with stdout and stderr piped, closes the reading ends at once (as `| head`
/// or `| true` do) and waits.
fn with_closed_pipes(world: &World, env: Option<&Path>, args: &[&str]) -> std::process::ExitStatus {
    let mut command = den_command(&world.path("cache"), &world.index.url());
    command
        .args(args)
        .current_dir(world.dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(env) = env {
        command.env("VIRTUAL_ENV", env);
    }
    let mut child: Child = command.spawn().unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    child.wait().unwrap()
}

#[test]
fn closed_stdout_and_stderr_never_crash() {
    let Some(world) = World::new() else { return };
    world.index.publish(&WheelBuilder::new("beta", "1.0"));
    let python = world.python.to_str().unwrap();
    let status = with_closed_pipes(
        &world,
        None,
        &["venv", "env", "-p", python, "--without-pip"],
    );
    assert_eq!(status.code(), Some(0), "venv: {status}");
    let env = world.path("env");
    let env_arg = env.to_str().unwrap();
    // Status lines, a warning (`-v` adds log lines) and results, each into a closed pipe.
    for args in [
        vec!["pip", "install", "-v", "-p", env_arg, "beta"],
        vec!["pip", "list", "-p", env_arg],
        vec!["pip", "freeze", "-p", env_arg],
        vec!["pip", "show", "-p", env_arg, "beta", "missing"],
        vec!["pip", "uninstall", "-y", "-p", env_arg, "beta"],
    ] {
        let status = with_closed_pipes(&world, None, &args);
        assert_ne!(status.code(), Some(101), "den {args:?} panicked");
        assert!(status.code().is_some(), "den {args:?} was killed: {status}");
    }
    // A failure still exits 1, not 101, when its error cannot be printed.
    let status = with_closed_pipes(&world, Some(&env), &["pip", "install", "foo-é"]);
    assert_eq!(status.code(), Some(1), "{status}");
}
