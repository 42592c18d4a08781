//! Helpers shared by the integration tests: real virtual environments, scratch caches, demo
//! wheels and RECORD checks.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use den_cache::Cache;
use den_dist::record_hash;
use den_install::{InstallScheme, InstallTarget};
use den_test_support::WheelBuilder;

/// A base interpreter to create venvs with: pyenv's 3.12.1, else the system's
/// `/usr/bin/python3`; or a report that there is none (a failure under
/// `DEN_TEST_REQUIRE_ALL=1`) and `None`.
pub fn base_python() -> Option<PathBuf> {
    den_test_support::require(
        den_test_support::pyenv_python("3.12.1").or_else(den_test_support::system_python),
        "a CPython (pyenv's 3.12.1 or /usr/bin/python3)",
        "installs into a real virtual environment",
    )
}

/// A virtual environment made by the real `venv` module.
pub struct Venv {
    _dir: tempfile::TempDir,
    /// The environment's directory.
    pub root: PathBuf,
    /// Its scheme and interpreter.
    pub target: InstallTarget,
}

impl Venv {
    /// A venv of [`base_python`], with or without pip.
    pub fn create(with_pip: bool) -> Option<Self> {
        Self::create_with(base_python()?, with_pip)
    }

    /// A venv of the newest pyenv Python (3.13, whose bundled pip is 24.x), else of
    /// [`base_python`]; with pip.
    pub fn with_newest_pip() -> Option<Self> {
        let newest = den_test_support::pyenv_python("3.13.0");
        Self::create_with(newest.or_else(base_python)?, true)
    }

    fn create_with(python: PathBuf, with_pip: bool) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("venv");
        let mut cmd = Command::new(python);
        cmd.args(["-m", "venv"]);
        if !with_pip {
            cmd.arg("--without-pip");
        }
        assert!(cmd.arg(&root).status().unwrap().success());
        let env_python = root.join("bin/python");
        let out = run(Command::new(&env_python).args([
            "-c",
            "import sys, sysconfig; p = sysconfig.get_paths(); \
             print(p['purelib']); print(p['platlib']); print(p['scripts']); print(p['data']); \
             print('%d.%d' % sys.version_info[:2])",
        ]));
        let lines: Vec<&str> = out.lines().collect();
        let (major, minor) = lines[4].split_once('.').unwrap();
        let target = InstallTarget {
            scheme: InstallScheme {
                purelib: lines[0].into(),
                platlib: lines[1].into(),
                scripts: lines[2].into(),
                data: lines[3].into(),
                headers: root.join(format!("include/site/python{}", lines[4])),
            },
            python: env_python,
            python_version: (major.parse().unwrap(), minor.parse().unwrap()),
            relocatable: false,
        };
        Some(Self {
            _dir: dir,
            root,
            target,
        })
    }

    /// A command running the environment's interpreter.
    pub fn python(&self) -> Command {
        Command::new(&self.target.python)
    }

    /// The environment's purelib directory.
    pub fn site_packages(&self) -> PathBuf {
        self.target.scheme.purelib.clone()
    }
}

/// Runs `cmd`, asserts success, returns stdout.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A temporary directory for wheels and environments, and a temporary cache.
pub fn scratch() -> (tempfile::TempDir, Cache) {
    (tempfile::tempdir().unwrap(), Cache::temporary().unwrap())
}

/// A package exercising every install feature.
pub fn demo_wheel(version: &str) -> WheelBuilder {
    WheelBuilder::new("Den.Demo", version)
        .file(
            "den_demo/__init__.py",
            format!("VERSION = '{version}'\n").as_bytes(),
        )
        .file(
            "den_demo/cli.py",
            b"import sys\ndef main():\n    print('tool ran with', sys.argv[1:])\n    return 3\n",
        )
        .file("den_demo/odd name \"q\".txt", b"space and quotes\n")
        .data_file(
            "scripts/demo-script",
            b"#!python\nimport sys, den_demo\nprint('script', den_demo.VERSION, sys.executable)\n",
        )
        .data_file("scripts/plain.sh", b"#!/bin/sh\necho plain\n")
        .data_file("data/share/den-demo/readme.txt", b"shared data\n")
        .data_file("headers/demo.h", b"#define DEMO 1\n")
        .console_script("den-demo-tool", "den_demo.cli:main")
        .gui_script("den-demo-gui", "den_demo.cli:main")
}

/// Checks that every RECORD row with a hash matches the installed file.
pub fn assert_record_verifies(dist: &den_install::InstalledDist) {
    for entry in dist.record().unwrap() {
        let path = dist.site_packages().join(&entry.path);
        let Some(hash) = &entry.hash else {
            assert!(entry.path.ends_with("/RECORD"), "{entry:?} has no hash");
            continue;
        };
        let content = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(hash, &record_hash(&content), "{}", entry.path);
        assert_eq!(entry.size, Some(content.len() as u64), "{}", entry.path);
    }
}

/// A scheme inside a temporary directory (no interpreter needed).
pub fn fake_target(root: &Path) -> InstallTarget {
    let site_packages = root.join("lib/python3.12/site-packages");
    InstallTarget {
        scheme: InstallScheme {
            purelib: site_packages.clone(),
            platlib: site_packages,
            scripts: root.join("bin"),
            data: root.to_path_buf(),
            headers: root.join("include/site/python3.12"),
        },
        python: root.join("bin/python"),
        python_version: (3, 12),
        relocatable: false,
    }
}

/// Which file list a fake setuptools `.egg-info` directory has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EggList {
    /// `installed-files.txt`, as pip's legacy `setup.py install --record` wrote it: paths
    /// relative to the `.egg-info` directory (`../simplejson/__init__.py`).
    InstalledFiles,
    /// Only `top_level.txt` (`setup.py install --single-version-externally-managed` run
    /// without pip).
    TopLevel,
}

/// Writes `simplejson 3.17.0` as old pip installed it from an sdist (`setup.py install`)
/// into the environment at `root`, whose site-packages is `root/lib/python3.12/...` (or any
/// `root/lib/pythonX.Y/site-packages`: `sp`) and scripts directory `root/bin`: the package
/// (with a subpackage, bytecode and an extension module), a module `sjmod.py` with its
/// bytecode, `ns/mine.py` in the namespace package `ns` (shared with `ns/shared.py` of
/// another distribution), the script `bin/sjtool`, and
/// `simplejson-3.17.0-py3.12.egg-info/`. With [`EggList::InstalledFiles`] the listing also
/// names `../../../../../victim.txt`, a file beside `root` (outside the environment),
/// which is created too. Returns the `.egg-info` directory.
pub fn legacy_egg_info(root: &Path, sp: &Path, list: EggList) -> PathBuf {
    let files: [(&str, &[u8]); 9] = [
        ("simplejson/__init__.py", b"VERSION = '3.17.0'\n"),
        ("simplejson/decoder.py", b"DECODER = 1\n"),
        ("simplejson/tests/__init__.py", b""),
        ("simplejson/__pycache__/__init__.cpython-312.pyc", b"pyc"),
        (
            "simplejson/_speedups.cpython-312-x86_64-linux-gnu.so",
            b"ELF",
        ),
        ("sjmod.py", b"SJ = 1\n"),
        ("__pycache__/sjmod.cpython-312.pyc", b"pyc"),
        ("ns/mine.py", b"MINE = 1\n"),
        ("ns/shared.py", b"SHARED = 1\n"),
    ];
    for (path, content) in files {
        let path = sp.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    fs::create_dir_all(root.join("bin")).unwrap();
    fs::write(root.join("bin/sjtool"), b"#!/bin/sh\necho sjtool\n").unwrap();
    let egg = sp.join("simplejson-3.17.0-py3.12.egg-info");
    fs::create_dir_all(&egg).unwrap();
    let metadata: [(&str, &str); 6] = [
        (
            "PKG-INFO",
            "Metadata-Version: 1.1\nName: simplejson\nVersion: 3.17.0\n",
        ),
        ("SOURCES.txt", "setup.py\nsimplejson/__init__.py\n"),
        ("top_level.txt", "simplejson\nsjmod\nns\n"),
        ("namespace_packages.txt", "ns\n"),
        ("dependency_links.txt", "\n"),
        (
            "entry_points.txt",
            "[console_scripts]\nsjtool = simplejson.tool:main\n",
        ),
    ];
    for (name, content) in metadata {
        fs::write(egg.join(name), content).unwrap();
    }
    if list == EggList::InstalledFiles {
        let victim = root.parent().unwrap().join("victim.txt");
        fs::write(&victim, b"precious").unwrap();
        let listed: Vec<String> = files
            .iter()
            .map(|(path, _)| format!("../{path}"))
            .filter(|path| path != "../ns/shared.py")
            .chain(["../../../../bin/sjtool".to_string()])
            .chain(["../../../../../victim.txt".to_string()])
            .chain(metadata.iter().map(|(name, _)| name.to_string()))
            .collect();
        fs::write(egg.join("installed-files.txt"), listed.join("\n") + "\n").unwrap();
    }
    egg
}
