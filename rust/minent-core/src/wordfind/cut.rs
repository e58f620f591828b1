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

/// One block's pieces of one shard, in order: their text, and per piece (hash, end in
/// `text`, occurrence number in the block).
#[derive(Default)]
struct Run {
    text: String,
    pieces: Vec<(u64, usize, u64)>,
}

/// The pieces of one block of sentences, by shard.
pub struct BlockPieces {
    runs: Vec<Run>,
    /// occurrences so far
    len: u64,
    hasher: OrderedCounts,
}

impl BlockPieces {
    /// Runs sized for about `bytes` of text.
    pub fn with_capacity(bytes: usize) -> Self {
        let each = bytes / SHARDS;
        let runs = (0..SHARDS)
            .map(|_| Run { text: String::with_capacity(each), pieces: Vec::with_capacity(each / 6) })
            .collect();
        BlockPieces { runs, len: 0, hasher: OrderedCounts::default() }
    }

    #[inline]
    pub fn add(&mut self, piece: &str) {
        let h = self.hasher.hash(piece);
        let run = &mut self.runs[shard_of(h)];
        run.text.push_str(piece);
        run.pieces.push((h, run.text.len(), self.len));
        self.len += 1;
    }
}

#[derive(Default, Clone)]
struct Shard {
    counts: OrderedCounts,
    /// the position of each entry's first occurrence
    first: Vec<u64>,
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
            let (n, bytes) = blocks.iter().fold((0, 0), |(n, t), b| (n + b.runs[s].pieces.len(), t + b.runs[s].text.len()));
            shard.counts.reserve(n / 4, bytes / 4);
            for (b, &base) in blocks.iter().zip(&bases) {
                let run = &b.runs[s];
                let mut start = 0;
                for &(h, end, at) in &run.pieces {
                    if shard.counts.add_hashed(&run.text[start..end], h, 1) {
                        shard.first.push(base + at);
                    }
                    start = end;
                }
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
                (0..shard.counts.len() as u32)
                    .filter(move |&i| keep(shard.counts.count(i)))
                    .map(move |i| (shard.first[i as usize], s as u32, i))
            })
            .collect();
        kept.par_sort_unstable_by_key(|&(at, _, _)| at); // positions are distinct
        let bytes = kept.iter().map(|&(_, s, i)| self.shards[s as usize].counts.key(i).len()).sum();
        let mut out = OrderedCounts::with_capacity(kept.len(), bytes);
        for (_, s, i) in kept {
            let shard = &self.shards[s as usize].counts;
            out.add(shard.key(i), shard.count(i));
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
                .map(|block| {
                    let mut b = BlockPieces::with_capacity(0);
                    for p in block {
                        b.add(p);
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
