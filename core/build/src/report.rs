//! Rendering diagnostics for people (rustc-style snippets) and machines (JSON, SARIF, GitHub).

use skillwright_model::diag::{Diagnostic, Severity, counts};
use skillwright_model::source::LineIndex;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Output formats of `validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Snippets with carets, for people.
    Text,
    /// One JSON document: `{"diagnostics": [...], "errors": N, "warnings": N}`.
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…`).
    Github,
}

/// Renders `diags`. `root` prefixes each file path; `sources` maps a file to its text for snippets.
pub fn render(
    format: Format,
    diags: &[Diagnostic],
    root: &str,
    sources: &BTreeMap<String, &str>,
    color: bool,
) -> String {
    let path = |f: &str| {
        if root.is_empty() || root == "." {
            f.to_string()
        } else {
            format!("{}/{f}", root.trim_end_matches('/'))
        }
    };
    match format {
        Format::Text => text(diags, &path, sources, color),
        Format::Json => {
            let items: Vec<_> = diags
                .iter()
                .map(|d| {
                    serde_json::json!({
                        "code": d.code, "severity": d.severity, "message": d.message,
                        "file": path(&d.file), "line": d.line, "col": d.col,
                        "rule": skillwright_model::rules::find(d.code).map(|r| r.name),
                    })
                })
                .collect();
            let (e, w) = counts(diags);
            let doc = serde_json::json!({ "diagnostics": items, "errors": e, "warnings": w });
            serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
        }
        Format::Sarif => sarif(diags, &path),
        Format::Github => {
            let mut out = String::new();
            for d in diags {
                let level = if d.severity == Severity::Error { "error" } else { "warning" };
                let _ = writeln!(
                    out,
                    "::{level} file={},line={},col={},title={}::{}",
                    gh_escape(&path(&d.file), true),
                    d.line.max(1),
                    d.col.max(1),
                    d.code,
                    gh_escape(&d.message, false)
                );
            }
            out
        }
    }
}

fn gh_escape(s: &str, property: bool) -> String {
    let s = s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    if property { s.replace(':', "%3A").replace(',', "%2C") } else { s }
}

fn text(
    diags: &[Diagnostic],
    path: &dyn Fn(&str) -> String,
    sources: &BTreeMap<String, &str>,
    color: bool,
) -> String {
    let paint = |code: &str, s: &str| if color { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() };
    let mut out = String::new();
    let mut indexes: BTreeMap<&str, LineIndex> = BTreeMap::new();
    for d in diags {
        let (sev, col) = match d.severity {
            Severity::Error => ("error", "1;31"),
            Severity::Warning => ("warning", "1;33"),
        };
        let _ = writeln!(out, "{}: {}", paint(col, &format!("{sev}[{}]", d.code)), paint("1", &d.message));
        if d.line == 0 {
            let _ = writeln!(out, "  {} {}", paint("1;34", "-->"), path(&d.file));
        } else {
            let _ = writeln!(out, "  {} {}:{}:{}", paint("1;34", "-->"), path(&d.file), d.line, d.col);
            if let Some(src) = sources.get(&d.file) {
                let idx = indexes.entry(d.file.as_str()).or_insert_with(|| LineIndex::new(src));
                if let Some(line) = idx.line_text(src, d.line) {
                    let n = d.line.to_string();
                    let pad = " ".repeat(n.len());
                    let shown: String = line.chars().map(|c| if c == '\t' { ' ' } else { c }).collect();
                    let caret_pad = " ".repeat(d.col.saturating_sub(1) as usize);
                    let avail = shown.chars().count().saturating_sub(d.col.saturating_sub(1) as usize).max(1);
                    let carets = "^".repeat((d.len as usize).clamp(1, avail));
                    let bar = paint("1;34", "|");
                    let _ = writeln!(out, "{pad} {bar}");
                    let _ = writeln!(out, "{} {bar} {shown}", paint("1;34", &n));
                    let _ = writeln!(out, "{pad} {bar} {caret_pad}{}", paint(col, &carets));
                }
            }
        }
        let _ = writeln!(out, "  = help: run `skillwright explain {}` for details\n", d.code);
    }
    out
}

fn sarif(diags: &[Diagnostic], path: &dyn Fn(&str) -> String) -> String {
    let rules: Vec<_> = skillwright_model::rules::RULES
        .iter()
        .map(|r| {
            serde_json::json!({
                "id": r.code, "name": r.name,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.explain },
                "defaultConfiguration": { "level": r.severity.as_str() },
            })
        })
        .collect();
    let results: Vec<_> = diags
        .iter()
        .map(|d| {
            let mut region = serde_json::json!({});
            if d.line > 0 {
                region = serde_json::json!({ "startLine": d.line, "startColumn": d.col, "endColumn": d.col + d.len });
            }
            serde_json::json!({
                "ruleId": d.code,
                "level": d.severity.as_str(),
                "message": { "text": d.message },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": path(&d.file) },
                    "region": region,
                }}],
            })
        })
        .collect();
    let doc = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "skillwright", "informationUri": "https://github.com/skillwright/skillwright", "rules": rules } },
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
