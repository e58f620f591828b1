//! Template matching: nlp-zero's XTrie of templates, searched over every span of a
//! sentence in the intended mode (a placeholder absorbs one or more words) or nlp-zero's.

use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap as HashMap;

use super::HOLE;
use crate::util::control::Control;
use crate::util::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchMode {
    Intended,
    Compat,
}

#[derive(Default, Debug, Clone)]
struct Node {
    children: HashMap<u32, u32>,
    count: Option<u64>,
}

/// nlp-zero's XTrie: templates (word ids and HOLE) → count.
#[derive(Debug, Clone)]
pub struct TemplateTrie {
    nodes: Vec<Node>,
    pub total: u64,
}

impl Default for TemplateTrie {
    fn default() -> Self {
        TemplateTrie { nodes: vec![Node::default()], total: 0 }
    }
}

/// Matches of one span: (literal positions, count) in DFS insertion order.
pub type SpanMatches = Vec<(Vec<u32>, u64)>;

/// One match: its literal positions are `Matches::positions[at..at + len]`.
#[derive(Debug, Clone, Copy)]
pub struct Match {
    at: u32,
    len: u32,
    pub count: u64,
}

/// Every match of a sentence, flat: spans in order of first appearance, each span's
/// matches in DFS insertion order, all literal positions in one buffer (a parse of a
/// long sentence finds hundreds of thousands of matches: one allocation each took
/// two thirds of the parse).
#[derive(Debug, Default, Clone)]
pub struct Matches {
    spans: Vec<(u32, u32)>,
    lists: Vec<Vec<Match>>,
    positions: Vec<u32>,
}

impl Matches {
    /// The spans (start, end) with a match, in order of first appearance.
    pub fn spans(&self) -> &[(u32, u32)] {
        &self.spans
    }
    /// The matches of the `k`-th span.
    pub fn of(&self, k: usize) -> &[Match] {
        &self.lists[k]
    }
    pub fn positions(&self, m: &Match) -> &[u32] {
        &self.positions[m.at as usize..(m.at + m.len) as usize]
    }
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
    /// As (span, [(positions, count)]) lists.
    pub fn to_lists(&self) -> Vec<((u32, u32), SpanMatches)> {
        (0..self.spans.len())
            .map(|k| (self.spans[k], self.lists[k].iter().map(|m| (self.positions(m).to_vec(), m.count)).collect()))
            .collect()
    }
}

impl TemplateTrie {
    /// `trie[t] = count` (0 deletes), as nlp-zero's `Trie.__setitem__`.
    pub fn set(&mut self, t: &[u32], count: u64) -> Result<()> {
        if t.is_empty() || t.iter().all(|&x| x == HOLE) {
            return Err(Error::arg("a template needs at least one word"));
        }
        let mut node = 0usize;
        for &x in t {
            let next = self.nodes.len() as u32;
            node = match self.nodes[node].children.entry(x) {
                Entry::Occupied(e) => *e.get() as usize,
                Entry::Vacant(e) => {
                    e.insert(next);
                    self.nodes.push(Node::default());
                    next as usize
                }
            };
        }
        let old = self.nodes[node].count.take().unwrap_or(0);
        self.total = self.total - old + count;
        if count > 0 {
            self.nodes[node].count = Some(count);
        }
        Ok(())
    }

    /// All matches in `sent` (word ids, `HOLE` for a word no template has).
    pub fn search(&self, sent: &[u32], mode: MatchMode) -> Matches {
        self.search_ctl(sent, mode, &Control::new()).unwrap_or_default()
    }

    /// [`search`](Self::search), cancelled (`ctl`) between start positions.
    pub fn search_ctl(&self, sent: &[u32], mode: MatchMode, ctl: &Control) -> Result<Matches> {
        let mut spans: HashMap<(u32, u32), usize> = HashMap::default();
        let mut out = Matches::default();
        // Under the intended semantics (span, positions) identifies the template, so a
        // match is never written twice and needs no de-duplication; nlp-zero's
        // over-matching can reach the same key twice (the later write wins in place).
        let dedup = mode == Mode::Compat;
        let mut seen: Vec<HashMap<Vec<u32>, usize>> = Vec::new();
        let mut record = |span: (u32, u32), m: &[u32], count: u64| {
            let si = *spans.entry(span).or_insert_with(|| {
                out.spans.push(span);
                out.lists.push(Vec::new());
                if dedup {
                    seen.push(HashMap::default());
                }
                out.spans.len() - 1
            });
            if dedup {
                if let Some(&k) = seen[si].get(m) {
                    out.lists[si][k].count = count;
                    return;
                }
                seen[si].insert(m.to_vec(), out.lists[si].len());
            }
            let at = out.positions.len() as u32;
            out.positions.extend_from_slice(m);
            out.lists[si].push(Match { at, len: m.len() as u32, count });
        };
        let mut matching = Vec::new();
        for s in 0..sent.len() {
            ctl.check()?;
            self.dfs(sent, s, s, 0, &mut matching, mode, &mut record);
        }
        Ok(out)
    }

    /// nlp-zero `_search` at word `pos` (the match started at `start`) in trie node `node`.
    #[allow(clippy::too_many_arguments)]
    fn dfs(
        &self,
        sent: &[u32],
        start: usize,
        pos: usize,
        node: usize,
        matching: &mut Vec<u32>,
        mode: MatchMode,
        record: &mut impl FnMut((u32, u32), &[u32], u64),
    ) {
        let Some(&c) = sent.get(pos) else { return };
        let span = (start as u32, pos as u32 + 1);
        let here = &self.nodes[node];
        // (1) the word itself
        if c != HOLE {
            if let Some(&child) = here.children.get(&c) {
                matching.push(pos as u32);
                if let Some(n) = self.nodes[child as usize].count {
                    record(span, matching, n);
                }
                self.dfs(sent, start, pos + 1, child as usize, matching, mode, record);
                matching.pop();
            }
        }
        // (2) a placeholder takes the word
        if let Some(&child) = here.children.get(&HOLE) {
            if let Some(n) = self.nodes[child as usize].count {
                record(span, matching, n);
            }
            self.dfs(sent, start, pos + 1, child as usize, matching, mode, record);
        }
        // (3) the placeholder just passed takes this word too
        let extend = match mode {
            Mode::Compat => true,
            Mode::Intended => pos > start && matching.last().is_none_or(|&m| m as usize != pos - 1),
        };
        if extend {
            if let Some(n) = here.count {
                record(span, matching, n);
            }
            self.dfs(sent, start, pos + 1, node, matching, mode, record);
        }
    }
}

use MatchMode as Mode;

