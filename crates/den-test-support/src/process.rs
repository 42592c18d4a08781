//! Running a program with something to read on its standard input.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `command` with `input` on its stdin (then closed) and both output streams captured;
/// waits for it and returns what it printed.
///
/// # Panics
///
/// When the program cannot be started or its stdin written: in a test, the clearest report.
pub fn output_with_input(command: &mut Command, input: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {command:?}: {err}"));
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .unwrap_or_else(|err| panic!("cannot write to the stdin of {command:?}: {err}"));
    child.wait_with_output().unwrap()
}
