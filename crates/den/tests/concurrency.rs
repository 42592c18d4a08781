//! One environment, one lock: den processes that change one environment through different
//! spellings of its path (a symlink, `..`) and with different caches take turns. The first
//! process is made observable (held at the index by a gate, or its lock polled with a try-lock)
//! instead of timed with sleeps.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;

use den_test_support::WheelBuilder;

mod common;

use common::World;

/// The site-packages directory of the environment at `env`.
fn site_packages(env: &Path) -> PathBuf {
    std::fs::read_dir(env.join("lib"))
        .unwrap()
        .map(|entry| entry.unwrap().path().join("site-packages"))
        .find(|dir| dir.is_dir())
        .unwrap()
}

/// The `.dist-info` directory names in `dir`.
fn dist_infos(dir: &Path) -> Vec<String> {
    let mut names = common::names_in(dir);
    names.retain(|name| name.ends_with(".dist-info"));
    names
}

/// `den args` with the cache at `cache`, stdout and stderr piped.
fn spawn_den(world: &World, cache: &str, args: &[&str]) -> Child {
    common::den_command(&world.path(cache), &world.index.url())
        .args(args)
        .current_dir(world.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Reads `child`'s stderr on a thread until a line contains `needle` (returns the lines so
/// far) or the stream ends, which means the process exited first (returns `Err` with them).
fn wait_for_line(child: &mut Child, needle: &'static str) -> Result<String, String> {
    let stderr = child.stderr.take().unwrap();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = String::new();
    for line in receive {
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(needle) {
            return Ok(seen);
        }
    }
    Err(seen)
}

/// Waits for `child`, asserting success; returns its stdout and stderr (what is left of them).
fn finish(child: Child, what: &str) -> String {
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

const WAITING: &str = "waiting for another den process to finish changing the environment";

#[cfg(unix)]
#[test]
fn a_second_process_through_a_symlink_and_another_cache_waits() {
    let Some(world) = World::new() else { return };
    world.index.publish(&WheelBuilder::new("alpha", "1.0"));
    world.index.publish(&WheelBuilder::new("beta", "1.0"));
    let env = world.venv("env", true);
    let link = world.path("link");
    std::os::unix::fs::symlink(&env, &link).unwrap();
    let site = site_packages(&env);

    // The first process takes the lock, then waits at the index until the gate opens.
    let gate = world.index.hold_project("alpha");
    let mut first = spawn_den(
        &world,
        "cache",
        &["pip", "install", "-p", env.to_str().unwrap(), "alpha"],
    );
    while world.index.page_requests("alpha") == 0 {
        if let Some(status) = first.try_wait().unwrap() {
            panic!("the first install ended ({status}) before asking for alpha");
        }
        std::thread::yield_now();
    }
    let through_link = site_packages(&link);
    assert!(
        den_cache::try_lock_directory(&through_link)
            .unwrap()
            .is_none(),
        "the first install holds the environment's lock"
    );

    // The second, through the symlink and with its own cache, must wait rather than run.
    let mut second = spawn_den(
        &world,
        "other-cache",
        &["-v", "pip", "install", "-p", link.to_str().unwrap(), "beta"],
    );
    let before = wait_for_line(&mut second, WAITING).unwrap_or_else(|seen| {
        panic!("the second install ran while the first held the lock:\n{seen}")
    });
    assert!(dist_infos(&site).is_empty(), "{:?}", dist_infos(&site));

    gate.open();
    let first_out = finish(first, "the first install");
    let second_out = before + &finish(second, "the second install");
    for out in [&first_out, &second_out] {
        assert!(!out.contains("interrupted install"), "{out}");
    }
    assert_eq!(
        dist_infos(&site),
        ["alpha-1.0.dist-info", "beta-1.0.dist-info"]
    );
    world.den_ok(&["pip", "check", "-p", env.to_str().unwrap()]);
}

#[cfg(unix)]
#[test]
fn den_waits_while_another_holds_the_lock_through_another_spelling() {
    let Some(world) = World::new() else { return };
    world.index.publish(&WheelBuilder::new("beta", "1.0"));
    let env = world.venv("env", true);
    let link = world.path("link");
    std::os::unix::fs::symlink(&env, &link).unwrap();
    let site = site_packages(&env);
    // Spelled through `..`, and held by this test.
    let spelled = site.join("..").join(site.file_name().unwrap());
    let held = den_cache::try_lock_directory(&spelled)
        .unwrap()
        .expect("the lock is free");

    let mut den = spawn_den(
        &world,
        "other-cache",
        &["-v", "pip", "install", "-p", link.to_str().unwrap(), "beta"],
    );
    wait_for_line(&mut den, WAITING)
        .unwrap_or_else(|seen| panic!("den did not wait for the lock:\n{seen}"));
    assert!(dist_infos(&site).is_empty(), "{:?}", dist_infos(&site));
    drop(held);
    finish(den, "den pip install");
    assert_eq!(dist_infos(&site), ["beta-1.0.dist-info"]);
}

/// The reproduction: a long install through the environment's path, and while it is
/// placing files, a second install through a symlink with another cache. Before the lock moved
/// into the environment, the second one's recovery rolled back the first one's live install.
#[cfg(unix)]
#[test]
fn concurrent_installs_through_a_symlink_never_damage_the_environment() {
    let Some(world) = World::new() else { return };
    let big: Vec<String> = (0..6).map(|i| format!("big{i}")).collect();
    for name in &big {
        let mut wheel = WheelBuilder::new(name, "1.0");
        for file in 0..150 {
            let contents = format!("VALUE = {file}\n").repeat(200);
            wheel = wheel.file(&format!("{name}/m{file}.py"), contents.as_bytes());
        }
        world.index.publish(&wheel);
    }
    world.index.publish(&WheelBuilder::new("six", "1.0"));
    let rounds = 50;
    let mut overlapped = 0;
    for round in 0..rounds {
        let env = world.venv(&format!("env{round}"), true);
        let link = world.path(&format!("link{round}"));
        std::os::unix::fs::symlink(&env, &link).unwrap();
        let site = site_packages(&env);
        let mut args = vec!["pip", "install", "-p", env.to_str().unwrap()];
        args.extend(["--link-mode", "copy"]);
        args.extend(big.iter().map(String::as_str));
        let mut first = spawn_den(&world, "cache", &args);
        // Start the second install once the first is placing files (a staging directory or
        // a journal in site-packages), or when it has finished.
        loop {
            let busy = std::fs::read_dir(&site).unwrap().any(|entry| {
                let name = entry.unwrap().file_name();
                let name = name.to_string_lossy();
                name.starts_with(".den-tmp-") || name.starts_with(".den-journal-")
            });
            if busy {
                overlapped += 1;
                break;
            }
            if first.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::yield_now();
        }
        let second = spawn_den(
            &world,
            "other-cache",
            &["pip", "install", "-p", link.to_str().unwrap(), "six"],
        );
        let outputs = [
            finish(first, "the install through the path"),
            finish(second, "the install through the symlink"),
        ];
        for out in &outputs {
            assert!(!out.contains("interrupted install"), "round {round}: {out}");
        }
        let mut expected: Vec<String> = big.iter().map(|n| format!("{n}-1.0.dist-info")).collect();
        expected.push("six-1.0.dist-info".to_string());
        assert_eq!(dist_infos(&site), expected, "round {round}");
        for name in &big {
            assert_eq!(
                std::fs::read_dir(site.join(name)).unwrap().count(),
                150,
                "round {round}: {name} is incomplete"
            );
        }
        world.den_ok(&["pip", "check", "-p", env.to_str().unwrap()]);
    }
    eprintln!("{overlapped} of {rounds} rounds started the second install mid-install");
    assert!(
        overlapped > 0,
        "no round overlapped; the test proves nothing"
    );
}
