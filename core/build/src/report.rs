//! Rendering diagnostics for people (rustc-style snippets) and machines (JSON, SARIF, GitHub).
//!
//! User text (messages quote names, values and paths; snippets quote source lines) never reaches
//! a terminal raw: control characters, escape sequences and bidi overrides are written as visible
//! escapes, and a newline cannot start a line of its own. Output stays linear in the input: a
//! snippet shows at most [`SNIPPET_WIDTH`] columns of its line, and the text format shows at most
//! [`MAX_PER_FILE`] diagnostics per file, then how many more there are.

use skillwright_model::diag::{Diagnostic, Severity, counts};
use skillwright_model::source::LineIndex;
use skillwright_model::text::{escape, is_unsafe, push_escaped};
use std::collections::BTreeMap;
use std::fmt::Write;
use unicode_width::UnicodeWidthChar;

/// Widest snippet shown, in terminal columns (the line is cut around the highlighted span).
pub const SNIPPET_WIDTH: usize = 120;
/// Most diagnostics shown per file in the text format.
pub const MAX_PER_FILE: usize = 25;

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
        let p = if root.is_empty() || root == "." {
            f.to_string()
        } else {
            format!("{}/{f}", root.trim_end_matches('/'))
        };
        escape(&p).into_owned()
    };
    match format {
        Format::Text => text(diags, &path, sources, color),
        Format::Json => {
            let items: Vec<_> = diags
                .iter()
                .map(|d| {
                    let mut item = serde_json::json!({
                        "code": d.code, "severity": d.severity, "message": escape(&d.message),
                        "file": path(&d.file), "line": d.line, "col": d.col,
                        "rule": skillwright_model::rules::find(d.code).map(|r| r.name),
                    });
                    if let Some(h) = &d.help {
                        item["help"] = escape_lines(h).into();
                    }
                    item
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
                let mut msg = escape(&d.message).into_owned();
                if let Some(h) = &d.help {
                    msg.push_str("\nhelp: ");
                    msg.push_str(&escape_lines(h));
                }
                let _ = writeln!(
                    out,
                    "::{level} file={},line={},col={},title={}::{}",
                    gh_escape(&path(&d.file), true),
                    d.line.max(1),
                    d.col.max(1),
                    d.code,
                    gh_escape(&msg, false)
                );
            }
            out
        }
    }
}

/// `s` escaped line by line: its own line breaks kept, nothing else that could act on a terminal.
fn escape_lines(s: &str) -> String {
    s.lines().map(|l| escape(l).into_owned()).collect::<Vec<_>>().join("\n")
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
    let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
    let mut hidden: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for d in diags {
        let n = shown.entry(d.file.as_str()).or_default();
        if *n >= MAX_PER_FILE {
            let h = hidden.entry(d.file.as_str()).or_default();
            if d.severity == Severity::Error {
                h.0 += 1
            } else {
                h.1 += 1
            }
            continue;
        }
        *n += 1;
        let (sev, col) = match d.severity {
            Severity::Error => ("error", "1;31"),
            Severity::Warning => ("warning", "1;33"),
        };
        let _ = writeln!(
            out,
            "{}: {}",
            paint(col, &format!("{sev}[{}]", d.code)),
            paint("1", &escape(&d.message))
        );
        if d.line == 0 {
            let _ = writeln!(out, "  {} {}", paint("1;34", "-->"), path(&d.file));
        } else {
            let _ = writeln!(out, "  {} {}:{}:{}", paint("1;34", "-->"), path(&d.file), d.line, d.col);
            if let Some(src) = sources.get(&d.file) {
                let idx = indexes.entry(d.file.as_str()).or_insert_with(|| LineIndex::new(src));
                if let Some(line) = idx.line_text(src, d.line) {
                    let (shown, pad, carets) = snippet(line, d.col, d.len);
                    let n = d.line.to_string();
                    let gutter = " ".repeat(n.len());
                    let bar = paint("1;34", "|");
                    let _ = writeln!(out, "{gutter} {bar}");
                    let _ = writeln!(out, "{} {bar} {shown}", paint("1;34", &n));
                    let _ = writeln!(
                        out,
                        "{gutter} {bar} {}{}",
                        " ".repeat(pad),
                        paint(col, &"^".repeat(carets))
                    );
                }
            }
        }
        if let Some(h) = &d.help {
            // A help may hold an example of several lines; each is escaped on its own.
            for (i, line) in h.lines().enumerate() {
                let lead = if i == 0 { "  = help: " } else { "          " };
                let _ = writeln!(out, "{lead}{}", escape(line));
            }
        }
        let _ = writeln!(out, "  = help: run `skillwright explain {}` for details\n", d.code);
    }
    for (file, (e, w)) in hidden {
        let _ = writeln!(
            out,
            "… and {} more in {} ({e} error{}, {w} warning{}; `--format json` lists them all)\n",
            e + w,
            path(file),
            if e == 1 { "" } else { "s" },
            if w == 1 { "" } else { "s" },
        );
    }
    out
}

/// One source line as shown under a diagnostic, with the caret offset and count, both in
/// terminal columns: tabs show as `→`, unsafe characters as visible escapes, wide characters
/// take two columns, and a long line is cut to [`SNIPPET_WIDTH`] columns around the span.
pub fn snippet(line: &str, col: u32, len: u32) -> (String, usize, usize) {
    let start = col.saturating_sub(1) as usize;
    let end = start + (len.max(1) as usize);
    // Each character as shown, with its width.
    let cells = |c: char| -> (String, usize) {
        if c == '\t' {
            ("→".to_string(), 1)
        } else if is_unsafe(c) {
            let mut s = String::new();
            push_escaped(&mut s, c);
            let w = s.chars().count();
            (s, w)
        } else {
            (c.to_string(), c.width().unwrap_or(0))
        }
    };
    // Only the characters that can be shown are measured: the span's start minus the window.
    let mut before: std::collections::VecDeque<(String, usize)> = std::collections::VecDeque::new();
    let mut before_width = 0;
    let mut cut_left = false;
    let mut chars = line.chars();
    for c in chars.by_ref().take(start) {
        let cell = cells(c);
        before_width += cell.1;
        before.push_back(cell);
        while before_width > SNIPPET_WIDTH / 3 && before.len() > 1 {
            before_width -= before.pop_front().map_or(0, |c| c.1);
            cut_left = true;
        }
    }
    let mut shown = String::new();
    let mut pad = 0;
    if cut_left {
        shown.push('…');
        pad += 1;
    }
    for (s, w) in &before {
        shown.push_str(s);
        pad += w;
    }
    let mut carets = 0;
    let mut width = pad;
    let mut cut_right = false;
    for (i, c) in (start..).zip(chars) {
        let (s, w) = cells(c);
        if width + w > SNIPPET_WIDTH {
            cut_right = true;
            break;
        }
        shown.push_str(&s);
        width += w;
        if i < end {
            carets += w;
        }
    }
    if cut_right {
        shown.push('…');
    }
    (shown, pad, carets.max(1))
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
            let mut text = escape(&d.message).into_owned();
            if let Some(h) = &d.help {
                text.push_str("\nhelp: ");
                text.push_str(&escape_lines(h));
            }
            serde_json::json!({
                "ruleId": d.code,
                "level": d.severity.as_str(),
                "message": { "text": text },
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
            "tool": { "driver": {
                "name": "skillwright",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/skillwright/skillwright",
                "rules": rules,
            } },
            // Columns count Unicode code points, as every diagnostic does.
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carets_count_columns_not_characters() {
        // A wide CJK character and an astral emoji take two columns each; a tab shows as one.
        assert_eq!(snippet("名前: 🦀x", 5, 1), ("名前: 🦀x".to_string(), 6, 2));
        assert_eq!(snippet("\tkey: v", 2, 3), ("→key: v".to_string(), 1, 3));
        assert_eq!(snippet("a\x1b[31mb", 2, 1), ("a\\u{1b}[31mb".to_string(), 1, 6));
    }

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let line = format!("{}X{}", "a".repeat(10_000), "b".repeat(10_000));
        let (shown, pad, carets) = snippet(&line, 10_001, 1);
        assert!(shown.chars().count() <= SNIPPET_WIDTH + 2, "{}", shown.len());
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert_eq!(shown.chars().nth(pad), Some('X'));
        assert_eq!(carets, 1);
    }

    #[test]
    fn user_text_cannot_forge_lines_or_escapes() {
        let d =
            Diagnostic::new("SW102", "x/SKILL.md", "name `a\nerror: forged\x1b[2J`").with_help("b\u{202e}c");
        let out = render(Format::Text, std::slice::from_ref(&d), "", &BTreeMap::new(), false);
        assert!(!out.contains('\x1b') && !out.contains('\u{202e}'), "{out}");
        assert!(!out.lines().any(|l| l.starts_with("error: forged")), "{out}");
        let gh = render(Format::Github, &[d], "", &BTreeMap::new(), false);
        assert_eq!(gh.lines().count(), 1, "{gh}");
    }

    #[test]
    fn text_output_is_capped_per_file() {
        let diags: Vec<_> =
            (0..1000).map(|i| Diagnostic::new("SW201", "x/SKILL.md", format!("n{i}")).at(1, 1, 1)).collect();
        let out = render(Format::Text, &diags, "", &BTreeMap::new(), false);
        assert_eq!(out.matches("error[SW201]").count(), MAX_PER_FILE);
        assert!(out.contains(&format!(
            "… and {} more in x/SKILL.md ({} errors, 0 warnings",
            1000 - MAX_PER_FILE,
            1000 - MAX_PER_FILE
        )));
    }
}
