//! `den pip compile`: pins requirements and their dependencies into a requirements.txt, in
//! pip-tools' `pip-compile` output format (a header, one `name==version` per line sorted by
//! name, `--hash` continuation lines, `# via` annotations), for the interpreter's or a chosen
//! Python version and platform.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;

use anyhow::{Context, bail};
use den_cache::Cache;
use den_dist::{
    Implementation, Libc, MarkerEnvironment, MarkerEnvironmentBuilder, PackageName, Platform, Tags,
    Version, VersionOrUrl, redact_credentials,
};
use den_prepare::Dist;
use den_python::Interpreter;
use den_resolve::ResolveRequest;

use crate::cli::{CompileArgs, TargetArgs};
use crate::pipeline::{Inputs, ResolvedPackage};
use crate::printer::Printer;
use crate::target::{self, Access};

/// Runs `den pip compile`.
pub fn run(args: &CompileArgs, cache: &Cache, printer: &Printer) -> anyhow::Result<ExitCode> {
    let interpreter = interpreter(args, cache)?;
    let mut inputs = Inputs::new(&args.index, &args.build, args.pre, false);
    // Project sources: (project directory, the file named), resolved as the project itself and
    // left out of the output, as pip-compile does.
    let mut project_sources: Vec<(PathBuf, String)> = Vec::new();
    for path in &args.src_files {
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !matches!(file_name, "pyproject.toml" | "setup.py" | "setup.cfg") {
            inputs.add_file(path, false)?;
            continue;
        }
        let absolute =
            std::path::absolute(path).with_context(|| format!("cannot use {}", path.display()))?;
        let dir = absolute.parent().unwrap_or(Path::new("/")).to_path_buf();
        let extras = if args.extras.is_empty() {
            String::new()
        } else {
            format!("[{}]", args.extras.join(","))
        };
        inputs.add_args(&[format!("{}{extras}", dir.display())], false)?;
        project_sources.push((dir, file_name.to_string()));
    }
    for path in &args.constraint_files {
        inputs.add_file(path, true)?;
    }
    if inputs.is_empty() {
        bail!(
            "{} names no requirements: nothing to compile",
            crate::pipeline::display_paths(&args.src_files)
        );
    }
    let preferences = existing_pins(args)?;
    let environment = TargetEnvironment::new(
        &interpreter,
        args.python_version.as_deref(),
        args.python_platform.as_deref(),
    )?;
    let source = Arc::new(inputs.source(cache, &interpreter)?);
    let runtime = crate::pipeline::runtime()?;
    let packages = runtime.block_on(async {
        inputs.name_unnamed(&source).await?;
        let request = ResolveRequest {
            markers: environment.markers.clone(),
            tags: environment.tags.clone(),
            python_version: environment.version.clone(),
            ..inputs.request(&interpreter, preferences, false)?
        };
        crate::pipeline::resolve(&source, request, printer).await
    })?;
    let hashes = if args.generate_hashes {
        runtime.block_on(den_prepare::hashes_of(&source, &packages))?
    } else {
        HashMap::new()
    };
    // The projects behind project sources: `name (pyproject.toml)` in annotations.
    let projects: HashMap<PackageName, String> = packages
        .iter()
        .filter_map(|package| {
            let dir = package.url.as_ref()?.to_url().to_file_path().ok()?;
            let (_, file) = project_sources.iter().find(|(d, _)| *d == dir)?;
            Some((package.name.clone(), format!("{} ({file})", package.name)))
        })
        .collect();
    let text = render(args, &environment, &inputs, &packages, &hashes, &projects);
    match &args.output_file {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => crate::printer::write_stdout(format_args!("{text}")),
    }
    Ok(ExitCode::SUCCESS)
}

/// The interpreter that builds sdists and whose environment is resolved for by default:
/// `--python`, else the active or nearest environment, else discovery's default.
fn interpreter(args: &CompileArgs, cache: &Cache) -> anyhow::Result<Interpreter> {
    let target_args = TargetArgs {
        python: args.python.clone(),
        system: true,
    };
    match target::find(&target_args, cache, Access::Read) {
        Ok(target) => Ok(target.interpreter),
        Err(_) if args.python.is_none() => {
            let cwd = std::env::current_dir().context("cannot read the current directory")?;
            super::venv::find_base(None, &cwd, &den_python::DiscoveryEnv::from_process(), cache)
        }
        Err(error) => Err(error),
    }
}

/// The pins of an existing output file, kept unless `--upgrade` / `--upgrade-package`
/// (pip-compile's behaviour).
fn existing_pins(args: &CompileArgs) -> anyhow::Result<Vec<(PackageName, Version)>> {
    let Some(path) = args.output_file.as_deref().filter(|p| p.is_file()) else {
        return Ok(Vec::new());
    };
    if args.upgrade {
        return Ok(Vec::new());
    }
    let upgrade = crate::pipeline::package_names(&args.upgrade_package, "--upgrade-package")?;
    let file = den_requirements::parse_requirements_file(path)
        .with_context(|| format!("cannot read the existing pins in {}", path.display()))?;
    Ok(file
        .requirements
        .into_iter()
        .filter(|entry| !upgrade.contains(&entry.requirement.name))
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

/// The requirements.txt text.
fn render(
    args: &CompileArgs,
    environment: &TargetEnvironment,
    inputs: &Inputs,
    packages: &[ResolvedPackage],
    hashes: &HashMap<PackageName, BTreeSet<String>>,
    projects: &HashMap<PackageName, String>,
) -> String {
    let mut out = String::new();
    if !args.no_header {
        let command: Vec<String> = std::iter::once("den".to_string())
            .chain(std::env::args().skip(1))
            .map(|arg| redact_credentials(&arg).into_owned())
            .collect();
        let _ = write!(
            out,
            "#\n# This file is autogenerated by den with Python {}\n# by the following command:\n#\n#    {}\n#\n",
            environment.major_minor,
            command.join(" ")
        );
    }
    // Where the pins come from, so `pip install -r` finds them (pip-compile writes these too).
    let index = &inputs.index;
    let options: Vec<String> = index
        .index_url
        .iter()
        .map(|url| format!("--index-url {url}"))
        .chain(index.no_index.then(|| "--no-index".to_string()))
        .chain(
            index
                .extra_index_url
                .iter()
                .map(|url| format!("--extra-index-url {url}")),
        )
        .chain(
            index
                .find_links
                .iter()
                .map(|link| format!("--find-links {link}")),
        )
        .chain(
            index
                .trusted_host
                .iter()
                .map(|host| format!("--trusted-host {host}")),
        )
        .collect();
    if !options.is_empty() {
        out.push_str(&options.join("\n"));
        out.push_str("\n\n");
    }
    let via = annotations(inputs, packages, args.output_file.as_deref(), projects);
    let mut sorted: Vec<&ResolvedPackage> = packages
        .iter()
        .filter(|package| !projects.contains_key(&package.name))
        .collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    for package in sorted {
        let pin = match (&package.url, &package.file) {
            (Some(_), Dist::Direct(direct)) if direct.is_editable() => {
                format!("-e {}", direct.url)
            }
            (Some(url), _) => format!("{} @ {}", package.name, url.to_url()),
            _ => format!("{}=={}", package.name, package.version),
        };
        out.push_str(&pin);
        let package_hashes = hashes.get(&package.name).filter(|set| !set.is_empty());
        if let Some(set) = package_hashes {
            for hash in set {
                let _ = write!(out, " \\\n    --hash={hash}");
            }
        }
        out.push('\n');
        if args.no_annotate {
            continue;
        }
        match via.get(&package.name).map(Vec::as_slice) {
            None | Some([]) => {}
            Some([only]) => {
                let _ = writeln!(out, "    # via {only}");
            }
            Some(many) => {
                out.push_str("    # via\n");
                for item in many {
                    let _ = writeln!(out, "    #   {item}");
                }
            }
        }
    }
    out
}

/// Why each package is pinned: `-r FILE` for input requirements (paths relative to the output
/// file's directory, as pip-compile writes them), then the names of the packages that depend
/// on it (`name (pyproject.toml)` for a project source), sorted.
fn annotations(
    inputs: &Inputs,
    packages: &[ResolvedPackage],
    output: Option<&Path>,
    projects: &HashMap<PackageName, String>,
) -> HashMap<PackageName, Vec<String>> {
    let base: PathBuf = output
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let shown = |path: &Path| -> String {
        path.strip_prefix(&base)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    let mut dependents: BTreeMap<&PackageName, BTreeSet<String>> = BTreeMap::new();
    for package in packages {
        for dependency in &package.dependencies {
            let by = projects
                .get(&package.name)
                .cloned()
                .unwrap_or_else(|| package.name.to_string());
            dependents.entry(dependency).or_default().insert(by);
        }
    }
    packages
        .iter()
        .map(|package| {
            let mut items: Vec<String> = inputs
                .requested_from
                .get(&package.name)
                .into_iter()
                .flatten()
                .map(|file| format!("-r {}", shown(file)))
                .collect();
            items.sort();
            items.dedup();
            items.extend(dependents.remove(&package.name).unwrap_or_default());
            (package.name.clone(), items)
        })
        .collect()
}
