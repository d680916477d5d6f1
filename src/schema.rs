//! `releasegen schema`: the JSON Schema (draft 2020-12) of the release values. The chart
//! `charts/releasegen` ships the same text as `values.schema.json`, so `helm install` checks
//! values before releasegen ever runs. The schema says what is structurally valid; the
//! cross-field rules (an image unless there is a deploymentSpecification, a strategy the
//! environment supports, …) stay in `model.rs`, where they get path-qualified messages.
//! Unknown keys are allowed here, as releasegen only warns about them without `--strict`.

use crate::model::{Env, MAX_WEIGHT};
use serde_json::{Value, json};

pub fn schema() -> Value {
    let envs: Vec<&str> = Env::ALL.iter().map(|e| e.name()).collect();
    let string = json!({"type": "string"});
    let string_map = json!({"type": "object", "additionalProperties": {"type": "string"}});
    let metadata = json!({
        "type": "object",
        "properties": {"name": string, "namespace": string, "labels": string_map, "annotations": string_map}
    });
    let port = json!({"type": "integer", "minimum": 1, "maximum": 65535});
    let specification = json!({
        "type": "object",
        "required": ["spec"],
        "properties": {"metadata": metadata, "spec": {"type": "object"}}
    });
    let clauses = json!({"type": "array", "minItems": 1, "items": {"type": "object"}});
    let version = json!({
        "type": "object",
        "properties": {
            "metadata": metadata,
            "weight": {"type": "integer", "minimum": 0, "maximum": MAX_WEIGHT as i64},
            "match": clauses,
            "matches": clauses,
            "port": port,
            "image": string,
            "deploymentSpecification": specification,
            "serviceSpecification": specification,
            "inferenceServiceSpecification": specification,
            "modelFormat": string,
            "runtime": string,
            "protocolVersion": string,
            "ports": {"type": "array"},
            "storageUri": string
        }
    });
    let release = json!({
        "type": "object",
        "required": ["environment", "application"],
        "properties": {
            "environment": {"type": "string", "enum": envs},
            "gateway": string,
            "iter8Version": string,
            "service": {"type": "object", "properties": {"host": string, "port": port}},
            "application": {
                "type": "object",
                "required": ["versions"],
                "properties": {
                    "metadata": metadata,
                    "strategy": {"type": ["string", "null"], "enum": ["", "none", "blue-green", "canary", "mirror", null]},
                    "versions": {"type": "array", "minItems": 1, "items": version},
                    "port": {"type": ["integer", "null"], "minimum": 1, "maximum": 65535},
                    "modelFormat": string,
                    "runtime": string,
                    "protocolVersion": string,
                    "ports": {"type": "array"},
                    "workloads": {"type": "string", "enum": ["external"]},
                    "tagRouting": {"type": "boolean"}
                }
            }
        }
    });
    // Values written for Iter8's routing-actions chart are accepted too.
    let routing_actions = json!({
        "type": "object",
        "required": ["appType", "action"],
        "properties": {
            "appType": {"type": "string", "enum": ["deployment", "kserve-modelmesh", "kserve", "kserve-0.11", "kserve-0.10"]},
            "appName": string,
            "appPort": port,
            "action": {"type": "string", "enum": ["initialize", "modify-weights"]},
            "strategy": {"type": "string", "enum": ["blue-green", "canary", "mirror"]},
            "appVersions": {"type": "array", "items": {"type": "object", "properties": {
                "name": string, "namespace": string,
                "weight": {"type": "integer", "minimum": 0, "maximum": MAX_WEIGHT as i64},
                "match": clauses
            }}},
            "iter8Version": string,
            "externalGateway": string,
            "mirrorPercentage": {"type": "integer", "minimum": 0, "maximum": 100}
        }
    });
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://releasegen.dev/schemas/values.json",
        "title": "releasegen release values (the Iter8 release chart's values, or the routing-actions chart's)",
        "oneOf": [release, routing_actions]
    })
}

/// The schema as the file `charts/releasegen/values.schema.json` holds it.
pub fn text() -> String {
    let mut t = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    t.push('\n');
    t
}
