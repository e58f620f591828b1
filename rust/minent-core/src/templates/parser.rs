//! Parsing: nlp-zero's recursive best decomposition of a sentence into nested templates,
//! memoised on spans.

use super::matcher::{Match, Matches};
use crate::util::control::Control;
use crate::util::error::Result;
use crate::segment::viterbi::ln_or_sentinel;

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
pub(super) fn round4(x: f64) -> f64 {
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

/// nlp-zero `Parser._parse` over `matches` (from [`TemplateTrie::search`](super::TemplateTrie::search)), memoised:
/// each span's best score and chosen match are computed once, the tree is built at the end.
pub fn parse(n: usize, matches: &Matches, total: u64, null_score: f64) -> (Parse, f64) {
    // parse_ctl fails only when its Control is cancelled, and nothing can cancel this one
    parse_ctl(n, matches, total, null_score, &Control::new()).expect("a fresh Control is never cancelled")
}

/// [`parse`], cancelled (`ctl`): each span's evaluation checks it.
pub fn parse_ctl(n: usize, matches: &Matches, total: u64, null_score: f64, ctl: &Control) -> Result<(Parse, f64)> {
    // dense tables over spans (s, e), 0 <= s < e <= n: a sentence of n words has
    // n (n + 1) / 2 spans, and hashing each lookup took a fifth of the parse
    let mut by_span = vec![NONE; n * (n + 1)];
    for (k, &(s, e)) in matches.spans().iter().enumerate() {
        if !matches.of(k).is_empty() {
            by_span[span_index(n, s, e)] = k as u32;
        }
    }
    let mut memo = vec![None; n * (n + 1)];
    let ctx = ParseCtx { n, matches, by_span: &by_span, log_total: ln_or_sentinel(total), null_score, ctl };
    let (score, _) = if n == 0 { (-ctx.null_score, None) } else { ctx.best(0, n as u32, &mut memo) };
    ctl.check()?;
    Ok((ctx.tree(0, n as u32, &memo), score))
}

const NONE: u32 = u32::MAX;

#[inline]
fn span_index(n: usize, s: u32, e: u32) -> usize {
    s as usize * (n + 1) + e as usize
}

type Memo = Vec<Option<(f64, Option<u32>)>>;

struct ParseCtx<'a> {
    n: usize,
    matches: &'a Matches,
    by_span: &'a [u32],
    log_total: f64,
    null_score: f64,
    ctl: &'a Control,
}

/// The gaps (blocks) between a match's literal positions inside [s, e).
fn gaps(s: u32, e: u32, positions: &[u32]) -> impl Iterator<Item = (u32, u32)> + '_ {
    let marks = std::iter::once(s as i64 - 1).chain(positions.iter().map(|&p| p as i64)).chain(std::iter::once(e as i64));
    let ends = marks.clone().skip(1);
    marks.zip(ends).filter(|(a, b)| a + 1 < *b).map(|(a, b)| ((a + 1) as u32, b as u32))
}

impl ParseCtx<'_> {
    fn list(&self, s: u32, e: u32) -> &[Match] {
        match self.by_span[span_index(self.n, s, e)] {
            NONE => &[],
            k => self.matches.of(k as usize),
        }
    }

    fn best(&self, s: u32, e: u32, memo: &mut Memo) -> (f64, Option<u32>) {
        if let Some(r) = memo[span_index(self.n, s, e)] {
            return r;
        }
        let list = self.list(s, e);
        let result = if list.is_empty() || self.ctl.is_cancelled() {
            (self.null_score * (e as f64 - s as f64 - 1.0), None)
        } else {
            let mut chosen: Option<((f64, usize), usize, f64)> = None;
            for (i, m) in list.iter().enumerate() {
                let positions = self.matches.positions(m);
                let mut score = ln_or_sentinel(m.count) - self.log_total;
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
            chosen.map(|(_, i, sc)| (sc, Some(i as u32))).unwrap_or((0.0, None))
        };
        memo[span_index(self.n, s, e)] = Some(result);
        result
    }

    fn tree(&self, s: u32, e: u32, memo: &Memo) -> Parse {
        let chosen = memo.get(span_index(self.n, s, e)).copied().flatten().and_then(|r| r.1);
        match chosen.map(|i| self.matches.positions(&self.list(s, e)[i as usize])) {
            Some(positions) => Parse {
                positions: positions.to_vec(),
                modules: gaps(s, e, positions).map(|(a, b)| self.tree(a, b, memo)).collect(),
            },
            None => Parse { positions: (s..e).collect(), modules: Vec::new() },
        }
    }
}
