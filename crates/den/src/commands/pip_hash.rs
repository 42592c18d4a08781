//! `den pip hash`: the `--hash` line of each file for a requirements file, in pip's format
//! (`FILE:` then `--hash=sha256:<hex>`) on stdout. A file that cannot be read stops the
//! command with status 2, as pip's uncaught `OSError` does, after the files before it.

use std::process::ExitCode;

use den_dist::{HashAlgorithm, Hasher};

use crate::cli::HashArgs;
use crate::printer::{self, Printer};

/// Runs `den pip hash`.
pub fn run(args: &HashArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let algorithm: HashAlgorithm = args.algorithm.parse()?;
    if args.files.is_empty() {
        printer::write_stderr(format_args!("\nUsage:   pip hash [options] <file> ...\n\n"));
        return Ok(ExitCode::FAILURE);
    }
    for path in &args.files {
        match hash_file(path, algorithm) {
            Ok(hex) => printer.report(format_args!(
                "{}:\n--hash={}:{hex}",
                path.display(),
                algorithm.as_str()
            )),
            Err(err) => {
                printer.pip_error(format_args!(
                    "{}: {}",
                    python_os_error(&err),
                    den_dist::python_repr(&path.display().to_string())
                ));
                return Ok(ExitCode::from(2));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The hex digest of the file at `path`, read in a stream.
fn hash_file(path: &std::path::Path, algorithm: HashAlgorithm) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Hasher::new(algorithm);
    std::io::copy(&mut file, &mut hasher)?;
    Ok(hasher.finalize().hex)
}

/// An I/O error as Python words it (`[Errno 2] No such file or directory`).
fn python_os_error(err: &std::io::Error) -> String {
    let text = err.to_string();
    match err.raw_os_error() {
        Some(code) => {
            let cause = text
                .strip_suffix(&format!(" (os error {code})"))
                .unwrap_or(&text);
            format!("[Errno {code}] {cause}")
        }
        None => text,
    }
}
