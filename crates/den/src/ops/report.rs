//! `den pip install --report FILE`: pip's installation report (pip's "Installation Report"
//! documentation, format version 1): what was (or with `--dry-run` would be) installed, where
//! each distribution comes from, its core metadata as JSON (PEP 566 §JSON-compatible
//! Metadata) and the target's marker environment.

use std::path::Path;

use anyhow::Context;
use den_dist::{CoreMetadata, MarkerEnvironment, redact_credentials};
use den_python::Interpreter;
use den_resolve::PackageSource;
use serde_json::{Map, Value, json};

use super::pipeline::ResolvedPackage;
use den_prepare::{DenSource, Dist};

/// Core metadata fields that may appear several times (PEP 566 §JSON-compatible Metadata:
/// they become lists).
const MULTIPLE_USE: [&str; 11] = [
    "classifier",
    "dynamic",
    "license_file",
    "obsoletes_dist",
    "platform",
    "project_url",
    "provides_dist",
    "provides_extra",
    "requires_dist",
    "requires_external",
    "supported_platform",
];

/// Writes the report for `packages` to `path` (`-`: standard output).
///
/// Errors: metadata that cannot be read again, or the file cannot be written.
pub fn write(
    path: &Path,
    packages: &[ResolvedPackage],
    interpreter: &Interpreter,
    source: &DenSource,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<()> {
    let mut install = Vec::with_capacity(packages.len());
    for package in packages {
        let metadata = runtime.block_on(source.metadata(&package.name, &package.file))?;
        install.push(entry(package, &metadata));
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

/// One `install` item.
fn entry(package: &ResolvedPackage, metadata: &CoreMetadata) -> Value {
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
        "metadata": metadata_json(metadata),
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

/// PEP 566 §JSON-compatible Metadata: keys lower-cased with `_`, multiple-use fields as lists,
/// `keywords` split on commas.
pub(crate) fn metadata_json(metadata: &CoreMetadata) -> Value {
    let mut out = Map::new();
    for (key, value) in &metadata.headers {
        let key = key.to_ascii_lowercase().replace('-', "_");
        if MULTIPLE_USE.contains(&key.as_str()) {
            let list = out.entry(key).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(items) = list {
                items.push(Value::from(value.clone()));
            }
        } else if key == "keywords" {
            let words: Vec<Value> = value
                .split(',')
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(Value::from)
                .collect();
            out.insert(key, Value::Array(words));
        } else {
            out.insert(key, Value::from(value.clone()));
        }
    }
    Value::Object(out)
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
