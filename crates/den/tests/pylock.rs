//! End-to-end tests of PEP 751 lock files against a loopback index: `den pip lock` and `den
//! pip compile --format pylock.toml` write them, `den pip install -r pylock.toml` and `den pip
//! sync pylock.toml` install exactly what they list (the listed file, its hash, no index
//! page read), and the real pip (26.1 or newer, `pip install --no-deps -r pylock.toml` into an
//! empty environment) judges den's lock. A lock that fails the specification's validation is
//! refused naming the file and the key. No internet needed.

use std::path::Path;
use std::process::Command;

use den_test_support::{SdistBuilder, WheelBuilder};

mod common;

use common::{World, run_python};

/// A world whose index has alpha 1.0 (a wheel, needs beta), beta 1.0 (a wheel) and plain 1.0
/// (an sdist only), with `den pip lock alpha plain` written to pylock.toml when `lock`.
fn world_with(lock: bool) -> Option<World> {
    let world = World::new()?;
    publish(&world);
    if lock {
        let python = world.python.to_str().unwrap();
        world.den_ok(&["pip", "lock", "-p", python, "alpha", "plain"]);
    }
    Some(world)
}

fn publish(world: &World) {
    world.index.publish(
        &WheelBuilder::new("alpha", "1.0")
            .requires_dist("beta>=1.0")
            .file("alpha/__init__.py", b"X = 1\n"),
    );
    world
        .index
        .publish(&WheelBuilder::new("beta", "1.0").file("beta/__init__.py", b"Y = 2\n"));
    let sdist = SdistBuilder::new("plain", "1.0")
        .file("plain/__init__.py", b"Z = 3\n")
        .build(&world.path("sdists"));
    world.index.add_file(&sdist);
}

fn installed(world: &World, env: &Path) -> String {
    world.den_ok(&["pip", "freeze", "-p", env.to_str().unwrap()])
}

#[test]
fn lock_writes_what_pip_lock_writes_and_real_pip_installs_it() {
    let Some(world) = world_with(true) else {
        return;
    };
    let text = std::fs::read_to_string(world.path("pylock.toml")).unwrap();
    let alpha_url = world.index.file_url("alpha-1.0-py3-none-any.whl");
    let plain_url = world.index.file_url("plain-1.0.tar.gz");
    // pip's shape: sorted packages, each with its version and the one file chosen.
    assert!(
        text.starts_with("lock-version = \"1.0\"\ncreated-by = \"den\"\n\n[[packages]]\nname = \"alpha\"\nversion = \"1.0\"\n\n[[packages.wheels]]\nname = \"alpha-1.0-py3-none-any.whl\"\n"),
        "{text}"
    );
    assert!(text.contains(&format!("url = \"{alpha_url}\"")), "{text}");
    assert!(
        text.contains(&format!(
            "[packages.sdist]\nname = \"plain-1.0.tar.gz\"\nurl = \"{plain_url}\"\n"
        )),
        "{text}"
    );
    assert_eq!(text.matches(".hashes]\nsha256 = \"").count(), 3, "{text}");
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter(|n| !n.contains(".whl") && !n.contains(".tar.gz"))
        .collect();
    assert_eq!(names, ["alpha\"", "beta\"", "plain\""]);

    // `-o -` writes to standard output; the same lock.
    assert_eq!(
        world.den_ok(&[
            "pip",
            "lock",
            "-p",
            world.python.to_str().unwrap(),
            "-o",
            "-",
            "alpha",
            "plain"
        ]),
        text
    );

    let Some(pip26) = den_test_support::pip26_python("the real pip's lock and install") else {
        return;
    };
    // The real `pip lock` of the same requirements writes the same text but for its name.
    std::fs::create_dir(world.path("pip")).unwrap();
    let out = Command::new(&pip26)
        .args([
            "-m",
            "pip",
            "--disable-pip-version-check",
            "lock",
            "--index-url",
        ])
        .arg(world.index.url())
        .args(["-o", "pip/pylock.toml", "alpha", "plain"])
        .current_dir(world.dir.path())
        .env("PIP_CONFIG_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pip lock failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pips = std::fs::read_to_string(world.path("pip/pylock.toml")).unwrap();
    assert_eq!(
        pips.replace("created-by = \"pip\"", "created-by = \"den\""),
        text
    );

    // The real pip installs den's lock into an empty environment.
    let env = world.venv("pip-env", true);
    let out = common::pip26(&pip26, &env, "install")
        .args(["--no-deps", "-r"])
        .arg(world.path("pylock.toml"))
        .env("PIP_NO_INDEX", "1")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "pip cannot install den's pylock.toml: {stdout}{stderr}"
    );
    assert!(stdout.contains("Successfully installed"), "{stdout}");
    let (ok, out, err) = run_python(
        &env,
        &[
            "-c",
            "import alpha, beta, plain; print(alpha.X + beta.Y + plain.Z)",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(out, "6\n");
}

/// The projects a lock lists, in its order.
fn locked_names(lock: &str) -> Vec<&str> {
    lock.split("[[packages]]\nname = \"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

/// `pip lock --only-deps` locks the dependencies of the projects named without those projects
/// (even one another named project depends on), `--no-deps` those projects alone: each lock is
/// the one the real pip 26 writes, and the two options together are refused in pip's words.
#[test]
fn lock_only_deps_and_no_deps_write_the_locks_pip_lock_writes() {
    let Some(world) = world_with(false) else {
        return;
    };
    world.index.publish(
        &WheelBuilder::new("gamma", "1.0")
            .requires_dist("alpha")
            .requires_dist("delta")
            .file("gamma/__init__.py", b""),
    );
    world
        .index
        .publish(&WheelBuilder::new("delta", "1.0").file("delta/__init__.py", b""));
    let python = world.python.to_str().unwrap();
    let pip26 = den_test_support::pip26_python("the real pip's lock --only-deps");
    let pip_lock = |args: &[&str]| {
        let pip26 = pip26.as_ref()?;
        Some(
            Command::new(pip26)
                .args(["-m", "pip", "--disable-pip-version-check", "lock"])
                // -q: pip writes its "Collecting" lines to standard output too.
                .args(["-q", "--index-url", &world.index.url(), "-o", "-"])
                .args(args)
                .current_dir(world.dir.path())
                .env("PIP_CONFIG_FILE", "/dev/null")
                .env_remove("PIP_FIND_LINKS")
                .output()
                .unwrap(),
        )
    };
    let cases: [(&[&str], &[&str]); 3] = [
        (&["--only-deps", "gamma", "alpha"], &["beta", "delta"]),
        (
            &["--only-dependencies", "gamma[x]"],
            &["alpha", "beta", "delta"],
        ),
        (&["--no-deps", "gamma", "plain"], &["gamma", "plain"]),
    ];
    for (args, names) in cases {
        let mut den_args = vec!["pip", "lock", "-p", python, "-o", "-"];
        den_args.extend_from_slice(args);
        let text = world.den_ok(&den_args);
        assert_eq!(locked_names(&text), names, "{args:?}: {text}");
        if let Some(out) = pip_lock(args) {
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "pip lock {args:?}: {out:?}");
            assert_eq!(
                stdout.replace("created-by = \"pip\"", "created-by = \"den\""),
                text,
                "pip lock {args:?}"
            );
        }
    }
    let said = "Cannot use '--only-dependencies' in combination with '--no-deps'.";
    let both = ["--only-deps", "--no-deps", "alpha"];
    let mut den_args = vec!["pip", "lock", "-p", python, "-o", "-"];
    den_args.extend_from_slice(&both);
    let err = world.den_err(&den_args);
    assert!(err.contains(said), "{err}");
    if let Some(out) = pip_lock(&both) {
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(said),
            "{out:?}"
        );
        assert!(out.stdout.is_empty(), "{out:?}");
    }
}

#[test]
fn install_and_sync_from_a_lock_take_exactly_its_files_without_resolving() {
    let Some(world) = world_with(true) else {
        return;
    };
    // A newer beta appears: the lock still installs 1.0, and no index page is read.
    world.index.publish(&WheelBuilder::new("beta", "2.0"));
    world.index.clear_requests();

    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    let out = world.den_ok(&["pip", "install", "-p", env_arg, "-r", "pylock.toml"]);
    assert!(
        out.contains("Successfully installed alpha-1.0 beta-1.0 plain-1.0"),
        "{out}"
    );
    assert_eq!(
        installed(&world, &env),
        "alpha==1.0\nbeta==1.0\nplain==1.0\n"
    );
    for project in ["alpha", "beta", "plain"] {
        assert_eq!(
            world.index.page_requests(project),
            0,
            "{project}'s page was read"
        );
    }

    // sync removes what the lock does not list, and a second sync changes nothing.
    world.den_ok(&["pip", "install", "-p", env_arg, "--refresh", "beta==2.0"]);
    world.index.publish(&WheelBuilder::new("extra", "1.0"));
    world.den_ok(&["pip", "install", "-p", env_arg, "extra"]);
    world.den_ok(&["pip", "sync", "-p", env_arg, "pylock.toml"]);
    assert_eq!(
        installed(&world, &env),
        "alpha==1.0\nbeta==1.0\nplain==1.0\n"
    );
    let out = world.den(&["pip", "sync", "-p", env_arg, "pylock.toml"]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Everything up-to-date"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A file that is not the one locked (its hash differs) is refused; nothing changes.
    let text = std::fs::read_to_string(world.path("pylock.toml")).unwrap();
    let start = text.find("sha256 = \"").unwrap() + "sha256 = \"".len();
    let mut bad = text.clone();
    bad.replace_range(start..start + 64, &"0".repeat(64));
    std::fs::write(world.path("pylock.toml"), bad).unwrap();
    let other = world.venv("other", true);
    let err = world.den_err(&[
        "pip",
        "install",
        "-p",
        other.to_str().unwrap(),
        "-r",
        "pylock.toml",
    ]);
    assert!(err.contains("alpha-1.0-py3-none-any.whl"), "{err}");
    assert!(err.contains("pylock.toml: packages[0]"), "{err}");
    assert_eq!(installed(&world, &other), "");
}

#[test]
fn compile_to_a_lock_lists_every_file_of_each_pin() {
    let Some(world) = World::new() else { return };
    publish(&world);
    world
        .index
        .publish(&WheelBuilder::new("beta", "1.0").tag("cp399-cp399-win_amd64"));
    std::fs::write(world.path("requirements.in"), "alpha\n").unwrap();
    let python = world.python.to_str().unwrap();
    let compile = |more: &[&str]| {
        let mut args = vec!["pip", "compile", "-p", python, "requirements.in"];
        args.extend_from_slice(more);
        world.den_ok(&args)
    };
    compile(&["--format", "pylock.toml", "-o", "pylock.toml"]);
    let text = std::fs::read_to_string(world.path("pylock.toml")).unwrap();
    assert!(
        text.contains("name = \"beta-1.0-py3-none-any.whl\""),
        "{text}"
    );
    assert!(
        text.contains("name = \"beta-1.0-cp399-cp399-win_amd64.whl\""),
        "{text}"
    );
    // The name alone makes the format: pylock.NAME.toml.
    compile(&["-o", "pylock.dev.toml"]);
    let dev = std::fs::read_to_string(world.path("pylock.dev.toml")).unwrap();
    assert_eq!(dev, text);
    // The installer picks the wheel for this interpreter.
    let env = world.venv("env", true);
    world.den_ok(&[
        "pip",
        "sync",
        "-p",
        env.to_str().unwrap(),
        "pylock.dev.toml",
    ]);
    assert_eq!(installed(&world, &env), "alpha==1.0\nbeta==1.0\n");
}

#[test]
fn a_lock_that_fails_validation_is_refused_naming_the_key() {
    let Some(world) = World::new() else { return };
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    let cases = [
        (
            "lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\n",
            "pylock.toml: `created-by`: missing required key",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"a\"\nversion = \"1\"\n[[packages.wheels]]\nurl = \"https://x/a-1-py3-none-any.whl\"\n",
            "pylock.toml: `packages[0].wheels[0].hashes`: missing required key",
        ),
        (
            "lock-version = \"3.0\"\ncreated-by = \"x\"\npackages = []\n",
            "pylock.toml: `lock-version`: lock version 3.0 is not supported",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = [\n",
            "pylock.toml: not valid TOML",
        ),
    ];
    for (text, expected) in cases {
        std::fs::write(world.path("pylock.toml"), text).unwrap();
        let err = world.den_err(&["pip", "install", "-p", env_arg, "-r", "pylock.toml"]);
        assert!(err.contains(expected), "{text}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        let err = world.den_err(&["pip", "sync", "-p", env_arg, "pylock.toml"]);
        assert!(err.contains(expected), "{text}: {err}");
    }
    // A lock is not an input to resolve.
    std::fs::write(
        world.path("pylock.toml"),
        "lock-version = \"1.0\"\ncreated-by = \"x\"\npackages = []\n",
    )
    .unwrap();
    let err = world.den_err(&["pip", "download", "-r", "pylock.toml"]);
    assert!(err.contains("is a lock file"), "{err}");
}

#[test]
fn directories_lock_by_relative_path_and_install_editable() {
    let Some(world) = world_with(false) else {
        return;
    };
    let project = SdistBuilder::new("proj", "0.1").file("proj/__init__.py", b"P = 1\n");
    world.project_dir(&project, "work/proj");
    let python = world.python.to_str().unwrap();
    let lock = world.path("work/pylock.toml");
    world.den_ok(&[
        "pip",
        "lock",
        "-p",
        python,
        "-o",
        lock.to_str().unwrap(),
        "-e",
        "work/proj",
        "beta",
    ]);
    let text = std::fs::read_to_string(&lock).unwrap();
    assert!(
        text.contains("[[packages]]\nname = \"proj\"\n\n[packages.directory]\npath = \"proj\"\neditable = true\n"),
        "{text}"
    );
    // Installed from the lock, relative to the lock's directory, editable.
    let env = world.venv("env", true);
    world.den_ok(&[
        "pip",
        "install",
        "-p",
        env.to_str().unwrap(),
        "-r",
        lock.to_str().unwrap(),
    ]);
    let (ok, out, err) = run_python(&env, &["-c", "import proj; print(proj.__file__)"]);
    assert!(ok, "{err}");
    assert!(
        out.starts_with(world.path("work/proj").to_str().unwrap()),
        "{out}"
    );
}

/// A lock's extras and dependency groups are chosen as pip 26 chooses them: `-r pylock.toml`
/// installs its default groups, `--group pylock.toml:dev` that group only,
/// `--group 'pylock.toml[fast]:dev'` with an extra, and both arguments together what each
/// selects; the packages' markers test `extras` and `dependency_groups`.
#[test]
fn groups_and_extras_of_a_lock_select_as_pip_selects() {
    let Some(world) = world_with(true) else {
        return;
    };
    let text = std::fs::read_to_string(world.path("pylock.toml")).unwrap();
    let text = text
        .replacen(
            "lock-version = \"1.0\"\n",
            "lock-version = \"1.0\"\nextras = [\"fast\"]\ndependency-groups = [\"dev\"]\n\
             default-groups = [\"default\"]\n",
            1,
        )
        .replacen(
            "name = \"alpha\"\nversion = \"1.0\"\n",
            "name = \"alpha\"\nversion = \"1.0\"\nmarker = \"'default' in dependency_groups\"\n",
            1,
        )
        .replacen(
            "name = \"beta\"\nversion = \"1.0\"\n",
            "name = \"beta\"\nversion = \"1.0\"\n\
             marker = \"'default' in dependency_groups or 'Fast' in extras\"\n",
            1,
        )
        .replacen(
            "name = \"plain\"\nversion = \"1.0\"\n",
            "name = \"plain\"\nversion = \"1.0\"\nmarker = \"'dev' in dependency_groups\"\n",
            1,
        );
    assert_eq!(text.matches("marker = ").count(), 3, "{text}");
    std::fs::write(world.path("pylock.toml"), text).unwrap();
    let pip26 = den_test_support::pip26_python("the real pip selecting a lock's groups");
    for (args, expected) in [
        (&["-r", "pylock.toml"][..], "alpha==1.0\nbeta==1.0\n"),
        (&["--group", "pylock.toml:dev"], "plain==1.0\n"),
        (
            &["--group", "pylock.toml[fast]:dev"],
            "beta==1.0\nplain==1.0\n",
        ),
        (
            &["-r", "pylock.toml", "--group", "pylock.toml:dev"],
            "alpha==1.0\nbeta==1.0\nplain==1.0\n",
        ),
    ] {
        let env = world.venv(&format!("den-{}", args.join("-")), true);
        let mut install = vec!["pip", "install", "-p", env.to_str().unwrap()];
        install.extend(args);
        world.den_ok(&install);
        assert_eq!(installed(&world, &env), expected, "den {args:?}");
        let Some(pip26) = &pip26 else { continue };
        let env = world.venv(&format!("pip-{}", args.join("-")), true);
        let out = common::pip26(pip26, &env, "install")
            .arg("--no-deps")
            .args(args)
            .current_dir(world.dir.path())
            .env("PIP_NO_INDEX", "1")
            .output()
            .unwrap();
        assert!(out.status.success(), "pip {args:?}: {out:?}");
        assert_eq!(installed(&world, &env), expected, "pip {args:?}");
    }
}
