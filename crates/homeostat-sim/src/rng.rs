//! Seeded random streams.
//!
//! Every random choice in the simulator draws from a stream derived from the
//! run's seed and a fixed label (which node, which service, which purpose),
//! so the same seed gives the same output byte for byte, and adding a node
//! does not change the draws of the others.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator used everywhere in the simulator: ChaCha8, whose output is
/// specified and portable, and which supports independent streams.
pub type SimRng = ChaCha8Rng;

/// The independent stream `label` of the run seeded with `seed`.
///
/// ```
/// use rand::Rng;
/// let mut a = homeostat_sim::rng::stream(7, 1);
/// let mut b = homeostat_sim::rng::stream(7, 1);
/// assert_eq!(a.r#gen::<u64>(), b.r#gen::<u64>());
/// ```
pub fn stream(seed: u64, label: u64) -> SimRng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(label);
    rng
}

/// Stream labels, spaced so each family has room for many members.
pub(crate) mod label {
    pub(crate) const FAULT_SCHEDULE: u64 = 1;
    pub(crate) const SCRAPE: u64 = 2;
    pub(crate) const WORKLOAD: u64 = 1 << 20;
    pub(crate) const REPLICA: u64 = 2 << 20;
    pub(crate) const REQUESTS: u64 = 4 << 20;
    pub(crate) const BACKEND: u64 = 5 << 20;
}
