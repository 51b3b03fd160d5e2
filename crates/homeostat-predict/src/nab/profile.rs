//! NAB's application profiles: the weights of true/false positives and
//! negatives in the score.

use serde::{Deserialize, Serialize};

/// The weights of one NAB application profile (its `CostMatrix`).
///
/// `tn_weight` is part of NAB's file format but not of its score: true
/// negatives earn nothing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CostMatrix {
    /// Reward of a detection at the start of a window (before the sigmoid).
    #[serde(rename = "tpWeight")]
    pub tp_weight: f64,
    /// Cost of each detection outside every window.
    #[serde(rename = "fpWeight")]
    pub fp_weight: f64,
    /// Cost of a window with no detection.
    #[serde(rename = "fnWeight")]
    pub fn_weight: f64,
    /// Kept for NAB's file format; unused by the score.
    #[serde(rename = "tnWeight", default = "one")]
    pub tn_weight: f64,
}

fn one() -> f64 {
    1.0
}

/// A named NAB profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// `standard`, `reward_low_FP_rate`, `reward_low_FN_rate` or a custom name.
    pub name: String,
    /// The profile's weights.
    pub costs: CostMatrix,
}

impl Profile {
    /// A profile from its weights.
    pub fn new(name: impl Into<String>, tp_weight: f64, fp_weight: f64, fn_weight: f64) -> Self {
        Self {
            name: name.into(),
            costs: CostMatrix {
                tp_weight,
                fp_weight,
                fn_weight,
                tn_weight: 1.0,
            },
        }
    }

    /// NAB's three published profiles, in the order NAB reports them:
    /// standard (FP 0.11), reward_low_FP_rate (FP 0.22) and
    /// reward_low_FN_rate (FN 2.0).
    ///
    /// ```
    /// let p = homeostat_predict::nab::Profile::nab_profiles();
    /// assert_eq!(p[0].name, "standard");
    /// assert_eq!(p[1].costs.fp_weight, 0.22);
    /// assert_eq!(p[2].costs.fn_weight, 2.0);
    /// ```
    pub fn nab_profiles() -> [Profile; 3] {
        [
            Profile::new("standard", 1.0, 0.11, 1.0),
            Profile::new("reward_low_FP_rate", 1.0, 0.22, 1.0),
            Profile::new("reward_low_FN_rate", 1.0, 0.11, 2.0),
        ]
    }
}
