//! PEP 723 inline script metadata: the `# /// script` block of a Python script, whose
//! `dependencies` pip's `--requirements-from-script FILE` installs.

use std::path::Path;

use crate::RequirementsError;

/// A script's `script` metadata block (PEP 723 §Specification): the requirements it needs and
/// the Pythons it runs on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptMetadata {
    /// `dependencies`: PEP 508 requirement strings, in order.
    pub dependencies: Vec<String>,
    /// `requires-python`: a PEP 440 specifier set, as written.
    pub requires_python: Option<String>,
}

/// Reads the `script` metadata block of the script at `path`.
///
/// Errors: [`RequirementsError::ScriptMetadata`] when the file cannot be read, has no `script`
/// block or more than one, the block is not valid TOML, or `dependencies` / `requires-python`
/// are not what PEP 723 says (an array of strings, a string).
pub fn script_metadata(path: &Path) -> Result<ScriptMetadata, RequirementsError> {
    let fail = |message: String| RequirementsError::ScriptMetadata {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot be read: {e}")))?;
    script_metadata_in(&text).map_err(fail)
}

/// As [`script_metadata`], for the script's text; the error is the message alone.
pub fn script_metadata_in(text: &str) -> Result<ScriptMetadata, String> {
    let mut blocks = blocks(text).filter(|(kind, _)| *kind == "script");
    let Some((_, content)) = blocks.next() else {
        return Err("has no `# /// script` metadata block (PEP 723)".into());
    };
    if blocks.next().is_some() {
        return Err("has more than one `# /// script` block (PEP 723 allows one)".into());
    }
    let table: toml::Table = content.parse().map_err(|e: toml::de::Error| {
        format!(
            "its `# /// script` block is not valid TOML: {}",
            e.message()
        )
    })?;
    let dependencies = match table.get("dependencies") {
        None => Vec::new(),
        Some(toml::Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                toml::Value::String(text) => Ok(text.clone()),
                other => Err(format!(
                    "`dependencies` holds {other}, not a requirement string"
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("`dependencies` is not an array of strings".into()),
    };
    let requires_python = match table.get("requires-python") {
        None => None,
        Some(toml::Value::String(text)) => Some(text.clone()),
        Some(_) => return Err("`requires-python` is not a string".into()),
    };
    Ok(ScriptMetadata {
        dependencies,
        requires_python,
    })
}

/// The metadata blocks of `text` as PEP 723's reference regular expression finds them:
/// `# /// TYPE` (TYPE of ASCII letters, digits and `-`), then at least one comment line (`#`
/// alone or `# ` and text), up to the last `# ///` line of that run of comment lines; each
/// block's type and content (the comment lines without their `# ` or `#`). A start line
/// without such a closing line is no block, and the search goes on at the next line.
fn blocks(text: &str) -> impl Iterator<Item = (&str, String)> {
    // `lines` also ends a line at `\r\n`, as Python's text mode (which pip reads in) does.
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut at = 0;
    while at < lines.len() {
        let kind = lines[at].strip_prefix("# /// ").filter(|kind| {
            !kind.is_empty() && kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        let Some(kind) = kind else {
            at += 1;
            continue;
        };
        let run = lines[at + 1..]
            .iter()
            .take_while(|line| **line == "#" || line.starts_with("# "))
            .count();
        // The closing line, after at least one line of content.
        let closing = (at + 2..at + 1 + run).rev().find(|i| lines[*i] == "# ///");
        match closing {
            Some(closing) => {
                let content: String = lines[at + 1..closing]
                    .iter()
                    .map(|line| format!("{}\n", line.strip_prefix("# ").unwrap_or(&line[1..])))
                    .collect();
                found.push((kind, content));
                at = closing + 1;
            }
            None => at += 1,
        }
    }
    found.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pep_723s_example() {
        let script = "# /// script\n# requires-python = \">=3.11\"\n# dependencies = [\n#   \"requests<3\",\n#   \"rich\",\n# ]\n# ///\n\nimport requests\n";
        assert_eq!(
            script_metadata_in(script),
            Ok(ScriptMetadata {
                dependencies: vec!["requests<3".into(), "rich".into()],
                requires_python: Some(">=3.11".into()),
            })
        );
    }

    #[test]
    fn a_script_saved_with_crlf_line_ends_reads_alike() {
        let script = "# /// script\r\n# dependencies = [\"rich\"]\r\n# ///\r\nimport rich\r\n";
        assert_eq!(
            script_metadata_in(script).map(|m| m.dependencies),
            Ok(vec!["rich".to_string()])
        );
    }

    #[test]
    fn the_block_ends_at_the_last_closing_line_of_its_comments() {
        // Checked against the reference regular expression of PEP 723.
        let script = "# /// script\n# dependencies = [\"a\"]\n# ///\n# a comment\nx = 1\n";
        assert_eq!(
            script_metadata_in(script).map(|m| m.dependencies),
            Ok(vec!["a".to_string()])
        );
        let swallowed = "# /// script\n# dependencies = [\"a\"]\n# ///\n#\n# ///\nx = 1\n";
        assert!(
            script_metadata_in(swallowed)
                .unwrap_err()
                .contains("not valid TOML")
        );
        for none in [
            "# /// script\n# dependencies = [\"a\"]\nx = 1\n",
            "# /// script\n# ///\n",
        ] {
            assert!(
                script_metadata_in(none).unwrap_err().contains("has no"),
                "{none}"
            );
        }
    }

    #[test]
    fn other_blocks_are_skipped_and_two_script_blocks_refused() {
        let other = "# /// tool\n# x = 1\n# ///\n\n# /// script\n# dependencies = []\n# ///\n";
        assert_eq!(script_metadata_in(other), Ok(ScriptMetadata::default()));
        let two = "# /// script\n# x = 1\n# ///\ny = 2\n# /// script\n# x = 1\n# ///";
        assert!(
            script_metadata_in(two)
                .unwrap_err()
                .contains("more than one")
        );
    }

    #[test]
    fn bad_metadata_is_named() {
        let bad = "# /// script\n# dependencies = \"a\"\n# ///\n";
        assert!(
            script_metadata_in(bad)
                .unwrap_err()
                .contains("`dependencies`")
        );
        let not_toml = "# /// script\n# dependencies = [\n# ///\n";
        assert!(
            script_metadata_in(not_toml)
                .unwrap_err()
                .contains("not valid TOML")
        );
    }
}
