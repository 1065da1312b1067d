use super::Context;
use crate::cli::{EndorserCommand, Format};
use crate::db::Credential;
use crate::error::{Error, Result};
use crate::output::{self};
use crate::subscription::withdraw_unauthorised;

pub(super) fn run(ctx: &Context, cmd: EndorserCommand) -> Result<()> {
    match cmd {
        EndorserCommand::List => list(ctx),
        EndorserCommand::Show { id } => show(ctx, &id),
        EndorserCommand::Create { id, dn, ca } => create(ctx, &id, dn, ca),
        EndorserCommand::Delete { id } => {
            let mut db = ctx.open_db()?;
            db.delete_endorser(&id)?;
            ctx.note_declared(None, Some(&id), false);
            tracing::info!("deleted endorser '{id}'");
            withdraw_unauthorised(&mut db).map(|_| ())
        }
        EndorserCommand::Links => links(ctx),
        EndorserCommand::Link { id, subscription } => {
            let mut db = ctx.open_db()?;
            let s = db.find_subscription(&subscription)?;
            ctx.note_declared(Some(&s.url), Some(&id), false);
            if !db.link(&id, s.id)? {
                tracing::warn!(
                    "endorser '{id}' and subscription '{}' already linked",
                    s.identifier
                );
            }
            Ok(())
        }
        EndorserCommand::Unlink { id, subscription } => {
            let mut db = ctx.open_db()?;
            let s = db.find_subscription(&subscription)?;
            ctx.note_declared(Some(&s.url), Some(&id), false);
            if !db.unlink(&id, s.id)? {
                return Err(Error::NotFound(format!(
                    "endorser '{id}' and subscription '{}' are not linked: 'vmcatcher endorser links' shows the links",
                    s.identifier
                )));
            }
            withdraw_unauthorised(&mut db).map(|_| ())
        }
    }
}

fn create(ctx: &Context, id: &str, dns: Vec<String>, cas: Vec<String>) -> Result<()> {
    if id.trim().is_empty() {
        return Err(Error::Failed(
            "the endorser identifier is empty: give a name or a UUID".into(),
        ));
    }
    if dns.len() != cas.len() {
        let detail = match dns.get(cas.len()) {
            Some(dn) => format!("--dn '{dn}' has no --ca"),
            None => format!("--ca '{}' has no --dn", cas[dns.len()]),
        };
        return Err(Error::Usage(format!(
            "{detail}: give one --ca for every --dn, in the same order"
        )));
    }
    let credentials: Vec<Credential> = dns
        .into_iter()
        .zip(cas)
        .map(|(dn, ca)| Credential { dn, ca })
        .collect();
    for c in &credentials {
        if !c.dn.starts_with('/') || !c.ca.starts_with('/') {
            return Err(Error::Failed(format!(
                "credential dn '{}' ca '{}' is not in OpenSSL one-line form \
                 (/C=../O=../CN=..): write it as 'vmcatcher verify' prints it",
                c.dn, c.ca
            )));
        }
    }
    let created = ctx.create_db()?.add_endorser(id, &credentials)?;
    if created {
        tracing::info!(
            "created endorser '{id}' with {} credential(s)",
            credentials.len()
        );
    } else {
        tracing::info!(
            "added {} credential(s) to endorser '{id}'",
            credentials.len()
        );
    }
    Ok(())
}

/// The original's listing: one line per credential, each field single-quoted.
fn list(ctx: &Context) -> Result<()> {
    let format = ctx.record_format()?;
    let endorsers = ctx.read_db()?.endorsers()?;
    match format {
        Format::Json => output::json(&endorsers),
        _ => output::write(output::endorser_list_lines(&endorsers)),
    }
}

/// The original's links listing: 'endorser' 'subscription' 'True'.
fn links(ctx: &Context) -> Result<()> {
    let format = ctx.record_format()?;
    let links = ctx.read_db()?.links()?;
    match format {
        Format::Json => output::json(&links),
        _ => output::write(output::link_lines(&links)),
    }
}

/// The endorser block, then the block of every subscription it may sign.
fn show(ctx: &Context, id: &str) -> Result<()> {
    let format = ctx.record_format()?;
    let db = ctx.read_db()?;
    let endorser = db.endorser(id)?;
    let subscriptions = db
        .endorser_subscriptions(id)?
        .iter()
        .map(|s| db.find_subscription(s))
        .collect::<Result<Vec<_>>>()?;
    let views = db.subscription_views(&subscriptions)?;
    let view = output::EndorserView {
        endorser: &endorser,
        subscriptions: &views,
    };
    match format {
        Format::Json => output::json(&view),
        _ => output::write(view.lines()),
    }
}
