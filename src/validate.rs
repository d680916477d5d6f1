//! Stage 2: parsed values → a validated, normalized release (`model::Release`).
//!
//! Everything the later stages need is decided here: names, namespaces, ports, weights,
//! labels, matches and workload sources, with the chart's precedence (version, then
//! application, then default). Every check of the input lives in this one file; the types it
//! produces live in `model`, so the stages after it depend on the model, not on validation.

use crate::model::{
    API_GROUPS, Apis, Context, DEFAULT_WEIGHT, DeploySource, Env, Gateway, Given, MAX_INHERITED_COPIES, MAX_ROUTED_VERSIONS, MAX_VERSIONS, MAX_GTW_WEIGHT, MAX_WEIGHT, Model,
    ModelSource, ObjRef, Release, Strategy, Version, Workload, to_object,
};
use crate::names;
use crate::policy::{self, Cors, HeaderOps, Policy, Retries};
use crate::problem::{Problem, Report};
use crate::values::{Node, Val};
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The Gateway API allows 32 parentRefs; the application's Service takes one.
const MAX_GATEWAYS: usize = 31;
const TOP_KEYS: &[&str] = &["environment", "application", "gateway", "service", "iter8Version"];
const APP_KEYS: &[&str] = &[
    "metadata",
    "strategy",
    "versions",
    "port",
    "modelFormat",
    "runtime",
    "protocolVersion",
    "ports",
    "workloads",
    "tagRouting",
    "routing",
];
const META_KEYS: &[&str] = &["name", "namespace", "labels", "annotations"];
const VERSION_KEYS: &[&str] = &[
    "metadata",
    "weight",
    "match",
    "matches",
    "port",
    "image",
    "deploymentSpecification",
    "serviceSpecification",
    "inferenceServiceSpecification",
    "modelFormat",
    "runtime",
    "protocolVersion",
    "ports",
    "storageUri",
];
/// The keys of a version that describe its workload (all after `port` in VERSION_KEYS).
const WORKLOAD_KEYS: &[&str] = VERSION_KEYS.split_at(5).1;
const ISTIO_MATCH_KEYS: &[&str] = &[
    "name",
    "uri",
    "scheme",
    "method",
    "authority",
    "headers",
    "port",
    "sourceLabels",
    "gateways",
    "queryParams",
    "ignoreUriCase",
    "withoutHeaders",
    "sourceNamespace",
    "statPrefix",
];
const GTW_MATCH_KEYS: &[&str] = &["path", "headers", "queryParams", "method"];

/// Why ModelMesh cannot mirror: every model is served by one Service and chosen by the
/// `mm-vmodel-id` request header, and an Istio mirror has a destination and a percentage but no
/// headers of its own, so the copy would ask the primary's model again.
const MODELMESH_NO_MIRROR: &str = ". ModelMesh cannot mirror to a candidate: all models share the serving Service and are chosen by the mm-vmodel-id header, and an Istio mirror copies the request with the primary's header (a mirror has no headers of its own), so the copy would reach the primary's model again";

/// Where a key written at the wrong level belongs (`strategy` at the top level: in
/// `application`), so a misplaced key does not just vanish with "unknown key".
fn misplaced(key: &str, path: &str) -> Option<String> {
    let in_version = path.starts_with("application.versions[") && path.ends_with(']');
    match path {
        "" if APP_KEYS.contains(&key) => Some(format!("application.{key}")),
        "" if VERSION_KEYS.contains(&key) => Some(format!("application.versions[i].{key}")),
        "application" if TOP_KEYS.contains(&key) => Some(format!("{key} at the top level")),
        "application" if VERSION_KEYS.contains(&key) => Some(format!("application.versions[i].{key}")),
        _ if in_version && APP_KEYS.contains(&key) => Some(format!("application.{key}")),
        _ if in_version && TOP_KEYS.contains(&key) => Some(format!("{key} at the top level")),
        _ => None,
    }
}

/// Validates the values and builds the release, or returns every problem found.
pub fn build(root: &Node, ctx: &Context) -> (Option<Release>, Report) {
    let mut r = Reader { report: Report::default(), strict: ctx.strict };
    let release = r.release(root, ctx);
    if !r.report.errors.is_empty() {
        return (None, r.report);
    }
    (release, r.report)
}

struct Reader {
    report: Report,
    strict: bool,
}

/// `path.key`. Every field read builds its path, so not through `format!` (its machinery
/// cost more than the reading).
fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { [path, ".", key].concat() }
}

impl Reader {
    fn error(&mut self, path: &str, node: Option<&Node>, msg: impl Into<String>) {
        let mut p = Problem::new(path, msg);
        p.pos = node.map(|n| n.pos);
        self.report.error(p);
    }

    /// The known key a typo was meant to be, for the first `HINTED_PROBLEMS` problems of a run.
    /// Past them the input is not a release with a few typos but something else entirely,
    /// and a search for each of a quarter of a million keys would cost more than reading them.
    fn closest<'a>(&self, key: &str, known: &[&'a str]) -> Option<&'a str> {
        let found = self.report.errors.len() + self.report.warnings.len();
        if found >= HINTED_PROBLEMS { None } else { closest(key, known) }
    }

    /// Unknown keys are warnings (a typo such as `wieght` must not pass silently);
    /// `--strict` makes them errors.
    fn known_keys(&mut self, node: &Node, path: &str, known: &[&str]) {
        let Val::Map(entries) = &node.value else { return };
        for (key, value) in entries.iter() {
            if known.contains(&key.as_str()) {
                continue;
            }
            // Helm's YAML 1.1 reader turns an unquoted `on:` key into `true:` (releasegen takes
            // keys as written), so under Helm `on` arrives as `true`.
            let yaml11 = (key == "true" && known.contains(&"on")).then(|| "; did you mean `on`? Helm's YAML reader turns an unquoted `on:` into `true:`, so write \"on\":".to_string());
            let hint = misplaced(key, path)
                .map(|at| format!("; did you mean {at}?"))
                .or_else(|| self.closest(key, known).map(|k| format!("; did you mean `{k}`?")));
            let hint = yaml11.or(hint).unwrap_or_default();
            let mut p = Problem::new(&join(path, key), format!("unknown key{hint}"));
            p.pos = Some(value.pos);
            if self.strict { self.report.error(p) } else { self.report.warn(p) }
        }
    }

    /// A mapping (or absent/null); anything else is an error.
    fn map<'a>(&mut self, node: Option<&'a Node>, path: &str) -> Option<&'a Node> {
        self.shaped(node, path, "a mapping", |v| matches!(v, Val::Map(_)))
    }

    /// A list (or absent/null); anything else is an error.
    fn list<'a>(&mut self, node: Option<&'a Node>, path: &str) -> Option<&'a Node> {
        self.shaped(node, path, "a list", |v| matches!(v, Val::Seq(_)))
    }

    fn shaped<'a>(&mut self, node: Option<&'a Node>, path: &str, what: &str, ok: fn(&Val) -> bool) -> Option<&'a Node> {
        let node = node.filter(|n| !n.is_null())?;
        if ok(&node.value) {
            Some(node)
        } else {
            self.error(path, Some(node), format!("expected {what}, found {}", node.describe()));
            None
        }
    }

    fn string(&mut self, node: Option<&Node>, path: &str) -> Option<String> {
        let node = node.filter(|n| !n.is_null())?;
        match &node.value {
            Val::Str(s) => Some(s.clone()),
            Val::Seq(_) | Val::Map(_) => {
                self.error(path, Some(node), format!("expected a string, found {}", node.describe()));
                None
            }
            _ => {
                let msg = format!("expected a string, found {}; quote it if text is meant", node.describe());
                self.error(path, Some(node), msg);
                None
            }
        }
    }

    /// A string that must be present: a wrong type and a missing value are each said once.
    fn required(&mut self, value: Option<&Node>, path: &str, parent: &Node, missing: &str) -> Option<String> {
        let value = value.filter(|n| !n.is_null());
        match value.map(|n| &n.value) {
            Some(Val::Str(s)) if !s.is_empty() => Some(s.clone()),
            Some(Val::Str(_)) | None => {
                self.error(path, Some(value.unwrap_or(parent)), missing);
                None
            }
            Some(_) => self.string(value, path),
        }
    }

    fn integer(&mut self, node: Option<&Node>, path: &str, what: &str, range: (i128, i128)) -> Option<u32> {
        let node = node.filter(|n| !n.is_null())?;
        match node.value {
            Val::Int(i) if i >= range.0 && i <= range.1 => u32::try_from(i).ok(),
            Val::Int(i) if i >= 0 && i > range.1 => {
                self.error(path, Some(node), format!("{what} must be at most {}, found {i}", range.1));
                None
            }
            _ => {
                self.error(path, Some(node), format!("expected {what}, found {}", node.describe()));
                None
            }
        }
    }

    fn port(&mut self, node: Option<&Node>, path: &str) -> Option<u32> {
        self.integer(node, path, "a port number (1-65535)", (1, 65535))
    }

    fn name(&mut self, value: &str, node: Option<&Node>, path: &str, check: fn(&str) -> Result<(), String>) {
        if let Err(e) = check(value) {
            self.error(path, node, format!("{} {e}", quote(value)));
        }
    }

    /// The application's name and namespace: its own metadata, else `--name` / the release
    /// namespace. A bad flag is reported once, against the flag, and stops here, rather than
    /// as errors about derived names (`HttpBin-0`) the user never wrote. A namespace the user
    /// did not give is said on stderr with where it came from.
    fn identity(&mut self, meta: &Meta, app: &Node, ctx: &Context) -> Option<(String, String)> {
        let name = match (&meta.name, &ctx.release_name) {
            (Some(n), _) => {
                self.name(n, app.get("metadata"), "application.metadata.name", names::rfc1035_label);
                n.clone()
            }
            (None, Some(n)) => {
                if let Err(e) = names::rfc1035_label(n) {
                    self.error("--name", None, format!("{} {e}; the release name names the application and, with -0, -1, its versions", quote(n)));
                    return None;
                }
                n.clone()
            }
            (None, None) => {
                self.error("application.metadata.name", None, "no release name: pass --name or set application.metadata.name");
                return None;
            }
        };
        let namespace = match (&meta.namespace, &ctx.namespace) {
            (Some(ns), _) => {
                self.name(ns, None, "application.metadata.namespace", names::dns_label);
                ns.clone()
            }
            (None, ns) => {
                let ns = ns.clone().unwrap_or_else(|| "default".into());
                let flag = if ctx.namespace_origin.as_deref().is_some_and(|o| o.contains("HELM_NAMESPACE")) { "$HELM_NAMESPACE" } else { "--namespace" };
                if let Err(e) = names::dns_label(&ns) {
                    self.error(flag, None, format!("{} {e}", quote(&ns)));
                    return None;
                }
                if let Some(origin) = &ctx.namespace_origin {
                    self.report.warn(Problem::new("--namespace", format!("not given; using {}, {origin}", quote(&ns))));
                }
                ns
            }
        };
        Some((name, namespace))
    }

    fn release(&mut self, root: &Node, ctx: &Context) -> Option<Release> {
        if !matches!(root.value, Val::Map(_)) {
            self.error("", Some(root), format!("release values must be a mapping, found {}", root.describe()));
            return None;
        }
        self.known_keys(root, "", TOP_KEYS);
        let env = self.environment(root.get("environment"));
        let app = root.get("application").filter(|n| !n.is_null());
        if app.is_none() {
            self.error("", None, "application is required");
        }
        let app = self.map(app, "application");
        let gateways = self.gateways(root.get("gateway"), env);
        let (service_host, service_port) = self.service(root.get("service"));
        let iter8_version = self.iter8_version(root.get("iter8Version"));
        let (env, app) = (env?, app?);
        self.application(app, env, ctx, gateways, service_host, service_port, iter8_version)
    }

    fn environment(&mut self, node: Option<&Node>) -> Option<Env> {
        let Some(node) = node.filter(|n| !matches!(&n.value, Val::Null) && n.value != Val::Str(String::new())) else {
            self.error("", None, "environment is required");
            return None;
        };
        let name = self.string(Some(node), "environment")?;
        let env = Env::ALL.into_iter().find(|e| e.name() == name);
        if env.is_none() {
            let choices = Env::ALL.map(Env::name).join(", ");
            self.error("environment", Some(node), format!("Unknown environment: '{name}' (one of: {choices})"));
        }
        env
    }

    /// `gateway`: one Gateway or a list. A string is `name` or `namespace/name`; a mapping is
    /// `{name, namespace?, sectionName?}` (`sectionName` on the Gateway API only).
    fn gateways(&mut self, node: Option<&Node>, env: Option<Env>) -> Vec<Gateway> {
        let Some(node) = node.filter(|n| !n.is_null()) else { return Vec::new() };
        let items: Vec<(String, &Node)> = match &node.value {
            Val::Seq(items) => items.iter().enumerate().map(|(i, n)| (format!("gateway[{i}]"), n)).collect(),
            _ => vec![("gateway".to_string(), node)],
        };
        if items.len() > MAX_GATEWAYS {
            let msg = format!("{} gateways; a route attaches to at most {MAX_GATEWAYS} (the Gateway API's 32 parentRefs, one of them the application's Service)", items.len());
            self.error("gateway", Some(node), msg);
            return Vec::new();
        }
        let mut out: Vec<Gateway> = Vec::new();
        for (path, item) in items {
            let Some(g) = self.one_gateway(item, &path, env) else { continue };
            if out.contains(&g) {
                self.error(&path, Some(item), format!("{} is listed twice", quote(&g.istio())));
                continue;
            }
            out.push(g);
        }
        out
    }

    fn one_gateway(&mut self, node: &Node, path: &str, env: Option<Env>) -> Option<Gateway> {
        let gw = match &node.value {
            Val::Map(_) => {
                self.known_keys(node, path, &["name", "namespace", "sectionName"]);
                let name = self.required(node.get("name"), &join(path, "name"), node, "a gateway needs its name")?;
                let namespace = self.string(node.get("namespace"), &join(path, "namespace"));
                let section = self.string(node.get("sectionName"), &join(path, "sectionName"));
                Gateway { name, namespace, section }
            }
            _ => {
                let text = self.string(Some(node), path)?;
                match text.split_once('/') {
                    Some((ns, name)) => Gateway { name: name.to_string(), namespace: Some(ns.to_string()), section: None },
                    None => Gateway { name: text, namespace: None, section: None },
                }
            }
        };
        let ok = names::dns_subdomain(&gw.name).is_ok()
            && gw.namespace.as_deref().is_none_or(|ns| names::dns_label(ns).is_ok())
            && gw.section.as_deref().is_none_or(|s| names::dns_subdomain(s).is_ok());
        if !ok {
            self.error(path, Some(node), format!("{} is not a valid gateway name (name or namespace/name)", quote(&gw.istio())));
            return None;
        }
        if gw.section.is_some() && env.is_some_and(|e| e != Env::DeploymentGtw) {
            self.error(&join(path, "sectionName"), Some(node), "sectionName is a Gateway API parentRef field; Istio Gateways are named namespace/name");
            return None;
        }
        Some(gw)
    }

    fn service(&mut self, node: Option<&Node>) -> (String, u32) {
        let mut host = "modelmesh-serving.modelmesh-serving.svc.cluster.local".to_string();
        let mut port = 8033;
        if let Some(svc) = self.map(node, "service") {
            self.known_keys(svc, "service", &["host", "port"]);
            if let Some(h) = self.string(svc.get("host"), "service.host") {
                self.name(&h, svc.get("host"), "service.host", names::dns_subdomain);
                host = h;
            }
            port = self.port(svc.get("port"), "service.port").unwrap_or(port);
        }
        (host, port)
    }

    fn iter8_version(&mut self, node: Option<&Node>) -> String {
        let v = self.string(node, "iter8Version").unwrap_or_else(|| "v1.1".into());
        self.name(&v, node, "iter8Version", names::label_value);
        v
    }

    #[allow(clippy::too_many_arguments)]
    fn application(
        &mut self,
        app: &Node,
        env: Env,
        ctx: &Context,
        gateways: Vec<Gateway>,
        service_host: String,
        service_port: u32,
        iter8_version: String,
    ) -> Option<Release> {
        self.known_keys(app, "application", APP_KEYS);
        let meta = self.metadata(app.get("metadata"), "application.metadata");
        let (name, namespace) = self.identity(&meta, app, ctx)?;
        let strategy = self.strategy(app.get("strategy"), env);
        let app_port = self.app_port(app.get("port"));
        let external = self.workloads(app.get("workloads"), env);
        let tag_routing = self.tag_routing(app.get("tagRouting"), env);
        let policy = self.routing(app.get("routing"), env, strategy);
        let defaults = AppDefaults { node: app, port: app_port, meta: &meta, external };
        let versions = self.versions(app.get("versions"), env, strategy, &name, &namespace, &defaults);
        if let Some(vs) = &versions {
            self.native_rules(env, vs, app.get("versions"));
        }
        Some(Release {
            env,
            strategy: strategy?,
            name,
            namespace,
            gateways,
            service_host,
            service_port,
            iter8_version,
            app_port: app_port.unwrap_or(80),
            versions: versions?,
            external,
            tag_routing,
            weights_only: false,
            apis: self.apis(&ctx.api_versions),
            policy,
        })
    }

    /// `application.routing`: the policy every generated rule carries.
    fn routing(&mut self, node: Option<&Node>, env: Env, strategy: Option<Strategy>) -> Policy {
        let path = "application.routing";
        let Some(node) = self.map(node, path) else { return Policy::default() };
        self.known_keys(node, path, &["timeout", "retries", "cors", "requestHeaders", "responseHeaders"]);
        // An invalid strategy is reported by itself; the policy is then not said to be unused.
        if strategy.is_some_and(|s| !env.routes(s)) {
            let mut p = Problem::new(path, format!("is not used: {} has no routing object to carry it (ignored)", describe_unrouted(env, strategy)));
            p.pos = Some(node.pos);
            self.report.warn(p);
        }
        let timeout = self.duration(node.get("timeout"), &join(path, "timeout"));
        let retries = self.retries(node.get("retries"), &join(path, "retries"), env);
        let cors = self.cors(node.get("cors"), &join(path, "cors"));
        let request_headers = self.header_ops(node.get("requestHeaders"), &join(path, "requestHeaders"), env, false);
        let response_headers = self.header_ops(node.get("responseHeaders"), &join(path, "responseHeaders"), env, true);
        Policy { timeout, retries, cors, request_headers, response_headers }
    }

    fn duration(&mut self, node: Option<&Node>, path: &str) -> Option<u64> {
        let text = self.string(node, path)?;
        policy::duration(&text).map_err(|e| self.error(path, node, e)).ok()
    }

    fn retries(&mut self, node: Option<&Node>, path: &str, env: Env) -> Option<Retries> {
        let node = self.map(node, path)?;
        self.known_keys(node, path, &["attempts", "perTryTimeout", "on"]);
        if env == Env::DeploymentGtw {
            let msg = "the Gateway API's standard channel has no retries on an HTTPRoute (its retry field is experimental); leave retries out on deployment-gtw";
            self.error(path, Some(node), msg);
            return None;
        }
        let attempts = self.integer(node.get("attempts"), &join(path, "attempts"), "a number of attempts", (0, i32::MAX as i128));
        let per_try_timeout = self.duration(node.get("perTryTimeout"), &join(path, "perTryTimeout"));
        let on = self.strings(node.get("on"), &join(path, "on"), |c| {
            let status = c.parse::<u16>().is_ok_and(|n| (100..=599).contains(&n));
            if status || policy::RETRY_ON.contains(&c) { Ok(()) } else { Err(format!("{c:?} is not a retry condition Istio knows ({}, or an HTTP status code)", policy::RETRY_ON.join(", "))) }
        });
        let Some(attempts) = attempts else {
            if node.get("attempts").is_none_or(Node::is_null) {
                self.error(&join(path, "attempts"), Some(node), "retries need attempts (0 turns retries off)");
            }
            return None;
        };
        if attempts == 0 && (per_try_timeout.is_some() || !on.is_empty()) {
            self.error(path, Some(node), "attempts 0 turns retries off; Istio refuses perTryTimeout or on with it");
        }
        Some(Retries { attempts, per_try_timeout, on })
    }

    fn cors(&mut self, node: Option<&Node>, path: &str) -> Option<Cors> {
        let node = self.map(node, path)?;
        let keys = ["allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge", "allowCredentials"];
        self.known_keys(node, path, &keys);
        let allow_origins = self.strings(node.get("allowOrigins"), &join(path, "allowOrigins"), policy::origin);
        let allow_methods = self.strings(node.get("allowMethods"), &join(path, "allowMethods"), |m| {
            if policy::CORS_METHODS.contains(&m) { Ok(()) } else { Err(format!("{m:?} is not a method ({})", policy::CORS_METHODS.join(", "))) }
        });
        let header = |h: &str| if h == "*" { Ok(()) } else { policy::header_name(h) };
        let allow_headers = self.strings(node.get("allowHeaders"), &join(path, "allowHeaders"), header);
        let expose_headers = self.strings(node.get("exposeHeaders"), &join(path, "exposeHeaders"), header);
        for (key, list) in [("allowOrigins", &allow_origins), ("allowMethods", &allow_methods), ("allowHeaders", &allow_headers)] {
            if list.len() > 1 && list.iter().any(|x| x == "*") {
                self.error(&join(path, key), node.get(key), "\"*\" stands alone: the Gateway API refuses it beside other entries");
            }
        }
        let max_age = self.duration(node.get("maxAge"), &join(path, "maxAge")).and_then(|ms| {
            if ms.is_multiple_of(1000) && ms / 1000 <= i32::MAX as u64 {
                return Some(ms / 1000);
            }
            self.error(&join(path, "maxAge"), node.get("maxAge"), "maxAge is whole seconds (Istio keeps only seconds; the Gateway API takes an integer)");
            None
        });
        let allow_credentials = match node.get("allowCredentials").filter(|n| !n.is_null()) {
            None => None,
            Some(Node { value: Val::Bool(b), .. }) => Some(*b),
            Some(n) => {
                self.error(&join(path, "allowCredentials"), Some(n), format!("expected true or false, found {}", n.describe()));
                None
            }
        };
        Some(Cors { allow_origins, allow_methods, allow_headers, expose_headers, max_age, allow_credentials })
    }

    /// `set`, `add` (header name → value) and `remove` (names). Headers releasegen sets
    /// itself in this environment are refused: two writers of one header would fight.
    fn header_ops(&mut self, node: Option<&Node>, path: &str, env: Env, response: bool) -> HeaderOps {
        let mut ops = HeaderOps::default();
        let Some(node) = self.map(node, path) else { return ops };
        self.known_keys(node, path, &["set", "add", "remove"]);
        let istio = env != Env::DeploymentGtw;
        let own: &[&str] = if response { &["app-version"] } else { own_request_headers(env) };
        let check_name = |r: &mut Reader, name: &str, p: &str, at: &Node, removing: bool| {
            if let Err(e) = policy::header_name(name) {
                r.error(p, Some(at), e);
            } else if own.iter().any(|o| o.eq_ignore_ascii_case(name)) {
                r.error(p, Some(at), format!("releasegen sets {name:?} itself here (its routing depends on it); choose another header"));
            } else if (response || removing) && name.eq_ignore_ascii_case("host") {
                r.error(p, Some(at), "Istio refuses to remove Host, or to change it in a response");
            }
        };
        for (key, list) in [("set", &mut ops.set), ("add", &mut ops.add)] {
            let p = join(path, key);
            let Some(map) = self.map(node.get(key), &p) else { continue };
            let Val::Map(entries) = &map.value else { continue };
            if entries.len() > 16 {
                self.error(&p, Some(map), format!("{} headers; the Gateway API takes at most 16", entries.len()));
            }
            for (name, value) in entries.iter() {
                let vp = join(&p, name);
                check_name(self, name, &vp, value, false);
                let Some(text) = self.string(Some(value), &vp) else {
                    if value.is_null() {
                        self.error(&vp, Some(value), "a header value has 1 to 4096 characters");
                    }
                    continue;
                };
                if let Err(e) = policy::header_value(&text, istio) {
                    self.error(&vp, Some(value), e);
                }
                list.push((name.clone(), text));
            }
        }
        let p = join(path, "remove");
        ops.remove = self.strings(node.get("remove"), &p, |_| Ok(()));
        if let Some(items) = node.get("remove") {
            for (j, name) in ops.remove.iter().enumerate() {
                check_name(self, name, &format!("{p}[{j}]"), items, true);
            }
        }
        if ops.remove.len() > 16 {
            self.error(&p, node.get("remove"), format!("{} headers; the Gateway API takes at most 16", ops.remove.len()));
        }
        ops
    }

    /// A list of strings, each checked; a problem names its item.
    fn strings(&mut self, node: Option<&Node>, path: &str, check: impl Fn(&str) -> Result<(), String>) -> Vec<String> {
        let Some(list) = self.list(node, path) else { return Vec::new() };
        let Val::Seq(items) = &list.value else { return Vec::new() };
        let mut out: Vec<String> = Vec::new();
        for (j, item) in items.iter().enumerate() {
            let p = format!("{path}[{j}]");
            let Some(text) = self.string(Some(item), &p) else { continue };
            if let Err(e) = check(&text) {
                self.error(&p, Some(item), e);
            } else if out.contains(&text) {
                self.error(&p, Some(item), format!("{text:?} is listed twice"));
            } else {
                out.push(text);
            }
        }
        out
    }

    /// `--api-versions`: for each group releasegen writes, the newest version listed that it
    /// supports. Groups it does not write are ignored (a whole `kubectl api-versions` may be
    /// passed); a group listed with no version releasegen supports is an error, not a
    /// silent fallback to v1beta1.
    fn apis(&mut self, given: &[String]) -> Apis {
        let mut apis = Apis::default();
        // `-a "$(kubectl api-versions | paste -sd, -)"` gives an empty list when kubectl cannot
        // reach the cluster; rendering the default versions then would hide that.
        if given.iter().any(|a| a.trim().is_empty()) {
            let msg = "has an empty entry; if it came from `kubectl api-versions`, kubectl printed nothing (could it reach the cluster?); leave the flag out for the default versions";
            self.error("--api-versions", None, msg.to_string());
        }
        for (group, versions, kinds) in API_GROUPS {
            let listed: Vec<&str> = given
                .iter()
                .filter_map(|a| {
                    let mut parts = a.split('/');
                    let (g, v, kind) = (parts.next()?, parts.next()?, parts.next());
                    (g == *group && kind.is_none_or(|k| kinds.contains(&k))).then_some(v)
                })
                .collect();
            if listed.is_empty() {
                continue;
            }
            let Some(newest) = versions.iter().rev().find(|v| listed.contains(v)) else {
                let msg = format!("lists {group} at {}; releasegen writes {group} at {}", listed.join(", "), versions.join(" or "));
                self.error("--api-versions", None, msg);
                continue;
            };
            if *group == "networking.istio.io" { apis.istio = newest } else { apis.gateway = newest }
        }
        apis
    }

    /// `application.workloads`: `external` renders everything but the versions' workloads.
    fn workloads(&mut self, node: Option<&Node>, env: Env) -> bool {
        let path = "application.workloads";
        let Some(text) = self.string(node, path) else { return false };
        match text.as_str() {
            "external" if env.kserve_native() => {
                let msg = format!("{} renders the InferenceService itself; external workloads do not apply", env.name());
                self.error(path, node, msg);
                false
            }
            "external" => true,
            other => {
                self.error(path, node, format!("expected `external` (or nothing), found {}", quote(other)));
                false
            }
        }
    }

    fn tag_routing(&mut self, node: Option<&Node>, env: Env) -> bool {
        let path = "application.tagRouting";
        let Some(node) = node.filter(|n| !n.is_null()) else { return false };
        let Val::Bool(on) = node.value else {
            self.error(path, Some(node), format!("expected true or false, found {}", node.describe()));
            return false;
        };
        if env != Env::KserveServerless {
            let mut p = Problem::new(path, "is used only by environment kserve-serverless (ignored)");
            p.pos = Some(node.pos);
            self.report.warn(p);
        }
        on
    }

    /// Routing is precomputed for all 2^N readiness states (routemap, `states`, `route`), so
    /// the number of versions of a routed release is bounded before any state is counted.
    fn routed_versions(&mut self, env: Env, strategy: Option<Strategy>, n: usize, node: Option<&Node>) {
        if strategy.is_some_and(|s| env.routes(s)) && n > MAX_ROUTED_VERSIONS {
            let msg = format!(
                "{n} versions have 2^{n} readiness states; the routemap that precomputes their routing would be larger than one `kubectl apply` takes (at most {MAX_ROUTED_VERSIONS} versions are routed); release fewer versions at once"
            );
            self.error("application.versions", node, msg);
        }
    }

    /// What KServe itself would refuse.
    fn native_rules(&mut self, env: Env, versions: &[Version], node: Option<&Node>) {
        let path = "application.versions";
        if env == Env::KserveServerless {
            if versions.len() > 2 {
                let msg = format!(
                    "kserve-serverless rolls out one candidate at a time (canaryTrafficPercent); found {} versions",
                    versions.len()
                );
                self.error(path, node, msg);
            }
            if let Some(c) = versions.get(1).filter(|c| c.weight > 100) {
                let msg = format!("the candidate's weight is its canaryTrafficPercent, 0 to 100; found {}", c.weight);
                self.error("application.versions[1].weight", None, msg);
            }
        }
        if env.kserve_native() {
            for (i, v) in versions.iter().enumerate() {
                if let Workload::InferenceService { source: ModelSource::Given(g) } = &v.workload
                    && !g.spec.get("predictor").is_some_and(Value::is_object)
                {
                    let p = format!("{path}[{i}].inferenceServiceSpecification.spec.predictor");
                    self.error(&p, None, "KServe's canary needs the version's predictor here");
                }
            }
        }
    }

    /// `application.port`: default 80; an explicit null removes the default, as in Helm.
    fn app_port(&mut self, node: Option<&Node>) -> Option<u32> {
        match node {
            None => Some(80),
            Some(n) if n.is_null() => None,
            Some(n) => self.port(Some(n), "application.port"),
        }
    }

    fn strategy(&mut self, node: Option<&Node>, env: Env) -> Option<Strategy> {
        let text = self.string(node, "application.strategy").unwrap_or_default();
        let strategy = if text.is_empty() { Some(Strategy::None) } else { Strategy::parse(&text) };
        match strategy {
            Some(s) if env.strategies().contains(&s) => Some(s),
            _ => {
                let supported: Vec<&str> = env.strategies().iter().map(|s| s.name()).collect();
                let why = match (strategy, env) {
                    (Some(Strategy::Mirror), Env::ModelMesh) => MODELMESH_NO_MIRROR,
                    _ => "",
                };
                let msg = format!(
                    "unknown or invalid application strategy ({text}) for environment ({}); it supports {}{why}",
                    env.name(),
                    supported.join(", ")
                );
                self.error("application.strategy", node, msg);
                None
            }
        }
    }

    fn metadata(&mut self, node: Option<&Node>, path: &str) -> Meta {
        let mut meta = Meta::default();
        let Some(node) = self.map(node, path) else { return meta };
        self.known_keys(node, path, META_KEYS);
        meta.name = self.string(node.get("name"), &join(path, "name"));
        meta.namespace = self.string(node.get("namespace"), &join(path, "namespace"));
        meta.labels = self.string_map(node.get("labels"), &join(path, "labels"), true);
        meta.annotations = self.string_map(node.get("annotations"), &join(path, "annotations"), false);
        meta
    }

    /// Labels or annotations: string keys to string values. A number or boolean is refused,
    /// never converted: `1.10` would otherwise reach the cluster as `1.1`.
    fn string_map(&mut self, node: Option<&Node>, path: &str, labels: bool) -> IndexMap<String, String> {
        let mut out = IndexMap::new();
        let Some(node) = self.map(node, path) else { return out };
        let Val::Map(entries) = &node.value else { return out };
        for (key, value) in entries.iter() {
            let p = join(path, key);
            if let Err(e) = names::qualified_name(key) {
                self.error(&p, Some(value), format!("the key {} {e}", quote(key)));
            }
            match &value.value {
                Val::Str(s) => {
                    if labels && let Err(e) = names::label_value(s) {
                        self.error(&p, Some(value), format!("{} {e}", quote(s)));
                    }
                    out.insert(key.clone(), s.clone());
                }
                _ => {
                    let what = if labels { "label" } else { "annotation" };
                    let msg = format!(
                        "{what} values must be strings, found {}; quote it (\"...\") so it is not read as a number or boolean",
                        value.describe()
                    );
                    self.error(&p, Some(value), msg);
                }
            }
        }
        out
    }

    fn versions(
        &mut self,
        node: Option<&Node>,
        env: Env,
        strategy: Option<Strategy>,
        app: &str,
        ns: &str,
        defaults: &AppDefaults,
    ) -> Option<Vec<Version>> {
        let path = "application.versions";
        let items = match node.map(|n| &n.value) {
            Some(Val::Seq(items)) if !items.is_empty() => items,
            Some(Val::Seq(_)) | None | Some(Val::Null) => {
                self.error(path, node, "at least one version is required (version 0 is the primary)");
                return None;
            }
            Some(_) => {
                let found = node.map(Node::describe).unwrap_or_default();
                self.error(path, node, format!("expected a list of versions, found {found}"));
                return None;
            }
        };
        // Counts first: what the versions would cost is known before any is built.
        if items.len() > MAX_VERSIONS {
            let msg = format!("{} versions; a release has at most {MAX_VERSIONS} (the version limit)", items.len());
            self.error(path, node, msg);
            return None;
        }
        self.routed_versions(env, strategy, items.len(), node);
        self.inherited_copies(items.len(), defaults)?;
        let scope = Scope { env, strategy, app, ns, defaults };
        let versions: Vec<Option<Version>> =
            items.iter().enumerate().map(|(i, v)| self.version(v, i, &scope)).collect();
        self.unique_targets(&versions);
        versions.into_iter().collect()
    }

    /// Every version carries its own copy of the application's labels, annotations and model
    /// fields; refuse before making copies that would not fit in memory.
    fn inherited_copies(&mut self, n: usize, defaults: &AppDefaults) -> Option<()> {
        let strings = |m: &IndexMap<String, String>| m.iter().map(|(k, v)| k.len() + v.len() + 8).sum::<usize>();
        let model_fields = ["modelFormat", "runtime", "protocolVersion", "ports"];
        let each = strings(&defaults.meta.labels)
            + strings(&defaults.meta.annotations)
            + model_fields.iter().filter_map(|k| defaults.node.get(k)).map(Node::text_size).sum::<usize>();
        if n.saturating_mul(each) <= MAX_INHERITED_COPIES {
            return Some(());
        }
        let msg = format!(
            "each of the {n} versions gets a copy of the application's labels, annotations and model fields ({each} bytes); \
             {n} copies are more than {MAX_INHERITED_COPIES} bytes (the copy limit); set large values on the versions that need them"
        );
        self.error("application", Some(defaults.node), msg);
        None
    }

    /// Two versions with one Service or InferenceService would route as one. Hash maps keep
    /// this linear in the number of versions.
    fn unique_targets(&mut self, versions: &[Option<Version>]) {
        let mut targets: HashMap<&ObjRef, usize> = HashMap::new();
        let mut names: HashMap<(&str, &str), usize> = HashMap::new();
        for (i, v) in versions.iter().enumerate() {
            let Some(v) = v else { continue };
            let earlier = targets.get(&v.target).or_else(|| names.get(&(v.name.as_str(), v.namespace.as_str()))).copied();
            if let Some(j) = earlier {
                let msg = format!("version {i} has the same name ({}) as version {j}; every version needs its own", v.target.name);
                self.error(&format!("application.versions[{i}].metadata.name"), None, msg);
            }
            targets.entry(&v.target).or_insert(i);
            names.entry((&v.name, &v.namespace)).or_insert(i);
        }
    }

    fn version(&mut self, node: &Node, i: usize, s: &Scope) -> Option<Version> {
        let path = format!("application.versions[{i}]");
        if !matches!(node.value, Val::Map(_)) {
            self.error(&path, Some(node), format!("expected a mapping, found {}", node.describe()));
            return None;
        }
        self.known_keys(node, &path, VERSION_KEYS);
        self.inapplicable(node, &path, s.env, s.defaults.external);
        let meta = self.metadata(node.get("metadata"), &join(&path, "metadata"));
        let name = meta.name.clone().unwrap_or_else(|| format!("{}-{i}", s.app));
        let name_path = join(&path, "metadata.name");
        if let Err(e) = names::rfc1035_label(&name) {
            let hint = if meta.name.is_none() { " (derived from the release name; set metadata.name)" } else { "" };
            self.error(&name_path, node.get("metadata"), format!("{} {e}{hint}", quote(&name)));
        }
        let namespace = meta.namespace.clone().unwrap_or_else(|| s.ns.to_string());
        self.name(&namespace, None, &join(&path, "metadata.namespace"), names::dns_label);
        let weight = self.weight(node.get("weight"), &path, i, s.env, s.strategy);
        let mut labels = IndexMap::from([("iter8.tools/watch".to_string(), "true".to_string())]);
        labels.extend(s.defaults.meta.labels.clone());
        labels.extend(meta.labels);
        labels.insert("iter8.tools/watch".into(), "true".into());
        let mut annotations = s.defaults.meta.annotations.clone();
        annotations.extend(meta.annotations);
        let own = ObjRef { name: name.clone(), namespace: namespace.clone() };
        let (workload, target) = if s.defaults.external {
            self.external_workload(node, &path, &own, s)?
        } else if s.env.uses_deployments() {
            self.deployment_workload(node, &path, &own, s.defaults)?
        } else {
            self.model_workload(node, &path, &own, s)?
        };
        let canary = s.strategy == Some(Strategy::Canary);
        let istio_match = self.istio_match(node.get("match"), &join(&path, "match"), canary);
        let gtw_matches = self.gtw_matches(node.get("matches"), &join(&path, "matches"), canary);
        Some(Version {
            name,
            namespace,
            target,
            weight: weight?,
            labels,
            annotations,
            workload,
            istio_match,
            gtw_matches,
        })
    }

    /// Fields of another kind of environment are ignored; say so rather than stay silent.
    fn inapplicable(&mut self, node: &Node, path: &str, env: Env, external: bool) {
        let foreign: &[&str] = if external {
            WORKLOAD_KEYS
        } else if env.uses_deployments() {
            &["inferenceServiceSpecification", "modelFormat", "runtime", "protocolVersion", "ports", "storageUri"]
        } else {
            &["image", "port", "deploymentSpecification", "serviceSpecification"]
        };
        let Val::Map(entries) = &node.value else { return };
        for (key, value) in entries.iter().filter(|(k, _)| foreign.contains(&k.as_str())) {
            let why = if external { "workloads are external".to_string() } else { format!("environment {}", env.name()) };
            let mut p = Problem::new(&join(path, key), format!("is not used: {why} (ignored)"));
            p.pos = Some(value.pos);
            self.report.warn(p);
        }
    }

    fn weight(&mut self, node: Option<&Node>, path: &str, i: usize, env: Env, strategy: Option<Strategy>) -> Option<u32> {
        let path = join(path, "weight");
        let Some(node) = node.filter(|n| !n.is_null()) else { return Some(DEFAULT_WEIGHT) };
        let w = self.integer(Some(node), &path, "a non-negative integer", (0, MAX_WEIGHT))?;
        if env == Env::DeploymentGtw && w > MAX_GTW_WEIGHT {
            let msg = format!("the Gateway API takes backendRef weights up to {MAX_GTW_WEIGHT} (a weight is a relative share); found {w}");
            self.error(&path, Some(node), msg);
            return None;
        }
        if strategy == Some(Strategy::Mirror) && i > 0 && w > 100 {
            let msg = format!("a mirror candidate's weight is the percentage of traffic mirrored to it, at most 100; found {w}");
            self.error(&path, Some(node), msg);
            return None;
        }
        Some(w)
    }

    fn deployment_workload(
        &mut self,
        node: &Node,
        path: &str,
        own: &ObjRef,
        defaults: &AppDefaults,
    ) -> Option<(Workload, ObjRef)> {
        let dspec = self.given(node.get("deploymentSpecification"), &join(path, "deploymentSpecification"));
        let sspec = self.given(node.get("serviceSpecification"), &join(path, "serviceSpecification"));
        let deploy = match dspec {
            Some(g) => DeploySource::Given(g),
            None => DeploySource::Image(self.required(
                node.get("image"),
                &join(path, "image"),
                node,
                "missing field: image required when deploymentSpecification absent",
            )?),
        };
        let port = match &sspec {
            Some(g) => self.service_spec_port(g, &join(path, "serviceSpecification.spec.ports[0].port")),
            None => self.version_port(node, path, defaults),
        };
        let deploy_ref = given_ref(match &deploy { DeploySource::Given(g) => Some(g), _ => None }, own);
        let target = given_ref(sspec.as_ref(), own);
        self.check_ref(&deploy_ref, &join(path, "deploymentSpecification.metadata"));
        self.check_ref(&target, &join(path, "serviceSpecification.metadata"));
        Some((Workload::Deployment { deploy, deploy_ref, service: sspec, port: port? }, target))
    }

    /// Workloads the user runs: only names (and, for Deployments, the port) are needed.
    fn external_workload(&mut self, node: &Node, path: &str, own: &ObjRef, s: &Scope) -> Option<(Workload, ObjRef)> {
        if s.env.uses_deployments() {
            let port = self.version_port(node, path, s.defaults)?;
            let w = Workload::Deployment { deploy: DeploySource::External, deploy_ref: own.clone(), service: None, port };
            Some((w, own.clone()))
        } else {
            Some((Workload::InferenceService { source: ModelSource::External }, own.clone()))
        }
    }

    fn version_port(&mut self, node: &Node, path: &str, defaults: &AppDefaults) -> Option<u32> {
        let p = join(path, "port");
        match node.get("port").filter(|n| !n.is_null()) {
            Some(n) => self.port(Some(n), &p),
            None => match defaults.port {
                Some(port) => Some(port),
                None => {
                    self.error(&p, Some(node), "missing field: port required when serviceSpecification absent");
                    None
                }
            },
        }
    }

    fn service_spec_port(&mut self, g: &Given, path: &str) -> Option<u32> {
        let port = g.spec.get("ports").and_then(|p| p.get(0)).and_then(|p| p.get("port")).and_then(Value::as_u64);
        match port {
            Some(p) if (1..=65535).contains(&p) => u32::try_from(p).ok(),
            _ => {
                self.error(path, None, "a serviceSpecification must list at least one port (its first port is the version's port)");
                None
            }
        }
    }

    fn check_ref(&mut self, r: &ObjRef, path: &str) {
        self.name(&r.name, None, &join(path, "name"), names::rfc1035_label);
        self.name(&r.namespace, None, &join(path, "namespace"), names::dns_label);
    }

    fn model_workload(&mut self, node: &Node, path: &str, own: &ObjRef, s: &Scope) -> Option<(Workload, ObjRef)> {
        let ispec = self.given(node.get("inferenceServiceSpecification"), &join(path, "inferenceServiceSpecification"));
        let target = given_ref(ispec.as_ref(), own);
        self.check_ref(&target, &join(path, "inferenceServiceSpecification.metadata"));
        let source = match ispec {
            Some(g) => ModelSource::Given(g),
            None => ModelSource::Model(self.model(node, path, s)?),
        };
        Some((Workload::InferenceService { source }, target))
    }

    /// The generated predictor's fields: version value, else application value.
    fn model(&mut self, node: &Node, path: &str, s: &Scope) -> Option<Model> {
        let app = s.defaults.node;
        let pick = |key: &str| -> (Option<&Node>, String) {
            match node.get(key).filter(|n| !n.is_null()) {
                Some(n) => (Some(n), join(path, key)),
                None => (app.get(key), format!("application.{key}")),
            }
        };
        let (n, p) = pick("modelFormat");
        let p = if n.is_some() { p } else { join(path, "modelFormat") };
        let format =
            self.required(n, &p, node, "missing field: modelFormat required when inferenceServiceSpecification absent");
        // Not an application default: each version's model lives somewhere of its own.
        let storage_uri = self.required(
            node.get("storageUri"),
            &join(path, "storageUri"),
            node,
            "missing field: storageUri required when inferenceServiceSpecification absent",
        );
        let modelmesh = s.env == Env::ModelMesh;
        let (n, p) = pick("runtime");
        let runtime = if modelmesh { None } else { self.string(n, &p) };
        let (n, p) = pick("protocolVersion");
        let protocol_version = if modelmesh { None } else { self.string(n, &p) };
        let (n, p) = pick("ports");
        let ports = if modelmesh { None } else { self.list(n, &p).map(|n| n.to_json()) };
        Some(Model { format: format?, runtime, storage_uri: storage_uri?, protocol_version, ports })
    }

    /// `{metadata?, spec}`: the spec passes through untouched; metadata is checked because it
    /// is merged into ours.
    fn given(&mut self, node: Option<&Node>, path: &str) -> Option<Given> {
        let node = self.map(node, path)?;
        self.known_keys(node, path, &["metadata", "spec"]);
        let spec = match node.get("spec") {
            Some(s) if matches!(s.value, Val::Map(_)) => s.to_json(),
            other => {
                let found = other.map_or("nothing".to_string(), Node::describe);
                self.error(&join(path, "spec"), Some(node), format!("expected the object's spec as a mapping, found {found}"));
                return None;
            }
        };
        let mpath = join(path, "metadata");
        let mut metadata = Map::new();
        if let Some(m) = self.map(node.get("metadata"), &mpath) {
            let meta = self.metadata(Some(m), &mpath);
            if let Some(n) = meta.name { metadata.insert("name".into(), n.into()); }
            if let Some(n) = meta.namespace { metadata.insert("namespace".into(), n.into()); }
            if !meta.labels.is_empty() { metadata.insert("labels".into(), to_object(&meta.labels)); }
            if !meta.annotations.is_empty() { metadata.insert("annotations".into(), to_object(&meta.annotations)); }
        }
        Some(Given { metadata, spec })
    }

    fn istio_match(&mut self, node: Option<&Node>, path: &str, canary: bool) -> Vec<Value> {
        let Some(node) = self.list(node, path) else {
            return if canary { vec![serde_json::json!({"headers": {"traffic": {"exact": "test"}}})] } else { vec![] };
        };
        self.clauses(node, path, ISTIO_MATCH_KEYS)
    }

    fn gtw_matches(&mut self, node: Option<&Node>, path: &str, canary: bool) -> Vec<Value> {
        let Some(node) = self.list(node, path) else {
            return if canary { vec![serde_json::json!({"headers": [{"name": "traffic", "value": "test"}]})] } else { vec![] };
        };
        self.clauses(node, path, GTW_MATCH_KEYS)
    }

    /// Match clauses pass through as written, one list item each; keys the routing API does
    /// not have would make the routing object invalid, so they are errors here.
    fn clauses(&mut self, node: &Node, path: &str, keys: &[&str]) -> Vec<Value> {
        let Val::Seq(items) = &node.value else { return vec![] };
        if items.is_empty() {
            self.error(path, Some(node), "a match list needs at least one clause (omit it for the default)");
        }
        let mut out = Vec::new();
        for (j, item) in items.iter().enumerate() {
            let p = format!("{path}[{j}]");
            let Val::Map(entries) = &item.value else {
                self.error(&p, Some(item), format!("expected a match clause (a mapping), found {}", item.describe()));
                continue;
            };
            for (k, v) in entries.iter().filter(|(k, _)| !keys.contains(&k.as_str())) {
                let hint = self.closest(k, keys).map(|c| format!("; did you mean `{c}`?")).unwrap_or_default();
                self.error(&join(&p, k), Some(v), format!("not a field of a match clause{hint}"));
            }
            out.push(item.to_json());
        }
        out
    }
}

#[derive(Default)]
struct Meta {
    name: Option<String>,
    namespace: Option<String>,
    labels: IndexMap<String, String>,
    annotations: IndexMap<String, String>,
}

struct AppDefaults<'a> {
    node: &'a Node,
    port: Option<u32>,
    meta: &'a Meta,
    external: bool,
}

struct Scope<'a> {
    env: Env,
    strategy: Option<Strategy>,
    app: &'a str,
    ns: &'a str,
    defaults: &'a AppDefaults<'a>,
}

/// Request headers releasegen's own routes set or remove in an environment.
fn own_request_headers(env: Env) -> &'static [&'static str] {
    match env {
        Env::Kserve | Env::Kserve011 | Env::Kserve010 => &["host", "branch"],
        Env::ModelMesh => &["mm-vmodel-id", "branch"],
        _ => &[],
    }
}

fn describe_unrouted(env: Env, strategy: Option<Strategy>) -> String {
    match strategy {
        Some(Strategy::None) | None => "strategy none".to_string(),
        Some(s) => format!("strategy {} in environment {}", s.name(), env.name()),
    }
}

/// A `*Specification.metadata` may rename the object; routing must follow it.
fn given_ref(g: Option<&Given>, own: &ObjRef) -> ObjRef {
    let field = |k: &str, d: &str| {
        g.and_then(|g| g.metadata.get(k)).and_then(Value::as_str).unwrap_or(d).to_string()
    };
    ObjRef { name: field("name", &own.name), namespace: field("namespace", &own.namespace) }
}

/// A value quoted for a message; a very long one is cut, saying how long it was.
fn quote(s: &str) -> String {
    const SHOWN: usize = 70;
    if s.chars().count() <= SHOWN {
        return serde_json::to_string(s).unwrap_or_default();
    }
    let head: String = s.chars().take(SHOWN).collect();
    let quoted = serde_json::to_string(&head).unwrap_or_default();
    format!("{}…\" ({} characters)", &quoted[..quoted.len() - 1], s.chars().count())
}

/// How many problems of a run get a did-you-mean hint; every problem after them is still
/// reported, without one.
const HINTED_PROBLEMS: usize = 1000;

/// The known key nearest to a typo, if any is close. It allocates nothing, and a known key
/// whose length alone puts it out of reach is not compared at all.
fn closest<'a>(key: &str, known: &[&'a str]) -> Option<&'a str> {
    let len = key.chars().count();
    known
        .iter()
        .filter_map(|k| {
            let reach = 2.max(k.len() / 4);
            if len.abs_diff(k.len()) > reach {
                return None;
            }
            distance(key, k, reach).map(|d| (d, *k))
        })
        .min()
        .map(|(_, k)| k)
}

/// The longest known key `distance` can compare with; every key of the values is shorter.
const LONGEST_KEY: usize = 32;

/// Edit distance between a key as written and a known key, ignoring ASCII case (known keys are
/// ASCII), when it is at most `reach`. The search stops at the first row that is all beyond
/// reach (no later row can come back within it), so a key unlike the known one costs a few
/// characters, however long it is. None when out of reach or the known key is longer than
/// `LONGEST_KEY`.
fn distance(a: &str, b: &str, reach: usize) -> Option<usize> {
    let b = b.as_bytes();
    if b.len() > LONGEST_KEY {
        return None;
    }
    let mut row = [0usize; LONGEST_KEY + 1];
    for (j, cell) in row.iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for (i, ca) in a.chars().enumerate() {
        let ca = ca.to_ascii_lowercase();
        let mut prev = row[0];
        row[0] = i + 1;
        let mut best = row[0];
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            let same = ca == char::from(cb.to_ascii_lowercase());
            row[j + 1] = (prev + usize::from(!same)).min(row[j] + 1).min(cur + 1);
            best = best.min(row[j + 1]);
            prev = cur;
        }
        if best > reach {
            return None;
        }
    }
    Some(row[b.len()]).filter(|&d| d <= reach)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_key_is_within_reach_of_the_typo_search() {
        let lists = [TOP_KEYS, APP_KEYS, META_KEYS, VERSION_KEYS, ISTIO_MATCH_KEYS, GTW_MATCH_KEYS];
        for key in lists.iter().flat_map(|l| l.iter()) {
            assert!(key.is_ascii() && key.len() <= LONGEST_KEY, "{key}");
            assert_eq!(distance(key, key, 0), Some(0), "{key}");
        }
    }

    #[test]
    fn a_typo_finds_its_key_and_a_stranger_finds_none() {
        assert_eq!(closest("wieght", VERSION_KEYS), Some("weight"));
        assert_eq!(closest("Stratgy", APP_KEYS), Some("strategy"));
        assert_eq!(closest("stratgy123456", APP_KEYS), None);
        assert_eq!(closest(&"x".repeat(100_000), APP_KEYS), None);
        assert_eq!(distance("a", &"a".repeat(LONGEST_KEY + 1), 100), None);
        assert_eq!(distance("kitten", "sitting", 3), Some(3));
        assert_eq!(distance("kitten", "sitting", 2), None);
        assert_eq!(distance("SectionName", "sectionName", 0), Some(0));
    }
}
