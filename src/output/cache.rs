//! `cache list` and `events list`: the cache as indexed, the event journal.

use super::field;
use crate::cache::CachedImage;
use crate::db::journal::Delivery;

/// `id<TAB>size<TAB>subscription<TAB>state<TAB>path`; `-` where the database has no state
/// (a foreign image) or the index no size.
pub(crate) fn cache_list_lines(images: &[CachedImage]) -> String {
    images
        .iter()
        .map(|i| {
            format!(
                "{}\t{}\t{}\t{}\t{}\n",
                field(&i.image),
                i.size.map_or("-".to_string(), |s| s.to_string()),
                field(&i.subscription),
                i.state.map_or("-".to_string(), |s| s.to_string()),
                field(&i.path.display().to_string())
            )
        })
        .collect()
}

/// `event<TAB>type<TAB>image<TAB>handler<TAB>state<TAB>tries`, in journal order.
pub(crate) fn delivery_lines(deliveries: &[Delivery]) -> String {
    deliveries
        .iter()
        .map(|d| {
            format!(
                "{}\t{}\t{}\t{}\t{}\t{}\n",
                d.event_id,
                d.event_type,
                field(d.image.as_deref().unwrap_or("-")),
                field(&d.handler),
                d.state,
                d.tries
            )
        })
        .collect()
}
