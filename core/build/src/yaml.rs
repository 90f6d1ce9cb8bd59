//! The frontmatter's YAML: parsing it, finding where a key sits in the text, and turning the
//! parser's errors into diagnostics with the position they concern and, for the mistakes people
//! actually make (a tab, an unquoted `: `, a quote inside a quoted value, a stray indent), the fix.

use serde_yaml::Value;
use skillwright_model::diag::Diagnostic;
use skillwright_model::source::LineIndex;

pub mod flat;

/// Parses frontmatter YAML. A document of only comments or whitespace is empty, not an error.
/// Nesting deeper than serde_yaml's recursion limit (128) is refused, so parsing stays linear.
/// The common simple form is read by [`flat`], everything else by serde_yaml.
pub fn parse(yaml: &str) -> Result<Value, serde_yaml::Error> {
    if yaml.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        return Ok(Value::Null);
    }
    match flat::read(yaml) {
        Some(v) => Ok(v),
        None => serde_yaml::from_str(yaml),
    }
}

/// Deepest nesting of flow collections (`[`, `{`) accepted. The YAML parser takes time quadratic
/// in that depth, so deeper input is refused before it is parsed (serde_yaml would refuse
/// anything over 128 levels anyway, after the quadratic scan).
pub const MAX_FLOW_DEPTH: usize = 64;

/// The byte offset where flow collections in `yaml` nest deeper than [`MAX_FLOW_DEPTH`], if they
/// do. One linear pass that skips quoted scalars and comments.
pub fn too_deep(yaml: &str) -> Option<usize> {
    if !may_have_flow(yaml) {
        return None;
    }
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut comment = false;
    let mut prev = b'\n';
    let b = yaml.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if comment {
            comment = c != b'\n';
        } else if let Some(q) = quote {
            if q == b'"' && c == b'\\' {
                i += 1;
            } else if c == q {
                if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    i += 1;
                } else {
                    quote = None;
                }
            }
        } else {
            match c {
                b'#' if prev.is_ascii_whitespace() => comment = true,
                b'"' | b'\'' if depth > 0 || matches!(prev, b' ' | b'\t' | b'\n' | b':' | b'-') => {
                    quote = Some(c)
                }
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        return Some(i);
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        prev = c;
        i += 1;
    }
    None
}

/// Whether `yaml` holds a `[` or `{` at all: without one it has no flow collection (most
/// frontmatter has none, and the scans that look for them are then skipped).
pub fn may_have_flow(yaml: &str) -> bool {
    yaml.bytes().any(|b| b == b'[' || b == b'{')
}

/// Where the frontmatter YAML sits in its file, with an index of its keys so that finding one
/// costs the depth of its path, not the length of the text.
pub struct Ctx<'a> {
    /// File path for diagnostics.
    pub file: &'a str,
    /// The YAML text.
    pub yaml: &'a str,
    /// 1-based line of the file where the YAML starts.
    pub yaml_line0: u32,
    keys: KeyIndex<'a>,
}

impl<'a> Ctx<'a> {
    /// The context of `yaml`, which starts at line `yaml_line0` of `file`.
    pub fn new(file: &'a str, yaml: &'a str, yaml_line0: u32) -> Self {
        Ctx { file, yaml, yaml_line0, keys: KeyIndex::new(yaml) }
    }

    /// Where `path` (top-level key, then nested keys in block style) is in the YAML text.
    pub fn locate(&self, path: &[&str]) -> Option<KeyPos<'a>> {
        self.keys.locate(path)
    }

    /// A diagnostic at the value of `path` (or its key, or the frontmatter start).
    pub fn at(&self, code: &'static str, path: &[&str], msg: String) -> Diagnostic {
        let (line, col, len) = self.position(path);
        Diagnostic::new(code, self.file, msg).at(line, col, len)
    }

    /// Line, column and length of the value of `path` (or its key, or the frontmatter start).
    pub fn position(&self, path: &[&str]) -> (u32, u32, u32) {
        match self.locate(path) {
            Some(p) => {
                let (col, len) = if p.value.is_empty() {
                    (p.key_col, path.last().map_or(1, |k| k.chars().count() as u32))
                } else {
                    (p.value_col, p.value.chars().count() as u32)
                };
                (self.file_line(p.line), col, len.max(1))
            }
            // A key written with escapes is not found as text: point at its parent.
            None if path.len() > 1 => self.position(&path[..path.len() - 1]),
            None => (self.yaml_line0, 1, 1),
        }
    }

    /// The file line of 1-based YAML line `line`.
    pub fn file_line(&self, line: u32) -> u32 {
        self.yaml_line0 + line - 1
    }
}

/// The diagnostic for a YAML error, at the position it concerns, with a hint for common mistakes.
pub fn error(ctx: &Ctx, e: &serde_yaml::Error) -> Diagnostic {
    let msg = e.to_string();
    // serde_yaml reports a duplicate key at the start of the mapping: point at the repeat instead.
    if let Some(key) = msg.strip_prefix("duplicate entry with key \"").and_then(|r| r.split('"').next()) {
        let mut seen = 0;
        for (i, line) in ctx.yaml.lines().enumerate() {
            if top_key(line) == Some(key) {
                seen += 1;
                if seen == 2 {
                    return Diagnostic::new("SW009", ctx.file, format!("duplicate key `{key}`"))
                        .at(ctx.file_line(i as u32 + 1), 1, key.chars().count() as u32)
                        .with_help("hosts keep one of the two values, and not all the same one: delete one");
                }
            }
        }
    }
    let short = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    let d = Diagnostic::new("SW009", ctx.file, format!("invalid YAML: {short}"));
    let Some(loc) = e.location() else { return d.at(ctx.yaml_line0, 1, 1) };
    // libyaml counts a lone `\r` as a line break and its index in characters; map the index
    // through our own line index so the position agrees with every other diagnostic.
    let byte = ctx.yaml.char_indices().nth(loc.index()).map_or(ctx.yaml.len(), |(b, _)| b);
    let index = LineIndex::new(ctx.yaml);
    let (line, col) = index.position(ctx.yaml, byte);
    let d = d.at(ctx.file_line(line), col, 1);
    match hint(&short, ctx.yaml, &index, line) {
        Some(h) => d.with_help(h),
        None => d,
    }
}

/// The fix for the YAML mistakes people make most, from the parser's message and the line it
/// points at (1-based within `yaml`).
fn hint(msg: &str, yaml: &str, index: &LineIndex, line: u32) -> Option<String> {
    let text = index.line_text(yaml, line)?;
    let indent: String = text.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    if indent.contains('\t') || (msg.contains("tab") && text.contains('\t')) {
        let fixed = format!("{}{}", indent.replace('\t', "  "), text.trim_start_matches([' ', '\t']));
        return Some(format!(
            "YAML indents with spaces only; replace the tab with spaces: `{}`",
            fixed.trim_end()
        ));
    }
    let prev = (1..line).rev().filter_map(|l| index.line_text(yaml, l)).find(|l| !l.trim().is_empty());
    if msg.starts_with("mapping values are not allowed") {
        // An indented line under a key that already has a value on its line: a stray indent.
        if let Some(prev) = prev {
            let prev_indent = prev.len() - prev.trim_start().len();
            let prev_has_value = key_of(prev).is_some()
                && prev.split_once(':').is_some_and(|(_, v)| !strip_comment(v.trim()).is_empty());
            if indent.len() > prev_indent && prev_has_value && key_of(text).is_some() {
                return Some(format!(
                    "this line is indented under `{}`, which already has a value; remove the extra indent: `{}{}`",
                    prev.trim(),
                    &prev[..prev_indent],
                    text.trim_start()
                ));
            }
        }
        // `key: a value: with a colon`: the value needs quotes.
        let (key, value) = text.trim_start().split_once(": ")?;
        return Some(format!(
            "the value of `{}` contains `: `, which YAML reads as another key; quote the whole value: `{indent}{key}: {}`",
            key.trim(),
            quoted(value.trim())
        ));
    }
    if msg.starts_with("did not find expected key") || msg.contains("unexpected end of stream") {
        let (key, value) = text.trim_start().split_once(':')?;
        let value = value.trim();
        if let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"'))
            && inner.contains('"')
        {
            return Some(format!(
                "a `\"` inside a double-quoted value ends it; quote the value with single quotes instead: `{indent}{key}: {}`",
                single_quoted(inner)
            ));
        }
        if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\''))
            && inner.contains('\'')
        {
            return Some(format!(
                "a `'` inside a single-quoted value is written `''`: `{indent}{key}: {}`",
                single_quoted(inner)
            ));
        }
    }
    None
}

/// `s` as a YAML double-quoted scalar when it has no `"` or `\`, else single-quoted.
pub fn quoted(s: &str) -> String {
    if s.contains(['"', '\\']) { single_quoted(s) } else { format!("\"{s}\"") }
}

fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Where a key sits in the YAML text: 1-based line within the YAML, columns, raw value text.
pub struct KeyPos<'a> {
    /// 1-based line within the YAML.
    pub line: u32,
    /// 1-based column of the key.
    pub key_col: u32,
    /// 1-based column of the value.
    pub value_col: u32,
    /// The value as written on the key's line (comment stripped), empty for a block value.
    pub value: &'a str,
}

/// The top-level key a line starts, if it starts one.
pub fn top_key(line: &str) -> Option<&str> {
    if line.starts_with([' ', '\t', '#', '-']) {
        return None;
    }
    key_of(line)
}

/// The key a line starts (after its indent), unquoted.
pub fn key_of(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let (k, _) = t.split_once(':')?;
    let k = k.trim_end();
    Some(k.trim_matches(|c| c == '"' || c == '\''))
}

/// The key lines of a YAML text, by parent: one pass over the lines with a stack of indents.
struct KeyIndex<'a> {
    lines: Vec<&'a str>,
    /// (parent key's line + 1, or 0 at the top; key) → 0-based line of its first occurrence.
    children: std::collections::BTreeMap<(usize, &'a str), usize>,
}

impl<'a> KeyIndex<'a> {
    fn new(yaml: &'a str) -> Self {
        let lines: Vec<&str> = yaml.lines().collect();
        let mut children = std::collections::BTreeMap::new();
        let mut stack: Vec<(usize, usize)> = Vec::new(); // (indent, line)
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim_start();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let indent = line.len() - t.len();
            while stack.last().is_some_and(|&(ind, _)| ind >= indent) {
                stack.pop();
            }
            if let Some(k) = key_of(line) {
                let parent = stack.last().map_or(0, |&(_, l)| l + 1);
                children.entry((parent, k)).or_insert(i);
                stack.push((indent, i));
            }
        }
        KeyIndex { lines, children }
    }

    fn locate(&self, path: &[&str]) -> Option<KeyPos<'a>> {
        let mut parent = 0;
        let mut at = None;
        for key in path {
            let i = *self.children.get(&(parent, *key))?;
            parent = i + 1;
            at = Some(i);
        }
        let i = at?;
        let line = self.lines[i];
        let indent = line.len() - line.trim_start().len();
        let colon = line.find(':')?;
        let after = &line[colon + 1..];
        let value = strip_comment(after.trim());
        let value_off = colon + 1 + (after.len() - after.trim_start().len());
        Some(KeyPos {
            line: i as u32 + 1,
            key_col: line[..indent].chars().count() as u32 + 1,
            value_col: line[..value_off.min(line.len())].chars().count() as u32 + 1,
            value,
        })
    }
}

/// Finds `path` (top-level key, then nested keys in block style) in the YAML text.
pub fn locate<'a>(yaml: &'a str, path: &[&str]) -> Option<KeyPos<'a>> {
    KeyIndex::new(yaml).locate(path)
}

/// A value without a trailing ` # comment` (quoted values are kept whole).
pub fn strip_comment(v: &str) -> &str {
    if v.starts_with(['"', '\'']) {
        return v;
    }
    // A comment starts at a `#` after a space (found by the `#`, which is rare).
    match v.match_indices('#').find(|&(i, _)| v.as_bytes()[..i].ends_with(b" ")) {
        Some((i, _)) => v[..i - 1].trim_end(),
        None => v,
    }
}

/// A scalar's YAML text (for keys that are not strings).
pub fn scalar_text(v: &Value) -> String {
    serde_yaml::to_string(v).map(|s| s.trim_end().to_string()).unwrap_or_default()
}

/// What kind of YAML value `v` is, for messages.
pub fn type_name(v: &Value) -> &'static str {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn help(yaml: &str) -> String {
        let ctx = Ctx::new("x/SKILL.md", yaml, 2);
        let e = parse(yaml).unwrap_err();
        error(&ctx, &e).help.unwrap_or_default()
    }

    #[test]
    fn common_mistakes_get_the_fix() {
        assert!(help("name: x\nmetadata:\n\tteam: a\n").contains("`  team: a`"));
        assert!(
            help("name: x\ndescription: Use when: it breaks\n")
                .contains("`description: \"Use when: it breaks\"`")
        );
        assert!(
            help("name: x\ndescription: y\n  license: MIT\n")
                .contains("remove the extra indent: `license: MIT`")
        );
        assert!(
            help("name: x\ndescription: \"Use \"foo\" when\"\n")
                .contains("`description: 'Use \"foo\" when'`")
        );
        assert!(help("name: x\ndescription: 'it's x'\n").contains("`description: 'it''s x'`"));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!("a: {}{}\n", "[{a: ".repeat(30_000), "}]".repeat(30_000));
        assert_eq!(too_deep(&deep), Some(3 + 32 * 5));
        let fine = format!("a: {}{}\nb: \"[[[[\" # {{{{{{\n", "[".repeat(64), "]".repeat(64));
        assert_eq!(too_deep(&fine), None);
        let blocky = format!("a:\n  {}x\n", "- ".repeat(20_000));
        assert!(parse(&blocky).unwrap_err().to_string().contains("recursion limit"));
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
