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
}
