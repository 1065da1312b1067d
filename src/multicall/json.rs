//! `-f json` of the original's names in the original's shapes (original-behaviour.md
//! §1.7.4): Python 2's `json.dumps(…, sort_keys=True, indent=4)` — keys sorted, four
//! spaces, `", "` before each line break, non-ASCII as `\uXXXX`, no final newline — for
//! the listings and `vmcatcher_subscribe -i`. Read only.

use serde_json::{json, Map, Value};

use crate::config::{Config, Environment, Overrides};
use crate::db::{Access, Db, SubscriptionView};
use crate::error::Result;
use crate::output::anchor_name;

/// What is printed in the original's JSON.
#[derive(Debug, Clone)]
pub(crate) enum Listing {
    Subscriptions,
    Images,
    Endorsers,
    Links,
    SubscriptionInfo(Vec<String>),
    ImageInfo(Vec<String>),
}

/// Prints `listing` from the configured database (`-d` given as `database`).
pub(crate) fn print(listing: &Listing, database: Option<String>) -> Result<()> {
    let overrides = Overrides {
        database,
        ..Overrides::default()
    };
    let config = Config::load(&overrides, &Environment::from_process())?;
    let db = Db::open_with(&config.database.value.path, Access::Read)?;
    let values: Vec<Value> = match listing {
        Listing::Subscriptions => {
            let views = db.subscription_views(&db.subscriptions()?)?;
            vec![Value::Array(
                views
                    .iter()
                    .map(|v| {
                        json!({
                            "authorised": v.authorised(),
                            "identifier": v.subscription.identifier,
                            "uri": v.subscription.url,
                        })
                    })
                    .collect(),
            )]
        }
        Listing::Images => vec![Value::Array(
            db.image_states(None)?
                .iter()
                .map(|i| {
                    json!({"image": i.identifier, "state": i.state, "subscription": i.subscription})
                })
                .collect(),
        )],
        Listing::Endorsers => vec![Value::Array(
            db.endorsers()?
                .iter()
                .map(|e| {
                    let mut o = Map::new();
                    o.insert("endorser".into(), json!(e.identifier));
                    if !e.credentials.is_empty() {
                        let list: Vec<Value> = e
                            .credentials
                            .iter()
                            .map(|c| json!({"issuer": c.ca, "subject": c.dn}))
                            .collect();
                        o.insert("princibles".into(), Value::Array(list));
                    }
                    Value::Object(o)
                })
                .collect(),
        )],
        Listing::Links => vec![Value::Array(
            db.links()?
                .iter()
                .map(|l| json!({"authorised": true, "endorser": l.endorser, "subscription": l.subscription}))
                .collect(),
        )],
        Listing::SubscriptionInfo(references) => {
            let found = db.find_subscriptions(references)?;
            db.subscription_views(&found)?
                .iter()
                .map(subscription_info)
                .collect()
        }
        Listing::ImageInfo(references) => {
            let mut out = Vec::new();
            for reference in references {
                for detail in db.find_images(reference)? {
                    out.push(image_info(&db, &detail)?);
                }
            }
            out
        }
    };
    let text: Vec<String> = values.iter().map(py2_dumps).collect();
    crate::output::write(text.join("\n"))
}

/// `vmcatcher_subscribe -i -f json`; the password masked, as everywhere here.
fn subscription_info(view: &SubscriptionView) -> Value {
    let s = &view.subscription;
    let mut sub = Map::new();
    sub.insert("authorised".into(), json!(view.authorised()));
    sub.insert("description".into(), json!(s.description));
    sub.insert("identifier".into(), json!(s.identifier));
    sub.insert("updateMode".into(), json!(s.new_images.update_mode()));
    sub.insert(
        "updated".into(),
        s.updated.as_ref().map_or(json!(false), |u| json!(u)),
    );
    sub.insert("uri".into(), json!(s.url));
    sub.insert("uri.trustAnchor".into(), json!(anchor_name(s.tls_anchors)));
    if let Some(user) = s.username.as_deref().filter(|u| !u.is_empty()) {
        sub.insert("uri.username".into(), json!(user));
    }
    if s.password.as_deref().is_some_and(|p| !p.is_empty()) {
        sub.insert("uri.password".into(), json!("********"));
    }
    let mut top = Map::new();
    if let Some(list) = &view.list {
        top.insert(
            "ImageListInstance".into(),
            json!({"created": list.created, "expires": list.expires, "imported": list.imported}),
        );
    }
    top.insert("Subscription".into(), Value::Object(sub));
    Value::Object(top)
}

/// `vmcatcher_image -i -f json`: the image's record in its subscription's current list,
/// the subscription and the endorser whose credential signed that list. `arch` is the
/// image's architecture (0.6.3 printed the hypervisor there, its defect 9).
fn image_info(db: &Db, detail: &crate::db::ImageDetail) -> Result<Value> {
    let subscription = db.find_subscription(&detail.subscription)?;
    let view = db.subscription_view(&subscription)?;
    let mut top = match subscription_info(&view) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    top.insert(
        "ImageDefinition".into(),
        json!({"cache": i64::from(detail.selected), "identifier": detail.identifier}),
    );
    top.insert("SubscriptionAuth".into(), json!({}));
    if let Some(r) = &detail.record {
        top.insert(
            "ImageInstance".into(),
            json!({
                "arch": r.arch, "comments": r.comments, "description": r.description,
                "hypervisor": r.hypervisor, "sha512": r.sha512, "size": r.size,
                "sl:os": r.os, "sl:osversion": r.osversion, "title": r.title, "uri": r.uri,
                "version": r.version,
            }),
        );
    }
    if let Some(list) = &view.list {
        top.insert(
            "EndorserPrincible".into(),
            json!({"issuer": list.signer_ca, "subject": list.signer_dn}),
        );
        let owner = db.endorsers()?.into_iter().find(|e| {
            e.credentials
                .iter()
                .any(|c| c.dn == list.signer_dn && c.ca == list.signer_ca)
        });
        if let Some(owner) = owner {
            top.insert("Endorser".into(), json!({"identifier": owner.identifier}));
        }
    }
    Ok(Value::Object(top))
}

/// Python 2's `json.dumps(value, sort_keys=True, indent=4)`.
pub(crate) fn py2_dumps(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out
}

fn write_value(out: &mut String, value: &Value, depth: usize) {
    let pad = |n: usize| " ".repeat(4 * n);
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                write_value(out, item, depth + 1);
                out.push_str(if i + 1 < items.len() { ", \n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push_str("{\n");
            for (i, key) in keys.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                write_string(out, key);
                out.push_str(": ");
                write_value(out, &map[*key], depth + 1);
                out.push_str(if i + 1 < keys.len() { ", \n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push('}');
        }
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
        Value::String(s) => write_string(out, s),
        other => out.push_str(&other.to_string()),
    }
}

/// A JSON string as Python writes it with `ensure_ascii`.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_two_layout() {
        let v = json!([{"b": 1, "a": "é"}, {"c": []}]);
        assert_eq!(
            py2_dumps(&v),
            "[\n    {\n        \"a\": \"\\u00e9\", \n        \"b\": 1\n    }, \n    {\n        \"c\": []\n    }\n]"
        );
    }
}
