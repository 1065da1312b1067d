//! OpenSSL calls on the bytes of an untrusted message, with errors read by us.
//!
//! The openssl crate (0.10) turns OpenSSL's error queue into an `ErrorStack` by reading
//! each entry's text data as UTF-8 and unwrapping: a queue entry holding other bytes makes
//! any failing call panic, before the caller sees an error. OpenSSL copies bytes of the
//! input into that data (the MIME parser names the unsupported `Content-Type` it found), so
//! a message whose header has one non-UTF-8 byte (`Content-Type:\xb8`) crashed
//! `vmcatcher verify` and every subscription run. Here the queue is drained by us, lossily,
//! and left empty on success too, so no later openssl-crate call can pick such an entry up.

use std::ffi::CStr;
use std::ptr;

use foreign_types_shared::ForeignType;
use libc::{c_char, c_int};
use openssl::pkcs7::Pkcs7;

/// Longest piece of OpenSSL error data kept in a message (it can be a whole header line).
const MAX_DATA_CHARS: usize = 120;

/// `Pkcs7::from_smime` without the panic: the PKCS#7 structure and, for a detached
/// signature, the signed content. The error is OpenSSL's, one line.
pub(crate) fn read_smime(raw: &[u8]) -> Result<(Pkcs7, Option<Vec<u8>>), String> {
    openssl_sys::init();
    let len = c_int::try_from(raw.len()).map_err(|_| "message too large".to_string())?;
    // SAFETY: the memory BIO only reads `raw`, which outlives it; SMIME_read_PKCS7 returns
    // a new PKCS7 (owned by the Pkcs7 wrapper from here) or NULL, and sets `bcont` to a new
    // memory BIO (freed below) only on success, as the openssl crate also assumes.
    unsafe {
        openssl_sys::ERR_clear_error();
        let input = openssl_sys::BIO_new_mem_buf(raw.as_ptr().cast(), len);
        if input.is_null() {
            return Err(take_errors());
        }
        let mut bcont: *mut openssl_sys::BIO = ptr::null_mut();
        let p7 = openssl_sys::SMIME_read_PKCS7(input, &raw mut bcont);
        openssl_sys::BIO_free_all(input);
        if p7.is_null() {
            return Err(take_errors());
        }
        let p7 = Pkcs7::from_ptr(p7);
        let content = if bcont.is_null() {
            None
        } else {
            let mut data: *mut c_char = ptr::null_mut();
            let n = openssl_sys::BIO_get_mem_data(bcont, &raw mut data);
            let bytes = match usize::try_from(n) {
                Ok(n) if n > 0 && !data.is_null() => {
                    std::slice::from_raw_parts(data.cast::<u8>(), n).to_vec()
                }
                _ => Vec::new(),
            };
            openssl_sys::BIO_free_all(bcont);
            Some(bytes)
        };
        openssl_sys::ERR_clear_error();
        Ok((p7, content))
    }
}

/// Empty this thread's OpenSSL error queue into one line: each entry's reason, with its
/// data (lossily decoded, control characters escaped, shortened) in parentheses, joined by
/// `; ` — the form `errstack_text` gives an `ErrorStack`.
pub(crate) fn take_errors() -> String {
    let mut parts = Vec::new();
    loop {
        let mut file: *const c_char = ptr::null();
        let mut line: c_int = 0;
        let mut data: *const c_char = ptr::null();
        let mut flags: c_int = 0;
        // SAFETY: plain out-parameters; `data`, when flagged as text, is a NUL-terminated
        // string valid until the next call on this queue, and is copied before that.
        let code = unsafe {
            openssl_sys::ERR_get_error_line_data(
                &raw mut file,
                &raw mut line,
                &raw mut data,
                &raw mut flags,
            )
        };
        if code == 0 {
            break;
        }
        // SAFETY: OpenSSL returns a static NUL-terminated string or NULL.
        let reason = unsafe { openssl_sys::ERR_reason_error_string(code) };
        let mut text = if reason.is_null() {
            format!("error {code:#x}")
        } else {
            // SAFETY: non-NULL, static, NUL-terminated (see above).
            unsafe { CStr::from_ptr(reason) }
                .to_string_lossy()
                .into_owned()
        };
        if flags & openssl_sys::ERR_TXT_STRING != 0 && !data.is_null() {
            // SAFETY: flagged as a NUL-terminated text string (see above).
            let bytes = unsafe { CStr::from_ptr(data) }.to_bytes();
            if !bytes.is_empty() {
                text.push_str(&format!(" ({})", printable(bytes)));
            }
        }
        parts.push(text);
    }
    if parts.is_empty() {
        "unknown OpenSSL error".into()
    } else {
        parts.join("; ")
    }
}

/// `bytes` as one printable line: invalid UTF-8 as U+FFFD, control characters escaped,
/// at most [`MAX_DATA_CHARS`] characters.
fn printable(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == MAX_DATA_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_utf8_header_is_an_error_not_a_panic() {
        let Err(e) = read_smime(b"Content-Type:\xb8") else {
            panic!("parsed");
        };
        assert!(e.contains("invalid mime type (type: \u{fffd})"), "{e}");
        assert!(e.contains('\u{fffd}'), "{e}");
        // Nothing is left for the next openssl-crate call to trip over.
        // SAFETY: reads this thread's OpenSSL error queue; no memory is passed.
        assert_eq!(unsafe { openssl_sys::ERR_peek_last_error() }, 0);
        assert!(openssl::pkcs7::Pkcs7::from_smime(b"").is_err());
    }

    #[test]
    fn data_is_one_short_line() {
        assert_eq!(printable(b"a\r\nb\xff"), "a\\r\\nb\u{fffd}");
        let long = printable(&[b'x'; 500]);
        assert_eq!(long.chars().count(), MAX_DATA_CHARS + 1);
        assert!(long.ends_with('…'));
    }
}
