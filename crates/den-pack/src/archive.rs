//! The archive formats: one writer over tar (gzip, zstd) and zip, and format detection.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// An archive format den writes and reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// POSIX tar compressed with gzip (`.tar.gz`, `.tgz`).
    TarGz,
    /// POSIX tar compressed with Zstandard (`.tar.zst`), on every core.
    TarZst,
    /// Zip with deflate (`.zip`), Unix modes and symlinks kept.
    Zip,
}

impl Format {
    /// The format an output file name asks for, by its ending; `None` for others.
    pub fn from_file_name(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Some(Self::TarGz)
        } else if name.ends_with(".tar.zst") || name.ends_with(".tzst") {
            Some(Self::TarZst)
        } else if name.ends_with(".zip") {
            Some(Self::Zip)
        } else {
            None
        }
    }

    /// The format of an archive from its first bytes (gzip, zstd and zip magic numbers).
    pub(crate) fn sniff(head: &[u8]) -> Option<Self> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Self::TarGz)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Self::TarZst)
        } else if head.starts_with(b"PK\x03\x04") {
            Some(Self::Zip)
        } else {
            None
        }
    }
}

impl FromStr for Format {
    type Err = String;

    /// `tar.gz` (or `tgz`), `tar.zst` (or `tzst`), `zip`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "tar.gz" | "tgz" => Ok(Self::TarGz),
            "tar.zst" | "tzst" => Ok(Self::TarZst),
            "zip" => Ok(Self::Zip),
            other => Err(format!(
                "unknown archive format '{other}': use tar.gz, tar.zst or zip"
            )),
        }
    }
}

/// One archive entry, its name relative and `/`-separated.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) name: String,
    /// Modification time, seconds since the epoch.
    pub(crate) mtime: u64,
    pub(crate) kind: EntryKind,
}

#[derive(Debug)]
pub(crate) enum EntryKind {
    Dir,
    File { content: Vec<u8>, mode: u32 },
    Symlink { target: PathBuf },
}

/// Bytes compressed into one gzip member; a batch of one member per core is compressed at
/// once.
const GZ_MEMBER: usize = 4 << 20;
/// gzip level: venv-pack's default, a little larger and much faster than gzip's 6.
const GZ_LEVEL: u32 = 4;

/// `chunk` as one complete gzip member (RFC 1952), compressed at [`GZ_LEVEL`] by libdeflate,
/// which compresses a whole buffer about twice as fast as zlib's streaming deflate.
///
/// Errors: none in practice (the output buffer is sized by libdeflate's own bound).
fn gzip_member(chunk: &[u8]) -> io::Result<Vec<u8>> {
    let level = libdeflater::CompressionLvl::new(GZ_LEVEL as i32)
        .map_err(|_| io::Error::other("gzip level out of range"))?;
    let mut compressor = libdeflater::Compressor::new(level);
    let mut out = vec![0; compressor.gzip_compress_bound(chunk.len())];
    let written = compressor
        .gzip_compress(chunk, &mut out)
        .map_err(|err| io::Error::other(format!("gzip: {err:?}")))?;
    out.truncate(written);
    Ok(out)
}

/// A gzip writer that compresses on every core: the stream is cut into independent gzip
/// members of [`GZ_MEMBER`] bytes, concatenated (RFC 1952 §2.2: a gzip file is a series of
/// members; gzip, tar and Python's gzip read them all as one stream). A batch of members is
/// compressed in the background while the next one fills.
pub(crate) struct ParallelGzWriter<W: Write> {
    out: W,
    pending: Vec<Vec<u8>>,
    current: Vec<u8>,
    batch: usize,
    /// The batch being compressed, its members in order.
    in_flight: Option<std::thread::JoinHandle<Vec<io::Result<Vec<u8>>>>>,
}

impl<W: Write> ParallelGzWriter<W> {
    fn new(out: W) -> Self {
        Self {
            out,
            pending: Vec::new(),
            current: Vec::with_capacity(GZ_MEMBER),
            batch: std::thread::available_parallelism().map_or(1, |n| n.get()),
            in_flight: None,
        }
    }

    /// Writes the batch in flight once compressed, then starts compressing the pending
    /// members, in parallel, in the background.
    fn flush_members(&mut self) -> io::Result<()> {
        use rayon::prelude::*;
        self.write_in_flight()?;
        let batch = std::mem::take(&mut self.pending);
        self.in_flight = Some(std::thread::spawn(move || {
            batch.par_iter().map(|chunk| gzip_member(chunk)).collect()
        }));
        Ok(())
    }

    /// Waits for the batch in flight, if any, and writes its members in order.
    fn write_in_flight(&mut self) -> io::Result<()> {
        let Some(handle) = self.in_flight.take() else {
            return Ok(());
        };
        let members = handle
            .join()
            .map_err(|_| io::Error::other("a gzip compression thread failed"))?;
        for member in members {
            self.out.write_all(&member?)?;
        }
        Ok(())
    }

    /// Writes what is left and returns the inner writer.
    fn finish(mut self) -> io::Result<W> {
        if !self.current.is_empty() || self.pending.is_empty() {
            self.pending.push(std::mem::take(&mut self.current));
        }
        self.flush_members()?;
        self.write_in_flight()?;
        Ok(self.out)
    }
}

impl<W: Write> Write for ParallelGzWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = GZ_MEMBER - self.current.len();
        let taken = buf.len().min(room);
        self.current.extend_from_slice(&buf[..taken]);
        if self.current.len() == GZ_MEMBER {
            let full = std::mem::replace(&mut self.current, Vec::with_capacity(GZ_MEMBER));
            self.pending.push(full);
            if self.pending.len() >= self.batch {
                self.flush_members()?;
            }
        }
        Ok(taken)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes entries in the order given.
pub(crate) enum ArchiveWriter {
    TarGz(tar::Builder<ParallelGzWriter<BufWriter<File>>>),
    TarZst(tar::Builder<zstd::stream::write::Encoder<'static, BufWriter<File>>>),
    Zip(Box<zip::ZipWriter<BufWriter<File>>>),
}

impl ArchiveWriter {
    pub(crate) fn new(format: Format, file: File) -> io::Result<Self> {
        let out = BufWriter::with_capacity(1 << 20, file);
        Ok(match format {
            Format::TarGz => Self::TarGz(tar_builder(ParallelGzWriter::new(out))),
            Format::TarZst => {
                let mut encoder = zstd::stream::write::Encoder::new(out, 3)?;
                encoder.include_checksum(true)?;
                let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
                encoder.multithread(u32::try_from(threads).unwrap_or(1))?;
                Self::TarZst(tar_builder(encoder))
            }
            Format::Zip => Self::Zip(Box::new(zip::ZipWriter::new(out))),
        })
    }

    pub(crate) fn append(&mut self, entry: &Entry) -> io::Result<()> {
        match self {
            Self::TarGz(builder) => append_tar(builder, entry),
            Self::TarZst(builder) => append_tar(builder, entry),
            Self::Zip(writer) => append_zip(writer, entry).map_err(io::Error::other),
        }
    }

    /// Completes the archive and returns its file.
    pub(crate) fn finish(self) -> io::Result<File> {
        let out = match self {
            Self::TarGz(builder) => builder.into_inner()?.finish()?,
            Self::TarZst(builder) => builder.into_inner()?.finish()?,
            Self::Zip(writer) => writer.finish().map_err(io::Error::other)?,
        };
        out.into_inner().map_err(io::IntoInnerError::into_error)
    }
}

fn tar_builder<W: Write>(out: W) -> tar::Builder<W> {
    let mut builder = tar::Builder::new(out);
    builder.mode(tar::HeaderMode::Deterministic);
    builder.follow_symlinks(false);
    builder
}

fn append_tar<W: Write>(builder: &mut tar::Builder<W>, entry: &Entry) -> io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_mtime(entry.mtime);
    header.set_uid(0);
    header.set_gid(0);
    match &entry.kind {
        EntryKind::Dir => {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_mode(0o755);
            header.set_size(0);
            builder.append_data(&mut header, format!("{}/", entry.name), io::empty())
        }
        EntryKind::File { content, mode } => {
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mode(*mode);
            header.set_size(content.len() as u64);
            builder.append_data(&mut header, &entry.name, content.as_slice())
        }
        EntryKind::Symlink { target } => {
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_mode(0o777);
            header.set_size(0);
            builder.append_link(&mut header, &entry.name, target)
        }
    }
}

fn append_zip(
    writer: &mut zip::ZipWriter<BufWriter<File>>,
    entry: &Entry,
) -> zip::result::ZipResult<()> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip_time(entry.mtime))
        .large_file(false);
    match &entry.kind {
        EntryKind::Dir => writer.add_directory(&entry.name, options.unix_permissions(0o755)),
        EntryKind::File { content, mode } => {
            let options = options
                .unix_permissions(*mode)
                .large_file(content.len() as u64 >= u64::from(u32::MAX));
            writer.start_file(&entry.name, options)?;
            writer.write_all(content)?;
            Ok(())
        }
        EntryKind::Symlink { target } => {
            writer.add_symlink(&entry.name, target.to_string_lossy(), options)
        }
    }
}

/// A zip (MS-DOS) timestamp for `mtime` seconds since the epoch, in UTC; times the format
/// cannot hold (before 1980) become 1980-01-01.
fn zip_time(mtime: u64) -> zip::DateTime {
    let utc = i64::try_from(mtime)
        .ok()
        .and_then(|secs| time::OffsetDateTime::from_unix_timestamp(secs).ok());
    utc.and_then(|t| zip::DateTime::try_from(time::PrimitiveDateTime::new(t.date(), t.time())).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn parallel_gzip_members_read_back_as_one_stream() {
        // Several members and a partial one, with content that does not repeat per member.
        let data: Vec<u8> = (0..GZ_MEMBER * 5 + 12_345)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let mut writer = ParallelGzWriter::new(Vec::new());
        for piece in data.chunks(100_003) {
            writer.write_all(piece).unwrap();
        }
        let compressed = writer.finish().unwrap();
        let mut members = 0;
        for window in compressed.windows(3) {
            if window == [0x1f, 0x8b, 0x08] {
                members += 1;
            }
        }
        assert!(members >= 6, "{members}");
        let mut back = Vec::new();
        flate2::read::MultiGzDecoder::new(compressed.as_slice())
            .read_to_end(&mut back)
            .unwrap();
        assert!(back == data);
        let mut empty = Vec::new();
        let none = ParallelGzWriter::new(Vec::new()).finish().unwrap();
        flate2::read::MultiGzDecoder::new(none.as_slice())
            .read_to_end(&mut empty)
            .unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn formats_by_name_and_magic() {
        assert_eq!(
            Format::from_file_name(Path::new("a/b.TGZ")),
            Some(Format::TarGz)
        );
        assert_eq!(
            Format::from_file_name(Path::new("b.tar.zst")),
            Some(Format::TarZst)
        );
        assert_eq!(
            Format::from_file_name(Path::new("b.zip")),
            Some(Format::Zip)
        );
        assert_eq!(Format::from_file_name(Path::new("b.tar")), None);
        assert_eq!(Format::sniff(b"PK\x03\x04rest"), Some(Format::Zip));
        assert_eq!(Format::sniff(b"\x1f"), None);
        assert!("rar".parse::<Format>().unwrap_err().contains("tar.gz"));
    }
}
