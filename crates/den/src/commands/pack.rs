//! `den pack [ENV] -o FILE` and `den unpack FILE DIR`: wiring for den-pack, holding the
//! environment's lock while it is read.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use den_cache::Cache;
use den_pack::{Format, PackOptions, RpmOptions, UnpackOptions};

use crate::cli::{PackArgs, UnpackArgs};
use crate::printer::Printer;

/// Runs `den pack`.
pub fn pack(args: &PackArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let root = match &args.environment {
        Some(path) => cwd.join(path),
        None => match std::env::var_os("VIRTUAL_ENV").filter(|v| !v.is_empty()) {
            Some(active) => PathBuf::from(active),
            None => cwd.join(".venv"),
        },
    };
    let root = den_dist::path::normalize_path(&root);
    let format = match args.format.as_deref() {
        Some("rpm") => None,
        Some(name) => Some(name.parse::<Format>().map_err(anyhow::Error::msg)?),
        None if args.output.extension().is_some_and(|e| e == "rpm") => None,
        None => match Format::from_file_name(&args.output) {
            Some(format) => Some(format),
            None => bail!(den_pack::PackError::UnknownFormat {
                path: args.output.clone()
            }),
        },
    };
    if !den_venv::PyVenvConfig::path_in(&root).is_file() {
        bail!(den_pack::PackError::NotAnEnvironment { path: root });
    }
    let env = den_venv::PythonEnvironment::at_root(&root, cache)?;
    let _lock = env.lock()?;
    let options = PackOptions {
        reproducible: args.reproducible,
        ignore_editable: args.ignore_editable,
        with_python: args.with_python.then(|| den_pack::BasePython {
            prefix: env.interpreter.base_prefix.clone(),
            executable: env.interpreter.base_executable.clone(),
        }),
    };
    let output = cwd.join(&args.output);
    let bar = printer.progress(0, "Packing");
    let progress = |done: u64, total: u64| bar.set_message(format!("Packing {done}/{total}"));
    let entries = match format {
        Some(format) => {
            let report = den_pack::pack(&root, &output, format, &options, &progress)?;
            for file in &report.prefix_files {
                printer.detail(format!(
                    "{file} names the environment's path: rewritten when unpacked"
                ));
            }
            if let Some(base) = &options.with_python {
                printer.detail(if report.python_entries == 0 {
                    format!(
                        "The Python at {} is inside the environment: packed with it",
                        base.prefix.display()
                    )
                } else {
                    format!(
                        "Carried the Python at {} under {}/: {} entries, {} bytes uncompressed",
                        base.prefix.display(),
                        den_pack::PYTHON_DIR,
                        report.python_entries,
                        report.python_bytes
                    )
                });
            }
            if let Ok(meta) = std::fs::metadata(&output) {
                printer.detail(format!("{} is {} bytes", args.output.display(), meta.len()));
            }
            report.entries
        }
        None => {
            let dir_name = root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = args.name.clone().unwrap_or(dir_name);
            let rpm = RpmOptions {
                prefix: args
                    .prefix
                    .clone()
                    .unwrap_or_else(|| PathBuf::from("/opt").join(&name)),
                summary: args
                    .summary
                    .clone()
                    .unwrap_or_else(|| format!("Python environment {name}")),
                name,
                version: args.rpm_version.clone(),
                release: args.release.clone(),
            };
            den_pack::pack_rpm(&root, &output, &rpm, &options, &progress)?
        }
    };
    bar.finish_and_clear();
    printer.status(format!(
        "Packed {} ({} entries) into {}",
        root.display(),
        entries,
        args.output.display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Runs `den unpack`.
pub fn unpack(args: &UnpackArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let dest = den_dist::path::normalize_path(&cwd.join(&args.destination));
    let options = UnpackOptions {
        force: args.force,
        python_prefix: args.python_prefix.as_ref().map(|p| cwd.join(p)),
    };
    let bar = printer.progress(0, "Unpacking");
    let entries = den_pack::unpack(&cwd.join(&args.archive), &dest, &options, &|done| {
        bar.set_message(format!("Unpacking {done}"));
    })?;
    bar.finish_and_clear();
    printer.status(format!(
        "Unpacked {} ({entries} entries) into {}; activate with: source {}",
        args.archive.display(),
        args.destination.display(),
        args.destination.join("bin/activate").display()
    ));
    Ok(ExitCode::SUCCESS)
}
