//! Shared helpers for den-build's integration tests: a real interpreter from this machine, a
//! temporary cache, a loopback index and sdists unpacked into source trees.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use den_build::{BuildContext, BuildOptions, Builder, SourceTree, extract_sdist};
use den_cache::Cache;
use den_dist::{HashAlgorithm, Hasher};
use den_index::{IndexClient, IndexConfig, IndexUrl};
use den_prepare::IndexBuildContext;
use den_python::Interpreter;
use den_test_support::{SdistBuilder, TestIndex};

/// The interpreter the tests build for: pyenv's 3.11.7 (its ensurepip bundles setuptools),
/// else the system's `/usr/bin/python3`.
///
/// # Panics
///
/// When there is neither: every test here needs one.
pub fn python() -> PathBuf {
    den_test_support::pyenv_python("3.11.7")
        .or_else(den_test_support::system_python)
        .expect("no Python 3 interpreter on this machine: pyenv's 3.11.7 or /usr/bin/python3")
}

/// A temporary cache, a test index and the target interpreter.
pub struct Setup {
    pub dir: tempfile::TempDir,
    pub cache: Cache,
    pub index: TestIndex,
    pub interpreter: Interpreter,
}

impl Setup {
    /// A fresh setup for [`python`].
    pub fn new() -> Self {
        Self::with_python(&python())
    }

    /// A fresh setup targeting the interpreter at `python`.
    pub fn with_python(python: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path().join("cache")).unwrap();
        let interpreter = Interpreter::query(python, &cache).unwrap();
        Self {
            dir,
            cache,
            index: TestIndex::new(),
            interpreter,
        }
    }

    /// A builder over the test index.
    pub fn builder(&self, isolation: bool) -> Builder {
        self.builder_with_options(BuildOptions {
            isolation,
            ..BuildOptions::default()
        })
    }

    /// A builder over the test index that builds as `options` say.
    pub fn builder_with_options(&self, options: BuildOptions) -> Builder {
        let config = IndexConfig {
            index_url: IndexUrl::parse(&self.index.url()).unwrap(),
            timeout: Duration::from_secs(10),
            ..IndexConfig::default()
        };
        let client = IndexClient::with_netrc(config, self.cache.clone(), None).unwrap();
        let context = IndexBuildContext::new(client, self.cache.clone());
        Builder::new(
            self.cache.clone(),
            Arc::new(context),
            self.interpreter.clone(),
            options,
        )
    }

    /// A builder whose build environments are filled by `context`.
    pub fn builder_with(&self, context: Arc<dyn BuildContext>, isolation: bool) -> Builder {
        Builder::new(
            self.cache.clone(),
            context,
            self.interpreter.clone(),
            BuildOptions {
                isolation,
                ..BuildOptions::default()
            },
        )
    }

    /// Writes `sdist`, unpacks it under the setup's directory and returns the source tree,
    /// keyed by the archive's SHA-256 as a caller of [`Builder`] would.
    pub fn unpack(&self, sdist: &SdistBuilder) -> SourceTree {
        let archive = sdist.build(&self.dir.path().join("sdists"));
        let bytes = std::fs::read(&archive).unwrap();
        let mut hasher = Hasher::new(HashAlgorithm::Sha256);
        hasher.update(&bytes);
        let key = hasher.finalize().hex;
        let dir = extract_sdist(&archive, &self.dir.path().join("src").join(&key)).unwrap();
        SourceTree {
            dir,
            name: None,
            key: Some(key),
        }
    }
}

/// The hooks the in-tree test backend ran in `source`, in order.
pub fn hooks_run(source: &SourceTree) -> Vec<String> {
    std::fs::read_to_string(source.dir.join("den_test_backend.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The names of the members of the zip archive at `path`.
pub fn zip_names(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).unwrap();
    let zip = zip::ZipArchive::new(file).unwrap();
    zip.file_names().map(|n| n.unwrap().into_owned()).collect()
}
