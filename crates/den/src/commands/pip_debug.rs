//! `den pip debug`: what pip's `debug` shows about the interpreter it works for, on stdout
//! with pip's labels and its warning on stderr: the version line (den's), the interpreter's
//! `sys.version`, executable, encodings, platform and implementation (asked of the
//! interpreter), where the configuration sets `cert`, `REQUESTS_CA_BUNDLE` and
//! `CURL_CA_BUNDLE`, and the wheel tags it accepts, best first (the first 10 without `-v`), or
//! those of the target `--platform`/`--python-version`/`--implementation`/`--abi` describe.
//! pip's own internals (its vendored libraries, certifi's bundle) have no counterpart in den
//! and are not shown.

use std::process::{Command, ExitCode};

use anyhow::Context;
use den_cache::Cache;
use den_python::TargetPython;

use crate::cli::{DebugArgs, PipTargetArgs};
use crate::printer::Printer;
use crate::target;

/// How many tags pip shows without `--verbose`.
const TAG_LIMIT: usize = 10;

/// What pip asks of its interpreter, as a JSON list: `sys.version`, `sys.executable`, the
/// default, filesystem and preferred encodings, `sys.platform`, `sys.implementation.name`.
const FACTS_SCRIPT: &str = "import json, locale, sys\n\
print(json.dumps([sys.version, sys.executable, sys.getdefaultencoding(), \
sys.getfilesystemencoding(), locale.getpreferredencoding(), sys.platform, \
sys.implementation.name]))";

/// Runs `den pip debug`; `isolated` is pip's `--isolated` (for where `cert` is set).
///
/// Errors: no interpreter, one that cannot run, a target option den cannot read, or a pip
/// configuration file den cannot read.
pub fn run(
    args: &DebugArgs,
    isolated: bool,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    printer.pip_warning(
        "This command is only meant for debugging. Do not use this with automation for \
         parsing and getting these details, since the output and options of this command may \
         change without notice.",
    );
    let target = target::find(&args.target, cache, target::Access::Read)?;
    let interpreter = &target.interpreter;
    let output = Command::new(&interpreter.executable)
        .args(["-c", FACTS_SCRIPT])
        .output()
        .with_context(|| format!("cannot run {}", interpreter.executable.display()))?;
    let facts: Vec<String> = serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "{} did not answer: {}",
            interpreter.executable.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )
    })?;
    let [
        version,
        executable,
        default_encoding,
        fs_encoding,
        preferred,
        platform,
        name,
    ] = <[String; 7]>::try_from(facts).map_err(|facts| {
        anyhow::anyhow!(
            "{} answered {} facts, not 7",
            interpreter.executable.display(),
            facts.len()
        )
    })?;
    let (major, minor) = interpreter.major_minor;
    let den = std::env::current_exe().unwrap_or_default();
    printer.report(format_args!(
        "pip version: den {} from {} (python {major}.{minor})",
        env!("CARGO_PKG_VERSION"),
        den.display()
    ));
    for (label, value) in [
        ("sys.version", &version),
        ("sys.executable", &executable),
        ("sys.getdefaultencoding", &default_encoding),
        ("sys.getfilesystemencoding", &fs_encoding),
        ("locale.getpreferredencoding", &preferred),
        ("sys.platform", &platform),
    ] {
        printer.report(format_args!("{label}: {value}"));
    }
    printer.report(format_args!("sys.implementation:\n  name: {name}"));
    printer.report(format_args!(
        "'cert' config value: {}",
        super::pip_config::cert_levels(isolated, &interpreter.prefix)?
    ));
    for variable in ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"] {
        let value = std::env::var(variable).unwrap_or_else(|_| "None".into());
        printer.report(format_args!("{variable}: {value}"));
    }

    let tags = tags(&args.platform, interpreter)?;
    let given = given(&args.platform);
    let suffix = if given.is_empty() {
        String::new()
    } else {
        format!(" (target: {given})")
    };
    printer.report(format_args!("Compatible tags: {}{suffix}", tags.len()));
    let limited = printer.verbosity() == 0 && tags.len() > TAG_LIMIT;
    for tag in tags
        .iter()
        .take(if limited { TAG_LIMIT } else { tags.len() })
    {
        printer.report(format_args!("  {tag}"));
    }
    if limited {
        printer.report(format_args!(
            "  ...\n  [First {TAG_LIMIT} tags shown. Pass --verbose to show all.]"
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// The tags of the interpreter, or of the targets the options describe (each `--platform`'s
/// in turn, each tag once).
fn tags(
    options: &PipTargetArgs,
    interpreter: &den_python::Interpreter,
) -> anyhow::Result<Vec<String>> {
    let targets = options.targets();
    if targets.is_empty() {
        return Ok(interpreter.tags.iter().collect());
    }
    let mut tags: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for pip in &targets {
        for tag in TargetPython::from_pip(interpreter, pip)?.tags.iter() {
            if seen.insert(tag.clone()) {
                tags.push(tag);
            }
        }
    }
    Ok(tags)
}

/// The target options given, as pip's `TargetPython.format_given` shows them:
/// `platforms=['linux_x86_64'] version_info='3.12' abis=['cp312'] implementation='cp'`.
fn given(args: &PipTargetArgs) -> String {
    let list = |items: &[String]| {
        let items: Vec<String> = items.iter().map(|i| den_dist::python_repr(i)).collect();
        format!("[{}]", items.join(", "))
    };
    let mut parts = Vec::new();
    if !args.platforms.is_empty() {
        parts.push(format!("platforms={}", list(&args.platforms)));
    }
    if let Some(version) = &args.python_version {
        parts.push(format!("version_info={}", den_dist::python_repr(version)));
    }
    if !args.abis.is_empty() {
        parts.push(format!("abis={}", list(&args.abis)));
    }
    if let Some(implementation) = &args.implementation {
        parts.push(format!(
            "implementation={}",
            den_dist::python_repr(implementation)
        ));
    }
    parts.join(" ")
}
