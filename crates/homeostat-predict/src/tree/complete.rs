//! A shallow tree as a complete binary tree: the root is position 1 and
//! position `i`'s children are `2i` and `2i + 1`, so a step reads no child
//! index (and, counting from 1, needs no `+ 1` either), and every row
//! takes exactly `depth` steps. A leaf above the last level covers all the
//! leaf slots of its subtree (the nodes below it compare anything: every
//! way ends on its value).
//!
//! Cost per tree: `2^depth` nodes of 2 bytes and `2^depth` leaf values of
//! 8 bytes, 10 KiB at depth 10; [`MAX_DEPTH`] caps it at 20 KiB. Deeper
//! trees keep the linked layout.
//!
//! On x86-64 processors with AVX2 a block walks eight rows a step with
//! gathers (see [`super::gather`]), else one row at a time; both add the
//! same values in the same order, so the sums are bit for bit the same.

/// Deepest tree laid out complete (20 KiB per tree).
pub(super) const MAX_DEPTH: usize = 11;

/// Rows coded and walked together.
pub(super) const ROWS: usize = 256;

/// Widest row of codes the complete walk reads (feature indices are bytes).
pub(super) const MAX_STRIDE: usize = 256;

/// Bytes of a block of coded rows as the complete walk sees it: a fixed
/// size, so a masked index needs no bounds check.
pub(super) const CODES: usize = ROWS * MAX_STRIDE;

/// Bytes of a block of coded rows as the walks receive it: [`CODES`] and
/// three more, so a 4-byte read at any code offset stays inside.
pub(super) const PADDED_CODES: usize = CODES + 4;

/// One node of the complete layout: the code column it reads in the high
/// byte, the largest code that goes left in the low byte.
pub(super) fn pack(column: u8, limit: u8) -> u16 {
    u16::from(column) << 8 | u16::from(limit)
}

/// A tree laid out complete. `nodes[i]` for the inner positions
/// `1..2^depth` (entry 0 is never read, and one more entry after the last
/// lets a 4-byte read of the last node stay inside), `leaves[j]` for the
/// `2^depth` slots of the last level (position `2^depth + j`).
#[derive(Debug, Clone)]
pub(super) struct Complete {
    nodes: Box<[u16]>,
    leaves: Box<[f64]>,
    depth: usize,
}

/// Where a node of the linked tree sits in the complete layout.
struct Place {
    node: usize,
    position: usize,
    level: usize,
}

impl Complete {
    /// Lays out a linked tree of `depth <= MAX_DEPTH`. `children(i)` gives
    /// node `i`'s children (`None` for a leaf), `packed(i)` its packed
    /// comparison and `value(i)` its leaf value. `None` when the tree is
    /// deeper than `depth` says or its links leave the node list.
    pub(super) fn new(
        depth: usize,
        n_nodes: usize,
        children: impl Fn(usize) -> Option<(usize, usize)>,
        packed: impl Fn(usize) -> Option<u16>,
        value: impl Fn(usize) -> f64,
    ) -> Option<Self> {
        if depth > MAX_DEPTH {
            return None;
        }
        let size = 1usize << depth;
        let mut nodes = vec![0u16; size + 1];
        let mut leaves = vec![0.0; size];
        let mut stack = vec![Place {
            node: 0,
            position: 1,
            level: 0,
        }];
        // Each node is placed once: a tree's links go strictly forward.
        let mut placed = 0usize;
        while let Some(Place {
            node,
            position,
            level,
        }) = stack.pop()
        {
            placed += 1;
            if placed > n_nodes {
                return None;
            }
            match children(node) {
                Some((left, right)) => {
                    if level >= depth {
                        return None;
                    }
                    *nodes.get_mut(position).filter(|_| position < size)? = packed(node)?;
                    for (child, position) in [(left, 2 * position), (right, 2 * position + 1)] {
                        stack.push(Place {
                            node: child,
                            position,
                            level: level + 1,
                        });
                    }
                }
                None => {
                    // The leaf's subtree spans `span` slots of the last level.
                    let span = 1usize << (depth - level);
                    let first = position.checked_sub(1usize << level)? * span;
                    leaves.get_mut(first..first + span)?.fill(value(node));
                }
            }
        }
        Some(Self {
            nodes: nodes.into_boxed_slice(),
            leaves: leaves.into_boxed_slice(),
            depth,
        })
    }

    /// Adds the tree's value for each row of a block to `out` (at most
    /// [`ROWS`]); row `r`'s codes start at `r * stride` in `codes`.
    /// `false` (and nothing added) if the layout does not match its depth,
    /// which construction rules out.
    pub(super) fn add_block(
        &self,
        codes: &[u8; PADDED_CODES],
        stride: usize,
        out: &mut [f64],
    ) -> bool {
        super::gather::add_block(&self.nodes, &self.leaves, self.depth, codes, stride, out)
            || self.add_block_by_rows(codes, stride, out)
    }

    /// [`Complete::add_block`] one row at a time, without gathers.
    fn add_block_by_rows(
        &self,
        codes: &[u8; PADDED_CODES],
        stride: usize,
        out: &mut [f64],
    ) -> bool {
        let Some((codes, _)) = codes.split_first_chunk::<CODES>() else {
            return false;
        };
        macro_rules! by_depth {
            ($($depth:literal => $size:literal),*) => {
                match self.depth {
                    $($depth => self.add::<$size>(codes, stride, out),)*
                    _ => false,
                }
            };
        }
        by_depth!(0 => 1, 1 => 2, 2 => 4, 3 => 8, 4 => 16, 5 => 32, 6 => 64,
            7 => 128, 8 => 256, 9 => 512, 10 => 1024, 11 => 2048)
    }

    fn add<const N: usize>(&self, codes: &[u8; CODES], stride: usize, out: &mut [f64]) -> bool {
        let (Ok(nodes), Ok(leaves)) = (
            <&[u16; N]>::try_from(&self.nodes[..N.min(self.nodes.len())]),
            <&[f64; N]>::try_from(&*self.leaves),
        ) else {
            return false;
        };
        walk(nodes, leaves, codes, stride, out);
        true
    }
}

/// All rows of the block one level at a time, `log2(N)` levels. Every
/// index is masked by a power of two below the length of a fixed-size
/// array, so no step has a bounds check (the masks never change a value:
/// inner positions stay below `N`, the code offset below [`CODES`]).
#[inline(always)]
fn walk<const N: usize>(
    nodes: &[u16; N],
    leaves: &[f64; N],
    codes: &[u8; CODES],
    stride: usize,
    out: &mut [f64],
) {
    let mut at = [1u32; ROWS];
    let n = out.len().min(ROWS);
    for _ in 0..N.trailing_zeros() {
        let mut row = 0usize;
        for i in &mut at[..n] {
            // Inner positions are below N: the mask changes nothing, and
            // doubling the masked value spares a register copy.
            let at = *i as usize & (N - 1);
            let node = nodes[at];
            let code = codes[(row + usize::from(node >> 8)) & (CODES - 1)];
            // A comparison turned into a number, not a branch.
            *i = (2 * at) as u32 + u32::from(code > node as u8);
            row += stride;
        }
    }
    // The last level's positions are `N..2N`: slot `i - N`.
    for (o, &i) in out.iter_mut().zip(&at[..n]) {
        *o += leaves[i as usize & (N - 1)];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A complete tree of `depth` with random columns below `stride` and
    /// random limits and leaf values.
    fn random_complete(rng: &mut ChaCha8Rng, depth: usize, stride: usize) -> Complete {
        let size = 1usize << depth;
        let mut nodes = vec![0u16; size + 1];
        for node in &mut nodes[1..size] {
            *node = pack(rng.gen_range(0..stride) as u8, rng.r#gen());
        }
        let leaves = (0..size).map(|_| rng.gen_range(-1.0..1.0)).collect();
        Complete {
            nodes: nodes.into_boxed_slice(),
            leaves,
            depth,
        }
    }

    /// The gathering walk (where the processor has AVX2) and the walk one
    /// row at a time add the same values, bit for bit, at every depth, on
    /// the narrowest and widest rows, for full, ragged and tiny blocks.
    #[test]
    fn gathered_and_row_by_row_walks_add_the_same_values() {
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        let mut codes = Box::new([0u8; PADDED_CODES]);
        rng.fill(&mut codes[..]);
        #[cfg(target_arch = "x86_64")]
        let gathers = std::arch::is_x86_feature_detected!("avx2");
        #[cfg(not(target_arch = "x86_64"))]
        let gathers = false;
        for depth in 0..=MAX_DEPTH {
            for stride in [1, 40, MAX_STRIDE] {
                let tree = random_complete(&mut rng, depth, stride);
                for rows in [1, 7, 8, 9, 100, ROWS] {
                    let start: Vec<f64> = (0..rows).map(|i| i as f64 * 0.25).collect();
                    let mut by_rows = start.clone();
                    assert!(tree.add_block_by_rows(&codes, stride, &mut by_rows));
                    let mut gathered = start.clone();
                    let used = super::super::gather::add_block(
                        &tree.nodes,
                        &tree.leaves,
                        depth,
                        &codes,
                        stride,
                        &mut gathered,
                    );
                    assert_eq!(used, gathers, "depth {depth}");
                    if used {
                        assert_eq!(
                            gathered, by_rows,
                            "depth {depth} stride {stride} rows {rows}"
                        );
                    }
                    assert_ne!(by_rows, start);
                }
            }
        }
    }

    /// Arguments that break the layout's invariants are refused by the
    /// gathering walk, which then adds nothing.
    #[test]
    fn gathers_refuse_a_broken_layout() {
        let mut rng = ChaCha8Rng::seed_from_u64(22);
        let codes = Box::new([0u8; PADDED_CODES]);
        let tree = random_complete(&mut rng, 4, 8);
        let mut out = vec![0.0; 8];
        let gather = super::super::gather::add_block;
        assert!(!gather(
            &tree.nodes[..16],
            &tree.leaves,
            4,
            &codes,
            8,
            &mut out
        ));
        assert!(!gather(
            &tree.nodes,
            &tree.leaves[..8],
            4,
            &codes,
            8,
            &mut out
        ));
        assert!(!gather(&tree.nodes, &tree.leaves, 5, &codes, 8, &mut out));
        assert!(!gather(
            &tree.nodes,
            &tree.leaves,
            4,
            &codes,
            MAX_STRIDE + 1,
            &mut out
        ));
        assert!(!gather(
            &tree.nodes,
            &tree.leaves,
            4,
            &codes,
            8,
            &mut vec![0.0; ROWS + 1]
        ));
        assert!(out.iter().all(|&o| o == 0.0));
    }
}
