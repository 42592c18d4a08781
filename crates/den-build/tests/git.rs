//! `git_checkout` against a local repository made with `git init` in a temporary directory.

use std::path::Path;
use std::process::Command;

use den_build::{BuildError, git_checkout};
use den_cache::Cache;

/// Runs git in `dir` with a fixed identity; returns trimmed stdout.
fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=den",
            "-c",
            "user.email=den@example.invalid",
        ])
        .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

fn commit(dir: &Path, contents: &str) -> String {
    std::fs::write(dir.join("version.txt"), contents).unwrap();
    git(dir, &["add", "version.txt"]);
    git(dir, &["commit", "-q", "-m", contents]);
    git(dir, &["rev-parse", "HEAD"])
}

fn read(tree: &Path) -> String {
    std::fs::read_to_string(tree.join("version.txt")).unwrap()
}

#[test]
fn checks_out_branches_tags_and_commits() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    let first = commit(&repo, "one");
    git(&repo, &["tag", "v1.0"]);
    let second = commit(&repo, "two");
    git(&repo, &["checkout", "-q", "-b", "feature", "v1.0"]);
    let feature = commit(&repo, "feature");
    git(&repo, &["checkout", "-q", "main"]);

    let cache = Cache::open(tmp.path().join("cache")).unwrap();
    let url = repo.to_str().unwrap();

    let (tree, id) = git_checkout(&cache, url, None).unwrap();
    assert_eq!(
        (read(&tree), id.as_str()),
        ("two".to_string(), second.as_str())
    );
    assert!(
        tree.join(".git").exists(),
        "the checkout keeps its git metadata"
    );

    let (tree, id) = git_checkout(&cache, url, Some("v1.0")).unwrap();
    assert_eq!((read(&tree), id), ("one".to_string(), first.clone()));

    let (tree, id) = git_checkout(&cache, url, Some("feature")).unwrap();
    assert_eq!((read(&tree), id), ("feature".to_string(), feature));

    let (tree, id) = git_checkout(&cache, url, Some(&first[..10])).unwrap();
    assert_eq!((read(&tree), id), ("one".to_string(), first.clone()));

    // A new commit on the branch is fetched on the next call.
    let third = commit(&repo, "three");
    let (tree, id) = git_checkout(&cache, url, Some("main")).unwrap();
    assert_eq!((read(&tree), id), ("three".to_string(), third));

    // A checkout of a known commit is reused.
    let (again, id) = git_checkout(&cache, url, Some(&first)).unwrap();
    assert_eq!(id, first);
    assert!(again.is_dir());
}

#[test]
fn bad_references_and_repositories_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    commit(&repo, "one");
    let cache = Cache::open(tmp.path().join("cache")).unwrap();
    let url = repo.to_str().unwrap();

    let err = git_checkout(&cache, url, Some("no-such-branch")).unwrap_err();
    assert!(matches!(err, BuildError::Git { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("`no-such-branch` is not a branch, tag or commit"),
        "{err}"
    );

    let err = git_checkout(&cache, url, Some("--upload-pack=touch /tmp/x")).unwrap_err();
    assert!(
        matches!(
            err,
            BuildError::GitArgument {
                what: "reference",
                ..
            }
        ),
        "{err}"
    );

    let missing = tmp.path().join("missing");
    let err = git_checkout(&cache, missing.to_str().unwrap(), None).unwrap_err();
    assert!(matches!(err, BuildError::Git { .. }), "{err}");
    assert!(err.to_string().contains("clone"), "{err}");
}

#[test]
fn credentials_never_reach_errors_or_cache_names() {
    let cache = den_cache::Cache::temporary().unwrap();
    let err = den_build::git_checkout(
        &cache,
        "https://user:s3cretTOKEN@127.0.0.1:9/repo.git",
        Some("main"),
    )
    .unwrap_err()
    .to_string();
    assert!(!err.contains("s3cretTOKEN"), "{err}");
    let names: Vec<String> = walkdir::WalkDir::new(cache.root())
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().display().to_string())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains("s3cretTOKEN")),
        "{names:?}"
    );
}
