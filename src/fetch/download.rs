//! An opened image transfer.

use std::fmt;
use std::io::Read;

/// A response body ready to be streamed to disk, with what the server said about it.
///
/// Read errors are `io::Error`s; those for which [`super::is_resumable`] holds (a body cut
/// short, a read timeout) mean "retry with `resume_from` = bytes kept so far".
pub struct Download {
    /// The body (only the requested range when `resumed`).
    pub reader: Box<dyn Read + Send>,
    /// HTTP status of the final response; `file://` reports 200, or 206 when it seeked.
    pub status: u16,
    /// Bytes in this body, when known (`Content-Length`).
    pub content_length: Option<u64>,
    /// True only when the body continues at the requested offset (206 with a matching
    /// `Content-Range` start). False means the body starts at byte 0: truncate and restart.
    pub resumed: bool,
    /// Size of the whole resource when known (from `Content-Range`, or the length of a
    /// full answer).
    pub total_size: Option<u64>,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("status", &self.status)
            .field("content_length", &self.content_length)
            .field("resumed", &self.resumed)
            .field("total_size", &self.total_size)
            .finish_non_exhaustive()
    }
}
