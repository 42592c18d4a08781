//! Planning changes against what is installed (pip's "already satisfied" rules): whether the
//! installed distributions already satisfy a set of requirements, and which distributions a
//! resolution chose need installing.

use std::collections::{HashMap, HashSet};

use den_dist::{ExtraName, MarkerEnvironment, PackageName, Requirement, Version, VersionOrUrl};

use crate::InstalledDist;

/// The installed distributions the `requirements` name, when the environment already
/// satisfies every requirement (markers evaluated in `markers`), recursively every dependency
/// with the extras asked of it, and every one of the `constraints` on those; `None` as soon as
/// anything is missing, at a version the specifiers exclude, named by URL, or has metadata that
/// cannot be read, so a resolver decides.
pub fn satisfied_by_installed<'a>(
    requirements: &[Requirement],
    constraints: &[Requirement],
    markers: &MarkerEnvironment,
    installed: &'a [InstalledDist],
) -> Option<Vec<&'a InstalledDist>> {
    let by_name: HashMap<&PackageName, &InstalledDist> =
        installed.iter().map(|d| (&d.name, d)).collect();
    let fits = |requirement: &Requirement, dist: &InstalledDist| match &requirement.version_or_url {
        None => true,
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.contains(&dist.version),
        Some(VersionOrUrl::Url(_)) => false,
    };
    let mut requested = Vec::new();
    let mut queue: Vec<(Requirement, Vec<ExtraName>)> = requirements
        .iter()
        .map(|r| (r.clone(), Vec::new()))
        .collect();
    let mut seen: HashSet<(PackageName, Vec<ExtraName>)> = HashSet::new();
    let top_level = queue.len();
    let mut index = 0;
    while let Some((requirement, parent_extras)) = queue.get(index).cloned() {
        index += 1;
        if !requirement.marker.evaluate(markers, &parent_extras) {
            continue;
        }
        let dist = by_name.get(&requirement.name)?;
        if !fits(&requirement, dist) {
            return None;
        }
        if index <= top_level {
            requested.push(*dist);
        }
        let mut extras = requirement.extras.clone();
        extras.sort();
        if !seen.insert((requirement.name.clone(), extras.clone())) {
            continue;
        }
        let metadata = dist.metadata().ok()?;
        queue.extend(
            metadata
                .requires_dist
                .into_iter()
                .map(|dependency| (dependency, extras.clone())),
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
    constraints_hold.then_some(requested)
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
            satisfied_by_installed(
                &requirements(wanted),
                &requirements(constraints),
                &markers(),
                &installed,
            )
            .map(|dists| dists.iter().map(|d| d.name.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(satisfied(&["alpha"], &[]), Some(vec!["alpha".to_string()]));
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
            satisfied(&["alpha"], &["delta<1"]),
            Some(vec!["alpha".to_string()]),
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
