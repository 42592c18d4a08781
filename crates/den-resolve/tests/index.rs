//! The resolver against a real HTTP index: den-index's client and a loopback test index.

mod common;

use std::sync::Arc;

use common::request;
use den_cache::Cache;
use den_index::{IndexClient, IndexConfig, IndexUrl};
use den_resolve::resolve;
use den_test_support::{TestIndex, WheelBuilder};

/// A client for `config` with its cache in a fresh temporary directory (kept alive by the
/// returned guard).
fn index_client(config: IndexConfig) -> (Arc<IndexClient>, tempfile::TempDir) {
    let cache_dir = tempfile::tempdir().unwrap();
    let client =
        IndexClient::with_netrc(config, Cache::open(cache_dir.path()).unwrap(), None).unwrap();
    (Arc::new(client), cache_dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolves_through_the_index_client() {
    let index = TestIndex::new();
    index.publish(
        &WheelBuilder::new("web-app", "1.0")
            .requires_dist("helper>=2")
            .requires_dist("extra-dep; extra == 'fast'")
            .provides_extra("fast"),
    );
    index.publish(&WheelBuilder::new("helper", "1.0"));
    index.publish(&WheelBuilder::new("helper", "2.0"));
    index.publish(&WheelBuilder::new("helper", "2.1"));
    index.yank("helper-2.1-py3-none-any.whl", "broken");
    index.publish(&WheelBuilder::new("extra-dep", "0.5").requires_python(">=3.13"));
    index.publish(&WheelBuilder::new("extra-dep", "0.4"));

    let config = IndexConfig {
        index_url: IndexUrl::parse(&index.url()).unwrap(),
        ..IndexConfig::default()
    };
    let (client, _cache_dir) = index_client(config);
    let resolution = resolve(client, request(&["web-app[fast]"])).await.unwrap();
    let pins: Vec<String> = resolution
        .packages
        .iter()
        .map(|p| format!("{}=={}", p.name, p.version))
        .collect();
    assert_eq!(pins, ["extra-dep==0.4", "helper==2.0", "web-app==1.0"]);
    let app = &resolution.packages[2];
    assert!(app.requested);
    assert_eq!(app.extras.len(), 1);
    assert_eq!(app.file.raw_filename, "web_app-1.0-py3-none-any.whl");
    assert_eq!(index.page_requests("helper"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_the_indexes_asked_for_a_missing_project() {
    let main = TestIndex::new();
    main.require_auth("alice", "s3cretTOKEN");
    let extra = TestIndex::new();
    extra.publish(&WheelBuilder::new("app", "1.0").requires_dist("ghost>=1"));
    let config = IndexConfig {
        index_url: IndexUrl::parse(&main.url_with_credentials()).unwrap(),
        extra_index_urls: vec![IndexUrl::parse(&extra.url()).unwrap()],
        ..IndexConfig::default()
    };
    let (client, _cache_dir) = index_client(config);
    let err = resolve(client, request(&["app"])).await.unwrap_err();
    let shown = main.url_with_credentials().replace("s3cretTOKEN", "****");
    assert_eq!(
        err.to_string(),
        format!(
            "no project named `ghost` on {shown} (checked also {}), required by app 1.0: \
             check the spelling, or --index-url",
            extra.url()
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_failures_show_their_cause_once() {
    let index = TestIndex::new();
    index.require_auth("alice", "s3cretTOKEN");
    let config = IndexConfig {
        // No credentials: the index answers 401.
        index_url: IndexUrl::parse(&index.url()).unwrap(),
        retries: 0,
        ..IndexConfig::default()
    };
    let (client, _cache_dir) = index_client(config);
    let err = resolve(client, request(&["app"])).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "could not get the files or metadata of `app`"
    );
    let mut chain = Vec::new();
    let mut cause = std::error::Error::source(&err);
    while let Some(c) = cause {
        chain.push(c.to_string());
        cause = c.source();
    }
    assert_eq!(chain.len(), 1, "{chain:?}");
    assert!(chain[0].starts_with("HTTP 401 from"), "{chain:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_client_refuses_url_requirements() {
    let index = TestIndex::new();
    let config = IndexConfig {
        index_url: IndexUrl::parse(&index.url()).unwrap(),
        ..IndexConfig::default()
    };
    let (client, _cache_dir) = index_client(config);
    let requirement = "tool @ https://bob:hunter2@example.org/tool-1.0.tar.gz";
    let err = resolve(client, request(&[requirement])).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "could not get `tool` from https://bob:****@example.org/tool-1.0.tar.gz"
    );
    let cause = std::error::Error::source(&err).unwrap().to_string();
    assert_eq!(
        cause,
        "URL requirements are not supported here: `tool @ \
         https://bob:****@example.org/tool-1.0.tar.gz` (build requirements must come from the \
         index)"
    );
}
