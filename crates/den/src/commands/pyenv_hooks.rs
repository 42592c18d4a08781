//! pyenv's hook scripts (`pyenv.d/COMMAND/*.bash` in the hook directories), run for the
//! commands den answers that pyenv runs hooks in (`version-name`, `version-origin`, `which`,
//! `exec`, `rehash`): the scripts are sourced by one bash, in pyenv's order, with the
//! variables pyenv's script has at that point, and the variables they may change are read
//! back. A script may end the command (`exit`), as it ends pyenv's.
//!
//! The hooks pyenv and pyenv-virtualenv ship are not run: den does their work itself (pip's
//! rehash after installs, sourcing shims, shims of environments' programs, `python-config`
//! and `--system-site-packages` lookups in an environment's base), so shims stay free of a
//! bash start when only those are installed.

use std::ffi::OsString;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// The hooks den does itself, by the end of their path: pyenv's, then pyenv-virtualenv's.
const NATIVE: &[&str] = &[
    "pyenv.d/exec/pip-rehash.bash",
    "pyenv.d/rehash/conda.bash",
    "pyenv.d/rehash/source.bash",
    "pyenv.d/install/latest.bash",
];

/// pyenv-virtualenv's hooks den does itself (its plugin directory holds a `pyenv-virtualenv`
/// component).
const NATIVE_VIRTUALENV: &[&str] = &[
    "which/python-config.bash",
    "which/system-site-packages.bash",
    "which/conda.bash",
    "rehash/envs.bash",
    "uninstall/envs.bash",
];

/// The scripts pyenv would source for `command` (`pyenv hooks COMMAND`): each hook
/// directory's `COMMAND/*.bash` in name order, links resolved, without those den does
/// itself.
pub(super) fn scripts(hook_dirs: &[PathBuf], command: &str) -> Vec<PathBuf> {
    let mut scripts = Vec::new();
    for dir in hook_dirs {
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir.join(command))
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "bash"))
            .collect();
        found.sort();
        scripts.extend(
            found
                .into_iter()
                .map(|path| path.canonicalize().unwrap_or(path))
                .filter(|path| !native(path)),
        );
    }
    scripts
}

/// Whether `script` is one of the hooks den does itself.
fn native(script: &Path) -> bool {
    let text = script.to_string_lossy();
    NATIVE.iter().any(|end| text.ends_with(end))
        || (script
            .components()
            .any(|part| part.as_os_str() == "pyenv-virtualenv")
            && NATIVE_VIRTUALENV
                .iter()
                .any(|end| text.ends_with(&format!("pyenv.d/{end}"))))
}

/// How a hook run ended.
pub(super) enum HookEnd {
    /// Every script ran: the values of the variables asked for (empty when unset), and with
    /// `exported` the exported environment the scripts left.
    Finished {
        values: Vec<String>,
        exported: Vec<(OsString, OsString)>,
    },
    /// A script ended the command with this status (`exit`).
    Exited(u8),
}

/// What one hook run is given and asked.
pub(super) struct HookRun<'a> {
    /// pyenv's root, exported to the scripts as `PYENV_ROOT`.
    pub root: &'a Path,
    /// The scripts, from [`scripts`].
    pub scripts: &'a [PathBuf],
    /// Shell variables set before the scripts run (`PYENV_COMMAND_PATH`, `version`...).
    pub variables: &'a [(&'a str, String)],
    /// The positional parameters the scripts see (`"$@"`: pyenv-exec's arguments).
    pub args: &'a [OsString],
    /// The variables read back afterwards.
    pub read_back: &'a [&'a str],
    /// Whether to read back the exported environment too.
    pub exported: bool,
    /// Shell code defining functions the scripts may call (rehash's `make_shims`).
    pub functions: &'a str,
}

/// Runs the scripts (see the module's documentation); their output goes where den's does.
///
/// Errors: bash cannot be started, or the results cannot be read.
pub(super) fn run(hooks: &HookRun<'_>) -> Result<HookEnd, String> {
    let result = tempfile::NamedTempFile::new()
        .map_err(|err| format!("cannot make a file for hook results: {err}"))?;
    let mut script = String::from("set -e\n");
    for (name, _) in hooks.variables {
        script.push_str(&format!(
            "{name}=\"$__DEN_VAR_{name}\"; unset __DEN_VAR_{name}\n"
        ));
    }
    script.push_str(hooks.functions);
    script.push_str(
        "__den_ifs=\"$IFS\"; IFS=$'\\n'; __den_hooks=($__DEN_HOOKS); IFS=\"$__den_ifs\"\n\
         unset __DEN_HOOKS __den_ifs\n\
         for __den_hook in \"${__den_hooks[@]}\"; do source \"$__den_hook\"; done\n\
         {\n",
    );
    for name in hooks.read_back {
        script.push_str(&format!("  printf '%s\\0' \"${{{name}-}}\"\n"));
    }
    if hooks.exported {
        script.push_str("  env -0\n");
    }
    script.push_str("} > \"$__DEN_RESULT\"\n");
    let joined: Vec<String> = hooks
        .scripts
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    let mut bash = std::process::Command::new("bash");
    bash.arg("-c")
        .arg(&script)
        .arg("bash")
        .args(hooks.args)
        .env("__DEN_HOOKS", joined.join("\n"))
        .env("__DEN_RESULT", result.path())
        .env("PYENV_ROOT", hooks.root);
    for (name, value) in hooks.variables {
        bash.env(format!("__DEN_VAR_{name}"), value);
    }
    let status = bash
        .status()
        .map_err(|err| format!("cannot run bash for the hook scripts: {err}"))?;
    let mut bytes = Vec::new();
    std::fs::File::open(result.path())
        .and_then(|mut file| file.read_to_end(&mut bytes))
        .map_err(|err| format!("cannot read the hook results: {err}"))?;
    if bytes.is_empty() && (!hooks.read_back.is_empty() || hooks.exported) {
        return Ok(HookEnd::Exited(super::pyenv::exit_status(status)));
    }
    let mut fields = bytes
        .split(|byte| *byte == 0)
        .map(|field| String::from_utf8_lossy(field).into_owned());
    let values = hooks
        .read_back
        .iter()
        .map(|_| fields.next().unwrap_or_default())
        .collect();
    let exported = match hooks.exported {
        true => fields
            .filter_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                let shell_own =
                    ["_", "SHLVL", "PWD", "OLDPWD"].contains(&name) || name.starts_with("__DEN_");
                (!shell_own).then(|| (OsString::from(name), OsString::from(value)))
            })
            .collect(),
        false => Vec::new(),
    };
    Ok(HookEnd::Finished { values, exported })
}
