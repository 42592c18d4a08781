//! den-resolve: work in progress.
