//! Placing cached files into environments: copy-on-write clone (reflink), hardlink, or copy,
//! falling back in that order when the file system refuses (different devices, no reflink).

use std::fs;
use std::io;
use std::path::Path;

/// How files move from the cache into an environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LinkMode {
    /// Copy-on-write clone where the file system supports it, else hardlink, else copy.
    Clone,
    /// Hardlink, else copy (the default: fast, and the cache entry is never modified in place).
    #[default]
    Hardlink,
    /// Always copy.
    Copy,
}

/// Places `src` at `dst` (which must not exist) using `mode`, falling back to the next cheaper
/// mode on failure. Returns the mode actually used.
///
/// The copy never writes into an existing `dst`: if that were a hardlink into the cache (another
/// wheel's file placed there meanwhile), copying over it would change the cached file itself.
///
/// Errors: `dst` exists ([`io::ErrorKind::AlreadyExists`]); copying fails too (the source is
/// unreadable or the destination unwritable).
pub fn link_file(src: &Path, dst: &Path, mode: LinkMode) -> io::Result<LinkMode> {
    if mode == LinkMode::Clone && reflink_copy::reflink(src, dst).is_ok() {
        return Ok(LinkMode::Clone);
    }
    if matches!(mode, LinkMode::Clone | LinkMode::Hardlink) {
        match fs::hard_link(src, dst) {
            Ok(()) => return Ok(LinkMode::Hardlink),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => return Err(error),
            Err(_) => {}
        }
    }
    let mut from = fs::File::open(src)?;
    let mut to = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dst)?;
    io::copy(&mut from, &mut to)?;
    to.set_permissions(from.metadata()?.permissions())?;
    Ok(LinkMode::Copy)
}

/// The directory of the last path asked about, kept open (`O_PATH`): files met in directory
/// order (a RECORD, a tree walk) then cost the kernel one name lookup each, relative to the
/// open directory, instead of a walk down the whole path (about half the time of a `stat` or
/// a `link` deep in a cache or an environment).
#[derive(Debug, Default)]
pub struct OpenParent {
    #[cfg(unix)]
    open: Option<(std::path::PathBuf, rustix::fd::OwnedFd)>,
}

impl OpenParent {
    /// The open parent directory of `path` and `path`'s last component; `None` for a path
    /// without both (`/`, `..`, a bare name is fine: its parent is `""`, the working
    /// directory).
    ///
    /// Errors: the parent cannot be opened (missing, not a directory, no permission).
    #[cfg(unix)]
    pub fn of<'p>(
        &mut self,
        path: &'p Path,
    ) -> io::Result<Option<(rustix::fd::BorrowedFd<'_>, &'p std::ffi::OsStr)>> {
        use rustix::fd::AsFd;
        use rustix::fs::{Mode, OFlags};
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return Ok(None);
        };
        let parent = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        let fresh = !matches!(&self.open, Some((open, _)) if open == parent);
        if fresh {
            let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
            let fd = rustix::fs::open(parent, flags, Mode::empty())?;
            self.open = Some((parent.to_path_buf(), fd));
        }
        Ok(self.open.as_ref().map(|(_, fd)| (fd.as_fd(), name)))
    }
}

/// Places many files as [`link_file`] does, hardlinking relative to the source's and the
/// destination's directories, kept open between calls ([`OpenParent`]): installing a tree
/// file by file, the kernel then resolves two names per file rather than two whole paths.
/// Other modes go through [`link_file`]; a relative link that fails for another reason than
/// an existing destination falls back to a copy, as [`link_file`]'s hardlink does (same
/// errors), without trying the link a second time.
#[derive(Debug, Default)]
pub struct Linker {
    sources: OpenParent,
    destinations: OpenParent,
}

impl Linker {
    /// Places `src` at `dst` (which must not exist) using `mode`, as [`link_file`] does;
    /// returns the mode used.
    ///
    /// Errors: as [`link_file`].
    pub fn link(&mut self, src: &Path, dst: &Path, mode: LinkMode) -> io::Result<LinkMode> {
        #[cfg(unix)]
        if mode == LinkMode::Hardlink {
            match self.link_at(src, dst) {
                Ok(true) => return Ok(LinkMode::Hardlink),
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => return Err(error),
                Err(_) => return link_file(src, dst, LinkMode::Copy),
                Ok(false) => {}
            }
        }
        link_file(src, dst, mode)
    }

    /// `linkat(2)` of `src` to `dst` relative to their open parents; `Ok(false)` when a path
    /// has no parent or name.
    #[cfg(unix)]
    fn link_at(&mut self, src: &Path, dst: &Path) -> io::Result<bool> {
        let Some((from_dir, from)) = self.sources.of(src)? else {
            return Ok(false);
        };
        let Some((to_dir, to)) = self.destinations.of(dst)? else {
            return Ok(false);
        };
        rustix::fs::linkat(from_dir, from, to_dir, to, rustix::fs::AtFlags::empty())?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_and_places_file() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        fs::write(&src, b"data").unwrap();
        for (i, mode) in [LinkMode::Clone, LinkMode::Hardlink, LinkMode::Copy]
            .into_iter()
            .enumerate()
        {
            let dst = dir.path().join(format!("dst{i}"));
            link_file(&src, &dst, mode).unwrap();
            assert_eq!(fs::read(&dst).unwrap(), b"data");
        }
    }

    #[test]
    fn never_writes_into_an_existing_destination() {
        let dir = tempfile::tempdir().unwrap();
        let (src, other, dst) = (
            dir.path().join("src"),
            dir.path().join("other"),
            dir.path().join("dst"),
        );
        fs::write(&src, b"new").unwrap();
        fs::write(&other, b"cached").unwrap();
        fs::hard_link(&other, &dst).unwrap();
        for mode in [LinkMode::Clone, LinkMode::Hardlink, LinkMode::Copy] {
            let err = link_file(&src, &dst, mode).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{mode:?}");
        }
        assert_eq!(fs::read(&other).unwrap(), b"cached");
    }

    #[test]
    fn linker_links_relative_to_open_directories_and_falls_back() {
        let dir = tempfile::tempdir().unwrap();
        let (cache, env) = (dir.path().join("cache"), dir.path().join("env"));
        fs::create_dir_all(cache.join("pkg")).unwrap();
        fs::create_dir_all(env.join("pkg")).unwrap();
        fs::create_dir_all(env.join("other")).unwrap();
        for name in ["a.py", "b.py"] {
            fs::write(cache.join("pkg").join(name), name).unwrap();
        }
        let mut linker = Linker::default();
        // Two files in one directory (the open parents reused), then another directory.
        for (src, dst) in [
            ("pkg/a.py", "pkg/a.py"),
            ("pkg/b.py", "pkg/b.py"),
            ("pkg/a.py", "other/a.py"),
        ] {
            let used = linker
                .link(&cache.join(src), &env.join(dst), LinkMode::Hardlink)
                .unwrap();
            assert_eq!(used, LinkMode::Hardlink);
            assert_eq!(
                fs::read(env.join(dst)).unwrap(),
                fs::read(cache.join(src)).unwrap()
            );
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let (src, dst) = (cache.join("pkg/a.py"), env.join("other/a.py"));
            assert_eq!(
                fs::metadata(src).unwrap().ino(),
                fs::metadata(dst).unwrap().ino()
            );
        }
        // An existing destination is refused and left alone; a missing directory is an error.
        let src = cache.join("pkg/b.py");
        for (dst, kind) in [
            ("pkg/a.py", io::ErrorKind::AlreadyExists),
            ("none/b.py", io::ErrorKind::NotFound),
        ] {
            let err = linker.link(&src, &env.join(dst), LinkMode::Hardlink);
            assert_eq!(err.unwrap_err().kind(), kind, "{dst}");
        }
        assert_eq!(fs::read(env.join("pkg/a.py")).unwrap(), b"a.py");
        // Copy mode copies (a new inode).
        let copied = linker.link(
            &cache.join("pkg/b.py"),
            &env.join("other/b.py"),
            LinkMode::Copy,
        );
        assert_eq!(copied.unwrap(), LinkMode::Copy);
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let (src, dst) = (cache.join("pkg/b.py"), env.join("other/b.py"));
            assert_ne!(
                fs::metadata(src).unwrap().ino(),
                fs::metadata(dst).unwrap().ino()
            );
        }
    }
}
