//! The order in which the solver decides packages, and what conflicts teach about it.
//!
//! PubGrub decides the package of highest priority first and, on a conflict, backtracks until
//! the decision of lower priority is discarded: what is decided early tends to keep its newest
//! version. So, like pip's resolvelib provider and uv:
//! - the root first, then projects whose range allows a single version (`==`, a URL pin);
//! - then projects in the order they were discovered: the user's requirements as written, then
//!   each project's dependencies in the order its metadata lists them;
//! - a project whose decisions keep being rejected because of another project's decision (the
//!   "culprit") is, past [`CONFLICT_THRESHOLD`] conflicts, decided before the culprit, and the
//!   culprit after it: the culprit then moves instead of the project being walked back.
//!   Marking a culprit restarts the solver (PubGrub cannot undo one decision on request): the
//!   decisions made before the culprit's are made first again, with the same versions when
//!   they still fit, as a backtrack to just before the culprit's decision would keep them.
//!   What was fetched is kept, and each project is marked at most once, so restarts are few.

use std::cmp::Reverse;

use den_dist::PackageName;
use rustc_hash::FxHashMap;

use crate::provider::Pkg;

/// How many conflicts between the same two projects make one of them move (uv uses 5 too).
pub(crate) const CONFLICT_THRESHOLD: u32 = 5;

/// How urgently a package is decided, least urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Urgency {
    /// No conflict seen: decided in discovery order, after every conflicting project.
    Discovered,
    /// Its decisions often got other projects' versions rejected: decided after the projects
    /// it conflicts with, so that it is the one to move.
    Culprit,
    /// Its versions were often rejected because of a decision made before: decided before the
    /// culprit.
    Rejected,
    /// Its range allows a single version.
    Pinned,
    /// Decided before a culprit in an attempt given up: decided first, in the same order.
    Kept,
    /// The user's requirements.
    Root,
}

/// A package's priority: urgency, then the earlier discovered project, then the earlier
/// discovered package of that project (its extras).
pub(crate) type Priority = (Urgency, Reverse<u32>, Reverse<u32>);

/// What a project became through conflicts, when it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marked {
    /// The rejected project is now decided earlier.
    Rejected,
    /// The culprit is now decided later; the solver must start over for it to count.
    Culprit,
}

/// Discovery order and conflict counts of one resolution, kept across restarts.
#[derive(Debug, Default)]
pub(crate) struct Priorities {
    /// Discovery index of each project.
    projects: FxHashMap<PackageName, u32>,
    /// Discovery index of each package (a project, its extras).
    packages: FxHashMap<Pkg, u32>,
    /// The packages decided first, by position.
    kept: FxHashMap<Pkg, u32>,
    /// What conflicts taught about a project.
    learned: FxHashMap<PackageName, Urgency>,
    /// How often a version of the project was rejected because of another's decision.
    rejected: FxHashMap<PackageName, u32>,
    /// How often the project's decision got another project's version rejected.
    culprit: FxHashMap<PackageName, u32>,
}

impl Priorities {
    /// Records `pkg` as discovered (a no-op when it already was).
    pub(crate) fn discover(&mut self, pkg: &Pkg) {
        let next = u32::try_from(self.packages.len()).unwrap_or(u32::MAX);
        self.packages.entry(pkg.clone()).or_insert(next);
        if let Some(name) = pkg.name() {
            let next = u32::try_from(self.projects.len()).unwrap_or(u32::MAX);
            self.projects.entry(name.clone()).or_insert(next);
        }
    }

    /// Has the solver decide `packages` first, in this order (and no others).
    pub(crate) fn keep<'a>(&mut self, packages: impl IntoIterator<Item = &'a Pkg>) {
        self.kept = packages.into_iter().cloned().zip(0..).collect();
    }

    /// The priority of `pkg`, `pinned` when its range allows a single version; discovers
    /// `pkg` if it was not yet.
    pub(crate) fn get(&mut self, pkg: &Pkg, pinned: bool) -> Priority {
        self.discover(pkg);
        let index = self.packages.get(pkg).copied().unwrap_or(u32::MAX);
        if let Some(position) = self.kept.get(pkg) {
            return (Urgency::Kept, Reverse(*position), Reverse(index));
        }
        let Some(name) = pkg.name() else {
            return (Urgency::Root, Reverse(0), Reverse(index));
        };
        let project = self.projects.get(name).copied().unwrap_or(u32::MAX);
        let urgency = if pinned {
            Urgency::Pinned
        } else {
            self.learned
                .get(name)
                .copied()
                .unwrap_or(Urgency::Discovered)
        };
        (urgency, Reverse(project), Reverse(index))
    }

    /// Records that a version of `rejected` was discarded because of `culprits`' decisions
    /// (other projects), and returns the projects whose urgency changed, each once: the
    /// rejected project when its count reaches [`CONFLICT_THRESHOLD`] (unless already marked
    /// rejected), a culprit when its own count does (unless marked either way: a project that
    /// is rejected often stays early, which avoids going back and forth).
    pub(crate) fn conflict(
        &mut self,
        rejected: &PackageName,
        culprits: &[PackageName],
    ) -> Vec<(PackageName, Marked)> {
        let mut marked = Vec::new();
        let mut any = false;
        for culprit in culprits.iter().filter(|c| *c != rejected) {
            any = true;
            let count = self.culprit.entry(culprit.clone()).or_default();
            *count += 1;
            if *count == CONFLICT_THRESHOLD && !self.learned.contains_key(culprit) {
                self.learned.insert(culprit.clone(), Urgency::Culprit);
                marked.push((culprit.clone(), Marked::Culprit));
            }
        }
        if any {
            let count = self.rejected.entry(rejected.clone()).or_default();
            *count += 1;
            if *count == CONFLICT_THRESHOLD
                && self.learned.get(rejected) != Some(&Urgency::Rejected)
            {
                self.learned.insert(rejected.clone(), Urgency::Rejected);
                marked.push((rejected.clone(), Marked::Rejected));
            }
        }
        marked
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn name(s: &str) -> PackageName {
        PackageName::from_str(s).unwrap()
    }

    #[test]
    fn the_fifth_conflict_marks_both_projects_once() {
        let mut priorities = Priorities::default();
        let (google, tenacity) = (name("google"), name("tenacity"));
        for pkg in [Pkg::Base(tenacity.clone()), Pkg::Base(google.clone())] {
            priorities.discover(&pkg);
        }
        let culprits = [tenacity.clone()];
        for _ in 1..CONFLICT_THRESHOLD {
            assert_eq!(priorities.conflict(&google, &culprits), []);
        }
        assert_eq!(
            priorities.conflict(&google, &culprits),
            [
                (tenacity.clone(), Marked::Culprit),
                (google.clone(), Marked::Rejected)
            ]
        );
        assert_eq!(priorities.conflict(&google, &culprits), []);
        let google_first = priorities.get(&Pkg::Base(google.clone()), false);
        let tenacity_next = priorities.get(&Pkg::Base(tenacity.clone()), false);
        assert!(google_first > tenacity_next);
        // A pin still comes first; a project conflicting with itself counts nothing.
        assert!(priorities.get(&Pkg::Base(tenacity.clone()), true) > google_first);
        assert_eq!(
            priorities.conflict(&google, std::slice::from_ref(&google)),
            []
        );
    }

    #[test]
    fn a_project_often_rejected_is_never_made_a_culprit() {
        let mut priorities = Priorities::default();
        let (a, b, c) = (name("a"), name("b"), name("c"));
        for _ in 0..CONFLICT_THRESHOLD {
            priorities.conflict(&a, std::slice::from_ref(&b));
        }
        for _ in 0..CONFLICT_THRESHOLD {
            let marked = priorities.conflict(&c, std::slice::from_ref(&a));
            assert!(
                !marked.contains(&(a.clone(), Marked::Culprit)),
                "{marked:?}"
            );
        }
        let kept = Pkg::Base(c.clone());
        priorities.keep([&kept]);
        assert_eq!(priorities.get(&kept, true).0, Urgency::Kept);
    }
}
