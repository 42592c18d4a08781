//! `den pip compile`: pins requirements and their dependencies for the interpreter's or a
//! chosen Python version and platform, and writes them with den-requirements' writer in
//! pip-tools' `pip-compile` format.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use anyhow::{Context, bail};
use den_cache::Cache;
use den_dist::{
    Implementation, Libc, MarkerEnvironment, MarkerEnvironmentBuilder, PackageName, Platform, Tags,
    Version, VersionOrUrl,
};
use den_prepare::Dist;
use den_python::Interpreter;
use den_requirements::{Header, Pin, Pinned, PinsFile, RequirementsSource};
use den_resolve::ResolveRequest;

use super::pipeline;
use super::settings::{ResolverSettings, UpgradeSettings};
use crate::printer::Printer;

/// What `den pip compile` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct CompileSettings {
    /// The input files (requirements files and project files) and constraints files.
    pub sources: Vec<RequirementsSource>,
    /// Index, build and pre-release options.
    pub resolver: ResolverSettings,
    /// Which pins of an existing output file may move.
    pub upgrade: UpgradeSettings,
    /// The file the pins go to: its pins are kept (unless upgraded) and `-r` annotations are
    /// relative to its directory.
    pub output_file: Option<PathBuf>,
    /// Pin the hashes of every file of each pinned version.
    pub generate_hashes: bool,
    /// Resolve for this Python version (`3.12`) instead of the interpreter's.
    pub python_version: Option<String>,
    /// Resolve for this platform (`linux`, a target triple...) instead of the interpreter's.
    pub python_platform: Option<String>,
    /// The command shown in the header comment; no header when `None`.
    pub header: Option<String>,
    /// Write `# via` annotations.
    pub annotate: bool,
}

/// Resolves what `settings` asks for, with `interpreter` building source distributions, and
/// returns the requirements.txt text.
///
/// Errors: no requirements, unreadable sources or pins, a bad target version or platform,
/// resolution, and fetching what `--generate-hashes` needs.
pub fn compile(
    interpreter: &Interpreter,
    settings: &CompileSettings,
    cache: &Cache,
    printer: &Printer,
) -> anyhow::Result<String> {
    let mut spec = pipeline::spec(&settings.sources, &settings.resolver)?;
    if spec.is_empty() {
        let inputs: Vec<String> = settings
            .sources
            .iter()
            .filter_map(|source| match source {
                RequirementsSource::RequirementsFile(path)
                | RequirementsSource::ProjectFile { path, .. } => Some(path.display().to_string()),
                _ => None,
            })
            .collect();
        bail!(
            "{} names no requirements: nothing to compile",
            inputs.join(" ")
        );
    }
    let preferences = existing_pins(settings.output_file.as_deref(), &settings.upgrade)?;
    let environment = TargetEnvironment::new(
        interpreter,
        settings.python_version.as_deref(),
        settings.python_platform.as_deref(),
    )?;
    let source = Arc::new(pipeline::source(
        &spec,
        &settings.resolver,
        cache,
        interpreter,
    )?);
    let runtime = pipeline::runtime()?;
    let packages = runtime.block_on(async {
        pipeline::name_unnamed(&mut spec, &source).await?;
        let request = ResolveRequest {
            markers: environment.markers.clone(),
            tags: environment.tags.clone(),
            python_version: environment.version.clone(),
            ..pipeline::request(&spec, interpreter, preferences, false)?
        };
        pipeline::resolve(&source, request, printer).await
    })?;
    let mut hashes = if settings.generate_hashes {
        runtime.block_on(den_prepare::hashes_of(&source, &packages))?
    } else {
        HashMap::new()
    };
    let pins: Vec<Pin> = packages
        .iter()
        .map(|package| Pin {
            name: package.name.clone(),
            pinned: match (&package.url, &package.file) {
                (Some(_), Dist::Direct(direct)) if direct.is_editable() => {
                    Pinned::Editable(direct.url.to_string())
                }
                (Some(url), _) => Pinned::Url(url.to_url().to_string()),
                _ => Pinned::Version(package.version.clone()),
            },
            hashes: hashes.remove(&package.name).unwrap_or_default(),
            dependencies: package.dependencies.clone(),
            project_file: package
                .url
                .as_ref()
                .and_then(|url| url.to_url().to_file_path().ok())
                .and_then(|dir| spec.project_at(&dir))
                .map(|project| project.file_name.clone()),
        })
        .collect();
    Ok(PinsFile {
        header: settings.header.clone().map(|command| Header {
            python: environment.major_minor.clone(),
            command,
        }),
        index: &spec.index,
        annotate: settings.annotate,
        output_file: settings.output_file.as_deref(),
        requested_from: &spec.requested_from,
        pins: &pins,
    }
    .render())
}

/// The pins of an existing output file at `path`, kept unless `upgrade` lets them move
/// (pip-compile's behaviour).
///
/// Errors: the file exists but cannot be read.
fn existing_pins(
    path: Option<&Path>,
    upgrade: &UpgradeSettings,
) -> anyhow::Result<Vec<(PackageName, Version)>> {
    let Some(path) = path.filter(|p| p.is_file()) else {
        return Ok(Vec::new());
    };
    if upgrade.all {
        return Ok(Vec::new());
    }
    let file = den_requirements::parse_requirements_file(path)
        .with_context(|| format!("cannot read the existing pins in {}", path.display()))?;
    Ok(file
        .requirements
        .into_iter()
        .filter(|entry| !upgrade.packages.contains(&entry.requirement.name))
        .filter_map(|entry| {
            let Some(VersionOrUrl::VersionSpecifier(specifiers)) =
                &entry.requirement.version_or_url
            else {
                return None;
            };
            let [only] = &specifiers[..] else {
                return None;
            };
            (only.operator() == &den_dist::Operator::Equal)
                .then(|| (entry.requirement.name.clone(), only.version().clone()))
        })
        .collect())
}

/// Markers, tags and version resolved for.
struct TargetEnvironment {
    markers: MarkerEnvironment,
    tags: Tags,
    version: Version,
    /// `3.12`, for the header.
    major_minor: String,
}

impl TargetEnvironment {
    /// The interpreter's own, or the one `--python-version` / `--python-platform` describe.
    fn new(
        interpreter: &Interpreter,
        python_version: Option<&str>,
        python_platform: Option<&str>,
    ) -> anyhow::Result<Self> {
        if python_version.is_none() && python_platform.is_none() {
            let (major, minor) = interpreter.major_minor;
            return Ok(Self {
                markers: interpreter.markers.clone(),
                tags: interpreter.tags.clone(),
                version: interpreter.version.clone(),
                major_minor: format!("{major}.{minor}"),
            });
        }
        let version = match python_version {
            Some(text) => Version::from_str(text).map_err(|e| {
                anyhow::anyhow!("--python-version `{text}` is not a version ({e}); write e.g. 3.12")
            })?,
            None => interpreter.version.clone(),
        };
        let release = version.release();
        let (major, minor) = match release {
            [major, minor, ..] => (*major, *minor),
            _ => bail!("--python-version `{version}` needs a major and a minor version, e.g. 3.12"),
        };
        let full = match release {
            [_, _, patch, ..] => format!("{major}.{minor}.{patch}"),
            _ => format!("{major}.{minor}.0"),
        };
        let platform = match python_platform {
            Some(name) => PlatformChoice::parse(name)?,
            None => PlatformChoice::from_markers(&interpreter.markers, &interpreter.platform),
        };
        let markers = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: &full,
            os_name: platform.os_name,
            platform_machine: &platform.machine,
            platform_python_implementation: "CPython",
            platform_release: "",
            platform_system: platform.system,
            platform_version: "",
            python_full_version: &full,
            python_version: &format!("{major}.{minor}"),
            sys_platform: platform.sys_platform,
        })
        .map_err(|e| anyhow::anyhow!("cannot describe Python {full}: {e}"))?;
        let (major, minor) = (u8::try_from(major)?, u8::try_from(minor)?);
        let tags = Tags::from_interpreter(
            &Implementation::CPython {
                gil_disabled: false,
            },
            (major, minor),
            &format!("cp{major}{minor}"),
            &platform.platform,
        );
        Ok(Self {
            markers,
            tags,
            version: Version::from_str(&full)?,
            major_minor: format!("{major}.{minor}"),
        })
    }
}

/// A platform to resolve for, as markers and a wheel platform.
struct PlatformChoice {
    sys_platform: &'static str,
    system: &'static str,
    os_name: &'static str,
    machine: String,
    platform: Platform,
}

impl PlatformChoice {
    /// `linux`, `macos`, `windows`, or a target triple `<arch>-unknown-linux-gnu|musl`,
    /// `<arch>-apple-darwin`, `<arch>-pc-windows-msvc`. Linux means manylinux_2_17 (glibc
    /// 2.17, manylinux2014) or musllinux_1_2; macOS means 11.0 on arm64 and 10.12 on x86_64.
    fn parse(name: &str) -> anyhow::Result<Self> {
        let (arch, rest) = match name {
            "linux" => ("x86_64", "unknown-linux-gnu"),
            "macos" => ("aarch64", "apple-darwin"),
            "windows" => ("x86_64", "pc-windows-msvc"),
            triple => triple.split_once('-').unwrap_or((triple, "")),
        };
        let linux = |libc| Self {
            sys_platform: "linux",
            system: "Linux",
            os_name: "posix",
            machine: arch.to_string(),
            platform: Platform::Linux {
                arch: arch.to_string(),
                libc,
            },
        };
        Ok(match rest {
            "unknown-linux-gnu" | "linux-gnu" => linux(Libc::Glibc(2, 17)),
            "unknown-linux-musl" | "linux-musl" => linux(Libc::Musl(1, 2)),
            "apple-darwin" => {
                let (machine, major, minor) = match arch {
                    "aarch64" | "arm64" => ("arm64", 11, 0),
                    _ => ("x86_64", 10, 12),
                };
                Self {
                    sys_platform: "darwin",
                    system: "Darwin",
                    os_name: "posix",
                    machine: machine.to_string(),
                    platform: Platform::Macos {
                        major,
                        minor,
                        arch: machine.to_string(),
                    },
                }
            }
            "pc-windows-msvc" => {
                let (machine, tag) = match arch {
                    "aarch64" | "arm64" => ("ARM64", "win_arm64"),
                    "i686" | "x86" => ("x86", "win32"),
                    _ => ("AMD64", "win_amd64"),
                };
                Self {
                    sys_platform: "win32",
                    system: "Windows",
                    os_name: "nt",
                    machine: machine.to_string(),
                    platform: Platform::Other(tag.to_string()),
                }
            }
            _ => bail!(
                "unknown --python-platform `{name}`: use linux, macos, windows, or a triple such \
                 as x86_64-unknown-linux-gnu, aarch64-unknown-linux-musl, aarch64-apple-darwin, \
                 x86_64-pc-windows-msvc"
            ),
        })
    }

    /// The interpreter's own platform.
    fn from_markers(markers: &MarkerEnvironment, platform: &Platform) -> Self {
        let (sys_platform, system, os_name) = match markers.sys_platform() {
            "darwin" => ("darwin", "Darwin", "posix"),
            "win32" => ("win32", "Windows", "nt"),
            _ => ("linux", "Linux", "posix"),
        };
        Self {
            sys_platform,
            system,
            os_name,
            machine: markers.platform_machine().to_string(),
            platform: platform.clone(),
        }
    }
}
