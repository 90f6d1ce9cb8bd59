//! From the frontmatter's YAML to typed fields: the Agent Skills fields, skillwright's own (under
//! `metadata`, or in the older top-level form), where each value sits, and the problems with
//! their shape — wrong types, characters no field may hold, forms only some readers take.

use crate::yaml::{Ctx, quoted, scalar_text, type_name};
use serde_yaml::Value;
use skillwright_model::diag::Diagnostic;
use skillwright_model::forms::Implicit;
use skillwright_model::skill::{Frontmatter, SKILLWRIGHT_KEYS, Spot};
use skillwright_model::text;
use std::collections::BTreeMap;

/// What the fields of one frontmatter came to.
#[derive(Default)]
pub struct Fields {
    /// The typed fields.
    pub meta: Frontmatter,
    /// Where each value sits.
    pub spots: BTreeMap<String, (u32, u32, u32)>,
    /// Plain scalars of string fields that some YAML readers type otherwise.
    pub implicit: Vec<Spot<Implicit>>,
}

/// Extracts the typed fields of `raw`, reporting shape problems; normalises `allowed-tools` in
/// `raw` to the standard string (what hosts' copies carry).
pub fn typed(ctx: &Ctx, raw: &mut [(String, Value)], diags: &mut Vec<Diagnostic>) -> Fields {
    let mut f = Fields::default();
    for (key, v) in raw.iter() {
        let path = [key.as_str()];
        f.spot(ctx, &path);
        match key.as_str() {
            "name" => f.meta.name = f.string(ctx, &path, v, diags),
            "description" => f.meta.description = f.string(ctx, &path, v, diags),
            "license" => f.meta.license = f.string(ctx, &path, v, diags),
            "compatibility" => f.meta.compatibility = f.string(ctx, &path, v, diags),
            "allowed-tools" => f.meta.allowed_tools = allowed_tools(ctx, v, diags),
            "metadata" => f.metadata(ctx, v, diags),
            "version" => {
                let v = f.string(ctx, &path, v, diags);
                f.meta.version = f.meta.version.take().or(v);
            }
            "requires" => f.requires(ctx, v, diags),
            "metrics" => f.metrics(ctx, v, diags),
            // Keys hosts read are judged by `validate`, against the targets being built.
            _ => {}
        }
    }
    own_keys_at_top_level(ctx, raw, diags);
    if let Some(tools) = &f.meta.allowed_tools
        && let Some(entry) = raw.iter_mut().find(|(k, _)| k == "allowed-tools")
    {
        entry.1 = Value::String(tools.clone());
    }
    f
}

impl Fields {
    /// Records where the value of `path` sits.
    fn spot(&mut self, ctx: &Ctx, path: &[&str]) {
        self.spots.insert(path.join("."), ctx.position(path));
    }

    /// A string field, reporting other types and noting plain scalars some readers mistype.
    fn string(&mut self, ctx: &Ctx, path: &[&str], v: &Value, diags: &mut Vec<Diagnostic>) -> Option<String> {
        let key = path.join(".");
        match v {
            Value::String(s) => {
                // The text is only looked up for values a reader could mistype.
                if let Some(kind) = Implicit::of(s)
                    && let Some(p) = ctx.locate(path)
                    && p.value == s
                {
                    let line = ctx.file_line(p.line);
                    let len = s.chars().count() as u32;
                    self.implicit.push(Spot {
                        what: kind,
                        key,
                        text: s.clone(),
                        line,
                        col: p.value_col,
                        len,
                    });
                }
                Some(s.clone())
            }
            Value::Number(n) => {
                let fix = match path.last().copied() {
                    Some("version") => version_of_number(n),
                    _ => ctx.locate(path).map_or(n.to_string(), |p| p.value.to_string()),
                };
                diags.push(ctx.at(
                    "SW109",
                    path,
                    format!(
                        "`{key}` must be a string but YAML reads the number {n}; quote it: `{}: \"{fix}\"`",
                        path[path.len() - 1]
                    ),
                ));
                None
            }
            Value::Bool(b) => {
                let written = ctx.locate(path).map_or(b.to_string(), |p| p.value.to_string());
                diags.push(ctx.at(
                    "SW109",
                    path,
                    format!(
                        "`{key}` must be a string but YAML reads the boolean {b}; quote it: `{}: \"{written}\"`",
                        path[path.len() - 1]
                    ),
                ));
                None
            }
            other => {
                diags.push(ctx.at(
                    "SW109",
                    path,
                    format!("`{key}` must be a string, not {}", type_name(other)),
                ));
                None
            }
        }
    }

    fn metadata(&mut self, ctx: &Ctx, v: &Value, diags: &mut Vec<Diagnostic>) {
        let map = match v {
            Value::Mapping(map) => map,
            Value::Null => return,
            other => {
                diags.push(ctx.at(
                    "SW107",
                    &["metadata"],
                    format!("`metadata` must be a map of strings, not {}", type_name(other)),
                ));
                return;
            }
        };
        for (mk, mv) in map {
            let Value::String(a) = mk else {
                diags.push(ctx.at(
                    "SW107",
                    &["metadata"],
                    format!("`metadata` keys must be strings; found {}", type_name(mk)),
                ));
                continue;
            };
            let path = ["metadata", a.as_str()];
            self.spot(ctx, &path);
            let Value::String(b) = mv else {
                let fix = match mv {
                    Value::Bool(_) | Value::Number(_) => {
                        format!("; quote it: `{a}: \"{}\"`", scalar_text(mv))
                    }
                    _ => String::new(),
                };
                diags.push(ctx.at(
                    "SW107",
                    &path,
                    format!("`metadata.{a}` must be a string, not {}{fix}", type_name(mv)),
                ));
                continue;
            };
            self.meta.metadata.insert(a.clone(), b.clone());
            let words = || b.split_whitespace().map(str::to_string).collect::<Vec<_>>();
            match a.as_str() {
                "version" => self.meta.version = self.string(ctx, &path, mv, diags),
                "requires-tools" => self.meta.requires_tools = words(),
                "metrics-tracks" => self.meta.metrics_tracks = words(),
                "metrics-improves" => self.meta.metrics_improves = words(),
                "requires-runtime" => match b.as_str() {
                    "true" => self.meta.requires_runtime = true,
                    "false" => self.meta.requires_runtime = false,
                    other => diags.push(ctx.at(
                        "SW121",
                        &path,
                        format!("`metadata.requires-runtime` must be \"true\" or \"false\", not `{other}`"),
                    )),
                },
                _ => {
                    let _ = self.string(ctx, &path, mv, diags);
                }
            }
        }
    }

    fn requires(&mut self, ctx: &Ctx, v: &Value, diags: &mut Vec<Diagnostic>) {
        let Value::Mapping(map) = v else {
            diags.push(ctx.at(
                "SW121",
                &["requires"],
                format!("`requires` must be a map with tools and runtime, not {}", type_name(v)),
            ));
            return;
        };
        for (sk, sv) in map {
            match sk.as_str() {
                Some("tools") => {
                    let tools = string_list(ctx, &["requires", "tools"], sv, "SW121", diags);
                    self.meta.requires_tools = or_metadata(&self.meta.requires_tools, tools);
                }
                Some("runtime") => match sv {
                    Value::Bool(b) => self.meta.requires_runtime |= *b,
                    other => diags.push(ctx.at(
                        "SW121",
                        &["requires", "runtime"],
                        format!("`requires.runtime` must be true or false, not {}", type_name(other)),
                    )),
                },
                _ => diags.push(ctx.at(
                    "SW121",
                    &["requires"],
                    format!("unknown key `{}` under `requires` (expected tools, runtime)", scalar_text(sk)),
                )),
            }
        }
    }

    fn metrics(&mut self, ctx: &Ctx, v: &Value, diags: &mut Vec<Diagnostic>) {
        let Value::Mapping(map) = v else {
            diags.push(ctx.at(
                "SW122",
                &["metrics"],
                format!("`metrics` must be a map with tracks and improves, not {}", type_name(v)),
            ));
            return;
        };
        for (sk, sv) in map {
            match sk.as_str() {
                Some(k @ ("tracks" | "improves")) => {
                    let list = string_list(ctx, &["metrics", k], sv, "SW122", diags);
                    let have = if k == "tracks" {
                        &mut self.meta.metrics_tracks
                    } else {
                        &mut self.meta.metrics_improves
                    };
                    *have = or_metadata(have, list);
                }
                _ => diags.push(ctx.at(
                    "SW122",
                    &["metrics"],
                    format!("unknown key `{}` under `metrics` (expected tracks, improves)", scalar_text(sk)),
                )),
            }
        }
    }
}

/// The semantic version a number meant (`1` → `1.0.0`, `1.5` → `1.5.0`).
fn version_of_number(n: &serde_yaml::Number) -> String {
    let n = n.to_string();
    match n.matches('.').count() {
        0 => format!("{n}.0.0"),
        1 => format!("{n}.0"),
        _ => n,
    }
}

/// The value already read from `metadata` if there was one, else `list`.
fn or_metadata(have: &[String], list: Vec<String>) -> Vec<String> {
    if have.is_empty() { list } else { have.to_vec() }
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

/// `allowed-tools` as the standard's one space-separated string. A YAML list or a comma-separated
/// string (both of which Claude Code reads) is a warning with the exact fix, and is normalised.
fn allowed_tools(ctx: &Ctx, v: &Value, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let path = ["allowed-tools"];
    let (tools, form) = match v {
        Value::String(s) => {
            let tools = tool_patterns(s);
            let form = if s.trim().is_empty() {
                Some("is empty; leave it out to pre-approve no tools")
            } else if tools.join(" ") == s.as_str() {
                None
            } else if outside_parens(s).contains(',') {
                Some("separates tools with commas")
            } else {
                Some("separates tools with more than single spaces")
            };
            (tools, form)
        }
        Value::Sequence(items) => {
            let mut tools = Vec::new();
            for item in items {
                match item {
                    Value::String(s) => tools.extend(tool_patterns(s)),
                    other => {
                        diags.push(ctx.at(
                            "SW109",
                            &path,
                            format!("`allowed-tools` must list tool names; found {}", type_name(other)),
                        ));
                        return None;
                    }
                }
            }
            (tools, Some("is a YAML list, which not every host reads; the standard makes it one string"))
        }
        other => {
            diags.push(ctx.at(
                "SW109",
                &path,
                format!("`allowed-tools` must be one space-separated string, not {}", type_name(other)),
            ));
            return None;
        }
    };
    let fixed = tools.join(" ");
    if let Some(form) = form {
        let fix = if fixed.is_empty() {
            "delete the line".to_string()
        } else {
            format!("`allowed-tools: {fixed}`")
        };
        diags.push(
            ctx.at("SW108", &path, format!("`allowed-tools` {form}"))
                .with_help(format!("write {fix} (space-separated, as the Agent Skills standard says)")),
        );
    }
    (!fixed.is_empty()).then_some(fixed)
}

/// Tool patterns in `s`, split as Claude Code splits them: at commas and whitespace outside
/// parentheses (`Bash(git add:*)` stays one pattern).
fn tool_patterns(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth == 0 && (c == ',' || c.is_whitespace()) {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `s` without what is inside parentheses.
fn outside_parens(s: &str) -> String {
    let mut depth = 0usize;
    s.chars()
        .filter(|&c| {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                _ => return depth == 0,
            }
            false
        })
        .collect()
}

/// skillwright's own keys at the top level: the reference validator refuses them, so each is a
/// warning with the standard form it moves to.
fn own_keys_at_top_level(ctx: &Ctx, raw: &[(String, Value)], diags: &mut Vec<Diagnostic>) {
    let meta = raw.iter().find(|(k, _)| k == "metadata").and_then(|(_, v)| v.as_mapping());
    let in_meta = |k: &str| meta.is_some_and(|m| m.contains_key(k));
    for (key, v) in raw.iter().filter(|(k, _)| SKILLWRIGHT_KEYS.contains(&k.as_str())) {
        let moved = standard_form(key, v);
        let both = moved.iter().any(|(k, _)| in_meta(k));
        let lines: Vec<String> = moved.iter().map(|(k, v)| format!("{k}: {}", plain_or_quoted(v))).collect();
        let msg = if both {
            format!(
                "`{key}` is set at the top level and under `metadata`; skillwright reads `metadata`, so delete the top-level `{key}`"
            )
        } else {
            format!(
                "`{key}` at the top level is skillwright's older form, which the Agent Skills reference validator refuses; move it under `metadata`"
            )
        };
        let help = if lines.is_empty() || both {
            "`skillwright fmt` moves skillwright's keys under `metadata`".to_string()
        } else {
            format!("under `metadata:` write `{}` (`skillwright fmt` does it)", lines.join("`, `"))
        };
        diags.push(ctx.at("SW112", &[key], msg).with_help(help));
    }
}

/// The `metadata` entries that carry a top-level skillwright key `key` with value `v`.
pub fn standard_form(key: &str, v: &Value) -> Vec<(String, String)> {
    let words = |v: Option<&Value>| -> String {
        match v {
            Some(Value::Sequence(items)) => {
                items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" ")
            }
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        }
    };
    let mut out = Vec::new();
    match (key, v) {
        ("version", Value::String(s)) => out.push(("version".into(), s.clone())),
        ("version", Value::Number(n)) => out.push(("version".into(), version_of_number(n))),
        ("requires" | "metrics", Value::Mapping(m)) => {
            for (sub, sv) in m {
                let known = ["tools", "runtime", "tracks", "improves"];
                let Some(sub) = sub.as_str().filter(|s| known.contains(s)) else { continue };
                let value = match sv {
                    Value::Bool(b) => b.to_string(),
                    other => words(Some(other)),
                };
                if !value.is_empty() {
                    out.push((format!("{key}-{sub}"), value));
                }
            }
        }
        _ => {}
    }
    out
}

/// `s` as a plain YAML scalar when every reader takes it as that string, else quoted.
pub fn plain_or_quoted(s: &str) -> String {
    let plain_safe = !s.is_empty()
        && s.trim() == s
        && Implicit::of(s).is_none()
        && s.parse::<f64>().is_err()
        && !matches!(s.to_ascii_lowercase().as_str(), "true" | "false" | "null" | "~")
        && !s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c))
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && !s.contains("---")
        && !s.chars().any(|c| c.is_control());
    if plain_safe { s.to_string() } else { quoted(s) }
}

/// Characters no frontmatter key or value may hold (see [`text::forbidden`]), whether written
/// raw or produced by a YAML escape sequence: one error per field.
pub fn forbidden_characters(ctx: &Ctx, raw: &[(String, Value)], diags: &mut Vec<Diagnostic>) {
    fn walk(ctx: &Ctx, path: &mut Vec<String>, v: &Value, diags: &mut Vec<Diagnostic>) {
        match v {
            Value::String(s) => check(ctx, path, s, true, diags),
            Value::Sequence(items) => items.iter().for_each(|i| walk(ctx, path, i, diags)),
            Value::Mapping(m) => {
                for (k, v) in m {
                    if let Value::String(k) = k {
                        path.push(k.clone());
                        check(ctx, path, k, false, diags);
                        walk(ctx, path, v, diags);
                        path.pop();
                    }
                }
            }
            Value::Tagged(t) => walk(ctx, path, &t.value, diags),
            _ => {}
        }
    }
    fn check(ctx: &Ctx, path: &[String], s: &str, multiline: bool, diags: &mut Vec<Diagnostic>) {
        // Printable ASCII, the common case, holds none of them: no need to decode characters.
        if s.bytes().all(|b| matches!(b, b' '..=b'~' | b'\t') || (multiline && b == b'\n')) {
            return;
        }
        let bad: Vec<char> = s.chars().filter(|&c| text::forbidden(c, multiline)).collect();
        let Some(&first) = bad.first() else { return };
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        let written = ctx.locate(&path).is_some_and(|p| p.value.contains(first));
        let how = if written { "" } else { ", written as a YAML escape sequence" };
        let more = match bad.len() {
            1 => String::new(),
            n => format!(" and {} more such character{}", n - 1, if n == 2 { "" } else { "s" }),
        };
        diags.push(ctx.at(
            "SW017",
            &path,
            format!(
                "`{}` contains {}{how}{more}: control characters and bidi overrides would reach terminals and agents' context as they are; remove them",
                path.join("."),
                text::describe(first)
            ),
        ));
    }
    let mut path = Vec::new();
    for (k, v) in raw {
        path.push(k.clone());
        check(ctx, &path, k, false, diags);
        walk(ctx, &mut path, v, diags);
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_split_like_claude_code() {
        assert_eq!(tool_patterns("Read, Grep,Glob"), ["Read", "Grep", "Glob"]);
        assert_eq!(tool_patterns("Bash(git add:*) Read"), ["Bash(git add:*)", "Read"]);
        assert_eq!(outside_parens("Bash(a,b) Read"), "Bash Read");
    }

    #[test]
    fn plain_only_when_every_reader_agrees() {
        assert_eq!(plain_or_quoted("1.0.0"), "1.0.0");
        assert_eq!(plain_or_quoted("git gh"), "git gh");
        for s in ["true", "1.5", "017", "yes", "2024-01-01", "a: b", "", "- x"] {
            assert!(plain_or_quoted(s).starts_with('"'), "{s}");
        }
    }
}
