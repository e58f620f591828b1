//! Thread pools: every parallel call runs on the global rayon pool or, when the caller
//! asks for a number of threads, on a pool of its own.

use crate::util::error::{Error, Result};

/// Run `f` on a rayon pool with `num_threads` threads (the global pool when None).
pub(crate) fn in_pool<T: Send>(num_threads: Option<usize>, f: impl FnOnce() -> Result<T> + Send) -> Result<T> {
    match num_threads {
        None => f(),
        Some(0) => Err(Error::arg("num_threads must be at least 1")),
        Some(n) if n > 1024 => Err(Error::arg(format!("num_threads must be at most 1024, got {n}"))),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| Error::arg(format!("cannot start {n} threads: {e}")))?
            .install(f),
    }
}
