//! `oci://HOST[:PORT]/REPOSITORY` and `harbor://HOST[:PORT]/PROJECT`, checked against the
//! OCI distribution grammar before anything is requested; tags and digests likewise.

use std::fmt;

/// What a registry subscription follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// One repository (`project/name`, any depth).
    Repository { host: String, repository: String },
    /// Every repository of one Harbor project, listed through Harbor's REST API.
    HarborProject { host: String, project: String },
}

impl Source {
    pub fn host(&self) -> &str {
        match self {
            Source::Repository { host, .. } | Source::HarborProject { host, .. } => host,
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Repository { host, repository } => write!(f, "oci://{host}/{repository}"),
            Source::HarborProject { host, project } => write!(f, "harbor://{host}/{project}"),
        }
    }
}

/// Whether `url` names a registry source at all (the other sources are HEPiX lists).
pub fn is_registry_url(url: &str) -> bool {
    let lower = url.get(..9).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("oci://") || lower.starts_with("harbor://")
}

/// Parses a registry source; the error says what is wrong in the administrator's terms.
pub fn parse_source(url: &str) -> Result<Source, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("'{url}' is not a registry URL: write oci://HOST/REPOSITORY"))?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if authority.contains('@') {
        return Err(format!(
            "'{}' has credentials in it: give them with --username and --password-file, \
             never in the URL",
            scheme.to_ascii_lowercase() + "://…"
        ));
    }
    check_host(authority).map_err(|e| format!("{url}: {e}"))?;
    if path.contains(['?', '#']) {
        return Err(format!("{url}: a registry URL has no query or fragment"));
    }
    let host = authority.to_ascii_lowercase();
    match scheme.to_ascii_lowercase().as_str() {
        "oci" => {
            if path.contains('@') {
                return Err(format!(
                    "{url}: name the repository without a digest; pin digests with --tag"
                ));
            }
            if let Some((_, tag)) = path.rsplit_once(':').filter(|(_, t)| !t.contains('/')) {
                return Err(format!(
                    "{url}: name the repository without ':{tag}'; choose tags with \
                     --tag-pattern or --tag"
                ));
            }
            check_repository(path).map_err(|e| format!("{url}: {e}"))?;
            Ok(Source::Repository {
                host,
                repository: path.to_string(),
            })
        }
        "harbor" => {
            let project = path.trim_end_matches('/');
            if project.is_empty() || project.contains('/') {
                return Err(format!(
                    "{url}: a Harbor source names one project: harbor://HOST/PROJECT"
                ));
            }
            check_component(project).map_err(|e| format!("{url}: {e}"))?;
            Ok(Source::HarborProject {
                host,
                project: project.to_string(),
            })
        }
        other => Err(format!(
            "'{other}://' is not a registry scheme: write oci://HOST/REPOSITORY or \
             harbor://HOST/PROJECT"
        )),
    }
}

/// `host` or `host:port`, with a DNS name or an IP address (IPv6 in brackets).
fn check_host(authority: &str) -> Result<(), String> {
    if authority.is_empty() {
        return Err("the registry host is missing".into());
    }
    let (name, port) = if authority.starts_with('[') {
        match authority.split_once("]:") {
            Some((name, port)) => (&authority[..=name.len()], Some(port)),
            None => (authority, None),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (authority, None),
        }
    };
    if let Some(port) = port {
        if port.parse::<u16>().map_or(true, |p| p == 0) {
            return Err(format!("'{port}' is not a port"));
        }
    }
    let ok = if let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        inner.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        !name.is_empty()
            && name.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    };
    if ok {
        Ok(())
    } else {
        Err(format!("'{name}' is not a host name"))
    }
}

/// The distribution spec's repository name: components of `[a-z0-9]` joined by `.`, `_`,
/// `__` or runs of `-`, separated by `/`.
pub fn check_repository(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the repository is missing: oci://HOST/PROJECT/NAME".into());
    }
    if path.len() > 255 {
        return Err("the repository name is longer than 255 characters".into());
    }
    path.split('/').try_for_each(check_component)
}

fn check_component(component: &str) -> Result<(), String> {
    let bad = || {
        format!(
            "'{component}' is not a repository name component (lowercase letters and digits, \
             joined by '.', '_', '__' or '-')"
        )
    };
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return Err(bad());
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &component[start..i];
        let dashes = sep.bytes().all(|b| b == b'-');
        if !(sep == "." || sep == "_" || sep == "__" || dashes) {
            return Err(bad());
        }
    }
    Ok(())
}

/// A tag: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
pub fn check_tag(tag: &str) -> Result<(), String> {
    let bytes = tag.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let ok = !bytes.is_empty()
        && bytes.len() <= 128
        && word(bytes[0])
        && bytes.iter().all(|&b| word(b) || b == b'.' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!("'{tag}' is not a tag"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_and_projects_parse() {
        assert_eq!(
            parse_source("oci://registry.egi.eu/egi_vm_images/ubuntu").unwrap(),
            Source::Repository {
                host: "registry.egi.eu".into(),
                repository: "egi_vm_images/ubuntu".into()
            }
        );
        assert_eq!(
            parse_source("OCI://127.0.0.1:5000/a/b-c/d.e")
                .unwrap()
                .to_string(),
            "oci://127.0.0.1:5000/a/b-c/d.e"
        );
        assert_eq!(
            parse_source("harbor://registry.egi.eu/egi_vm_images/").unwrap(),
            Source::HarborProject {
                host: "registry.egi.eu".into(),
                project: "egi_vm_images".into()
            }
        );
        assert!(parse_source("oci://[::1]:5000/x/y").is_ok());
        assert!(is_registry_url("harbor://h/p") && !is_registry_url("https://h/p"));
    }

    #[test]
    fn bad_sources_say_what_to_write() {
        for (url, words) in [
            ("oci://user:pw@host/x", "--password-file"),
            ("oci://host/x:22.04", "--tag-pattern"),
            ("oci://host/x@sha256:ab", "digest"),
            ("oci://host/", "repository is missing"),
            ("oci://host/Upper", "not a repository name"),
            ("oci://host/a--b/c..d", "'c..d'"),
            ("oci://host:0/x", "not a port"),
            ("oci://ho_st/x", "not a host name"),
            ("harbor://host/a/b", "one project"),
            ("ftp://host/x", "not a registry scheme"),
            ("oci://host/x?y", "no query"),
        ] {
            let err = parse_source(url).unwrap_err();
            assert!(err.contains(words), "{url}: {err}");
            assert!(!err.contains("pw@"), "{err}");
        }
    }

    #[test]
    fn tags_follow_the_distribution_grammar() {
        assert!(check_tag("22.04").is_ok());
        assert!(check_tag("ubuntu-22.04_2025.05.01").is_ok());
        assert!(check_tag(".hidden").is_err());
        assert!(check_tag("").is_err());
        assert!(check_tag(&"a".repeat(129)).is_err());
        assert!(check_tag("a/b").is_err());
    }
}
