//! Records over a sliding window: the first value of an episode.
//!
//! NAB, like an on-call engineer, rewards the first alarm of an episode and
//! penalises every other one, so the episode detectors report a raw score
//! only when it beats each of the last `rest` raw scores.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// The last `rest` raw scores, oldest first; serialised as that list. Not
/// allocated ahead: `rest` may be large.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub(super) struct RecordGate {
    recent: VecDeque<f64>,
}

impl RecordGate {
    /// Whether `raw` beats each of the last `rest` scores (never before
    /// `rest` scores were seen); then remembers it.
    pub(super) fn record(&mut self, raw: f64, rest: usize) -> bool {
        // A gate restored with a longer history than `rest` keeps its last
        // `rest` scores.
        while self.recent.len() > rest {
            self.recent.pop_front();
        }
        let full = self.recent.len() == rest;
        let record = full && self.recent.iter().all(|&r| raw > r);
        if full {
            self.recent.pop_front();
        }
        self.recent.push_back(raw);
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_value_above_the_whole_window_is_a_record() {
        let mut gate = RecordGate::default();
        // Not before three scores were seen.
        assert!(!gate.record(0.5, 3));
        assert!(!gate.record(0.1, 3));
        assert!(!gate.record(0.2, 3));
        assert!(gate.record(0.6, 3));
        // Equal is not above.
        assert!(!gate.record(0.6, 3));
        // 0.6 is still in the window.
        assert!(!gate.record(0.55, 3));
        assert!(!gate.record(0.0, 3));
        assert!(!gate.record(0.0, 3));
        assert!(gate.record(0.56, 3));
    }
}
