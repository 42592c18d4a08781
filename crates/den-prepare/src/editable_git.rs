//! Editable git requirements (`-e git+URL@REV#egg=NAME`), as pip installs them: the
//! repository is cloned into the source directory (pip's `--src`) as `<normalized name>`, and
//! that clone is installed in editable mode like any `-e DIR`.

use std::path::{Path, PathBuf};

use den_build::{ExistsAction, SourceCheckout};
use den_cache::Cache;
use den_dist::{PackageName, redact_credentials};
use den_requirements::RequirementsSpec;
use pep508_rs::{VerbatimUrl, VersionOrUrl};
use url::Url;

use crate::PrepareError;
use crate::source::{parse_git, subdirectory};

/// An editable git requirement cloned into the source directory by [`check_out_editables`].
#[derive(Debug, Clone)]
pub struct EditableCheckout {
    /// The project.
    pub name: PackageName,
    /// The requirement's URL, credentials redacted.
    pub url: String,
    /// The clone (`<src>/<normalized name>`).
    pub dir: PathBuf,
    /// The commit the requirement's reference names.
    pub commit: String,
    /// What was done to the directory.
    pub done: SourceCheckout,
}

/// Clones each editable `git+` requirement of `spec` into `src_dir/<project name normalized
/// as pip's canonicalize_name does>` ([`den_build::git_source_checkout`]: a clone there
/// already is updated, anything else handled as `exists` says) and makes it the editable
/// requirement of that directory (its `#subdirectory=` inside it), so the clone is built and
/// installed as `-e DIR` is, and `pip freeze` reads its remote and commit. Returns what was
/// cloned, in order. Each requirement's repository and reference are fetched and checked in
/// den's cache before its own directory is touched (one cloned for an earlier requirement
/// stays if a later one fails, as pip's does).
///
/// Errors: an editable git requirement without a name (pip's `#egg=` is needed to name the
/// directory: [`PrepareError::EditableGitName`]); cloning, fetching or an unknown reference,
/// naming the URL ([`PrepareError::Direct`]).
pub fn check_out_editables(
    spec: &mut RequirementsSpec,
    cache: &Cache,
    src_dir: &Path,
    exists: &[ExistsAction],
) -> Result<Vec<EditableCheckout>, PrepareError> {
    if let Some(unnamed) = spec
        .unnamed
        .iter()
        .find(|u| u.editable && parse_git(&u.url.to_url()).is_some())
    {
        return Err(PrepareError::EditableGitName {
            given: redact_credentials(&unnamed.given).into_owned(),
        });
    }
    let mut done = Vec::new();
    for requirement in &mut spec.requirements {
        let Some(VersionOrUrl::Url(url)) = &requirement.version_or_url else {
            continue;
        };
        let url = url.to_url();
        let Some(slot) = spec.editables.iter().position(|e| e == url.as_str()) else {
            continue;
        };
        let Some((repository, reference)) = parse_git(&url) else {
            continue;
        };
        let shown = redact_credentials(url.as_str()).into_owned();
        let dir = src_dir.join(requirement.name.to_string());
        let (commit, how) =
            den_build::git_source_checkout(cache, &repository, reference.as_deref(), &dir, exists)
                .map_err(|source| PrepareError::Direct {
                    url: shown.clone(),
                    source: Box::new(source.into()),
                })?;
        let project = match subdirectory(&url) {
            Some(sub) => dir.join(sub),
            None => dir.clone(),
        };
        let local = Url::from_file_path(&project).map_err(|()| PrepareError::NotLocalPath)?;
        spec.editables[slot] = local.to_string();
        requirement.version_or_url = Some(VersionOrUrl::Url(
            VerbatimUrl::from_url(local).with_given(project.display().to_string()),
        ));
        done.push(EditableCheckout {
            name: requirement.name.clone(),
            url: shown,
            dir,
            commit,
            done: how,
        });
    }
    Ok(done)
}
