//! `sync --dry-run` and `cache --dry-run`: the plan, one line per action, as
//! `apt-get --simulate` prints it, then a summary; or one JSON record.

use serde::Serialize;

use super::field;
use super::{update_lines, UpdateJson};
use crate::cache::plan::Plan;
use crate::declare::Change;
use crate::subscription::UpdateReport;

/// What only a sync dry run has: the declarations applied and the lists updated.
pub(crate) struct SyncPlanView<'a> {
    pub apply: &'a [Change],
    pub update: &'a UpdateReport,
}

/// `<sign> <text>`, one line per change of `apply` (docs/output.md).
pub(crate) fn change_lines(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| format!("{} {}\n", c.sign, field(&c.text)))
        .collect()
}

/// The apply and update lines (`sync` only), then `Expire:`, `Prune:`, `Adopt:`, `Download:`,
/// `Give up:`, `Fail:` lines, a `Plan:` summary and the dry-run note.
pub(crate) fn plan_lines(sync: Option<&SyncPlanView<'_>>, plan: &Plan) -> String {
    let mut out = sync
        .map(|s| change_lines(s.apply) + &update_lines(s.update))
        .unwrap_or_default();
    let update = sync.map(|s| s.update);
    for e in &plan.expire {
        out.push_str(&format!(
            "Expire: {} [{}]: {}\n",
            field(&e.identifier),
            field(e.subscription.as_deref().unwrap_or("-")),
            field(&e.reason)
        ));
    }
    for path in &plan.prune {
        out.push_str(&format!(
            "Prune: {} (past cache.expired_retention_days)\n",
            field(&path.display().to_string())
        ));
    }
    for path in &plan.adopt {
        out.push_str(&format!(
            "Adopt: {} (in the cache directory, matches the list)\n",
            field(&path.display().to_string())
        ));
    }
    for d in &plan.download {
        let resumed = if d.fetch_bytes < d.size {
            format!(", {} left to fetch", human(d.fetch_bytes))
        } else {
            String::new()
        };
        out.push_str(&format!(
            "Download: {} [{}] {} bytes ({}{resumed}) from {}\n",
            field(&d.identifier),
            field(&d.subscription),
            d.size,
            human(d.size),
            field(&d.url)
        ));
    }
    for g in &plan.given_up {
        out.push_str(&format!(
            "Give up: {} failed {} times (cache.max_tries); 'vmcatcher cache --retry {}' \
             tries again\n",
            field(&g.identifier),
            g.tries,
            field(&g.identifier)
        ));
    }
    for f in &plan.failed {
        out.push_str(&format!(
            "Fail: {}: {}\n",
            field(&f.identifier),
            field(&f.reason)
        ));
    }
    out.push_str(&summary(update, plan));
    out.push_str("Dry run: nothing was changed (no database write, no file moved, no event).\n");
    out
}

fn summary(update: Option<&UpdateReport>, plan: &Plan) -> String {
    let space = match plan.free_bytes {
        Some(free) => format!(
            "{} free in {}: {}",
            human(free),
            plan.partial_dir.display(),
            if plan.space_suffices() {
                "enough"
            } else {
                "NOT enough"
            }
        ),
        None => format!("free space in {} unknown", plan.partial_dir.display()),
    };
    let mut text = format!(
        "Plan: {} download(s), {} to fetch ({space}); {} expiry(ies); {} failure(s)",
        plan.download.len(),
        human(plan.fetch_bytes),
        plan.expire.len(),
        plan.failed.len()
    );
    if let Some(update) = update {
        text.push_str(&format!(
            "; {} list(s) withdrawn",
            withdrawn(update).count()
        ));
    }
    if plan.interrupted > 0 {
        text.push_str(&format!(
            "; {} interrupted operation(s) finished first",
            plan.interrupted
        ));
    }
    if plan.foreign > 0 {
        text.push_str(&format!("; {} foreign image(s) left alone", plan.foreign));
    }
    text.push('\n');
    text
}

fn withdrawn(update: &UpdateReport) -> impl Iterator<Item = (&str, &str)> {
    update.outcomes.iter().filter_map(|o| {
        o.withdrawn
            .as_deref()
            .map(|why| (o.identifier.as_str(), why))
    })
}

fn human(bytes: u64) -> String {
    indicatif::HumanBytes(bytes).to_string()
}

/// `{"dry_run": true, "apply": [{"sign", "text"}] | null, "update": [...] | null, "withdrawn": [{"identifier", "reason"}],
/// "expire", "prune", "adopt", "download", "given_up", "failed", "fetch_bytes",
/// "free_bytes", "space_suffices", "exit_code"}` (docs/output.md).
#[derive(Serialize)]
pub(crate) struct PlanJson<'a> {
    dry_run: bool,
    apply: Option<&'a [Change]>,
    update: Option<UpdateJson<'a>>,
    withdrawn: Vec<serde_json::Value>,
    #[serde(flatten)]
    plan: &'a Plan,
    space_suffices: bool,
    exit_code: u8,
}

impl<'a> PlanJson<'a> {
    pub(crate) fn new(sync: Option<&SyncPlanView<'a>>, plan: &'a Plan, exit_code: u8) -> Self {
        let update = sync.map(|s| s.update);
        PlanJson {
            dry_run: true,
            apply: sync.map(|s| s.apply),
            withdrawn: update
                .map(|u| {
                    withdrawn(u)
                        .map(|(id, why)| serde_json::json!({"identifier": id, "reason": why}))
                        .collect()
                })
                .unwrap_or_default(),
            update: update.map(UpdateJson),
            plan,
            space_suffices: plan.space_suffices(),
            exit_code,
        }
    }
}
