//! `subscribe update`: every rule again for each subscription, then import what changed.

use time::OffsetDateTime;

use super::rules::{self, SignedList};
use crate::db::journal::insert_event;
use crate::db::{self, Db, NewImage, StoredList, Subscription};
use crate::error::{Error, Result};
use crate::events::{Dispatcher, EventType};
use crate::fetch::redact_url;
use crate::imagelist::{parse_date, ImageList};
use crate::services::Services;
use crate::trust::{verify, Persistence};

/// What an update did to a subscription that passed every rule.
pub enum Updated {
    /// The same bytes as the stored list: nothing imported.
    Unchanged { version: String },
    /// A new list became current.
    Imported {
        version: String,
        new_images: Vec<NewImage>,
    },
}

/// What updating one subscription did.
pub struct Update {
    pub result: Result<Updated>,
    /// Why this update withdrew the stored list, when it did.
    pub withdrawn: Option<String>,
}

/// Updates one subscription. On any failure the stored list stays current unless a
/// definitive reason takes it away (product.md §11 point 2): a bad fetched list, a failed
/// fetch or a passing CRL problem never does.
pub fn update(
    db: &mut Db,
    services: &Services<'_>,
    events: &Dispatcher,
    subscription: &Subscription,
) -> Update {
    if subscription.registry.is_some() {
        return super::registry::update_registry(db, services, events, subscription);
    }
    let stored = match db.current_list(subscription) {
        Ok(stored) => stored,
        Err(e) => {
            return Update {
                result: Err(e),
                withdrawn: None,
            }
        }
    };
    let result = check_and_import(db, services, events, subscription, stored.as_ref());
    let mut withdrawn = None;
    if let (Some(stored), Err(_)) = (&stored, &result) {
        match recheck_stored(db, services, subscription, stored) {
            Ok(why) => withdrawn = why,
            Err(e) => {
                return Update {
                    result: Err(e),
                    withdrawn: None,
                }
            }
        }
    }
    Update { result, withdrawn }
}

/// Forgets the CRL problems that fetch-crl has solved since; call once per run.
pub fn clear_solved_crl_problems(db: &mut Db, services: &Services<'_>) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    db.clear_crl_problems(|ca| match services.trust.crl_next_update(ca) {
        Some(Some(next)) => next > now,
        Some(None) => true,
        None => false,
    })
}

fn check_and_import(
    db: &mut Db,
    services: &Services<'_>,
    events: &Dispatcher,
    subscription: &Subscription,
    stored: Option<&StoredList>,
) -> Result<Updated> {
    let options = services.subscription_options(subscription);
    let raw = rules::fetch(services.fetcher, &subscription.url, &options)?;
    if let Some(stored) = stored.filter(|s| s.raw_sha512 == rules::sha512_hex(&raw)) {
        return unchanged(db, services, subscription, stored, &raw);
    }
    let signed = rules::verify_signed(&services.trust, raw, &subscription.url)?;
    let linked = db.authorised_credentials(subscription.id)?;
    rules::authorised(
        &signed.signer_subject,
        &signed.signer_issuer,
        &linked,
        &subscription.identifier,
    )?;
    rules::same_identifier(&signed.list, &subscription.identifier)?;
    rules::in_date(&signed.list, OffsetDateTime::now_utc())?;
    rules::version_not_lower(&signed.list, stored.map(|s| s.version.as_str()))?;

    if let Some(stored) = stored {
        report_changed_uri(db, stored, &signed)?;
        if stored.version == signed.list.version {
            tracing::warn!(
                "image list '{}' changed but kept version \"{}\": imported all the same",
                subscription.identifier,
                stored.version
            );
        }
    }
    let new_images = import(db, events, subscription, &signed)?;
    Ok(Updated::Imported {
        version: signed.list.version.clone(),
        new_images,
    })
}

/// The same bytes as the stored list: the rules that depend on time, the trust store
/// and the links are checked again (11 for the signer, 13, 33, 34); those that depend on
/// the bytes alone (the signature over them, 38, 12, 31, 17) passed when the list was
/// imported. Nothing is re-imported.
fn unchanged(
    db: &mut Db,
    services: &Services<'_>,
    subscription: &Subscription,
    stored: &StoredList,
    raw: &[u8],
) -> Result<Updated> {
    let (subject, issuer) = rules::verify_same_signer(&services.trust, raw, &subscription.url)?;
    let linked = db.authorised_credentials(subscription.id)?;
    rules::authorised(&subject, &issuer, &linked, &subscription.identifier)?;
    let (Some(created), Some(expires)) = (parse_date(&stored.created), parse_date(&stored.expires))
    else {
        return Err(Error::Failed(format!(
            "the stored list of '{}' has unreadable dates: delete and add the subscription again",
            subscription.identifier
        )));
    };
    rules::dates_in_force(
        &subscription.identifier,
        created,
        expires,
        OffsetDateTime::now_utc(),
    )?;
    if db.mark_list_valid(stored.id)? {
        tracing::info!(
            "image list '{}' is valid again: its images are available again",
            subscription.identifier
        );
    }
    Ok(Updated::Unchanged {
        version: stored.version.clone(),
    })
}

/// Imports the list and journals SubscriptionImageNew for each new image in the same
/// transaction (whatever the policy, as the original: the event announces the image), so
/// a crash cannot keep the list and lose the events.
fn import(
    db: &mut Db,
    events: &Dispatcher,
    subscription: &Subscription,
    signed: &SignedList,
) -> Result<Vec<NewImage>> {
    db.write_unsynced(|tx| {
        let new_images = db::import_list(tx, subscription, &signed.to_store(), false)?;
        for image in &new_images {
            let metadata = &signed.list.images[image.index].raw;
            if let Some(r) = events.record(EventType::SubscriptionImageNew, metadata) {
                insert_event(tx, &r, None)?;
            }
        }
        Ok(new_images)
    })
}

/// A list that moves its own `hv:uri` is reported, never followed on its own say-so.
fn report_changed_uri(db: &Db, stored: &StoredList, signed: &SignedList) -> Result<()> {
    let message = db.list_message(stored.id)?;
    let Ok(old) = ImageList::parse(&message.content) else {
        return Ok(());
    };
    if old.list.uri != signed.list.uri {
        tracing::warn!(
            "image list '{}' changed its hv:uri from {} to {}: not followed; run \
             'vmcatcher subscribe set {} --url {}' to follow it",
            signed.list.identifier,
            redact_url(&old.list.uri),
            redact_url(&signed.list.uri),
            signed.list.identifier,
            redact_url(&signed.list.uri)
        );
    }
    Ok(())
}

/// After a failed update, the stored list is checked on its own. It is withdrawn only for
/// definitive reasons: its own expiry date, a signer no longer linked, a trust decision
/// that changed (revoked by a valid CRL, signer expired, CA gone, namespace policy), or a
/// CRL problem that outlasted `trust.crl_grace`. Anything else keeps it in force.
/// Returns why, when this check withdrew the list.
fn recheck_stored(
    db: &mut Db,
    services: &Services<'_>,
    subscription: &Subscription,
    stored: &StoredList,
) -> Result<Option<String>> {
    let now = OffsetDateTime::now_utc();
    if parse_date(&stored.expires).is_some_and(|expires| expires < now) {
        return withdraw(
            db,
            subscription,
            stored,
            "it has passed its dc:date:expires",
        );
    }
    let linked = db.authorised_credentials(subscription.id)?;
    if !linked
        .iter()
        .any(|(_, c)| rules::credential_matches(&stored.signer_dn, &stored.signer_ca, c))
    {
        return withdraw(
            db,
            subscription,
            stored,
            "its signer is no longer an endorser linked to it",
        );
    }
    let Err(e) = verify(&services.trust, &db.list_message(stored.id)?.raw) else {
        return keep(subscription, stored, "it still verifies");
    };
    match e.persistence() {
        Persistence::Definitive => withdraw(
            db,
            subscription,
            stored,
            &format!("its signature no longer verifies: {e}"),
        ),
        Persistence::Transient => keep(subscription, stored, &e.to_string()),
        Persistence::CrlProblem { ca } => {
            let grace = time::Duration::seconds(
                i64::try_from(services.config.trust.crl_grace.value).unwrap_or(i64::MAX),
            );
            let since = parse_date(&db.crl_problem_since(&ca, now)?).unwrap_or(now);
            // Past a stale CRL's nextUpdate; since first seen for a missing or unusable one.
            let start = match services.trust.crl_next_update(&ca) {
                Some(Some(next)) if next < now => next,
                _ => since,
            };
            let deadline = start + grace;
            if now >= deadline {
                withdraw(
                    db,
                    subscription,
                    stored,
                    &format!(
                        "{e}, for longer than trust.crl_grace ({} s, since {})",
                        grace.whole_seconds(),
                        crate::imagelist::format_date(start)
                    ),
                )
            } else {
                keep(
                    subscription,
                    stored,
                    &format!(
                        "{e}; it is withdrawn at {} (trust.crl_grace) unless the CRL is renewed",
                        crate::imagelist::format_date(deadline)
                    ),
                )
            }
        }
    }
}

/// The update failed but the stored list stays in force: say so, so the administrator
/// knows the images are safe. (A `Result` like [`withdraw`], the other outcome.)
#[allow(clippy::unnecessary_wraps)]
fn keep(subscription: &Subscription, stored: &StoredList, why: &str) -> Result<Option<String>> {
    tracing::warn!(
        "subscription '{}': the stored list (version {}) stays in force: {why}",
        subscription.identifier,
        stored.version
    );
    Ok(None)
}

/// Returns `why` when the list was valid until now.
fn withdraw(
    db: &mut Db,
    subscription: &Subscription,
    stored: &StoredList,
    why: &str,
) -> Result<Option<String>> {
    if !db.mark_list_expired(stored.id)? {
        return Ok(None);
    }
    tracing::warn!(
        "the stored image list of '{}' (version {}) is no longer valid: {why}; its images \
         are no longer available and will leave the cache",
        subscription.identifier,
        stored.version
    );
    Ok(Some(why.to_string()))
}

/// After an endorser was unlinked or deleted: a current list whose signer is no longer a
/// credential of a linked endorser stops being valid. Returns the subscriptions whose list
/// this withdrew.
pub fn withdraw_unauthorised(db: &mut Db) -> Result<Vec<Subscription>> {
    let mut withdrawn = Vec::new();
    for subscription in db.subscriptions()? {
        // A registry subscription has no signer to unlink.
        if subscription.registry.is_some() {
            continue;
        }
        let Some(stored) = db.current_list(&subscription)? else {
            continue;
        };
        if stored.expired.is_some() {
            continue;
        }
        let linked = db.authorised_credentials(subscription.id)?;
        let still = linked
            .iter()
            .any(|(_, c)| rules::credential_matches(&stored.signer_dn, &stored.signer_ca, c));
        if !still
            && withdraw(
                db,
                &subscription,
                &stored,
                "its signer is no longer an endorser linked to it",
            )?
            .is_some()
        {
            withdrawn.push(subscription);
        }
    }
    Ok(withdrawn)
}
