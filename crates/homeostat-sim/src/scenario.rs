//! Named scenarios and scenario files.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::cluster::ClusterSpec;
use crate::error::{Error, Result};
use crate::requests::RequestScenario;

/// A simulation to run: a cluster over hours (metrics and fault labels) or
/// a request-level experiment (per-request latency under a balancer).
///
/// Built-in scenarios are found by name with [`Scenario::named`]; custom
/// ones are read from TOML or JSON with [`Scenario::from_file`]. A file has
/// exactly one top-level table, `cluster` or `requests`, with the fields of
/// [`ClusterSpec`] or [`RequestScenario`]; a misspelt or unknown field is an
/// error naming the field, the line and the column.
///
/// ```
/// use homeostat_sim::Scenario;
///
/// let toml = r#"
/// [cluster]
/// duration = "2h"
/// step = "15s"
/// nodes = [{ count = 4, cores = 8.0, memory_gib = 32.0 }]
///
/// [[cluster.services]]
/// name = "api"
/// replicas = 2
/// workers = 16
/// request_rate = 200.0
/// service_time = { dist = "lognormal", mean_ms = 20.0, cv = 1.0 }
/// "#;
/// let scenario = Scenario::from_toml_str(toml)?;
/// assert!(matches!(scenario, Scenario::Cluster(_)));
///
/// let err = Scenario::from_toml_str(&toml.replace("workers", "wrokers")).unwrap_err();
/// assert!(err.to_string().contains("wrokers"));
/// assert!(err.to_string().contains("line"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Scenario {
    /// A cluster simulated at a scrape step.
    Cluster(ClusterSpec),
    /// A request-level experiment.
    Requests(RequestScenario),
}

/// The shape of a scenario file: exactly one of the two tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    cluster: Option<ClusterSpec>,
    requests: Option<RequestScenario>,
}

impl Scenario {
    /// Names of the built-in scenarios.
    pub const NAMES: [&'static str; 6] = [
        "steady",
        "diurnal",
        "leak",
        "mixed-faults",
        "overload",
        "slow-backend",
    ];

    /// The built-in scenario `name` (see [`Scenario::NAMES`]; each is
    /// documented on its constructor: [`ClusterSpec::steady`],
    /// [`ClusterSpec::diurnal`], [`ClusterSpec::leak`],
    /// [`ClusterSpec::mixed_faults`], [`ClusterSpec::overload`],
    /// [`RequestScenario::slow_backend`]).
    ///
    /// ```
    /// use homeostat_sim::Scenario;
    /// for name in Scenario::NAMES {
    ///     Scenario::named(name)?.validate()?;
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn named(name: &str) -> Result<Scenario> {
        Ok(match name {
            "steady" => Scenario::Cluster(ClusterSpec::steady()),
            "diurnal" => Scenario::Cluster(ClusterSpec::diurnal()),
            "leak" => Scenario::Cluster(ClusterSpec::leak()),
            "mixed-faults" => Scenario::Cluster(ClusterSpec::mixed_faults()),
            "overload" => Scenario::Cluster(ClusterSpec::overload()),
            "slow-backend" => Scenario::Requests(RequestScenario::slow_backend()),
            _ => {
                return Err(Error::UnknownScenario {
                    name: name.to_owned(),
                    known: Scenario::NAMES.join(", "),
                });
            }
        })
    }

    /// Reads a scenario from a `.toml` or `.json` file and validates it.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Scenario> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        let parsed = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Scenario::from_json_str(&text),
            Some("toml") => Scenario::from_toml_str(&text),
            _ => Err(Error::ScenarioFile {
                path: path.to_owned(),
                message: "the file name must end in .toml or .json".into(),
            }),
        };
        parsed.map_err(|err| match err {
            Error::ScenarioFile { message, .. } => Error::ScenarioFile {
                path: path.to_owned(),
                message,
            },
            other => other,
        })
    }

    /// Parses and validates a TOML scenario.
    pub fn from_toml_str(text: &str) -> Result<Scenario> {
        let file: ScenarioFile = toml::from_str(text).map_err(|e| file_error(e.to_string()))?;
        Scenario::from_parts(file)
    }

    /// Parses and validates a JSON scenario.
    ///
    /// ```
    /// use homeostat_sim::Scenario;
    /// let err = Scenario::from_json_str(r#"{"requests": {"duration_secs": 1, "bogus": 2}}"#).unwrap_err();
    /// assert!(err.to_string().contains("bogus") && err.to_string().contains("line 1"));
    /// ```
    pub fn from_json_str(text: &str) -> Result<Scenario> {
        let file: ScenarioFile =
            serde_json::from_str(text).map_err(|e| file_error(e.to_string()))?;
        Scenario::from_parts(file)
    }

    fn from_parts(file: ScenarioFile) -> Result<Scenario> {
        let scenario = match (file.cluster, file.requests) {
            (Some(cluster), None) => Scenario::Cluster(cluster),
            (None, Some(requests)) => Scenario::Requests(requests),
            _ => {
                return Err(file_error(
                    "a scenario file has exactly one top-level table: [cluster] or [requests]"
                        .into(),
                ));
            }
        };
        scenario.validate()?;
        Ok(scenario)
    }

    /// Checks every parameter.
    pub fn validate(&self) -> Result<()> {
        match self {
            Scenario::Cluster(spec) => spec.validate(),
            Scenario::Requests(spec) => spec.validate(),
        }
    }
}

fn file_error(message: String) -> Error {
    Error::ScenarioFile {
        path: "<text>".into(),
        message,
    }
}
