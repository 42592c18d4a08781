//! den-install: work in progress.
