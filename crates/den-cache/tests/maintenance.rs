//! Cache maintenance through the public API: size, clean, clean_package, prune and the
//! cache-wide lock.

use std::fs;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use den_cache::{Cache, CacheBucket, CleanReport};

fn write(path: &Path, bytes: usize) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, vec![b'x'; bytes]).unwrap();
}

/// Relative paths of every file under `root`, sorted.
fn files(root: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| !e.file_type().is_dir())
        .map(|e| e.path().strip_prefix(root).unwrap().display().to_string())
        .collect();
    out.sort();
    out
}

#[test]
fn size_counts_hardlinks_once_and_does_not_follow_symlinks() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    write(&outside, 10_000);
    let cache = Cache::open(dir.path().join("cache")).unwrap();
    let base = cache.size().unwrap();
    let wheels = cache.bucket(CacheBucket::Wheels).unwrap();
    write(&wheels.join("a"), 100);
    fs::hard_link(wheels.join("a"), wheels.join("b")).unwrap();
    write(&wheels.join("sub/c"), 7);
    std::os::unix::fs::symlink(&outside, wheels.join("link")).unwrap();
    let link_len = fs::symlink_metadata(wheels.join("link")).unwrap().len();
    assert_eq!(cache.size().unwrap(), base + 107 + link_len);
}

#[test]
fn clean_removes_everything_but_the_tag_and_lock() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap();
    let archive = cache.bucket(CacheBucket::Archive).unwrap();
    write(&archive.join("abc/pkg/__init__.py"), 10);
    write(&archive.join("abc/pkg/data.bin"), 30);
    fs::hard_link(
        archive.join("abc/pkg/data.bin"),
        archive.join("abc/copy.bin"),
    )
    .unwrap();
    write(
        &cache.bucket(CacheBucket::Simple).unwrap().join("i/x.json"),
        5,
    );
    write(&dir.path().join("stray-file"), 1);
    // A read-only directory (as git leaves some) is removed too.
    let locked = cache.bucket(CacheBucket::Git).unwrap().join("db/ro");
    write(&locked.join("object"), 4);
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
    let _guard = cache.lock(CacheBucket::Wheels, "key").unwrap();
    drop(_guard);

    let report = cache.clean().unwrap();
    assert_eq!(
        report,
        CleanReport {
            files: 7,
            bytes: 10 + 30 + 5 + 1 + 4
        },
        "the hardlinked copy is a file but its bytes count once; the entry lock file is empty"
    );
    assert_eq!(files(dir.path()), [".lock", "CACHEDIR.TAG"]);
    assert!(
        cache.bucket(CacheBucket::Wheels).unwrap().is_dir(),
        "usable afterwards"
    );
    assert_eq!(cache.clean().unwrap(), CleanReport::default());
}

#[test]
fn clean_package_removes_one_projects_entries() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap();
    let root = dir.path();
    for (path, bytes) in [
        ("simple-v2/pypi/foo-bar.json", 3),
        ("simple-v2/pypi/foo.json", 1),
        ("simple-v2/local/foo-bar.json", 2),
        ("wheels-v1/pypi/foo_bar-1.0-py3-none-any.whl", 10),
        ("wheels-v1/pypi/Foo.Bar-2.0.tar.gz", 20),
        ("wheels-v1/pypi/foo-1.0-py3-none-any.whl", 1),
        ("wheels-v1/pypi/.locks/foo_bar-1.0-py3-none-any.whl.lock", 0),
        ("sdists-v1/https_host_x-0123/foo_bar-1.0.tar.gz", 5),
        (
            "built-wheels-v1/aa11/foo_bar-1.0-cp312-cp312-linux_x86_64.whl",
            40,
        ),
        ("built-wheels-v1/aa11/METADATA", 6),
        ("built-wheels-v1/bb22/other-1.0-py3-none-any.whl", 1),
        ("archive-v1/cc33/foo_bar-1.0.dist-info/METADATA", 1),
        ("archive-v1/dd44/other-1.0.dist-info/METADATA", 1),
    ] {
        write(&root.join(path), bytes);
    }
    let report = cache.clean_package("Foo_Bar").unwrap();
    assert_eq!(
        report,
        CleanReport {
            files: 8,
            bytes: 3 + 2 + 10 + 20 + 5 + 40 + 6 + 1
        }
    );
    assert_eq!(
        files(root),
        [
            ".lock",
            "CACHEDIR.TAG",
            "archive-v1/dd44/other-1.0.dist-info/METADATA",
            "built-wheels-v1/bb22/other-1.0-py3-none-any.whl",
            "simple-v2/pypi/foo.json",
            "wheels-v1/pypi/.locks/foo_bar-1.0-py3-none-any.whl.lock",
            "wheels-v1/pypi/foo-1.0-py3-none-any.whl",
        ]
    );
    assert!(!root.join("simple-v2/local").exists(), "emptied dirs go");
    assert!(!root.join("sdists-v1/https_host_x-0123").exists());
    assert_eq!(
        cache.clean_package("nothing-here").unwrap(),
        CleanReport::default()
    );
}

#[test]
fn prune_removes_old_buckets_temporaries_and_build_environments() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap();
    let root = dir.path();
    for (path, bytes) in [
        ("wheels-v0/pypi/x-1.0-py3-none-any.whl", 8),
        ("future-v3/entry", 4),
        ("notes.txt", 1),
        (".tmpAbC123", 2),
        ("wheels-v1/pypi/.tmpXyZ", 16),
        ("wheels-v1/pypi/x-1.0-py3-none-any.whl", 1),
        ("built-wheels-v1/.tmp-build1/partial.whl", 32),
        ("built-wheels-v1/aa11/x-1.0-py3-none-any.whl", 1),
        ("builds-v1/0123abcd/bin/python", 64),
        ("builds-v1/.locks/0123abcd.lock", 0),
        ("archive-v1/cc33/.tmp-data-file-of-a-wheel", 1),
        ("archive-v1/.tmp-unpack/x.py", 128),
        ("git-v1/db/.tmp-clone/db/HEAD", 256),
    ] {
        write(&root.join(path), bytes);
    }
    let report = cache.prune().unwrap();
    assert_eq!(
        report,
        CleanReport {
            files: 9,
            bytes: 8 + 4 + 2 + 16 + 32 + 64 + 128 + 256
        }
    );
    assert_eq!(
        files(root),
        [
            ".lock",
            "CACHEDIR.TAG",
            "archive-v1/cc33/.tmp-data-file-of-a-wheel",
            "built-wheels-v1/aa11/x-1.0-py3-none-any.whl",
            "notes.txt",
            "wheels-v1/pypi/x-1.0-py3-none-any.whl",
        ]
    );
    assert_eq!(cache.prune().unwrap(), CleanReport::default());
}

#[test]
fn maintenance_waits_for_shared_holders_and_refuses_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(dir.path()).unwrap();
    write(&cache.bucket(CacheBucket::Wheels).unwrap().join("x"), 1);

    // This process's own shared guard: cleaning would wait for itself, so it fails at once.
    let guard = cache.shared_lock().unwrap();
    let second = cache.shared_lock().unwrap();
    let err = cache.clean().unwrap_err().to_string();
    assert!(err.contains("holds the cache's shared lock"), "{err}");
    assert!(cache.size().is_ok(), "size shares the lock");
    drop((guard, second));

    // Another holder of the shared lock (as another den process would be): clean waits.
    let other = fs::File::open(dir.path().join(".lock")).unwrap();
    fs4::FileExt::lock_shared(&other).unwrap();
    let (done, finished) = mpsc::channel();
    let waiting = cache.clone();
    let cleaner = std::thread::spawn(move || {
        let report = waiting.clean().unwrap();
        done.send(()).unwrap();
        report
    });
    assert!(
        finished.recv_timeout(Duration::from_millis(300)).is_err(),
        "clean must wait for the shared holder"
    );
    assert!(dir.path().join("wheels-v1/x").exists());
    drop(other);
    finished.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(cleaner.join().unwrap().files, 1);
}
