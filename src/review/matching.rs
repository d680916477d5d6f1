//! How a routing API picks the rule that takes a request, for the review: which match clauses
//! are tried first, which one a request of a given kind reaches, and which can reach nothing.
//!
//! - Istio tries a VirtualService's `http` rules in list order; the first whose match (any of
//!   its clauses) holds takes the request.
//! - The Gateway API ranks every match of a route: for an HTTPRoute an exact path, then the
//!   longest prefix, a method, the most headers, the most query parameters; for a GRPCRoute the
//!   longest service, the longest method, the most headers. Only ties go by list order. A rule
//!   without matches is the match-all clause the API server fills in (`PathPrefix /`).
//!
//! A clause is read as a set of conditions that must all hold. Whether one clause takes every
//! request another one takes is decided only where it is certain (the same condition, a prefix
//! of the other's exact value or prefix, a condition that always holds); anything else counts
//! as "may differ", so the review never calls a rule unreachable that a request can reach.

use serde_json::Value;

/// The routing API whose order of evaluation applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    Istio,
    HttpRoute,
    GrpcRoute,
}

/// One condition of a match clause: `key` names what is compared (`header cookie`, `path`),
/// `op` how (`exact`, `prefix`, `regex`, or the whole value for anything else), `value` with what.
#[derive(Clone, Debug, PartialEq)]
struct Atom {
    key: String,
    op: String,
    value: Value,
    /// `withoutHeaders`: the request must *not* match.
    negated: bool,
    /// Gateway API paths match by path elements (`/a` takes `/a/b`, not `/ab`).
    by_element: bool,
}

/// A match clause as the conditions that must all hold; empty: every request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conditions(Vec<Atom>);

/// Where a Gateway API match ranks: greater goes first. Istio's rules have none (list order).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rank(Vec<usize>);

impl Conditions {
    /// The conditions of one match clause of `api`.
    pub fn of(api: Api, clause: &Value) -> Conditions {
        let mut atoms = Vec::new();
        let Some(fields) = clause.as_object() else {
            return Conditions(vec![whole("match", clause)]);
        };
        let ignore_case = api == Api::Istio && clause["ignoreUriCase"] == Value::Bool(true);
        for (field, v) in fields {
            match (api, field.as_str()) {
                // Names and statistics prefixes do not decide what matches.
                (Api::Istio, "name" | "statPrefix" | "ignoreUriCase") => {}
                (Api::Istio, "uri") if ignore_case => atoms.push(istio_string("uri (any case)", v, false)),
                (Api::Istio, "uri" | "scheme" | "method" | "authority") => atoms.push(istio_string(field, v, false)),
                (Api::Istio, "headers" | "queryParams" | "withoutHeaders") => {
                    let (what, negated) = match field.as_str() {
                        "headers" => ("header", false),
                        "queryParams" => ("query", false),
                        _ => ("header", true),
                    };
                    for (name, sm) in v.as_object().into_iter().flatten() {
                        let name = if what == "header" { name.to_ascii_lowercase() } else { name.clone() };
                        atoms.push(istio_string(&format!("{what} {name}"), sm, negated));
                    }
                }
                (Api::HttpRoute, "path") => {
                    let atom = gtw_path(v);
                    // `PathPrefix /` holds for every request.
                    if !(atom.op == "prefix" && atom.value == "/") {
                        atoms.push(atom);
                    }
                }
                (Api::HttpRoute | Api::GrpcRoute, "headers" | "queryParams") => {
                    for item in v.as_array().into_iter().flatten() {
                        let name = item["name"].as_str().unwrap_or_default();
                        // Header names are compared without case; query parameter names with it.
                        let key = if field == "headers" { format!("header {}", name.to_ascii_lowercase()) } else { format!("query {name}") };
                        let op = if item["type"] == "RegularExpression" { "regex" } else { "exact" };
                        atoms.push(Atom { key, op: op.into(), value: item["value"].clone(), negated: false, by_element: false });
                    }
                }
                (Api::HttpRoute, "method") => atoms.push(Atom { key: "method".into(), op: "exact".into(), value: v.clone(), negated: false, by_element: false }),
                (Api::GrpcRoute, "method") => {
                    let op = if v["type"] == "RegularExpression" { "regex" } else { "exact" };
                    let value = serde_json::json!([v["service"], v["method"]]);
                    atoms.push(Atom { key: "grpc method".into(), op: op.into(), value, negated: false, by_element: false });
                }
                _ => atoms.push(whole(field, v)),
            }
        }
        Conditions(atoms)
    }

    /// Whether a condition compares `key` (`header cookie`).
    pub fn asks_for(&self, key: &str) -> bool {
        self.0.iter().any(|a| a.key == key)
    }

    /// Every request: a clause without conditions.
    pub fn is_everything(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the request that meets exactly `class`'s conditions and carries nothing else
    /// (no header, parameter or path part beyond them) meets these: a `withoutHeaders`
    /// condition holds when the class says nothing of that header.
    pub fn met_by(&self, class: &Conditions) -> bool {
        self.0.iter().all(|a| {
            if a.negated {
                class.0.contains(a) || !class.0.iter().any(|c| !c.negated && c.key == a.key)
            } else {
                class.0.iter().any(|c| implies(c, a))
            }
        })
    }

    /// Whether every request that meets `other` meets these conditions too (certain only;
    /// `false` also means "cannot tell").
    pub fn take_all_of(&self, other: &Conditions) -> bool {
        self.0.iter().all(|a| other.0.iter().any(|c| implies(c, a)))
    }
}

/// A field compared as a whole (ports, source labels, gateways): equal or not.
fn whole(field: &str, v: &Value) -> Atom {
    Atom { key: field.to_string(), op: "equals".into(), value: v.clone(), negated: false, by_element: false }
}

/// Istio's StringMatch: `{exact|prefix|regex: value}`.
fn istio_string(key: &str, sm: &Value, negated: bool) -> Atom {
    match sm.as_object().and_then(|m| if m.len() == 1 { m.iter().next() } else { None }) {
        Some((op, value)) => Atom { key: key.to_string(), op: op.clone(), value: value.clone(), negated, by_element: false },
        None => Atom { key: key.to_string(), op: "equals".into(), value: sm.clone(), negated, by_element: false },
    }
}

/// A Gateway API path: `{type, value}`; no type is a prefix, no value `/`.
fn gtw_path(v: &Value) -> Atom {
    let op = match v["type"].as_str() {
        Some("Exact") => "exact",
        Some("RegularExpression") => "regex",
        _ => "prefix",
    };
    let value = v.get("value").cloned().unwrap_or_else(|| Value::from("/"));
    Atom { key: "path".into(), op: op.into(), value, negated: false, by_element: true }
}

/// Whether a request meeting `have` surely meets `need`.
fn implies(have: &Atom, need: &Atom) -> bool {
    if have == need {
        return true;
    }
    if have.key != need.key || have.negated || need.negated || need.op != "prefix" || !matches!(have.op.as_str(), "exact" | "prefix") {
        return false;
    }
    let (Some(h), Some(p)) = (have.value.as_str(), need.value.as_str()) else { return false };
    if !need.by_element {
        return h.starts_with(p);
    }
    // By path elements: `/a` and `/a/` take `/a`, `/a/b`; not `/ab`.
    let p = p.trim_end_matches('/');
    h == p || h.strip_prefix(p).is_some_and(|rest| rest.starts_with('/'))
}

/// The Gateway API's rank of a match clause (the same for every Istio rule: list order decides).
pub fn rank(api: Api, clause: &Value) -> Rank {
    let count = |field: &str| clause[field].as_array().map_or(0, Vec::len);
    match api {
        Api::Istio => Rank::default(),
        Api::HttpRoute => {
            let path = gtw_path(&clause["path"]);
            let (exact, prefix) = match path.op.as_str() {
                "exact" => (1, 0),
                "prefix" => (0, path.value.as_str().map_or(0, |s| s.chars().count())),
                // A regular expression's rank is the implementation's; listed after the rest.
                _ => (0, 0),
            };
            Rank(vec![exact, prefix, usize::from(clause.get("method").is_some()), count("headers"), count("queryParams")])
        }
        Api::GrpcRoute => {
            let chars = |k: &str| clause["method"][k].as_str().map_or(0, |s| s.chars().count());
            Rank(vec![chars("service"), chars("method"), count("headers")])
        }
    }
}

/// Whether a clause's rank is the implementation's choice (a regular-expression path).
pub fn rank_is_implementation_specific(api: Api, clause: &Value) -> bool {
    api == Api::HttpRoute && clause["path"]["type"] == "RegularExpression"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn istio(v: Value) -> Conditions {
        Conditions::of(Api::Istio, &v)
    }

    fn http(v: Value) -> Conditions {
        Conditions::of(Api::HttpRoute, &v)
    }

    #[test]
    fn a_clause_takes_what_a_stricter_one_takes() {
        let test = istio(json!({"headers": {"traffic": {"exact": "test"}}}));
        let both = istio(json!({"headers": {"traffic": {"exact": "test"}, "user": {"exact": "a"}}}));
        assert!(test.take_all_of(&both));
        assert!(!both.take_all_of(&test));
        assert!(test.take_all_of(&test));
        assert!(Conditions::default().take_all_of(&test));
        let other = istio(json!({"headers": {"traffic": {"exact": "beta"}}}));
        assert!(!test.take_all_of(&other));
    }

    #[test]
    fn prefixes_by_string_on_istio_and_by_element_on_the_gateway_api() {
        let pre = istio(json!({"uri": {"prefix": "/a"}}));
        assert!(pre.take_all_of(&istio(json!({"uri": {"exact": "/ab"}}))));
        assert!(pre.take_all_of(&istio(json!({"uri": {"prefix": "/a/b"}}))));
        assert!(!pre.take_all_of(&istio(json!({"uri": {"regex": "/a.*"}}))));
        // Case-blind matching takes more, so it is not the same condition.
        assert!(!pre.take_all_of(&istio(json!({"uri": {"prefix": "/a"}, "ignoreUriCase": true}))));
        let gpre = http(json!({"path": {"type": "PathPrefix", "value": "/a"}}));
        assert!(gpre.take_all_of(&http(json!({"path": {"type": "Exact", "value": "/a/b"}}))));
        assert!(gpre.take_all_of(&http(json!({"path": {"type": "PathPrefix", "value": "/a/"}}))));
        assert!(!gpre.take_all_of(&http(json!({"path": {"type": "Exact", "value": "/ab"}}))));
        // `PathPrefix /` and no path at all hold for every request.
        assert!(http(json!({"path": {"type": "PathPrefix", "value": "/"}})).is_everything());
        assert!(http(json!({})).is_everything());
    }

    #[test]
    fn negated_and_unknown_conditions_only_as_themselves() {
        let without = istio(json!({"withoutHeaders": {"x": {"prefix": "a"}}}));
        assert!(!without.take_all_of(&istio(json!({"withoutHeaders": {"x": {"exact": "ab"}}}))));
        assert!(without.take_all_of(&without));
        // A request without the header meets it; one with it may not.
        assert!(without.met_by(&Conditions::default()));
        assert!(!without.met_by(&istio(json!({"headers": {"x": {"exact": "b"}}}))));
        assert!(!without.take_all_of(&Conditions::default()));
        let port = istio(json!({"port": 8080}));
        assert!(!port.take_all_of(&istio(json!({"port": 9090}))));
        assert!(port.take_all_of(&istio(json!({"port": 8080, "headers": {"a": {"exact": "b"}}}))));
        // Header names without case on the Gateway API.
        let a = http(json!({"headers": [{"name": "X-Team", "value": "a"}]}));
        assert!(a.take_all_of(&http(json!({"headers": [{"name": "x-team", "value": "a", "type": "Exact"}]}))));
    }

    /// What does not decide a match is no condition: Istio's `name` and `statPrefix`, a GRPCRoute
    /// method's default type. Query parameter names keep their case; a request with no query
    /// parameter meets no query condition.
    #[test]
    fn what_decides_a_match() {
        let named = |n: &str| istio(json!({"name": n, "statPrefix": n, "headers": {"x": {"exact": "a"}}}));
        assert!(named("a").take_all_of(&named("b")));
        let grpc = |v: Value| Conditions::of(Api::GrpcRoute, &v);
        assert!(grpc(json!({"method": {"service": "a.B"}})).take_all_of(&grpc(json!({"method": {"service": "a.B", "type": "Exact"}}))));
        assert!(!grpc(json!({"method": {"service": "a.B"}})).take_all_of(&grpc(json!({"method": {"service": "a.C"}}))));
        let query = |name: &str| istio(json!({"queryParams": {name: {"exact": "1"}}}));
        assert!(!query("v").met_by(&Conditions::default()));
        assert!(query("v").met_by(&query("v")));
        assert!(!query("V").take_all_of(&query("v")));
        let gquery = |name: &str| http(json!({"queryParams": [{"name": name, "value": "1"}]}));
        assert!(!gquery("V").take_all_of(&gquery("v")));
        assert!(!gquery("v").met_by(&http(json!({"headers": [{"name": "v", "value": "1"}]}))));
        let header = istio(json!({"headers": {"cookie": {"regex": "x"}}}));
        assert!(header.asks_for("header cookie"));
        assert!(!header.asks_for("header branch"));
        assert!(!Conditions::default().asks_for("header cookie"));
    }

    #[test]
    fn gateway_api_ranks() {
        let r = |v: Value| rank(Api::HttpRoute, &v);
        let default = r(json!({}));
        let header = r(json!({"headers": [{"name": "a", "value": "b"}]}));
        let exact = r(json!({"path": {"type": "Exact", "value": "/"}}));
        let long = r(json!({"path": {"type": "PathPrefix", "value": "/beta"}}));
        let query = r(json!({"queryParams": [{"name": "a", "value": "b"}]}));
        assert!(exact > long && long > header && header > query && query > default);
        assert_eq!(default, Rank(vec![0, 1, 0, 0, 0]));
        let g = |v: Value| rank(Api::GrpcRoute, &v);
        assert!(g(json!({"method": {"service": "a.B"}})) > g(json!({"headers": [{"name": "a", "value": "b"}]})));
    }
}
