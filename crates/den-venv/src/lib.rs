//! den-venv: work in progress.
