//! The rough cut's piece counts, in nlp-zero's order (first occurrence), counted in
//! parallel.
//!
//! Counting 1.15M pieces of the novels into one table per block of sentences missed the
//! cache at nearly every piece (the tables are megabytes), and merging the blocks' tables
//! in order ran on one thread. Here a block only appends each piece to the run of the
//! piece's hash shard, with its occurrence number: a piece of at most four BMP chars (95 %
//! of them) as one integer key, a longer one as its hash and text; then each shard counts
//! its runs, block after block, into its own tables, small enough to stay in cache, on its
//! own thread. A distinct piece keeps the position of its first occurrence (occurrences
//! are numbered in corpus order), which gives back the global order when the truncated
//! pieces are read out.

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use crate::util::ordered::OrderedCounts;
use crate::util::text::unit_char;

const SHARD_BITS: u32 = 6;
const SHARDS: usize = 1 << SHARD_BITS;

/// The shard of a long piece's table hash: bits 32.. (tables use the low bits of the
/// same hash for the bucket and the top 7 for the tag).
#[inline]
fn shard_of(h: u64) -> usize {
    (h >> 32) as usize & (SHARDS - 1)
}

/// The shard of a short key: the top bits of a multiplicative hash (the shard's map
/// hashes keys with another multiplier).
#[inline]
fn short_shard(k: u64) -> usize {
    (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SHARD_BITS)) as usize
}

/// A piece of at most 4 chars of the Basic Multilingual Plane other than NUL (95 % of
/// the four novels' pieces) as one integer: char i in bits 16i..16i + 16, zero after the
/// last. Such pieces are counted by this key: no text to copy, compare or hash.
#[inline]
pub(super) fn short_key(chars: &[u32]) -> Option<u64> {
    if chars.len() > 4 {
        return None;
    }
    let mut k = 0u64;
    for (i, &c) in chars.iter().enumerate() {
        if c == 0 || c > 0xFFFF {
            return None;
        }
        k |= (c as u64) << (16 * i);
    }
    Some(k)
}

/// The chars of a [`short_key`].
fn short_chars(k: u64) -> impl Iterator<Item = char> {
    (0..4).map(move |i| (k >> (16 * i)) as u32 & 0xFFFF).take_while(|&c| c != 0).map(unit_char)
}

/// A long piece's hash (the tables use the low bits).
fn long_hash(chars: &[u32]) -> u64 {
    let h = chars.iter().fold(0x243F_6A88_85A3_08D3u64, |h, &c| (h ^ c as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let h = (h ^ (h >> 32)).wrapping_mul(0xD6E8_FEB8_6659_FD93);
    h ^ (h >> 32)
}

/// One block's pieces of one shard, in order: short keys with their occurrence number in
/// the block; long pieces as chars, and per piece (hash, end in `chars`, occurrence number).
#[derive(Default)]
struct Run {
    short: Vec<(u64, u64)>,
    chars: Vec<u32>,
    long: Vec<(u64, usize, u64)>,
}

/// A block counts its buffered pieces into its own tables past this many buffered units
/// (a short piece, or a long piece's char), so a block with a huge line holds tables of
/// distinct pieces, not 16 B per piece.
const FLUSH_UNITS: usize = 1 << 22;

/// The pieces of one block of sentences, by shard. Pieces are code points, whatever the
/// text's representation (UTF-8 or a Python str's own): only the pieces that survive
/// truncation are ever written as UTF-8.
pub struct BlockPieces {
    runs: Vec<Run>,
    /// the runs counted so far, once a flush happened (positions in the block)
    tables: Vec<Shard>,
    buffered: usize,
    flush_at: usize,
    /// occurrences so far
    len: u64,
}

impl BlockPieces {
    /// Runs sized for about `chars` chars of text.
    pub fn with_capacity(chars: usize) -> Self {
        Self::flushing_at(chars, FLUSH_UNITS)
    }

    fn flushing_at(chars: usize, flush_at: usize) -> Self {
        // about 2.6 chars a piece, 5 % of them long
        let each = chars.min(flush_at) / SHARDS;
        let runs = (0..SHARDS)
            .map(|_| Run { short: Vec::with_capacity(each * 2 / 5), chars: Vec::with_capacity(each / 8), long: Vec::new() })
            .collect();
        BlockPieces { runs, tables: Vec::new(), buffered: 0, flush_at, len: 0 }
    }

    /// One occurrence of the piece `chars` (not empty).
    #[inline]
    pub fn add(&mut self, chars: &[u32]) {
        let at = self.len;
        self.len += 1;
        match short_key(chars) {
            Some(k) => {
                self.runs[short_shard(k)].short.push((k, at));
                self.buffered += 1;
            }
            None => {
                let h = long_hash(chars);
                let run = &mut self.runs[shard_of(h)];
                run.chars.extend_from_slice(chars);
                run.long.push((h, run.chars.len(), at));
                self.buffered += chars.len();
            }
        }
        if self.buffered >= self.flush_at {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.tables.is_empty() {
            self.tables = vec![Shard::default(); SHARDS];
        }
        for (run, table) in self.runs.iter_mut().zip(&mut self.tables) {
            run.count_into(table, 0);
            run.short.clear();
            run.chars.clear();
            run.long.clear();
        }
        self.buffered = 0;
    }
}

impl Run {
    /// Count the run's pieces into `shard`, their positions offset by `base`.
    fn count_into(&self, shard: &mut Shard, base: u64) {
        for &(k, at) in &self.short {
            shard.short.entry(k).or_insert(Counted { count: 0, first: base + at }).count += 1;
        }
        let mut start = 0;
        for &(h, end, at) in &self.long {
            shard.long.add(&self.chars[start..end], h, 1, base + at);
            start = end;
        }
    }
}

/// A short key's count and first position.
#[derive(Clone, Copy)]
struct Counted {
    count: u64,
    first: u64,
}

/// One shard's counts: short keys in a map, long pieces in a table of char sequences.
#[derive(Default, Clone)]
struct Shard {
    short: HashMap<u64, Counted>,
    long: LongTable,
}

/// Counts keyed by char sequences; each entry keeps its key's hash (growing the table
/// rehashes without reading keys) and its first position.
#[derive(Default, Clone)]
struct LongTable {
    arena: Vec<u32>,
    entries: Vec<Entry>,
    table: hashbrown::HashTable<u32>,
}

#[derive(Clone)]
struct Entry {
    hash: u64,
    start: usize,
    end: usize,
    count: u64,
    first: u64,
}

impl LongTable {
    fn key(&self, i: usize) -> &[u32] {
        let e = &self.entries[i];
        &self.arena[e.start..e.end]
    }

    fn reserve(&mut self, keys: usize, chars: usize) {
        self.arena.reserve(chars);
        self.entries.reserve(keys);
        let entries = &self.entries;
        self.table.reserve(keys, |&j| entries[j as usize].hash);
    }

    /// `n` more occurrences of `key` (hash `h`), the first at position `at` if the key
    /// is new here.
    #[inline]
    fn add(&mut self, key: &[u32], h: u64, n: u64, at: u64) {
        let (arena, entries) = (&self.arena, &self.entries);
        let found = self.table.find(h, |&i| {
            let e = &entries[i as usize];
            e.hash == h && &arena[e.start..e.end] == key
        });
        if let Some(&i) = found {
            self.entries[i as usize].count += n;
            return;
        }
        let i = self.entries.len() as u32;
        let start = self.arena.len();
        self.arena.extend_from_slice(key);
        self.entries.push(Entry { hash: h, start, end: self.arena.len(), count: n, first: at });
        let entries = &self.entries;
        self.table.insert_unique(h, i, |&j| entries[j as usize].hash);
    }
}

/// Where a kept piece is: its short key, or its long table's shard and entry.
#[derive(Clone, Copy)]
enum Piece {
    Short(u64),
    Long(u32, u32),
}

/// Piece counts of the cut so far.
#[derive(Default, Clone)]
pub struct CutCounts {
    shards: Vec<Shard>,
    /// Σ counts: pieces cut so far (and the position of the next one)
    total: u64,
}

impl std::fmt::Debug for CutCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CutCounts({} pieces)", self.total)
    }
}

impl CutCounts {
    /// Count the pieces of consecutive blocks, given in corpus order, after all so far.
    pub fn absorb(&mut self, blocks: Vec<BlockPieces>) {
        let mut bases = Vec::with_capacity(blocks.len());
        for b in &blocks {
            bases.push(self.total);
            self.total += b.len;
        }
        if self.shards.is_empty() {
            self.shards = vec![Shard::default(); SHARDS];
        }
        self.shards.par_iter_mut().enumerate().for_each(|(s, shard)| {
            // distinct pieces are a fraction of the occurrences
            let (short, n, chars) = blocks.iter().fold((0, 0, 0), |(k, n, t), b| {
                let r = &b.runs[s];
                (k + r.short.len(), n + r.long.len(), t + r.chars.len())
            });
            shard.short.reserve(short / 8);
            shard.long.reserve(n / 4, chars / 4);
            for (b, &base) in blocks.iter().zip(&bases) {
                // a block's flushed pieces all occurred before its buffered ones, so each
                // key first arrives here with its first position
                if let Some(table) = b.tables.get(s) {
                    for (&k, e) in &table.short {
                        shard.short.entry(k).or_insert(Counted { count: 0, first: base + e.first }).count += e.count;
                    }
                    for (i, e) in table.long.entries.iter().enumerate() {
                        shard.long.add(table.long.key(i), e.hash, e.count, base + e.first);
                    }
                }
                b.runs[s].count_into(shard, base);
            }
        });
    }

    /// Σ counts: the number of pieces cut.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The pieces whose count passes `keep`, in order of first occurrence, and the ids of
    /// the short ones.
    pub fn ordered(&self, keep: impl Fn(u64) -> bool + Sync) -> (OrderedCounts, ShortIds) {
        // (first position, count, short key or long piece's shard and entry)
        let mut kept: Vec<(u64, u64, Piece)> = self
            .shards
            .par_iter()
            .enumerate()
            .flat_map_iter(|(s, shard)| {
                let keep = &keep;
                let short = (shard.short.iter()).filter(move |(_, e)| keep(e.count)).map(|(&k, e)| (e.first, e.count, Piece::Short(k)));
                let long = (shard.long.entries.iter().enumerate())
                    .filter(move |(_, e)| keep(e.count))
                    .map(move |(i, e)| (e.first, e.count, Piece::Long(s as u32, i as u32)));
                short.chain(long)
            })
            .collect();
        kept.par_sort_unstable_by_key(|&(at, _, _)| at); // positions are distinct

        // the keys as UTF-8 and their table hashes, a chunk per task; then one table,
        // while another thread files the short keys' ids
        let table = || {
            type Keys = (String, Vec<(usize, u64, u64)>);
            let chunks: Vec<Keys> = kept
                .par_chunks(4096)
                .map(|part| {
                    let (mut text, mut keys) = (String::new(), Vec::with_capacity(part.len()));
                    for &(_, n, piece) in part {
                        let start = text.len();
                        match piece {
                            Piece::Short(k) => text.extend(short_chars(k)),
                            Piece::Long(s, i) => {
                                text.extend(self.shards[s as usize].long.key(i as usize).iter().map(|&c| unit_char(c)))
                            }
                        }
                        keys.push((text.len(), OrderedCounts::hash_of(&text[start..]), n));
                    }
                    (text, keys)
                })
                .collect();
            let bytes = chunks.iter().map(|(t, _)| t.len()).sum();
            let mut out = OrderedCounts::with_capacity(kept.len(), bytes);
            for (text, keys) in &chunks {
                let mut start = 0;
                for &(end, h, n) in keys {
                    out.insert_new(&text[start..end], h, n); // the pieces are distinct
                    start = end;
                }
            }
            out
        };
        let short_ids = || {
            let mut ids = ShortIds::with_capacity(kept.len());
            for (id, &(_, _, piece)) in kept.iter().enumerate() {
                if let Piece::Short(k) = piece {
                    ids.insert(k, id as u32);
                }
            }
            ids
        };
        rayon::join(table, short_ids)
    }
}

/// The entry numbers of the keys of an [`OrderedCounts`] that have a [`short_key`]: a
/// short substring is looked up with one probe, where the key table reads its index, its
/// entry and its text.
pub struct ShortIds(HashMap<u64, u32>);

impl ShortIds {
    fn with_capacity(n: usize) -> Self {
        ShortIds(HashMap::with_capacity_and_hasher(n, Default::default()))
    }

    fn insert(&mut self, k: u64, id: u32) {
        self.0.insert(k, id);
    }

    /// The ids of the short keys of `keys`.
    #[cfg(test)]
    pub fn of(keys: &OrderedCounts) -> Self {
        let mut ids = ShortIds::with_capacity(keys.len());
        let mut chars = Vec::new();
        for i in 0..keys.len() as u32 {
            chars.clear();
            chars.extend(keys.key(i).chars().map(|c| c as u32));
            if let Some(k) = short_key(&chars) {
                ids.insert(k, i);
            }
        }
        ids
    }

    /// The id of the piece whose short key is `k`.
    #[inline]
    pub fn get(&self, k: u64) -> Option<u32> {
        self.0.get(&k).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_are_exactly_the_short_bmp_pieces() {
        let chars = |s: &str| s.chars().map(|c| c as u32).collect::<Vec<u32>>();
        for s in ["天", "天地", "a天\u{FFFF}é", "\u{1}人和中"] {
            let k = short_key(&chars(s)).unwrap();
            assert_eq!(short_chars(k).collect::<String>(), s);
        }
        for s in ["天地人和中", "😀", "天\0", ""] {
            assert_eq!(short_key(&chars(s)).is_some(), s.is_empty(), "{s:?}");
        }
    }

    /// Blocks of pieces counted by `CutCounts` equal one table counting everything in
    /// order: keys, counts, and order.
    #[test]
    fn sharded_counts_keep_first_occurrence_order() {
        // ~3000 pieces seen ~6 times each, in scrambled order, and ~2900 seen once; short
        // (≤ 4 BMP chars) and long ones, and short ones that have no short key (a char
        // beyond the BMP, a NUL)
        let pieces: Vec<String> = (0..20_000u32)
            .map(|i| match i {
                _ if i % 7 == 0 => format!("u{i}"),
                _ if i % 11 == 0 => format!("😀{}", i % 13),
                _ if i % 13 == 0 => format!("\0{}", i % 17),
                _ => format!("p{}", (i * 7919) % 3001),
            })
            .collect();
        assert!(pieces.iter().any(|p| p.chars().count() == 4) && pieces.iter().any(|p| p.chars().count() == 5));
        let mut expect = OrderedCounts::default();
        for p in &pieces {
            expect.add(p, 1);
        }
        let mut cut = CutCounts::default();
        // two calls (batches), of several blocks each
        for batch in pieces.chunks(12_000) {
            let blocks: Vec<BlockPieces> = batch
                .chunks(2_500)
                .enumerate()
                .map(|(k, block)| {
                    // blocks that flush every ~300 chars, and blocks that never do
                    let mut b = BlockPieces::flushing_at(0, if k % 2 == 0 { 300 } else { usize::MAX });
                    for p in block {
                        let chars: Vec<u32> = p.chars().map(|c| c as u32).collect();
                        b.add(&chars);
                    }
                    b
                })
                .collect();
            cut.absorb(blocks);
        }
        assert_eq!(cut.total(), pieces.len() as u64);
        let (got, short) = cut.ordered(|n| n > 2);
        let want: Vec<(String, u64)> = expect.into_entries_where(|n| n > 2);
        assert!(want.len() > 1000);
        let of = ShortIds::of(&got);
        assert!(short.0.len() > 500 && short.0.len() < got.len(), "{} of {}", short.0.len(), got.len());
        assert_eq!(short.0, of.0);
        assert_eq!(got.into_entries(), want);
    }
}
