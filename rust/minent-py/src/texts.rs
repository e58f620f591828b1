//! Python strs read in place as core texts, and words made into Python strs.

use minent_core::Text;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PySequence, PyString, PyStringData, PyTuple};

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
        // SAFETY: `data` decodes CPython's string header bitfield, whose layout PyO3 tests
        // on x86_64 (the wheels built here; the binding's tests check the results on
        // Latin-1, UCS-2 and UCS-4 strs). The slices are re-borrowed for 'a: `held` owns
        // a reference to each str for 'a, and a shared str's code units never change.
        let text = unsafe {
            match s.data()? {
                PyStringData::Ucs1(u) => Text::Latin1(std::slice::from_raw_parts(u.as_ptr(), u.len())),
                PyStringData::Ucs2(u) => Text::Ucs2(std::slice::from_raw_parts(u.as_ptr(), u.len())),
                PyStringData::Ucs4(u) => Text::Ucs4(std::slice::from_raw_parts(u.as_ptr(), u.len())),
            }
        };
        if scalar_only && text.has_surrogate() {
            return Err(PyValueError::new_err(format!(
                "text {i} holds a lone surrogate, which is not a character: decode the input with errors='replace' (or keep filtering on, which drops it)"
            )));
        }
        out.push(text);
    }
    Ok(out)
}

/// `w` as a Python str, built from its code units (CPython picks the narrowest storage):
/// CPython keeps Chinese text as UCS-2, and decoding UTF-8 into it (scan, widen, copy)
/// took about half as long again for the 70k words of the novels. `units` is scratch.
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

/// Scratch buffers of [`str_of`].
#[derive(Default)]
pub(crate) struct Units {
    bmp: Vec<u16>,
    all: Vec<u32>,
}
