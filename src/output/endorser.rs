//! Endorsers and their links to subscriptions, as the original printed them.

use serde::Serialize;

use super::{key_value, quoted, subscription_lines, SubscriptionJson};
use crate::db::{Credential, Endorser, Link, SubscriptionView};

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

/// `endorser show`: the endorser with every subscription it may sign.
pub(crate) struct EndorserView<'a> {
    pub(crate) endorser: &'a Endorser,
    pub(crate) subscriptions: &'a [SubscriptionView],
}

impl EndorserView<'_> {
    /// The endorser block, then the `subscribe show` block of each subscription.
    pub(crate) fn lines(&self) -> String {
        let mut text = endorser_block(self.endorser);
        text.extend(self.subscriptions.iter().map(subscription_lines));
        text
    }
}

impl Serialize for EndorserView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json<'a> {
            identifier: &'a str,
            credentials: &'a [Credential],
            subscriptions: Vec<SubscriptionJson<'a>>,
        }
        Json {
            identifier: &self.endorser.identifier,
            credentials: &self.endorser.credentials,
            subscriptions: SubscriptionJson::all(self.subscriptions),
        }
        .serialize(serializer)
    }
}
