//! Binary decision trees on binned features: the fitted form (plain
//! thresholds, so prediction needs no binning) and the histogram grower
//! used by the forest.

mod grow;
mod node;

pub(crate) use grow::{GrowParams, Grower};
pub(crate) use node::{BLOCK, Tree};
