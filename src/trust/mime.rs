//! Finding the PKCS#7 structure in a signed message without OpenSSL's MIME parser, which
//! reads a message one byte at a time (a quarter of a second for 100 lists of 600 kB).
//! Used only where the signed content needs no verification of its own: a message whose
//! bytes equal a list verified before. Anything unexpected returns `None`, and the caller
//! falls back on the full verification.

use base64::Engine;

/// The DER of the PKCS#7 signature of a `multipart/signed` message, or of the whole
/// `application/pkcs7-mime` message.
pub(crate) fn pkcs7_der(raw: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(raw).ok()?;
    let (headers, body) = split_headers(text)?;
    let content_type = header(headers, "content-type")?;
    let lower = content_type.to_ascii_lowercase();
    if lower.contains("multipart/signed") {
        let delimiter = format!("--{}", parameter(&content_type, "boundary")?);
        parts(body, &delimiter).into_iter().find_map(|part| {
            let (headers, body) = split_headers(&part)?;
            let kind = header(headers, "content-type")?.to_ascii_lowercase();
            kind.contains("pkcs7-signature")
                .then(|| decode(body))
                .flatten()
        })
    } else if lower.contains("pkcs7-mime") {
        decode(body)
    } else {
        None
    }
}

/// Headers and body, split at the first empty line.
fn split_headers(text: &str) -> Option<(&str, &str)> {
    let crlf = text.find("\r\n\r\n").map(|i| (i, 4));
    let lf = text.find("\n\n").map(|i| (i, 2));
    let (at, len) = match (crlf, lf) {
        (Some(a), Some(b)) => {
            if a.0 < b.0 {
                a
            } else {
                b
            }
        }
        (a, b) => a.or(b)?,
    };
    Some((&text[..at], &text[at + len..]))
}

/// A header's value, continuation lines unfolded; names compared case-insensitively.
fn header(headers: &str, name: &str) -> Option<String> {
    let mut value: Option<String> = None;
    for line in headers.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with([' ', '\t']) {
            if let Some(v) = value.as_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if value.is_some() {
            break;
        }
        if let Some((key, rest)) = line.split_once(':') {
            if key.trim().eq_ignore_ascii_case(name) {
                value = Some(rest.trim().to_string());
            }
        }
    }
    value
}

/// A `name=value` or `name="value"` parameter of a header value.
fn parameter(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (key, v) = p.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The parts between delimiter lines.
fn parts(body: &str, delimiter: &str) -> Vec<String> {
    let closing = format!("{delimiter}--");
    let mut parts = Vec::new();
    let mut current: Option<String> = None;
    for line in body.split('\n') {
        let bare = line.trim_end_matches('\r').trim_end();
        if bare == delimiter || bare == closing {
            if let Some(part) = current.take() {
                parts.push(part);
            }
            if bare == closing {
                break;
            }
            current = Some(String::new());
        } else if let Some(part) = current.as_mut() {
            part.push_str(line);
            part.push('\n');
        }
    }
    parts
}

fn decode(body: &str) -> Option<Vec<u8>> {
    let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_signature_part_of_multipart_signed() {
        let message = "MIME-Version: 1.0\r\nContent-Type: multipart/signed;\r\n protocol=\"application/x-pkcs7-signature\"; micalg=\"sha-256\"; boundary=\"----B1\"\r\n\r\nThis is an S/MIME signed message\r\n\r\n------B1\r\n{\"a\": 1}\r\n------B1\r\nContent-Type: application/x-pkcs7-signature; name=\"smime.p7s\"\r\nContent-Transfer-Encoding: base64\r\n\r\nAQID\r\nBA==\r\n\r\n------B1--\r\n";
        assert_eq!(pkcs7_der(message.as_bytes()), Some(vec![1, 2, 3, 4]));
    }

    #[test]
    fn anything_else_is_none() {
        assert_eq!(pkcs7_der(b"{\"hv:imagelist\": {}}"), None);
        assert_eq!(pkcs7_der(b"Content-Type: text/plain\n\nhello"), None);
        assert_eq!(pkcs7_der(&[0xff, 0xfe]), None);
    }
}
