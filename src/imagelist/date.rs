//! The one date form image lists use: `%Y-%m-%dT%H:%M:%SZ`, always UTC.

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

const FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// Formats `t` (converted to UTC first) as `YYYY-mm-ddTHH:MM:SSZ`, the form lists and the
/// original's database use.
pub fn format_date(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(FORMAT)
        .expect("a four-digit-year UTC date always formats")
}

/// Parses exactly `YYYY-mm-ddTHH:MM:SSZ` (20 characters, no fraction, no other offset).
///
/// Stricter than Python's `strptime`, which also took one-digit months and days; the format
/// is fixed by the image list specification and real lists follow it. `None` when the text
/// does not match or names an impossible date.
pub fn parse_date(s: &str) -> Option<OffsetDateTime> {
    // The length check pins a four-digit, unsigned year.
    if s.len() != 20 || !s.is_ascii() {
        return None;
    }
    PrimitiveDateTime::parse(s, FORMAT)
        .ok()
        .map(PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn round_trip() {
        let t = parse_date("2011-03-10T17:09:12Z").unwrap();
        assert_eq!(t, datetime!(2011-03-10 17:09:12 UTC));
        assert_eq!(format_date(t), "2011-03-10T17:09:12Z");
    }

    #[test]
    fn formats_in_utc() {
        let t = datetime!(2024-01-01 01:30:00 +02:00);
        assert_eq!(format_date(t), "2023-12-31T23:30:00Z");
    }

    #[test]
    fn rejects_other_forms() {
        for bad in [
            "",
            "2011-03-10",
            "2011-03-10 17:09:12Z",
            "2011-03-10T17:09:12",
            "2011-03-10T17:09:12+00:00",
            "2011-03-10T17:09:12.5Z",
            "2011-3-10T17:09:12Z",
            "2011-03-10T17:09:12z",
            " 2011-03-10T17:09:12Z",
            "2011-03-10T17:09:12Z ",
            "+011-03-10T17:09:12Z",
            "2011-02-30T17:09:12Z",
            "2011-03-10T24:00:00Z",
            "2011-03-10T17:09:60Z",
            "２011-03-10T17:09:12Z",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }
}
