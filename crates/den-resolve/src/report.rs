//! PubGrub's derivation tree as sentences with PEP 440 specifiers:
//! "Because flask 3.0.0 depends on werkzeug>=3.0.0 and you require werkzeug<2, flask 3.0.0
//! cannot be used."

use std::sync::Arc;

use den_dist::{PackageName, Version};
use pubgrub::{
    DefaultStringReporter, DerivationTree, Derived, External, Map, Ranges, ReportFormatter,
    Reporter, Term,
};
use rustc_hash::FxHashMap;

use crate::project::{Project, Status};
use crate::provider::{Direct, Pkg, Unusable, shown};
use crate::source::SourceFile;
use crate::specifiers::display_range;

type Tree = DerivationTree<Pkg, Ranges<Version>, Unusable>;
type Ext = External<Pkg, Ranges<Version>, Unusable>;
type Terms = Map<Pkg, Term<Ranges<Version>>>;

/// Explains why `tree` has no solution, one sentence per line; `projects` are the fetched
/// version lists used to say why no version of a range can be used, `directs` the
/// distributions of URL requirements, which pin their projects.
pub(crate) fn explain<F: SourceFile>(
    tree: &Tree,
    projects: &FxHashMap<PackageName, Arc<Project<F>>>,
    directs: &FxHashMap<PackageName, Arc<Direct<F>>>,
) -> String {
    let formatter = Formatter { projects, directs };
    let mut tree = fold_extra_steps(tree.clone());
    // "No version of x in <gap between releases>" says nothing; fold such gaps into the
    // neighbouring ranges unless some gap holds releases whose unusability is the story.
    if !formatter.has_informative_gap(&tree) {
        tree.collapse_no_versions();
    }
    DefaultStringReporter::report_with_formatter(&tree, &formatter)
}

/// Leaves out the steps "foo[x] 1.0 depends on foo[x] 1.0" (an extra on the requirements it
/// adds, [`Pkg::ExtraDeps`], shown alike): a step derived from such a dependency and another
/// cause becomes that other cause, stating the step's own conclusion.
fn fold_extra_steps(tree: Tree) -> Tree {
    let DerivationTree::Derived(derived) = tree else {
        return tree;
    };
    let is_extra_step = |cause: &Tree| {
        matches!(
            cause,
            DerivationTree::External(External::FromDependencyOf(Pkg::Extra(n1, x1), _, Pkg::ExtraDeps(n2, x2), _))
                if n1 == n2 && x1 == x2
        )
    };
    let other = if is_extra_step(&derived.cause1) {
        Some(&derived.cause2)
    } else if is_extra_step(&derived.cause2) {
        Some(&derived.cause1)
    } else {
        None
    };
    match other.map(|cause| fold_extra_steps(Tree::clone(cause))) {
        Some(DerivationTree::Derived(inner)) => DerivationTree::Derived(Derived {
            terms: derived.terms,
            shared_id: derived.shared_id,
            ..inner
        }),
        Some(external) => external,
        None => DerivationTree::Derived(Derived {
            cause1: Arc::new(fold_extra_steps(Tree::clone(&derived.cause1))),
            cause2: Arc::new(fold_extra_steps(Tree::clone(&derived.cause2))),
            ..derived
        }),
    }
}

struct Formatter<'a, F> {
    projects: &'a FxHashMap<PackageName, Arc<Project<F>>>,
    directs: &'a FxHashMap<PackageName, Arc<Direct<F>>>,
}

impl<F: SourceFile> Formatter<'_, F> {
    /// The URL distribution pinning `pkg`'s project, if any.
    fn direct(&self, pkg: &Pkg) -> Option<&Direct<F>> {
        pkg.name()
            .and_then(|n| self.directs.get(n))
            .map(Arc::as_ref)
    }

    /// `flask 3.0.0`, `flask>=3.0.0`, `flask`; `foo 1.0 (from https://...)` for the version at
    /// a URL requirement. A range in several pieces is first simplified against the project's
    /// known releases, so `(==3.0.0 or ==3.0.1)` reads `>=3.0.0`.
    fn describe(&self, pkg: &Pkg, range: &Ranges<Version>) -> String {
        let mut spec = display_range(range);
        let mut range = range.clone();
        if spec.contains(" or ")
            && let Some(project) = pkg.name().and_then(|n| self.projects.get(n))
        {
            let simplified = range.simplify(project.versions());
            if !simplified.is_empty() {
                spec = display_range(&simplified);
                range = simplified;
            }
        }
        if let Some(version) = range.as_singleton() {
            match self.direct(pkg) {
                Some(direct) if direct.version() == version => {
                    format!("{pkg} {version} (from {})", shown(&direct.url))
                }
                _ => format!("{pkg} {version}"),
            }
        } else if range == Ranges::full() {
            pkg.to_string()
        } else if spec.contains(" or ") {
            format!("{pkg} ({spec})")
        } else {
            format!("{pkg}{spec}")
        }
    }

    /// Whether some "no versions" step of `tree` covers known releases (yanked, wrong Python,
    /// no usable file) or a URL's version, which the report should name.
    fn has_informative_gap(&self, tree: &Tree) -> bool {
        match tree {
            DerivationTree::External(External::NoVersions(pkg, range)) => {
                self.direct(pkg).is_some()
                    || pkg
                        .name()
                        .and_then(|n| self.projects.get(n))
                        .is_some_and(|p| p.versions().any(|v| range.contains(v)))
            }
            DerivationTree::External(_) => false,
            DerivationTree::Derived(derived) => {
                self.has_informative_gap(&derived.cause1)
                    || self.has_informative_gap(&derived.cause2)
            }
        }
    }

    /// Why each of the newest few versions of `pkg` in `range` cannot be used, e.g.
    /// ` (3.1.0 requires Python >=3.12; 3.0.0 has no wheel for this interpreter and no source
    /// distribution)`, or which version a URL requirement pins the project to.
    fn why_none(&self, pkg: &Pkg, range: &Ranges<Version>) -> String {
        if let Some(direct) = self.direct(pkg) {
            return format!(
                " ({} {}, which is version {})",
                direct.required_by,
                direct.requirement(),
                direct.version()
            );
        }
        let Some(project) = pkg.name().and_then(|n| self.projects.get(n)) else {
            return String::new();
        };
        let reasons: Vec<String> = project
            .versions()
            .rev()
            .filter(|v| range.contains(*v))
            .take(3)
            .filter_map(|v| Some((v, project.release(v)?)))
            .map(|(v, release)| match &release.status {
                Status::Usable { yanked: true, .. } => format!("{v} is yanked"),
                Status::Usable { .. } => format!("{v} is a pre-release"),
                Status::RequiresPython(spec) => format!("{v} requires Python {spec}"),
                Status::NoFile => format!("{v} {}", project.no_file_reason()),
            })
            .collect();
        match (reasons.is_empty(), project.versions().next_back()) {
            (false, _) => format!(" ({})", reasons.join("; ")),
            (true, Some(latest)) => format!(" (no release matches; the latest is {latest})"),
            (true, None) => " (the project has no releases)".to_string(),
        }
    }
}

impl<F: SourceFile> ReportFormatter<Pkg, Ranges<Version>, Unusable> for Formatter<'_, F> {
    type Output = String;

    fn format_external(&self, external: &Ext) -> String {
        match external {
            External::NotRoot(pkg, version) => {
                format!("we are solving dependencies of {pkg} {version}")
            }
            External::NoVersions(pkg, range) => format!(
                "no usable version of {} exists{}",
                self.describe(pkg, range),
                self.why_none(pkg, range)
            ),
            External::FromDependencyOf(Pkg::Root, _, dep, dep_range) => {
                format!("you require {}", self.describe(dep, dep_range))
            }
            External::FromDependencyOf(pkg, range, dep, dep_range) => format!(
                "{} depends on {}",
                self.describe(pkg, range),
                self.describe(dep, dep_range)
            ),
            External::Custom(Pkg::Root, _, reason @ Unusable::UrlExcluded { .. }) => {
                format!("you require {reason}")
            }
            External::Custom(pkg, range, reason @ Unusable::UrlExcluded { .. }) => {
                format!("{} requires {reason}", self.describe(pkg, range))
            }
            External::Custom(pkg, range, reason) => {
                format!("{} {reason}", self.describe(pkg, range))
            }
        }
    }

    fn format_terms(&self, terms: &Terms) -> String {
        let mut terms: Vec<(&Pkg, &Term<Ranges<Version>>)> = terms.iter().collect();
        // The root is always selected: "your requirements and app cannot both hold" means
        // "app cannot be used".
        if terms.len() > 1 {
            terms.retain(|(pkg, term)| !(**pkg == Pkg::Root && matches!(term, Term::Positive(_))));
        }
        match terms.as_slice() {
            [] | [(Pkg::Root, _)] => "your requirements cannot be satisfied".to_string(),
            [(pkg, Term::Positive(range))] if range == &Ranges::full() => {
                format!("no version of {pkg} can be used")
            }
            [(pkg, Term::Positive(range))] => {
                format!("{} cannot be used", self.describe(pkg, range))
            }
            [(pkg, Term::Negative(range))] => format!("{} is required", self.describe(pkg, range)),
            [(p1, Term::Positive(r1)), (p2, Term::Negative(r2))]
            | [(p2, Term::Negative(r2)), (p1, Term::Positive(r1))] => self.format_external(
                &External::FromDependencyOf((*p1).clone(), r1.clone(), (*p2).clone(), r2.clone()),
            ),
            many => {
                let parts: Vec<String> = many
                    .iter()
                    .map(|(pkg, term)| match term {
                        Term::Positive(range) => self.describe(pkg, range),
                        Term::Negative(range) => format!("not {}", self.describe(pkg, range)),
                    })
                    .collect();
                format!("{} cannot all hold", parts.join(", "))
            }
        }
    }

    fn explain_both_external(&self, e1: &Ext, e2: &Ext, terms: &Terms) -> String {
        format!(
            "Because {} and {}, {}.",
            self.format_external(e1),
            self.format_external(e2),
            self.format_terms(terms)
        )
    }

    fn explain_both_ref(
        &self,
        id1: usize,
        d1: &Derived<Pkg, Ranges<Version>, Unusable>,
        id2: usize,
        d2: &Derived<Pkg, Ranges<Version>, Unusable>,
        terms: &Terms,
    ) -> String {
        format!(
            "Because {} ({id1}) and {} ({id2}), {}.",
            self.format_terms(&d1.terms),
            self.format_terms(&d2.terms),
            self.format_terms(terms)
        )
    }

    fn explain_ref_and_external(
        &self,
        id: usize,
        derived: &Derived<Pkg, Ranges<Version>, Unusable>,
        external: &Ext,
        terms: &Terms,
    ) -> String {
        format!(
            "Because {} ({id}) and {}, {}.",
            self.format_terms(&derived.terms),
            self.format_external(external),
            self.format_terms(terms)
        )
    }

    fn and_explain_external(&self, external: &Ext, terms: &Terms) -> String {
        format!(
            "And because {}, {}.",
            self.format_external(external),
            self.format_terms(terms)
        )
    }

    fn and_explain_ref(
        &self,
        id: usize,
        derived: &Derived<Pkg, Ranges<Version>, Unusable>,
        terms: &Terms,
    ) -> String {
        format!(
            "And because {} ({id}), {}.",
            self.format_terms(&derived.terms),
            self.format_terms(terms)
        )
    }

    fn and_explain_prior_and_external(&self, prior: &Ext, external: &Ext, terms: &Terms) -> String {
        format!(
            "And because {} and {}, {}.",
            self.format_external(prior),
            self.format_external(external),
            self.format_terms(terms)
        )
    }
}
