//! Version affinity's cookie regex, matched by Go's regexp (RE2, as Istio validates it and
//! Envoy matches it) against Cookie headers: it matches exactly when the header carries the
//! version's cookie, whether the proxy matches the whole value (Envoy) or searches in it.

mod common;

use proptest::prelude::*;
use releasegen::plan::affinity::cookie_regex;
use serde_json::json;
use std::sync::{Mutex, OnceLock};

/// (whole value matches, a search finds it) for each header.
fn go_match(regex: &str, headers: &[String]) -> Vec<(bool, bool)> {
    static GO: OnceLock<Mutex<common::GoHelper>> = OnceLock::new();
    let go = GO.get_or_init(|| Mutex::new(common::GoHelper::start("cookiematch", "match regexes as RE2 does")));
    let r = go.lock().unwrap_or_else(|e| e.into_inner()).ask(&json!({"regex": regex, "headers": headers}));
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
