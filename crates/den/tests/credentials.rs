//! Credentials never leave den: a password planted in index URLs (command line, environment,
//! requirements files, direct URLs) appears in no output of any command, successful or not,
//! quiet or verbose, and in no file den writes (compiled requirements, `--report`, the
//! environment's metadata, the cache). Each run's stdout and stderr, and every file written,
//! are searched for the password.

use std::fs;
use std::path::Path;
use std::process::Output;

use den_test_support::WheelBuilder;

mod common;

use common::{World, den_command};

const PASSWORD: &str = "pl4nted-s3cret";

/// Every file under `root` (not following links) whose bytes contain the password.
fn files_with_password(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file()
                && fs::read(&path).is_ok_and(|bytes| {
                    bytes
                        .windows(PASSWORD.len())
                        .any(|window| window == PASSWORD.as_bytes())
                })
            {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

#[test]
fn a_planted_password_reaches_no_output_and_no_file() {
    let Some(world) = World::new() else { return };
    world.index.require_auth("alice", PASSWORD);
    world.index.publish(
        &WheelBuilder::new("alpha", "1.0")
            .requires_dist("beta")
            .file("alpha/__init__.py", b""),
    );
    world.index.publish(&WheelBuilder::new("beta", "1.0"));
    let secret_url = world.index.url_with_credentials();
    assert!(secret_url.contains(PASSWORD));
    let env = world.venv("env", true);
    let env_arg = env.to_str().unwrap();
    let alpha_url = world
        .index
        .file_url("alpha-1.0-py3-none-any.whl")
        .replace("http://", &format!("http://alice:{PASSWORD}@"));
    fs::write(
        world.path("requirements.in"),
        format!("--index-url {secret_url}\nalpha\n"),
    )
    .unwrap();
    let report = world.path("report.json");
    let report_arg = report.to_str().unwrap();
    let mut outputs: Vec<(String, Output)> = Vec::new();
    let mut run = |args: &[String], env_url: Option<&str>| {
        let mut command = den_command(&world.path("cache"), &world.index.url());
        command.args(args).current_dir(world.dir.path());
        if let Some(url) = env_url {
            command
                .env("PIP_INDEX_URL", url)
                .env_remove("DEN_INDEX_URL");
        }
        outputs.push((args.join(" "), command.output().unwrap()));
    };
    let index_arg = ["--index-url", secret_url.as_str()];
    for verbosity in [&[][..], &["-v"][..], &["-vv"][..]] {
        let with = |args: &[&str]| -> Vec<String> {
            args.iter()
                .chain(verbosity)
                .map(|s| s.to_string())
                .collect()
        };
        // Successes: through the command line, the environment and a requirements file.
        let args = with(&[
            "pip",
            "install",
            "-p",
            env_arg,
            index_arg[0],
            index_arg[1],
            "alpha",
        ]);
        run(&args, None);
        let args = with(&["pip", "install", "-p", env_arg, "--force-reinstall", "beta"]);
        run(&args, Some(&secret_url));
        let args = with(&[
            "pip",
            "install",
            "-p",
            env_arg,
            "--dry-run",
            "--report",
            report_arg,
            "-r",
            "requirements.in",
        ]);
        run(&args, None);
        let args = with(&[
            "pip",
            "compile",
            "requirements.in",
            "-o",
            "requirements.txt",
        ]);
        run(&args, None);
        let args = with(&[
            "pip",
            "install",
            "-p",
            env_arg,
            &format!("alpha @ {alpha_url}"),
        ]);
        run(&args, None);
        for read in [
            &["pip", "freeze"][..],
            &["pip", "list"],
            &["pip", "show", "alpha"],
        ] {
            let mut args = with(read);
            args.extend(["-p".to_string(), env_arg.to_string()]);
            run(&args, None);
        }
        // Failures: a project that is not there, a wrong password, an unreachable host.
        let args = with(&[
            "pip",
            "install",
            "-p",
            env_arg,
            index_arg[0],
            index_arg[1],
            "nothere",
        ]);
        run(&args, None);
        let wrong = secret_url.replace(PASSWORD, &format!("{PASSWORD}-wrong"));
        let args = with(&[
            "pip",
            "install",
            "-p",
            env_arg,
            "--index-url",
            &wrong,
            "gamma",
        ]);
        run(&args, None);
        let unreachable = format!("http://alice:{PASSWORD}@127.0.0.1:9/simple/");
        let args = with(&[
            "pip",
            "install",
            "-p",
            env_arg,
            "--index-url",
            &unreachable,
            "x",
        ]);
        run(&args, None);
        let args = with(&["pip", "compile", "-", "--index-url", &wrong]);
        run(&args, None);
    }
    let mut leaks = Vec::new();
    let mut successes = 0;
    for (what, out) in &outputs {
        successes += usize::from(out.status.success());
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            if text.contains(PASSWORD) {
                leaks.push(format!("den {what}: {stream}:\n{text}"));
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "the password was printed:\n{}",
        leaks.join("\n")
    );
    assert!(
        successes >= 24,
        "only {successes} of {} runs succeeded",
        outputs.len()
    );
    // The files den wrote: the compiled requirements, the report, the environment, the cache.
    // (requirements.in holds the password because the test wrote it there.)
    let written: Vec<String> = files_with_password(world.dir.path())
        .into_iter()
        .filter(|path| !path.ends_with("requirements.in"))
        .collect();
    assert!(
        written.is_empty(),
        "the password was written to {written:?}"
    );
    assert!(world.path("requirements.txt").is_file() && report.is_file());
}
