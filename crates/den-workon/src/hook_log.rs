//! virtualenvwrapper's hook log: with VIRTUALENVWRAPPER_LOG_FILE set ([`Homes::hook_log`]),
//! what den does with hooks (the global hook files it creates, each hook it runs as a process,
//! hooks that could not be started) is appended there as `DATE TIME LEVEL den.hooks MESSAGE`
//! lines (UTC). As virtualenvwrapper keeps its log, the file is created group-writable and,
//! past 10 KiB, moved to `FILE.1` (replacing an older one) before a new one is started.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use den_dist::IoResultExt;

use crate::{Homes, WorkonError};

/// The size past which the log is rotated.
const MAX_BYTES: u64 = 10 * 1024;

/// How much a log line matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// What was done (a hook run, a file created).
    Debug,
    /// Something that did not work (a hook that could not be started).
    Error,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Error => "ERROR",
        }
    }
}

/// Appends `message` at `level` to the hook log when `homes` has one; nothing otherwise.
///
/// # Errors
///
/// [`WorkonError::Io`] when the log cannot be rotated, created or written.
pub fn log(homes: &Homes, level: Level, message: &str) -> Result<(), WorkonError> {
    let Some(file) = &homes.hook_log else {
        return Ok(());
    };
    let line = format!("{} {} den.hooks {message}\n", timestamp(), level.name());
    rotate_when_full(file, line.len())?;
    let existed = file.exists();
    let mut out = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o664)
        .open(file)
        .at("open", file)?;
    if !existed {
        // The umask may have taken the group's write bit away.
        fs::set_permissions(file, fs::Permissions::from_mode(0o664))
            .at("set permissions of", file)?;
    }
    out.write_all(line.as_bytes()).at("write", file)?;
    Ok(())
}

/// Moves `file` to `file.1` when `extra` more bytes would take it past [`MAX_BYTES`].
fn rotate_when_full(file: &Path, extra: usize) -> Result<(), WorkonError> {
    let Ok(meta) = fs::metadata(file) else {
        return Ok(());
    };
    let extra = u64::try_from(extra).unwrap_or(u64::MAX);
    if meta.len() == 0 || meta.len().saturating_add(extra) <= MAX_BYTES {
        return Ok(());
    }
    let mut old = file.as_os_str().to_owned();
    old.push(".1");
    let old = PathBuf::from(old);
    fs::rename(file, &old).at("rename", file)?;
    Ok(())
}

/// The current time in UTC as `YYYY-MM-DD HH:MM:SS,mmm` (the shape of Python logging's
/// `asctime`).
fn timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02},{:03}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn homes(log: Option<PathBuf>) -> Homes {
        Homes {
            workon_home: "/w".into(),
            hook_dir: "/w".into(),
            project_home: None,
            project_filename: crate::PROJECT_FILE.into(),
            hook_log: log,
        }
    }

    #[test]
    fn lines_go_to_a_group_writable_file_rotated_past_its_size() {
        let temp = tempfile::tempdir().unwrap();
        let file = temp.path().join("hooks.log");
        log(&homes(None), Level::Debug, "nowhere").unwrap();
        log(&homes(Some(file.clone())), Level::Debug, "running x").unwrap();
        let text = fs::read_to_string(&file).unwrap();
        assert!(text.ends_with(" DEBUG den.hooks running x\n"), "{text}");
        let stamp = "2024-01-02 03:04:05,678";
        assert_eq!(
            text.len(),
            stamp.len() + " DEBUG den.hooks running x\n".len()
        );
        let mode = fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o664);
        let long = "y".repeat(6000);
        log(&homes(Some(file.clone())), Level::Error, &long).unwrap();
        log(&homes(Some(file.clone())), Level::Error, &long).unwrap();
        let old = fs::read_to_string(temp.path().join("hooks.log.1")).unwrap();
        assert!(old.starts_with(&text), "{old}");
        let new = fs::read_to_string(&file).unwrap();
        assert_eq!(new.lines().count(), 1);
        assert!(new.contains(" ERROR den.hooks y"));
    }
}
