//! pip's requirements file format ("Requirements File Format" in pip's user guide) and
//! command-line requirement arguments.
//!
//! A requirements file is read line by line: `\` at the end of a line joins it with the next,
//! `#` at the start of a line or after whitespace starts a comment (so `#sha256=` inside a URL
//! is kept), `${NAME}` is replaced by environment variable `NAME` when it is set. Each remaining
//! line is either a global option (`-r`, `-c`, `-i`, `--extra-index-url`, `--pre`) or a PEP 508
//! requirement optionally followed by per-line `--hash` options. Options and requirement forms
//! den does not support yet (`-e`, `-f`, `--no-index`, URL requirements...) are rejected with an
//! error naming `file:line`, rather than silently ignored. Every piece of user text an error
//! quotes goes through [`den_dist::redact_credentials`] first, so URL passwords and tokens
//! (also those coming from `${VAR}` expansion) never reach the terminal.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use den_dist::{HashDigest, Requirement, VersionOrUrl, redact_credentials};

/// Where a requirement or option came from: a file and a 1-based line number (the first
/// physical line of a continued logical line). Displays as `requirements.txt:12`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequirementOrigin {
    /// The file, as given by the caller or joined onto the including file's directory.
    pub file: PathBuf,
    /// 1-based line number.
    pub line: usize,
}

impl fmt::Display for RequirementOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// One requirement line: the PEP 508 requirement (name, extras, version specifiers, markers),
/// its `--hash` options and where it was written.
#[derive(Debug, Clone)]
pub struct RequirementEntry {
    /// The requirement; never a URL requirement (those are rejected).
    pub requirement: Requirement,
    /// Hashes from `--hash=algo:hex` options on the same line, in order (pip's hash-checking
    /// mode); empty when none were given.
    pub hashes: Vec<HashDigest>,
    /// Where the line is.
    pub origin: RequirementOrigin,
}

/// Everything a requirements file (with its nested `-r` / `-c` files) says.
#[derive(Debug, Clone, Default)]
pub struct RequirementsFile {
    /// Requirements in file order, nested `-r` files inlined where they are included.
    pub requirements: Vec<RequirementEntry>,
    /// Constraints from `-c` files, including requirements of files those include.
    pub constraints: Vec<RequirementEntry>,
    /// The last `--index-url` / `-i` seen, if any.
    pub index_url: Option<String>,
    /// Every `--extra-index-url`, in order.
    pub extra_index_urls: Vec<String>,
    /// Whether `--pre` was given.
    pub pre: bool,
}

/// A requirements file or argument den cannot use. Every variant names the place at fault and,
/// where it helps, what to do instead. Quoted user text (requirements, option values, parser
/// messages, paths) is stored with URL credentials already redacted.
#[derive(Debug, thiserror::Error)]
pub enum RequirementsError {
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
    /// A requirement line is not valid PEP 508.
    #[error("{origin}: invalid requirement `{text}`: {message}")]
    InvalidRequirement {
        /// The line.
        origin: RequirementOrigin,
        /// The requirement text.
        text: String,
        /// The parser's message.
        message: String,
    },
    /// A requirement names a URL, path or archive instead of a project from an index.
    #[error(
        "{origin}: `{text}` is a {what}, which den does not support yet; install the package from an index instead (e.g. `name>=1.0`)"
    )]
    UnsupportedRequirement {
        /// The line.
        origin: RequirementOrigin,
        /// The requirement text.
        text: String,
        /// `URL requirement`, `local path` ...
        what: &'static str,
    },
    /// A pip option den knows but does not implement yet.
    #[error("{origin}: option `{option}` is not supported yet by den; {hint}")]
    UnsupportedOption {
        /// The line.
        origin: RequirementOrigin,
        /// The option as written (`-e`, `--trusted-host`...).
        option: String,
        /// What to do instead.
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
    /// An option that takes a value was given none.
    #[error("{origin}: option `{option}` needs a value")]
    MissingValue {
        /// The line.
        origin: RequirementOrigin,
        /// The option.
        option: String,
    },
    /// A `--hash` value is not `algorithm:hex` with sha256/sha384/sha512.
    #[error("{origin}: invalid --hash `{value}`: {message}")]
    InvalidHash {
        /// The line.
        origin: RequirementOrigin,
        /// The value.
        value: String,
        /// Why it is invalid.
        message: String,
    },
    /// A command-line requirement is not valid PEP 508.
    #[error("invalid requirement `{text}`: {message}")]
    InvalidArgument {
        /// The argument.
        text: String,
        /// The parser's message.
        message: String,
    },
    /// A command-line requirement is a URL or path.
    #[error(
        "`{text}` is a {what}, which den does not support yet; install the package from an index instead (e.g. `name>=1.0`)"
    )]
    UnsupportedArgument {
        /// The argument.
        text: String,
        /// `URL requirement`, `local path` ...
        what: &'static str,
    },
}

/// Reads and parses the requirements file at `path`, following nested `-r` / `-c` files
/// (relative to the file that names them).
///
/// Errors: the file or an included file cannot be read, an include cycle, an invalid or
/// unsupported requirement or option; see [`RequirementsError`].
pub fn parse_requirements_file(path: &Path) -> Result<RequirementsFile, RequirementsError> {
    let text = std::fs::read_to_string(path).map_err(|source| RequirementsError::Read {
        path: PathBuf::from(redact_credentials(&path.to_string_lossy()).into_owned()),
        source,
    })?;
    parse_requirements_str(&text, path)
}

/// Parses requirements file contents `text` as if read from `origin` (used for error messages
/// and to resolve nested `-r` / `-c` paths). Errors as [`parse_requirements_file`].
pub fn parse_requirements_str(
    text: &str,
    origin: &Path,
) -> Result<RequirementsFile, RequirementsError> {
    let mut parser = Parser {
        out: RequirementsFile::default(),
        stack: Vec::new(),
    };
    parser.parse(text, origin, Kind::Requirement)?;
    Ok(parser.out)
}

/// Parses one command-line requirement such as `PKG[extra]>=1,<2` or `pkg; python_version<"3.9"`.
///
/// Errors: [`RequirementsError::InvalidArgument`] with the parser's message, or
/// [`RequirementsError::UnsupportedArgument`] for URLs and paths.
pub fn parse_requirement_arg(s: &str) -> Result<Requirement, RequirementsError> {
    let text = s.trim();
    parse_requirement(text).map_err(|failure| match failure {
        Failure::Invalid(message) => RequirementsError::InvalidArgument {
            text: shown(text),
            message: shown(&message),
        },
        Failure::Unsupported(what) => RequirementsError::UnsupportedArgument {
            text: shown(text),
            what,
        },
    })
}

/// `text` as an error may quote it: with URL credentials redacted.
fn shown(text: &str) -> String {
    redact_credentials(text).into_owned()
}

/// Why a requirement text was refused.
enum Failure {
    /// PEP 508 parser message.
    Invalid(String),
    /// What kind of unsupported requirement it is.
    Unsupported(&'static str),
}

/// Parses a PEP 508 requirement, refusing URL and path forms.
fn parse_requirement(text: &str) -> Result<Requirement, Failure> {
    let lower = text.to_ascii_lowercase();
    let archive = [".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2"]
        .iter()
        .any(|ext| lower.ends_with(ext));
    if lower.contains("://") {
        return Err(Failure::Unsupported("URL requirement"));
    }
    if text.starts_with(['.', '/', '~']) || archive {
        return Err(Failure::Unsupported("local path or archive"));
    }
    let requirement = Requirement::from_str(text).map_err(|e| Failure::Invalid(e.to_string()))?;
    if let Some(VersionOrUrl::Url(_)) = requirement.version_or_url {
        return Err(Failure::Unsupported("URL requirement"));
    }
    Ok(requirement)
}

/// Whether lines of a file become requirements or constraints.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Requirement,
    Constraint,
}

/// Parser state shared by a file and the files it includes.
struct Parser {
    out: RequirementsFile,
    /// Files being read, outermost first (canonical when the file exists, else as given).
    stack: Vec<PathBuf>,
}

/// The value-taking and flag options of pip's requirements files, and those den refuses.
enum OptionKind {
    Requirement,
    Constraint,
    IndexUrl,
    ExtraIndexUrl,
    Pre,
    Unsupported(&'static str),
}

impl Parser {
    fn parse(&mut self, text: &str, file: &Path, kind: Kind) -> Result<(), RequirementsError> {
        let key = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
        self.stack.push(key);
        for (line_number, line) in logical_lines(text) {
            let origin = RequirementOrigin {
                file: file.to_path_buf(),
                line: line_number,
            };
            let line = expand_env(strip_comment(&line));
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if line.starts_with('-') {
                self.option_line(line, &origin, kind)?;
            } else {
                self.requirement_line(line, origin, kind)?;
            }
        }
        self.stack.pop();
        Ok(())
    }

    fn requirement_line(
        &mut self,
        line: &str,
        origin: RequirementOrigin,
        kind: Kind,
    ) -> Result<(), RequirementsError> {
        // The requirement ends at the first whitespace-separated token starting with `-`.
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let split = tokens
            .iter()
            .position(|t| t.starts_with('-'))
            .unwrap_or(tokens.len());
        let text = tokens[..split].join(" ");
        let requirement = parse_requirement(&text).map_err(|failure| match failure {
            Failure::Invalid(message) => RequirementsError::InvalidRequirement {
                origin: origin.clone(),
                text: shown(&text),
                message: shown(&message),
            },
            Failure::Unsupported(what) => RequirementsError::UnsupportedRequirement {
                origin: origin.clone(),
                text: shown(&text),
                what,
            },
        })?;
        let mut hashes = Vec::new();
        let mut rest = tokens[split..].iter();
        while let Some(token) = rest.next() {
            let (option, inline) = match token.split_once('=') {
                Some((o, v)) => (o, Some(v)),
                None => (*token, None),
            };
            if option != "--hash" {
                return Err(RequirementsError::UnsupportedOption {
                    origin,
                    option: shown(option),
                    hint: "only --hash is supported after a requirement; remove the option",
                });
            }
            let value = match inline {
                Some(v) => v,
                None => *rest.next().ok_or_else(|| RequirementsError::MissingValue {
                    origin: origin.clone(),
                    option: shown(option),
                })?,
            };
            let digest =
                HashDigest::from_str(value).map_err(|e| RequirementsError::InvalidHash {
                    origin: origin.clone(),
                    value: shown(value),
                    message: shown(&e.to_string()),
                })?;
            hashes.push(digest);
        }
        let entry = RequirementEntry {
            requirement,
            hashes,
            origin,
        };
        match kind {
            Kind::Requirement => self.out.requirements.push(entry),
            Kind::Constraint => self.out.constraints.push(entry),
        }
        Ok(())
    }

    fn option_line(
        &mut self,
        line: &str,
        origin: &RequirementOrigin,
        kind: Kind,
    ) -> Result<(), RequirementsError> {
        let (option, inline_value) = split_option(line);
        let Some(option_kind) = known_option(option) else {
            return Err(RequirementsError::UnknownOption {
                origin: origin.clone(),
                option: shown(option),
            });
        };
        let value = || -> Result<String, RequirementsError> {
            match inline_value {
                Some(v) if !v.is_empty() => Ok(unquote(v).to_string()),
                _ => Err(RequirementsError::MissingValue {
                    origin: origin.clone(),
                    option: shown(option),
                }),
            }
        };
        match option_kind {
            OptionKind::Requirement => self.include(&value()?, origin, kind)?,
            OptionKind::Constraint => self.include(&value()?, origin, Kind::Constraint)?,
            OptionKind::IndexUrl => self.out.index_url = Some(value()?),
            OptionKind::ExtraIndexUrl => self.out.extra_index_urls.push(value()?),
            OptionKind::Pre => self.out.pre = true,
            OptionKind::Unsupported(hint) => {
                return Err(RequirementsError::UnsupportedOption {
                    origin: origin.clone(),
                    option: shown(option),
                    hint,
                });
            }
        }
        Ok(())
    }

    fn include(
        &mut self,
        value: &str,
        origin: &RequirementOrigin,
        kind: Kind,
    ) -> Result<(), RequirementsError> {
        if value.contains("://") {
            return Err(RequirementsError::UnsupportedOption {
                origin: origin.clone(),
                option: shown(value),
                hint: "download the file and include it by path",
            });
        }
        let path = match origin.file.parent() {
            Some(dir) => dir.join(value),
            None => PathBuf::from(value),
        };
        let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if self.stack.contains(&key) {
            let chain = self
                .stack
                .iter()
                .chain(std::iter::once(&key))
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" -> ");
            return Err(RequirementsError::IncludeCycle {
                origin: origin.clone(),
                path,
                chain,
            });
        }
        let text =
            std::fs::read_to_string(&path).map_err(|source| RequirementsError::ReadIncluded {
                origin: origin.clone(),
                path: path.clone(),
                source,
            })?;
        self.parse(&text, &path, kind)
    }
}

/// Classifies an option name; `None` when pip does not know it either.
fn known_option(option: &str) -> Option<OptionKind> {
    const WHEELS_ONLY: &str = "den installs wheels only; remove the line";
    Some(match option {
        "-r" | "--requirement" => OptionKind::Requirement,
        "-c" | "--constraint" => OptionKind::Constraint,
        "-i" | "--index-url" => OptionKind::IndexUrl,
        "--extra-index-url" => OptionKind::ExtraIndexUrl,
        "-f" | "--find-links" | "--no-index" => {
            OptionKind::Unsupported("serve the wheels from an index and pass --index-url")
        }
        "--pre" => OptionKind::Pre,
        "-e" | "--editable" => OptionKind::Unsupported(
            "install the package from an index instead (or install it with pip)",
        ),
        "--only-binary" | "--no-binary" | "--prefer-binary" => OptionKind::Unsupported(WHEELS_ONLY),
        "--trusted-host" => OptionKind::Unsupported("use an https index URL, or remove the line"),
        "--hash" => OptionKind::Unsupported("write --hash after the requirement it checks"),
        "--require-hashes" | "--use-feature" | "--global-option" | "--config-settings" => {
            OptionKind::Unsupported("remove the line")
        }
        _ => return None,
    })
}

/// Splits an option line into the option and its value: `--opt=value`, `--opt value`,
/// `-o value` and `-ovalue` are all accepted, as optparse does.
fn split_option(line: &str) -> (&str, Option<&str>) {
    let (head, rest) = match line.split_once(char::is_whitespace) {
        Some((h, r)) => (h, Some(r.trim())),
        None => (line, None),
    };
    if let Some((option, value)) = head.split_once('=').filter(|_| head.starts_with("--")) {
        return (option, Some(value));
    }
    if !head.starts_with("--") && head.len() > 2 {
        // `-rfile`: a short option with its value attached.
        let cut = head.char_indices().nth(2).map_or(head.len(), |(i, _)| i);
        return (&head[..cut], Some(&head[cut..]));
    }
    (head, rest)
}

/// Removes one level of matching single or double quotes.
fn unquote(value: &str) -> &str {
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

/// Joins `\`-continued lines; yields `(first physical line number, joined text)`.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, raw) in text.lines().enumerate() {
        let (start, mut buffer) = current.take().unwrap_or((index + 1, String::new()));
        // A comment line ends a continuation (as pip does), so a trailing `\` in a comment is inert.
        let is_comment = strip_comment(raw).trim().is_empty() && !raw.trim().is_empty();
        match raw.strip_suffix('\\') {
            Some(head) if !is_comment => {
                buffer.push_str(head);
                current = Some((start, buffer));
            }
            _ => {
                buffer.push_str(raw);
                lines.push((start, buffer));
            }
        }
    }
    if let Some(last) = current {
        lines.push(last);
    }
    lines
}

/// Cuts a comment: `#` at the start of the line or preceded by whitespace.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &line[..i];
        }
    }
    line
}

/// Replaces `${NAME}` (NAME of `A-Z`, `0-9`, `_`) by the environment variable's value when
/// it is set; anything else is left as written, like pip.
fn expand_env(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let name_len = after
            .bytes()
            .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
            .count();
        let value = (name_len > 0 && after[name_len..].starts_with('}'))
            .then(|| std::env::var(&after[..name_len]).ok())
            .flatten();
        match value {
            Some(value) => {
                out.push_str(&value);
                rest = &after[name_len + 1..];
            }
            None => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RequirementsFile, RequirementsError> {
        parse_requirements_str(text, Path::new("requirements.txt"))
    }

    fn names(entries: &[RequirementEntry]) -> Vec<String> {
        entries.iter().map(|e| e.requirement.to_string()).collect()
    }

    #[test]
    fn parses_requirements_comments_continuations_and_options() {
        let text = "# top comment\n\
            requests[socks]>=2.0,<3 ; python_version >= \"3.8\"  # trailing comment\n\
            \n\
            flask \\\n  ==3.0.0 \\\n  --hash=sha256:ABCDEF01 --hash sha256:00ff\n\
            --index-url https://example.org/simple\n\
            --extra-index-url=https://extra.example/simple\n\
            --pre\n";
        let file = parse(text).unwrap();
        assert_eq!(
            names(&file.requirements),
            [
                "requests[socks]>=2.0,<3 ; python_full_version >= '3.8'",
                "flask==3.0.0"
            ]
        );
        let flask = &file.requirements[1];
        assert_eq!(flask.origin.to_string(), "requirements.txt:4");
        assert_eq!(flask.hashes.len(), 2);
        assert_eq!(flask.hashes[0].to_string(), "sha256=abcdef01");
        assert_eq!(file.requirements[0].origin.line, 2);
        assert_eq!(
            file.index_url.as_deref(),
            Some("https://example.org/simple")
        );
        assert_eq!(file.extra_index_urls, ["https://extra.example/simple"]);
        assert!(file.pre);
    }

    #[test]
    fn keeps_hash_fragments_that_are_not_comments() {
        assert_eq!(
            strip_comment("x @ https://h/x.whl#sha256=ab # c"),
            "x @ https://h/x.whl#sha256=ab "
        );
        assert_eq!(strip_comment("#all"), "");
    }

    #[test]
    fn expands_braced_environment_variables_only() {
        // SAFETY: the variable name is unique to this test; no other thread reads it.
        unsafe { std::env::set_var("DEN_REQ_TEST_VERSION", "1.2") };
        assert_eq!(expand_env("pkg==${DEN_REQ_TEST_VERSION}"), "pkg==1.2");
        assert_eq!(
            expand_env("a $HOME ${lower} ${DEN_REQ_UNSET_X}"),
            "a $HOME ${lower} ${DEN_REQ_UNSET_X}"
        );
        let file = parse("pkg==${DEN_REQ_TEST_VERSION}\n").unwrap();
        assert_eq!(names(&file.requirements), ["pkg==1.2"]);
    }

    #[test]
    fn inlines_nested_files_and_constraints() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(
            dir.path().join("sub/base.txt"),
            "six\n-c ../constraints.txt\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("constraints.txt"), "six<2\n-r more.txt\n").unwrap();
        std::fs::write(dir.path().join("more.txt"), "idna==3.4\n").unwrap();
        let top = dir.path().join("requirements.txt");
        std::fs::write(&top, "attrs\n-r sub/base.txt\nzipp\n").unwrap();
        let file = parse_requirements_file(&top).unwrap();
        assert_eq!(names(&file.requirements), ["attrs", "six", "zipp"]);
        assert_eq!(names(&file.constraints), ["six<2", "idna==3.4"]);
        assert_eq!(
            file.requirements[1].origin.file,
            dir.path().join("sub/base.txt")
        );
    }

    #[test]
    fn detects_include_cycles() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "-r b.txt\n").unwrap();
        std::fs::write(dir.path().join("b.txt"), "x\n\n--requirement=a.txt\n").unwrap();
        let err = parse_requirements_file(&dir.path().join("a.txt")).unwrap_err();
        let message = err.to_string();
        assert!(
            matches!(err, RequirementsError::IncludeCycle { .. }),
            "{message}"
        );
        assert!(message.contains("b.txt:3"), "{message}");
        assert!(message.contains("includes itself"), "{message}");
    }

    #[test]
    fn reports_missing_files() {
        let err = parse_requirements_file(Path::new("/nonexistent/den/reqs.txt")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/den/reqs.txt"));
        let err = parse("ok\n-r missing-den.txt\n").unwrap_err();
        let message = err.to_string();
        assert!(
            message
                .starts_with("requirements.txt:2: could not read included file `missing-den.txt`"),
            "{message}"
        );
    }

    #[test]
    fn rejects_unsupported_options_and_requirements() {
        let cases = [
            ("-e .\n", "option `-e` is not supported yet by den"),
            ("--trusted-host example.org\n", "option `--trusted-host`"),
            ("--only-binary=:all:\n", "den installs wheels only"),
            (
                "--no-index\n",
                "option `--no-index` is not supported yet by den; serve the wheels from an index and pass --index-url",
            ),
            ("-f ./wheels\n", "option `-f` is not supported yet by den"),
            (
                "--find-links=https://example.org/wheels/\n",
                "option `--find-links` is not supported yet by den; serve the wheels",
            ),
            ("pkg --install-option=x\n", "only --hash is supported"),
            ("./local/pkg\n", "local path or archive"),
            (
                "pkg @ https://example.org/pkg-1.0-py3-none-any.whl\n",
                "URL requirement",
            ),
            ("--frobnicate\n", "unknown option `--frobnicate`"),
            ("--index-url\n", "option `--index-url` needs a value"),
            ("pkg --hash=md5:00\n", "invalid --hash `md5:00`"),
        ];
        for (text, expected) in cases {
            let message = parse(&format!("fine\n{text}")).unwrap_err().to_string();
            assert!(message.starts_with("requirements.txt:2: "), "{message}");
            assert!(message.contains(expected), "{text:?}: {message}");
        }
    }

    #[test]
    fn errors_never_show_url_credentials() {
        // SAFETY: the variable name is unique to this test; no other thread reads it.
        unsafe { std::env::set_var("DEN_REQ_TEST_TOKEN", "s3cretTOKEN") };
        let cases = [
            "foo @ https://alice:s3cretTOKEN@host/foo-1.0-py3-none-any.whl",
            "foo @ https://alice:${DEN_REQ_TEST_TOKEN}@host/foo-1.0-py3-none-any.whl",
            "foo @ https://s3cretTOKEN@host/foo.whl ; python_version > '3'",
            "-r https://alice:s3cretTOKEN@host/requirements.txt",
            "-c https://${DEN_REQ_TEST_TOKEN}@host/constraints.txt",
            "foo @@ https://alice:s3cretTOKEN@host/x",
            "foo --hash=https://alice:s3cretTOKEN@host/",
            "--find-links https://alice:s3cretTOKEN@host/wheels/",
        ];
        for line in cases {
            let err = parse(&format!("{line}\n")).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(shown.starts_with("requirements.txt:1: "), "{shown}");
            assert!(!shown.contains("s3cret"), "{line}: {shown}");
        }
        for arg in [
            "foo @ https://alice:s3cretTOKEN@host/foo.whl",
            "foo @@ https://alice:s3cretTOKEN@host/x",
        ] {
            let err = parse_requirement_arg(arg).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(shown.contains("https://alice:****@host/"), "{shown}");
            assert!(!shown.contains("s3cret"), "{shown}");
        }
        let err =
            parse_requirements_file(Path::new("https://alice:s3cretTOKEN@host/r.txt")).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("s3cret"), "{err}");
    }

    #[test]
    fn io_errors_show_their_cause_once() {
        let err = parse_requirements_file(Path::new("/nonexistent/den/reqs.txt")).unwrap_err();
        let cause = std::error::Error::source(&err).unwrap().to_string();
        assert!(!err.to_string().contains(&cause), "{err}");
    }

    #[test]
    fn reports_malformed_requirements_with_parser_message() {
        let message = parse("pkg>=>1\n").unwrap_err().to_string();
        assert!(
            message.starts_with("requirements.txt:1: invalid requirement `pkg>=>1`: "),
            "{message}"
        );
        assert!(message.len() > "requirements.txt:1: invalid requirement `pkg>=>1`: ".len());
    }

    #[test]
    fn parses_command_line_arguments() {
        let req = parse_requirement_arg(" PKG[extra]>=1,<2 ").unwrap();
        assert_eq!(req.name.as_ref(), "pkg");
        assert_eq!(req.extras.len(), 1);
        assert_eq!(req.to_string(), "pkg[extra]>=1,<2");
        let err = parse_requirement_arg("pkg==").unwrap_err().to_string();
        assert!(err.starts_with("invalid requirement `pkg==`"), "{err}");
        let err = parse_requirement_arg("https://example.org/x.tar.gz")
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not support yet"), "{err}");
    }

    #[test]
    fn short_options_accept_attached_values() {
        assert_eq!(split_option("-rfile.txt"), ("-r", Some("file.txt")));
        assert_eq!(split_option("--pre"), ("--pre", None));
        assert_eq!(split_option("-i  'https://x'"), ("-i", Some("'https://x'")));
        assert_eq!(unquote("'https://x'"), "https://x");
    }
}
