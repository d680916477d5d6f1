//! The vocabulary of the values: every key releasegen reads, mapping by mapping, each with the
//! description editors, Helm and the values reference show. One table: validation's
//! unknown-key check (with its did-you-mean hints), the JSON Schema of `releasegen schema` and
//! the generated values reference (docs/reference/values.md) all read it, so they cannot drift.
//!
//! Order matters: it is the order of the schema's properties and of the reference.

/// A key of a mapping of the values.
#[derive(Clone, Copy, Debug)]
pub struct Key {
    pub name: &'static str,
    /// What it means and where it applies; `{kind}` stands for the object's kind where one
    /// table serves several kinds.
    pub doc: &'static str,
}

const fn key(name: &'static str, doc: &'static str) -> Key {
    Key { name, doc }
}

/// Whether `name` is one of `keys`.
pub fn has(keys: &[Key], name: &str) -> bool {
    keys.iter().any(|k| k.name == name)
}


/// The top level of release values.
pub const RELEASE: &[Key] = &[
    key("environment", "Where the release runs and what routes it."),
    key("application", "The application and its versions."),
    key("gateway", "The Gateway the routing object attaches to, or a list of them. Istio: `name` or `namespace/name`. Gateway API: a name, or a parentRef `{name, namespace?, sectionName?}`."),
    key("service", "kserve-modelmesh-istio: the ModelMesh serving Service."),
    key("iter8Version", "The routemap's iter8.tools/version label."),
];

/// `service`: the ModelMesh serving Service.
pub const SERVICE: &[Key] = &[
    key("host", "Its host."),
    key("port", "Its port."),
];

/// A gateway given as a mapping (a Gateway API parentRef).
pub const GATEWAY: &[Key] = &[
    key("name", "The Gateway's name."),
    key("namespace", "The Gateway's namespace (default the route's)."),
    key("sectionName", "Gateway API: the listener of the Gateway to attach to."),
];

/// `application`.
pub const APPLICATION: &[Key] = &[
    key("metadata", "Name (default --name), namespace (default --namespace), and labels and annotations for every version's objects."),
    key("strategy", "How traffic reaches the candidates: none, blue-green (weighted split), canary (header-matched cohort) or mirror (shadow traffic). Absent or empty: none."),
    key("versions", "The versions: item 0 is the primary, the others are candidates."),
    key("port", "Deployment environments: the default port of every version (default 80; null removes the default)."),
    key("modelFormat", "KServe environments: the default model format of every version."),
    key("runtime", "KServe (not ModelMesh): the default serving runtime of every version."),
    key("protocolVersion", "KServe (not ModelMesh): the default protocol version of every version."),
    key("ports", "KServe (not ModelMesh): the default container ports of every version."),
    key("routing", "Policy written into every generated rule: timeout, retries (Istio only), CORS, request and response header changes."),
    key("workloads", "`external`: the versions' workloads are yours (already running); everything else is rendered."),
    key("tagRouting", "kserve-serverless: true adds KServe's tag routing (latest- and prev- URLs)."),
    key("protocol", "deployment-gtw: `grpc` routes with a Gateway API GRPCRoute, `http` (the default) with an HTTPRoute. On Istio, gRPC is HTTP/2 and routes as it is."),
    key("sessionAffinity", "deployment-istio and deployment-gtw, blue-green and canary: `{cookie, maxAge}`. Each version's responses set the cookie to its name; a request carrying it goes to that version while it is ready, and the weights decide only for requests without one."),
];

/// `application.sessionAffinity`.
pub const SESSION_AFFINITY: &[Key] = &[
    key("cookie", "Name of the cookie that records a user's version (not __Secure- or __Host-: the cookie is not Secure)."),
    key("maxAge", "How long a browser keeps the cookie, in whole seconds: 3600s, 24h, 720h (at most 400 days). Required."),
];

/// The metadata of the application, a version, a specification or a Release document.
pub const METADATA: &[Key] = &[
    key("name", "Name (an RFC 1035 label)."),
    key("namespace", "Namespace."),
    key("labels", "Labels; values are text (quote numbers and booleans)."),
    key("annotations", "Annotations; values are text (quote numbers and booleans)."),
];

/// An item of `application.versions`.
pub const VERSION: &[Key] = &[
    key("metadata", "Name (default APP-i), namespace (default the application's), labels and annotations of the version's objects."),
    key("weight", "Blue-green: the version's relative share of traffic. Mirror: the percentage of traffic mirrored to a candidate (at most 100). Canary: 0 keeps a candidate out of routing. Default 50."),
    key("match", "Istio (deployment-istio, kserve, ModelMesh): HTTPMatchRequest clauses, ORed, that send a request to this candidate (its cohort; in blue-green, beside the weighted split, while it is ready). Canary default: header `traffic: test`."),
    key("matches", "Gateway API (deployment-gtw): HTTPRouteMatch clauses, ORed, that send a request to this candidate (its cohort; in blue-green, beside the weighted split, while it is ready). Canary default: header `traffic: test`."),
    key("port", "Deployment environments: the port of the version's container and Service (default application.port)."),
    key("image", "Deployment environments: the image of the generated Deployment (required unless deploymentSpecification is given)."),
    key("deploymentSpecification", "Deployment environments: the Deployment, used instead of the generated one."),
    key("serviceSpecification", "Deployment environments: the Service, used instead of the generated one; its first port is the version's port."),
    key("inferenceServiceSpecification", "KServe environments: the InferenceService, used instead of the generated one."),
    key("modelFormat", "KServe environments: the predictor's model format (default application.modelFormat)."),
    key("runtime", "KServe (not ModelMesh): the predictor's serving runtime (default application.runtime)."),
    key("protocolVersion", "KServe (not ModelMesh): the predictor's protocol version, such as v2 (default application.protocolVersion)."),
    key("ports", "KServe (not ModelMesh): the predictor's container ports (default application.ports)."),
    key("storageUri", "KServe environments: where the model is stored; a version's own, with no application default (two versions of a model live in two places)."),
];

/// The keys of a version that describe its workload: every key of `VERSION` from `image` on.
pub const WORKLOAD: &[Key] = VERSION.split_at(5).1;

/// An Istio HTTPMatchRequest (`match` clauses).
pub const ISTIO_MATCH: &[Key] = &[
    key("name", "Name of the match, in Istio's logs."),
    key("uri", "The request URI (StringMatch)."),
    key("scheme", "The URI scheme (StringMatch)."),
    key("method", "The HTTP method (StringMatch)."),
    key("authority", "The HTTP authority (StringMatch)."),
    key("headers", "Header names to StringMatch; names are lowercase."),
    key("port", "The port being addressed."),
    key("sourceLabels", "Labels of the calling workload."),
    key("gateways", "Gateways the rule applies to."),
    key("queryParams", "Query parameters to StringMatch."),
    key("ignoreUriCase", "Match the URI case-insensitively."),
    key("withoutHeaders", "Headers that must not match (StringMatch)."),
    key("sourceNamespace", "Namespace of the calling workload."),
    key("statPrefix", "Prefix of the match's statistics."),
];

/// An Istio StringMatch (`uri`, `headers.NAME`, …): one of these.
pub const STRING_MATCH: &[Key] = &[
    key("exact", "The value, exactly."),
    key("prefix", "The value starts with this (not empty, but on `uri`)."),
    key("regex", "An RE2 regular expression the whole value matches (at most 1024 bytes)."),
];

/// A Gateway API HTTPRouteMatch (`matches` clauses).
pub const GATEWAY_API_MATCH: &[Key] = &[
    key("path", "The request path: `{type: Exact|PathPrefix|RegularExpression, value}`."),
    key("headers", "Header matches: `{name, value, type?}`."),
    key("queryParams", "Query parameter matches: `{name, value, type?}`."),
    key("method", "The HTTP method; with `protocol: grpc`, the gRPC method `{service, method, type?}`."),
];

/// A Gateway API GRPCRouteMatch (`matches` clauses with `protocol: grpc`).
pub const GRPC_MATCH: &[Key] = &[
    key("method", "The gRPC method: `{service, method, type?}` (type Exact or RegularExpression)."),
    key("headers", "Header matches: `{name, value, type?}`."),
];

/// `application.routing`: the policy written into every generated rule.
pub const ROUTING: &[Key] = &[
    key("timeout", "Request timeout: 10s, 1m30s, 250ms (Istio timeout; Gateway API timeouts.request)."),
    key("retries", "Istio retries (the Gateway API standard channel has none)."),
    key("cors", "CORS policy (Istio corsPolicy; Gateway API CORS filter)."),
    key("requestHeaders", "Changes to request headers: set, add, remove."),
    key("responseHeaders", "Changes to response headers: set, add, remove."),
];

/// `application.routing.retries`.
pub const RETRIES: &[Key] = &[
    key("attempts", "Number of retries; 0 turns retries off."),
    key("perTryTimeout", "Timeout of each try."),
    key("on", "Retry conditions: 5xx, gateway-error, reset, connect-failure, retriable-4xx, … or HTTP status codes."),
];

/// `application.routing.cors`.
pub const CORS: &[Key] = &[
    key("allowOrigins", "Origins: https://example.com, https://*.example.com, or * alone."),
    key("allowMethods", "Methods, or * alone."),
    key("allowHeaders", "Request headers allowed, or * alone."),
    key("exposeHeaders", "Response headers exposed."),
    key("maxAge", "How long a preflight result may be cached, in whole seconds: 600s, 24h."),
    key("allowCredentials", "Whether credentials are allowed."),
];

/// `application.routing.requestHeaders` and `responseHeaders`.
pub const HEADER_CHANGES: &[Key] = &[
    key("set", "Headers to set (replacing any value), name to value."),
    key("add", "Headers to add (beside any value), name to value."),
    key("remove", "Names of headers to remove."),
];

/// The top level of the routing-actions chart's values.
pub const ROUTING_ACTIONS: &[Key] = &[
    key("appType", "The kind of application."),
    key("appName", "The application name; versions default to APPNAME-0, APPNAME-1."),
    key("appPort", "The port of the application's Services."),
    key("action", "initialize renders the routing; modify-weights only the new weights."),
    key("strategy", "How traffic reaches the candidates."),
    key("appVersions", "The versions: item 0 is the primary."),
    key("iter8Version", "The routemap's iter8.tools/version label."),
    key("externalGateway", "The Istio Gateway the routing object attaches to."),
    key("mirrorPercentage", "Mirror: the percentage of traffic mirrored to each candidate without a weight."),
    key("modelmeshServingService", "kserve-modelmesh: the ModelMesh serving Service (accepted, not used)."),
    key("modelmeshServingPort", "kserve-modelmesh: the ModelMesh serving port."),
];

/// An item of the routing-actions chart's `appVersions`.
pub const APP_VERSION: &[Key] = &[
    key("name", "Its Service (or InferenceService) name; default APPNAME-i."),
    key("namespace", "Its namespace."),
    key("weight", "Blue-green: its relative share. Mirror: the percentage mirrored to it."),
    key("match", "Canary: Istio HTTPMatchRequest clauses, ORed."),
];

/// The top level of a Release document.
pub const RELEASE_DOCUMENT: &[Key] = &[
    key("apiVersion", "The Release document's API version."),
    key("kind", "Always Release."),
    key("metadata", "The release name and namespace."),
    key("spec", "The release values."),
];

/// `{metadata?, spec}` of an object the user writes in full (a Deployment, Service or
/// InferenceService specification).
pub const SPECIFICATION: &[Key] = &[
    key("metadata", "Metadata merged over the generated {kind}'s."),
    key("spec", "The {kind}'s spec, as written."),
];
