//! `SegTrie`: the lexicon's double array laid out for Viterbi segmentation.
//!
//! Segmentation walks the trie from every character of the text, and that walk is most of
//! its time. In crawdad (the lexicon's trie) a step reads the character's code from the
//! code table, then the child node; a word's value sits in a separate leaf node, and the
//! tokenizer then reads the word's score from its own table: up to four dependent loads,
//! three of them likely cache misses in a 495k-word dictionary. `SegTrie` copies
//! crawdad's array (read from its serialized form, the crate's stable persistence format;
//! the crate version is pinned) into 16-byte cells holding base, check, the word ending at
//! that node (as an index into a small table of the distinct scores, which stays in cache)
//! and a 32-bit signature of the node's children (bit `code % 32` per child). A sentence's
//! characters are mapped to codes once. A step is then one load, and the last step of a
//! walk, which usually fails, is mostly decided by the signature of the node already in
//! hand, without loading the child's cell. The walk visits exactly the nodes crawdad's
//! `common_prefix_search` visits (tested against it), so the words found, their order and
//! hence the segmentation are unchanged — except at U+FFFF, crawdad's end marker, which
//! crawdad's walk follows into a leaf (matching "word + U+FFFF" as the word) and this walk
//! treats as a character no word contains.

/// crawdad's node layout: the low 31 bits are the offset, the high bit a flag
/// (`base`: the node is a leaf holding a value; `check`: the node has a leaf child).
const OFFSET_MASK: u32 = 0x7fff_ffff;
/// A code no character has; `base ^ NO_CODE` is beyond any array (bases are < 2^31).
const NO_CODE: u32 = u32::MAX;
/// crawdad reserves U+FFFF as its end marker, coded 0 (the edge to a leaf node).
const END_MARKER: usize = 0xFFFF;

/// `Cell::word` of a node where no word ends.
const NO_WORD: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
#[repr(C, align(16))]
struct Cell {
    /// children are at `base ^ code`; u32::MAX for nodes without children
    base: u32,
    /// the parent's index; u32::MAX for the root and unused cells
    check: u32,
    /// the score (index into `SegTrie::scores`) of the word ending here, or NO_WORD
    word: u32,
    /// bit `code % 32` is set for the code of every child
    children: u32,
}

#[derive(Clone, Debug)]
pub struct SegTrie {
    /// char as u32 → code (NO_CODE if no word contains the character)
    codes: Vec<u32>,
    cells: Vec<Cell>,
    /// the distinct word scores
    scores: Vec<f64>,
    /// The two-character prefixes of words, for codes below `1 << pair_bits`: bit
    /// `c1 << pair_bits | c2` is set iff some word starts with the characters coded c1 c2.
    /// Most second steps of a walk fail (the pair starts no word), and the signature of a
    /// frequent first character, which has hundreds of children, cannot tell: without this
    /// table each such step loads an arbitrary cell, a cache miss. The rows of frequent
    /// characters (small codes) stay in cache.
    pairs: Vec<u64>,
    pair_bits: u32,
    /// the lexicon id of the word ending at each cell (NO_WORD where none does): the
    /// tokens of a sentence just segmented are looked up along nodes its walks visited
    word_ids: Vec<u32>,
}

/// At most 4096 codes per side (2 MB): covers ~97% of the character pairs of Chinese text
/// with nlp-zero's dictionary (crawdad numbers characters by frequency).
const MAX_PAIR_BITS: u32 = 12;

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn u32(&mut self) -> Option<u32> {
        let (head, rest) = self.0.split_first_chunk::<4>()?;
        self.0 = rest;
        Some(u32::from_le_bytes(*head))
    }
}

impl SegTrie {
    /// Lay out `trie` with the score of each word value (`None` = the word is skipped).
    /// `None` if the serialized form is not the layout this code reads (then callers
    /// walk crawdad itself).
    pub fn from_crawdad(trie: &crawdad::Trie, score_of: impl Fn(u32) -> Option<f64>) -> Option<SegTrie> {
        let bytes = trie.serialize_to_vec();
        let mut rd = Reader(&bytes);
        let table_len = rd.u32()? as usize;
        if rd.0.len() < table_len.checked_mul(4)? {
            return None;
        }
        let mut codes = Vec::with_capacity(table_len);
        for _ in 0..table_len {
            codes.push(rd.u32()?);
        }
        let _alphabet_size = rd.u32()?;
        let n = rd.u32()? as usize;
        if n == 0 || n > OFFSET_MASK as usize || rd.0.len() != n * 8 {
            return None;
        }
        let mut raw = Vec::with_capacity(n);
        for _ in 0..n {
            raw.push((rd.u32()?, rd.u32()?));
        }
        // text never walks into leaf nodes through crawdad's end-marker code
        if let Some(c) = codes.get_mut(END_MARKER) {
            *c = NO_CODE;
        }
        if codes.iter().any(|&c| c != NO_CODE && c > OFFSET_MASK) {
            return None;
        }
        let mut cells = Vec::with_capacity(n);
        let mut word_ids = Vec::with_capacity(n);
        let mut scores = Vec::new();
        let mut score_ids: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
        for (i, &(base, check)) in raw.iter().enumerate() {
            let vacant = base == OFFSET_MASK && check == OFFSET_MASK;
            let is_leaf = base & !OFFSET_MASK != 0;
            let has_leaf = check & !OFFSET_MASK != 0;
            let value = if vacant {
                None
            } else if is_leaf {
                Some(base & OFFSET_MASK)
            } else if has_leaf {
                let leaf = raw.get((base & OFFSET_MASK) as usize)?;
                Some(leaf.0 & OFFSET_MASK)
            } else {
                None
            };
            let scored = value.and_then(&score_of);
            word_ids.push(if scored.is_some() { value.unwrap_or(NO_WORD) } else { NO_WORD });
            let word = match scored {
                Some(sc) => *score_ids.entry(sc.to_bits()).or_insert_with(|| {
                    scores.push(sc);
                    (scores.len() - 1) as u32
                }),
                None => NO_WORD,
            };
            cells.push(Cell {
                base: if is_leaf || vacant { u32::MAX } else { base & OFFSET_MASK },
                check: if vacant || i == 0 { u32::MAX } else { check & OFFSET_MASK },
                word,
                children: 0,
            });
        }
        if scores.len() >= NO_WORD as usize {
            return None;
        }
        // children signatures: node i is the child of check(i) through code base(parent) ^ i
        for i in 0..n {
            let parent = cells[i].check;
            if parent == u32::MAX {
                continue;
            }
            let code = cells.get(parent as usize)?.base ^ i as u32;
            if code != 0 {
                // code 0 is crawdad's edge to a leaf, which text never takes
                cells[parent as usize].children |= 1 << (code % 32);
            }
        }
        // pairs: every depth-2 node's path c1 c2 (depth-1 nodes are the root's children)
        let alphabet = codes.iter().filter(|&&c| c != NO_CODE).max().map_or(1, |&c| c + 1);
        let pair_bits = alphabet.next_power_of_two().trailing_zeros().clamp(3, MAX_PAIR_BITS);
        let mut pairs = vec![0u64; (1usize << (2 * pair_bits)) / 64];
        let root_base = cells[0].base;
        for i in 0..n {
            let parent = cells[i].check;
            if parent == u32::MAX || parent == 0 {
                continue;
            }
            let p = &cells[parent as usize];
            if p.check != 0 {
                continue;
            }
            let (c1, c2) = (root_base ^ parent, p.base ^ i as u32);
            if c2 != 0 && c1 >> pair_bits == 0 && c2 >> pair_bits == 0 {
                let bit = (c1 << pair_bits | c2) as usize;
                pairs[bit / 64] |= 1 << (bit % 64);
            }
        }
        Some(SegTrie { codes, cells, scores, pairs, pair_bits, word_ids })
    }

    /// False if no word starts with the characters coded c1 c2 (true when unknown).
    #[inline]
    fn may_start(&self, c1: u32, c2: u32) -> bool {
        if (c1 | c2) >> self.pair_bits != 0 {
            return true;
        }
        let bit = (c1 << self.pair_bits | c2) as usize;
        self.pairs[bit / 64] & (1 << (bit % 64)) != 0
    }

    /// The code of `c` (a code no word has if no word contains `c`).
    #[inline]
    fn code_of(&self, c: char) -> u32 {
        self.codes.get(c as usize).copied().unwrap_or(NO_CODE)
    }

    /// Codes of `chars` into `out` (cleared first).
    #[inline]
    pub fn encode(&self, chars: &[char], out: &mut Vec<u32>) {
        out.clear();
        out.extend(chars.iter().map(|&c| self.code_of(c)));
    }

    /// Every (length, score) of a word that is a prefix of the coded text `codes`,
    /// shortest first (crawdad's `common_prefix_search` order).
    #[inline]
    pub fn for_each_prefix(&self, codes: &[u32], mut f: impl FnMut(usize, f64)) {
        let codes = match codes {
            [c1, c2, ..] if !self.may_start(*c1, *c2) => &codes[..1],
            _ => codes,
        };
        let cells = &self.cells[..];
        let mut node = 0u32;
        let mut here = cells[0];
        for (d, &code) in codes.iter().enumerate() {
            if here.children & (1 << (code % 32)) == 0 {
                break; // no child has this code (the signature has no false negatives)
            }
            let child = here.base ^ code;
            match cells.get(child as usize) {
                Some(&cell) if cell.check == node => {
                    node = child;
                    here = cell;
                    if cell.word != NO_WORD {
                        f(d + 1, self.scores[cell.word as usize]);
                    }
                }
                _ => break,
            }
        }
    }

    /// The lexicon id of the word whose characters are coded `codes` exactly (as
    /// [`encode`](Self::encode) codes them), if it is a word.
    #[inline]
    pub fn id_of(&self, codes: &[u32]) -> Option<u32> {
        let mut node = 0u32;
        for &code in codes {
            let child = self.cells[node as usize].base ^ code;
            match self.cells.get(child as usize) {
                Some(cell) if cell.check == node && code != NO_CODE => node = child,
                _ => return None,
            }
        }
        Some(self.word_ids[node as usize]).filter(|&id| id != NO_WORD && !codes.is_empty())
    }

    /// Start loading the node of the two-character prefix `c1 c2` (the first step of a
    /// walk is the root's child, which stays in cache; the second is the first miss).
    #[inline]
    pub fn prefetch_second(&self, c1: u32, c2: u32) {
        if !self.may_start(c1, c2) {
            return;
        }
        let Some(first) = self.cells.get((self.cells[0].base ^ c1) as usize) else { return };
        if let Some(cell) = self.cells.get((first.base ^ c2) as usize) {
            prefetch(cell);
        }
    }
}

#[inline(always)]
fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is a hint; it never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((x as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn both(keys: &[String], text: &str) -> (Vec<Vec<(usize, u32)>>, Vec<Vec<(usize, u32)>>) {
        let mut keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        keys.sort_unstable();
        keys.dedup();
        let records: Vec<(&str, u32)> = keys.iter().enumerate().map(|(i, k)| (*k, i as u32)).collect();
        let trie = crawdad::Trie::from_records(records).unwrap();
        // score = value, so the walk's scores name the words it found
        let seg = SegTrie::from_crawdad(&trie, |v| Some(v as f64)).unwrap();
        let chars: Vec<char> = text.chars().collect();
        let mut codes = Vec::new();
        seg.encode(&chars, &mut codes);
        let (mut want, mut got) = (Vec::new(), Vec::new());
        for s in 0..chars.len() {
            // crawdad reads its end marker U+FFFF as the edge to a leaf: not a character
            // of any word, so stop the reference walk there
            let end = chars[s..].iter().position(|&c| c == '\u{ffff}').map_or(chars.len(), |p| s + p);
            want.push(trie.common_prefix_search(chars[s..end].iter().copied()).map(|(v, l)| (l, v)).collect());
            let mut mine = Vec::new();
            seg.for_each_prefix(&codes[s..], |l, sc| mine.push((l, sc as u32)));
            got.push(mine);
            // the exact lookup agrees with crawdad's on every substring
            for e in s + 1..=end {
                assert_eq!(seg.id_of(&codes[s..e]), trie.exact_match(chars[s..e].iter().copied()), "{:?}", &chars[s..e]);
            }
        }
        (want, got)
    }

    #[test]
    fn same_words_as_crawdad() {
        let keys: Vec<String> = ["世界", "世界中", "世", "世論調査", "統計調査", "中", "a", "ab", "abc"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (want, got) = both(&keys, "世界中の統計世論調査abcab\u{ffff}世界");
        assert_eq!(want, got);
        // values are ranks of the sorted keys a ab abc 世 世界 世界中 世論調査 中 統計調査
        assert_eq!(got[0], vec![(1, 3), (2, 4), (3, 5)]);
    }

    #[test]
    fn end_marker_in_text_matches_nothing() {
        let keys = vec!["ab".to_string()];
        let (_, got) = both(&keys, "ab\u{ffff}");
        assert_eq!(got[0], vec![(2, 0)]);
        assert!(got[2].is_empty());
    }

    #[test]
    fn large_alphabet_beyond_the_pair_table() {
        // 6000 characters, so codes pass 4096 and some pairs are outside the pair table
        let alphabet: Vec<char> = (0x4e00..0x4e00 + 6000).filter_map(char::from_u32).collect();
        let mut x = 12345u64;
        let mut next = |m: usize| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) as usize % m
        };
        let mut keys: Vec<String> = alphabet.iter().map(|c| c.to_string()).collect();
        for _ in 0..20000 {
            let len = 2 + next(3);
            keys.push((0..len).map(|_| alphabet[next(alphabet.len())]).collect());
        }
        // text: the keys' own characters (so the walks go deep) and random pairs
        let mut text = String::new();
        for _ in 0..3000 {
            text.push_str(&keys[alphabet.len() + next(20000)]);
            text.push(alphabet[next(alphabet.len())]);
        }
        let (want, got) = both(&keys, &text);
        assert_eq!(want, got);
        assert!(got.iter().filter(|w| w.len() > 1).count() > 3000);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn walks_like_crawdad(
            keys in prop::collection::vec("[abc世界中\u{20000}]{1,5}", 1..40),
            text in "[abcd世界中\u{20000}\u{ffff}]{0,30}",
        ) {
            let (want, got) = both(&keys, &text);
            prop_assert_eq!(want, got);
        }
    }
}
