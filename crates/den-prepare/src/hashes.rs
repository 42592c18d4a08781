//! pip's hash-checking mode ("Secure installs" in pip's user guide): on when `--require-hashes`
//! is given or any requirement carries a `--hash`. Then every archive den downloads is checked
//! against the hashes of its requirement as soon as it is on disk, before it is unpacked, built
//! or read (building runs the project's code); an archive without hashes, a project directory
//! and a git checkout are refused, since nothing can vouch for them. Index files whose published
//! hash is not among the allowed ones are never candidates.

use std::path::Path;

use den_dist::{HashAlgorithm, HashDigest, Hasher, IoResultExt, PackageName};
use den_index::IndexFile;
use den_requirements::{AllowedHashes, RequirementHashes};

use crate::{PrepareError, ResolvedDist};

/// The digest of the file at `path`, streamed (a wheel can be hundreds of megabytes).
///
/// Errors: the file cannot be read, naming it.
pub(crate) fn file_digest(
    path: &Path,
    algorithm: HashAlgorithm,
) -> Result<HashDigest, PrepareError> {
    let mut file = std::fs::File::open(path).at("open", path)?;
    let mut hasher = Hasher::new(algorithm);
    std::io::copy(&mut file, &mut hasher).at("read", path)?;
    Ok(hasher.finalize())
}

/// What hash-checking mode allows, by project and by direct URL.
#[derive(Debug, Default, Clone)]
pub struct HashChecks {
    /// Whether hash-checking mode is on.
    pub enabled: bool,
    /// The requirements' `--hash` options, by project and by URL.
    pub hashes: RequirementHashes,
}

impl HashChecks {
    /// Whether hash-checking mode narrows the index files of `name` ([`HashChecks::admits`]
    /// can refuse one).
    pub fn narrows(&self, name: &PackageName) -> bool {
        self.enabled && self.hashes.by_name.contains_key(name)
    }

    /// Whether an index file may be a candidate for `name`: always outside hash-checking mode;
    /// inside it, unless the index publishes hashes none of which is allowed. The caller keeps
    /// every file when none is admitted (pip's rule, so the mismatch gets reported).
    pub fn admits(&self, name: &PackageName, file: &IndexFile) -> bool {
        match self.hashes.by_name.get(name) {
            Some(AllowedHashes {
                digests: allowed, ..
            }) if self.enabled && !file.hashes.is_empty() => {
                file.hashes.iter().any(|digest| allowed.contains(digest))
            }
            _ => true,
        }
    }

    /// Whether something made from an index archive of `name` whose SHA-256 is `sha256` (a
    /// wheel den built from it, found by that digest) may be used without the archive being
    /// downloaded and checked: when [`HashChecks::verify`] would check nothing for it (no
    /// `--hash` for `name`, hash-checking mode off), or when `sha256` is one of the allowed
    /// hashes, so the archive it was made from passes them. Otherwise the archive must be
    /// fetched and verified, so a mismatch, or a missing `--hash`, is still reported.
    pub fn vouches_for(&self, name: &PackageName, sha256: &HashDigest) -> bool {
        debug_assert_eq!(sha256.algorithm, HashAlgorithm::Sha256);
        match self.hashes.by_name.get(name) {
            Some(AllowedHashes {
                digests: allowed, ..
            }) => allowed.contains(sha256),
            None => !self.enabled,
        }
    }

    /// Refuses, in hash-checking mode, what cannot be hashed: `shown` is a directory or a git
    /// checkout.
    ///
    /// Errors: hash-checking mode is on.
    pub fn refuse_unhashable(&self, shown: &str) -> Result<(), PrepareError> {
        if self.enabled {
            return Err(PrepareError::Unhashable {
                shown: shown.to_string(),
            });
        }
        Ok(())
    }

    /// Checks that every distribution of `install` has `--hash`es by name, as hash-checking mode
    /// (pip's `--require-hashes`, on automatically when any line has a `--hash`) requires; the
    /// caller checks this in that mode, before anything downloads. [`HashChecks::enabled`] is not
    /// looked at.
    ///
    /// Errors: the distributions of `install` that have no `--hash`, named.
    pub fn check_present(&self, install: &[ResolvedDist]) -> Result<(), PrepareError> {
        let missing: Vec<String> = install
            .iter()
            .filter(|p| !self.hashes.by_name.contains_key(&p.name))
            .map(|p| format!("{}=={}", p.name, p.version))
            .collect();
        if !missing.is_empty() {
            return Err(PrepareError::MissingHashes { missing });
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
    ) -> Result<(), PrepareError> {
        let allowed = url
            .and_then(|url| self.hashes.by_url.get(url))
            .or_else(|| name.and_then(|name| self.hashes.by_name.get(name)));
        let Some(AllowedHashes {
            digests: expected,
            origin,
        }) = allowed
        else {
            if self.enabled {
                return Err(PrepareError::NoHash {
                    shown: shown.to_string(),
                });
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
        Err(PrepareError::HashMismatch {
            shown: shown.to_string(),
            origin: origin.clone(),
            actual: actual.join(", "),
            expected: expected
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use den_requirements::RequirementOrigin;

    use super::*;

    fn digest(text: &str) -> HashDigest {
        HashDigest::from_str(text).unwrap()
    }

    #[test]
    fn a_sha256_vouches_for_what_was_made_from_it_only_when_allowed() {
        let name = PackageName::from_str("guarded").unwrap();
        let (key, other) = (format!("sha256:{}", "a".repeat(64)), "b".repeat(64));
        let mut checks = HashChecks::default();
        assert!(checks.vouches_for(&name, &digest(&key)), "nothing to check");
        checks.enabled = true;
        assert!(
            !checks.vouches_for(&name, &digest(&key)),
            "hash-checking mode without a --hash for it: the archive must be fetched"
        );
        let allowed = |digests: Vec<HashDigest>| AllowedHashes {
            digests,
            origin: RequirementOrigin::CommandLine,
        };
        checks.hashes.by_name.insert(
            name.clone(),
            allowed(vec![digest(&format!("sha256:{other}"))]),
        );
        assert!(!checks.vouches_for(&name, &digest(&key)), "another hash");
        checks.hashes.by_name.insert(
            name.clone(),
            allowed(vec![
                digest(&format!("sha512:{}", "c".repeat(128))),
                digest(&key),
            ]),
        );
        assert!(checks.vouches_for(&name, &digest(&key)), "among them");
        // A --hash outside hash-checking mode is still checked (pip's rule), so it counts.
        checks.enabled = false;
        checks.hashes.by_name.insert(
            name.clone(),
            allowed(vec![digest(&format!("sha256:{other}"))]),
        );
        assert!(!checks.vouches_for(&name, &digest(&key)));
    }
}
