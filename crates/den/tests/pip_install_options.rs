//! pip's install options beside the real pip 26 on the loopback index: `--root`,
//! `--target` over an existing directory, `--upgrade-strategy eager`, the target-Python
//! options (`--platform`, `--python-version`...), `--break-system-packages` without an
//! environment, and pip's words for options den refuses or does not know; `--progress-bar off`
//! on a terminal; `uninstall --root-user-action`, `freeze -r`, `list --include-editable`;
//! `--log FILE`, `--no-proxy-env`, `--refresh-package`, `--no-require-hashes`,
//! `--requirements-from-script`, `--only-deps`, `--all-releases`/`--only-final`,
//! `--uploaded-prior-to`; pip's "Requirement already satisfied" lines.

use std::path::Path;
use std::process::{Command, Output};

use den_test_support::{SdistBuilder, TestIndex, WheelBuilder};

mod common;

use common::{World, tree};

fn publish(index: &TestIndex) {
    index.publish(
        &WheelBuilder::new("alpha", "1.0")
            .requires_dist("beta>=1.0")
            .file("alpha/__init__.py", b"__version__ = '1.0'\n")
            .console_script("alpha-cli", "alpha:main"),
    );
    index.publish(&WheelBuilder::new("beta", "1.0").file("beta.py", b""));
    index.publish(&WheelBuilder::new("beta", "2.0").file("beta.py", b""));
    index.publish(&WheelBuilder::new("native", "1.0").tag("cp312-cp312-win_amd64"));
}

/// The real pip 26 set to run `pip ARGS` for the environment `env` (its `--python`) in the
/// world's directory, with the world's index and no configuration; `None` (reported as what
/// goes `unchecked`) without it.
fn pip26_command(world: &World, env: &Path, args: &[&str], unchecked: &str) -> Option<Command> {
    let pip26 = den_test_support::pip26_python(unchecked)?;
    let (command, rest) = args.split_first()?;
    let mut pip = common::pip26(&pip26, env, command);
    if matches!(*command, "install" | "download" | "wheel" | "lock") {
        pip.args(["--no-cache-dir", "--index-url", &world.index.url()]);
    }
    pip.args(rest)
        .current_dir(world.dir.path())
        .env_remove("PIP_FIND_LINKS")
        .env_remove("PIP_BREAK_SYSTEM_PACKAGES");
    Some(pip)
}

/// What [`pip26_command`] outputs for pip's install options.
fn pip26(world: &World, env: &Path, args: &[&str]) -> Option<Output> {
    let unchecked = "pip's install options judged by the real pip";
    Some(
        pip26_command(world, env, args, unchecked)?
            .output()
            .unwrap(),
    )
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Files of `root`, without the installer's own bookkeeping (which names the installer).
fn files(root: &Path) -> Vec<String> {
    tree(root)
        .into_iter()
        .filter(|path| !path.ends_with("/INSTALLER") && !path.ends_with("/RECORD"))
        .collect()
}

#[test]
fn root_reroots_the_environment_and_reads_what_it_has_installed() {
    let Some(world) = World::new() else { return };
    publish(&world.index);
    let env = world.env_with("env", &["beta==1.0"]);
    let env_arg = env.to_str().unwrap();
    // `--root` is pip's option, not an abbreviation of --root-user-action.
    let out = world.den_ok(&[
        "pip", "install", "-p", env_arg, "--root", "den-root", "alpha",
    ]);
    assert!(out.contains("Successfully installed alpha-1.0"), "{out}");
    let Some(pip) = pip26(&world, &env, &["install", "--root", "pip-root", "alpha"]) else {
        return;
    };
    assert!(pip.status.success(), "{pip:?}");
    // beta 1.0 is installed in the environment: neither installs it below the root.
    assert_eq!(
        files(&world.path("den-root")),
        files(&world.path("pip-root"))
    );
    let inside = env.strip_prefix("/").unwrap();
    assert!(
        world
            .path("den-root")
            .join(inside)
            .join("bin/alpha-cli")
            .is_file()
    );
    assert_eq!(
        world.den_ok(&["pip", "freeze", "-p", env_arg]),
        "beta==1.0\n",
        "the environment itself is not changed"
    );
}

/// The warnings of an install into the `--target` directory `dir`, with `dir` written `T`,
/// sorted (pip moves entries in the directory's order), leaving out pip's bytecode directory
/// (den compiles only with --compile).
fn target_warnings(out: &Output, dir: &Path) -> Vec<String> {
    assert!(out.status.success(), "{out:?}");
    let mut warnings: Vec<String> = text(&out.stderr)
        .lines()
        .filter(|line| line.starts_with("WARNING: Target directory"))
        .filter(|line| !line.contains("/__pycache__ "))
        .map(|line| line.replace(dir.to_str().unwrap(), "T"))
        .collect();
    warnings.sort();
    warnings
}

#[test]
fn target_keeps_what_is_there_unless_upgrade_as_pip_does() {
    let Some(world) = World::new() else { return };
    publish(&world.index);
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    let steps: [&[&str]; 3] = [&["alpha", "beta==1.0"], &["alpha"], &["-U", "alpha"]];
    let ours = world.path("den-target");
    let theirs = world.path("pip-target");
    for step in steps {
        let mut args = vec!["pip", "install", "-p", env_arg, "--target"];
        args.push(ours.to_str().unwrap());
        args.extend_from_slice(step);
        let den = target_warnings(&world.den(&args), &ours);
        let mut args = vec!["install", "--target", theirs.to_str().unwrap()];
        args.extend_from_slice(step);
        let Some(pip) = pip26(&world, &env, &args) else {
            return;
        };
        assert_eq!(den, target_warnings(&pip, &theirs), "{step:?}");
        assert_eq!(files(&ours), files(&theirs), "{step:?}");
    }
}

#[test]
fn eager_upgrades_the_dependencies_too() {
    let Some(world) = World::new() else { return };
    publish(&world.index);
    for (strategy, beta) in [("only-if-needed", "1.0"), ("eager", "2.0")] {
        let env = world.env_with(strategy, &["alpha==1.0", "beta==1.0"]);
        let env_arg = env.to_str().unwrap();
        let upgrade = ["-U", "--upgrade-strategy", strategy, "alpha"];
        let mut args = vec!["pip", "install", "-p", env_arg];
        args.extend_from_slice(&upgrade);
        world.den_ok(&args);
        let frozen = world.den_ok(&["pip", "freeze", "-p", env_arg]);
        assert_eq!(frozen, format!("alpha==1.0\nbeta=={beta}\n"), "{strategy}");
        let twin = world.env_with(&format!("{strategy}-pip"), &["alpha==1.0", "beta==1.0"]);
        let mut args = vec!["install"];
        args.extend_from_slice(&upgrade);
        let Some(pip) = pip26(&world, &twin, &args) else {
            return;
        };
        assert!(pip.status.success(), "{pip:?}");
        let theirs = world.den_ok(&["pip", "freeze", "-p", twin.to_str().unwrap()]);
        assert_eq!(frozen, theirs, "{strategy}");
    }
}

#[test]
fn target_python_options_resolve_for_that_platform_into_target() {
    let Some(world) = World::new() else { return };
    publish(&world.index);
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    let options = [
        "--platform",
        "win_amd64",
        "--python-version",
        "3.12",
        "--only-binary=:all:",
        "native",
    ];
    let ours = world.path("den-target");
    let mut args = vec!["pip", "install", "-p", env_arg, "--target"];
    args.push(ours.to_str().unwrap());
    args.extend_from_slice(&options);
    world.den_ok(&args);
    assert!(ours.join("native-1.0.dist-info/METADATA").is_file());
    // pip's two refusals, in pip's order and words.
    let refusals: [(&[&str], &str); 2] = [
        (
            &["--platform", "win_amd64", "native"],
            "either --no-deps must be set, or --only-binary=:all: must be set",
        ),
        (
            &["--platform", "win_amd64", "--no-deps", "native"],
            "Can not use any platform or abi specific options unless installing via '--target' or using '--dry-run'",
        ),
    ];
    for (refused, message) in refusals {
        let mut args = vec!["pip", "install", "-p", env_arg];
        args.extend_from_slice(refused);
        assert!(world.den_err(&args).contains(message), "{refused:?}");
    }
    let theirs = world.path("pip-target");
    let mut args = vec!["install", "--target", theirs.to_str().unwrap()];
    args.extend_from_slice(&options);
    let Some(pip) = pip26(&world, &env, &args) else {
        return;
    };
    assert!(pip.status.success(), "{pip:?}");
    assert_eq!(files(&ours), files(&theirs));
    for (refused, message) in refusals {
        let mut args = vec!["install"];
        args.extend_from_slice(refused);
        let pip = pip26(&world, &env, &args).unwrap();
        assert!(text(&pip.stderr).contains(message), "{pip:?}");
    }
}

#[test]
fn break_system_packages_without_an_environment_means_the_python_on_path() {
    let Some(world) = World::new() else { return };
    publish(&world.index);
    let bin = world.path("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(&world.python, bin.join("python3")).unwrap();
    let elsewhere = world.path("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let den = |extra: &[&str]| {
        let mut command = common::den_command(&world.path("cache"), &world.index.url());
        command
            .args(["pip", "install", "--dry-run", "beta"])
            .args(extra)
            .env("PATH", &bin)
            .env_remove("PIP_BREAK_SYSTEM_PACKAGES")
            .current_dir(&elsewhere)
            .output()
            .unwrap()
    };
    let refused = den(&[]);
    assert!(
        text(&refused.stderr).contains("no virtual environment found"),
        "{refused:?}"
    );
    let out = den(&["--break-system-packages"]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        text(&out.stdout).contains("Would install beta-2.0"),
        "{out:?}"
    );
    // The real pip, run by that interpreter, installs into it.
    let pip = Command::new(&world.python)
        .args([
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--break-system-packages",
        ])
        .args(["--index-url", &world.index.url(), "beta"])
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env_remove("PIP_FIND_LINKS")
        .output()
        .unwrap();
    assert!(
        text(&pip.stdout).contains("Would install beta-2.0"),
        "{pip:?}"
    );
}

/// The stderr line of `out` that starts with `start`.
fn line_starting(out: &Output, start: &str) -> Option<String> {
    text(&out.stderr)
        .lines()
        .find(|line| line.starts_with(start))
        .map(str::to_string)
}

#[test]
fn options_den_refuses_or_does_not_know_get_pips_words() {
    let Some(world) = World::new() else { return };
    publish(&world.index);
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    for (option, said) in [
        (
            "--no-b",
            "ambiguous option: --no-b (--no-binary, --no-build-isolation?)",
        ),
        ("--install-option=x", "no such option: --install-option"),
        ("--global-option=x", "no such option: --global-option"),
        ("--no-use-pep517", "no such option: --no-use-pep517"),
        ("--frobnicate", "no such option: --frobnicate"),
    ] {
        let out = world.den(&["pip", "install", "-p", env_arg, option, "beta"]);
        assert_eq!(out.status.code(), Some(2), "{option}: {out:?}");
        assert_eq!(line_starting(&out, said).as_deref(), Some(said), "{out:?}");
        let Some(pip) = pip26(&world, &env, &["install", option, "beta"]) else {
            continue;
        };
        assert_eq!(pip.status.code(), Some(2), "{option}: {pip:?}");
        assert_eq!(line_starting(&pip, said).as_deref(), Some(said), "{pip:?}");
    }
    // pip 26's --uploaded-prior-to is taken, and with an index that publishes no upload
    // times (this one's HTML and JSON pages here) it fails as pip's does.
    let said = "does not provide upload-time metadata.";
    let err = world.den_err(&[
        "pip",
        "install",
        "-p",
        env_arg,
        "--uploaded-prior-to",
        "P3D",
        "beta",
    ]);
    let page = format!("Index {}beta/ {said}", world.index.url());
    assert!(err.contains(&page), "{err}");
    if let Some(pip) = pip26(
        &world,
        &env,
        &["install", "--uploaded-prior-to", "P3D", "beta"],
    ) {
        assert_eq!(pip.status.code(), Some(1), "{pip:?}");
        assert!(text(&pip.stderr).contains(&page), "{pip:?}");
    }
    // A removed option's name as another option's value is that value, as pip reads it.
    for config in [
        &["-C", "--build-option=--x"][..],
        &["--config-sett", "--build-option=x"],
    ] {
        let mut args = vec!["pip", "install", "-p", env_arg];
        args.extend(config);
        args.push("beta");
        let out = world.den(&args);
        assert!(out.status.success(), "{config:?}: {out:?}");
        let mut pip_args = vec!["install"];
        pip_args.extend(config);
        pip_args.push("beta");
        if let Some(pip) = pip26(&world, &env, &pip_args) {
            assert!(pip.status.success(), "{config:?}: {pip:?}");
        }
    }
    // Options that change nothing in den are accepted and named with -v.
    let out = world.den(&[
        "pip",
        "install",
        "-v",
        "-p",
        env_arg,
        "--no-clean",
        "--check-build-dependencies",
        "beta",
    ]);
    assert!(out.status.success(), "{out:?}");
    for option in ["--no-clean", "--check-build-dependencies"] {
        let said = format!("{option}: pip's option, accepted; it changes nothing in den");
        assert!(text(&out.stderr).contains(&said), "{option}: {out:?}");
    }
    // pip's general --trusted-host is taken by the commands that ask no index too.
    for command in [
        &["freeze", "-p", env_arg][..],
        &["check", "-p", env_arg],
        &["inspect", "-p", env_arg],
        &["show", "-p", env_arg, "beta"],
        &["cache", "dir"],
        &["config", "list"],
    ] {
        let mut args = vec!["pip", "-v"];
        args.extend(command);
        args.extend(["--trusted-host", "example.org"]);
        let out = world.den(&args);
        assert!(out.status.success(), "{command:?}: {out:?}");
        let said = "--trusted-host: pip's option, accepted; it changes nothing in den";
        assert!(text(&out.stderr).contains(said), "{command:?}: {out:?}");
        let mut pip_args = vec![command[0], "--trusted-host", "example.org"];
        pip_args.extend(
            command[1..]
                .iter()
                .filter(|word| **word != "-p" && **word != env_arg),
        );
        if let Some(pip) = pip26(&world, &env, &pip_args) {
            assert!(pip.status.success(), "{command:?}: {pip:?}");
        }
    }
    // So are the ones download, wheel and lock share with install, as pip takes them there.
    let dest = world.path("wheelhouse");
    let dest_arg = dest.to_str().unwrap();
    let shared = [
        "--no-clean",
        "--check-build-dependencies",
        "--src=src",
        "--progress-bar=auto",
    ];
    for command in [
        &["download", "-d", dest_arg][..],
        &["wheel", "-w", dest_arg],
        &["lock", "-o", "-"],
    ] {
        let mut args = vec!["pip"];
        args.extend(command);
        args.extend(["-v", "-p", env_arg]);
        args.extend(shared);
        args.push("beta");
        let out = world.den(&args);
        assert!(out.status.success(), "{command:?}: {out:?}");
        for option in shared {
            let name = option.split('=').next().unwrap();
            let said = format!("{name}: pip's option, accepted; it changes nothing in den");
            assert!(
                text(&out.stderr).contains(&said),
                "{command:?} {name}: {out:?}"
            );
        }
        let mut pip_args = command.to_vec();
        pip_args.extend(shared);
        pip_args.push("beta");
        if let Some(pip) = pip26(&world, &env, &pip_args) {
            assert!(pip.status.success(), "{command:?}: {pip:?}");
        }
    }
    let out = world.den(&[
        "pip",
        "uninstall",
        "-v",
        "-y",
        "-p",
        env_arg,
        "--root-user-action",
        "ignore",
        "beta",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out.stderr).contains("--root-user-action: pip's option, accepted"));
    let listed = world.den_ok(&[
        "pip",
        "list",
        "-p",
        env_arg,
        "--exclude-editable",
        "--include-editable",
    ]);
    assert!(listed.contains("Package"), "{listed}");
}

#[test]
fn freeze_r_follows_the_file_as_pip_does() {
    let Some(world) = World::new() else { return };
    publish(&world.index);
    let env = world.env_with("env", &["alpha==1.0", "beta==1.0"]);
    let file = world.path("requirements.txt");
    std::fs::write(
        &file,
        "# pinned\n--index-url http://example.invalid/simple\n\nBeta>=1 # the base\nmissing\nalpha\nbeta\n",
    )
    .unwrap();
    let args = ["freeze", "-r", file.to_str().unwrap()];
    let mut den_args = vec!["pip", "freeze", "-p", env.to_str().unwrap(), "-r"];
    den_args.push(file.to_str().unwrap());
    let ours = world.den(&den_args);
    assert!(ours.status.success(), "{ours:?}");
    let Some(theirs) = pip26(&world, &env, &args) else {
        return;
    };
    assert!(theirs.status.success(), "{theirs:?}");
    assert_eq!(text(&ours.stdout), text(&theirs.stdout));
    let warnings = |out: &Output| -> Vec<String> {
        text(&out.stderr)
            .lines()
            .filter(|line| line.starts_with("WARNING:"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(warnings(&ours), warnings(&theirs));
}

/// `--ignore-requires-python`: a release whose Requires-Python excludes the environment (in
/// its metadata and on the index page) is installed with it and refused without it, as the
/// real pip does.
#[test]
fn ignore_requires_python_installs_what_requires_python_would_refuse() {
    let Some(world) = World::new() else { return };
    world
        .index
        .publish(&WheelBuilder::new("future-only", "1.0").requires_python(">=3.99"));
    for (flag, installs) in [(None, false), (Some("--ignore-requires-python"), true)] {
        let name = if installs { "ignoring" } else { "checking" };
        let env = world.venv(name, true);
        let mut args = vec!["pip", "install", "-p", env.to_str().unwrap()];
        args.extend(flag);
        args.push("future-only");
        let ours = world.den(&args);
        assert_eq!(ours.status.success(), installs, "{flag:?}: {ours:?}");
        let twin = world.venv(&format!("{name}-pip"), true);
        let mut args = vec!["install"];
        args.extend(flag);
        args.push("future-only");
        let Some(pip) = pip26(&world, &twin, &args) else {
            return;
        };
        assert_eq!(pip.status.success(), installs, "pip {flag:?}: {pip:?}");
        let frozen = |env: &Path| world.den_ok(&["pip", "freeze", "-p", env.to_str().unwrap()]);
        assert_eq!(frozen(&env), frozen(&twin), "{flag:?}");
    }
}

/// `--report`: den's installation report says what the real pip 26's says of the same
/// resolution (each item's download info, flags and metadata as JSON, description included;
/// the environment), all but pip's own version and the items' order; `kw`'s metadata has keywords without a comma,
/// a header pip leaves out and a single-use field given twice.
#[test]
fn report_matches_pips() {
    let Some(world) = World::new() else { return };
    publish(&world.index);
    world.index.publish(
        &WheelBuilder::new("kw", "1.0")
            .metadata_header("Keywords", "one two  three")
            .metadata_header("X-Internal", "not pip's")
            .metadata_header("Summary", "a second summary"),
    );
    let Some((ours, theirs)) = reports(&world, &["alpha", "kw"]) else {
        return;
    };
    assert_eq!(ours, theirs);
}

/// `--report` for distributions built from source, an sdist on the index, a local sdist and
/// a project directory (whose `[project]` table den resolves with): each item's metadata is
/// the one its backend writes, body as `description`, as in the real pip 26's report; a
/// local wheel's is its `METADATA`, body included too.
#[test]
fn report_of_built_distributions_matches_pips() {
    let Some(world) = World::new() else { return };
    let described =
        |name: &str| SdistBuilder::new(name, "1.0").description("A longer\n\ndescription.\n");
    world
        .index
        .add_file(&described("gamma").build(&world.path("sdists")));
    let local = described("delta").build(&world.path("local"));
    let project = world.project_dir(&described("epsilon").project_table(), "epsilon");
    let wheel = WheelBuilder::new("zeta", "1.0").build(&world.path("local"));
    let requirements = [
        "gamma",
        local.to_str().unwrap(),
        project.to_str().unwrap(),
        wheel.to_str().unwrap(),
    ];
    let Some((ours, theirs)) = reports(&world, &requirements) else {
        return;
    };
    assert_eq!(ours, theirs);
    for item in ours["install"].as_array().unwrap() {
        assert!(item["metadata"]["description"].is_string(), "{item}");
    }
}

/// The installation reports of den and of the real pip 26 (`None`, reported, without it)
/// for a dry run installing `requirements` into a fresh environment, without pip's version
/// and with the items sorted by name (pip lists them in its resolver's order, den by name).
fn reports(world: &World, requirements: &[&str]) -> Option<(serde_json::Value, serde_json::Value)> {
    let env = world.venv("env", true);
    let report = |who: &str| world.path(&format!("{who}.json"));
    let args = ["--dry-run", "--ignore-installed", "--report"];
    let mut ours = vec!["pip", "install", "-p", env.to_str().unwrap()];
    ours.extend(args);
    let ours_file = report("den");
    ours.push(ours_file.to_str().unwrap());
    ours.extend(requirements);
    world.den_ok(&ours);
    let mut theirs = vec!["install"];
    theirs.extend(args);
    let theirs_file = report("pip");
    theirs.push(theirs_file.to_str().unwrap());
    theirs.extend(requirements);
    let pip = pip26(world, &env, &theirs)?;
    assert!(pip.status.success(), "{pip:?}");
    let read = |path: &Path| -> serde_json::Value {
        let mut report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        report.as_object_mut().unwrap().remove("pip_version");
        report["install"]
            .as_array_mut()
            .unwrap()
            .sort_by_key(|item| item["metadata"]["name"].as_str().unwrap().to_string());
        report
    };
    Some((read(&ours_file), read(&theirs_file)))
}

/// What is not installed is named as pip names it: uninstall's `WARNING: Skipping ... as it is
/// not installed.` (status 0), show's `WARNING: Package(s) not found: ...` (status 1), on
/// stderr and nothing on stdout, judged by the real pip.
#[test]
fn missing_projects_get_pips_warnings_and_statuses() {
    let Some(world) = World::new() else { return };
    publish(&world.index);
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    for args in [&["uninstall", "-y", "nothere"][..], &["show", "nothere"]] {
        let mut den_args = vec!["pip", args[0], "-p", env_arg];
        den_args.extend(&args[1..]);
        let ours = world.den(&den_args);
        let Some(theirs) = pip26(&world, &env, args) else {
            return;
        };
        assert_eq!(
            ours.status.code(),
            theirs.status.code(),
            "{args:?}: {ours:?}"
        );
        assert_eq!(text(&ours.stdout), text(&theirs.stdout), "{args:?}");
        let warning = |out: &Output| {
            text(&out.stderr)
                .lines()
                .find(|line| line.starts_with("WARNING:"))
                .map(str::to_string)
        };
        assert!(warning(&theirs).is_some(), "{theirs:?}");
        assert_eq!(warning(&ours), warning(&theirs), "{args:?}");
    }
}

/// `index versions` with pip's options, the same standard output as the real pip's: `--json`
/// (with the installed version), `--ignore-requires-python`, the target options, which
/// list what another platform could install, and the format control (`--only-binary`,
/// `--no-binary`, `--prefer-binary`), also for `list --outdated`.
#[test]
fn index_versions_takes_pips_options() {
    let Some(world) = World::new() else { return };
    publish(&world.index);
    world
        .index
        .publish(&WheelBuilder::new("native", "2.0").tag("cp312-cp312-manylinux_2_17_x86_64"));
    world
        .index
        .publish(&WheelBuilder::new("beta", "3.0").requires_python(">=3.99"));
    world
        .index
        .add_file(&SdistBuilder::new("beta", "2.5").build(&world.path("sdists")));
    let env = world.env_with("env", &["beta==1.0"]);
    let env_arg = env.to_str().unwrap();
    let Some(pip) = den_test_support::pip26_python("pip index versions judged by the real pip")
    else {
        return;
    };
    let versions = &["index", "versions"][..];
    let outdated = &["list", "--outdated", "--format", "json"][..];
    for (command, options) in [
        (versions, &["beta", "--json"][..]),
        (versions, &["beta", "--ignore-requires-python"]),
        (versions, &["beta"]),
        (
            versions,
            &[
                "native",
                "--platform",
                "win_amd64",
                "--python-version",
                "3.12",
            ],
        ),
        (
            versions,
            &[
                "native",
                "--json",
                "--platform",
                "manylinux_2_17_x86_64",
                "--python-version",
                "312",
            ],
        ),
        // pip's format control: which files count, for index versions and list -o.
        (versions, &["beta", "--only-binary", ":all:"]),
        (versions, &["beta", "--no-binary", "beta"]),
        (outdated, &[]),
        (outdated, &["--prefer-binary"]),
        (outdated, &["--only-binary", ":all:"]),
        (outdated, &["--no-binary", ":all:", "--only-binary", "beta"]),
    ] {
        let mut args = vec!["pip"];
        args.extend(command);
        args.extend(["-p", env_arg]);
        args.extend(options);
        let ours = world.den(&args);
        let theirs = Command::new(&pip)
            .args(["-m", "pip", "--disable-pip-version-check", "--python"])
            .arg(env.join("bin/python"))
            .args(command)
            .args(["--index-url", &world.index.url()])
            .args(options)
            .env("PIP_CONFIG_FILE", "/dev/null")
            .env_remove("PIP_FIND_LINKS")
            .output()
            .unwrap();
        assert!(theirs.status.success(), "{options:?}: {theirs:?}");
        assert!(ours.status.success(), "{options:?}: {ours:?}");
        assert_eq!(
            text(&ours.stdout),
            text(&theirs.stdout),
            "{command:?} {options:?}"
        );
    }
}

/// pip's `--log FILE`: created with its directory, appended to by each command, holding what
/// den printed (also its `-v` lines when not shown) and its log, each line timed; the terminal
/// gets what it gets without it. A file that cannot be opened stops den before it changes
/// anything.
#[test]
fn log_appends_a_verbose_log_as_pips_does() {
    let Some(world) = World::new() else { return };
    publish(&world.index);
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    let log = world.path("logs/pip/install.log");
    let log_arg = log.to_str().unwrap();
    let out = world.den(&["pip", "install", "-p", env_arg, "--log", log_arg, "beta"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text(&out.stdout), "Successfully installed beta-2.0\n");
    assert!(!text(&out.stderr).contains("den::output"), "{out:?}");
    let first = std::fs::read_to_string(&log).unwrap();
    assert!(first.contains("Successfully installed beta-2.0"), "{first}");
    // A -v line, not shown without -v.
    assert!(first.contains(&format!("environment {env_arg}")), "{first}");
    assert!(first.lines().all(|line| line.starts_with("20")), "{first}");
    assert!(!first.contains("pubgrub"), "{first}");
    let out = world.den(&[
        "pip",
        "--log",
        log_arg,
        "uninstall",
        "-y",
        "-p",
        env_arg,
        "beta",
    ]);
    assert!(out.status.success(), "{out:?}");
    let second = std::fs::read_to_string(&log).unwrap();
    assert!(second.starts_with(&first), "{second}");
    assert!(
        second.contains("Successfully uninstalled beta-2.0"),
        "{second}"
    );
    let blocked = world.path("not-a-directory");
    std::fs::write(&blocked, "").unwrap();
    let bad_log = blocked.join("install.log");
    let out = world.den(
        &["pip", "install", "-p", env_arg, "--log"]
            .into_iter()
            .chain([bad_log.to_str().unwrap(), "beta"])
            .collect::<Vec<_>>(),
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).contains("cannot open the log file"),
        "{out:?}"
    );
    let listed = world.den_ok(&["pip", "freeze", "-p", env_arg]);
    assert!(!listed.contains("beta"), "{listed}");
}

/// pip's `--no-proxy-env` (also `PIP_NO_PROXY_ENV`): the proxy variables are not read. With
/// `HTTP_PROXY` naming a port nothing listens on, the install fails through it, and succeeds
/// past it with the option.
#[test]
fn no_proxy_env_ignores_the_proxy_variables() {
    let Some(world) = World::new() else { return };
    publish(&world.index);
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    let install = |extra: &[&str], vars: &[(&str, &str)]| {
        let mut den = common::den_command(&world.path("cache"), &world.index.url());
        den.args(["pip", "install", "--retries", "0", "-p", env_arg])
            .args(extra)
            .arg("beta")
            .env("HTTP_PROXY", "http://127.0.0.1:9")
            .env("http_proxy", "http://127.0.0.1:9")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .envs(vars.iter().copied());
        den.output().unwrap()
    };
    let out = install(&[], &[]);
    assert!(!out.status.success(), "{out:?}");
    let out = install(&["--no-proxy-env"], &[]);
    assert!(out.status.success(), "{out:?}");
    world.den_ok(&["pip", "uninstall", "-y", "-p", env_arg, "beta"]);
    let out = install(&[], &[("PIP_NO_PROXY_ENV", "1")]);
    assert!(out.status.success(), "{out:?}");
}

/// pip's `--refresh-package NAMES`: only those projects' cached index pages are asked again,
/// so a version published since shows up for them alone (`:all:` is `--refresh`).
#[test]
fn refresh_package_revalidates_only_the_projects_named() {
    let Some(world) = World::new() else { return };
    world.index.publish(&WheelBuilder::new("gamma", "1.0"));
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "gamma"]);
    world.index.publish(&WheelBuilder::new("gamma", "2.0"));
    let installed = |world: &World| world.den_ok(&["pip", "freeze", "-p", env_arg]);
    world.den_ok(&["pip", "install", "-U", "-p", env_arg, "gamma"]);
    assert_eq!(
        installed(&world),
        "gamma==1.0\n",
        "the cached page is fresh"
    );
    world.den_ok(&[
        "pip",
        "install",
        "-U",
        "-p",
        env_arg,
        "--refresh-package",
        "beta",
        "gamma",
    ]);
    assert_eq!(installed(&world), "gamma==1.0\n");
    world.den_ok(&[
        "pip",
        "install",
        "-U",
        "-p",
        env_arg,
        "--refresh-package",
        "beta,Gamma",
        "gamma",
    ]);
    assert_eq!(installed(&world), "gamma==2.0\n");
    world.index.publish(&WheelBuilder::new("gamma", "3.0"));
    world.den_ok(&[
        "pip",
        "install",
        "-U",
        "-p",
        env_arg,
        "--refresh-package=:all:",
        "gamma",
    ]);
    assert_eq!(installed(&world), "gamma==3.0\n");
    let err = world.den_err(&[
        "pip",
        "install",
        "-U",
        "-p",
        env_arg,
        "--refresh-package",
        "no good",
        "gamma",
    ]);
    assert!(err.contains("--refresh-package: `no good`"), "{err}");
}

/// pip's `--no-require-hashes`: a `--hash` line does not turn hash-checking mode on, so an
/// unpinned line without one installs beside it (as with the real pip 26); the hash given is
/// still checked.
#[test]
fn no_require_hashes_keeps_the_mode_off_but_checks_the_hashes_given() {
    let Some(world) = World::new() else { return };
    let gamma = world.index.publish(&WheelBuilder::new("gamma", "1.0"));
    world.index.publish(&WheelBuilder::new("delta", "1.0"));
    let digest = common::sha256_hex(&gamma);
    let requirements = world.path("requirements.txt");
    let requirements_arg = requirements.to_str().unwrap();
    std::fs::write(
        &requirements,
        format!("gamma==1.0 --hash=sha256:{digest}\ndelta\n"),
    )
    .unwrap();
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    let err = world.den_err(&["pip", "install", "-p", env_arg, "-r", requirements_arg]);
    assert!(err.contains("hash-checking mode"), "{err}");
    world.den_ok(&[
        "pip",
        "install",
        "-p",
        env_arg,
        "--no-require-hashes",
        "-r",
        requirements_arg,
    ]);
    let frozen = world.den_ok(&["pip", "freeze", "-p", env_arg]);
    assert_eq!(frozen, "delta==1.0\ngamma==1.0\n");
    let judged = world.venv("judged", true);
    if let Some(pip) = pip26(
        &world,
        &judged,
        &["install", "--no-require-hashes", "-r", requirements_arg],
    ) {
        assert!(pip.status.success(), "{pip:?}");
    }
    std::fs::write(
        &requirements,
        format!("gamma==1.0 --hash=sha256:{}\ndelta\n", "0".repeat(64)),
    )
    .unwrap();
    let fresh = world.venv("fresh", true);
    let fresh_arg = fresh.to_str().unwrap();
    let err = world.den_err(&[
        "pip",
        "install",
        "-p",
        fresh_arg,
        "--no-require-hashes",
        "-r",
        requirements_arg,
    ]);
    assert!(err.contains(&"0".repeat(64)), "{err}");
    assert_eq!(world.den_ok(&["pip", "freeze", "-p", fresh_arg]), "");
}

/// pip's `--requirements-from-script FILE`: the dependencies of a script's PEP 723 block are
/// installed (as the real pip 26 installs them), its `requires-python` is checked unless
/// `--ignore-requires-python`, and a script without a block, or two scripts, are refused.
#[test]
fn requirements_from_script_installs_a_scripts_dependencies() {
    let Some(world) = World::new() else { return };
    world.index.publish(&WheelBuilder::new("gamma", "1.0"));
    world.index.publish(&WheelBuilder::new("delta", "1.0"));
    let script = world.path("tool.py");
    let script_arg = script.to_str().unwrap();
    let write = |requires: &str| {
        std::fs::write(
            &script,
            format!(
                "#!/usr/bin/env python3\n# /// script\n# requires-python = \"{requires}\"\n\
                 # dependencies = [\n#   \"gamma\",\n#   \"delta>=1\",\n# ]\n# ///\nimport gamma\n"
            ),
        )
        .unwrap();
    };
    write(">=3.8");
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    let from_script = ["--requirements-from-script", script_arg];
    let mut args = vec!["pip", "install", "-p", env_arg];
    args.extend(from_script);
    world.den_ok(&args);
    let frozen = world.den_ok(&["pip", "freeze", "-p", env_arg]);
    assert_eq!(frozen, "delta==1.0\ngamma==1.0\n");
    let judged = world.venv("judged", true);
    if let Some(pip) = pip26(
        &world,
        &judged,
        &["install", from_script[0], from_script[1]],
    ) {
        assert!(pip.status.success(), "{pip:?}");
        let theirs = world.den_ok(&["pip", "freeze", "-p", judged.to_str().unwrap()]);
        assert_eq!(theirs, frozen);
    }
    write(">=3.99");
    let fresh = world.venv("fresh", true);
    let fresh_arg = fresh.to_str().unwrap();
    let mut args = vec!["pip", "install", "-p", fresh_arg];
    args.extend(from_script);
    let err = world.den_err(&args);
    assert!(
        err.contains("Script \"")
            && err.contains("requires a different Python")
            && err.contains(">=3.99"),
        "{err}"
    );
    args.push("--ignore-requires-python");
    world.den_ok(&args);
    args.extend(from_script);
    let err = world.den_err(&args);
    assert!(err.contains("can only be given once"), "{err}");
    std::fs::write(&script, "import gamma\n").unwrap();
    let mut args = vec!["pip", "install", "-p", fresh_arg];
    args.extend(from_script);
    let err = world.den_err(&args);
    assert!(err.contains("tool.py: has no `# /// script`"), "{err}");
}

/// pip's `--only-deps`: the requirements' dependencies are installed, not the projects named
/// (as the real pip 26 does), and it is refused with `--no-deps` or `-r` in pip's words.
#[test]
fn only_deps_installs_what_the_requirements_depend_on() {
    let Some(world) = World::new() else { return };
    publish(&world.index);
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "--only-deps", "alpha"]);
    let frozen = world.den_ok(&["pip", "freeze", "-p", env_arg]);
    assert_eq!(frozen, "beta==2.0\n");
    let judged = world.venv("judged", true);
    if let Some(pip) = pip26(&world, &judged, &["install", "--only-deps", "alpha"]) {
        assert!(pip.status.success(), "{pip:?}");
        let theirs = world.den_ok(&["pip", "freeze", "-p", judged.to_str().unwrap()]);
        assert_eq!(theirs, frozen);
    }
    let requirements = world.path("requirements.txt");
    std::fs::write(&requirements, "alpha\n").unwrap();
    let out = world.den(&[
        "pip",
        "install",
        "-p",
        env_arg,
        "--only-dependencies",
        "--no-deps",
        "-r",
        requirements.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let said =
        "Cannot use '--only-dependencies' in combination with '--no-deps', or '--requirement'.";
    assert!(text(&out.stderr).contains(said), "{out:?}");
    if let Some(pip) = pip26(
        &world,
        &judged,
        &[
            "install",
            "--only-deps",
            "--no-deps",
            "-r",
            requirements.to_str().unwrap(),
        ],
    ) {
        assert_eq!(pip.status.code(), Some(1), "{pip:?}");
        assert!(text(&pip.stderr).contains(said), "{pip:?}");
    }
}

/// pip 26's `--only-deps` in `download` and `wheel`: the files of the requirements'
/// dependencies are saved (an sdist as served by download, built by wheel), none of the
/// projects named, even one another named project depends on; the same files as the real pip
/// 26 saves, and the conflict with `--no-deps` refused in pip's words.
#[test]
fn only_deps_downloads_and_builds_what_the_requirements_depend_on() {
    let Some(world) = World::new() else { return };
    publish(&world.index);
    world.index.publish(
        &WheelBuilder::new("gamma", "1.0")
            .requires_dist("alpha")
            .requires_dist("delta")
            .file("gamma.py", b""),
    );
    let sdist = SdistBuilder::new("delta", "1.0")
        .file("delta/__init__.py", b"")
        .build(&world.path("sdists"));
    world.index.add_file(&sdist);
    let judged = world.venv("judged", true);
    let python = judged.join("bin/python");
    let python = python.to_str().unwrap();
    for (command, dir_option, expected) in [
        (
            "download",
            "-d",
            ["beta-2.0-py3-none-any.whl", "delta-1.0.tar.gz"],
        ),
        (
            "wheel",
            "-w",
            ["beta-2.0-py3-none-any.whl", "delta-1.0-py3-none-any.whl"],
        ),
    ] {
        let listing = |dir: &str| common::names_in(&world.path(dir));
        let den_dir = format!("den-{command}");
        world.den_ok(&[
            "pip",
            command,
            "-p",
            python,
            dir_option,
            &den_dir,
            "--only-deps",
            "gamma",
            "alpha",
        ]);
        assert_eq!(listing(&den_dir), expected, "den pip {command}");
        let pip_dir = format!("pip-{command}");
        if let Some(pip) = pip26(
            &world,
            &judged,
            &[
                command,
                dir_option,
                &pip_dir,
                "--only-deps",
                "gamma",
                "alpha",
            ],
        ) {
            assert!(pip.status.success(), "{pip:?}");
            assert_eq!(listing(&pip_dir), expected, "pip {command}");
        }
        let said = "Cannot use '--only-dependencies' in combination with '--no-deps'.";
        let both = [
            command,
            dir_option,
            "x",
            "--only-deps",
            "--no-deps",
            "alpha",
        ];
        let out = world.den(&[&["pip"][..], &both].concat());
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(text(&out.stderr).contains(said), "{out:?}");
        if let Some(pip) = pip26(&world, &judged, &both) {
            assert_eq!(pip.status.code(), Some(1), "{pip:?}");
            assert!(text(&pip.stderr).contains(said), "{pip:?}");
        }
    }
}

/// pip 26's `--all-releases` and `--only-final`: pre-releases per project, the named project
/// beating `:all:` on the other side; what den installs is what the real pip 26 installs.
#[test]
fn release_control_chooses_pre_releases_per_project_as_pip_26() {
    let Some(world) = World::new() else { return };
    publish(&world.index);
    world
        .index
        .publish(&WheelBuilder::new("beta", "3.0b1").file("beta.py", b""));
    for (case, options) in [
        (
            "all-releases beta",
            &["--all-releases", "beta", "alpha"][..],
        ),
        (
            "all-releases all, only-final beta",
            &["--all-releases", ":all:", "--only-final", "beta", "alpha"],
        ),
        (
            "only-final all, all-releases beta",
            &["--only-final", ":all:", "--all-releases=beta", "alpha"],
        ),
        ("neither", &["alpha"]),
    ] {
        let env = world.venv(&case.replace([' ', ','], "-"), true);
        let env_arg = env.to_str().unwrap();
        let mut args = vec!["pip", "install", "-p", env_arg];
        args.extend(options);
        world.den_ok(&args);
        let ours = world.den_ok(&["pip", "freeze", "-p", env_arg]);
        let judged = world.venv(&format!("{}-pip", case.replace([' ', ','], "-")), true);
        let mut pip_args = vec!["install"];
        pip_args.extend(options);
        if let Some(pip) = pip26(&world, &judged, &pip_args) {
            assert!(pip.status.success(), "{case}: {pip:?}");
            let theirs = world.den_ok(&["pip", "freeze", "-p", judged.to_str().unwrap()]);
            assert_eq!(ours, theirs, "{case}");
        }
    }
    // The same options for what index versions lists and list -o counts as newer.
    let installed = world.path("neither");
    let installed_arg = installed.to_str().unwrap();
    let url = world.index.url();
    for (command, options) in [
        (
            &["index", "versions", "beta"][..],
            &["--all-releases", "beta"][..],
        ),
        (&["index", "versions", "beta"], &["--only-final", ":all:"]),
        (
            &["list", "-o", "--format", "json"],
            &["--all-releases", "beta"],
        ),
        (
            &["list", "-o", "--format", "json"],
            &["--all-releases", ":all:", "--only-final", "beta"],
        ),
    ] {
        let mut args = vec!["pip"];
        args.extend(command);
        args.extend(["-p", installed_arg]);
        args.extend(options);
        let ours = world.den_ok(&args);
        let mut pip_args = command.to_vec();
        pip_args.extend(["--index-url", &url]);
        pip_args.extend(options);
        if let Some(pip) = pip26(&world, &installed, &pip_args) {
            assert!(pip.status.success(), "{command:?} {options:?}: {pip:?}");
            assert_eq!(ours, text(&pip.stdout), "{command:?} {options:?}");
        }
    }
    // --pre with either is refused, as pip 26 refuses it.
    let env = world.venv("strict", true);
    let err = world.den_err(&[
        "pip",
        "install",
        "-p",
        env.to_str().unwrap(),
        "--pre",
        "--only-final",
        "beta",
        "alpha",
    ]);
    assert!(
        err.contains("--pre cannot be used with --all-releases or --only-final."),
        "{err}"
    );
    // A specifier naming a pre-release does not bring one back under --only-final.
    let err = world.den_err(&[
        "pip",
        "install",
        "-p",
        env.to_str().unwrap(),
        "--only-final",
        "beta",
        "beta>=3.0b1",
    ]);
    assert!(err.contains("beta"), "{err}");
}

/// What `install --dry-run ARGS beta` would install into `env`, as den (`pip` false) or the
/// real pip 26 says it (`None` without it), with `TZ` set to `tz` and the variables `vars`.
fn would_install(
    world: &World,
    env: &Path,
    pip: bool,
    tz: &str,
    vars: &[(&str, &str)],
    args: &[&str],
) -> Option<String> {
    let mut words = vec!["install", "--dry-run"];
    words.extend_from_slice(args);
    words.push("beta");
    let out = match pip {
        false => {
            let mut den = common::den_command(&world.path("cache"), &world.index.url());
            den.args(["pip", "install", "-p"])
                .arg(env)
                .args(&words[1..])
                .current_dir(world.dir.path())
                .env("TZ", tz)
                .envs(vars.iter().copied());
            den.output().unwrap()
        }
        true => pip26_command(world, env, &words, "--uploaded-prior-to judged by pip")?
            .env("TZ", tz)
            .envs(vars.iter().copied())
            .output()
            .unwrap(),
    };
    assert!(out.status.success(), "{args:?} {out:?}");
    let stdout = text(&out.stdout);
    let line = stdout
        .lines()
        .find(|line| line.starts_with("Would install"));
    Some(
        line.unwrap_or_else(|| panic!("{args:?}: {stdout}"))
            .to_string(),
    )
}

/// `TZ`, variables, options and the `Would install` line expected.
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str], &'a str);

#[test]
fn uploaded_prior_to_leaves_out_files_uploaded_at_or_after_it_as_pip_26() {
    let Some(world) = World::new() else { return };
    let index = &world.index;
    let times = [
        ("1.0", "2024-01-01T00:00:00Z"),
        ("2.0", "2025-01-01T00:00:00.000001Z"),
    ];
    for (version, time) in times {
        let wheel = index.publish(&WheelBuilder::new("beta", version).file("beta.py", b""));
        let name = wheel.file_name().unwrap().to_str().unwrap().to_string();
        index.set_upload_time(&name, time);
    }
    let env = world.venv("env", true);
    let older = "Would install beta-1.0";
    let newer = "Would install beta-2.0";
    // (TZ, variables, options, what is installed): between the two uploads; at the newer
    // one's exact time (not prior to it); just after it; a date alone (midnight, local
    // time); a naive time read in the local zone (UTC+3 there: 2024-12-31T23:00Z); no
    // cutoff; PIP_UPLOADED_PRIOR_TO; the command line over the variable; P<n>D.
    let cases: &[Case<'_>] = &[
        (
            "UTC",
            &[],
            &["--uploaded-prior-to", "2024-06-01T00:00:00Z"],
            older,
        ),
        (
            "UTC",
            &[],
            &["--uploaded-prior-to=2025-01-01T00:00:00.000001Z"],
            older,
        ),
        (
            "UTC",
            &[],
            &["--uploaded-prior-to", "2025-01-01T00:00:00.000002+00:00"],
            newer,
        ),
        ("UTC", &[], &["--uploaded-prior-to", "2025-01-01"], older),
        (
            // POSIX form (three hours east of UTC): no tz database needed.
            "UTC-3",
            &[],
            &["--uploaded-prior-to", "2025-01-01T02:00:00"],
            older,
        ),
        (
            "UTC",
            &[],
            &["--uploaded-prior-to", "2025-01-01T02:00:00"],
            newer,
        ),
        ("UTC", &[], &[], newer),
        (
            "UTC",
            &[("PIP_UPLOADED_PRIOR_TO", "2024-06-01")],
            &[],
            older,
        ),
        (
            "UTC",
            &[("PIP_UPLOADED_PRIOR_TO", "2024-06-01")],
            &["--uploaded-prior-to", "P0D"],
            newer,
        ),
        ("UTC", &[], &["--uploaded-prior-to", "P1D"], newer),
    ];
    for (tz, vars, args, expected) in cases {
        let den = would_install(&world, &env, false, tz, vars, args).unwrap();
        assert_eq!(&den, expected, "den: TZ={tz} {vars:?} {args:?}");
        if let Some(pip) = would_install(&world, &env, true, tz, vars, args) {
            assert_eq!(&pip, expected, "pip: TZ={tz} {vars:?} {args:?}");
        }
    }
    let env_arg = env.to_str().unwrap();
    // `index versions` lists what the cutoff leaves, as pip's.
    for cutoff in [&["--uploaded-prior-to", "2024-06-01"][..], &[]] {
        let mut args = vec!["pip", "index", "versions", "-p", env_arg, "beta"];
        args.extend_from_slice(cutoff);
        let den = world.den_ok(&args);
        let expected = match cutoff.is_empty() {
            true => "Available versions: 2.0, 1.0",
            false => "Available versions: 1.0",
        };
        assert!(den.contains(expected), "{cutoff:?}: {den}");
        let url = world.index.url();
        let mut pip_args = vec!["index", "versions", "--index-url", &url, "beta"];
        pip_args.extend_from_slice(cutoff);
        let unchecked = "pip index versions judged by pip";
        if let Some(mut pip) = pip26_command(&world, &env, &pip_args, unchecked) {
            let theirs = pip.output().unwrap();
            assert!(theirs.status.success(), "{theirs:?}");
            assert_eq!(den, text(&theirs.stdout), "{cutoff:?}");
        }
    }
    // A value that is no date, time or P<n>D: pip's reason, usage status 2.
    for bad in ["nonsense", "2024-13-01", "P3W"] {
        let out = world.den(&[
            "pip",
            "install",
            "-p",
            env_arg,
            "--uploaded-prior-to",
            bad,
            "beta",
        ]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {out:?}");
        let err = text(&out.stderr);
        assert!(err.contains(&format!("'{bad}'")), "{err}");
        assert!(
            err.contains(
                "Expected an ISO 8601 datetime string (e.g., '2023-01-01' or \
                 '2023-01-01T00:00:00Z') or a duration in days (e.g., 'P3D')"
            ),
            "{err}"
        );
        if let Some(pip) = pip26(
            &world,
            &env,
            &["install", "--uploaded-prior-to", bad, "beta"],
        ) {
            assert_eq!(pip.status.code(), Some(2), "{pip:?}");
        }
    }
    let err = text(
        &world
            .den(&[
                "pip",
                "install",
                "-p",
                env_arg,
                "--uploaded-prior-to",
                "nonsense",
                "beta",
            ])
            .stderr,
    );
    assert!(
        err.contains("Invalid isoformat string: 'nonsense'"),
        "{err}"
    );
    // Local find-links files have no upload time and are kept, as pip's `file:` links.
    let wheels = world.path("wheels");
    WheelBuilder::new("beta", "3.0")
        .file("beta.py", b"")
        .build(&wheels);
    let wheels_arg = wheels.to_str().unwrap();
    let local = [
        "--uploaded-prior-to",
        "2024-06-01",
        "--no-index",
        "-f",
        wheels_arg,
    ];
    let den = would_install(&world, &env, false, "UTC", &[], &local).unwrap();
    assert_eq!(den, "Would install beta-3.0");
    if let Some(pip) = would_install(&world, &env, true, "UTC", &[], &local) {
        assert_eq!(pip, "Would install beta-3.0");
    }
}

/// The `Requirement already satisfied` lines of an output.
fn satisfied_lines(out: &Output) -> Vec<String> {
    text(&out.stdout)
        .lines()
        .filter(|line| line.starts_with("Requirement already satisfied"))
        .map(str::to_string)
        .collect()
}

#[test]
fn already_satisfied_lines_are_pips() {
    let Some(world) = World::new() else { return };
    let index = &world.index;
    index.publish(
        &WheelBuilder::new("Alpha_Pkg", "1.0")
            .requires_dist("beta (>=1.0)")
            .requires_dist("gamma[x] ; python_version >= '3'"),
    );
    index.publish(&WheelBuilder::new("beta", "2.0"));
    index.publish(
        &WheelBuilder::new("gamma", "1.0")
            .provides_extra("x")
            .requires_dist("delta ; extra == 'x'"),
    );
    index.publish(&WheelBuilder::new("delta", "1.0"));
    let env = world.env_with("env", &["Alpha_Pkg"]);
    std::fs::write(
        world.path("req.txt"),
        "alpha-pkg>=0.5\nBeta  >= 1.0 , < 3\n",
    )
    .unwrap();
    std::fs::write(world.path("req2.txt"), "Alpha_Pkg >= 0.1 # the project\n").unwrap();
    let env_arg = env.to_str().unwrap();
    let site = "in ./env/lib/python";
    for args in [
        &["ALPHA.PKG[]", "gamma [x] >=0.1", "-r", "req.txt"][..],
        &["-r", "req2.txt"],
        &["Alpha_Pkg"],
        &["gamma[x]"],
        &["beta===2.0", "beta"],
        // Resolved (an upgrade asked for), then found satisfied.
        &["-U", "beta"],
    ] {
        let mut den_args = vec!["pip", "install", "-p", env_arg];
        den_args.extend_from_slice(args);
        let out = world.den(&den_args);
        assert!(out.status.success(), "{args:?}: {out:?}");
        let den = satisfied_lines(&out);
        assert!(!den.is_empty(), "{args:?}: {out:?}");
        assert!(den.iter().all(|line| line.contains(site)), "{den:?}");
        let mut pip_args = vec!["install"];
        pip_args.extend_from_slice(args);
        if let Some(pip) = pip26(&world, &env, &pip_args) {
            assert!(pip.status.success(), "{args:?}: {pip:?}");
            assert_eq!(den, satisfied_lines(&pip), "{args:?}");
        }
    }
    let den = satisfied_lines(&world.den(&["pip", "install", "-p", env_arg, "-r", "req2.txt"]));
    assert_eq!(den.len(), 4, "{den:?}");
    assert!(
        den[3].starts_with("Requirement already satisfied: delta in ./env/lib/python")
            && den[3].ends_with(
                "/site-packages (from gamma[x]; python_version >= \"3\"->Alpha_Pkg>=0.1->-r \
             req2.txt (line 1)) (1.0)"
            ),
        "{den:?}"
    );
}
