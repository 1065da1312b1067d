//! `vmcatcher_endorser`: who may sign which subscription, with the original's options
//! (original-behaviour.md §1.2).

use super::options::{long, opt, Given, Opt};
use super::{invalid, one_action, Invalid, Step};

pub(crate) const OPTIONS: &[Opt] = &[
    opt('l', "list", false, "list endorser credentials"),
    opt('d', "database", true, "database URL [env: VMCATCHER_RDBMS]"),
    opt(
        's',
        "subscription_uuid",
        true,
        "select a subscription (repeatable)",
    ),
    opt(
        'e',
        "endorser_uuid",
        true,
        "select an endorser (repeatable)",
    ),
    opt('C', "create", false, "create an endorser with credentials"),
    long("dn", true, "certificate subject (repeatable)"),
    opt(
        'S',
        "subject",
        true,
        "certificate subject, deprecated for --dn (repeatable)",
    ),
    opt('I', "issuer", true, "certificate issuer (repeatable)"),
    opt('D', "delete", false, "delete the selected endorsers"),
    opt('K', "links", false, "list endorser and subscription links"),
    opt(
        'k',
        "link",
        false,
        "link endorsers and subscriptions (paired by position)",
    ),
    opt(
        'u',
        "unlink",
        false,
        "unlink endorsers and subscriptions (paired by position)",
    ),
    opt('i', "info", false, "show the selected endorsers"),
    opt(
        'f',
        "format",
        true,
        "lines or json [env: VMCATCHER_OUTPUT_FORMAT]",
    ),
    opt('v', "verbose", false, "say more"),
    opt('q', "quiet", false, "say less"),
    long("log-config", true, "ignored (a Python logging file)"),
    long("log-sql-info", false, "ignored"),
];

const ACTIONS: &[&str] = &[
    "list", "create", "delete", "links", "link", "unlink", "info",
];

pub(crate) fn translate(given: &Given) -> Result<Vec<Step>, Invalid> {
    let Some(action) = one_action(given, ACTIONS)? else {
        return Err(invalid("No actions selected"));
    };
    let endorsers = given.values("endorser_uuid");
    let subscriptions = given.values("subscription_uuid");
    if matches!(action, "create" | "delete" | "link" | "unlink" | "info") && endorsers.is_empty() {
        return Err(invalid("No endorsers selected."));
    }
    if matches!(action, "link" | "unlink") && subscriptions.is_empty() {
        return Err(invalid("No subscriptions selected."));
    }
    let subjects = if given.has("dn") {
        given.values("dn")
    } else {
        given.values("subject")
    };
    let issuers = given.values("issuer");
    if action == "create" {
        if subjects.is_empty() {
            return Err(invalid("No subjects selected."));
        }
        if issuers.is_empty() {
            return Err(invalid("No issuers selected."));
        }
    }
    let steps = match action {
        "list" => vec![Step::new(&["endorser", "list"])],
        "links" => vec![Step::new(&["endorser", "links"])],
        "create" => vec![create(&endorsers, &subjects, &issuers)?],
        "delete" => endorsers
            .iter()
            .map(|e| Step::new(&["endorser", "delete"]).arg(e.clone()))
            .collect(),
        "info" => endorsers
            .iter()
            .map(|e| Step::new(&["endorser", "show"]).arg(e.clone()))
            .collect(),
        verb => endorsers
            .iter()
            .zip(&subscriptions)
            .map(|(e, s)| Step::new(&["endorser", verb]).arg(e.clone()).arg(s.clone()))
            .collect(),
    };
    Ok(steps)
}

/// Subjects and issuers pair by position; one issuer serves every subject. Other
/// mismatches fail with the original's exit 12.
fn create(endorsers: &[String], subjects: &[String], issuers: &[String]) -> Result<Step, Invalid> {
    if endorsers.len() > 1 {
        return Err(invalid(
            "More than one endorser cannot be created at a time.",
        ));
    }
    let fail = |message: &str| Invalid {
        message: message.into(),
        code: 12,
    };
    let issuers: Vec<String> = match (subjects.len(), issuers.len()) {
        (s, i) if s == i => issuers.to_vec(),
        (s, 1) => vec![issuers[0].clone(); s],
        (s, i) if s > i => {
            return Err(fail(
                "Unsure how to add subjects credentials without issuer credentials.",
            ))
        }
        _ => return Err(fail("Cant add issuer credentials, without a subject.")),
    };
    let mut step = Step::new(&["endorser", "create"]).arg(endorsers[0].clone());
    for (dn, ca) in subjects.iter().zip(issuers) {
        step = step.arg("--dn").arg(dn.clone()).arg("--ca").arg(ca);
    }
    Ok(step)
}
