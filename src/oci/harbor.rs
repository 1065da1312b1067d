//! Harbor's REST API (v2.0), for `harbor://HOST/PROJECT` sources: the repositories of a
//! project and the tagged artifacts of each, with their digests, following `Link:
//! rel="next"` paging. What Harbor lists is only a pointer: every artifact is then fetched
//! from the registry by that digest and checked against it (`client::Client::manifest`).

use serde::Deserialize;

use super::client::Client;
use super::manifest::Digest;
use crate::error::{Error, ListRule, Result};

/// Entries asked for per page.
const PAGE_SIZE: u32 = 100;

#[derive(Deserialize)]
struct Repository {
    name: String,
}

#[derive(Deserialize)]
struct Artifact {
    digest: String,
    #[serde(default)]
    tags: Option<Vec<Tag>>,
}

#[derive(Deserialize)]
struct Tag {
    name: String,
}

/// The repositories (`PROJECT/NAME`) of `project`.
pub fn repositories(client: &Client<'_>, project: &str) -> Result<Vec<String>> {
    let path = format!("/api/v2.0/projects/{project}/repositories?page_size={PAGE_SIZE}");
    let pages: Vec<Vec<Repository>> = client.pages(
        &path,
        &format!("the repositories of Harbor project {project}"),
    )?;
    let mut names: Vec<String> = pages.into_iter().flatten().map(|r| r.name).collect();
    names.sort();
    names.dedup();
    for name in &names {
        if !name.starts_with(&format!("{project}/")) {
            return Err(Error::list(
                ListRule::InvalidList,
                format!(
                    "Harbor lists repository '{name}' in project {project}: not one of its \
                     repositories, refused"
                ),
            ));
        }
        super::reference::check_repository(name)
            .map_err(|e| Error::list(ListRule::InvalidList, format!("Harbor repository: {e}")))?;
    }
    Ok(names)
}

/// Every tag of `repository` (`PROJECT/NAME`) with the digest Harbor lists for it.
pub fn tagged_artifacts(
    client: &Client<'_>,
    project: &str,
    repository: &str,
) -> Result<Vec<(String, Digest)>> {
    let name = repository
        .strip_prefix(&format!("{project}/"))
        .unwrap_or(repository);
    // Harbor wants a '/' inside the repository name encoded twice.
    let encoded = name.replace('/', "%252F");
    let path = format!(
        "/api/v2.0/projects/{project}/repositories/{encoded}/artifacts?with_tag=true&page_size={PAGE_SIZE}"
    );
    let pages: Vec<Vec<Artifact>> =
        client.pages(&path, &format!("the artifacts of {repository}"))?;
    let mut tagged = Vec::new();
    for artifact in pages.into_iter().flatten() {
        let digest = Digest::parse(&artifact.digest).map_err(|e| {
            Error::list(
                ListRule::InvalidList,
                format!("Harbor lists an artifact of {repository}: {e}"),
            )
        })?;
        for tag in artifact.tags.unwrap_or_default() {
            tagged.push((tag.name, digest.clone()));
        }
    }
    tagged.sort();
    Ok(tagged)
}
