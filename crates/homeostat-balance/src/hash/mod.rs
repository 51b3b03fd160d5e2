//! Consistent hashing: a request key maps to a backend, and changing the
//! set of backends moves few keys.
//!
//! - [`ring`](crate::Strategy::RingHash): a hash ring with virtual nodes in
//!   proportion to weight, optionally with bounded loads (Mirrokni et al.);
//! - [`maglev`](crate::Strategy::Maglev): Google's Maglev lookup table of
//!   prime size;
//! - [`rendezvous`](crate::Strategy::Rendezvous): weighted highest random
//!   weight;
//! - [`jump`](crate::Strategy::JumpHash): Lamping and Veach's jump hash over
//!   the backends in insertion order.
//!
//! Placement depends only on backend ids and keys, through the fixed mixing
//! functions below, so every process computes the same placement.

pub(crate) mod maglev;
pub(crate) mod rendezvous;
pub(crate) mod ring;

/// SplitMix64's finaliser: a fast bijective mixer with good avalanche.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Mixes two words into one hash.
pub(crate) fn hash2(a: u64, b: u64) -> u64 {
    mix64(a ^ mix64(b.wrapping_add(0x9e37_79b9_7f4a_7c15)))
}

/// FNV-1a of bytes, then mixed: the key of [`Request::with_key_bytes`](crate::Request::with_key_bytes).
pub(crate) fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix64(h)
}

/// A uniform index below `n` from a 64-bit hash (Lemire's multiply-shift).
pub(crate) fn reduce(hash: u64, n: usize) -> usize {
    ((u128::from(hash) * n as u128) >> 64) as usize
}
