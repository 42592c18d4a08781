//! Distribution filenames: wheels (PEP 427 §File name convention, with PEP 425 compressed tag
//! sets) and source distributions (PEP 625 `{name}-{version}.tar.gz`, plus the legacy `.zip`).

use std::fmt;
use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::PackageName;

/// A filename that could not be read as a wheel or source distribution name.
#[derive(Debug, thiserror::Error)]
#[error("`{filename}` is not a valid {kind} filename: {reason}")]
pub struct FilenameError {
    /// The filename as given.
    pub filename: String,
    /// `wheel` or `source distribution`.
    pub kind: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

fn error(filename: &str, kind: &'static str, reason: impl Into<String>) -> FilenameError {
    FilenameError {
        filename: filename.to_string(),
        kind,
        reason: reason.into(),
    }
}

/// A parsed wheel filename: `{distribution}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl`
/// (PEP 427). Each tag field is a compressed tag set: `py2.py3` means either (PEP 425 §Compressed Tag Sets).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WheelFilename {
    /// Normalized project name.
    pub name: PackageName,
    /// The distribution version.
    pub version: Version,
    /// Optional build tag; starts with a digit. Orders wheels of the same version.
    pub build: Option<String>,
    /// The tag part as written, `python-abi-platform` with compressed sets (`py2.py3-none-any`),
    /// kept as one string: indexes list tens of thousands of wheels, and one allocation per
    /// filename instead of one per tag keeps their pages small in memory.
    tags: Box<str>,
}

impl WheelFilename {
    /// The `n`th dash-separated part of the tags (0: python, 1: abi, 2: platform), split into
    /// its compressed set.
    fn tag_set(&self, n: usize) -> impl Iterator<Item = &str> + Clone {
        self.tags.split('-').nth(n).unwrap_or_default().split('.')
    }

    /// Python tags, e.g. `py2`, `py3` or `cp312`.
    pub fn python_tags(&self) -> impl Iterator<Item = &str> + Clone {
        self.tag_set(0)
    }

    /// ABI tags, e.g. `cp312`, `abi3`, `none`.
    pub fn abi_tags(&self) -> impl Iterator<Item = &str> + Clone {
        self.tag_set(1)
    }

    /// Platform tags, e.g. `manylinux_2_17_x86_64`, `manylinux2014_x86_64` or `any`.
    pub fn platform_tags(&self) -> impl Iterator<Item = &str> + Clone {
        self.tag_set(2)
    }

    /// Every `(python, abi, platform)` triple this wheel declares, expanded from the compressed sets.
    pub fn tag_triples(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        let (abis, platforms) = (self.abi_tags(), self.platform_tags());
        self.python_tags().flat_map(move |py| {
            let platforms = platforms.clone();
            abis.clone()
                .flat_map(move |abi| platforms.clone().map(move |plat| (py, abi, plat)))
        })
    }

    /// The tag part of the filename as written: `py3-none-any`.
    pub fn tag_string(&self) -> String {
        self.tags.to_string()
    }

    /// The `{name}-{version}` stem used for the `.dist-info` directory (PEP 427: name with `-`
    /// replaced by `_`).
    pub fn dist_info_stem(&self) -> String {
        format!("{}-{}", self.name.as_dist_info_name(), self.version)
    }
}

impl FromStr for WheelFilename {
    type Err = FilenameError;

    fn from_str(filename: &str) -> Result<Self, Self::Err> {
        const KIND: &str = "wheel";
        let stem = filename
            .strip_suffix(".whl")
            .ok_or_else(|| error(filename, KIND, "it does not end in `.whl`"))?;
        let shape = || {
            error(
                filename,
                KIND,
                "expected 5 or 6 dash-separated parts: name-version[-build]-python-abi-platform",
            )
        };
        // `python-abi-platform` is the last three parts, kept as written.
        let mut from_end = stem.rsplitn(4, '-');
        let (Some(plat), Some(abi), Some(py), Some(head)) = (
            from_end.next(),
            from_end.next(),
            from_end.next(),
            from_end.next(),
        ) else {
            return Err(shape());
        };
        let tags = &stem[head.len() + 1..];
        let mut parts = head.split('-');
        let (name, version, build) = match (parts.next(), parts.next(), parts.next(), parts.next())
        {
            (Some(name), Some(version), None, _) => (name, version, None),
            (Some(name), Some(version), Some(build), None) => {
                if !build.starts_with(|c: char| c.is_ascii_digit()) {
                    return Err(error(
                        filename,
                        KIND,
                        format!("build tag `{build}` does not start with a digit"),
                    ));
                }
                (name, version, Some(build.to_string()))
            }
            _ => return Err(shape()),
        };
        let name = PackageName::from_str(name)
            .map_err(|e| error(filename, KIND, format!("bad project name: {e}")))?;
        let version = Version::from_str(version)
            .map_err(|e| error(filename, KIND, format!("bad version: {e}")))?;
        if [py, abi, plat]
            .iter()
            .any(|set| set.is_empty() || set.split('.').any(str::is_empty))
        {
            return Err(error(filename, KIND, "a tag is empty"));
        }
        Ok(WheelFilename {
            name,
            version,
            build,
            tags: tags.into(),
        })
    }
}

impl fmt::Display for WheelFilename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.name.as_dist_info_name(), self.version)?;
        if let Some(build) = &self.build {
            write!(f, "-{build}")?;
        }
        write!(f, "-{}.whl", self.tag_string())
    }
}

/// The archive extensions of source distributions, lowercase with the leading dot: PEP 625's
/// `.tar.gz` and the older forms pip still installs from, in matching order (`.tar.gz` before
/// `.tgz`).
pub const SDIST_EXTENSIONS: [&str; 5] = [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip"];

/// The [`SDIST_EXTENSIONS`] entry `filename` ends with, compared as given (lowercase the name
/// first to match case-insensitively); `None` for any other file.
pub fn sdist_extension(filename: &str) -> Option<&'static str> {
    SDIST_EXTENSIONS
        .into_iter()
        .find(|extension| filename.ends_with(extension))
}

/// A parsed source distribution filename: `{name}-{version}.tar.gz` (PEP 625) or the legacy
/// `.zip` / `.tar.bz2` / `.tgz` forms still found on indexes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceDistFilename {
    /// Normalized project name.
    pub name: PackageName,
    /// The distribution version.
    pub version: Version,
    /// The archive extension, including the leading dot (`.tar.gz`).
    pub extension: &'static str,
}

impl SourceDistFilename {
    /// Parses `filename` knowing the project it belongs to. Legacy names can contain dashes in
    /// both name and version, so the split is made where the prefix normalizes to `name`.
    pub fn parse(filename: &str, name: &PackageName) -> Result<Self, FilenameError> {
        const KIND: &str = "source distribution";
        let extension = sdist_extension(filename)
            .ok_or_else(|| error(filename, KIND, "unknown archive extension"))?;
        let stem = &filename[..filename.len() - extension.len()];
        for (index, _) in stem.match_indices('-') {
            let (candidate, version) = (&stem[..index], &stem[index + 1..]);
            if PackageName::from_str(candidate).is_ok_and(|n| &n == name) {
                let version = Version::from_str(version)
                    .map_err(|e| error(filename, KIND, format!("bad version: {e}")))?;
                return Ok(SourceDistFilename {
                    name: name.clone(),
                    version,
                    extension,
                });
            }
        }
        Err(error(
            filename,
            KIND,
            format!("it does not start with the project name `{name}`"),
        ))
    }
}

/// Either kind of distribution file found on an index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DistFilename {
    /// A built distribution.
    Wheel(WheelFilename),
    /// A source distribution.
    SourceDist(SourceDistFilename),
}

impl DistFilename {
    /// Classifies a file from project `name`'s index page; `None` for files that are neither
    /// (`.exe` installers, `.egg`s, signatures) or whose names do not parse.
    pub fn parse(filename: &str, name: &PackageName) -> Option<Self> {
        if filename.ends_with(".whl") {
            WheelFilename::from_str(filename).ok().map(Self::Wheel)
        } else {
            SourceDistFilename::parse(filename, name)
                .ok()
                .map(Self::SourceDist)
        }
    }

    /// The distribution's version.
    pub fn version(&self) -> &Version {
        match self {
            Self::Wheel(w) => &w.version,
            Self::SourceDist(s) => &s.version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wheel_with_compressed_tags_and_build() {
        let w: WheelFilename = "Foo_Bar-1.0.post1-2-py2.py3-none-any.whl".parse().unwrap();
        assert_eq!(w.name.as_ref(), "foo-bar");
        assert_eq!(w.version.to_string(), "1.0.post1");
        assert_eq!(w.build.as_deref(), Some("2"));
        assert_eq!(w.tag_triples().count(), 2);
        assert_eq!(w.dist_info_stem(), "foo_bar-1.0.post1");
        assert_eq!(w.to_string(), "foo_bar-1.0.post1-2-py2.py3-none-any.whl");
    }

    #[test]
    fn rejects_bad_wheels() {
        assert!("foo-1.0-py3-none.whl".parse::<WheelFilename>().is_err());
        assert!(
            "foo-1.0-x-py3-none-any.whl"
                .parse::<WheelFilename>()
                .is_err()
        );
        assert!("foo-1.0.tar.gz".parse::<WheelFilename>().is_err());
    }

    #[test]
    fn parses_sdist_with_dashes() {
        let name = PackageName::from_str("zope-interface").unwrap();
        let s = SourceDistFilename::parse("zope.interface-6.0.tar.gz", &name).unwrap();
        assert_eq!(s.version.to_string(), "6.0");
        let name = PackageName::from_str("foo-bar").unwrap();
        let s = SourceDistFilename::parse("foo-bar-1.2.zip", &name).unwrap();
        assert_eq!(s.extension, ".zip");
        assert!(DistFilename::parse("foo-bar-1.2.exe", &name).is_none());
    }
}
