//! Adjacent-pair counts, hash-partitioned into shards.
//!
//! Counting 2M pair occurrences into one table per block of sentences, then merging the
//! blocks' tables, missed the cache at every step (the tables are megabytes) and the merge
//! ran on one thread. Here a block only appends each pair to the buffer of its shard; the
//! shards are then counted in parallel, each into its own table, small enough to stay in
//! cache, and no merge is left.

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

const SHARD_BITS: u32 = 6;
const SHARDS: usize = 1 << SHARD_BITS;

/// A block flushes its buffers into its own tables past this many buffered pairs, so a
/// huge block (one enormous line) holds tables, not 8 bytes per character.
const FLUSH_AT: usize = 1 << 22;

/// The shard of a packed pair: middle bits of a multiplicative hash (the tables use the
/// low bits of their own hash for the bucket and the top 7 for the tag).
#[inline]
fn shard_of(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize & (SHARDS - 1)
}

/// Pair counts (packed `a << 32 | b` → count), as one table per shard.
#[derive(Debug, Clone)]
pub struct PairCounts {
    shards: Vec<HashMap<u64, u64>>,
}

impl Default for PairCounts {
    fn default() -> Self {
        PairCounts { shards: vec![HashMap::default(); SHARDS] }
    }
}

/// The pairs of one block of sentences: per-shard buffers of occurrences, and per-shard
/// tables once the buffers have been flushed.
pub struct PairBlock {
    buffers: Vec<Vec<u64>>,
    tables: Vec<HashMap<u64, u64>>,
    buffered: usize,
}

impl PairBlock {
    /// Buffers sized for about `pairs` occurrences.
    pub fn with_capacity(pairs: usize) -> Self {
        let each = (pairs.min(FLUSH_AT) / SHARDS) * 9 / 8;
        PairBlock { buffers: (0..SHARDS).map(|_| Vec::with_capacity(each)).collect(), tables: Vec::new(), buffered: 0 }
    }

    #[inline]
    pub fn push(&mut self, key: u64) {
        self.buffers[shard_of(key)].push(key);
        self.buffered += 1;
        if self.buffered == FLUSH_AT {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.tables.is_empty() {
            self.tables = vec![HashMap::default(); SHARDS];
        }
        for (buf, table) in self.buffers.iter_mut().zip(&mut self.tables) {
            for &k in buf.iter() {
                *table.entry(k).or_insert(0) += 1;
            }
            buf.clear();
        }
        self.buffered = 0;
    }
}

impl PairCounts {
    /// Add the pairs of `blocks` (each shard counted on its own thread).
    pub fn absorb(&mut self, blocks: &[PairBlock]) {
        self.shards.par_iter_mut().enumerate().for_each(|(s, table)| {
            let incoming: usize = blocks.iter().map(|b| b.buffers[s].len() + b.tables.get(s).map_or(0, |t| t.len())).sum();
            // distinct pairs are a fraction of the occurrences; the table grows if needed
            table.reserve(incoming / 4);
            for b in blocks {
                if let Some(t) = b.tables.get(s) {
                    for (&k, &n) in t {
                        *table.entry(k).or_insert(0) += n;
                    }
                }
                for &k in &b.buffers[s] {
                    *table.entry(k).or_insert(0) += 1;
                }
            }
        });
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|t| t.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn total(&self) -> u64 {
        self.shards.par_iter().map(|t| t.values().sum::<u64>()).sum()
    }

    /// (packed pair, count) for every pair, shard by shard.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.shards.iter().flat_map(|t| t.iter().map(|(&k, &n)| (k, n)))
    }

    /// Each shard's pairs, for work done per shard in parallel.
    pub fn shards(&self) -> &[HashMap<u64, u64>] {
        &self.shards
    }

    pub fn retain(&mut self, keep: impl Fn(u64) -> bool + Sync) {
        self.shards.par_iter_mut().for_each(|t| t.retain(|_, n| keep(*n)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_equal_a_plain_table_across_blocks_and_flushes() {
        let keys: Vec<u64> = (0..50_000u64).map(|i| (i * 7919) % 1013 | ((i % 3) << 32)).collect();
        let mut expect: HashMap<u64, u64> = HashMap::default();
        for &k in &keys {
            *expect.entry(k).or_insert(0) += 2;
        }
        let mut blocks = Vec::new();
        for part in keys.chunks(20_000) {
            let mut b = PairBlock::with_capacity(part.len());
            for &k in part {
                b.push(k);
            }
            blocks.push(b);
        }
        // a block that has flushed its buffers into tables, then buffered more
        let mut flushed = PairBlock::with_capacity(0);
        for &k in &keys {
            flushed.push(k);
        }
        flushed.flush();
        assert!(flushed.buffers.iter().all(|b| b.is_empty()) && !flushed.tables.is_empty());
        let mut counts = PairCounts::default();
        counts.absorb(&blocks);
        counts.absorb(&[flushed]);
        assert_eq!(counts.len(), expect.len());
        assert_eq!(counts.total(), 2 * keys.len() as u64);
        for (k, n) in counts.iter() {
            assert_eq!(expect.get(&k), Some(&n), "pair {k:#x}");
        }
        counts.retain(|n| n > 100);
        assert!(counts.iter().all(|(_, n)| n > 100) && counts.len() == expect.values().filter(|&&n| n > 100).count());
    }
}
