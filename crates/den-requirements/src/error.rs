//! [`RequirementsError`]: everything that can be wrong with a requirements file or argument.

use std::path::PathBuf;

use crate::RequirementOrigin;

/// A requirements file or argument den cannot use. Every variant names the place at fault
/// (`file:line`, or `command line`) and, where it helps, what to do instead. Quoted user text
/// (requirements, option values, parser messages, paths) is stored with URL credentials already
/// redacted by [`den_dist::redact_credentials`] and control characters escaped by
/// [`den_dist::escape_controls`].
#[derive(Debug, thiserror::Error)]
pub enum RequirementsError {
    /// A pylock.toml that fails the specification's validation or does not apply to the
    /// target; names the file and the key.
    #[error(transparent)]
    Pylock(#[from] crate::pylock::PylockError),
    /// The top-level file could not be read.
    #[error("could not read requirements file `{}`", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error (the cause in the error chain; not repeated in the message).
        source: std::io::Error,
    },
    /// A file named by `-r` / `-c` could not be read.
    #[error("{origin}: could not read included file `{}`", path.display())]
    ReadIncluded {
        /// The `-r` / `-c` line.
        origin: RequirementOrigin,
        /// The included file, relative to the including file's directory.
        path: PathBuf,
        /// The I/O error (the cause in the error chain; not repeated in the message).
        source: std::io::Error,
    },
    /// `-r` / `-c` includes a file that is already being read.
    #[error("{origin}: `{}` includes itself (through {chain}); remove one of the -r/-c lines", path.display())]
    IncludeCycle {
        /// The `-r` / `-c` line closing the cycle.
        origin: RequirementOrigin,
        /// The file included again.
        path: PathBuf,
        /// The files being read, outermost first, joined with ` -> `.
        chain: String,
    },
    /// A requirement is not valid: bad PEP 508 syntax, extras, markers, `#egg=` fragment, URL,
    /// or a wheel filename that does not parse or names another project.
    #[error("{origin}: invalid requirement `{text}`: {message}")]
    InvalidRequirement {
        /// The line or argument.
        origin: RequirementOrigin,
        /// The requirement text.
        text: String,
        /// What is wrong (often the PEP 508 parser's message).
        message: String,
    },
    /// A local path (or `file:` URL) does not exist.
    #[error(
        "{origin}: `{text}` looks like a local path, but `{}` does not exist; check the path (relative paths are taken from the current directory)",
        path.display()
    )]
    MissingPath {
        /// The line or argument.
        origin: RequirementOrigin,
        /// The requirement text.
        text: String,
        /// The absolute path that was looked for.
        path: PathBuf,
    },
    /// A local path exists but is nothing den can install from: a directory without
    /// `pyproject.toml` or `setup.py`, a file that is not a wheel or source archive, an editable
    /// that is not a project directory.
    #[error("{origin}: cannot install `{}`: {reason}", path.display())]
    NotInstallable {
        /// The line or argument.
        origin: RequirementOrigin,
        /// The absolute path.
        path: PathBuf,
        /// Why, and what to do instead.
        reason: String,
    },
    /// A Mercurial, Subversion or Bazaar URL.
    #[error(
        "{origin}: `{text}` is a {vcs} URL, but den supports git only (git+https://, git+ssh://, git+file://)"
    )]
    UnsupportedVcs {
        /// The line or argument.
        origin: RequirementOrigin,
        /// The requirement text.
        text: String,
        /// `Mercurial`, `Subversion` or `Bazaar`.
        vcs: &'static str,
    },
    /// A URL den cannot use where it is written (an unknown scheme, a non-git URL after `-e`,
    /// an http(s) URL after `-r` / `-c`).
    #[error("{origin}: cannot use URL `{text}`: {reason}")]
    UnsupportedUrl {
        /// The line or argument.
        origin: RequirementOrigin,
        /// The URL.
        text: String,
        /// Why, and what to do instead.
        reason: &'static str,
    },
    /// A constraints-file line that is not `name` + version specifiers / URL + markers (pip's
    /// rule: constraints cannot be unnamed, editable, or have extras).
    #[error("{origin}: `{text}` cannot be a constraint: {reason}")]
    InvalidConstraint {
        /// The line.
        origin: RequirementOrigin,
        /// The requirement text.
        text: String,
        /// Why.
        reason: &'static str,
    },
    /// A relative path appears, but the current directory cannot be determined.
    #[error(
        "{origin}: cannot resolve relative path `{text}`: the current directory is not accessible"
    )]
    NoWorkingDirectory {
        /// The line or argument.
        origin: RequirementOrigin,
        /// The path as written.
        text: String,
    },
    /// A pip option den knows but does not implement, or an option in a place pip does not
    /// allow it (a global option after a requirement, `--hash` without a requirement).
    #[error("{origin}: option `{option}` is not supported {hint}")]
    UnsupportedOption {
        /// The line.
        origin: RequirementOrigin,
        /// The option as written (`--use-feature`, `--global-option`...).
        option: String,
        /// Where / by whom, and what to do instead.
        hint: &'static str,
    },
    /// An option that pip does not define in requirements files either.
    #[error(
        "{origin}: unknown option `{option}`; see pip's \"Requirements File Format\" for valid options"
    )]
    UnknownOption {
        /// The line.
        origin: RequirementOrigin,
        /// The option as written.
        option: String,
    },
    /// Text after options that is not an option (`--pre foo`).
    #[error(
        "{origin}: unexpected `{text}` after an option; write each requirement on its own line"
    )]
    UnexpectedArgument {
        /// The line.
        origin: RequirementOrigin,
        /// The stray text.
        text: String,
    },
    /// An option that takes a value was given none.
    #[error("{origin}: option `{option}` needs a value")]
    MissingValue {
        /// The line.
        origin: RequirementOrigin,
        /// The option.
        option: String,
    },
    /// A quote opened on an option line is never closed.
    #[error("{origin}: unterminated quote in `{text}`")]
    UnterminatedQuote {
        /// The line.
        origin: RequirementOrigin,
        /// The options text.
        text: String,
    },
    /// A `--hash` value or `#sha256=` fragment is not `algorithm:hex` with sha256/384/512.
    #[error("{origin}: invalid hash `{value}`: {message}")]
    InvalidHash {
        /// The line.
        origin: RequirementOrigin,
        /// The value.
        value: String,
        /// Why it is invalid.
        message: String,
    },
    /// A `--group` that cannot be read (PEP 735): `pyproject.toml: has no dependency group
    /// `dev` (its groups: test, lint)`.
    #[error("{}: {message}", path.display())]
    DependencyGroup {
        /// The pyproject.toml.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A script whose PEP 723 metadata cannot be read (`--requirements-from-script`):
    /// `tool.py: has no `# /// script` metadata block (PEP 723)`.
    #[error("{}: {message}", path.display())]
    ScriptMetadata {
        /// The script.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Hash-checking mode is on and some requirements are not pinned to one version.
    #[error(
        "hash-checking mode is on, so every requirement must be pinned with == (or be a URL) and carry its --hash options; these are not pinned: {requirements}"
    )]
    Unpinned {
        /// The unpinned requirements, comma-separated.
        requirements: String,
    },
}
