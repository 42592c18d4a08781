//! Wheel compatibility tags (PEP 425) for one interpreter, in priority order, following the
//! ordering of the reference implementation (`packaging.tags`): the interpreter's own ABI first,
//! then `abi3` for this and older CPython versions, then `none`, each over every platform tag,
//! then the generic `pyXY-none-*` tags. Platform tags follow PEP 600 (manylinux by glibc
//! version, with the legacy `manylinux1/2010/2014` aliases), PEP 656 (musllinux) and the macOS
//! and Windows conventions.

use std::collections::HashMap;

use crate::WheelFilename;

/// The C library of a Linux platform, which decides manylinux / musllinux compatibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Libc {
    /// GNU libc `major.minor` (PEP 600).
    Glibc(u16, u16),
    /// musl `major.minor` (PEP 656).
    Musl(u16, u16),
    /// Neither could be detected; only `linux_<arch>` wheels match.
    Unknown,
}

/// The operating system and machine an interpreter runs on, as far as wheel tags care.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Platform {
    /// Linux with the given libc; `arch` is the wheel architecture (`x86_64`, `aarch64`,
    /// `i686` for a 32-bit interpreter on a 64-bit kernel...).
    Linux {
        /// Wheel architecture name.
        arch: String,
        /// Detected C library.
        libc: Libc,
    },
    /// macOS `major.minor` on `arch` (`x86_64` or `arm64`).
    Macos {
        /// macOS major version (10, 11, 12...).
        major: u16,
        /// macOS minor version.
        minor: u16,
        /// `x86_64` or `arm64`.
        arch: String,
    },
    /// iOS `major.minor` (PEP 730) on `multiarch`, the architecture and SDK
    /// (`arm64_iphoneos`, `arm64_iphonesimulator`, `x86_64_iphonesimulator`).
    Ios {
        /// iOS major version (12 and later).
        major: u16,
        /// iOS minor version.
        minor: u16,
        /// `<arch>_iphoneos` or `<arch>_iphonesimulator`.
        multiarch: String,
    },
    /// Android at API level `api_level` (PEP 738) with the ABI `abi` (`arm64_v8a`,
    /// `armeabi_v7a`, `x86_64`, `x86`).
    Android {
        /// The highest API level the target has (16 and later).
        api_level: u16,
        /// The Android ABI, `-` and `.` written `_`.
        abi: String,
    },
    /// Any other platform, with the single tag `sysconfig.get_platform()` normalizes to
    /// (`win_amd64`, `freebsd_14_0_release_amd64`, `emscripten_3_1_58_wasm32`...).
    Other(String),
}

impl Platform {
    /// The platform a wheel platform tag names, as pip's `--platform` takes it (PEP 425
    /// §Platform Tag): `manylinux_X_Y_<arch>` (PEP 600) and its legacy aliases `manylinux1_`,
    /// `manylinux2010_`, `manylinux2014_<arch>` (glibc 2.5, 2.12, 2.17), `musllinux_X_Y_<arch>`
    /// (PEP 656), `linux_<arch>`, `macosx_X_Y_<arch>`, `ios_X_Y_<arch>_<sdk>` (PEP 730),
    /// `android_<api level>_<abi>` (PEP 738), `pyodide_<year>_<n>_wasm32`,
    /// `emscripten_X_Y_Z_wasm32`, `freebsd_X_Y_<release>_<arch>` (`sysconfig.get_platform()`
    /// normalized), `win32`, `win_amd64`, `win_arm64`, and `any`. The platform accepts every
    /// older tag of its family, as an interpreter on it does (a `manylinux2014_x86_64` target
    /// takes `manylinux_2_12` and `manylinux1` wheels, `macosx_11_0_arm64` takes
    /// `macosx_11_0_universal2`, `ios_13_0_arm64_iphoneos` takes `ios_12_0_arm64_iphoneos`,
    /// `android_24_arm64_v8a` every API level down to 16), which is what pip's expansion of
    /// `--platform` values (`_get_custom_platforms`) does for the legacy aliases, macOS, iOS
    /// and Android. macOS on another architecture than `x86_64`/`arm64` (`universal2`,
    /// `intel`), WebAssembly, FreeBSD and Windows are [`Platform::Other`], matching their own
    /// tag only.
    ///
    /// Errors: [`PlatformTagError`] naming the tag and the forms den reads.
    pub fn from_tag(tag: &str) -> Result<Self, PlatformTagError> {
        let error = |reason: &str| PlatformTagError {
            tag: tag.to_string(),
            reason: reason.to_string(),
        };
        let is_arch = |arch: &str| {
            !arch.is_empty()
                && arch
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        let number = |text: &str| text.parse::<u16>().ok();
        // `X_Y_<arch>`: two numbers and an architecture.
        let versioned = |rest: &str| {
            let mut parts = rest.splitn(3, '_');
            let (major, minor, arch) = (parts.next()?, parts.next()?, parts.next()?);
            Some((number(major)?, number(minor)?, arch.to_string())).filter(|(_, _, a)| is_arch(a))
        };
        let linux = |arch: &str, libc| {
            if is_arch(arch) {
                Ok(Platform::Linux {
                    arch: arch.to_string(),
                    libc,
                })
            } else {
                Err(error(
                    "the architecture is missing or has other characters than a-z, 0-9 and _",
                ))
            }
        };
        if tag == "any" || matches!(tag, "win32" | "win_amd64" | "win_arm64" | "win_ia64") {
            return Ok(Platform::Other(tag.to_string()));
        }
        if let Some(arch) = tag.strip_prefix("manylinux1_") {
            return linux(arch, Libc::Glibc(2, 5));
        }
        if let Some(arch) = tag.strip_prefix("manylinux2010_") {
            return linux(arch, Libc::Glibc(2, 12));
        }
        if let Some(arch) = tag.strip_prefix("manylinux2014_") {
            return linux(arch, Libc::Glibc(2, 17));
        }
        if let Some(rest) = tag.strip_prefix("manylinux_") {
            let (major, minor, arch) = versioned(rest)
                .ok_or_else(|| error("manylinux_ takes a glibc version and an architecture"))?;
            if major != 2 {
                return Err(error("manylinux tags name glibc 2.x"));
            }
            return linux(&arch, Libc::Glibc(major, minor));
        }
        if let Some(rest) = tag.strip_prefix("musllinux_") {
            let (major, minor, arch) = versioned(rest)
                .ok_or_else(|| error("musllinux_ takes a musl version and an architecture"))?;
            if major != 1 {
                return Err(error("musllinux tags name musl 1.x"));
            }
            return linux(&arch, Libc::Musl(major, minor));
        }
        if let Some(arch) = tag.strip_prefix("linux_") {
            return linux(arch, Libc::Unknown);
        }
        if let Some(rest) = tag.strip_prefix("macosx_") {
            let (major, minor, arch) = versioned(rest)
                .ok_or_else(|| error("macosx_ takes a macOS version and an architecture"))?;
            if major < 10 {
                return Err(error("macOS versions start at 10"));
            }
            return Ok(match arch.as_str() {
                "x86_64" | "arm64" => Platform::Macos { major, minor, arch },
                _ => Platform::Other(tag.to_string()),
            });
        }
        if let Some(rest) = tag.strip_prefix("ios_") {
            let (major, minor, multiarch) = versioned(rest)
                .filter(|(_, _, m)| {
                    m.strip_suffix("_iphoneos")
                        .or_else(|| m.strip_suffix("_iphonesimulator"))
                        .is_some_and(is_arch)
                })
                .ok_or_else(|| {
                    error(
                        "ios_ takes an iOS version, an architecture and the SDK \
                         (iphoneos or iphonesimulator)",
                    )
                })?;
            if major < 12 {
                return Err(error("iOS versions start at 12"));
            }
            return Ok(Platform::Ios {
                major,
                minor,
                multiarch,
            });
        }
        if let Some(rest) = tag.strip_prefix("android_") {
            let (api_level, abi) = rest
                .split_once('_')
                .and_then(|(level, abi)| Some((number(level)?, abi)))
                .filter(|(_, abi)| is_arch(abi))
                .ok_or_else(|| error("android_ takes an API level and an ABI"))?;
            if api_level < 16 {
                return Err(error("Android API levels start at 16"));
            }
            return Ok(Platform::Android {
                api_level,
                abi: abi.to_string(),
            });
        }
        // Tags of their own only: the numbers (and, for FreeBSD, the release) and the
        // architecture are checked.
        let numbers_then = |rest: &str, count: usize| {
            let mut parts = rest.splitn(count + 1, '_');
            let all_numbers = parts.by_ref().take(count).all(|n| number(n).is_some());
            let tail = parts.next().unwrap_or_default();
            (all_numbers && is_arch(tail)).then(|| tail.to_string())
        };
        let wasm32 = |rest: &str, count: usize, what: &str| {
            if numbers_then(rest, count).is_some_and(|arch| arch == "wasm32") {
                Ok(Platform::Other(tag.to_string()))
            } else {
                Err(error(what))
            }
        };
        if let Some(rest) = tag.strip_prefix("pyodide_") {
            return wasm32(
                rest,
                2,
                "pyodide_ takes an ABI version (year and number) and wasm32",
            );
        }
        if let Some(rest) = tag.strip_prefix("emscripten_") {
            return wasm32(
                rest,
                3,
                "emscripten_ takes an Emscripten version and wasm32",
            );
        }
        if let Some(rest) = tag.strip_prefix("freebsd_") {
            return match numbers_then(rest, 2) {
                Some(tail) if tail.contains('_') => Ok(Platform::Other(tag.to_string())),
                _ => Err(error(
                    "freebsd_ takes a FreeBSD version, its release and an architecture",
                )),
            };
        }
        Err(error("it is not a platform tag den knows"))
    }

    /// The major version of the FreeBSD a platform tag names
    /// (`freebsd_14_0_release_amd64`: 14), its `sys.platform` being `freebsd<major>`.
    pub fn freebsd_major(&self) -> Option<u16> {
        match self {
            Platform::Other(tag) => tag
                .strip_prefix("freebsd_")?
                .split('_')
                .next()?
                .parse()
                .ok(),
            _ => None,
        }
    }
}

/// A `--platform` value that is not a wheel platform tag ([`Platform::from_tag`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid platform tag `{tag}`: {reason}; a platform tag is one of manylinux_2_17_x86_64 \
     (manylinux_<glibc major>_<minor>_<arch>), manylinux2014_x86_64 / manylinux2010_x86_64 / \
     manylinux1_x86_64, musllinux_1_2_aarch64, linux_x86_64, macosx_11_0_arm64 \
     (macosx_<major>_<minor>_<arch>), ios_13_0_arm64_iphoneos \
     (ios_<major>_<minor>_<arch>_<iphoneos|iphonesimulator>), android_24_arm64_v8a \
     (android_<api level>_<abi>), pyodide_2024_0_wasm32, emscripten_3_1_58_wasm32, \
     freebsd_14_0_release_amd64, win_amd64, win_arm64, win32, or any"
)]
pub struct PlatformTagError {
    /// The value given.
    pub tag: String,
    /// What is wrong with it.
    pub reason: String,
}

/// The Python implementation, which decides the interpreter tag and ABI tags.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Implementation {
    /// CPython; `gil_disabled` for free-threaded builds (PEP 703), which have no stable ABI.
    CPython {
        /// Whether this is a free-threaded build (`Py_GIL_DISABLED`).
        gil_disabled: bool,
    },
    /// PyPy, GraalPy or any other implementation, with its interpreter tag prefix (`pp`,
    /// `graalpy`) as in PEP 425 §Python Tag.
    Other(String),
}

/// How well a wheel matches: larger is better. Comparable only between tags of one interpreter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TagPriority(pub u32);

/// The ordered set of `(python, abi, platform)` tags an interpreter accepts.
#[derive(Debug, Clone)]
pub struct Tags {
    ordered: Vec<(String, String, String)>,
    /// Each tag's rank (higher is preferred), by python tag, then ABI tag, then platform
    /// tag: looked up with a wheel's tag texts as they are, without building a key (a
    /// resolver checks every wheel of every page it reads, hundreds of thousands).
    priority: HashMap<String, HashMap<String, HashMap<String, u32>>>,
}

impl Tags {
    /// Computes the tags for an interpreter.
    ///
    /// `python_version` is `(major, minor)`; `abi_tag` is the interpreter's own ABI tag as
    /// `packaging.tags` derives it (`cp312`, `cp313t`, `pypy310_pp73`, or `none` when unknown).
    pub fn from_interpreter(
        implementation: &Implementation,
        python_version: (u8, u8),
        abi_tag: &str,
        platform: &Platform,
    ) -> Self {
        Self::with_abis(implementation, python_version, &[abi_tag], platform)
    }

    /// The tags of a described rather than a running interpreter (pip's `--python-version`,
    /// `--implementation`, `--abi`, `--platform`): as [`Tags::from_interpreter`], with each of
    /// `abis` (in order; `none` entries are skipped, as `packaging.tags` does) in place of the
    /// interpreter's own ABI tag.
    pub fn with_abis(
        implementation: &Implementation,
        python_version: (u8, u8),
        abis: &[&str],
        platform: &Platform,
    ) -> Self {
        let (major, minor) = python_version;
        let platforms = platform_tags(platform);
        let mut ordered = Vec::new();
        let mut push = |py: &str, abi: &str, plat: &str| {
            ordered.push((py.to_string(), abi.to_string(), plat.to_string()));
        };
        let interpreter = match implementation {
            Implementation::CPython { .. } => format!("cp{major}{minor}"),
            Implementation::Other(prefix) => format!("{prefix}{major}{minor}"),
        };
        let with_platforms = |push: &mut dyn FnMut(&str, &str, &str), py: &str, abi: &str| {
            for plat in &platforms {
                push(py, abi, plat);
            }
        };
        for abi in abis.iter().filter(|abi| !matches!(**abi, "none" | "abi3")) {
            with_platforms(&mut push, &interpreter, abi);
        }
        let stable_abi = matches!(
            implementation,
            Implementation::CPython {
                gil_disabled: false
            }
        );
        if stable_abi {
            with_platforms(&mut push, &interpreter, "abi3");
        }
        with_platforms(&mut push, &interpreter, "none");
        if stable_abi {
            for older in (2..minor).rev() {
                with_platforms(&mut push, &format!("cp{major}{older}"), "abi3");
            }
        }
        let generic: Vec<String> = std::iter::once(format!("py{major}{minor}"))
            .chain(std::iter::once(format!("py{major}")))
            .chain((0..minor).rev().map(|m| format!("py{major}{m}")))
            .collect();
        for py in &generic {
            with_platforms(&mut push, py, "none");
        }
        push(&interpreter, "none", "any");
        for py in &generic {
            push(py, "none", "any");
        }
        Self::from_ordered(ordered)
    }

    fn from_ordered(mut ordered: Vec<(String, String, String)>) -> Self {
        let mut priority: HashMap<String, HashMap<String, HashMap<String, u32>>> = HashMap::new();
        let total = ordered.len() as u32;
        let mut ranked = 0;
        ordered.retain(|(py, abi, plat)| {
            let platforms = priority
                .entry(py.clone())
                .or_default()
                .entry(abi.clone())
                .or_default();
            if platforms.contains_key(plat) {
                return false;
            }
            platforms.insert(plat.clone(), total - ranked);
            ranked += 1;
            true
        });
        Self { ordered, priority }
    }

    /// The best priority among the wheel's tags, or `None` when the wheel cannot be installed.
    pub fn compatibility(&self, wheel: &WheelFilename) -> Option<TagPriority> {
        wheel
            .tag_triples()
            .filter_map(|(py, abi, plat)| self.priority.get(py)?.get(abi)?.get(plat).copied())
            .max()
            .map(TagPriority)
    }

    /// The tags, most preferred first, as `py-abi-platform` strings.
    pub fn iter(&self) -> impl Iterator<Item = String> + '_ {
        self.ordered
            .iter()
            .map(|(py, abi, plat)| format!("{py}-{abi}-{plat}"))
    }

    /// How many tags there are.
    pub fn len(&self) -> usize {
        self.ordered.len()
    }

    /// Whether there are no tags at all.
    pub fn is_empty(&self) -> bool {
        self.ordered.is_empty()
    }
}

/// Platform tags, most specific first.
fn platform_tags(platform: &Platform) -> Vec<String> {
    match platform {
        Platform::Linux { arch, libc } => {
            let mut tags = Vec::new();
            match *libc {
                Libc::Glibc(2, current) => {
                    // glibc 2.17 is the oldest manylinux target except on x86, where manylinux1
                    // (glibc 2.5) exists.
                    let oldest = if matches!(arch.as_str(), "x86_64" | "i686") {
                        5
                    } else {
                        17
                    };
                    for minor in (oldest..=current).rev() {
                        tags.push(format!("manylinux_2_{minor}_{arch}"));
                        let legacy = match minor {
                            17 if matches!(
                                arch.as_str(),
                                "x86_64"
                                    | "i686"
                                    | "aarch64"
                                    | "armv7l"
                                    | "ppc64"
                                    | "ppc64le"
                                    | "s390x"
                            ) =>
                            {
                                Some("manylinux2014")
                            }
                            12 if matches!(arch.as_str(), "x86_64" | "i686") => {
                                Some("manylinux2010")
                            }
                            5 if matches!(arch.as_str(), "x86_64" | "i686") => Some("manylinux1"),
                            _ => None,
                        };
                        if let Some(legacy) = legacy {
                            tags.push(format!("{legacy}_{arch}"));
                        }
                    }
                }
                Libc::Musl(1, current) => {
                    for minor in (0..=current).rev() {
                        tags.push(format!("musllinux_1_{minor}_{arch}"));
                    }
                }
                _ => {}
            }
            tags.push(format!("linux_{arch}"));
            tags
        }
        Platform::Macos { major, minor, arch } => {
            let formats: &[&str] = if arch == "arm64" {
                &["arm64", "universal2"]
            } else {
                &[
                    "x86_64",
                    "intel",
                    "fat64",
                    "fat32",
                    "universal2",
                    "universal",
                ]
            };
            let mut versions = Vec::new();
            if *major >= 11 {
                versions.extend((11..=*major).rev().map(|m| (m, 0)));
                versions.extend((4..=16).rev().map(|m| (10, m)));
            } else {
                versions.extend((4..=*minor).rev().map(|m| (10, m)));
            }
            versions
                .into_iter()
                .flat_map(|(ma, mi)| {
                    // arm64 came with macOS 11, but a universal2 wheel's x86_64 half may
                    // support older versions (packaging.tags.mac_platforms).
                    let formats: &[&str] = if ma == 10 && arch == "arm64" {
                        &["universal2"]
                    } else {
                        formats
                    };
                    formats.iter().map(move |f| format!("macosx_{ma}_{mi}_{f}"))
                })
                .collect()
        }
        Platform::Ios {
            major,
            minor,
            multiarch,
        } => {
            // packaging.tags.ios_platforms: the version asked for, then every older minor
            // of its major, then X.9 down to X.0 for each older major down to 12.
            let mut tags: Vec<String> = (0..=*minor)
                .rev()
                .map(|m| format!("ios_{major}_{m}_{multiarch}"))
                .collect();
            for older in (12..*major).rev() {
                tags.extend(
                    (0..=9)
                        .rev()
                        .map(|m| format!("ios_{older}_{m}_{multiarch}")),
                );
            }
            tags
        }
        Platform::Android { api_level, abi } => (16..=*api_level)
            .rev()
            .map(|level| format!("android_{level}_{abi}"))
            .collect(),
        Platform::Other(tag) => vec![tag.clone()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux_cp312() -> Tags {
        Tags::from_interpreter(
            &Implementation::CPython {
                gil_disabled: false,
            },
            (3, 12),
            "cp312",
            &Platform::Linux {
                arch: "x86_64".into(),
                libc: Libc::Glibc(2, 36),
            },
        )
    }

    #[test]
    fn orders_like_packaging() {
        let tags: Vec<String> = linux_cp312().iter().collect();
        assert_eq!(tags[0], "cp312-cp312-manylinux_2_36_x86_64");
        assert!(tags.contains(&"cp312-cp312-manylinux2014_x86_64".to_string()));
        assert!(tags.contains(&"cp312-cp312-manylinux1_x86_64".to_string()));
        assert!(tags.contains(&"cp38-abi3-linux_x86_64".to_string()));
        assert_eq!(tags.last().unwrap(), "py30-none-any");
    }

    #[test]
    fn ranks_specific_wheels_above_generic() {
        let tags = linux_cp312();
        let native: WheelFilename =
            "x-1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
                .parse()
                .unwrap();
        let abi3: WheelFilename = "x-1-cp37-abi3-manylinux_2_17_x86_64.whl".parse().unwrap();
        let pure: WheelFilename = "x-1-py3-none-any.whl".parse().unwrap();
        let future: WheelFilename = "x-1-cp312-cp312-manylinux_2_99_x86_64.whl".parse().unwrap();
        let windows: WheelFilename = "x-1-cp312-cp312-win_amd64.whl".parse().unwrap();
        let n = tags.compatibility(&native).unwrap();
        let a = tags.compatibility(&abi3).unwrap();
        let p = tags.compatibility(&pure).unwrap();
        assert!(n > a && a > p);
        assert!(tags.compatibility(&future).is_none());
        assert!(tags.compatibility(&windows).is_none());
    }

    #[test]
    fn free_threaded_has_no_abi3() {
        let tags = Tags::from_interpreter(
            &Implementation::CPython { gil_disabled: true },
            (3, 13),
            "cp313t",
            &Platform::Linux {
                arch: "x86_64".into(),
                libc: Libc::Musl(1, 2),
            },
        );
        let all: Vec<String> = tags.iter().collect();
        assert_eq!(all[0], "cp313-cp313t-musllinux_1_2_x86_64");
        assert!(!all.iter().any(|t| t.contains("abi3")));
    }

    #[test]
    fn platform_tags_read_as_pip_takes_them() {
        let tags = |platform: &str| -> Vec<String> {
            Tags::from_interpreter(
                &Implementation::CPython {
                    gil_disabled: false,
                },
                (3, 12),
                "cp312",
                &Platform::from_tag(platform).unwrap(),
            )
            .iter()
            .collect()
        };
        let legacy = tags("manylinux2014_x86_64");
        assert_eq!(legacy[0], "cp312-cp312-manylinux_2_17_x86_64");
        for older in [
            "manylinux2010_x86_64",
            "manylinux1_x86_64",
            "manylinux_2_12_x86_64",
        ] {
            assert!(legacy.contains(&format!("cp312-cp312-{older}")), "{older}");
        }
        assert!(!legacy.iter().any(|t| t.contains("manylinux_2_28")));
        assert_eq!(
            tags("manylinux_2_28_aarch64")[0],
            "cp312-cp312-manylinux_2_28_aarch64"
        );
        let mac = tags("macosx_11_0_arm64");
        assert!(mac.contains(&"cp312-cp312-macosx_11_0_universal2".to_string()));
        assert!(mac.contains(&"cp312-abi3-macosx_10_9_universal2".to_string()));
        assert!(!mac.contains(&"cp312-cp312-macosx_10_9_arm64".to_string()));
        assert!(!mac.iter().any(|t| t.contains("macosx_12")));
        assert_eq!(tags("win_amd64")[0], "cp312-cp312-win_amd64");
        assert!(
            tags("linux_x86_64")
                .iter()
                .all(|t| t.ends_with("linux_x86_64") || t.ends_with("-any"))
        );
        assert_eq!(tags("any").last().unwrap(), "py30-none-any");
        for bad in [
            "",
            "manylinux",
            "manylinux_2_x86_64",
            "manylinux_3_1_x86_64",
            "linux-x86_64",
            "macosx_11_arm64",
            "solaris",
            "win_AMD64",
            "manylinux2014_",
        ] {
            let error = Platform::from_tag(bad).unwrap_err().to_string();
            assert!(
                error.contains(&format!("`{bad}`")) && error.contains("manylinux_2_17_x86_64"),
                "{error}"
            );
        }
    }

    #[test]
    fn mobile_webassembly_and_bsd_tags_read_as_pip_takes_them() {
        let platforms = |tag: &str| platform_tags(&Platform::from_tag(tag).unwrap());
        // As pip 26's `_get_custom_platforms` expands them (packaging.tags).
        let ios = platforms("ios_13_2_arm64_iphoneos");
        assert_eq!(
            ios[..4],
            [
                "ios_13_2_arm64_iphoneos",
                "ios_13_1_arm64_iphoneos",
                "ios_13_0_arm64_iphoneos",
                "ios_12_9_arm64_iphoneos"
            ]
        );
        assert_eq!(ios.len(), 13);
        assert_eq!(ios.last().unwrap(), "ios_12_0_arm64_iphoneos");
        assert_eq!(
            platforms("ios_12_0_x86_64_iphonesimulator"),
            ["ios_12_0_x86_64_iphonesimulator"]
        );
        assert_eq!(
            platforms("android_18_arm64_v8a"),
            [
                "android_18_arm64_v8a",
                "android_17_arm64_v8a",
                "android_16_arm64_v8a"
            ]
        );
        for own in [
            "pyodide_2024_0_wasm32",
            "emscripten_3_1_58_wasm32",
            "freebsd_14_0_release_amd64",
            "freebsd_13_2_release_p3_arm64",
        ] {
            assert_eq!(platforms(own), [own]);
        }
        assert_eq!(
            Platform::from_tag("freebsd_14_0_release_amd64")
                .unwrap()
                .freebsd_major(),
            Some(14)
        );
        assert_eq!(
            Platform::from_tag("win_amd64").unwrap().freebsd_major(),
            None
        );
        for (bad, reason) in [
            ("ios_11_0_arm64_iphoneos", "iOS versions start at 12"),
            ("ios_13_0_arm64", "the SDK"),
            ("ios_13_arm64_iphoneos", "an iOS version"),
            ("android_15_x86", "API levels start at 16"),
            ("android_x_arm64_v8a", "an API level and an ABI"),
            ("android_24", "an API level and an ABI"),
            ("pyodide_2024_wasm32", "wasm32"),
            ("emscripten_3_1_58_x86_64", "Emscripten version and wasm32"),
            ("freebsd_14_amd64", "its release"),
            ("freebsd_14_0_amd64", "its release"),
        ] {
            let error = Platform::from_tag(bad).unwrap_err().to_string();
            assert!(
                error.contains(&format!("`{bad}`: "))
                    && error.contains(reason)
                    && error.contains("ios_13_0_arm64_iphoneos")
                    && error.contains("android_24_arm64_v8a"),
                "{error}"
            );
        }
    }

    #[test]
    fn given_abis_replace_the_interpreters() {
        let tags: Vec<String> = Tags::with_abis(
            &Implementation::CPython {
                gil_disabled: false,
            },
            (3, 11),
            &["cp311d", "none"],
            &Platform::Other("win_amd64".into()),
        )
        .iter()
        .collect();
        assert_eq!(
            &tags[..3],
            [
                "cp311-cp311d-win_amd64",
                "cp311-abi3-win_amd64",
                "cp311-none-win_amd64"
            ]
        );
        assert!(!tags.contains(&"cp311-cp311-win_amd64".to_string()));
    }
}
