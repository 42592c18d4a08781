//! `den env`, `den init` and `den workon` end to end: the real binary with WORKON_HOME in a
//! temporary directory, packages from a loopback index (den-test-support), hooks as shell
//! scripts that append to a log, and the real interpreters running what den made.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use den_test_support::{TestIndex, WheelBuilder};

/// A CPython 3.10+ (pyenv's, else python3 on PATH); `None` skips, except in CI.
fn python() -> Option<PathBuf> {
    static PYTHON: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let found = PYTHON.get_or_init(|| {
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default();
        let mut candidates: Vec<PathBuf> = std::fs::read_dir(home.join(".pyenv/versions"))
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin/python3"))
            .collect();
        candidates.sort();
        candidates.reverse();
        candidates.push(PathBuf::from("python3"));
        candidates.into_iter().find(|python| {
            Command::new(python)
                .args(["-c", "import sys; assert sys.version_info >= (3, 10)"])
                .output()
                .is_ok_and(|o| o.status.success())
        })
    });
    if found.is_none() && std::env::var_os("CI").is_some() {
        panic!("CI needs a CPython 3.10+");
    }
    found.clone()
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
        let Some(python) = python() else {
            eprintln!("skipping: no CPython 3.10+ on this machine");
            return None;
        };
        let world = Self {
            dir: tempfile::tempdir().unwrap(),
            index: TestIndex::new(),
            python,
            vars: Vec::new(),
        };
        world.index.publish(
            &WheelBuilder::new("alpha", "1.0")
                .requires_dist("beta")
                .file(
                    "alpha/__init__.py",
                    b"def main():\n    print('alpha main')\n",
                )
                .console_script("alpha-cli", "alpha:main"),
        );
        world.index.publish(&WheelBuilder::new("beta", "2.0"));
        Some(world)
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
        let mut command = Command::new(env!("CARGO_BIN_EXE_den"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("HOME", self.dir.path())
            .env("WORKON_HOME", self.home())
            .env("SHELL", "/bin/sh")
            .env("DEN_CACHE_DIR", self.path("cache"))
            .env("DEN_INDEX_URL", self.index.url())
            .env("PIP_CONFIG_FILE", "/dev/null")
            .env_remove("VIRTUAL_ENV")
            .env_remove("VIRTUALENVWRAPPER_HOOK_DIR")
            .env_remove("PROJECT_HOME")
            .env_remove("PYENV_VERSION")
            .env_remove("PIP_INDEX_URL");
        for (key, value) in &self.vars {
            command.env(key, value);
        }
        command
    }

    fn den(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn den_ok(&self, args: &[&str]) -> String {
        let out = self.den(args);
        assert!(
            out.status.success(),
            "den {args:?} failed:\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
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
    assert_eq!(world.den_ok(&["env", "show", "src env"]), "\n");
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
    let Some(mut world) = World::new() else {
        return;
    };
    let hooks = world.path("hooks");
    world.set("VIRTUALENVWRAPPER_HOOK_DIR", &hooks);
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
    let Some(mut world) = World::new() else {
        return;
    };
    let hooks = world.path("hooks");
    world.set("VIRTUALENVWRAPPER_HOOK_DIR", &hooks);
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
    assert_eq!(out, "Uninstalling packages:\n\nalpha\nbeta\n");
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

    let active = |args: &[&str]| {
        let out = world
            .command(args)
            .env("VIRTUAL_ENV", &env)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    active(&["env", "add-path", "my project"]);
    assert_eq!(
        active(&["env", "add-path"]),
        format!("{}\n", project.display())
    );
    let seen = run(
        &env.join("bin/python"),
        &["-c", "import sys; print(sys.path[1])"],
    );
    assert_eq!(seen.trim(), project.to_str().unwrap());
    active(&["env", "add-path", "-d", "my project"]);
    assert_eq!(active(&["env", "add-path"]), "");

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
    let shells = ["/bin/sh", "bash", "zsh", "fish"]
        .into_iter()
        .filter_map(|shell| {
            let found = Command::new("sh")
                .args(["-c", &format!("command -v {shell}")])
                .output()
                .unwrap();
            found
                .status
                .success()
                .then(|| String::from_utf8(found.stdout).unwrap())
        });
    for shell in shells {
        let shell = shell.trim();
        let mut child = world
            .command(&["workon", "sub"])
            .env("SHELL", shell)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"echo \"env=$VIRTUAL_ENV\"; command -v python; exit 7\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
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
