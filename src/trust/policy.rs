//! Namespace policies: IGTF `*.namespaces` and Globus `*.signing_policy` files.
//!
//! OpenSSL ignores these files, so the check is ours. Patterns are matched as the IGTF
//! defines them: a glob where `*` matches any run of characters and `?` one character,
//! anchored at both ends (the original turned them into unanchored-at-end regexes).
//! Policies are keyed by the CA subject written inside the file, not the file name.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::dn;

/// Whether a rule permits or denies the subjects it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// `PERMIT Subject` / Globus `cond_subjects`.
    Permit,
    /// `DENY Subject` (namespaces files only).
    Deny,
}

/// One subject pattern a CA is (not) allowed to sign for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The CA subject (one-line form) as written in the file.
    pub ca: String,
    /// Permit or deny.
    pub kind: RuleKind,
    /// The subject glob.
    pub pattern: String,
    /// The file the rule comes from.
    pub file: PathBuf,
}

/// The issuer named by a namespaces statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issuer {
    /// A DN written in the file.
    Dn(String),
    /// `SELF`: the CA whose certificate has the file's base name (`<hash>.0`).
    SelfRef,
}

/// A rule as parsed, before `SELF` is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRule {
    /// The issuer.
    pub issuer: Issuer,
    /// Permit or deny.
    pub kind: RuleKind,
    /// The subject glob.
    pub pattern: String,
}

/// Outcome of a policy check for one (CA, subject) pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// No policy mentions the CA: no restriction.
    Unrestricted,
    /// A PERMIT rule matched (and no DENY).
    Permitted { file: PathBuf },
    /// Policies exist for the CA but none permits the subject.
    NotPermitted { files: Vec<PathBuf> },
    /// A namespaces DENY rule matched.
    Denied { file: PathBuf },
}

impl Decision {
    /// True unless the subject is refused.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Unrestricted | Decision::Permitted { .. })
    }
}

/// All policy rules of a trust directory, by CA subject.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    rules: HashMap<String, Vec<Rule>>,
}

impl PolicySet {
    /// Add a rule.
    pub fn add(&mut self, rule: Rule) {
        self.rules
            .entry(dn::unescape(&rule.ca))
            .or_default()
            .push(rule);
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.values().map(Vec::len).sum()
    }

    /// True when no rule was loaded.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules that name `ca`.
    pub fn rules_for(&self, ca: &str) -> &[Rule] {
        self.rules
            .get(&dn::unescape(ca))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// May `ca` sign for `subject`? Any rule for a CA restricts it: the subject must match
    /// a PERMIT and no DENY. DNs are compared in OpenSSL 1.x spelling (see [`dn::unescape`]).
    pub fn check(&self, ca: &str, subject: &str) -> Decision {
        let rules = self.rules_for(ca);
        if rules.is_empty() {
            return Decision::Unrestricted;
        }
        let subject = dn::unescape(subject);
        if let Some(r) = rules
            .iter()
            .find(|r| r.kind == RuleKind::Deny && glob_match(&r.pattern, &subject))
        {
            return Decision::Denied {
                file: r.file.clone(),
            };
        }
        if let Some(r) = rules
            .iter()
            .find(|r| r.kind == RuleKind::Permit && glob_match(&r.pattern, &subject))
        {
            return Decision::Permitted {
                file: r.file.clone(),
            };
        }
        let mut files: Vec<PathBuf> = Vec::new();
        for r in rules {
            if !files.contains(&r.file) {
                files.push(r.file.clone());
            }
        }
        Decision::NotPermitted { files }
    }
}

/// IGTF glob: `*` any run (possibly empty), `?` exactly one character, all else literal;
/// the whole text must match.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// A parse problem worth a warning (the rest of the file is still used).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseWarning {
    /// 1-based line where the statement starts.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Join backslash-continued lines and drop `#` comments (outside quotes).
/// Returns (first line number, logical line).
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if cur.is_empty() {
            start = i + 1;
        }
        let line = strip_comment(raw);
        let trimmed = line.trim_end();
        if let Some(body) = trimmed.strip_suffix('\\') {
            cur.push_str(body);
            cur.push(' ');
            continue;
        }
        cur.push_str(trimmed);
        if !cur.trim().is_empty() {
            out.push((start, std::mem::take(&mut cur)));
        }
        cur.clear();
    }
    if !cur.trim().is_empty() {
        out.push((start, cur));
    }
    out
}

fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '#') => return &line[..i],
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
    }
    line
}

/// Split into words; `"…"` and `'…'` are single tokens (quotes removed).
fn tokens(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' || c == '\'' {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next() {
                    Some(x) if x == c => break,
                    Some(x) => s.push(x),
                    None => return Err(format!("unterminated {c} quote")),
                }
            }
            out.push(s);
        } else {
            let mut s = String::new();
            while let Some(&x) = chars.peek() {
                if x.is_whitespace() || x == '"' || x == '\'' {
                    break;
                }
                s.push(x);
                chars.next();
            }
            out.push(s);
        }
    }
    Ok(out)
}

/// Parse an IGTF `.namespaces` file:
/// `TO Issuer "<CA DN>" PERMIT Subject "<glob>"` (or `DENY`, or `Issuer SELF`),
/// keywords case-insensitive, several statements per file.
pub fn parse_namespaces(text: &str) -> (Vec<ParsedRule>, Vec<ParseWarning>) {
    let mut rules = Vec::new();
    let mut warnings = Vec::new();
    for (line, l) in logical_lines(text) {
        let toks = match tokens(&l) {
            Ok(t) => t,
            Err(e) => {
                warnings.push(ParseWarning { line, message: e });
                continue;
            }
        };
        let mut i = 0;
        let mut issuer: Option<Issuer> = None;
        while i < toks.len() {
            let kw = toks[i].to_ascii_uppercase();
            let next_kw = toks.get(i + 1).map(|s| s.to_ascii_uppercase());
            match (kw.as_str(), next_kw.as_deref(), toks.get(i + 2)) {
                ("TO", Some("ISSUER"), Some(v)) => {
                    issuer = Some(if v.eq_ignore_ascii_case("SELF") {
                        Issuer::SelfRef
                    } else {
                        Issuer::Dn(v.clone())
                    });
                    i += 3;
                }
                (k @ ("PERMIT" | "DENY"), Some("SUBJECT"), Some(p)) => {
                    let Some(iss) = issuer.clone() else {
                        warnings.push(ParseWarning {
                            line,
                            message: format!("{k} before TO Issuer"),
                        });
                        break;
                    };
                    rules.push(ParsedRule {
                        issuer: iss,
                        kind: if k == "PERMIT" {
                            RuleKind::Permit
                        } else {
                            RuleKind::Deny
                        },
                        pattern: p.clone(),
                    });
                    i += 3;
                }
                _ => {
                    warnings.push(ParseWarning {
                        line,
                        message: format!("unexpected '{}'", toks[i]),
                    });
                    break;
                }
            }
        }
    }
    (rules, warnings)
}

/// Parse a Globus `.signing_policy` file: each `access_id_CA X509 '<CA DN>'` starts a
/// block; `cond_subjects globus '"<glob>" "<glob>"'` gives the permitted subjects.
/// `pos_rights` is accepted (only `CA:sign` is meaningful); other lines are warned about.
pub fn parse_signing_policy(text: &str) -> (Vec<ParsedRule>, Vec<ParseWarning>) {
    let mut rules = Vec::new();
    let mut warnings = Vec::new();
    let mut ca: Option<String> = None;
    for (line, l) in logical_lines(text) {
        let toks = match tokens(&l) {
            Ok(t) => t,
            Err(e) => {
                warnings.push(ParseWarning { line, message: e });
                continue;
            }
        };
        let Some(first) = toks.first() else { continue };
        match first.to_ascii_lowercase().as_str() {
            "access_id_ca" => match (toks.get(1), toks.get(2)) {
                (Some(kind), Some(dn)) if kind.eq_ignore_ascii_case("X509") => {
                    ca = Some(dn.clone());
                }
                _ => {
                    ca = None;
                    warnings.push(ParseWarning {
                        line,
                        message: "access_id_CA needs X509 '<CA DN>'".into(),
                    });
                }
            },
            "pos_rights" => {}
            "cond_subjects" => {
                let Some(ca) = ca.clone() else {
                    warnings.push(ParseWarning {
                        line,
                        message: "cond_subjects before access_id_CA".into(),
                    });
                    continue;
                };
                let list = toks.get(2).cloned().unwrap_or_default();
                let patterns = match tokens(&list) {
                    Ok(p) => p,
                    Err(e) => {
                        warnings.push(ParseWarning { line, message: e });
                        continue;
                    }
                };
                if patterns.is_empty() {
                    warnings.push(ParseWarning {
                        line,
                        message: "cond_subjects lists no subject".into(),
                    });
                }
                for p in patterns {
                    rules.push(ParsedRule {
                        issuer: Issuer::Dn(ca.clone()),
                        kind: RuleKind::Permit,
                        pattern: p,
                    });
                }
            }
            other => warnings.push(ParseWarning {
                line,
                message: format!("unknown keyword '{other}'"),
            }),
        }
    }
    (rules, warnings)
}

/// Resolve parsed rules of `file`; `self_ca` is the subject of the CA whose certificate
/// shares the file's base name (for `SELF`).
pub fn resolve(rules: Vec<ParsedRule>, file: &Path, self_ca: Option<&str>) -> Vec<Rule> {
    rules
        .into_iter()
        .filter_map(|r| {
            let ca = match r.issuer {
                Issuer::Dn(d) => d,
                Issuer::SelfRef => if let Some(s) = self_ca { s.to_string() } else {
                    tracing::warn!(
                        file = %file.display(),
                        "namespaces rule with Issuer SELF but no CA certificate of the same base name: rule ignored"
                    );
                    return None;
                },
            };
            Some(Rule {
                ca,
                kind: r.kind,
                pattern: r.pattern,
                file: file.to_path_buf(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob() {
        assert!(glob_match("/DC=ch/*", "/DC=ch/CN=x"));
        assert!(glob_match("/DC=ch/CN=?", "/DC=ch/CN=x"));
        assert!(!glob_match("/DC=ch/CN=?", "/DC=ch/CN=xy"));
        assert!(!glob_match("/DC=ch/CN=x", "/DC=ch/CN=xy"));
        assert!(!glob_match("/DC=ch/CN=.*", "/DC=ch/CN=x"));
        assert!(glob_match("*a*b", "xxaxxb"));
        assert!(!glob_match("*a*b", "xxaxxbc"));
        assert!(glob_match("", ""));
        assert!(glob_match("**", ""));
    }

    #[test]
    fn namespaces() {
        let text = "# c\nTO Issuer \"/C=X/CN=CA # 1\" \\\n  PERMIT Subject \"/C=X/O=A/*\"\n\
                    to issuer SELF deny subject \"/C=X/O=A/CN=bad\" # trailing\n";
        let (r, w) = parse_namespaces(text);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].issuer, Issuer::Dn("/C=X/CN=CA # 1".into()));
        assert_eq!(r[1].issuer, Issuer::SelfRef);
        assert_eq!(r[1].kind, RuleKind::Deny);
    }

    #[test]
    fn signing_policy() {
        let text = " access_id_CA  X509  '/C=X/CN=CA'\n pos_rights globus CA:sign\n\
                    cond_subjects globus '\"/C=X/O=A/*\" \"/C=Y/*\"'\n";
        let (r, w) = parse_signing_policy(text);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].pattern, "/C=Y/*");
    }
}
