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
}
