//! The release → its Kubernetes objects, in the documented order: each version's
//! workloads, the app-level object, the weight-config ConfigMaps, the routemap, and (with
//! `--ready`) the live routing object. Objects are built as data, never as text, so no value
//! can change their structure.

use crate::emit::{self, json};
use crate::model::{DeploySource, Env, Given, INFERENCE_GROUP, ModelSource, ObjRef, Pool, Release, Strategy, Version, Workload};
use crate::render::kube::{Object, ObjectMeta};
use crate::render::parts::{meta, model_spec, object};
use crate::problem::Problem;
use crate::plan::routing::{self, State, Tree};
use serde_json::{Map, Value, json};

/// How large the routemap may be, written as JSON: what one `kubectl apply` can take. A
/// client-side apply (kubectl's default, and Argo CD's) keeps the whole object as JSON in its
/// `kubectl.kubernetes.io/last-applied-configuration` annotation, and the API server allows
/// an object 262144 bytes of annotations in all; 4 KiB are left for the annotations tools add
/// (Helm's release annotations, Argo CD's tracking id). The ConfigMap's own 1 MiB data limit
/// is the looser of the two. A larger routemap would be refused by the server while the rest
/// of the release is applied, so it is refused here, before anything reaches the cluster.
pub const ROUTEMAP_LIMIT: usize = 262_144 - 4096;
pub use crate::model::MAX_ROUTED_VERSIONS;

pub use crate::model::ROUTING_LABEL;

/// The release's objects (all but the live routing object) in the environments releasegen
/// builds itself; KServe's own canary is `native`'s.
pub fn release_objects(r: &Release, plan: Option<&Tree>) -> Result<Vec<Object>, Problem> {
    if r.weights_only {
        return Ok(r.versions.iter().map(weight_config).collect());
    }
    let mut docs = Vec::new();
    for v in &r.versions {
        docs.extend(workloads(r, v));
    }
    docs.extend(app_object(r));
    if matches!(r.strategy, Strategy::BlueGreen | Strategy::Mirror) {
        docs.extend(r.versions.iter().map(weight_config));
    }
    docs.push(routemap(r, plan)?);
    Ok(docs)
}

fn workloads(r: &Release, v: &Version) -> Vec<Object> {
    if r.external {
        return vec![];
    }
    match &v.workload {
        Workload::Deployment { deploy, deploy_ref, service, port } => {
            let front = match &v.pool {
                Some(pool) => inference_pool(v, pool),
                None => service_object(v, service.as_ref(), *port),
            };
            vec![deployment(v, deploy, deploy_ref, *port), front]
        }
        Workload::InferenceService { source } => vec![inference_service(r, v, source)],
    }
}

fn deployment(v: &Version, source: &DeploySource, r: &ObjRef, port: u32) -> Object {
    let (given, spec) = match source {
        DeploySource::Given(g) => (Some(g), g.spec.clone()),
        DeploySource::External => (None, json!({})),
        DeploySource::Image(image) => (
            None,
            json!({
                "selector": {"matchLabels": {"app": v.name}},
                "template": {
                    "metadata": {"labels": {"app": v.name}},
                    "spec": {"containers": [{"name": v.name, "image": image, "ports": [{"containerPort": port}]}]}
                }
            }),
        ),
    };
    Object::new("apps/v1", "Deployment", meta(r, v, given, &[])).with("spec", spec)
}

fn service_object(v: &Version, given: Option<&Given>, port: u32) -> Object {
    let spec = match given {
        Some(g) => g.spec.clone(),
        None => json!({"selector": {"app": v.name}, "ports": [{"port": port}]}),
    };
    Object::new("v1", "Service", meta(&v.target, v, given, &[])).with("spec", spec)
}

/// The version's InferencePool, in place of its Service: its Deployment's pods on its port,
/// and the endpoint picker that picks among them. Named as the version, which the route's
/// backendRefs name.
fn inference_pool(v: &Version, pool: &Pool) -> Object {
    let mut picker = Map::new();
    picker.insert("name".into(), pool.picker.clone().into());
    picker.insert("port".into(), json!({"number": pool.picker_port}));
    if let Some(mode) = &pool.failure_mode {
        picker.insert("failureMode".into(), mode.clone().into());
    }
    let mut spec = json!({
        "selector": {"matchLabels": pool.selector.iter().map(|(k, v)| (k.clone(), Value::from(v.as_str()))).collect::<Map<String, Value>>()},
        "targetPorts": [{"number": pool.port}],
    });
    if let Some(protocol) = &pool.app_protocol {
        spec["appProtocol"] = protocol.clone().into();
    }
    spec["endpointPickerRef"] = Value::Object(picker);
    Object::new(format!("{INFERENCE_GROUP}/v1"), "InferencePool", meta(&v.target, v, None, &[])).with("spec", spec)
}

fn inference_service(r: &Release, v: &Version, source: &ModelSource) -> Object {
    let modelmesh = r.env == Env::ModelMesh;
    let extra: &[(&str, &str)] = if modelmesh { &[("serving.kserve.io/deploymentMode", "ModelMesh")] } else { &[] };
    let (given, spec) = match source {
        ModelSource::Given(g) => (Some(g), g.spec.clone()),
        ModelSource::External => (None, json!({})),
        ModelSource::Model(m) => {
            let model = model_spec(m);
            let predictor = if modelmesh {
                object([("model", Value::Object(model))])
            } else {
                object([("minReplicas", 1.into()), ("model", Value::Object(model))])
            };
            (None, object([("predictor", predictor)]))
        }
    };
    Object::new("serving.kserve.io/v1beta1", "InferenceService", meta(&v.target, v, given, extra)).with("spec", spec)
}

/// The generated predictor model: `modelFormat`, then the fields the user gave.
fn app_object(r: &Release) -> Option<Object> {
    let metadata = || ObjectMeta::new(r.name.clone(), r.namespace.clone());
    let external = |host: &str| {
        Object::new("v1", "Service", metadata())
            .with("spec", json!({"externalName": host, "sessionAffinity": "None", "type": "ExternalName"}))
    };
    match r.env {
        Env::Deployment | Env::KserveServerless | Env::KserveStandard => None,
        Env::DeploymentIstio => Some(external("istio-ingressgateway.istio-system.svc.cluster.local")),
        Env::Kserve | Env::Kserve011 | Env::Kserve010 => {
            Some(external("knative-local-gateway.istio-system.svc.cluster.local"))
        }
        Env::DeploymentGtw => Some(
            Object::new("v1", "Service", metadata()).with("spec", json!({"selector": {"app": r.name}, "ports": [{"port": r.app_port}]})),
        ),
        Env::ModelMesh if r.strategy == Strategy::None => None,
        Env::ModelMesh => {
            let (a, n) = (&r.name, &r.namespace);
            Some(Object::new(format!("networking.istio.io/{}", r.apis.istio), "ServiceEntry", metadata()).with(
                "spec",
                json!({
                    "hosts": [format!("{a}.{n}"), format!("{a}.{n}.svc"), format!("{a}.{n}.svc.cluster.local")],
                    "location": "MESH_INTERNAL",
                    "ports": [{"number": r.service_port, "name": "http", "protocol": "HTTP"}],
                    "resolution": "DNS",
                    "workloadSelector": {"labels": {"modelmesh-service": "modelmesh-serving"}}
                }),
            ))
        }
    }
}

fn weight_config(v: &Version) -> Object {
    let metadata = ObjectMeta::new(format!("{}-weight-config", v.name), v.namespace.clone())
        .label("iter8.tools/watch", "true")
        .annotation("iter8.tools/weight", v.weight.to_string());
    Object::new("v1", "ConfigMap", metadata)
}

fn resources(v: &Version) -> Vec<Value> {
    v.resources
        .iter()
        .map(|res| json!({"gvrShort": res.kind.short(), "name": res.obj.name, "namespace": res.obj.namespace}))
        .collect()
}

fn carries_weight(r: &Release) -> bool {
    match r.strategy {
        Strategy::BlueGreen | Strategy::Mirror => true,
        Strategy::Canary => r.env.is_kserve(),
        Strategy::None => false,
    }
}

fn str_spec(r: &Release, plan: Option<&Tree>) -> String {
    let weighted = carries_weight(r);
    let versions: Vec<Value> = r
        .versions
        .iter()
        .map(|v| {
            let mut m = Map::new();
            m.insert("resources".into(), Value::Array(resources(v)));
            if weighted {
                m.insert("weight".into(), v.weight.into());
            }
            Value::Object(m)
        })
        .collect();
    let mut spec = Map::new();
    spec.insert("versions".into(), Value::Array(versions));
    if let Some(plan) = plan {
        let mut tpl = Map::new();
        tpl.insert("gvrShort".into(), r.routing_short().into());
        tpl.insert("template".into(), emit::template(plan).into());
        let mut templates = Map::new();
        templates.insert(r.strategy.name().into(), Value::Object(tpl));
        spec.insert("routingTemplates".into(), Value::Object(templates));
    }
    emit::document(&Value::Object(spec))
}

/// Whether the release's precomputed routing fits the routemap, as `render` checks it: what
/// `render` refuses, `states` refuses too, so its review is never larger than what it reviews.
pub fn routemap_fits(r: &Release, plan: &Tree) -> Result<(), Problem> {
    routemap(r, Some(plan)).map(drop)
}

fn routemap(r: &Release, plan: Option<&Tree>) -> Result<Object, Problem> {
    let n = r.versions.len();
    let refuse = |size| too_large(r, size);
    if plan.is_some() && n > MAX_ROUTED_VERSIONS {
        return Err(refuse(None));
    }
    let metadata = ObjectMeta::new(format!("{}-routemap", r.name), r.namespace.clone())
        .label("app.kubernetes.io/managed-by", "iter8")
        .label("iter8.tools/kind", "routemap")
        .label("iter8.tools/version", r.iter8_version.clone());
    let mut data = Map::with_capacity(1 + if plan.is_some() { 1 << n } else { 0 });
    let spec = str_spec(r, plan);
    // The object's size as JSON, counted as it is built (each state's length comes with its
    // text), so that a release far over the limit stops early and nothing is serialized only
    // to be measured: the object without its data, `,"data":`, and the data's entries.
    let head = Object::new("v1", "ConfigMap", metadata.clone()).json_size();
    let size = |entries: usize, count: usize| head + ",\"data\":".len() + json::map_len(std::iter::once(entries), count);
    let mut entries = json::string_len("strSpec") + json::string_len(&spec);
    data.insert("strSpec".into(), spec.into());
    if let Some(plan) = plan {
        let mut states = emit::States::new(plan);
        for state in State::all(n) {
            let key = ["ready-", &state.label(n), ".yaml"].concat();
            let (text, len) = states.document(&routing::weights_for(r, state));
            entries += json::string_len(&key) + len;
            let total = size(entries, data.len() + 1);
            if total > ROUTEMAP_LIMIT {
                return Err(refuse(Some(total)));
            }
            data.insert(key, text.into());
        }
    }
    Ok(Object::new("v1", "ConfigMap", metadata).with("data", Value::Object(data)))
}

/// At the versions' list (where its first item was written: a YAML list starts there).
fn too_large(r: &Release, size: Option<usize>) -> Problem {
    let n = r.versions.len();
    let size = size.map(|s| format!(" (already over {s} bytes as JSON)")).unwrap_or_default();
    Problem::at(
        "application.versions",
        r.versions.first().and_then(|v| v.written.version),
        format!(
            "{n} versions have 2^{n} readiness states; the routemap that precomputes their routing would be larger than one `kubectl apply` takes{size}: client-side apply keeps a copy of it in an annotation, which the API server limits to 262144 bytes, and releasegen to {ROUTEMAP_LIMIT} to leave room for the annotations tools add; release fewer versions at once"
        ),
    )
}
