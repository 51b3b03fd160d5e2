//! The complete walk eight rows at a time with AVX2 gathers: a step loads
//! eight nodes in one instruction, then the eight codes they name in
//! another, and compares all eight. Measured against the one-row-at-a-time
//! walk on this project's benchmark (docs/benchmarks.md), it is the one
//! place the crate uses `unsafe`: safe Rust has no gather.
//!
//! The walk adds each tree's leaf value to a row's sum in the same order as
//! the plain walk, so the sums are bit for bit the same (tested in
//! [`super::complete`]).

use super::complete::{MAX_DEPTH, MAX_STRIDE, PADDED_CODES, ROWS};

/// Adds the complete tree's value for each row of a block to `out`, as
/// [`super::complete::Complete::add_block`] does. `false` (and nothing
/// added) when the processor has no AVX2 (or is not x86-64) or the
/// arguments break the layout's invariants: `nodes` has `2^depth + 1`
/// entries, `leaves` `2^depth`, `depth <= MAX_DEPTH`, `stride <=
/// MAX_STRIDE` and `out` at most [`ROWS`] entries.
pub(super) fn add_block(
    nodes: &[u16],
    leaves: &[f64],
    depth: usize,
    codes: &[u8; PADDED_CODES],
    stride: usize,
    out: &mut [f64],
) -> bool {
    let fits = depth <= MAX_DEPTH
        && nodes.len() == (1 << depth) + 1
        && leaves.len() == 1 << depth
        && stride <= MAX_STRIDE
        && out.len() <= ROWS;
    #[cfg(target_arch = "x86_64")]
    if fits && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2 (checked above), the only feature
        // `avx2::walk` enables; `fits` holds its preconditions.
        #[allow(unsafe_code)]
        unsafe {
            avx2::walk(nodes, leaves, depth, codes, stride, out);
        }
        return true;
    }
    // No gathers elsewhere: the caller walks rows one at a time.
    let _ = (fits, codes);
    false
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    use std::arch::x86_64::{
        __m256i, _mm256_add_epi32, _mm256_and_si256, _mm256_cmpgt_epi32, _mm256_i32gather_epi32,
        _mm256_loadu_si256, _mm256_mullo_epi32, _mm256_set1_epi32, _mm256_setr_epi32,
        _mm256_srli_epi32, _mm256_storeu_si256, _mm256_sub_epi32,
    };

    use super::{PADDED_CODES, ROWS};

    /// Rows a step.
    const LANES: usize = 8;

    /// All rows of the block one level at a time, eight rows a step. The
    /// positions of a group of eight rows live in `at` between levels, so
    /// the groups of a level are independent and their gathers overlap.
    ///
    /// Preconditions (checked by the caller): `nodes.len() == 2^depth + 1`,
    /// `leaves.len() == 2^depth`, `depth <= MAX_DEPTH`,
    /// `stride <= MAX_STRIDE`, `out.len() <= ROWS`.
    #[target_feature(enable = "avx2")]
    pub(super) fn walk(
        nodes: &[u16],
        leaves: &[f64],
        depth: usize,
        codes: &[u8; PADDED_CODES],
        stride: usize,
        out: &mut [f64],
    ) {
        let size = 1usize << depth;
        // The last group may run past `out`: its extra lanes walk stale
        // codes of the block (still inside it) and their sums are dropped.
        let groups = out.len().div_ceil(LANES);
        let mut at = [1i32; ROWS];
        let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        let byte = _mm256_set1_epi32(0xFF);
        let half = _mm256_set1_epi32(0xFFFF);
        let stride = _mm256_set1_epi32(stride as i32);
        let node_base = nodes.as_ptr().cast::<i32>();
        let code_base = codes.as_ptr().cast::<i32>();
        for _ in 0..depth {
            for (g, slot) in at.chunks_exact_mut(LANES).take(groups).enumerate() {
                let first = _mm256_set1_epi32((g * LANES) as i32);
                let row_start = _mm256_mullo_epi32(_mm256_add_epi32(first, lanes), stride);
                // SAFETY: `slot` is 8 `i32`, 32 bytes; unaligned access is
                // what `loadu` is for.
                let position = unsafe { _mm256_loadu_si256(slot.as_ptr().cast::<__m256i>()) };
                // SAFETY: before the last level a position is an inner one,
                // in `1..2^depth`, so the 4 bytes read at `2 * position`
                // end at most at byte `2 * 2^depth + 2`, the end of `nodes`
                // (`2^depth + 1` entries of 2 bytes).
                let node = unsafe { _mm256_i32gather_epi32::<2>(node_base, position) };
                let node = _mm256_and_si256(node, half);
                let column = _mm256_srli_epi32::<8>(node);
                let limit = _mm256_and_si256(node, byte);
                // SAFETY: the offset is `row * stride + column` with row
                // < ROWS = 256, stride <= MAX_STRIDE = 256 and column a
                // byte, so at most 65 535; the 4 bytes read there end at
                // most at byte 65 539 < PADDED_CODES, the length of `codes`.
                let code = unsafe {
                    _mm256_i32gather_epi32::<1>(code_base, _mm256_add_epi32(row_start, column))
                };
                let code = _mm256_and_si256(code, byte);
                // Codes and limits are 0..=255: the signed comparison is
                // exact; `true` is -1, so subtracting it adds 1.
                let right = _mm256_cmpgt_epi32(code, limit);
                let next = _mm256_sub_epi32(_mm256_add_epi32(position, position), right);
                // SAFETY: as the load above.
                unsafe { _mm256_storeu_si256(slot.as_mut_ptr().cast::<__m256i>(), next) };
            }
        }
        // The last level's positions are `size..2 * size`: slot `i - size`.
        for (o, &i) in out.iter_mut().zip(&at) {
            *o += leaves[i as usize & (size - 1)];
        }
    }
}
