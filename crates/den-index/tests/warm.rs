//! The warm path: 200 projects with PyPI-sized pages, listed again from the cache by a new
//! client (a new den process) without a single request.

mod common;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use den_cache::Cache;
use den_dist::PackageName;
use den_index::{IndexClient, IndexConfig, IndexUrl};

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
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    let base = common::serve(move |request| {
        counter.fetch_add(1, Ordering::SeqCst);
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
        common::Response {
            status: "200 OK",
            headers: vec![
                (
                    "Content-Type".into(),
                    "application/vnd.pypi.simple.v1+json".into(),
                ),
                ("Cache-Control".into(), "max-age=600, public".into()),
                ("ETag".into(), format!("\"{project}\"")),
            ],
            body: page(project).into_bytes(),
        }
    });
    let config = IndexConfig {
        index_url: IndexUrl::parse(&format!("{base}/simple/")).unwrap(),
        timeout: Duration::from_secs(10),
        ..IndexConfig::default()
    };
    let cache = Cache::temporary().unwrap();
    let names: Vec<PackageName> = (0..PROJECTS)
        .map(|i| PackageName::from_str(&format!("project-{i}")).unwrap())
        .collect();
    let list_all = |client: IndexClient| {
        let names = names.clone();
        async move {
            let started = Instant::now();
            let listed =
                futures::future::join_all(names.iter().map(|n| client.project_files(n))).await;
            let files: usize = listed.into_iter().map(|p| p.unwrap().files.len()).sum();
            assert_eq!(files, PROJECTS * FILES_PER_PROJECT);
            started.elapsed()
        }
    };
    let new_client = || IndexClient::with_netrc(config.clone(), cache.clone(), None).unwrap();
    let cold = list_all(new_client()).await;
    assert_eq!(requests.load(Ordering::SeqCst), PROJECTS);
    let warm = list_all(new_client()).await;
    assert_eq!(requests.load(Ordering::SeqCst), PROJECTS);
    eprintln!(
        "{PROJECTS} projects x {FILES_PER_PROJECT} files: cold {cold:?}, warm {warm:?} \
         (debug build)"
    );
}
