//! pip's hash-checking mode ("Secure installs" in pip's user guide): on when `--require-hashes`
//! is given or any requirement carries a `--hash`. Then every archive den downloads is checked
//! against the hashes of its requirement as soon as it is on disk, before it is unpacked, built
//! or read (building runs the project's code); an archive without hashes, a project directory
//! and a git checkout are refused, since nothing can vouch for them. Index files whose published
//! hash is not among the allowed ones are never candidates.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, bail};
use den_dist::{HashAlgorithm, HashDigest, Hasher, PackageName};
use den_index::IndexFile;
use den_requirements::RequirementOrigin;

use crate::ResolvedDist;

/// The digest of the file at `path`, streamed (a wheel can be hundreds of megabytes).
///
/// Errors: the file cannot be read, naming it.
pub(crate) fn file_digest(path: &Path, algorithm: HashAlgorithm) -> anyhow::Result<HashDigest> {
    let read = || format!("cannot read {}", path.display());
    let mut file = std::fs::File::open(path).with_context(read)?;
    let mut hasher = Hasher::new(algorithm);
    std::io::copy(&mut file, &mut hasher).with_context(read)?;
    Ok(hasher.finalize())
}

/// Allowed hashes with the line that gave them.
pub type Allowed = (Vec<HashDigest>, RequirementOrigin);

/// What hash-checking mode allows, by project and by direct URL.
#[derive(Debug, Default, Clone)]
pub struct HashChecks {
    /// Whether hash-checking mode is on.
    pub enabled: bool,
    /// `--hash` options of named requirements.
    pub by_name: HashMap<PackageName, Allowed>,
    /// `--hash` options of URL and path requirements, by URL (as `Url::to_string` prints it).
    pub by_url: HashMap<String, Allowed>,
}

impl HashChecks {
    /// Whether an index file may be a candidate for `name`: always outside hash-checking mode;
    /// inside it, unless the index publishes hashes none of which is allowed. The caller keeps
    /// every file when none is admitted (pip's rule, so the mismatch gets reported).
    pub fn admits(&self, name: &PackageName, file: &IndexFile) -> bool {
        match self.by_name.get(name) {
            Some((allowed, _)) if self.enabled && !file.hashes.is_empty() => {
                file.hashes.iter().any(|digest| allowed.contains(digest))
            }
            _ => true,
        }
    }

    /// Refuses, in hash-checking mode, what cannot be hashed: `shown` is a directory or a git
    /// checkout.
    ///
    /// Errors: hash-checking mode is on.
    pub fn refuse_unhashable(&self, shown: &str) -> anyhow::Result<()> {
        if self.enabled {
            bail!(
                "hash-checking mode is on, and {shown} is a directory or a git checkout, whose \
                 contents no --hash can vouch for: install it from a wheel or sdist file with its \
                 --hash, or leave hash-checking mode"
            );
        }
        Ok(())
    }

    /// Checks that every distribution of `install` has `--hash`es by name, as hash-checking mode
    /// (pip's `--require-hashes`, on automatically when any line has a `--hash`) requires; the
    /// caller checks this in that mode, before anything downloads. [`HashChecks::enabled`] is not
    /// looked at.
    ///
    /// Errors: the distributions of `install` that have no `--hash`, named.
    pub fn check_present(&self, install: &[ResolvedDist]) -> anyhow::Result<()> {
        let missing: Vec<String> = install
            .iter()
            .filter(|p| !self.by_name.contains_key(&p.name))
            .map(|p| format!("{}=={}", p.name, p.version))
            .collect();
        if !missing.is_empty() {
            bail!(
                "hash-checking mode is on (a requirement has --hash, or --require-hashes was \
                 given), but these distributions to install have no --hash: {}. Pin each with == \
                 and add its hashes to the requirements file",
                missing.join(", ")
            );
        }
        Ok(())
    }

    /// Checks the archive at `path` (shown as `shown`) against the hashes for `url` or, failing
    /// that, for `name`.
    ///
    /// Errors: in hash-checking mode, no hashes for it; a mismatch (naming the file, the line
    /// and both hashes); the file cannot be read.
    pub fn verify(
        &self,
        name: Option<&PackageName>,
        url: Option<&str>,
        path: &Path,
        shown: &str,
    ) -> anyhow::Result<()> {
        let allowed = url
            .and_then(|url| self.by_url.get(url))
            .or_else(|| name.and_then(|name| self.by_name.get(name)));
        let Some((expected, origin)) = allowed else {
            if self.enabled {
                bail!(
                    "hash-checking mode is on, but {shown} has no --hash: pin its requirement \
                     and add the file's hashes (`den pip compile --generate-hashes` writes them)"
                );
            }
            return Ok(());
        };
        let mut actual = Vec::new();
        let mut algorithms: Vec<HashAlgorithm> = expected.iter().map(|d| d.algorithm).collect();
        algorithms.dedup();
        for algorithm in algorithms {
            let digest = file_digest(path, algorithm)?;
            if expected.contains(&digest) {
                return Ok(());
            }
            actual.push(digest.to_string());
        }
        actual.dedup();
        let fix = match origin {
            RequirementOrigin::File { file, .. } => {
                format!("update the --hash in {}", file.display())
            }
            RequirementOrigin::CommandLine => "update the --hash".to_string(),
        };
        bail!(
            "hash mismatch for {shown} (from {origin}): the file has {}, but the requirement \
             allows only {}. Nothing was built or installed. If the new file is legitimate, {fix}",
            actual.join(", "),
            expected
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        )
    }
}
