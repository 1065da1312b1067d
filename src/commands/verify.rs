//! `vmcatcher verify`: every check on one signed list, no database.

use std::path::Path;

use serde_json::json;
use time::OffsetDateTime;

use super::Context;
use crate::cli::{Format, TlsAnchorsArg};
use crate::error::{Error, ListRule, Result};
use crate::fetch::{read_local_file, redact_url, TlsAnchors, UrlFetcher, MAX_LIST_BYTES};
use crate::imagelist::{format_date, ImageList};
use crate::output;
use crate::subscription::rules;
use crate::trust::{dn, inspect};

/// One printed outcome.
struct Outcome {
    name: String,
    ok: bool,
    detail: String,
    rule: ListRule,
}

pub(super) fn run(ctx: &Context, source: &str, anchors: TlsAnchorsArg) -> Result<()> {
    let format = ctx.record_format()?;
    let fetcher = UrlFetcher;
    let services = ctx.services(&fetcher)?;
    let raw = if source.contains("://") {
        let options = services.fetch_options(TlsAnchors::from(anchors), None, None);
        rules::fetch(&fetcher, source, &options)?
    } else {
        // The checks of a file:// URL: a regular file (not a FIFO or a device that never
        // ends), at most MAX_LIST_BYTES.
        read_local_file(Path::new(source), MAX_LIST_BYTES)
            .map_err(|e| Error::list(ListRule::Fetch, format!("cannot read the image list: {e}")))?
    };

    let report = inspect(&services.trust, &raw);
    let mut outcomes: Vec<Outcome> = report
        .checks
        .iter()
        .map(|c| Outcome {
            name: c.name.clone(),
            ok: c.ok,
            detail: c.detail.clone(),
            rule: ListRule::Signature,
        })
        .collect();

    let mut list_json = serde_json::Value::Null;
    let mut list_lines = String::new();
    match report.content.as_deref().map(ImageList::parse) {
        None => {}
        Some(Err(e)) => outcomes.push(Outcome {
            name: "image list".into(),
            ok: false,
            detail: e.to_string(),
            rule: ListRule::InvalidList,
        }),
        Some(Ok(parsed)) => {
            let list = &parsed.list;
            outcomes.push(Outcome {
                name: "image list".into(),
                ok: true,
                detail: format!("{} image(s)", list.images.len()),
                rule: ListRule::InvalidList,
            });
            for warning in &parsed.warnings {
                tracing::warn!("{}: {warning}", redact_url(source));
            }
            if let Some(signer) = &report.signer {
                for (name, listed, actual) in [
                    ("hv:dn", &list.endorser.dn, &signer.subject),
                    ("hv:ca", &list.endorser.ca, &signer.issuer),
                ] {
                    let ok = dn::equivalent(listed, actual);
                    outcomes.push(Outcome {
                        name: name.into(),
                        ok,
                        detail: if ok {
                            format!("'{listed}' is the signer's")
                        } else {
                            format!("the list names '{listed}', the signer has '{actual}'")
                        },
                        rule: ListRule::SignerMismatch,
                    });
                }
            }
            let dates = rules::in_date(list, OffsetDateTime::now_utc());
            outcomes.push(Outcome {
                name: "dates".into(),
                ok: dates.is_ok(),
                detail: match &dates {
                    Ok(()) => format!(
                        "created {}, expires {}",
                        format_date(list.created),
                        format_date(list.expires)
                    ),
                    Err(e) => e.to_string(),
                },
                rule: match dates {
                    Err(Error::List { rule, .. }) => rule,
                    _ => ListRule::Expired,
                },
            });
            list_lines = list_text(list);
            list_json = list_value(list);
        }
    }

    // The first failure in the order of product.md §11 point 1 gives the exit code.
    let order = [
        ListRule::Signature,
        ListRule::InvalidList,
        ListRule::SignerMismatch,
        ListRule::CreatedInFuture,
        ListRule::Expired,
    ];
    let failed = order
        .iter()
        .find(|rule| outcomes.iter().any(|o| !o.ok && o.rule == **rule))
        .copied();

    if format == Format::Json {
        output::json(&json!({
            "source": redact_url(source),
            "signer": report.signer.as_ref().map(|s| json!({
                "subject": s.subject, "issuer": s.issuer, "serial": s.serial,
                "not_before": format_date(s.not_before), "not_after": format_date(s.not_after),
            })),
            "checks": outcomes.iter().map(|o| json!({
                "name": o.name, "ok": o.ok, "detail": o.detail,
            })).collect::<Vec<_>>(),
            "list": list_json,
            "ok": failed.is_none(),
            "exit_code": failed.map_or(0, super::super::error::ListRule::exit_code),
        }))?;
    } else {
        let mut text = String::new();
        if let Some(s) = &report.signer {
            output::key_value(&mut text, "signer.subject", &s.subject);
            output::key_value(&mut text, "signer.issuer", &s.issuer);
            output::key_value(&mut text, "signer.serial", &s.serial);
        }
        for o in &outcomes {
            let mark = if o.ok { "ok" } else { "FAILED" };
            text.push_str(&format!(
                "{mark}\t{}\t{}\n",
                output::field(&o.name),
                output::field(&o.detail)
            ));
        }
        text.push_str(&list_lines);
        output::write(text)?;
    }
    match failed {
        None => Ok(()),
        Some(rule) => {
            let why = outcomes
                .iter()
                .find(|o| !o.ok && o.rule == rule)
                .map(|o| format!("{}: {}", o.name, o.detail))
                .unwrap_or_default();
            Err(Error::list(
                rule,
                format!("image list {} does not verify: {why}", redact_url(source)),
            ))
        }
    }
}

fn list_text(list: &ImageList) -> String {
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
        output::key_value(&mut text, key, &value);
    }
    for image in &list.images {
        text.push_str(&format!(
            "image={}\t{}\t{}\n",
            image.identifier,
            image.size,
            output::field(&image.title)
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
