//! The scalar rules every writer shares: when a string may be written plain, when as a literal
//! block, and how it is double-quoted (in a template, with `{ } < > &` as `\xNN` escapes).

use std::borrow::Cow;

pub(super) const YAML11_WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];

/// Strings that every YAML 1.1 and 1.2 reader takes as the same string when unquoted.
/// Byte by byte: every key and scalar of every state passes through here.
pub fn plain_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else { return false };
    (first.is_ascii_alphabetic() || first == b'_' || first == b'/')
        && b.iter().all(|&c| PLAIN[usize::from(c)])
        && !(b.len() <= 5 && yaml11_word(first, s))
}

/// Whether `s` is one of `YAML11_WORDS` in any case. Most short keys (`name`, `kind`, `spec`,
/// `host`) are told apart by their first letter, before any word is compared.
fn yaml11_word(first: u8, s: &str) -> bool {
    matches!(first | 0x20, b'y' | b'n' | b'o' | b't' | b'f') && YAML11_WORDS.iter().any(|w| w.len() == s.len() && w.eq_ignore_ascii_case(s))
}

/// `[A-Za-z0-9._/-]`, as a table.
const PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/' | b'-');
        c += 1;
    }
    t
};

/// Multi-line text is clearer as a literal block, when the block can carry it exactly: no
/// control characters but tab and newline, no BOM or Unicode line separators, no line of
/// only spaces (it would be read back as empty), and in a template none of the characters
/// that must be escaped.
#[cfg(test)]
pub(super) fn block_ok(s: &str, template: bool) -> bool {
    block_chars_ok(s, template) && !s.split('\n').any(blank)
}

const ONES: u64 = 0x0101_0101_0101_0101;

/// Where the first newline of `b` is, eight bytes at a time: the routemap's lines are short,
/// and `memchr` pays its set-up on each one.
pub(super) fn next_newline(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(chunk) = b.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        // A zero byte of `x` is a newline of the chunk; the lowest flagged byte is exact
        // (a borrow only runs upwards, from a true zero).
        let x = u64::from_le_bytes(*chunk) ^ (ONES * u64::from(b'\n'));
        let found = x.wrapping_sub(ONES) & !x & (ONES * 0x80);
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b.get(i..)?.iter().position(|&c| c == b'\n').map(|k| i + k)
}

/// A line a literal block cannot carry: only spaces and tabs. Looked at whole only when it
/// ends with one (a routemap's thousands of lines never do).
pub(super) fn blank(line: &str) -> bool {
    matches!(line.as_bytes().last(), Some(b' ' | b'\t')) && line.bytes().all(|c| c == b' ' || c == b'\t')
}

/// The characters of `block_ok`, and at least one content line (only newlines, `"\n"`, has
/// none, and a block without one reads back as ""). Printable ASCII, tabs and newlines are
/// told in one branch-free pass the compiler vectorizes (the routemap's strings are large);
/// other text is looked at byte by byte.
pub(super) fn block_chars_ok(s: &str, template: bool) -> bool {
    let b = s.as_bytes();
    if !b.contains(&b'\n') || b.iter().all(|&c| c == b'\n') {
        return false;
    }
    let odd = |c: u8| (c < 0x20) & (c != b'\n') & (c != b'\t') | (c >= 0x7f);
    let syntax = |c: u8| (c == b'{') | (c == b'}') | (c == b'<') | (c == b'>') | (c == b'&');
    let plain_ascii = if template {
        !b.iter().fold(false, |acc, &c| acc | odd(c) | syntax(c))
    } else {
        !b.iter().fold(false, |acc, &c| acc | odd(c))
    };
    plain_ascii
        || b.iter().enumerate().all(|(i, &c)| match BLOCK[usize::from(c)] {
            Byte::Control => false,
            Byte::Syntax => !template,
            Byte::Lead => !special_at(&b[i..]),
            Byte::Text => true,
        })
}

#[derive(Clone, Copy)]
enum Byte {
    /// Printable, a tab or a newline: carried as it is.
    Text,
    /// Never in a block: C0 controls but tab and newline, and DEL.
    Control,
    /// `{ } < > &`: escaped in a template.
    Syntax,
    /// May start a character a block cannot carry (`special_at`).
    Lead,
}

const BLOCK: [Byte; 256] = {
    let mut t = [Byte::Text; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = match c as u8 {
            b'\t' | b'\n' => Byte::Text,
            0..=0x1f | 0x7f => Byte::Control,
            b'{' | b'}' | b'<' | b'>' | b'&' => Byte::Syntax,
            0xC2 | 0xE2 | 0xEF => Byte::Lead,
            _ => Byte::Text,
        };
        c += 1;
    }
    t
};

/// Whether the UTF-8 sequence at the start of `b` is a C1 control, U+2028/U+2029, the BOM,
/// or U+FFFE/U+FFFF.
pub(super) fn special_at(b: &[u8]) -> bool {
    let next = |k: usize| b.get(k).copied().unwrap_or(0);
    match next(0) {
        0xC2 => (0x80..=0x9F).contains(&next(1)),
        0xE2 => next(1) == 0x80 && matches!(next(2), 0xA8 | 0xA9),
        0xEF => (next(1) == 0xBB && next(2) == 0xBF) || (next(1) == 0xBF && matches!(next(2), 0xBE | 0xBF)),
        _ => false,
    }
}

/// Characters written as escapes although they are not control characters: the BOM and the
/// Unicode line breaks (YAML 1.2 and go-yaml fold or strip them), and U+FFFE/U+FFFF, which
/// go-yaml refuses raw ("control characters are not allowed").
pub(super) fn special(c: char) -> bool {
    matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{fffe}' | '\u{ffff}')
}

/// The longest implicit key go-yaml and libyaml read is 1024 characters
/// (`simple_key.mark.index + 1024`); bytes are compared, which errs on the explicit side.
pub(super) const IMPLICIT_KEY_MAX: usize = 1000;

pub(super) fn key_text(k: &str, template: bool) -> Cow<'_, str> {
    if plain_ok(k) { Cow::Borrowed(k) } else { Cow::Owned(double_quoted(k, template)) }
}

/// A YAML double-quoted scalar; in template mode also hides template and HTML syntax.
pub fn double_quoted(s: &str, template: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '{' | '}' | '<' | '>' | '&' if template => out.push_str(&format!("\\x{:02X}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\x{:02X}", c as u32)),
            c if special(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
