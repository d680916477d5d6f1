//! `releasegen schema`: the JSON Schema (draft 2020-12) of the release values, and with
//! `--release` of a Release document. The chart `charts/releasegen` ships the values schema as
//! `values.schema.json`, so Helm checks values before any post-renderer runs, and editors
//! (yaml-language-server) show every key's description on hover.
//!
//! Strict where releasegen warns: every mapping whose unknown keys releasegen reports has
//! `additionalProperties: false`, so Helm stops `wieght:` at install time. Specs that pass
//! through to Kubernetes stay open. The cross-field rules (an image unless there is a
//! deploymentSpecification, fields another environment ignores, …) stay in `validate`, where
//! they get path-qualified messages; the schema only adds the ones it can say per key.
//!
//! Built from the vocabulary alone: each key's `Ty` says its schema, and the patterns of
//! durations and cookie names come from the checks' own constants (model/policy.rs).
//!
//! The two accepted forms (release values, or the routing-actions chart's values) are told
//! apart by `if`/`then`/`else`, never by `oneOf`, so a validator reports the errors of the form
//! the values are written in, at the key at fault, not every alternative. Only keywords that
//! draft-07 also has are used, because yaml-language-server validates as draft-07.

use crate::input::document::{API_VERSION, KIND};
use crate::input::vocabulary::{self as vocab, HTTP_METHODS, Key, Ty};
use crate::model::policy::{cookie_name_pattern, duration_pattern};
use crate::model::{DEFAULT_WEIGHT, Env, MAX_WEIGHT, Strategy};
use serde_json::{Map, Value, json};

const VALUES_ID: &str = "https://releasegen.dev/schemas/values.json";
const RELEASE_ID: &str = "https://releasegen.dev/schemas/release.json";

/// `schema` with a description added (or put in place of the one it has, where it has one).
fn described(description: &str, mut schema: Value) -> Value {
    if let Some(m) = schema.as_object_mut() {
        m.insert("description".into(), description.into());
    }
    schema
}

/// A closed mapping: the keys of a vocabulary table, each with its description and the schema
/// of its type, and no others. `kind` fills a table's `{kind}`. As a key's value the mapping
/// takes that key's description in place of `description`.
fn closed(description: &str, keys: &[Key], kind: &str) -> Value {
    let properties: Map<String, Value> =
        keys.iter().map(|k| (k.name.to_string(), described(&k.doc.replace("{kind}", kind), of(k.ty)))).collect();
    json!({"type": "object", "description": description, "properties": properties, "additionalProperties": false})
}

/// The schema of a value of type `ty`.
fn of(ty: Ty) -> Value {
    match ty {
        Ty::Text => json!({"type": "string"}),
        Ty::Words(words) => match words.default() {
            Some(default) => json!({"type": "string", "enum": words.choices(), "default": default}),
            None => json!({"type": "string", "enum": words.choices()}),
        },
        Ty::Bool => json!({"type": "boolean"}),
        Ty::Port => json!({"type": "integer", "minimum": 1, "maximum": 65535}),
        Ty::PortOr(default) => json!({"type": "integer", "minimum": 1, "maximum": 65535, "default": default}),
        Ty::PortOrNull(default) => json!({"type": ["integer", "null"], "minimum": 1, "maximum": 65535, "default": default}),
        Ty::Iter8Version => json!({"type": "string", "default": vocab::DEFAULT_ITER8_VERSION}),
        Ty::ModelMeshHost => json!({"type": "string", "default": vocab::DEFAULT_MODELMESH_HOST}),
        Ty::Weight => json!({"type": "integer", "minimum": 0, "maximum": MAX_WEIGHT as i64, "default": DEFAULT_WEIGHT}),
        Ty::Percent => json!({"type": "integer", "minimum": 0, "maximum": 100}),
        Ty::Count => json!({"type": "integer", "minimum": 0, "maximum": i32::MAX}),
        Ty::TextMap => json!({"type": "object", "additionalProperties": {"type": "string"}}),
        Ty::HeaderValues => json!({"type": "object", "additionalProperties": {"type": "string"}, "maxProperties": 16}),
        Ty::Texts => json!({"type": "array", "items": {"type": "string"}}),
        Ty::UniqueTexts => json!({"type": "array", "items": {"type": "string"}, "uniqueItems": true}),
        Ty::Duration => json!({"type": "string", "pattern": duration_pattern()}),
        Ty::CookieName => json!({"type": "string", "pattern": cookie_name_pattern()}),
        Ty::Object => json!({"type": "object"}),
        Ty::ContainerPorts => json!({"type": "array", "items": {"type": "object"}}),
        Ty::Mapping(m) if m.required().is_empty() => closed("", m.keys(), ""),
        Ty::Mapping(m) => with(closed("", m.keys(), ""), "required", json!(m.required())),
        Ty::Specification(spec) => specification(spec.kind()),
        Ty::Environment => json!({"type": "string", "enum": Env::ALL.iter().map(|e| e.name()).collect::<Vec<_>>()}),
        Ty::Strategy => strategy(),
        Ty::Gateways => gateways(),
        Ty::Versions => json!({"type": "array", "minItems": 1, "items": closed("A version: item 0 is the primary, the others are candidates.", vocab::VERSION, "")}),
        Ty::AppVersions => json!({"type": "array", "items": closed("A version you already run.", vocab::APP_VERSION, "")}),
        Ty::IstioClauses => clauses(closed("An Istio HTTPMatchRequest; its conditions are ANDed.", vocab::ISTIO_MATCH, "")),
        Ty::GatewayApiClauses => clauses(closed("A Gateway API HTTPRouteMatch; its conditions are ANDed.", vocab::GATEWAY_API_MATCH, "")),
        Ty::StringMatch => string_match(),
        Ty::StringMatches => json!({"type": "object", "additionalProperties": string_match()}),
        Ty::NamedMatches => json!({"type": "array", "items": {"type": "object", "required": ["name", "value"]}}),
        Ty::MethodOrGrpc => method_or_grpc(),
        Ty::CorsMethods => json!({"type": "array", "uniqueItems": true, "items": {"enum": cors_methods()}}),
        Ty::ApiVersion => json!({"const": API_VERSION}),
        Ty::Kind => json!({"const": KIND}),
        Ty::Values => json!({"$ref": "#/$defs/values"}),
    }
}

/// `schema` with `key` set to `value`.
fn with(mut schema: Value, key: &str, value: Value) -> Value {
    schema[key] = value;
    schema
}

/// What a CORS policy's `allowMethods` takes: a method, or `*`.
fn cors_methods() -> Vec<&'static str> {
    HTTP_METHODS.iter().copied().chain(["*"]).collect()
}

/// `{metadata?, spec}` of an object the user writes in full.
fn specification(kind: &str) -> Value {
    let s = closed(
        &format!("The version's {kind}, used instead of the generated one: `metadata` is merged over releasegen's (its name and namespace rename the object, and routing follows), `spec` passes through as written."),
        vocab::SPECIFICATION,
        kind,
    );
    with(s, "required", json!(["spec"]))
}

fn clauses(clause: Value) -> Value {
    json!({"type": "array", "minItems": 1, "description": "Match clauses, ORed.", "items": clause})
}

fn string_match() -> Value {
    with(closed("An Istio StringMatch: one of exact, prefix or regex.", vocab::STRING_MATCH, ""), "maxProperties", json!(1))
}

/// An HTTP method (a string), or with `protocol: grpc` a GRPCRoute method (an object); each
/// keyword applies to its own type, so no oneOf.
fn method_or_grpc() -> Value {
    json!({
        "type": ["string", "object"],
        "if": {"type": "string"},
        "then": {"enum": HTTP_METHODS},
        "properties": {
            "type": {"type": "string", "enum": ["Exact", "RegularExpression"], "description": "How service and method match (default Exact)."},
            "service": {"type": "string", "description": "The gRPC service, package.Service."},
            "method": {"type": "string", "description": "The gRPC method of the service."},
        },
        "additionalProperties": false,
    })
}

/// One gateway or a list; each a string or a parentRef. Written without `oneOf` (each keyword
/// applies to its own type), so an error names the entry at fault.
fn gateways() -> Value {
    let entry = || {
        let e = closed("A Gateway: `name` or `namespace/name`, or a parentRef.", vocab::GATEWAY, "");
        with(with(e, "type", json!(["string", "object"])), "required", json!(["name"]))
    };
    let g = with(entry(), "type", json!(["string", "object", "array"]));
    with(with(g, "items", entry()), "maxItems", json!(31))
}

fn strategy() -> Value {
    json!({"type": ["string", "null"], "enum": ["", "none", "blue-green", "canary", "mirror", null], "default": "none"})
}

/// The strategies each environment supports, said per key: a wrong strategy is reported at
/// `application.strategy`, with the choices of the environment given.
fn strategies_per_environment() -> Value {
    let mut groups: Vec<(Vec<&str>, &[Strategy])> = Vec::new();
    for env in Env::ALL {
        match groups.iter_mut().find(|(_, s)| *s == env.strategies()) {
            Some((envs, _)) => envs.push(env.name()),
            None => groups.push((vec![env.name()], env.strategies())),
        }
    }
    let rules: Vec<Value> = groups
        .into_iter()
        .map(|(envs, strategies)| {
            let mut names: Vec<Value> = vec!["".into()];
            names.extend(strategies.iter().map(|s| Value::from(s.name())));
            names.push(Value::Null);
            json!({
                "if": {"required": ["environment"], "properties": {"environment": {"enum": envs}}},
                "then": {"properties": {"application": {"properties": {"strategy": {"enum": names}}}}}
            })
        })
        .collect();
    Value::Array(rules)
}

fn release() -> Value {
    let r = closed("Values of the Iter8 release chart.", vocab::RELEASE, "");
    with(with(r, "required", json!(["environment", "application"])), "allOf", strategies_per_environment())
}

/// Values written for Iter8's routing-actions chart.
fn routing_actions() -> Value {
    let r = closed("Values of the Iter8 routing-actions chart: routing for workloads you already run.", vocab::ROUTING_ACTIONS, "");
    with(r, "required", json!(["appType", "action"]))
}

/// The definitions both schemas share; `values` picks the form the values are written in,
/// as releasegen does (`routing_actions::is_routing_actions`).
fn definitions() -> Value {
    json!({
        "release": release(),
        "routingActions": routing_actions(),
        "values": {
            "if": {
                "not": {"required": ["environment"]},
                "anyOf": [{"required": ["appType"]}, {"required": ["action"]}]
            },
            "then": {"$ref": "#/$defs/routingActions"},
            "else": {"$ref": "#/$defs/release"}
        }
    })
}

/// The schema of the values. An empty mapping passes, because a chart's own `values.yaml` must
/// pass `helm lint` and the chart's is empty; releasegen itself refuses empty values
/// (`environment is required`), so nothing empty ever renders.
pub fn schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": VALUES_ID,
        "title": "releasegen release values",
        "description": "The values of the Iter8 release chart (or of its routing-actions chart), as releasegen reads them. An empty document passes so that a chart's empty values.yaml lints; releasegen refuses it.",
        "type": "object",
        "if": {"maxProperties": 0},
        "then": true,
        "else": {"$ref": "#/$defs/values"},
        "$defs": definitions()
    })
}

/// The schema of a Release document: the values under `spec`.
pub fn release_schema() -> Value {
    let doc = closed(
        "A whole release as one document: name and namespace play the roles of --name and --namespace.",
        vocab::RELEASE_DOCUMENT,
        "",
    );
    let doc = with(doc, "required", json!(["apiVersion", "kind", "spec"]));
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": RELEASE_ID,
        "title": "releasegen Release document",
        "$defs": definitions()
    });
    if let (Some(r), Value::Object(d)) = (root.as_object_mut(), doc) {
        r.extend(d);
    }
    root
}

/// A schema as text, the way `releasegen schema` prints it and the chart ships it.
pub fn text(schema: &Value) -> String {
    let mut t = serde_json::to_string_pretty(schema).unwrap_or_default();
    t.push('\n');
    t
}
