//! [`IndexBuildContext`]: den-build's [`BuildContext`] over the index client, den-resolve and
//! den-install.

use std::path::PathBuf;
use std::sync::Arc;

use den_build::{BuildContext, BuildError};
use den_cache::Cache;
use den_dist::{IoError, PackageName, Requirement, Version};
use den_index::IndexClient;
use den_install::{InstallOptions, InstallTarget, install_wheel, unpack_wheel};
use den_python::Interpreter;
use den_resolve::{BinaryPolicy, NameSelection, ResolveRequest, resolve};
use den_venv::VirtualEnv;
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};

/// How many build requirements download at once.
const CONCURRENT_DOWNLOADS: usize = 8;

/// Fills build environments from the configured indexes: build requirements are resolved
/// from wheels only (den-resolve), downloaded concurrently through the index client and
/// unpacked and installed (den-install) on a blocking thread. Cheap to clone.
#[derive(Debug, Clone)]
pub struct IndexBuildContext {
    client: IndexClient,
    cache: Cache,
    /// pip's `--build-constraint`: constraints on every build environment's requirements.
    constraints: Vec<Requirement>,
}

impl IndexBuildContext {
    /// A context resolving and downloading through `client` and unpacking into `cache`.
    pub fn new(client: IndexClient, cache: Cache) -> Self {
        Self {
            client,
            cache,
            constraints: Vec::new(),
        }
    }

    /// This context with `constraints` (pip's `--build-constraint` files' requirements)
    /// narrowing the versions every build environment gets, as `-c` narrows an install.
    pub fn with_constraints(self, constraints: Vec<Requirement>) -> Self {
        Self {
            constraints,
            ..self
        }
    }

    async fn fill(
        &self,
        package: &str,
        interpreter: &Interpreter,
        environment: &VirtualEnv,
        requirements: &[Requirement],
    ) -> Result<(), BuildError> {
        let request = ResolveRequest {
            requirements: requirements.to_vec(),
            constraints: self.constraints.clone(),
            markers: interpreter.markers.clone(),
            tags: interpreter.tags.clone(),
            python_version: interpreter.version.clone(),
            ignore_requires_python: false,
            releases: den_resolve::ReleaseControl::default(),
            preferences: Vec::new(),
            binary: BinaryPolicy {
                only_binary: NameSelection::All,
                ..BinaryPolicy::default()
            },
            no_deps: false,
            every_file: false,
        };
        let resolution = resolve(Arc::new(self.client.clone()), request)
            .await
            .map_err(|source| BuildError::BuildRequirements {
                package: package.to_string(),
                requirements: requirement_list(requirements),
                source: Box::new(source),
            })?;
        // Each download owns what it uses, so the futures are `Send` whatever runs them.
        let downloads: Vec<_> = resolution
            .packages
            .iter()
            .map(|resolved| {
                let (client, file) = (self.client.clone(), resolved.file.clone());
                let package = package.to_string();
                async move {
                    match client.download(&file).await {
                        Ok(wheel) => Ok((file.raw_filename.clone(), wheel)),
                        Err(source) => Err(BuildError::Download {
                            package,
                            filename: file.raw_filename.clone(),
                            source: Box::new(source),
                        }),
                    }
                }
            })
            .collect();
        let wheels: Vec<(String, PathBuf)> = futures::stream::iter(downloads)
            .buffered(CONCURRENT_DOWNLOADS)
            .try_collect()
            .await?;
        let target = InstallTarget {
            scheme: environment.install_scheme(),
            python: environment.python.clone(),
            python_version: environment.major_minor,
            relocatable: environment.relocatable,
        };
        let (cache, package) = (self.cache.clone(), package.to_string());
        tokio::task::spawn_blocking(move || {
            for (filename, wheel) in wheels {
                let install_error = |source| BuildError::Install {
                    package: package.clone(),
                    wheel: filename.clone(),
                    source: Box::new(source),
                };
                let unpacked = unpack_wheel(&cache, &wheel).map_err(install_error)?;
                install_wheel(&unpacked, &target, &InstallOptions::default())
                    .map_err(install_error)?;
            }
            Ok::<(), BuildError>(())
        })
        .await
        .map_err(|e| {
            let source = std::io::Error::other(e.to_string());
            IoError::new("install build requirements into", &environment.root, source)
        })?
    }
}

impl BuildContext for IndexBuildContext {
    /// The build constraints, sorted (their order changes nothing), and `--uploaded-prior-to`'s
    /// cutoff when one is set: an environment made from newer uploads is not one the cutoff
    /// allows. A relative cutoff (`P3D`) counts as given, not as its instant, which changes
    /// with every run: an environment made under it earlier admits only older uploads
    /// ([`den_index::UploadedPriorTo::key`]).
    fn environment_inputs(&self) -> Vec<String> {
        let mut inputs: Vec<String> = self.constraints.iter().map(ToString::to_string).collect();
        inputs.sort();
        if let Some(cutoff) = self.client.config().uploaded_prior_to {
            inputs.push(format!("--uploaded-prior-to {}", cutoff.key()));
        }
        inputs
    }

    fn install<'a>(
        &'a self,
        package: &'a str,
        interpreter: &'a Interpreter,
        environment: &'a VirtualEnv,
        requirements: &'a [Requirement],
    ) -> BoxFuture<'a, Result<(), BuildError>> {
        self.fill(package, interpreter, environment, requirements)
            .boxed()
    }

    fn installed_version(&self, interpreter: &Interpreter, name: &PackageName) -> Option<Version> {
        let site_packages = [
            interpreter.paths.purelib.clone(),
            interpreter.paths.platlib.clone(),
        ];
        den_install::find_installed(&site_packages, name)
            .ok()
            .flatten()
            .map(|dist| dist.version)
    }
}

/// The requirements as `a, b>=1`, sorted and without repeats, for messages.
fn requirement_list(requirements: &[Requirement]) -> String {
    let sorted: std::collections::BTreeSet<String> =
        requirements.iter().map(ToString::to_string).collect();
    sorted.into_iter().collect::<Vec<_>>().join(", ")
}
