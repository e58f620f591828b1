//! `CorpusIndex`: the encoded corpus with its suffix array and LCP array, built in memory
//! or memory-mapped from disk.
//!
//! On-disk format (one file, `index.mfi`, inside the index directory)
//! - A little-endian header (256 bytes in format 1, 512 in format 2): magic `MINENTIX`,
//!   format version, symbol width, segmenter, lengths, a table of sections (offset, byte
//!   length, xxh3-64), and the xxh3-64 of the header itself in its last 8 bytes.
//! - Sections, each 64-byte aligned so they can be used in place from the map: vocabulary
//!   (u32 code points, ascending), character counts (u64, id 0 = separators), text
//!   (u16/u32 symbols), suffix array (u32), LCP (u16), source list (UTF-8 lines); format
//!   2 adds the file names (UTF-8 lines), a source table (8 u64 per source), the marks and
//!   the source bytes themselves ([`crate::index::origin`]): the text can be shown.
//!   Format 1 files still open; what needs the text says to rebuild them.
//! - Written to a temporary file in the same directory, fsynced and renamed, so a crash
//!   leaves either the old index or the new one, never a file that loads half-written.
//! - Opening checks the header and every section length; with `verify` (the default) the
//!   checksums too, so a bit flip is reported as a corrupt index rather than producing
//!   wrong answers or out-of-range reads.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use memmap2::Mmap;
use rayon::prelude::*;
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

use crate::index::corpus::{self, Segmenter, SourceFile, Symbol};
use crate::index::origin::{Mark, Origin, SourceText};
use crate::index::sa;
use crate::util::atomic::write_atomic_ctl;
use crate::util::control::Control;
use crate::util::error::{Error, Result};
use crate::util::pool::in_pool;

pub const INDEX_FILE: &str = "index.mfi";
pub const FORMAT_VERSION: u32 = 2;
const MAGIC: &[u8; 8] = b"MINENTIX";
const ALIGN: usize = 64;

/// (header bytes, sections) of each format version this build reads.
fn layout(version: u32) -> Option<(usize, usize)> {
    match version {
        1 => Some((256, 6)),
        2 => Some((512, 10)),
        _ => None,
    }
}

/// A typed array that is either owned or lives inside a shared read-only map.
pub(crate) enum Store<T: bytemuck::Pod> {
    Owned(Vec<T>),
    Mapped { map: Arc<Mmap>, offset: usize, len: usize, _t: PhantomData<T> },
}

impl<T: bytemuck::Pod> Default for Store<T> {
    fn default() -> Self {
        Store::Owned(Vec::new())
    }
}

impl<T: bytemuck::Pod> Store<T> {
    #[inline]
    pub(crate) fn as_slice(&self) -> &[T] {
        match self {
            Store::Owned(v) => v,
            Store::Mapped { map, offset, len, .. } => {
                // Offsets are checked to be 64-byte aligned and in bounds at open time and
                // maps are page aligned, so this cast cannot fail.
                bytemuck::cast_slice(&map[*offset..*offset + *len * std::mem::size_of::<T>()])
            }
        }
    }
}

pub(crate) enum Text {
    U16(Store<u16>),
    U32(Store<u32>),
}

/// Run `$body` with `$t` bound to the text as `&[u16]` or `&[u32]`.
macro_rules! with_text {
    ($index:expr, $t:ident => $body:expr) => {
        match &$index.text {
            $crate::index::Text::U16(store) => {
                let $t = store.as_slice();
                $body
            }
            $crate::index::Text::U32(store) => {
                let $t = store.as_slice();
                $body
            }
        }
    };
}
pub(crate) use with_text;

pub struct CorpusIndex {
    pub(crate) segmenter: Segmenter,
    /// id − 1 → character, ascending code points.
    pub(crate) vocab: Vec<char>,
    /// id → count; id 0 counts separators (= segments).
    pub(crate) char_counts: Vec<u64>,
    /// buckets[id]..buckets[id + 1] is the suffix-array range of suffixes starting with id.
    pub(crate) buckets: Vec<usize>,
    pub(crate) text: Text,
    pub(crate) sa: Store<u32>,
    pub(crate) lcp: Store<u16>,
    pub(crate) sources: Vec<String>,
    /// The file of each source (without a shard's byte range).
    pub(crate) files: Vec<String>,
    /// The text it was built from; None for a format-1 file.
    pub(crate) origin: Option<Origin>,
    pub(crate) path: Option<PathBuf>,
}

impl CorpusIndex {
    /// Build an index of `paths` in memory.
    pub fn build(paths: &[PathBuf], segmenter: Segmenter, num_threads: Option<usize>, ctl: &Control) -> Result<Self> {
        Self::build_ranges(paths, &[], segmenter, num_threads, ctl)
    }

    /// Build an index of byte ranges of files (one shard of a larger corpus): `ranges[i]`
    /// is the range of `paths[i]`, `None` or a missing entry for the whole file.
    pub fn build_ranges(
        paths: &[PathBuf],
        ranges: &[Option<(u64, u64)>],
        segmenter: Segmenter,
        num_threads: Option<usize>,
        ctl: &Control,
    ) -> Result<Self> {
        in_pool(num_threads, || Self::build_in_pool(paths, ranges, segmenter, num_threads, ctl))
    }

    fn build_in_pool(
        paths: &[PathBuf],
        ranges: &[Option<(u64, u64)>],
        segmenter: Segmenter,
        num_threads: Option<usize>,
        ctl: &Control,
    ) -> Result<Self> {
        let files: Vec<SourceFile> = paths
            .iter()
            .enumerate()
            .map(|(i, p)| SourceFile::open_range(p, ranges.get(i).copied().flatten()))
            .collect::<Result<_>>()?;
        let total: u64 = files.iter().map(|f| f.bytes().len() as u64).sum();
        ctl.stage("validate", total)?;
        let mut texts = Vec::with_capacity(files.len());
        for f in &files {
            texts.push(f.text()?);
            ctl.advance(f.bytes().len() as u64)?;
        }
        let at_start: Vec<bool> = files.iter().map(|f| f.start() == 0).collect();
        let counts = corpus::count_chars(&texts, &at_start, segmenter, ctl)?;
        let vocab: Vec<char> = counts
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 0)
            .filter_map(|(cp, _)| char::from_u32(cp as u32))
            .collect();
        let mut id_of = vec![0u32; counts.len()];
        let mut char_counts = vec![0u64; vocab.len() + 1];
        for (i, &c) in vocab.iter().enumerate() {
            id_of[c as usize] = i as u32 + 1;
            char_counts[i + 1] = counts[c as usize];
        }
        drop(counts);
        let alphabet = vocab.len() + 1;
        let sources = paths
            .iter()
            .enumerate()
            .map(|(i, p)| match ranges.get(i).copied().flatten() {
                Some((a, b)) => format!("{} [bytes {a}..{b}]", p.display()),
                None => p.display().to_string(),
            })
            .collect();
        let origin = |starts: Vec<u64>, marks: Vec<Mark>| Origin {
            sources: files
                .iter()
                .zip(starts)
                .map(|(f, enc_start)| SourceText {
                    raw: f.store(),
                    enc_start,
                    first_line: f.lines_before(),
                    at_file_start: f.start() == 0,
                })
                .collect(),
            marks: Store::Owned(marks),
            utf8: std::sync::OnceLock::from(true),
            buckets: std::sync::OnceLock::new(),
        };
        let mut index = if alphabet <= u16::MAX as usize + 1 {
            let (text, starts, marks) = corpus::encode::<u16>(&texts, &at_start, segmenter, &id_of, ctl)?;
            let (sa, lcp) = sa::build_sa_lcp(&text, alphabet, num_threads, ctl)?;
            Self::assemble(segmenter, vocab, char_counts, Text::U16(Store::Owned(text)), sa, lcp, sources)
                .with_origin(origin(starts, marks))
        } else {
            let (text, starts, marks) = corpus::encode::<u32>(&texts, &at_start, segmenter, &id_of, ctl)?;
            let (sa, lcp) = sa::build_sa_lcp(&text, alphabet, num_threads, ctl)?;
            Self::assemble(segmenter, vocab, char_counts, Text::U32(Store::Owned(text)), sa, lcp, sources)
                .with_origin(origin(starts, marks))
        };
        index.files = paths.iter().map(|p| p.display().to_string()).collect();
        index.char_counts[0] = with_text!(index, t => t.iter().filter(|s| s.id() == 0).count() as u64);
        index.buckets = buckets_from_counts(&index.char_counts);
        Ok(index)
    }

    fn assemble(
        segmenter: Segmenter,
        vocab: Vec<char>,
        char_counts: Vec<u64>,
        text: Text,
        sa: Vec<u32>,
        lcp: Vec<u16>,
        sources: Vec<String>,
    ) -> Self {
        CorpusIndex {
            segmenter,
            vocab,
            char_counts,
            buckets: Vec::new(),
            text,
            sa: Store::Owned(sa),
            lcp: Store::Owned(lcp),
            sources,
            files: Vec::new(),
            origin: None,
            path: None,
        }
    }

    fn with_origin(mut self, origin: Origin) -> Self {
        self.origin = Some(origin);
        self
    }

    pub fn segmenter(&self) -> Segmenter {
        self.segmenter
    }
    /// Characters in segments (separators not counted).
    pub fn num_chars(&self) -> u64 {
        self.char_counts.iter().skip(1).sum()
    }
    pub fn num_segments(&self) -> u64 {
        self.char_counts.first().copied().unwrap_or(0)
    }
    pub fn vocab_size(&self) -> usize {
        self.vocab.len()
    }
    /// Length of the encoded text, separators included.
    pub fn text_len(&self) -> usize {
        self.sa.as_slice().len()
    }
    pub fn sources(&self) -> &[String] {
        &self.sources
    }
    /// Record other names for the sources (one per source, in order): the names a user
    /// gave for inputs that were read through a temporary copy (stdin, a pipe, a
    /// compressed file), which is gone once the index is built.
    pub fn rename_sources(&mut self, names: Vec<String>) -> Result<()> {
        if names.len() != self.sources.len() {
            return Err(Error::arg(format!("{} source names for {} sources", names.len(), self.sources.len())));
        }
        if names.iter().any(|n| n.contains('\n')) {
            return Err(Error::arg("a source name cannot contain a newline"));
        }
        self.files = names.clone();
        self.sources = names;
        Ok(())
    }
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
    /// (character, count) for every character of the corpus, by code point.
    pub fn char_counts(&self) -> Vec<(char, u64)> {
        self.vocab.iter().copied().zip(self.char_counts.iter().skip(1).copied()).collect()
    }

    // ---------------------------------------------------------------- persistence

    /// Write the index into directory `dir` (created if needed) atomically.
    pub fn save(&self, dir: &Path, ctl: &Control) -> Result<PathBuf> {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let dest = dir.join(INDEX_FILE);
        write_atomic_ctl(&dest, ctl, |w, tmp| self.write_file(w, tmp, FORMAT_VERSION, ctl))?;
        Ok(dest)
    }

    /// Save in the old format 1 (no text), as an older minent_fast did: for tests of
    /// reading old files.
    #[doc(hidden)]
    pub fn save_format1(&self, dir: &Path) -> Result<PathBuf> {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let dest = dir.join(INDEX_FILE);
        let ctl = Control::new();
        write_atomic_ctl(&dest, &ctl, |w, tmp| self.write_file(w, tmp, 1, &ctl))?;
        Ok(dest)
    }

    fn write_file(&self, w: &mut BufWriter<File>, tmp: &Path, version: u32, ctl: &Control) -> Result<()> {
        let vocab: Vec<u32> = self.vocab.iter().map(|&c| c as u32).collect();
        let sources = self.sources.join("\n");
        let files = self.files.join("\n");
        let text_bytes: &[u8] = with_text!(self, t => bytemuck::cast_slice(t));
        let (header_len, num_sections) = layout(version).ok_or_else(|| Error::arg(format!("no index format {version}")))?;
        let origin = match &self.origin {
            Some(o) => o,
            None if version == 1 => &Origin::default(),
            None => {
                return Err(Error::arg("this index was opened from a format-1 file, which has no text: rebuild it to save it"))
            }
        };
        let table: Vec<u64> = origin
            .sources
            .iter()
            .flat_map(|s| [s.enc_start, s.raw.as_slice().len() as u64, s.first_line, s.at_file_start as u64, 0, 0, 0, 0])
            .collect();
        let raw: Vec<&[u8]> = origin.sources.iter().map(|s| s.raw.as_slice()).collect();
        // each section is a list of pieces written one after the other
        let mut sections: Vec<Vec<&[u8]>> = vec![
            vec![bytemuck::cast_slice(&vocab)],
            vec![bytemuck::cast_slice(&self.char_counts)],
            vec![text_bytes],
            vec![bytemuck::cast_slice(self.sa.as_slice())],
            vec![bytemuck::cast_slice(self.lcp.as_slice())],
            vec![sources.as_bytes()],
            vec![files.as_bytes()],
            vec![bytemuck::cast_slice(&table)],
            vec![bytemuck::cast_slice(origin.marks.as_slice())],
            raw,
        ];
        sections.truncate(num_sections);
        let lens: Vec<usize> = sections.iter().map(|s| s.iter().map(|p| p.len()).sum()).collect();
        let total: u64 = lens.iter().map(|&l| l as u64).sum();
        ctl.stage("write", total)?;
        // each checksum covers its section and the zero padding after it
        let sums: Vec<u64> = sections
            .par_iter()
            .zip(&lens)
            .map(|(pieces, &len)| {
                let mut h = Xxh3::new();
                for p in pieces {
                    h.update(p);
                }
                h.update(&[0u8; ALIGN][..align_up(len) - len]);
                h.digest()
            })
            .collect();

        let mut header = vec![0u8; header_len];
        header[0..8].copy_from_slice(MAGIC);
        put_u32(&mut header, 8, version);
        put_u32(&mut header, 12, with_text!(self, t => width_of(t)));
        put_u32(&mut header, 16, self.segmenter.code());
        put_u64(&mut header, 24, self.text_len() as u64);
        put_u64(&mut header, 32, self.num_chars());
        put_u64(&mut header, 40, self.num_segments());
        put_u64(&mut header, 48, self.vocab.len() as u64);
        let mut offset = header_len;
        for (i, &len) in lens.iter().enumerate() {
            let at = 64 + i * 24;
            put_u64(&mut header, at, offset as u64);
            put_u64(&mut header, at + 8, len as u64);
            put_u64(&mut header, at + 16, sums[i]);
            offset = align_up(offset + len);
        }
        put_u64(&mut header, 56, offset as u64); // total file length
        let hsum = xxh3_64(&header[..header_len - 8]);
        put_u64(&mut header, header_len - 8, hsum);

        let io = |e| Error::io(tmp, e);
        w.write_all(&header).map_err(io)?;
        let mut written = header_len;
        for (pieces, &len) in sections.iter().zip(&lens) {
            for p in pieces {
                for block in p.chunks(16 << 20) {
                    w.write_all(block).map_err(io)?;
                    ctl.advance(block.len() as u64)?;
                }
            }
            written += len;
            let pad = align_up(written) - written;
            w.write_all(&[0u8; ALIGN][..pad]).map_err(io)?;
            written += pad;
        }
        ctl.check() // (write_atomic_ctl publishes nothing once cancelled)
    }

    /// Memory-map a saved index. `path` is the index directory (or the index file itself).
    pub fn open(path: &Path, verify: bool, ctl: &Control) -> Result<Self> {
        let file_path = if path.is_dir() { path.join(INDEX_FILE) } else { path.to_path_buf() };
        let file = File::open(&file_path).map_err(|e| Error::io(&file_path, e))?;
        let len = file.metadata().map_err(|e| Error::io(&file_path, e))?.len() as usize;
        let bad = |reason: String| Error::corrupt(&file_path, reason);
        if len < 256 {
            return Err(bad(format!("file is {len} bytes, shorter than any index header")));
        }
        // SAFETY: read-only map of a file we never write in place (saves use rename).
        let map = Arc::new(unsafe { Mmap::map(&file) }.map_err(|e| Error::io(&file_path, e))?);
        if &map[0..8] != MAGIC {
            return Err(bad("not a minent_fast index (bad magic)".into()));
        }
        let version = get_u32(&map, 8);
        let Some((header_len, num_sections)) = layout(version) else {
            return Err(bad(format!(
                "format version {version}; this build reads versions 1 to {FORMAT_VERSION} (a newer minent_fast wrote it?)"
            )));
        };
        if len < header_len {
            return Err(bad(format!("file is {len} bytes, shorter than the {header_len}-byte header")));
        }
        let h = &map[..header_len];
        if xxh3_64(&h[..header_len - 8]) != get_u64(h, header_len - 8) {
            return Err(bad("header checksum mismatch".into()));
        }
        let file_len = get_u64(h, 56) as usize;
        if file_len != len {
            return Err(bad(format!("file is {len} bytes, the header says {file_len} (truncated or padded)")));
        }
        let width = get_u32(h, 12) as usize;
        let segmenter = Segmenter::from_code(get_u32(h, 16)).ok_or_else(|| bad("unknown segmenter".into()))?;
        let n = get_u64(h, 24) as usize;
        let num_chars = get_u64(h, 32);
        let num_segments = get_u64(h, 40);
        let v = get_u64(h, 48) as usize;
        if width != 2 && width != 4 {
            return Err(bad(format!("symbol width {width}")));
        }
        if n > sa::MAX_SYMBOLS || v > 0x110000 || (width == 2 && v > u16::MAX as usize) {
            return Err(bad("lengths out of range".into()));
        }
        let expected = [4 * v, 8 * (v + 1), width * n, 4 * n, 2 * n];
        let mut sections = Vec::with_capacity(num_sections);
        for i in 0..num_sections {
            let at = 64 + i * 24;
            let (off, slen, sum) = (get_u64(h, at) as usize, get_u64(h, at + 8) as usize, get_u64(h, at + 16));
            if off % ALIGN != 0 || off < header_len || off.checked_add(slen).is_none_or(|end| end > len) {
                return Err(bad(format!("section {i} lies outside the file (truncated?)")));
            }
            if i < expected.len() && slen != expected[i] {
                return Err(bad(format!("section {i} has {slen} bytes, expected {}", expected[i])));
            }
            sections.push((off, slen, sum));
        }
        if verify {
            let total = sections.iter().map(|s| s.1 as u64).sum();
            ctl.stage("verify", total)?;
            let bad_section = sections.par_iter().enumerate().find_map_any(|(i, &(off, slen, sum))| {
                let end = (off + align_up(slen)).min(map.len());
                (xxh3_64(&map[off..end]) != sum).then_some(i)
            });
            if let Some(i) = bad_section {
                return Err(bad(format!("checksum mismatch in section {i}")));
            }
        }
        let (voff, vlen, _) = sections[0];
        let raw_vocab: &[u8] = &map[voff..voff + vlen];
        let mut vocab = Vec::with_capacity(v);
        for c in raw_vocab.chunks_exact(4) {
            let cp = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            let ch = char::from_u32(cp).ok_or_else(|| bad(format!("invalid code point {cp:#x}")))?;
            if vocab.last().is_some_and(|&last| last >= ch) {
                return Err(bad("vocabulary not sorted".into()));
            }
            vocab.push(ch);
        }
        let (coff, clen, _) = sections[1];
        let char_counts: Vec<u64> = map[coff..coff + clen]
            .chunks_exact(8)
            .map(|b| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
            .collect();
        let sum: u64 = char_counts.iter().sum();
        if sum != n as u64 || char_counts[0] != num_segments || sum - char_counts[0] != num_chars {
            return Err(bad("character counts disagree with the header".into()));
        }
        let lines_of = |i: usize, what: &str| -> Result<Vec<String>> {
            let (off, slen, _) = sections[i];
            Ok(std::str::from_utf8(&map[off..off + slen])
                .map_err(|_| bad(format!("{what} is not UTF-8")))?
                .split('\n')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect())
        };
        let sources = lines_of(5, "source list")?;
        let (files, origin) = if version >= 2 {
            let files = lines_of(6, "file list")?;
            let (toff, tlen, _) = sections[7];
            if tlen != 64 * sources.len() || files.len() != sources.len() {
                return Err(bad("source table disagrees with the source list".into()));
            }
            let table: Vec<u64> = map[toff..toff + tlen].chunks_exact(8).map(le_u64).collect();
            let (moff, mlen, _) = sections[8];
            if mlen % std::mem::size_of::<Mark>() != 0 {
                return Err(bad(format!("text map has {mlen} bytes, not a whole number of marks")));
            }
            let (roff, rlen, _) = sections[9];
            let mut at = roff;
            let mut texts = Vec::with_capacity(sources.len());
            for row in table.chunks_exact(8) {
                let (enc_start, raw_len) = (row[0], row[1] as usize);
                if enc_start > n as u64 || at + raw_len > roff + rlen {
                    return Err(bad("source table points outside the file".into()));
                }
                texts.push(SourceText {
                    raw: Store::Mapped { map: map.clone(), offset: at, len: raw_len, _t: PhantomData },
                    enc_start,
                    first_line: row[2],
                    at_file_start: row[3] != 0,
                });
                at += raw_len;
            }
            if at != roff + rlen {
                return Err(bad("source table disagrees with the stored text's length".into()));
            }
            let utf8 = std::sync::OnceLock::new();
            if verify {
                let _ = utf8.set(true); // the checksums passed: the bytes are the ones written
            }
            let marks: Store<Mark> =
                Store::Mapped { map: map.clone(), offset: moff, len: mlen / std::mem::size_of::<Mark>(), _t: PhantomData };
            if marks.as_slice().last().is_some_and(|m| m.pos >= n as u64) {
                return Err(bad("text map points past the text".into()));
            }
            (files, Some(Origin { sources: texts, marks, utf8, buckets: std::sync::OnceLock::new() }))
        } else {
            (sources.clone(), None)
        };
        let mapped = |i: usize, elem: usize| -> (usize, usize) { (sections[i].0, sections[i].1 / elem) };
        let (toff, tlen) = mapped(2, width);
        let text = if width == 2 {
            Text::U16(Store::Mapped { map: map.clone(), offset: toff, len: tlen, _t: PhantomData })
        } else {
            Text::U32(Store::Mapped { map: map.clone(), offset: toff, len: tlen, _t: PhantomData })
        };
        let (aoff, alen) = mapped(3, 4);
        let (loff, llen) = mapped(4, 2);
        let buckets = buckets_from_counts(&char_counts);
        Ok(CorpusIndex {
            segmenter,
            vocab,
            char_counts,
            buckets,
            text,
            sa: Store::Mapped { map: map.clone(), offset: aoff, len: alen, _t: PhantomData },
            lcp: Store::Mapped { map, offset: loff, len: llen, _t: PhantomData },
            sources,
            files,
            origin,
            path: Some(file_path),
        })
    }
}

fn buckets_from_counts(counts: &[u64]) -> Vec<usize> {
    let mut b = Vec::with_capacity(counts.len() + 1);
    let mut acc = 0usize;
    b.push(0);
    for &c in counts {
        acc += c as usize;
        b.push(acc);
    }
    b
}

fn width_of<S: Symbol>(_: &[S]) -> u32 {
    S::WIDTH
}

fn align_up(x: usize) -> usize {
    x.div_ceil(ALIGN) * ALIGN
}

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}
fn put_u64(b: &mut [u8], at: usize, v: u64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}
fn get_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
fn le_u64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    u64::from_le_bytes(a)
}
fn get_u64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}
