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
use crate::viterbi::{ln_or_sentinel, tokenize_into, Scratch, Sentence, Words};

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
        let lc: HashMap<char, f64> = self.chars.iter().map(|(&c, &n)| (c, ln_or_sentinel(n) - ltc)).collect();
        let lc = |c: char| lc.get(&c).copied().unwrap_or(-100.0 - ltc);
        let ln = LnTable::new();
        let mut strong_freq = HashSet::default();
        let mut strong = HashSet::default();
        for (&ab, &n) in &self.pairs {
            let lp = ln.ln(n) - ltp;
            if lp > log_min {
                strong_freq.insert(ab);
                let (a, b) = (char::from_u32((ab >> 32) as u32), char::from_u32(ab as u32 & 0xFFFF_FFFF));
                if let (Some(a), Some(b)) = (a, b) {
                    if lp - lc(a) - lc(b) > self.min_pmi {
                        strong.insert(ab);
                    }
                }
            }
        }
        if remove_weak_pairs {
            self.pairs.retain(|k, _| strong_freq.contains(k));
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
        let words = cut.into_entries_where(|n| ln.ln(n) - ltw > log_min);
        remove_redundant(words, ctl)
    }
}

/// A lexicon whose counts change (count 0 = absent). Words are found by hashing the
/// substrings of the (short) word being split, which costs far less than building a
/// double-array trie over hundreds of thousands of candidates.
struct MutableLexicon {
    counts: Vec<u64>,
    index: HashMap<String, u32>,
    /// chars of each word, and how many live (count > 0) words have each length: the
    /// prefix search stops at the longest live word, so deleting a huge candidate (a
    /// whole repetitive line on degenerate input) does not make splitting it quadratic.
    lengths: Vec<u32>,
    live_by_len: Vec<u32>,
    max_chars: usize,
    total: u64,
}

/// The live words of a [`MutableLexicon`] scored ln(count) − `log_total`.
struct LiveWords<'a> {
    lex: &'a MutableLexicon,
    log_total: f64,
}

impl Words for LiveWords<'_> {
    #[inline]
    fn for_each_word(&self, s: &Sentence<'_>, start: usize, mut f: impl FnMut(usize, f64)) {
        let last = s.chars.len().min(start + self.lex.max_chars);
        for end in start + 1..=last {
            if let Some(&id) = self.lex.index.get(&s.text[s.byte_at[start]..s.byte_at[end]]) {
                let c = self.lex.counts[id as usize];
                if c > 0 {
                    f(end - start, ln_or_sentinel(c) - self.log_total);
                }
            }
        }
    }
}

impl MutableLexicon {
    fn new(words: Vec<String>, counts: Vec<u64>) -> Self {
        let total = counts.iter().sum();
        let lengths: Vec<u32> = words.iter().map(|w| w.chars().count() as u32).collect();
        let mut live_by_len = vec![0u32; lengths.iter().max().map_or(0, |&m| m as usize) + 1];
        for (&l, &c) in lengths.iter().zip(&counts) {
            if c > 0 {
                live_by_len[l as usize] += 1;
            }
        }
        let index = words.into_iter().enumerate().map(|(i, w)| (w, i as u32)).collect();
        let mut lex = MutableLexicon { counts, index, lengths, live_by_len, max_chars: 0, total };
        lex.refresh_max();
        lex
    }

    fn refresh_max(&mut self) {
        self.max_chars = self.live_by_len.iter().rposition(|&n| n > 0).unwrap_or(0);
    }

    /// Set word `id`'s count, keeping the live-length bookkeeping.
    fn set_count(&mut self, id: usize, c: u64) {
        let l = self.lengths[id] as usize;
        match (self.counts[id] > 0, c > 0) {
            (true, false) => self.live_by_len[l] -= 1,
            (false, true) => self.live_by_len[l] += 1,
            _ => {}
        }
        self.counts[id] = c;
        if l >= self.max_chars || c == 0 {
            self.refresh_max();
        }
    }

    fn count(&self, w: &str) -> u64 {
        self.index.get(w).map(|&i| self.counts[i as usize]).unwrap_or(0)
    }

    /// nlp-zero `Trie.__setitem__(w, trie[w] + n)`.
    fn add(&mut self, w: &str, n: u64) {
        match self.index.get(w) {
            Some(&i) => {
                let i = i as usize;
                self.set_count(i, self.counts[i] + n);
            }
            None => {
                // a piece the lexicon never held (only in degenerate inputs): add it
                let l = w.chars().count();
                self.index.insert(w.to_string(), self.counts.len() as u32);
                self.counts.push(0);
                self.lengths.push(l as u32);
                if self.live_by_len.len() <= l {
                    self.live_by_len.resize(l + 1, 0);
                }
                self.set_count(self.counts.len() - 1, n);
            }
        }
        self.total += n;
    }
}

/// The 去冗 loop over candidate `words` (in dict order); returns the kept words in order.
pub fn remove_redundant(words: Vec<(String, u64)>, ctl: &Control) -> Result<Vec<(String, u64)>> {
    // the words are distinct, so word i has id i in `lex` (and entry i in `out`)
    let mut lex = MutableLexicon::new(words.iter().map(|w| w.0.clone()).collect(), words.iter().map(|w| w.1).collect());
    debug_assert_eq!(lex.index.len(), words.len(), "remove_redundant needs distinct words");

    let mut out = OrderedCounts::with_capacity(words.len(), words.iter().map(|w| w.0.len()).sum());
    for (w, n) in &words {
        out.add(w, *n);
    }
    let mut removed: HashSet<String> = HashSet::default();
    let mut order: Vec<usize> = (0..words.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(lex.lengths[i])); // stable: ties in dict order
    ctl.stage("redundancy", order.len() as u64)?;
    let mut scratch = Scratch::default();
    let mut spans = Vec::new();
    for (step, &id) in order.iter().enumerate() {
        if step % 4096 == 0 {
            ctl.advance(4096.min(order.len() - step) as u64)?;
        }
        let len = lex.lengths[id] as usize;
        if len == 1 {
            continue;
        }
        let w = words[id].0.as_str();
        let num = lex.counts[id];
        let big_l = ln_or_sentinel(lex.total);
        let mut pmi = ln_or_sentinel(num) - big_l;
        lex.set_count(id, 0);
        lex.total -= num;
        tokenize_into(w, Some(&LiveWords { lex: &lex, log_total: big_l }), -100.0, true, &mut scratch, &mut spans);
        for r in &spans {
            pmi -= ln_or_sentinel(lex.count(&w[r.clone()])) - big_l;
        }
        if pmi < (len - 1) as f64 {
            for r in &spans {
                let k = &w[r.clone()];
                lex.add(k, num);
                out.add(k, num);
                removed.remove(k);
            }
            removed.insert(w.to_string());
        } else {
            lex.set_count(id, num);
            lex.total += num;
        }
    }
    Ok(out.into_entries().into_iter().filter(|(w, _)| !removed.contains(w)).collect())
}
