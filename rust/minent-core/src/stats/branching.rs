//! Branching entropy of every n-gram, and the nVBE autonomy score used by word discovery.
//!
//! Design notes
//! - Right branching entropy comes from the same LCP-interval pass as the n-gram counts
//!   ([`crate::stats::intervals`]): the runs of length n+1 inside a run of length n are its right
//!   extensions, and they close before it, so one pass accumulates Σ c·ln c per open run
//!   and finishes the entropy when the run closes. Occurrences at a segment end (no
//!   extension) count as one boundary symbol.
//! - Left branching entropy is the right branching entropy of the reversed corpus: an
//!   index over every segment reversed is built after the forward pass is done with its
//!   own index, so only one index is alive at a time (peak ≈ one build).
//! - N-grams are keyed by their code points packed 21 bits each with the length on top,
//!   so forward and reversed tables join without strings (up to 5 characters).
//! - Chunks of the suffix array are processed in parallel; a chunk emits the runs that
//!   start in it and, past its end, still follows the children of its open runs (the
//!   scan's `FOLLOW_PAST_END`).

use rayon::prelude::*;

use crate::index::corpus::Symbol;
use crate::index::sa;
use crate::index::{with_text, CorpusIndex, Store, Text};
use crate::stats::intervals::{lcp_intervals, IntervalVisitor};
use crate::util::control::Control;
use crate::util::error::{Error, Result};

/// Longest n-gram a packed key holds.
pub const MAX_KEY_CHARS: usize = 5;

/// Pack up to five characters (21 bits each) with their number in the top bits.
pub fn pack_chars(chars: impl IntoIterator<Item = char>) -> u128 {
    let mut key: u128 = 0;
    let mut n: u128 = 0;
    for c in chars {
        key = (key << 21) | c as u128;
        n += 1;
    }
    key | (n << 120)
}

pub fn unpack_chars(key: u128) -> Vec<char> {
    let n = (key >> 120) as usize;
    (0..n).rev().map(|i| char::from_u32(((key >> (21 * i)) & 0x1F_FFFF) as u32).unwrap_or('\u{fffd}')).collect()
}

pub(crate) fn key_len(key: u128) -> usize {
    (key >> 120) as usize
}

/// Drop the first (`front`) or last character of a packed key.
pub(crate) fn shorten(key: u128, front: bool) -> u128 {
    let n = key_len(key);
    let body = key & ((1u128 << 120) - 1);
    let body = if front { body & ((1u128 << (21 * (n - 1))) - 1) } else { body >> 21 };
    body | (((n - 1) as u128) << 120)
}

pub(crate) fn reverse_key(key: u128) -> u128 {
    let mut chars = unpack_chars(key);
    chars.reverse();
    pack_chars(chars)
}

/// One n-gram with its count and the entropy (nats) of its right extensions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BranchRow {
    pub key: u128,
    pub count: u64,
    pub entropy: f64,
}

impl CorpusIndex {
    /// Right branching entropy of every n-gram of 1..=max_n characters seen at least
    /// `min_count` times.
    pub fn right_branching(&self, max_n: usize, min_count: u64, ctl: &Control) -> Result<Vec<BranchRow>> {
        self.right_branching_chunked(max_n, min_count, None, ctl)
    }

    /// [`Self::right_branching`] with `chunk` suffixes per chunk (None: sized for the
    /// thread pool; tests pass small ones).
    pub(crate) fn right_branching_chunked(
        &self,
        max_n: usize,
        min_count: u64,
        chunk: Option<usize>,
        ctl: &Control,
    ) -> Result<Vec<BranchRow>> {
        if max_n == 0 || max_n >= MAX_KEY_CHARS {
            return Err(Error::arg(format!("max_n must be in 1..={}", MAX_KEY_CHARS - 1)));
        }
        let sa = self.sa.as_slice();
        let lcp = self.lcp.as_slice();
        let total = sa.len();
        let first = self.buckets.get(1).copied().unwrap_or(total).min(total);
        ctl.stage("ngrams", (total - first) as u64)?;
        let work = total - first;
        let chunk = chunk.unwrap_or_else(|| (work / (rayon::current_num_threads() * 8)).clamp(1 << 16, 1 << 22));
        let starts: Vec<usize> = (first..total).step_by(chunk).collect();
        let parts: Vec<Vec<BranchRow>> = with_text!(self, text => {
            starts
                .par_iter()
                .map(|&k0| {
                    let k1 = (k0 + chunk).min(total);
                    let rows = branch_scan(text, sa, lcp, &self.vocab, k0, k1, max_n, min_count);
                    ctl.advance((k1 - k0) as u64)?;
                    Ok(rows)
                })
                .collect::<Result<Vec<_>>>()
        })?;
        Ok(parts.concat())
    }

    /// An in-memory index of the same corpus with every segment reversed.
    pub fn reversed(&self, num_threads: Option<usize>, ctl: &Control) -> Result<CorpusIndex> {
        let alphabet = self.vocab.len() + 1;
        let (text, sa, lcp) = match &self.text {
            Text::U16(t) => {
                let r = reverse_segments(t.as_slice());
                let (sa, lcp) = sa::build_sa_lcp(&r, alphabet, num_threads, ctl)?;
                (Text::U16(Store::Owned(r)), sa, lcp)
            }
            Text::U32(t) => {
                let r = reverse_segments(t.as_slice());
                let (sa, lcp) = sa::build_sa_lcp(&r, alphabet, num_threads, ctl)?;
                (Text::U32(Store::Owned(r)), sa, lcp)
            }
        };
        Ok(CorpusIndex {
            segmenter: self.segmenter,
            vocab: self.vocab.clone(),
            char_counts: self.char_counts.clone(),
            buckets: self.buckets.clone(),
            text,
            sa: Store::Owned(sa),
            lcp: Store::Owned(lcp),
            sources: self.sources.clone(),
            files: self.files.clone(),
            origin: None, // positions no longer match the text
            path: None,
        })
    }
}

/// [seg0, 0, seg1, 0, …, segk, 0] → [segk⁻¹, 0, …, seg0⁻¹, 0].
fn reverse_segments<S: Symbol>(t: &[S]) -> Vec<S> {
    if t.is_empty() {
        return Vec::new();
    }
    let mut r: Vec<S> = t[..t.len() - 1].iter().rev().copied().collect();
    r.push(S::from_id(0));
    r
}

/// The rows of the runs (n-grams of 1..=max_n) that start in [k0, k1).
#[allow(clippy::too_many_arguments)]
fn branch_scan<S: Symbol>(
    text: &[S],
    sa: &[u32],
    lcp: &[u16],
    vocab: &[char],
    k0: usize,
    k1: usize,
    max_n: usize,
    min_count: u64,
) -> Vec<BranchRow> {
    let top = max_n + 1; // runs of max_n + 1 only feed their parents
    let acc = vec![(0, 0.0); top + 1];
    let mut rows = BranchRows { text, sa, vocab, k1, max_n, min_count, acc, out: Vec::new() };
    lcp_intervals(lcp, k0, k1, 1, top, &mut rows);
    rows.out
}

/// The visitor of [`branch_scan`]: each run adds its count to its parent's sums and, when
/// it closes itself, turns its children's sums into its entropy.
struct BranchRows<'a, S> {
    text: &'a [S],
    sa: &'a [u32],
    vocab: &'a [char],
    k1: usize,
    max_n: usize,
    min_count: u64,
    /// acc[n] = (Σ c, Σ c·ln c) over the closed children of the open run of length n
    acc: Vec<(u64, f64)>,
    out: Vec<BranchRow>,
}

impl<S: Symbol> IntervalVisitor for BranchRows<'_, S> {
    // a run starting before k1 may have extensions starting past it
    const FOLLOW_PAST_END: bool = true;

    #[inline]
    fn close(&mut self, s: usize, e: usize, n: usize, parent_open: bool) {
        let count = (e - s) as u64;
        let pos = self.sa[s] as usize;
        let gram = self.text.get(pos..pos + n).unwrap_or(&[]);
        let valid = gram.len() == n && (count >= 2 || gram.iter().all(|x| x.id() != 0));
        if valid {
            if parent_open {
                let c = count as f64;
                self.acc[n - 1].0 += count;
                self.acc[n - 1].1 += c * c.ln();
            }
            if n <= self.max_n && count >= self.min_count && s < self.k1 {
                let (sum_c, sum_clnc) = self.acc[n];
                let b = count.saturating_sub(sum_c) as f64;
                let c = count as f64;
                let t = sum_clnc + if b > 0.0 { b * b.ln() } else { 0.0 };
                let entropy = c.ln() - t / c;
                let vocab = self.vocab;
                let chars = gram.iter().map(|x| vocab.get(x.id() as usize - 1).copied().unwrap_or('\u{fffd}'));
                let key = pack_chars(chars);
                self.out.push(BranchRow { key, count, entropy });
            }
        }
        self.acc[n] = (0, 0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let k = pack_chars("中国人".chars());
        assert_eq!(unpack_chars(k), vec!['中', '国', '人']);
        assert_eq!(unpack_chars(shorten(k, false)), vec!['中', '国']);
        assert_eq!(unpack_chars(shorten(k, true)), vec!['国', '人']);
        assert_eq!(unpack_chars(reverse_key(k)), vec!['人', '国', '中']);
        assert_ne!(pack_chars("\u{0}a".chars()), pack_chars("a".chars()));
    }
}
