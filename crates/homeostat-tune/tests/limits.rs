//! The limit algorithms: published semantics, envelopes, bad parameters.
#![allow(clippy::unwrap_used)] // a panic in a test is a failed test

use homeostat_tune::Error;
use homeostat_tune::limit::{
    AdaptiveLimit, Aimd, FixedLimit, Gradient2, LimitAlgorithm, Limiter, Sample, Vegas,
};
use proptest::prelude::*;

fn all(min: u32, max: u32) -> Vec<(&'static str, Box<dyn LimitAlgorithm>)> {
    let initial = min.max(20).min(max);
    vec![
        (
            "aimd",
            Box::new(
                Aimd::params()
                    .initial_limit(initial)
                    .min_limit(min)
                    .max_limit(max)
                    .check()
                    .unwrap(),
            ),
        ),
        (
            "vegas",
            Box::new(
                Vegas::params()
                    .initial_limit(initial)
                    .min_limit(min)
                    .max_limit(max)
                    .check()
                    .unwrap(),
            ),
        ),
        (
            "gradient2",
            Box::new(
                Gradient2::params()
                    .initial_limit(initial)
                    .min_limit(min)
                    .max_limit(max)
                    .check()
                    .unwrap(),
            ),
        ),
        (
            "adaptive",
            Box::new(
                AdaptiveLimit::params()
                    .initial_limit(initial)
                    .min_limit(min)
                    .max_limit(max)
                    .check()
                    .unwrap(),
            ),
        ),
    ]
}

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 0.0..10.0f64,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => -1e300..1e300f64,
        1 => Just(0.0),
    ]
}

fn any_sample() -> impl Strategy<Value = Sample> {
    (any_f64(), any_f64(), any::<u32>(), any::<bool>()).prop_map(
        |(now_secs, rtt_secs, in_flight, dropped)| Sample {
            now_secs,
            rtt_secs,
            in_flight,
            dropped,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the samples (NaN, infinite, negative, absurd), every
    /// algorithm's limit stays in its envelope and nothing panics.
    #[test]
    fn no_algorithm_leaves_its_envelope(
        min in 1u32..50,
        span in 0u32..500,
        samples in proptest::collection::vec(any_sample(), 1..300),
    ) {
        let max = min + span;
        for (name, mut algorithm) in all(min, max) {
            for sample in &samples {
                let limit = algorithm.on_sample(sample);
                prop_assert!((min..=max).contains(&limit), "{name}: {limit} outside [{min}, {max}]");
                prop_assert_eq!(limit, algorithm.limit());
            }
        }
    }
}

#[test]
fn aimd_follows_netflix_semantics() {
    let mut aimd = Aimd::params().min_limit(1).check().unwrap();
    assert_eq!(aimd.limit(), 20);
    // In use: +1 per sample.
    for _ in 0..10 {
        aimd.on_sample(&Sample::ok(0.0, 0.01, 20));
    }
    assert_eq!(aimd.limit(), 30);
    // An RTT past the 5 s timeout counts as a drop: floor(30 * 0.9) = 27.
    assert_eq!(aimd.on_sample(&Sample::ok(1.0, 6.0, 30)), 27);
    assert_eq!(aimd.on_sample(&Sample::dropped(1.0, 0.01, 30)), 24);
    // Under half used: unchanged.
    assert_eq!(aimd.on_sample(&Sample::ok(1.0, 0.01, 5)), 24);
}

#[test]
fn gradient2_shrinks_when_the_rtt_jumps_and_ignores_drops() {
    let mut g = Gradient2::params().min_limit(1).check().unwrap();
    for i in 0..300 {
        g.on_sample(&Sample::ok(f64::from(i), 0.010, 200));
    }
    let high = g.limit();
    assert_eq!(high, 200); // capped
    // Four times the RTT: gradient clamps at 0.5, the limit falls.
    for i in 0..20 {
        g.on_sample(&Sample::ok(300.0 + f64::from(i), 0.040, 200));
    }
    assert!(g.limit() < high / 2, "{}", g.limit());
    let before = g.limit();
    g.on_sample(&Sample::dropped(400.0, f64::NAN, 200));
    assert_eq!(g.limit(), before);
}

#[test]
fn vegas_is_reproducible_for_a_seed() {
    let run = |seed| {
        let mut v = Vegas::params().seed(seed).check().unwrap();
        (0..5000)
            .map(|i| {
                let rtt = 0.010 + 0.001 * f64::from(i % 7);
                v.on_sample(&Sample::ok(f64::from(i), rtt, v.limit()))
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(run(1), run(1));
}

#[test]
fn adaptive_backs_off_once_per_rtt_on_a_burst_of_drops() {
    let mut a = AdaptiveLimit::params().initial_limit(100).check().unwrap();
    a.on_sample(&Sample::ok(0.0, 0.1, 100));
    let start = a.limit();
    // Fifty timeouts within 10 ms: one back-off.
    for i in 0..50 {
        a.on_sample(&Sample::dropped(1.0 + 0.0002 * f64::from(i), 1.0, 100));
    }
    assert_eq!(a.limit(), (f64::from(start) * 0.9) as u32);
    assert!(!a.in_slow_start());
}

#[test]
fn adaptive_probes_and_learns_the_no_queue_rtt() {
    // A server with 40 cores and 25 ms of work per request, processor
    // shared: RTT = 25 ms × max(1, in_flight / 40).
    let mut a = AdaptiveLimit::params().check().unwrap();
    let mut now = 0.0;
    let mut probes = 0;
    let mut was_probing = false;
    for _ in 0..200_000 {
        let limit = a.limit();
        let rtt = 0.025 * (f64::from(limit) / 40.0).max(1.0);
        now += rtt / f64::from(limit);
        a.on_sample(&Sample::ok(now, rtt, limit));
        if a.is_probing() && !was_probing {
            probes += 1;
        }
        was_probing = a.is_probing();
    }
    assert!(probes > 10, "{probes}");
    let baseline = a.baseline_rtt().unwrap();
    assert!((baseline - 0.025).abs() < 1e-9, "{baseline}");
    // The fixed point keeps the RTT near the tolerance: 40 ≤ limit ≤ 1.05 × 40 + headroom.
    let limit = a.limit();
    assert!((40..=60).contains(&limit), "{limit}");
}

#[test]
fn adaptive_routine_probes_stay_just_below_the_bandwidth_delay_product() {
    // The processor-sharing server of 40 cores: a routine probe keeps about
    // 0.9 of the 40 requests it can serve without queueing, never more than
    // 40 (it would read a queued RTT) and never half the limit.
    let mut a = AdaptiveLimit::params().check().unwrap();
    let mut now = 0.0;
    let mut before = a.limit();
    let mut probe_limits = Vec::new();
    let mut was_probing = false;
    while now < 60.0 {
        let limit = a.limit();
        let rtt = 0.025 * (f64::from(limit) / 40.0).max(1.0);
        now += rtt / f64::from(limit);
        a.on_sample(&Sample::ok(now, rtt, limit));
        if a.is_probing() && !was_probing && now > 5.0 {
            probe_limits.push((before, a.limit()));
        }
        was_probing = a.is_probing();
        if !was_probing {
            before = a.limit();
        }
    }
    assert!(probe_limits.len() > 20, "{probe_limits:?}");
    for &(before, during) in &probe_limits {
        assert!((32..=40).contains(&during), "{before} -> {during}");
        assert!(2 * during > before, "{before} -> {during}");
    }
}

#[test]
fn adaptive_leaves_slow_start_at_half_its_limit() {
    let mut a = AdaptiveLimit::params().check().unwrap();
    let mut now = 0.0;
    while a.in_slow_start() {
        let limit = a.limit();
        let rtt = 0.025 * (f64::from(limit) / 40.0).max(1.0);
        now += rtt / f64::from(limit);
        let before = limit;
        a.on_sample(&Sample::ok(now, rtt, limit));
        if !a.in_slow_start() {
            // Halved, then the first probe keeps half of that.
            assert!(a.is_probing());
            assert_eq!(a.limit(), before / 4, "{before}");
        }
        assert!(now < 10.0);
    }
}

#[test]
fn bad_parameters_are_typed_errors() {
    assert!(matches!(
        Aimd::params().min_limit(50).max_limit(10).check(),
        Err(Error::MinAboveMax { .. })
    ));
    assert!(matches!(
        Aimd::params().initial_limit(500).check(),
        Err(Error::InvalidParameter {
            name: "initial_limit",
            ..
        })
    ));
    assert!(matches!(
        Aimd::params().min_limit(0).initial_limit(0).check(),
        Err(Error::InvalidParameter {
            name: "min_limit",
            ..
        })
    ));
    assert!(matches!(
        Aimd::params().timeout_secs(-1.0).check(),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(Vegas::params().smoothing(f64::NAN).check().is_err());
    assert!(Vegas::params().smoothing(0.0).check().is_err());
    assert!(Gradient2::params().rtt_tolerance(0.5).check().is_err());
    assert!(Gradient2::params().queue_size(-1.0).check().is_err());
    assert!(Gradient2::params().long_window(0).check().is_err());
    assert!(AdaptiveLimit::params().probe_factor(1.0).check().is_err());
    for margin in [0.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            AdaptiveLimit::params().probe_margin(margin).check(),
            Err(Error::InvalidParameter {
                name: "probe_margin",
                ..
            })
        ));
    }
    assert!(
        AdaptiveLimit::params()
            .probe_interval_secs(f64::INFINITY)
            .check()
            .is_err()
    );
    assert!(AdaptiveLimit::params().backoff_ratio(-0.5).check().is_err());
    assert!(FixedLimit::new(0).is_err());
    let err = Aimd::params().backoff_ratio(f64::NAN).check().unwrap_err();
    assert!(err.to_string().contains("backoff_ratio"), "{err}");
}

#[test]
fn permits_count_in_flight_and_release_on_drop() {
    let limiter = Limiter::new(FixedLimit::new(3).unwrap());
    let a = limiter.try_acquire(0.0).unwrap();
    let b = limiter.try_acquire(0.0).unwrap();
    assert_eq!(b.in_flight_at_start(), 2);
    {
        let _c = limiter.try_acquire(0.0).unwrap();
        assert!(limiter.try_acquire(0.0).is_none());
    } // dropped without a report: released
    assert_eq!(limiter.in_flight(), 2);
    a.success(0.1);
    b.ignore();
    assert_eq!(limiter.in_flight(), 0);
}

#[test]
fn permits_feed_the_algorithm() {
    let limiter = Limiter::new(Aimd::params().min_limit(1).check().unwrap());
    for i in 0..10 {
        let permits: Vec<_> = (0..15).map(|_| limiter.try_acquire(0.0).unwrap()).collect();
        for p in permits {
            p.success(0.01 * f64::from(i + 1));
        }
    }
    // Each success with >= half the limit in flight added one.
    assert!(limiter.limit() > 20);
    let p = limiter.try_acquire(2.0).unwrap();
    let before = limiter.limit();
    p.dropped(3.0);
    assert!(limiter.limit() < before);
}

#[test]
fn the_limiter_is_shareable_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Limiter<AdaptiveLimit>>();
    assert_send_sync::<Limiter<Vegas>>();
}

#[test]
fn partitions_borrow_when_idle_and_keep_their_share_when_busy() {
    let limiter = Limiter::partitioned(FixedLimit::new(20).unwrap(), &[0.9, 0.1]).unwrap();
    // Live fills the whole limit while batch is idle.
    let live: Vec<_> = (0..25)
        .filter_map(|_| limiter.try_acquire_in(0, 0.0))
        .collect();
    assert_eq!(live.len(), 20);
    // At the limit, batch still gets its guaranteed ceil(0.1 × 20) = 2.
    let batch: Vec<_> = (0..5)
        .filter_map(|_| limiter.try_acquire_in(1, 0.0))
        .collect();
    assert_eq!(batch.len(), 2);
    assert_eq!(limiter.in_flight_in(0), 20);
    assert_eq!(limiter.in_flight_in(1), 2);
    drop(batch);
    assert_eq!(limiter.in_flight_in(1), 0);
    for permit in live {
        permit.success(0.01);
    }
    assert_eq!(limiter.in_flight(), 0);
    // Unknown partitions are shed; bad shares are typed errors.
    assert!(limiter.try_acquire_in(7, 0.0).is_none());
    assert_eq!(limiter.in_flight_in(7), 0);
    assert!(Limiter::partitioned(FixedLimit::new(5).unwrap(), &[0.9, 0.2]).is_err());
    assert!(Limiter::partitioned(FixedLimit::new(5).unwrap(), &[f64::NAN]).is_err());
    assert!(Limiter::partitioned(FixedLimit::new(5).unwrap(), &[-0.1, 0.5]).is_err());
}

#[test]
fn adaptive_baseline_follows_a_confirmed_move_of_the_no_queue_rtt() {
    // The same processor-sharing server, whose work per request grows from
    // 25 ms to 28 ms at 30 s: too little to look like a level shift in one
    // window, so only the probes can see it.
    let mut a = AdaptiveLimit::params().check().unwrap();
    let mut now = 0.0;
    let mut baseline_at_30 = None;
    while now < 60.0 {
        let work = if now < 30.0 { 0.025 } else { 0.028 };
        if now >= 30.0 && baseline_at_30.is_none() {
            baseline_at_30 = a.baseline_rtt();
        }
        let limit = a.limit();
        let rtt = work * (f64::from(limit) / 40.0).max(1.0);
        now += rtt / f64::from(limit);
        a.on_sample(&Sample::ok(now, rtt, limit));
    }
    assert!((baseline_at_30.unwrap() - 0.025).abs() < 1e-9);
    // Two disagreeing probes in a row replace the baseline.
    let baseline = a.baseline_rtt().unwrap();
    assert!((baseline - 0.028).abs() < 1e-9, "{baseline}");
    let limit = a.limit();
    assert!((40..=50).contains(&limit), "{limit}");
}

/// A processor-sharing server on 40 cores, 25 ms of work per request,
/// whose first probe reads 20 ms (a low draw). Below the knee the RTT then
/// stays 25 % above that baseline however far the limit falls, so every
/// window cuts.
struct LowFirstProbe {
    now: f64,
    probes: u32,
    probe_starts: Vec<f64>,
    was_probing: bool,
}

impl LowFirstProbe {
    fn new() -> Self {
        LowFirstProbe {
            now: 0.0,
            probes: 0,
            probe_starts: Vec::new(),
            was_probing: false,
        }
    }

    /// One completion.
    fn step(&mut self, a: &mut AdaptiveLimit) {
        let limit = a.limit();
        let work = if self.probes == 1 && a.is_probing() {
            0.020
        } else {
            0.025
        };
        let rtt = work * (f64::from(limit) / 40.0).max(1.0);
        self.now += rtt / f64::from(limit);
        a.on_sample(&Sample::ok(self.now, rtt, limit));
        self.note_probe(a);
    }

    fn note_probe(&mut self, a: &AdaptiveLimit) {
        if a.is_probing() && !self.was_probing {
            self.probes += 1;
            self.probe_starts.push(self.now);
        }
        self.was_probing = a.is_probing();
    }
}

#[test]
fn adaptive_remeasures_a_baseline_that_reads_low_instead_of_collapsing() {
    // Once the limit is below half of where it stood at the first probe, a
    // new probe must replace the baseline, before the routine probe due
    // 2 s after the first ended.
    let mut a = AdaptiveLimit::params().check().unwrap();
    let mut server = LowFirstProbe::new();
    let mut after_first_probe = Vec::new();
    let mut first_probe_end = None;
    while server.probes < 2 || a.is_probing() {
        server.step(&mut a);
        if server.probes == 1 && !a.is_probing() {
            first_probe_end.get_or_insert(server.now);
        }
        if server.probes >= 1 && !a.is_probing() {
            after_first_probe.push((a.limit(), a.baseline_rtt().unwrap()));
        }
        assert!(server.now < 10.0, "no second probe");
    }
    let (probed_limit, low) = after_first_probe[0];
    assert!((low - 0.020).abs() < 1e-9, "{low}");
    let second = server.probe_starts[1];
    assert!(
        second < first_probe_end.unwrap() + 2.0,
        "the routine probe came first: {second}"
    );
    // The second probe set the baseline right.
    let &(last_limit, baseline) = after_first_probe.last().unwrap();
    assert!((baseline - 0.025).abs() < 1e-9, "{baseline}");
    // It fell to about half, not to the minimum, and grows again.
    let lowest = after_first_probe.iter().map(|x| x.0).min().unwrap();
    assert!(
        f64::from(lowest) >= 0.45 * f64::from(probed_limit),
        "{lowest} vs {probed_limit}"
    );
    for _ in 0..400 {
        server.step(&mut a);
    }
    assert!(a.limit() > last_limit, "{} vs {last_limit}", a.limit());
}

#[test]
fn adaptive_collapse_probe_ended_by_a_drop_does_not_restart_at_once() {
    // The same collapse; a drop ends the probe it starts. The limit is
    // then measured against where it stood at that probe, so the next
    // windows cut again instead of starting probe after probe.
    let mut a = AdaptiveLimit::params().check().unwrap();
    let mut server = LowFirstProbe::new();
    while server.probes < 2 {
        server.step(&mut a);
        assert!(server.now < 10.0, "no second probe");
    }
    let limit = a.limit();
    a.on_sample(&Sample::dropped(server.now, 1.0, limit));
    server.note_probe(&a);
    assert!(!a.is_probing());
    let dropped_at = server.now;
    while server.now < dropped_at + 0.3 {
        server.step(&mut a);
    }
    assert_eq!(
        server.probes, 2,
        "probes started at {:?}",
        server.probe_starts
    );
}
