//! Ctrl-C and SIGTERM. Outside a critical section a signal ends den at once with exit code 130:
//! nothing in an environment is being changed then, so nothing is lost, except an environment
//! still being made, which is removed first ([`DiscardOnSignal`]). Inside one (while
//! distributions are placed into an environment) the signal is only recorded: the section
//! finishes the distribution in hand and starts no other, so each distribution is either
//! whole or absent.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// How many critical sections are open.
static CRITICAL: AtomicUsize = AtomicUsize::new(0);
/// Whether a signal arrived during a critical section.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// The environment being made, removed when a signal ends den.
static BEING_MADE: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Installs the process-wide handler. If another handler is already set (only in tests that
/// call commands in-process), signals keep their default behaviour.
pub fn install_handler() {
    let result = ctrlc::set_handler(|| {
        if CRITICAL.load(Ordering::SeqCst) > 0 {
            INTERRUPTED.store(true, Ordering::SeqCst);
            crate::printer::write_stderr(format_args!(
                "interrupted: finishing the distribution being installed, then stopping\n"
            ));
        } else {
            discard_being_made();
            std::process::exit(130);
        }
    });
    if let Err(err) = result {
        tracing::debug!("no signal handler installed: {err}");
    }
}

/// Removes the environment registered by a live [`DiscardOnSignal`], if any. Retried a few
/// times: the main thread may still be adding files to it.
fn discard_being_made() {
    let Some(root) = BEING_MADE.lock().ok().and_then(|mut slot| slot.take()) else {
        return;
    };
    for _ in 0..3 {
        match std::fs::remove_dir_all(&root) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => continue,
            _ => return,
        }
    }
    crate::printer::write_stderr(format_args!(
        "interrupted: could not remove the half-made environment {}; delete it before running \
         the command again\n",
        root.display()
    ));
}

/// While alive, a signal that ends den (outside a critical section) first removes the
/// environment at `root`, which is being made: a half-made environment under the wanted name
/// would make a retry fail with "already exists".
#[derive(Debug)]
pub struct DiscardOnSignal(());

impl DiscardOnSignal {
    /// Registers `root` (one at a time; a later registration replaces an earlier one).
    pub fn new(root: PathBuf) -> Self {
        if let Ok(mut slot) = BEING_MADE.lock() {
            *slot = Some(root);
        }
        Self(())
    }
}

impl Drop for DiscardOnSignal {
    fn drop(&mut self) {
        if let Ok(mut slot) = BEING_MADE.lock() {
            *slot = None;
        }
    }
}

/// Whether a signal asked den to stop during a critical section.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// While alive, signals are deferred (see the module docs).
#[derive(Debug)]
pub struct CriticalSection(());

impl CriticalSection {
    /// Opens a critical section.
    pub fn enter() -> Self {
        CRITICAL.fetch_add(1, Ordering::SeqCst);
        Self(())
    }
}

impl Drop for CriticalSection {
    fn drop(&mut self) {
        CRITICAL.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signal_removes_only_the_environment_still_being_made() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("env");
        std::fs::create_dir_all(root.join("bin")).unwrap();
        let guard = DiscardOnSignal::new(root.clone());
        discard_being_made();
        assert!(!root.exists());
        drop(guard);

        std::fs::create_dir(&root).unwrap();
        drop(DiscardOnSignal::new(root.clone()));
        discard_being_made();
        assert!(root.exists(), "a finished environment is kept");
    }
}
