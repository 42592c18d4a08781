//! Copying an environment to a new location so the copy works on its own (`den venv --clone`,
//! virtualenvwrapper's `cpvirtualenv`, which uses virtualenv-clone): the tree is copied, then
//! every place that names the old location is rewritten ([`crate::relocate`]).

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use den_dist::IoResultExt;

use crate::VenvError;

/// Copies the environment at `src` to `dst` (which must not exist) and makes the copy
/// self-contained:
///
/// - files are copied with their permissions; symlinks are recreated, those pointing into
///   `src` re-pointed into `dst` (the `bin/python` links to the base interpreter stay);
/// - scripts in `bin/` whose `#!` line (or pip's `/bin/sh` `exec` launcher line) runs a
///   Python under `src` get the same line for `dst`; other text files in `bin/` naming `src`
///   get it replaced;
/// - `pyvenv.cfg`'s `prompt` becomes the new directory name when it was the old one;
/// - lines of `.pth` and `.egg-link` files in site-packages that start with `src` are
///   re-rooted;
/// - the activation scripts are regenerated through den-venv for `dst`;
/// - the entries of the source's top directory named in `skip` are not copied (den-workon's
///   temporary-environment marker: a copy of a `den env tmp` environment is a lasting one).
///
/// The source is only read. `dst`'s missing parent directories are created, as
/// [`crate::create_seeded`] creates them. The copy is made in a temporary directory beside `dst`, locked
/// by this process ([`den_cache::OwnedTempDir`]), with every path written into it naming
/// `dst`, then renamed to `dst` in one step: the clone appears whole or not at all, also when
/// den is killed midway (the next clone or environment made in that directory removes what a
/// killed den left).
///
/// # Errors
///
/// [`VenvError::CloneTargetExists`] when `dst` exists, [`VenvError::Io`], and those of
/// [`crate::relocate`].
pub fn clone_env(src: &Path, dst: &Path, skip: &[&str]) -> Result<(), VenvError> {
    if dst.exists() || dst.is_symlink() {
        return Err(VenvError::CloneTargetExists {
            path: dst.to_path_buf(),
        });
    }
    let parent = match dst.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    crate::create::create_dir_all(parent)?;
    let temp = den_cache::OwnedTempDir::new_in(parent).map_err(|e| e.0)?;
    copy_entries((src, dst), skip, src, temp.path())?;
    crate::relocate(src, dst, temp.path())?;
    fs::rename(temp.path(), dst).at("move the clone to", dst)?;
    temp.keep();
    Ok(())
}

/// Copies the directory `from` to `to`, both inside the environments `roots` = (source root,
/// copy root), recreating symlinks (re-pointed into the copy when they point into the source),
/// leaving out the entries of the source root named in `skip`.
fn copy_tree(
    roots: (&Path, &Path),
    skip: &[&str],
    from: &Path,
    to: &Path,
) -> Result<(), VenvError> {
    fs::create_dir(to).at("create directory", to)?;
    copy_entries(roots, skip, from, to)
}

/// [`copy_tree`] into the existing directory `to`, whose permissions become `from`'s.
fn copy_entries(
    roots: (&Path, &Path),
    skip: &[&str],
    from: &Path,
    to: &Path,
) -> Result<(), VenvError> {
    let permissions = fs::metadata(from).at("read", from)?.permissions();
    for entry in fs::read_dir(from).at("read", from)? {
        let entry = entry.at("read", from)?;
        let source = entry.path();
        if from == roots.0 && skip.iter().any(|name| entry.file_name() == *name) {
            continue;
        }
        let target = to.join(entry.file_name());
        let kind = entry.file_type().at("read", &source)?;
        if kind.is_symlink() {
            let link = fs::read_link(&source).at("read link", &source)?;
            let link = match link.strip_prefix(roots.0) {
                Ok(rest) if link.is_absolute() => roots.1.join(rest),
                _ => link,
            };
            symlink(&link, &target).at("create symlink", &target)?;
        } else if kind.is_dir() {
            copy_tree(roots, skip, &source, &target)?;
        } else {
            fs::copy(&source, &target).at("copy to", &target)?;
        }
    }
    fs::set_permissions(to, permissions).at("set permissions of", to)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn copies_and_relocates_a_fake_environment() {
        let temp = tempfile::tempdir().unwrap();
        let src = temp.path().join("src");
        let site = src.join("lib/python3.12/site-packages");
        fs::create_dir_all(src.join("bin")).unwrap();
        fs::create_dir_all(&site).unwrap();
        symlink("lib", src.join("lib64")).unwrap();
        symlink("/usr/bin/python3", src.join("bin/python")).unwrap();
        symlink(src.join("bin/python"), src.join("bin/python3")).unwrap();
        let old = src.to_str().unwrap();
        fs::write(src.join("pyvenv.cfg"), "home = /usr/bin\nprompt = src\n").unwrap();
        fs::write(src.join("bin/tool"), format!("#!{old}/bin/python\nrun()\n")).unwrap();
        fs::set_permissions(src.join("bin/tool"), fs::Permissions::from_mode(0o755)).unwrap();
        fs::write(
            src.join("bin/activate.xsh"),
            format!("$VIRTUAL_ENV = '{old}'\n"),
        )
        .unwrap();
        fs::write(
            site.join("dev.pth"),
            format!("{old}/src/pkg\n/elsewhere\nimport x\n"),
        )
        .unwrap();
        fs::write(src.join(".marker"), "").unwrap();
        let dst = temp.path().join("the copy");
        clone_env(&src, &dst, &[".marker"]).unwrap();
        assert!(!dst.join(".marker").exists(), "skipped");
        let new = dst.to_str().unwrap();

        assert_eq!(fs::read_link(dst.join("lib64")).unwrap(), Path::new("lib"));
        assert_eq!(
            fs::read_link(dst.join("bin/python")).unwrap(),
            Path::new("/usr/bin/python3")
        );
        assert_eq!(
            fs::read_link(dst.join("bin/python3")).unwrap(),
            dst.join("bin/python")
        );
        let tool = fs::read_to_string(dst.join("bin/tool")).unwrap();
        assert!(
            tool.starts_with(&format!("#!/bin/sh\n'''exec' '{new}/bin/python'")),
            "{tool}"
        );
        let mode = fs::metadata(dst.join("bin/tool"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
        assert_eq!(
            fs::read_to_string(dst.join("bin/activate.xsh")).unwrap(),
            format!("$VIRTUAL_ENV = '{new}'\n")
        );
        assert_eq!(
            fs::read_to_string(dst.join("lib/python3.12/site-packages/dev.pth")).unwrap(),
            format!("{new}/src/pkg\n/elsewhere\nimport x\n")
        );
        let cfg = fs::read_to_string(dst.join("pyvenv.cfg")).unwrap();
        assert_eq!(cfg, "home = /usr/bin\nprompt = the copy\n");
        let activate = fs::read_to_string(dst.join("bin/activate")).unwrap();
        assert!(activate.contains(new) && !activate.contains(old));
        // The source is untouched.
        let tool = fs::read_to_string(src.join("bin/tool")).unwrap();
        assert_eq!(tool, format!("#!{old}/bin/python\nrun()\n"));
        assert!(!src.join("bin/activate").exists());
        assert!(matches!(
            clone_env(&src, &dst, &[]),
            Err(VenvError::CloneTargetExists { .. })
        ));
        // The copy's top directory has the source's permissions, not its temporary one's.
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode(&dst), mode(&src));
    }

    #[test]
    fn a_clone_that_fails_leaves_nothing() {
        let temp = tempfile::tempdir().unwrap();
        let src = temp.path().join("src");
        fs::create_dir_all(src.join("bin")).unwrap();
        fs::write(src.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        // Copied whole, then refused: it has no site-packages to relocate.
        let dst = temp.path().join("copy");
        assert!(matches!(
            clone_env(&src, &dst, &[]),
            Err(VenvError::NoSitePackages { .. })
        ));
        let left: Vec<_> = fs::read_dir(temp.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(left, ["src"]);
    }
}
