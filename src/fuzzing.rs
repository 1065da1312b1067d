//! Fuzz target bodies, shared by the cargo-fuzz targets in `fuzz/fuzz_targets/` (nightly,
//! libFuzzer) and by the bounded mutation run of `cargo test` (stable, [`smoke`]), so the
//! two drivers cannot drift apart.
//!
//! Not part of the library's API: hidden from the documentation and free to change. Each
//! target takes arbitrary bytes and must return without panicking; where a parser promises
//! more (a round trip, an ordering law) the target asserts it, so a broken promise is a
//! crash too.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use openssl::x509::X509Name;

use crate::config::{Config, Environment, Overrides};
use crate::imagelist::{self, ImageList};
use crate::trust::{self, dn, policy, TrustStore};
use crate::version;

#[cfg(test)]
mod smoke;

/// A target: arbitrary bytes in, a panic on failure.
pub type Target = fn(&[u8]);

/// Every target by name: the name of its `fuzz/fuzz_targets/<name>.rs` file and of its seed
/// directory `fuzz/corpus/<name>/`.
pub const TARGETS: &[(&str, Target)] = &[
    ("smime", smime),
    ("imagelist", imagelist),
    ("config", config),
    ("policy", policy),
    ("dn", dn),
    ("version", version),
    ("date", date),
];

/// The trust directory of the fuzz targets: a long-lived root and issuing CA with CRLs and
/// namespace policies, written by `cargo test --test integration write_fuzz_seeds -- --ignored`
/// together with the signed seeds of `fuzz/corpus/smime/`, so that mutated seeds get past
/// the chain and CRL checks. Keys are not kept.
pub fn trust_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/trust")
}

fn store() -> &'static TrustStore {
    static STORE: OnceLock<TrustStore> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = trust_dir();
        TrustStore::load(&dir)
            .unwrap_or_else(|e| panic!("fuzz trust directory {}: {e}", dir.display()))
    })
}

/// S/MIME: the quick PKCS#7 splitter, then full verification, the reporting checks and the
/// signer-only re-check against the fuzz trust directory. A message is accepted by
/// [`trust::verify`] exactly when [`trust::inspect`] finds every check passed.
pub fn smime(data: &[u8]) {
    let _ = trust::mime::pkcs7_der(data);
    let store = store();
    let report = trust::inspect(store, data);
    for check in &report.checks {
        assert_eq!(check.ok, check.error.is_none(), "{check:?}");
    }
    let verified = trust::verify(store, data);
    assert_eq!(
        report.is_ok(),
        verified.is_ok(),
        "verify and inspect disagree: {:?} / {:?}",
        verified.as_ref().err(),
        report.first_error()
    );
    match verified {
        Ok(list) => {
            let _ = ImageList::parse(&list.content);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let _ = trust::verify_signer(store, data);
}

/// The image list parser, on the verified content as it comes out of OpenSSL.
pub fn imagelist(data: &[u8]) {
    let Ok(parsed) = ImageList::parse(data) else {
        return;
    };
    let list = &parsed.list;
    assert!(imagelist::check_safe_identifier(&list.identifier).is_ok());
    for image in &list.images {
        assert!(imagelist::check_safe_identifier(&image.identifier).is_ok());
        assert!(image.sha512.is_well_formed());
        assert!(image.effective_expires <= list.expires);
        assert!(list.image(&image.identifier).is_some());
        for (key, _) in image.prefixed_raw() {
            assert!(key.starts_with("hv:image."));
        }
    }
}

/// The configuration file, parsed and resolved with the other layers as `Config::load`
/// does (an environment with only `HOME`), then listed as `config show` lists it.
pub fn config(data: &[u8]) {
    // The file is read with `read_to_string`: other bytes never reach the parser.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let env = Environment::new([("HOME".to_string(), "/home/fuzz".to_string())], false);
    let path = Path::new("/etc/vmcatcher/vmcatcher.toml");
    if let Ok(config) = Config::from_file_text(text, path, &Overrides::default(), &env) {
        let _ = config.entries();
    }
}

/// `*.namespaces` and `*.signing_policy` files (read lossily, as the trust store reads
/// them), their rules resolved and checked against the subjects they name.
pub fn policy(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let file = Path::new("/etc/grid-security/certificates/fuzz.namespaces");
    let mut set = policy::PolicySet::default();
    let mut cas = vec!["/DC=org/CN=Self CA".to_string()];
    for (rules, _warnings) in [
        policy::parse_namespaces(&text),
        policy::parse_signing_policy(&text),
    ] {
        for rule in policy::resolve(rules, file, Some("/DC=org/CN=Self CA")) {
            assert!(
                policy::glob_match(&rule.pattern, &rule.pattern),
                "a pattern matches itself: {:?}",
                rule.pattern
            );
            if !cas.contains(&rule.ca) {
                cas.push(rule.ca.clone());
            }
            set.add(rule);
        }
    }
    // Each CA against the patterns written for it and two other subjects.
    for ca in cas.iter().take(16) {
        let patterns: Vec<String> = set
            .rules_for(ca)
            .iter()
            .map(|r| r.pattern.clone())
            .collect();
        for subject in patterns
            .iter()
            .take(16)
            .map(String::as_str)
            .chain(["", "/CN=x"])
        {
            let _ = set.check(ca, subject).is_allowed();
        }
    }
    // Arbitrary glob against arbitrary text: the input split at its first newline.
    let (pattern, subject) = text.split_once('\n').unwrap_or((&text, ""));
    let _ = policy::glob_match(pattern, subject);
}

/// DNs: OpenSSL's one-line form of a DER name and of a name built from `/K=v/…` text, and
/// the OpenSSL 1.x / 3 spelling comparison.
pub fn dn(data: &[u8]) {
    if let Ok(name) = X509Name::from_der(data) {
        let line = dn::oneline(&name);
        assert!(dn::equivalent(&line, &line));
    }
    let text = String::from_utf8_lossy(data);
    assert!(dn::unescape(&text).len() <= text.len());
    if let Ok(mut builder) = X509Name::builder() {
        for part in text.split('/').filter(|p| !p.is_empty()) {
            // The openssl crate panics on a NUL in the field name (it makes a C string);
            // vmcatcher never builds names from text, so that is not ours to test.
            if let Some((key, value)) = part.split_once('=').filter(|(k, _)| !k.contains('\0')) {
                let _ = builder.append_entry_by_text(key, value);
            }
        }
        let name = builder.build();
        let line = dn::oneline(&name);
        assert!(dn::equivalent(&line, &line));
    }
}

/// `hv:version` ordering: up to three strings separated by NUL bytes; the comparison must
/// be a total preorder (reflexive, antisymmetric, transitive).
pub fn version(data: &[u8]) {
    let mut parts = data.splitn(3, |&b| b == 0).map(String::from_utf8_lossy);
    let a = parts.next().unwrap_or_default();
    let b = parts.next().unwrap_or_default();
    let c = parts.next().unwrap_or_default();
    for s in [&a, &b, &c] {
        assert_eq!(version::compare_versions(s, s), Ordering::Equal, "{s:?}");
    }
    for (x, y) in [(&a, &b), (&b, &c), (&a, &c)] {
        let xy = version::compare_versions(x, y);
        assert_eq!(
            xy.reverse(),
            version::compare_versions(y, x),
            "{x:?} vs {y:?}"
        );
    }
    let ab = version::compare_versions(&a, &b);
    let bc = version::compare_versions(&b, &c);
    if ab != Ordering::Greater && bc != Ordering::Greater {
        assert_ne!(
            version::compare_versions(&a, &c),
            Ordering::Greater,
            "{a:?} <= {b:?} <= {c:?}"
        );
    }
}

/// List dates: what parses formats back to the same text.
pub fn date(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(t) = imagelist::parse_date(&text) {
        assert_eq!(imagelist::format_date(t), text, "round trip");
    }
}
