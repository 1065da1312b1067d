//! How the original's values become ours: update modes, trust anchors, dates, and the
//! credentials a subscription URL may carry.

use crate::db::NewImages;
use crate::fetch::TlsAnchors;

/// `subscription.updateMode`, a bitmap: 1 = add new images, 2 = also subscribe them.
/// `None` for a value the original never wrote.
pub(crate) fn new_images(update_mode: i64) -> Option<NewImages> {
    match update_mode {
        0 => Some(NewImages::Refuse),
        1 => Some(NewImages::Accept),
        2 | 3 => Some(NewImages::Subscribe),
        _ => None,
    }
}

/// `subscription.trustAnchor`: 0 none (the default: no anchor chosen), 1 browser, 2 igtf.
/// 0.6.3 never authenticated an https server whatever the setting (its defect 5), so
/// "none" is read as "nothing chosen" and becomes our default, both: importing it as
/// `none` would switch verification off for good.
pub(crate) fn tls_anchors(trust_anchor: i64) -> Option<TlsAnchors> {
    match trust_anchor {
        0 => Some(TlsAnchors::Both),
        1 => Some(TlsAnchors::System),
        2 => Some(TlsAnchors::Igtf),
        _ => None,
    }
}

/// SQLAlchemy's `YYYY-MM-DD HH:MM:SS.ffffff` (naive UTC) as our `YYYY-MM-DDTHH:MM:SSZ`.
/// The fraction is dropped: in `created`/`expires` it holds the weekday, not time.
pub(crate) fn date(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let shape = b.len() >= 19
        && b[..19].iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ' || *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        });
    shape.then(|| format!("{}T{}Z", &text[..10], &text[11..19]))
}

/// A subscription URL without its user info, and that user info (percent-decoded).
pub(crate) struct SplitUrl {
    pub url: String,
    pub username: Option<String>,
    pub password: Option<String>,
}

/// Takes `user:password@` out of `uri`; an unparsable URL is returned as it is.
pub(crate) fn split_credentials(uri: &str) -> SplitUrl {
    let unchanged = || SplitUrl {
        url: uri.to_string(),
        username: None,
        password: None,
    };
    let Ok(mut url) = ::url::Url::parse(uri) else {
        return unchanged();
    };
    if url.username().is_empty() && url.password().is_none() {
        return unchanged();
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let username = Some(decode(url.username())).filter(|u| !u.is_empty());
    let password = url.password().map(decode);
    if url.set_username("").is_err() || url.set_password(None).is_err() {
        return unchanged();
    }
    SplitUrl {
        url: url.to_string(),
        username,
        password,
    }
}

/// A non-empty value, trimmed of nothing: the original stores "" for a cleared field.
pub(crate) fn non_empty(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_microseconds_are_dropped() {
        assert_eq!(
            date("2026-12-03 08:04:00.000003").as_deref(),
            Some("2026-12-03T08:04:00Z")
        );
        assert_eq!(
            date("2026-12-03 09:04:06.286289").as_deref(),
            Some("2026-12-03T09:04:06Z")
        );
        assert_eq!(date("yesterday"), None);
    }

    #[test]
    fn user_info_leaves_the_url() {
        let s = split_credentials("http://fixtureuser:fixture%2Dsecret@127.0.0.1:41429/p/l.smime");
        assert_eq!(s.url, "http://127.0.0.1:41429/p/l.smime");
        assert_eq!(s.username.as_deref(), Some("fixtureuser"));
        assert_eq!(s.password.as_deref(), Some("fixture-secret"));
        let plain = split_credentials("https://example.org/list");
        assert_eq!(plain.url, "https://example.org/list");
        assert!(plain.username.is_none() && plain.password.is_none());
    }

    #[test]
    fn update_modes_and_anchors() {
        assert_eq!(new_images(0), Some(NewImages::Refuse));
        assert_eq!(new_images(1), Some(NewImages::Accept));
        assert_eq!(new_images(3), Some(NewImages::Subscribe));
        assert_eq!(new_images(7), None);
        assert_eq!(tls_anchors(0), Some(TlsAnchors::Both));
        assert_eq!(tls_anchors(2), Some(TlsAnchors::Igtf));
    }
}
