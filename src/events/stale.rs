//! An event must still name a file that exists when it is delivered: a deferred (or
//! retried) AvailablePostfix whose file was expired or replaced since is skipped with the
//! reason, never handed to a hook that would upload whatever is there now.

use std::collections::BTreeMap;
use std::path::Path;

/// The cache index's file name (the cache module's `INDEX_FILE`; events cannot depend on
/// the cache module, which sends events).
const INDEX_FILE: &str = "cache.index";

/// Why the delivery of an event from an earlier run would be wrong now, if it would be.
/// Only AvailablePostfix names a file a handler acts on; when the evidence is unclear
/// (no cache directory in the event, an unreadable index) the event is delivered and the
/// hook's own checks decide.
pub(super) fn reason_to_skip(event_type: &str, vars: &BTreeMap<String, String>) -> Option<String> {
    if event_type != "AvailablePostfix" {
        return None;
    }
    let dir = Path::new(vars.get("VMCATCHER_CACHE_DIR_CACHE")?);
    let name = vars.get("VMCATCHER_EVENT_FILENAME")?;
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return None;
    }
    let path = dir.join(name);
    let is_file = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file());
    if !is_file {
        return Some(format!(
            "skipped: {} is no longer in the cache (expired or removed since the event)",
            path.display()
        ));
    }
    let id = vars.get("VMCATCHER_EVENT_DC_IDENTIFIER")?;
    let sha512 = vars.get("VMCATCHER_EVENT_SL_CHECKSUM_SHA512")?;
    let index = std::fs::read(dir.join(INDEX_FILE)).ok()?;
    let index: serde_json::Value = serde_json::from_slice(&index).ok()?;
    let cached = index.get(id)?.get("sha512")?.as_str()?;
    (!cached.eq_ignore_ascii_case(sha512)).then(|| {
        format!(
            "skipped: {} now holds another version of image {id} (sha512 {}…, the event's is \
             {}…)",
            path.display(),
            &cached[..cached.len().min(16)],
            &sha512[..sha512.len().min(16)]
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(dir: &Path, sha512: &str) -> BTreeMap<String, String> {
        [
            ("VMCATCHER_CACHE_DIR_CACHE", dir.display().to_string()),
            ("VMCATCHER_EVENT_FILENAME", "img".to_string()),
            ("VMCATCHER_EVENT_DC_IDENTIFIER", "id-1".to_string()),
            ("VMCATCHER_EVENT_SL_CHECKSUM_SHA512", sha512.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    #[test]
    fn a_gone_file_is_skipped_a_present_one_delivered() {
        let dir = tempfile::tempdir().unwrap();
        let v = vars(dir.path(), "aa");
        assert!(reason_to_skip("AvailablePostfix", &v)
            .unwrap()
            .contains("no longer in the cache"));
        assert_eq!(reason_to_skip("ExpirePostfix", &v), None);
        std::fs::write(dir.path().join("img"), b"x").unwrap();
        assert_eq!(
            reason_to_skip("AvailablePostfix", &v),
            None,
            "no index: delivered"
        );
        std::fs::write(
            dir.path().join(INDEX_FILE),
            r#"{"id-1": {"sha512": "AA", "filename": "img"}}"#,
        )
        .unwrap();
        assert_eq!(reason_to_skip("AvailablePostfix", &v), None);
        let other = vars(dir.path(), "bb");
        assert!(reason_to_skip("AvailablePostfix", &other)
            .unwrap()
            .contains("another version of image id-1"));
    }

    #[test]
    fn a_symlink_or_a_path_is_not_trusted_as_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/etc/hostname", dir.path().join("img")).unwrap();
        assert!(reason_to_skip("AvailablePostfix", &vars(dir.path(), "aa")).is_some());
        let mut v = vars(dir.path(), "aa");
        v.insert("VMCATCHER_EVENT_FILENAME".into(), "../x".into());
        assert_eq!(
            reason_to_skip("AvailablePostfix", &v),
            None,
            "the hook refuses it"
        );
    }
}
