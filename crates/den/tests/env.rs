//! `den env`, `den init` and `den workon` end to end: the real binary with WORKON_HOME in a
//! temporary directory, packages from a loopback index (den-test-support), hooks as shell
//! scripts that append to a log, and the real interpreters running what den made.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use den_test_support::{TestIndex, WheelBuilder, find_python, pythons, require, require_program};

mod common;

/// A CPython 3.10+ (the first of den-test-support's interpreters), or a report that it is
/// missing (a failure under `DEN_TEST_REQUIRE_ALL=1`) and `None`.
fn python() -> Option<PathBuf> {
    static PYTHON: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let found =
        PYTHON.get_or_init(|| find_python("import sys; assert sys.version_info >= (3, 10)"));
    require(
        found.clone(),
        "a CPython 3.10+",
        "den env, init and workon end to end",
    )
}

/// One test's world: a HOME, a WORKON_HOME, a hook directory, a cache and an index.
struct World {
    dir: tempfile::TempDir,
    index: TestIndex,
    python: PathBuf,
    /// Extra variables for every den run.
    vars: Vec<(String, String)>,
}

impl World {
    fn new() -> Option<Self> {
        let python = python()?;
        let world = Self {
            dir: tempfile::tempdir().unwrap(),
            index: TestIndex::new(),
            python,
            vars: Vec::new(),
        };
        world.index.publish(&common::alpha_wheel());
        world.index.publish(&WheelBuilder::new("beta", "2.0"));
        Some(world)
    }

    /// A world whose hook directory (VIRTUALENVWRAPPER_HOOK_DIR) is its `hooks`, and that
    /// directory's path.
    fn with_hook_dir() -> Option<(Self, PathBuf)> {
        let mut world = Self::new()?;
        let hooks = world.path("hooks");
        world.set("VIRTUALENVWRAPPER_HOOK_DIR", &hooks);
        Some((world, hooks))
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn home(&self) -> PathBuf {
        self.path("workon home")
    }

    fn env(&self, name: &str) -> PathBuf {
        self.home().join(name)
    }

    fn set(&mut self, key: &str, value: &Path) {
        self.vars
            .push((key.to_string(), value.to_str().unwrap().to_string()));
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = common::den_command(&self.path("cache"), &self.index.url());
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("HOME", self.dir.path())
            .env("WORKON_HOME", self.home())
            .env("SHELL", "/bin/sh")
            .env_remove("VIRTUALENVWRAPPER_HOOK_DIR")
            .env_remove("PROJECT_HOME");
        for (key, value) in &self.vars {
            command.env(key, value);
        }
        command
    }

    fn den(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn den_ok(&self, args: &[&str]) -> String {
        common::success_stdout(args, self.den(args))
    }

    /// Runs den, asserts it exited with `code`; returns stderr.
    fn den_fails(&self, code: i32, args: &[&str]) -> String {
        let out = self.den(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(code), "den {args:?}: {stderr}");
        stderr
    }

    /// `den env create NAME -p <python> --without-pip EXTRA...`.
    fn create(&self, name: &str, extra: &[&str]) {
        let python = self.python.to_str().unwrap();
        let mut args = vec!["env", "create", name, "-p", python, "--without-pip"];
        args.extend_from_slice(extra);
        self.den_ok(&args);
    }

    /// Writes an executable hook `name` in `dir` that appends `name args...` to the log
    /// and exits with `code`.
    fn hook(&self, dir: &Path, name: &str, code: i32) {
        let log = self.path("hooks.log");
        let script = format!(
            "#!/bin/sh\necho \"{name}$(printf ' [%s]' \"$@\")\" >> '{}'\nexit {code}\n",
            log.display()
        );
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(name), script).unwrap();
        std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn log(&self) -> Vec<String> {
        std::fs::read_to_string(self.path("hooks.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

fn run(program: &Path, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{} failed: {}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn create_list_show_path_copy_remove() {
    let Some(world) = World::new() else { return };
    assert!(!world.home().exists());
    world.create("src env", &["-i", "alpha"]);
    assert!(world.home().is_dir(), "WORKON_HOME is created");
    world.create("other", &[]);
    let source = world.env("src env");
    for hook in [
        "preactivate",
        "postactivate",
        "predeactivate",
        "postdeactivate",
        "get_env_details",
    ] {
        assert!(
            source.join("bin").join(hook).is_file(),
            "per-env hook {hook}"
        );
    }

    assert_eq!(world.den_ok(&["env", "list"]), "other\nsrc env\n");
    assert_eq!(world.den_ok(&["env", "list", "-b"]), "other\nsrc env\n");
    assert_eq!(world.den_ok(&["env", "complete", "sr"]), "src env\n");
    let json: serde_json::Value =
        serde_json::from_str(&world.den_ok(&["env", "list", "--json"])).unwrap();
    assert_eq!(json[1]["name"], "src env");
    assert_eq!(json[1]["path"], source.to_str().unwrap());
    assert!(json[1]["python"].as_str().unwrap().starts_with("3."));
    assert_eq!(
        world.den_ok(&["env", "path", "--", "src env"]),
        format!("{}\n", source.display())
    );
    let site = world.den_ok(&["env", "path", "--site-packages", "src env"]);
    assert!(Path::new(site.trim()).join("alpha/__init__.py").is_file());
    assert_eq!(
        world.den_ok(&["env", "show", "--hooks-only", "src env"]),
        "\n"
    );
    assert_eq!(
        world.den_ok(&["env", "list", "--long"]),
        "other\n=====\n\nsrc env\n=======\n\n"
    );

    let out = world.den_ok(&["env", "copy", "src env", "the copy"]);
    assert_eq!(out, "Copying src env as the copy...\n");
    world.den_fails(1, &["env", "copy", "src env", "other"]);
    let script = std::fs::read_to_string(source.join("bin/alpha-cli")).unwrap();
    assert!(
        script.contains(source.to_str().unwrap()),
        "the source is untouched"
    );

    let out = world.den_ok(&["env", "remove", "src env"]);
    assert_eq!(out, "Removing src env...\n");
    assert!(!source.exists());
    let copy = world.env("the copy");
    let prefix = run(
        &copy.join("bin/python"),
        &["-c", "import sys, alpha, beta; print(sys.prefix)"],
    );
    assert_eq!(prefix.trim(), copy.to_str().unwrap());
    assert_eq!(run(&copy.join("bin/alpha-cli"), &[]), "alpha main\n");
    let activate = std::fs::read_to_string(copy.join("bin/activate")).unwrap();
    assert!(activate.contains("the copy") && !activate.contains("src env"));
    let activated = run(
        Path::new("/bin/sh"),
        &[
            "-c",
            &format!(
                ". '{}/bin/activate' && command -v alpha-cli",
                copy.display()
            ),
        ],
    );
    assert_eq!(
        activated.trim(),
        copy.join("bin/alpha-cli").to_str().unwrap()
    );
    assert_eq!(world.den_ok(&["env", "list"]), "other\nthe copy\n");
}

#[test]
fn hooks_fire_in_order_with_virtualenvwrapper_arguments() {
    let Some((mut world, hooks)) = World::with_hook_dir() else {
        return;
    };
    for hook in [
        "premkvirtualenv",
        "prermvirtualenv",
        "postrmvirtualenv",
        "preactivate",
        "precpvirtualenv",
        "premkproject",
        "get_env_details",
    ] {
        world.hook(&hooks, hook, 0);
    }
    world.create("a b", &[]);
    let env = world.env("a b");
    world.hook(&env.join("bin"), "preactivate", 0);
    world.hook(&env.join("bin"), "get_env_details", 0);
    world.den_ok(&["env", "hook", "preactivate", "a b"]);
    world.den_ok(&["env", "show", "a b"]);
    world.den_ok(&["env", "copy", "a b", "c"]);
    world.den_ok(&["env", "remove", "a b"]);
    let projects = world.path("projects");
    std::fs::create_dir(&projects).unwrap();
    world.set("PROJECT_HOME", &projects);
    let python = world.python.to_str().unwrap().to_string();
    // mkproject: the environment first, then the project part (premkproject after it).
    world.den_ok(&["env", "mkproject-dir", "--check", "proj"]);
    world.den_ok(&["env", "create", "proj", "-p", &python, "--without-pip"]);
    world.den_ok(&["env", "mkproject-dir", "proj"]);
    let source = env.to_str().unwrap();
    assert_eq!(
        world.log(),
        [
            "premkvirtualenv [a b]".to_string(),
            "preactivate [a b]".to_string(),
            "preactivate [a b]".to_string(),
            "get_env_details [a b]".to_string(),
            "get_env_details [a b]".to_string(),
            format!("precpvirtualenv [{source}] [c]"),
            "premkvirtualenv [c]".to_string(),
            "prermvirtualenv [a b]".to_string(),
            "postrmvirtualenv [a b]".to_string(),
            "premkvirtualenv [proj]".to_string(),
            "premkproject [proj]".to_string(),
        ]
    );
    assert_eq!(
        world.den_ok(&["env", "path", "--project", "proj"]),
        format!("{}\n", projects.join("proj").display())
    );
    let err = world.den_fails(1, &["env", "mkproject-dir", "--check", "proj"]);
    assert!(err.contains("already exists"), "{err}");
    world.den_ok(&["env", "mkproject-dir", "--force", "proj"]);
}

#[test]
fn failing_pre_hooks_abort_with_their_status() {
    let Some((world, hooks)) = World::with_hook_dir() else {
        return;
    };
    world.hook(&hooks, "premkvirtualenv", 3);
    let python = world.python.to_str().unwrap().to_string();
    let err = world.den_fails(3, &["env", "create", "x", "-p", &python, "--without-pip"]);
    assert!(
        err.contains("premkvirtualenv failed with exit status 3"),
        "{err}"
    );
    assert!(!world.env("x").exists(), "nothing is left behind");
    std::fs::remove_file(hooks.join("premkvirtualenv")).unwrap();
    world.create("x", &[]);
    world.hook(&hooks, "prermvirtualenv", 4);
    world.den_fails(1, &["env", "remove", "x"]);
    assert!(
        world.env("x").is_dir(),
        "a failing prermvirtualenv keeps the environment"
    );
    world.hook(&hooks, "precpvirtualenv", 5);
    world.den_fails(5, &["env", "copy", "x", "y"]);
    assert!(!world.env("y").exists());
}

#[test]
fn bad_names_and_conflicts_fail_cleanly() {
    let Some(world) = World::new() else { return };
    world.create("project-api", &[]);
    let err = world.den_fails(1, &["env", "path", "project-apx"]);
    assert!(
        err.contains("environment 'project-apx' does not exist"),
        "{err}"
    );
    assert!(err.contains("did you mean: project-api"), "{err}");
    for bad in ["", "a/b", ".."] {
        let err = world.den_fails(1, &["env", "create", bad]);
        assert!(err.contains("invalid environment name"), "{bad:?}: {err}");
    }
    let err = world.den_fails(1, &["env", "create", "project-api", "--without-pip"]);
    assert!(err.contains("already exists"), "{err}");

    let out = world
        .command(&["env", "remove", "project-api", "nope"])
        .env("VIRTUAL_ENV", world.env("project-api"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("You cannot remove the active environment ('project-api')"),
        "{err}"
    );
    assert!(err.contains("environment 'nope' does not exist"), "{err}");
    assert!(world.env("project-api").is_dir());

    let file = world.path("a file");
    std::fs::write(&file, "").unwrap();
    let out = world
        .command(&["env", "create", "x"])
        .env("WORKON_HOME", &file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a writable directory"));
    let err = world.den_fails(1, &["env", "mkproject-dir", "p"]);
    assert!(err.contains("PROJECT_HOME is not set"), "{err}");
}

#[test]
fn environments_made_by_venv_are_managed_too() {
    let Some(world) = World::new() else { return };
    std::fs::create_dir_all(world.home()).unwrap();
    let plain = world.env("plain venv");
    run(
        &world.python,
        &["-m", "venv", "--without-pip", plain.to_str().unwrap()],
    );
    std::fs::create_dir(world.env("not an env")).unwrap();
    assert_eq!(world.den_ok(&["env", "list"]), "plain venv\n");
    let json: serde_json::Value =
        serde_json::from_str(&world.den_ok(&["env", "list", "--json"])).unwrap();
    assert!(json[0]["python"].as_str().unwrap().starts_with("3."));
    world.den_ok(&["env", "copy", "plain venv", "copied"]);
    let prefix = run(
        &world.env("copied").join("bin/python"),
        &["-c", "import sys; print(sys.prefix)"],
    );
    assert_eq!(prefix.trim(), world.env("copied").to_str().unwrap());
    world.den_ok(&["env", "remove", "plain venv", "copied"]);
    assert_eq!(world.den_ok(&["env", "list"]), "");
}

#[test]
fn tmp_wipe_project_add_path_and_toggle() {
    let Some(world) = World::new() else { return };
    let python = world.python.to_str().unwrap().to_string();
    let name = world.den_ok(&["env", "tmp", "-p", &python, "--without-pip"]);
    let name = name.trim();
    assert!(name.starts_with("tmp-"), "{name}");
    assert!(world.env(name).join(".den-tmp-env").is_file());

    world.create("w", &["-i", "alpha"]);
    let env = world.env("w");
    let out = world.den_ok(&["env", "wipe", "w"]);
    // virtualenvwrapper's listing, then the uninstall's own lines (pip's, on stdout).
    assert!(
        out.starts_with("Uninstalling packages:\n\nalpha\nbeta\n")
            && out.contains("Successfully uninstalled alpha-1.0"),
        "{out}"
    );
    let site = world.den_ok(&["env", "path", "--site-packages", "w"]);
    let left: Vec<_> = std::fs::read_dir(site.trim()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(world.den_ok(&["env", "wipe", "w"]), "Nothing to remove.\n");

    let project = world.path("my project");
    std::fs::create_dir(&project).unwrap();
    world.den_ok(&["env", "project", "w", "my project"]);
    assert_eq!(
        world.den_ok(&["env", "path", "--project", "w"]),
        format!("{}\n", project.display())
    );
    world.den_fails(1, &["env", "path", "--project", name]);

    let active = |args: &[&str]| common::stdout_of(world.command(args).env("VIRTUAL_ENV", &env));
    active(&["env", "add-path", "my project"]);
    let seen = run(
        &env.join("bin/python"),
        &["-c", "import sys; print(sys.path[1])"],
    );
    assert_eq!(seen.trim(), project.to_str().unwrap());
    active(&["env", "add-path", "-d", "my project"]);

    assert_eq!(
        active(&["env", "toggle-global-site-packages"]),
        "Enabled global site-packages\n"
    );
    let cfg = std::fs::read_to_string(env.join("pyvenv.cfg")).unwrap();
    assert!(cfg.contains("include-system-site-packages = true"), "{cfg}");
    assert_eq!(
        world.den_ok(&["env", "toggle-global-site-packages", "w"]),
        "Disabled global site-packages\n"
    );
    assert_eq!(
        world.den_ok(&["-q", "env", "toggle-global-site-packages", "w"]),
        ""
    );
}

#[test]
fn init_prints_the_integration_and_workon_opens_a_subshell() {
    let Some(world) = World::new() else { return };
    let script = world.den_ok(&["init", "bash"]);
    assert!(script.contains("workon"));
    world.den_fails(1, &["init", "tcsh"]);

    world.create("sub", &[]);
    let env = world.env("sub");
    let shells = shells_on_path(&["/bin/sh", "bash", "zsh", "fish"]);
    for shell in &shells {
        let out = workon_in(
            &world,
            shell,
            "sub",
            "echo \"env=$VIRTUAL_ENV\"; command -v python; exit 7\n",
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains(&format!("env={}", env.display())),
            "{shell}: {stdout}"
        );
        assert!(
            stdout.contains(env.join("bin/python").to_str().unwrap()),
            "{shell}: {stdout}"
        );
        assert_eq!(out.status.code(), Some(7), "{shell}");
    }
    world.den_fails(1, &["workon", "nope"]);
}

/// Runs `den ARGS` (with the world's variables and `vars`) from a directory that was deleted
/// after the shell entered it, as after removing a temporary environment one was inside.
fn den_in_deleted_dir(world: &World, args: &[&str], vars: &[(&str, &str)]) -> Output {
    let den = world.command(args);
    let gone = world.path("gone");
    std::fs::create_dir_all(&gone).unwrap();
    let mut sh = Command::new("/bin/sh");
    sh.args(["-c", r#"cd "$1" && rmdir "$1" && shift && exec "$@""#, "sh"])
        .arg(&gone)
        .arg(den.get_program())
        .args(den.get_args());
    for (key, value) in den.get_envs() {
        match value {
            Some(value) => sh.env(key, value),
            None => sh.env_remove(key),
        };
    }
    for (key, value) in vars {
        sh.env(key, value);
    }
    sh.output().unwrap()
}

#[test]
fn commands_work_after_the_current_directory_was_deleted() {
    let Some(world) = World::new() else { return };
    world.create("e", &[]);
    let out = den_in_deleted_dir(&world, &["env", "list"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "e\n");
    assert!(
        out.stderr.is_empty(),
        "no warning for an absolute WORKON_HOME"
    );
    let python = world.python.to_str().unwrap();
    let out = den_in_deleted_dir(
        &world,
        &["env", "create", "f", "-p", python, "--without-pip"],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(world.env("f").join("bin/activate").is_file());
    let out = den_in_deleted_dir(&world, &["env", "remove", "f"], &[]);
    assert!(out.status.success());
    assert!(!world.env("f").exists());

    // A relative WORKON_HOME cannot be resolved against a deleted directory: den says what it
    // used instead.
    let out = den_in_deleted_dir(&world, &["env", "list"], &[("WORKON_HOME", "rel/envs")]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the current directory cannot be read")
            && err.contains("WORKON_HOME is relative, so it is taken from /"),
        "{err}"
    );
}

#[test]
fn copies_of_temporary_environments_are_kept_and_copy_sources_are_checked() {
    let Some(world) = World::new() else { return };
    let python = world.python.to_str().unwrap().to_string();
    let name = world.den_ok(&["env", "tmp", "-p", &python, "--without-pip"]);
    let name = name.trim();
    world.den_ok(&["env", "copy", name, "kept"]);
    assert!(world.env(name).join(".den-tmp-env").is_file());
    assert!(
        !world.env("kept").join(".den-tmp-env").exists(),
        "the copy is not temporary"
    );
    let err = world.den_fails(1, &["env", "copy", "./nonexist", "x"]);
    assert!(err.contains("no environment at ./nonexist"), "{err}");
    let err = world.den_fails(1, &["env", "copy", "nonexist", "x"]);
    assert!(
        err.contains("environment 'nonexist' does not exist")
            && err
                .contains("create it with `mkvirtualenv nonexist` (or `den env create nonexist`)"),
        "{err}"
    );
    assert!(!world.env("x").exists());
}

/// The shells on this machine among bash, zsh and fish, as paths.
fn integrated_shells() -> Vec<String> {
    shells_on_path(&["bash", "zsh", "fish"])
}

/// Those of `shells` found on PATH, as paths; each missing one is reported (a failure under
/// `DEN_TEST_REQUIRE_ALL=1`).
fn shells_on_path(shells: &[&str]) -> Vec<String> {
    shells
        .iter()
        .filter_map(|shell| require_program(shell, &format!("den workon's subshell in {shell}")))
        .map(|path| path.display().to_string())
        .collect()
}

/// Runs `den workon NAME` with `shell` as $SHELL, feeding `input` to the subshell.
fn workon_in(world: &World, shell: &str, name: &str, input: &str) -> Output {
    std::fs::create_dir_all(world.path("tmp")).unwrap();
    den_test_support::output_with_input(
        world
            .command(&["workon", name])
            .env("SHELL", shell)
            .env("TMPDIR", world.path("tmp")),
        input,
    )
}

#[test]
fn workon_subshell_runs_the_integrations_workon() {
    let Some((world, hooks)) = World::with_hook_dir() else {
        return;
    };
    world.hook(&hooks, "preactivate", 0);
    for sourced in ["postactivate", "predeactivate", "postdeactivate"] {
        std::fs::write(hooks.join(sourced), format!("echo hook-{sourced}\n")).unwrap();
    }
    world.create("sub", &[]);
    let project = world.path("the project");
    std::fs::create_dir(&project).unwrap();
    world.den_ok(&["env", "project", "sub", "the project"]);
    std::fs::create_dir(world.path("tmp")).unwrap();
    let shells = integrated_shells();
    for shell in &shells {
        let out = workon_in(
            &world,
            shell,
            "sub",
            "pwd; ls -ld \"$TMPDIR\"/den-workon-*; echo \"env=$VIRTUAL_ENV\"; deactivate; \
             echo \"after=$VIRTUAL_ENV\"; exit 7\n",
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(7), "{shell}: {stdout}\n{stderr}");
        let lines: Vec<&str> = stdout.lines().collect();
        let at = |text: &str| {
            lines
                .iter()
                .position(|line| line.contains(text))
                .unwrap_or_else(|| panic!("{shell}: no {text:?} in:\n{stdout}\n{stderr}"))
        };
        assert!(at("hook-postactivate") < at(project.to_str().unwrap()));
        assert!(
            lines[at("den-workon-")].starts_with("drwx------"),
            "{shell}: the startup file's directory is private: {stdout}"
        );
        assert_eq!(
            lines[at("env=")],
            format!("env={}", world.env("sub").display())
        );
        assert!(at("hook-predeactivate") < at("hook-postdeactivate"));
        assert!(lines.contains(&"after="), "{shell}: {stdout}");
        let left: Vec<_> = std::fs::read_dir(world.path("tmp")).unwrap().collect();
        assert!(
            left.is_empty(),
            "{shell}: startup files are removed: {left:?}"
        );
    }
    assert_eq!(world.log(), vec!["preactivate [sub]"; shells.len()]);

    // A failing preactivate hook ends the subshell with its status, before activation.
    world.hook(&hooks, "preactivate", 3);
    for shell in &shells {
        let out = workon_in(&world, shell, "sub", "echo reached; exit 0\n");
        assert_eq!(out.status.code(), Some(3), "{shell}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("reached"));
    }
}

#[test]
fn failed_installs_leave_nothing_and_a_retry_works() {
    let Some(world) = World::new() else { return };
    let project = world.path("proj");
    std::fs::create_dir(&project).unwrap();
    let python = world.python.to_str().unwrap().to_string();
    let args = |package: &'static str| {
        vec![
            "env".to_string(),
            "create".to_string(),
            "e".to_string(),
            "-p".to_string(),
            python.clone(),
            "--without-pip".to_string(),
            "-a".to_string(),
            "proj".to_string(),
            "-i".to_string(),
            package.to_string(),
        ]
    };
    let failing = args("no-such-package");
    let failing: Vec<&str> = failing.iter().map(String::as_str).collect();
    let err = world.den_fails(1, &failing);
    assert!(
        err.contains("environment 'e' was removed again") && err.contains("no-such-package"),
        "{err}"
    );
    assert!(!world.env("e").exists());
    let working = args("alpha");
    let working: Vec<&str> = working.iter().map(String::as_str).collect();
    world.den_ok(&working);
    assert_eq!(
        world.den_ok(&["env", "path", "--project", "e"]),
        format!("{}\n", project.display())
    );
    let err = world.den_fails(1, &["env", "create", "f", "-a", "missing dir"]);
    assert!(err.contains("it is not a directory"), "{err}");
    assert!(!world.env("f").exists());
}

#[test]
fn create_reuse_updates_an_existing_environment_in_place() {
    let Some((world, hooks)) = World::with_hook_dir() else {
        return;
    };
    world.hook(&hooks, "premkvirtualenv", 0);
    world.create("e", &["-i", "alpha"]);
    let env = world.env("e");
    std::fs::write(env.join("notes.txt"), "mine").unwrap();
    let err = world.den_fails(1, &["env", "create", "e", "--without-pip"]);
    assert!(err.contains("already exists"), "{err}");
    // As mkvirtualenv over an existing environment (virtualenv reuses the directory): what
    // was there stays, -i installs into it, premkvirtualenv runs again.
    let python = world.python.to_str().unwrap().to_string();
    let reuse = [
        "env",
        "create",
        "--reuse",
        "e",
        "-p",
        &python,
        "--without-pip",
    ];
    let out = world.den(&[&reuse[..], &["-i", "beta"]].concat());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("Updated virtual environment 'e'") && stderr.contains("keeping"),
        "{stderr}"
    );
    run(&env.join("bin/python"), &["-c", "import alpha"]);
    assert_eq!(
        std::fs::read_to_string(env.join("notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(world.log(), ["premkvirtualenv [e]", "premkvirtualenv [e]"]);
    // A failure while updating leaves the environment as it was, not removed.
    world.hook(&hooks, "premkvirtualenv", 3);
    world.den_fails(3, &reuse);
    run(&env.join("bin/python"), &["-c", "import alpha"]);
    std::fs::remove_file(hooks.join("premkvirtualenv")).unwrap();
    // Without -p it keeps its own Python, whatever python3 comes first on PATH now.
    if let Some(other) = require(
        other_python(&world.python),
        &format!(
            "a CPython 3.8+ of another minor version than {}",
            world.python.display()
        ),
        "den env create --reuse with another python3 on PATH",
    ) {
        let bin = world.path("bin");
        std::fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink(&other, bin.join("python3")).unwrap();
        let out = world
            .command(&["env", "create", "--reuse", "e", "--without-pip"])
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let version = |python: &Path| run(python, &["-c", "import sys; print(sys.version)"]);
        assert_eq!(version(&env.join("bin/python")), version(&world.python));
    }
    // Another Python version's environment is refused with den's advice, untouched.
    let cfg = env.join("pyvenv.cfg");
    let text = std::fs::read_to_string(&cfg).unwrap();
    let other: String = text
        .lines()
        .map(|line| match line.split_once(" = ") {
            Some(("version_info", _)) => "version_info = 3.99.1\n".to_string(),
            _ => format!("{line}\n"),
        })
        .collect();
    std::fs::write(&cfg, &other).unwrap();
    let err = world.den_fails(1, &reuse);
    assert!(
        err.contains("environment 'e' is of Python 3.99.1") && err.contains("-p 3.99"),
        "{err}"
    );
    assert!(!err.contains("--clear"), "{err}");
    assert_eq!(std::fs::read_to_string(&cfg).unwrap(), other);
    // A directory that is not an environment is refused and left alone.
    let plain = world.env("plain");
    std::fs::create_dir(&plain).unwrap();
    std::fs::write(plain.join("file"), "x").unwrap();
    let err = world.den_fails(1, &["env", "create", "--reuse", "plain", "--without-pip"]);
    assert!(
        err.contains("is not a virtual environment den can update"),
        "{err}"
    );
    assert!(plain.join("file").is_file());
}

/// A CPython 3.8+ of another minor version than `python`, if this machine has one.
fn other_python(python: &Path) -> Option<PathBuf> {
    let minor = |python: &Path| {
        Command::new(python)
            .args([
                "-c",
                "import sys; print(sys.version_info[:2] >= (3, 8), sys.version_info[:2])",
            ])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let mine = minor(python)?;
    pythons().into_iter().find(|candidate| {
        minor(candidate).is_some_and(|other| other.starts_with("True") && other != mine)
    })
}

#[test]
fn new_environments_are_not_based_on_the_active_one() {
    let Some(world) = World::new() else { return };
    let Some(other) = require(
        other_python(&world.python),
        &format!(
            "a CPython 3.8+ of another minor version than {}",
            world.python.display()
        ),
        "den env create under an active environment of another Python",
    ) else {
        return;
    };
    world.create("active", &[]);
    let active = world.env("active");
    let bin = world.path("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(&other, bin.join("python3")).unwrap();
    let path = format!(
        "{}:{}:/usr/bin:/bin",
        active.join("bin").display(),
        bin.display()
    );
    let out = world
        .command(&["env", "create", "fresh", "--without-pip"])
        .env("VIRTUAL_ENV", &active)
        .env("PATH", &path)
        .env("PYENV_ROOT", world.path("no pyenv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let version = |python: &Path| run(python, &["-c", "import sys; print(sys.version)"]);
    assert_eq!(
        version(&world.env("fresh").join("bin/python")),
        version(&other),
        "the base is python3 on PATH after the active environment's bin"
    );
}

#[test]
fn show_prints_the_environment_then_its_details() {
    let Some((world, hooks)) = World::with_hook_dir() else {
        return;
    };
    std::fs::create_dir(&hooks).unwrap();
    let details = hooks.join("get_env_details");
    std::fs::write(
        &details,
        "#!/bin/sh\n[ \"$1\" = a ] && exit 2\necho \"details of $1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&details, std::fs::Permissions::from_mode(0o755)).unwrap();
    world.create("a", &[]);
    world.create("b", &[]);
    let project = world.path("p");
    std::fs::create_dir(&project).unwrap();
    world.den_ok(&["env", "project", "b", "p"]);
    let version = run(
        &world.python,
        &[
            "-c",
            "import sys; print('.'.join(map(str, sys.version_info[:3])))",
        ],
    );
    assert_eq!(
        world.den_ok(&["env", "show", "b"]),
        format!(
            "name:    b\npath:    {}\npython:  {}\nproject: {}\ndetails of b\n",
            world.env("b").display(),
            version.trim(),
            project.display()
        )
    );
    assert_eq!(
        world.den_ok(&["env", "show", "--hooks-only", "b"]),
        "details of b\n\n"
    );
    let err = world.den_fails(2, &["env", "show", "a"]);
    assert!(err.contains("failed with exit status 2"), "{err}");

    // lsvirtualenv -l goes on past a failing hook; hidden directories and directories workon
    // cannot activate are not listed.
    std::fs::create_dir_all(world.env(".hidden/bin")).unwrap();
    std::fs::write(world.env(".hidden/bin/activate"), "").unwrap();
    std::fs::create_dir(world.env("cfg only")).unwrap();
    std::fs::write(world.env("cfg only/pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    let out = world.den(&["env", "list", "--long"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "a\n=\n\nb\n=\ndetails of b\n\n"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning: details of 'a'"), "{err}");
    assert_eq!(world.den_ok(&["env", "list"]), "a\nb\n");
}

#[test]
fn project_and_add_path_take_absolute_normalized_directories() {
    let Some(world) = World::new() else { return };
    world.create("w", &[]);
    let env = world.env("w");
    let project = world.path("my project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(world.path("a file"), "").unwrap();
    let err = world.den_fails(1, &["env", "project", "w", "a file"]);
    assert!(
        err.contains(&format!(
            "cannot use {} as a project directory: it is not a directory",
            world.path("a file").display()
        )),
        "{err}"
    );
    world.den_fails(1, &["env", "project", "w", "missing"]);
    let out = world.den_ok(&["env", "project", "w", "my project/../my project/."]);
    assert_eq!(
        out,
        format!("Setting project for w to {}\n", project.display())
    );
    let out = world
        .command(&["env", "project", "w", "."])
        .current_dir(&project)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("Setting project for w to {}\n", project.display())
    );
    assert_eq!(
        std::fs::read_to_string(env.join(".project")).unwrap(),
        format!("{}\n", project.display())
    );

    let active = |args: &[&str]| {
        world
            .command(args)
            .env("VIRTUAL_ENV", &env)
            .output()
            .unwrap()
    };
    let out = active(&["env", "add-path"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Usage: add2virtualenv dir [dir ...]\n"
    );
    std::os::unix::fs::symlink(&project, world.path("link")).unwrap();
    let out = active(&["env", "add-path", "link/."]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!(
        "Converting \"link/.\" to \"{}\"",
        world.path("link").display()
    )));
    let out = active(&["env", "add-path"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "Usage: add2virtualenv dir [dir ...]\n\nExisting paths:\n{}\n",
            world.path("link").display()
        )
    );
    active(&["env", "add-path", "-d", "link"]);
    let out = active(&["env", "add-path"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Usage: add2virtualenv dir [dir ...]\n\nExisting paths:\n"
    );
}
