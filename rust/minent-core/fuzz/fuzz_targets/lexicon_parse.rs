//! Arbitrary text as a lexicon file, and arbitrary bytes as a cached lexicon image:
//! errors, never panics; a parsed lexicon survives its binary round trip.
#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use minent_core::Lexicon;

fuzz_target!(|data: &[u8]| {
    let _ = Lexicon::from_bytes(data);
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(lex) = Lexicon::parse(text, Path::new("fuzz.tsv")) {
        let back = Lexicon::from_bytes(&lex.to_bytes()).expect("round trip");
        assert_eq!(back.len(), lex.len());
        assert_eq!(back.total(), lex.total());
        for id in 0..lex.len() {
            assert_eq!(back.get(lex.word(id)), lex.count_of_id(id));
        }
    }
});
