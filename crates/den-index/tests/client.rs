//! The index client against a loopback test index.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use den_cache::{Cache, CacheBucket};
use den_dist::{DistFilename, PackageName};
use den_index::{
    DEFAULT_FRESHNESS, Fetch, IndexClient, IndexConfig, IndexError, IndexFile, IndexUrl, Netrc,
    ProjectFiles,
};
use den_test_support::http::refused_addr;
use den_test_support::{TestIndex, WheelBuilder};

fn config(url: &str) -> IndexConfig {
    IndexConfig {
        index_url: IndexUrl::parse(url).unwrap(),
        timeout: Duration::from_secs(5),
        ..IndexConfig::default()
    }
}

fn client(url: &str, cache: &Cache) -> IndexClient {
    IndexClient::with_netrc(config(url), cache.clone(), None).unwrap()
}

fn name(n: &str) -> PackageName {
    PackageName::from_str(n).unwrap()
}

fn sample_index() -> TestIndex {
    let index = TestIndex::new();
    index.publish(
        &WheelBuilder::new("Demo", "1.0")
            .requires_python(">=3.8")
            .requires_dist("dep>=1; extra == 'x'")
            .provides_extra("x"),
    );
    index.publish(&WheelBuilder::new("demo", "2.0"));
    index.yank("demo-2.0-py3-none-any.whl", "broken build");
    let dir = tempfile::tempdir().unwrap();
    let sdist = dir.path().join("demo-1.0.tar.gz");
    std::fs::write(&sdist, b"sdist bytes").unwrap();
    index.add_file(&sdist);
    index
}

/// Pseudo-random, incompressible bytes.
fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Makes every cached index page `by` older, as if fetched that long ago.
fn age_pages(cache: &Cache, by: Duration) {
    let simple = cache.bucket(CacheBucket::Simple).unwrap();
    for dir in std::fs::read_dir(simple).unwrap() {
        let dir = dir.unwrap().path();
        if dir.file_name().unwrap() == ".locks" {
            continue;
        }
        for page in std::fs::read_dir(dir).unwrap() {
            let page = page.unwrap().path();
            let bytes = std::fs::read(&page).unwrap();
            let newline = bytes.iter().position(|&b| b == b'\n').unwrap();
            let mut header: serde_json::Value = serde_json::from_slice(&bytes[..newline]).unwrap();
            let generated = header["generated"].as_u64().unwrap();
            header["generated"] = generated.saturating_sub(by.as_secs()).into();
            let mut out = serde_json::to_vec(&header).unwrap();
            out.extend_from_slice(&bytes[newline..]);
            std::fs::write(&page, out).unwrap();
        }
    }
}

/// The files `client` lists for the project `demo`.
async fn demo_files(client: &IndexClient) -> Result<Arc<ProjectFiles>, IndexError> {
    client.project_files(&name("demo")).await
}

fn file<'a>(files: &'a [Arc<IndexFile>], filename: &str) -> &'a IndexFile {
    files.iter().find(|f| f.raw_filename == filename).unwrap()
}

#[tokio::test]
async fn reads_json_and_html_pages_alike() {
    let index = sample_index();
    let cache = Cache::temporary().unwrap();
    let json = client(&index.url(), &cache)
        .project_files(&name("DEMO"))
        .await
        .unwrap();
    assert_eq!(index.requests()[0].status, 200);
    index.set_json(false);
    let html = demo_files(&client(&index.url(), &Cache::temporary().unwrap()))
        .await
        .unwrap();
    for files in [&json.files, &html.files] {
        assert_eq!(files.len(), 3);
        let one = file(files, "demo-1.0-py3-none-any.whl");
        assert!(matches!(one.filename, DistFilename::Wheel(_)));
        assert_eq!(one.url_str(), index.file_url("demo-1.0-py3-none-any.whl"));
        assert_eq!(one.requires_python.as_ref().unwrap().to_string(), ">=3.8");
        assert_eq!(one.hashes.len(), 1);
        assert!(one.core_metadata);
        assert_eq!(one.yanked, None);
        let two = file(files, "demo-2.0-py3-none-any.whl");
        assert_eq!(two.yanked.as_deref(), Some("broken build"));
        let sdist = file(files, "demo-1.0.tar.gz");
        assert!(matches!(sdist.filename, DistFilename::SourceDist(_)));
        assert!(!sdist.core_metadata);
    }
    assert_eq!(file(&json.files, "demo-1.0.tar.gz").size, Some(11));
    assert_eq!(file(&html.files, "demo-1.0.tar.gz").size, None);
}

#[tokio::test]
async fn missing_projects_are_not_found() {
    let index = sample_index();
    let err = client(&index.url(), &Cache::temporary().unwrap())
        .project_files(&name("nope"))
        .await
        .unwrap_err();
    assert!(matches!(err, IndexError::NotFound { .. }), "{err}");
    assert!(err.to_string().contains(&index.url()), "{err}");
}

#[tokio::test]
async fn retries_server_errors_then_fails() {
    let index = sample_index();
    index.fail_project("demo", 500);
    let err = demo_files(&client(&index.url(), &Cache::temporary().unwrap()))
        .await
        .unwrap_err();
    assert!(matches!(err, IndexError::Http { status: 500, .. }), "{err}");
    assert_eq!(index.page_requests("demo"), 3);

    let index = sample_index();
    index.fail_project_times("demo", 503, 2);
    let files = demo_files(&client(&index.url(), &Cache::temporary().unwrap()))
        .await
        .unwrap();
    assert_eq!(files.files.len(), 3);
    assert_eq!(index.page_requests("demo"), 3);
}

#[tokio::test]
async fn unreachable_index_is_a_clear_network_error() {
    let port = refused_addr().port();
    let url = format!("http://u:hunter2@127.0.0.1:{port}/simple/");
    let mut config = config(&url);
    config.retries = 0;
    let client = IndexClient::with_netrc(config, Cache::temporary().unwrap(), None).unwrap();
    let err = demo_files(&client).await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, IndexError::Network { .. }), "{message}");
    assert!(
        message.starts_with(&format!(
            "could not reach http://u:****@127.0.0.1:{port}/simple/demo/: "
        )),
        "{message}"
    );
    assert!(
        message.ends_with("Check your network or --index-url"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
}

#[tokio::test]
async fn pages_are_fetched_once_and_revalidated() {
    let index = sample_index();
    let cache = Cache::temporary().unwrap();
    let first = client(&index.url(), &cache);
    let (lower, upper) = (name("demo"), name("Demo"));
    let (a, b) = tokio::join!(first.project_files(&lower), first.project_files(&upper));
    assert_eq!(a.unwrap().files, b.unwrap().files);
    demo_files(&first).await.unwrap();
    assert_eq!(index.page_requests("demo"), 1);

    // A second "process" sharing the cache uses the fresh page without a request.
    let second = client(&index.url(), &cache);
    assert_eq!(demo_files(&second).await.unwrap().files.len(), 3);
    assert_eq!(index.page_requests("demo"), 1);

    // Once stale, a third revalidates and gets 304.
    age_pages(&cache, DEFAULT_FRESHNESS);
    let second = client(&index.url(), &cache);
    let files = demo_files(&second).await.unwrap();
    assert_eq!(files.files.len(), 3);
    let log = index.requests();
    assert_eq!(index.page_requests("demo"), 2);
    assert_eq!(log.last().unwrap().status, 304);

    // A changed page is picked up once stale.
    index.publish(&WheelBuilder::new("demo", "3.0"));
    age_pages(&cache, DEFAULT_FRESHNESS);
    let files = demo_files(&client(&index.url(), &cache)).await.unwrap();
    assert_eq!(files.files.len(), 4);
    assert_eq!(index.requests().last().unwrap().status, 200);
}

#[tokio::test]
async fn merges_extra_indexes() {
    let primary = sample_index();
    let extra = TestIndex::new();
    extra.publish(&WheelBuilder::new("demo", "9.0"));
    extra.publish(&WheelBuilder::new("only-extra", "1.0"));
    let mut config = config(&primary.url());
    config.extra_index_urls = vec![IndexUrl::parse(&extra.url()).unwrap()];
    let client = IndexClient::with_netrc(config, Cache::temporary().unwrap(), None).unwrap();
    let demo = demo_files(&client).await.unwrap();
    assert_eq!(demo.files.len(), 4);
    assert_eq!(demo.files[3].raw_filename, "demo-9.0-py3-none-any.whl");
    assert_eq!(demo.files[3].origin.to_string(), extra.url());
    let only = client.project_files(&name("only_extra")).await.unwrap();
    assert_eq!(only.files.len(), 1);
}

#[tokio::test]
async fn metadata_from_pep658_files_is_cached() {
    let index = sample_index();
    let cache = Cache::temporary().unwrap();
    let client1 = client(&index.url(), &cache);
    let files = demo_files(&client1).await.unwrap();
    let wheel = file(&files.files, "demo-1.0-py3-none-any.whl");
    let metadata = client1.wheel_metadata(wheel).await.unwrap();
    assert_eq!(metadata.display_name, "Demo");
    assert_eq!(metadata.requires_dist.len(), 1);
    assert_eq!(
        index.request_count("/files/demo-1.0-py3-none-any.whl.metadata"),
        1
    );
    assert_eq!(index.file_requests("demo-1.0-py3-none-any.whl"), 0);

    let client2 = client(&index.url(), &cache);
    client2.wheel_metadata(wheel).await.unwrap();
    assert_eq!(
        index.request_count("/files/demo-1.0-py3-none-any.whl.metadata"),
        1
    );

    let sdist = file(&files.files, "demo-1.0.tar.gz");
    let err = client2.wheel_metadata(sdist).await.unwrap_err();
    assert!(matches!(err, IndexError::Metadata { .. }), "{err}");
}

#[tokio::test]
async fn metadata_through_range_requests() {
    let index = TestIndex::new();
    // A central directory larger than the first tail request, preceded by METADATA and a
    // large incompressible file: the directory and METADATA each need their own range.
    let mut builder = WheelBuilder::new("big", "1.0")
        .file("big/__init__.py", b"")
        .file("big/blob.bin", &noise(100_000))
        .requires_dist("small");
    for i in 0..1500 {
        builder = builder.file(
            &format!("big/a_rather_long_module_name_to_grow_the_directory_{i}.py"),
            b"",
        );
    }
    index.publish(&builder);
    index.publish(&WheelBuilder::new("small", "1.0"));
    index.set_metadata_files(false);
    let cache = Cache::temporary().unwrap();
    let client = client(&index.url(), &cache);
    for (project, filename) in [
        ("big", builder.filename()),
        ("small", "small-1.0-py3-none-any.whl".to_string()),
    ] {
        let files = client.project_files(&name(project)).await.unwrap();
        let wheel = file(&files.files, &filename);
        assert!(!wheel.core_metadata);
        let metadata = client.wheel_metadata(wheel).await.unwrap();
        assert_eq!(metadata.name, name(project));
        let requests: Vec<_> = index
            .requests()
            .into_iter()
            .filter(|r| r.path == format!("/files/{filename}"))
            .collect();
        assert!(!requests.is_empty());
        assert!(
            requests
                .iter()
                .all(|r| r.status == 206 && r.range.is_some()),
            "{requests:?}"
        );
        assert!(!client.cached_path(wheel).unwrap().exists());
    }
    assert_eq!(index.file_requests(&builder.filename()), 3);
}

#[tokio::test]
async fn metadata_through_full_download_when_ranges_are_refused() {
    let index = sample_index();
    index.set_metadata_files(false).set_range_requests(false);
    let client = client(&index.url(), &Cache::temporary().unwrap());
    let files = demo_files(&client).await.unwrap();
    let wheel = file(&files.files, "demo-1.0-py3-none-any.whl");
    let metadata = client.wheel_metadata(wheel).await.unwrap();
    assert_eq!(metadata.version.to_string(), "1.0");
    assert_eq!(index.file_requests("demo-1.0-py3-none-any.whl"), 1);
    // The install reuses the downloaded wheel.
    let path = client.download(wheel).await.unwrap();
    assert!(path.is_file());
    assert_eq!(index.file_requests("demo-1.0-py3-none-any.whl"), 1);
}

#[tokio::test]
async fn downloads_verify_hashes_and_leave_nothing_on_mismatch() {
    let index = sample_index();
    let cache = Cache::temporary().unwrap();
    let client = client(&index.url(), &cache);
    let files = demo_files(&client).await.unwrap();
    let sdist = file(&files.files, "demo-1.0.tar.gz");
    let path = client.download(sdist).await.unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"sdist bytes");
    client.download(sdist).await.unwrap();
    assert_eq!(index.file_requests("demo-1.0.tar.gz"), 1);

    index.corrupt_file("demo-1.0-py3-none-any.whl");
    let wheel = file(&files.files, "demo-1.0-py3-none-any.whl");
    let err = client.download(wheel).await.unwrap_err();
    match &err {
        IndexError::HashMismatch {
            filename,
            expected,
            actual,
        } => {
            assert_eq!(filename, "demo-1.0-py3-none-any.whl");
            assert_eq!(*expected, wheel.hashes[0].to_string());
            assert_ne!(expected, actual);
        }
        other => panic!("expected a hash mismatch, got {other}"),
    }
    assert!(!client.cached_path(wheel).unwrap().exists());
    let dir = client
        .cached_path(wheel)
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    assert!(dir.starts_with(cache.bucket(CacheBucket::Wheels).unwrap()));
    assert!(path.starts_with(cache.bucket(CacheBucket::Sdists).unwrap()));
    let leftovers = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(leftovers, 0, "nothing is left of the failed download");
}

#[tokio::test]
async fn a_download_hands_its_bytes_over_as_it_saves_them() {
    let index = TestIndex::new();
    let dir = tempfile::tempdir().unwrap();
    let bytes = noise(1_500_000);
    for name in ["big-1.0.tar.gz", "big-2.0.tar.gz"] {
        std::fs::write(dir.path().join(name), &bytes).unwrap();
        index.add_file(&dir.path().join(name));
    }
    let client = client(&index.url(), &Cache::temporary().unwrap());
    let files = client.project_files(&name("big")).await.unwrap();
    let first = file(&files.files, "big-1.0.tar.gz");
    let Fetch::Downloading(mut download) = client.start_download(first).await.unwrap() else {
        panic!("not in the cache yet");
    };
    let path = client.cached_path(first).unwrap();
    assert_eq!(download.path(), path);
    assert_eq!(download.describe(), "big-1.0.tar.gz (1.5 MB)");
    let mut received = Vec::new();
    while let Some(chunk) = download.next_chunk().await.unwrap() {
        received.extend_from_slice(&chunk);
    }
    assert!(received == bytes, "every byte, in order");
    assert!(!path.exists(), "in place only once checked");
    assert_eq!(download.finish().await.unwrap(), path);
    assert!(std::fs::read(&path).unwrap() == bytes);
    let Fetch::OnDisk(cached) = client.start_download(first).await.unwrap() else {
        panic!("in the cache now");
    };
    assert_eq!((cached, index.file_requests("big-1.0.tar.gz")), (path, 1));

    // Given up halfway, a download leaves nothing, and lets the next one start.
    let second = file(&files.files, "big-2.0.tar.gz");
    let Fetch::Downloading(mut download) = client.start_download(second).await.unwrap() else {
        panic!("not in the cache yet");
    };
    assert!(download.next_chunk().await.unwrap().is_some());
    drop(download);
    let dir = client
        .cached_path(second)
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names, ["big-1.0.tar.gz"]);
    let path = client.download(second).await.unwrap();
    assert!(std::fs::read(&path).unwrap() == bytes);
}

#[tokio::test]
async fn sends_credentials_and_never_prints_them() {
    let index = sample_index();
    index.require_auth("alice", "s3cret");
    let cache = Cache::temporary().unwrap();

    let authed = client(&index.url_with_credentials(), &cache);
    let files = demo_files(&authed).await.unwrap();
    // File URLs on the same host get the index's credentials too.
    let wheel = file(&files.files, "demo-1.0-py3-none-any.whl");
    authed.download(wheel).await.unwrap();
    authed.wheel_metadata(wheel).await.unwrap();

    let wrong = index.url_with_credentials().replace("s3cret", "wrongpass");
    // Fresh caches: a fresh cached page would be used without asking the server.
    let err = demo_files(&client(&wrong, &Cache::temporary().unwrap()))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, IndexError::Http { status: 401, .. }),
        "{message}"
    );
    assert!(message.contains("alice:****@"), "{message}");
    assert!(!message.contains("wrongpass"), "{message}");
    assert!(message.contains("netrc"), "{message}");

    let netrc = Netrc::parse("machine 127.0.0.1 login alice password s3cret");
    let via_netrc = IndexClient::with_netrc(
        config(&index.url()),
        Cache::temporary().unwrap(),
        Some(netrc),
    )
    .unwrap();
    assert_eq!(demo_files(&via_netrc).await.unwrap().files.len(), 3);
}

#[tokio::test]
async fn uses_the_cached_page_when_the_index_is_down() {
    let index = sample_index();
    let cache = Cache::temporary().unwrap();
    demo_files(&client(&index.url(), &cache)).await.unwrap();
    index.fail_project("demo", 503);
    age_pages(&cache, DEFAULT_FRESHNESS);
    let mut config = config(&index.url());
    config.retries = 0;
    let offline = IndexClient::with_netrc(config, cache, None).unwrap();
    assert_eq!(demo_files(&offline).await.unwrap().files.len(), 3);
    assert_eq!(index.page_requests("demo"), 2);
}

#[tokio::test]
async fn verifies_metadata_file_hashes() {
    let index = sample_index();
    index.corrupt_metadata("demo-1.0-py3-none-any.whl");
    let client = client(&index.url(), &Cache::temporary().unwrap());
    let files = demo_files(&client).await.unwrap();
    let wheel = file(&files.files, "demo-1.0-py3-none-any.whl");
    assert_eq!(wheel.core_metadata_hashes.len(), 1);
    let err = client.wheel_metadata(wheel).await.unwrap_err();
    assert!(
        matches!(&err, IndexError::HashMismatch { filename, .. } if filename == "demo-1.0-py3-none-any.whl.metadata"),
        "{err}"
    );
}

#[tokio::test]
async fn times_out_slow_indexes() {
    let index = sample_index();
    index.slow_project("demo", Duration::from_secs(2));
    let config = IndexConfig {
        timeout: Duration::from_millis(300),
        retries: 1,
        ..config(&index.url())
    };
    let client = IndexClient::with_netrc(config, Cache::temporary().unwrap(), None).unwrap();
    let err = demo_files(&client).await.unwrap_err();
    assert!(matches!(err, IndexError::Timeout { tries: 2, .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "{}demo/ did not answer within 0.3 s, 2 tries in all; the index is slow or \
             unreachable: raise the timeout with --timeout <seconds> (or PIP_DEFAULT_TIMEOUT), \
             or check your network and proxy",
            index.url()
        )
    );
    assert_eq!(index.page_requests("demo"), 2);
}

#[test]
fn rejects_unreadable_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("bundle.pem");
    std::fs::write(&pem, "not a certificate").unwrap();
    let mut config = IndexConfig {
        cert: Some(pem.clone()),
        ..IndexConfig::default()
    };
    let err =
        IndexClient::with_netrc(config.clone(), Cache::temporary().unwrap(), None).unwrap_err();
    assert!(err.to_string().contains("bundle.pem"), "{err}");
    config.cert = Some("/etc/ssl/certs/ca-certificates.crt".into());
    IndexClient::with_netrc(config, Cache::temporary().unwrap(), None).unwrap();
}
