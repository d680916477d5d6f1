//! `releasegen krm`: a KRM function (SPEC §9). A `ResourceList` (`config.kubernetes.io/v1`)
//! comes in on stdin; its `functionConfig`, when it is a Release document, and every Release
//! among `items` are expanded into their manifests. The package is the user's source of truth,
//! so the function is a well-behaved generator:
//! - a Release among `items` stays, annotated `config.kubernetes.io/local-config: "true"`
//!   (kpt and kustomize then never apply it);
//! - every generated object is annotated `releasegen.dev/generated-from: NS/NAME`, and a run
//!   first drops the objects generated earlier from the Releases it expands: so re-running
//!   replaces, a promote removes stale objects, and nothing is ever duplicated;
//! - generated objects go into one file next to their Release (`NAME.manifests.yaml`);
//! - problems are `results` naming the Release (`resourceRef`, `file`) and the field path
//!   inside it; warnings have severity `warning`, errors `error` plus a non-zero exit, and on
//!   error the input items come back unchanged.

use crate::problem::Problem;
use crate::values::{self, Node, Val};
use crate::{Options, document, emit};
use serde_json::{Map, Value, json};

/// Marks an object as generated from a Release (`NAMESPACE/NAME`).
pub const GENERATED_FROM: &str = "releasegen.dev/generated-from";
const LOCAL_CONFIG: &str = "config.kubernetes.io/local-config";
const PATH: &str = "config.kubernetes.io/path";
const INDEX: &str = "config.kubernetes.io/index";
const INTERNAL_PATH: &str = "internal.config.kubernetes.io/path";
const INTERNAL_INDEX: &str = "internal.config.kubernetes.io/index";

pub struct Output {
    pub text: String,
    pub ok: bool,
}

/// A problem for `results`, with the Release it belongs to.
struct Finding {
    problem: Problem,
    severity: &'static str,
    release: Option<Value>,
    file: Option<(String, String)>,
}

pub fn run(input: &[u8], opts: &Options) -> Output {
    match values::parse(input, opts.limits) {
        Ok(root) if root.get("kind").map(|k| &k.value) == Some(&Val::Str("ResourceList".into())) => process(&root, opts),
        Ok(_) => failed(vec![Problem::new("kind", "expected a ResourceList (config.kubernetes.io/v1) on stdin")]),
        Err(p) => failed(vec![p]),
    }
}

fn failed(problems: Vec<Problem>) -> Output {
    let list = json!({"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": []});
    let findings = problems.into_iter().map(|problem| Finding { problem, severity: "error", release: None, file: None }).collect();
    finish(list, findings)
}

/// One Release to expand: where it came from, and its identity.
struct Source<'a> {
    node: &'a Node,
    /// `NAMESPACE/NAME`, the value of `GENERATED_FROM`.
    key: String,
    /// The Release's file in the package; `None` for the function config.
    file: Option<(String, String)>,
    reference: Value,
}

impl<'a> Source<'a> {
    fn new(node: &'a Node, opts: &Options) -> Source<'a> {
        let meta = node.to_json()["metadata"].take();
        let text = |k: &str| meta[k].as_str().unwrap_or_default().to_string();
        let namespace = match text("namespace") {
            ns if ns.is_empty() => opts.context.namespace.clone().unwrap_or_else(|| "default".into()),
            ns => ns,
        };
        let annotation = |k: &str| meta["annotations"][k].as_str().map(str::to_string);
        let file = annotation(INTERNAL_PATH).or_else(|| annotation(PATH)).map(|path| {
            let index = annotation(INTERNAL_INDEX).or_else(|| annotation(INDEX)).unwrap_or_else(|| "0".into());
            (path, index)
        });
        let reference = json!({"apiVersion": document::API_VERSION, "kind": document::KIND, "name": text("name"), "namespace": namespace});
        Source { node, key: format!("{namespace}/{}", text("name")), file, reference }
    }

    /// Where its generated objects go: next to the Release, or at the package root.
    fn generated_path(&self) -> String {
        let name = self.reference["name"].as_str().unwrap_or("release");
        match self.file.as_ref().and_then(|(p, _)| p.rsplit_once('/')) {
            Some((dir, _)) => format!("{dir}/{name}.manifests.yaml"),
            None => format!("{name}.manifests.yaml"),
        }
    }

    fn finding(&self, problem: Problem, severity: &'static str) -> Finding {
        Finding { problem, severity, release: Some(self.reference.clone()), file: self.file.clone() }
    }
}

fn process(root: &Node, opts: &Options) -> Output {
    let mut list = root.to_json();
    let items: &[Node] = match root.get("items").map(|n| &n.value) {
        Some(Val::Seq(nodes)) => nodes,
        _ => &[],
    };
    let (sources, mut findings) = sources(items, root.get("functionConfig"), opts);
    let mut generated = Vec::new();
    for source in &sources {
        match expand(source, opts) {
            Ok((docs, warnings)) => {
                findings.extend(warnings.into_iter().map(|w| source.finding(w, "warning")));
                generated.push((source, docs));
            }
            Err(problems) => findings.extend(problems),
        }
    }
    if findings.iter().any(|f| f.severity == "error") {
        return finish(list, findings);
    }
    let expanded: Vec<&str> = sources.iter().map(|s| s.key.as_str()).collect();
    let mut out: Vec<Value> = items
        .iter()
        .map(Node::to_json)
        .filter(|item| !item["metadata"]["annotations"][GENERATED_FROM].as_str().is_some_and(|k| expanded.contains(&k)))
        .map(|mut item| {
            if is_release_json(&item) {
                set_annotation(&mut item, LOCAL_CONFIG, "true");
            }
            item
        })
        .collect();
    for (source, docs) in generated {
        let path = source.generated_path();
        for (i, mut doc) in docs.into_iter().enumerate() {
            set_annotation(&mut doc, GENERATED_FROM, &source.key);
            for (key, value) in [(PATH, path.as_str()), (INTERNAL_PATH, path.as_str()), (INDEX, &i.to_string()), (INTERNAL_INDEX, &i.to_string())] {
                set_annotation(&mut doc, key, value);
            }
            out.push(doc);
        }
    }
    list["items"] = Value::Array(out);
    finish(list, findings)
}

/// The Releases to expand: each in `items`, then the function config unless it is one of
/// them. The same Release twice with different specs is an error, never a silent choice.
fn sources<'a>(items: &'a [Node], config: Option<&'a Node>, opts: &Options) -> (Vec<Source<'a>>, Vec<Finding>) {
    let mut sources: Vec<Source> = Vec::new();
    let mut findings = Vec::new();
    let candidates = items.iter().chain(config).filter(|n| document::is_release(n));
    for node in candidates {
        let source = Source::new(node, opts);
        match sources.iter().find(|s| s.key == source.key) {
            Some(seen) if seen.node.get("spec").map(Node::to_json) == node.get("spec").map(Node::to_json) => {}
            Some(seen) => {
                let at = |s: &Source| s.file.as_ref().map_or("the function config".to_string(), |(p, _)| p.clone());
                let msg = format!("Release {} is given twice with different specs ({} and {}); keep one", source.key, at(seen), at(&source));
                findings.push(source.finding(Problem::new("metadata.name", msg), "error"));
            }
            None => sources.push(source),
        }
    }
    (sources, findings)
}

fn is_release_json(item: &Value) -> bool {
    item["kind"] == document::KIND && item["apiVersion"].as_str().is_some_and(|a| a.starts_with("releasegen.dev/"))
}

fn set_annotation(doc: &mut Value, key: &str, value: &str) {
    let Some(meta) = doc.get_mut("metadata").and_then(Value::as_object_mut) else { return };
    let annotations = meta.entry("annotations").or_insert_with(|| Value::Object(Map::new()));
    if let Some(a) = annotations.as_object_mut() {
        a.insert(key.to_string(), value.into());
    }
}

/// A Release's manifests and warnings, or its errors as findings.
fn expand(source: &Source, opts: &Options) -> Result<(Vec<Value>, Vec<Problem>), Vec<Finding>> {
    let (release, warnings) = crate::release_of(source.node, &opts.context).map_err(|f| {
        let errors = f.errors.into_iter().map(|p| source.finding(p, "error"));
        errors.chain(f.warnings.into_iter().map(|p| source.finding(p, "warning"))).collect::<Vec<_>>()
    })?;
    let docs = crate::manifests_for(&release, opts).map_err(|p| vec![source.finding(p, "error")])?;
    Ok((docs, warnings))
}

fn finish(mut list: Value, findings: Vec<Finding>) -> Output {
    let ok = !findings.iter().any(|f| f.severity == "error");
    if !findings.is_empty() {
        let results: Vec<Value> = findings.iter().map(result).collect();
        list["results"] = Value::Array(results);
    }
    Output { text: emit::document(&list), ok }
}

/// One KRM result: the message once, the field path inside the Release, the Release itself.
fn result(f: &Finding) -> Value {
    let mut r = json!({"message": f.problem.message, "severity": f.severity});
    if !f.problem.path.is_empty() {
        r["field"] = json!({"path": f.problem.path});
    }
    if let Some(reference) = &f.release {
        r["resourceRef"] = reference.clone();
    }
    if let Some((path, index)) = &f.file {
        r["file"] = json!({"path": path, "index": index.parse::<u64>().unwrap_or(0)});
    }
    r
}
