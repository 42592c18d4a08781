//! Byte-compiling installed `.py` files with the target interpreter, as pip does by default
//! (PEP 3147 `__pycache__/<name>.<cache tag>.pyc`; Python 2 `<name>.pyc` beside the source).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::InstallError;

/// Runs in the target interpreter (Python 2.7 to 3.x): reads NUL-separated source paths on
/// stdin, compiles each with `compileall.compile_file` (forced, quiet: what pip calls; a
/// file that does not compile is skipped, as pip does), and writes the NUL-separated paths of
/// the bytecode files that now exist.
const COMPILE_SCRIPT: &str = r#"
import compileall, os, sys
try:
    from importlib.util import cache_from_source
except ImportError:
    def cache_from_source(path):
        return path + 'c'
data = getattr(sys.stdin, 'buffer', sys.stdin).read()
out = getattr(sys.stdout, 'buffer', sys.stdout)
# compileall prints errors on stdout (Python 2 even when quiet): keep them out of the answer.
sys.stdout = sys.stderr
for raw in data.split(b'\0'):
    if not raw:
        continue
    path = raw if bytes is str else os.fsdecode(raw)
    if compileall.compile_file(path, force=True, quiet=2):
        cfile = cache_from_source(path)
        if os.path.isfile(cfile):
            out.write((cfile if bytes is str else os.fsencode(cfile)) + b'\0')
"#;

/// Compiles `sources` (absolute paths of installed `.py` files) with `python` in one
/// process and returns the bytecode files written, in no particular order. Sources that do
/// not compile (syntax errors, Python 2-only code) are skipped without error, like pip.
///
/// Errors: [`InstallError::Bytecode`] when the interpreter cannot be started or exits with a
/// failure.
pub(crate) fn compile(python: &Path, sources: &[PathBuf]) -> Result<Vec<PathBuf>, InstallError> {
    let failed = |reason: String| InstallError::Bytecode {
        python: python.to_path_buf(),
        reason,
    };
    let mut child = Command::new(python)
        .args(["-c", COMPILE_SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("cannot start it: {e}")))?;
    let mut input = Vec::new();
    for source in sources {
        input.extend_from_slice(source.as_os_str().as_encoded_bytes());
        input.push(0);
    }
    let writer = child.stdin.take().map(|mut stdin| {
        std::thread::spawn(move || {
            // A failure shows up as the child's error below.
            let _ = stdin.write_all(&input);
        })
    });
    let output = child
        .wait_with_output()
        .map_err(|e| failed(format!("cannot read its output: {e}")))?;
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    if !output.status.success() {
        return Err(failed(format!(
            "it exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(output
        .stdout
        .split(|&b| b == 0)
        .filter(|raw| !raw.is_empty())
        .map(path_from_bytes)
        .collect())
}

/// A path from the interpreter's file-system encoding bytes.
fn path_from_bytes(raw: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(raw))
    }
    #[cfg(not(unix))]
    PathBuf::from(String::from_utf8_lossy(raw).into_owned())
}
