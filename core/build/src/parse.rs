//! Parsing one SKILL.md into a [`Skill`]: never panics, never stops at the first problem.

use crate::frontmatter::{self, SplitError};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde_yaml::Value;
use skillwright_model::diag::Diagnostic;
use skillwright_model::skill::{Frontmatter, Heading, Link, Skill};
use skillwright_model::source::{LineIndex, strip_bom};
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
            let valid = strip_bom(valid);
            let (line, col) = LineIndex::new(valid).position(valid, valid.len());
            diags.push(
                Diagnostic::new("SW004", file, format!("invalid UTF-8 at byte {}", e.valid_up_to()))
                    .at(line, col, 1),
            );
            return (None, diags);
        }
    };
    let text = strip_bom(text);
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
                    .at(line, col, 3),
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
    let yaml = &text[split.yaml.clone()];
    // serde_yaml counts lines from the first line of the YAML text.
    let yaml_line0 = index.position(text, split.yaml.start).0;
    let ctx = Ctx { file, yaml, yaml_line0 };

    let mut raw = Vec::new();
    let mut meta = Frontmatter::default();
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
    } else {
        match parse_yaml(yaml) {
            Ok(Value::Mapping(map)) => {
                for (k, v) in map {
                    let key = match k {
                        Value::String(s) => s,
                        other => yaml_scalar_text(&other),
                    };
                    raw.push((key, v));
                }
                meta = typed(&ctx, &raw, &mut diags);
                parsed = true;
            }
            Ok(Value::Null) => parsed = true,
            Ok(_) => diags.push(
                Diagnostic::new("SW010", file, "frontmatter is not a `key: value` mapping")
                    .at(yaml_line0, 1, 1),
            ),
            Err(e) => diags.push(yaml_error(&ctx, &e)),
        }
    }

    let body = &text[split.body..];
    let body_line = index.position(text, split.body).0;
    let (headings, links) = scan_body(text, split.body, &index);
    let skill = Skill {
        dir: dir.to_string(),
        prefix: String::new(),
        meta,
        parsed,
        raw,
        body: body.to_string(),
        body_line,
        headings,
        links,
        files: BTreeMap::new(),
        dirs: Default::default(),
        source: text.to_string(),
    };
    (Some(skill), diags)
}

fn parse_yaml(yaml: &str) -> Result<Value, serde_yaml::Error> {
    // A YAML document of only comments or whitespace is empty frontmatter, not an error.
    if yaml.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        return Ok(Value::Null);
    }
    serde_yaml::from_str(yaml)
}

struct Ctx<'a> {
    file: &'a str,
    yaml: &'a str,
    yaml_line0: u32,
}

impl Ctx<'_> {
    /// A diagnostic at the value of `path` (or its key, or the frontmatter start).
    fn at(&self, code: &'static str, path: &[&str], msg: String) -> Diagnostic {
        let d = Diagnostic::new(code, self.file, msg);
        match locate(self.yaml, path) {
            Some(p) => {
                let (col, len) = if p.value.is_empty() {
                    (p.key_col, path.last().map_or(1, |k| k.chars().count() as u32))
                } else {
                    (p.value_col, p.value.chars().count() as u32)
                };
                d.at(self.yaml_line0 + p.line - 1, col, len)
            }
            None => d.at(self.yaml_line0, 1, 1),
        }
    }
}

fn yaml_error(ctx: &Ctx, e: &serde_yaml::Error) -> Diagnostic {
    let msg = e.to_string();
    // serde_yaml reports a duplicate key at the start of the mapping: point at the repeat instead.
    if let Some(key) = msg.strip_prefix("duplicate entry with key \"").and_then(|r| r.split('"').next()) {
        let mut seen = 0;
        for (i, line) in ctx.yaml.lines().enumerate() {
            if top_key(line) == Some(key) {
                seen += 1;
                if seen == 2 {
                    return Diagnostic::new("SW009", ctx.file, format!("duplicate key `{key}`")).at(
                        ctx.yaml_line0 + i as u32,
                        1,
                        key.chars().count() as u32,
                    );
                }
            }
        }
    }
    let short = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    let d = Diagnostic::new("SW009", ctx.file, format!("invalid YAML: {short}"));
    match e.location() {
        // libyaml counts a lone `\r` as a line break and its index in characters; map the index
        // through our own line index so the position agrees with every other diagnostic.
        Some(loc) => {
            let byte = ctx.yaml.char_indices().nth(loc.index()).map_or(ctx.yaml.len(), |(b, _)| b);
            let (line, col) = LineIndex::new(ctx.yaml).position(ctx.yaml, byte);
            d.at(ctx.yaml_line0 + line - 1, col, 1)
        }
        None => d.at(ctx.yaml_line0, 1, 1),
    }
}

/// Where a key sits in the YAML text: 1-based line within the YAML, columns, raw value text.
struct KeyPos<'a> {
    line: u32,
    key_col: u32,
    value_col: u32,
    value: &'a str,
}

fn top_key(line: &str) -> Option<&str> {
    if line.starts_with([' ', '\t', '#', '-']) {
        return None;
    }
    key_of(line)
}

fn key_of(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let (k, _) = t.split_once(':')?;
    let k = k.trim_end();
    Some(k.trim_matches(|c| c == '"' || c == '\''))
}

/// Finds `path` (top-level key, then nested keys in block style) in the YAML text.
fn locate<'a>(yaml: &'a str, path: &[&str]) -> Option<KeyPos<'a>> {
    let lines: Vec<&str> = yaml.lines().collect();
    let mut from = 0;
    let mut min_indent = 0;
    let mut found = None;
    for (depth, key) in path.iter().enumerate() {
        let mut hit = None;
        for (i, line) in lines.iter().enumerate().skip(from) {
            let indent = line.len() - line.trim_start().len();
            if i > from && depth > 0 && indent < min_indent && !line.trim().is_empty() {
                break;
            }
            if (depth == 0 && indent == 0 || depth > 0 && indent >= min_indent)
                && !line.trim_start().starts_with('#')
                && key_of(line) == Some(key)
            {
                hit = Some((i, indent));
                break;
            }
        }
        let (i, indent) = hit?;
        let line = lines[i];
        let colon = line.find(':')?;
        let after = &line[colon + 1..];
        let value = strip_comment(after.trim());
        let value_off = colon + 1 + (after.len() - after.trim_start().len());
        found = Some(KeyPos {
            line: i as u32 + 1,
            key_col: line[..indent].chars().count() as u32 + 1,
            value_col: line[..value_off.min(line.len())].chars().count() as u32 + 1,
            value,
        });
        from = i + 1;
        min_indent = indent + 1;
    }
    found
}

fn strip_comment(v: &str) -> &str {
    if v.starts_with(['"', '\'']) {
        return v;
    }
    match v.find(" #") {
        Some(i) => v[..i].trim_end(),
        None => v,
    }
}

fn yaml_scalar_text(v: &Value) -> String {
    serde_yaml::to_string(v).map(|s| s.trim_end().to_string()).unwrap_or_default()
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a map",
        Value::Tagged(_) => "a tagged value",
    }
}

const YAML11_BOOLS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false"];

/// Reads a string field, reporting wrong types and YAML 1.1 booleans.
fn string_field(ctx: &Ctx, path: &[&str], v: &Value, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let key = path.join(".");
    match v {
        Value::String(s) => {
            if let Some(p) = locate(ctx.yaml, path)
                && !p.value.starts_with(['"', '\'', '|', '>'])
                && YAML11_BOOLS.contains(&p.value.to_ascii_lowercase().as_str())
            {
                diags.push(ctx.at(
                    "SW110",
                    path,
                    format!(
                        "`{key}: {}` is a boolean to YAML 1.1 readers; quote it: `{key}: \"{s}\"`",
                        p.value
                    ),
                ));
            }
            Some(s.clone())
        }
        Value::Number(n) => {
            let fix = match (key.as_str(), n.to_string().matches('.').count()) {
                ("version", 0) => format!("{n}.0.0"),
                ("version", 1) => format!("{n}.0"),
                _ => n.to_string(),
            };
            diags.push(ctx.at(
                "SW109",
                path,
                format!(
                    "`{key}` must be a string but YAML reads the number {n}; quote it: `{key}: \"{fix}\"`"
                ),
            ));
            None
        }
        Value::Bool(b) => {
            diags.push(ctx.at(
                "SW110",
                path,
                format!("`{key}` must be a string but YAML reads the boolean {b}; quote it"),
            ));
            None
        }
        other => {
            diags.push(ctx.at("SW109", path, format!("`{key}` must be a string, not {}", type_name(other))));
            None
        }
    }
}

fn string_list(
    ctx: &Ctx,
    path: &[&str],
    v: &Value,
    code: &'static str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let key = path.join(".");
    match v {
        Value::Sequence(items) => {
            let mut out = Vec::new();
            for item in items {
                match item {
                    Value::String(s) => out.push(s.clone()),
                    other => diags.push(ctx.at(
                        code,
                        path,
                        format!("`{key}` must list strings; found {}", type_name(other)),
                    )),
                }
            }
            out
        }
        Value::Null => Vec::new(),
        other => {
            diags.push(ctx.at(
                code,
                path,
                format!("`{key}` must be a list of strings, not {}", type_name(other)),
            ));
            Vec::new()
        }
    }
}

/// Extracts the typed fields, reporting shape problems.
fn typed(ctx: &Ctx, raw: &[(String, Value)], diags: &mut Vec<Diagnostic>) -> Frontmatter {
    let mut m = Frontmatter::default();
    for (key, v) in raw {
        let k = key.as_str();
        match k {
            "name" => m.name = string_field(ctx, &[k], v, diags),
            "description" => m.description = string_field(ctx, &[k], v, diags),
            "license" => m.license = string_field(ctx, &[k], v, diags),
            "compatibility" => m.compatibility = string_field(ctx, &[k], v, diags),
            "version" => m.version = string_field(ctx, &[k], v, diags),
            "allowed-tools" => match v {
                Value::String(s) => m.allowed_tools = Some(s.clone()),
                other => diags.push(ctx.at(
                    "SW108",
                    &[k],
                    format!("`allowed-tools` must be one space-separated string, not {}", type_name(other)),
                )),
            },
            "metadata" => match v {
                Value::Mapping(map) => {
                    for (mk, mv) in map {
                        match (mk, mv) {
                            (Value::String(a), Value::String(b)) => {
                                m.metadata.insert(a.clone(), b.clone());
                            }
                            (Value::String(a), other) => diags.push(ctx.at(
                                "SW107",
                                &["metadata", a],
                                format!("`metadata.{a}` must be a string, not {}", type_name(other)),
                            )),
                            (other, _) => diags.push(ctx.at(
                                "SW107",
                                &["metadata"],
                                format!("`metadata` keys must be strings; found {}", type_name(other)),
                            )),
                        }
                    }
                }
                Value::Null => {}
                other => diags.push(ctx.at(
                    "SW107",
                    &[k],
                    format!("`metadata` must be a map of strings, not {}", type_name(other)),
                )),
            },
            "requires" => match v {
                Value::Mapping(map) => {
                    for (sk, sv) in map {
                        match sk.as_str() {
                            Some("tools") => {
                                m.requires_tools = string_list(ctx, &[k, "tools"], sv, "SW121", diags)
                            }
                            Some("runtime") => match sv {
                                Value::Bool(b) => m.requires_runtime = *b,
                                other => diags.push(ctx.at(
                                    "SW121",
                                    &[k, "runtime"],
                                    format!(
                                        "`requires.runtime` must be true or false, not {}",
                                        type_name(other)
                                    ),
                                )),
                            },
                            _ => diags.push(ctx.at(
                                "SW121",
                                &[k],
                                format!(
                                    "unknown key `{}` under `requires` (expected tools, runtime)",
                                    yaml_scalar_text(sk)
                                ),
                            )),
                        }
                    }
                }
                other => diags.push(ctx.at(
                    "SW121",
                    &[k],
                    format!("`requires` must be a map with tools and runtime, not {}", type_name(other)),
                )),
            },
            "metrics" => match v {
                Value::Mapping(map) => {
                    for (sk, sv) in map {
                        match sk.as_str() {
                            Some("tracks") => {
                                m.metrics_tracks = string_list(ctx, &[k, "tracks"], sv, "SW122", diags)
                            }
                            Some("improves") => {
                                m.metrics_improves = string_list(ctx, &[k, "improves"], sv, "SW122", diags)
                            }
                            _ => diags.push(ctx.at(
                                "SW122",
                                &[k],
                                format!(
                                    "unknown key `{}` under `metrics` (expected tracks, improves)",
                                    yaml_scalar_text(sk)
                                ),
                            )),
                        }
                    }
                }
                other => diags.push(ctx.at(
                    "SW122",
                    &[k],
                    format!("`metrics` must be a map with tracks and improves, not {}", type_name(other)),
                )),
            },
            // Keys hosts read are judged by `validate`, against the targets being built.
            _ => {}
        }
    }
    m
}

/// Collects headings and link destinations with their positions in the whole file.
fn scan_body(text: &str, body_start: usize, index: &LineIndex) -> (Vec<Heading>, Vec<Link>) {
    let body = &text[body_start..];
    let mut headings = Vec::new();
    let mut links = Vec::new();
    let mut current: Option<(u8, String, u32)> = None;
    for (event, range) in Parser::new(body).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                let line = index.position(text, body_start + range.start).0;
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
                let (line, col) = index.position(text, body_start + range.start);
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
        assert_eq!(codes, vec![("SW110", 4, 14), ("SW109", 5, 10)]);
        assert_eq!(skill.headings[0].line, 7);
    }

    #[test]
    fn nested_keys_are_located() {
        let y = "requires:\n  runtime: maybe\n  tools: [git]\nmetadata:\n  a: 1\n";
        let p = locate(y, &["requires", "tools"]).unwrap();
        assert_eq!((p.line, p.value_col, p.value), (3, 10, "[git]"));
        let p = locate(y, &["metadata", "a"]).unwrap();
        assert_eq!((p.line, p.value), (5, "1"));
    }
}
