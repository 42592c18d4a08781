//! PEP 440 version specifiers as PubGrub version ranges, and ranges back to specifier text for
//! error messages.

use std::ops::Bound;

use den_dist::{Operator, Version, VersionSpecifier, VersionSpecifiers};
use pubgrub::Ranges;

/// The set of versions a [`VersionSpecifiers`] allows (PEP 440 §Version specifiers), as the
/// intersection of each specifier's range.
///
/// Exclusive ordered comparisons follow PEP 440: `<V` excludes pre-releases of `V` (unless `V`
/// is one) and `>V` excludes post-releases of `V` (unless `V` is one). Local version labels
/// are compared exactly (`==1.0` does not match `1.0+local`), a simplification.
pub(crate) fn ranges_of(specifiers: &VersionSpecifiers) -> Ranges<Version> {
    specifiers.iter().fold(Ranges::full(), |acc, spec| {
        acc.intersection(&range_of(spec))
    })
}

/// The range one specifier allows; see [`ranges_of`].
fn range_of(spec: &VersionSpecifier) -> Ranges<Version> {
    let version = spec.version().clone();
    match spec.operator() {
        Operator::Equal | Operator::ExactEqual => Ranges::singleton(version),
        Operator::NotEqual => Ranges::singleton(version).complement(),
        Operator::EqualStar => prefix_range(&version, version.release().len()),
        Operator::NotEqualStar => prefix_range(&version, version.release().len()).complement(),
        Operator::TildeEqual => {
            let len = version.release().len().saturating_sub(1).max(1);
            Ranges::higher_than(version.clone()).intersection(&prefix_range(&version, len))
        }
        Operator::LessThan => {
            if version.any_prerelease() {
                Ranges::strictly_lower_than(version)
            } else {
                Ranges::strictly_lower_than(version.with_min(Some(0)))
            }
        }
        Operator::LessThanEqual => Ranges::lower_than(version),
        Operator::GreaterThan => {
            if version.is_post() || version.is_dev() {
                Ranges::strictly_higher_than(version)
            } else {
                Ranges::strictly_higher_than(version.with_max(Some(0)))
            }
        }
        Operator::GreaterThanEqual => Ranges::higher_than(version),
    }
}

/// Every version whose release starts with the first `len` release segments of `version` (same
/// epoch), pre-, post- and dev-releases included: `==1.2.*` for `len == 2`. The upper bound is
/// the prefix with its last segment plus one; a last segment of `u64::MAX` (no segment is
/// larger) carries into the one before (`==1.<max>.*` ends before `2`), and a prefix of only
/// such segments has no upper bound, so `==18446744073709551615.*` does not overflow.
fn prefix_range(version: &Version, len: usize) -> Ranges<Version> {
    let prefix: Vec<u64> = version.release().iter().copied().take(len).collect();
    let mut next = prefix.clone();
    let high = loop {
        match next.pop() {
            Some(u64::MAX) => continue,
            Some(last) => {
                next.push(last + 1);
                break Bound::Excluded(
                    Version::new(next)
                        .with_epoch(version.epoch())
                        .with_min(Some(0)),
                );
            }
            None => break Bound::Unbounded,
        }
    };
    let low = Version::new(prefix)
        .with_epoch(version.epoch())
        .with_min(Some(0));
    Ranges::from_range_bounds((Bound::Included(low), high))
}

/// Whether any specifier names a pre-release, which opts the project into pre-releases (PEP 440
/// §Handling of pre-releases).
pub(crate) fn names_prerelease(specifiers: &VersionSpecifiers) -> bool {
    specifiers.iter().any(|s| s.version().any_prerelease())
}

/// A range written as PEP 440 specifiers: `>=3.0.0`, `>=1.0, <2`, `==2.1`, `!=1.5`; several
/// disjoint pieces are joined with ` or `. The empty range is written `(none)`.
pub(crate) fn display_range(range: &Ranges<Version>) -> String {
    let segments: Vec<(&Bound<Version>, &Bound<Version>)> = range.iter().collect();
    if segments.is_empty() {
        return "(none)".to_string();
    }
    // `!=V` is the only common two-piece range; print it the way it was probably written.
    if let [
        (Bound::Unbounded, Bound::Excluded(a)),
        (Bound::Excluded(b), Bound::Unbounded),
    ] = segments.as_slice()
        && a == b
    {
        return format!("!={}", clean(a));
    }
    segments
        .iter()
        .map(|(low, high)| match (low, high) {
            (Bound::Unbounded, Bound::Unbounded) => "(any version)".to_string(),
            (Bound::Included(a), Bound::Included(b)) if a == b => format!("=={}", clean(a)),
            _ => {
                let low = match low {
                    Bound::Included(v) => Some(format!(">={}", clean(v))),
                    Bound::Excluded(v) => Some(format!(">{}", clean(v))),
                    Bound::Unbounded => None,
                };
                let high = match high {
                    Bound::Included(v) => Some(format!("<={}", clean(v))),
                    Bound::Excluded(v) => Some(format!("<{}", clean(v))),
                    Bound::Unbounded => None,
                };
                low.into_iter().chain(high).collect::<Vec<_>>().join(", ")
            }
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// A version without den's internal `min` / `max` markers, as a person wrote it.
fn clean(version: &Version) -> Version {
    let mut version = version.clone();
    if Version::min(&version).is_some() {
        version = version.with_min(None);
    }
    if Version::max(&version).is_some() {
        version = version.with_max(None);
    }
    version
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn range(s: &str) -> Ranges<Version> {
        ranges_of(&VersionSpecifiers::from_str(s).unwrap())
    }

    fn v(s: &str) -> Version {
        Version::from_str(s).unwrap()
    }

    #[test]
    fn follows_pep440_exclusive_ordering() {
        let r = range("<2.0");
        assert!(r.contains(&v("1.9.post1")));
        assert!(!r.contains(&v("2.0rc1")));
        assert!(!r.contains(&v("2.0.dev0")));
        assert!(range("<2.0rc2").contains(&v("2.0rc1")));
        let r = range(">1.7");
        assert!(!r.contains(&v("1.7.post1")));
        assert!(r.contains(&v("1.7.1")));
        assert!(range(">1.7.post1").contains(&v("1.7.post2")));
    }

    #[test]
    fn handles_wildcards_and_compatible_release() {
        let r = range("==1.2.*");
        assert!(r.contains(&v("1.2")) && r.contains(&v("1.2.9")) && r.contains(&v("1.2rc1")));
        assert!(!r.contains(&v("1.3.0")) && !r.contains(&v("1.1.9")));
        let r = range("~=1.4.5");
        assert!(r.contains(&v("1.4.9")) && !r.contains(&v("1.5.0")) && !r.contains(&v("1.4.4")));
        let r = range("~=2.2");
        assert!(r.contains(&v("2.9")) && !r.contains(&v("3.0")));
        assert!(!range("!=1.5.*").contains(&v("1.5.3")));
        assert!(range("==1.0").contains(&v("1.0.0")));
    }

    #[test]
    fn wildcards_on_the_largest_segment_do_not_overflow() {
        let r = range("==18446744073709551615.*");
        assert!(r.contains(&v("18446744073709551615.3")) && !r.contains(&v("2.0")));
        let r = range("==1.18446744073709551615.*");
        assert!(r.contains(&v("1.18446744073709551615.1")) && !r.contains(&v("2.0")));
        assert!(!r.contains(&v("1.5")));
        assert!(!range("!=18446744073709551615.*").contains(&v("18446744073709551615")));
        let r = range("~=18446744073709551615.0");
        assert!(r.contains(&v("18446744073709551615.7")));
    }

    #[test]
    fn displays_ranges_as_specifiers() {
        assert_eq!(display_range(&range(">=3.0.0")), ">=3.0.0");
        assert_eq!(display_range(&range(">=1.0,<2")), ">=1.0, <2");
        assert_eq!(display_range(&range("==2.1")), "==2.1");
        assert_eq!(display_range(&range("!=1.5")), "!=1.5");
        assert_eq!(display_range(&range(">1.7")), ">1.7");
        assert_eq!(display_range(&Ranges::empty()), "(none)");
    }
}
