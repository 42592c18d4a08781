//! `_meta.hash.sha256`: the hash pipenv keeps in Pipfile.lock to tell whether the Pipfile
//! changed since the lock was written (pipenv's `Pipfile.calculate_hash` in
//! `pipenv/utils/pipfile.py`, over plette's `Pipfile.load`).
//!
//! The steps, as pipenv takes them:
//!
//! 1. The text (newlines made `\n`, as Python's text mode reads it) is parsed as TOML. When it
//!    has no `source` key, the default source's `[[source]]` block is put before the text
//!    (with a `\n` between unless the text starts with one) and the whole is parsed again, so
//!    top-level keys written before any table join that source, exactly as in pipenv.
//! 2. plette validates the document (package tables hold only its known keys, `version` a
//!    string, `extras` a list, sources a `name` and `url`...); a Pipfile it rejects has no
//!    hash, so neither has a `[build-system]` table: its `requires` list is not a package.
//! 3. The data hashed is `{"_meta": {"requires": [requires] or {}, "sources": source},
//!    "default": [packages], "develop": [dev-packages], <every other top-level key>}` leaving
//!    out `source`, `packages`, `dev-packages`, `requires`, `scripts`, `pipfile`, `pipenv`
//!    and top-level keys named `default` or `develop`. `[build-system]` is *not* left out.
//! 4. The keys of `default`, `develop` and of every other category (and only those) are
//!    PEP 503-normalized (`packaging.utils.canonicalize_name`): lower-cased, each run of
//!    `-_.` made one `-`; when two keys meet, the later value wins.
//! 5. `json.dumps(data, sort_keys=True, separators=(",", ":"))`, UTF-8, SHA-256, hex.

use sha2::{Digest, Sha256};
use toml_edit::{DocumentMut, Item, Value};

use crate::pyjson::{PyValue, dumps_compact};
use crate::{PipfileError, Source};

/// Top-level keys the hash leaves out of the categories (plette's `PIPFILE_SECTIONS` plus
/// `default`, `develop` and `pipenv`).
const NOT_CATEGORIES: [&str; 9] = [
    "source",
    "packages",
    "dev-packages",
    "requires",
    "scripts",
    "pipfile",
    "pipenv",
    "default",
    "develop",
];

/// The Pipfile hash pipenv writes as `_meta.hash.sha256`, of the Pipfile text `text`, with
/// pipenv's built-in default source (`pypi`, `https://pypi.org/simple`, `verify_ssl = true`)
/// standing in when the Pipfile has no `[[source]]`.
///
/// `[packages]\nrequests = "*"\n` hashes to
/// `70e8bf6bc774f5ca177467cab4e67d4264d0536857993326abc13ff43063bec0`.
///
/// # Errors
///
/// [`PipfileError::Toml`] when the text is not TOML (named `Pipfile`), and
/// [`PipfileError::Hash`] where pipenv itself fails: a date or time value (Python's `json`
/// cannot write one) or a top-level key outside the known sections that is not a table.
pub fn pipfile_hash(text: &str) -> Result<String, PipfileError> {
    pipfile_hash_with_default_sources(text, &[Source::pypi()])
}

/// [`pipfile_hash`] with `default_sources` standing in for a missing `[[source]]`: pipenv
/// uses its default source followed by the indexes of pip's configuration (`index-url`, then
/// `extra-index-url`), each as a `[[source]]` block (`pipenv/project.py`, `Project.__init__`).
///
/// # Errors
///
/// As [`pipfile_hash`].
pub fn pipfile_hash_with_default_sources(
    text: &str,
    default_sources: &[Source],
) -> Result<String, PipfileError> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let doc = parse(&text)?;
    let doc = if doc.contains_key("source") {
        doc
    } else {
        let mut prefixed = String::new();
        for (i, source) in default_sources.iter().enumerate() {
            if i > 0 {
                prefixed.push_str("\n\n");
            }
            prefixed.push_str("[[source]]\n");
            prefixed.push_str(&source.to_toml_lines());
        }
        if !text.starts_with('\n') {
            prefixed.push('\n');
        }
        prefixed.push_str(&text);
        parse(&prefixed)?
    };
    validate(&doc).map_err(PipfileError::Hash)?;
    let data = hash_data(&doc)?;
    Ok(hex(&Sha256::digest(dumps_compact(&data).as_bytes())))
}

fn parse(text: &str) -> Result<DocumentMut, PipfileError> {
    text.parse::<DocumentMut>()
        .map_err(|e| PipfileError::toml(std::path::Path::new("Pipfile"), text, &e))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// plette's validation, which runs when pipenv loads the Pipfile to hash it
/// (`plette.Pipfile.validate` and the section models): a Pipfile it rejects has no hash.
fn validate(doc: &DocumentMut) -> Result<(), String> {
    for (key, item) in doc.iter() {
        let value = item_value(item).map_err(|e| e.to_string())?;
        let entries = |what: &str| match &value {
            PyValue::Dict(e) => Ok(e.clone()),
            _ => Err(format!("[{key}] must be a table ({what})")),
        };
        match key {
            "source" => {
                let PyValue::List(sources) = &value else {
                    return Err("`source` must be an array of tables".into());
                };
                for source in sources {
                    let PyValue::Dict(e) = source else {
                        return Err("each [[source]] must be a table".into());
                    };
                    let get = |k: &str| e.iter().find(|(key, _)| key == k).map(|(_, v)| v);
                    for required in ["name", "url"] {
                        match get(required) {
                            Some(PyValue::Str(_)) => {}
                            Some(_) => return Err(format!("source `{required}` must be a string")),
                            None => return Err(format!("source is missing `{required}`")),
                        }
                    }
                    if let Some(v) = get("verify_ssl")
                        && !matches!(v, PyValue::Bool(_))
                    {
                        return Err("source `verify_ssl` must be true or false".into());
                    }
                }
            }
            "requires" => {
                for (k, v) in entries("python_version, python_full_version")? {
                    if matches!(k.as_str(), "python_version" | "python_full_version")
                        && !matches!(v, PyValue::Str(_))
                    {
                        return Err(format!("[requires] {k} must be a string"));
                    }
                }
            }
            "scripts" => {
                for (k, v) in entries("of scripts")? {
                    let ok = match &v {
                        PyValue::Str(s) => !s.is_empty(),
                        PyValue::List(l) => !l.is_empty(),
                        PyValue::Dict(d) => !d.is_empty(),
                        _ => false,
                    };
                    if !ok {
                        return Err(format!(
                            "[scripts] {k} must be a non-empty string, list or table"
                        ));
                    }
                }
            }
            "pipenv" => {
                for (k, v) in entries("of settings")? {
                    if k == "allow_prereleases" && !matches!(v, PyValue::Bool(_)) {
                        return Err("[pipenv] allow_prereleases must be true or false".into());
                    }
                    if k == "cool-down-period" {
                        let ok = matches!(&v, PyValue::Str(s) if s.len() > 1 && s.ends_with('d') && s[..s.len() - 1].bytes().all(|b| b.is_ascii_digit()));
                        if !ok {
                            return Err("[pipenv] cool-down-period must look like `30d`".into());
                        }
                    }
                }
            }
            "pipfile" => {}
            _ => {
                for (name, v) in entries("of packages")? {
                    match &v {
                        PyValue::Str(_) | PyValue::Int(_) | PyValue::Float(_) => {}
                        PyValue::Dict(e) => {
                            for (k, v) in e {
                                if !crate::pipfile::OTHER_KEYS.contains(&k.as_str())
                                    && !crate::MARKER_KEYS.contains(&k.as_str())
                                {
                                    return Err(format!(
                                        "[{key}] {name}: unrecognized option `{k}`"
                                    ));
                                }
                                let ok = match k.as_str() {
                                    "editable" => matches!(v, PyValue::Bool(_)),
                                    "version" => matches!(v, PyValue::Str(_)),
                                    "extras" | "pip_args" => matches!(v, PyValue::List(_)),
                                    _ => true,
                                };
                                if !ok {
                                    return Err(format!(
                                        "[{key}] {name}: `{k}` has the wrong type"
                                    ));
                                }
                            }
                        }
                        _ => return Err(format!("[{key}] {name}: invalid type for package data")),
                    }
                }
            }
        }
    }
    Ok(())
}

/// The structure pipenv serializes for the hash.
fn hash_data(doc: &DocumentMut) -> Result<PyValue, PipfileError> {
    let table = doc.as_table();
    let get = |key: &str| -> Result<PyValue, PipfileError> {
        match table.get(key) {
            Some(item) => item_value(item),
            None => Ok(PyValue::dict([])),
        }
    };
    let mut entries = vec![
        (
            "_meta".to_string(),
            PyValue::dict([
                ("sources".to_string(), get("source")?),
                ("requires".to_string(), get("requires")?),
            ]),
        ),
        (
            "default".to_string(),
            normalized(get("packages")?, "packages")?,
        ),
        (
            "develop".to_string(),
            normalized(get("dev-packages")?, "dev-packages")?,
        ),
    ];
    for (key, item) in table.iter() {
        if NOT_CATEGORIES.contains(&key) {
            continue;
        }
        entries.push((key.to_string(), normalized(item_value(item)?, key)?));
    }
    Ok(PyValue::dict(entries))
}

/// A category with its keys PEP 503-normalized.
fn normalized(value: PyValue, key: &str) -> Result<PyValue, PipfileError> {
    match value {
        PyValue::Dict(entries) => Ok(PyValue::dict(
            entries.into_iter().map(|(k, v)| (canonicalize_name(&k), v)),
        )),
        _ => Err(PipfileError::Hash(format!(
            "top-level key `{key}` is not a table, so pipenv cannot hash this Pipfile"
        ))),
    }
}

/// `packaging.utils.canonicalize_name(name)` without validation:
/// `re.sub(r"[-_.]+", "-", name).lower()`.
pub(crate) fn canonicalize_name(name: &str) -> String {
    let mut collapsed = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                collapsed.push('-');
            }
            in_run = true;
        } else {
            collapsed.push(c);
            in_run = false;
        }
    }
    // `str::to_lowercase` applies the final-sigma rule as Python's `str.lower` does.
    collapsed.to_lowercase()
}

/// A TOML item as Python sees it after tomlkit: tables and inline tables are dicts, arrays
/// and arrays of tables are lists.
pub(crate) fn item_value(item: &Item) -> Result<PyValue, PipfileError> {
    match item {
        Item::None => Ok(PyValue::Null),
        Item::Value(v) => value(v),
        Item::Table(t) => t
            .iter()
            .map(|(k, v)| Ok((k.to_string(), item_value(v)?)))
            .collect::<Result<Vec<_>, PipfileError>>()
            .map(PyValue::dict),
        Item::ArrayOfTables(a) => a
            .iter()
            .map(|t| {
                t.iter()
                    .map(|(k, v)| Ok((k.to_string(), item_value(v)?)))
                    .collect::<Result<Vec<_>, PipfileError>>()
                    .map(PyValue::dict)
            })
            .collect::<Result<Vec<_>, _>>()
            .map(PyValue::List),
    }
}

fn value(v: &Value) -> Result<PyValue, PipfileError> {
    Ok(match v {
        Value::String(s) => PyValue::Str(s.value().clone()),
        Value::Integer(i) => PyValue::Int(i128::from(*i.value())),
        Value::Float(f) => PyValue::Float(*f.value()),
        Value::Boolean(b) => PyValue::Bool(*b.value()),
        Value::Datetime(d) => {
            return Err(PipfileError::Hash(format!(
                "the date/time value {} cannot be written as JSON (pipenv fails the same way)",
                d.value()
            )));
        }
        Value::Array(a) => PyValue::List(a.iter().map(value).collect::<Result<_, _>>()?),
        Value::InlineTable(t) => PyValue::dict(
            t.iter()
                .map(|(k, v)| Ok((k.to_string(), value(v)?)))
                .collect::<Result<Vec<_>, PipfileError>>()?,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_vector() {
        assert_eq!(
            pipfile_hash("[packages]\nrequests = \"*\"\n").unwrap(),
            "70e8bf6bc774f5ca177467cab4e67d4264d0536857993326abc13ff43063bec0"
        );
    }

    #[test]
    fn package_name_spelling_does_not_change_the_hash() {
        let a = pipfile_hash(
            "[packages]\nMy_Pkg = \"*\"\n[dev-packages]\n\"Zope.Interface\" = \"*\"\n",
        )
        .unwrap();
        let b =
            pipfile_hash("[packages]\nmy-pkg = \"*\"\n[dev-packages]\nzope-interface = \"*\"\n")
                .unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn canonical_names() {
        assert_eq!(canonicalize_name("Foo__Bar.-baz"), "foo-bar-baz");
        assert_eq!(canonicalize_name("-a-"), "-a-");
    }
}
