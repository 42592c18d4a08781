//! `den pip install --report FILE`: pip's installation report (pip's "Installation Report"
//! documentation, format version 1): what was (or with `--dry-run` would be) installed, where
//! each distribution comes from, its core metadata as JSON (PEP 566 §JSON-compatible
//! Metadata), as a wheel of it has it (for a source, what its backend writes:
//! [`DenSource::wheel_metadata`]), and the target's marker environment.

use std::path::Path;

use anyhow::Context;
use den_dist::{CoreMetadata, MarkerEnvironment, redact_credentials};
use den_python::Interpreter;
use serde_json::{Map, Value, json};

use super::pipeline::ResolvedPackage;
use den_prepare::{DenSource, Dist};

/// The core metadata fields pip's JSON metadata holds (its `METADATA_FIELDS`), each with
/// whether it may appear several times (then a list); other headers are left out.
const METADATA_FIELDS: [(&str, bool); 27] = [
    ("Metadata-Version", false),
    ("Name", false),
    ("Version", false),
    ("Dynamic", true),
    ("Platform", true),
    ("Supported-Platform", true),
    ("Summary", false),
    ("Description", false),
    ("Description-Content-Type", false),
    ("Keywords", false),
    ("Home-page", false),
    ("Download-URL", false),
    ("Author", false),
    ("Author-email", false),
    ("Maintainer", false),
    ("Maintainer-email", false),
    ("License", false),
    ("License-Expression", false),
    ("License-File", true),
    ("Classifier", true),
    ("Requires-Dist", true),
    ("Requires-Python", false),
    ("Requires-External", true),
    ("Project-URL", true),
    ("Provides-Extra", true),
    ("Provides-Dist", true),
    ("Obsoletes-Dist", true),
];

/// Writes the report for `packages` to `path` (`-`: standard output).
///
/// Errors: metadata that cannot be read again (or, for a source, made by its backend), or
/// the file cannot be written.
pub fn write(
    path: &Path,
    packages: &[ResolvedPackage],
    interpreter: &Interpreter,
    source: &DenSource,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<()> {
    let mut install = Vec::with_capacity(packages.len());
    for package in packages {
        let (metadata, body) = runtime.block_on(source.wheel_metadata(&package.file))?;
        install.push(entry(package, &metadata, body.as_deref()));
    }
    let report = json!({
        "version": "1",
        "pip_version": concat!("den ", env!("CARGO_PKG_VERSION")),
        "install": install,
        "environment": environment(&interpreter.markers),
    });
    let text = serde_json::to_string_pretty(&report)? + "\n";
    if path == Path::new("-") {
        crate::printer::write_stdout(format_args!("{text}"));
        return Ok(());
    }
    std::fs::write(path, text)
        .with_context(|| format!("cannot write the report {}", path.display()))
}

/// One `install` item; `body` is the metadata's long description.
fn entry(package: &ResolvedPackage, metadata: &CoreMetadata, body: Option<&str>) -> Value {
    let download_info = match &package.file {
        Dist::Index(file) => {
            let hashes: Map<String, Value> = file
                .hashes
                .iter()
                .map(|h| (h.algorithm.as_str().to_string(), Value::from(h.hex.clone())))
                .collect();
            let mut archive_info = json!({ "hashes": hashes });
            if let Some(first) = file.hashes.first() {
                archive_info["hash"] = Value::from(first.to_string());
            }
            json!({
                "url": redact_credentials(file.url_str()),
                "archive_info": archive_info,
            })
        }
        Dist::Direct(_) => package
            .file
            .direct_url()
            .and_then(|direct| serde_json::to_value(direct).ok())
            .unwrap_or(Value::Null),
    };
    let mut item = json!({
        "download_info": download_info,
        "is_direct": matches!(package.file, Dist::Direct(_)),
        "is_yanked": matches!(&package.file, Dist::Index(file) if file.yanked.is_some()),
        "requested": package.requested,
        "metadata": metadata_json(metadata, body),
    });
    if package.requested && !package.extras.is_empty() {
        item["requested_extras"] = package
            .extras
            .iter()
            .map(|e| Value::from(e.to_string()))
            .collect();
    }
    item
}

/// PEP 566 §JSON-compatible Metadata as pip writes it: the fields of [`METADATA_FIELDS`]
/// present (matched without regard to case; a single-use field's first value), keys
/// lower-cased with `_`, multiple-use fields as lists, `keywords` split at commas (each part
/// trimmed) or else at whitespace, and `description` from the metadata's `body` when there is
/// one, its line ends read as Python's text mode reads them (`\r\n` and `\r` as `\n`).
pub(crate) fn metadata_json(metadata: &CoreMetadata, body: Option<&str>) -> Value {
    let mut out = Map::new();
    for (field, multiple) in METADATA_FIELDS {
        let mut values = metadata
            .headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(field))
            .map(|(_, value)| value.as_str());
        let key = field.to_ascii_lowercase().replace('-', "_");
        if multiple {
            let list: Vec<Value> = values.map(Value::from).collect();
            if !list.is_empty() {
                out.insert(key, Value::Array(list));
            }
        } else if let Some(value) = values.next() {
            let value = if key == "keywords" {
                keywords(value)
            } else {
                Value::from(value)
            };
            out.insert(key, value);
        }
    }
    if let Some(body) = body.filter(|body| !body.is_empty()) {
        let text = body.replace("\r\n", "\n").replace('\r', "\n");
        out.insert("description".to_string(), Value::from(text));
    }
    Value::Object(out)
}

/// `Keywords` as pip lists them: split at commas when there is one (each part trimmed, empty
/// parts kept), else at runs of whitespace.
fn keywords(value: &str) -> Value {
    let words: Vec<Value> = if value.contains(',') {
        value.split(',').map(|w| Value::from(w.trim())).collect()
    } else {
        value.split_whitespace().map(Value::from).collect()
    };
    Value::Array(words)
}

/// The marker environment (PEP 508 §Environment Markers), as pip reports it.
pub(crate) fn environment(markers: &MarkerEnvironment) -> Value {
    json!({
        "implementation_name": markers.implementation_name(),
        "implementation_version": markers.implementation_version().to_string(),
        "os_name": markers.os_name(),
        "platform_machine": markers.platform_machine(),
        "platform_python_implementation": markers.platform_python_implementation(),
        "platform_release": markers.platform_release(),
        "platform_system": markers.platform_system(),
        "platform_version": markers.platform_version(),
        "python_full_version": markers.python_full_version().to_string(),
        "python_version": markers.python_version().to_string(),
        "sys_platform": markers.sys_platform(),
    })
}
