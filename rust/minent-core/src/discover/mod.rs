//! Stage 3, statistics → words. Takes a corpus (or its n-gram counts) and gives candidate
//! words with scores or counts: the nVBE autonomy that `discover_words` segments by
//! ([`autonomy`](mod@autonomy), from branching entropy), and nlp-zero's `Word_Finder` with identical
//! output ([`wordfind`]). Both segment with [`crate::segment`] while they work; the
//! re-estimation, merging and MDL pruning of `discover_words` drive the same tokenizer from
//! Python, with the lexicon edits between two passes in [`mdl`].

pub mod autonomy;
pub mod mdl;
pub mod partitioned;
pub mod selftrain;
pub mod wordfind;

pub use autonomy::{autonomy, autonomy_from_counts, autonomy_keys};
pub use partitioned::{autonomy_of_candidates, Spill};
pub use selftrain::BoundaryTagger;
pub use wordfind::WordFinder;
