//! Reading a wheel's `METADATA` out of a zip archive: from a local file, or from a remote file
//! through HTTP range requests, reading only the end of central directory record, the central
//! directory and the one member (PKWARE APPNOTE.TXT §4.3, with the ZIP64 extensions of §4.3.14
//! and §4.5.3).

use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use den_dist::{PackageName, WheelFilename};
use reqwest::StatusCode;
use url::Url;

use crate::{IndexClient, IndexError, IndexFile, redact};

/// Bytes requested from the end of the file first: enough for the end of central directory
/// record and, for most wheels, the whole central directory.
const TAIL: u64 = 64 * 1024;
/// Upper bound on a decompressed `METADATA`, against zip bombs.
const MAX_METADATA: u64 = 64 * 1024 * 1024;

const EOCD_SIGNATURE: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;
const ZIP64_EOCD_SIGNATURE: u32 = 0x0606_4b50;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const LOCAL_SIGNATURE: u32 = 0x0403_4b50;

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// Picks the wheel's own `<name>-<version>.dist-info/METADATA` among archive member names:
/// a top-level `.dist-info` directory whose name normalizes to the wheel's, else the only
/// top-level one.
fn pick_metadata<'a>(
    names: impl Iterator<Item = &'a str>,
    wheel: &WheelFilename,
) -> Option<&'a str> {
    let candidates: Vec<&str> = names
        .filter(|n| n.ends_with(".dist-info/METADATA") && n.matches('/').count() == 1)
        .collect();
    let matches_name = |member: &str| {
        member
            .split_once(".dist-info/")
            .and_then(|(stem, _)| stem.rsplit_once('-'))
            .and_then(|(name, _)| PackageName::from_str(name).ok())
            .is_some_and(|name| name == wheel.name)
    };
    candidates
        .iter()
        .copied()
        .find(|member| matches_name(member))
        .or(match candidates.as_slice() {
            [only] => Some(*only),
            _ => None,
        })
}

/// Reads `METADATA` from `wheel`, downloaded at `path` as `filename`.
///
/// Errors: [`IndexError::Metadata`] naming `filename` when the file is not a readable zip or
/// has no top-level `*.dist-info/METADATA`.
pub(crate) fn metadata_from_file(
    path: &Path,
    wheel: &WheelFilename,
    filename: &str,
) -> Result<Vec<u8>, IndexError> {
    let error = |reason: String| IndexError::Metadata {
        filename: filename.to_string(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| error(format!("{}: {e}", path.display())))?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| {
        error(format!(
            "{} is not a valid zip archive: {e}",
            path.display()
        ))
    })?;
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.to_string())
        .collect();
    let member = pick_metadata(names.iter().map(String::as_str), wheel)
        .ok_or_else(|| error("the wheel has no top-level *.dist-info/METADATA".to_string()))?
        .to_string();
    let mut contents = Vec::new();
    archive
        .by_name(&member)
        .map_err(|e| error(format!("cannot read {member}: {e}")))?
        .take(MAX_METADATA)
        .read_to_end(&mut contents)
        .map_err(|e| error(format!("cannot read {member}: {e}")))?;
    Ok(contents)
}

/// What the first range request found.
pub(crate) enum Opened {
    /// The server honoured the range: the file's tail is in hand.
    Remote(RemoteZip),
    /// The server ignored the range and is sending the whole file (200).
    Whole(reqwest::Response),
}

/// A remote zip file whose last bytes were fetched.
pub(crate) struct RemoteZip {
    url: Url,
    filename: String,
    total: u64,
    tail_start: u64,
    tail: Vec<u8>,
}

/// A central directory entry's location facts.
struct Entry {
    method: u16,
    compressed: u64,
    local_offset: u64,
}

impl RemoteZip {
    /// Requests the last [`TAIL`] bytes of `file`, found at `url`.
    ///
    /// Errors: [`IndexError::Http`] for an error status, [`IndexError::Parse`] for a 206
    /// without a usable `Content-Range`, network errors.
    pub(crate) async fn open(
        client: &IndexClient,
        file: &IndexFile,
        url: &Url,
    ) -> Result<Opened, IndexError> {
        let response = client.get_range(url, &format!("-{TAIL}")).await?;
        match response.status() {
            StatusCode::PARTIAL_CONTENT => {}
            StatusCode::OK => return Ok(Opened::Whole(response)),
            status => {
                return Err(IndexError::Http {
                    url: redact(url),
                    status: status.as_u16(),
                });
            }
        }
        let parse_error = |reason: &str| IndexError::Parse {
            url: redact(url),
            reason: reason.to_string(),
        };
        // `Content-Range: bytes <first>-<last>/<total>`.
        let (first, total) = response
            .headers()
            .get(reqwest::header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().strip_prefix("bytes "))
            .and_then(|v| {
                let (range, total) = v.split_once('/')?;
                let (first, _) = range.split_once('-')?;
                Some((first.parse::<u64>().ok()?, total.parse::<u64>().ok()?))
            })
            .ok_or_else(|| parse_error("206 response without a usable Content-Range"))?;
        let tail = client.body(url, response).await?;
        if first + tail.len() as u64 != total {
            return Err(parse_error(
                "the range response does not end at the end of the file",
            ));
        }
        Ok(Opened::Remote(Self {
            url: url.clone(),
            filename: file.raw_filename.clone(),
            total,
            tail_start: first,
            tail,
        }))
    }

    fn error(&self, reason: impl Into<String>) -> IndexError {
        IndexError::Metadata {
            filename: self.filename.clone(),
            reason: reason.into(),
        }
    }

    /// `len` bytes at `start`, from the tail if it covers them, else by one more range request.
    async fn read(
        &self,
        client: &IndexClient,
        start: u64,
        len: u64,
    ) -> Result<Vec<u8>, IndexError> {
        let end = start
            .checked_add(len)
            .filter(|end| *end <= self.total)
            .ok_or_else(|| {
                self.error(format!("zip structure points past the end ({start}+{len})"))
            })?;
        if start >= self.tail_start {
            let from = (start - self.tail_start) as usize;
            return Ok(self.tail[from..from + len as usize].to_vec());
        }
        if len == 0 {
            return Ok(Vec::new());
        }
        let response = client
            .get_range(&self.url, &format!("{start}-{}", end - 1))
            .await?;
        if response.status() != StatusCode::PARTIAL_CONTENT {
            return Err(IndexError::Http {
                url: redact(&self.url),
                status: response.status().as_u16(),
            });
        }
        let bytes = client.body(&self.url, response).await?;
        if bytes.len() as u64 != len {
            return Err(self.error(format!(
                "asked for {len} bytes at {start}, got {}",
                bytes.len()
            )));
        }
        Ok(bytes)
    }

    /// `(offset, size)` of the central directory, from the end of central directory record
    /// (and its ZIP64 counterpart when the 32-bit fields are saturated).
    async fn directory(&self, client: &IndexClient) -> Result<(u64, u64), IndexError> {
        let tail = &self.tail;
        let eocd = (0..tail.len().saturating_sub(21))
            .rev()
            .find(|&at| u32_at(tail, at) == Some(EOCD_SIGNATURE))
            .ok_or_else(|| self.error("no end of central directory record; not a zip file"))?;
        let size = u32_at(tail, eocd + 12).ok_or_else(|| self.error("truncated EOCD"))?;
        let offset = u32_at(tail, eocd + 16).ok_or_else(|| self.error("truncated EOCD"))?;
        if size != u32::MAX && offset != u32::MAX {
            return Ok((u64::from(offset), u64::from(size)));
        }
        let locator = eocd
            .checked_sub(20)
            .filter(|&at| u32_at(tail, at) == Some(ZIP64_LOCATOR_SIGNATURE))
            .ok_or_else(|| self.error("ZIP64 archive without a ZIP64 locator"))?;
        let record_offset =
            u64_at(tail, locator + 8).ok_or_else(|| self.error("truncated ZIP64 locator"))?;
        let record = self.read(client, record_offset, 56).await?;
        if u32_at(&record, 0) != Some(ZIP64_EOCD_SIGNATURE) {
            return Err(self.error("bad ZIP64 end of central directory record"));
        }
        let size = u64_at(&record, 40).ok_or_else(|| self.error("truncated ZIP64 record"))?;
        let offset = u64_at(&record, 48).ok_or_else(|| self.error("truncated ZIP64 record"))?;
        Ok((offset, size))
    }

    /// Finds the METADATA member in the central directory.
    fn find_entry(&self, directory: &[u8], wheel: &WheelFilename) -> Result<Entry, IndexError> {
        let mut entries: Vec<(String, Entry)> = Vec::new();
        let mut at = 0;
        while u32_at(directory, at) == Some(CENTRAL_SIGNATURE) {
            let field = |offset: usize| {
                u16_at(directory, at + offset)
                    .ok_or_else(|| self.error("truncated central directory"))
            };
            let wide = |offset: usize| {
                u32_at(directory, at + offset)
                    .ok_or_else(|| self.error("truncated central directory"))
            };
            let method = field(10)?;
            let compressed = wide(20)?;
            let uncompressed = wide(24)?;
            let (name_len, extra_len, comment_len) = (
                field(28)? as usize,
                field(30)? as usize,
                field(32)? as usize,
            );
            let local_offset = wide(42)?;
            let name_start = at + 46;
            let name = directory
                .get(name_start..name_start + name_len)
                .ok_or_else(|| self.error("truncated central directory"))?;
            let extra = directory
                .get(name_start + name_len..name_start + name_len + extra_len)
                .ok_or_else(|| self.error("truncated central directory"))?;
            let mut entry = Entry {
                method,
                compressed: u64::from(compressed),
                local_offset: u64::from(local_offset),
            };
            // ZIP64 extended information (header 0x0001): the saturated fields, in order.
            let mut e = 0;
            while let (Some(id), Some(size)) = (u16_at(extra, e), u16_at(extra, e + 2)) {
                if id == 1 {
                    let mut values =
                        (0..usize::from(size) / 8).filter_map(|i| u64_at(extra, e + 4 + 8 * i));
                    if uncompressed == u32::MAX {
                        values.next();
                    }
                    if compressed == u32::MAX {
                        entry.compressed = values
                            .next()
                            .ok_or_else(|| self.error("bad ZIP64 extra field"))?;
                    }
                    if local_offset == u32::MAX {
                        entry.local_offset = values
                            .next()
                            .ok_or_else(|| self.error("bad ZIP64 extra field"))?;
                    }
                }
                e += 4 + usize::from(size);
            }
            entries.push((String::from_utf8_lossy(name).into_owned(), entry));
            at = name_start + name_len + extra_len + comment_len;
        }
        let chosen = pick_metadata(entries.iter().map(|(n, _)| n.as_str()), wheel)
            .ok_or_else(|| self.error("the wheel has no top-level *.dist-info/METADATA"))?
            .to_string();
        entries
            .into_iter()
            .find(|(n, _)| *n == chosen)
            .map(|(_, entry)| entry)
            .ok_or_else(|| self.error("the wheel has no top-level *.dist-info/METADATA"))
    }

    /// Reads the METADATA member: central directory, then the local header and data.
    ///
    /// Errors: [`IndexError::Metadata`] for archives that cannot be read this way (the caller
    /// falls back to downloading), network and HTTP errors.
    pub(crate) async fn metadata(
        &self,
        client: &IndexClient,
        wheel: &WheelFilename,
    ) -> Result<Vec<u8>, IndexError> {
        let (offset, size) = self.directory(client).await?;
        let directory = self.read(client, offset, size).await?;
        let entry = self.find_entry(&directory, wheel)?;
        // One request for the local header, name, a generous extra field and the data.
        if entry.compressed > MAX_METADATA {
            return Err(self.error(format!(
                "METADATA claims {} compressed bytes",
                entry.compressed
            )));
        }
        let guess =
            (30 + 1024 + entry.compressed).min(self.total.saturating_sub(entry.local_offset));
        let mut local = self.read(client, entry.local_offset, guess).await?;
        if u32_at(&local, 0) != Some(LOCAL_SIGNATURE) {
            return Err(self.error("bad local file header"));
        }
        let name_len = u16_at(&local, 26).ok_or_else(|| self.error("truncated local header"))?;
        let extra_len = u16_at(&local, 28).ok_or_else(|| self.error("truncated local header"))?;
        let data_start = 30 + u64::from(name_len) + u64::from(extra_len);
        let data_end = data_start + entry.compressed;
        if data_end > local.len() as u64 {
            local = self.read(client, entry.local_offset, data_end).await?;
        }
        let data = &local[data_start as usize..data_end as usize];
        let mut contents = Vec::new();
        match entry.method {
            0 => contents.extend_from_slice(data),
            8 => {
                flate2::read::DeflateDecoder::new(data)
                    .take(MAX_METADATA)
                    .read_to_end(&mut contents)
                    .map_err(|e| self.error(format!("cannot inflate METADATA: {e}")))?;
            }
            method => {
                return Err(self.error(format!(
                    "METADATA uses zip compression method {method}, which den does not read remotely"
                )));
            }
        }
        Ok(contents)
    }
}
