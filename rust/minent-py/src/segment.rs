//! Segmentation stage: `Lexicon` (word -> count table) and `Tokenizer` (unigram Viterbi).

use std::path::PathBuf;
use std::sync::Arc;

use minent_core::{Lexicon, Scratch, Segmenter, Tokenizer};
use numpy::{IntoPyArray, PyArray1};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyBytes, PyList};

use crate::errors::core_err;
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
        Ok(PyTokenizer { inner: Arc::new(tok) })
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
        Ok(PyTokenizer { inner: Arc::new(tok) })
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
        Ok(PyTokenizer { inner: Arc::new(tok) })
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
