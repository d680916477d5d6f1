//! How long a value is as JSON, counted without writing it. The routemap's size limit is a
//! size as JSON (client-side apply keeps the object as compact JSON in an annotation), and
//! writing 2^N state documents a second time only to measure them once cost more than the
//! whole rest of a render (docs/performance.md).
//!
//! The count is of Go's encoding/json, which writes that annotation: besides the escapes
//! every JSON writer makes, it writes `<`, `>` and `&` as `\u003c`… and U+2028, U+2029 as
//! `\u2028`, `\u2029`. Object keys are counted the same way.

use serde_json::Value;

/// What Go's encoding/json adds to a byte of a string: 1 for `"`, `\` and the control
/// characters with a short escape, 5 for the other control characters and `<`, `>`, `&`
/// (`\u00XX` for one byte).
const EXTRA: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = 5;
        b += 1;
    }
    t[b'\n' as usize] = 1;
    t[b'\r' as usize] = 1;
    t[b'\t' as usize] = 1;
    t[0x08] = 1;
    t[0x0c] = 1;
    t[b'"' as usize] = 1;
    t[b'\\' as usize] = 1;
    t[b'<' as usize] = 5;
    t[b'>' as usize] = 5;
    t[b'&' as usize] = 5;
    t
};

/// The length of `text` as a JSON string, quotes included.
pub fn string_len(text: &str) -> usize {
    text.len() + 2 + escapes_len(text)
}

/// What escaping adds to `text` as a JSON string (quotes not included). Additive: the
/// escapes of two texts joined are the sum of theirs, since every escape is of one
/// character.
pub fn escapes_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut extra: usize = bytes.iter().map(|&b| usize::from(EXTRA[usize::from(b)])).sum();
    // U+2028 and U+2029 (E2 80 A8, E2 80 A9): three bytes written as six characters.
    if bytes.contains(&0xe2) {
        extra += bytes.windows(3).filter(|w| w[0] == 0xe2 && w[1] == 0x80 && (w[2] == 0xa8 || w[2] == 0xa9)).count() * 3;
    }
    extra
}

/// The length of `v` as compact JSON.
pub fn value_len(v: &Value) -> usize {
    match v {
        Value::Null => 4,
        Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(n) => n.as_str().len(),
        Value::String(s) => string_len(s),
        Value::Array(items) => 2 + items.len().saturating_sub(1) + items.iter().map(value_len).sum::<usize>(),
        Value::Object(m) => map_len(m.iter().map(|(k, v)| string_len(k) + value_len(v)), m.len()),
    }
}

/// The length of a JSON object whose `count` entries are `key.len() + value.len()` long:
/// braces, a colon per entry and the commas between.
pub fn map_len(entries: impl Iterator<Item = usize>, count: usize) -> usize {
    2 + count + count.saturating_sub(1) + entries.sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// serde_json's compact writer, with what Go adds beyond it, is the oracle here; Go's own
    /// encoder is the oracle of the routemap limit in the cluster harness (the largest release
    /// accepted is applied client-side).
    fn written(v: &Value) -> usize {
        let text = serde_json::to_string(v).expect("JSON");
        text.len() + text.chars().map(|c| match c {
            '<' | '>' | '&' => 5,
            '\u{2028}' | '\u{2029}' => 3,
            _ => 0,
        }).sum::<usize>()
    }

    #[test]
    fn lengths_are_those_written() {
        let strings = ["", "a", "a\"b\\c", "\n\r\t\u{8}\u{c}", "\u{1}\u{1f}\u{7f}", "<a href>&amp;", "naïve ☃ \u{2028}\u{2029}", "\u{2027}\u{202a}"];
        for s in strings {
            assert_eq!(string_len(s), written(&json!(s)), "{s:?}");
        }
        let v = json!({"a": [1, "x", null, true, false, {"<": "\u{2028}"}], "": {}, "e": [], "n": 12.5});
        assert_eq!(value_len(&v), written(&v));
    }

    #[test]
    fn escapes_add_up_over_joined_texts() {
        let parts = ["key: \"a<b\"\n", "  - \u{2028}", "x&y\n"];
        let joined: String = parts.concat();
        assert_eq!(escapes_len(&joined), parts.iter().map(|p| escapes_len(p)).sum::<usize>());
    }
}
