//! Files in site-packages that name places by absolute path, and how they are rewritten when
//! an environment moves: `.pth` / `.egg-link` lines, and the `MAPPING` / `NAMESPACES` of the
//! import finder a setuptools (64 and later) editable wheel installs
//! (`__editable___<name>_<version>_finder.py`). The installer keeps those of a relocatable
//! environment relative ([`relative_site_file`]); den-venv's relocation uses the same rules.

use std::path::Path;

/// Whether `name` is the file name of a setuptools editable finder module
/// (`__editable___<name>_<version>_finder.py`).
pub fn is_editable_finder(name: &str) -> bool {
    name.starts_with("__editable___") && name.ends_with("_finder.py")
}

/// Whether `name` is the file name of a `.pth` or `.egg-link` file (one path a line).
pub fn is_path_file(name: &str) -> bool {
    name.ends_with(".pth") || name.ends_with(".egg-link")
}

/// The contents that make the file `name` directly in the site-packages directory `site` of
/// the environment at `root` keep working wherever the environment is moved, or `None` when
/// it stays as it is:
///
/// - lines of a `.pth` or `.egg-link` file that name `root` or a place under it by absolute
///   path become relative to `site` (the `site` module joins relative lines to it);
/// - in an editable finder ([`is_editable_finder`]), each string in its `MAPPING` and
///   `NAMESPACES` naming such a place becomes an expression computing it from the finder's
///   own `__file__`.
///
/// Paths outside the environment stay: they still work after it moves.
pub fn relative_site_file(root: &Path, site: &Path, name: &str, content: &[u8]) -> Option<Vec<u8>> {
    let root = root.to_str()?;
    let inside = |path: &str| {
        let rest = path.strip_prefix(root)?;
        (rest.is_empty() || rest.starts_with('/'))
            .then(|| den_dist::path::relative_to(Path::new(path), site))
    };
    let text = std::str::from_utf8(content).ok()?;
    let edited = if is_path_file(name) {
        edited_lines(text, inside)
    } else if is_editable_finder(name) {
        edit_finder_paths(text, |path| {
            let relative = den_dist::python_repr(&inside(path)?);
            Some(format!(
                "__import__('os').path.normpath(__import__('os').path.join(\
                 __import__('os').path.dirname(__file__), {relative}))"
            ))
        })
    } else {
        None
    };
    edited.map(String::into_bytes)
}

/// `text` with each line (without its `\n`) for which `edit` returns a new line replaced;
/// `None` when no line changed.
pub fn edited_lines(text: &str, edit: impl Fn(&str) -> Option<String>) -> Option<String> {
    let mut changed = false;
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        match edit(body) {
            Some(updated) => {
                changed = true;
                out.push_str(&updated);
                out.push_str(end);
            }
            None => out.push_str(line),
        }
    }
    changed.then_some(out)
}

/// The text of an editable finder module with each string literal of its `MAPPING` and
/// `NAMESPACES` assignments (one line each, as setuptools writes them with `repr`) for which
/// `edit` returns a Python expression replaced by it; `None` when nothing changed. `edit`
/// gets the string's value.
pub fn edit_finder_paths(text: &str, edit: impl Fn(&str) -> Option<String>) -> Option<String> {
    edited_lines(text, |line| {
        let name_end = line.find([':', ' ', '='])?;
        if !matches!(&line[..name_end], "MAPPING" | "NAMESPACES") {
            return None;
        }
        let value_start = line.find('=')? + 1;
        let mut out = line[..value_start].to_string();
        let mut changed = false;
        let mut rest = &line[value_start..];
        while let Some(start) = rest.find(['\'', '"']) {
            out.push_str(&rest[..start]);
            let (value, len) = parse_python_str(&rest[start..])?;
            let literal = &rest[start..start + len];
            match edit(&value) {
                Some(expression) => {
                    changed = true;
                    out.push_str(&expression);
                }
                None => out.push_str(literal),
            }
            rest = &rest[start + len..];
        }
        out.push_str(rest);
        changed.then_some(out)
    })
}

/// The value and length in bytes of the Python string literal (`'...'` or `"..."`, as `repr`
/// writes them) at the start of `text`; `None` when it is not one den reads (unterminated, a
/// prefix or an escape `repr` does not write).
fn parse_python_str(text: &str) -> Option<(String, usize)> {
    let quote = text.chars().next()?;
    let mut value = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((at, c)) = chars.next() {
        if c == quote {
            return Some((value, at + 1));
        }
        if c != '\\' {
            value.push(c);
            continue;
        }
        let (_, escape) = chars.next()?;
        let digits = match escape {
            '\\' | '\'' | '"' => {
                value.push(escape);
                continue;
            }
            'n' => {
                value.push('\n');
                continue;
            }
            'r' => {
                value.push('\r');
                continue;
            }
            't' => {
                value.push('\t');
                continue;
            }
            'x' => 2,
            'u' => 4,
            'U' => 8,
            _ => return None,
        };
        let hex: String = (0..digits)
            .map(|_| chars.next().map(|(_, c)| c))
            .collect::<Option<_>>()?;
        value.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const FINDER: &str = "from __future__ import annotations\nimport sys\n\n\
        MAPPING: dict[str, str] = {'proj': '/env/src/proj/proj', 'out': '/elsewhere/out'}\n\
        NAMESPACES: dict[str, list[str]] = {'ns': ['/env/src/ns', \"/env/it's\"]}\n\
        PATH_PLACEHOLDER = '__editable__.proj-0.1.finder' + \".__path_hook__\"\n\
        X = {'/env/src': 1}\n";

    #[test]
    fn relative_pth_lines_and_finder_paths() {
        let root = Path::new("/env");
        let site = Path::new("/env/lib/python3.12/site-packages");
        let pth = relative_site_file(root, site, "a.pth", b"/env/src/p\n/envx\nimport x\n/out\n");
        assert_eq!(
            String::from_utf8(pth.unwrap()).unwrap(),
            "../../../src/p\n/envx\nimport x\n/out\n"
        );
        assert!(relative_site_file(root, site, "a.pth", b"/other\n").is_none());
        assert!(relative_site_file(root, site, "a.txt", b"/env/src\n").is_none());

        let name = "__editable___proj_0_1_finder.py";
        let finder = relative_site_file(root, site, name, FINDER.as_bytes()).unwrap();
        let finder = String::from_utf8(finder).unwrap();
        let expr = |literal: &str| {
            format!(
                "__import__('os').path.normpath(__import__('os').path.join(\
                 __import__('os').path.dirname(__file__), {literal}))"
            )
        };
        let expected = FINDER
            .replace("'/env/src/proj/proj'", &expr("'../../../src/proj/proj'"))
            .replace("'/env/src/ns'", &expr("'../../../src/ns'"))
            .replace("\"/env/it's\"", &expr("\"../../../it's\""));
        assert_eq!(finder, expected);
        // Done once: the expressions name no absolute path.
        assert!(relative_site_file(root, site, name, finder.as_bytes()).is_none());
    }

    #[test]
    fn python_strings_round_trip() {
        for value in ["plain", "it's", "it's \"q\"", "a\\b", "tab\there", "é\u{1}"] {
            let literal = den_dist::python_repr(value);
            assert_eq!(
                parse_python_str(&format!("{literal}, rest")),
                Some((value.to_string(), literal.len()))
            );
        }
        assert_eq!(
            parse_python_str(r#""it's\x41\u00e9" x"#),
            Some(("it'sAé".to_string(), 16))
        );
        assert!(parse_python_str("'open").is_none());
        assert!(parse_python_str(r"'\q'").is_none());
    }
}
