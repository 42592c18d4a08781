use std::path::Path;
use std::str::FromStr;

use den_dist::Version;

use super::*;

const LOCK: &str = r#"lock-version = "1.0"
requires-python = ">=3.9"
created-by = "den"

[[packages]]
name = "attrs"
version = "25.1.0"
requires-python = ">=3.8"

[packages.sdist]
name = "attrs-25.1.0.tar.gz"
url = "https://files.example/attrs-25.1.0.tar.gz"
size = 810562
hashes = { sha256 = "1c97078a80c814273a76b2a298a932eb681c87415c11dee0a6921de7f1b02c3e" }

[[packages.wheels]]
name = "attrs-25.1.0-py3-none-any.whl"
upload-time = 2025-01-25T11:30:10.164985Z
url = "https://files.example/attrs-25.1.0-py3-none-any.whl"
size = 63152
hashes = { sha256 = "c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a" }

[[packages]]
name = "colorama"
version = "0.4.6"
marker = "sys_platform == 'win32'"

[[packages.wheels]]
url = "https://files.example/colorama-0.4.6-py2.py3-none-any.whl"
hashes = { sha256 = "4f1d9991f5acc0ca119f9d443620b77f9d6b33703e51011c16baf57afb285fc6" }

[[packages]]
name = "local"

[packages.directory]
path = "src/local"
editable = true
"#;

fn read(text: &str) -> Result<Pylock, PylockError> {
    Pylock::parse(text, Path::new("pylock.toml"))
}

fn error_key(text: &str) -> (String, String) {
    let error = read(text).unwrap_err();
    (error.key, error.message)
}

/// CPython 3.12 on x86_64 Linux (manylinux_2_17).
fn target() -> den_python::TargetPython {
    den_python::TargetPython::cpython_on("3.12", "x86_64-unknown-linux-gnu").unwrap()
}

#[test]
fn reads_the_specification_shapes() {
    let lock = read(LOCK).unwrap();
    assert_eq!(lock.lock_version, "1.0");
    assert_eq!(lock.created_by, "den");
    assert_eq!(lock.packages.len(), 3);
    let LockedSource::Files { sdist, wheels } = &lock.packages[0].source else {
        panic!("files expected");
    };
    assert_eq!(sdist.as_ref().unwrap().size, Some(810562));
    assert_eq!(
        wheels[0].upload_time.as_deref(),
        Some("2025-01-25T11:30:10.164985Z")
    );
    assert_eq!(
        lock.packages[2].source,
        LockedSource::Directory(LockedDirectory {
            path: "src/local".into(),
            editable: true,
            subdirectory: None
        })
    );
}

#[test]
fn writing_then_reading_gives_the_same_lock() {
    let lock = read(LOCK).unwrap();
    let text = lock.to_toml();
    assert_eq!(read(&text).unwrap(), lock);
    // The specification's order: top-level keys, then the packages, `name` first.
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "lock-version = \"1.0\"");
    assert_eq!(lines[1], "requires-python = \">=3.9\"");
    assert_eq!(lines[2], "created-by = \"den\"");
    assert!(text.contains("[[packages.wheels]]\nname = \"attrs-25.1.0-py3-none-any.whl\"\nupload-time = 2025-01-25T11:30:10.164985Z\nurl ="));
    assert!(text.contains("[packages.wheels.hashes]\nsha256 = \"c75a69e"));
}

#[test]
fn bad_locks_are_refused_naming_the_key() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "created-by = \"x\"\npackages = []\n",
            "lock-version",
            "missing",
        ),
        (
            "lock-version = \"2.0\"\ncreated-by = \"x\"\npackages = []\n",
            "lock-version",
            "not supported",
        ),
        (
            "lock-version = 1.0\ncreated-by = \"x\"\npackages = []\n",
            "lock-version",
            "expected a string",
        ),
        (
            "lock-version = \"1.0\"\npackages = []\n",
            "created-by",
            "missing",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n",
            "packages",
            "missing",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\nenvironments = [\"os_name ==\"]\npackages = []\n",
            "environments[0]",
            "",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\nrequires-python = \">=3.x\"\npackages = []\n",
            "requires-python",
            "",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"Foo_Bar\"\n[packages.directory]\npath = \".\"\n",
            "packages[0].name",
            "not a normalized name",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"foo\"\n",
            "packages[0]",
            "exactly one of",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"foo\"\nversion = \"one\"\n[packages.directory]\npath = \".\"\n",
            "packages[0].version",
            "",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"foo\"\n[[packages.wheels]]\nurl = \"https://x/foo-1-py3-none-any.whl\"\n",
            "packages[0].wheels[0].hashes",
            "missing",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"foo\"\n[[packages.wheels]]\nurl = \"https://x/foo-1-py3-none-any.whl\"\nhashes = {}\n",
            "packages[0].wheels[0].hashes",
            "at least one",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"foo\"\n[[packages.wheels]]\nurl = \"https://x/foo-1-py3-none-any.whl\"\nhashes = {sha256 = 1}\n",
            "packages[0].wheels[0].hashes.sha256",
            "expected a string",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"foo\"\n[[packages.wheels]]\nhashes = {sha256 = \"ab\"}\n",
            "packages[0].wheels[0]",
            "`url` or `path`",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"foo\"\n[[packages.wheels]]\nurl = \"https://x/foo.zip\"\nhashes = {sha256 = \"ab\"}\n",
            "packages[0].wheels[0].url",
            "not a wheel filename",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"foo\"\n[packages.sdist]\nname = \"bar-1.tar.gz\"\nhashes = {sha256 = \"ab\"}\npath = \"bar-1.tar.gz\"\n",
            "packages[0].sdist.name",
            "not a source distribution",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"foo\"\n[[packages.wheels]]\nurl = \"https://x/foo-1-py3-none-any.whl\"\nsize = -1\nhashes = {sha256 = \"ab\"}\n",
            "packages[0].wheels[0].size",
            "",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"foo\"\n[packages.vcs]\ntype = \"git\"\nurl = \"https://x/foo\"\n",
            "packages[0].vcs.commit-id",
            "missing",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"foo\"\n[packages.directory]\npath = \".\"\n[packages.archive]\nurl = \"https://x/foo.zip\"\nhashes = {sha256 = \"ab\"}\n",
            "packages[0]",
            "exactly one of",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"foo\"\n[packages.directory]\npath = \".\"\neditable = \"yes\"\n",
            "packages[0].directory.editable",
            "expected a boolean",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\npackages = [1]\n",
            "packages[0]",
            "expected a table",
        ),
        (
            "lock-version = \"1.0\"\ncreated-by = \"x\"\npackages = []\n[[packages]]\n",
            "",
            "not valid TOML",
        ),
    ];
    for (text, key, message) in cases {
        let (found_key, found_message) = error_key(text);
        assert_eq!(&found_key, key, "{text}: {found_message}");
        assert!(found_message.contains(message), "{text}: {found_message}");
    }
    // A parser's message keeps its lines, the `^` under the text at fault.
    let (_, message) = error_key(
        "lock-version = \"1.0\"\ncreated-by = \"x\"\nrequires-python = \"garbage\"\npackages = []\n",
    );
    assert!(message.ends_with("\ngarbage\n^^^^^^^"), "{message}");
    assert!(!message.contains("\\n"), "{message}");
    // Each line's control characters are still escaped.
    let (_, message) = error_key(
        "lock-version = \"1.0\"\ncreated-by = \"x\"\nrequires-python = \"\\u001bx\"\npackages = []\n",
    );
    assert!(
        message.contains("\\u{1b}") && !message.contains('\u{1b}'),
        "{message}"
    );
    let shown = read("created-by = \"x\"\npackages = []\n")
        .unwrap_err()
        .to_string();
    assert_eq!(shown, "pylock.toml: `lock-version`: missing required key");
}

#[test]
fn requires_python_is_shown_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pylock.toml");
    assert_eq!(Pylock::requires_python_as_written(&path), None);
    let text = "lock-version = \"1.0\"\nrequires-python = \">= 3.8,<4 , !=3.9.*\"\ncreated-by = \"x\"\npackages = []\n";
    std::fs::write(&path, text).unwrap();
    let lock = Pylock::read(&path).unwrap();
    assert_eq!(
        lock.requires_python.unwrap().to_string(),
        ">=3.8, !=3.9.*, <4"
    );
    assert_eq!(
        Pylock::requires_python_as_written(&path).as_deref(),
        Some(">= 3.8,<4 , !=3.9.*")
    );
}

#[test]
fn version_errors_are_told_from_shape_errors() {
    let version_error = |text: &str| read(text).unwrap_err().is_version_error();
    assert!(version_error(
        "lock-version = \"2.0\"\ncreated-by = \"x\"\npackages = []\n"
    ));
    assert!(version_error(
        "lock-version = \"one\"\ncreated-by = \"x\"\npackages = []\n"
    ));
    assert!(version_error(
        "lock-version = 1\ncreated-by = \"x\"\npackages = []\n"
    ));
    assert!(!version_error("created-by = \"x\"\npackages = []\n"));
    assert!(!version_error("lock-version = \"1.0\"\npackages = []\n"));
}

/// What `lock`, read from `/lock/pylock.toml`, gives CPython `python` on x86_64 Linux.
fn select(lock: &Pylock, python: &str) -> Result<Vec<SelectedPackage>, PylockError> {
    let target = target();
    let version = Version::from_str(python).unwrap();
    let (file, base) = (Path::new("pylock.toml"), Path::new("/lock"));
    let selection = LockSelection {
        default_groups: true,
        ..LockSelection::default()
    };
    lock.select(
        file,
        base,
        &selection,
        &target.markers,
        &target.tags,
        &version,
    )
}

#[test]
fn selects_the_best_wheel_skips_false_markers_and_joins_paths() {
    let lock = read(LOCK).unwrap();
    let selected = select(&lock, "3.12.0").unwrap();
    assert_eq!(selected.len(), 2);
    assert_eq!(
        selected[0].url.as_str(),
        "https://files.example/attrs-25.1.0-py3-none-any.whl"
    );
    assert_eq!(selected[0].hashes.len(), 1);
    assert!(selected[0].release);
    assert_eq!(selected[1].url.as_str(), "file:///lock/src/local");
    assert!(selected[1].editable && !selected[1].release);
    // An older Python than the lock's requires-python.
    let error = select(&lock, "3.8.0").unwrap_err();
    assert_eq!(error.key, "requires-python");
}

#[test]
fn without_a_fitting_wheel_the_sdist_is_chosen_and_without_one_it_is_an_error() {
    let text = LOCK.replace("py3-none-any", "cp313-cp313-win_amd64");
    let mut lock = read(&text).unwrap();
    let selected = select(&lock, "3.12.0").unwrap();
    assert!(selected[0].url.as_str().ends_with(".tar.gz"));
    if let LockedSource::Files { sdist, .. } = &mut lock.packages[0].source {
        *sdist = None;
    }
    let error = select(&lock, "3.12.0").unwrap_err();
    assert_eq!(error.key, "packages[0].wheels");
}

#[test]
fn lock_file_names() {
    assert!(is_pylock_file_name(Path::new("a/pylock.toml")));
    assert!(is_pylock_file_name(Path::new("pylock.dev.toml")));
    assert!(!is_pylock_file_name(Path::new("pylock.a.b.toml")));
    assert!(!is_pylock_file_name(Path::new("pylock..toml")));
    assert!(!is_pylock_file_name(Path::new("requirements.txt")));
}
