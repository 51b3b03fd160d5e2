//! Readers that hand out CSV rows as they are read, in memory independent
//! of the input's length.

use std::io::Read;

use homeostat_core::{Frame, SeriesKey, Timestamp};
use ndarray::Array2;

use super::record::Records;
use super::{is_long_header, parse_long_record, parse_wide_header, parse_wide_row};
use crate::error::{Result, invalid};

/// One point of long-form CSV and the line it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct LongSample {
    /// When it was measured.
    pub timestamp: Timestamp,
    /// The series it belongs to (metric name and labels).
    pub key: SeriesKey,
    /// The value; NaN when the cell was empty or `NaN`.
    pub value: f64,
    /// The 1-based line of the input.
    pub line: u64,
}

/// Long-form CSV (`timestamp,metric,value[,label=value...]`, optional
/// header) as an iterator of [`LongSample`]s in input order, parsed exactly
/// as [`read_long`](super::read_long) parses them. No order or duplicate
/// policy applies: the rows come as they are. After the first error the
/// iterator ends.
///
/// ```
/// use homeostat_metrics::ingest::csv::LongRows;
///
/// let text = "timestamp,metric,value\n0,cpu,0.5,node=a\n15,cpu,0.7,node=a\n15,mem,x\n";
/// let mut rows = LongRows::new(text.as_bytes());
/// let first = rows.next().unwrap()?;
/// assert_eq!((first.key.to_string(), first.value, first.line), (r#"cpu{node="a"}"#.into(), 0.5, 2));
/// assert_eq!(rows.next().unwrap()?.value, 0.7);
/// assert!(rows.next().unwrap().unwrap_err().to_string().contains("line 4"));
/// assert!(rows.next().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct LongRows<R> {
    records: Records<R>,
    first: bool,
    done: bool,
}

impl<R: Read> LongRows<R> {
    /// Rows of `reader`, read as they are asked for.
    pub fn new(reader: R) -> Self {
        LongRows {
            records: Records::new(reader),
            first: true,
            done: false,
        }
    }

    fn read(&mut self) -> Result<Option<LongSample>> {
        while let Some(record) = self.records.next_record()? {
            if std::mem::take(&mut self.first) && is_long_header(&record)? {
                continue;
            }
            let (timestamp, key, value) = parse_long_record(&record)?;
            return Ok(Some(LongSample {
                timestamp,
                key,
                value,
                line: record.position.line,
            }));
        }
        Ok(None)
    }
}

impl<R: Read> LongRows<R> {
    /// Up to `max` further samples (`max` of 0 is read as 1), `None` at the
    /// end of the input. Only the chunk is held: the input is read as far as
    /// the chunk's last line (and the CSV reader's fixed buffer). An error
    /// drops the samples of the chunk read before it, names its line, and
    /// ends the reader.
    ///
    /// ```
    /// use homeostat_metrics::ingest::csv::LongRows;
    ///
    /// let text = "0,cpu,1\n10,cpu,2\n20,cpu,3\n";
    /// let mut rows = LongRows::new(text.as_bytes());
    /// assert_eq!(rows.next_chunk(2)?.map(|c| c.len()), Some(2));
    /// assert_eq!(rows.next_chunk(2)?.map(|c| c.len()), Some(1));
    /// assert!(rows.next_chunk(2)?.is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn next_chunk(&mut self, max: usize) -> Result<Option<Vec<LongSample>>> {
        let max = max.max(1);
        let mut chunk = Vec::with_capacity(max.min(CHUNK_RESERVE));
        while chunk.len() < max {
            match self.next() {
                Some(Ok(sample)) => chunk.push(sample),
                Some(Err(e)) => return Err(e),
                None => break,
            }
        }
        Ok((!chunk.is_empty()).then_some(chunk))
    }

    /// The samples in chunks of at most `max` (see
    /// [`next_chunk`](Self::next_chunk)).
    ///
    /// ```
    /// use homeostat_metrics::ingest::csv::LongRows;
    ///
    /// let text = "0,cpu,1\n10,cpu,2\n20,cpu,x\n";
    /// let chunks: Vec<_> = LongRows::new(text.as_bytes()).chunks(2).collect();
    /// assert_eq!(chunks.len(), 2);
    /// assert_eq!(chunks[0].as_ref().map(Vec::len).ok(), Some(2));
    /// assert!(chunks[1].as_ref().is_err_and(|e| e.to_string().contains("line 3")));
    /// ```
    pub fn chunks(self, max: usize) -> LongChunks<R> {
        LongChunks { rows: self, max }
    }
}

/// Chunks of at most a given number of long-form samples: the iterator of
/// [`LongRows::chunks`].
#[derive(Debug)]
pub struct LongChunks<R> {
    rows: LongRows<R>,
    max: usize,
}

impl<R: Read> Iterator for LongChunks<R> {
    type Item = Result<Vec<LongSample>>;

    fn next(&mut self) -> Option<Self::Item> {
        self.rows.next_chunk(self.max).transpose()
    }
}

/// Most rows a chunk reserves room for up front: a huge `max` should not
/// allocate before the rows are there.
const CHUNK_RESERVE: usize = 4096;

impl<R: Read> Iterator for LongRows<R> {
    type Item = Result<LongSample>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let next = self.read().transpose();
        if !matches!(next, Some(Ok(_))) {
            self.done = true;
        }
        next
    }
}

/// Wide CSV (`timestamp,m1,m2,...` with a header) read a row at a time
/// ([`Iterator`] of `(timestamp, values)`) or a frame of at most `n` rows at
/// a time ([`next_frame`](Self::next_frame)), parsed as
/// [`read_wide`](super::read_wide) parses it. Rows must come in strictly
/// increasing time (a streaming reader cannot sort); use `read_wide` with
/// [`CsvOptions`](super::CsvOptions) for inputs that need sorting or
/// deduplication. After the first error the reader ends.
///
/// ```
/// use homeostat_metrics::ingest::csv::WideRows;
///
/// let text = "timestamp,cpu,mem\n0,0.5,7\n60,0.6,\n120,0.7,9\n";
/// let mut rows = WideRows::new(text.as_bytes())?;
/// assert_eq!(rows.keys().len(), 2);
/// let chunk = rows.next_frame(2)?.unwrap();
/// assert_eq!(chunk.shape(), (2, 2));
/// assert!(chunk.value(1, "mem").is_some_and(f64::is_nan));
/// let (t, values) = rows.next().unwrap()?;
/// assert_eq!((t.as_millis(), values), (120_000, vec![0.7, 9.0]));
/// assert!(rows.next_frame(2)?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct WideRows<R> {
    records: Records<R>,
    keys: Vec<SeriesKey>,
    width: usize,
    last: Option<Timestamp>,
    done: bool,
}

impl<R: Read> WideRows<R> {
    /// Reads the header of `reader`; fails when it is missing or malformed.
    pub fn new(reader: R) -> Result<Self> {
        let mut records = Records::new(reader);
        let Some(header) = records.next_record()? else {
            return Err(records.eof_error("empty input: a header timestamp,name,... is required"));
        };
        let keys = parse_wide_header(&header)?;
        Ok(WideRows {
            records,
            width: header.len(),
            keys,
            last: None,
            done: false,
        })
    }

    /// The column keys named by the header.
    pub fn keys(&self) -> &[SeriesKey] {
        &self.keys
    }

    /// The next row, checked to be later than the previous one.
    fn read(&mut self, row: &mut Vec<f64>) -> Result<Option<Timestamp>> {
        let Some(record) = self.records.next_record()? else {
            return Ok(None);
        };
        let t = parse_wide_row(&record, self.width, row)?;
        if let Some(last) = self.last.filter(|&last| t <= last) {
            return Err(record.error(
                0,
                format!("timestamp {t} is not after the previous row's {last}"),
            ));
        }
        self.last = Some(t);
        Ok(Some(t))
    }

    /// Up to `max_rows` further rows as a [`Frame`], `None` at the end of
    /// the input. `max_rows` of 0 is read as 1.
    pub fn next_frame(&mut self, max_rows: usize) -> Result<Option<Frame>> {
        if self.done {
            return Ok(None);
        }
        let columns = self.keys.len();
        let mut index = Vec::new();
        let mut values = Vec::new();
        let mut row = Vec::with_capacity(columns);
        let max_rows = max_rows.max(1);
        while index.len() < max_rows {
            match self.read(&mut row) {
                Ok(Some(t)) => {
                    index.push(t);
                    values.extend_from_slice(&row);
                }
                Ok(None) => {
                    self.done = true;
                    break;
                }
                Err(e) => {
                    self.done = true;
                    return Err(e);
                }
            }
        }
        if index.is_empty() {
            return Ok(None);
        }
        // Every row was checked to have `columns` values, so the shape holds.
        let values = Array2::from_shape_vec((index.len(), columns), values)
            .map_err(|e| invalid("row width", e.to_string()))?;
        Ok(Some(Frame::new(index, self.keys.clone(), values)?))
    }
}

impl<R: Read> WideRows<R> {
    /// The rows as frames of at most `max_rows` rows each (see
    /// [`next_frame`](Self::next_frame)); after an error the iterator ends.
    ///
    /// ```
    /// use homeostat_metrics::ingest::csv::WideRows;
    ///
    /// let text = "timestamp,cpu\n0,0.5\n60,0.6\n120,0.7\n";
    /// let sizes: Vec<usize> = WideRows::new(text.as_bytes())?
    ///     .frames(2)
    ///     .map(|frame| frame.map(|f| f.nrows()))
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(sizes, [2, 1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn frames(self, max_rows: usize) -> WideFrames<R> {
        WideFrames {
            rows: self,
            max_rows,
        }
    }
}

/// Frames of at most a given number of wide rows: the iterator of
/// [`WideRows::frames`].
#[derive(Debug)]
pub struct WideFrames<R> {
    rows: WideRows<R>,
    max_rows: usize,
}

impl<R: Read> Iterator for WideFrames<R> {
    type Item = Result<Frame>;

    fn next(&mut self) -> Option<Self::Item> {
        self.rows.next_frame(self.max_rows).transpose()
    }
}

impl<R: Read> Iterator for WideRows<R> {
    type Item = Result<(Timestamp, Vec<f64>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut row = Vec::with_capacity(self.keys.len());
        let next = self.read(&mut row).map(|t| t.map(|t| (t, row))).transpose();
        if !matches!(next, Some(Ok(_))) {
            self.done = true;
        }
        next
    }
}
