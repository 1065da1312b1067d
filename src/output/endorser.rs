//! Endorsers and their links to subscriptions, as the original printed them.

use super::{key_value, quoted};
use crate::db::{Endorser, Link};

/// One line per credential, each field single-quoted.
pub(crate) fn endorser_list_lines(endorsers: &[Endorser]) -> String {
    endorsers
        .iter()
        .flat_map(|e| {
            e.credentials.iter().map(move |c| {
                format!(
                    "{}\t{}\t{}\n",
                    quoted(&e.identifier),
                    quoted(&c.dn),
                    quoted(&c.ca)
                )
            })
        })
        .collect()
}

/// `'endorser'<TAB>'subscription'<TAB>'True'`.
pub(crate) fn link_lines(links: &[Link]) -> String {
    links
        .iter()
        .map(|l| {
            format!(
                "{}\t{}\t'True'\n",
                quoted(&l.endorser),
                quoted(&l.subscription)
            )
        })
        .collect()
}

/// The original's `key=value` block for an endorser.
pub(crate) fn endorser_block(endorser: &Endorser) -> String {
    let mut text = String::new();
    key_value(&mut text, "endorser.dc:identifier", &endorser.identifier);
    for c in &endorser.credentials {
        key_value(&mut text, "endorser.hv:dn", &c.dn);
        key_value(&mut text, "endorser.hv:ca", &c.ca);
    }
    text
}
