//! Activation scripts: template files in `src/activators/`, filled by placeholder substitution
//! with each language's own quoting of the values.
//!
//! Placeholders are `{{NAME}}`; the substituted text is never scanned again, so values that
//! contain `{{` are safe.

use crate::quote;

/// The values every activation script is rendered from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ActivationValues<'a> {
    /// The environment root, absolute (the value of `VIRTUAL_ENV`).
    pub(crate) root: &'a str,
    /// The scripts directory name under the root (`bin`).
    pub(crate) bin_name: &'a str,
    /// The prompt name shown as `(name) ` (the value of `VIRTUAL_ENV_PROMPT`).
    pub(crate) prompt: &'a str,
    /// The site-packages directory relative to the root, `/`-separated.
    pub(crate) site_packages: &'a str,
    /// Whether the scripts find the environment from their own path instead of naming
    /// `root` (a relocatable environment, `relocatable = true` in pyvenv.cfg); csh, which
    /// cannot always tell, falls back to `root` and says so when nothing is there.
    pub(crate) relocatable: bool,
}

/// The POSIX shell lines that set `VIRTUAL_ENV` in a relocatable environment.
const LOCATE_SH: &str = include_str!("activators/relocatable/locate.sh");
/// The csh lines that set `VIRTUAL_ENV` in a relocatable environment.
const LOCATE_CSH: &str = include_str!("activators/relocatable/locate.csh");

/// The Nushell constant a relocatable environment's `activate.nu` reads its root from: the
/// module file's own directory's parent, fixed when the module is parsed (`path self`, Nushell
/// 0.101 and later), so it holds when the overlay is used again from elsewhere.
const NU_ROOT_CONST: &str = "# This environment is relocatable: it is wherever this module is.\n\
                             const den_env_root = path self ..\n\n";

/// `value` in absolute environments, `relocatable` (already rendered) in relocatable ones.
fn root_or(values: &ActivationValues<'_>, absolute: String, relocatable: &str) -> String {
    if values.relocatable {
        relocatable.to_string()
    } else {
        absolute
    }
}

/// The lines of a POSIX or csh script that set `VIRTUAL_ENV`: `assignment` with the quoted
/// root, or the `locate` snippet (filled with the bin directory name and the quoted root).
fn set_root(
    values: &ActivationValues<'_>,
    quoted_root: String,
    assignment: &str,
    locate: &str,
) -> String {
    if values.relocatable {
        let filled = substitute(
            locate,
            &[
                ("BIN_NAME", values.bin_name.to_string()),
                ("VIRTUAL_ENV", quoted_root),
            ],
        );
        filled.trim_end().to_string()
    } else {
        format!("{assignment}{quoted_root}")
    }
}

/// One activation script: its file name in the scripts directory and its template.
struct Activator {
    file_name: &'static str,
    template: &'static str,
    render: fn(&ActivationValues<'_>) -> Vec<(&'static str, String)>,
}

/// Every script den writes, in the order they are written.
const ACTIVATORS: [Activator; 6] = [
    Activator {
        file_name: "activate",
        template: include_str!("activators/activate.sh"),
        render: |v| {
            vec![
                (
                    "SET_VIRTUAL_ENV",
                    set_root(v, quote::posix(v.root), "VIRTUAL_ENV=", LOCATE_SH),
                ),
                ("BIN_NAME", v.bin_name.to_string()),
                ("PROMPT", quote::posix(v.prompt)),
                ("PROMPT_ZSH", quote::posix(&quote::zsh_prompt(v.prompt))),
                ("PROMPT_KSH", quote::posix(&quote::ksh_prompt(v.prompt))),
                (
                    "PROMPT_BASH_LITERAL",
                    quote::posix(&quote::bash_prompt_literal(v.prompt)),
                ),
            ]
        },
    },
    Activator {
        file_name: "activate.fish",
        template: include_str!("activators/activate.fish"),
        render: |v| {
            vec![
                (
                    "VIRTUAL_ENV",
                    root_or(
                        v,
                        quote::fish(v.root),
                        "(builtin realpath -- (dirname (status filename))/..)",
                    ),
                ),
                ("BIN_NAME", v.bin_name.to_string()),
                ("PROMPT", quote::fish(v.prompt)),
            ]
        },
    },
    Activator {
        file_name: "activate.csh",
        template: include_str!("activators/activate.csh"),
        render: |v| {
            vec![
                (
                    "SET_VIRTUAL_ENV",
                    set_root(v, quote::csh(v.root), "setenv VIRTUAL_ENV ", LOCATE_CSH),
                ),
                ("BIN_NAME", v.bin_name.to_string()),
                ("PROMPT", quote::csh(v.prompt)),
                (
                    "PROMPT_TCSH",
                    quote::csh(&format!("({}) ", quote::tcsh_prompt(v.prompt))),
                ),
                (
                    "PROMPT_CSH",
                    quote::csh(&format!("({}) ", quote::csh_prompt(v.prompt))),
                ),
            ]
        },
    },
    Activator {
        file_name: "activate.nu",
        template: include_str!("activators/activate.nu"),
        render: |v| {
            vec![
                ("ROOT_CONST", root_or(v, String::new(), NU_ROOT_CONST)),
                (
                    "VIRTUAL_ENV",
                    root_or(v, quote::nu(v.root), "$den_env_root"),
                ),
                ("BIN_NAME", quote::nu(v.bin_name)),
                ("PROMPT", quote::nu(v.prompt)),
            ]
        },
    },
    Activator {
        file_name: "activate.ps1",
        template: include_str!("activators/activate.ps1"),
        render: |v| {
            vec![
                (
                    "VIRTUAL_ENV",
                    root_or(
                        v,
                        quote::powershell(v.root),
                        "(Split-Path -Parent $PSScriptRoot)",
                    ),
                ),
                ("BIN_NAME", quote::powershell(v.bin_name)),
                ("PROMPT", quote::powershell(v.prompt)),
            ]
        },
    },
    Activator {
        file_name: "activate_this.py",
        template: include_str!("activators/activate_this.py"),
        render: |v| {
            vec![
                ("PROMPT", quote::python(v.prompt)),
                ("SITE_PACKAGES", quote::python(v.site_packages)),
            ]
        },
    },
];

/// The activation script virtualenv's `--activators` name `name` stands for: `bash`
/// (`activate`, for every POSIX shell), `cshell`, `fish`, `nushell`, `powershell`, `python`
/// (`activate_this.py`); `None` for a name den has no script for.
pub fn activator_file_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "bash" => "activate",
        "cshell" => "activate.csh",
        "fish" => "activate.fish",
        "nushell" => "activate.nu",
        "powershell" => "activate.ps1",
        "python" => "activate_this.py",
        _ => return None,
    })
}

/// The file names of the activation scripts den writes into the scripts directory (`activate`,
/// `activate.fish`, `activate.csh`, `activate.nu`, `activate.ps1`, `activate_this.py`).
pub fn activation_script_names() -> impl Iterator<Item = &'static str> {
    ACTIVATORS.iter().map(|activator| activator.file_name)
}

/// Renders every activation script: `(file name, contents)` pairs.
pub(crate) fn render_all(values: &ActivationValues<'_>) -> Vec<(&'static str, String)> {
    ACTIVATORS
        .iter()
        .map(|activator| {
            let contents = substitute(activator.template, &(activator.render)(values));
            (activator.file_name, contents)
        })
        .collect()
}

/// Replaces each `{{NAME}}` in `template` with its value from `values`, in one pass.
///
/// A placeholder without a value is left as it is; the tests check no template has one.
fn substitute(template: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let value = after.find("}}").and_then(|end| {
            let name = &after[..end];
            values
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (value, end))
        });
        match value {
            Some((value, end)) => {
                out.push_str(value);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitution_is_single_pass() {
        let values = [("A", "{{B}}".to_string()), ("B", "no".to_string())];
        assert_eq!(substitute("x {{A}} {{C}} y", &values), "x {{B}} {{C}} y");
    }

    #[test]
    fn every_placeholder_is_filled() {
        let values = ActivationValues {
            root: "/tmp/env",
            bin_name: "bin",
            prompt: "env",
            site_packages: "lib/python3.12/site-packages",
            relocatable: false,
        };
        for relocatable in [false, true] {
            let scripts = render_all(&ActivationValues {
                relocatable,
                ..values
            });
            assert_eq!(scripts.len(), 6);
            for (name, contents) in scripts {
                assert!(!contents.contains("{{"), "{name} keeps a placeholder");
                assert!(contents.contains("env"), "{name}");
                let names_root = contents.contains("/tmp/env");
                let may_name_root = !relocatable || name == "activate.csh";
                assert_eq!(
                    names_root,
                    may_name_root && name != "activate_this.py",
                    "{name}"
                );
            }
        }
    }
}
