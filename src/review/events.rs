//! The events of a release a reviewer thinks in — a new candidate, a promote, a rollback, a
//! drain, a version removed — read from two sides' versions. Versions are compared by what
//! they run (image, storage URI, or the specification as written), not only by name: in
//! Iter8's tutorials a promote gives version 0 the candidate's image and drops the candidate,
//! so the names stay and only the workloads say what happened.

use serde_json::{Value, json};

/// One version of a side: its name, weight and what it runs (`None`: workloads the user runs
/// elsewhere, whose contents releasegen does not know).
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub name: String,
    pub weight: u32,
    pub runs: Option<Runs>,
    /// Its own labels (`key=value`), which tell apart versions of one image.
    pub labels: Vec<String>,
}

/// What a version runs: `shown` for people (`image kennethreitz/httpbin:v2`), `key` to compare.
#[derive(Clone, Debug, PartialEq)]
pub struct Runs {
    pub shown: String,
    pub key: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// `new candidate`, `promote`, `rollback`, `drain`, `back in rotation`, `new workload`,
    /// `version removed`.
    pub kind: &'static str,
    pub version: String,
    pub detail: String,
}

impl Event {
    pub fn line(&self) -> String {
        format!("{}: {}", self.kind, self.detail)
    }

    pub fn json(&self) -> Value {
        json!({"event": self.kind, "version": self.version, "detail": self.detail})
    }
}

/// A release's versions as members, the primary first.
pub fn members(r: &crate::model::Release) -> Vec<Member> {
    use crate::model::{DeploySource, ModelSource, Workload};
    let spec = |what: &str, g: &crate::model::Given| Runs { shown: format!("its {what}"), key: format!("{what} {}", g.spec) };
    r.versions
        .iter()
        .map(|v| {
            let runs = match &v.workload {
                Workload::Deployment { deploy: DeploySource::Image(image), .. } => Some(Runs { shown: format!("image {image}"), key: format!("image {image}") }),
                Workload::Deployment { deploy: DeploySource::Given(g), .. } => Some(spec("deploymentSpecification", g)),
                Workload::InferenceService { source: ModelSource::Model(m) } => {
                    Some(Runs { shown: format!("storageUri {}", m.storage_uri), key: format!("model {} {} {:?}", m.format, m.storage_uri, m.runtime) })
                }
                Workload::InferenceService { source: ModelSource::Given(g) } => Some(spec("inferenceServiceSpecification", g)),
                Workload::Deployment { deploy: DeploySource::External, .. } | Workload::InferenceService { source: ModelSource::External } => None,
            };
            // The version's own labels are part of what it is: Iter8's tutorials tell versions
            // of one image apart by `app.kubernetes.io/version`.
            let labels = v.labels.iter().filter(|(k, _)| !k.starts_with("iter8.tools/")).map(|(k, x)| format!("{k}={x}")).collect();
            Member { name: v.name.clone(), weight: v.weight, runs, labels }
        })
        .collect()
}

fn runs_key(m: &Member) -> Option<String> {
    m.runs.as_ref().map(|r| format!("{} {:?}", r.key, m.labels))
}

/// What a member runs, for people: with the labels that not every version of either side has.
fn shown(m: &Member, common: &[&String]) -> String {
    let Some(runs) = &m.runs else { return String::new() };
    let own: Vec<&str> = m.labels.iter().filter(|l| !common.contains(l)).map(String::as_str).collect();
    if own.is_empty() { runs.shown.clone() } else { format!("{} ({})", runs.shown, own.join(", ")) }
}

/// The events that turn `base` into `head` (each side's versions, the primary first).
pub fn events(base: &[Member], head: &[Member]) -> Vec<Event> {
    let mut out = Vec::new();
    let (Some(old_primary), Some(new_primary)) = (base.first(), head.first()) else { return out };
    let carried = |m: &Member, side: &[Member]| runs_key(m).is_some_and(|k| side.iter().any(|x| runs_key(x).as_ref() == Some(&k)));
    let everyone: Vec<&Member> = base.iter().chain(head).collect();
    let common: Vec<&String> = everyone[0].labels.iter().filter(|l| everyone.iter().all(|m| m.labels.contains(l))).collect();
    // Promote: the new primary runs what a candidate ran, and not what the primary ran.
    let promoted = base.iter().skip(1).find(|c| runs_key(c).is_some() && runs_key(c) == runs_key(new_primary) && runs_key(old_primary) != runs_key(new_primary));
    if let Some(c) = promoted {
        let shown = shown(c, &common);
        let detail = if c.name == new_primary.name {
            format!("{} ({shown}) becomes the primary", c.name)
        } else {
            format!("{}'s {shown} becomes the primary, {}", c.name, new_primary.name)
        };
        out.push(Event { kind: "promote", version: new_primary.name.clone(), detail });
    }
    for (i, v) in head.iter().enumerate() {
        let before = base.iter().position(|b| b.name == v.name);
        match before {
            // A candidate running what no version of the base ran.
            None if i > 0 && !carried(v, base) => {
                let shown = if v.runs.is_some() { format!(" ({})", shown(v, &common)) } else { String::new() };
                out.push(Event { kind: "new candidate", version: v.name.clone(), detail: format!("{}{shown}, weight {}", v.name, v.weight) });
            }
            None => {}
            Some(j) => {
                let b = &base[j];
                if runs_key(b) != runs_key(v) && b.runs.is_some() && v.runs.is_some() && !(i == 0 && promoted.is_some()) {
                    let detail = format!("{} now runs {} (was {})", v.name, shown(v, &common), shown(b, &common));
                    out.push(Event { kind: "new workload", version: v.name.clone(), detail });
                }
                if b.weight > 0 && v.weight == 0 {
                    out.push(Event { kind: "drain", version: v.name.clone(), detail: format!("{} weight from {} to 0: it stays deployed and gets no traffic", v.name, b.weight) });
                } else if b.weight == 0 && v.weight > 0 {
                    out.push(Event { kind: "back in rotation", version: v.name.clone(), detail: format!("{} weight from 0 to {}", v.name, v.weight) });
                }
            }
        }
    }
    for (j, b) in base.iter().enumerate() {
        if head.iter().any(|h| h.name == b.name) {
            continue;
        }
        let is_promoted = promoted.is_some_and(|p| p.name == b.name);
        if is_promoted {
            continue;
        }
        // A candidate dropped while the primary keeps what it ran: the release goes back.
        let kept_primary = runs_key(old_primary).is_some() && runs_key(old_primary) == runs_key(new_primary);
        let carried_on = carried(b, head);
        let (kind, detail) = if j > 0 && kept_primary && !carried_on {
            ("rollback", format!("candidate {} removed; {} stays the primary", b.name, new_primary.name))
        } else if carried_on {
            continue;
        } else {
            ("version removed", format!("{} removed", b.name))
        };
        out.push(Event { kind, version: b.name.clone(), detail });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, weight: u32, image: &str) -> Member {
        Member { name: name.into(), weight, runs: Some(Runs { shown: format!("image {image}"), key: format!("image {image}") }), labels: vec![] }
    }

    fn kinds(e: &[Event]) -> Vec<&str> {
        e.iter().map(|e| e.kind).collect()
    }

    #[test]
    fn iter8s_promote_keeps_the_names_and_moves_the_image() {
        let base = [m("app-0", 50, "a:1"), m("app-1", 50, "a:2")];
        let head = [m("app-0", 50, "a:2")];
        let e = events(&base, &head);
        assert_eq!(kinds(&e), ["promote"]);
        assert_eq!(e[0].detail, "app-1's image a:2 becomes the primary, app-0");
    }

    #[test]
    fn a_promote_by_name() {
        let base = [m("v1", 50, "a:1"), m("v2", 30, "a:2")];
        let head = [m("v2", 50, "a:2")];
        let e = events(&base, &head);
        assert_eq!(kinds(&e), ["promote", "version removed"]);
        assert_eq!(e[0].detail, "v2 (image a:2) becomes the primary");
        assert_eq!(e[1].detail, "v1 removed");
    }

    #[test]
    fn candidates_come_drain_and_go() {
        let base = [m("app-0", 50, "a:1")];
        let head = [m("app-0", 50, "a:1"), m("app-1", 10, "a:2")];
        assert_eq!(kinds(&events(&base, &head)), ["new candidate"]);
        let drained = [m("app-0", 50, "a:1"), m("app-1", 0, "a:2")];
        assert_eq!(kinds(&events(&head, &drained)), ["drain"]);
        assert_eq!(kinds(&events(&drained, &head)), ["back in rotation"]);
        assert_eq!(kinds(&events(&head, &base)), ["rollback"]);
        // The candidate's image changed under the same name: a new workload, not a new candidate.
        let rebuilt = [m("app-0", 50, "a:1"), m("app-1", 10, "a:3")];
        assert_eq!(kinds(&events(&head, &rebuilt)), ["new workload"]);
        assert!(events(&head, &head).is_empty());
    }

    #[test]
    fn labels_tell_versions_of_one_image_apart() {
        let l = |name: &str, version: &str| Member { labels: vec!["app=shop".into(), format!("version={version}")], ..m(name, 50, "a:1") };
        let base = [l("app-0", "v0"), l("app-1", "v1")];
        let head = [l("app-0", "v1")];
        let e = events(&base, &head);
        assert_eq!(kinds(&e), ["promote"]);
        assert_eq!(e[0].detail, "app-1's image a:1 (version=v1) becomes the primary, app-0");
    }

    #[test]
    fn external_workloads_are_compared_by_name_only() {
        let ext = |name: &str, weight| Member { name: name.into(), weight, runs: None, labels: vec![] };
        let base = [ext("app-0", 50), ext("app-1", 50)];
        let head = [ext("app-0", 50)];
        assert_eq!(kinds(&events(&base, &head)), ["version removed"]);
    }
}
