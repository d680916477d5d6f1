//! `application.routing`: timeouts, retries, CORS and header changes in one
//! vocabulary, written into every generated rule as the target API spells it.
//!
//! The checks here are the union of what Istio's admission webhook and the Gateway API's CRD
//! validation would refuse, so a value that renders applies in either; `validate` reads the
//! values with them and reports each problem at its path.

use serde_json::{Value, json};

/// The routing policy of a release; empty when `application.routing` is absent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Policy {
    /// Request timeout, in milliseconds.
    pub timeout: Option<u64>,
    pub retries: Option<Retries>,
    pub cors: Option<Cors>,
    pub request_headers: HeaderOps,
    pub response_headers: HeaderOps,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Retries {
    pub attempts: u32,
    /// Milliseconds.
    pub per_try_timeout: Option<u64>,
    pub on: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cors {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    /// Seconds.
    pub max_age: Option<u64>,
    pub allow_credentials: Option<bool>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct HeaderOps {
    pub set: Vec<(String, String)>,
    pub add: Vec<(String, String)>,
    pub remove: Vec<String>,
}

impl HeaderOps {
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.add.is_empty() && self.remove.is_empty()
    }
}

impl Policy {
    pub fn is_empty(&self) -> bool {
        *self == Policy::default()
    }
}

/// `application.sessionAffinity`: a user stays on the version that served them, by a cookie
/// each version sets in its responses, while that version is ready.
#[derive(Clone, Debug, PartialEq)]
pub struct Affinity {
    pub cookie: String,
    /// Seconds.
    pub max_age: u64,
}

impl Affinity {
    /// The `Set-Cookie` value of a version's responses. The cookie's value is the version's
    /// name (its Service's, as `app-version` says it), so a reviewer reads which version a
    /// cookie pins and it never changes between renders; version names are unique DNS labels,
    /// with nothing in them to quote. `Path=/` so the cookie comes back on every path of the
    /// application (without it a browser scopes it to the response's directory); `HttpOnly`
    /// because only the proxy reads it. Not `Secure`: the mesh's own traffic is often plain
    /// HTTP, and a Secure cookie would never come back there.
    pub fn set_cookie(&self, version: &str) -> String {
        format!("{}={version}; Max-Age={}; Path=/; HttpOnly", self.cookie, self.max_age)
    }
}

/// Browsers keep a cookie at most 400 days and cut a longer Max-Age short.
pub const MAX_COOKIE_AGE: u64 = 400 * 24 * 3600;

/// A cookie name: an RFC 6265 token, up to 256 characters, without `%` (Envoy reads it as
/// the start of a variable in a header it adds) and without the `__Secure-` and `__Host-`
/// prefixes (browsers drop such a cookie unless it is Secure, and this one is not).
pub fn cookie_name(name: &str) -> Result<(), String> {
    let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$&'*+-.^_`|~".contains(c);
    if name.is_empty() || name.len() > 256 || !name.chars().all(tchar) {
        return Err(format!("{name:?} is not a cookie name (1 to 256 letters, digits and !#$&'*+-.^_`|~)"));
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("__secure-") || lower.starts_with("__host-") {
        return Err(format!("{name:?}: browsers drop a cookie named __Secure- or __Host- unless it is Secure, and this one is not (the mesh's own traffic is often plain HTTP); choose another name"));
    }
    Ok(())
}

/// Retry conditions Istio's webhook accepts (besides HTTP status codes).
pub const RETRY_ON: &[&str] = &[
    "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "retriable-4xx", "refused-stream",
    "retriable-status-codes", "retriable-headers", "envoy-ratelimited", "http3-post-connect-failure", "cancelled",
    "deadline-exceeded", "internal", "resource-exhausted", "unavailable",
];

/// Methods both APIs accept in a CORS policy.
pub const CORS_METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "*"];

/// The Gateway API's duration format (GEP-2257), which Istio's decoder also reads:
/// one to four `<1-5 digits><h|m|s|ms>` parts. Returns milliseconds, at least 1 (Istio
/// refuses shorter durations).
pub fn duration(text: &str) -> Result<u64, String> {
    let bad = || format!("{text:?} is not a duration such as 10s, 1m30s or 250ms (at most four parts of up to 5 digits with h, m, s or ms)");
    let mut rest = text;
    let (mut parts, mut total) = (0, 0u64);
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 5 {
            return Err(bad());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let (unit, scale) = if rest.starts_with("ms") {
            ("ms", 1)
        } else if rest.starts_with('h') {
            ("h", 3_600_000)
        } else if rest.starts_with('m') {
            ("m", 60_000)
        } else if rest.starts_with('s') {
            ("s", 1_000)
        } else {
            return Err(bad());
        };
        rest = &rest[unit.len()..];
        total += n * scale;
        parts += 1;
    }
    if parts == 0 || parts > 4 {
        return Err(bad());
    }
    if total == 0 {
        return Err(format!("{text:?} is zero; Istio refuses durations under 1ms (leave the field out for none)"));
    }
    Ok(total)
}

/// RFC 7230 token characters: a header name both APIs accept (the Gateway API also caps it
/// at 256 characters).
pub fn header_name(name: &str) -> Result<(), String> {
    let tchar = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || name.len() > 256 || !name.chars().all(tchar) {
        return Err(format!("{name:?} is not a header name (1 to 256 letters, digits and !#$%&'*+-.^_`|~)"));
    }
    Ok(())
}

/// A header value: 1 to 4096 characters (Gateway API), no control characters (Istio), and on
/// Istio a `%` only doubled: Envoy reads `%NAME%` as one of its variables.
pub fn header_value(value: &str, istio: bool) -> Result<(), String> {
    if value.is_empty() || value.chars().count() > 4096 {
        return Err("a header value has 1 to 4096 characters".into());
    }
    if value.chars().any(|c| (c.is_control() && c != '\t') || c == '\u{7f}') {
        return Err(format!("{value:?} holds a control character"));
    }
    if istio && value.replace("%%", "").contains('%') {
        return Err(format!("{value:?}: Envoy reads % as the start of a variable such as %REQ(x)%; write %% for a literal %"));
    }
    Ok(())
}

/// A CORS origin as the Gateway API accepts it: `*`, or `http(s)://host[:port]` where the host
/// may start with `*.`.
pub fn origin(text: &str) -> Result<(), String> {
    let bad = || format!("{text:?} is not an origin such as https://example.com, https://*.example.com:8443 or *");
    if text == "*" {
        return Ok(());
    }
    let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://")).ok_or_else(bad)?;
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    if port.is_some_and(|p| p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(bad());
    }
    let host = host.strip_prefix("*.").unwrap_or(host);
    let label_ok = |l: &str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if text.len() > 253 || !host.split('.').all(label_ok) {
        return Err(bad());
    }
    Ok(())
}

// ---- how each API spells the policy ----

fn seconds(ms: u64) -> String {
    if ms.is_multiple_of(1000) { format!("{}s", ms / 1000) } else { format!("{}.{:03}s", ms / 1000, ms % 1000) }
}

/// An origin as an Istio StringMatch: exact, or an RE2 regex for `*` and `*.` wildcards.
fn istio_origin(o: &str) -> Value {
    if o == "*" {
        return json!({"regex": ".*"});
    }
    if !o.contains('*') {
        return json!({"exact": o});
    }
    let escaped: String = o.chars().map(|c| if "\\.+?()|[]{}^$".contains(c) { format!("\\{c}") } else { c.to_string() }).collect();
    json!({"regex": escaped.replace('*', "[^.]+")})
}

/// `set`, `add`, `remove` of one side, with `pairs` spelling a list of name/value pairs as
/// the API does (Istio: a map; Gateway API: a list of `{name, value}`).
fn ops_with(ops: &HeaderOps, pairs: fn(&[(String, String)]) -> Value) -> Value {
    let mut m = serde_json::Map::new();
    if !ops.set.is_empty() {
        m.insert("set".into(), pairs(&ops.set));
    }
    if !ops.add.is_empty() {
        m.insert("add".into(), pairs(&ops.add));
    }
    if !ops.remove.is_empty() {
        m.insert("remove".into(), json!(ops.remove));
    }
    Value::Object(m)
}

fn istio_ops(ops: &HeaderOps) -> Value {
    ops_with(ops, |v| Value::Object(v.iter().map(|(k, x)| (k.clone(), json!(x))).collect()))
}

/// The fields of an Istio HTTPRoute, in the order written: `timeout`, `retries`,
/// `corsPolicy`, `headers`.
pub fn istio_fields(p: &Policy) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    if let Some(t) = p.timeout {
        out.push(("timeout", json!(seconds(t))));
    }
    if let Some(r) = &p.retries {
        let mut v = json!({"attempts": r.attempts});
        if let Some(t) = r.per_try_timeout {
            v["perTryTimeout"] = json!(seconds(t));
        }
        if !r.on.is_empty() {
            v["retryOn"] = json!(r.on.join(","));
        }
        out.push(("retries", v));
    }
    if let Some(c) = &p.cors {
        let mut v = serde_json::Map::new();
        if !c.allow_origins.is_empty() {
            v.insert("allowOrigins".into(), c.allow_origins.iter().map(|o| istio_origin(o)).collect());
        }
        for (key, list) in [("allowMethods", &c.allow_methods), ("allowHeaders", &c.allow_headers), ("exposeHeaders", &c.expose_headers)] {
            if !list.is_empty() {
                v.insert(key.into(), json!(list));
            }
        }
        if let Some(age) = c.max_age {
            v.insert("maxAge".into(), json!(format!("{age}s")));
        }
        if let Some(b) = c.allow_credentials {
            v.insert("allowCredentials".into(), json!(b));
        }
        out.push(("corsPolicy", Value::Object(v)));
    }
    let mut headers = serde_json::Map::new();
    if !p.request_headers.is_empty() {
        headers.insert("request".into(), istio_ops(&p.request_headers));
    }
    if !p.response_headers.is_empty() {
        headers.insert("response".into(), istio_ops(&p.response_headers));
    }
    if !headers.is_empty() {
        out.push(("headers", Value::Object(headers)));
    }
    out
}

fn gtw_ops(ops: &HeaderOps) -> Value {
    ops_with(ops, |v| v.iter().map(|(k, x)| json!({"name": k, "value": x})).collect())
}

/// A Gateway API rule's `timeouts`, if any.
pub fn gtw_timeouts(p: &Policy) -> Option<Value> {
    p.timeout.map(|t| json!({"request": gtw_duration(t)}))
}

/// GEP-2257 spelling of milliseconds.
fn gtw_duration(ms: u64) -> String {
    if ms.is_multiple_of(1000) { format!("{}s", ms / 1000) } else { format!("{ms}ms") }
}

/// A Gateway API rule's filters: `CORS`, `RequestHeaderModifier`, `ResponseHeaderModifier`.
pub fn gtw_filters(p: &Policy) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(c) = &p.cors {
        let mut v = serde_json::Map::new();
        for (key, list) in [
            ("allowOrigins", &c.allow_origins),
            ("allowMethods", &c.allow_methods),
            ("allowHeaders", &c.allow_headers),
            ("exposeHeaders", &c.expose_headers),
        ] {
            if !list.is_empty() {
                v.insert(key.into(), json!(list));
            }
        }
        if let Some(age) = c.max_age {
            v.insert("maxAge".into(), json!(age));
        }
        if let Some(b) = c.allow_credentials {
            v.insert("allowCredentials".into(), json!(b));
        }
        out.push(json!({"type": "CORS", "cors": v}));
    }
    if !p.request_headers.is_empty() {
        out.push(json!({"type": "RequestHeaderModifier", "requestHeaderModifier": gtw_ops(&p.request_headers)}));
    }
    if !p.response_headers.is_empty() {
        out.push(json!({"type": "ResponseHeaderModifier", "responseHeaderModifier": gtw_ops(&p.response_headers)}));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("10s"), Ok(10_000));
        assert_eq!(duration("1m30s"), Ok(90_000));
        assert_eq!(duration("250ms"), Ok(250));
        assert_eq!(duration("1h1m1s1ms"), Ok(3_661_001));
        for bad in ["", "10", "1.5s", "s", "123456s", "1h1m1s1ms1h", "-1s", " 1s", "1d", "0s"] {
            assert!(duration(bad).is_err(), "{bad:?}");
        }
        assert_eq!(seconds(250), "0.250s");
        assert_eq!(gtw_duration(90_000), "90s");
        assert_eq!(gtw_duration(1_500), "1500ms");
    }

    #[test]
    fn origins() {
        for ok in ["*", "https://example.com", "http://a-b.example.com:8080", "https://*.example.com"] {
            assert!(origin(ok).is_ok(), "{ok}");
        }
        for bad in ["example.com", "https://", "https://a..b", "ftp://x", "https://x:", "https://x/path"] {
            assert!(origin(bad).is_err(), "{bad}");
        }
        assert_eq!(istio_origin("https://*.example.com"), json!({"regex": "https://[^.]+\\.example\\.com"}));
    }

    #[test]
    fn header_values_on_istio() {
        assert!(header_value("50%%", true).is_ok());
        assert!(header_value("50%", true).is_err());
        assert!(header_value("50%", false).is_ok());
        assert!(header_value("a\nb", false).is_err());
        assert!(header_value("", false).is_err());
    }

    #[test]
    fn cookie_names() {
        for ok in ["version", "app.v", "x_y-z", "a~b"] {
            assert!(cookie_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "a=b", "a;b", "50%", "__Secure-v", "__host-v", "\u{e9}t\u{e9}", &"x".repeat(257)] {
            assert!(cookie_name(bad).is_err(), "{bad}");
        }
        let a = Affinity { cookie: "v".into(), max_age: 3600 };
        assert_eq!(a.set_cookie("app-1"), "v=app-1; Max-Age=3600; Path=/; HttpOnly");
    }
}
