//! Stage 4, lexicon → segmentation. Takes word counts ([`lexicon`]: parsed, saved,
//! a crawdad trie) and cuts sentences into words by unigram Viterbi with nlp-zero
//! `Tokenizer` semantics ([`viterbi`], over the trie laid out for it in [`segtrie`]):
//! strings, batches, and whole files streamed in parallel.

pub mod batch;
pub mod lexicon;
pub mod segtrie;
pub mod viterbi;

pub use lexicon::Lexicon;
pub use viterbi::{Scratch, Tokenizer};
