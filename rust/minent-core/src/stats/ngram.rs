//! All n-grams with their counts, read off LCP intervals.
//!
//! Design notes
//! - In suffix-array order, the occurrences of one n-gram are a run of consecutive
//!   suffixes whose LCP with their predecessor is ≥ n, so one linear pass over the LCP array
//!   ([`crate::stats::intervals`], shared with the branching entropy) yields every n-gram of every
//!   length in [min_n, max_n] with its exact count — no hash table per order, memory
//!   proportional to the output only.
//! - LCP values were capped at segment ends when the index was built, so a run of ≥ 2
//!   suffixes never spans a separator; a run of one is checked against the text.
//! - The pass is split into chunks of the suffix array processed in parallel; each chunk
//!   reports the runs that *start* inside it (reading past its end to close them), so the
//!   chunks' outputs concatenate to every n-gram exactly once. Rows are then sorted by a
//!   key of their own (`lex_keys`), so the order they were found in never shows.

use rayon::prelude::*;

use crate::index::corpus::Symbol;
use crate::index::{with_text, CorpusIndex};
use crate::stats::intervals::{lcp_intervals, IntervalVisitor};
use crate::util::control::Control;
use crate::util::error::{Error, Result};
use crate::util::pool::in_pool;

/// N-grams as Arrow-style columns: UTF-8 bytes, `offsets` (rows + 1), counts.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct NgramTable {
    pub data: Vec<u8>,
    pub offsets: Vec<i64>,
    pub counts: Vec<u64>,
    /// Per row (suffix-array start of its run) << 16 | n: ordering rows by this key is
    /// ordering them by string (a run of g precedes every run of a string greater than
    /// g, and g's run starts no later than the runs of its extensions), so sorting never
    /// compares strings.
    lex_keys: Vec<u64>,
}

impl NgramTable {
    pub fn len(&self) -> usize {
        self.counts.len()
    }
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
    pub fn get(&self, row: usize) -> (&str, u64) {
        let (a, b) = (self.offsets[row] as usize, self.offsets[row + 1] as usize);
        (std::str::from_utf8(&self.data[a..b]).unwrap_or(""), self.counts[row])
    }
    fn push(&mut self, chars: impl Iterator<Item = char>, count: u64, lex_key: u64) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        let mut buf = [0u8; 4];
        for c in chars {
            self.data.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
        self.offsets.push(self.data.len() as i64);
        self.counts.push(count);
        self.lex_keys.push(lex_key);
    }
    fn concat(parts: Vec<NgramTable>) -> NgramTable {
        let mut out = NgramTable { offsets: vec![0], ..Default::default() };
        for p in parts {
            let base = out.data.len() as i64;
            out.data.extend_from_slice(&p.data);
            out.offsets.extend(p.offsets.iter().skip(1).map(|o| o + base));
            out.counts.extend_from_slice(&p.counts);
            out.lex_keys.extend_from_slice(&p.lex_keys);
        }
        out
    }
    /// Rows reordered by `perm`.
    fn permuted(&self, perm: &[u32]) -> NgramTable {
        let mut out = NgramTable { offsets: Vec::with_capacity(perm.len() + 1), ..Default::default() };
        out.offsets.push(0);
        out.data.reserve(self.data.len());
        out.counts.reserve(perm.len());
        for &r in perm {
            let r = r as usize;
            let (a, b) = (self.offsets[r] as usize, self.offsets[r + 1] as usize);
            out.data.extend_from_slice(&self.data[a..b]);
            out.offsets.push(out.data.len() as i64);
            out.counts.push(self.counts[r]);
            out.lex_keys.push(self.lex_keys[r]);
        }
        out
    }
}

/// Row order of an n-gram table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NgramOrder {
    /// Count descending; ties in code-point order of the n-gram.
    Count,
    /// Code-point (= Python string) order of the n-gram.
    Ngram,
}

impl NgramOrder {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "count" => Ok(NgramOrder::Count),
            "ngram" => Ok(NgramOrder::Ngram),
            other => Err(Error::arg(format!("order must be \"count\" or \"ngram\", not {other:?}"))),
        }
    }
}

pub const MAX_N: usize = u16::MAX as usize;

impl CorpusIndex {
    /// Every n-gram with min_n ≤ n ≤ max_n occurring at least `min_count` times.
    pub fn ngrams(
        &self,
        min_n: usize,
        max_n: usize,
        min_count: u64,
        order: NgramOrder,
        num_threads: Option<usize>,
        ctl: &Control,
    ) -> Result<NgramTable> {
        if min_n == 0 || min_n > max_n {
            return Err(Error::arg(format!("need 1 <= min_n <= max_n, got ({min_n}, {max_n})")));
        }
        if max_n > MAX_N {
            return Err(Error::arg(format!("n-grams longer than {MAX_N} characters are not supported")));
        }
        if min_count == 0 {
            return Err(Error::arg("min_count must be at least 1"));
        }
        in_pool(num_threads, || {
            let table = self.ngrams_unsorted(min_n, max_n, min_count, None, ctl)?;
            ctl.stage("sort", table.len() as u64)?;
            let mut perm: Vec<u32> = (0..table.len() as u32).collect();
            let lex = &table.lex_keys;
            match order {
                NgramOrder::Ngram => perm.par_sort_unstable_by_key(|&r| lex[r as usize]),
                NgramOrder::Count => {
                    perm.par_sort_unstable_by_key(|&r| (std::cmp::Reverse(table.counts[r as usize]), lex[r as usize]))
                }
            }
            ctl.check()?;
            Ok(table.permuted(&perm))
        })
    }

    /// The rows in the order the chunks found them; `chunk`: suffixes per chunk (None: sized
    /// for the thread pool; tests pass small ones).
    pub(crate) fn ngrams_unsorted(
        &self,
        min_n: usize,
        max_n: usize,
        min_count: u64,
        chunk: Option<usize>,
        ctl: &Control,
    ) -> Result<NgramTable> {
        let sa = self.sa.as_slice();
        let lcp = self.lcp.as_slice();
        let total = sa.len();
        // suffixes starting with the separator (bucket 0) start no n-gram
        let first = self.buckets.get(1).copied().unwrap_or(total).min(total);
        let work = total - first;
        ctl.stage("ngrams", work as u64)?;
        let chunk = chunk.unwrap_or_else(|| (work / (rayon::current_num_threads() * 8)).clamp(1 << 16, 1 << 22));
        let starts: Vec<usize> = (first..total).step_by(chunk.max(1)).collect();
        let parts: Vec<NgramTable> = with_text!(self, text => {
            starts
                .par_iter()
                .map(|&k0| {
                    let k1 = (k0 + chunk).min(total);
                    let t = scan(text, sa, lcp, &self.vocab, k0, k1, min_n, max_n, min_count);
                    ctl.advance((k1 - k0) as u64)?;
                    Ok(t)
                })
                .collect::<Result<Vec<_>>>()
        })?;
        Ok(NgramTable::concat(parts))
    }
}

/// Emit the runs (n-grams) that start in [k0, k1).
#[allow(clippy::too_many_arguments)]
fn scan<S: Symbol>(
    text: &[S],
    sa: &[u32],
    lcp: &[u16],
    vocab: &[char],
    k0: usize,
    k1: usize,
    min_n: usize,
    max_n: usize,
    min_count: u64,
) -> NgramTable {
    let mut rows = NgramRows { text, sa, vocab, min_count, out: NgramTable::default() };
    lcp_intervals(lcp, k0, k1, min_n, max_n, &mut rows);
    let mut out = rows.out;
    if out.offsets.is_empty() {
        out.offsets.push(0);
    }
    out
}

/// The visitor of [`scan`]: one row per run of at least `min_count` suffixes.
struct NgramRows<'a, S> {
    text: &'a [S],
    sa: &'a [u32],
    vocab: &'a [char],
    min_count: u64,
    out: NgramTable,
}

impl<S: Symbol> IntervalVisitor for NgramRows<'_, S> {
    // a chunk's runs need nothing from the runs that start past its end
    const FOLLOW_PAST_END: bool = false;

    #[inline]
    fn close(&mut self, start: usize, end: usize, n: usize, _parent_open: bool) {
        let count = (end - start) as u64;
        if count < self.min_count {
            return;
        }
        let pos = self.sa[start] as usize;
        let Some(gram) = self.text.get(pos..pos + n) else { return };
        // a single occurrence may run into a separator; runs of >= 2 cannot (capped LCP)
        if count == 1 && gram.iter().any(|s| s.id() == 0) {
            return;
        }
        let key = ((start as u64) << 16) | n as u64;
        let vocab = self.vocab;
        self.out.push(gram.iter().map(|s| vocab.get(s.id() as usize - 1).copied().unwrap_or('\u{fffd}')), count, key);
    }
}

/// Hash partition (xxh3 of the UTF-8 bytes, mod `partitions`) of each string of an Arrow
/// style string column: string `i` is `data[offsets[i]..offsets[i + 1]]`. Stable across
/// runs, machines and versions, so per-shard tables can be merged partition by partition.
pub fn partition_of(data: &[u8], offsets: &[i64], partitions: u32) -> Result<Vec<u32>> {
    if partitions == 0 {
        return Err(Error::arg("partitions must be at least 1"));
    }
    let bad = || Error::arg("offsets must be non-decreasing and inside the data");
    let mut out = Vec::with_capacity(offsets.len().saturating_sub(1));
    for w in offsets.windows(2) {
        let (a, b) = (usize::try_from(w[0]).map_err(|_| bad())?, usize::try_from(w[1]).map_err(|_| bad())?);
        let s = data.get(a..b).ok_or_else(bad)?;
        out.push((xxhash_rust::xxh3::xxh3_64(s) % partitions as u64) as u32);
    }
    Ok(out)
}
