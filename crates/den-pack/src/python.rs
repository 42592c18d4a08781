//! `--with-python`: the base interpreter's installation tree carried in the archive under
//! [`PYTHON_DIR`], so the target needs no Python.
//!
//! Only a self-contained tree can move: not a prefix shared with the rest of the system
//! (`/usr`), its executable inside it, and a shared `libpython` it links found inside it. ELF
//! run paths (`DT_RUNPATH`, `DT_RPATH`) that name the tree by its absolute path, as
//! `./configure --enable-shared` (pyenv's builds) writes them, are rewritten in the archived
//! copy to the same directories relative to `$ORIGIN`, in place (the new string is never
//! longer: the rest of the old one becomes NUL bytes); so are those of the environment's own
//! copies of the interpreter (`--copies`), pointed at the tree beside them. Only 64-bit little-endian ELF files are
//! read (x86-64, AArch64); others are packed unchanged.

use std::path::{Path, PathBuf};

use crate::PackError;

/// The directory in the archive (and in the unpacked environment) holding the base
/// interpreter's installation tree.
pub const PYTHON_DIR: &str = "python";

/// Prefixes other software shares, whose Python cannot be carried apart from the system.
const SHARED_PREFIXES: &[&str] = &["/", "/usr", "/usr/local", "/opt/local", "/opt/homebrew"];

/// The base interpreter to carry in the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasePython {
    /// Its installation tree, `sys.base_prefix` (absolute).
    pub prefix: PathBuf,
    /// Its executable (absolute), which must be in `prefix/bin`.
    pub executable: PathBuf,
}

impl BasePython {
    /// Checks that the tree can move, before anything is written: `prefix` is not a prefix
    /// other software shares (`/usr`, `/usr/local`), the executable lives in `prefix/bin`,
    /// and a shared `libpython` the executable needs is found inside `prefix` through its run
    /// path (relative to `$ORIGIN`, or absolute into `prefix`, which packing rewrites).
    ///
    /// # Errors
    ///
    /// [`PackError::NotRelocatable`] saying why.
    pub fn check(&self) -> Result<(), PackError> {
        let refuse = |reason: String| PackError::NotRelocatable {
            prefix: self.prefix.clone(),
            reason,
        };
        let prefix = std::fs::canonicalize(&self.prefix).unwrap_or_else(|_| self.prefix.clone());
        if SHARED_PREFIXES.iter().any(|p| prefix == Path::new(p)) {
            return Err(refuse(format!(
                "{} is a prefix the system shares with other software, not a Python installation of its own",
                prefix.display()
            )));
        }
        let executable =
            std::fs::canonicalize(&self.executable).unwrap_or_else(|_| self.executable.clone());
        if executable.parent() != Some(&prefix.join("bin")) {
            return Err(refuse(format!(
                "its executable {} is not in {}/bin",
                executable.display(),
                prefix.display()
            )));
        }
        let Ok(content) = std::fs::read(&executable) else {
            return Err(refuse(format!("cannot read {}", executable.display())));
        };
        let Some(dynamic) = Dynamic::read(&content) else {
            return Ok(());
        };
        let origin = executable.parent().unwrap_or(&prefix);
        for library in dynamic.needed.iter().filter(|n| n.starts_with("libpython")) {
            let found = dynamic
                .run_paths
                .iter()
                .flat_map(|(_, path)| path.split(':'))
                .map(|dir| expand_origin(dir, origin).join(library))
                .find(|path| path.exists());
            let inside = found.as_ref().is_some_and(|path| {
                std::fs::canonicalize(path).is_ok_and(|path| path.starts_with(&prefix))
            });
            if !inside {
                return Err(refuse(format!(
                    "its executable needs {library}, which its run path does not find inside {}",
                    prefix.display()
                )));
            }
        }
        Ok(())
    }
}

/// `dir` from a run path with `$ORIGIN` (or `${ORIGIN}`) standing for `origin`.
fn expand_origin(dir: &str, origin: &Path) -> PathBuf {
    let origin = origin.to_string_lossy();
    PathBuf::from(
        dir.replace("${ORIGIN}", &origin)
            .replace("$ORIGIN", &origin),
    )
}

/// What packing needs from an ELF file's dynamic section.
struct Dynamic {
    /// `DT_NEEDED` names.
    needed: Vec<String>,
    /// `DT_RUNPATH` and `DT_RPATH` strings with their file offsets.
    run_paths: Vec<(usize, String)>,
}

impl Dynamic {
    /// Reads a 64-bit little-endian ELF file's dynamic section; `None` for anything else
    /// (not ELF, another class or byte order, no dynamic section, out-of-range offsets).
    fn read(data: &[u8]) -> Option<Self> {
        if !data.starts_with(b"\x7fELF") || data.get(4) != Some(&2) || data.get(5) != Some(&1) {
            return None;
        }
        let u64_at = |at: usize| -> Option<u64> {
            Some(u64::from_le_bytes(data.get(at..at + 8)?.try_into().ok()?))
        };
        let u32_at = |at: usize| -> Option<u32> {
            Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?))
        };
        let u16_at = |at: usize| -> Option<usize> {
            Some(u16::from_le_bytes(data.get(at..at + 2)?.try_into().ok()?).into())
        };
        let size = |value: u64| usize::try_from(value).ok();
        let header_table = size(u64_at(0x20)?)?;
        let (header_size, headers) = (u16_at(0x36)?, u16_at(0x38)?);
        // (virtual address, file offset, file size) of each loaded segment.
        let mut loads = Vec::new();
        let mut dynamic = None;
        for index in 0..headers {
            let at = header_table.checked_add(index.checked_mul(header_size)?)?;
            let (offset, address, file_size) =
                (u64_at(at + 8)?, u64_at(at + 16)?, u64_at(at + 32)?);
            match u32_at(at)? {
                1 => loads.push((address, offset, file_size)),
                2 => dynamic = Some((size(offset)?, size(file_size)?)),
                _ => {}
            }
        }
        let (start, length) = dynamic?;
        let (mut strings, mut needed, mut run_paths) = (None, Vec::new(), Vec::new());
        for at in (start..start.checked_add(length)?).step_by(16) {
            let (tag, value) = (u64_at(at)?, u64_at(at + 8)?);
            match tag {
                0 => break,
                1 => needed.push(value),
                5 => strings = Some(value),
                15 | 29 => run_paths.push(value),
                _ => {}
            }
        }
        let address = strings?;
        let (base, offset, _) = loads
            .iter()
            .find(|(start, _, length)| (*start..start + length).contains(&address))?;
        let table = size(address - base + offset)?;
        let string = |value: u64| -> Option<(usize, String)> {
            let at = table.checked_add(size(value)?)?;
            let rest = data.get(at..)?;
            let end = rest.iter().position(|b| *b == 0)?;
            Some((at, String::from_utf8_lossy(&rest[..end]).into_owned()))
        };
        Some(Self {
            needed: needed
                .into_iter()
                .map(|v| string(v).map(|(_, s)| s))
                .collect::<Option<_>>()?,
            run_paths: run_paths.into_iter().map(string).collect::<Option<_>>()?,
        })
    }
}

/// The ELF file `content`, to be placed in directory `from` (absolute), with the entries of
/// its run paths that name directories inside the tree at `prefix` made relative to
/// `$ORIGIN`, for that tree placed at `placed`: the carried tree's own files have `placed`
/// equal to `prefix` (`from` inside it), an environment's copies of the interpreter
/// (`--copies`) are placed beside the tree. `Ok(None)` when nothing changes (not such an ELF
/// file, or no entry names `prefix`).
///
/// # Errors
///
/// The reason, when a rewritten run path would be longer than the original (it is changed
/// in place).
pub(crate) fn relocate_run_paths(
    content: &[u8],
    from: &Path,
    prefix: &Path,
    placed: &Path,
) -> Result<Option<Vec<u8>>, String> {
    let Some(dynamic) = Dynamic::read(content) else {
        return Ok(None);
    };
    let mut out: Option<Vec<u8>> = None;
    for (at, old) in &dynamic.run_paths {
        let new = old
            .split(':')
            .map(|entry| match Path::new(entry).strip_prefix(prefix) {
                Ok(rest) => {
                    let relative = den_dist::path::relative_to(&placed.join(rest), from);
                    if relative.is_empty() || relative == "." {
                        "$ORIGIN".to_string()
                    } else {
                        format!("$ORIGIN/{relative}")
                    }
                }
                Err(_) => entry.to_string(),
            })
            .collect::<Vec<_>>()
            .join(":");
        if new == *old {
            continue;
        }
        if new.len() > old.len() {
            return Err(format!(
                "its run path {old} cannot be rewritten as {new} (longer)"
            ));
        }
        let bytes = out.get_or_insert_with(|| content.to_vec());
        let slot = &mut bytes[*at..*at + old.len()];
        slot.fill(0);
        slot[..new.len()].copy_from_slice(new.as_bytes());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_test_binarys_dynamic_section() {
        let exe = std::fs::read("/proc/self/exe").unwrap();
        if cfg!(all(target_endian = "little", target_pointer_width = "64")) {
            let dynamic = Dynamic::read(&exe).unwrap();
            assert!(dynamic.needed.iter().any(|n| n.starts_with("libc.so")));
        }
        assert!(Dynamic::read(b"#!/bin/sh\n").is_none());
        assert!(Dynamic::read(b"\x7fELF\x02\x01").is_none());
    }

    #[test]
    fn system_prefixes_are_refused() {
        let base = BasePython {
            prefix: PathBuf::from("/usr"),
            executable: PathBuf::from("/usr/bin/python3"),
        };
        let err = base.check().unwrap_err().to_string();
        assert!(err.contains("/usr is a prefix the system shares"), "{err}");
        let base = BasePython {
            prefix: PathBuf::from("/nonexistent/py"),
            executable: PathBuf::from("/elsewhere/python3"),
        };
        let err = base.check().unwrap_err().to_string();
        assert!(err.contains("is not in /nonexistent/py/bin"), "{err}");
    }

    /// A minimal ELF64 file: header, one PT_LOAD over the whole file, one PT_DYNAMIC
    /// (DT_STRTAB, DT_RUNPATH, DT_NULL) and the string table holding `run_path`.
    fn elf_with_run_path(run_path: &str) -> Vec<u8> {
        let run_path = [run_path.as_bytes(), b"\0"].concat();
        let mut elf = vec![0u8; 0x40 + 2 * 56];
        elf[..6].copy_from_slice(b"\x7fELF\x02\x01");
        elf[0x20..0x28].copy_from_slice(&0x40u64.to_le_bytes());
        elf[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        elf[0x38..0x3a].copy_from_slice(&2u16.to_le_bytes());
        let dynamic_at = elf.len() as u64;
        let strings_at = dynamic_at + 3 * 16;
        let total = strings_at + run_path.len() as u64;
        let headers = [(1u32, 0u64, total), (2, dynamic_at, 3 * 16)];
        for (index, (kind, offset, length)) in headers.into_iter().enumerate() {
            let at = 0x40 + index * 56;
            elf[at..at + 4].copy_from_slice(&kind.to_le_bytes());
            elf[at + 8..at + 16].copy_from_slice(&offset.to_le_bytes());
            elf[at + 16..at + 24].copy_from_slice(&offset.to_le_bytes());
            elf[at + 32..at + 40].copy_from_slice(&length.to_le_bytes());
        }
        for (tag, value) in [(5u64, strings_at), (29, 0), (0, 0)] {
            elf.extend_from_slice(&tag.to_le_bytes());
            elf.extend_from_slice(&value.to_le_bytes());
        }
        elf.extend_from_slice(&run_path);
        elf
    }

    #[test]
    fn run_paths_into_the_prefix_become_origin_relative() {
        let elf = elf_with_run_path("/opt/python-3.12/lib:/other");
        let prefix = Path::new("/opt/python-3.12");
        let relocate = |dir: &str| relocate_run_paths(&elf, &prefix.join(dir), prefix, prefix);
        let out = relocate("bin").unwrap().unwrap();
        let dynamic = Dynamic::read(&out).unwrap();
        assert_eq!(dynamic.run_paths[0].1, "$ORIGIN/../lib:/other");
        assert_eq!(out.len(), elf.len());
        let out = relocate("lib").unwrap().unwrap();
        assert_eq!(
            Dynamic::read(&out).unwrap().run_paths[0].1,
            "$ORIGIN:/other"
        );
        let srv = Path::new("/srv");
        let unrelated = relocate_run_paths(&elf, &srv.join("bin"), srv, srv);
        assert_eq!(unrelated, Ok(None));
        let err = relocate("lib/python3.12/site-packages/a/b/c/d/e").unwrap_err();
        assert!(err.contains("longer"), "{err}");
    }

    #[test]
    fn an_environments_copy_of_the_interpreter_finds_the_tree_beside_it() {
        let prefix = Path::new("/home/me/.pyenv/versions/3.12.1");
        let elf = elf_with_run_path("/home/me/.pyenv/versions/3.12.1/lib");
        let (env, placed) = (Path::new("/srv/env"), Path::new("/srv/env/python"));
        let out = relocate_run_paths(&elf, &env.join("bin"), prefix, placed)
            .unwrap()
            .unwrap();
        assert_eq!(
            Dynamic::read(&out).unwrap().run_paths[0].1,
            "$ORIGIN/../python/lib"
        );
    }
}
