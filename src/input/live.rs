//! Live objects as `kubectl get … -o json` prints them (a `List`) or as a YAML stream of
//! objects, read for `route`: by kind, namespace and name, each problem at its place in the
//! input. Which of them make a version ready is the plan's to judge (`plan::live`).

use crate::input::values::{self, Limits, Node, Val};
use crate::problem::Problem;
use serde_json::Value;
use std::collections::HashMap;

/// Live objects by (kind, namespace, name); objects of other releases are simply never asked for.
#[derive(Debug, Default)]
pub struct Live {
    objects: HashMap<(String, String, String), Value>,
    /// The input was one `List` with no items: nothing is deployed yet, said explicitly.
    pub empty_list: bool,
}

/// Where the live objects come from, in every message about them.
pub use crate::input::sources::STDIN as SOURCE;

/// Reads the live objects; `namespace` is assumed for objects that do not name one.
/// Empty input is refused: it is what a failed `kubectl get` upstream leaves in the pipe, and
/// reading it as "nothing is ready" would move the candidates' traffic away.
pub fn read(bytes: &[u8], limits: Limits, namespace: &str) -> Result<Live, Problem> {
    let docs = values::parse_stream(bytes, limits).map_err(|mut p| {
        p.message = format!("live objects: {}", p.message);
        p.in_source(SOURCE)
    })?;
    if docs.iter().all(|d| matches!(d.value, Val::Null)) {
        let msg = "no live objects: the input is empty (a failed `kubectl get` upstream prints nothing); \
                   routing is left as it is. Pipe `kubectl get ... -o json` with `set -o pipefail`, \
                   or pass an empty List to say that nothing is deployed";
        return Err(Problem::new("", msg).in_source(SOURCE));
    }
    let mut live = Live::default();
    let several = docs.len() > 1;
    for (d, doc) in docs.iter().enumerate() {
        let path = if several { format!("document {}", d + 1) } else { String::new() };
        if doc.get("kind").is_some_and(|k| k.value == Val::Str("List".into())) {
            let Some(Val::Seq(items)) = doc.get("items").map(|n| &n.value) else {
                return Err(at(&about(&path, "items"), doc, "a List needs a list of items"));
            };
            live.empty_list |= items.is_empty() && !several;
            for (i, item) in items.iter().enumerate() {
                live.add(item, &about(&path, &format!("items[{i}]")), namespace)?;
            }
        } else if !matches!(doc.value, Val::Null) {
            live.add(doc, if several { &path } else { "document 1" }, namespace)?;
        }
    }
    Ok(live)
}

/// A message about a live object, after what names the object (`Deployment test/app-0: …`).
fn about(prefix: &str, rest: &str) -> String {
    if prefix.is_empty() { rest.to_string() } else { format!("{prefix}: {rest}") }
}

fn at(path: &str, node: &Node, msg: &str) -> Problem {
    Problem::at(path, Some(node.pos), msg).in_source(SOURCE)
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
        let kind = text(node.get("kind")).ok_or_else(|| at(path, node, "an object needs a kind"))?;
        let meta = node.get("metadata");
        let name = text(meta.and_then(|m| m.get("name")))
            .ok_or_else(|| at(&format!("{path} ({kind})"), node, "an object needs metadata.name"))?;
        let ns = text(meta.and_then(|m| m.get("namespace"))).unwrap_or_else(|| namespace.to_string());
        let key = (kind, ns, name);
        if self.objects.contains_key(&key) {
            let named = format!("{path} ({} {}/{})", key.0, key.1, key.2);
            return Err(at(&named, node, "appears twice in the live objects"));
        }
        self.objects.insert(key, node.to_json());
        Ok(())
    }

    /// What the input held, for a message: up to five objects, then a count.
    pub fn seen(&self) -> String {
        let mut keys: Vec<&(String, String, String)> = self.objects.keys().collect();
        keys.sort();
        let mut shown: Vec<String> = keys.iter().take(5).map(|(k, ns, n)| format!("{k} {ns}/{n}")).collect();
        if keys.len() > 5 {
            shown.push(format!("{} more", keys.len() - 5));
        }
        shown.join(", ")
    }

    /// The object of this kind, namespace and name, if the input holds it.
    pub fn object(&self, kind: &str, namespace: &str, name: &str) -> Option<&Value> {
        self.objects.get(&(kind.to_string(), namespace.to_string(), name.to_string()))
    }
}
