//! The release namespace as Helm finds it when `--namespace` is not given:
//! `$HELM_NAMESPACE`, else the namespace of the kubeconfig's current context (`$KUBECONFIG`,
//! else `~/.kube/config`; the file is only read, no cluster is contacted), else `default`.
//! `application.metadata.namespace` still wins over all of these; the model says on stderr
//! which one it used and why, so a release never lands in a namespace by surprise.

use crate::values::{self, Limits, Node, Val};

/// Where a namespace came from, for the note on stderr; `None` when `--namespace` gave it.
pub type Origin = Option<String>;

/// The namespace and its origin: `--namespace` (explicit, no origin) or the fallbacks.
pub fn resolve(flag: Option<String>) -> (String, Origin) {
    if let Some(ns) = flag {
        return (ns, None);
    }
    if let Some(ns) = std::env::var("HELM_NAMESPACE").ok().filter(|s| !s.is_empty()) {
        return (ns, Some("from $HELM_NAMESPACE".into()));
    }
    match from_kubeconfig() {
        Some((ns, context, file)) => (ns, Some(format!("the namespace of the kubeconfig's current context {context:?} ({file})"))),
        None => ("default".into(), Some("the default: no --namespace, no $HELM_NAMESPACE, no namespace in a kubeconfig context".into())),
    }
}

/// The kubeconfig files kubectl reads, in its order: `$KUBECONFIG` (a `:`-separated list),
/// else `~/.kube/config`.
fn kubeconfig_files() -> Vec<String> {
    match std::env::var("KUBECONFIG").ok().filter(|s| !s.is_empty()) {
        Some(list) => list.split(':').filter(|s| !s.is_empty()).map(str::to_string).collect(),
        None => std::env::var("HOME").map(|h| vec![format!("{h}/.kube/config")]).unwrap_or_default(),
    }
}

/// (namespace, context name, file) of the current context, merged as kubectl merges: the
/// first file that sets `current-context` wins, and so does the first context of that name.
fn from_kubeconfig() -> Option<(String, String, String)> {
    let docs: Vec<(String, Node)> = kubeconfig_files()
        .into_iter()
        .filter_map(|f| {
            let bytes = std::fs::read(&f).ok()?;
            let node = values::parse(&bytes, Limits::stream(16 << 20)).ok()?;
            Some((f, node))
        })
        .collect();
    let current = docs.iter().find_map(|(_, d)| text(d.get("current-context")))?;
    for (file, doc) in &docs {
        let Some(Val::Seq(contexts)) = doc.get("contexts").map(|n| &n.value) else { continue };
        for c in contexts.iter() {
            if text(c.get("name")).as_deref() == Some(current.as_str()) {
                let ns = text(c.get("context").and_then(|c| c.get("namespace")))?;
                return Some((ns, current, file.clone()));
            }
        }
    }
    None
}

fn text(n: Option<&Node>) -> Option<String> {
    match n.map(|n| &n.value) {
        Some(Val::Str(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}
