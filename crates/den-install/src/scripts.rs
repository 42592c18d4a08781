//! Scripts: `console_scripts` / `gui_scripts` entry points (Entry points specification,
//! packaging.python.org/specifications/entry-points) turned into launcher files, and
//! `#!python` shebang rewriting for `.data/scripts/` (PEP 427 §Recommended installer
//! features).

use std::path::Path;

use crate::{InstallError, InstallTarget};

/// The launcher template: placeholders `{shebang}`, `{module}`, `{import_name}`, `{callable}`.
const LAUNCHER_TEMPLATE: &str = include_str!("launcher.py");

/// Longest shebang line Linux executes whole (`BINPRM_BUF_SIZE` on older kernels, which pip
/// also assumes); longer interpreter paths use the `/bin/sh` trampoline.
const MAX_SHEBANG: usize = 127;

/// One script to generate: `name = module:attr` in a `[console_scripts]` or `[gui_scripts]`
/// section of `entry_points.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScriptEntryPoint {
    /// The script's file name in the scripts directory.
    pub name: String,
    /// Dotted module path to import.
    pub module: String,
    /// Dotted attribute path inside the module; its value is called with no arguments.
    pub attr: String,
}

impl ScriptEntryPoint {
    /// The launcher file content, starting with the `shebang` header
    /// ([`InstallTarget::shebang`]).
    pub(crate) fn launcher(&self, shebang: &str) -> String {
        let import_name = self.attr.split('.').next().unwrap_or(&self.attr);
        LAUNCHER_TEMPLATE
            .replace("{shebang}", shebang)
            .replace("{module}", &self.module)
            .replace("{import_name}", import_name)
            .replace("{callable}", &self.attr)
    }
}

/// Reads the `[console_scripts]` and `[gui_scripts]` sections of an `entry_points.txt` (INI:
/// `[section]` headers, `name = module:attr [extras]` lines, `#`/`;` comments). Extras are
/// ignored. `path` is used in error messages. POSIX has no console/GUI split, so both
/// groups produce the same kind of launcher. Kept by hand rather than an INI crate: pip reads
/// this file with `importlib.metadata`'s line parser, not `configparser` (no `key: value`, no
/// continuation lines, script names keep their case), which these few lines follow.
///
/// Errors: [`InstallError::EntryPoint`] naming the line when a script entry has no `=`, no
/// `:attr`, a module or attribute that is not a dotted Python identifier, or a name that is
/// not a plain file name (`/`, `..`).
pub(crate) fn parse_script_entry_points(
    text: &str,
    path: &Path,
) -> Result<Vec<ScriptEntryPoint>, InstallError> {
    let mut scripts = Vec::new();
    let mut in_scripts = false;
    for (index, raw) in text.lines().enumerate() {
        let error = |reason: String| InstallError::EntryPoint {
            path: path.to_path_buf(),
            line: index + 1,
            reason,
        };
        let line = raw.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            in_scripts = matches!(section.trim(), "console_scripts" | "gui_scripts");
            continue;
        }
        if !in_scripts {
            continue;
        }
        let (name, value) = line
            .split_once('=')
            .ok_or_else(|| error(format!("expected `name = module:attr`, found `{line}`")))?;
        let name = name.trim();
        if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\\', '\0']) {
            return Err(error(format!(
                "script name `{name}` is not a plain file name"
            )));
        }
        // Drop `[extras]`: they only matter to the resolver.
        let reference = value.split('[').next().unwrap_or(value).trim();
        let (module, attr) = reference.split_once(':').ok_or_else(|| {
            error(format!(
                "script `{name}` points at `{reference}`, which has no `:function` part"
            ))
        })?;
        let (module, attr) = (module.trim(), attr.trim());
        for (what, dotted) in [("module", module), ("attribute", attr)] {
            if !is_dotted_identifier(dotted) {
                return Err(error(format!(
                    "script `{name}`: {what} `{dotted}` is not a dotted Python identifier"
                )));
            }
        }
        scripts.push(ScriptEntryPoint {
            name: name.to_string(),
            module: module.to_string(),
            attr: attr.to_string(),
        });
    }
    Ok(scripts)
}

/// Renames version-specific launchers the way pip does for the two projects that ship them:
/// when a `pip` script exists, every `pipX` / `pipX.Y` script is dropped and `pip<major>` and
/// `pip<major>.<minor>` of the target interpreter are added (pip's wheel says `pip3.11`
/// whatever Python installs it); likewise `easy_install-<major>.<minor>` for `easy_install`.
pub(crate) fn apply_versioned_names(scripts: &mut Vec<ScriptEntryPoint>, (major, minor): (u8, u8)) {
    let families = [
        (
            "pip",
            "",
            vec![format!("pip{major}"), format!("pip{major}.{minor}")],
        ),
        (
            "easy_install",
            "-",
            vec![format!("easy_install-{major}.{minor}")],
        ),
    ];
    for (base, separator, versioned) in families {
        let Some(main) = scripts.iter().find(|s| s.name == base).cloned() else {
            continue;
        };
        scripts.retain(|s| !is_version_suffixed(&s.name, base, separator));
        scripts.extend(versioned.into_iter().map(|name| ScriptEntryPoint {
            name,
            ..main.clone()
        }));
    }
}

/// `name` is `<base><separator><N>` or `<base><separator><N>.<M>` (digits).
fn is_version_suffixed(name: &str, base: &str, separator: &str) -> bool {
    let Some(version) = name
        .strip_prefix(base)
        .and_then(|rest| rest.strip_prefix(separator))
    else {
        return false;
    };
    let parts: Vec<&str> = version.split('.').collect();
    parts.len() <= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `a.b_c.d`: non-empty identifier parts separated by dots.
fn is_dotted_identifier(s: &str) -> bool {
    s.split('.').all(|part| {
        part.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_alphanumeric() || c == '_')
    })
}

impl InstallTarget {
    /// The shebang header (possibly several lines, without the final newline) of the scripts
    /// installed into this target: for [`InstallTarget::python`] ([`shebang_with_args`]), or,
    /// in a relocatable environment, [`relative_shebang`] for the interpreter of that name
    /// beside the script.
    pub(crate) fn shebang(&self) -> String {
        if self.relocatable {
            let name = self.python.file_name().unwrap_or_default();
            relative_shebang(&name.to_string_lossy())
        } else {
            shebang_with_args(&self.python.to_string_lossy(), "")
        }
    }
}

/// The `/bin/sh` trampoline header (without the final newline) that runs a script with the
/// interpreter `name` in the script's own directory, wherever that is (symlinks to the script
/// resolved): `'''exec' "$(dirname -- "$(realpath -- "$0")")"/'<name>' "$0" "$@"`, which
/// Python reads as a string literal. The scripts of relocatable environments start so (the
/// form uv writes for them).
pub fn relative_shebang(name: &str) -> String {
    let quoted = name.replace('\'', "'\"'\"'");
    format!(
        "#!/bin/sh\n'''exec' \"$(dirname -- \"$(realpath -- \"$0\")\")\"/'{quoted}' \"$0\" \"$@\"\n' '''"
    )
}

/// The shebang header (without the final newline) that runs a script with `python` and the
/// interpreter options `args` (e.g. `-E`; empty for none): `#!<python> <args>` when the line
/// fits the kernel's limit (127 bytes) and the path has no whitespace, else pip's `/bin/sh`
/// trampoline (`'''exec' '<python>' "$0" "$@"`), which Python reads as a string literal; the
/// trampoline drops `args`.
pub fn shebang_with_args(python: &str, args: &str) -> String {
    let line = if args.is_empty() {
        format!("#!{python}")
    } else {
        format!("#!{python} {args}")
    };
    if line.len() <= MAX_SHEBANG && !python.contains(char::is_whitespace) {
        line
    } else {
        let quoted = python.replace('\'', "'\"'\"'");
        format!("#!/bin/sh\n'''exec' '{quoted}' \"$0\" \"$@\"\n' '''")
    }
}

/// If `content` starts with a `#!python...` line (`#!python`, `#!pythonw`, `#!python3`...,
/// the placeholder of PEP 427 §Recommended installer features, matched by prefix as pip
/// does), returns the content with that whole line replaced by the `shebang` header;
/// otherwise `None`.
pub(crate) fn rewrite_python_shebang(content: &[u8], shebang: &str) -> Option<Vec<u8>> {
    let rest = content.strip_prefix(b"#!python")?;
    let mut out = shebang.as_bytes().to_vec();
    out.push(b'\n');
    if let Some(end) = rest.iter().position(|&b| b == b'\n') {
        out.extend_from_slice(&rest[end + 1..]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_scripts_only() {
        let text = "[console_scripts]\ntool = pkg.cli:main [fancy]\n# note\n\
                    [gui_scripts]\ngui=pkg.gui:App.run\n[other]\nx = y\n";
        let scripts = parse_script_entry_points(text, Path::new("e.txt")).unwrap();
        assert_eq!(scripts.len(), 2);
        assert_eq!(scripts[0].module, "pkg.cli");
        assert_eq!(scripts[0].attr, "main");
        assert_eq!(scripts[1].name, "gui");
        let launcher = scripts[1].launcher("#!/env/bin/python");
        assert!(launcher.starts_with("#!/env/bin/python\n"));
        assert!(launcher.contains("from pkg.gui import App\n"));
        assert!(launcher.contains("sys.exit(App.run())"));
    }

    #[test]
    fn reads_a_real_entry_points_file() {
        // IPython's: the same names in `[console_scripts]` and `[pygments.lexers]`.
        let text = include_str!("../tests/fixtures/entry_points.ipython-8.12.3.txt");
        let scripts = parse_script_entry_points(text, Path::new("entry_points.txt")).unwrap();
        let expected = |name: &str| ScriptEntryPoint {
            name: name.to_string(),
            module: "IPython".to_string(),
            attr: "start_ipython".to_string(),
        };
        assert_eq!(scripts, [expected("ipython"), expected("ipython3")]);
    }

    #[test]
    fn versioned_pip_launchers_follow_the_target_python() {
        let text = "[console_scripts]\npip = pip._internal.cli.main:main\n\
                    pip3 = pip._internal.cli.main:main\npip3.11 = pip._internal.cli.main:main\n\
                    pipx-like = other:main\n";
        let mut scripts = parse_script_entry_points(text, Path::new("e.txt")).unwrap();
        apply_versioned_names(&mut scripts, (3, 12));
        let names: Vec<&str> = scripts.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["pip", "pipx-like", "pip3", "pip3.12"]);
        assert!(
            scripts
                .iter()
                .all(|s| s.name == "pipx-like" || s.module == "pip._internal.cli.main")
        );
    }

    #[test]
    fn rejects_bad_scripts() {
        for bad in [
            "[console_scripts]\n../evil = a:b\n",
            "[console_scripts]\nx = a\n",
            "[console_scripts]\nx = a;import os:b\n",
            "[console_scripts]\nno equals\n",
        ] {
            let err = parse_script_entry_points(bad, Path::new("e.txt")).unwrap_err();
            assert!(err.to_string().contains("line 2"), "{err}");
        }
    }

    #[test]
    fn rewrites_only_placeholder_shebangs() {
        let py = "#!/v/bin/python";
        assert_eq!(
            rewrite_python_shebang(b"#!pythonw -E\r\nprint(1)\n", py).unwrap(),
            b"#!/v/bin/python\nprint(1)\n"
        );
        assert_eq!(
            rewrite_python_shebang(b"#!python", py).unwrap(),
            b"#!/v/bin/python\n"
        );
        assert_eq!(
            rewrite_python_shebang(b"#!python3\nx\n", py).unwrap(),
            b"#!/v/bin/python\nx\n"
        );
        assert!(rewrite_python_shebang(b"#!/bin/sh\n", py).is_none());
    }

    #[test]
    fn target_shebangs() {
        let mut target = InstallTarget {
            scheme: crate::InstallScheme::for_prefix(
                Path::new("/a dir"),
                &crate::SchemePython {
                    version: (3, 12),
                    free_threaded: false,
                    virtualenv: true,
                },
            ),
            python: "/a dir/bin/python".into(),
            python_version: (3, 12),
            relocatable: false,
        };
        assert!(
            target
                .shebang()
                .starts_with("#!/bin/sh\n'''exec' '/a dir/bin/python'")
        );
        target.relocatable = true;
        assert_eq!(
            target.shebang(),
            "#!/bin/sh\n'''exec' \"$(dirname -- \"$(realpath -- \"$0\")\")\"/'python' \"$0\" \"$@\"\n' '''"
        );
    }
}
