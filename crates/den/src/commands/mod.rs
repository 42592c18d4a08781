//! One module per command; each turns its arguments into settings, finds what it acts on,
//! calls the operations (`crate::ops`) or library crates, and prints.

pub mod cache;
pub mod check;
pub mod compile;
pub mod doctor;
pub mod download;
pub mod env;
pub mod env_project;
pub mod freeze;
pub mod init;
pub mod install;
pub mod list;
pub mod pack;
pub mod pip_cache;
pub mod pip_config;
pub mod pip_debug;
pub mod pip_hash;
pub mod pip_index;
pub mod pipenv;
pub mod pipenv_graph;
pub mod pyenv;
pub mod pyenv_hooks;
pub mod pyenv_install;
pub mod pyenv_virtualenv;
pub mod show;
pub mod sync;
pub mod tree;
pub mod uninstall;
pub mod venv;
pub mod workon;
