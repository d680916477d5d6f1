//! `application.routing`: timeouts, retries, CORS and header changes in one
//! vocabulary, written into every generated rule as the target API spells it.
//!
//! The checks here are the union of what Istio's admission webhook and the Gateway API's CRD
//! validation would refuse, so a value that renders applies in either; `validate` reads the
//! values with them and reports each problem at its path.


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
    /// How many filters the policy takes in a Gateway API rule (CORS, and each side's header
    /// modifier): the Gateway API bounds filters per rule. `plan::gateway` writes them.
    pub fn gtw_filter_count(&self) -> usize {
        usize::from(self.cors.is_some()) + usize::from(!self.request_headers.is_empty()) + usize::from(!self.response_headers.is_empty())
    }

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

/// The characters of a cookie name besides ASCII letters and digits: RFC 6265's token
/// characters without `%`.
pub const COOKIE_PUNCTUATION: &str = "!#$&'*+-.^_`|~";
pub const MAX_COOKIE_NAME: usize = 256;

/// `cookie_name`'s character rule as a JSON Schema pattern (the `__Secure-` and `__Host-`
/// prefixes are refused by releasegen alone).
pub fn cookie_name_pattern() -> String {
    // In a character class `-` stands for itself only at the end.
    let punctuation: String = COOKIE_PUNCTUATION.chars().filter(|&c| c != '-').collect();
    format!("^[A-Za-z0-9{punctuation}-]{{1,{MAX_COOKIE_NAME}}}$")
}

/// A cookie name: an RFC 6265 token, up to 256 characters, without `%` (Envoy reads it as
/// the start of a variable in a header it adds) and without the `__Secure-` and `__Host-`
/// prefixes (browsers drop such a cookie unless it is Secure, and this one is not).
pub fn cookie_name(name: &str) -> Result<(), String> {
    let tchar = |c: char| c.is_ascii_alphanumeric() || COOKIE_PUNCTUATION.contains(c);
    if name.is_empty() || name.len() > MAX_COOKIE_NAME || !name.chars().all(tchar) {
        return Err(format!("{name:?} is not a cookie name (1 to {MAX_COOKIE_NAME} letters, digits and {COOKIE_PUNCTUATION})"));
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

pub use crate::input::vocabulary::HTTP_METHODS;

/// Whether both APIs take `m` in a CORS policy's `allowMethods`: a method, or `*`.
pub fn cors_method(m: &str) -> bool {
    m == "*" || HTTP_METHODS.contains(&m)
}

/// The units of a duration and their length in milliseconds, in the order the pattern names
/// them.
pub const DURATION_UNITS: [(&str, u64); 4] = [("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)];
/// At most this many digits per part, and this many parts.
pub const DURATION_DIGITS: usize = 5;
pub const DURATION_PARTS: usize = 4;

/// `duration`'s format as a JSON Schema pattern (a zero duration is refused by releasegen
/// alone).
pub fn duration_pattern() -> String {
    let units: Vec<&str> = DURATION_UNITS.iter().map(|(u, _)| *u).collect();
    format!("^([0-9]{{1,{DURATION_DIGITS}}}({})){{1,{DURATION_PARTS}}}$", units.join("|"))
}

/// The Gateway API's duration format (GEP-2257), which Istio's decoder also reads:
/// one to four `<1-5 digits><h|m|s|ms>` parts. Returns milliseconds, at least 1 (Istio
/// refuses shorter durations).
pub fn duration(text: &str) -> Result<u64, String> {
    let bad = || format!("{text:?} is not a duration such as 10s, 1m30s or 250ms (at most four parts of up to 5 digits with h, m, s or ms)");
    let mut rest = text;
    let (mut parts, mut total) = (0, 0u64);
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > DURATION_DIGITS {
            return Err(bad());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        // The longest unit that fits: `ms` before `m`.
        let (unit, scale) = DURATION_UNITS
            .iter()
            .filter(|(u, _)| rest.starts_with(u))
            .max_by_key(|(u, _)| u.len())
            .ok_or_else(bad)?;
        rest = &rest[unit.len()..];
        total += n * scale;
        parts += 1;
    }
    if parts == 0 || parts > DURATION_PARTS {
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
    }

    #[test]
    fn origins() {
        for ok in ["*", "https://example.com", "http://a-b.example.com:8080", "https://*.example.com"] {
            assert!(origin(ok).is_ok(), "{ok}");
        }
        for bad in ["example.com", "https://", "https://a..b", "ftp://x", "https://x:", "https://x/path"] {
            assert!(origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn header_values_on_istio() {
        assert!(header_value("50%%", true).is_ok());
        assert!(header_value("50%", true).is_err());
        assert!(header_value("50%", false).is_ok());
        assert!(header_value("a\nb", false).is_err());
        assert!(header_value("", false).is_err());
    }

    proptest::proptest! {
        /// The schema's patterns accept what the checks accept, but for the rules only
        /// releasegen applies (a zero duration; the `__Secure-` and `__Host-` prefixes).
        #[test]
        fn schema_patterns_say_what_the_checks_accept(cookie in "(__[Hh]ost-|__Secure-)?[ -~]{0,6}", time in "[0-9hms.]{0,14}") {
            let cookie_pattern = regex::Regex::new(&cookie_name_pattern()).unwrap();
            let refused_only_here = cookie_name(&cookie).is_err_and(|e| e.contains("browsers drop"));
            proptest::prop_assert_eq!(cookie_pattern.is_match(&cookie), cookie_name(&cookie).is_ok() || refused_only_here, "{:?}", cookie);
            let duration_pattern = regex::Regex::new(&duration_pattern()).unwrap();
            let zero = duration(&time).is_err_and(|e| e.contains("is zero"));
            proptest::prop_assert_eq!(duration_pattern.is_match(&time), duration(&time).is_ok() || zero, "{:?}", time);
        }
    }

    #[test]
    fn schema_patterns_bound_length_as_the_checks_do() {
        let cookie_pattern = regex::Regex::new(&cookie_name_pattern()).unwrap();
        for n in [MAX_COOKIE_NAME, MAX_COOKIE_NAME + 1] {
            let name = "x".repeat(n);
            assert_eq!(cookie_pattern.is_match(&name), cookie_name(&name).is_ok(), "{n}");
        }
        let duration_pattern = regex::Regex::new(&duration_pattern()).unwrap();
        for text in ["99999h1m1s1ms", "1h1m1s1ms1h", "123456s", "12345ms"] {
            assert_eq!(duration_pattern.is_match(text), duration(text).is_ok(), "{text}");
        }
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
