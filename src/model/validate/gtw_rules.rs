//! The Gateway API fields of a route of the user's (`application.route`), as the HTTPRoute
//! and GRPCRoute CRDs check them: parentRefs, hostnames, rule names, filters and backendRefs.

use super::*;

/// The field a filter of this type carries: an HTTPRoute's types, of which a GRPCRoute has the
/// first four. (A match, not a table: see `route`.)
fn filter_field(kind: &str, grpc: bool) -> Option<&'static str> {
    let field = match kind {
        "RequestHeaderModifier" => "requestHeaderModifier",
        "ResponseHeaderModifier" => "responseHeaderModifier",
        "RequestMirror" => "requestMirror",
        "ExtensionRef" => "extensionRef",
        _ if grpc => return None,
        "RequestRedirect" => "requestRedirect",
        "URLRewrite" => "urlRewrite",
        "CORS" => "cors",
        _ => return None,
    };
    Some(field)
}
const GRPC_FILTERS: &str = "RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, ExtensionRef";
const HTTP_FILTERS: &str = "RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, ExtensionRef, RequestRedirect, URLRewrite, CORS";

/// Filter types a rule takes at most once (the HTTPRoute CRD's rules).
fn once(kind: &str) -> bool {
    matches!(kind, "RequestHeaderModifier" | "ResponseHeaderModifier" | "RequestRedirect" | "URLRewrite" | "CORS")
}

const GTW_MAX_PARENTS: usize = 32;
const GTW_MAX_HOSTNAMES: usize = 16;
pub(super) const GTW_MAX_FILTERS: usize = 16;
const GTW_MAX_BACKENDS: usize = 16;

impl Reader {
    pub(super) fn parent_refs(&mut self, route: &Node, path: &str) {
        let p = join(path, "parentRefs");
        let Some(list) = self.list(route.get("parentRefs"), &p) else {
            self.error(&p, Some(route), "the route needs its parentRefs (the Gateways or the Service it attaches to); a route attached to nothing routes no request");
            return;
        };
        let Val::Seq(items) = &list.value else { return };
        if items.is_empty() {
            self.error(&p, Some(list), "the route needs at least one parentRef; a route attached to nothing routes no request");
        }
        if items.len() > GTW_MAX_PARENTS {
            self.error(&p, Some(list), format!("{} parentRefs; the Gateway API takes at most {GTW_MAX_PARENTS}", items.len()));
        }
        for (i, item) in items.iter().enumerate() {
            let ip = format!("{p}[{i}]");
            let Some(item) = self.map(Some(item), &ip) else { continue };
            self.only_fields(item, &ip, |k| matches!(k, "group" | "kind" | "namespace" | "name" | "sectionName" | "port"), "group, kind, namespace, name, sectionName, port");
            if let Some(name) = self.required(item.get("name"), &join(&ip, "name"), item, "a parentRef needs the name of what it attaches to") {
                self.name(&name, item.get("name"), &join(&ip, "name"), names::dns_subdomain);
            }
            self.string(item.get("group"), &join(&ip, "group"));
            self.string(item.get("kind"), &join(&ip, "kind"));
            self.string(item.get("namespace"), &join(&ip, "namespace"));
            self.string(item.get("sectionName"), &join(&ip, "sectionName"));
            if item.get("port").is_some_and(|n| !n.is_null()) {
                self.port(item.get("port"), &join(&ip, "port"));
            }
        }
    }

    pub(super) fn hostnames(&mut self, node: Option<&Node>, path: &str) {
        let Some(list) = self.list(node, path) else { return };
        let Val::Seq(items) = &list.value else { return };
        if items.len() > GTW_MAX_HOSTNAMES {
            self.error(path, Some(list), format!("{} hostnames; the Gateway API takes at most {GTW_MAX_HOSTNAMES}", items.len()));
        }
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let Some(host) = self.string(Some(item), &p) else { continue };
            let bare = host.strip_prefix("*.").unwrap_or(&host);
            if names::dns_subdomain(bare).is_err() {
                self.error(&p, Some(item), format!("{} is not a hostname (lowercase DNS name, optionally starting with `*.`; no IP address, no port)", quote(&host)));
            }
        }
    }

    /// `name`, an RFC 1123 subdomain when given.
    pub(super) fn rule_name(&mut self, rule: &Node, path: &str) -> Option<String> {
        let p = join(path, "name");
        let name = self.string(rule.get("name"), &p)?;
        self.name(&name, rule.get("name"), &p, names::dns_subdomain);
        Some(name)
    }

    /// Rule names are unique within a route (the Gateway API: "MUST be unique within a Route").
    pub(super) fn rule_names(&mut self, items: &[Node], path: &str) {
        let mut seen: Vec<&str> = Vec::new();
        for (i, rule) in items.iter().enumerate() {
            let Some(n @ Node { value: Val::Str(name), .. }) = rule.get("name") else { continue };
            if seen.contains(&name.as_str()) {
                self.error(&format!("{path}[{i}].name"), Some(n), format!("{} names two rules; a rule's name is unique within its route", quote(name)));
            }
            seen.push(name);
        }
    }

    /// A rule's filters: each a known type with its own field and no other, the types a rule
    /// takes once at most once. Returns the types, in order.
    pub(super) fn gtw_filters(&mut self, node: Option<&Node>, path: &str, grpc: bool) -> Vec<String> {
        let Some(list) = self.list(node, path) else { return Vec::new() };
        let Val::Seq(items) = &list.value else { return Vec::new() };
        if items.len() > GTW_MAX_FILTERS {
            self.error(path, Some(list), format!("{} filters; the Gateway API takes at most {GTW_MAX_FILTERS} in a rule", items.len()));
        }
        let mut types = Vec::new();
        for (j, f) in items.iter().enumerate() {
            let p = format!("{path}[{j}]");
            let Some(f) = self.map(Some(f), &p) else { continue };
            let Some(kind) = self.required(f.get("type"), &join(&p, "type"), f, "a filter needs its type") else { continue };
            let Some(field) = filter_field(&kind, grpc) else {
                let names = if grpc { GRPC_FILTERS } else { HTTP_FILTERS };
                self.error(&join(&p, "type"), f.get("type"), format!("{} is not a filter type of this route ({names})", quote(&kind)));
                continue;
            };
            if let Val::Map(entries) = &f.value {
                for (k, v) in entries.iter().filter(|(k, _)| k != "type" && k != field) {
                    self.error(&join(&p, k), Some(v), format!("not a field here (type, {field})"));
                }
            }
            if f.get(field).is_none_or(Node::is_null) {
                self.error(&p, Some(f), format!("a {kind} filter needs its `{field}`"));
            }
            if once(&kind) && types.contains(&kind) {
                self.error(&join(&p, "type"), f.get("type"), format!("a second {kind} filter; the Gateway API takes one per rule"));
            }
            types.push(kind);
        }
        if types.iter().any(|t| t == "RequestRedirect") && types.iter().any(|t| t == "URLRewrite") {
            self.error(path, Some(list), "a RequestRedirect and a URLRewrite filter in one rule (the Gateway API takes one or the other)");
        }
        types
    }

    /// A user rule's backendRefs; how many there are.
    pub(super) fn backend_refs(&mut self, node: Option<&Node>, path: &str, c: &RouteContext) -> usize {
        let Some(list) = self.list(node, path) else { return 0 };
        let Val::Seq(items) = &list.value else { return 0 };
        if items.len() > GTW_MAX_BACKENDS {
            self.error(path, Some(list), format!("{} backendRefs; the Gateway API takes at most {GTW_MAX_BACKENDS} in a rule", items.len()));
        }
        for (j, b) in items.iter().enumerate() {
            let p = format!("{path}[{j}]");
            let Some(b) = self.map(Some(b), &p) else { continue };
            self.only_fields(b, &p, |k| matches!(k, "group" | "kind" | "name" | "namespace" | "port" | "weight" | "filters"), "group, kind, name, namespace, port, weight, filters");
            let group = self.string(b.get("group"), &join(&p, "group")).unwrap_or_default();
            let kind = self.string(b.get("kind"), &join(&p, "kind")).unwrap_or_else(|| "Service".into());
            let namespace = self.string(b.get("namespace"), &join(&p, "namespace")).unwrap_or_else(|| c.namespace.to_string());
            let Some(name) = self.required(b.get("name"), &join(&p, "name"), b, "a backendRef needs the name of its backend") else { continue };
            let service = group.is_empty() && kind == "Service";
            if service && b.get("port").is_none_or(Node::is_null) {
                self.error(&p, Some(b), "a Service backendRef needs its port (the Gateway API refuses one without)");
            } else if b.get("port").is_some_and(|n| !n.is_null()) {
                self.port(b.get("port"), &join(&p, "port"));
            }
            self.integer(b.get("weight"), &join(&p, "weight"), "a weight (0 to 1000000)", (0, i128::from(MAX_GTW_WEIGHT)));
            let pool = group == crate::model::INFERENCE_GROUP && kind == "InferencePool";
            let release_kind = if c.pools { pool } else { service };
            let version = c.versions.iter().position(|v| v.target.name == name && v.target.namespace == namespace);
            if let (true, Some(i)) = (release_kind, version) {
                let msg = format!("names version {i}'s {}, whose traffic the release decides with its weights; send it through the rule marked `release: true`", if c.pools { "InferencePool" } else { "Service" });
                self.error(&join(&p, "name"), b.get("name"), msg);
            }
        }
        items.len()
    }
}
