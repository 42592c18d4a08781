//! Shared helpers for den-resolve's integration tests: the target interpreter both test
//! binaries resolve for.

use std::str::FromStr;

use den_dist::{
    Implementation, Libc, MarkerEnvironment, MarkerEnvironmentBuilder, Platform, Tags, Version,
    parse_requirement,
};
use den_resolve::{BinaryPolicy, ResolveRequest};

/// A request for `requirements` (PEP 508 strings) targeting CPython 3.12.1 on x86_64 Linux with
/// glibc 2.36: no constraints, no pre-releases, no preferences, wheels and sdists allowed,
/// dependencies followed.
pub fn request(requirements: &[&str]) -> ResolveRequest {
    ResolveRequest {
        requirements: requirements
            .iter()
            .map(|r| parse_requirement(r).unwrap())
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
        ignore_requires_python: false,
        releases: den_resolve::ReleaseControl::default(),
        preferences: Vec::new(),
        binary: BinaryPolicy::default(),
        no_deps: false,
        every_file: false,
    }
}
