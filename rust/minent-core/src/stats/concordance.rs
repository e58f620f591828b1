//! Concordance queries: where a string occurs (source, line, column) and its
//! keyword-in-context lines, read back from the text the index keeps
//! ([`crate::index::origin`]).
//!
//! Hits come from the suffix-array interval of the string, so they are exactly the
//! occurrences `count` counts (overlapping ones included, never across a segment end).
//! Each hit is placed by a walk of at most `MARK_EVERY` symbols from the mark before it.

use rayon::prelude::*;

use crate::index::corpus::Symbol;
use crate::index::origin::{Origin, Place};
use crate::index::{with_text, CorpusIndex};
use crate::util::control::Control;
use crate::util::error::{Error, Result};

/// The order of KWIC lines before the limit is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KwicOrder {
    /// By source, line and column.
    Corpus,
    /// By the symbols of the segment left of the hit, read outward (the one next to the
    /// hit first; a hit at a segment's start first of all), ties in corpus order.
    Left,
    /// By the symbols of the segment right of the hit, ties in corpus order.
    Right,
    /// A seeded uniform sample in random order: by a hash of the seed and the hit's
    /// position (on shards each shard's sample, merged by that key: also uniform, but not
    /// the lines one index of the same files gives).
    Random(u64),
}

impl KwicOrder {
    pub fn parse(name: &str, seed: u64) -> Result<Self> {
        match name {
            "corpus" => Ok(KwicOrder::Corpus),
            "left" => Ok(KwicOrder::Left),
            "right" => Ok(KwicOrder::Right),
            "random" => Ok(KwicOrder::Random(seed)),
            other => Err(Error::arg(format!("unknown order {other:?}: expected \"corpus\", \"left\", \"right\" or \"random\""))),
        }
    }
}

/// One KWIC line. `key` is the random order's key (0 for the other orders), `sort_key`
/// the context the left and right orders sort by (empty for the others): together they
/// let shards' lines be merged into the order one index gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KwicLine {
    pub place: Place,
    pub left: String,
    pub matched: String,
    pub right: String,
    pub key: u64,
    pub sort_key: String,
}

/// The occurrences of a pattern: its suffix-array interval `lo..lo + sa.len()`.
struct Hits<'a> {
    lo: usize,
    sa: &'a [u32],
    pattern: Vec<u32>,
}

/// Hits are placed in blocks of this many between cancellation checks.
const BLOCK: usize = 512;

impl CorpusIndex {
    /// Whether the index keeps its text (format 2); locate and kwic need it.
    pub fn has_text(&self) -> bool {
        self.origin.is_some()
    }

    /// The file of each source (a shard's byte range left out).
    pub fn files(&self) -> &[String] {
        &self.files
    }

    fn origin(&self) -> Result<&Origin> {
        self.origin.as_ref().ok_or_else(|| {
            Error::arg(
                "this index was written by an older minent_fast (format 1) and keeps no text; \
                 rebuild it (`minent-fast index build`) to locate strings or show them in context",
            )
        })
    }

    /// The suffix-array interval of the occurrences of `s` (None when a character of `s`
    /// never occurs). One that points past the text belongs to a corrupt file opened
    /// without verification: an error, never an out-of-range read.
    fn hits(&self, s: &str) -> Result<Option<Hits<'_>>> {
        Self::check_pattern(s)?;
        let Some(pattern) = self.encode_pattern(s) else { return Ok(None) };
        let (lo, hi) = self.interval(&pattern);
        let sa = &self.sa.as_slice()[lo..hi];
        let n = self.text_len();
        if sa.iter().any(|&p| p as usize + pattern.len() > n) {
            return Err(Error::arg("the index's suffix array points outside its text (the index file is corrupt)"));
        }
        Ok(Some(Hits { lo, sa, pattern }))
    }

    /// Encoded start positions of every occurrence of `s`, ascending (corpus order), and
    /// its length in symbols; with `first`, only the first `first` of them.
    fn hit_positions(&self, s: &str, first: Option<usize>) -> Result<(Vec<u64>, usize)> {
        let Some(Hits { sa, pattern, .. }) = self.hits(s)? else { return Ok((Vec::new(), 0)) };
        let pos = match first {
            Some(k) if k < sa.len() => {
                // the k smallest of each block, then of those
                let mut best: Vec<u32> = sa
                    .par_chunks(1 << 16)
                    .flat_map_iter(|block| {
                        let mut b = block.to_vec();
                        smallest(&mut b, k);
                        b
                    })
                    .collect();
                smallest(&mut best, k);
                best.into_iter().map(u64::from).collect()
            }
            _ => {
                let mut pos: Vec<u64> = sa.iter().map(|&p| p as u64).collect();
                pos.par_sort_unstable();
                pos
            }
        };
        Ok((pos, pattern.len()))
    }

    /// Encoded start positions of every occurrence of `s` in suffix-array order.
    fn unsorted_hits(&self, s: &str) -> Result<(Vec<u64>, usize)> {
        let Some(Hits { sa, pattern, .. }) = self.hits(s)? else { return Ok((Vec::new(), 0)) };
        Ok((sa.iter().map(|&p| p as u64).collect(), pattern.len()))
    }

    fn place_all(&self, origin: &Origin, pos: &[u64], len: usize, ctl: &Control) -> Result<Vec<Place>> {
        let blocks: Vec<Vec<Place>> = pos
            .par_chunks(BLOCK)
            .map(|block| {
                ctl.check()?;
                block.iter().map(|&p| origin.place(self.segmenter, p, len)).collect()
            })
            .collect::<Result<_>>()?;
        Ok(blocks.concat())
    }

    /// Every occurrence of `s` (the first `limit` in corpus order), placed in its source.
    pub fn locate(&self, s: &str, limit: Option<usize>, ctl: &Control) -> Result<Vec<Place>> {
        let origin = self.origin()?;
        let (pos, len) = self.hit_positions(s, limit)?;
        self.place_all(origin, &pos, len, ctl)
    }

    /// Keyword-in-context lines of `s`: up to `width` characters on each side within the
    /// line, in the original characters; `limit` lines in `order`.
    pub fn kwic(&self, s: &str, width: usize, limit: usize, order: KwicOrder, ctl: &Control) -> Result<Vec<KwicLine>> {
        self.kwic_page(s, width, 0, limit, order, ctl)
    }

    /// Lines `offset..offset + limit` of [`kwic`](Self::kwic) in `order`: the same lines,
    /// without making the text of the ones skipped.
    pub fn kwic_page(
        &self,
        s: &str,
        width: usize,
        offset: usize,
        limit: usize,
        order: KwicOrder,
        ctl: &Control,
    ) -> Result<Vec<KwicLine>> {
        let origin = self.origin()?;
        let limit = offset.saturating_add(limit);
        let (pos, len) = match order {
            KwicOrder::Corpus => self.hit_positions(s, Some(limit))?,
            KwicOrder::Random(_) => self.unsorted_hits(s)?,
            KwicOrder::Left | KwicOrder::Right => self.sorted_by_context(s, limit, order == KwicOrder::Left)?,
        };
        let (pos, keys): (Vec<u64>, Vec<u64>) = match order {
            KwicOrder::Random(seed) => {
                let mut keyed: Vec<(u64, u64)> = pos.par_iter().map(|&at| (random_key(seed, at), at)).collect();
                smallest(&mut keyed, limit);
                keyed.into_iter().map(|(k, at)| (at, k)).unzip()
            }
            _ => {
                let n = pos.len();
                (pos, vec![0; n])
            }
        };
        let skip = offset.min(pos.len());
        let (pos, keys) = (&pos[skip..], &keys[skip..]);
        let places = self.place_all(origin, pos, len, ctl)?;
        let line = |(i, p): (usize, &Place)| -> Result<KwicLine> {
            let k = p.source as usize;
            let (left, right) = origin.context(k, p.start, p.end, width)?;
            let matched = &origin.text(k)?[p.start..p.end];
            let sort_key = match order {
                KwicOrder::Left => self.context_key(pos[i] as usize, len, true),
                KwicOrder::Right => self.context_key(pos[i] as usize, len, false),
                _ => String::new(),
            };
            Ok(KwicLine { place: *p, left: left.into(), matched: matched.into(), right: right.into(), key: keys[i], sort_key })
        };
        places.par_iter().enumerate().map(line).collect()
    }

    /// The first `limit` hits of `s` by the symbols of their segment to the left (read
    /// outward) or to the right, ties in corpus order; and the length of `s` in symbols.
    fn sorted_by_context(&self, s: &str, limit: usize, left: bool) -> Result<(Vec<u64>, usize)> {
        let Some(Hits { lo, sa, pattern }) = self.hits(s)? else { return Ok((Vec::new(), 0)) };
        let len = pattern.len();
        if limit == 0 {
            return Ok((Vec::new(), len));
        }
        let pos = with_text!(self, text => {
            let by_key = |a: &u64, b: &u64| {
                let (a, b) = (*a as usize, *b as usize);
                let key = if left { cmp_left(text, a, b) } else { cmp_right(text, a + len, b + len) };
                key.then(a.cmp(&b))
            };
            let mut pos: Vec<u64> = if limit >= sa.len() {
                sa.iter().map(|&p| p as u64).collect()
            } else if left {
                first_by_left_key(text, sa, limit)
            } else {
                // the interval is in right-key order already: every hit before the group of
                // the limit-th one's key K, and the earliest of that group, found as the
                // interval of pattern + K + separator (not by comparing hit after hit)
                let p = sa[limit - 1] as usize + len;
                let mut group = pattern.clone();
                group.extend(text[p..].iter().map(|s| s.id()).take_while(|&id| id != 0));
                group.push(0);
                let (g0, g1) = self.interval(&group);
                let (g0, g1) = (g0.saturating_sub(lo).min(limit - 1), g1.saturating_sub(lo).clamp(limit, sa.len()));
                let mut tied: Vec<u64> = sa[g0..g1].iter().map(|&p| p as u64).collect();
                smallest(&mut tied, limit - g0);
                let mut pos: Vec<u64> = sa[..g0].iter().map(|&p| p as u64).collect();
                pos.extend(tied);
                pos
            };
            // at most `limit` hits by now: put them in order
            pos.sort_unstable_by(by_key);
            pos
        });
        Ok((pos, len))
    }

    /// The symbols of the segment before `p` read backwards (`left`) or after the `len`
    /// symbols at `p`, as text: the key that `kwic` sorts by.
    fn context_key(&self, p: usize, len: usize, left: bool) -> String {
        // (a symbol past the vocabulary only in a corrupt file opened without verification)
        let name = |id: u32| self.vocab.get(id as usize - 1).copied().unwrap_or('\u{fffd}');
        with_text!(self, text => {
            if left {
                text[..p].iter().rev().take_while(|s| s.id() != 0).map(|s| name(s.id())).collect()
            } else {
                text[p + len..].iter().take_while(|s| s.id() != 0).map(|s| name(s.id())).collect()
            }
        })
    }
}

/// What co-occurs with a string within a window: see [`CorpusIndex::collocates`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Collocates {
    /// Occurrences of the string.
    pub hits: u64,
    /// Window positions inside segments over all occurrences (what the counts share).
    pub slots: u64,
    /// Each character seen in a window, with the number of window positions holding it,
    /// by code point.
    pub counts: Vec<(char, u64)>,
    /// The corpus count of each character of `counts`, in the same order.
    pub corpus_counts: Vec<u64>,
}

impl CorpusIndex {
    /// The characters within `window` positions left and right of every occurrence of
    /// `s`, inside its segment (the counts' units: what n-grams see).
    pub fn collocates(&self, s: &str, window: usize, ctl: &Control) -> Result<Collocates> {
        let (pos, len) = self.unsorted_hits(s)?;
        let v = self.vocab.len() + 1;
        let (counts, slots) = with_text!(self, text => {
            pos.par_chunks(BLOCK)
                .try_fold(
                    || (vec![0u64; v], 0u64),
                    |(mut acc, mut slots), block| {
                        ctl.check()?;
                        for &p in block {
                            let p = p as usize;
                            let left = text[p.saturating_sub(window)..p].iter().rev().take_while(|s| s.id() != 0);
                            let end = (p + len + window).min(text.len());
                            let right = text[p + len..end].iter().take_while(|s| s.id() != 0);
                            for sym in left.chain(right) {
                                // (an id past the vocabulary: a corrupt file opened without verification)
                                if let Some(a) = acc.get_mut(sym.id() as usize) {
                                    *a += 1;
                                    slots += 1;
                                }
                            }
                        }
                        Ok((acc, slots))
                    },
                )
                .try_reduce(
                    || (vec![0u64; v], 0u64),
                    |(mut a, sa), (b, sb)| {
                        for (x, y) in a.iter_mut().zip(b) {
                            *x += y;
                        }
                        Ok((a, sa + sb))
                    },
                )
        })?;
        let seen: Vec<usize> = counts.iter().enumerate().skip(1).filter(|(_, &n)| n > 0).map(|(id, _)| id).collect();
        let corpus_counts = seen.iter().map(|&id| self.char_counts[id]).collect();
        let counts = seen.iter().map(|&id| (self.vocab[id - 1], counts[id])).collect();
        Ok(Collocates { hits: pos.len() as u64, slots, counts, corpus_counts })
    }
}

/// Compare the segments that follow positions `a` and `b` (up to their separators).
fn cmp_right<S: Symbol>(text: &[S], a: usize, b: usize) -> std::cmp::Ordering {
    let (x, y) = (&text[a.min(text.len())..], &text[b.min(text.len())..]);
    // past the end of the text reads as a separator, so this ends
    let mut i = 0;
    loop {
        let (p, q) = (x.get(i).map_or(0, |s| s.id()), y.get(i).map_or(0, |s| s.id()));
        if p != q || p == 0 {
            return p.cmp(&q);
        }
        i += 1;
    }
}

/// The `limit` (< sa.len()) hits first by the left key, ties by position, unsorted: every
/// hit's first symbols to the left packed into a u64 (one read each), the `limit` smallest
/// packed keys selected as integers, and only the hits that tie with the last of them on
/// an incomplete packed key compared symbol by symbol.
fn first_by_left_key<S: Symbol>(text: &[S], sa: &[u32], limit: usize) -> Vec<u64> {
    let bits = 8 * S::WIDTH as usize;
    let pack = |p: usize| -> u64 {
        let mut key = 0u64;
        let mut ended = false;
        for i in 1..=64 / bits {
            let s = if ended || i > p { 0 } else { text[p - i].id() };
            ended |= s == 0;
            key = key << bits | s as u64;
        }
        key
    };
    // a packed key holding no 0 is incomplete: the segment goes on to the left
    let incomplete = |key: u64| (0..64 / bits).all(|k| (key >> (k * bits)) & ((1u64 << bits) - 1) != 0);
    let mut keyed: Vec<(u64, u64)> = sa.par_iter().map(|&p| (pack(p as usize), p as u64)).collect();
    keyed.select_nth_unstable(limit - 1);
    let last = keyed[limit - 1].0;
    let mut out: Vec<u64> = keyed[..limit].iter().filter(|k| k.0 < last).map(|k| k.1).collect();
    let mut tied: Vec<u64> = keyed.iter().filter(|k| k.0 == last).map(|k| k.1).collect();
    let need = limit - out.len();
    if incomplete(last) {
        tied.sort_unstable_by(|&a, &b| cmp_left(text, a as usize, b as usize).then(a.cmp(&b)));
        tied.truncate(need);
    } else {
        smallest(&mut tied, need);
    }
    out.extend(tied);
    out
}

/// Compare the segments that precede positions `a` and `b`, read backwards.
fn cmp_left<S: Symbol>(text: &[S], a: usize, b: usize) -> std::cmp::Ordering {
    // before the start of the text reads as a separator, so this ends
    let mut i = 1;
    loop {
        let p = if i <= a { text[a - i].id() } else { 0 };
        let q = if i <= b { text[b - i].id() } else { 0 };
        if p != q || p == 0 {
            return p.cmp(&q);
        }
        i += 1;
    }
}

/// Keep the `limit` smallest entries, sorted.
fn smallest<T: Ord>(v: &mut Vec<T>, limit: usize) {
    if limit < v.len() {
        if limit == 0 {
            v.clear();
        } else {
            v.select_nth_unstable(limit - 1);
            v.truncate(limit);
        }
    }
    v.sort_unstable();
}

/// The random order's key of the hit at encoded position `p`: splitmix64 of the seed and
/// the position, so a sample costs one hash per hit and the placing of `limit` of them.
fn random_key(seed: u64, p: u64) -> u64 {
    let mut z = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ p.wrapping_add(0x632B_E59B_D9B4_E019);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    //! Unit tests run with chunks of 48 bytes and a mark every 5 positions, so chunk
    //! borders and marks fall everywhere in these small texts.
    use std::io::Write;

    use proptest::prelude::*;

    use super::*;
    use crate::index::corpus::{is_apostrophe, is_han_char, is_word_char};
    use crate::Segmenter;

    /// (line 1-based, column, start byte, end byte) of every occurrence of `pat`, by a
    /// direct reading of the segmenter's rules.
    type Hit = (u64, u64, usize, usize, String, String);

    /// ... with the left (reversed) and right segment keys of each hit.
    fn naive(text: &str, seg: Segmenter, pat: &str) -> Vec<Hit> {
        let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let chars: Vec<(usize, char)> = text[bom..].char_indices().map(|(i, c)| (i + bom, c)).collect();
        let mut segs: Vec<Vec<(u64, u64, usize, char)>> = vec![Vec::new()];
        let (mut line, mut col) = (1u64, 0u64);
        for (k, &(off, c)) in chars.iter().enumerate() {
            let next = chars.get(k + 1).map(|&(_, n)| n);
            let prev = k.checked_sub(1).map(|j| chars[j].1);
            // Some(true): symbol; Some(false): boundary; None: skipped
            let sym = match seg {
                Segmenter::Han => Some(is_han_char(c)),
                Segmenter::Line => match c {
                    '\n' => Some(false),
                    '\r' if next == Some('\n') => None,
                    _ => Some(true),
                },
                Segmenter::Unicode => Some(
                    is_word_char(c) || (is_apostrophe(c) && prev.is_some_and(is_word_char) && next.is_some_and(is_word_char)),
                ),
                Segmenter::All => match c {
                    '\n' => Some(false),
                    c if c.is_whitespace() => None,
                    _ => Some(true),
                },
            };
            match sym {
                Some(true) => segs.last_mut().unwrap().push((line, col, off, c)),
                Some(false) => segs.push(Vec::new()),
                None => {}
            }
            if c == '\n' {
                line += 1;
                col = 0;
            } else {
                col += 1;
            }
        }
        let pat: Vec<char> = pat.chars().collect();
        let mut out = Vec::new();
        for s in &segs {
            for (j, w) in s.windows(pat.len()).enumerate() {
                if w.iter().map(|x| x.3).eq(pat.iter().copied()) {
                    let last = w[w.len() - 1];
                    let left = s[..j].iter().rev().map(|x| x.3).collect();
                    let right = s[j + pat.len()..].iter().map(|x| x.3).collect();
                    out.push((w[0].0, w[0].1, w[0].2, last.2 + last.3.len_utf8(), left, right));
                }
            }
        }
        out
    }

    fn naive_context(text: &str, start: usize, end: usize, width: usize) -> (String, String) {
        let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let before: Vec<char> = text[bom..start].chars().rev().take_while(|&c| c != '\n').take(width).collect();
        let line_rest = text[end..].split('\n').next().unwrap_or("");
        let line_rest =
            if text[end..].len() > line_rest.len() { line_rest.strip_suffix('\r').unwrap_or(line_rest) } else { line_rest };
        (before.into_iter().rev().collect(), line_rest.chars().take(width).collect())
    }

    fn texts() -> impl Strategy<Value = Vec<String>> {
        let alphabet =
            prop::sample::select(vec!["a", "b", "中", "国", " ", "\n", "\r\n", "\r", "'", ".", "é", "\u{feff}", "𠀀", "\t"]);
        prop::collection::vec(prop::collection::vec(alphabet, 0..160).prop_map(|v| v.concat()), 1..4)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        #[test]
        fn locate_and_kwic_match_a_naive_reading(texts in texts(), seg in 0usize..4, width in 0usize..6) {
            let seg = [Segmenter::Han, Segmenter::Line, Segmenter::Unicode, Segmenter::All][seg];
            let dir = tempfile::tempdir().unwrap();
            let paths: Vec<_> = texts.iter().enumerate().map(|(i, t)| {
                let p = dir.path().join(format!("f{i}.txt"));
                std::fs::File::create(&p).unwrap().write_all(t.as_bytes()).unwrap();
                p
            }).collect();
            let ctl = Control::new();
            let built = CorpusIndex::build(&paths, seg, Some(1), &ctl).unwrap();
            built.save(&dir.path().join("idx"), &ctl).unwrap();
            let opened = CorpusIndex::open(&dir.path().join("idx"), true, &ctl).unwrap();
            let unverified = CorpusIndex::open(&dir.path().join("idx"), false, &ctl).unwrap();
            for pat in ["a", "ab", "中国", "a'b", "国a", "b", "a.", "𠀀a"] {
                let mut want = Vec::new();
                for (k, t) in texts.iter().enumerate() {
                    for (line, col, a, b, l, r) in naive(t, seg, pat) {
                        want.push((k as u32, line, col, a, b, l, r));
                    }
                }
                for index in [&built, &opened, &unverified] {
                    let got: Vec<_> = index.locate(pat, None, &ctl).unwrap().into_iter()
                        .map(|p| (p.source, p.line, p.col, p.start, p.end)).collect();
                    let places: Vec<_> = want.iter().map(|w| (w.0, w.1, w.2, w.3, w.4)).collect();
                    prop_assert_eq!(&got, &places, "pattern {:?}", pat);
                    let lines = index.kwic(pat, width, usize::MAX, KwicOrder::Corpus, &ctl).unwrap();
                    prop_assert_eq!(lines.len(), want.len());
                    for (l, w) in lines.iter().zip(&want) {
                        let (t, a, b) = (&texts[w.0 as usize], w.3, w.4);
                        let (left, right) = naive_context(t, a, b, width);
                        prop_assert_eq!(&l.matched, &t[a..b]);
                        prop_assert_eq!(&l.left, &left);
                        prop_assert_eq!(&l.right, &right);
                    }
                    let first = index.locate(pat, Some(2), &ctl).unwrap();
                    prop_assert_eq!(first.len(), want.len().min(2));
                    for (order, left) in [(KwicOrder::Left, true), (KwicOrder::Right, false)] {
                        let mut sorted: Vec<_> = want.iter().enumerate().collect();
                        sorted.sort_by(|x, y| {
                            let (kx, ky) = if left { (&x.1 .5, &y.1 .5) } else { (&x.1 .6, &y.1 .6) };
                            kx.cmp(ky).then(x.0.cmp(&y.0))
                        });
                        for limit in [0, 1, 3, usize::MAX] {
                            let got: Vec<_> = index.kwic(pat, width, limit, order, &ctl).unwrap().into_iter()
                                .map(|l| (l.place.source, l.place.line, l.place.col, l.sort_key)).collect();
                            let exp: Vec<_> = sorted.iter().take(limit)
                                .map(|(_, w)| (w.0, w.1, w.2, if left { w.5.clone() } else { w.6.clone() })).collect();
                            prop_assert_eq!(got, exp, "{:?} limit {}", order, limit);
                        }
                    }
                    let random = index.kwic(pat, width, 3, KwicOrder::Random(7), &ctl).unwrap();
                    prop_assert_eq!(random.len(), want.len().min(3));
                    prop_assert!(random.windows(2).all(|w| w[0].key <= w[1].key));
                    for order in [KwicOrder::Corpus, KwicOrder::Left, KwicOrder::Right, KwicOrder::Random(7)] {
                        for (offset, limit) in [(0, 2), (1, 2), (2, usize::MAX), (usize::MAX, 3)] {
                            let whole = index.kwic(pat, width, usize::MAX, order, &ctl).unwrap();
                            let page = index.kwic_page(pat, width, offset, limit, order, &ctl).unwrap();
                            let want: Vec<_> = whole.into_iter().skip(offset).take(limit).collect();
                            prop_assert_eq!(page, want, "{:?} offset {} limit {}", order, offset, limit);
                        }
                    }
                }
            }
        }
    }
}
