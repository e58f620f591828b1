//! Stage 2, index → statistics. Takes a [`CorpusIndex`](crate::CorpusIndex) and gives
//! exact answers: counts, neighbours, PMI and character entropy of any string
//! ([`queries`]); every n-gram of a length range with its count ([`ngram`]); the
//! branching entropy of every n-gram ([`branching`]). The last two walk the LCP
//! intervals with one shared scan ([`intervals`]). Where a string occurs and its lines in
//! context come from the text the index keeps ([`concordance`]).

pub mod branching;
pub mod concordance;
pub mod intervals;
pub mod ngram;
pub mod queries;

pub use concordance::{Collocates, KwicLine, KwicOrder};
pub use ngram::{NgramOrder, NgramTable};
pub use queries::Side;
