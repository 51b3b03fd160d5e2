//! Honest evaluation of fault probabilities: row-level ranking and
//! threshold scores, and event-level recall, lead time and false alarms
//! per day over time.

mod backtest;
mod events;
mod scores;

pub use backtest::{Backtest, FoldReport, rolling_backtest};
pub use events::{EventReport, KindReport, evaluate_events};
pub use scores::{Confusion, SweepPoint, pr_auc, roc_auc, sweep};
