//! `subscribe update`: one line per list, as apt prints `Hit:` and `Get:`, then a summary.

use serde::{Serialize, Serializer};
use serde_json::json;

use super::field;
use crate::subscription::{UpdateReport, Updated};

/// `Hit:` unchanged, `Get:` a new version imported, `Err:` refused with its exit code,
/// followed by `Withdrawn:` and why when the failure took the stored list away.
pub(crate) fn update_lines(report: &UpdateReport) -> String {
    let mut out = String::new();
    let (mut hit, mut got, mut failed) = (0, 0, 0);
    for o in &report.outcomes {
        let id = field(&o.identifier);
        let url = field(&o.url);
        match &o.result {
            Ok(Updated::Unchanged { version }) => {
                hit += 1;
                out.push_str(&format!("Hit: {id} {url} (version {})\n", field(version)));
            }
            Ok(Updated::Imported {
                version,
                new_images,
            }) => {
                got += 1;
                out.push_str(&format!(
                    "Get: {id} {url} updated to version {}, {} new image(s)\n",
                    field(version),
                    new_images.len()
                ));
            }
            Err(e) => {
                failed += 1;
                out.push_str(&format!(
                    "Err: {id} {url} refused with code {}: {}\n",
                    e.exit_code(),
                    field(&e.to_string())
                ));
                if let Some(why) = &o.withdrawn {
                    out.push_str(&format!("Withdrawn: {id} {}\n", field(why)));
                }
            }
        }
    }
    out.push_str(&format!(
        "{} list(s): {hit} unchanged, {got} updated, {failed} failed\n",
        report.outcomes.len()
    ));
    out
}

/// `[{"identifier", "url", "result": "unchanged|updated|failed", "version", "new_images",
/// "exit_code", "error", "withdrawn"}]`; `withdrawn` says why this update withdrew the
/// stored list, else null.
pub(crate) struct UpdateJson<'a>(pub(crate) &'a UpdateReport);

impl Serialize for UpdateJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let rows: Vec<_> = self
            .0
            .outcomes
            .iter()
            .map(|o| match &o.result {
                Ok(Updated::Unchanged { version }) => json!({
                    "identifier": o.identifier, "url": o.url, "result": "unchanged",
                    "version": version, "new_images": [], "exit_code": 0, "error": null,
                    "withdrawn": null,
                }),
                Ok(Updated::Imported {
                    version,
                    new_images,
                }) => json!({
                    "identifier": o.identifier, "url": o.url, "result": "updated",
                    "version": version,
                    "new_images": new_images.iter().map(|i| json!({
                        "identifier": i.identifier, "refused": i.refused,
                    })).collect::<Vec<_>>(),
                    "exit_code": 0, "error": null, "withdrawn": null,
                }),
                Err(e) => json!({
                    "identifier": o.identifier, "url": o.url, "result": "failed",
                    "version": null, "new_images": [], "exit_code": e.exit_code(),
                    "error": e.to_string(), "withdrawn": o.withdrawn,
                }),
            })
            .collect();
        rows.serialize(serializer)
    }
}
