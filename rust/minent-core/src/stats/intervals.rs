//! The LCP-interval scan shared by the n-gram counts ([`crate::stats::ngram`]) and the branching
//! entropy ([`crate::stats::branching`]): one enumeration, each caller a visitor.
//!
//! Design notes
//! - In suffix-array order, the occurrences of one n-gram are a run of consecutive
//!   suffixes whose LCP with their predecessor is ≥ n (an LCP interval of depth n). A
//!   linear pass over the LCP array keeps at most one open run per length: where the LCP
//!   drops to l, the runs longer than l close and runs of every length above l open.
//! - Runs are reported when they close, longer before shorter at the same suffix, so the
//!   runs of length n + 1 inside a run of length n (its right extensions) that the scan
//!   sees are all reported before it, while it is still open.
//! - A scan covers a chunk `k0..k1` of the suffix array and reports the runs that *start*
//!   in it, reading past `k1` to close them, so chunks scanned in parallel together report
//!   every run exactly once. A run that starts before `k0` belongs to the previous chunk
//!   and is not seen at all (its extensions inside the chunk have no open parent here).
//! - A visitor that needs the extensions of its runs asks to follow them past the chunk's
//!   end (`IntervalVisitor::FOLLOW_PAST_END`): the runs nested in an open run of the
//!   chunk then open and close past `k1` too, reported with their start ≥ `k1`.
//! - The scan is generic over the visitor (no `dyn`), so each caller gets its own
//!   monomorphised copy with the visitor's code inlined into the loop.

/// What to do with each LCP interval a scan of [`lcp_intervals`] reports.
pub(crate) trait IntervalVisitor {
    /// Past the chunk's end, open the runs nested in an open run of length n − 1 (their
    /// start is ≥ `k1`) so the chunk's runs see all their extensions. Without it nothing
    /// opens past `k1`.
    const FOLLOW_PAST_END: bool;

    /// The run of length `n` made of the suffixes `start..end` (in suffix-array order)
    /// closed. `parent_open`: n is above the scan's shortest length and the run of length
    /// n − 1 containing this one is open in this scan (it is reported later).
    fn close(&mut self, start: usize, end: usize, n: usize, parent_open: bool);
}

/// Enumerate the LCP intervals of lengths `lo..=hi` that start in the chunk `k0..k1` of
/// the suffix array (plus, with [`IntervalVisitor::FOLLOW_PAST_END`], the runs nested in
/// them that start past `k1`), calling `visitor.close` for each as it closes: ordered by
/// end, and at one end from the longest length to the shortest. `lcp[k]` is the LCP of
/// suffixes k − 1 and k in suffix-array order (one entry per suffix; `lcp[0]` is taken as
/// 0). Needs `1 <= lo <= hi` and `k0 < k1 <= lcp.len()`.
pub(crate) fn lcp_intervals<V: IntervalVisitor>(
    lcp: &[u16],
    k0: usize,
    k1: usize,
    lo: usize,
    hi: usize,
    visitor: &mut V,
) {
    debug_assert!(1 <= lo && lo <= hi && k0 < k1 && k1 <= lcp.len());
    let total = lcp.len();
    // open[n - lo] = start of the open run of length n, if any
    let mut open: Vec<Option<usize>> = vec![None; hi - lo + 1];
    let mut num_open = 0usize;
    let mut k = k0;
    while k < total {
        let l = if k == 0 { 0 } else { lcp[k] as usize };
        let from = (l + 1).max(lo);
        // suffixes k-1 and k share exactly l symbols: runs longer than l end here,
        // children before parents
        for n in (from..=hi).rev() {
            if let Some(s) = open[n - lo].take() {
                num_open -= 1;
                let parent_open = n > lo && open[n - lo - 1].is_some();
                visitor.close(s, k, n, parent_open);
            }
        }
        // runs longer than l start here: inside the chunk always; past its end only when
        // following, and only inside a run of length l still open in this scan (each new
        // run of length n then has its parent of length n - 1, so all of them open)
        let opens = from <= hi && (k < k1 || (V::FOLLOW_PAST_END && l >= lo && open[l - lo].is_some()));
        if opens {
            for slot in &mut open[from - lo..] {
                *slot = Some(k);
            }
            num_open += hi + 1 - from;
        }
        if k >= k1 && num_open == 0 {
            break;
        }
        k += 1;
    }
    // runs still open reach the end of the suffix array
    for n in (lo..=hi).rev() {
        if let Some(s) = open[n - lo].take() {
            let parent_open = n > lo && open[n - lo - 1].is_some();
            visitor.close(s, total, n, parent_open);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::io::Write;

    use proptest::prelude::*;

    use super::*;
    use crate::{Control, CorpusIndex, NgramOrder, Segmenter};

    /// (start, end, n, parent_open) in the order reported.
    struct Record<const FOLLOW: bool>(Vec<(usize, usize, usize, bool)>);

    impl<const FOLLOW: bool> IntervalVisitor for Record<FOLLOW> {
        const FOLLOW_PAST_END: bool = FOLLOW;
        fn close(&mut self, start: usize, end: usize, n: usize, parent_open: bool) {
            self.0.push((start, end, n, parent_open));
        }
    }

    /// The intervals a scan of `k0..k1` must report, from the definition: a run of length n
    /// starts at s when s = 0 or lcp[s] < n and ends at the next k with lcp[k] < n; the
    /// chunk owns the runs starting in it and, following, also those starting past k1 whose
    /// run of length n − 1 it reports. Sorted by end, then longest first.
    type Reported = Vec<(usize, usize, usize, bool)>;

    fn brute_force(lcp: &[u16], k0: usize, k1: usize, lo: usize, hi: usize, follow: bool) -> Reported {
        let total = lcp.len();
        let l = |k: usize| if k == 0 { 0 } else { lcp[k] as usize };
        let mut reported: Vec<Vec<(usize, usize)>> = Vec::new(); // per n - lo
        let mut out = Vec::new();
        for n in lo..=hi {
            let mut mine = Vec::new();
            for s in 0..total {
                if l(s) >= n {
                    continue;
                }
                let e = (s + 1..total).find(|&k| l(k) < n).unwrap_or(total);
                let parent =
                    if n > lo { reported[n - lo - 1].iter().find(|&&(ps, pe)| ps <= s && s < pe) } else { None };
                let take = (k0 <= s && s < k1) || (follow && s >= k1 && parent.is_some());
                if take {
                    mine.push((s, e));
                    out.push((s, e, n, parent.is_some()));
                }
            }
            reported.push(mine);
        }
        out.sort_by_key(|&(_, e, n, _)| (e, std::cmp::Reverse(n)));
        out
    }

    fn scan<const FOLLOW: bool>(lcp: &[u16], k0: usize, k1: usize, lo: usize, hi: usize) -> Reported {
        let mut rec = Record::<FOLLOW>(Vec::new());
        lcp_intervals(lcp, k0, k1, lo, hi, &mut rec);
        rec.0
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn intervals_equal_brute_force(
            lcp in prop::collection::vec(0u16..6, 1..80),
            lo in 1usize..4,
            extra in 0usize..4,
            chunk in 1usize..20,
        ) {
            let hi = lo + extra;
            let mut all = Vec::new();
            for k0 in (0..lcp.len()).step_by(chunk) {
                let k1 = (k0 + chunk).min(lcp.len());
                let got = scan::<false>(&lcp, k0, k1, lo, hi);
                prop_assert_eq!(&got, &brute_force(&lcp, k0, k1, lo, hi, false), "k0 {} k1 {}", k0, k1);
                all.extend(got.into_iter().map(|(s, e, n, _)| (s, e, n)));
                let followed = scan::<true>(&lcp, k0, k1, lo, hi);
                prop_assert_eq!(&followed, &brute_force(&lcp, k0, k1, lo, hi, true), "following, k0 {} k1 {}", k0, k1);
            }
            // the chunks together report every run once, as one scan does
            let mut whole: Vec<(usize, usize, usize)> =
                scan::<false>(&lcp, 0, lcp.len(), lo, hi).into_iter().map(|(s, e, n, _)| (s, e, n)).collect();
            all.sort_unstable();
            whole.sort_unstable();
            prop_assert_eq!(all, whole);
        }
    }

    // End to end, through both visitors, with chunks far smaller than the ones used in
    // production (≥ 65,536 suffixes, so small inputs otherwise always run as one chunk).

    fn naive(segs: &[Vec<char>], max_n: usize) -> HashMap<String, (u64, f64)> {
        let mut ext: HashMap<String, HashMap<Option<char>, u64>> = HashMap::new();
        for s in segs {
            for n in 1..=max_n.min(s.len()) {
                for i in 0..=s.len() - n {
                    let g: String = s[i..i + n].iter().collect();
                    *ext.entry(g).or_default().entry(s.get(i + n).copied()).or_insert(0) += 1;
                }
            }
        }
        ext.into_iter()
            .map(|(g, m)| {
                let t = m.values().sum::<u64>() as f64;
                let h = -m.values().map(|&c| (c as f64 / t) * (c as f64 / t).ln()).sum::<f64>();
                (g, (t as u64, h))
            })
            .collect()
    }

    fn text_strategy() -> impl Strategy<Value = String> {
        let alphabet = prop::sample::select(vec!["中", "国", "人", "a", "𠀀", "。", "\n"]);
        prop::collection::vec(alphabet, 0..250).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(60))]

        #[test]
        fn ngrams_and_branching_in_small_chunks_equal_naive(text in text_strategy(), chunk in 1usize..40) {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("t.txt");
            std::fs::File::create(&path).unwrap().write_all(text.as_bytes()).unwrap();
            let ctl = Control::new();
            let idx = CorpusIndex::build(&[path], Segmenter::Han, Some(1), &ctl).unwrap();
            let segs: Vec<Vec<char>> = text
                .split(|c: char| !crate::index::corpus::is_han_char(c))
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().collect())
                .collect();
            let want = naive(&segs, 4);

            // n-grams: every (min_n, max_n, min_count) gives the naive counts, in small
            // chunks exactly as in one
            for (min_n, max_n, min_count) in [(1, 4, 1), (2, 3, 2), (3, 3, 1)] {
                let rows = |t: &crate::NgramTable| -> Vec<(String, u64)> {
                    let mut v: Vec<(String, u64)> =
                        (0..t.len()).map(|r| (t.get(r).0.to_string(), t.get(r).1)).collect();
                    v.sort();
                    v
                };
                let small = idx.ngrams_unsorted(min_n, max_n, min_count, Some(chunk), &ctl).unwrap();
                let whole = idx.ngrams_unsorted(min_n, max_n, min_count, Some(1 << 30), &ctl).unwrap();
                let mut expect: Vec<(String, u64)> = want
                    .iter()
                    .filter(|(g, (c, _))| (min_n..=max_n).contains(&g.chars().count()) && *c >= min_count)
                    .map(|(g, (c, _))| (g.clone(), *c))
                    .collect();
                expect.sort();
                prop_assert_eq!(rows(&small), expect);
                prop_assert_eq!(rows(&small), rows(&whole));
                let public = idx.ngrams(min_n, max_n, min_count, NgramOrder::Count, Some(1), &ctl).unwrap();
                prop_assert_eq!(rows(&public), rows(&whole));
            }

            // branching: same rows and bit-identical entropies in small chunks as in one,
            // and equal to the naive entropies
            for min_count in [1, 2] {
                let small = idx.right_branching_chunked(3, min_count, Some(chunk), &ctl).unwrap();
                let whole = idx.right_branching_chunked(3, min_count, Some(1 << 30), &ctl).unwrap();
                let bits = |rows: &[crate::stats::branching::BranchRow]| -> Vec<(u128, u64, u64)> {
                    let mut v: Vec<_> = rows.iter().map(|r| (r.key, r.count, r.entropy.to_bits())).collect();
                    v.sort_unstable();
                    v
                };
                prop_assert_eq!(bits(&small), bits(&whole));
                let expect: HashMap<&String, &(u64, f64)> =
                    want.iter().filter(|(g, (c, _))| g.chars().count() <= 3 && *c >= min_count).collect();
                prop_assert_eq!(small.len(), expect.len());
                for r in &small {
                    let g: String = crate::stats::branching::unpack_chars(r.key).into_iter().collect();
                    let (c, h) = expect[&g];
                    prop_assert_eq!(r.count, *c);
                    prop_assert!((r.entropy - h).abs() < 1e-9, "{} {} {}", g, r.entropy, h);
                }
            }
        }
    }
}
