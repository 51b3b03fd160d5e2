//! Reading the openb node and pod CSV files.
//!
//! The trace's files are plain comma-separated values without quoting;
//! columns are found by their header name, so extra columns (`qos`,
//! `creation_time`, ...) and any column order are accepted.

use std::path::Path;

use super::{Cluster, ClusterNode, ClusterPod, GPU_MILLI, GpuRequest};
use crate::error::{Error, Result};

impl Cluster {
    /// Reads a node file and a pod file in the openb format.
    ///
    /// Nodes: `sn` (or `name`), `cpu_milli`, `memory_mib`, `gpu`, `model`
    /// (empty or `nan` without GPUs). Pods: `name`, `cpu_milli`,
    /// `memory_mib`, `num_gpu`, `gpu_milli`, `gpu_spec` (optional; empty or
    /// `nan` for any model, else models joined by `|`). A pod with
    /// `num_gpu` 1 and `gpu_milli` below 1000 shares one GPU; otherwise it
    /// takes `num_gpu` whole GPUs.
    ///
    /// # Errors
    /// [`Error::MalformedRow`] with the file and line for a missing column,
    /// a short or long row, a value that is not a non-negative integer or
    /// a contradictory GPU request; [`Error::Malformed`] for an unreadable
    /// file; then the checks of [`Cluster::new`].
    pub fn from_paths(nodes: impl AsRef<Path>, pods: impl AsRef<Path>) -> Result<Self> {
        let read = |path: &Path| {
            std::fs::read_to_string(path)
                .map_err(|e| Error::Malformed(format!("cannot read {}: {e}", path.display())))
        };
        let (nodes, pods) = (nodes.as_ref(), pods.as_ref());
        Self::parse(
            &read(nodes)?,
            &nodes.display().to_string(),
            &read(pods)?,
            &pods.display().to_string(),
        )
    }

    /// Parses node and pod CSV text; `nodes_file` and `pods_file` name them
    /// in errors. See [`Cluster::from_paths`].
    pub fn parse(nodes: &str, nodes_file: &str, pods: &str, pods_file: &str) -> Result<Self> {
        let nodes = parse_nodes(nodes, nodes_file)?;
        let pods = parse_pods(pods, pods_file)?;
        Self::new(nodes, pods)
    }
}

fn parse_nodes(text: &str, file: &str) -> Result<Vec<ClusterNode>> {
    let table = Table::new(text, file)?;
    let name = table
        .column("sn")
        .or_else(|_| table.column("name"))
        .map_err(|_| table.error(1, "no column \"sn\" or \"name\"".into()))?;
    let cpu = table.column("cpu_milli")?;
    let memory = table.column("memory_mib")?;
    let gpu = table.column("gpu")?;
    let model = table.column("model")?;
    table
        .rows()
        .map(|row| {
            let row = row?;
            let gpus = row.integer(gpu)?;
            let gpus = u32::try_from(gpus)
                .map_err(|_| row.error(format!("gpu {gpus} is not a GPU count")))?;
            let gpu_model = row.optional(model).map(str::to_owned);
            if gpus > 0 && gpu_model.is_none() {
                return Err(row.error(format!("{gpus} GPUs without a model")));
            }
            Ok(ClusterNode {
                name: row.text(name)?.to_owned(),
                cpu_milli: row.integer(cpu)?,
                memory_mib: row.integer(memory)?,
                gpus,
                gpu_model: gpu_model.filter(|_| gpus > 0),
            })
        })
        .collect()
}

fn parse_pods(text: &str, file: &str) -> Result<Vec<ClusterPod>> {
    let table = Table::new(text, file)?;
    let name = table.column("name")?;
    let cpu = table.column("cpu_milli")?;
    let memory = table.column("memory_mib")?;
    let num_gpu = table.column("num_gpu")?;
    let gpu_milli = table.column("gpu_milli")?;
    let spec = table.column("gpu_spec").ok();
    table
        .rows()
        .map(|row| {
            let row = row?;
            let count = row.integer(num_gpu)?;
            let milli = row.integer(gpu_milli)?;
            let gpu = gpu_request(count, milli).map_err(|reason| row.error(reason))?;
            let mut gpu_models: Vec<String> = Vec::new();
            for model in spec
                .and_then(|c| row.optional(c))
                .into_iter()
                .flat_map(|s| s.split('|'))
            {
                let model = model.trim();
                if model.is_empty() {
                    return Err(row.error("empty GPU model in gpu_spec".into()));
                }
                if !gpu_models.iter().any(|m| m == model) {
                    gpu_models.push(model.to_owned());
                }
            }
            Ok(ClusterPod {
                name: row.text(name)?.to_owned(),
                cpu_milli: row.integer(cpu)?,
                memory_mib: row.integer(memory)?,
                gpu,
                gpu_models,
            })
        })
        .collect()
}

/// The trace's `(num_gpu, gpu_milli)` as a request: `gpu_milli` is per GPU.
fn gpu_request(count: u64, milli: u64) -> std::result::Result<GpuRequest, String> {
    let full = u64::from(GPU_MILLI);
    match (count, milli) {
        (0, 0) => Ok(GpuRequest::None),
        (0, m) => Err(format!("gpu_milli {m} with num_gpu 0")),
        (_, 0) => Err(format!("num_gpu {count} with gpu_milli 0")),
        (_, m) if m > full => Err(format!("gpu_milli {m} above {full} (one GPU)")),
        (1, m) if m < full => Ok(GpuRequest::Share(m as u32)),
        (n, m) if m == full => u32::try_from(n)
            .map(GpuRequest::Whole)
            .map_err(|_| format!("num_gpu {n} is not a GPU count")),
        (n, m) => Err(format!(
            "num_gpu {n} with gpu_milli {m}: only single-GPU pods may share a GPU"
        )),
    }
}

/// A header and its data lines.
struct Table<'t> {
    file: &'t str,
    header: Vec<&'t str>,
    text: &'t str,
}

impl<'t> Table<'t> {
    fn new(text: &'t str, file: &'t str) -> Result<Self> {
        let first = text.lines().next().unwrap_or("");
        let header: Vec<&str> = first.split(',').map(str::trim).collect();
        if header.iter().all(|h| h.is_empty()) {
            return Err(Error::MalformedRow {
                file: file.to_owned(),
                line: 1,
                reason: "empty file: no header".into(),
            });
        }
        Ok(Self { file, header, text })
    }

    fn error(&self, line: usize, reason: String) -> Error {
        Error::MalformedRow {
            file: self.file.to_owned(),
            line,
            reason,
        }
    }

    fn column(&self, name: &str) -> Result<usize> {
        self.header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| self.error(1, format!("no column {name:?} in the header")))
    }

    /// Non-blank data lines with their 1-based line numbers.
    fn rows(&self) -> impl Iterator<Item = Result<Row<'_>>> {
        self.text
            .lines()
            .enumerate()
            .skip(1)
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(index, line)| {
                let fields: Vec<&str> = line.split(',').map(str::trim).collect();
                let row = Row {
                    table: self,
                    line: index + 1,
                    fields,
                };
                if row.fields.len() == self.header.len() {
                    Ok(row)
                } else {
                    Err(row.error(format!(
                        "{} fields, the header has {}",
                        row.fields.len(),
                        self.header.len()
                    )))
                }
            })
    }
}

struct Row<'t> {
    table: &'t Table<'t>,
    line: usize,
    fields: Vec<&'t str>,
}

impl Row<'_> {
    fn error(&self, reason: String) -> Error {
        self.table.error(self.line, reason)
    }

    fn name(&self, column: usize) -> &str {
        self.table.header[column]
    }

    fn text(&self, column: usize) -> Result<&str> {
        let value = self.fields[column];
        if value.is_empty() {
            Err(self.error(format!("empty {}", self.name(column))))
        } else {
            Ok(value)
        }
    }

    /// The field, or `None` when it is empty or `nan` (pandas' missing value).
    fn optional(&self, column: usize) -> Option<&str> {
        let value = self.fields[column];
        (!value.is_empty() && !value.eq_ignore_ascii_case("nan")).then_some(value)
    }

    /// A non-negative integer; `12000.0` is accepted, `1.5` and `-1` not.
    fn integer(&self, column: usize) -> Result<u64> {
        let value = self.text(column)?;
        if let Ok(v) = value.parse::<u64>() {
            return Ok(v);
        }
        match value.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 1e18 => Ok(v as u64),
            _ => Err(self.error(format!(
                "{} {value:?} is not a non-negative integer",
                self.name(column)
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpu_requests_follow_the_trace_rules() {
        assert_eq!(gpu_request(0, 0), Ok(GpuRequest::None));
        assert_eq!(gpu_request(1, 250), Ok(GpuRequest::Share(250)));
        assert_eq!(gpu_request(1, 1000), Ok(GpuRequest::Whole(1)));
        assert_eq!(gpu_request(8, 1000), Ok(GpuRequest::Whole(8)));
        assert!(gpu_request(0, 10).is_err());
        assert!(gpu_request(2, 0).is_err());
        assert!(gpu_request(2, 500).is_err());
        assert!(gpu_request(1, 1001).is_err());
    }
}
