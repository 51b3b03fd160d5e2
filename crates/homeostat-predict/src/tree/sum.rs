//! The sum of an ensemble's tree values for each row: what both the forest
//! (a mean) and gradient boosting (a raw score) predict from.

use ndarray::{Array1, ArrayView2, Axis};

use super::node::{BLOCK, Tree};

/// For each row of `x`, the sum of the trees' leaf values (`x` has the
/// features the trees were fitted on; the caller checks the count).
pub(crate) fn sum_trees(trees: &[Tree], x: ArrayView2<'_, f64>) -> Array1<f64> {
    let mut out = Array1::zeros(x.nrows());
    let mut rows: Vec<f64> = Vec::new();
    // Blocks of rows walk each tree in turn: the tree stays in cache
    // and the rows' independent paths overlap their memory latency.
    let nf = x.ncols();
    for (block, out) in x
        .axis_chunks_iter(Axis(0), BLOCK)
        .zip(out.axis_chunks_iter_mut(Axis(0), BLOCK))
    {
        let data: &[f64] = match block.as_slice() {
            Some(s) => s,
            None => {
                rows.clear();
                rows.extend(block.iter().copied());
                &rows
            }
        };
        let out = out.into_slice().unwrap_or_default();
        if out.len() < 4 {
            for (o, row) in out.iter_mut().zip(data.chunks_exact(nf.max(1))) {
                *o = Tree::sum_lanes(trees, row);
            }
        } else {
            for tree in trees {
                tree.add_block(data, nf, out);
            }
        }
    }
    out
}
