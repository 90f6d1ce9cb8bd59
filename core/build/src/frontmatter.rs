//! Splitting SKILL.md into YAML frontmatter and Markdown body.

/// The parts of a SKILL.md text (BOM already removed), as byte ranges into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Byte offset of the opening `---` line.
    pub open: usize,
    /// Byte range of the YAML between the delimiter lines.
    pub yaml: std::ops::Range<usize>,
    /// Byte offset where the body starts (after the closing `---` line).
    pub body: usize,
}

/// Why a text could not be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// The first non-blank line is not `---`; carries that line's offset.
    NoFrontmatter(usize),
    /// No closing `---` line after the opening one at this offset.
    Unclosed(usize),
}

/// Finds the frontmatter: leading blank lines are skipped, the first other line must be `---`,
/// and the YAML runs to the next line that is exactly `---` (or `...`), trailing spaces allowed.
pub fn split(text: &str) -> Result<Split, SplitError> {
    let mut lines = lines_with_offsets(text);
    let (open, first) = loop {
        match lines.next() {
            Some((off, line)) if line.trim().is_empty() => {
                let _ = off;
            }
            Some((off, line)) => break (off, line),
            None => return Err(SplitError::NoFrontmatter(text.len())),
        }
    };
    if first.trim_end() != "---" {
        return Err(SplitError::NoFrontmatter(open));
    }
    let yaml_start = open + first.len();
    for (off, line) in lines {
        let content = line.trim_end_matches(['\n', '\r']).trim_end();
        if content == "---" || content == "..." {
            return Ok(Split { open, yaml: yaml_start..off, body: off + line.len() });
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

    #[test]
    fn splits_with_crlf_and_leading_blank_lines() {
        let t = "\r\n  \n---\r\nname: x\r\n---\r\nbody\r\n";
        let s = split(t).unwrap();
        assert_eq!(&t[s.yaml.clone()], "name: x\r\n");
        assert_eq!(&t[s.body..], "body\r\n");
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
