//! Writing frames and labels to files other tools read.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;
use homeostat::core::Frame;

/// Writes `frame` as a wide CSV: a `timestamp` column (RFC 3339, UTC), then
/// one column per series named by its key (`name{label="value"}`, quoted
/// as CSV requires). Missing values are empty cells.
pub(crate) fn write_wide_csv(frame: &Frame, path: &Path) -> anyhow::Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut writer = csv::Writer::from_writer(BufWriter::new(file));
    let mut header = vec!["timestamp".to_string()];
    header.extend(frame.columns().iter().map(ToString::to_string));
    writer.write_record(&header)?;
    let mut record = Vec::with_capacity(header.len());
    for (row, t) in frame.index().iter().enumerate() {
        record.clear();
        record.push(t.to_string());
        if let Some(values) = frame.row(row) {
            for &v in values {
                // Display prints the shortest text that parses back to the same f64.
                record.push(if v.is_nan() {
                    String::new()
                } else {
                    v.to_string()
                });
            }
        }
        writer.write_record(&record)?;
    }
    writer
        .flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Writes any serialisable value as pretty JSON with a final newline (fault
/// labels come out as `{"faults": [{start, end, kind, scope}]}`, times in Unix
/// milliseconds).
pub(crate) fn write_json<T: serde::Serialize>(value: &T, path: &Path) -> anyhow::Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut writer = BufWriter::new(file);
    serde_json::to_writer_pretty(&mut writer, value)?;
    writer.write_all(b"\n")?;
    writer
        .flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
