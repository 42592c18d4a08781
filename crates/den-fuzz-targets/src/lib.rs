//! Every format den parses from outside input, as one function per format taking arbitrary
//! bytes: requirement lines and files, markers, core metadata (also `WHEEL`, the same header
//! format), RECORD, pyvenv.cfg, simple-repository pages (PEP 503 HTML, PEP 691 JSON), pyenv
//! version files, wheel archives, sdist archives, pipenv's Pipfile and Pipfile.lock, PEP 751 pylock.toml. Each must return (an error is fine) and
//! never panic, hang or abort. `fuzz/` (cargo-fuzz, nightly) runs them under libFuzzer;
//! `tests/properties.rs` runs them on bounded random input and on the seed corpus
//! (`fuzz/corpus/<target>/`) in every `cargo test`.

use std::path::Path;
use std::sync::OnceLock;

/// A fuzz target: takes any bytes, returns only if den handled them (an error is handling).
pub type Target = fn(&[u8]);

/// The targets by name, as `fuzz/fuzz_targets/<name>.rs` and `fuzz/corpus/<name>/` call them.
pub const TARGETS: &[(&str, Target)] = &[
    ("requirement", requirement),
    ("marker", marker),
    ("requirements_file", requirements_file),
    ("core_metadata", core_metadata),
    ("record", record),
    ("pyvenv_cfg", pyvenv_cfg),
    ("index_html", index_html),
    ("index_json", index_json),
    ("index_files", index_files),
    ("version_file", version_file),
    ("wheel", wheel),
    ("sdist", sdist),
    ("pipfile", pipfile),
    ("pipfile_lock", pipfile_lock),
    ("pack_archive", pack_archive),
    ("pylock", pylock),
    ("dependency_groups", dependency_groups),
    ("script_metadata", script_metadata),
];

/// The input as text, as den reads text files (invalid UTF-8 replaced).
fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// A PEP 508 requirement (command line, `Requires-Dist`).
pub fn requirement(data: &[u8]) {
    let _ = den_dist::parse_requirement(&text(data));
}

/// A PEP 508 marker expression.
pub fn marker(data: &[u8]) {
    let _ = den_dist::parse_marker(&text(data));
}

/// A requirements file (pip's format), read as if from `/nonexistent/requirements.txt`, so
/// nested `-r` / `-c` files are looked up where nothing is.
pub fn requirements_file(data: &[u8]) {
    let file = Path::new("/nonexistent/requirements.txt");
    let _ = den_requirements::parse_requirements_str(&text(data), file, Path::new("/nonexistent"));
}

/// Core metadata (`METADATA`, `PKG-INFO`) and, in the same header format, `WHEEL`.
pub fn core_metadata(data: &[u8]) {
    let _ = den_dist::CoreMetadata::parse(data);
}

/// A wheel's RECORD (CSV).
pub fn record(data: &[u8]) {
    let _ = den_install::parse_record(&text(data), Path::new("RECORD"));
}

/// A pyvenv.cfg.
pub fn pyvenv_cfg(data: &[u8]) {
    let _ = den_venv::PyVenvConfig::parse(&text(data));
}

/// The index and page URL every page target parses against.
fn page_context() -> &'static (url::Url, den_dist::PackageName, den_index::IndexUrl) {
    static CONTEXT: OnceLock<(url::Url, den_dist::PackageName, den_index::IndexUrl)> =
        OnceLock::new();
    CONTEXT.get_or_init(|| {
        let index = den_index::IndexUrl::parse("https://index.example/simple/")
            .unwrap_or_else(|err| unreachable_config(&err.to_string()));
        let page = url::Url::parse("https://index.example/simple/demo/")
            .unwrap_or_else(|err| unreachable_config(&err.to_string()));
        let name = den_dist::PackageName::new("demo".to_string())
            .unwrap_or_else(|err| unreachable_config(&err.to_string()));
        (page, name, index)
    })
}

/// The fixed page context failed to build: a bug in this crate, not a finding.
fn unreachable_config(reason: &str) -> ! {
    panic!("den-fuzz-targets' own page context is invalid: {reason}")
}

/// A PEP 503 HTML project page.
pub fn index_html(data: &[u8]) {
    let (page, name, index) = page_context();
    let _ = den_index::parse_project_page(&text(data), false, page, name, index);
}

/// A PEP 691 JSON project page.
pub fn index_json(data: &[u8]) {
    let (page, name, index) = page_context();
    let _ = den_index::parse_project_page(&text(data), true, page, name, index);
}

/// The compact file list a cached index page keeps beside its body (postcard): decoded
/// whole, and read from a cached page as a resolver reads it (`cached_listing`).
pub fn index_files(data: &[u8]) {
    let (_, name, index) = page_context();
    let _ = den_index::decode_files(data, name, index);
    let _ = cached_listing(data);
}

/// `list` as the compact file list of project `demo`'s page in a fresh cache (fresh, read
/// offline), listed through [`den_index::IndexClient::project_listing`] as den's resolver
/// lists a project: holding only the wheels (the entries copied out of the list), then
/// every file; each version's files built. Returns how many files the second listing built
/// (`None` when it failed).
fn cached_listing(list: &[u8]) -> Option<usize> {
    let (page, name, index) = page_context();
    let cache = den_cache::Cache::temporary().ok()?;
    let bucket = cache.bucket(den_cache::CacheBucket::Simple).ok()?;
    let dir = bucket.join(den_cache::safe_key(index.without_credentials().as_str()));
    let generated = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let header = format!(
        "{{\"url\": \"{page}\", \"json\": true, \"etag\": null, \"last_modified\": null, \
         \"generated\": {generated}, \"lifetime\": 86400, \"files_format\": 2, \
         \"files_len\": {}}}\n",
        list.len()
    );
    let mut entry = header.into_bytes();
    entry.extend_from_slice(list);
    entry.extend_from_slice(br#"{"meta": {"api-version": "1.1"}, "name": "demo", "files": []}"#);
    std::fs::create_dir_all(&dir).ok()?;
    std::fs::write(dir.join(format!("{name}.json")), entry).ok()?;
    let config = den_index::IndexConfig {
        index_url: index.clone(),
        cache_policy: den_index::CachePolicy::Offline,
        ..den_index::IndexConfig::default()
    };
    let client = den_index::IndexClient::with_netrc(config, cache, None).ok()?;
    let runtime = tokio::runtime::Builder::new_current_thread().build().ok()?;
    let all: den_index::FileFilter<'_> = &|_| true;
    let wheels: den_index::FileFilter<'_> =
        &|filename| matches!(filename, den_dist::DistFilename::Wheel(_));
    let mut built = None;
    for keep in [wheels, all] {
        built = runtime
            .block_on(client.project_listing(name, all, keep))
            .ok()
            .map(|listing| listing.versions().map(|v| listing.files(v).len()).sum());
    }
    built
}

/// A Pipfile: parsed, every accessor, its hash, pipenv's edits and writer, the pip line of
/// each package; the text also as a Requires-Python for the lock-marker conversion.
pub fn pipfile(data: &[u8]) {
    let text = text(data);
    let _ = den_pipfile::requires_python_marker(&text);
    let _ = den_pipfile::pipfile_hash(&text);
    let Ok(mut file) = den_pipfile::Pipfile::parse(Path::new("Pipfile"), &text) else {
        return;
    };
    let _ = file.sources();
    let _ = file.requires();
    let _ = file.required_python_version();
    let _ = file.scripts();
    let _ = file.settings();
    for category in file.categories() {
        if let Ok(packages) = file.packages(&category.name) {
            for (name, spec) in packages {
                let _ = spec.to_pip_line(&name);
            }
        }
    }
    let _ = file.render();
    file.add_package(
        "packages",
        "Demo_Pkg",
        &den_pipfile::PackageSpec::Version("*".to_string()),
    );
    file.remove_package("dev-packages", "demo");
    let _ = file.hash();
}

/// A Pipfile.lock: parsed, rendered as pipenv writes it, and the rendering parsed again.
pub fn pipfile_lock(data: &[u8]) {
    let Ok(lock) = den_pipfile::Lockfile::from_slice(Path::new("Pipfile.lock"), data) else {
        return;
    };
    let rendered = lock.render();
    let again = den_pipfile::Lockfile::from_slice(Path::new("Pipfile.lock"), rendered.as_bytes());
    assert!(
        again.is_ok(),
        "den cannot read the lock it wrote: {rendered}"
    );
}

/// A pyproject.toml's PEP 735 dependency groups, group `dev` expanded (includes, cycles).
pub fn dependency_groups(data: &[u8]) {
    let file = Path::new("/nonexistent/pyproject.toml");
    let _ = den_requirements::dependency_group_in(&text(data), file, "dev");
}

/// A script's PEP 723 metadata block (`--requirements-from-script`).
pub fn script_metadata(data: &[u8]) {
    let _ = den_requirements::script_metadata_in(&text(data));
}

/// A PEP 751 pylock.toml: validated, rendered, the rendering read again (the same lock), and
/// selected from (all its extras and groups) for a CPython 3.12 on Linux.
pub fn pylock(data: &[u8]) {
    use den_requirements::pylock::Pylock;
    let file = Path::new("/nonexistent/pylock.toml");
    let Ok(lock) = Pylock::parse(&text(data), file) else {
        return;
    };
    let rendered = lock.to_toml();
    let again = Pylock::parse(&rendered, file);
    assert_eq!(
        again.as_ref().ok(),
        Some(&lock),
        "den cannot read the lock it wrote: {rendered}"
    );
    static TARGET: OnceLock<den_python::TargetPython> = OnceLock::new();
    let target = TARGET.get_or_init(|| {
        den_python::TargetPython::cpython_on("3.12", "x86_64-unknown-linux-gnu")
            .expect("CPython 3.12 on Linux is a target")
    });
    let base = Path::new("/nonexistent");
    // Every extra and group the lock declares, and its default groups.
    let selection = den_requirements::pylock::LockSelection {
        extras: lock.extras.iter().cloned().collect(),
        groups: lock.dependency_groups.iter().cloned().collect(),
        default_groups: true,
    };
    let _ = lock.select(
        file,
        base,
        &selection,
        &target.markers,
        &target.tags,
        &target.version,
    );
}

/// A pyenv version file (`.python-version`).
pub fn version_file(data: &[u8]) {
    let _ = den_python::parse_version_file(&text(data), Path::new("/nonexistent/versions"));
}

/// A wheel: written as `demo-1.0-py3-none-any.whl` and unpacked into a temporary cache, with
/// a ceiling of 64 MiB on what it may unpack to.
pub fn wheel(data: &[u8]) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("demo-1.0-py3-none-any.whl");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let Ok(cache) = den_cache::Cache::open(dir.path().join("cache")) else {
        return;
    };
    let _ = den_install::unpack_wheel_within(&cache, &path, 64 << 20);
}

/// An sdist: written as `demo-1.0.tar.gz` and extracted into a temporary directory, with a
/// ceiling of 64 MiB.
pub fn sdist(data: &[u8]) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("demo-1.0.tar.gz");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let _ = den_build::extract_sdist_within(&path, &dir.path().join("out"), 64 << 20);
}

/// An archive given to `den unpack` (tar.gz, tar.zst or zip, told apart by their first
/// bytes), unpacked into a temporary directory with a ceiling of 64 MiB.
pub fn pack_archive(data: &[u8]) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("env.tar.gz");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let options = den_pack::UnpackOptions::default();
    let _ = den_pack::unpack_within(&path, &dir.path().join("out"), &options, 64 << 20, &|_| {});
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cached listing reaches den's compact-list reader: a valid list (the seeds that
    /// decode) is listed whole, file for file.
    #[test]
    fn a_valid_list_is_listed_from_the_cached_page() {
        let (_, name, index) = page_context();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/index_files");
        let mut valid = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let list = std::fs::read(entry.unwrap().path()).unwrap();
            if let Some(files) = den_index::decode_files(&list, name, index) {
                assert_eq!(cached_listing(&list), Some(files.len()));
                valid += 1;
            }
        }
        assert!(
            valid > 0,
            "no seed of fuzz/corpus/index_files is a valid list"
        );
    }
}
