//! A project's versions as the resolver sees them: per version, the file it would install (a
//! compatible wheel or a source distribution, as the [`BinaryPolicy`] allows) or why there is
//! none, and the choice of a version within a range.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use den_dist::{DistFilename, Tags, Version, VersionSpecifiers};
use pubgrub::Ranges;

use crate::source::{ProjectVersions, SourceFile};

#[cfg(doc)]
use crate::BinaryPolicy;
use crate::release::Prereleases;

/// What den can do with one version, decided from its files.
#[derive(Debug, Clone)]
pub(crate) enum Status {
    /// A file may be used: `file` indexes [`Release::files`]. `yanked` when every usable file
    /// is yanked; `wheel` when the file is a wheel (else a source distribution).
    Usable {
        /// The index of the file to install in [`Release::files`].
        file: usize,
        /// Whether that file is yanked (PEP 592).
        yanked: bool,
        /// Whether it is a wheel.
        wheel: bool,
    },
    /// Allowed files exist, but their Requires-Python excludes the target.
    RequiresPython(VersionSpecifiers),
    /// No file may be used: no compatible wheel and no sdist, or the kinds that exist are
    /// excluded by the binary policy (see [`Project::wheels`], [`Project::sdists`]).
    NoFile,
}

/// One version of a project: every file the source listed for it, and what they allow.
#[derive(Debug)]
pub(crate) struct Release<F> {
    /// The files, in the source's order.
    pub(crate) files: Vec<F>,
    /// What den can do with them.
    pub(crate) status: Status,
}

impl<F: SourceFile> Release<F> {
    /// Picks the file to install among `files`: non-yanked before yanked, then a wheel before
    /// an sdist; among wheels the best tag priority (PEP 425), then the highest build tag
    /// (PEP 427); among sdists `.tar.gz` (PEP 625) first. Only kinds allowed by `wheels` /
    /// `sdists` count, and only files whose Requires-Python admits `python` (all of them when
    /// `python` is `None`: Requires-Python ignored).
    fn new(
        files: Vec<F>,
        tags: &Tags,
        python: Option<&Version>,
        wheels: bool,
        sdists: bool,
    ) -> Self {
        let mut best = None;
        let mut excluded_by_python = None;
        for (index, file) in files.iter().enumerate() {
            // (is a wheel, tag priority, build tag, is a .tar.gz)
            let kind_key = match file.filename() {
                DistFilename::Wheel(wheel) if wheels => match tags.compatibility(wheel) {
                    Some(priority) => (
                        true,
                        Some(priority),
                        build_key(wheel.build.as_deref()),
                        false,
                    ),
                    None => continue,
                },
                DistFilename::SourceDist(sdist) if sdists => {
                    (false, None, None, sdist.extension == ".tar.gz")
                }
                _ => continue,
            };
            if let Some(specifiers) = file.requires_python()
                && let Some(python) = python
                && !specifiers.contains(python)
            {
                excluded_by_python.get_or_insert_with(|| specifiers.clone());
                continue;
            }
            let key = (!file.is_yanked(), kind_key);
            if best.as_ref().is_none_or(|(best_key, _)| key > *best_key) {
                best = Some((key, index));
            }
        }
        let status = match (best, excluded_by_python) {
            (Some(((not_yanked, (wheel, ..)), file)), _) => Status::Usable {
                file,
                yanked: !not_yanked,
                wheel,
            },
            (None, Some(specifiers)) => Status::RequiresPython(specifiers),
            (None, None) => Status::NoFile,
        };
        Self { files, status }
    }

    /// The file to install, if the version is usable.
    pub(crate) fn file(&self) -> Option<&F> {
        match self.status {
            Status::Usable { file, .. } => self.files.get(file),
            _ => None,
        }
    }

    /// Every non-yanked file, plus the file to install if it is yanked: what a pin's hashes
    /// cover.
    pub(crate) fn hashable_files(&self) -> Vec<F> {
        let chosen = match self.status {
            Status::Usable { file, .. } => Some(file),
            _ => None,
        };
        self.files
            .iter()
            .enumerate()
            .filter(|(index, file)| !file.is_yanked() || chosen == Some(*index))
            .map(|(_, file)| file.clone())
            .collect()
    }
}

/// Whether [`Release::new`] may pick `filename` by its kind and tags (Requires-Python and
/// yanking aside): a wheel compatible with `tags` when `wheels` are allowed, an sdist when
/// `sdists` are.
pub(crate) fn may_pick(filename: &DistFilename, tags: &Tags, wheels: bool, sdists: bool) -> bool {
    match filename {
        DistFilename::Wheel(wheel) => wheels && tags.compatibility(wheel).is_some(),
        DistFilename::SourceDist(_) => sdists,
    }
}

/// What a version whose files are `files` publishes, for messages: each wheel's tag string
/// and `sdist`, sorted, each once, comma-separated.
pub(crate) fn published<F: SourceFile>(files: &[F]) -> String {
    let mut published: Vec<String> = files
        .iter()
        .map(|file| match file.filename() {
            DistFilename::Wheel(wheel) => wheel.tag_string(),
            DistFilename::SourceDist(_) => "sdist".to_string(),
        })
        .collect();
    published.sort();
    published.dedup();
    published.join(", ")
}

/// Orders build tags (PEP 427): by the leading number, then the rest as a string; no build tag
/// sorts first.
fn build_key(build: Option<&str>) -> Option<(u64, String)> {
    build.map(|tag| {
        let digits = tag.bytes().take_while(u8::is_ascii_digit).count();
        let number = tag[..digits].parse().unwrap_or(0);
        (number, tag[digits..].to_string())
    })
}

/// What picks a version's file: the target's tags and Python, and the binary policy.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    /// The target's wheel tags.
    pub(crate) tags: Arc<Tags>,
    /// The version Requires-Python is checked against; `None` when it is not checked.
    pub(crate) python: Option<Version>,
}

/// Every version of a project, oldest first, with the binary policy that applied to it. A
/// version's files are asked of the source's listing, and its [`Release`] made, the first
/// time the version is looked at ([`Project::release`]).
pub(crate) struct Project<F> {
    /// The versions, each with its release once made.
    versions: BTreeMap<Version, OnceLock<Release<F>>>,
    /// Where the versions' files come from.
    listing: Box<dyn ProjectVersions<F>>,
    /// What picks each version's file.
    rules: Rules,
    /// Whether wheels of the project may be used (not excluded by `--no-binary`).
    pub(crate) wheels: bool,
    /// Whether source distributions may be used (not excluded by `--only-binary`).
    pub(crate) sdists: bool,
}

impl<F> fmt::Debug for Project<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Project")
            .field("versions", &self.versions.len())
            .field("wheels", &self.wheels)
            .field("sdists", &self.sdists)
            .finish_non_exhaustive()
    }
}

impl<F> Project<F> {
    /// Why a version with [`Status::NoFile`] cannot be used, as a predicate after the version:
    /// `has no wheel for this interpreter and no source distribution`.
    pub(crate) fn no_file_reason(&self) -> &'static str {
        match (self.wheels, self.sdists) {
            (true, true) => "has no wheel for this interpreter and no source distribution",
            (true, false) => {
                "has no wheel for this interpreter (source distributions are excluded by \
                 --only-binary)"
            }
            (false, true) => "has no source distribution (wheels are excluded by --no-binary)",
            (false, false) => "cannot be used: --no-binary and --only-binary exclude all its files",
        }
    }

    /// Every version, oldest first.
    pub(crate) fn versions(&self) -> impl DoubleEndedIterator<Item = &Version> + Clone {
        self.versions.keys()
    }
}

impl<F: SourceFile> Project<F> {
    /// The project whose files `listing` gives, each version's file picked by `rules`, using
    /// wheels only if `wheels` and sdists only if `sdists`.
    pub(crate) fn new(
        listing: Box<dyn ProjectVersions<F>>,
        rules: Rules,
        wheels: bool,
        sdists: bool,
    ) -> Self {
        let versions = listing
            .versions()
            .into_iter()
            .map(|version| (version, OnceLock::new()))
            .collect();
        Self {
            versions,
            listing,
            rules,
            wheels,
            sdists,
        }
    }

    /// The release of `version`, made on first use; `None` for a version not listed.
    pub(crate) fn release(&self, version: &Version) -> Option<&Release<F>> {
        let (version, cell) = self.versions.get_key_value(version)?;
        Some(self.made(version, cell))
    }

    /// Every version with its release (made as the iteration reaches it), oldest first.
    pub(crate) fn releases(&self) -> impl DoubleEndedIterator<Item = (&Version, &Release<F>)> {
        self.versions
            .iter()
            .map(|(version, cell)| (version, self.made(version, cell)))
    }

    /// The release in `cell`, made from the listing's files of `version` if it is not yet.
    fn made<'a>(&'a self, version: &Version, cell: &'a OnceLock<Release<F>>) -> &'a Release<F> {
        cell.get_or_init(|| {
            let files = self.listing.files(version);
            let python = self.rules.python.as_ref();
            Release::new(files, &self.rules.tags, python, self.wheels, self.sdists)
        })
    }

    /// Whether versions exist but none has a file that may be used.
    pub(crate) fn has_no_usable_files(&self) -> bool {
        !self.versions.is_empty()
            && self
                .releases()
                .all(|(_, release)| matches!(release.status, Status::NoFile))
    }

    /// The versions within `range` that may be chosen, newest first, with their releases:
    /// those with a usable file (a yanked one only when `range` pins the version exactly,
    /// PEP 592), pre-releases as `prereleases` says (when [`Prereleases::IfNecessary`], only
    /// if no final release in `range` is usable).
    pub(crate) fn candidates<'a>(
        &'a self,
        range: &Ranges<Version>,
        prereleases: Prereleases,
    ) -> impl Iterator<Item = (&'a Version, &'a Release<F>)> + Clone {
        let pinned = range.as_singleton();
        let usable = move |(version, release): &(&Version, &Release<F>)| match release.status {
            Status::Usable { yanked, .. } => !yanked || pinned == Some(*version),
            _ => false,
        };
        let all = self
            .versions
            .iter()
            .rev()
            .filter(move |(v, _)| range.contains(*v))
            .map(move |(v, cell)| (v, self.made(v, cell)))
            .filter(usable);
        let finals_only = prereleases.finals_only(|| all.clone().any(|(v, _)| !v.any_prerelease()));
        all.filter(move |(v, _)| !finals_only || !v.any_prerelease())
    }

    /// The version to try within `range`: `preferred` if `range` allows it and it has a usable
    /// file, even a yanked one (a preference is a version already installed or pinned, which
    /// pip-compile keeps), else the newest usable version; other yanked versions only when
    /// `range` pins them exactly (PEP 592); pre-releases as `prereleases` says (when
    /// [`Prereleases::IfNecessary`], only if no final release is usable); with
    /// `prefer_binary`, versions installed
    /// from a wheel before those that only have an sdist. `None` when no version is usable.
    pub(crate) fn choose(
        &self,
        range: &Ranges<Version>,
        preferred: Option<&Version>,
        prereleases: Prereleases,
        prefer_binary: bool,
    ) -> Option<&Version> {
        if let Some(version) = preferred.filter(|p| range.contains(p))
            && let Some((version, cell)) = self.versions.get_key_value(version)
            && matches!(self.made(version, cell).status, Status::Usable { .. })
        {
            return Some(version);
        }
        let mut eligible = self.candidates(range, prereleases);
        if prefer_binary
            && let Some((version, _)) = eligible
                .clone()
                .find(|(_, r)| matches!(r.status, Status::Usable { wheel: true, .. }))
        {
            return Some(version);
        }
        eligible.next().map(|(version, _)| version)
    }
}
