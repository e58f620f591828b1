//! Template discovery (nlp-zero `Template_Finder`): words and skip-grams counted over
//! chunks, strong pairs kept by mutual information, every maximal path of each chunk's
//! graph of strong pairs read as a template and counted.

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::Vocab;
use crate::segment::viterbi::{ln_or_sentinel, Tokenizer};
use crate::util::control::Control;
use crate::util::error::{Error, Result};
use crate::util::ordered::add_counts;

pub const HOLE: u32 = u32::MAX;

fn log_f(x: f64) -> f64 {
    if x == 0.0 {
        -100.0
    } else {
        x.ln()
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
    pub fn train_text<S: AsRef<str> + Sync>(&mut self, tok: &std::sync::Arc<Tokenizer>, lines: &[S], filtering: bool, ctl: &Control) -> Result<()> {
        let chunks = self.chunks_of(tok, lines, filtering);
        ctl.check()?;
        self.train(&chunks, ctl)?;
        let cached: usize = self.token_cache.values().map(|c| c.1.ids.len()).sum();
        if cached + chunks.ids.len() <= CACHE_IDS {
            self.token_cache.insert(Self::text_key(tok, lines, filtering), (tok.clone(), chunks));
        }
        Ok(())
    }

    /// Templates of `lines`, reusing the tokenization of an identical `train_text` batch.
    pub fn find_text<S: AsRef<str> + Sync>(&mut self, tok: &std::sync::Arc<Tokenizer>, lines: &[S], filtering: bool, ctl: &Control) -> Result<()> {
        let chunks = match self.token_cache.remove(&Self::text_key(tok, lines, filtering)) {
            Some((_, c)) => c,
            None => self.chunks_of(tok, lines, filtering),
        };
        ctl.check()?;
        self.find_batch(&chunks, ctl)
    }

    /// Intern flat tokens with chunk boundaries (see `Tokenizer::tokenize_chunks`).
    pub fn intern_flat(&mut self, tokens: &[&str], bounds: Vec<usize>) -> Chunks {
        Chunks { ids: tokens.iter().map(|w| self.vocab.id(w)).collect(), bounds }
    }

    /// Count words and ordered skip-grams at distance 1..=window within each chunk.
    /// Cancelled (`ctl`) between blocks of chunks, the counts unchanged.
    pub fn train(&mut self, chunks: &Chunks, ctl: &Control) -> Result<()> {
        let window = self.window;
        type Counts = (HashMap<u32, u64>, HashMap<u64, u64>);
        let (w, s): Counts = chunks
            .ranges(rayon::current_num_threads() * 2)
            .into_par_iter()
            .map(|block| {
                let (mut w, mut s) = Counts::default();
                s.reserve(1 << 16);
                for k in block {
                    if k % 1024 == 0 && ctl.is_cancelled() {
                        break;
                    }
                    let ws = chunks.get(k);
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
        ctl.check()?;
        self.words = add_counts(std::mem::take(&mut self.words), w);
        self.skip_grams = add_counts(std::mem::take(&mut self.skip_grams), s);
        Ok(())
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

    /// Templates of chunks (call per batch, in corpus order). Cancelled (`ctl`) between
    /// blocks of chunks, the templates found unchanged.
    pub fn find_batch(&mut self, chunks: &Chunks, ctl: &Control) -> Result<()> {
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
                for k in block {
                    if k % 1024 == 0 && ctl.is_cancelled() {
                        break;
                    }
                    let ws = chunks.get(k);
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
        ctl.check()?;
        for (p, c) in parts {
            for (t, n) in p.entries {
                self.found.add(&t, n);
            }
            self.capped_chunks += c;
        }
        Ok(())
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
pub(super) fn walk(v: usize, out: &[Vec<usize>], path: &mut Vec<usize>, emit: &mut impl FnMut(&[usize]) -> bool) -> bool {
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

