//! Version affinity's cookie regex, matched by Go's regexp (RE2, as Istio validates it and
//! Envoy matches it) against Cookie headers: it matches exactly when the header carries the
//! version's cookie, whether the proxy matches the whole value (Envoy) or searches in it.

mod common;

use proptest::prelude::*;
use releasegen::plan::affinity::cookie_regex;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

struct Matcher {
    child: Child,
    out: BufReader<ChildStdout>,
}

fn matcher() -> &'static Mutex<Matcher> {
    static M: OnceLock<Mutex<Matcher>> = OnceLock::new();
    M.get_or_init(|| {
        let bin = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cookiematch-{}", std::process::id()));
        let status = Command::new("go")
            .args(["build", "-o"])
            .arg(&bin)
            .arg(common::root().join("tests/cookiematch/main.go"))
            .env("GOTOOLCHAIN", "local")
            .env("GOFLAGS", "")
            .env("GOPROXY", "off")
            .current_dir(env!("CARGO_TARGET_TMPDIR"))
            .status()
            .unwrap_or_else(|e| panic!("cannot run `go` ({e}): install Go to match regexes as RE2 does"));
        assert!(status.success(), "go build of tests/cookiematch failed");
        let mut child = Command::new(&bin).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("the Go matcher starts");
        let out = BufReader::new(child.stdout.take().unwrap());
        Mutex::new(Matcher { child, out })
    })
}

/// (whole value matches, a search finds it) for each header.
fn go_match(regex: &str, headers: &[String]) -> Vec<(bool, bool)> {
    let mut m = matcher().lock().unwrap_or_else(|e| e.into_inner());
    let stdin = m.child.stdin.as_mut().unwrap();
    writeln!(stdin, "{}", json!({"regex": regex, "headers": headers})).and_then(|()| stdin.flush()).expect("write to the Go matcher");
    let mut line = String::new();
    m.out.read_line(&mut line).expect("read from the Go matcher");
    let r: Value = serde_json::from_str(&line).expect("JSON from the Go matcher");
    assert!(r["error"].is_null(), "{regex}: {}", r["error"]);
    let bools = |k: &str| r[k].as_array().unwrap().iter().map(|b| b.as_bool().unwrap()).collect::<Vec<_>>();
    bools("full").into_iter().zip(bools("search")).collect()
}

/// What the regex is meant to say: the header's `;`-separated pairs, spaces after a `;`
/// dropped (as browsers write them), include `cookie=value` exactly.
fn carries(header: &str, cookie: &str, value: &str) -> bool {
    let want = format!("{cookie}={value}");
    header.split(';').enumerate().any(|(k, pair)| {
        let pair = if k == 0 { pair } else { pair.trim_start_matches([' ', '\t']) };
        pair == want
    })
}

#[test]
fn examples() {
    let regex = cookie_regex("shop-version", "shop-1");
    let cases = [
        ("shop-version=shop-1", true),
        ("a=b; shop-version=shop-1", true),
        ("a=b;shop-version=shop-1;c=d", true),
        ("shop-version=shop-1; c=d", true),
        ("a=b;\tshop-version=shop-1", true),
        ("shop-version=shop-10", false),
        ("shop-version=shop-", false),
        ("my-shop-version=shop-1", false),
        ("a=b; shop-version=shop-0", false),
        ("shop-version=shop-1x; a=shop-version=shop-1", false),
        ("", false),
    ];
    let headers: Vec<String> = cases.iter().map(|(h, _)| h.to_string()).collect();
    for ((h, want), (full, search)) in cases.iter().zip(go_match(&regex, &headers)) {
        assert_eq!((full, search), (*want, *want), "{h:?}");
        assert_eq!(carries(h, "shop-version", "shop-1"), *want, "{h:?}");
    }
}

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$&'*+.^_`|~-]{1,8}"
}

/// A Cookie header built around the cookie: the pair itself, near misses (a longer or shorter
/// name or value, another version's value), and unrelated pairs, in any order and spacing.
fn header(cookie: String, value: String) -> impl Strategy<Value = String> {
    let pair = prop_oneof![
        Just(format!("{cookie}={value}")),
        Just(format!("{cookie}={value}0")),
        Just(format!("{cookie}={}", &value[..value.len() - 1])),
        Just(format!("x{cookie}={value}")),
        Just(format!("{cookie}x={value}")),
        Just(format!("{cookie}= {value}")),
        (token(), "[ -:<-~]{0,8}").prop_map(|(n, v)| format!("{n}={v}")),
        (token()).prop_map(move |n| format!("{n}={value}")),
    ];
    let sep = prop_oneof![Just(";"), Just("; "), Just(";  "), Just(";\t")];
    proptest::collection::vec((pair, sep), 0..5).prop_map(|items| {
        let mut h = String::new();
        for (k, (pair, sep)) in items.iter().enumerate() {
            if k > 0 {
                h.push_str(sep);
            }
            h.push_str(pair);
        }
        h
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// For any cookie name releasegen takes and any version name, the regex matches a header
    /// exactly when the header carries that cookie with that value, both ways of matching.
    #[test]
    fn the_regex_matches_exactly_the_cookie(
        (cookie, value, headers) in (token(), "[a-z]([-a-z0-9]{0,10}[a-z0-9])?")
            .prop_flat_map(|(c, v)| (Just(c.clone()), Just(v.clone()), proptest::collection::vec(header(c, v), 1..20)))
    ) {
        let regex = cookie_regex(&cookie, &value);
        for (h, (full, search)) in headers.iter().zip(go_match(&regex, &headers)) {
            let want = carries(h, &cookie, &value);
            prop_assert_eq!((full, search), (want, want), "{:?} in {:?}", regex, h);
        }
    }
}
