//! `den pip freeze`: installed distributions in requirements format, in pip's order and with
//! pip's default exclusions, so its output equals `python -m pip freeze` in the same environment.

use std::process::ExitCode;

use den_cache::Cache;

use crate::cli::FreezeArgs;
use crate::printer::Printer;
use crate::target;

/// Runs `den pip freeze`.
pub fn run(args: &FreezeArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let target = target::find(&args.target, cache, target::Access::Read)?;
    let mut dists = super::list::selected(&target, &args.selection)?;
    // pip hides itself, and before Python 3.12 also the build tools ensurepip/virtualenv seed.
    let hidden: &[&str] = if target.interpreter.major_minor < (3, 12) {
        &[den_venv::SEED_PACKAGES.as_slice(), &["distribute"]].concat()
    } else {
        &["pip"]
    };
    if !args.all {
        dists.retain(|d| !hidden.contains(&d.name.as_ref()));
    }
    if args.exclude_editable {
        let mut kept = Vec::with_capacity(dists.len());
        for dist in dists {
            if !dist
                .direct_url()?
                .is_some_and(|direct| direct.is_editable())
            {
                kept.push(dist);
            }
        }
        dists = kept;
    }
    // pip orders by the project name as its metadata spells it, lowercased (so `jupyter` comes
    // before `jupyter-console` and `jupyter_client`).
    let mut lines: Vec<(String, String)> = dists
        .iter()
        .map(|d| {
            let name = d.display_name();
            (name.to_lowercase(), d.freeze_line_as(&name))
        })
        .collect();
    lines.sort();
    for (_, line) in lines {
        printer.out(line);
    }
    Ok(ExitCode::SUCCESS)
}
