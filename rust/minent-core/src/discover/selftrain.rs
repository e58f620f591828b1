//! Self-training on agreement: a boundary tagger learnt from the gaps on which several
//! segmentations agree.
//!
//! Discovery has knobs no corpus tells how to set (the longest initial word, the bonus of
//! a group, whether to re-estimate). Each setting segments the text; where all settings put
//! a boundary, or all put none, the decision is confident. An averaged perceptron over the
//! characters around a gap (unigrams of a ±3 window, bigrams and trigrams of ±2, hashed) learns
//! from those gaps only and then decides every gap of the corpus: what the settings agree
//! on teaches it the contexts of boundaries, and it generalises to the gaps they dispute.
//! Gaps are those between two symbols; a non-symbol is always its own token, and no
//! boundary is put between two decimal digits (numbers are units, as in discovery).

use rayon::prelude::*;

use crate::index::corpus::{count_lines, split_lines, Segmenter, SourceFile};
use crate::segment::viterbi::{is_decimal_digit, is_word_of, Scratch, Tokenizer};
use crate::util::control::Control;
use crate::util::error::{Error, Result};
use crate::util::pool::in_pool;

const BITS: u32 = 22;
const SENTINEL: char = '\u{2}';
const NO_GAP: i8 = 9;
/// Features per gap, bias included.
const N_FEAT: usize = 12;

#[derive(Clone)]
pub struct BoundaryTagger {
    /// Averaged weights, 2^BITS hashed features.
    w: Vec<f32>,
    pub symbols: Segmenter,
    /// Gaps learnt from (unanimous) and disputed in the training text.
    pub trained_gaps: u64,
    pub disputed_gaps: u64,
}

#[inline]
fn mix(mut h: u64) -> u64 {
    // splitmix64 finaliser
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d049bb133111eb);
    h ^ (h >> 31)
}

/// The hashed features of the gap before `chars[p]` (1 ≤ p < len), bias included.
#[inline]
fn features(chars: &[char], p: usize, out: &mut [usize; N_FEAT]) {
    let at = |o: isize| -> u64 {
        let i = p as isize + o;
        if i < 0 || i as usize >= chars.len() {
            SENTINEL as u64
        } else {
            chars[i as usize] as u64
        }
    };
    let (z, a, b, c, d, e) = (at(-3), at(-2), at(-1), at(0), at(1), at(2));
    let grams: [(u64, u64); N_FEAT] = [
        (1, a),
        (2, b),
        (3, c),
        (4, d),
        (5, a << 21 | b),
        (6, b << 21 | c),
        (7, c << 21 | d),
        (8, (a << 42) | (b << 21) | c),
        (9, (b << 42) | (c << 21) | d),
        (10, 0),
        (11, z),
        (12, e),
    ];
    let mask = (1u64 << BITS) - 1;
    for (k, (kind, v)) in grams.iter().enumerate() {
        out[k] = (mix(v.wrapping_mul(0x9e3779b97f4a7c15) ^ kind.wrapping_mul(0xd6e8feb86659fd93)) & mask) as usize;
    }
}

/// One training line: its characters and a label per gap (index p − 1 for the gap before
/// char p): +1 boundary, −1 none, 0 disputed, [`NO_GAP`] not a gap the tagger decides.
struct Line {
    chars: Vec<char>,
    labels: Vec<i8>,
}

fn vote_line(line: &str, tokenizers: &[Tokenizer], symbols: Segmenter, scratch: &mut Scratch) -> Line {
    let chars: Vec<char> = line.chars().collect();
    let n = chars.len();
    let mut labels = vec![NO_GAP; n.saturating_sub(1)];
    if n < 2 {
        return Line { chars, labels };
    }
    // char index of every byte offset that starts a char
    let mut char_at = vec![usize::MAX; line.len() + 1];
    for (k, (b, _)) in line.char_indices().enumerate() {
        char_at[b] = k;
    }
    char_at[line.len()] = n;
    let mut votes = vec![0u16; n + 1];
    for t in tokenizers {
        for span in t.tokenize_spans(line, scratch) {
            votes[char_at[span.end]] += 1;
        }
    }
    let k = tokenizers.len() as u16;
    for p in 1..n {
        if !symbols.is_symbol(chars[p - 1]) || !symbols.is_symbol(chars[p]) {
            continue;
        }
        if is_decimal_digit(chars[p - 1]) && is_decimal_digit(chars[p]) {
            continue;
        }
        labels[p - 1] = if votes[p] == k {
            1
        } else if votes[p] == 0 {
            -1
        } else {
            0
        };
    }
    Line { chars, labels }
}

/// Magic of [`BoundaryTagger::to_bytes`]: format, then the version.
const TAGGER_MAGIC: &[u8; 8] = b"MFTAGR01";

impl BoundaryTagger {
    /// The tagger as bytes (to send it to another process): magic, symbols, the two gap
    /// counts, then the weights, little-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + 24 + self.w.len() * 4);
        out.extend_from_slice(TAGGER_MAGIC);
        out.extend_from_slice(&(self.symbols as u64).to_le_bytes());
        out.extend_from_slice(&self.trained_gaps.to_le_bytes());
        out.extend_from_slice(&self.disputed_gaps.to_le_bytes());
        for w in &self.w {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// The tagger of [`Self::to_bytes`]; an error for anything else.
    pub fn from_bytes(b: &[u8]) -> Result<Self> {
        let n = 1usize << BITS;
        if b.len() != 32 + 4 * n || &b[..8] != TAGGER_MAGIC {
            return Err(Error::arg("not a boundary tagger's bytes (wrong magic or length)"));
        }
        let word = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
        let symbols = [Segmenter::Han, Segmenter::Line, Segmenter::Unicode, Segmenter::All]
            .into_iter()
            .find(|s| *s as u64 == word(8))
            .ok_or_else(|| Error::arg("a boundary tagger's bytes name no known symbol model"))?;
        let w: Vec<f32> = b[32..].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        if w.iter().any(|x| !x.is_finite()) {
            return Err(Error::arg("a boundary tagger's bytes hold a weight that is not finite"));
        }
        Ok(BoundaryTagger { w, symbols, trained_gaps: word(16), disputed_gaps: word(24) })
    }

    /// Learn from the gaps of `paths` on which every tokenizer agrees (`epochs` passes of
    /// an averaged perceptron, in corpus order: deterministic).
    pub fn train(
        paths: &[std::path::PathBuf],
        tokenizers: &[Tokenizer],
        symbols: Segmenter,
        epochs: usize,
        num_threads: Option<usize>,
        ctl: &Control,
    ) -> Result<Self> {
        if tokenizers.is_empty() {
            return Err(Error::arg("self-training needs at least one segmentation"));
        }
        in_pool(num_threads, || {
            let files: Vec<SourceFile> = paths.iter().map(|p| SourceFile::open(p)).collect::<Result<_>>()?;
            ctl.stage("vote", files.iter().map(|f| f.bytes().len() as u64).sum())?;
            let mut lines: Vec<Line> = Vec::new();
            for f in &files {
                let text = f.text()?;
                for chunk in split_lines(text, 32 << 20) {
                    let part: Vec<Vec<Line>> = split_lines(chunk, 1 << 20)
                        .par_iter()
                        .map_init(Scratch::default, |scratch, piece| {
                            piece.lines().map(|l| vote_line(l, tokenizers, symbols, scratch)).collect()
                        })
                        .collect();
                    lines.extend(part.into_iter().flatten());
                    ctl.advance(chunk.len() as u64)?;
                }
            }
            let size = 1usize << BITS;
            let mut w = vec![0f32; size];
            let mut u = vec![0f32; size]; // Σ c·update, for the average w − u/c
            let mut c = 1f32;
            let mut f = [0usize; N_FEAT];
            let (mut trained, mut disputed) = (0u64, 0u64);
            for l in &lines {
                for &y in &l.labels {
                    trained += (y == 1 || y == -1) as u64;
                    disputed += (y == 0) as u64;
                }
            }
            ctl.stage("self-train", (epochs * lines.len()) as u64)?;
            for _ in 0..epochs {
                for l in &lines {
                    for (i, &y) in l.labels.iter().enumerate() {
                        if y != 1 && y != -1 {
                            continue;
                        }
                        features(&l.chars, i + 1, &mut f);
                        let s: f32 = f.iter().map(|&j| w[j]).sum();
                        let yf = y as f32;
                        if s * yf <= 0.0 {
                            for &j in &f {
                                w[j] += yf;
                                u[j] += c * yf;
                            }
                        }
                        c += 1.0;
                    }
                }
                ctl.advance(lines.len() as u64)?;
            }
            for (wj, uj) in w.iter_mut().zip(&u) {
                *wj -= uj / c;
            }
            Ok(BoundaryTagger { w, symbols, trained_gaps: trained, disputed_gaps: disputed })
        })
    }

    /// Whether the tagger puts a boundary before `chars[p]`.
    #[inline]
    fn boundary(&self, chars: &[char], p: usize, f: &mut [usize; N_FEAT]) -> bool {
        let (a, b) = (chars[p - 1], chars[p]);
        if !self.symbols.is_symbol(a) || !self.symbols.is_symbol(b) {
            return true;
        }
        if is_decimal_digit(a) && is_decimal_digit(b) {
            return false;
        }
        features(chars, p, f);
        f.iter().map(|&j| self.w[j]).sum::<f32>() > 0.0
    }

    /// The tokens of `line` as char ranges.
    pub fn tokenize_chars(&self, chars: &[char], out: &mut Vec<std::ops::Range<usize>>) {
        out.clear();
        let mut f = [0usize; N_FEAT];
        let mut start = 0;
        for p in 1..chars.len() {
            if self.boundary(chars, p, &mut f) {
                out.push(start..p);
                start = p;
            }
        }
        if start < chars.len() {
            out.push(start..chars.len());
        }
    }

    /// Tag every line of `paths` and count the word tokens (made only of symbols), in
    /// order of first occurrence.
    pub fn count_tokens(&self, paths: &[std::path::PathBuf], num_threads: Option<usize>, ctl: &Control)
        -> Result<Vec<(String, u64)>> {
        in_pool(num_threads, || {
            count_lines(
                paths,
                "tag",
                ctl,
                || (Vec::new(), Vec::new(), String::new()),
                |(chars, spans, tok), line, local| {
                    chars.clear();
                    chars.extend(line.chars());
                    self.tokenize_chars(chars, spans);
                    for r in spans.iter() {
                        tok.clear();
                        tok.extend(&chars[r.clone()]);
                        if is_word_of(self.symbols, tok) {
                            local.add(tok, 1);
                        }
                    }
                },
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::lexicon::Lexicon;
    use std::sync::Arc;

    #[test]
    fn learns_the_agreed_boundaries_and_generalises() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.txt");
        // "ab" and "cd" are words; both tokenizers agree on them, and the tagger learns
        // to cut between b and c, also in a line neither tokenizer saw whole
        std::fs::write(&p, "abcdab\ncdabcd\nabab12\n".repeat(50)).unwrap();
        let lex = |w: &[(&str, u64)]| Arc::new(Lexicon::from_pairs(w.iter().copied()).unwrap());
        let t1 = Tokenizer::new(lex(&[("ab", 10), ("cd", 10)]), -100.0, false);
        let t2 = Tokenizer::new(lex(&[("ab", 5), ("cd", 5), ("abc", 1)]), -100.0, false);
        let ctl = Control::new();
        let tagger = BoundaryTagger::train(&[p.clone()], &[t1, t2], Segmenter::Unicode, 3, Some(1), &ctl).unwrap();
        assert!(tagger.trained_gaps > 0);
        let mut out = Vec::new();
        let chars: Vec<char> = "cdab12cd".chars().collect();
        tagger.tokenize_chars(&chars, &mut out);
        let toks: Vec<String> = out.iter().map(|r| chars[r.clone()].iter().collect()).collect();
        assert_eq!(toks, vec!["cd", "ab", "12", "cd"]);
        let counts = tagger.count_tokens(&[p], Some(1), &ctl).unwrap();
        assert_eq!(counts[0], ("ab".to_string(), 250));
    }
}
