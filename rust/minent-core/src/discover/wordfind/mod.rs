//! nlp-zero `Word_Finder` ("当机立断", article 2): lexicon construction by cutting weak
//! adjacent pairs, truncation, and sequential redundancy removal (去冗).
//!
//! Exactness notes (ALGORITHMS.md §2.5; each matters for identical words and counts):
//! - Chunks are runs of `[\u4e00-\u9fa5 0-9 a-z A-Z]` (or whole sentences without
//!   filtering); chars and adjacent pairs are counted inside chunks.
//! - log-probabilities use nlp-zero's `log` (−100 for 0): chars normalised by Σ chars,
//!   pairs by Σ pairs; a pair is strong when ln p_ab > ln min_proba and
//!   ln p_ab − ln p_a − ln p_b > min_pmi, evaluated left to right as in Python.
//! - The rough cut counts pieces in order of first occurrence; truncation keeps
//!   ln(n) − ln(Σ n) > ln min_proba.
//! - 去冗 visits candidates longest first (stable: ties in first-occurrence order). For a
//!   word w with current count `num`: pmi = ln num − L, where L = ln(total) *before* w is
//!   deleted (nlp-zero leaves its `log_total_items` stale on deletion), w is deleted, the
//!   unigram tokenizer (scores ln c − L, −100 for unknown characters, alphanumeric gluing)
//!   splits w, pmi −= ln c_k − L for each piece; if pmi < len(w) − 1 the pieces gain
//!   `num` each (repeats included) and w is dropped, otherwise w is restored.
//!
//! Unlike nlp-zero, `find` may be called again after more `train` calls: counts survive
//! (weak pairs are dropped when asked, as the library intended), and words are recomputed.
//!
//! How it runs: texts are read as the caller holds them ([`crate::util::text`]); blocks of
//! sentences are scanned in parallel and send what they count to hash shards, each then
//! counted on its own thread into a cache-sized table: adjacent pairs in `pairs`, the cut's
//! pieces (with the position of their first occurrence, which restores nlp-zero's order)
//! in `cut`. `ordered` is the candidates' table, `redundancy` the sequential 去冗 loop.

mod cut;
mod pairs;
mod redundancy;

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::index::corpus::is_han_char;
use crate::segment::viterbi::ln_or_sentinel;
use crate::util::control::Control;
use crate::util::error::{Error, Result};
use crate::util::ordered::add_counts;
use crate::util::text::{AsText, CharVisitor};

pub use crate::util::ordered::{KeyTexts, OrderedCounts};
pub use pairs::PairCounts;
use cut::{BlockPieces, CutCounts, ShortIds};
use pairs::PairBlock;
pub use redundancy::FoundWords;
use redundancy::remove_redundant;

/// nlp-zero's `log` for a float threshold: −100 for 0.
fn log_f(x: f64) -> f64 {
    if x == 0.0 {
        -100.0
    } else {
        x.ln()
    }
}

/// nlp-zero's `log` of a count, from a table for small counts (the same f64 values:
/// the table is filled by the same function), since most counts are small.
struct LnTable(Vec<f64>);

impl LnTable {
    fn new() -> Self {
        LnTable((0..4096).map(ln_or_sentinel).collect())
    }
    #[inline]
    fn ln(&self, n: u64) -> f64 {
        self.0.get(n as usize).copied().unwrap_or_else(|| ln_or_sentinel(n))
    }
}

/// Contiguous blocks of sentences, a few per thread.
fn block_len(n: usize) -> usize {
    (n / (rayon::current_num_threads() * 2)).max(1024)
}

#[inline]
fn pack(a: char, b: char) -> u64 {
    ((a as u64) << 32) | b as u64
}

#[derive(Debug, Clone)]
pub struct WordFinder {
    pub min_proba: f64,
    pub min_pmi: f64,
    pub chars: HashMap<char, u64>,
    pub pairs: PairCounts,
    strong: StrongPairs,
    cut: CutCounts,
}

impl WordFinder {
    pub fn new(min_proba: f64, min_pmi: f64) -> Result<Self> {
        if !(min_proba >= 0.0) || !min_proba.is_finite() {
            return Err(Error::arg(format!("min_proba must be a finite number >= 0, got {min_proba}")));
        }
        if !min_pmi.is_finite() {
            return Err(Error::arg(format!("min_pmi must be a finite number, got {min_pmi}")));
        }
        Ok(WordFinder {
            min_proba,
            min_pmi,
            chars: HashMap::default(),
            pairs: PairCounts::default(),
            strong: StrongPairs::default(),
            cut: CutCounts::default(),
        })
    }

    /// Count characters and adjacent pairs of `sents` (incremental). Cancelled (`ctl`)
    /// between blocks of sentences, the counts unchanged.
    pub fn train<S: AsText + Sync>(&mut self, sents: &[S], filtering: bool, ctl: &Control) -> Result<()> {
        let blocks: Vec<(HashMap<char, u64>, PairBlock)> = sents
            .par_chunks(block_len(sents.len()))
            .map(|block| {
                if ctl.is_cancelled() {
                    return (HashMap::default(), PairBlock::with_capacity(0));
                }
                // characters of the Basic Multilingual Plane (all of them when filtering)
                // are counted in a dense table, the rest in a map
                let mut dense = vec![0u64; 0x1_0000];
                let mut wide: HashMap<char, u64> = HashMap::default();
                let bytes: usize = block.iter().map(|s| s.as_text().utf8_len_estimate()).sum();
                let mut pairs = PairBlock::with_capacity(bytes / 3);
                for sent in block {
                    sent.as_text().visit(TrainChars { dense: &mut dense, wide: &mut wide, pairs: &mut pairs, filtering });
                }
                for (cp, &n) in dense.iter().enumerate() {
                    if n > 0 {
                        if let Some(c) = char::from_u32(cp as u32) {
                            *wide.entry(c).or_insert(0) += n;
                        }
                    }
                }
                (wide, pairs)
            })
            .collect();
        ctl.check()?;
        let mut pairs = Vec::with_capacity(blocks.len());
        for (chars, p) in blocks {
            self.chars = add_counts(std::mem::take(&mut self.chars), chars);
            pairs.push(p);
        }
        self.pairs.absorb(&pairs);
        Ok(())
    }

    /// First step of `find`: choose the strong pairs from the counts.
    pub fn begin_find(&mut self, remove_weak_pairs: bool) {
        let log_min = log_f(self.min_proba);
        let ltc = ln_or_sentinel(self.chars.values().sum());
        let ltp = ln_or_sentinel(self.pairs.total());
        // ln p(c): a dense table for the Basic Multilingual Plane, a map beyond it
        let absent = -100.0 - ltc;
        let mut lc_bmp = vec![absent; 0x1_0000];
        let mut lc_wide: HashMap<char, f64> = HashMap::default();
        for (&c, &n) in &self.chars {
            let l = ln_or_sentinel(n) - ltc;
            match lc_bmp.get_mut(c as usize) {
                Some(slot) => *slot = l,
                None => {
                    lc_wide.insert(c, l);
                }
            }
        }
        let lc = |c: char| lc_bmp.get(c as usize).copied().unwrap_or_else(|| lc_wide.get(&c).copied().unwrap_or(absent));
        let ln = LnTable::new();
        let frequent = |n: u64| ln.ln(n) - ltp > log_min;
        let min_pmi = self.min_pmi;
        let per_shard: Vec<Vec<u64>> = self
            .pairs
            .shards()
            .par_iter()
            .map(|shard| {
                let mut strong = Vec::new();
                for (&ab, &n) in shard {
                    if frequent(n) {
                        let lp = ln.ln(n) - ltp;
                        let (a, b) = (char::from_u32((ab >> 32) as u32), char::from_u32(ab as u32));
                        if let (Some(a), Some(b)) = (a, b) {
                            if lp - lc(a) - lc(b) > min_pmi {
                                strong.push(ab);
                            }
                        }
                    }
                }
                strong
            })
            .collect();
        // the set is filled on one thread while the pool drops the weak pairs
        let fill = || {
            let mut strong = StrongPairs::with_capacity(per_shard.iter().map(Vec::len).sum());
            for ab in per_shard.into_iter().flatten() {
                strong.insert(ab);
            }
            strong
        };
        let pairs = &mut self.pairs;
        let (strong, ()) = rayon::join(fill, || {
            if remove_weak_pairs {
                pairs.retain(frequent);
            }
        });
        self.strong = strong;
        self.cut = CutCounts::default();
    }

    /// Second step: the rough cut of `sents` (call once per batch, in corpus order).
    pub fn cut<S: AsText + Sync>(&mut self, sents: &[S], filtering: bool, ctl: &Control) -> Result<()> {
        let strong = &self.strong;
        let blocks: Vec<BlockPieces> = sents
            .par_chunks(block_len(sents.len()))
            .map(|block| {
                if ctl.is_cancelled() {
                    return BlockPieces::with_capacity(0);
                }
                let bytes: usize = block.iter().map(|s| s.as_text().utf8_len_estimate()).sum();
                let mut local = BlockPieces::with_capacity(bytes / 3);
                let mut piece = Vec::new();
                for sent in block {
                    sent.as_text().visit(CutChars { strong, pieces: &mut local, piece: &mut piece, filtering });
                }
                local
            })
            .collect();
        ctl.check()?;
        self.cut.absorb(blocks);
        Ok(())
    }

    /// Last step: truncation and redundancy removal. Returns words in nlp-zero's dict order.
    pub fn finish_find(&mut self, ctl: &Control) -> Result<FoundWords> {
        self.truncate().remove_redundant(ctl)
    }

    /// [`finish_find`](Self::finish_find) in two: truncation of the cut, which gives the
    /// candidates of 去冗 (then [`Candidates::remove_redundant`]).
    pub fn truncate(&mut self) -> Candidates {
        let cut = std::mem::take(&mut self.cut);
        let log_min = log_f(self.min_proba);
        let ltw = ln_or_sentinel(cut.total());
        let ln = LnTable::new();
        let (words, short) = cut.ordered(|n| ln.ln(n) - ltw > log_min);
        Candidates { words, short }
    }
}

/// The truncated rough cut, in nlp-zero's dict order: what 去冗 starts from.
pub struct Candidates {
    words: OrderedCounts,
    short: ShortIds,
}

impl Candidates {
    /// A copy of the candidates' texts and counts: word id `i` of the result of
    /// [`remove_redundant`](Self::remove_redundant) is candidate `i` for `i` below their
    /// number (later ids are pieces that were no key before, on degenerate input).
    pub fn texts(&self) -> KeyTexts {
        self.words.texts()
    }

    pub fn remove_redundant(self, ctl: &Control) -> Result<FoundWords> {
        remove_redundant(self.words, &self.short, ctl)
    }
}

/// The strong pairs, asked about at every char of the cut: pairs of two Basic
/// Multilingual Plane chars (all of them when filtering) in a set of 32-bit keys, half
/// the size of one of packed 64-bit pairs, so more of it stays in cache.
#[derive(Debug, Clone, Default)]
struct StrongPairs {
    bmp: HashSet<u32>,
    wide: HashSet<u64>,
}

impl StrongPairs {
    /// Room for `n` pairs of BMP chars.
    fn with_capacity(n: usize) -> Self {
        StrongPairs { bmp: HashSet::with_capacity_and_hasher(n, Default::default()), wide: HashSet::default() }
    }

    /// Add the pair packed `a << 32 | b`.
    fn insert(&mut self, ab: u64) {
        let (a, b) = ((ab >> 32) as u32, ab as u32);
        if (a | b) < 0x1_0000 {
            self.bmp.insert(a << 16 | b);
        } else {
            self.wide.insert(ab);
        }
    }

    #[inline]
    fn contains(&self, a: char, b: char) -> bool {
        let (a, b) = (a as u32, b as u32);
        if (a | b) < 0x1_0000 {
            self.bmp.contains(&(a << 16 | b))
        } else {
            self.wide.contains(&((a as u64) << 32 | b as u64))
        }
    }
}

/// Training's loop over one sentence: chars counted (BMP ones in `dense`), adjacent
/// pairs sent to their shards; with `filtering`, a char outside the filter ends the chunk.
struct TrainChars<'a> {
    dense: &'a mut [u64],
    wide: &'a mut HashMap<char, u64>,
    pairs: &'a mut PairBlock,
    filtering: bool,
}

impl CharVisitor for TrainChars<'_> {
    type Output = ();
    #[inline]
    fn visit(self, chars: impl Iterator<Item = char>) {
        let mut prev: Option<char> = None;
        for c in chars {
            if self.filtering && !is_han_char(c) {
                prev = None;
                continue;
            }
            match self.dense.get_mut(c as usize) {
                Some(n) => *n += 1,
                None => *self.wide.entry(c).or_insert(0) += 1,
            }
            if let Some(p) = prev {
                self.pairs.push(pack(p, c));
            }
            prev = Some(c);
        }
    }
}

/// The rough cut of one sentence: one pass, a piece ends where two adjacent chars are not
/// a strong pair (and, with `filtering`, at a char outside the filter, which is dropped).
struct CutChars<'a> {
    strong: &'a StrongPairs,
    pieces: &'a mut BlockPieces,
    /// the current piece's chars
    piece: &'a mut Vec<u32>,
    filtering: bool,
}

impl CharVisitor for CutChars<'_> {
    type Output = ();
    #[inline]
    fn visit(self, chars: impl Iterator<Item = char>) {
        let (piece, pieces) = (self.piece, self.pieces);
        piece.clear();
        let mut prev = '\0';
        for c in chars {
            let dropped = self.filtering && !is_han_char(c);
            if !piece.is_empty() && (dropped || !self.strong.contains(prev, c)) {
                pieces.add(piece);
                piece.clear();
            }
            if dropped {
                continue;
            }
            piece.push(c as u32);
            prev = c;
        }
        if !piece.is_empty() {
            pieces.add(piece);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::text::Text;

    /// The cut's pieces (all, in first-occurrence order), computed plainly, one sentence
    /// after another.
    fn plain_cut(sents: &[String], strong: &StrongPairs, filtering: bool) -> Vec<(String, u64)> {
        let mut out = OrderedCounts::default();
        for s in sents {
            let (mut piece, mut prev) = (String::new(), '\0');
            for c in s.chars() {
                let dropped = filtering && !is_han_char(c);
                if !piece.is_empty() && (dropped || !strong.contains(prev, c)) {
                    out.add(&piece, 1);
                    piece.clear();
                }
                if !dropped {
                    piece.push(c);
                    prev = c;
                }
            }
            if !piece.is_empty() {
                out.add(&piece, 1);
            }
        }
        out.into_entries()
    }

    /// A sentence's code units as CPython stores it: its narrowest representation.
    enum Units {
        Latin1(Vec<u8>),
        Ucs2(Vec<u16>),
        Ucs4(Vec<u32>),
    }

    fn narrowest(s: &str) -> Units {
        let max = s.chars().map(|c| c as u32).max().unwrap_or(0);
        match max {
            0..0x100 => Units::Latin1(s.chars().map(|c| c as u8).collect()),
            0x100..0x1_0000 => Units::Ucs2(s.chars().map(|c| c as u16).collect()),
            _ => Units::Ucs4(s.chars().map(|c| c as u32).collect()),
        }
    }

    #[test]
    fn strong_pairs_answer_as_a_plain_set() {
        let chars = ['天', '地', 'a', 'é', '\u{FFFF}', '😀', '\u{10FFFF}'];
        let plain: HashSet<u64> =
            (0..30u64).map(|i| pack(chars[(i * 5 % 7) as usize], chars[(i * 3 % 7) as usize])).filter(|ab| ab % 3 != 0).collect();
        let mut strong = StrongPairs::default();
        for &ab in &plain {
            strong.insert(ab);
        }
        assert!(!strong.bmp.is_empty() && !strong.wide.is_empty());
        for a in chars {
            for b in chars {
                assert_eq!(strong.contains(a, b), plain.contains(&pack(a, b)), "{a} {b}");
            }
        }
    }

    #[test]
    fn the_cut_equals_a_plain_cut_in_every_representation() {
        // a small language of repeated "words", with punctuation, Latin-1, Latin letters
        // and a char beyond the BMP; 3000 sentences make several blocks
        let vocab = ["天地", "人和", "中国", "大小", "的", "了", "是非", "abc", "，", "。", "山水画", "é", "😀😀"];
        let latin = ["abc", "é", "x y", "abé", "\u{0}b"];
        let sents: Vec<String> = (0..3000u32)
            .map(|i| {
                let words: &[&str] = if i % 11 == 0 { &latin } else { &vocab };
                (0..(i % 17 + 3)).map(|k| words[((i * 31 + k * 7) ^ (i >> 3)) as usize % words.len()]).collect()
            })
            .collect();
        let units: Vec<Units> = sents.iter().map(|s| narrowest(s)).collect();
        let stored: Vec<Text> = units
            .iter()
            .map(|u| match u {
                Units::Latin1(v) => Text::Latin1(v),
                Units::Ucs2(v) => Text::Ucs2(v),
                Units::Ucs4(v) => Text::Ucs4(v),
            })
            .collect();
        let wide: Vec<Vec<u32>> = sents.iter().map(|s| s.chars().map(|c| c as u32).collect()).collect();
        let wide: Vec<Text> = wide.iter().map(|v| Text::Ucs4(v)).collect();
        assert!(units.iter().any(|u| matches!(u, Units::Latin1(_))) && units.iter().any(|u| matches!(u, Units::Ucs2(_))));
        for filtering in [true, false] {
            let mut wf = WordFinder::new(1e-4, 1.0).unwrap();
            wf.train(&stored, filtering, &Control::new()).unwrap();
            wf.begin_find(false);
            let want = plain_cut(&sents, &wf.strong, filtering);
            assert!(want.len() > 20 && want.iter().any(|(w, _)| w.chars().count() > 4), "{want:?}");
            let third = sents.len() / 3;
            let mut cut_with = |f: &dyn Fn(&mut WordFinder, std::ops::Range<usize>)| {
                wf.begin_find(false);
                // in two calls, as batches come
                f(&mut wf, 0..third);
                f(&mut wf, third..sents.len());
                std::mem::take(&mut wf.cut).ordered(|_| true).0.into_entries()
            };
            assert_eq!(cut_with(&|w, r| w.cut(&sents[r], filtering, &Control::new()).unwrap()), want);
            assert_eq!(cut_with(&|w, r| w.cut(&stored[r], filtering, &Control::new()).unwrap()), want);
            assert_eq!(cut_with(&|w, r| w.cut(&wide[r], filtering, &Control::new()).unwrap()), want);
        }
    }
}
