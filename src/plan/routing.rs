//! The routing object as a function of the weights of a readiness state.
//!
//! `plan` builds, once per release, a tree whose list items and fields may carry a *guard*
//! ("version 1 has weight > 0") and whose weights may be references into `.Weights`. That
//! one tree is then read two ways:
//! - `Plan::at(weights)` evaluates it to the concrete object (the `ready-*` keys, `--ready`);
//! - `emit::template` writes it as the Go template the Iter8 controller executes.
//!
//! Because both readings come from the same tree, the precomputed states and the controller's
//! result cannot disagree; the tests execute the template with a Go-template engine to prove it.

use super::gateway::{gtw_affinity, gtw_blue_green, gtw_canary, gtw_cohorts, gtw_mirror, gtw_spec};
use super::istio::{blue_green_rule, destination_deploy, destination_mm, istio_affinity, istio_canary, istio_cohorts, istio_spec, kserve_blue_green, mirror_rule};
use super::tree::{map, s, val};
use crate::model::{Env, Release, Strategy};
use serde_json::json;

pub use super::state::{State, object_for, percentages, push_decimal, state_weights, weights_for};
pub use super::tree::{Guard, Tree};

/// The routing plan of a release, or `None` for strategy `none` / environment `deployment`.
pub fn plan(r: &Release) -> Option<Tree> {
    let spec = match (r.strategy, r.env) {
        (s, e) if !e.routes(s) => return None,
        (Strategy::None, _) => return None,
        (Strategy::BlueGreen, Env::DeploymentIstio) => {
            istio_spec(r, [istio_cohorts(r), istio_affinity(r), vec![blue_green_rule(r, &r.name, destination_deploy)]].concat())
        }
        (Strategy::BlueGreen, Env::ModelMesh) => istio_spec(r, [istio_cohorts(r), vec![blue_green_rule(r, "", destination_mm)]].concat()),
        (Strategy::BlueGreen, Env::DeploymentGtw) => gtw_spec(r, [gtw_cohorts(r), gtw_affinity(r), gtw_blue_green(r)].concat(), true),
        (Strategy::BlueGreen, _) => istio_spec(r, [istio_cohorts(r), kserve_blue_green(r)].concat()),
        (Strategy::Canary, Env::DeploymentGtw) => gtw_spec(r, gtw_canary(r), false),
        (Strategy::Canary, _) => istio_spec(r, istio_canary(r)),
        (Strategy::Mirror, Env::DeploymentGtw) => gtw_spec(r, vec![gtw_mirror(r)], false),
        (Strategy::Mirror, _) => istio_spec(r, vec![mirror_rule(r)]),
    };
    let (api, kind) = match r.env {
        // A GRPCRoute is served at v1 only.
        Env::DeploymentGtw if r.grpc => ("gateway.networking.k8s.io/v1".to_string(), "GRPCRoute"),
        Env::DeploymentGtw => (format!("gateway.networking.k8s.io/{}", r.apis.gateway), "HTTPRoute"),
        _ => (format!("networking.istio.io/{}", r.apis.istio), "VirtualService"),
    };
    Some(map(vec![
        ("apiVersion", s(&api)),
        ("kind", s(kind)),
        ("metadata", val(json!({"name": r.name, "namespace": r.namespace, "labels": {crate::model::ROUTING_LABEL: r.name}}))),
        ("spec", spec),
    ]))
}

