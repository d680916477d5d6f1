//! The release model: what stage 2 (`validate`) decides and every later stage reads. A
//! `Release` is validated and normalized — names, namespaces, ports, weights, labels, matches
//! and workload sources already follow the chart's precedence — so nothing after validation
//! looks at the raw values again.

pub mod names;
pub mod policy;
pub mod re2;
pub mod route;
pub mod validate;

use indexmap::IndexMap;
use serde_json::{Map, Value};

/// Label of every object `render` emits but the live routing object: `kubectl apply --prune -l
/// releasegen.dev/release=APP` then applies the release and prunes only its own objects.
pub const RELEASE_LABEL: &str = "releasegen.dev/release";
/// Label of the live routing object (template result, `ready-*`, `--ready`, `route`) instead,
/// so a prune of the release never removes the route traffic is flowing through.
pub const ROUTING_LABEL: &str = "releasegen.dev/routing";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Env {
    Deployment,
    DeploymentIstio,
    DeploymentGtw,
    Kserve,
    Kserve011,
    Kserve010,
    ModelMesh,
    /// KServe's own canary (Knative mode): one InferenceService, `canaryTrafficPercent`.
    KserveServerless,
    /// KServe 0.20+ Standard mode: one InferenceService with `spec.canary[]`.
    KserveStandard,
}

impl Env {
    pub const ALL: [Env; 9] = [
        Env::Deployment,
        Env::DeploymentIstio,
        Env::DeploymentGtw,
        Env::Kserve,
        Env::Kserve011,
        Env::Kserve010,
        Env::ModelMesh,
        Env::KserveServerless,
        Env::KserveStandard,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Env::Deployment => "deployment",
            Env::DeploymentIstio => "deployment-istio",
            Env::DeploymentGtw => "deployment-gtw",
            Env::Kserve => "kserve",
            Env::Kserve011 => "kserve-0.11",
            Env::Kserve010 => "kserve-0.10",
            Env::ModelMesh => "kserve-modelmesh-istio",
            Env::KserveServerless => "kserve-serverless",
            Env::KserveStandard => "kserve-standard",
        }
    }

    pub fn strategies(self) -> &'static [Strategy] {
        use Strategy::*;
        match self {
            Env::Deployment => &[None],
            Env::DeploymentIstio | Env::DeploymentGtw => &[None, BlueGreen, Canary, Mirror],
            Env::KserveServerless => &[None, Canary],
            _ => &[None, BlueGreen, Canary],
        }
    }

    /// Whether a release with this strategy has a routing object (VirtualService or
    /// HTTPRoute): not for strategy none, nor where nothing routes or KServe routes itself.
    pub fn routes(self, strategy: Strategy) -> bool {
        strategy != Strategy::None && self != Env::Deployment && !self.kserve_native()
    }

    /// The largest weight the routing object's API takes: a Gateway API backendRef's weight is
    /// at most 1000000 (the CRD's maximum), an Istio destination's is an int32.
    pub fn max_weight(self) -> u32 {
        if self == Env::DeploymentGtw { MAX_GTW_WEIGHT } else { MAX_WEIGHT as u32 }
    }

    /// Versions run as Deployment + Service (else as an InferenceService).
    pub fn uses_deployments(self) -> bool {
        matches!(self, Env::Deployment | Env::DeploymentIstio | Env::DeploymentGtw)
    }

    pub fn is_kserve(self) -> bool {
        matches!(self, Env::Kserve | Env::Kserve011 | Env::Kserve010)
    }

    /// KServe routes by itself: one InferenceService for the release, no routemap.
    pub fn kserve_native(self) -> bool {
        matches!(self, Env::KserveServerless | Env::KserveStandard)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    None,
    BlueGreen,
    Canary,
    Mirror,
}

impl Strategy {
    pub fn name(self) -> &'static str {
        match self {
            Strategy::None => "none",
            Strategy::BlueGreen => "blue-green",
            Strategy::Canary => "canary",
            Strategy::Mirror => "mirror",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Strategy> {
        [Strategy::None, Strategy::BlueGreen, Strategy::Canary, Strategy::Mirror]
            .into_iter()
            .find(|st| st.name() == s)
    }
}

/// A Kubernetes object a version consists of, by name and namespace.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjRef {
    pub name: String,
    pub namespace: String,
}

/// A `*Specification` as the user wrote it: its `spec` is used verbatim.
#[derive(Clone, Debug, PartialEq)]
pub struct Given {
    pub metadata: Map<String, Value>,
    pub spec: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DeploySource {
    Given(Given),
    Image(String),
    /// `application.workloads: external`: the user runs it.
    External,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub format: String,
    pub runtime: Option<String>,
    pub storage_uri: String,
    pub protocol_version: Option<String>,
    pub ports: Option<Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ModelSource {
    Given(Given),
    Model(Model),
    External,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Workload {
    /// Deployment environments: a Deployment and a Service (`service` None: generated).
    Deployment { deploy: DeploySource, deploy_ref: ObjRef, service: Option<Given>, port: u32 },
    InferenceService { source: ModelSource },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Version {
    /// `VNAME_i` and `VNS_i`: name the weight-config ConfigMap and, by default, the workloads.
    pub name: String,
    pub namespace: String,
    /// The object routing sends traffic to (Service or InferenceService).
    pub target: ObjRef,
    pub weight: u32,
    pub labels: IndexMap<String, String>,
    pub annotations: IndexMap<String, String>,
    pub workload: Workload,
    /// Istio `HTTPMatchRequest` clauses (ORed).
    pub istio_match: Vec<Value>,
    /// Gateway API `HTTPRouteMatch` entries (ORed).
    pub gtw_matches: Vec<Value>,
    /// With `backend: inferencepool` (and workloads releasegen renders), its InferencePool.
    pub pool: Option<Pool>,
    /// Its objects in routemap order (`resources_of`): what the routemap lists and what `route`
    /// reads the readiness of.
    pub resources: Vec<Resource>,
    /// Where the version and its cohort were written, for problems found after validation
    /// (a cohort that an earlier one hides in some state).
    pub written: Written,
}

/// A version's InferencePool (Gateway API Inference Extension), named as the version: the pods
/// of its Deployment, on its port, picked among by its endpoint picker.
#[derive(Clone, Debug, PartialEq)]
pub struct Pool {
    /// The Deployment's pod selector (`matchLabels`).
    pub selector: IndexMap<String, String>,
    pub port: u32,
    pub picker: String,
    pub picker_port: u32,
    /// `FailClose` or `FailOpen`; None: the API's default.
    pub failure_mode: Option<String>,
    /// `http` or `kubernetes.io/h2c`; None: the API's default (`http`).
    pub app_protocol: Option<String>,
}

/// The API group of the InferencePool, as a backendRef names it.
pub const INFERENCE_GROUP: &str = "inference.networking.k8s.io";

/// Where a version's parts were written in the values: the version, its `match` or `matches`
/// list (`None`: not written, the default cohort) and each of its clauses.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Written {
    pub version: Option<crate::problem::Pos>,
    pub matches: Option<crate::problem::Pos>,
    pub clauses: Vec<crate::problem::Pos>,
}

impl Version {
    pub fn port(&self) -> Option<u32> {
        match &self.workload {
            Workload::Deployment { port, .. } => Some(*port),
            Workload::InferenceService { .. } => None,
        }
    }
}

/// A Gateway the routing object attaches to: Istio's `namespace/name`, or a Gateway API
/// parentRef (`sectionName` is the Gateway API's alone).
#[derive(Clone, Debug, PartialEq)]
pub struct Gateway {
    pub name: String,
    pub namespace: Option<String>,
    pub section: Option<String>,
}

impl Gateway {
    /// As Istio names it in `spec.gateways`.
    pub fn istio(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Release {
    pub env: Env,
    pub strategy: Strategy,
    pub name: String,
    pub namespace: String,
    /// API versions of the routing objects.
    pub apis: Apis,
    /// `application.routing`: written into every generated rule.
    pub policy: policy::Policy,
    /// `gateway`: the Gateways the routing object attaches to, in the order written.
    pub gateways: Vec<Gateway>,
    pub service_host: String,
    pub service_port: u32,
    pub iter8_version: String,
    /// Port of the app-level Service (Gateway API parentRef).
    pub app_port: u32,
    pub versions: Vec<Version>,
    /// `application.workloads: external`: no per-version workloads are rendered.
    pub external: bool,
    /// `application.tagRouting` (kserve-serverless): `latest-` and `prev-` URLs.
    pub tag_routing: bool,
    /// Only the weight-config ConfigMaps (the routing-actions chart's `modify-weights`).
    pub weights_only: bool,
    /// `application.protocol: grpc` on deployment-gtw: the routing object is a GRPCRoute.
    pub grpc: bool,
    /// deployment-gtw with `backend: inferencepool`: the route's backendRefs name each version's
    /// InferencePool, not its Service.
    pub pools: bool,
    /// `application.sessionAffinity`, where the routing object carries it.
    pub affinity: Option<policy::Affinity>,
    /// `application.route`: the user's own routing object, one rule of which the release's
    /// traffic takes (deployment-istio and deployment-gtw).
    pub route: Option<route::UserRoute>,
}

impl Release {
    /// Match clauses of a rule the release adds (a cohort, a version's affinity), confined to
    /// the requests the user's marked rule takes (`route::within`).
    pub fn within(&self, own: &[Value]) -> Vec<Value> {
        match &self.route {
            Some(u) => route::within(&u.marked.matches, own),
            None => own.to_vec(),
        }
    }

    /// The routemap's `gvrShort` of the routing object. A GRPCRoute is served at v1 only, and
    /// the Iter8 controller must be told its name (docs/guide/routing.md, "gRPC").
    pub fn routing_short(&self) -> String {
        if self.grpc { "grpcroute".to_string() } else { self.apis.routing_short(self.env) }
    }
}

/// The kinds of object a version consists of, as the routemap names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    ConfigMap,
    Service,
    Deployment,
    InferenceService,
    InferencePool,
}

impl Kind {
    /// The routemap's `gvrShort`.
    pub fn short(self) -> &'static str {
        match self {
            Kind::ConfigMap => "cm",
            Kind::Service => "svc",
            Kind::Deployment => "deploy",
            Kind::InferenceService => "isvc",
            Kind::InferencePool => "inferencepool",
        }
    }

    /// The `kind` of the Kubernetes object.
    pub fn kind(self) -> &'static str {
        match self {
            Kind::ConfigMap => "ConfigMap",
            Kind::Service => "Service",
            Kind::Deployment => "Deployment",
            Kind::InferenceService => "InferenceService",
            Kind::InferencePool => "InferencePool",
        }
    }
}

/// One object of a version, as listed in the routemap.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    pub kind: Kind,
    pub obj: ObjRef,
}

/// A version's objects in routemap order, kept on the version (`Version::resources`). For
/// blue-green and mirror (`weighted`) the weight-config ConfigMap comes first: the controller
/// reads weight overrides from the first only. With InferencePool backends (`pools`) the
/// version's pool stands where its Service would.
pub fn resources_of(weighted: bool, pools: bool, name: &str, namespace: &str, workload: &Workload, target: &ObjRef) -> Vec<Resource> {
    let mut out = Vec::new();
    if weighted {
        let cm = ObjRef { name: format!("{name}-weight-config"), namespace: namespace.to_string() };
        out.push(Resource { kind: Kind::ConfigMap, obj: cm });
    }
    match workload {
        // With pools (`pools`) the InferencePool takes the Service's place. Its place is first
        // for a reason beyond symmetry: the controller reads weight overrides from a version's
        // first object, and an annotation changed on a Deployment bumps its generation, which
        // makes its Available condition stale (the version unready) until the Deployment
        // controller catches up.
        Workload::Deployment { deploy_ref, .. } => {
            let front = if pools { Kind::InferencePool } else { Kind::Service };
            out.push(Resource { kind: front, obj: target.clone() });
            out.push(Resource { kind: Kind::Deployment, obj: deploy_ref.clone() });
        }
        Workload::InferenceService { .. } => out.push(Resource { kind: Kind::InferenceService, obj: target.clone() }),
    }
    out
}


/// The API versions of the routing objects: `v1beta1` (what the Iter8 controller v1.1 watches)
/// unless `--api-versions` lists a newer one releasegen supports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Apis {
    /// `networking.istio.io`: VirtualService and ServiceEntry.
    pub istio: &'static str,
    /// `gateway.networking.k8s.io`: HTTPRoute.
    pub gateway: &'static str,
}

impl Default for Apis {
    fn default() -> Self {
        Apis { istio: "v1beta1", gateway: "v1beta1" }
    }
}

/// Versions releasegen writes, oldest first, per group (and the kinds it writes there).
pub const API_GROUPS: &[(&str, &[&str], &[&str])] = &[
    ("networking.istio.io", &["v1beta1", "v1"], &["VirtualService", "ServiceEntry"]),
    ("gateway.networking.k8s.io", &["v1beta1", "v1"], &["HTTPRoute"]),
];

impl Apis {
    /// The routemap's `gvrShort` of the routing object: the Iter8 controller's own names for
    /// v1beta1; for v1, names the controller must be told about
    /// (docs/guide/routing.md, "Current API versions").
    pub fn routing_short(self, env: Env) -> String {
        let (short, version) = if env == Env::DeploymentGtw { ("httproute", self.gateway) } else { ("vs", self.istio) };
        if version == "v1beta1" { short.to_string() } else { format!("{short}-{version}") }
    }
}

pub const DEFAULT_WEIGHT: u32 = 50;
/// Beyond this many versions the 2^N precomputed states cannot fit any ConfigMap.
pub const MAX_ROUTED_VERSIONS: usize = 16;
/// Versions of one release in any environment (the version limit). Each version is a set of
/// objects, so the output grows with versions × what each inherits; real releases have a few.
pub const MAX_VERSIONS: usize = 64;
/// Bytes the application-level values each version inherits (labels, annotations, model
/// fields) may take once copied into every version (the copy limit).
pub const MAX_INHERITED_COPIES: usize = 8 << 20;
pub const MAX_WEIGHT: i128 = i32::MAX as i128;
/// The Gateway API's largest backendRef weight.
pub const MAX_GTW_WEIGHT: u32 = 1_000_000;

pub fn to_object(m: &IndexMap<String, String>) -> Value {
    Value::Object(m.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}
