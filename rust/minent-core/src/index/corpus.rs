//! Reading corpora: memory-mapped UTF-8 files cut into segments and mapped to dense ids.
//!
//! Design notes
//! - Files are memory-mapped read-only and validated as UTF-8 up front, so a bad byte is
//!   reported with its file and offset before any work is done, and nothing of the corpus
//!   is ever copied into Python.
//! - A *segment* is a stretch of text that no n-gram may cross. `han` keeps runs of
//!   `[\u4e00-\u9fa5 0-9 a-z A-Z]` (exactly nlp-zero's filter, so character and pair counts
//!   match `Word_Finder.train`); `line` keeps whole lines (CR before LF and a leading BOM
//!   dropped).
//! - The encoded text is one array of symbols: characters get ids 1..=V in code-point order
//!   (so suffix-array order is Python string order), and every segment is followed by the
//!   separator 0. Symbols are `u16` while V < 65,536 (every real Chinese corpus seen so
//!   far) and `u32` beyond, halving the text in the common case.
//! - Both passes (counting, encoding) work on ~8 MiB chunks in parallel with rayon; chunks
//!   end after a newline where possible, so a CR LF pair is never split.

use std::fs::File;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use memmap2::Mmap;
use rayon::prelude::*;

use crate::index::origin::{Mark, MARK_EVERY};
use crate::index::Store;
use crate::util::control::Control;
use crate::util::error::{Error, Result};
use crate::util::ordered::OrderedCounts;

/// How text is cut into segments that no n-gram crosses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segmenter {
    /// Runs of `[\u4e00-\u9fa5 0-9 a-z A-Z]`; everything else separates (nlp-zero's filter).
    Han,
    /// One segment per line.
    Line,
    /// Any script: letters, marks and digits (Unicode general categories L, M, N) are
    /// symbols, and so is an apostrophe (' or ’) between two of them ("don't"); every
    /// other character (space, punctuation, symbols) ends a segment.
    Unicode,
    /// Every character but whitespace is a symbol, each line one segment; whitespace inside
    /// a line is skipped (phonemic transcriptions, DNA, code).
    All,
}

impl Segmenter {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "han" => Ok(Segmenter::Han),
            "line" => Ok(Segmenter::Line),
            "unicode" => Ok(Segmenter::Unicode),
            "all" => Ok(Segmenter::All),
            other => Err(Error::arg(format!(
                "unknown segmenter {other:?}: expected \"han\", \"unicode\", \"all\" or \"line\""
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Segmenter::Han => "han",
            Segmenter::Line => "line",
            Segmenter::Unicode => "unicode",
            Segmenter::All => "all",
        }
    }

    /// Whether `c` can be part of a segment (apostrophes: see [`Segmenter::Unicode`]).
    #[inline]
    pub fn is_symbol(self, c: char) -> bool {
        match self {
            Segmenter::Han => is_han_char(c),
            Segmenter::Line => c != '\n',
            Segmenter::Unicode => is_word_char(c) || is_apostrophe(c),
            Segmenter::All => !c.is_whitespace(),
        }
    }

    pub(crate) fn code(self) -> u32 {
        match self {
            Segmenter::Han => 1,
            Segmenter::Line => 2,
            Segmenter::Unicode => 3,
            Segmenter::All => 4,
        }
    }

    pub(crate) fn from_code(code: u32) -> Option<Self> {
        match code {
            1 => Some(Segmenter::Han),
            2 => Some(Segmenter::Line),
            3 => Some(Segmenter::Unicode),
            4 => Some(Segmenter::All),
            _ => None,
        }
    }
}

/// nlp-zero's chunking class `[\u4e00-\u9fa50-9a-zA-Z]`.
#[inline]
pub fn is_han_char(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fa5}' | '0'..='9' | 'a'..='z' | 'A'..='Z')
}

/// A letter, mark or digit of any script (general categories L, M, N).
#[inline]
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    let u = c as u32;
    if u < 0x1_0000 {
        // the Basic Multilingual Plane from a bitmap (8 KiB): the category lookup is a
        // binary search, and this test runs for every character of every pass
        let bits = BMP_WORD_CHARS.get_or_init(|| {
            let mut bits = vec![0u64; 0x1_0000 / 64].into_boxed_slice();
            for u in 0..0x1_0000u32 {
                if char::from_u32(u).is_some_and(word_category) {
                    bits[(u / 64) as usize] |= 1 << (u % 64);
                }
            }
            bits
        });
        return bits[(u / 64) as usize] >> (u % 64) & 1 == 1;
    }
    word_category(c)
}

static BMP_WORD_CHARS: std::sync::OnceLock<Box<[u64]>> = std::sync::OnceLock::new();

#[inline]
fn word_category(c: char) -> bool {
    use unicode_properties::{GeneralCategoryGroup as G, UnicodeGeneralCategory};
    matches!(c.general_category_group(), G::Letter | G::Mark | G::Number)
}

/// An apostrophe that joins the two halves of a word ("don't", "l’eau").
#[inline]
pub fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// A memory-mapped, UTF-8-validated input file.
pub struct SourceFile {
    pub path: PathBuf,
    map: Option<Arc<Mmap>>,
    /// The byte range of the file this source covers (a shard may be part of a file).
    start: usize,
    end: usize,
}

impl SourceFile {
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_range(path, None)
    }

    /// Open bytes `start..end` of `path` (the whole file for `None`). A range must start
    /// and end at character boundaries (shards are cut just after a newline); one that
    /// does not is reported as invalid UTF-8 at its first bad byte, in file offsets.
    pub fn open_range(path: &Path, range: Option<(u64, u64)>) -> Result<Self> {
        // Only a regular file can be mapped: a pipe, FIFO or device would map as empty
        // (and opening a FIFO would block), so they are refused here, before opening; the
        // Python layer reads them into a temporary file first.
        let kind = std::fs::metadata(path).map_err(|e| Error::io(path, e))?.file_type();
        if kind.is_dir() {
            return Err(Error::io(path, std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory")));
        }
        if !kind.is_file() {
            return Err(Error::arg(format!(
                "{}: not a regular file (a pipe, device or socket cannot be memory-mapped; \
                 minent_fast's Python API and CLI read those through a temporary copy)",
                path.display()
            )));
        }
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let meta = file.metadata().map_err(|e| Error::io(path, e))?;
        // An empty file cannot be mapped; it is simply an empty text.
        let map = if meta.len() == 0 {
            None
        } else {
            // SAFETY: read-only map; we document that inputs must not be truncated while
            // being indexed (the same contract as every mmap-based tool).
            Some(Arc::new(unsafe { Mmap::map(&file) }.map_err(|e| Error::io(path, e))?))
        };
        let len = meta.len();
        let (start, end) = match range {
            None => (0, len),
            Some((s, e)) if s <= e && e <= len => (s, e),
            Some((s, e)) => {
                return Err(Error::arg(format!(
                    "{}: byte range {s}..{e} is not inside the file ({len} bytes)",
                    path.display()
                )))
            }
        };
        Ok(SourceFile { path: path.to_path_buf(), map, start: start as usize, end: end as usize })
    }

    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().map_or(&[], |m| &m[self.start..self.end])
    }

    /// Where this source starts in its file (0 unless it is a byte range).
    pub fn start(&self) -> usize {
        self.start
    }

    /// The lines of the file before this source's first byte.
    pub fn lines_before(&self) -> u64 {
        self.map.as_deref().map_or(0, |m| memchr::memchr_iter(b'\n', &m[..self.start]).count() as u64)
    }

    /// This source's bytes as a store that shares the map.
    pub(crate) fn store(&self) -> Store<u8> {
        match &self.map {
            Some(m) => Store::Mapped { map: m.clone(), offset: self.start, len: self.end - self.start, _t: PhantomData },
            None => Store::Owned(Vec::new()),
        }
    }

    /// Drop the mapped pages of bytes `from..to` of this source from the process's
    /// resident set (they stay in the page cache; a later read faults them back in). A pass
    /// over a multi-GB file calls it behind itself: otherwise every page it read counts in
    /// its RSS until the kernel needs the memory, so a 4 GB corpus "used" 4 GB more.
    pub(crate) fn release(&self, from: usize, to: usize) {
        #[cfg(unix)]
        if let Some(map) = &self.map {
            const PAGE: usize = 4096;
            let (a, b) = ((self.start + from).div_ceil(PAGE) * PAGE, ((self.start + to).min(map.len()) / PAGE) * PAGE);
            if a < b {
                // SAFETY: a read-only, shared mapping of a file: MADV_DONTNEED only unmaps the
                // pages, and the next access reads the same bytes back from the file's page
                // cache; nothing writes through this mapping. (The contract of every mmap here
                // stands: the file must not change while it is read.) An error is ignored:
                // the pages then simply stay resident.
                let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, a, b - a) };
            }
        }
        #[cfg(not(unix))]
        let _ = (from, to);
    }

    /// The file as `&str`, or `InvalidUtf8` with the offset of the first bad byte.
    pub fn text(&self) -> Result<&str> {
        let bytes = self.bytes();
        // Validate in parallel blocks (SIMD); on failure, re-check sequentially from the
        // start of the failing block to report the exact first offset.
        const BLOCK: usize = 16 << 20;
        let starts: Vec<usize> = char_block_starts(bytes, BLOCK);
        let bad = starts.par_iter().enumerate().find_map_first(|(i, &s)| {
            let e = starts.get(i + 1).copied().unwrap_or(bytes.len());
            let bad = simdutf8::basic::from_utf8(&bytes[s..e]).err().map(|_| s);
            self.release(s, e); // the caller's pass faults them back in as it goes
            bad
        });
        match bad {
            // SAFETY: every block is valid UTF-8 and a concatenation of valid UTF-8
            // strings is valid UTF-8.
            None => Ok(unsafe { std::str::from_utf8_unchecked(bytes) }),
            Some(s) => {
                let err = std::str::from_utf8(&bytes[s..]).err();
                let offset = self.start + s + err.map(|e| e.valid_up_to()).unwrap_or(0);
                Err(Error::InvalidUtf8 { path: self.path.clone(), offset: offset as u64 })
            }
        }
    }
}

/// Block starts at roughly `block` bytes apart, moved forward to the next byte that is
/// not a UTF-8 continuation byte (so valid text is never cut inside a character).
fn char_block_starts(bytes: &[u8], block: usize) -> Vec<usize> {
    let mut starts = vec![0];
    let mut pos = block;
    while pos < bytes.len() {
        let mut p = pos;
        while p < bytes.len() && p < pos + 4 && (bytes[p] & 0xC0) == 0x80 {
            p += 1;
        }
        if p < bytes.len() && p > *starts.last().unwrap_or(&0) {
            starts.push(p);
        }
        pos += block;
    }
    starts
}

/// Cut valid UTF-8 text into chunks of about `target` bytes, each ending just after a
/// newline when one is near, else at a character boundary that does not split "\r\n".
pub(crate) fn split_chunks(text: &str, target: usize) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let want = start + target;
        if want >= bytes.len() {
            out.push(&text[start..]);
            break;
        }
        // prefer the first newline within the next `target` bytes
        let window_end = (want + target).min(bytes.len());
        let mut end = match bytes[want..window_end].iter().position(|&b| b == b'\n') {
            Some(p) => want + p + 1,
            None => {
                let mut e = want;
                while !text.is_char_boundary(e) {
                    e += 1;
                }
                if e > start + 1 && bytes[e - 1] == b'\r' {
                    e -= 1;
                }
                e
            }
        };
        if end <= start {
            end = bytes.len();
        }
        out.push(&text[start..end]);
        start = end;
    }
    out
}

/// Cut text into pieces of about `target` bytes that each end just after a newline (or at
/// the end of the text); a line longer than `target` is one piece of its own.
pub(crate) fn split_lines(text: &str, target: usize) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let want = (start + target.max(1)).min(bytes.len());
        let end = match bytes[want - 1..].iter().position(|&b| b == b'\n') {
            Some(p) => want - 1 + p + 1,
            None => bytes.len(),
        };
        out.push(&text[start..end]);
        start = end;
    }
    out
}

/// Count what `per_line` adds for every line of `paths`, reading each file through its
/// memory map in windows of 32 MB cut into 1 MB chunks counted in parallel (each with
/// its own `init()` state); keys keep their first-occurrence order. Reports progress
/// as stage `stage` and stops at a cancellation.
pub(crate) fn count_lines<S>(
    paths: &[PathBuf],
    stage: &str,
    ctl: &Control,
    init: impl Fn() -> S + Sync + Send,
    per_line: impl Fn(&mut S, &str, &mut OrderedCounts) + Sync + Send,
) -> Result<Vec<(String, u64)>> {
    let files: Vec<SourceFile> = paths.iter().map(|p| SourceFile::open(p)).collect::<Result<_>>()?;
    let mut total = OrderedCounts::default();
    ctl.stage(stage, files.iter().map(|f| f.bytes().len() as u64).sum())?;
    for f in &files {
        let text = f.text()?;
        for window in split_lines(text, 32 << 20) {
            let parts: Vec<OrderedCounts> = split_lines(window, 1 << 20)
                .par_iter()
                .map_init(&init, |state, chunk| {
                    let mut local = OrderedCounts::default();
                    for line in chunk.lines() {
                        per_line(state, line, &mut local);
                    }
                    local
                })
                .collect();
            for p in parts {
                total.merge(p);
            }
            let done = window.as_ptr() as usize - text.as_ptr() as usize + window.len();
            f.release(0, done);
            ctl.advance(window.len() as u64)?;
        }
    }
    Ok(total.into_entries())
}

/// What a segmenter makes of one character of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A symbol of a segment.
    Sym,
    /// A segment boundary (runs of them collapse into one separator).
    Sep,
    /// Neither: skipped inside a segment (whitespace with `all`, the CR of CR LF with `line`).
    Skip,
}

/// Walk `text[start..end]` through `seg`, calling `emit(offset, c, kind)` for each
/// character (a BOM at the very start of a file, `at_file_start && start == 0`, is not
/// reported) until `emit` returns false. Characters outside the range are looked at
/// where a decision needs them (an apostrophe's neighbours, the LF after a CR), so the
/// result never depends on where the text was cut into chunks.
#[inline]
pub(crate) fn walk(
    text: &str,
    start: usize,
    end: usize,
    seg: Segmenter,
    at_file_start: bool,
    mut emit: impl FnMut(usize, char, Kind) -> bool,
) {
    let rest = &text[start..];
    let mut chars = rest.char_indices().peekable();
    if at_file_start && start == 0 && rest.starts_with('\u{feff}') {
        chars.next();
    }
    let limit = end - start;
    let mut prev_word = text[..start].chars().next_back().is_some_and(is_word_char);
    while let Some((i, c)) = chars.next() {
        if i >= limit {
            break;
        }
        let kind = match seg {
            Segmenter::Han => {
                if is_han_char(c) {
                    Kind::Sym
                } else {
                    Kind::Sep
                }
            }
            Segmenter::Line => match c {
                '\n' => Kind::Sep,
                '\r' if chars.peek().is_some_and(|&(_, n)| n == '\n') => Kind::Skip,
                _ => Kind::Sym,
            },
            Segmenter::Unicode => {
                let word = is_word_char(c);
                let kind = if word || (is_apostrophe(c) && prev_word && chars.peek().is_some_and(|&(_, n)| is_word_char(n))) {
                    Kind::Sym
                } else {
                    Kind::Sep
                };
                prev_word = word;
                kind
            }
            Segmenter::All => {
                if c == '\n' {
                    Kind::Sep
                } else if c.is_whitespace() {
                    Kind::Skip
                } else {
                    Kind::Sym
                }
            }
        };
        if !emit(start + i, c, kind) {
            break;
        }
    }
}

// small in unit tests, so that chunk borders fall everywhere in small texts
const CHUNK: usize = if cfg!(test) { 48 } else { 8 << 20 };
const NUM_CODEPOINTS: usize = 0x110000;

/// Per-code-point counts of segment characters over all sources.
/// `at_start[i]`: text `i` begins its file (a leading BOM is dropped only there; a shard
/// that starts mid-file keeps a U+FEFF at its start, as the whole file's index does).
/// Missing entries count as true.
pub(crate) fn count_chars(texts: &[&str], at_start: &[bool], seg: Segmenter, ctl: &Control) -> Result<Vec<u64>> {
    let jobs = chunk_jobs(texts, at_start);
    ctl.stage("count chars", total_bytes(texts))?;
    let merged = jobs
        .par_iter()
        .try_fold(
            || vec![0u64; NUM_CODEPOINTS],
            |mut acc, &(text, a, b, first)| {
                walk(text, a, b, seg, first, |_, c, kind| {
                    if kind == Kind::Sym {
                        acc[c as usize] += 1;
                    }
                    true
                });
                ctl.advance((b - a) as u64)?;
                Ok(acc)
            },
        )
        .try_reduce(
            || vec![0u64; NUM_CODEPOINTS],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                Ok(a)
            },
        )?;
    Ok(merged)
}

/// (text, start, end, text starts its file) for every chunk of every text.
fn chunk_jobs<'a>(texts: &[&'a str], at_start: &[bool]) -> Vec<(&'a str, usize, usize, bool)> {
    let mut jobs = Vec::new();
    for (k, &t) in texts.iter().enumerate() {
        let file_start = at_start.get(k).copied().unwrap_or(true);
        for (a, b) in chunk_ranges(t) {
            jobs.push((t, a, b, file_start));
        }
    }
    jobs
}

/// The byte ranges of `split_chunks(text, CHUNK)`.
fn chunk_ranges(text: &str) -> Vec<(usize, usize)> {
    let base = text.as_ptr() as usize;
    split_chunks(text, CHUNK)
        .into_iter()
        .map(|c| {
            let a = c.as_ptr() as usize - base;
            (a, a + c.len())
        })
        .collect()
}

fn total_bytes(texts: &[&str]) -> u64 {
    texts.iter().map(|t| t.len() as u64).sum()
}

/// A symbol of the encoded text: `u16` or `u32` ids, 0 = segment separator.
pub trait Symbol: Copy + Send + Sync + Eq + Ord + bytemuck::Pod + 'static {
    const WIDTH: u32;
    fn from_id(id: u32) -> Self;
    fn id(self) -> u32;
}

impl Symbol for u16 {
    const WIDTH: u32 = 2;
    #[inline]
    fn from_id(id: u32) -> Self {
        id as u16
    }
    #[inline]
    fn id(self) -> u32 {
        self as u32
    }
}

impl Symbol for u32 {
    const WIDTH: u32 = 4;
    #[inline]
    fn from_id(id: u32) -> Self {
        id
    }
    #[inline]
    fn id(self) -> u32 {
        self
    }
}

/// Encode all sources into one symbol array: each segment followed by a single 0, no
/// leading 0, and (when non-empty) ending with 0. `id_of[cp]` maps code points to ids.
/// Returns the map back to the text too: where each text's symbols start, and a mark
/// every [`MARK_EVERY`] symbols or fewer (see [`crate::index::origin`]).
pub(crate) fn encode<S: Symbol>(
    texts: &[&str],
    at_start: &[bool],
    seg: Segmenter,
    id_of: &[u32],
    ctl: &Control,
) -> Result<(Vec<S>, Vec<u64>, Vec<Mark>)> {
    ctl.stage("encode", total_bytes(texts))?;
    let mut out: Vec<S> = Vec::new();
    let mut starts = Vec::with_capacity(texts.len());
    let mut marks: Vec<Mark> = Vec::new();
    for (k, &text) in texts.iter().enumerate() {
        let file_start = at_start.get(k).copied().unwrap_or(true);
        starts.push(out.len() as u64);
        let parts: Vec<EncodedChunk<S>> = chunk_ranges(text)
            .par_iter()
            .enumerate()
            .map(|(i, &(a, b))| {
                let part = encode_chunk(text, a, b, seg, file_start, i == 0, id_of);
                ctl.advance((b - a) as u64)?;
                Ok(part)
            })
            .collect::<Result<_>>()?;
        // (line, column) where the next chunk starts, counted from the text's start
        let (mut line, mut col) = (0u64, 0u64);
        for part in parts {
            let skip_first = part.symbols.first().is_some_and(|s| s.id() == 0) && out.last().is_none_or(|s| s.id() == 0);
            let base = out.len() as u64;
            for m in &part.marks {
                if skip_first && m.pos == 0 {
                    continue;
                }
                let (l, c) = if m.line == 0 { (line, col + m.col) } else { (line + m.line, m.col) };
                marks.push(Mark { pos: base + m.pos - skip_first as u64, raw: m.raw, line: l, col: c });
            }
            (line, col) = if part.lines == 0 { (line, col + part.tail_col) } else { (line + part.lines, part.tail_col) };
            out.extend_from_slice(&part.symbols[skip_first as usize..]);
        }
        // a file boundary ends a segment
        if out.last().is_some_and(|s| s.id() != 0) {
            out.push(S::from_id(0));
        }
    }
    out.shrink_to_fit();
    marks.shrink_to_fit();
    Ok((out, starts, marks))
}

/// One encoded chunk, with marks in chunk-local positions, lines and columns.
struct EncodedChunk<S> {
    symbols: Vec<S>,
    marks: Vec<Mark>,
    /// Newlines in the chunk, and characters after its last newline (or in all of it).
    lines: u64,
    tail_col: u64,
}

fn encode_chunk<S: Symbol>(
    text: &str,
    a: usize,
    b: usize,
    seg: Segmenter,
    file_start: bool,
    text_start: bool,
    id_of: &[u32],
) -> EncodedChunk<S> {
    let mut symbols: Vec<S> = Vec::with_capacity((b - a) / 2);
    let mut marks = Vec::with_capacity((b - a) / MARK_EVERY / 2);
    // at a text's start a run of separators never makes a 0 (the text before ends with one)
    let mut cur = Cursor::new(text_start);
    walk(text, a, b, seg, file_start && text_start, |off, c, kind| {
        if cur.emits(kind) {
            if symbols.len() % MARK_EVERY == 0 {
                marks.push(Mark { pos: symbols.len() as u64, raw: off as u64, line: cur.line, col: cur.col });
            }
            symbols.push(S::from_id(if kind == Kind::Sym { id_of[c as usize] } else { 0 }));
        }
        cur.advance(c);
        true
    });
    EncodedChunk { symbols, marks, lines: cur.line, tail_col: cur.col }
}

/// The encoder's rules as it walks a text: which characters make an encoded position (a
/// symbol, or the first boundary after a symbol) and the line and column reached. Shared
/// by [`encode`] and the walk back from a mark ([`crate::index::origin`]), which must
/// count exactly alike.
pub(crate) struct Cursor {
    /// The last position made was a separator (or none yet at a text's start).
    last_sep: bool,
    /// Lines and column (characters since the last newline) before the next character.
    pub line: u64,
    pub col: u64,
}

impl Cursor {
    /// A cursor at a text's start (`at_start`: a boundary there makes no separator) or
    /// at a position the encoder made.
    pub(crate) fn new(at_start: bool) -> Self {
        Cursor { last_sep: at_start, line: 0, col: 0 }
    }

    /// Whether a character of `kind` makes the next encoded position.
    #[inline]
    pub(crate) fn emits(&mut self, kind: Kind) -> bool {
        match kind {
            Kind::Sym => {
                self.last_sep = false;
                true
            }
            Kind::Sep if !self.last_sep => {
                self.last_sep = true;
                true
            }
            _ => false,
        }
    }

    /// Move past character `c`.
    #[inline]
    pub(crate) fn advance(&mut self, c: char) {
        if c == '\n' {
            self.line += 1;
            self.col = 0;
        } else {
            self.col += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_chars_match_their_categories_everywhere() {
        for u in 0..=0x10_ffffu32 {
            if let Some(c) = char::from_u32(u) {
                let want = if c.is_ascii() { c.is_ascii_alphanumeric() } else { word_category(c) };
                assert_eq!(is_word_char(c), want, "U+{u:04X}");
            }
        }
    }

    #[test]
    fn chunks_cover_text_and_keep_crlf() {
        let text = "ab\r\ncd\r\n".repeat(1000) + "末尾";
        for target in [1, 2, 3, 5, 7, 64] {
            let chunks = split_chunks(&text, target);
            assert_eq!(chunks.concat(), text);
            for w in chunks.windows(2) {
                assert!(!(w[0].ends_with('\r') && w[1].starts_with('\n')));
            }
        }
    }

    #[test]
    fn line_pieces_end_at_newlines() {
        let text = "一二三\n".repeat(50) + &"长".repeat(1000) + "\n尾";
        for target in [1, 5, 64, 10_000] {
            let pieces = split_lines(&text, target);
            assert_eq!(pieces.concat(), text);
            for p in &pieces[..pieces.len() - 1] {
                assert!(p.ends_with('\n'));
            }
        }
    }

    #[test]
    fn encode_collapses_separators() {
        let ctl = Control::new();
        let mut id_of = vec![0u32; NUM_CODEPOINTS];
        id_of['a' as usize] = 1;
        id_of['b' as usize] = 2;
        let (v, starts, _): (Vec<u16>, _, _) = encode(&["..a.b..", "", "ab"], &[], Segmenter::Han, &id_of, &ctl).unwrap();
        assert_eq!(starts, vec![0, 4, 4]);
        assert_eq!(v, vec![1, 0, 2, 0, 1, 2, 0]);
        let (v, _, _): (Vec<u16>, _, _) = encode(&["a\r\n\r\nb\n", "\u{feff}a"], &[], Segmenter::Line, &id_of, &ctl).unwrap();
        assert_eq!(v, vec![1, 0, 2, 0, 1, 0]);
    }
}
