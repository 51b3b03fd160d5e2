#![allow(clippy::unwrap_used)] // a panic in a test is a failed test
//! The chunked CSV readers over a generated input of a million lines: every
//! chunk holds at most its size, and the input is read only as far as the
//! chunks handed out plus the CSV reader's fixed buffer, so memory does not
//! grow with the input.

use std::cell::Cell;
use std::io::Read;
use std::rc::Rc;

use homeostat_metrics::ingest::csv::{LongRows, WideRows};

const LINES: u64 = 1_000_000;
const CHUNK: usize = 1000;
/// The most bytes the CSV reader may have read ahead of the rows handed
/// out: its buffer (8 KiB by default) with room to spare.
const READ_AHEAD: u64 = 64 * 1024;

/// Lines made as they are read, never the whole input at once, counting the
/// bytes handed to the reader.
struct Generated {
    header: Vec<u8>,
    line: fn(u64) -> String,
    next: u64,
    pending: Vec<u8>,
    at: usize,
    served: Rc<Cell<u64>>,
}

impl Generated {
    fn new(header: &str, line: fn(u64) -> String) -> (Self, Rc<Cell<u64>>) {
        let served = Rc::new(Cell::new(0));
        let reader = Generated {
            header: header.as_bytes().to_vec(),
            line,
            next: 0,
            pending: Vec::new(),
            at: 0,
            served: Rc::clone(&served),
        };
        (reader, served)
    }
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.pending.len() {
            self.at = 0;
            self.pending = if !self.header.is_empty() {
                std::mem::take(&mut self.header)
            } else if self.next < LINES {
                self.next += 1;
                (self.line)(self.next - 1).into_bytes()
            } else {
                return Ok(0);
            };
        }
        let n = buf.len().min(self.pending.len() - self.at);
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        self.served.set(self.served.get() + n as u64);
        Ok(n)
    }
}

/// Fixed-width lines, so the bytes of `k` lines are `k` times one line.
fn long_line(i: u64) -> String {
    format!(
        "{:013},cpu,{:06},node=a\n",
        1_700_000_000_000 + 1000 * i,
        i % 999_983
    )
}

fn wide_line(i: u64) -> String {
    format!(
        "{:013},{:06},{:06}\n",
        1_700_000_000_000 + 1000 * i,
        i % 7919,
        i % 104_729
    )
}

#[test]
fn long_chunks_over_a_million_lines_hold_only_the_chunk() {
    let header = "timestamp,metric,value\n";
    let (input, served) = Generated::new(header, long_line);
    let width = long_line(0).len() as u64;
    let mut seen = 0u64;
    let mut chunks = 0;
    for chunk in LongRows::new(input).chunks(CHUNK) {
        let chunk = chunk.unwrap();
        assert!(chunk.len() <= CHUNK && chunk.capacity() <= CHUNK);
        // Line numbers follow the input (line 1 is the header).
        assert_eq!(chunk[0].line, seen + 2);
        seen += chunk.len() as u64;
        let read_so_far = served.get();
        assert!(
            read_so_far <= header.len() as u64 + seen * width + READ_AHEAD,
            "after {seen} samples the reader took {read_so_far} bytes"
        );
        chunks += 1;
    }
    assert_eq!(seen, LINES);
    assert_eq!(chunks, LINES as usize / CHUNK);
}

#[test]
fn wide_frames_over_a_million_lines_hold_only_the_chunk() {
    let header = "timestamp,cpu,mem\n";
    let (input, served) = Generated::new(header, wide_line);
    let width = wide_line(0).len() as u64;
    let mut seen = 0u64;
    for frame in WideRows::new(input).unwrap().frames(CHUNK) {
        let frame = frame.unwrap();
        assert!(frame.nrows() <= CHUNK);
        assert_eq!(frame.ncols(), 2);
        seen += frame.nrows() as u64;
        let read_so_far = served.get();
        assert!(
            read_so_far <= header.len() as u64 + seen * width + READ_AHEAD,
            "after {seen} rows the reader took {read_so_far} bytes"
        );
    }
    assert_eq!(seen, LINES);
}

#[test]
fn a_bad_line_deep_in_the_input_is_named_and_ends_the_chunks() {
    fn line(i: u64) -> String {
        if i == 123_456 {
            "1,cpu,oops\n".to_owned()
        } else {
            long_line(i)
        }
    }
    let (input, _) = Generated::new("timestamp,metric,value\n", line);
    let mut results = LongRows::new(input).chunks(CHUNK);
    let mut good = 0;
    let err = loop {
        match results.next().unwrap() {
            Ok(chunk) => good += chunk.len(),
            Err(e) => break e,
        }
    };
    assert_eq!(good, 123_000);
    let message = err.to_string();
    // Line 1 is the header: sample i is on line i + 2.
    assert!(
        message.contains("line 123458") && message.contains("oops"),
        "{message}"
    );
    assert!(results.next().is_none());

    fn wide(i: u64) -> String {
        if i == 654_321 {
            "1,2\n".to_owned()
        } else {
            wide_line(i)
        }
    }
    let (input, _) = Generated::new("timestamp,cpu,mem\n", wide);
    let mut frames = WideRows::new(input).unwrap().frames(CHUNK);
    let err = frames.find_map(Result::err).unwrap().to_string();
    assert!(
        err.contains("line 654323") && err.contains("expected 3 fields"),
        "{err}"
    );
    assert!(frames.next().is_none());
}
