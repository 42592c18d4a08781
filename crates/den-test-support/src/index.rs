//! [`TestIndex`]: a simple repository (PEP 503 HTML and PEP 691 JSON, PEP 658/714 metadata
//! files, PEP 592 yanking, PEP 700 sizes) served over loopback, with fault injection and
//! request counting.

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use den_dist::{HashAlgorithm, Hasher, PackageName, WheelFilename};

use crate::WheelBuilder;
use crate::http::{HttpServer, Request, Response};

/// The PEP 691 JSON media type.
pub const JSON_MEDIA_TYPE: &str = "application/vnd.pypi.simple.v1+json";

/// One request the index answered, for assertions about caching and retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// `GET` or `HEAD`.
    pub method: String,
    /// The request path, percent-decoded, without query (`/simple/foo/`, `/files/x.whl`).
    pub path: String,
    /// The status code sent.
    pub status: u16,
    /// The `Range` header, if any.
    pub range: Option<String>,
}

#[derive(Debug, Clone)]
struct FileEntry {
    filename: String,
    bytes: Vec<u8>,
    sha256: String,
    requires_python: Option<String>,
    yanked: Option<String>,
    metadata: Option<Vec<u8>>,
    corrupt: bool,
    corrupt_metadata: bool,
    /// PEP 700 `upload-time`, given on JSON pages when set.
    upload_time: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct Fault {
    status: Option<u16>,
    /// `(status, remaining)`: answer `status` for the next `remaining` requests.
    fail_times: Option<(u16, usize)>,
    delay: Option<Wait>,
    /// Send only the first half of a file, then close the connection.
    cut: bool,
}

/// What an injected slow response waits for before it is sent.
#[derive(Debug, Clone)]
enum Wait {
    /// A fixed time.
    Delay(Duration),
    /// Until the test opens the gate.
    Gate(Arc<GateState>),
}

/// Whether a gate is open, and the condition its held responses wait on.
#[derive(Debug, Default)]
struct GateState(Mutex<bool>, std::sync::Condvar);

impl GateState {
    fn open(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.1.notify_all();
    }

    fn wait(&self) {
        let mut open = self.0.lock().unwrap_or_else(|e| e.into_inner());
        while !*open {
            open = self.1.wait(open).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// A gate that holds back the responses of a project's page until [`Gate::open`] is called or
/// the gate drops (also when a test panics), from [`TestIndex::hold_project`]: a test makes a
/// den process wait at a known point (it has asked for the page, see
/// [`TestIndex::page_requests`]) without timing assumptions.
#[derive(Debug)]
pub struct Gate(Arc<GateState>);

impl Gate {
    /// Lets every held and later response through.
    pub fn open(&self) {
        self.0.open();
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.0.open();
    }
}

#[derive(Debug)]
struct State {
    base: String,
    /// Normalized project name -> files.
    projects: BTreeMap<String, Vec<FileEntry>>,
    /// Keyed by normalized project name (page faults) or filename (file faults).
    faults: HashMap<String, Fault>,
    metadata_files: bool,
    ranges: bool,
    json: bool,
    auth: Option<(String, String)>,
    log: Vec<LoggedRequest>,
}

/// A package index on `http://127.0.0.1:<port>/simple/`, serving what was added to it:
///
/// - `/simple/` lists projects; `/simple/<normalized-name>/` lists files, as PEP 691 JSON
///   when the `Accept` header prefers `application/vnd.pypi.simple.v1+json`, else PEP 503
///   HTML (relative `href`s with `#sha256=` fragments, `data-requires-python`, `data-yanked`,
///   `data-dist-info-metadata` and `data-core-metadata`). Pages carry an `ETag` and answer
///   `If-None-Match` with 304.
/// - `/files/<filename>` serves a file with `Accept-Ranges: bytes`, honouring single
///   `Range: bytes=a-b`, `bytes=a-` and suffix `bytes=-N` requests with 206 (416 when
///   unsatisfiable); `/files/<filename>.metadata` serves a wheel's `METADATA` (PEP 658).
///
/// The server runs on background threads and stops when the `TestIndex` drops.
pub struct TestIndex {
    state: Arc<Mutex<State>>,
    server: HttpServer,
    dir: tempfile::TempDir,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

fn sha256_hex(bytes: &[u8]) -> String {
    let mut hasher = Hasher::new(HashAlgorithm::Sha256);
    hasher.update(bytes);
    hasher.finalize().hex
}

fn normalize(name: &str) -> String {
    PackageName::from_str(name)
        .map(|n| n.to_string())
        .unwrap_or_else(|_| name.to_lowercase())
}

/// Reads `*.dist-info/METADATA` out of wheel bytes.
fn wheel_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let name = archive
        .file_names()
        .filter_map(Result::ok)
        .find(|n| n.ends_with(".dist-info/METADATA") && n.matches('/').count() == 1)?
        .to_string();
    let mut contents = Vec::new();
    archive
        .by_name(&name)
        .ok()?
        .read_to_end(&mut contents)
        .ok()?;
    Some(contents)
}

fn escape_attr(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl TestIndex {
    /// Starts an empty index with metadata files, range requests and JSON all enabled.
    ///
    /// Panics if no loopback port can be bound.
    pub fn new() -> Self {
        let state = Arc::new(Mutex::new(State {
            base: String::new(),
            projects: BTreeMap::new(),
            faults: HashMap::new(),
            metadata_files: true,
            ranges: true,
            json: true,
            auth: None,
            log: Vec::new(),
        }));
        let handler_state = state.clone();
        let server = HttpServer::start(move |request: &Request| handle(&handler_state, request));
        lock(&state).base = format!("http://{}", server.addr());
        let dir = tempfile::tempdir().expect("creating the test index's temporary directory");
        Self { state, server, dir }
    }

    /// The index URL, `http://127.0.0.1:<port>/simple/`.
    pub fn url(&self) -> String {
        format!("http://{}/simple/", self.server.addr())
    }

    /// The index URL with the credentials set by [`TestIndex::require_auth`] embedded:
    /// `http://user:pass@127.0.0.1:<port>/simple/` (plain [`TestIndex::url`] without auth).
    pub fn url_with_credentials(&self) -> String {
        match &lock(&self.state).auth {
            Some((user, password)) => {
                format!("http://{user}:{password}@{}/simple/", self.server.addr())
            }
            None => self.url(),
        }
    }

    /// The absolute URL of a served file: `http://127.0.0.1:<port>/files/<filename>`.
    pub fn file_url(&self, filename: &str) -> String {
        format!("http://{}/files/{filename}", self.server.addr())
    }

    /// Serves the wheel at `path`; its project, `Requires-Python` and PEP 658 metadata come
    /// from the wheel's filename and `METADATA`.
    ///
    /// Panics if the file cannot be read or its name is not a wheel filename.
    pub fn add_wheel(&self, path: &Path) -> &Self {
        let (filename, bytes) = read(path);
        let wheel = WheelFilename::from_str(&filename)
            .unwrap_or_else(|e| panic!("{} is not a wheel: {e}", path.display()));
        let metadata = wheel_metadata(&bytes);
        let requires_python = metadata
            .as_deref()
            .and_then(|m| den_dist::CoreMetadata::parse(m).ok())
            .and_then(|m| m.header("Requires-Python").map(str::to_string));
        self.insert(
            wheel.name.to_string(),
            FileEntry {
                sha256: sha256_hex(&bytes),
                filename,
                bytes,
                requires_python,
                yanked: None,
                metadata,
                corrupt: false,
                corrupt_metadata: false,
                upload_time: None,
            },
        );
        self
    }

    /// Serves any file at `path`: wheels as in [`TestIndex::add_wheel`], anything else (source
    /// distributions) under the project named by the part of the filename before its last `-`.
    ///
    /// Panics if the file cannot be read.
    pub fn add_file(&self, path: &Path) -> &Self {
        if path.extension().is_some_and(|e| e == "whl") {
            return self.add_wheel(path);
        }
        let (filename, bytes) = read(path);
        let project = filename
            .rsplit_once('-')
            .map(|(name, _)| name)
            .unwrap_or(&filename);
        self.insert(
            normalize(project),
            FileEntry {
                sha256: sha256_hex(&bytes),
                filename,
                bytes,
                requires_python: None,
                yanked: None,
                metadata: None,
                corrupt: false,
                corrupt_metadata: false,
                upload_time: None,
            },
        );
        self
    }

    /// Builds `wheel` into the index's own temporary directory, serves it, and returns its path.
    pub fn publish(&self, wheel: &WheelBuilder) -> PathBuf {
        let path = wheel.build(self.dir.path());
        self.add_wheel(&path);
        path
    }

    fn insert(&self, project: String, entry: FileEntry) {
        let mut state = lock(&self.state);
        let files = state.projects.entry(project).or_default();
        files.retain(|f| f.filename != entry.filename);
        files.push(entry);
    }

    fn with_file(&self, filename: &str, f: impl FnOnce(&mut FileEntry)) {
        let mut state = lock(&self.state);
        let entry = state
            .projects
            .values_mut()
            .flat_map(|files| files.iter_mut())
            .find(|e| e.filename == filename)
            .unwrap_or_else(|| panic!("the test index has no file {filename}"));
        f(entry);
    }

    /// Marks `filename` yanked (PEP 592) with `reason` (may be empty).
    pub fn yank(&self, filename: &str, reason: &str) -> &Self {
        self.with_file(filename, |e| e.yanked = Some(reason.to_string()));
        self
    }

    /// Overrides the `Requires-Python` the index publishes for `filename`.
    pub fn set_requires_python(&self, filename: &str, specifiers: &str) -> &Self {
        self.with_file(filename, |e| {
            e.requires_python = Some(specifiers.to_string())
        });
        self
    }

    /// Publishes `time` (PEP 700's `yyyy-mm-ddThh:mm:ss[.ffffff]Z`, given as is) as the
    /// `upload-time` of `filename` on JSON pages (HTML pages have none).
    pub fn set_upload_time(&self, filename: &str, time: &str) -> &Self {
        self.with_file(filename, |e| e.upload_time = Some(time.to_string()));
        self
    }

    /// Serves `filename` with one byte flipped, while listing the hash of the real bytes.
    pub fn corrupt_file(&self, filename: &str) -> &Self {
        self.with_file(filename, |e| e.corrupt = true);
        self
    }

    /// Serves `filename`'s PEP 658 metadata file with an extra line, while listing the hash
    /// of the real one.
    pub fn corrupt_metadata(&self, filename: &str) -> &Self {
        self.with_file(filename, |e| e.corrupt_metadata = true);
        self
    }

    fn fault(&self, key: String, f: impl FnOnce(&mut Fault)) -> &Self {
        f(lock(&self.state).faults.entry(key).or_default());
        self
    }

    /// Answers every request for `project`'s page with `status` (e.g. 404, 500).
    pub fn fail_project(&self, project: &str, status: u16) -> &Self {
        self.fault(normalize(project), |f| f.status = Some(status))
    }

    /// Answers the next `times` requests for `project`'s page with `status`, then normally.
    pub fn fail_project_times(&self, project: &str, status: u16, times: usize) -> &Self {
        self.fault(normalize(project), |f| f.fail_times = Some((status, times)))
    }

    /// Waits `delay` before answering requests for `project`'s page.
    pub fn slow_project(&self, project: &str, delay: Duration) -> &Self {
        self.fault(normalize(project), |f| f.delay = Some(Wait::Delay(delay)))
    }

    /// Holds back the answers to requests for `project`'s page (they are logged on arrival)
    /// until the returned gate is opened or dropped.
    pub fn hold_project(&self, project: &str) -> Gate {
        let state = Arc::new(GateState::default());
        let held = Arc::clone(&state);
        self.fault(normalize(project), |f| f.delay = Some(Wait::Gate(held)));
        Gate(state)
    }

    /// Answers every request for `filename` (and its `.metadata`) with `status`.
    pub fn fail_file(&self, filename: &str, status: u16) -> &Self {
        self.fault(filename.to_string(), |f| f.status = Some(status))
    }

    /// Sends only the first half of `filename` (its `Content-Length` says the whole), then
    /// closes the connection: a transfer that fails midway.
    pub fn cut_file(&self, filename: &str) -> &Self {
        self.fault(filename.to_string(), |f| f.cut = true)
    }

    /// Waits `delay` before answering requests for `filename`.
    pub fn slow_file(&self, filename: &str, delay: Duration) -> &Self {
        self.fault(filename.to_string(), |f| f.delay = Some(Wait::Delay(delay)))
    }

    /// Turns PEP 658/714 metadata files on (default) or off: when off, pages do not advertise
    /// them and `/files/<name>.metadata` is 404.
    pub fn set_metadata_files(&self, enabled: bool) -> &Self {
        lock(&self.state).metadata_files = enabled;
        self
    }

    /// Turns range requests on (default) or off: when off, files carry no `Accept-Ranges` and
    /// `Range` headers are ignored (full 200 responses).
    pub fn set_range_requests(&self, enabled: bool) -> &Self {
        lock(&self.state).ranges = enabled;
        self
    }

    /// Turns PEP 691 JSON on (default) or off: when off, pages are always HTML.
    pub fn set_json(&self, enabled: bool) -> &Self {
        lock(&self.state).json = enabled;
        self
    }

    /// Requires HTTP basic auth with `user`/`password` on every path (401 otherwise).
    pub fn require_auth(&self, user: &str, password: &str) -> &Self {
        lock(&self.state).auth = Some((user.to_string(), password.to_string()));
        self
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.state).log.clone()
    }

    /// How many requests (any method, any status) were made for `path`
    /// (e.g. `/simple/foo/` or `/files/foo-1.0-py3-none-any.whl`).
    pub fn request_count(&self, path: &str) -> usize {
        lock(&self.state)
            .log
            .iter()
            .filter(|r| r.path == path)
            .count()
    }

    /// How many requests were made for `project`'s page.
    pub fn page_requests(&self, project: &str) -> usize {
        self.request_count(&format!("/simple/{}/", normalize(project)))
    }

    /// How many requests were made for `filename` itself (not its `.metadata`).
    pub fn file_requests(&self, filename: &str) -> usize {
        self.request_count(&format!("/files/{filename}"))
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        lock(&self.state).log.clear();
    }
}

impl Default for TestIndex {
    fn default() -> Self {
        Self::new()
    }
}

/// The version part of a wheel or `{name}-{version}.{ext}` filename (PEP 700 `versions`).
fn file_version(filename: &str) -> Option<String> {
    if let Ok(wheel) = WheelFilename::from_str(filename) {
        return Some(wheel.version.to_string());
    }
    let (_, rest) = filename.rsplit_once('-')?;
    [".tar.gz", ".tar.bz2", ".zip", ".tgz"]
        .iter()
        .find_map(|ext| rest.strip_suffix(ext))
        .map(str::to_string)
}

fn read(path: &Path) -> (String, Vec<u8>) {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let filename = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_else(|| panic!("{} has no UTF-8 file name", path.display()))
        .to_string();
    (filename, bytes)
}

/// Routes one request; logs it with its status, then applies any injected delay.
fn handle(state: &Mutex<State>, request: &Request) -> Response {
    let path = request.path.split(['?', '#']).next().unwrap_or("/");
    let path = percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned();
    let (response, delay) = {
        let mut state = lock(state);
        let (response, delay) = respond(&mut state, request, &path);
        // Logged on arrival, so slow requests count while they are still being answered.
        state.log.push(LoggedRequest {
            method: request.method.clone(),
            path,
            status: response.status,
            range: request.header("range").map(str::to_string),
        });
        (response, delay)
    };
    match delay {
        Some(Wait::Delay(delay)) => std::thread::sleep(delay),
        Some(Wait::Gate(gate)) => gate.wait(),
        None => {}
    }
    response
}

/// Applies the fault registered under `key`, if any: returns the failure response to send
/// instead, and the delay to wait either way.
fn apply_fault(state: &mut State, key: &str) -> (Option<Response>, Option<Wait>) {
    let Some(fault) = state.faults.get_mut(key) else {
        return (None, None);
    };
    let status = match &mut fault.fail_times {
        Some((status, remaining)) if *remaining > 0 => {
            *remaining -= 1;
            Some(*status)
        }
        _ => fault.status,
    };
    let failure = status.map(|s| Response::text(s, &format!("injected failure {s} for {key}\n")));
    (failure, fault.delay.clone())
}

fn respond(state: &mut State, request: &Request, path: &str) -> (Response, Option<Wait>) {
    if !matches!(request.method.as_str(), "GET" | "HEAD") {
        return (Response::text(405, "only GET and HEAD\n"), None);
    }
    if let Some((user, password)) = &state.auth {
        let expected = format!("Basic {}", STANDARD.encode(format!("{user}:{password}")));
        if request.header("authorization") != Some(expected.as_str()) {
            let response = Response::text(401, "authentication required\n")
                .with_header("WWW-Authenticate", "Basic realm=\"test index\"");
            return (response, None);
        }
    }
    if path == "/simple/" || path == "/simple" {
        return (negotiate(state, request, None), None);
    }
    if let Some(project) = path.strip_prefix("/simple/") {
        let project = project.trim_end_matches('/');
        let normalized = normalize(project);
        let (failure, delay) = apply_fault(state, &normalized);
        if let Some(failure) = failure {
            return (failure, delay);
        }
        if !state.projects.contains_key(&normalized) {
            return (Response::text(404, "no such project\n"), delay);
        }
        return (negotiate(state, request, Some(&normalized)), delay);
    }
    if let Some(filename) = path.strip_prefix("/files/") {
        let (filename, metadata) = match filename.strip_suffix(".metadata") {
            Some(wheel) => (wheel, true),
            None => (filename, false),
        };
        let (failure, delay) = apply_fault(state, filename);
        if let Some(failure) = failure {
            return (failure, delay);
        }
        let Some(entry) = state
            .projects
            .values()
            .flatten()
            .find(|e| e.filename == filename)
        else {
            return (Response::text(404, "no such file\n"), delay);
        };
        if metadata {
            return match (&entry.metadata, state.metadata_files) {
                (Some(m), true) => {
                    let mut body = m.clone();
                    if entry.corrupt_metadata {
                        body.extend_from_slice(b"Requires-Dist: injected\n");
                    }
                    (Response::new(200, "application/octet-stream", body), delay)
                }
                _ => (Response::text(404, "no metadata file\n"), delay),
            };
        }
        let mut bytes = entry.bytes.clone();
        let middle = bytes.len() / 2;
        if entry.corrupt
            && let Some(byte) = bytes.get_mut(middle)
        {
            *byte ^= 0xff;
        }
        let mut response = serve_bytes(bytes, request, state.ranges);
        if state.faults.get(filename).is_some_and(|fault| fault.cut) {
            response.cut_after = Some(response.body.len() / 2);
        }
        return (response, delay);
    }
    (Response::text(404, "not found\n"), None)
}

/// Serves file bytes, honouring a single `Range` when `ranges` is on.
fn serve_bytes(bytes: Vec<u8>, request: &Request, ranges: bool) -> Response {
    let content_type = "application/octet-stream";
    if !ranges {
        return Response::new(200, content_type, bytes);
    }
    let len = bytes.len() as u64;
    let Some(spec) = request
        .header("range")
        .and_then(|r| r.strip_prefix("bytes="))
    else {
        return Response::new(200, content_type, bytes).with_header("Accept-Ranges", "bytes");
    };
    if spec.contains(',') {
        // Multiple ranges: allowed to answer with the whole file.
        return Response::new(200, content_type, bytes).with_header("Accept-Ranges", "bytes");
    }
    let range = match spec.trim().split_once('-') {
        Some(("", suffix)) => suffix
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0 && len > 0)
            .map(|n| (len.saturating_sub(n), len - 1)),
        Some((start, "")) => start
            .parse::<u64>()
            .ok()
            .filter(|s| *s < len)
            .map(|s| (s, len - 1)),
        Some((start, end)) => match (start.parse::<u64>(), end.parse::<u64>()) {
            (Ok(s), Ok(e)) if s <= e && s < len => Some((s, e.min(len - 1))),
            _ => None,
        },
        None => None,
    };
    match range {
        Some((start, end)) => {
            // Both bounds are below `len`, which came from a `usize`.
            let body = bytes[start as usize..=end as usize].to_vec();
            Response::new(206, content_type, body)
                .with_header("Accept-Ranges", "bytes")
                .with_header("Content-Range", format!("bytes {start}-{end}/{len}"))
        }
        None => Response::text(416, "range not satisfiable\n")
            .with_header("Content-Range", format!("bytes */{len}")),
    }
}

/// Whether the `Accept` header prefers PEP 691 JSON over HTML (by quality, ties to JSON).
fn wants_json(request: &Request) -> bool {
    let Some(accept) = request.header("accept") else {
        return false;
    };
    let mut json_q = 0.0_f32;
    let mut html_q = 0.0_f32;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            JSON_MEDIA_TYPE => json_q = json_q.max(q),
            "application/vnd.pypi.simple.v1+html" | "text/html" | "*/*" => html_q = html_q.max(q),
            _ => {}
        }
    }
    json_q > 0.0 && json_q >= html_q
}

/// Renders the root listing (`project` = `None`) or a project page in the negotiated format,
/// with an `ETag` and `If-None-Match` support.
fn negotiate(state: &State, request: &Request, project: Option<&str>) -> Response {
    let json = state.json && wants_json(request);
    let (content_type, body) = match (project, json) {
        (None, true) => (JSON_MEDIA_TYPE, root_json(state)),
        (None, false) => ("text/html; charset=utf-8", root_html(state)),
        (Some(p), true) => (JSON_MEDIA_TYPE, project_json(state, p)),
        (Some(p), false) => ("text/html; charset=utf-8", project_html(state, p)),
    };
    let etag = format!("\"{}\"", &sha256_hex(body.as_bytes())[..16]);
    if request
        .header("if-none-match")
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag))
    {
        return Response::new(304, content_type, Vec::new())
            .with_header("ETag", etag)
            .with_header("Vary", "Accept");
    }
    Response::new(200, content_type, body)
        .with_header("ETag", etag)
        .with_header("Vary", "Accept")
}

fn root_html(state: &State) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.1\">\
         <title>Simple index</title></head><body>\n",
    );
    for name in state.projects.keys() {
        out.push_str(&format!("<a href=\"{name}/\">{name}</a><br/>\n"));
    }
    out.push_str("</body></html>\n");
    out
}

fn root_json(state: &State) -> String {
    let projects: Vec<_> = state
        .projects
        .keys()
        .map(|name| serde_json::json!({ "name": name }))
        .collect();
    serde_json::json!({ "meta": { "api-version": "1.1" }, "projects": projects }).to_string()
}

fn project_html(state: &State, project: &str) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.1\">\
         <title>Links for {project}</title></head><body><h1>Links for {project}</h1>\n"
    );
    for entry in state.projects.get(project).into_iter().flatten() {
        out.push_str(&format!(
            "<a href=\"../../files/{}#sha256={}\"",
            entry.filename, entry.sha256
        ));
        if let Some(requires_python) = &entry.requires_python {
            out.push_str(&format!(
                " data-requires-python=\"{}\"",
                escape_attr(requires_python)
            ));
        }
        if let Some(reason) = &entry.yanked {
            out.push_str(&format!(" data-yanked=\"{}\"", escape_attr(reason)));
        }
        if let (Some(metadata), true) = (&entry.metadata, state.metadata_files) {
            let hash = sha256_hex(metadata);
            out.push_str(&format!(
                " data-dist-info-metadata=\"sha256={hash}\" data-core-metadata=\"sha256={hash}\""
            ));
        }
        out.push_str(&format!(">{}</a><br/>\n", entry.filename));
    }
    out.push_str("</body></html>\n");
    out
}

fn project_json(state: &State, project: &str) -> String {
    let files: Vec<_> = state
        .projects
        .get(project)
        .into_iter()
        .flatten()
        .map(|entry| {
            let mut file = serde_json::json!({
                "filename": entry.filename,
                "url": format!("{}/files/{}", state.base, entry.filename),
                "hashes": { "sha256": entry.sha256 },
                "requires-python": entry.requires_python,
                "size": entry.bytes.len(),
                "yanked": match &entry.yanked {
                    None => serde_json::Value::Bool(false),
                    Some(reason) if reason.is_empty() => serde_json::Value::Bool(true),
                    Some(reason) => serde_json::Value::String(reason.clone()),
                },
            });
            if let Some(time) = &entry.upload_time {
                file["upload-time"] = serde_json::Value::String(time.clone());
            }
            if let (Some(metadata), true) = (&entry.metadata, state.metadata_files) {
                let hashes = serde_json::json!({ "sha256": sha256_hex(metadata) });
                file["core-metadata"] = hashes.clone();
                file["dist-info-metadata"] = hashes;
            }
            file
        })
        .collect();
    let mut versions: Vec<String> = state
        .projects
        .get(project)
        .into_iter()
        .flatten()
        .filter_map(|entry| file_version(&entry.filename))
        .collect();
    versions.sort();
    versions.dedup();
    serde_json::json!({
        "meta": { "api-version": "1.1" },
        "name": project,
        "versions": versions,
        "files": files,
    })
    .to_string()
}
