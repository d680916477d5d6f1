//! The release as a whole: its identity, environment, gateways, application-level settings,
//! strategy and metadata.

use super::*;

impl Reader {
    /// The application's name and namespace: its own metadata, else `--name` / the release
    /// namespace. A bad flag is reported once, against the flag, and stops here, rather than
    /// as errors about derived names (`HttpBin-0`) the user never wrote. A namespace the user
    /// did not give is said on stderr with where it came from.
    pub(super) fn identity(&mut self, meta: &Meta, app: &Node, ctx: &Context) -> Option<(String, String)> {
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

    pub(super) fn release(&mut self, root: &Node, ctx: &Context) -> Option<Release> {
        if !matches!(root.value, Val::Map(_)) {
            self.error("", Some(root), format!("release values must be a mapping, found {}", root.describe()));
            return None;
        }
        self.known_keys(root, "", RELEASE);
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
        self.application(app, env, ctx, (gateways, root.get("gateway")), service_host, service_port, iter8_version)
    }

    pub(super) fn environment(&mut self, node: Option<&Node>) -> Option<Env> {
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
    pub(super) fn gateways(&mut self, node: Option<&Node>, env: Option<Env>) -> Vec<Gateway> {
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

    pub(super) fn one_gateway(&mut self, node: &Node, path: &str, env: Option<Env>) -> Option<Gateway> {
        let gw = match &node.value {
            Val::Map(_) => {
                self.known_keys(node, path, GATEWAY);
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

    pub(super) fn service(&mut self, node: Option<&Node>) -> (String, u32) {
        let mut host = crate::input::vocabulary::DEFAULT_MODELMESH_HOST.to_string();
        let mut port = u32::from(crate::input::vocabulary::DEFAULT_MODELMESH_PORT);
        if let Some(svc) = self.map(node, "service") {
            self.known_keys(svc, "service", SERVICE);
            if let Some(h) = self.string(svc.get("host"), "service.host") {
                self.name(&h, svc.get("host"), "service.host", names::dns_subdomain);
                host = h;
            }
            port = self.port(svc.get("port"), "service.port").unwrap_or(port);
        }
        (host, port)
    }

    pub(super) fn iter8_version(&mut self, node: Option<&Node>) -> String {
        let v = self.string(node, "iter8Version").unwrap_or_else(|| crate::input::vocabulary::DEFAULT_ITER8_VERSION.into());
        self.name(&v, node, "iter8Version", names::label_value);
        v
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn application(
        &mut self,
        app: &Node,
        env: Env,
        ctx: &Context,
        (gateways, gateway): (Vec<Gateway>, Option<&Node>),
        service_host: String,
        service_port: u32,
        iter8_version: String,
    ) -> Option<Release> {
        self.known_keys(app, "application", APPLICATION);
        let meta = self.metadata(app.get("metadata"), "application.metadata");
        let (name, namespace) = self.identity(&meta, app, ctx)?;
        let strategy = self.strategy(app.get("strategy"), env);
        let app_port = self.app_port(app.get("port"));
        let external = self.workloads(app.get("workloads"), env);
        let tag_routing = self.tag_routing(app.get("tagRouting"), env);
        let grpc = self.protocol(app.get("protocol"), env);
        let pools = self.backend(app.get("backend"), env, strategy, grpc);
        let pool = self.pool_defaults(app, pools);
        let affinity = self.session_affinity(app.get("sessionAffinity"), env, strategy);
        let policy = self.routing(app.get("routing"), env, strategy, grpc, affinity.is_some());
        let defaults = AppDefaults { node: app, port: app_port, meta: &meta, external, grpc, pools, pool };
        let versions = self.versions(app.get("versions"), env, strategy, &name, &namespace, &defaults);
        // Checked even when the versions are not, so one run says everything wrong with it.
        let vs = versions.as_deref().unwrap_or_default();
        let c = RouteContext { env, strategy, grpc, pools, namespace: &namespace, gateways: &gateways, gateway, policy: &policy, affinity: affinity.is_some(), versions: vs };
        let route = self.user_route(app.get("route"), &c);
        if let Some(vs) = &versions {
            self.native_rules(env, vs, app.get("versions"));
            if env == Env::DeploymentGtw {
                self.gtw_route_limits(strategy, vs, &policy, affinity.as_ref(), route.as_ref(), app.get("versions"));
            }
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
            app_port: app_port.unwrap_or(u32::from(crate::input::vocabulary::DEFAULT_PORT)),
            versions: versions?,
            external,
            tag_routing,
            weights_only: false,
            grpc,
            pools,
            affinity,
            apis: self.apis(&ctx.api_versions),
            policy,
            route,
        })
    }

    /// `--api-versions`: for each group releasegen writes, the newest version listed that it
    /// supports. Groups it does not write are ignored (a whole `kubectl api-versions` may be
    /// passed); a group listed with no version releasegen supports is an error, not a
    /// silent fallback to v1beta1.
    pub(super) fn apis(&mut self, given: &[String]) -> Apis {
        let mut apis = Apis::default();
        // `-a "$(kubectl api-versions | paste -sd, -)"` gives an empty list when kubectl cannot
        // reach the cluster; rendering the default versions then would hide that.
        if given.iter().any(|a| a.trim().is_empty()) {
            let msg = "has an empty entry; if it came from `kubectl api-versions`, kubectl printed nothing (could it reach the cluster?); leave the flag out for the default versions";
            self.error("--api-versions", None, msg.to_string());
        }
        for a in given.iter().filter(|a| !a.trim().is_empty() && !api_version_shape(a)) {
            let msg = format!("{} is not an API version: expected group/version, a core version such as v1, or group/version/Kind, as `kubectl api-versions` prints them", quote(a));
            self.error("--api-versions", None, msg);
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
    pub(super) fn workloads(&mut self, node: Option<&Node>, env: Env) -> bool {
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

    /// `application.protocol`: `grpc` makes the Gateway API's routing object a GRPCRoute. On
    /// Istio gRPC needs nothing (HTTP/2, routed by the VirtualService as it is): said, and
    /// ignored.
    pub(super) fn protocol(&mut self, node: Option<&Node>, env: Env) -> bool {
        let path = "application.protocol";
        let Some(text) = self.string(node, path) else { return false };
        let grpc = match text.as_str() {
            "http" => false,
            "grpc" => true,
            other => {
                self.error(path, node, format!("{} is not a protocol releasegen routes (http or grpc)", quote(other)));
                return false;
            }
        };
        if grpc && env != Env::DeploymentGtw {
            let why = if env.routes(Strategy::Canary) {
                "on Istio, gRPC is HTTP/2 and the VirtualService routes it as it is (a `match` names a method with `uri: {prefix: /package.Service/}`)".to_string()
            } else {
                format!("environment {} has no Gateway API route", env.name())
            };
            self.ignored(Problem::at(path, node.map(|n| n.pos), format!("is not used: {why} (ignored)")));
            return false;
        }
        grpc
    }

    pub(super) fn tag_routing(&mut self, node: Option<&Node>, env: Env) -> bool {
        let path = "application.tagRouting";
        let Some(node) = node.filter(|n| !n.is_null()) else { return false };
        let Val::Bool(on) = node.value else {
            self.error(path, Some(node), format!("expected true or false, found {}", node.describe()));
            return false;
        };
        if env != Env::KserveServerless {
            let p = Problem::at(path, Some(node.pos), "is used only by environment kserve-serverless (ignored)");
            self.ignored(p);
        }
        on
    }

    /// Routing is precomputed for all 2^N readiness states (routemap, `states`, `route`), so
    /// the number of versions of a routed release is bounded before any state is counted.
    pub(super) fn routed_versions(&mut self, env: Env, strategy: Option<Strategy>, n: usize, node: Option<&Node>) {
        if strategy.is_some_and(|s| env.routes(s)) && n > MAX_ROUTED_VERSIONS {
            let msg = format!(
                "{n} versions have 2^{n} readiness states; the routemap that precomputes their routing would be larger than one `kubectl apply` takes (at most {MAX_ROUTED_VERSIONS} versions are routed); release fewer versions at once"
            );
            self.error("application.versions", node, msg);
        }
    }

    /// What KServe itself would refuse.
    pub(super) fn native_rules(&mut self, env: Env, versions: &[Version], node: Option<&Node>) {
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
    pub(super) fn app_port(&mut self, node: Option<&Node>) -> Option<u32> {
        match node {
            None => Some(u32::from(crate::input::vocabulary::DEFAULT_PORT)),
            Some(n) if n.is_null() => None,
            Some(n) => self.port(Some(n), "application.port"),
        }
    }

    pub(super) fn strategy(&mut self, node: Option<&Node>, env: Env) -> Option<Strategy> {
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

    pub(super) fn metadata(&mut self, node: Option<&Node>, path: &str) -> Meta {
        let mut meta = Meta::default();
        let Some(node) = self.map(node, path) else { return meta };
        self.known_keys(node, path, METADATA);
        meta.name = self.string(node.get("name"), &join(path, "name"));
        meta.namespace = self.string(node.get("namespace"), &join(path, "namespace"));
        meta.labels = self.string_map(node.get("labels"), &join(path, "labels"), true);
        meta.annotations = self.string_map(node.get("annotations"), &join(path, "annotations"), false);
        meta
    }

    /// Labels or annotations: string keys to string values. A number or boolean is refused,
    /// never converted: `1.10` would otherwise reach the cluster as `1.1`.
    pub(super) fn string_map(&mut self, node: Option<&Node>, path: &str, labels: bool) -> IndexMap<String, String> {
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
}

/// `v1`, `apps/v1`, `networking.istio.io/v1beta1/VirtualService`: an optional group, a
/// Kubernetes version (`v1`, `v2beta3`, `v1alpha1`), an optional kind.
fn api_version_shape(a: &str) -> bool {
    let parts: Vec<&str> = a.split('/').collect();
    let version = match parts.as_slice() {
        [v] => v,
        [g, v] | [g, v, _] if !g.is_empty() => v,
        _ => return false,
    };
    let Some(rest) = version.strip_prefix('v') else { return false };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let tail = &rest[digits..];
    let level = tail.strip_prefix("alpha").or_else(|| tail.strip_prefix("beta"));
    digits > 0 && !rest.starts_with('0') && (tail.is_empty() || level.is_some_and(|n| !n.is_empty() && !n.starts_with('0') && n.chars().all(|c| c.is_ascii_digit())))
        && parts.get(2).is_none_or(|k| !k.is_empty())
}
