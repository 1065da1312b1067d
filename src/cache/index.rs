//! The original's `cache.index`: one JSON object per cache directory, keyed by image id
//! (cache and partial directories) or by file name (expired directory), whose values are
//! JSON objects (`original-behaviour.md` §5.2). Hooks and tools such as glancepush read
//! these files, so the layout is kept; what changes is that they are written atomically.
//!
//! Written like Python's `json.dumps(index, indent=4, sort_keys=True)`: objects sorted by
//! key at every level, 4-space indent, `", "`-free item separators, non-ASCII characters
//! escaped as `\uXXXX`; plus a trailing newline.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::ser::{Formatter, PrettyFormatter};
use serde_json::{Map, Value};
use thiserror::Error;

/// File name of the index in each cache directory.
pub const INDEX_FILE: &str = "cache.index";
/// Prefix of the temporary file a save writes before renaming it over the index.
const TEMP_PREFIX: &str = ".cache.index.tmp-";
/// Prefix of an unreadable index moved aside by [`CacheIndex::load`].
const CORRUPT_PREFIX: &str = "cache.index.corrupt-";

/// One entry: the metadata of one file of the directory.
pub type Entry = Map<String, Value>;

/// Why an index could not be loaded. An unparsable index is not an error: it is moved
/// aside and an empty index is returned.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum IndexError {
    #[error("cannot read cache index {}: {source}; check the permissions of the cache directory", path.display())]
    Read { path: PathBuf, source: io::Error },

    #[error("cache index {} is unusable ({reason}) and cannot be moved aside to {}: {source}; move or delete it by hand", path.display(), target.display())]
    Quarantine {
        path: PathBuf,
        target: PathBuf,
        reason: String,
        source: io::Error,
    },
}

/// The index of one cache directory, in memory. Changes reach the disk with [`Self::save`].
#[derive(Debug, Clone, PartialEq)]
pub struct CacheIndex {
    dir: PathBuf,
    entries: BTreeMap<String, Entry>,
}

impl CacheIndex {
    /// An empty index for `dir` (nothing is read or written).
    pub fn new(dir: &Path) -> CacheIndex {
        CacheIndex {
            dir: dir.to_owned(),
            entries: BTreeMap::new(),
        }
    }

    /// Reads `<dir>/cache.index`. A missing file gives an empty index. A file that is not
    /// a JSON object of JSON objects is renamed to `cache.index.corrupt-<UTC timestamp>`
    /// (with a warning naming both) and an empty index is returned: the image files stay,
    /// the caller adopts them again.
    pub fn load(dir: &Path) -> Result<CacheIndex, IndexError> {
        let path = dir.join(INDEX_FILE);
        let parsed = match read_plain(&path) {
            Ok(Some(bytes)) => parse(&bytes),
            Ok(None) => Err("not a regular file (a symbolic link, a FIFO...)".into()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(CacheIndex::new(dir)),
            Err(source) => return Err(IndexError::Read { path, source }),
        };
        match parsed {
            Ok(entries) => Ok(CacheIndex {
                dir: dir.to_owned(),
                entries,
            }),
            Err(reason) => {
                let target =
                    quarantine(dir, &path).map_err(|(target, source)| IndexError::Quarantine {
                        path: path.clone(),
                        target,
                        reason: reason.clone(),
                        source,
                    })?;
                tracing::warn!(
                    index = %path.display(),
                    moved_to = %target.display(),
                    "cache index {} is unusable ({reason}); moved it to {} and starting with an empty index",
                    path.display(),
                    target.display()
                );
                Ok(CacheIndex::new(dir))
            }
        }
    }

    /// Reads `<dir>/cache.index` without changing anything: a missing file is an empty
    /// index, an unusable one an error (`load` would move it aside). For the commands that
    /// only read: `status`, `cache list`, `image list -l`.
    pub fn peek(dir: &Path) -> Result<CacheIndex, String> {
        let path = dir.join(INDEX_FILE);
        let entries = match read_plain(&path) {
            Ok(Some(bytes)) => parse(&bytes),
            Ok(None) => Err("not a regular file".into()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(e.to_string()),
        }
        .map_err(|reason| format!("cache index {}: {reason}", path.display()))?;
        Ok(CacheIndex {
            dir: dir.to_owned(),
            entries,
        })
    }

    /// Writes the index atomically: a new `<dir>/.cache.index.tmp-<pid>-<random>` created
    /// with `O_EXCL` (so nothing planted at a guessable name is ever followed or
    /// truncated), `fsync`, rename over `cache.index`, `fsync` of the directory. A crash
    /// leaves the old or the new index.
    pub fn save(&self) -> io::Result<()> {
        let (temp, file) = create_temp(&self.dir)?;
        let result = self.write_to(file).and_then(|()| {
            fs::rename(&temp, self.dir.join(INDEX_FILE))?;
            fsync_dir(&self.dir)
        });
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result
    }

    fn write_to(&self, file: File) -> io::Result<()> {
        let mut out = BufWriter::new(file);
        to_writer(&mut out, &self.entries)?;
        out.write_all(b"\n")?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()
    }

    /// The index as it would be saved (for tests and diagnostics).
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        to_writer(&mut out, &self.entries).expect("writing to a Vec cannot fail");
        out.push(b'\n');
        String::from_utf8(out).expect("the JSON writer produces ASCII")
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Entry> {
        self.entries.get_mut(key)
    }

    /// Adds or replaces the entry for `key`, returning the previous one.
    pub fn insert(&mut self, key: impl Into<String>, entry: Entry) -> Option<Entry> {
        self.entries.insert(key.into(), entry)
    }

    pub fn remove(&mut self, key: &str) -> Option<Entry> {
        self.entries.remove(key)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Entry)> {
        self.entries.iter()
    }

    /// Keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.entries.keys()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The directory this index describes (and is saved in).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Creates a fresh temporary file for [`CacheIndex::save`]: `O_CREAT | O_EXCL |
/// O_NOFOLLOW`, mode 0644, under a name with 64 random bits; a name taken (by anything,
/// a symbolic link included) is never opened, another is drawn.
fn create_temp(dir: &Path) -> io::Result<(PathBuf, File)> {
    let mut last = None;
    for _ in 0..8 {
        let mut random = [0u8; 8];
        openssl::rand::rand_bytes(&mut random).map_err(io::Error::other)?;
        let path = dir.join(format!(
            "{TEMP_PREFIX}{}-{:016x}",
            std::process::id(),
            u64::from_le_bytes(random)
        ));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
            .mode(0o644)
            .open(&path)
        {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

/// The bytes of `path` if it is a regular file; an error for a directory; `None` for
/// anything else (a symbolic link, a FIFO, a device). Opened with
/// `O_NOFOLLOW | O_NONBLOCK`: a symbolic link is not followed and a FIFO cannot hang us.
fn read_plain(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let mut file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if meta.is_dir() {
        // Not something to set aside: an administrator's mistake to be told about.
        return Err(io::Error::from_raw_os_error(libc::EISDIR));
    }
    if !meta.is_file() {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// `fsync` a directory, so that renames and new files in it survive a crash.
pub fn fsync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Whether `file_name` is one of the index's own temporary or quarantined files
/// (`.cache.index.tmp-<pid>-<random>`, `cache.index.corrupt-<timestamp>`), which are not images and
/// should not be reported as unknown files. `cache.index` itself is not included.
pub fn is_temporary(file_name: &str) -> bool {
    file_name.starts_with(TEMP_PREFIX) || file_name.starts_with(CORRUPT_PREFIX)
}

fn parse(bytes: &[u8]) -> Result<BTreeMap<String, Entry>, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(map) = value else {
        return Err("not a JSON object".into());
    };
    map.into_iter()
        .map(|(key, value)| match value {
            Value::Object(entry) => Ok((key, entry)),
            _ => Err(format!("the entry '{key}' is not a JSON object")),
        })
        .collect()
}

/// Renames the index to a free `cache.index.corrupt-<UTC timestamp>[-N]` name.
fn quarantine(dir: &Path, path: &Path) -> Result<PathBuf, (PathBuf, io::Error)> {
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_else(|_| "unknown-time".into());
    let base = format!("{CORRUPT_PREFIX}{stamp}");
    let mut target = dir.join(&base);
    let mut n = 1;
    while target.symlink_metadata().is_ok() {
        n += 1;
        target = dir.join(format!("{base}-{n}"));
    }
    fs::rename(path, &target).map_err(|e| (target.clone(), e))?;
    // The rename happened; losing it in a crash only means quarantining again.
    let _ = fsync_dir(dir);
    Ok(target)
}

fn to_writer<W: Write>(out: W, entries: &BTreeMap<String, Entry>) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, PythonFormatter::new());
    let mut map = ser.serialize_map(Some(entries.len()))?;
    for (key, entry) in entries {
        map.serialize_entry(key, &SortedObject(entry))?;
    }
    SerializeMap::end(map)?;
    Ok(())
}

/// An object serialised with its keys sorted, recursively (the crate keeps insertion
/// order because of serde_json's `preserve_order` feature).
struct SortedObject<'a>(&'a Map<String, Value>);

impl Serialize for SortedObject<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut entries: Vec<(&String, &Value)> = self.0.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut map = serializer.serialize_map(Some(entries.len()))?;
        for (key, value) in entries {
            map.serialize_entry(key, &Sorted(value))?;
        }
        map.end()
    }
}

struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => SortedObject(map).serialize(serializer),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Sorted(item))?;
                }
                seq.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// serde_json's pretty printer with a 4-space indent that, like Python's default
/// `ensure_ascii=True`, escapes everything outside printable ASCII as `\uXXXX`.
struct PythonFormatter {
    pretty: PrettyFormatter<'static>,
}

impl PythonFormatter {
    fn new() -> Self {
        PythonFormatter {
            pretty: PrettyFormatter::with_indent(b"    "),
        }
    }
}

impl Formatter for PythonFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some(pos) = rest.find(|c: char| !(' '..='~').contains(&c)) {
            writer.write_all(&rest.as_bytes()[..pos])?;
            let c = rest[pos..].chars().next().expect("found at pos");
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            rest = &rest[pos + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.pretty.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.pretty.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(value: Value) -> Entry {
        match value {
            Value::Object(map) => map,
            _ => panic!("not an object"),
        }
    }

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn save_never_follows_a_link_at_a_temporary_name() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        fs::write(&outside, "precious").unwrap();
        let cache = dir.path().join("cache");
        fs::create_dir(&cache).unwrap();
        // The name the index used to be written to: guessable from the pid.
        let old_name = cache.join(format!("{TEMP_PREFIX}{}", std::process::id()));
        std::os::unix::fs::symlink(&outside, &old_name).unwrap();
        let mut index = CacheIndex::new(&cache);
        index.insert("u1", Entry::new());
        index.save().unwrap();
        assert_eq!(fs::read_to_string(&outside).unwrap(), "precious");
        assert_eq!(CacheIndex::load(&cache).unwrap(), index);
        // Only the planted link is left beside the index: the temporary was renamed.
        assert_eq!(fs::read_dir(&cache).unwrap().count(), 2);
    }

    #[test]
    fn missing_index_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let index = CacheIndex::load(dir.path()).unwrap();
        assert!(index.is_empty());
        assert_eq!(index.dir(), dir.path());
        assert!(files(dir.path()).is_empty(), "load writes nothing");
    }

    #[test]
    fn round_trip_and_atomic_save() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = CacheIndex::load(dir.path()).unwrap();
        index.insert(
            "bbbb",
            entry(json!({"size": 100000, "uuid": "bbbb", "DownLoadTrys": {"msgHash": "x", "count": 1}})),
        );
        index.insert("aaaa", entry(json!({"sha512": "00", "message": "a\nb"})));
        index.save().unwrap();
        assert_eq!(files(dir.path()), [INDEX_FILE], "no temporary file left");
        let again = CacheIndex::load(dir.path()).unwrap();
        assert_eq!(again, index);
        assert_eq!(again.keys().collect::<Vec<_>>(), ["aaaa", "bbbb"]);
        assert_eq!(again.get("bbbb").unwrap()["size"], 100000);

        // Saving again replaces the file.
        let mut index = again;
        assert!(index.remove("aaaa").is_some());
        index.save().unwrap();
        assert_eq!(CacheIndex::load(dir.path()).unwrap().len(), 1);
        assert_eq!(files(dir.path()), [INDEX_FILE]);
    }

    #[test]
    fn written_like_python_json_dumps_sorted_indent_4() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = CacheIndex::new(dir.path());
        // Inserted out of order at every level; serde_json here preserves insertion order.
        index.insert(
            "zz",
            entry(json!({"uuid": "zz", "DownLoadTrys": {"msgHash": "h", "count": 2}, "list": [{"b": 1, "a": []}], "empty": {}})),
        );
        index.insert("aa", entry(json!({"title": "caf\u{e9} \u{1f600} \u{7f}"})));
        let expected = r#"{
    "aa": {
        "title": "caf\u00e9 \ud83d\ude00 \u007f"
    },
    "zz": {
        "DownLoadTrys": {
            "count": 2,
            "msgHash": "h"
        },
        "empty": {},
        "list": [
            {
                "a": [],
                "b": 1
            }
        ],
        "uuid": "zz"
    }
}
"#;
        assert_eq!(index.to_json(), expected);
        index.save().unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join(INDEX_FILE)).unwrap(),
            expected
        );
        // The escapes read back as the original characters.
        let back = CacheIndex::load(dir.path()).unwrap();
        assert_eq!(
            back.get("aa").unwrap()["title"],
            "caf\u{e9} \u{1f600} \u{7f}"
        );
        assert_eq!(CacheIndex::new(dir.path()).to_json(), "{}\n");
    }

    #[test]
    fn reads_the_originals_format() {
        let dir = tempfile::tempdir().unwrap();
        // Python wrote no trailing newline.
        fs::write(
            dir.path().join(INDEX_FILE),
            "{\n    \"u1\": {\n        \"size\": 3,\n        \"uuid\": \"u1\"\n    }\n}",
        )
        .unwrap();
        let index = CacheIndex::load(dir.path()).unwrap();
        assert_eq!(index.get("u1").unwrap()["uuid"], "u1");
    }

    #[test]
    fn corrupt_index_is_moved_aside() {
        for bad in ["{\"u1\": {\"size\": 3", "[1, 2]", "{\"u1\": 5}", ""] {
            let dir = tempfile::tempdir().unwrap();
            fs::write(dir.path().join(INDEX_FILE), bad).unwrap();
            fs::write(dir.path().join("u1"), "image").unwrap();
            let index = CacheIndex::load(dir.path()).unwrap();
            assert!(index.is_empty(), "{bad:?}");
            let names = files(dir.path());
            assert_eq!(names.len(), 2, "{names:?}");
            assert_eq!(names[1], "u1", "the image file stays");
            assert!(names[0].starts_with("cache.index.corrupt-"), "{names:?}");
            assert!(is_temporary(&names[0]));
            assert_eq!(fs::read_to_string(dir.path().join(&names[0])).unwrap(), bad);

            // A second bad index in the same second gets its own name.
            fs::write(dir.path().join(INDEX_FILE), "nope").unwrap();
            CacheIndex::load(dir.path()).unwrap();
            let names = files(dir.path());
            assert_eq!(names.len(), 3, "{names:?}");
            assert!(names.iter().filter(|n| is_temporary(n)).count() == 2);
        }
    }

    #[test]
    fn temporary_names() {
        assert!(is_temporary(".cache.index.tmp-1234"));
        assert!(is_temporary("cache.index.corrupt-20250101T000000Z"));
        assert!(!is_temporary(INDEX_FILE));
        assert!(!is_temporary("aaaaaaaa-0000-0000-0000-000000000001"));
    }

    #[test]
    fn unreadable_directory_is_an_error_not_an_empty_index() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the index should be: reading fails with something other than
        // "not found".
        fs::create_dir(dir.path().join(INDEX_FILE)).unwrap();
        let err = CacheIndex::load(dir.path()).unwrap_err();
        assert!(err.to_string().contains("cannot read cache index"), "{err}");
    }
}
