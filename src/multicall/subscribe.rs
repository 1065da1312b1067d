//! `vmcatcher_subscribe`: subscriptions and their updates, with the original's options
//! (original-behaviour.md §1.3).

use super::options::{long, opt, Given, Opt};
use super::{invalid, one_action, Invalid, Step};

pub(crate) const OPTIONS: &[Opt] = &[
    opt('l', "list", false, "list subscriptions"),
    opt('d', "database", true, "database URL [env: VMCATCHER_RDBMS]"),
    opt(
        's',
        "subscribe",
        true,
        "subscribe to the image list at URL (repeatable)",
    ),
    opt(
        'e',
        "auto-endorse",
        false,
        "with -s: create the signer as endorser if unknown",
    ),
    opt(
        'c',
        "cert-dir",
        true,
        "trust directory [env: VMCATCHER_DIR_CERT]",
    ),
    opt('U', "update", false, "update all subscriptions"),
    long(
        "image-list",
        false,
        "list the images of the selected subscriptions",
    ),
    long(
        "image-accept",
        true,
        "pre-approve an image identifier (paired with -u)",
    ),
    long(
        "image-refuse",
        true,
        "refuse an image identifier (paired with -u)",
    ),
    long(
        "imagelist-newimage-accept",
        false,
        "new images are registered, not cached",
    ),
    long(
        "imagelist-newimage-subscribe",
        false,
        "new images are registered and cached",
    ),
    long("imagelist-newimage-refuse", false, "new images are refused"),
    long("uri-trustanchor-set", true, "none, browser or igtf"),
    long("uri-username-set", true, "basic-auth user name"),
    long(
        "uri-username-clear",
        false,
        "forget the basic-auth user name",
    ),
    long(
        "uri-password-set",
        true,
        "basic-auth password (prefer 'vmcatcher subscribe set --password-file')",
    ),
    long(
        "uri-password-clear",
        false,
        "forget the basic-auth password",
    ),
    opt(
        'u',
        "uuid",
        true,
        "select a subscription by identifier (repeatable)",
    ),
    opt(
        'r',
        "uri",
        true,
        "select a subscription by URL (repeatable)",
    ),
    opt(
        'f',
        "format",
        true,
        "lines, json, message or SMIME [env: VMCATCHER_OUTPUT_FORMAT]",
    ),
    opt('D', "delete", false, "delete the selected subscriptions"),
    opt('i', "info", false, "show the selected subscriptions"),
    opt(
        'o',
        "output",
        true,
        "not supported: redirect standard output instead",
    ),
    opt(
        'x',
        "execute",
        true,
        "event command [env: VMCATCHER_SUB_EVENT]",
    ),
    opt('v', "verbose", false, "say more"),
    opt('q', "quiet", false, "say less"),
    long("log-config", true, "ignored (a Python logging file)"),
    long("log-sql-info", false, "ignored"),
];

const ACTIONS: &[&str] = &[
    "subscribe",
    "list",
    "update",
    "delete",
    "info",
    "image-list",
    "image-accept",
    "image-refuse",
];

const NEW_IMAGES: &[(&str, &str)] = &[
    ("imagelist-newimage-accept", "accept"),
    ("imagelist-newimage-subscribe", "subscribe"),
    ("imagelist-newimage-refuse", "refuse"),
];

pub(crate) fn translate(given: &Given) -> Result<Vec<Step>, Invalid> {
    let new_images = NEW_IMAGES
        .iter()
        .rev()
        .find(|(flag, _)| given.has(flag))
        .map(|(_, policy)| *policy);
    let decorators = [
        "uri-trustanchor-set",
        "uri-username-set",
        "uri-username-clear",
        "uri-password-set",
        "uri-password-clear",
    ]
    .iter()
    .any(|d| given.has(d))
        || new_images.is_some();
    let action = one_action(given, ACTIONS)?;
    if action.is_none() && !decorators {
        return Err(invalid("No actions selected"));
    }
    if given.has("output") {
        return Err(invalid(
            "-o/--output is not supported: redirect standard output instead",
        ));
    }
    let (uuids, uris) = (given.values("uuid"), given.values("uri"));
    let selection: Vec<String> = uuids.iter().chain(&uris).cloned().collect();
    let needs_selection = matches!(
        action,
        Some("delete" | "info" | "image-list" | "image-accept" | "image-refuse")
    );
    if (needs_selection || (decorators && action != Some("subscribe"))) && selection.is_empty() {
        return Err(invalid("No subscription selections made."));
    }
    if !uuids.is_empty() && !uris.is_empty() {
        return Err(invalid("Conflicting selectors."));
    }
    let anchors = match given.value("uri-trustanchor-set") {
        None => None,
        // "none" was the original's default (no anchor chosen; it never checked servers):
        // ours is to check against both the system roots and the trust directory.
        Some(word) => Some(match word.to_ascii_lowercase().as_str() {
            "none" => "both",
            "browser" => "system",
            "igtf" => "igtf",
            _ => {
                return Err(invalid(format!(
                    "Invalid trust anchor value '{word}': allowed trust anchors are 'none', \
                     'browser', 'igtf'"
                )))
            }
        }),
    };
    let mut steps = Vec::new();
    match action {
        Some("subscribe") => {
            for url in given.values("subscribe") {
                steps.push(subscribe_step(given, &url, new_images)?);
            }
        }
        Some("list") => steps.push(Step::new(&["subscribe", "list"])),
        Some("update") => steps.push(update_step(given, &[])),
        Some("delete") => steps.push(Step::new(&["subscribe", "delete"]).args(selection.clone())),
        Some("info") => steps.push(Step::new(&["subscribe", "show"]).args(selection.clone())),
        Some("image-list") => {
            for sub in &selection {
                steps.push(Step::new(&["image", "list", "--subscription"]).arg(sub.clone()));
            }
        }
        Some(which @ ("image-accept" | "image-refuse")) => {
            let images = given.values(which);
            if images.len() < selection.len() {
                return Err(invalid("Not enough images selected"));
            }
            if selection.len() < images.len() {
                return Err(invalid("Not enough subscriptions selected"));
            }
            let verb = if which == "image-accept" {
                "accept"
            } else {
                "refuse"
            };
            for (sub, image) in selection.iter().zip(images) {
                steps.push(
                    Step::new(&["subscribe", verb])
                        .arg(sub.clone())
                        .arg(image)
                        .arg("--not-yet-listed"),
                );
            }
        }
        _ => {}
    }
    // Decorators change the selected subscriptions (with -s, the new ones get them).
    if action != Some("subscribe") || !selection.is_empty() {
        let apply_policy = action != Some("subscribe");
        for sub in &selection {
            let mut set = Step::new(&["subscribe", "set"]).arg(sub.clone());
            let mut changes = false;
            if let Some(a) = anchors {
                set = set.arg("--tls-anchors").arg(a);
                changes = true;
            }
            if apply_policy {
                if let Some(policy) = new_images {
                    set = set.arg("--new-images").arg(policy);
                    changes = true;
                }
                if given.has("uri-username-clear") || given.has("uri-password-clear") {
                    set = set.arg("--clear-credentials");
                    changes = true;
                } else if let Some((user, password)) = credentials(given, None)? {
                    set = set.arg("--username").arg(user);
                    set.password = Some(password);
                    changes = true;
                }
            }
            if changes {
                steps.push(set);
            }
        }
        // The original updates at once after a policy change, so the list is read again.
        if apply_policy && new_images.is_some() {
            steps.push(update_step(given, &selection));
        }
    }
    Ok(steps)
}

fn update_step(given: &Given, selection: &[String]) -> Step {
    let mut step = Step::new(&["subscribe", "update"]).args(selection.iter().cloned());
    if let Some(command) = given.value("execute") {
        step = step.arg("--execute").arg(command);
    }
    step
}

fn subscribe_step(given: &Given, url: &str, new_images: Option<&str>) -> Result<Step, Invalid> {
    let split = crate::legacy::split_credentials(url);
    let mut step = Step::new(&["subscribe", "add"]).arg(split.url.clone());
    if given.has("auto-endorse") {
        step = step.arg("--auto-endorse");
    }
    if let Some(policy) = new_images {
        step = step.arg("--new-images").arg(policy);
    }
    let from_url = split.username.clone().map(|u| (u, split.password.clone()));
    if let Some((user, password)) = credentials(given, from_url)? {
        step = step.arg("--username").arg(user);
        step.password = Some(password);
    }
    Ok(step)
}

/// The basic-auth user and password: `--uri-username-set`/`--uri-password-set`, else the
/// URL's user info. Ours needs both.
fn credentials(
    given: &Given,
    from_url: Option<(String, Option<String>)>,
) -> Result<Option<(String, String)>, Invalid> {
    let (url_user, url_password) = from_url.map_or((None, None), |(u, p)| (Some(u), p));
    let user = given.value("uri-username-set").or(url_user);
    let password = given.value("uri-password-set").or(url_password);
    if given.has("uri-password-set") {
        eprintln!(
            "WARNING: a password given on the command line shows in the process list: \
             prefer 'vmcatcher subscribe set <SUB> --username U --password-file FILE'"
        );
    }
    match (user, password) {
        (None, None) => Ok(None),
        (Some(u), Some(p)) => Ok(Some((u, p))),
        _ => Err(invalid(
            "basic auth needs both a user name and a password (--uri-username-set and \
             --uri-password-set, or user:password@ in the URL)",
        )),
    }
}
