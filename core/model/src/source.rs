//! Positions in a source file: byte offsets to 1-based line and column.

/// Maps byte offsets of one text to 1-based (line, column), counting columns in characters.
///
/// A `\r\n` pair is one line break; the text is expected without its UTF-8 BOM.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        Self { starts }
    }

    /// The 1-based line and column of `offset` in `text`.
    pub fn position(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let col = text.get(start..offset).map(|s| s.chars().count()).unwrap_or(offset - start);
        (line as u32 + 1, col as u32 + 1)
    }

    /// [`LineIndex::position`] for offsets that mostly increase (events of a parser), counting
    /// only the characters since the previous call on the same line: linear over a whole pass,
    /// where separate calls would be quadratic on one long line.
    pub fn advance(&self, text: &str, cur: &mut Cursor, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let (l, c) = match text.get(cur.offset..offset) {
            Some(between) if cur.line == line && offset >= cur.offset => {
                (line, cur.col + between.chars().count())
            }
            _ => {
                let start = self.starts[line];
                (line, text.get(start..offset).map(|s| s.chars().count()).unwrap_or(offset - start))
            }
        };
        *cur = Cursor { offset, line: l, col: c };
        (l as u32 + 1, c as u32 + 1)
    }

    /// The byte offset where 1-based `line` starts, if the text has that line.
    pub fn line_start(&self, line: u32) -> Option<usize> {
        self.starts.get((line as usize).checked_sub(1)?).copied()
    }

    /// The text of 1-based `line`, without its line break.
    pub fn line_text<'a>(&self, text: &'a str, line: u32) -> Option<&'a str> {
        let start = self.line_start(line)?;
        let end = self.line_start(line + 1).unwrap_or(text.len());
        let s = text.get(start..end)?;
        Some(s.trim_end_matches(['\n', '\r']))
    }

    /// How many lines the text has (a trailing newline does not start a new line).
    pub fn line_count(&self, text: &str) -> usize {
        if text.ends_with('\n') { self.starts.len() - 1 } else { self.starts.len() }
    }
}

/// Where [`LineIndex::advance`] last was: a byte offset, its 0-based line and column.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cursor {
    offset: usize,
    line: usize,
    col: usize,
}

/// Strips a leading UTF-8 byte-order mark.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_crlf_as_one_break_and_chars_as_columns() {
        let text = "ab\r\néx\nz";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), (1, 1));
        assert_eq!(idx.position(text, 4), (2, 1));
        assert_eq!(idx.position(text, 6), (2, 2)); // after the two-byte é
        assert_eq!(idx.position(text, 8), (3, 1));
        assert_eq!(idx.line_text(text, 1), Some("ab"));
        assert_eq!(idx.line_count(text), 3);
        let mut cur = Cursor::default();
        for off in [0, 4, 6, 8, 6, 1] {
            assert_eq!(idx.advance(text, &mut cur, off), idx.position(text, off), "{off}");
        }
    }
}
