//! `subscribe add`: fetch, verify and import a list before anything is stored.

use time::OffsetDateTime;

use super::rules;
use crate::db::{self, Credential, Db, NewImages, NewSubscription};
use crate::error::{Error, ListRule, Result};
use crate::fetch::{redact_url, TlsAnchors};
use crate::services::Services;

pub struct AddRequest<'a> {
    pub url: &'a str,
    pub auto_endorse: bool,
    pub new_images: NewImages,
    pub tls_anchors: TlsAnchors,
    pub username: Option<&'a str>,
    pub password: Option<&'a str>,
}

pub struct Added {
    pub identifier: String,
    pub endorser: String,
    pub endorser_created: bool,
    pub images: usize,
}

pub fn add(db: &mut Db, services: &Services<'_>, request: &AddRequest<'_>) -> Result<Added> {
    let options = services.fetch_options(request.tls_anchors, request.username, request.password);
    let raw = rules::fetch(services.fetcher, request.url, &options)?;
    let signed = rules::verify_signed(&services.trust, raw, request.url)?;
    let list = &signed.list;

    let signer = Credential {
        dn: list.endorser.dn.clone(),
        ca: list.endorser.ca.clone(),
    };
    let known = db
        .endorsers()?
        .into_iter()
        .find(|e| e.credentials.iter().any(|c| rules::signer_is(&signed, c)));
    if known.is_none() && !request.auto_endorse {
        return Err(Error::list(
            ListRule::NotAuthorised,
            format!(
                "Endorser '{}':'{}' was not found in database: create it with 'vmcatcher \
                 endorser create', or pass --auto-endorse to trust this signer",
                signer.dn, signer.ca
            ),
        ));
    }
    rules::in_date(list, OffsetDateTime::now_utc())?;
    if list.uri != request.url {
        tracing::info!(
            "image list '{}' names hv:uri {}; the subscription fetches {} as given",
            list.identifier,
            redact_url(&list.uri),
            redact_url(request.url)
        );
    }

    let (endorser, endorser_created) = db.write_unsynced(|tx| {
        // Looked up again under the write lock: another `subscribe add --auto-endorse` of
        // a list by the same signer may have created the endorser since.
        let (endorser, created) =
            match db::endorser_with_credential_in(tx, |c| rules::signer_is(&signed, c))? {
                Some(identifier) => (identifier, false),
                None => (uuid::Uuid::new_v4().to_string(), true),
            };
        if created {
            db::insert_endorser(tx, &endorser, std::slice::from_ref(&signer))?;
        }
        let id = db::insert_subscription(
            tx,
            &NewSubscription {
                identifier: &list.identifier,
                url: request.url,
                description: &list.description,
                new_images: request.new_images,
                tls_anchors: request.tls_anchors,
                username: request.username,
                password: request.password,
            },
            &db::now_text(),
        )?;
        db::link_in(tx, &endorser, id)?;
        let subscription = db::subscription_in(tx, id)?;
        db::import_list(tx, &subscription, &signed.to_store(), true)?;
        Ok((endorser, created))
    })?;
    if endorser_created {
        tracing::warn!(
            "Endorser '{}':'{}' added to database as '{endorser}'.",
            signer.dn,
            signer.ca
        );
    }
    Ok(Added {
        identifier: list.identifier.clone(),
        endorser,
        endorser_created,
        images: list.images.len(),
    })
}
