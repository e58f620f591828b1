//! The 去冗 loop: sequential redundancy removal over the truncated rough cut.

use std::ops::Range;

use rayon::prelude::*;

use super::cut::{short_key, ShortIds};
use crate::segment::viterbi::{is_separator, ln_or_sentinel, tokenize_into, Scratch, Sentence, Words};
use crate::util::control::Control;
use crate::util::error::Result;
use crate::util::ordered::OrderedCounts;

/// The lexicon of the 去冗 loop: nlp-zero's `tok.words` (live counts, 0 = deleted) over
/// the keys of the candidates' table, whose own counts are nlp-zero's `words` (with
/// removed words marked). Both gain the same pieces at the same time, so one key table
/// (entry number = word id) serves both.
struct LoopLexicon {
    /// keys, and nlp-zero's `words` counts
    out: OrderedCounts,
    removed: Vec<bool>,
    /// nlp-zero's `tok.words` counts, and their logs (kept with them: the loop reads each
    /// several times, and a log costs more than the rest of a Viterbi step)
    live: Vec<u64>,
    ln_live: Vec<f64>,
    total: u64,
    /// chars of each word, and how many live words have each length: the slow path's
    /// prefix search stops at the longest live word, so deleting a huge candidate (a
    /// whole repetitive line on degenerate input) does not make splitting it quadratic.
    lengths: Vec<u32>,
    live_by_len: Vec<u32>,
    max_chars: usize,
}

impl LoopLexicon {
    fn new(out: OrderedCounts) -> Self {
        let live: Vec<u64> = out.counts().collect();
        let ln_live = live.iter().map(|&c| ln_or_sentinel(c)).collect();
        let lengths: Vec<u32> = (0..out.len() as u32).map(|i| out.key(i).chars().count() as u32).collect();
        let mut live_by_len = vec![0u32; lengths.iter().max().map_or(0, |&m| m as usize) + 1];
        for (&l, &c) in lengths.iter().zip(&live) {
            if c > 0 {
                live_by_len[l as usize] += 1;
            }
        }
        let removed = vec![false; out.len()];
        let total = live.iter().sum();
        let mut lex = LoopLexicon { out, removed, live, ln_live, total, lengths, live_by_len, max_chars: 0 };
        lex.refresh_max();
        lex
    }

    fn refresh_max(&mut self) {
        self.max_chars = self.live_by_len.iter().rposition(|&n| n > 0).unwrap_or(0);
    }

    /// Set word `id`'s live count, keeping the live-length bookkeeping.
    fn set_live(&mut self, id: usize, c: u64) {
        self.set_live_ln(id, c, ln_or_sentinel(c));
    }

    /// [`set_live`](Self::set_live) with the count's log known: `ln_c` = ln_or_sentinel(c).
    fn set_live_ln(&mut self, id: usize, c: u64, ln_c: f64) {
        let l = self.lengths[id] as usize;
        match (self.live[id] > 0, c > 0) {
            (true, false) => self.live_by_len[l] -= 1,
            (false, true) => self.live_by_len[l] += 1,
            _ => {}
        }
        self.live[id] = c;
        self.ln_live[id] = ln_c;
        if l >= self.max_chars || c == 0 {
            self.refresh_max();
        }
    }

    fn live_count(&self, w: &str) -> u64 {
        self.out.id(w).map_or(0, |i| self.live[i as usize])
    }

    /// A piece of a removed word gains `n`: nlp-zero's `tok.words[k] += n; words[k] += n`.
    /// Returns false if the piece was not a key before (then it is added as one).
    fn gain(&mut self, piece: &str, n: u64) -> bool {
        let known = self.out.id(piece).is_some();
        self.out.add(piece, n);
        let id = self.out.id(piece).map_or(0, |i| i as usize);
        if !known {
            // a piece the lexicon never held (only in degenerate inputs)
            let l = piece.chars().count();
            self.live.push(0);
            self.ln_live.push(ln_or_sentinel(0));
            self.removed.push(false);
            self.lengths.push(l as u32);
            if self.live_by_len.len() <= l {
                self.live_by_len.resize(l + 1, 0);
            }
        }
        self.removed[id] = false;
        self.set_live(id, self.live[id] + n);
        self.total += n;
        known
    }
}

/// The live words of a [`LoopLexicon`] scored ln(count) − `log_total`, found by hashing
/// substrings (the slow path, for any word).
struct LiveWords<'a> {
    lex: &'a LoopLexicon,
    log_total: f64,
}

impl Words for LiveWords<'_> {
    #[inline]
    fn for_each_word(&self, s: &Sentence<'_>, start: usize, mut f: impl FnMut(usize, f64)) {
        let last = s.chars.len().min(start + self.lex.max_chars);
        for end in start + 1..=last {
            let c = self.lex.live_count(&s.text[s.byte_at[start]..s.byte_at[end]]);
            if c > 0 {
                f(end - start, ln_or_sentinel(c) - self.log_total);
            }
        }
    }
}

/// A word that is a substring of a candidate: chars `start..start + len` are word `id`.
#[derive(Clone, Copy)]
struct Sub {
    start: u32,
    len: u32,
    id: u32,
}

/// Candidates longer than this go the slow path (their substrings are many; they are rare).
const FAST_MAX_CHARS: usize = 32;

/// Every proper substring of `w` that is a key of `keys`, by start then length, or `None`
/// if `w` needs the slow path: a separator or an ASCII letter or digit in it (the
/// tokenizer then cuts or glues), or more than FAST_MAX_CHARS chars.
fn substring_words(keys: &OrderedCounts, short: &ShortIds, w: &str, out: &mut Vec<Sub>) -> bool {
    let mut at = [0usize; FAST_MAX_CHARS + 1];
    let mut units = [0u32; FAST_MAX_CHARS];
    let mut l = 0;
    for (i, c) in w.char_indices() {
        if is_separator(c) || c.is_ascii_alphanumeric() || l == FAST_MAX_CHARS {
            return false;
        }
        at[l] = i;
        units[l] = c as u32;
        l += 1;
    }
    at[l] = w.len();
    for start in 0..l {
        for end in start + 1..=l {
            if end - start == l {
                continue; // the word itself, deleted while it is split
            }
            let id = match short_key(&units[start..end]) {
                Some(k) => short.get(k),
                None => keys.id(&w[at[start]..at[end]]),
            };
            if let Some(id) = id {
                out.push(Sub { start: start as u32, len: (end - start) as u32, id });
            }
        }
    }
    true
}

/// nlp-zero's `Tokenizer` Viterbi over a candidate's substring words (the fast path of
/// the 去冗 loop): scores ln c − L for live words (count > 0), strict `>`, the −100
/// single-character edge only where nothing reaches; words by start, then length.
#[derive(Default)]
struct SubViterbi {
    score: Vec<f64>,
    back: Vec<usize>,
    /// the word (id) each position was reached by; NO_ID for the −100 edge
    back_id: Vec<u32>,
    /// byte offset of each char of the word, and its end
    at: Vec<usize>,
}

/// A piece whose word id is not known (a −100 edge, or any piece of the slow path).
const NO_ID: u32 = u32::MAX;

impl SubViterbi {
    /// The pieces of `w` (`len` chars) as (byte range, word id) into `out` (cleared first).
    fn split(&mut self, w: &str, len: usize, subs: &[Sub], lex: &LoopLexicon, log_total: f64, out: &mut Vec<(Range<usize>, u32)>) {
        let (score, back, back_id) = (&mut self.score, &mut self.back, &mut self.back_id);
        score.clear();
        score.resize(len + 1, f64::NEG_INFINITY);
        back.clear();
        back.resize(len + 1, 0);
        back_id.clear();
        back_id.resize(len + 1, NO_ID);
        score[0] = 1.0;
        let mut next = 0;
        for k in 0..len {
            let base = score[k];
            while let Some(sub) = subs.get(next).filter(|s| s.start as usize == k) {
                next += 1;
                if lex.live[sub.id as usize] > 0 {
                    let end = k + sub.len as usize;
                    let sc = base + (lex.ln_live[sub.id as usize] - log_total);
                    if sc > score[end] {
                        score[end] = sc;
                        back[end] = k;
                        back_id[end] = sub.id;
                    }
                }
            }
            if score[k + 1] == f64::NEG_INFINITY {
                score[k + 1] = base + -100.0;
                back[k + 1] = k;
                back_id[k + 1] = NO_ID;
            }
        }
        self.at.clear();
        self.at.extend(w.char_indices().map(|(i, _)| i));
        self.at.push(w.len());
        out.clear();
        let mut end = len;
        while end > 0 {
            out.push((self.at[back[end]]..self.at[end], back_id[end]));
            end = back[end];
        }
        out.reverse();
    }
}

/// The 去冗 loop over the candidates `words` (distinct keys in dict order); returns the
/// kept words in order.
///
/// The loop is sequential (each decision changes the counts later, shorter words are
/// split with), but which candidates' substrings are words does not change (the key
/// set only grows on degenerate input): that is looked up for all candidates first, in
/// parallel. The loop then runs nlp-zero's Viterbi (`Tokenizer` semantics: scores
/// ln c − L with the stale L, strict `>`, the −100 single-character edge only where
/// nothing reaches) on those lists with the current counts. Candidates containing
/// separators or ASCII letters and digits, very long ones, and everything after a new
/// key appeared, take the slow path: the full tokenizer over hashed substrings.
pub(super) fn remove_redundant(words: OrderedCounts, short: &ShortIds, ctl: &Control) -> Result<FoundWords> {
    redundancy_loop(words, short, ctl, true)
}

/// The words kept by the 去冗 loop, in nlp-zero's dict order, without copying them out
/// of the loop's table.
pub struct FoundWords {
    table: OrderedCounts,
    kept: Vec<u32>,
}

impl FoundWords {
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// (word, count) in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, u64)> + '_ {
        self.iter_ids().map(|(_, w, n)| (w, n))
    }

    /// (id, word, count) in order: the id is the word's number among the candidates (see
    /// [`Candidates::texts`](super::Candidates::texts)).
    pub fn iter_ids(&self) -> impl ExactSizeIterator<Item = (u32, &str, u64)> + '_ {
        self.kept.iter().map(|&i| (i, self.table.key(i), self.table.count(i)))
    }

    pub fn to_vec(&self) -> Vec<(String, u64)> {
        self.iter().map(|(w, n)| (w.to_string(), n)).collect()
    }
}

/// [`remove_redundant`]; `fast: false` sends every candidate the slow path (for tests).
fn redundancy_loop(words: OrderedCounts, short: &ShortIds, ctl: &Control, fast: bool) -> Result<FoundWords> {
    let mut lex = LoopLexicon::new(words);
    let mut order: Vec<usize> = (0..lex.out.len()).filter(|&i| lex.lengths[i] > 1).collect(); // (the cut has no empty pieces)
    order.sort_by_key(|&i| std::cmp::Reverse(lex.lengths[i])); // stable: ties in dict order
    ctl.stage("redundancy", order.len() as u64)?;

    let keys = &lex.out;
    // per block of 4096 candidates, in loop order: their substring words, and each candidate's range
    // of them (None: slow path)
    type Plans = (Vec<Sub>, Vec<Option<(u32, u32)>>);
    let parts: Vec<Plans> = order
        .par_chunks(4096)
        .map(|ids| {
            let (mut subs, mut spans) = (Vec::new(), Vec::with_capacity(ids.len()));
            for &id in ids {
                let from = subs.len() as u32;
                let fast = substring_words(keys, short, keys.key(id as u32), &mut subs);
                spans.push(fast.then_some((from, subs.len() as u32)));
            }
            (subs, spans)
        })
        .collect();

    let mut scratch = Scratch::default();
    let mut viterbi = SubViterbi::default();
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut pieces: Vec<(Range<usize>, u32)> = Vec::new();
    let mut w = String::new();
    let mut late_keys = false;
    for (chunk, (subs, plans)) in order.chunks(4096).zip(parts) {
        ctl.advance(chunk.len() as u64)?;
        for (&id, plan) in chunk.iter().zip(plans) {
            w.clear();
            w.push_str(lex.out.key(id as u32));
            let len = lex.lengths[id] as usize;
            let num = lex.live[id];
            let big_l = ln_or_sentinel(lex.total);
            let ln_num = lex.ln_live[id];
            let mut pmi = ln_num - big_l;
            lex.set_live(id, 0);
            lex.total -= num;
            // split w with the remaining lexicon: pieces as byte ranges of w (and word ids)
            match plan.filter(|_| fast && !late_keys) {
                Some((from, to)) => {
                    viterbi.split(&w, len, &subs[from as usize..to as usize], &lex, big_l, &mut pieces)
                }
                None => {
                    tokenize_into(&w, Some(&LiveWords { lex: &lex, log_total: big_l }), -100.0, true, &mut scratch, &mut spans);
                    pieces.clear();
                    pieces.extend(spans.iter().map(|r| (r.clone(), NO_ID)));
                }
            }
            for (r, pid) in &pieces {
                let ln_c = if *pid == NO_ID { ln_or_sentinel(lex.live_count(&w[r.clone()])) } else { lex.ln_live[*pid as usize] };
                pmi -= ln_c - big_l;
            }
            if pmi < (len - 1) as f64 {
                for (r, _) in &pieces {
                    late_keys |= !lex.gain(&w[r.clone()], num);
                }
                lex.removed[id] = true;
            } else {
                lex.set_live_ln(id, num, ln_num);
                lex.total += num;
            }
        }
    }
    let LoopLexicon { out, removed, .. } = lex;
    let kept = (0..out.len() as u32).filter(|&i| !removed[i as usize]).collect();
    Ok(FoundWords { table: out, kept })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn table(words: &[(String, u64)]) -> OrderedCounts {
        let mut t = OrderedCounts::default();
        for (w, n) in words {
            t.add(w, *n);
        }
        t
    }

    fn both(words: &[(String, u64)]) -> (Vec<(String, u64)>, Vec<(String, u64)>) {
        let ctl = Control::default();
        let run = |fast| {
            let keys = table(words);
            let short = ShortIds::of(&keys);
            redundancy_loop(keys, &short, &ctl, fast).unwrap().to_vec()
        };
        (run(true), run(false))
    }

    #[test]
    fn a_new_key_sends_later_candidates_the_slow_way() {
        // "乙乙…乙甲" (201 chars) splits into 200 × 乙 and an unknown 甲 (−100), and its
        // length threshold (200) still removes it: 甲 becomes a key with its 5000. Split
        // later, 丙甲乙 must see it: 丙 + 甲 + 乙, pmi −4.6, removed (were 甲 unknown, its
        // −100 edge would make it 丙 + 甲乙, pmi 3.8, kept).
        let long: String = "乙".repeat(200) + "甲";
        let words: Vec<(String, u64)> =
            [(long.as_str(), 5000), ("丙甲乙", 2), ("甲乙", 1), ("乙", 1_000_000), ("丙", 100_000)]
                .iter()
                .map(|&(w, n)| (w.to_string(), n))
                .collect();
        let (fast, slow) = both(&words);
        assert_eq!(fast, slow);
        let got: std::collections::HashMap<&str, u64> = fast.iter().map(|(w, n)| (w.as_str(), *n)).collect();
        // 甲乙 (1) is then split too
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!((got["丙"], got["甲"], got["乙"]), (100_000 + 2, 5000 + 2 + 1, 1_000_000 + 200 * 5000 + 2 + 1));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn fast_path_equals_the_tokenizer_path(
            words in prop::collection::vec(("[天地人和中国大小的了是a1。 😀é]{1,6}", 1u64..200), 1..60),
        ) {
            let mut seen = std::collections::HashSet::new();
            let words: Vec<(String, u64)> = words.into_iter().filter(|(w, _)| seen.insert(w.clone())).collect();
            let (fast, slow) = both(&words);
            prop_assert_eq!(fast, slow);
        }
    }
}
