//! What every stage uses: the error type ([`error`]), cancellation and progress
//! ([`control`]), atomic and streamed file output ([`atomic`]), sentences as UTF-8 or a
//! Python str's code units ([`text`]), ordered and merged counts ([`ordered`]), thread
//! pools ([`pool`]). Depends on no stage.

pub mod atomic;
pub mod control;
pub mod error;
pub mod ordered;
pub mod pool;
pub mod text;
