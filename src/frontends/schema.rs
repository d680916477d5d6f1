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

/// A closed mapping: the listed keys, each with its description, and no others.
fn closed(description: &str, keys: Vec<(&str, &str, Value)>) -> Value {
    let properties: Map<String, Value> =
        keys.into_iter().map(|(k, d, s)| (k.to_string(), described(d, s))).collect();
    json!({"type": "object", "description": description, "properties": properties, "additionalProperties": false})
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
    closed(
        &format!("Metadata of {whose}."),
        vec![
            ("name", "Name (an RFC 1035 label).", string()),
            ("namespace", "Namespace.", string()),
            ("labels", "Labels; values are text (quote numbers and booleans).", string_map()),
            ("annotations", "Annotations; values are text (quote numbers and booleans).", string_map()),
        ],
    )
}

/// `{metadata?, spec}` of an object the user writes in full.
fn specification(kind: &str) -> Value {
    let mut s = closed(
        &format!("The version's {kind}, used instead of the generated one: `metadata` is merged over releasegen's (its name and namespace rename the object, and routing follows), `spec` passes through as written."),
        vec![
            ("metadata", &format!("Metadata merged over the generated {kind}'s."), metadata(&format!("the {kind}"))),
            ("spec", &format!("The {kind}'s spec, as written."), json!({"type": "object"})),
        ],
    );
    s["required"] = json!(["spec"]);
    s
}

fn clauses(description: &str, clause: Value) -> Value {
    json!({"type": "array", "minItems": 1, "description": description, "items": clause})
}

fn istio_match() -> Value {
    let string_match = || json!({"type": "object", "description": "An Istio StringMatch: exact, prefix or regex."});
    let string_matches = || json!({"type": "object", "additionalProperties": {"type": "object"}});
    closed(
        "An Istio HTTPMatchRequest; its conditions are ANDed.",
        vec![
            ("name", "Name of the match, in Istio's logs.", string()),
            ("uri", "The request URI (StringMatch).", string_match()),
            ("scheme", "The URI scheme (StringMatch).", string_match()),
            ("method", "The HTTP method (StringMatch).", string_match()),
            ("authority", "The HTTP authority (StringMatch).", string_match()),
            ("headers", "Header names to StringMatch; names are lowercase.", string_matches()),
            ("port", "The port being addressed.", port()),
            ("sourceLabels", "Labels of the calling workload.", string_map()),
            ("gateways", "Gateways the rule applies to.", json!({"type": "array", "items": {"type": "string"}})),
            ("queryParams", "Query parameters to StringMatch.", string_matches()),
            ("ignoreUriCase", "Match the URI case-insensitively.", json!({"type": "boolean"})),
            ("withoutHeaders", "Headers that must not match (StringMatch).", string_matches()),
            ("sourceNamespace", "Namespace of the calling workload.", string()),
            ("statPrefix", "Prefix of the match's statistics.", string()),
        ],
    )
}

fn gateway_api_match() -> Value {
    let named = || json!({"type": "array", "items": {"type": "object", "required": ["name", "value"]}});
    closed(
        "A Gateway API HTTPRouteMatch; its conditions are ANDed.",
        vec![
            ("path", "The request path: `{type: Exact|PathPrefix|RegularExpression, value}`.", json!({"type": "object"})),
            ("headers", "Header matches: `{name, value, type?}`.", named()),
            ("queryParams", "Query parameter matches: `{name, value, type?}`.", named()),
            ("method", "The HTTP method.", json!({"type": "string", "enum": ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]})),
        ],
    )
}

fn container_ports() -> Value {
    json!({"type": "array", "items": {"type": "object"}})
}

fn version() -> Value {
    closed(
        "A version: item 0 is the primary, the others are candidates.",
        vec![
            ("metadata", "Name (default APP-i), namespace (default the application's), labels and annotations of the version's objects.", metadata("the version's objects")),
            ("weight", "Blue-green: the version's relative share of traffic. Mirror: the percentage of traffic mirrored to a candidate (at most 100). Canary: 0 keeps a candidate out of routing. Default 50.", weight()),
            ("match", "Istio (deployment-istio, kserve, ModelMesh): HTTPMatchRequest clauses, ORed, that send a request to this candidate (its cohort; in blue-green, beside the weighted split, while it is ready). Canary default: header `traffic: test`.", clauses("Match clauses, ORed.", istio_match())),
            ("matches", "Gateway API (deployment-gtw): HTTPRouteMatch clauses, ORed, that send a request to this candidate (its cohort; in blue-green, beside the weighted split, while it is ready). Canary default: header `traffic: test`.", clauses("Match clauses, ORed.", gateway_api_match())),
            ("port", "Deployment environments: the port of the version's container and Service (default application.port).", port()),
            ("image", "Deployment environments: the image of the generated Deployment (required unless deploymentSpecification is given).", string()),
            ("deploymentSpecification", "Deployment environments: the Deployment, used instead of the generated one.", specification("Deployment")),
            ("serviceSpecification", "Deployment environments: the Service, used instead of the generated one; its first port is the version's port.", specification("Service")),
            ("inferenceServiceSpecification", "KServe environments: the InferenceService, used instead of the generated one.", specification("InferenceService")),
            ("modelFormat", "KServe environments: the predictor's model format (default application.modelFormat).", string()),
            ("runtime", "KServe (not ModelMesh): the predictor's serving runtime (default application.runtime).", string()),
            ("protocolVersion", "KServe (not ModelMesh): the predictor's protocol version, such as v2 (default application.protocolVersion).", string()),
            ("ports", "KServe (not ModelMesh): the predictor's container ports (default application.ports).", container_ports()),
            ("storageUri", "KServe environments: where the model is stored; a version's own, with no application default (two versions of a model live in two places).", string()),
        ],
    )
}

fn routing() -> Value {
    let list = || json!({"type": "array", "items": {"type": "string"}, "uniqueItems": true});
    let duration = || json!({"type": "string", "pattern": "^([0-9]{1,5}(h|m|s|ms)){1,4}$"});
    let ops = |side: &str| {
        closed(
            &format!("Changes to {side} headers."),
            vec![
                ("set", "Headers to set (replacing any value), name to value.", json!({"type": "object", "additionalProperties": {"type": "string"}, "maxProperties": 16})),
                ("add", "Headers to add (beside any value), name to value.", json!({"type": "object", "additionalProperties": {"type": "string"}, "maxProperties": 16})),
                ("remove", "Names of headers to remove.", list()),
            ],
        )
    };
    closed(
        "Policy written into every generated rule, as the target API spells it.",
        vec![
            ("timeout", "Request timeout: 10s, 1m30s, 250ms (Istio timeout; Gateway API timeouts.request).", duration()),
            (
                "retries",
                "Istio retries (the Gateway API standard channel has none).",
                closed(
                    "Istio retries.",
                    vec![
                        ("attempts", "Number of retries; 0 turns retries off.", json!({"type": "integer", "minimum": 0, "maximum": i32::MAX})),
                        ("perTryTimeout", "Timeout of each try.", duration()),
                        ("on", "Retry conditions: 5xx, gateway-error, reset, connect-failure, retriable-4xx, … or HTTP status codes.", list()),
                    ],
                ),
            ),
            (
                "cors",
                "CORS policy (Istio corsPolicy; Gateway API CORS filter).",
                closed(
                    "CORS policy.",
                    vec![
                        ("allowOrigins", "Origins: https://example.com, https://*.example.com, or * alone.", list()),
                        ("allowMethods", "Methods, or * alone.", json!({"type": "array", "uniqueItems": true, "items": {"enum": crate::model::policy::CORS_METHODS}})),
                        ("allowHeaders", "Request headers allowed, or * alone.", list()),
                        ("exposeHeaders", "Response headers exposed.", list()),
                        ("maxAge", "How long a preflight result may be cached, in whole seconds: 600s, 24h.", duration()),
                        ("allowCredentials", "Whether credentials are allowed.", json!({"type": "boolean"})),
                    ],
                ),
            ),
            ("requestHeaders", "Changes to request headers: set, add, remove.", ops("request")),
            ("responseHeaders", "Changes to response headers: set, add, remove.", ops("response")),
        ],
    )
}

/// One gateway or a list; each a string or a parentRef. Written without `oneOf` (each keyword
/// applies to its own type), so an error names the entry at fault.
fn gateways() -> Value {
    let entry = || {
        let mut e = closed(
            "A Gateway: `name` or `namespace/name`, or a parentRef.",
            vec![
                ("name", "The Gateway's name.", string()),
                ("namespace", "The Gateway's namespace (default the route's).", string()),
                ("sectionName", "Gateway API: the listener of the Gateway to attach to.", string()),
            ],
        );
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
    let mut app = closed(
        "The application: its versions and how traffic moves between them.",
        vec![
            ("metadata", "Name (default --name), namespace (default --namespace), and labels and annotations for every version's objects.", metadata("the application")),
            ("strategy", "How traffic reaches the candidates: none, blue-green (weighted split), canary (header-matched cohort) or mirror (shadow traffic). Absent or empty: none.", strategy()),
            ("versions", "The versions: item 0 is the primary, the others are candidates.", json!({"type": "array", "minItems": 1, "items": version()})),
            ("port", "Deployment environments: the default port of every version (default 80; null removes the default).", json!({"type": ["integer", "null"], "minimum": 1, "maximum": 65535, "default": 80})),
            ("modelFormat", "KServe environments: the default model format of every version.", string()),
            ("runtime", "KServe (not ModelMesh): the default serving runtime of every version.", string()),
            ("protocolVersion", "KServe (not ModelMesh): the default protocol version of every version.", string()),
            ("ports", "KServe (not ModelMesh): the default container ports of every version.", container_ports()),
            ("routing", "Policy written into every generated rule: timeout, retries (Istio only), CORS, request and response header changes.", routing()),
            ("workloads", "`external`: the versions' workloads are yours (already running); everything else is rendered.", json!({"type": "string", "enum": ["external"]})),
            ("tagRouting", "kserve-serverless: true adds KServe's tag routing (latest- and prev- URLs).", json!({"type": "boolean"})),
        ],
    );
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
    let mut r = closed(
        "Values of the Iter8 release chart.",
        vec![
            ("environment", "Where the release runs and what routes it.", json!({"type": "string", "enum": envs})),
            ("application", "The application and its versions.", application()),
            ("gateway", "The Gateway the routing object attaches to, or a list of them. Istio: `name` or `namespace/name`. Gateway API: a name, or a parentRef `{name, namespace?, sectionName?}`.", gateways()),
            (
                "service",
                "kserve-modelmesh-istio: the ModelMesh serving Service.",
                closed(
                    "The ModelMesh serving Service.",
                    vec![
                        ("host", "Its host.", json!({"type": "string", "default": "modelmesh-serving.modelmesh-serving.svc.cluster.local"})),
                        ("port", "Its port.", json!({"type": "integer", "minimum": 1, "maximum": 65535, "default": 8033})),
                    ],
                ),
            ),
            ("iter8Version", "The routemap's iter8.tools/version label.", json!({"type": "string", "default": "v1.1"})),
        ],
    );
    r["required"] = json!(["environment", "application"]);
    r["allOf"] = strategies_per_environment();
    r
}

/// Values written for Iter8's routing-actions chart.
fn routing_actions() -> Value {
    let app_version = closed(
        "A version you already run.",
        vec![
            ("name", "Its Service (or InferenceService) name; default APPNAME-i.", string()),
            ("namespace", "Its namespace.", string()),
            ("weight", "Blue-green: its relative share. Mirror: the percentage mirrored to it.", weight()),
            ("match", "Canary: Istio HTTPMatchRequest clauses, ORed.", clauses("Match clauses, ORed.", istio_match())),
        ],
    );
    let mut r = closed(
        "Values of the Iter8 routing-actions chart: routing for workloads you already run.",
        vec![
            ("appType", "The kind of application.", json!({"type": "string", "enum": ["deployment", "kserve-modelmesh", "kserve", "kserve-0.11", "kserve-0.10"]})),
            ("appName", "The application name; versions default to APPNAME-0, APPNAME-1.", string()),
            ("appPort", "The port of the application's Services.", port()),
            ("action", "initialize renders the routing; modify-weights only the new weights.", json!({"type": "string", "enum": ["initialize", "modify-weights"]})),
            ("strategy", "How traffic reaches the candidates.", json!({"type": "string", "enum": ["blue-green", "canary", "mirror"]})),
            ("appVersions", "The versions: item 0 is the primary.", json!({"type": "array", "items": app_version})),
            ("iter8Version", "The routemap's iter8.tools/version label.", string()),
            ("externalGateway", "The Istio Gateway the routing object attaches to.", string()),
            ("mirrorPercentage", "Mirror: the percentage of traffic mirrored to each candidate without a weight.", json!({"type": "integer", "minimum": 0, "maximum": 100})),
            ("modelmeshServingService", "kserve-modelmesh: the ModelMesh serving Service (accepted, not used).", string()),
            ("modelmeshServingPort", "kserve-modelmesh: the ModelMesh serving port.", port()),
        ],
    );
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
        vec![
            ("apiVersion", "The Release document's API version.", json!({"const": API_VERSION})),
            ("kind", "Always Release.", json!({"const": KIND})),
            ("metadata", "The release name and namespace.", metadata("the Release")),
            ("spec", "The release values.", json!({"$ref": "#/$defs/values"})),
        ],
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
