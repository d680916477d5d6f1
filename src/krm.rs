//! `releasegen krm`: a KRM function (SPEC §9). A `ResourceList` (`config.kubernetes.io/v1`)
//! comes in on stdin; its `functionConfig`, when it is a Release document, and every Release
//! among `items` are expanded into their manifests; every other item passes through. As the
//! KRM protocol asks, problems are reported in `results` (severity `error`) on a ResourceList
//! that still carries the input items, with a non-zero exit.

use crate::problem::Problem;
use crate::values::{self, Node, Val};
use crate::{Options, document, emit};
use serde_json::{Value, json};

pub struct Output {
    pub text: String,
    pub ok: bool,
}

pub fn run(input: &[u8], opts: &Options) -> Output {
    match values::parse(input, opts.limits) {
        Ok(root) => process(&root, opts),
        Err(p) => {
            let list = json!({"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": []});
            finish(list, vec![p])
        }
    }
}

fn process(root: &Node, opts: &Options) -> Output {
    let kind = root.get("kind").map(|k| k.value.clone());
    let mut list = root.to_json();
    if kind != Some(Val::Str("ResourceList".into())) {
        return finish(json!({"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": []}), vec![
            Problem::new("kind", "expected a ResourceList (config.kubernetes.io/v1) on stdin"),
        ]);
    }
    let mut problems = Vec::new();
    let mut items = Vec::new();
    if let Some(Val::Seq(nodes)) = root.get("items").map(|n| &n.value) {
        for (i, item) in nodes.iter().enumerate() {
            match expand(item, &format!("items[{i}]"), opts) {
                Ok(Some(generated)) => items.extend(generated),
                Ok(None) => items.push(item.to_json()),
                Err(ps) => problems.extend(ps),
            }
        }
    }
    if let Some(config) = root.get("functionConfig").filter(|c| document::is_release(c)) {
        match expand(config, "functionConfig", opts) {
            Ok(generated) => items.extend(generated.unwrap_or_default()),
            Err(ps) => problems.extend(ps),
        }
    }
    if problems.is_empty() {
        list["items"] = Value::Array(items);
    }
    finish(list, problems)
}

/// A Release's manifests; `None` for any other object.
fn expand(node: &Node, path: &str, opts: &Options) -> Result<Option<Vec<Value>>, Vec<Problem>> {
    if !document::is_release(node) {
        return Ok(None);
    }
    let at = |mut p: Problem| {
        p.path = if p.path.is_empty() { path.to_string() } else { format!("{path}.{}", p.path) };
        p
    };
    let (release, _) = crate::release_of(node, &opts.context).map_err(|f| f.errors.into_iter().map(at).collect::<Vec<_>>())?;
    crate::manifests_for(&release, opts).map(Some).map_err(|p| vec![at(p)])
}

fn finish(mut list: Value, problems: Vec<Problem>) -> Output {
    let ok = problems.is_empty();
    if !ok {
        let results: Vec<Value> = problems
            .iter()
            .map(|p| {
                let mut r = json!({"message": p.to_string(), "severity": "error"});
                if !p.path.is_empty() {
                    r["field"] = json!({"path": p.path});
                }
                r
            })
            .collect();
        list["results"] = Value::Array(results);
    }
    Output { text: emit::document(&list), ok }
}
