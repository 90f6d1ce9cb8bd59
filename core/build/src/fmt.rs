//! `skillwright fmt`: rewrites a SKILL.md into the form every reader takes, changing only what
//! must change and keeping every other line (comments included) as written:
//!
//! - UTF-8 without BOM, LF line endings;
//! - `---` as the first line and as the closing line (blank lines before it, `...`, and spaces
//!   after either fence go);
//! - skillwright's own top-level keys (`version`, `requires`, `metrics`) moved under `metadata`
//!   in the standard form, which the Agent Skills reference validator accepts;
//! - `allowed-tools` as one space-separated string;
//! - a flow-style `metadata` written in block style.
//!
//! The result is parsed again and must give the same fields as the original, or nothing is
//! rewritten.

use crate::fields::{plain_or_quoted, standard_form};
use crate::frontmatter;
use crate::parse::parse_skill;
use crate::yaml::top_key;
use serde_yaml::Value;
use skillwright_model::skill::{Frontmatter, SKILLWRIGHT_KEYS, SKILLWRIGHT_METADATA_KEYS};

/// Why a file was left as it is.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The file has problems `fmt` does not fix (no frontmatter, invalid YAML, …).
    #[error("not rewritten: {0}; fix it first (`skillwright validate` says where)")]
    Unreadable(String),
    /// The rewrite would change what the fields say (a bug, or a form `fmt` cannot keep).
    #[error("not rewritten: the rewritten frontmatter would read differently")]
    Changed,
}

/// The formatted text of a SKILL.md, or `None` when it is already in form.
pub fn format(bytes: &[u8]) -> Result<Option<String>, Error> {
    let original = std::str::from_utf8(bytes).map_err(|_| Error::Unreadable("not UTF-8".into()))?;
    let (before, diags) = parse_skill("fmt", "SKILL.md", bytes);
    let before = match before {
        Some(s) if s.parsed => s,
        _ => {
            let why = diags.first().map_or("no frontmatter".to_string(), |d| d.message.clone());
            return Err(Error::Unreadable(why));
        }
    };
    let (text, _) = frontmatter::normalise(original);
    let split = frontmatter::split(&text).map_err(|_| Error::Unreadable("no frontmatter".into()))?;
    let yaml = rewrite_yaml(&text[split.yaml.clone()], &before.raw);
    let mut out = format!("---\n{yaml}---\n");
    out.push_str(&text[split.body..]);
    if out == original {
        return Ok(None);
    }
    let (after, _) = parse_skill("fmt", "SKILL.md", out.as_bytes());
    match after {
        Some(a) if a.parsed && fields(&a.meta) == fields(&before.meta) && a.body == before.body => {
            Ok(Some(out))
        }
        _ => Err(Error::Changed),
    }
}

/// The fields as skillwright reads them, without the `metadata` entries that carry its own keys
/// (which the migration adds).
fn fields(m: &Frontmatter) -> Frontmatter {
    let mut m = m.clone();
    m.metadata.retain(|k, _| !SKILLWRIGHT_METADATA_KEYS.contains(&k.as_str()));
    m
}

/// The top-level entries of `yaml` as line ranges: (key, first line, end line exclusive).
fn blocks(lines: &[&str]) -> Vec<(String, usize, usize)> {
    let mut out: Vec<(String, usize, usize)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(k) = top_key(line) {
            out.push((k.to_string(), i, i + 1));
        } else if let Some(last) = out.last_mut() {
            // Indented lines, `- ` items and blank lines continue the entry; a comment at the
            // left margin belongs to what follows.
            let continues = line.starts_with([' ', '\t', '-']) || line.trim().is_empty();
            if continues && last.2 == i {
                last.2 = i + 1;
            }
        }
    }
    // Trailing blank lines stay where they are.
    for b in &mut out {
        while b.2 > b.1 + 1 && lines[b.2 - 1].trim().is_empty() {
            b.2 -= 1;
        }
    }
    out
}

fn rewrite_yaml(yaml: &str, raw: &[(String, Value)]) -> String {
    let lines: Vec<&str> = yaml.lines().collect();
    let blocks = blocks(&lines);
    let value = |k: &str| raw.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    let meta = value("metadata").and_then(Value::as_mapping);
    let has_meta = |k: &str| meta.is_some_and(|m| m.contains_key(k));
    // skillwright entries to add under metadata.
    let mut add: Vec<(String, String)> = Vec::new();
    for key in SKILLWRIGHT_KEYS {
        if let Some(v) = value(key) {
            for (k, v) in standard_form(key, v) {
                if !has_meta(&k) && !add.iter().any(|(a, _)| *a == k) {
                    add.push((k, v));
                }
            }
        }
    }
    add.sort_by_key(|(k, _)| SKILLWRIGHT_METADATA_KEYS.iter().position(|x| x == k));
    let meta_block = blocks.iter().find(|b| b.0 == "metadata");
    let meta_is_block = meta_block.is_some_and(|b| b.2 > b.1 + 1 && lines[b.1].trim_end().ends_with(':'));
    let own = |k: &str| SKILLWRIGHT_KEYS.contains(&k);
    let mut out = String::new();
    let mut placed = false;
    let mut i = 0;
    while i < lines.len() {
        let Some(b) = blocks.iter().find(|b| b.1 == i) else {
            out.push_str(lines[i]);
            out.push('\n');
            i += 1;
            continue;
        };
        let entry = &lines[b.1..b.2];
        if b.0 == "metadata" && meta_is_block {
            for l in entry {
                out.push_str(l);
                out.push('\n');
            }
            let indent = entry[1..]
                .iter()
                .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .map_or("  ".to_string(), |l| l[..l.len() - l.trim_start().len()].to_string());
            for (k, v) in &add {
                out.push_str(&format!("{indent}{k}: {}\n", plain_or_quoted(v)));
            }
            placed = true;
        } else if b.0 == "metadata" || (own(&b.0) && !placed && meta_block.is_none()) {
            // A flow-style or empty metadata, or none yet: write the whole block.
            let mut entries: Vec<(String, String)> = meta
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
                .collect();
            entries.extend(add.iter().cloned());
            if !entries.is_empty() && !placed {
                out.push_str("metadata:\n");
                for (k, v) in &entries {
                    out.push_str(&format!("  {k}: {}\n", plain_or_quoted(v)));
                }
            }
            placed = true;
        } else if own(&b.0) {
            // Moved under metadata.
        } else if b.0 == "allowed-tools"
            && let Some(Value::String(tools)) = value("allowed-tools")
        {
            out.push_str(&format!("allowed-tools: {}\n", plain_or_quoted(tools)));
        } else {
            for l in entry {
                out.push_str(l);
                out.push('\n');
            }
        }
        i = b.2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        format(s.as_bytes()).unwrap().unwrap_or_else(|| s.to_string())
    }

    #[test]
    fn moves_own_keys_under_existing_metadata_keeping_comments() {
        let src = "---\nname: a\n# why\ndescription: Use when x.\nversion: 1.0.0\nmetadata:\n    team: core # owner\nrequires:\n  tools: [git, gh]\n  runtime: false\nmetrics:\n  tracks:\n  - outcome\n---\n# A\n";
        assert_eq!(
            fmt(src),
            "---\nname: a\n# why\ndescription: Use when x.\nmetadata:\n    team: core # owner\n    version: 1.0.0\n    requires-tools: git gh\n    requires-runtime: \"false\"\n    metrics-tracks: outcome\n---\n# A\n"
        );
    }

    #[test]
    fn creates_metadata_and_fixes_fences_and_line_endings() {
        let src = "\u{feff}\r\n--- \r\nname: a\r\ndescription: d\r\nversion: 2.0.0\r\nallowed-tools: [Read, Grep]\r\n...\r\nbody\r\n";
        assert_eq!(
            fmt(src),
            "---\nname: a\ndescription: d\nmetadata:\n  version: 2.0.0\nallowed-tools: Read Grep\n---\nbody\n"
        );
    }

    #[test]
    fn flow_metadata_becomes_block_and_formatted_text_is_stable() {
        let src = "---\nname: a\ndescription: d\nmetadata: { team: x, v: \"1\" }\nversion: 1.0.0\n---\n";
        let once = fmt(src);
        assert_eq!(
            once,
            "---\nname: a\ndescription: d\nmetadata:\n  team: x\n  v: \"1\"\n  version: 1.0.0\n---\n"
        );
        assert_eq!(format(once.as_bytes()), Ok(None));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(matches!(format(b"no frontmatter"), Err(Error::Unreadable(_))));
        assert!(matches!(format(b"---\nname: [\n---\n"), Err(Error::Unreadable(_))));
    }
}
