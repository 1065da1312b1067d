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
    // A multipart/signed message is cut up without OpenSSL's byte-by-byte MIME reader;
    // anything else (opaque, or what the splitter does not recognise) goes through it.
    if let Some((der, content)) = super::mime::split_signed(raw) {
        if let Some(p7) = pkcs7_from_der(&der) {
            return Ok((p7, Some(content)));
        }
    }
    read_smime_openssl(raw)
}

/// `d2i_PKCS7` with the error queue left empty (the caller falls back on failure).
fn pkcs7_from_der(der: &[u8]) -> Option<Pkcs7> {
    let len = libc::c_long::try_from(der.len()).ok()?;
    // SAFETY: d2i reads `len` bytes from a pointer into `der`, which outlives the call,
    // and returns a new PKCS7 (owned by the Pkcs7 wrapper) or NULL.
    unsafe {
        openssl_sys::ERR_clear_error();
        let mut p = der.as_ptr();
        let p7 = openssl_sys::d2i_PKCS7(ptr::null_mut(), &raw mut p, len);
        openssl_sys::ERR_clear_error();
        (!p7.is_null()).then(|| Pkcs7::from_ptr(p7))
    }
}

/// OpenSSL's own S/MIME reader, for what [`super::mime::split_signed`] leaves.
fn read_smime_openssl(raw: &[u8]) -> Result<(Pkcs7, Option<Vec<u8>>), String> {
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

    /// A self-signed signer, enough to make messages for the parsers to cut up.
    fn signer() -> (
        openssl::x509::X509,
        openssl::pkey::PKey<openssl::pkey::Private>,
    ) {
        use openssl::ec::{EcGroup, EcKey};
        use openssl::nid::Nid;
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let key = openssl::pkey::PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
        let mut name = openssl::x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "splitter test").unwrap();
        let name = name.build();
        let mut b = openssl::x509::X509Builder::new().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        b.sign(&key, openssl::hash::MessageDigest::sha256())
            .unwrap();
        (b.build(), key)
    }

    /// The fast splitter gives what OpenSSL's reader gives, or leaves the message to it.
    fn same_as_openssl(message: &[u8]) -> bool {
        let Some((der, content)) = crate::trust::mime::split_signed(message) else {
            return false;
        };
        let (p7, openssl_content) = read_smime_openssl(message).expect("OpenSSL parses it");
        assert_eq!(Some(content), openssl_content, "signed content");
        assert_eq!(der, p7.to_der().unwrap(), "signature");
        true
    }

    #[test]
    fn the_splitter_cuts_messages_as_openssl_does() {
        use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
        use openssl::stack::Stack;
        let (cert, key) = signer();
        let long = "x".repeat(3000);
        let edge = "y".repeat(MAX_EDGE);
        let contents = [
            "{\"a\": 1}\n".to_owned(),
            "no final newline".to_owned(),
            format!("{long}\n{edge}\n{}\n\n\nend\r\r\n", &edge[1..]),
            format!("lines\r\nwith CRLF \r\n\r\n{long}{long}"),
            "--looks like a boundary but is not\n  \n".to_owned(),
        ];
        let mut checked = 0;
        for content in &contents {
            for flags in [
                Pkcs7Flags::DETACHED,
                Pkcs7Flags::DETACHED | Pkcs7Flags::BINARY,
            ] {
                let p7 = Pkcs7::sign(
                    &cert,
                    &key,
                    &Stack::new().unwrap(),
                    content.as_bytes(),
                    flags,
                )
                .unwrap();
                let message = p7.to_smime(content.as_bytes(), flags).unwrap();
                assert!(same_as_openssl(&message), "{content:?}");
                // The same message with bare LF line ends, as files often are.
                let lf = String::from_utf8(message).unwrap().replace("\r\n", "\n");
                assert!(same_as_openssl(lf.as_bytes()), "{content:?}");
                checked += 2;
            }
        }
        assert_eq!(checked, 20);
        // Opaque signatures, and what is not S/MIME at all, are left to OpenSSL.
        let p7 = Pkcs7::sign(
            &cert,
            &key,
            &Stack::new().unwrap(),
            b"opaque",
            Pkcs7Flags::empty(),
        )
        .unwrap();
        let opaque = p7.to_smime(b"", Pkcs7Flags::empty()).unwrap();
        assert!(crate::trust::mime::split_signed(&opaque).is_none());
        assert!(read_smime(&opaque).unwrap().1.is_none());
        assert!(crate::trust::mime::split_signed(b"{}").is_none());
        // Without the closing boundary OpenSSL refuses, and the splitter leaves it to it.
        let p7 = Pkcs7::sign(
            &cert,
            &key,
            &Stack::new().unwrap(),
            b"c",
            Pkcs7Flags::DETACHED,
        )
        .unwrap();
        let message = String::from_utf8(p7.to_smime(b"c", Pkcs7Flags::DETACHED).unwrap()).unwrap();
        let cut = &message[..message.rfind("--").unwrap() - 2];
        assert!(crate::trust::mime::split_signed(cut.as_bytes()).is_none());
        assert!(read_smime(cut.as_bytes()).is_err());
    }

    /// A line exactly as long as one read of OpenSSL's line reader.
    const MAX_EDGE: usize = 1023;

    #[test]
    fn the_splitter_agrees_on_the_fuzz_seeds() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/smime");
        let mut agreed = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let message = std::fs::read(entry.unwrap().path()).unwrap();
            if crate::trust::mime::split_signed(&message).is_some()
                && read_smime_openssl(&message).is_ok()
            {
                assert!(same_as_openssl(&message));
                agreed += 1;
            }
        }
        assert!(agreed >= 5, "{agreed} multipart/signed seeds");
    }
}
