//! Shell integration scripts printed by `den init bash|zsh|fish`.
//!
//! Each script defines virtualenvwrapper's shell functions (`mkvirtualenv`, `workon`,
//! `deactivate`, `rmvirtualenv`, `lsvirtualenv`, `showvirtualenv`, `cpvirtualenv`,
//! `cdvirtualenv`, `cdsitepackages`, `lssitepackages`, `mktmpenv`, `wipeenv`, `allvirtualenv`,
//! `add2virtualenv`, `toggleglobalsitepackages`, `mkproject`, `setvirtualenvproject`,
//! `cdproject`), tab completion of environment names (also after `den workon` and
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
use std::str::FromStr;

/// The functions bash and zsh share (bash/zsh syntax, not POSIX sh).
const COMMON_SH: &str = include_str!("shell/den.sh");
/// bash-only part: `_den_cd` and `complete -F` completion (also of `den workon NAME`).
const BASH: &str = include_str!("shell/den.bash");
/// zsh-only part: `_den_cd` and compdef/compctl completion (also of `den workon NAME`).
const ZSH: &str = include_str!("shell/den.zsh");
/// The whole fish integration.
const FISH: &str = include_str!("shell/den.fish");

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
        let functions = [
            "mkvirtualenv",
            "workon",
            "rmvirtualenv",
            "lsvirtualenv",
            "showvirtualenv",
            "cpvirtualenv",
            "cdvirtualenv",
            "cdsitepackages",
            "lssitepackages",
            "mktmpenv",
            "wipeenv",
            "allvirtualenv",
            "add2virtualenv",
            "toggleglobalsitepackages",
            "mkproject",
            "setvirtualenvproject",
            "cdproject",
        ];
        for shell in Shell::ALL {
            let script = init_script(shell);
            for function in functions {
                let defined = match shell {
                    Shell::Fish => format!("function {function}"),
                    Shell::Bash | Shell::Zsh => format!("\n{function}() {{"),
                };
                assert!(script.contains(&defined), "{shell} lacks {function}");
            }
        }
    }
}
