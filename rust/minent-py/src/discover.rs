//! Word-discovery stage: `WordFinder` (nlp-zero Word_Finder) and nVBE `autonomy`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use minent_core::{self as core, Control, Segmenter, Text, WordFinder};
use numpy::{IntoPyArray, PyArray1};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::errors::core_err;
use crate::texts::{str_of, str_tuple, texts, utf8_ready, Units};
use crate::worker::{run_heavy, run_heavy_while};
use crate::segment::word_column;

/// nlp-zero Word_Finder state (see minent_fast.WordFinder); mutable behind a lock.
#[pyclass(frozen, name = "WordFinder", module = "minent_fast._core")]
pub(crate) struct PyWordFinder {
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
    #[cfg(feature = "abi3")]
    fn same_strs(&self, py: Python<'_>, lines: &Bound<'_, PyAny>) -> bool {
        let held = self.tuple.bind(py);
        if !(lines.is_exact_instance_of::<PyList>() || lines.is_exact_instance_of::<PyTuple>()) {
            return false;
        }
        lines.len().ok() == Some(held.len())
            && held.iter().enumerate().all(|(i, h)| lines.get_item(i).is_ok_and(|x| x.is(&h)))
    }

    /// Whether `lines` is a list or tuple of the very same str objects, in order.
    #[cfg(not(feature = "abi3"))]
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

/// Inputs below this many bytes are counted on the calling thread (no worker to start).
const SMALL_INPUT: usize = 256 << 10;

impl PyWordFinder {
    /// The strs of `lines` held with their texts (see [`texts`]).
    fn held(&self, lines: &Bound<'_, PyAny>, filtering: bool) -> PyResult<TrainedTexts> {
        let held = utf8_ready(str_tuple(lines)?, !filtering)?;
        let texts = texts(&held, !filtering)?;
        // SAFETY: only the lifetime changes; the texts borrow the strs of `held`, which
        // TrainedTexts keeps with them and lends them for a borrow of itself
        let texts: Vec<Text<'static>> = unsafe { std::mem::transmute::<Vec<Text<'_>>, Vec<Text<'static>>>(texts) };
        Ok(TrainedTexts { texts, tuple: held.unbind(), filtering })
    }

    /// `work` over `held` on the finder: on a worker thread (GIL released, Ctrl-C cancels
    /// it; the worker owns `held` meanwhile, so its strs outlive it), or here when small.
    /// Gives `held` back.
    fn run_on(
        &self,
        py: Python<'_>,
        held: TrainedTexts,
        work: impl FnOnce(&mut WordFinder, &TrainedTexts, &Control) -> core::Result<()> + Send + 'static,
    ) -> PyResult<TrainedTexts> {
        let inner = self.inner.clone();
        let size: usize = held.texts.iter().map(|t| t.utf8_len_estimate()).sum();
        let run = move |ctl: &Control| {
            let mut guard = inner.lock().map_err(|_| core::Error::InvalidArgument("WordFinder state is poisoned".into()))?;
            work(&mut guard, &held, ctl)?;
            Ok(held)
        };
        if size < SMALL_INPUT {
            core_err(py, py.detach(|| run(&Control::new())))
        } else {
            run_heavy(py, None, run)
        }
    }

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
        let held = self.held(lines, filtering)?;
        let held = self.run_on(py, held, move |w, t, ctl| w.train(t.texts(), filtering, ctl))?;
        let trained = keep.then_some(held);
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
        let held = match trained.filter(|t| t.filtering == filtering && t.same_strs(py, lines)) {
            Some(t) => t,
            None => self.held(lines, filtering)?,
        };
        self.run_on(py, held, move |w, t, ctl| w.cut(t.texts(), filtering, ctl)).map(drop)
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

/// nVBE autonomy of every n-gram of 1..=max_len chars (see minent_core::branching).
#[pyfunction]
#[pyo3(signature = (sources, *, segmenter = "han", max_len = 3, min_count = 1, num_threads = None, progress = None))]
pub(crate) fn autonomy<'py>(
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
    Ok(word_column(py, rows))
}

/// A dict of word → count, in its order.
fn dict_counts(counts: &Bound<'_, PyDict>) -> PyResult<core::discover::mdl::Counts> {
    let mut pairs = Vec::with_capacity(counts.len());
    for (w, c) in counts.iter() {
        pairs.push((w.extract::<String>()?, c.extract::<u64>()?));
    }
    Ok(core::discover::mdl::Counts::from_pairs(pairs))
}

/// Two-part description length (nats) of token counts under a character model
/// (see minent_core::discover::mdl).
#[pyfunction]
pub(crate) fn description_length(py: Python<'_>, counts: &Bound<'_, PyDict>, logp: core::discover::mdl::CharModel)
    -> PyResult<f64> {
    let counts = dict_counts(counts)?;
    Ok(py.detach(|| core::discover::mdl::description_length(counts.iter(), &logp)))
}

/// One greedy MDL pruning pass over token counts: the new counts, in dict order.
#[pyfunction]
#[pyo3(signature = (counts, logp, keep, max_len))]
pub(crate) fn mdl_prune<'py>(
    py: Python<'py>,
    counts: &Bound<'py, PyDict>,
    logp: core::discover::mdl::CharModel,
    keep: std::collections::HashSet<String>,
    max_len: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let counts = dict_counts(counts)?;
    let out = py.detach(|| core::discover::mdl::mdl_prune(counts, &logp, |w| keep.contains(w), max_len).into_pairs());
    let d = PyDict::new(py);
    for (w, c) in out {
        d.set_item(w, c)?;
    }
    Ok(d)
}

/// One merge round's choice: (first, second, occurrences) of the adjacent pairs
/// ("first\nsecond", as `Tokenizer.count_tokens(pairs=True)` gives them) to merge.
#[pyfunction]
#[pyo3(signature = (counts, logp, pairs, pair_counts, max_chars))]
pub(crate) fn best_merges(
    py: Python<'_>,
    counts: &Bound<'_, PyDict>,
    logp: core::discover::mdl::CharModel,
    pairs: Vec<String>,
    pair_counts: numpy::PyReadonlyArray1<'_, u64>,
    max_chars: usize,
) -> PyResult<Vec<(String, String, u64)>> {
    let counts = dict_counts(counts)?;
    let n = pair_counts.as_slice()?;
    if n.len() != pairs.len() {
        return Err(PyValueError::new_err("need one count per pair"));
    }
    let split = pairs
        .iter()
        .zip(n)
        .map(|(k, &c)| k.split_once('\n').map(|(a, b)| (a, b, c)))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| PyValueError::new_err("a pair is two tokens joined by a newline"))?;
    Ok(py.detach(|| core::discover::mdl::best_merges(&counts, &logp, split, max_chars)))
}

/// nVBE autonomy from exact n-gram counts (an Arrow string column + counts, by code point).
#[pyfunction]
#[pyo3(signature = (data, offsets, counts, *, max_len = 3, min_count = 1))]
pub(crate) fn autonomy_from_counts<'py>(
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
    Ok(word_column(py, core_err(py, rows)?))
}

/// A boundary tagger self-trained on the gaps where several segmentations agree
/// (see `minent_core::discover::selftrain`).
#[pyclass(frozen, name = "BoundaryTagger", module = "minent_fast._core")]
pub(crate) struct PyBoundaryTagger {
    inner: Arc<core::BoundaryTagger>,
}

#[pymethods]
impl PyBoundaryTagger {
    /// The tagger as bytes ([`Self::from_bytes`] reads them back): how it goes to a
    /// worker process (pickle uses it).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, pyo3::types::PyBytes> {
        pyo3::types::PyBytes::new(py, &self.inner.to_bytes())
    }

    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        Ok(PyBoundaryTagger { inner: Arc::new(core_err(py, core::BoundaryTagger::from_bytes(data))?) })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, pyo3::types::PyBytes>,))> {
        let py = slf.py();
        let ctor = slf.get_type().getattr("from_bytes")?;
        Ok((ctor, (slf.get().to_bytes(py),)))
    }

    #[staticmethod]
    #[pyo3(signature = (sources, tokenizers, symbols, epochs = 5, num_threads = None, progress = None))]
    fn train(
        py: Python<'_>,
        sources: Vec<PathBuf>,
        tokenizers: Vec<PyRef<'_, crate::segment::PyTokenizer>>,
        symbols: &str,
        epochs: usize,
        num_threads: Option<usize>,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let symbols = core_err(py, Segmenter::parse(symbols))?;
        let toks: Vec<core::Tokenizer> = tokenizers.iter().map(|t| (*t.inner).clone()).collect();
        let tagger = run_heavy(py, progress.as_ref(), move |ctl| {
            core::BoundaryTagger::train(&sources, &toks, symbols, epochs, num_threads, ctl)
        })?;
        Ok(PyBoundaryTagger { inner: Arc::new(tagger) })
    }

    /// (words, uint64 counts) of the word tokens of every line of `sources`, tagged.
    #[pyo3(signature = (sources, num_threads = None, progress = None))]
    fn count_tokens<'py>(
        &self,
        py: Python<'py>,
        sources: Vec<PathBuf>,
        num_threads: Option<usize>,
        progress: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Vec<String>, Bound<'py, PyArray1<u64>>)> {
        let inner = self.inner.clone();
        let rows = run_heavy(py, progress.as_ref(), move |ctl| inner.count_tokens(&sources, num_threads, ctl))?;
        Ok(word_column(py, rows))
    }

    /// The tokens of one line.
    fn tokenize(&self, line: &str) -> Vec<String> {
        let chars: Vec<char> = line.chars().collect();
        let mut spans = Vec::new();
        self.inner.tokenize_chars(&chars, &mut spans);
        spans.into_iter().map(|r| chars[r].iter().collect()).collect()
    }

    #[getter]
    fn trained_gaps(&self) -> u64 {
        self.inner.trained_gaps
    }
    #[getter]
    fn disputed_gaps(&self) -> u64 {
        self.inner.disputed_gaps
    }
}

/// The nVBE autonomy of every candidate n-gram, held in Rust: word discovery segments by
/// it (tokenizers that look the candidates up by hash, one per longest length and bonus).
/// Holding it here rather than as a dict of str keeps a corpus's tens of millions of
/// candidates at about 40 bytes each (the dict and the candidates' trie cost about 200,
/// and building that trie took minutes).
#[pyclass(frozen, name = "AutonomyTable", module = "minent_fast._core")]
pub(crate) struct PyAutonomyTable {
    /// packed code points → autonomy
    table: Arc<rustc_hash::FxHashMap<u128, f64>>,
}

#[pymethods]
impl PyAutonomyTable {
    /// A table from words (1 to 5 characters) and their autonomy.
    #[new]
    fn new(words: Vec<String>, scores: Vec<f64>) -> PyResult<Self> {
        if words.len() != scores.len() {
            return Err(PyValueError::new_err("words and scores differ in length"));
        }
        if scores.iter().any(|s| !s.is_finite()) {
            return Err(PyValueError::new_err("autonomy scores must be finite"));
        }
        let mut rows = Vec::with_capacity(words.len());
        for (w, a) in words.iter().zip(scores) {
            let n = w.chars().count();
            if n == 0 || n > core::stats::branching::MAX_KEY_CHARS {
                return Err(PyValueError::new_err(format!("{w:?}: candidates have 1 to 5 characters")));
            }
            rows.push((core::stats::branching::pack_chars(w.chars()), a));
        }
        Ok(Self::from_rows(rows))
    }

    fn __len__(&self) -> usize {
        self.table.len()
    }

    /// (words, float64 autonomy) by length, then code points (the order of `autonomy`).
    fn items<'py>(&self, py: Python<'py>) -> (Vec<String>, Bound<'py, PyArray1<f64>>) {
        let mut keys: Vec<(u128, f64)> = self.table.iter().map(|(&k, &a)| (k, a)).collect();
        keys.sort_unstable_by_key(|r| r.0);
        let rows = keys.into_iter().map(|(k, a)| (core::stats::branching::unpack_chars(k).into_iter().collect(), a));
        word_column(py, rows.collect())
    }

    /// The tokenizer maximising Σ len(w)·autonomy(w) + len(w)·bonus·[len(w) > 1] over the
    /// candidates of at most `max_len` characters: the segmentation of
    /// `Tokenizer.with_scores` over those words and scores, without building a trie.
    #[pyo3(signature = (max_len, bonus, *, combine_alnum = true, atomic_digits = false))]
    fn tokenizer(&self, py: Python<'_>, max_len: usize, bonus: f64, combine_alnum: bool, atomic_digits: bool)
                 -> PyResult<crate::segment::PyTokenizer> {
        if !bonus.is_finite() {
            return Err(PyValueError::new_err("bonus must be finite"));
        }
        if max_len == 0 || max_len > core::stats::branching::MAX_KEY_CHARS {
            return Err(PyValueError::new_err("max_len must be 1 to 5"));
        }
        let words = core::segment::viterbi::NgramWords { autonomy: self.table.clone(), max_len, bonus };
        let mut tok = core_err(py, core::Tokenizer::with_ngram_words(words, -100.0, combine_alnum))?;
        tok.atomic_digits = atomic_digits;
        Ok(crate::segment::PyTokenizer::wrap(tok))
    }
}

impl PyAutonomyTable {
    fn from_rows(rows: Vec<(u128, f64)>) -> Self {
        PyAutonomyTable { table: core::segment::viterbi::NgramWords::table(&rows) }
    }
}

/// [`autonomy`] as an [`PyAutonomyTable`]: the candidates never become Python objects.
/// With `candidates` (files, a sample of `sources`): only the n-grams of those files, with
/// the statistics of the whole of `sources`, read in partitions of at most `key_memory`
/// bytes of keys (`minent_core::discover::partitioned`; None: one partition) — the same
/// scores the whole table has for them, in memory bounded by the sample. `spill_dir` (a
/// directory the caller removes, with `spill_free` bytes free): the partitions' keys go
/// through run files there from `RUNS_FROM` partitions a side, when they fit.
#[pyfunction]
#[pyo3(signature = (sources, *, segmenter = "han", max_len = 3, min_count = 1, candidates = None, key_memory = None,
                    spill_dir = None, spill_free = 0, num_threads = None, progress = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn autonomy_table(
    py: Python<'_>,
    sources: Vec<PathBuf>,
    segmenter: &str,
    max_len: usize,
    min_count: u64,
    candidates: Option<Vec<PathBuf>>,
    key_memory: Option<u64>,
    spill_dir: Option<PathBuf>,
    spill_free: u64,
    num_threads: Option<usize>,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<PyAutonomyTable> {
    let seg = core_err(py, Segmenter::parse(segmenter))?;
    if (key_memory.is_some() || spill_dir.is_some()) && candidates.is_none() {
        return Err(PyValueError::new_err("key_memory and spill_dir need candidates (the files whose n-grams are scored)"));
    }
    let spill = spill_dir.map(|dir| core::discover::Spill { dir, free: spill_free });
    let rows = run_heavy(py, progress.as_ref(), move |ctl| match candidates {
        Some(c) => core::discover::autonomy_of_candidates(&sources, &c, seg, max_len, min_count,
                                                          key_memory.unwrap_or(u64::MAX), spill.as_ref(), num_threads,
                                                          ctl),
        None => core::discover::autonomy_keys(&sources, seg, max_len, min_count, num_threads, ctl),
    })?;
    Ok(py.detach(|| PyAutonomyTable::from_rows(rows)))
}
