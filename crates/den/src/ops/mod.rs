//! The operations commands run, one function each over plain settings (cargo's `ops`): no
//! clap types, so commands, other operations and tests call them alike. Commands turn their
//! arguments into settings (`crate::cli`), find the environment, call one operation and print
//! its outcome.

pub mod compile;
pub mod download;
pub mod install;
pub mod latest;
pub mod pipeline;
pub mod pipenv;
pub mod pylock;
pub mod repair;
pub mod report;
pub mod settings;
pub mod uninstall;

pub use compile::{CompileSettings, OutputFormat, compile};
pub use download::{DownloadSettings, download};
pub use install::{Exactness, InstallSettings, install};
pub use uninstall::uninstall;
