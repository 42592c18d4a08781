//! `den pip list`: installed distributions as pip prints them (columns, freeze or JSON).

use std::process::ExitCode;

use den_cache::Cache;

use crate::cli::{ListArgs, ListFormat};
use crate::printer::Printer;
use crate::target;

/// Runs `den pip list`.
pub fn run(args: &ListArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let target = target::find(&args.target, cache, target::Access::Read)?;
    let mut dists = target.visible_distributions()?;
    dists.sort_by(|a, b| a.name.cmp(&b.name));
    let rows: Vec<(String, String)> = dists
        .iter()
        .map(|d| (d.display_name(), d.version.to_string()))
        .collect();
    match args.format {
        ListFormat::Columns => {
            let name_width = rows.iter().map(|r| r.0.len()).chain([7]).max().unwrap_or(7);
            let version_width = rows.iter().map(|r| r.1.len()).chain([7]).max().unwrap_or(7);
            printer
                .out(format!("{:name_width$} {:version_width$}", "Package", "Version").trim_end());
            printer.out(format!(
                "{} {}",
                "-".repeat(name_width),
                "-".repeat(version_width)
            ));
            for (name, version) in &rows {
                printer.out(format!("{name:name_width$} {version}").trim_end());
            }
        }
        ListFormat::Freeze => {
            for (name, version) in &rows {
                printer.out(format!("{name}=={version}"));
            }
        }
        ListFormat::Json => {
            let items: Vec<serde_json::Value> = rows
                .iter()
                .map(|(name, version)| serde_json::json!({"name": name, "version": version}))
                .collect();
            printer.out(serde_json::Value::Array(items));
        }
    }
    Ok(ExitCode::SUCCESS)
}
