//! Outside tools a test needs (a shell, an interpreter, pip, git, setuptools, nushell...): a
//! missing one is reported, never silently passed, and is a failure under
//! `DEN_TEST_REQUIRE_ALL=1`.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The environment variable that turns a missing tool into a test failure: set it to `1`
/// (`.ci/run` does) on a machine that must check everything.
pub const REQUIRE_ALL: &str = "DEN_TEST_REQUIRE_ALL";

/// Whether [`REQUIRE_ALL`] is set to `1`.
pub fn require_all() -> bool {
    std::env::var_os(REQUIRE_ALL).is_some_and(|v| v == "1")
}

/// `found`, or (when it is `None`) a report that `tool` is missing so `unchecked` is not
/// checked, then `None`; the caller returns without checking anything else.
///
/// The report goes straight to the process's standard error, around the test harness's
/// capture, so a plain `cargo test` shows it beside the test's `ok`:
///
/// ```text
/// MISSING TOOL zsh (not found on PATH): NOT CHECKED: activation in zsh; DEN_TEST_REQUIRE_ALL=1 makes this a failure
/// ```
///
/// # Panics
///
/// With the same message when `found` is `None` and `DEN_TEST_REQUIRE_ALL=1`.
#[track_caller]
pub fn require<T>(found: Option<T>, tool: &str, unchecked: &str) -> Option<T> {
    if found.is_none() {
        let message = format!("MISSING TOOL {tool}: NOT CHECKED: {unchecked}");
        if require_all() {
            panic!("{message} ({REQUIRE_ALL}=1 requires every tool)");
        }
        // Failing to write a note must not fail the test; the note is all there is to say.
        let _ = writeln!(
            std::io::stderr().lock(),
            "{message}; {REQUIRE_ALL}=1 makes this a failure"
        );
    }
    found
}

/// The program `name` as the first executable file of that name in a `PATH` directory (what
/// `command -v` finds), or [`require`]'s report that it is missing and `None`.
///
/// # Panics
///
/// As [`require`].
#[track_caller]
pub fn require_program(name: &str, unchecked: &str) -> Option<PathBuf> {
    require(
        find_program(name),
        &format!("{name} (not found on PATH)"),
        unchecked,
    )
}

/// The first executable file `name` in a directory of `PATH`, without reporting anything.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// Whether `path` is a file with an execute permission bit set.
pub(crate) fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The environment variable naming the pipenv executable tests compare den with.
pub const PIPENV_VAR: &str = "DEN_TEST_PIPENV";

/// The interpreter pipenv runs with, for tests that call pipenv's own Python functions: the
/// pipenv executable is `$DEN_TEST_PIPENV`, else `pipenv` on `PATH`; its interpreter is the
/// one its `#!` line names (`#!/path/bin/python3`, or `#!/usr/bin/env python3` looked up on
/// `PATH`). A missing one is [`require`]'s report and `None`.
///
/// # Panics
///
/// As [`require`].
#[track_caller]
pub fn pipenv_python(unchecked: &str) -> Option<PathBuf> {
    let (script, how) = match std::env::var_os(PIPENV_VAR) {
        Some(path) if !path.is_empty() => {
            (Some(PathBuf::from(path)), format!("pipenv (${PIPENV_VAR})"))
        }
        _ => (
            find_program("pipenv"),
            "pipenv (not found on PATH; set DEN_TEST_PIPENV)".to_string(),
        ),
    };
    let python = script.as_deref().and_then(interpreter_of_script);
    require(python, &how, unchecked)
}

/// The environment variable naming an interpreter whose pip is 26.1 or newer (pip's
/// `install -r pylock.toml`), which judges den's lock files.
pub const PIP26_VAR: &str = "DEN_TEST_PIP26";

/// The interpreter `$DEN_TEST_PIP26` names, when it is an executable file (`.ci/run` installs
/// pip>=26.1 into a scratch environment and names its python). A missing one is [`require`]'s
/// report and `None`.
///
/// # Panics
///
/// As [`require`].
#[track_caller]
pub fn pip26_python(unchecked: &str) -> Option<PathBuf> {
    let python = std::env::var_os(PIP26_VAR)
        .map(PathBuf::from)
        .filter(|path| is_executable(path));
    require(
        python,
        &format!("pip>=26.1 (set ${PIP26_VAR} to a python that has it)"),
        unchecked,
    )
}

/// The interpreter a script's `#!` line names, when it is an executable file.
fn interpreter_of_script(script: &Path) -> Option<PathBuf> {
    let text = std::fs::read(script).ok()?;
    let first = text.split(|b| *b == b'\n').next()?;
    let line = std::str::from_utf8(first).ok()?.strip_prefix("#!")?.trim();
    let mut words = line.split_whitespace();
    let program = PathBuf::from(words.next()?);
    let python = if program.file_name().is_some_and(|n| n == "env") {
        find_program(words.find(|w| !w.starts_with('-'))?)?
    } else {
        program
    };
    is_executable(&python).then_some(python)
}
