//! What the CSV importers need to know about the raw text besides its
//! records: on which physical line a byte is (for LF, CRLF and CR-only files
//! alike, quoted line breaks included), whether a quote is left open, and
//! which characters a cell may not hold.
//!
//! The `csv` crate splits the records; its own line counter counts `\n`
//! bytes only and is read before the `\n` of a CRLF is consumed, so it is
//! one short on CRLF files and stuck at 1 on CR-only ones. Lines here come
//! from byte offsets instead.

/// The start offset of every physical line of a text. A line ends at `\n`,
/// at `\r\n`, or at a `\r` not followed by `\n`.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(data: &[u8]) -> Self {
        let mut starts = vec![0];
        let mut i = 0;
        while i < data.len() {
            match data[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if data.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 1;
                }
                b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { starts }
    }

    /// The 1-based line holding the byte at `offset`.
    pub(crate) fn line_of(&self, offset: usize) -> u64 {
        self.starts.partition_point(|s| *s <= offset) as u64
    }
}

/// Where a record really starts: the `csv` crate reports a record's position
/// before the line breaks (and blank lines) in front of it, which it skips.
pub(crate) fn record_start(data: &[u8], reported: usize) -> usize {
    let mut i = reported.min(data.len());
    while i < data.len() && matches!(data[i], b'\r' | b'\n') {
        i += 1;
    }
    i
}

/// A quoted cell that is never closed: where its quote is, and the cell's
/// position (0-based) in its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpenQuote {
    pub(crate) offset: usize,
    pub(crate) field: usize,
}

/// Finds a quote left open at the end of the text, reading it as the `csv`
/// crate does with its defaults (comma, `"` quotes doubled inside a quoted
/// cell, a quote opening a cell only as its first byte, any of CR and LF
/// ending a record). Such a quote swallows the rest of the file into one
/// cell, which the `csv` crate accepts without a word.
pub(crate) fn open_quote(data: &[u8]) -> Option<OpenQuote> {
    enum S {
        StartField,
        InField,
        InQuoted,
        QuoteInQuoted,
    }
    let mut state = S::StartField;
    let mut field = 0;
    let mut opened = OpenQuote {
        offset: 0,
        field: 0,
    };
    for (i, &b) in data.iter().enumerate() {
        state = match (state, b) {
            (S::StartField, b'"') => {
                opened = OpenQuote { offset: i, field };
                S::InQuoted
            }
            (S::InQuoted, b'"') => S::QuoteInQuoted,
            (S::InQuoted, _) => S::InQuoted,
            (S::QuoteInQuoted, b'"') => S::InQuoted,
            (_, b',') => {
                field += 1;
                S::StartField
            }
            (_, b'\r' | b'\n') => {
                field = 0;
                S::StartField
            }
            _ => S::InField,
        };
    }
    matches!(state, S::InQuoted).then_some(opened)
}

/// Why a cell's text is refused: a control character (NUL, a bell, an
/// escape, DEL, C1 controls …) anywhere, or a tab or line break outside a
/// free-text column. Whitespace trimmed off a cell's ends is not looked at.
pub(crate) fn forbidden_char(cell: &str, free_text: bool) -> Option<String> {
    let c = cell
        .chars()
        .find(|c| c.is_control() && !(free_text && matches!(c, '\t' | '\n' | '\r')))?;
    Some(match c {
        '\n' | '\r' => "holds a line break; only a free-text column (notes) may span lines".into(),
        '\t' => "holds a tab; only a free-text column (notes) may".into(),
        '\0' => "holds a NUL character (U+0000); remove it".into(),
        c => format!(
            "holds the control character U+{:04X}; remove it",
            u32::from(c)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_physical_for_lf_crlf_and_cr() {
        for text in ["a\nb\n\nc", "a\r\nb\r\n\r\nc", "a\rb\r\rc"] {
            let ix = LineIndex::new(text.as_bytes());
            let c = text.find('c').unwrap();
            assert_eq!(ix.line_of(0), 1, "{text:?}");
            assert_eq!(ix.line_of(text.find('b').unwrap()), 2, "{text:?}");
            assert_eq!(ix.line_of(c), 4, "{text:?}");
        }
    }

    #[test]
    fn an_open_quote_is_found_where_it_opens() {
        assert_eq!(open_quote(b"a,b\n1,\"x\"\"y\",z\n"), None);
        assert_eq!(open_quote(b"a,\"b\"\n"), None);
        assert_eq!(
            open_quote(b"a,b\n1,x\"y\n"),
            None,
            "a quote inside a cell is text"
        );
        assert_eq!(
            open_quote(b"a,b\n1,\"x\n2,y\n"),
            Some(OpenQuote {
                offset: 6,
                field: 1
            })
        );
        assert_eq!(
            open_quote(b"a,b\n\"x\"\"\n"),
            Some(OpenQuote {
                offset: 4,
                field: 0
            })
        );
    }

    #[test]
    fn control_characters_are_refused_and_free_text_may_break_lines() {
        assert!(forbidden_char("AB\u{0}C", true).unwrap().contains("NUL"));
        assert!(forbidden_char("AB\u{7}", false).unwrap().contains("U+0007"));
        assert!(
            forbidden_char("AB\u{9b}", false)
                .unwrap()
                .contains("U+009B")
        );
        assert!(
            forbidden_char("a\nb", false)
                .unwrap()
                .contains("line break")
        );
        assert_eq!(forbidden_char("a\r\nb\tc", true), None);
        assert_eq!(forbidden_char("Zürich – ∅ 4.5", false), None);
    }
}
