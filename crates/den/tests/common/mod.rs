//! What the binary's test files share: the interpreter they need, starting `den` isolated
//! from the machine's own environment and pip configuration, and a test's [`World`] (scratch
//! directory, private cache, local index). Each test binary uses part of it.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use den_test_support::TestIndex;

/// `den` (the binary under test) with a private cache and index, and none of the ambient
/// settings that would change what it does: no active environment, no pip index or config, no
/// pyenv pin from the caller.
pub fn den_command(cache: &Path, index_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_den"));
    with_den_env(&mut command, cache, index_url);
    command
}

/// Gives `command` (den, or a program that runs den) the environment [`den_command`] gives
/// den: the private `cache`, the index at `index_url`, and no ambient environment or pip
/// configuration.
pub fn with_den_env<'a>(
    command: &'a mut Command,
    cache: &Path,
    index_url: &str,
) -> &'a mut Command {
    command
        .env("DEN_CACHE_DIR", cache)
        .env("DEN_INDEX_URL", index_url)
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env_remove("VIRTUAL_ENV")
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_EXTRA_INDEX_URL")
        .env_remove("PIP_FIND_LINKS")
        .env_remove("PIP_NO_INDEX")
        .env_remove("PIP_TRUSTED_HOST")
        .env_remove("PYENV_VERSION")
}

/// Asserts that `den args` succeeded, showing both streams if not; returns its stdout.
pub fn success_stdout(args: &[&str], out: Output) -> String {
    assert!(
        out.status.success(),
        "den {args:?} failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A CPython 3.10+ with ensurepip's bundled wheels (the first of den-test-support's
/// interpreters that has them), or a report that it is missing (a failure under
/// `DEN_TEST_REQUIRE_ALL=1`) and `None`.
pub fn python() -> Option<PathBuf> {
    static PYTHON: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let found = PYTHON.get_or_init(|| {
        den_test_support::find_python(
            "import ensurepip, pathlib, sys; assert sys.version_info >= (3, 10); \
             assert list((pathlib.Path(ensurepip.__file__).parent / '_bundled').glob('pip-*.whl'))",
        )
    });
    den_test_support::require(
        found.clone(),
        "a CPython 3.10+ with ensurepip's bundled wheels",
        "den end to end (environments made and run by a real interpreter)",
    )
}

/// `alpha` 1.0: needs `beta`, has the console script `alpha-cli` (prints `alpha main`).
pub fn alpha_wheel() -> den_test_support::WheelBuilder {
    den_test_support::WheelBuilder::new("alpha", "1.0")
        .requires_dist("beta")
        .file(
            "alpha/__init__.py",
            b"def main():\n    print('alpha main')\n",
        )
        .console_script("alpha-cli", "alpha:main")
}

/// Runs `command`, asserts it succeeded (showing its stderr if not), returns its stdout.
pub fn stdout_of(command: &mut Command) -> String {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// One test's world: a scratch directory, a private cache and a local index.
pub struct World {
    pub dir: tempfile::TempDir,
    pub index: TestIndex,
    pub python: PathBuf,
}

impl World {
    /// A fresh world, or `None` (reported) when [`python`] finds no interpreter.
    pub fn new() -> Option<Self> {
        let python = python()?;
        Some(Self {
            dir: tempfile::tempdir().unwrap(),
            index: TestIndex::new(),
            python,
        })
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `den` in the world's directory with a private cache, this world's index, and no ambient
    /// environment or pip config.
    pub fn den(&self, args: &[&str]) -> Output {
        self.den_in(self.dir.path(), None, args)
    }

    /// `den` as [`World::den`], run in `cwd` with `VIRTUAL_ENV` set to `virtual_env`.
    pub fn den_in(&self, cwd: &Path, virtual_env: Option<&Path>, args: &[&str]) -> Output {
        let mut command = den_command(&self.path("cache"), &self.index.url());
        command.args(args).current_dir(cwd);
        if let Some(env) = virtual_env {
            command.env("VIRTUAL_ENV", env);
        }
        command.output().unwrap()
    }

    /// Runs den and asserts it succeeded; returns stdout.
    pub fn den_ok(&self, args: &[&str]) -> String {
        success_stdout(args, self.den(args))
    }

    /// Runs den, asserts it failed with exit code 1, and returns stderr.
    pub fn den_err(&self, args: &[&str]) -> String {
        let out = self.den(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(1),
            "den {args:?} should fail; stderr: {stderr}"
        );
        stderr
    }

    /// `den pip install --no-index --find-links DIR REQUIREMENT` into `env`, asserted to
    /// succeed; returns stdout.
    pub fn den_install_offline(&self, env: &Path, dir: &Path, requirement: &str) -> String {
        let (env, dir) = (env.to_str().unwrap(), dir.to_str().unwrap());
        self.den_ok(&[
            "pip",
            "install",
            "-p",
            env,
            "--no-index",
            "--find-links",
            dir,
            requirement,
        ])
    }

    /// Unpacks the sdist `builder` makes into `<world>/<dir>`, giving a project directory.
    pub fn project_dir(&self, builder: &den_test_support::SdistBuilder, dir: &str) -> PathBuf {
        let archive = builder.build(&self.path("sdists"));
        let dest = self.path(dir);
        std::fs::create_dir_all(&dest).unwrap();
        let status = Command::new("tar")
            .args([
                "xzf",
                archive.to_str().unwrap(),
                "--strip-components=1",
                "-C",
            ])
            .arg(&dest)
            .status()
            .unwrap();
        assert!(status.success());
        dest
    }

    /// Creates `env` with den (with pip) and installs `requirements` into it with `den pip
    /// install`.
    pub fn env_with(&self, name: &str, requirements: &[&str]) -> PathBuf {
        let env = self.venv(name, false);
        let mut args = vec!["pip", "install", "-p", env.to_str().unwrap()];
        args.extend_from_slice(requirements);
        self.den_ok(&args);
        env
    }

    /// Creates `env` with den (pip seeded unless `without_pip`).
    pub fn venv(&self, name: &str, without_pip: bool) -> PathBuf {
        let python = self.python.to_str().unwrap();
        let mut args = vec!["venv", name, "-p", python];
        if without_pip {
            args.push("--without-pip");
        }
        self.den_ok(&args);
        self.path(name)
    }
}

/// The SHA-256 of the file at `path`, in hex (what a `--hash=sha256:` option names).
pub fn sha256_hex(path: &Path) -> String {
    let mut hasher = den_dist::Hasher::new(den_dist::HashAlgorithm::Sha256);
    hasher.update(&std::fs::read(path).unwrap());
    hasher.finalize().hex
}

/// Runs the environment's python with `args`; returns (success, stdout, stderr).
pub fn run_python(env: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env.join("bin/python"))
        .args(args)
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env_remove("PIP_FIND_LINKS")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every file under `root`, relative, ignoring bytecode caches.
pub fn tree(root: &Path) -> BTreeSet<String> {
    walk(root)
        .into_iter()
        .filter(|p| !p.contains("__pycache__"))
        .collect()
}

pub fn walk(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    out
}

/// The real pip (26.x; `pip26` is its interpreter) about to run `subcommand` for the
/// environment `env`: `python -m pip --python ENV/bin/python SUBCOMMAND`, none of the
/// machine's pip configuration; the caller adds the arguments.
pub fn pip26(pip26: &Path, env: &Path, subcommand: &str) -> Command {
    let mut command = Command::new(pip26);
    command
        .args(["-m", "pip", "--disable-pip-version-check", "--python"])
        .arg(env.join("bin/python"))
        .arg(subcommand)
        .env("PIP_CONFIG_FILE", "/dev/null");
    command
}

/// Runs `git ARGS` in `dir` (as a committer named den), asserts it succeeds and returns its
/// standard output.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=den",
            "-c",
            "user.email=den@example.invalid",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Makes `dir` a git repository with one commit of everything in it on `main`, tagged `v1`;
/// returns the commit.
pub fn git_repository(dir: &Path) -> String {
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", "first"]);
    git(dir, &["tag", "v1"]);
    git(dir, &["rev-parse", "HEAD"]).trim().to_string()
}

/// The names of `dir`'s entries, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Serves the real setuptools backend from `world`'s index (ensurepip's wheel, and the
/// `wheel` project where found, which setuptools before 70.1 asks for) and returns the paths
/// of those wheels and a CPython 3.10 or 3.11 to build with (ensurepip's setuptools predates
/// Python 3.12's removals). `None` (said, failing under `DEN_TEST_REQUIRE_ALL`) without such
/// a wheel or Python; `what` names the check.
pub fn serve_setuptools(world: &World, what: &str) -> Option<(Vec<PathBuf>, PathBuf)> {
    let setuptools = den_test_support::require(
        den_test_support::setuptools_wheel(),
        "a setuptools wheel (ensurepip's, bundled with CPython up to 3.11)",
        what,
    )?;
    let mut backend = vec![setuptools];
    backend.extend(den_test_support::wheel_package_wheel());
    for wheel in &backend {
        world.index.add_wheel(wheel);
    }
    let python = den_test_support::require(
        den_test_support::find_python(
            "import sys, ensurepip; assert (3, 10) <= sys.version_info < (3, 12)",
        ),
        "a CPython 3.10 or 3.11",
        what,
    )?;
    Some((backend, python))
}
