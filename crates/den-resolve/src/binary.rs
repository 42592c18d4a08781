//! Which kinds of distribution files a project may be installed from: pip's `--no-binary`,
//! `--only-binary` and `--prefer-binary` ([`BinaryPolicy`]).

use std::str::FromStr;

use den_dist::PackageName;
use pep508_rs::InvalidNameError;

/// A set of projects named by a pip option such as `--no-binary`: none, all (`:all:`), or some.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum NameSelection {
    /// No project (the default, and what `:none:` resets to).
    #[default]
    None,
    /// Every project (`:all:`).
    All,
    /// These projects (normalized names, each once, in the order first given).
    Names(Vec<PackageName>),
}

impl NameSelection {
    /// Whether `name` is selected: always for [`NameSelection::All`], by membership for
    /// [`NameSelection::Names`].
    pub fn contains(&self, name: &PackageName) -> bool {
        match self {
            Self::None => false,
            Self::All => true,
            Self::Names(names) => names.contains(name),
        }
    }

    /// Whether `name` is listed by name (not merely through `:all:`).
    pub(crate) fn names(&self, name: &PackageName) -> bool {
        matches!(self, Self::Names(names) if names.contains(name))
    }

    /// The selection made by the raw values of one option, in the order given (pip's
    /// `--no-binary` / `--only-binary` syntax): each value is a comma-separated list of project
    /// names and the special words `:all:` (select everything) and `:none:` (clear the
    /// selection). Items apply left to right across all values, so `:all:` followed by names
    /// stays [`NameSelection::All`], and names after `:none:` start a new list. Empty items
    /// (`a,,b`, a trailing comma) are ignored.
    ///
    /// Errors: [`NameSelectionError`] for an item that is neither a special word nor a valid
    /// project name (PEP 508 §Names), such as `-x` when an option's argument was forgotten.
    pub fn parse(values: &[String]) -> Result<Self, NameSelectionError> {
        let mut selection = Self::None;
        for value in values {
            for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                match item {
                    ":all:" => selection = Self::All,
                    ":none:" => selection = Self::None,
                    _ => {
                        let name =
                            PackageName::from_str(item).map_err(|source| NameSelectionError {
                                value: value.clone(),
                                item: item.to_string(),
                                source,
                            })?;
                        match &mut selection {
                            Self::All => {}
                            Self::None => selection = Self::Names(vec![name]),
                            Self::Names(names) => {
                                if !names.contains(&name) {
                                    names.push(name);
                                }
                            }
                        }
                    }
                }
            }
        }
        Ok(selection)
    }
}

/// An item of a `--no-binary` / `--only-binary` value that is not a project name.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "`{item}` in `{value}` is neither a project name nor `:all:` / `:none:`; the value is a \
     comma-separated list of project names"
)]
pub struct NameSelectionError {
    /// The whole option value, as given.
    pub value: String,
    /// The offending item.
    pub item: String,
    /// Why it is not a project name.
    #[source]
    pub source: InvalidNameError,
}

/// Which distribution files may be used, per project (pip's `--no-binary`, `--only-binary` and
/// `--prefer-binary`). The default allows wheels and source distributions for every project
/// and prefers the newest version whatever its files.
///
/// A project named explicitly in one selection beats `:all:` in the other, so
/// `--only-binary :all: --no-binary foo` builds `foo` from source and takes wheels for the rest.
/// When both selections name a project (or both are `:all:`), no file of it can be used and the
/// resolution fails saying so.
#[derive(Debug, Clone, Default)]
pub struct BinaryPolicy {
    /// Projects that must not be installed from wheels (`--no-binary`).
    pub no_binary: NameSelection,
    /// Projects that must not be installed from source distributions (`--only-binary`).
    pub only_binary: NameSelection,
    /// Prefer versions with a usable wheel over newer versions that only have a source
    /// distribution (`--prefer-binary`).
    pub prefer_binary: bool,
}

impl BinaryPolicy {
    /// Whether wheels of `name` may be used: not when `--no-binary` names it, nor when it is
    /// `:all:` and `--only-binary` does not name it.
    pub fn allows_wheel(&self, name: &PackageName) -> bool {
        !excludes(&self.no_binary, &self.only_binary, name)
    }

    /// Whether source distributions of `name` may be used: not when `--only-binary` names it,
    /// nor when it is `:all:` and `--no-binary` does not name it.
    pub fn allows_sdist(&self, name: &PackageName) -> bool {
        !excludes(&self.only_binary, &self.no_binary, name)
    }
}

/// Whether `selection` excludes `name`, given the opposite option's `other` selection, whose
/// explicit names beat `:all:`.
pub(crate) fn excludes(
    selection: &NameSelection,
    other: &NameSelection,
    name: &PackageName,
) -> bool {
    selection.names(name) || (*selection == NameSelection::All && !other.names(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> NameSelection {
        let values: Vec<String> = values.iter().map(ToString::to_string).collect();
        NameSelection::parse(&values).unwrap()
    }

    fn name(s: &str) -> PackageName {
        PackageName::from_str(s).unwrap()
    }

    #[test]
    fn parses_pip_option_values_in_order() {
        assert_eq!(parse(&[]), NameSelection::None);
        assert_eq!(
            parse(&["Foo_Bar, baz", "foo-bar,"]),
            NameSelection::Names(vec![name("foo-bar"), name("baz")])
        );
        assert_eq!(parse(&["foo", ":all:", "bar"]), NameSelection::All);
        assert_eq!(
            parse(&[":all:,foo,:none:,bar"]),
            NameSelection::Names(vec![name("bar")])
        );
        assert_eq!(parse(&["foo", ":none:"]), NameSelection::None);
        let err = NameSelection::parse(&["foo,-x".to_string()]).unwrap_err();
        assert_eq!(err.item, "-x");
        assert!(err.to_string().contains("`-x` in `foo,-x`"), "{err}");
    }

    #[test]
    fn explicit_names_beat_all_on_the_other_side() {
        let policy = BinaryPolicy {
            no_binary: parse(&["foo"]),
            only_binary: parse(&[":all:"]),
            prefer_binary: false,
        };
        assert!(!policy.allows_wheel(&name("foo")) && policy.allows_sdist(&name("foo")));
        assert!(policy.allows_wheel(&name("bar")) && !policy.allows_sdist(&name("bar")));
        let both = BinaryPolicy {
            no_binary: parse(&["foo"]),
            only_binary: parse(&["foo"]),
            prefer_binary: false,
        };
        assert!(!both.allows_wheel(&name("foo")) && !both.allows_sdist(&name("foo")));
        let default = BinaryPolicy::default();
        assert!(default.allows_wheel(&name("foo")) && default.allows_sdist(&name("foo")));
    }
}
