//! `apply`: makes the database match the declarations, one reported change at a time.
//! Objects made by hand stay unless `prune`; declared objects changed by hand are put back.

use std::collections::HashSet;

use super::load::{Declarations, DeclaredEndorser, DeclaredSubscription, Selection};
use crate::cache::{cached_identifiers, CacheDirs};
use crate::db::{Credential, Db, NewImages, Subscription, SubscriptionChanges};
use crate::error::{Error, Result};
use crate::fetch::{redact_url, TlsAnchors};
use crate::services::Services;
use crate::subscription::{self, withdraw_unauthorised, AddRequest};

/// One change: `+` made, `~` changed, `-` removed, `=` left alone (not declared, kept
/// without `--prune`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Change {
    pub sign: char,
    pub text: String,
}

/// Applies `declarations` to `db`, calling `report` for each change as it is made. A
/// subscription that cannot be added (its list fails a rule) is reported and the others
/// go on; the result is then the last such failure's exit code.
pub(crate) fn apply(
    db: &mut Db,
    services: &Services<'_>,
    declarations: &Declarations,
    prune: bool,
    report: &mut dyn FnMut(&Change),
) -> Result<()> {
    let mut run = Run::new(db, services, declarations, prune, report);
    let mut failure = None;
    for e in &declarations.endorsers {
        if let Err(e) = run.endorser(e) {
            tracing::error!("{e}");
            failure = Some(e.exit_code());
        }
    }
    for s in &declarations.subscriptions {
        if let Err(e) = run.subscription(s) {
            tracing::error!(
                "declared subscription {} ({}): {e}",
                redact_url(&s.url),
                s.origin
            );
            failure = Some(e.exit_code());
        }
    }
    if prune && failure.is_some() {
        // A declaration that failed (a typo in its URL, a list that does not verify) must
        // not let its subscription count as undeclared and be deleted.
        tracing::warn!("a declaration failed: nothing is pruned in this run");
        run.undeclared(false)?;
    } else {
        run.undeclared(prune)?;
    }
    for s in withdraw_unauthorised(run.db)? {
        run.say(
            '-',
            format!(
                "withdraw the list of {}: its signer is no longer an endorser linked to it",
                redact_url(&s.url)
            ),
        );
    }
    match failure {
        Some(code) => Err(Error::Reported(code)),
        None => Ok(()),
    }
}

/// The declared image selections again, after an update brought new images (`sync`).
pub(crate) fn reselect(
    db: &mut Db,
    services: &Services<'_>,
    declarations: &Declarations,
    report: &mut dyn FnMut(&Change),
) -> Result<()> {
    let mut run = Run::new(db, services, declarations, false, report);
    for s in &declarations.subscriptions {
        if s.selection == Selection::Untouched {
            continue;
        }
        let Some(current) = run.db.subscriptions()?.into_iter().find(|o| o.url == s.url) else {
            continue;
        };
        run.selection(s, &current)?;
    }
    Ok(())
}

struct Run<'a, 'r> {
    db: &'a mut Db,
    services: &'a Services<'a>,
    report: &'r mut dyn FnMut(&Change),
    declarations: &'a Declarations,
    prune: bool,
    cached: HashSet<String>,
}

impl<'a, 'r> Run<'a, 'r> {
    fn new(
        db: &'a mut Db,
        services: &'a Services<'a>,
        declarations: &'a Declarations,
        prune: bool,
        report: &'r mut dyn FnMut(&Change),
    ) -> Self {
        Run {
            cached: cached_identifiers(&CacheDirs::from_config(services.config)),
            db,
            services,
            report,
            declarations,
            prune,
        }
    }

    fn say(&mut self, sign: char, text: String) {
        (self.report)(&Change { sign, text });
    }

    fn endorser(&mut self, e: &DeclaredEndorser) -> Result<()> {
        let existing = self.db.endorsers()?;
        for c in &e.credentials {
            let Some(other) = existing
                .iter()
                .find(|o| o.identifier != e.id && o.credentials.contains(c))
            else {
                continue;
            };
            // Moved from one declared endorser to another: the declarations say so.
            if self.declarations.endorser(&other.identifier).is_some() {
                self.db.remove_credential(&other.identifier, c)?;
                self.say(
                    '~',
                    format!(
                        "endorser {}: - credential '{}' (moved to {})",
                        other.identifier, c.dn, e.id
                    ),
                );
                continue;
            }
            return Err(Error::Config(format!(
                "credential '{}' of endorser '{}' ({}) belongs to endorser '{}' in the \
                 database: declare it there, or remove it with 'vmcatcher endorser \
                 delete {}'",
                c.dn, e.id, e.origin, other.identifier, other.identifier
            )));
        }
        let Some(current) = existing.iter().find(|o| o.identifier == e.id) else {
            self.db.add_endorser(&e.id, &e.credentials)?;
            self.say(
                '+',
                format!("endorser {} ({} credential(s))", e.id, e.credentials.len()),
            );
            return Ok(());
        };
        let missing: Vec<Credential> = e
            .credentials
            .iter()
            .filter(|c| !current.credentials.contains(c))
            .cloned()
            .collect();
        if !missing.is_empty() {
            self.db.add_endorser(&e.id, &missing)?;
            for c in missing {
                self.say('~', format!("endorser {}: + credential '{}'", e.id, c.dn));
            }
        }
        // A credential added by hand may sign lists: removing it withdraws them, so only
        // with --prune.
        for c in &current.credentials {
            if e.credentials.contains(c) {
                continue;
            }
            if self.prune {
                self.db.remove_credential(&e.id, c)?;
                self.say('~', format!("endorser {}: - credential '{}'", e.id, c.dn));
            } else {
                self.say(
                    '=',
                    format!(
                        "endorser {}: credential '{}' is not declared: kept ('apply --prune' \
                         removes it, withdrawing the lists it signed)",
                        e.id, c.dn
                    ),
                );
            }
        }
        Ok(())
    }

    fn subscription(&mut self, s: &DeclaredSubscription) -> Result<()> {
        let password = s
            .password_file
            .as_deref()
            .map(super::read_password)
            .transpose()?;
        let find = |db: &Db| -> Result<Option<Subscription>> {
            Ok(db.subscriptions()?.into_iter().find(|o| o.url == s.url))
        };
        if find(self.db)?.is_none() {
            let added = subscription::add(
                self.db,
                self.services,
                &AddRequest {
                    url: &s.url,
                    auto_endorse: false,
                    new_images: s.new_images.unwrap_or(NewImages::Accept),
                    tls_anchors: s.tls_anchors.unwrap_or(TlsAnchors::Both),
                    username: s.username.as_deref(),
                    password: password.as_deref(),
                },
            )?;
            self.say(
                '+',
                format!(
                    "subscribe {} (list {}, {} image(s))",
                    redact_url(&s.url),
                    added.identifier,
                    added.images
                ),
            );
        }
        let subscription = find(self.db)?.ok_or_else(|| {
            Error::Failed(format!("{} vanished after adding", redact_url(&s.url)))
        })?;
        self.settings(s, &subscription, password)?;
        if let Some(endorsers) = &s.endorsers {
            self.links(s, &subscription, endorsers)?;
        }
        self.selection(s, &subscription)
    }

    fn settings(
        &mut self,
        s: &DeclaredSubscription,
        current: &Subscription,
        password: Option<String>,
    ) -> Result<()> {
        let url = redact_url(&s.url);
        let mut changes = SubscriptionChanges::default();
        let mut said = Vec::new();
        if let Some(n) = s.new_images.filter(|n| *n != current.new_images) {
            changes.new_images = Some(n);
            said.push(format!("new_images {}", n.as_str()));
        }
        if let Some(t) = s.tls_anchors.filter(|t| *t != current.tls_anchors) {
            changes.tls_anchors = Some(t);
            said.push(format!("tls_anchors {t}"));
        }
        if s.username != current.username || password != current.password {
            changes.username = Some(s.username.clone());
            changes.password = Some(password);
            said.push(match &s.username {
                Some(user) => format!("credentials of user {user} (password from its file)"),
                None => "no credentials".to_string(),
            });
        }
        if said.is_empty() {
            return Ok(());
        }
        self.db.update_subscription(current.id, &changes)?;
        self.say('~', format!("set {url}: {}", said.join(", ")));
        Ok(())
    }

    fn links(
        &mut self,
        s: &DeclaredSubscription,
        current: &Subscription,
        endorsers: &[String],
    ) -> Result<()> {
        let url = redact_url(&s.url);
        let linked: Vec<String> = self
            .db
            .links()?
            .into_iter()
            .filter(|l| l.subscription == current.identifier)
            .map(|l| l.endorser)
            .collect();
        for e in endorsers {
            if !linked.contains(e) {
                self.db.endorser(e).map_err(|_| {
                    Error::Config(format!(
                        "subscription {url} ({}) links endorser '{e}', which is neither \
                         declared nor in the database: declare it with [[endorser]]",
                        s.origin
                    ))
                })?;
                self.db.link(e, current.id)?;
                self.say('~', format!("link endorser {e} to {url}"));
            }
        }
        for e in linked {
            if !endorsers.contains(&e) {
                self.db.unlink(&e, current.id)?;
                self.say('~', format!("unlink endorser {e} from {url}"));
            }
        }
        Ok(())
    }

    fn selection(&mut self, s: &DeclaredSubscription, current: &Subscription) -> Result<()> {
        if s.selection == Selection::Untouched {
            return Ok(());
        }
        let images = self.db.all_image_details(Some(current.id))?;
        let wanted = |identifier: &str| match &s.selection {
            Selection::All => true,
            Selection::None | Selection::Untouched => false,
            Selection::Images(refs) => refs.iter().any(|r| identifier.starts_with(r.as_str())),
        };
        if let Selection::Images(refs) = &s.selection {
            for r in refs {
                let matches = images
                    .iter()
                    .filter(|i| i.identifier.starts_with(r.as_str()));
                match matches.count() {
                    0 => tracing::warn!(
                        "image '{r}' declared for {} ({}) is in none of its images",
                        redact_url(&s.url),
                        s.origin
                    ),
                    1 => {}
                    n => {
                        return Err(Error::Config(format!(
                            "image '{r}' declared for {} ({}) matches {n} images: give more \
                             of the identifier",
                            redact_url(&s.url),
                            s.origin
                        )))
                    }
                }
            }
        }
        for image in images {
            let want = wanted(&image.identifier);
            if want == image.selected {
                continue;
            }
            self.db.set_selected(&[image.id], want)?;
            if want {
                self.say(
                    '+',
                    format!("select image {} [{}]", image.identifier, current.identifier),
                );
            } else {
                let note = if self.cached.contains(&image.identifier) {
                    " (cached: leaves the cache at the next sync)"
                } else {
                    ""
                };
                self.say(
                    '-',
                    format!(
                        "unselect image {} [{}]{note}",
                        image.identifier, current.identifier
                    ),
                );
            }
        }
        Ok(())
    }

    /// What the database has and the declarations do not: kept, or removed with `prune`.
    fn undeclared(&mut self, prune: bool) -> Result<()> {
        let declarations = self.declarations;
        for s in self.db.subscriptions()? {
            if declarations.subscription(&s.url).is_some() {
                continue;
            }
            let cached = self
                .db
                .image_states(Some(s.id))?
                .iter()
                .filter(|i| self.cached.contains(&i.identifier))
                .count();
            let url = redact_url(&s.url);
            if prune {
                self.db.delete_subscription(s.id)?;
                self.say(
                    '-',
                    format!("unsubscribe {url} ({cached} cached image(s) leave the cache)"),
                );
            } else {
                self.say(
                    '=',
                    format!(
                        "subscription {url} is not declared: kept ('apply --prune' deletes \
                         it; {cached} cached image(s) would leave)"
                    ),
                );
            }
        }
        // An endorser made by hand that a declared subscription links (by declaration or
        // in the database) is in use.
        let mut linked: HashSet<String> = declarations
            .subscriptions
            .iter()
            .flat_map(|s| s.endorsers.iter().flatten())
            .cloned()
            .collect();
        let declared_ids: HashSet<String> = self
            .db
            .subscriptions()?
            .into_iter()
            .filter(|s| declarations.subscription(&s.url).is_some())
            .map(|s| s.identifier)
            .collect();
        linked.extend(
            self.db
                .links()?
                .into_iter()
                .filter(|l| declared_ids.contains(&l.subscription))
                .map(|l| l.endorser),
        );
        for e in self.db.endorsers()? {
            if declarations.endorser(&e.identifier).is_some() || linked.contains(&e.identifier) {
                continue;
            }
            if prune {
                self.db.delete_endorser(&e.identifier)?;
                self.say('-', format!("endorser {}", e.identifier));
            } else {
                self.say(
                    '=',
                    format!(
                        "endorser {} is not declared: kept ('apply --prune' deletes it)",
                        e.identifier
                    ),
                );
            }
        }
        Ok(())
    }
}
