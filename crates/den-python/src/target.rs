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
            Some(text) => Version::from_str(text).map_err(|e| TargetPythonError::Version {
                text: text.to_string(),
                reason: e.to_string(),
            })?,
            None => interpreter.version.clone(),
        };
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
        .map_err(|e| TargetPythonError::Markers {
            version: full.clone(),
            reason: e.to_string(),
        })?;
        let (Ok(major), Ok(minor)) = (u8::try_from(major), u8::try_from(minor)) else {
            return Err(too_large());
        };
        let tags = Tags::from_interpreter(
            &Implementation::CPython {
                gil_disabled: false,
            },
            (major, minor),
            &format!("cp{major}{minor}"),
            &platform.platform,
        );
        let version = Version::from_str(&full).map_err(|e| TargetPythonError::Version {
            text: full.clone(),
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
    sys_platform: &'static str,
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
            _ => {
                return Err(TargetPythonError::Platform {
                    name: name.to_string(),
                });
            }
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
}
