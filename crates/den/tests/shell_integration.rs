//! Shell integration: scripted sessions in real bash, zsh and fish that load `den init SHELL`
//! and use virtualenvwrapper's functions (mkvirtualenv, workon, deactivate, hooks, cd commands,
//! copies, projects, temporary environments, completion), with the den binary under test first
//! on PATH, WORKON_HOME, hooks, projects and den's cache in a temporary directory, and
//! environments made `--without-pip` from a real interpreter (no network).
//!
//! The sessions live in `tests/shell_integration/`: `scenario.sh` (bash and zsh, after a
//! per-shell prelude) and `scenario.fish`. Each check prints `ok:` or `FAIL:` and the session
//! ends with `SESSION DONE failures=N`. A shell that is not installed is reported and its
//! session not run; under `DEN_TEST_REQUIRE_ALL=1` (set by `.ci/run`, which installs all three)
//! that is a failure.

use std::path::Path;
use std::process::Command;

use den_test_support::{find_python, require};

const SCENARIO_SH: &str = include_str!("shell_integration/scenario.sh");
const SCENARIO_FISH: &str = include_str!("shell_integration/scenario.fish");

/// bash: the prompt as bash would print it, how workon completes, the names
/// `_den_complete_envs` offers after `workon PREFIX` (unescaped again, one per line, or as
/// offered), what `CMD WORD` completes to with CMD's completion function, and what
/// `den WORDS...` completes to (the last word being completed; the function called with the
/// arguments bash gives it: the command, the word, the word before).
const BASH_PRELUDE: &str = r#"
show_prompt() { printf '%s' "${PS1@P}"; }
completion_function() { complete -p workon; }
complete_names() {
    COMP_WORDS=(workon "$1"); COMP_CWORD=1; COMPREPLY=()
    _den_complete_envs
    local word
    for word in "${COMPREPLY[@]}"; do eval "printf '%s\n' $word"; done
}
complete_words() {
    COMP_WORDS=(workon "$1"); COMP_CWORD=1; COMPREPLY=()
    _den_complete_envs
    printf '%s\n' "${COMPREPLY[@]}"
}
complete_dirs() {
    local spec function
    spec=$(complete -p "$1"); function=${spec#*-F }; function=${function%% *}
    COMP_WORDS=("$1" "$2"); COMP_CWORD=1; COMPREPLY=()
    "$function"
    printf '%s\n' "${COMPREPLY[@]}"
}
complete_den() {
    local spec function
    spec=$(complete -p den); function=${spec#*-F }; function=${function%% *}
    COMP_WORDS=(den "$@"); COMP_CWORD=$#; COMPREPLY=()
    "$function" den "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf '%s\n' "${COMPREPLY[@]}"
}
"#;

/// zsh: the prompt as zsh would print it, how workon completes (compinit loaded first), the
/// names `_den_complete_envs` hands to `compadd` (replaced by a function printing them), the
/// completion function registered for a cd command, and what den's completion function offers
/// for `den WORDS... ''` (names as compadd gets them, `FILES` for file names).
const ZSH_PRELUDE: &str = r#"
autoload -Uz compinit && compinit -u -d "$TEST_ROOT/zcompdump"
show_prompt() { print -rn -- "${(%)PS1}"; }
completion_function() { print -r -- "${_comps[workon]}"; }
complete_dirs() { print -r -- "${_comps[$1]}"; }
complete_names() {
    compadd() { [ "$1" = -a ] && print -rl -- "${(@P)2}"; }
    _den_complete_envs | while IFS= read -r name; do
        case $name in "$1"*) print -r -- "$name" ;; esac
    done
    unfunction compadd
}
complete_den() {
    local -a words; words=(den "$@" ''); local CURRENT=$#words
    compadd() { [ "$1" = -a ] && print -rl -- "${(@P)2}"; }
    _files() { print -r -- FILES; }
    "${_comps[den]}"
    unfunction compadd _files
}
"#;

/// Whether `shell` can be started; a missing one is reported (a failure under
/// `DEN_TEST_REQUIRE_ALL=1`) and its session is not run.
fn have(shell: &str) -> bool {
    let found = Command::new(shell)
        .args(["-c", "exit 0"])
        .output()
        .is_ok_and(|o| o.status.success());
    require(
        found.then_some(()),
        &format!("{shell} (cannot be started)"),
        &format!("the {shell} shell integration session"),
    )
    .is_some()
}

/// Runs `script` with `shell` (`args` before the script path) in a fresh world and checks that
/// every check passed and the session reached its end.
fn run_session(shell: &str, args: &[&str], script: &str) {
    let Some(python) = require(
        find_python("import sys; assert sys.version_info >= (3, 10)"),
        "a CPython 3.10+",
        &format!("the {shell} shell integration session"),
    ) else {
        return;
    };
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path();
    let den = Path::new(env!("CARGO_BIN_EXE_den"));
    let path = format!(
        "{}:/usr/local/bin:/usr/bin:/bin",
        den.parent().unwrap().display()
    );
    let work = root.join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(root.join("home")).unwrap();
    let script_file = root.join(format!("session.{shell}"));
    std::fs::write(&script_file, script).unwrap();
    let output = Command::new(shell)
        .args(args)
        .arg(&script_file)
        .current_dir(&work)
        .env_clear()
        .env("PATH", path)
        .env("HOME", root.join("home"))
        .env("LANG", "C.UTF-8")
        .env("TERM", "dumb")
        .env("SHELL", format!("/bin/{shell}"))
        .env("TEST_SHELL", shell)
        .env("TEST_ROOT", root)
        .env("TEST_PYTHON", &python)
        .env("WORKON_HOME", root.join("workon"))
        .env("VIRTUALENVWRAPPER_HOOK_DIR", root.join("hooks"))
        .env("PROJECT_HOME", root.join("projects"))
        .env("DEN_CACHE_DIR", root.join("cache"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report = format!("--- stdout\n{stdout}--- stderr\n{stderr}");
    assert!(
        stdout.contains("SESSION DONE failures=0"),
        "{shell} session failed:\n{report}"
    );
    assert!(
        !stdout.contains("FAIL:"),
        "{shell} session failed:\n{report}"
    );
    assert!(
        output.status.success(),
        "{shell} exited with {}:\n{report}",
        output.status
    );
}

#[test]
fn bash_session() {
    if have("bash") {
        let script = format!("{BASH_PRELUDE}\n{SCENARIO_SH}");
        run_session("bash", &["--noprofile", "--norc"], &script);
    }
}

#[test]
fn zsh_session() {
    if have("zsh") {
        let script = format!("{ZSH_PRELUDE}\n{SCENARIO_SH}");
        run_session("zsh", &["-f"], &script);
    }
}

#[test]
fn fish_session() {
    if have("fish") {
        run_session("fish", &["--no-config"], SCENARIO_FISH);
    }
}

/// `den init` names the binary that printed it, so the functions, and the pyenv function it
/// adds where pyenv is in use, work with den not on PATH (bash and fish; zsh shares bash's
/// script).
#[test]
fn init_works_without_den_on_path() {
    let den = env!("CARGO_BIN_EXE_den");
    let pyenv_root = tempfile::tempdir().unwrap();
    for (shell, script) in [
        (
            "bash",
            format!("eval \"$('{den}' init bash)\"; den --version; pyenv root"),
        ),
        (
            "fish",
            format!("'{den}' init fish | source; den --version; pyenv root"),
        ),
    ] {
        let Some(path) = den_test_support::find_program(shell) else {
            require::<()>(None, shell, "den init without den on PATH");
            continue;
        };
        let out = Command::new(path)
            .args(["-c", &script])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", std::env::temp_dir())
            .env("PYENV_ROOT", pyenv_root.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = stdout.lines().collect();
        assert!(
            out.status.success()
                && lines.len() == 2
                && lines[0].starts_with("den ")
                && Path::new(lines[1]) == pyenv_root.path(),
            "{shell}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
