//! Template stage: `TemplateFinder` (nlp-zero Template_Finder) and `TemplateTrie`
//! (matching and hierarchical parsing).

use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use minent_core::{self as core, templates, Control, Segmenter};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyList, PyString};
use rustc_hash::FxHashMap;

use crate::errors::core_err;
use crate::segment::PyTokenizer;
use crate::texts::str_tuple;
use crate::worker::run_heavy;

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
    inner: Arc<Mutex<templates::TemplateFinder>>,
    /// a Python tokenize callable's tokens of each chunk it was given
    memo: Mutex<CallMemo>,
}

/// The word ids a Python callable gave each distinct chunk, so that each is tokenized once
/// across `train` and `find` (the callable is assumed deterministic, as nlp-zero's usage
/// of calling it again on the same text presumes). Emptied by `finish_find`, and when
/// another callable comes; bounded by MEMO_IDS.
#[derive(Default)]
struct CallMemo {
    callable: Option<Py<PyAny>>,
    index: FxHashMap<Box<str>, (u32, u32)>,
    ids: Vec<u32>,
}

/// At most this many word ids memoised (4 bytes each).
const MEMO_IDS: usize = 64 << 20;

/// Lock `m` from a thread holding the GIL without blocking it: the holder may be a thread
/// inside the Python tokenize callable, waiting for the GIL (a plain `lock` would then
/// deadlock), or a worker finishing a cancelled call.
fn lock_unblocked<'a, T>(py: Python<'_>, m: &'a Mutex<T>) -> PyResult<MutexGuard<'a, T>> {
    loop {
        match m.try_lock() {
            Ok(g) => return Ok(g),
            Err(TryLockError::WouldBlock) => {
                py.detach(|| std::thread::sleep(std::time::Duration::from_millis(1)));
                py.check_signals()?;
            }
            Err(TryLockError::Poisoned(_)) => return Err(poisoned(())),
        }
    }
}

fn poisoned<T>(_: T) -> PyErr {
    PyRuntimeError::new_err("TemplateFinder state is poisoned")
}

impl PyTemplateFinder {
    fn with<T: Send>(&self, py: Python<'_>, f: impl FnOnce(&mut templates::TemplateFinder) -> T + Send) -> PyResult<T> {
        py.detach(|| {
            let mut g = self.inner.lock().map_err(poisoned)?;
            Ok(f(&mut g))
        })
    }

    /// `work` on the finder, on a worker thread (GIL released; Ctrl-C cancels it).
    fn heavy<T: Send + 'static>(
        &self,
        py: Python<'_>,
        work: impl FnOnce(&mut templates::TemplateFinder, &Control) -> core::Result<T> + Send + 'static,
    ) -> PyResult<T> {
        let inner = self.inner.clone();
        run_heavy(py, None, move |ctl| {
            let mut g = inner.lock().map_err(|_| core::Error::InvalidArgument("TemplateFinder state is poisoned".into()))?;
            work(&mut g, ctl)
        })
    }

    /// The chunks of `lines` (cut as `symbols`/`filtering` say) as word ids, each distinct
    /// chunk tokenized once by the Python callable `tokenize`, its tokens interned by
    /// their text (read in place: no copy per token).
    fn chunks_by_callable(
        &self,
        py: Python<'_>,
        lines: &Bound<'_, PyAny>,
        tokenize: &Bound<'_, PyAny>,
        symbols: &str,
        filtering: bool,
    ) -> PyResult<templates::Chunks> {
        let sym = core_err(py, Segmenter::parse(symbols))?;
        let held = str_tuple(lines)?;
        let mut memo = lock_unblocked(py, &self.memo)?;
        if !memo.callable.as_ref().is_some_and(|c| c.bind(py).is(tokenize)) {
            *memo = CallMemo { callable: Some(tokenize.clone().unbind()), ..CallMemo::default() };
        }
        let mut finder = lock_unblocked(py, &self.inner)?;
        let mut out = templates::Chunks { ids: Vec::new(), bounds: vec![0] };
        let mut fresh: Vec<u32> = Vec::new();
        for (i, line) in held.iter_borrowed().enumerate() {
            if i % 4096 == 4095 {
                py.check_signals()?;
            }
            let line = line.cast::<PyString>().map_err(|_| {
                PyTypeError::new_err(format!("texts must contain str, not {}", line.get_type().name().map_or_else(|_| "?".into(), |n| n.to_string())))
            })?;
            let text = line.to_cow()?;
            let cut = |c: char| if filtering { !sym.is_symbol(c) } else { minent_core::segment::viterbi::cuts(sym, c) };
            // chunks as (byte range, char range) of the line
            let (mut b0, mut c0, mut chars) = (0usize, 0usize, 0usize);
            let mut pieces: Vec<(usize, usize, usize, usize)> = Vec::new();
            for (b, c) in text.char_indices() {
                if cut(c) {
                    if b > b0 {
                        pieces.push((b0, b, c0, chars));
                    }
                    b0 = b + c.len_utf8();
                    c0 = chars + 1;
                }
                chars += 1;
            }
            if text.len() > b0 {
                pieces.push((b0, text.len(), c0, chars));
            }
            for (ba, bb, ca, cb) in pieces {
                let piece = &text[ba..bb];
                if let Some(&(at, n)) = memo.index.get(piece) {
                    out.ids.extend_from_slice(&memo.ids[at as usize..(at + n) as usize]);
                    out.bounds.push(out.ids.len());
                    continue;
                }
                let arg = if ca == 0 && cb == chars {
                    line.to_owned().into_any()
                } else {
                    // SAFETY: `line` is a str and ca..cb are char offsets within it
                    unsafe { Bound::from_owned_ptr_or_err(py, pyo3::ffi::PyUnicode_Substring(line.as_ptr(), ca as _, cb as _))? }
                };
                let toks = tokenize.call1((arg,))?;
                fresh.clear();
                for tok in toks.try_iter()? {
                    let tok = tok?;
                    let w = tok.cast::<PyString>().map_err(|_| {
                        PyTypeError::new_err(format!("tokenize must return str tokens, not {}", tok.get_type().name().map_or_else(|_| "?".into(), |n| n.to_string())))
                    })?;
                    fresh.push(finder.vocab.id(&w.to_cow()?));
                }
                out.ids.extend_from_slice(&fresh);
                out.bounds.push(out.ids.len());
                if memo.ids.len() + fresh.len() <= MEMO_IDS {
                    let at = memo.ids.len() as u32;
                    memo.ids.extend_from_slice(&fresh);
                    memo.index.insert(piece.into(), (at, fresh.len() as u32));
                }
            }
        }
        Ok(out)
    }
}

#[pymethods]
impl PyTemplateFinder {
    #[new]
    #[pyo3(signature = (window = 5, min_proba = 1e-5, min_pmi = 2.0, max_paths = 10000))]
    fn new(py: Python<'_>, window: usize, min_proba: f64, min_pmi: f64, max_paths: usize) -> PyResult<Self> {
        let f = core_err(py, templates::TemplateFinder::new(window, min_proba, min_pmi, max_paths))?;
        Ok(PyTemplateFinder { inner: Arc::new(Mutex::new(f)), memo: Mutex::new(CallMemo::default()) })
    }

    /// Count words and skip-grams of the chunks of `lines`, tokenized by the Python
    /// callable `tokenize` (each distinct chunk once; see `CallMemo`).
    #[pyo3(signature = (lines, tokenize, symbols = "han", filtering = true))]
    fn train_callable(&self, py: Python<'_>, lines: &Bound<'_, PyAny>, tokenize: &Bound<'_, PyAny>, symbols: &str, filtering: bool) -> PyResult<()> {
        let chunks = self.chunks_by_callable(py, lines, tokenize, symbols, filtering)?;
        self.heavy(py, move |f, ctl| f.train(&chunks, ctl))
    }

    #[pyo3(signature = (lines, tokenize, symbols = "han", filtering = true))]
    fn find_callable(&self, py: Python<'_>, lines: &Bound<'_, PyAny>, tokenize: &Bound<'_, PyAny>, symbols: &str, filtering: bool) -> PyResult<()> {
        let chunks = self.chunks_by_callable(py, lines, tokenize, symbols, filtering)?;
        self.heavy(py, move |f, ctl| f.find_batch(&chunks, ctl))
    }

    /// Chunk and tokenize `lines` with a minent_fast tokenizer in Rust, then count.
    #[pyo3(signature = (lines, tokenizer, filtering = true))]
    fn train_lines(&self, py: Python<'_>, lines: Vec<PyBackedStr>, tokenizer: &PyTokenizer, filtering: bool) -> PyResult<()> {
        let tok = tokenizer.inner.clone();
        self.heavy(py, move |f, ctl| f.train_text(&tok, &lines, filtering, ctl))
    }

    fn begin_find(&self, py: Python<'_>, remove_weak_grams: bool) -> PyResult<()> {
        self.with(py, move |f| f.begin_find(remove_weak_grams))
    }

    #[pyo3(signature = (lines, tokenizer, filtering = true))]
    fn find_lines(&self, py: Python<'_>, lines: Vec<PyBackedStr>, tokenizer: &PyTokenizer, filtering: bool) -> PyResult<()> {
        let tok = tokenizer.inner.clone();
        self.heavy(py, move |f, ctl| f.find_text(&tok, &lines, filtering, ctl))
    }

    /// (templates as lists of words/None, counts) in nlp-zero's dict order.
    fn finish_find(&self, py: Python<'_>) -> PyResult<(Vec<PyTemplate>, Vec<u64>)> {
        *lock_unblocked(py, &self.memo)? = CallMemo::default();
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
    inner: Arc<Mutex<(templates::Vocab, templates::TemplateTrie)>>,
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
        PyTemplateTrie { inner: Arc::new(Mutex::new((templates::Vocab::default(), templates::TemplateTrie::default()))) }
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
            g.1.search(&ids, mode).to_lists()
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

    /// Best hierarchical parse of `words`: ((positions, [modules...]), score). A long
    /// sentence is parsed on a worker thread (GIL released, Ctrl-C stops it).
    #[pyo3(signature = (words, null_score = -20.0, compat = false))]
    fn parse(&self, py: Python<'_>, words: Vec<String>, null_score: f64, compat: bool) -> PyResult<(PyParse, f64)> {
        let mode = if compat { templates::MatchMode::Compat } else { templates::MatchMode::Intended };
        let inner = self.inner.clone();
        let n_words = words.len();
        let work = move |ctl: &Control| {
            let g = inner.lock().map_err(|_| core::Error::InvalidArgument("TemplateTrie state is poisoned".into()))?;
            let ids: Vec<u32> = words.iter().map(|w| g.0.get(w).unwrap_or(templates::HOLE)).collect();
            let matches = g.1.search_ctl(&ids, mode, ctl)?;
            templates::parse_ctl(words.len(), &matches, g.1.total, null_score, ctl)
        };
        let (p, score) = if n_words < 64 {
            core_err(py, py.detach(|| work(&Control::new())))?
        } else {
            run_heavy(py, None, work)?
        };
        Ok((PyParse(parse_to_py(&p)), score))
    }
}
