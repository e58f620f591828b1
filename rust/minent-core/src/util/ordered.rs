//! Counts: [`OrderedCounts`], which keep their keys' first-occurrence order (a Python
//! dict's order, which nlp-zero's results follow), and [`add_counts`] for merging the
//! per-thread count maps of a parallel pass.

use std::hash::BuildHasher;

use rustc_hash::{FxBuildHasher, FxHashMap as HashMap};

/// Counts that remember the order in which keys first appeared (a Python dict's order).
/// Keys live in one arena string; the hash table stores entry numbers, so counting a
/// piece seen before allocates nothing.
#[derive(Default, Clone)]
pub struct OrderedCounts {
    arena: String,
    /// (start, end) in `arena`, count
    entries: Vec<(u32, u32, u64)>,
    table: hashbrown::HashTable<u32>,
}

impl std::fmt::Debug for OrderedCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OrderedCounts({} keys)", self.entries.len())
    }
}

impl OrderedCounts {
    /// Room for `keys` keys and `bytes` bytes of key text before any rehash (a rehash
    /// recomputes every key's hash from the arena: random reads).
    pub fn with_capacity(keys: usize, bytes: usize) -> Self {
        OrderedCounts {
            arena: String::with_capacity(bytes),
            entries: Vec::with_capacity(keys),
            table: hashbrown::HashTable::with_capacity(keys),
        }
    }

    /// The key of entry `i` (entries are numbered in first-occurrence order).
    pub fn key(&self, i: u32) -> &str {
        let (a, b, _) = self.entries[i as usize];
        &self.arena[a as usize..b as usize]
    }

    pub fn count(&self, i: u32) -> u64 {
        self.entries[i as usize].2
    }

    pub fn counts(&self) -> impl Iterator<Item = u64> + '_ {
        self.entries.iter().map(|e| e.2)
    }

    pub fn add(&mut self, key: &str, n: u64) {
        let h = Self::hash_of(key);
        let (arena, entries) = (&self.arena, &self.entries);
        let eq = |&i: &u32| {
            let (a, b, _) = entries[i as usize];
            &arena[a as usize..b as usize] == key
        };
        match self.table.find(h, eq) {
            Some(&i) => self.entries[i as usize].2 += n,
            None => self.insert_new(key, h, n),
        }
    }

    /// The hash a table files `key` under.
    pub fn hash_of(key: &str) -> u64 {
        FxBuildHasher.hash_one(key)
    }

    /// Add `key`, absent from the table, with hash [`hash_of`](Self::hash_of)`(key)` and
    /// count `n`.
    pub fn insert_new(&mut self, key: &str, h: u64, n: u64) {
        debug_assert!(self.id(key).is_none() && h == Self::hash_of(key));
        let i = self.entries.len() as u32;
        let start = self.arena.len() as u32;
        self.arena.push_str(key);
        self.entries.push((start, self.arena.len() as u32, n));
        let (arena, entries) = (&self.arena, &self.entries);
        self.table.insert_unique(h, i, |&j| {
            let (a, b, _) = entries[j as usize];
            Self::hash_of(&arena[a as usize..b as usize])
        });
    }

    /// The entry number of `key`, if present.
    pub fn id(&self, key: &str) -> Option<u32> {
        let h = Self::hash_of(key);
        self.table.find(h, |&i| self.key(i) == key).copied()
    }

    pub fn merge(&mut self, other: OrderedCounts) {
        for i in 0..other.entries.len() as u32 {
            self.add(other.key(i), other.entries[i as usize].2);
        }
    }

    pub fn into_entries(self) -> Vec<(String, u64)> {
        self.into_entries_where(|_| true)
    }

    /// The entries whose count passes `keep`, in order (only those are copied out).
    pub fn into_entries_where(self, keep: impl Fn(u64) -> bool) -> Vec<(String, u64)> {
        (0..self.entries.len() as u32)
            .filter(|&i| keep(self.entries[i as usize].2))
            .map(|i| (self.key(i).to_string(), self.entries[i as usize].2))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// A copy of the keys and their counts, in order.
    pub fn texts(&self) -> KeyTexts {
        KeyTexts {
            text: self.arena.clone(),
            ends: self.entries.iter().map(|e| e.1).collect(),
            counts: self.entries.iter().map(|e| e.2).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Keys and counts copied out of an [`OrderedCounts`], in order.
pub struct KeyTexts {
    text: String,
    ends: Vec<u32>,
    counts: Vec<u64>,
}

impl KeyTexts {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Key `i`.
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// Key `i`'s count.
    pub fn count(&self, i: usize) -> u64 {
        self.counts[i]
    }
}

/// `a + b` for count maps (the larger map absorbs the smaller one).
pub fn add_counts<K: std::hash::Hash + Eq>(a: HashMap<K, u64>, b: HashMap<K, u64>) -> HashMap<K, u64> {
    let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    for (k, v) in small {
        *big.entry(k).or_insert(0) += v;
    }
    big
}
