//! Shared, seeded inputs for the Homeostat benchmarks, so every benchmark and
//! comparison script measures the same data.

#![forbid(unsafe_code)]

use homeostat::core::{Duration, Frame, Result, SeriesKey, Timestamp};
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A frame of `rows` timestamps 10 s apart and `cols` random-walk metrics
/// named `m0`, `m1`, ...; about one value in a hundred is missing (NaN).
///
/// The same `seed` always gives the same frame.
pub fn random_walk_frame(rows: usize, cols: usize, seed: u64) -> Result<Frame> {
    let mut rng = StdRng::seed_from_u64(seed);
    let start = Timestamp::from_secs(1_700_000_000);
    let step = Duration::from_secs(10);
    let index = (0..rows as i64).map(|i| start + step * i).collect();
    let keys = (0..cols)
        .map(|c| SeriesKey::new(format!("m{c}")))
        .collect::<Result<Vec<_>>>()?;
    let mut level = vec![0.0f64; cols];
    let mut values = Array2::zeros((rows, cols));
    for r in 0..rows {
        for (c, level) in level.iter_mut().enumerate() {
            *level += rng.gen_range(-1.0..1.0);
            values[[r, c]] = if rng.gen_ratio(1, 100) {
                f64::NAN
            } else {
                *level
            };
        }
    }
    Frame::new(index, keys, values)
}
