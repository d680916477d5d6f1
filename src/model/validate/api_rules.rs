//! The APIs' own rules for the names and values inside a match clause, as pure functions:
//! Istio's header names, the `gateways` a match may name, gRPC service and method names as the
//! GRPCRoute CRD writes them, and the HTTPRoute CRD's CEL rules for paths.

use crate::model::{names, policy};

/// Header names Istio takes beside RFC 7230 tokens: HTTP/2's pseudo-headers.
const PSEUDO_HEADERS: &[&str] = &[":method", ":scheme", ":authority", ":path", ":status"];

/// Istio's JWT-claim form of a header name (`@request.auth.claims.group`).
const JWT_CLAIM: &str = "@request.auth.claims";

/// A header name as Istio's webhook takes it: an RFC 7230 token, an HTTP/2 pseudo-header, or
/// Istio's JWT-claim form. (Istio's own pattern also lets a comma through, by a range in its
/// character class; no HTTP header has one, so it is refused here.)
pub(super) fn istio_header_name(name: &str) -> Result<(), String> {
    if PSEUDO_HEADERS.contains(&name) {
        return Ok(());
    }
    let lower = name.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix(JWT_CLAIM) {
        if (rest.starts_with('.') && rest.len() > 1) || (rest.starts_with('[') && rest.ends_with(']') && rest.len() > 2) {
            return Ok(());
        }
    }
    if name.starts_with(':') {
        return Err(format!("{name:?} is not a pseudo-header Istio matches ({})", PSEUDO_HEADERS.join(", ")));
    }
    policy::header_name(name)
}

/// A gateway a match is limited to, as Istio's webhook takes it: `namespace/name`, both DNS
/// labels, or a name without a slash (`mesh`). A dotted name without a slash is Istio's legacy
/// `name.namespace` form: Istio takes it, and it is said here (Ok with a warning).
pub(super) fn match_gateway(name: &str) -> Result<Option<String>, String> {
    match name.split_once('/') {
        Some((ns, gw)) => {
            names::dns_label(ns).map_err(|e| format!("{ns:?} (the namespace) {e}"))?;
            names::dns_label(gw).map_err(|e| format!("{gw:?} (the gateway) {e}"))?;
            Ok(None)
        }
        None => {
            names::dns_subdomain(name).map_err(|e| format!("{name:?} {e}"))?;
            let mut parts = name.split('.');
            let (gw, ns) = (parts.next().unwrap_or_default(), parts.next());
            let legacy = ns.map(|ns| format!("{name:?} is Istio's legacy name.namespace form; Istio reads it, and prefers {ns}/{gw}"));
            Ok(legacy)
        }
    }
}

/// The GRPCRoute CRD's rule for an exact service: `^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$`.
pub(super) fn grpc_service(s: &str) -> bool {
    let s = s.strip_prefix('.').unwrap_or(s);
    !s.is_empty() && s.split('.').all(grpc_method)
}

/// The GRPCRoute CRD's rule for an exact method: `^[A-Za-z_][A-Za-z_0-9]*$`.
pub(super) fn grpc_method(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The HTTPRoute CRD's CEL rules for an Exact or PathPrefix path.
pub(super) fn gtw_path_value(v: &str) -> Result<(), String> {
    if !v.starts_with('/') {
        return Err("is not an absolute path (it must start with /)".into());
    }
    for bad in ["//", "/./", "/../", "%2f", "%2F", "#"] {
        if v.contains(bad) {
            return Err(format!("contains {bad:?}"));
        }
    }
    for bad in ["/..", "/."] {
        if v.ends_with(bad) {
            return Err(format!("ends with {bad:?}"));
        }
    }
    let b = v.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            if !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit) && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)) {
                return Err("has a % that does not start a %XX escape".into());
            }
            i += 3;
            continue;
        }
        if !(c.is_ascii_alphanumeric() || b"-/._~!$&'()*+,;=:@".contains(&c)) {
            return Err(format!("has {:?}, which a path must write as a %XX escape", char::from(c)));
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_as_istio() {
        for ok in ["x-user", "X_Y", ":authority", ":path", "@request.auth.claims.group", "@request.auth.claims[a][b]", "a!#$%&'*+-.^_`|~"] {
            assert!(istio_header_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", ":foo", "a b", "a:b", "a,b", "é", "@request.auth.claims", "@request.auth.claims."] {
            assert!(istio_header_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn grpc_names_as_the_grpcroute_crd() {
        for ok in ["helloworld.Greeter", ".pkg.v1.Svc", "_a", "A_1.b2"] {
            assert!(grpc_service(ok), "{ok}");
        }
        for bad in ["", ".", "a..b", "1a", "a-b", "a/b", "a."] {
            assert!(!grpc_service(bad), "{bad}");
        }
        assert!(grpc_method("SayHello") && grpc_method("_x9"));
        assert!(!grpc_method("Say.Hello") && !grpc_method("9x") && !grpc_method(""));
    }

    #[test]
    fn gateway_api_paths_as_its_cel_rules() {
        for ok in ["/", "/a/b", "/a%2Eb", "/~user/x.y", "/a:b@c"] {
            assert!(gtw_path_value(ok).is_ok(), "{ok}");
        }
        for bad in ["a", "//a", "/a/./b", "/a/../b", "/a%2fb", "/a%2Fb", "/a#b", "/a/..", "/a/.", "/a b", "/a%zz", "/a%4", "/é"] {
            assert!(gtw_path_value(bad).is_err(), "{bad}");
        }
    }
}
