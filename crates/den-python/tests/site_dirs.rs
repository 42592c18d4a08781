//! The site-packages directories an interpreter reports ([`Interpreter::site_dirs`]).

use den_cache::Cache;
use den_python::Interpreter;

/// Debian's system Python reports its dist-packages directories (its sysconfig purelib is
/// `/usr/local/lib/python3.X/dist-packages`, but its distributions live in
/// `/usr/lib/python3/dist-packages`). A machine without one reports the missing tool.
#[test]
fn debian_system_python_reports_dist_packages() {
    let python = std::path::Path::new("/usr/bin/python3");
    let dist_packages = std::path::Path::new("/usr/lib/python3/dist-packages");
    let found = (python.is_file() && dist_packages.is_dir()).then_some(());
    let Some(()) = den_test_support::require(
        found,
        "Debian's system Python (/usr/bin/python3 with /usr/lib/python3/dist-packages)",
        "the dist-packages directories a Debian Python reports",
    ) else {
        return;
    };
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = Cache::open(cache_dir.path()).unwrap();
    let interpreter = Interpreter::query(python, &cache).unwrap();
    assert!(!interpreter.is_virtualenv());
    assert!(
        interpreter.site_dirs.iter().any(|dir| dir == dist_packages),
        "{:?}",
        interpreter.site_dirs
    );
    let (major, minor) = interpreter.major_minor;
    let local = format!("/usr/local/lib/python{major}.{minor}/dist-packages");
    assert!(
        interpreter
            .site_dirs
            .iter()
            .any(|dir| dir.as_os_str() == local.as_str()),
        "{:?}",
        interpreter.site_dirs
    );
}
