//! Analytic results for multi-server queues, used by the cluster model to
//! turn load into waiting time, and by the tests to check the request-level
//! simulator against theory.

/// An M/M/c queue: Poisson arrivals at rate `lambda`, `servers` identical
/// servers each completing work at rate `mu` (1 / mean service time).
///
/// ```
/// use homeostat_sim::queueing::MmcQueue;
/// // M/M/1 at 50 % load with a 10 ms mean service time waits 10 ms on average.
/// let q = MmcQueue::new(50.0, 100.0, 1);
/// assert!((q.mean_wait().unwrap() - 0.010).abs() < 1e-12);
/// assert!(MmcQueue::new(100.0, 100.0, 1).mean_wait().is_none()); // unstable
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MmcQueue {
    /// Arrival rate (per second).
    pub lambda: f64,
    /// Service rate of one server (per second).
    pub mu: f64,
    /// Number of servers.
    pub servers: u32,
}

impl MmcQueue {
    /// A queue with the given rates and server count.
    pub fn new(lambda: f64, mu: f64, servers: u32) -> Self {
        MmcQueue {
            lambda,
            mu,
            servers,
        }
    }

    /// Offered load in Erlangs, `lambda / mu`.
    pub fn offered_load(&self) -> f64 {
        self.lambda / self.mu
    }

    /// Server utilisation `rho = lambda / (c mu)`.
    pub fn utilisation(&self) -> f64 {
        self.offered_load() / f64::from(self.servers.max(1))
    }

    /// Whether the queue has a steady state (`rho < 1`).
    pub fn is_stable(&self) -> bool {
        self.servers > 0 && self.mu > 0.0 && self.lambda >= 0.0 && self.utilisation() < 1.0
    }

    /// Probability that an arrival waits (Erlang C), or `None` if unstable.
    ///
    /// ```
    /// use homeostat_sim::queueing::MmcQueue;
    /// // Textbook value: c = 2, a = 1 Erlang gives C = 1/3.
    /// let q = MmcQueue::new(1.0, 1.0, 2);
    /// assert!((q.prob_wait().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    /// ```
    pub fn prob_wait(&self) -> Option<f64> {
        if !self.is_stable() {
            return None;
        }
        Some(erlang_c(self.servers, self.offered_load()))
    }

    /// Mean time in the queue before service (`Wq`), or `None` if unstable.
    pub fn mean_wait(&self) -> Option<f64> {
        let c = f64::from(self.servers);
        Some(self.prob_wait()? / (c * self.mu - self.lambda))
    }

    /// Mean number waiting (`Lq = lambda Wq`, Little's law).
    pub fn mean_queue_length(&self) -> Option<f64> {
        Some(self.lambda * self.mean_wait()?)
    }

    /// Mean time in the system (`W = Wq + 1/mu`).
    pub fn mean_response(&self) -> Option<f64> {
        Some(self.mean_wait()? + 1.0 / self.mu)
    }

    /// Rate of the exponential tail of the waiting time of those who wait:
    /// `P(Wq > t | Wq > 0) = exp(-(c mu - lambda) t)`.
    pub fn wait_tail_rate(&self) -> Option<f64> {
        self.is_stable()
            .then(|| f64::from(self.servers) * self.mu - self.lambda)
    }
}

/// Erlang C: the probability of waiting in an M/M/c queue with offered load
/// `a` Erlangs, computed through the Erlang B recursion, which stays stable
/// for hundreds of servers. Returns 1 when `a >= c` (every arrival waits).
///
/// ```
/// use homeostat_sim::queueing::erlang_c;
/// assert!((erlang_c(1, 0.5) - 0.5).abs() < 1e-12); // M/M/1: C = rho
/// assert_eq!(erlang_c(4, 4.0), 1.0);
/// ```
pub fn erlang_c(servers: u32, a: f64) -> f64 {
    let c = f64::from(servers);
    if servers == 0 || a >= c {
        return 1.0;
    }
    if a <= 0.0 {
        return 0.0;
    }
    let mut b = 1.0;
    for k in 1..=servers {
        b = a * b / (f64::from(k) + a * b);
    }
    c * b / (c - a * (1.0 - b))
}

/// The Allen–Cunneen factor `(ca² + cs²) / 2` with Poisson arrivals
/// (`ca² = 1`): the M/G/c mean wait is about this times the M/M/c one.
///
/// ```
/// assert_eq!(homeostat_sim::queueing::allen_cunneen_factor(1.0), 1.0);
/// assert_eq!(homeostat_sim::queueing::allen_cunneen_factor(0.0), 0.5); // M/D/c
/// ```
pub fn allen_cunneen_factor(service_scv: f64) -> f64 {
    (1.0 + service_scv) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook closed form, with factorials: fine for small c.
    fn erlang_c_direct(c: u32, a: f64) -> f64 {
        let factorial = |n: u32| (1..=n).map(f64::from).product::<f64>();
        let head: f64 = (0..c).map(|k| a.powi(k as i32) / factorial(k)).sum();
        let tail = a.powi(c as i32) / factorial(c) * f64::from(c) / (f64::from(c) - a);
        tail / (head + tail)
    }

    #[test]
    fn erlang_c_matches_the_closed_form() {
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        for (c, a) in [
            (1, 0.3),
            (2, 1.0),
            (5, 3.0),
            (10, 8.0),
            (20, 19.5),
            (30, 1.0),
        ] {
            let (fast, direct) = (erlang_c(c, a), erlang_c_direct(c, a));
            assert!(
                (fast - direct).abs() < 1e-10,
                "c={c} a={a}: {fast} vs {direct}"
            );
        }
    }

    #[test]
    fn large_server_counts_stay_finite() {
        let p = erlang_c(500, 480.0);
        assert!(p.is_finite() && (0.0..=1.0).contains(&p));
    }

    #[test]
    fn mm1_closed_forms() {
        let q = MmcQueue::new(80.0, 100.0, 1);
        let rho: f64 = 0.8;
        assert!((q.mean_wait().unwrap() - rho / (100.0 - 80.0)).abs() < 1e-12);
        assert!((q.mean_queue_length().unwrap() - rho * rho / (1.0 - rho)).abs() < 1e-9);
        assert!((q.mean_response().unwrap() - 1.0 / (100.0 - 80.0)).abs() < 1e-12);
    }

    #[test]
    fn unstable_or_degenerate_queues_have_no_steady_state() {
        assert!(MmcQueue::new(10.0, 1.0, 4).mean_wait().is_none());
        assert!(MmcQueue::new(1.0, 1.0, 0).prob_wait().is_none());
        assert!(MmcQueue::new(1.0, 0.0, 1).wait_tail_rate().is_none());
        assert_eq!(MmcQueue::new(0.0, 1.0, 2).mean_wait(), Some(0.0));
    }
}
