//! den-test-support: work in progress.
