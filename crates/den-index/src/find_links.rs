//! pip's `--find-links` locations: local directories of archives, local HTML files and HTML
//! pages over HTTP, listed once per client and looked up by project name.

use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use den_dist::{PackageName, WheelFilename};
use tokio::sync::OnceCell;
use url::Url;

use crate::page::{RawFile, classify, parse_html};
use crate::{FileOrigin, IndexError, IndexFile};

/// Whether a find-links directory entry is listed: wheels and the source distribution forms
/// den-dist knows.
fn is_archive(name: &str) -> bool {
    name.ends_with(".whl") || den_dist::sdist_extension(name).is_some()
}

/// Where a find-links location is.
#[derive(Debug)]
pub(crate) enum Place {
    /// A directory or HTML file on this machine (`file://` URLs become paths).
    Local(PathBuf),
    /// An HTML page over `http(s)`, fetched through the page cache.
    Remote(Url),
}

/// One configured location and, once read, its files.
#[derive(Debug)]
pub(crate) struct FindLinks {
    /// Where the files are listed.
    pub place: Place,
    /// The origin given to its files (the location as configured, redacted).
    pub origin: FileOrigin,
    /// The listing; `None` inside means "an uncached remote page in offline mode".
    pub listing: OnceCell<Option<Arc<Listing>>>,
}

impl FindLinks {
    /// Parses one `--find-links` value: an `http(s)://` URL, a `file://` URL or a path.
    ///
    /// Errors: [`IndexError::FindLinks`] for an unparseable URL, another scheme, or a
    /// `file://` URL that is not a local path.
    pub fn parse(raw: &str) -> Result<Self, IndexError> {
        let raw = raw.trim();
        let display = den_dist::redact_credentials(raw).into_owned();
        let error = |reason: String| IndexError::FindLinks {
            location: display.clone(),
            reason,
        };
        let place = if raw.contains("://") || raw.starts_with("file:") {
            let url = Url::parse(raw).map_err(|e| error(format!("not a valid URL: {e}")))?;
            match url.scheme() {
                "http" | "https" => Place::Remote(url),
                "file" => Place::Local(url.to_file_path().map_err(|()| {
                    error("the file:// URL does not name a local path".to_string())
                })?),
                other => {
                    return Err(error(format!(
                        "unsupported scheme `{other}`; give a directory, an HTML file or an \
                         http(s) URL"
                    )));
                }
            }
        } else {
            Place::Local(PathBuf::from(raw))
        };
        Ok(Self {
            place,
            origin: FileOrigin::FindLinks(display),
            listing: OnceCell::new(),
        })
    }
}

/// Lists a local find-links location `path` (configured as `origin`): every archive in a
/// directory, or the links of an HTML file (relative links resolve against the file, to
/// `file://` URLs).
///
/// Errors: [`IndexError::FindLinks`] when the path does not exist or cannot be read.
pub(crate) fn list_local(
    path: &std::path::Path,
    origin: &FileOrigin,
) -> Result<Listing, IndexError> {
    let error = |reason: String| IndexError::FindLinks {
        location: origin.to_string(),
        reason,
    };
    let absolute =
        std::path::absolute(path).map_err(|e| error(format!("cannot resolve the path: {e}")))?;
    let file_url = |p: &std::path::Path| {
        Url::from_file_path(p)
            .map_err(|()| error(format!("{} is not an absolute path", p.display())))
    };
    if absolute.is_dir() {
        let entries = std::fs::read_dir(&absolute)
            .map_err(|e| error(format!("cannot list the directory: {e}")))?;
        let mut names: Vec<String> = entries
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| is_archive(name))
            .collect();
        names.sort();
        let files = names
            .iter()
            .map(|name| file_url(&absolute.join(name)).map(RawFile::bare))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Listing::new(files))
    } else {
        let html = std::fs::read_to_string(&absolute).map_err(|e| {
            error(match e.kind() {
                std::io::ErrorKind::NotFound => {
                    "it does not exist; check the path given to --find-links".to_string()
                }
                _ => format!("cannot read it: {e}"),
            })
        })?;
        Ok(Listing::new(parse_html(&html, &file_url(&absolute)?)))
    }
}

/// The files of one location, indexed by the project names their filenames can belong to.
#[derive(Debug)]
pub(crate) struct Listing {
    files: Vec<RawFile>,
    /// Normalized project name -> indices into `files`.
    by_name: HashMap<String, Vec<usize>>,
}

impl Listing {
    /// Indexes `files`. A wheel belongs to the project in its filename; a source distribution
    /// `a-b-1.0.tar.gz` may belong to `a` or `a-b` (names and legacy versions both contain
    /// dashes), so it is indexed under every dash-separated prefix and
    /// [`den_dist::DistFilename::parse`] decides per project.
    pub fn new(files: Vec<RawFile>) -> Self {
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, file) in files.iter().enumerate() {
            let Some(filename) = file.filename() else {
                continue;
            };
            let mut names: Vec<String> = Vec::new();
            if filename.ends_with(".whl") {
                names.extend(WheelFilename::from_str(&filename).map(|w| w.name.to_string()));
            } else {
                for (dash, _) in filename.match_indices('-') {
                    names.extend(PackageName::from_str(&filename[..dash]).map(|n| n.to_string()));
                }
            }
            names.dedup();
            for name in names {
                by_name.entry(name).or_default().push(index);
            }
        }
        Self { files, by_name }
    }

    /// The wheels and source distributions of `name`, in listing order.
    pub fn files_of(&self, name: &PackageName, origin: &FileOrigin) -> Vec<IndexFile> {
        let indices = self
            .by_name
            .get(name.as_ref())
            .map_or(&[][..], Vec::as_slice);
        classify(indices.iter().map(|&i| self.files[i].clone()), name, origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> PackageName {
        PackageName::from_str(n).unwrap()
    }

    #[test]
    fn lists_directories_by_project() {
        let dir = tempfile::tempdir().unwrap();
        for file in [
            "foo_bar-1.0-py3-none-any.whl",
            "foo-bar-2.0.tar.gz",
            "foo-0.5.zip",
            "notes.txt",
            "broken.whl",
        ] {
            std::fs::write(dir.path().join(file), b"x").unwrap();
        }
        let links = FindLinks::parse(dir.path().to_str().unwrap()).unwrap();
        let listing = list_local(dir.path(), &links.origin).unwrap();
        let names = |project: &str| -> Vec<String> {
            listing
                .files_of(&name(project), &links.origin)
                .into_iter()
                .map(|f| f.raw_filename)
                .collect()
        };
        assert_eq!(
            names("Foo.Bar"),
            ["foo-bar-2.0.tar.gz", "foo_bar-1.0-py3-none-any.whl"]
        );
        assert_eq!(names("foo"), ["foo-0.5.zip"]);
        assert!(names("notes").is_empty());
        let file = &listing.files_of(&name("foo"), &links.origin)[0];
        assert_eq!(file.url().unwrap().scheme(), "file");
        assert!(file.hashes.is_empty());
    }

    #[test]
    fn rejects_unusable_locations() {
        let err = FindLinks::parse("ftp://u:secret@host/x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unsupported scheme `ftp`"), "{err}");
        assert!(!err.contains("secret"), "{err}");
        let missing = FindLinks::parse("/no/such/dir").unwrap();
        let err = list_local(std::path::Path::new("/no/such/dir"), &missing.origin)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("/no/such/dir") && err.contains("does not exist"),
            "{err}"
        );
    }
}
