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
    /// What its value is: the schema is built from it.
    pub ty: Ty,
    /// What it means and where it applies; `{kind}` stands for the object's kind where one
    /// table serves several kinds.
    pub doc: &'static str,
}

/// What a key's value is, as far as its own key can say: the shape the JSON Schema gives it.
/// Rules that relate keys (an image unless a deploymentSpecification is given, fields another
/// environment ignores) are validation's, with path-qualified messages.
///
/// Small on purpose (no slices or strings inside, four bytes): the tables are static data that
/// every run of the command relocates at start, `releasegen version` included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Text,
    /// One of a fixed set of words.
    Words(Words),
    Bool,
    Port,
    PortOr(u16),
    /// A port, or null to remove the default given.
    PortOrNull(u16),
    /// `iter8Version`: text, default `DEFAULT_ITER8_VERSION`.
    Iter8Version,
    /// The ModelMesh serving Service's host: text, default `DEFAULT_MODELMESH_HOST`.
    ModelMeshHost,
    /// A version's weight (0 to `MAX_WEIGHT`).
    Weight,
    /// 0 to 100.
    Percent,
    /// A count, 0 to i32's largest.
    Count,
    /// A mapping of text to text (labels, annotations).
    TextMap,
    /// Header name to value, at most 16 of them.
    HeaderValues,
    Texts,
    /// A list of text without repeats.
    UniqueTexts,
    /// A duration (`duration_pattern`).
    Duration,
    /// A cookie name (`cookie_name_pattern`).
    CookieName,
    /// A mapping passed through as written.
    Object,
    /// A list of container ports, passed through as written.
    ContainerPorts,
    /// A closed mapping: one of the nested tables.
    Mapping(Mapping),
    /// `{metadata?, spec}` of an object the user writes in full.
    Specification(Spec),
    /// The environments releasegen renders.
    Environment,
    /// The strategies; absent, empty or null is none.
    Strategy,
    /// One gateway or a list, each a string or a parentRef (`GATEWAY`).
    Gateways,
    /// `application.versions`: a list of `VERSION`.
    Versions,
    /// The routing-actions chart's `appVersions`: a list of `APP_VERSION`.
    AppVersions,
    /// Istio match clauses (`ISTIO_MATCH`), ORed.
    IstioClauses,
    /// Gateway API match clauses (`GATEWAY_API_MATCH`), ORed.
    GatewayApiClauses,
    /// An Istio StringMatch (`STRING_MATCH`), and a mapping of names to them.
    StringMatch,
    StringMatches,
    /// Gateway API header or query parameter matches: `{name, value, type?}`.
    NamedMatches,
    /// An HTTP method, or with `protocol: grpc` a gRPC method `{service, method, type?}`.
    MethodOrGrpc,
    /// `HTTP_METHODS` or `*`.
    CorsMethods,
    /// The Release document's own apiVersion and kind.
    ApiVersion,
    Kind,
    /// The values (under a Release document's `spec`).
    Values,
}

/// The nested closed mappings a key can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mapping {
    Application,
    Service,
    Metadata,
    SessionAffinity,
    Routing,
    Retries,
    Cors,
    HeaderChanges,
    InferencePool,
    EndpointPicker,
}

impl Mapping {
    pub fn keys(self) -> &'static [Key] {
        match self {
            Mapping::Application => APPLICATION,
            Mapping::Service => SERVICE,
            Mapping::Metadata => METADATA,
            Mapping::SessionAffinity => SESSION_AFFINITY,
            Mapping::Routing => ROUTING,
            Mapping::Retries => RETRIES,
            Mapping::Cors => CORS,
            Mapping::HeaderChanges => HEADER_CHANGES,
            Mapping::InferencePool => INFERENCE_POOL,
            Mapping::EndpointPicker => ENDPOINT_PICKER,
        }
    }

    /// The keys it must hold.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            Mapping::Application => &["versions"],
            Mapping::SessionAffinity => &["cookie", "maxAge"],
            _ => &[],
        }
    }
}

/// The fixed sets of words a key can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Words {
    Workloads,
    Protocol,
    AppType,
    Action,
    ChartStrategy,
    Backend,
    FailureMode,
    AppProtocol,
}

impl Words {
    pub fn choices(self) -> &'static [&'static str] {
        match self {
            Words::Workloads => &["external"],
            Words::Protocol => &["http", "grpc"],
            Words::AppType => APP_TYPES,
            Words::Action => &["initialize", "modify-weights"],
            Words::ChartStrategy => &["blue-green", "canary", "mirror"],
            Words::Backend => &["service", "inferencepool"],
            Words::FailureMode => &["FailClose", "FailOpen"],
            Words::AppProtocol => &["http", "kubernetes.io/h2c"],
        }
    }

    /// The word releasegen takes when the key is absent, where the schema says one.
    pub fn default(self) -> Option<&'static str> {
        match self {
            Words::Protocol => Some("http"),
            Words::Backend => Some("service"),
            _ => None,
        }
    }
}

/// The objects a version's specification can be written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spec {
    Deployment,
    Service,
    InferenceService,
}

impl Spec {
    pub fn kind(self) -> &'static str {
        match self {
            Spec::Deployment => "Deployment",
            Spec::Service => "Service",
            Spec::InferenceService => "InferenceService",
        }
    }
}

/// Defaults releasegen uses when a key is absent, which the schema also says.
pub const DEFAULT_ITER8_VERSION: &str = "v1.1";
pub const DEFAULT_MODELMESH_HOST: &str = "modelmesh-serving.modelmesh-serving.svc.cluster.local";
pub const DEFAULT_MODELMESH_PORT: u16 = 8033;
pub const DEFAULT_PORT: u16 = 80;

const fn key(name: &'static str, ty: Ty, doc: &'static str) -> Key {
    Key { name, ty, doc }
}

/// The HTTP methods the Gateway API names (its HTTPMethod enum), which a match clause and a
/// CORS policy take; the one list of them.
pub const HTTP_METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];

/// The routing-actions chart's `appType`s, in the order its error message names them.
pub const APP_TYPES: &[&str] = &["deployment", "kserve-modelmesh", "kserve", "kserve-0.11", "kserve-0.10"];

/// Whether `name` is one of `keys`.
pub fn has(keys: &[Key], name: &str) -> bool {
    keys.iter().any(|k| k.name == name)
}


/// The top level of release values.
pub static RELEASE: &[Key] = &[
    key("environment", Ty::Environment, "Where the release runs and what routes it."),
    key("application", Ty::Mapping(Mapping::Application), "The application and its versions."),
    key("gateway", Ty::Gateways, "The Gateway the routing object attaches to, or a list of them. Istio: `name` or `namespace/name`. Gateway API: a name, or a parentRef `{name, namespace?, sectionName?}`."),
    key("service", Ty::Mapping(Mapping::Service), "kserve-modelmesh-istio: the ModelMesh serving Service."),
    key("iter8Version", Ty::Iter8Version, "The routemap's iter8.tools/version label."),
];

/// `service`: the ModelMesh serving Service.
pub static SERVICE: &[Key] = &[
    key("host", Ty::ModelMeshHost, "Its host."),
    key("port", Ty::PortOr(DEFAULT_MODELMESH_PORT), "Its port."),
];

/// A gateway given as a mapping (a Gateway API parentRef).
pub static GATEWAY: &[Key] = &[
    key("name", Ty::Text, "The Gateway's name."),
    key("namespace", Ty::Text, "The Gateway's namespace (default the route's)."),
    key("sectionName", Ty::Text, "Gateway API: the listener of the Gateway to attach to."),
];

/// `application`.
pub static APPLICATION: &[Key] = &[
    key("metadata", Ty::Mapping(Mapping::Metadata), "Name (default --name), namespace (default --namespace), and labels and annotations for every version's objects."),
    key("strategy", Ty::Strategy, "How traffic reaches the candidates: none, blue-green (weighted split), canary (header-matched cohort) or mirror (shadow traffic). Absent or empty: none."),
    key("versions", Ty::Versions, "The versions: item 0 is the primary, the others are candidates."),
    key("port", Ty::PortOrNull(DEFAULT_PORT), "Deployment environments: the default port of every version (default 80; null removes the default)."),
    key("modelFormat", Ty::Text, "KServe environments: the default model format of every version."),
    key("runtime", Ty::Text, "KServe (not ModelMesh): the default serving runtime of every version."),
    key("protocolVersion", Ty::Text, "KServe (not ModelMesh): the default protocol version of every version."),
    key("ports", Ty::ContainerPorts, "KServe (not ModelMesh): the default container ports of every version."),
    key("routing", Ty::Mapping(Mapping::Routing), "Policy written into every generated rule: timeout, retries (Istio only), CORS, request and response header changes."),
    key("workloads", Ty::Words(Words::Workloads), "`external`: the versions' workloads are yours (already running); everything else is rendered."),
    key("tagRouting", Ty::Bool, "kserve-serverless: true adds KServe's tag routing (latest- and prev- URLs)."),
    key("protocol", Ty::Words(Words::Protocol), "deployment-gtw: `grpc` routes with a Gateway API GRPCRoute, `http` (the default) with an HTTPRoute. On Istio, gRPC is HTTP/2 and routes as it is."),
    key("backend", Ty::Words(Words::Backend), "deployment-gtw: what the route's backendRefs name: `service` (the default), each version's Service; or `inferencepool`, an InferencePool per version (Gateway API Inference Extension), selecting the version's pods and picked among by its endpoint picker."),
    key("inferencePool", Ty::Mapping(Mapping::InferencePool), "With `backend: inferencepool`: what every version's InferencePool takes unless the version says otherwise."),
    key("route", Ty::Object, "deployment-istio and deployment-gtw: your own routing object's spec, in its API's spelling (Gateway API `hostnames`, `parentRefs`, `rules`; Istio `hosts`, `gateways`, `http`, `exportTo`), written as it is into every readiness state. One rule carries `release: true`: there the release writes its traffic (its backends with each state's weights, and its cohort and affinity rules just before, confined to that rule's matches and carrying its filters)."),
    key("sessionAffinity", Ty::Mapping(Mapping::SessionAffinity), "deployment-istio and deployment-gtw, blue-green and canary: `{cookie, maxAge}`. Each version's responses set the cookie to its name; a request carrying it goes to that version while it is ready, and the weights decide only for requests without one."),
];

/// `inferencePool` of the application or a version.
pub static INFERENCE_POOL: &[Key] = &[
    key("appProtocol", Ty::Words(Words::AppProtocol), "The protocol the model servers speak on the pool's target port: http (HTTP/1.1, the API's default) or kubernetes.io/h2c (HTTP/2 over cleartext)."),
    key("endpointPicker", Ty::Mapping(Mapping::EndpointPicker), "The endpoint picker (EPP) the pool's endpointPickerRef names: `{name, port, failureMode?}`. One picker serves one pool (it is started with the pool's name), so each version names its own."),
];

/// `inferencePool.endpointPicker`.
pub static ENDPOINT_PICKER: &[Key] = &[
    key("name", Ty::Text, "The picker's Service, in the pool's namespace. Required for every version."),
    key("port", Ty::Port, "The picker's port on that Service (its gRPC ext-proc port). Required for every version."),
    key("failureMode", Ty::Words(Words::FailureMode), "What the gateway does while the picker does not answer: FailClose (refuse the request; the API's default) or FailOpen (send it to any of the pool's pods)."),
];

/// `application.sessionAffinity`.
pub static SESSION_AFFINITY: &[Key] = &[
    key("cookie", Ty::CookieName, "Name of the cookie that records a user's version (not __Secure- or __Host-: the cookie is not Secure)."),
    key("maxAge", Ty::Duration, "How long a browser keeps the cookie, in whole seconds: 3600s, 24h, 720h (at most 400 days). Required."),
];

/// The metadata of the application, a version, a specification or a Release document.
pub static METADATA: &[Key] = &[
    key("name", Ty::Text, "Name (an RFC 1035 label)."),
    key("namespace", Ty::Text, "Namespace."),
    key("labels", Ty::TextMap, "Labels; values are text (quote numbers and booleans)."),
    key("annotations", Ty::TextMap, "Annotations; values are text (quote numbers and booleans)."),
];

/// An item of `application.versions`.
pub static VERSION: &[Key] = &[
    key("metadata", Ty::Mapping(Mapping::Metadata), "Name (default APP-i), namespace (default the application's), labels and annotations of the version's objects."),
    key("weight", Ty::Weight, "Blue-green: the version's relative share of traffic. Mirror: the percentage of traffic mirrored to a candidate (at most 100). Canary: 0 keeps a candidate out of routing. Default 50."),
    key("match", Ty::IstioClauses, "Istio (deployment-istio, kserve, ModelMesh): HTTPMatchRequest clauses, ORed, that send a request to this candidate (its cohort; in blue-green, beside the weighted split, while it is ready). Canary default: header `traffic: test`."),
    key("matches", Ty::GatewayApiClauses, "Gateway API (deployment-gtw): HTTPRouteMatch clauses, ORed, that send a request to this candidate (its cohort; in blue-green, beside the weighted split, while it is ready). Canary default: header `traffic: test`."),
    key("port", Ty::Port, "Deployment environments: the port of the version's container and Service (default application.port)."),
    key("image", Ty::Text, "Deployment environments: the image of the generated Deployment (required unless deploymentSpecification is given)."),
    key("deploymentSpecification", Ty::Specification(Spec::Deployment), "Deployment environments: the Deployment, used instead of the generated one."),
    key("serviceSpecification", Ty::Specification(Spec::Service), "Deployment environments: the Service, used instead of the generated one; its first port is the version's port."),
    key("inferenceServiceSpecification", Ty::Specification(Spec::InferenceService), "KServe environments: the InferenceService, used instead of the generated one."),
    key("modelFormat", Ty::Text, "KServe environments: the predictor's model format (default application.modelFormat)."),
    key("runtime", Ty::Text, "KServe (not ModelMesh): the predictor's serving runtime (default application.runtime)."),
    key("protocolVersion", Ty::Text, "KServe (not ModelMesh): the predictor's protocol version, such as v2 (default application.protocolVersion)."),
    key("ports", Ty::ContainerPorts, "KServe (not ModelMesh): the predictor's container ports (default application.ports)."),
    key("storageUri", Ty::Text, "KServe environments: where the model is stored; a version's own, with no application default (two versions of a model live in two places)."),
    key("inferencePool", Ty::Mapping(Mapping::InferencePool), "With `backend: inferencepool`: the version's InferencePool, over the application's `inferencePool`."),
];

/// The keys of a version that describe its workload: every key of `VERSION` from `image` on.
pub static WORKLOAD: &[Key] = VERSION.split_at(5).1;

/// An Istio HTTPMatchRequest (`match` clauses).
pub static ISTIO_MATCH: &[Key] = &[
    key("name", Ty::Text, "Name of the match, in Istio's logs."),
    key("uri", Ty::StringMatch, "The request URI (StringMatch)."),
    key("scheme", Ty::StringMatch, "The URI scheme (StringMatch)."),
    key("method", Ty::StringMatch, "The HTTP method (StringMatch)."),
    key("authority", Ty::StringMatch, "The HTTP authority (StringMatch)."),
    key("headers", Ty::StringMatches, "Header names to StringMatch; names are lowercase."),
    key("port", Ty::Port, "The port being addressed."),
    key("sourceLabels", Ty::TextMap, "Labels of the calling workload."),
    key("gateways", Ty::Texts, "Gateways the rule applies to."),
    key("queryParams", Ty::StringMatches, "Query parameters to StringMatch."),
    key("ignoreUriCase", Ty::Bool, "Match the URI case-insensitively."),
    key("withoutHeaders", Ty::StringMatches, "Headers that must not match (StringMatch)."),
    key("sourceNamespace", Ty::Text, "Namespace of the calling workload."),
    key("statPrefix", Ty::Text, "Prefix of the match's statistics."),
];

/// An Istio StringMatch (`uri`, `headers.NAME`, …): one of these.
pub static STRING_MATCH: &[Key] = &[
    key("exact", Ty::Text, "The value, exactly."),
    key("prefix", Ty::Text, "The value starts with this (not empty, but on `uri`)."),
    key("regex", Ty::Text, "An RE2 regular expression the whole value matches (at most 1024 bytes)."),
];

/// A Gateway API HTTPRouteMatch (`matches` clauses).
pub static GATEWAY_API_MATCH: &[Key] = &[
    key("path", Ty::Object, "The request path: `{type: Exact|PathPrefix|RegularExpression, value}`."),
    key("headers", Ty::NamedMatches, "Header matches: `{name, value, type?}`."),
    key("queryParams", Ty::NamedMatches, "Query parameter matches: `{name, value, type?}`."),
    key("method", Ty::MethodOrGrpc, "The HTTP method; with `protocol: grpc`, the gRPC method `{service, method, type?}`."),
];

/// A Gateway API GRPCRouteMatch (`matches` clauses with `protocol: grpc`).
pub static GRPC_MATCH: &[Key] = &[
    key("method", Ty::MethodOrGrpc, "The gRPC method: `{service, method, type?}` (type Exact or RegularExpression)."),
    key("headers", Ty::NamedMatches, "Header matches: `{name, value, type?}`."),
];

/// `application.routing`: the policy written into every generated rule.
pub static ROUTING: &[Key] = &[
    key("timeout", Ty::Duration, "Request timeout: 10s, 1m30s, 250ms (Istio timeout; Gateway API timeouts.request)."),
    key("retries", Ty::Mapping(Mapping::Retries), "Istio retries (the Gateway API standard channel has none)."),
    key("cors", Ty::Mapping(Mapping::Cors), "CORS policy (Istio corsPolicy; Gateway API CORS filter)."),
    key("requestHeaders", Ty::Mapping(Mapping::HeaderChanges), "Changes to request headers: set, add, remove."),
    key("responseHeaders", Ty::Mapping(Mapping::HeaderChanges), "Changes to response headers: set, add, remove."),
];

/// `application.routing.retries`.
pub static RETRIES: &[Key] = &[
    key("attempts", Ty::Count, "Number of retries; 0 turns retries off."),
    key("perTryTimeout", Ty::Duration, "Timeout of each try."),
    key("on", Ty::UniqueTexts, "Retry conditions: 5xx, gateway-error, reset, connect-failure, retriable-4xx, … or HTTP status codes."),
];

/// `application.routing.cors`.
pub static CORS: &[Key] = &[
    key("allowOrigins", Ty::UniqueTexts, "Origins: https://example.com, https://*.example.com, or * alone."),
    key("allowMethods", Ty::CorsMethods, "Methods, or * alone."),
    key("allowHeaders", Ty::UniqueTexts, "Request headers allowed, or * alone."),
    key("exposeHeaders", Ty::UniqueTexts, "Response headers exposed."),
    key("maxAge", Ty::Duration, "How long a preflight result may be cached, in whole seconds: 600s, 24h."),
    key("allowCredentials", Ty::Bool, "Whether credentials are allowed."),
];

/// `application.routing.requestHeaders` and `responseHeaders`.
pub static HEADER_CHANGES: &[Key] = &[
    key("set", Ty::HeaderValues, "Headers to set (replacing any value), name to value."),
    key("add", Ty::HeaderValues, "Headers to add (beside any value), name to value."),
    key("remove", Ty::UniqueTexts, "Names of headers to remove."),
];

/// The top level of the routing-actions chart's values.
pub static ROUTING_ACTIONS: &[Key] = &[
    key("appType", Ty::Words(Words::AppType), "The kind of application."),
    key("appName", Ty::Text, "The application name; versions default to APPNAME-0, APPNAME-1."),
    key("appPort", Ty::Port, "The port of the application's Services."),
    key("action", Ty::Words(Words::Action), "initialize renders the routing; modify-weights only the new weights."),
    key("strategy", Ty::Words(Words::ChartStrategy), "How traffic reaches the candidates."),
    key("appVersions", Ty::AppVersions, "The versions: item 0 is the primary."),
    key("iter8Version", Ty::Text, "The routemap's iter8.tools/version label."),
    key("externalGateway", Ty::Text, "The Istio Gateway the routing object attaches to."),
    key("mirrorPercentage", Ty::Percent, "Mirror: the percentage of traffic mirrored to each candidate without a weight."),
    key("modelmeshServingService", Ty::Text, "kserve-modelmesh: the ModelMesh serving Service (accepted, not used)."),
    key("modelmeshServingPort", Ty::Port, "kserve-modelmesh: the ModelMesh serving port."),
];

/// An item of the routing-actions chart's `appVersions`.
pub static APP_VERSION: &[Key] = &[
    key("name", Ty::Text, "Its Service (or InferenceService) name; default APPNAME-i."),
    key("namespace", Ty::Text, "Its namespace."),
    key("weight", Ty::Weight, "Blue-green: its relative share. Mirror: the percentage mirrored to it."),
    key("match", Ty::IstioClauses, "Canary: Istio HTTPMatchRequest clauses, ORed."),
];

/// The top level of a Release document.
pub static RELEASE_DOCUMENT: &[Key] = &[
    key("apiVersion", Ty::ApiVersion, "The Release document's API version."),
    key("kind", Ty::Kind, "Always Release."),
    key("metadata", Ty::Mapping(Mapping::Metadata), "The release name and namespace."),
    key("spec", Ty::Values, "The release values."),
];

/// `{metadata?, spec}` of an object the user writes in full (a Deployment, Service or
/// InferenceService specification).
pub static SPECIFICATION: &[Key] = &[
    key("metadata", Ty::Mapping(Mapping::Metadata), "Metadata merged over the generated {kind}'s."),
    key("spec", Ty::Object, "The {kind}'s spec, as written."),
];
