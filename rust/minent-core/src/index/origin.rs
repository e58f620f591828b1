//! The original text inside an index, and the way back to it from a suffix-array hit.
//!
//! The encoded text drops what is not a symbol (punctuation, spaces, line ends), so a
//! position in it says nothing about lines or about the characters a reader sees. An
//! index (format 2) therefore keeps the bytes it was built from, per source, and a
//! *mark* every [`MARK_EVERY`] encoded positions or fewer: the position, the byte offset
//! of the character that made it, and that character's line and column. A hit is placed
//! by walking the segmenter forward from the mark before it, at most `MARK_EVERY`
//! symbols. On disk this costs the source bytes plus 32 bytes per mark (about half a
//! byte per character); an index built from a pipe or a compressed file, whose source
//! is gone, can still show its text.

use std::sync::OnceLock;

use crate::index::corpus::{walk, Cursor, Segmenter};
use crate::index::Store;
use crate::util::error::{Error, Result};

/// At most this many encoded positions lie between two marks of one chunk.
pub(crate) const MARK_EVERY: usize = if cfg!(test) { 5 } else { 64 };

/// Where encoded position `pos` came from: byte `raw` of its source, on line `line`
/// (0-based, counted from the source's start) at column `col` (characters from the
/// line's start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(C)]
pub(crate) struct Mark {
    pub pos: u64,
    pub raw: u64,
    pub line: u64,
    pub col: u64,
}

// SAFETY: four u64 fields in a repr(C) struct: no padding, every bit pattern valid.
unsafe impl bytemuck::Zeroable for Mark {}
unsafe impl bytemuck::Pod for Mark {}

/// One source's text and where it sits.
pub(crate) struct SourceText {
    /// The bytes indexed (a byte range of the file for a shard).
    pub raw: Store<u8>,
    /// Its first encoded position.
    pub enc_start: u64,
    /// The line of its first byte in its file (0 unless a range starts mid-file).
    pub first_line: u64,
    /// It starts its file (a BOM there is not text).
    pub at_file_start: bool,
}

#[derive(Default)]
pub(crate) struct Origin {
    pub sources: Vec<SourceText>,
    pub marks: Store<Mark>,
    /// Set once the raw bytes are known to be UTF-8 (at build, or checked on first use
    /// after an open without verification).
    pub utf8: OnceLock<bool>,
    /// `buckets[b]`: the number of marks before position `b << BUCKET_BITS`, so that a
    /// lookup searches the few marks of one bucket (made on first use).
    pub buckets: OnceLock<Vec<u32>>,
}

const BUCKET_BITS: u32 = 12;

/// A hit placed in its source: `start..end` are its bytes in the source's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub source: u32,
    /// 1-based line in the source file.
    pub line: u64,
    /// Characters from the line's start to the hit.
    pub col: u64,
    pub start: usize,
    pub end: usize,
}

impl Origin {
    /// The text of source `k` (validated as UTF-8 on first use when it was not built here
    /// or verified by checksum).
    pub(crate) fn text(&self, k: usize) -> Result<&str> {
        let ok = *self.utf8.get_or_init(|| {
            use rayon::prelude::*;
            self.sources.par_iter().all(|s| simdutf8::basic::from_utf8(s.raw.as_slice()).is_ok())
        });
        if !ok {
            return Err(Error::arg("the index's stored text is not UTF-8 (the index file is corrupt)"));
        }
        // SAFETY: checked just above (or the bytes came from validated sources or passed
        // their checksums, which set the flag to true).
        Ok(unsafe { std::str::from_utf8_unchecked(self.sources[k].raw.as_slice()) })
    }

    fn corrupt() -> Error {
        Error::arg("the index's text map does not match its text (the index file is corrupt)")
    }

    /// Place the `len` symbols starting at encoded position `pos` (inside one segment).
    pub(crate) fn place(&self, seg: Segmenter, pos: u64, len: usize) -> Result<Place> {
        let k = self.sources.partition_point(|s| s.enc_start <= pos).checked_sub(1).ok_or_else(Self::corrupt)?;
        let src = &self.sources[k];
        let text = self.text(k)?;
        let marks = self.marks.as_slice();
        let buckets = self.buckets.get_or_init(|| {
            let n = marks.last().map_or(0, |m| (m.pos >> BUCKET_BITS) as usize + 1);
            let mut b = Vec::with_capacity(n + 1);
            let mut i = 0usize;
            for k in 0..=n as u64 {
                while i < marks.len() && marks[i].pos < k << BUCKET_BITS {
                    i += 1;
                }
                b.push(i as u32);
            }
            b
        });
        // marks[lo..hi] holds every mark of pos's bucket; the one before pos is in it or is lo - 1
        let b = (pos >> BUCKET_BITS) as usize;
        let lo = buckets.get(b).map_or(marks.len(), |&i| i as usize);
        let hi = buckets.get(b + 1).map_or(marks.len(), |&i| i as usize).max(lo);
        // marks are MARK_EVERY apart but at chunk starts: guess, then step to the first mark after pos
        let mut m = (lo + ((pos - ((b as u64) << BUCKET_BITS)) as usize) / MARK_EVERY).min(hi);
        while m > lo && marks[m - 1].pos > pos {
            m -= 1;
        }
        while m < hi && marks[m].pos <= pos {
            m += 1;
        }
        // from the mark before `pos` if it lies in this source, else from the source's start
        let (mut at, raw, mut cur) = match m.checked_sub(1).map(|i| marks[i]) {
            Some(mk) if mk.pos >= src.enc_start => {
                let mut cur = Cursor::new(false);
                (cur.line, cur.col) = (mk.line, mk.col);
                (mk.pos, mk.raw as usize, cur)
            }
            _ => (src.enc_start, 0, Cursor::new(true)),
        };
        if raw > text.len() || !text.is_char_boundary(raw) {
            return Err(Self::corrupt());
        }
        let last = pos + len.max(1) as u64 - 1;
        let mut found: Option<Place> = None;
        walk(text, raw, text.len(), seg, src.at_file_start && raw == 0, |off, c, kind| {
            if cur.emits(kind) {
                if at == pos {
                    let line = src.first_line + cur.line + 1;
                    found = Some(Place { source: k as u32, line, col: cur.col, start: off, end: off });
                }
                if at == last {
                    if let Some(p) = found.as_mut() {
                        p.end = off + c.len_utf8();
                    }
                    return false;
                }
                at += 1;
            }
            cur.advance(c);
            true
        });
        match found {
            Some(p) if p.end > p.start => Ok(p),
            _ => Err(Self::corrupt()),
        }
    }

    /// Up to `width` characters before byte `start` and after byte `end` of source `k`'s
    /// text, within the line (the CR of a CR LF and a file's BOM are not shown).
    pub(crate) fn context(&self, k: usize, start: usize, end: usize, width: usize) -> Result<(&str, &str)> {
        let text = self.text(k)?;
        let lo = if self.sources[k].at_file_start && text.starts_with('\u{feff}') { 3 } else { 0 };
        let mut a = start;
        for (n, (i, c)) in text[..start].char_indices().rev().enumerate() {
            if n == width || c == '\n' || i < lo {
                break;
            }
            a = i;
        }
        let mut b = end;
        for (n, (i, c)) in text[end..].char_indices().enumerate() {
            if n == width || c == '\n' {
                break;
            }
            if c == '\r' && text[end + i + 1..].starts_with('\n') {
                break;
            }
            b = end + i + c.len_utf8();
        }
        Ok((&text[a..start], &text[end..b]))
    }
}
