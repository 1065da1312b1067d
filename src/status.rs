//! `vmcatcher status`: is everything current? Read from the database, the trust directory
//! and the cache indexes without changing any of them.

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::cache::entry::{self, Known};
use crate::cache::index::CacheIndex;
use crate::cache::CacheDirs;
use crate::config::Config;
use crate::db::journal::{FAILED, PENDING};
use crate::db::{Db, LAST_SYNC};
use crate::error::Result;
use crate::imagelist::{format_date, parse_date};
use crate::trust::{dn, TrustStore};

/// A sync older than this is critical.
pub(crate) const SYNC_CRITICAL_AGE: i64 = 2 * 24 * 3600;
/// With deferred delivery, an event pending for longer than this is a warning.
pub(crate) const DEFERRED_PENDING_WARN: i64 = 6 * 3600;
/// A CRL whose nextUpdate is this close is a warning.
pub(crate) const CRL_WARN: i64 = 24 * 3600;

/// How bad an item is; the worst item is the whole status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub(crate) enum Level {
    #[serde(rename = "OK")]
    Ok,
    #[serde(rename = "WARN")]
    Warn,
    #[serde(rename = "CRIT")]
    Crit,
}

impl Level {
    pub(crate) fn word(self) -> &'static str {
        match self {
            Level::Ok => "OK",
            Level::Warn => "WARN",
            Level::Crit => "CRIT",
        }
    }

    /// The Nagios plugin exit code and state name.
    pub(crate) fn nagios(self) -> (u8, &'static str) {
        match self {
            Level::Ok => (0, "OK"),
            Level::Warn => (1, "WARNING"),
            Level::Crit => (2, "CRITICAL"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct LastSync {
    pub level: Level,
    /// When the last sync succeeded, if one ever did.
    pub at: Option<String>,
    pub age_seconds: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ListStatus {
    pub level: Level,
    pub identifier: String,
    pub url: String,
    /// `valid`, or `withdrawn` (expired, no longer trusted, or never imported).
    pub state: &'static str,
    pub version: Option<String>,
    pub signer: Option<String>,
    pub updated: Option<String>,
    pub expires: Option<String>,
    pub seconds_to_expiry: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct CrlStatus {
    pub level: Level,
    pub ca: String,
    /// `current`, `expiring` (within 24 h), `expired` or `missing`.
    pub state: &'static str,
    pub next_update: Option<String>,
    pub seconds_to_expiry: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct TrustStatus {
    pub level: Level,
    pub dir: String,
    /// Why the trust directory could not be read.
    pub error: Option<String>,
    pub crls: Vec<CrlStatus>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct CacheStatus {
    pub level: Option<Level>,
    pub error: Option<String>,
    pub cached: usize,
    /// Selected and available, not cached, still to be tried.
    pub pending: usize,
    /// Selected and available, not cached, tried cache.max_tries times for this list.
    pub given_up: usize,
    pub foreign: usize,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct EventStatus {
    pub level: Level,
    pub pending: usize,
    pub failed: usize,
}

/// Everything `status` shows, read before anything is printed.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Status {
    pub level: Level,
    pub now: String,
    pub last_sync: LastSync,
    pub lists: Vec<ListStatus>,
    pub trust: TrustStatus,
    pub cache: CacheStatus,
    pub events: EventStatus,
}

impl Status {
    /// The items that are not OK, in a few words each (the Nagios summary).
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        match (self.last_sync.level, &self.last_sync.at) {
            (Level::Ok, _) => {}
            (_, None) => out.push("no successful sync recorded".to_string()),
            (_, Some(at)) => out.push(format!("last sync {at}")),
        }
        for l in self.lists.iter().filter(|l| l.level != Level::Ok) {
            if l.state == "withdrawn" {
                out.push(format!("list {} withdrawn", l.identifier));
            } else {
                let at = l.expires.as_deref().unwrap_or("?");
                out.push(format!("list {} expires {at}", l.identifier));
            }
        }
        if let Some(e) = &self.trust.error {
            out.push(format!("trust directory: {e}"));
        }
        for c in self.trust.crls.iter().filter(|c| c.level != Level::Ok) {
            out.push(format!("CRL of {} {}", c.ca, c.state));
        }
        if let Some(e) = &self.cache.error {
            out.push(e.clone());
        }
        if self.cache.given_up > 0 {
            out.push(format!("{} images given up", self.cache.given_up));
        }
        if self.events.failed > 0 {
            out.push(format!("{} event deliveries failed", self.events.failed));
        }
        if self.events.pending > 0 {
            out.push(format!("{} event deliveries pending", self.events.pending));
        }
        out
    }

    pub(crate) fn withdrawn(&self) -> usize {
        self.lists.iter().filter(|l| l.state == "withdrawn").count()
    }
}

/// Reads the status. Only a database that cannot be read is an error.
pub(crate) fn status(db: &Db, config: &Config) -> Result<Status> {
    let now = OffsetDateTime::now_utc();
    let seconds_until = |text: &str| parse_date(text).map(|t| (t - now).whole_seconds());

    let at = db.state(LAST_SYNC)?;
    let age_seconds = at.as_deref().and_then(seconds_until).map(|s| -s);
    let last_sync = LastSync {
        level: match age_seconds {
            None => Level::Warn,
            Some(age) if age > SYNC_CRITICAL_AGE => Level::Crit,
            Some(_) => Level::Ok,
        },
        at,
        age_seconds,
    };

    let warn_expiry = i64::try_from(config.status.warn_expiry.value).unwrap_or(i64::MAX);
    let subscriptions = db.subscriptions()?;
    let mut lists = Vec::new();
    for view in db.subscription_views(&subscriptions)? {
        let valid = view.list_valid();
        let list = view.list.as_ref();
        let seconds_to_expiry = list.and_then(|l| seconds_until(&l.expires));
        let level = if !valid {
            Level::Crit
        } else if seconds_to_expiry.is_some_and(|s| s <= warn_expiry) {
            Level::Warn
        } else {
            Level::Ok
        };
        lists.push(ListStatus {
            level,
            state: if valid { "valid" } else { "withdrawn" },
            version: list.map(|l| l.version.clone()),
            // A registry source has no signer: its signature policy instead, which says
            // plainly when it is unsigned.
            signer: match &view.subscription.registry {
                Some(settings) => Some(
                    crate::oci::settings::RegistrySettings::from_json(settings)
                        .map_or("unknown", |s| s.signature_policy())
                        .to_string(),
                ),
                None => list.map(|l| l.signer_dn.clone()),
            },
            expires: list.map(|l| l.expires.clone()),
            seconds_to_expiry,
            updated: view.subscription.updated.clone(),
            identifier: view.subscription.identifier,
            url: view.subscription.url,
        });
    }

    let trust = trust_status(db, config, now)?;
    let cache = cache_status(db, config)?;
    let pending = db.deliveries(Some(PENDING))?;
    let failed = db.deliveries(Some(FAILED))?.len();
    // Deferred delivery: pending events between a sync and `events deliver` are the normal
    // state; only a queue that has not moved for a while means the deliverer is not running.
    let stuck = |d: &&crate::db::journal::Delivery| {
        !config.events.deferred()
            || seconds_until(&d.created).is_none_or(|s| -s > DEFERRED_PENDING_WARN)
    };
    let events = EventStatus {
        level: if failed > 0 {
            Level::Crit
        } else if pending.iter().any(|d| stuck(&d)) {
            Level::Warn
        } else {
            Level::Ok
        },
        pending: pending.len(),
        failed,
    };

    let level = [last_sync.level, trust.level, events.level]
        .into_iter()
        .chain(cache.level)
        .chain(lists.iter().map(|l| l.level))
        .max()
        .unwrap_or(Level::Ok);
    Ok(Status {
        level,
        now: format_date(now),
        last_sync,
        lists,
        trust,
        cache,
        events,
    })
}

fn trust_status(db: &Db, config: &Config, now: OffsetDateTime) -> Result<TrustStatus> {
    let dir = config.cert_dir.value.display().to_string();
    let store = match TrustStore::load(&config.cert_dir.value) {
        Ok(store) => store,
        Err(e) => {
            return Ok(TrustStatus {
                level: Level::Crit,
                dir,
                error: Some(e.to_string()),
                crls: Vec::new(),
            })
        }
    };
    let grace = i64::try_from(config.trust.crl_grace.value).unwrap_or(i64::MAX);
    let problems = db.crl_problems()?;
    let mut crls: Vec<CrlStatus> = store
        .ca_certificates()
        .iter()
        .map(|ca| {
            let ca = dn::oneline(ca.subject_name());
            match store.crl_next_update(&ca) {
                None => {
                    // Missing: critical once missing for longer than trust.crl_grace.
                    let since = problems
                        .get(&ca)
                        .and_then(|t| parse_date(t))
                        .map(|t| (now - t).whole_seconds());
                    CrlStatus {
                        level: if since.is_some_and(|s| s > grace) {
                            Level::Crit
                        } else {
                            Level::Warn
                        },
                        state: "missing",
                        next_update: None,
                        seconds_to_expiry: None,
                        ca,
                    }
                }
                Some(None) => CrlStatus {
                    level: Level::Ok,
                    state: "current",
                    next_update: None,
                    seconds_to_expiry: None,
                    ca,
                },
                Some(Some(next)) => {
                    let left = (next - now).whole_seconds();
                    let (level, state) = if left < -grace {
                        (Level::Crit, "expired")
                    } else if left < 0 {
                        (Level::Warn, "expired")
                    } else if left < CRL_WARN {
                        (Level::Warn, "expiring")
                    } else {
                        (Level::Ok, "current")
                    };
                    CrlStatus {
                        level,
                        state,
                        next_update: Some(format_date(next)),
                        seconds_to_expiry: Some(left),
                        ca,
                    }
                }
            }
        })
        .collect();
    crls.sort_by(|a, b| a.ca.cmp(&b.ca));
    crls.dedup_by(|a, b| a.ca == b.ca);
    Ok(TrustStatus {
        level: crls.iter().map(|c| c.level).max().unwrap_or(Level::Ok),
        dir,
        error: None,
        crls,
    })
}

fn cache_status(db: &Db, config: &Config) -> Result<CacheStatus> {
    let dirs = CacheDirs::from_config(config);
    let (cache, partial) = match (
        CacheIndex::peek(&dirs.cache),
        CacheIndex::peek(&dirs.partial),
    ) {
        (Ok(c), Ok(p)) => (c, p),
        (Err(e), _) | (_, Err(e)) => {
            return Ok(CacheStatus {
                level: Some(Level::Warn),
                error: Some(e),
                ..CacheStatus::default()
            })
        }
    };
    let known = Known(db.known_images()?);
    let foreign = cache.iter().filter(|(k, e)| !known.knows(k, e)).count();
    let bytes = cache.iter().filter_map(|(_, e)| entry::size(e)).sum();
    let max_tries = config.cache.max_tries.value;
    let mut hashes: HashMap<i64, String> = HashMap::new();
    let (mut pending, mut given_up) = (0, 0);
    for c in db.cache_candidates()? {
        if cache.contains_key(&c.image) {
            continue;
        }
        let Some(entry) = partial.get(&c.image) else {
            pending += 1;
            continue;
        };
        if let std::collections::hash_map::Entry::Vacant(slot) = hashes.entry(c.list_id) {
            slot.insert(db.stored_list(c.list_id)?.raw_sha512);
        }
        if entry::download_tries(entry, &hashes[&c.list_id]) >= max_tries {
            given_up += 1;
        } else {
            pending += 1;
        }
    }
    Ok(CacheStatus {
        level: Some(if given_up > 0 { Level::Warn } else { Level::Ok }),
        error: None,
        cached: cache.len(),
        pending,
        given_up,
        foreign,
        bytes,
    })
}
