//! Reading a requirements file: lines, options, nested `-r` / `-c` files (pip's "Requirements
//! File Format" §Structure, §Supported options, §Referring to other requirements files).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use den_dist::HashDigest;

use crate::specifier::{Context, scheme};
use crate::text::{
    expand_env, logical_lines, shell_words, split_attached, split_requirement_and_options,
    strip_comment,
};
use crate::{ParsedRequirement, RequirementOrigin, RequirementsError, RequirementsFile, shown};

/// Reads the file at `path` and parses it; relative requirement paths start at `working_dir`.
pub(crate) fn parse_file(
    path: &Path,
    working_dir: Option<&Path>,
) -> Result<RequirementsFile, RequirementsError> {
    let text = std::fs::read_to_string(path).map_err(|source| RequirementsError::Read {
        path: PathBuf::from(shown(&path.to_string_lossy())),
        source,
    })?;
    parse_text(&text, path, working_dir)
}

/// Parses `text` as the contents of `file`.
pub(crate) fn parse_text(
    text: &str,
    file: &Path,
    working_dir: Option<&Path>,
) -> Result<RequirementsFile, RequirementsError> {
    let mut parser = Parser {
        out: RequirementsFile::default(),
        stack: Vec::new(),
        working_dir,
    };
    parser.parse(text, file, Kind::Requirement)?;
    Ok(parser.out)
}

/// Whether lines of a file become requirements or constraints.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Requirement,
    Constraint,
}

/// The options pip reads in requirements files, and those den refuses.
#[derive(Clone, Copy)]
enum Opt {
    Requirement,
    Constraint,
    Editable,
    IndexUrl,
    ExtraIndexUrl,
    NoIndex,
    FindLinks,
    TrustedHost,
    OnlyBinary,
    NoBinary,
    PreferBinary,
    RequireHashes,
    Pre,
    Hash,
}

impl Opt {
    /// Classifies an option name. `Ok(None)` when pip does not know it either; `Err(hint)` for
    /// options pip accepts that den does not implement.
    fn from_name(name: &str) -> Result<Option<Self>, &'static str> {
        Ok(Some(match name {
            "-r" | "--requirement" => Self::Requirement,
            "-c" | "--constraint" => Self::Constraint,
            "-e" | "--editable" => Self::Editable,
            "-i" | "--index-url" => Self::IndexUrl,
            "--extra-index-url" => Self::ExtraIndexUrl,
            "--no-index" => Self::NoIndex,
            "-f" | "--find-links" => Self::FindLinks,
            "--trusted-host" => Self::TrustedHost,
            "--only-binary" => Self::OnlyBinary,
            "--no-binary" => Self::NoBinary,
            "--prefer-binary" => Self::PreferBinary,
            "--require-hashes" => Self::RequireHashes,
            "--pre" => Self::Pre,
            "--hash" => Self::Hash,
            "--use-feature" => return Err("by den (it has no optional pip features); remove it"),
            "--global-option" | "--config-settings" | "--install-option" => {
                return Err("by den (it passes no options to build backends); remove it");
            }
            _ => return Ok(None),
        }))
    }

    fn takes_value(self) -> bool {
        !matches!(
            self,
            Self::NoIndex | Self::PreferBinary | Self::RequireHashes | Self::Pre
        )
    }
}

/// One option of a line: what it is, its name as written and its value.
struct LineOption {
    opt: Opt,
    name: String,
    value: String,
}

/// Parser state shared by a file and the files it includes.
struct Parser<'a> {
    out: RequirementsFile,
    /// Files being read, outermost first (canonical when the file exists, else as given).
    stack: Vec<PathBuf>,
    working_dir: Option<&'a Path>,
}

impl Parser<'_> {
    fn parse(&mut self, text: &str, file: &Path, kind: Kind) -> Result<(), RequirementsError> {
        let key = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
        self.stack.push(key);
        for (line_number, line) in logical_lines(text) {
            let origin = RequirementOrigin::File {
                file: file.to_path_buf(),
                line: line_number,
            };
            let line = expand_env(strip_comment(&line));
            if !line.trim().is_empty() {
                self.line(&line, file, &origin, kind)?;
            }
        }
        self.stack.pop();
        Ok(())
    }

    /// One logical line: a requirement with per-requirement options, `-e <target>` with
    /// per-requirement options, or global options.
    fn line(
        &mut self,
        line: &str,
        file: &Path,
        origin: &RequirementOrigin,
        kind: Kind,
    ) -> Result<(), RequirementsError> {
        let (requirement, options) = split_requirement_and_options(line);
        let mut options = parse_options(options, origin)?.into_iter().peekable();
        let editable = if requirement.is_empty() {
            options
                .next_if(|option| matches!(option.opt, Opt::Editable))
                .map(|option| option.value)
        } else {
            None
        };
        let (text, editable) = match editable {
            Some(target) => (target, true),
            None if !requirement.is_empty() => (requirement, false),
            None => {
                for option in options {
                    self.global(option, file, origin, kind)?;
                }
                return Ok(());
            }
        };
        let context = Context {
            origin,
            working_dir: self.working_dir,
        };
        let mut parsed = context.parse(&text, editable)?;
        for option in options {
            if !matches!(option.opt, Opt::Hash) {
                return Err(unsupported(
                    &option,
                    origin,
                    "after a requirement; put it on a line of its own",
                ));
            }
            let digest = HashDigest::from_str(&option.value).map_err(|e| {
                RequirementsError::InvalidHash {
                    origin: origin.clone(),
                    value: shown(&option.value),
                    message: shown(&e.to_string()),
                }
            })?;
            parsed.hashes_mut().push(digest);
            self.out.hash_options = true;
        }
        self.add(parsed, &text, kind)
    }

    /// Stores a requirement, checking pip's rules for constraints.
    fn add(
        &mut self,
        parsed: ParsedRequirement,
        text: &str,
        kind: Kind,
    ) -> Result<(), RequirementsError> {
        let entry = match (parsed, kind) {
            (ParsedRequirement::Unnamed(unnamed), Kind::Requirement) => {
                self.out.unnamed.push(unnamed);
                return Ok(());
            }
            (ParsedRequirement::Named(entry), Kind::Requirement) => {
                self.out.requirements.push(entry);
                return Ok(());
            }
            (ParsedRequirement::Named(entry), Kind::Constraint) => entry,
            (ParsedRequirement::Unnamed(unnamed), Kind::Constraint) => {
                return Err(RequirementsError::InvalidConstraint {
                    origin: unnamed.origin,
                    text: shown(text),
                    reason: "constraints must name their project; write `name @ url`",
                });
            }
        };
        let reason = if entry.editable {
            "editable requirements are not allowed as constraints"
        } else if !entry.requirement.extras.is_empty() {
            "constraints cannot have extras; constrain the project without them"
        } else {
            self.out.constraints.push(entry);
            return Ok(());
        };
        Err(RequirementsError::InvalidConstraint {
            origin: entry.origin,
            text: shown(text),
            reason,
        })
    }

    /// Applies one global option of `file`.
    fn global(
        &mut self,
        option: LineOption,
        file: &Path,
        origin: &RequirementOrigin,
        kind: Kind,
    ) -> Result<(), RequirementsError> {
        let value = option.value.clone();
        let out = &mut self.out;
        match option.opt {
            Opt::Requirement => return self.include(&value, file, origin, kind),
            Opt::Constraint => return self.include(&value, file, origin, Kind::Constraint),
            Opt::IndexUrl => out.index_url = Some(value),
            Opt::ExtraIndexUrl => out.extra_index_urls.push(value),
            Opt::NoIndex => out.no_index = true,
            Opt::FindLinks => {
                let location = self.find_links_location(&value, file);
                self.out.find_links.push(location);
            }
            Opt::TrustedHost => out.trusted_hosts.push(value),
            Opt::OnlyBinary => out.only_binary.push(value),
            Opt::NoBinary => out.no_binary.push(value),
            Opt::PreferBinary => out.prefer_binary = true,
            Opt::RequireHashes => out.require_hashes = true,
            Opt::Pre => out.pre = true,
            Opt::Hash => {
                return Err(unsupported(
                    &option,
                    origin,
                    "without a requirement; write --hash after the requirement it checks",
                ));
            }
            Opt::Editable => {
                return Err(unsupported(
                    &option,
                    origin,
                    "after other options; start a line of its own with -e",
                ));
            }
        }
        Ok(())
    }

    /// A `--find-links` value: URLs as written; a local path relative to `file`'s directory
    /// when that exists (pip's rule), else relative to the working directory; made absolute.
    fn find_links_location(&self, value: &str, file: &Path) -> String {
        if scheme(value).is_some() {
            return value.to_string();
        }
        let absolute = |path: &Path| match self.working_dir {
            Some(dir) if path.is_relative() => den_dist::path::normalize_path(&dir.join(path)),
            _ => den_dist::path::normalize_path(path),
        };
        let near_file = absolute(&file.parent().unwrap_or(Path::new("")).join(value));
        let path = if near_file.exists() {
            near_file
        } else {
            absolute(Path::new(value))
        };
        path.to_string_lossy().into_owned()
    }

    /// Reads the file named by `-r` / `-c` (relative to `file`'s directory; `file:` URLs are
    /// read as paths, http(s) URLs refused) into the same result.
    fn include(
        &mut self,
        value: &str,
        file: &Path,
        origin: &RequirementOrigin,
        kind: Kind,
    ) -> Result<(), RequirementsError> {
        let named = match scheme(value) {
            Some(scheme) if scheme.eq_ignore_ascii_case("file") => url::Url::parse(value)
                .ok()
                .and_then(|url| url.to_file_path().ok()),
            Some(_) => None,
            None => Some(PathBuf::from(value)),
        };
        let Some(named) = named else {
            return Err(RequirementsError::UnsupportedUrl {
                origin: origin.clone(),
                text: shown(value),
                reason: "den reads -r/-c files from local paths only; download the file and \
                         name its path",
            });
        };
        let path = match file.parent() {
            Some(dir) => dir.join(named),
            None => named,
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

/// Splits option text into options with their values (`--opt=value`, `--opt value`,
/// `-ovalue`, `-o value`).
fn parse_options(
    text: &str,
    origin: &RequirementOrigin,
) -> Result<Vec<LineOption>, RequirementsError> {
    let words = shell_words(text).map_err(|()| RequirementsError::UnterminatedQuote {
        origin: origin.clone(),
        text: shown(text),
    })?;
    let mut options = Vec::new();
    let mut words = words.into_iter();
    while let Some(word) = words.next() {
        if !word.starts_with('-') || word == "-" {
            return Err(RequirementsError::UnexpectedArgument {
                origin: origin.clone(),
                text: shown(&word),
            });
        }
        let (name, attached) = split_attached(&word);
        let opt = match Opt::from_name(name) {
            Ok(Some(opt)) => opt,
            Ok(None) => {
                return Err(RequirementsError::UnknownOption {
                    origin: origin.clone(),
                    option: shown(name),
                });
            }
            Err(hint) => {
                return Err(RequirementsError::UnsupportedOption {
                    origin: origin.clone(),
                    option: shown(name),
                    hint,
                });
            }
        };
        let value = match (opt.takes_value(), attached) {
            (true, Some(value)) => Some(value.to_string()),
            (true, None) => words.next(),
            (false, Some(_)) => {
                return Err(RequirementsError::UnexpectedArgument {
                    origin: origin.clone(),
                    text: shown(&word),
                });
            }
            (false, None) => Some(String::new()),
        };
        let value = value
            .filter(|value| !value.is_empty() || !opt.takes_value())
            .ok_or_else(|| RequirementsError::MissingValue {
                origin: origin.clone(),
                option: shown(name),
            })?;
        options.push(LineOption {
            opt,
            name: name.to_string(),
            value,
        });
    }
    Ok(options)
}

fn unsupported(
    option: &LineOption,
    origin: &RequirementOrigin,
    hint: &'static str,
) -> RequirementsError {
    RequirementsError::UnsupportedOption {
        origin: origin.clone(),
        option: shown(&option.name),
        hint,
    }
}
