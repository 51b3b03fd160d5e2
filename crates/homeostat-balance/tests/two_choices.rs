//! The two-choice pick against the picks the general power-of-choices loop
//! made, recorded from it. Alone in its own test binary: a thread's random
//! draws depend on its stripe, given by the order in which threads first
//! pick, and only a lone test is sure to run on the first thread to pick
//! (stripe 0), whatever the harness.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use std::sync::Arc;

use homeostat_balance::{BackendId, Balancer, LoadSignal, ManualClock, Outcome, Request, Strategy};

/// Picks of a power-of-two-choices balancer over weighted backends, with
/// some guards held (so pending counts differ) and, for Peak-EWMA, latencies
/// that differ by backend: the sequence the seed fixes.
fn two_choice_sequence(load: LoadSignal) -> Vec<u64> {
    let clock = Arc::new(ManualClock::new());
    let lb = Balancer::params(Strategy::PowerOfChoices { choices: 2, load })
        .backend(BackendId(1), 1.0)
        .backend(BackendId(2), 2.0)
        .backend(BackendId(3), 3.0)
        .backend(BackendId(4), 0.5)
        .backend(BackendId(5), 4.0)
        .clock(clock.clone())
        .seed(11)
        .build()
        .unwrap();
    let mut held = std::collections::VecDeque::new();
    let mut sequence = Vec::new();
    for i in 0..80u64 {
        clock.advance_nanos(1_000);
        let pick = lb.pick(&Request::new()).unwrap();
        let id = pick.backend().0;
        sequence.push(id);
        if i % 3 == 0 {
            clock.advance_nanos(id * 7_000);
            pick.complete(Outcome::Success);
        } else {
            held.push_back(pick);
        }
        if held.len() > 6 {
            clock.advance_nanos(5_000);
            held.pop_front().unwrap().complete(Outcome::Success);
        }
    }
    sequence
}

/// The two-choice pick has a path of its own; it keeps the general loop's
/// draws and comparison, so the picks are those the loop made (recorded
/// from it).
#[test]
fn two_choices_pick_as_the_general_loop_did() {
    #[rustfmt::skip]
    let pending = [
        3, 3, 5, 5, 5, 2, 5, 5, 3, 5, 3, 5, 5, 3, 5, 5, 5, 5, 2, 3, 1, 2, 3, 2, 2, 4, 5, 5, 3, 5,
        5, 1, 5, 5, 2, 3, 5, 2, 5, 3, 5, 3, 5, 5, 5, 5, 2, 2, 3, 1, 5, 5, 3, 3, 5, 5, 5, 2, 2, 1,
        2, 5, 3, 3, 3, 5, 5, 2, 5, 2, 5, 5, 1, 3, 2, 5, 3, 5, 3, 5,
    ];
    #[rustfmt::skip]
    let peak_ewma = [
        1, 3, 5, 2, 1, 2, 1, 1, 1, 2, 1, 3, 5, 5, 5, 3, 5, 3, 2, 3, 5, 2, 1, 2, 2, 4, 5, 5, 3, 5,
        5, 3, 5, 5, 2, 5, 2, 3, 2, 5, 5, 3, 5, 5, 2, 5, 1, 2, 3, 5, 5, 5, 3, 3, 5, 5, 5, 2, 2, 1,
        3, 5, 3, 3, 3, 5, 5, 3, 5, 2, 2, 5, 1, 5, 2, 5, 3, 1, 3, 3,
    ];
    assert_eq!(two_choice_sequence(LoadSignal::PendingRequests), pending);
    assert_eq!(two_choice_sequence(LoadSignal::PeakEwma), peak_ewma);
}
