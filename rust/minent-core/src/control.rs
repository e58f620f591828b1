//! Cancellation and progress shared between a worker and whoever watches it.
//!
//! Long loops call [`Control::check`] every few million steps; the Python bindings poll
//! [`Control::snapshot`] from the interpreter thread to draw progress bars and set the
//! cancel flag on Ctrl-C. All fields are atomics, so a `&Control` is all a worker needs.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use crate::error::{Error, Result};

/// Names of the stages reported by long operations, in the order they usually run.
pub const STAGES: &[&str] = &[
    "idle",
    "validate",
    "count chars",
    "encode",
    "suffix array",
    "lcp",
    "write",
    "verify",
    "ngrams",
    "sort",
    "segment",
    "redundancy",
];

#[derive(Default, Debug)]
pub struct Control {
    cancelled: AtomicBool,
    stage: AtomicUsize,
    done: AtomicU64,
    total: AtomicU64,
}

impl Control {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// `Err(Cancelled)` once [`cancel`](Self::cancel) was called.
    pub fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Enter a stage (a name from [`STAGES`]) with `total` units of work.
    pub fn stage(&self, name: &str, total: u64) -> Result<()> {
        let idx = STAGES.iter().position(|s| *s == name).unwrap_or(0);
        self.stage.store(idx, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
        self.check()
    }

    /// Add `units` of finished work to the current stage and check for cancellation.
    pub fn advance(&self, units: u64) -> Result<()> {
        self.done.fetch_add(units, Ordering::Relaxed);
        self.check()
    }

    /// (stage name, done, total) for a progress display.
    pub fn snapshot(&self) -> (&'static str, u64, u64) {
        let idx = self.stage.load(Ordering::Relaxed);
        (
            STAGES.get(idx).copied().unwrap_or("idle"),
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }
}
