//! Parsing one SKILL.md into a [`Skill`]: never panics, never stops at the first problem.
//!
//! The text is normalised first (no BOM, LF line endings: what every rendered copy carries), and
//! every form some readers would not take is noted in [`Skill::forms`] for `validate` to judge
//! against the hosts being built.

use crate::fields;
use crate::frontmatter::{self, Found, SplitError};
use crate::yaml::{self, Ctx};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde_yaml::Value;
use skillwright_model::diag::Diagnostic;
use skillwright_model::forms::Form;
use skillwright_model::skill::{Heading, Link, Skill, Spot};
use skillwright_model::source::{Cursor, LineIndex, strip_bom};
use std::collections::BTreeMap;

/// Largest frontmatter accepted, in bytes.
pub const MAX_FRONTMATTER: usize = 64 * 1024;

/// Parses the SKILL.md of skill directory `dir` from its bytes. `file` is the path used in
/// diagnostics. Returns the skill when the frontmatter could be read at all, plus every problem.
pub fn parse_skill(dir: &str, file: &str, bytes: &[u8]) -> (Option<Skill>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            let (valid, _) = frontmatter::normalise(valid);
            let valid = strip_bom(&valid);
            let (line, col) = LineIndex::new(valid).position(valid, valid.len());
            diags.push(
                Diagnostic::new("SW004", file, format!("invalid UTF-8 at byte {}", e.valid_up_to()))
                    .at(line, col, 1),
            );
            return (None, diags);
        }
    };
    let (text, mut found) = frontmatter::normalise(text);
    let text: &str = &text;
    let index = LineIndex::new(text);
    if let Some(nul) = text.find('\0') {
        let (line, col) = index.position(text, nul);
        diags.push(Diagnostic::new("SW005", file, "NUL byte in SKILL.md").at(line, col, 1));
        return (None, diags);
    }
    let split = match frontmatter::split(text) {
        Ok(s) => s,
        Err(SplitError::NoFrontmatter(off)) => {
            let (line, col) = index.position(text, off);
            diags.push(
                Diagnostic::new("SW007", file, "SKILL.md must start with a `---` frontmatter line")
                    .at(line, col, 3)
                    .with_help(
                        "start the file with `---`, then `name:` and `description:`, then a `---` line",
                    ),
            );
            return (None, diags);
        }
        Err(SplitError::Unclosed(off)) => {
            let (line, col) = index.position(text, off);
            diags.push(
                Diagnostic::new("SW008", file, "frontmatter opened here is never closed by a `---` line")
                    .at(line, col, 3),
            );
            return (None, diags);
        }
    };
    found.extend(split.forms.iter().cloned());
    let yaml = &text[split.yaml.clone()];
    let yaml_line0 = index.position(text, split.yaml.start).0;
    let ctx = Ctx::new(file, yaml, yaml_line0);

    let mut raw = Vec::new();
    let mut fields = fields::Fields::default();
    let mut parsed = false;
    if yaml.len() > MAX_FRONTMATTER {
        diags.push(
            Diagnostic::new(
                "SW011",
                file,
                format!("frontmatter is {} bytes; the limit is 64 KiB", yaml.len()),
            )
            .at(yaml_line0, 1, 1),
        );
    } else if let Some(off) = yaml::too_deep(yaml) {
        let (line, col) = index.position(text, split.yaml.start + off);
        diags.push(
            Diagnostic::new(
                "SW009",
                file,
                format!("invalid YAML: flow collections nested more than {} deep", yaml::MAX_FLOW_DEPTH),
            )
            .at(line, col, 1),
        );
    } else {
        match yaml::parse(yaml) {
            Ok(Value::Mapping(map)) => {
                for (k, v) in map {
                    let key = match k {
                        Value::String(s) => s,
                        other => yaml::scalar_text(&other),
                    };
                    raw.push((key, v));
                }
                fields::forbidden_characters(&ctx, &raw, &mut diags);
                fields = fields::typed(&ctx, &mut raw, &mut diags);
                parsed = true;
                for r in frontmatter::flow_collections(yaml) {
                    let at = split.yaml.start + r.start..split.yaml.start + r.end;
                    found.push(Found { form: Form::FlowCollections, at });
                }
            }
            Ok(Value::Null) => parsed = true,
            Ok(_) => diags.push(
                Diagnostic::new("SW010", file, "frontmatter is not a `key: value` mapping")
                    .at(yaml_line0, 1, 1),
            ),
            Err(e) => diags.push(yaml::error(&ctx, &e)),
        }
    }

    let forms = found
        .into_iter()
        .map(|f| {
            let (line, col) = index.position(text, f.at.start);
            let shown = &text[f.at.clone()];
            let len = shown.lines().next().map_or(1, |l| l.chars().count().max(1)) as u32;
            Spot { what: f.form, key: String::new(), text: shown.to_string(), line, col, len }
        })
        .collect();
    let body = &text[split.body..];
    let body_line = index.position(text, split.body).0;
    let (headings, links) = scan_body(text, split.body, &index);
    let skill = Skill {
        dir: dir.to_string(),
        prefix: String::new(),
        meta: fields.meta,
        parsed,
        raw,
        body: body.to_string(),
        body_line,
        headings,
        links,
        files: BTreeMap::new(),
        fields: fields.spots,
        dirs: Default::default(),
        source: text.to_string(),
        forms,
        implicit: fields.implicit,
    };
    (Some(skill), diags)
}

/// Collects headings and link destinations with their positions in the whole file.
fn scan_body(text: &str, body_start: usize, index: &LineIndex) -> (Vec<Heading>, Vec<Link>) {
    let body = &text[body_start..];
    let mut headings = Vec::new();
    let mut links = Vec::new();
    let mut current: Option<(u8, String, u32)> = None;
    let mut cur = Cursor::default();
    for (event, range) in Parser::new(body).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let line = index.advance(text, &mut cur, body_start + range.start).0;
                current = Some((level as u8, String::new(), line));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, text, line)) = current.take() {
                    headings.push(Heading { level, text: text.trim().to_string(), line });
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, s, _)) = current.as_mut() {
                    s.push_str(&t);
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. }) => {
                let (line, col) = index.advance(text, &mut cur, body_start + range.start);
                let src = &body[range.clone()];
                let len = src.lines().next().unwrap_or("").chars().count() as u32;
                links.push(Link { dest: dest_url.to_string(), line, col, len });
            }
            _ => {}
        }
    }
    (headings, links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_account_for_bom_and_frontmatter_offset() {
        let src = "\u{feff}\n---\nname: Bad_Name\ndescription: yes\nversion: 1.0\n---\n# T\n";
        let (skill, diags) = parse_skill("x", "x/SKILL.md", src.as_bytes());
        let skill = skill.unwrap();
        assert_eq!(skill.meta.name.as_deref(), Some("Bad_Name"));
        let codes: Vec<_> = diags.iter().map(|d| (d.code, d.line, d.col)).collect();
        assert_eq!(codes, vec![("SW109", 5, 10), ("SW112", 5, 10)]);
        let implicit: Vec<_> = skill.implicit.iter().map(|s| (s.key.as_str(), s.line, s.col)).collect();
        assert_eq!(implicit, [("description", 4, 14)]);
        let forms: Vec<_> = skill.forms.iter().map(|s| (s.what, s.line)).collect();
        assert_eq!(forms, [(Form::Bom, 1), (Form::LeadingBlankLines, 1)]);
        assert_eq!(skill.headings[0].line, 7);
    }

    #[test]
    fn lone_cr_files_are_read_and_their_lines_counted() {
        let src = "---\rname: cr\rdescription: d\r---\r# T\r";
        let (skill, diags) = parse_skill("cr", "cr/SKILL.md", src.as_bytes());
        let skill = skill.unwrap();
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(skill.body, "# T\n");
        assert_eq!(skill.headings[0].line, 5);
    }

    #[test]
    fn escaped_controls_are_caught_like_raw_ones() {
        let src = "---\nname: x\ndescription: \"a\\e[31mb\\0c\"\nmetadata:\n  k: \"\\u202E\"\n---\n# T\n";
        let (_, diags) = parse_skill("x", "x/SKILL.md", src.as_bytes());
        let got: Vec<_> = diags.iter().map(|d| (d.code, d.line, d.message.as_str())).collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].2.contains("U+001B (ESC), written as a YAML escape sequence and 1 more"), "{got:?}");
        assert_eq!((got[1].0, got[1].1), ("SW017", 5));
    }
}
