//! The environment a handler gets: the original's contract, to the letter
//! (original-behaviour.md §6.2), because existing handlers read these variables.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::EventType;

/// Metadata keys and the variable each becomes; the second key is the original's legacy
/// name, used when the first is absent.
const METADATA: [(&str, Option<&str>, &str); 18] = [
    (
        "dc:identifier",
        Some("uuid"),
        "VMCATCHER_EVENT_DC_IDENTIFIER",
    ),
    ("dc:title", None, "VMCATCHER_EVENT_DC_TITLE"),
    ("dc:description", None, "VMCATCHER_EVENT_DC_DESCRIPTION"),
    ("hv:uri", Some("uri"), "VMCATCHER_EVENT_HV_URI"),
    ("hv:size", Some("size"), "VMCATCHER_EVENT_HV_SIZE"),
    ("hv:version", None, "VMCATCHER_EVENT_HV_VERSION"),
    ("hv:hypervisor", None, "VMCATCHER_EVENT_HV_HYPERVISOR"),
    ("sl:arch", None, "VMCATCHER_EVENT_SL_ARCH"),
    (
        "sl:checksum:sha512",
        Some("sha512"),
        "VMCATCHER_EVENT_SL_CHECKSUM_SHA512",
    ),
    // Images from OCI registries: the layer's SHA-256 digest (hex), their checksum.
    (
        "sl:checksum:sha256",
        Some("sha256"),
        "VMCATCHER_EVENT_SHA256",
    ),
    ("sl:comments", None, "VMCATCHER_EVENT_SL_COMMENTS"),
    ("sl:os", None, "VMCATCHER_EVENT_SL_OS"),
    ("sl:osversion", None, "VMCATCHER_EVENT_SL_OSVERSION"),
    ("filename", None, "VMCATCHER_EVENT_FILENAME"),
    (
        "hv:imagelist.dc:identifier",
        None,
        "VMCATCHER_EVENT_IL_DC_IDENTIFIER",
    ),
    ("hv:image.hv:format", None, "VMCATCHER_EVENT_HV_FORMAT"),
    ("hv:image.ad:mpuri", None, "VMCATCHER_EVENT_AD_MPURI"),
    ("hv:imagelist.ad:vo", None, "VMCATCHER_EVENT_VO"),
];

/// The configuration values cache events carry, as in use by this run.
#[derive(Debug, Clone)]
pub struct CacheVariables {
    pub cache_dir: String,
    pub partial_dir: String,
    pub expired_dir: String,
    pub database: String,
}

/// The variables of one event (added to the process environment of the handler).
pub(crate) fn event_variables(
    event: EventType,
    metadata: &Map<String, Value>,
    session: &str,
    cache: Option<&CacheVariables>,
) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    vars.insert(
        "VMCATCHER_EVENT_TYPE".to_string(),
        event.as_str().to_string(),
    );
    vars.insert(
        "VMCATCHER_EVENT_UUID_SESSION".to_string(),
        session.to_string(),
    );
    for (key, legacy, variable) in METADATA {
        let value = metadata
            .get(key)
            .or_else(|| legacy.and_then(|l| metadata.get(l)))
            .and_then(text);
        // Absent rather than empty: handlers test `[ -n "$VAR" ]` or `"VAR" in os.environ`.
        if let Some(value) = value.map(|v| environment_safe(variable, v)) {
            if !value.is_empty() {
                vars.insert(variable.to_string(), value);
            }
        }
    }
    if let Some(image) = image_json(metadata) {
        vars.insert("VMCATCHER_EVENT_IMAGE_JSON".to_string(), image);
    }
    if event != EventType::SubscriptionImageNew {
        if let Some(c) = cache {
            vars.insert("VMCATCHER_CACHE_DIR_CACHE".into(), c.cache_dir.clone());
            vars.insert("VMCATCHER_CACHE_DIR_DOWNLOAD".into(), c.partial_dir.clone());
            vars.insert("VMCATCHER_CACHE_DIR_EXPIRE".into(), c.expired_dir.clone());
            vars.insert("VMCATCHER_RDBMS".into(), c.database.clone());
        }
    }
    vars
}

/// The image's entry in its list (`hv:image`, every key as the list gives it) as one JSON
/// object, from the `hv:image.<key>` metadata of cache events: what a hook records for
/// the ecosystem (cloudkeeper's `APPLIANCE_ATTRIBUTES`). None without such keys, or when
/// it would not fit [`MAX_VALUE_BYTES`] (cut JSON would be no JSON).
fn image_json(metadata: &Map<String, Value>) -> Option<String> {
    let image: Map<String, Value> = metadata
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("hv:image.")?.to_string(), v.clone())))
        .collect();
    if image.is_empty() {
        return None;
    }
    let text = Value::Object(image).to_string();
    if text.len() > MAX_VALUE_BYTES || text.contains('\0') {
        tracing::warn!(
            "VMCATCHER_EVENT_IMAGE_JSON: the image's entry has {} bytes; left out of the handlers' environment",
            text.len()
        );
        return None;
    }
    Some(text)
}

/// The longest value an event variable carries. Linux refuses to start a program with
/// one environment string over 128 KiB (MAX_ARG_STRLEN), so a list with a huge
/// description must not keep every handler from starting.
pub(super) const MAX_VALUE_BYTES: usize = 64 * 1024;

/// A value the environment can carry: cut at a NUL byte (which no C string can hold, and
/// which made the handler fail to start) and at [`MAX_VALUE_BYTES`].
fn environment_safe(variable: &str, mut value: String) -> String {
    if let Some(nul) = value.find('\0') {
        tracing::warn!("{variable}: the value has a NUL byte; cut there");
        value.truncate(nul);
    }
    if value.len() > MAX_VALUE_BYTES {
        let mut end = MAX_VALUE_BYTES;
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        tracing::warn!(
            "{variable}: the value has {} bytes; cut to {end} for the handlers' environment",
            value.len()
        );
        value.truncate(end);
    }
    value
}

/// A metadata value as the original's `str()` gave it: strings as they are, numbers in
/// decimal, booleans as Python wrote them; null, lists and objects give nothing.
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_non_empty_values_and_legacy_keys() {
        let metadata = json!({
            "uuid": "img-1", "size": 42, "sl:comments": "", "dc:title": "T",
            "hv:image.hv:format": "qcow2", "hv:imagelist.ad:vo": "vo", "filename": "img-1",
        });
        let vars = event_variables(
            EventType::AvailablePostfix,
            metadata.as_object().unwrap(),
            "s",
            None,
        );
        assert_eq!(vars["VMCATCHER_EVENT_DC_IDENTIFIER"], "img-1");
        assert_eq!(vars["VMCATCHER_EVENT_HV_SIZE"], "42");
        assert_eq!(vars["VMCATCHER_EVENT_HV_FORMAT"], "qcow2");
        assert_eq!(vars["VMCATCHER_EVENT_VO"], "vo");
        assert!(!vars.contains_key("VMCATCHER_EVENT_SL_COMMENTS"));
        assert_eq!(vars["VMCATCHER_EVENT_TYPE"], "AvailablePostfix");
        assert_eq!(
            vars["VMCATCHER_EVENT_IMAGE_JSON"], r#"{"hv:format":"qcow2"}"#,
            "the list's own entry, from the hv:image.* keys"
        );
    }

    #[test]
    fn the_image_json_is_left_out_rather_than_cut() {
        let big = "x".repeat(MAX_VALUE_BYTES);
        let metadata = json!({ "uuid": "img-1", "hv:image.dc:description": big });
        let vars = event_variables(
            EventType::AvailablePostfix,
            metadata.as_object().unwrap(),
            "s",
            None,
        );
        assert!(!vars.contains_key("VMCATCHER_EVENT_IMAGE_JSON"));
        let vars = event_variables(EventType::ProcessPrefix, &Map::new(), "s", None);
        assert!(!vars.contains_key("VMCATCHER_EVENT_IMAGE_JSON"));
    }

    #[test]
    fn subscription_events_carry_no_cache_variables() {
        let cache = CacheVariables {
            cache_dir: "c".into(),
            partial_dir: "p".into(),
            expired_dir: "e".into(),
            database: "d".into(),
        };
        let m = Map::new();
        let vars = event_variables(EventType::SubscriptionImageNew, &m, "s", Some(&cache));
        assert!(!vars.contains_key("VMCATCHER_CACHE_DIR_CACHE"));
        let vars = event_variables(EventType::ProcessPrefix, &m, "s", Some(&cache));
        assert_eq!(vars["VMCATCHER_RDBMS"], "d");
    }
}
