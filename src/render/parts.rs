//! Parts of Kubernetes objects that more than one builder needs — the release's prune labels,
//! a version's metadata (its labels and annotations merged with those of a given spec) and a
//! predictor's model — so that `objects` (the release's manifests), `native` (KServe's own
//! InferenceService) and `routing` (the routing object) build on this module and none of
//! them imports another's internals.

use crate::model::{Given, Model, ObjRef, Version};
use crate::render::kube::ObjectMeta;
use serde_json::{Map, Value, json};

pub use crate::model::{RELEASE_LABEL, ROUTING_LABEL};

/// An object's `metadata.labels` or `metadata.annotations`, made when missing: the one place
/// that knows where an object keeps them. None when the object has no metadata mapping.
pub fn metadata_map<'a>(doc: &'a mut Value, field: &str) -> Option<&'a mut Map<String, Value>> {
    let meta = doc.get_mut("metadata")?.as_object_mut()?;
    meta.entry(field).or_insert_with(|| Value::Object(Map::new())).as_object_mut()
}

pub fn set_label(doc: &mut Value, key: &str, value: &str) {
    if let Some(labels) = metadata_map(doc, "labels") {
        labels.insert(key.to_string(), value.into());
    }
}

pub fn set_annotation(doc: &mut Value, key: &str, value: &str) {
    if let Some(annotations) = metadata_map(doc, "annotations") {
        annotations.insert(key.to_string(), value.into());
    }
}

/// A JSON object from owned fields. `json!` copies every value it embeds (it serializes
/// `&value`), so objects holding user-sized values (specs, the routemap) are built with this.
pub(crate) fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::Object(fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// The metadata of version `v`'s object `r`: the version's labels and annotations, then those of
/// a given spec's metadata, then `extra` annotations where not set; the watch label always.
pub(crate) fn meta(r: &ObjRef, v: &Version, given: Option<&Given>, extra: &[(&str, &str)]) -> ObjectMeta {
    let mut m = ObjectMeta::new(r.name.clone(), r.namespace.clone());
    m.labels = v.labels.clone();
    m.annotations = v.annotations.clone();
    for (k, val) in extra {
        m.annotations.entry((*k).to_string()).or_insert_with(|| (*val).to_string());
    }
    if let Some(g) = given {
        merge_strings(&mut m.labels, g.metadata.get("labels"));
        merge_strings(&mut m.annotations, g.metadata.get("annotations"));
    }
    // The controller finds versions by this label; nothing may remove it.
    m.labels.insert("iter8.tools/watch".into(), "true".into());
    m
}

fn merge_strings(into: &mut indexmap::IndexMap<String, String>, from: Option<&Value>) {
    if let Some(Value::Object(m)) = from {
        for (k, v) in m {
            if let Some(s) = v.as_str() {
                into.insert(k.clone(), s.to_string());
            }
        }
    }
}

pub(crate) fn model_spec(m: &Model) -> Map<String, Value> {
    let mut model = Map::new();
    model.insert("modelFormat".into(), json!({"name": m.format}));
    if let Some(rt) = &m.runtime {
        model.insert("runtime".into(), rt.clone().into());
    }
    model.insert("storageUri".into(), m.storage_uri.clone().into());
    if let Some(p) = &m.protocol_version {
        model.insert("protocolVersion".into(), p.clone().into());
    }
    if let Some(p) = &m.ports {
        model.insert("ports".into(), p.clone());
    }
    model
}
