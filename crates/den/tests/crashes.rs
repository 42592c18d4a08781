//! den killed (SIGKILL) at chosen moments: what it leaves must be whole or absent, and its
//! temporaries are removed by the next den run that sees them, never those of a live process.
//! The moment is chosen by watching the file system (polling), not by sleeping.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use den_test_support::WheelBuilder;

mod common;

use common::World;

/// The names in `dir` starting with `prefix`.
fn names_with(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(prefix))
        .map(|entry| entry.path())
        .collect()
}

fn spawn_den(world: &World, args: &[&str]) -> Child {
    common::den_command(&world.path("cache"), &world.index.url())
        .args(args)
        .current_dir(world.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Polls until `ready()` or the child exits; kills it (SIGKILL) if it is still running.
/// Returns whether it was killed while `ready()` held.
fn kill_when(child: &mut Child, ready: impl Fn() -> bool) -> bool {
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if ready() {
            child.kill().unwrap();
            child.wait().unwrap();
            return true;
        }
        std::thread::yield_now();
    }
}

/// A wheel `name` 1.0 with `files` modules.
fn many_files(name: &str, files: usize) -> WheelBuilder {
    let mut wheel = WheelBuilder::new(name, "1.0");
    for file in 0..files {
        wheel = wheel.file(&format!("{name}/m{file}.py"), b"X = 1\n");
    }
    wheel
}

#[test]
fn a_killed_unpack_leaves_a_temporary_that_the_next_run_removes() {
    let Some(world) = World::new() else { return };
    let env = world.venv("env", true);
    let env = env.to_str().unwrap();
    let bucket = world.path("cache/archive-v1");
    let mut left = Vec::new();
    let mut name = String::new();
    for attempt in 0..5 {
        name = format!("huge{attempt}");
        world.index.publish(&many_files(&name, 3000));
        let mut den = spawn_den(&world, &["pip", "install", "-p", env, &name]);
        kill_when(&mut den, || !names_with(&bucket, ".tmp").is_empty());
        left = names_with(&bucket, ".tmp");
        if !left.is_empty() {
            break;
        }
    }
    assert!(!left.is_empty(), "no kill landed during an unpack");

    // A live process's temporary (this test holds one) and a dead one's: the next den run
    // that unpacks into the bucket removes only the dead one.
    let live = den_cache::OwnedTempDir::new_in(&bucket).unwrap();
    world.den_ok(&["pip", "install", "-p", env, &name]);
    for dead in &left {
        assert!(!dead.exists(), "{} was left", dead.display());
    }
    assert!(live.path().is_dir(), "a live temporary was removed");
    assert_eq!(names_with(&bucket, ".tmp"), [live.path().to_path_buf()]);
    let (ok, _, err) = common::run_python(Path::new(env), &["-c", &format!("import {name}.m2999")]);
    assert!(ok, "{err}");
}

/// Every file pip's RECORD lists exists, or pip is absent altogether (no package, no
/// `.dist-info`, no script).
fn pip_is_whole_or_absent(env: &Path) -> Result<&'static str, String> {
    let site = std::fs::read_dir(env.join("lib"))
        .unwrap()
        .map(|entry| entry.unwrap().path().join("site-packages"))
        .find(|dir| dir.is_dir())
        .ok_or("no site-packages")?;
    let dist_info = names_with(&site, "pip-");
    let package = site.join("pip");
    match dist_info.as_slice() {
        [] if !package.exists() && !env.join("bin/pip").exists() => Ok("absent"),
        [] => Err(format!(
            "pip's files without its .dist-info in {}",
            site.display()
        )),
        [dist_info] => {
            let record =
                std::fs::read_to_string(dist_info.join("RECORD")).map_err(|e| e.to_string())?;
            for line in record.lines() {
                let path = line.split(',').next().unwrap_or_default();
                if !site.join(path).exists() {
                    return Err(format!("{path} of pip's RECORD is missing"));
                }
            }
            Ok("whole")
        }
        _ => Err(format!("several pip .dist-info: {dist_info:?}")),
    }
}

#[test]
fn a_killed_den_venv_leaves_pip_whole_or_absent() {
    let Some(world) = World::new() else { return };
    let python = world.python.to_str().unwrap().to_string();
    let rounds = 6;
    let mut killed_mid_seed = 0;
    for round in 0..rounds {
        let name = format!("env{round}");
        let env = world.path(&name);
        let mut den = spawn_den(&world, &["venv", &name, "-p", &python]);
        // Kill once the environment being made has pip's package directory (seeding is
        // under way), at a later moment in each round: after `round * 50` more files.
        let dir = world.dir.path().to_path_buf();
        let killed = kill_when(&mut den, || {
            let mut made = names_with(&dir, ".tmp-owned-");
            made.push(env.clone());
            made.iter().any(|root| {
                let Some(site) = std::fs::read_dir(root.join("lib"))
                    .ok()
                    .and_then(|mut e| e.next())
                    .and_then(Result::ok)
                else {
                    return false;
                };
                std::fs::read_dir(site.path().join("site-packages/pip/_internal"))
                    .is_ok_and(|entries| entries.count() > round * 5)
            })
        });
        if killed {
            killed_mid_seed += 1;
        }
        if env.exists() {
            let state =
                pip_is_whole_or_absent(&env).unwrap_or_else(|e| panic!("round {round}: {e}"));
            assert_eq!(
                state, "whole",
                "round {round}: a finished den venv seeds pip"
            );
        }
        // The next den venv in this directory makes it whole and removes the leftover.
        world.den_ok(&["venv", &name, "-p", &python]);
        assert_eq!(pip_is_whole_or_absent(&env), Ok("whole"), "round {round}");
        assert!(
            names_with(world.dir.path(), ".tmp-owned-").is_empty(),
            "round {round}: a temporary environment was left"
        );
    }
    assert!(
        killed_mid_seed > 0,
        "no kill landed while pip was being seeded"
    );
    let env = world.path("env0");
    let (ok, out, err) = common::run_python(&env, &["-m", "pip", "--version"]);
    assert!(ok && out.contains(&env.display().to_string()), "{out}{err}");
    eprintln!("{killed_mid_seed} of {rounds} den venv runs killed while seeding");
}

/// A reading command repairs what a killed install left before it reads: `den pip list` right
/// after the kill lists whole distributions only, and no journal or staging entry is left.
#[test]
fn reading_after_a_killed_install_sees_a_whole_environment() {
    let Some(world) = World::new() else { return };
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    let site = std::fs::read_dir(env.join("lib"))
        .unwrap()
        .map(|entry| entry.unwrap().path().join("site-packages"))
        .find(|dir| dir.is_dir())
        .unwrap();
    let leftovers = || {
        std::fs::read_dir(&site)
            .unwrap()
            .filter_map(Result::ok)
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".den-"))
            .collect::<Vec<_>>()
    };
    let mut landed = false;
    for attempt in 0..8 {
        let name = format!("placed{attempt}");
        world.index.publish(&many_files(&name, 3000));
        // Unpacked into the cache first, so the kill lands while files are placed.
        let warm = world.venv(&format!("warm{attempt}"), true);
        world.den_ok(&["pip", "install", "-p", warm.to_str().unwrap(), &name]);
        let mut den = spawn_den(&world, &["pip", "install", "-p", env_arg, &name]);
        kill_when(&mut den, || !leftovers().is_empty());
        if leftovers().is_empty() {
            continue;
        }
        landed = true;
        let listed = world.den_ok(&["pip", "list", "-p", env_arg, "--format", "freeze"]);
        assert!(
            leftovers().is_empty(),
            "{:?} left after den pip list",
            leftovers()
        );
        if listed.contains(&format!("{name}==")) {
            let (ok, _, err) = common::run_python(&env, &["-c", &format!("import {name}.m2999")]);
            assert!(ok, "listed but incomplete: {err}");
        } else {
            assert!(
                !site.join(&name).exists(),
                "{name} half there but not listed"
            );
        }
        break;
    }
    assert!(landed, "no kill landed while files were placed");
}
