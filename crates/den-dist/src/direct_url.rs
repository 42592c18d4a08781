//! `direct_url.json`: where a distribution installed from a URL or a local path came from
//! (PEP 610; PyPA "Direct URL Data Structure" specification), and the `pip freeze` line it
//! turns into.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use crate::HashDigest;

/// The content of a `direct_url.json` (PEP 610): the URL a distribution was installed from,
/// what kind of thing it pointed at, and the subdirectory of the project inside it.
///
/// Serde reads and writes the specification's JSON object (`url`, optional `subdirectory`,
/// and exactly one of `archive_info`, `dir_info`, `vcs_info`); serializing redacts the URL's
/// credentials ([`DirectUrl::redacted_url`]). [`DirectUrl::to_json`] writes the exact text
/// pip writes, [`DirectUrl::from_json`] validates like pip.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "RawDirectUrl", into = "RawDirectUrl")]
pub struct DirectUrl {
    /// The URL as the user gave it, without the VCS prefix (`git+`), the `@revision` or any
    /// fragment: `https://host/x.whl`, `file:///abs/dir`, `https://github.com/o/r.git`.
    /// Credentials are removed when written ([`DirectUrl::redacted_url`]).
    pub url: String,
    /// The project's directory inside the archive, directory or repository, relative to its
    /// root, `/`-separated (from a `#subdirectory=` fragment).
    pub subdirectory: Option<String>,
    /// What the URL points at.
    pub info: DirectUrlInfo,
}

/// What a [`DirectUrl`] points at: exactly one of the specification's three keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectUrlInfo {
    /// `archive_info`: a wheel or source archive file.
    Archive(ArchiveInfo),
    /// `dir_info`: a local directory.
    Dir(DirInfo),
    /// `vcs_info`: a version control repository.
    Vcs(VcsInfo),
}

/// `archive_info` of a [`DirectUrl`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ArchiveInfo {
    /// The deprecated single hash, `<algorithm>=<hex>` (`sha256=9f2c...`); still written
    /// (pip writes both) because pip's freeze reads only this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// Hex digests of the archive by `hashlib` algorithm name (`{"sha256": "9f2c..."}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hashes: BTreeMap<String, String>,
}

impl ArchiveInfo {
    /// Both forms for one digest, as pip writes them: `hash` = `sha256=<hex>` and `hashes` =
    /// `{"sha256": "<hex>"}`.
    pub fn from_digest(digest: &HashDigest) -> Self {
        Self {
            hash: Some(digest.to_string()),
            hashes: BTreeMap::from([(digest.algorithm.as_str().to_string(), digest.hex.clone())]),
        }
    }
}

/// `dir_info` of a [`DirectUrl`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DirInfo {
    /// Whether the directory was installed in editable mode (PEP 660); written only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub editable: bool,
}

/// `vcs_info` of a [`DirectUrl`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VcsInfo {
    /// The VCS: `git`, `hg`, `bzr` or `svn`.
    pub vcs: String,
    /// The exact commit (revision) that was installed.
    pub commit_id: String,
    /// The revision the user asked for (branch, tag, ref), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_revision: Option<String>,
}

/// The JSON object as the specification lays it out, validated into a [`DirectUrl`].
#[derive(serde::Serialize, serde::Deserialize)]
struct RawDirectUrl {
    url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subdirectory: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    archive_info: Option<ArchiveInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dir_info: Option<DirInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    vcs_info: Option<VcsInfo>,
}

impl TryFrom<RawDirectUrl> for DirectUrl {
    type Error = String;

    fn try_from(raw: RawDirectUrl) -> Result<Self, String> {
        let info = match (raw.archive_info, raw.dir_info, raw.vcs_info) {
            (Some(archive), None, None) => {
                if let Some(hash) = &archive.hash
                    && !hash.contains('=')
                {
                    return Err(format!(
                        "archive_info.hash `{hash}` is not of the form <algorithm>=<hex>"
                    ));
                }
                DirectUrlInfo::Archive(archive)
            }
            (None, Some(dir), None) => DirectUrlInfo::Dir(dir),
            (None, None, Some(vcs)) => DirectUrlInfo::Vcs(vcs),
            (None, None, None) => {
                return Err("it has none of archive_info, dir_info, vcs_info".to_string());
            }
            _ => {
                return Err("it has more than one of archive_info, dir_info, vcs_info".to_string());
            }
        };
        Ok(Self {
            url: raw.url,
            subdirectory: raw.subdirectory,
            info,
        })
    }
}

impl From<DirectUrl> for RawDirectUrl {
    fn from(direct: DirectUrl) -> Self {
        let url = direct.redacted_url();
        let (mut archive_info, mut dir_info, mut vcs_info) = (None, None, None);
        match direct.info {
            DirectUrlInfo::Archive(info) => archive_info = Some(info),
            DirectUrlInfo::Dir(info) => dir_info = Some(info),
            DirectUrlInfo::Vcs(info) => vcs_info = Some(info),
        }
        Self {
            url,
            subdirectory: direct.subdirectory,
            archive_info,
            dir_info,
            vcs_info,
        }
    }
}

/// A `direct_url.json` that does not follow PEP 610.
#[derive(Debug, thiserror::Error)]
#[error("invalid direct_url.json (PEP 610): {0}")]
pub struct DirectUrlError(String);

impl DirectUrl {
    /// An archive (wheel or source distribution file) at `url`; `hash`, if given, is
    /// `<algorithm>=<hex>` (`sha256=9f2c...`) and is recorded in both `archive_info.hash` and
    /// `archive_info.hashes`, as pip does ([`ArchiveInfo::from_digest`]); a `hash` without
    /// `=` is not recorded.
    pub fn archive(url: impl Into<String>, hash: Option<String>) -> Self {
        let info = hash
            .and_then(|hash| {
                let (algorithm, hex) = hash.split_once('=')?;
                let hashes = BTreeMap::from([(algorithm.to_string(), hex.to_string())]);
                Some(ArchiveInfo {
                    hash: Some(hash),
                    hashes,
                })
            })
            .unwrap_or_default();
        Self {
            url: url.into(),
            subdirectory: None,
            info: DirectUrlInfo::Archive(info),
        }
    }

    /// A local directory, `url` being its `file://` URL (no trailing slash, as pip writes
    /// it), installed in editable mode or not.
    pub fn directory(url: impl Into<String>, editable: bool) -> Self {
        Self {
            url: url.into(),
            subdirectory: None,
            info: DirectUrlInfo::Dir(DirInfo { editable }),
        }
    }

    /// A checkout of repository `url` (without the `git+` prefix, `@revision` or fragment)
    /// of version control system `vcs` (`git`) at `commit_id`, the user having asked for
    /// `requested_revision` (branch, tag or commit) if anything, with the project in
    /// `subdirectory` of the repository if given.
    pub fn vcs(
        url: impl Into<String>,
        vcs: &str,
        commit_id: impl Into<String>,
        requested_revision: Option<String>,
        subdirectory: Option<String>,
    ) -> Self {
        Self {
            url: url.into(),
            subdirectory,
            info: DirectUrlInfo::Vcs(VcsInfo {
                vcs: vcs.to_string(),
                commit_id: commit_id.into(),
                requested_revision,
            }),
        }
    }

    /// Parses `direct_url.json` text. Unknown keys are ignored (the deprecated
    /// `resolved_revision` of old pips among them).
    ///
    /// Errors: not JSON, no string `url`, not exactly one of `archive_info` / `dir_info` /
    /// `vcs_info`, a `vcs_info` without `vcs` or `commit_id`, a field of the wrong type, or an
    /// `archive_info.hash` without `=`.
    pub fn from_json(text: &str) -> Result<Self, DirectUrlError> {
        serde_json::from_str(text).map_err(|e| DirectUrlError(e.to_string()))
    }

    /// The JSON text to write, byte for byte what pip writes: keys sorted, `", "` and `": "`
    /// separators, non-ASCII characters escaped as `\uXXXX`, no trailing newline, and the URL
    /// redacted ([`DirectUrl::redacted_url`]).
    pub fn to_json(&self) -> String {
        let value = serde_json::to_value(self)
            .unwrap_or_else(|e| unreachable!("a DirectUrl always converts to JSON: {e}"));
        let mut out = String::new();
        write_python_json(&value, &mut out);
        out
    }

    /// [`DirectUrl::url`] without credentials, as PEP 610 requires: the userinfo
    /// (`user:password@`) is dropped, except a bare `git` user of a git URL
    /// (`ssh://git@github.com/...`) and `${VAR}` or `${VAR}:${VAR}` environment variable
    /// references, which the specification allows.
    pub fn redacted_url(&self) -> String {
        let Some(scheme_end) = self.url.find("://") else {
            return self.url.clone();
        };
        let start = scheme_end + 3;
        let authority_len = self.url[start..]
            .find(['/', '?', '#'])
            .unwrap_or(self.url.len() - start);
        let authority = &self.url[start..start + authority_len];
        let Some(at) = authority.rfind('@') else {
            return self.url.clone();
        };
        let userinfo = &authority[..at];
        let git_user =
            userinfo == "git" && matches!(&self.info, DirectUrlInfo::Vcs(vcs) if vcs.vcs == "git");
        if git_user || is_env_var_userinfo(userinfo) {
            return self.url.clone();
        }
        format!("{}{}", &self.url[..start], &self.url[start + at + 1..])
    }

    /// Whether this is an editable install of a local directory (`dir_info.editable`).
    pub fn is_editable(&self) -> bool {
        matches!(&self.info, DirectUrlInfo::Dir(DirInfo { editable: true }))
    }

    /// The local path of a `file:` URL (`file:///abs/dir`, `file://localhost/abs/dir`),
    /// percent-decoded; `None` for other schemes and remote hosts.
    pub fn local_path(&self) -> Option<PathBuf> {
        let rest = self.url.strip_prefix("file://")?;
        let path = rest.strip_prefix("localhost").unwrap_or(rest);
        if !path.starts_with('/') {
            return None;
        }
        let bytes = percent_decode(path);
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStringExt;
            Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
        }
        #[cfg(not(unix))]
        Some(PathBuf::from(String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// The requirement `pip freeze` prints for this install of project `name` (pip 21.1 to
    /// 25): `name @ <url>` with a PEP 440 direct reference for archives
    /// (`name @ https://host/x.whl#sha256=<hex>`, the fragment only when the legacy
    /// `archive_info.hash` is present), non-editable directories (`name @ file:///abs/dir`)
    /// and VCS checkouts (`name @ git+https://host/repo@<commit_id>`); a `subdirectory` adds
    /// `subdirectory=<dir>` to the fragment (after the hash, joined with `&`). An editable
    /// directory is `-e /abs/dir` (the `file:` URL as a path, or the URL itself when it is
    /// not a local `file:` URL); pip additionally prints a comment line before it, and an
    /// editable directory inside a VCS checkout as `-e git+<remote>@<commit>#egg=<name>`,
    /// which needs the file system (see den-install's `InstalledDist::freeze_line`).
    pub fn freeze_line(&self, name: &str) -> String {
        let url = self.redacted_url();
        let mut fragments = Vec::new();
        let reference = match &self.info {
            DirectUrlInfo::Dir(DirInfo { editable: true }) => {
                return match self.local_path() {
                    Some(path) => format!("-e {}", path.display()),
                    None => format!("-e {url}"),
                };
            }
            DirectUrlInfo::Dir(_) => url,
            DirectUrlInfo::Archive(archive) => {
                fragments.extend(archive.hash.clone());
                url
            }
            DirectUrlInfo::Vcs(vcs) => format!("{}+{url}@{}", vcs.vcs, vcs.commit_id),
        };
        if let Some(subdirectory) = &self.subdirectory {
            fragments.push(format!("subdirectory={subdirectory}"));
        }
        let mut line = format!("{name} @ {reference}");
        if !fragments.is_empty() {
            line.push('#');
            line.push_str(&fragments.join("&"));
        }
        line
    }
}

/// `${VAR}` or `${VAR}:${VAR}`, `VAR` of `[A-Za-z0-9-_]+` (PEP 610 §Specification).
fn is_env_var_userinfo(userinfo: &str) -> bool {
    let is_var = |part: &str| {
        part.strip_prefix("${")
            .and_then(|p| p.strip_suffix('}'))
            .is_some_and(|name| {
                !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
    };
    match userinfo.split_once(':') {
        Some((user, password)) => is_var(user) && is_var(password),
        None => is_var(userinfo),
    }
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits stays as it is.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Writes `value` as Python's `json.dumps(value, sort_keys=True)` does.
fn write_python_json(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_python_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_python_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_python_string(key, out);
                out.push_str(": ");
                write_python_json(item, out);
            }
            out.push('}');
        }
    }
}

/// Appends `s` as a JSON string the way Python's `json` writes it with `ensure_ascii=True`
/// (its default): `"` `\\` and `\n \r \t \b \f` escaped by name, everything else outside
/// `' '..='~'` (DEL and non-ASCII included) as UTF-16 `\uXXXX` units.
pub fn write_python_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(url: &str, hash: Option<&str>) -> DirectUrl {
        let direct = DirectUrl::archive(url, hash.map(str::to_string));
        if let Some(hash) = hash {
            let digest = ArchiveInfo::from_digest(&hash.parse().unwrap());
            assert_eq!(direct.info, DirectUrlInfo::Archive(digest));
        }
        direct
    }

    fn vcs(url: &str) -> DirectUrl {
        DirectUrl::vcs(
            url,
            "git",
            "7921be1537eac1e97bc40179a57f0349c2aee67d",
            Some("main".to_string()),
            Some("sub/dir".to_string()),
        )
    }

    #[test]
    fn writes_what_pip_writes() {
        // Text pip 24.2 wrote for `pip install file:///tmp/i3exp/demo-1.0-py3-none-any.whl`.
        let pip = r#"{"archive_info": {"hash": "sha256=09e652ba2f813c74fc9892b30edd22058d7a66676c33d660b2cace14e9e30cad", "hashes": {"sha256": "09e652ba2f813c74fc9892b30edd22058d7a66676c33d660b2cace14e9e30cad"}}, "url": "file:///tmp/i3exp/demo-1.0-py3-none-any.whl"}"#;
        let direct = archive(
            "file:///tmp/i3exp/demo-1.0-py3-none-any.whl",
            Some("sha256=09e652ba2f813c74fc9892b30edd22058d7a66676c33d660b2cace14e9e30cad"),
        );
        assert_eq!(direct.to_json(), pip);
        assert_eq!(DirectUrl::from_json(pip).unwrap(), direct);

        let dir = DirectUrl {
            url: "file:///src/caf%C3%A9".to_string(),
            subdirectory: None,
            info: DirectUrlInfo::Dir(DirInfo { editable: true }),
        };
        assert_eq!(
            dir.to_json(),
            r#"{"dir_info": {"editable": true}, "url": "file:///src/caf%C3%A9"}"#
        );
        let plain_dir = DirectUrl {
            info: DirectUrlInfo::Dir(DirInfo::default()),
            url: "file:///src/\u{e9}\u{1f600}".to_string(),
            ..dir.clone()
        };
        assert_eq!(
            plain_dir.to_json(),
            r#"{"dir_info": {}, "url": "file:///src/\u00e9\ud83d\ude00"}"#
        );
        assert_eq!(
            DirectUrl::from_json(&plain_dir.to_json()).unwrap(),
            plain_dir
        );
        assert_eq!(
            vcs("https://github.com/o/r.git").to_json(),
            r#"{"subdirectory": "sub/dir", "url": "https://github.com/o/r.git", "vcs_info": {"commit_id": "7921be1537eac1e97bc40179a57f0349c2aee67d", "requested_revision": "main", "vcs": "git"}}"#
        );
        assert_eq!(
            archive("https://h/x.tar.gz", None).to_json(),
            r#"{"archive_info": {}, "url": "https://h/x.tar.gz"}"#
        );
    }

    #[test]
    fn validates_like_pip() {
        for bad in [
            "[]",
            "{}",
            r#"{"url": 1, "dir_info": {}}"#,
            r#"{"url": "file:///x"}"#,
            r#"{"url": "file:///x", "dir_info": {}, "archive_info": {}}"#,
            r#"{"url": "https://g/r", "vcs_info": {"vcs": "git"}}"#,
            r#"{"url": "https://h/x.whl", "archive_info": {"hash": "nohash"}}"#,
            r#"{"url": "file:///x", "dir_info": {"editable": "yes"}}"#,
        ] {
            let err = DirectUrl::from_json(bad).unwrap_err();
            assert!(
                err.to_string().starts_with("invalid direct_url.json"),
                "{err}"
            );
        }
        let old = r#"{"url": "https://g/r", "vcs_info": {"vcs": "git", "commit_id": "abc", "resolved_revision": "abc"}}"#;
        assert!(DirectUrl::from_json(old).is_ok());
    }

    #[test]
    fn credentials_are_removed_except_git_user_and_variables() {
        let cases = [
            (
                archive("https://user:pw@host/x.whl", None),
                "https://host/x.whl",
            ),
            (
                archive("https://token@host/x.whl", None),
                "https://host/x.whl",
            ),
            (
                archive("https://git@host/x.whl", None),
                "https://host/x.whl",
            ),
            (
                archive("https://${USER}:${PASS}@host/x.whl", None),
                "https://${USER}:${PASS}@host/x.whl",
            ),
            (
                vcs("ssh://git@github.com/o/r.git"),
                "ssh://git@github.com/o/r.git",
            ),
            (
                vcs("https://tok:x-oauth@github.com/o/r.git"),
                "https://github.com/o/r.git",
            ),
            (
                archive("https://host/a@b.whl", None),
                "https://host/a@b.whl",
            ),
        ];
        for (direct, expected) in cases {
            assert_eq!(direct.redacted_url(), expected);
            assert!(direct.to_json().contains(expected), "{}", direct.to_json());
        }
    }

    #[test]
    fn freeze_lines_follow_pip() {
        assert_eq!(
            archive("https://host/x-1.0-py3-none-any.whl", None).freeze_line("X"),
            "X @ https://host/x-1.0-py3-none-any.whl"
        );
        assert_eq!(
            archive("file:///w/x.whl", Some("sha256=ab")).freeze_line("X"),
            "X @ file:///w/x.whl#sha256=ab"
        );
        let only_hashes = DirectUrl::from_json(
            r#"{"url": "https://h/x.whl", "archive_info": {"hashes": {"sha256": "ab"}}}"#,
        )
        .unwrap();
        assert_eq!(only_hashes.freeze_line("x"), "x @ https://h/x.whl");
        assert_eq!(
            vcs("https://u:p@github.com/o/r.git").freeze_line("R"),
            "R @ git+https://github.com/o/r.git@7921be1537eac1e97bc40179a57f0349c2aee67d#subdirectory=sub/dir"
        );
        let dir = DirectUrl {
            url: "file:///src/my%20proj".to_string(),
            subdirectory: None,
            info: DirectUrlInfo::Dir(DirInfo::default()),
        };
        assert_eq!(dir.freeze_line("p"), "p @ file:///src/my%20proj");
        let editable = DirectUrl {
            info: DirectUrlInfo::Dir(DirInfo { editable: true }),
            ..dir
        };
        assert!(editable.is_editable());
        assert_eq!(editable.freeze_line("p"), "-e /src/my proj");
        assert_eq!(
            DirectUrl {
                url: "file://localhost/a%2".to_string(),
                ..editable.clone()
            }
            .local_path(),
            Some(PathBuf::from("/a%2"))
        );
        assert_eq!(
            DirectUrl {
                url: "file://server/share".to_string(),
                ..editable
            }
            .freeze_line("p"),
            "-e file://server/share"
        );
    }
}
