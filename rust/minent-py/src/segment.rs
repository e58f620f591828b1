//! Segmentation stage: `Lexicon` (word -> count table) and `Tokenizer` (unigram Viterbi).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use minent_core::segment::batch::{TokenTable, Want, NO_WORD};
use minent_core::{Control, Lexicon, Scratch, Segmenter, Text, Tokenizer};
use numpy::{IntoPyArray, PyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use crate::errors::core_err;
use crate::texts::{str_of, str_tuple, texts, Units};
use crate::worker::run_heavy;

/// An immutable word -> count table with a double-array trie (see minent_fast.Lexicon).
#[pyclass(frozen, name = "Lexicon", module = "minent_fast._core")]
pub(crate) struct PyLexicon {
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
pub(crate) struct PyTokenizer {
    pub(crate) inner: Arc<Tokenizer>,
    /// the str of each lexicon word (by id), made the first time a batch needs it: a
    /// token of a known word costs a reference, not a new str
    words: OnceLock<Box<[OnceLock<Py<PyAny>>]>>,
}

/// Inputs below this many bytes are tokenized on the calling thread (no worker thread to
/// start; they take well under a millisecond).
const SMALL_BATCH: usize = 256 << 10;

impl PyTokenizer {
    pub(crate) fn wrap(tok: Tokenizer) -> Self {
        PyTokenizer { inner: Arc::new(tok), words: OnceLock::new() }
    }

    /// A list of lists of str from `table`, the tokens of the strs of `held`.
    fn token_lists<'py>(&self, py: Python<'py>, held: &Bound<'py, PyTuple>, table: &TokenTable) -> PyResult<Bound<'py, PyAny>> {
        let lex = self.inner.lexicon();
        let words = self.words.get_or_init(|| (0..lex.len()).map(|_| OnceLock::new()).collect());
        let mut units = Units::default();
        let n = held.len();
        // SAFETY (the lists below): new lists of the given lengths, each slot set exactly
        // once before the list is handed to Python (a list dropped on an error holds
        // NULLs, which its dealloc skips)
        let out = unsafe { Bound::from_owned_ptr_or_err(py, pyo3::ffi::PyList_New(n as _))? };
        for (i, line) in held.iter_borrowed().enumerate() {
            if i % 16_384 == 16_383 {
                py.check_signals()?;
            }
            let (a, b) = (table.line_at[i] as usize, table.line_at[i + 1] as usize);
            let row = unsafe { Bound::from_owned_ptr_or_err(py, pyo3::ffi::PyList_New((b - a) as _))? };
            let mut start = 0u32;
            for (k, (&id, &end)) in table.id[a..b].iter().zip(&table.end[a..b]).enumerate() {
                let item = if id == NO_WORD {
                    // SAFETY: `line` is a str and start..end are char offsets within it
                    unsafe { pyo3::ffi::PyUnicode_Substring(line.as_ptr(), start as _, end as _) }
                } else {
                    let cell = &words[id as usize];
                    match cell.get() {
                        Some(s) => s.clone_ref(py).into_ptr(),
                        None => {
                            let made = str_of(py, lex.word(id as usize), &mut units)?;
                            let _ = cell.set(made.clone().unbind());
                            made.into_ptr()
                        }
                    }
                };
                if item.is_null() {
                    return Err(PyErr::fetch(py));
                }
                // SAFETY: k < b - a, the row's length; the reference is stolen
                unsafe { set_item(row.as_ptr(), k, item) };
                start = end;
            }
            // SAFETY: `row` is a list; untracking only takes it out of the cycle
            // collector's sets (it holds strs alone: no cycle), as msgspec does with
            // decoded containers. Otherwise every 700 new lists start a collection that
            // walks the young ones: a quarter of the call's time on the novels.
            unsafe {
                pyo3::ffi::PyObject_GC_UnTrack(row.as_ptr().cast());
                set_item(out.as_ptr(), i, row.into_ptr());
            }
        }
        Ok(out.into_any())
    }
}

/// Fill slot `i` of a new list with `item`, stealing the reference.
///
/// # Safety
/// `list` is a list, `i` below its length, the slot empty, `item` an owned reference.
#[inline]
unsafe fn set_item(list: *mut pyo3::ffi::PyObject, i: usize, item: *mut pyo3::ffi::PyObject) {
    #[cfg(not(feature = "abi3"))]
    pyo3::ffi::PyList_SET_ITEM(list, i as _, item);
    #[cfg(feature = "abi3")]
    pyo3::ffi::PyList_SetItem(list, i as _, item);
}

/// The buffers of an Arrow `list<string>` (or `large_list<large_string>` when an offset
/// needs 64 bits): (large, list offsets, value offsets, UTF-8 data) as numpy arrays.
fn arrow_buffers<'py>(py: Python<'py>, table: TokenTable) -> PyResult<Bound<'py, PyAny>> {
    let large = table.utf8.len() > i32::MAX as usize || table.utf8_end.len() > i32::MAX as usize;
    let data = table.utf8.into_pyarray(py);
    let out = if large {
        let lists: Vec<i64> = table.line_at.iter().map(|&k| k as i64).collect();
        let values: Vec<i64> = std::iter::once(0).chain(table.utf8_end.iter().map(|&e| e as i64)).collect();
        (true, lists.into_pyarray(py), values.into_pyarray(py), data).into_pyobject(py)?
    } else {
        let lists: Vec<i32> = table.line_at.iter().map(|&k| k as i32).collect();
        let values: Vec<i32> = std::iter::once(0).chain(table.utf8_end.iter().map(|&e| e as i32)).collect();
        (false, lists.into_pyarray(py), values.into_pyarray(py), data).into_pyobject(py)?
    };
    Ok(out.into_any())
}

#[pymethods]
impl PyTokenizer {
    #[new]
    #[pyo3(signature = (lexicon, *, null_score = -100.0, combine_alnum = true, atomic_digits = false, symbols = "han"))]
    fn new(py: Python<'_>, lexicon: &PyLexicon, null_score: f64, combine_alnum: bool, atomic_digits: bool,
           symbols: &str) -> PyResult<Self> {
        if !null_score.is_finite() {
            return Err(PyValueError::new_err("null_score must be a finite number"));
        }
        let mut tok = Tokenizer::new(lexicon.inner.clone(), null_score, combine_alnum);
        tok.atomic_digits = atomic_digits;
        tok.symbols = tokenizer_symbols(py, symbols)?;
        Ok(PyTokenizer::wrap(tok))
    }

    /// A tokenizer maximising the sum of explicit per-word scores (words -> score).
    #[staticmethod]
    #[pyo3(signature = (words, scores, *, null_score = -100.0, combine_alnum = true, atomic_digits = false, symbols = "han"))]
    fn with_scores(py: Python<'_>, words: Vec<String>, scores: Vec<f64>, null_score: f64, combine_alnum: bool,
                   atomic_digits: bool, symbols: &str) -> PyResult<Self> {
        let symbols = tokenizer_symbols(py, symbols)?;
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
        let mut tok = core_err(py, Tokenizer::with_scores(Arc::new(lex), by_id, null_score, combine_alnum))?;
        tok.atomic_digits = atomic_digits;
        tok.symbols = symbols;
        Ok(PyTokenizer::wrap(tok))
    }

    /// The same tokenizer (lexicon, options) with new per-word scores (words -> score;
    /// a lexicon word not given scores 0). Much cheaper than `with_scores` on a large
    /// lexicon: the lexicon's trie is shared, not rebuilt.
    fn rescored(&self, py: Python<'_>, words: Vec<String>, scores: Vec<f64>) -> PyResult<Self> {
        if words.len() != scores.len() {
            return Err(PyValueError::new_err("words and scores differ in length"));
        }
        let old = &self.inner;
        let lex = old.lexicon().clone();
        let mut by_id = vec![0.0; lex.len()];
        for (w, s) in words.iter().zip(&scores) {
            let id = lex.id(w).ok_or_else(|| PyValueError::new_err(format!("{w:?} is not in the lexicon")))?;
            by_id[id] = *s;
        }
        let mut tok = core_err(py, Tokenizer::with_scores(lex, by_id, old.null_score, old.combine_alnum))?;
        tok.atomic_digits = old.atomic_digits;
        tok.symbols = old.symbols;
        Ok(PyTokenizer::wrap(tok))
    }

    /// Counts of the word tokens (made only of the symbols of `symbols`) of segmented
    /// files, or with `pairs` of two such tokens in a row ("first\nsecond").
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
        Ok(word_column(py, rows))
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
    fn symbols(&self) -> &'static str {
        self.inner.symbols.name()
    }
    #[getter]
    fn lexicon(&self) -> PyLexicon {
        PyLexicon { inner: self.inner.lexicon().clone() }
    }

    fn tokenize(&self, sent: &str) -> Vec<String> {
        let mut scratch = Scratch::default();
        self.inner.tokenize(sent, &mut scratch).into_iter().map(String::from).collect()
    }

    /// The tokens of a list or tuple of str. `output`: "list" (a list of lists of str;
    /// a lexicon word is the one str this tokenizer keeps for it, other pieces are cut
    /// from the line's own code units), "arrow" (line offsets, token byte offsets and the
    /// UTF-8 of the lines: a ListArray's buffers, `large` when they need 64 bits),
    /// "offsets" (line_at, start, end: int64 numpy arrays, chars from each line's start)
    /// or "ids" (line_at, id: the lexicon rank of each token, -1 for a piece that is no
    /// word). Runs on a worker thread (GIL released, Ctrl-C stops it) unless small.
    #[pyo3(signature = (lines, num_threads = None, output = "list"))]
    fn tokenize_batch<'py>(
        &self,
        py: Python<'py>,
        lines: &Bound<'py, PyAny>,
        num_threads: Option<usize>,
        output: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let want = match output {
            "list" | "ids" => Want { ids: true, utf8: false, skip_ends: false },
            "arrow" => Want { ids: false, utf8: true, skip_ends: true },
            "offsets" => Want::default(),
            _ => return Err(PyValueError::new_err(format!("output must be 'list', 'arrow', 'offsets' or 'ids', not {output:?}"))),
        };
        let held = str_tuple(lines)?;
        let table = {
            let texts = texts(&held, true)?;
            let size: usize = texts.iter().map(|t| t.utf8_len_estimate()).sum();
            let inner = self.inner.clone();
            if size < SMALL_BATCH {
                core_err(py, py.detach(|| inner.tokenize_table(&texts, want, num_threads, &Control::new())))?
            } else {
                // SAFETY: only the lifetime changes. The worker can outlive this call (Ctrl-C
                // returns at once), so it owns a reference to the tuple holding every str
                // the texts borrow, and drops the texts before it.
                let texts: Vec<Text<'static>> = unsafe { std::mem::transmute::<Vec<Text<'_>>, Vec<Text<'static>>>(texts) };
                let keep = held.clone().unbind();
                run_heavy(py, None, move |ctl| {
                    let table = inner.tokenize_table(&texts, want, num_threads, ctl);
                    drop(texts);
                    drop(keep);
                    table
                })?
            }
        };
        match output {
            "list" => self.token_lists(py, &held, &table),
            "arrow" => arrow_buffers(py, table),
            "offsets" => {
                let mut start = Vec::with_capacity(table.end.len());
                for w in table.line_at.windows(2) {
                    let ends = &table.end[w[0] as usize..w[1] as usize];
                    start.extend(std::iter::once(0).chain(ends.iter().copied()).take(ends.len()).map(i64::from));
                }
                let line_at: Vec<i64> = table.line_at.iter().map(|&k| k as i64).collect();
                let end: Vec<i64> = table.end.iter().map(|&e| i64::from(e)).collect();
                Ok((line_at.into_pyarray(py), start.into_pyarray(py), end.into_pyarray(py)).into_pyobject(py)?.into_any())
            }
            _ => {
                let line_at: Vec<i64> = table.line_at.iter().map(|&k| k as i64).collect();
                let id: Vec<i64> = table.id.iter().map(|&i| if i == NO_WORD { -1 } else { i64::from(i) }).collect();
                Ok((line_at.into_pyarray(py), id.into_pyarray(py)).into_pyobject(py)?.into_any())
            }
        }
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

/// The symbol models a tokenizer takes: "han" (nlp-zero's separators), "unicode", "all".
fn tokenizer_symbols(py: Python<'_>, name: &str) -> PyResult<Segmenter> {
    match core_err(py, Segmenter::parse(name))? {
        Segmenter::Line => Err(PyValueError::new_err("symbols must be 'han', 'unicode' or 'all'")),
        s => Ok(s),
    }
}

/// The pieces of `text` that `TemplateFinder` chunks with: with `filtering`, the maximal
/// runs of `symbols`' symbols; else the runs between `Tokenizer(symbols=...)`'s cuts.
#[pyfunction]
#[pyo3(signature = (text, symbols, filtering))]
pub(crate) fn split_pieces(py: Python<'_>, text: &str, symbols: &str, filtering: bool) -> PyResult<Vec<String>> {
    let sym = tokenizer_symbols(py, symbols)?;
    let pieces = if filtering {
        text.split(|c: char| !sym.is_symbol(c)).filter(|p| !p.is_empty()).map(String::from).collect()
    } else {
        text.split(|c: char| minent_core::segment::viterbi::cuts(sym, c)).filter(|p| !p.is_empty()).map(String::from).collect()
    };
    Ok(pieces)
}

/// Rows of (word, value) as Python's (list of str, numpy array of values).
pub(crate) fn word_column<'py, T: numpy::Element>(py: Python<'py>, rows: Vec<(String, T)>) -> (Vec<String>, Bound<'py, PyArray1<T>>) {
    let (w, v): (Vec<String>, Vec<T>) = rows.into_iter().unzip();
    (w, v.into_pyarray(py))
}
