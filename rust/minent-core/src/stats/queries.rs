//! Queries on a `CorpusIndex`: exact counts of any string, neighbours, branching entropy,
//! PMI and character entropy. All logs are natural (nats).
//!
//! Every query narrows a suffix-array interval one symbol at a time (binary search within
//! the bucket of the first character), so a count costs O(m log n) symbol reads for an
//! m-character pattern and never materialises anything proportional to the corpus.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::index::corpus::Symbol;
use crate::index::{with_text, CorpusIndex};
use crate::util::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

impl Side {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "left" => Ok(Side::Left),
            "right" => Ok(Side::Right),
            other => Err(Error::arg(format!("side must be \"left\" or \"right\", not {other:?}"))),
        }
    }
}

/// First k in [lo, hi) whose symbol at `depth` is ≥ `sym` (a missing symbol sorts lowest).
#[inline]
fn lower<S: Symbol>(text: &[S], sa: &[u32], mut lo: usize, mut hi: usize, depth: usize, sym: u32, strict: bool) -> usize {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let at = sa.get(mid).map(|&p| p as usize + depth);
        let s = at.and_then(|i| text.get(i)).map(|s| s.id() as i64).unwrap_or(-1);
        let go_right = if strict { s <= sym as i64 } else { s < sym as i64 };
        if go_right {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The end of the run of suffixes in `sa[k..hi]` whose symbol at `depth` is `sym` (the
/// one at `k` is): a galloping search from `k`, so a short run costs a few reads next to
/// each other instead of a binary search over the whole interval.
fn gallop_past<S: Symbol>(text: &[S], sa: &[u32], k: usize, hi: usize, depth: usize, sym: u32) -> usize {
    let in_run = |i: usize| sa.get(i).and_then(|&p| text.get(p as usize + depth)).is_some_and(|s| s.id() == sym);
    let mut step = 1usize;
    while k + step < hi && in_run(k + step) {
        step *= 2;
    }
    // k + step / 2 is in the run; the end lies in (k + step / 2, min(k + step, hi)]
    lower(text, sa, k + step / 2 + 1, (k + step).min(hi), depth, sym, true)
}

impl CorpusIndex {
    /// Character → id, or None when the character never occurs in a segment.
    #[inline]
    pub(crate) fn id_of(&self, c: char) -> Option<u32> {
        self.vocab.binary_search(&c).ok().map(|i| i as u32 + 1)
    }

    /// Ids of `s`, or None if some character is not in the corpus.
    pub(crate) fn encode_pattern(&self, s: &str) -> Option<Vec<u32>> {
        s.chars().map(|c| self.id_of(c)).collect()
    }

    /// The suffix-array interval of suffixes starting with `pattern` (non-empty ids).
    pub(crate) fn interval(&self, pattern: &[u32]) -> (usize, usize) {
        let Some(&first) = pattern.first() else {
            return (0, 0);
        };
        let (Some(&lo), Some(&hi)) = (self.buckets.get(first as usize), self.buckets.get(first as usize + 1)) else {
            return (0, 0);
        };
        let sa = self.sa.as_slice();
        let (mut lo, mut hi) = (lo, hi);
        with_text!(self, text => {
            for (depth, &sym) in pattern.iter().enumerate().skip(1) {
                if lo >= hi {
                    break;
                }
                let new_lo = lower(text, sa, lo, hi, depth, sym, false);
                hi = lower(text, sa, new_lo, hi, depth, sym, true);
                lo = new_lo;
            }
        });
        (lo, hi.max(lo))
    }

    pub(crate) fn check_pattern(s: &str) -> Result<()> {
        if s.is_empty() {
            Err(Error::arg("the empty string has no count; give at least one character"))
        } else {
            Ok(())
        }
    }

    /// Exact number of occurrences of `s` inside segments.
    pub fn count(&self, s: &str) -> Result<u64> {
        Self::check_pattern(s)?;
        Ok(match self.encode_pattern(s) {
            Some(p) => {
                let (lo, hi) = self.interval(&p);
                (hi - lo) as u64
            }
            None => 0,
        })
    }

    /// `count` for many strings, in parallel.
    pub fn count_many(&self, strings: &[String]) -> Result<Vec<u64>> {
        strings.par_iter().map(|s| self.count(s)).collect()
    }

    /// Characters adjacent to occurrences of `s` on `side`, with counts, most frequent
    /// first (ties by code point). Segment boundaries are not counted as neighbours.
    pub fn neighbors(&self, s: &str, side: Side) -> Result<Vec<(char, u64)>> {
        Self::check_pattern(s)?;
        let Some(p) = self.encode_pattern(s) else {
            return Ok(Vec::new());
        };
        let (lo, hi) = self.interval(&p);
        let m = p.len();
        let counts: HashMap<u32, u64> = match side {
            // the interval is sorted by the symbol after the pattern: each next character's
            // occurrences are one run, found by galloping from its first (a frequent
            // string's thousands of distinct followers, not its millions of occurrences)
            Side::Right => with_text!(self, text => {
                let sa = self.sa.as_slice();
                let mut counts = HashMap::new();
                let mut k = lo;
                while k < hi {
                    let next = text.get(sa[k] as usize + m).map(|s| s.id());
                    let end = match next {
                        None => lower(text, sa, k, hi, m, 0, false),
                        Some(c) => gallop_past(text, sa, k, hi, m, c),
                    };
                    if let Some(c) = next.filter(|&c| c != 0) {
                        counts.insert(c, (end - k) as u64);
                    }
                    k = end.max(k + 1);
                }
                counts
            }),
            Side::Left => self.left_counts(lo, hi),
        };
        let mut out: Vec<(char, u64)> = counts
            .into_iter()
            .filter_map(|(id, c)| self.vocab.get(id as usize - 1).map(|&ch| (ch, c)))
            .collect();
        out.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(out)
    }

    /// Counts of the symbols before the suffixes `sa[lo..hi]` (segment boundaries not
    /// counted), by a parallel scan: the interval is not sorted by them.
    fn left_counts(&self, lo: usize, hi: usize) -> HashMap<u32, u64> {
        let sa = &self.sa.as_slice()[lo..hi];
        with_text!(self, text => {
            let neighbour = |&pos: &u32| -> Option<u32> {
                let i = (pos as usize).checked_sub(1)?;
                text.get(i).map(|s| s.id()).filter(|&id| id != 0)
            };
            sa.par_iter()
                .with_min_len(1 << 14)
                .fold(HashMap::new, |mut acc, pos| {
                    if let Some(id) = neighbour(pos) {
                        *acc.entry(id).or_insert(0u64) += 1;
                    }
                    acc
                })
                .reduce(HashMap::new, |mut a, b| {
                    for (k, v) in b {
                        *a.entry(k).or_insert(0) += v;
                    }
                    a
                })
        })
    }

    /// Entropy (nats) of the neighbour distribution of `s` on `side`; 0 when it has none.
    pub fn branching_entropy(&self, s: &str, side: Side) -> Result<f64> {
        let counts: Vec<u64> = self.neighbors(s, side)?.into_iter().map(|(_, c)| c).collect();
        Ok(entropy(&counts))
    }

    /// min over binary splits s = l·r of ln(p(s) / (p(l) p(r))), with p(x) = count(x) / N and
    /// N = number of characters (the cohesion of the 2017 new-word article, as a log).
    /// −∞ when `s` does not occur.
    pub fn pmi(&self, s: &str) -> Result<f64> {
        let chars: Vec<(usize, char)> = s.char_indices().collect();
        if chars.len() < 2 {
            return Err(Error::arg("pmi needs a string of at least two characters"));
        }
        let whole = self.count(s)?;
        if whole == 0 {
            return Ok(f64::NEG_INFINITY);
        }
        let n = self.num_chars() as f64;
        let mut best = f64::INFINITY;
        for &(split, _) in chars.iter().skip(1) {
            let (l, r) = (self.count(&s[..split])?, self.count(&s[split..])?);
            let v = (whole as f64).ln() + n.ln() - (l as f64).ln() - (r as f64).ln();
            best = best.min(v);
        }
        Ok(best)
    }

    /// infini-gram's ∞-gram next-character distribution: the longest suffix of `context`
    /// that occurs followed by a character inside a segment, and the counts of those
    /// characters, most frequent first (ties by code point). Suffix length 0 (no suffix
    /// occurs so, or an empty context) comes with no rows: the distribution is then every
    /// character's count, [`char_counts`](Self::char_counts), which callers keep.
    pub fn next_chars(&self, context: &str) -> Result<(usize, Vec<(char, u64)>)> {
        let chars: Vec<char> = context.chars().collect();
        let suffix = |l: usize| chars[chars.len() - l..].iter().collect::<String>();
        // the longest suffix that occurs at all: occurring is monotone in the length
        let (mut lo, mut hi) = (0usize, chars.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if self.count(&suffix(mid))? > 0 {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        // back off past suffixes that occur only at a segment's end
        for l in (1..=lo).rev() {
            let next = self.neighbors(&suffix(l), Side::Right)?;
            if !next.is_empty() {
                return Ok((l, next));
            }
        }
        Ok((0, Vec::new()))
    }

    /// Unigram character entropy of the corpus (nats per character).
    pub fn char_entropy(&self) -> f64 {
        entropy(&self.char_counts[1.min(self.char_counts.len())..])
    }
}

/// Shannon entropy (nats) of a distribution given by counts.
pub fn entropy(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return 0.0;
    }
    let t = total as f64;
    -counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / t;
            p * p.ln()
        })
        .sum::<f64>()
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::{Control, Segmenter};

    #[test]
    fn right_neighbours_by_galloping_match_a_naive_count() {
        // long runs of the same follower (galloping past each)
        let mut text = String::new();
        let mut x = 7u64;
        for _ in 0..20_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            text.push(['a', 'b', 'c', 'd', '中'][(x >> 60) as usize % 5]);
            if (x >> 40) % 97 == 0 {
                text.push('\n');
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        std::fs::File::create(&path).unwrap().write_all(text.as_bytes()).unwrap();
        let idx = CorpusIndex::build(&[path], Segmenter::Han, Some(2), &Control::new()).unwrap();
        for s in ["a", "ab", "中", "ca", "dd"] {
            let mut want: HashMap<char, u64> = HashMap::new();
            for line in text.split('\n') {
                let chars: Vec<char> = line.chars().collect();
                let pat: Vec<char> = s.chars().collect();
                for i in 0..chars.len().saturating_sub(pat.len()) {
                    if chars[i..i + pat.len()] == pat[..] {
                        *want.entry(chars[i + pat.len()]).or_insert(0) += 1;
                    }
                }
            }
            let got: HashMap<char, u64> = idx.neighbors(s, Side::Right).unwrap().into_iter().collect();
            assert_eq!(got, want, "{s}");
        }
    }
}
