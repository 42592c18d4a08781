//! One module per command; each only wires library crates together and prints.

pub mod env;
pub mod env_project;
pub mod freeze;
pub mod init;
pub mod install;
pub mod list;
pub mod show;
pub mod uninstall;
pub mod venv;
pub mod workon;
