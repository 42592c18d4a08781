//! Environments that move: `den venv --relocatable` and `--make-relocatable` (moved to a
//! path with a space and non-ASCII letters, then used), and `den venv --clone` (used after the
//! source is deleted). The judges are the environment's own interpreter, the real pip in it
//! (`pip check`, `pip --version`), its console scripts run directly and every shell den
//! writes an activation script for sourcing it (den-test-support's `shells`, which den-venv's
//! `tests/shells.rs` also uses).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{World, names_in, run_python, stdout_of};
use den_test_support::WheelBuilder;
use den_test_support::shells;

/// Publishes `alpha` (console script `alpha-cli`, needs `beta`), `beta`, and `gamma`
/// (console script `gamma-cli`).
fn publish(world: &World) {
    world.index.publish(&common::alpha_wheel());
    world.index.publish(&WheelBuilder::new("beta", "1.0"));
    world.index.publish(
        &WheelBuilder::new("gamma", "2.0")
            .file(
                "gamma/__init__.py",
                b"def main():\n    print('gamma main')\n",
            )
            .console_script("gamma-cli", "gamma:main"),
    );
}

/// Runs the script `bin/NAME` of `env` directly (through its shebang) from an unrelated
/// directory; returns its stdout, asserting it succeeded.
fn run_script(env: &Path, name: &str) -> String {
    stdout_of(
        Command::new(env.join("bin").join(name))
            .current_dir("/")
            .env_remove("VIRTUAL_ENV"),
    )
}

/// Asserts the real pip in `env` runs from `env` and finds nothing broken.
fn assert_pip_works(env: &Path) {
    let (ok, out, err) = run_python(env, &["-m", "pip", "--version"]);
    assert!(ok, "{err}");
    assert!(out.contains(env.to_str().unwrap()), "{out}");
    let (ok, out, err) = run_python(env, &["-m", "pip", "check"]);
    assert!(ok, "pip check: {out}{err}");
    let (ok, out, err) = run_python(env, &["-c", "import sys; print(sys.prefix)"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), env.to_str().unwrap());
}

/// Asserts `env`'s activation scripts work where it is now, in every shell den writes one
/// for (den-test-support's `shells`; a missing shell is reported), showing `prompt` (the
/// name the environment was made with: moving it keeps it).
fn assert_activates_at(env: &Path, prompt: &str) {
    shells::check_every_shell(&shells::Activated {
        root: env,
        scripts: &env.join("bin"),
        prompt,
    });
}

#[test]
fn a_relocatable_environment_works_after_a_move_and_stays_relocatable() {
    let Some(world) = World::new() else { return };
    publish(&world);
    let python = world.python.to_str().unwrap();
    world.den_ok(&["venv", "made", "--relocatable", "-p", python]);
    world.den_ok(&["pip", "install", "-p", "made", "alpha"]);
    let cfg = fs::read_to_string(world.path("made/pyvenv.cfg")).unwrap();
    assert!(cfg.contains("relocatable = true"), "{cfg}");

    fs::create_dir(world.path("moved dir")).unwrap();
    let moved = world.path("moved dir/énv ü");
    fs::rename(world.path("made"), &moved).unwrap();
    assert_eq!(run_script(&moved, "alpha-cli"), "alpha main\n");
    assert_pip_works(&moved);
    assert_activates_at(&moved, "made");

    // Installing into it at its new place keeps it relocatable.
    let moved_arg = moved.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", moved_arg, "gamma"]);
    let script = fs::read_to_string(moved.join("bin/gamma-cli")).unwrap();
    assert!(!script.contains(moved_arg), "{script}");
    let again = world.path("again");
    fs::rename(&moved, &again).unwrap();
    assert_eq!(run_script(&again, "gamma-cli"), "gamma main\n");
    assert_eq!(run_script(&again, "alpha-cli"), "alpha main\n");
    assert_pip_works(&again);
}

#[test]
fn make_relocatable_converts_an_existing_environment() {
    let Some(world) = World::new() else { return };
    publish(&world);
    let env = world.venv("env", false);
    world.den_ok(&["pip", "install", "-p", "env", "alpha"]);
    // A .pth line naming a directory inside the environment, by absolute path.
    let site = den_venv::find_site_packages(&env).unwrap();
    fs::create_dir(env.join("extra")).unwrap();
    fs::write(env.join("extra/extra_mod.py"), "VALUE = 'extra'\n").unwrap();
    fs::write(site.join("extra.pth"), format!("{}/extra\n", env.display())).unwrap();

    world.den_ok(&["venv", "--make-relocatable", "env"]);
    let pth = fs::read_to_string(site.join("extra.pth")).unwrap();
    assert_eq!(pth, "../../../extra\n");
    let moved = world.path("sub dir/moved");
    fs::create_dir(world.path("sub dir")).unwrap();
    fs::rename(&env, &moved).unwrap();
    assert_eq!(run_script(&moved, "alpha-cli"), "alpha main\n");
    assert_pip_works(&moved);
    assert_activates_at(&moved, "env");
    let (ok, out, err) = run_python(&moved, &["-c", "import extra_mod; print(extra_mod.VALUE)"]);
    assert!(ok, "{err}");
    assert_eq!(out, "extra\n");
}

/// Asserts every RECORD line with a hash in `env`'s site-packages gives the SHA-256
/// (urlsafe base64, no padding) and size of the file it names (PEP 376 / PEP 627).
fn assert_records_match(env: &Path) {
    let site = den_venv::find_site_packages(env).unwrap();
    let mut checked = 0;
    for name in names_in(&site) {
        if !name.ends_with(".dist-info") {
            continue;
        }
        let record = site.join(&name).join("RECORD");
        let text = fs::read_to_string(&record).unwrap();
        for entry in den_install::parse_record(&text, &record).unwrap() {
            let Some(hash) = entry.hash else { continue };
            let file = site.join(&entry.path);
            let content = fs::read(&file)
                .unwrap_or_else(|e| panic!("{}: {e} ({})", file.display(), record.display()));
            assert_eq!(
                (hash, entry.size),
                (den_dist::record_hash(&content), Some(content.len() as u64)),
                "{} in {}",
                entry.path,
                record.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "no RECORD lines in {}", site.display());
}

/// Moves `env` to `dest` (a new directory with a space and non-ASCII letters) and asserts
/// its Python imports `module` from `src/DIR` (`dir`, with `module` as a package in it)
/// there.
fn assert_editable_imports_after_move(env: &Path, dest: &Path, dir: &str, module: &str) {
    fs::create_dir_all(dest.parent().unwrap()).unwrap();
    fs::rename(env, dest).unwrap();
    let code = format!("import {module}; print({module}.__file__)");
    let (ok, out, err) = run_python(dest, &["-c", &code]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        format!("{}/src/{dir}/{module}/__init__.py\n", dest.display())
    );
}

/// An editable install (PEP 660, a `.pth` naming the project, as hatchling's and den's test
/// backend's are) of a project inside a relocatable environment: its `.pth` line is
/// relative, its RECORD line matches, and the moved environment imports the project.
#[test]
fn an_editable_pth_in_a_relocatable_environment_is_relative() {
    let Some(world) = World::new() else { return };
    let python = world.python.to_str().unwrap();
    world.den_ok(&["venv", "made", "--relocatable", "-p", python]);
    let project = world.project_dir(
        &den_test_support::SdistBuilder::new("hproj", "0.1")
            .file("hproj/__init__.py", b"WHERE = 'src'\n"),
        "made/src/hproj",
    );
    world.den_ok(&[
        "pip",
        "install",
        "-p",
        "made",
        "-e",
        project.to_str().unwrap(),
    ]);
    let site = den_venv::find_site_packages(&world.path("made")).unwrap();
    let pth = names_in(&site)
        .into_iter()
        .find(|name| name.ends_with(".pth") && name.contains("hproj"))
        .unwrap();
    assert_eq!(
        fs::read_to_string(site.join(&pth)).unwrap(),
        "../../../src/hproj\n"
    );
    assert_records_match(&world.path("made"));
    let moved = world.path("moved dir/énv ü");
    assert_editable_imports_after_move(&world.path("made"), &moved, "hproj", "hproj");
}

/// The setuptools (64 and later) editable finder (`__editable___*_finder.py`) of a project
/// inside the environment: written relative by an install into a relocatable environment,
/// rewritten so by `--make-relocatable`; either environment, moved, imports the project, and
/// the finder's RECORD line matches it.
#[test]
fn an_editable_finder_of_setuptools_is_relative_in_a_relocatable_environment() {
    let what = "setuptools' editable finder in a relocatable environment";
    let Some(world) = World::new() else { return };
    let Some((_, python)) = common::serve_setuptools(&world, what) else {
        return;
    };
    let python = python.to_str().unwrap();
    let builder = den_test_support::SdistBuilder::new("stproj", "0.1")
        .backend(den_test_support::SdistBackend::Setuptools)
        .file("stproj/__init__.py", b"WHERE = 'src'\n");
    let finder_of = |env: &Path| {
        let site = den_venv::find_site_packages(env).unwrap();
        let name = names_in(&site)
            .into_iter()
            .find(|name| den_install::is_editable_finder(name))
            .unwrap_or_else(|| panic!("no editable finder in {}", site.display()));
        fs::read_to_string(site.join(name)).unwrap()
    };
    for (name, relocatable) in [("made", true), ("converted", false)] {
        let env = world.path(name);
        let mut args = vec!["venv", name, "-p", python];
        if relocatable {
            args.push("--relocatable");
        }
        world.den_ok(&args);
        let project = world.project_dir(&builder, &format!("{name}/src/stproj"));
        world.den_ok(&[
            "pip",
            "install",
            "-p",
            name,
            "-e",
            project.to_str().unwrap(),
        ]);
        let env_text = format!("'{}/", env.display());
        if !relocatable {
            assert!(finder_of(&env).contains(&env_text), "{}", finder_of(&env));
            world.den_ok(&["venv", "--make-relocatable", name]);
        }
        let finder = finder_of(&env);
        assert!(!finder.contains(&env_text), "{finder}");
        assert!(finder.contains("__file__"), "{finder}");
        assert_records_match(&env);
        let moved = world.path(&format!("moved {name}/énv ü"));
        assert_editable_imports_after_move(&env, &moved, "stproj", "stproj");
    }
}

#[test]
fn a_clone_works_after_its_source_is_deleted() {
    let Some(world) = World::new() else { return };
    publish(&world);
    let source = world.venv("source", false);
    world.den_ok(&["pip", "install", "-p", "source", "alpha", "gamma"]);
    let site = den_venv::find_site_packages(&source).unwrap();
    fs::create_dir(source.join("extra")).unwrap();
    fs::write(source.join("extra/extra_mod.py"), "VALUE = 'extra'\n").unwrap();
    fs::write(
        site.join("extra.pth"),
        format!("{}/extra\n", source.display()),
    )
    .unwrap();
    let frozen = |env: &Path| run_python(env, &["-m", "pip", "freeze"]).1;
    let before = frozen(&source);

    world.den_ok(&["venv", "--clone", "source", "the clone"]);
    fs::remove_dir_all(&source).unwrap();
    let clone = world.path("the clone");
    assert_eq!(run_script(&clone, "alpha-cli"), "alpha main\n");
    let pip = Command::new(clone.join("bin/pip"))
        .arg("--version")
        .output()
        .unwrap();
    let pip = String::from_utf8(pip.stdout).unwrap();
    assert!(pip.contains(clone.to_str().unwrap()), "{pip}");
    assert_pip_works(&clone);
    assert_activates_at(&clone, "the clone");
    assert_eq!(frozen(&clone), before);
    let (ok, out, err) = run_python(&clone, &["-c", "import extra_mod; print(extra_mod.VALUE)"]);
    assert!(ok, "{err}");
    assert_eq!(out, "extra\n");
    // Nothing in the clone's text files still names the deleted source.
    let source_text = source.to_str().unwrap();
    for entry in walkdir::WalkDir::new(&clone) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() || entry.path().extension().is_some_and(|e| e == "pyc") {
            continue;
        }
        if let Ok(text) = fs::read_to_string(entry.path()) {
            assert!(
                !text.contains(&format!("{source_text}/")),
                "{} names the source",
                entry.path().display()
            );
        }
    }
}

/// A `python -m venv` environment (pip installed by ensurepip, whose scripts name the
/// environment's python) cloned, then the clone made relocatable: the RECORD lines of the
/// scripts each rewrote give their new hash and size.
#[test]
fn clone_and_make_relocatable_keep_records_true() {
    let Some(world) = World::new() else { return };
    let source = world.path("source");
    stdout_of(
        Command::new(&world.python)
            .args(["-m", "venv"])
            .arg(&source),
    );
    assert_records_match(&source);
    world.den_ok(&["venv", "--clone", "source", "the clone"]);
    let clone = world.path("the clone");
    let pip = fs::read_to_string(
        fs::read_dir(clone.join("bin"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("pip3.")
            })
            .unwrap(),
    )
    .unwrap();
    assert!(pip.contains(clone.to_str().unwrap()), "{pip}");
    assert_records_match(&clone);
    world.den_ok(&["venv", "--make-relocatable", "the clone"]);
    assert_records_match(&clone);
    assert_pip_works(&clone);
}

/// `den venv --clone` of an environment at a path too long for a `#!` line (its scripts
/// start with pip's `/bin/sh` `'''exec'` launcher) holding packages from the index, an
/// editable project inside it (its `direct_url.json` and `.pth` name the source) and a
/// legacy `.egg-link` to a directory inside it: the clone, at another long path, works with
/// the source deleted, and its records name the clone.
#[test]
fn a_clone_of_a_long_path_rewrites_launchers_records_and_links() {
    let Some(world) = World::new() else { return };
    publish(&world);
    let long = "d".repeat(60);
    let source = world.path(&format!("{long}/{long}/source"));
    fs::create_dir_all(source.parent().unwrap()).unwrap();
    let source_arg = source.to_str().unwrap();
    world.den_ok(&["venv", source_arg, "-p", world.python.to_str().unwrap()]);
    world.den_ok(&["pip", "install", "-p", source_arg, "alpha", "gamma"]);
    let script = fs::read_to_string(source.join("bin/gamma-cli")).unwrap();
    assert!(
        script.starts_with(&format!("#!/bin/sh\n'''exec' '{source_arg}/bin/python'")),
        "{script}"
    );
    let inside = world.project_dir(
        &den_test_support::SdistBuilder::new("inside-proj", "0.1")
            .file("inside_proj/__init__.py", b"WHERE = 'inside'\n"),
        &format!("{long}/{long}/source/src/inside-proj"),
    );
    world.den_ok(&[
        "pip",
        "install",
        "-p",
        source_arg,
        "-e",
        inside.to_str().unwrap(),
    ]);
    let site = den_venv::find_site_packages(&source).unwrap();
    fs::create_dir_all(source.join("src/eggproj")).unwrap();
    fs::write(source.join("src/eggproj/egg_mod.py"), "VALUE = 'egg'\n").unwrap();
    fs::write(
        site.join("eggproj.egg-link"),
        format!("{source_arg}/src/eggproj\n.\n"),
    )
    .unwrap();
    fs::write(
        site.join("easy-install.pth"),
        format!("{source_arg}/src/eggproj\n"),
    )
    .unwrap();

    let clone = world.path(&format!("{long}/{long}/the clone"));
    world.den_ok(&["venv", "--clone", source_arg, clone.to_str().unwrap()]);
    fs::remove_dir_all(&source).unwrap();
    let clone_arg = clone.to_str().unwrap();
    let script = fs::read_to_string(clone.join("bin/gamma-cli")).unwrap();
    assert!(
        script.starts_with(&format!("#!/bin/sh\n'''exec' '{clone_arg}/bin/python'")),
        "{script}"
    );
    assert_eq!(run_script(&clone, "gamma-cli"), "gamma main\n");
    assert_eq!(run_script(&clone, "alpha-cli"), "alpha main\n");
    let (ok, out, err) = run_python(
        &clone,
        &[
            "-c",
            "import inside_proj, egg_mod; print(inside_proj.__file__); print(egg_mod.__file__)",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(
        out,
        format!(
            "{clone_arg}/src/inside-proj/inside_proj/__init__.py\n{clone_arg}/src/eggproj/egg_mod.py\n"
        )
    );
    let site = den_venv::find_site_packages(&clone).unwrap();
    let direct =
        fs::read_to_string(site.join("inside_proj-0.1.dist-info/direct_url.json")).unwrap();
    assert!(
        direct.contains(&format!("file://{clone_arg}/src/inside-proj")),
        "{direct}"
    );
    assert_eq!(
        fs::read_to_string(site.join("eggproj.egg-link")).unwrap(),
        format!("{clone_arg}/src/eggproj\n.\n")
    );
    // The real pip reads the clone's records: the editable project where it now is, and an
    // uninstall (by RECORD) removes the clone's script.
    let (ok, out, err) = run_python(&clone, &["-m", "pip", "list", "--editable"]);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("{clone_arg}/src/inside-proj")),
        "{out}"
    );
    let (ok, out, err) = run_python(&clone, &["-m", "pip", "uninstall", "-y", "gamma"]);
    assert!(ok, "{out}{err}");
    assert!(!clone.join("bin/gamma-cli").exists());
    assert_pip_works(&clone);
}

#[test]
fn bad_targets_are_refused() {
    let Some(world) = World::new() else { return };
    fs::create_dir(world.path("plain")).unwrap();
    let err = world.den_err(&["venv", "--make-relocatable", "plain"]);
    assert!(err.contains("is not a virtual environment"), "{err}");
    let err = world.den_err(&["venv", "--clone", "plain", "copy"]);
    assert!(err.contains("is not a virtual environment"), "{err}");
    assert!(!world.path("copy").exists());
    world.venv("env", true);
    let err = world.den_err(&["venv", "--clone", "env", "plain"]);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(fs::read_dir(world.path("plain")).unwrap().count(), 0);
    // The archive's directory must exist; a file is no directory.
    for (dir, reason) in [
        ("missing/dir", "does not exist"),
        ("env/pyvenv.cfg", "is not a directory"),
    ] {
        for output in ["x.tar.gz", "x.rpm"] {
            let output = world.path(dir).join(output);
            let err = world.den_err(&["pack", "env", "-o", output.to_str().unwrap()]);
            assert!(
                err.contains(&format!(
                    "cannot write {}: {} {reason}",
                    output.display(),
                    world.path(dir).display()
                )),
                "{err}"
            );
        }
    }
    assert!(!world.path("missing").exists());
}

/// `den venv --clone` into a directory whose parents do not exist creates them, as `den venv`
/// does, and the clone works.
#[test]
fn a_clone_creates_missing_parent_directories() {
    let Some(world) = World::new() else { return };
    world.venv("env", false);
    world.den_ok(&["venv", "--clone", "env", "a/b/copy"]);
    let clone = world.path("a/b/copy");
    assert_pip_works(&clone);
    assert_eq!(names_in(&world.path("a/b")), ["copy"]);
}

#[test]
fn a_packed_environment_unpacks_working_at_a_new_path_in_every_format() {
    let Some(world) = World::new() else { return };
    publish(&world);
    let source = world.venv("source", false);
    world.den_ok(&["pip", "install", "-p", "source", "alpha"]);
    let formats = ["tar.gz", "tar.zst", "zip"];
    for format in formats {
        world.den_ok(&["pack", "source", "-o", &format!("env.{format}")]);
    }
    // Archives are created as any file is (not private as temporary files are).
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &fs::metadata(world.path("env.tar.gz"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o044, 0o044, "{mode:o}");
    // The source is only read; then it is gone, so nothing may still lean on it.
    let cfg = fs::read_to_string(source.join("pyvenv.cfg")).unwrap();
    assert!(!cfg.contains("relocatable"), "{cfg}");
    fs::remove_dir_all(&source).unwrap();
    for (index, format) in formats.iter().enumerate() {
        let dest = world.path(&format!("unpacked {index} é"));
        world.den_ok(&["unpack", &format!("env.{format}"), dest.to_str().unwrap()]);
        assert!(!dest.join(".den-pack").exists() && !dest.join("bin/den-unpack").exists());
        assert_eq!(run_script(&dest, "alpha-cli"), "alpha main\n", "{format}");
        // The scripts made relocatable on the way in carry their new hashes in RECORD.
        assert_records_match(&dest);
        assert_pip_works(&dest);
        assert_activates_at(&dest, "source");
        // Installing into it keeps it relocatable.
        world.den_ok(&["pip", "install", "-p", dest.to_str().unwrap(), "gamma"]);
        let moved = world.path(&format!("moved {index}"));
        fs::rename(&dest, &moved).unwrap();
        assert_eq!(run_script(&moved, "gamma-cli"), "gamma main\n", "{format}");
    }
    // Without den: the real tar, then the archive's own unpack script.
    let by_hand = world.path("by hand");
    unpack_by_hand(&world.path("env.tar.gz"), &by_hand, &[]);
    assert!(!by_hand.join(".den-pack").exists() && !by_hand.join("bin/den-unpack").exists());
    let csh = fs::read_to_string(by_hand.join("bin/activate.csh")).unwrap();
    assert!(csh.contains(by_hand.to_str().unwrap()), "{csh}");
    assert_eq!(run_script(&by_hand, "alpha-cli"), "alpha main\n");
    assert_records_match(&by_hand);
    assert_activates_at(&by_hand, "source");
    assert_pip_works(&by_hand);
}

/// Unpacks the den archive `archive` (.tar.gz) into the new directory `dest` without den: the
/// real tar, then the archive's own `bin/den-unpack` with `args`.
fn unpack_by_hand(archive: &Path, dest: &Path, args: &[&str]) {
    fs::create_dir(dest).unwrap();
    stdout_of(
        Command::new("tar")
            .arg("xzf")
            .arg(archive)
            .arg("-C")
            .arg(dest),
    );
    stdout_of(Command::new(dest.join("bin/den-unpack")).args(args));
}

#[test]
fn reproducible_packs_are_byte_identical() {
    let Some(world) = World::new() else { return };
    world.venv("env", false);
    world.den_ok(&["pack", "env", "-o", "one.tar.gz", "--reproducible"]);
    // Touch a file: modification times must not matter.
    let cfg = world.path("env/pyvenv.cfg");
    fs::write(&cfg, fs::read(&cfg).unwrap()).unwrap();
    world.den_ok(&["pack", "env", "-o", "two.tar.gz", "--reproducible"]);
    assert_eq!(
        fs::read(world.path("one.tar.gz")).unwrap(),
        fs::read(world.path("two.tar.gz")).unwrap()
    );
}

/// Writes a tar.gz at `path` with Python's tarfile from `spec` (Python statements using
/// `tar`, `file(name, text)` and `link(name, target)`).
fn craft_archive(world: &World, path: &Path, spec: &str) {
    let script = format!(
        "import io, sys, tarfile\n\
         tar = tarfile.open(sys.argv[1], 'w:gz')\n\
         def file(name, text):\n    data = text.encode(); info = tarfile.TarInfo(name); info.size = len(data); tar.addfile(info, io.BytesIO(data))\n\
         def link(name, target):\n    info = tarfile.TarInfo(name); info.type = tarfile.SYMTYPE; info.linkname = target; tar.addfile(info)\n\
         {spec}\ntar.close()\n"
    );
    let status = Command::new(&world.python)
        .args(["-c", &script])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn bad_packs_and_archives_are_refused_and_leave_nothing_behind() {
    let Some(world) = World::new() else { return };
    fs::create_dir(world.path("plain")).unwrap();
    let err = world.den_err(&["pack", "plain", "-o", "x.tar.gz"]);
    assert!(err.contains("is not a virtual environment"), "{err}");
    let env = world.venv("env", true);
    let err = world.den_err(&["pack", "env", "-o", "x.rar"]);
    assert!(err.contains("cannot tell the archive format"), "{err}");

    // An editable install points outside: refused unless asked.
    let site = den_venv::find_site_packages(&env).unwrap();
    fs::write(site.join("project.pth"), "/somewhere/project/src\n").unwrap();
    let err = world.den_err(&["pack", "env", "-o", "x.tar.gz"]);
    assert!(err.contains("project.pth: /somewhere/project/src"), "{err}");
    assert!(err.contains("--ignore-editable"), "{err}");
    world.den_ok(&["pack", "env", "-o", "x.tar.gz", "--ignore-editable"]);
    fs::remove_file(site.join("project.pth")).unwrap();

    // A binary file naming the environment's path cannot be fixed.
    let mut binary = b"\x7fELF\x00".to_vec();
    binary.extend_from_slice(env.to_str().unwrap().as_bytes());
    fs::write(site.join("ext.so"), &binary).unwrap();
    let err = world.den_err(&["pack", "env", "-o", "y.tar.gz"]);
    assert!(err.contains("ext.so"), "{err}");
    fs::remove_file(site.join("ext.so")).unwrap();
    world.den_ok(&["pack", "env", "-o", "good.tar.gz"]);

    let before = names_in(world.dir.path());
    // The destination exists.
    let err = world.den_err(&["unpack", "good.tar.gz", "plain"]);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    // Truncated.
    let good = fs::read(world.path("good.tar.gz")).unwrap();
    fs::write(world.path("cut.tar.gz"), &good[..good.len() / 2]).unwrap();
    let err = world.den_err(&["unpack", "cut.tar.gz", "dest"]);
    assert!(err.contains("cut.tar.gz"), "{err}");
    // Bigger than the ceiling on what an archive may unpack to.
    let out = common::den_command(&world.path("cache"), &world.index.url())
        .args(["unpack", "good.tar.gz", "dest"])
        .current_dir(world.dir.path())
        .env("DEN_MAX_UNPACKED_SIZE", "1K")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("DEN_MAX_UNPACKED_SIZE"), "{err}");
    // Not den's.
    craft_archive(&world, &world.path("other.tar.gz"), "file('a.txt', 'hi')");
    let err = world.den_err(&["unpack", "other.tar.gz", "dest"]);
    assert!(err.contains("not made by den pack"), "{err}");
    fs::write(world.path("text.tar.gz"), "hello").unwrap();
    let err = world.den_err(&["unpack", "text.tar.gz", "dest"]);
    assert!(err.contains("not an archive den packs"), "{err}");
    // Escapes: `..`, absolute paths, links out, writing through a link.
    for (name, spec, reason) in [
        ("dots", "file('../escaped.txt', 'x')", "`..`"),
        ("absolute", "file('/tmp/den-escaped.txt', 'x')", "absolute"),
        (
            "link",
            "link('lib/evil', '/etc')",
            "outside the environment",
        ),
        ("uplink", "link('evil', '../..')", "outside the environment"),
        (
            "through",
            "link('bin/python3', '/tmp')\nfile('bin/python3/x.txt', 'x')",
            "through a link",
        ),
    ] {
        let archive = world.path(&format!("{name}.tar.gz"));
        craft_archive(&world, &archive, spec);
        let err = world.den_err(&["unpack", archive.to_str().unwrap(), "dest"]);
        assert!(err.contains(reason), "{name}: {err}");
    }
    assert!(!world.path("escaped.txt").exists());
    assert!(!Path::new("/tmp/bin/python3/x.txt").exists());
    let mut after = names_in(world.dir.path());
    after.retain(|n| !n.ends_with(".tar.gz"));
    let mut expected = before.clone();
    expected.retain(|n| !n.ends_with(".tar.gz"));
    assert_eq!(after, expected, "something was left behind");

    // --force replaces the destination once the new one is complete.
    fs::write(world.path("plain/old.txt"), "old").unwrap();
    world.den_ok(&["unpack", "good.tar.gz", "plain", "--force"]);
    assert!(!world.path("plain/old.txt").exists());
    assert!(world.path("plain/pyvenv.cfg").is_file());
}

#[test]
fn an_rpm_installs_the_environment_at_its_prefix() {
    let Some(world) = World::new() else { return };
    let unchecked = "den pack --format rpm judged by the real rpm";
    let (Some(rpm), Some(rpm2cpio), Some(cpio)) = (
        den_test_support::require_program("rpm", unchecked),
        den_test_support::require_program("rpm2cpio", unchecked),
        den_test_support::require_program("cpio", unchecked),
    ) else {
        return;
    };
    publish(&world);
    world.venv("env", false);
    world.den_ok(&["pip", "install", "-p", "env", "alpha"]);
    let prefix = world.path("opt/my app");
    let prefix_arg = prefix.to_str().unwrap();
    world.den_ok(&[
        "pack",
        "env",
        "-o",
        "app.rpm",
        "--prefix",
        prefix_arg,
        "--name",
        "my-app",
        "--rpm-version",
        "2.5",
        "--release",
        "3",
        "--summary",
        "My application",
    ]);
    let query = |args: &[&str]| stdout_of(Command::new(&rpm).args(args).arg(world.path("app.rpm")));
    let info = query(&["-qip"]);
    for expected in ["my-app", "2.5", "My application"] {
        assert!(info.contains(expected), "{info}");
    }
    assert!(
        info.lines()
            .any(|l| l.starts_with("Release") && l.trim_end().ends_with('3')),
        "{info}"
    );
    let files = query(&["-qlp"]);
    assert!(
        files
            .lines()
            .any(|l| l == format!("{prefix_arg}/bin/alpha-cli")),
        "{files}"
    );
    assert!(files.lines().all(|l| l.starts_with(prefix_arg)), "{files}");

    // The payload, extracted with rpm2cpio | cpio, runs at its prefix.
    let staging = world.path("staging");
    fs::create_dir(&staging).unwrap();
    let extract = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' '{}' | '{}' -idm --quiet",
            rpm2cpio.display(),
            world.path("app.rpm").display(),
            cpio.display()
        ))
        .current_dir(&staging)
        .status()
        .unwrap();
    assert!(extract.success());
    fs::remove_dir_all(world.path("env")).unwrap();
    fs::create_dir_all(prefix.parent().unwrap()).unwrap();
    let inside = staging.join(prefix.strip_prefix("/").unwrap());
    fs::rename(&inside, &prefix).unwrap();
    assert_eq!(run_script(&prefix, "alpha-cli"), "alpha main\n");
    assert_pip_works(&prefix);
    assert_activates_at(&prefix, "env");
    let csh = fs::read_to_string(prefix.join("bin/activate.csh")).unwrap();
    assert!(csh.contains(prefix_arg), "{csh}");

    // On the system's Python, the package requires it.
    world.den_ok(&["venv", "sys", "-p", "/usr/bin/python3", "--without-pip"]);
    world.den_ok(&["pack", "sys", "-o", "sys.rpm"]);
    let requires = stdout_of(
        Command::new(&rpm)
            .args(["-qp", "--requires"])
            .arg(world.path("sys.rpm")),
    );
    assert!(
        requires.lines().any(|l| l.starts_with("/usr/bin/python3")),
        "{requires}"
    );
}

#[test]
fn python_prefix_points_an_unpacked_environment_at_another_base_python() {
    let Some(world) = World::new() else { return };
    publish(&world);
    world.venv("env", false);
    world.den_ok(&["pip", "install", "-p", "env", "alpha"]);
    world.den_ok(&["pack", "env", "-o", "env.tar.gz"]);
    // The same Python reached through another path, as if installed elsewhere.
    let real_prefix = install_prefix(&world.python);
    let other = world.path("other python");
    std::os::unix::fs::symlink(&real_prefix, &other).unwrap();
    fs::remove_dir_all(world.path("env")).unwrap();

    let check = |dest: &Path| {
        let cfg = fs::read_to_string(dest.join("pyvenv.cfg")).unwrap();
        assert!(
            cfg.contains(&format!("home = {}/bin\n", other.display())),
            "{cfg}"
        );
        let link = fs::read_link(dest.join("bin/python")).unwrap();
        assert!(link.starts_with(&other), "{}", link.display());
        assert_eq!(run_script(dest, "alpha-cli"), "alpha main\n");
        assert_pip_works(dest);
    };
    let dest = world.path("with den");
    world.den_ok(&[
        "unpack",
        "env.tar.gz",
        dest.to_str().unwrap(),
        "--python-prefix",
        other.to_str().unwrap(),
    ]);
    check(&dest);

    let by_hand = world.path("by hand");
    let prefix_args = ["--python-prefix", other.to_str().unwrap()];
    unpack_by_hand(&world.path("env.tar.gz"), &by_hand, &prefix_args);
    check(&by_hand);

    let err = world.den_err(&[
        "unpack",
        "env.tar.gz",
        "nowhere",
        "--python-prefix",
        "/nonexistent/python",
    ]);
    assert!(
        err.contains("is the base Python installed at /nonexistent/python"),
        "{err}"
    );
    assert!(!world.path("nowhere").exists());
}

/// `den pack` and editable installs: one of a project outside the environment is found
/// through its `direct_url.json` (`dir_info.editable`) and refused with its path; one of a
/// project inside the environment is packed with it and works where the archive unpacks,
/// the original gone.
#[test]
fn editable_projects_outside_are_refused_and_inside_are_packed() {
    let Some(world) = World::new() else { return };
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    let outside = world.project_dir(
        &den_test_support::SdistBuilder::new("outside-proj", "0.1")
            .file("outside_proj/__init__.py", b"WHERE = 'outside'\n"),
        "outside-proj",
    );
    world.den_ok(&[
        "pip",
        "install",
        "-p",
        env_arg,
        "-e",
        outside.to_str().unwrap(),
    ]);
    let site = den_venv::find_site_packages(&env).unwrap();
    let record = site.join("outside_proj-0.1.dist-info/direct_url.json");
    let direct = fs::read_to_string(&record).unwrap();
    assert!(
        direct.contains("\"editable\": true") || direct.contains("\"editable\":true"),
        "{direct}"
    );
    // Only direct_url.json tells: the .pth lines that put the project on sys.path go.
    for entry in fs::read_dir(&site).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "pth") {
            fs::remove_file(path).unwrap();
        }
    }
    let err = world.den_err(&["pack", "env", "-o", "x.tar.gz"]);
    assert!(
        err.contains(&format!(
            "outside_proj-0.1.dist-info: an editable install of {}",
            outside.display()
        )),
        "{err}"
    );
    assert!(err.contains("--ignore-editable"), "{err}");
    assert!(!world.path("x.tar.gz").exists());
    world.den_ok(&["pip", "uninstall", "-p", env_arg, "-y", "outside-proj"]);

    // A project inside the environment: packed, and it imports from the new place.
    let inside = world.project_dir(
        &den_test_support::SdistBuilder::new("inside-proj", "0.1")
            .file("inside_proj/__init__.py", b"WHERE = 'inside'\n"),
        "env/src/inside-proj",
    );
    world.den_ok(&[
        "pip",
        "install",
        "-p",
        env_arg,
        "-e",
        inside.to_str().unwrap(),
    ]);
    world.den_ok(&["pack", "env", "-o", "inside.tar.gz"]);
    fs::remove_dir_all(&env).unwrap();
    let dest = world.path("moved");
    world.den_ok(&["unpack", "inside.tar.gz", dest.to_str().unwrap()]);
    let (ok, out, err) = run_python(
        &dest,
        &[
            "-c",
            "import inside_proj; print(inside_proj.WHERE); print(inside_proj.__file__)",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(
        out,
        format!(
            "inside\n{}\n",
            dest.join("src/inside-proj/inside_proj/__init__.py")
                .display()
        )
    );
    // Its record names the project where it now is.
    let site = den_venv::find_site_packages(&dest).unwrap();
    let direct =
        fs::read_to_string(site.join("inside_proj-0.1.dist-info/direct_url.json")).unwrap();
    assert!(
        direct.contains(&format!(
            "file://{}",
            dest.join("src/inside-proj").display()
        )),
        "{direct}"
    );
}

/// `command` run where the directory `hidden` is an empty one (a tmpfs mounted over it in a
/// new user and mount namespace, `unshare -rm`), so nothing run can reach what it held.
fn with_hidden(hidden: &Path, program: &Path) -> Command {
    let mut command = Command::new("unshare");
    command
        .args([
            "-rm",
            "sh",
            "-c",
            "mount -t tmpfs none \"$0\" && exec \"$@\"",
        ])
        .arg(hidden)
        .arg(program);
    command
}

/// `den pack --with-python` of an environment made from pyenv's CPython 3.12.1 (built with a
/// shared libpython and an absolute run path, as pyenv builds it here): the archive carries
/// the base tree, and the environment unpacked at a new path (space, non-ASCII letters) by
/// `den unpack` in every format and by the archive's own `bin/den-unpack` runs with the
/// original installation hidden: its base prefix, libpython, pip and console scripts are
/// its own.
#[test]
fn with_python_the_unpacked_environment_needs_no_python_on_the_target() {
    let Some(world) = World::new() else { return };
    let unchecked = "den pack --with-python (an environment carrying its base Python)";
    let Some(python) = den_test_support::require(
        den_test_support::pyenv_python("3.12.1"),
        "pyenv's CPython 3.12.1",
        unchecked,
    ) else {
        return;
    };
    let Some(_) = den_test_support::require_program("unshare", unchecked) else {
        return;
    };
    let namespaces = Command::new("unshare")
        .args(["-rm", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if den_test_support::require(
        namespaces.then_some(()),
        "unshare -rm (user namespaces)",
        unchecked,
    )
    .is_none()
    {
        return;
    }
    let base = install_prefix(&python);
    publish(&world);
    world.den_ok(&["venv", "env", "-p", python.to_str().unwrap()]);
    world.den_ok(&["pip", "install", "-p", "env", "alpha"]);
    let formats = ["tar.gz", "tar.zst", "zip"];
    for format in formats {
        let output = format!("env.{format}");
        let out = world.den(&["-v", "pack", "env", "-o", &output, "--with-python"]);
        let text = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        let carried = format!("Carried the Python at {} under python/: ", base.display());
        assert!(text.contains(&carried), "{text}");
    }
    // Deterministic as every pack: the same bytes twice with --reproducible.
    for name in ["a.tar.zst", "b.tar.zst"] {
        world.den_ok(&["pack", "env", "-o", name, "--with-python", "--reproducible"]);
    }
    assert!(
        fs::read(world.path("a.tar.zst")).unwrap() == fs::read(world.path("b.tar.zst")).unwrap()
    );
    fs::remove_dir_all(world.path("env")).unwrap();

    // The base prefix and the libpython the interpreter loaded.
    let code_libpython = "import sys; print(sys.base_prefix); \
        print(*sorted({l.split(None, 5)[-1].strip() for l in open('/proc/self/maps') \
        if 'libpython' in l}))";
    let check = |dest: &Path| {
        let dest_text = dest.to_str().unwrap();
        let cfg = fs::read_to_string(dest.join("pyvenv.cfg")).unwrap();
        assert!(
            cfg.contains(&format!("home = {dest_text}/python/bin\n")),
            "{cfg}"
        );
        let link = fs::read_link(dest.join("bin/python")).unwrap();
        assert!(link.starts_with("../python/bin"), "{}", link.display());
        let code = format!("import alpha, ssl; {code_libpython}");
        let out = stdout_of(with_hidden(&base, &dest.join("bin/python")).args(["-c", &code]));
        assert_eq!(
            out,
            format!("{dest_text}/python\n{dest_text}/python/lib/libpython3.12.so.1.0\n")
        );
        let out = stdout_of(with_hidden(&base, &dest.join("bin/python")).args([
            "-m",
            "pip",
            "--version",
        ]));
        assert!(out.contains(dest_text), "{out}");
        let out = stdout_of(with_hidden(&base, &dest.join("bin/alpha-cli")).current_dir("/"));
        assert_eq!(out, "alpha main\n");
    };
    for (index, format) in formats.iter().enumerate() {
        let dest = world.path(&format!("unpacked {index} é ü"));
        world.den_ok(&["unpack", &format!("env.{format}"), dest.to_str().unwrap()]);
        check(&dest);
        fs::remove_dir_all(&dest).unwrap();
    }
    // Without den, the archive's own unpack step run with the original hidden too.
    let by_hand = world.path("by hand ï");
    fs::create_dir(&by_hand).unwrap();
    stdout_of(
        Command::new("tar")
            .arg("xzf")
            .arg(world.path("env.tar.gz"))
            .arg("-C")
            .arg(&by_hand),
    );
    stdout_of(&mut with_hidden(&base, &by_hand.join("bin/den-unpack")));
    assert!(!by_hand.join(".den-pack").exists() && !by_hand.join("bin/den-unpack").exists());
    check(&by_hand);

    // Packed again, its Python is already inside it.
    let by_hand_text = by_hand.to_str().unwrap();
    world.den_ok(&["pack", by_hand_text, "-o", "again.tar.gz", "--with-python"]);
    fs::remove_dir_all(&by_hand).unwrap();
    let dest = world.path("again ß");
    world.den_ok(&["unpack", "again.tar.gz", dest.to_str().unwrap()]);
    check(&dest);

    // An environment with copies of the interpreter (`--copies`): the copies' run path names
    // the base's lib directory, and is pointed at the carried one.
    world.den_ok(&["venv", "copies", "--copies", "-p", python.to_str().unwrap()]);
    assert!(
        !fs::symlink_metadata(world.path("copies/bin/python"))
            .unwrap()
            .is_symlink()
    );
    world.den_ok(&["pack", "copies", "-o", "copies.tar.gz", "--with-python"]);
    let dest = world.path("copies moved");
    world.den_ok(&["unpack", "copies.tar.gz", dest.to_str().unwrap()]);
    let out = stdout_of(with_hidden(&base, &dest.join("bin/python")).args(["-c", code_libpython]));
    let dest_text = dest.to_str().unwrap();
    assert_eq!(
        out,
        format!("{dest_text}/python\n{dest_text}/python/lib/libpython3.12.so.1.0\n")
    );

    // Such an environment's base is its own: --python-prefix does not apply.
    let err = world.den_err(&[
        "unpack",
        "env.tar.gz",
        "elsewhere",
        "--python-prefix",
        "/usr",
    ]);
    assert!(err.contains("carries its own Python"), "{err}");
    assert!(!world.path("elsewhere").exists());
}

/// `--with-python` refuses, before writing anything, a base Python that cannot move (the
/// system's, under /usr) and an RPM.
#[test]
fn with_python_refuses_the_system_python_and_rpms() {
    let Some(world) = World::new() else { return };
    let Some(system) = den_test_support::require(
        den_test_support::system_python(),
        "the system's /usr/bin/python3",
        "den pack --with-python refusing a Python under /usr",
    ) else {
        return;
    };
    world.den_ok(&[
        "venv",
        "sys",
        "--without-pip",
        "-p",
        system.to_str().unwrap(),
    ]);
    let err = world.den_err(&["pack", "sys", "-o", "sys.tar.gz", "--with-python"]);
    assert!(
        err.contains(
            "cannot carry the Python at /usr in the archive: /usr is a prefix the system shares"
        ),
        "{err}"
    );
    assert!(err.contains("use a standalone Python"), "{err}");
    world.venv("env", true);
    let err = world.den_err(&["pack", "env", "-o", "env.rpm", "--with-python"]);
    assert!(
        err.contains("--with-python is for .tar.gz, .tar.zst and .zip"),
        "{err}"
    );
    // No archive, and no temporary file left behind.
    let names = names_in(world.dir.path());
    assert!(
        names
            .iter()
            .all(|n| n.as_str() == "cache" || n.as_str() == "env" || n.as_str() == "sys"),
        "{names:?}"
    );
}

/// The installation prefix of the interpreter `python` (`PREFIX/bin/python3.X`, links
/// resolved).
fn install_prefix(python: &Path) -> PathBuf {
    let real = fs::canonicalize(python).unwrap();
    real.parent().unwrap().parent().unwrap().to_path_buf()
}
