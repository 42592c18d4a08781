//! virtualenvwrapper judges den's shell integration: its own shunit2 suite (from the
//! virtualenvwrapper 6.1.1 sdist) run with `den init bash` / `den init zsh` loaded where the
//! suite loads virtualenvwrapper.sh. The tests themselves are run unchanged; only the script
//! they source is den's (a two-line file that evaluates `den init`), put both where the suite
//! sources it from the source tree and where an installed virtualenvwrapper puts it (the
//! `bin` of the suite's environment, found by the lazy loader with `which`).

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use den_test_support::{find_program, require, require_program};

mod common;

/// The sdist's name; `.ci/run` downloads it with pip.
const SDIST: &str = "virtualenvwrapper-6.1.1.tar.gz";

/// Tests den does not pass in bash, and why. Real virtualenvwrapper 6.1.1 fails, as root,
/// `test_expandpath test_tilde_vars` and `test_tempfile test_tmpdir_not_writable` (listed here
/// too) and the two editable-install tests of `test_wipeenv` (which den passes).
const KNOWN_FAILURES_BASH: &[(&str, &str, &str)] = &[
    (
        "test",
        "test_python_interpreter_set_incorrectly",
        "den runs no Python when it loads, so a broken VIRTUALENVWRAPPER_PYTHON is not reported",
    ),
    (
        "test_expandpath",
        "test_tilde_vars",
        "`~$USER`: den leaves `~user` as written where Python looks the user up (virtualenvwrapper fails it too here)",
    ),
    (
        "test_tempfile",
        "test_no_such_tmpdir",
        "den's hooks need no temporary file, so a missing TMPDIR does not fail them",
    ),
    (
        "test_tempfile",
        "test_tmpdir_not_writable",
        "den's hooks need no temporary file (virtualenvwrapper fails it as root too)",
    ),
    (
        "test_mkvirtualenv",
        "test_no_virtualenv",
        "expects mkvirtualenv to fail without virtualenv on PATH; den needs no virtualenv",
    ),
];

/// The least number of the suite's tests den must pass in bash (of 197; real
/// virtualenvwrapper passes 193 as root).
const FLOOR_BASH: usize = 192;

/// Tests den does not pass in zsh (run `zsh -o shwordsplit`, as the suite's tox config runs
/// it): the same as in bash, for the same reasons. Real virtualenvwrapper 6.1.1 fails the same
/// four tests as root in zsh as in bash.
const KNOWN_FAILURES_ZSH: &[(&str, &str, &str)] = KNOWN_FAILURES_BASH;

/// The least number of the suite's tests den must pass in zsh (of 197; real
/// virtualenvwrapper passes 193 as root).
const FLOOR_ZSH: usize = 192;

/// The sdist: `$DEN_TEST_VIRTUALENVWRAPPER_SDIST`, else where `.ci/run` puts it
/// (`${TMPDIR:-/tmp}/den-ci-virtualenvwrapper/`).
fn sdist() -> Option<PathBuf> {
    let path = match std::env::var_os("DEN_TEST_VIRTUALENVWRAPPER_SDIST") {
        Some(path) => PathBuf::from(path),
        None => std::env::temp_dir()
            .join("den-ci-virtualenvwrapper")
            .join(SDIST),
    };
    path.is_file().then_some(path)
}

/// A directory holding `virtualenv` and `virtualenv-clone` (virtualenvwrapper's own
/// dependencies, which the suite calls by name): `$DEN_TEST_VIRTUALENVWRAPPER_TOOLS`, else
/// found on PATH. Symlinks to just those two go into `into`.
fn tools(into: &Path) -> Option<PathBuf> {
    let dir = std::env::var_os("DEN_TEST_VIRTUALENVWRAPPER_TOOLS").map(PathBuf::from);
    fs::create_dir_all(into).unwrap();
    for name in ["virtualenv", "virtualenv-clone"] {
        let found = match &dir {
            Some(dir) => Some(dir.join(name)).filter(|p| p.is_file()),
            None => find_program(name),
        }?;
        std::os::unix::fs::symlink(found, into.join(name)).unwrap();
    }
    Some(into.to_path_buf())
}

/// The names of a test file's tests, found as shunit2 finds them: lines that start (after
/// blanks) with `test`, a name and `()`; a name defined twice (test_lazy.sh and
/// test_lazy_loaded.sh each have one) is one test.
fn test_names(file: &Path) -> Vec<String> {
    let text = fs::read_to_string(file).unwrap();
    text.lines()
        .filter_map(|line| {
            let line = line.trim_start_matches([' ', '\t']);
            let name_len = line
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(line.len());
            let (name, rest) = line.split_at(name_len);
            (name.starts_with("test") && rest.trim_start_matches(' ').starts_with("()"))
                .then(|| name.to_string())
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The tests of `names` that passed in shunit2's output: each test's name is printed as it
/// starts, and each failed assertion as a line starting `ASSERT:`; a test whose name never
/// appears (the file stopped early) did not pass.
fn passed(names: &[String], output: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut failed = BTreeSet::new();
    let mut current: Option<&str> = None;
    for line in output.lines() {
        if let Some(name) = names.iter().find(|name| name.as_str() == line) {
            current = Some(name);
            seen.insert(name.clone());
        } else if line.starts_with("Ran ") && line.ends_with(" tests.") || line == "Ran 1 test." {
            current = None;
        } else if line.starts_with("ASSERT:")
            && let Some(name) = current
        {
            failed.insert(name.to_string());
        }
    }
    seen.difference(&failed).cloned().collect()
}

/// What a run of the suite found.
struct SuiteRun {
    /// How many tests the files define.
    total: usize,
    /// How many of them passed.
    passes: usize,
    /// The (file, test) pairs that did not pass.
    failed: BTreeSet<(String, String)>,
    /// The output of the files with failures.
    report: String,
}

/// Runs the whole suite in `shell` with den's integration.
fn run_suite(shell: &str) -> Option<SuiteRun> {
    let shell_path = require_program(shell, "virtualenvwrapper's suite against den")?;
    let sdist = require(
        sdist(),
        &format!(
            "the {SDIST} sdist (set DEN_TEST_VIRTUALENVWRAPPER_SDIST; \
             pip download --no-deps --no-binary :all: virtualenvwrapper==6.1.1)"
        ),
        "virtualenvwrapper's suite against den",
    )?;
    let python = common::python()?;
    let dir = tempfile::tempdir().unwrap();
    let tools = require(
        tools(&dir.path().join("tools")),
        "virtualenv and virtualenv-clone (set DEN_TEST_VIRTUALENVWRAPPER_TOOLS)",
        "virtualenvwrapper's suite against den",
    )?;
    let status = Command::new("tar")
        .arg("xzf")
        .arg(&sdist)
        .arg("-C")
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success(), "unpacking {} failed", sdist.display());
    let tree = dir.path().join(SDIST.trim_end_matches(".tar.gz"));
    // den's integration where the suite sources virtualenvwrapper.sh.
    let shim = "# den's shell integration in place of virtualenvwrapper.sh\n\
        if [ -n \"${ZSH_VERSION:-}\" ]; then eval \"$(\"$DEN_EXECUTABLE\" init zsh)\"; \
        else eval \"$(\"$DEN_EXECUTABLE\" init bash)\"; fi\n";
    fs::write(tree.join("virtualenvwrapper.sh"), shim).unwrap();
    // The environment run_tests activates (tox's, for virtualenvwrapper), with pip (the
    // project-template tests install their template with it) and the same script installed in
    // its bin as pip would install virtualenvwrapper's.
    let envdir = dir.path().join("env");
    let status = Command::new(&python)
        .args(["-m", "venv"])
        .arg(&envdir)
        .status()
        .unwrap();
    assert!(status.success(), "python -m venv failed");
    let installed = envdir.join("bin/virtualenvwrapper.sh");
    fs::write(&installed, shim).unwrap();
    fs::set_permissions(&installed, fs::Permissions::from_mode(0o755)).unwrap();
    let home = dir.path().join("home");
    fs::create_dir_all(&home).unwrap();

    let mut files: Vec<PathBuf> = fs::read_dir(tree.join("tests"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with("test") && name.ends_with(".sh")
        })
        .collect();
    files.sort();
    let (mut total, mut passes) = (0, 0);
    let mut failed = BTreeSet::new();
    let mut report = String::new();
    for file in &files {
        let stem = file.file_stem().unwrap().to_string_lossy().to_string();
        let mut command = Command::new(&shell_path);
        if shell == "zsh" {
            command
                .args(["-o", "shwordsplit"])
                .env("test_shell_opts", "-o shwordsplit");
        }
        command
            .arg("tests/run_tests")
            .arg(&envdir)
            .arg(format!("tests/{stem}.sh"))
            .current_dir(&tree)
            .env("SHELL", &shell_path)
            .env("DEN_EXECUTABLE", env!("CARGO_BIN_EXE_den"))
            .env("DEN_CACHE_DIR", dir.path().join("cache"))
            .env("HOME", &home)
            .env(
                "PATH",
                format!("/usr/local/bin:/usr/bin:/bin:{}", tools.display()),
            )
            // den init adds pyenv's shims when pyenv's root exists: not part of this.
            .env("PYENV_ROOT", dir.path().join("no-pyenv"))
            .env("PIP_CONFIG_FILE", "/dev/null")
            // As tox runs the suite: tests load the script installed in the environment's
            // bin (zsh has no BASH_SOURCE to find the source tree's copy by).
            .env("USING_TOX", "1");
        for var in [
            "VIRTUAL_ENV",
            "WORKON_HOME",
            "PROJECT_HOME",
            "PYENV_VERSION",
            "VIRTUALENVWRAPPER_VIRTUALENV",
            "VIRTUALENVWRAPPER_VIRTUALENV_ARGS",
            "VIRTUALENVWRAPPER_VIRTUALENV_CLONE",
            "VIRTUALENVWRAPPER_HOOK_DIR",
            "VIRTUALENVWRAPPER_SCRIPT",
            "DEN_INDEX_URL",
        ] {
            command.env_remove(var);
        }
        let output = command.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let names = test_names(file);
        let ok = passed(&names, &String::from_utf8_lossy(&output.stdout));
        total += names.len();
        passes += ok.len();
        let mut file_failed = false;
        for name in &names {
            if !ok.contains(name) {
                failed.insert((stem.clone(), name.clone()));
                file_failed = true;
            }
        }
        if file_failed {
            report.push_str(&format!("==== {stem}\n{text}\n"));
        }
    }
    Some(SuiteRun {
        total,
        passes,
        failed,
        report,
    })
}

/// Checks one shell's run against its known failures and floor.
fn check(shell: &str, known: &[(&str, &str, &str)], floor: usize) {
    let Some(SuiteRun {
        total,
        passes,
        failed,
        report,
    }) = run_suite(shell)
    else {
        return;
    };
    let mut summary =
        format!("virtualenvwrapper's suite in {shell} with den: {passes} of {total} tests pass\n");
    for (file, name) in &failed {
        summary.push_str(&format!("  not passed: {file}: {name}\n"));
    }
    eprint!("{summary}");
    // For `.ci/run` to print: cargo test shows no output of a passing test.
    let count_file =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("virtualenvwrapper-{shell}.txt"));
    fs::write(&count_file, &summary).unwrap();
    let known: BTreeSet<(String, String)> = known
        .iter()
        .map(|(file, name, _)| (file.to_string(), name.to_string()))
        .collect();
    let unexpected: Vec<_> = failed.difference(&known).collect();
    assert!(
        unexpected.is_empty(),
        "virtualenvwrapper's tests failed in {shell} with den: {unexpected:?}\n{report}"
    );
    assert!(
        passes >= floor,
        "only {passes} of {total} virtualenvwrapper tests passed in {shell} (floor {floor})"
    );
    for (file, name) in known.difference(&failed) {
        eprintln!("listed as failing but passed: {file}: {name}");
    }
}

#[test]
fn virtualenvwrapper_suite_passes_in_bash_with_den_in_its_place() {
    check("bash", KNOWN_FAILURES_BASH, FLOOR_BASH);
}

#[test]
fn shunit2_output_is_read_per_test() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("test_x.sh");
    fs::write(
        &file,
        "setUp() { :; }\ntest_a () {\n:\n}\n  test_b() {\n}\ntesting_c ()\nnot_test_d () {}\n",
    )
    .unwrap();
    let names = test_names(&file);
    assert_eq!(names, ["test_a", "test_b", "testing_c"]);
    let output = "test_a\nsome output\ntest_b\nASSERT:expected:<1> but was:<2>\n\nRan 3 tests.\n";
    let ok = passed(&names, output);
    // test_b failed an assertion; testing_c never ran.
    assert_eq!(ok.into_iter().collect::<Vec<_>>(), ["test_a"]);
}

#[test]
fn virtualenvwrapper_suite_passes_in_zsh_with_den_in_its_place() {
    check("zsh", KNOWN_FAILURES_ZSH, FLOOR_ZSH);
}
