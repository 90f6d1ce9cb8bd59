//! Text from a pack or from local state on its way to a terminal or an agent's context: control
//! characters (which start terminal escape sequences), bidirectional overrides and Unicode line
//! separators are taken out, so such text can neither restyle a terminal nor forge a line.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal or a session context: C0 and C1 controls other than
/// tab and newline (ESC starts CSI and OSC sequences), DEL, bidirectional embeddings, overrides
/// and isolates, and the Unicode line and paragraph separators.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' | '\u{061c}')
}

/// Whether `c` may not appear in a field of a skill or a pack (it is reported): C0 and C1
/// controls and DEL (ESC starts terminal escape sequences, NUL truncates), except tab and, in a
/// field that may span lines, newline; and the invisible bidirectional controls that reorder
/// what a reader sees (embeddings, overrides, isolates, marks).
pub fn forbidden(c: char, multiline: bool) -> bool {
    (c.is_control() && c != '\t' && !(multiline && c == '\n')) || is_bidi(c)
}

/// Whether `c` is an invisible bidirectional control.
pub fn is_bidi(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A character's code point and, for controls, its name: `U+001B (ESC)`.
pub fn describe(c: char) -> String {
    let name = match c {
        '\0' => " (NUL)",
        '\x07' => " (BEL)",
        '\x08' => " (BS)",
        '\t' => " (TAB)",
        '\n' => " (LF)",
        '\r' => " (CR)",
        '\x1b' => " (ESC)",
        '\x7f' => " (DEL)",
        '\u{9b}' => " (CSI)",
        '\u{9d}' => " (OSC)",
        '\u{202e}' => " (RIGHT-TO-LEFT OVERRIDE)",
        '\u{202d}' => " (LEFT-TO-RIGHT OVERRIDE)",
        '\u{2066}'..='\u{2069}' => " (bidi isolate)",
        c if is_bidi(c) => " (bidi control)",
        _ => "",
    };
    format!("U+{:04X}{name}", c as u32)
}

/// `s` for one line of terminal output: every character [`is_unsafe`] and every tab and newline
/// written as a visible escape (`\u{1b}`, `\t`, `\n`), so quoted user text can neither
/// restyle a terminal nor start a line of its own. Borrowed when there is nothing to escape.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) || c == '\t' || c == '\n') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// Pushes `c`, or its visible escape if it is unsafe, a tab or a newline.
pub fn push_escaped(out: &mut String, c: char) {
    match c {
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        c if is_unsafe(c) => {
            use std::fmt::Write;
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// `s` with every unsafe character replaced by U+FFFD (tab and newline are kept), borrowed when
/// there was nothing to replace. A CR LF pair becomes LF.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let s = s.replace("\r\n", "\n");
    Cow::Owned(s.chars().map(|c| if is_unsafe(c) { '\u{fffd}' } else { c }).collect())
}

/// `s` on one line of at most `max` characters: line breaks, tabs and unsafe characters become
/// spaces, runs of spaces one space, ends trimmed.
pub fn one_line(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max.saturating_mul(4)));
    let mut n = 0;
    let mut space = false;
    for c in s.chars() {
        let c = if c.is_whitespace() || is_unsafe(c) { ' ' } else { c };
        if c == ' ' {
            space = !out.is_empty();
            continue;
        }
        if space {
            if n + 1 >= max {
                break;
            }
            out.push(' ');
            n += 1;
            space = false;
        }
        if n >= max {
            break;
        }
        out.push(c);
        n += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_overrides_are_taken_out() {
        assert_eq!(clean("plain\ttext\n"), Cow::Borrowed("plain\ttext\n"));
        assert_eq!(clean("a\x1b[31mb\u{9b}c\u{202e}d\0"), "a\u{fffd}[31mb\u{fffd}c\u{fffd}d\u{fffd}");
        assert_eq!(one_line("  a\r\nb\u{2028}c\x07  d  ", 100), "a b c d");
        assert_eq!(one_line("abcdef", 3), "abc");
        assert_eq!(one_line("ab cd", 3), "ab");
    }

    #[test]
    fn escapes_are_visible_and_one_line() {
        assert_eq!(escape("plain"), Cow::Borrowed("plain"));
        assert_eq!(escape("a\x1b[31mb\nc\td\u{202e}"), "a\\u{1b}[31mb\\nc\\td\\u{202e}");
        assert!(forbidden('\x1b', true) && forbidden('\0', true) && forbidden('\u{202e}', false));
        assert!(!forbidden('\n', true) && forbidden('\n', false) && !forbidden('\t', false));
        assert!(!forbidden('\u{2028}', false) && !forbidden('é', false));
        assert_eq!(describe('\x1b'), "U+001B (ESC)");
    }
}
