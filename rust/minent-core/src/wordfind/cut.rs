//! The rough cut's piece counts, in nlp-zero's order (first occurrence), counted in
//! parallel.
//!
//! Counting 1.15M pieces of the novels into one table per block of sentences missed the
//! cache at nearly every piece (the tables are megabytes), and merging the blocks' tables
//! in order ran on one thread. Here a block only appends each piece (its hash, its text,
//! its occurrence number) to the run of the piece's hash shard; then each shard counts its
//! runs, block after block, into its own table, small enough to stay in cache, on its own
//! thread. A distinct piece keeps the position of its first occurrence (occurrences are
//! numbered in corpus order), which gives back the global order when the truncated
//! pieces are read out.

use rayon::prelude::*;

use super::ordered::OrderedCounts;

const SHARD_BITS: u32 = 6;
const SHARDS: usize = 1 << SHARD_BITS;

/// The shard of a piece's table hash: bits 32.. (tables use the low bits of the same hash
/// for the bucket and the top 7 for the tag).
#[inline]
fn shard_of(h: u64) -> usize {
    (h >> 32) as usize & (SHARDS - 1)
}

/// A piece's hash, fed one char at a time as the cut reads them (hashing the piece's
/// bytes afterwards read back what was just written, stalling on the fresh stores).
#[derive(Clone, Copy)]
pub struct PieceHash(u64);

impl PieceHash {
    pub const START: PieceHash = PieceHash(0x243F_6A88_85A3_08D3);

    #[inline]
    pub fn push(self, c: char) -> Self {
        PieceHash((self.0 ^ c as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    /// The hash, its high bits folded into the low ones (tables use the low bits).
    #[inline]
    pub fn finish(self) -> u64 {
        let h = (self.0 ^ (self.0 >> 32)).wrapping_mul(0xD6E8_FEB8_6659_FD93);
        h ^ (h >> 32)
    }

    #[cfg(test)]
    pub fn of(chars: &[u32]) -> u64 {
        chars.iter().fold(PieceHash::START, |h, &c| h.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER))).finish()
    }
}

/// One block's pieces of one shard, in order: their chars, and per piece (hash, end in
/// `chars`, occurrence number in the block).
#[derive(Default)]
struct Run {
    chars: Vec<u32>,
    pieces: Vec<(u64, usize, u64)>,
}

/// A block counts its buffered pieces into its own tables past this many chars, so a
/// block with a huge line holds tables of distinct pieces, not 4 B per char and 24 B per
/// piece.
const FLUSH_CHARS: usize = 1 << 22;

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
        Self::flushing_at(chars, FLUSH_CHARS)
    }

    fn flushing_at(chars: usize, flush_at: usize) -> Self {
        let each = chars.min(flush_at) / SHARDS;
        let runs = (0..SHARDS)
            .map(|_| Run { chars: Vec::with_capacity(each), pieces: Vec::with_capacity(each / 2) })
            .collect();
        BlockPieces { runs, tables: Vec::new(), buffered: 0, flush_at, len: 0 }
    }

    /// One occurrence of the piece `chars`, whose [`PieceHash`] is `h`.
    #[inline]
    pub fn add(&mut self, chars: &[u32], h: u64) {
        let run = &mut self.runs[shard_of(h)];
        run.chars.extend_from_slice(chars);
        run.pieces.push((h, run.chars.len(), self.len));
        self.len += 1;
        self.buffered += chars.len();
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
            run.chars.clear();
            run.pieces.clear();
        }
        self.buffered = 0;
    }
}

impl Run {
    /// Count the run's pieces into `shard`, their positions offset by `base`.
    fn count_into(&self, shard: &mut Shard, base: u64) {
        let mut start = 0;
        for &(h, end, at) in &self.pieces {
            shard.add(&self.chars[start..end], h, 1, base + at);
            start = end;
        }
    }
}

/// Counts keyed by char sequences, in first-occurrence order; each entry keeps its key's
/// hash (growing the table rehashes without reading keys) and its first position.
#[derive(Default, Clone)]
struct Shard {
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

impl Shard {
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
            let (n, chars) = blocks.iter().fold((0, 0), |(n, t), b| (n + b.runs[s].pieces.len(), t + b.runs[s].chars.len()));
            shard.reserve(n / 4, chars / 4);
            for (b, &base) in blocks.iter().zip(&bases) {
                // a block's flushed pieces all occurred before its buffered ones, so each
                // key first arrives here with its first position
                if let Some(table) = b.tables.get(s) {
                    for (i, e) in table.entries.iter().enumerate() {
                        shard.add(table.key(i), e.hash, e.count, base + e.first);
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

    /// The pieces whose count passes `keep`, in order of first occurrence.
    pub fn ordered(&self, keep: impl Fn(u64) -> bool + Sync) -> OrderedCounts {
        let mut kept: Vec<(u64, u32, u32)> = self
            .shards
            .par_iter()
            .enumerate()
            .flat_map_iter(|(s, shard)| {
                let keep = &keep;
                (shard.entries.iter().enumerate())
                    .filter(move |(_, e)| keep(e.count))
                    .map(move |(i, e)| (e.first, s as u32, i as u32))
            })
            .collect();
        kept.par_sort_unstable_by_key(|&(at, _, _)| at); // positions are distinct
        // the keys as UTF-8 and their table hashes, a chunk per task; then one table
        type Keys = (String, Vec<(usize, u64, u64)>);
        let chunks: Vec<Keys> = kept
            .par_chunks(4096)
            .map(|part| {
                let (mut text, mut keys) = (String::new(), Vec::with_capacity(part.len()));
                for &(_, s, i) in part {
                    let shard = &self.shards[s as usize];
                    let start = text.len();
                    text.extend(shard.key(i as usize).iter().map(|&c| char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER)));
                    keys.push((text.len(), OrderedCounts::hash_of(&text[start..]), shard.entries[i as usize].count));
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks of pieces counted by `CutCounts` equal one table counting everything in
    /// order: keys, counts, and order.
    #[test]
    fn sharded_counts_keep_first_occurrence_order() {
        // ~3000 pieces seen ~6 times each, in scrambled order, and ~2900 seen once
        let pieces: Vec<String> =
            (0..20_000u32).map(|i| if i % 7 == 0 { format!("u{i}") } else { format!("p{}", (i * 7919) % 3001) }).collect();
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
                        b.add(&chars, PieceHash::of(&chars));
                    }
                    b
                })
                .collect();
            cut.absorb(blocks);
        }
        assert_eq!(cut.total(), pieces.len() as u64);
        let got = cut.ordered(|n| n > 2);
        let want: Vec<(String, u64)> = expect.into_entries_where(|n| n > 2);
        assert!(want.len() > 1000);
        assert_eq!(got.into_entries(), want);
    }
}
