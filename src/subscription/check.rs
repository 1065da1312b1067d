//! `verify`: every check on one signed list, each with its outcome, and the exit code of
//! the first that failed in the order of product.md §11 point 1. No database.

use time::OffsetDateTime;

use super::rules;
use crate::error::{Error, ListRule};
use crate::imagelist::{format_date, ImageList};
use crate::trust::{dn, inspect, TrustStore, VerifyReport};

/// One check and how it ended.
pub struct Outcome {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    /// The rule whose exit code a failure gives.
    pub rule: ListRule,
}

/// Every check of one signed list.
pub struct ListCheck {
    pub report: VerifyReport,
    pub outcomes: Vec<Outcome>,
    /// The list, when its signed content parses.
    pub list: Option<ImageList>,
    /// What the parser tolerated (skipped images…).
    pub warnings: Vec<String>,
}

impl ListCheck {
    /// The first failed rule in the order of product.md §11 point 1, with its outcome.
    pub fn first_failure(&self) -> Option<&Outcome> {
        const ORDER: [ListRule; 5] = [
            ListRule::Signature,
            ListRule::InvalidList,
            ListRule::SignerMismatch,
            ListRule::CreatedInFuture,
            ListRule::Expired,
        ];
        ORDER
            .iter()
            .find_map(|rule| self.outcomes.iter().find(|o| !o.ok && o.rule == *rule))
    }
}

/// Runs every check; the signer certificate is taken from the message even when the
/// chain fails, so the report says as much as it can.
pub fn check_list(trust: &TrustStore, raw: &[u8]) -> ListCheck {
    let report = inspect(trust, raw);
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

    let mut checked = None;
    let mut warnings = Vec::new();
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
            warnings.clone_from(&parsed.warnings);
            checked = Some(parsed.list.clone());
        }
    }

    ListCheck {
        report,
        outcomes,
        list: checked,
        warnings,
    }
}
