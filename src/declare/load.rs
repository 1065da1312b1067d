//! Reading the declarations: `[[endorser]]` and `[[subscription]]` of the configuration
//! file, then of every `conf.d/*.toml` drop-in in name order; every error names the file,
//! the line and the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::config::{parse_toml, Config};
use crate::db::{Credential, NewImages};
use crate::error::{Error, Result};
use crate::fetch::TlsAnchors;

/// Where a declaration is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub file: PathBuf,
    pub line: usize,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct DeclaredEndorser {
    pub id: String,
    pub credentials: Vec<Credential>,
    pub origin: Origin,
}

/// Which images of a declared subscription are selected for the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Selection {
    /// Not declared: `image subscribe`/`unsubscribe` and `new_images` decide.
    Untouched,
    All,
    None,
    /// Exactly these, by identifier or unique prefix.
    Images(Vec<String>),
}

#[derive(Debug, Clone)]
pub(crate) struct DeclaredSubscription {
    pub url: String,
    /// The endorsers linked to it; `None` leaves the links as they are.
    pub endorsers: Option<Vec<String>>,
    pub new_images: Option<NewImages>,
    pub tls_anchors: Option<TlsAnchors>,
    pub username: Option<String>,
    pub password_file: Option<PathBuf>,
    pub selection: Selection,
    pub origin: Origin,
}

/// Everything the configuration declares.
#[derive(Debug, Clone, Default)]
pub(crate) struct Declarations {
    pub endorsers: Vec<DeclaredEndorser>,
    pub subscriptions: Vec<DeclaredSubscription>,
}

impl Declarations {
    pub(crate) fn is_empty(&self) -> bool {
        self.endorsers.is_empty() && self.subscriptions.is_empty()
    }

    pub(crate) fn subscription(&self, url: &str) -> Option<&DeclaredSubscription> {
        self.subscriptions.iter().find(|s| s.url == url)
    }

    pub(crate) fn endorser(&self, id: &str) -> Option<&DeclaredEndorser> {
        self.endorsers.iter().find(|e| e.id == id)
    }
}

/// The main file: its settings are the configuration's business.
#[derive(Deserialize)]
struct MainFile {
    #[serde(default)]
    endorser: Vec<RawEndorser>,
    #[serde(default)]
    subscription: Vec<RawSubscription>,
}

/// A drop-in holds declarations only.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DropIn {
    #[serde(default)]
    endorser: Vec<RawEndorser>,
    #[serde(default)]
    subscription: Vec<RawSubscription>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEndorser {
    id: Spanned<String>,
    credentials: Vec<Spanned<RawCredential>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCredential {
    dn: String,
    ca: String,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawNewImages {
    Refuse,
    Accept,
    Subscribe,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawTlsAnchors {
    System,
    Igtf,
    Both,
    None,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawSelect {
    All,
    None,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubscription {
    url: Spanned<String>,
    endorsers: Option<Vec<String>>,
    new_images: Option<RawNewImages>,
    tls_anchors: Option<RawTlsAnchors>,
    username: Option<String>,
    password_file: Option<Spanned<PathBuf>>,
    images: Option<Spanned<Vec<String>>>,
    select: Option<RawSelect>,
}

/// Reads the declarations of the configuration file and of its drop-ins.
pub(crate) fn load(config: &Config) -> Result<Declarations> {
    let mut files = Vec::new();
    if let Some(main) = &config.file {
        files.push((main.clone(), true));
    }
    if let Some(dir) = &config.drop_in_dir {
        files.extend(drop_ins(dir)?.into_iter().map(|p| (p, false)));
    }
    let mut declarations = Declarations::default();
    let mut reader = Reader::default();
    for (path, main) in files {
        reader.read(&path, main, &mut declarations)?;
    }
    Ok(declarations)
}

/// `*.toml` files of `dir`, in name order; none when the directory does not exist.
fn drop_ins(dir: &Path) -> Result<Vec<PathBuf>> {
    let items = match std::fs::read_dir(dir) {
        Ok(items) => items,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Error::Config(format!(
                "drop-in directory {}: cannot be read: {e}",
                dir.display()
            )))
        }
    };
    let mut files: Vec<PathBuf> = items
        .flatten()
        .map(|i| i.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// What has been read so far, to refuse a second declaration of the same thing.
#[derive(Default)]
struct Reader {
    credentials: BTreeMap<(String, String), (String, Origin)>,
}

impl Reader {
    fn read(&mut self, path: &Path, main: bool, into: &mut Declarations) -> Result<()> {
        let fail = |message: String| Error::Config(format!("{}: {message}", path.display()));
        let text =
            std::fs::read_to_string(path).map_err(|e| fail(format!("cannot be read: {e}")))?;
        let (endorsers, subscriptions) = if main {
            let f: MainFile = parse_toml(&text).map_err(fail)?;
            (f.endorser, f.subscription)
        } else {
            let f: DropIn = parse_toml(&text).map_err(|e| {
                fail(format!(
                    "{e} (a drop-in holds only [[endorser]] and [[subscription]] tables)"
                ))
            })?;
            (f.endorser, f.subscription)
        };
        let origin = |span: std::ops::Range<usize>| Origin {
            file: path.to_path_buf(),
            line: text[..span.start.min(text.len())].matches('\n').count() + 1,
        };
        let at = |o: &Origin, key: String, message: String| {
            Error::Config(format!(
                "{}: line {}: key '{key}': {message}",
                path.display(),
                o.line
            ))
        };
        for (i, e) in endorsers.into_iter().enumerate() {
            let here = origin(e.id.span());
            let id = e.id.into_inner();
            if id.trim().is_empty() {
                return Err(at(&here, format!("endorser[{i}].id"), "is empty".into()));
            }
            if let Some(first) = into.endorser(&id) {
                return Err(at(
                    &here,
                    format!("endorser[{i}].id"),
                    format!("endorser '{id}' is already declared at {}", first.origin),
                ));
            }
            let mut credentials = Vec::new();
            for (j, c) in e.credentials.into_iter().enumerate() {
                let where_ = origin(c.span());
                let c = c.into_inner();
                let key = (c.dn.clone(), c.ca.clone());
                if let Some((other, first)) = self.credentials.get(&key) {
                    return Err(at(
                        &where_,
                        format!("endorser[{i}].credentials[{j}]"),
                        format!(
                            "credential '{}' is already declared for endorser '{other}' at \
                             {first}: a credential belongs to one endorser",
                            c.dn
                        ),
                    ));
                }
                self.credentials.insert(key, (id.clone(), where_));
                credentials.push(Credential { dn: c.dn, ca: c.ca });
            }
            if credentials.is_empty() {
                return Err(at(
                    &here,
                    format!("endorser[{i}].credentials"),
                    "declares no credential: give at least one { dn = \"…\", ca = \"…\" }".into(),
                ));
            }
            into.endorsers.push(DeclaredEndorser {
                id,
                credentials,
                origin: here,
            });
        }
        for (i, s) in subscriptions.into_iter().enumerate() {
            let here = origin(s.url.span());
            let url = s.url.into_inner();
            let key = |name: &str| format!("subscription[{i}].{name}");
            let shown = crate::fetch::redact_url(&url);
            if let Err(e) = url::Url::parse(&url) {
                return Err(at(
                    &here,
                    key("url"),
                    format!("'{shown}' is not an absolute URL ({e})"),
                ));
            }
            if crate::oci::reference::is_registry_url(&url) {
                return Err(at(
                    &here,
                    key("url"),
                    format!(
                        "{shown} is a registry source, which declarations do not cover yet: \
                         subscribe to it with 'vmcatcher subscribe add' (docs/oci.md)"
                    ),
                ));
            }
            if let Some(first) = into.subscription(&url) {
                return Err(at(
                    &here,
                    key("url"),
                    format!("{shown} is already declared at {}", first.origin),
                ));
            }
            // Relative to the declaring file, not to wherever cron started the run.
            let base = path.parent().unwrap_or(Path::new("/"));
            let password_file = s.password_file.map(|file| {
                let o = origin(file.span());
                let given = file.into_inner();
                let resolved = if given.is_relative() && given.as_os_str() != "-" {
                    base.join(given)
                } else {
                    given
                };
                (o, resolved)
            });
            if let Some((o, file)) = &password_file {
                if s.username.is_none() {
                    return Err(at(o, key("password_file"), "needs a username".into()));
                }
                if file.as_os_str() == "-" {
                    return Err(at(
                        o,
                        key("password_file"),
                        "'-' (standard input) has no place in a declaration: name a file".into(),
                    ));
                }
                if !file.is_file() {
                    return Err(at(
                        o,
                        key("password_file"),
                        format!(
                            "{} does not exist: create it (the password on its first line) \
                             or fix the path",
                            file.display()
                        ),
                    ));
                }
            }
            let selection = match (s.images, s.select) {
                (Some(images), Some(_)) => {
                    return Err(at(
                        &origin(images.span()),
                        key("images"),
                        "give either images or select, not both".into(),
                    ))
                }
                (Some(images), None) => {
                    let o = origin(images.span());
                    let images = images.into_inner();
                    if images.iter().any(|i| i.trim().is_empty()) {
                        return Err(at(
                            &o,
                            key("images"),
                            "an empty identifier would match every image".into(),
                        ));
                    }
                    Selection::Images(images)
                }
                (None, Some(RawSelect::All)) => Selection::All,
                (None, Some(RawSelect::None)) => Selection::None,
                (None, None) => Selection::Untouched,
            };
            into.subscriptions.push(DeclaredSubscription {
                url,
                endorsers: s.endorsers,
                new_images: s.new_images.map(|n| match n {
                    RawNewImages::Refuse => NewImages::Refuse,
                    RawNewImages::Accept => NewImages::Accept,
                    RawNewImages::Subscribe => NewImages::Subscribe,
                }),
                tls_anchors: s.tls_anchors.map(|t| match t {
                    RawTlsAnchors::System => TlsAnchors::System,
                    RawTlsAnchors::Igtf => TlsAnchors::Igtf,
                    RawTlsAnchors::Both => TlsAnchors::Both,
                    RawTlsAnchors::None => TlsAnchors::None,
                }),
                username: s.username,
                password_file: password_file.map(|(_, file)| file),
                selection,
                origin: here,
            });
        }
        Ok(())
    }
}
