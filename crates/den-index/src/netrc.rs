//! `~/.netrc` credentials (the format of ftp(1)/curl: `machine <host> login <user> password
//! <secret>`, plus a `default` entry), used for index hosts whose URL carries no credentials.

use std::path::{Path, PathBuf};

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
    /// are skipped; unknown tokens are ignored, as curl does.
    pub fn parse(text: &str) -> Self {
        let mut entries = Vec::new();
        let mut current: Option<(Option<String>, Option<String>, Option<String>)> = None;
        let mut lines = text.lines();
        let mut pending: Vec<String> = Vec::new();
        loop {
            if pending.is_empty() {
                match lines.next() {
                    Some(line) => {
                        pending = line.split_whitespace().rev().map(str::to_string).collect();
                        continue;
                    }
                    None => break,
                }
            }
            let Some(token) = pending.pop() else { continue };
            let mut next = |pending: &mut Vec<String>| -> Option<String> {
                loop {
                    if let Some(t) = pending.pop() {
                        return Some(t);
                    }
                    *pending = lines
                        .next()?
                        .split_whitespace()
                        .rev()
                        .map(str::to_string)
                        .collect();
                }
            };
            match token.as_str() {
                "machine" | "default" => {
                    if let Some((machine, Some(login), password)) = current.take() {
                        entries.push((machine, login, password));
                    }
                    let machine = if token == "machine" {
                        next(&mut pending)
                    } else {
                        None
                    };
                    current = Some((machine, None, None));
                }
                "login" => {
                    let value = next(&mut pending);
                    if let Some(entry) = current.as_mut() {
                        entry.1 = value;
                    }
                }
                "password" => {
                    let value = next(&mut pending);
                    if let Some(entry) = current.as_mut() {
                        entry.2 = value;
                    }
                }
                "account" => {
                    next(&mut pending);
                }
                "macdef" => {
                    pending.clear();
                    for line in lines.by_ref() {
                        if line.trim().is_empty() {
                            break;
                        }
                    }
                }
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
            Err(e) => Err(IndexError::io(path)(e)),
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
