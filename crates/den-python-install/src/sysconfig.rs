//! Rewriting a relocated CPython's build-time configuration to its real prefix:
//! [`fix_prefix`].
//!
//! python-build-standalone builds with `--prefix=/install`; a CPython packed from an
//! existing installation recorded that one's prefix. Either way the prefix recorded in
//! `_sysconfigdata_*.py` (`'prefix': '...'`) is the one replaced, in that file, the
//! `config-X.Y-*/Makefile`, `lib/pkgconfig/*.pc` and the `python*-config` shell scripts,
//! wherever it stands as a whole path or a path's beginning. The compilers
//! python-build-standalone names (`clang`, `musl-clang`, `/usr/bin/<triple>-gcc`) become the
//! system's `cc` / `c++` in the compiler variables, as uv does, so C extensions build with
//! what the machine has.

use std::fs;
use std::path::{Path, PathBuf};

use den_dist::IoResultExt;

use crate::InstallError;

/// The variables naming a C compiler or linker driver.
const C_COMPILER_VARIABLES: &[&str] = &["CC", "LDSHARED", "BLDSHARED", "LINKCC"];

/// The variables naming a C++ compiler.
const CXX_COMPILER_VARIABLES: &[&str] = &["CXX", "LDCXXSHARED"];

/// Rewrites the build-time configuration of the CPython at `prefix` (already at its final
/// path, or at the path it will be renamed to: `new_prefix`) so it names `new_prefix`. Returns
/// the prefix that was recorded, or `None` when there is no `_sysconfigdata_*.py` (nothing to
/// fix).
///
/// Errors: [`InstallError::Io`] when a file cannot be read or written.
pub fn fix_prefix(prefix: &Path, new_prefix: &Path) -> Result<Option<String>, InstallError> {
    let Some(data) = find_sysconfigdata(prefix) else {
        return Ok(None);
    };
    let text = fs::read_to_string(&data).at("read", &data)?;
    let Some(old) = recorded_prefix(&text) else {
        return Ok(None);
    };
    let new = new_prefix.display().to_string();
    let mut files = vec![data.clone()];
    if let Some(lib) = data.parent() {
        files.extend(
            read_dir(lib)
                .into_iter()
                .filter(|dir| file_name_starts(dir, "config-"))
                .map(|dir| dir.join("Makefile")),
        );
    }
    files.extend(
        read_dir(&prefix.join("lib/pkgconfig"))
            .into_iter()
            .filter(|file| file.extension().is_some_and(|ext| ext == "pc")),
    );
    files.extend(
        read_dir(&prefix.join("bin"))
            .into_iter()
            .filter(|file| file_name_starts(file, "python") && file_name_ends(file, "-config")),
    );
    for file in files {
        // Links (python3-config -> python3.12-config) are fixed through their target.
        if !fs::symlink_metadata(&file).is_ok_and(|m| m.is_file()) {
            continue;
        }
        let Ok(text) = fs::read_to_string(&file) else {
            continue; // a binary python-config (macOS framework builds): nothing to rewrite
        };
        let mut fixed = replace_prefix(&text, &old, &new);
        let is_data = file == data;
        let is_makefile = file.file_name().is_some_and(|n| n == "Makefile");
        if is_data || is_makefile {
            fixed = fix_compilers(&fixed, is_data);
        }
        if fixed != text {
            write_preserving_mode(&file, &fixed)?;
        }
    }
    // The cached bytecode of the old text would be used while its timestamp matched.
    if let (Some(lib), Some(stem)) = (data.parent(), data.file_stem()) {
        for pyc in read_dir(&lib.join("__pycache__")) {
            if file_name_starts(&pyc, &format!("{}.", stem.to_string_lossy())) {
                let _ = fs::remove_file(&pyc);
            }
        }
    }
    Ok(Some(old))
}

/// The `lib/pythonX.Y[t]/_sysconfigdata_*.py` of the CPython at `prefix`.
fn find_sysconfigdata(prefix: &Path) -> Option<PathBuf> {
    let mut libs: Vec<PathBuf> = read_dir(&prefix.join("lib"))
        .into_iter()
        .filter(|dir| file_name_starts(dir, "python3") && dir.is_dir())
        .collect();
    libs.sort();
    libs.iter().find_map(|lib| {
        let mut found: Vec<PathBuf> = read_dir(lib)
            .into_iter()
            .filter(|f| file_name_starts(f, "_sysconfigdata_") && file_name_ends(f, ".py"))
            .collect();
        found.sort();
        found.into_iter().next()
    })
}

/// The value of `'prefix': '...'` in a `_sysconfigdata_*.py`.
fn recorded_prefix(text: &str) -> Option<String> {
    let rest = &text[text.find("'prefix': ")? + "'prefix': ".len()..];
    let quote = rest.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
    let value = &rest[1..];
    let end = value.find(quote)?;
    let value = &value[..end];
    (value.starts_with('/') && value.len() > 1).then(|| value.to_string())
}

/// Whether `c` may continue a path name (so `/install` in `/installer` is not the prefix).
fn continues_name(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '+')
}

/// `text` with `old` replaced by `new` wherever `old` is a whole path or a path's beginning:
/// not preceded by a character of a path (a letter, digit, `/`, `_`, `-`, `.`; a flag such
/// as `-I` or `-L` is fine) and not followed by one other than `/`.
fn replace_prefix(text: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(old) {
        out.push_str(&rest[..at]);
        let after = rest[at + old.len()..].chars().next();
        // `-I/install/include`, `-L/install/lib`: a compiler flag glued to the path.
        let flag = ["-I", "-L", "-R"].iter().any(|f| out.ends_with(f));
        let before = out.chars().next_back();
        let whole = (flag || !before.is_some_and(|c| continues_name(c) || c == '/'))
            && !after.is_some_and(continues_name);
        out.push_str(if whole { new } else { old });
        rest = &rest[at + old.len()..];
    }
    out.push_str(rest);
    out
}

/// The compiler words of python-build-standalone's build machines made `cc` / `c++` in the
/// compiler variables: `'CC': 'clang -pthread'` lines of the sysconfig data (`data`), `CC=
/// clang -pthread` lines of the Makefile.
fn fix_compilers(text: &str, data: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let variable = if data {
            line.trim_start()
                .trim_start_matches("build_time_vars = {")
                .strip_prefix('\'')
                .and_then(|rest| rest.split_once("': "))
                .map(|(name, _)| name)
        } else {
            line.split_once('=')
                .map(|(name, _)| name.trim())
                .filter(|name| !name.contains(char::is_whitespace))
        };
        let replacement = match variable {
            Some(name) if C_COMPILER_VARIABLES.contains(&name) => Some("cc"),
            Some(name) if CXX_COMPILER_VARIABLES.contains(&name) => Some("c++"),
            _ => None,
        };
        match replacement {
            Some(to) => out.push_str(&replace_compiler_words(line, to)),
            None => out.push_str(line),
        }
    }
    out
}

/// `line` with each whitespace- or quote-separated word that names a build machine's
/// compiler replaced by `to`.
fn replace_compiler_words(line: &str, to: &str) -> String {
    let is_build_compiler = |word: &str| {
        matches!(word, "clang" | "clang++" | "musl-clang")
            || (word.starts_with("/usr/bin/")
                && (word.ends_with("-linux-gnu-gcc")
                    || word.ends_with("-linux-gnu-g++")
                    || word.ends_with("-linux-gnu-clang")
                    || word.ends_with("-linux-gnu-clang++")
                    || word.ends_with("-linux-gnueabi-gcc")
                    || word.ends_with("-linux-gnueabihf-gcc")))
    };
    let mut out = String::with_capacity(line.len());
    let mut word = String::new();
    for c in line.chars() {
        if c.is_whitespace() || matches!(c, '\'' | '"' | '=') {
            out.push_str(if is_build_compiler(&word) { to } else { &word });
            word.clear();
            out.push(c);
        } else {
            word.push(c);
        }
    }
    out.push_str(if is_build_compiler(&word) { to } else { &word });
    out
}

/// Writes `text` to `file` through a temporary file renamed over it, keeping its mode.
fn write_preserving_mode(file: &Path, text: &str) -> Result<(), InstallError> {
    let permissions = fs::metadata(file).at("read", file)?.permissions();
    let temporary = file.with_extension("den-tmp");
    fs::write(&temporary, text).at("write", &temporary)?;
    fs::set_permissions(&temporary, permissions).at("set permissions of", &temporary)?;
    fs::rename(&temporary, file).at("rename into place", file)?;
    Ok(())
}

fn read_dir(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect()
}

fn file_name_starts(path: &Path, prefix: &str) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(prefix))
}

fn file_name_ends(path: &Path, suffix: &str) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(suffix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_prefixes_only() {
        let text = "'prefix': '/install',\n 'LIBDIR': '/install/lib',\n 'X': '-I/install/include \
                    /installer /tools/install/lib -L/install/lib',\n";
        let fixed = replace_prefix(text, "/install", "/home/u/.pyenv/versions/3.12.8");
        assert_eq!(
            fixed,
            "'prefix': '/home/u/.pyenv/versions/3.12.8',\n 'LIBDIR': '/home/u/.pyenv/versions/3.12.8/lib',\n \
             'X': '-I/home/u/.pyenv/versions/3.12.8/include /installer /tools/install/lib \
             -L/home/u/.pyenv/versions/3.12.8/lib',\n"
        );
    }

    #[test]
    fn reads_the_recorded_prefix() {
        assert_eq!(
            recorded_prefix("build_time_vars = {'ABIFLAGS': '',\n 'prefix': '/install',\n"),
            Some("/install".to_string())
        );
    }

    #[test]
    fn build_compilers_become_cc() {
        let data = " 'CC': 'clang -pthread',\n 'CXX': 'clang++ -pthread',\n 'CFLAGS': 'clang',\n";
        assert_eq!(
            fix_compilers(data, true),
            " 'CC': 'cc -pthread',\n 'CXX': 'c++ -pthread',\n 'CFLAGS': 'clang',\n"
        );
        let makefile = "CC=\t\tclang -pthread\nLDSHARED=\t$(CC) -shared\nCONFIG_ARGS= clang\n";
        assert_eq!(
            fix_compilers(makefile, false),
            "CC=\t\tcc -pthread\nLDSHARED=\t$(CC) -shared\nCONFIG_ARGS= clang\n"
        );
    }

    #[test]
    fn fixes_a_tree() {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path();
        let lib = prefix.join("lib/python3.12");
        fs::create_dir_all(lib.join("config-3.12-x86_64-linux-gnu")).unwrap();
        fs::create_dir_all(prefix.join("lib/pkgconfig")).unwrap();
        fs::write(
            lib.join("_sysconfigdata__linux_x86_64-linux-gnu.py"),
            "build_time_vars = {'CC': 'clang -pthread',\n 'prefix': '/install'}\n",
        )
        .unwrap();
        fs::write(
            lib.join("config-3.12-x86_64-linux-gnu/Makefile"),
            "prefix=\t\t/install\n",
        )
        .unwrap();
        fs::write(prefix.join("lib/pkgconfig/python3.pc"), "prefix=/install\n").unwrap();
        let old = fix_prefix(prefix, Path::new("/new/p")).unwrap();
        assert_eq!(old.as_deref(), Some("/install"));
        assert_eq!(
            fs::read_to_string(lib.join("_sysconfigdata__linux_x86_64-linux-gnu.py")).unwrap(),
            "build_time_vars = {'CC': 'cc -pthread',\n 'prefix': '/new/p'}\n"
        );
        assert_eq!(
            fs::read_to_string(prefix.join("lib/pkgconfig/python3.pc")).unwrap(),
            "prefix=/new/p\n"
        );
        assert_eq!(
            fs::read_to_string(lib.join("config-3.12-x86_64-linux-gnu/Makefile")).unwrap(),
            "prefix=\t\t/new/p\n"
        );
    }
}
