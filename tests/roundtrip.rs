//! Every string releasegen writes reads back exactly in kubectl (go-yaml), or the input is
//! refused cleanly. Arbitrary Unicode text — control characters, noncharacters,
//! tabs, CR, U+2028, the BOM, indicator characters, empty strings, keys over 1024 characters —
//! goes into string fields of the values: an annotation value, a key and a value of a
//! pass-through spec, an image and a match header value. The stream, and the routing
//! documents inside the routemap (which the Iter8 controller decodes with the same reader), are
//! decoded by `kubectl label --local -f - -o json`, and every value must equal what was given.

mod common;

use proptest::prelude::*;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// Characters that have broken YAML writers, mixed with ordinary ones.
fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        3 => prop::sample::select(vec![
            '\0', '\t', '\n', '\r', '\x07', '\x1b', '\x7f', '\u{85}', '\u{a0}', '\u{2028}', '\u{2029}', '\u{feff}',
            '\u{fffe}', '\u{ffff}', '\u{fdd0}', '\u{1f600}', '\u{10ffff}', ' ', '"', '\'', '\\', ':', '#', '-', '?',
            ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '%', '@', '`', '<',
        ]),
        2 => prop::char::range('a', 'z'),
    ]
}

fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::collection::vec(hostile_char(), 0..24).prop_map(|v| v.into_iter().collect()),
        1 => (prop::collection::vec(hostile_char(), 0..4), 1000..1100usize)
            .prop_map(|(v, n)| { let s: String = v.into_iter().collect(); format!("{s}{}", "k".repeat(n)) }),
        1 => prop::sample::select(vec!["\n".to_string(), "\n\n".to_string(), "\n\tx".to_string(), "\tx\ny".to_string(), String::new(), "yes".to_string(), "<<".to_string()]),
    ]
}

/// A YAML double-quoted scalar that any YAML reader decodes to `s`: everything that is not
/// printable in YAML is escaped, as is what JSON would leave raw.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}') => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

struct Case {
    annotation: String,
    spec_key: String,
    spec_value: String,
    image: String,
    header: String,
}

fn values(c: &Case) -> String {
    format!(
        "environment: deployment-istio\napplication:\n  strategy: canary\n  metadata:\n    annotations:\n      note: {}\n  versions:\n  - deploymentSpecification:\n      spec:\n        ? {}\n        : {}\n        selector: {{matchLabels: {{app: x}}}}\n  - image: {}\n    match:\n    - headers:\n        x-h: {{exact: {}}}\n",
        quoted(&c.annotation), quoted(&c.spec_key), quoted(&c.spec_value), quoted(&c.image), quoted(&c.header)
    )
}

fn run(args: &[&str], input: &[u8]) -> (Option<i32>, Vec<u8>, String) {
    let r = common::run_bin(args, input);
    (r.code, r.stdout.into_bytes(), r.stderr)
}

/// kubectl's reading of a stream: its objects, in order.
fn kubectl(stream: &str) -> Result<Vec<Value>, String> {
    let (code, out, err) = {
        let mut child = Command::new("kubectl")
            .args(["label", "--local", "-f", "-", "roundtrip=yes", "-o", "json"])
            .stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("kubectl runs");
        // From a thread of its own: kubectl prints each object as it reads it.
        let (mut stdin, input) = (child.stdin.take().unwrap(), stream.as_bytes().to_vec());
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        (out.status.code(), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    if code != Some(0) {
        return Err(err);
    }
    // One JSON object per input object (a List when kubectl groups them).
    let mut objs = Vec::new();
    for v in serde_json::Deserializer::from_slice(&out).into_iter::<Value>() {
        let v = v.map_err(|e| e.to_string())?;
        match v["kind"].as_str() {
            Some("List") => objs.extend(v["items"].as_array().cloned().unwrap_or_default()),
            _ => objs.push(v),
        }
    }
    Ok(objs)
}

fn check(c: &Case) -> Result<(), TestCaseError> {
    let input = values(c);
    let (code, out, err) = run(&["render", "--name", "rt", "-n", "ns", "--ready", "all"], input.as_bytes());
    prop_assert!(!err.contains("panicked"), "{err}");
    if std::env::var_os("ROUNDTRIP_DEBUG").is_some() {
        eprintln!("outcome: {code:?} {}", err.lines().find(|l| l.starts_with("error")).unwrap_or(""));
    }
    if code == Some(1) {
        prop_assert!(out.is_empty(), "a refusal writes nothing to stdout");
        prop_assert!(err.starts_with("error:") || err.contains("\nerror:"), "a refusal says why: {err}");
        return Ok(());
    }
    prop_assert_eq!(code, Some(0), "{}", err);
    let stream = String::from_utf8(out).unwrap();
    let objs = kubectl(&stream).map_err(|e| TestCaseError::fail(format!("kubectl refused the stream: {e}\n{stream}")))?;
    let find = |kind: &str, name: &str| objs.iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name).cloned();
    let primary = find("Deployment", "rt-0").ok_or_else(|| TestCaseError::fail("no rt-0 Deployment"))?;
    prop_assert_eq!(&primary["metadata"]["annotations"]["note"], &Value::from(c.annotation.clone()));
    prop_assert_eq!(&primary["spec"][&c.spec_key], &Value::from(c.spec_value.clone()));
    let candidate = find("Deployment", "rt-1").ok_or_else(|| TestCaseError::fail("no rt-1 Deployment"))?;
    prop_assert_eq!(&candidate["spec"]["template"]["spec"]["containers"][0]["image"], &Value::from(c.image.clone()));
    let live = find("VirtualService", "rt").ok_or_else(|| TestCaseError::fail("no VirtualService"))?;
    prop_assert_eq!(&live["spec"]["http"][0]["match"][0]["headers"]["x-h"]["exact"], &Value::from(c.header.clone()));
    // The routemap's precomputed documents, as the controller decodes them.
    let routemap = find("ConfigMap", "rt-routemap").ok_or_else(|| TestCaseError::fail("no routemap"))?;
    let ready: String = routemap["data"].as_object().unwrap().iter()
        .filter(|(k, _)| k.starts_with("ready-"))
        .map(|(_, v)| format!("---\n{}", v.as_str().unwrap()))
        .collect();
    let states = kubectl(&ready).map_err(|e| TestCaseError::fail(format!("kubectl refused a ready-* document: {e}")))?;
    let both = states.iter().find(|s| s["spec"]["http"].as_array().is_some_and(|h| h.len() == 2)).ok_or_else(|| TestCaseError::fail("no state with both versions"))?;
    prop_assert_eq!(&both["spec"]["http"][0]["match"][0]["headers"]["x-h"]["exact"], &Value::from(c.header.clone()));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_string_reads_back_in_kubectl_or_is_refused(
        annotation in hostile(), spec_key in hostile(), spec_value in hostile(), image in hostile(), header in hostile()
    ) {
        check(&Case { annotation, spec_key, spec_value, image, header })?;
    }
}

/// The cases the review found, every time (the random ones above may miss them).
#[test]
fn the_strings_the_review_found() {
    let found = ["\n\tstarts with a tab", "x\u{fffe}y\u{ffff}", "\n", "\tx\ny"];
    let long_key = "k".repeat(1100);
    for s in found {
        let c = Case { annotation: s.into(), spec_key: long_key.clone(), spec_value: s.into(), image: "img".into(), header: s.into() };
        check(&c).unwrap_or_else(|e| panic!("{s:?}: {e}"));
    }
}
