//! What to pick from: the selection strategies and the load signals they
//! compare, kept apart so any signal combines with any load-aware strategy.

pub(crate) mod alias;
pub(crate) mod sequence;

use std::fmt;

/// How a [`Balancer`](crate::Balancer) chooses a backend for a request.
///
/// Every strategy skips backends that outlier detection has ejected (unless
/// the panic threshold is crossed); the random and load-aware ones also
/// ramp new backends up during slow start.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Strategy {
    /// Each backend in turn, ignoring weights: one atomic increment a pick.
    RoundRobin,
    /// nginx's smooth weighted round robin: picks in proportion to weight,
    /// spread evenly (weights 5, 1, 1 give a a b a c a a). Weights are
    /// rounded to 1/1000 of the largest.
    SmoothWeightedRoundRobin,
    /// The earliest-deadline-first weighted scheduler (Envoy, gRPC):
    /// backend `i` is due every `1 / weight` and the earliest deadline goes
    /// first. Same shares as smooth weighted round robin, in deadline order
    /// (weights 5, 1, 1 give a a a a a b c); weights rounded alike.
    EarliestDeadlineFirst,
    /// A backend drawn at random in proportion to weight (alias method).
    WeightedRandom,
    /// Power of `choices` random choices: draw that many backends in
    /// proportion to weight and take the one whose `load` divided by its
    /// weight is least. Drawing by weight (not uniformly) is what keeps it
    /// weight-correct: with weights 0.99, 0.005, 0.005 the first backend
    /// gets about 99 % of picks.
    PowerOfChoices {
        /// Backends drawn per pick, 2 or more (2 is the classic P2C).
        choices: u32,
        /// The signal compared.
        load: LoadSignal,
    },
    /// Scan every backend and take the least `load / weight` (ties to the
    /// first): exact, O(n) a pick.
    LeastLoaded {
        /// The signal compared.
        load: LoadSignal,
    },
    /// A hash ring with `vnodes` virtual nodes for the heaviest backend
    /// (others in proportion to weight). With `load_factor` = Some(c), a
    /// backend with `c × mean` pending requests or more is passed over for
    /// the next one on the ring (consistent hashing with bounded loads).
    RingHash {
        /// Virtual nodes of the heaviest backend, at least 1.
        vnodes: u32,
        /// The bound `c > 1` on load relative to the mean, or `None`.
        load_factor: Option<f64>,
    },
    /// Maglev's lookup table: `table_size` must be prime and should be well
    /// above 100 × the number of backends. Weights set how often each
    /// backend takes its turn filling the table (as Envoy does), so key
    /// shares follow weights; with equal weights it is the original table.
    Maglev {
        /// Slots in the table (65537 by default).
        table_size: u32,
    },
    /// Weighted rendezvous (highest random weight) hashing: O(n) a pick,
    /// and only the keys of a removed backend move.
    Rendezvous,
    /// Jump consistent hash over the backends in insertion order: no
    /// memory, but only adding or removing the *last* backend is minimal.
    JumpHash,
}

impl Strategy {
    /// Power of two choices over pending requests.
    pub fn p2c() -> Strategy {
        Strategy::PowerOfChoices {
            choices: 2,
            load: LoadSignal::PendingRequests,
        }
    }

    /// Finagle's Peak-EWMA balancer: power of two choices over
    /// [`LoadSignal::PeakEwma`].
    pub fn peak_ewma() -> Strategy {
        Strategy::PowerOfChoices {
            choices: 2,
            load: LoadSignal::PeakEwma,
        }
    }

    /// A ring with 1000 virtual nodes a backend (key shares within about 1 % of even for up to 10 backends), without a load bound.
    pub fn ring_hash() -> Strategy {
        Strategy::RingHash {
            vnodes: 1000,
            load_factor: None,
        }
    }

    /// A ring with 1000 virtual nodes a backend and loads bounded by
    /// `load_factor × mean`.
    pub fn bounded_ring_hash(load_factor: f64) -> Strategy {
        Strategy::RingHash {
            vnodes: 1000,
            load_factor: Some(load_factor),
        }
    }

    /// Maglev with a table of 65537 slots.
    pub fn maglev() -> Strategy {
        Strategy::Maglev {
            table_size: crate::hash::maglev::DEFAULT_TABLE_SIZE,
        }
    }

    /// A short name: `rr`, `swrr`, `edf`, `random`, `p2c`, `peak-ewma`, ...
    pub fn name(&self) -> &'static str {
        match self {
            Strategy::RoundRobin => "rr",
            Strategy::SmoothWeightedRoundRobin => "swrr",
            Strategy::EarliestDeadlineFirst => "edf",
            Strategy::WeightedRandom => "random",
            Strategy::PowerOfChoices {
                load: LoadSignal::PeakEwma,
                ..
            } => "peak-ewma",
            Strategy::PowerOfChoices {
                load: LoadSignal::ServerUtilisation,
                ..
            } => "p2c-utilisation",
            Strategy::PowerOfChoices { .. } => "p2c",
            Strategy::LeastLoaded { .. } => "least-loaded",
            Strategy::RingHash {
                load_factor: Some(_),
                ..
            } => "bounded-ring-hash",
            Strategy::RingHash { .. } => "ring-hash",
            Strategy::Maglev { .. } => "maglev",
            Strategy::Rendezvous => "rendezvous",
            Strategy::JumpHash => "jump-hash",
        }
    }

    /// The strategy with that short name (see [`Strategy::name`]), with
    /// default parameters; `least-request` is least-loaded over pending
    /// requests, `ring` and `hrw` are aliases.
    ///
    /// ```
    /// use homeostat_balance::Strategy;
    /// assert_eq!(Strategy::from_name("peak-ewma"), Some(Strategy::peak_ewma()));
    /// assert_eq!(Strategy::from_name("nope"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Strategy> {
        Some(match name {
            "rr" | "round-robin" => Strategy::RoundRobin,
            "swrr" | "wrr" => Strategy::SmoothWeightedRoundRobin,
            "edf" => Strategy::EarliestDeadlineFirst,
            "random" | "weighted-random" => Strategy::WeightedRandom,
            "p2c" => Strategy::p2c(),
            "peak-ewma" => Strategy::peak_ewma(),
            "p2c-utilisation" => Strategy::PowerOfChoices {
                choices: 2,
                load: LoadSignal::ServerUtilisation,
            },
            "least-loaded" | "least-request" => Strategy::LeastLoaded {
                load: LoadSignal::PendingRequests,
            },
            "ring-hash" | "ring" => Strategy::ring_hash(),
            "bounded-ring-hash" => Strategy::bounded_ring_hash(1.25),
            "maglev" => Strategy::maglev(),
            "rendezvous" | "hrw" => Strategy::Rendezvous,
            "jump-hash" | "jump" => Strategy::JumpHash,
            _ => return None,
        })
    }

    /// Whether the strategy maps request keys to backends (and so needs a
    /// key on every request).
    pub fn is_hashing(&self) -> bool {
        matches!(
            self,
            Strategy::RingHash { .. }
                | Strategy::Maglev { .. }
                | Strategy::Rendezvous
                | Strategy::JumpHash
        )
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A backend's load as a number to compare: lower is better. Every signal
/// is multiplied by `pending + 1` so it also counts the work already sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoadSignal {
    /// `pending + 1`: requests picked and not completed.
    PendingRequests,
    /// Finagle's Peak-EWMA: `latency estimate × (pending + 1)`. The estimate
    /// jumps to any slower completion and decays towards faster ones with
    /// the balancer's `peak_ewma_decay`. A backend with no estimate yet
    /// costs 0 when idle and a large penalty plus `pending` when busy.
    PeakEwma,
    /// Server-reported utilisation (ORCA-like) × `(pending + 1)`. A report
    /// counts once the blackout period after the backend's first report has
    /// passed, and until it expires; otherwise the utilisation is taken as
    /// 1.
    ServerUtilisation,
}
