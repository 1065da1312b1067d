//! A body reader that notices when a transfer is cut short.
//!
//! attohttpc reads a `Content-Length` body through `Read::take`, so a connection closed
//! early simply looks like the end of the body. We count the bytes and turn an early end
//! into an `UnexpectedEof` error carrying [`BodyTruncated`], and turn the `EAGAIN`
//! (`WouldBlock`) a socket read timeout produces into `TimedOut` carrying [`ReadTimedOut`].
//! Both kinds mean "try again and resume", never "the image is corrupt".

use std::error::Error as StdError;
use std::fmt;
use std::io::{self, Read};

use super::error::FetchError;

/// The payload of the `UnexpectedEof` error returned when a body ends before its length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyTruncated {
    /// Bytes announced by the server for this response.
    pub expected: u64,
    /// Bytes actually received.
    pub received: u64,
}

impl fmt::Display for BodyTruncated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "connection closed after {} of {} bytes",
            self.received, self.expected
        )
    }
}

impl StdError for BodyTruncated {}

/// The payload of the `TimedOut` error returned when a read waited too long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadTimedOut {
    pub secs: u64,
}

impl fmt::Display for ReadTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "timed out after {} s without data", self.secs)
    }
}

impl StdError for ReadTimedOut {}

/// Whether an error from a [`super::Download`] reader is worth a resumed retry
/// (cut short, timed out, connection reset) rather than a failure of the data itself.
pub fn is_resumable(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::TimedOut
            | io::ErrorKind::WouldBlock
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
    )
}

/// The truncation details, if `err` reports a body cut short.
pub fn truncation(err: &io::Error) -> Option<&BodyTruncated> {
    err.get_ref()?.downcast_ref::<BodyTruncated>()
}

/// Wraps a response body: counts bytes against the announced length and names timeouts.
pub(crate) struct CheckedBody<R> {
    inner: R,
    expected: Option<u64>,
    received: u64,
    read_timeout_secs: u64,
}

impl<R: Read> CheckedBody<R> {
    pub(crate) fn new(inner: R, expected: Option<u64>, read_timeout_secs: u64) -> Self {
        CheckedBody {
            inner,
            expected,
            received: 0,
            read_timeout_secs,
        }
    }
}

impl<R: Read> Read for CheckedBody<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        match self.inner.read(buf) {
            Ok(0) => match self.expected {
                Some(expected) if self.received < expected => Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    BodyTruncated {
                        expected,
                        received: self.received,
                    },
                )),
                _ => Ok(0),
            },
            Ok(n) => {
                self.received += n as u64;
                Ok(n)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    ReadTimedOut {
                        secs: self.read_timeout_secs,
                    },
                ))
            }
            Err(e) => Err(e),
        }
    }
}

/// Turn a body read error into the matching [`FetchError`].
pub(crate) fn read_error(err: io::Error, url: &str) -> FetchError {
    if let Some(t) = truncation(&err) {
        return FetchError::Truncated {
            url: url.to_owned(),
            expected: t.expected,
            received: t.received,
        };
    }
    if let Some(t) = err.get_ref().and_then(|e| e.downcast_ref::<ReadTimedOut>()) {
        return FetchError::Timeout {
            url: url.to_owned(),
            phase: "reading",
            secs: t.secs,
        };
    }
    FetchError::Io {
        url: url.to_owned(),
        detail: err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_body_is_unexpected_eof_with_details() {
        let mut r = CheckedBody::new(&b"abc"[..], Some(5), 1);
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert!(is_resumable(&err));
        assert_eq!(
            truncation(&err),
            Some(&BodyTruncated {
                expected: 5,
                received: 3
            })
        );
        assert_eq!(out, b"abc");
    }

    #[test]
    fn exact_and_unknown_lengths_end_cleanly() {
        let mut out = Vec::new();
        CheckedBody::new(&b"abc"[..], Some(3), 1)
            .read_to_end(&mut out)
            .unwrap();
        CheckedBody::new(&b"abc"[..], None, 1)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"abcabc");
    }

    struct Stalled;
    impl Read for Stalled {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::ErrorKind::WouldBlock.into())
        }
    }

    #[test]
    fn would_block_becomes_named_timeout() {
        let err = CheckedBody::new(Stalled, None, 7)
            .read(&mut [0; 4])
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        let fe = read_error(err, "http://h/x");
        assert!(fe.to_string().contains("timed out after 7 s"), "{fe}");
    }
}
