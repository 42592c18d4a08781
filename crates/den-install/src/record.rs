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

/// Parses RECORD text with the `csv` crate, which reads it as Python's `csv` module (pip's
/// reader) does: quoted fields, `""` for a literal quote, quoted fields spanning lines, `\r\n`
/// or `\n` row ends; `path` is only used in error messages.
///
/// Rows need one to three fields (`path[,hash[,size]]`); blank lines are skipped.
///
/// Errors: [`InstallError::Record`] naming the line of an unterminated quote (which Python's
/// non-strict reader would take as ending the file; den refuses a RECORD cut off mid-row),
/// an empty path, a size that is not a number, or more than three fields.
pub fn parse_record(text: &str, path: &Path) -> Result<Vec<RecordEntry>, InstallError> {
    let error = |line: usize, reason: String| InstallError::Record {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    // The reader's own line count is off after `\r\n` row ends (its positions point at the
    // `\n` after the `\r` it took as the end of the previous row); count `\n` up to each
    // row's first byte instead (incrementally: rows come in order).
    let (mut line, mut counted) = (1, 0);
    let mut entries = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let line = e.position().map_or(line, |p| p.line() as usize);
            error(line, format!("not valid CSV: {e}"))
        })?;
        if !more {
            break;
        }
        let mut start = record.position().map_or(counted, |p| p.byte() as usize);
        while text
            .as_bytes()
            .get(start)
            .is_some_and(|b| matches!(b, b'\r' | b'\n'))
        {
            start += 1;
        }
        line += text.as_bytes()[counted..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        counted = start;
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        if record.len() > 3 {
            return Err(error(
                line,
                format!("expected `path,hash,size`, found {} fields", record.len()),
            ));
        }
        let mut fields = record.iter();
        let file = fields.next().unwrap_or_default();
        if file.is_empty() {
            return Err(error(line, "empty path".to_string()));
        }
        let hash = fields.next().filter(|h| !h.is_empty()).map(str::to_string);
        let size = match fields.next().filter(|s| !s.is_empty()) {
            None => None,
            Some(size) => Some(
                size.trim()
                    .parse::<u64>()
                    .map_err(|_| error(line, format!("size `{size}` is not a number")))?,
            ),
        };
        entries.push(RecordEntry {
            path: file.to_string(),
            hash,
            size,
        });
    }
    if ends_inside_quotes(text.as_bytes()) {
        return Err(error(
            line,
            "unterminated quoted field; RECORD must be CSV".to_string(),
        ));
    }
    Ok(entries)
}

/// Whether CSV `text` ends inside a quoted field. The `csv` reader closes such a field at the
/// end of input without saying so; this runs `text` through the same grammar (`csv_core`)
/// without ending the input, then feeds `,\n`: outside quotes that completes a row, inside
/// quotes it is swallowed into the open field.
fn ends_inside_quotes(text: &[u8]) -> bool {
    use csv_core::ReadRecordResult;
    let mut reader = csv_core::Reader::new();
    // Field bytes and ends are not needed: a full buffer is simply reused.
    let (mut output, mut ends) = ([0; 1024], [0; 16]);
    let mut input = text;
    while !input.is_empty() {
        let (_, read, _, _) = reader.read_record(input, &mut output, &mut ends);
        input = &input[read..];
    }
    let (probe, _, _, _) = reader.read_record(b",\n", &mut output, &mut ends);
    matches!(probe, ReadRecordResult::InputEmpty)
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
    fn reads_records_as_pythons_csv_module_does() {
        // Shapes pip's csv writer produces (quoted commas, doubled quotes, a quoted newline)
        // and ones Python's reader tolerates (a quote inside an unquoted field, text after a
        // closing quote), with `\r\n` row ends as written on Windows.
        let text = "\"pkg/a,b.py\",sha256=abc,3\r\n\"say \"\"hi\"\".txt\",,\r\n\
            \"two\nlines.txt\",,\r\nab\"c,,\r\n\"q\"z,,1\r\n";
        let entries = parse_record(text, Path::new("R")).unwrap();
        let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "pkg/a,b.py",
                "say \"hi\".txt",
                "two\nlines.txt",
                "ab\"c",
                "qz"
            ]
        );
        assert_eq!(entries[4].size, Some(1));
        // Line numbers count the quoted newline and `\r\n` ends.
        let err = parse_record(&format!("{text}x,,nope\r\n"), Path::new("R")).unwrap_err();
        assert!(err.to_string().contains("line 7"), "{err}");
        // A closed quote at the very end is fine; an open one is not, even when empty.
        assert_eq!(
            parse_record("a,\"\"", Path::new("R")).unwrap()[0].hash,
            None
        );
        assert!(parse_record("a,\"", Path::new("R")).is_err());
        assert!(parse_record("\"a\"\"", Path::new("R")).is_err());
    }

    #[test]
    fn reads_a_real_record() {
        // As pip wrote it (`\r\n` row ends): scripts outside site-packages, a `.pyc` without hash and size,
        // the RECORD's own row empty.
        let text = include_str!("../tests/fixtures/RECORD.jsonpatch-1.33");
        let entries = parse_record(text, Path::new("RECORD")).unwrap();
        assert_eq!(entries.len(), 11);
        assert_eq!(entries[0].path, "../../../bin/jsondiff");
        assert_eq!(
            entries[0].hash.as_deref(),
            Some("sha256=z7fqg93Ak87YOQDL66v8SkvzNVtne4PLQ7gvfMf1yT0")
        );
        assert_eq!(entries[0].size, Some(1220));
        assert_eq!(entries[2].path, "__pycache__/jsonpatch.cpython-311.pyc");
        assert_eq!((entries[7].hash.as_deref(), entries[7].size), (None, None));
        // pip's csv writer ends rows with `\r\n`; den writes `\n`.
        assert_eq!(write_record(&entries), text.replace("\r\n", "\n"));
    }
}
