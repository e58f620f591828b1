//! Index stage: `CorpusIndex` (build, open, save, counts, n-grams, neighbours) and the
//! hash partition of n-gram tables.

use std::path::PathBuf;
use std::sync::Arc;

use minent_core::stats::KwicOrder;
use minent_core::{self as core, Control, CorpusIndex, NgramOrder, Segmenter, Side};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::errors::core_err;
use crate::worker::run_heavy;

/// A corpus index (see minent_fast.CorpusIndex for the documented wrapper).
#[pyclass(frozen, name = "CorpusIndex", module = "minent_fast._core")]
pub(crate) struct PyCorpusIndex {
    inner: Arc<CorpusIndex>,
}

/// `collocates`' answer: (hits, window slots, characters, their counts).
type CollocateRows<'py> = (u64, u64, String, Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<u64>>);

impl PyCorpusIndex {
    /// Run a query over the hits of `s`: with the GIL released, and through the
    /// cancellable worker when there are many hits (a walk per hit).
    fn maybe_heavy<T: Send + 'static>(
        &self,
        py: Python<'_>,
        s: &str,
        work: impl FnOnce(&str, &Control) -> core::Result<T> + Send + 'static,
    ) -> PyResult<T> {
        let hits = if s.is_empty() { 0 } else { core_err(py, self.inner.count(s))? };
        let s = s.to_string();
        let work = move |ctl: &Control| work(&s, ctl);
        if hits > 50_000 {
            run_heavy(py, None, work)
        } else {
            core_err(py, py.detach(move || work(&Control::new())))
        }
    }
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
        let table = run_heavy(py, progress.as_ref(), move |ctl| inner.ngrams(min_n, max_n, min_count, order, num_threads, ctl))?;
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

    /// (suffix length, the characters as one str, their uint64 counts): the ∞-gram
    /// next-character distribution.
    fn next_chars<'py>(&self, py: Python<'py>, context: &str) -> PyResult<(usize, String, Bound<'py, PyArray1<u64>>)> {
        let inner = self.inner.clone();
        let context = context.to_string();
        let (l, rows) = core_err(py, py.detach(move || inner.next_chars(&context)))?;
        let (chars, counts): (String, Vec<u64>) = rows.into_iter().unzip();
        Ok((l, chars, counts.into_pyarray(py)))
    }

    /// Whether the index keeps its text (locate and kwic need it; format-1 files do not).
    #[getter]
    fn has_text(&self) -> bool {
        self.inner.has_text()
    }

    /// The file of each source, without a shard's byte range.
    #[getter]
    fn files(&self) -> Vec<String> {
        self.inner.files().to_vec()
    }

    /// (source, line, column) arrays of the occurrences of `s`, corpus order.
    #[pyo3(signature = (s, limit = None))]
    fn locate<'py>(&self, py: Python<'py>, s: &str, limit: Option<usize>) -> PyResult<Bound<'py, PyTuple>> {
        let inner = self.inner.clone();
        let places = self.maybe_heavy(py, s, move |s, ctl| inner.locate(s, limit, ctl))?;
        let source: Vec<u32> = places.iter().map(|p| p.source).collect();
        let line: Vec<u64> = places.iter().map(|p| p.line).collect();
        let col: Vec<u64> = places.iter().map(|p| p.col).collect();
        PyTuple::new(py, [source.into_pyarray(py).into_any(), line.into_pyarray(py).into_any(), col.into_pyarray(py).into_any()])
    }

    /// (source, line, column, left, match, right, random key, sort key) of KWIC lines
    /// `offset..offset + limit` of `s`.
    #[pyo3(signature = (s, width, limit, order, seed, offset = 0))]
    #[allow(clippy::too_many_arguments)]
    fn kwic<'py>(
        &self,
        py: Python<'py>,
        s: &str,
        width: usize,
        limit: usize,
        order: &str,
        seed: u64,
        offset: usize,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let order = core_err(py, KwicOrder::parse(order, seed))?;
        let inner = self.inner.clone();
        let lines = self.maybe_heavy(py, s, move |s, ctl| inner.kwic_page(s, width, offset, limit, order, ctl))?;
        let source: Vec<u32> = lines.iter().map(|l| l.place.source).collect();
        let line: Vec<u64> = lines.iter().map(|l| l.place.line).collect();
        let col: Vec<u64> = lines.iter().map(|l| l.place.col).collect();
        let key: Vec<u64> = lines.iter().map(|l| l.key).collect();
        let left = PyList::new(py, lines.iter().map(|l| l.left.as_str()))?;
        let matched = PyList::new(py, lines.iter().map(|l| l.matched.as_str()))?;
        let right = PyList::new(py, lines.iter().map(|l| l.right.as_str()))?;
        let sort_key = PyList::new(py, lines.iter().map(|l| l.sort_key.as_str()))?;
        PyTuple::new(
            py,
            [
                source.into_pyarray(py).into_any(),
                line.into_pyarray(py).into_any(),
                col.into_pyarray(py).into_any(),
                left.into_any(),
                matched.into_any(),
                right.into_any(),
                key.into_pyarray(py).into_any(),
                sort_key.into_any(),
            ],
        )
    }

    /// (hits, window slots, the characters as one str, their uint64 counts there, their
    /// uint64 corpus counts) around the occurrences of `s`, characters by code point.
    fn collocates<'py>(&self, py: Python<'py>, s: &str, window: usize) -> PyResult<CollocateRows<'py>> {
        let inner = self.inner.clone();
        let c = self.maybe_heavy(py, s, move |s, ctl| inner.collocates(s, window, ctl))?;
        let (chars, counts): (String, Vec<u64>) = c.counts.into_iter().unzip();
        Ok((c.hits, c.slots, chars, counts.into_pyarray(py), c.corpus_counts.into_pyarray(py)))
    }

    #[pyo3(signature = (s, side = "right"))]
    fn branching_entropy(&self, py: Python<'_>, s: &str, side: &str) -> PyResult<f64> {
        let side = core_err(py, Side::parse(side))?;
        let inner = self.inner.clone();
        let s = s.to_string();
        core_err(py, py.detach(move || inner.branching_entropy(&s, side)))
    }

    /// The branching entropy of each of `strings` on one side, in one call (the GIL released once).
    #[pyo3(signature = (strings, side = "right"))]
    fn branching_entropies<'py>(&self, py: Python<'py>, strings: Vec<String>, side: &str) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let side = core_err(py, Side::parse(side))?;
        let inner = self.inner.clone();
        let values = py.detach(move || strings.iter().map(|s| inner.branching_entropy(s, side)).collect::<Result<Vec<f64>, _>>());
        Ok(core_err(py, values)?.into_pyarray(py))
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

/// Hash partition of each string of an Arrow string column (data bytes + int64 offsets).
#[pyfunction]
pub(crate) fn partition_of<'py>(
    py: Python<'py>,
    data: numpy::PyReadonlyArray1<'py, u8>,
    offsets: numpy::PyReadonlyArray1<'py, i64>,
    partitions: u32,
) -> PyResult<Bound<'py, PyArray1<u32>>> {
    let parts = core_err(py, core::stats::ngram::partition_of(data.as_slice()?, offsets.as_slice()?, partitions))?;
    Ok(parts.into_pyarray(py))
}
