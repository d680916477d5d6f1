//! KServe's own traffic splitting: the release is one InferenceService named after
//! it, and KServe moves traffic between revisions. No routemap and no VirtualService.
//!
//! - `kserve-serverless` (Knative mode): version 0 is the model now rolled out; a candidate
//!   supplies the predictor and its weight becomes `canaryTrafficPercent` (0 pins the previous
//!   model: a rollback). One version: no `canaryTrafficPercent`, which promotes it.
//!   `application.tagRouting` adds `serving.kserve.io/enable-tag-routing: "true"`.
//! - `kserve-standard` (KServe 0.20+): the primary is `spec.predictor` (named after version 0)
//!   and every candidate one `spec.canary[]` entry with its share as `trafficPercent`.

use crate::model::{Env, ModelSource, ObjRef, Release, Version, Workload};
use crate::render::kube::{Object, ObjectMeta};
use crate::render::parts;
use crate::plan::routing;
use serde_json::{Map, Value, json};

pub fn inference_service(r: &Release) -> Object {
    let release = ObjRef { name: r.name.clone(), namespace: r.namespace.clone() };
    match r.env {
        Env::KserveStandard => standard(r, &release),
        _ => serverless(r, &release),
    }
}

/// The predictor a version brings: its generated model, or its own `spec.predictor`.
fn predictor(v: &Version) -> Map<String, Value> {
    let Workload::InferenceService { source } = &v.workload else { return Map::new() };
    match source {
        ModelSource::Given(g) => g.spec.get("predictor").and_then(Value::as_object).cloned().unwrap_or_default(),
        ModelSource::External => Map::new(),
        ModelSource::Model(m) => {
            let model = parts::model_spec(m);
            Map::from_iter([("model".to_string(), Value::Object(model))])
        }
    }
}

fn given(v: &Version) -> Option<&crate::model::Given> {
    match &v.workload {
        Workload::InferenceService { source: ModelSource::Given(g) } => Some(g),
        _ => None,
    }
}

/// Metadata of the release's InferenceService, from the version that shapes it; Iter8's
/// watch label is left out, as no Iter8 controller is involved.
fn metadata(r: &ObjRef, v: &Version, extra: &[(&str, &str)]) -> ObjectMeta {
    let mut m = parts::meta(r, v, given(v), extra);
    // Swapped out, not shifted: the last label takes its place, as the JSON map's remove did.
    m.labels.swap_remove("iter8.tools/watch");
    m
}

fn serverless(r: &Release, release: &ObjRef) -> Object {
    let supplier = r.versions.last().unwrap_or(&r.versions[0]);
    let mut predictor = predictor(supplier);
    if let Some(candidate) = r.versions.get(1) {
        predictor.insert("canaryTrafficPercent".into(), candidate.weight.into());
    }
    let extra: &[(&str, &str)] = if r.tag_routing { &[("serving.kserve.io/enable-tag-routing", "true")] } else { &[] };
    Object::new("serving.kserve.io/v1beta1", "InferenceService", metadata(release, supplier, extra))
        .with("spec", json!({"predictor": predictor}))
}

/// Shares of the versions when all are ready, as in blue-green.
pub fn shares(r: &Release) -> Vec<u32> {
    let weights: Vec<u32> = r.versions.iter().map(|v| v.weight).collect();
    let mut pct = routing::percentages(&weights);
    if weights.iter().all(|&w| w == 0) {
        pct[0] = 100;
    }
    pct
}

fn standard(r: &Release, release: &ObjRef) -> Object {
    let named = |v: &Version| {
        let mut p = Map::from_iter([("name".to_string(), Value::String(v.target.name.clone()))]);
        p.extend(predictor(v));
        Value::Object(p)
    };
    let shares = shares(r);
    let mut spec = Map::new();
    spec.insert("predictor".into(), named(&r.versions[0]));
    if r.versions.len() > 1 {
        let canary: Vec<Value> = r.versions[1..]
            .iter()
            .zip(&shares[1..])
            .map(|(v, share)| {
                let mut predictor = named(v);
                // The canary schema requires the model container's name; KServe's own default.
                if let Some(model) = predictor.get_mut("model").and_then(Value::as_object_mut) {
                    model.entry("name").or_insert_with(|| "kserve-container".into());
                }
                json!({"trafficPercent": share, "predictor": predictor})
            })
            .collect();
        spec.insert("canary".into(), Value::Array(canary));
    }
    let metadata = metadata(release, &r.versions[0], &[("serving.kserve.io/deploymentMode", "Standard")]);
    Object::new("serving.kserve.io/v1beta1", "InferenceService", metadata).with("spec", Value::Object(spec))
}
