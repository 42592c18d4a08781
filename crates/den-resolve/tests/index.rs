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
        upgrade: false,
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
