//! The nVBE autonomy of [`super::autonomy`] within a memory budget: exact statistics of
//! the whole corpus, for the candidates of a sample of it, read partition by partition.
//!
//! Design notes
//! - Only candidates need a row. Discovery segments a sample of at most 64 MB by autonomy,
//!   so it needs the autonomy of that sample's n-grams; the rest of the corpus adds to
//!   their counts, their extensions and the per-length means and deviations, and to
//!   nothing else. So memory holds one row per candidate, not per n-gram of the corpus.
//! - Every occurrence is one key: its next `max_len + 1` characters, each as code point + 1
//!   in 21 bits, 0 past the segment's end — a suffix cut at that depth. Sorted, the keys give
//!   every n-gram's count and right extensions in one scan, the way the LCP intervals of a
//!   suffix array do ([`crate::stats::branching`]), with the same sums in the same order
//!   (extensions by code point). The left side is the same scan over keys read backwards.
//! - A partition is a range of first characters whose occurrences fit `key_memory`. An
//!   n-gram, its right extensions and the n-gram minus its last character all start with
//!   the same character, so δ_right is complete inside one partition; δ_left likewise by
//!   the last character, over the backward keys. A character more frequent than a partition
//!   holds gets a partition of its own (the one case where `key_memory` is exceeded).
//! - Keys to a partition: with a spill directory (and room in it), one pass over the corpus
//!   appends every key to the run file of its partition, and each partition then reads its
//!   file back (16 bytes an occurrence, one direction at a time, each file deleted once
//!   read): the corpus is decoded once per direction, so the time is linear in its size.
//!   Without one, or with fewer than [`RUNS_FROM`] partitions (where re-reading is the
//!   cheaper), each partition re-reads and re-decodes the corpus (no disk).
//! - The per-length means and deviations are exact fixed-point sums
//!   ([`super::autonomy::Moments`]), so the order of partitions does not change them, and
//!   [`super::autonomy::autonomy_keys`] uses the same sums: on a sample that is the corpus,
//!   the two give identical floats (tested).

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use super::autonomy::Moments;
use crate::index::corpus::{is_apostrophe, split_lines, walk, Kind, Segmenter, SourceFile};
use crate::stats::branching::{pack_chars, MAX_KEY_CHARS};
use crate::util::control::Control;
use crate::util::error::{Error, Result};
use crate::util::pool::in_pool;

const BITS: u32 = 21;
const FIELD: u128 = (1 << BITS) - 1;
const KEY_BYTES: u64 = std::mem::size_of::<u128>() as u64;
const WINDOW: usize = 8 << 20; // bytes read before the pages behind are dropped
const PIECE: usize = 1 << 20; // bytes a thread turns into keys at a time (cut after a newline)
/// Partitions per direction from which run files pay. Writing and reading a direction's
/// keys (16 bytes a character, through the page cache to disk) cost about seven re-reads
/// of the corpus on the machine of docs/scaling.md: 1 GB in 2 partitions a side 58 s
/// against 40 s re-reading, 4 GB in 7 a side 187 s against 189 s, 1 GB in 14 a side 45 s
/// against 67 s.
pub const RUNS_FROM: usize = 8;

/// Where the keys of the partitions may wait on disk: a directory the caller owns (and
/// removes), and the bytes free in it. Runs are written only if one direction's keys take
/// at most nine tenths of `free`.
#[derive(Debug, Clone)]
pub struct Spill {
    pub dir: PathBuf,
    pub free: u64,
}

/// The autonomy of every n-gram of 1..=max_len characters of `candidates` (files, a sample
/// of the corpus) that occurs in `corpus` at least `min_count` times, from the statistics
/// of the whole of `corpus`: the rows [`super::autonomy_keys`] gives for those n-grams,
/// computed in partitions of at most `key_memory` bytes of keys (16 bytes an occurrence),
/// through run files in `spill` from [`RUNS_FROM`] partitions a side, when they fit there.
/// Sorted by key.
#[allow(clippy::too_many_arguments)]
pub fn autonomy_of_candidates(
    corpus: &[PathBuf],
    candidates: &[PathBuf],
    segmenter: Segmenter,
    max_len: usize,
    min_count: u64,
    key_memory: u64,
    spill: Option<&Spill>,
    num_threads: Option<usize>,
    ctl: &Control,
) -> Result<Vec<(u128, f64)>> {
    if max_len == 0 || max_len >= MAX_KEY_CHARS {
        return Err(Error::arg(format!("max_len must be in 1..={}", MAX_KEY_CHARS - 1)));
    }
    let lay = Layout { depth: max_len + 1 };
    in_pool(num_threads, || {
        let (corpus_files, sample_files) = (open_all(corpus)?, open_all(candidates)?);
        let (corpus, sample) = (Files::new(&corpus_files)?, Files::new(&sample_files)?);
        let mut freq = corpus.histogram(segmenter, ctl)?;
        for (s, n) in sample.histogram(segmenter, ctl)? {
            *freq.entry(s).or_default() += n;
        }
        let total: u64 = freq.values().sum();
        let parts = partitions(freq, (key_memory / KEY_BYTES).max(1));
        let spill = spill.filter(|sp| parts.len() >= RUNS_FROM && total.saturating_mul(KEY_BYTES) <= sp.free / 10 * 9);
        let mut rows: Vec<Row> = Vec::new();
        let mut moments = [[Moments::default(); MAX_KEY_CHARS + 1]; 2];
        for forward in [true, false] {
            let side = usize::from(!forward);
            let runs = match spill {
                Some(sp) => Some(corpus.spill(segmenter, lay, &parts, forward, &sp.dir, ctl)?),
                None => None,
            };
            for (k, &(lo, hi, n)) in parts.iter().enumerate() {
                let keys = sample.keys(segmenter, true, lay, lo, hi, forward, 0, ctl)?;
                let cands = lay.candidates(&keys, max_len);
                drop(keys);
                let keys = match &runs {
                    Some(runs) => read_run(&runs[k], ctl)?,
                    None => corpus.keys(segmenter, false, lay, lo, hi, forward, n as usize, ctl)?,
                };
                let (found, m) = scan(&keys, &cands, lay, max_len, min_count, ctl)?;
                drop(keys);
                for (a, b) in moments[side].iter_mut().zip(&m) {
                    a.merge(b);
                }
                if forward {
                    rows.extend(found.into_iter().map(|(i, d)| Row {
                        key: lay.packed(cands[i as usize], true),
                        right: d,
                        left: f64::NAN,
                    }));
                } else {
                    let mut found: Vec<(u128, f64)> =
                        found.into_iter().map(|(i, d)| (lay.packed(cands[i as usize], false), d)).collect();
                    found.par_sort_unstable_by_key(|r| r.0);
                    let at: Vec<Option<usize>> =
                        found.par_iter().map(|r| rows.binary_search_by_key(&r.0, |x| x.key).ok()).collect();
                    for (i, (_, d)) in at.into_iter().zip(found) {
                        if let Some(i) = i {
                            rows[i].left = d;
                        }
                    }
                }
            }
            if forward {
                rows.par_sort_unstable_by_key(|r| r.key);
            }
        }
        let z: Vec<[(f64, f64); 2]> = (0..=MAX_KEY_CHARS).map(|n| [moments[0][n].mean_sd(), moments[1][n].mean_sd()]).collect();
        Ok(rows
            .into_iter()
            .filter(|r| !r.left.is_nan())
            .map(|r| {
                let [(mr, sr), (ml, sl)] = z[(r.key >> 120) as usize];
                (r.key, (r.right - mr) / sr + (r.left - ml) / sl)
            })
            .collect())
    })
}

/// A candidate with its δ_right and δ_left (NaN until the backward pass finds it).
struct Row {
    key: u128,
    right: f64,
    left: f64,
}

/// Keys of `depth` fields of 21 bits, the first field highest.
#[derive(Clone, Copy)]
struct Layout {
    depth: usize,
}

impl Layout {
    #[inline]
    fn shift(self, j: usize) -> u32 {
        BITS * (self.depth - 1 - j) as u32
    }

    #[inline]
    fn field(self, key: u128, j: usize) -> u32 {
        ((key >> self.shift(j)) & FIELD) as u32
    }

    /// The key cut to its first `n` fields (n ≥ 1).
    #[inline]
    fn prefix(self, key: u128, n: usize) -> u128 {
        key & !((1u128 << self.shift(n - 1)) - 1)
    }

    /// How many leading fields `a` and `b` share.
    #[inline]
    fn common(self, a: u128, b: u128) -> usize {
        let x = a ^ b;
        if x == 0 {
            return self.depth;
        }
        let top = 127 - x.leading_zeros(); // highest differing bit
        self.depth - 1 - (top / BITS) as usize
    }

    /// The key of the occurrence at `buf[i]`: the symbols from i on (`forward`) or from i
    /// back, up to the segment's end (a 0 in `buf`).
    #[inline]
    fn key_at(self, buf: &[u32], i: usize, forward: bool) -> u128 {
        let mut key = 0u128;
        for j in 0..self.depth {
            let s = if forward { buf.get(i + j).copied() } else { i.checked_sub(j).map(|k| buf[k]) };
            match s {
                Some(s) if s != 0 => key |= (s as u128) << self.shift(j),
                _ => break,
            }
        }
        key
    }

    /// The distinct n-grams (1..=max_len fields) of sorted `keys`, as prefixes, sorted.
    fn candidates(self, keys: &[u128], max_len: usize) -> Vec<u128> {
        let mut out = Vec::new();
        let mut prev: Option<u128> = None;
        for &k in keys {
            let l = prev.map_or(0, |p| self.common(p, k));
            for n in l + 1..=max_len {
                if self.field(k, n - 1) == 0 {
                    break;
                }
                out.push(self.prefix(k, n));
            }
            prev = Some(k);
        }
        out
    }

    /// A prefix as [`pack_chars`] packs the n-gram: in its order (`forward`) or reversed
    /// (a backward key spells the n-gram from its end).
    fn packed(self, key: u128, forward: bool) -> u128 {
        let mut chars: Vec<char> = (0..self.depth)
            .map(|j| self.field(key, j))
            .take_while(|&s| s != 0)
            .map(|s| char::from_u32(s - 1).unwrap_or('\u{fffd}'))
            .collect();
        if !forward {
            chars.reverse();
        }
        pack_chars(chars)
    }
}

/// Ranges of symbols (code point + 1) whose occurrences add up to at most `cap` each (a
/// symbol above `cap` alone), with their occurrences; in symbol order.
fn partitions(freq: HashMap<u32, u64>, cap: u64) -> Vec<(u32, u32, u64)> {
    let mut syms: Vec<(u32, u64)> = freq.into_iter().collect();
    syms.sort_unstable();
    let mut out: Vec<(u32, u32, u64)> = Vec::new();
    for (s, n) in syms {
        match out.last_mut() {
            Some(last) if last.2 + n <= cap => {
                last.1 = s;
                last.2 += n;
            }
            _ => out.push((s, s, n)),
        }
    }
    out
}

/// Open files for [`Files`]: mapped, not yet checked.
fn open_all(paths: &[PathBuf]) -> Result<Vec<SourceFile>> {
    paths.iter().map(|p| SourceFile::open(p)).collect()
}

/// The corpus files with their text, UTF-8 checked once (every pass reads the same `&str`).
struct Files<'a> {
    files: &'a [SourceFile],
    texts: Vec<&'a str>,
}

impl<'a> Files<'a> {
    fn new(files: &'a [SourceFile]) -> Result<Self> {
        let texts = files.iter().map(|f| f.text()).collect::<Result<_>>()?;
        Ok(Files { files, texts })
    }

    fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes().len() as u64).sum()
    }

    /// `per_piece` of the symbols of every piece of about 1 MB (cut after a newline, which
    /// ends a segment under every discovery segmenter), in parallel, handed to `sink` in
    /// order; the pages read are dropped from the resident set behind each window.
    /// `loose`: an apostrophe is a symbol wherever it is (the tokenizer's context-free rule,
    /// [`Segmenter::is_symbol`]) rather than only between two letters.
    fn for_each<T: Send>(
        &self,
        seg: Segmenter,
        loose: bool,
        ctl: &Control,
        per_piece: impl Fn(&[u32]) -> T + Sync,
        mut sink: impl FnMut(T) -> Result<()>,
    ) -> Result<()> {
        for (f, &text) in self.files.iter().zip(&self.texts) {
            let base = text.as_ptr() as usize;
            let at_start = f.start() == 0;
            for window in split_lines(text, WINDOW) {
                let parts: Vec<T> = split_lines(window, PIECE)
                    .par_iter()
                    .map(|piece| {
                        let a = piece.as_ptr() as usize - base;
                        let mut buf: Vec<u32> = Vec::with_capacity(piece.len() / 2 + 2);
                        buf.push(0);
                        walk(text, a, a + piece.len(), seg, at_start, |_, c, kind| {
                            let loose_sym = loose && seg == Segmenter::Unicode && is_apostrophe(c);
                            match if loose_sym { Kind::Sym } else { kind } {
                                Kind::Sym => buf.push(c as u32 + 1),
                                Kind::Sep if buf.last() != Some(&0) => buf.push(0),
                                _ => {}
                            }
                            true
                        });
                        if buf.last() != Some(&0) {
                            buf.push(0);
                        }
                        per_piece(&buf)
                    })
                    .collect();
                parts.into_iter().try_for_each(&mut sink)?;
                let done = window.as_ptr() as usize - base + window.len();
                f.release(0, done);
                ctl.advance(window.len() as u64)?;
            }
        }
        Ok(())
    }

    /// Occurrences of every symbol.
    fn histogram(&self, seg: Segmenter, ctl: &Control) -> Result<HashMap<u32, u64>> {
        ctl.stage("count chars", self.bytes())?;
        let mut total: HashMap<u32, u64> = HashMap::default();
        self.for_each(
            seg,
            false,
            ctl,
            |buf| {
                let mut h: HashMap<u32, u64> = HashMap::default();
                buf.iter().filter(|&&s| s != 0).for_each(|&s| *h.entry(s).or_default() += 1);
                h
            },
            |h| {
                h.into_iter().for_each(|(s, n)| *total.entry(s).or_default() += n);
                Ok(())
            },
        )?;
        Ok(total)
    }

    /// The sorted keys of the occurrences of symbols `lo..=hi` (`expect`: how many;
    /// `loose`: see [`Self::for_each`]).
    #[allow(clippy::too_many_arguments)]
    fn keys(
        &self,
        seg: Segmenter,
        loose: bool,
        lay: Layout,
        lo: u32,
        hi: u32,
        forward: bool,
        expect: usize,
        ctl: &Control,
    ) -> Result<Vec<u128>> {
        ctl.stage("encode", self.bytes())?;
        let mut keys: Vec<u128> = Vec::with_capacity(expect);
        self.for_each(
            seg,
            loose,
            ctl,
            |buf| {
                (0..buf.len())
                    .filter(|&i| (lo..=hi).contains(&buf[i]))
                    .map(|i| lay.key_at(buf, i, forward))
                    .collect::<Vec<u128>>()
            },
            |part| {
                keys.extend_from_slice(&part);
                Ok(())
            },
        )?;
        ctl.stage("sort", keys.len() as u64)?;
        keys.par_sort_unstable();
        Ok(keys)
    }

    /// One pass: the keys of every occurrence, appended unsorted to the run file of its
    /// partition of `parts` in `dir`; the files, in the order of `parts`. A writer thread
    /// writes one window's keys while the next window's are made.
    fn spill(
        &self,
        seg: Segmenter,
        lay: Layout,
        parts: &[(u32, u32, u64)],
        forward: bool,
        dir: &Path,
        ctl: &Control,
    ) -> Result<Vec<PathBuf>> {
        ctl.stage("spill keys", self.bytes())?;
        let side = if forward { "right" } else { "left" };
        let paths: Vec<PathBuf> = (0..parts.len()).map(|k| dir.join(format!("keys-{side}-{k:05}.run"))).collect();
        let mut outs: Vec<BufWriter<File>> = paths
            .iter()
            .map(|p| File::create(p).map(|f| BufWriter::with_capacity(1 << 20, f)).map_err(|e| Error::io(p, e)))
            .collect::<Result<_>>()?;
        let his: Vec<u32> = parts.iter().map(|p| p.1).collect();
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Vec<u128>>>(2);
        std::thread::scope(|scope| {
            let writer = scope.spawn(|| -> Result<()> {
                for groups in rx {
                    for ((out, path), g) in outs.iter_mut().zip(&paths).zip(&groups) {
                        out.write_all(bytemuck::cast_slice(g)).map_err(|e| Error::io(path, e))?;
                    }
                }
                for (out, path) in outs.iter_mut().zip(&paths) {
                    out.flush().map_err(|e| Error::io(path, e))?;
                }
                Ok(())
            });
            let made = self.for_each(
                seg,
                false,
                ctl,
                |buf| {
                    let mut groups: Vec<Vec<u128>> = vec![Vec::new(); parts.len()];
                    for (i, &s) in buf.iter().enumerate() {
                        if s != 0 {
                            // every symbol of the corpus is in one partition (they come from its histogram)
                            let k = his.partition_point(|&hi| hi < s).min(parts.len() - 1);
                            groups[k].push(lay.key_at(buf, i, forward));
                        }
                    }
                    groups
                },
                // a closed channel means the writer failed: stop, and report its error
                |groups| tx.send(groups).map_err(|_| Error::arg("the run-file writer stopped")),
            );
            drop(tx);
            let written = writer.join().unwrap_or_else(|_| Err(Error::arg("the run-file writer panicked")));
            written.and(made)
        })?;
        Ok(paths)
    }
}

/// The keys of one run file, sorted; the file is deleted once read.
fn read_run(path: &Path, ctl: &Control) -> Result<Vec<u128>> {
    let mut f = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    if len % KEY_BYTES != 0 {
        return Err(Error::corrupt(path, format!("a run file of {len} bytes is not whole keys")));
    }
    let mut keys = vec![0u128; (len / KEY_BYTES) as usize];
    f.read_exact(bytemuck::cast_slice_mut(&mut keys)).map_err(|e| Error::io(path, e))?;
    drop(f);
    std::fs::remove_file(path).map_err(|e| Error::io(path, e))?;
    ctl.stage("sort", keys.len() as u64)?;
    keys.par_sort_unstable();
    Ok(keys)
}

/// One scan of sorted keys (whole groups of first symbols): every n-gram's δ (its
/// branching entropy less its parent's, or itself for one symbol) added to the moments of
/// its length, and (candidate index, δ) for the n-grams among `cands`.
type Found = (Vec<(u32, f64)>, [Moments; MAX_KEY_CHARS + 1]);

fn scan(keys: &[u128], cands: &[u128], lay: Layout, max_len: usize, min_count: u64, ctl: &Control) -> Result<Found> {
    ctl.stage("ngrams", keys.len() as u64)?;
    // chunks end where the first symbol changes: no n-gram spans two
    let target = (keys.len() / (rayon::current_num_threads() * 8)).max(1 << 16);
    let mut bounds = vec![0];
    while let Some(&b) = bounds.last() {
        if b >= keys.len() {
            break;
        }
        let t = (b + target).min(keys.len() - 1);
        let next_first = (lay.field(keys[t], 0) as u128 + 1) << lay.shift(0);
        bounds.push(keys.partition_point(|&k| k < next_first).max(b + 1));
    }
    let parts: Vec<Found> = bounds
        .par_windows(2)
        .map(|w| {
            let first = lay.prefix(keys[w[0]], 1);
            let at = cands.partition_point(|&c| c < first);
            let mut s = Scanner::new(lay, max_len, min_count, cands, at);
            s.run(&keys[w[0]..w[1]]);
            ctl.advance((w[1] - w[0]) as u64)?;
            Ok((s.found, s.moments))
        })
        .collect::<Result<_>>()?;
    let mut moments = [Moments::default(); MAX_KEY_CHARS + 1];
    let mut found = Vec::new();
    for (f, m) in parts {
        found.extend(f);
        for (a, b) in moments.iter_mut().zip(&m) {
            a.merge(b);
        }
    }
    Ok((found, moments))
}

/// The state of [`scan`]: per open depth n, where its group started, the (Σ c, Σ c·ln c)
/// of its closed children, its candidate index, and its children's entropies waiting for
/// its own.
struct Scanner<'a> {
    lay: Layout,
    max_len: usize,
    min_count: u64,
    cands: &'a [u128],
    cursor: usize,
    start: [usize; MAX_KEY_CHARS + 1],
    acc: [(u64, f64); MAX_KEY_CHARS + 1],
    cand: [Option<u32>; MAX_KEY_CHARS + 1],
    pending: [Vec<(Option<u32>, f64)>; MAX_KEY_CHARS + 1],
    moments: [Moments; MAX_KEY_CHARS + 1],
    found: Vec<(u32, f64)>,
}

impl<'a> Scanner<'a> {
    fn new(lay: Layout, max_len: usize, min_count: u64, cands: &'a [u128], cursor: usize) -> Self {
        Scanner {
            lay,
            max_len,
            min_count,
            cands,
            cursor,
            start: [0; MAX_KEY_CHARS + 1],
            acc: [(0, 0.0); MAX_KEY_CHARS + 1],
            cand: [None; MAX_KEY_CHARS + 1],
            pending: Default::default(),
            moments: [Moments::default(); MAX_KEY_CHARS + 1],
            found: Vec::new(),
        }
    }

    fn run(&mut self, keys: &[u128]) {
        let mut open = 0;
        for (t, &key) in keys.iter().enumerate() {
            let l = if t == 0 { 0 } else { self.lay.common(keys[t - 1], key) };
            while open > l {
                self.close(open, t);
                open -= 1;
            }
            while open < self.lay.depth && self.lay.field(key, open) != 0 {
                open += 1;
                self.open(open, key, t);
            }
        }
        while open > 0 {
            self.close(open, keys.len());
            open -= 1;
        }
    }

    #[inline]
    fn open(&mut self, n: usize, key: u128, t: usize) {
        self.start[n] = t;
        let p = self.lay.prefix(key, n);
        let cands = self.cands;
        while self.cursor < cands.len() && cands[self.cursor] < p {
            self.cursor += 1;
        }
        self.cand[n] = (self.cursor < cands.len() && cands[self.cursor] == p).then_some(self.cursor as u32);
    }

    /// The group of depth n closes at `end`: feed its parent, finish its entropy (the
    /// formula of [`crate::stats::branching`]: occurrences at a segment end are one
    /// boundary neighbour) and the δ of its children.
    #[inline]
    fn close(&mut self, n: usize, end: usize) {
        let count = (end - self.start[n]) as u64;
        let c = count as f64;
        if n >= 2 {
            self.acc[n - 1].0 += count;
            self.acc[n - 1].1 += c * c.ln();
        }
        if n <= self.max_len {
            let (sum_c, sum_clnc) = self.acc[n];
            let b = count.saturating_sub(sum_c) as f64;
            let t = sum_clnc + if b > 0.0 { b * b.ln() } else { 0.0 };
            let h = c.ln() - t / c;
            let mut waiting = std::mem::take(&mut self.pending[n]);
            for &(cand, h_child) in &waiting {
                self.record(n + 1, cand, h_child - h);
            }
            waiting.clear();
            self.pending[n] = waiting;
            if count >= self.min_count {
                if n == 1 {
                    self.record(1, self.cand[1], h);
                } else {
                    self.pending[n - 1].push((self.cand[n], h));
                }
            }
        }
        self.acc[n] = (0, 0.0);
    }

    #[inline]
    fn record(&mut self, n: usize, cand: Option<u32>, delta: f64) {
        self.moments[n].add(delta);
        if let Some(i) = cand {
            self.found.push((i, delta));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::autonomy_keys;
    use std::io::Write;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let p = dir.path().join(name);
        std::fs::File::create(&p).and_then(|mut f| f.write_all(text.as_bytes())).expect("write a test file");
        p
    }

    fn corpus_text() -> String {
        let words = ["中国", "人民", "的", "发展", "经济", "我们", "了", "在", "社会主义", "研究", "生命", "起源"];
        let mut s = String::new();
        let mut x: u64 = 7;
        for line in 0..400 {
            for _ in 0..(3 + line % 9) {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                s.push_str(words[(x >> 33) as usize % words.len()]);
                if x % 11 == 0 {
                    s.push('，');
                }
            }
            s.push_str(if line % 5 == 0 { "。ab12\n" } else { "\n" });
        }
        s
    }

    #[test]
    fn equals_the_index_path_in_any_partitioning() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = corpus_text();
        let p = write(&dir, "c.txt", &text);
        let ctl = Control::new();
        for (seg, max_len) in [(Segmenter::Han, 3), (Segmenter::Unicode, 4), (Segmenter::All, 2)] {
            let whole = autonomy_keys(&[p.clone()], seg, max_len, 1, Some(2), &ctl).expect("index path");
            let runs = tempfile::tempdir().expect("tempdir");
            let spill = Spill { dir: runs.path().to_path_buf(), free: u64::MAX };
            for key_memory in [1 << 30, 16 * 3000, 16] {
                for sp in [None, Some(&spill)] {
                    let part = autonomy_of_candidates(&[p.clone()], &[p.clone()], seg, max_len, 1, key_memory, sp, Some(2), &ctl)
                        .expect("partitioned path");
                    assert_eq!(part, whole, "{seg:?} {key_memory} spill {}", sp.is_some());
                    assert_eq!(std::fs::read_dir(runs.path()).expect("read the spill dir").count(), 0, "run files left");
                }
            }
        }
    }

    #[test]
    fn candidates_of_a_sample_get_the_corpus_autonomy() {
        let dir = tempfile::tempdir().expect("tempdir");
        let text = corpus_text();
        let p = write(&dir, "c.txt", &text);
        let sample: String = text.lines().step_by(7).map(|l| format!("{l}\n")).collect();
        let q = write(&dir, "s.txt", &sample);
        let ctl = Control::new();
        let whole = autonomy_keys(&[p.clone()], Segmenter::Han, 3, 1, None, &ctl).expect("index path");
        let of_sample = autonomy_keys(&[q.clone()], Segmenter::Han, 3, 1, None, &ctl).expect("index path");
        let wanted: Vec<(u128, f64)> =
            whole.iter().copied().filter(|r| of_sample.binary_search_by_key(&r.0, |x| x.0).is_ok()).collect();
        let part = autonomy_of_candidates(&[p.clone()], &[q.clone()], Segmenter::Han, 3, 1, 4096, None, None, &ctl)
            .expect("partitioned path");
        assert_eq!(part.len(), of_sample.len());
        assert_eq!(part, wanted);
        // runs only when they fit: no room, the same rows by re-reading
        let runs = tempfile::tempdir().expect("tempdir");
        for free in [u64::MAX, 1000] {
            let sp = Spill { dir: runs.path().to_path_buf(), free };
            let got = autonomy_of_candidates(&[p.clone()], &[q.clone()], Segmenter::Han, 3, 1, 4096, Some(&sp), None, &ctl)
                .expect("partitioned path with runs");
            assert_eq!(got, wanted, "free {free}");
        }
        // a spill directory that cannot be written is an error naming a file in it
        let gone = Spill { dir: runs.path().join("missing"), free: u64::MAX };
        let err = autonomy_of_candidates(&[p], &[q], Segmenter::Han, 3, 1, 4096, Some(&gone), None, &ctl)
            .expect_err("no such directory");
        assert!(err.to_string().contains("missing"), "{err}");
    }

    #[test]
    fn layout_keys_and_prefixes() {
        let lay = Layout { depth: 4 };
        let buf = [0, 5, 6, 7, 0, 9, 0];
        let k = lay.key_at(&buf, 1, true);
        assert_eq!((lay.field(k, 0), lay.field(k, 1), lay.field(k, 2), lay.field(k, 3)), (5, 6, 7, 0));
        let r = lay.key_at(&buf, 3, false);
        assert_eq!((lay.field(r, 0), lay.field(r, 1), lay.field(r, 2)), (7, 6, 5));
        assert_eq!(lay.common(k, lay.prefix(k, 2)), 2);
        assert_eq!(lay.common(k, k), 4);
        assert_eq!(lay.packed(lay.prefix(r, 3), false), pack_chars(['\u{4}', '\u{5}', '\u{6}']));
        assert_eq!(
            partitions([(1, 5), (2, 5), (3, 20), (4, 1)].into_iter().collect(), 10),
            vec![(1, 2, 10), (3, 3, 20), (4, 4, 1)]
        );
    }
}
