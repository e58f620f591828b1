//! Templates ("飞象过河", article 3): skip-gram counting, template discovery, template
//! matching and hierarchical parsing, with nlp-zero 0.1.6 semantics.
//!
//! Design notes
//! - Words are interned to u32 ids; a template is a sequence of ids with `HOLE`
//!   (u32::MAX) for a placeholder. Skip-grams are counted in an FxHashMap keyed by the
//!   packed id pair.
//! - Discovery enumerates the *maximal* source→sink paths of each chunk's graph exactly as
//!   nlp-zero's `DAG.all_paths` (sources = no incoming edge, out-edges in increasing
//!   target order). Their number can grow exponentially on long, dense chunks, so paths
//!   are first counted by DP; a chunk with more than `max_paths` paths contributes only
//!   its first `max_paths` paths in DFS order, and is reported in `capped_chunks`.
//! - Matching has two modes: `Intended` (ALGORITHMS.md §3.2: a placeholder absorbs one
//!   or more consecutive words, a literal exactly one) and `Compat` (nlp-zero's XTrie
//!   over-matching: any word may be skipped anywhere). Results per span keep nlp-zero's
//!   DFS insertion order, later writes overwriting earlier ones in place.
//! - Parsing is nlp-zero's recursive best decomposition, memoised on spans (identical
//!   results, polynomial instead of exponential time).
//!
//! The stage: a tokenizer's words in, templates out. [`finder`] counts words and
//! skip-grams and keeps the templates whose parts are linked by mutual information;
//! [`matcher`] holds them in a trie and finds every template matching each span of a
//! sentence; [`parser`] nests the matches into the best tree.

use rustc_hash::FxHashMap as HashMap;

pub mod finder;
pub mod matcher;
pub mod parser;

pub use finder::{Chunks, TemplateFinder, HOLE};
pub use matcher::{Match, MatchMode, Matches, SpanMatches, TemplateTrie};
pub use parser::{parse, parse_ctl, Parse};

/// Word interning shared by the finder and the matcher.
#[derive(Default, Debug, Clone)]
pub struct Vocab {
    ids: HashMap<String, u32>,
    words: Vec<String>,
}

impl Vocab {
    pub fn id(&mut self, w: &str) -> u32 {
        if let Some(&i) = self.ids.get(w) {
            return i;
        }
        let i = self.words.len() as u32;
        self.ids.insert(w.to_string(), i);
        self.words.push(w.to_string());
        i
    }
    pub fn get(&self, w: &str) -> Option<u32> {
        self.ids.get(w).copied()
    }
    pub fn word(&self, id: u32) -> &str {
        &self.words[id as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use finder::walk;
    use parser::round4;
    use MatchMode as Mode;

    #[test]
    fn all_paths_vector() {
        // nlp-zero test vector: 5 nodes, edges (0,2),(0,3),(1,3),(2,5),(3,5) with ends
        // exclusive, i.e. 0->1, 0->2, 1->2, 2->4, 3->4
        let out = vec![vec![1, 2], vec![2], vec![4], vec![4], vec![]];
        let mut has_in = vec![false; 5];
        for o in &out {
            for &k in o {
                has_in[k] = true;
            }
        }
        let mut paths = Vec::new();
        let mut path = Vec::new();
        for v in (0..5).filter(|&v| !has_in[v]) {
            walk(v, &out, &mut path, &mut |p: &[usize]| {
                paths.push(p.to_vec());
                true
            });
        }
        assert_eq!(paths, vec![vec![0, 1, 2, 4], vec![0, 2, 4], vec![3, 4]]);
    }

    #[test]
    fn matcher_modes() {
        // templates: (X, 呢) and (我, 好); words: A=0 呢=1 B=2 我=3 你=4 Z=5 好=6
        let mut trie = TemplateTrie::default();
        trie.set(&[HOLE, 1], 10).unwrap();
        trie.set(&[3, 6], 5).unwrap();
        let compat = trie.search(&[0, 1, 2], Mode::Compat).to_lists();
        assert_eq!(compat, vec![((0, 2), vec![(vec![1], 10)]), ((0, 3), vec![(vec![1], 10)])]);
        let intended = trie.search(&[0, 1, 2], Mode::Intended).to_lists();
        assert_eq!(intended, vec![((0, 2), vec![(vec![1], 10)])]);
        let compat = trie.search(&[4, 3, 5, 6], Mode::Compat).to_lists();
        assert_eq!(compat, vec![((0, 4), vec![(vec![1, 3], 5)]), ((1, 4), vec![(vec![1, 3], 5)])]);
        assert!(trie.search(&[4, 3, 5, 6], Mode::Intended).is_empty());
        assert_eq!(round4(-1.97716269), -1.9772);
        // agrees with exact decimal rounding (Python's round) on many values
        let mut x = -37.0f64;
        while x < 37.0 {
            let exact: f64 = format!("{x:.4}").parse().unwrap();
            assert_eq!(round4(x), exact, "{x}");
            x += 0.000_123_7;
        }
        for x in [0.00005, 0.00015, 1.00005, -2.00025, 2.675, 1e-9] {
            assert_eq!(round4(x), format!("{x:.4}").parse::<f64>().unwrap());
        }
    }
}

