//! [`WheelBuilder`]: writes real, installable wheel files (PEP 427) for tests.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use den_dist::{PackageName, record_hash};
use zip::write::SimpleFileOptions;

/// Builds a wheel file (PEP 427 §File format) with a `.dist-info` directory holding `METADATA`
/// (core metadata 2.1), `WHEEL`, optional `entry_points.txt` and a `RECORD` whose hashes are
/// correct unless [`WheelBuilder::corrupt_record`] is set (sha256 urlsafe-base64-nopad, sizes,
/// CSV quoting for odd member names, RECORD's own line `RECORD,,`).
///
/// Without any [`WheelBuilder::file`] call the wheel holds one module,
/// `<module>/__init__.py` containing `__version__ = '<version>'`, where `<module>` is the name
/// with `-` and `.` replaced by `_`.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = den_test_support::WheelBuilder::new("my-pkg", "1.0")
///     .requires_dist("dep>=1; extra == 'x'")
///     .provides_extra("x")
///     .build(dir.path());
/// assert!(path.ends_with("my_pkg-1.0-py3-none-any.whl"));
/// ```
#[derive(Debug, Clone)]
pub struct WheelBuilder {
    name: String,
    version: String,
    summary: String,
    requires_dist: Vec<String>,
    requires_python: Option<String>,
    provides_extra: Vec<String>,
    extra_headers: Vec<(String, String)>,
    files: Vec<(String, Vec<u8>)>,
    data_files: Vec<(String, Vec<u8>)>,
    console_scripts: Vec<(String, String)>,
    gui_scripts: Vec<(String, String)>,
    tag: String,
    build_tag: Option<String>,
    root_is_purelib: bool,
    corrupt_record: bool,
}

impl WheelBuilder {
    /// A wheel for project `name` (as displayed; the filename uses the normalized form) at
    /// `version`, tagged `py3-none-any`.
    pub fn new(name: &str, version: &str) -> Self {
        Self {
            name: name.to_string(),
            version: version.to_string(),
            summary: format!("The {name} test package"),
            requires_dist: Vec::new(),
            requires_python: None,
            provides_extra: Vec::new(),
            extra_headers: Vec::new(),
            files: Vec::new(),
            data_files: Vec::new(),
            console_scripts: Vec::new(),
            gui_scripts: Vec::new(),
            tag: "py3-none-any".to_string(),
            build_tag: None,
            root_is_purelib: true,
            corrupt_record: false,
        }
    }

    /// Adds a `Requires-Dist` line (PEP 508 requirement, markers allowed).
    pub fn requires_dist(mut self, requirement: &str) -> Self {
        self.requires_dist.push(requirement.to_string());
        self
    }

    /// Sets `Requires-Python` (PEP 440 specifiers, e.g. `>=3.8`).
    pub fn requires_python(mut self, specifiers: &str) -> Self {
        self.requires_python = Some(specifiers.to_string());
        self
    }

    /// Adds a `Provides-Extra` line.
    pub fn provides_extra(mut self, extra: &str) -> Self {
        self.provides_extra.push(extra.to_string());
        self
    }

    /// Sets `Summary` (default: `The <name> test package`).
    pub fn summary(mut self, summary: &str) -> Self {
        self.summary = summary.to_string();
        self
    }

    /// Adds any other core metadata header (`Home-page`, `Author`, `License`...).
    pub fn metadata_header(mut self, key: &str, value: &str) -> Self {
        self.extra_headers
            .push((key.to_string(), value.to_string()));
        self
    }

    /// Adds a file at `path` (forward slashes, relative to the wheel root, e.g.
    /// `pkg/__init__.py`). Replaces the default module.
    pub fn file(mut self, path: &str, contents: &[u8]) -> Self {
        self.files.push((path.to_string(), contents.to_vec()));
        self
    }

    /// Adds a file under `<name>-<version>.data/`, e.g. `scripts/tool` or `data/share/x`
    /// (PEP 427 §The .data directory).
    pub fn data_file(mut self, path: &str, contents: &[u8]) -> Self {
        self.data_files.push((path.to_string(), contents.to_vec()));
        self
    }

    /// Adds a `[console_scripts]` entry point `name = target` (`target` like `pkg.cli:main`).
    pub fn console_script(mut self, name: &str, target: &str) -> Self {
        self.console_scripts
            .push((name.to_string(), target.to_string()));
        self
    }

    /// Adds a `[gui_scripts]` entry point `name = target`.
    pub fn gui_script(mut self, name: &str, target: &str) -> Self {
        self.gui_scripts
            .push((name.to_string(), target.to_string()));
        self
    }

    /// Sets the compatibility tag written to the filename and `WHEEL` (default
    /// `py3-none-any`; compressed sets like `py2.py3-none-any` are expanded in `WHEEL`).
    pub fn tag(mut self, tag: &str) -> Self {
        self.tag = tag.to_string();
        self
    }

    /// Sets a build tag (must start with a digit), placed in the filename and `WHEEL`.
    pub fn build_tag(mut self, build: &str) -> Self {
        self.build_tag = Some(build.to_string());
        self
    }

    /// Sets `Root-Is-Purelib` (default true; false for platform wheels).
    pub fn root_is_purelib(mut self, purelib: bool) -> Self {
        self.root_is_purelib = purelib;
        self
    }

    /// Writes a wrong hash for the first payload file in `RECORD`, for negative tests of
    /// installers that verify RECORD.
    pub fn corrupt_record(mut self) -> Self {
        self.corrupt_record = true;
        self
    }

    /// The name with runs of `-_.` replaced by `_` and lowercased (PEP 427 escaping, as in the
    /// normalized `.dist-info` directory name).
    fn escaped_name(&self) -> String {
        escaped_name(&self.name)
    }

    /// The wheel's filename: `{name}-{version}(-{build})?-{tag}.whl`.
    pub fn filename(&self) -> String {
        let build = self
            .build_tag
            .as_ref()
            .map(|b| format!("-{b}"))
            .unwrap_or_default();
        format!(
            "{}-{}{build}-{}.whl",
            self.escaped_name(),
            self.version,
            self.tag
        )
    }

    /// The `METADATA` file's contents (core metadata 2.1).
    pub fn metadata(&self) -> String {
        let mut out = format!(
            "Metadata-Version: 2.1\nName: {}\nVersion: {}\nSummary: {}\n",
            self.name, self.version, self.summary
        );
        for (key, value) in &self.extra_headers {
            out.push_str(&format!("{key}: {value}\n"));
        }
        if let Some(requires_python) = &self.requires_python {
            out.push_str(&format!("Requires-Python: {requires_python}\n"));
        }
        for extra in &self.provides_extra {
            out.push_str(&format!("Provides-Extra: {extra}\n"));
        }
        for requirement in &self.requires_dist {
            out.push_str(&format!("Requires-Dist: {requirement}\n"));
        }
        out.push_str(&format!("\n# {}\n\nA test package.\n", self.name));
        out
    }

    fn wheel_file(&self) -> String {
        let mut out = format!(
            "Wheel-Version: 1.0\nGenerator: den-test-support\nRoot-Is-Purelib: {}\n",
            self.root_is_purelib
        );
        if let Some(build) = &self.build_tag {
            out.push_str(&format!("Build: {build}\n"));
        }
        let mut parts = self.tag.splitn(3, '-');
        let (py, abi, plat) = (
            parts.next().unwrap_or("py3"),
            parts.next().unwrap_or("none"),
            parts.next().unwrap_or("any"),
        );
        for py in py.split('.') {
            for abi in abi.split('.') {
                for plat in plat.split('.') {
                    out.push_str(&format!("Tag: {py}-{abi}-{plat}\n"));
                }
            }
        }
        out
    }

    fn entry_points(&self) -> Option<String> {
        if self.console_scripts.is_empty() && self.gui_scripts.is_empty() {
            return None;
        }
        let mut out = String::new();
        for (section, entries) in [
            ("console_scripts", &self.console_scripts),
            ("gui_scripts", &self.gui_scripts),
        ] {
            if entries.is_empty() {
                continue;
            }
            out.push_str(&format!("[{section}]\n"));
            for (name, target) in entries {
                out.push_str(&format!("{name} = {target}\n"));
            }
            out.push('\n');
        }
        Some(out)
    }

    /// Every archive member except `RECORD`, in archive order, as `(path, contents)`.
    fn members(&self) -> Vec<(String, Vec<u8>)> {
        let stem = format!("{}-{}", self.escaped_name(), self.version);
        let mut members = if self.files.is_empty() {
            vec![(
                format!("{}/__init__.py", self.escaped_name()),
                format!("__version__ = '{}'\n", self.version).into_bytes(),
            )]
        } else {
            self.files.clone()
        };
        for (path, contents) in &self.data_files {
            members.push((format!("{stem}.data/{path}"), contents.clone()));
        }
        let dist_info = format!("{stem}.dist-info");
        members.push((
            format!("{dist_info}/METADATA"),
            self.metadata().into_bytes(),
        ));
        members.push((format!("{dist_info}/WHEEL"), self.wheel_file().into_bytes()));
        if let Some(entry_points) = self.entry_points() {
            members.push((
                format!("{dist_info}/entry_points.txt"),
                entry_points.into_bytes(),
            ));
        }
        members
    }

    /// The wheel's bytes (a deflated zip archive).
    ///
    /// Panics if the zip cannot be written (it is built in memory, so only on a bug).
    pub fn build_bytes(&self) -> Vec<u8> {
        let members = self.members();
        let record_path = format!("{}-{}.dist-info/RECORD", self.escaped_name(), self.version);
        let mut record = String::new();
        for (index, (path, contents)) in members.iter().enumerate() {
            let hash = if self.corrupt_record && index == 0 {
                record_hash(b"not the contents")
            } else {
                record_hash(contents)
            };
            record.push_str(&format!("{},{hash},{}\n", csv_field(path), contents.len()));
        }
        record.push_str(&format!("{},,\n", csv_field(&record_path)));

        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (path, contents) in members
            .iter()
            .chain(std::iter::once(&(record_path, record.into_bytes())))
        {
            let options = if path.contains(".data/scripts/") {
                options.unix_permissions(0o755)
            } else {
                options.unix_permissions(0o644)
            };
            zip.start_file(path.as_str(), options)
                .expect("starting an in-memory zip member cannot fail");
            zip.write_all(contents)
                .expect("writing to an in-memory zip cannot fail");
        }
        zip.finish()
            .expect("finishing an in-memory zip cannot fail")
            .into_inner()
    }

    /// Writes the wheel into `dir` (created if missing) and returns its path.
    ///
    /// Panics if the file cannot be written; this is test support, where a panic is the
    /// clearest failure.
    pub fn build(&self, dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let path = dir.join(self.filename());
        std::fs::write(&path, self.build_bytes())
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        path
    }
}

/// `name` with runs of `-_.` replaced by `_` and lowercased: the PEP 427 escaping used in
/// wheel, `.dist-info` and (PEP 625) sdist names.
pub(crate) fn escaped_name(name: &str) -> String {
    match PackageName::from_str(name) {
        Ok(name) => name.as_dist_info_name().to_string(),
        Err(_) => name.replace(['-', '.'], "_").to_lowercase(),
    }
}

/// Quotes a RECORD field as Python's `csv` writer does (RFC 4180): fields holding `,`, `"`
/// or a line break are wrapped in `"` with inner `"` doubled.
fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn read_members(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut file = archive.by_index(i).unwrap();
                let mut contents = Vec::new();
                file.read_to_end(&mut contents).unwrap();
                (file.name().unwrap().to_string(), contents)
            })
            .collect()
    }

    /// Splits one CSV line, honouring `"` quoting.
    fn split_csv(line: &str) -> Vec<String> {
        let mut fields = vec![String::new()];
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    chars.next();
                    fields.last_mut().unwrap().push('"');
                }
                '"' => quoted = !quoted,
                ',' if !quoted => fields.push(String::new()),
                c => fields.last_mut().unwrap().push(c),
            }
        }
        fields
    }

    /// Checks every RECORD line against the archive; returns the paths that do not verify.
    fn bad_record_entries(members: &[(String, Vec<u8>)]) -> Vec<String> {
        let (_, record) = members
            .iter()
            .find(|(p, _)| p.ends_with(".dist-info/RECORD"))
            .unwrap();
        let record = String::from_utf8(record.clone()).unwrap();
        let mut bad = Vec::new();
        let mut listed = 0;
        for line in record.lines() {
            let fields = split_csv(line);
            let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
            assert_eq!(fields.len(), 3, "{line}");
            listed += 1;
            let (_, contents) = members.iter().find(|(p, _)| p == fields[0]).unwrap();
            if fields[0].ends_with("RECORD") {
                assert_eq!((fields[1], fields[2]), ("", ""));
                continue;
            }
            if fields[1] != record_hash(contents) || fields[2] != contents.len().to_string() {
                bad.push(fields[0].to_string());
            }
        }
        assert_eq!(listed, members.len(), "RECORD lists every member");
        bad
    }

    #[test]
    fn builds_valid_wheel_with_verifying_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = WheelBuilder::new("My.Pkg", "1.0")
            .requires_dist("dep>=1; extra == 'x'")
            .requires_python(">=3.8")
            .provides_extra("x")
            .data_file("scripts/tool", b"#!python\nprint('hi')\n")
            .console_script("tool", "my_pkg.cli:main")
            .tag("py2.py3-none-any")
            .build(dir.path());
        assert_eq!(path.file_name().unwrap(), "my_pkg-1.0-py2.py3-none-any.whl");
        let members = read_members(&std::fs::read(&path).unwrap());
        assert!(bad_record_entries(&members).is_empty());
        let names: Vec<&str> = members.iter().map(|(p, _)| p.as_str()).collect();
        assert!(names.contains(&"my_pkg/__init__.py"));
        assert!(names.contains(&"my_pkg-1.0.data/scripts/tool"));
        assert!(names.contains(&"my_pkg-1.0.dist-info/entry_points.txt"));
        let get = |name: &str| {
            let (_, c) = members.iter().find(|(p, _)| p == name).unwrap();
            String::from_utf8(c.clone()).unwrap()
        };
        let wheel = get("my_pkg-1.0.dist-info/WHEEL");
        assert!(wheel.contains("Tag: py2-none-any\nTag: py3-none-any\n"));
        assert!(wheel.contains("Root-Is-Purelib: true"));
        let metadata =
            den_dist::CoreMetadata::parse(get("my_pkg-1.0.dist-info/METADATA").as_bytes()).unwrap();
        assert_eq!(metadata.display_name, "My.Pkg");
        assert_eq!(metadata.requires_dist.len(), 1);
        assert_eq!(metadata.provides_extras.len(), 1);
        assert!(metadata.requires_python.is_some());
        assert!(get("my_pkg-1.0.dist-info/entry_points.txt").contains("tool = my_pkg.cli:main"));
    }

    #[test]
    fn corrupt_record_is_detectable() {
        let bytes = WheelBuilder::new("a", "2")
            .file("a.py", b"x = 1\n")
            .file("a/odd, \"name\".txt", b"odd\n")
            .corrupt_record()
            .build_bytes();
        let members = read_members(&bytes);
        assert_eq!(bad_record_entries(&members), vec!["a.py".to_string()]);
    }
}
