//! The rules a signed image list must pass, in the order of product.md §11 point 1; the
//! first that fails gives the exit code.

use time::OffsetDateTime;

use crate::db::{Credential, ListToStore};
use crate::error::{Error, ListRule, Result};
use crate::fetch::{redact_url, FetchOptions, Fetcher, MAX_LIST_BYTES};
use crate::imagelist::{format_date, ImageList};
use crate::trust::{dn, verify, TrustStore, VerifiedList};
use crate::version::compare_versions;

/// A list whose signature, chain, content and signer identity are good (rules 11, 38, 12).
/// Whether it may update a given subscription is for the other rules.
pub struct SignedList {
    pub raw: Vec<u8>,
    /// Lowercase hex SHA-512 of `raw` (the original's `msgHash`).
    pub raw_sha512: String,
    /// The bytes the signature covers, as verified.
    pub content: Vec<u8>,
    pub signer_subject: String,
    pub signer_issuer: String,
    pub list: ImageList,
}

impl SignedList {
    /// The list as the database stores it.
    pub fn to_store(&self) -> ListToStore<'_> {
        ListToStore {
            raw: &self.raw,
            raw_sha512: &self.raw_sha512,
            content: &self.content,
            signer_dn: &self.signer_subject,
            signer_ca: &self.signer_issuer,
            list: &self.list,
            records_in_content: true,
        }
    }
}

/// Rule 10: fetch the raw message.
pub fn fetch(fetcher: &dyn Fetcher, url: &str, options: &FetchOptions) -> Result<Vec<u8>> {
    fetcher
        .fetch_bytes(url, options, MAX_LIST_BYTES)
        .map_err(|e| {
            let message = format!("cannot fetch the image list: {e}");
            Error::list_because(ListRule::Fetch, message, e)
        })
}

/// Rules 11 (signature, chain, CRLs, namespace), 38 (an image list) and 12 (the signer is
/// the endorser the list names).
pub fn verify_signed(store: &TrustStore, raw: Vec<u8>, source: &str) -> Result<SignedList> {
    let source = redact_url(source);
    let verified = verify(store, &raw).map_err(|e| {
        let message = format!("image list {source}: {e}");
        Error::list_because(ListRule::Signature, message, e)
    })?;
    let parsed = ImageList::parse(&verified.content).map_err(|e| {
        let message = format!("image list {source} is not a valid image list: {e}");
        Error::list_because(ListRule::InvalidList, message, e)
    })?;
    for warning in &parsed.warnings {
        tracing::warn!("image list {source}: {warning}");
    }
    let list = parsed.list;
    if !dn::equivalent(&verified.signer_subject, &list.endorser.dn) {
        return Err(Error::list(
            ListRule::SignerMismatch,
            format!(
                "image list {source}: Endorser DN does not match signature: the list names \
                 hv:dn '{}' but was signed by '{}'",
                list.endorser.dn, verified.signer_subject
            ),
        ));
    }
    if !dn::equivalent(&verified.signer_issuer, &list.endorser.ca) {
        return Err(Error::list(
            ListRule::SignerMismatch,
            format!(
                "image list {source}: list hv:ca does not match signature: the list names \
                 hv:ca '{}' but the signer was issued by '{}'",
                list.endorser.ca, verified.signer_issuer
            ),
        ));
    }
    Ok(SignedList {
        raw_sha512: sha512_hex(&raw),
        raw,
        content: verified.content,
        signer_subject: verified.signer_subject,
        signer_issuer: verified.signer_issuer,
        list,
    })
}

/// Rule 11 alone: signature, chain, CRLs and namespace policy.
pub fn verify_signature(store: &TrustStore, raw: &[u8], source: &str) -> Result<VerifiedList> {
    verify(store, raw).map_err(|e| {
        Error::list(
            ListRule::Signature,
            format!("image list {}: {e}", redact_url(source)),
        )
    })
}

/// Rule 11 for bytes equal to a list verified before: the signer is checked again (chain,
/// CRLs, namespace, validity); returns its subject and issuer.
pub fn verify_same_signer(
    store: &TrustStore,
    raw: &[u8],
    source: &str,
) -> Result<(String, String)> {
    crate::trust::verify_signer(store, raw).map_err(|e| {
        Error::list(
            ListRule::Signature,
            format!("image list {}: {e}", redact_url(source)),
        )
    })
}

/// Rule 13: the signer is a credential of an endorser linked to the subscription.
/// Returns that endorser's identifier.
pub fn authorised(
    subject: &str,
    issuer: &str,
    linked: &[(String, Credential)],
    subscription: &str,
) -> Result<String> {
    linked
        .iter()
        .find(|(_, c)| credential_matches(subject, issuer, c))
        .map(|(endorser, _)| endorser.clone())
        .ok_or_else(|| {
            Error::list(
                ListRule::NotAuthorised,
                format!(
                    "Endorser subject='{subject}' issuer='{issuer}' not authorised on subscription '{subscription}': \
                     link an endorser holding this credential with 'vmcatcher endorser link'"
                ),
            )
        })
}

/// Whether the signer of `signed` is this credential.
pub fn signer_is(signed: &SignedList, credential: &Credential) -> bool {
    credential_matches(&signed.signer_subject, &signed.signer_issuer, credential)
}

/// Whether a signer subject and issuer are this credential. OpenSSL 3 escapes `/` and `+`
/// inside values where OpenSSL 1 (and so every stored list and credential) did not, so the
/// comparison is exact up to that escaping.
pub fn credential_matches(subject: &str, issuer: &str, credential: &Credential) -> bool {
    dn::equivalent(subject, &credential.dn) && dn::equivalent(issuer, &credential.ca)
}

/// Rule 31: the list is the one subscribed to.
pub fn same_identifier(list: &ImageList, subscription: &str) -> Result<()> {
    if list.identifier != subscription {
        return Err(Error::list(
            ListRule::IdentifierChanged,
            format!(
                "image list has dc:identifier '{}' but the subscription is '{subscription}': \
                 refused; if the publisher really replaced the list, delete the subscription \
                 and subscribe again",
                list.identifier
            ),
        ));
    }
    Ok(())
}

/// Rules 33 (created not in the future) and 34 (not expired).
pub fn in_date(list: &ImageList, now: OffsetDateTime) -> Result<()> {
    dates_in_force(&list.identifier, list.created, list.expires, now)
}

/// Rules 33 and 34 on the dates themselves (also those stored for an unchanged list).
pub fn dates_in_force(
    identifier: &str,
    created: OffsetDateTime,
    expires: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<()> {
    if created > now {
        return Err(Error::list(
            ListRule::CreatedInFuture,
            format!(
                "Image list '{}' has an invalid creation date as in the future \
                 (dc:date:created {}, now {}): check this host's clock",
                identifier,
                format_date(created),
                format_date(now)
            ),
        ));
    }
    if expires < now {
        return Err(Error::list(
            ListRule::Expired,
            format!(
                "Downloaded image list '{}' has expired (dc:date:expires {}): its images \
                 are no longer endorsed; ask the publisher to re-sign it",
                identifier,
                format_date(expires)
            ),
        ));
    }
    Ok(())
}

/// Rule 17: `hv:version` never goes down.
pub fn version_not_lower(list: &ImageList, stored_version: Option<&str>) -> Result<()> {
    let Some(old) = stored_version else {
        return Ok(());
    };
    match compare_versions(old, &list.version) {
        std::cmp::Ordering::Greater => Err(Error::list(
            ListRule::VersionLower,
            format!(
                "Downloaded image list '{}' version \"{}\" has lower version number than the \
                 old version \"{old}\": refused (a replayed old list?)",
                list.identifier, list.version
            ),
        )),
        std::cmp::Ordering::Equal | std::cmp::Ordering::Less => Ok(()),
    }
}

pub fn sha512_hex(bytes: &[u8]) -> String {
    crate::digest::sha512_hex(bytes)
}
