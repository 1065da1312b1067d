//! What an import did (or would do): counts, and every place where the 0.6.3 data needed
//! a decision — its defects, dangling rows, conflicts with rows already here. Passwords
//! never appear in it.

use std::fmt::Write as _;

/// Rows imported, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub endorsers: usize,
    pub credentials: usize,
    pub subscriptions: usize,
    pub links: usize,
    pub lists: usize,
    pub images: usize,
    pub selected: usize,
    pub refused: usize,
}

impl Counts {
    fn is_empty(&self) -> bool {
        *self == Counts::default()
    }
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Where 0.6.3 behaved differently, or something the administrator should act on.
    Warning,
    /// A row already here differs from the 0.6.3 one: the row here is kept.
    Conflict,
    /// A 0.6.3 row that could not be imported (dangling, unreadable).
    Skipped,
    /// Worth knowing, nothing to do.
    Note,
}

impl Severity {
    fn label(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Conflict => "conflict",
            Severity::Skipped => "skipped",
            Severity::Note => "note",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub text: String,
}

/// The outcome of `import-legacy`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    pub source: String,
    pub target: String,
    /// Schema generation of the source, by its columns.
    pub generation: String,
    pub dry_run: bool,
    pub imported: Counts,
    /// Rows that were here already, the same: nothing to do for them.
    pub unchanged: Counts,
    pub findings: Vec<Finding>,
}

impl Report {
    pub(crate) fn add(&mut self, severity: Severity, text: impl Into<String>) {
        self.findings.push(Finding {
            severity,
            text: text.into(),
        });
    }

    /// Nothing was (or would be) written.
    pub fn is_no_op(&self) -> bool {
        self.imported.is_empty()
    }

    pub fn conflicts(&self) -> usize {
        self.count(Severity::Conflict)
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// The report for people: a summary line, one line per finding, and the outcome.
    pub fn lines(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} {} (vmcatcher {} schema) into {}",
            if self.dry_run {
                "dry run: would import"
            } else {
                "import of"
            },
            self.source,
            self.generation,
            self.target
        );
        let verb = if self.dry_run {
            "would import"
        } else {
            "imported"
        };
        if !self.imported.is_empty() {
            let _ = writeln!(out, "{verb}: {}", describe(&self.imported));
        }
        if !self.unchanged.is_empty() {
            let _ = writeln!(out, "already here: {}", describe(&self.unchanged));
        }
        for finding in &self.findings {
            let _ = writeln!(out, "{}: {}", finding.severity.label(), finding.text);
        }
        let conflicts = self.conflicts();
        if self.is_no_op() && conflicts == 0 {
            let _ = writeln!(
                out,
                "nothing to import: everything in {} is already in {}",
                self.source, self.target
            );
        } else if conflicts > 0 {
            let _ = writeln!(
                out,
                "{conflicts} conflict(s): the rows already in {} were kept; resolve them by hand \
                 or import into a new database",
                self.target
            );
        }
        if self.dry_run {
            out.push_str("dry run: nothing was written\n");
        }
        out
    }
}

fn describe(c: &Counts) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}, {}, {}, {}, {}, {} ({} selected for the cache), {}",
        plural(c.endorsers, "endorser", "endorsers"),
        plural(c.credentials, "credential", "credentials"),
        plural(c.subscriptions, "subscription", "subscriptions"),
        plural(c.links, "endorser link", "endorser links"),
        plural(c.lists, "stored list", "stored lists"),
        plural(c.images, "image", "images"),
        c.selected,
        plural(c.refused, "refused image", "refused images"),
    )
}
