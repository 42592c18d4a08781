//! Project pages: [`IndexFile`] / [`ProjectFiles`], and the parsers for PEP 503 HTML and
//! PEP 691 JSON pages.

use std::borrow::Cow;
use std::collections::HashMap;
use std::str::FromStr;

use den_dist::{DistFilename, HashAlgorithm, HashDigest, PackageName, Version, VersionSpecifiers};
use url::Url;

use crate::{IndexError, IndexUrl, UploadedPriorTo, redact};

/// The PEP 691 JSON media type, preferred in `Accept`.
pub const JSON_MEDIA_TYPE: &str = "application/vnd.pypi.simple.v1+json";

/// The `Accept` header sent for project pages: PEP 691 JSON first, then PEP 691 HTML, then
/// plain PEP 503 HTML (PEP 691 §Version + Format Selection).
pub const ACCEPT: &str = "application/vnd.pypi.simple.v1+json, \
     application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

/// One downloadable file of a project, as an index lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    /// The parsed filename (wheel or source distribution).
    pub filename: DistFilename,
    /// The filename exactly as the index spells it (the last segment of the URL, decoded).
    pub raw_filename: String,
    /// The absolute download URL, relative links already resolved against the page, without
    /// fragment: the text of a parsed [`Url`], parsed again only when used ([`IndexFile::url`]),
    /// since a page lists thousands of files and the resolver uses a few.
    url: Box<str>,
    /// Where the file was listed: an index, or a find-links location.
    pub origin: FileOrigin,
    /// Hashes the index gave (PEP 503 URL fragment, PEP 691 `hashes`); only algorithms den can
    /// verify (sha256/384/512) are kept.
    pub hashes: Vec<HashDigest>,
    /// `Requires-Python` as published by the index (PEP 503 `data-requires-python`, PEP 691
    /// `requires-python`); `None` if absent or unparseable.
    pub requires_python: Option<VersionSpecifiers>,
    /// `Some(reason)` (possibly empty) when the file is yanked (PEP 592).
    pub yanked: Option<String>,
    /// Whether the index serves the core metadata at `<url>.metadata` (PEP 658 / PEP 714).
    pub core_metadata: bool,
    /// The hashes of that metadata file, when the index gave them (verifiable algorithms only).
    pub core_metadata_hashes: Vec<HashDigest>,
    /// The size in bytes, when the index says (PEP 700).
    pub size: Option<u64>,
    /// When the file was uploaded, to the microsecond, when the index says (PEP 700
    /// `upload-time`, PEP 691 JSON pages only); what `--uploaded-prior-to` compares
    /// ([`UploadedPriorTo`](crate::UploadedPriorTo)).
    pub upload_time: Option<jiff::Timestamp>,
}

impl IndexFile {
    /// The absolute download URL (relative links resolved against the page, no fragment).
    ///
    /// Errors: [`IndexError::InvalidUrl`] if the text does not parse, which only a damaged
    /// cache entry can cause (the text was a parsed URL when the page was read).
    pub fn url(&self) -> Result<Url, IndexError> {
        Url::parse(&self.url).map_err(|e| IndexError::InvalidUrl {
            url: den_dist::redact_credentials(&self.url).into_owned(),
            reason: format!("a cached file URL does not parse: {e}"),
        })
    }

    /// The download URL as text, exactly as [`IndexFile::url`] parses it (credentials
    /// included: print it through [`den_dist::redact_credentials`]).
    pub fn url_str(&self) -> &str {
        &self.url
    }
}

/// Where an [`IndexFile`] was found.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FileOrigin {
    /// On this index's project page (PEP 503 / PEP 691); shared by every file of the page
    /// (a page lists up to thousands of files, and a copy of the URL each was an allocation
    /// and 80 bytes per file).
    Index(std::sync::Arc<IndexUrl>),
    /// In this `--find-links` location (a directory, HTML file or page), as configured, with
    /// any password redacted.
    FindLinks(String),
}

impl std::fmt::Display for FileOrigin {
    /// The index URL (redacted) or the find-links location.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Index(index) => index.fmt(f),
            Self::FindLinks(location) => f.write_str(location),
        }
    }
}

/// Every file of one project, merged across the configured indexes (primary first).
#[derive(Debug, Clone)]
pub struct ProjectFiles {
    /// The normalized project name.
    pub name: PackageName,
    /// The files, in index order then page order; shared, so handing them to a resolver
    /// copies pointers, not file entries.
    pub files: Vec<std::sync::Arc<IndexFile>>,
}

/// The parts of a file entry common to both formats, before classification.
#[derive(Debug, Clone)]
pub(crate) struct RawFile {
    url: Url,
    hashes: Vec<HashDigest>,
    requires_python: Option<String>,
    yanked: Option<String>,
    core_metadata: bool,
    core_metadata_hashes: Vec<HashDigest>,
    size: Option<u64>,
    upload_time: Option<jiff::Timestamp>,
}

impl RawFile {
    /// A file known only by its URL (a find-links directory entry): no hashes, no metadata.
    pub(crate) fn bare(url: Url) -> Self {
        Self {
            url,
            hashes: Vec::new(),
            requires_python: None,
            yanked: None,
            core_metadata: false,
            core_metadata_hashes: Vec::new(),
            size: None,
            upload_time: None,
        }
    }

    /// The file's name: the last segment of its URL, percent-decoded (`None` for URLs
    /// without a path).
    pub(crate) fn filename(&self) -> Option<String> {
        let last = self.url.path_segments()?.next_back()?;
        Some(
            percent_encoding::percent_decode_str(last)
                .decode_utf8_lossy()
                .into_owned(),
        )
    }

    /// Classifies the file; `None` (logged) for files that are neither wheels nor sdists.
    /// `specifiers` memoizes `Requires-Python` parsing across the files of one page (most
    /// share a handful of values).
    fn into_file(
        self,
        name: &PackageName,
        origin: &FileOrigin,
        specifiers: &mut HashMap<String, Option<VersionSpecifiers>>,
    ) -> Option<IndexFile> {
        let raw_filename = self.filename()?;
        let Some(filename) = DistFilename::parse(&raw_filename, name) else {
            tracing::debug!("skipping {raw_filename} on {origin}: not a wheel or sdist of {name}");
            return None;
        };
        let requires_python =
            requires_python(self.requires_python.as_deref(), &raw_filename, specifiers);
        let mut url = self.url;
        url.set_fragment(None);
        Some(IndexFile {
            filename,
            raw_filename,
            url: String::from(url).into_boxed_str(),
            origin: origin.clone(),
            hashes: self.hashes,
            requires_python,
            yanked: self.yanked,
            core_metadata: self.core_metadata,
            core_metadata_hashes: self.core_metadata_hashes,
            size: self.size,
            upload_time: self.upload_time,
        })
    }
}

/// `Requires-Python` as parsed, `None` when absent, empty or invalid (logged with `filename`);
/// `specifiers` memoizes the parse across the files of one page (most share a handful of
/// values).
fn requires_python(
    raw: Option<&str>,
    filename: &str,
    specifiers: &mut HashMap<String, Option<VersionSpecifiers>>,
) -> Option<VersionSpecifiers> {
    match raw.map(str::trim) {
        None | Some("") => None,
        Some(r) => match specifiers.get(r) {
            Some(parsed) => parsed.clone(),
            None => {
                let parsed = VersionSpecifiers::from_str(r)
                    .inspect_err(|e| {
                        tracing::debug!(
                            "ignoring invalid Requires-Python `{r}` of {filename}: {e}"
                        );
                    })
                    .ok();
                specifiers.insert(r.to_string(), parsed.clone());
                parsed
            }
        },
    }
}

/// The version of the compact file list ([`encode_files`] / [`decode_files`]); a cache entry
/// that names another version is read from its body instead. Bump it whenever
/// [`CompactFile`] or its encoding changes.
/// Version 2 added [`CompactFile::upload_time`]; lists of version 1 are read again from
/// their page's body, never as version 2.
pub(crate) const FILES_FORMAT: u32 = 2;

/// One [`IndexFile`] in the compact list a cached page keeps beside its body (postcard): the
/// entry as it was classified, so reading it back parses no JSON, HTML, URL or hex, only the
/// filename and (memoized) `Requires-Python`.
#[derive(serde::Serialize, serde::Deserialize)]
struct CompactFile<'a> {
    /// [`IndexFile::url`]'s text.
    url: &'a str,
    /// [`IndexFile::raw_filename`].
    filename: &'a str,
    /// [`IndexFile::hashes`]: algorithm and lowercase hex.
    #[serde(borrow)]
    hashes: Vec<(HashAlgorithm, &'a str)>,
    /// [`IndexFile::requires_python`], written back as text.
    requires_python: Option<String>,
    /// [`IndexFile::yanked`].
    yanked: Option<&'a str>,
    /// [`IndexFile::core_metadata`].
    core_metadata: bool,
    /// [`IndexFile::core_metadata_hashes`].
    #[serde(borrow)]
    core_metadata_hashes: Vec<(HashAlgorithm, &'a str)>,
    /// [`IndexFile::size`].
    size: Option<u64>,
    /// [`IndexFile::upload_time`] in microseconds since the Unix epoch.
    upload_time: Option<i64>,
}

/// The digests as `(algorithm, hex)` pairs for [`CompactFile`].
fn hash_pairs(hashes: &[HashDigest]) -> Vec<(HashAlgorithm, &str)> {
    hashes
        .iter()
        .map(|h| (h.algorithm, h.hex.as_str()))
        .collect()
}

/// Digests back from [`hash_pairs`]; `None` if one is not a lowercase hex digest.
fn digests(pairs: &[(HashAlgorithm, &str)]) -> Option<Vec<HashDigest>> {
    pairs
        .iter()
        .map(|&(algorithm, hex)| {
            is_lower_hex(hex).then(|| HashDigest {
                algorithm,
                hex: hex.to_string(),
            })
        })
        .collect()
}

/// Whether `hex` is a non-empty lowercase hexadecimal digest.
fn is_lower_hex(hex: &str) -> bool {
    !hex.is_empty()
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'a'..=b'f'))
}

/// The compact form of one page's `files` (a postcard byte string, [`FILES_FORMAT`]), for
/// [`decode_files`].
pub(crate) fn encode_files(files: &[IndexFile]) -> Vec<u8> {
    let compact: Vec<CompactFile<'_>> = files
        .iter()
        .map(|file| CompactFile {
            url: &file.url,
            filename: &file.raw_filename,
            hashes: hash_pairs(&file.hashes),
            requires_python: file.requires_python.as_ref().map(ToString::to_string),
            yanked: file.yanked.as_deref(),
            core_metadata: file.core_metadata,
            core_metadata_hashes: hash_pairs(&file.core_metadata_hashes),
            size: file.size,
            upload_time: file.upload_time.map(jiff::Timestamp::as_microsecond),
        })
        .collect();
    // Sized first: the list is kept for the whole resolution, and a buffer grown as it is
    // written would leave up to its size again unused. Serializing into memory fails only
    // for types postcard cannot encode (none here).
    let size = postcard::serialize_with_flavor(&compact, postcard::ser_flavors::Size::default())
        .unwrap_or_default();
    postcard::to_extend(&compact, Vec::with_capacity(size)).unwrap_or_default()
}

/// The files of project `name` (from `index`) in the compact form den writes beside a cached page;
/// `None` when `bytes` is not such a list, or an entry is not a file of `name` or has a
/// malformed digest (a damaged cache entry: the caller then parses the page's body).
pub fn decode_files(bytes: &[u8], name: &PackageName, index: &IndexUrl) -> Option<Vec<IndexFile>> {
    decode_files_where(bytes, name, index, &|_| true)
}

/// Which versions of a project a reader wants; the others are never built into
/// [`IndexFile`]s.
pub type VersionFilter<'a> = &'a (dyn Fn(&Version) -> bool + Send + Sync);

/// [`decode_files`] keeping only the files whose version `wanted` admits. A wheel's version
/// is read from its filename before anything else is built, each distinct version text
/// checked once: a page lists thousands of files and a pinned install uses a handful. An
/// entry whose version does not parse is decoded as by [`decode_files`] (so damage is still
/// found).
pub(crate) fn decode_files_where(
    bytes: &[u8],
    name: &PackageName,
    index: &IndexUrl,
    wanted: VersionFilter<'_>,
) -> Option<Vec<IndexFile>> {
    let compact: Vec<CompactFile<'_>> = postcard::from_bytes(bytes).ok()?;
    let origin = FileOrigin::Index(std::sync::Arc::new(index.clone()));
    let mut specifiers = HashMap::new();
    let mut verdicts: HashMap<&str, Option<bool>> = HashMap::new();
    let mut files = Vec::with_capacity(compact.len());
    for file in compact {
        // A wheel's verdict, from its version text; `None` for an sdist (its version is
        // found by parsing its name) and a version text that does not parse.
        let verdict = wheel_version_text(file.filename).and_then(|text| {
            *verdicts
                .entry(text)
                .or_insert_with(|| Version::from_str(text).ok().map(|v| wanted(&v)))
        });
        if verdict == Some(false) {
            continue;
        }
        let filename = DistFilename::parse(file.filename, name)?;
        if verdict.is_none() && !wanted(filename.version()) {
            continue;
        }
        files.push(file.build(filename, &origin, &mut specifiers)?);
    }
    Some(files)
}

impl CompactFile<'_> {
    /// The [`IndexFile`] of this entry, whose filename parsed as `filename`, found in
    /// `origin`; `specifiers` memoizes `Requires-Python` across a page's entries. `None` when
    /// a digest is not lowercase hex (a damaged entry).
    fn build(
        self,
        filename: DistFilename,
        origin: &FileOrigin,
        specifiers: &mut HashMap<String, Option<VersionSpecifiers>>,
    ) -> Option<IndexFile> {
        Some(IndexFile {
            filename,
            raw_filename: self.filename.to_string(),
            url: self.url.into(),
            origin: origin.clone(),
            hashes: digests(&self.hashes)?,
            requires_python: requires_python(
                self.requires_python.as_deref(),
                self.filename,
                specifiers,
            ),
            yanked: self.yanked.map(str::to_string),
            core_metadata: self.core_metadata,
            core_metadata_hashes: digests(&self.core_metadata_hashes)?,
            size: self.size,
            upload_time: upload_instant(self.upload_time)?,
        })
    }
}

/// [`CompactFile::upload_time`] as an instant: `Some(None)` for none, `None` for a count of
/// microseconds out of range (a damaged entry).
fn upload_instant(micros: Option<i64>) -> Option<Option<jiff::Timestamp>> {
    match micros {
        None => Some(None),
        Some(micros) => jiff::Timestamp::from_microsecond(micros).ok().map(Some),
    }
}

/// Which files of a project a reader can use, by filename; the others are left out of a
/// `CompactPage`'s versions.
pub type FileFilter<'a> = &'a (dyn Fn(&DistFilename) -> bool + Send + Sync);

/// One index page's compact list ([`FILES_FORMAT`]) as a reader keeps it, its entries built
/// into [`IndexFile`]s only when asked (`CompactPage::file_at`): a resolution looks at a few
/// versions of pages that list thousands of files, and an entry takes about a fifth of the
/// memory of the file built from it. Holds only the entries the reader keeps (for a
/// resolver, the wheels its interpreter can install and the sdists), copied out of the list
/// as written when it keeps fewer.
#[derive(Debug)]
pub(crate) struct CompactPage {
    /// The entries kept, each as written in the list, one after another.
    bytes: Vec<u8>,
    /// Where its files were listed.
    origin: FileOrigin,
}

impl CompactPage {
    /// Reads the list in `bytes` of project `name`'s page on `index`, checking every entry
    /// as [`decode_files`] does. The entries `list` and then `cutoff` admit are the page's
    /// files for the reader (the others are as if not listed); of those, `keep` says which
    /// the page holds. Returns the page with, in page order, the version of each admitted
    /// entry and the offset of those held (`None` for an entry only counted, so that a
    /// version whose files are all left out is still known), and whether an entry `list`
    /// admits had no upload time to compare with `cutoff` ([`UploadedPriorTo::admits`]).
    /// `None` when the list is damaged (as for [`decode_files`]).
    pub(crate) fn scan(
        bytes: Vec<u8>,
        name: &PackageName,
        index: &IndexUrl,
        list: FileFilter<'_>,
        keep: FileFilter<'_>,
        cutoff: Option<UploadedPriorTo>,
    ) -> Option<Scanned> {
        let (count, mut rest) = postcard::take_from_bytes::<usize>(&bytes).ok()?;
        let mut entries = Vec::new();
        // The byte range of each entry held, with its index in `entries`.
        let mut held: Vec<(std::ops::Range<usize>, usize)> = Vec::new();
        let mut no_upload_time = false;
        for _ in 0..count {
            let start = bytes.len() - rest.len();
            let (file, next) = postcard::take_from_bytes::<CompactFile<'_>>(rest).ok()?;
            rest = next;
            let filename = DistFilename::parse(file.filename, name)?;
            let digests_valid = [&file.hashes, &file.core_metadata_hashes]
                .into_iter()
                .flatten()
                .all(|&(_, hex)| is_lower_hex(hex));
            if !digests_valid {
                return None;
            }
            let uploaded = upload_instant(file.upload_time)?;
            if !list(&filename) {
                continue;
            }
            if let Some(cutoff) = cutoff {
                match cutoff.admits(file.url, uploaded) {
                    Some(true) => {}
                    Some(false) => continue,
                    None => {
                        no_upload_time = true;
                        continue;
                    }
                }
            }
            if keep(&filename) {
                held.push((start..bytes.len() - rest.len(), entries.len()));
            }
            entries.push((filename.version().clone(), None));
        }
        if !rest.is_empty() {
            return None;
        }
        let kept = if held.len() == count {
            for (range, entry) in held {
                entries[entry].1 = Some(u32::try_from(range.start).ok()?);
            }
            bytes
        } else {
            // Only the entries held are kept, in a buffer of their size (the list as written
            // is dropped): most of a compiled project's wheels are for other interpreters.
            let held_len = held.iter().map(|(range, _)| range.len()).sum();
            let mut kept = Vec::with_capacity(held_len);
            for (range, entry) in held {
                entries[entry].1 = Some(u32::try_from(kept.len()).ok()?);
                kept.extend_from_slice(&bytes[range]);
            }
            kept
        };
        let origin = FileOrigin::Index(std::sync::Arc::new(index.clone()));
        Some(Scanned {
            page: Self {
                bytes: kept,
                origin,
            },
            entries,
            no_upload_time,
        })
    }

    /// The file of the entry at `offset` (one `CompactPage::scan` returned) of project
    /// `name`'s page; `specifiers` memoizes `Requires-Python` across calls. `None` only if
    /// the entry is not one `scan` checked.
    pub(crate) fn file_at(
        &self,
        offset: u32,
        name: &PackageName,
        specifiers: &mut HashMap<String, Option<VersionSpecifiers>>,
    ) -> Option<IndexFile> {
        let entry = self.bytes.get(usize::try_from(offset).ok()?..)?;
        let (file, _) = postcard::take_from_bytes::<CompactFile<'_>>(entry).ok()?;
        let filename = DistFilename::parse(file.filename, name)?;
        file.build(filename, &self.origin, specifiers)
    }
}

/// What [`CompactPage::scan`] found in a list.
#[derive(Debug)]
pub(crate) struct Scanned {
    /// The list.
    pub(crate) page: CompactPage,
    /// The version of each entry admitted, in page order, with its offset in the page when
    /// the page holds it.
    pub(crate) entries: Vec<(Version, Option<u32>)>,
    /// Whether an entry the `list` filter admitted had no upload time to compare with the
    /// cutoff.
    pub(crate) no_upload_time: bool,
}

/// The version part of a wheel filename as written (`1.0` in `foo-1.0-py3-none-any.whl`,
/// PEP 427 §File name convention); `None` for other files.
fn wheel_version_text(filename: &str) -> Option<&str> {
    let stem = filename.strip_suffix(".whl")?;
    stem.split('-').nth(1)
}

/// Parses a project page in either format. `page_url` is the URL the page came from (after
/// redirects), against which relative links resolve; `json` selects PEP 691 JSON.
///
/// Errors: [`IndexError::Parse`] for JSON that does not follow PEP 691, naming the page.
pub fn parse_project_page(
    body: &str,
    json: bool,
    page_url: &Url,
    name: &PackageName,
    index: &IndexUrl,
) -> Result<Vec<IndexFile>, IndexError> {
    let raw = if json {
        parse_json(body, page_url)?
    } else {
        parse_html(body, page_url)
    };
    let origin = FileOrigin::Index(std::sync::Arc::new(index.clone()));
    Ok(classify(raw, name, &origin))
}

/// The files among `raw` that are wheels or sdists of `name`, found in `origin`.
pub(crate) fn classify(
    raw: impl IntoIterator<Item = RawFile>,
    name: &PackageName,
    origin: &FileOrigin,
) -> Vec<IndexFile> {
    let mut specifiers = HashMap::new();
    raw.into_iter()
        .filter_map(|f| f.into_file(name, origin, &mut specifiers))
        .collect()
}

/// Known algorithms from a `{algorithm: hex}` map; others (md5, blake2b) are skipped.
fn known_hashes<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<HashDigest> {
    let mut hashes: Vec<HashDigest> = pairs
        .filter_map(|(algorithm, hex)| HashDigest::new(algorithm, hex).ok())
        .collect();
    hashes.sort();
    hashes
}

/// A PEP 691 page as read: strings borrowed from the body where JSON needs no unescaping (a
/// page lists tens of thousands of files, and one allocation per field was a good part of
/// reading it).
#[derive(serde::Deserialize)]
struct JsonPage<'a> {
    #[serde(borrow)]
    files: Vec<JsonFile<'a>>,
}

#[derive(serde::Deserialize)]
struct JsonFile<'a> {
    #[serde(borrow)]
    url: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "pairs")]
    hashes: Pairs<'a>,
    #[serde(default, borrow, rename = "requires-python")]
    requires_python: Option<Cow<'a, str>>,
    #[serde(default)]
    yanked: serde_json::Value,
    #[serde(default, rename = "core-metadata")]
    core_metadata: serde_json::Value,
    #[serde(default, rename = "dist-info-metadata")]
    dist_info_metadata: serde_json::Value,
    #[serde(default)]
    size: Option<u64>,
    /// PEP 700 (api-version 1.1).
    #[serde(default, borrow, rename = "upload-time")]
    upload_time: Option<Cow<'a, str>>,
}

/// A JSON object of strings as its `(key, value)` pairs, in order.
type Pairs<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

/// Reads [`Pairs`] (no map built per file).
fn pairs<'de, D>(deserializer: D) -> Result<Pairs<'de>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct PairsVisitor;
    impl<'de> serde::de::Visitor<'de> for PairsVisitor {
        type Value = Pairs<'de>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of strings")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(1));
            while let Some((key, value)) = map.next_entry::<Borrowed<'de>, Borrowed<'de>>()? {
                pairs.push((key.0, value.0));
            }
            Ok(pairs)
        }
    }
    deserializer.deserialize_map(PairsVisitor)
}

/// A string borrowed from the input when it has no escapes (serde's `Cow<str>` alone always
/// copies).
struct Borrowed<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Borrowed<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Borrowed<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Borrowed(Cow::Borrowed(s)))
            }

            fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Borrowed(Cow::Owned(s.to_string())))
            }

            fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
                Ok(Borrowed(Cow::Owned(s)))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// PEP 691 says a metadata key is either `true`/`false` or a (possibly empty) hash map;
/// returns whether the file is offered, and its hashes.
fn offered(value: &serde_json::Value) -> (bool, Vec<HashDigest>) {
    match value {
        serde_json::Value::Bool(b) => (*b, Vec::new()),
        serde_json::Value::Object(map) => (
            true,
            known_hashes(
                map.iter()
                    .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?))),
            ),
        ),
        _ => (false, Vec::new()),
    }
}

fn parse_json(body: &str, page_url: &Url) -> Result<Vec<RawFile>, IndexError> {
    let page: JsonPage<'_> = serde_json::from_str(body).map_err(|e| IndexError::Parse {
        url: redact(page_url),
        reason: format!("invalid PEP 691 JSON: {e}"),
    })?;
    let mut files = Vec::with_capacity(page.files.len());
    for file in page.files {
        let Ok(url) = page_url.join(&file.url) else {
            tracing::debug!("skipping unparseable file URL `{}`", file.url);
            continue;
        };
        let yanked = match &file.yanked {
            serde_json::Value::Bool(true) => Some(String::new()),
            serde_json::Value::String(reason) => Some(reason.clone()),
            _ => None,
        };
        // PEP 714: `core-metadata` replaces `dist-info-metadata`; honour either.
        let (core_metadata, core_metadata_hashes) = if file.core_metadata.is_null() {
            offered(&file.dist_info_metadata)
        } else {
            offered(&file.core_metadata)
        };
        files.push(RawFile {
            url,
            hashes: known_hashes(file.hashes.iter().map(|(k, v)| (&**k, &**v))),
            requires_python: file.requires_python.map(Cow::into_owned),
            yanked,
            core_metadata,
            core_metadata_hashes,
            size: file.size,
            upload_time: file
                .upload_time
                .as_deref()
                .and_then(crate::upload::parse_upload_time),
        });
    }
    Ok(files)
}

/// One HTML start tag: lowercase name and attributes (lowercase names, unescaped values).
struct Tag<'a> {
    name: String,
    attributes: Vec<(String, String)>,
    /// The text after the tag up to the next `<`.
    text: &'a str,
}

impl Tag<'_> {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Scans `html` for start tags. Handles quoted (`"`/`'`) and unquoted attribute values,
/// valueless attributes, comments, and `>` inside quotes; text content is not interpreted.
/// Kept by hand rather than the `tl` crate: on PyPI's real pages `tl` was no faster (numpy's
/// 1.4 MB page) or 11% slower (boto3's 1.2 MB page).
fn scan_tags(html: &str) -> Vec<Tag<'_>> {
    let bytes = html.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while let Some(offset) = html[i..].find('<') {
        i += offset + 1;
        if html[i..].starts_with("!--") {
            i = html[i..].find("-->").map_or(html.len(), |end| i + end + 3);
            continue;
        }
        let name_end = html[i..]
            .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
            .map_or(html.len(), |end| i + end);
        let name = html[i..name_end].to_ascii_lowercase();
        i = name_end;
        let mut attributes = Vec::new();
        // Attributes until `>`.
        loop {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() {
                break;
            }
            if bytes[i] == b'>' {
                i += 1;
                break;
            }
            let key_start = i;
            while i < bytes.len()
                && !matches!(bytes[i], b'=' | b'>' | b'/')
                && !bytes[i].is_ascii_whitespace()
            {
                i += 1;
            }
            let key = html[key_start..i].to_ascii_lowercase();
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let mut value = String::new();
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                let raw = if i < bytes.len() && matches!(bytes[i], b'"' | b'\'') {
                    let quote = bytes[i] as char;
                    let start = i + 1;
                    let end = html[start..].find(quote).map_or(html.len(), |e| start + e);
                    i = (end + 1).min(html.len());
                    &html[start..end]
                } else {
                    let start = i;
                    while i < bytes.len() && bytes[i] != b'>' && !bytes[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    &html[start..i]
                };
                value = html_escape::decode_html_entities(raw).into_owned();
            }
            if key.is_empty() {
                // A stray `=`, already consumed with whatever value followed it: the scan
                // has advanced past it, never past the end (`< =` once sliced beyond it).
                i = i.max(key_start + 1).min(bytes.len());
                continue;
            }
            attributes.push((key, value));
        }
        let text_end = html[i..].find('<').map_or(html.len(), |e| i + e);
        tags.push(Tag {
            name,
            attributes,
            text: &html[i..text_end],
        });
    }
    tags
}

/// Parses a PEP 503 page: every `<a href>` is a file; `<base href>` changes the base URL.
pub(crate) fn parse_html(body: &str, page_url: &Url) -> Vec<RawFile> {
    let mut base = page_url.clone();
    let mut files = Vec::new();
    for tag in scan_tags(body) {
        match tag.name.as_str() {
            "base" => {
                if let Some(href) = tag.attribute("href")
                    && let Ok(url) = page_url.join(href)
                {
                    base = url;
                }
            }
            "a" => {
                let Some(href) = tag.attribute("href") else {
                    continue;
                };
                let Ok(url) = base.join(href) else {
                    tracing::debug!(
                        "skipping unparseable link `{}` ({})",
                        den_dist::redact_credentials(href),
                        tag.text.trim()
                    );
                    continue;
                };
                let hashes = url
                    .fragment()
                    .and_then(|f| f.split_once('='))
                    .map(|(algorithm, hex)| known_hashes(std::iter::once((algorithm, hex))))
                    .unwrap_or_default();
                // PEP 714: `data-core-metadata` replaces `data-dist-info-metadata`. The value
                // is `true` or `<algorithm>=<hex>` (PEP 658).
                let metadata = tag
                    .attribute("data-core-metadata")
                    .or_else(|| tag.attribute("data-dist-info-metadata"))
                    .filter(|v| *v != "false");
                let core_metadata_hashes = metadata
                    .and_then(|v| v.split_once('='))
                    .map(|(algorithm, hex)| known_hashes(std::iter::once((algorithm, hex))))
                    .unwrap_or_default();
                files.push(RawFile {
                    hashes,
                    requires_python: tag.attribute("data-requires-python").map(str::to_string),
                    yanked: tag.attribute("data-yanked").map(str::to_string),
                    core_metadata: metadata.is_some(),
                    core_metadata_hashes,
                    size: None,
                    upload_time: None,
                    url,
                });
            }
            _ => {}
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name() -> PackageName {
        PackageName::from_str("foo").unwrap()
    }

    fn index() -> IndexUrl {
        IndexUrl::parse("https://example.com/simple/").unwrap()
    }

    #[test]
    fn truncated_tags_end_the_scan() {
        // Found by den-fuzz-targets: a stray `=` at the end sliced past the text.
        for text in ["< =", "<a =", "<a href=", "<a href='x' =", "<a é=", "<a =é"] {
            let _ = scan_tags(text);
        }
        assert_eq!(scan_tags("<a =>x").len(), 1);
    }

    #[test]
    fn parses_html_anchors() {
        let html = r#"<!DOCTYPE html><html><body>
            <!-- <a href="commented.whl">no</a> -->
            <A HREF="../../packages/foo-1.0-py3-none-any.whl#sha256=ABCD" data-requires-python="&gt;=3.8,&lt;4"
               data-dist-info-metadata="sha256=1234">foo-1.0-py3-none-any.whl</A><br/>
            <a href='https://files.example/foo-1.0.tar.gz#md5=00' data-yanked>foo-1.0.tar.gz</a>
            <a href=foo-2.0.tar.gz data-yanked="bad &amp; broken" data-core-metadata="false">x</a>
            <a href="foo-3.0.exe">installer</a>
            <a>no href</a>
        </body></html>"#;
        let page = Url::parse("https://example.com/simple/foo/").unwrap();
        let files = parse_project_page(html, false, &page, &name(), &index()).unwrap();
        assert_eq!(files.len(), 3);
        let wheel = &files[0];
        assert_eq!(
            wheel.url_str(),
            "https://example.com/packages/foo-1.0-py3-none-any.whl"
        );
        assert_eq!(
            wheel.hashes,
            vec![HashDigest::new("sha256", "abcd").unwrap()]
        );
        assert_eq!(
            wheel.requires_python.as_ref().unwrap().to_string(),
            ">=3.8, <4"
        );
        assert!(wheel.core_metadata);
        assert_eq!(
            wheel.core_metadata_hashes,
            vec![HashDigest::new("sha256", "1234").unwrap()]
        );
        assert_eq!(wheel.yanked, None);
        assert_eq!(files[1].yanked.as_deref(), Some(""));
        assert!(files[1].hashes.is_empty());
        assert_eq!(
            files[2].url_str(),
            "https://example.com/simple/foo/foo-2.0.tar.gz"
        );
        assert_eq!(files[2].yanked.as_deref(), Some("bad & broken"));
        assert!(!files[2].core_metadata);
    }

    #[test]
    fn parses_a_real_pypi_page() {
        // PyPI's PEP 503 page of `packaging`: `&gt;` in data-requires-python, yanked files
        // with a reason.
        let html = include_str!("../tests/fixtures/simple-packaging.html");
        let page = Url::parse("https://pypi.org/simple/packaging/").unwrap();
        let name = PackageName::from_str("packaging").unwrap();
        let files = parse_project_page(html, false, &page, &name, &index()).unwrap();
        assert_eq!(files.len(), html.matches("<a ").count());
        let yanked: Vec<&str> = files
            .iter()
            .filter(|f| f.yanked.is_some())
            .map(|f| f.raw_filename.as_str())
            .collect();
        assert_eq!(
            yanked,
            [
                "packaging-20.6-py2.py3-none-any.whl",
                "packaging-20.6.tar.gz"
            ]
        );
        let reason = files.iter().find_map(|f| f.yanked.as_deref());
        assert_eq!(
            reason,
            Some("Incorrect git commit was used for cutting release")
        );
        let wheel = files
            .iter()
            .find(|f| f.raw_filename == "packaging-20.6-py2.py3-none-any.whl")
            .unwrap();
        assert_eq!(
            wheel.requires_python.as_ref().unwrap().to_string(),
            ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*"
        );
        assert_eq!(wheel.hashes.len(), 1);
        assert_eq!(
            wheel.url().unwrap().host_str(),
            Some("files.pythonhosted.org")
        );
        assert!(wheel.url().unwrap().fragment().is_none());
    }

    #[test]
    fn honours_base_href() {
        let html = r#"<base href="https://mirror.example/root/"><a href="foo-1.0.tar.gz">f</a>"#;
        let page = Url::parse("https://example.com/simple/foo/").unwrap();
        let files = parse_project_page(html, false, &page, &name(), &index()).unwrap();
        assert_eq!(
            files[0].url_str(),
            "https://mirror.example/root/foo-1.0.tar.gz"
        );
    }

    #[test]
    fn parses_json() {
        let json = r#"{"meta": {"api-version": "1.1"}, "name": "foo", "files": [
            {"filename": "foo-1.0-py3-none-any.whl", "url": "/files/foo-1.0-py3-none-any.whl",
             "hashes": {"sha256": "AB12", "md5": "ff", "blake2b_256": "00"},
             "requires-python": ">=3.7", "yanked": "security issue",
             "dist-info-metadata": {"sha256": "00"}, "size": 1234,
             "upload-time": "2023-01-02T03:04:05.678901Z"},
            {"filename": "foo-1.1.tar.gz", "url": "https://x.example/foo-1.1.tar.gz",
             "hashes": {}, "yanked": false, "core-metadata": false}
        ]}"#;
        let page = Url::parse("https://example.com/simple/foo/").unwrap();
        let files = parse_project_page(json, true, &page, &name(), &index()).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(
            files[0].url_str(),
            "https://example.com/files/foo-1.0-py3-none-any.whl"
        );
        assert_eq!(
            files[0].hashes,
            vec![HashDigest::new("sha256", "ab12").unwrap()]
        );
        assert_eq!(files[0].yanked.as_deref(), Some("security issue"));
        assert!(files[0].core_metadata);
        assert_eq!(files[0].core_metadata_hashes.len(), 1);
        assert_eq!(files[0].size, Some(1234));
        assert_eq!(
            files[0].upload_time.map(|t| t.to_string()).as_deref(),
            Some("2023-01-02T03:04:05.678901Z")
        );
        assert_eq!(files[1].upload_time, None);
        assert!(!files[1].core_metadata);
        assert_eq!(files[1].yanked, None);

        let err = parse_project_page("{", true, &page, &name(), &index()).unwrap_err();
        assert!(err.to_string().contains("example.com/simple/foo/"), "{err}");
    }

    /// The files of PyPI's page of `packaging` (parsed from the fixture), its name, and their
    /// compact list.
    fn packaging_list() -> (Vec<IndexFile>, PackageName, Vec<u8>) {
        let html = include_str!("../tests/fixtures/simple-packaging.html");
        let page = Url::parse("https://pypi.org/simple/packaging/").unwrap();
        let name = PackageName::from_str("packaging").unwrap();
        let files = parse_project_page(html, false, &page, &name, &index()).unwrap();
        let bytes = encode_files(&files);
        (files, name, bytes)
    }

    /// Damaged forms of `files`' list `bytes` with the project they are read as: cut short,
    /// read as another project's, a digest that is not lowercase hex, empty.
    fn damaged(
        files: &[IndexFile],
        name: &PackageName,
        bytes: &[u8],
    ) -> Vec<(Vec<u8>, PackageName)> {
        let mut upper = files[..1].to_vec();
        upper[0].hashes[0].hex.make_ascii_uppercase();
        vec![
            (bytes[..bytes.len() - 1].to_vec(), name.clone()),
            (bytes.to_vec(), PackageName::from_str("other").unwrap()),
            (encode_files(&upper), name.clone()),
            (Vec::new(), name.clone()),
        ]
    }

    #[test]
    fn the_compact_list_reads_back_what_was_parsed() {
        let (files, name, bytes) = packaging_list();
        assert_eq!(decode_files(&bytes, &name, &index()).unwrap(), files);
        for file in &files {
            assert_eq!(file.url().unwrap().as_str(), file.url_str());
        }
        // Damaged lists are refused, never read as other files.
        for (list, name) in damaged(&files, &name, &bytes) {
            assert!(decode_files(&list, &name, &index()).is_none());
        }
    }

    #[test]
    fn a_compact_page_builds_each_entry_as_the_whole_list_does() {
        let (files, name, bytes) = packaging_list();
        let all: FileFilter<'_> = &|_| true;
        let wheels: FileFilter<'_> = &|f| matches!(f, DistFilename::Wheel(_));
        let sdists: FileFilter<'_> = &|f| matches!(f, DistFilename::SourceDist(_));
        // Every entry held (the list kept as written), only the wheels held (copied out),
        // only the sdists listed.
        for (list, keep) in [(all, all), (all, wheels), (sdists, all)] {
            let Scanned {
                page: compact,
                entries,
                no_upload_time,
            } = CompactPage::scan(bytes.clone(), &name, &index(), list, keep, None).unwrap();
            assert!(!no_upload_time);
            let listed: Vec<&IndexFile> = files.iter().filter(|f| list(&f.filename)).collect();
            assert_eq!(entries.len(), listed.len());
            let mut specifiers = HashMap::new();
            for ((version, offset), file) in entries.into_iter().zip(listed) {
                assert_eq!(&version, file.filename.version());
                assert_eq!(offset.is_some(), keep(&file.filename));
                if let Some(offset) = offset {
                    let built = compact.file_at(offset, &name, &mut specifiers).unwrap();
                    assert_eq!(&built, file);
                }
            }
            let held = files
                .iter()
                .filter(|f| list(&f.filename) && keep(&f.filename));
            if held.clone().count() < files.len() {
                assert!(
                    compact.bytes.len() < bytes.len(),
                    "only the entries held are kept"
                );
            }
        }
        // Damaged lists are refused as by `decode_files`.
        for (list, name) in damaged(&files, &name, &bytes) {
            assert!(CompactPage::scan(list, &name, &index(), all, all, None).is_none());
        }
    }

    #[test]
    fn the_compact_list_keeps_upload_times_and_scan_applies_the_cutoff() {
        let json = r#"{"meta": {"api-version": "1.1"}, "name": "foo", "files": [
            {"filename": "foo-1.0.tar.gz", "url": "/f/foo-1.0.tar.gz", "hashes": {},
             "upload-time": "2023-01-01T00:00:00.000001Z"},
            {"filename": "foo-2.0.tar.gz", "url": "/f/foo-2.0.tar.gz", "hashes": {},
             "upload-time": "2024-01-01T00:00:00Z"},
            {"filename": "foo-3.0.tar.gz", "url": "/f/foo-3.0.tar.gz", "hashes": {}}
        ]}"#;
        let page = Url::parse("https://example.com/simple/foo/").unwrap();
        let files = parse_project_page(json, true, &page, &name(), &index()).unwrap();
        let bytes = encode_files(&files);
        assert_eq!(decode_files(&bytes, &name(), &index()).unwrap(), files);
        let cutoff: UploadedPriorTo = "2024-01-01T00:00:00Z".parse().unwrap();
        let versions = |list: FileFilter<'_>| {
            let all = &|_: &DistFilename| true;
            let scanned =
                CompactPage::scan(bytes.clone(), &name(), &index(), list, all, Some(cutoff));
            let scanned = scanned.unwrap();
            let versions: Vec<String> =
                scanned.entries.iter().map(|(v, _)| v.to_string()).collect();
            (versions, scanned.no_upload_time)
        };
        // 2.0 was uploaded at the cutoff, 3.0 has no upload time.
        assert_eq!(versions(&|_| true), (vec!["1.0".to_string()], true));
        let not_three = |f: &DistFilename| f.version().to_string() != "3.0";
        assert_eq!(versions(&not_three), (vec!["1.0".to_string()], false));
    }
}
