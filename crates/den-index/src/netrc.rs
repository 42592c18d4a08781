//! `~/.netrc` credentials (the format of ftp(1)/curl: `machine <host> login <user> password
//! <secret>`, plus a `default` entry), used for index hosts whose URL carries no credentials.

use std::path::{Path, PathBuf};

use den_dist::IoError;

use crate::IndexError;

/// Parsed netrc entries.
#[derive(Clone, Default)]
pub struct Netrc {
    /// `(machine, login, password)`; `machine` is `None` for the `default` entry.
    entries: Vec<(Option<String>, String, Option<String>)>,
}

impl std::fmt::Debug for Netrc {
    /// Lists machines only; never prints logins or passwords.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let machines: Vec<&str> = self
            .entries
            .iter()
            .map(|(m, _, _)| m.as_deref().unwrap_or("default"))
            .collect();
        f.debug_struct("Netrc")
            .field("machines", &machines)
            .finish()
    }
}

impl Netrc {
    /// Parses netrc text. Tokens are whitespace-separated; `macdef` bodies (up to a blank line)
    /// are skipped; unknown tokens are ignored, as curl does. Kept by hand: the netrc crates
    /// (`netrc` 0.4, `rust-netrc` 0.1) are small single-author releases, not better kept than
    /// these lines.
    pub fn parse(text: &str) -> Self {
        let mut entries = Vec::new();
        let mut current: Option<(Option<String>, Option<String>, Option<String>)> = None;
        let mut tokens = Tokens {
            lines: text.lines(),
            line: "".split_whitespace(),
        };
        while let Some(token) = tokens.next() {
            match token {
                "machine" | "default" => {
                    if let Some((machine, Some(login), password)) = current.take() {
                        entries.push((machine, login, password));
                    }
                    let machine = match token {
                        "machine" => tokens.next().map(str::to_string),
                        _ => None,
                    };
                    current = Some((machine, None, None));
                }
                "login" | "password" => {
                    let value = tokens.next().map(str::to_string);
                    if let Some((_, login, password)) = current.as_mut() {
                        *(if token == "login" { login } else { password }) = value;
                    }
                }
                "account" => {
                    tokens.next();
                }
                "macdef" => tokens.skip_macro(),
                _ => {}
            }
        }
        if let Some((machine, Some(login), password)) = current {
            entries.push((machine, login, password));
        }
        Self { entries }
    }

    /// Reads the netrc file named by `NETRC`, else `~/.netrc`; `None` if it does not exist.
    ///
    /// Errors: [`IndexError::Io`] if the file exists but cannot be read.
    pub fn from_env() -> Result<Option<Self>, IndexError> {
        let path = std::env::var_os("NETRC")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".netrc")));
        match path {
            Some(path) => Self::read(&path),
            None => Ok(None),
        }
    }

    /// Reads the netrc file at `path`; `None` if it does not exist.
    ///
    /// Errors: [`IndexError::Io`] if it exists but cannot be read.
    pub fn read(path: &Path) -> Result<Option<Self>, IndexError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some(Self::parse(&text))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(IoError::new("read", path, e).into()),
        }
    }

    /// The `(login, password)` for `host`: its `machine` entry, else the `default` entry.
    pub fn lookup(&self, host: &str) -> Option<(&str, Option<&str>)> {
        self.entries
            .iter()
            .find(|(m, _, _)| m.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(host)))
            .or_else(|| self.entries.iter().find(|(m, _, _)| m.is_none()))
            .map(|(_, login, password)| (login.as_str(), password.as_deref()))
    }
}

/// The whitespace-separated tokens of netrc text, line by line.
struct Tokens<'a> {
    lines: std::str::Lines<'a>,
    /// The rest of the current line.
    line: std::str::SplitWhitespace<'a>,
}

impl<'a> Tokens<'a> {
    /// The next token, across line breaks.
    fn next(&mut self) -> Option<&'a str> {
        loop {
            if let Some(token) = self.line.next() {
                return Some(token);
            }
            self.line = self.lines.next()?.split_whitespace();
        }
    }

    /// Skips a `macdef`: the rest of its line and the body up to the next blank line.
    fn skip_macro(&mut self) {
        self.line = "".split_whitespace();
        for line in self.lines.by_ref() {
            if line.trim().is_empty() {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_machines_and_default() {
        let netrc = Netrc::parse(
            "machine a.example login alice password s1\n\
             macdef init\ncd /\nmachine fake login x\n\n\
             machine b.example\n  login bob\n  account acct\n  password s2\n\
             default login anon password none\n",
        );
        assert_eq!(netrc.lookup("a.example"), Some(("alice", Some("s1"))));
        assert_eq!(netrc.lookup("B.example"), Some(("bob", Some("s2"))));
        assert_eq!(netrc.lookup("fake"), Some(("anon", Some("none"))));
        assert!(!format!("{netrc:?}").contains("s1"));
        assert!(Netrc::parse("machine x password p").lookup("x").is_none());
    }
}
