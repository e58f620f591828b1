//! Python strs read in place as core texts, and words made into Python strs.

use minent_core::Text;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
#[cfg(not(feature = "abi3"))]
use pyo3::types::PyStringData;
use pyo3::types::{PySequence, PyString, PyTuple};

/// A sequence of str as a tuple (the sequence itself if it is one), which keeps the
/// strs alive while [`texts`] borrows them.
pub(crate) fn str_tuple<'py>(lines: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyTuple>> {
    if lines.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err("texts must be a sequence of str (e.g. a list of lines), not one str"));
    }
    lines.cast::<PySequence>()?.to_tuple()
}

/// The strs of `held` as core texts, read in place: no UTF-8 copy (Python would make one
/// per str, and the core would decode it again). `scalar_only`: refuse strs holding lone
/// surrogates, which cannot be counted as characters unless a filter drops them.
pub(crate) fn texts<'a>(held: &'a Bound<'_, PyTuple>, scalar_only: bool) -> PyResult<Vec<Text<'a>>> {
    let mut out = Vec::with_capacity(held.len());
    for (i, item) in held.iter_borrowed().enumerate() {
        let s = item.cast::<PyString>().map_err(|_| {
            let name = item.get_type().name().map_or_else(|_| "?".into(), |n| n.to_string());
            PyTypeError::new_err(format!("texts must contain str, not {name}"))
        })?;
        // the stable ABI has no view of a str's code units: its UTF-8 form, which CPython
        // makes once and keeps with the str (lone surrogates: see `utf8_ready`)
        // SAFETY: the buffer CPython returns lives as long as the str, which `held` keeps
        // for 'a, and is valid UTF-8 of `size` bytes; null (a lone surrogate) is an error
        #[cfg(feature = "abi3")]
        let text = unsafe {
            let mut size: pyo3::ffi::Py_ssize_t = 0;
            let ptr = pyo3::ffi::PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut size);
            if ptr.is_null() {
                drop(PyErr::take(s.py()));
                return Err(surrogate_error(i));
            }
            Text::Utf8(std::str::from_utf8_unchecked(std::slice::from_raw_parts(ptr.cast::<u8>(), size as usize)))
        };
        // SAFETY: `data` decodes CPython's string header bitfield, whose layout PyO3 tests
        // on x86_64 (the wheels built here; the binding's tests check the results on
        // Latin-1, UCS-2 and UCS-4 strs). The slices are re-borrowed for 'a: `held` owns
        // a reference to each str for 'a, and a shared str's code units never change.
        #[cfg(not(feature = "abi3"))]
        let text = unsafe {
            match s.data()? {
                PyStringData::Ucs1(u) => Text::Latin1(std::slice::from_raw_parts(u.as_ptr(), u.len())),
                PyStringData::Ucs2(u) => Text::Ucs2(std::slice::from_raw_parts(u.as_ptr(), u.len())),
                PyStringData::Ucs4(u) => Text::Ucs4(std::slice::from_raw_parts(u.as_ptr(), u.len())),
            }
        };
        if scalar_only && text.has_surrogate() {
            return Err(surrogate_error(i));
        }
        out.push(text);
    }
    Ok(out)
}

fn surrogate_error(i: usize) -> PyErr {
    PyValueError::new_err(format!(
        "text {i} holds a lone surrogate, which is not a character: decode the input with errors='replace' (or keep filtering on, which drops it)"
    ))
}

/// `held` ready for [`texts`]. With the stable ABI a str holding a lone surrogate has no
/// UTF-8 form: unless `scalar_only` (where [`texts`] refuses it), such strs are replaced,
/// in a new tuple, by copies with U+FFFD in place of each surrogate (not symbols either,
/// so a filtering count is the same). Otherwise `held` itself.
pub(crate) fn utf8_ready<'py>(held: Bound<'py, PyTuple>, scalar_only: bool) -> PyResult<Bound<'py, PyTuple>> {
    #[cfg(feature = "abi3")]
    if !scalar_only {
        let bad = |x: &Bound<'py, PyAny>| x.cast::<PyString>().is_ok_and(|s| s.to_str().is_err());
        if held.iter().any(|x| bad(&x)) {
            let py = held.py();
            let items: Vec<Bound<'py, PyAny>> = held
                .iter()
                .map(|x| match x.cast::<PyString>() {
                    Ok(s) if s.to_str().is_err() => PyString::new(py, &s.to_string_lossy()).into_any(),
                    _ => x,
                })
                .collect();
            return PyTuple::new(py, items);
        }
    }
    let _ = scalar_only;
    Ok(held)
}

/// `w` as a Python str, built from its code units (CPython picks the narrowest storage):
/// CPython keeps Chinese text as UCS-2, and decoding UTF-8 into it (scan, widen, copy)
/// took about half as long again for the 70k words of the novels. `units` is scratch.
#[cfg(not(feature = "abi3"))]
pub(crate) fn str_of<'py>(py: Python<'py>, w: &str, units: &mut Units) -> PyResult<Bound<'py, PyAny>> {
    units.bmp.clear();
    let mut wide = false;
    for c in w.chars() {
        wide |= c as u32 > 0xFFFF;
        units.bmp.push(c as u16);
    }
    // SAFETY: valid buffers of `len` code units of the given kind (chars of a str: no
    // surrogates), which CPython copies before returning
    let ptr = unsafe {
        if wide {
            units.all.clear();
            units.all.extend(w.chars().map(|c| c as u32));
            pyo3::ffi::PyUnicode_FromKindAndData(pyo3::ffi::PyUnicode_4BYTE_KIND as _, units.all.as_ptr().cast(), units.all.len() as _)
        } else {
            pyo3::ffi::PyUnicode_FromKindAndData(pyo3::ffi::PyUnicode_2BYTE_KIND as _, units.bmp.as_ptr().cast(), units.bmp.len() as _)
        }
    };
    unsafe { Bound::from_owned_ptr_or_err(py, ptr) }
}

/// `w` as a Python str (the stable ABI takes UTF-8 only).
#[cfg(feature = "abi3")]
pub(crate) fn str_of<'py>(py: Python<'py>, w: &str, _units: &mut Units) -> PyResult<Bound<'py, PyAny>> {
    Ok(PyString::new(py, w).into_any())
}

/// Scratch buffers of [`str_of`].
#[derive(Default)]
#[cfg_attr(feature = "abi3", allow(dead_code))]
pub(crate) struct Units {
    bmp: Vec<u16>,
    all: Vec<u32>,
}
