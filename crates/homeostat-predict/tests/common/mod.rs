//! Synthetic data shared by the integration tests.
#![allow(dead_code)] // each test binary uses a part

use ndarray::{Array1, Array2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` rows of `d` standard-ish uniform features; the target is a noisy
/// nonlinear function of the first three, positive in about `rate` of rows.
pub(crate) fn synthetic(n: usize, d: usize, seed: u64) -> (Array2<f64>, Array1<bool>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n, d), |_| rng.gen_range(-1.0..1.0));
    let y = x
        .rows()
        .into_iter()
        .map(|r| {
            let s = r[0] * 2.0 + r[1] * r[1] * 3.0 - r[2] + rng.gen_range(-0.5..0.5);
            s > 1.2
        })
        .collect();
    (x, y)
}

/// Share of equal labels.
pub(crate) fn accuracy(p: &Array1<f64>, y: &Array1<bool>) -> f64 {
    p.iter().zip(y).filter(|&(&p, &y)| (p > 0.5) == y).count() as f64 / y.len() as f64
}

/// The first `n` rows.
pub(crate) fn head(x: &Array2<f64>, n: usize) -> Array2<f64> {
    x.slice_axis(Axis(0), (..n).into()).to_owned()
}

/// The rows from `n` on.
pub(crate) fn tail(x: &Array2<f64>, n: usize) -> Array2<f64> {
    x.slice_axis(Axis(0), (n..).into()).to_owned()
}

/// The first `n` targets.
pub(crate) fn head1(y: &Array1<bool>, n: usize) -> Array1<bool> {
    y.slice_axis(Axis(0), (..n).into()).to_owned()
}

/// The targets from `n` on.
pub(crate) fn tail1(y: &Array1<bool>, n: usize) -> Array1<bool> {
    y.slice_axis(Axis(0), (n..).into()).to_owned()
}
