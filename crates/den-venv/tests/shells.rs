//! Activation scripts judged by the real shells: each is sourced from an environment whose
//! path holds spaces, quotes, `$`, `&` and non-ASCII letters, and must put the environment
//! first on PATH, set VIRTUAL_ENV / VIRTUAL_ENV_PROMPT and the `(name) ` prompt, hide
//! PYTHONHOME, and restore all of it exactly on `deactivate`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{NASTY_DIR, interpreter, nasty_venv};
use den_test_support::require;
use den_venv::{Prompt, VenvOptions, VirtualEnv, create_venv};

const PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// The shell `name` from the system (the test `PATH`, then the caller's), or a report that it
/// is missing so `unchecked` is not checked (a failure under `DEN_TEST_REQUIRE_ALL=1`) and
/// `None`.
fn shell(name: &str, unchecked: &str) -> Option<PathBuf> {
    let extra = std::env::var("PATH").unwrap_or_default();
    let found = PATH
        .split(':')
        .chain(extra.split(':'))
        .map(|dir| Path::new(dir).join(name))
        .find(|path| path.is_file());
    require(
        found,
        &format!("{name} (not found in {PATH} or on PATH)"),
        unchecked,
    )
}

/// An environment at `<temp>/my envs/<NASTY_DIR>`; a `relocatable` one is made at
/// `<temp>/made here/<NASTY_DIR>` and then moved there, so its scripts must find it.
fn venv(relocatable: bool) -> Option<(tempfile::TempDir, VirtualEnv)> {
    let interpreter = interpreter()?;
    let temp = tempfile::tempdir().unwrap();
    if !relocatable {
        let venv = nasty_venv(&interpreter, &temp, &VenvOptions::default());
        return Some((temp, venv));
    }
    let made = temp.path().join("made here");
    let options = VenvOptions {
        relocatable: true,
        ..VenvOptions::default()
    };
    let venv = create_venv(&interpreter, &made.join(NASTY_DIR), &options).unwrap();
    let envs = temp.path().join("my envs");
    std::fs::rename(&made, &envs).unwrap();
    let moved = |path: &Path| envs.join(path.strip_prefix(&made).unwrap());
    let venv = VirtualEnv {
        root: moved(&venv.root),
        scripts: moved(&venv.scripts),
        python: moved(&venv.python),
        site_packages: moved(&venv.site_packages),
        ..venv
    };
    Some((temp, venv))
}

/// Runs `shell args...` in the scripts directory with `stdin`, a clean environment and
/// PYTHONHOME set; returns (stdout, stderr).
fn run_shell(shell: &Path, args: &[&str], venv: &VirtualEnv, stdin: &str) -> (String, String) {
    let output = den_test_support::output_with_input(
        Command::new(shell)
            .args(args)
            .current_dir(&venv.scripts)
            .env_clear()
            .env("PATH", PATH)
            .env("HOME", venv.root.parent().unwrap())
            .env("LANG", "C.UTF-8")
            .env("PYTHONHOME", "/nonexistent"),
        stdin,
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (stdout, stderr)
}

/// The `key=value` / flag lines a probe script prints, checked against what a correct
/// activation gives. `shown` is the prompt as the shell stores it while active.
fn check(
    shell: &str,
    stdout: &str,
    stderr: &str,
    venv: &VirtualEnv,
    ps1_active: &str,
    ps1_before: &str,
) {
    let root = venv.root.to_str().unwrap();
    let expected = [
        format!("python={root}/bin/python"),
        format!("venv={root}"),
        format!("prompt={NASTY_DIR}"),
        "home_unset".to_string(),
        format!("ps1={ps1_active}"),
        "path_restored".to_string(),
        "home=/nonexistent".to_string(),
        format!("ps1_after={ps1_before}"),
        "venv_unset".to_string(),
        "deactivate_gone".to_string(),
        format!("ps1_disabled={ps1_before}"),
    ];
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines, expected,
        "{shell} printed:\n{stdout}\nstderr:\n{stderr}"
    );
}

/// Runs `shell args...` on `stdin` (see [`run_shell`]) and [`check`]s a probe whose original
/// prompt is `orig> `.
fn run_and_check_orig_prompt(
    name: &str,
    shell: &Path,
    args: &[&str],
    venv: &VirtualEnv,
    stdin: &str,
) {
    let (stdout, stderr) = run_shell(shell, args, venv, stdin);
    check(
        name,
        &stdout,
        &stderr,
        venv,
        &format!("({NASTY_DIR}) orig> "),
        "orig> ",
    );
}

/// The probe for POSIX shells; `python3` is hashed first so a shell that remembers command
/// locations must forget them (`hash -r`) for `command -v` to see the environment.
const POSIX_PROBE: &str = r#"PS1='orig$ '
old_path=$PATH
hash python3
. ./activate
# ksh93 prints `command -v` results as shell literals ($'...'), so read them back with eval.
if [ -n "${KSH_VERSION-}" ]; then eval "found=$(command -v python)"; else found=$(command -v python); fi
printf 'python=%s\n' "$found"
printf 'venv=%s\n' "$VIRTUAL_ENV"
printf 'prompt=%s\n' "$VIRTUAL_ENV_PROMPT"
[ -z "${PYTHONHOME+set}" ] && echo home_unset
printf 'ps1=%s\n' "$PS1"
deactivate
[ "$PATH" = "$old_path" ] && echo path_restored
printf 'home=%s\n' "$PYTHONHOME"
printf 'ps1_after=%s\n' "$PS1"
[ -z "${VIRTUAL_ENV+set}${VIRTUAL_ENV_PROMPT+set}" ] && echo venv_unset
command -v deactivate >/dev/null 2>&1 || echo deactivate_gone
VIRTUAL_ENV_DISABLE_PROMPT=1
. ./activate
printf 'ps1_disabled=%s\n' "$PS1"
deactivate
"#;

#[test]
fn posix_activate_in_bash_zsh_dash_ksh() {
    for relocatable in [false, true] {
        let Some((_temp, venv)) = venv(relocatable) else {
            return;
        };
        for name in ["bash", "zsh", "dash", "ksh"] {
            let Some(path) = shell(name, &format!("activate in {name}")) else {
                continue;
            };
            let args: &[&str] = if name == "zsh" {
                &["-f", "-s"]
            } else {
                &["-s"]
            };
            let (stdout, stderr) = run_shell(&path, args, &venv, POSIX_PROBE);
            // bash, dash and ksh expand PS1 when they print it, so it refers to a variable (ksh's
            // own, with `!` doubled); zsh gets the name itself.
            let active = match name {
                "zsh" => format!("({NASTY_DIR}) orig$ "),
                "ksh" => "(${_DEN_PROMPT}) orig$ ".to_string(),
                _ => "(${VIRTUAL_ENV_PROMPT}) orig$ ".to_string(),
            };
            check(name, &stdout, &stderr, &venv, &active, "orig$ ");
        }
    }
}

/// Checks the prompt each interactive shell really prints while `venv` is active shows
/// `(name) ` verbatim (nothing in it expanded or interpreted) and is gone after `deactivate`.
fn check_printed_prompts(venv: &VirtualEnv, name: &str) {
    let posix = "PS1='orig$ '\n. ./activate\necho active\ndeactivate\necho inactive\nexit\n";
    let csh =
        "set prompt='orig$ '\nsource activate.csh\necho active\ndeactivate\necho inactive\nexit\n";
    // (shell, arguments, session): zsh is also tried with PROMPT_SUBST, under which it expands
    // `$` in the prompt like the others.
    let promptsubst = format!("setopt promptsubst\n{posix}");
    let shells: [(&str, &[&str], &str); 5] = [
        ("bash", &["--norc", "--noprofile", "-i"], posix),
        ("zsh", &["-f", "-i"], posix),
        ("zsh", &["-f", "-i"], &promptsubst),
        ("dash", &["-i"], posix),
        ("ksh", &["-i"], posix),
    ];
    for (shell_name, args, session) in shells {
        let Some(path) = shell(shell_name, &format!("the prompt {shell_name} prints")) else {
            continue;
        };
        let (stdout, stderr) = run_shell(&path, args, venv, session);
        check_two_prompts(shell_name, &format!("{stderr}{stdout}"), name);
    }
    // csh and tcsh read all of a piped input at once and print one prompt: give them a
    // terminal with script(1).
    let Some(script) = shell(
        "script",
        "the prompts tcsh and csh print (in a script(1) terminal)",
    ) else {
        return;
    };
    for shell_name in ["tcsh", "bsd-csh"] {
        if shell(shell_name, &format!("the prompt {shell_name} prints")).is_none() {
            continue;
        }
        let command = format!("{shell_name} -f -i");
        let (stdout, stderr) = run_shell(&script, &["-qec", &command, "/dev/null"], venv, csh);
        check_two_prompts(shell_name, &format!("{stderr}{stdout}"), name);
    }
}

/// `output` of an interactive session that activates, runs a command, deactivates and runs a
/// command shows `(name) orig$ ` exactly twice and then `orig$ ` again.
fn check_two_prompts(shell_name: &str, output: &str, name: &str) {
    let prefixed = format!("({name}) orig$ ");
    let shown = output.matches(&prefixed).count();
    assert_eq!(
        shown, 2,
        "{shell_name}: expected two prompts {prefixed:?}, got:\n{output}"
    );
    let after = output.rsplit(&prefixed).next().unwrap();
    assert!(
        after.contains("orig$ "),
        "{shell_name}: prompt not restored:\n{output}"
    );
}

#[test]
fn prompt_as_printed_by_interactive_shells() {
    for relocatable in [false, true] {
        let Some((_temp, venv)) = venv(relocatable) else {
            return;
        };
        check_printed_prompts(&venv, NASTY_DIR);
    }
}

/// Prompt sequences of every shell (`%`, `!`, `\`) and command substitutions in the name are
/// shown as they are and never run.
#[test]
fn prompt_with_shell_syntax_is_shown_verbatim() {
    let Some(interpreter) = interpreter() else {
        return;
    };
    let temp = tempfile::tempdir().unwrap();
    let name = "100% !x $(touch pwned) `touch pwned2` \\w";
    let options = VenvOptions {
        prompt: Prompt::Named(name.to_string()),
        ..VenvOptions::default()
    };
    let venv = create_venv(&interpreter, &temp.path().join("env"), &options).unwrap();
    check_printed_prompts(&venv, name);
    assert!(
        !venv.scripts.join("pwned").exists(),
        "a $(...) in the prompt ran"
    );
    assert!(
        !venv.scripts.join("pwned2").exists(),
        "a `...` in the prompt ran"
    );
}

#[test]
fn bash_refuses_to_run_activate_as_a_program() {
    for relocatable in [false, true] {
        let Some((_temp, venv)) = venv(relocatable) else {
            return;
        };
        let Some(bash) = shell("bash", "bash refusing to run activate as a program") else {
            return;
        };
        let (stdout, stderr) = run_shell(&bash, &["./activate"], &venv, "");
        assert_eq!(stdout, "");
        assert!(stderr.contains("must be sourced"), "{stderr}");
    }
}

#[test]
fn fish_activate() {
    for relocatable in [false, true] {
        let Some((_temp, venv)) = venv(relocatable) else {
            return;
        };
        let Some(fish) = shell("fish", "activate.fish in fish") else {
            return;
        };
        let probe = r#"function fish_prompt; printf 'orig> '; end
    set old_path $PATH
    source ./activate.fish
    printf 'python=%s\n' (command -v python)
    printf 'venv=%s\n' "$VIRTUAL_ENV"
    printf 'prompt=%s\n' "$VIRTUAL_ENV_PROMPT"
    set -q PYTHONHOME; or echo home_unset
    printf 'ps1=%s\n' (false; fish_prompt)
    deactivate
    test (string join : $PATH) = (string join : $old_path); and echo path_restored
    printf 'home=%s\n' "$PYTHONHOME"
    printf 'ps1_after=%s\n' (fish_prompt)
    set -q VIRTUAL_ENV; or set -q VIRTUAL_ENV_PROMPT; or echo venv_unset
    functions -q deactivate; or echo deactivate_gone
    set -gx VIRTUAL_ENV_DISABLE_PROMPT 1
    source ./activate.fish
    printf 'ps1_disabled=%s\n' (fish_prompt)
    deactivate
    "#;
        run_and_check_orig_prompt("fish", &fish, &["--no-config"], &venv, probe);
    }
}

#[test]
fn csh_activate_in_tcsh_and_csh() {
    for relocatable in [false, true] {
        let Some((_temp, venv)) = venv(relocatable) else {
            return;
        };
        let probe = r#"set prompt = 'orig> '
    set old_path = "$PATH:q"
    source ./activate.csh
    echo "python=`which python`"
    printf 'venv=%s\n' "$VIRTUAL_ENV:q"
    printf 'prompt=%s\n' "$VIRTUAL_ENV_PROMPT:q"
    if ( ! $?PYTHONHOME ) echo home_unset
    printf 'ps1=%s\n' "$prompt:q"
    deactivate
    if ( "$PATH:q" == "$old_path:q" ) echo path_restored
    printf 'home=%s\n' "$PYTHONHOME:q"
    printf 'ps1_after=%s\n' "$prompt:q"
    if ( ! $?VIRTUAL_ENV && ! $?VIRTUAL_ENV_PROMPT ) echo venv_unset
    alias deactivate | grep -q . || echo deactivate_gone
    setenv VIRTUAL_ENV_DISABLE_PROMPT 1
    source ./activate.csh
    printf 'ps1_disabled=%s\n' "$prompt:q"
    deactivate
    "#;
        for name in ["tcsh", "csh"] {
            let Some(path) = shell(name, &format!("activate.csh in {name}")) else {
                continue;
            };
            run_and_check_orig_prompt(name, &path, &["-f"], &venv, probe);
        }
    }
}

#[test]
fn nushell_activate_overlay() {
    for relocatable in [false, true] {
        let Some((_temp, venv)) = venv(relocatable) else {
            return;
        };
        let Some(nu) = shell("nu", "activate.nu in nushell") else {
            return;
        };
        let probe = r#"$env.PROMPT_COMMAND = {|| 'orig> ' }
    let old_path = $env.PATH
    let root = ($env.PWD | path dirname)
    overlay use activate.nu
    print $"python=(which python | get path.0)"
    print $"venv=($env.VIRTUAL_ENV)"
    print $"prompt=($env.VIRTUAL_ENV_PROMPT)"
    if ('PYTHONHOME' not-in $env) { print home_unset }
    print $"ps1=(do $env.PROMPT_COMMAND)"
    cd ..
    deactivate
    # PATH is restored, and the directory changed to while active is kept.
    if ($env.PATH == $old_path and $env.PWD == $root) { print path_restored }
    print $"home=($env.PYTHONHOME)"
    print $"ps1_after=(do $env.PROMPT_COMMAND)"
    if ('VIRTUAL_ENV' not-in $env and 'VIRTUAL_ENV_PROMPT' not-in $env) { print venv_unset }
    if (scope aliases | where name == deactivate | is-empty) { print deactivate_gone }
    $env.VIRTUAL_ENV_DISABLE_PROMPT = '1'
    overlay use activate.nu
    print $"ps1_disabled=(do $env.PROMPT_COMMAND)"
    deactivate
    "#;
        run_and_check_orig_prompt(
            "nu",
            &nu,
            &["--no-config-file", "--stdin", "-c", probe],
            &venv,
            "",
        );
    }
}
