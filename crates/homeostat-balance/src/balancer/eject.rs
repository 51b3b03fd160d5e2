//! Outlier ejection: what a completion reports, and the interval checks.
//!
//! Every change of an ejected flag happens under the writers' lock, so the
//! ejected count is exact and the max-ejection percentage is checked
//! against the true count, never a stale one: concurrent failures on many
//! backends cannot eject more than allowed.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::Balancer;
use crate::backend::Backend;
use crate::health::OutlierDetection;
use crate::pick::Outcome;

impl Balancer {
    /// The time a completion reports at, read by the completing
    /// [`Pick`](crate::Pick) before it looks its backend up. Read after
    /// the pending count's locked decrement, the counter waited for that
    /// instruction and then held up the update that depends on it; read
    /// first, a Peak-EWMA request took 5–10 ns less (docs/benchmarks.md).
    /// 0 when completions report nothing timed.
    #[inline(always)]
    pub(crate) fn completion_time(&self) -> u64 {
        if self.reports() { self.now() } else { 0 }
    }

    /// Whether a completion does more than end the pending count.
    #[inline(always)]
    fn reports(&self) -> bool {
        self.tracks_latency || self.outlier.is_some()
    }

    /// Called by a completing [`Pick`](crate::Pick), with the time from
    /// [`Balancer::completion_time`].
    #[inline]
    pub(crate) fn complete(&self, backend: &Backend, started: u64, now: u64, outcome: Outcome) {
        backend.pending.decrement();
        // Strategies without a latency signal or health tracking are done
        // here. The latency update is small and inline; outlier detection
        // is out of line, so the others' completions stay small.
        if self.tracks_latency {
            self.observe_latency(backend, started, now, outcome);
        }
        if let Some(outlier) = &self.outlier {
            self.report_outcome(outlier, backend, now, outcome);
        }
    }

    /// Feeds the latency to Peak-EWMA (and the outcome to its failure
    /// penalty and stall floor).
    #[inline(always)]
    fn observe_latency(&self, backend: &Backend, started: u64, now: u64, outcome: Outcome) {
        let took = now.saturating_sub(started) as f64;
        backend.ewma.observe(took, now, self.decay_rate);
        if self.failure_penalty_nanos > 0.0 {
            match outcome {
                Outcome::Failure => backend.failing_since.fail(now),
                Outcome::Success => backend.failing_since.succeed(),
                Outcome::Cancelled => {}
            }
        }
        if self.stall_floor && outcome == Outcome::Success {
            backend.answered_at.mark(now);
        }
    }

    /// Feeds the outcome to outlier detection.
    #[inline(never)]
    fn report_outcome(
        &self,
        outlier: &OutlierDetection,
        backend: &Backend,
        now: u64,
        outcome: Outcome,
    ) {
        match outcome {
            Outcome::Success => {
                backend.consecutive_failures.store(0, Ordering::Relaxed);
                backend.interval_ok.fetch_add(1, Ordering::Relaxed);
            }
            Outcome::Failure => {
                backend.interval_failed.fetch_add(1, Ordering::Relaxed);
                let failures = backend.consecutive_failures.fetch_add(1, Ordering::Relaxed) + 1;
                // Try at the threshold and at each multiple of it, so a
                // backend refused by the max-ejection percentage is tried
                // again later without taking the lock on every failure.
                if let Some(threshold) = outlier.consecutive_failures
                    && failures.is_multiple_of(threshold)
                {
                    let _writer = self.lock_writer();
                    self.release_expired(now);
                    self.eject_locked(outlier, backend, now);
                }
            }
            Outcome::Cancelled => {}
        }
        if now >= self.next_sweep.load(Ordering::Relaxed)
            && let Ok(_writer) = self.writer.try_lock()
        {
            self.sweep_locked(outlier, now);
        }
    }

    /// Runs the interval checks now: releases expired ejections, evaluates
    /// the success-rate and failure-percentage detectors over the counts
    /// since the last check, and starts a new interval. Completions run it
    /// by themselves once an interval has passed; call it from a timer if
    /// completions may stop.
    pub fn evaluate_outliers(&self) {
        if let Some(outlier) = &self.outlier {
            let _writer = self.lock_writer();
            self.sweep_locked(outlier, self.clock.now_nanos());
        }
    }

    /// Clears the flag of every ejection whose time is up.
    fn release_expired(&self, now: u64) {
        for b in self.set.load().backends.iter() {
            if b.ejected.load(Ordering::Acquire)
                && now >= b.ejected_until.load(Ordering::Acquire)
                && b.ejected.swap(false, Ordering::AcqRel)
            {
                b.consecutive_failures.store(0, Ordering::Relaxed);
                self.ejected.fetch_sub(1, Ordering::AcqRel);
            }
        }
    }

    /// Ejects `b` if it is in the set, not ejected, and one more ejection
    /// stays within the max-ejection percentage. Holds the writers' lock.
    fn eject_locked(&self, outlier: &OutlierDetection, b: &Backend, now: u64) -> bool {
        if b.removed.load(Ordering::Acquire) || b.ejected.load(Ordering::Acquire) {
            return false;
        }
        let n = self.set.load().backends.len();
        if !outlier.may_eject(self.ejected.load(Ordering::Acquire), n) {
            return false;
        }
        let nth = b
            .ejections
            .fetch_add(1, Ordering::Relaxed)
            .saturating_add(1);
        b.ejected_until.store(
            now.saturating_add(outlier.ejection_nanos(nth)),
            Ordering::Release,
        );
        b.ejected.store(true, Ordering::Release);
        b.consecutive_failures.store(0, Ordering::Relaxed);
        self.ejected.fetch_add(1, Ordering::AcqRel);
        true
    }

    fn sweep_locked(&self, outlier: &OutlierDetection, now: u64) {
        let interval = u64::try_from(outlier.interval.as_nanos()).unwrap_or(u64::MAX);
        self.next_sweep
            .store(now.saturating_add(interval), Ordering::Relaxed);
        self.release_expired(now);
        let set = self.set.load();
        // (backend, ok, failed) over the interval that just ended.
        let counts: Vec<(&Arc<Backend>, u64, u64)> = set
            .backends
            .iter()
            .map(|b| {
                let ok = b.interval_ok.swap(0, Ordering::Relaxed);
                let failed = b.interval_failed.swap(0, Ordering::Relaxed);
                if failed == 0 && !b.ejected.load(Ordering::Acquire) {
                    // A clean interval shortens the next ejection.
                    let _ = b
                        .ejections
                        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |e| e.checked_sub(1));
                }
                (b, ok, failed)
            })
            .collect();
        if let Some(sr) = &outlier.success_rate {
            let mut rated: Vec<(&Arc<Backend>, f64)> = counts
                .iter()
                .filter(|(_, ok, failed)| ok + failed >= sr.request_volume.max(1))
                .map(|&(b, ok, failed)| (b, ok as f64 / (ok + failed) as f64))
                .collect();
            if rated.len() >= sr.minimum_hosts.max(1) {
                let mean = rated.iter().map(|r| r.1).sum::<f64>() / rated.len() as f64;
                let var =
                    rated.iter().map(|r| (r.1 - mean).powi(2)).sum::<f64>() / rated.len() as f64;
                let threshold = mean - sr.stdev_factor * var.sqrt();
                rated.sort_by(|a, b| a.1.total_cmp(&b.1));
                for (b, rate) in rated {
                    if rate < threshold {
                        self.eject_locked(outlier, b, now);
                    }
                }
            }
        }
        if let Some(fp) = &outlier.failure_percentage {
            let mut rated: Vec<(&Arc<Backend>, f64)> = counts
                .iter()
                .filter(|(_, ok, failed)| ok + failed >= fp.request_volume.max(1))
                .map(|&(b, ok, failed)| (b, 100.0 * failed as f64 / (ok + failed) as f64))
                .collect();
            if rated.len() >= fp.minimum_hosts.max(1) {
                rated.sort_by(|a, b| b.1.total_cmp(&a.1));
                for (b, percent) in rated {
                    if percent >= fp.threshold_percent {
                        self.eject_locked(outlier, b, now);
                    }
                }
            }
        }
    }
}
