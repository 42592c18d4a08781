//! Test helpers: fake interpreters (shell scripts printing canned query answers) and fake
//! pyenv trees, so discovery can be tested without real Pythons.

use std::fs;
use std::path::{Path, PathBuf};

/// Makes `path` an executable script.
pub(crate) fn write_script(path: &Path, body: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, format!("#!/bin/sh\n{body}")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// The JSON `query_interpreter.py` would print for a CPython (`implementation` `cpython`) or
/// PyPy (`pypy`) at `version` installed in `prefix`.
pub(crate) fn facts_json(implementation: &str, version: &str, prefix: &Path) -> String {
    let parts: Vec<&str> = version.split('.').collect();
    let (major, minor) = (parts[0], parts[1]);
    let prefix = prefix.display();
    let lib = format!("{prefix}/lib/python{major}.{minor}");
    let (display, abi) = match implementation {
        "pypy" => ("PyPy", format!("pypy{major}{minor}_pp73")),
        _ => ("CPython", format!("cp{major}{minor}")),
    };
    format!(
        r##"{{"executable": "{prefix}/bin/python3", "base_executable": "{prefix}/bin/python3",
"implementation_name": "{implementation}", "implementation_display": "{display}",
"version": "{version}", "major": {major}, "minor": {minor},
"prefix": "{prefix}", "base_prefix": "{prefix}", "base_exec_prefix": "{prefix}",
"paths": {{"purelib": "{lib}/site-packages", "platlib": "{lib}/site-packages",
  "scripts": "{prefix}/bin", "data": "{prefix}", "include": "{prefix}/include/python{major}.{minor}",
  "stdlib": "{lib}"}},
"abi_tag": "{abi}", "platform": {{"os": "linux", "arch": "x86_64", "libc": {{"kind": "glibc", "major": 2, "minor": 36}}}},
"pointer_size": 64, "gil_disabled": false,
"markers": {{"implementation_name": "{implementation}", "implementation_version": "{version}",
  "os_name": "posix", "platform_machine": "x86_64", "platform_python_implementation": "{display}",
  "platform_release": "6.1.0", "platform_system": "Linux", "platform_version": "#1 SMP",
  "python_full_version": "{version}", "python_version": "{major}.{minor}", "sys_platform": "linux"}}}}"##
    )
}

/// Writes a fake CPython `version` at `path` (prefix: two levels up) that appends a line to
/// `path` + `.runs` each time it runs.
pub(crate) fn fake_python(path: &Path, version: &str) {
    fake_interpreter(path, "cpython", version);
}

/// Like [`fake_python`] for any implementation name.
pub(crate) fn fake_interpreter(path: &Path, implementation: &str, version: &str) {
    let prefix = path.parent().and_then(Path::parent).unwrap();
    let json = facts_json(implementation, version, prefix);
    let runs = runs_file(path);
    write_script(
        path,
        &format!(
            "echo run >> '{}'\ncat <<'JSON'\n{json}\nJSON\n",
            runs.display()
        ),
    );
}

/// A fake free-threaded CPython `version` (PEP 703) at `path`.
pub(crate) fn fake_free_threaded(path: &Path, version: &str) {
    let prefix = path.parent().and_then(Path::parent).unwrap();
    let json = facts_json("cpython", version, prefix)
        .replace(r#""gil_disabled": false"#, r#""gil_disabled": true"#)
        .replace(r#""abi_tag": "cp313""#, r#""abi_tag": "cp313t""#);
    write_script(path, &format!("cat <<'JSON'\n{json}\nJSON\n"));
}

/// How many times the fake interpreter at `path` ran.
pub(crate) fn runs(path: &Path) -> usize {
    fs::read_to_string(runs_file(path))
        .map(|text| text.lines().count())
        .unwrap_or(0)
}

fn runs_file(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".runs");
    PathBuf::from(name)
}
