//! Activation scripts judged by the real shells (den-test-support's [`shells`]): each is
//! sourced from an environment whose path holds spaces, quotes, `$`, `&` and non-ASCII
//! letters, and must put the environment first on PATH, set VIRTUAL_ENV / VIRTUAL_ENV_PROMPT
//! and the `(name) ` prompt, hide PYTHONHOME, and restore all of it exactly on `deactivate`;
//! interactive shells must print the prompt verbatim.

mod common;

use std::path::Path;

use common::{NASTY_DIR, interpreter, nasty_venv};
use den_test_support::shells::{self, Activated, run_shell, shell};
use den_venv::{Prompt, VenvOptions, VirtualEnv, create_venv};

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

/// `venv` as the shared checks see it, its prompt the directory's name.
fn activated(venv: &VirtualEnv) -> Activated<'_> {
    Activated {
        root: &venv.root,
        scripts: &venv.scripts,
        prompt: NASTY_DIR,
    }
}

#[test]
fn posix_activate_in_bash_zsh_dash_ksh() {
    for relocatable in [false, true] {
        let Some((_temp, venv)) = venv(relocatable) else {
            return;
        };
        shells::check_posix_shells(&activated(&venv));
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
        let (stdout, stderr) = run_shell(&path, args, &activated(venv), session);
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
        let (stdout, stderr) = run_shell(
            &script,
            &["-qec", &command, "/dev/null"],
            &activated(venv),
            csh,
        );
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
        let (stdout, stderr) = run_shell(&bash, &["./activate"], &activated(&venv), "");
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
        shells::check_fish(&activated(&venv));
    }
}

#[test]
fn csh_activate_in_tcsh_and_csh() {
    for relocatable in [false, true] {
        let Some((_temp, venv)) = venv(relocatable) else {
            return;
        };
        shells::check_csh_shells(&activated(&venv));
    }
}

#[test]
fn nushell_activate_overlay() {
    for relocatable in [false, true] {
        let Some((_temp, venv)) = venv(relocatable) else {
            return;
        };
        shells::check_nushell(&activated(&venv));
    }
}
