//! Unit tests of validation's readers: unknown keys and their hints, the typo search.

use super::*;

#[test]
fn every_known_key_is_within_reach_of_the_typo_search() {
    let tables = [RELEASE, SERVICE, GATEWAY, APPLICATION, METADATA, VERSION, ISTIO_MATCH, STRING_MATCH, GATEWAY_API_MATCH, ROUTING, RETRIES, CORS, HEADER_CHANGES, SPECIFICATION];
    for key in tables.iter().flat_map(|t| t.iter()).map(|k| k.name) {
        assert!(key.is_ascii() && key.len() <= LONGEST_KEY, "{key}");
        assert_eq!(distance(key, key, 0), Some(0), "{key}");
    }
}

/// The edit distance the plain way (every cell of the table, no early stop), ignoring
/// ASCII case: the oracle of the pruned search.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.to_ascii_lowercase().chars().collect(), b.to_ascii_lowercase().chars().collect());
    let mut table = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in table.iter_mut().enumerate() {
        row[0] = i;
    }
    for j in 0..=b.len() {
        table[0][j] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let swap = table[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]);
            table[i][j] = swap.min(table[i - 1][j] + 1).min(table[i][j - 1] + 1);
        }
    }
    table[a.len()][b.len()]
}

#[test]
fn distance_is_the_edit_distance_when_within_reach() {
    let longest = "k".repeat(LONGEST_KEY);
    let words = ["", "a", "B", "ab", "ba", "weight", "wieght", "WEIGHT", "wait", "strategy", "stratgy", "sategy", "strategies",
        "match", "matches", "mtach", "versions", "versoins", "namespace", "nmaespace", "iter8Version", "itr8Versoin", "x-y", &longest];
    assert_eq!(distance(&longest, &"k".repeat(LONGEST_KEY + 1), 8), None, "longer than any known key");
    for a in words {
        for b in words {
            let d = edit_distance(a, b);
            for reach in 0..8 {
                assert_eq!(distance(a, b, reach), (d <= reach).then_some(d), "{a:?} {b:?} reach {reach}");
            }
        }
    }
}

#[test]
fn closest_reaches_a_quarter_of_the_known_key() {
    assert_eq!(closest("stratgy", APPLICATION), Some("strategy"));
    // Two characters short of `strategy` (eight): as far as it may be.
    assert_eq!(closest("sategy", APPLICATION), Some("strategy"));
    assert_eq!(closest("STRATEGY", APPLICATION), Some("strategy"));
    // Twelve characters reach three edits.
    assert_eq!(closest("itr8Versoin", RELEASE), Some("iter8Version"));
    assert_eq!(closest("zzzzzzzz", APPLICATION), None);
    assert_eq!(closest("strat", APPLICATION), None, "three edits from an eight-character key");
}

#[test]
fn a_misplaced_key_is_sent_where_it_belongs() {
    let cases = [
        ("strategy", "", Some("application.strategy")),
        ("port", "", Some("application.port")),
        ("image", "", Some("application.versions[i].image")),
        ("environment", "application", Some("environment at the top level")),
        ("image", "application", Some("application.versions[i].image")),
        ("strategy", "application", None),
        ("strategy", "application.versions[1]", Some("application.strategy")),
        ("gateway", "application.versions[0]", Some("gateway at the top level")),
        ("image", "application.versions[0]", None),
        ("strategy", "application.versions[0].metadata", None),
        ("strategy", "metadata[0]", None),
        ("nothing", "", None),
    ];
    for (key, path, want) in cases {
        assert_eq!(misplaced(key, path).as_deref(), want, "{key} at {path:?}");
    }
}

#[test]
fn only_a_true_key_gets_the_yaml11_hint() {
    let mut r = reader();
    r.known_keys(&node("attemps: 3\ntrue: 5xx\n"), "application.routing.retries", RETRIES);
    let said: Vec<String> = r.report.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(said.len(), 2, "{said:?}");
    assert!(said[0].contains("did you mean `attempts`?") && !said[0].contains("`on`"), "{said:?}");
    assert!(said[1].contains("did you mean `on`?"), "{said:?}");
}

#[test]
fn hints_stop_after_a_thousand_problems() {
    let mut r = reader();
    assert_eq!(r.closest("stratgy", APPLICATION), Some("strategy"));
    for i in 0..HINTED_PROBLEMS {
        r.report.error(Problem::new("x", format!("problem {i}")));
    }
    assert_eq!(r.closest("stratgy", APPLICATION), None);
}

fn reader() -> Reader {
    Reader { report: Report::default(), strict: false }
}

fn node(yaml: &str) -> Node {
    crate::input::values::parse(yaml.as_bytes(), crate::input::limits::Limits::default()).expect("test YAML parses")
}

/// The errors a reader reported, as `path: message (line:column)`; a value's position is
/// that of its key, and a missing value is reported at its parent.
fn said(r: &Reader) -> Vec<String> {
    r.report.errors.iter().map(|p| format!("{p} ({}:{})", p.pos.map_or(0, |x| x.line), p.pos.map_or(0, |x| x.col))).collect()
}

#[test]
fn string_takes_text_and_names_what_it_found() {
    let v = node("a: text\nb: 1.10\nc: [x]\nd: null\n");
    let mut r = reader();
    assert_eq!(r.string(v.get("a"), "a").as_deref(), Some("text"));
    assert_eq!(r.string(v.get("d"), "d"), None, "null is absent");
    assert_eq!(r.string(v.get("missing"), "missing"), None);
    assert!(r.report.errors.is_empty());
    assert_eq!(r.string(v.get("b"), "b"), None);
    assert_eq!(r.string(v.get("c"), "c"), None);
    let got = said(&r);
    assert!(got[0].starts_with("b: expected a string, found") && got[0].contains("quote it if text is meant") && got[0].ends_with("(2:1)"), "{got:?}");
    assert!(got[1].starts_with("c: expected a string, found") && !got[1].contains("quote"), "{got:?}");
}

#[test]
fn required_says_missing_once_at_the_parent() {
    let v = node("app:\n  name: \"\"\n");
    let app = v.get("app").expect("app");
    let mut r = reader();
    assert_eq!(r.required(app.get("name"), "app.name", app, "is required"), None);
    assert_eq!(r.required(app.get("image"), "app.image", app, "is required"), None);
    assert_eq!(said(&r), vec!["app.name: is required (2:3)".to_string(), "app.image: is required (1:1)".to_string()]);
}

#[test]
fn integer_and_port_keep_to_their_range() {
    let v = node("a: 80\nb: 0\nc: 70000\nd: -1\ne: \"80\"\n");
    let mut r = reader();
    assert_eq!(r.port(v.get("a"), "a"), Some(80));
    assert_eq!(r.port(v.get("b"), "b"), None);
    assert_eq!(r.port(v.get("c"), "c"), None);
    assert_eq!(r.integer(v.get("d"), "d", "a weight", (0, 100)), None);
    assert_eq!(r.port(v.get("e"), "e"), None, "a quoted number is text");
    let got = said(&r);
    assert!(got[0].starts_with("b: expected a port number (1-65535), found"), "{got:?}");
    assert_eq!(got[1], "c: a port number (1-65535) must be at most 65535, found 70000 (3:1)");
    assert!(got[2].starts_with("d: expected a weight, found"), "{got:?}");
    assert!(got[3].starts_with("e: expected a port number"), "{got:?}");
}

#[test]
fn map_and_list_accept_absent_and_refuse_the_other_shapes() {
    let v = node("m: {a: 1}\nl: [1]\nn: null\n");
    let mut r = reader();
    assert!(r.map(v.get("m"), "m").is_some());
    assert!(r.list(v.get("l"), "l").is_some());
    assert!(r.map(v.get("n"), "n").is_none() && r.list(v.get("x"), "x").is_none());
    assert!(r.report.errors.is_empty());
    assert!(r.map(v.get("l"), "l").is_none());
    assert!(r.list(v.get("m"), "m").is_none());
    let got = said(&r);
    assert!(got[0].starts_with("l: expected a mapping, found") && got[1].starts_with("m: expected a list, found"), "{got:?}");
}

#[test]
fn known_keys_warn_with_a_hint_and_strict_makes_them_errors() {
    let v = node("wieght: 1\nstrategy: canary\n");
    let mut r = reader();
    r.known_keys(&v, "application.versions[0]", VERSION);
    assert!(r.report.errors.is_empty());
    let w: Vec<String> = r.report.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(w, vec!["application.versions[0].wieght: unknown key; did you mean `weight`?", "application.versions[0].strategy: unknown key; did you mean application.strategy?"]);
    let mut strict = Reader { report: Report::default(), strict: true };
    strict.known_keys(&v, "application.versions[0]", VERSION);
    assert_eq!(strict.report.errors.len(), 2);
    assert!(strict.report.warnings.is_empty());
}

#[test]
fn name_reports_the_rule_broken() {
    let v = node("n: HttpBin\n");
    let mut r = reader();
    r.name("httpbin", v.get("n"), "n", names::rfc1035_label);
    assert!(r.report.errors.is_empty());
    r.name("HttpBin", v.get("n"), "n", names::rfc1035_label);
    let got = said(&r);
    assert!(got[0].starts_with("n: \"HttpBin\" ") && got[0].ends_with("(1:1)"), "{got:?}");
}

#[test]
fn a_typo_finds_its_key_and_a_stranger_finds_none() {
    assert_eq!(closest("wieght", VERSION), Some("weight"));
    assert_eq!(closest("Stratgy", APPLICATION), Some("strategy"));
    assert_eq!(closest("stratgy123456", APPLICATION), None);
    assert_eq!(closest(&"x".repeat(100_000), APPLICATION), None);
    assert_eq!(distance("a", &"a".repeat(LONGEST_KEY + 1), 100), None);
    assert_eq!(distance("kitten", "sitting", 3), Some(3));
    assert_eq!(distance("kitten", "sitting", 2), None);
    assert_eq!(distance("SectionName", "sectionName", 0), Some(0));
}
