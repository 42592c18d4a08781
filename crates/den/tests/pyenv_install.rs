//! `den pyenv install` / `uninstall` against python-build-standalone-shaped archives made
//! from a CPython already on this machine (a pyenv 3.11: its `python/` tree without the test
//! suite, IDLE, tkinter and bytecode, packed as `.tar.gz`; ensurepip's wheels kept, so
//! environments on it are seeded with pip), with a matching download index
//! and SHA-256, served from a `file://` mirror and a loopback HTTP mirror. No internet.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use den_test_support::http::{HttpServer, Response};
use den_test_support::require;

/// python-build-standalone's release tag the test archives pretend to come from.
const BUILD: &str = "20991231";

/// A test archive and what the index says about it.
struct Archive {
    path: PathBuf,
    filename: String,
    version: String,
    sha256: String,
    /// The mirror's root: `<mirror>/<BUILD>/<filename>`.
    mirror: PathBuf,
}

/// Whether a member of the source prefix is left out of the archive (to keep it small).
fn skipped(relative: &Path) -> bool {
    let text = relative.to_string_lossy();
    let parts: Vec<&str> = text.split('/').collect();
    let dropped = [
        "test",
        "tests",
        "idlelib",
        "tkinter",
        "turtledemo",
        "lib2to3",
        "__pycache__",
        "site-packages",
        "unittest",
        "pydoc_data",
    ];
    (parts.first() == Some(&"lib") && parts.len() > 2 && dropped.contains(&parts[2]))
        || parts
            .iter()
            .any(|p| *p == "__pycache__" || *p == "tests" || *p == "test")
        || text.ends_with(".a")
        || parts.first() == Some(&"share")
        || (parts.first() == Some(&"bin")
            && parts.get(1).is_some_and(|name| !name.starts_with("python")))
}

/// The python-build-standalone-shaped archive of the pyenv 3.11 on this machine, built once
/// per target directory. Tests running at once (threads under `cargo test`, processes under
/// nextest) may each build it, each into its own temporary file; the rename is atomic.
fn archive() -> Option<Archive> {
    let python = require(
        den_test_support::pyenv_python("3.11"),
        "a pyenv CPython 3.11 (~/.pyenv/versions/3.11.*)",
        "den pyenv install of a python-build-standalone-shaped archive",
    )?;
    let prefix = python.parent()?.parent()?.to_path_buf();
    let version = prefix.file_name()?.to_string_lossy().into_owned();
    let platform = den_python_install::Platform::current();
    let triple = match platform.os.as_str() {
        "darwin" => format!("{}-apple-darwin", platform.arch),
        _ => format!("{}-unknown-linux-{}", platform.arch, platform.libc),
    };
    let filename = format!("cpython-{version}+{BUILD}-{triple}-install_only_stripped.tar.gz");
    // Named for what the archive holds: a target directory keeping an older archive (one
    // without ensurepip) builds this one beside it.
    let mirror = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pbs-mirror-with-ensurepip");
    let path = mirror.join(BUILD).join(&filename);
    if !path.is_file() {
        fs::create_dir_all(path.parent()?).unwrap();
        let temporary = tempfile::NamedTempFile::new_in(path.parent()?).unwrap();
        let gz = flate2::write::GzEncoder::new(temporary.as_file(), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        tar.follow_symlinks(false);
        for entry in walkdir::WalkDir::new(&prefix).sort_by_file_name() {
            let entry = entry.unwrap();
            let relative = entry.path().strip_prefix(&prefix).unwrap();
            if relative.as_os_str().is_empty() || skipped(relative) {
                continue;
            }
            tar.append_path_with_name(entry.path(), Path::new("python").join(relative))
                .unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
        temporary.persist(&path).unwrap();
    }
    let sha256 = den_python_install::sha256_file(&path).unwrap();
    Some(Archive {
        path,
        filename,
        version,
        sha256,
        mirror,
    })
}

/// A download index in uv's format with one entry for `archive` on this platform.
fn index_json(archive: &Archive, sha256: &str) -> String {
    let platform = den_python_install::Platform::current();
    let mut parts = archive.version.split('.');
    let (major, minor, patch) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let encoded = archive.filename.replace('+', "%2B");
    format!(
        r#"{{
  "cpython-{version}-{os}-{arch}-{libc}": {{
    "name": "cpython",
    "arch": {{"family": "{arch}", "variant": null}},
    "os": "{os}",
    "libc": "{libc}",
    "major": {major}, "minor": {minor}, "patch": {patch},
    "prerelease": "",
    "url": "{prefix}/{BUILD}/{encoded}",
    "sha256": "{sha256}",
    "variant": null,
    "build": "{BUILD}"
  }}
}}
"#,
        version = archive.version,
        os = platform.os,
        arch = platform.arch,
        libc = platform.libc,
        prefix = den_python_install::DEFAULT_DOWNLOAD_PREFIX,
    )
}

/// A pyenv root, cache, WORKON_HOME and index in a temporary directory.
struct World {
    dir: tempfile::TempDir,
    mirror: String,
}

impl World {
    fn new(archive: &Archive, sha256: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("root/versions")).unwrap();
        fs::create_dir_all(dir.path().join("workon")).unwrap();
        fs::write(dir.path().join("index.json"), index_json(archive, sha256)).unwrap();
        let mirror = format!("file://{}", archive.mirror.display());
        Self { dir, mirror }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn versions(&self) -> PathBuf {
        self.root().join("versions")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = self.den(&["pyenv"]);
        command.args(args);
        command
    }

    /// den with `args` in this world (its pyenv root, mirror and index, its own cache).
    fn den(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_den"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("PYENV_ROOT", self.root())
            .env("DEN_CACHE_DIR", self.dir.path().join("cache"))
            .env("WORKON_HOME", self.dir.path().join("workon"))
            .env(
                "DEN_PYTHON_DOWNLOADS_JSON_URL",
                self.dir.path().join("index.json"),
            )
            .env("DEN_PYTHON_INSTALL_MIRROR", &self.mirror)
            .env_remove("PYENV_VERSION")
            .env_remove("PYENV_DIR")
            .env_remove("VIRTUAL_ENV")
            .stdin(Stdio::null());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// What is in the pyenv root besides `versions`, `shims` and `version` (leftovers).
    fn leftovers(&self) -> Vec<String> {
        fs::read_dir(self.root())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !matches!(n.as_str(), "versions" | "shims"))
            .collect()
    }
}

/// The mirror directory `root` served over loopback HTTP (`%2B` in a path is `+`).
fn serve_mirror(root: &Path) -> HttpServer {
    let root = root.to_path_buf();
    HttpServer::start(move |request| {
        let relative = request.path.trim_start_matches('/').replace("%2B", "+");
        match fs::read(root.join(relative)) {
            Ok(body) => Response::new(200, "application/gzip", body),
            Err(_) => Response::text(404, "not found"),
        }
    })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_status(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// Runs `python` with `args`; its stdout, after checking it succeeded.
fn python_out(python: &Path, args: &[&str], cwd: &Path) -> String {
    let output = Command::new(python)
        .args(args)
        .current_dir(cwd)
        .env_remove("PYTHONHOME")
        .env_remove("PYTHONPATH")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{} {args:?}: {}",
        python.display(),
        text(&output.stderr)
    );
    text(&output.stdout).trim().to_string()
}

#[test]
fn installs_a_prefix_from_a_file_mirror_and_the_python_works() {
    let Some(archive) = archive() else { return };
    let world = World::new(&archive, &archive.sha256);
    let minor: String = archive.version.rsplit_once('.').unwrap().0.to_string();
    let output = world.run(&["install", &minor]);
    assert_status(&output, 0);
    let prefix = world.versions().join(&archive.version);
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "Installed Python-{} to {}",
            archive.version,
            prefix.display()
        )),
        "{stderr}"
    );
    // The minor alias and the shims.
    assert_eq!(
        fs::read_link(world.versions().join(&minor)).unwrap(),
        Path::new(&archive.version)
    );
    assert!(world.root().join(format!("shims/python{minor}")).exists());
    assert!(world.leftovers().is_empty(), "{:?}", world.leftovers());
    // The Python runs from its new prefix and its sysconfig names it.
    let python = prefix.join(format!("bin/python{minor}"));
    let out = python_out(
        &python,
        &[
            "-c",
            "import sys, sysconfig; print(sys.prefix); print(sysconfig.get_config_var('prefix')); \
             print(sysconfig.get_config_var('INCLUDEPY'))",
        ],
        world.dir.path(),
    );
    let lines: Vec<&str> = out.lines().collect();
    let shown = prefix.display().to_string();
    assert_eq!(lines[0], shown, "{out}");
    assert_eq!(lines[1], shown, "{out}");
    assert!(lines[2].starts_with(&shown), "{out}");
    let config = fs::read_to_string(prefix.join(format!("lib/pkgconfig/python-{minor}.pc")));
    if let Ok(config) = config {
        assert!(config.contains(&format!("prefix={shown}")), "{config}");
    }

    // -s skips it, without it is pyenv's "already exists".
    assert_status(&world.run(&["install", "-s", &archive.version]), 0);
    let again = world.run(&["install", &archive.version]);
    assert_status(&again, 1);
    assert!(
        text(&again.stderr).contains(&format!("pyenv: {shown} already exists")),
        "{}",
        text(&again.stderr)
    );

    // An environment on it works, and a C extension builds against it (distutils, in 3.11).
    let env = world.dir.path().join("env");
    let venv = Command::new(env!("CARGO_BIN_EXE_den"))
        .args(["venv", "--without-pip", "-p"])
        .arg(&python)
        .arg(&env)
        .env("DEN_CACHE_DIR", world.dir.path().join("cache"))
        .env_remove("VIRTUAL_ENV")
        .output()
        .unwrap();
    assert_status(&venv, 0);
    let env_python = env.join("bin/python");
    // The environment reaches its base through the minor alias (versions/3.11), so a newer
    // 3.11.x den installs later is what it runs.
    let alias = prefix.with_file_name(
        archive
            .version
            .split('.')
            .take(2)
            .collect::<Vec<_>>()
            .join("."),
    );
    assert_eq!(
        python_out(
            &env_python,
            &["-c", "import sys; print(sys.base_prefix)"],
            world.dir.path()
        ),
        alias.display().to_string()
    );
    if den_test_support::require_program("cc", "a C extension built against the installed Python")
        .is_some()
    {
        let project = world.dir.path().join("ext");
        fs::create_dir_all(&project).unwrap();
        fs::write(
            project.join("hello.c"),
            "#include <Python.h>\n\
             static PyObject *hi(PyObject *s, PyObject *a) { return PyLong_FromLong(42); }\n\
             static PyMethodDef m[] = {{\"hi\", hi, METH_NOARGS, \"\"}, {0}};\n\
             static struct PyModuleDef d = {PyModuleDef_HEAD_INIT, \"hello\", 0, -1, m};\n\
             PyMODINIT_FUNC PyInit_hello(void) { return PyModule_Create(&d); }\n",
        )
        .unwrap();
        fs::write(
            project.join("setup.py"),
            "import warnings; warnings.simplefilter('ignore')\n\
             from distutils.core import setup, Extension\n\
             setup(name='hello', ext_modules=[Extension('hello', ['hello.c'])])\n",
        )
        .unwrap();
        python_out(
            &env_python,
            &["setup.py", "-q", "build_ext", "--inplace"],
            &project,
        );
        assert_eq!(
            python_out(
                &env_python,
                &["-c", "import hello; print(hello.hi())"],
                &project
            ),
            "42"
        );
    }

    // Uninstall refuses while the environment uses it (also through WORKON_HOME).
    let named = world.dir.path().join("workon/proj");
    fs::create_dir_all(&named).unwrap();
    fs::write(
        named.join("pyvenv.cfg"),
        format!(
            "home = {}\n",
            world.versions().join(&minor).join("bin").display()
        ),
    )
    .unwrap();
    let refused = world.run(&["uninstall", &archive.version]);
    assert_status(&refused, 1);
    let stderr = text(&refused.stderr);
    assert!(stderr.contains(&named.display().to_string()), "{stderr}");
    assert!(prefix.is_dir());
    // With -f it goes, with its alias and shims.
    let removed = world.run(&["uninstall", "-f", &archive.version]);
    assert_status(&removed, 0);
    assert_eq!(
        text(&removed.stdout),
        format!("pyenv: {} uninstalled\n", archive.version)
    );
    assert!(!prefix.exists());
    assert!(fs::symlink_metadata(world.versions().join(&minor)).is_err());
    assert!(!world.root().join(format!("shims/python{minor}")).exists());
    assert!(world.leftovers().is_empty(), "{:?}", world.leftovers());
}

#[test]
fn installs_from_a_loopback_http_mirror() {
    let Some(archive) = archive() else { return };
    let mut world = World::new(&archive, &archive.sha256);
    let server = serve_mirror(&archive.mirror);
    world.mirror = server.url();
    let output = world.run(&["install", &archive.version]);
    assert_status(&output, 0);
    let python = world.versions().join(&archive.version).join("bin/python3");
    assert_eq!(
        python_out(
            &python,
            &["-c", "import sys; print(sys.prefix)"],
            world.dir.path()
        ),
        world
            .versions()
            .join(&archive.version)
            .display()
            .to_string()
    );
}

#[test]
fn a_checksum_mismatch_installs_nothing() {
    let Some(archive) = archive() else { return };
    let wrong = "0".repeat(64);
    for mirror in ["file", "http"] {
        let mut world = World::new(&archive, &wrong);
        let _server;
        if mirror == "http" {
            let server = serve_mirror(&archive.mirror);
            world.mirror = server.url();
            _server = server;
        }
        let output = world.run(&["install", &archive.version]);
        assert_status(&output, 1);
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains(&wrong) && stderr.contains(&archive.sha256),
            "{mirror}: {stderr}"
        );
        assert!(!world.versions().join(&archive.version).exists());
        assert_eq!(fs::read_dir(world.versions()).unwrap().count(), 0);
        assert!(world.leftovers().is_empty(), "{:?}", world.leftovers());
    }
}

#[test]
fn a_local_archive_installs_offline_and_unknown_versions_list_the_nearest() {
    let Some(archive) = archive() else { return };
    let world = World::new(&archive, &archive.sha256);
    // No mirror at all: the network is never asked.
    let copy = world.dir.path().join(&archive.filename);
    fs::copy(&archive.path, &copy).unwrap();
    let output = world
        .command(&["install", copy.to_str().unwrap()])
        .env("DEN_PYTHON_INSTALL_MIRROR", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_status(&output, 0);
    assert!(world.versions().join(&archive.version).join("bin").is_dir());

    let listed = world.run(&["install", "--list"]);
    assert_status(&listed, 0);
    assert_eq!(
        text(&listed.stdout),
        format!("Available versions:\n  {}\n", archive.version)
    );

    let unknown = format!("{}.99", archive.version.rsplit_once('.').unwrap().0);
    let output = world.run(&["install", &unknown]);
    assert_status(&output, 2);
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with(&format!("pyenv: definition not found: {unknown}\n")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("  {}\n", archive.version)),
        "{stderr}"
    );
}

#[test]
fn an_interrupted_install_leaves_nothing_and_the_next_run_is_clean() {
    let Some(archive) = archive() else { return };
    let world = World::new(&archive, &archive.sha256);
    // A killed install, for real: stopped mid-unpack.
    let mut child = world
        .command(&["install", &archive.version])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let mut killed_mid_unpack = false;
    while started.elapsed() < std::time::Duration::from_secs(60) {
        let unpacking = fs::read_dir(world.root())
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| {
                e.file_name().to_string_lossy().starts_with(".tmp")
                    && e.path().join("python/lib").exists()
            });
        if unpacking {
            child.kill().unwrap();
            killed_mid_unpack = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let status = child.wait().unwrap();
    // Proven killed while unpacking: the unpack directory was seen and the process died of
    // the signal (not done before the kill landed).
    assert!(
        killed_mid_unpack,
        "the install ended before its unpack was seen"
    );
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "{status:?}"
    );
    assert!(!world.versions().join(&archive.version).exists());
    // And one left as if by a process that died before this test could watch it.
    let dead = world.root().join(".tmp-owned-dead");
    fs::create_dir_all(dead.join("python/bin")).unwrap();
    fs::write(dead.join("python/bin/python3"), "half").unwrap();
    let output = world.run(&["install", &archive.version]);
    assert_status(&output, 0);
    assert!(world.leftovers().is_empty(), "{:?}", world.leftovers());
    let python = world.versions().join(&archive.version).join("bin/python3");
    python_out(&python, &["-c", "import json"], world.dir.path());
}

#[test]
fn a_download_cut_off_mid_body_installs_nothing_and_the_next_run_is_clean() {
    let Some(archive) = archive() else { return };
    let mut world = World::new(&archive, &archive.sha256);
    let body = fs::read(&archive.path).unwrap();
    let half = body.len() / 2;
    // Every answer stops half way through the archive, its Content-Length the whole.
    let server = HttpServer::start(move |_| {
        let mut response = Response::new(200, "application/gzip", body.clone());
        response.cut_after = Some(half);
        response
    });
    world.mirror = server.url();
    let output = world.run(&["install", &archive.version]);
    assert_status(&output, 1);
    let stderr = text(&output.stderr);
    assert!(stderr.contains(&archive.filename), "{stderr}");
    assert_eq!(fs::read_dir(world.versions()).unwrap().count(), 0);
    assert!(world.leftovers().is_empty(), "{:?}", world.leftovers());
    // Nothing half-downloaded is kept for the next run to trust: from a working mirror it
    // installs, and the Python runs.
    let good = serve_mirror(&archive.mirror);
    world.mirror = good.url();
    assert_status(&world.run(&["install", &archive.version]), 0);
    let python = world.versions().join(&archive.version).join("bin/python3");
    python_out(&python, &["-c", "import json"], world.dir.path());
}

#[test]
fn a_pinned_version_directory_without_a_working_interpreter_is_named_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    // One whose interpreter fails, one with no interpreter at all.
    let failing = root.join("versions/3.11.99");
    fs::create_dir_all(failing.join("bin")).unwrap();
    fs::write(failing.join("bin/python3"), "#!/bin/sh\nexit 1\n").unwrap();
    fs::set_permissions(
        failing.join("bin/python3"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let empty = root.join("versions/3.11.98");
    fs::create_dir_all(empty.join("bin")).unwrap();
    for (version, prefix, reason) in [
        ("3.11.99", &failing, "could not query"),
        ("3.11.98", &empty, "no executable bin/python3"),
    ] {
        fs::write(dir.path().join(".python-version"), format!("{version}\n")).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_den"))
            .args(["venv", "--without-pip", "env"])
            .current_dir(dir.path())
            .env("PYENV_ROOT", &root)
            .env("DEN_CACHE_DIR", dir.path().join("cache"))
            .env("DEN_PYTHON_DOWNLOADS", "never")
            .env_remove("PYENV_VERSION")
            .env_remove("PYENV_DIR")
            .env_remove("VIRTUAL_ENV")
            .output()
            .unwrap();
        assert_status(&output, 1);
        let stderr = text(&output.stderr);
        for needle in [
            format!("pyenv version `{version}`"),
            dir.path().join(".python-version").display().to_string(),
            format!("has no working interpreter in {}", prefix.display()),
            reason.to_string(),
            format!("`den pyenv install -f {version}`"),
        ] {
            assert!(stderr.contains(&needle), "{needle}: {stderr}");
        }
        assert!(!dir.path().join("env").exists());
    }
}

/// An archive member: its name and, for a symlink, its target (else a small file).
type Member<'a> = (&'a str, Option<&'a str>);

/// A gzipped tar holding `members`, names written raw.
fn hostile_archive(path: &Path, members: &[Member<'_>]) {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, link) in members {
        let mut header = tar::Header::new_gnu();
        header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        match link {
            Some(target) => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.as_old_mut().linkname[..target.len()].copy_from_slice(target.as_bytes());
                header.set_size(0);
                header.set_cksum();
                builder.append(&header, std::io::empty()).unwrap();
            }
            None => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(4);
                header.set_mode(0o755);
                header.set_cksum();
                builder.append(&header, &b"evil"[..]).unwrap();
            }
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&builder.into_inner().unwrap()).unwrap();
    fs::write(path, gz.finish().unwrap()).unwrap();
}

#[test]
fn malicious_archives_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    fs::create_dir_all(root.join("versions")).unwrap();
    let cases: &[(&str, &[Member<'_>])] = &[
        (
            "dotdot",
            &[
                ("python/bin/python3", None),
                ("python/../../../evil-dotdot", None),
            ],
        ),
        (
            "absolute",
            &[
                ("python/bin/python3", None),
                ("/tmp/den-evil-absolute", None),
            ],
        ),
        (
            "symlink",
            &[
                ("python/lib", Some("../../..")),
                ("python/lib/evil-link", None),
            ],
        ),
        ("symlink-absolute", &[("python/lib", Some("/tmp"))]),
        (
            "chain",
            &[("python/a", Some(".")), ("python/b", Some("a/a/../.."))],
        ),
    ];
    for (what, members) in cases {
        let archive = dir.path().join(format!(
            "cpython-3.11.{}+{BUILD}-x86_64-unknown-linux-gnu-install_only.tar.gz",
            what.len()
        ));
        hostile_archive(&archive, members);
        let output = Command::new(env!("CARGO_BIN_EXE_den"))
            .args(["pyenv", "install"])
            .arg(&archive)
            .env("PYENV_ROOT", &root)
            .env("DEN_CACHE_DIR", dir.path().join("cache"))
            .env("DEN_PYTHON_INSTALL_MIRROR", "http://127.0.0.1:9")
            .env_remove("DEN_PYTHON_DOWNLOADS_JSON_URL")
            .output()
            .unwrap();
        assert_status(&output, 1);
        let stderr = text(&output.stderr);
        assert!(stderr.contains("refusing to unpack"), "{what}: {stderr}");
        assert_eq!(
            fs::read_dir(root.join("versions")).unwrap().count(),
            0,
            "{what}"
        );
        let left: Vec<_> = fs::read_dir(&root)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left.len(), 1, "{what}: {left:?}");
        assert!(!Path::new("/tmp/den-evil-absolute").exists());
        assert!(!dir.path().join("evil-dotdot").exists());
        assert!(!dir.path().join("evil-link").exists());
    }
}

#[test]
fn no_network_and_no_mirror_is_a_clear_error() {
    let Some(archive) = archive() else { return };
    let mut world = World::new(&archive, &archive.sha256);
    world.mirror = format!("http://{}", den_test_support::http::refused_addr());
    let output = world.run(&["install", &archive.version]);
    assert_status(&output, 1);
    let stderr = text(&output.stderr);
    assert!(stderr.contains("could not reach"), "{stderr}");
    assert!(stderr.contains("DEN_PYTHON_INSTALL_MIRROR"), "{stderr}");
    assert_eq!(fs::read_dir(world.versions()).unwrap().count(), 0);
}

#[test]
fn latest_known_and_uninstall_prompt() {
    let Some(archive) = archive() else { return };
    let world = World::new(&archive, &archive.sha256);
    let minor = archive.version.rsplit_once('.').unwrap().0.to_string();
    let latest = world.run(&["latest", "-k", &minor]);
    assert_status(&latest, 0);
    assert_eq!(text(&latest.stdout), format!("{}\n", archive.version));
    assert_status(&world.run(&["install", &archive.version]), 0);
    let prefix = world.versions().join(&archive.version);
    let answer = |reply: &str| {
        den_test_support::output_with_input(
            &mut world.command(&["uninstall", &archive.version]),
            reply,
        )
    };
    // bash's `read -p` shows pyenv's question on a terminal only.
    let kept = answer("n\n");
    assert_status(&kept, 1);
    assert_eq!(text(&kept.stderr), "");
    assert!(prefix.is_dir());
    assert_status(&answer("y\n"), 0);
    assert!(!prefix.exists());
    let missing = world.run(&["uninstall", &archive.version]);
    assert_status(&missing, 1);
    assert_eq!(
        text(&missing.stderr),
        format!("pyenv: version `{}' not installed\n", archive.version)
    );
    assert_status(&world.run(&["uninstall", "-f", &archive.version]), 0);
}

#[test]
fn a_missing_python_is_installed_when_a_command_needs_it() {
    let Some(archive) = archive() else { return };
    let world = World::new(&archive, &archive.sha256);
    let venv = |downloads: Option<&str>| {
        let mut command = world.den(&["venv", "--without-pip", "-p", &archive.version, "env"]);
        // Only the system's interpreters on PATH: none of them is this exact version.
        command.env("PATH", "/usr/bin:/bin");
        if let Some(value) = downloads {
            command.env("DEN_PYTHON_DOWNLOADS", value);
        }
        command.output().unwrap()
    };
    let out = venv(Some("never"));
    assert_status(&out, 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("den pyenv install {}", archive.version)),
        "{stderr}"
    );
    assert!(!world.versions().join(&archive.version).exists());

    let out = venv(None);
    assert_status(&out, 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("is not installed: installing").count(),
        1,
        "{stderr}"
    );
    assert!(world.versions().join(&archive.version).join("bin").is_dir());
    let python = world.dir.path().join("env/bin/python");
    let ran = Command::new(&python)
        .args(["-c", "import sys; print(sys.base_prefix)"])
        .output()
        .unwrap();
    let minor: Vec<&str> = archive.version.split('.').take(2).collect();
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout).trim(),
        world.versions().join(minor.join(".")).to_str().unwrap()
    );
}

#[test]
fn environments_on_a_den_installed_python_go_through_its_minor_alias() {
    let Some(archive) = archive() else { return };
    let world = World::new(&archive, &archive.sha256);
    let out = world.run(&["install", archive.path.to_str().unwrap()]);
    assert_status(&out, 0);
    let minor: Vec<&str> = archive.version.split('.').take(2).collect();
    let minor = minor.join(".");
    let alias = world.versions().join(&minor);
    assert_eq!(fs::read_link(&alias).unwrap(), Path::new(&archive.version));
    let python = world.versions().join(&archive.version).join("bin/python3");
    let out = world
        .den(&[
            "venv",
            "--without-pip",
            "-p",
            python.to_str().unwrap(),
            "env",
        ])
        .output()
        .unwrap();
    assert_status(&out, 0);
    let env = world.dir.path().join("env");
    let cfg = fs::read_to_string(env.join("pyvenv.cfg")).unwrap();
    assert!(
        cfg.contains(&format!("home = {}", alias.join("bin").display())),
        "{cfg}"
    );
    // A patch release replaces it (what installing the newer one and uninstalling the old
    // one leave): the environment follows the alias, and doctor finds nothing wrong.
    let newer = format!("{minor}.99");
    fs::rename(
        world.versions().join(&archive.version),
        world.versions().join(&newer),
    )
    .unwrap();
    fs::remove_file(&alias).unwrap();
    std::os::unix::fs::symlink(&newer, &alias).unwrap();
    let ran = Command::new(env.join("bin/python"))
        .args(["-c", "import sys; print(sys.base_prefix)"])
        .output()
        .unwrap();
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout).trim(),
        alias.to_str().unwrap()
    );
    let out = world
        .den(&["doctor", env.to_str().unwrap()])
        .output()
        .unwrap();
    assert_status(&out, 0);
}

/// `den venv` with `PATH` holding only the system's interpreters (none of them the test
/// archive's exact version) and `extra` variables set.
fn venv_without_pyenv_pythons(world: &World, extra: &[(&str, &str)]) -> Output {
    let mut command = world.den(&["venv", "--without-pip", "env"]);
    command.env("PATH", "/usr/bin:/bin");
    for (name, value) in extra {
        command.env(name, value);
    }
    command.output().unwrap()
}

/// Asserts `den venv` made `world`'s `env` on the Python it installed on demand (once).
fn assert_installed_on_demand(world: &World, archive: &Archive, output: &Output) {
    assert_status(output, 0);
    let stderr = text(&output.stderr);
    assert_eq!(
        stderr
            .matches(&format!(
                "Python {} is not installed: installing {}",
                archive.version, archive.version
            ))
            .count(),
        1,
        "{stderr}"
    );
    let python = world.dir.path().join("env/bin/python");
    assert_eq!(
        python_out(
            &python,
            &["-c", "import platform; print(platform.python_version())"],
            world.dir.path()
        ),
        archive.version
    );
}

#[test]
fn a_pinned_python_that_is_not_installed_is_installed_on_demand() {
    let Some(archive) = archive() else { return };
    // .python-version: refused with DEN_PYTHON_DOWNLOADS=never, naming what to run.
    let world = World::new(&archive, &archive.sha256);
    fs::write(
        world.dir.path().join(".python-version"),
        format!("{}\n", archive.version),
    )
    .unwrap();
    let refused = venv_without_pyenv_pythons(&world, &[("DEN_PYTHON_DOWNLOADS", "never")]);
    assert_status(&refused, 1);
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains(&format!("den pyenv install {}", archive.version))
            && stderr.contains(".python-version"),
        "{stderr}"
    );
    assert!(!world.versions().join(&archive.version).exists());
    let output = venv_without_pyenv_pythons(&world, &[]);
    assert_installed_on_demand(&world, &archive, &output);
    assert!(world.leftovers().is_empty(), "{:?}", world.leftovers());

    // PYENV_VERSION the same.
    let world = World::new(&archive, &archive.sha256);
    let output = venv_without_pyenv_pythons(&world, &[("PYENV_VERSION", &archive.version)]);
    assert_installed_on_demand(&world, &archive, &output);
    // Installed now: the next environment is made without another install.
    let again = world
        .den(&["venv", "--without-pip", "env2"])
        .env("PATH", "/usr/bin:/bin")
        .env("PYENV_VERSION", &archive.version)
        .output()
        .unwrap();
    assert_status(&again, 0);
    assert!(
        !text(&again.stderr).contains("is not installed"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn a_pipfile_requires_python_that_is_not_installed_is_installed_on_demand() {
    let Some(archive) = archive() else { return };
    let world = World::new(&archive, &archive.sha256);
    let project = world.dir.path().join("project");
    fs::create_dir_all(&project).unwrap();
    fs::write(
        project.join("Pipfile"),
        format!(
            "[packages]\n\n[requires]\npython_full_version = \"{}\"\n",
            archive.version
        ),
    )
    .unwrap();
    let output = world
        .den(&["pipenv", "install"])
        .current_dir(&project)
        .env("PATH", "/usr/bin:/bin")
        .env("PIPENV_VENV_IN_PROJECT", "1")
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env_remove("PIPENV_PIPFILE")
        .env_remove("PIPENV_ACTIVE")
        .output()
        .unwrap();
    assert_status(&output, 0);
    let stderr = text(&output.stderr);
    assert_eq!(
        stderr.matches("is not installed: installing").count(),
        1,
        "{stderr}"
    );
    assert!(world.versions().join(&archive.version).join("bin").is_dir());
    // The project's environment runs on it, with pip seeded from its ensurepip.
    let python = project.join(".venv/bin/python");
    assert_eq!(
        python_out(
            &python,
            &[
                "-c",
                "import platform, pip; print(platform.python_version())"
            ],
            &project
        ),
        archive.version
    );
}

#[test]
fn a_repair_installs_the_missing_python_the_environment_was_made_with() {
    let Some(archive) = archive() else { return };
    let world = World::new(&archive, &archive.sha256);
    assert_status(&world.run(&["install", archive.path.to_str().unwrap()]), 0);
    let prefix = world.versions().join(&archive.version);
    let made = world
        .den(&[
            "venv",
            "-p",
            prefix.join("bin/python3").to_str().unwrap(),
            "env",
        ])
        .output()
        .unwrap();
    assert_status(&made, 0);
    let env = world.dir.path().join("env");
    // The base goes (its alias too): the environment no longer runs.
    fs::remove_dir_all(&prefix).unwrap();
    let minor: Vec<&str> = archive.version.split('.').take(2).collect();
    fs::remove_file(world.versions().join(minor.join("."))).unwrap();
    let broken = Command::new(env.join("bin/python"))
        .args(["-c", "pass"])
        .status();
    assert!(!broken.is_ok_and(|status| status.success()));

    let repaired = world
        .den(&["venv", "--repair", "env"])
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert_status(&repaired, 0);
    let stderr = text(&repaired.stderr);
    assert_eq!(
        stderr.matches("is not installed: installing").count(),
        1,
        "{stderr}"
    );
    // The release it was made with, not the system's Python of the same minor version.
    assert_eq!(
        python_out(
            &env.join("bin/python"),
            &[
                "-c",
                "import platform, pip; print(platform.python_version())"
            ],
            world.dir.path()
        ),
        archive.version
    );
}
