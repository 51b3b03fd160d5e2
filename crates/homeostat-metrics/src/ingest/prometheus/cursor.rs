//! A cursor over one line, and the error it reports.

/// A problem at byte `offset` of the line.
#[derive(Debug)]
pub(super) struct LineError {
    pub(super) offset: usize,
    pub(super) message: String,
}

pub(super) type LineResult<T> = Result<T, LineError>;

pub(super) fn fail<T>(offset: usize, message: String) -> LineResult<T> {
    Err(LineError { offset, message })
}

/// At most 40 characters of `text`, for error messages.
pub(super) fn snippet(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}...", text.get(..end).unwrap_or(text)),
        None => text.to_owned(),
    }
}

/// A position in a line; always on a character boundary.
pub(super) struct Cursor<'a> {
    pub(super) text: &'a str,
    pub(super) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub(super) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    pub(super) fn skip_blanks(&mut self) -> bool {
        let start = self.pos;
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
        self.pos > start
    }

    pub(super) fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.bump();
        }
        self.text.get(start..self.pos).unwrap_or("")
    }

    /// The next whitespace-separated token.
    pub(super) fn token(&mut self) -> &'a str {
        self.take_while(|c| c != ' ' && c != '\t')
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_short() {
        assert_eq!(snippet(&"x".repeat(100)).len(), 43);
        assert_eq!(snippet("é"), "é");
    }
}
