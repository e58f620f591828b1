//! Templates ("飞象过河", article 3): skip-gram counting, template discovery, template
//! matching and hierarchical parsing, with nlp-zero 0.1.6 semantics.
//!
//! Design notes
//! - Words are interned to u32 ids; a template is a sequence of ids with `HOLE`
//!   (u32::MAX) for a placeholder. Skip-grams are counted in an FxHashMap keyed by the
//!   packed id pair.
//! - Discovery enumerates the *maximal* source→sink paths of each chunk's graph exactly as
//!   nlp-zero's `DAG.all_paths` (sources = no incoming edge, out-edges in increasing
//!   target order). Their number can grow exponentially on long, dense chunks, so paths
//!   are first counted by DP; a chunk with more than `max_paths` paths contributes only
//!   its first `max_paths` paths in DFS order, and is reported in `capped_chunks`.
//! - Matching has two modes: `Intended` (ALGORITHMS.md §3.2: a placeholder absorbs one
//!   or more consecutive words, a literal exactly one) and `Compat` (nlp-zero's XTrie
//!   over-matching: any word may be skipped anywhere). Results per span keep nlp-zero's
//!   DFS insertion order, later writes overwriting earlier ones in place.
//! - Parsing is nlp-zero's recursive best decomposition, memoised on spans (identical
//!   results, polynomial instead of exponential time).

use std::collections::hash_map::Entry;

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::error::{Error, Result};
use crate::viterbi::Tokenizer;
use crate::viterbi::ln_or_sentinel;
use crate::wordfind::add_counts;

pub const HOLE: u32 = u32::MAX;

fn log_f(x: f64) -> f64 {
    if x == 0.0 {
        -100.0
    } else {
        x.ln()
    }
}

/// Word interning shared by the finder and the matcher.
#[derive(Default, Debug, Clone)]
pub struct Vocab {
    ids: HashMap<String, u32>,
    words: Vec<String>,
}

impl Vocab {
    pub fn id(&mut self, w: &str) -> u32 {
        if let Some(&i) = self.ids.get(w) {
            return i;
        }
        let i = self.words.len() as u32;
        self.ids.insert(w.to_string(), i);
        self.words.push(w.to_string());
        i
    }
    pub fn get(&self, w: &str) -> Option<u32> {
        self.ids.get(w).copied()
    }
    pub fn word(&self, id: u32) -> &str {
        &self.words[id as usize]
    }
}

/// Chunks of interned words, flat: chunk k is `ids[bounds[k]..bounds[k + 1]]`.
#[derive(Debug, Clone, Default)]
pub struct Chunks {
    pub ids: Vec<u32>,
    pub bounds: Vec<usize>,
}

impl Chunks {
    pub fn len(&self) -> usize {
        self.bounds.len().saturating_sub(1)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn get(&self, k: usize) -> &[u32] {
        &self.ids[self.bounds[k]..self.bounds[k + 1]]
    }
    /// Contiguous ranges of chunk numbers, about `n` ranges.
    fn ranges(&self, n: usize) -> Vec<std::ops::Range<usize>> {
        let len = self.len();
        let step = len.div_ceil(n.max(1)).max(256);
        (0..len).step_by(step).map(|a| a..(a + step).min(len)).collect()
    }
}

/// Counts keyed by templates, remembering first-occurrence order.
#[derive(Default, Debug, Clone)]
struct OrderedTemplates {
    index: HashMap<Vec<u32>, usize>,
    entries: Vec<(Vec<u32>, u64)>,
}

impl OrderedTemplates {
    fn add(&mut self, t: &[u32], n: u64) {
        match self.index.get(t) {
            Some(&i) => self.entries[i].1 += n,
            None => {
                self.index.insert(t.to_vec(), self.entries.len());
                self.entries.push((t.to_vec(), n));
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct TemplateFinder {
    pub window: usize,
    pub min_proba: f64,
    pub min_pmi: f64,
    pub max_paths: usize,
    pub vocab: Vocab,
    words: HashMap<u32, u64>,
    skip_grams: HashMap<u64, u64>,
    strong: HashSet<u64>,
    found: OrderedTemplates,
    pub capped_chunks: u64,
    /// Interned chunks of the batches `train_text` tokenized, keyed by a hash of
    /// (tokenizer, filtering, lines), so `find_text` on the same text skips tokenizing
    /// again (the usual train(texts); find(texts)). Bounded by `CACHE_IDS`; emptied by
    /// `finish_find`.
    /// Each entry keeps its tokenizer alive, so the tokenizer's address in the key can
    /// never be reused by another one while the entry exists.
    token_cache: HashMap<u64, (std::sync::Arc<Tokenizer>, Chunks)>,
}

/// At most this many cached word ids (4 bytes each).
const CACHE_IDS: usize = 64 << 20;

#[inline]
fn pack(a: u32, b: u32) -> u64 {
    ((a as u64) << 32) | b as u64
}

impl TemplateFinder {
    pub fn new(window: usize, min_proba: f64, min_pmi: f64, max_paths: usize) -> Result<Self> {
        if window == 0 {
            return Err(Error::arg("window must be at least 1"));
        }
        if !(min_proba >= 0.0) || !min_proba.is_finite() || !min_pmi.is_finite() {
            return Err(Error::arg("min_proba must be finite and >= 0, min_pmi finite"));
        }
        if max_paths == 0 {
            return Err(Error::arg("max_paths must be at least 1"));
        }
        Ok(TemplateFinder {
            window,
            min_proba,
            min_pmi,
            max_paths,
            vocab: Vocab::default(),
            words: HashMap::default(),
            skip_grams: HashMap::default(),
            strong: HashSet::default(),
            found: OrderedTemplates::default(),
            capped_chunks: 0,
            token_cache: HashMap::default(),
        })
    }

    fn text_key<S: AsRef<str>>(tok: &Tokenizer, lines: &[S], filtering: bool) -> u64 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(&(tok as *const Tokenizer as usize).to_le_bytes());
        h.update(&[filtering as u8]);
        for line in lines {
            h.update(line.as_ref().as_bytes());
            h.update(&[0xff]); // not valid UTF-8: separates lines unambiguously
        }
        h.digest()
    }

    fn chunks_of<S: AsRef<str> + Sync>(&mut self, tok: &Tokenizer, lines: &[S], filtering: bool) -> Chunks {
        let (tokens, bounds) = tok.tokenize_chunks(lines, filtering);
        self.intern_flat(&tokens, bounds)
    }

    /// Chunk, tokenize (with `tok`, in parallel) and count `lines`.
    pub fn train_text<S: AsRef<str> + Sync>(&mut self, tok: &std::sync::Arc<Tokenizer>, lines: &[S], filtering: bool) {
        let chunks = self.chunks_of(tok, lines, filtering);
        self.train(&chunks);
        let cached: usize = self.token_cache.values().map(|c| c.1.ids.len()).sum();
        if cached + chunks.ids.len() <= CACHE_IDS {
            self.token_cache.insert(Self::text_key(tok, lines, filtering), (tok.clone(), chunks));
        }
    }

    /// Templates of `lines`, reusing the tokenization of an identical `train_text` batch.
    pub fn find_text<S: AsRef<str> + Sync>(&mut self, tok: &std::sync::Arc<Tokenizer>, lines: &[S], filtering: bool) {
        let chunks = match self.token_cache.remove(&Self::text_key(tok, lines, filtering)) {
            Some((_, c)) => c,
            None => self.chunks_of(tok, lines, filtering),
        };
        self.find_batch(&chunks);
    }

    /// Intern chunks of words given as lists of tokens.
    pub fn intern<S: AsRef<str>>(&mut self, chunks: &[Vec<S>]) -> Chunks {
        let mut out = Chunks { ids: Vec::new(), bounds: vec![0] };
        for c in chunks {
            out.ids.extend(c.iter().map(|w| self.vocab.id(w.as_ref())));
            out.bounds.push(out.ids.len());
        }
        out
    }

    /// Intern flat tokens with chunk boundaries (see `Tokenizer::tokenize_chunks`).
    pub fn intern_flat(&mut self, tokens: &[&str], bounds: Vec<usize>) -> Chunks {
        Chunks { ids: tokens.iter().map(|w| self.vocab.id(w)).collect(), bounds }
    }

    /// Count words and ordered skip-grams at distance 1..=window within each chunk.
    pub fn train(&mut self, chunks: &Chunks) {
        let window = self.window;
        type Counts = (HashMap<u32, u64>, HashMap<u64, u64>);
        let (w, s): Counts = chunks
            .ranges(rayon::current_num_threads() * 2)
            .into_par_iter()
            .map(|block| {
                let (mut w, mut s) = Counts::default();
                s.reserve(1 << 16);
                for ws in block.map(|k| chunks.get(k)) {
                    for (i, &a) in ws.iter().enumerate() {
                        *w.entry(a).or_insert(0) += 1;
                        for &b in ws.iter().skip(i + 1).take(window) {
                            *s.entry(pack(a, b)).or_insert(0) += 1;
                        }
                    }
                }
                (w, s)
            })
            .reduce(Counts::default, |(a, b), (c, d)| (add_counts(a, c), add_counts(b, d)));
        self.words = add_counts(std::mem::take(&mut self.words), w);
        self.skip_grams = add_counts(std::mem::take(&mut self.skip_grams), s);
    }

    pub fn begin_find(&mut self, remove_weak_grams: bool) {
        let log_min = log_f(self.min_proba);
        let ltw = ln_or_sentinel(self.words.values().sum());
        let lts = ln_or_sentinel(self.skip_grams.values().sum());
        let lw = |a: u32| ln_or_sentinel(self.words.get(&a).copied().unwrap_or(0)) - ltw;
        let mut frequent = HashSet::default();
        let mut strong = HashSet::default();
        for (&ab, &n) in &self.skip_grams {
            let lg = ln_or_sentinel(n) - lts;
            if lg > log_min {
                frequent.insert(ab);
                if lg - lw((ab >> 32) as u32) - lw(ab as u32) > self.min_pmi {
                    strong.insert(ab);
                }
            }
        }
        if remove_weak_grams {
            self.skip_grams.retain(|k, _| frequent.contains(k));
        }
        self.strong = strong;
        self.found = OrderedTemplates::default();
        self.capped_chunks = 0;
    }

    /// Templates of chunks (call per batch, in corpus order).
    pub fn find_batch(&mut self, chunks: &Chunks) {
        let (strong, window, max_paths) = (&self.strong, self.window, self.max_paths);
        let parts: Vec<(OrderedTemplates, u64)> = chunks
            .ranges(rayon::current_num_threads() * 2)
            .into_par_iter()
            .map(|block| {
                let mut local = OrderedTemplates::default();
                let mut capped = 0u64;
                let mut t = Vec::new();
                let mut out: Vec<Vec<usize>> = Vec::new();
                let mut has_in: Vec<bool> = Vec::new();
                for ws in block.map(|k| chunks.get(k)) {
                    let n = ws.len();
                    if n == 0 {
                        continue;
                    }
                    if out.len() < n {
                        out.resize_with(n, Vec::new);
                    }
                    out[..n].iter_mut().for_each(Vec::clear);
                    has_in.clear();
                    has_in.resize(n, false);
                    for i in 0..n {
                        for k in i + 1..(i + 1 + window).min(n) {
                            if strong.contains(&pack(ws[i], ws[k])) {
                                out[i].push(k);
                                has_in[k] = true;
                            }
                        }
                    }
                    let mut emitted = 0usize;
                    let mut over = false;
                    let mut path = Vec::new();
                    for v in (0..n).filter(|&v| !has_in[v]) {
                        walk(v, &out[..n], &mut path, &mut |p: &[usize]| {
                            if emitted >= max_paths {
                                over = true;
                                return false;
                            }
                            emitted += 1;
                            template_of(ws, p, &mut t);
                            local.add(&t, 1);
                            true
                        });
                    }
                    capped += over as u64;
                }
                (local, capped)
            })
            .collect();
        for (p, c) in parts {
            for (t, n) in p.entries {
                self.found.add(&t, n);
            }
            self.capped_chunks += c;
        }
    }

    /// Frequency filter; templates (ids with HOLE) and counts in nlp-zero's dict order.
    pub fn finish_find(&mut self) -> Vec<(Vec<u32>, u64)> {
        self.token_cache.clear();
        let found = std::mem::take(&mut self.found);
        let log_min = log_f(self.min_proba);
        let lt = ln_or_sentinel(found.entries.iter().map(|e| e.1).sum());
        found.entries.into_iter().filter(|(_, n)| ln_or_sentinel(*n) - lt > log_min).collect()
    }
}

/// DFS over maximal paths from `v` (nlp-zero `_all_paths` order); `emit` returns false to
/// stop. Iterative, so a chunk of any length cannot overflow the stack.
fn walk(v: usize, out: &[Vec<usize>], path: &mut Vec<usize>, emit: &mut impl FnMut(&[usize]) -> bool) -> bool {
    path.clear();
    path.push(v);
    // (node, index of its next out-edge to follow)
    let mut stack: Vec<(usize, usize)> = vec![(v, 0)];
    while let Some(top) = stack.last_mut() {
        let (node, next) = *top;
        if out[node].is_empty() {
            if !emit(path) {
                return false;
            }
        } else if next < out[node].len() {
            top.1 += 1;
            let m = out[node][next];
            stack.push((m, 0));
            path.push(m);
            continue;
        }
        stack.pop();
        path.pop();
    }
    true
}

/// nlp-zero's path → Template: placeholders at a skipped start/end and between
/// non-adjacent nodes (consecutive placeholders collapse).
fn template_of(ws: &[u32], p: &[usize], t: &mut Vec<u32>) {
    t.clear();
    let push = |t: &mut Vec<u32>, x: u32| {
        if x != HOLE || t.last() != Some(&HOLE) {
            t.push(x);
        }
    };
    if p[0] != 0 {
        push(t, HOLE);
    }
    push(t, ws[p[0]]);
    for k in 1..p.len() {
        if p[k] - p[k - 1] > 1 {
            push(t, HOLE);
        }
        push(t, ws[p[k]]);
    }
    if *p.last().unwrap_or(&0) != ws.len() - 1 {
        push(t, HOLE);
    }
}

// ---------------------------------------------------------------------------- matching

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchMode {
    Intended,
    Compat,
}

#[derive(Default, Debug, Clone)]
struct Node {
    children: HashMap<u32, u32>,
    count: Option<u64>,
}

/// nlp-zero's XTrie: templates (word ids and HOLE) → count.
#[derive(Debug, Clone)]
pub struct TemplateTrie {
    nodes: Vec<Node>,
    pub total: u64,
}

impl Default for TemplateTrie {
    fn default() -> Self {
        TemplateTrie { nodes: vec![Node::default()], total: 0 }
    }
}

/// Matches of one span: (literal positions, count) in DFS insertion order.
pub type SpanMatches = Vec<(Vec<u32>, u64)>;

impl TemplateTrie {
    /// `trie[t] = count` (0 deletes), as nlp-zero's `Trie.__setitem__`.
    pub fn set(&mut self, t: &[u32], count: u64) -> Result<()> {
        if t.is_empty() || t.iter().all(|&x| x == HOLE) {
            return Err(Error::arg("a template needs at least one word"));
        }
        let mut node = 0usize;
        for &x in t {
            let next = self.nodes.len() as u32;
            node = match self.nodes[node].children.entry(x) {
                Entry::Occupied(e) => *e.get() as usize,
                Entry::Vacant(e) => {
                    e.insert(next);
                    self.nodes.push(Node::default());
                    next as usize
                }
            };
        }
        let old = self.nodes[node].count.take().unwrap_or(0);
        self.total = self.total - old + count;
        if count > 0 {
            self.nodes[node].count = Some(count);
        }
        Ok(())
    }

    /// All matches in `sent` (word ids, `HOLE` for a word no template has):
    /// span (start, end) → matches, spans in order of first appearance.
    pub fn search(&self, sent: &[u32], mode: MatchMode) -> Vec<((u32, u32), SpanMatches)> {
        let mut spans: HashMap<(u32, u32), usize> = HashMap::default();
        let mut out: Vec<((u32, u32), SpanMatches, HashMap<Vec<u32>, usize>)> = Vec::new();
        // Under the intended semantics (span, positions) identifies the template, so a
        // match is never written twice and needs no de-duplication; nlp-zero's
        // over-matching can reach the same key twice (the later write wins in place).
        let dedup = mode == Mode::Compat;
        let mut record = |span: (u32, u32), m: &[u32], count: u64| {
            let si = *spans.entry(span).or_insert_with(|| {
                out.push((span, Vec::new(), HashMap::default()));
                out.len() - 1
            });
            let (_, list, idx) = &mut out[si];
            if !dedup {
                list.push((m.to_vec(), count));
                return;
            }
            match idx.get(m) {
                Some(&k) => list[k].1 = count,
                None => {
                    idx.insert(m.to_vec(), list.len());
                    list.push((m.to_vec(), count));
                }
            }
        };
        let mut matching = Vec::new();
        for s in 0..sent.len() {
            self.dfs(sent, s, s, 0, &mut matching, mode, &mut record);
        }
        out.into_iter().map(|(span, list, _)| (span, list)).collect()
    }

    /// nlp-zero `_search` at word `pos` (the match started at `start`) in trie node `node`.
    #[allow(clippy::too_many_arguments)]
    fn dfs(
        &self,
        sent: &[u32],
        start: usize,
        pos: usize,
        node: usize,
        matching: &mut Vec<u32>,
        mode: MatchMode,
        record: &mut impl FnMut((u32, u32), &[u32], u64),
    ) {
        let Some(&c) = sent.get(pos) else { return };
        let span = (start as u32, pos as u32 + 1);
        let here = &self.nodes[node];
        // (1) the word itself
        if c != HOLE {
            if let Some(&child) = here.children.get(&c) {
                matching.push(pos as u32);
                if let Some(n) = self.nodes[child as usize].count {
                    record(span, matching, n);
                }
                self.dfs(sent, start, pos + 1, child as usize, matching, mode, record);
                matching.pop();
            }
        }
        // (2) a placeholder takes the word
        if let Some(&child) = here.children.get(&HOLE) {
            if let Some(n) = self.nodes[child as usize].count {
                record(span, matching, n);
            }
            self.dfs(sent, start, pos + 1, child as usize, matching, mode, record);
        }
        // (3) the placeholder just passed takes this word too
        let extend = match mode {
            Mode::Compat => true,
            Mode::Intended => pos > start && matching.last().is_none_or(|&m| m as usize != pos - 1),
        };
        if extend {
            if let Some(n) = here.count {
                record(span, matching, n);
            }
            self.dfs(sent, start, pos + 1, node, matching, mode, record);
        }
    }
}

use MatchMode as Mode;

// ---------------------------------------------------------------------------- parsing

/// A parse: literal positions of the main template and the parses of its gaps.
#[derive(Debug, Clone, PartialEq)]
pub struct Parse {
    pub positions: Vec<u32>,
    pub modules: Vec<Parse>,
}

/// Python's `round(x, 4)` (correctly rounded, half to even), for nlp-zero's tie-breaking.
/// Fast path: round x·10⁴ and divide back (IEEE division gives the double nearest to the
/// decimal, as Python does); near a half-way point, where x·10⁴ itself may have been
/// rounded, fall back to exact decimal formatting.
fn round4(x: f64) -> f64 {
    let y = x * 10_000.0;
    if !y.is_finite() || y.abs() >= 4.0e15 {
        return x;
    }
    let frac = (y - y.trunc()).abs();
    if (frac - 0.5).abs() > 1e-6 {
        return y.round() / 10_000.0;
    }
    format!("{x:.4}").parse().unwrap_or(x)
}

/// nlp-zero `Parser._parse` over `matches` (from [`TemplateTrie::search`]), memoised:
/// each span's best score and chosen match are computed once, the tree is built at the end.
pub fn parse(n: usize, matches: &[((u32, u32), SpanMatches)], total: u64, null_score: f64) -> (Parse, f64) {
    let by_span: HashMap<(u32, u32), &SpanMatches> = matches.iter().map(|(s, m)| (*s, m)).collect();
    let mut memo: HashMap<(u32, u32), (f64, Option<usize>)> = HashMap::default();
    let ctx = ParseCtx { by_span: &by_span, log_total: ln_or_sentinel(total), null_score };
    let (score, _) = ctx.best(0, n as u32, &mut memo);
    (ctx.tree(0, n as u32, &memo), score)
}

struct ParseCtx<'a> {
    by_span: &'a HashMap<(u32, u32), &'a SpanMatches>,
    log_total: f64,
    null_score: f64,
}

/// The gaps (blocks) between a match's literal positions inside [s, e).
fn gaps(s: u32, e: u32, positions: &[u32]) -> impl Iterator<Item = (u32, u32)> + '_ {
    let marks = std::iter::once(s as i64 - 1).chain(positions.iter().map(|&p| p as i64)).chain(std::iter::once(e as i64));
    let ends = marks.clone().skip(1);
    marks.zip(ends).filter(|(a, b)| a + 1 < *b).map(|(a, b)| ((a + 1) as u32, b as u32))
}

impl ParseCtx<'_> {
    fn best(&self, s: u32, e: u32, memo: &mut HashMap<(u32, u32), (f64, Option<usize>)>) -> (f64, Option<usize>) {
        if let Some(&r) = memo.get(&(s, e)) {
            return r;
        }
        let result = match self.by_span.get(&(s, e)) {
            Some(list) if !list.is_empty() => {
                let mut chosen: Option<((f64, usize), usize, f64)> = None;
                for (i, (positions, count)) in list.iter().enumerate() {
                    let mut score = ln_or_sentinel(*count) - self.log_total;
                    for (a, b) in gaps(s, e, positions) {
                        score += self.best(a, b, memo).0;
                    }
                    let key = (round4(score), positions.len());
                    let better = match &chosen {
                        None => true,
                        Some((k, _, _)) => key.0 > k.0 || (key.0 == k.0 && key.1 > k.1),
                    };
                    if better {
                        chosen = Some((key, i, score));
                    }
                }
                chosen.map(|(_, i, sc)| (sc, Some(i))).unwrap_or((0.0, None))
            }
            _ => (self.null_score * (e as f64 - s as f64 - 1.0), None),
        };
        memo.insert((s, e), result);
        result
    }

    fn tree(&self, s: u32, e: u32, memo: &HashMap<(u32, u32), (f64, Option<usize>)>) -> Parse {
        match memo.get(&(s, e)).and_then(|r| r.1).and_then(|i| self.by_span.get(&(s, e)).map(|l| &l[i].0)) {
            Some(positions) => Parse {
                positions: positions.clone(),
                modules: gaps(s, e, positions).map(|(a, b)| self.tree(a, b, memo)).collect(),
            },
            None => Parse { positions: (s..e).collect(), modules: Vec::new() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_paths_vector() {
        // nlp-zero test vector: 5 nodes, edges (0,2),(0,3),(1,3),(2,5),(3,5) with ends
        // exclusive, i.e. 0->1, 0->2, 1->2, 2->4, 3->4
        let out = vec![vec![1, 2], vec![2], vec![4], vec![4], vec![]];
        let mut has_in = vec![false; 5];
        for o in &out {
            for &k in o {
                has_in[k] = true;
            }
        }
        let mut paths = Vec::new();
        let mut path = Vec::new();
        for v in (0..5).filter(|&v| !has_in[v]) {
            walk(v, &out, &mut path, &mut |p: &[usize]| {
                paths.push(p.to_vec());
                true
            });
        }
        assert_eq!(paths, vec![vec![0, 1, 2, 4], vec![0, 2, 4], vec![3, 4]]);
    }

    #[test]
    fn matcher_modes() {
        // templates: (X, 呢) and (我, 好); words: A=0 呢=1 B=2 我=3 你=4 Z=5 好=6
        let mut trie = TemplateTrie::default();
        trie.set(&[HOLE, 1], 10).unwrap();
        trie.set(&[3, 6], 5).unwrap();
        let compat = trie.search(&[0, 1, 2], Mode::Compat);
        assert_eq!(compat, vec![((0, 2), vec![(vec![1], 10)]), ((0, 3), vec![(vec![1], 10)])]);
        let intended = trie.search(&[0, 1, 2], Mode::Intended);
        assert_eq!(intended, vec![((0, 2), vec![(vec![1], 10)])]);
        let compat = trie.search(&[4, 3, 5, 6], Mode::Compat);
        assert_eq!(compat, vec![((0, 4), vec![(vec![1, 3], 5)]), ((1, 4), vec![(vec![1, 3], 5)])]);
        assert!(trie.search(&[4, 3, 5, 6], Mode::Intended).is_empty());
        assert_eq!(round4(-1.97716269), -1.9772);
        // agrees with exact decimal rounding (Python's round) on many values
        let mut x = -37.0f64;
        while x < 37.0 {
            let exact: f64 = format!("{x:.4}").parse().unwrap();
            assert_eq!(round4(x), exact, "{x}");
            x += 0.000_123_7;
        }
        for x in [0.00005, 0.00015, 1.00005, -2.00025, 2.675, 1e-9] {
            assert_eq!(round4(x), format!("{x:.4}").parse::<f64>().unwrap());
        }
    }
}
