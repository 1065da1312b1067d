//! A body reader that notices when a transfer is cut short.
//!
//! The body framing (`wire::Body`) stops at `Content-Length`, so a connection closed
//! early simply looks like the end of the body. We count the bytes and turn an early end
//! into an `UnexpectedEof` error carrying [`BodyTruncated`], and turn the `EAGAIN`
//! (`WouldBlock`) a socket read timeout produces into `TimedOut` carrying [`ReadTimedOut`].
//! Both kinds mean "try again and resume", never "the image is corrupt".

use std::error::Error as StdError;
use std::fmt;
use std::io::{self, Read};
use std::time::{Duration, Instant};

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

/// The payload of the `TimedOut` error returned when an image body is slower than
/// `http.min_rate` over a whole window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TooSlow {
    /// Bytes received in the window.
    pub received: u64,
    /// Length of the window, milliseconds.
    pub window_ms: u64,
    /// The configured floor, bytes per second.
    pub min_rate: u64,
}

impl fmt::Display for TooSlow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.window_ms as f64 / 1000.0;
        write!(
            f,
            "received {} bytes in {secs:.1} s, below http.min_rate = {} bytes/s: the server is too \
             slow or stalls; lower http.min_rate if this link really is that slow",
            self.received, self.min_rate
        )
    }
}

impl StdError for TooSlow {}

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
    rate: Option<RateFloor>,
    /// A window closed below the floor: the bytes of that read were handed out, the
    /// next read fails.
    too_slow: Option<TooSlow>,
}

/// The minimum-rate rule: bytes counted per window, checked when a window is over.
struct RateFloor {
    min_rate: u64,
    window: Duration,
    started: Instant,
    bytes: u64,
}

impl RateFloor {
    /// Counts `n` more bytes; the verdict when a window closed below the floor.
    fn record(&mut self, n: u64) -> Option<TooSlow> {
        self.bytes += n;
        let elapsed = self.started.elapsed();
        if elapsed < self.window {
            return None;
        }
        if (self.bytes as f64) < self.min_rate as f64 * elapsed.as_secs_f64() {
            return Some(TooSlow {
                received: self.bytes,
                window_ms: elapsed.as_millis() as u64,
                min_rate: self.min_rate,
            });
        }
        self.started = Instant::now();
        self.bytes = 0;
        None
    }
}

impl<R: Read> CheckedBody<R> {
    pub(crate) fn new(inner: R, expected: Option<u64>, read_timeout_secs: u64) -> Self {
        CheckedBody {
            inner,
            expected,
            received: 0,
            read_timeout_secs,
            rate: None,
            too_slow: None,
        }
    }

    /// Cuts the body (a resumable `TimedOut` carrying [`TooSlow`]) when fewer than
    /// `min_rate` bytes per second arrive on average over a `window`; 0 means no floor.
    /// The first window starts now.
    pub(crate) fn with_min_rate(mut self, min_rate: u64, window: Duration) -> Self {
        self.rate = (min_rate > 0 && !window.is_zero()).then(|| RateFloor {
            min_rate,
            window,
            started: Instant::now(),
            bytes: 0,
        });
        self
    }
}

impl<R: Read> Read for CheckedBody<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if let Some(slow) = self.too_slow.clone() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, slow));
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
                self.too_slow = self.rate.as_mut().and_then(|r| r.record(n as u64));
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

    /// Gives one byte per read, `pause` apart.
    struct Dribble(Duration);
    impl Read for Dribble {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            std::thread::sleep(self.0);
            buf[0] = b'x';
            Ok(1)
        }
    }

    #[test]
    fn a_body_below_the_minimum_rate_is_cut_after_one_window() {
        let started = Instant::now();
        let mut body = CheckedBody::new(Dribble(Duration::from_millis(20)), None, 1)
            .with_min_rate(1024, Duration::from_millis(200));
        let err = body.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(is_resumable(&err));
        let msg = err.to_string();
        assert!(msg.contains("below http.min_rate = 1024 bytes/s"), "{msg}");
        // No floor: the same body goes on.
        let mut body = CheckedBody::new(Dribble(Duration::from_millis(1)), None, 1)
            .with_min_rate(0, Duration::from_millis(10))
            .take(30);
        assert_eq!(body.read_to_end(&mut Vec::new()).unwrap(), 30);
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
