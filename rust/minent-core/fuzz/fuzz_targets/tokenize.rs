//! Arbitrary lexicon and sentence: the tokens are non-empty and concatenate to the sentence.
#![no_main]
use std::sync::Arc;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use minent_core::{Lexicon, Scratch, Tokenizer};

#[derive(Arbitrary, Debug)]
struct Input {
    words: Vec<(String, u16)>,
    sentence: String,
    combine_alnum: bool,
}

fuzz_target!(|input: Input| {
    let pairs = input.words.iter().filter(|(w, _)| !w.is_empty()).map(|(w, c)| (w.as_str(), *c as u64));
    let Ok(lex) = Lexicon::from_pairs(pairs) else { return };
    let tok = Tokenizer::new(Arc::new(lex), -100.0, input.combine_alnum);
    let mut scratch = Scratch::default();
    let tokens = tok.tokenize(&input.sentence, &mut scratch);
    assert!(tokens.iter().all(|t| !t.is_empty()));
    assert_eq!(tokens.concat(), input.sentence);
});
