//! Parsing the display form of a [`SeriesKey`], `name{a="x",b="y"}`, back
//! into a key (the inverse of its `Display`).

use homeostat_core::{Labels, SeriesKey};

/// What went wrong and at which byte of the key text.
pub(super) type KeyError = (usize, String);

/// Parses `name` or `name{label="value",...}` with Prometheus escaping
/// (`\\`, `\"`, `\n`) in values; a trailing comma before `}` is accepted.
pub(super) fn parse(text: &str) -> Result<SeriesKey, KeyError> {
    let (name, rest) = match text.find('{') {
        Some(brace) => (&text[..brace], Some((brace, &text[brace + 1..]))),
        None => (text, None),
    };
    let name = name.trim();
    let key = SeriesKey::new(name).map_err(|e| (0, e.to_string()))?;
    let Some((brace, body)) = rest else {
        return Ok(key);
    };
    let labels = parse_labels(body, brace + 1)?;
    Ok(key.with_labels(labels))
}

/// Parses `a="x",b="y"}` (the text after `{`); `base` is its byte offset.
fn parse_labels(body: &str, base: usize) -> Result<Labels, KeyError> {
    let mut labels = Labels::new();
    let mut chars = body.char_indices().peekable();
    loop {
        // A label name, or the closing brace.
        let Some(&(start, c)) = chars.peek() else {
            return Err((base + body.len(), "missing closing '}'".into()));
        };
        if c == '}' {
            chars.next();
            break;
        }
        let mut end = start;
        while let Some(&(i, c)) = chars.peek() {
            if c == '=' {
                break;
            }
            end = i + c.len_utf8();
            chars.next();
        }
        let label = &body[start..end];
        if chars.next().is_none() {
            return Err((
                base + start,
                format!("label {label:?} has no '=' and value"),
            ));
        }
        match chars.next() {
            Some((_, '"')) => {}
            Some((i, c)) => {
                return Err((
                    base + i,
                    format!("expected '\"' to open the value of label {label:?}, found {c:?}"),
                ));
            }
            None => return Err((base + body.len(), format!("label {label:?} has no value"))),
        }
        let mut value = String::new();
        loop {
            match chars.next() {
                None => {
                    return Err((
                        base + body.len(),
                        format!("unterminated value of label {label:?}"),
                    ));
                }
                Some((_, '"')) => break,
                Some((i, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => {
                        let found = other
                            .map_or_else(|| "end of text".to_owned(), |(_, c)| format!("{c:?}"));
                        return Err((
                            base + i,
                            format!("unknown escape '\\' followed by {found} in label {label:?}"),
                        ));
                    }
                },
                Some((_, c)) => value.push(c),
            }
        }
        if labels.get(label).is_some() {
            return Err((base + start, format!("label {label:?} appears twice")));
        }
        labels
            .insert(label, value)
            .map_err(|e| (base + start, e.to_string()))?;
        match chars.next() {
            Some((_, ',')) => {}
            Some((_, '}')) => break,
            Some((i, c)) => {
                return Err((
                    base + i,
                    format!("expected ',' or '}}' after label {label:?}, found {c:?}"),
                ));
            }
            None => return Err((base + body.len(), "missing closing '}'".into())),
        }
    }
    if let Some((i, _)) = chars.next() {
        return Err((
            base + i,
            format!("unexpected text {:?} after '}}'", &body[i..]),
        ));
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_plain_names_and_labelled_keys() {
        assert_eq!(parse("cpu").unwrap(), SeriesKey::new("cpu").unwrap());
        let key = parse(r#"cpu{node="n1",zone="a"}"#).unwrap();
        assert_eq!(key.labels().get("node"), Some("n1"));
        assert_eq!(key.to_string(), r#"cpu{node="n1",zone="a"}"#);
        assert_eq!(parse(r#"cpu{node="n1",}"#).unwrap().labels().len(), 1);
        assert!(parse("cpu{}").unwrap().labels().is_empty());
    }

    #[test]
    fn unescapes_values() {
        let key = parse(r#"m{p="a\\b\"c\nd,}"}"#).unwrap();
        assert_eq!(key.labels().get("p"), Some("a\\b\"c\nd,}"));
    }

    #[test]
    fn errors_name_the_problem_and_its_byte() {
        let cases = [
            ("", 0, "empty"),
            ("m{a=\"x\"", 7, "closing"),
            ("m{a}", 2, "no '='"),
            ("m{a=x}", 4, "expected '\"'"),
            ("m{a=\"x}", 7, "unterminated"),
            ("m{a=\"x\" b=\"y\"}", 7, "expected ','"),
            ("m{a=\"x\",a=\"y\"}", 8, "twice"),
            ("m{a=\"x\"}z", 8, "\"z\""),
            ("m{a=\"\\t\"}", 5, "escape"),
            ("m{1a=\"x\"}", 2, "1a"),
        ];
        for (text, byte, needle) in cases {
            let (at, message) = parse(text).unwrap_err();
            assert_eq!(at, byte, "{text}: {message}");
            assert!(message.contains(needle), "{text}: {message}");
        }
    }

    proptest! {
        #[test]
        fn display_round_trips(
            name in "[a-z_][a-z0-9_:]{0,8}",
            labels in prop::collection::btree_map("[a-zA-Z_][a-zA-Z0-9_]{0,5}", "\\PC{0,6}", 0..4),
        ) {
            let key = SeriesKey::new(name).unwrap().with_labels(Labels::try_from(labels).unwrap());
            prop_assert_eq!(parse(&key.to_string()).unwrap(), key);
        }
    }
}
