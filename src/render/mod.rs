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

/// The release's manifests in the documented order, each labelled as the release's, and with a
/// readiness state the live routing object last. Which builder makes the objects is decided
/// here, once: `native` for KServe's own canary, `objects` for every other environment.
pub fn manifests(r: &Release, plan: Option<&Tree>, ready: Option<State>) -> Result<Vec<Value>, Problem> {
    let objects = if r.env.kserve_native() { vec![native::inference_service(r)] } else { objects::release_objects(r, plan)? };
    let mut docs: Vec<Value> = objects
        .into_iter()
        .map(|mut o| {
            o.metadata.labels.insert(RELEASE_LABEL.to_string(), r.name.clone());
            o.into_value()
        })
        .collect();
    if let (Some(plan), Some(state)) = (plan, ready) {
        docs.push(routing::object_for(r, plan, state));
    }
    Ok(docs)
}
