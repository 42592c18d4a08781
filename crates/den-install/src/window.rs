//! Reading a wheel archive with few system calls, and creating its files with their final
//! permission bits.

use std::fs;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Arc, OnceLock};

/// How many bytes of the archive one read fetches (and a [`WindowReader`] keeps).
const WINDOW: usize = 128 * 1024;

/// A reader of a file by offset (`pread`), keeping the last window of it read: a seek costs no
/// system call, and reading at a position inside the window none either.
///
/// zip's reader seeks to each member's local header and then to its data; through a
/// `BufReader` every seek is an `lseek` that also drops the buffer, so a wheel of 12,000
/// small members took some 30,000 `lseek` and as many `read` calls. Clones share the open
/// file (its own position is never used) and start with an empty window of their own.
pub(crate) struct WindowReader {
    file: Arc<fs::File>,
    /// The file's length in bytes, for `SeekFrom::End`.
    len: u64,
    /// Where the next read starts, in bytes from the file's start.
    pos: u64,
    /// The bytes read last, from offset `start`; allocated by the first read.
    window: Vec<u8>,
    start: u64,
}

impl WindowReader {
    /// Reads `file` from its start.
    ///
    /// Errors: those of `fstat`.
    pub(crate) fn new(file: fs::File) -> io::Result<Self> {
        let len = file.metadata()?.len();
        Ok(Self {
            file: Arc::new(file),
            len,
            pos: 0,
            window: Vec::new(),
            start: 0,
        })
    }

    /// The window's bytes from `pos` on, empty when `pos` lies outside it.
    fn buffered(&self) -> &[u8] {
        match self.pos.checked_sub(self.start) {
            Some(offset) if offset < self.window.len() as u64 => &self.window[offset as usize..],
            _ => &[],
        }
    }
}

impl Clone for WindowReader {
    fn clone(&self) -> Self {
        Self {
            file: Arc::clone(&self.file),
            len: self.len,
            pos: self.pos,
            window: Vec::new(),
            start: 0,
        }
    }
}

impl Read for WindowReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.buffered().is_empty() {
            if out.len() >= WINDOW {
                // A large read goes straight to the caller's buffer.
                let n = read_at(&self.file, out, self.pos)?;
                self.pos += n as u64;
                return Ok(n);
            }
            // No larger than the file: most wheels are smaller than a window.
            self.window.resize(WINDOW.min(self.len as usize), 0);
            let n = read_at(&self.file, &mut self.window, self.pos)?;
            self.window.truncate(n);
            self.start = self.pos;
        }
        let buffered = self.buffered();
        let n = buffered.len().min(out.len());
        out[..n].copy_from_slice(&buffered[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for WindowReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let pos = match to {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::End(delta) => self.len.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.pos.checked_add_signed(delta),
        }
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the archive",
            )
        })?;
        self.pos = pos;
        Ok(pos)
    }
}

/// Reads from `file` at `offset` without using (on Unix, without moving) its position.
fn read_at(file: &fs::File, out: &mut [u8], offset: u64) -> io::Result<usize> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_at(file, out, offset)
    }
    #[cfg(windows)]
    {
        std::os::windows::fs::FileExt::seek_read(file, out, offset)
    }
}

/// The process's file mode creation mask, from `/proc/self/status` (Linux 4.7 and later);
/// `None` where that is not known. Read once: den never changes its umask.
fn umask() -> Option<u32> {
    static UMASK: OnceLock<Option<u32>> = OnceLock::new();
    *UMASK.get_or_init(|| {
        let status = fs::read_to_string("/proc/self/status").ok()?;
        let value = status.lines().find_map(|l| l.strip_prefix("Umask:"))?;
        u32::from_str_radix(value.trim(), 8).ok()
    })
}

/// Whether a file created with permission bits `mode` must have them set again afterwards
/// (`chmod`): unless the umask is known to leave all of them, it may have cleared some.
pub(crate) fn mode_needs_setting(mode: u32) -> bool {
    umask().is_none_or(|mask| mode & mask != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of `len` bytes, byte `i` being `i % 251`, and a reader of it.
    fn reader(len: usize) -> (tempfile::NamedTempFile, WindowReader) {
        let file = tempfile::NamedTempFile::new().unwrap();
        let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        fs::write(file.path(), &bytes).unwrap();
        let reader = WindowReader::new(fs::File::open(file.path()).unwrap()).unwrap();
        (file, reader)
    }

    fn byte(i: u64) -> u8 {
        (i % 251) as u8
    }

    #[test]
    fn seeks_and_reads_anywhere_as_a_file_does() {
        let len = WINDOW * 2 + 1000;
        let (_file, mut reader) = reader(len);
        let mut buf = [0u8; 100];
        for offset in [0, 5000, 10, WINDOW as u64 - 50, len as u64 - 30, 7] {
            assert_eq!(reader.seek(SeekFrom::Start(offset)).unwrap(), offset);
            let want = 100.min(len - offset as usize);
            let mut got = 0;
            while got < want {
                let n = reader.read(&mut buf[got..want]).unwrap();
                assert!(n > 0);
                got += n;
            }
            for (i, b) in buf[..want].iter().enumerate() {
                assert_eq!(*b, byte(offset + i as u64), "offset {offset} + {i}");
            }
        }
        assert_eq!(reader.seek(SeekFrom::End(-1)).unwrap(), len as u64 - 1);
        assert_eq!(reader.read(&mut buf).unwrap(), 1);
        assert_eq!(buf[0], byte(len as u64 - 1));
        assert_eq!(reader.read(&mut buf).unwrap(), 0, "end of file");
        assert_eq!(reader.seek(SeekFrom::Current(-3)).unwrap(), len as u64 - 3);
        assert!(reader.seek(SeekFrom::Current(-(len as i64))).is_err());
    }

    #[test]
    fn large_reads_and_clones_read_the_same_bytes() {
        let len = WINDOW * 3;
        let (_file, mut reader) = reader(len);
        reader.seek(SeekFrom::Start(123)).unwrap();
        let mut clone = reader.clone();
        let mut all = Vec::new();
        reader.read_to_end(&mut all).unwrap();
        let mut big = vec![0u8; WINDOW + 10];
        let n = clone.read(&mut big).unwrap();
        assert_eq!(n, WINDOW + 10);
        assert_eq!(&big[..], &all[..WINDOW + 10]);
        assert_eq!(all.len(), len - 123);
        assert!(
            all.iter()
                .enumerate()
                .all(|(i, b)| *b == byte(123 + i as u64))
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_umask_is_read_from_proc() {
        // Whatever the mask is, the bits it keeps never need setting again.
        let mask = umask().expect("/proc/self/status names the umask");
        assert!(!mode_needs_setting(0o777 & !mask));
        assert_eq!(mode_needs_setting(0o777), mask != 0);
    }
}
