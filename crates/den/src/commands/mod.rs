//! One module per command; each only wires library crates together and prints.

pub mod freeze;
pub mod install;
pub mod list;
pub mod show;
pub mod uninstall;
pub mod venv;
