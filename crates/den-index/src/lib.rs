//! den-index: work in progress.
