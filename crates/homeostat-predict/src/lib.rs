#![doc = include_str!("../README.md")]
// `unsafe` only in `tree::gather` (AVX2 gathers for batch prediction),
// allowed there and nowhere else.
#![deny(unsafe_code)]

pub mod error;

// Forecasts and anomaly detectors
pub mod detect;
pub mod forecast;
pub mod nab;

pub use error::{Error, Result};

// Fault-prediction models
pub mod alarm;
mod binning;
pub mod classifier;
pub mod decision_tree;
pub mod eval;
pub mod forest;
pub mod gbdt;
pub mod importance;
pub mod limits;
pub mod logistic;
pub mod persist;
pub mod pipeline;
pub mod ridge;
pub mod svm;
pub mod train;
mod tree;

pub use classifier::ProbabilisticClassifier;
pub use forest::{ClassWeight, MaxFeatures, RandomForest, RandomForestParams};
pub use gbdt::{GradientBoosting, GradientBoostingParams};
pub use limits::Limit;
/// linfa's hyperparameter check (`params.check()`), re-exported for callers without a linfa dependency.
pub use linfa::ParamGuard;
pub use logistic::{Logistic, LogisticParams};
pub use persist::{FaultPredictor, Model};
pub use pipeline::FeaturePipeline;
pub use svm::{Svm, SvmKernel, SvmParams};
pub use train::{AlarmSpec, ModelSpec, TrainReport, train_predictor};
