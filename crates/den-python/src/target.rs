//! [`TargetPython`]: the Python a resolution is for — an interpreter's own markers and tags,
//! or those of another version and platform (`--python-version`, `--python-platform`).

use std::str::FromStr;

use den_dist::{
    Implementation, Libc, MarkerEnvironment, MarkerEnvironmentBuilder, Platform, Tags, Version,
};

use crate::Interpreter;

/// The environment markers (PEP 508), wheel tags (PEP 425) and version a resolution targets.
#[derive(Debug, Clone)]
pub struct TargetPython {
    /// The marker environment requirements are evaluated in.
    pub markers: MarkerEnvironment,
    /// The wheel tags accepted, best first.
    pub tags: Tags,
    /// The full Python version (`3.12.0`), checked against `Requires-Python`.
    pub version: Version,
    /// `(major, minor)`.
    pub major_minor: (u8, u8),
}

impl TargetPython {
    /// The interpreter's own markers, tags and version.
    pub fn of(interpreter: &Interpreter) -> Self {
        Self {
            markers: interpreter.markers.clone(),
            tags: interpreter.tags.clone(),
            version: interpreter.version.clone(),
            major_minor: interpreter.major_minor,
        }
    }

    /// The interpreter's own when neither is given; else CPython `python_version` (`3.12` or
    /// `3.12.4`, read as `X.Y.0` without a patch; the interpreter's version when `None`) on
    /// `python_platform` (`linux`, `macos`, `windows`, or a target triple
    /// `<arch>-unknown-linux-gnu|musl`, `<arch>-apple-darwin`, `<arch>-pc-windows-msvc`, as
    /// uv's `--python-platform`; the interpreter's platform when `None`). Linux means
    /// manylinux_2_17 (glibc 2.17) or musllinux_1_2; macOS means 11.0 on arm64 and 10.12 on
    /// x86_64.
    ///
    /// Errors: [`TargetPythonError`] naming the option and value at fault.
    pub fn describe(
        interpreter: &Interpreter,
        python_version: Option<&str>,
        python_platform: Option<&str>,
    ) -> Result<Self, TargetPythonError> {
        if python_version.is_none() && python_platform.is_none() {
            return Ok(Self::of(interpreter));
        }
        let version = match python_version {
            Some(text) => parse_version(text)?,
            None => interpreter.version.clone(),
        };
        let platform = match python_platform {
            Some(name) => PlatformChoice::parse(name)?,
            None => PlatformChoice::from_markers(&interpreter.markers, &interpreter.platform),
        };
        Self::cpython(&version, &platform)
    }

    /// CPython `python_version` on `python_platform`, read as [`TargetPython::describe`] reads
    /// them, without an interpreter (for tests and fuzzing, and wherever no interpreter is at
    /// hand).
    ///
    /// Errors: [`TargetPythonError`] naming the value at fault.
    pub fn cpython_on(
        python_version: &str,
        python_platform: &str,
    ) -> Result<Self, TargetPythonError> {
        Self::cpython(
            &parse_version(python_version)?,
            &PlatformChoice::parse(python_platform)?,
        )
    }

    /// CPython `version` (`X.Y.0` without a patch) on `platform`.
    fn cpython(version: &Version, platform: &PlatformChoice) -> Result<Self, TargetPythonError> {
        let release = version.release();
        let too_large = || TargetPythonError::NoMinor {
            version: version.to_string(),
        };
        let (major, minor) = match release {
            [major, minor, ..] => (*major, *minor),
            _ => return Err(too_large()),
        };
        let full = match release {
            [_, _, patch, ..] => format!("{major}.{minor}.{patch}"),
            _ => format!("{major}.{minor}.0"),
        };
        let (Ok(major), Ok(minor)) = (u8::try_from(major), u8::try_from(minor)) else {
            return Err(too_large());
        };
        Self::build(
            &full,
            (major, minor),
            &Implementation::CPython {
                gil_disabled: false,
            },
            &[format!("cp{major}{minor}")],
            platform,
        )
    }

    /// The Python pip's `--python-version`, `--implementation`, `--abi` and one `--platform`
    /// describe (`pip download`), as pip reads them: a version `3`, `3.12`, `3.12.4` or `312`
    /// (missing parts are 0: `3` is 3.0.0, as pip's `--python-version` help says), an
    /// implementation `cp`, `pp`, `py` (generic) or another PEP 425 prefix, ABI tags used in
    /// place of the interpreter's (`cp312`; default `cpXY` for CPython, none otherwise), and a
    /// wheel platform tag ([`Platform::from_tag`]). What is not given is the interpreter's.
    /// Unlike pip, which reads dependency markers with the running interpreter's values, the
    /// markers are the target's: `sys_platform`, `platform_system`, `os_name`,
    /// `platform_machine` from the platform tag (the interpreter's for `any`), the versions and
    /// the implementation from the options.
    ///
    /// Errors: [`TargetPythonError`] naming the option and value at fault.
    pub fn from_pip(interpreter: &Interpreter, pip: &PipTarget) -> Result<Self, TargetPythonError> {
        if pip.is_empty() {
            return Ok(Self::of(interpreter));
        }
        let (major, minor, patch) = match &pip.python_version {
            Some(text) => parse_pip_python_version(text)?,
            None => {
                let release = interpreter.version.release();
                let patch = release.get(2).copied().unwrap_or(0);
                (
                    interpreter.major_minor.0,
                    interpreter.major_minor.1,
                    u16::try_from(patch).unwrap_or(0),
                )
            }
        };
        let implementation = match pip.implementation.as_deref() {
            None | Some("cp") => Implementation::CPython {
                gil_disabled: false,
            },
            Some(prefix)
                if !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_lowercase()) =>
            {
                Implementation::Other(prefix.to_string())
            }
            Some(other) => {
                return Err(TargetPythonError::Implementation {
                    text: other.to_string(),
                });
            }
        };
        let abis = if !pip.abis.is_empty() {
            pip.abis.clone()
        } else if matches!(implementation, Implementation::CPython { .. }) {
            vec![format!("cp{major}{minor}")]
        } else {
            Vec::new()
        };
        let platform = match &pip.platform {
            Some(tag) => PlatformChoice::from_tag(tag, interpreter)?,
            None => PlatformChoice::from_markers(&interpreter.markers, &interpreter.platform),
        };
        Self::build(
            &format!("{major}.{minor}.{patch}"),
            (major, minor),
            &implementation,
            &abis,
            &platform,
        )
    }

    /// The markers and tags of Python `full` (`X.Y.Z`) of `implementation` with `abis` on
    /// `platform`.
    fn build(
        full: &str,
        (major, minor): (u8, u8),
        implementation: &Implementation,
        abis: &[String],
        platform: &PlatformChoice,
    ) -> Result<Self, TargetPythonError> {
        let (implementation_name, python_implementation) = match implementation {
            Implementation::Other(prefix) if prefix == "pp" => ("pypy", "PyPy"),
            _ => ("cpython", "CPython"),
        };
        let markers = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name,
            implementation_version: full,
            os_name: platform.os_name,
            platform_machine: &platform.machine,
            platform_python_implementation: python_implementation,
            platform_release: "",
            platform_system: platform.system,
            platform_version: "",
            python_full_version: full,
            python_version: &format!("{major}.{minor}"),
            sys_platform: &platform.sys_platform,
        })
        .map_err(|e| TargetPythonError::Markers {
            version: full.to_string(),
            reason: e.to_string(),
        })?;
        let abis: Vec<&str> = abis.iter().map(String::as_str).collect();
        let tags = Tags::with_abis(implementation, (major, minor), &abis, &platform.platform);
        let version = Version::from_str(full).map_err(|e| TargetPythonError::Version {
            text: full.to_string(),
            reason: e.to_string(),
        })?;
        Ok(Self {
            markers,
            tags,
            version,
            major_minor: (major, minor),
        })
    }
}

/// pip's options that describe another Python than the running one (`pip download`
/// `--python-version`, `--implementation`, `--abi`, `--platform`), for one platform.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipTarget {
    /// `--python-version`: `3`, `3.12`, `3.12.4` or `312`.
    pub python_version: Option<String>,
    /// `--implementation`: `cp`, `pp`, `py`...
    pub implementation: Option<String>,
    /// `--abi` values (`cp312`, `abi3`, `none`).
    pub abis: Vec<String>,
    /// One `--platform` value: a wheel platform tag.
    pub platform: Option<String>,
}

impl PipTarget {
    /// Whether nothing is given, so the target is the running interpreter.
    pub fn is_empty(&self) -> bool {
        self.python_version.is_none()
            && self.implementation.is_none()
            && self.abis.is_empty()
            && self.platform.is_none()
    }
}

/// `(major, minor, patch)` of a pip `--python-version` value: dotted (`3`, `3.12`, `3.12.4`)
/// or, without dots, the major digit and the minor (`312`); missing parts are 0.
///
/// Errors: [`TargetPythonError::PipVersion`] for anything else.
fn parse_pip_python_version(text: &str) -> Result<(u8, u8, u16), TargetPythonError> {
    let invalid = |reason: &str| TargetPythonError::PipVersion {
        text: text.to_string(),
        reason: reason.to_string(),
    };
    let parts: Vec<&str> = if text.contains('.') {
        text.split('.').collect()
    } else if text.len() > 1 && text.is_char_boundary(1) {
        vec![&text[..1], &text[1..]]
    } else {
        vec![text]
    };
    if parts.len() > 3 {
        return Err(invalid("at most three version parts are allowed"));
    }
    let number = |part: &str| {
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse::<u16>().ok())
            .flatten()
            .ok_or_else(|| invalid("each version part must be an integer"))
    };
    let major = number(parts[0])?;
    let minor = parts.get(1).map(|p| number(p)).transpose()?.unwrap_or(0);
    let patch = parts.get(2).map(|p| number(p)).transpose()?.unwrap_or(0);
    match (u8::try_from(major), u8::try_from(minor)) {
        (Ok(major), Ok(minor)) => Ok((major, minor, patch)),
        _ => Err(invalid("the major and minor versions must be below 256")),
    }
}

/// Why `--python-version` or `--python-platform` describes no Python.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetPythonError {
    /// `--python-version` is not a PEP 440 version.
    #[error("--python-version `{text}` is not a version ({reason}); write e.g. 3.12")]
    Version {
        /// The value given.
        text: String,
        /// The parser's message.
        reason: String,
    },
    /// `--python-version` lacks a minor version (or its parts do not fit a Python version).
    #[error("--python-version `{version}` needs a major and a minor version, e.g. 3.12")]
    NoMinor {
        /// The version given.
        version: String,
    },
    /// pip's `--python-version` is not `3`, `3.12`, `3.12.4` or `312`.
    #[error("invalid --python-version value: '{text}': {reason}")]
    PipVersion {
        /// The value given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `--implementation` is not a PEP 425 implementation prefix.
    #[error(
        "invalid --implementation value: '{text}': use cp (CPython), pp (PyPy), py (any \
         implementation) or another lowercase PEP 425 prefix"
    )]
    Implementation {
        /// The value given.
        text: String,
    },
    /// `--platform` is not a wheel platform tag.
    #[error(transparent)]
    PlatformTag(#[from] den_dist::PlatformTagError),
    /// `--python-platform` names no platform den knows.
    #[error(
        "unknown --python-platform `{name}`: use linux, macos, windows, or a triple such as \
         x86_64-unknown-linux-gnu, aarch64-unknown-linux-musl, aarch64-apple-darwin, \
         x86_64-pc-windows-msvc"
    )]
    Platform {
        /// The value given.
        name: String,
    },
    /// The markers of that Python could not be built.
    #[error("cannot describe Python {version}: {reason}")]
    Markers {
        /// The full version.
        version: String,
        /// pep508_rs' message.
        reason: String,
    },
}

/// A platform to resolve for, as markers and a wheel platform.
struct PlatformChoice {
    sys_platform: String,
    system: &'static str,
    os_name: &'static str,
    machine: String,
    platform: Platform,
}

impl PlatformChoice {
    /// A `--python-platform` name (see [`TargetPython::describe`]).
    fn parse(name: &str) -> Result<Self, TargetPythonError> {
        let (arch, rest) = match name {
            "linux" => ("x86_64", "unknown-linux-gnu"),
            "macos" => ("aarch64", "apple-darwin"),
            "windows" => ("x86_64", "pc-windows-msvc"),
            triple => triple.split_once('-').unwrap_or((triple, "")),
        };
        let linux = |libc| Self {
            sys_platform: "linux".into(),
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
                    sys_platform: "darwin".into(),
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
                    sys_platform: "win32".into(),
                    system: "Windows",
                    os_name: "nt",
                    machine: machine.to_string(),
                    platform: Platform::Other(tag.to_string()),
                }
            }
            _ => {
                return Err(TargetPythonError::Platform {
                    name: name.to_string(),
                });
            }
        })
    }

    /// The platform a wheel platform tag names (the interpreter's for `any`).
    fn from_tag(tag: &str, interpreter: &Interpreter) -> Result<Self, TargetPythonError> {
        let platform = Platform::from_tag(tag)?;
        let posix = |sys_platform, system, machine: &str| Self {
            sys_platform,
            system,
            os_name: "posix",
            machine: machine.to_string(),
            platform: platform.clone(),
        };
        Ok(match &platform {
            Platform::Linux { arch, .. } => posix("linux".into(), "Linux", arch),
            Platform::Macos { arch, .. } => posix("darwin".into(), "Darwin", arch),
            // PEP 730: `platform.machine()` is the architecture of the multiarch.
            Platform::Ios { multiarch, .. } => posix(
                "ios".into(),
                "iOS",
                multiarch.rsplit_once('_').map_or("", |(arch, _)| arch),
            ),
            // PEP 738: `platform.machine()` is the kernel's name of the ABI's architecture.
            Platform::Android { abi, .. } => posix(
                "android".into(),
                "Android",
                match abi.as_str() {
                    "arm64_v8a" => "aarch64",
                    "armeabi_v7a" => "armv7l",
                    "x86" => "i686",
                    other => other,
                },
            ),
            Platform::Other(tag)
                if tag.starts_with("pyodide_") || tag.starts_with("emscripten_") =>
            {
                posix("emscripten".into(), "Emscripten", "wasm32")
            }
            Platform::Other(tag) if tag.starts_with("freebsd_") => posix(
                format!("freebsd{}", platform.freebsd_major().unwrap_or_default()),
                "FreeBSD",
                tag.rsplit('_').next().unwrap_or_default(),
            ),
            Platform::Other(tag) if tag.starts_with("macosx_") => posix(
                "darwin".into(),
                "Darwin",
                tag.rsplit('_').next().unwrap_or_default(),
            ),
            Platform::Other(tag) if tag.starts_with("win") => Self {
                sys_platform: "win32".into(),
                system: "Windows",
                os_name: "nt",
                machine: match tag.as_str() {
                    "win32" => "x86",
                    "win_arm64" => "ARM64",
                    "win_ia64" => "IA64",
                    _ => "AMD64",
                }
                .to_string(),
                platform: platform.clone(),
            },
            _ => Self {
                platform,
                ..Self::from_markers(&interpreter.markers, &interpreter.platform)
            },
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
            sys_platform: sys_platform.to_string(),
            system,
            os_name,
            machine: markers.platform_machine().to_string(),
            platform: platform.clone(),
        }
    }
}

/// A `--python-version` value as a version.
fn parse_version(text: &str) -> Result<Version, TargetPythonError> {
    Version::from_str(text).map_err(|e| TargetPythonError::Version {
        text: text.to_string(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake;

    fn interpreter(dir: &std::path::Path) -> Interpreter {
        let python = dir.join("prefix/bin/python3");
        fake::fake_python(&python, "3.12.4");
        let cache = den_cache::Cache::open(dir.join("cache")).unwrap();
        Interpreter::query(&python, &cache).unwrap()
    }

    #[test]
    fn another_version_and_platform_have_their_markers_and_tags() {
        let dir = tempfile::tempdir().unwrap();
        let interpreter = interpreter(dir.path());
        let own = TargetPython::describe(&interpreter, None, None).unwrap();
        assert_eq!(own.version.to_string(), "3.12.4");
        assert_eq!(own.major_minor, (3, 12));

        let windows = TargetPython::describe(&interpreter, Some("3.10"), Some("windows")).unwrap();
        assert_eq!(windows.version.to_string(), "3.10.0");
        assert_eq!(windows.major_minor, (3, 10));
        assert_eq!(windows.markers.sys_platform(), "win32");
        assert_eq!(windows.markers.platform_machine(), "AMD64");
        assert_eq!(windows.tags.iter().next().unwrap(), "cp310-cp310-win_amd64");

        let musl =
            TargetPython::describe(&interpreter, None, Some("aarch64-unknown-linux-musl")).unwrap();
        assert_eq!(musl.version.to_string(), "3.12.4");
        assert!(
            musl.tags
                .iter()
                .any(|tag| tag == "cp312-cp312-musllinux_1_2_aarch64"),
            "{:?}",
            musl.tags.iter().take(5).collect::<Vec<_>>()
        );
    }

    #[test]
    fn bad_values_name_the_option() {
        let dir = tempfile::tempdir().unwrap();
        let interpreter = interpreter(dir.path());
        let error = |version, platform| {
            TargetPython::describe(&interpreter, version, platform)
                .unwrap_err()
                .to_string()
        };
        assert!(error(Some("3"), None).contains("--python-version `3` needs a major and a minor"));
        assert!(error(Some("three"), None).contains("--python-version `three` is not a version"));
        assert!(error(None, Some("solaris")).contains("unknown --python-platform `solaris`"));
    }

    #[test]
    fn pips_target_options_describe_another_python() {
        let dir = tempfile::tempdir().unwrap();
        let interpreter = interpreter(dir.path());
        let target = |version: Option<&str>,
                      implementation: Option<&str>,
                      abis: &[&str],
                      platform: Option<&str>| {
            TargetPython::from_pip(
                &interpreter,
                &PipTarget {
                    python_version: version.map(str::to_string),
                    implementation: implementation.map(str::to_string),
                    abis: abis.iter().map(|a| a.to_string()).collect(),
                    platform: platform.map(str::to_string),
                },
            )
        };
        let windows = target(Some("311"), None, &[], Some("win_amd64")).unwrap();
        assert_eq!(windows.version.to_string(), "3.11.0");
        assert_eq!(windows.markers.sys_platform(), "win32");
        assert_eq!(windows.tags.iter().next().unwrap(), "cp311-cp311-win_amd64");
        let mac = target(Some("3.12.1"), None, &[], Some("macosx_11_0_arm64")).unwrap();
        assert_eq!(mac.markers.sys_platform(), "darwin");
        assert_eq!(mac.markers.platform_machine(), "arm64");
        assert_eq!(mac.version.to_string(), "3.12.1");
        let pypy = target(
            Some("3.10"),
            Some("pp"),
            &["pypy310_pp73"],
            Some("manylinux2014_x86_64"),
        )
        .unwrap();
        assert_eq!(
            pypy.tags.iter().next().unwrap(),
            "pp310-pypy310_pp73-manylinux_2_17_x86_64"
        );
        assert_eq!(pypy.markers.sys_platform(), "linux");
        // PEP 730, PEP 738, WebAssembly and FreeBSD: the target's markers.
        for (tag, sys_platform, system, machine) in [
            ("ios_13_0_arm64_iphoneos", "ios", "iOS", "arm64"),
            ("ios_12_0_x86_64_iphonesimulator", "ios", "iOS", "x86_64"),
            ("android_24_arm64_v8a", "android", "Android", "aarch64"),
            ("android_21_x86_64", "android", "Android", "x86_64"),
            (
                "pyodide_2024_0_wasm32",
                "emscripten",
                "Emscripten",
                "wasm32",
            ),
            (
                "emscripten_3_1_58_wasm32",
                "emscripten",
                "Emscripten",
                "wasm32",
            ),
            (
                "freebsd_14_0_release_amd64",
                "freebsd14",
                "FreeBSD",
                "amd64",
            ),
        ] {
            let target = target(Some("3.13"), None, &[], Some(tag)).unwrap();
            let markers = &target.markers;
            assert_eq!(
                (
                    markers.sys_platform(),
                    markers.platform_system(),
                    markers.platform_machine(),
                    markers.os_name()
                ),
                (sys_platform, system, machine, "posix"),
                "{tag}"
            );
            assert_eq!(
                target.tags.iter().next().unwrap(),
                format!("cp313-cp313-{tag}")
            );
        }
        // The interpreter's version when only the platform is given.
        assert_eq!(
            target(None, None, &[], Some("linux_aarch64"))
                .unwrap()
                .version
                .to_string(),
            "3.12.4"
        );
        assert_eq!(
            target(Some("3"), None, &[], None)
                .unwrap()
                .version
                .to_string(),
            "3.0.0"
        );
        let error =
            |result: Result<TargetPython, TargetPythonError>| result.unwrap_err().to_string();
        assert!(
            error(target(Some("3.x"), None, &[], None))
                .contains("invalid --python-version value: '3.x'")
        );
        assert!(error(target(Some("3.1.2.3"), None, &[], None)).contains("at most three"));
        assert!(
            error(target(None, Some("CP"), &[], None))
                .contains("invalid --implementation value: 'CP'")
        );
        assert!(
            error(target(None, None, &[], Some("manylinux_x86_64")))
                .contains("invalid platform tag `manylinux_x86_64`")
        );
    }
}
