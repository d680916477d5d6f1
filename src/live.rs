//! Readiness read from the cluster, for running a release with no controller (SPEC §8).
//!
//! Input is what `kubectl get deploy,svc,isvc,cm -n NS -l iter8.tools/watch=true -o json`
//! prints (a `List`), or a YAML stream of objects. Each version is judged exactly as the
//! Iter8 controller v1.1 judges it, so `route` picks the same state the controller would;
//! the routing object itself then comes from the same plan as the `ready-*` keys.

use crate::model::{Kind, Release, Resource};
use crate::problem::Problem;
use crate::routing::State;
use crate::values::{self, Limits, Node, Val};
use serde_json::Value;
use std::collections::HashMap;

/// Live objects by (kind, namespace, name); objects of other releases are simply never asked for.
#[derive(Debug, Default)]
pub struct Live {
    objects: HashMap<(String, String, String), Value>,
}

/// How one version was judged, with the reasons for `-v`.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub ready: bool,
    pub why: Vec<String>,
    /// A valid `iter8.tools/weight` annotation on the version's first resource.
    pub weight_override: Option<u32>,
}

/// Reads the live objects; `namespace` is assumed for objects that do not name one.
pub fn read(bytes: &[u8], limits: Limits, namespace: &str) -> Result<Live, Problem> {
    let docs = values::parse_stream(bytes, limits).map_err(|mut p| {
        p.message = format!("live objects: {}", p.message);
        p
    })?;
    let mut live = Live::default();
    for (d, doc) in docs.iter().enumerate() {
        let path = format!("live[{d}]");
        if doc.get("kind").is_some_and(|k| k.value == Val::Str("List".into())) {
            let Some(Val::Seq(items)) = doc.get("items").map(|n| &n.value) else {
                return Err(at(&format!("{path}.items"), doc, "a List needs a list of items"));
            };
            for (i, item) in items.iter().enumerate() {
                live.add(item, &format!("{path}.items[{i}]"), namespace)?;
            }
        } else {
            live.add(doc, &path, namespace)?;
        }
    }
    Ok(live)
}

fn at(path: &str, node: &Node, msg: &str) -> Problem {
    Problem::at_pos(path, msg, node.pos)
}

impl Live {
    fn add(&mut self, node: &Node, path: &str, namespace: &str) -> Result<(), Problem> {
        if !matches!(node.value, Val::Map(_)) {
            return Err(at(path, node, &format!("expected a Kubernetes object, found {}", node.describe())));
        }
        let text = |n: Option<&Node>| match n.map(|n| &n.value) {
            Some(Val::Str(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        };
        let kind = text(node.get("kind")).ok_or_else(|| at(&format!("{path}.kind"), node, "an object needs a kind"))?;
        let meta = node.get("metadata");
        let name = text(meta.and_then(|m| m.get("name")))
            .ok_or_else(|| at(&format!("{path}.metadata.name"), node, "an object needs metadata.name"))?;
        let ns = text(meta.and_then(|m| m.get("namespace"))).unwrap_or_else(|| namespace.to_string());
        let key = (kind, ns, name);
        if self.objects.contains_key(&key) {
            let msg = format!("{} {}/{} appears twice in the live objects", key.0, key.1, key.2);
            return Err(at(path, node, &msg));
        }
        self.objects.insert(key, node.to_json());
        Ok(())
    }

    fn get(&self, res: &Resource) -> Option<&Value> {
        let key = (res.kind.kind().to_string(), res.obj.namespace.clone(), res.obj.name.clone());
        self.objects.get(&key)
    }

    /// Judges every version of the release.
    pub fn judge(&self, r: &Release) -> Vec<Verdict> {
        r.versions.iter().map(|v| self.verdict(&r.resources(v))).collect()
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
        let weight_override = resources.first().and_then(|res| self.weight_annotation(res, ready, &mut why));
        if ready {
            why.insert(0, "every resource exists and meets its conditions".into());
        }
        Verdict { ready, why, weight_override }
    }

    /// The controller reads `iter8.tools/weight` from a version's first resource only, and
    /// ignores a value that is not a base-10 unsigned 32-bit integer.
    fn weight_annotation(&self, res: &Resource, ready: bool, why: &mut Vec<String>) -> Option<u32> {
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
                why.push(format!("ignored the invalid iter8.tools/weight annotation {text:?} of {} {}", res.kind.short(), res.obj.name));
                None
            }
        }
    }
}

/// Deployment: `Available` is `True`; InferenceService: `Ready` is `True`; the rest: existing
/// is enough. A condition observed for an older generation is stale, so not met.
fn conditions_met(obj: &Value, kind: Kind) -> Result<(), String> {
    let wanted = match kind {
        Kind::Deployment => "Available",
        Kind::InferenceService => "Ready",
        Kind::Service | Kind::ConfigMap => return Ok(()),
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
