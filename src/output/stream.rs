//! Records written one at a time as they are read, for listings as long as the database
//! (10⁶ images): no vector of every record and no string of the whole output.

use std::io::{self, BufWriter, StdoutLock, Write};

use serde::Serialize;

use crate::error::{Error, Result};

/// Standard output (or `W`) for a stream of records: lines, or the elements of one JSON
/// array.
pub(crate) struct Stream<W: Write = BufWriter<StdoutLock<'static>>> {
    out: W,
    json: bool,
    records: usize,
}

impl Stream {
    /// Lines as given, or (`json`) one pretty JSON array: the same bytes as
    /// [`super::json`] of the vector of the records.
    pub(crate) fn new(json: bool) -> Stream {
        Stream::to(
            BufWriter::with_capacity(64 * 1024, io::stdout().lock()),
            json,
        )
    }
}

impl<W: Write> Stream<W> {
    fn to(out: W, json: bool) -> Stream<W> {
        Stream {
            out,
            json,
            records: 0,
        }
    }

    /// A line, its newline included.
    pub(crate) fn line(&mut self, text: &str) -> Result<()> {
        self.put(text)
    }

    /// One element of the JSON array.
    pub(crate) fn record<T: Serialize>(&mut self, value: &T) -> Result<()> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| Error::Failed(format!("cannot render JSON: {e}")))?;
        self.put(if self.records == 0 { "[\n  " } else { ",\n  " })?;
        // JSON strings escape their newlines: every newline here is between tokens.
        self.put(&text.replace('\n', "\n  "))?;
        self.records += 1;
        Ok(())
    }

    /// Closes the array and flushes.
    pub(crate) fn finish(mut self) -> Result<()> {
        if self.json {
            self.put(if self.records == 0 { "[]\n" } else { "\n]\n" })?;
        }
        self.out.flush().map_err(stdout_error)
    }

    fn put(&mut self, text: &str) -> Result<()> {
        self.out.write_all(text.as_bytes()).map_err(stdout_error)
    }
}

/// A closed pipe (`vmcatcher … | head`) is [`Error::BrokenPipe`], a quiet exit 0.
fn stdout_error(e: io::Error) -> Error {
    match e.kind() {
        io::ErrorKind::BrokenPipe => Error::BrokenPipe,
        _ => Error::io("standard output", e),
    }
}

#[cfg(test)]
mod tests {
    use super::Stream;

    #[test]
    fn streamed_json_has_the_bytes_of_the_whole_array() {
        #[derive(serde::Serialize)]
        struct R {
            a: &'static str,
            b: Vec<u8>,
        }
        let records = [
            R {
                a: "x\ny",
                b: vec![1, 2],
            },
            R { a: "z", b: vec![] },
        ];
        for n in 0..=records.len() {
            let mut bytes = Vec::new();
            let mut out = Stream::to(&mut bytes, true);
            for r in &records[..n] {
                out.record(r).unwrap();
            }
            out.finish().unwrap();
            let whole = serde_json::to_string_pretty(&records[..n]).unwrap() + "\n";
            assert_eq!(String::from_utf8(bytes).unwrap(), whole);
        }
    }
}
