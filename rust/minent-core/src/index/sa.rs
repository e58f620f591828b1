//! Suffix array and LCP array construction.
//!
//! Design notes
//! - The suffix array comes from libsais (SA-IS, the fastest SACA in public benchmarks),
//!   through the maintained `libsais` crate, with OpenMP threads (feature `openmp`, on by
//!   default; the manylinux wheel builds without it: one thread). `u16` texts use the
//!   16-bit entry point; larger alphabets the integer one (which needs the text as `i32`).
//! - Positions are `u32`: libsais' 32-bit output caps a text at 2^31 − 1 symbols (≈ 6 GB
//!   of Chinese UTF-8). Larger corpora are meant to be sharded (one index per shard),
//!   which also keeps the build's memory bounded; we refuse rather than silently switch
//!   to 64-bit arrays that would double the memory of every index.
//! - LCP values are computed by libsais as a PLCP (text order), capped there by the
//!   distance to the next separator in one sequential pass, so no common prefix ever runs
//!   across a segment boundary, then gathered into SA order as `u16`. Values saturate at
//!   65,535: n-gram queries need LCP ≥ n for n up to that, and `count()` of longer
//!   strings uses binary search on the suffix array, not the LCP.
//! - Peak memory of a build is text (2n) + SA (4n) + PLCP (4n) + LCP (2n) bytes for n
//!   symbols, i.e. about 4× the UTF-8 size of Chinese text.

use libsais::suffix_array::AlphabetSize;
use libsais::{SuffixArrayConstruction, ThreadCount};
use rayon::prelude::*;

use crate::index::corpus::Symbol;
use crate::util::control::Control;
use crate::util::error::{Error, Result};

pub const MAX_SYMBOLS: usize = i32::MAX as usize;

pub(crate) fn thread_count(num_threads: Option<usize>) -> ThreadCount {
    match num_threads {
        Some(n) if n > 0 => ThreadCount::fixed(n.min(u16::MAX as usize) as u16),
        _ => ThreadCount::fixed(rayon::current_num_threads().clamp(1, u16::MAX as usize) as u16),
    }
}

fn sais_err(e: libsais::LibsaisError) -> Error {
    Error::arg(format!("suffix array construction failed: {e}"))
}

/// A libsais builder on `threads` threads with OpenMP, on one without.
macro_rules! threaded {
    ($builder:expr, $threads:expr) => {{
        #[cfg(feature = "openmp")]
        let b = $builder.multi_threaded($threads);
        #[cfg(not(feature = "openmp"))]
        let b = {
            let _ = $threads;
            $builder.single_threaded()
        };
        b
    }};
}

/// Suffix array and PLCP (both as i32, libsais' convention) of a `u16` text.
pub(crate) fn sa_plcp_u16(text: &[u16], threads: ThreadCount) -> Result<(Vec<i32>, Vec<i32>)> {
    let res = threaded!(SuffixArrayConstruction::for_text(text).in_owned_buffer32(), threads).run().map_err(sais_err)?;
    let (sa, plcp, _) = threaded!(res.plcp_construction(), threads).run().map_err(sais_err)?.into_parts();
    Ok((sa, plcp))
}

/// Suffix array and PLCP of a text over a large alphabet (`ids < alphabet`).
pub(crate) fn sa_plcp_i32(text: &mut [i32], alphabet: usize, threads: ThreadCount) -> Result<(Vec<i32>, Vec<i32>)> {
    let construction = threaded!(SuffixArrayConstruction::for_text_mut(text).in_owned_buffer32(), threads);
    // SAFETY: every symbol is in 0..alphabet, checked by the caller (ids are dense).
    let construction = unsafe { construction.with_alphabet_size(AlphabetSize::new(alphabet as i32)) };
    let res = construction.run().map_err(sais_err)?;
    let (sa, plcp, _) = threaded!(res.plcp_construction(), threads).run().map_err(sais_err)?.into_parts();
    Ok((sa, plcp))
}

/// Suffix array (as u32) and segment-capped, saturated u16 LCP array of `text`.
pub fn build_sa_lcp<S: Symbol>(
    text: &[S],
    alphabet: usize,
    num_threads: Option<usize>,
    ctl: &Control,
) -> Result<(Vec<u32>, Vec<u16>)> {
    let n = text.len();
    if n == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    if n > MAX_SYMBOLS {
        return Err(Error::arg(format!(
            "corpus has {n} symbols; one index holds at most {MAX_SYMBOLS}: split it into shards"
        )));
    }
    ctl.stage("suffix array", n as u64)?;
    let threads = thread_count(num_threads);
    let (sa, mut plcp) = if S::WIDTH == 2 {
        let t: &[u16] = bytemuck::cast_slice(text);
        sa_plcp_u16(t, threads)?
    } else {
        let mut t: Vec<i32> = text.iter().map(|s| s.id() as i32).collect();
        sa_plcp_i32(&mut t, alphabet, threads)?
    };
    ctl.check()?;
    ctl.stage("lcp", n as u64)?;
    cap_plcp_at_separators(text, &mut plcp);
    // Narrow the PLCP to u16 in place (element i is written over bytes 2i..2i+2, which
    // belong to elements <= i, already read) and give the upper half back before the
    // gather allocates the LCP: peak 10 bytes per symbol instead of 12.
    {
        let halves: &mut [u16] = bytemuck::cast_slice_mut(&mut plcp[..]);
        for i in 0..n {
            let v = i32::from_ne_bytes(bytemuck::cast([halves[2 * i], halves[2 * i + 1]]));
            halves[i] = v.clamp(0, u16::MAX as i32) as u16;
        }
    }
    plcp.truncate(n.div_ceil(2));
    plcp.shrink_to_fit();
    let plcp16: &[u16] = &bytemuck::cast_slice::<i32, u16>(&plcp)[..n];
    let sa: Vec<u32> = bytemuck::allocation::cast_vec(sa);
    let lcp: Vec<u16> = sa.par_iter().map(|&p| plcp16[p as usize]).collect();
    Ok((sa, lcp))
}

/// PLCP[i] = min(PLCP[i], distance from i to the next separator).
fn cap_plcp_at_separators<S: Symbol>(text: &[S], plcp: &mut [i32]) {
    let mut rem: i32 = 0;
    for (i, s) in text.iter().enumerate().rev() {
        rem = if s.id() == 0 { 0 } else { rem.saturating_add(1) };
        if plcp[i] > rem {
            plcp[i] = rem;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive_sa<S: Symbol>(t: &[S]) -> Vec<u32> {
        let mut sa: Vec<u32> = (0..t.len() as u32).collect();
        sa.sort_by(|&a, &b| t[a as usize..].cmp(&t[b as usize..]));
        sa
    }

    fn naive_capped_lcp<S: Symbol>(t: &[S], sa: &[u32]) -> Vec<u16> {
        let mut out = vec![0u16; sa.len()];
        for k in 1..sa.len() {
            let (a, b) = (&t[sa[k - 1] as usize..], &t[sa[k] as usize..]);
            let l = a.iter().zip(b).take_while(|(x, y)| x == y && x.id() != 0).count();
            out[k] = l.min(u16::MAX as usize) as u16;
        }
        out
    }

    /// Random texts over a tiny alphabet (many repeats), separators included, ending in 0.
    fn text_strategy(alphabet: u32) -> impl Strategy<Value = Vec<u32>> {
        proptest::collection::vec(0..alphabet, 0..400).prop_map(|mut v| {
            v.push(0);
            v
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn sa_and_lcp_match_naive_u16(t in text_strategy(4)) {
            let t: Vec<u16> = t.into_iter().map(|x| x as u16).collect();
            let (sa, lcp) = build_sa_lcp(&t, 4, Some(1), &Control::new()).unwrap();
            let nsa = naive_sa(&t);
            prop_assert_eq!(&sa, &nsa);
            prop_assert_eq!(lcp, naive_capped_lcp(&t, &nsa));
        }

        #[test]
        fn sa_and_lcp_match_naive_u32(t in text_strategy(7)) {
            let (sa, lcp) = build_sa_lcp(&t, 7, Some(2), &Control::new()).unwrap();
            let nsa = naive_sa(&t);
            prop_assert_eq!(&sa, &nsa);
            prop_assert_eq!(lcp, naive_capped_lcp(&t, &nsa));
        }
    }
}
