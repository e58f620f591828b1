//! nVBE autonomy (Magistry & Sagot 2012), the score word discovery segments by: how
//! much the branching entropy rises at an n-gram's edges, z-normalised per length. From
//! two indexes (the corpus and its reverse, [`crate::stats::branching`]) or from exact
//! n-gram counts (a sharded corpus).

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
    if max_len == 0 || max_len >= MAX_KEY_CHARS {
        return Err(Error::arg(format!("max_len must be in 1..={}", MAX_KEY_CHARS - 1)));
    }
    in_pool(num_threads, || {
        let forward = CorpusIndex::build(paths, segmenter, num_threads, ctl)?;
        let right = forward.right_branching(max_len, min_count, ctl)?;
        let backward = forward.reversed(num_threads, ctl)?;
        drop(forward);
        let left_rows = backward.right_branching(max_len, min_count, ctl)?;
        drop(backward);
        let hl: HashMap<u128, f64> = left_rows.iter().map(|r| (reverse_key(r.key), r.entropy)).collect();
        Ok(nvbe(&right, &hl, max_len))
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
    let mut hl: HashMap<u128, f64> = HashMap::default();
    for (&key, &(count, rc, rs, lc, ls)) in &acc {
        if count >= min_count && count > 0 {
            right.push(BranchRow { key, count, entropy: entropy(count, rc, rs) });
            hl.insert(key, entropy(count, lc, ls));
        }
    }
    Ok(nvbe(&right, &hl, max_len))
}

/// z(δ_right) + z(δ_left) per length (see [`autonomy`]), from the right rows and the left
/// entropies keyed by the forward n-gram.
fn nvbe(right: &[BranchRow], hl: &HashMap<u128, f64>, max_len: usize) -> Vec<(String, f64)> {
    {
        let hr: HashMap<u128, f64> = right.iter().map(|r| (r.key, r.entropy)).collect();
        let mut rows: Vec<(u128, f64, f64)> = right
            .iter()
            .map(|r| {
                let n = key_len(r.key);
                let h_r = r.entropy;
                let h_l = hl.get(&r.key).copied().unwrap_or(0.0);
                let dr = if n > 1 { h_r - hr.get(&shorten(r.key, false)).copied().unwrap_or(0.0) } else { h_r };
                let dl = if n > 1 { h_l - hl.get(&shorten(r.key, true)).copied().unwrap_or(0.0) } else { h_l };
                (r.key, dr, dl)
            })
            .collect();
        rows.sort_unstable_by_key(|r| r.0);
        let mut out = Vec::with_capacity(rows.len());
        for n in 1..=max_len {
            let of_n: Vec<&(u128, f64, f64)> = rows.iter().filter(|r| key_len(r.0) == n).collect();
            if of_n.is_empty() {
                continue;
            }
            let z = |vals: Vec<f64>| -> Vec<f64> {
                let m = vals.iter().sum::<f64>() / vals.len() as f64;
                let sd = (vals.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / vals.len() as f64).sqrt();
                let sd = if sd > 0.0 { sd } else { 1.0 };
                vals.into_iter().map(|v| (v - m) / sd).collect()
            };
            let zr = z(of_n.iter().map(|r| r.1).collect());
            let zl = z(of_n.iter().map(|r| r.2).collect());
            for (i, r) in of_n.iter().enumerate() {
                out.push((unpack_chars(r.0).into_iter().collect::<String>(), zr[i] + zl[i]));
            }
        }
        out
    }
}
