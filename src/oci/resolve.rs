//! One update of a registry subscription: each followed tag resolved to its manifest
//! digest once, the manifest checked against that digest, its disk layer chosen, and the
//! artifacts turned into the image list model every other part of the tool knows.
//!
//! The "list" of a registry subscription is made here, not signed by anyone: its bytes
//! (stored as the subscription's message) are the JSON of the images with their pinned
//! digests, so an update that finds the same digests finds the same bytes and imports
//! nothing, and a tag that moved gives other bytes and a new image version.

use serde_json::{json, Map, Value};
use time::OffsetDateTime;

use super::annotations::image_fields;
use super::client::Client;
use super::cosign;
use super::harbor;
use super::manifest::{Digest, Manifest, ManifestError};
use super::reference::Source;
use super::settings::RegistrySettings;
use crate::error::{Error, ListRule, Result};
use crate::imagelist::{Endorser, Image, ImageList, Sha512};

/// One followed tag, pinned.
#[derive(Debug, Clone)]
pub struct Artifact {
    pub tag: String,
    pub digest: Digest,
    /// The image fields (`hv:image` keys) of the artifact.
    pub fields: Map<String, Value>,
}

/// One tag to resolve: where, which, and by what reference its manifest is fetched.
struct Candidate {
    repository: String,
    tag: String,
    /// The tag itself (`oci://`), or the digest Harbor listed for it (`harbor://`).
    reference: String,
    /// Named with `--tag` on an `oci://` source: a problem with it is an error, not a
    /// skipped artifact.
    explicit: bool,
}

/// Resolves every followed tag of the repository (or Harbor project) `source` names.
pub fn resolve(
    client: &Client<'_>,
    source: &Source,
    settings: &RegistrySettings,
) -> Result<Vec<Artifact>> {
    let pattern = match &settings.tag_pattern {
        Some(p) => Some(regex::Regex::new(p).map_err(|e| {
            Error::Failed(format!(
                "{source}: the stored tag pattern '{p}' is not a regular expression ({e}): \
                 fix it with 'vmcatcher subscribe delete' and 'subscribe add'"
            ))
        })?),
        None => None,
    };
    let host = source.host();
    let key = match &settings.cosign_key {
        Some(pem) => Some(
            cosign::parse_key(pem.as_bytes(), "the stored cosign key")
                .map_err(|e| Error::Failed(format!("{source}: {e}")))?,
        ),
        None => None,
    };
    let mut candidates = Vec::new();
    match source {
        Source::Repository { repository, .. } => {
            let mut tags: Vec<(String, bool)> =
                settings.tags.iter().map(|t| (t.clone(), true)).collect();
            if pattern.is_some() {
                for tag in client.tags(repository)? {
                    if settings.follows(&tag, pattern.as_ref())
                        && !tags.iter().any(|(t, _)| *t == tag)
                    {
                        tags.push((tag, false));
                    }
                }
            }
            tags.sort();
            for (tag, explicit) in tags {
                candidates.push(Candidate {
                    repository: repository.clone(),
                    reference: tag.clone(),
                    tag,
                    explicit,
                });
            }
        }
        Source::HarborProject { project, .. } => {
            for repository in harbor::repositories(client, project)? {
                for (tag, digest) in harbor::tagged_artifacts(client, project, &repository)? {
                    if settings.follows(&tag, pattern.as_ref()) {
                        candidates.push(Candidate {
                            repository: repository.clone(),
                            reference: digest.to_string(),
                            tag,
                            explicit: false,
                        });
                    }
                }
            }
        }
    }
    let mut artifacts = Vec::new();
    for Candidate {
        repository,
        tag,
        reference,
        explicit,
    } in candidates
    {
        let repository = repository.as_str();
        let (digest, bytes) = client.manifest(repository, &reference)?;
        let invalid = |e: ManifestError| {
            Error::list(
                ListRule::InvalidList,
                format!("{host}/{repository}:{tag} ({digest}): {e}"),
            )
        };
        let manifest = Manifest::parse_pinned(&bytes, &digest).map_err(invalid)?;
        let missing = settings.require_annotations.iter().find(|key| {
            !manifest.annotations.contains_key(*key)
                && !manifest
                    .layers
                    .iter()
                    .any(|l| l.annotations.contains_key(*key))
        });
        if let Some(key) = missing {
            let why = format!(
                "{host}/{repository}:{tag} ({digest}) has no annotation {key}, which \
                 --require-annotation asks for"
            );
            if explicit {
                return Err(Error::list(
                    ListRule::InvalidList,
                    format!("{why}: refused"),
                ));
            }
            tracing::warn!("{why}: skipped");
            continue;
        }
        let disk = match manifest.disk(settings.layer_media_type.as_deref()) {
            Ok(disk) => disk,
            Err(e @ ManifestError::NoDisk(_)) if !explicit => {
                tracing::info!(
                    "{host}/{repository}:{tag}: skipped, not a disk image artifact ({e})"
                );
                continue;
            }
            Err(e) => return Err(invalid(e)),
        };
        // Only disk artifacts need a signature (an SBOM of the same pattern is skipped
        // above); the policy is checked before anything of the artifact is imported.
        if let Some(key) = &key {
            cosign::verify(
                client,
                repository,
                &format!("{host}/{repository}:{tag}"),
                &digest,
                key,
            )?;
        }
        let mut fields = image_fields(host, repository, &tag, &digest, &manifest, disk);
        fields.insert(
            "hv:uri".into(),
            json!(client.blob_url(repository, &disk.digest)),
        );
        fields.insert("oci:tag".into(), json!(tag));
        artifacts.push(Artifact {
            tag,
            digest,
            fields,
        });
    }
    Ok(artifacts)
}

/// The stored message of a resolution: the images with their pinned digests, as JSON.
pub fn message(source: &Source, artifacts: &[Artifact]) -> Vec<u8> {
    let images: Vec<&Map<String, Value>> = artifacts.iter().map(|a| &a.fields).collect();
    serde_json::to_vec_pretty(&json!({
        "oci:source": source.to_string(),
        "hv:images": images,
    }))
    .unwrap_or_default()
}

/// The artifacts as the image list of the subscription `identifier`. A registry list has
/// no dates of its own: it is in force until an update replaces it.
pub fn image_list(identifier: &str, source: &Source, artifacts: &[Artifact]) -> ImageList {
    let now = OffsetDateTime::now_utc();
    let never = time::macros::datetime!(9999-12-31 23:59:59 UTC);
    let text = |f: &Map<String, Value>, key: &str| {
        f.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let images = artifacts
        .iter()
        .enumerate()
        .map(|(index, a)| {
            let f = &a.fields;
            Image {
                index,
                identifier: text(f, "dc:identifier"),
                title: text(f, "dc:title"),
                description: text(f, "dc:description"),
                size: f.get("hv:size").and_then(Value::as_u64).unwrap_or(0),
                sha512: Sha512::new(text(f, "sl:checksum:sha256")),
                arch: text(f, "sl:arch"),
                uri: text(f, "hv:uri"),
                os: text(f, "sl:os"),
                os_version: text(f, "sl:osversion"),
                comments: String::new(),
                hypervisor: String::new(),
                version: text(f, "hv:version"),
                expires: None,
                effective_expires: never,
                raw: f.clone(),
            }
        })
        .collect();
    ImageList {
        created: now,
        expires: never,
        identifier: identifier.to_string(),
        description: format!("OCI repository {source}"),
        title: source.to_string(),
        source: source.to_string(),
        version: String::new(),
        uri: source.to_string(),
        endorser: Endorser {
            dn: String::new(),
            ca: String::new(),
            email: String::new(),
            creator: String::new(),
        },
        vo: None,
        images,
        bare_format: false,
        extra: Map::new(),
    }
}
