//! HTTP caching, --refresh/--offline, find-links, --no-index, trusted hosts and TLS, direct URLs,
//! cross-process locking and the warm path, against loopback servers and temporary directories.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use den_cache::{Cache, CacheBucket, safe_key};
use den_dist::{HashDigest, PackageName};
use den_index::{
    CachePolicy, DEFAULT_FRESHNESS, FileOrigin, IndexClient, IndexConfig, IndexError, IndexUrl,
};
use den_test_support::http::{HttpServer, Response};
use den_test_support::{TestIndex, WheelBuilder};
use url::Url;

fn name(n: &str) -> PackageName {
    PackageName::from_str(n).unwrap()
}

fn config(url: &str) -> IndexConfig {
    IndexConfig {
        index_url: IndexUrl::parse(url).unwrap(),
        timeout: Duration::from_secs(5),
        ..IndexConfig::default()
    }
}

fn client_with(config: IndexConfig, cache: &Cache) -> IndexClient {
    IndexClient::with_netrc(config, cache.clone(), None).unwrap()
}

fn sample_index() -> TestIndex {
    let index = TestIndex::new();
    index.publish(&WheelBuilder::new("demo", "1.0"));
    let dir = tempfile::tempdir().unwrap();
    let sdist = dir.path().join("demo-1.0.tar.gz");
    std::fs::write(&sdist, b"sdist bytes").unwrap();
    index.add_file(&sdist);
    index
}

/// The path of the cached page of `project` from the index at `url`.
fn page_path(cache: &Cache, url: &str, project: &str) -> std::path::PathBuf {
    cache
        .bucket(CacheBucket::Simple)
        .unwrap()
        .join(safe_key(url))
        .join(format!("{project}.json"))
}

/// Rewrites a cached page's stored fetch time to `by` earlier.
fn age_page(path: &std::path::Path, by: Duration) {
    let bytes = std::fs::read(path).unwrap();
    let newline = bytes.iter().position(|&b| b == b'\n').unwrap();
    let mut header: serde_json::Value = serde_json::from_slice(&bytes[..newline]).unwrap();
    let generated = header["generated"].as_u64().unwrap();
    header["generated"] = generated.saturating_sub(by.as_secs()).into();
    let mut out = serde_json::to_vec(&header).unwrap();
    out.extend_from_slice(&bytes[newline..]);
    std::fs::write(path, out).unwrap();
}

/// One request a [`Mini`] server saw: path and `If-None-Match`.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A loopback server answering every project page with one HTML page, `ETag: "v1"` (304 to
/// a matching `If-None-Match`) and the caching headers set with [`Mini::set_headers`].
struct Mini {
    _server: HttpServer,
    url: String,
    seen: Seen,
    headers: Arc<Mutex<Vec<(String, String)>>>,
}

impl Mini {
    fn start() -> Self {
        let seen: Seen = Arc::default();
        let headers: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let (log, extra) = (seen.clone(), headers.clone());
        let server = HttpServer::start(move |request| {
            let if_none_match = request.header("if-none-match").map(str::to_string);
            let not_modified = if_none_match.as_deref() == Some("\"v1\"");
            log.lock()
                .unwrap()
                .push((request.path.clone(), if_none_match));
            let mut headers = vec![
                ("Content-Type".to_string(), "text/html".to_string()),
                ("ETag".to_string(), "\"v1\"".to_string()),
            ];
            headers.extend(extra.lock().unwrap().iter().cloned());
            let (status, body) = if not_modified {
                (304, Vec::new())
            } else {
                let page = "<a href=\"/files/demo-1.0-py3-none-any.whl\">demo</a>";
                (200, page.as_bytes().to_vec())
            };
            Response {
                status,
                headers,
                body,
                cut_after: None,
            }
        });
        Self {
            url: format!("{}/simple/", server.url()),
            _server: server,
            seen,
            headers,
        }
    }

    fn set_headers(&self, headers: &[(&str, &str)]) {
        *self.headers.lock().unwrap() = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    }

    fn take(&self) -> Vec<(String, Option<String>)> {
        std::mem::take(&mut self.seen.lock().unwrap())
    }
}

#[tokio::test]
async fn follows_cache_control() {
    let server = Mini::start();
    // (headers, whether a second client must ask again)
    let cases: &[(&[(&str, &str)], bool)] = &[
        (&[("Cache-Control", "max-age=600")], false),
        (&[], false),
        (&[("Cache-Control", "max-age=0")], true),
        (&[("Cache-Control", "max-age=600, no-cache")], true),
        (&[("Cache-Control", "max-age=600"), ("Age", "600")], true),
        (&[("Expires", "0")], true),
        (
            &[
                ("Date", "Sun, 06 Nov 1994 08:49:37 GMT"),
                ("Expires", "Sun, 06 Nov 1994 08:59:37 GMT"),
            ],
            false,
        ),
    ];
    for (headers, asks_again) in cases {
        server.set_headers(headers);
        let cache = Cache::temporary().unwrap();
        let first = client_with(config(&server.url), &cache);
        assert_eq!(
            first
                .project_files(&name("demo"))
                .await
                .unwrap()
                .files
                .len(),
            1
        );
        assert_eq!(server.take(), [("/simple/demo/".to_string(), None)]);
        let second = client_with(config(&server.url), &cache);
        assert_eq!(
            second
                .project_files(&name("demo"))
                .await
                .unwrap()
                .files
                .len(),
            1
        );
        let expected: Vec<_> = if *asks_again {
            vec![("/simple/demo/".to_string(), Some("\"v1\"".to_string()))]
        } else {
            Vec::new()
        };
        assert_eq!(server.take(), expected, "{headers:?}");
    }

    // no-store: nothing is kept, so the next client asks without validators.
    server.set_headers(&[("Cache-Control", "no-store")]);
    let cache = Cache::temporary().unwrap();
    for _ in 0..2 {
        let client = client_with(config(&server.url), &cache);
        client.project_files(&name("demo")).await.unwrap();
        assert_eq!(server.take(), [("/simple/demo/".to_string(), None)]);
    }
    assert!(!page_path(&cache, &server.url, "demo").exists());
}

#[tokio::test]
async fn pages_without_caching_headers_stay_fresh_for_the_default_time() {
    let index = sample_index();
    let cache = Cache::temporary().unwrap();
    let fetch = || async {
        client_with(config(&index.url()), &cache)
            .project_files(&name("demo"))
            .await
            .unwrap()
    };
    fetch().await;
    let path = page_path(&cache, &index.url(), "demo");
    age_page(&path, DEFAULT_FRESHNESS - Duration::from_secs(30));
    fetch().await;
    assert_eq!(index.page_requests("demo"), 1);
    age_page(&path, Duration::from_secs(30));
    fetch().await;
    assert_eq!(index.page_requests("demo"), 2);
    assert_eq!(index.requests().last().unwrap().status, 304);
    // The 304 renewed the page's freshness.
    fetch().await;
    assert_eq!(index.page_requests("demo"), 2);
}

#[tokio::test]
async fn damaged_or_other_format_file_lists_fall_back_to_the_body() {
    let index = sample_index();
    index.set_upload_time("demo-1.0.tar.gz", "2024-01-01T00:00:00.5Z");
    let cache = Cache::temporary().unwrap();
    let client = client_with(config(&index.url()), &cache);
    let expected = client.project_files(&name("demo")).await.unwrap();
    let sdist = expected
        .files
        .iter()
        .find(|f| f.raw_filename.ends_with(".tar.gz"));
    let uploaded = sdist.and_then(|f| f.upload_time).map(|t| t.to_string());
    assert_eq!(uploaded.as_deref(), Some("2024-01-01T00:00:00.5Z"));
    let path = page_path(&cache, &index.url(), "demo");
    let bytes = std::fs::read(&path).unwrap();
    let newline = bytes.iter().position(|&b| b == b'\n').unwrap();
    let header: serde_json::Value = serde_json::from_slice(&bytes[..newline]).unwrap();
    let list_len = header["files_len"].as_u64().unwrap() as usize;
    assert!(list_len > 0, "{header}");
    let rest = &bytes[newline + 1..];
    // The list cut short but its format current (2); a list of another format version (1,
    // before upload times, or a later one); no list.
    for (format, list) in [
        (2, &rest[..list_len / 2]),
        (1, &rest[..list_len]),
        (99, &rest[..list_len]),
        (0, &rest[..0]),
    ] {
        let mut header = header.clone();
        header["files_format"] = format.into();
        header["files_len"] = list.len().into();
        let mut entry = serde_json::to_vec(&header).unwrap();
        entry.push(b'\n');
        entry.extend_from_slice(list);
        entry.extend_from_slice(&rest[list_len..]);
        std::fs::write(&path, entry).unwrap();
        let client = client_with(config(&index.url()), &cache);
        let files = client.project_files(&name("demo")).await.unwrap();
        assert_eq!(files.files, expected.files, "format {format}");
        assert_eq!(listed(&client).await, expected.files, "format {format}");
    }
    assert_eq!(index.page_requests("demo"), 1, "the page stayed fresh");
}

/// Every file of `demo` through [`IndexClient::project_listing`], version by version.
async fn listed(client: &IndexClient) -> Vec<Arc<den_index::IndexFile>> {
    let listing = client
        .project_listing(&name("demo"), &|_| true, &|_| true)
        .await
        .unwrap();
    listing.versions().flat_map(|v| listing.files(v)).collect()
}

#[tokio::test]
async fn uploaded_prior_to_lists_only_files_uploaded_before_it() {
    let index = sample_index();
    index.publish(&WheelBuilder::new("demo", "2.0"));
    index.set_upload_time("demo-1.0-py3-none-any.whl", "2024-01-01T00:00:00Z");
    index.set_upload_time("demo-1.0.tar.gz", "2024-01-01T00:00:00Z");
    index.set_upload_time("demo-2.0-py3-none-any.whl", "2025-01-01T00:00:00Z");
    let cache = Cache::temporary().unwrap();
    let cutoff = |text: &str| IndexConfig {
        uploaded_prior_to: Some(text.parse().unwrap()),
        ..config(&index.url())
    };
    for from_cache in [false, true] {
        // First from the page, then from its cached compact list.
        let client = client_with(cutoff("2025-01-01T00:00:00Z"), &cache);
        let files = client.project_files(&name("demo")).await.unwrap();
        let names: Vec<&str> = files
            .files
            .iter()
            .map(|f| f.raw_filename.as_str())
            .collect();
        assert_eq!(
            names,
            ["demo-1.0-py3-none-any.whl", "demo-1.0.tar.gz"],
            "{from_cache}"
        );
        let listing = client
            .project_listing(&name("demo"), &|_| true, &|_| true)
            .await
            .unwrap();
        let versions: Vec<String> = listing.versions().map(ToString::to_string).collect();
        assert_eq!(versions, ["1.0"], "{from_cache}");
    }
    let all = client_with(config(&index.url()), &cache);
    assert_eq!(
        all.project_files(&name("demo")).await.unwrap().files.len(),
        3
    );
    // A file without an upload time: pip's error, naming the page.
    index.publish(&WheelBuilder::new("demo", "3.0"));
    let refresh = IndexConfig {
        cache_policy: CachePolicy::Refresh,
        ..cutoff("2025-01-01T00:00:00Z")
    };
    let client = client_with(refresh, &cache);
    let err = client.project_files(&name("demo")).await.unwrap_err();
    let page = format!(
        "Index {}demo/ does not provide upload-time metadata.",
        index.url()
    );
    assert_eq!(err.to_string(), page);
    let err = client
        .project_listing(&name("demo"), &|_| true, &|_| true)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), page);
}

#[tokio::test]
async fn a_listing_builds_the_files_the_page_lists() {
    let index = sample_index();
    index.publish(&WheelBuilder::new("demo", "2.0"));
    let cache = Cache::temporary().unwrap();
    let client = client_with(config(&index.url()), &cache);
    let expected = client.project_files(&name("demo")).await.unwrap();
    let mut all = expected.files.clone();
    all.sort_by(|a, b| a.filename.version().cmp(b.filename.version()));
    // Read from the compact list of the cached page.
    let fresh = client_with(config(&index.url()), &cache);
    assert_eq!(listed(&fresh).await, all);
    // 3.0 publishes only an sdist.
    let dir = tempfile::tempdir().unwrap();
    let sdist = dir.path().join("demo-3.0.tar.gz");
    std::fs::write(&sdist, b"sdist bytes").unwrap();
    index.add_file(&sdist);
    let refresh = IndexConfig {
        cache_policy: CachePolicy::Refresh,
        ..config(&index.url())
    };
    let fetched = client_with(refresh, &cache);
    let all = |_: &den_dist::DistFilename| true;
    let wheels = |f: &den_dist::DistFilename| matches!(f, den_dist::DistFilename::Wheel(_));
    let version = |text: &str| den_dist::Version::from_str(text).unwrap();
    for client in [&fetched, &client_with(config(&index.url()), &cache)] {
        // Files `list` refuses are as if not listed: 3.0 is not a version.
        let listing = client
            .project_listing(&name("demo"), &wheels, &all)
            .await
            .unwrap();
        let versions: Vec<String> = listing.versions().map(ToString::to_string).collect();
        assert_eq!(versions, ["1.0", "2.0"]);
        assert_eq!(
            listing.files(&version("1.0")).len(),
            1,
            "the sdist is left out"
        );
        // Files `keep` refuses still make their version known, with no file.
        let listing = client
            .project_listing(&name("demo"), &all, &wheels)
            .await
            .unwrap();
        let versions: Vec<String> = listing.versions().map(ToString::to_string).collect();
        assert_eq!(versions, ["1.0", "2.0", "3.0"]);
        let files = listing.files(&version("1.0"));
        let names: Vec<&str> = files.iter().map(|f| f.raw_filename.as_str()).collect();
        assert_eq!(names, ["demo-1.0-py3-none-any.whl"]);
        let files = listing.files(&version("2.0"));
        let names: Vec<&str> = files.iter().map(|f| f.raw_filename.as_str()).collect();
        assert_eq!(names, ["demo-2.0-py3-none-any.whl"]);
        assert!(listing.files(&version("3.0")).is_empty());
    }
    let err = fresh
        .project_listing(&name("nope"), &|_| true, &|_| true)
        .await
        .unwrap_err();
    assert!(matches!(err, IndexError::NotFound { .. }), "{err}");
}

#[tokio::test]
async fn refresh_revalidates_every_page_once() {
    let index = sample_index();
    let cache = Cache::temporary().unwrap();
    client_with(config(&index.url()), &cache)
        .project_files(&name("demo"))
        .await
        .unwrap();
    let refresh = client_with(
        IndexConfig {
            cache_policy: CachePolicy::Refresh,
            ..config(&index.url())
        },
        &cache,
    );
    for _ in 0..2 {
        assert_eq!(
            refresh
                .project_files(&name("demo"))
                .await
                .unwrap()
                .files
                .len(),
            2
        );
    }
    assert_eq!(index.page_requests("demo"), 2);
    assert_eq!(index.requests().last().unwrap().status, 304);
}

#[tokio::test]
async fn offline_uses_only_the_cache() {
    let index = sample_index();
    index.publish(&WheelBuilder::new("other", "1.0"));
    let url = index.url().replace("http://", "http://alice:s3cret@");
    let cache = Cache::temporary().unwrap();
    let online = client_with(config(&url), &cache);
    let files = online.project_files(&name("demo")).await.unwrap();
    let wheel = files
        .files
        .iter()
        .find(|f| f.raw_filename.ends_with(".whl"))
        .unwrap();
    online.download(wheel).await.unwrap();
    index.clear_requests();

    // Even a stale page is used offline, without a request.
    age_page(
        &page_path(&cache, &index.url(), "demo"),
        DEFAULT_FRESHNESS * 100,
    );
    let offline = client_with(
        IndexConfig {
            cache_policy: CachePolicy::Offline,
            ..config(&url)
        },
        &cache,
    );
    let files = offline.project_files(&name("demo")).await.unwrap();
    assert_eq!(files.files.len(), 2);
    offline.download(wheel).await.unwrap();
    offline.wheel_metadata(wheel).await.unwrap();

    let err = offline.project_files(&name("other")).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, IndexError::Offline { .. }), "{message}");
    assert!(
        message.starts_with("the page of project `other` (http://alice:****@127.0.0.1:"),
        "{message}"
    );
    assert!(message.contains("drop --offline"), "{message}");
    assert!(!message.contains("s3cret"), "{message}");

    let sdist = files
        .files
        .iter()
        .find(|f| f.raw_filename == "demo-1.0.tar.gz")
        .unwrap();
    let err = offline.download(sdist).await.unwrap_err().to_string();
    assert!(err.starts_with("demo-1.0.tar.gz (http://"), "{err}");
    let direct = Url::parse(&index.file_url("other-1.0-py3-none-any.whl")).unwrap();
    let err = offline.download_url(&direct, &[]).await.unwrap_err();
    assert!(matches!(err, IndexError::Offline { .. }), "{err}");
    assert!(index.requests().is_empty(), "{:?}", index.requests());
}

/// A find-links directory with a wheel and an sdist of `demo` and a wheel of `other`.
fn links_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    WheelBuilder::new("demo", "3.0").build(dir.path());
    WheelBuilder::new("other", "1.0").build(dir.path());
    std::fs::write(dir.path().join("demo-4.0.tar.gz"), b"sdist").unwrap();
    dir
}

#[tokio::test]
async fn find_links_are_merged_with_the_indexes() {
    let index = sample_index();
    let page_index = TestIndex::new();
    page_index.publish(&WheelBuilder::new("demo", "9.0"));
    page_index.set_json(false);
    let dir = links_dir();
    let dir_text = dir.path().to_str().unwrap().to_string();
    let page = format!("{}demo/", page_index.url());
    let cache = Cache::temporary().unwrap();
    let client = client_with(
        IndexConfig {
            find_links: vec![dir_text.clone(), page.clone()],
            ..config(&index.url())
        },
        &cache,
    );
    let files = client.project_files(&name("demo")).await.unwrap();
    let listed: Vec<(&str, String)> = files
        .files
        .iter()
        .map(|f| (f.raw_filename.as_str(), f.origin.to_string()))
        .collect();
    assert_eq!(
        listed,
        [
            ("demo-1.0-py3-none-any.whl", index.url()),
            ("demo-1.0.tar.gz", index.url()),
            ("demo-3.0-py3-none-any.whl", dir_text.clone()),
            ("demo-4.0.tar.gz", dir_text.clone()),
            ("demo-9.0-py3-none-any.whl", page.clone()),
        ]
    );
    let from_dir = &files.files[2];
    assert_eq!(from_dir.origin, FileOrigin::FindLinks(dir_text.clone()));
    // Local files are used in place, metadata included.
    let path = client.download(from_dir).await.unwrap();
    assert_eq!(path, dir.path().join("demo-3.0-py3-none-any.whl"));
    assert_eq!(
        client
            .wheel_metadata(from_dir)
            .await
            .unwrap()
            .version
            .to_string(),
        "3.0"
    );
    // Files from an HTML page are downloaded into the cache, checked against its hashes.
    let remote = client.download(&files.files[4]).await.unwrap();
    assert!(remote.starts_with(cache.root()), "{}", remote.display());
    assert_eq!(page_index.file_requests("demo-9.0-py3-none-any.whl"), 1);
    assert_eq!(files.files[4].hashes.len(), 1);

    // Projects only in find-links are found too; the page was fetched once.
    let other = client.project_files(&name("other")).await.unwrap();
    assert_eq!(other.files.len(), 1);
    assert_eq!(page_index.page_requests("demo"), 1);
}

#[tokio::test]
async fn no_index_uses_only_find_links() {
    let index = sample_index();
    let dir = links_dir();
    let dir_text = dir.path().to_str().unwrap().to_string();
    let client = client_with(
        IndexConfig {
            no_index: true,
            find_links: vec![dir_text.clone()],
            ..config(&index.url())
        },
        &Cache::temporary().unwrap(),
    );
    let files = client.project_files(&name("demo")).await.unwrap();
    assert_eq!(files.files.len(), 2);
    let err = client.project_files(&name("nope")).await.unwrap_err();
    match &err {
        IndexError::NotFound { indexes, .. } => assert_eq!(indexes, &[dir_text]),
        other => panic!("expected NotFound, got {other}"),
    }
    assert!(err.to_string().contains("--find-links"), "{err}");
    assert!(index.requests().is_empty());

    let nothing = client_with(
        IndexConfig {
            no_index: true,
            ..config(&index.url())
        },
        &Cache::temporary().unwrap(),
    );
    let err = nothing.project_files(&name("demo")).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("not found on no index at all (--no-index without --find-links)"),
        "{err}"
    );
}

#[tokio::test]
async fn local_files_with_wrong_hashes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let wheel = WheelBuilder::new("demo", "1.0").build(dir.path());
    let wrong = "0".repeat(64);
    let html = dir.path().join("links.html");
    std::fs::write(
        &html,
        format!("<a href=\"demo-1.0-py3-none-any.whl#sha256={wrong}\">demo</a>"),
    )
    .unwrap();
    let client = client_with(
        IndexConfig {
            no_index: true,
            find_links: vec![html.to_str().unwrap().to_string()],
            ..IndexConfig::default()
        },
        &Cache::temporary().unwrap(),
    );
    let files = client.project_files(&name("demo")).await.unwrap();
    assert_eq!(files.files[0].url().unwrap().scheme(), "file");
    let err = client.download(&files.files[0]).await.unwrap_err();
    match &err {
        IndexError::HashMismatch {
            filename,
            expected,
            actual,
        } => {
            assert_eq!(filename, &wheel.display().to_string());
            assert_eq!(expected, &format!("sha256={wrong}"));
            assert!(
                actual.starts_with("sha256=") && actual != expected,
                "{actual}"
            );
        }
        other => panic!("expected a hash mismatch, got {other}"),
    }
    let message = err.to_string();
    assert!(message.contains(&wrong) && message.contains("demo-1.0-py3-none-any.whl"));
    // download_url checks file:// URLs in place too.
    let url = Url::from_file_path(&wheel).unwrap();
    assert_eq!(client.download_url(&url, &[]).await.unwrap(), wheel);
    let bad = HashDigest::new("sha256", &wrong).unwrap();
    let err = client.download_url(&url, &[bad]).await.unwrap_err();
    assert!(matches!(err, IndexError::HashMismatch { .. }), "{err}");
}

#[tokio::test]
async fn plain_http_needs_a_trusted_host() {
    let index = sample_index();
    // 0.0.0.0 reaches the loopback server but is not a loopback address.
    let url = index.url().replace("127.0.0.1", "u:pw@0.0.0.0");
    let port = Url::parse(&url).unwrap().port().unwrap();
    let err = client_with(config(&url), &Cache::temporary().unwrap())
        .project_files(&name("demo"))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, IndexError::InsecureHost { .. }), "{message}");
    assert!(
        message.contains(&format!("--trusted-host 0.0.0.0:{port}")),
        "{message}"
    );
    assert!(!message.contains("pw@"), "{message}");

    for trusted in ["0.0.0.0".to_string(), format!("0.0.0.0:{port}")] {
        let client = client_with(
            IndexConfig {
                trusted_hosts: vec![trusted],
                ..config(&url)
            },
            &Cache::temporary().unwrap(),
        );
        let files = client.project_files(&name("demo")).await.unwrap();
        assert_eq!(files.files.len(), 2);
    }
    let elsewhere = client_with(
        IndexConfig {
            trusted_hosts: vec!["0.0.0.0:1".to_string()],
            ..config(&url)
        },
        &Cache::temporary().unwrap(),
    );
    let err = elsewhere.project_files(&name("demo")).await.unwrap_err();
    assert!(matches!(err, IndexError::InsecureHost { .. }), "{err}");
}

#[tokio::test]
async fn direct_urls_are_cached_by_url() {
    let index = sample_index();
    index.require_auth("alice", "s3cret");
    let cache = Cache::temporary().unwrap();
    let with_credentials = |filename: &str| {
        Url::parse(
            &index
                .file_url(filename)
                .replace("http://", "http://alice:s3cret@"),
        )
        .unwrap()
    };
    for (filename, bucket) in [
        ("demo-1.0-py3-none-any.whl", CacheBucket::Wheels),
        ("demo-1.0.tar.gz", CacheBucket::Sdists),
    ] {
        let url = with_credentials(filename);
        for _ in 0..2 {
            let client = client_with(IndexConfig::default(), &cache);
            let path = client.download_url(&url, &[]).await.unwrap();
            assert_eq!(path.file_name().unwrap(), filename);
            assert!(path.starts_with(cache.bucket(bucket).unwrap()));
        }
        assert_eq!(index.file_requests(filename), 1);
        // Nothing pins an unhashed URL's content: --refresh fetches it again, and so does an
        // ordinary run once the copy is older than DEFAULT_FRESHNESS.
        let refresh = IndexConfig {
            cache_policy: CachePolicy::Refresh,
            ..IndexConfig::default()
        };
        let path = client_with(refresh, &cache)
            .download_url(&url, &[])
            .await
            .unwrap();
        assert_eq!(index.file_requests(filename), 2);
        let old = std::time::SystemTime::now() - den_index::DEFAULT_FRESHNESS * 2;
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let client = client_with(IndexConfig::default(), &cache);
        client.download_url(&url, &[]).await.unwrap();
        assert_eq!(index.file_requests(filename), 3);
    }
    let sdist_sha = {
        let mut hasher = den_dist::Hasher::new(den_dist::HashAlgorithm::Sha256);
        hasher.update(b"sdist bytes");
        hasher.finalize()
    };
    let client = client_with(IndexConfig::default(), &cache);
    let mut url = with_credentials("demo-1.0.tar.gz");
    url.set_fragment(Some(&sdist_sha.to_string()));
    client.download_url(&url, &[sdist_sha]).await.unwrap();

    // A wrong hash for a cached file: downloaded again, still wrong, refused.
    let wrong = HashDigest::new("sha256", &"1".repeat(64)).unwrap();
    let err = client
        .download_url(&with_credentials("demo-1.0.tar.gz"), &[wrong])
        .await
        .unwrap_err();
    assert!(matches!(err, IndexError::HashMismatch { .. }), "{err}");
    let err = client
        .download_url(&with_credentials("missing-1.0.tar.gz"), &[])
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, IndexError::Http { status: 404, .. }),
        "{message}"
    );
    assert!(message.contains("alice:****@"), "{message}");
    assert!(!message.contains("s3cret"), "{message}");
    let err = client
        .download_url(&Url::parse("http://a:s3cret@127.0.0.1/dir/").unwrap(), &[])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("file name") && !err.contains("s3cret"),
        "{err}"
    );
}

#[tokio::test]
async fn concurrent_clients_download_once() {
    let index = sample_index();
    index.slow_file("demo-1.0.tar.gz", Duration::from_millis(300));
    index.slow_project("demo", Duration::from_millis(300));
    let cache = Cache::temporary().unwrap();
    // Two clients stand for two den processes: they share only the cache directory.
    let (a, b) = (
        client_with(config(&index.url()), &cache),
        client_with(config(&index.url()), &cache),
    );
    let demo = name("demo");
    let (pages_a, pages_b) = tokio::join!(a.project_files(&demo), b.project_files(&demo));
    let (pages_a, pages_b) = (pages_a.unwrap(), pages_b.unwrap());
    assert_eq!(pages_a.files, pages_b.files);
    assert_eq!(index.page_requests("demo"), 1);
    let sdist = pages_a
        .files
        .iter()
        .find(|f| f.raw_filename == "demo-1.0.tar.gz")
        .unwrap();
    let (path_a, path_b) = tokio::join!(a.download(sdist), b.download(sdist));
    assert_eq!(path_a.unwrap(), path_b.unwrap());
    assert_eq!(index.file_requests("demo-1.0.tar.gz"), 1);
}

#[tokio::test]
async fn slow_downloads_time_out_with_advice() {
    let index = sample_index();
    index.slow_file("demo-1.0.tar.gz", Duration::from_secs(2));
    let url = index
        .file_url("demo-1.0.tar.gz")
        .replace("http://", "http://u:hunter2@");
    let client = client_with(
        IndexConfig {
            timeout: Duration::from_millis(200),
            retries: 0,
            ..IndexConfig::default()
        },
        &Cache::temporary().unwrap(),
    );
    let err = client
        .download_url(&Url::parse(&url).unwrap(), &[])
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, IndexError::Timeout { tries: 1, .. }),
        "{message}"
    );
    assert!(
        message.starts_with(&format!(
            "{} did not answer within 0.2 s, 1 try in all;",
            url.replace("hunter2", "****")
        )),
        "{message}"
    );
    assert!(message.contains("--timeout") && message.contains("PIP_DEFAULT_TIMEOUT"));
}

#[tokio::test]
async fn tls_trust_comes_from_trusted_hosts_or_the_ca_bundle() {
    // The self-signed certificate of `tests/data` (for `127.0.0.1`, made for these tests only).
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let server = HttpServer::start_tls(
        |request| {
            Response::new(
                200,
                "text/html",
                format!("<a href=\"/files/demo-1.0.tar.gz\">{}</a>", request.path),
            )
        },
        &data.join("cert.pem"),
        &data.join("key.pem"),
    );
    let base = server.url();
    let url = format!("{base}/simple/");
    let err = client_with(config(&url), &Cache::temporary().unwrap())
        .project_files(&name("demo"))
        .await
        .unwrap_err();
    assert!(matches!(err, IndexError::Network { .. }), "{err}");
    assert!(err.to_string().contains("certificate"), "{err}");

    let trusted = client_with(
        IndexConfig {
            trusted_hosts: vec!["127.0.0.1".to_string()],
            ..config(&url)
        },
        &Cache::temporary().unwrap(),
    );
    let files = trusted.project_files(&name("demo")).await.unwrap();
    assert_eq!(
        files.files[0].url_str(),
        format!("{base}/files/demo-1.0.tar.gz")
    );

    // Trusting the certificate itself (--cert) works too.
    let with_cert = client_with(
        IndexConfig {
            cert: Some(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cert.pem"),
            ),
            ..config(&url)
        },
        &Cache::temporary().unwrap(),
    );
    with_cert.project_files(&name("demo")).await.unwrap();
}

// The warm path: 200 projects with PyPI-like pages, listed again from the cache by a new
// client (a new den process) without a single request.

const PROJECTS: usize = 200;
const FILES_PER_PROJECT: usize = 100;

/// A PEP 691 page shaped like PyPI's: many wheels per release, absolute file URLs, hashes,
/// `requires-python`, core metadata, sizes and upload times.
fn page(project: &str) -> String {
    let files: Vec<serde_json::Value> = (0..FILES_PER_PROJECT)
        .map(|i| {
            let filename = if i % 10 == 0 {
                format!("{project}-1.{i}.0.tar.gz")
            } else {
                format!(
                    "{project}-1.{}.0-cp3{}-cp3{}-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                    i / 10,
                    i % 10,
                    i % 10
                )
            };
            serde_json::json!({
                "filename": filename,
                "url": format!("https://files.example/packages/{i:02x}/{:064x}/{filename}", i),
                "hashes": {"sha256": format!("{:064x}", i * 7919)},
                "requires-python": if i % 3 == 0 { ">=3.8" } else { ">=3.9,<4" },
                "core-metadata": {"sha256": format!("{:064x}", i * 104_729)},
                "size": 1_234_567 + i,
                "upload-time": "2024-01-01T00:00:00.000000Z",
                "yanked": false,
            })
        })
        .collect();
    serde_json::json!({"meta": {"api-version": "1.1"}, "name": project, "files": files}).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warm_listing_makes_no_requests() {
    let requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = requests.clone();
    let server = HttpServer::start(move |request| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        assert!(
            request
                .header("accept")
                .is_some_and(|a| a.starts_with(den_index::JSON_MEDIA_TYPE))
        );
        let project = request
            .path
            .trim_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("");
        Response {
            status: 200,
            headers: vec![
                (
                    "Content-Type".into(),
                    "application/vnd.pypi.simple.v1+json".into(),
                ),
                ("Cache-Control".into(), "max-age=600, public".into()),
                ("ETag".into(), format!("\"{project}\"")),
            ],
            body: page(project).into_bytes(),
            cut_after: None,
        }
    });
    let config = config(&format!("{}/simple/", server.url()));
    let cache = Cache::temporary().unwrap();
    let names: Vec<PackageName> = (0..PROJECTS)
        .map(|i| name(&format!("project-{i}")))
        .collect();
    let list_all = |client: IndexClient| {
        let names = names.clone();
        async move {
            let started = std::time::Instant::now();
            let listed =
                futures::future::join_all(names.iter().map(|n| client.project_files(n))).await;
            let files: usize = listed.into_iter().map(|p| p.unwrap().files.len()).sum();
            assert_eq!(files, PROJECTS * FILES_PER_PROJECT);
            started.elapsed()
        }
    };
    let new_client = || IndexClient::with_netrc(config.clone(), cache.clone(), None).unwrap();
    let cold = list_all(new_client()).await;
    assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), PROJECTS);
    let warm = list_all(new_client()).await;
    assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), PROJECTS);
    eprintln!(
        "{PROJECTS} projects x {FILES_PER_PROJECT} files: cold {cold:?}, warm {warm:?} \
         (debug build)"
    );
}

/// `project_files_where` builds only the admitted versions' files, both from the page as
/// fetched and from its cached compact list, returns every file when no version is admitted,
/// and returns the whole list once this process has read it.
#[tokio::test]
async fn project_files_where_reads_only_the_wanted_versions() {
    let index = TestIndex::new();
    for version in ["1.0", "1.1", "2.0"] {
        index.publish(&WheelBuilder::new("demo", version));
    }
    let dir = tempfile::tempdir().unwrap();
    let sdist = dir.path().join("demo-1.1.tar.gz");
    std::fs::write(&sdist, b"sdist bytes").unwrap();
    index.add_file(&sdist);
    let cache = Cache::temporary().unwrap();
    let versions = |files: &den_index::ProjectFiles| {
        let mut names: Vec<String> = files.files.iter().map(|f| f.raw_filename.clone()).collect();
        names.sort();
        names
    };
    let pinned = |v: &den_dist::Version| v.to_string() == "1.1";
    // First from the network (the list parsed from the page), then from the cache (its
    // compact list), each by a new client so nothing is shared in memory.
    for _ in 0..2 {
        let client = client_with(config(&index.url()), &cache);
        let files = client
            .project_files_where(&name("demo"), &pinned)
            .await
            .unwrap();
        assert_eq!(
            versions(&files),
            ["demo-1.1-py3-none-any.whl", "demo-1.1.tar.gz"]
        );
    }
    let client = client_with(config(&index.url()), &cache);
    let none = |v: &den_dist::Version| v.to_string() == "9.9";
    let files = client
        .project_files_where(&name("demo"), &none)
        .await
        .unwrap();
    assert_eq!(files.files.len(), 4, "{:?}", versions(&files));
    let whole = client.project_files(&name("demo")).await.unwrap();
    let files = client
        .project_files_where(&name("demo"), &pinned)
        .await
        .unwrap();
    assert!(Arc::ptr_eq(&files, &whole));
    let err = client
        .project_files_where(&name("missing"), &pinned)
        .await
        .unwrap_err();
    assert!(matches!(err, IndexError::NotFound { .. }), "{err}");
}
