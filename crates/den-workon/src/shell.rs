//! Shell integration scripts printed by `den init bash|zsh|fish`.
//!
//! Each script defines virtualenvwrapper's shell functions ([`FUNCTIONS`]: `mkvirtualenv`,
//! `workon`, ..., and the `virtualenvwrapper` help, which prints [`functions_help`] through
//! `den env functions`; `deactivate` while an environment is active), tab completion of environment names (also after `den workon` and
//! `den env path|show|remove|copy`), and a `den` function that turns
//! `den workon NAME` / `den deactivate` into the shell functions. The work is done by
//! `den env ...` (found as `command den`, or `$DEN_EXECUTABLE` when set); the scripts only
//! source the activation script and the hooks virtualenvwrapper sources (postmkvirtualenv,
//! postactivate, predeactivate, postdeactivate, postcpvirtualenv, postmkproject) and change
//! directory, so no Python process starts on the way.
//!
//! The templates live next to this file: `shell/den.sh` (the part bash and zsh share, written
//! in what both accept beyond POSIX sh: `local`, arrays, `typeset -f`, process substitution),
//! `shell/den.bash` and `shell/den.zsh` (completion and shell-specific helpers) and
//! `shell/den.fish`.

use std::fmt;
use std::fmt::Write as _;
use std::str::FromStr;

use crate::Homes;

/// The functions bash and zsh share (bash/zsh syntax, not POSIX sh).
const COMMON_SH: &str = include_str!("shell/den.sh");
/// bash-only part: `_den_cd` and `complete -F` completion (also of `den workon NAME`).
const BASH: &str = include_str!("shell/den.bash");
/// zsh-only part: `_den_cd` and compdef/compctl completion (also of `den workon NAME`).
const ZSH: &str = include_str!("shell/den.zsh");
/// The whole fish integration.
const FISH: &str = include_str!("shell/den.fish");

/// The commands every integration defines, each with what it does, in the order the
/// `virtualenvwrapper` command lists them ([`functions_help`]).
pub const FUNCTIONS: [(&str, &str); 18] = [
    (
        "add2virtualenv",
        "add directories to the active environment's import path",
    ),
    ("allvirtualenv", "run a command in every environment"),
    (
        "cdproject",
        "go to the active environment's project directory",
    ),
    (
        "cdsitepackages",
        "go to the active environment's site-packages (or a directory in it)",
    ),
    (
        "cdvirtualenv",
        "go to the active environment's directory (or a directory in it)",
    ),
    ("cpvirtualenv", "copy an environment and activate the copy"),
    (
        "lssitepackages",
        "list the active environment's site-packages",
    ),
    ("lsvirtualenv", "list the environments (-b: names only)"),
    (
        "mkproject",
        "make PROJECT_HOME/NAME and an environment NAME bound to it",
    ),
    (
        "mktmpenv",
        "make and activate an environment that deactivate removes",
    ),
    (
        "mkvirtualenv",
        "make an environment in WORKON_HOME and activate it",
    ),
    ("rmvirtualenv", "remove environments"),
    (
        "setvirtualenvproject",
        "bind an environment to a project directory",
    ),
    (
        "showvirtualenv",
        "show what an environment's get_env_details hooks print",
    ),
    (
        "toggleglobalsitepackages",
        "turn the active environment's view of the base site-packages on or off",
    ),
    ("virtualenvwrapper", "show this help"),
    (
        "wipeenv",
        "uninstall every package from the active environment",
    ),
    (
        "workon",
        "activate an environment, running its hooks (no name: list them)",
    ),
];

/// What the shell's `virtualenvwrapper` command prints (virtualenvwrapper's help command): what
/// the integration is, den's `version`, the directories `homes` names, and [`FUNCTIONS`].
pub fn functions_help(homes: &Homes, version: &str) -> String {
    let project_home = homes
        .project_home
        .as_ref()
        .map_or_else(|| "(not set)".to_owned(), |dir| dir.display().to_string());
    let mut text = format!(
        "den's shell integration: virtualenvwrapper's commands for named environments, with den\n\
         doing the work (`den env --help` for den's own commands).\n\
         \n\
         Version: den {version}\n\
         WORKON_HOME: {}\n\
         PROJECT_HOME: {project_home}\n\
         Hook directory: {}\n\
         \n\
         Commands available (deactivate leaves the environment workon activated):\n",
        homes.workon_home.display(),
        homes.hook_dir.display(),
    );
    let width = FUNCTIONS
        .iter()
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0);
    for (name, what) in FUNCTIONS {
        // Writing to a String cannot fail.
        let _ = writeln!(text, "  {name:width$}  {what}");
    }
    text
}

/// A shell `den init` can print an integration script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shell {
    /// GNU bash 4 or newer.
    Bash,
    /// zsh 5 or newer.
    Zsh,
    /// fish 3 or newer.
    Fish,
}

impl Shell {
    /// Every supported shell, in the order `den init --help` lists them.
    pub const ALL: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

    /// The shell's name as typed on the command line: `bash`, `zsh` or `fish`.
    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
        }
    }
}

impl fmt::Display for Shell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A shell name `den init` does not support.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported shell '{0}': den init supports bash, zsh and fish")]
pub struct UnknownShell(pub String);

impl FromStr for Shell {
    type Err = UnknownShell;

    /// Parses `bash`, `zsh` or `fish` (ASCII case-insensitive, also a path such as `/bin/zsh`,
    /// so `$SHELL` can be passed as is).
    ///
    /// # Errors
    /// [`UnknownShell`] naming the input for anything else.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let name = input.rsplit('/').next().unwrap_or(input);
        Shell::ALL
            .into_iter()
            .find(|shell| shell.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownShell(input.to_owned()))
    }
}

/// The integration script for `shell`, to be evaluated by the user's shell:
/// `eval "$(den init bash)"`, `eval "$(den init zsh)"` or `den init fish | source`.
///
/// The script is self-contained text (no paths baked in); it finds den as `command den` at
/// each call, or runs `$DEN_EXECUTABLE` when that variable is set.
pub fn init_script(shell: Shell) -> String {
    match shell {
        Shell::Bash => format!("{COMMON_SH}\n{BASH}"),
        Shell::Zsh => format!("{COMMON_SH}\n{ZSH}"),
        Shell::Fish => FISH.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn parses_names_and_paths() {
        assert_eq!("bash".parse::<Shell>(), Ok(Shell::Bash));
        assert_eq!("ZSH".parse::<Shell>(), Ok(Shell::Zsh));
        assert_eq!("/usr/bin/fish".parse::<Shell>(), Ok(Shell::Fish));
        let err = "tcsh".parse::<Shell>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unsupported shell 'tcsh': den init supports bash, zsh and fish"
        );
        for shell in Shell::ALL {
            assert_eq!(shell.to_string().parse::<Shell>(), Ok(shell));
        }
    }

    /// Checks the syntax of each script with the shell itself (`-n`: parse without running);
    /// a shell that is not installed is reported (a failure under `DEN_TEST_REQUIRE_ALL=1`).
    #[test]
    fn scripts_parse_in_their_shell() {
        for shell in Shell::ALL {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join(format!("den.{shell}"));
            std::fs::write(&file, init_script(shell)).unwrap();
            let output = match Command::new(shell.name()).arg("-n").arg(&file).output() {
                Ok(output) => output,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                    den_test_support::require(
                        None::<()>,
                        &format!("{shell} (not installed)"),
                        &format!("the syntax of den init {shell}"),
                    );
                    continue;
                }
                Err(err) => panic!("running {shell}: {err}"),
            };
            assert!(
                output.status.success(),
                "{shell} -n rejects the script:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }

    #[test]
    fn scripts_define_every_function() {
        for shell in Shell::ALL {
            let script = init_script(shell);
            for (function, _) in FUNCTIONS {
                let defined = match shell {
                    Shell::Fish => format!("function {function}"),
                    Shell::Bash | Shell::Zsh => format!("\n{function}() {{"),
                };
                assert!(script.contains(&defined), "{shell} lacks {function}");
            }
        }
    }

    #[test]
    fn help_lists_version_homes_and_every_function() {
        let homes = Homes {
            workon_home: "/w".into(),
            hook_dir: "/h".into(),
            project_home: None,
            project_filename: crate::PROJECT_FILE.into(),
            hook_log: None,
        };
        let text = functions_help(&homes, "1.2.3");
        for line in [
            "Version: den 1.2.3",
            "WORKON_HOME: /w",
            "PROJECT_HOME: (not set)",
            "Hook directory: /h",
            "  virtualenvwrapper         show this help",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} missing:\n{text}");
        }
        let listed: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("Commands available"))
            .skip(1)
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        let mut sorted = listed.clone();
        sorted.sort_unstable();
        assert_eq!(listed, sorted);
        assert_eq!(listed.len(), FUNCTIONS.len());
    }
}
