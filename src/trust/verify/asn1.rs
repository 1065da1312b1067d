//! ASN.1 times and serial numbers as the reports show them.

use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::x509::X509Ref;
use time::OffsetDateTime;

use super::super::error::TrustError;

/// `Asn1Time` → `OffsetDateTime` (UTC), through the difference with the epoch.
pub(crate) fn to_datetime(t: &Asn1TimeRef) -> Option<OffsetDateTime> {
    let epoch = Asn1Time::from_unix(0).ok()?;
    let d = epoch.diff(t).ok()?;
    let secs = i64::from(d.days) * 86_400 + i64::from(d.secs);
    OffsetDateTime::from_unix_timestamp(secs).ok()
}

/// `2030-01-31 12:00:00 UTC`.
pub(crate) fn fmt_time(t: &Asn1TimeRef) -> String {
    match to_datetime(t) {
        Some(dt) => dt
            .format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
            ))
            .unwrap_or_else(|_| t.to_string()),
        None => t.to_string(),
    }
}

pub(super) fn serial_hex(cert: &X509Ref) -> String {
    cert.serial_number()
        .to_bn()
        .and_then(|b| b.to_hex_str().map(|s| s.to_string()))
        .unwrap_or_else(|_| "?".into())
}

pub(super) fn now() -> Result<Asn1Time, TrustError> {
    Asn1Time::days_from_now(0).map_err(|e| TrustError::Verification {
        reason: format!("cannot read the clock: {e}"),
    })
}
