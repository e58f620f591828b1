//! Arbitrary bytes as a corpus file: the build either fails with an error (invalid UTF-8)
//! or gives an index whose counts of the input's own substrings equal naive counting.
#![no_main]
use std::io::Write;

use libfuzzer_sys::fuzz_target;
use minent_core::{Control, CorpusIndex, NgramOrder, Segmenter};

fn naive_count(segments: &[Vec<char>], pat: &[char]) -> u64 {
    segments
        .iter()
        .filter(|s| s.len() >= pat.len())
        .map(|s| s.windows(pat.len()).filter(|w| *w == pat).count() as u64)
        .sum()
}

fn segments(text: &str, seg: Segmenter) -> Vec<Vec<char>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match seg {
        Segmenter::Han => text
            .split(|c| !minent_core::index::corpus::is_han_char(c))
            .map(|s| s.chars().collect::<Vec<_>>())
            .filter(|s| !s.is_empty())
            .collect(),
        // a CR is dropped only before LF; a lone CR is an ordinary character
        Segmenter::Line => text
            .split_inclusive('\n')
            .map(|l| l.strip_suffix("\r\n").or(l.strip_suffix('\n')).unwrap_or(l).chars().collect::<Vec<_>>())
            .filter(|s| !s.is_empty())
            .collect(),
        // letters, marks, digits, and an apostrophe between two of them
        Segmenter::Unicode => {
            let word = minent_core::index::corpus::is_word_char;
            let chars: Vec<char> = text.chars().collect();
            let mut out = vec![Vec::new()];
            for (i, &c) in chars.iter().enumerate() {
                let inner = (c == '\'' || c == '\u{2019}')
                    && i > 0
                    && word(chars[i - 1])
                    && chars.get(i + 1).is_some_and(|&n| word(n));
                if word(c) || inner {
                    out.last_mut().unwrap().push(c);
                } else {
                    out.push(Vec::new());
                }
            }
            out.into_iter().filter(|s| !s.is_empty()).collect()
        }
        // every non-space character, one segment a line
        Segmenter::All => text
            .split('\n')
            .map(|l| l.chars().filter(|c| !c.is_whitespace()).collect::<Vec<_>>())
            .filter(|s| !s.is_empty())
            .collect(),
    }
}

fuzz_target!(|data: &[u8]| {
    let (seg, bytes) = match data.split_first() {
        Some((b, rest)) => ([Segmenter::Han, Segmenter::Line, Segmenter::Unicode, Segmenter::All][(b & 3) as usize], rest),
        None => (Segmenter::Han, data),
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("corpus.txt");
    std::fs::File::create(&path).and_then(|mut f| f.write_all(bytes)).expect("write corpus");
    let ctl = Control::new();
    let built = CorpusIndex::build(&[path], seg, None, &ctl);
    let Ok(text) = std::str::from_utf8(bytes) else {
        assert!(built.is_err(), "invalid UTF-8 must be rejected");
        return;
    };
    let index = built.expect("valid UTF-8 must index");
    let segs = segments(text, seg);
    assert_eq!(index.num_chars(), segs.iter().map(|s| s.len() as u64).sum::<u64>());
    // every substring of up to 4 chars starting in the first segments: exact count
    for s in segs.iter().take(4) {
        for i in 0..s.len().min(8) {
            for n in 1..=4.min(s.len() - i) {
                let pat: String = s[i..i + n].iter().collect();
                assert_eq!(index.count(&pat).expect("count"), naive_count(&segs, &s[i..i + n]), "{pat:?}");
            }
        }
    }
    let table = index.ngrams(1, 3, 1, NgramOrder::Count, None, &ctl).expect("ngrams");
    let total: u64 = (0..table.len()).map(|r| table.get(r).1).sum();
    let expect: u64 = segs.iter().map(|s| (1..=3).map(|n| s.len().saturating_sub(n - 1) as u64).sum::<u64>()).sum();
    assert_eq!(total, expect);
    // save and reopen (verified) give the same answers; saves fsync, so only some inputs
    if data.first().is_some_and(|b| b & 0x0e != 0) {
        return;
    }
    let saved = index.save(dir.path(), &ctl).expect("save");
    let reopened = CorpusIndex::open(&saved, true, &ctl).expect("reopen");
    assert_eq!(reopened.num_chars(), index.num_chars());
});
