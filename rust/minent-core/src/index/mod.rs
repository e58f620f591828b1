//! Stage 1, corpus → index. Takes UTF-8 files (memory-mapped; [`corpus`] validates them,
//! cuts them into segments and gives each character a dense id), builds the suffix and
//! segment-capped LCP arrays ([`sa`], libsais) and gives a [`CorpusIndex`]
//! ([`corpus_index`]: built in memory, saved as one checksummed file, reopened by mmap),
//! which keeps the text it was built from and the way back to it ([`origin`]).
//! Every later stage reads the corpus through this.

pub mod corpus;
pub mod corpus_index;
pub mod origin;
pub mod sa;

pub use corpus::Segmenter;
pub(crate) use corpus_index::with_text;
pub use corpus_index::{CorpusIndex, FORMAT_VERSION, INDEX_FILE};
pub(crate) use corpus_index::{Store, Text};
