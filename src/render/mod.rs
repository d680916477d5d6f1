//! Kubernetes objects: the release's workloads, Services, weight-config ConfigMaps and routemap,
//! and KServe's own InferenceService, built as data.

pub mod kube;
pub mod native;
pub mod objects;
pub mod parts;

use crate::model::{RELEASE_LABEL, Release};
use crate::plan::routing::{self, State, Tree};
use crate::problem::Problem;
use serde_json::Value;

/// Argo CD's sync-wave annotation.
const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";

/// The release's manifests in the documented order, each labelled as the release's, and with a
/// readiness state the live routing object last. Which builder makes the objects is decided
/// here, once: `native` for KServe's own canary, `objects` for every other environment.
///
/// With a routing object and `waves`, Argo CD sync waves: the routing object "1", every other
/// object "0", so Argo CD moves traffic only after the workloads (and everything they need) are
/// healthy. Decided by position, not by counting workload kinds, so releases with
/// `workloads: external` get the same answer; a wave the user set on an object is kept. Both
/// are set on the objects while their metadata is still typed.
pub fn manifests(r: &Release, plan: Option<&Tree>, ready: Option<State>, waves: bool) -> Result<Vec<Value>, Problem> {
    let objects = if r.env.kserve_native() { vec![native::inference_service(r)] } else { objects::release_objects(r, plan)? };
    let routing = match (plan, ready) {
        (Some(plan), Some(state)) => Some(routing::object_for(r, plan, state)),
        _ => None,
    };
    let waves = waves && routing.is_some();
    let mut docs: Vec<Value> = Vec::with_capacity(objects.len() + 1);
    for mut o in objects {
        o.metadata.labels.insert(RELEASE_LABEL.to_string(), r.name.clone());
        if waves {
            o.metadata.annotations.entry(SYNC_WAVE.to_string()).or_insert_with(|| "0".into());
        }
        docs.push(o.into_value());
    }
    if let Some(mut routing) = routing {
        if waves
            && let Some(meta) = routing.get_mut("metadata").and_then(Value::as_object_mut)
            && let Some(annotations) = meta.entry("annotations").or_insert_with(|| Value::Object(Default::default())).as_object_mut()
        {
            annotations.entry(SYNC_WAVE).or_insert_with(|| "1".into());
        }
        docs.push(routing);
    }
    Ok(docs)
}
