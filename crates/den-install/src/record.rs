//! RECORD files (PEP 376 §RECORD, PEP 427 §The .dist-info directory): CSV rows of
//! `path,hash,size` where `hash` is `<algorithm>=<urlsafe base64 without padding>`.

use std::fmt::Write as _;
use std::path::Path;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use den_dist::{HashAlgorithm, Hasher};

use crate::InstallError;

/// One RECORD row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEntry {
    /// The file, `/`-separated, relative to the directory holding the `.dist-info` (it may
    /// start with `../` for scripts and data outside site-packages, or be absolute in RECORDs
    /// written by other installers).
    pub path: String,
    /// `sha256=<urlsafe-b64-nopad>`, or `None` for the RECORD itself (and for signatures).
    pub hash: Option<String>,
    /// Size in bytes, if recorded.
    pub size: Option<u64>,
}

impl RecordEntry {
    /// Checks `actual` (the digest of the file's bytes for this entry's algorithm, computed
    /// by a [`RecordHasher`]) and `size` against the row; returns a description of the first
    /// difference, or `None` when they agree. Rows without hash or size pass those checks.
    pub(crate) fn mismatch(&self, actual: &RecordHasher, size: u64) -> Option<String> {
        if let Some(expected) = self.size
            && expected != size
        {
            return Some(format!("size {size} bytes, RECORD says {expected}"));
        }
        match &self.hash {
            Some(expected) if *expected != actual.encoded() => {
                Some(format!("hash {}, RECORD says {expected}", actual.encoded()))
            }
            _ => None,
        }
    }
}

/// Streams a file's bytes through the algorithm named by a RECORD hash, producing the RECORD
/// form `algo=<urlsafe-b64-nopad>`.
pub(crate) struct RecordHasher {
    algorithm: HashAlgorithm,
    state: Option<Hasher>,
    encoded: String,
}

impl RecordHasher {
    /// A hasher for the algorithm of `expected` (`sha256=...`); `sha256` when there is none.
    ///
    /// Errors: the algorithm is unknown or weaker than SHA-256 (PEP 427 forbids md5/sha1).
    pub(crate) fn for_expected(expected: Option<&str>) -> Result<Self, String> {
        let algorithm = match expected {
            None => HashAlgorithm::Sha256,
            Some(hash) => {
                let (name, _) = hash
                    .split_once('=')
                    .ok_or_else(|| format!("hash `{hash}` is not of the form algorithm=digest"))?;
                HashAlgorithm::from_str(name).map_err(|e| e.to_string())?
            }
        };
        Ok(Self {
            algorithm,
            state: Some(Hasher::new(algorithm)),
            encoded: String::new(),
        })
    }

    /// Feeds bytes.
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        if let Some(state) = &mut self.state {
            state.update(bytes);
        }
    }

    /// Finishes hashing; afterwards [`RecordHasher::encoded`] holds the digest.
    pub(crate) fn finish(&mut self) {
        if let Some(state) = self.state.take() {
            self.encoded = format!(
                "{}={}",
                self.algorithm.as_str(),
                URL_SAFE_NO_PAD.encode(state.finalize_bytes())
            );
        }
    }

    /// The RECORD form of the digest; empty before [`RecordHasher::finish`].
    pub(crate) fn encoded(&self) -> &str {
        &self.encoded
    }
}

/// Parses RECORD text; `path` is only used in error messages.
///
/// Rows need one to three fields (`path[,hash[,size]]`); blank lines are skipped.
///
/// Errors: [`InstallError::Record`] naming the line of an unterminated quote, an empty path,
/// a size that is not a number, or more than three fields.
pub fn parse_record(text: &str, path: &Path) -> Result<Vec<RecordEntry>, InstallError> {
    let error = |line: usize, reason: String| InstallError::Record {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut entries = Vec::new();
    for (line, fields) in parse_csv(text).map_err(|line| {
        error(
            line,
            "unterminated quoted field; RECORD must be CSV".to_string(),
        )
    })? {
        if fields.len() == 1 && fields[0].is_empty() {
            continue;
        }
        if fields.len() > 3 {
            return Err(error(
                line,
                format!("expected `path,hash,size`, found {} fields", fields.len()),
            ));
        }
        let mut fields = fields.into_iter();
        let file = fields.next().unwrap_or_default();
        if file.is_empty() {
            return Err(error(line, "empty path".to_string()));
        }
        let hash = fields.next().filter(|h| !h.is_empty());
        let size = match fields.next().filter(|s| !s.is_empty()) {
            None => None,
            Some(size) => Some(
                size.trim()
                    .parse::<u64>()
                    .map_err(|_| error(line, format!("size `{size}` is not a number")))?,
            ),
        };
        entries.push(RecordEntry {
            path: file,
            hash,
            size,
        });
    }
    Ok(entries)
}

/// Splits CSV text into rows of fields with their 1-based starting line numbers (RFC 4180:
/// fields may be quoted, `""` is a literal quote, quoted fields may span lines). On an
/// unterminated quote returns the line where the field started.
fn parse_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, usize> {
    let mut rows = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let row_line = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        loop {
            match chars.next() {
                None => break,
                Some('"') if field.is_empty() => {
                    let quote_line = line;
                    loop {
                        match chars.next() {
                            None => return Err(quote_line),
                            Some('"') if chars.peek() == Some(&'"') => {
                                chars.next();
                                field.push('"');
                            }
                            Some('"') => break,
                            Some(c) => {
                                if c == '\n' {
                                    line += 1;
                                }
                                field.push(c);
                            }
                        }
                    }
                }
                Some(',') => fields.push(std::mem::take(&mut field)),
                Some('\r') if chars.peek() == Some(&'\n') => {}
                Some('\n') => {
                    line += 1;
                    break;
                }
                Some(c) => field.push(c),
            }
        }
        fields.push(field);
        rows.push((row_line, fields));
    }
    Ok(rows)
}

/// Serializes entries as RECORD text: one `path,hash,size` row per entry, `\n`-terminated,
/// fields quoted when they contain `,`, `"`, `\r` or `\n` (as Python's `csv` module does).
pub fn write_record(entries: &[RecordEntry]) -> String {
    let mut out = String::new();
    for entry in entries {
        let size = entry.size.map(|s| s.to_string()).unwrap_or_default();
        let fields = [
            entry.path.as_str(),
            entry.hash.as_deref().unwrap_or(""),
            size.as_str(),
        ];
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if field.contains([',', '"', '\r', '\n']) {
                let _ = write!(out, "\"{}\"", field.replace('"', "\"\""));
            } else {
                out.push_str(field);
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_awkward_paths() {
        let entries = vec![
            RecordEntry {
                path: "pkg/a,b.py".into(),
                hash: Some("sha256=abc".into()),
                size: Some(3),
            },
            RecordEntry {
                path: "pkg/say \"hi\".txt".into(),
                hash: None,
                size: None,
            },
            RecordEntry {
                path: "../../../bin/tool".into(),
                hash: Some("sha256=x".into()),
                size: Some(0),
            },
        ];
        let text = write_record(&entries);
        assert_eq!(
            text,
            "\"pkg/a,b.py\",sha256=abc,3\n\"pkg/say \"\"hi\"\".txt\",,\n../../../bin/tool,sha256=x,0\n"
        );
        assert_eq!(parse_record(&text, Path::new("RECORD")).unwrap(), entries);
    }

    #[test]
    fn reports_bad_lines() {
        let err = parse_record("a,,1\nb,sha256=x,big\n", Path::new("R")).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = parse_record("a,,1\r\n\"b,,\n", Path::new("R")).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let ok = parse_record("a,,\r\n\r\nb\n", Path::new("R")).unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[1].hash, None);
    }

    #[test]
    fn hasher_matches_record_hash() {
        let mut hasher = RecordHasher::for_expected(Some("sha256=whatever")).unwrap();
        hasher.update(b"ab");
        hasher.update(b"c");
        hasher.finish();
        assert_eq!(hasher.encoded(), den_dist::record_hash(b"abc"));
        assert!(RecordHasher::for_expected(Some("md5=x")).is_err());
    }
}
