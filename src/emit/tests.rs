//! Unit tests of the YAML writer and the per-state program.

use super::*;
use super::scalar::block_ok;
use super::template::several_expr;
use serde_json::json;

#[test]
fn quotes_what_yaml11_misreads() {
    for s in ["yes", "NO", "on", "y", "1_000", "0755", "<<", "~", "null", "1.10", "", " x", "a: b", "true"] {
        assert!(!plain_ok(s), "{s} must be quoted");
    }
    for s in ["httpbin-0", "app.kubernetes.io/version", "/v2/models/x/infer", "v1.10"] {
        assert!(plain_ok(s), "{s} may be plain");
    }
}

#[test]
fn layout() {
    let v = json!({"a": [{"b": 1, "c": ["x"]}, "yes"], "d": {}, "e": "l1\nl2\n", "f": []});
    assert_eq!(document(&v), "a:\n- b: 1\n  c:\n  - x\n- \"yes\"\nd: {}\ne: |\n  l1\n  l2\nf: []\n");
}

/// Each chomping indicator with the line breaks it keeps: `|-` none, `|` one, `|+` all of
/// them, the last kept line written empty.
#[test]
fn literal_blocks_keep_every_trailing_newline() {
    let v = json!({"s": "a\nb", "c": "a\nb\n", "k": "a\n\n", "kk": "a\nb\n\n\n", "z": 1});
    assert_eq!(document(&v), "s: |-\n  a\n  b\nc: |\n  a\n  b\nk: |+\n  a\n\nkk: |+\n  a\n  b\n\n\nz: 1\n");
}

#[test]
fn literal_blocks_only_when_exact() {
    assert!(block_ok("a\nb\n", false));
    assert!(block_ok("a\n\nb", false));
    assert!(!block_ok("a\n  \nb", false), "a line of spaces would come back empty");
    assert!(block_ok("a  \nb  ", false), "trailing spaces after content are kept");
    assert!(!block_ok("a\n   ", false));
    assert!(!block_ok("a\u{85}\nb", false));
    assert!(!block_ok("a\u{2028}\nb", false));
    assert!(!block_ok("\u{feff}a\nb", false));
    assert!(!block_ok("a\x07\nb", false));
    assert!(block_ok("\ta\nb", false), "a leading tab gets an indentation indicator");
    assert!(!block_ok("\n", false), "only newlines: no content line to carry them");
    assert!(!block_ok("\n\n", false));
    assert!(!block_ok("a\u{fffe}\nb", false));
    assert!(!block_ok("{{ x }}\nb", true));
    assert!(block_ok("{{ x }}\nb", false));
    assert!(block_ok("naïve ☃\nb", false));
}

#[test]
fn newlines_found_at_every_offset() {
    for len in 0..40 {
        for at in 0..len {
            let mut b = vec![b'x'; len];
            b[at] = b'\n';
            if at + 3 < len {
                b[at + 3] = b'\n';
            }
            assert_eq!(next_newline(&b), Some(at), "len {len}, newline at {at}");
        }
        assert_eq!(next_newline(&vec![b' '; len]), None);
    }
    // Bytes next to 0x0A (0x0B, 0x8A) are not newlines.
    assert_eq!(next_newline(b"\x0b\x8a\x09\x0b\x8a\x09\x0b\x8a\x09\n"), Some(9));
}

#[test]
fn a_blank_line_found_while_writing_makes_the_string_quoted() {
    let v = json!({"k": "a\nb\n  \nc\n", "l": "a\nb\n"});
    assert_eq!(document(&v), "k: \"a\\nb\\n  \\nc\\n\"\nl: |\n  a\n  b\n");
    let long = format!("{}\n   \n", "word ".repeat(40));
    assert!(document(&json!({"k": long})).starts_with("k: \"word"));
}

/// The compiled program decides per state what the tree's value decides: which entry of
/// an item continues its `- ` line, and when a node whose parts are all guarded is empty.
#[test]
fn a_compiled_plan_writes_each_state_as_its_value() {
    let v = |x: Value| Tree::Value(x);
    let item = Tree::Map(vec![
        ("a".into(), Guard::Ready(0), v(json!(1))),
        ("b".into(), Guard::Ready(1), Tree::Weight(1)),
        ("c".into(), Guard::Always, v(json!({"d": [1], "s": "a<b&\"\u{2028}"}))),
    ]);
    let guarded_only = Tree::Map(vec![("e".into(), Guard::Ready(2), Tree::Weight(2))]);
    let plan = Tree::Map(vec![
        ("items".into(), Guard::Always, Tree::Seq(vec![(Guard::Always, item), (Guard::Ready(2), v(json!("x")))])),
        ("maybe".into(), Guard::Always, guarded_only.clone()),
        ("list".into(), Guard::Always, Tree::Seq(vec![(Guard::Ready(0), Tree::Weight(0))])),
        ("first".into(), Guard::Always, Tree::Seq(vec![(Guard::Always, Tree::Map(vec![("only".into(), Guard::Ready(1), Tree::Weight(1))]))])),
    ]);
    let mut states = States::new(&plan);
    let mut seen = std::collections::BTreeSet::new();
    for bits in 0..8u32 {
        let w: Vec<u32> = (0..3).map(|i| ((bits >> i) & 1) * 7).collect();
        let (text, len) = states.document(&w);
        assert_eq!(text, document(&plan.at(&w)), "weights {w:?}");
        assert_eq!(len, json::string_len(&text), "weights {w:?}");
        seen.insert(text);
    }
    assert_eq!(seen.len(), 8, "every state is written differently");
    assert!(document(&plan.at(&[0, 7, 0])).contains("- b: 7\n  c:"));
    assert_eq!(States::new(&guarded_only).document(&[0; 3]).0, "{}\n");
}

#[test]
fn several_is_written_as_its_pairs() {
    for ix in [vec![], vec![3], vec![0, 2], vec![0, 1, 2], vec![4, 0, 7, 1, 9]] {
        let (mut counted, mut paired) = (String::new(), String::new());
        several_expr(&mut counted, &ix);
        go_expr(&mut paired, &Guard::pairs(&ix));
        assert_eq!(counted, paired, "{ix:?}");
    }
}

#[test]
fn template_mode_escapes_syntax() {
    let t = Tree::Value(json!({"k": "{{ .X }}<script>&"}));
    assert_eq!(template(&t), "k: \"\\x7B\\x7B .X \\x7D\\x7D\\x3Cscript\\x3E\\x26\"\n");
}

#[test]
fn every_string_has_a_form_go_yaml_reads() {
    let v = json!({"a": "\n\tx\ny", "b": "\n", "c": "x\u{fffe}\u{ffff}", "d": "\t\n"});
    assert_eq!(
        document(&v),
        "a: |2-\n\n  \tx\n  y\nb: \"\\n\"\nc: \"x\\uFFFE\\uFFFF\"\nd: \"\\t\\n\"\n"
    );
    let long = "k".repeat(1001);
    let v = json!({ long.clone(): {"x": 1}, "short": 2 });
    assert_eq!(document(&v), format!("? {long}\n:\n  x: 1\nshort: 2\n"));
    let v = json!([{ long.clone(): "v" }]);
    assert_eq!(document(&v), format!("- ? {long}\n  : v\n"));
}
