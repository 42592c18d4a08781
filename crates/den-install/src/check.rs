//! `pip check`: installed distributions whose dependencies are missing or at a version their
//! requirement excludes.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs;
use std::io;

use den_dist::{
    CoreMetadata, MarkerEnvironment, PackageName, Requirement, Version, VersionOrUrl,
    escape_controls, parse_requirement,
};

use crate::InstallError;
use crate::installed::{DistKind, InstalledDist};
use den_dist::IoError;

/// One problem [`check`] found. [`fmt::Display`] gives the line pip prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckProblem {
    /// A dependency that is not installed at all:
    /// `foo 1.0 requires bar, which is not installed.`
    Missing {
        /// The requiring distribution (normalized name, as pip prints it).
        name: PackageName,
        /// Its version.
        version: Version,
        /// The missing dependency's normalized name.
        dependency: PackageName,
        /// The requirement as pip formats it (see [`CheckProblem::Conflict::requirement`]).
        requirement: String,
    },
    /// A dependency installed at a version the requirement excludes (pre-releases count as
    /// matching, as in pip): `foo 1.0 has requirement bar>=2, but you have bar 1.0.`
    Conflict {
        /// The requiring distribution (normalized name).
        name: PackageName,
        /// Its version.
        version: Version,
        /// The requirement as Python's `packaging` prints it, which pip shows: the name as
        /// written, extras sorted, specifiers sorted and comma-joined (`bar<3,>=2`), `@ url`
        /// right after the name, `; marker` with double-quoted values.
        requirement: String,
        /// The dependency's normalized name.
        dependency: PackageName,
        /// The version installed.
        installed: Version,
    },
    /// A distribution whose metadata (or `requires.txt`) does not parse; pip warns
    /// `Error parsing dependencies of foo: <reason>` on stderr and leaves it out of the
    /// check, so whatever depends on it is reported missing.
    Unreadable {
        /// The distribution (normalized name).
        name: PackageName,
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for CheckProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing {
                name,
                version,
                dependency,
                ..
            } => write!(
                f,
                "{name} {version} requires {dependency}, which is not installed."
            ),
            Self::Conflict {
                name,
                version,
                requirement,
                dependency,
                installed,
            } => write!(
                f,
                "{name} {version} has requirement {requirement}, but you have {dependency} \
                 {installed}."
            ),
            Self::Unreadable { name, reason } => {
                write!(f, "Error parsing dependencies of {name}: {reason}")
            }
        }
    }
}

/// Checks that every dependency of every distribution in `installed` is installed at a
/// version its requirement allows, as `pip check` does (pip 21 to 25):
///
/// - each `Requires-Dist` (for legacy `.egg-info` directories, `requires.txt`) whose marker
///   is true for `markers` with no extra active counts: like pip, the extras a distribution
///   was installed with are not known, so extra-only dependencies are never checked;
/// - a dependency is looked up by normalized name among `installed` (the first one of a name
///   wins, as on `sys.path`); URL requirements only need the name present;
/// - version matching ignores local versions and admits pre-releases.
///
/// Order, as pip prints: [`CheckProblem::Unreadable`] first, then every
/// [`CheckProblem::Missing`], then every [`CheckProblem::Conflict`]; within each group by
/// requiring distribution in the order of `installed`, and within one distribution by
/// dependency name, then requirement text. Duplicate requirements are reported once. pip's
/// extra line for wheels whose tags do not fit the platform (`... is not supported on this
/// platform`) is not produced.
///
/// Errors: a metadata or `requires.txt` file that exists but cannot be read
/// ([`InstallError::Io`]).
pub fn check(
    installed: &[InstalledDist],
    markers: &MarkerEnvironment,
) -> Result<Vec<CheckProblem>, InstallError> {
    let mut unreadable = Vec::new();
    let mut readable: Vec<(&InstalledDist, Vec<(Requirement, String)>)> = Vec::new();
    for dist in installed {
        match dependencies(dist)? {
            Ok(requirements) => readable.push((dist, requirements)),
            Err(reason) => unreadable.push(CheckProblem::Unreadable {
                name: dist.name.clone(),
                reason,
            }),
        }
    }
    let mut versions: HashMap<&PackageName, &Version> = HashMap::new();
    for (dist, _) in &readable {
        versions.entry(&dist.name).or_insert(&dist.version);
    }
    let mut missing = Vec::new();
    let mut conflicts = Vec::new();
    for (dist, requirements) in &readable {
        // pip sorts by `str((name, requirement))`; name, then requirement text, is that order
        // for every realistic name.
        let mut dist_missing = BTreeMap::new();
        let mut dist_conflicts = BTreeMap::new();
        for (requirement, text) in requirements {
            if !requirement.marker.evaluate(markers, &[]) {
                continue;
            }
            let key = (requirement.name.to_string(), text.clone());
            let problem = match versions.get(&requirement.name) {
                None => CheckProblem::Missing {
                    name: dist.name.clone(),
                    version: dist.version.clone(),
                    dependency: requirement.name.clone(),
                    requirement: text.clone(),
                },
                Some(installed) => match &requirement.version_or_url {
                    Some(VersionOrUrl::VersionSpecifier(specifiers))
                        if !specifiers.contains(installed) =>
                    {
                        CheckProblem::Conflict {
                            name: dist.name.clone(),
                            version: dist.version.clone(),
                            requirement: text.clone(),
                            dependency: requirement.name.clone(),
                            installed: (*installed).clone(),
                        }
                    }
                    _ => continue,
                },
            };
            match problem {
                CheckProblem::Missing { .. } => dist_missing.insert(key, problem),
                _ => dist_conflicts.insert(key, problem),
            };
        }
        missing.extend(dist_missing.into_values());
        conflicts.extend(dist_conflicts.into_values());
    }
    unreadable.extend(missing);
    unreadable.extend(conflicts);
    Ok(unreadable)
}

/// The requirements of `dist` with their `packaging` text, or why they cannot be read.
/// `Err` (outer) only for I/O failures other than a missing file.
type Dependencies = Result<Vec<(Requirement, String)>, String>;

fn dependencies(dist: &InstalledDist) -> Result<Dependencies, InstallError> {
    let path = dist.metadata_path();
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(Err(format!("{} is missing", path.display())));
        }
        Err(e) => return Err(IoError::new("read", &path, e).into()),
    };
    let metadata = match CoreMetadata::parse(&bytes) {
        Ok(metadata) => metadata,
        Err(e) => return Ok(Err(format!("{}: {e}", path.display()))),
    };
    let mut raw: Vec<String> = metadata
        .headers
        .iter()
        .filter(|(key, _)| key.eq_ignore_ascii_case("Requires-Dist"))
        .map(|(_, value)| value.clone())
        .collect();
    if raw.is_empty() && dist.kind == DistKind::EggInfoDir {
        let requires = dist.path.join("requires.txt");
        match fs::read_to_string(&requires) {
            Ok(text) => raw = requires_txt_requirements(&text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(IoError::new("read", &requires, e).into()),
        }
    }
    let mut requirements = Vec::with_capacity(raw.len());
    for text in raw {
        match parse_requirement(&text) {
            Ok(requirement) => {
                let formatted = packaging_text(&text, &requirement);
                requirements.push((requirement, formatted));
            }
            Err(e) => {
                let text = escape_controls(&text);
                return Ok(Err(format!("invalid requirement `{text}`: {e}")));
            }
        }
    }
    Ok(Ok(requirements))
}

/// The `Requires-Dist` equivalents of a setuptools `requires.txt`: lines before any section
/// as they are, lines of `[extra]`, `[:marker]` and `[extra:marker]` sections with
/// `; extra == "<extra>"`, `; <marker>` or `; (<marker>) and extra == "<extra>"` (the
/// conversion pip and `importlib.metadata` make).
fn requires_txt_requirements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut extra, mut marker) = (String::new(), String::new());
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let (e, m) = section.split_once(':').unwrap_or((section, ""));
            extra = den_dist::canonical_name(e.trim());
            marker = m.trim().to_string();
            continue;
        }
        let condition = match (extra.is_empty(), marker.is_empty()) {
            (true, true) => String::new(),
            (true, false) => marker.clone(),
            (false, true) => format!("extra == \"{extra}\""),
            (false, false) => format!("({marker}) and extra == \"{extra}\""),
        };
        if condition.is_empty() {
            out.push(line.to_string());
        } else {
            out.push(format!("{line} ; {condition}"));
        }
    }
    out
}

/// `str(packaging.requirements.Requirement(raw))`, the form pip prints: the name as written,
/// `[extras]` sorted, specifiers sorted and comma-joined, `@ url` (no space before `@`), then
/// `; marker` in `packaging`'s spelling ([`packaging_marker`]).
fn packaging_text(raw: &str, requirement: &Requirement) -> String {
    requirement_text(raw, requirement, Parts::WHOLE)
}

/// Which parts of a requirement [`requirement_text`] writes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Parts {
    /// The `[extras]`.
    pub(crate) extras: bool,
    /// The `; marker`.
    pub(crate) marker: bool,
}

impl Parts {
    /// Every part.
    pub(crate) const WHOLE: Parts = Parts {
        extras: true,
        marker: true,
    };
}

/// [`packaging_text`] of `raw` (which parsed as `requirement`) with only the `parts` asked
/// for: pip's `str(InstallRequirement.req)`, whose marker is split off a requirement read as
/// a line, and whose extras are dropped for the base of `name[extra]>=1`.
pub(crate) fn requirement_text(raw: &str, requirement: &Requirement, parts: Parts) -> String {
    let raw = raw.trim();
    let name_len = raw
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(raw.len());
    let mut out = raw[..name_len].to_string();
    let rest = raw[name_len..].trim_start();
    if let Some(extras) = Some(rest)
        .filter(|_| parts.extras)
        .and_then(|rest| rest.strip_prefix('['))
        .and_then(|r| r.split_once(']'))
        .map(|(extras, _)| extras)
    {
        let mut extras: Vec<&str> = extras
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .collect();
        extras.sort_unstable();
        extras.dedup();
        if !extras.is_empty() {
            out.push_str(&format!("[{}]", extras.join(",")));
        }
    }
    let marker_text = requirement
        .marker
        .contents()
        .filter(|_| parts.marker)
        .and_then(|_| raw.rsplit_once(';'))
        .map(|(_, marker)| packaging_marker(marker));
    match &requirement.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
            let mut parts: Vec<String> = specifiers.iter().map(ToString::to_string).collect();
            parts.sort();
            out.push_str(&parts.join(","));
        }
        Some(VersionOrUrl::Url(url)) => {
            let given = url.given().map_or_else(|| url.to_string(), str::to_string);
            out.push_str(&format!("@ {given}"));
            if marker_text.is_some() {
                out.push(' ');
            }
        }
        None => {}
    }
    if let Some(marker) = marker_text {
        out.push_str("; ");
        out.push_str(&marker);
    }
    out
}

/// A marker as `packaging` prints it: tokens separated by single spaces, values in double
/// quotes, parentheses kept (tight) except around the whole marker, `python_implementation`
/// spelled `platform_python_implementation`, `extra` values normalized. Text that does not
/// tokenize is returned trimmed.
fn packaging_marker(raw: &str) -> String {
    let Some(tokens) = marker_tokens(raw) else {
        return raw.trim().to_string();
    };
    // Normalize `extra` comparisons: the value on the other side of the operator.
    let mut tokens = tokens;
    for i in 0..tokens.len() {
        if tokens[i] == "extra" {
            for j in [i + 2, i.wrapping_sub(2)] {
                if let Some(value) = tokens.get(j).and_then(|t| t.strip_prefix('"'))
                    && let Some(value) = value.strip_suffix('"')
                {
                    tokens[j] = format!("\"{}\"", den_dist::canonical_name(value));
                }
            }
        }
    }
    // Drop parentheses that enclose the whole marker (`packaging` prints them only nested).
    while tokens.first().is_some_and(|t| t == "(") && closing_paren(&tokens, 0) == tokens.len() - 1
    {
        tokens.remove(0);
        tokens.pop();
    }
    let mut out = String::new();
    for (i, token) in tokens.iter().enumerate() {
        let after_open = i > 0 && tokens[i - 1] == "(";
        if i > 0 && token != ")" && !after_open {
            out.push(' ');
        }
        out.push_str(token);
    }
    out
}

/// The index of the `)` matching the `(` at `open`; `tokens.len()` when unbalanced.
fn closing_paren(tokens: &[String], open: usize) -> usize {
    let mut depth = 0;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match token.as_str() {
            "(" => depth += 1,
            ")" => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// Splits a PEP 508 marker into tokens: `(`, `)`, operators (`not in` as one), variables,
/// `and`/`or`, and values re-quoted with `"`; `None` on an unterminated string.
fn marker_tokens(raw: &str) -> Option<Vec<String>> {
    let mut tokens: Vec<String> = Vec::new();
    let mut chars = raw.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' => {
                tokens.push(c.to_string());
                chars.next();
            }
            '\'' | '"' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next()? {
                        q if q == c => break,
                        other => value.push(other),
                    }
                }
                tokens.push(format!("\"{value}\""));
            }
            '<' | '>' | '=' | '!' | '~' => {
                let mut op = String::new();
                while let Some(&o) = chars.peek().filter(|o| "<>=!~".contains(**o)) {
                    op.push(o);
                    chars.next();
                }
                tokens.push(op);
            }
            _ => {
                let mut word = String::new();
                while let Some(&w) = chars
                    .peek()
                    .filter(|w| !w.is_whitespace() && !"()'\"<>=!~".contains(**w))
                {
                    word.push(w);
                    chars.next();
                }
                if word == "in" && tokens.last().is_some_and(|t| t == "not") {
                    tokens.pop();
                    word = "not in".to_string();
                } else if word == "python_implementation" {
                    word = "platform_python_implementation".to_string();
                }
                tokens.push(word);
            }
        }
    }
    Some(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(raw: &str) -> String {
        packaging_text(raw, &parse_requirement(raw).unwrap())
    }

    #[test]
    fn requirements_print_like_packaging() {
        assert_eq!(text("Werkzeug >= 3.0.0"), "Werkzeug>=3.0.0");
        assert_eq!(text("bar (>=2, <3)"), "bar<3,>=2");
        assert_eq!(text("x[b, a]>1"), "x[a,b]>1");
        assert_eq!(
            text("pip<1 ; python_version<'4' and (os_name=='posix' or sys_platform == \"x\")"),
            "pip<1; python_version < \"4\" and (os_name == \"posix\" or sys_platform == \"x\")"
        );
        assert_eq!(
            text("y; (python_implementation != 'PyPy')"),
            "y; platform_python_implementation != \"PyPy\""
        );
        assert_eq!(
            text("z; 'a' not in platform_release and extra == 'Foo_Bar'"),
            "z; \"a\" not in platform_release and extra == \"foo-bar\""
        );
        assert_eq!(
            text("u @ https://h/u.whl ; os_name == 'posix'"),
            "u@ https://h/u.whl ; os_name == \"posix\""
        );
    }

    #[test]
    fn requires_txt_sections_become_markers() {
        let text = "a>=1\n\n[:python_version < \"3\"]\nb\n\n[Fast_Extra]\nc\n\n[ssl:sys_platform == \"win32\"]\nd\n";
        assert_eq!(
            requires_txt_requirements(text),
            [
                "a>=1",
                "b ; python_version < \"3\"",
                "c ; extra == \"fast-extra\"",
                "d ; (sys_platform == \"win32\") and extra == \"ssl\""
            ]
        );
    }
}
