//! Git sources, through the `git` command: [`git_checkout`] (a commit's tree in the cache)
//! and [`git_source_checkout`] (a clone of one's own, for an editable install).

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
    let mirror = Mirror::fetch(cache, repository, reference)?;
    let (git, commit) = (&mirror.git, &mirror.commit);
    let checkout = mirror.checkouts.join(commit);
    if !checkout.is_dir() {
        fs::create_dir_all(&mirror.checkouts).at("create directory", &mirror.checkouts)?;
        let temp = den_cache::OwnedTempDir::new_in(&mirror.checkouts)?;
        let tree = temp.path().join("tree");
        git.run(
            None,
            &[
                "clone",
                "--quiet",
                "--no-checkout",
                "--",
                &path_arg(&mirror.db),
                &path_arg(&tree),
            ],
        )?;
        git.run(Some(&tree), &["checkout", "--quiet", "--detach", commit])?;
        mirror.finish_clone(&tree)?;
        fs::rename(&tree, &checkout).at("move the checkout to", &checkout)?;
    }
    Ok((checkout, mirror.commit))
}

/// What to do when the directory an editable checkout goes to exists and is not a clone of
/// the repository: pip's `--exists-action` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExistsAction {
    /// `s`: point the existing clone at the repository and check the commit out.
    Switch,
    /// `i`: leave the directory as it is (and install it).
    Ignore,
    /// `w`: delete the directory, then clone.
    Wipe,
    /// `b`: move the directory to `<dir>.bak` (`.bak2`, ...), then clone.
    Backup,
    /// `a`: stop.
    Abort,
}

impl ExistsAction {
    /// Every action, in the order pip offers them.
    const ALL: [Self; 5] = [
        Self::Switch,
        Self::Ignore,
        Self::Wipe,
        Self::Backup,
        Self::Abort,
    ];

    /// The action pip's letter (`s`, `i`, `w`, `b`, `a`) names.
    pub fn from_letter(letter: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|action| action.letter() == letter)
    }

    /// pip's letter for the action.
    fn letter(self) -> &'static str {
        match self {
            Self::Switch => "s",
            Self::Ignore => "i",
            Self::Wipe => "w",
            Self::Backup => "b",
            Self::Abort => "a",
        }
    }

    /// The action as pip's prompt offers it: `s (switch)`.
    fn offered(self) -> String {
        let word = match self {
            Self::Switch => "switch",
            Self::Ignore => "ignore",
            Self::Wipe => "wipe",
            Self::Backup => "backup",
            Self::Abort => "abort",
        };
        format!("{} ({word})", self.letter())
    }
}

/// What [`git_source_checkout`] did to its directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceCheckout {
    /// Cloned there (after wiping or backing up what was there, as the [`ExistsAction`]
    /// said).
    Cloned,
    /// A clone of the repository was there: its remote fetched and the commit checked out
    /// (`git reset --hard`, as pip updates).
    Updated,
    /// A clone of the repository was there with the commit checked out already.
    UpToDate,
    /// A clone of another repository was there: switched to this one ([`ExistsAction::Switch`]).
    Switched,
    /// Something else was there and was left alone ([`ExistsAction::Ignore`]).
    Ignored,
}

/// Makes `dest` a git clone of `repository` with `reference` checked out, as pip's `obtain`
/// does for an editable VCS requirement (its `--src` directory), and returns the commit the
/// reference names and what was done. The clone is made from den's mirror of the repository
/// (fetched as [`git_checkout`] fetches it) with `origin` pointing at `repository`, so later
/// `git fetch`es go to the real remote; a branch or tag is checked out as `git clone
/// --branch` does (a branch tracks `origin/<branch>`), a commit detached, `None` the default
/// branch. A new clone is made in a temporary directory beside `dest` and renamed into place,
/// so a failure leaves nothing behind.
///
/// When `dest` exists: a clone whose `origin` is `repository` is updated to the commit (its
/// remote fetched, then `git reset --hard`), unless it has the commit checked out already;
/// anything else is handled as `exists` says ([`ExistsAction`]; `Switch` only for a git
/// clone); with no usable action the call fails ([`BuildError::SourceExists`]), since den
/// does not ask.
///
/// Errors: those of [`git_checkout`] (git missing, the clone or fetch failing, a reference
/// that names no commit, checked before `dest` is touched), [`BuildError::SourceExists`],
/// I/O errors.
pub fn git_source_checkout(
    cache: &Cache,
    repository: &str,
    reference: Option<&str>,
    dest: &Path,
    exists: &[ExistsAction],
) -> Result<(String, SourceCheckout), BuildError> {
    let mirror = Mirror::fetch(cache, repository, reference)?;
    let git = &mirror.git;
    let commit = mirror.commit.clone();
    if !dest.exists() {
        mirror.clone_to(reference, dest, |_| Ok(None))?;
        return Ok((commit, SourceCheckout::Cloned));
    }
    let origin = dest
        .join(".git")
        .exists()
        .then(|| {
            git.run(Some(dest), &["config", "--get", "remote.origin.url"])
                .ok()
        })
        .flatten();
    if let Some(origin) = &origin
        && same_url(origin, repository)
    {
        if git.run(Some(dest), &["rev-parse", "HEAD"]).ok().as_deref() == Some(&commit) {
            return Ok((commit, SourceCheckout::UpToDate));
        }
        mirror.reset_to(dest)?;
        return Ok((commit, SourceCheckout::Updated));
    }
    let shown = redact_credentials(repository).into_owned();
    // Switching needs a clone to switch.
    let allowed: Vec<ExistsAction> = ExistsAction::ALL
        .into_iter()
        .filter(|action| origin.is_some() || *action != ExistsAction::Switch)
        .collect();
    let what = match &origin {
        Some(origin) => format!("is a clone of {}", redact_credentials(origin)),
        None => "is not a git clone".to_string(),
    };
    let Some(action) = exists.iter().find(|a| allowed.contains(a)) else {
        let offered: Vec<String> = allowed.iter().map(|action| action.offered()).collect();
        let choices = match offered.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        return Err(BuildError::SourceExists {
            dest: dest.to_path_buf(),
            repository: shown,
            what,
            hint: format!(
                "choose what to do with --exists-action {choices} (or the variable PIP_EXISTS_ACTION)"
            ),
        });
    };
    match action {
        ExistsAction::Abort => Err(BuildError::SourceExists {
            dest: dest.to_path_buf(),
            repository: shown,
            what,
            hint: "stopped, as --exists-action a says".to_string(),
        }),
        ExistsAction::Ignore => Ok((commit, SourceCheckout::Ignored)),
        ExistsAction::Switch => {
            tracing::info!("Switching clone {} to {shown}", dest.display());
            git.run(Some(dest), &["config", "remote.origin.url", repository])?;
            mirror.reset_to(dest)?;
            Ok((commit, SourceCheckout::Switched))
        }
        // The clone is made first and the directory only moved aside (deleted with the
        // clone's scratch directory), so a failure leaves it as it was.
        ExistsAction::Wipe => {
            mirror.clone_to(reference, dest, |scratch| {
                tracing::warn!("Deleting {}", dest.display());
                let old = scratch.join("old");
                fs::rename(dest, &old).at("move the directory to", &old)?;
                Ok(Some(old))
            })?;
            Ok((commit, SourceCheckout::Cloned))
        }
        ExistsAction::Backup => {
            mirror.clone_to(reference, dest, |_| {
                let backup = backup_dir(dest);
                tracing::warn!("Backing up {} to {}", dest.display(), backup.display());
                fs::rename(dest, &backup).at("move the directory to", &backup)?;
                Ok(Some(backup))
            })?;
            Ok((commit, SourceCheckout::Cloned))
        }
    }
}

/// Whether two remote URLs name the same repository as pip compares them (trailing `/`
/// ignored).
fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// Where pip backs `dir` up to: `<dir>.bak`, else `<dir>.bak2`, `<dir>.bak3`... whichever
/// does not exist yet.
fn backup_dir(dir: &Path) -> PathBuf {
    let with = |extension: String| {
        let mut name = dir.as_os_str().to_os_string();
        name.push(extension);
        PathBuf::from(name)
    };
    (1..)
        .map(|n| {
            with(if n == 1 {
                ".bak".to_string()
            } else {
                format!(".bak{n}")
            })
        })
        .find(|candidate| !candidate.exists())
        .expect("some backup name is free")
}

/// A repository's mirror clone in the Git bucket, fetched for a reference, with the commit
/// that reference names. The repository's cache lock is held while it lives.
struct Mirror<'a> {
    git: Git<'a>,
    /// The mirror clone (`db/<repository key>`).
    db: PathBuf,
    /// Where its checkouts go (`checkouts/<repository key>`).
    checkouts: PathBuf,
    /// The full commit id the reference names.
    commit: String,
    _guard: den_cache::LockGuard,
}

impl<'a> Mirror<'a> {
    /// Makes or fetches the mirror of `repository` (see [`git_checkout`]) and resolves
    /// `reference` (`None`: the remote `HEAD`) in it.
    fn fetch(
        cache: &Cache,
        repository: &'a str,
        reference: Option<&str>,
    ) -> Result<Self, BuildError> {
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
        let guard = cache.lock(CacheBucket::Git, &key)?;
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
        Ok(Self {
            git,
            db,
            checkouts: bucket.join("checkouts").join(&key),
            commit,
            _guard: guard,
        })
    }

    /// Whether `reference` is a branch or a tag of the repository (not a commit id).
    fn is_named(&self, reference: &str) -> bool {
        ["heads", "tags"].iter().any(|kind| {
            self.git
                .run(
                    Some(&self.db),
                    &[
                        "show-ref",
                        "--verify",
                        "--quiet",
                        &format!("refs/{kind}/{reference}"),
                    ],
                )
                .is_ok()
        })
    }

    /// Clones the mirror to `dest` with `reference` checked out: a
    /// branch or tag as `git clone --branch` checks it out, a commit detached, `None` the
    /// default branch. Made in a temporary directory beside `dest`, then renamed into place
    /// once `make_room` has cleared `dest`: given that scratch directory (deleted at the end),
    /// it moves what was there aside and says where, so that it is put back should the
    /// clone not move into place (and, should that fail too, kept and named in the error).
    fn clone_to(
        &self,
        reference: Option<&str>,
        dest: &Path,
        make_room: impl FnOnce(&Path) -> Result<Option<PathBuf>, BuildError>,
    ) -> Result<(), BuildError> {
        let parent = dest.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(parent).at("create directory", parent)?;
        let temp = tempfile::Builder::new()
            .prefix(".den-clone-")
            .tempdir_in(parent)
            .at("create a temporary directory in", parent)?;
        let tree = temp.path().join("tree");
        let named = reference.filter(|r| self.is_named(r));
        let mut args = vec!["clone", "--quiet"];
        match (reference, named) {
            (_, Some(name)) => args.extend(["--branch", name]),
            (Some(_), None) => args.push("--no-checkout"),
            (None, None) => {}
        }
        let (db, tree_arg) = (path_arg(&self.db), path_arg(&tree));
        args.extend(["--", &db, &tree_arg]);
        self.git.run(None, &args)?;
        if reference.is_some() && named.is_none() {
            self.git.run(
                Some(&tree),
                &["checkout", "--quiet", "--detach", &self.commit],
            )?;
        }
        self.finish_clone(&tree)?;
        let moved = make_room(temp.path())?;
        let Err(source) = fs::rename(&tree, dest) else {
            return Ok(());
        };
        match moved {
            Some(moved) if fs::rename(&moved, dest).is_err() => {
                // Never deleted with the scratch directory it may be in.
                let _ = temp.keep();
                Err(BuildError::CloneNotPlaced {
                    dest: dest.to_path_buf(),
                    kept: moved,
                    source,
                })
            }
            _ => Err(source)
                .at("move the clone to", dest)
                .map_err(Into::into),
        }
    }

    /// Brings the clone at `dest` to the commit as pip's update does: `git fetch --tags` from
    /// its `origin`, `git reset --hard <commit>`, submodules updated.
    fn reset_to(&self, dest: &Path) -> Result<(), BuildError> {
        let git = &self.git;
        git.run(Some(dest), &["fetch", "--quiet", "--tags", "origin"])?;
        git.run(Some(dest), &["reset", "--quiet", "--hard", &self.commit])?;
        git.update_submodules(dest)
    }

    /// Points the clone of the mirror at `tree` to the real repository (relative submodule
    /// URLs are relative to it, not to the cache's copy) and checks out its submodules.
    fn finish_clone(&self, tree: &Path) -> Result<(), BuildError> {
        let git = &self.git;
        git.run(Some(tree), &["remote", "set-url", "origin", git.repository])?;
        git.update_submodules(tree)
    }
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

    /// Checks out the submodules of the work tree `tree`, if it has any.
    fn update_submodules(&self, tree: &Path) -> Result<(), BuildError> {
        if tree.join(".gitmodules").is_file() {
            self.run(
                Some(tree),
                &["submodule", "update", "--quiet", "--init", "--recursive"],
            )?;
        }
        Ok(())
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
