//! `den pipenv graph`: the project environment's installed distributions as pipenv shows
//! them, in the formats of the pipdeptree pipenv runs (`pipdeptree -l`, plus `--reverse`,
//! `--json`, both, `--json-tree`): `name==version` roots (what nothing else requires),
//! children `name [required: >=1,<2, installed: 1.5]` drawn with `├──`/`└──`/`│`, a
//! requirement's specifiers in reverse lexical order, markers evaluated for the
//! environment, extras' requirements where a requirement asks for the extra. Without
//! `--bare`, pipenv's filter applies: pip, setuptools, wheel, distribute and pkg-resources
//! are dropped from the roots and from the JSON's top level.

use std::collections::{BTreeMap, BTreeSet};

use den_dist::{PackageName, VersionOrUrl};
use serde::Serialize;

use crate::printer::Printer;
use crate::target::Target;

/// The distributions pipenv's `graph` hides (its `BAD_PACKAGES`).
const HIDDEN: [&str; 5] = ["distribute", "pip", "pkg-resources", "setuptools", "wheel"];

/// Which of pipdeptree's renderings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The text tree.
    Text,
    /// The text tree of dependents (`--reverse`).
    Reverse,
    /// A flat list of packages with their direct requirements (`--json`).
    Json,
    /// A flat list of packages with the packages that require them (`--json --reverse`).
    ReverseJson,
    /// The nested tree (`--json-tree`).
    JsonTree,
}

/// An installed distribution.
struct Node {
    name: String,
    version: String,
    requirements: Vec<Edge>,
}

/// A requirement of one distribution on another.
#[derive(Clone)]
struct Edge {
    key: PackageName,
    /// The required distribution's metadata name when installed, else the name written.
    name: String,
    /// pipdeptree's `version_spec`: the specifiers in reverse lexical order, comma-joined.
    spec: Option<String>,
    /// The extra of the requiring distribution that brings this requirement in.
    extra: Option<String>,
}

/// pipdeptree's `version_spec` of `requirement`.
fn version_spec(requirement: &den_dist::Requirement) -> Option<String> {
    match &requirement.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(specifiers)) if !specifiers.is_empty() => {
            let mut parts: Vec<String> = specifiers.iter().map(ToString::to_string).collect();
            parts.sort_by(|a, b| b.cmp(a));
            Some(parts.join(","))
        }
        _ => None,
    }
}

/// Prints the graph of `target`'s distributions in `format`; `bare` prints pipdeptree's
/// output without pipenv's filter.
///
/// The edges are pipdeptree's with its default `--extras explicit`: each distribution's
/// requirements whose markers hold for the environment, plus, for an extra some requirement
/// on it asks for (`gamma[fast]`, followed transitively), the requirements that extra adds
/// on installed distributions, labelled `extra: fast`.
///
/// Errors: site-packages cannot be read.
pub fn print(target: &Target, format: Format, bare: bool, printer: &Printer) -> anyhow::Result<()> {
    let installed = den_install::installed_distributions(&target.site_packages())?;
    let names: BTreeMap<PackageName, String> = installed
        .iter()
        .map(|dist| (dist.name.clone(), dist.display_name()))
        .collect();
    let markers = &target.interpreter.markers;
    let edge = |requirement: &den_dist::Requirement, extra: Option<String>| Edge {
        name: names
            .get(&requirement.name)
            .cloned()
            .unwrap_or_else(|| requirement.name.to_string()),
        key: requirement.name.clone(),
        spec: version_spec(requirement),
        extra,
    };
    let mut nodes: BTreeMap<PackageName, Node> = BTreeMap::new();
    // Per distribution, its requirements an extra turns on: (requirement, the first extra it
    // declares, in sorted order, that does).
    let mut gated: BTreeMap<PackageName, Vec<(den_dist::Requirement, den_dist::ExtraName)>> =
        BTreeMap::new();
    let mut wanted: BTreeMap<PackageName, BTreeSet<den_dist::ExtraName>> = BTreeMap::new();
    for dist in &installed {
        let (requires_dist, mut extras) = match dist.metadata() {
            Ok(metadata) => (metadata.requires_dist, metadata.provides_extras),
            Err(e) => {
                printer.warn(format!(
                    "{e}\n(showing {} without its requirements)",
                    dist.name
                ));
                (Vec::new(), Vec::new())
            }
        };
        extras.sort();
        let mut requirements = Vec::new();
        for requirement in requires_dist {
            if requirement.marker.evaluate(markers, &[]) {
                if !requirement.extras.is_empty() {
                    wanted
                        .entry(requirement.name.clone())
                        .or_default()
                        .extend(requirement.extras.iter().cloned());
                }
                requirements.push(edge(&requirement, None));
            } else if let Some(extra) = extras.iter().find(|extra| {
                requirement
                    .marker
                    .evaluate(markers, std::slice::from_ref(extra))
            }) {
                gated
                    .entry(dist.name.clone())
                    .or_default()
                    .push((requirement, extra.clone()));
            }
        }
        nodes.insert(
            dist.name.clone(),
            Node {
                name: names[&dist.name].clone(),
                version: dist.version.to_string(),
                requirements,
            },
        );
    }
    let mut done: BTreeMap<PackageName, BTreeSet<den_dist::ExtraName>> = BTreeMap::new();
    while !wanted.is_empty() {
        let mut next: BTreeMap<PackageName, BTreeSet<den_dist::ExtraName>> = BTreeMap::new();
        for (key, extras) in wanted {
            let seen = done.entry(key.clone()).or_default();
            let new: BTreeSet<den_dist::ExtraName> = extras.difference(seen).cloned().collect();
            seen.extend(new.iter().cloned());
            for (requirement, extra) in gated.get(&key).into_iter().flatten() {
                if !new.contains(extra) || !names.contains_key(&requirement.name) {
                    continue;
                }
                let added = edge(requirement, Some(extra.to_string()));
                if let Some(node) = nodes.get_mut(&key)
                    && !node
                        .requirements
                        .iter()
                        .any(|e| e.key == added.key && e.extra == added.extra)
                {
                    node.requirements.push(added);
                }
                if !requirement.extras.is_empty() {
                    next.entry(requirement.name.clone())
                        .or_default()
                        .extend(requirement.extras.iter().cloned());
                }
            }
        }
        wanted = next;
    }
    for node in nodes.values_mut() {
        node.requirements.sort_by(|a, b| a.key.cmp(&b.key));
    }
    let graph = Graph { nodes };
    let hidden = |key: &PackageName| !bare && HIDDEN.contains(&key.as_ref());
    match format {
        Format::Text | Format::Reverse => {
            let reverse = format == Format::Reverse;
            for line in graph.text(reverse) {
                let root = !line.starts_with([' ', '│', '├', '└']);
                let name = line.split("==").next().unwrap_or_default();
                let hide = root && !reverse && !bare && HIDDEN.contains(&name);
                if !hide {
                    printer.out(line);
                }
            }
        }
        Format::Json => {
            let list: Vec<JsonPackage> = graph
                .nodes
                .iter()
                .filter(|(key, _)| !hidden(key))
                .map(|(key, node)| JsonPackage {
                    package: JsonDist::of(key, node),
                    dependencies: node
                        .requirements
                        .iter()
                        .map(|edge| graph.json_requirement(edge))
                        .collect(),
                })
                .collect();
            printer.out(to_json(&list));
        }
        Format::ReverseJson => {
            let list: Vec<JsonReversed> = graph
                .reversed_json()
                .into_iter()
                .filter_map(|(key, entry)| (!hidden(&key)).then_some(entry))
                .collect();
            printer.out(to_json(&list));
        }
        Format::JsonTree => {
            let tree: Vec<JsonTreeNode> = graph
                .roots(false)
                .into_iter()
                .filter(|key| !hidden(key))
                .map(|key| graph.json_tree(&key, None, &mut Vec::new(), &hidden))
                .collect();
            printer.out(to_json(&tree));
        }
    }
    if bare {
        // pipenv prints pipdeptree's output as it is, with its last newline, then its own.
        printer.out("");
    }
    Ok(())
}

/// Python's `json.dumps(value, indent=4)` for ASCII data: serde_json's pretty printer with
/// four spaces writes the same text.
fn to_json<T: Serialize>(value: &T) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Serializing plain structs of strings cannot fail.
    let _ = value.serialize(&mut serializer);
    String::from_utf8(out).unwrap_or_default()
}

#[derive(Serialize)]
struct JsonPackage {
    package: JsonDist,
    dependencies: Vec<JsonRequirement>,
}

#[derive(Serialize)]
struct JsonDist {
    key: String,
    package_name: String,
    installed_version: String,
}

impl JsonDist {
    /// The installed distribution `node`, keyed `key` (pipdeptree's `DistPackage.as_dict`).
    fn of(key: &PackageName, node: &Node) -> Self {
        Self {
            key: key.to_string(),
            package_name: node.name.clone(),
            installed_version: node.version.clone(),
        }
    }
}

#[derive(Serialize)]
struct JsonRequirement {
    key: String,
    package_name: String,
    installed_version: String,
    required_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    extra: Option<String>,
}

/// An entry of pipdeptree's `--json` output for the reversed graph: the package as a
/// requirement (`ReqPackage.as_dict`) and the packages requiring it (`DistPackage.as_dict`).
#[derive(Serialize)]
struct JsonReversed {
    package: JsonRequirement,
    dependencies: Vec<JsonDist>,
}

#[derive(Serialize)]
struct JsonTreeNode {
    key: String,
    package_name: String,
    installed_version: String,
    required_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    extra: Option<String>,
    dependencies: Vec<JsonTreeNode>,
}

struct Graph {
    nodes: BTreeMap<PackageName, Node>,
}

impl Graph {
    /// The installed version of `key`, or pipdeptree's `?`.
    fn installed(&self, key: &PackageName) -> String {
        self.nodes
            .get(key)
            .map_or_else(|| "?".to_string(), |node| node.version.clone())
    }

    /// The requirement `edge` as pipdeptree's `ReqPackage.as_dict` shows it: its specifier
    /// (`Any` without one), extra and the installed version of what it requires.
    fn json_requirement(&self, edge: &Edge) -> JsonRequirement {
        JsonRequirement {
            key: edge.key.to_string(),
            package_name: edge.name.clone(),
            installed_version: self.installed(&edge.key),
            required_version: edge.spec.clone().unwrap_or_else(|| "Any".into()),
            extra: edge.extra.clone(),
        }
    }

    /// The name of `key` as shown: its metadata name, else the key.
    fn name(&self, key: &PackageName) -> String {
        self.nodes
            .get(key)
            .map_or_else(|| key.to_string(), |node| node.name.clone())
    }

    /// The children of `key`: its requirements, or with `reverse` its dependents (each with
    /// the edge from the dependent), sorted by key.
    fn children(&self, key: &PackageName, reverse: bool) -> Vec<(PackageName, Edge)> {
        if !reverse {
            return self
                .nodes
                .get(key)
                .map(|node| {
                    node.requirements
                        .iter()
                        .map(|edge| (edge.key.clone(), edge.clone()))
                        .collect()
                })
                .unwrap_or_default();
        }
        self.nodes
            .iter()
            .filter_map(|(dependent, node)| {
                let edge = node.requirements.iter().find(|edge| &edge.key == key)?;
                Some((dependent.clone(), edge.clone()))
            })
            .collect()
    }

    /// pipdeptree's `--json` rendering of `PackageDAG.reverse()`, sorted by key: every
    /// installed distribution and every required one that is missing, each with one entry
    /// per requirement on it (its requirer, sorted by key). A required package shows the
    /// specifier and extra of one requirement on it: pipdeptree takes the first in the order
    /// `importlib.metadata` lists the distributions (directory order, which cannot be
    /// reproduced), den the first requirer's by key. One nothing requires is its own
    /// requirement, `==VERSION`.
    fn reversed_json(&self) -> BTreeMap<PackageName, JsonReversed> {
        let mut reversed: BTreeMap<PackageName, JsonReversed> = BTreeMap::new();
        for (requirer, node) in &self.nodes {
            for edge in &node.requirements {
                let entry = reversed
                    .entry(edge.key.clone())
                    .or_insert_with(|| JsonReversed {
                        package: self.json_requirement(edge),
                        dependencies: Vec::new(),
                    });
                entry.dependencies.push(JsonDist::of(requirer, node));
            }
        }
        for (key, node) in &self.nodes {
            reversed.entry(key.clone()).or_insert_with(|| JsonReversed {
                package: JsonRequirement {
                    key: key.to_string(),
                    package_name: node.name.clone(),
                    installed_version: node.version.clone(),
                    required_version: format!("=={}", node.version),
                    extra: None,
                },
                dependencies: Vec::new(),
            });
        }
        reversed
    }

    /// The keys nothing points at (pipdeptree's top-level nodes), sorted.
    fn roots(&self, reverse: bool) -> Vec<PackageName> {
        let mut pointed: Vec<PackageName> = Vec::new();
        for key in self.nodes.keys() {
            pointed.extend(
                self.children(key, reverse)
                    .into_iter()
                    .map(|(child, _)| child),
            );
        }
        self.nodes
            .keys()
            .filter(|key| !pointed.contains(key))
            .cloned()
            .collect()
    }

    /// The text lines, as pipdeptree's unicode renderer draws them.
    fn text(&self, reverse: bool) -> Vec<String> {
        let mut lines = Vec::new();
        for root in self.roots(reverse) {
            lines.push(format!("{}=={}", self.name(&root), self.installed(&root)));
            let mut chain = vec![self.name(&root)];
            self.text_children(&root, reverse, "", &mut chain, &mut lines);
        }
        lines
    }

    fn text_children(
        &self,
        key: &PackageName,
        reverse: bool,
        prefix: &str,
        chain: &mut Vec<String>,
        lines: &mut Vec<String>,
    ) {
        let children: Vec<(PackageName, Edge)> = self
            .children(key, reverse)
            .into_iter()
            .filter(|(child, _)| !chain.contains(&self.name(child)))
            .collect();
        let all = self.children(key, reverse);
        for (child, edge) in &children {
            let last = all.last().is_some_and(|(k, _)| k == child);
            let bullet = if last { "└── " } else { "├── " };
            let extra = edge
                .extra
                .as_ref()
                .map_or_else(String::new, |extra| format!(", extra: {extra}"));
            let label = if reverse {
                let required = format!("{}{}", edge.name, edge.spec.as_deref().unwrap_or(""));
                format!(
                    "{}=={} [requires: {required}{extra}]",
                    self.name(child),
                    self.installed(child)
                )
            } else {
                format!(
                    "{} [required: {}, installed: {}{extra}]",
                    edge.name,
                    edge.spec.as_deref().unwrap_or("Any"),
                    self.installed(child)
                )
            };
            lines.push(format!("{prefix}{bullet}{label}"));
            let next = format!("{prefix}{}", if last { "    " } else { "│   " });
            chain.push(self.name(child));
            self.text_children(child, reverse, &next, chain, lines);
            chain.pop();
        }
    }

    /// pipdeptree's `--json-tree` node for `key` (reached through `edge`), its children
    /// except those already on `chain` or hidden.
    fn json_tree(
        &self,
        key: &PackageName,
        edge: Option<&Edge>,
        chain: &mut Vec<String>,
        hidden: &dyn Fn(&PackageName) -> bool,
    ) -> JsonTreeNode {
        chain.push(self.name(key));
        let children: Vec<(PackageName, Edge)> = self
            .children(key, false)
            .into_iter()
            .filter(|(child, _)| !chain.contains(&self.name(child)) && !hidden(child))
            .collect();
        let dependencies = children
            .iter()
            .map(|(child, edge)| self.json_tree(child, Some(edge), chain, hidden))
            .collect();
        chain.pop();
        let installed = self.installed(key);
        JsonTreeNode {
            key: key.to_string(),
            package_name: edge.map_or_else(|| self.name(key), |e| e.name.clone()),
            required_version: match edge {
                Some(edge) => edge.spec.clone().unwrap_or_else(|| "Any".into()),
                None => installed.clone(),
            },
            installed_version: installed,
            extra: edge.and_then(|e| e.extra.clone()),
            dependencies,
        }
    }
}
