//! Core metadata (the `METADATA` file of a wheel, `PKG-INFO` of an sdist, PEP 658 `.metadata`
//! files): an RFC 822-style header block, see the Core metadata specification
//! (packaging.python.org/specifications/core-metadata).

use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, PackageName, Requirement};

use crate::{escape_controls, parse_requirement};

/// Core metadata that could not be read; `field` names the header at fault.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    /// A required header is absent.
    #[error("core metadata has no `{0}` field")]
    Missing(&'static str),
    /// A header value does not parse.
    #[error("core metadata field `{field}` has an invalid value `{value}`: {reason}")]
    Invalid {
        /// Header name.
        field: &'static str,
        /// The offending value.
        value: String,
        /// Parser message.
        reason: String,
    },
}

/// The fields of core metadata den uses for resolution (`Requires-Dist`, `Requires-Python`,
/// `Provides-Extra`) and for `pip show` (`Summary`, `Home-page`, `Author`, ...).
#[derive(Debug, Clone)]
pub struct CoreMetadata {
    /// `Name`, normalized.
    pub name: PackageName,
    /// `Name` as the project spells it.
    pub display_name: String,
    /// `Version`.
    pub version: Version,
    /// `Requires-Dist`, in file order.
    pub requires_dist: Vec<Requirement>,
    /// `Requires-Python`, if present.
    pub requires_python: Option<VersionSpecifiers>,
    /// `Provides-Extra`.
    pub provides_extras: Vec<ExtraName>,
    /// Every header as `(name, value)`, continuation lines joined with `\n`, for fields den does
    /// not model (`Summary`, `Home-page`, `Author`, `License`, `Project-URL`...).
    pub headers: Vec<(String, String)>,
}

impl CoreMetadata {
    /// Parses the header block of a metadata file; the body (long description) is ignored.
    ///
    /// Errors: a missing `Name` or `Version`, or a `Version`, `Requires-Dist` or
    /// `Requires-Python` that does not parse.
    pub fn parse(bytes: &[u8]) -> Result<Self, MetadataError> {
        let text = String::from_utf8_lossy(header_block(bytes));
        let headers = parse_headers(&text);
        let get = |key: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.as_str())
        };
        let display_name = get("Name")
            .ok_or(MetadataError::Missing("Name"))?
            .to_string();
        let name = PackageName::from_str(&display_name).map_err(|e| MetadataError::Invalid {
            field: "Name",
            value: display_name.clone(),
            reason: e.to_string(),
        })?;
        let raw_version = get("Version").ok_or(MetadataError::Missing("Version"))?;
        let version = Version::from_str(raw_version).map_err(|e| MetadataError::Invalid {
            field: "Version",
            value: raw_version.to_string(),
            reason: e.to_string(),
        })?;
        let mut requires_dist = Vec::new();
        let mut provides_extras = Vec::new();
        for (key, value) in &headers {
            if key.eq_ignore_ascii_case("Requires-Dist") {
                let req = parse_requirement(value).map_err(|e| MetadataError::Invalid {
                    field: "Requires-Dist",
                    value: escape_controls(value).into_owned(),
                    reason: e.to_string(),
                })?;
                requires_dist.push(req);
            } else if key.eq_ignore_ascii_case("Provides-Extra") {
                // Invalid extra names exist in old metadata; they can never be requested, so skip.
                if let Ok(extra) = ExtraName::from_str(value) {
                    provides_extras.push(extra);
                }
            }
        }
        let requires_python =
            match get("Requires-Python").map(str::trim) {
                None | Some("") => None,
                Some(value) => Some(VersionSpecifiers::from_str(value).map_err(|e| {
                    MetadataError::Invalid {
                        field: "Requires-Python",
                        value: value.to_string(),
                        reason: e.to_string(),
                    }
                })?),
            };
        Ok(Self {
            name,
            display_name,
            version,
            requires_dist,
            requires_python,
            provides_extras,
            headers,
        })
    }

    /// The first value of header `key` (case-insensitive), if present.
    pub fn header(&self, key: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

/// The body of a metadata file (the long description, Core metadata specification
/// §Description), the text after the blank line that ends the headers; `None` when empty.
pub fn metadata_body(bytes: &[u8]) -> Option<String> {
    let headers = header_block(bytes).len();
    let rest = &bytes[headers..];
    let rest = rest
        .strip_prefix(b"\r\n")
        .or_else(|| rest.strip_prefix(b"\n"))
        .unwrap_or(rest);
    (!rest.is_empty()).then(|| String::from_utf8_lossy(rest).into_owned())
}

/// The bytes before the first empty line (`\n\n` or `\n\r\n`), so a long description in the
/// body is not decoded; all of `bytes` when there is no body.
fn header_block(bytes: &[u8]) -> &[u8] {
    let mut start = 0;
    while let Some(offset) = bytes[start..].iter().position(|&b| b == b'\n') {
        let next = start + offset + 1;
        if matches!(&bytes[next..], [b'\n', ..] | [b'\r', b'\n', ..]) {
            return &bytes[..next];
        }
        start = next;
    }
    bytes
}

/// Splits an RFC 822 header block into `(name, value)` pairs, stopping at the first blank line.
/// Kept by hand rather than `mailparse`: that crate unfolds continuation lines into spaces (pip
/// and `den pip show` keep a License's line structure) and decodes RFC 2047 words, which pip's
/// compat32 email parser leaves alone; it was not faster once the body is skipped.
fn parse_headers(text: &str) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        // Only an empty line ends the headers: a line of spaces is a folded continuation (long
        // License texts use them for their blank lines).
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push('\n');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            headers.push((key.trim().to_string(), value.trim().to_string()));
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_requirements_and_extras() {
        let text = "Metadata-Version: 2.1\nName: Flask\nVersion: 3.0.0\nSummary: A web framework\n\
            Requires-Python: >=3.8\nRequires-Dist: Werkzeug>=3.0.0\n\
            Requires-Dist: asgiref>=3.2; extra == \"async\"\nProvides-Extra: async\n\
            License: BSD\n  continued\n\nlong description\nName: ignored\n";
        let m = CoreMetadata::parse(text.as_bytes()).unwrap();
        assert_eq!(m.name.as_ref(), "flask");
        assert_eq!(m.display_name, "Flask");
        assert_eq!(m.version.to_string(), "3.0.0");
        assert_eq!(m.requires_dist.len(), 2);
        assert_eq!(m.provides_extras.len(), 1);
        assert_eq!(m.requires_python.as_ref().unwrap().to_string(), ">=3.8");
        assert_eq!(m.header("license"), Some("BSD\ncontinued"));
        assert_eq!(m.header("Summary"), Some("A web framework"));
    }

    #[test]
    fn blank_continuation_lines_do_not_end_the_headers() {
        let text = "Metadata-Version: 2.4\r\nName: jupyterlab\r\nVersion: 4.6.6\r\n\
            License: Copyright (c) Project Jupyter\r\n        All rights reserved.\r\n        \r\n\
            \x20       Redistribution and use...\r\nRequires-Dist: jinja2>=3.0.3\r\n\r\nbody\r\n";
        let m = CoreMetadata::parse(text.as_bytes()).unwrap();
        assert_eq!(m.requires_dist.len(), 1, "{:?}", m.headers);
        assert_eq!(
            m.header("License"),
            Some(
                "Copyright (c) Project Jupyter\nAll rights reserved.\n\nRedistribution and use..."
            )
        );
    }

    #[test]
    fn reads_a_real_metadata_file() {
        // pydantic's METADATA: 109 kB, most of it the Markdown description after the headers.
        let text = include_bytes!("../tests/fixtures/METADATA.pydantic-2.13.4");
        let m = CoreMetadata::parse(text).unwrap();
        assert_eq!(m.display_name, "pydantic");
        assert_eq!(m.version.to_string(), "2.13.4");
        assert_eq!(m.requires_python.as_ref().unwrap().to_string(), ">=3.9");
        assert_eq!(m.requires_dist.len(), 6, "{:?}", m.requires_dist);
        assert_eq!(m.provides_extras.len(), 2);
        assert!(m.header("Description-Content-Type").is_some());
    }

    #[test]
    fn non_ascii_and_folded_headers() {
        let text = "Name: x\r\nVersion: 1\r\nAuthor: Jos\u{e9} M\u{fc}ller\r\n\
            Summary: =?utf-8?q?kept?=\r\nKeywords: a,\r\n\tb\r\n\r\nName: body\r\n";
        let m = CoreMetadata::parse(text.as_bytes()).unwrap();
        assert_eq!(m.header("author"), Some("Jos\u{e9} M\u{fc}ller"));
        assert_eq!(m.header("Summary"), Some("=?utf-8?q?kept?="));
        assert_eq!(m.header("Keywords"), Some("a,\nb"));
        assert_eq!(m.display_name, "x");
    }

    #[test]
    fn requires_dist_that_crashed_the_parser_is_an_error() {
        let deep = "(".repeat(20_000);
        for value in ["foo-\u{e9}", "pkg[a \u{e9}", &format!("foo; {deep}")] {
            let text = format!("Name: x\nVersion: 1\nRequires-Dist: {value}\n");
            let err = CoreMetadata::parse(text.as_bytes()).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("core metadata field `Requires-Dist` has an invalid value `"),
                "{err}"
            );
        }
        let err = CoreMetadata::parse(b"Name: x\nVersion: 1\nRequires-Dist: foo\x1b]0;x\x07\n")
            .unwrap_err()
            .to_string();
        assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err}");
        assert!(err.contains("`foo\\u{1b}]0;x\\u{7}`"), "{err}");
    }

    #[test]
    fn reports_missing_version() {
        let err = CoreMetadata::parse(b"Name: x\n").unwrap_err();
        assert!(err.to_string().contains("Version"));
    }
}
