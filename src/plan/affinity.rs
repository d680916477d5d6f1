//! Version affinity's matching: the `Cookie` header regex that finds one version's cookie,
//! written into the routing object, and read back from it by `states` and `diff`.
//!
//! With `application.sessionAffinity`, every response of version i sets a cookie naming it,
//! and a rule per version sends a request carrying that cookie to it while it is ready, ahead
//! of the split (`routing`); requests without one follow the weights, so the weights are the
//! shares of new users. The rules come after the cohorts: a header a tester chose to send says
//! more than a cookie left from an earlier visit.

use crate::model::policy::Affinity;
use serde_json::{Value, json};

/// RE2's metacharacters, escaped in a cookie's name or value.
const META: &str = "\\.+*?()|[]{}^$";
const LEAD: &str = "^(.*?;\\s*)?";
const TAIL: &str = "(;.*)?$";

/// The RE2 regex that matches a `Cookie` header carrying `cookie=value` among any others, and
/// not `cookie=value2` or `xcookie=value`: the pair starts the header or follows a `;`, and
/// ends it or is followed by one. Anchored, so it means the same to a proxy that matches the
/// whole value (Envoy) and to one that searches in it.
pub fn cookie_regex(cookie: &str, value: &str) -> String {
    let escape = |s: &str| s.chars().map(|c| if META.contains(c) { format!("\\{c}") } else { c.to_string() }).collect::<String>();
    format!("{LEAD}{}={}{TAIL}", escape(cookie), escape(value))
}

/// The cookie name and value a `cookie_regex` matches, read back; `None` for any other regex.
pub fn cookie_of_regex(regex: &str) -> Option<(String, String)> {
    let pair = regex.strip_prefix(LEAD)?.strip_suffix(TAIL)?;
    let mut plain = String::with_capacity(pair.len());
    let mut chars = pair.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => plain.push(chars.next()?),
            c if META.contains(c) => return None,
            c => plain.push(c),
        }
    }
    let (name, value) = plain.split_once('=')?;
    (cookie_regex(name, value) == regex).then(|| (name.to_string(), value.to_string()))
}

/// An Istio match clause for a version's cookie.
pub fn istio_clause(a: &Affinity, version: &str) -> Value {
    json!({"headers": {"cookie": {"regex": cookie_regex(&a.cookie, version)}}})
}

/// A Gateway API match clause (HTTPRoute or GRPCRoute) for a version's cookie.
pub fn gtw_clause(a: &Affinity, version: &str) -> Value {
    json!({"headers": [{"name": "cookie", "type": "RegularExpression", "value": cookie_regex(&a.cookie, version)}]})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_regexes_read_back() {
        assert_eq!(cookie_regex("v", "app-1"), "^(.*?;\\s*)?v=app-1(;.*)?$");
        assert_eq!(cookie_regex("a.b|c", "x"), "^(.*?;\\s*)?a\\.b\\|c=x(;.*)?$");
        for (name, value) in [("v", "app-1"), ("a.b|c", "x"), ("~'*+^$", "y")] {
            assert_eq!(cookie_of_regex(&cookie_regex(name, value)), Some((name.to_string(), value.to_string())));
        }
        for other in ["^(.*?;\\s*)?v=a.b(;.*)?$", "v=app-1", "^(.*?;\\s*)?v(;.*)?$", "^(.*?;\\s*)?v=a\\"] {
            assert_eq!(cookie_of_regex(other), None, "{other}");
        }
    }
}
