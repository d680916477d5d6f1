//! Readiness read from the cluster, for running a release with no controller.
//!
//! Input is what `kubectl get deploy,svc,isvc,cm -n NS -l iter8.tools/watch=true -o json`
//! prints (a `List`), or a YAML stream of objects. Each version is judged exactly as the
//! Iter8 controller v1.1 judges it, so `route` picks the same state the controller would;
//! the routing object itself then comes from the same plan as the `ready-*` keys.

use crate::model::{Kind, Release, Resource};
use crate::plan::routing::State;
use crate::problem::Problem;
use serde_json::Value;

pub use crate::input::live::{Live, SOURCE, read};

/// How one version was judged, with the reasons for `-v`.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub ready: bool,
    pub why: Vec<String>,
    /// A valid `iter8.tools/weight` annotation on the version's first resource.
    pub weight_override: Option<u32>,
    /// Said on stderr every time: an `iter8.tools/weight` annotation that is not a weight.
    pub warnings: Vec<Problem>,
}

impl Live {
    /// Whether any object of the release is among the live objects.
    pub fn has_any_of(&self, r: &Release) -> bool {
        r.versions.iter().any(|v| v.resources.iter().any(|res| self.get(res).is_some()))
    }

    fn get(&self, res: &Resource) -> Option<&Value> {
        self.object(res.kind.kind(), &res.obj.namespace, &res.obj.name)
    }

    /// Judges every version of the release.
    pub fn judge(&self, r: &Release) -> Vec<Verdict> {
        r.versions.iter().map(|v| self.verdict(&v.resources)).collect()
    }

    fn verdict(&self, resources: &[Resource]) -> Verdict {
        let mut why = Vec::new();
        for res in resources {
            let label = format!("{} {}/{}", res.kind.short(), res.obj.namespace, res.obj.name);
            match self.get(res) {
                None => why.push(format!("{label} does not exist")),
                Some(obj) if !obj["metadata"]["deletionTimestamp"].is_null() => {
                    why.push(format!("{label} is being deleted"));
                }
                Some(obj) => {
                    if let Err(reason) = conditions_met(obj, res.kind) {
                        why.push(format!("{label}: {reason}"));
                    }
                }
            }
        }
        let ready = why.is_empty();
        let mut warnings = Vec::new();
        let weight_override = resources.first().and_then(|res| self.weight_annotation(res, ready, &mut why, &mut warnings));
        if ready {
            why.insert(0, "every resource exists and meets its conditions".into());
        }
        Verdict { ready, why, weight_override, warnings }
    }

    /// The controller reads `iter8.tools/weight` from a version's first resource only, and
    /// ignores a value that is not a base-10 unsigned 32-bit integer.
    fn weight_annotation(&self, res: &Resource, ready: bool, why: &mut Vec<String>, warnings: &mut Vec<Problem>) -> Option<u32> {
        let text = self.get(res)?["metadata"]["annotations"]["iter8.tools/weight"].as_str()?;
        let valid = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        match text.parse::<u32>().ok().filter(|_| valid) {
            Some(w) => {
                let (short, name) = (res.kind.short(), &res.obj.name);
                why.push(if ready {
                    format!("weight {w} from the iter8.tools/weight annotation of {short} {name}")
                } else {
                    format!("the iter8.tools/weight annotation of {short} {name} ({w}) applies once it is ready")
                });
                Some(w)
            }
            None => {
                let (kind, ns, name) = (res.kind.kind(), &res.obj.namespace, &res.obj.name);
                why.push(format!("ignored the invalid iter8.tools/weight annotation {text:?} of {} {name}", res.kind.short()));
                let msg = format!(
                    "annotation iter8.tools/weight is {text:?}, not a whole number from 0 to 4294967295; \
                     ignored, as the Iter8 controller ignores it: the version keeps its declared weight"
                );
                warnings.push(Problem::new(&format!("{kind} {ns}/{name}"), msg).in_source(SOURCE));
                None
            }
        }
    }
}

/// Deployment: `Available` is `True`; InferenceService: `Ready` is `True`; the rest (an
/// InferencePool among them, as the controller is configured for it): existing is enough. A condition observed for an older generation is stale, so not met.
fn conditions_met(obj: &Value, kind: Kind) -> Result<(), String> {
    let wanted = match kind {
        Kind::Deployment => "Available",
        Kind::InferenceService => "Ready",
        Kind::Service | Kind::ConfigMap | Kind::InferencePool => return Ok(()),
    };
    let Some(conditions) = obj["status"]["conditions"].as_array() else {
        return Err("has no status conditions yet".into());
    };
    let generation = obj["metadata"]["generation"].as_i64();
    let mut satisfied = false;
    for c in conditions {
        let Some(kind) = c["type"].as_str().filter(|t| t.eq_ignore_ascii_case(wanted)) else { continue };
        let Some(status) = c["status"].as_str() else { continue };
        let observed = c["observedGeneration"].as_i64().or_else(|| obj["status"]["observedGeneration"].as_i64());
        if let (Some(g), Some(o)) = (generation, observed)
            && o < g
        {
            return Err(format!("condition {kind} is stale (observed generation {o}, generation {g})"));
        }
        if !status.eq_ignore_ascii_case("true") {
            return Err(format!("condition {kind} is {status}"));
        }
        satisfied = true;
    }
    if satisfied { Ok(()) } else { Err(format!("has no {wanted} condition")) }
}

/// The readiness state the verdicts describe.
pub fn state(verdicts: &[Verdict]) -> State {
    State(verdicts.iter().enumerate().filter(|(_, v)| v.ready).fold(0, |bits, (i, _)| bits | 1 << i))
}
