//! Template stage: `TemplateFinder` (nlp-zero Template_Finder) and `TemplateTrie`
//! (matching and hierarchical parsing).

use std::sync::Mutex;

use minent_core::templates;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyList;

use crate::errors::core_err;
use crate::segment::PyTokenizer;

type PyTemplate = Vec<Option<String>>;

fn template_ids(vocab: &mut templates::Vocab, t: &[Option<String>]) -> Vec<u32> {
    t.iter().map(|w| w.as_deref().map(|w| vocab.id(w)).unwrap_or(templates::HOLE)).collect()
}

fn template_words(vocab: &templates::Vocab, t: &[u32]) -> PyTemplate {
    t.iter().map(|&x| (x != templates::HOLE).then(|| vocab.word(x).to_string())).collect()
}

/// nlp-zero Template_Finder state (see minent_fast.TemplateFinder).
#[pyclass(frozen, name = "TemplateFinder", module = "minent_fast._core")]
pub(crate) struct PyTemplateFinder {
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
pub(crate) struct PyTemplateTrie {
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
