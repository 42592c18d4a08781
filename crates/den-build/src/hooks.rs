//! Calling PEP 517 / PEP 660 hooks through `frontend.py`, one Python process per hook.

use std::ffi::OsString;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use den_dist::IoResultExt;
use serde_json::{Value, json};

use crate::{BuildError, BuildSystem};

/// The hook runner den ships; see its docstring for the protocol.
const FRONTEND: &str = include_str!("frontend.py");

/// How many lines of backend output a [`BuildError::Hook`] keeps.
const OUTPUT_LINES: usize = 60;

/// Where and how hooks of one project run.
pub(crate) struct Hooks<'a> {
    /// The interpreter that imports the backend (the build environment's, or the target's
    /// without isolation).
    pub python: &'a Path,
    /// The directory put first on `PATH` (the build environment's scripts).
    pub bin: &'a Path,
    /// The project root, the hooks' working directory (PEP 517 §Build backend interface).
    pub project: &'a Path,
    /// The project's name for messages.
    pub package: &'a str,
    /// Backend and backend-path.
    pub system: &'a BuildSystem,
    /// The `config_settings` argument of every hook (JSON null for none).
    pub config_settings: Value,
    /// Whether the hook process writes the bytecode of the source modules it reads from
    /// inside the interpreter's environment (`sys.prefix`: the backend and what its hooks
    /// import) even under `PYTHONDONTWRITEBYTECODE`, leaving `sys.dont_write_bytecode` as it
    /// is: true for den's own build environments, so that the next hook process there reads
    /// that bytecode instead of compiling the backend again. Never for the target interpreter
    /// (no isolation).
    pub keep_bytecode: bool,
}

impl Hooks<'_> {
    /// Calls `hook` with positional `args`; `Ok(None)` when the backend does not define it.
    ///
    /// The process gets the environment of den minus `PYTHONPATH` and `PYTHONHOME`, with
    /// `PYTHONNOUSERSITE=1` and [`Hooks::bin`] first on `PATH`; stdin is closed, stdout and
    /// stderr go to one log whose last lines make up [`BuildError::Hook`] on failure.
    ///
    /// Errors: [`BuildError::Spawn`] when the interpreter cannot start, [`BuildError::Hook`]
    /// when the hook raises (or the process fails), [`BuildError::HookResult`] when it exits
    /// cleanly without a result, [`BuildError::Io`] for the temporary files.
    pub async fn call(&self, hook: &str, args: Vec<Value>) -> Result<Option<Value>, BuildError> {
        let scratch = tempfile::Builder::new()
            .prefix("den-hook-")
            .tempdir()
            .at("create a temporary directory in", std::env::temp_dir())?;
        let dir = scratch.path();
        let script = dir.join("frontend.py");
        let input = dir.join("input.json");
        let output = dir.join("output.json");
        let log = dir.join("output.log");
        fs::write(&script, FRONTEND).at("write", &script)?;
        let request = json!({
            "backend": self.system.backend,
            "backend_path": self.system.backend_path,
            "args": args,
            "keep_bytecode": self.keep_bytecode,
        });
        fs::write(&input, request.to_string()).at("write", &input)?;
        let log_file = File::create(&log).at("create", &log)?;
        let log_copy = log_file.try_clone().at("open", &log)?;

        // What frontend.py does with keep_bytecode, said where it does something.
        let keeping = self.keep_bytecode
            && std::env::var_os("PYTHONDONTWRITEBYTECODE").is_some_and(|v| !v.is_empty())
            && std::env::var_os("PYTHONPYCACHEPREFIX").is_none_or(|v| v.is_empty());
        tracing::info!(
            "{}: running the build backend's {hook} ({}, in {}){}",
            self.package,
            self.system.backend,
            self.python.display(),
            if keeping {
                "; the build environment's modules keep their bytecode despite \
                 PYTHONDONTWRITEBYTECODE"
            } else {
                ""
            }
        );
        let status = tokio::process::Command::new(self.python)
            .arg(&script)
            .arg(hook)
            .arg(&input)
            .arg(&output)
            .current_dir(self.project)
            .env_remove("PYTHONPATH")
            .env_remove("PYTHONHOME")
            .env("PYTHONNOUSERSITE", "1")
            .env("PATH", self.path_variable())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log_copy))
            .stderr(Stdio::from(log_file))
            .kill_on_drop(true)
            .status()
            .await
            .map_err(|source| BuildError::Spawn {
                package: self.package.to_string(),
                hook: hook.to_string(),
                python: self.python.to_path_buf(),
                source,
            })?;
        if !status.success() {
            let text = fs::read(&log).unwrap_or_default();
            return Err(BuildError::Hook {
                package: self.package.to_string(),
                hook: hook.to_string(),
                output: last_lines(&String::from_utf8_lossy(&text), OUTPUT_LINES),
            });
        }
        let answer: Value = fs::read(&output)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| BuildError::HookResult {
                package: self.package.to_string(),
                hook: hook.to_string(),
                reason: "the backend exited without returning (did it call sys.exit?)".to_string(),
            })?;
        if answer.get("unsupported").is_some() {
            return Ok(None);
        }
        Ok(Some(answer.get("result").cloned().unwrap_or(Value::Null)))
    }

    /// `PATH` with [`Hooks::bin`] first.
    fn path_variable(&self) -> OsString {
        let mut dirs = vec![self.bin.to_path_buf()];
        dirs.extend(
            std::env::var_os("PATH")
                .iter()
                .flat_map(std::env::split_paths),
        );
        std::env::join_paths(&dirs).unwrap_or_else(|_| self.bin.as_os_str().to_os_string())
    }

    /// Calls a hook that returns a list of PEP 508 strings (`get_requires_for_build_*`); a
    /// missing hook means none (PEP 517 defaults).
    ///
    /// Errors: as [`Hooks::call`]; [`BuildError::HookResult`] when the value is not a list of
    /// valid requirements.
    pub async fn requires(&self, hook: &str) -> Result<Vec<den_dist::Requirement>, BuildError> {
        let Some(value) = self.call(hook, vec![self.config_settings.clone()]).await? else {
            return Ok(Vec::new());
        };
        let bad = |reason: String| BuildError::HookResult {
            package: self.package.to_string(),
            hook: hook.to_string(),
            reason,
        };
        let Value::Array(items) = value else {
            return Err(bad(format!("expected a list of requirements, got {value}")));
        };
        items
            .iter()
            .map(|item| {
                let text = item
                    .as_str()
                    .ok_or_else(|| bad(format!("expected a requirement string, got {item}")))?;
                den_dist::parse_requirement(text).map_err(|e| {
                    let text = den_dist::escape_controls(text);
                    bad(format!("`{text}` is not a PEP 508 requirement: {e}"))
                })
            })
            .collect()
    }

    /// Calls a hook that writes a file or directory into `dir` and returns its basename
    /// (`build_wheel`, `build_editable`, `prepare_metadata_for_build_*`) with the config
    /// settings; `Ok(None)` when the backend lacks the hook. `metadata_directory` is always
    /// passed as `None`.
    ///
    /// Errors: as [`Hooks::call`]; [`BuildError::HookResult`] when the result is not a string
    /// naming something that exists in `dir`.
    pub async fn produce(&self, hook: &str, dir: &Path) -> Result<Option<PathBuf>, BuildError> {
        let dir_arg = Value::String(dir.to_string_lossy().into_owned());
        let settings = self.config_settings.clone();
        let args = if hook.starts_with("prepare_metadata") {
            vec![dir_arg, settings]
        } else {
            vec![dir_arg, settings, Value::Null]
        };
        let Some(value) = self.call(hook, args).await? else {
            return Ok(None);
        };
        let name = value
            .as_str()
            .filter(|name| !name.is_empty() && !name.contains(['/', '\\']))
            .ok_or_else(|| BuildError::HookResult {
                package: self.package.to_string(),
                hook: hook.to_string(),
                reason: format!("expected a file name, got {value}"),
            })?;
        let path = dir.join(name);
        if fs::symlink_metadata(&path).is_err() {
            return Err(BuildError::HookResult {
                package: self.package.to_string(),
                hook: hook.to_string(),
                reason: format!(
                    "it named {name}, which it did not create in {}",
                    dir.display()
                ),
            });
        }
        Ok(Some(path))
    }
}

/// The last `count` lines of `text`, with a first line saying how many were left out.
fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= count {
        return lines.join("\n");
    }
    let skipped = lines.len() - count;
    format!(
        "[{skipped} earlier lines omitted]\n{}",
        lines[skipped..].join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_lines() {
        let text: String = (1..=5).map(|i| format!("line {i}\n")).collect();
        assert_eq!(last_lines(&text, 10), text.trim_end());
        assert_eq!(
            last_lines(&text, 2),
            "[3 earlier lines omitted]\nline 4\nline 5"
        );
    }
}
