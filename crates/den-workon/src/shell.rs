//! Shell integration scripts (`den init bash|zsh|fish`). Work in progress.
