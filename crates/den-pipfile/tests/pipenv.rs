//! den-pipfile against the real pipenv: the same inputs through pipenv's own functions
//! (`tests/pipenv_probe.py`, run by pipenv's interpreter) and through den, answers compared.
//! Needs pipenv (`DEN_TEST_PIPENV` or `pipenv` on PATH); without it each test reports what it
//! did not check (a failure under `DEN_TEST_REQUIRE_ALL=1`).

use std::path::{Path, PathBuf};
use std::process::Command;

use den_pipfile::{
    Lockfile, PackageSpec, PackageTable, Pipfile, pipfile_hash, requires_python_marker,
    virtualenv_name,
};
use serde_json::{Value, json};

const PROBE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pipenv_probe.py");

/// pipenv's answers to `requests`, one `Ok(value)` or `Err(message)` each.
fn ask(python: &Path, requests: &[Value]) -> Vec<Result<Value, String>> {
    let output = den_test_support::output_with_input(
        Command::new(python).arg(PROBE),
        &Value::Array(requests.to_vec()).to_string(),
    );
    assert!(
        output.status.success(),
        "the probe failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answers.len(), requests.len());
    answers
        .into_iter()
        .map(|a| match a.get("ok") {
            Some(v) => Ok(v.clone()),
            None => Err(a["err"].as_str().unwrap_or("?").to_string()),
        })
        .collect()
}

fn pipenv(what: &str) -> Option<PathBuf> {
    den_test_support::pipenv_python(what)
}

const PIPFILES: &[&str] = &[
    "[packages]\nrequests = \"*\"\n",
    "",
    "\n[packages]\n",
    "[[source]]\nurl = \"https://pypi.org/simple\"\nverify_ssl = true\nname = \"pypi\"\n\n[packages]\nRequests = \">=2\"\nDjango_Rest.framework = \"*\"\n\n[dev-packages]\npytest = {version = \"*\", extras = [\"x\"]}\n\n[requires]\npython_version = \"3.11\"\n",
    "[[source]]\nname = \"a\"\nurl = \"https://${USER}:${PW}@example.com/simple\"\nverify_ssl = false\n\n[[source]]\nname = \"b\"\nurl = \"http://b\"\nverify_ssl = true\n[packages]\n\"Zope.Interface\" = {index = \"a\", version = \"==5\"}\n",
    "[packages]\nx = \"*\"\n[scripts]\ntest = \"pytest\"\n[pipenv]\nallow_prereleases = true\n[pipfile]\nx = 1\n",
    "[packages]\na = \"*\"\n[docs]\nSphinx = \"*\"\nsphinx_rtd_theme = {version = \"*\", markers = \"python_version >= '3.8'\"}\n[build-system]\nrequires = [\"setuptools>=40\"]\n",
    "[packages]\n\"naïve-pkg\" = \"*\"\n\"日本語\" = \"==1\"\nemoji = {version = \"😀\", f = 1.5, g = 1e20, h = -0.0, i = 12345678901, j = 1e-7, k = true}\n",
    "top = 1\n[packages]\na = \"*\"\n",
    "[packages]\na = \"*\"\n[default]\nb = \"*\"\n[develop]\nc = \"*\"\n",
    "[packages.requests]\nversion = \"*\"\nextras = [\"socks\", \"security\"]\n[packages.django]\ngit = \"https://github.com/django/django.git\"\nref = \"main\"\neditable = true\n",
    "[packages]\na = \"*\"\r\n[dev-packages]\r\nb = \"==1\"\r\n",
    "[packages]\ns = \"quote \\\" backslash \\\\ tab \\t ctl \\u0001 del \\u007f\"\n",
    "[requires]\npython_full_version = \"3.11.4\"\n[packages]\n",
    "[packages]\nA_B = \"*\"\na-b = \"==1\"\n",
    "[packages]\nnan = {f = nan, g = inf, h = -inf}\n",
    "[packages]\nwhen = 1979-05-27\n",
    "nonsense = \"x\"\n[packages]\n",
    "[packages]\na = [1, 2, {b = 3}]\n",
    "[[source]]\nname = \"x\"\nurl = \"u\"\nverify_ssl = true\nextra = 0.1\n[packages]\n",
];

#[test]
fn pipfile_hash_matches_pipenv() {
    let Some(python) = pipenv("the Pipfile hash against pipenv's Pipfile.calculate_hash") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut requests = Vec::new();
    for (i, text) in PIPFILES.iter().enumerate() {
        let dir = tmp.path().join(format!("p{i}"));
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("Pipfile"), text).unwrap();
        requests.push(json!({"op": "hash", "path": dir.join("Pipfile")}));
    }
    let answers = ask(&python, &requests);
    for (text, answer) in PIPFILES.iter().zip(answers) {
        let ours = pipfile_hash(text);
        match (answer, ours) {
            (Ok(theirs), Ok(ours)) => assert_eq!(theirs.as_str(), Some(ours.as_str()), "{text:?}"),
            (Err(_), Err(_)) => {}
            (theirs, ours) => panic!("{text:?}: pipenv {theirs:?}, den {ours:?}"),
        }
    }
}

#[test]
fn lock_rendering_matches_pipenv() {
    let Some(python) = pipenv("Pipfile.lock rendering against pipenv's _LockFileEncoder") else {
        return;
    };
    let locks = [
        json!({"_meta": {"hash": {"sha256": "ab"}, "pipfile-spec": 6, "requires": {"python_version": "3.11"},
            "sources": [{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": true}]},
            "default": {"requests": {"hashes": ["sha256:01", "sha256:02"], "index": "pypi",
                "markers": "python_version >= '3.8'", "version": "==2.32.3"},
                "Zébra": {"version": "==1", "extras": ["b", "a"], "x-odd key": {"é": [1, 2.5, null, false]}}},
            "develop": {}}),
        json!({"_meta": {"pipfile-spec": 5}, "default": {}, "develop": {}, "docs": {"a": {}},
            "zz": 1, "ÄÖ": "日本😀", "aa\"\\\u{1}\u{7f}": [], "B": {}, "a": {}}),
        json!({"default": {"p": {"git": "https://g/x.git", "ref": "abc", "editable": true,
            "subdirectory": "s", "path": ".", "file": "https://f", "hg": "h", "float": 1e16,
            "small": 1e-5, "big": 12345678901234567_u64, "neg": -3}}}),
    ];
    let mut requests = Vec::new();
    for lock in &locks {
        for newline in ["\n", "\r\n"] {
            requests.push(json!({"op": "lock_render", "data": lock, "newline": newline}));
        }
    }
    let answers = ask(&python, &requests);
    for (request, answer) in requests.iter().zip(answers) {
        let theirs = answer.unwrap();
        let theirs = theirs.as_str().unwrap();
        let lock = Lockfile::from_slice(Path::new("Pipfile.lock"), theirs.as_bytes()).unwrap();
        assert_eq!(lock.render(), theirs, "{request}");
        // And from den's own compact text (no newline style to keep): LF.
        let compact = request["data"].to_string();
        let lock = Lockfile::from_slice(Path::new("Pipfile.lock"), compact.as_bytes()).unwrap();
        if request["newline"] == "\n" {
            assert_eq!(lock.render(), theirs);
        }
    }
}

#[test]
fn requires_python_markers_match_pipenv() {
    let Some(python) = pipenv("Requires-Python markers against pipenv's marker_from_specifier")
    else {
        return;
    };
    let versions = [
        "2", "2.7", "3", "3.0", "3.6", "3.8", "3.8.1", "3.10", "3.11", "3.12", "3.7.0", "4",
        "3.9.0b1", "1.7", "3.08",
    ];
    let ops = ["", "==", "!=", ">=", "<=", ">", "<", "~="];
    let mut specs: Vec<String> = vec![
        "*".into(),
        "any".into(),
        "<any>".into(),
        "".into(),
        "!=3.0.*,>=2.7".into(),
        ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*".into(),
        "==3.*".into(),
        ">=3.7,<4".into(),
        ">=3.6,>=3.7".into(),
        "==3.8,==3.9,==3.10".into(),
        ">=3.7.*".into(),
        "===3.8".into(),
        "====3.8".into(),
        "3.7*".into(),
        ">= 3.8".into(),
        "<3.12,>3.8".into(),
        "~=3.9".into(),
        "~=3.9.1".into(),
        ">=3.8rc1".into(),
        "~=3".into(),
        "bogus".into(),
        "<=3.11".into(),
        ">3.11".into(),
        "<=4".into(),
        ">3".into(),
        ">2.7.15".into(),
    ];
    for op in ops {
        for v in versions {
            specs.push(format!("{op}{v}"));
            if op == "==" || op == "!=" {
                specs.push(format!("{op}{v}.*"));
            }
        }
    }
    for a in [">=2.7", ">3.5", "<=3.9", "<3.11", "!=3.3", "==3.8"] {
        for b in [
            "<4", "!=3.0.*", ">=3.6.1", "==3.9", "<=3.10", ">3.7", "!=3.4",
        ] {
            specs.push(format!("{a},{b}"));
        }
    }
    let requests: Vec<Value> = specs
        .iter()
        .map(|s| json!({"op": "marker", "spec": s}))
        .collect();
    let answers = ask(&python, &requests);
    let mut failures = Vec::new();
    for (spec, answer) in specs.iter().zip(answers) {
        let ours = requires_python_marker(spec);
        let same = match (&answer, &ours) {
            (Ok(Value::Null), Ok(None)) => true,
            (Ok(Value::String(t)), Ok(Some(o))) => t == o,
            (Err(_), Err(_)) => true,
            _ => false,
        };
        if !same {
            failures.push(format!("{spec:?}: pipenv {answer:?}, den {ours:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        specs.len(),
        failures.join("\n")
    );
}

#[test]
fn virtualenv_names_match_pipenv() {
    let Some(python) = pipenv("virtualenv names against pipenv's VenvLocator.name") else {
        return;
    };
    let dirs = [
        "/home/user/projects/myproject",
        "/tmp/with space & $dollar `tick` !bang *star @at \"q\" (p) [b] \\",
        "/tmp/tab\there\rcr\nlf",
        "/srv/ÄÖÜ-日本語-project",
        "/a/this-is-a-very-long-project-name-that-goes-past-forty-two-characters-easily",
        "/x/Mixed.Case_Name-1",
        "/",
    ];
    let pythons = [
        None,
        Some("3.11"),
        Some("/usr/bin/python3.12"),
        Some(""),
        Some("pypy3"),
    ];
    let mut cases = Vec::new();
    for d in dirs {
        for p in pythons {
            cases.push((Path::new(d).join("Pipfile"), p));
        }
    }
    let requests: Vec<Value> = cases
        .iter()
        .map(|(path, p)| json!({"op": "venv_name", "path": path, "python": p, "full": true}))
        .collect();
    let answers = ask(&python, &requests);
    for ((path, p), answer) in cases.iter().zip(answers) {
        assert_eq!(
            answer.unwrap().as_str().unwrap(),
            virtualenv_name(path, *p),
            "{path:?} {p:?}"
        );
    }
}

#[test]
fn pipfile_edits_match_pipenv() {
    let Some(python) = pipenv("Pipfile edits against pipenv's add_entry / remove_package") else {
        return;
    };
    let base = "[[source]]\nurl = \"https://pypi.org/simple\"\nverify_ssl = true\nname = \"pypi\"\n\n# my packages\n[packages]\nRequests = \"*\"   # keep\nflask = \"*\"\n\n\n[packages.django]\nversion = \"*\"\n[dev-packages]\npytest = \"*\"\nzeta = \"*\"\nAlpha = \"*\"\n\n[requires]\npython_version = \"3.11\"\n";
    let sorted = format!("{base}\n[pipenv]\nsort_pipfile = true\n");
    let crlf = base.replace('\n', "\r\n");
    let socks = PackageSpec::Table(PackageTable {
        version: Some(">=2".into()),
        extras: vec!["socks".into()],
        ..PackageTable::default()
    });
    let editable = PackageSpec::Table(PackageTable {
        path: Some(".".into()),
        editable: true,
        ..PackageTable::default()
    });
    let star = PackageSpec::Version("*".into());
    // (text, op, category, name, spec)
    let cases: Vec<(&str, &str, &str, &str, Option<&PackageSpec>)> = vec![
        (base, "add", "packages", "Requests", Some(&socks)),
        (base, "add", "packages", "new_pkg", Some(&star)),
        (base, "add", "packages", "new_pkg", Some(&socks)),
        (base, "add", "packages", "flask", Some(&star)),
        (base, "add", "dev-packages", "beta", Some(&editable)),
        (base, "add", "docs", "Sphinx", Some(&star)),
        (&sorted, "add", "dev-packages", "beta", Some(&star)),
        (&crlf, "add", "packages", "x", Some(&star)),
        (base, "remove", "packages", "requests", None),
        (base, "remove", "dev-packages", "ALPHA", None),
        (&sorted, "remove", "dev-packages", "pytest", None),
        (base, "remove", "packages", "nothere", None),
        ("", "add", "packages", "a", Some(&star)),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let mut requests = Vec::new();
    for (i, (text, op, category, name, spec)) in cases.iter().enumerate() {
        let dir = tmp.path().join(format!("e{i}"));
        std::fs::create_dir(&dir).unwrap();
        let path = dir.join("Pipfile");
        std::fs::write(&path, text).unwrap();
        let settings = if text.contains("sort_pipfile") {
            json!({"sort_pipfile": true})
        } else {
            json!({})
        };
        requests.push(match spec {
            Some(spec) => {
                // The entry as den writes it, as key/value pairs in den's order.
                let entry = match spec {
                    PackageSpec::Version(v) => json!(v),
                    PackageSpec::Table(_) => {
                        let mut doc = Pipfile::parse(Path::new("Pipfile"), "").unwrap();
                        doc.add_package("x", "x", spec);
                        let table = doc.document()["x"]["x"].as_inline_table().unwrap().clone();
                        Value::Array(
                            table
                                .iter()
                                .map(|(k, v)| {
                                    let v = match v {
                                        toml_edit::Value::String(s) => json!(s.value()),
                                        toml_edit::Value::Boolean(b) => json!(b.value()),
                                        toml_edit::Value::Array(a) => json!(a.iter().map(|e| e.as_str().unwrap()).collect::<Vec<_>>()),
                                        _ => unreachable!(),
                                    };
                                    json!([k, v])
                                })
                                .collect(),
                        )
                    }
                };
                json!({"op": "add_entry", "path": path, "name": name, "entry": entry, "category": category, "settings": settings})
            }
            None => json!({"op": "remove", "path": path, "name": name, "category": category, "settings": settings}),
        });
        let _ = op;
    }
    let answers = ask(&python, &requests);
    for ((text, op, category, name, spec), answer) in cases.iter().zip(answers) {
        let theirs = answer.unwrap_or_else(|e| panic!("pipenv failed on {op} {name}: {e}"));
        let mut pipfile = Pipfile::parse(Path::new("Pipfile"), text).unwrap();
        match spec {
            Some(spec) => pipfile.add_package(category, name, spec),
            None => {
                pipfile.remove_package(category, name);
            }
        }
        // pipenv writes nothing when there was nothing to remove.
        let ours = if spec.is_none() && theirs.as_str() == Some(*text) {
            text.to_string()
        } else {
            pipfile.render()
        };
        assert_eq!(
            theirs.as_str().unwrap(),
            ours,
            "{op} {category} {name} on {text:?}"
        );
    }
}

#[test]
fn pip_lines_match_pipenv() {
    let Some(python) =
        pipenv("pip lines of Pipfile entries against pipenv's install_req_from_pipfile")
    else {
        return;
    };
    let entries: Vec<(&str, Value)> = vec![
        ("requests", json!("*")),
        ("requests", json!("==*")),
        ("requests", json!("2.1")),
        ("Requests_X", json!(">=1,<2")),
        (
            "requests",
            json!({"version": ">=2", "extras": ["socks", "b"]}),
        ),
        (
            "requests",
            json!({"version": ">=2", "markers": "python_version<'3.9'"}),
        ),
        (
            "requests",
            json!({"version": ">=2", "markers": "python_version<'3.9' and os_name=='nt'", "python_version": ">='3.6'"}),
        ),
        (
            "requests",
            json!({"version": ">=2", "markers": "(python_version<'3.9' or os_name=='nt')"}),
        ),
        (
            "requests",
            json!({"version": ">=2", "markers": "extra == 'Foo_Bar' and ((os.name == \"posix\"))"}),
        ),
        (
            "requests",
            json!({"version": ">=2", "sys_platform": "== 'linux'"}),
        ),
        (
            "requests",
            json!({"version": ">=2", "platform_machine": "== 'x86_64'", "markers": "os_name == 'nt'"}),
        ),
        (
            "requests",
            json!({"version": ">=2", "os_name": "== 'nt'", "implementation_name": "=='cpython'"}),
        ),
        (
            "requests",
            json!({"version": "*", "index": "pypi", "markers": "python_version >= '3' and python_version >= '3'"}),
        ),
        (
            "d",
            json!({"git": "https://github.com/a/b.git", "ref": "main", "editable": true, "subdirectory": "s", "extras": ["x"]}),
        ),
        ("d", json!({"git": "https://github.com/a/b.git"})),
        ("d", json!({"git": "git+https://github.com/a/b.git@v1"})),
        (
            "d",
            json!({"git": "ssh://git@github.com/a/b.git", "ref": "v2"}),
        ),
        ("d", json!({"hg": "https://hg.example/b", "ref": "tip"})),
        ("d", json!("git+https://github.com/a/b.git@v1")),
        (
            "d",
            json!({"file": "https://x/d-1.0.tar.gz", "extras": ["e"]}),
        ),
        ("d", json!({"file": "https://x/d-1.0.tar.gz"})),
    ];
    let requests: Vec<Value> = entries
        .iter()
        .map(|(name, entry)| json!({"op": "pip_line", "name": name, "entry": entry}))
        .collect();
    let answers = ask(&python, &requests);
    for ((name, entry), answer) in entries.iter().zip(answers) {
        let theirs = answer.unwrap_or_else(|e| panic!("pipenv failed on {name} {entry}: {e}"));
        let text = format!(
            "[packages]\n{} = {}\n",
            toml_edit::Key::new(*name),
            to_toml(entry)
        );
        let pipfile = Pipfile::parse(Path::new("Pipfile"), &text).unwrap();
        let (n, spec) = pipfile.packages("packages").unwrap().remove(0);
        assert_eq!(theirs.as_str().unwrap(), spec.to_pip_line(&n), "{text}");
    }
}

fn to_toml(v: &Value) -> String {
    match v {
        Value::String(s) => toml_edit::Value::from(s.as_str()).to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(a) => format!("[{}]", a.iter().map(to_toml).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{} = {}", toml_edit::Key::new(k.as_str()), to_toml(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => unreachable!(),
    }
}
