//! `minent_fast._core`: thin PyO3 wrappers over minent-core.
//!
//! Rules kept here: extract Python arguments first, then run the Rust work with the GIL
//! released; long calls run on a worker thread while this thread polls for Ctrl-C and
//! feeds the progress callback (or, in `WordFinder.finish_find`, builds the Python result
//! meanwhile); core errors map onto the exception classes of `minent_fast.errors` (or the
//! matching built-ins).

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use minent_core::templates;
use minent_core::{
    self as core, Control, CorpusIndex, Lexicon, NgramOrder, Scratch, Segmenter, Side, Text, Tokenizer, WordFinder,
};
use numpy::{IntoPyArray, PyArray1};
use pyo3::exceptions::{
    PyFileNotFoundError, PyIsADirectoryError, PyKeyboardInterrupt, PyOSError, PyPermissionError, PyRuntimeError,
    PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyBytes, PyDict, PyList, PySequence, PyString, PyStringData, PyTuple};

/// Convert a core error into the Python exception users are promised (API.md).
fn to_py(py: Python<'_>, err: core::Error) -> PyErr {
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

/// Run `work` on a worker thread with the GIL released. Every 100 ms this thread checks
/// for signals and calls `progress(stage, done, total)` when given. Ctrl-C (or an error
/// from the callback) cancels the work: the worker stops at its next check, and this
/// thread raises within half a second even if the worker is inside a step that cannot be
/// interrupted (suffix-array construction); the worker then finishes in the background and
/// its result is dropped — cancelled work never writes its output (atomic writes).
fn run_heavy<T: Send + 'static>(
    py: Python<'_>,
    progress: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce(&Control) -> core::Result<T> + Send + 'static,
) -> PyResult<T> {
    run_heavy_while(py, progress, work, || Ok(())).map(|(t, ())| t)
}

/// [`run_heavy`], running `meanwhile` on this thread (with the GIL) once the worker has
/// started: Python objects the result will need are made while the worker computes it.
/// If `meanwhile` fails, the work is cancelled as for Ctrl-C.
fn run_heavy_while<T: Send + 'static, M>(
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

fn core_err<T>(py: Python<'_>, r: core::Result<T>) -> PyResult<T> {
    r.map_err(|e| to_py(py, e))
}

/// A corpus index (see minent_fast.CorpusIndex for the documented wrapper).
#[pyclass(frozen, name = "CorpusIndex", module = "minent_fast._core")]
struct PyCorpusIndex {
    inner: Arc<CorpusIndex>,
}

#[pymethods]
impl PyCorpusIndex {
    #[staticmethod]
    #[pyo3(signature = (sources, *, segmenter = "han", num_threads = None, progress = None, ranges = None, names = None))]
    fn build(
        py: Python<'_>,
        sources: Vec<PathBuf>,
        segmenter: &str,
        num_threads: Option<usize>,
        progress: Option<Bound<'_, PyAny>>,
        ranges: Option<Vec<Option<(u64, u64)>>>,
        names: Option<Vec<String>>,
    ) -> PyResult<Self> {
        let seg = core_err(py, Segmenter::parse(segmenter))?;
        let ranges = ranges.unwrap_or_default();
        let index = run_heavy(py, progress.as_ref(), move |ctl| {
            let mut index = CorpusIndex::build_ranges(&sources, &ranges, seg, num_threads, ctl)?;
            if let Some(names) = names {
                index.rename_sources(names)?;
            }
            Ok(index)
        })?;
        Ok(PyCorpusIndex { inner: Arc::new(index) })
    }

    #[staticmethod]
    #[pyo3(signature = (path, *, verify = true, progress = None))]
    fn open(py: Python<'_>, path: PathBuf, verify: bool, progress: Option<Bound<'_, PyAny>>) -> PyResult<Self> {
        let index = run_heavy(py, progress.as_ref(), move |ctl| CorpusIndex::open(&path, verify, ctl))?;
        Ok(PyCorpusIndex { inner: Arc::new(index) })
    }

    /// Save into directory `path` (atomic); returns the index file's path.
    #[pyo3(signature = (path, *, progress = None))]
    fn save(&self, py: Python<'_>, path: PathBuf, progress: Option<Bound<'_, PyAny>>) -> PyResult<String> {
        let inner = self.inner.clone();
        let file = run_heavy(py, progress.as_ref(), move |ctl| inner.save(&path, ctl))?;
        Ok(file.display().to_string())
    }

    #[getter]
    fn num_chars(&self) -> u64 {
        self.inner.num_chars()
    }
    #[getter]
    fn num_segments(&self) -> u64 {
        self.inner.num_segments()
    }
    #[getter]
    fn vocab_size(&self) -> usize {
        self.inner.vocab_size()
    }
    #[getter]
    fn segmenter(&self) -> &'static str {
        self.inner.segmenter().name()
    }
    #[getter]
    fn sources(&self) -> Vec<String> {
        self.inner.sources().to_vec()
    }
    #[getter]
    fn path(&self) -> Option<String> {
        self.inner.path().map(|p| p.display().to_string())
    }

    fn count(&self, py: Python<'_>, s: &str) -> PyResult<u64> {
        core_err(py, self.inner.count(s))
    }

    fn count_many<'py>(&self, py: Python<'py>, strings: Vec<String>) -> PyResult<Bound<'py, PyArray1<u64>>> {
        let inner = self.inner.clone();
        let counts = py.detach(move || inner.count_many(&strings));
        Ok(core_err(py, counts)?.into_pyarray(py))
    }

    /// (utf8 bytes, int64 offsets, uint64 counts) of all n-grams with min_n <= n <= max_n.
    #[pyo3(signature = (min_n, max_n, min_count = 1, order = "count", num_threads = None, progress = None))]
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    fn ngrams<'py>(
        &self,
        py: Python<'py>,
        min_n: usize,
        max_n: usize,
        min_count: u64,
        order: &str,
        num_threads: Option<usize>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyArray1<u8>>, Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<u64>>)> {
        let order = core_err(py, NgramOrder::parse(order))?;
        let inner = self.inner.clone();
        let table = run_heavy(py, progress.as_ref(), move |ctl| {
            inner.ngrams(min_n, max_n, min_count, order, num_threads, ctl)
        })?;
        Ok((table.data.into_pyarray(py), table.offsets.into_pyarray(py), table.counts.into_pyarray(py)))
    }

    #[pyo3(signature = (s, side = "right"))]
    fn neighbors<'py>(&self, py: Python<'py>, s: &str, side: &str) -> PyResult<(Vec<String>, Bound<'py, PyArray1<u64>>)> {
        let side = core_err(py, Side::parse(side))?;
        let inner = self.inner.clone();
        let s = s.to_string();
        let rows = core_err(py, py.detach(move || inner.neighbors(&s, side)))?;
        let (chars, counts): (Vec<String>, Vec<u64>) = rows.into_iter().map(|(c, n)| (c.to_string(), n)).unzip();
        Ok((chars, counts.into_pyarray(py)))
    }

    #[pyo3(signature = (s, side = "right"))]
    fn branching_entropy(&self, py: Python<'_>, s: &str, side: &str) -> PyResult<f64> {
        let side = core_err(py, Side::parse(side))?;
        let inner = self.inner.clone();
        let s = s.to_string();
        core_err(py, py.detach(move || inner.branching_entropy(&s, side)))
    }

    fn pmi(&self, py: Python<'_>, s: &str) -> PyResult<f64> {
        core_err(py, self.inner.pmi(s))
    }

    fn char_entropy(&self) -> f64 {
        self.inner.char_entropy()
    }

    /// (characters, uint64 counts) in code-point order.
    fn char_counts<'py>(&self, py: Python<'py>) -> (Vec<String>, Bound<'py, PyArray1<u64>>) {
        let (chars, counts): (Vec<String>, Vec<u64>) =
            self.inner.char_counts().into_iter().map(|(c, n)| (c.to_string(), n)).unzip();
        (chars, counts.into_pyarray(py))
    }
}

/// An immutable word -> count table with a double-array trie (see minent_fast.Lexicon).
#[pyclass(frozen, name = "Lexicon", module = "minent_fast._core")]
struct PyLexicon {
    inner: Arc<Lexicon>,
}

#[pymethods]
impl PyLexicon {
    /// Build from parallel lists; later duplicates win, zero counts drop the word.
    #[new]
    fn new(py: Python<'_>, words: Vec<String>, counts: Vec<u64>) -> PyResult<Self> {
        if words.len() != counts.len() {
            return Err(PyValueError::new_err("words and counts differ in length"));
        }
        let lex = py.detach(move || Lexicon::from_pairs(words.into_iter().zip(counts)));
        Ok(PyLexicon { inner: Arc::new(core_err(py, lex)?) })
    }

    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let lex = py.detach(move || Lexicon::load(&path));
        Ok(PyLexicon { inner: Arc::new(core_err(py, lex)?) })
    }

    #[staticmethod]
    #[pyo3(signature = (text, origin = "<string>"))]
    fn parse(py: Python<'_>, text: &str, origin: &str) -> PyResult<Self> {
        let lex = Lexicon::parse(text, std::path::Path::new(origin));
        Ok(PyLexicon { inner: Arc::new(core_err(py, lex)?) })
    }

    /// A checksummed binary image including the built trie (a cache format).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let inner = self.inner.clone();
        let bytes = py.detach(move || inner.to_bytes());
        PyBytes::new(py, &bytes)
    }

    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let data = data.to_vec();
        let lex = py.detach(move || Lexicon::from_bytes(&data));
        Ok(PyLexicon { inner: Arc::new(core_err(py, lex)?) })
    }

    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        let inner = self.inner.clone();
        core_err(py, py.detach(move || inner.save(&path)))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
    #[getter]
    fn total(&self) -> u64 {
        self.inner.total()
    }
    fn get(&self, word: &str) -> u64 {
        self.inner.get(word)
    }
    fn contains(&self, word: &str) -> bool {
        self.inner.id(word).is_some()
    }
    #[getter]
    fn max_word_chars(&self) -> usize {
        self.inner.max_word_chars()
    }
    /// (words, uint64 counts), count descending then by word.
    fn items<'py>(&self, py: Python<'py>) -> (Vec<String>, Bound<'py, PyArray1<u64>>) {
        let ids = self.inner.ids_by_count();
        let words = ids.clone().map(|i| self.inner.word(i).to_string()).collect();
        let counts: Vec<u64> = ids.map(|i| self.inner.count_of_id(i)).collect();
        (words, counts.into_pyarray(py))
    }
}

/// Unigram Viterbi segmenter with nlp-zero Tokenizer semantics (see minent_fast.Tokenizer).
#[pyclass(frozen, name = "Tokenizer", module = "minent_fast._core")]
struct PyTokenizer {
    inner: Arc<Tokenizer>,
}

#[pymethods]
impl PyTokenizer {
    #[new]
    #[pyo3(signature = (lexicon, *, null_score = -100.0, combine_alnum = true))]
    fn new(lexicon: &PyLexicon, null_score: f64, combine_alnum: bool) -> PyResult<Self> {
        if !null_score.is_finite() {
            return Err(PyValueError::new_err("null_score must be a finite number"));
        }
        Ok(PyTokenizer { inner: Arc::new(Tokenizer::new(lexicon.inner.clone(), null_score, combine_alnum)) })
    }

    /// A tokenizer maximising the sum of explicit per-word scores (words -> score).
    #[staticmethod]
    #[pyo3(signature = (words, scores, *, null_score = -100.0, combine_alnum = true))]
    fn with_scores(py: Python<'_>, words: Vec<String>, scores: Vec<f64>, null_score: f64, combine_alnum: bool) -> PyResult<Self> {
        if words.len() != scores.len() {
            return Err(PyValueError::new_err("words and scores differ in length"));
        }
        if !null_score.is_finite() {
            return Err(PyValueError::new_err("null_score must be a finite number"));
        }
        let lex = core_err(py, Lexicon::from_pairs(words.iter().map(|w| (w.as_str(), 1u64))))?;
        let mut by_id = vec![0.0; lex.len()];
        for (w, s) in words.iter().zip(&scores) {
            if let Some(id) = lex.id(w) {
                by_id[id] = *s;
            }
        }
        let tok = core_err(py, Tokenizer::with_scores(Arc::new(lex), by_id, null_score, combine_alnum))?;
        Ok(PyTokenizer { inner: Arc::new(tok) })
    }

    /// Counts of the word tokens (CJK/ASCII alphanumeric only) of segmented files.
    #[pyo3(signature = (sources, num_threads = None, progress = None, symbols = "han", pairs = false))]
    fn count_tokens<'py>(
        &self,
        py: Python<'py>,
        sources: Vec<PathBuf>,
        num_threads: Option<usize>,
        progress: Option<Bound<'py, PyAny>>,
        symbols: &str,
        pairs: bool,
    ) -> PyResult<(Vec<String>, Bound<'py, PyArray1<u64>>)> {
        let inner = self.inner.clone();
        let symbols = core_err(py, Segmenter::parse(symbols))?;
        let rows = run_heavy(py, progress.as_ref(), move |ctl| {
            inner.count_tokens(&sources, symbols, pairs, num_threads, ctl)
        })?;
        let (w, c): (Vec<String>, Vec<u64>) = rows.into_iter().unzip();
        Ok((w, c.into_pyarray(py)))
    }

    #[getter]
    fn null_score(&self) -> f64 {
        self.inner.null_score
    }
    #[getter]
    fn combine_alnum(&self) -> bool {
        self.inner.combine_alnum
    }
    #[getter]
    fn lexicon(&self) -> PyLexicon {
        PyLexicon { inner: self.inner.lexicon().clone() }
    }

    fn tokenize(&self, sent: &str) -> Vec<String> {
        let mut scratch = Scratch::default();
        self.inner.tokenize(sent, &mut scratch).into_iter().map(String::from).collect()
    }

    #[pyo3(signature = (lines, num_threads = None))]
    fn tokenize_batch<'py>(
        &self,
        py: Python<'py>,
        lines: Vec<PyBackedStr>,
        num_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyList>> {
        let inner = self.inner.clone();
        let (lines, spans) = py.detach(move || {
            let spans = inner.tokenize_batch(&lines, num_threads);
            (lines, spans)
        });
        let spans = core_err(py, spans)?;
        let rows = lines
            .iter()
            .zip(spans)
            .map(|(line, sp)| PyList::new(py, sp.into_iter().map(|r| &line[r])))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, rows)
    }

    /// Segment a file line by line into `dst` (atomic); returns (lines, bytes_in, bytes_out).
    #[pyo3(signature = (src, dst, num_threads = None, progress = None))]
    fn tokenize_file(
        &self,
        py: Python<'_>,
        src: PathBuf,
        dst: PathBuf,
        num_threads: Option<usize>,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<(u64, u64, u64)> {
        let inner = self.inner.clone();
        let stats = run_heavy(py, progress.as_ref(), move |ctl| inner.tokenize_file(&src, &dst, num_threads, ctl))?;
        Ok((stats.lines, stats.bytes_in, stats.bytes_out))
    }
}

/// A sequence of str as a tuple (the sequence itself if it is one), which keeps the
/// strs alive while [`texts`] borrows them.
fn str_tuple<'py>(lines: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyTuple>> {
    if lines.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err("texts must be a sequence of str (e.g. a list of lines), not one str"));
    }
    lines.cast::<PySequence>()?.to_tuple()
}

/// The strs of `held` as core texts, read in place: no UTF-8 copy (Python would make one
/// per str, and the core would decode it again). `scalar_only`: refuse strs holding lone
/// surrogates, which cannot be counted as characters unless a filter drops them.
fn texts<'a>(held: &'a Bound<'_, PyTuple>, scalar_only: bool) -> PyResult<Vec<Text<'a>>> {
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
fn str_of<'py>(py: Python<'py>, w: &str, units: &mut Units) -> PyResult<Bound<'py, PyAny>> {
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
struct Units {
    bmp: Vec<u16>,
    all: Vec<u32>,
}

/// nlp-zero Word_Finder state (see minent_fast.WordFinder); mutable behind a lock.
#[pyclass(frozen, name = "WordFinder", module = "minent_fast._core")]
struct PyWordFinder {
    inner: Arc<Mutex<WordFinder>>,
    /// the strs the last `train` read; a `cut` over the same strs (nlp-zero's usage:
    /// `train(texts)` then `find(texts)`) reads them from here
    trained: Mutex<Option<TrainedTexts>>,
}

/// The strs of a `train` call (a reference to each, in the tuple) and their texts.
struct TrainedTexts {
    /// borrows the strs of `tuple` (declared first: dropped first); lent out only for a
    /// borrow of `self`, through [`texts`](Self::texts)
    texts: Vec<Text<'static>>,
    tuple: Py<PyTuple>,
    filtering: bool,
}

impl TrainedTexts {
    fn texts(&self) -> &[Text<'_>] {
        &self.texts
    }

    /// Whether `lines` is a list or tuple of the very same str objects, in order.
    fn same_strs(&self, py: Python<'_>, lines: &Bound<'_, PyAny>) -> bool {
        let held = self.tuple.bind(py);
        let n = held.len();
        let item: unsafe fn(*mut pyo3::ffi::PyObject, pyo3::ffi::Py_ssize_t) -> *mut pyo3::ffi::PyObject =
            if lines.is_exact_instance_of::<PyList>() {
                pyo3::ffi::PyList_GET_ITEM
            } else if lines.is_exact_instance_of::<PyTuple>() {
                pyo3::ffi::PyTuple_GET_ITEM
            } else {
                return false;
            };
        // in a critical section on `lines` (free-threaded builds: no other thread changes
        // the list meanwhile; with the GIL, no Python code runs)
        pyo3::sync::critical_section::with_critical_section(lines, || {
            if lines.len().ok() != Some(n) {
                return false;
            }
            // SAFETY: indices below both lengths, checked in this critical section; only
            // the pointers are compared
            (0..n as pyo3::ffi::Py_ssize_t)
                .all(|i| unsafe { item(lines.as_ptr(), i) == pyo3::ffi::PyTuple_GET_ITEM(held.as_ptr(), i) })
        })
    }
}

impl PyWordFinder {
    fn with<T: Send>(&self, py: Python<'_>, f: impl FnOnce(&mut WordFinder) -> T + Send) -> PyResult<T> {
        py.detach(|| {
            let mut guard = self.inner.lock().map_err(|_| PyRuntimeError::new_err("WordFinder state is poisoned"))?;
            Ok(f(&mut guard))
        })
    }
}

#[pymethods]
impl PyWordFinder {
    #[new]
    #[pyo3(signature = (min_proba = 1e-7, min_pmi = 1.0))]
    fn new(py: Python<'_>, min_proba: f64, min_pmi: f64) -> PyResult<Self> {
        Ok(PyWordFinder { inner: Arc::new(Mutex::new(core_err(py, WordFinder::new(min_proba, min_pmi))?)), trained: Mutex::new(None) })
    }

    #[getter]
    fn min_proba(&self, py: Python<'_>) -> PyResult<f64> {
        self.with(py, |w| w.min_proba)
    }
    #[getter]
    fn min_pmi(&self, py: Python<'_>) -> PyResult<f64> {
        self.with(py, |w| w.min_pmi)
    }

    /// `keep`: hold the strs (a reference each, 32 B per str) until the next `cut` or
    /// `train`, for a `cut` over the same strs: the wrapper asks for it when the texts
    /// are a list or tuple taken whole (a caller holds them anyway).
    #[pyo3(signature = (lines, filtering = true, keep = false))]
    fn train(&self, py: Python<'_>, lines: &Bound<'_, PyAny>, filtering: bool, keep: bool) -> PyResult<()> {
        let held = str_tuple(lines)?;
        let texts = texts(&held, !filtering)?;
        self.with(py, |w| w.train(&texts, filtering))?;
        let trained = if keep {
            // SAFETY: only the lifetime changes; the texts borrow the strs of `held`,
            // which TrainedTexts keeps with them and lends them for a borrow of itself
            let texts: Vec<Text<'static>> = unsafe { std::mem::transmute::<Vec<Text<'_>>, Vec<Text<'static>>>(texts) };
            Some(TrainedTexts { texts, tuple: held.unbind(), filtering })
        } else {
            None
        };
        let old = self.trained.lock().map(|mut t| std::mem::replace(&mut *t, trained)).unwrap_or(None);
        drop(old);
        Ok(())
    }

    fn begin_find(&self, py: Python<'_>, remove_weak_pairs: bool) -> PyResult<()> {
        self.with(py, move |w| w.begin_find(remove_weak_pairs))
    }

    #[pyo3(signature = (lines, filtering = true))]
    fn cut(&self, py: Python<'_>, lines: &Bound<'_, PyAny>, filtering: bool) -> PyResult<()> {
        // the strs of the last `train`, if these are the same, read once instead of twice
        let trained = self.trained.lock().map(|mut t| t.take()).unwrap_or(None);
        if let Some(t) = trained.filter(|t| t.filtering == filtering && t.same_strs(py, lines)) {
            return self.with(py, |w| w.cut(t.texts(), filtering));
        }
        let held = str_tuple(lines)?;
        let texts = texts(&held, !filtering)?;
        self.with(py, |w| w.cut(&texts, filtering))
    }

    /// Truncation + redundancy removal; returns {word: count} in nlp-zero's dict order.
    #[pyo3(signature = (progress = None))]
    fn finish_find<'py>(&self, py: Python<'py>, progress: Option<Bound<'py, PyAny>>) -> PyResult<Bound<'py, PyDict>> {
        let inner = self.inner.clone();
        let candidates = run_heavy(py, None, move |_| {
            let mut guard = inner.lock().map_err(|_| core::Error::InvalidArgument("WordFinder state is poisoned".into()))?;
            Ok(guard.truncate())
        })?;
        // While the worker runs the 去冗 loop, this thread fills the dict with every
        // candidate and its count before the loop, in order; then it deletes the removed
        // ones and updates the changed counts (a few percent). Deleting keeps a dict's
        // order. Pieces that were no candidate (degenerate input, where nlp-zero raises
        // KeyError) come last, in the order they appeared.
        let texts = candidates.texts();
        let out = PyDict::new(py);
        let mut units = Units::default();
        let fill = || {
            let mut strs = Vec::with_capacity(texts.len());
            for i in 0..texts.len() {
                if i % 65_536 == 65_535 {
                    py.check_signals()?; // Ctrl-C: the caller cancels the worker
                }
                let s = str_of(py, texts.get(i), &mut units)?;
                out.set_item(&s, texts.count(i))?;
                strs.push(s);
            }
            Ok(strs)
        };
        let (words, strs) = run_heavy_while(py, progress.as_ref(), move |ctl| candidates.remove_redundant(ctl), fill)?;
        let mut next = 0; // candidates before this one are settled
        for (id, w, n) in words.iter_ids() {
            let id = id as usize;
            if id >= strs.len() {
                out.set_item(str_of(py, w, &mut units)?, n)?;
                continue;
            }
            for removed in &strs[next..id] {
                out.del_item(removed)?;
            }
            if n != texts.count(id) {
                out.set_item(&strs[id], n)?;
            }
            next = id + 1;
        }
        for removed in &strs[next.min(strs.len())..] {
            out.del_item(removed)?;
        }
        Ok(out)
    }

    fn chars<'py>(&self, py: Python<'py>) -> PyResult<(Vec<String>, Bound<'py, PyArray1<u64>>)> {
        let (k, v): (Vec<String>, Vec<u64>) =
            self.with(py, |w| w.chars.iter().map(|(c, n)| (c.to_string(), *n)).unzip())?;
        Ok((k, v.into_pyarray(py)))
    }

    fn pairs<'py>(&self, py: Python<'py>) -> PyResult<(Vec<String>, Bound<'py, PyArray1<u64>>)> {
        let (k, v): (Vec<String>, Vec<u64>) = self.with(py, |w| {
            w.pairs
                .iter()
                .filter_map(|(ab, n)| {
                    let a = char::from_u32((ab >> 32) as u32)?;
                    let b = char::from_u32(ab as u32)?;
                    Some((format!("{a}{b}"), n))
                })
                .unzip()
        })?;
        Ok((k, v.into_pyarray(py)))
    }
}

type PyTemplate = Vec<Option<String>>;

fn template_ids(vocab: &mut templates::Vocab, t: &[Option<String>]) -> Vec<u32> {
    t.iter().map(|w| w.as_deref().map(|w| vocab.id(w)).unwrap_or(templates::HOLE)).collect()
}

fn template_words(vocab: &templates::Vocab, t: &[u32]) -> PyTemplate {
    t.iter().map(|&x| (x != templates::HOLE).then(|| vocab.word(x).to_string())).collect()
}

/// nlp-zero Template_Finder state (see minent_fast.TemplateFinder).
#[pyclass(frozen, name = "TemplateFinder", module = "minent_fast._core")]
struct PyTemplateFinder {
    inner: Mutex<templates::TemplateFinder>,
}

impl PyTemplateFinder {
    fn with<T: Send>(&self, py: Python<'_>, f: impl FnOnce(&mut templates::TemplateFinder) -> T + Send) -> PyResult<T> {
        py.detach(|| {
            let mut g = self.inner.lock().map_err(|_| PyRuntimeError::new_err("TemplateFinder state is poisoned"))?;
            Ok(f(&mut g))
        })
    }
}

#[pymethods]
impl PyTemplateFinder {
    #[new]
    #[pyo3(signature = (window = 5, min_proba = 1e-5, min_pmi = 2.0, max_paths = 10000))]
    fn new(py: Python<'_>, window: usize, min_proba: f64, min_pmi: f64, max_paths: usize) -> PyResult<Self> {
        let f = core_err(py, templates::TemplateFinder::new(window, min_proba, min_pmi, max_paths))?;
        Ok(PyTemplateFinder { inner: Mutex::new(f) })
    }

    /// Count words and skip-grams of token lists (one list per chunk).
    fn train_chunks(&self, py: Python<'_>, chunks: Vec<Vec<String>>) -> PyResult<()> {
        self.with(py, move |f| {
            let ids = f.intern(&chunks);
            f.train(&ids)
        })
    }

    /// Chunk and tokenize `lines` with a minent_fast tokenizer in Rust, then count.
    #[pyo3(signature = (lines, tokenizer, filtering = true))]
    fn train_lines(&self, py: Python<'_>, lines: Vec<PyBackedStr>, tokenizer: &PyTokenizer, filtering: bool) -> PyResult<()> {
        let tok = tokenizer.inner.clone();
        self.with(py, move |f| f.train_text(&tok, &lines, filtering))
    }

    fn begin_find(&self, py: Python<'_>, remove_weak_grams: bool) -> PyResult<()> {
        self.with(py, move |f| f.begin_find(remove_weak_grams))
    }

    fn find_chunks(&self, py: Python<'_>, chunks: Vec<Vec<String>>) -> PyResult<()> {
        self.with(py, move |f| {
            let ids = f.intern(&chunks);
            f.find_batch(&ids)
        })
    }

    #[pyo3(signature = (lines, tokenizer, filtering = true))]
    fn find_lines(&self, py: Python<'_>, lines: Vec<PyBackedStr>, tokenizer: &PyTokenizer, filtering: bool) -> PyResult<()> {
        let tok = tokenizer.inner.clone();
        self.with(py, move |f| f.find_text(&tok, &lines, filtering))
    }

    /// (templates as lists of words/None, counts) in nlp-zero's dict order.
    fn finish_find(&self, py: Python<'_>) -> PyResult<(Vec<PyTemplate>, Vec<u64>)> {
        self.with(py, |f| {
            let found = f.finish_find();
            found.iter().map(|(t, n)| (template_words(&f.vocab, t), *n)).unzip()
        })
    }

    #[getter]
    fn capped_chunks(&self, py: Python<'_>) -> PyResult<u64> {
        self.with(py, |f| f.capped_chunks)
    }
}

/// nlp-zero's XTrie (template -> count) with matching and memoised parsing.
#[pyclass(frozen, name = "TemplateTrie", module = "minent_fast._core")]
struct PyTemplateTrie {
    inner: Mutex<(templates::Vocab, templates::TemplateTrie)>,
}

fn parse_to_py(p: &templates::Parse) -> (Vec<u32>, Vec<PyParse>) {
    (p.positions.clone(), p.modules.iter().map(|m| PyParse(parse_to_py(m))).collect())
}

/// A nested parse as Python sees it: (positions, [sub-parses]).
struct PyParse((Vec<u32>, Vec<PyParse>));

impl<'py> IntoPyObject<'py> for PyParse {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;
    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (pos, mods) = self.0;
        let pos = pyo3::types::PyTuple::new(py, pos)?;
        let mods = PyList::new(py, mods)?;
        Ok(pyo3::types::PyTuple::new(py, [pos.into_any(), mods.into_any()])?.into_any())
    }
}

#[pymethods]
impl PyTemplateTrie {
    #[new]
    fn new() -> Self {
        PyTemplateTrie { inner: Mutex::new((templates::Vocab::default(), templates::TemplateTrie::default())) }
    }

    fn set(&self, py: Python<'_>, template: PyTemplate, count: u64) -> PyResult<()> {
        let mut g = self.inner.lock().map_err(|_| PyRuntimeError::new_err("poisoned"))?;
        let (vocab, trie) = &mut *g;
        let ids = template_ids(vocab, &template);
        core_err(py, trie.set(&ids, count))
    }

    #[getter]
    fn total(&self) -> PyResult<u64> {
        Ok(self.inner.lock().map_err(|_| PyRuntimeError::new_err("poisoned"))?.1.total)
    }

    /// {(start, end): {positions: count}} in nlp-zero's insertion order.
    #[pyo3(signature = (words, compat = false))]
    fn search<'py>(&self, py: Python<'py>, words: Vec<String>, compat: bool) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        let found = {
            let g = self.inner.lock().map_err(|_| PyRuntimeError::new_err("poisoned"))?;
            let ids: Vec<u32> = words.iter().map(|w| g.0.get(w).unwrap_or(templates::HOLE)).collect();
            let mode = if compat { templates::MatchMode::Compat } else { templates::MatchMode::Intended };
            g.1.search(&ids, mode)
        };
        let out = pyo3::types::PyDict::new(py);
        for ((s, e), list) in found {
            let d = pyo3::types::PyDict::new(py);
            for (pos, n) in list {
                d.set_item(pyo3::types::PyTuple::new(py, pos)?, n)?;
            }
            out.set_item((s, e), d)?;
        }
        Ok(out)
    }

    /// Best hierarchical parse of `words`: ((positions, [modules...]), score).
    #[pyo3(signature = (words, null_score = -20.0, compat = false))]
    fn parse(&self, py: Python<'_>, words: Vec<String>, null_score: f64, compat: bool) -> PyResult<(PyParse, f64)> {
        let g = self.inner.lock().map_err(|_| PyRuntimeError::new_err("poisoned"))?;
        let (p, score) = py.detach(|| {
            let ids: Vec<u32> = words.iter().map(|w| g.0.get(w).unwrap_or(templates::HOLE)).collect();
            let mode = if compat { templates::MatchMode::Compat } else { templates::MatchMode::Intended };
            let matches = g.1.search(&ids, mode);
            templates::parse(words.len(), &matches, g.1.total, null_score)
        });
        Ok((PyParse(parse_to_py(&p)), score))
    }
}

/// nVBE autonomy of every n-gram of 1..=max_len chars (see minent_core::branching).
#[pyfunction]
#[pyo3(signature = (sources, *, segmenter = "han", max_len = 3, min_count = 1, num_threads = None, progress = None))]
fn autonomy<'py>(
    py: Python<'py>,
    sources: Vec<PathBuf>,
    segmenter: &str,
    max_len: usize,
    min_count: u64,
    num_threads: Option<usize>,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<(Vec<String>, Bound<'py, PyArray1<f64>>)> {
    let seg = core_err(py, Segmenter::parse(segmenter))?;
    let rows = run_heavy(py, progress.as_ref(), move |ctl| {
        core::discover::autonomy(&sources, seg, max_len, min_count, num_threads, ctl)
    })?;
    let (w, s): (Vec<String>, Vec<f64>) = rows.into_iter().unzip();
    Ok((w, s.into_pyarray(py)))
}

/// nVBE autonomy from exact n-gram counts (an Arrow string column + counts, by code point).
#[pyfunction]
#[pyo3(signature = (data, offsets, counts, *, max_len = 3, min_count = 1))]
fn autonomy_from_counts<'py>(
    py: Python<'py>,
    data: numpy::PyReadonlyArray1<'py, u8>,
    offsets: numpy::PyReadonlyArray1<'py, i64>,
    counts: numpy::PyReadonlyArray1<'py, u64>,
    max_len: usize,
    min_count: u64,
) -> PyResult<(Vec<String>, Bound<'py, PyArray1<f64>>)> {
    let (data, offsets, counts) = (data.as_slice()?, offsets.as_slice()?, counts.as_slice()?);
    if offsets.len() != counts.len() + 1 {
        return Err(PyValueError::new_err("need one more offset than counts"));
    }
    let text = std::str::from_utf8(data).map_err(|e| PyValueError::new_err(format!("n-grams are not UTF-8: {e}")))?;
    let mut grams = Vec::with_capacity(counts.len());
    for (w, &c) in offsets.windows(2).zip(counts) {
        let (a, b) = (usize::try_from(w[0]).unwrap_or(usize::MAX), usize::try_from(w[1]).unwrap_or(usize::MAX));
        let g = text.get(a..b).ok_or_else(|| PyValueError::new_err("offsets must be inside the data, at char boundaries"))?;
        grams.push((g, c));
    }
    let rows = py.detach(|| core::discover::autonomy_from_counts(&grams, max_len, min_count));
    let (w, s): (Vec<String>, Vec<f64>) = core_err(py, rows)?.into_iter().unzip();
    Ok((w, s.into_pyarray(py)))
}

/// Hash partition of each string of an Arrow string column (data bytes + int64 offsets).
#[pyfunction]
fn partition_of<'py>(
    py: Python<'py>,
    data: numpy::PyReadonlyArray1<'py, u8>,
    offsets: numpy::PyReadonlyArray1<'py, i64>,
    partitions: u32,
) -> PyResult<Bound<'py, PyArray1<u32>>> {
    let parts = core_err(py, core::stats::ngram::partition_of(data.as_slice()?, offsets.as_slice()?, partitions))?;
    Ok(parts.into_pyarray(py))
}

#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyCorpusIndex>()?;
    m.add_class::<PyLexicon>()?;
    m.add_class::<PyTokenizer>()?;
    m.add_class::<PyWordFinder>()?;
    m.add_class::<PyTemplateFinder>()?;
    m.add_class::<PyTemplateTrie>()?;
    m.add_function(wrap_pyfunction!(autonomy, m)?)?;
    m.add_function(wrap_pyfunction!(partition_of, m)?)?;
    m.add_function(wrap_pyfunction!(autonomy_from_counts, m)?)?;
    m.add("FORMAT_VERSION", core::index::FORMAT_VERSION)?;
    m.add("MAX_NGRAM", core::stats::ngram::MAX_N)?;
    Ok(())
}
