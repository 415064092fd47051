//! Making untrusted text safe to show: file names and document text reach
//! terminals, CI logs and CI runners, which act on control characters (a
//! newline starts a line a runner may read as a command, ESC starts a
//! terminal escape sequence).
//!
//! [`visible`] is the one routine for everything a person or a CI runner
//! reads as plain text (the text report, stderr notes, progress messages):
//! control characters become visible escapes, so nothing a document or a
//! file name contains can start a line of output or send a terminal
//! escape. Machine formats keep their own escaping (JSON and SARIF through
//! serde, GitHub workflow commands through `report::github`).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

/// Whether `c` is shown as an escape by [`visible`]: the C0 controls (tab,
/// CR, LF and ESC among them), DEL, the C1 controls (U+0080-U+009F, CSI
/// U+009B and NEL U+0085 among them), the Unicode line and paragraph
/// separators (U+2028, U+2029), and the bidirectional embedding, override
/// and isolate controls (U+202A-U+202E, U+2066-U+2069) that reorder what a
/// terminal or a browser displays.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every character of [`needs_escape`] written as a visible escape:
/// `\t`, `\n`, `\r` for those three, `\xHH` for the other ASCII controls
/// (`\x1b` for ESC, `\x7f` for DEL) and `\u{HHHH}` for the rest (`\u{9b}`).
/// Everything else, backslashes included, is unchanged, and text with
/// nothing to escape is returned as is, without copying.
pub fn visible(s: &str) -> Cow<'_, str> {
    let Some(first) = s.find(needs_escape) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) && c.is_ascii() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A path as [`visible`] text (bytes that are not UTF-8 shown as U+FFFD).
pub fn path(p: &Path) -> String {
    visible(&p.to_string_lossy()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible_escapes() {
        assert_eq!(visible("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(visible("\x1b[2J"), "\\x1b[2J");
        assert_eq!(visible("\x1b]0;title\x07"), "\\x1b]0;title\\x07");
        assert_eq!(visible("\0 \x7f"), "\\x00 \\x7f");
        assert_eq!(visible("\u{9b}2J \u{85}"), "\\u{9b}2J \\u{85}");
        assert_eq!(visible("a\u{2028}b\u{202e}c"), "a\\u{2028}b\\u{202e}c");
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for s in ["", "plain.txt", "dir\\name", "Ｆｉｌｅ ünïcode 日本語 🙂"] {
            assert!(matches!(visible(s), Cow::Borrowed(x) if x == s));
        }
    }

    /// Oracle written from the definition, sharing no code with `visible`.
    fn has_raw_control(s: &str) -> bool {
        s.chars().any(|c| {
            let u = c as u32;
            u < 0x20 || (0x7f..=0x9f).contains(&u) || u == 0x2028 || u == 0x2029
        })
    }

    #[test]
    fn every_char_up_to_u_3000_escapes_to_printable_text() {
        for u in 0..0x3000u32 {
            let Some(c) = char::from_u32(u) else { continue };
            let s = format!("x{c}y");
            let v = visible(&s);
            assert!(!has_raw_control(&v), "U+{u:04X} -> {v:?}");
            assert!(v.starts_with('x') && v.ends_with('y'));
            if !needs_escape(c) {
                assert_eq!(v, s);
            }
        }
    }
}
