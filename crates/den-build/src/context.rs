//! [`BuildContext`]: what the build frontend asks of resolution and installation, which
//! den-build does not depend on.

use std::fmt;

use den_dist::{PackageName, Requirement, Version};
use den_python::Interpreter;
use den_venv::VirtualEnv;
use futures::future::BoxFuture;

use crate::BuildError;

/// The part of den a [`Builder`](crate::Builder) reaches through a trait rather than a
/// dependency: filling a fresh build environment with its build requirements and looking up
/// what an interpreter has installed (PEP 517 §Build environment). den-prepare implements it
/// over the index client, den-resolve and den-install; one context serves every builder of a
/// command.
pub trait BuildContext: Send + Sync + fmt::Debug {
    /// Resolves `requirements` for `interpreter` (the target interpreter `environment` was
    /// made from: its markers, tags and version) from wheels only, and installs the result
    /// into `environment`, a fresh virtual environment without pip. `package` names the
    /// project being built, for messages.
    ///
    /// Errors: [`BuildError::BuildRequirements`] when the requirements cannot be resolved
    /// (including when one has no wheel), [`BuildError::Download`] and
    /// [`BuildError::Install`] for a wheel that cannot be fetched or installed.
    fn install<'a>(
        &'a self,
        package: &'a str,
        interpreter: &'a Interpreter,
        environment: &'a VirtualEnv,
        requirements: &'a [Requirement],
    ) -> BoxFuture<'a, Result<(), BuildError>>;

    /// What besides the requirements decides what [`BuildContext::install`] puts into an
    /// environment (constraints on build requirements, as text lines); a build environment's
    /// cache key includes them, so environments made under other constraints are not reused.
    /// Empty by default.
    fn environment_inputs(&self) -> Vec<String> {
        Vec::new()
    }

    /// The version of `name` installed in `interpreter`'s site-packages (purelib and
    /// platlib), `None` when it is not installed or cannot be read. Without build isolation
    /// this tells which build requirements the target interpreter lacks.
    fn installed_version(&self, interpreter: &Interpreter, name: &PackageName) -> Option<Version>;
}
