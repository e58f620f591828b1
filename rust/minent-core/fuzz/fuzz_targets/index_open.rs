//! Arbitrary bytes as an index file (the seed corpus holds real index files). Each input is
//! opened twice: as it is, and with its file length and checksums rewritten to match, so the
//! mutations reach the structural checks behind the checksums (what `verify=False` relies
//! on). Opening never panics; when it opens, queries never panic.
#![no_main]
use std::io::Write;

use libfuzzer_sys::fuzz_target;
use minent_core::stats::KwicOrder;
use minent_core::{Control, CorpusIndex, NgramOrder, Side};
use xxhash_rust::xxh3::xxh3_64;

const ALIGN: usize = 64;

fn fix_checksums(data: &mut [u8]) {
    if data.len() < 256 {
        return;
    }
    // (header bytes, sections) of format 1 and 2
    let (header_len, num_sections) = if data[8..12] == 2u32.to_le_bytes() { (512, 10) } else { (256, 6) };
    if data.len() < header_len {
        return;
    }
    let len = data.len() as u64;
    data[56..64].copy_from_slice(&len.to_le_bytes());
    for i in 0..num_sections {
        let at = 64 + i * 24;
        let off = u64::from_le_bytes(data[at..at + 8].try_into().unwrap()) as usize;
        let slen = u64::from_le_bytes(data[at + 8..at + 16].try_into().unwrap()) as usize;
        let Some(end) = off.checked_add(slen.div_ceil(ALIGN) * ALIGN) else { continue };
        let end = end.min(data.len());
        if off <= end {
            let sum = xxh3_64(&data[off..end]);
            data[at + 16..at + 24].copy_from_slice(&sum.to_le_bytes());
        }
    }
    let sum = xxh3_64(&data[..header_len - 8]);
    data[header_len - 8..header_len].copy_from_slice(&sum.to_le_bytes());
}

fn exercise(bytes: &[u8]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("index.mfi");
    std::fs::File::create(&path).and_then(|mut f| f.write_all(bytes)).expect("write");
    let ctl = Control::new();
    if let Ok(index) = CorpusIndex::open(&path, true, &ctl) {
        let _ = index.count("中国");
        let _ = index.count("人民银行");
        let _ = index.neighbors("国", Side::Left);
        let _ = index.neighbors("人", Side::Right);
        let _ = index.branching_entropy("民", Side::Right);
        let _ = index.pmi("中国");
        let _ = index.char_entropy();
        let _ = index.ngrams(1, 3, 1, NgramOrder::Ngram, None, &ctl);
        let _ = index.locate("中国", None, &ctl);
        let _ = index.kwic("人", 5, 10, KwicOrder::Left, &ctl);
        let _ = index.kwic("国", 5, 10, KwicOrder::Right, &ctl);
        let _ = index.kwic("民", 5, 10, KwicOrder::Random(1), &ctl);
    }
}

fuzz_target!(|data: &[u8]| {
    exercise(data);
    let mut fixed = data.to_vec();
    fix_checksums(&mut fixed);
    exercise(&fixed);
});
