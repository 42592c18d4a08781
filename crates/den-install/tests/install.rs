//! End-to-end tests of den-install against real virtual environments and the real pip.
//! A test whose interpreter is missing reports it (den-test-support's `require`), and fails
//! under `DEN_TEST_REQUIRE_ALL=1`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use den_cache::{Cache, CacheBucket, LinkMode};
use den_dist::{DirectUrl, PackageName, record_hash};
use den_install::{
    DistKind, InstallError, InstallOptions, InstallTarget, RecordEntry, find_installed,
    install_wheel, installed_distributions, uninstall, unpack_wheel, unpack_wheel_of, write_record,
};
use den_test_support::{WheelBuilder, pyenv_versions, require};

mod common;
use common::{
    EggList, Venv, assert_record_verifies, demo_wheel, fake_target, legacy_egg_info, run, scratch,
};

/// Every file under `root` with its content, for before/after comparisons.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            let content = if e.file_type().is_symlink() {
                fs::read_link(e.path())
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes()
            } else {
                fs::read(e.path()).unwrap()
            };
            (e.path().strip_prefix(root).unwrap().to_path_buf(), content)
        })
        .collect()
}

/// Every directory under `root`.
fn dirs(root: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_dir())
        .map(|e| e.path().to_path_buf())
        .collect()
}

/// The names in the cache's archive bucket, its dot-directories (locks, hash index, shared
/// generated files) aside.
fn archive_entries(cache: &Cache) -> Vec<String> {
    let bucket = cache.bucket(CacheBucket::Archive).unwrap();
    fs::read_dir(&bucket)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with('.'))
        .collect()
}

/// Appends `rows` (CSV lines, each ending in a newline) to the RECORD of `dist`.
fn append_to_record(dist: &den_install::InstalledDist, rows: &str) {
    let record = dist.path.join("RECORD");
    let mut text = fs::read_to_string(&record).unwrap();
    text.push_str(rows);
    fs::write(&record, text).unwrap();
}

/// The demo package 1.0 with a module later versions drop, built into `dir`.
fn demo_wheel_v1_with_old_module(dir: &Path) -> PathBuf {
    demo_wheel("1.0")
        .file("den_demo/only_in_v1/mod.py", b"OLD = 1\n")
        .build(dir)
}

/// Writes a wheel by hand at `path`: `members` (zip name, content), then a RECORD made by den's
/// own CSV writer from rows hashing every member, altered by `edit_record`, stored as
/// `record_name`.
fn hand_written_wheel(
    path: &Path,
    members: &[(String, Vec<u8>)],
    record_name: &str,
    edit_record: impl Fn(&mut Vec<RecordEntry>),
) {
    use std::io::Write;
    let mut record: Vec<RecordEntry> = members
        .iter()
        .map(|(path, content)| RecordEntry {
            path: path.clone(),
            hash: Some(record_hash(content)),
            size: Some(content.len() as u64),
        })
        .collect();
    edit_record(&mut record);
    let record = write_record(&record);
    let mut zip = zip::ZipWriter::new(fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    for (name, content) in members
        .iter()
        .map(|(name, content)| (name.as_str(), content.as_slice()))
        .chain([(record_name, record.as_bytes())])
    {
        zip.start_file(name, options).unwrap();
        zip.write_all(content).unwrap();
    }
    zip.finish().unwrap();
}

/// The METADATA and WHEEL members of a pure-Python `name` 1.0.
fn dist_info_members(name: &str) -> [(String, Vec<u8>); 2] {
    [
        (
            format!("{name}-1.0.dist-info/METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n").into_bytes(),
        ),
        (
            format!("{name}-1.0.dist-info/WHEEL"),
            b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_vec(),
        ),
    ]
}

/// A wheel written by hand, with a RECORD from den's own CSV writer: WheelBuilder does not
/// quote member names containing commas. Holds `quoted/__init__.py` and `quoted/a,b "c".txt`.
fn quoted_wheel(dir: &Path) -> PathBuf {
    let mut members = vec![
        ("quoted/__init__.py".to_string(), b"Q = 1\n".to_vec()),
        ("quoted/a,b \"c\".txt".to_string(), b"comma\n".to_vec()),
    ];
    members.extend(dist_info_members("quoted"));
    let path = dir.join("quoted-1.0-py3-none-any.whl");
    hand_written_wheel(&path, &members, "quoted-1.0.dist-info/RECORD", |record| {
        record.push(RecordEntry {
            path: "quoted-1.0.dist-info/RECORD".into(),
            hash: None,
            size: None,
        });
    });
    path
}

fn install(cache: &Cache, wheel: &Path, target: &InstallTarget) -> den_install::InstalledDist {
    let unpacked = unpack_wheel(cache, wheel).unwrap();
    let options = InstallOptions {
        requested: true,
        ..InstallOptions::default()
    };
    install_wheel(&unpacked, target, &options).unwrap().dist
}

#[test]
fn installs_into_real_venv_and_runs() {
    let Some(venv) = Venv::create(false) else {
        return;
    };
    let (tmp, cache) = scratch();
    let wheel = demo_wheel("1.0").build(tmp.path());
    let dist = install(&cache, &wheel, &venv.target);

    assert_eq!(dist.name.as_ref(), "den-demo");
    assert_eq!(dist.version.to_string(), "1.0");
    assert_eq!(
        dist.path,
        venv.site_packages().join("den_demo-1.0.dist-info")
    );
    assert_eq!(dist.installer().as_deref(), Some("den"));
    assert!(dist.requested());
    assert_eq!(dist.freeze_line(), "Den.Demo==1.0");
    assert_record_verifies(&dist);

    let out = run(venv
        .python()
        .args(["-c", "import den_demo; print(den_demo.VERSION)"]));
    assert_eq!(out.trim(), "1.0");
    let bin = &venv.target.scheme.scripts;
    for tool in ["den-demo-tool", "den-demo-gui"] {
        let out = Command::new(bin.join(tool)).arg("x").output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{tool}: {out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "tool ran with ['x']\n"
        );
    }
    let out = run(&mut Command::new(bin.join("demo-script")));
    assert!(out.starts_with("script 1.0 "), "{out}");
    assert!(out.trim_end().ends_with("/venv/bin/python"), "{out}");
    assert_eq!(run(&mut Command::new(bin.join("plain.sh"))), "plain\n");
    assert_eq!(
        fs::read_to_string(venv.root.join("share/den-demo/readme.txt")).unwrap(),
        "shared data\n"
    );
    let header = venv.target.scheme.headers.join("Den.Demo/demo.h");
    assert!(header.is_file(), "{}", header.display());

    let record = fs::read_to_string(dist.path.join("RECORD")).unwrap();
    assert!(
        record.contains("\n../../../bin/den-demo-tool,sha256="),
        "{record}"
    );
    assert!(
        record.contains("den_demo-1.0.dist-info/RECORD,,\n"),
        "{record}"
    );
    assert!(
        record.contains("den_demo-1.0.dist-info/REQUESTED,sha256="),
        "{record}"
    );
    // Library files are hardlinked from the cache; rewritten scripts are copies.
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let module = venv.site_packages().join("den_demo/__init__.py");
        assert!(fs::metadata(&module).unwrap().nlink() > 1);
        // INSTALLER and REQUESTED are links to shared copies, not new files.
        for name in ["INSTALLER", "REQUESTED"] {
            assert!(
                fs::metadata(dist.path.join(name)).unwrap().nlink() > 1,
                "{name}"
            );
        }
        let script = fs::metadata(bin.join("demo-script")).unwrap();
        assert_eq!(script.nlink(), 1);
        assert_eq!(script.mode() & 0o777, 0o755);
    }

    let listed = installed_distributions(&[venv.site_packages()]).unwrap();
    assert_eq!(listed, vec![dist.clone()]);

    // den's uninstall removes everything it installed, including bytecode made by imports.
    let pre_install_dirs = dirs(&venv.root).len();
    let removed = uninstall(&dist).unwrap().removed;
    assert!(removed.contains(&bin.join("den-demo-tool")));
    assert!(!venv.site_packages().join("den_demo").exists());
    assert!(!venv.root.join("share/den-demo").exists());
    assert!(!bin.join("demo-script").exists());
    assert!(bin.join("python").exists());
    assert!(dirs(&venv.root).len() < pre_install_dirs);
    assert!(
        installed_distributions(&[venv.site_packages()])
            .unwrap()
            .is_empty()
    );
}

#[test]
fn pip_accepts_what_den_installs() {
    let Some(venv) = Venv::create(true) else {
        return;
    };
    let (tmp, cache) = scratch();
    let before = snapshot(&venv.root);
    let wheel = demo_wheel("2.0").build(tmp.path());
    install(&cache, &wheel, &venv.target);
    let quoted = install(&cache, &quoted_wheel(tmp.path()), &venv.target);
    let record = fs::read_to_string(quoted.path.join("RECORD")).unwrap();
    assert!(
        record.contains("\n\"quoted/a,b \"\"c\"\".txt\",sha256="),
        "{record}"
    );

    let freeze = run(venv.python().args(["-m", "pip", "freeze"]));
    assert!(freeze.lines().any(|l| l == "Den.Demo==2.0"), "{freeze}");
    assert!(freeze.lines().any(|l| l == "quoted==1.0"), "{freeze}");
    run(venv.python().args(["-m", "pip", "check"]));
    let show = run(venv.python().args(["-m", "pip", "show", "-f", "den-demo"]));
    assert!(show.contains("Version: 2.0"), "{show}");

    run(venv
        .python()
        .args(["-m", "pip", "uninstall", "-y", "den-demo", "quoted"]));
    let after = snapshot(&venv.root);
    let changed: Vec<_> = after
        .keys()
        .filter(|p| before.get(*p) != after.get(*p))
        .filter(|p| !p.to_string_lossy().contains("__pycache__"))
        .collect();
    assert!(changed.is_empty(), "left behind or changed: {changed:?}");
    let missing: Vec<_> = before.keys().filter(|p| !after.contains_key(*p)).collect();
    assert!(missing.is_empty(), "pip removed too much: {missing:?}");
}

#[test]
fn den_uninstalls_what_pip_installed() {
    let Some(venv) = Venv::create(true) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let before = snapshot(&venv.root);
    let wheel = demo_wheel("3.0").build(tmp.path());
    run(venv
        .python()
        .args(["-m", "pip", "install", "--no-index", "--no-deps"])
        .arg(&wheel));
    // Run the tool so the import writes bytecode, as real use would.
    run(&mut Command::new(
        venv.target.scheme.scripts.join("demo-script"),
    ));

    let name = PackageName::from_str("den-demo").unwrap();
    let dist = find_installed(&[venv.site_packages()], &name)
        .unwrap()
        .unwrap();
    assert_eq!(dist.installer().as_deref(), Some("pip"));
    assert_eq!(dist.kind, DistKind::DistInfo);
    uninstall(&dist).unwrap();

    let after = snapshot(&venv.root);
    let left: Vec<_> = after.keys().filter(|p| !before.contains_key(*p)).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(!venv.site_packages().join("den_demo").exists());
    assert!(
        find_installed(&[venv.site_packages()], &name)
            .unwrap()
            .is_none()
    );
}

#[test]
fn record_mismatch_is_refused_before_anything_is_installed() {
    let (tmp, cache) = scratch();
    let wheel = WheelBuilder::new("bad", "1.0")
        .file("bad.py", b"x = 1\n")
        .corrupt_record()
        .build(tmp.path());
    let err = unpack_wheel(&cache, &wheel).unwrap_err();
    match &err {
        InstallError::RecordMismatch { wheel, member, .. } => {
            assert_eq!(wheel, "bad-1.0-py3-none-any.whl");
            assert_eq!(member, "bad.py");
        }
        other => panic!("unexpected error {other}"),
    }
    assert!(err.to_string().contains("bad.py"), "{err}");
    let entries = archive_entries(&cache);
    assert!(entries.is_empty(), "cache holds {entries:?}");
}

#[test]
fn unsafe_member_paths_are_refused() {
    let (tmp, cache) = scratch();
    for member in [
        "../escape.py",
        "/tmp/den-absolute.py",
        "pkg/../../escape.py",
    ] {
        let wheel = WheelBuilder::new("evil", "1.0")
            .file(member, b"boom = True\n")
            .build(&tmp.path().join(member.len().to_string()));
        let err = unpack_wheel(&cache, &wheel).unwrap_err();
        assert!(
            matches!(&err, InstallError::UnsafePath { member: m, .. } if m == member),
            "{member}: {err}"
        );
    }
    assert!(!cache.root().join("escape.py").exists());
    assert!(!Path::new("/tmp/den-absolute.py").exists());
}

#[test]
fn unpack_happens_once_even_when_concurrent() {
    let (tmp, cache) = scratch();
    let wheel = demo_wheel("1.0").build(tmp.path());
    let roots: Vec<PathBuf> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| unpack_wheel(&cache, &wheel).unwrap().root))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(roots.windows(2).all(|w| w[0] == w[1]));
    let unpacked = unpack_wheel(&cache, &wheel).unwrap();
    assert_eq!(unpacked.root, roots[0]);
    assert_eq!(unpacked.dist_info, "den_demo-1.0.dist-info");
    let entries = archive_entries(&cache).len();
    assert_eq!(entries, 1);
}

/// A wheel whose SHA-256 the caller checked (an index download) is unpacked under that
/// digest without being hashed or entered in the path index; the tree is the one
/// `unpack_wheel` finds by hashing, and a digest that is not one is ignored.
#[test]
fn a_checked_digest_names_the_tree_without_hashing_the_wheel() {
    let (tmp, cache) = scratch();
    let wheel = demo_wheel("1.0").build(tmp.path());
    let mut hasher = den_dist::Hasher::new(den_dist::HashAlgorithm::Sha256);
    hasher.update(&fs::read(&wheel).unwrap());
    let sha256 = hasher.finalize().hex;
    let index = cache.bucket(CacheBucket::Archive).unwrap().join(".index");
    let known = unpack_wheel_of(&cache, &wheel, &sha256.to_uppercase()).unwrap();
    assert!(known.root.ends_with(&sha256), "{}", known.root.display());
    assert_eq!(known.dist_info, "den_demo-1.0.dist-info");
    assert!(!index.exists(), "the path index was written");
    assert_eq!(unpack_wheel(&cache, &wheel).unwrap().root, known.root);
    assert!(index.exists(), "hashing records the path");
    for bad in ["", "xyz", "../../escape", &sha256[..63]] {
        assert_eq!(
            unpack_wheel_of(&cache, &wheel, bad).unwrap().root,
            known.root
        );
    }
    assert_eq!(archive_entries(&cache), [sha256.as_str()]);
}

#[test]
fn failed_install_rolls_back_completely() {
    let (tmp, cache) = scratch();
    let env = tmp.path().join("env");
    let mut target = fake_target(&env);
    fs::create_dir_all(&target.scheme.purelib).unwrap();
    let before = snapshot(&env);
    // Scripts go last; a regular file where the scripts directory's parent should be makes
    // creating it fail after the library files were placed (root ignores permissions, so a
    // read-only directory would not do).
    fs::write(env.join("blocker"), b"").unwrap();
    target.scheme.scripts = env.join("blocker/bin");
    let wheel = demo_wheel("1.0").build(tmp.path());
    let unpacked = unpack_wheel(&cache, &wheel).unwrap();
    let err = install_wheel(&unpacked, &target, &InstallOptions::default()).unwrap_err();
    assert!(err.to_string().contains("blocker"), "{err}");

    let mut after = snapshot(&env);
    after.remove(Path::new("blocker"));
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    assert_eq!(
        dirs(&env),
        vec![
            env.clone(),
            env.join("lib"),
            env.join("lib/python3.12"),
            env.join("lib/python3.12/site-packages")
        ]
    );
}

#[test]
fn upgrade_replaces_old_version_and_failed_upgrade_keeps_it() {
    let (tmp, cache) = scratch();
    let env = tmp.path().join("env");
    let target = fake_target(&env);
    let v1 = demo_wheel_v1_with_old_module(tmp.path());
    let old = install(&cache, &v1, &target);
    let v1_files = snapshot(&env);

    let v2 = demo_wheel("2.0").build(tmp.path());
    let unpacked = unpack_wheel(&cache, &v2).unwrap();
    let mut broken = target.clone();
    fs::write(tmp.path().join("blocker"), b"").unwrap();
    broken.scheme.scripts = tmp.path().join("blocker/bin");
    install_wheel(&unpacked, &broken, &InstallOptions::default()).unwrap_err();
    assert_eq!(
        snapshot(&env),
        v1_files,
        "failed upgrade must restore 1.0 exactly"
    );

    let new = install_wheel(&unpacked, &target, &InstallOptions::default())
        .unwrap()
        .dist;
    assert!(!old.path.exists());
    assert_eq!(new.version.to_string(), "2.0");
    let sp = &target.scheme.purelib;
    assert!(!sp.join("den_demo/only_in_v1").exists());
    assert_eq!(
        fs::read_to_string(sp.join("den_demo/__init__.py")).unwrap(),
        "VERSION = '2.0'\n"
    );
    let names: Vec<String> = fs::read_dir(sp)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, ["den_demo", "den_demo-2.0.dist-info"]);
    assert_record_verifies(&new);
    let listed = installed_distributions(std::slice::from_ref(sp)).unwrap();
    assert_eq!(listed, vec![new]);
}

#[test]
fn overwrites_files_of_another_distribution_like_pip() {
    let (tmp, cache) = scratch();
    let target = fake_target(tmp.path());
    let first = WheelBuilder::new("first", "1.0")
        .file("shared/x.py", b"owner = 'first'\n")
        .build(tmp.path());
    let second = WheelBuilder::new("second", "1.0")
        .file("shared/x.py", b"owner = 'second'\n")
        .build(tmp.path());
    install(&cache, &first, &target);
    let dist = install(&cache, &second, &target);
    let shared = target.scheme.purelib.join("shared/x.py");
    assert_eq!(fs::read_to_string(&shared).unwrap(), "owner = 'second'\n");
    assert_record_verifies(&dist);
    assert_eq!(
        installed_distributions(std::slice::from_ref(&target.scheme.purelib))
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn platlib_wheels_and_copy_mode() {
    let (tmp, cache) = scratch();
    let mut target = fake_target(tmp.path());
    target.scheme.platlib = tmp.path().join("lib64/python3.12/site-packages");
    let wheel = WheelBuilder::new("native", "1.0")
        .file("native/__init__.py", b"")
        .data_file("purelib/native_pure.py", b"P = 1\n")
        .root_is_purelib(false)
        .tag("cp312-cp312-manylinux_2_17_x86_64")
        .build(tmp.path());
    let unpacked = unpack_wheel(&cache, &wheel).unwrap();
    let options = InstallOptions {
        link_mode: LinkMode::Copy,
        installer: "tester".into(),
        requested: false,
        direct_url: Some(
            DirectUrl::from_json(r#"{"url": "file:///w/native-1.0.whl", "archive_info": {}}"#)
                .unwrap(),
        ),
        compile_bytecode: false,
    };
    let dist = install_wheel(&unpacked, &target, &options).unwrap().dist;
    assert!(dist.path.starts_with(&target.scheme.platlib));
    assert!(target.scheme.platlib.join("native/__init__.py").is_file());
    assert!(target.scheme.purelib.join("native_pure.py").is_file());
    assert_eq!(dist.installer().as_deref(), Some("tester"));
    assert!(!dist.requested());
    assert_eq!(dist.freeze_line(), "native @ file:///w/native-1.0.whl");
    let record = fs::read_to_string(dist.path.join("RECORD")).unwrap();
    assert!(
        record.contains("../../../lib/python3.12/site-packages/native_pure.py,"),
        "{record}"
    );
    assert_record_verifies(&dist);
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let file = fs::metadata(target.scheme.platlib.join("native/__init__.py")).unwrap();
        assert_eq!(file.nlink(), 1, "copy mode must not hardlink");
        let installer = fs::metadata(dist.path.join("INSTALLER")).unwrap();
        assert_eq!(installer.nlink(), 1, "copy mode must not hardlink");
    }
    uninstall(&dist).unwrap();
    assert!(!target.scheme.purelib.join("native_pure.py").exists());
    assert!(
        !target.scheme.platlib.join("native").exists(),
        "emptied package dirs go"
    );
    assert!(
        target.scheme.purelib.is_dir(),
        "site-packages directories stay"
    );
    assert!(target.scheme.platlib.is_dir());
}

#[test]
fn large_wheel_installs_quickly() {
    let (tmp, cache) = scratch();
    let target = fake_target(tmp.path());
    let mut builder = WheelBuilder::new("big", "1.0");
    for i in 0..1000 {
        builder = builder.file(
            &format!("big/sub{}/m{i}.py", i % 20),
            format!("VALUE = {i}\n").repeat(20).as_bytes(),
        );
    }
    let wheel = builder.build(tmp.path());
    let start = std::time::Instant::now();
    let unpacked = unpack_wheel(&cache, &wheel).unwrap();
    let unpacked_at = start.elapsed();
    let dist = install_wheel(&unpacked, &target, &InstallOptions::default())
        .unwrap()
        .dist;
    let installed_at = start.elapsed();
    eprintln!(
        "1000-file wheel: unpack {unpacked_at:?}, install {:?}",
        installed_at - unpacked_at
    );
    assert_eq!(dist.record().unwrap().len(), 1000 + 4);
    assert!(installed_at.as_secs() < 10, "too slow: {installed_at:?}");
}

/// The wheels bundled with the pyenv interpreters (`ensurepip/_bundled`): real-world wheels
/// built by other tools.
fn bundled_wheels() -> Vec<PathBuf> {
    let mut wheels: Vec<PathBuf> = pyenv_versions()
        .into_iter()
        .filter_map(|(_, prefix)| fs::read_dir(prefix.join("lib")).ok())
        .flatten()
        .filter_map(|lib| fs::read_dir(lib.ok()?.path().join("ensurepip/_bundled")).ok())
        .flatten()
        .map(|w| w.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "whl"))
        .collect();
    wheels.sort();
    wheels
}

#[test]
fn real_world_wheels_verify_and_pip_installed_by_den_works() {
    let wheels = bundled_wheels();
    let Some(wheels) = require(
        (!wheels.is_empty()).then_some(wheels),
        "the wheels bundled with pyenv's Pythons (ensurepip/_bundled)",
        "real-world wheels, and pip installed by den",
    ) else {
        return;
    };
    let cache = Cache::temporary().unwrap();
    for wheel in &wheels {
        unpack_wheel(&cache, wheel).unwrap_or_else(|e| panic!("{}: {e}", wheel.display()));
    }
    let Some(venv) = Venv::create(false) else {
        return;
    };
    let (major, minor) = venv.target.python_version;
    let Some(pip) = wheels.iter().find(|w| {
        w.to_string_lossy()
            .contains(&format!("python{major}.{minor}/ensurepip/_bundled/pip-"))
    }) else {
        require(
            None::<()>,
            &format!("a pip wheel bundled with a pyenv Python {major}.{minor}"),
            "pip installed by den",
        );
        return;
    };
    let before = snapshot(&venv.root);
    let dist = install(&cache, pip, &venv.target);
    let bin = &venv.target.scheme.scripts;
    let versioned = bin.join(format!("pip{major}.{minor}"));
    let out = run(Command::new(&versioned).arg("--version"));
    assert!(out.starts_with("pip "), "{out}");
    assert!(bin.join(format!("pip{major}")).is_file());
    let freeze = run(venv.python().args(["-m", "pip", "freeze", "--all"]));
    assert_eq!(freeze.trim(), format!("pip=={}", dist.version));
    run(venv.python().args(["-m", "pip", "check"]));

    uninstall(&dist).unwrap();
    let after = snapshot(&venv.root);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "uninstall must also remove the bytecode pip wrote when it ran"
    );
}

#[test]
fn reinstalling_the_same_version_keeps_one_dist_info() {
    let (tmp, cache) = scratch();
    let target = fake_target(tmp.path());
    let wheel = demo_wheel("1.0").build(tmp.path());
    install(&cache, &wheel, &target);
    let first = snapshot(tmp.path());
    let dist = install(&cache, &wheel, &target);
    assert_eq!(snapshot(tmp.path()), first);
    assert_record_verifies(&dist);
    let leftovers: Vec<_> = fs::read_dir(&target.scheme.purelib)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(".den-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Files (minus bytecode) and directories under `root`: what an interrupted-then-recovered
/// install is compared by.
fn state(root: &Path) -> (BTreeMap<PathBuf, Vec<u8>>, Vec<PathBuf>) {
    let mut files = snapshot(root);
    files.retain(|p, _| !p.to_string_lossy().contains("__pycache__"));
    (files, dirs(root))
}

/// Kills an install (`v2`) at every step, over an environment prepared by `setup`, runs
/// `recover`, and checks that the environment is exactly as before or exactly as after a
/// complete install. Returns how many kills ended each way.
fn kill_at_every_step(
    env: &Path,
    target: &InstallTarget,
    setup: &dyn Fn(),
    v2: &den_install::UnpackedWheel,
    options: &InstallOptions,
) -> (usize, usize) {
    let reset = || {
        if env.exists() {
            fs::remove_dir_all(env).unwrap();
        }
        fs::create_dir_all(&target.scheme.purelib).unwrap();
        setup();
    };
    reset();
    let before = state(env);
    install_wheel(v2, target, options).unwrap();
    let after = state(env);
    let (mut old, mut new) = (0, 0);
    for step in 0.. {
        reset();
        match den_install::install_wheel_with_kill_switch(v2, target, options, Some(step)) {
            Ok(_) => {
                assert_eq!(state(env), after, "completed install");
                break;
            }
            Err(InstallError::Io(err)) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => panic!("step {step}: {e}"),
        }
        let report = den_install::recover(std::slice::from_ref(&target.scheme.purelib)).unwrap();
        assert!(report.problems.is_empty(), "step {step}: {report:?}");
        assert!(!report.is_empty(), "step {step}: nothing recovered");
        let now = state(env);
        if now == before {
            old += 1;
        } else if now == after {
            new += 1;
        } else {
            let diff: Vec<_> = now
                .0
                .keys()
                .chain(after.0.keys())
                .chain(before.0.keys())
                .filter(|p| now.0.get(*p) != before.0.get(*p) && now.0.get(*p) != after.0.get(*p))
                .collect();
            panic!("step {step}: inconsistent environment; differing: {diff:?}, report {report:?}");
        }
        // Recovery is idempotent.
        assert!(
            den_install::recover(std::slice::from_ref(&target.scheme.purelib))
                .unwrap()
                .is_empty()
        );
    }
    (old, new)
}

#[test]
fn killed_upgrade_and_install_are_recovered_at_every_step() {
    let (tmp, cache) = scratch();
    let env = tmp.path().join("env");
    let target = fake_target(&env);
    let v1 = demo_wheel_v1_with_old_module(tmp.path());
    let v2 = demo_wheel("2.0")
        .file("den_demo/only_in_v2.py", b"NEW = 2\n")
        .build(tmp.path());
    let v2 = unpack_wheel(&cache, &v2).unwrap();
    let upgrade = kill_at_every_step(
        &env,
        &target,
        &|| {
            install(&cache, &v1, &target);
        },
        &v2,
        &InstallOptions::default(),
    );
    let fresh = kill_at_every_step(&env, &target, &|| {}, &v2, &InstallOptions::default());
    let reinstall = kill_at_every_step(
        &env,
        &target,
        &|| {
            install_wheel(&v2, &target, &InstallOptions::default()).unwrap();
        },
        &v2,
        &InstallOptions::default(),
    );
    eprintln!(
        "kills ending old/new: upgrade {upgrade:?}, fresh {fresh:?}, reinstall {reinstall:?}"
    );
    for (old, new) in [upgrade, fresh] {
        assert!(old > 20 && new >= 4, "{old} rolled back, {new} finished");
    }
    assert!(reinstall.0 + reinstall.1 > 20);
}

#[test]
fn killed_replacement_of_an_egg_info_install_is_recovered_at_every_step() {
    let (tmp, cache) = scratch();
    let env = tmp.path().join("env");
    let target = fake_target(&env);
    let wheel = WheelBuilder::new("simplejson", "3.19.1")
        .file("simplejson/__init__.py", b"VERSION = '3.19.1'\n")
        .console_script("sjtool", "simplejson:main")
        .build(tmp.path());
    let v2 = unpack_wheel(&cache, &wheel).unwrap();
    let (old, new) = kill_at_every_step(
        &env,
        &target,
        &|| {
            legacy_egg_info(&env, &target.scheme.purelib, EggList::InstalledFiles);
        },
        &v2,
        &InstallOptions::default(),
    );
    assert!(old > 5 && new >= 4, "{old} rolled back, {new} finished");
    assert_eq!(
        fs::read(tmp.path().join("victim.txt")).unwrap(),
        b"precious"
    );
}

#[test]
fn killed_install_into_new_directories_is_rolled_back_at_every_step() {
    // Every file lands in a directory the install creates (placed without a look first, its
    // journal lines written in batches); `fresh/big` holds more files than one batch.
    let (tmp, cache) = scratch();
    let env = tmp.path().join("env");
    let target = fake_target(&env);
    let mut builder = WheelBuilder::new("fresh", "1.0")
        .file("fresh/__init__.py", b"")
        .console_script("fresh-tool", "fresh:main");
    for i in 0..300 {
        builder = builder.file(
            &format!("fresh/big/m{i}.py"),
            format!("X = {i}\n").as_bytes(),
        );
    }
    for i in 0..5 {
        builder = builder.file(&format!("fresh/a/b/c/n{i}.py"), b"Y = 1\n");
    }
    let wheel = unpack_wheel(&cache, &builder.build(tmp.path())).unwrap();
    let (old, new) = kill_at_every_step(&env, &target, &|| {}, &wheel, &InstallOptions::default());
    // Kills between the files of a batch too: more kill points than files.
    assert!(old > 306 && new >= 1, "{old} rolled back, {new} finished");
}

#[test]
fn killed_upgrade_into_an_existing_directory_is_rolled_back_exactly() {
    // v2 replaces a file, adds one beside it (in a directory that exists) and one in a new
    // subdirectory; a file of another origin in that directory must survive every kill.
    let (tmp, cache) = scratch();
    let env = tmp.path().join("env");
    let target = fake_target(&env);
    let v1 = WheelBuilder::new("grow", "1.0")
        .file("grow/__init__.py", b"V = 1\n")
        .file("grow/gone.py", b"GONE = 1\n")
        .build(&tmp.path().join("v1"));
    let v2 = WheelBuilder::new("grow", "2.0")
        .file("grow/__init__.py", b"V = 2\n")
        .file("grow/added.py", b"ADDED = 2\n")
        .file("grow/sub/deep.py", b"DEEP = 2\n")
        .build(&tmp.path().join("v2"));
    let v2 = unpack_wheel(&cache, &v2).unwrap();
    let foreign = target.scheme.purelib.join("grow/foreign.py");
    let (old, new) = kill_at_every_step(
        &env,
        &target,
        &|| {
            install(&cache, &v1, &target);
            fs::write(&foreign, "FOREIGN = 1\n").unwrap();
        },
        &v2,
        &InstallOptions::default(),
    );
    assert!(old > 10 && new >= 2, "{old} rolled back, {new} finished");
    assert_eq!(fs::read_to_string(&foreign).unwrap(), "FOREIGN = 1\n");
    assert!(!target.scheme.purelib.join("grow/gone.py").exists());
}

#[test]
fn bytecode_is_compiled_recorded_and_rolled_back_at_every_step() {
    let Some(python) = common::base_python() else {
        return;
    };
    let (tmp, cache) = scratch();
    let env = tmp.path().join("env");
    let mut target = fake_target(&env);
    target.python = python;
    let v1 = demo_wheel_v1_with_old_module(tmp.path());
    let v2 = demo_wheel("2.0")
        .file("den_demo/broken.py", b"def (:\n")
        .build(tmp.path());
    let v2 = unpack_wheel(&cache, &v2).unwrap();
    let options = InstallOptions {
        compile_bytecode: true,
        ..InstallOptions::default()
    };
    let dist = install_wheel(&v2, &target, &options).unwrap().dist;
    let record = fs::read_to_string(dist.path.join("RECORD")).unwrap();
    let compiled: Vec<&str> = record.lines().filter(|l| l.contains(".pyc,")).collect();
    assert_eq!(compiled.len(), 2, "{record}");
    for line in compiled {
        assert!(
            line.starts_with("den_demo/__pycache__/") && line.ends_with(".pyc,,"),
            "{line}"
        );
        let path = target.scheme.purelib.join(line.trim_end_matches(",,"));
        assert!(path.is_file(), "{}", path.display());
    }
    // Upgrade from a version installed without bytecode, and a fresh install.
    let upgrade = kill_at_every_step(
        &env,
        &target,
        &|| {
            install(&cache, &v1, &target);
        },
        &v2,
        &options,
    );
    let fresh = kill_at_every_step(&env, &target, &|| {}, &v2, &options);
    for (old, new) in [upgrade, fresh] {
        assert!(old > 20 && new >= 4, "{old} rolled back, {new} finished");
    }
}

#[test]
fn killed_pip_upgrade_leaves_a_working_pip() {
    let wheels = bundled_wheels();
    let find = |name: &str| wheels.iter().find(|w| w.ends_with(name)).cloned();
    let Some((old, new)) = require(
        find("pip-23.2.1-py3-none-any.whl").zip(find("pip-24.2-py3-none-any.whl")),
        "the pip 23.2.1 and 24.2 wheels bundled with pyenv's CPython 3.12.1 and 3.13.0",
        "a killed pip upgrade leaving a working pip",
    ) else {
        return;
    };
    let Some(venv) = Venv::create(false) else {
        return;
    };
    let cache = Cache::temporary().unwrap();
    let new = unpack_wheel(&cache, &new).unwrap();
    let sp = venv.site_packages();
    let freeze = || run(venv.python().args(["-m", "pip", "freeze", "--all"]));
    install(&cache, &old, &venv.target);
    let before = state(&venv.root).0;
    let (mut rolled_back, mut finished) = (0, 0);
    for step in [
        0, 3, 40, 700, 1500, 2200, 2600, 3000, 3400, 3800, 4200, 5000, 6000, 8000,
    ] {
        match den_install::install_wheel_with_kill_switch(
            &new,
            &venv.target,
            &InstallOptions::default(),
            Some(step),
        ) {
            Ok(_) => {
                assert_eq!(freeze().trim(), "pip==24.2");
                break;
            }
            Err(e) => assert!(e.to_string().contains("simulated kill"), "{e}"),
        }
        let listed = installed_distributions(std::slice::from_ref(&sp)).unwrap();
        assert!(listed.len() <= 2, "{listed:?}");
        den_install::recover(std::slice::from_ref(&sp)).unwrap();
        let version = freeze();
        eprintln!("pip upgrade killed at step {step}: {}", version.trim());
        let listed = installed_distributions(std::slice::from_ref(&sp)).unwrap();
        assert_eq!(listed.len(), 1, "step {step}: {listed:?}");
        assert_record_verifies(&listed[0]);
        if version.trim() == "pip==23.2.1" {
            rolled_back += 1;
            assert_eq!(state(&venv.root).0, before, "step {step}");
        } else {
            assert_eq!(version.trim(), "pip==24.2", "step {step}");
            finished += 1;
            uninstall(&listed[0]).unwrap();
            install(&cache, &old, &venv.target);
        }
    }
    assert!(
        rolled_back >= 3 && finished >= 1,
        "{rolled_back} {finished}"
    );
}

#[test]
fn record_paths_outside_the_environment_are_never_deleted() {
    let (tmp, cache) = scratch();
    let env = tmp.path().join("env");
    let target = fake_target(&env);
    let outside = tmp.path().join("x");
    fs::create_dir_all(&outside).unwrap();
    let victims = [outside.join("victim.txt"), tmp.path().join("victim2.txt")];
    let tamper = |dist: &den_install::InstalledDist| {
        append_to_record(
            dist,
            &format!(
                "{},,\n../../../../victim2.txt,,\n../../../../env/../x/victim.txt,,\n",
                victims[0].display()
            ),
        );
        for victim in &victims {
            fs::write(victim, b"precious").unwrap();
        }
    };
    let v1 = demo_wheel("1.0").build(tmp.path());
    let v2 = demo_wheel("2.0").build(tmp.path());

    let dist = install(&cache, &v1, &target);
    tamper(&dist);
    let unpacked = unpack_wheel(&cache, &v2).unwrap();
    let upgraded = install_wheel(&unpacked, &target, &InstallOptions::default()).unwrap();
    assert_eq!(upgraded.replaced.unwrap().version.to_string(), "1.0");
    let mut skipped = upgraded.skipped.clone();
    skipped.sort();
    skipped.dedup();
    let mut expected = victims.to_vec();
    expected.sort();
    assert_eq!(skipped, expected);
    assert!(victims.iter().all(|v| v.exists()));

    tamper(&upgraded.dist);
    // A symlinked directory inside the environment leading out of it does not count as inside.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&outside, target.scheme.purelib.join("escape")).unwrap();
        append_to_record(&upgraded.dist, "escape/victim.txt,,\n");
    }
    let result = uninstall(&upgraded.dist).unwrap();
    let expected_skips = if cfg!(unix) { 4 } else { 3 };
    assert_eq!(result.skipped.len(), expected_skips, "{result:?}");
    assert!(victims.iter().all(|v| fs::read(v).unwrap() == b"precious"));
    assert!(!upgraded.dist.path.exists());
    assert!(!env.join("bin/den-demo-tool").exists());
}

#[test]
fn clone_mode_falls_back_to_a_link_or_copy() {
    let (tmp, cache) = scratch();
    let target = fake_target(tmp.path());
    let wheel = demo_wheel("1.0").build(tmp.path());
    let unpacked = unpack_wheel(&cache, &wheel).unwrap();
    let options = InstallOptions {
        link_mode: LinkMode::Clone,
        ..InstallOptions::default()
    };
    let dist = install_wheel(&unpacked, &target, &options).unwrap().dist;
    assert_record_verifies(&dist);
    let module = target.scheme.purelib.join("den_demo/__init__.py");
    assert_eq!(fs::read_to_string(&module).unwrap(), "VERSION = '1.0'\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        eprintln!(
            "clone mode: nlink {}",
            fs::metadata(&module).unwrap().nlink()
        );
    }
}

/// A 200-module wheel written by hand whose RECORD is altered by `edit_record` (the rows
/// are correct before), so the parallel extraction's later threads meet the fault.
fn many_module_wheel(dir: &Path, edit_record: impl Fn(&mut Vec<RecordEntry>)) -> PathBuf {
    let mut members: Vec<(String, Vec<u8>)> = (0..200)
        .map(|i| (format!("many/m{i}.py"), format!("X = {i}\n").into_bytes()))
        .collect();
    members.extend(dist_info_members("many"));
    fs::create_dir_all(dir).unwrap();
    let path = dir.join("many-1.0-py3-none-any.whl");
    hand_written_wheel(&path, &members, "many-1.0.dist-info/RECORD", edit_record);
    path
}

#[test]
fn parallel_unpack_verifies_every_member() {
    let (tmp, cache) = scratch();
    let good = many_module_wheel(&tmp.path().join("good"), |_| {});
    let unpacked = unpack_wheel(&cache, &good).unwrap();
    for i in [0, 99, 199] {
        assert_eq!(
            fs::read_to_string(unpacked.root.join(format!("many/m{i}.py"))).unwrap(),
            format!("X = {i}\n")
        );
    }
    let late_hash = many_module_wheel(&tmp.path().join("hash"), |record| {
        record[190].hash = Some(record_hash(b"something else"));
    });
    let err = unpack_wheel(&cache, &late_hash).unwrap_err();
    assert!(
        matches!(&err, InstallError::RecordMismatch { member, .. } if member == "many/m190.py"),
        "{err}"
    );
    let late_size = many_module_wheel(&tmp.path().join("size"), |record| {
        record[150].size = Some(1);
    });
    let err = unpack_wheel(&cache, &late_size).unwrap_err();
    assert!(err.to_string().contains("size"), "{err}");
    let absent = many_module_wheel(&tmp.path().join("absent"), |record| {
        record.push(RecordEntry {
            path: "many/ghost.py".into(),
            hash: None,
            size: None,
        });
    });
    let err = unpack_wheel(&cache, &absent).unwrap_err();
    assert!(
        matches!(&err, InstallError::RecordMismatch { member, .. } if member == "many/ghost.py"),
        "{err}"
    );
    let entries = archive_entries(&cache).len();
    assert_eq!(
        entries, 1,
        "only the good wheel is cached, no temporary leftovers"
    );
}

/// The files installed are the unpacked tree's, found from RECORD rather than by walking the
/// tree: members in nested directories, one RECORD lists without hash or size, and a RECORD
/// signature (not in RECORD, as PEP 427 allows) all reach the environment; a reused (warm)
/// unpack installs the same, and one missing a member is unpacked again first.
#[test]
fn every_member_of_the_wheel_is_installed() {
    let (tmp, cache) = scratch();
    let mut members = vec![
        ("signed/__init__.py".to_string(), b"S = 1\n".to_vec()),
        ("signed/sub/deep/mod.py".to_string(), b"D = 1\n".to_vec()),
        ("signed/sub/data.txt".to_string(), b"unhashed\n".to_vec()),
        (
            "signed-1.0.data/data/share/signed.cfg".to_string(),
            b"cfg\n".to_vec(),
        ),
    ];
    members.extend(dist_info_members("signed"));
    let path = tmp.path().join("signed-1.0-py3-none-any.whl");
    hand_written_wheel(&path, &members, "signed-1.0.dist-info/RECORD", |record| {
        let unhashed = record.iter_mut().find(|r| r.path == "signed/sub/data.txt");
        let unhashed = unhashed.unwrap();
        (unhashed.hash, unhashed.size) = (None, None);
        record.push(RecordEntry {
            path: "signed-1.0.dist-info/RECORD".into(),
            hash: None,
            size: None,
        });
    });
    // Append the signature member, which RECORD does not list.
    {
        use std::io::Write;
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        let mut zip = zip::ZipWriter::new_append(file).unwrap();
        zip.start_file(
            "signed-1.0.dist-info/RECORD.jws",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(b"{}").unwrap();
        zip.finish().unwrap();
    }
    let expected = [
        "lib/python3.12/site-packages/signed/__init__.py",
        "lib/python3.12/site-packages/signed/sub/deep/mod.py",
        "lib/python3.12/site-packages/signed/sub/data.txt",
        "lib/python3.12/site-packages/signed-1.0.dist-info/METADATA",
        "lib/python3.12/site-packages/signed-1.0.dist-info/WHEEL",
        "lib/python3.12/site-packages/signed-1.0.dist-info/RECORD.jws",
        "share/signed.cfg",
    ];
    for run in ["cold", "warm", "damaged"] {
        if run == "damaged" {
            // A member RECORD lists without hash or size, gone from the cached tree: the
            // tree is unpacked again rather than installed without it.
            let tree = unpack_wheel(&cache, &path).unwrap().root;
            fs::remove_file(tree.join("signed/sub/data.txt")).unwrap();
        }
        let env = tmp.path().join(run);
        let dist = install(&cache, &path, &fake_target(&env));
        for file in expected {
            assert!(env.join(file).is_file(), "{run}: {file} not installed");
        }
        let record = fs::read_to_string(dist.path.join("RECORD")).unwrap();
        for row in ["signed/sub/data.txt,", "signed-1.0.dist-info/RECORD.jws,"] {
            assert!(
                record.contains(row),
                "{run}: {row} not in RECORD:\n{record}"
            );
        }
        assert!(
            !dist.path.join("RECORD.p7s").exists(),
            "{run}: a signature the wheel lacks"
        );
    }
}

/// A tree of more files than one thread checks at a time is checked in slices, and the damage
/// reported is still the first in RECORD's order (sizes; and contents with hashes).
#[test]
fn a_large_tree_reports_its_first_damaged_file() {
    let (tmp, cache) = scratch();
    let mut members: Vec<(String, Vec<u8>)> = (0..1300)
        .map(|i| {
            (
                format!("big/m{i:04}.py"),
                format!("X = {i:04}\n").into_bytes(),
            )
        })
        .collect();
    members.extend(dist_info_members("big"));
    let path = tmp.path().join("big-1.0-py3-none-any.whl");
    hand_written_wheel(&path, &members, "big-1.0.dist-info/RECORD", |_| {});
    let unpacked = unpack_wheel(&cache, &path).unwrap();
    assert_eq!(unpacked.verify(true).unwrap(), None);
    let file = |i: usize| unpacked.root.join(format!("big/m{i:04}.py"));
    let replace = |i: usize, content: &[u8]| {
        // Not through the hardlink's inode: a new file in its place.
        fs::remove_file(file(i)).unwrap();
        fs::write(file(i), content).unwrap();
    };
    replace(1200, b"");
    replace(700, b"X = 9999\n");
    let (damaged, problem) = unpacked.verify(false).unwrap().unwrap();
    assert_eq!(damaged, file(1200), "{problem}");
    assert!(problem.contains("0 bytes"), "{problem}");
    let (damaged, _) = unpacked.verify(true).unwrap().unwrap();
    assert_eq!(
        damaged,
        file(700),
        "the same-size edit comes first in RECORD"
    );
}
