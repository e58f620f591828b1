//! minent-core: corpus statistics for minimum-entropy NLP, with no Python in sight.
//!
//! One module a stage of the pipeline, each depending only on the ones above it:
//!
//! - [`util`]: what every stage uses (errors, Ctrl-C and progress, atomic output, text
//!   views, counts, thread pools)
//! - [`index`]: corpus → [`CorpusIndex`] (UTF-8 inputs, suffix + LCP arrays, on-disk format)
//! - [`stats`]: index → counts, n-grams, branching entropy, PMI
//! - [`segment`]: lexicon → words ([`Lexicon`], unigram Viterbi [`Tokenizer`])
//! - [`discover`]: statistics → words (nVBE autonomy, nlp-zero's [`WordFinder`]); it
//!   segments with [`segment`] while it works
//! - [`templates`]: words → templates (finder, matcher, parser)

pub mod discover;
pub mod index;
pub mod segment;
pub mod stats;
pub mod templates;
pub mod util;

pub use discover::{BoundaryTagger, WordFinder};
pub use index::{CorpusIndex, Segmenter};
pub use segment::{Lexicon, Scratch, Tokenizer};
pub use stats::{NgramOrder, NgramTable, Side};
pub use util::control::Control;
pub use util::error::{Error, Result};
pub use util::text::{AsText, Text};
