//! Unigram (maximum-probability) segmentation with nlp-zero `Tokenizer` semantics.
//!
//! Exactness notes (each one is needed for token-for-token parity with nlp-zero 0.1.6):
//! - A sentence is first cut at runs of `[。，、！？\n ]`; each separator character is a
//!   token of its own; the pieces between are segmented.
//! - Word score = ln(count) − ln(total) (natural logs, computed as nlp-zero does); the path
//!   score starts at 1.0 (not 0.0, which rounds differently) and adds scores left to right.
//! - Forward relaxation: positions ascending, each start's words shortest first, a strict
//!   `>` so the first path found wins ties; after a start is processed, if nothing has
//!   reached the next position a single-character edge of `null_score` is added — only
//!   then ("fallback only when unreached").
//! - `combine_alnum` (nlp-zero's `combine_Aa123`): a token ending in an ASCII letter or
//!   digit starts a run; following tokens made only of ASCII letters, Unicode decimal
//!   digits (Python's `\d`) and '.' are glued on, each ending the glue when it does not
//!   itself end in an ASCII letter or digit... exactly as the Python loop does.
//!
//! Tokens are returned as byte spans of the input, since every token (even merged ones)
//! is a contiguous piece of it.

use std::io::Write;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::index::corpus::{count_lines, is_apostrophe, is_han_char, split_lines, Segmenter, SourceFile};
use crate::segment::lexicon::{before_end_marker, Lexicon};
use crate::segment::segtrie::SegTrie;
use crate::util::atomic::write_atomic_ctl;
use crate::util::control::Control;
use crate::util::error::{Error, Result};
use crate::util::pool::in_pool;

/// nlp-zero's sentence separators `[。，、！？\n ]`.
#[inline]
pub fn is_separator(c: char) -> bool {
    matches!(c, '。' | '，' | '、' | '！' | '？' | '\n' | ' ')
}

/// Unicode decimal digits (category Nd, Unicode 14 as in CPython 3.11), i.e. Python's `\d`.
const ND_RANGES: &[(u32, u32)] = &[
    (0x30, 0x39), (0x660, 0x669), (0x6F0, 0x6F9), (0x7C0, 0x7C9), (0x966, 0x96F), (0x9E6, 0x9EF),
    (0xA66, 0xA6F), (0xAE6, 0xAEF), (0xB66, 0xB6F), (0xBE6, 0xBEF), (0xC66, 0xC6F), (0xCE6, 0xCEF),
    (0xD66, 0xD6F), (0xDE6, 0xDEF), (0xE50, 0xE59), (0xED0, 0xED9), (0xF20, 0xF29), (0x1040, 0x1049),
    (0x1090, 0x1099), (0x17E0, 0x17E9), (0x1810, 0x1819), (0x1946, 0x194F), (0x19D0, 0x19D9),
    (0x1A80, 0x1A89), (0x1A90, 0x1A99), (0x1B50, 0x1B59), (0x1BB0, 0x1BB9), (0x1C40, 0x1C49),
    (0x1C50, 0x1C59), (0xA620, 0xA629), (0xA8D0, 0xA8D9), (0xA900, 0xA909), (0xA9D0, 0xA9D9),
    (0xA9F0, 0xA9F9), (0xAA50, 0xAA59), (0xABF0, 0xABF9), (0xFF10, 0xFF19), (0x104A0, 0x104A9),
    (0x10D30, 0x10D39), (0x11066, 0x1106F), (0x110F0, 0x110F9), (0x11136, 0x1113F), (0x111D0, 0x111D9),
    (0x112F0, 0x112F9), (0x11450, 0x11459), (0x114D0, 0x114D9), (0x11650, 0x11659), (0x116C0, 0x116C9),
    (0x11730, 0x11739), (0x118E0, 0x118E9), (0x11950, 0x11959), (0x11C50, 0x11C59), (0x11D50, 0x11D59),
    (0x11DA0, 0x11DA9), (0x16A60, 0x16A69), (0x16AC0, 0x16AC9), (0x16B50, 0x16B59), (0x1D7CE, 0x1D7FF),
    (0x1E140, 0x1E149), (0x1E2F0, 0x1E2F9), (0x1E950, 0x1E959), (0x1FBF0, 0x1FBF9),
];

#[inline]
pub(crate) fn is_decimal_digit(c: char) -> bool {
    let cp = c as u32;
    if cp < 0x80 {
        return c.is_ascii_digit();
    }
    ND_RANGES
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Reusable buffers for one thread's segmentation work.
#[derive(Default)]
pub struct Scratch {
    chars: Vec<char>,
    byte_at: Vec<usize>,
    codes: Vec<u32>,
    score: Vec<f64>,
    back: Vec<usize>,
}

#[derive(Clone)]
pub struct Tokenizer {
    lexicon: Arc<Lexicon>,
    /// ln(count) − ln(total) per word id.
    scores: Vec<f64>,
    /// The lexicon's trie with these scores inline (see [`SegTrie`]).
    seg: Option<Arc<SegTrie>>,
    /// Instead of the lexicon: scored n-grams looked up by hash ([`NgramWords`]).
    ngrams: Option<NgramWords>,
    pub null_score: f64,
    pub combine_alnum: bool,
    /// No token boundary between two decimal digits: a run of digits is read whole (a
    /// word may still start at its first digit and go on past its last). Discovery uses
    /// it so that numbers are units and never pieces of words ("20", "00年").
    pub atomic_digits: bool,
    /// What cuts a sentence into pieces before Viterbi: [`Segmenter::Han`] is nlp-zero's
    /// `[。，、！？\n ]` (compat); [`Segmenter::Unicode`] and [`Segmenter::All`] cut at every
    /// character that is not one of their symbols (each such character is a token).
    pub symbols: Segmenter,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokenizer({:?}, null_score {}, combine_alnum {})", self.lexicon, self.null_score, self.combine_alnum)
    }
}

impl Tokenizer {
    /// The lexicon id of the token of chars `from..to` of the sentence `scratch` last
    /// segmented (`piece` is its text): looked up along the trie nodes the segmentation
    /// just walked when it can be (crawdad's own walk took twice as long).
    #[inline]
    pub(crate) fn id_of_token(&self, scratch: &Scratch, from: usize, to: usize, piece: &str) -> Option<usize> {
        match &self.seg {
            Some(seg) if scratch.codes.len() >= to => seg.id_of(&scratch.codes[from..to]).map(|i| i as usize),
            _ => self.lexicon.id(piece),
        }
    }

    pub fn new(lexicon: Arc<Lexicon>, null_score: f64, combine_alnum: bool) -> Self {
        let log_total = ln_or_sentinel(lexicon.total());
        let scores = lexicon.counts().iter().map(|&c| ln_or_sentinel(c) - log_total).collect();
        Self::assemble(lexicon, scores, null_score, combine_alnum)
    }

    /// A tokenizer maximising the sum of arbitrary per-word `scores` (by lexicon id)
    /// instead of unigram log-probabilities, e.g. branching-entropy autonomy scores.
    pub fn with_scores(lexicon: Arc<Lexicon>, scores: Vec<f64>, null_score: f64, combine_alnum: bool) -> Result<Self> {
        if scores.len() != lexicon.len() {
            return Err(Error::arg("one score per lexicon word is needed"));
        }
        if scores.iter().any(|s| !s.is_finite()) {
            return Err(Error::arg("word scores must be finite"));
        }
        Ok(Self::assemble(lexicon, scores, null_score, combine_alnum))
    }

    fn assemble(lexicon: Arc<Lexicon>, scores: Vec<f64>, null_score: f64, combine_alnum: bool) -> Self {
        let seg = lexicon
            .trie()
            .and_then(|t| SegTrie::from_crawdad(t, |id| scores.get(id as usize).copied()))
            .map(Arc::new);
        Tokenizer { lexicon, scores, seg, ngrams: None, null_score, combine_alnum, atomic_digits: false,
                    symbols: Segmenter::Han }
    }

    /// A tokenizer whose words are the n-grams of [`NgramWords`] (an empty lexicon): it
    /// segments exactly as one built by [`Self::with_scores`] over the same words and
    /// scores, without a trie (building one over tens of millions of candidates took
    /// minutes). Its tokens have no lexicon ids.
    pub fn with_ngram_words(words: NgramWords, null_score: f64, combine_alnum: bool) -> Result<Self> {
        let lexicon = Arc::new(Lexicon::from_pairs(std::iter::empty::<(&str, u64)>())?);
        let mut tok = Self::assemble(lexicon, Vec::new(), null_score, combine_alnum);
        tok.ngrams = Some(words);
        Ok(tok)
    }

    /// Segment every line of `paths` and count the tokens made only of the symbols of
    /// `symbols` (for [`Segmenter::Han`], `[\u4e00-\u9fa5 0-9 a-z A-Z]`: punctuation and
    /// spaces are not words), in order of first occurrence. With `pairs`, count instead
    /// each two such tokens that follow each other, as "first\nsecond".
    pub fn count_tokens(
        &self,
        paths: &[std::path::PathBuf],
        symbols: Segmenter,
        pairs: bool,
        num_threads: Option<usize>,
        ctl: &Control,
    ) -> Result<Vec<(String, u64)>> {
        in_pool(num_threads, || {
            count_lines(
                paths,
                "segment",
                ctl,
                || (Scratch::default(), Vec::new(), String::new()),
                |(scratch, spans, pair), line, local| {
                    self.tokenize_spans_into(line, scratch, spans);
                    if pairs {
                        for w in spans.windows(2) {
                            let (a, b) = (&line[w[0].clone()], &line[w[1].clone()]);
                            if w[0].end == w[1].start && is_word_of(symbols, a) && is_word_of(symbols, b) {
                                pair.clear();
                                pair.push_str(a);
                                pair.push('\n');
                                pair.push_str(b);
                                local.add(pair, 1);
                            }
                        }
                        return;
                    }
                    for span in spans.iter() {
                        let tok = &line[span.clone()];
                        if is_word_of(symbols, tok) {
                            local.add(tok, 1);
                        }
                    }
                },
            )
        })
    }

    pub fn lexicon(&self) -> &Arc<Lexicon> {
        &self.lexicon
    }

    /// Tokens of `sent` as byte ranges.
    pub fn tokenize_spans(&self, sent: &str, scratch: &mut Scratch) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        self.tokenize_spans_into(sent, scratch, &mut out);
        out
    }

    /// [`tokenize_spans`](Self::tokenize_spans) into a reused vector.
    pub fn tokenize_spans_into(&self, sent: &str, scratch: &mut Scratch, out: &mut Vec<Range<usize>>) {
        let o = Opts { null_score: self.null_score, combine: self.combine_alnum, atomic_digits: self.atomic_digits,
                       symbols: self.symbols };
        if let Some(ngrams) = &self.ngrams {
            return tokenize_into_opts(sent, Some(ngrams), o, scratch, out);
        }
        match (&self.seg, self.lexicon.trie()) {
            (Some(seg), _) => tokenize_into_opts(sent, Some(&**seg), o, scratch, out),
            (None, Some(trie)) => {
                let words = TrieWords { trie, scores: &self.scores };
                tokenize_into_opts(sent, Some(&words), o, scratch, out)
            }
            (None, None) => tokenize_into_opts::<SegTrie>(sent, None, o, scratch, out),
        }
    }

    pub fn tokenize<'a>(&self, sent: &'a str, scratch: &mut Scratch) -> Vec<&'a str> {
        self.tokenize_spans(sent, scratch).into_iter().map(|r| &sent[r]).collect()
    }
}

/// A decoded sentence: its text, characters, each character's byte offset (plus the
/// end), and the characters' codes when the word source asked for them.
pub struct Sentence<'a> {
    pub text: &'a str,
    pub chars: &'a [char],
    pub byte_at: &'a [usize],
    pub codes: &'a [u32],
}

/// Where the words of a piece come from, with their scores.
pub trait Words {
    /// Called once per sentence before any `for_each_word` (e.g. to code its characters).
    #[inline]
    fn prepare(&self, _chars: &[char], _codes: &mut Vec<u32>) {}

    /// Every (length in chars, score) of a word starting at char `start` of `s` and
    /// ending by `s.chars.len()`, shortest first.
    fn for_each_word(&self, s: &Sentence<'_>, start: usize, f: impl FnMut(usize, f64));

    /// A hint that the words at `start` will be asked for soon.
    #[inline]
    fn prefetch(&self, _s: &Sentence<'_>, _start: usize) {}
}

impl Words for SegTrie {
    #[inline]
    fn prepare(&self, chars: &[char], codes: &mut Vec<u32>) {
        self.encode(chars, codes);
    }

    #[inline]
    fn for_each_word(&self, s: &Sentence<'_>, start: usize, f: impl FnMut(usize, f64)) {
        self.for_each_prefix(&s.codes[start..s.chars.len()], f);
    }

    #[inline]
    fn prefetch(&self, s: &Sentence<'_>, start: usize) {
        if start + 1 < s.chars.len() {
            self.prefetch_second(s.codes[start], s.codes[start + 1]);
        }
    }
}

/// Words that are n-grams of at most `max_len` characters scored by their packed code
/// points ([`crate::stats::branching::pack_chars`]): word discovery's candidates with
/// their autonomy a, a word of n characters scoring n·a, plus n·`bonus` when n > 1 (the
/// scores of `discover_words`' first segmentation). The candidates must be closed under
/// prefixes (those of n-gram counts are): a walk stops at the first missing prefix.
/// Keys holding U+FFFF are left out, as a lexicon cannot hold them.
#[derive(Clone)]
pub struct NgramWords {
    pub autonomy: Arc<rustc_hash::FxHashMap<u128, f64>>,
    pub max_len: usize,
    pub bonus: f64,
}

impl NgramWords {
    /// The lookup table of `rows` (packed key, autonomy), keys holding U+FFFF left out.
    pub fn table(rows: &[(u128, f64)]) -> Arc<rustc_hash::FxHashMap<u128, f64>> {
        let mut map = rustc_hash::FxHashMap::with_capacity_and_hasher(rows.len(), Default::default());
        for &(key, a) in rows {
            let n = (key >> 120) as usize;
            if (0..n).all(|i| (key >> (21 * i)) & 0x1F_FFFF != 0xFFFF) {
                map.insert(key, a);
            }
        }
        Arc::new(map)
    }
}

impl Words for NgramWords {
    #[inline]
    fn for_each_word(&self, s: &Sentence<'_>, start: usize, mut f: impl FnMut(usize, f64)) {
        let end = s.chars.len().min(start + self.max_len);
        let mut key: u128 = 0;
        for (i, &c) in s.chars[start..end].iter().enumerate() {
            if c == '\u{ffff}' {
                return;
            }
            key = (key << 21) | c as u128;
            let n = i + 1;
            match self.autonomy.get(&(key | ((n as u128) << 120))) {
                Some(&a) => {
                    let base = n as f64 * a;
                    f(n, if n > 1 { base + n as f64 * self.bonus } else { base });
                }
                None => return,
            }
        }
    }
}

/// crawdad's own walk with a score table by word id: the fallback when a [`SegTrie`]
/// cannot be laid out.
struct TrieWords<'a> {
    trie: &'a crawdad::Trie,
    scores: &'a [f64],
}

impl Words for TrieWords<'_> {
    #[inline]
    fn for_each_word(&self, s: &Sentence<'_>, start: usize, mut f: impl FnMut(usize, f64)) {
        let text = before_end_marker(&s.chars[start..]);
        for (id, len) in self.trie.common_prefix_search(text.iter().copied()) {
            f(len, self.scores[id as usize]);
        }
    }
}

/// nlp-zero `Tokenizer.tokenize` over any scored word source: separator split, Viterbi
/// per piece, optional alphanumeric gluing. Token byte ranges of `sent`.
pub fn tokenize_with<W: Words>(
    sent: &str,
    words: Option<&W>,
    null_score: f64,
    combine: bool,
    scratch: &mut Scratch,
) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    tokenize_into(sent, words, null_score, combine, scratch, &mut out);
    out
}

/// [`tokenize_with`] appending to a reused `out` (cleared first).
pub fn tokenize_into<W: Words>(
    sent: &str,
    words: Option<&W>,
    null_score: f64,
    combine: bool,
    scratch: &mut Scratch,
    out: &mut Vec<Range<usize>>,
) {
    let o = Opts { null_score, combine, atomic_digits: false, symbols: Segmenter::Han };
    tokenize_into_opts(sent, words, o, scratch, out)
}

/// The options of one segmentation (see the fields of [`Tokenizer`]).
#[derive(Clone, Copy)]
pub struct Opts {
    pub null_score: f64,
    pub combine: bool,
    pub atomic_digits: bool,
    pub symbols: Segmenter,
}

/// Whether `c` cuts a sentence into pieces under `symbols` (see [`Tokenizer::symbols`]).
#[inline]
pub fn cuts(symbols: Segmenter, c: char) -> bool {
    match symbols {
        Segmenter::Han => is_separator(c),
        s => !s.is_symbol(c),
    }
}

/// [`tokenize_into`] with every option.
pub fn tokenize_into_opts<W: Words>(
    sent: &str,
    words: Option<&W>,
    o: Opts,
    scratch: &mut Scratch,
    out: &mut Vec<Range<usize>>,
) {
    let Opts { null_score, combine, atomic_digits, symbols } = o;
    out.clear();
    // decode the sentence once; pieces are char ranges of it
    let Scratch { chars, byte_at, codes, score, back } = scratch;
    chars.clear();
    byte_at.clear();
    let mut any_alnum = false;
    for (i, c) in sent.char_indices() {
        chars.push(c);
        byte_at.push(i);
        any_alnum |= c.is_ascii_alphanumeric();
    }
    byte_at.push(sent.len());
    if let Some(w) = words {
        w.prepare(chars, codes);
    }
    let n = chars.len();
    let mut piece_start = 0;
    let mut piece = |from: usize, to: usize, out: &mut Vec<Range<usize>>| {
        let s = Sentence { text: sent, chars: &chars[..to], byte_at, codes };
        segment_piece(&s, from, words, null_score, atomic_digits, score, back, out);
    };
    for k in 0..n {
        if cuts(symbols, chars[k]) {
            if piece_start < k {
                piece(piece_start, k, out);
            }
            out.push(byte_at[k]..byte_at[k + 1]);
            piece_start = k + 1;
        }
    }
    if piece_start < n {
        piece(piece_start, n, out);
    }
    // gluing starts only at a token ending in an ASCII letter or digit
    if combine && any_alnum {
        combine_alnum(sent, out);
    }
}

/// How many starts ahead the trie node of a start's first two characters is prefetched.
const PREFETCH_AHEAD: usize = 2;

/// nlp-zero `simple_tokenize` of the chars `from..` of `s` (its chars end where the piece
/// does; no separators inside), appended to `out`.
#[inline]
#[allow(clippy::too_many_arguments)]
fn segment_piece<W: Words>(
    s: &Sentence<'_>,
    from: usize,
    words: Option<&W>,
    null_score: f64,
    atomic_digits: bool,
    score: &mut Vec<f64>,
    back: &mut Vec<usize>,
    out: &mut Vec<Range<usize>>,
) {
    let n = s.chars.len() - from;
    // score[k], back[k] are for char position from + k; −∞ marks "not reached yet"
    // (every real path score is finite)
    score.clear();
    score.resize(n + 1, f64::NEG_INFINITY);
    back.clear();
    back.resize(n + 1, 0);
    score[0] = 1.0;
    if atomic_digits && s.chars[from..].iter().any(|&c| is_decimal_digit(c)) {
        segment_piece_atomic(s, from, words, null_score, score, back);
    } else {
        for k in 0..n {
            let base = score[k];
            if let Some(words) = words {
                words.prefetch(s, from + k + PREFETCH_AHEAD);
                words.for_each_word(s, from + k, |len, w| {
                    let end = k + len;
                    let sc = base + w;
                    if sc > score[end] {
                        score[end] = sc;
                        back[end] = k;
                    }
                });
            }
            if score[k + 1] == f64::NEG_INFINITY {
                score[k + 1] = base + null_score;
                back[k + 1] = k;
            }
        }
    }
    // walk back from the end, then emit the spans in order
    let first = out.len();
    let mut end = n;
    while end > 0 {
        let start = back[end];
        out.push(s.byte_at[from + start]..s.byte_at[from + end]);
        end = start;
    }
    out[first..].reverse();
}

/// The relaxation of [`segment_piece`] with no boundary between two decimal digits:
/// starts and ends inside a digit run are skipped, and the fallback edge of a run's
/// first digit covers the whole run.
fn segment_piece_atomic<W: Words>(
    s: &Sentence<'_>,
    from: usize,
    words: Option<&W>,
    null_score: f64,
    score: &mut [f64],
    back: &mut [usize],
) {
    let chars = &s.chars[from..];
    let n = chars.len();
    let inside = |k: usize| k > 0 && k < n && is_decimal_digit(chars[k - 1]) && is_decimal_digit(chars[k]);
    for k in 0..n {
        if inside(k) {
            continue;
        }
        let base = score[k];
        if let Some(words) = words {
            words.for_each_word(s, from + k, |len, w| {
                let end = k + len;
                if inside(end) {
                    return;
                }
                let sc = base + w;
                if sc > score[end] {
                    score[end] = sc;
                    back[end] = k;
                }
            });
        }
        let mut next = k + 1;
        while inside(next) {
            next += 1;
        }
        if score[next] == f64::NEG_INFINITY {
            score[next] = base + null_score;
            back[next] = k;
        }
    }
}

/// A token made only of the symbols of `symbols` (an apostrophe alone is no word).
pub(crate) fn is_word_of(symbols: Segmenter, tok: &str) -> bool {
    match symbols {
        Segmenter::Han => tok.chars().all(is_han_char),
        Segmenter::Unicode => tok.chars().all(|c| symbols.is_symbol(c)) && !tok.chars().all(is_apostrophe),
        _ => tok.chars().all(|c| symbols.is_symbol(c)),
    }
}

/// Lines, input bytes and output bytes of a `tokenize_file` run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileStats {
    pub lines: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
}

impl Tokenizer {
    /// Segment `src` line by line into `dst`: tokens joined by one space, one output line
    /// per input line ("\n" endings; a CR before LF is dropped). The input is memory-mapped
    /// and processed in windows of ~32 MB, each split across threads, so memory stays
    /// bounded whatever the file size; `dst` appears only when complete (atomic rename).
    pub fn tokenize_file(&self, src: &Path, dst: &Path, num_threads: Option<usize>, ctl: &Control) -> Result<FileStats> {
        in_pool(num_threads, || {
            let file = SourceFile::open(src)?;
            ctl.stage("validate", file.bytes().len() as u64)?;
            let text = file.text()?;
            ctl.stage("segment", text.len() as u64)?;
            write_atomic_ctl(dst, ctl, |w, tmp| {
                let mut stats = FileStats { bytes_in: text.len() as u64, ..Default::default() };
                let mut write = |outs: Vec<(Vec<u8>, u64)>| -> Result<()> {
                    for (out, lines) in outs {
                        w.write_all(&out).map_err(|e| Error::io(tmp, e))?;
                        stats.lines += lines;
                        stats.bytes_out += out.len() as u64;
                    }
                    crate::util::atomic::flush_and_start_writeback(w).map_err(|e| Error::io(tmp, e))
                };
                // window k is written while window k + 1 is segmented
                let mut pending = Vec::new();
                for window in split_lines(text, 32 << 20) {
                    let jobs = split_lines(window, 256 << 10);
                    let (written, outs) = rayon::join(
                        || write(std::mem::take(&mut pending)),
                        || {
                            jobs.par_iter()
                                .map_init(Scratch::default, |scratch, chunk| {
                                    // once cancelled, skip the rest of the window (the
                                    // advance below then stops the run): Ctrl-C within ms
                                    if ctl.is_cancelled() {
                                        return (Vec::new(), 0);
                                    }
                                    self.segment_lines(chunk, scratch)
                                })
                                .collect::<Vec<(Vec<u8>, u64)>>()
                        },
                    );
                    written?;
                    pending = outs;
                    ctl.advance(window.len() as u64)?;
                }
                write(pending)?;
                Ok(stats)
            })
        })
    }

    /// Token spans of many sentences, in parallel (one scratch buffer per thread).
    pub fn tokenize_batch<S: AsRef<str> + Sync>(&self, lines: &[S], num_threads: Option<usize>) -> Result<Vec<Vec<Range<usize>>>> {
        in_pool(num_threads, || {
            Ok(lines
                .par_iter()
                .with_min_len(64)
                .map_init(Scratch::default, |s, line| self.tokenize_spans(line.as_ref(), s))
                .collect())
        })
    }

    /// nlp-zero `Template_Finder.texts`: cut each line into chunks (runs of
    /// `[\u4e00-\u9fa5 0-9 a-z A-Z]` with `filtering`, else pieces between separators) and
    /// tokenize every non-empty chunk. Returns all tokens flat plus chunk boundaries
    /// (`bounds[k]..bounds[k + 1]` are the tokens of chunk k), in order, in parallel.
    pub fn tokenize_chunks<'a, S: AsRef<str> + Sync>(&self, lines: &'a [S], filtering: bool) -> (Vec<&'a str>, Vec<usize>) {
        let parts: Vec<(Vec<&'a str>, Vec<usize>)> = lines
            .par_chunks(1024)
            .map_init(Scratch::default, |scratch, block| {
                let (mut toks, mut ends) = (Vec::new(), Vec::new());
                for line in block {
                    let line = line.as_ref();
                    let mut emit = |piece: &'a str| {
                        if !piece.is_empty() {
                            for r in self.tokenize_spans(piece, scratch) {
                                toks.push(&piece[r]);
                            }
                            ends.push(toks.len());
                        }
                    };
                    if filtering {
                        // chunks of symbols only: nlp-zero's [\u4e00-\u9fa5 0-9 a-z A-Z] for Han
                        line.split(|c: char| !self.symbols.is_symbol(c)).for_each(&mut emit);
                    } else {
                        line.split(|c: char| cuts(self.symbols, c)).for_each(&mut emit);
                    }
                }
                (toks, ends)
            })
            .collect();
        let mut toks = Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum());
        let mut bounds = vec![0usize];
        for (t, e) in parts {
            let base = toks.len();
            toks.extend(t);
            bounds.extend(e.into_iter().map(|x| x + base));
        }
        (toks, bounds)
    }

    fn segment_lines(&self, chunk: &str, scratch: &mut Scratch) -> (Vec<u8>, u64) {
        /// a token up to this many bytes is copied as one fixed-size block, then the
        /// bytes past it are cut off, instead of by a memcpy call of its length
        const BLOCK: usize = 16;
        let src = chunk.as_bytes();
        // the output is the input plus a space per token: ~1.25× for Chinese text
        let mut out: Vec<u8> = Vec::with_capacity(src.len() + src.len() / 2 + BLOCK);
        let mut lines = 0;
        let mut spans = Vec::new();
        for line in chunk.lines() {
            let at = line.as_ptr() as usize - chunk.as_ptr() as usize;
            self.tokenize_spans_into(line, scratch, &mut spans);
            for span in &spans {
                let (from, len) = (at + span.start, span.len());
                match src.get(from..from + BLOCK).and_then(|b| <&[u8; BLOCK]>::try_from(b).ok()) {
                    Some(block) if len <= BLOCK => {
                        out.extend_from_slice(block);
                        out.truncate(out.len() - (BLOCK - len));
                    }
                    _ => out.extend_from_slice(&src[from..from + len]),
                }
                out.push(b' ');
            }
            // the line's last space becomes its newline
            match out.last_mut() {
                Some(last) if !spans.is_empty() => *last = b'\n',
                _ => out.push(b'\n'),
            }
            lines += 1;
        }
        (out, lines)
    }
}

/// nlp-zero's `log`: ln(x), but −100 for 0.
#[inline]
pub fn ln_or_sentinel(x: u64) -> f64 {
    if x == 0 {
        -100.0
    } else {
        (x as f64).ln()
    }
}

/// nlp-zero `combine_Aa123`, compacting `tokens` in place.
fn combine_alnum(sent: &str, tokens: &mut Vec<Range<usize>>) {
    let mut kept = 0usize;
    let mut combine = false;
    for i in 0..tokens.len() {
        let t = tokens[i].clone();
        let w = &sent[t.clone()];
        let ends_alnum = w.as_bytes().last().is_some_and(|b| b.is_ascii_alphanumeric());
        if ends_alnum {
            if combine {
                if kept > 0 && w.chars().all(|c| c.is_ascii_alphabetic() || c == '.' || is_decimal_digit(c)) {
                    tokens[kept - 1].end = t.end;
                    continue;
                }
                combine = false;
            } else {
                combine = true;
            }
        } else {
            combine = false;
        }
        tokens[kept] = t;
        kept += 1;
    }
    tokens.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tok(words: &[(&str, u64)]) -> Tokenizer {
        Tokenizer::new(Arc::new(Lexicon::from_pairs(words.iter().map(|&(w, c)| (w, c))).unwrap()), -100.0, true)
    }

    #[test]
    fn separators_and_combine() {
        let t = tok(&[("U盘", 5), ("iPhone", 3), ("寸", 9)]);
        let mut s = Scratch::default();
        assert_eq!(
            t.tokenize("买3.5寸U盘和iPhone X，好", &mut s),
            vec!["买", "3", ".", "5", "寸", "U盘", "和", "iPhone", " ", "X", "，", "好"]
        );
        assert_eq!(t.tokenize("abc123def", &mut s), vec!["abc123def"]);
        assert!(t.tokenize("", &mut s).is_empty());
        assert_eq!(t.tokenize("。。", &mut s), vec!["。", "。"]);
    }

    #[test]
    fn atomic_digits_reads_a_number_whole() {
        let mut t = tok(&[("20", 50), ("00年", 40), ("年", 5), ("12月", 9), ("1", 3)]);
        t.combine_alnum = false;
        let mut s = Scratch::default();
        assert_eq!(t.tokenize("2000年", &mut s), vec!["20", "00年"]);
        t.atomic_digits = true;
        // no boundary between two digits: the run is one token, a word may go on past it
        assert_eq!(t.tokenize("2000年", &mut s), vec!["2000", "年"]);
        assert_eq!(t.tokenize("12月x１２３", &mut s), vec!["12月", "x", "１２３"]);
        assert_eq!(t.tokenize("a1b", &mut s), vec!["a", "1", "b"]);
    }

    #[test]
    fn segment_lines_is_tokens_joined_per_line() {
        let t = tok(&[("中国", 5), ("人民", 3), ("Xy", 2), ("很长的一个词语啊", 4)]);
        let mut s = Scratch::default();
        // tokens of 1 to 20+ bytes, a token ending the chunk (no 16 bytes after it), empty
        // lines, CRLF and LF endings, a last line with and without its newline
        let long = "abcdefghijklmnopqrstuvwxyz0123456789";
        for chunk in [
            String::new(),
            "\n".to_string(),
            "中国人民\r\n\n很长的一个词语啊Xy\n".to_string(),
            format!("中国 {long}，人民\n\n{long}"),
            format!("{long}\r\n中国"),
            "中".to_string(),
        ] {
            let want: String = chunk.lines().map(|l| t.tokenize(l, &mut s).join(" ") + "\n").collect();
            let (got, lines) = t.segment_lines(&chunk, &mut s);
            assert_eq!(String::from_utf8(got).unwrap(), want, "{chunk:?}");
            assert_eq!(lines, chunk.lines().count() as u64);
        }
    }

    #[test]
    fn end_marker_char_is_not_part_of_a_word() {
        let t = tok(&[("ab", 5), ("c", 2)]);
        let mut s = Scratch::default();
        assert_eq!(t.tokenize("ab\u{ffff}c", &mut s), vec!["ab", "\u{ffff}", "c"]);
    }

    /// Score of a segmentation as nlp-zero accumulates it.
    fn path_score(t: &Tokenizer, words: &[String]) -> f64 {
        words.iter().fold(1.0, |acc, w| {
            acc + match t.lexicon.id(w) {
                Some(id) => t.scores[id],
                None => t.null_score,
            }
        })
    }

    fn all_segmentations(chars: &[char]) -> Vec<Vec<String>> {
        if chars.is_empty() {
            return vec![vec![]];
        }
        let mut out = Vec::new();
        for k in 1..=chars.len() {
            let head: String = chars[..k].iter().collect();
            for mut rest in all_segmentations(&chars[k..]) {
                rest.insert(0, head.clone());
                out.push(rest);
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// The SegTrie walk segments exactly as crawdad's own walk with the score table.
        #[test]
        fn segtrie_path_equals_crawdad_path(
            text in "[abc世界中。 1x\u{ffff}]{0,40}",
            words in prop::collection::vec(("[abc世界中1x]{1,4}", 1u64..1000), 1..30),
        ) {
            let t = Tokenizer::new(Arc::new(Lexicon::from_pairs(words).unwrap()), -100.0, true);
            prop_assert!(t.seg.is_some());
            let mut s = Scratch::default();
            let fast = t.tokenize_spans(&text, &mut s);
            let trie = TrieWords { trie: t.lexicon.trie().unwrap(), scores: &t.scores };
            let slow = tokenize_with(&text, Some(&trie), t.null_score, true, &mut s);
            prop_assert_eq!(fast, slow);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// Viterbi's path has the best score among all segmentations that use dictionary
        /// words, plus single characters only where no word reaches (brute force).
        #[test]
        fn viterbi_is_optimal(text in "[abcd]{1,9}", words in prop::collection::vec(("[abcd]{1,3}", 1u64..50), 1..8)) {
            let t = Tokenizer::new(Arc::new(Lexicon::from_pairs(words.clone()).unwrap()), -100.0, false);
            let mut s = Scratch::default();
            let got: Vec<String> = t.tokenize(&text, &mut s).into_iter().map(String::from).collect();
            prop_assert_eq!(got.concat(), text.clone());
            let chars: Vec<char> = text.chars().collect();
            let best = all_segmentations(&chars)
                .into_iter()
                .filter(|seg| seg.iter().all(|w| t.lexicon.id(w).is_some() || w.chars().count() == 1))
                .map(|seg| path_score(&t, &seg))
                .fold(f64::NEG_INFINITY, f64::max);
            let mine = path_score(&t, &got);
            // the fallback rule may forbid the unconstrained optimum only through
            // single chars the DAG never offers; with a reachable dictionary path the
            // result is optimal up to float rounding
            prop_assert!(mine <= best + 1e-9);
            if chars.iter().all(|c| t.lexicon.id(&c.to_string()).is_some()) {
                prop_assert!((mine - best).abs() < 1e-9, "mine {} best {}", mine, best);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// With `atomic_digits`, no token ends between two digits, and the path is the best
        /// of all segmentations with that property whose tokens are words or, for the
        /// pieces no word covers, one character or one digit run (brute force).
        #[test]
        fn atomic_digits_is_optimal_among_digit_respecting_paths(
            text in "[ab12]{1,9}",
            words in prop::collection::vec(("[ab12]{1,3}", 1u64..50), 1..8),
        ) {
            let mut t = Tokenizer::new(Arc::new(Lexicon::from_pairs(words.clone()).unwrap()), -100.0, false);
            t.atomic_digits = true;
            let mut s = Scratch::default();
            let got: Vec<String> = t.tokenize(&text, &mut s).into_iter().map(String::from).collect();
            prop_assert_eq!(got.concat(), text.clone());
            let respects = |seg: &[String]| seg.windows(2).all(|w| {
                !(w[0].chars().last().unwrap().is_ascii_digit() && w[1].chars().next().unwrap().is_ascii_digit())
            });
            prop_assert!(respects(&got), "{:?}", got);
            let chars: Vec<char> = text.chars().collect();
            let fallback = |w: &str| w.chars().count() == 1 || w.chars().all(|c| c.is_ascii_digit());
            let best = all_segmentations(&chars)
                .into_iter()
                .filter(|seg| respects(seg) && seg.iter().all(|w| t.lexicon.id(w).is_some() || fallback(w)))
                .map(|seg| path_score(&t, &seg))
                .fold(f64::NEG_INFINITY, f64::max);
            prop_assert!(path_score(&t, &got) <= best + 1e-9);
        }
    }
}
