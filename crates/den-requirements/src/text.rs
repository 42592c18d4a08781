//! The lexical layer of requirements files: line continuations, comments, `${VAR}` expansion
//! and the shell-like splitting of option text (pip's "Requirements File Format" §Structure).

/// Joins `\`-continued lines; yields `(first physical line number, joined text)`. A UTF-8 byte
/// order mark at the start is dropped.
pub(crate) fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let (start, mut buffer) = current.take().unwrap_or((index + 1, String::new()));
        // A comment line ends a continuation (as pip does), so a trailing `\` in a comment is inert.
        let is_comment = strip_comment(raw).trim().is_empty() && !raw.trim().is_empty();
        match raw.strip_suffix('\\') {
            Some(head) if !is_comment => {
                buffer.push_str(head);
                current = Some((start, buffer));
            }
            _ => {
                buffer.push_str(raw);
                lines.push((start, buffer));
            }
        }
    }
    if let Some(last) = current {
        lines.push(last);
    }
    lines
}

/// Cuts a comment: `#` at the start of the line or preceded by whitespace (so `#sha256=` and
/// `#egg=` inside URLs are kept).
pub fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

/// Replaces `${NAME}` (NAME of `A-Z`, `0-9`, `_`) by the environment variable's value when
/// it is set; anything else is left as written, like pip.
pub(crate) fn expand_env(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let name_len = after
            .bytes()
            .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
            .count();
        let value = (name_len > 0 && after[name_len..].starts_with('}'))
            .then(|| std::env::var(&after[..name_len]).ok())
            .flatten();
        match value {
            Some(value) => {
                out.push_str(&value);
                rest = &after[name_len + 1..];
            }
            None => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Splits a line into its requirement part and its options part, the way pip does: the
/// requirement is every whitespace-separated token before the first one starting with `-`.
pub(crate) fn split_requirement_and_options(line: &str) -> (String, &str) {
    let mut rest = line.trim_start();
    let mut requirement = Vec::new();
    while let Some(token) = rest.split_whitespace().next() {
        if token.starts_with('-') {
            break;
        }
        requirement.push(token);
        rest = rest[token.len()..].trim_start();
    }
    (requirement.join(" "), rest)
}

/// Splits option text into words like a POSIX shell, as pip does with `shlex.split` (the
/// shlex crate): whitespace separates words, single quotes keep everything literally, double
/// quotes keep everything but backslash escapes, and a backslash outside quotes escapes the
/// next character.
///
/// Errors: `Err(())` when a quote is not closed or the text ends in a lone backslash.
pub(crate) fn shell_words(text: &str) -> Result<Vec<String>, ()> {
    shlex::split(text).ok_or(())
}

/// Splits one option word into the option and an attached value: `--opt=value`, `-ovalue`
/// (a short option with its value attached, as optparse allows) and `-o=value` (where optparse
/// would read the value `=value`; den drops the `=`, no option value starts with one).
/// `--opt` and `-o` give `None`.
pub(crate) fn split_attached(word: &str) -> (&str, Option<&str>) {
    if word.starts_with("--") {
        return match word.split_once('=') {
            Some((option, value)) => (option, Some(value)),
            None => (word, None),
        };
    }
    match word.char_indices().nth(2) {
        Some((cut, _)) => {
            let value = &word[cut..];
            (&word[..cut], Some(value.strip_prefix('=').unwrap_or(value)))
        }
        None => (word, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_hash_fragments_that_are_not_comments() {
        assert_eq!(
            strip_comment("x @ https://h/x.whl#sha256=ab # c"),
            "x @ https://h/x.whl#sha256=ab "
        );
        assert_eq!(strip_comment("#all"), "");
    }

    #[test]
    #[allow(unsafe_code)] // std::env::set_var
    fn expands_braced_environment_variables_only() {
        // SAFETY: the variable name is unique to this test; no other thread reads it.
        unsafe { std::env::set_var("DEN_REQ_TEST_VERSION", "1.2") };
        assert_eq!(expand_env("pkg==${DEN_REQ_TEST_VERSION}"), "pkg==1.2");
        assert_eq!(
            expand_env("a $HOME ${lower} ${DEN_REQ_UNSET_X}"),
            "a $HOME ${lower} ${DEN_REQ_UNSET_X}"
        );
    }

    #[test]
    fn joins_continuations_and_drops_bom() {
        let lines = logical_lines("\u{feff}a \\\nb\n# c \\\nd\n");
        assert_eq!(
            lines,
            [
                (1, "a b".to_string()),
                (3, "# c \\".into()),
                (4, "d".into())
            ]
        );
    }

    #[test]
    fn splits_requirement_from_options() {
        assert_eq!(
            split_requirement_and_options("  foo >= 1 ;  python_version > '3'   --hash=a -x"),
            ("foo >= 1 ; python_version > '3'".to_string(), "--hash=a -x")
        );
        assert_eq!(
            split_requirement_and_options("-e ./x"),
            (String::new(), "-e ./x")
        );
    }

    #[test]
    fn splits_words_like_a_shell() {
        assert_eq!(
            shell_words(r#"-i 'https://x y' --a="b \"c\"" d\ e"#).unwrap(),
            ["-i", "https://x y", r#"--a=b "c""#, "d e"]
        );
        assert_eq!(shell_words("''").unwrap(), [""]);
        assert!(shell_words("'open").is_err());
        assert_eq!(split_attached("-rfile.txt"), ("-r", Some("file.txt")));
        assert_eq!(split_attached("-e."), ("-e", Some(".")));
        assert_eq!(split_attached("--pre"), ("--pre", None));
        assert_eq!(
            split_attached("--index-url=x=y"),
            ("--index-url", Some("x=y"))
        );
        assert_eq!(split_attached("-r"), ("-r", None));
        assert_eq!(split_attached("-i=https://x"), ("-i", Some("https://x")));
    }
}
