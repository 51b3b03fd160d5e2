//! Additive increase, multiplicative decrease (Netflix `AIMDLimit`).

use super::{LimitAlgorithm, Sample, check_limits, to_limit};
use crate::error::{Result, check_range};

/// Loss-based AIMD: grow by one per sample while the limit is in use,
/// multiply by `backoff_ratio` on a drop or an RTT above the timeout.
///
/// Faithful to Netflix concurrency-limits' `AIMDLimit`, defaults included.
///
/// ```
/// use homeostat_tune::limit::{Aimd, LimitAlgorithm, Sample};
/// let mut aimd = Aimd::params().check()?;
/// assert_eq!(aimd.limit(), 20);
/// assert_eq!(aimd.on_sample(&Sample::ok(0.0, 0.01, 15)), 21); // 15 * 2 >= 20
/// assert_eq!(aimd.on_sample(&Sample::ok(0.1, 0.01, 5)), 21);  // not in use
/// assert_eq!(aimd.on_sample(&Sample::dropped(0.2, 0.01, 21)), 20); // floor(21 * 0.9) = 18, min 20
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Aimd {
    params: AimdParams,
    limit: u32,
}

/// Parameters of [`Aimd`]; [`check`](AimdParams::check) validates them.
#[derive(Debug, Clone, PartialEq)]
pub struct AimdParams {
    initial_limit: u32,
    min_limit: u32,
    max_limit: u32,
    backoff_ratio: f64,
    timeout_secs: f64,
}

impl Aimd {
    /// Netflix's defaults: initial 20, min 20, max 200, backoff 0.9, timeout
    /// 5 s.
    pub fn params() -> AimdParams {
        AimdParams {
            initial_limit: 20,
            min_limit: 20,
            max_limit: 200,
            backoff_ratio: 0.9,
            timeout_secs: 5.0,
        }
    }
}

impl AimdParams {
    /// The limit before any sample; default 20, in `[min_limit, max_limit]`.
    pub fn initial_limit(mut self, limit: u32) -> Self {
        self.initial_limit = limit;
        self
    }
    /// The lowest limit; default 20, at least 1.
    pub fn min_limit(mut self, limit: u32) -> Self {
        self.min_limit = limit;
        self
    }
    /// The highest limit; default 200.
    pub fn max_limit(mut self, limit: u32) -> Self {
        self.max_limit = limit;
        self
    }
    /// Factor applied on a drop; default 0.9, in `[0.5, 1)`.
    pub fn backoff_ratio(mut self, ratio: f64) -> Self {
        self.backoff_ratio = ratio;
        self
    }
    /// An RTT above this counts as a drop; default 5 s, positive.
    pub fn timeout_secs(mut self, secs: f64) -> Self {
        self.timeout_secs = secs;
        self
    }
    /// Validates the parameters into an [`Aimd`].
    pub fn check(self) -> Result<Aimd> {
        check_limits(self.initial_limit, self.min_limit, self.max_limit)?;
        check_range(
            "backoff_ratio",
            self.backoff_ratio,
            0.5,
            1.0 - f64::EPSILON,
            "[0.5, 1)",
        )?;
        check_range(
            "timeout_secs",
            self.timeout_secs,
            f64::MIN_POSITIVE,
            f64::MAX,
            "(0, inf)",
        )?;
        Ok(Aimd {
            limit: self.initial_limit,
            params: self,
        })
    }
}

impl LimitAlgorithm for Aimd {
    fn limit(&self) -> u32 {
        self.limit
    }

    fn on_sample(&mut self, sample: &Sample) -> u32 {
        let p = &self.params;
        let rtt = sample.valid_rtt();
        if rtt.is_none() && !sample.dropped {
            return self.limit;
        }
        let late = rtt.is_some_and(|rtt| rtt > p.timeout_secs);
        let next = if sample.dropped || late {
            (f64::from(self.limit) * p.backoff_ratio).floor()
        } else if u64::from(sample.in_flight) * 2 >= u64::from(self.limit) {
            f64::from(self.limit) + 1.0
        } else {
            f64::from(self.limit)
        };
        self.limit = to_limit(next, p.min_limit, p.max_limit);
        self.limit
    }
}
