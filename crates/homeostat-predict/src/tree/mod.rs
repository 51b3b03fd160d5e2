//! Binary decision trees on binned features: the fitted form (plain
//! thresholds, so prediction needs no binning), the histogram grower used
//! by the forest and by gradient boosting, and ensemble sums.

mod complete;
mod ensemble;
mod gather;
mod grow;
mod node;
mod sum;

pub(crate) use ensemble::Ensemble;
pub(crate) use grow::{GrowParams, Grower, Response};
pub(crate) use node::Tree;
pub(crate) use sum::sum_trees;
