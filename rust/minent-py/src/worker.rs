//! Long calls on a worker thread: the GIL released, Ctrl-C polled, the progress callback fed.

use std::panic::AssertUnwindSafe;
use std::sync::{mpsc, Arc};
use std::time::Duration;

use minent_core::{self as core, Control};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use crate::errors::to_py;

/// Run `work` on a worker thread with the GIL released. Every 100 ms this thread checks
/// for signals and calls `progress(stage, done, total)` when given. Ctrl-C (or an error
/// from the callback) cancels the work: the worker stops at its next check, and this
/// thread raises within half a second even if the worker is inside a step that cannot be
/// interrupted (suffix-array construction); the worker then finishes in the background and
/// its result is dropped — cancelled work never writes its output (atomic writes).
pub(crate) fn run_heavy<T: Send + 'static>(
    py: Python<'_>,
    progress: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce(&Control) -> core::Result<T> + Send + 'static,
) -> PyResult<T> {
    run_heavy_while(py, progress, work, || Ok(())).map(|(t, ())| t)
}

/// [`run_heavy`], running `meanwhile` on this thread (with the GIL) once the worker has
/// started: Python objects the result will need are made while the worker computes it.
/// If `meanwhile` fails, the work is cancelled as for Ctrl-C.
pub(crate) fn run_heavy_while<T: Send + 'static, M>(
    py: Python<'_>,
    progress: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce(&Control) -> core::Result<T> + Send + 'static,
    meanwhile: impl FnOnce() -> PyResult<M>,
) -> PyResult<(T, M)> {
    let ctl = Arc::new(Control::new());
    let (tx, rx) = mpsc::channel();
    let worker_ctl = ctl.clone();
    std::thread::Builder::new()
        .name("minent-worker".into())
        .spawn(move || {
            let result = std::panic::catch_unwind(AssertUnwindSafe(|| work(&worker_ctl)));
            let _ = tx.send(result);
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a worker thread: {e}")))?;
    let made = match meanwhile() {
        Ok(m) => m,
        Err(e) => {
            ctl.cancel();
            let _ = py.detach(move || rx.recv_timeout(Duration::from_millis(500)));
            return Err(e);
        }
    };
    let mut rx = rx;
    loop {
        let (back, got) = py.detach(move || {
            let got = rx.recv_timeout(Duration::from_millis(100));
            (rx, got)
        });
        rx = back;
        let report = |cb: &Bound<'_, PyAny>| {
            let (stage, done, total) = ctl.snapshot();
            cb.call1((stage, done, total)).map(|_| ())
        };
        match got {
            Ok(Ok(result)) => {
                if let Some(cb) = progress {
                    report(cb)?;
                }
                return result.map(|t| (t, made)).map_err(|e| to_py(py, e));
            }
            Ok(Err(_panic)) => {
                return Err(PyRuntimeError::new_err(
                    "internal error in minent_fast (a bug: please report it with the input that caused it)",
                ))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err("minent_fast worker thread vanished"))
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let interrupted = py.check_signals().and_then(|_| progress.map(report).unwrap_or(Ok(())));
                if let Err(e) = interrupted {
                    if ctl.cancel() {
                        // give the worker a moment to stop cleanly, but never block the caller
                        let _ = py.detach(move || rx.recv_timeout(Duration::from_millis(500)));
                        return Err(e);
                    }
                    // The worker had already committed (its output is complete and on disk;
                    // only the rename is left): let it finish, then raise. So the output is
                    // either absent or complete, never half-written.
                    let _ = py.detach(move || rx.recv());
                    return Err(e);
                }
            }
        }
    }
}
