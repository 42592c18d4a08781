//! virtualenvwrapper's hooks: the per-environment hook files a new environment gets, and the
//! hooks virtualenvwrapper RUNS as processes (the sourced ones are the shell integration's).
//!
//! Names, arguments and order follow virtualenvwrapper's `user_scripts` plugin: global hooks
//! live in `$VIRTUALENVWRAPPER_HOOK_DIR`, per-environment ones in `<env>/bin/`, and a hook runs
//! only when its file exists. Unlike virtualenvwrapper, which ignores exit statuses, a failing
//! `pre*` hook stops the operation it precedes (den's callers decide; see [`run_hook`]).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use den_dist::IoResultExt;

use crate::hook_log::{self, Level};
use crate::{Homes, WorkonError};

/// A hook virtualenvwrapper runs as a process (`run_global` / `run_script` in its plugin).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunHook {
    /// After a new environment is created, before it is activated; argument: its name.
    PreMkVirtualenv,
    /// Before an environment is deleted; argument: its name.
    PreRmVirtualenv,
    /// After an environment is deleted; argument: its name.
    PostRmVirtualenv,
    /// Before an environment is activated (global, then the environment's own); argument: its
    /// name.
    PreActivate,
    /// Before an environment is copied; arguments: the source path and the new name.
    PreCpVirtualenv,
    /// Before a project is created; argument: the project name.
    PreMkProject,
    /// When environments are listed in long mode (global, then the environment's own);
    /// argument: the environment name.
    GetEnvDetails,
}

impl RunHook {
    /// Every run hook.
    pub const ALL: [RunHook; 7] = [
        Self::PreMkVirtualenv,
        Self::PreRmVirtualenv,
        Self::PostRmVirtualenv,
        Self::PreActivate,
        Self::PreCpVirtualenv,
        Self::PreMkProject,
        Self::GetEnvDetails,
    ];

    /// The hook's file name.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::PreMkVirtualenv => "premkvirtualenv",
            Self::PreRmVirtualenv => "prermvirtualenv",
            Self::PostRmVirtualenv => "postrmvirtualenv",
            Self::PreActivate => "preactivate",
            Self::PreCpVirtualenv => "precpvirtualenv",
            Self::PreMkProject => "premkproject",
            Self::GetEnvDetails => "get_env_details",
        }
    }

    /// The hook named `name` (its file name), if it is a run hook.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|hook| hook.file_name() == name)
    }

    /// Whether virtualenvwrapper also runs `<env>/bin/<hook>` (after the global one).
    pub fn has_env_hook(self) -> bool {
        matches!(self, Self::PreActivate | Self::GetEnvDetails)
    }
}

/// The hook files virtualenvwrapper puts in a new environment's `bin/`: name, comment, and
/// whether the file is executable (run) or not (sourced).
const ENV_HOOK_FILES: [(&str, &str, bool); 5] = [
    (
        "predeactivate",
        "Sourced before this environment is deactivated.",
        false,
    ),
    (
        "postdeactivate",
        "Sourced after this environment is deactivated.",
        false,
    ),
    (
        "preactivate",
        "Run before this environment is activated.\n# argument: environment name",
        true,
    ),
    (
        "postactivate",
        "Sourced after this environment is activated.",
        false,
    ),
    (
        "get_env_details",
        "Run when environments are listed in long mode, to print details of this one.\n# argument: environment name",
        true,
    ),
];

/// Writes the per-environment hook files virtualenvwrapper creates in `<root>/bin/`
/// (predeactivate, postdeactivate, preactivate, postactivate, get_env_details): a `#!$SHELL`
/// line (`shell`, e.g. `/bin/bash`), a comment saying when it runs, mode 0755 for run hooks
/// and 0644 for sourced ones. Existing files are left alone.
///
/// # Errors
///
/// [`WorkonError::Io`].
pub fn write_env_hook_files(root: &Path, shell: &str) -> Result<(), WorkonError> {
    let bin = root.join("bin");
    for (name, comment, executable) in ENV_HOOK_FILES {
        let path = bin.join(name);
        if path.exists() {
            continue;
        }
        fs::write(&path, format!("#!{shell}\n# {comment}\n\n")).at("write", &path)?;
        let mode = if executable { 0o755 } else { 0o644 };
        fs::set_permissions(&path, fs::Permissions::from_mode(mode))
            .at("set permissions of", &path)?;
    }
    Ok(())
}

/// The global hook files virtualenvwrapper creates in its hook directory when it loads (its
/// `initialize` step), so users find them there to edit: name, comment, mode. `postmkproject`
/// is sourced but created executable, as virtualenvwrapper's project plugin does.
const GLOBAL_HOOK_FILES: [(&str, &str, u32); 12] = [
    (
        "initialize",
        "Sourced when the shell integration loads.",
        0o644,
    ),
    (
        "premkvirtualenv",
        "Run after a new environment is created, before it is activated.\n# argument: its name",
        0o755,
    ),
    (
        "postmkvirtualenv",
        "Sourced after a new environment is activated.",
        0o644,
    ),
    (
        "prermvirtualenv",
        "Run before an environment is removed.\n# argument: its name",
        0o755,
    ),
    (
        "postrmvirtualenv",
        "Run after an environment is removed.\n# argument: its name",
        0o755,
    ),
    (
        "predeactivate",
        "Sourced before any environment is deactivated.",
        0o644,
    ),
    (
        "postdeactivate",
        "Sourced after any environment is deactivated.",
        0o644,
    ),
    (
        "preactivate",
        "Run before any environment is activated.\n# argument: its name",
        0o755,
    ),
    (
        "postactivate",
        "Sourced after any environment is activated.",
        0o644,
    ),
    (
        "get_env_details",
        "Run when environments are listed in long mode.\n# argument: the environment's name",
        0o755,
    ),
    (
        "premkproject",
        "Run after a new project is created, before it is activated.",
        0o755,
    ),
    (
        "postmkproject",
        "Sourced after a new project is activated.",
        0o755,
    ),
];

/// Creates the global hook files virtualenvwrapper creates when it loads (initialize,
/// premkvirtualenv, postmkvirtualenv, prermvirtualenv, postrmvirtualenv, predeactivate,
/// postdeactivate, preactivate, postactivate, get_env_details, premkproject, postmkproject) in
/// the hook directory of `homes`, which is created if missing: a `#!shell` line, a comment
/// saying when the hook runs, mode 0755 for run hooks and 0644 for sourced ones. Existing files
/// are left alone. The step and each file created go to the hook log ([`hook_log`]).
///
/// # Errors
///
/// [`WorkonError::Io`], also when the hook log cannot be written.
pub fn write_global_hook_files(homes: &Homes, shell: &str) -> Result<(), WorkonError> {
    let hook_dir = &homes.hook_dir;
    hook_log::log(homes, Level::Debug, "Running initialize hooks")?;
    fs::create_dir_all(hook_dir).at("create", hook_dir)?;
    for (name, comment, mode) in GLOBAL_HOOK_FILES {
        let path = hook_dir.join(name);
        if path.exists() || path.is_symlink() {
            continue;
        }
        hook_log::log(homes, Level::Debug, &format!("creating {}", path.display()))?;
        fs::write(&path, format!("#!{shell}\n# {comment}\n\n")).at("write", &path)?;
        fs::set_permissions(&path, fs::Permissions::from_mode(mode))
            .at("set permissions of", &path)?;
    }
    Ok(())
}

/// The hook files `hook` runs for environment `env` (a root; `None` for none), in order:
/// the global one, then the environment's own for [`RunHook::has_env_hook`] hooks. Only
/// files that exist are returned.
pub fn hook_files(homes: &Homes, hook: RunHook, env: Option<&Path>) -> Vec<PathBuf> {
    let mut files = vec![homes.hook_dir.join(hook.file_name())];
    if let Some(root) = env.filter(|_| hook.has_env_hook()) {
        files.push(root.join("bin").join(hook.file_name()));
    }
    files.retain(|file| file.is_file());
    files
}

/// What running a hook did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct HookReport {
    /// Hook files that exist but could not be started (not executable, bad interpreter line),
    /// with the reason; virtualenvwrapper logs these and carries on, and so does den.
    pub not_run: Vec<(PathBuf, String)>,
}

/// Runs `hook` as virtualenvwrapper does: each of [`hook_files`] as a process with `args`,
/// inheriting stdin/stdout/stderr and the environment, in `cwd` when given (virtualenvwrapper
/// runs the mk/rm/cp hooks from WORKON_HOME). Stops at the first hook that exits non-zero.
/// The hook, each file run and each that could not be started go to the hook log
/// ([`hook_log`]).
///
/// # Errors
///
/// [`WorkonError::HookFailed`] with the hook's exit status (1 when killed by a signal);
/// [`WorkonError::Io`] when the hook log cannot be written.
pub fn run_hook(
    homes: &Homes,
    hook: RunHook,
    env: Option<&Path>,
    args: &[&str],
    cwd: Option<&Path>,
) -> Result<HookReport, WorkonError> {
    let mut report = HookReport::default();
    hook_log::log(
        homes,
        Level::Debug,
        &format!("Running {} hooks", hook.file_name()),
    )?;
    let bash_env = std::env::var_os("BASH_ENV");
    for file in hook_files(homes, hook, env) {
        if does_nothing(&file, bash_env.as_deref()) {
            hook_log::log(
                homes,
                Level::Debug,
                &format!("skipping {}: it holds only comments", file.display()),
            )?;
            continue;
        }
        let mut command = Command::new(&file);
        command.args(args);
        if let Some(cwd) = cwd {
            command.current_dir(cwd);
        }
        hook_log::log(
            homes,
            Level::Debug,
            &format!("running {} {args:?}", file.display()),
        )?;
        let status = match command.status() {
            Ok(status) => status,
            Err(e) => {
                let reason = os_error_text(&e);
                hook_log::log(
                    homes,
                    Level::Error,
                    &format!("could not run \"{}\": {reason}", file.display()),
                )?;
                report.not_run.push((file, reason));
                continue;
            }
        };
        if !status.success() {
            return Err(WorkonError::HookFailed {
                path: file,
                code: status.code().unwrap_or(1),
            });
        }
    }
    Ok(report)
}

/// The shells whose start-up reads no file when they run a script (dash and bash as `sh`
/// read `ENV` only when interactive; bash reads `BASH_ENV`, see [`does_nothing`]).
const QUIET_SHELLS: [&str; 6] = [
    "/bin/sh",
    "/usr/bin/sh",
    "/bin/dash",
    "/usr/bin/dash",
    "/bin/bash",
    "/usr/bin/bash",
];

/// Whether running the hook file `file` can have no effect, so that it need not be started:
/// it is executable by everyone, at most 4 KiB, starts with `#!` and one of
/// [`QUIET_SHELLS`] (no argument; the shell exists and is executable), and every other line is
/// blank or a `#` comment, as the hook files virtualenvwrapper and den create are until a user
/// edits them. bash runs `bash_env` (`$BASH_ENV`) first, so a bash file counts only when that
/// is unset or empty. Such a script reads nothing, writes nothing and exits 0; skipping it
/// spares a process start per hook file (`workon` runs two).
fn does_nothing(file: &Path, bash_env: Option<&std::ffi::OsStr>) -> bool {
    const LIMIT: u64 = 4096;
    let runnable_by_all =
        |meta: &fs::Metadata| meta.is_file() && meta.permissions().mode() & 0o111 == 0o111;
    let small_script = fs::metadata(file).is_ok_and(|m| runnable_by_all(&m) && m.len() <= LIMIT);
    let Some(text) = small_script.then(|| fs::read(file).ok()).flatten() else {
        return false;
    };
    let mut lines = text.split(|&b| b == b'\n');
    let Some(shell) = lines
        .next()
        .and_then(|first| first.strip_prefix(b"#!"))
        .and_then(|shell| std::str::from_utf8(shell).ok())
        .map(str::trim)
    else {
        return false;
    };
    let reads_bash_env = shell.ends_with("/bash") && bash_env.is_some_and(|v| !v.is_empty());
    QUIET_SHELLS.contains(&shell)
        && !reads_bash_env
        && fs::metadata(shell).is_ok_and(|m| runnable_by_all(&m))
        && lines.all(|line| {
            let line = line.trim_ascii_start();
            line.is_empty() || line.starts_with(b"#")
        })
}

/// An error starting a hook, written as virtualenvwrapper (Python) writes it:
/// `[Errno 13] Permission denied` for an operating-system error, else the error's text.
fn os_error_text(error: &std::io::Error) -> String {
    let text = error.to_string();
    match error.raw_os_error() {
        Some(code) => {
            let suffix = format!(" (os error {code})");
            format!(
                "[Errno {code}] {}",
                text.strip_suffix(&suffix).unwrap_or(&text)
            )
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(path: &Path, body: &str) {
        fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// Homes with WORKON_HOME and the hook directory both `dir`, and no hook log.
    fn in_dir(dir: &Path) -> Homes {
        Homes {
            workon_home: dir.to_path_buf(),
            hook_dir: dir.to_path_buf(),
            project_home: None,
            project_filename: crate::PROJECT_FILE.into(),
            hook_log: None,
        }
    }

    #[test]
    fn env_hook_files_match_virtualenvwrapper() {
        let temp = tempfile::tempdir().unwrap();
        fs::create_dir(temp.path().join("bin")).unwrap();
        fs::write(temp.path().join("bin/postactivate"), "mine\n").unwrap();
        write_env_hook_files(temp.path(), "/bin/bash").unwrap();
        let mode = |name: &str| {
            fs::metadata(temp.path().join("bin").join(name))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("preactivate"), 0o755);
        assert_eq!(mode("get_env_details"), 0o755);
        assert_eq!(mode("predeactivate"), 0o644);
        assert_eq!(mode("postdeactivate"), 0o644);
        let text = fs::read_to_string(temp.path().join("bin/predeactivate")).unwrap();
        assert!(text.starts_with("#!/bin/bash\n# "), "{text}");
        let kept = fs::read_to_string(temp.path().join("bin/postactivate")).unwrap();
        assert_eq!(kept, "mine\n");
    }

    #[test]
    fn global_hook_files_match_virtualenvwrapper() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("hooks");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("postactivate"), "mine\n").unwrap();
        let log = temp.path().join("hooks.log");
        let homes = Homes {
            hook_log: Some(log.clone()),
            ..in_dir(&dir)
        };
        write_global_hook_files(&homes, "/bin/zsh").unwrap();
        let logged = fs::read_to_string(&log).unwrap();
        assert!(logged.contains(" DEBUG den.hooks Running initialize hooks\n"));
        assert!(logged.contains(&format!("creating {}\n", dir.join("preactivate").display())));
        assert!(!logged.contains("postactivate"), "kept, not created");
        let mode = |name: &str| fs::metadata(dir.join(name)).unwrap().permissions().mode() & 0o777;
        for name in [
            "initialize",
            "postmkvirtualenv",
            "predeactivate",
            "postdeactivate",
        ] {
            assert_eq!(mode(name), 0o644, "{name}");
        }
        for name in [
            "premkvirtualenv",
            "prermvirtualenv",
            "postrmvirtualenv",
            "preactivate",
            "get_env_details",
            "premkproject",
            "postmkproject",
        ] {
            assert_eq!(mode(name), 0o755, "{name}");
        }
        let text = fs::read_to_string(dir.join("initialize")).unwrap();
        assert!(text.starts_with("#!/bin/zsh\n# "), "{text}");
        assert_eq!(
            fs::read_to_string(dir.join("postactivate")).unwrap(),
            "mine\n"
        );
        // A missing directory is created.
        write_global_hook_files(&in_dir(&temp.path().join("new/dir")), "/bin/sh").unwrap();
        assert!(temp.path().join("new/dir/preactivate").is_file());
    }

    #[test]
    fn hook_files_holding_only_comments_are_not_started() {
        let temp = tempfile::tempdir().unwrap();
        let hooks = temp.path().join("hooks");
        let log = temp.path().join("hooks.log");
        let homes = Homes {
            hook_log: Some(log.clone()),
            ..in_dir(&hooks)
        };
        // The files den creates are skipped, and the hook log says so.
        write_global_hook_files(&homes, "/bin/sh").unwrap();
        let preactivate = hooks.join("preactivate");
        run_hook(&homes, RunHook::PreActivate, None, &["e"], None).unwrap();
        let skipped = format!(
            "skipping {}: it holds only comments\n",
            preactivate.display()
        );
        assert!(fs::read_to_string(&log).unwrap().contains(&skipped));

        // A command after the comments runs.
        let marker = temp.path().join("ran");
        script(
            &preactivate,
            &format!("# a comment\n\n  touch '{}'", marker.display()),
        );
        run_hook(&homes, RunHook::PreActivate, None, &["e"], None).unwrap();
        assert!(marker.is_file());
        assert_eq!(
            fs::read_to_string(&log).unwrap().matches(&skipped).count(),
            1
        );

        // bash reads $BASH_ENV before a script: with it set, the file must run.
        let bash_file = temp.path().join("bash-hook");
        fs::write(&bash_file, "#!/bin/bash\n# only a comment\n").unwrap();
        fs::set_permissions(&bash_file, fs::Permissions::from_mode(0o755)).unwrap();
        assert!(does_nothing(&bash_file, None));
        assert!(does_nothing(&bash_file, Some("".as_ref())));
        let startup = temp.path().join("startup");
        let touched = temp.path().join("bash-env-ran");
        fs::write(&startup, format!("touch '{}'\n", touched.display())).unwrap();
        assert!(!does_nothing(&bash_file, Some(startup.as_os_str())));
        let status = Command::new(&bash_file)
            .env("BASH_ENV", &startup)
            .status()
            .unwrap();
        assert!(status.success() && touched.is_file(), "the premise holds");

        // Anything else is started: a shell given an argument, another interpreter, a file
        // not executable by everyone.
        for text in [
            "#!/bin/sh -x\n# c\n",
            "#!/usr/bin/env bash\n# c\n",
            "#!/usr/bin/python3\n# c\n",
            "# c\n",
        ] {
            fs::write(&bash_file, text).unwrap();
            assert!(!does_nothing(&bash_file, None), "{text}");
        }
        fs::write(&bash_file, "#!/bin/sh\n").unwrap();
        assert!(does_nothing(&bash_file, None));
        fs::set_permissions(&bash_file, fs::Permissions::from_mode(0o744)).unwrap();
        assert!(!does_nothing(&bash_file, None));
    }

    #[test]
    fn runs_global_then_env_hooks_with_arguments_and_stops_on_failure() {
        let temp = tempfile::tempdir().unwrap();
        let hooks = temp.path().join("hooks");
        let env = temp.path().join("env");
        fs::create_dir_all(&hooks).unwrap();
        fs::create_dir_all(env.join("bin")).unwrap();
        let log = temp.path().join("log");
        let homes = in_dir(&hooks);
        let append = |who: &str| format!("echo \"{who} $# $1 $(pwd)\" >> '{}'", log.display());
        script(&hooks.join("preactivate"), &append("global"));
        script(&env.join("bin/preactivate"), &append("env"));
        run_hook(
            &homes,
            RunHook::PreActivate,
            Some(&env),
            &["my env"],
            Some(&hooks),
        )
        .unwrap();
        let pwd = hooks.display();
        assert_eq!(
            fs::read_to_string(&log).unwrap(),
            format!("global 1 my env {pwd}\nenv 1 my env {pwd}\n")
        );

        // Per-environment files of hooks virtualenvwrapper runs only globally are ignored.
        script(&env.join("bin/premkvirtualenv"), "exit 9");
        run_hook(&homes, RunHook::PreMkVirtualenv, Some(&env), &["x"], None).unwrap();

        script(&hooks.join("preactivate"), "exit 3");
        match run_hook(&homes, RunHook::PreActivate, Some(&env), &["e"], None) {
            Err(WorkonError::HookFailed { code: 3, path }) => {
                assert_eq!(path, hooks.join("preactivate"));
            }
            other => panic!("{other:?}"),
        }

        fs::write(hooks.join("get_env_details"), "not executable").unwrap();
        let report = run_hook(&homes, RunHook::GetEnvDetails, None, &["e"], None).unwrap();
        assert_eq!(report.not_run.len(), 1);
        assert_eq!(
            RunHook::from_name("premkproject"),
            Some(RunHook::PreMkProject)
        );
        assert_eq!(RunHook::from_name("postactivate"), None);
    }
}
