//! Reading and writing NAB's files: the data corpus, the label windows and
//! the results files (`<detector>/<category>/<detector>_<file>.csv`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use homeostat_core::Timestamp;

use super::WindowRows;
use crate::{Error, Result};

/// One labelled series of a NAB corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct NabFile {
    /// The file's key in the labels: `category/name.csv`.
    pub name: String,
    /// Row timestamps, in file order.
    pub timestamps: Vec<Timestamp>,
    /// Row values (NaN where the value is missing or unreadable).
    pub values: Vec<f64>,
    /// The anomaly windows as row ranges.
    pub windows: Vec<WindowRows>,
}

impl NabFile {
    /// Whether each row lies inside a window (NAB's `label` column).
    pub fn row_labels(&self) -> Vec<bool> {
        let mut labels = vec![false; self.timestamps.len()];
        for w in &self.windows {
            for slot in labels.iter_mut().take(w.end + 1).skip(w.start) {
                *slot = true;
            }
        }
        labels
    }

    /// The results file of `detector` for this series, under `root`.
    pub fn results_path(&self, root: &Path, detector: &str) -> PathBuf {
        let (category, file) = self.name.rsplit_once('/').unwrap_or(("", &self.name));
        root.join(detector)
            .join(category)
            .join(format!("{detector}_{file}"))
    }
}

/// A NAB-layout corpus: every labelled file, in label-key order.
#[derive(Debug, Clone, PartialEq)]
pub struct Corpus {
    /// The labelled files.
    pub files: Vec<NabFile>,
}

impl Corpus {
    /// Loads `data_dir/<category>/<file>.csv` for every key of the labels
    /// file (NAB's `combined_windows.json`).
    ///
    /// Window ends are matched to rows as an inclusive time range: a window
    /// covers the rows whose timestamps fall between its limits (NAB's
    /// windows start and end on rows, where this is the same). A window that
    /// covers no row is dropped.
    pub fn load(data_dir: &Path, labels: &Path) -> Result<Self> {
        let windows = read_windows(labels)?;
        let mut files = Vec::with_capacity(windows.len());
        for (name, limits) in windows {
            let path = data_dir.join(&name);
            let (timestamps, values) = read_series_csv(&path)?;
            let windows = windows_to_rows(&timestamps, &limits);
            files.push(NabFile {
                name,
                timestamps,
                values,
                windows,
            });
        }
        Ok(Self { files })
    }

    /// The number of windows in the labels (NAB's count for the perfect score).
    pub fn window_count(&self) -> usize {
        self.files.iter().map(|f| f.windows.len()).sum()
    }

    /// Reads `detector`'s anomaly scores for every file from a results tree
    /// (`<root>/<detector>/<category>/<detector>_<file>.csv`, column
    /// `anomaly_score`), checking that each has one row per data row.
    pub fn read_results(&self, root: &Path, detector: &str) -> Result<Vec<Vec<f64>>> {
        self.files
            .iter()
            .map(|file| {
                let path = file.results_path(root, detector);
                let scores = read_column(&path, "anomaly_score")?;
                if scores.len() != file.timestamps.len() {
                    return Err(Error::Malformed {
                        path,
                        reason: format!(
                            "{} result rows for {} data rows",
                            scores.len(),
                            file.timestamps.len()
                        ),
                    });
                }
                Ok(scores)
            })
            .collect()
    }

    /// Writes NAB-format results (`timestamp,value,anomaly_score,label`)
    /// of `detector` under `root`, one file per series.
    pub fn write_results(&self, root: &Path, detector: &str, scores: &[Vec<f64>]) -> Result<()> {
        for (file, scores) in self.files.iter().zip(scores) {
            let path = file.results_path(root, detector);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(|source| Error::Io {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            let mut text = String::from("timestamp,value,anomaly_score,label\n");
            for (((t, v), s), l) in file
                .timestamps
                .iter()
                .zip(&file.values)
                .zip(scores)
                .zip(file.row_labels())
            {
                text.push_str(&format!("{},{v},{s},{}\n", format_time(*t), u8::from(l)));
            }
            fs::write(&path, text).map_err(|source| Error::Io { path, source })?;
        }
        Ok(())
    }
}

fn format_time(t: Timestamp) -> String {
    let millis = t.as_millis();
    chrono_like(millis)
}

/// `YYYY-MM-DD HH:MM:SS` in UTC without a date library: days from the
/// civil-from-days algorithm (H. Hinnant).
fn chrono_like(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Reads a labels file: `{"category/file.csv": [[start, end], ...], ...}`.
pub fn read_windows(path: &Path) -> Result<BTreeMap<String, Vec<(Timestamp, Timestamp)>>> {
    let text = fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let raw: BTreeMap<String, Vec<(String, String)>> =
        serde_json::from_str(&text).map_err(|e| Error::Malformed {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    let bad = |reason: String| Error::Malformed {
        path: path.to_path_buf(),
        reason,
    };
    raw.into_iter()
        .map(|(name, windows)| {
            let windows = windows
                .iter()
                .map(|(a, b)| {
                    let start = Timestamp::parse(a).map_err(|e| bad(format!("{name}: {e}")))?;
                    let end = Timestamp::parse(b).map_err(|e| bad(format!("{name}: {e}")))?;
                    if end < start {
                        return Err(bad(format!(
                            "{name}: window ends before it starts ({a}, {b})"
                        )));
                    }
                    Ok((start, end))
                })
                .collect::<Result<Vec<_>>>()?;
            Ok((name, windows))
        })
        .collect()
}

/// The rows each window covers (inclusive time range); empty windows are
/// dropped and overlapping ones are cut so windows stay disjoint.
pub fn windows_to_rows(
    timestamps: &[Timestamp],
    limits: &[(Timestamp, Timestamp)],
) -> Vec<WindowRows> {
    let mut sorted = limits.to_vec();
    sorted.sort();
    let mut out: Vec<WindowRows> = Vec::with_capacity(sorted.len());
    for (start, end) in sorted {
        let first = timestamps.partition_point(|t| *t < start);
        let after = timestamps.partition_point(|t| *t <= end);
        let first = out.last().map_or(first, |w| first.max(w.end + 1));
        if first < after {
            out.push(WindowRows {
                start: first,
                end: after - 1,
            });
        }
    }
    out
}

/// Reads a `timestamp,value` CSV. Unreadable values become NaN (detectors
/// skip them); an unreadable timestamp or decreasing timestamps are errors.
pub fn read_series_csv(path: &Path) -> Result<(Vec<Timestamp>, Vec<f64>)> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| csv_error(path, e))?;
    let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    let t_col = column_index(path, &headers, "timestamp")?;
    let v_col = column_index(path, &headers, "value")?;
    let mut timestamps = Vec::new();
    let mut values = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| csv_error(path, e))?;
        let raw_t = record.get(t_col).unwrap_or("");
        let t = Timestamp::parse(raw_t).map_err(|e| Error::Malformed {
            path: path.to_path_buf(),
            reason: format!("row {}: {e}", line + 2),
        })?;
        if timestamps.last().is_some_and(|last| *last > t) {
            return Err(Error::Malformed {
                path: path.to_path_buf(),
                reason: format!("row {}: timestamp {raw_t} goes back in time", line + 2),
            });
        }
        let v = record
            .get(v_col)
            .and_then(|s| s.trim().parse::<f64>().ok())
            .unwrap_or(f64::NAN);
        timestamps.push(t);
        values.push(v);
    }
    Ok((timestamps, values))
}

/// One numeric column of a CSV file; unreadable cells are errors.
pub fn read_column(path: &Path, column: &str) -> Result<Vec<f64>> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| csv_error(path, e))?;
    let headers = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    let col = column_index(path, &headers, column)?;
    let mut out = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| csv_error(path, e))?;
        let cell = record.get(col).unwrap_or("").trim();
        let v = cell.parse::<f64>().map_err(|_| Error::Malformed {
            path: path.to_path_buf(),
            reason: format!("row {}: {column} {cell:?} is not a number", line + 2),
        })?;
        out.push(v);
    }
    Ok(out)
}

fn column_index(path: &Path, headers: &csv::StringRecord, name: &str) -> Result<usize> {
    headers
        .iter()
        .position(|h| h.trim() == name)
        .ok_or_else(|| Error::Malformed {
            path: path.to_path_buf(),
            reason: format!("no {name:?} column"),
        })
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    match e.kind() {
        csv::ErrorKind::Io(_) => match e.into_kind() {
            csv::ErrorKind::Io(source) => Error::Io {
                path: path.to_path_buf(),
                source,
            },
            other => Error::Malformed {
                path: path.to_path_buf(),
                reason: format!("{other:?}"),
            },
        },
        _ => Error::Malformed {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        for text in [
            "2014-03-07 03:41:00",
            "1970-01-01 00:00:00",
            "2000-02-29 23:59:59",
        ] {
            let Ok(t) = Timestamp::parse(text) else {
                panic!("{text} should parse");
            };
            assert_eq!(chrono_like(t.as_millis()), text);
        }
    }

    #[test]
    fn windows_map_to_inclusive_rows() {
        let ts: Vec<Timestamp> = (0..10).map(|i| Timestamp::from_secs(i * 60)).collect();
        let w = windows_to_rows(
            &ts,
            &[
                (Timestamp::from_secs(120), Timestamp::from_secs(240)),
                (Timestamp::from_secs(1000), Timestamp::from_secs(2000)),
                (Timestamp::from_secs(200), Timestamp::from_secs(300)),
            ],
        );
        assert_eq!(
            w,
            vec![
                WindowRows { start: 2, end: 4 },
                WindowRows { start: 5, end: 5 }
            ]
        );
    }
}
