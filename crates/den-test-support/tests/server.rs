//! The test index answers like a real simple repository.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use den_test_support::{JSON_MEDIA_TYPE, TestIndex, WheelBuilder};

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

/// A minimal HTTP/1.1 GET over a fresh connection.
fn get(index: &TestIndex, path: &str, headers: &[(&str, &str)]) -> Reply {
    let url = url::Url::parse(&index.url()).unwrap();
    let mut stream = TcpStream::connect((url.host_str().unwrap(), url.port().unwrap())).unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect();
    Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

fn sample() -> (TestIndex, String) {
    let index = TestIndex::new();
    let wheel = WheelBuilder::new("Foo.Bar", "1.0").requires_python(">=3.8,<4");
    index.publish(&wheel);
    (index, wheel.filename())
}

#[test]
fn serves_html_by_default_and_json_on_request() {
    let (index, filename) = sample();
    let html = get(&index, "/simple/foo-bar/", &[]);
    assert_eq!(html.status, 200);
    assert!(
        html.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let text = html.text();
    assert!(text.contains(&format!("href=\"../../files/{filename}#sha256=")));
    assert!(text.contains("data-requires-python=\"&gt;=3.8,&lt;4\""));
    assert!(text.contains("data-core-metadata=\"sha256="));

    let json = get(
        &index,
        "/simple/Foo_Bar",
        &[("Accept", &format!("{JSON_MEDIA_TYPE}, text/html;q=0.1"))],
    );
    assert_eq!(json.header("content-type"), Some(JSON_MEDIA_TYPE));
    let value: serde_json::Value = serde_json::from_slice(&json.body).unwrap();
    let file = &value["files"][0];
    assert_eq!(file["filename"], filename.as_str());
    assert_eq!(file["requires-python"], ">=3.8,<4");
    assert_eq!(file["yanked"], false);
    assert!(file["core-metadata"]["sha256"].is_string());
    assert_eq!(value["versions"][0], "1.0");

    let root = get(&index, "/simple/", &[("Accept", JSON_MEDIA_TYPE)]);
    let value: serde_json::Value = serde_json::from_slice(&root.body).unwrap();
    assert_eq!(value["projects"][0]["name"], "foo-bar");
    assert_eq!(get(&index, "/simple/missing/", &[]).status, 404);
}

#[test]
fn serves_files_metadata_and_ranges() {
    let (index, filename) = sample();
    let path = format!("/files/{filename}");
    let full = get(&index, &path, &[]);
    assert_eq!(full.status, 200);
    assert_eq!(full.header("accept-ranges"), Some("bytes"));
    let len = full.body.len();

    let tail = get(&index, &path, &[("Range", "bytes=-22")]);
    assert_eq!(tail.status, 206);
    assert_eq!(tail.body, full.body[len - 22..]);
    assert_eq!(
        tail.header("content-range").unwrap(),
        format!("bytes {}-{}/{len}", len - 22, len - 1)
    );
    let middle = get(&index, &path, &[("Range", "bytes=10-19")]);
    assert_eq!(middle.body, full.body[10..20]);
    let open = get(&index, &path, &[("Range", "bytes=5-")]);
    assert_eq!(open.body, full.body[5..]);
    let bad = get(&index, &path, &[("Range", &format!("bytes={len}-"))]);
    assert_eq!(bad.status, 416);

    let metadata = get(&index, &format!("{path}.metadata"), &[]);
    assert!(metadata.text().contains("Name: Foo.Bar"));
    index.corrupt_metadata(&filename);
    let corrupted = get(&index, &format!("{path}.metadata"), &[]);
    assert!(corrupted.text().ends_with("Requires-Dist: injected\n"));

    index.set_metadata_files(false).set_range_requests(false);
    assert_eq!(get(&index, &format!("{path}.metadata"), &[]).status, 404);
    assert!(
        !get(&index, "/simple/foo-bar/", &[])
            .text()
            .contains("metadata")
    );
    let refused = get(&index, &path, &[("Range", "bytes=-22")]);
    assert_eq!(refused.status, 200);
    assert_eq!(refused.body.len(), len);
    assert_eq!(index.file_requests(&filename), 6);
}

#[test]
fn injects_faults_and_yanks() {
    let (index, filename) = sample();
    index.fail_project_times("foo-bar", 503, 2);
    assert_eq!(get(&index, "/simple/foo-bar/", &[]).status, 503);
    assert_eq!(get(&index, "/simple/foo-bar/", &[]).status, 503);
    assert_eq!(get(&index, "/simple/foo-bar/", &[]).status, 200);
    assert_eq!(index.page_requests("foo-bar"), 3);

    index.yank(&filename, "broken");
    assert!(
        get(&index, "/simple/foo-bar/", &[])
            .text()
            .contains("data-yanked=\"broken\"")
    );

    let good = get(&index, &format!("/files/{filename}"), &[]).body;
    index.corrupt_file(&filename);
    let bad = get(&index, &format!("/files/{filename}"), &[]).body;
    assert_eq!(good.len(), bad.len());
    assert_ne!(good, bad);

    index.slow_project("foo-bar", Duration::from_millis(300));
    let start = std::time::Instant::now();
    get(&index, "/simple/foo-bar/", &[]);
    assert!(start.elapsed() >= Duration::from_millis(300));

    index.fail_project("foo-bar", 404);
    assert_eq!(get(&index, "/simple/foo-bar/", &[]).status, 404);
}

#[test]
fn revalidates_with_etags_and_requires_auth() {
    let (index, _) = sample();
    let first = get(&index, "/simple/foo-bar/", &[]);
    let etag = first.header("etag").unwrap().to_string();
    let second = get(&index, "/simple/foo-bar/", &[("If-None-Match", &etag)]);
    assert_eq!(second.status, 304);
    assert!(second.body.is_empty());

    index.require_auth("alice", "s3cret");
    assert_eq!(get(&index, "/simple/foo-bar/", &[]).status, 401);
    // "alice:s3cret" in base64.
    let ok = get(
        &index,
        "/simple/foo-bar/",
        &[("Authorization", "Basic YWxpY2U6czNjcmV0")],
    );
    assert_eq!(ok.status, 200);
    assert!(
        index
            .url_with_credentials()
            .contains("alice:s3cret@127.0.0.1")
    );
}

#[test]
fn serves_sdists_and_keeps_connections_alive() {
    let index = TestIndex::new();
    let dir = tempfile::tempdir().unwrap();
    let sdist = dir.path().join("foo_bar-2.0.tar.gz");
    std::fs::write(&sdist, b"not really a tarball").unwrap();
    index.add_file(&sdist);
    let page = get(&index, "/simple/foo-bar/", &[]).text();
    assert!(page.contains("foo_bar-2.0.tar.gz#sha256="));

    // Two requests on one connection.
    let url = url::Url::parse(&index.url()).unwrap();
    let mut stream = TcpStream::connect(("127.0.0.1", url.port().unwrap())).unwrap();
    stream
        .write_all(b"GET /simple/ HTTP/1.1\r\nHost: x\r\n\r\nGET /simple/foo-bar/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    assert_eq!(raw.matches("HTTP/1.1 200 OK").count(), 2);
}
