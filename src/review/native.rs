//! `states` and `diff` for a release KServe routes itself (`kserve-serverless`,
//! `kserve-standard`): the shares KServe applies when every version is ready, by the objects
//! KServe names.

use crate::model::{Env, Release};
use crate::render::native::shares;
use serde_json::{Value, json};

/// `states` for KServe-native releases: the shares KServe applies, and the tag URLs. Versions
/// are named by the objects that exist in the cluster: one InferenceService `APP`, whose
/// Knative revisions (`APP-predictor-NNNNN`) or predictors carry the versions.
pub fn table(r: &Release) -> String {
    let mut out = format!("# {} ({}, {})\n\n", r.name, r.env.name(), r.strategy.name());
    out.push_str("KServe routes this release itself: a version that is not ready gets no traffic from it, and its\nshare stays with the model that serves now.\n\n");
    out.push_str("| version | object | role | share |\n| ------- | ------ | ---- | ----- |\n");
    for (i, share) in rows(r).into_iter().enumerate() {
        out.push_str(&format!("| {i} | {} | {} | {share}% |\n", object(r, i), role(r, i)));
    }
    if r.env == Env::KserveServerless && r.tag_routing {
        let host = format!("{}-predictor.{}.<ingress domain>", r.name, r.namespace);
        out.push_str(&format!("\nTag routing: `latest-{host}` reaches the candidate, `prev-{host}` the previous model.\n"));
    }
    out
}

/// The object that serves version `i`, as KServe names it.
fn object(r: &Release, i: usize) -> String {
    let app = &r.name;
    match (r.env, i, r.versions.len()) {
        (Env::KserveServerless, 0, 1) => format!("InferenceService `{app}`, latest rolled-out revision (`{app}-predictor-NNNNN`)"),
        (Env::KserveServerless, 0, _) => format!("InferenceService `{app}`, previous rolled-out revision (`{app}-predictor-NNNNN`, tag `prev`)"),
        (Env::KserveServerless, _, _) => format!("InferenceService `{app}`, latest ready revision (`{app}-predictor-NNNNN`, tag `latest`)"),
        (_, 0, _) => format!("InferenceService `{app}`, `spec.predictor` `{}`", r.versions[0].target.name),
        (_, k, _) => format!("InferenceService `{app}`, `spec.canary[{}]` `{}`", k - 1, r.versions[k].target.name),
    }
}

fn role(r: &Release, i: usize) -> &'static str {
    match (r.env, i, r.versions.len()) {
        (Env::KserveServerless, 0, 1) => "rolled out (promoted)",
        (Env::KserveServerless, 0, _) => "previous model (prev)",
        (Env::KserveServerless, _, _) => "candidate (latest)",
        (_, 0, _) => "primary (spec.predictor)",
        _ => "canary (spec.canary)",
    }
}

/// Each version's share of traffic when every version is ready.
pub fn rows(r: &Release) -> Vec<u32> {
    match r.env {
        Env::KserveServerless => match r.versions.get(1) {
            Some(c) => vec![100 - c.weight.min(100), c.weight.min(100)],
            None => vec![100],
        },
        _ => {
            let s = shares(r);
            let canaries: u32 = s[1..].iter().sum();
            std::iter::once(100 - canaries.min(100)).chain(s[1..].iter().copied()).collect()
        }
    }
}

pub fn json(r: &Release) -> Value {
    json!({
        "name": r.name,
        "namespace": r.namespace,
        "environment": r.env.name(),
        "strategy": r.strategy.name(),
        "routedBy": "kserve",
        "versions": r.versions.iter().zip(rows(r)).enumerate().map(|(i, (v, share))| json!({
            "name": v.target.name, "object": object(r, i).replace('`', ""), "role": role(r, i), "percent": share
        })).collect::<Vec<_>>(),
        "tagRouting": r.env == Env::KserveServerless && r.tag_routing,
    })
}

/// `states --output mermaid` for KServe-native releases: KServe's shares as arrows.
pub fn mermaid(r: &Release) -> String {
    let mut out = String::from("flowchart LR\n");
    out.push_str(&format!("  in([\"requests to {}\"])\n", r.name));
    for (i, share) in rows(r).into_iter().enumerate() {
        let label = object(r, i).replace('`', "");
        out.push_str(&format!("  in -->|\"{share}%\"| v{i}[\"{label}\"]\n"));
    }
    out
}
