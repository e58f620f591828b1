//! Cancellation and progress shared between a worker and whoever watches it.
//!
//! Long loops call [`Control::check`] every few million steps; the Python bindings poll
//! [`Control::snapshot`] from the interpreter thread to draw progress bars and set the
//! cancel flag on Ctrl-C. All fields are atomics, so a `&Control` is all a worker needs.
//!
//! Publishing output (renaming a finished file into place) is guarded by
//! [`Control::commit`]: once a worker has committed, [`Control::cancel`] says so and the
//! caller lets the work complete; once a caller has cancelled, `commit` fails. So a call
//! that reports cancellation never published anything, whatever the timing.

use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};

const RUNNING: u8 = 0;
const CANCELLED: u8 = 1;
const COMMITTED: u8 = 2;

use crate::util::error::{Error, Result};

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
    "vote",
    "self-train",
    "tag",
    "spill keys",
];

#[derive(Default, Debug)]
pub struct Control {
    /// RUNNING, CANCELLED or COMMITTED
    state: AtomicU8,
    stage: AtomicUsize,
    done: AtomicU64,
    total: AtomicU64,
}

impl Control {
    pub fn new() -> Self {
        Self::default()
    }

    /// Ask the work to stop. `true`: it will stop without publishing anything; `false`:
    /// it had already committed its output and will complete.
    pub fn cancel(&self) -> bool {
        match self.state.compare_exchange(RUNNING, CANCELLED, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => true,
            Err(state) => state == CANCELLED,
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.state.load(Ordering::Acquire) == CANCELLED
    }

    /// The point of no return before publishing output: `Err(Cancelled)` if the work was
    /// cancelled; afterwards [`cancel`](Self::cancel) can no longer stop it.
    pub fn commit(&self) -> Result<()> {
        match self.state.compare_exchange(RUNNING, COMMITTED, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) | Err(COMMITTED) => Ok(()),
            Err(_) => Err(Error::Cancelled),
        }
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
        debug_assert!(STAGES.contains(&name), "stage {name:?} is not in STAGES");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_and_commit_exclude_each_other() {
        let ctl = Control::new();
        assert!(ctl.check().is_ok());
        assert!(ctl.cancel()); // running: the work will stop
        assert!(ctl.cancel()); // asking twice changes nothing
        assert!(ctl.is_cancelled() && ctl.check().is_err() && ctl.advance(1).is_err());
        assert!(matches!(ctl.commit(), Err(Error::Cancelled))); // nothing may be published

        let ctl = Control::new();
        assert!(ctl.commit().is_ok());
        assert!(ctl.commit().is_ok()); // several outputs may be published
        assert!(!ctl.cancel()); // too late: the work completes
        assert!(!ctl.is_cancelled() && ctl.check().is_ok());
    }

    #[test]
    fn racing_cancel_and_commit_agree() {
        for _ in 0..200 {
            let ctl = Control::new();
            let (stopped, committed) = std::thread::scope(|s| {
                let c = s.spawn(|| ctl.commit().is_ok());
                (ctl.cancel(), c.join().unwrap_or(false))
            });
            assert!(stopped != committed, "cancel {stopped}, commit {committed}");
        }
    }
}
