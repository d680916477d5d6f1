//! `application.route`: the user's own routing object, into one rule of which (the one marked
//! `release: true`) the release writes its traffic; and how a rule the release adds there is
//! confined to the requests the marked rule matches (`within`).
//!
//! The user's rules are kept as written, in order. The release's rules (cohorts, version
//! affinity, the split itself) take the marked rule's place, so they take only what the marked
//! rule would have taken: each match clause of a release rule is ANDed with each of the marked
//! rule's (a request must meet both), and validation refuses a pair that no request can meet
//! (two paths, two values of one header), naming both.

use serde_json::{Map, Value};

/// The user's routing object spec, the marked rule taken apart.
#[derive(Clone, Debug, PartialEq)]
pub struct UserRoute {
    /// The spec's fields in the order written (`hostnames`, `parentRefs`; `hosts`, `gateways`,
    /// `exportTo`), with the rules' list (`rules` or `http`) in its place as `Value::Null`.
    pub fields: Vec<(String, Value)>,
    /// The rules before the marked one and after it, verbatim.
    pub before: Vec<Value>,
    pub after: Vec<Value>,
    pub marked: Marked,
}

/// The rule marked `release: true`, without that key.
#[derive(Clone, Debug, PartialEq)]
pub struct Marked {
    /// Its match clauses (Istio `match`, Gateway API `matches`), ORed; empty: every request.
    pub matches: Vec<Value>,
    /// Its `name`: the name of the rule that carries the release's split or primary.
    pub name: Option<String>,
    /// Gateway API: its `filters`, written ahead of the policy's and the release's own.
    pub filters: Vec<Value>,
    /// Its other fields in the order written (Istio `rewrite`, `fault`, …; Gateway API
    /// `timeouts`), copied into every rule of the release.
    pub fields: Vec<(String, Value)>,
}

/// `v` with the keys of every mapping in alphabetical order, lists in theirs.
pub fn canonical(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, x)| (k, canonical(x))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

/// Keys of a match clause whose values are sets of named conditions, ANDed name by name:
/// Istio's maps and the Gateway API's `[{name, value, type}]` lists. (A match, not a table of
/// strings: every string pointer in static data is one more relocation at every start.)
fn named(key: &str) -> bool {
    matches!(key, "headers" | "queryParams" | "withoutHeaders" | "sourceLabels")
}

/// The release's clauses confined to the marked rule's: each of `own` ANDed with each of
/// `marked`, `own` first. Without marked clauses, `own` as it is. A key both set differently is
/// kept as `own` has it; validation refuses such a pair first (`conflict`).
pub fn within(marked: &[Value], own: &[Value]) -> Vec<Value> {
    if marked.is_empty() {
        return own.to_vec();
    }
    let mut out = Vec::with_capacity(own.len() * marked.len());
    for o in own {
        for m in marked {
            out.push(and(m, o));
        }
    }
    out
}

/// One clause meeting both `m` and `o`: `m`'s keys first, then `o`'s others.
fn and(m: &Value, o: &Value) -> Value {
    let (Some(m), Some(o)) = (m.as_object(), o.as_object()) else { return o.clone() };
    let mut out: Map<String, Value> = m.clone();
    for (k, v) in o {
        let merged = match (out.get(k), named(k)) {
            (Some(have), true) => named_union(have, v),
            _ => v.clone(),
        };
        out.insert(k.clone(), merged);
    }
    Value::Object(out)
}

/// Two sets of named conditions as one: `a`'s, then those of `b` not in `a`.
fn named_union(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let mut out = a.clone();
            for (k, v) in b {
                out.entry(k.clone()).or_insert_with(|| v.clone());
            }
            Value::Object(out)
        }
        (Value::Array(a), Value::Array(b)) => {
            let mut out = a.clone();
            out.extend(b.iter().filter(|x| !a.iter().any(|y| same_name(x, y))).cloned());
            Value::Array(out)
        }
        _ => b.clone(),
    }
}

/// Gateway API named conditions name the same header (names are case-insensitive there; a
/// query parameter's is not, and a header's case is all the lists differ in).
fn same_name(a: &Value, b: &Value) -> bool {
    match (a["name"].as_str(), b["name"].as_str()) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    }
}

/// Why no request meets both clauses, as the key they set differently (`path`,
/// `headers.x-user`), or `None` when some request can. Header names compare case-insensitively
/// on the Gateway API; Istio's are lowercase already.
pub fn conflict(m: &Value, o: &Value) -> Option<String> {
    let (m, o) = (m.as_object()?, o.as_object()?);
    for (k, v) in o {
        let Some(have) = m.get(k) else { continue };
        if !named(k) {
            if have != v {
                return Some(k.clone());
            }
            continue;
        }
        match (have, v) {
            (Value::Object(a), Value::Object(b)) => {
                if let Some(name) = b.iter().find(|(n, x)| a.get(*n).is_some_and(|y| y != *x)).map(|(n, _)| n) {
                    return Some(format!("{k}.{name}"));
                }
            }
            (Value::Array(a), Value::Array(b)) => {
                for x in b {
                    let differs = a.iter().any(|y| same_name(x, y) && (y["value"] != x["value"] || kind(y) != kind(x)));
                    if differs {
                        return Some(format!("{k}.{}", x["name"].as_str().unwrap_or("?")));
                    }
                }
            }
            _ => return Some(k.clone()),
        }
    }
    None
}

/// A Gateway API named match's type, its default spelled out.
fn kind(x: &Value) -> &str {
    x["type"].as_str().unwrap_or("Exact")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn release_clauses_are_confined_to_the_marked_rules() {
        let marked = [json!({"uri": {"prefix": "/api"}}), json!({"uri": {"prefix": "/v2"}})];
        let own = [json!({"headers": {"traffic": {"exact": "test"}}})];
        let got = within(&marked, &own);
        assert_eq!(got, vec![
            json!({"uri": {"prefix": "/api"}, "headers": {"traffic": {"exact": "test"}}}),
            json!({"uri": {"prefix": "/v2"}, "headers": {"traffic": {"exact": "test"}}}),
        ]);
        assert_eq!(within(&[], &own), own.to_vec());
    }

    #[test]
    fn named_conditions_are_anded_name_by_name() {
        let m = json!({"headers": [{"name": "X-Tenant", "value": "a"}]});
        let o = json!({"headers": [{"name": "traffic", "value": "test"}, {"name": "x-tenant", "value": "a"}]});
        assert_eq!(and(&m, &o), json!({"headers": [{"name": "X-Tenant", "value": "a"}, {"name": "traffic", "value": "test"}]}));
        assert_eq!(conflict(&m, &o), None);
        let istio = (json!({"headers": {"a": {"exact": "1"}}}), json!({"headers": {"b": {"exact": "2"}}}));
        assert_eq!(and(&istio.0, &istio.1), json!({"headers": {"a": {"exact": "1"}, "b": {"exact": "2"}}}));
    }

    #[test]
    fn a_pair_no_request_meets_is_named() {
        let path = |v: &str| json!({"path": {"type": "PathPrefix", "value": v}});
        assert_eq!(conflict(&path("/api"), &path("/beta")).as_deref(), Some("path"));
        assert_eq!(conflict(&path("/api"), &path("/api")), None);
        let h = |v: &str, t: &str| json!({"headers": [{"name": "x", "value": v, "type": t}]});
        assert_eq!(conflict(&h("1", "Exact"), &h("2", "Exact")).as_deref(), Some("headers.x"));
        assert_eq!(conflict(&h("1", "Exact"), &h("1", "RegularExpression")).as_deref(), Some("headers.x"));
        assert_eq!(conflict(&json!({"headers": [{"name": "x", "value": "1"}]}), &h("1", "Exact")), None);
        let i = |v: &str| json!({"headers": {"x": {"exact": v}}});
        assert_eq!(conflict(&i("1"), &i("2")).as_deref(), Some("headers.x"));
        assert_eq!(conflict(&i("1"), &json!({"method": {"exact": "GET"}})), None);
    }
}
