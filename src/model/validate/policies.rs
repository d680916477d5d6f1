//! `application.routing`: the policy written into every generated rule.

use super::*;

impl Reader {
    /// `application.routing`: the policy every generated rule carries.
    pub(super) fn routing(&mut self, node: Option<&Node>, env: Env, strategy: Option<Strategy>, grpc: bool, affinity: bool) -> Policy {
        let path = "application.routing";
        let Some(node) = self.map(node, path) else { return Policy::default() };
        self.known_keys(node, path, ROUTING);
        // An invalid strategy is reported by itself; the policy is then not said to be unused.
        if strategy.is_some_and(|s| !env.routes(s)) {
            let p = Problem::at(path, Some(node.pos), format!("is not used: {} has no routing object to carry it (ignored)", describe_unrouted(env, strategy)));
            self.ignored(p);
        }
        let timeout = self.duration(node.get("timeout"), &join(path, "timeout"));
        let retries = self.retries(node.get("retries"), &join(path, "retries"), env);
        let cors = self.cors(node.get("cors"), &join(path, "cors"));
        let request_headers = self.header_ops(node.get("requestHeaders"), &join(path, "requestHeaders"), env, false, false);
        let response_headers = self.header_ops(node.get("responseHeaders"), &join(path, "responseHeaders"), env, true, affinity);
        if grpc {
            // A GRPCRoute has neither `timeouts` nor a CORS filter.
            for (key, what) in [("timeout", "timeouts"), ("cors", "CORS filter")] {
                if let Some(n) = node.get(key).filter(|n| !n.is_null()) {
                    self.error(&join(path, key), Some(n), format!("a GRPCRoute has no {what} (protocol: grpc); leave {key} out, or route as http"));
                }
            }
        }
        Policy { timeout, retries, cors, request_headers, response_headers }
    }

    /// `application.sessionAffinity`: read where the routing object can carry it (the
    /// deployment environments' blue-green and canary); said to be unused where nothing
    /// routes or all live traffic goes to the primary anyway (mirror); refused on KServe.
    pub(super) fn session_affinity(&mut self, node: Option<&Node>, env: Env, strategy: Option<Strategy>) -> Option<Affinity> {
        let path = "application.sessionAffinity";
        let node = self.map(node, path)?;
        self.known_keys(node, path, SESSION_AFFINITY);
        let cookie_path = join(path, "cookie");
        let cookie = self.string(node.get("cookie"), &cookie_path).and_then(|c| match policy::cookie_name(&c) {
            Ok(()) => Some(c),
            Err(e) => {
                self.error(&cookie_path, node.get("cookie"), e);
                None
            }
        });
        let age_path = join(path, "maxAge");
        let max_age = self.duration(node.get("maxAge"), &age_path).and_then(|ms| {
            let max = policy::MAX_COOKIE_AGE;
            if !ms.is_multiple_of(1000) {
                self.error(&age_path, node.get("maxAge"), "maxAge is whole seconds (a cookie's Max-Age is)");
                None
            } else if ms / 1000 > max {
                let msg = format!("{}s is longer than browsers keep a cookie (400 days, {max}s); they would cut it short", ms / 1000);
                self.error(&age_path, node.get("maxAge"), msg);
                None
            } else {
                Some(ms / 1000)
            }
        });
        for (key, what) in [("cookie", "the cookie's name"), ("maxAge", "how long a browser keeps the cookie, such as 24h")] {
            if node.get(key).is_none_or(Node::is_null) {
                self.error(&join(path, key), Some(node), format!("is required: {what}"));
            }
        }
        let strategy = strategy?;
        if !env.routes(strategy) {
            let p = Problem::at(path, Some(node.pos), format!("is not used: {} has no routing object to carry it (ignored)", describe_unrouted(env, Some(strategy))));
            self.ignored(p);
            return None;
        }
        if !matches!(env, Env::DeploymentIstio | Env::DeploymentGtw) {
            let msg = format!("version affinity is built for deployment-istio and deployment-gtw, not {}: inference clients seldom keep cookies; pin a client to a candidate with a `match` on a header it sends", env.name());
            self.error(path, Some(node), msg);
            return None;
        }
        if strategy == Strategy::Mirror {
            let p = Problem::at(path, Some(node.pos), "is not used: in mirror every request is served by the primary in every state, so there is no version to stay on (ignored)");
            self.ignored(p);
            return None;
        }
        Some(Affinity { cookie: cookie?, max_age: max_age? })
    }

    /// A bare number is the likeliest mistake here (Helm's `--set` makes `3600` an integer):
    /// the message then gives the spelling with a unit.
    pub(super) fn duration(&mut self, node: Option<&Node>, path: &str) -> Option<u64> {
        if let Some(n @ Node { value: Val::Int(i), .. }) = node {
            self.error(path, Some(n), format!("expected a string, found integer {i}; a duration has a unit, such as {i}s (with --set too)"));
            return None;
        }
        let text = self.string(node, path)?;
        policy::duration(&text).map_err(|e| self.error(path, node, e)).ok()
    }

    pub(super) fn retries(&mut self, node: Option<&Node>, path: &str, env: Env) -> Option<Retries> {
        let node = self.map(node, path)?;
        self.known_keys(node, path, RETRIES);
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

    pub(super) fn cors(&mut self, node: Option<&Node>, path: &str) -> Option<Cors> {
        let node = self.map(node, path)?;
        self.known_keys(node, path, CORS);
        let allow_origins = self.strings(node.get("allowOrigins"), &join(path, "allowOrigins"), policy::origin);
        let allow_methods = self.strings(node.get("allowMethods"), &join(path, "allowMethods"), |m| {
            if policy::cors_method(m) { Ok(()) } else { Err(format!("{m:?} is not a method ({}, *)", policy::HTTP_METHODS.join(", "))) }
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
    /// With version affinity every response also carries the affinity cookie: `set` or
    /// `remove` of `set-cookie` would replace or drop it, so only `add` is taken.
    pub(super) fn header_ops(&mut self, node: Option<&Node>, path: &str, env: Env, response: bool, affinity: bool) -> HeaderOps {
        let mut ops = HeaderOps::default();
        let Some(node) = self.map(node, path) else { return ops };
        self.known_keys(node, path, HEADER_CHANGES);
        let istio = env != Env::DeploymentGtw;
        let own: &[&str] = if response { &["app-version"] } else { own_request_headers(env) };
        let check_name = |r: &mut Reader, name: &str, p: &str, at: &Node, removing: bool, adding: bool| {
            if let Err(e) = policy::header_name(name) {
                r.error(p, Some(at), e);
            } else if own.iter().any(|o| o.eq_ignore_ascii_case(name)) {
                r.error(p, Some(at), format!("releasegen sets {name:?} itself here (its routing depends on it); choose another header"));
            } else if (response || removing) && name.eq_ignore_ascii_case("host") {
                r.error(p, Some(at), "Istio refuses to remove Host, or to change it in a response");
            } else if affinity && !adding && name.eq_ignore_ascii_case("set-cookie") {
                r.error(p, Some(at), "every response carries the version-affinity cookie (application.sessionAffinity), which this would replace or drop; add your own cookie with `add`");
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
                check_name(self, name, &vp, value, false, key == "add");
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
                check_name(self, name, &format!("{p}[{j}]"), items, true, false);
            }
        }
        if ops.remove.len() > 16 {
            self.error(&p, node.get("remove"), format!("{} headers; the Gateway API takes at most 16", ops.remove.len()));
        }
        ops
    }

    /// A list of strings, each checked; a problem names its item.
    pub(super) fn strings(&mut self, node: Option<&Node>, path: &str, check: impl Fn(&str) -> Result<(), String>) -> Vec<String> {
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
}
