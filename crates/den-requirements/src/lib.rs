//! den-requirements: work in progress.
