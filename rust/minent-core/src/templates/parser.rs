//! Parsing: nlp-zero's recursive best decomposition of a sentence into nested templates,
//! memoised on spans.

use rustc_hash::FxHashMap as HashMap;

use super::SpanMatches;
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

