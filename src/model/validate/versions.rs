//! The versions: each one's name, weight, matches, workload and model, and the checks across
//! versions.

use super::*;

impl Reader {
    pub(super) fn versions(
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
    pub(super) fn inherited_copies(&mut self, n: usize, defaults: &AppDefaults) -> Option<()> {
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
    pub(super) fn unique_targets(&mut self, versions: &[Option<Version>]) {
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

    pub(super) fn version(&mut self, node: &Node, i: usize, s: &Scope) -> Option<Version> {
        let path = format!("application.versions[{i}]");
        if !matches!(node.value, Val::Map(_)) {
            self.error(&path, Some(node), format!("expected a mapping, found {}", node.describe()));
            return None;
        }
        self.known_keys(node, &path, VERSION);
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
        // Each routing API's clauses are checked in full where that API carries them.
        let routed = s.strategy.is_some_and(|st| s.env.routes(st));
        let gtw = s.env == Env::DeploymentGtw;
        self.unused_matches(node, &path, s.env, s.strategy, i);
        let istio_match = self.istio_match(node.get("match"), &join(&path, "match"), canary, routed && !gtw);
        let gtw_matches = self.gtw_matches(node.get("matches"), &join(&path, "matches"), canary, routed && gtw, s.defaults.grpc);
        let list = node.get(if gtw { "matches" } else { "match" });
        let clauses = match list.map(|l| &l.value) {
            Some(Val::Seq(items)) => items.iter().map(|c| c.pos).collect(),
            _ => Vec::new(),
        };
        let written = crate::model::Written { version: Some(node.pos), matches: list.map(|l| l.pos), clauses };
        // External workloads: the pools are the user's too (`inapplicable` said so).
        let pool = match (s.defaults.external, s.defaults.pools) {
            (true, _) => None,
            (false, true) => Some(self.pool(node, &path, &name, &workload, &s.defaults.pool)?),
            (false, false) => {
                self.unused_pool(node, &path);
                None
            }
        };
        // With pools the route names each version's InferencePool, named as the version.
        let target = if s.defaults.pools { own.clone() } else { target };
        let weighted = matches!(s.strategy, Some(Strategy::BlueGreen | Strategy::Mirror));
        let resources = crate::model::resources_of(weighted, s.defaults.pools, &name, &namespace, &workload, &target);
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
            pool,
            resources,
            written,
        })
    }

    /// `match` on the Gateway API, `matches` on Istio, either where nothing is routed, on the
    /// primary or in a mirror would leave the cohort at its default without a word: say that
    /// it is ignored and why.
    fn unused_matches(&mut self, node: &Node, path: &str, env: Env, strategy: Option<Strategy>, i: usize) {
        let routed = strategy.is_some_and(|st| env.routes(st));
        let cohorts = routed && i > 0 && strategy != Some(Strategy::Mirror);
        for (key, used) in [("match", cohorts && env != Env::DeploymentGtw), ("matches", cohorts && env == Env::DeploymentGtw)] {
            let Some(value) = node.get(key).filter(|n| !n.is_null()) else { continue };
            if used {
                continue;
            }
            let why = match (routed, key) {
                (false, _) => format!("{} has no routing object to carry it", describe_unrouted(env, strategy)),
                (true, "match") if env == Env::DeploymentGtw => "the Gateway API routes with `matches` (HTTPRouteMatch: path, headers, queryParams, method)".to_string(),
                (true, "matches") if env != Env::DeploymentGtw => format!("environment {} routes with `match` (Istio HTTPMatchRequest)", env.name()),
                _ if i == 0 => "the primary has no cohort: it takes every request no candidate's cohort takes".to_string(),
                _ => "a mirror has no cohorts: each candidate gets a copy of its weight's share of every request".to_string(),
            };
            self.ignored(Problem::at(&join(path, key), Some(value.pos), format!("is not used: {why} (ignored)")));
        }
    }

    /// Fields of another kind of environment are ignored; say so rather than stay silent.
    pub(super) fn inapplicable(&mut self, node: &Node, path: &str, env: Env, external: bool) {
        let other: &[&str] = if env.uses_deployments() {
            &["inferenceServiceSpecification", "modelFormat", "runtime", "protocolVersion", "ports", "storageUri"]
        } else {
            &["image", "port", "deploymentSpecification", "serviceSpecification"]
        };
        let foreign = |k: &str| if external { has(WORKLOAD, k) } else { other.contains(&k) };
        let Val::Map(entries) = &node.value else { return };
        for (key, value) in entries.iter().filter(|(k, _)| foreign(k)) {
            let why = if external { "workloads are external".to_string() } else { format!("environment {}", env.name()) };
            let p = Problem::at(&join(path, key), Some(value.pos), format!("is not used: {why} (ignored)"));
            self.ignored(p);
        }
    }

    pub(super) fn weight(&mut self, node: Option<&Node>, path: &str, i: usize, env: Env, strategy: Option<Strategy>) -> Option<u32> {
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

    pub(super) fn deployment_workload(
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
    pub(super) fn external_workload(&mut self, node: &Node, path: &str, own: &ObjRef, s: &Scope) -> Option<(Workload, ObjRef)> {
        if s.env.uses_deployments() {
            let port = self.version_port(node, path, s.defaults)?;
            let w = Workload::Deployment { deploy: DeploySource::External, deploy_ref: own.clone(), service: None, port };
            Some((w, own.clone()))
        } else {
            Some((Workload::InferenceService { source: ModelSource::External }, own.clone()))
        }
    }

    pub(super) fn version_port(&mut self, node: &Node, path: &str, defaults: &AppDefaults) -> Option<u32> {
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

    pub(super) fn service_spec_port(&mut self, g: &Given, path: &str) -> Option<u32> {
        let port = g.spec.get("ports").and_then(|p| p.get(0)).and_then(|p| p.get("port")).and_then(Value::as_u64);
        match port {
            Some(p) if (1..=65535).contains(&p) => u32::try_from(p).ok(),
            _ => {
                self.error(path, None, "a serviceSpecification must list at least one port (its first port is the version's port)");
                None
            }
        }
    }

    pub(super) fn check_ref(&mut self, r: &ObjRef, path: &str) {
        self.name(&r.name, None, &join(path, "name"), names::rfc1035_label);
        self.name(&r.namespace, None, &join(path, "namespace"), names::dns_label);
    }

    pub(super) fn model_workload(&mut self, node: &Node, path: &str, own: &ObjRef, s: &Scope) -> Option<(Workload, ObjRef)> {
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
    pub(super) fn model(&mut self, node: &Node, path: &str, s: &Scope) -> Option<Model> {
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
    pub(super) fn given(&mut self, node: Option<&Node>, path: &str) -> Option<Given> {
        let node = self.map(node, path)?;
        self.known_keys(node, path, SPECIFICATION);
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

}
