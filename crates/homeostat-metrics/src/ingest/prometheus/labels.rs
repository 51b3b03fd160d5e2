//! Label sets: `{name="value",...}` with escaped values.

use homeostat_core::Labels;

use super::cursor::{Cursor, LineResult, fail, snippet};

fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `{name="value",...}`, with an optional trailing comma and blanks between
/// tokens; the cursor is on the `{`.
pub(super) fn parse_labels(c: &mut Cursor<'_>) -> LineResult<Labels> {
    let open = c.pos;
    c.bump();
    let mut labels = Labels::new();
    loop {
        c.skip_blanks();
        match c.peek() {
            Some('}') => {
                c.bump();
                return Ok(labels);
            }
            None => {
                return fail(
                    c.pos,
                    format!(
                        "unterminated label set `{}`",
                        snippet(c.text.get(open..).unwrap_or(""))
                    ),
                );
            }
            Some(_) => {}
        }
        let at = c.pos;
        let name = c.take_while(|c| !matches!(c, '=' | ',' | '}' | '"' | ' ' | '\t'));
        if name.is_empty() {
            return fail(
                at,
                format!("expected a label name, found `{}`", snippet(c.rest())),
            );
        }
        if !is_label_name(name) {
            return fail(
                at,
                format!(
                    "invalid label name `{}`: label names must match [a-zA-Z_][a-zA-Z0-9_]*",
                    snippet(name)
                ),
            );
        }
        c.skip_blanks();
        if c.peek() != Some('=') {
            let found = snippet(c.rest());
            return fail(
                c.pos,
                format!("expected `=` after label name `{name}`, found `{found}`"),
            );
        }
        c.bump();
        c.skip_blanks();
        if c.peek() != Some('"') {
            return fail(
                c.pos,
                format!(
                    "expected `\"` to open the value of label `{name}`, found `{}`",
                    snippet(c.rest())
                ),
            );
        }
        let value = parse_quoted(c, name)?;
        match labels.insert(name, value) {
            Ok(None) => {}
            Ok(Some(_)) => return fail(at, format!("duplicate label `{name}`")),
            Err(e) => return fail(at, e.to_string()),
        }
        c.skip_blanks();
        match c.peek() {
            Some(',') => {
                c.bump();
            }
            Some('}') => {}
            None => {
                return fail(
                    c.pos,
                    format!(
                        "unterminated label set `{}`",
                        snippet(c.text.get(open..).unwrap_or(""))
                    ),
                );
            }
            Some(_) => {
                return fail(
                    c.pos,
                    format!(
                        "expected `,` or `}}` after the value of label `{name}`, found `{}`",
                        snippet(c.rest())
                    ),
                );
            }
        }
    }
}

/// A double-quoted label value with `\\`, `\"` and `\n` escapes; the cursor
/// is on the opening quote.
fn parse_quoted(c: &mut Cursor<'_>, label: &str) -> LineResult<String> {
    let open = c.pos;
    c.bump();
    let mut value = String::new();
    loop {
        let at = c.pos;
        match c.bump() {
            None => {
                let text = snippet(c.text.get(open..).unwrap_or(""));
                return fail(
                    open,
                    format!("unterminated quoted value `{text}` of label `{label}`"),
                );
            }
            Some('"') => return Ok(value),
            Some('\\') => match c.bump() {
                Some('\\') => value.push('\\'),
                Some('"') => value.push('"'),
                Some('n') => value.push('\n'),
                Some(other) => {
                    return fail(
                        at,
                        format!("invalid escape `\\{other}` in the value of label `{label}`"),
                    );
                }
                None => {
                    return fail(at, format!("unterminated quoted value of label `{label}`"));
                }
            },
            Some(ch) => value.push(ch),
        }
    }
}
