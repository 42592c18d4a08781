//! Which projects may get pre-releases: PEP 440's default, pip's `--pre`, and pip 26's
//! per-project `--all-releases` and `--only-final` ([`ReleaseControl`]).

use den_dist::PackageName;

use crate::binary::{NameSelection, excludes};

/// How pre-releases of one project may be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prereleases {
    /// Like final releases (`--pre`, `--all-releases`, or a specifier the user wrote that
    /// names a pre-release).
    Allowed,
    /// Only when no final release in the range is usable (PEP 440 §Handling of pre-releases).
    IfNecessary,
    /// Never (`--only-final`).
    Never,
}

impl Prereleases {
    /// Whether only final releases may be chosen among candidates of which `any_final` says
    /// whether one is a final release (asked only for [`Prereleases::IfNecessary`]).
    pub fn finals_only(self, any_final: impl FnOnce() -> bool) -> bool {
        match self {
            Self::Allowed => false,
            Self::IfNecessary => any_final(),
            Self::Never => true,
        }
    }
}

/// pip 26's release control: the projects whose pre-releases count as any release
/// (`--all-releases`; `--pre` is `--all-releases :all:`) and those that only get final
/// releases (`--only-final`). As for [`crate::BinaryPolicy`], a project named in one beats
/// `:all:` in the other; named in both, or `:all:` in both, final releases only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseControl {
    /// `--all-releases` (and `--pre`, as `:all:`).
    pub all_releases: NameSelection,
    /// `--only-final`.
    pub only_final: NameSelection,
}

impl ReleaseControl {
    /// Pre-releases everywhere (`--pre`).
    pub fn all() -> Self {
        Self {
            all_releases: NameSelection::All,
            only_final: NameSelection::None,
        }
    }

    /// How pre-releases of `name` may be chosen; `opted_in` when a specifier the user wrote
    /// on it names a pre-release.
    pub fn prereleases(&self, name: &PackageName, opted_in: bool) -> Prereleases {
        if excludes(&self.only_final, &self.all_releases, name) {
            Prereleases::Never
        } else if opted_in || self.all_releases.contains(name) {
            Prereleases::Allowed
        } else {
            Prereleases::IfNecessary
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> PackageName {
        text.parse().unwrap()
    }

    #[test]
    fn named_projects_beat_all_on_the_other_side() {
        let parse = |values: &[&str]| {
            NameSelection::parse(&values.iter().map(|v| v.to_string()).collect::<Vec<_>>()).unwrap()
        };
        let control = ReleaseControl {
            all_releases: parse(&[":all:"]),
            only_final: parse(&["a"]),
        };
        assert_eq!(control.prereleases(&name("a"), true), Prereleases::Never);
        assert_eq!(control.prereleases(&name("b"), false), Prereleases::Allowed);
        let control = ReleaseControl {
            all_releases: parse(&["a"]),
            only_final: parse(&[":all:"]),
        };
        assert_eq!(control.prereleases(&name("a"), false), Prereleases::Allowed);
        assert_eq!(control.prereleases(&name("b"), true), Prereleases::Never);
        let default = ReleaseControl::default();
        assert_eq!(
            default.prereleases(&name("a"), false),
            Prereleases::IfNecessary
        );
        assert_eq!(default.prereleases(&name("a"), true), Prereleases::Allowed);
        assert_eq!(
            ReleaseControl::all().prereleases(&name("a"), false),
            Prereleases::Allowed
        );
    }
}
