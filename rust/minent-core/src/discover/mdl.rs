//! The two-part description length of a segmentation and the lexicon edits that shorten
//! it: MDL pruning (a word leaves when re-reading its occurrences as other entries costs
//! less than spelling it) and article 1's merge of adjacent words. `discover_words` drives
//! the passes over the corpus from Python; these are the loops between two passes, over
//! every entry of the lexicon and every adjacent pair.
//!
//! A lexicon here is an insertion-ordered list of (word, count) — the order of a Python
//! dict, which the results keep (a removed word's slot goes, a new entry goes at the end).

use rustc_hash::FxHashMap as HashMap;

/// ln p(char) of the character model; a character without an entry costs `MISSING`.
pub type CharModel = HashMap<char, f64>;

const MISSING: f64 = -20.0;

#[inline]
fn xlogx(x: f64) -> f64 {
    if x > 0.0 { x * x.ln() } else { 0.0 }
}

#[inline]
fn spelling(w: &str, logp: &CharModel) -> f64 {
    w.chars().map(|ch| logp.get(&ch).copied().unwrap_or(MISSING)).sum()
}

/// End marks of a set of v words, ln(v + 1) each, less the ln v! of an order a set does
/// not have: each entry costs about one nat.
pub fn set_code(v: u64) -> f64 {
    let v = v as f64;
    v * (v + 1.0).ln() - libm::lgamma(v + 1.0)
}

/// `set_code(v + k) − set_code(v)` for k ≥ −1, summed exactly (no difference of two
/// large log-gammas).
fn set_code_change(v: u64, k: i64) -> f64 {
    let (vf, wf) = (v as f64, (v as i64 + k) as f64);
    let mut lg = 0.0; // ln (v + k)! − ln v!
    if k < 0 {
        lg -= vf.ln();
    } else {
        for i in 1..=k {
            lg += (vf + i as f64).ln();
        }
    }
    wf * (wf + 1.0).ln() - vf * (vf + 1.0).ln() - lg
}

/// Two-part code length (nats) of a segmentation given its token counts: the corpus coded
/// by words (N ln N − Σ c ln c) plus the lexicon as a set of words, each spelled with the
/// character model ([`set_code`] for the end marks).
pub fn description_length<'a>(counts: impl IntoIterator<Item = (&'a str, u64)>, logp: &CharModel) -> f64 {
    let (mut n, mut sum_clnc, mut spell, mut v) = (0u64, 0.0, 0.0, 0u64);
    for (w, c) in counts {
        n += c;
        sum_clnc += xlogx(c as f64);
        spell -= spelling(w, logp);
        v += 1;
    }
    xlogx(n as f64) - sum_clnc + spell + set_code(v)
}

/// An insertion-ordered word → count map (a Python dict's order).
#[derive(Default)]
pub struct Counts {
    slots: Vec<(String, u64)>,
    at: HashMap<String, usize>,
}

impl Counts {
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, u64)>) -> Counts {
        let mut out = Counts::default();
        for (w, c) in pairs {
            out.add(&w, c);
        }
        out
    }

    pub fn get(&self, w: &str) -> u64 {
        self.at.get(w).map_or(0, |&i| self.slots[i].1)
    }

    pub fn len(&self) -> usize {
        self.at.len()
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    fn add(&mut self, w: &str, c: u64) {
        match self.at.get(w) {
            Some(&i) => self.slots[i].1 += c,
            None => {
                self.at.insert(w.to_string(), self.slots.len());
                self.slots.push((w.to_string(), c));
            }
        }
    }

    fn remove(&mut self, w: &str) {
        if let Some(i) = self.at.remove(w) {
            self.slots[i].1 = 0;
        }
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter_map(move |(i, (w, c))| (self.at.get(w.as_str()) == Some(&i)).then_some((w.as_str(), *c)))
    }

    pub fn into_pairs(self) -> Vec<(String, u64)> {
        let Counts { slots, at, .. } = self;
        slots.into_iter().enumerate().filter(|(i, (w, _))| at.get(w) == Some(i)).map(|(_, p)| p).collect()
    }
}

/// w's cheapest reading as other entries under unigram costs ln N − ln count (a DP over
/// its prefixes). A character without an entry costs as a new one (spelled, ~1 nat), so
/// every prefix can be reached character by character and a split always exists.
fn cheapest_split<'w>(w: &'w str, counts: &Counts, ln_n: f64, logp: &CharModel) -> Vec<&'w str> {
    let mut bounds: Vec<usize> = w.char_indices().map(|(b, _)| b).collect();
    bounds.push(w.len());
    let n = bounds.len() - 1;
    let mut cost = vec![f64::INFINITY; n + 1];
    let mut back = vec![0usize; n + 1];
    cost[0] = 0.0;
    for j in 1..=n {
        for i in 0..j {
            let piece = &w[bounds[i]..bounds[j]];
            let a = if j - i < n { counts.get(piece) } else { 0 };
            let step = if a > 0 {
                ln_n - (a as f64).ln()
            } else if j - i == 1 {
                ln_n - 2.0 * spelling(piece, logp) + 1.0
            } else {
                continue;
            };
            if cost[i] + step < cost[j] {
                cost[j] = cost[i] + step;
                back[j] = i;
            }
        }
    }
    let mut split = Vec::new();
    let mut j = n;
    while j > 0 {
        split.push(&w[bounds[back[j]]..bounds[j]]);
        j = back[j];
    }
    split.reverse();
    split
}

/// Exact change of [`description_length`] when w (of `n_tok` tokens and `v` entries in
/// all) leaves the lexicon and its occurrences are read as `split`; and the number of new
/// entries that takes (pieces without an entry yet).
fn removal_delta(counts: &Counts, n_tok: u64, v: u64, w: &str, split: &[&str], logp: &CharModel) -> (f64, u64) {
    let c = counts.get(w);
    let grow = c * (split.len() as u64 - 1);
    let mut delta = xlogx((n_tok + grow) as f64) - xlogx(n_tok as f64) + xlogx(c as f64) + spelling(w, logp);
    let mut new_entries = 0;
    // each distinct piece once, with its multiplicity, in order of first occurrence
    for (k, piece) in split.iter().enumerate() {
        if split[..k].contains(piece) {
            continue;
        }
        let m = split.iter().filter(|p| *p == piece).count() as u64;
        let a = counts.get(piece);
        if a == 0 {
            new_entries += 1;
            delta -= spelling(piece, logp);
        }
        delta -= xlogx((a + m * c) as f64) - xlogx(a as f64);
    }
    (delta + set_code_change(v, new_entries as i64 - 1), new_entries)
}

/// One greedy pass of lexicon pruning, rarest and longest words first.
///
/// Removing w re-reads its c occurrences as its cheapest split into other entries
/// (unigram costs −ln(count/N); a character without an entry may be used at the price of
/// a new entry). The change of [`description_length`] is then exact: the corpus part from
/// the new counts and N, the lexicon part from w's spelling, the new entries' and
/// [`set_code`]. w is removed when the change is negative, and the counts are updated at
/// once so later decisions see it: the result is never longer than the input (with the
/// same `logp`), and shorter when a word went. Words for which `keep` holds are not
/// tried, nor entries longer than `max_len` characters (runs the tokenizer keeps whole: a
/// number, a Latin word — possibly 10⁵ characters, too long for a quadratic split).
pub fn mdl_prune(counts: Counts, logp: &CharModel, keep: impl Fn(&str) -> bool, max_len: usize) -> Counts {
    let mut counts = counts;
    let mut n_tok: u64 = counts.iter().map(|(_, c)| c).sum();
    let mut v = counts.len() as u64;
    let mut order: Vec<(String, u64, usize)> = counts
        .iter()
        .filter_map(|(w, c)| {
            let n = w.chars().count();
            (1 < n && n <= max_len && !keep(w)).then(|| (w.to_string(), c, n))
        })
        .collect();
    order.sort_by_key(|&(_, c, n)| (c, std::cmp::Reverse(n))); // stable: ties in dict order
    for (w, _, _) in &order {
        let c = counts.get(w);
        let pieces = cheapest_split(w, &counts, (n_tok as f64).ln(), logp); // borrows w, not counts
        let (delta, new_entries) = removal_delta(&counts, n_tok, v, w, &pieces, logp);
        if delta < -1e-9 {
            // not rounding noise
            counts.remove(w);
            for piece in &pieces {
                counts.add(piece, c);
            }
            n_tok += c * (pieces.len() as u64 - 1);
            v = v + new_entries - 1;
        }
    }
    counts
}

/// Article 1's merge on words, one round: of the adjacent pairs (a, b, n occurrences,
/// n ≥ 2) of the current segmentation, those whose reading as one token shortens
/// [`description_length`] (N and both parts' counts fall by n, the lexicon gains the
/// pair's spelling), best first, each word in at most one merge; no merged word longer
/// than `max_chars` characters, none already an entry, both parts entries.
pub fn best_merges<'p>(counts: &Counts, logp: &CharModel, pairs: impl IntoIterator<Item = (&'p str, &'p str, u64)>,
                       max_chars: usize) -> Vec<(String, String, u64)> {
    let n_tok: u64 = counts.iter().map(|(_, c)| c).sum();
    let entry = set_code_change(counts.len() as u64, 1);
    let mut scored: Vec<(f64, &str, &str, u64)> = Vec::new();
    let mut ab = String::new();
    for (a, b, n) in pairs {
        if n < 2 {
            continue;
        }
        ab.clear();
        ab.push_str(a);
        ab.push_str(b);
        let (ca, cb) = (counts.get(a), counts.get(b));
        if ab.chars().count() > max_chars || counts.get(&ab) > 0 || ca == 0 || cb == 0 {
            continue;
        }
        let parts = if a == b {
            if 2 * n > ca {
                continue;
            }
            xlogx((ca - 2 * n) as f64) - xlogx(ca as f64)
        } else {
            xlogx(ca.saturating_sub(n) as f64) - xlogx(ca as f64) + xlogx(cb.saturating_sub(n) as f64) - xlogx(cb as f64)
        };
        let delta = xlogx(n_tok.saturating_sub(n) as f64) - xlogx(n_tok as f64) - parts - xlogx(n as f64)
            - spelling(&ab, logp)
            + entry;
        if delta < 0.0 {
            scored.push((delta, a, b, n));
        }
    }
    scored.sort_by(|x, y| x.0.total_cmp(&y.0).then_with(|| (x.1, x.2, x.3).cmp(&(y.1, y.2, y.3))));
    let mut used: rustc_hash::FxHashSet<&str> = Default::default();
    let mut out = Vec::new();
    for (_, a, b, n) in scored {
        if used.contains(a) || used.contains(b) {
            continue;
        }
        used.insert(a);
        used.insert(b);
        out.push((a.to_string(), b.to_string(), n));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn model(counts: &Counts) -> CharModel {
        let mut chars: HashMap<char, u64> = HashMap::default();
        for (w, c) in counts.iter() {
            for ch in w.chars() {
                *chars.entry(ch).or_default() += c;
            }
        }
        let total: u64 = chars.values().sum();
        chars.into_iter().map(|(ch, n)| (ch, (n as f64 / total as f64).ln())).collect()
    }

    fn counts_of(pairs: &[(&str, u64)]) -> Counts {
        Counts::from_pairs(pairs.iter().map(|&(w, c)| (w.to_string(), c)))
    }

    #[test]
    fn set_code_change_is_the_difference() {
        for v in [1u64, 2, 10, 1000] {
            for k in [-1i64, 0, 1, 3] {
                let want = set_code((v as i64 + k) as u64) - set_code(v);
                assert!((set_code_change(v, k) - want).abs() < 1e-9 * (1.0 + want.abs()), "{v} {k}");
            }
        }
    }

    #[test]
    fn removal_keeps_dict_order() {
        let mut c = counts_of(&[("a", 1), ("b", 2), ("c", 3)]);
        c.remove("b");
        c.add("d", 4);
        c.add("b", 5);
        assert_eq!(c.into_pairs(), vec![("a".into(), 1), ("c".into(), 3), ("d".into(), 4), ("b".into(), 5)]);
    }

    #[test]
    fn merges_a_pair_that_always_comes_together() {
        let c = counts_of(&[("x", 40), ("y", 40), ("z", 100)]);
        let logp = model(&c);
        let out = best_merges(&c, &logp, [("x", "y", 40), ("z", "z", 3), ("y", "q", 5)], 12);
        assert_eq!(out, vec![("x".to_string(), "y".to_string(), 40)]);
        assert!(best_merges(&c, &logp, [("x", "y", 40)], 1).is_empty()); // too long
    }

    fn word_counts() -> impl Strategy<Value = Vec<(String, u64)>> {
        proptest::collection::btree_map("[abcé😀]{1,4}", 1u64..60, 1..25).prop_map(|m| m.into_iter().collect())
    }

    proptest! {
        #[test]
        fn removal_delta_is_the_exact_change(pairs in word_counts(), pick in any::<prop::sample::Index>(),
                                             cuts in proptest::collection::btree_set(1usize..4, 1..3)) {
            let counts = Counts::from_pairs(pairs.clone());
            let multi: Vec<&String> = pairs.iter().map(|(w, _)| w).filter(|w| w.chars().count() > 1).collect();
            prop_assume!(!multi.is_empty());
            let w = multi[pick.index(multi.len())].as_str();
            let chars: Vec<char> = w.chars().collect();
            let mut bounds = vec![0];
            bounds.extend(cuts.into_iter().filter(|&k| k < chars.len()));
            bounds.push(chars.len());
            bounds.dedup();
            prop_assume!(bounds.len() > 2);
            let split: Vec<String> = bounds.windows(2).map(|b| chars[b[0]..b[1]].iter().collect()).collect();
            let pieces: Vec<&str> = split.iter().map(String::as_str).collect();
            let logp = model(&counts);
            let mut after = Counts::from_pairs(pairs.clone());
            let c = after.get(w);
            after.remove(w);
            for p in &pieces {
                after.add(p, c);
            }
            let n_tok = counts.iter().map(|(_, c)| c).sum();
            let (delta, new) = removal_delta(&counts, n_tok, counts.len() as u64, w, &pieces, &logp);
            let want = description_length(after.iter(), &logp) - description_length(counts.iter(), &logp);
            prop_assert!((delta - want).abs() < 1e-7, "{} vs {}", delta, want);
            let distinct: std::collections::BTreeSet<&str> = pieces.iter().copied().filter(|p| counts.get(p) == 0).collect();
            prop_assert_eq!(new, distinct.len() as u64);
        }
    }
}
