//! `den pip tree`: the installed distributions as a dependency tree. Each line is
//! `name vVERSION`, with the requirement's specifiers in brackets when it has some, and
//! `(missing)` for a requirement that is not installed; a subtree already printed is shown
//! once and then marked `(*)`. Requirements are evaluated for the environment's markers,
//! extras of the requiring distribution not included (as `pip check` does).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::process::ExitCode;

use den_cache::Cache;
use den_dist::{PackageName, Requirement, VersionOrUrl};
use den_install::InstalledDist;

use crate::cli::TreeArgs;
use crate::printer::Printer;
use crate::target::{self, Access};

/// One edge: the package it leads to and the requirement text on it (`>=2.0`, or empty).
type Edge = (PackageName, String);

/// Runs `den pip tree`.
pub fn run(args: &TreeArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let target = target::find(&args.target, cache, Access::Read)?;
    let installed = target.visible_distributions()?;
    let versions: BTreeMap<PackageName, String> = installed
        .iter()
        .map(|d| (d.name.clone(), d.version.to_string()))
        .collect();
    let mut edges: BTreeMap<PackageName, Vec<Edge>> = BTreeMap::new();
    for dist in &installed {
        edges.entry(dist.name.clone()).or_default();
        for requirement in requirements(dist, &target.interpreter.markers, printer) {
            let shown = match &requirement.version_or_url {
                Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.to_string(),
                Some(VersionOrUrl::Url(url)) => format!("@ {}", url.to_url()),
                None => String::new(),
            };
            if args.invert {
                edges
                    .entry(requirement.name.clone())
                    .or_default()
                    .push((dist.name.clone(), shown));
            } else {
                edges
                    .entry(dist.name.clone())
                    .or_default()
                    .push((requirement.name.clone(), shown));
            }
        }
    }
    for list in edges.values_mut() {
        list.sort();
        list.dedup();
    }
    let roots: Vec<PackageName> = if args.packages.is_empty() {
        let reached: HashSet<&PackageName> =
            edges.values().flatten().map(|(name, _)| name).collect();
        versions
            .keys()
            .filter(|name| !reached.contains(name))
            .cloned()
            .collect()
    } else {
        args.packages
            .iter()
            .map(|raw| super::uninstall::parse_name(raw))
            .collect::<anyhow::Result<_>>()?
    };
    let tree = Tree {
        edges: &edges,
        versions: &versions,
        depth: args.depth,
    };
    let mut printed = BTreeSet::new();
    for root in roots {
        let mut lines = Vec::new();
        tree.walk(&root, "", 0, &mut Vec::new(), &mut printed, &mut lines);
        for line in lines {
            printer.out(line);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The requirements of `dist` that hold for `markers` (no extras); none, with a warning
/// naming the file, when its metadata cannot be read, so one broken distribution does not
/// hide the tree of the others.
pub(crate) fn requirements(
    dist: &InstalledDist,
    markers: &den_dist::MarkerEnvironment,
    printer: &Printer,
) -> Vec<Requirement> {
    match dist.metadata() {
        Ok(metadata) => metadata
            .requires_dist
            .into_iter()
            .filter(|r| r.marker.evaluate(markers, &[]))
            .collect(),
        Err(e) => {
            printer.warn(format!(
                "{e}\n(showing {} without its requirements)",
                dist.name
            ));
            Vec::new()
        }
    }
}

struct Tree<'a> {
    edges: &'a BTreeMap<PackageName, Vec<Edge>>,
    versions: &'a BTreeMap<PackageName, String>,
    depth: Option<usize>,
}

impl Tree<'_> {
    /// Appends `name`'s children under it, drawn with `prefix`; `path` guards against cycles,
    /// `printed` marks subtrees shown already.
    fn walk(
        &self,
        name: &PackageName,
        prefix: &str,
        level: usize,
        path: &mut Vec<PackageName>,
        printed: &mut BTreeSet<PackageName>,
        lines: &mut Vec<String>,
    ) {
        if level == 0 {
            lines.push(self.label(name, ""));
        }
        if self.depth.is_some_and(|depth| level >= depth) {
            return;
        }
        let children = self.edges.get(name).map(Vec::as_slice).unwrap_or_default();
        path.push(name.clone());
        printed.insert(name.clone());
        for (index, (child, required)) in children.iter().enumerate() {
            let last = index + 1 == children.len();
            let (branch, indent) = if last {
                ("└── ", "    ")
            } else {
                ("├── ", "│   ")
            };
            let mut line = format!("{prefix}{branch}{}", self.label(child, required));
            let has_children = self.edges.get(child).is_some_and(|c| !c.is_empty());
            if path.contains(child) || (has_children && printed.contains(child)) {
                line.push_str(" (*)");
                lines.push(line);
                continue;
            }
            lines.push(line);
            self.walk(
                child,
                &format!("{prefix}{indent}"),
                level + 1,
                path,
                printed,
                lines,
            );
        }
        path.pop();
    }

    /// `name v1.0 [required: >=1]`, or `name [required: >=1] (missing)`.
    fn label(&self, name: &PackageName, required: &str) -> String {
        let required = if required.is_empty() {
            String::new()
        } else {
            format!(" [required: {required}]")
        };
        match self.versions.get(name) {
            Some(version) => format!("{name} v{version}{required}"),
            None => format!("{name}{required} (missing)"),
        }
    }
}
