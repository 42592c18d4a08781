//! Unpacking a source distribution while it downloads, as uv does: den-index's [`Download`]
//! writes each chunk to the cache file and hands it on, through a bounded channel, to
//! den-build's [`den_build::stage_sdist_from`] on a blocking thread, so inflating and writing the
//! tree overlap the transfer instead of following it. The tree stays staged until the archive
//! has passed every hash check; only then is it moved into place.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use den_index::{Download, IndexError};
use tokio::sync::mpsc;

use crate::PrepareError;

/// How many bytes [`feed`] gathers, in the chunks as they came, before handing them on: the
/// connection delivers a few kilobytes at a time, and handing each chunk over on its own would
/// wake the unpacking thread tens of thousands of times for a large sdist.
const BATCH: usize = 256 * 1024;

/// How many batches may wait between the download and the unpacking: enough to ride out a
/// burst of disk writes on either side, bounded (to about 2 MB) so that an unpacking slower than
/// the network slows the download rather than filling memory.
const QUEUED_BATCHES: usize = 8;

/// Receives `download` (a tarball den-build can stream, [`den_build::can_stream`]) into the cache
/// and unpacks it into `dest` on the way; `verify` checks the saved archive (the `--hash`es of
/// hash-checking mode) before the tree is moved to `dest`. Returns the archive's path and the
/// project root.
///
/// The checks are made, and their errors reported, in the order they are for an archive
/// downloaded first and unpacked after: the transfer and the index's hashes, then `verify`,
/// then the unpacking. So an unpacking that fails (an unsafe member, the size ceiling) stops
/// only itself: the download goes on to its end and is checked and saved as ever, and a hash
/// mismatch is still what is reported for a tampered archive. A failed transfer ends the
/// unpacking, whose input then ends. On any failure the staged tree is removed before this
/// returns, and nothing is moved to `dest`.
///
/// Errors: [`PrepareError::Index`] for the download (nothing is left in the cache);
/// `verify`'s; [`PrepareError::Unpack`] for den-build's refusal or failure, as unpacking the
/// saved file would report it; [`PrepareError::Stopped`] when the unpacking thread ends
/// without an answer.
pub(crate) async fn download_unpacking(
    download: Download,
    dest: PathBuf,
    verify: impl FnOnce(&Path) -> Result<(), PrepareError>,
) -> Result<(PathBuf, PathBuf), PrepareError> {
    tracing::info!(
        "downloading {}, unpacking it as it arrives",
        download.describe()
    );
    let (sender, receiver) = mpsc::channel(QUEUED_BATCHES);
    let archive = download.path().to_path_buf();
    let unpacking = tokio::task::spawn_blocking(move || {
        let mut reader = ChunkReader {
            batches: receiver,
            chunks: Vec::new().into_iter(),
            current: Bytes::new(),
        };
        let staged = den_build::stage_sdist_from(&mut reader, &archive, &dest)?;
        // The tarball ends before the download does (end-of-archive blocks, the gzip trailer):
        // the rest is taken as well, so the download never waits on a reader that has gone.
        reader.drain();
        Ok(staged)
    });
    let saved = feed(download, sender).await;
    let unpacked = unpacking.await;
    let archive = saved?;
    verify(&archive)?;
    let unpack_error = |reason| PrepareError::Unpack {
        archive: archive.clone(),
        reason,
    };
    let staged = unpacked
        .map_err(|source| PrepareError::Stopped {
            task: "unpacking",
            source,
        })?
        .map_err(unpack_error)?;
    let root = staged.finish().map_err(unpack_error)?;
    Ok((archive, root))
}

/// Receives `download` to its end, handing its chunks to `sender` in batches of [`BATCH`] bytes
/// while the unpacking takes them (once it has stopped, on an error, the rest is only saved and
/// hashed), then checks and saves it. Closing the channel is the end of the stream for the
/// unpacking: when this returns, on success or on a failure.
///
/// Errors: as [`Download::finish`].
async fn feed(
    mut download: Download,
    sender: mpsc::Sender<Vec<Bytes>>,
) -> Result<PathBuf, IndexError> {
    let (mut batch, mut gathered) = (Vec::new(), 0);
    loop {
        let chunk = download.next_chunk().await?;
        let end = chunk.is_none();
        if let Some(chunk) = chunk {
            gathered += chunk.len();
            batch.push(chunk);
        }
        if (end || gathered >= BATCH) && !batch.is_empty() {
            gathered = 0;
            if sender.send(std::mem::take(&mut batch)).await.is_err() {
                break;
            }
        }
        if end {
            break;
        }
    }
    drop(sender);
    download.finish().await
}

/// The batches of chunks [`feed`] queues, as a [`Read`] for the blocking thread that unpacks
/// them; the channel closing (the download ended, failed or was given up) is the end of the
/// stream.
struct ChunkReader {
    batches: mpsc::Receiver<Vec<Bytes>>,
    /// The rest of the batch being read.
    chunks: std::vec::IntoIter<Bytes>,
    /// What is left of the chunk being read.
    current: Bytes,
}

impl ChunkReader {
    /// Takes and drops every batch still to come, until the channel closes.
    fn drain(&mut self) {
        while self.batches.blocking_recv().is_some() {}
    }
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.current.is_empty() {
            if let Some(chunk) = self.chunks.next() {
                self.current = chunk;
                continue;
            }
            match self.batches.blocking_recv() {
                Some(batch) => self.chunks = batch.into_iter(),
                None => return Ok(0),
            }
        }
        let len = buf.len().min(self.current.len());
        buf[..len].copy_from_slice(&self.current.split_to(len));
        Ok(len)
    }
}
