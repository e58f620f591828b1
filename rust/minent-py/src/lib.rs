//! `minent_fast._core`: thin PyO3 wrappers over minent-core.
//!
//! Rules kept here: extract Python arguments first, then run the Rust work with the GIL
//! released; long calls run on a worker thread while this thread polls for Ctrl-C and
//! feeds the progress callback (or, in `WordFinder.finish_find`, builds the Python result
//! meanwhile); core errors map onto the exception classes of `minent_fast.errors` (or the
//! matching built-ins).
//!
//! One file per pipeline stage, each wrapper thin: `index` (CorpusIndex, n-gram table
//! partitions), `segment` (Lexicon, Tokenizer), `discover` (WordFinder, autonomy),
//! `templates` (TemplateFinder, TemplateTrie); beside them the shared machinery: `errors`
//! (core error -> Python exception), `worker` (long calls on a worker thread, Ctrl-C,
//! progress) and `texts` (Python strs read in place, words made into strs).

mod discover;
mod errors;
mod index;
mod segment;
mod templates;
mod texts;
mod worker;

use minent_core as core;
use pyo3::prelude::*;

#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<index::PyCorpusIndex>()?;
    m.add_class::<segment::PyLexicon>()?;
    m.add_class::<segment::PyTokenizer>()?;
    m.add_class::<discover::PyWordFinder>()?;
    m.add_class::<discover::PyBoundaryTagger>()?;
    m.add_class::<discover::PyAutonomyTable>()?;
    m.add_class::<templates::PyTemplateFinder>()?;
    m.add_class::<templates::PyTemplateTrie>()?;
    m.add_function(wrap_pyfunction!(discover::autonomy, m)?)?;
    m.add_function(wrap_pyfunction!(discover::autonomy_table, m)?)?;
    m.add_function(wrap_pyfunction!(segment::split_pieces, m)?)?;
    m.add_function(wrap_pyfunction!(index::partition_of, m)?)?;
    m.add_function(wrap_pyfunction!(discover::autonomy_from_counts, m)?)?;
    m.add_function(wrap_pyfunction!(discover::description_length, m)?)?;
    m.add_function(wrap_pyfunction!(discover::mdl_prune, m)?)?;
    m.add_function(wrap_pyfunction!(discover::best_merges, m)?)?;
    m.add("FORMAT_VERSION", core::index::FORMAT_VERSION)?;
    m.add("MAX_NGRAM", core::stats::ngram::MAX_N)?;
    Ok(())
}
