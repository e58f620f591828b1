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

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rayon::prelude::*;

use crate::control::Control;
use crate::corpus::is_han_char;
use crate::error::{Error, Result};
use std::ops::Range;

use crate::viterbi::{is_separator, ln_or_sentinel, tokenize_into, Scratch, Sentence, Words};

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

/// `a + b` for count maps (the larger map absorbs the smaller one).
pub(crate) fn add_counts<K: std::hash::Hash + Eq>(a: HashMap<K, u64>, b: HashMap<K, u64>) -> HashMap<K, u64> {
    let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    for (k, v) in small {
        *big.entry(k).or_insert(0) += v;
    }
    big
}

/// Contiguous blocks of sentences, a few per thread (order-preserving merges stay cheap).
fn block_len(n: usize) -> usize {
    (n / (rayon::current_num_threads() * 2)).max(1024)
}

#[inline]
fn pack(a: char, b: char) -> u64 {
    ((a as u64) << 32) | b as u64
}

/// Counts that remember the order in which keys first appeared (a Python dict's order).
/// Keys live in one arena string; the hash table stores entry numbers, so counting a
/// piece seen before allocates nothing.
#[derive(Default, Clone)]
pub struct OrderedCounts {
    arena: String,
    /// (start, end) in `arena`, count
    entries: Vec<(u32, u32, u64)>,
    table: hashbrown::HashTable<u32>,
    hasher: rustc_hash::FxBuildHasher,
}

impl std::fmt::Debug for OrderedCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OrderedCounts({} keys)", self.entries.len())
    }
}

impl OrderedCounts {
    /// Room for `keys` keys and `bytes` bytes of key text before any rehash (a rehash
    /// recomputes every key's hash from the arena: random reads).
    pub fn with_capacity(keys: usize, bytes: usize) -> Self {
        OrderedCounts {
            arena: String::with_capacity(bytes),
            entries: Vec::with_capacity(keys),
            table: hashbrown::HashTable::with_capacity(keys),
            ..Default::default()
        }
    }

    fn key(&self, i: u32) -> &str {
        let (a, b, _) = self.entries[i as usize];
        &self.arena[a as usize..b as usize]
    }

    pub fn add(&mut self, key: &str, n: u64) {
        use std::hash::BuildHasher;
        let h = self.hasher.hash_one(key);
        let (arena, entries) = (&self.arena, &self.entries);
        let eq = |&i: &u32| {
            let (a, b, _) = entries[i as usize];
            &arena[a as usize..b as usize] == key
        };
        if let Some(&i) = self.table.find(h, eq) {
            self.entries[i as usize].2 += n;
            return;
        }
        let i = self.entries.len() as u32;
        let start = self.arena.len() as u32;
        self.arena.push_str(key);
        self.entries.push((start, self.arena.len() as u32, n));
        let (arena, entries, hasher) = (&self.arena, &self.entries, &self.hasher);
        self.table.insert_unique(h, i, |&j| {
            let (a, b, _) = entries[j as usize];
            hasher.hash_one(&arena[a as usize..b as usize])
        });
    }

    /// The entry number of `key`, if present.
    pub fn id(&self, key: &str) -> Option<u32> {
        use std::hash::BuildHasher;
        let h = self.hasher.hash_one(key);
        self.table.find(h, |&i| self.key(i) == key).copied()
    }

    /// The entries whose count passes `keep`, in order, as a new table (entry numbers
    /// change; only the kept keys are copied).
    pub fn filtered(&self, keep: impl Fn(u64) -> bool) -> OrderedCounts {
        let kept: Vec<u32> = (0..self.entries.len() as u32).filter(|&i| keep(self.entries[i as usize].2)).collect();
        let bytes = kept.iter().map(|&i| self.key(i).len()).sum();
        let mut out = OrderedCounts::with_capacity(kept.len(), bytes);
        for i in kept {
            out.add(self.key(i), self.entries[i as usize].2);
        }
        out
    }

    pub fn merge(&mut self, other: OrderedCounts) {
        for i in 0..other.entries.len() as u32 {
            self.add(other.key(i), other.entries[i as usize].2);
        }
    }

    pub fn into_entries(self) -> Vec<(String, u64)> {
        self.into_entries_where(|_| true)
    }

    /// The entries whose count passes `keep`, in order (only those are copied out).
    pub fn into_entries_where(self, keep: impl Fn(u64) -> bool) -> Vec<(String, u64)> {
        (0..self.entries.len() as u32)
            .filter(|&i| keep(self.entries[i as usize].2))
            .map(|i| (self.key(i).to_string(), self.entries[i as usize].2))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct WordFinder {
    pub min_proba: f64,
    pub min_pmi: f64,
    pub chars: HashMap<char, u64>,
    pub pairs: HashMap<u64, u64>,
    strong: HashSet<u64>,
    cut: OrderedCounts,
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
            pairs: HashMap::default(),
            strong: HashSet::default(),
            cut: OrderedCounts::default(),
        })
    }

    /// Count characters and adjacent pairs of `sents` (incremental).
    pub fn train<S: AsRef<str> + Sync>(&mut self, sents: &[S], filtering: bool) {
        type Counts = (HashMap<char, u64>, HashMap<u64, u64>);
        let (chars, pairs): Counts = sents
            .par_chunks(block_len(sents.len()))
            .map(|block| {
                // characters of the Basic Multilingual Plane (all of them when filtering)
                // are counted in a dense table, the rest in a map
                let mut dense = vec![0u64; 0x1_0000];
                let (mut wide, mut pa) = Counts::default();
                pa.reserve(1 << 14);
                for sent in block {
                    // one pass: a character outside the filter ends the chunk
                    let mut prev: Option<char> = None;
                    for c in sent.as_ref().chars() {
                        if filtering && !is_han_char(c) {
                            prev = None;
                            continue;
                        }
                        match dense.get_mut(c as usize) {
                            Some(n) => *n += 1,
                            None => *wide.entry(c).or_insert(0) += 1,
                        }
                        if let Some(p) = prev {
                            *pa.entry(pack(p, c)).or_insert(0) += 1;
                        }
                        prev = Some(c);
                    }
                }
                for (cp, &n) in dense.iter().enumerate() {
                    if n > 0 {
                        if let Some(c) = char::from_u32(cp as u32) {
                            *wide.entry(c).or_insert(0) += n;
                        }
                    }
                }
                (wide, pa)
            })
            .reduce(Counts::default, |(a, b), (c, d)| (add_counts(a, c), add_counts(b, d)));
        self.chars = add_counts(std::mem::take(&mut self.chars), chars);
        self.pairs = add_counts(std::mem::take(&mut self.pairs), pairs);
    }

    /// First step of `find`: choose the strong pairs from the counts.
    pub fn begin_find(&mut self, remove_weak_pairs: bool) {
        let log_min = log_f(self.min_proba);
        let ltc = ln_or_sentinel(self.chars.values().sum());
        let ltp = ln_or_sentinel(self.pairs.values().sum());
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
        let mut strong = HashSet::default();
        for (&ab, &n) in &self.pairs {
            if frequent(n) {
                let lp = ln.ln(n) - ltp;
                let (a, b) = (char::from_u32((ab >> 32) as u32), char::from_u32(ab as u32));
                if let (Some(a), Some(b)) = (a, b) {
                    if lp - lc(a) - lc(b) > self.min_pmi {
                        strong.insert(ab);
                    }
                }
            }
        }
        if remove_weak_pairs {
            self.pairs.retain(|_, &mut n| frequent(n));
        }
        self.strong = strong;
        self.cut = OrderedCounts::default();
    }

    /// Second step: the rough cut of `sents` (call once per batch, in corpus order).
    pub fn cut<S: AsRef<str> + Sync>(&mut self, sents: &[S], filtering: bool) {
        let strong = &self.strong;
        let blocks: Vec<OrderedCounts> = sents
            .par_chunks(block_len(sents.len()))
            .map(|block| {
                // distinct pieces are a fraction of the text: typically < 1 per 8 bytes
                let bytes: usize = block.iter().map(|s| s.as_ref().len()).sum();
                let mut local = OrderedCounts::with_capacity((bytes / 8).min(1 << 22), bytes / 4);
                for sent in block {
                    // one pass over the sentence; pieces are byte ranges of it
                    let s = sent.as_ref();
                    let mut piece: Option<usize> = None;
                    let mut prev = '\0';
                    for (i, c) in s.char_indices() {
                        if filtering && !is_han_char(c) {
                            if let Some(p) = piece.take() {
                                local.add(&s[p..i], 1);
                            }
                            continue;
                        }
                        match piece {
                            None => piece = Some(i),
                            Some(p) if !strong.contains(&pack(prev, c)) => {
                                local.add(&s[p..i], 1);
                                piece = Some(i);
                            }
                            Some(_) => {}
                        }
                        prev = c;
                    }
                    if let Some(p) = piece {
                        local.add(&s[p..], 1);
                    }
                }
                local
            })
            .collect();
        for b in blocks {
            if self.cut.is_empty() {
                self.cut = b; // the first block of a find: nothing to merge into
            } else {
                self.cut.merge(b);
            }
        }
    }

    /// Last step: truncation and redundancy removal. Returns words in nlp-zero's dict order.
    pub fn finish_find(&mut self, ctl: &Control) -> Result<Vec<(String, u64)>> {
        let cut = std::mem::take(&mut self.cut);
        let log_min = log_f(self.min_proba);
        let ltw = ln_or_sentinel(cut.entries.iter().map(|e| e.2).sum());
        let ln = LnTable::new();
        remove_redundant(cut.filtered(|n| ln.ln(n) - ltw > log_min), ctl)
    }
}

/// The lexicon of the 去冗 loop: nlp-zero's `tok.words` (live counts, 0 = deleted) over
/// the keys of the candidates' table, whose own counts are nlp-zero's `words` (with
/// removed words marked). Both gain the same pieces at the same time, so one key table
/// (entry number = word id) serves both.
struct LoopLexicon {
    /// keys, and nlp-zero's `words` counts
    out: OrderedCounts,
    removed: Vec<bool>,
    /// nlp-zero's `tok.words` counts
    live: Vec<u64>,
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
        let live: Vec<u64> = out.entries.iter().map(|e| e.2).collect();
        let lengths: Vec<u32> = (0..out.len() as u32).map(|i| out.key(i).chars().count() as u32).collect();
        let mut live_by_len = vec![0u32; lengths.iter().max().map_or(0, |&m| m as usize) + 1];
        for (&l, &c) in lengths.iter().zip(&live) {
            if c > 0 {
                live_by_len[l as usize] += 1;
            }
        }
        let removed = vec![false; out.len()];
        let total = live.iter().sum();
        let mut lex = LoopLexicon { out, removed, live, total, lengths, live_by_len, max_chars: 0 };
        lex.refresh_max();
        lex
    }

    fn refresh_max(&mut self) {
        self.max_chars = self.live_by_len.iter().rposition(|&n| n > 0).unwrap_or(0);
    }

    /// Set word `id`'s live count, keeping the live-length bookkeeping.
    fn set_live(&mut self, id: usize, c: u64) {
        let l = self.lengths[id] as usize;
        match (self.live[id] > 0, c > 0) {
            (true, false) => self.live_by_len[l] -= 1,
            (false, true) => self.live_by_len[l] += 1,
            _ => {}
        }
        self.live[id] = c;
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
fn substring_words(keys: &OrderedCounts, w: &str, out: &mut Vec<Sub>) -> bool {
    let mut at: Vec<usize> = Vec::with_capacity(w.len() + 1);
    for (i, c) in w.char_indices() {
        if is_separator(c) || c.is_ascii_alphanumeric() {
            return false;
        }
        at.push(i);
    }
    let l = at.len();
    if l > FAST_MAX_CHARS {
        return false;
    }
    at.push(w.len());
    for start in 0..l {
        for end in start + 1..=l {
            if end - start == l {
                continue; // the word itself, deleted while it is split
            }
            if let Some(id) = keys.id(&w[at[start]..at[end]]) {
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
    fn split(&mut self, w: &str, len: usize, subs: &[Sub], live: &[u64], log_total: f64, out: &mut Vec<(Range<usize>, u32)>) {
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
                let c = live[sub.id as usize];
                if c > 0 {
                    let end = k + sub.len as usize;
                    let sc = base + (ln_or_sentinel(c) - log_total);
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
pub fn remove_redundant(words: OrderedCounts, ctl: &Control) -> Result<Vec<(String, u64)>> {
    redundancy_loop(words, ctl, true)
}

/// [`remove_redundant`]; `fast: false` sends every candidate the slow path (for tests).
fn redundancy_loop(words: OrderedCounts, ctl: &Control, fast: bool) -> Result<Vec<(String, u64)>> {
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
                let fast = substring_words(keys, keys.key(id as u32), &mut subs);
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
            let mut pmi = ln_or_sentinel(num) - big_l;
            lex.set_live(id, 0);
            lex.total -= num;
            // split w with the remaining lexicon: pieces as byte ranges of w (and word ids)
            match plan.filter(|_| fast && !late_keys) {
                Some((from, to)) => {
                    viterbi.split(&w, len, &subs[from as usize..to as usize], &lex.live, big_l, &mut pieces)
                }
                None => {
                    tokenize_into(&w, Some(&LiveWords { lex: &lex, log_total: big_l }), -100.0, true, &mut scratch, &mut spans);
                    pieces.clear();
                    pieces.extend(spans.iter().map(|r| (r.clone(), NO_ID)));
                }
            }
            for (r, pid) in &pieces {
                let c = if *pid == NO_ID { lex.live_count(&w[r.clone()]) } else { lex.live[*pid as usize] };
                pmi -= ln_or_sentinel(c) - big_l;
            }
            if pmi < (len - 1) as f64 {
                for (r, _) in &pieces {
                    late_keys |= !lex.gain(&w[r.clone()], num);
                }
                lex.removed[id] = true;
            } else {
                lex.set_live(id, num);
                lex.total += num;
            }
        }
    }
    let LoopLexicon { out, removed, .. } = lex;
    Ok((0..out.len())
        .filter(|&i| !removed[i])
        .map(|i| (out.key(i as u32).to_string(), out.entries[i].2))
        .collect())
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
        let fast = redundancy_loop(table(words), &ctl, true).unwrap();
        let slow = redundancy_loop(table(words), &ctl, false).unwrap();
        (fast, slow)
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
            words in prop::collection::vec(("[天地人和中国大小的了是a1。 ]{1,6}", 1u64..200), 1..60),
        ) {
            let mut seen = std::collections::HashSet::new();
            let words: Vec<(String, u64)> = words.into_iter().filter(|(w, _)| seen.insert(w.clone())).collect();
            let (fast, slow) = both(&words);
            prop_assert_eq!(fast, slow);
        }
    }
}
