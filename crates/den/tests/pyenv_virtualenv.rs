//! pyenv-virtualenv judges `den pyenv virtualenv*`: the plugin and den, run on one pyenv
//! root, make environments laid out alike, and answer `virtualenvs`, `virtualenv-prefix`,
//! `virtualenv-delete` and `virtualenv`'s refusals with the same output, messages and
//! statuses.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use den_test_support::{output_with_input, pyenv_versions_dir, require};

/// The installed pyenv (`$PYENV_ROOT`, else `~/.pyenv`) when it has its `libexec` commands
/// and the pyenv-virtualenv plugin (`$DEN_TEST_PYENV_VIRTUALENV`, else its `plugins/`), as
/// `(pyenv root, plugin)`.
fn pyenv_with_plugin() -> Option<(PathBuf, PathBuf)> {
    let root = pyenv_versions_dir()?.parent()?.to_path_buf();
    let plugin = std::env::var_os("DEN_TEST_PYENV_VIRTUALENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("plugins/pyenv-virtualenv"));
    (root.join("libexec/pyenv-version-name").is_file()
        && plugin.join("bin/pyenv-virtualenv").is_file())
    .then_some((root, plugin))
}

/// The plugin's hook directory, as pyenv's `pyenv` puts it on `PYENV_HOOK_PATH`.
fn plugin_hooks() -> String {
    pyenv_with_plugin()
        .map(|(_, plugin)| plugin.join("etc/pyenv.d").display().to_string())
        .unwrap_or_default()
}

/// One pyenv root shared by the plugin and den, with a copy (hard links) of a real pyenv
/// CPython as its only version.
struct Setup {
    dir: tempfile::TempDir,
    version: String,
    real_path: String,
    den_path: String,
}

impl Setup {
    /// The setup, or (reported by [`require`]) `None` when pyenv, the plugin or a CPython
    /// 3.12 is missing, so `unchecked` is not checked.
    fn required(unchecked: &str) -> Option<Self> {
        let (pyenv, plugin) = require(
            pyenv_with_plugin(),
            "pyenv with the pyenv-virtualenv plugin (~/.pyenv/plugins/pyenv-virtualenv, or \
             DEN_TEST_PYENV_VIRTUALENV)",
            unchecked,
        )?;
        require(
            Self::new(&pyenv, &plugin),
            "a pyenv CPython 3.12",
            unchecked,
        )
    }

    fn new(pyenv: &Path, plugin: &Path) -> Option<Self> {
        let (version, prefix) = den_test_support::pyenv_versions()
            .into_iter()
            .find(|(name, prefix)| name.starts_with("3.12") && !prefix.is_symlink())?;
        let dir = tempfile::tempdir().unwrap();
        let versions = dir.path().join("root/versions");
        fs::create_dir_all(&versions).unwrap();
        let copied = Command::new("cp")
            .arg("-al")
            .arg(&prefix)
            .arg(versions.join(&version))
            .status()
            .unwrap()
            .success()
            || Command::new("cp")
                .arg("-a")
                .arg(&prefix)
                .arg(versions.join(&version))
                .status()
                .unwrap()
                .success();
        assert!(copied, "copying {} failed", prefix.display());
        let bin = dir.path().join("bin");
        fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_den"), bin.join("pyenv")).unwrap();
        let system = "/usr/bin:/bin";
        let python_build = pyenv.join("plugins/python-build/bin");
        Some(Self {
            real_path: format!(
                "{}:{}:{}:{system}",
                plugin.join("bin").display(),
                pyenv.join("libexec").display(),
                python_build.display()
            ),
            den_path: format!("{}:{system}", bin.display()),
            dir,
            version,
        })
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }

    fn versions(&self) -> PathBuf {
        self.root().join("versions")
    }

    /// `pyenv COMMAND ARGS` as the plugin (`real`) or den answers it, stdin `input`.
    fn run(&self, real: bool, args: &[&str], input: &str) -> Output {
        self.run_with(real, args, input, &[])
    }

    /// [`Self::run`] with the variables `vars` set (none of pyenv's and pyenv-virtualenv's
    /// is otherwise).
    fn run_with(&self, real: bool, args: &[&str], input: &str, vars: &[(&str, &str)]) -> Output {
        let mut command = match real {
            true => {
                let mut command = Command::new(format!("pyenv-{}", args[0]));
                command.args(&args[1..]).env("PATH", &self.real_path);
                command
            }
            false => {
                let mut command = Command::new("pyenv");
                command.args(args).env("PATH", &self.den_path);
                command
            }
        };
        command
            .current_dir(self.dir.path())
            .env("PYENV_ROOT", self.root())
            .env("DEN_CACHE_DIR", self.dir.path().join("den-cache"))
            .env_remove("PYENV_VERSION")
            .env_remove("PYENV_DIR")
            .env_remove("VIRTUAL_ENV")
            .env_remove("PYENV_VIRTUAL_ENV")
            .env_remove("PYENV_VIRTUALENV_INIT")
            .envs(vars.iter().copied());
        output_with_input(&mut command, input)
    }

    /// The status, stdout and stderr of one answer.
    fn answer(&self, real: bool, args: &[&str], input: &str) -> String {
        self.describe(&self.run(real, args, input))
    }

    /// [`Self::answer`] with `PYENV_VERSION` set to `selected`.
    fn answer_selected(&self, real: bool, args: &[&str], selected: &str) -> String {
        self.describe(&self.run_with(real, args, "", &[("PYENV_VERSION", selected)]))
    }

    /// The status, stdout and stderr of `output`, the temporary directory shown as `DIR`.
    fn describe(&self, output: &Output) -> String {
        format!(
            "status {:?}\nstdout:\n{}stderr:\n{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
        .replace(&self.dir.path().display().to_string(), "DIR")
    }

    /// Asserts the plugin and den answer `args` alike.
    fn same(&self, args: &[&str]) {
        let real = self.answer(true, args, "");
        let den = self.answer(false, args, "");
        assert_eq!(
            den,
            real,
            "`pyenv {}`: den (left) and the plugin differ",
            args.join(" ")
        );
    }

    /// Creates `name` from `from` with the plugin (`real`) or den, which must succeed.
    fn create(&self, real: bool, from: &str, name: &str) {
        let output = self.run(real, &["virtualenv", from, name], "");
        assert!(
            output.status.success(),
            "`pyenv virtualenv {from} {name}` ({}) failed: {}",
            if real { "plugin" } else { "den" },
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// What one environment made under `versions/VERSION/envs/NAME` looks like: its link,
    /// its `pydoc`, its `-config` links, and whether its python runs pip from inside it; the
    /// names of it and of the environment it was made from (`from`) masked.
    fn layout(&self, name: &str, from: &str) -> Vec<String> {
        let env = self.versions().join(&self.version).join("envs").join(name);
        let link = fs::read_link(self.versions().join(name)).ok();
        let bin = env.join("bin");
        let pydoc = fs::read_to_string(bin.join("pydoc")).unwrap_or_default();
        let mut configs: Vec<String> = fs::read_dir(&bin)
            .unwrap()
            .filter_map(Result::ok)
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|file| file.ends_with("-config"))
            .map(|file| {
                let target = fs::read_link(bin.join(&file)).unwrap_or_default();
                format!("{file} -> {}", target.display())
            })
            .collect();
        configs.sort();
        let probe = Command::new(bin.join("python"))
            .args([
                "-c",
                "import sys, pip; print(sys.prefix == sys.base_prefix)",
            ])
            .output()
            .unwrap();
        let mut layout = vec![
            format!(
                "link -> {}",
                link.map_or(PathBuf::new(), |l| l.to_path_buf()).display()
            ),
            format!("pydoc runs {}", pydoc.lines().next().unwrap_or_default()),
            format!("pip imports: {}", probe.status.success()),
            format!(
                "isolated: {}",
                String::from_utf8_lossy(&probe.stdout).trim() == "False"
            ),
        ];
        layout.extend(configs);
        layout
            .into_iter()
            .map(|line| line.replace(name, "NAME").replace(from, "FROM"))
            .collect()
    }
}

#[test]
fn den_makes_lists_and_deletes_environments_as_pyenv_virtualenv_does() {
    let Some(setup) = Setup::required("den pyenv virtualenv* against pyenv-virtualenv") else {
        return;
    };
    let version = setup.version.as_str();

    setup.create(true, version, "real-env");
    setup.create(false, version, "den-env");
    let real = setup.layout("real-env", version);
    assert_eq!(setup.layout("den-env", version), real);
    assert!(real.contains(&"pip imports: true".to_string()), "{real:?}");

    // An environment made from an environment goes beside it, under the base version.
    setup.create(true, "real-env", "real-child");
    setup.create(false, "den-env", "den-child");
    assert_eq!(
        setup.layout("den-child", "den-env"),
        setup.layout("real-child", "real-env")
    );

    for args in [
        &["virtualenvs"][..],
        &["virtualenvs", "--bare"],
        &["virtualenvs", "--skip-aliases"],
        &["virtualenvs", "--frobnicate"],
        &["virtualenv-prefix", "real-env"],
        &["virtualenv-prefix", "den-env"],
        &["virtualenv-prefix", &format!("{version}/envs/den-child")],
        &["virtualenv-prefix", version],
        &["virtualenv-prefix", "system"],
        &["virtualenv-prefix", "nope"],
        &["virtualenv"],
        &["virtualenv", version, "system"],
        &["virtualenv", version, "a b"],
        &["virtualenv", version, "a/b"],
        &["virtualenv", "3.99", "x"],
        &["virtualenv", version, "den-env"],
        &["virtualenv-delete", "nope"],
        &["virtualenv-delete", "-f", "nope"],
        &["virtualenv-delete", version],
    ] {
        setup.same(args);
    }
    // `which` in an environment: a program only its base has is found there when the
    // environment sees the base's site-packages (pyenv-virtualenv's `which` hooks; the
    // plugin's run through PYENV_HOOK_PATH, den does their work itself).
    let output = setup.run(
        false,
        &["virtualenv", "--system-site-packages", version, "den-ssp"],
        "",
    );
    assert!(output.status.success(), "{output:?}");
    let hook_path = plugin_hooks();
    let which = |real: bool, env: &str, program: &str| {
        let vars = [
            ("PYENV_VERSION", env),
            ("PYENV_HOOK_PATH", hook_path.as_str()),
        ];
        setup.describe(&setup.run_with(real, &["which", program], "", &vars))
    };
    for program in ["idle3.12", "python3.12-config", "nope"] {
        assert_eq!(
            which(false, "den-env", program),
            which(true, "den-env", program),
            "`pyenv which {program}` in den-env"
        );
    }
    // With --system-site-packages the plugin's hook answers the base's `bin/` directory for
    // any program not in the environment (pyenv's `system` step leaves it an empty path to
    // take the name from); den answers what the hook means.
    assert!(which(true, "den-ssp", "nope").contains("/bin/\n"));
    let base = setup.versions().join(version).join("bin/idle3.12");
    let found = format!("status Some(0)\nstdout:\n{}\nstderr:\n", base.display());
    let dir = setup.dir.path().display().to_string();
    assert_eq!(
        which(false, "den-ssp", "idle3.12"),
        found.replace(&dir, "DIR")
    );
    assert_eq!(
        which(false, "den-ssp", "nope"),
        "status Some(127)\nstdout:\nstderr:\npyenv: nope: command not found\n"
    );
    let den_ssp = setup.versions().join(version).join("envs/den-ssp");
    fs::remove_dir_all(den_ssp).unwrap();
    fs::remove_file(setup.versions().join("den-ssp")).unwrap();

    // The selected environments are marked, with where the selection comes from.
    let selected = |real| setup.answer_selected(real, &["virtualenvs"], "den-env:real-env");
    assert_eq!(selected(false), selected(true));
    assert!(
        selected(false).contains("* den-env --> "),
        "{}",
        selected(false)
    );

    // An existing environment whose link is gone: asked, and a "no" leaves it as it was.
    fs::remove_file(setup.versions().join("real-env")).unwrap();
    fs::remove_file(setup.versions().join("den-env")).unwrap();
    let declined = |real: bool, name: &str| {
        setup
            .answer(real, &["virtualenv", version, name], "n\n")
            .replace(name, "NAME")
    };
    assert_eq!(declined(false, "den-env"), declined(true, "real-env"));
    assert!(
        setup
            .versions()
            .join(version)
            .join("envs/den-env/bin/python")
            .exists(),
        "a declined virtualenv must keep the environment"
    );

    // Deleting by short name (asked, "y"), and by long name with -f: environment and link go.
    for (real, child, env) in [
        (true, "real-child", "real-env"),
        (false, "den-child", "den-env"),
    ] {
        let output = setup.run(real, &["virtualenv-delete", child], "y\n");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let long = format!("{version}/envs/{env}");
        let output = setup.run(real, &["virtualenv-delete", "-f", &long], "");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let left: Vec<String> = fs::read_dir(setup.versions())
        .unwrap()
        .chain(fs::read_dir(setup.versions().join(version).join("envs")).unwrap())
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec![version.to_string()], "left behind: {left:?}");
}

/// A command line and the variables set for it.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);

/// `text` without comment lines, end-of-line comments and trailing blanks: the plugin's fish
/// code carries comments den's leaves out.
fn code_only(text: &str) -> String {
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .map(|line| line.split("  #").next().unwrap_or(line).trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts den and the plugin answer each of `cases` with the same code (comments aside) for
/// bash and for fish.
fn assert_code_alike(setup: &Setup, cases: &[Case<'_>]) {
    for shell in ["bash", "fish"] {
        for (args, vars) in cases {
            let answer = |real: bool| {
                let vars: Vec<(&str, &str)> = [("PYENV_SHELL", shell)]
                    .into_iter()
                    .chain(vars.iter().copied())
                    .collect();
                setup.describe(&setup.run_with(real, args, "", &vars))
            };
            assert_eq!(
                code_only(&answer(false)),
                code_only(&answer(true)),
                "`pyenv {}` in {shell} with {vars:?}: den (left) and the plugin differ",
                args.join(" ")
            );
        }
    }
}

#[test]
fn activation_code_is_the_plugins_and_activates_from_python_version_at_the_prompt() {
    let Some(setup) =
        Setup::required("den pyenv sh-activate/sh-deactivate against pyenv-virtualenv's")
    else {
        return;
    };
    let version = setup.version.clone();
    setup.create(false, &version, "one");
    setup.create(false, &version, "two");
    let project = setup.dir.path().join("project");
    fs::create_dir_all(project.join("sub")).unwrap();
    fs::write(project.join(".python-version"), "one\n").unwrap();
    let one = setup.versions().join(&version).join("envs/one");
    let one = one.to_str().unwrap();

    // The code for `pyenv activate` / `deactivate`, in each shell's syntax, under the
    // variables that change it.
    let cases: &[Case<'_>] = &[
        (&["sh-activate", "one"], &[]),
        (&["sh-activate", "-v", "one"], &[]),
        (&["sh-activate", "--quiet", "nope"], &[]),
        (&["sh-activate", "nope"], &[]),
        (&["sh-activate", "one", "two"], &[]),
        (&["sh-activate", "one", &version], &[]),
        (&["sh-activate", "one"], &[("VIRTUAL_ENV", "/elsewhere")]),
        (
            &["sh-activate", "-f", "one"],
            &[("VIRTUAL_ENV", "/elsewhere")],
        ),
        (
            &["sh-activate", "one"],
            &[("VIRTUAL_ENV", one), ("PYENV_VIRTUAL_ENV", one)],
        ),
        (
            &["sh-activate", "one"],
            &[
                ("PYTHONHOME", "/home"),
                ("PYENV_VIRTUALENV_PROMPT", "[{venv}]"),
            ],
        ),
        (
            &["sh-activate", "one"],
            &[("VIRTUAL_ENV_DISABLE_PROMPT", "1")],
        ),
        (&["sh-activate", "--unset"], &[("VIRTUAL_ENV", one)]),
        (&["sh-activate", "--complete"], &[]),
        (&["sh-deactivate"], &[]),
        (&["sh-deactivate", "-f"], &[]),
        (
            &["sh-deactivate", "-v"],
            &[("VIRTUAL_ENV", one), ("PYENV_ACTIVATE_SHELL", "1")],
        ),
        (&["virtualenv-init"], &[]),
    ];
    assert_code_alike(&setup, cases);

    // In each shell: `pyenv activate`/`deactivate` through `den init`'s function, and the
    // prompt hook of `virtualenv-init` activating what `.python-version` names and
    // deactivating on the way out.
    let den_dir = Path::new(env!("CARGO_BIN_EXE_den")).parent().unwrap();
    let report = r#"echo "$1:${VIRTUAL_ENV-}:${PYENV_VERSION-}:$(python -c 'import sys; print(sys.prefix)')""#;
    let posix = |shell: &str, prompt: &str| {
        format!(
            "report() {{ {report}; }}\n\
             eval \"$(den init {shell})\"\n\
             eval \"$(pyenv virtualenv-init - {shell})\"\n\
             pyenv activate two; report activated\n\
             pyenv deactivate; report deactivated\n\
             cd project/sub; {prompt}; report entered\n\
             cd ../..; {prompt}; report left\n"
        )
    };
    let fish = "function report; echo \"$argv[1]:$VIRTUAL_ENV:$PYENV_VERSION:\"(python -c \
                'import sys; print(sys.prefix)'); end\n\
                den init fish | source\n\
                pyenv virtualenv-init - fish | source\n\
                pyenv activate two; report activated\n\
                pyenv deactivate; report deactivated\n\
                cd project/sub; emit fish_prompt >/dev/null; report entered\n\
                cd ../..; emit fish_prompt >/dev/null; report left\n"
        .to_string();
    let two = setup.versions().join(&version).join("envs/two");
    let base = setup.versions().join(&version);
    // Python runs through the shims from `versions/NAME`, the link, as under pyenv itself.
    let through_link = |name: &str| setup.versions().join(name).display().to_string();
    let expected = [
        format!("activated:{}:two:{}", two.display(), through_link("two")),
        format!("deactivated:::{}", base.display()),
        format!("entered:{one}::{}", through_link("one")),
        format!("left:::{}", base.display()),
    ];
    for (shell, script) in [
        ("bash", posix("bash", "eval \"$PROMPT_COMMAND\"")),
        (
            "zsh",
            posix("zsh", "for f in $precmd_functions; do $f; done"),
        ),
        ("fish", fish),
    ] {
        let Some(program) = den_test_support::require_program(
            shell,
            &format!("pyenv-virtualenv's activation through den in {shell}"),
        ) else {
            continue;
        };
        fs::write(setup.root().join("version"), format!("{version}\n")).unwrap();
        let out = Command::new(program)
            .arg("-c")
            .arg(&script)
            .current_dir(setup.dir.path())
            .env_clear()
            .env("HOME", setup.dir.path())
            .env("PYENV_ROOT", setup.root())
            .env("DEN_CACHE_DIR", setup.dir.path().join("den-cache"))
            .env("PATH", format!("{}:/usr/bin:/bin", den_dir.display()))
            .output()
            .unwrap();
        // fish turns bracketed paste on and off around its prompt event on stdout.
        let stdout = String::from_utf8_lossy(&out.stdout)
            .replace("\x1b[?2004h", "")
            .replace("\x1b[?2004l", "");
        assert_eq!(
            stdout
                .lines()
                .filter(|line| !line.is_empty())
                .collect::<Vec<_>>(),
            expected,
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Writes `text` to `path` (its directory made), executable when `executable`.
fn write_file(path: &Path, text: &str, executable: bool) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
    if executable {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// A conda installation and an environment in it, laid out as conda lays them out (no conda
/// run: `conda-meta`, `bin/conda`, the scripts packages install under `etc/`), activated and
/// deactivated: den writes the plugin's code (`CONDA_DEFAULT_ENV`, `CONDA_PREFIX`, the
/// `activate.d`, `profile.d`, fish `conf.d` and `deactivate.d` scripts), and bash running
/// den's code runs the scripts.
#[test]
fn conda_environments_activate_as_the_plugin_activates_them() {
    let Some(setup) = Setup::required("den pyenv sh-activate of conda environments") else {
        return;
    };
    let python = setup.versions().join(&setup.version).join("bin/python3");
    let conda = setup.versions().join("miniconda3-fake");
    let env = conda.join("envs/cenv");
    for prefix in [&conda, &env] {
        fs::create_dir_all(prefix.join("conda-meta")).unwrap();
        fs::create_dir_all(prefix.join("bin")).unwrap();
        std::os::unix::fs::symlink(&python, prefix.join("bin/python")).unwrap();
    }
    write_file(&conda.join("bin/activate"), "", false);
    write_file(&conda.join("bin/conda"), "#!/bin/sh\n", true);
    write_file(
        &conda.join("etc/profile.d/conda.sh"),
        "export FROM_ROOT_PROFILE=1\n",
        false,
    );
    let scripts = [
        ("etc/conda/activate.d/b.sh", "export ORDER=\"${ORDER-}b\"\n"),
        ("etc/conda/activate.d/a.sh", "export ORDER=\"${ORDER-}a\"\n"),
        ("etc/conda/activate.d/.hidden.sh", "export HIDDEN=1\n"),
        ("etc/conda/activate.d/notes.txt", "export NOTES=1\n"),
        ("etc/profile.d/p.sh", "export ORDER=\"${ORDER-}p\"\n"),
        ("etc/conda/deactivate.d/z.sh", "export DEACTIVATED=z\n"),
        ("etc/fish/conf.d/f.fish", "set -gx FISHY 1\n"),
    ];
    for (name, text) in scripts {
        write_file(&env.join(name), text, false);
    }
    let env_text = env.to_str().unwrap();
    let conda_text = conda.to_str().unwrap();
    let cases: &[Case<'_>] = &[
        (&["sh-activate", "miniconda3-fake/envs/cenv"], &[]),
        (&["sh-activate", "miniconda3-fake"], &[]),
        (
            &["sh-deactivate"],
            &[("VIRTUAL_ENV", env_text), ("CONDA_DEFAULT_ENV", "cenv")],
        ),
        // From the environment to the installation: cenv's deactivation comes first.
        (
            &["sh-activate", "miniconda3-fake"],
            &[
                ("VIRTUAL_ENV", env_text),
                ("PYENV_VIRTUAL_ENV", env_text),
                ("CONDA_DEFAULT_ENV", "cenv"),
            ],
        ),
    ];
    assert_code_alike(&setup, cases);

    // bash runs den's code: the scripts in order, hidden and other files left alone.
    let Some(bash) = den_test_support::require_program("bash", "conda activation run in bash")
    else {
        return;
    };
    let den = |args: &[&str], vars: &[(&str, &str)]| {
        let mut all = vec![("PYENV_SHELL", "bash")];
        all.extend_from_slice(vars);
        String::from_utf8(setup.run_with(false, args, "", &all).stdout).unwrap()
    };
    let activate = den(&["sh-activate", "miniconda3-fake/envs/cenv"], &[]);
    let deactivate = den(
        &["sh-deactivate"],
        &[("VIRTUAL_ENV", env_text), ("CONDA_DEFAULT_ENV", "cenv")],
    );
    let root = den(&["sh-activate", "miniconda3-fake"], &[]);
    let script = format!(
        "{activate}\necho \"$CONDA_DEFAULT_ENV:$CONDA_PREFIX:$ORDER:${{HIDDEN-}}${{NOTES-}}\"\n\
         {deactivate}\necho \"${{CONDA_DEFAULT_ENV-unset}}:${{CONDA_PREFIX-unset}}:$DEACTIVATED\"\n\
         {root}\necho \"$CONDA_DEFAULT_ENV:$CONDA_PREFIX:${{FROM_ROOT_PROFILE-}}\"\n"
    );
    let out = Command::new(bash)
        .arg("-c")
        .arg(&script)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("cenv:{env_text}:abp:\nunset:unset:z\nroot:{conda_text}:1\n"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A pyenv root of empty stand-ins under `dir`: `3.12.1` with environments `tools` and
/// `lint`, its alias `3.12` (relative, as den makes it) and the link `tools`; `3.5.10` with
/// `foo` and `bar` and their links (absolute, as the plugin makes them); `3.6.0`.
fn stand_in_root(dir: &Path) -> PathBuf {
    let root = dir.join("root");
    let versions = root.join("versions");
    for path in [
        "3.12.1/bin",
        "3.12.1/envs/tools/bin",
        "3.12.1/envs/lint/bin",
        "3.5.10/bin",
        "3.5.10/envs/foo/bin",
        "3.5.10/envs/bar/bin",
        "3.6.0/bin",
    ] {
        fs::create_dir_all(versions.join(path)).unwrap();
    }
    std::os::unix::fs::symlink("3.12.1", versions.join("3.12")).unwrap();
    for (link, env) in [
        ("tools", "3.12.1/envs/tools"),
        ("foo", "3.5.10/envs/foo"),
        ("bar", "3.5.10/envs/bar"),
    ] {
        std::os::unix::fs::symlink(versions.join(env), versions.join(link)).unwrap();
    }
    root
}

/// Every path under `dir`, links not followed, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in fs::read_dir(&next).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            found.push(path.strip_prefix(dir).unwrap().display().to_string());
            if entry.file_type().unwrap().is_dir() {
                pending.push(path);
            }
        }
    }
    found.sort();
    found
}

/// `versions`, `virtualenvs` and `uninstall` (with the plugin's uninstall hook) on a root of
/// stand-ins: den answers as pyenv with pyenv-virtualenv does, and leaves the same tree.
#[test]
fn den_lists_and_uninstalls_environments_as_pyenv_with_the_plugin_does() {
    let Some((pyenv, plugin)) = require(
        pyenv_with_plugin(),
        "pyenv with the pyenv-virtualenv plugin (~/.pyenv/plugins/pyenv-virtualenv, or \
         DEN_TEST_PYENV_VIRTUALENV)",
        "den's pyenv versions, virtualenvs and uninstall against pyenv-virtualenv's",
    ) else {
        return;
    };
    let cases: &[(&[&str], &str)] = &[
        (&["versions", "--bare"], ""),
        (&["versions", "--skip-aliases"], ""),
        (&["versions", "--bare", "--skip-aliases"], ""),
        (&["virtualenvs", "--bare"], ""),
        (&["virtualenvs", "--bare", "--skip-aliases"], ""),
        // Stand-ins are not environments: the plugin stops at the first.
        (&["virtualenvs"], ""),
        (&["uninstall", "-f", "3.5.10"], ""),
        (&["uninstall", "-f", "foo"], ""),
        (&["uninstall", "-f", "3.5.10/envs/foo"], ""),
        (&["uninstall", "-f", "3.6.0", "nope", "3.5.10"], ""),
        // Without a terminal the questions are not shown; each environment is asked about.
        (&["uninstall", "3.6.0"], "y\n"),
        (&["uninstall", "3.6.0"], "n\n"),
        (&["uninstall", "3.5.10"], "y\ny\ny\n"),
        (&["uninstall", "3.5.10"], "y\nn\n"),
        (&["uninstall", "foo"], "y\n"),
        (&["uninstall", "foo"], "y\ny\n"),
    ];
    let den = Path::new(env!("CARGO_BIN_EXE_den"));
    let hooks = plugin.join("etc/pyenv.d");
    let path = format!("{}:/usr/bin:/bin", plugin.join("bin").display());
    for (args, input) in cases {
        let answers: Vec<String> = [true, false]
            .into_iter()
            .map(|real| {
                let dir = tempfile::tempdir().unwrap();
                let dir = dir.path().canonicalize().unwrap();
                let root = stand_in_root(&dir);
                let mut command = match real {
                    true => Command::new(pyenv.join("libexec/pyenv")),
                    false => {
                        let mut command = Command::new(den);
                        command.arg("pyenv");
                        command
                    }
                };
                command
                    .args(*args)
                    .current_dir(&dir)
                    .env("PATH", &path)
                    .env("PYENV_ROOT", &root)
                    .env("PYENV_HOOK_PATH", &hooks)
                    .env("HOME", &dir)
                    .env_remove("PYENV_VERSION")
                    .env_remove("PYENV_DIR");
                let output = output_with_input(&mut command, input);
                format!(
                    "status {:?}\nstdout:\n{}stderr:\n{}left: {:?}\n",
                    output.status.code(),
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr),
                    tree(&root.join("versions"))
                )
                .replace(&dir.display().to_string(), "DIR")
            })
            .collect();
        assert_eq!(
            answers[1],
            answers[0],
            "`pyenv {}` with input {input:?}: den (left) and pyenv differ",
            args.join(" ")
        );
    }
}
