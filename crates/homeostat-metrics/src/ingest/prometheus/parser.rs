//! The streaming parser: lines from a reader in, samples out.

use std::io::BufRead;

use super::cursor::{LineError, snippet};
use super::line::{Line, parse_line};
use super::metadata::Metadata;
use super::sample::{Format, Sample};
use crate::error::{Error, Position, Result};

/// Parses the text formats line by line from any [`BufRead`], yielding one
/// [`Sample`] at a time.
///
/// It keeps one line and the [`Metadata`] (one entry per family) in memory,
/// whatever the size of the input. Blank lines and comments other than
/// `# HELP`, `# TYPE` (and in OpenMetrics `# UNIT`, `# EOF`) are skipped;
/// CRLF line ends are accepted.
///
/// Every malformed line is an [`Error::Parse`] whose `format` is
/// [`Format::name`] and whose position is the line, column (in characters)
/// and byte offset of the offending text, including bytes that are not
/// UTF-8, a second `# TYPE` line for one family, text after an OpenMetrics
/// `# EOF` and OpenMetrics input that ends without `# EOF`. After the first
/// error (or I/O error) the iterator ends.
///
/// ```
/// use homeostat_metrics::ingest::prometheus::{Format, MetricType, Parser};
///
/// let text = "# TYPE http_requests_total counter\n\
///             http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n\
///             http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n";
/// let mut parser = Parser::new(text.as_bytes(), Format::PrometheusText);
/// let first = parser.next().ok_or("no sample")??;
/// assert_eq!(first.labels.get("code"), Some("200"));
/// assert_eq!(first.value, 1027.0);
/// assert_eq!(parser.metadata().type_of(&first.name), MetricType::Counter);
/// assert_eq!(parser.count(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Parser<R> {
    reader: R,
    format: Format,
    metadata: Metadata,
    buf: Vec<u8>,
    /// Lines read so far (the number of the current line).
    line: u64,
    /// Byte offset of the start of the next line.
    byte: u64,
    seen_eof: bool,
    done: bool,
}

/// Everything in one input: its samples in order and its metadata.
///
/// ```
/// use homeostat_metrics::ingest::prometheus::parse_str;
/// let parsed = parse_str("# HELP up Up.\nup 1\n", Default::default())?;
/// assert_eq!(parsed.samples.len(), 1);
/// assert_eq!(parsed.metadata.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Exposition {
    /// The samples, in input order.
    pub samples: Vec<Sample>,
    /// The families declared by metadata lines.
    pub metadata: Metadata,
}

/// Parses a whole text into samples and metadata; see [`Parser`].
///
/// ```
/// use homeostat_metrics::ingest::prometheus::{parse_str, Format};
/// let text = "# TYPE temp gauge\n# UNIT temp celsius\ntemp 21.5 1520879607.789\n# EOF\n";
/// let parsed = parse_str(text, Format::OpenMetrics)?;
/// let t = parsed.samples[0].timestamp.ok_or("no timestamp")?;
/// assert_eq!(t.as_millis(), 1_520_879_607_789);
/// assert_eq!(parsed.metadata.get("temp").and_then(|f| f.unit.as_deref()), Some("celsius"));
/// assert!(parse_str("temp 21.5\n", Format::OpenMetrics).is_err()); // no # EOF
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_str(text: &str, format: Format) -> Result<Exposition> {
    let mut parser = Parser::new(text.as_bytes(), format);
    let samples = parser.by_ref().collect::<Result<Vec<_>>>()?;
    Ok(Exposition {
        samples,
        metadata: parser.into_metadata(),
    })
}

impl<R: BufRead> Parser<R> {
    /// A parser reading `reader` in `format`.
    ///
    /// ```
    /// use homeostat_metrics::ingest::prometheus::{Format, Parser};
    /// let samples: Vec<_> = Parser::new(&b"a 1\nb 2\n"[..], Format::PrometheusText)
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(samples.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(reader: R, format: Format) -> Self {
        Parser {
            reader,
            format,
            metadata: Metadata::new(),
            buf: Vec::new(),
            line: 0,
            byte: 0,
            seen_eof: false,
            done: false,
        }
    }

    /// The format being parsed.
    ///
    /// ```
    /// use homeostat_metrics::ingest::prometheus::{Format, Parser};
    /// assert_eq!(Parser::new(&b""[..], Format::OpenMetrics).format(), Format::OpenMetrics);
    /// ```
    pub fn format(&self) -> Format {
        self.format
    }

    /// The families declared so far.
    ///
    /// ```
    /// use homeostat_metrics::ingest::prometheus::{Format, Parser};
    /// let mut parser = Parser::new(&b"# TYPE up gauge\nup 1\n"[..], Format::PrometheusText);
    /// parser.next();
    /// assert!(parser.metadata().get("up").is_some());
    /// ```
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// The metadata, giving up the parser.
    ///
    /// ```
    /// use homeostat_metrics::ingest::prometheus::{Format, Parser};
    /// let mut parser = Parser::new(&b"# HELP up Up.\n"[..], Format::PrometheusText);
    /// assert!(parser.next().is_none());
    /// assert_eq!(parser.into_metadata().len(), 1);
    /// ```
    pub fn into_metadata(self) -> Metadata {
        self.metadata
    }

    fn error(&mut self, position: Position, message: String) -> Error {
        self.done = true;
        Error::Parse {
            format: self.format.name(),
            position,
            message,
        }
    }

    /// The position of byte `offset` of the current line, whose valid UTF-8
    /// prefix is `prefix`.
    fn locate(&self, line_start: u64, prefix: &str, offset: usize) -> Position {
        let before = prefix.get(..offset).unwrap_or(prefix);
        Position {
            line: self.line,
            column: before.chars().count() as u64 + 1,
            byte: line_start + offset as u64,
        }
    }

    /// Reads and interprets the next line; `Ok(None)` at the end of input.
    fn step(&mut self) -> Option<Result<Option<Sample>>> {
        self.buf.clear();
        let line_start = self.byte;
        let read = match self.reader.read_until(b'\n', &mut self.buf) {
            Ok(read) => read,
            Err(e) => {
                self.done = true;
                return Some(Err(Error::Io(e)));
            }
        };
        if read == 0 {
            self.done = true;
            if self.format == Format::OpenMetrics && !self.seen_eof {
                let position = Position {
                    line: self.line + 1,
                    column: 1,
                    byte: line_start,
                };
                return Some(Err(
                    self.error(position, "input ends without `# EOF`".into())
                ));
            }
            return None;
        }
        self.line += 1;
        self.byte += read as u64;
        let mut content = std::mem::take(&mut self.buf);
        while matches!(content.last(), Some(b'\n' | b'\r')) {
            content.pop();
        }
        let result = self.interpret(&content, line_start);
        self.buf = content;
        Some(result)
    }

    fn interpret(&mut self, content: &[u8], line_start: u64) -> Result<Option<Sample>> {
        let text = match std::str::from_utf8(content) {
            Ok(text) => text,
            Err(e) => {
                let valid = e.valid_up_to();
                let prefix = std::str::from_utf8(content.get(..valid).unwrap_or(&[])).unwrap_or("");
                let bad = content.get(valid).copied().unwrap_or(0);
                let position = self.locate(line_start, prefix, valid);
                return Err(self.error(
                    position,
                    format!("invalid UTF-8 byte 0x{bad:02x} after `{}`", snippet(prefix)),
                ));
            }
        };
        if self.seen_eof {
            if text.trim().is_empty() {
                return Ok(None);
            }
            let position = self.locate(line_start, text, 0);
            return Err(self.error(position, format!("text after `# EOF`: `{}`", snippet(text))));
        }
        let line = match parse_line(text, self.format) {
            Ok(line) => line,
            Err(LineError { offset, message }) => {
                let position = self.locate(line_start, text, offset);
                return Err(self.error(position, message));
            }
        };
        match line {
            Line::Blank | Line::Comment => {}
            Line::Help { name, text } => self.metadata.set_help(&name, text),
            Line::Unit { name, unit } => self.metadata.set_unit(&name, unit),
            Line::Type {
                name,
                metric_type,
                at,
            } => {
                if !self.metadata.set_type(&name, metric_type) {
                    let position = self.locate(line_start, text, at);
                    return Err(self.error(position, format!("second `# TYPE` line for `{name}`")));
                }
            }
            Line::Eof => self.seen_eof = true,
            Line::Sample(sample) => return Ok(Some(sample)),
        }
        Ok(None)
    }
}

impl<R: BufRead> Iterator for Parser<R> {
    type Item = Result<Sample>;

    fn next(&mut self) -> Option<Result<Sample>> {
        while !self.done {
            match self.step()? {
                Ok(Some(sample)) => return Some(Ok(sample)),
                Ok(None) => {}
                Err(e) => return Some(Err(e)),
            }
        }
        None
    }
}
