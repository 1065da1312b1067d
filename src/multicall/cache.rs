//! `vmcatcher_cache`: expire, check and download, with the original's options
//! (original-behaviour.md §1.5).

use super::options::{long, opt, Given, Opt};
use super::Step;

pub(crate) const OPTIONS: &[Opt] = &[
    opt('d', "database", true, "database URL [env: VMCATCHER_RDBMS]"),
    opt(
        'x',
        "execute",
        true,
        "event command [env: VMCATCHER_CACHE_EVENT]",
    ),
    opt(
        'C',
        "cache-dir",
        true,
        "cache directory [env: VMCATCHER_CACHE_DIR_CACHE]",
    ),
    opt(
        'p',
        "partial-dir",
        true,
        "download directory [env: VMCATCHER_CACHE_DIR_DOWNLOAD; default <cache>/partial]",
    ),
    opt(
        'e',
        "expired-dir",
        true,
        "expired directory [env: VMCATCHER_CACHE_DIR_EXPIRE; default <cache>/expired]",
    ),
    opt(
        'D',
        "download",
        false,
        "download selected images (implies --expire) [env: VMCATCHER_CACHE_ACTION_DOWNLOAD=1]",
    ),
    opt(
        's',
        "sha512",
        false,
        "check cached images [env: VMCATCHER_CACHE_ACTION_CHECK=1]",
    ),
    opt(
        'E',
        "expire",
        false,
        "expire images no longer endorsed [env: VMCATCHER_CACHE_ACTION_EXPIRE=1]",
    ),
    opt('v', "verbose", false, "say more"),
    opt('q', "quiet", false, "say less"),
    long("log-config", true, "ignored (a Python logging file)"),
    long("log-sql-info", false, "ignored"),
];

pub(crate) fn translate(given: &Given) -> Vec<Step> {
    let mut step = Step::new(&["cache"]);
    // The original's order whatever the flags' order; download implies expire. With none
    // given (and none from VMCATCHER_CACHE_ACTION_*), `cache` expires then downloads.
    if given.has("expire") || given.has("download") {
        step = step.arg("expire");
    }
    if given.has("sha512") {
        step = step.arg("check");
    }
    if given.has("download") {
        step = step.arg("download");
    }
    if let Some(cache) = given.value("cache-dir") {
        // As in 0.6.3, partial and expired default to inside the cache directory.
        let env_has = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        if !given.has("partial-dir") && !env_has("VMCATCHER_CACHE_DIR_DOWNLOAD") {
            step = step.arg("--partial-dir").arg(format!("{cache}/partial"));
        }
        if !given.has("expired-dir") && !env_has("VMCATCHER_CACHE_DIR_EXPIRE") {
            step = step.arg("--expired-dir").arg(format!("{cache}/expired"));
        }
        step = step.arg("--cache-dir").arg(cache);
    }
    for (flag, ours) in [
        ("partial-dir", "--partial-dir"),
        ("expired-dir", "--expired-dir"),
    ] {
        if let Some(dir) = given.value(flag) {
            step = step.arg(ours).arg(dir);
        }
    }
    if let Some(command) = given.value("execute") {
        step = step.arg("--execute").arg(command);
    }
    vec![step]
}
