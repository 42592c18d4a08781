//! Planning changes against what is installed (pip's "already satisfied" rules): whether the
//! installed distributions already satisfy a set of requirements, and which distributions a
//! resolution chose need installing.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;

use den_dist::{ExtraName, MarkerEnvironment, PackageName, Requirement, Version, VersionOrUrl};

use crate::InstalledDist;
use crate::check::{Parts, requirement_text};

/// A requirement the user gave, as [`satisfied_by_installed`] reads it.
#[derive(Debug, Clone, Copy)]
pub struct Requested<'r> {
    /// The requirement.
    pub requirement: &'r Requirement,
    /// Its PEP 508 text as written, whose spelling pip prints; `None` prints den's form.
    pub written: Option<&'r str>,
    /// pip's `comes_from` of it: `-r FILE (line N)` for a requirements file's line, `None`
    /// for the command line.
    pub comes_from: Option<&'r str>,
}

/// An installed distribution that satisfies a requirement, as pip reports it
/// ([`AlreadySatisfied::message`]).
#[derive(Debug, Clone)]
pub struct AlreadySatisfied<'a> {
    /// The distribution.
    pub dist: &'a InstalledDist,
    /// The requirement that first reached it, as pip prints it: `packaging`'s
    /// `str(Requirement)` of its text without the marker (and without the extras of
    /// `name[extra]>=1`, whose base pip asks for apart).
    pub requirement: String,
    /// pip's `(from ...)`: the chain of requirements that led to it, each in `packaging`'s
    /// form and joined by `->`, ending with the requirements file line (`Beta>=1.0->-r
    /// req.txt (line 2)`); `None` for a requirement of the command line.
    pub comes_from: Option<String>,
}

impl AlreadySatisfied<'_> {
    /// pip's line (`RequirementPreparer.prepare_installed_requirement`): `Requirement
    /// already satisfied: REQ in LOCATION [(from CHAIN) ](VERSION)`, LOCATION the directory
    /// holding the distribution, as pip's `display_path` shows it relative to `cwd` (`./...`)
    /// when under it.
    pub fn message(&self, cwd: Option<&Path>) -> String {
        let location = self.dist.site_packages();
        // pip shortens only paths below the working directory, not the directory itself.
        let location = match cwd.and_then(|cwd| location.strip_prefix(cwd).ok()) {
            Some(relative) if !relative.as_os_str().is_empty() => {
                format!("./{}", relative.display())
            }
            _ => location.display().to_string(),
        };
        let from = match &self.comes_from {
            Some(chain) => format!(" (from {chain})"),
            None => String::new(),
        };
        format!(
            "Requirement already satisfied: {} in {location}{from} ({})",
            self.requirement, self.dist.version
        )
    }
}

/// Where a requirement the walk of [`satisfied_by_installed`] meets came from.
#[derive(Debug, Clone, Copy)]
enum Parent {
    /// The user's requirement at this index.
    User(usize),
    /// A dependency of the node at this index.
    Node(usize),
}

/// A project (with extras) the walk of [`satisfied_by_installed`] explored: its requirement
/// in `packaging`'s form as pip's chain shows it, and where that came from.
struct Node {
    text: String,
    parent: Parent,
}

/// pip's `from_path` of what `parent` names: each requirement of the chain up to the user's
/// joined by `->`, then the user requirement's `comes_from`; `None` for a requirement of the
/// command line. Built only for a line that is printed.
fn chain(parent: Parent, nodes: &[Node], requested: &[Requested<'_>]) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    let mut at = parent;
    loop {
        match at {
            Parent::Node(node) => {
                let node = nodes.get(node)?;
                parts.push(&node.text);
                at = node.parent;
            }
            Parent::User(index) => {
                parts.extend(requested.get(index).and_then(|r| r.comes_from));
                break;
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join("->"))
}

/// Everything installed that `requested` reaches, each as pip reports it, when the
/// environment already satisfies every requirement (markers evaluated in `markers`),
/// recursively every dependency with the extras asked of it, and every one of the
/// `constraints` on those; `None` as soon as anything is missing, at a version the
/// specifiers exclude, named by URL, or has metadata that cannot be read, so a resolver
/// decides. The distributions come in pip's order for such a tree (the requirements in
/// order, then their dependencies breadth first), each once, with the first requirement
/// that reached it; a dependency's text is its `Requires-Dist` line as written (no
/// further I/O: the metadata is read to walk the tree anyway).
pub fn satisfied_by_installed<'a>(
    requested: &[Requested<'_>],
    constraints: &[Requirement],
    markers: &MarkerEnvironment,
    installed: &'a [InstalledDist],
) -> Option<Vec<AlreadySatisfied<'a>>> {
    let by_name: HashMap<&PackageName, &InstalledDist> =
        installed.iter().map(|d| (&d.name, d)).collect();
    let fits = |requirement: &Requirement, dist: &InstalledDist| match &requirement.version_or_url {
        None => true,
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.contains(&dist.version),
        Some(VersionOrUrl::Url(_)) => false,
    };
    // Each item: the requirement, its text as written (a dependency's; the user's are in
    // `requested`), the extras its parent was asked with (for its marker), and where it
    // came from.
    let mut queue: VecDeque<(Requirement, Option<String>, Vec<ExtraName>, Parent)> = requested
        .iter()
        .enumerate()
        .map(|(at, r)| (r.requirement.clone(), None, Vec::new(), Parent::User(at)))
        .collect();
    let mut nodes: Vec<Node> = Vec::new();
    let mut seen: HashSet<(PackageName, Vec<ExtraName>)> = HashSet::new();
    let mut reported: HashSet<&PackageName> = HashSet::new();
    let mut lines = Vec::new();
    while let Some((requirement, written, parent_extras, parent)) = queue.pop_front() {
        if !requirement.marker.evaluate(markers, &parent_extras) {
            continue;
        }
        let dist = by_name.get(&requirement.name)?;
        if !fits(&requirement, dist) {
            return None;
        }
        let user = match parent {
            Parent::User(at) => requested.get(at),
            Parent::Node(_) => None,
        };
        let written = user.and_then(|r| r.written).or(written.as_deref());
        let shown;
        let shown = match written {
            Some(text) => text,
            None => {
                shown = requirement.to_string();
                &shown
            }
        };
        let text = |extras: bool, marker: bool| {
            requirement_text(shown, &requirement, Parts { extras, marker })
        };
        // A requirement read from metadata keeps its marker in pip's chain; one read as a
        // line (the user's) has it split off.
        let own_text = || text(true, user.is_none() && !requirement.extras.is_empty());
        if reported.insert(&dist.name) {
            let extras_and_specifiers = !requirement.extras.is_empty()
                && matches!(&requirement.version_or_url,
                    Some(VersionOrUrl::VersionSpecifier(specifiers)) if !specifiers.is_empty());
            let parent_chain = chain(parent, &nodes, requested);
            let (shown, comes_from) = match (extras_and_specifiers, parent_chain) {
                (true, Some(chain)) => {
                    (text(false, false), Some(format!("{}->{chain}", own_text())))
                }
                (true, None) => (text(false, false), Some(own_text())),
                (false, chain) => (text(true, false), chain),
            };
            lines.push(AlreadySatisfied {
                dist,
                requirement: shown,
                comes_from,
            });
        }
        let mut extras = requirement.extras.clone();
        extras.sort();
        let key = (requirement.name.clone(), extras);
        if seen.contains(&key) {
            continue;
        }
        let node = nodes.len();
        nodes.push(Node {
            text: own_text(),
            parent,
        });
        let extras = key.1.clone();
        seen.insert(key);
        let metadata = dist.metadata().ok()?;
        let mut raw: Vec<Option<String>> = metadata
            .headers
            .into_iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case("Requires-Dist"))
            .map(|(_, value)| Some(value))
            .collect();
        if raw.len() != metadata.requires_dist.len() {
            raw = vec![None; metadata.requires_dist.len()];
        }
        queue.extend(
            metadata
                .requires_dist
                .into_iter()
                .zip(raw)
                .map(|(dependency, raw)| (dependency, raw, extras.clone(), Parent::Node(node))),
        );
    }
    let closure: HashSet<&PackageName> = seen.iter().map(|(name, _)| name).collect();
    let constraints_hold = constraints.iter().all(|constraint| {
        !closure.contains(&constraint.name)
            || !constraint.marker.evaluate(markers, &[])
            || by_name
                .get(&constraint.name)
                .is_some_and(|dist| fits(constraint, dist))
    });
    constraints_hold.then_some(lines)
}

/// What the planner needs to know of a distribution a resolution chose.
#[derive(Debug, Clone, Copy)]
pub struct Chosen<'a> {
    /// Its project.
    pub name: &'a PackageName,
    /// The version chosen.
    pub version: &'a Version,
    /// Whether it is a direct reference (a local project or URL), which pip always
    /// reinstalls.
    pub direct: bool,
}

/// What to change: distributions to install (new, or replacing another installed version,
/// which [`crate::install_wheel`] swaps in one transaction) and those already satisfied.
#[derive(Debug, Clone)]
pub struct Plan<T> {
    /// To install.
    pub install: Vec<T>,
    /// Installed already at the chosen version.
    pub satisfied: Vec<T>,
}

impl<T> Plan<T> {
    /// Splits a resolution's `chosen` distributions (each described by `describe`): one is
    /// satisfied when that version is installed and it is not a direct reference, unless
    /// `reinstall` (pip's `--force-reinstall`).
    pub fn new(
        chosen: Vec<T>,
        installed: &[InstalledDist],
        reinstall: bool,
        describe: impl Fn(&T) -> Chosen<'_>,
    ) -> Self {
        let by_name: HashMap<&PackageName, &InstalledDist> =
            installed.iter().map(|d| (&d.name, d)).collect();
        let (satisfied, install) = chosen.into_iter().partition(|item| {
            let chosen = describe(item);
            !reinstall
                && !chosen.direct
                && by_name
                    .get(chosen.name)
                    .is_some_and(|d| &d.version == chosen.version)
        });
        Plan { install, satisfied }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::str::FromStr;

    use den_dist::MarkerEnvironmentBuilder;

    use super::*;
    use crate::DistKind;

    /// `name-version.dist-info` under `site` with `requires` as Requires-Dist.
    fn dist(site: &Path, name: &str, version: &str, requires: &[&str]) -> InstalledDist {
        let path = site.join(format!("{name}-{version}.dist-info"));
        std::fs::create_dir_all(&path).unwrap();
        let mut metadata = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
        for requirement in requires {
            metadata.push_str(&format!("Requires-Dist: {requirement}\n"));
        }
        std::fs::write(path.join("METADATA"), metadata).unwrap();
        InstalledDist {
            name: PackageName::from_str(name).unwrap(),
            version: Version::from_str(version).unwrap(),
            path,
            kind: DistKind::DistInfo,
        }
    }

    fn markers() -> MarkerEnvironment {
        MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: "3.12.0",
            os_name: "posix",
            platform_machine: "x86_64",
            platform_python_implementation: "CPython",
            platform_release: "",
            platform_system: "Linux",
            platform_version: "",
            python_full_version: "3.12.0",
            python_version: "3.12",
            sys_platform: "linux",
        })
        .unwrap()
    }

    fn requirements(texts: &[&str]) -> Vec<Requirement> {
        texts
            .iter()
            .map(|text| den_dist::parse_requirement(text).unwrap())
            .collect()
    }

    #[test]
    fn installed_distributions_satisfy_requirements_with_their_dependencies() {
        let site = tempfile::tempdir().unwrap();
        let installed = vec![
            dist(
                site.path(),
                "alpha",
                "1.0",
                &["beta>=1", "gamma; extra == 'fast'"],
            ),
            dist(site.path(), "beta", "1.5", &[]),
        ];
        let satisfied = |wanted: &[&str], constraints: &[&str]| {
            let wanted = requirements(wanted);
            let requested: Vec<Requested<'_>> = wanted
                .iter()
                .map(|requirement| Requested {
                    requirement,
                    written: None,
                    comes_from: None,
                })
                .collect();
            satisfied_by_installed(
                &requested,
                &requirements(constraints),
                &markers(),
                &installed,
            )
            .map(|lines| {
                lines
                    .iter()
                    .map(|line| line.dist.name.to_string())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            satisfied(&["alpha"], &[]),
            Some(vec!["alpha".to_string(), "beta".to_string()])
        );
        assert_eq!(
            satisfied(&["alpha", "beta<2"], &["beta>1"]).unwrap().len(),
            2
        );
        assert_eq!(satisfied(&["alpha>=2"], &[]), None, "excluded version");
        assert_eq!(satisfied(&["alpha[fast]"], &[]), None, "gamma is missing");
        assert_eq!(
            satisfied(&["alpha"], &["beta<1.5"]),
            None,
            "a dependency's constraint"
        );
        assert_eq!(
            satisfied(&["alpha"], &["delta<1"]).map(|names| names.len()),
            Some(2),
            "a constraint on something not required"
        );
        assert_eq!(
            satisfied(&["gamma; sys_platform == 'win32'"], &[]),
            Some(vec![]),
            "a requirement whose marker is false"
        );
        assert_eq!(
            satisfied(&["alpha @ https://h/alpha-1.0.tar.gz"], &[]),
            None
        );
    }

    #[test]
    fn already_satisfied_lines_are_pips() {
        // What pip 26.3 prints for `pip install 'ALPHA.PKG[]' 'gamma [x] >=0.1' -r req.txt`
        // (`Beta  >= 1.0 , < 3` on line 2) and for `-r req2.txt` (`Alpha_Pkg >= 0.1`), run
        // in the environment's parent directory.
        let root = tempfile::tempdir().unwrap();
        let site = root.path().join("env/lib/python3.12/site-packages");
        let installed = vec![
            dist(
                &site,
                "alpha-pkg",
                "1.0",
                &["beta>=1.0", "gamma[x] ; python_version >= '3'"],
            ),
            dist(&site, "beta", "2.0", &[]),
            dist(&site, "gamma", "1.0", &["delta ; extra == 'x'"]),
            dist(&site, "delta", "1.0", &[]),
        ];
        let lines = |given: &[(&str, Option<&str>)]| {
            let parsed = requirements(&given.iter().map(|(text, _)| *text).collect::<Vec<_>>());
            let requested: Vec<Requested<'_>> = parsed
                .iter()
                .zip(given)
                .map(|(requirement, (text, comes_from))| Requested {
                    requirement,
                    written: Some(text),
                    comes_from: *comes_from,
                })
                .collect();
            satisfied_by_installed(&requested, &[], &markers(), &installed)
                .unwrap()
                .iter()
                .map(|line| line.message(Some(root.path())))
                .collect::<Vec<_>>()
        };
        let at = "in ./env/lib/python3.12/site-packages";
        assert_eq!(
            lines(&[
                ("ALPHA.PKG[]", None),
                ("gamma [x] >=0.1", None),
                ("alpha-pkg>=0.5", Some("-r req.txt (line 1)")),
                ("Beta  >= 1.0 , < 3", Some("-r req.txt (line 2)")),
            ]),
            [
                format!("Requirement already satisfied: ALPHA.PKG {at} (1.0)"),
                format!(
                    "Requirement already satisfied: gamma>=0.1 {at} (from gamma[x]>=0.1) (1.0)"
                ),
                format!(
                    "Requirement already satisfied: Beta<3,>=1.0 {at} (from -r req.txt (line 2)) (2.0)"
                ),
                format!("Requirement already satisfied: delta {at} (from gamma[x]>=0.1) (1.0)"),
            ]
        );
        let chain = "Alpha_Pkg>=0.1->-r req2.txt (line 1)";
        assert_eq!(
            lines(&[("Alpha_Pkg >= 0.1", Some("-r req2.txt (line 1)"))]),
            [
                format!(
                    "Requirement already satisfied: Alpha_Pkg>=0.1 {at} (from -r req2.txt (line 1)) (1.0)"
                ),
                format!("Requirement already satisfied: beta>=1.0 {at} (from {chain}) (2.0)"),
                format!("Requirement already satisfied: gamma[x] {at} (from {chain}) (1.0)"),
                format!(
                    "Requirement already satisfied: delta {at} (from gamma[x]; python_version >= \"3\"->{chain}) (1.0)"
                ),
            ]
        );
        // Outside the working directory the location is shown as it is.
        let outside = satisfied_by_installed(
            &[Requested {
                requirement: &requirements(&["beta"])[0],
                written: Some("beta"),
                comes_from: None,
            }],
            &[],
            &markers(),
            &installed,
        )
        .unwrap()[0]
            .message(Some(Path::new("/nonexistent")));
        assert_eq!(
            outside,
            format!(
                "Requirement already satisfied: beta in {} (2.0)",
                site.display()
            )
        );
    }

    #[test]
    fn a_plan_installs_what_is_missing_moved_or_direct() {
        let site = tempfile::tempdir().unwrap();
        let installed = vec![
            dist(site.path(), "alpha", "1.0", &[]),
            dist(site.path(), "beta", "1.0", &[]),
            dist(site.path(), "gamma", "1.0", &[]),
        ];
        // (name, version, direct)
        let chosen = vec![
            ("alpha", "1.0", false),
            ("beta", "2.0", false),
            ("gamma", "1.0", true),
            ("delta", "1.0", false),
        ]
        .into_iter()
        .map(|(name, version, direct)| {
            (
                PackageName::from_str(name).unwrap(),
                Version::from_str(version).unwrap(),
                direct,
            )
        })
        .collect::<Vec<_>>();
        fn describe((name, version, direct): &(PackageName, Version, bool)) -> Chosen<'_> {
            Chosen {
                name,
                version,
                direct: *direct,
            }
        }
        let names = |items: &[(PackageName, Version, bool)]| {
            items.iter().map(|i| i.0.to_string()).collect::<Vec<_>>()
        };
        let plan = Plan::new(chosen.clone(), &installed, false, describe);
        assert_eq!(names(&plan.install), ["beta", "gamma", "delta"]);
        assert_eq!(names(&plan.satisfied), ["alpha"]);
        let plan = Plan::new(chosen, &installed, true, describe);
        assert_eq!(plan.install.len(), 4);
        assert!(plan.satisfied.is_empty());
    }
}
