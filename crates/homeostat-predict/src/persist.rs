//! Saving and loading trained models: a JSON envelope with the format name,
//! a format version and an FNV-1a checksum of the payload, so a corrupt,
//! truncated or other-version file is a typed error instead of a wrong model.
//!
//! The checksum detects accidental damage, not tampering: load models only
//! from places you trust.
//!
//! ```
//! use homeostat_predict::persist::{load, save};
//! use homeostat_predict::{Error, Model, ProbabilisticClassifier, RandomForest};
//! use linfa::prelude::*;
//! use ndarray::array;
//!
//! let x = array![[1.0], [2.0], [3.0], [4.0]];
//! let forest = RandomForest::params().n_trees(3).fit(&Dataset::new(x.clone(), array![false, false, true, true]))?;
//! let mut bytes = Vec::new();
//! save(&Model::Forest(forest), &mut bytes)?;
//! let back: Model = load(bytes.as_slice())?;
//! assert_eq!(back.n_features(), 1);
//! assert!(matches!(load::<Model>(&bytes[..bytes.len() / 2]), Err(Error::ModelFile(_))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use ndarray::{Array1, ArrayView2};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::alarm::AlarmPolicy;
use crate::classifier::ProbabilisticClassifier;
use crate::error::{Error, Result};
use crate::forest::RandomForest;
use crate::gbdt::GradientBoosting;
use crate::logistic::Logistic;
use crate::pipeline::FeaturePipeline;
use crate::svm::Svm;

/// The `format` field of every model file.
pub const FORMAT: &str = "homeostat-model";

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Any fitted fault model of this crate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Model {
    /// A histogram random forest.
    Forest(RandomForest),
    /// A logistic regression.
    Logistic(Logistic),
    /// Gradient-boosted trees.
    Gbdt(GradientBoosting),
    /// A support vector machine with Platt-scaled probabilities.
    Svm(Svm),
}

impl ProbabilisticClassifier for Model {
    fn n_features(&self) -> usize {
        match self {
            Model::Forest(m) => m.n_features(),
            Model::Logistic(m) => m.n_features(),
            Model::Gbdt(m) => m.n_features(),
            Model::Svm(m) => m.n_features(),
        }
    }

    fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Result<Array1<f64>> {
        match self {
            Model::Forest(m) => m.predict_proba(x),
            Model::Logistic(m) => m.predict_proba(x),
            Model::Gbdt(m) => m.predict_proba(x),
            Model::Svm(m) => m.predict_proba(x),
        }
    }
}

/// A model with the preprocessing it was trained with and the alarm policy
/// chosen for it: everything `homeostat predict` needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultPredictor {
    /// From raw metrics to the model's features.
    pub pipeline: FeaturePipeline,
    /// The fitted model.
    pub model: Model,
    /// When to alarm.
    pub alarm: AlarmPolicy,
}

#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    format: String,
    version: u32,
    /// `fnv1a64:` and 16 hex digits of the payload's bytes.
    checksum: String,
    /// The model as JSON text (kept as text so the checksum covers exact bytes).
    payload: String,
}

/// FNV-1a, 64 bits.
fn fnv1a64(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("fnv1a64:{h:016x}")
}

/// Writes `value` as a model file.
///
/// # Errors
/// [`Error::ModelFile`] when serialising or writing fails.
pub fn save<T: Serialize>(value: &T, mut writer: impl Write) -> Result<()> {
    let payload = serde_json::to_string(value)
        .map_err(|e| Error::ModelFile(format!("cannot serialise: {e}")))?;
    let envelope = Envelope {
        format: FORMAT.into(),
        version: FORMAT_VERSION,
        checksum: fnv1a64(payload.as_bytes()),
        payload,
    };
    serde_json::to_writer(&mut writer, &envelope)
        .map_err(|e| Error::ModelFile(format!("cannot write: {e}")))?;
    writer
        .write_all(b"\n")
        .and_then(|()| writer.flush())
        .map_err(|e| Error::ModelFile(format!("cannot write: {e}")))
}

/// Reads a model file written by [`save`].
///
/// # Errors
/// [`Error::ModelFile`] for unreadable, truncated or corrupt files, another
/// format, a checksum mismatch, or a payload that is not a valid `T`;
/// [`Error::UnsupportedVersion`] for another format version.
pub fn load<T: DeserializeOwned>(reader: impl Read) -> Result<T> {
    let envelope: Envelope = serde_json::from_reader(reader)
        .map_err(|e| Error::ModelFile(format!("not a readable model file: {e}")))?;
    if envelope.format != FORMAT {
        return Err(Error::ModelFile(format!(
            "format {:?} is not {FORMAT:?}",
            envelope.format
        )));
    }
    if envelope.version != FORMAT_VERSION {
        return Err(Error::UnsupportedVersion {
            found: envelope.version,
            supported: FORMAT_VERSION,
        });
    }
    let actual = fnv1a64(envelope.payload.as_bytes());
    if actual != envelope.checksum {
        return Err(Error::ModelFile(format!(
            "checksum {} does not match the payload's {actual}: the file is damaged",
            envelope.checksum
        )));
    }
    serde_json::from_str(&envelope.payload)
        .map_err(|e| Error::ModelFile(format!("invalid model: {e}")))
}

/// [`save`] to a file path.
///
/// # Errors
/// As [`save`], and [`Error::ModelFile`] when the file cannot be created.
pub fn save_file<T: Serialize>(value: &T, path: &Path) -> Result<()> {
    let file = File::create(path)
        .map_err(|e| Error::ModelFile(format!("cannot create {}: {e}", path.display())))?;
    save(value, BufWriter::new(file))
}

/// [`load`] from a file path.
///
/// # Errors
/// As [`load`], and [`Error::ModelFile`] when the file cannot be opened.
pub fn load_file<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let file = File::open(path)
        .map_err(|e| Error::ModelFile(format!("cannot open {}: {e}", path.display())))?;
    load(BufReader::new(file))
}

#[cfg(test)]
mod tests {
    use super::*;
    use linfa::prelude::{Dataset, Fit};
    use ndarray::array;

    fn bytes() -> Vec<u8> {
        let x = array![[1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 1.0]];
        let model = Model::Forest(
            RandomForest::params()
                .n_trees(4)
                .fit(&Dataset::new(x, array![false, false, true, true]))
                .unwrap(),
        );
        let mut out = Vec::new();
        save(&model, &mut out).unwrap();
        out
    }

    #[test]
    fn round_trip_keeps_the_model() {
        let b = bytes();
        let model: Model = load(b.as_slice()).unwrap();
        let mut again = Vec::new();
        save(&model, &mut again).unwrap();
        assert_eq!(again, b);
    }

    #[test]
    fn damage_is_a_typed_error() {
        let b = bytes();
        let text = String::from_utf8(b.clone()).unwrap();
        // Truncated.
        assert!(matches!(
            load::<Model>(&b[..b.len() - 10]),
            Err(Error::ModelFile(_))
        ));
        // A flipped digit inside the payload.
        let damaged = text.replacen("\\\"n_features\\\":2", "\\\"n_features\\\":3", 1);
        assert_ne!(damaged, text);
        let err = load::<Model>(damaged.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("checksum"), "{err}");
        // Another version.
        let other = text.replacen("\"version\":1", "\"version\":99", 1);
        assert!(matches!(
            load::<Model>(other.as_bytes()),
            Err(Error::UnsupportedVersion {
                found: 99,
                supported: 1
            })
        ));
        // Another format.
        let other = text.replacen(FORMAT, "something-else", 1);
        assert!(matches!(
            load::<Model>(other.as_bytes()),
            Err(Error::ModelFile(_))
        ));
        // Not JSON at all.
        assert!(matches!(
            load::<Model>(&b"\x00\x01garbage"[..]),
            Err(Error::ModelFile(_))
        ));
        // A valid envelope around an invalid model (a tree with a cycle).
        let payload = r#"{"forest":{"n_features":1,"trees":[[{"threshold":1.0,"feature":0,"left":0,"right":0,"missing_left":false,"value":0.5},{"threshold":1.0,"feature":0,"left":0,"right":1,"missing_left":false,"value":0.5}]],"importance":[0.0]}}"#;
        let mut ok = Vec::new();
        save(
            &serde_json::from_str::<serde_json::Value>(payload).unwrap(),
            &mut ok,
        )
        .unwrap();
        assert!(
            load::<Model>(ok.as_slice()).is_ok(),
            "unreachable nodes are harmless"
        );
        let bad = payload.replace("\"left\":0,\"right\":1", "\"left\":1,\"right\":1");
        let mut out = Vec::new();
        save(
            &serde_json::from_str::<serde_json::Value>(&bad).unwrap(),
            &mut out,
        )
        .unwrap();
        assert!(matches!(
            load::<Model>(out.as_slice()),
            Err(Error::ModelFile(_))
        ));
    }
}
