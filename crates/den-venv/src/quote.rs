//! Turning arbitrary text into literals of each activation script's language, and reading a
//! POSIX single-quoted word back ([`unquote_posix`]).
//!
//! Every function returns a complete literal (quotes included) that the shell or language reads
//! back as exactly the input text, so paths and prompts may contain spaces, quotes, `$`, `&`,
//! `!`, `%` and non-ASCII letters.

/// A POSIX shell literal (sh, bash, zsh, ksh, dash): single quotes, with each `'` written as
/// `'\''` (POSIX.1-2017 XCU §2.2.2 Single-Quotes).
pub fn posix(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A fish literal: single quotes, in which only `\` and `'` are escaped with a backslash (fish
/// manual §Quotes).
pub fn fish(text: &str) -> String {
    format!("'{}'", text.replace('\\', r"\\").replace('\'', r"\'"))
}

/// Reads one POSIX single-quoted word (`'a'\''b'` = `a'b`) from the start of `text`; returns it
/// and the text after it (leading space dropped). `None` when `text` does not start with a
/// quoted word or the word is not closed.
pub fn unquote_posix(text: &str) -> Option<(String, &str)> {
    let mut word = String::new();
    let mut rest = text.strip_prefix('\'')?;
    loop {
        let end = rest.find('\'')?;
        word.push_str(&rest[..end]);
        rest = &rest[end + 1..];
        // A quote inside the word is written `'\''` or `'"'"'`: both close, add one, reopen.
        match rest
            .strip_prefix(r"\''")
            .or_else(|| rest.strip_prefix("\"'\"'"))
        {
            Some(after) => {
                word.push('\'');
                rest = after;
            }
            None => return Some((word, rest.trim_start())),
        }
    }
}

/// A csh/tcsh literal: single quotes, `'` written as `'\''`, `!` as `\!` (history substitution
/// happens even inside single quotes and in sourced files) and a line break as `\` + newline.
pub(crate) fn csh(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\'' => out.push_str(r"'\''"),
            '!' => out.push_str(r"\!"),
            '\n' => out.push_str("\\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A Nushell raw string `r#'…'#`, with one more `#` than the longest run of `#` that follows a
/// `'` in the text, so nothing inside can close it (Nushell book §Raw strings).
pub(crate) fn nu(text: &str) -> String {
    let mut longest = 0;
    for (index, _) in text.match_indices('\'') {
        let run = text[index + 1..].chars().take_while(|&c| c == '#').count();
        longest = longest.max(run);
    }
    let hashes = "#".repeat(longest + 1);
    format!("r{hashes}'{text}'{hashes}")
}

/// A PowerShell verbatim string: single quotes, in which every single-quote character (ASCII `'`
/// and the typographic U+2018–U+201B, which PowerShell also treats as quotes) is doubled
/// (PowerShell language specification §2.3.5.2).
pub(crate) fn powershell(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A Python 3 string literal: single quotes, with `\`, `'` and control characters escaped;
/// other characters, non-ASCII letters included, are kept as they are (the file is UTF-8, the
/// default source encoding of PEP 3120).
pub(crate) fn python(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '\'' => out.push_str(r"\'"),
            '\n' => out.push_str(r"\n"),
            '\r' => out.push_str(r"\r"),
            '\t' => out.push_str(r"\t"),
            c if c.is_control() => out.push_str(&format!("\\U{:08x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Escapes zsh prompt sequences (`%` becomes `%%`, zsh manual §Prompt Expansion) so the text is
/// shown as it is.
pub(crate) fn zsh_prompt(text: &str) -> String {
    text.replace('%', "%%")
}

/// Escapes ksh prompt history references (`!` becomes `!!`, ksh(1) §PS1) so the text is shown
/// as it is.
pub(crate) fn ksh_prompt(text: &str) -> String {
    text.replace('!', "!!")
}

/// Escapes bash prompt backslash sequences (`\` becomes `\\`, bash(1) §PROMPTING) for a prompt
/// that is decoded but not expanded (`shopt -u promptvars`).
pub(crate) fn bash_prompt_literal(text: &str) -> String {
    text.replace('\\', r"\\")
}

/// Escapes tcsh prompt sequences (`\` becomes `\\`, `%` becomes `%%`, and `!`, the history
/// number, becomes `\!`; tcsh(1) §Special shell variables, `prompt`) so the text is shown as it
/// is.
pub(crate) fn tcsh_prompt(text: &str) -> String {
    text.replace('\\', r"\\")
        .replace('%', "%%")
        .replace('!', r"\!")
}

/// Escapes csh prompt history references (`!` becomes `\!`, csh(1) §prompt) so the text is
/// shown as it is.
pub(crate) fn csh_prompt(text: &str) -> String {
    text.replace('!', r"\!")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_words_for_posix_shells_and_fish() {
        assert_eq!(posix("a b'c"), r"'a b'\''c'");
        assert_eq!(fish(r"a b'c\d"), r"'a b\'c\\d'");
    }

    #[test]
    fn unquotes_posix_words() {
        assert_eq!(
            unquote_posix(r"'it'\''s' rest"),
            Some(("it's".to_string(), "rest"))
        );
        assert_eq!(unquote_posix(r#"'a'"'"'b'"#), Some(("a'b".to_string(), "")));
        assert_eq!(unquote_posix("'open"), None);
        assert_eq!(unquote_posix("bare"), None);
    }

    const NASTY: &str = "my envs/café 'q' \"d\" $x & y ! % \\ #";

    #[test]
    fn posix_quotes_single_quotes() {
        assert_eq!(posix("a'b"), r"'a'\''b'");
        assert_eq!(posix("$x & y"), "'$x & y'");
    }

    #[test]
    fn fish_escapes_backslash_and_quote() {
        assert_eq!(fish(r"a'b\c"), r"'a\'b\\c'");
    }

    #[test]
    fn csh_escapes_history_and_newlines() {
        assert_eq!(csh("a'b!c\nd"), "'a'\\''b\\!c\\\nd'");
    }

    #[test]
    fn nu_raw_string_outlasts_hashes_in_text() {
        assert_eq!(nu("plain"), "r#'plain'#");
        assert_eq!(nu("a'##b"), "r###'a'##b'###");
        assert_eq!(nu(NASTY), format!("r#'{NASTY}'#"));
    }

    #[test]
    fn powershell_doubles_every_quote_kind() {
        assert_eq!(powershell("it's ‘x’"), "'it''s ‘‘x’’'");
    }

    #[test]
    fn python_escapes() {
        assert_eq!(python("a'b\\c\nd\u{7}é"), "'a\\'b\\\\c\\nd\\U00000007é'");
    }

    #[test]
    fn prompt_escapes() {
        assert_eq!(zsh_prompt("100% x"), "100%% x");
        assert_eq!(tcsh_prompt("100%!\\w"), "100%%\\!\\\\w");
        assert_eq!(csh_prompt("a!b"), "a\\!b");
        assert_eq!(ksh_prompt("a!b"), "a!!b");
        assert_eq!(bash_prompt_literal("a\\w"), "a\\\\w");
    }
}
