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
    let links = if may_link(body) { links(text, split.body, &index) } else { Vec::new() };
    let skill = Skill {
        dir: dir.to_string(),
        prefix: String::new(),
        meta: fields.meta,
        parsed,
        raw,
        body: body.to_string(),
        body_line,
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

/// Whether `body` can hold a link or an image at all. CommonMark writes an inline one as `](`
/// (the parenthesis right after the bracket), a reference one needs a definition `[label]:` (the
/// colon right after the bracket), an autolink starts with `<`: without any of these the Markdown
/// parser would find none, and is not run.
fn may_link(body: &str) -> bool {
    let b = body.as_bytes();
    body.contains('<') || body.match_indices(']').any(|(i, _)| matches!(b.get(i + 1), Some(b'(' | b':')))
}

/// The link and image destinations of the body (from `body_start` in `text`), with their
/// positions in the whole file.
fn links(text: &str, body_start: usize, index: &LineIndex) -> Vec<Link> {
    let body = &text[body_start..];
    let mut links = Vec::new();
    let mut cur = Cursor::default();
    for (event, range) in Parser::new(body).into_offset_iter() {
        if let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) = event {
            let (line, col) = index.advance(text, &mut cur, body_start + range.start);
            let src = &body[range.clone()];
            let len = src.lines().next().unwrap_or("").chars().count() as u32;
            links.push(Link { dest: dest_url.to_string(), line, col, len });
        }
    }
    links
}

/// The headings of `skill`'s body, in order, with their lines in SKILL.md. Parsed on demand: only
/// the quality lint reads them.
pub fn headings(skill: &Skill) -> Vec<Heading> {
    let body = skill.body.as_str();
    let index = LineIndex::new(body);
    let mut cur = Cursor::default();
    let mut headings = Vec::new();
    let mut current: Option<(u8, String, u32)> = None;
    for (event, range) in Parser::new(body).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let line = index.advance(body, &mut cur, range.start).0 + skill.body_line - 1;
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
            _ => {}
        }
    }
    headings
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
        assert_eq!(headings(&skill)[0].line, 7);
    }

    #[test]
    fn lone_cr_files_are_read_and_their_lines_counted() {
        let src = "---\rname: cr\rdescription: d\r---\r# T\r";
        let (skill, diags) = parse_skill("cr", "cr/SKILL.md", src.as_bytes());
        let skill = skill.unwrap();
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(skill.body, "# T\n");
        assert_eq!(headings(&skill)[0].line, 5);
    }

    #[test]
    fn bodies_the_link_scan_skips_have_no_links() {
        let with = |body: &str| {
            let text = format!("---\nname: x\n---\n{body}");
            links(&text, text.len() - body.len(), &LineIndex::new(&text))
        };
        for body in ["[a](b)", "![i](p.png)", "[r]\n\n[r]: /u", "<https://x.y>", "[]()"] {
            assert!(may_link(body), "{body:?}");
        }
        assert_eq!(with("see [a](b) and <https://x.y>").len(), 2);
        assert!(!may_link("- [ ] done\n[a]\n(b) x]y"));
        // Random bodies from the pieces links are made of: none the scan skips has a link.
        const PIECES: &[&str] = &[
            "[", "]", "(", ")", ":", "!", "a", " ", "\n", "\n\n", "\\", "`", "*", "/u", "http://x", "<", ">",
            "- [ ] ", "[x]", "    ", "#", "&#40;", "&#93;", "\"t\"",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut skipped = 0;
        for _ in 0..20_000 {
            let mut body = String::new();
            for _ in 0..(seed % 12) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                body.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
            }
            if !may_link(&body) {
                skipped += 1;
                assert!(with(&body).is_empty(), "{body:?}");
            }
        }
        assert!(skipped > 1_000, "{skipped} bodies skipped");
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
