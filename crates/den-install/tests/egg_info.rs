//! Legacy setuptools `.egg-info` installs (`setup.py install` by old pip): uninstalled as
//! pip uninstalls them, and replaced by a wheel install of the same project. A test whose
//! interpreter is missing reports it, and fails under `DEN_TEST_REQUIRE_ALL=1`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use den_install::{
    DistKind, InstallError, InstallOptions, find_installed, install_wheel, installed_distributions,
    uninstall, unpack_wheel,
};
use den_test_support::WheelBuilder;
use std::str::FromStr;

mod common;
use common::{EggList, Venv, assert_record_verifies, fake_target, legacy_egg_info, run, scratch};

/// Every file and directory under `root`, relative to it.
fn entries(root: &Path) -> BTreeSet<PathBuf> {
    walkdir::WalkDir::new(root)
        .min_depth(1)
        .into_iter()
        .map(|e| e.unwrap().path().strip_prefix(root).unwrap().to_path_buf())
        .collect()
}

/// The simplejson distribution installed in `sp`.
fn simplejson(sp: &Path) -> den_install::InstalledDist {
    let name = den_dist::PackageName::from_str("simplejson").unwrap();
    find_installed(&[sp.to_path_buf()], &name)
        .unwrap()
        .expect("simplejson is installed")
}

/// `simplejson 3.19.1` as a wheel: a different module set than 3.17.0 (no `decoder.py`,
/// no extension module) and the same console script.
fn new_wheel(dir: &Path) -> PathBuf {
    WheelBuilder::new("simplejson", "3.19.1")
        .file("simplejson/__init__.py", b"VERSION = '3.19.1'\n")
        .file("simplejson/encoder.py", b"ENCODER = 1\n")
        .console_script("sjtool", "simplejson:main")
        .build(dir)
}

#[test]
fn egg_info_installs_are_uninstalled_as_pip_uninstalls_them() {
    let Some(venv) = Venv::create(true) else {
        return;
    };
    let sp = venv.site_packages();
    let victim = venv.root.parent().unwrap().join("victim.txt");
    for list in [EggList::InstalledFiles, EggList::TopLevel] {
        // What pip removes...
        legacy_egg_info(&venv.root, &sp, list);
        let before = entries(&venv.root);
        run(venv
            .python()
            .args(["-m", "pip", "uninstall", "-y", "simplejson"]));
        let by_pip: BTreeSet<_> = before.difference(&entries(&venv.root)).cloned().collect();
        // ... den removes too, and nothing more.
        legacy_egg_info(&venv.root, &sp, list);
        assert_eq!(entries(&venv.root), before, "{list:?}: fixture rebuilt");
        let dist = simplejson(&sp);
        assert_eq!(dist.kind, DistKind::EggInfoDir);
        let result = uninstall(&dist).unwrap();
        let by_den: BTreeSet<_> = before.difference(&entries(&venv.root)).cloned().collect();
        assert_eq!(by_den, by_pip, "{list:?}");
        assert!(by_den.contains(Path::new("bin/sjtool")), "{by_den:?}");
        assert!(
            by_den.iter().any(|p| p.ends_with("simplejson")),
            "{by_den:?}"
        );
        assert!(sp.join("ns/shared.py").is_file());
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        let expected_skips = match list {
            EggList::InstalledFiles => vec![victim.clone()],
            EggList::TopLevel => vec![],
        };
        assert_eq!(result.skipped, expected_skips, "{list:?}");
        assert_eq!(result.removed.last(), Some(&dist.path));
        assert!(
            installed_distributions(std::slice::from_ref(&sp))
                .unwrap()
                .iter()
                .all(|d| d.name.as_ref() != "simplejson")
        );
    }
}

#[test]
fn top_level_names_never_reach_the_environment_layout() {
    let (tmp, _cache) = scratch();
    let env = tmp.path().join("env");
    let sp = fake_target(&env).scheme.purelib;
    let egg = legacy_egg_info(&env, &sp, EggList::TopLevel);
    fs::write(egg.join("top_level.txt"), "..\n.\n\nsimplejson\n").unwrap();
    fs::write(sp.join("other.py"), b"").unwrap();
    uninstall(&simplejson(&sp)).unwrap();
    assert!(sp.join("other.py").is_file());
    assert!(sp.join("sjmod.py").is_file());
    assert!(!sp.join("simplejson").exists());
    assert!(!egg.exists());
}

#[test]
fn distutils_egg_info_files_are_refused() {
    let (tmp, _cache) = scratch();
    let sp = fake_target(&tmp.path().join("env")).scheme.purelib;
    fs::create_dir_all(&sp).unwrap();
    let file = sp.join("legacy-2.0-py3.12.egg-info");
    fs::write(&file, "Metadata-Version: 1.1\nName: legacy\nVersion: 2.0\n").unwrap();
    let dist = installed_distributions(std::slice::from_ref(&sp)).unwrap();
    let err = uninstall(&dist[0]).unwrap_err();
    assert!(
        matches!(err, InstallError::LegacyDistribution { .. }),
        "{err}"
    );
    assert!(file.is_file());
}

#[test]
fn wheel_install_replaces_an_egg_info_install_and_failure_keeps_it() {
    for list in [EggList::InstalledFiles, EggList::TopLevel] {
        let (tmp, cache) = scratch();
        let env = tmp.path().join("env");
        let target = fake_target(&env);
        let sp = target.scheme.purelib.clone();
        let egg = legacy_egg_info(&env, &sp, list);
        let before = entries(&env);
        let unpacked = unpack_wheel(&cache, &new_wheel(tmp.path())).unwrap();

        let mut broken = target.clone();
        fs::write(tmp.path().join("blocker"), b"").unwrap();
        broken.scheme.scripts = tmp.path().join("blocker/bin");
        install_wheel(&unpacked, &broken, &InstallOptions::default()).unwrap_err();
        assert_eq!(
            entries(&env),
            before,
            "{list:?}: failed install must keep 3.17.0"
        );
        assert_eq!(
            fs::read_to_string(sp.join("simplejson/__init__.py")).unwrap(),
            "VERSION = '3.17.0'\n"
        );

        let installed = install_wheel(&unpacked, &target, &InstallOptions::default()).unwrap();
        let replaced = installed.replaced.unwrap();
        assert_eq!(
            (replaced.kind, replaced.path.clone()),
            (DistKind::EggInfoDir, egg.clone())
        );
        assert!(!egg.exists());
        let listed = installed_distributions(std::slice::from_ref(&sp)).unwrap();
        assert_eq!(listed, vec![installed.dist.clone()], "{list:?}");
        assert_record_verifies(&installed.dist);
        for gone in [
            "simplejson/decoder.py",
            "simplejson/tests",
            "simplejson/_speedups.cpython-312-x86_64-linux-gnu.so",
            "simplejson/__pycache__",
            "sjmod.py",
            "__pycache__",
        ] {
            assert!(!sp.join(gone).exists(), "{list:?}: {gone} left behind");
        }
        assert!(sp.join("ns/shared.py").is_file());
        assert!(env.join("bin/sjtool").is_file());
        let expected_skips = match list {
            EggList::InstalledFiles => vec![tmp.path().join("victim.txt")],
            EggList::TopLevel => vec![],
        };
        assert_eq!(installed.skipped, expected_skips);
        assert_eq!(
            fs::read(tmp.path().join("victim.txt"))
                .unwrap_or_default()
                .len(),
            expected_skips.len() * 8
        );
    }
}

#[test]
fn python_and_pip_see_only_the_wheel_after_replacing_an_egg_info() {
    let Some(venv) = Venv::create(true) else {
        return;
    };
    let (tmp, cache) = scratch();
    let sp = venv.site_packages();
    legacy_egg_info(&venv.root, &sp, EggList::InstalledFiles);
    let unpacked = unpack_wheel(&cache, &new_wheel(tmp.path())).unwrap();
    install_wheel(&unpacked, &venv.target, &InstallOptions::default()).unwrap();
    let versions = run(venv.python().args([
        "-c",
        "import importlib.metadata as m, simplejson; \
         print(sorted(d.version for d in m.distributions() if d.metadata['Name'] == 'simplejson'), simplejson.VERSION)",
    ]));
    assert_eq!(versions.trim(), "['3.19.1'] 3.19.1");
    let listed = run(venv.python().args(["-m", "pip", "list", "--format=freeze"]));
    assert!(listed.contains("simplejson==3.19.1"), "{listed}");
    assert!(!listed.contains("3.17.0"), "{listed}");
}
