//! A project's files by version, each version's built only when asked: [`ProjectListing`].

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use den_dist::{PackageName, Version};

use crate::page::CompactPage;
use crate::{FileFilter, IndexFile};

/// Where one file of a [`ProjectListing`] is.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// In the compact list of page `page`, at byte `offset`.
    Compact {
        /// The index in [`ProjectListing::pages`].
        page: u32,
        /// The entry's offset in that page's list.
        offset: u32,
    },
    /// Built already: the index in [`ProjectListing::built`].
    Built(u32),
}

/// Every version of one project on the configured indexes and find-links locations, with
/// the files of each that the reader keeps (a resolver: those its interpreter may install),
/// as [`IndexClient::project_listing`](crate::IndexClient::project_listing) reads them. The
/// index pages' compact lists are kept (their entries held) and a version's files are built
/// only by [`ProjectListing::files`]: a resolver usually looks at a few versions of projects
/// that publish thousands of files. Files found otherwise (find-links locations, pages
/// parsed from their bodies) are kept built.
#[derive(Debug)]
pub struct ProjectListing {
    /// The normalized project name.
    name: PackageName,
    /// The compact lists, in index order.
    pages: Vec<CompactPage>,
    /// The files that are not in a compact list.
    built: Vec<Arc<IndexFile>>,
    /// Each version's files, in index order then page order.
    versions: BTreeMap<Version, Vec<Slot>>,
}

impl ProjectListing {
    /// An empty listing of project `name`.
    pub(crate) fn new(name: PackageName) -> Self {
        Self {
            name,
            pages: Vec::new(),
            built: Vec::new(),
            versions: BTreeMap::new(),
        }
    }

    /// Adds a page's compact list with its entries' versions and the offsets of those it
    /// holds (`CompactPage::scan`); a version whose entries it does not hold is listed with
    /// no file from it. `None` if the listing already holds `u32::MAX` pages.
    pub(crate) fn add_page(
        &mut self,
        page: CompactPage,
        entries: Vec<(Version, Option<u32>)>,
    ) -> Option<()> {
        let index = u32::try_from(self.pages.len()).ok()?;
        self.pages.push(page);
        for (version, offset) in entries {
            let slots = self.versions.entry(version).or_default();
            if let Some(offset) = offset {
                slots.push(Slot::Compact {
                    page: index,
                    offset,
                });
            }
        }
        Some(())
    }

    /// Adds files that are already built, after those added before: those `keep` admits,
    /// and of the others only their versions (listed with no file from them).
    pub(crate) fn add_files(
        &mut self,
        files: impl IntoIterator<Item = IndexFile>,
        keep: FileFilter<'_>,
    ) {
        for file in files {
            let slots = self
                .versions
                .entry(file.filename.version().clone())
                .or_default();
            if !keep(&file.filename) {
                continue;
            }
            let Ok(index) = u32::try_from(self.built.len()) else {
                return;
            };
            self.built.push(Arc::new(file));
            slots.push(Slot::Built(index));
        }
    }

    /// Every version with a file, oldest first (also those whose files the reader left out).
    pub fn versions(&self) -> impl DoubleEndedIterator<Item = &Version> {
        self.versions.keys()
    }

    /// The files of `version`, in index order then page order, built now (each call builds
    /// them anew); empty for a version not listed.
    pub fn files(&self, version: &Version) -> Vec<Arc<IndexFile>> {
        let Some(slots) = self.versions.get(version) else {
            return Vec::new();
        };
        let mut specifiers = HashMap::new();
        slots
            .iter()
            .filter_map(|slot| match *slot {
                Slot::Built(index) => self.built.get(index as usize).cloned(),
                Slot::Compact { page, offset } => {
                    let page = self.pages.get(page as usize)?;
                    // Every entry was checked when its page was added.
                    let file = page.file_at(offset, &self.name, &mut specifiers)?;
                    Some(Arc::new(file))
                }
            })
            .collect()
    }
}
