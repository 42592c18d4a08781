//! All-or-nothing file placement: every change made while installing is recorded so that a
//! failure undoes it, leaving the environment as it was.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use den_cache::{LinkMode, link_file};

use crate::InstallError;
use crate::error::io_err;

/// The changes made so far by one install. Dropping it without [`Transaction::commit`] rolls
/// back (also on panic): created files and directories are removed and moved-aside files are
/// put back, newest first.
pub(crate) struct Transaction {
    /// Where the stash directory for moved-aside files is created (site-packages).
    stash_parent: PathBuf,
    /// Lazily created `.den-stash-*` directory.
    stash: Option<PathBuf>,
    /// `(original location, location in the stash)`.
    stashed: Vec<(PathBuf, PathBuf)>,
    /// Files (and whole temporary directories) this install created.
    created: Vec<PathBuf>,
    /// Directories this install created, in creation order.
    created_dirs: Vec<PathBuf>,
    committed: bool,
}

impl Transaction {
    /// A transaction whose stash, if needed, lives in `stash_parent`.
    pub(crate) fn new(stash_parent: &Path) -> Self {
        Self {
            stash_parent: stash_parent.to_path_buf(),
            stash: None,
            stashed: Vec::new(),
            created: Vec::new(),
            created_dirs: Vec::new(),
            committed: false,
        }
    }

    /// Creates `dir` and its missing ancestors, remembering each one created.
    pub(crate) fn create_dir_all(&mut self, dir: &Path) -> Result<(), InstallError> {
        let mut missing = Vec::new();
        let mut current = Some(dir);
        while let Some(path) = current {
            if path.is_dir() {
                break;
            }
            missing.push(path.to_path_buf());
            current = path.parent();
        }
        for path in missing.into_iter().rev() {
            match fs::create_dir(&path) {
                Ok(()) => self.created_dirs.push(path),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && path.is_dir() => {}
                Err(e) => return Err(io_err("create directory", &path)(e)),
            }
        }
        Ok(())
    }

    /// Moves whatever is at `path` (file, symlink or directory) into the stash, if anything;
    /// rollback puts it back, commit deletes it.
    pub(crate) fn move_aside(&mut self, path: &Path) -> Result<(), InstallError> {
        let Ok(meta) = fs::symlink_metadata(path) else {
            return Ok(());
        };
        let stash = match &self.stash {
            Some(stash) => stash.clone(),
            None => {
                let dir = tempfile::Builder::new()
                    .prefix(".den-stash-")
                    .tempdir_in(&self.stash_parent)
                    .map_err(io_err("create a stash directory in", &self.stash_parent))?
                    .keep();
                self.stash = Some(dir.clone());
                dir
            }
        };
        let backup = stash.join(self.stashed.len().to_string());
        move_path(path, &backup, meta.is_dir()).map_err(io_err("move aside", path))?;
        self.stashed.push((path.to_path_buf(), backup));
        Ok(())
    }

    /// Places `src` at `dst` with `mode` (hardlink / clone / copy), replacing what was there.
    pub(crate) fn link(
        &mut self,
        src: &Path,
        dst: &Path,
        mode: LinkMode,
    ) -> Result<(), InstallError> {
        self.prepare(dst)?;
        link_file(src, dst, mode).map_err(io_err("install", dst))?;
        self.created.push(dst.to_path_buf());
        Ok(())
    }

    /// Writes a new file at `dst` with `bytes` and Unix permission bits `permissions`,
    /// replacing what was there.
    pub(crate) fn write(
        &mut self,
        dst: &Path,
        bytes: &[u8],
        permissions: u32,
    ) -> Result<(), InstallError> {
        self.prepare(dst)?;
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, permissions);
        #[cfg(not(unix))]
        let _ = permissions;
        let result = options.open(dst);
        // Record before writing, so a failed write is cleaned up too.
        if result.is_ok() {
            self.created.push(dst.to_path_buf());
        }
        io::Write::write_all(&mut result.map_err(io_err("create", dst))?, bytes)
            .map_err(io_err("write", dst))?;
        #[cfg(unix)]
        {
            // The umask may have cleared bits of `mode`; scripts must end up executable.
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(dst, fs::Permissions::from_mode(permissions))
                .map_err(io_err("set permissions of", dst))?;
        }
        Ok(())
    }

    /// A fresh, empty directory `<parent>/<prefix>XXXX` owned by this transaction (removed
    /// with its content on rollback).
    pub(crate) fn temp_dir(
        &mut self,
        parent: &Path,
        prefix: &str,
    ) -> Result<PathBuf, InstallError> {
        let dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir_in(parent)
            .map_err(io_err("create a temporary directory in", parent))?
            .keep();
        self.created.push(dir.clone());
        Ok(dir)
    }

    /// Renames `from` (created by this transaction) to `to`, moving aside what was at `to`.
    pub(crate) fn rename(&mut self, from: &Path, to: &Path) -> Result<(), InstallError> {
        self.move_aside(to)?;
        fs::rename(from, to).map_err(io_err("rename into place", to))?;
        for created in &mut self.created {
            if created == from {
                *created = to.to_path_buf();
            }
        }
        Ok(())
    }

    /// Makes the changes permanent: deletes the stash. Returns the original locations of
    /// everything that was moved aside (the files replaced or removed by this install).
    pub(crate) fn commit(mut self) -> Vec<PathBuf> {
        self.committed = true;
        if let Some(stash) = &self.stash
            && let Err(e) = fs::remove_dir_all(stash)
        {
            tracing::warn!("could not remove {}: {e}", stash.display());
        }
        self.stashed
            .drain(..)
            .map(|(original, _)| original)
            .collect()
    }

    /// Creates the parent directory of `dst` and moves aside what is at `dst`.
    fn prepare(&mut self, dst: &Path) -> Result<(), InstallError> {
        if let Some(parent) = dst.parent() {
            self.create_dir_all(parent)?;
        }
        self.move_aside(dst)
    }

    /// Undoes every change, newest first; best effort, failures are logged.
    fn rollback(&mut self) {
        for path in self.created.drain(..).rev() {
            let result = match fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_dir() => fs::remove_dir_all(&path),
                Ok(_) => fs::remove_file(&path),
                Err(_) => Ok(()),
            };
            if let Err(e) = result {
                tracing::warn!("rollback: could not remove {}: {e}", path.display());
            }
        }
        for (original, backup) in self.stashed.drain(..).rev() {
            let is_dir = fs::symlink_metadata(&backup).is_ok_and(|m| m.is_dir());
            if let Err(e) = move_path(&backup, &original, is_dir) {
                tracing::warn!(
                    "rollback: could not restore {} from {}: {e}",
                    original.display(),
                    backup.display()
                );
            }
        }
        for dir in self.created_dirs.drain(..).rev() {
            // Only empty directories: something else may have put files there meanwhile.
            let _ = fs::remove_dir(&dir);
        }
        if let Some(stash) = self.stash.take() {
            let _ = fs::remove_dir(&stash);
        }
    }
}

/// Renames `from` to `to`; for files on different file systems (a scripts directory mounted
/// elsewhere than site-packages), copies then deletes instead.
fn move_path(from: &Path, to: &Path, is_dir: bool) -> io::Result<()> {
    match fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(_) if !is_dir => {
            fs::copy(from, to)?;
            fs::remove_file(from)
        }
        Err(e) => Err(e),
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        if !self.committed {
            self.rollback();
        }
    }
}
