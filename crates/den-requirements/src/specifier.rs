//! One requirement as pip reads it from a requirements-file line or a `pip install` argument:
//! a PEP 508 specifier, `name @ <url or path>`, a bare URL, a local path, or (with `-e`) a
//! project directory or git URL (pip's "pip install" §Requirement Specifiers, §VCS Support,
//! §Local project installs).
//!
//! Which form a text is, in order:
//! 1. it starts with a URL scheme (`https://`, `git+ssh://`, `file:`): a URL; markers follow
//!    `;` with whitespace next to it; a `file:` URL may end in `[extras]`, and one without
//!    `//` (`file:../dir`, `file:./x.whl`, `file:x.whl`, `file:.`) is a path relative to the
//!    working directory, as pip reads it;
//! 2. `name[extras] @ <location>` where the location has a scheme or starts with `.`, `/` or
//!    `~`: a named URL or path;
//! 3. it starts with `.`, `/` or `~`, contains a path separator, ends in a wheel or source
//!    archive extension, or is an editable: a local path, relative to the working directory
//!    (pip's rule for requirement lines, even inside a requirements file); `[extras]` may follow
//!    the path and `;` starts markers;
//! 4. anything else: a PEP 508 requirement for an index.
//!
//! Paths are made absolute, normalized lexically and turned into `file://` URLs; they must
//! exist. URL fragments: `#egg=name[extras]` names the project, `#sha256=` (sha384, sha512)
//! adds an expected hash, `#subdirectory=` stays on the URL for the builder.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use den_dist::{
    ExtraName, HashDigest, MarkerTree, PackageName, Requirement, SourceDistFilename, Version,
    WheelFilename, parse_marker, parse_requirement,
};
use pep508_rs::VerbatimUrl;
use url::Url;

use crate::{
    ParsedRequirement, RequirementEntry, RequirementOrigin, RequirementsError, UnnamedRequirement,
    shown, shown_lines,
};

/// Where a specifier is read: its origin for errors and the directory relative paths start
/// from (`None` when the current directory is not accessible).
pub(crate) struct Context<'a> {
    pub(crate) origin: &'a RequirementOrigin,
    pub(crate) working_dir: Option<&'a Path>,
}

/// What a URL or path points at.
enum Kind {
    /// A local project directory (has `pyproject.toml` or `setup.py`).
    Directory,
    /// A wheel file or URL.
    Wheel(WheelFilename),
    /// A source archive, with the project name when its filename gives one.
    Archive(Option<PackageName>),
    /// A `git+` URL.
    Git,
    /// An http(s) URL whose filename says nothing.
    Other,
}

/// A checked location: its absolute URL, the local path for `file:` targets, and what it is.
struct Target {
    url: Url,
    local: Option<PathBuf>,
    kind: Kind,
}

/// The `#egg=` name and `#sha…=` hashes taken out of a URL fragment.
#[derive(Default)]
struct Fragment {
    egg: Option<String>,
    hashes: Vec<HashDigest>,
}

impl Context<'_> {
    /// Parses `text` (trimmed) as one requirement; `editable` for `-e` / `--editable`.
    ///
    /// Errors: see the module docs for the forms; every variant of [`RequirementsError`] that
    /// names a requirement can come from here.
    pub(crate) fn parse(
        &self,
        text: &str,
        editable: bool,
    ) -> Result<ParsedRequirement, RequirementsError> {
        let text = text.trim();
        if let Some(scheme) = scheme(text) {
            let (location, marker) = split_url_marker(text);
            let (location, extras) = match split_extras(location) {
                (location, Some(list)) if scheme.eq_ignore_ascii_case("file") => {
                    (location, self.extras(list, text)?)
                }
                _ => (location, Vec::new()),
            };
            return self.direct(text, None, extras, location, marker, editable);
        }
        if let Some((name_part, location)) = text.split_once('@') {
            let location = location.trim_start();
            let located = scheme(location).is_some() || location.starts_with(['.', '/', '~']);
            if located && !looks_like_path(name_part) {
                let (name, extras) = self.name_and_extras(name_part.trim(), text)?;
                let (location, marker) = match scheme(location) {
                    Some(_) => split_url_marker(location),
                    None => split_path_marker(location),
                };
                return self.direct(text, Some(name), extras, location, marker, editable);
            }
        }
        if is_scp_like(text) {
            return Err(RequirementsError::UnsupportedUrl {
                origin: self.origin.clone(),
                text: shown(text),
                reason: "scp-like addresses need a scheme; write git+ssh://user@host/path",
            });
        }
        let (path, marker) = split_path_marker(text);
        let (path, extras) = split_extras(path);
        if editable || looks_like_path(path) || is_archive_name(path) {
            let extras = match extras {
                Some(list) => self.extras(list, text)?,
                None => Vec::new(),
            };
            return self.direct(text, None, extras, path, marker, editable);
        }
        let requirement = parse_requirement(text).map_err(|e| self.invalid(text, e))?;
        Ok(ParsedRequirement::Named(RequirementEntry {
            requirement,
            editable: false,
            hashes: Vec::new(),
            origin: self.origin.clone(),
            written: Some(text.to_string()),
        }))
    }

    /// A URL or path requirement: checks the location, then names it from (in order) the
    /// `name @` prefix, `#egg=`, or the wheel / source archive filename.
    fn direct(
        &self,
        text: &str,
        name: Option<PackageName>,
        mut extras: Vec<ExtraName>,
        location: &str,
        marker: Option<&str>,
        editable: bool,
    ) -> Result<ParsedRequirement, RequirementsError> {
        let marker = match marker {
            Some(marker) => parse_marker(marker.trim()).map_err(|e| self.invalid(text, e))?,
            None => MarkerTree::TRUE,
        };
        let (target, fragment) = match scheme(location) {
            Some(scheme) => self.url_target(text, location, &scheme.to_ascii_lowercase())?,
            None => self.path_target(text, location)?,
        };
        if editable && !matches!(target.kind, Kind::Directory | Kind::Git) {
            return Err(match target.local {
                Some(path) => RequirementsError::NotInstallable {
                    origin: self.origin.clone(),
                    path,
                    reason: "-e needs a project directory (with pyproject.toml or setup.py) or a \
                             git URL; install the file without -e"
                        .to_string(),
                },
                None => RequirementsError::UnsupportedUrl {
                    origin: self.origin.clone(),
                    text: shown(location),
                    reason: "-e needs a local project directory or a git+ URL",
                },
            });
        }
        let egg_name = match &fragment.egg {
            Some(egg) => {
                let (egg_name, egg_extras) = self.name_and_extras(egg, text)?;
                extras.extend(egg_extras);
                Some(egg_name)
            }
            None => None,
        };
        let file_name = match &target.kind {
            Kind::Wheel(wheel) => {
                if let Some(given) = name.as_ref().filter(|given| **given != wheel.name) {
                    return Err(self.invalid(
                        text,
                        format!(
                            "the wheel is a distribution of `{}`, not `{given}`",
                            wheel.name
                        ),
                    ));
                }
                Some(wheel.name.clone())
            }
            Kind::Archive(archive_name) => archive_name.clone(),
            Kind::Directory | Kind::Git | Kind::Other => None,
        };
        let unnamed = UnnamedRequirement {
            url: VerbatimUrl::from_url(target.url).with_given(location),
            given: text.to_string(),
            extras,
            marker,
            editable,
            hashes: fragment.hashes,
            origin: self.origin.clone(),
        };
        Ok(match name.or(egg_name).or(file_name) {
            Some(name) => ParsedRequirement::Named(unnamed.named(name)),
            None => ParsedRequirement::Unnamed(unnamed),
        })
    }

    /// Checks a URL with `scheme` (lowercase): git+ transports, http(s) archives, `file:`
    /// paths; refuses other version control systems and schemes.
    fn url_target(
        &self,
        text: &str,
        location: &str,
        scheme: &str,
    ) -> Result<(Target, Fragment), RequirementsError> {
        if let Some((vcs, _)) = scheme.split_once('+') {
            let name = match vcs {
                "git" => None,
                "hg" => Some("Mercurial"),
                "svn" => Some("Subversion"),
                "bzr" => Some("Bazaar"),
                _ => return Err(self.unsupported_url(location)),
            };
            if let Some(vcs) = name {
                return Err(RequirementsError::UnsupportedVcs {
                    origin: self.origin.clone(),
                    text: shown(location),
                    vcs,
                });
            }
        }
        if let Some(path) = file_url_relative_path(location) {
            let (path, fragment) = match path.split_once('#') {
                Some((path, fragment)) => (path, Some(fragment)),
                None => (path, None),
            };
            let path = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
            return self.local_path_target(text, &path, fragment);
        }
        let mut url = Url::parse(location).map_err(|e| self.invalid(text, e))?;
        let fragment = self.take_fragment(&mut url, text)?;
        let target = match scheme {
            "git+https" | "git+http" | "git+ssh" | "git+file" | "git+git" => Target {
                url,
                local: None,
                kind: Kind::Git,
            },
            "http" | "https" => {
                let filename = url
                    .path_segments()
                    .and_then(|mut segments| segments.next_back())
                    .map(|last| percent_encoding::percent_decode_str(last).decode_utf8_lossy())
                    .unwrap_or_default()
                    .into_owned();
                let kind = self.classify(&filename, text)?.unwrap_or(Kind::Other);
                Target {
                    url,
                    local: None,
                    kind,
                }
            }
            "file" => {
                let path = url
                    .to_file_path()
                    .map_err(|()| self.invalid(text, "not a local file URL"))?;
                self.local_target(text, den_dist::path::normalize_path(&path), url.fragment())?
            }
            _ => return Err(self.unsupported_url(location)),
        };
        Ok((target, fragment))
    }

    /// Checks a local path (`~` expanded, relative to the working directory). A `#fragment`
    /// is split off only when the whole text is not an existing path.
    fn path_target(
        &self,
        text: &str,
        location: &str,
    ) -> Result<(Target, Fragment), RequirementsError> {
        let expanded = den_dist::path::expand_home(location).into_owned();
        let (path, fragment) = match expanded.split_once('#') {
            Some((path, fragment)) if !self.absolute(text, &expanded)?.exists() => {
                (path, Some(fragment))
            }
            _ => (expanded.as_str(), None),
        };
        self.local_path_target(text, path, fragment)
    }

    /// Checks local `path` (relative to the working directory) with URL `fragment` (raw, as
    /// written after `#`), then takes `#egg=` and `#sha…=` out of the fragment.
    fn local_path_target(
        &self,
        text: &str,
        path: &str,
        fragment: Option<&str>,
    ) -> Result<(Target, Fragment), RequirementsError> {
        let path = self.absolute(text, path)?;
        let mut target = self.local_target(text, path, fragment)?;
        let fragment = self.take_fragment(&mut target.url, text)?;
        Ok((target, fragment))
    }

    /// `path` (absolute, normalized) as a `file://` URL with `fragment`, after checking that
    /// it is an installable project directory, wheel or source archive.
    fn local_target(
        &self,
        text: &str,
        path: PathBuf,
        fragment: Option<&str>,
    ) -> Result<Target, RequirementsError> {
        let not_installable = |reason: &str| RequirementsError::NotInstallable {
            origin: self.origin.clone(),
            path: path.clone(),
            reason: reason.to_string(),
        };
        let metadata = std::fs::metadata(&path).map_err(|_| RequirementsError::MissingPath {
            origin: self.origin.clone(),
            text: shown(text),
            path: path.clone(),
        })?;
        let kind = if metadata.is_dir() {
            if !path.join("pyproject.toml").is_file() && !path.join("setup.py").is_file() {
                return Err(not_installable(
                    "the directory has neither pyproject.toml nor setup.py, so it is not a \
                     Python project",
                ));
            }
            Kind::Directory
        } else {
            let filename = path.file_name().unwrap_or_default().to_string_lossy();
            self.classify(&filename, text)?.ok_or_else(|| {
                not_installable(
                    "it is neither a wheel (.whl) nor a source archive (.tar.gz, .zip); if it \
                     lists requirements, pass it with -r",
                )
            })?
        };
        let mut url =
            Url::from_file_path(&path).map_err(|()| self.invalid(text, "not an absolute path"))?;
        url.set_fragment(fragment);
        Ok(Target {
            url,
            local: Some(path),
            kind,
        })
    }

    /// A wheel or source archive by its filename; `None` for other files.
    ///
    /// Errors: a `.whl` whose name is not a valid wheel filename (PEP 427).
    fn classify(&self, filename: &str, text: &str) -> Result<Option<Kind>, RequirementsError> {
        if filename.to_ascii_lowercase().ends_with(".whl") {
            let wheel = WheelFilename::from_str(filename).map_err(|e| self.invalid(text, e))?;
            return Ok(Some(Kind::Wheel(wheel)));
        }
        Ok(is_sdist_name(filename).then(|| Kind::Archive(sdist_name(filename))))
    }

    /// Takes `egg=` and `sha256=` / `sha384=` / `sha512=` out of `url`'s fragment; other
    /// fragment parts (`subdirectory=`) stay.
    fn take_fragment(&self, url: &mut Url, text: &str) -> Result<Fragment, RequirementsError> {
        let mut found = Fragment::default();
        let Some(fragment) = url.fragment().map(str::to_string) else {
            return Ok(found);
        };
        let mut kept = Vec::new();
        for part in fragment.split('&').filter(|part| !part.is_empty()) {
            match part.split_once('=') {
                Some(("egg", egg)) => {
                    let egg = percent_encoding::percent_decode_str(egg).decode_utf8_lossy();
                    found.egg = Some(egg.into_owned());
                }
                Some((algorithm @ ("sha256" | "sha384" | "sha512"), hex)) => {
                    let digest = HashDigest::new(algorithm, hex).map_err(|e| {
                        RequirementsError::InvalidHash {
                            origin: self.origin.clone(),
                            value: shown(part),
                            message: shown(&e.to_string()),
                        }
                    })?;
                    found.hashes.push(digest);
                    kept.push(part);
                }
                _ => kept.push(part),
            }
        }
        url.set_fragment((!kept.is_empty()).then(|| kept.join("&")).as_deref());
        if found.egg.as_deref() == Some("") {
            return Err(self.invalid(text, "`#egg=` is empty; write the project name after it"));
        }
        Ok(found)
    }

    /// `name` or `name[extra,...]`, without version or markers (a `name @` prefix or an
    /// `#egg=` value).
    fn name_and_extras(
        &self,
        part: &str,
        text: &str,
    ) -> Result<(PackageName, Vec<ExtraName>), RequirementsError> {
        let requirement: Requirement =
            parse_requirement(part).map_err(|e| self.invalid(text, e))?;
        if requirement.version_or_url.is_some() || !requirement.marker.is_true() {
            return Err(self.invalid(
                text,
                format!("`{part}` must be a project name with optional [extras] only"),
            ));
        }
        Ok((requirement.name, requirement.extras))
    }

    /// The comma-separated extras written in `[...]` after a path.
    fn extras(&self, list: &str, text: &str) -> Result<Vec<ExtraName>, RequirementsError> {
        list.split(',')
            .map(|extra| ExtraName::from_str(extra.trim()).map_err(|e| self.invalid(text, e)))
            .collect()
    }

    /// `path` made absolute against the working directory and normalized lexically.
    fn absolute(&self, text: &str, path: &str) -> Result<PathBuf, RequirementsError> {
        let path = Path::new(path);
        if path.is_absolute() {
            return Ok(den_dist::path::normalize_path(path));
        }
        let base = self
            .working_dir
            .ok_or_else(|| RequirementsError::NoWorkingDirectory {
                origin: self.origin.clone(),
                text: shown(text),
            })?;
        Ok(den_dist::path::normalize_path(&base.join(path)))
    }

    fn invalid(&self, text: &str, message: impl ToString) -> RequirementsError {
        RequirementsError::InvalidRequirement {
            origin: self.origin.clone(),
            text: shown(text),
            message: shown_lines(&message.to_string()),
        }
    }

    fn unsupported_url(&self, location: &str) -> RequirementsError {
        RequirementsError::UnsupportedUrl {
            origin: self.origin.clone(),
            text: shown(location),
            reason: "den installs from https://, http://, file: and git+ URLs",
        }
    }
}

/// The URL scheme `text` starts with: letters, digits, `+`, `-`, `.` before `:`, followed by
/// `//` (or `file:` alone). Single letters are Windows drive letters, not schemes.
pub(crate) fn scheme(text: &str) -> Option<&str> {
    let (scheme, rest) = text.split_once(':')?;
    let valid = scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (valid && (rest.starts_with("//") || scheme.eq_ignore_ascii_case("file"))).then_some(scheme)
}

/// The path of a `file:` URL written without `//` (`file:../dir`, `file:./x.whl`,
/// `file:x.whl`, `file:.`, `file:/abs`), with its `#fragment` still attached: pip reads what
/// follows `file:` on a requirement line as a path, relative to the current directory (the
/// `url` crate would resolve `..` and `.` against `/` instead). `None` for anything else,
/// including `file://host/path` and `file:///abs`.
fn file_url_relative_path(location: &str) -> Option<&str> {
    let prefix = location.get(..5)?;
    let rest = &location[5..];
    (prefix.eq_ignore_ascii_case("file:") && !rest.starts_with("//")).then_some(rest)
}

/// Whether `text` is a git address in scp syntax, `user@host:path` (no scheme).
fn is_scp_like(text: &str) -> bool {
    let Some((user, rest)) = text.split_once('@') else {
        return false;
    };
    let Some((host, path)) = rest.split_once(':') else {
        return false;
    };
    let word = |s: &str, extra: &[char]| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
    };
    word(user, &['-', '_', '.']) && word(host, &['-', '.']) && !path.is_empty()
}

/// pip's test for a path: starts with `.`, `/` or `~`, or contains a path separator; text
/// holding `://` (a misplaced URL) is not a path, so it gets the PEP 508 parser's message.
fn looks_like_path(text: &str) -> bool {
    !text.contains("://")
        && (text.starts_with(['.', '/', '~'])
            || text.contains('/')
            || text.contains(std::path::MAIN_SEPARATOR))
}

/// Whether `name` ends in a wheel or source archive extension.
fn is_archive_name(name: &str) -> bool {
    name.to_ascii_lowercase().ends_with(".whl") || is_sdist_name(name)
}

fn is_sdist_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    den_dist::sdist_extension(&lower).is_some()
}

/// The project named by a source archive filename `{name}-{version}.{ext}`: the split is made
/// at the first `-` after which a valid version follows (`foo-bar-1.0.tar.gz` is `foo-bar`).
/// `None` when no split gives a valid name and version (`1.26.8.zip`, `master.zip`).
fn sdist_name(filename: &str) -> Option<PackageName> {
    let lower = filename.to_ascii_lowercase();
    let ext = den_dist::sdist_extension(&lower)?;
    let stem = &filename[..filename.len() - ext.len()];
    let (index, _) = stem
        .match_indices('-')
        .find(|(index, _)| Version::from_str(&stem[index + 1..]).is_ok())?;
    let name = PackageName::from_str(&stem[..index]).ok()?;
    SourceDistFilename::parse(&format!("{stem}{ext}"), &name)
        .ok()
        .map(|sdist| sdist.name)
}

/// Splits markers off a URL: at the first `;` with whitespace before or after it (a `;`
/// inside a URL has neither).
fn split_url_marker(text: &str) -> (&str, Option<&str>) {
    let bytes = text.as_bytes();
    let split = text.match_indices(';').map(|(i, _)| i).find(|&i| {
        (i > 0 && bytes[i - 1].is_ascii_whitespace())
            || bytes.get(i + 1).is_none_or(u8::is_ascii_whitespace)
    });
    match split {
        Some(i) => (text[..i].trim_end(), Some(&text[i + 1..])),
        None => (text, None),
    }
}

/// Splits markers off a path: at the first `;`.
fn split_path_marker(text: &str) -> (&str, Option<&str>) {
    match text.split_once(';') {
        Some((path, marker)) => (path.trim_end(), Some(marker)),
        None => (text, None),
    }
}

/// Splits `[extras]` off the end of a path: `./proj[dev,test]` is `./proj` + `dev,test`.
fn split_extras(text: &str) -> (&str, Option<&str>) {
    if let Some(inner) = text.strip_suffix(']')
        && let Some(open) = inner.rfind('[').filter(|&open| open > 0)
    {
        return (&inner[..open], Some(&inner[open + 1..]));
    }
    (text, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_schemes_not_drive_letters_or_markers() {
        assert_eq!(scheme("git+https://h/r.git"), Some("git+https"));
        assert_eq!(scheme("file:/abs/x"), Some("file"));
        assert_eq!(scheme("C:\\x"), None);
        assert_eq!(scheme("foo; extra == 'a:b'"), None);
        assert_eq!(scheme("foo>=1"), None);
        assert!(is_scp_like("git@github.com:o/r.git"));
        assert!(!is_scp_like("foo @ ./x"));
        assert!(!is_scp_like("foo; extra == 'a@b:c'"));
    }

    #[test]
    fn names_source_archives() {
        let name = |f: &str| sdist_name(f).map(|n| n.to_string());
        assert_eq!(name("foo-bar-1.0.tar.gz").as_deref(), Some("foo-bar"));
        assert_eq!(name("Foo_Bar-1.0.post1.ZIP").as_deref(), Some("foo-bar"));
        assert_eq!(name("foo-1.0-1.tar.gz").as_deref(), Some("foo"));
        assert_eq!(name("1.26.8.zip"), None);
        assert_eq!(name("master.zip"), None);
    }

    #[test]
    fn splits_markers_and_extras() {
        assert_eq!(
            split_url_marker("https://h/x;y.whl ; python_version > '3'"),
            ("https://h/x;y.whl", Some(" python_version > '3'"))
        );
        assert_eq!(
            split_url_marker("https://h/x.whl;"),
            ("https://h/x.whl", Some(""))
        );
        assert_eq!(split_extras("./p[a,b]"), ("./p", Some("a,b")));
        assert_eq!(split_extras("[a]"), ("[a]", None));
    }
}
