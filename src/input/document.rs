//! The Release document: `apiVersion: releasegen.dev/v1alpha1`, `kind: Release`,
//! `metadata: {name, namespace}`, `spec: <release values>`. It stands for a whole release
//! wherever values are accepted; its name and namespace play the roles of `--name` and
//! `--namespace`, so a Helm chart, a KRM pipeline or a Git repository can carry releases as
//! ordinary Kubernetes-shaped documents.

use crate::input::Context;
use crate::input::vocabulary::{Key, METADATA, RELEASE_DOCUMENT, has};
use crate::problem::Problem;
use crate::input::values::{Node, Val};

pub const API_VERSION: &str = "releasegen.dev/v1alpha1";
pub const KIND: &str = "Release";

/// Whether a document is a Release document (its `apiVersion` group is ours and kind Release).
pub fn is_release(root: &Node) -> bool {
    let text = |k: &str| match root.get(k).map(|n| &n.value) {
        Some(Val::Str(s)) => s.clone(),
        _ => String::new(),
    };
    text("kind") == KIND && text("apiVersion").starts_with("releasegen.dev/")
}

/// The values inside a document, with the context it sets and the path prefix for messages
/// (`spec.` for a Release document, nothing for plain values).
pub fn values_of<'a>(root: &'a Node, ctx: &Context) -> Result<(&'a Node, Context, &'static str), Problem> {
    if !is_release(root) {
        return Ok((root, ctx.clone(), ""));
    }
    let api = root.get("apiVersion").map(Node::describe).unwrap_or_default();
    if api != format!("\"{API_VERSION}\"") {
        return Err(Problem::new("apiVersion", format!("{api} is not supported; use {API_VERSION}")));
    }
    let mut ctx = ctx.clone();
    if let Some(meta) = root.get("metadata") {
        let text = |k: &str| match meta.get(k).map(|n| &n.value) {
            Some(Val::Str(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        };
        // A flag that says otherwise is an error naming both, never a silent choice.
        if let (Some(doc), Some(flag)) = (text("name"), &ctx.release_name)
            && doc != *flag
        {
            let msg = format!("the Release is named {doc:?}, but --name (under Argo CD: the Application's name) says {flag:?}; make them agree or leave one out");
            return Err(Problem::new("metadata.name", msg));
        }
        let explicit_ns = ctx.namespace.as_ref().filter(|_| ctx.namespace_origin.is_none());
        if let (Some(doc), Some(flag)) = (text("namespace"), explicit_ns)
            && doc != *flag
        {
            let msg = format!("the Release is in namespace {doc:?}, but --namespace (under Argo CD: the Application's namespace) says {flag:?}; make them agree or leave one out");
            return Err(Problem::new("metadata.namespace", msg));
        }
        ctx.release_name = text("name").or(ctx.release_name);
        if let Some(ns) = text("namespace") {
            ctx.namespace = Some(ns);
            ctx.namespace_origin = None;
        }
    }
    match root.get("spec") {
        Some(spec) if matches!(spec.value, Val::Map(_)) => Ok((spec, ctx, "spec.")),
        _ => Err(Problem::new("spec", "a Release document needs its release values in spec")),
    }
}

/// Keys of a Release document releasegen does not read: a typo such as `metdata:` would
/// otherwise leave the name to the flags without a word.
pub fn unknown_keys(root: &Node) -> Vec<Problem> {
    if !is_release(root) {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut check = |node: &Node, path: &str, known: &[Key]| {
        let Val::Map(entries) = &node.value else { return };
        for (key, value) in entries.iter().filter(|(k, _)| !has(known, k)) {
            let p = Problem::at(&format!("{path}{key}"), Some(value.pos), "unknown key of a Release document");
            found.push(p);
        }
    };
    check(root, "", RELEASE_DOCUMENT);
    if let Some(meta) = root.get("metadata") {
        check(meta, "metadata.", METADATA);
    }
    found
}

/// Prefixes a problem's path (`spec.application…`).
pub fn prefixed(mut p: Problem, prefix: &str) -> Problem {
    if !prefix.is_empty() {
        p.path = if p.path.is_empty() { prefix.trim_end_matches('.').to_string() } else { format!("{prefix}{}", p.path) };
    }
    p
}
