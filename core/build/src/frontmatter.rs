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
}
