//! Hiding credentials embedded in URLs before text is shown to a person.

use std::borrow::Cow;

/// The replacement for a hidden password or token.
const MASK: &str = "****";

/// Hides the credentials of every `scheme://user[:password]@host` occurrence in `text`, which
/// may be any text (an error message, a requirement line, a URL that failed to parse):
///
/// - `https://alice:s3cret@host/` becomes `https://alice:****@host/` (the username stays, so
///   the user can tell which account was used);
/// - `https://TOKEN@host/`, a username without a password, is usually an access token, so it
///   becomes `https://****@host/`.
///
/// The userinfo (RFC 3986 §3.2.1) is what lies between `://` and the last `@` before the end
/// of the authority, which ends at `/`, `?`, `#`, whitespace or a quote. Text without
/// credentials is returned borrowed and unchanged. Pure; never fails.
pub fn redact_credentials(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    // `text[..copied]` is already in `out` (or needs no change when `out` stays empty).
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = text[search..].find("://") {
        let start = search + found + 3;
        let authority_len = text[start..]
            .find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'' | '`') || c.is_whitespace())
            .unwrap_or(text.len() - start);
        let authority = &text[start..start + authority_len];
        search = start + authority_len;
        let Some(at) = authority.rfind('@') else {
            continue;
        };
        let userinfo = &authority[..at];
        let shown_user = match userinfo.split_once(':') {
            Some((user, _password)) => Some(user),
            None if userinfo.is_empty() => continue,
            None => None,
        };
        out.push_str(&text[copied..start]);
        if let Some(user) = shown_user {
            out.push_str(user);
            out.push(':');
        }
        out.push_str(MASK);
        copied = start + at;
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_passwords_and_lone_tokens() {
        assert_eq!(
            redact_credentials("https://alice:s3cret@example.com/simple/"),
            "https://alice:****@example.com/simple/"
        );
        assert_eq!(
            redact_credentials("https://ghp_TOKEN@example.com/"),
            "https://****@example.com/"
        );
        assert_eq!(redact_credentials("http://:pw@host"), "http://:****@host");
        // The last `@` of the authority ends the userinfo, even with an unescaped `@` inside.
        assert_eq!(
            redact_credentials("https://u:p@ss@host/x@y"),
            "https://u:****@host/x@y"
        );
    }

    #[test]
    fn redacts_every_occurrence_in_free_text() {
        let text = "`foo @ https://alice:s3cretTOKEN@host/foo.whl`, also git+https://tok@h?x=1 and 'ftp://u:v@w'";
        assert_eq!(
            redact_credentials(text),
            "`foo @ https://alice:****@host/foo.whl`, also git+https://****@h?x=1 and 'ftp://u:****@w'"
        );
    }

    #[test]
    fn leaves_text_without_credentials_borrowed() {
        for text in [
            "",
            "pkg>=1.0",
            "https://example.com/simple/ user@example.org",
            "https://example.com/a@b",
            "weird :// @ text",
            "https://@host/",
        ] {
            assert!(
                matches!(redact_credentials(text), Cow::Borrowed(t) if t == text),
                "{text}"
            );
        }
    }
}
