//! Byte offsets to lines and columns.

use crate::input::decode::OffsetMap;

/// A position range in a document: bytes plus 1-based lines and columns.
///
/// Columns count characters; `col_end` is the column just past the last
/// character, so a span that ends a 425-character line has `col_end` 426.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    /// First byte (inclusive).
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// Line of the first byte.
    pub line_start: usize,
    /// Column of the first character.
    pub col_start: usize,
    /// Line of the last byte.
    pub line_end: usize,
    /// Column just past the last character.
    pub col_end: usize,
}

/// Line starts of one text, for repeated look-ups.
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
    map: Option<&'t OffsetMap>,
}

impl<'t> LineIndex<'t> {
    /// Indexes the line starts of `text` (`\n` ends a line).
    pub fn new(text: &'t str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex {
            text,
            starts,
            map: None,
        }
    }

    /// As [`LineIndex::new`] for a text decoded from a file: the locations
    /// [`LineIndex::locate`] returns carry the file's byte offsets (`map`),
    /// their lines and columns are those of the text.
    pub fn with_map(text: &'t str, map: &'t OffsetMap) -> Self {
        LineIndex {
            map: Some(map),
            ..LineIndex::new(text)
        }
    }

    /// [`LineIndex::with_map`] when the text was decoded (`map`), else
    /// [`LineIndex::new`].
    pub fn of(text: &'t str, map: Option<&'t OffsetMap>) -> Self {
        match map {
            Some(m) => LineIndex::with_map(text, m),
            None => LineIndex::new(text),
        }
    }

    /// 1-based line and character column of byte `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let col = self.text[self.starts[line]..offset].chars().count() + 1;
        (line + 1, col)
    }

    /// The location of the half-open byte range `[start, end)` of the text.
    ///
    /// The end position is that of the last byte, plus one column, so a
    /// range ending just before a newline ends on that line. With a map
    /// ([`LineIndex::with_map`]) `start` and `end` of the result are the
    /// file's offsets of those text offsets.
    pub fn locate(&self, start: usize, end: usize) -> Location {
        let (line_start, col_start) = self.line_col(start);
        let (line_end, col_end) = if end > start {
            let last = self.text[..end]
                .char_indices()
                .next_back()
                .map_or(0, |(i, _)| i);
            let (l, c) = self.line_col(last);
            (l, c + 1)
        } else {
            (line_start, col_start)
        };
        let (start, end) = match self.map {
            Some(m) => (m.original(start), m.original(end)),
            None => (start, end),
        };
        Location {
            start,
            end,
            line_start,
            col_start,
            line_end,
            col_end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let t = "ab\nçdé\n\nx";
        let ix = LineIndex::new(t);
        assert_eq!(ix.line_col(0), (1, 1));
        assert_eq!(ix.line_col(3), (2, 1));
        assert_eq!(ix.line_col(5), (2, 2)); // after the 2-byte ç
        assert_eq!(ix.line_col(t.len() - 1), (4, 1));
        let loc = ix.locate(0, 2);
        assert_eq!(
            (loc.line_start, loc.col_start, loc.line_end, loc.col_end),
            (1, 1, 1, 3)
        );
        // A range through "dé" ends at column 4 of line 2 (é is 2 bytes).
        let loc = ix.locate(5, 8);
        assert_eq!((loc.line_end, loc.col_end), (2, 4));
        // Including the newline ends on that line, past the newline.
        let loc = ix.locate(0, 3);
        assert_eq!((loc.line_end, loc.col_end), (1, 4));
    }
}
