//! minent-core: corpus statistics for minimum-entropy NLP, with no Python in sight.
//!
//! - [`corpus`]: memory-mapped UTF-8 inputs, segmenters, dense character ids
//! - [`sa`]: suffix array + segment-capped LCP array (libsais)
//! - [`index`]: [`CorpusIndex`], built in memory or memory-mapped from its file
//! - [`ngram`]: all n-grams of a length range from LCP intervals
//! - [`stats`]: counts, neighbours, branching entropy, PMI, character entropy
//! - [`text`]: sentences as UTF-8 or as a Python str's code units
//! - [`control`]: cancellation and progress; [`error`]: the error type

pub mod atomic;
pub mod branching;
pub mod control;
pub mod corpus;
pub mod error;
pub mod index;
mod intervals;
pub mod ngram;
pub mod sa;
pub mod segtrie;
pub mod lexicon;
pub mod stats;
pub mod templates;
pub mod text;
pub mod viterbi;
pub mod wordfind;

pub use control::Control;
pub use corpus::Segmenter;
pub use error::{Error, Result};
pub use index::CorpusIndex;
pub use ngram::{NgramOrder, NgramTable};
pub use lexicon::Lexicon;
pub use stats::Side;
pub use text::{AsText, Text};
pub use viterbi::{Scratch, Tokenizer};
pub use wordfind::WordFinder;
