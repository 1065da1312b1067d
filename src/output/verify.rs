//! `verify`: the signer, every check and the list, as lines or as JSON.

use serde::{Serialize, Serializer};
use serde_json::json;

use super::{field, key_value};
use crate::imagelist::{format_date, ImageList};
use crate::subscription::ListCheck;

/// The checks of one list and where it came from (credentials redacted).
pub(crate) struct VerifyView<'a> {
    pub(crate) source: String,
    pub(crate) check: &'a ListCheck,
}

impl VerifyView<'_> {
    /// `signer.*=` lines, `ok|FAILED<TAB>check<TAB>detail` per check, then the list.
    pub(crate) fn lines(&self) -> String {
        let mut text = String::new();
        if let Some(s) = &self.check.report.signer {
            key_value(&mut text, "signer.subject", &s.subject);
            key_value(&mut text, "signer.issuer", &s.issuer);
            key_value(&mut text, "signer.serial", &s.serial);
        }
        for o in &self.check.outcomes {
            let mark = if o.ok { "ok" } else { "FAILED" };
            text.push_str(&format!(
                "{mark}\t{}\t{}\n",
                field(&o.name),
                field(&o.detail)
            ));
        }
        if let Some(list) = &self.check.list {
            text.push_str(&list_lines(list));
        }
        text
    }
}

impl Serialize for VerifyView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let failed = self.check.first_failure();
        json!({
            "source": self.source,
            "signer": self.check.report.signer.as_ref().map(|s| json!({
                "subject": s.subject, "issuer": s.issuer, "serial": s.serial,
                "not_before": format_date(s.not_before), "not_after": format_date(s.not_after),
            })),
            "checks": self.check.outcomes.iter().map(|o| json!({
                "name": o.name, "ok": o.ok, "detail": o.detail,
            })).collect::<Vec<_>>(),
            "list": self.check.list.as_ref().map(list_value),
            "ok": failed.is_none(),
            "exit_code": failed.map_or(0, |o| o.rule.exit_code()),
        })
        .serialize(serializer)
    }
}

fn list_lines(list: &ImageList) -> String {
    let mut text = String::new();
    for (key, value) in [
        ("imagelist.dc:identifier", list.identifier.clone()),
        ("imagelist.dc:title", list.title.clone()),
        ("imagelist.hv:version", list.version.clone()),
        ("imagelist.dc:date:created", format_date(list.created)),
        ("imagelist.dc:date:expires", format_date(list.expires)),
        ("imagelist.hv:uri", list.uri.clone()),
        ("imagelist.hv:dn", list.endorser.dn.clone()),
        ("imagelist.hv:ca", list.endorser.ca.clone()),
    ] {
        key_value(&mut text, key, &value);
    }
    for image in &list.images {
        text.push_str(&format!(
            "image={}\t{}\t{}\n",
            image.identifier,
            image.size,
            field(&image.title)
        ));
    }
    text
}

fn list_value(list: &ImageList) -> serde_json::Value {
    json!({
        "identifier": list.identifier,
        "title": list.title,
        "version": list.version,
        "created": format_date(list.created),
        "expires": format_date(list.expires),
        "uri": list.uri,
        "endorser": { "dn": list.endorser.dn, "ca": list.endorser.ca },
        "images": list.images.iter().map(|i| json!({
            "identifier": i.identifier, "title": i.title, "size": i.size,
            "sha512": i.sha512.normalized(), "uri": i.uri,
        })).collect::<Vec<_>>(),
    })
}
