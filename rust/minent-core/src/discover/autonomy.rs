//! nVBE autonomy (Magistry & Sagot 2012), the score word discovery segments by: how
//! much the branching entropy rises at an n-gram's edges, z-normalised per length. From
//! two indexes (the corpus and its reverse, [`crate::stats::branching`]) or from exact
//! n-gram counts (a sharded corpus).

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use crate::index::CorpusIndex;
use crate::index::corpus::Segmenter;
use crate::stats::branching::{key_len, pack_chars, reverse_key, shorten, unpack_chars, BranchRow, MAX_KEY_CHARS};
use crate::util::control::Control;
use crate::util::error::{Error, Result};
use crate::util::pool::in_pool;

/// nVBE autonomy (Magistry & Sagot 2012) of every n-gram of 1..=max_len characters seen
/// at least `min_count` times: z(δ_right) + z(δ_left), where δ_right(x) = h_r(x) − h_r(x
/// minus its last character) (h_r(x) itself for one character), δ_left likewise on the
/// left, and z standardises among n-grams of the same length. Builds the index of `paths`,
/// then the reversed one, one after the other.
pub fn autonomy(
    paths: &[std::path::PathBuf],
    segmenter: Segmenter,
    max_len: usize,
    min_count: u64,
    num_threads: Option<usize>,
    ctl: &Control,
) -> Result<Vec<(String, f64)>> {
    Ok(spelled(autonomy_keys(paths, segmenter, max_len, min_count, num_threads, ctl)?))
}

/// [`autonomy`] keyed by the n-grams' packed code points ([`pack_chars`]), the form
/// [`crate::segment::viterbi::NgramWords`] segments by: no string per candidate.
pub fn autonomy_keys(
    paths: &[std::path::PathBuf],
    segmenter: Segmenter,
    max_len: usize,
    min_count: u64,
    num_threads: Option<usize>,
    ctl: &Control,
) -> Result<Vec<(u128, f64)>> {
    if max_len == 0 || max_len >= MAX_KEY_CHARS {
        return Err(Error::arg(format!("max_len must be in 1..={}", MAX_KEY_CHARS - 1)));
    }
    in_pool(num_threads, || {
        let forward = CorpusIndex::build(paths, segmenter, num_threads, ctl)?;
        let right = forward.right_branching(max_len, min_count, ctl)?;
        let backward = forward.reversed(num_threads, ctl)?;
        drop(forward);
        let mut left = backward.right_branching(max_len, min_count, ctl)?;
        drop(backward);
        left.par_iter_mut().for_each(|r| r.key = reverse_key(r.key)); // keyed by the forward n-gram
        Ok(nvbe(right, left, max_len))
    })
}

/// The autonomy of [`autonomy`] computed from exact n-gram counts instead of an index:
/// `grams` holds every n-gram of 1..=max_len+1 characters with its count (all of them,
/// min_count 1, as merged from the shards of a corpus), in code-point order. Gives the same
/// floats as [`autonomy`] on the same corpus: each entropy sums its extensions in the same
/// order (by code point of the added character) with the same formula.
pub fn autonomy_from_counts(grams: &[(&str, u64)], max_len: usize, min_count: u64) -> Result<Vec<(String, f64)>> {
    if max_len == 0 || max_len >= MAX_KEY_CHARS {
        return Err(Error::arg(format!("max_len must be in 1..={}", MAX_KEY_CHARS - 1)));
    }
    // per n-gram: (count, Σ right-extension counts, Σ c ln c right, Σ left counts, Σ c ln c left)
    let mut acc: HashMap<u128, (u64, u64, f64, u64, f64)> = HashMap::default();
    let mut prev: Option<&str> = None;
    for &(g, c) in grams {
        if prev.is_some_and(|p| p >= g) {
            return Err(Error::arg("n-grams must be distinct and sorted by code point"));
        }
        prev = Some(g);
        let n = g.chars().count();
        if n == 0 || n > max_len + 1 {
            return Err(Error::arg(format!("n-gram {g:?} is not 1..={} characters", max_len + 1)));
        }
        if n <= max_len {
            acc.entry(pack_chars(g.chars())).or_insert((0, 0, 0.0, 0, 0.0)).0 = c;
        }
    }
    // extensions in table order: for a fixed prefix the added last characters come in
    // code-point order, for a fixed suffix the added first characters do (as in the
    // suffix arrays of the corpus and of the reversed corpus)
    for &(g, c) in grams {
        let n = g.chars().count();
        if n < 2 {
            continue;
        }
        let key = pack_chars(g.chars());
        let cf = c as f64;
        if let Some(a) = acc.get_mut(&shorten(key, false)) {
            a.1 += c;
            a.2 += cf * cf.ln();
        }
        if let Some(a) = acc.get_mut(&shorten(key, true)) {
            a.3 += c;
            a.4 += cf * cf.ln();
        }
    }
    let entropy = |count: u64, sum_c: u64, sum_clnc: f64| -> f64 {
        let b = count.saturating_sub(sum_c) as f64;
        let c = count as f64;
        let t = sum_clnc + if b > 0.0 { b * b.ln() } else { 0.0 };
        c.ln() - t / c
    };
    let mut right = Vec::new();
    let mut left = Vec::new();
    for (&key, &(count, rc, rs, lc, ls)) in &acc {
        if count >= min_count && count > 0 {
            right.push(BranchRow { key, count, entropy: entropy(count, rc, rs) });
            left.push(BranchRow { key, count, entropy: entropy(count, lc, ls) });
        }
    }
    drop(acc);
    Ok(spelled(nvbe(right, left, max_len)))
}

fn spelled(rows: Vec<(u128, f64)>) -> Vec<(String, f64)> {
    rows.into_iter().map(|(k, a)| (unpack_chars(k).into_iter().collect::<String>(), a)).collect()
}

/// z(δ_right) + z(δ_left) per length (see [`autonomy`]), from the right rows and the left
/// rows keyed by the forward n-gram, as (key, autonomy) sorted by key (so by length, then
/// code points). Sorted arrays and binary searches instead of hash maps: a third of the
/// memory on tens of millions of n-grams. The means and deviations come from [`Moments`],
/// whose sums do not depend on the order of the values: the partitioned computation
/// ([`super::partitioned`]) gets the same floats.
fn nvbe(mut right: Vec<BranchRow>, mut left: Vec<BranchRow>, max_len: usize) -> Vec<(u128, f64)> {
    right.par_sort_unstable_by_key(|r| r.key);
    left.par_sort_unstable_by_key(|r| r.key);
    let find = |rows: &[BranchRow], key: u128| rows.binary_search_by_key(&key, |r| r.key).ok().map(|i| rows[i].entropy);
    let deltas: Vec<(f64, f64)> = right
        .par_iter()
        .map(|r| {
            let n = key_len(r.key);
            let h_r = r.entropy;
            let h_l = find(&left, r.key).unwrap_or(0.0);
            let dr = if n > 1 { h_r - find(&right, shorten(r.key, false)).unwrap_or(0.0) } else { h_r };
            let dl = if n > 1 { h_l - find(&left, shorten(r.key, true)).unwrap_or(0.0) } else { h_l };
            (dr, dl)
        })
        .collect();
    drop(left);
    let mut out = Vec::with_capacity(right.len());
    let mut start = 0;
    for n in 1..=max_len {
        let end = start + right[start..].partition_point(|r| key_len(r.key) <= n);
        let of_n = &deltas[start..end];
        if !of_n.is_empty() {
            let (mut on_r, mut on_l) = (Moments::default(), Moments::default());
            for d in of_n {
                on_r.add(d.0);
                on_l.add(d.1);
            }
            let ((mr, sr), (ml, sl)) = (on_r.mean_sd(), on_l.mean_sd());
            for (r, d) in right[start..end].iter().zip(of_n) {
                out.push((r.key, (d.0 - mr) / sr + (d.1 - ml) / sl));
            }
        }
        start = end;
    }
    out
}

/// Count, sum and sum of squares of values, summed exactly in fixed point (2⁻⁶⁴ units in an
/// i128): the result does not depend on the order the values come in, so partitions of a
/// corpus processed in any order give the same mean and deviation as one pass. Values are
/// branching-entropy differences (|v| < 64 nats, so v² < 2¹²); the sums hold 2⁵¹ values.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Moments {
    n: u64,
    sum: i128,
    sq: i128,
}

const FIXED_ONE: f64 = 18_446_744_073_709_551_616.0; // 2⁶⁴

impl Moments {
    #[inline]
    pub(crate) fn add(&mut self, v: f64) {
        self.n += 1;
        self.sum += (v * FIXED_ONE) as i128; // exact scaling; truncation is per value
        self.sq += (v * v * FIXED_ONE) as i128;
    }

    pub(crate) fn merge(&mut self, other: &Moments) {
        self.n += other.n;
        self.sum += other.sum;
        self.sq += other.sq;
    }

    /// (mean, standard deviation), the deviation 1 when it is 0 (z is then v − mean).
    pub(crate) fn mean_sd(&self) -> (f64, f64) {
        if self.n == 0 {
            return (0.0, 1.0);
        }
        let n = self.n as f64;
        let m = self.sum as f64 / FIXED_ONE / n;
        let var = self.sq as f64 / FIXED_ONE / n - m * m;
        let sd = if var > 0.0 { var.sqrt() } else { 0.0 };
        (m, if sd > 0.0 { sd } else { 1.0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_do_not_depend_on_order() {
        let vals: Vec<f64> = (0..10_000).map(|i| ((i * 7919) % 1000) as f64 / 37.0 - 13.0).collect();
        let mut a = Moments::default();
        vals.iter().for_each(|&v| a.add(v));
        let (mut b, mut c) = (Moments::default(), Moments::default());
        vals.iter().rev().step_by(2).for_each(|&v| b.add(v));
        vals.iter().rev().skip(1).step_by(2).for_each(|&v| c.add(v));
        c.merge(&b);
        assert_eq!(a, c);
        let (m, sd) = a.mean_sd();
        let m2 = vals.iter().sum::<f64>() / vals.len() as f64;
        let sd2 = (vals.iter().map(|v| (v - m2) * (v - m2)).sum::<f64>() / vals.len() as f64).sqrt();
        assert!((m - m2).abs() < 1e-12 && (sd - sd2).abs() < 1e-12, "{m} {m2} {sd} {sd2}");
        assert_eq!(Moments::default().mean_sd(), (0.0, 1.0));
        let mut one = Moments::default();
        one.add(2.5);
        assert_eq!(one.mean_sd(), (2.5, 1.0));
    }
}
