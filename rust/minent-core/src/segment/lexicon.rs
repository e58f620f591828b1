//! `Lexicon`: an immutable word → count table with a character-wise double-array trie.
//!
//! Design notes
//! - Words live in one UTF-8 buffer with offsets (≈ 9 MB for nlp-zero's 495k-word
//!   dictionary, against ≈ 316 MB for its nested Python dicts). Ids are ranks by count
//!   (most frequent first, ties by word), stored as the trie's values: segmentation reads
//!   a score per matched word, and frequent words then share a few cache lines.
//! - crawdad is a char-wise double-array trie tuned for CJK; a common-prefix search from
//!   each start position lists every dictionary word there, shortest first — exactly the
//!   edge order of nlp-zero's `Trie.search`.
//! - Duplicate words keep the last count (nlp-zero `Trie.__setitem__` overwrites) and a
//!   count of 0 removes the word (nlp-zero deletes it).

use std::collections::HashMap;
use std::path::Path;

use crate::util::atomic::write_atomic;
use crate::util::error::{Error, Result};

/// crawdad's reserved end-of-key marker: no word may contain it.
const END_MARKER: char = '\u{ffff}';
/// `chars` up to the first U+FFFF: crawdad's walk would read it as the end of a key and
/// step into a leaf, matching "word + U+FFFF" as the word.
pub(crate) fn before_end_marker(chars: &[char]) -> &[char] {
    &chars[..chars.iter().position(|&c| c == END_MARKER).unwrap_or(chars.len())]
}

const BINARY_MAGIC: &[u8; 8] = b"MINENTLX";
/// Bumped whenever the layout or the crawdad version changes.
const BINARY_VERSION: u32 = 1;

pub struct Lexicon {
    text: String,
    offsets: Vec<u32>,
    counts: Vec<u64>,
    total: u64,
    trie: Option<crawdad::Trie>,
}

impl std::fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lexicon({} words, total {})", self.len(), self.total)
    }
}

impl Lexicon {
    /// Build from (word, count) pairs; later duplicates win, zero counts drop the word.
    pub fn from_pairs<S: AsRef<str>>(pairs: impl IntoIterator<Item = (S, u64)>) -> Result<Self> {
        let mut last: HashMap<String, u64> = HashMap::new();
        for (w, c) in pairs {
            let w = w.as_ref();
            if w.is_empty() {
                return Err(Error::arg("a lexicon word cannot be empty"));
            }
            if w.contains(END_MARKER) {
                return Err(Error::arg(format!("a lexicon word cannot contain U+FFFF (a noncharacter): {w:?}")));
            }
            last.insert(w.to_string(), c);
        }
        let mut entries: Vec<(String, u64)> = last.into_iter().filter(|(_, c)| *c > 0).collect();
        entries.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Self::from_ranked(entries)
    }

    /// `entries` sorted by count descending, then word.
    fn from_ranked(entries: Vec<(String, u64)>) -> Result<Self> {
        let bytes: usize = entries.iter().map(|e| e.0.len()).sum();
        if bytes > u32::MAX as usize {
            return Err(Error::arg("lexicon text exceeds 4 GiB"));
        }
        let mut text = String::with_capacity(bytes);
        let mut offsets = Vec::with_capacity(entries.len() + 1);
        let mut counts = Vec::with_capacity(entries.len());
        offsets.push(0u32);
        let mut total: u64 = 0;
        for (w, c) in &entries {
            text.push_str(w);
            offsets.push(text.len() as u32);
            counts.push(*c);
            total = total.checked_add(*c).ok_or_else(|| Error::arg("lexicon counts overflow u64"))?;
        }
        let trie = if entries.is_empty() {
            None
        } else {
            let mut records: Vec<(&str, u32)> =
                entries.iter().enumerate().map(|(id, e)| (e.0.as_str(), id as u32)).collect();
            records.sort_unstable_by(|a, b| a.0.cmp(b.0));
            Some(
                crawdad::Trie::from_records(records)
                    .map_err(|e| Error::arg(format!("cannot build the lexicon trie: {e}")))?,
            )
        };
        Ok(Lexicon { text, offsets, counts, total, trie })
    }

    /// Parse a lexicon file's text: `word<TAB>count` lines, or nlp-zero/jieba style
    /// `word count [tag]` separated by spaces. Blank lines are skipped; a line without
    /// a valid count is an error naming `origin` and the line number.
    pub fn parse(text: &str, origin: &Path) -> Result<Self> {
        let mut pairs = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim_matches(|c: char| c == '\r' || c == '\u{feff}');
            if line.trim().is_empty() {
                continue;
            }
            let (word, rest) = if let Some((w, r)) = line.split_once('\t') {
                (w, r.split('\t').next().unwrap_or(""))
            } else {
                let mut it = line.trim().split(' ').filter(|s| !s.is_empty());
                (it.next().unwrap_or(""), it.next().unwrap_or(""))
            };
            let bad = |why: &str| Error::InvalidArgument(format!("{}:{}: {why}: {raw:?}", origin.display(), i + 1));
            if word.is_empty() {
                return Err(bad("empty word"));
            }
            let count: u64 = rest.trim().parse().map_err(|_| bad("expected `word<TAB>count` with a non-negative integer count"))?;
            pairs.push((word, count));
        }
        Self::from_pairs(pairs)
    }

    pub fn len(&self) -> usize {
        self.counts.len()
    }
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
    pub fn total(&self) -> u64 {
        self.total
    }
    pub fn word(&self, id: usize) -> &str {
        &self.text[self.offsets[id] as usize..self.offsets[id + 1] as usize]
    }
    pub fn count_of_id(&self, id: usize) -> u64 {
        self.counts[id]
    }
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }
    pub fn id(&self, word: &str) -> Option<usize> {
        if word.contains(END_MARKER) {
            return None; // crawdad reads it as its end marker, which would match the prefix
        }
        self.trie.as_ref()?.exact_match(word.chars()).map(|v| v as usize)
    }
    pub fn get(&self, word: &str) -> u64 {
        self.id(word).map(|i| self.counts[i]).unwrap_or(0)
    }
    /// Longest word in characters.
    pub fn max_word_chars(&self) -> usize {
        (0..self.len()).map(|i| self.word(i).chars().count()).max().unwrap_or(0)
    }

    pub(crate) fn trie(&self) -> Option<&crawdad::Trie> {
        self.trie.as_ref()
    }

    /// Every (word id, length in chars) of dictionary words starting at `chars[0]`,
    /// shortest first.
    #[inline]
    pub fn prefixes<'a>(&'a self, chars: &'a [char]) -> impl Iterator<Item = (usize, usize)> + 'a {
        let chars = before_end_marker(chars);
        self.trie
            .as_ref()
            .into_iter()
            .flat_map(move |t| t.common_prefix_search(chars.iter().copied()))
            .map(|(v, len)| (v as usize, len))
    }

    /// Save as UTF-8 TSV `word<TAB>count`, count descending, atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        use std::io::Write;
        write_atomic(path, |w, tmp| {
            for id in self.ids_by_count() {
                writeln!(w, "{}\t{}", self.word(id), self.counts[id]).map_err(|e| Error::io(tmp, e))?;
            }
            Ok(())
        })
    }

    /// Load a lexicon file (see [`Lexicon::parse`]); invalid UTF-8 is reported with its offset.
    pub fn load(path: &Path) -> Result<Self> {
        let file = crate::index::corpus::SourceFile::open(path)?;
        Self::parse(file.text()?, path)
    }

    /// A binary image of the lexicon with its built trie (building the trie is the slow
    /// part of loading a large dictionary: ~3 s for 495k words, against ~20 ms to read
    /// this back). Layout: magic, format version, lengths, xxh3-64 of the payload, then
    /// counts, offsets, word text and the serialized crawdad trie. Used as a cache only.
    pub fn to_bytes(&self) -> Vec<u8> {
        let trie = self.trie.as_ref().map(|t| t.serialize_to_vec()).unwrap_or_default();
        let mut payload = Vec::with_capacity(self.counts.len() * 12 + self.text.len() + trie.len() + 8);
        for c in &self.counts {
            payload.extend_from_slice(&c.to_le_bytes());
        }
        for o in &self.offsets {
            payload.extend_from_slice(&o.to_le_bytes());
        }
        payload.extend_from_slice(self.text.as_bytes());
        payload.extend_from_slice(&trie);
        let mut out = Vec::with_capacity(payload.len() + 48);
        out.extend_from_slice(BINARY_MAGIC);
        out.extend_from_slice(&BINARY_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.counts.len() as u64).to_le_bytes());
        out.extend_from_slice(&(self.text.len() as u64).to_le_bytes());
        out.extend_from_slice(&(trie.len() as u64).to_le_bytes());
        out.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// Read [`to_bytes`](Self::to_bytes) output; any mismatch is an error (never a panic).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bad = |why: &str| Error::arg(format!("not a valid lexicon image: {why}"));
        let u64_at = |at: usize| -> Result<u64> {
            bytes.get(at..at + 8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]))).ok_or_else(|| bad("truncated header"))
        };
        if bytes.get(..8) != Some(BINARY_MAGIC.as_slice()) {
            return Err(bad("bad magic"));
        }
        if bytes.get(8..12) != Some(BINARY_VERSION.to_le_bytes().as_slice()) {
            return Err(bad("other format version"));
        }
        let (n, text_len, trie_len, sum) = (u64_at(12)? as usize, u64_at(20)? as usize, u64_at(28)? as usize, u64_at(36)?);
        let payload = &bytes[44.min(bytes.len())..];
        let expected = n.checked_mul(12).and_then(|x| x.checked_add(4 + text_len)).and_then(|x| x.checked_add(trie_len));
        if expected != Some(payload.len()) {
            return Err(bad("lengths do not match"));
        }
        if xxhash_rust::xxh3::xxh3_64(payload) != sum {
            return Err(bad("checksum mismatch"));
        }
        let counts: Vec<u64> = payload[..8 * n].chunks_exact(8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]))).collect();
        let offsets: Vec<u32> =
            payload[8 * n..12 * n + 4].chunks_exact(4).map(|b| u32::from_le_bytes(b.try_into().unwrap_or([0; 4]))).collect();
        let text = std::str::from_utf8(&payload[12 * n + 4..12 * n + 4 + text_len]).map_err(|_| bad("words not UTF-8"))?;
        if offsets.windows(2).any(|w| w[0] > w[1]) || offsets.last().map(|&o| o as usize) != Some(text_len) {
            return Err(bad("offsets out of order"));
        }
        if offsets.iter().any(|&o| !text.is_char_boundary(o as usize)) {
            return Err(bad("offsets split a character"));
        }
        let trie = if n == 0 {
            None
        } else {
            // the checksum matched, so these are bytes serialize_to_vec wrote
            Some(crawdad::Trie::deserialize_from_slice(&payload[12 * n + 4 + text_len..]).0)
        };
        let total = counts.iter().try_fold(0u64, |a, &c| a.checked_add(c)).ok_or_else(|| bad("counts overflow"))?;
        Ok(Lexicon { text: text.to_string(), offsets, counts, total, trie })
    }

    /// Ids ordered by count descending, ties by word (the order of saved files): ids are
    /// ranks, so this is 0..len.
    pub fn ids_by_count(&self) -> std::ops::Range<usize> {
        0..self.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_last_wins_and_zero_deletes() {
        let lex = Lexicon::from_pairs([("中国", 3), ("人", 2), ("中国", 5), ("人", 0)]).unwrap();
        assert_eq!(lex.len(), 1);
        assert_eq!(lex.get("中国"), 5);
        assert_eq!(lex.get("人"), 0);
        assert_eq!(lex.total(), 5);
    }

    #[test]
    fn end_marker_is_not_a_character_of_words() {
        let lex = Lexicon::from_pairs([("ab", 3)]).unwrap();
        assert_eq!(lex.get("ab"), 3);
        assert_eq!(lex.get("ab\u{ffff}"), 0); // crawdad alone would answer 3
        let err = Lexicon::from_pairs([("a\u{ffff}", 1)]).unwrap_err();
        assert!(err.to_string().contains("U+FFFF"), "{err}");
    }

    #[test]
    fn parse_tsv_and_space_formats() {
        let lex = Lexicon::parse("的 100 u\n中国\t7\n\n人民  3\r\n", Path::new("x")).unwrap();
        assert_eq!((lex.get("的"), lex.get("中国"), lex.get("人民")), (100, 7, 3));
        assert!(Lexicon::parse("词\n", Path::new("x")).is_err());
        assert!(Lexicon::parse("词\t-1\n", Path::new("x")).is_err());
        assert!(Lexicon::parse("词 abc\n", Path::new("x")).is_err());
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("lex.tsv");
        lex.save(&p).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "的\t100\n中国\t7\n人民\t3\n");
        let back = Lexicon::load(&p).unwrap();
        assert_eq!((back.len(), back.total()), (3, 110));
    }

    #[test]
    fn binary_image_round_trip_and_rejects_damage() {
        let lex = Lexicon::from_pairs([("中国", 3), ("人", 2), ("中国人", 1)]).unwrap();
        let bytes = lex.to_bytes();
        let back = Lexicon::from_bytes(&bytes).unwrap();
        assert_eq!((back.len(), back.total(), back.get("中国人")), (3, 6, 1));
        let chars: Vec<char> = "中国人".chars().collect();
        assert_eq!(back.prefixes(&chars).count(), 2);
        for cut in [0, 7, 20, bytes.len() - 1] {
            assert!(Lexicon::from_bytes(&bytes[..cut]).is_err());
        }
        for pos in [0, 9, 30, 50, bytes.len() - 1] {
            let mut b = bytes.clone();
            b[pos] ^= 1;
            assert!(Lexicon::from_bytes(&b).is_err(), "flip at {pos}");
        }
        let empty = Lexicon::from_pairs(Vec::<(&str, u64)>::new()).unwrap();
        assert!(Lexicon::from_bytes(&empty.to_bytes()).unwrap().is_empty());
    }

    #[test]
    fn prefixes_shortest_first() {
        let lex = Lexicon::from_pairs([("中", 1), ("中国", 1), ("中国人", 1), ("国", 1)]).unwrap();
        let chars: Vec<char> = "中国人民".chars().collect();
        let got: Vec<(String, usize)> = lex.prefixes(&chars).map(|(id, n)| (lex.word(id).to_string(), n)).collect();
        assert_eq!(got, vec![("中".into(), 1), ("中国".into(), 2), ("中国人".into(), 3)]);
    }
}
