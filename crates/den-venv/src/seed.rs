//! Seeding a new environment with pip the way `python -m venv` does through `ensurepip`, but
//! without running Python: the wheels the base interpreter bundles are installed with den's
//! installer.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use den_cache::Cache;
use den_dist::{Version, WheelFilename};
use den_install::{InstallOptions, InstallTarget};
use den_python::Interpreter;

use crate::{VenvError, VirtualEnv};

/// Installs the seed packages `python -m venv` would: pip, plus setuptools before Python 3.12,
/// from the wheels the interpreter's `ensurepip` bundles (the versions it pins), or, for a
/// Debian system Python whose ensurepip wheels were moved, from /usr/share/python-wheels.
/// A seed package already installed in the environment (re-running `den venv` over an
/// existing one, perhaps with an upgraded pip) is left as it is, as ensurepip leaves it.
/// Without `setuptools`, setuptools is left out (virtualenv's `--no-setuptools`). Returns
/// `name-version` of each seeded package.
///
/// # Errors
///
/// [`VenvError::NoBundledPip`] when no pip wheel is found, [`VenvError::Seed`] when a wheel
/// cannot be unpacked or installed.
pub fn seed(
    env: &VirtualEnv,
    interpreter: &Interpreter,
    cache: &Cache,
    setuptools: bool,
) -> Result<Vec<String>, VenvError> {
    let wanted = crate::ensurepip_packages(interpreter.major_minor);
    let ensurepip = interpreter.paths.stdlib.join("ensurepip");
    let pins = std::fs::read_to_string(ensurepip.join("__init__.py")).unwrap_or_default();
    let mut dirs = vec![ensurepip.join("_bundled")];
    if interpreter.paths.stdlib.starts_with("/usr/lib") {
        dirs.push(PathBuf::from("/usr/share/python-wheels"));
    }
    let target = InstallTarget {
        scheme: env.install_scheme(),
        python: env.python.clone(),
        python_version: interpreter.major_minor,
        relocatable: env.relocatable,
    };
    let options = InstallOptions {
        requested: true,
        ..InstallOptions::default()
    };
    let installed = den_install::installed_distributions(std::slice::from_ref(&env.site_packages))?;
    let mut seeded = Vec::new();
    for &name in wanted.iter().filter(|n| setuptools || **n != "setuptools") {
        if installed.iter().any(|dist| dist.name.as_ref() == name) {
            continue;
        }
        let pinned = pinned_version(&pins, name);
        let Some(wheel) = dirs
            .iter()
            .find_map(|dir| bundled_wheel(dir, name, pinned.as_ref()))
        else {
            if name == "pip" {
                return Err(VenvError::NoBundledPip {
                    executable: interpreter.executable.clone(),
                    searched: dirs,
                });
            }
            continue;
        };
        let unpacked = den_install::unpack_wheel(cache, &wheel)?;
        den_install::install_wheel(&unpacked, &target, &options)?;
        seeded.push(format!(
            "{}-{}",
            unpacked.filename.name, unpacked.filename.version
        ));
    }
    Ok(seeded)
}

/// The version ensurepip pins for `name` (`_PIP_VERSION = "23.2.1"` in its `__init__.py`).
fn pinned_version(source: &str, name: &str) -> Option<Version> {
    let variable = format!("_{}_VERSION", name.to_ascii_uppercase());
    source.lines().find_map(|line| {
        let value = line
            .trim()
            .strip_prefix(&variable)?
            .trim()
            .strip_prefix('=')?;
        Version::from_str(value.trim().trim_matches(['"', '\''])).ok()
    })
}

/// The `<name>-*.whl` in `dir` with the `pinned` version, else the newest one.
fn bundled_wheel(dir: &Path, name: &str, pinned: Option<&Version>) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    let wheels: Vec<(Version, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let file_name = entry.file_name().into_string().ok()?;
            let wheel = WheelFilename::from_str(&file_name).ok()?;
            (wheel.name.as_ref() == name).then(|| (wheel.version, entry.path()))
        })
        .collect();
    let chosen = match pinned {
        Some(pin) if wheels.iter().any(|(v, _)| v == pin) => {
            wheels.into_iter().find(|(v, _)| v == pin)
        }
        _ => wheels.into_iter().max_by(|a, b| a.0.cmp(&b.0)),
    };
    chosen.map(|(_, path)| path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ensurepip_pins() {
        let source = "import os\n_SETUPTOOLS_VERSION = \"56.0.0\"\n_PIP_VERSION = '23.0.1'\n";
        assert_eq!(pinned_version(source, "pip").unwrap().to_string(), "23.0.1");
        assert_eq!(
            pinned_version(source, "setuptools").unwrap().to_string(),
            "56.0.0"
        );
        assert!(pinned_version(source, "wheel").is_none());
    }

    #[test]
    fn prefers_the_pinned_wheel() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "pip-22.0.4-py3-none-any.whl",
            "pip-23.0.1-py3-none-any.whl",
            "other-9-py3-none-any.whl",
        ] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let pin = Version::from_str("22.0.4").unwrap();
        let chosen = bundled_wheel(dir.path(), "pip", Some(&pin)).unwrap();
        assert!(chosen.ends_with("pip-22.0.4-py3-none-any.whl"));
        let newest = bundled_wheel(dir.path(), "pip", None).unwrap();
        assert!(newest.ends_with("pip-23.0.1-py3-none-any.whl"));
    }
}
