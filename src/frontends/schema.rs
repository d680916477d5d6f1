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
//! The two accepted forms (release values, or the routing-actions chart's values) are told
//! apart by `if`/`then`/`else`, never by `oneOf`, so a validator reports the errors of the form
//! the values are written in, at the key at fault, not every alternative. Only keywords that
//! draft-07 also has are used, because yaml-language-server validates as draft-07.

use crate::input::document::{API_VERSION, KIND};
use crate::input::vocabulary::{self as vocab, Key};
use crate::model::{DEFAULT_WEIGHT, Env, MAX_WEIGHT, Strategy};
use serde_json::{Map, Value, json};

const VALUES_ID: &str = "https://releasegen.dev/schemas/values.json";
const RELEASE_ID: &str = "https://releasegen.dev/schemas/release.json";

/// `schema` with a description added.
fn described(description: &str, mut schema: Value) -> Value {
    if let Some(m) = schema.as_object_mut() {
        m.insert("description".into(), description.into());
    }
    schema
}

/// A closed mapping: the keys of a vocabulary table, each with its description and the schema
/// `types` gives it, and no others. `kind` fills a table's `{kind}`.
fn closed(description: &str, keys: &[Key], kind: &str, types: impl Fn(&str) -> Value) -> Value {
    let properties: Map<String, Value> =
        keys.iter().map(|k| (k.name.to_string(), described(&k.doc.replace("{kind}", kind), types(k.name)))).collect();
    json!({"type": "object", "description": description, "properties": properties, "additionalProperties": false})
}

/// The schema of a key no table entry here expects: a mistake in this file, found by the
/// schema tests (every key of every table is described by a type).
fn untyped(table: &str, key: &str) -> Value {
    panic!("schema: {table}.{key} has no type")
}

/// What a CORS policy's `allowMethods` takes: a method, or `*`.
fn cors_methods() -> Vec<&'static str> {
    crate::model::policy::HTTP_METHODS.iter().copied().chain(["*"]).collect()
}

fn string() -> Value {
    json!({"type": "string"})
}

fn port() -> Value {
    json!({"type": "integer", "minimum": 1, "maximum": 65535})
}

fn weight() -> Value {
    json!({"type": "integer", "minimum": 0, "maximum": MAX_WEIGHT as i64, "default": DEFAULT_WEIGHT})
}

fn string_map() -> Value {
    json!({"type": "object", "additionalProperties": {"type": "string"}})
}

fn metadata(whose: &str) -> Value {
    closed(&format!("Metadata of {whose}."), vocab::METADATA, "", |k| match k {
        "name" | "namespace" => string(),
        "labels" | "annotations" => string_map(),
        _ => untyped("METADATA", k),
    })
}

/// `{metadata?, spec}` of an object the user writes in full.
fn specification(kind: &str) -> Value {
    let mut s = closed(
        &format!("The version's {kind}, used instead of the generated one: `metadata` is merged over releasegen's (its name and namespace rename the object, and routing follows), `spec` passes through as written."),
        vocab::SPECIFICATION,
        kind,
        |k| match k {
            "metadata" => metadata(&format!("the {kind}")),
            "spec" => json!({"type": "object"}),
            _ => untyped("SPECIFICATION", k),
        },
    );
    s["required"] = json!(["spec"]);
    s
}

fn clauses(description: &str, clause: Value) -> Value {
    json!({"type": "array", "minItems": 1, "description": description, "items": clause})
}

fn istio_match() -> Value {
    let string_match = || {
        let mut m = closed("An Istio StringMatch: one of exact, prefix or regex.", vocab::STRING_MATCH, "", |_| string());
        m["maxProperties"] = json!(1);
        m
    };
    let string_matches = || json!({"type": "object", "additionalProperties": string_match()});
    closed("An Istio HTTPMatchRequest; its conditions are ANDed.", vocab::ISTIO_MATCH, "", |k| match k {
        "name" | "sourceNamespace" | "statPrefix" => string(),
        "uri" | "scheme" | "method" | "authority" => string_match(),
        "headers" | "queryParams" | "withoutHeaders" => string_matches(),
        "port" => port(),
        "sourceLabels" => string_map(),
        "gateways" => json!({"type": "array", "items": {"type": "string"}}),
        "ignoreUriCase" => json!({"type": "boolean"}),
        _ => untyped("ISTIO_MATCH", k),
    })
}

fn gateway_api_match() -> Value {
    let named = || json!({"type": "array", "items": {"type": "object", "required": ["name", "value"]}});
    closed("A Gateway API HTTPRouteMatch; its conditions are ANDed.", vocab::GATEWAY_API_MATCH, "", |k| match k {
        "path" => json!({"type": "object"}),
        "headers" | "queryParams" => named(),
        // An HTTP method (a string), or with `protocol: grpc` a GRPCRoute method (an object);
        // each keyword applies to its own type, so no oneOf.
        "method" => json!({
            "type": ["string", "object"],
            "if": {"type": "string"},
            "then": {"enum": crate::model::policy::HTTP_METHODS},
            "properties": {
                "type": {"type": "string", "enum": ["Exact", "RegularExpression"], "description": "How service and method match (default Exact)."},
                "service": {"type": "string", "description": "The gRPC service, package.Service."},
                "method": {"type": "string", "description": "The gRPC method of the service."},
            },
            "additionalProperties": false,
        }),
        _ => untyped("GATEWAY_API_MATCH", k),
    })
}

fn container_ports() -> Value {
    json!({"type": "array", "items": {"type": "object"}})
}

fn version() -> Value {
    closed("A version: item 0 is the primary, the others are candidates.", vocab::VERSION, "", |k| match k {
        "metadata" => metadata("the version's objects"),
        "weight" => weight(),
        "match" => clauses("Match clauses, ORed.", istio_match()),
        "matches" => clauses("Match clauses, ORed.", gateway_api_match()),
        "port" => port(),
        "image" | "modelFormat" | "runtime" | "protocolVersion" | "storageUri" => string(),
        "deploymentSpecification" => specification("Deployment"),
        "serviceSpecification" => specification("Service"),
        "inferenceServiceSpecification" => specification("InferenceService"),
        "ports" => container_ports(),
        _ => untyped("VERSION", k),
    })
}

fn routing() -> Value {
    let list = || json!({"type": "array", "items": {"type": "string"}, "uniqueItems": true});
    let duration = || json!({"type": "string", "pattern": "^([0-9]{1,5}(h|m|s|ms)){1,4}$"});
    let ops = |side: &str| {
        closed(&format!("Changes to {side} headers."), vocab::HEADER_CHANGES, "", |k| match k {
            "set" | "add" => json!({"type": "object", "additionalProperties": {"type": "string"}, "maxProperties": 16}),
            "remove" => list(),
            _ => untyped("HEADER_CHANGES", k),
        })
    };
    let retries = || {
        closed("Istio retries.", vocab::RETRIES, "", |k| match k {
            "attempts" => json!({"type": "integer", "minimum": 0, "maximum": i32::MAX}),
            "perTryTimeout" => duration(),
            "on" => list(),
            _ => untyped("RETRIES", k),
        })
    };
    let cors = || {
        closed("CORS policy.", vocab::CORS, "", |k| match k {
            "allowOrigins" | "allowHeaders" | "exposeHeaders" => list(),
            "allowMethods" => json!({"type": "array", "uniqueItems": true, "items": {"enum": cors_methods()}}),
            "maxAge" => duration(),
            "allowCredentials" => json!({"type": "boolean"}),
            _ => untyped("CORS", k),
        })
    };
    closed("Policy written into every generated rule, as the target API spells it.", vocab::ROUTING, "", |k| match k {
        "timeout" => duration(),
        "retries" => retries(),
        "cors" => cors(),
        "requestHeaders" => ops("request"),
        "responseHeaders" => ops("response"),
        _ => untyped("ROUTING", k),
    })
}

fn session_affinity() -> Value {
    let mut a = closed("Version affinity by a cookie.", vocab::SESSION_AFFINITY, "", |k| match k {
        "cookie" => json!({"type": "string", "pattern": "^[A-Za-z0-9!#$&'*+.^_`|~-]{1,256}$"}),
        "maxAge" => json!({"type": "string", "pattern": "^([0-9]{1,5}(h|m|s|ms)){1,4}$"}),
        _ => untyped("SESSION_AFFINITY", k),
    });
    a["required"] = json!(["cookie", "maxAge"]);
    a
}

/// One gateway or a list; each a string or a parentRef. Written without `oneOf` (each keyword
/// applies to its own type), so an error names the entry at fault.
fn gateways() -> Value {
    let entry = || {
        let mut e = closed("A Gateway: `name` or `namespace/name`, or a parentRef.", vocab::GATEWAY, "", |k| match k {
            "name" | "namespace" | "sectionName" => string(),
            _ => untyped("GATEWAY", k),
        });
        e["type"] = json!(["string", "object"]);
        e["required"] = json!(["name"]);
        e
    };
    let mut g = entry();
    g["type"] = json!(["string", "object", "array"]);
    g["items"] = entry();
    g["maxItems"] = json!(31);
    g
}

fn strategy() -> Value {
    json!({"type": ["string", "null"], "enum": ["", "none", "blue-green", "canary", "mirror", null], "default": "none"})
}

fn application() -> Value {
    let mut app = closed("The application: its versions and how traffic moves between them.", vocab::APPLICATION, "", |k| match k {
        "metadata" => metadata("the application"),
        "strategy" => strategy(),
        "versions" => json!({"type": "array", "minItems": 1, "items": version()}),
        "port" => json!({"type": ["integer", "null"], "minimum": 1, "maximum": 65535, "default": 80}),
        "modelFormat" | "runtime" | "protocolVersion" => string(),
        "ports" => container_ports(),
        "routing" => routing(),
        "workloads" => json!({"type": "string", "enum": ["external"]}),
        "tagRouting" => json!({"type": "boolean"}),
        "protocol" => json!({"type": "string", "enum": ["http", "grpc"], "default": "http"}),
        "sessionAffinity" => session_affinity(),
        _ => untyped("APPLICATION", k),
    });
    app["required"] = json!(["versions"]);
    app
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
    let envs: Vec<&str> = Env::ALL.iter().map(|e| e.name()).collect();
    let service = || {
        closed("The ModelMesh serving Service.", vocab::SERVICE, "", |k| match k {
            "host" => json!({"type": "string", "default": "modelmesh-serving.modelmesh-serving.svc.cluster.local"}),
            "port" => json!({"type": "integer", "minimum": 1, "maximum": 65535, "default": 8033}),
            _ => untyped("SERVICE", k),
        })
    };
    let mut r = closed("Values of the Iter8 release chart.", vocab::RELEASE, "", |k| match k {
        "environment" => json!({"type": "string", "enum": envs}),
        "application" => application(),
        "gateway" => gateways(),
        "service" => service(),
        "iter8Version" => json!({"type": "string", "default": "v1.1"}),
        _ => untyped("RELEASE", k),
    });
    r["required"] = json!(["environment", "application"]);
    r["allOf"] = strategies_per_environment();
    r
}

/// Values written for Iter8's routing-actions chart.
fn routing_actions() -> Value {
    let app_version = closed("A version you already run.", vocab::APP_VERSION, "", |k| match k {
        "name" | "namespace" => string(),
        "weight" => weight(),
        "match" => clauses("Match clauses, ORed.", istio_match()),
        _ => untyped("APP_VERSION", k),
    });
    let mut r = closed("Values of the Iter8 routing-actions chart: routing for workloads you already run.", vocab::ROUTING_ACTIONS, "", |k| match k {
        "appType" => json!({"type": "string", "enum": crate::input::routing_actions::APP_TYPES}),
        "appName" | "iter8Version" | "externalGateway" | "modelmeshServingService" => string(),
        "appPort" | "modelmeshServingPort" => port(),
        "action" => json!({"type": "string", "enum": ["initialize", "modify-weights"]}),
        "strategy" => json!({"type": "string", "enum": ["blue-green", "canary", "mirror"]}),
        "appVersions" => json!({"type": "array", "items": app_version.clone()}),
        "mirrorPercentage" => json!({"type": "integer", "minimum": 0, "maximum": 100}),
        _ => untyped("ROUTING_ACTIONS", k),
    });
    r["required"] = json!(["appType", "action"]);
    r
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
    let mut doc = closed(
        "A whole release as one document: name and namespace play the roles of --name and --namespace.",
        vocab::RELEASE_DOCUMENT,
        "",
        |k| match k {
            "apiVersion" => json!({"const": API_VERSION}),
            "kind" => json!({"const": KIND}),
            "metadata" => metadata("the Release"),
            "spec" => json!({"$ref": "#/$defs/values"}),
            _ => untyped("RELEASE_DOCUMENT", k),
        },
    );
    doc["required"] = json!(["apiVersion", "kind", "spec"]);
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
