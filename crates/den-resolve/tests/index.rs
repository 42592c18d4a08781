//! The resolver against a real HTTP index: den-index's client and a loopback test index.

use std::str::FromStr;
use std::sync::Arc;

use den_cache::Cache;
use den_dist::{
    Implementation, Libc, MarkerEnvironment, MarkerEnvironmentBuilder, Platform, Requirement, Tags,
    Version,
};
use den_index::{IndexClient, IndexConfig, IndexUrl};
use den_resolve::{ResolveRequest, resolve};
use den_test_support::{TestIndex, WheelBuilder};

fn request(requirements: &[&str]) -> ResolveRequest {
    ResolveRequest {
        requirements: requirements
            .iter()
            .map(|r| Requirement::from_str(r).unwrap())
            .collect(),
        constraints: Vec::new(),
        markers: MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: "3.12.1",
            os_name: "posix",
            platform_machine: "x86_64",
            platform_python_implementation: "CPython",
            platform_release: "6.1.0",
            platform_system: "Linux",
            platform_version: "#1 SMP",
            python_full_version: "3.12.1",
            python_version: "3.12",
            sys_platform: "linux",
        })
        .unwrap(),
        tags: Tags::from_interpreter(
            &Implementation::CPython {
                gil_disabled: false,
            },
            (3, 12),
            "cp312",
            &Platform::Linux {
                arch: "x86_64".into(),
                libc: Libc::Glibc(2, 36),
            },
        ),
        python_version: Version::from_str("3.12.1").unwrap(),
        prereleases: false,
        preferences: Vec::new(),
    }
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

    let cache_dir = tempfile::tempdir().unwrap();
    let config = IndexConfig {
        index_url: IndexUrl::parse(&index.url()).unwrap(),
        ..IndexConfig::default()
    };
    let client =
        IndexClient::with_netrc(config, Cache::open(cache_dir.path()).unwrap(), None).unwrap();
    let resolution = resolve(Arc::new(client), request(&["web-app[fast]"]))
        .await
        .unwrap();
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
    let cache_dir = tempfile::tempdir().unwrap();
    let config = IndexConfig {
        index_url: IndexUrl::parse(&main.url_with_credentials()).unwrap(),
        extra_index_urls: vec![IndexUrl::parse(&extra.url()).unwrap()],
        ..IndexConfig::default()
    };
    let client =
        IndexClient::with_netrc(config, Cache::open(cache_dir.path()).unwrap(), None).unwrap();
    let err = resolve(Arc::new(client), request(&["app"]))
        .await
        .unwrap_err();
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
    let cache_dir = tempfile::tempdir().unwrap();
    let config = IndexConfig {
        // No credentials: the index answers 401.
        index_url: IndexUrl::parse(&index.url()).unwrap(),
        retries: 0,
        ..IndexConfig::default()
    };
    let client =
        IndexClient::with_netrc(config, Cache::open(cache_dir.path()).unwrap(), None).unwrap();
    let err = resolve(Arc::new(client), request(&["app"]))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "could not get `app` from the package index"
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
