//! Property tests: every count the index gives equals naive counting over the segments.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use minent_core::{Control, CorpusIndex, NgramOrder, Segmenter, Side};
use proptest::prelude::*;

fn segments(text: &str, seg: Segmenter) -> Vec<Vec<char>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match seg {
        Segmenter::Han => {
            let mut out = vec![Vec::new()];
            for c in text.chars() {
                if minent_core::index::corpus::is_han_char(c) {
                    out.last_mut().unwrap().push(c);
                } else {
                    out.push(Vec::new());
                }
            }
            out.into_iter().filter(|s| !s.is_empty()).collect()
        }
        Segmenter::Line => text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).chars().collect::<Vec<_>>())
            .filter(|s| !s.is_empty())
            .collect(),
        Segmenter::Unicode => {
            // letters, marks, digits; an apostrophe between two of them
            let word = minent_core::index::corpus::is_word_char;
            let mut out = vec![Vec::new()];
            let chars: Vec<char> = text.chars().collect();
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
        Segmenter::All => text
            .split('\n')
            .map(|l| l.chars().filter(|c| !c.is_whitespace()).collect::<Vec<_>>())
            .filter(|s| !s.is_empty())
            .collect(),
    }
}

fn naive_ngrams(segs: &[Vec<char>], n: usize) -> HashMap<String, u64> {
    let mut m = HashMap::new();
    for s in segs {
        if s.len() >= n {
            for w in s.windows(n) {
                *m.entry(w.iter().collect::<String>()).or_insert(0) += 1;
            }
        }
    }
    m
}

fn write_files(texts: &[String]) -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let paths = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let p = dir.path().join(format!("f{i}.txt"));
            std::fs::File::create(&p).unwrap().write_all(t.as_bytes()).unwrap();
            p
        })
        .collect();
    (dir, paths)
}

/// Text over a small alphabet with separators of both kinds, CJK, emoji and Extension B.
fn text_strategy() -> impl Strategy<Value = String> {
    let alphabet = prop::sample::select(vec![
        "中", "国", "人", "a", "b", "1", "。", "\n", "\r\n", " ", "😀", "𠀀", "ｘ", "'", "д", "e\u{301}", "！",
    ]);
    prop::collection::vec(alphabet, 0..300).prop_map(|v| v.concat())
}

fn check_index(idx: &CorpusIndex, texts: &[String], seg: Segmenter) -> Result<(), TestCaseError> {
    let segs: Vec<Vec<char>> = texts.iter().flat_map(|t| segments(t, seg)).collect();
    let ctl = Control::new();
    prop_assert_eq!(idx.num_segments(), segs.len() as u64);
    prop_assert_eq!(idx.num_chars(), segs.iter().map(|s| s.len() as u64).sum::<u64>());
    for n in 1..=4 {
        let table = idx.ngrams(n, n, 1, NgramOrder::Ngram, Some(2), &ctl).unwrap();
        let got: HashMap<String, u64> = (0..table.len()).map(|r| { let (g, c) = table.get(r); (g.to_string(), c) }).collect();
        let want = naive_ngrams(&segs, n);
        prop_assert_eq!(&got, &want);
        for (g, c) in &want {
            prop_assert_eq!(idx.count(g).unwrap(), *c);
        }
    }
    // a range gives the union of the single lengths, filtered by min_count
    let range = idx.ngrams(1, 3, 2, NgramOrder::Count, None, &ctl).unwrap();
    let mut want: HashMap<String, u64> = HashMap::new();
    for n in 1..=3 {
        want.extend(naive_ngrams(&segs, n).into_iter().filter(|(_, c)| *c >= 2));
    }
    let got: HashMap<String, u64> = (0..range.len()).map(|r| { let (g, c) = range.get(r); (g.to_string(), c) }).collect();
    prop_assert_eq!(got, want);
    for r in 1..range.len() {
        let (a, ca) = range.get(r - 1);
        let (b, cb) = range.get(r);
        prop_assert!(ca > cb || (ca == cb && a < b), "count order broken at {}: {:?} {:?}", r, (a, ca), (b, cb));
    }
    // string order over a range of lengths, without ever comparing strings in the core
    let lex = idx.ngrams(1, 4, 1, NgramOrder::Ngram, None, &ctl).unwrap();
    for r in 1..lex.len() {
        prop_assert!(lex.get(r - 1).0 < lex.get(r).0);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn ngram_counts_equal_naive(texts in prop::collection::vec(text_strategy(), 1..4), which in 0..4usize) {
        let seg = [Segmenter::Han, Segmenter::Line, Segmenter::Unicode, Segmenter::All][which];
        let (_dir, paths) = write_files(&texts);
        let idx = CorpusIndex::build(&paths, seg, Some(2), &Control::new()).unwrap();
        check_index(&idx, &texts, seg)?;
    }

    #[test]
    fn saved_index_answers_the_same(texts in prop::collection::vec(text_strategy(), 1..3)) {
        let (dir, paths) = write_files(&texts);
        let ctl = Control::new();
        let idx = CorpusIndex::build(&paths, Segmenter::Han, None, &ctl).unwrap();
        let out = dir.path().join("idx");
        idx.save(&out, &ctl).unwrap();
        let back = CorpusIndex::open(&out, true, &ctl).unwrap();
        check_index(&back, &texts, Segmenter::Han)?;
        let a = idx.ngrams(1, 5, 1, NgramOrder::Count, None, &ctl).unwrap();
        let b = back.ngrams(1, 5, 1, NgramOrder::Count, None, &ctl).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn count_of_any_pattern_equals_naive(text in text_strategy(), pat in "[中国人ab1]{1,5}") {
        let (_dir, paths) = write_files(std::slice::from_ref(&text));
        let idx = CorpusIndex::build(&paths, Segmenter::Han, None, &Control::new()).unwrap();
        let pc: Vec<char> = pat.chars().collect();
        let want: u64 = segments(&text, Segmenter::Han).iter()
            .map(|s| if s.len() >= pc.len() { s.windows(pc.len()).filter(|w| *w == &pc[..]).count() as u64 } else { 0 })
            .sum();
        prop_assert_eq!(idx.count(&pat).unwrap(), want);
    }
}

#[test]
fn neighbours_entropy_and_pmi_on_a_toy_corpus() {
    let (_dir, paths) = write_files(&["中国人。中国队，美国人\n中国".to_string()]);
    let ctl = Control::new();
    let idx = CorpusIndex::build(&paths, Segmenter::Han, None, &ctl).unwrap();
    assert_eq!(idx.count("中国").unwrap(), 3);
    assert_eq!(idx.neighbors("中国", Side::Right).unwrap(), vec![('人', 1), ('队', 1)]);
    assert_eq!(idx.neighbors("国", Side::Left).unwrap(), vec![('中', 3), ('美', 1)]);
    let h = idx.branching_entropy("中国", Side::Right).unwrap();
    assert!((h - std::f64::consts::LN_2).abs() < 1e-12);
    // N = 11 chars; count(中国)=3, count(中)=3, count(国)=4 -> ln(3*11/(3*4))
    let pmi = idx.pmi("中国").unwrap();
    assert!((pmi - (11.0f64 / 4.0).ln()).abs() < 1e-12);
    assert_eq!(idx.pmi("国中").unwrap(), f64::NEG_INFINITY);
    assert!(idx.count("").is_err());
    assert!(idx.pmi("中").is_err());
    assert_eq!(idx.count("不在").unwrap(), 0);
}

#[test]
fn empty_and_separator_only_corpora() {
    let (_dir, paths) = write_files(&["".to_string(), "。。，\n\n".to_string()]);
    let ctl = Control::new();
    let idx = CorpusIndex::build(&paths, Segmenter::Han, None, &ctl).unwrap();
    assert_eq!(idx.num_chars(), 0);
    assert_eq!(idx.num_segments(), 0);
    assert!(idx.ngrams(1, 3, 1, NgramOrder::Count, None, &ctl).unwrap().is_empty());
    assert_eq!(idx.count("中").unwrap(), 0);
    assert_eq!(idx.char_entropy(), 0.0);
}

#[test]
fn invalid_utf8_reports_file_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.txt");
    std::fs::write(&p, b"\xe4\xb8\xad\xe5\x9b\xbdok\xff rest").unwrap();
    let err = CorpusIndex::build(&[p.clone()], Segmenter::Han, None, &Control::new()).err().unwrap();
    match err {
        minent_core::Error::InvalidUtf8 { path, offset } => {
            assert_eq!(path, p);
            assert_eq!(offset, 8);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn corrupt_and_truncated_indexes_are_rejected() {
    let (dir, paths) = write_files(&["中国人民。人民中国".repeat(100)]);
    let ctl = Control::new();
    let idx = CorpusIndex::build(&paths, Segmenter::Han, None, &ctl).unwrap();
    let out = dir.path().join("idx");
    let file = idx.save(&out, &ctl).unwrap();
    let good = std::fs::read(&file).unwrap();
    // truncation at several points
    for cut in [0, 10, 255, 256, good.len() / 2, good.len() - 1] {
        std::fs::write(&file, &good[..cut]).unwrap();
        assert!(matches!(CorpusIndex::open(&out, true, &ctl), Err(minent_core::Error::CorruptIndex { .. })), "cut {cut}");
    }
    // a flipped bit anywhere
    for pos in [3, 100, 300, good.len() / 2, good.len() - 70] {
        let mut bad = good.clone();
        bad[pos] ^= 0x10;
        std::fs::write(&file, &bad).unwrap();
        assert!(CorpusIndex::open(&out, true, &ctl).is_err(), "flip at {pos}");
    }
    std::fs::write(&file, &good).unwrap();
    assert!(CorpusIndex::open(&out, true, &ctl).is_ok());
}

/// Right-neighbour entropy of every n-gram by brute force (segment end = one boundary symbol).
fn naive_right_entropy(segs: &[Vec<char>], max_n: usize) -> HashMap<String, (u64, f64)> {
    let mut ext: HashMap<String, HashMap<Option<char>, u64>> = HashMap::new();
    for s in segs {
        for n in 1..=max_n {
            if s.len() < n {
                continue;
            }
            for i in 0..=s.len() - n {
                let g: String = s[i..i + n].iter().collect();
                *ext.entry(g).or_default().entry(s.get(i + n).copied()).or_insert(0) += 1;
            }
        }
    }
    ext.into_iter()
        .map(|(g, m)| {
            let total: u64 = m.values().sum();
            let t = total as f64;
            let h = -m.values().map(|&c| (c as f64 / t) * (c as f64 / t).ln()).sum::<f64>();
            (g, (total, h))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]
    #[test]
    fn branching_entropy_equals_naive(texts in prop::collection::vec(text_strategy(), 1..3)) {
        let (_dir, paths) = write_files(&texts);
        let ctl = Control::new();
        let idx = CorpusIndex::build(&paths, Segmenter::Han, Some(2), &ctl).unwrap();
        let segs: Vec<Vec<char>> = texts.iter().flat_map(|t| segments(t, Segmenter::Han)).collect();
        let want = naive_right_entropy(&segs, 3);
        let got: HashMap<String, (u64, f64)> = idx.right_branching(3, 1, &ctl).unwrap().into_iter()
            .map(|r| (minent_core::stats::branching::unpack_chars(r.key).into_iter().collect(), (r.count, r.entropy)))
            .collect();
        prop_assert_eq!(got.len(), want.len());
        for (g, (c, h)) in &want {
            let (gc, gh) = got[g];
            prop_assert_eq!(gc, *c);
            prop_assert!((gh - h).abs() < 1e-9, "{} {} {}", g, gh, h);
        }
        // the reversed index gives the left-neighbour entropies
        let rev_segs: Vec<Vec<char>> = segs.iter().map(|s| s.iter().rev().copied().collect()).collect();
        let want_left = naive_right_entropy(&rev_segs, 3);
        let rev = idx.reversed(Some(2), &ctl).unwrap();
        prop_assert_eq!(rev.num_chars(), idx.num_chars());
        for r in rev.right_branching(3, 1, &ctl).unwrap() {
            let g: String = minent_core::stats::branching::unpack_chars(r.key).into_iter().collect();
            let (c, h) = want_left[&g];
            prop_assert_eq!(r.count, c);
            prop_assert!((r.entropy - h).abs() < 1e-9);
        }
    }
}

#[test]
fn format_1_files_still_open_and_say_they_keep_no_text() {
    let (dir, paths) = write_files(&["中国人民，人民中国。\n".to_string()]);
    let ctl = Control::new();
    let built = CorpusIndex::build(&paths, Segmenter::Han, Some(1), &ctl).unwrap();
    built.save_format1(&dir.path().join("old")).unwrap();
    let old = CorpusIndex::open(&dir.path().join("old"), true, &ctl).unwrap();
    assert!(!old.has_text() && built.has_text());
    assert_eq!(old.count("人民").unwrap(), 2);
    assert_eq!(
        old.ngrams(1, 2, 1, NgramOrder::Count, None, &ctl).unwrap().len(),
        built.ngrams(1, 2, 1, NgramOrder::Count, None, &ctl).unwrap().len()
    );
    let err = old.locate("人民", None, &ctl).unwrap_err().to_string();
    assert!(err.contains("rebuild"), "{err}");
    assert!(old.save(&dir.path().join("again"), &ctl).unwrap_err().to_string().contains("rebuild"));
    assert_eq!(built.locate("人民", None, &ctl).unwrap().len(), 2);
}
