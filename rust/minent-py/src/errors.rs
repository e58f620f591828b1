//! Core errors as the Python exceptions users are promised: `minent_fast.errors` classes
//! for corpus and index problems, the matching built-ins for the rest.

use minent_core as core;
use pyo3::exceptions::{
    PyFileNotFoundError, PyIsADirectoryError, PyKeyboardInterrupt, PyOSError, PyPermissionError, PyValueError,
};
use pyo3::prelude::*;

/// Convert a core error into the Python exception users are promised (API.md).
pub(crate) fn to_py(py: Python<'_>, err: core::Error) -> PyErr {
    match err {
        core::Error::Io { path, source } => {
            let filename = path.display().to_string();
            let args = |msg: String| match source.raw_os_error() {
                Some(code) => (code, msg, filename.clone()),
                None => (0, msg, filename.clone()),
            };
            let msg = source.to_string();
            match source.kind() {
                std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(args("No such file or directory".into())),
                std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(args(msg)),
                std::io::ErrorKind::IsADirectory => PyIsADirectoryError::new_err(args("Is a directory".into())),
                _ => PyOSError::new_err(args(msg)),
            }
        }
        core::Error::InvalidUtf8 { ref path, offset } => {
            let msg = err.to_string();
            python_error(py, "CorpusError", msg, Some(path.display().to_string()), Some(offset))
        }
        core::Error::CorruptIndex { ref path, .. } => {
            let msg = err.to_string();
            python_error(py, "IndexFormatError", msg, Some(path.display().to_string()), None)
        }
        core::Error::InvalidArgument(msg) => PyValueError::new_err(msg),
        core::Error::Cancelled => PyKeyboardInterrupt::new_err("cancelled"),
    }
}

/// Instantiate `minent_fast.errors.<name>(msg)` with `path`/`offset` attributes.
fn python_error(py: Python<'_>, name: &str, msg: String, path: Option<String>, offset: Option<u64>) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let cls = py.import("minent_fast.errors")?.getattr(name)?;
        let exc = cls.call1((msg.clone(),))?;
        exc.setattr("path", path.clone())?;
        exc.setattr("offset", offset)?;
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|e| e)
}

pub(crate) fn core_err<T>(py: Python<'_>, r: core::Result<T>) -> PyResult<T> {
    r.map_err(|e| to_py(py, e))
}
