//! `application.backend: inferencepool`: each version's InferencePool (Gateway API Inference
//! Extension) in place of its Service. The field rules are the InferencePool CRD's
//! (`inference.networking.k8s.io/v1`): a selector of `matchLabels` only, a target port, and an
//! endpoint picker named with its port; `failureMode` FailClose or FailOpen.

use super::*;

/// What the application's `inferencePool` gives every version's pool.
#[derive(Clone, Debug, Default)]
pub(super) struct PoolDefaults {
    pub name: Option<String>,
    pub port: Option<u32>,
    pub failure_mode: Option<String>,
    pub app_protocol: Option<String>,
}

/// An endpoint picker as written: each part where it was given.
type Picker = (Option<String>, Option<u32>, Option<String>);

impl Reader {
    /// `application.backend`: whether the route's backends are InferencePools. Only an
    /// HTTPRoute takes them here, and only as the backends of its rules.
    pub(super) fn backend(&mut self, node: Option<&Node>, env: Env, strategy: Option<Strategy>, grpc: bool) -> bool {
        let path = "application.backend";
        let Some(text) = self.string(node, path) else { return false };
        match text.as_str() {
            "service" => return false,
            "inferencepool" => {}
            other => {
                self.error(path, node, format!("{} is not a backend releasegen routes to (service or inferencepool)", quote(other)));
                return false;
            }
        }
        let refusal = if env != Env::DeploymentGtw {
            Some(format!("inferencepool is for deployment-gtw, where an HTTPRoute's backendRefs name the pools; environment {} has no Gateway API route", env.name()))
        } else if grpc {
            Some("inferencepool takes an HTTPRoute (`protocol: http`): releasegen routes gRPC with a GRPCRoute, whose backends are Services".to_string())
        } else if strategy == Some(Strategy::Mirror) {
            Some("inferencepool takes blue-green or canary: the Inference Extension defines a pool as the backend of a route's rule, and says nothing of mirroring to one".to_string())
        } else {
            None
        };
        match refusal {
            Some(msg) => {
                self.error(path, node, msg);
                false
            }
            None => true,
        }
    }

    /// `application.inferencePool`: used with `backend: inferencepool`, said to be ignored
    /// otherwise. A picker's name given here would serve every version's pool, which only one
    /// pool can use, so it is refused when there are several versions.
    pub(super) fn pool_defaults(&mut self, app: &Node, pools: bool) -> PoolDefaults {
        let path = "application.inferencePool";
        let Some(node) = app.get("inferencePool").filter(|n| !n.is_null()) else { return PoolDefaults::default() };
        if !pools {
            self.ignored(Problem::at(path, Some(node.pos), "is not used: the backend is each version's Service; `backend: inferencepool` uses it (ignored)"));
            return PoolDefaults::default();
        }
        let (name, port, failure_mode) = self.picker(Some(node), path);
        let app_protocol = self.app_protocol(node, path);
        let versions = app.get("versions").and_then(|v| match &v.value {
            Val::Seq(items) => Some(items.len()),
            _ => None,
        });
        if name.is_some() && versions.is_some_and(|n| n > 1) {
            let at = node.get("endpointPicker").and_then(|p| p.get("name"));
            let msg = "one endpoint picker serves one InferencePool (it is started with that pool's name), so a name here cannot serve every version; give each version its own: versions[i].inferencePool.endpointPicker.name";
            self.error(&join(path, "endpointPicker.name"), at, msg);
        }
        PoolDefaults { name, port, failure_mode, app_protocol }
    }

    /// A version's `inferencePool` where the backend is its Service: said, and ignored.
    pub(super) fn unused_pool(&mut self, node: &Node, path: &str) {
        if let Some(p) = node.get("inferencePool").filter(|n| !n.is_null()) {
            let msg = "is not used: the backend is the version's Service; `application.backend: inferencepool` uses it (ignored)";
            self.ignored(Problem::at(&join(path, "inferencePool"), Some(p.pos), msg));
        }
    }

    /// `inferencePool.appProtocol` of the application or a version, one of the CRD's.
    fn app_protocol(&mut self, pool: &Node, path: &str) -> Option<String> {
        let p = join(path, "appProtocol");
        let text = self.string(pool.get("appProtocol"), &p)?;
        if !matches!(text.as_str(), "http" | "kubernetes.io/h2c") {
            self.error(&p, pool.get("appProtocol"), format!("{} is not an application protocol of an InferencePool (http or kubernetes.io/h2c)", quote(&text)));
            return None;
        }
        Some(text)
    }

    /// `inferencePool` of the application or a version: its endpoint picker's parts.
    fn picker(&mut self, node: Option<&Node>, path: &str) -> Picker {
        let Some(node) = self.map(node, path) else { return (None, None, None) };
        self.known_keys(node, path, INFERENCE_POOL);
        let path = join(path, "endpointPicker");
        let Some(picker) = self.map(node.get("endpointPicker"), &path) else { return (None, None, None) };
        self.known_keys(picker, &path, ENDPOINT_PICKER);
        let name_path = join(&path, "name");
        let name = self.string(picker.get("name"), &name_path);
        if let Some(n) = &name {
            self.name(n, picker.get("name"), &name_path, names::dns_label);
        }
        let port = picker.get("port").filter(|n| !n.is_null()).and_then(|p| self.port(Some(p), &join(&path, "port")));
        let mode_path = join(&path, "failureMode");
        let failure_mode = self.string(picker.get("failureMode"), &mode_path).filter(|m| {
            let known = ["FailClose", "FailOpen"].contains(&m.as_str());
            if !known {
                self.error(&mode_path, picker.get("failureMode"), format!("{} is not a failure mode (FailClose or FailOpen)", quote(m)));
            }
            known
        });
        (name, port, failure_mode)
    }

    /// A version's InferencePool: its Deployment's pods on its port, and its picker (the
    /// version's over the application's). None, with the problems said, when it cannot be
    /// built.
    pub(super) fn pool(&mut self, node: &Node, path: &str, name: &str, workload: &Workload, defaults: &PoolDefaults) -> Option<Pool> {
        let Workload::Deployment { deploy, service, port, .. } = workload else { return None };
        if service.is_some() {
            let msg = "is not used with `backend: inferencepool`: the version's InferencePool takes its pods and port, and no Service is rendered; leave serviceSpecification out (set the port with `port`)";
            self.error(&join(path, "serviceSpecification"), node.get("serviceSpecification"), msg);
        }
        let selector = self.pool_selector(deploy, node, path, name);
        let own_path = join(path, "inferencePool");
        let (name, picker_port, mode, protocol) = match node.get("inferencePool").filter(|n| !n.is_null()) {
            Some(p) => {
                let (name, port, mode) = self.picker(Some(p), &own_path);
                (name, port, mode, self.app_protocol(p, &own_path))
            }
            None => (None, None, None, None),
        };
        let picker_path = join(&own_path, "endpointPicker");
        let picker = name.or_else(|| defaults.name.clone());
        if picker.is_none() {
            self.error(&join(&picker_path, "name"), Some(node), "is required with `backend: inferencepool`: the Service of the endpoint picker that serves this version's pool");
        }
        let picker_port = picker_port.or(defaults.port);
        if picker_port.is_none() {
            self.error(&join(&picker_path, "port"), Some(node), "is required with `backend: inferencepool`: the endpoint picker's port (here or in application.inferencePool.endpointPicker)");
        }
        Some(Pool {
            selector: selector?,
            port: *port,
            picker: picker?,
            picker_port: picker_port?,
            failure_mode: mode.or_else(|| defaults.failure_mode.clone()),
            app_protocol: protocol.or_else(|| defaults.app_protocol.clone()),
        })
    }

    /// The pods of the version's Deployment, as the InferencePool selects them: `matchLabels`
    /// only (its selector has no expressions, so one given would select more pods than the
    /// Deployment owns).
    fn pool_selector(&mut self, deploy: &DeploySource, node: &Node, path: &str, name: &str) -> Option<IndexMap<String, String>> {
        let DeploySource::Given(given) = deploy else {
            // The generated Deployment's pods: labelled `app: NAME`.
            return Some(IndexMap::from([("app".to_string(), name.to_string())]));
        };
        let at = join(path, "deploymentSpecification.spec.selector");
        let spec = node.get("deploymentSpecification").and_then(|d| d.get("spec"));
        let written = spec.and_then(|s| s.get("selector")).or(spec);
        let selector = given.spec.get("selector");
        if selector.and_then(|s| s.get("matchExpressions")).is_some() {
            self.error(&at, written, "an InferencePool selects pods by matchLabels only; a Deployment selecting with matchExpressions has pods its pool cannot name");
            return None;
        }
        let labels = selector.and_then(|s| s.get("matchLabels")).and_then(Value::as_object);
        let pairs: Option<IndexMap<String, String>> =
            labels.map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))).collect());
        match pairs {
            Some(p) if !p.is_empty() && Some(p.len()) == labels.map(Map::len) => Some(p),
            _ => {
                self.error(&at, written, "needs matchLabels (label to text) with `backend: inferencepool`: the version's InferencePool selects the Deployment's pods with them");
                None
            }
        }
    }
}
