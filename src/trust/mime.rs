//! Finding the PKCS#7 structure (and the signed content) in a signed message without
//! OpenSSL's MIME parser, which reads a message one byte at a time (25 ms for a list of
//! 600 kB, a third of a first `subscribe add`). [`pkcs7_der`] serves a message whose bytes
//! equal a list verified before; [`split_signed`] cuts a `multipart/signed` message into
//! exactly what `SMIME_read_PKCS7` returns, for the full verification. Anything unexpected
//! returns `None`, and the caller falls back on OpenSSL's parser.
//!
//! Whatever this module returns is still verified by `PKCS7_verify`: the content is
//! accepted only when the signature covers exactly these bytes, so a difference from
//! OpenSSL's parsing can make a message fail, never make a forged one pass.

use base64::Engine;

/// OpenSSL's `MAX_SMLEN`: `multi_split` reads lines of at most this minus one bytes.
const MAX_SMLEN: usize = 1024;

/// The PKCS#7 DER and the signed content of a `multipart/signed` message, as OpenSSL's
/// `SMIME_read_PKCS7` (`multi_split`, no flags) makes them: the first part's lines with
/// their trailing CR and LF characters stripped, joined by CRLF, without the line break
/// before the next boundary.
pub(crate) fn split_signed(raw: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (head_len, sep) = find_blank_line(raw)?;
    let headers = std::str::from_utf8(&raw[..head_len]).ok()?;
    let content_type = header(headers, "content-type")?;
    if !content_type
        .split(';')
        .next()?
        .trim()
        .eq_ignore_ascii_case("multipart/signed")
    {
        return None;
    }
    let boundary = parameter(&content_type, "boundary")?;
    if boundary.is_empty() {
        return None;
    }
    let parts = multi_split(&raw[head_len + sep..], boundary.as_bytes())?;
    let [content, signature] = <[Vec<u8>; 2]>::try_from(parts).ok()?;
    let signature = std::str::from_utf8(&signature).ok()?;
    let (sig_headers, sig_body) = split_headers(signature)?;
    let kind = header(sig_headers, "content-type")?;
    let kind = kind.split(';').next()?.trim().to_ascii_lowercase();
    if kind != "application/x-pkcs7-signature" && kind != "application/pkcs7-signature" {
        return None;
    }
    Some((decode(sig_body)?, content))
}

/// The end of the header block: its length and the length of the blank line after it.
fn find_blank_line(raw: &[u8]) -> Option<(usize, usize)> {
    let mut at = 0;
    while at < raw.len() {
        let end = raw[at..].iter().position(|&b| b == b'\n').map(|i| at + i)?;
        let line = &raw[at..end];
        if line.is_empty() || line == b"\r" {
            return Some((at, end + 1 - at));
        }
        at = end + 1;
    }
    None
}

/// OpenSSL's `multi_split`: the parts between `--boundary` lines up to `--boundary--`;
/// `None` without the closing boundary.
fn multi_split(body: &[u8], boundary: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut parts = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    let mut in_part = false;
    let mut first = true;
    let mut eol = false;
    let mut at = 0;
    while at < body.len() {
        // BIO_get_line: up to and with the next LF, at most MAX_SMLEN - 1 bytes.
        let window = &body[at..body.len().min(at + MAX_SMLEN - 1)];
        let len = window
            .iter()
            .position(|&b| b == b'\n')
            .map_or(window.len(), |i| i + 1);
        let line = &window[..len];
        at += len;
        match bound_check(line, boundary) {
            1 => {
                first = true;
                in_part = true;
            }
            2 => {
                parts.extend(current);
                return Some(parts);
            }
            _ if in_part => {
                // strip_eol without flags: trailing CR and LF characters.
                let mut end = line.len();
                let mut next_eol = false;
                while end > 0 && matches!(line[end - 1], b'\n' | b'\r') {
                    next_eol |= line[end - 1] == b'\n';
                    end -= 1;
                }
                let part = if first {
                    first = false;
                    parts.extend(current.take());
                    current.insert(Vec::new())
                } else {
                    let part = current.as_mut()?;
                    if eol {
                        part.extend_from_slice(b"\r\n");
                    }
                    part
                };
                eol = next_eol;
                part.extend_from_slice(&line[..end]);
            }
            _ => {}
        }
    }
    None
}

/// `mime_bound_check`: 1 for `--boundary...`, 2 for `--boundary--...`, else 0.
fn bound_check(line: &[u8], boundary: &[u8]) -> u8 {
    if line.len() < boundary.len() + 2 {
        return 0;
    }
    match line.strip_prefix(b"--") {
        Some(rest) if rest.starts_with(boundary) => {
            if rest[boundary.len()..].starts_with(b"--") {
                2
            } else {
                1
            }
        }
        _ => 0,
    }
}

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
