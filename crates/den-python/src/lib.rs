//! Python interpreter discovery.
//!
//! SKELETON (to be completed by the den-python work): see `interpreter.rs` for the
//! `Interpreter` facts every other crate consumes.

mod interpreter;

pub use interpreter::{Interpreter, InterpreterError, SysconfigPaths};
