//! Updating many subscriptions in one run: each on its own, so one bad list (or a bug of
//! ours it triggers) never stops the others.

use crate::db::{Db, Subscription};
use crate::error::{Error, Result};
use crate::events::Dispatcher;
use crate::fetch::redact_url;
use crate::services::Services;

use super::{update, Update, Updated};

/// What the update of one subscription did.
pub struct SubscriptionOutcome {
    pub identifier: String,
    /// The list's URL, credentials redacted.
    pub url: String,
    pub result: Result<Updated>,
    /// Why this update withdrew the stored list, when it did.
    pub withdrawn: Option<String>,
}

/// What an update run did, subscription by subscription, in order.
pub struct UpdateReport {
    pub outcomes: Vec<SubscriptionOutcome>,
}

impl UpdateReport {
    /// The exit code of the last failure (product.md §8), if any.
    pub fn last_failure(&self) -> Option<u8> {
        self.outcomes
            .iter()
            .rev()
            .find_map(|o| o.result.as_ref().err().map(Error::exit_code))
    }

    /// `Ok` when every subscription updated, else the last failure's exit code (each
    /// failure was reported as it happened).
    pub fn result(&self) -> Result<()> {
        match self.last_failure() {
            Some(code) => Err(Error::Reported(code)),
            None => Ok(()),
        }
    }
}

/// Updates each subscription and delivers the events each one journaled.
pub fn update_all(
    db: &mut Db,
    services: &Services<'_>,
    events: &Dispatcher,
    subscriptions: &[Subscription],
) -> UpdateReport {
    if let Err(e) = super::clear_solved_crl_problems(db, services) {
        tracing::warn!("{e}");
    }
    let mut outcomes = Vec::with_capacity(subscriptions.len());
    for s in subscriptions {
        tracing::debug!("updating '{}' from {}", s.identifier, redact_url(&s.url));
        let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            update(db, services, events, s)
        }))
        .unwrap_or_else(|_| Update {
            result: Err(Error::Failed(
                "internal error while updating it (a bug: please report it with the list); \
                 the other subscriptions go on"
                    .into(),
            )),
            withdrawn: None,
        });
        events.deliver_now();
        report(s, &done.result);
        outcomes.push(SubscriptionOutcome {
            identifier: s.identifier.clone(),
            url: redact_url(&s.url),
            result: done.result,
            withdrawn: done.withdrawn,
        });
    }
    UpdateReport { outcomes }
}

fn report(s: &Subscription, result: &Result<Updated>) {
    match result {
        Ok(Updated::Unchanged { .. }) => tracing::debug!("'{}': unchanged", s.identifier),
        Ok(Updated::Imported {
            version,
            new_images,
        }) => {
            tracing::info!("'{}': imported version {version}", s.identifier);
            for image in new_images {
                let what = if image.refused {
                    "refused by policy"
                } else {
                    "registered"
                };
                tracing::info!(
                    "'{}': new image '{}' {what}",
                    s.identifier,
                    image.identifier
                );
            }
        }
        Err(e) => tracing::error!("subscription '{}': {e}", s.identifier),
    }
}
