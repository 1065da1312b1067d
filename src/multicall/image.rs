//! `vmcatcher_image`: which images to keep in the cache, with the original's options
//! (original-behaviour.md §1.4).

use super::options::{long, opt, Given, Opt};
use super::{invalid, one_action, Invalid, Step};

pub(crate) const OPTIONS: &[Opt] = &[
    opt(
        'l',
        "list",
        false,
        "list images: identifier, state, subscription",
    ),
    opt('d', "database", true, "database URL [env: VMCATCHER_RDBMS]"),
    opt(
        'c',
        "cert-dir",
        true,
        "trust directory [env: VMCATCHER_DIR_CERT]",
    ),
    opt(
        'a',
        "add",
        false,
        "subscribe the selected images (keep them cached)",
    ),
    opt('r', "remove", false, "unsubscribe the selected images"),
    opt('s', "sha512", true, "select images by SHA-512 (repeatable)"),
    opt(
        'u',
        "uuid",
        true,
        "select images by identifier (repeatable)",
    ),
    opt('i', "info", false, "show the selected images"),
    opt(
        'f',
        "format",
        true,
        "lines or json [env: VMCATCHER_OUTPUT_FORMAT]",
    ),
    opt(
        'o',
        "output",
        true,
        "not supported: redirect standard output instead",
    ),
    opt('L', "logfile", true, "ignored (as in 0.6.3)"),
    opt('v', "verbose", false, "say more"),
    opt('q', "quiet", false, "say less"),
    long("log-config", true, "ignored (a Python logging file)"),
    long("log-sql-info", false, "ignored"),
];

pub(crate) fn translate(given: &Given) -> Result<Vec<Step>, Invalid> {
    let Some(action) = one_action(given, &["list", "add", "remove", "info"])? else {
        return Err(invalid("No actions selected"));
    };
    if given.has("output") {
        return Err(invalid(
            "-o/--output is not supported: redirect standard output instead",
        ));
    }
    let (uuids, sha512s) = (given.values("uuid"), given.values("sha512"));
    if action != "list" && uuids.is_empty() && sha512s.is_empty() {
        return Err(invalid(format!(
            "Action '{action}' requires an image to be selected."
        )));
    }
    if !uuids.is_empty() && !sha512s.is_empty() {
        return Err(invalid("Conflicting selectors."));
    }
    let selected = |verb: &str| {
        let step = Step::new(&["image", verb]);
        if sha512s.is_empty() {
            step.args(uuids.clone())
        } else {
            step.arg("--sha512").args(sha512s.clone())
        }
    };
    Ok(vec![match action {
        "list" => Step::new(&["image", "list"]),
        "add" => selected("subscribe"),
        "remove" => selected("unsubscribe"),
        _ if !sha512s.is_empty() => {
            return Err(invalid(
                "-i selects images by -u identifier here; 'vmcatcher image list' and \
                 'vmcatcher image show' find them",
            ))
        }
        _ => Step::new(&["image", "show"]).args(uuids.clone()),
    }])
}
