//! Diagnostics: what a problem is, where it is, and how bad.

use serde::Serialize;

/// How bad a problem is. Errors fail `validate` and `build`; warnings fail only with
/// `--deny-warnings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Must be fixed: the skill would break or be rejected by a host.
    Error,
    /// Should be fixed: the skill works but something is off.
    Warning,
}

impl Severity {
    /// The lowercase word used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem, anchored at a file and a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable rule code, e.g. `SW102`; see [`crate::rules`].
    pub code: &'static str,
    /// Severity of the rule.
    pub severity: Severity,
    /// One-line message naming the offending value.
    pub message: String,
    /// Path of the file, relative to the skills root, `/`-separated.
    pub file: String,
    /// 1-based line; 0 when the problem concerns a whole file or directory.
    pub line: u32,
    /// 1-based column (characters); 0 with `line` 0.
    pub col: u32,
    /// Length of the highlighted span in characters (at least 1 when `line` > 0).
    pub len: u32,
    /// The fix, when it can be said in a line (the corrected source line, a command).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic for rule `code`, taking its severity from the rule table.
    pub fn new(code: &'static str, file: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: crate::rules::severity(code),
            message: message.into(),
            file: file.into(),
            line: 0,
            col: 0,
            len: 0,
            help: None,
        }
    }

    /// Adds the fix.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Anchors the diagnostic at a line and column, highlighting `len` characters.
    pub fn at(mut self, line: u32, col: u32, len: u32) -> Self {
        self.line = line;
        self.col = col;
        self.len = len.max(1);
        self
    }
}

/// Sorts diagnostics by file, line, column, then code, so output is stable.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (&a.file, a.line, a.col, a.code, &a.message).cmp(&(&b.file, b.line, b.col, b.code, &b.message))
    });
}

/// Counts (errors, warnings).
pub fn counts(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.severity == Severity::Error).count();
    (errors, diags.len() - errors)
}
