//! Splitting SKILL.md into YAML frontmatter and Markdown body, and noting every source form that
//! some readers do not take (see [`crate::reading::Form`]): skillwright itself reads them all, so
//! that every other problem is still reported, and `validate` names the readers that would miss
//! the skill.

use skillwright_model::forms::Form;
use std::borrow::Cow;

/// A form found in a source, with where it is (byte range in the normalised text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The form.
    pub form: Form,
    /// Where it is; empty at offset 0 for whole-file forms (BOM, line endings).
    pub at: std::ops::Range<usize>,
}

/// The parts of a SKILL.md text (normalised: no BOM, LF line endings), as byte ranges into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Byte offset of the opening `---` line.
    pub open: usize,
    /// Byte range of the YAML between the delimiter lines.
    pub yaml: std::ops::Range<usize>,
    /// Byte offset where the body starts (after the closing line).
    pub body: usize,
    /// Forms found in where the frontmatter starts and ends.
    pub forms: Vec<Found>,
}

/// Why a text could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// The first non-blank line is not `---`; carries that line's offset.
    NoFrontmatter(usize),
    /// No closing `---` line after the opening one at this offset.
    Unclosed(usize),
}

/// `text` without a leading BOM and with LF line endings, plus the whole-file forms that took
/// (BOM, CR LF, lone CR). Offsets elsewhere refer to the normalised text: an editor shows the
/// same lines, since it treats CR LF and a lone CR as one line break each.
pub fn normalise(text: &str) -> (Cow<'_, str>, Vec<Found>) {
    let mut forms = Vec::new();
    let found = |form| Found { form, at: 0..0 };
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            forms.push(found(Form::Bom));
            rest
        }
        None => text,
    };
    if !text.contains('\r') {
        return (Cow::Borrowed(text), forms);
    }
    let bytes = text.as_bytes();
    let crlf = text.contains("\r\n");
    let lone = bytes.iter().enumerate().any(|(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
    if crlf {
        forms.push(found(Form::Crlf));
    }
    if lone {
        forms.push(found(Form::Cr));
    }
    (Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n")), forms)
}

/// Finds the frontmatter in normalised text: leading blank lines are skipped, the first other
/// line must be `---` (trailing spaces allowed), and the YAML runs to the next line that is
/// `---` or `...` (trailing spaces allowed). Each leniency is noted as a form.
pub fn split(text: &str) -> Result<Split, SplitError> {
    let mut forms = Vec::new();
    let mut lines = lines_with_offsets(text);
    let (open, first) = loop {
        match lines.next() {
            Some((_, line)) if line.trim().is_empty() => {}
            Some((off, line)) => break (off, line),
            None => return Err(SplitError::NoFrontmatter(text.len())),
        }
    };
    let first_content = first.trim_end_matches('\n');
    if first_content.trim_end() != "---" {
        return Err(SplitError::NoFrontmatter(open));
    }
    if open > 0 {
        forms.push(Found { form: Form::LeadingBlankLines, at: 0..open });
    }
    if first_content.len() > 3 {
        forms.push(Found { form: Form::OpenFenceSpace, at: open + 3..open + first_content.len() });
    }
    let yaml_start = open + first.len();
    for (off, line) in lines {
        let content = line.trim_end_matches('\n');
        let fence = content.trim_end();
        if fence == "---" || fence == "..." {
            if fence == "..." {
                forms.push(Found { form: Form::DotsClose, at: off..off + 3 });
            }
            if fence == "---" && content.len() > 3 {
                forms.push(Found { form: Form::CloseFenceSpace, at: off + 3..off + content.len() });
            }
            let yaml = yaml_start..off;
            let y = &text[yaml.clone()];
            if let Some((i, _)) = y.match_indices('-').find(|&(i, _)| y.as_bytes()[i..].starts_with(b"---")) {
                let at = yaml.start + i;
                forms.push(Found { form: Form::DashesInYaml, at: at..at + 3 });
            }
            return Ok(Split { open, yaml, body: off + line.len(), forms });
        }
    }
    Err(SplitError::Unclosed(open))
}

/// Lines with their start offsets, each including its line break.
fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut off = 0;
    text.split_inclusive('\n').map(move |l| {
        let start = off;
        off += l.len();
        (start, l)
    })
}

/// Byte ranges of flow-style collections (`[a, b]`, `{ a: b }`) that start a value in `yaml`:
/// after `key:` or `- `, outside block scalars. A plain scalar cannot start with `[` or `{`, so
/// an unquoted value starting with one is a flow collection.
pub fn flow_collections(yaml: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    if !crate::yaml::may_have_flow(yaml) {
        return out;
    }
    // Indent of the line that opened a block scalar (`key: |`); deeper lines are its content.
    let mut block: Option<usize> = None;
    for (off, line) in lines_with_offsets(yaml) {
        let content = line.trim_end_matches('\n');
        let indent = content.len() - content.trim_start_matches(' ').len();
        let rest = &content[indent..];
        if let Some(b) = block {
            if rest.is_empty() || indent > b {
                continue;
            }
            block = None;
        }
        if rest.starts_with('#') {
            continue;
        }
        // Peel `- ` sequence markers, then a `key:` prefix (the key itself may be quoted).
        let mut value_at = indent;
        let mut v = rest;
        while let Some(r) = v.strip_prefix("- ") {
            let r2 = r.trim_start_matches(' ');
            value_at += v.len() - r2.len();
            v = r2;
        }
        if let Some(i) = key_colon(v) {
            let r = &v[i + 1..];
            let r2 = r.trim_start_matches(' ');
            value_at += i + 1 + (r.len() - r2.len());
            v = r2;
        }
        let v = v.split(" #").next().unwrap_or("").trim_end();
        if v.starts_with(['|', '>']) {
            block = Some(indent);
        } else if v.starts_with(['[', '{']) {
            out.push(off + value_at..off + value_at + v.len());
        }
    }
    out
}

/// The offset of the `:` that ends a mapping key at the start of `s`, if `s` starts with one.
fn key_colon(s: &str) -> Option<usize> {
    if s.starts_with(['"', '\'']) {
        let q = s.as_bytes()[0] as char;
        let end = s[1..].find(q)? + 1;
        return s[end + 1..].starts_with(':').then_some(end + 1);
    }
    if s.starts_with(['[', '{']) {
        return None;
    }
    let i = s.find(':')?;
    let after = s[i + 1..].chars().next();
    (after.is_none() || after == Some(' ')).then_some(i)
}

/// YAML for a frontmatter mapping that every host's reader gives back exactly, ending with a
/// newline (so the closing `---` is a line of its own).
///
/// serde_yaml's output is used when it reads back to the same values; it does not when a string
/// holds a character a YAML 1.1 reader takes as a line break (U+0085, U+2028, U+2029) inside a
/// block scalar. Then each key is written on its own line with its value as a double-quoted
/// scalar (collections in flow style), every such character escaped.
pub fn write(map: &serde_yaml::Mapping) -> String {
    if map.is_empty() {
        return String::new();
    }
    if let Ok(text) = serde_yaml::to_string(map)
        && text.ends_with('\n')
        && !text.chars().any(|c| matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}'))
        && serde_yaml::from_str::<serde_yaml::Mapping>(&text).is_ok_and(|back| &back == map)
    {
        return text;
    }
    let mut out = String::new();
    for (k, v) in map {
        flow(k, &mut out);
        out.push_str(": ");
        flow(v, &mut out);
        out.push('\n');
    }
    out
}

/// `v` as a flow-style YAML value with every string double-quoted.
fn flow(v: &serde_yaml::Value, out: &mut String) {
    use serde_yaml::Value;
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => quoted(s, out),
        Value::Sequence(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(x, out);
            }
            out.push(']');
        }
        Value::Mapping(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                flow(k, out);
                out.push_str(": ");
                flow(x, out);
            }
            out.push('}');
        }
        Value::Tagged(t) => flow(&t.value, out),
    }
}

/// `s` as a YAML double-quoted scalar: printable characters as they are, everything else (and the
/// characters YAML 1.1 reads as line breaks, and the byte-order mark) as an escape.
fn quoted(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            '\u{2028}' | '\u{2029}' | '\u{feff}' => out.push_str(&format!("\\u{:04X}", c as u32)),
            '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'.. => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(t: &str) -> Vec<Form> {
        split(t).unwrap().forms.into_iter().map(|f| f.form).collect()
    }

    #[test]
    fn normalises_bom_and_line_endings_and_says_so() {
        let (t, f) = normalise("\u{feff}---\r\nname: x\r---\n");
        assert_eq!(t, "---\nname: x\n---\n");
        let f: Vec<_> = f.into_iter().map(|f| f.form).collect();
        assert_eq!(f, [Form::Bom, Form::Crlf, Form::Cr]);
        assert_eq!(normalise("a\nb").1, []);
    }

    #[test]
    fn splits_with_leading_blank_lines_and_notes_every_leniency() {
        let t = "\n  \n--- \nname: x\n---  \nbody\n";
        let s = split(t).unwrap();
        assert_eq!(&t[s.yaml.clone()], "name: x\n");
        assert_eq!(&t[s.body..], "body\n");
        assert_eq!(forms(t), [Form::LeadingBlankLines, Form::OpenFenceSpace, Form::CloseFenceSpace]);
        assert_eq!(forms("---\nd: a --- b\n...\n"), [Form::DotsClose, Form::DashesInYaml]);
        assert_eq!(forms("---\nname: x\n---\n"), []);
    }

    #[test]
    fn reports_missing_and_unclosed() {
        assert_eq!(split("# title\n"), Err(SplitError::NoFrontmatter(0)));
        assert_eq!(split(""), Err(SplitError::NoFrontmatter(0)));
        assert_eq!(split("---\nname: x\n"), Err(SplitError::Unclosed(0)));
        assert_eq!(split("----\nname: x\n---\n"), Err(SplitError::NoFrontmatter(0)));
    }

    #[test]
    fn empty_frontmatter_and_no_final_newline() {
        let s = split("---\n---").unwrap();
        assert_eq!(s.yaml, 4..4);
        assert_eq!(s.body, 7);
    }

    #[test]
    fn finds_flow_collections_outside_block_scalars() {
        let y = "a: [x]\nb:\n  c: {d: e}\n  - [1]\nt: |\n  [not flow]\n\"q\": [y]\nu: '[quoted]'\nv: x [y]\n";
        let got: Vec<&str> = flow_collections(y).into_iter().map(|r| &y[r]).collect();
        assert_eq!(got, ["[x]", "{d: e}", "[1]", "[y]"]);
    }

    #[test]
    fn written_frontmatter_reads_back_exactly() {
        let texts = [
            "plain words",
            "\n</script>\u{2028}",
            "a\u{2029}b\u{85}c",
            "x\u{2028}",
            "\u{feff}bom\u{7f}del\u{1b}[31m\0nul",
            "---\n...\n# not a comment",
            "line one\nline two\n",
            "\"quoted\" and 'single' and \\",
        ];
        for t in texts {
            let mut map = serde_yaml::Mapping::new();
            map.insert("description".into(), t.into());
            map.insert("tags".into(), serde_yaml::Value::Sequence(vec![t.into(), "b".into()]));
            let yaml = write(&map);
            assert!(yaml.ends_with('\n'), "{yaml:?}");
            let doc = format!("---\n{yaml}---\nbody\n");
            let parts = split(&doc).unwrap_or_else(|e| panic!("{t:?}: {e:?} in {doc:?}"));
            let back: serde_yaml::Mapping = serde_yaml::from_str(&doc[parts.yaml]).unwrap();
            assert_eq!(back, map, "{t:?} via {yaml:?}");
            assert_eq!(&doc[parts.body..], "body\n");
        }
    }
}
