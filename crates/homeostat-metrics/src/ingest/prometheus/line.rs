//! One line of the text formats, parsed without I/O: a sample, a metadata
//! line, a comment or `# EOF`. Errors carry the byte offset in the line.

use homeostat_core::{Labels, Timestamp, UnixUnit};

use super::cursor::{Cursor, LineError, LineResult, fail, snippet};
use super::labels::parse_labels;
use super::metadata::MetricType;
use super::sample::{Format, Sample};

/// What one line holds.
#[derive(Debug)]
pub(super) enum Line {
    /// Empty or whitespace only.
    Blank,
    /// A comment that is not metadata.
    Comment,
    /// `# HELP name text`.
    Help { name: String, text: String },
    /// `# TYPE name type`; `at` is the byte offset of the name.
    Type {
        name: String,
        metric_type: MetricType,
        at: usize,
    },
    /// `# UNIT name unit` (OpenMetrics).
    Unit { name: String, unit: String },
    /// `# EOF` (OpenMetrics).
    Eof,
    /// A sample line.
    Sample(Sample),
}

/// Parses one line (without its line break).
pub(super) fn parse_line(line: &str, format: Format) -> LineResult<Line> {
    let mut c = Cursor { text: line, pos: 0 };
    c.skip_blanks();
    match c.peek() {
        None => Ok(Line::Blank),
        Some('#') => {
            c.bump();
            parse_comment(c, format)
        }
        Some(_) => parse_sample(c, format).map(Line::Sample),
    }
}

fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn parse_comment(mut c: Cursor<'_>, format: Format) -> LineResult<Line> {
    c.skip_blanks();
    let keyword = c.token();
    let open_metrics = format == Format::OpenMetrics;
    if keyword == "EOF" && open_metrics {
        c.skip_blanks();
        if !c.at_end() {
            return fail(
                c.pos,
                format!("unexpected text `{}` after `# EOF`", snippet(c.rest())),
            );
        }
        return Ok(Line::Eof);
    }
    let is_unit = keyword == "UNIT" && open_metrics;
    if keyword != "HELP" && keyword != "TYPE" && !is_unit {
        return Ok(Line::Comment);
    }
    c.skip_blanks();
    let at = c.pos;
    let name = c.token();
    if name.is_empty() {
        return fail(at, format!("`# {keyword}` without a metric name"));
    }
    if !is_metric_name(name) {
        return fail(
            at,
            format!("invalid metric name `{}` in `# {keyword}`", snippet(name)),
        );
    }
    let name = name.to_owned();
    c.skip_blanks();
    match keyword {
        "HELP" => Ok(Line::Help {
            name,
            text: unescape_help(c.rest(), open_metrics),
        }),
        "TYPE" => {
            let type_at = c.pos;
            let word = c.token();
            let Some(metric_type) = MetricType::from_name(word) else {
                return fail(
                    type_at,
                    format!("unknown metric type `{}` for `{name}`", snippet(word)),
                );
            };
            c.skip_blanks();
            if !c.at_end() {
                let extra = snippet(c.rest());
                return fail(
                    c.pos,
                    format!("unexpected text `{extra}` after the type of `{name}`"),
                );
            }
            Ok(Line::Type {
                name,
                metric_type,
                at,
            })
        }
        _ => Ok(Line::Unit {
            name,
            unit: c.rest().trim_end().to_owned(),
        }),
    }
}

/// Help text escapes: `\\` and `\n`, and in OpenMetrics also `\"`; any
/// other backslash is kept as it is.
fn unescape_help(text: &str, open_metrics: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.trim_end().chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('\\') => out.push('\\'),
            Some('"') if open_metrics => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn parse_sample(mut c: Cursor<'_>, format: Format) -> LineResult<Sample> {
    let start = c.pos;
    let name = c.take_while(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
    if name.is_empty() {
        return fail(
            start,
            format!("expected a metric name, found `{}`", snippet(c.rest())),
        );
    }
    if !is_metric_name(name) {
        return fail(start, format!("invalid metric name `{}`", snippet(name)));
    }
    let mut had_blank = c.skip_blanks();
    let labels = if c.peek() == Some('{') {
        let labels = parse_labels(&mut c)?;
        had_blank = c.skip_blanks();
        labels
    } else {
        Labels::new()
    };
    if c.at_end() {
        return fail(
            c.pos,
            format!(
                "missing value after `{}`",
                snippet(c.text.get(start..).unwrap_or(""))
            ),
        );
    }
    if !had_blank {
        return fail(
            c.pos,
            format!(
                "unexpected `{}` after metric name `{name}`",
                snippet(c.rest())
            ),
        );
    }
    let value_at = c.pos;
    let value_text = c.token();
    let Some(value) = parse_float(value_text) else {
        return fail(
            value_at,
            format!("invalid value `{}` for `{name}`", snippet(value_text)),
        );
    };
    c.skip_blanks();
    let mut timestamp = None;
    if !c.at_end() && c.peek() != Some('#') {
        let at = c.pos;
        let text = c.token();
        timestamp = Some(parse_timestamp(text, format).ok_or_else(|| LineError {
            offset: at,
            message: format!(
                "invalid timestamp `{}` for `{name}`: expected {}",
                snippet(text),
                match format {
                    Format::PrometheusText => "integer milliseconds",
                    Format::OpenMetrics => "seconds",
                }
            ),
        })?);
        c.skip_blanks();
    }
    if c.peek() == Some('#') {
        c.bump();
        skip_exemplar(&mut c)?;
    }
    if !c.at_end() {
        return fail(
            c.pos,
            format!(
                "unexpected text `{}` after the sample of `{name}`",
                snippet(c.rest())
            ),
        );
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
        timestamp,
    })
}

/// An exemplar after ` # `: `{labels} value [timestamp]`, checked and dropped.
fn skip_exemplar(c: &mut Cursor<'_>) -> LineResult<()> {
    c.skip_blanks();
    if c.peek() != Some('{') {
        return fail(
            c.pos,
            format!(
                "expected `{{` to open an exemplar, found `{}`",
                snippet(c.rest())
            ),
        );
    }
    parse_labels(c)?;
    c.skip_blanks();
    let at = c.pos;
    let value = c.token();
    if parse_float(value).is_none() {
        return fail(at, format!("invalid exemplar value `{}`", snippet(value)));
    }
    c.skip_blanks();
    if !c.at_end() {
        let at = c.pos;
        let text = c.token();
        if parse_timestamp(text, Format::OpenMetrics).is_none() {
            return fail(
                at,
                format!("invalid exemplar timestamp `{}`", snippet(text)),
            );
        }
        c.skip_blanks();
    }
    Ok(())
}
/// A sample value: a decimal float, `NaN`, `+Inf`, `-Inf` (any case, as Go's
/// `ParseFloat` reads them).
fn parse_float(text: &str) -> Option<f64> {
    // Rust also reads "infinity"; Go does too, so that is kept.
    text.parse::<f64>().ok()
}

fn parse_timestamp(text: &str, format: Format) -> Option<Timestamp> {
    match format {
        Format::PrometheusText => text.parse::<i64>().ok().map(Timestamp::from_millis),
        Format::OpenMetrics => Timestamp::parse_unix(text, UnixUnit::Seconds).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(line: &str) -> Sample {
        match parse_line(line, Format::PrometheusText).unwrap() {
            Line::Sample(s) => s,
            other => panic!("not a sample: {other:?}"),
        }
    }

    #[test]
    fn blanks_between_tokens_are_allowed() {
        let s = sample("  m { a = \"1\" , b=\"2\", }\t 3   17 ");
        assert_eq!(s.labels.get("a"), Some("1"));
        assert_eq!(s.labels.len(), 2);
        assert_eq!(s.value, 3.0);
        assert_eq!(s.timestamp, Some(Timestamp::from_millis(17)));
    }

    #[test]
    fn help_escapes_are_undone() {
        let line = parse_line(r#"# HELP m a\\b\nc \x \""#, Format::PrometheusText).unwrap();
        match line {
            Line::Help { name, text } => {
                assert_eq!(name, "m");
                assert_eq!(text, "a\\b\nc \\x \\\"");
            }
            other => panic!("{other:?}"),
        }
        let line = parse_line(r#"# HELP m say \"hi\""#, Format::OpenMetrics).unwrap();
        assert!(matches!(line, Line::Help { text, .. } if text == "say \"hi\""));
    }

    #[test]
    fn eof_and_unit_are_comments_in_prometheus_text() {
        assert!(matches!(
            parse_line("# EOF", Format::PrometheusText),
            Ok(Line::Comment)
        ));
        assert!(matches!(
            parse_line("# UNIT m s", Format::PrometheusText),
            Ok(Line::Comment)
        ));
        assert!(matches!(
            parse_line("# UNIT m s", Format::OpenMetrics),
            Ok(Line::Unit { .. })
        ));
    }
}
