//! A reader for the frontmatter most files have: `key: value` lines, at most one level of nested
//! `key:` blocks, every value one line long and either a plain scalar that YAML can only read as
//! a string or a quoted one whose only escapes are `\"` and `\\`. It gives the value serde_yaml
//! gives for such text in a small fraction of the time, and declines (`None`) everything else,
//! which then goes to serde_yaml: a reader that declines too much is only slower, one that accepts
//! too much would be wrong, so every rule below errs towards declining. `tests/props.rs` and the
//! `frontmatter` fuzz target check it against serde_yaml.

use serde_yaml::{Mapping, Value};

/// Longest key taken (libyaml refuses simple keys over 1024 characters; real keys are short).
const MAX_KEY: usize = 128;

/// The YAML `text` as serde_yaml reads it, when `text` is of the simple kind described above.
pub fn read(text: &str) -> Option<Value> {
    let mut top = Mapping::new();
    // The nested block being filled: its key, indentation (0 until its first line) and entries.
    let mut open: Option<(String, usize, Mapping)> = None;
    for line in text.split('\n') {
        let line = line.trim_end_matches(' ');
        if line.is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent > 0 {
            let (_, want, map) = open.as_mut()?;
            if *want == 0 {
                *want = indent;
            }
            if indent != *want {
                return None;
            }
            let (key, value) = entry(&line[indent..])?;
            insert(map, key, value?)?;
            continue;
        }
        close(&mut top, open.take())?;
        match entry(line)? {
            (key, Some(value)) => insert(&mut top, key, value)?,
            (key, None) => open = Some((key.to_string(), 0, Mapping::new())),
        }
    }
    close(&mut top, open)?;
    (!top.is_empty()).then_some(Value::Mapping(top))
}

/// Adds a nested block that has ended (if one was open) to `top`: its entries, or null for a
/// `key:` with none.
fn close(top: &mut Mapping, block: Option<(String, usize, Mapping)>) -> Option<()> {
    let Some((key, _, map)) = block else { return Some(()) };
    let value = if map.is_empty() { Value::Null } else { Value::Mapping(map) };
    insert(top, &key, value)
}

/// Adds `key: value` to `map`; `None` for a repeated key (serde_yaml's error then reports it).
fn insert(map: &mut Mapping, key: &str, value: Value) -> Option<()> {
    map.insert(Value::String(key.to_string()), value).is_none().then_some(())
}

/// One `key: value` line (no indentation, no trailing spaces): the key and the value, or no value
/// for `key:` alone (which opens a nested block). `None` for any other line.
fn entry(line: &str) -> Option<(&str, Option<Value>)> {
    let colon = line.find(':')?;
    let (key, rest) = (&line[..colon], &line[colon + 1..]);
    let key_ok = key.len() <= MAX_KEY
        && key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !typed_word(key);
    if !key_ok {
        return None;
    }
    if rest.is_empty() {
        return Some((key, None));
    }
    let value = rest.strip_prefix(' ')?.trim_start_matches(' ');
    Some((key, Some(Value::String(scalar(value)?))))
}

/// The string a one-line scalar stands for, if it surely is one: `'...'` with no quote inside,
/// `"..."` whose only escapes are `\"` and `\\`, or a plain scalar that no YAML type but string
/// matches.
fn scalar(v: &str) -> Option<String> {
    if !v.bytes().all(|b| (b' '..=b'~').contains(&b)) && !v.chars().all(printable) {
        return None;
    }
    if let Some(inner) = v.strip_prefix('\'') {
        let inner = inner.strip_suffix('\'')?;
        return (!inner.contains('\'')).then(|| inner.to_string());
    }
    if let Some(inner) = v.strip_prefix('"') {
        let inner = inner.strip_suffix('"')?;
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return None,
                '\\' => match chars.next()? {
                    e @ ('"' | '\\') => out.push(e),
                    _ => return None,
                },
                c => out.push(c),
            }
        }
        return Some(out);
    }
    let first = v.chars().next()?;
    // Indicators are ASCII punctuation; a plain scalar ends at `: ` or ` #`, and one ending in
    // `:` would be a key.
    let starts_plain = first.is_ascii_alphanumeric() || !first.is_ascii();
    let ends_early = v.as_bytes().windows(2).any(|w| w == b": " || w == b" #");
    if !starts_plain || ends_early || v.ends_with(':') {
        return None;
    }
    let string = if !first.is_ascii_digit() {
        // Rust's float parser takes `inf` and `nan`, which serde_yaml then refuses as not finite.
        !typed_word(v)
    } else {
        // Integers and floats only hold digits, letters, signs and one dot.
        v.bytes().filter(|&b| b == b'.').count() > 1
            || v.bytes().any(|b| !b.is_ascii_alphanumeric() && !b"+-.".contains(&b))
    };
    string.then(|| v.to_string())
}

/// The words YAML 1.2 reads as null or a boolean (serde_yaml's set).
fn typed_word(s: &str) -> bool {
    matches!(s, "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
}

/// Whether libyaml reads `c` inside a scalar as an ordinary character: printable, and not one of
/// the line breaks (NEL, LS, PS) or the byte-order mark it treats specially. Tabs are declined.
fn printable(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::read;

    fn same(yaml: &str) {
        let fast = read(yaml).unwrap_or_else(|| panic!("declined: {yaml:?}"));
        assert_eq!(fast, serde_yaml::from_str::<serde_yaml::Value>(yaml).unwrap(), "{yaml:?}");
    }

    #[test]
    fn common_frontmatter_is_read_as_serde_yaml_reads_it() {
        same("name: a\ndescription: Does x. Use when y.\nlicense: MIT\n");
        same(
            "name: a\ndescription: \"Quoted: with # and: colons\"\nmetadata:\n  version: 1.0.0\n  flag: 'false'\n",
        );
        same("name: a\nmetadata:\n    k: v\nlicense: MIT   \n\n");
        same("name: été — ok\nempty:\n");
        same("d: \"say \\\"hi\\\" \\\\ bye\"\n");
    }

    #[test]
    fn anything_typed_or_unusual_is_declined() {
        for yaml in [
            "name: yes\nv: 1.0\n",
            "v: 1.0\n",
            "v: 12\n",
            "v: true\n",
            "v: ~\n",
            "v: a: b\n",
            "v: a #c\n",
            "v: \"a\\tb\"\n",
            "v: \"a\\\"\n",
            "v: 'it''s'\n",
            "v: [a]\n",
            "v: |\n  x\n",
            "v: a\n  continued\n",
            "m:\n  a: b\n   c: d\n",
            "m:\n  deeper:\n    x: y\n",
            "v: a\tb\n",
            "v: a\u{85}b\n",
            "v: a\nv: b\n",
            "true: x\n",
            "- a\n",
            "# only\n",
            "",
        ] {
            assert_eq!(read(yaml), None, "{yaml:?}");
        }
    }
}
