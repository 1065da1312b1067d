//! What a subscription to an OCI registry follows and how it reaches the registry, as
//! stored with the subscription (a JSON object in the database).

use serde::{Deserialize, Serialize};

use super::reference::{check_tag, parse_source, Source};

/// The settings of one registry subscription.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrySettings {
    /// Tags followed whatever the pattern says.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Tags of the repository's tag list that match this regular expression (searched, as
    /// `grep -E` does: anchor it, as EGI's `^[^-]*$`).
    #[serde(default)]
    pub tag_pattern: Option<String>,
    /// Talk to the registry over plain http (a registry on a private network or on this
    /// host); https otherwise.
    #[serde(default)]
    pub plain_http: bool,
    /// The media type of the disk layer (default `application/x-qemu-disk`).
    #[serde(default)]
    pub layer_media_type: Option<String>,
    /// Annotations an artifact must have (in its manifest or disk layer) to be imported.
    #[serde(default)]
    pub require_annotations: Vec<String>,
    /// Whether a tag may move back to a digest it had before and that was replaced.
    #[serde(default)]
    pub allow_rollback: bool,
    /// The signature policy: the cosign public key (PEM) every artifact must be signed
    /// by; `None`: unsigned (said so by `subscribe show` and `status`).
    #[serde(default)]
    pub cosign_key: Option<String>,
}

impl RegistrySettings {
    /// Checks what the administrator gave; the message names the value and what to do.
    pub fn check(&self) -> Result<(), String> {
        for tag in &self.tags {
            // A manifest digest pins one artifact: it never moves.
            if tag.starts_with("sha256:") {
                super::manifest::Digest::parse(tag).map_err(|e| format!("--tag {tag}: {e}"))?;
                continue;
            }
            check_tag(tag).map_err(|e| {
                format!(
                    "--tag {tag}: {e} (letters, digits, '_', '.', '-'; at most 128; or a \
                     manifest digest sha256:<64 hexadecimal digits>)"
                )
            })?;
        }
        if let Some(pattern) = &self.tag_pattern {
            regex::Regex::new(pattern).map_err(|e| {
                format!("--tag-pattern '{pattern}' is not a regular expression: {e}")
            })?;
        }
        if let Some(key) = self
            .require_annotations
            .iter()
            .find(|k| k.trim().is_empty() || k.contains(char::is_whitespace))
        {
            return Err(format!(
                "--require-annotation '{key}' is not an annotation name (e.g. eu.egi.cloud.tag)"
            ));
        }
        if self.tags.is_empty() && self.tag_pattern.is_none() {
            return Err(
                "name the tags to follow: --tag TAG (repeatable) and/or --tag-pattern \
                        REGEX (EGI's moving tags: --tag-pattern '^[^-]*$')"
                    .into(),
            );
        }
        Ok(())
    }

    /// What `subscribe show` and `status` say of the source's signatures.
    pub fn signature_policy(&self) -> &'static str {
        if self.cosign_key.is_some() {
            "cosign key (every artifact must be signed by it)"
        } else {
            "none: the source is unsigned (see --cosign-key)"
        }
    }

    /// The stored form.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// Reads the stored form.
    pub fn from_json(text: &str) -> Result<RegistrySettings, String> {
        serde_json::from_str(text).map_err(|e| format!("unreadable registry settings: {e}"))
    }

    /// Whether `tag` is followed.
    pub fn follows(&self, tag: &str, pattern: Option<&regex::Regex>) -> bool {
        self.tags.iter().any(|t| t == tag) || pattern.is_some_and(|p| p.is_match(tag))
    }

    /// `https://HOST` (or `http://HOST` with [`Self::plain_http`]), where the
    /// distribution API of `source` lives.
    pub fn base_url(&self, source: &Source) -> String {
        let scheme = if self.plain_http { "http" } else { "https" };
        format!("{scheme}://{}", source.host())
    }
}

/// The origin credentials of the registry subscription at `url` may go to (its base URL),
/// for the same-origin rule of image downloads.
pub fn origin_url(url: &str, settings: &str) -> Option<String> {
    let source = parse_source(url).ok()?;
    let settings = RegistrySettings::from_json(settings).ok()?;
    Some(format!("{}/", settings.base_url(&source)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_and_round_trip() {
        let s = RegistrySettings {
            tags: vec!["22.04".into()],
            tag_pattern: Some("^[^-]*$".into()),
            ..RegistrySettings::default()
        };
        s.check().unwrap();
        assert_eq!(RegistrySettings::from_json(&s.to_json()).unwrap(), s);
        let re = regex::Regex::new("^[^-]*$").unwrap();
        assert!(s.follows("24.04", Some(&re)));
        assert!(!s.follows("24.04-2025.05.01", Some(&re)));
        assert!(!s.follows(&format!("sha256-{}.sig", "a".repeat(64)), Some(&re)));
        assert!(RegistrySettings::default()
            .check()
            .unwrap_err()
            .contains("--tag-pattern"));
        let bad = RegistrySettings {
            tag_pattern: Some("(".into()),
            ..RegistrySettings::default()
        };
        assert!(bad.check().unwrap_err().contains("'('"));
        let bad = RegistrySettings {
            tags: vec![".x".into()],
            ..RegistrySettings::default()
        };
        assert!(bad.check().unwrap_err().contains("--tag .x"));
        assert_eq!(
            origin_url("oci://127.0.0.1:5000/a/b", r#"{"plain_http":true}"#).as_deref(),
            Some("http://127.0.0.1:5000/")
        );
    }
}
