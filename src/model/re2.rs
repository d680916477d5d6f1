//! Regular expressions as Istio reads them: RE2 syntax, parsed by Go's `regexp` (Istio's
//! admission webhook compiles every `regex` match with it, and Envoy runs RE2). The syntax is
//! parsed here by `regex-syntax`, the parser of Rust's `regex` crate, whose language is RE2's
//! with a few additions; those additions, which Go refuses, are refused on top of it. Where
//! the two parsers differ the other way (Go takes `\Q…\E` and octal escapes, which are
//! refused here), a valid pattern is refused: loud and harmless, never an apply-time failure.

use regex_syntax::ast::{self, Ast, ClassSetItem, ClassUnicodeKind, Flag, HexLiteralKind, LiteralKind, RepetitionRange};

/// The longest pattern Istio takes: it approximates Envoy's RE2 program-size limit by length.
pub const MAX_LEN: usize = 1024;

/// Go's largest repetition count (`a{1001}` is "invalid repeat count").
const MAX_REPEAT: u32 = 1000;

/// The Unicode classes Go's `regexp` knows by name (`\p{Greek}`): its general categories and
/// the scripts its parser finds, as Go 1.26 answers. Rust's parser takes more (binary
/// properties such as `Alphabetic`, `script=…` forms), which Go refuses.
const GO_CLASSES: &[&str] = &["Adlam", "Ahom", "Any", "Arabic", "Armenian", "Avestan", "Balinese", "Bamum", "Batak", "Bengali", "Bhaiksuki", "Bopomofo", "Brahmi", "Braille", "Buginese", "Buhid", "C", "Carian", "Cc", "Cf", "Chakma", "Cham", "Cherokee", "Chorasmian", "Cn", "Co", "Common", "Coptic", "Cs", "Cuneiform", "Cypriot", "Cyrillic", "Deseret", "Devanagari", "Dogra", "Duployan", "Elbasan", "Elymaic", "Ethiopic", "Georgian", "Glagolitic", "Gothic", "Grantha", "Greek", "Gujarati", "Gurmukhi", "Han", "Hangul", "Hanunoo", "Hatran", "Hebrew", "Hiragana", "Inherited", "Javanese", "Kaithi", "Kannada", "Katakana", "Kawi", "Kharoshthi", "Khmer", "Khojki", "Khudawadi", "L", "LC", "Lao", "Latin", "Lepcha", "Limbu", "Lisu", "Ll", "Lm", "Lo", "Lt", "Lu", "Lycian", "Lydian", "M", "Mahajani", "Makasar", "Malayalam", "Mandaic", "Manichaean", "Marchen", "Mc", "Me", "Medefaidrin", "Miao", "Mn", "Modi", "Mongolian", "Mro", "Multani", "Myanmar", "N", "Nabataean", "Nandinagari", "Nd", "Newa", "Nko", "Nl", "No", "Nushu", "Ogham", "Oriya", "Osage", "Osmanya", "P", "Palmyrene", "Pc", "Pd", "Pe", "Pf", "Phoenician", "Pi", "Po", "Ps", "Rejang", "Runic", "S", "Samaritan", "Saurashtra", "Sc", "Sharada", "Shavian", "Siddham", "Sinhala", "Sk", "Sm", "So", "Sogdian", "Soyombo", "Sundanese", "Syriac", "Tagalog", "Tagbanwa", "Takri", "Tamil", "Tangsa", "Tangut", "Telugu", "Thaana", "Thai", "Tibetan", "Tifinagh", "Tirhuta", "Toto", "Ugaritic", "Vai", "Vithkuqi", "Wancho", "Yezidi", "Yi", "Z", "Zl", "Zp", "Zs"];

/// Whether Istio would accept `pattern` as a `regex` match: Err says why not.
pub fn check(pattern: &str) -> Result<(), String> {
    if pattern.is_empty() {
        return Err("an empty regex matches nothing Istio accepts (it refuses it)".into());
    }
    if pattern.len() > MAX_LEN {
        return Err(format!("a regex of {} bytes is longer than Istio's limit of {MAX_LEN}", pattern.len()));
    }
    let parsed = ast::parse::ParserBuilder::new().nest_limit(1000).build().parse(pattern);
    let ast = parsed.map_err(|e| format!("not an RE2 regex: {}", e.kind()))?;
    go_refuses(&ast).map_or(Ok(()), |why| Err(format!("not an RE2 regex as Go reads it: {why}")))
}

/// What in a parsed pattern Go's parser refuses though Rust's takes it, if anything.
fn go_refuses(a: &Ast) -> Option<String> {
    match a {
        Ast::Flags(f) => flags(&f.flags.items),
        Ast::Literal(l) => literal(l),
        Ast::ClassUnicode(c) => unicode(c),
        Ast::ClassBracketed(c) => class_set(&c.kind),
        Ast::Repetition(r) => {
            if let ast::RepetitionKind::Range(range) = &r.op.kind {
                let counts = match *range {
                    RepetitionRange::Exactly(n) | RepetitionRange::AtLeast(n) => [n, 0],
                    RepetitionRange::Bounded(m, n) => [m, n],
                };
                if counts.iter().any(|&n| n > MAX_REPEAT) {
                    return Some(format!("a repetition count above {MAX_REPEAT}"));
                }
            }
            if matches!(*r.ast, Ast::Repetition(_)) {
                return Some("a repetition of a repetition (a** or a+*; group it: (a*)*)".to_string());
            }
            go_refuses(&r.ast)
        }
        Ast::Group(g) => match &g.kind {
            ast::GroupKind::NonCapturing(f) => flags(&f.items).or_else(|| go_refuses(&g.ast)),
            _ => go_refuses(&g.ast),
        },
        Ast::Alternation(x) => x.asts.iter().find_map(go_refuses),
        Ast::Concat(x) => x.asts.iter().find_map(go_refuses),
        Ast::Empty(_) | Ast::Dot(_) | Ast::Assertion(_) | Ast::ClassPerl(_) => None,
    }
}

/// Go's flags are `i`, `m`, `s` and `U`; Rust's `x` and `R` are not among them.
fn flags(items: &[ast::FlagsItem]) -> Option<String> {
    items.iter().find_map(|i| match i.kind {
        ast::FlagsItemKind::Flag(Flag::IgnoreWhitespace) => Some("the x flag (Go has i, m, s and U)".to_string()),
        ast::FlagsItemKind::Flag(Flag::CRLF) => Some("the R flag (Go has i, m, s and U)".to_string()),
        _ => None,
    })
}

/// `\u0041`, `\U00000041` and `\u{41}` are Rust's; Go writes `\x{41}`.
fn literal(l: &ast::Literal) -> Option<String> {
    match &l.kind {
        LiteralKind::HexFixed(HexLiteralKind::X) | LiteralKind::HexBrace(HexLiteralKind::X) => None,
        LiteralKind::HexFixed(_) | LiteralKind::HexBrace(_) => Some("a \\u or \\U escape (Go writes \\x{...})".to_string()),
        _ => None,
    }
}

fn unicode(c: &ast::ClassUnicode) -> Option<String> {
    let name = match &c.kind {
        ClassUnicodeKind::OneLetter(l) => l.to_string(),
        ClassUnicodeKind::Named(n) => n.clone(),
        ClassUnicodeKind::NamedValue { name, value, .. } => format!("{name}={value}"),
    };
    let name = name.strip_prefix('^').unwrap_or(&name);
    (!GO_CLASSES.contains(&name)).then(|| format!("no Unicode class {name:?} in Go (it knows general categories such as L or Lu, and scripts such as Greek)"))
}

/// Inside brackets: the Unicode classes, and Rust's set operations `&&`, `--`, `~~`, which Go
/// reads as characters (and refuses where they form a backwards range).
fn class_set(set: &ast::ClassSet) -> Option<String> {
    match set {
        ast::ClassSet::Item(item) => class_item(item),
        ast::ClassSet::BinaryOp(op) => {
            let what = match op.kind {
                ast::ClassSetBinaryOpKind::Intersection => "&&",
                ast::ClassSetBinaryOpKind::Difference => "--",
                ast::ClassSetBinaryOpKind::SymmetricDifference => "~~",
            };
            Some(format!("{what} inside brackets is a set operation in Rust but characters in Go; escape them (\\{})", &what[..1]))
        }
    }
}

fn class_item(item: &ClassSetItem) -> Option<String> {
    match item {
        ClassSetItem::Literal(l) => literal(l),
        ClassSetItem::Range(r) => literal(&r.start).or_else(|| literal(&r.end)),
        ClassSetItem::Unicode(c) => unicode(c),
        // Go reads a `[` inside brackets as a character (and `[:x:]` as a POSIX class, refused
        // when it has no such class); Rust reads a nested class.
        ClassSetItem::Bracketed(_) => Some("a [ inside brackets: a nested class in Rust, a character in Go; escape it (\\[)".to_string()),
        ClassSetItem::Union(u) => u.items.iter().find_map(class_item),
        ClassSetItem::Empty(_) | ClassSetItem::Ascii(_) | ClassSetItem::Perl(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each pattern with what Go 1.26's `regexp.Compile` answered. Where Go takes a pattern
    /// this parser refuses (listed in `REFUSED_THOUGH_GO_TAKES`), the refusal is harmless; the
    /// other way round would be a failure at apply time and must never happen.
    #[test]
    fn agrees_with_go_or_refuses() {
        const REFUSED_THOUGH_GO_TAKES: &[&str] =
            &["(?)", r"[\d-z]", r"\0", r"\123", r"\Q.\E", r"\p{greek}", r"\p{latin}", "a{", "a{,5}", "[a&&b]", "[a~~b]", "[[a]]"];
        let go: &[(&str, bool)] = &[
        (r#"("#, false),
        (r#"((((a))))"#, true),
        (r#"()"#, true),
        (r#"(?!a)"#, false),
        (r#"(?)"#, true),
        (r#"(?:a"#, false),
        (r#"(?<=a)"#, false),
        (r#"(?<n>a)"#, true),
        (r#"(?=a)"#, false),
        (r#"(?P<n>a)"#, true),
        (r#"(?P=n)"#, false),
        (r#"(?R)a"#, false),
        (r#"(?U)a"#, true),
        (r#"(?i"#, false),
        (r#"(?i)a"#, true),
        (r#"(?is-m:a)"#, true),
        (r#"(?m)^a$"#, true),
        (r#"(?s)."#, true),
        (r#"(?x)a"#, false),
        (r#")"#, false),
        (r#".*"#, true),
        (r#"["#, false),
        (r#"[[:foo:]]"#, false),
        (r#"[[:word:]]"#, true),
        (r#"[[a]]"#, true),
        (r#"[\Q]\E]"#, false),
        (r#"[\d-z]"#, true),
        (r#"[\pL]"#, true),
        (r#"[\p{Greek}]"#, true),
        (r#"[^\n]"#, true),
        (r#"[a&&b]"#, true),
        (r#"[a--b]"#, false),
        (r#"[a-\d]"#, false),
        (r#"[a~~b]"#, true),
        (r#"[z-a]"#, false),
        (r#"\"#, false),
        ("\\\u{0}", true),
        (r#"\ "#, true),
        (r#"\%"#, true),
        (r#"\-"#, true),
        (r#"\0"#, true),
        (r#"\1"#, false),
        (r#"\123"#, true),
        (r#"\8"#, false),
        (r#"\<"#, true),
        (r#"\A"#, true),
        (r#"\B"#, true),
        (r#"\C"#, false),
        (r#"\K"#, false),
        (r#"\PL"#, true),
        (r#"\Q.\E"#, true),
        (r#"\U00000041"#, false),
        (r#"\Z"#, false),
        (r#"\_"#, true),
        (r#"\b"#, true),
        (r#"\b{start}"#, true),
        (r#"\d\D\s\S\w\W"#, true),
        (r#"\e"#, false),
        (r#"\f\t\n\r\a"#, true),
        (r#"\h"#, false),
        (r#"\pL"#, true),
        (r#"\pN"#, true),
        (r#"\pZ"#, true),
        (r#"\p{Alphabetic}"#, false),
        (r#"\p{Any}"#, true),
        (r#"\p{Bassa_Vah}"#, false),
        (r#"\p{Cs}"#, true),
        (r#"\p{Greek}"#, true),
        (r#"\p{L&}"#, false),
        (r#"\p{Latin}"#, true),
        (r#"\p{Old_Italic}"#, false),
        (r#"\p{Zs}"#, true),
        (r#"\p{^Greek}"#, true),
        (r#"\p{greek}"#, true),
        (r#"\p{latin}"#, true),
        (r#"\u0041"#, false),
        (r#"\u{41}"#, false),
        (r#"\v"#, true),
        (r#"\x41"#, true),
        (r#"\x{10FFFF}"#, true),
        (r#"\x{110000}"#, false),
        (r#"\z"#, true),
        (r#"]"#, true),
        (r#"^/v[0-9]+/"#, true),
        (r#"a"#, true),
        (r#"a**"#, false),
        (r#"a*?"#, true),
        (r#"a+*"#, false),
        (r#"a++"#, false),
        (r#"a{"#, true),
        (r#"a{,5}"#, true),
        (r#"a{0}"#, true),
        (r#"a{1000,1000}"#, true),
        (r#"a{1000}"#, true),
        (r#"a{1001}"#, false),
        (r#"a{2,1001}"#, false),
        (r#"a{3,2}"#, false),
        (r#"x{1,}"#, true),
        (r#"|"#, true),        ];
        let mut disagree = Vec::new();
        for &(pattern, go_takes) in go {
            let ours = check(pattern).is_ok();
            if ours && !go_takes {
                disagree.push(format!("{pattern:?}: accepted here, refused by Go"));
            }
            if !ours && go_takes && !REFUSED_THOUGH_GO_TAKES.contains(&pattern) {
                disagree.push(format!("{pattern:?}: refused here ({}), taken by Go", check(pattern).unwrap_err()));
            }
        }
        assert!(disagree.is_empty(), "{}", disagree.join("\n"));
    }

    #[test]
    fn length_and_emptiness_as_istio() {
        assert!(check(&"a".repeat(MAX_LEN)).is_ok());
        assert!(check(&"a".repeat(MAX_LEN + 1)).unwrap_err().contains("1025 bytes"));
        assert!(check("").is_err());
    }
}
