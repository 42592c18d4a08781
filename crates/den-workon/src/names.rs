//! Environment names: what is allowed, and which existing names are close to a mistyped one.

use crate::WorkonError;

/// How many near names an error suggests at most.
const MAX_SUGGESTIONS: usize = 5;

/// Checks `name` can be an environment name: a single directory name in WORKON_HOME. Spaces
/// and any other characters are fine; empty, `.`, `..`, `/`, NUL and line breaks are not
/// (line breaks would break the one-name-per-line listings the shell functions read).
///
/// # Errors
///
/// [`WorkonError::InvalidName`].
pub fn validate_name(name: &str) -> Result<(), WorkonError> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0', '\n', '\r']) {
        return Err(WorkonError::InvalidName {
            name: name.to_string(),
        });
    }
    Ok(())
}

/// The names among `candidates` close to `name`, best first, at most five: those within a
/// case-insensitive edit distance (Levenshtein) of one third of the longer name's length (at
/// least 2), and those containing it or contained in it.
pub fn near_names<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let wanted = name.to_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|candidate| {
            let lower = candidate.to_lowercase();
            let distance = edit_distance(&wanted, &lower);
            let longest = wanted.chars().count().max(lower.chars().count());
            let close = distance <= (longest / 3).max(2);
            let related =
                !wanted.is_empty() && (lower.contains(&wanted) || wanted.contains(&lower));
            (close || related).then_some((distance, candidate))
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, name)| name.to_string())
        .collect()
}

/// The Levenshtein distance between `a` and `b`, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_spaces_are_valid_slashes_are_not() {
        assert!(validate_name("my env").is_ok());
        assert!(validate_name("a.b-c_d").is_ok());
        for bad in ["", ".", "..", "a/b", "/", "a\nb"] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn suggests_close_names_best_first() {
        let names = ["project", "projects", "web", "other", "myproject-api"];
        assert_eq!(near_names("projet", names), ["project", "projects"]);
        assert_eq!(near_names("API", names), ["myproject-api"]);
        assert_eq!(near_names("wbe", names), ["web"]);
        assert!(near_names("zzzzzzzz", names).is_empty());
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
