//! The HEPiX `hv:imagelist` JSON model (spec `original-behaviour.md` §4).
//!
//! [`ImageList::parse`] takes the verified signed text and returns the list with its valid
//! images plus warnings for what was skipped. Rules, where they differ from the original:
//!
//! * Malformed input is an [`ImageListError`], never a panic (the original raised tracebacks
//!   on bad JSON, bad dates and non-object `hv:images` entries). The caller maps every error
//!   to exit code 38, "not a valid image list".
//! * Where a string is expected a JSON number is accepted and written in decimal, because
//!   real lists put numbers in `hv:version`; the original did no type checks at all. For
//!   descriptive keys (titles, descriptions, comments, OS and hypervisor names, the image
//!   `hv:version`, the endorser's e-mail and creator) `null` is read as an empty string, as
//!   the original stored it without complaint. Keys that drive decisions
//!   (identifiers, URIs, the list `hv:version`, `hv:dn`, `hv:ca`) must be a string or number.
//! * An image with a missing or unusable key (including a malformed `hv:size`, SHA-512 or
//!   per-image `dc:date:expires`) is skipped with a warning; the original dropped it with
//!   only an ERROR log line.
//! * Identifiers must be safe file names ([`check_safe_identifier`]) and unique within the
//!   list; otherwise the whole list is refused, since a signed list naming `../x` is not
//!   trustworthy in any of its parts.
//!
//! Unknown keys are kept, in their original order, so they can be passed on to
//! `cache.index` as `hv:image.<key>` and to event handlers. When a JSON object repeats a
//! key the last value wins, as in Python's `json`.

mod date;
mod ident;
#[cfg(test)]
mod tests;

pub use date::{format_date, parse_date};
pub use ident::{check_safe_identifier, MAX_IDENTIFIER_BYTES};

use std::collections::HashMap;

use serde_json::{Map, Value};
use time::OffsetDateTime;

/// Wrapper key of the current format.
pub const IMAGELIST_KEY: &str = "hv:imagelist";

/// Warning given for a list without the `hv:imagelist` wrapper.
pub const BARE_FORMAT_WARNING: &str = "deprecated bare image list format (no hv:imagelist wrapper)";

/// Keys of the list object that are modelled; all others go to [`ImageList::extra`].
const LIST_KEYS: &[&str] = &[
    "dc:date:created",
    "dc:date:expires",
    "dc:identifier",
    "dc:description",
    "dc:title",
    "dc:source",
    "hv:version",
    "hv:uri",
    "hv:endorser",
    "hv:images",
    "ad:vo",
];

/// Why a list is not a valid image list (exit code 38 for the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageListError {
    /// Not parsable as JSON; `message` is serde's, which ends with the position.
    #[error("image list is not valid JSON: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// The top-level value, or `hv:imagelist`, is not a JSON object.
    #[error("image list is not a JSON object ({what} is {found})")]
    NotAnObject {
        what: &'static str,
        found: &'static str,
    },
    /// A required list key is absent. `key` is a path like `hv:endorser/hv:x509/hv:dn`.
    #[error("image list is missing the required key `{key}`")]
    MissingKey { key: String },
    /// A required list key has a JSON type that cannot be used.
    #[error("image list key `{key}` must be {expected}, found {found}")]
    WrongType {
        key: String,
        expected: &'static str,
        found: &'static str,
    },
    /// A list date is not in the `YYYY-mm-ddTHH:MM:SSZ` form.
    #[error(
        "image list key `{key}` is not a UTC date of the form YYYY-mm-ddTHH:MM:SSZ: {value:?}"
    )]
    BadDate { key: String, value: String },
    /// The list's or an image's identifier is not a safe file name / key.
    #[error("unsafe {owner} identifier {identifier:?}: {reason}")]
    UnsafeIdentifier {
        /// `image list` or `image hv:images[<index>]`.
        owner: String,
        identifier: String,
        reason: String,
    },
    /// Far more entries than any real list has: refused before it is built in memory.
    #[error(
        "image list is too large: {what} (at most {MAX_IMAGES} images are accepted); no real image list is that large"
    )]
    TooLarge { what: String },
    /// Two images share a `dc:identifier`.
    #[error(
        "duplicate image identifier {identifier:?} (hv:images[{first}] and hv:images[{second}])"
    )]
    DuplicateIdentifier {
        identifier: String,
        first: usize,
        second: usize,
    },
}

/// Result of [`ImageList::parse`]: the list and what was tolerated on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedList {
    pub list: ImageList,
    /// Human-readable warnings (bare format, skipped images, ignored optional keys), for the
    /// caller to log; parsing itself logs nothing above debug level.
    pub warnings: Vec<String>,
}

/// A parsed `hv:imagelist`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageList {
    /// `dc:date:created`.
    pub created: OffsetDateTime,
    /// `dc:date:expires`.
    pub expires: OffsetDateTime,
    /// `dc:identifier`, checked with [`check_safe_identifier`].
    pub identifier: String,
    /// `dc:description`.
    pub description: String,
    /// `dc:title`.
    pub title: String,
    /// `dc:source`.
    pub source: String,
    /// `hv:version`, compared with [`crate::version::compare_versions`].
    pub version: String,
    /// `hv:uri`, where the list says it lives.
    pub uri: String,
    /// `hv:endorser/hv:x509`.
    pub endorser: Endorser,
    /// `ad:vo`; `None` when absent, `null` or empty (the original passes it on only when
    /// non-empty).
    pub vo: Option<String>,
    /// Valid images, in list order.
    pub images: Vec<Image>,
    /// True when the list came without the `hv:imagelist` wrapper.
    pub bare_format: bool,
    /// List keys not modelled above (e.g. `ad:swid`), in original order.
    pub extra: Map<String, Value>,
}

/// The signer a list claims (`hv:endorser/hv:x509`); checked against the S/MIME signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endorser {
    /// `hv:dn`: signer subject, OpenSSL one-line form.
    pub dn: String,
    /// `hv:ca`: signer issuer, OpenSSL one-line form.
    pub ca: String,
    /// `hv:email`.
    pub email: String,
    /// `dc:creator`.
    pub creator: String,
}

/// One valid `hv:image`.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Position in `hv:images` (counting skipped entries), for messages.
    pub index: usize,
    /// `dc:identifier`, checked with [`check_safe_identifier`]; the cache file name.
    pub identifier: String,
    /// `dc:title`.
    pub title: String,
    /// `dc:description`.
    pub description: String,
    /// `hv:size` in bytes (JSON integer or a string of decimal digits).
    pub size: u64,
    /// `sl:checksum:sha512`; always well formed for a parsed image.
    pub sha512: Sha512,
    /// `sl:arch`.
    pub arch: String,
    /// `hv:uri`, the download location.
    pub uri: String,
    /// `sl:os`.
    pub os: String,
    /// `sl:osversion`.
    pub os_version: String,
    /// `sl:comments`.
    pub comments: String,
    /// `hv:hypervisor`.
    pub hypervisor: String,
    /// `hv:version`.
    pub version: String,
    /// The image's own `dc:date:expires`, if it has one.
    pub expires: Option<OffsetDateTime>,
    /// When the image stops being valid: the earlier of its own expiry and the list's,
    /// because an expired list takes all its images with it; the list's when it has none.
    pub effective_expires: OffsetDateTime,
    /// The whole `hv:image` object as given, in original key order.
    pub raw: Map<String, Value>,
}

impl Image {
    /// Every key of the raw image object as `hv:image.<key>` with its value, in original
    /// order — the form `cache.index` entries carry them in.
    pub fn prefixed_raw(&self) -> impl Iterator<Item = (String, &Value)> + '_ {
        self.raw.iter().map(|(k, v)| (format!("hv:image.{k}"), v))
    }
}

/// An `sl:checksum:sha512` value.
///
/// The given text is kept for display and pass-through; comparisons with a computed digest
/// should use [`Sha512::normalized`], so an upper-case list value still matches (the
/// original compared case-sensitively and such images never verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sha512 {
    given: String,
    normalized: String,
}

impl Sha512 {
    /// Wraps a value as found in a list or index; never fails, see [`Sha512::is_well_formed`].
    pub fn new(given: impl Into<String>) -> Self {
        let given = given.into();
        let normalized = given.trim().to_ascii_lowercase();
        Sha512 { given, normalized }
    }

    /// The value exactly as the list gave it.
    pub fn as_given(&self) -> &str {
        &self.given
    }

    /// Trimmed, lower-case form, comparable with a lower-case hex digest.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// True when the normalised value is 128 hexadecimal digits.
    pub fn is_well_formed(&self) -> bool {
        self.normalized.len() == 128 && self.normalized.bytes().all(|b| b.is_ascii_hexdigit())
    }
}

/// Whether `null` may stand for an empty string in a string-valued key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Null {
    Empty,
    Refused,
}

/// Why a key of an object could not be read; turned into an error or a warning by the caller.
enum KeyProblem {
    Missing,
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads a string-valued key, accepting numbers (stringified) and, when allowed, `null`.
fn get_string(obj: &Map<String, Value>, key: &str, null: Null) -> Result<String, KeyProblem> {
    match obj.get(key) {
        None => Err(KeyProblem::Missing),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::Null) if null == Null::Empty => Ok(String::new()),
        Some(v) => Err(KeyProblem::WrongType {
            expected: "a string",
            found: type_name(v),
        }),
    }
}

fn get_object<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
) -> Result<&'a Map<String, Value>, KeyProblem> {
    match obj.get(key) {
        None => Err(KeyProblem::Missing),
        Some(Value::Object(o)) => Ok(o),
        Some(v) => Err(KeyProblem::WrongType {
            expected: "an object",
            found: type_name(v),
        }),
    }
}

/// Turns a problem with a required list key into the list error naming `path`.
fn list_err(path: &str, problem: KeyProblem) -> ImageListError {
    match problem {
        KeyProblem::Missing => ImageListError::MissingKey { key: path.into() },
        KeyProblem::WrongType { expected, found } => ImageListError::WrongType {
            key: path.into(),
            expected,
            found,
        },
    }
}

fn list_string(obj: &Map<String, Value>, key: &str, null: Null) -> Result<String, ImageListError> {
    get_string(obj, key, null).map_err(|p| list_err(key, p))
}

fn list_date(obj: &Map<String, Value>, key: &str) -> Result<OffsetDateTime, ImageListError> {
    let text = list_string(obj, key, Null::Refused)?;
    parse_date(&text).ok_or_else(|| ImageListError::BadDate {
        key: key.into(),
        value: text,
    })
}

/// Shortens a value for a warning so a huge or hostile value cannot flood the log.
fn excerpt(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// `hv:size`: a non-negative JSON integer or a string of decimal digits (AppDB style).
fn parse_size(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        _ => None,
    }
}

/// The most entries `hv:images` may have. Real lists have hundreds.
pub const MAX_IMAGES: usize = 100_000;
/// The most JSON objects and arrays a list may have (a few per image): counted before
/// parsing, so a list of millions of empty entries never becomes gigabytes of values.
const MAX_STRUCTURES: usize = 8 * MAX_IMAGES;
/// Skipped entries reported one by one; the rest are counted in one line.
const MAX_SKIP_WARNINGS: usize = 20;

/// Counts the objects and arrays of a JSON text (outside strings).
fn structures(content: &[u8]) -> usize {
    let (mut count, mut in_string, mut escaped) = (0, false, false);
    for &b in content {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => count += 1,
                _ => {}
            }
        }
    }
    count
}

impl ImageList {
    /// Parses the verified signed text of an image list.
    ///
    /// Accepts a UTF-8 byte order mark and CRLF line ends (JSON whitespace). The list is
    /// rejected as a whole for invalid JSON, a missing or unusable required list or endorser
    /// key, a malformed list date, an unsafe list or image identifier, or a repeated image
    /// identifier; a single broken image is only skipped, with a warning.
    pub fn parse(content: &[u8]) -> Result<ParsedList, ImageListError> {
        let content = content.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(content);
        let count = structures(content);
        if count > MAX_STRUCTURES {
            return Err(ImageListError::TooLarge {
                what: format!("{count} JSON objects and arrays"),
            });
        }
        let top: Value = serde_json::from_slice(content).map_err(|e| ImageListError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let Value::Object(mut top) = top else {
            return Err(ImageListError::NotAnObject {
                what: "the top-level value",
                found: type_name(&top),
            });
        };

        let mut warnings = Vec::new();
        // The parsed tree is taken apart, not copied: each image keeps its own object.
        let bare_format = !top.contains_key(IMAGELIST_KEY);
        let obj = if bare_format {
            warnings.push(BARE_FORMAT_WARNING.to_string());
            &mut top
        } else {
            match top.get_mut(IMAGELIST_KEY) {
                Some(Value::Object(inner)) => inner,
                other => {
                    return Err(ImageListError::NotAnObject {
                        what: IMAGELIST_KEY,
                        found: other.map_or("nothing", |v| type_name(v)),
                    })
                }
            }
        };

        let created = list_date(obj, "dc:date:created")?;
        let expires = list_date(obj, "dc:date:expires")?;
        let identifier = list_string(obj, "dc:identifier", Null::Refused)?;
        check_safe_identifier(&identifier).map_err(|reason| ImageListError::UnsafeIdentifier {
            owner: "image list".into(),
            identifier: identifier.clone(),
            reason,
        })?;
        let description = list_string(obj, "dc:description", Null::Empty)?;
        let title = list_string(obj, "dc:title", Null::Empty)?;
        let source = list_string(obj, "dc:source", Null::Empty)?;
        let version = list_string(obj, "hv:version", Null::Refused)?;
        let uri = list_string(obj, "hv:uri", Null::Refused)?;
        let endorser = parse_endorser(obj)?;

        let vo = match obj.get("ad:vo") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(other) => {
                warnings.push(format!(
                    "ignoring list key `ad:vo`: expected a string, found {}",
                    type_name(other)
                ));
                None
            }
        };

        let entries = match obj.get_mut("hv:images") {
            None => return Err(list_err("hv:images", KeyProblem::Missing)),
            Some(Value::Array(a)) => std::mem::take(a),
            Some(other) => {
                return Err(list_err(
                    "hv:images",
                    KeyProblem::WrongType {
                        expected: "an array",
                        found: type_name(other),
                    },
                ))
            }
        };
        if entries.len() > MAX_IMAGES {
            return Err(ImageListError::TooLarge {
                what: format!("{} entries in hv:images", entries.len()),
            });
        }
        let entry_count = entries.len();
        let images = parse_images(entries, expires, &mut warnings)?;

        let extra = obj
            .iter()
            .filter(|(k, _)| !LIST_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();

        tracing::debug!(
            list = %identifier,
            images = images.len(),
            skipped = entry_count - images.len(),
            "parsed image list"
        );
        Ok(ParsedList {
            list: ImageList {
                created,
                expires,
                identifier,
                description,
                title,
                source,
                version,
                uri,
                endorser,
                vo,
                images,
                bare_format,
                extra,
            },
            warnings,
        })
    }

    /// The image with identifier `id`, if the list has it.
    pub fn image(&self, id: &str) -> Option<&Image> {
        self.images.iter().find(|i| i.identifier == id)
    }
}

fn parse_endorser(obj: &Map<String, Value>) -> Result<Endorser, ImageListError> {
    let endorser = get_object(obj, "hv:endorser").map_err(|p| list_err("hv:endorser", p))?;
    let x509 = get_object(endorser, "hv:x509").map_err(|p| list_err("hv:endorser/hv:x509", p))?;
    let field = |key: &str, null| {
        get_string(x509, key, null).map_err(|p| list_err(&format!("hv:endorser/hv:x509/{key}"), p))
    };
    Ok(Endorser {
        ca: field("hv:ca", Null::Refused)?,
        dn: field("hv:dn", Null::Refused)?,
        email: field("hv:email", Null::Empty)?,
        creator: field("dc:creator", Null::Empty)?,
    })
}

/// Parses `hv:images`: skips broken images with a warning, fails on unsafe or repeated ids.
fn parse_images(
    entries: Vec<Value>,
    list_expires: OffsetDateTime,
    warnings: &mut Vec<String>,
) -> Result<Vec<Image>, ImageListError> {
    let mut images = Vec::with_capacity(entries.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut skipped = Vec::new();
    for (index, mut entry) in entries.into_iter().enumerate() {
        let Some(raw) = entry
            .as_object_mut()
            .and_then(|o| o.get_mut("hv:image"))
            .and_then(Value::as_object_mut)
            .map(std::mem::take)
        else {
            skipped.push(format!(
                "skipping hv:images[{index}]: not an object of the form {{\"hv:image\": {{…}}}}"
            ));
            continue;
        };

        // The identifier is checked before anything else: even an image that is skipped
        // for another reason must not carry a dangerous or repeated name.
        let identifier = get_string(&raw, "dc:identifier", Null::Refused).ok();
        if let Some(id) = &identifier {
            check_safe_identifier(id).map_err(|reason| ImageListError::UnsafeIdentifier {
                owner: format!("image hv:images[{index}]"),
                identifier: id.clone(),
                reason,
            })?;
            if let Some(&first) = seen.get(id) {
                return Err(ImageListError::DuplicateIdentifier {
                    identifier: id.clone(),
                    first,
                    second: index,
                });
            }
            seen.insert(id.clone(), index);
        }

        match parse_image(index, raw, list_expires) {
            Ok(image) => images.push(image),
            Err(problems) => {
                let who = match &identifier {
                    Some(id) => format!("image {id:?} (hv:images[{index}])"),
                    None => format!("image hv:images[{index}]"),
                };
                skipped.push(format!("skipping {who}: {}", problems.join("; ")));
            }
        }
    }
    let more = skipped.len().saturating_sub(MAX_SKIP_WARNINGS);
    warnings.extend(skipped.into_iter().take(MAX_SKIP_WARNINGS));
    if more > 0 {
        warnings.push(format!("skipping {more} more broken entries of hv:images"));
    }
    Ok(images)
}

/// Reads one image object; `Err` lists every problem found, for a single warning.
fn parse_image(
    index: usize,
    raw: Map<String, Value>,
    list_expires: OffsetDateTime,
) -> Result<Image, Vec<String>> {
    let mut problems = Vec::new();
    let mut string = |key: &str, null: Null| match get_string(&raw, key, null) {
        Ok(s) => Some(s),
        Err(KeyProblem::Missing) => {
            problems.push(format!("missing required key `{key}`"));
            None
        }
        Err(KeyProblem::WrongType { expected, found }) => {
            problems.push(format!("`{key}` must be {expected}, found {found}"));
            None
        }
    };
    let title = string("dc:title", Null::Empty);
    let description = string("dc:description", Null::Empty);
    let size_text = string("hv:size", Null::Refused);
    let sha512 = string("sl:checksum:sha512", Null::Refused).map(Sha512::new);
    let arch = string("sl:arch", Null::Empty);
    let uri = string("hv:uri", Null::Refused);
    let identifier = string("dc:identifier", Null::Refused);
    let os = string("sl:os", Null::Empty);
    let os_version = string("sl:osversion", Null::Empty);
    let comments = string("sl:comments", Null::Empty);
    let hypervisor = string("hv:hypervisor", Null::Empty);
    let version = string("hv:version", Null::Empty);

    // Value checks only for keys that were readable, so each key is reported once.
    let mut size = 0;
    if size_text.is_some() {
        let v = &raw["hv:size"];
        match parse_size(v) {
            Some(s) => size = s,
            None => problems.push(format!(
                "`hv:size` is not a non-negative integer: {}",
                excerpt(v)
            )),
        }
    }
    if sha512.as_ref().is_some_and(|c| !c.is_well_formed()) {
        problems.push(format!(
            "`sl:checksum:sha512` is not 128 hexadecimal digits: {}",
            excerpt(&raw["sl:checksum:sha512"])
        ));
    }
    let expires = match raw.get("dc:date:expires") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            let parsed = parse_date(s);
            if parsed.is_none() {
                problems.push(format!(
                    "`dc:date:expires` is not a UTC date of the form YYYY-mm-ddTHH:MM:SSZ: {}",
                    excerpt(&raw["dc:date:expires"])
                ));
            }
            parsed
        }
        Some(other) => {
            problems.push(format!(
                "`dc:date:expires` must be a string, found {}",
                type_name(other)
            ));
            None
        }
    };

    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Image {
        index,
        identifier: identifier.unwrap_or_default(),
        title: title.unwrap_or_default(),
        description: description.unwrap_or_default(),
        size,
        sha512: sha512.unwrap_or_else(|| Sha512::new("")),
        arch: arch.unwrap_or_default(),
        uri: uri.unwrap_or_default(),
        os: os.unwrap_or_default(),
        os_version: os_version.unwrap_or_default(),
        comments: comments.unwrap_or_default(),
        hypervisor: hypervisor.unwrap_or_default(),
        version: version.unwrap_or_default(),
        expires,
        effective_expires: expires.map_or(list_expires, |e| e.min(list_expires)),
        raw,
    })
}
