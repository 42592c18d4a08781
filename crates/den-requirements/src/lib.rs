//! pip's requirements file format ("Requirements File Format" in pip's user guide) and
//! command-line requirement arguments ("pip install" §Requirement Specifiers, §VCS Support,
//! §Local project installs).
//!
//! A requirements file is read line by line: `\` at the end of a line joins it with the next,
//! `#` at the start of a line or after whitespace starts a comment (so `#sha256=` inside a URL
//! is kept), `${NAME}` is replaced by environment variable `NAME` when it is set. Each remaining
//! line is either options or a requirement followed by per-requirement options (`--hash`).
//!
//! Requirements are PEP 508 specifiers, `name @ url`, URLs of wheels and source archives,
//! `git+` URLs, local paths (project directories, wheels, source archives) and, after `-e`,
//! project directories and git URLs; see [`parse_requirement_arg`] for the rules. Those whose
//! project name is not known before their metadata is read (a directory or git URL without
//! `#egg=`) come back as [`UnnamedRequirement`]s.
//!
//! Options read: `-r/--requirement`, `-c/--constraint` (nested files, relative to the file that
//! names them), `-i/--index-url`, `--extra-index-url`, `--no-index`, `-f/--find-links`,
//! `--trusted-host`, `--only-binary`, `--no-binary`, `--prefer-binary`, `--require-hashes`,
//! `--pre`, `-e/--editable`, and `--hash` after a requirement; `--opt=value`, `--opt value` and
//! `-ovalue` are all accepted and several options may share a line. Options pip accepts but den
//! does not implement (`--use-feature`, `--global-option`, `--config-settings`) and unknown ones
//! are errors naming `file:line`, never silently ignored. Every piece of user text an error
//! quotes goes through [`den_dist::redact_credentials`] first, so URL passwords and tokens
//! (also those coming from `${VAR}` expansion) never reach the terminal, and through
//! [`den_dist::escape_controls`], so control characters in it cannot drive the terminal.
//! Requirements and markers are parsed with [`den_dist::parse_requirement`] /
//! [`den_dist::parse_marker`], which never panic.

mod error;
mod file;
mod groups;
pub mod pylock;
mod script;
mod spec;
mod specifier;
mod text;
mod writer;

use std::fmt;
use std::path::{Path, PathBuf};

use den_dist::{
    ExtraName, HashDigest, MarkerTree, PackageName, Requirement, VersionOrUrl, escape_controls,
    redact_credentials,
};
pub use error::RequirementsError;
pub use groups::{dependency_group, dependency_group_in};
pub use pep508_rs::VerbatimUrl;
pub use script::{ScriptMetadata, script_metadata, script_metadata_in};
pub use spec::{
    AllowedHashes, BinaryOptions, IndexOptions, ProjectSource, RequirementHashes,
    RequirementsSource, RequirementsSpec,
};
pub use text::strip_comment;
pub use writer::{Header, Pin, Pinned, PinsFile};

/// Where a requirement or option came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RequirementOrigin {
    /// A requirements file and a 1-based line number (the first physical line of a continued
    /// logical line). Displays as `requirements.txt:12`.
    File {
        /// The file, as given by the caller or joined onto the including file's directory.
        file: PathBuf,
        /// 1-based line number.
        line: usize,
    },
    /// A package of a PEP 751 lock file, by its key path. Displays as
    /// `pylock.toml: packages[2]`.
    Lock {
        /// The lock file.
        file: PathBuf,
        /// The package's key path (`packages[2]`).
        key: String,
    },
    /// A `pip install` argument. Displays as `command line`.
    CommandLine,
}

impl fmt::Display for RequirementOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File { file, line } => write!(f, "{}:{line}", file.display()),
            Self::Lock { file, key } => write!(f, "{}: {key}", file.display()),
            Self::CommandLine => f.write_str("command line"),
        }
    }
}

/// One requirement whose project name is known.
#[derive(Debug, Clone)]
pub struct RequirementEntry {
    /// The PEP 508 requirement. Paths and URLs are `name @ url` with an absolute URL:
    /// `name @ file:///abs/path`, `name @ https://...`, `name @ git+https://host/repo@ref`
    /// (`#egg=` removed from the fragment; `#subdirectory=` and `#sha256=` kept).
    pub requirement: Requirement,
    /// Given with `-e` / `--editable` (a project directory or git URL).
    pub editable: bool,
    /// Expected hashes, in order: the URL's `#sha256=` (sha384, sha512) fragment, then the
    /// line's `--hash=algo:hex` options (pip's hash-checking mode); empty when none.
    pub hashes: Vec<HashDigest>,
    /// Where it was written.
    pub origin: RequirementOrigin,
    /// The PEP 508 text as written, for a requirement given by name (`Beta >= 1.0 ;
    /// python_version < "3.13"`, trimmed, without a requirements file's options): pip prints
    /// requirements in their own spelling. `None` for paths, URLs and locks.
    pub written: Option<String>,
}

/// A path or URL whose project name is unknown until its metadata is read: a local project
/// directory or git URL without `#egg=`, or an archive whose filename does not give the name.
/// The caller finds the name (by building metadata), then calls [`UnnamedRequirement::named`].
#[derive(Debug, Clone)]
pub struct UnnamedRequirement {
    /// Absolute URL: `file:///abs/path` for local paths, `git+https://...@ref`, `https://...`;
    /// [`VerbatimUrl::given`] is the path or URL as written.
    pub url: VerbatimUrl,
    /// The whole requirement as written (for messages; may contain credentials, so pass it
    /// through [`den_dist::redact_credentials`] before showing it).
    pub given: String,
    /// Extras from `./proj[dev]` or `#egg=name[dev]`.
    pub extras: Vec<ExtraName>,
    /// Markers after `;` ([`MarkerTree::TRUE`] when none).
    pub marker: MarkerTree,
    /// Given with `-e` / `--editable`.
    pub editable: bool,
    /// Expected hashes, as [`RequirementEntry::hashes`].
    pub hashes: Vec<HashDigest>,
    /// Where it was written.
    pub origin: RequirementOrigin,
}

impl UnnamedRequirement {
    /// The requirement `name[extras] @ url ; marker`, once the project name is known.
    pub fn named(self, name: PackageName) -> RequirementEntry {
        RequirementEntry {
            requirement: Requirement {
                name,
                extras: self.extras,
                version_or_url: Some(VersionOrUrl::Url(self.url)),
                marker: self.marker,
                origin: None,
            },
            written: None,
            editable: self.editable,
            hashes: self.hashes,
            origin: self.origin,
        }
    }
}

/// One parsed requirement line or argument.
#[derive(Debug, Clone)]
pub enum ParsedRequirement {
    /// The project name is known.
    Named(RequirementEntry),
    /// The project name must be read from the project's metadata first.
    Unnamed(UnnamedRequirement),
}

impl ParsedRequirement {
    /// Where it was written.
    pub fn origin(&self) -> &RequirementOrigin {
        match self {
            Self::Named(entry) => &entry.origin,
            Self::Unnamed(unnamed) => &unnamed.origin,
        }
    }

    fn hashes_mut(&mut self) -> &mut Vec<HashDigest> {
        match self {
            Self::Named(entry) => &mut entry.hashes,
            Self::Unnamed(unnamed) => &mut unnamed.hashes,
        }
    }
}

/// Everything a requirements file (with its nested `-r` / `-c` files) says. Option values are
/// kept raw (as written, after `${VAR}` expansion and unquoting) unless said otherwise.
#[derive(Debug, Clone, Default)]
pub struct RequirementsFile {
    /// Named requirements in file order, nested `-r` files inlined where they are included.
    pub requirements: Vec<RequirementEntry>,
    /// Requirements whose project name is unknown (see [`UnnamedRequirement`]), in file order.
    pub unnamed: Vec<UnnamedRequirement>,
    /// Constraints from `-c` files, including requirements of files those include. Always
    /// named, never editable, never with extras (pip's rule for constraints).
    pub constraints: Vec<RequirementEntry>,
    /// The last `-i` / `--index-url` seen, if any.
    pub index_url: Option<String>,
    /// Every `--extra-index-url`, in order.
    pub extra_index_urls: Vec<String>,
    /// Whether `--no-index` was given.
    pub no_index: bool,
    /// Every `-f` / `--find-links`, in order: URLs as written; local paths made absolute,
    /// relative to the requirements file's directory when that path exists (pip's rule), else
    /// relative to the working directory.
    pub find_links: Vec<String>,
    /// Every `--trusted-host` value, in order.
    pub trusted_hosts: Vec<String>,
    /// Every `--only-binary` value (`:all:`, `:none:` or comma-separated names), in order.
    pub only_binary: Vec<String>,
    /// Every `--no-binary` value, in order.
    pub no_binary: Vec<String>,
    /// Whether `--prefer-binary` was given.
    pub prefer_binary: bool,
    /// Whether `--require-hashes` was given.
    pub require_hashes: bool,
    /// Whether a requirement line (of this file or one it includes) has a `--hash` option,
    /// which turns pip's hash-checking mode on; a URL's `#sha256=` fragment does not.
    pub hash_options: bool,
    /// Whether `--pre` was given.
    pub pre: bool,
}

/// Reads and parses the requirements file at `path`, following nested `-r` / `-c` files
/// (relative to the file that names them). Relative requirement paths are taken from the
/// current directory, as pip does.
///
/// Errors: the file or an included file cannot be read, an include cycle, an invalid or
/// unsupported requirement or option; see [`RequirementsError`].
pub fn parse_requirements_file(path: &Path) -> Result<RequirementsFile, RequirementsError> {
    let working_dir = std::env::current_dir().ok();
    file::parse_file(path, working_dir.as_deref())
}

/// Parses requirements file contents `text` as if read from `file` (used for error messages
/// and to resolve nested `-r` / `-c` files and `--find-links` paths); relative requirement
/// paths are taken from `working_dir`. Errors as [`parse_requirements_file`].
pub fn parse_requirements_str(
    text: &str,
    file: &Path,
    working_dir: &Path,
) -> Result<RequirementsFile, RequirementsError> {
    file::parse_text(text, file, Some(working_dir))
}

/// Parses one command-line requirement (`pip install ARG`, or `pip install -e ARG` when
/// `editable`), with origin [`RequirementOrigin::CommandLine`]:
///
/// - a PEP 508 requirement: `PKG[extra]>=1,<2`, `pkg; python_version<"3.9"`;
/// - `name @ url` or `name @ ./path`;
/// - a URL: `https://host/x-1.0-py3-none-any.whl`, `https://host/x-1.0.tar.gz` (named by the
///   filename), `git+https://host/repo.git@ref#egg=name&subdirectory=sub`, `git+ssh://`,
///   `git+file://` (unnamed without `#egg=`); `hg+`, `svn+`, `bzr+` are refused (git only);
/// - a `file:` URL, optionally followed by `[extras]`: `file:///abs/proj`, or without `//` a
///   path relative to the current directory (`file:../proj#egg=name`, `file:./x.whl`,
///   `file:.`); it becomes an absolute `file://` URL and is checked like a local path;
/// - a local path (starts with `.`, `/` or `~`, contains a separator, or ends in `.whl` /
///   `.tar.gz` / `.zip`...): `.`, `./proj[dev]`, `dist/x-1.0-py3-none-any.whl`, relative to the
///   current directory; it must exist, and a directory must hold `pyproject.toml` or
///   `setup.py`. Directories are unnamed unless written `name @ ./dir`.
///
/// With `editable`, only project directories and git URLs are accepted.
///
/// Errors: [`RequirementsError`] variants with origin `command line`: invalid syntax, a
/// missing path, a non-installable file or directory, an unsupported URL or VCS.
pub fn parse_requirement_arg(
    arg: &str,
    editable: bool,
) -> Result<ParsedRequirement, RequirementsError> {
    let working_dir = std::env::current_dir().ok();
    specifier::Context {
        origin: &RequirementOrigin::CommandLine,
        working_dir: working_dir.as_deref(),
    }
    .parse(arg, editable)
}

/// `text` as an error may quote it: with URL credentials redacted and control characters
/// escaped ([`den_dist::escape_controls`]).
fn shown(text: &str) -> String {
    escape_controls(&redact_credentials(text)).into_owned()
}

/// A multi-line message (a PEP 508 parser error: message, text, `^` underline) as an error
/// may quote it: [`shown`] line by line, so the line breaks stay.
fn shown_lines(text: &str) -> String {
    text.split('\n').map(shown).collect::<Vec<_>>().join("\n")
}
