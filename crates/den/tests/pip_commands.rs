//! `den pip hash`, `den pip cache`, `den pip config` and `den pip debug` judged against the real pip (the pip
//! seeded into a test environment; pip 26 for `config`, whose lists and `PIP_CONFIG_FILE`
//! handling changed): the same command lines, environment and files give the
//! same stdout, stderr (where pip's is a message, not a traceback), status and files. No
//! internet needed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use den_test_support::WheelBuilder;

mod common;

use common::World;

/// What a run gave: status, stdout, stderr.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Self {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Environment variables for a run.
type Vars<'a> = [(&'a str, &'a Path)];

/// A command with nothing of the caller's environment but PATH, and `vars`.
fn clean(program: &Path, vars: &[(&str, &Path)]) -> Command {
    let mut command = Command::new(program);
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    for (name, value) in vars {
        command.env(name, value);
    }
    command
}

/// The real pip of `env` (`python -m pip ARGS`) and den's `pip ARGS`, in `cwd`, with `vars`.
fn both(env: &Path, cwd: &Path, vars: &[(&str, &Path)], args: &[&str]) -> (Run, Run) {
    (
        run_tool(env, cwd, vars, args, true),
        run_tool(env, cwd, vars, args, false),
    )
}

/// The real pip's (`pip`) or den's `pip ARGS`. pip's messages name the program as it was run
/// (`.../python -m pip`); they are read as if it were run as `pip`, as scripts run it.
fn run_tool(env: &Path, cwd: &Path, vars: &[(&str, &Path)], args: &[&str], pip: bool) -> Run {
    let mut command = if pip {
        let mut command = clean(&env.join("bin/python"), vars);
        command.args(["-m", "pip"]);
        command
    } else {
        let mut command = clean(Path::new(env!("CARGO_BIN_EXE_den")), vars);
        command.arg("pip");
        command
    };
    as_run_as_pip(command.args(args).current_dir(cwd).output().unwrap(), env)
}

/// `out` with `ENV/bin/python -m pip`, as pip names itself in messages, read as `pip`.
fn as_run_as_pip(out: Output, env: &Path) -> Run {
    let mut run: Run = out.into();
    let program = format!("{} -m pip", env.join("bin/python").display());
    run.stdout = run.stdout.replace(&program, "pip");
    run.stderr = run.stderr.replace(&program, "pip");
    run
}

#[test]
fn hash_prints_what_pip_prints() {
    let Some(world) = World::new() else { return };
    let env = world.venv("env", false);
    let dir = world.dir.path();
    std::fs::write(dir.join("a.txt"), b"hello\n").unwrap();
    std::fs::write(dir.join("b b.whl"), vec![7u8; 100_000]).unwrap();
    for args in [
        &["hash", "a.txt"][..],
        &["hash", "-a", "sha384", "a.txt", "b b.whl"],
        &["hash", "--algorithm=sha512", "b b.whl"],
    ] {
        let (pip, den) = both(&env, dir, &[], args);
        assert_eq!(den, pip, "{args:?}");
    }
    // A missing file: pip's output for the files before it, status 2, the OSError's words
    // (pip's own stderr is a traceback ending in them).
    let (pip, den) = both(&env, dir, &[], &["hash", "a.txt", "nope.txt"]);
    assert_eq!((den.code, &den.stdout), (pip.code, &pip.stdout));
    assert_eq!(den.code, Some(2));
    let cause = "[Errno 2] No such file or directory: 'nope.txt'";
    assert!(pip.stderr.contains(cause), "{}", pip.stderr);
    assert_eq!(den.stderr, format!("ERROR: {cause}\n"));
    // No file: the usage line and status 1. An unknown algorithm: status 2, as pip's.
    let (pip, den) = both(&env, dir, &[], &["hash"]);
    assert_eq!(den.code, pip.code);
    assert_eq!(den.stderr, pip.stderr);
    let (pip, den) = both(&env, dir, &[], &["hash", "-a", "md5", "a.txt"]);
    assert_eq!((den.code, pip.code), (Some(2), Some(2)));
}

/// pip 26's `pip --python ENV ARGS` (the pip that writes `pip config`'s lists grouped by
/// file and sends the user file's changes to `PIP_CONFIG_FILE`'s file), read as
/// [`run_tool`] reads pip's.
fn run_pip26(pip26: &Path, env: &Path, cwd: &Path, vars: &[(&str, &Path)], args: &[&str]) -> Run {
    let mut command = clean(pip26, vars);
    command
        .args(["-m", "pip", "--python"])
        .arg(env.join("bin/python"));
    as_run_as_pip(command.args(args).current_dir(cwd).output().unwrap(), env)
}

/// `den pip config` beside pip 26's, step by step from the same files: lists, gets, sets,
/// unsets (in the file that has the key), the site file taking changes once it exists, and
/// `PIP_CONFIG_FILE`'s file standing in for the user files.
#[test]
fn config_reads_and_writes_pips_files_as_pip() {
    let Some(pip26) = den_test_support::pip26_python("pip config judged by pip 26") else {
        return;
    };
    let Some(world) = World::new() else { return };
    let env = world.venv("env", false);
    let dir = world.dir.path();
    let home = world.path("home");
    let xdg_dirs = world.path("xdg");
    let other_file = world.path("other.conf");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(xdg_dirs.join("pip")).unwrap();
    std::fs::write(
        xdg_dirs.join("pip/pip.conf"),
        "[global]\ntimeout = 60\nTrusted_Host = a.example\n  b.example\n",
    )
    .unwrap();
    let user_file = home.join(".config/pip/pip.conf");
    let site_file = env.join("pip.conf");
    let vars: Vec<(&str, &Path)> = vec![
        ("HOME", &home),
        ("XDG_CONFIG_DIRS", &xdg_dirs),
        ("VIRTUAL_ENV", &env),
    ];
    let with_file: Vec<(&str, &Path)> = vars
        .iter()
        .copied()
        .chain([("PIP_CONFIG_FILE", other_file.as_path())])
        .collect();
    let steps: Vec<(&Vars<'_>, Vec<&str>)> = vec![
        (&vars, vec!["config", "list"]),
        (
            &vars,
            vec![
                "config",
                "set",
                "global.index-url",
                "https://m.example/simple",
            ],
        ),
        (&vars, vec!["config", "set", "Install.No_Deps", "1"]),
        (&vars, vec!["config", "set", "global.timeout", "5"]),
        (&vars, vec!["config", "get", "global.index_url"]),
        (&vars, vec!["config", "get", "global.trusted-host"]),
        (&vars, vec!["config", "list"]),
        (&vars, vec!["config", "--user", "list"]),
        (&vars, vec!["config", "debug"]),
        (&with_file, vec!["config", "list"]),
        (&with_file, vec!["config", "debug"]),
        (&with_file, vec!["config", "--user", "list"]),
        (&with_file, vec!["config", "get", "install.no-compile"]),
        (&with_file, vec!["config", "set", "global.retries", "2"]),
        (
            &with_file,
            vec!["config", "--user", "unset", "install.no-compile"],
        ),
        (&vars, vec!["config", "unset", "install.no-deps"]),
        (&vars, vec!["config", "unset", "install.no-deps"]),
        (&vars, vec!["config", "get", "global.nothing"]),
        (&vars, vec!["config", "get", "nothing"]),
        (&vars, vec!["config", "set", "nothing", "x"]),
        (&vars, vec!["config", "set", "global.x"]),
        (&vars, vec!["config", "list", "extra"]),
        (&vars, vec!["config"]),
        (&vars, vec!["config", "bogus"]),
        (
            &vars,
            vec!["config", "--user", "--site", "get", "global.timeout"],
        ),
        (
            &vars,
            vec![
                "config",
                "--site",
                "set",
                "global.index-url",
                "https://s/simple",
            ],
        ),
        // With a site file, changes go there by default.
        (&vars, vec!["config", "set", "global.no-cache-dir", "false"]),
        (&vars, vec!["config", "list"]),
        (&vars, vec!["config", "--user", "unset", "global.index-url"]),
        (&vars, vec!["config", "--user", "unset", "global.timeout"]),
        (&vars, vec!["--isolated", "config", "list"]),
    ];
    let files = [&user_file, &site_file, &other_file];
    // The whole sequence with pip, then again from the same start with den: each step's
    // output and the files after it.
    let mut runs: Vec<Vec<(Run, Vec<Option<String>>)>> = Vec::new();
    for pip in [true, false] {
        for file in files {
            let _ = std::fs::remove_file(file);
        }
        std::fs::write(&other_file, "[install]\nno-compile = yes\n").unwrap();
        let mut results = Vec::new();
        for (vars, args) in &steps {
            let run = match pip {
                true => run_pip26(&pip26, &env, dir, vars, args),
                false => run_tool(&env, dir, vars, args, false),
            };
            let contents = files
                .iter()
                .map(|f| std::fs::read_to_string(f).ok())
                .collect();
            results.push((run, contents));
        }
        runs.push(results);
    }
    for ((step, pip), den) in steps.iter().zip(&runs[0]).zip(&runs[1]) {
        assert_eq!(den, pip, "{:?}", step.1);
    }
    // Every refusal above is status 1, as pip's.
    assert!(runs[1].iter().any(|(run, _)| run.code == Some(1)));
}

/// pip's verbosity in `pip config`: `quiet` from a file's `[global]` or `[config]` section or
/// `PIP_QUIET` hides its answers (pip writes them as log lines), the command line's `-q`s
/// and `-v`s adding to the configured count; `-qqq` hides its errors too. As pip 26.
#[test]
fn config_quiet_hides_what_pip_hides() {
    let Some(pip26) = den_test_support::pip26_python("pip config's quiet judged by pip 26") else {
        return;
    };
    let Some(world) = World::new() else { return };
    let env = world.venv("env", false);
    let dir = world.dir.path();
    let home = world.path("home");
    std::fs::create_dir_all(&home).unwrap();
    let file = world.path("pip.conf");
    let one = Path::new("1");
    let cases: [(&str, Option<&Path>, &[&str]); 13] = [
        (
            "[global]\nquiet = 1\ntimeout = 5\n",
            None,
            &["config", "list"],
        ),
        (
            "[global]\nquiet = 1\ntimeout = 5\n",
            None,
            &["config", "get", "global.timeout"],
        ),
        (
            "[global]\nquiet = 1\ntimeout = 5\n",
            None,
            &["config", "debug"],
        ),
        (
            "[global]\nquiet = 1\ntimeout = 5\n",
            None,
            &["config", "get", "global.no"],
        ),
        (
            "[global]\nquiet = 1\ntimeout = 5\n",
            None,
            &["-v", "config", "list"],
        ),
        (
            "[global]\nquiet = 1\ntimeout = 5\n",
            None,
            &["-qq", "config", "get", "global.no"],
        ),
        (
            "[global]\nquiet = 1\n",
            None,
            &["config", "set", "global.timeout", "7"],
        ),
        (
            "[config]\nquiet = 1\n[global]\ntimeout = 5\n",
            None,
            &["config", "list"],
        ),
        (
            "[global]\ntimeout = 5\n",
            Some(one),
            &["config", "get", "global.timeout"],
        ),
        (
            "[global]\ntimeout = 5\n",
            Some(one),
            &["-q", "config", "get", "global.no"],
        ),
        (
            "[global]\ntimeout = 5\n",
            Some(one),
            &["config", "-qq", "get", "global.no"],
        ),
        ("[global]\ntimeout = 5\n", None, &["-q", "config", "list"]),
        (
            "[global]\ntimeout = 5\n",
            None,
            &["-q", "config", "-qq", "get", "global.no"],
        ),
    ];
    let mut pips = Vec::new();
    for (text, quiet, args) in cases {
        let mut vars: Vec<(&str, &Path)> = vec![("HOME", &home), ("PIP_CONFIG_FILE", &file)];
        vars.extend(quiet.map(|value| ("PIP_QUIET", value)));
        let mut runs = Vec::new();
        for pip in [true, false] {
            std::fs::write(&file, text).unwrap();
            let run = match pip {
                true => run_pip26(&pip26, &env, dir, &vars, args),
                false => run_tool(&env, dir, &vars, args, false),
            };
            runs.push((run, std::fs::read_to_string(&file).unwrap()));
        }
        assert_eq!(runs[1], runs[0], "{text:?} {quiet:?} {args:?}");
        pips.push(runs.swap_remove(0).0);
    }
    // What pip did: quiet answers, answers with -v, errors unless -qqq, no "Writing to" (the
    // set's stderr is the warning that PIP_CONFIG_FILE's file takes the change).
    let shown: Vec<(bool, bool)> = pips
        .iter()
        .map(|run| (!run.stdout.is_empty(), !run.stderr.is_empty()))
        .collect();
    assert_eq!(
        shown,
        [
            (false, false),
            (false, false),
            (false, false),
            (false, true),
            (true, false),
            (false, false),
            (false, true),
            (false, false),
            (false, false),
            (false, true),
            (false, false),
            (false, false),
            (false, false),
        ],
        "{pips:#?}"
    );
    // den's own level before `pip` counts too: -q there and -qq after the command are -qqq.
    std::fs::write(&file, "[global]\ntimeout = 5\n").unwrap();
    let vars: Vec<(&str, &Path)> = vec![("HOME", &home), ("PIP_CONFIG_FILE", &file)];
    let mut den = clean(Path::new(env!("CARGO_BIN_EXE_den")), &vars);
    let out = den
        .args(["-q", "pip", "config", "-qq", "get", "global.no"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(
        (out.status.code(), out.stderr.len()),
        (Some(1), 0),
        "{out:?}"
    );
}

/// pip's general `--python` for `hash`, `cache` and `config`: pip runs the command again
/// under that interpreter (a path to it or its environment), so the site file it reads and
/// `config --site` changes is that environment's `pip.conf`, not the active one's; an
/// interpreter that is not there is refused in pip's words, status 1. As pip 26, with the
/// option before the command (pip's place for it) and, for den, after it too.
#[test]
fn python_option_runs_hash_cache_config_under_that_interpreter_as_pip() {
    let Some(pip26) = den_test_support::pip26_python("pip --python judged by pip 26") else {
        return;
    };
    let Some(world) = World::new() else { return };
    let target = world.venv("target", false);
    let active = world.venv("active", false);
    let dir = world.dir.path();
    std::fs::write(dir.join("a.txt"), b"hello\n").unwrap();
    let home = world.path("home");
    let cache = world.path("pip-cache");
    std::fs::create_dir_all(&home).unwrap();
    let vars: Vec<(&str, &Path)> = vec![
        ("HOME", &home),
        ("VIRTUAL_ENV", &active),
        ("PIP_CACHE_DIR", &cache),
        ("DEN_CACHE_DIR", &cache),
    ];
    let site = target.join("pip.conf");
    let site_text = "[global]\ntimeout = 9\n[hash]\nalgorithm = sha512\n";
    std::fs::write(active.join("pip.conf"), "[global]\ntimeout = 4\n").unwrap();
    let interpreter = target.join("bin/python");
    let (interpreter, target_dir) = (interpreter.to_str().unwrap(), target.to_str().unwrap());
    let missing = world.path("nothing/bin/python");
    let missing = missing.to_str().unwrap();
    let cases: [&[&str]; 12] = [
        &["--python", interpreter, "hash", "a.txt"],
        &["--python", target_dir, "hash", "a.txt"],
        &["--python", target_dir, "cache", "dir"],
        &["--python", interpreter, "config", "list"],
        &["--python", target_dir, "config", "debug"],
        &["--python", target_dir, "config", "get", "global.timeout"],
        &[
            "--python",
            interpreter,
            "config",
            "set",
            "global.retries",
            "3",
        ],
        &[
            "--python",
            target_dir,
            "config",
            "--site",
            "unset",
            "hash.algorithm",
        ],
        &["--python", missing, "hash", "a.txt"],
        &["--python", missing, "cache", "dir"],
        &["--python", missing, "config", "list"],
        &["-q", "--python", missing, "config", "list"],
    ];
    for args in cases {
        let mut runs = Vec::new();
        for pip in [true, false] {
            std::fs::write(&site, site_text).unwrap();
            let mut command = match pip {
                true => {
                    let mut command = clean(&pip26, &vars);
                    command.args(["-m", "pip"]);
                    command
                }
                false => {
                    let mut command = clean(Path::new(env!("CARGO_BIN_EXE_den")), &vars);
                    command.arg("pip");
                    command
                }
            };
            let run = Run::from(command.args(args).current_dir(dir).output().unwrap());
            runs.push((run, std::fs::read_to_string(&site).unwrap()));
        }
        assert_eq!(runs[1], runs[0], "{args:?}");
        // What pip does: the target's site file, sha512 from its [hash] section.
        let pip = &runs[0].0;
        if args[1] == missing {
            let said = format!("ERROR: Could not locate Python interpreter {missing}\n");
            assert_eq!((pip.code, pip.stderr.as_str()), (Some(1), said.as_str()));
        } else if args[2] == "hash" {
            assert!(pip.stdout.contains("--hash=sha512:"), "{pip:?}");
        }
    }
    // den takes the option after the command too.
    for (before, after) in [
        (
            &["--python", target_dir, "hash", "a.txt"][..],
            &["hash", "a.txt", "--python", target_dir][..],
        ),
        (
            &["--python", interpreter, "config", "list"],
            &["config", "list", "--python", interpreter],
        ),
    ] {
        std::fs::write(&site, site_text).unwrap();
        let run = |args: &[&str]| {
            let mut command = clean(Path::new(env!("CARGO_BIN_EXE_den")), &vars);
            Run::from(
                command
                    .arg("pip")
                    .args(args)
                    .current_dir(dir)
                    .output()
                    .unwrap(),
            )
        };
        assert_eq!(run(after), run(before), "{after:?}");
    }
}

/// pip's `-q` hides what pip writes as log lines: the answers of `hash`, `cache`, `list` (every
/// format), `show`, `check`, `index versions` and `debug` (its warning stays), not `freeze`'s
/// or `inspect`'s, which pip writes to stdout itself. As pip 26.
#[test]
fn quiet_hides_the_answers_pip_logs() {
    let Some(world) = World::new() else { return };
    // den's answers are checked without pip 26 too; with it, pip's must be the same.
    let pip26 = den_test_support::pip26_python("pip's -q judged by pip 26");
    world.index.publish(&WheelBuilder::new("alpha", "1.0"));
    let env = world.venv("env", false);
    let dir = world.dir.path();
    std::fs::write(dir.join("a.txt"), b"hello\n").unwrap();
    let home = world.path("home");
    let cache = world.path("cache");
    std::fs::create_dir_all(&home).unwrap();
    let vars: Vec<(&str, &Path)> = vec![
        ("HOME", &home),
        ("VIRTUAL_ENV", &env),
        ("PIP_CACHE_DIR", &cache),
        ("DEN_CACHE_DIR", &cache),
    ];
    let index = world.index.url();
    let cases: [(&[&str], bool); 12] = [
        (&["-q", "hash", "a.txt"], false),
        (&["-q", "cache", "dir"], false),
        (&["-q", "cache", "list"], false),
        (&["-q", "list"], false),
        (&["-q", "list", "--format=freeze"], false),
        (&["-q", "list", "--format=json"], false),
        (&["-q", "show", "pip"], false),
        (&["-q", "check"], false),
        (
            &["-q", "index", "versions", "alpha", "--index-url", &index],
            false,
        ),
        (&["-q", "debug"], false),
        (&["-q", "freeze", "--all"], true),
        (&["-q", "inspect"], true),
    ];
    for (args, shown) in cases {
        let den = run_tool(&env, dir, &vars, args, false);
        assert_eq!(
            (den.code, !den.stdout.is_empty()),
            (Some(0), shown),
            "den {args:?}: {den:?}"
        );
        let Some(pip26) = &pip26 else { continue };
        let pip = run_pip26(pip26, &env, dir, &vars, args);
        assert_eq!(
            (pip.code, !pip.stdout.is_empty()),
            (Some(0), shown),
            "pip {args:?}: {pip:?}"
        );
        assert_eq!(den.stderr, pip.stderr, "{args:?}");
    }
}

/// `pip index versions`, a command of a command: pip's general options written before
/// `index` (`--python`) and its configuration (`PIP_PRE`, `[index]` `pre`) apply to it as to
/// any command; what it lists is what pip 26 lists.
#[test]
fn index_versions_takes_general_options_and_configuration_as_pip() {
    let Some(world) = World::new() else { return };
    // den's lists are checked without pip 26 too; with it, pip's must be the same.
    let pip26 = den_test_support::pip26_python("pip index versions judged by pip 26");
    world.index.publish(&WheelBuilder::new("alpha", "1.0"));
    world.index.publish(&WheelBuilder::new("alpha", "2.0b1"));
    let env = world.venv("env", true);
    let dir = world.dir.path();
    let home = world.path("home");
    std::fs::create_dir_all(&home).unwrap();
    let conf = world.path("pip.conf");
    std::fs::write(&conf, "[index]\npre = true\n").unwrap();
    let one = Path::new("1");
    let index = world.index.url();
    let base: Vec<(&str, &Path)> = vec![("HOME", &home)];
    let with_pre: Vec<(&str, &Path)> = vec![("HOME", &home), ("PIP_PRE", one)];
    let with_file: Vec<(&str, &Path)> = vec![("HOME", &home), ("PIP_CONFIG_FILE", &conf)];
    for (vars, listed) in [
        (&base, "alpha (1.0)\nAvailable versions: 1.0\n"),
        (&with_pre, "alpha (2.0b1)\nAvailable versions: 2.0b1, 1.0\n"),
        (
            &with_file,
            "alpha (2.0b1)\nAvailable versions: 2.0b1, 1.0\n",
        ),
    ] {
        let args = ["index", "versions", "alpha", "--index-url", &index];
        let mut den = clean(Path::new(env!("CARGO_BIN_EXE_den")), vars);
        den.args(["pip", "--python"]).arg(env.join("bin/python"));
        let den = as_run_as_pip(den.args(args).current_dir(dir).output().unwrap(), &env);
        assert_eq!(den.stdout, listed, "{vars:?}");
        if let Some(pip26) = &pip26 {
            assert_eq!(den, run_pip26(pip26, &env, dir, vars, &args), "{vars:?}");
        }
    }
}

#[test]
fn cache_commands_speak_pips_words() {
    let Some(world) = World::new() else { return };
    let env = world.venv("env", true);
    world.index.publish(&WheelBuilder::new("alpha", "1.0"));
    world.index.publish(&WheelBuilder::new("alpha_beta", "2.0"));
    let cache = world.path("cache");
    // Messages that do not depend on the cache's contents: as pip's, for an empty cache.
    let pip_cache = world.path("pip-cache");
    let pip_env = world.venv("pip-env", false);
    for args in [
        &["cache"][..],
        &["cache", "bogus"],
        &["cache", "dir", "x"],
        &["cache", "remove"],
        &["cache", "remove", "a", "b"],
        &["cache", "list", "a", "b"],
        &["cache", "list"],
        &["cache", "list", "--format", "abspath"],
        &["cache", "remove", "alpha"],
        &["cache", "purge"],
        &["--no-cache-dir", "cache", "dir"],
    ] {
        let pip = run_tool(
            &pip_env,
            world.dir.path(),
            &[("PIP_CACHE_DIR", &pip_cache)],
            args,
            true,
        );
        let den = run_tool(
            &env,
            world.dir.path(),
            &[("DEN_CACHE_DIR", &world.path("empty-cache"))],
            args,
            false,
        );
        assert_eq!(den, pip, "{args:?}");
    }
    // What a filled cache shows: the wheels den keeps, by pip's patterns.
    let env_arg = env.to_str().unwrap();
    world.den_ok(&["pip", "install", "-p", env_arg, "alpha", "alpha_beta"]);
    assert_eq!(
        world.den_ok(&["pip", "cache", "dir"]).trim(),
        cache.to_str().unwrap()
    );
    let list = world.den_ok(&["pip", "cache", "list"]);
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines[..2], ["Cache contents:", ""], "{list}");
    assert!(
        lines[2].starts_with(" - alpha-1.0-py3-none-any.whl ("),
        "{list}"
    );
    assert!(lines[2].ends_with(" bytes)"), "{list}");
    assert!(lines[3].starts_with(" - alpha_beta-2.0-py3-none-any.whl ("));
    assert_eq!(lines.len(), 4, "{list}");
    let paths = world.den_ok(&["pip", "cache", "list", "alpha", "--format=abspath"]);
    let paths: Vec<PathBuf> = paths.lines().map(PathBuf::from).collect();
    assert_eq!(paths.len(), 1, "only alpha, not alpha_beta: {paths:?}");
    assert!(paths[0].starts_with(&cache) && paths[0].is_file());
    let info = world.den_ok(&["pip", "cache", "info"]);
    let simple = cache.join("simple-v2");
    assert!(
        info.starts_with(&format!(
            "Package index page cache location: {}\nPackage index page cache size: ",
            simple.display()
        )),
        "{info}"
    );
    assert!(info.contains("\nNumber of HTTP files: "), "{info}");
    assert!(
        info.ends_with("\nNumber of locally built wheels: 0\n"),
        "{info}"
    );
    assert_eq!(
        world.den_ok(&["pip", "cache", "remove", "alpha"]),
        "Files removed: 1\n"
    );
    assert!(!paths[0].exists());
    let out = world.den(&["pip", "cache", "remove", "alpha-1*"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Files removed: 0\n");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "WARNING: No matching packages for pattern \"alpha-1*\"\n"
    );
    let purged = world.den_ok(&["pip", "cache", "purge"]);
    let removed: u64 = purged
        .trim()
        .strip_prefix("Files removed: ")
        .unwrap()
        .parse()
        .unwrap();
    assert!(removed >= 3, "{purged}");
    let size: u64 = world.den_ok(&["cache", "size"]).trim().parse().unwrap();
    assert!(size < 4096, "purge empties the cache: {size} bytes left");
    assert_eq!(
        world.den_ok(&["pip", "cache", "list"]),
        "No locally built wheels cached.\n"
    );
}

/// pip's `debug` output without what only pip has: its version line, and its internals
/// (certifi's bundle, its vendored libraries) up to the tags.
fn debug_lines(stdout: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut internals = false;
    for line in stdout.lines() {
        if line.starts_with("pip._vendor.") {
            internals = true;
        } else if line.starts_with("Compatible tags: ") {
            internals = false;
        }
        if !internals && !line.starts_with("pip version: ") {
            lines.push(line);
        }
    }
    lines
}

/// `den pip debug` shows what the real pip shows of the interpreter (asked of it), of where
/// `cert` is set and the CA bundle variables, and the wheel tags accepted: all of them in
/// pip's order with -v, the first ten without, and those of a described target.
#[test]
fn debug_shows_the_interpreter_and_tags_pip_shows() {
    let Some(world) = World::new() else { return };
    let env = world.venv("env", false);
    let dir = world.dir.path();
    let cache = world.path("cache");
    let bundle = world.path("ca.pem");
    let vars = [
        ("VIRTUAL_ENV", env.as_path()),
        ("DEN_CACHE_DIR", cache.as_path()),
        ("PIP_CONFIG_FILE", Path::new("/dev/null")),
        ("PIP_CERT", bundle.as_path()),
        ("REQUESTS_CA_BUNDLE", bundle.as_path()),
    ];
    for args in [
        &["debug"][..],
        &["debug", "-v"],
        &[
            "debug",
            "-v",
            "--platform",
            "win_amd64",
            "--python-version",
            "3.12",
        ],
        &[
            "debug",
            "--implementation",
            "pp",
            "--python-version",
            "3.10",
            "--abi",
            "pypy310_pp73",
            "--platform",
            "linux_x86_64",
        ],
    ] {
        let (pip, den) = both(&env, dir, &vars, args);
        assert_eq!((den.code, &den.stderr), (pip.code, &pip.stderr), "{args:?}");
        assert_eq!(
            debug_lines(&den.stdout),
            debug_lines(&pip.stdout),
            "{args:?}"
        );
        assert!(
            den.stdout.starts_with("pip version: den "),
            "{}",
            den.stdout
        );
    }
    let (_, den) = both(&env, dir, &vars, &["debug", "-v"]);
    assert!(
        den.stdout.contains("'cert' config value: global\n"),
        "{}",
        den.stdout
    );
    let tags = den.stdout.lines().filter(|l| l.starts_with("  cp")).count();
    assert!(tags > 100, "{}", den.stdout);
    // The site file is that of the interpreter pip works for (`--python`'s; none active).
    // (pip run again under it reads the locale otherwise: only `cert` is compared.)
    std::fs::write(env.join("pip.conf"), "[install]\ncert = ca.pem\n").unwrap();
    let home = world.path("home");
    let vars = [
        ("HOME", home.as_path()),
        ("XDG_CONFIG_DIRS", home.as_path()),
        ("DEN_CACHE_DIR", cache.as_path()),
    ];
    let args = ["--python", env.to_str().unwrap(), "debug"];
    let (pip, den) = both(&env, dir, &vars, &args);
    for run in [&pip, &den] {
        assert!(
            run.stdout.contains("'cert' config value: install\n"),
            "{run:?}"
        );
    }
}
