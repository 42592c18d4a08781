//! `den pack --format rpm`: an RPM of the environment installed at a fixed final path
//! (rpmvenv's model: relocated when the package is built), written with the `rpm` crate.

use std::path::{Path, PathBuf};

use den_dist::IoResultExt;
use den_venv::PyVenvConfig;

use crate::archive::{Entry, EntryKind};
use crate::{PackError, PackOptions, persist, read_environment, replace_all, temp_beside};

/// What the RPM is called and where it installs.
#[derive(Debug, Clone)]
pub struct RpmOptions {
    /// Where the environment lives once installed (absolute), e.g. `/opt/NAME`.
    pub prefix: PathBuf,
    /// The package name (`Name:`).
    pub name: String,
    /// `Version:`.
    pub version: String,
    /// `Release:`.
    pub release: String,
    /// `Summary:`.
    pub summary: String,
}

/// Builds an RPM of the virtual environment at `root` (absolute) installed at
/// `rpm.prefix`, written to `output` (through a temporary file, renamed when complete). The
/// environment is made relocatable as for [`crate::pack`] and the text files that still name
/// `root` name the prefix instead; the package owns the prefix directory and everything in
/// it, and, when the base interpreter is the system's (under `/usr` or `/bin`), requires its
/// executable (a file dependency the target's package manager resolves). The architecture is
/// the build machine's; `options.reproducible` fixes the build and file times. `progress` is
/// told `(entries added, entries in all)` as the package is assembled.
///
/// # Errors
///
/// Those of [`crate::pack`], [`PackError::BadRpm`] for a prefix that is not
/// absolute, for `options.with_python` (an RPM does not carry the base Python), or an entry
/// the rpm crate refuses, and [`PackError::Io`].
pub fn pack_rpm(
    root: &Path,
    output: &Path,
    rpm: &RpmOptions,
    options: &PackOptions,
    progress: &dyn Fn(u64, u64),
) -> Result<usize, PackError> {
    let bad = |reason: String| PackError::BadRpm { reason };
    if options.with_python.is_some() {
        return Err(bad(
            "--with-python is for .tar.gz, .tar.zst and .zip archives; an RPM depends on a Python installed on the target instead".to_string(),
        ));
    }
    if !rpm.prefix.is_absolute() {
        return Err(bad(format!(
            "the prefix {} must be an absolute path",
            rpm.prefix.display()
        )));
    }
    let arch = match std::env::consts::ARCH {
        "x86" => "i686",
        other => other,
    };
    let mut builder =
        ::rpm::PackageBuilder::new(&rpm.name, &rpm.version, "Unknown", arch, &rpm.summary);
    builder.release(rpm.release.clone()).description(format!(
        "The Python virtual environment {} at {}, packed by den.",
        rpm.name,
        rpm.prefix.display()
    ));
    let mut config = ::rpm::BuildConfig::default().compression(::rpm::CompressionType::Gzip);
    if let Some(mtime) = options.mtime() {
        config = config.source_date(u32::try_from(mtime).unwrap_or(0));
    }
    builder.using_config(config);
    if let Some(python) = system_python(root) {
        builder.requires(::rpm::Dependency::any(python));
    }
    let prefix = rpm.prefix.to_string_lossy().into_owned();
    let rpm_error = |name: &str, e: ::rpm::Error| bad(format!("{name}: {e}"));
    builder
        .with_dir_entry(::rpm::FileOptions::dir(prefix.clone()).permissions(0o755))
        .map_err(|e| rpm_error(&prefix, e))?;
    let mut count = 1;
    let old = root.as_os_str().as_encoded_bytes();
    read_environment(root, options, progress, |entry: Entry, names_prefix| {
        let path = format!("{prefix}/{}", entry.name);
        match entry.kind {
            EntryKind::Dir => {
                builder.with_dir_entry(::rpm::FileOptions::dir(path.clone()).permissions(0o755))
            }
            EntryKind::File { content, mode } => {
                let content = if names_prefix {
                    replace_all(&content, old, prefix.as_bytes())
                } else {
                    content
                };
                let permissions = u16::try_from(mode & 0o7777).unwrap_or(0o644);
                builder.with_file_contents(
                    content,
                    ::rpm::FileOptions::new(path.clone()).permissions(permissions),
                )
            }
            EntryKind::Symlink { target } => builder.with_symlink(::rpm::FileOptions::symlink(
                path.clone(),
                target.to_string_lossy().into_owned(),
            )),
        }
        .map_err(|e| rpm_error(&path, e))?;
        count += 1;
        Ok(())
    })?;
    let package = builder.build().map_err(|e| rpm_error(&rpm.name, e))?;
    let temp = temp_beside(output)?;
    let mut file = temp.as_file().try_clone().at("open", temp.path())?;
    package
        .write(&mut file)
        .map_err(|e| bad(format!("cannot write the package: {e}")))?;
    file.sync_all().at("write", temp.path())?;
    persist(temp, output)?;
    Ok(count)
}

/// The base interpreter's executable when it is the system's (`home` under `/usr` or
/// `/bin`): `<home>/python3.X` when that exists, else `<home>/python3`.
fn system_python(root: &Path) -> Option<String> {
    let cfg = PyVenvConfig::read(root).ok()?;
    let home = PathBuf::from(cfg.home()?);
    if !(home.starts_with("/usr") || home.starts_with("/bin")) {
        return None;
    }
    let minor = cfg
        .version()
        .and_then(|v| {
            let mut parts = v.split('.');
            Some(format!("python{}.{}", parts.next()?, parts.next()?))
        })
        .map(|name| home.join(name))
        .filter(|path| path.exists());
    let python = minor.unwrap_or_else(|| home.join("python3"));
    Some(python.to_string_lossy().into_owned())
}
