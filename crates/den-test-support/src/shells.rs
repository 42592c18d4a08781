//! Activation scripts judged by the real shells: a probe sourced by each shell den writes a
//! script for (bash, zsh, dash, ksh, fish, tcsh, csh, nu) must put the environment first on
//! PATH, set VIRTUAL_ENV / VIRTUAL_ENV_PROMPT and the `(name) ` prompt, hide PYTHONHOME, and
//! restore all of it exactly on `deactivate`. Shared by den-venv's own checks and those of
//! environments that moved (`den unpack`, clones).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::require;

/// The `PATH` the shells run with (and where [`shell`] looks first).
pub const PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// An environment whose activation scripts are checked.
#[derive(Debug, Clone, Copy)]
pub struct Activated<'a> {
    /// The environment's directory (`VIRTUAL_ENV` once active).
    pub root: &'a Path,
    /// Its scripts directory (`bin`), where the probes run.
    pub scripts: &'a Path,
    /// The name the prompt should show (`VIRTUAL_ENV_PROMPT`).
    pub prompt: &'a str,
}

/// The shell `name` from the system ([`PATH`], then the caller's), or a report that it is
/// missing so `unchecked` is not checked (a failure under `DEN_TEST_REQUIRE_ALL=1`) and
/// `None`.
pub fn shell(name: &str, unchecked: &str) -> Option<PathBuf> {
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

/// Runs `shell args...` in the environment's scripts directory with `stdin`, a clean
/// environment and PYTHONHOME set; returns (stdout, stderr).
pub fn run_shell(
    shell: &Path,
    args: &[&str],
    env: &Activated<'_>,
    stdin: &str,
) -> (String, String) {
    let output = crate::output_with_input(
        Command::new(shell)
            .args(args)
            .current_dir(env.scripts)
            .env_clear()
            .env("PATH", PATH)
            .env("HOME", env.root.parent().unwrap_or(env.root))
            .env("LANG", "C.UTF-8")
            .env("PYTHONHOME", "/nonexistent"),
        stdin,
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (stdout, stderr)
}

/// Checks the `key=value` / flag lines a probe printed against what a correct activation
/// gives; `ps1_active` is the prompt as the shell stores it while active.
pub fn check_probe(
    shell: &str,
    (stdout, stderr): (&str, &str),
    env: &Activated<'_>,
    ps1_active: &str,
    ps1_before: &str,
) {
    let root = env.root.to_str().unwrap();
    let expected = [
        format!("python={root}/bin/python"),
        format!("venv={root}"),
        format!("prompt={}", env.prompt),
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

/// Runs `shell args...` on `stdin` (see [`run_shell`]) and [`check_probe`]s a probe whose
/// original prompt is `orig> `.
fn run_and_check_orig_prompt(
    name: &str,
    shell: &Path,
    args: &[&str],
    env: &Activated<'_>,
    stdin: &str,
) {
    let (stdout, stderr) = run_shell(shell, args, env, stdin);
    check_probe(
        name,
        (&stdout, &stderr),
        env,
        &format!("({}) orig> ", env.prompt),
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

/// `bin/activate` sourced in bash, zsh, dash and ksh (each one missing is reported).
pub fn check_posix_shells(env: &Activated<'_>) {
    for name in ["bash", "zsh", "dash", "ksh"] {
        let Some(path) = shell(name, &format!("activate in {name}")) else {
            continue;
        };
        let args: &[&str] = if name == "zsh" {
            &["-f", "-s"]
        } else {
            &["-s"]
        };
        let (stdout, stderr) = run_shell(&path, args, env, POSIX_PROBE);
        // bash, dash and ksh expand PS1 when they print it, so it refers to a variable (ksh's
        // own, with `!` doubled); zsh gets the name itself.
        let active = match name {
            "zsh" => format!("({}) orig$ ", env.prompt),
            "ksh" => "(${_DEN_PROMPT}) orig$ ".to_string(),
            _ => "(${VIRTUAL_ENV_PROMPT}) orig$ ".to_string(),
        };
        check_probe(name, (&stdout, &stderr), env, &active, "orig$ ");
    }
}

/// `bin/activate.fish` sourced in fish (reported when fish is missing).
pub fn check_fish(env: &Activated<'_>) {
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
    run_and_check_orig_prompt("fish", &fish, &["--no-config"], env, probe);
}

/// `bin/activate.csh` sourced in tcsh and csh (each one missing is reported).
pub fn check_csh_shells(env: &Activated<'_>) {
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
        run_and_check_orig_prompt(name, &path, &["-f"], env, probe);
    }
}

/// `bin/activate.nu` used as an overlay in nushell (reported when nu is missing).
pub fn check_nushell(env: &Activated<'_>) {
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
        env,
        "",
    );
}

/// Every shell's activation script: [`check_posix_shells`], [`check_fish`],
/// [`check_csh_shells`] and [`check_nushell`].
pub fn check_every_shell(env: &Activated<'_>) {
    check_posix_shells(env);
    check_fish(env);
    check_csh_shells(env);
    check_nushell(env);
}
