//! End-to-end tests of `den pip download` and `den pip wheel` against a loopback index: the
//! wheelhouse they write is judged by the real pip (`pip install --no-index --find-links`,
//! and `pip download --no-index` per platform), bad target options fail as pip fails. No
//! internet needed.

use std::path::{Path, PathBuf};
use std::process::Command;

use den_test_support::{SdistBuilder, WheelBuilder};

mod common;

use common::{World, names_in, run_python};

/// An environment made by `python -m venv` (the real pip in it), or `None` when it cannot be
/// made (reported, a failure under DEN_TEST_REQUIRE_ALL=1).
fn pip_env(world: &World) -> Option<PathBuf> {
    let env = world.path("pip-env");
    let made = Command::new(&world.python)
        .args(["-m", "venv"])
        .arg(&env)
        .status()
        .is_ok_and(|s| s.success());
    den_test_support::require(
        made.then_some(env),
        "python -m venv with ensurepip",
        "the real pip's judgement of den's wheelhouse",
    )
}

/// Runs the real pip of `env` with `args`, isolated from the machine's pip settings.
fn pip(env: &Path, args: &[&str]) -> (bool, String, String) {
    let mut all = vec!["-m", "pip", "--disable-pip-version-check"];
    all.extend_from_slice(args);
    run_python(env, &all)
}

#[test]
fn download_saves_what_real_pip_installs_offline() {
    let Some(world) = World::new() else { return };
    world.index.publish(
        &WheelBuilder::new("alpha", "1.0")
            .requires_dist("beta>=1.0")
            .file("alpha/__init__.py", b"X = 1\n"),
    );
    world.index.publish(&WheelBuilder::new("beta", "1.0"));
    let sdist = SdistBuilder::new("plain", "1.0").build(&world.path("sdists"));
    world.index.add_file(&sdist);

    let out = world.den_ok(&["pip", "download", "-d", "house", "alpha", "plain"]);
    assert!(
        out.contains("Saved ./house/alpha-1.0-py3-none-any.whl\n"),
        "{out}"
    );
    assert!(out.contains("Saved ./house/plain-1.0.tar.gz\n"), "{out}");
    assert!(
        out.ends_with("Successfully downloaded alpha beta plain\n"),
        "{out}"
    );
    assert_eq!(
        names_in(&world.path("house")),
        [
            "alpha-1.0-py3-none-any.whl",
            "beta-1.0-py3-none-any.whl",
            "plain-1.0.tar.gz"
        ]
    );
    // The sdist is saved as served, byte for byte.
    assert_eq!(
        std::fs::read(world.path("house/plain-1.0.tar.gz")).unwrap(),
        std::fs::read(&sdist).unwrap()
    );

    // Identical files are kept; a damaged one is replaced.
    std::fs::write(world.path("house/beta-1.0-py3-none-any.whl"), b"garbage").unwrap();
    let again = world.den_ok(&["pip", "download", "-d", "house", "alpha"]);
    // As pip 26: the absolute path here, `Saved` relative.
    let house = std::fs::canonicalize(world.path("house")).unwrap();
    assert!(
        again.contains(&format!(
            "File was already downloaded {}/alpha-1.0-py3-none-any.whl\n",
            house.display()
        )),
        "{again}"
    );
    assert!(
        again.contains("Saved ./house/beta-1.0-py3-none-any.whl\n"),
        "{again}"
    );
    // -q silences pip's lines.
    assert_eq!(
        world.den_ok(&["-q", "pip", "download", "-d", "house", "alpha"]),
        ""
    );

    // The real pip installs the wheels from the wheelhouse without an index.
    let Some(env) = pip_env(&world) else { return };
    let house = world.path("house");
    let (ok, out, err) = pip(
        &env,
        &[
            "install",
            "--no-index",
            "--find-links",
            house.to_str().unwrap(),
            "alpha",
        ],
    );
    assert!(ok, "pip cannot install from den's wheelhouse: {out}{err}");
    assert!(
        out.contains("Successfully installed alpha-1.0 beta-1.0"),
        "{out}"
    );
}

#[test]
fn several_platforms_make_one_wheelhouse_for_each() {
    let Some(world) = World::new() else { return };
    for tag in [
        "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
        "cp312-cp312-win_amd64",
        "cp312-cp312-macosx_11_0_arm64",
    ] {
        world.index.publish(
            &WheelBuilder::new("native", "1.0")
                .tag(tag)
                .requires_dist("winonly; sys_platform == 'win32'"),
        );
    }
    world.index.publish(&WheelBuilder::new("winonly", "1.0"));
    let platforms = ["manylinux2014_x86_64", "win_amd64"];
    let mut args = vec!["pip", "download", "-d", "house", "--python-version", "3.12"];
    for platform in platforms {
        args.extend(["--platform", platform]);
    }
    args.extend(["--only-binary", ":all:", "native"]);
    let out = world.den_ok(&args);
    assert!(
        out.ends_with("Successfully downloaded native winonly\n"),
        "{out}"
    );
    // Each platform's wheel, and the dependency only Windows' markers ask for; not macOS'.
    assert_eq!(
        names_in(&world.path("house")),
        [
            "native-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "native-1.0-cp312-cp312-win_amd64.whl",
            "winonly-1.0-py3-none-any.whl",
        ]
    );
    // The real pip finds everything it needs there for each platform.
    let Some(env) = pip_env(&world) else { return };
    let house = world.path("house");
    for platform in platforms {
        let dest = world.path(&format!("pip-{platform}"));
        let (ok, out, err) = pip(
            &env,
            &[
                "download",
                "--no-index",
                "--find-links",
                house.to_str().unwrap(),
                "--platform",
                platform,
                "--python-version",
                "3.12",
                "--only-binary",
                ":all:",
                "-d",
                dest.to_str().unwrap(),
                "native",
            ],
        );
        assert!(ok, "pip finds no complete set for {platform}: {out}{err}");
    }
}

#[test]
fn bad_target_options_fail_as_pip_fails() {
    let Some(world) = World::new() else { return };
    world.index.publish(&WheelBuilder::new("six", "1.0"));
    const RULE: &str = "When restricting platform and interpreter constraints using \
        --python-version, --platform, --abi, or --implementation, either --no-deps must be \
        set, or --only-binary=:all: must be set and --no-binary must not be set (or must be \
        set to :none:).";
    for options in [
        &["--platform", "win_amd64"][..],
        &["--python-version", "3.12"],
        &["--abi", "cp312"],
        &["--implementation", "pp"],
        &["--platform", "win_amd64", "--only-binary", "six"],
        &[
            "--platform",
            "win_amd64",
            "--only-binary",
            ":all:",
            "--no-binary",
            "six",
        ],
    ] {
        let mut args = vec!["pip", "download", "six"];
        args.extend_from_slice(options);
        let stderr = world.den_err(&args);
        assert_eq!(stderr, format!("error: {RULE}\n"), "{options:?}");
    }
    // --no-deps or --only-binary :all: (with --no-binary :none:) satisfy it.
    world.den_ok(&[
        "pip",
        "download",
        "-d",
        "a",
        "--platform",
        "win_amd64",
        "--no-deps",
        "six",
    ]);
    world.den_ok(&[
        "pip",
        "download",
        "-d",
        "b",
        "--platform",
        "win_amd64",
        "--only-binary",
        ":all:",
        "--no-binary",
        ":none:",
        "six",
    ]);

    for bad in ["manylinux_x86_64", "win-amd64", "macosx_11_arm64", "amiga"] {
        let stderr = world.den_err(&[
            "pip",
            "download",
            "--platform",
            bad,
            "--only-binary",
            ":all:",
            "six",
        ]);
        assert!(
            stderr.contains(&format!("invalid platform tag `{bad}`"))
                && stderr.contains("manylinux_2_17_x86_64")
                && stderr.contains("win_amd64"),
            "{stderr}"
        );
    }
    let stderr = world.den_err(&[
        "pip",
        "download",
        "--python-version",
        "3.x",
        "--no-deps",
        "six",
    ]);
    assert!(
        stderr.contains("invalid --python-version value: '3.x'"),
        "{stderr}"
    );
    let stderr = world.den_err(&["pip", "download"]);
    assert!(
        stderr.contains("at least one requirement to download"),
        "{stderr}"
    );

    // The real pip says the same, with the same status.
    let Some(env) = pip_env(&world) else { return };
    let out = Command::new(env.join("bin/python"))
        .args(["-m", "pip", "download", "--platform", "win_amd64", "six"])
        .env("PIP_CONFIG_FILE", "/dev/null")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("ERROR: {RULE}\n")
    );
}

#[test]
fn wheel_builds_sdists_and_the_wheelhouse_installs_offline() {
    let Some(world) = World::new() else { return };
    world.index.publish(&WheelBuilder::new("dep", "1.0"));
    let sdist = SdistBuilder::new("from-source", "1.0")
        .requires_dist("dep>=1")
        .build(&world.path("sdists"));
    world.index.add_file(&sdist);
    let python = world.python.to_str().unwrap();
    let out = world.den_ok(&["pip", "wheel", "-w", "wheels", "-p", python, "from-source"]);
    assert!(
        out.contains("Saved ./wheels/dep-1.0-py3-none-any.whl\n"),
        "{out}"
    );
    assert!(out.ends_with("Successfully built from-source\n"), "{out}");
    let built = names_in(&world.path("wheels"));
    assert_eq!(built.len(), 2, "{built:?}");
    assert!(
        built
            .iter()
            .any(|n| n.starts_with("from_source-1.0-") && n.ends_with(".whl")),
        "{built:?}"
    );

    // den installs from it with no index at all.
    let env = world.venv("env", true);
    let wheels = world.path("wheels");
    let out = world.den_install_offline(&env, &wheels, "from-source");
    assert!(out.contains("Successfully installed"), "{out}");
    // So does the real pip.
    let Some(pip_env) = pip_env(&world) else {
        return;
    };
    let (ok, out, err) = pip(
        &pip_env,
        &[
            "install",
            "--no-index",
            "--find-links",
            wheels.to_str().unwrap(),
            "from-source",
        ],
    );
    assert!(ok, "pip cannot install den's wheels: {out}{err}");
}

#[test]
fn download_checks_hashes_in_hash_checking_mode() {
    let Some(world) = World::new() else { return };
    world.index.publish(&WheelBuilder::new("pinned", "1.0"));
    std::fs::write(
        world.path("req.txt"),
        format!("pinned==1.0 --hash=sha256:{}\n", "0".repeat(64)),
    )
    .unwrap();
    let stderr = world.den_err(&["pip", "download", "-d", "house", "-r", "req.txt"]);
    assert!(stderr.contains("pinned"), "{stderr}");
    assert!(
        !world.path("house/pinned-1.0-py3-none-any.whl").exists(),
        "a file that fails its hash is not saved"
    );
    let stderr = world.den_err(&[
        "pip",
        "download",
        "-d",
        "house",
        "--require-hashes",
        "pinned",
    ]);
    assert!(stderr.to_lowercase().contains("hash"), "{stderr}");
}
