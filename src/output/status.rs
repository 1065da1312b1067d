//! `vmcatcher status` as lines, one Nagios plugin line, or the Prometheus text format.

use std::fmt::Write as _;

use crate::status::{Level, Status};

/// One line per item: the level word, what it is, the details.
pub(crate) fn status_lines(s: &Status) -> String {
    let mut out = String::new();
    let sync = &s.last_sync;
    match (&sync.at, sync.age_seconds) {
        (Some(at), Some(age)) => line(
            &mut out,
            sync.level,
            &format!("last sync {at} ({} ago)", duration(age)),
        ),
        _ => line(&mut out, sync.level, "last sync: none recorded"),
    }
    for l in &s.lists {
        let mut text = format!("list {} {}", l.identifier, l.state);
        if let Some(v) = &l.version {
            let _ = write!(text, " version {v}");
        }
        if let Some(signer) = &l.signer {
            let _ = write!(text, " signer {signer}");
        }
        let _ = write!(text, " updated {}", l.updated.as_deref().unwrap_or("never"));
        if let (Some(e), Some(left)) = (&l.expires, l.seconds_to_expiry) {
            let _ = write!(text, " expires {e} ({})", relative(left));
        }
        line(&mut out, l.level, &text);
    }
    if let Some(e) = &s.trust.error {
        line(
            &mut out,
            s.trust.level,
            &format!("trust {}: {e}", s.trust.dir),
        );
    }
    for c in &s.trust.crls {
        let text = match (&c.next_update, c.seconds_to_expiry) {
            (Some(next), Some(left)) => format!(
                "crl {} {} next update {next} ({})",
                c.ca,
                c.state,
                relative(left)
            ),
            _ if c.state == "missing" => format!("crl {} missing", c.ca),
            _ => format!("crl {} {} without next update", c.ca, c.state),
        };
        line(&mut out, c.level, &text);
    }
    let c = &s.cache;
    match &c.error {
        Some(e) => line(&mut out, Level::Warn, &format!("cache {e}")),
        None => line(
            &mut out,
            c.level.unwrap_or(Level::Ok),
            &format!(
                "cache {} cached ({} bytes), {} pending, {} given up, {} foreign",
                c.cached, c.bytes, c.pending, c.given_up, c.foreign
            ),
        ),
    }
    line(
        &mut out,
        s.events.level,
        &format!(
            "events {} pending, {} failed",
            s.events.pending, s.events.failed
        ),
    );
    line(&mut out, s.level, "overall");
    out
}

/// One item; a control character from a value (a version, a DN) is escaped as everywhere.
fn line(out: &mut String, level: Level, text: &str) {
    let _ = writeln!(out, "{:<4} {}", level.word(), super::field(text));
}

fn duration(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    if s < 120 {
        format!("{s} s")
    } else if s < 2 * 3600 {
        format!("{} min", s / 60)
    } else if s < 2 * 86400 {
        format!("{} h", s / 3600)
    } else {
        format!("{} days", s / 86400)
    }
}

fn relative(seconds: i64) -> String {
    if seconds < 0 {
        format!("{} ago", duration(seconds))
    } else {
        format!("in {}", duration(seconds))
    }
}

/// The Nagios plugin line: `VMCATCHER STATE - summary|perfdata`, with its exit code.
pub(crate) fn nagios_line(s: &Status) -> (u8, String) {
    let (code, state) = s.level.nagios();
    let problems = s.problems();
    let summary = if problems.is_empty() {
        format!(
            "{} lists valid, {} images cached, last sync {}",
            s.lists.len(),
            s.cache.cached,
            s.last_sync.at.as_deref().unwrap_or("never")
        )
    } else {
        problems.join("; ")
    };
    let mut perf = format!(
        "lists={};;; withdrawn={};;; pending_events={};;; failed_events={};;; \
         cached_images={};;; pending_images={};;; given_up_images={};;; cached_bytes={}B;;;",
        s.lists.len(),
        s.withdrawn(),
        s.events.pending,
        s.events.failed,
        s.cache.cached,
        s.cache.pending,
        s.cache.given_up,
        s.cache.bytes
    );
    if let Some(age) = s.last_sync.age_seconds {
        let _ = write!(
            perf,
            " last_sync_age={age}s;;{};;",
            crate::status::SYNC_CRITICAL_AGE
        );
    }
    if let Some(left) = s
        .trust
        .crls
        .iter()
        .filter_map(|c| c.seconds_to_expiry)
        .min()
    {
        let _ = write!(perf, " crl_hours_left={};24;0;;", left.div_euclid(3600));
    }
    (
        code,
        format!(
            "VMCATCHER {state} - {}|{perf}\n",
            one_line(&summary).replace('|', "/")
        ),
    )
}

/// The Nagios line when the database cannot be read.
pub(crate) fn nagios_unknown(reason: &str) -> String {
    format!(
        "VMCATCHER UNKNOWN - {}\n",
        one_line(reason).replace('|', "/")
    )
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The Prometheus text exposition format (version 0.0.4).
pub(crate) fn prometheus_text(s: &Status) -> String {
    let mut out = String::new();
    let mut family = |name: &str, help: &str, samples: &[(String, String)]| {
        let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(out, "# TYPE {name} gauge");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let plain = |v: String| vec![(String::new(), v)];
    family(
        "vmcatcher_status",
        "The overall status: 0 OK, 1 warning, 2 critical (as status --nagios).",
        &plain(s.level.nagios().0.to_string()),
    );
    let last_sync = s
        .last_sync
        .at
        .as_deref()
        .and_then(crate::imagelist::parse_date)
        .map_or(0, time::OffsetDateTime::unix_timestamp);
    family(
        "vmcatcher_last_sync_timestamp_seconds",
        "When the last successful sync finished, Unix time; 0 when none is recorded.",
        &plain(last_sync.to_string()),
    );
    let withdrawn = s.withdrawn();
    family(
        "vmcatcher_lists",
        "Subscribed image lists by state.",
        &[
            (
                label("state", "valid"),
                (s.lists.len() - withdrawn).to_string(),
            ),
            (label("state", "withdrawn"), withdrawn.to_string()),
        ],
    );
    let expiry: Vec<(String, String)> = s
        .lists
        .iter()
        .filter_map(|l| {
            let at = crate::imagelist::parse_date(l.expires.as_deref()?)?;
            Some((
                label("subscription", &l.identifier),
                at.unix_timestamp().to_string(),
            ))
        })
        .collect();
    family(
        "vmcatcher_list_expiry_timestamp_seconds",
        "When each subscription's current list expires, Unix time.",
        &expiry,
    );
    let c = &s.cache;
    family(
        "vmcatcher_images",
        "Images by cache state: cached, pending (selected, not cached), given_up \
         (after cache.max_tries), foreign (cached, unknown to the database).",
        &[
            (label("state", "cached"), c.cached.to_string()),
            (label("state", "pending"), c.pending.to_string()),
            (label("state", "given_up"), c.given_up.to_string()),
            (label("state", "foreign"), c.foreign.to_string()),
        ],
    );
    family(
        "vmcatcher_cached_bytes",
        "Bytes of the images in the cache, as its index records them.",
        &plain(c.bytes.to_string()),
    );
    family(
        "vmcatcher_events",
        "Event deliveries waiting for a retry (pending) or given up (failed).",
        &[
            (label("state", "pending"), s.events.pending.to_string()),
            (label("state", "failed"), s.events.failed.to_string()),
        ],
    );
    let crls: Vec<(String, String)> = s
        .trust
        .crls
        .iter()
        .filter_map(|c| Some((label("ca", &c.ca), c.seconds_to_expiry?.to_string())))
        .collect();
    family(
        "vmcatcher_crl_seconds_to_expiry",
        "Seconds until each CA's CRL passes its nextUpdate (negative: expired).",
        &crls,
    );
    let missing = s.trust.crls.iter().filter(|c| c.state == "missing").count();
    family(
        "vmcatcher_crls_missing",
        "CAs of the trust directory without a CRL.",
        &plain(missing.to_string()),
    );
    out
}

fn label(name: &str, value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for ch in value.chars() {
        match ch {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            c => escaped.push(c),
        }
    }
    format!("{{{name}=\"{escaped}\"}}")
}

fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn label_values_are_escaped() {
        assert_eq!(super::label("ca", "a\"b\\c\nd"), "{ca=\"a\\\"b\\\\c\\nd\"}");
    }
}
