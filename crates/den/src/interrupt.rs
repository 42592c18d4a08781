//! Ctrl-C and SIGTERM. Outside a critical section a signal ends den at once with exit code 130:
//! nothing in an environment is being changed then, so nothing is lost. Inside one (while
//! distributions are placed into an environment) the signal is only recorded: the section
//! finishes the distribution in hand and starts no other, so each distribution is either
//! whole or absent.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// How many critical sections are open.
static CRITICAL: AtomicUsize = AtomicUsize::new(0);
/// Whether a signal arrived during a critical section.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Installs the process-wide handler. If another handler is already set (only in tests that
/// call commands in-process), signals keep their default behaviour.
pub fn install_handler() {
    let result = ctrlc::set_handler(|| {
        if CRITICAL.load(Ordering::SeqCst) > 0 {
            INTERRUPTED.store(true, Ordering::SeqCst);
            eprintln!("interrupted: finishing the distribution being installed, then stopping");
        } else {
            std::process::exit(130);
        }
    });
    if let Err(err) = result {
        tracing::debug!("no signal handler installed: {err}");
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
