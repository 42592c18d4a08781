//! den against the real pip: `direct_url.json` and `pip freeze`, `pip check`, the `--prefix` /
//! `--target` layouts; and the unpack hash index. A test whose interpreter is
//! missing reports it, and fails under `DEN_TEST_REQUIRE_ALL=1`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use den_cache::{Cache, CacheBucket};
use den_dist::{
    DirectUrl, HashAlgorithm, Hasher, MarkerEnvironment, MarkerEnvironmentBuilder, PackageName,
};
use den_install::{
    CheckProblem, InstallOptions, InstallScheme, InstallTarget, InstalledDist, SchemePython, check,
    install_wheel, installed_distributions, unpack_wheel,
};
use den_test_support::WheelBuilder;

mod common;
use common::{Venv, assert_record_verifies, demo_wheel, fake_target, run, scratch};

/// Installs `wheel` into `target` with `direct_url`, requested.
fn install_direct(
    cache: &Cache,
    wheel: &Path,
    target: &InstallTarget,
    direct_url: Option<DirectUrl>,
) -> InstalledDist {
    let unpacked = unpack_wheel(cache, wheel).unwrap();
    let options = InstallOptions {
        requested: true,
        direct_url,
        ..InstallOptions::default()
    };
    install_wheel(&unpacked, target, &options).unwrap().dist
}

/// The `file://` URL of an absolute path without characters needing escapes.
fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The lowercase hex SHA-256 of a file.
fn sha256(path: &Path) -> String {
    let mut hasher = Hasher::new(HashAlgorithm::Sha256);
    hasher.update(&fs::read(path).unwrap());
    hasher.finalize().hex
}

/// Runs git in `dir` with a throwaway identity; asserts success; returns stdout.
fn git(dir: &Path, args: &[&str]) -> String {
    run(Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir))
}

/// A project directory (with `pyproject.toml`) at `dir`.
fn project_dir(dir: &Path) -> PathBuf {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join("pyproject.toml"), "[project]\nname = 'x'\n").unwrap();
    dir.to_path_buf()
}

#[test]
fn direct_url_is_written_recorded_and_frozen() {
    let (tmp, cache) = scratch();
    let target = fake_target(&tmp.path().join("env"));
    let wheel = demo_wheel("1.0").build(tmp.path());
    let source = project_dir(&tmp.path().join("src/den demo"));
    let cases = [
        (
            DirectUrl::archive("https://host/den_demo-1.0-py3-none-any.whl", Some("sha256=abcd".into())),
            "Den.Demo @ https://host/den_demo-1.0-py3-none-any.whl#sha256=abcd".to_string(),
        ),
        (
            DirectUrl::directory("file:///src/den%20demo", false),
            "Den.Demo @ file:///src/den%20demo".to_string(),
        ),
        (
            DirectUrl::vcs(
                "https://tok:secret@github.com/o/demo.git",
                "git",
                "0123456789abcdef0123456789abcdef01234567",
                Some("v1".into()),
                Some("python".into()),
            ),
            "Den.Demo @ git+https://github.com/o/demo.git@0123456789abcdef0123456789abcdef01234567#subdirectory=python".to_string(),
        ),
        (
            DirectUrl::directory(file_url(&source).replace(' ', "%20"), true),
            format!(
                "# Editable install with no version control (Den.Demo==1.0)\n-e {}",
                source.display()
            ),
        ),
    ];
    for (direct, freeze) in cases {
        let dist = install_direct(&cache, &wheel, &target, Some(direct.clone()));
        let json = fs::read_to_string(dist.path.join("direct_url.json")).unwrap();
        assert_eq!(json, direct.to_json());
        assert!(!json.contains("secret"), "{json}");
        let record = fs::read_to_string(dist.path.join("RECORD")).unwrap();
        assert!(
            record.contains("\nden_demo-1.0.dist-info/direct_url.json,sha256="),
            "{record}"
        );
        assert_record_verifies(&dist);
        let read = dist.direct_url().unwrap().unwrap();
        assert_eq!(read.info, direct.info);
        assert_eq!(read.url, direct.redacted_url());
        assert_eq!(dist.freeze_line(), freeze);
    }
    // An invalid file is an error naming it; freeze falls back to `==`, as pip does.
    let dist = install_direct(&cache, &wheel, &target, None);
    fs::write(dist.path.join("direct_url.json"), r#"{"url": "x"}"#).unwrap();
    let err = dist.direct_url().unwrap_err().to_string();
    assert!(
        err.contains("den_demo-1.0.dist-info/direct_url.json: invalid direct_url.json"),
        "{err}"
    );
    assert_eq!(dist.freeze_line(), "Den.Demo==1.0");
    // An index install (no direct_url) replaces the direct one: no direct_url.json left.
    let dist = install_direct(&cache, &wheel, &target, None);
    assert!(!dist.path.join("direct_url.json").exists());
    assert_eq!(dist.direct_url().unwrap(), None);
    assert_eq!(dist.freeze_line(), "Den.Demo==1.0");
}

#[test]
fn editable_git_checkouts_freeze_as_pip_does() {
    let (tmp, cache) = scratch();
    let target = fake_target(&tmp.path().join("env"));
    let wheel = demo_wheel("1.0").build(tmp.path());
    let repo = tmp.path().join("repo");
    let project = project_dir(&repo.join("python"));
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "init"]);
    let commit = git(&repo, &["rev-parse", "HEAD"]).trim().to_string();
    let editable = DirectUrl::directory(file_url(&project), true);

    let dist = install_direct(&cache, &wheel, &target, Some(editable.clone()));
    assert_eq!(
        dist.freeze_line(),
        format!(
            "# Editable Git install with no remote (Den.Demo==1.0)\n-e {}",
            project.display()
        )
    );
    git(
        &repo,
        &["remote", "add", "upstream", "git@example.com:o/demo.git"],
    );
    assert_eq!(
        dist.freeze_line(),
        format!(
            "-e git+ssh://git@example.com/o/demo.git@{commit}#egg=Den.Demo&subdirectory=python"
        )
    );
    git(
        &repo,
        &["remote", "add", "origin", "https://example.com/o/demo.git"],
    );
    assert_eq!(
        dist.freeze_line(),
        format!("-e git+https://example.com/o/demo.git@{commit}#egg=Den.Demo&subdirectory=python")
    );
    git(&repo, &["remote", "set-url", "origin", "not a url"]);
    assert_eq!(
        dist.freeze_line(),
        format!(
            "# Editable Git install (Den.Demo==1.0) with either a deleted local remote or \
             invalid URI:\n# 'not'\n-e {}",
            project.display()
        )
    );
}

#[test]
fn pip_freeze_agrees_with_den() {
    let Some(venv) = Venv::with_newest_pip() else {
        return;
    };
    let (tmp, cache) = scratch();
    let wheel = demo_wheel("1.0").build(tmp.path());
    let archive = DirectUrl::archive(file_url(&wheel), Some(format!("sha256={}", sha256(&wheel))));
    let demo = install_direct(&cache, &wheel, &venv.target, Some(archive));
    let plain = project_dir(&tmp.path().join("plain"));
    let repo = tmp.path().join("repo");
    let in_git = project_dir(&repo.join("sub"));
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "init"]);
    git(
        &repo,
        &["remote", "add", "origin", "https://example.com/o/r.git"],
    );
    let mut editables = Vec::new();
    for (name, dir) in [("Ed-Plain", &plain), ("ed_git", &in_git)] {
        let wheel = WheelBuilder::new(name, "2.0")
            .file(&format!("{}.pth", name.to_lowercase()), b"")
            .build(tmp.path());
        let direct = DirectUrl::directory(file_url(dir), true);
        editables.push(install_direct(&cache, &wheel, &venv.target, Some(direct)));
    }
    let freeze = run(venv.python().args(["-m", "pip", "freeze"]));
    for dist in [&demo, &editables[0], &editables[1]] {
        let line = dist.freeze_line();
        assert!(
            freeze.contains(&format!("{line}\n")),
            "den: {line}\npip:\n{freeze}"
        );
    }
    assert!(
        editables[1]
            .freeze_line()
            .starts_with("-e git+https://example.com/o/r.git@")
    );
}

/// The marker environment of the interpreter of `venv`.
fn markers(venv: &Venv) -> MarkerEnvironment {
    let out = run(venv.python().args([
        "-c",
        "import os, sys, platform\n\
         v = sys.implementation.version\n\
         iv = '%d.%d.%d' % (v.major, v.minor, v.micro)\n\
         print('\\n'.join([sys.implementation.name, iv, os.name, platform.machine(), \
         platform.python_implementation(), platform.release(), platform.system(), \
         platform.version(), platform.python_version(), '%d.%d' % sys.version_info[:2], \
         sys.platform]))",
    ]));
    let v: Vec<&str> = out.lines().collect();
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: v[0],
        implementation_version: v[1],
        os_name: v[2],
        platform_machine: v[3],
        platform_python_implementation: v[4],
        platform_release: v[5],
        platform_system: v[6],
        platform_version: v[7],
        python_full_version: v[8],
        python_version: v[9],
        sys_platform: v[10],
    })
    .unwrap()
}

#[test]
fn check_reports_what_pip_check_reports() {
    let Some(venv) = Venv::with_newest_pip() else {
        return;
    };
    let (tmp, cache) = scratch();
    let wheels = [
        WheelBuilder::new("App", "1.0")
            .requires_dist("Lib-B (>=2, <3)")
            .requires_dist("missing_one")
            .requires_dist("missing_one")
            .requires_dist("never-here; python_version < '3'")
            .requires_dist("only-with-extra; extra == 'fast'")
            .requires_dist("lib_c[x]>=1.0.dev0; os_name == \"posix\"")
            .requires_dist("lib-d @ https://example.com/lib_d-1.0-py3-none-any.whl")
            .requires_dist("Another-Missing>=1")
            .provides_extra("fast"),
        WheelBuilder::new("lib_b", "1.5").requires_dist("pip<1"),
        WheelBuilder::new("lib-c", "1.0rc1"),
        WheelBuilder::new("lib-d", "0.1"),
    ];
    for builder in &wheels {
        install_direct(&cache, &builder.build(tmp.path()), &venv.target, None);
    }
    let installed = installed_distributions(&[venv.site_packages()]).unwrap();
    let problems = check(&installed, &markers(&venv)).unwrap();
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let pip_version = run(venv
        .python()
        .args(["-c", "import pip; print(pip.__version__)"]));
    assert_eq!(
        lines,
        [
            "app 1.0 requires another-missing, which is not installed.".to_string(),
            "app 1.0 requires missing-one, which is not installed.".to_string(),
            "app 1.0 has requirement Lib-B<3,>=2, but you have lib-b 1.5.".to_string(),
            format!(
                "lib-b 1.5 has requirement pip<1, but you have pip {}.",
                pip_version.trim()
            ),
        ]
    );
    assert!(matches!(problems[0], CheckProblem::Missing { .. }));
    let out = Command::new(&venv.target.python)
        .args(["-m", "pip", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let pip: BTreeSet<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(pip, lines.into_iter().collect::<BTreeSet<_>>());
}

#[test]
fn check_reads_egg_info_requires_and_reports_broken_metadata() {
    let tmp = tempfile::tempdir().unwrap();
    let sp = tmp.path();
    let egg = sp.join("legacy-1.0-py3.12.egg-info");
    fs::create_dir(&egg).unwrap();
    fs::write(
        egg.join("PKG-INFO"),
        "Metadata-Version: 1.1\nName: legacy\nVersion: 1.0\n",
    )
    .unwrap();
    fs::write(
        egg.join("requires.txt"),
        "present>=2\n\n[:os_name == \"nonexistent\"]\nnever\n\n[extra]\nalso-never\n",
    )
    .unwrap();
    let present = sp.join("present-1.0.dist-info");
    fs::create_dir(&present).unwrap();
    fs::write(
        present.join("METADATA"),
        "Metadata-Version: 2.1\nName: present\nVersion: 1.0\n",
    )
    .unwrap();
    let broken = sp.join("broken-1.0.dist-info");
    fs::create_dir(&broken).unwrap();
    fs::write(
        broken.join("METADATA"),
        "Metadata-Version: 2.1\nName: broken\nVersion: 1.0\nRequires-Dist: ???\n",
    )
    .unwrap();
    let installed = installed_distributions(&[sp.to_path_buf()]).unwrap();
    let env = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: "3.12.1",
        os_name: "posix",
        platform_machine: "x86_64",
        platform_python_implementation: "CPython",
        platform_release: "6.1",
        platform_system: "Linux",
        platform_version: "#1",
        python_full_version: "3.12.1",
        python_version: "3.12",
        sys_platform: "linux",
    })
    .unwrap();
    let problems = check(&installed, &env).unwrap();
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("Error parsing dependencies of broken: "),
        "{lines:?}"
    );
    assert_eq!(
        lines[1],
        "legacy 1.0 has requirement present>=2, but you have present 1.0."
    );
}

/// Every file under `root`, relative, without bytecode caches and the files pip writes that
/// den does not (direct_url.json of a local wheel).
fn files(root: &Path) -> BTreeSet<PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| !e.file_type().is_dir())
        .map(|e| e.path().strip_prefix(root).unwrap().to_path_buf())
        .filter(|p| {
            !p.components().any(|c| c.as_os_str() == "__pycache__")
                && p.file_name().is_some_and(|n| n != "direct_url.json")
        })
        .collect()
}

#[test]
fn prefix_and_target_layouts_match_pip() {
    let Some(venv) = Venv::with_newest_pip() else {
        return;
    };
    let (tmp, cache) = scratch();
    let wheel = demo_wheel("1.0").build(tmp.path());
    let base = PathBuf::from(
        run(venv
            .python()
            .args(["-c", "import sys; print(sys._base_executable)"]))
        .trim(),
    );
    for (python, in_venv) in [(venv.target.python.clone(), true), (base, false)] {
        let facts = SchemePython {
            version: venv.target.python_version,
            free_threaded: false,
            virtualenv: in_venv,
        };
        for option in ["--prefix", "--target"] {
            let pip_dir = tmp.path().join(format!("pip{option}{in_venv}"));
            let den_dir = tmp.path().join(format!("den{option}{in_venv}"));
            run(Command::new(&python)
                .args(["-m", "pip", "install", "-q", "--no-index", "--no-deps"])
                .arg(option)
                .arg(&pip_dir)
                .arg(&wheel));
            let scheme = if option == "--prefix" {
                InstallScheme::for_prefix(&den_dir, &facts)
            } else {
                InstallScheme::for_target(&den_dir, &facts)
            };
            let target = InstallTarget {
                scheme,
                python: python.clone(),
                python_version: venv.target.python_version,
                relocatable: false,
            };
            let dist = install_direct(&cache, &wheel, &target, None);
            // pip names the headers directory by the requirement as given (for a wheel file,
            // its filename's project with `-`), den by the METADATA name.
            let pip_files: BTreeSet<PathBuf> = files(&pip_dir)
                .into_iter()
                .map(|p| {
                    PathBuf::from(
                        p.to_str()
                            .unwrap()
                            .replace("/den-demo/demo.h", "/Den.Demo/demo.h"),
                    )
                })
                .collect();
            assert_eq!(files(&den_dir), pip_files, "{option} (venv: {in_venv})");
            let tool = den_dir.join("bin/den-demo-tool");
            let shebang = fs::read_to_string(&tool).unwrap();
            assert!(
                shebang.starts_with(&format!("#!{}\n", python.display())),
                "{shebang}"
            );
            assert_record_verifies(&dist);
        }
    }
}

/// The archive bucket's index files.
fn index_files(cache: &Cache) -> Vec<PathBuf> {
    let dir = cache.bucket(CacheBucket::Archive).unwrap().join(".index");
    fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

#[test]
fn unpack_index_hits_without_hashing_and_misses_after_replacement() {
    let (tmp, cache) = scratch();
    let v1 = WheelBuilder::new("idx", "1.0").file("idx/__init__.py", b"V = 1\n");
    let v2 = WheelBuilder::new("idx", "1.0").file("idx/__init__.py", b"V = 2\n");
    let wheel = v1.build(tmp.path());
    let first = unpack_wheel(&cache, &wheel).unwrap();
    let index = index_files(&cache);
    assert_eq!(index.len(), 1);

    // A hit trusts the index: pointed at another (valid) tree, it returns that tree.
    let text = fs::read_to_string(&index[0]).unwrap();
    let key = first
        .root
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let decoy = first.root.with_file_name("decoy");
    run(Command::new("cp").arg("-r").arg(&first.root).arg(&decoy));
    let point_at_decoy = || fs::write(&index[0], text.replacen(&key, "decoy", 1)).unwrap();
    point_at_decoy();
    assert_eq!(unpack_wheel(&cache, &wheel).unwrap().root, decoy);

    // Rewritten in place with the same bytes and its modification time set back: only the
    // change time differs, and that is a miss (the wheel is hashed again).
    let modified = fs::metadata(&wheel).unwrap().modified().unwrap();
    fs::write(&wheel, fs::read(&wheel).unwrap()).unwrap();
    fs::File::options()
        .write(true)
        .open(&wheel)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    assert_eq!(unpack_wheel(&cache, &wheel).unwrap().root, first.root);
    assert!(fs::read_to_string(&index[0]).unwrap().contains(&key));

    // Replaced by a rename (new inode) with other content: a miss, the new content is used.
    let staging = tmp.path().join("staging");
    fs::create_dir(&staging).unwrap();
    fs::rename(v2.build(&staging), &wheel).unwrap();
    let second = unpack_wheel(&cache, &wheel).unwrap();
    assert_ne!(second.root, first.root);
    assert_eq!(
        fs::read(second.root.join("idx/__init__.py")).unwrap(),
        b"V = 2\n"
    );
    // Overwritten in place by the first content again: a miss, back to the first tree.
    fs::write(&wheel, v1.build_bytes()).unwrap();
    assert_eq!(unpack_wheel(&cache, &wheel).unwrap().root, first.root);
    assert_eq!(index_files(&cache).len(), 1, "one index file per path");
}

#[test]
fn unpack_index_is_safe_under_concurrent_use() {
    let (tmp, cache) = scratch();
    let builder = WheelBuilder::new("conc", "1.0").file("conc/__init__.py", b"C = 1\n");
    let paths: Vec<PathBuf> = (0..4)
        .map(|i| {
            let dir = tmp.path().join(format!("d{i}"));
            fs::create_dir(&dir).unwrap();
            builder.build(&dir)
        })
        .collect();
    let roots: Vec<PathBuf> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let (cache, wheel) = (&cache, &paths[i % paths.len()]);
                scope.spawn(move || {
                    (0..5)
                        .map(|_| unpack_wheel(cache, wheel).unwrap().root)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(roots.windows(2).all(|w| w[0] == w[1]), "{roots:?}");
    assert_eq!(index_files(&cache).len(), paths.len());
    let name = PackageName::from_str("conc").unwrap();
    assert_eq!(unpack_wheel(&cache, &paths[0]).unwrap().filename.name, name);
}

#[test]
fn compiled_bytecode_is_recorded_as_pip_records_it() {
    let Some(venv) = Venv::with_newest_pip() else {
        return;
    };
    let (tmp, cache) = scratch();
    let wheel = demo_wheel("1.0").build(tmp.path());
    let (pip_dir, den_dir) = (tmp.path().join("pip"), tmp.path().join("den"));
    run(venv
        .python()
        .args([
            "-m",
            "pip",
            "install",
            "-q",
            "--no-index",
            "--no-deps",
            "--target",
        ])
        .arg(&pip_dir)
        .arg(&wheel));
    let facts = SchemePython {
        version: venv.target.python_version,
        free_threaded: false,
        virtualenv: true,
    };
    let target = InstallTarget {
        scheme: InstallScheme::for_target(&den_dir, &facts),
        python: venv.target.python.clone(),
        python_version: venv.target.python_version,
        relocatable: false,
    };
    let unpacked = unpack_wheel(&cache, &wheel).unwrap();
    let options = InstallOptions {
        compile_bytecode: true,
        ..InstallOptions::default()
    };
    install_wheel(&unpacked, &target, &options).unwrap();
    let bytecode_rows = |dir: &Path| -> BTreeSet<String> {
        fs::read_to_string(dir.join("den_demo-1.0.dist-info/RECORD"))
            .unwrap()
            .lines()
            .filter(|l| l.contains(".pyc"))
            .map(str::to_string)
            .collect()
    };
    let rows = bytecode_rows(&den_dir);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows, bytecode_rows(&pip_dir));
    let out = run(Command::new(&venv.target.python)
        .env("PYTHONPATH", &den_dir)
        .args(["-c", "import den_demo.cli; print(den_demo.cli.__cached__)"]));
    assert!(Path::new(out.trim()).is_file(), "{out}");
}
