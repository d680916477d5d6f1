//! The release namespace as Helm finds it when `--namespace` is not given:
//! `$HELM_NAMESPACE`, else the namespace of the kubeconfig's current context (`$KUBECONFIG`,
//! else `~/.kube/config`; the file is only read, no cluster is contacted), else `default`.
//! `application.metadata.namespace` still wins over all of these; the model says on stderr
//! which one it used and why, so a release never lands in a namespace by surprise.

use releasegen::input::values::{self, Limits, Node, Val};

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
    let (found, unreadable) = from_kubeconfig();
    match found {
        Some((ns, context, file)) => (ns, Some(format!("the namespace of the kubeconfig's current context {context:?} ({file})"))),
        None if unreadable.is_empty() => {
            ("default".into(), Some("the default: no --namespace, no $HELM_NAMESPACE, no namespace in a kubeconfig context".into()))
        }
        // Helm falls back to `default` without a word when its kubeconfig cannot be read; the
        // fallback is the same here, but said, with the file and why.
        None => {
            let why = unreadable.join("; ");
            ("default".into(), Some(format!("the default: no --namespace, no $HELM_NAMESPACE, and a kubeconfig could not be read: {why}")))
        }
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
/// Also each file that exists but cannot be read or is not valid YAML, and why (a file that
/// does not exist is skipped, as kubectl skips it).
fn from_kubeconfig() -> (Option<(String, String, String)>, Vec<String>) {
    let mut docs: Vec<(String, Node)> = Vec::new();
    let mut unreadable = Vec::new();
    for f in kubeconfig_files() {
        let bytes = match std::fs::read(&f) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                unreadable.push(format!("{f}: {e}"));
                continue;
            }
        };
        // An empty file is an empty config to kubectl, not an error.
        match values::parse_stream(&bytes, Limits::stream(16 << 20)) {
            Ok(nodes) => docs.extend(nodes.into_iter().next().map(|node| (f, node))),
            Err(p) => {
                let at = p.pos.map(|pos| format!(" (line {}, column {})", pos.line, pos.col)).unwrap_or_default();
                unreadable.push(format!("{f}: {}{at}", p.message));
            }
        }
    }
    (current_namespace(&docs), unreadable)
}

fn current_namespace(docs: &[(String, Node)]) -> Option<(String, String, String)> {
    let current = docs.iter().find_map(|(_, d)| text(d.get("current-context")))?;
    for (file, doc) in docs {
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
