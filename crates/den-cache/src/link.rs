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
/// Errors: only when copying fails too (the source is unreadable or the destination unwritable).
pub fn link_file(src: &Path, dst: &Path, mode: LinkMode) -> io::Result<LinkMode> {
    if mode == LinkMode::Clone && reflink_copy::reflink(src, dst).is_ok() {
        return Ok(LinkMode::Clone);
    }
    if matches!(mode, LinkMode::Clone | LinkMode::Hardlink) && fs::hard_link(src, dst).is_ok() {
        return Ok(LinkMode::Hardlink);
    }
    fs::copy(src, dst)?;
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
}
