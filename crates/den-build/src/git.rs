//! Git sources: [`git_checkout`], through the `git` command.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use den_cache::{Cache, CacheBucket, safe_key};
use den_dist::{IoResultExt, redact_credentials};

use crate::BuildError;

/// A full commit id: 40 (SHA-1) or 64 (SHA-256) hex digits.
fn is_full_commit(reference: &str) -> bool {
    matches!(reference.len(), 40 | 64) && reference.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Checks out `reference` of the git repository `repository` (a URL git understands, or a
/// local path) and returns `(tree, commit)`: the checked-out working tree (with its `.git`, so
/// tools like setuptools-scm work) and the full commit id, for PEP 610 `vcs_info.commit_id`.
///
/// `reference` is a branch, a tag, or a commit (full or abbreviated); `None` means the remote
/// `HEAD`. Layout in the Git bucket: `db/<repository key>` is a mirror clone, fetched again on
/// every call unless `reference` is a full commit id it already has;
/// `checkouts/<repository key>/<commit>` is a clone of it at that commit, with submodules, made
/// once in a temporary directory and renamed into place. Calls for one repository serialize
/// on a cache lock. git runs with `GIT_TERMINAL_PROMPT=0`, so it never waits for a password.
///
/// Errors: [`BuildError::GitArgument`] for a repository or reference starting with `-`;
/// [`BuildError::Git`] with git's message when cloning or fetching fails (including when git is
/// not installed) or the reference does not name a commit; cache and I/O errors.
pub fn git_checkout(
    cache: &Cache,
    repository: &str,
    reference: Option<&str>,
) -> Result<(PathBuf, String), BuildError> {
    for (what, value) in [("repository", Some(repository)), ("reference", reference)] {
        if let Some(value) = value.filter(|v| v.starts_with('-')) {
            return Err(BuildError::GitArgument {
                what,
                value: value.to_string(),
            });
        }
    }
    // Keyed without credentials, so no token ends up in a directory name.
    let key = safe_key(&redact_credentials(repository));
    let bucket = cache.bucket(CacheBucket::Git)?;
    let _guard = cache.lock(CacheBucket::Git, &key)?;
    let git = Git { repository };

    let db = bucket.join("db").join(&key);
    let wanted = reference.unwrap_or("HEAD");
    if db.join("HEAD").is_file() {
        let have_it = is_full_commit(wanted) && git.resolve(&db, wanted).is_ok();
        if !have_it {
            // A mirror's refspec (`+refs/*:refs/*`) updates every branch and tag.
            git.run(
                Some(&db),
                &["fetch", "--quiet", "--prune", "--force", "origin"],
            )?;
        }
    } else {
        let parent = bucket.join("db");
        fs::create_dir_all(&parent).at("create directory", &parent)?;
        let temp = den_cache::OwnedTempDir::new_in(&parent)?;
        let target = temp.path().join("db");
        git.run(
            None,
            &[
                "clone",
                "--quiet",
                "--mirror",
                "--",
                repository,
                &path_arg(&target),
            ],
        )?;
        fs::rename(&target, &db).at("move the clone to", &db)?;
    }
    let commit = git.resolve(&db, wanted)?;

    let checkout = bucket.join("checkouts").join(&key).join(&commit);
    if !checkout.is_dir() {
        let parent = bucket.join("checkouts").join(&key);
        fs::create_dir_all(&parent).at("create directory", &parent)?;
        let temp = den_cache::OwnedTempDir::new_in(&parent)?;
        let tree = temp.path().join("tree");
        let tree_arg = path_arg(&tree);
        git.run(
            None,
            &[
                "clone",
                "--quiet",
                "--no-checkout",
                "--",
                &path_arg(&db),
                &tree_arg,
            ],
        )?;
        git.run(Some(&tree), &["checkout", "--quiet", "--detach", &commit])?;
        // Relative submodule URLs are relative to the real repository, not to the cache's copy.
        git.run(Some(&tree), &["remote", "set-url", "origin", repository])?;
        if tree.join(".gitmodules").is_file() {
            git.run(
                Some(&tree),
                &["submodule", "update", "--quiet", "--init", "--recursive"],
            )?;
        }
        fs::rename(&tree, &checkout).at("move the checkout to", &checkout)?;
    }
    Ok((checkout, commit))
}

/// A path as a git argument (git takes bytes; den's cache paths are UTF-8 in practice).
fn path_arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Runs git for one repository, turning failures into [`BuildError::Git`].
struct Git<'a> {
    repository: &'a str,
}

impl Git<'_> {
    /// Runs `git <args>` (in `dir` when given) and returns its stdout.
    fn run(&self, dir: Option<&Path>, args: &[&str]) -> Result<String, BuildError> {
        let mut command = Command::new("git");
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        // Credentials in the URL (tokens) never reach a message.
        let failed = |output: String| BuildError::Git {
            repository: redact_credentials(self.repository).into_owned(),
            command: redact_credentials(&args.join(" ")).into_owned(),
            output: redact_credentials(&output).into_owned(),
        };
        let output = command
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                failed(format!(
                    "cannot run git ({e}); is git installed and on PATH?"
                ))
            })?;
        if !output.status.success() {
            return Err(failed(
                String::from_utf8_lossy(&output.stderr).trim().to_string(),
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    }

    /// The full commit id `reference` names in the repository at `db`: a branch or tag of the
    /// remote (a mirror keeps them under their own names), or a commit.
    fn resolve(&self, db: &Path, reference: &str) -> Result<String, BuildError> {
        self.run(
            Some(db),
            &["rev-parse", "--verify", "--quiet", &format!("{reference}^{{commit}}")],
        )
        .map_err(|_| BuildError::Git {
            repository: redact_credentials(self.repository).into_owned(),
            command: format!("rev-parse --verify {reference}^{{commit}}"),
            output: format!(
                "`{reference}` is not a branch, tag or commit of the repository; check the name after @"
            ),
        })
    }
}
