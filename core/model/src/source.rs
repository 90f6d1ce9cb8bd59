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
    }
}
