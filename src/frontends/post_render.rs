//! `releasegen post-render`: a Helm post-renderer.
//!
//! Helm hands over the rendered chart as one YAML stream. Helm 3 writes each document after
//! a `---` line and a `# Source: chart/templates/x.yaml` comment; Helm 4 (a `postrenderer/v1`
//! plugin) writes bare documents, each annotated `postrenderer.helm.sh/postrender-filename`,
//! and regroups what it gets back by that annotation. Every Release document is replaced by
//! its manifest set; every other document (other charts' objects, hooks) passes through as
//! the very same text. Expanded documents inherit the Release's `# Source:` comment and
//! filename annotation, so both Helm versions file them where the Release was.

use crate::problem::Problem;
use crate::render::parts::set_annotation;
use crate::input::values::{self, Val};
use crate::{Report, Options, input::document, emit};
use serde_json::Value;

pub const FILENAME_ANNOTATION: &str = "postrenderer.helm.sh/postrender-filename";

/// One document of the input, as text, with the comment lines that preceded its content.
struct Doc<'a> {
    text: &'a str,
    /// Lines of the stream before this document, so positions point into the stream.
    line_offset: usize,
}

/// Splits a stream where kubectl and Helm do: at lines that begin with `---`. A separator
/// line may carry only spaces and a comment after `---`; content there (`--- {a: 1}`) is
/// split differently by Helm (kept) and kubectl (refused), so it is refused here by line,
/// never dropped.
fn split(stream: &str) -> Result<Vec<Doc<'_>>, Problem> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    // Lines before the current document, counted as the loop goes (never recounted).
    let mut first_line = 0;
    for (n, line) in stream.split_inclusive('\n').enumerate() {
        if let Some(rest) = line.strip_prefix("---") {
            let rest = rest.trim();
            if !rest.is_empty() && !rest.starts_with('#') {
                let msg = format!(
                    "line {}: content on a document separator line (`--- {}`) is read differently by Helm and kubectl; put it on the next line",
                    n + 1,
                    rest.chars().take(40).collect::<String>()
                );
                return Err(Problem::input(msg));
            }
            docs.push(Doc { text: &stream[start..offset], line_offset: first_line });
            start = offset + line.len();
            first_line = n + 1;
        }
        offset += line.len();
    }
    docs.push(Doc { text: &stream[start..], line_offset: first_line });
    Ok(docs.into_iter().filter(|d| d.text.lines().any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))).collect())
}

/// Whether a document's text says it is a Release: a top-level `kind: Release` (or the JSON
/// spelling) next to releasegen's API group. Only such a document must parse as values; any other
/// keeps its bytes, whatever the values reader would think of it.
fn looks_like_release(text: &str) -> bool {
    let kind_line = text.lines().any(|l| {
        l.strip_prefix("kind:").is_some_and(|v| v.trim().trim_matches(|c| c == '"' || c == '\'') == document::KIND)
    });
    let json_kind = text.contains("\"kind\":\"Release\"") || text.contains("\"kind\": \"Release\"");
    (kind_line || json_kind) && text.contains("releasegen.dev/")
}

/// The `# Source:` comment of a Helm 3 document, if any.
fn source_comment(text: &str) -> Option<&str> {
    text.lines().map(str::trim_end).find(|l| l.starts_with("# Source:"))
}

/// Post-renders a Helm stream; the whole output or a failure, never half of it.
pub fn run(input: &[u8], opts: &Options) -> Result<(String, Vec<Problem>), Report> {
    let text = std::str::from_utf8(input)
        .map_err(|e| Report::one(Problem::input(format!("the stream is not UTF-8 (at byte {})", e.valid_up_to()))))?;
    // A byte-order mark belongs to the stream, not to its first document.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let docs = split(text).map_err(|p| Report::one(p))?;
    if docs.is_empty() {
        return Err(Report::one(Problem::input("the stream has no documents to post-render".into())));
    }
    let mut out = String::new();
    let mut warnings = Vec::new();
    let mut generated = 0;
    for (i, doc) in docs.iter().enumerate() {
        match expand(doc, i, opts)? {
            Some((expanded, w)) => {
                generated += expanded.len();
                out.push_str(&expanded);
                warnings.extend(w);
            }
            None => {
                out.push_str("---\n");
                out.push_str(doc.text);
                if !doc.text.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
        if generated > opts.limits.max_output {
            return Err(Report::fail(opts.limits.output_problem("the post-rendered stream"), &warnings));
        }
    }
    Ok((out, warnings))
}

/// A Release document's manifest set as stream text, or `None` for any other document.
fn expand(doc: &Doc, index: usize, opts: &Options) -> Result<Option<(String, Vec<Problem>)>, Report> {
    // Paths name the document in the stream: `documents[2].spec.application…`.
    let at = |mut p: Problem| {
        p.path = if p.path.is_empty() { format!("documents[{index}]") } else { format!("documents[{index}].{}", p.path) };
        if let Some(pos) = p.pos.as_mut() {
            pos.line += doc.line_offset;
        }
        p
    };
    // Only a document that names releasegen's API group can be a Release; others are not even parsed.
    if !doc.text.contains("releasegen.dev/") {
        return Ok(None);
    }
    // A Release document is release values, held to the values' limits (not the stream's).
    let root = match values::parse(doc.text.as_bytes(), values::Limits::default()) {
        Ok(root) => root,
        // Another chart's object that merely mentions releasegen's group (a duplicate key, deep
        // nesting, an anchor releasegen's limits refuse): not releasegen's to judge; its bytes pass through.
        Err(_) if !looks_like_release(doc.text) => return Ok(None),
        Err(p) => return Err(Report::one(at(p))),
    };
    if !document::is_release(&root) {
        return Ok(None);
    }
    let (release, warnings) = crate::release_of(&root, &opts.context).map_err(|f| f.each(at))?;
    let warnings: Vec<Problem> = warnings.into_iter().map(at).collect();
    let mut docs = crate::manifests_for(&release, opts).map_err(|p| Report::fail(at(p), &warnings))?;
    if let Some(name) = filename(&root) {
        for d in &mut docs {
            annotate(d, &name);
        }
    }
    let source = source_comment(doc.text);
    let mut out = String::new();
    for d in &docs {
        out.push_str("---\n");
        if let Some(s) = source {
            out.push_str(s);
            out.push('\n');
        }
        out.push_str(&emit::document(d));
    }
    Ok(Some((out, warnings)))
}

fn filename(root: &values::Node) -> Option<String> {
    match &root.get("metadata")?.get("annotations")?.get(FILENAME_ANNOTATION)?.value {
        Val::Str(s) => Some(s.clone()),
        _ => None,
    }
}

fn annotate(obj: &mut Value, name: &str) {
    set_annotation(obj, FILENAME_ANNOTATION, name);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_kubectl() {
        let docs = split("---\n# Source: a\nx: 1\n---\ny: 2\n--- \n# only a comment\n--- # c\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].text, "# Source: a\nx: 1\n");
        assert_eq!(source_comment(docs[0].text), Some("# Source: a"));
        assert!(split("a: 1\n--- {b: 2}\n").is_err());
        assert!(split("a: 1\n---b\n").is_err());
    }

    #[test]
    fn knows_a_release_by_its_text() {
        assert!(looks_like_release("apiVersion: releasegen.dev/v1alpha1\nkind: Release\n"));
        assert!(looks_like_release("{\"apiVersion\": \"releasegen.dev/v1alpha1\", \"kind\": \"Release\"}"));
        assert!(!looks_like_release("kind: ConfigMap\ndata:\n  note: see releasegen.dev/v1alpha1 kind: Release\n"));
    }
}
