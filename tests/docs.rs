//! The documentation holds: the generated references (values from the JSON Schema's
//! descriptions, commands from `--help`) are the committed copies, every relative link and anchor
//! resolves, the README's first commands run, and no text of the repository points outside it.
//!
//! `UPDATE_DOCS=1 cargo test --test docs` rewrites the generated references.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::root;

fn releasegen(args: &[&str]) -> String {
    let out = common::bin().args(args).output().expect("releasegen runs");
    assert!(out.status.success(), "releasegen {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Compares a generated document with the committed one, or writes it under UPDATE_DOCS=1.
fn current(relative: &str, generated: &str) {
    let path = root().join(relative);
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, generated).expect("write the generated document");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{relative} is not what the code generates; run `UPDATE_DOCS=1 cargo test --test docs` and commit it"
    );
}

// ---- The commands reference -------------------------------------------------------------

/// The commands `releasegen --help` lists (but `help`), so a new one is in the reference as soon
/// as it exists.
fn commands() -> Vec<String> {
    let help = releasegen(&["--help"]);
    let listed = help.split("Commands:\n").nth(1).unwrap_or("").split("\n\n").next().unwrap_or("");
    listed.lines().filter_map(|l| l.split_whitespace().next()).filter(|c| *c != "help").map(str::to_owned).collect()
}

fn commands_reference() -> String {
    let mut out = String::from(
        "# Commands\n\n<!-- Generated from `releasegen help COMMAND`; `UPDATE_DOCS=1 cargo test --test docs` rewrites it. -->\n\n",
    );
    out.push_str("What each command takes, as `releasegen help COMMAND` prints it. The guides say how the\n");
    out.push_str("options combine: [values and flags](../guide/values-and-flags.md).\n\n");
    out.push_str("Exit status of every command: 0 success; 1 invalid input (a message on stderr, nothing on\n");
    out.push_str("stdout); 2 a usage error.\n\n");
    out.push_str("## releasegen\n\n```text\n");
    out.push_str(&releasegen(&["--help"]));
    out.push_str("```\n");
    let commands = commands();
    assert!(commands.len() >= 9, "the commands of --help: {commands:?}");
    for command in &commands {
        out.push_str(&format!("\n## releasegen {command}\n\n```text\n"));
        out.push_str(&releasegen(&["help", command]));
        out.push_str("```\n");
    }
    out
}

#[test]
fn commands_reference_is_current() {
    current("docs/reference/commands.md", &commands_reference());
}

// ---- The values reference ---------------------------------------------------------------

fn type_of(node: &Value) -> String {
    let mut kinds: Vec<String> = match node.get("type") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|t| t.as_str()).map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    if let Some(Value::Array(values)) = node.get("enum") {
        let words: Vec<String> = values
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| match v {
                Value::String(s) if s.is_empty() => "`\"\"`".to_owned(),
                Value::String(s) => format!("`{s}`"),
                other => format!("`{other}`"),
            })
            .collect();
        return format!("one of {}", words.join(", "));
    }
    if let Some(c) = node.get("const") {
        return format!("`{}`", c.as_str().map(str::to_owned).unwrap_or_else(|| c.to_string()));
    }
    let items = node.get("items").and_then(|i| i.get("type")).and_then(Value::as_str);
    if let Some(k) = kinds.iter_mut().find(|k| *k == "array") {
        *k = items.map_or_else(|| "list".to_owned(), |t| format!("list of {t}"));
    }
    kinds.retain(|k| k != "null");
    kinds.join(" or ")
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn rows(node: &Value, path: &str, out: &mut String) {
    let Some(Value::Object(properties)) = node.get("properties") else { return };
    let required: BTreeSet<&str> =
        node.get("required").and_then(Value::as_array).map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    for (key, child) in properties {
        let here = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
        let mut description = child.get("description").and_then(Value::as_str).unwrap_or("").to_owned();
        if required.contains(key.as_str()) {
            description = format!("**Required.** {description}");
        }
        let default = child.get("default").map(|d| format!("`{d}`")).unwrap_or_default();
        out.push_str(&format!("| `{}` | {} | {} | {} |\n", here, cell(&type_of(child)), cell(&default), cell(&description)));
        if child.get("properties").is_some() {
            rows(child, &here, out);
        } else if let Some(items) = child.get("items") {
            rows(items, &format!("{here}[]"), out);
        }
    }
}

fn table(def: &Value) -> String {
    let mut out = String::from("| key | type | default | meaning |\n|---|---|---|---|\n");
    rows(def, "", &mut out);
    out
}

fn values_reference() -> String {
    let schema: Value = serde_json::from_str(&releasegen(&["schema"])).expect("the schema is JSON");
    let document: Value = serde_json::from_str(&releasegen(&["schema", "--release"])).expect("the schema is JSON");
    let defs = &schema["$defs"];
    let mut out = String::from(
        "# Values\n\n<!-- Generated from `releasegen schema`; `UPDATE_DOCS=1 cargo test --test docs` rewrites it. -->\n\n",
    );
    out.push_str("Every key releasegen reads, with the description the JSON Schema gives editors and Helm.\n");
    out.push_str("`a.b[]` is a key of each item of the list `a.b`. A key not listed is unknown: a warning naming\n");
    out.push_str("it (with the nearest known key), an error under `--strict`. How values are read and merged:\n");
    out.push_str("[values and flags](../guide/values-and-flags.md).\n\n");
    out.push_str(&format!("## The release chart's values\n\n{}\n\n", defs["release"]["description"].as_str().unwrap_or("")));
    out.push_str(&table(&defs["release"]));
    out.push_str(&format!(
        "\n## The routing-actions chart's values\n\n{}\n\n",
        defs["routingActions"]["description"].as_str().unwrap_or("")
    ));
    out.push_str(&table(&defs["routingActions"]));
    out.push_str(&format!(
        "\n## The Release document\n\n{} Its `spec` holds the values above.\n\n",
        document.get("description").and_then(Value::as_str).unwrap_or("")
    ));
    let mut outer = document.clone();
    if let Some(Value::Object(p)) = outer.get_mut("properties") {
        if let Some(Value::Object(spec)) = p.get_mut("spec") {
            spec.remove("properties");
            spec.remove("items");
        }
    }
    out.push_str(&table(&outer));
    out
}

#[test]
fn values_reference_is_current() {
    current("docs/reference/values.md", &values_reference());
}

// ---- Links ---------------------------------------------------------------------------------

/// The Markdown files of the project's own documentation.
fn documents() -> Vec<PathBuf> {
    let mut out = vec![root().join("README.md"), root().join("CONTRIBUTING.md"), root().join("ARCHITECTURE.md")];
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() && path.file_name().is_some_and(|n| n != "node_modules") {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    walk(&root().join("docs"), &mut out);
    walk(&root().join("examples"), &mut out);
    out.retain(|p| p.exists());
    out.sort();
    out
}

/// Lines outside fenced code blocks.
fn prose(text: &str) -> Vec<&str> {
    let mut fenced = false;
    text.lines()
        .filter(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return false;
            }
            !fenced
        })
        .collect()
}

/// GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to hyphens; a repeated
/// heading gets -1, -2, ….
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for line in prose(text) {
        let Some(heading) = line.strip_prefix('#') else { continue };
        let heading = heading.trim_start_matches('#');
        if !heading.starts_with(' ') {
            continue;
        }
        let slug: String = heading
            .trim()
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        let mut candidate = slug.clone();
        let mut n = 0;
        while seen.contains(&candidate) {
            n += 1;
            candidate = format!("{slug}-{n}");
        }
        seen.insert(candidate);
    }
    seen
}

/// The targets of inline links `[text](target)` in prose.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in prose(text) {
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let Some(end) = rest.find(')') else { break };
            out.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    out
}

#[test]
fn every_link_and_anchor_resolves() {
    let mut broken = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).expect("read a document");
        for target in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = match target.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (target.as_str(), None),
            };
            let path = if file.is_empty() { doc.clone() } else { doc.parent().expect("a folder").join(file) };
            let shown = doc.strip_prefix(root()).unwrap_or(&doc).display().to_string();
            if !path.exists() {
                broken.push(format!("{shown}: {target}: no such file"));
                continue;
            }
            if let Some(anchor) = anchor {
                let linked = std::fs::read_to_string(&path).unwrap_or_default();
                if !anchors(&linked).contains(anchor) {
                    broken.push(format!("{shown}: {target}: no such heading"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn anchors_follow_github() {
    let text = "# Values and flags\n## `releasegen route`: routing from live readiness\n## KServe's own canary\n## A\n## A\n";
    let got = anchors(text);
    for want in ["values-and-flags", "releasegen-route-routing-from-live-readiness", "kserves-own-canary", "a", "a-1"] {
        assert!(got.contains(want), "{want} in {got:?}");
    }
}

// ---- The README -----------------------------------------------------------------------------

/// The README is a front door: it fits in a few screens, and the rest lives in docs/.
#[test]
fn readme_is_short() {
    let text = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let lines = text.lines().count();
    assert!(lines <= 220, "README.md has {lines} lines; move detail into docs/");
}

/// The README's first command renders the example it names, with nothing on stderr.
#[test]
fn readme_first_command_renders() {
    let text = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let first = text.lines().find(|l| l.starts_with("cargo run --release -- render")).expect("the README's render command");
    let words: Vec<&str> = first.split_whitespace().skip(4).collect();
    let out = common::bin().args(&words).current_dir(root()).output().expect("releasegen runs");
    assert!(out.status.success(), "{first}: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{first}: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("kind: HTTPRoute") || String::from_utf8_lossy(&out.stdout).contains("routemap"));
}

/// The README's `states` sample is what the command prints for the tutorial it shows, heading,
/// versions and footnote included.
#[test]
fn readme_states_sample_is_the_output() {
    let text = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let args = ["states", "fixtures/seed-gateway-api-canary-2-candidate.yaml", "--name", "httpbin", "--namespace", "test"];
    let out = common::bin().args(args).current_dir(root()).output().expect("releasegen runs");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.starts_with("# httpbin (deployment-gtw, canary)"), "{printed}");
    assert!(text.contains(&format!("```text\n{printed}```")), "README.md shows another `states` output than:\n{printed}");
}

// ---- Nothing points outside the repository ------------------------------------------------

/// Words that name material outside the repository: a design document's section numbers, issue
/// numbers, the workplace's tutorial copies.
#[test]
fn nothing_points_outside_the_repository() {
    let Ok(listed) = Command::new("git").args(["ls-files", "-z"]).current_dir(root()).output() else { return };
    if !listed.status.success() {
        return; // not a git checkout (a packaged crate): nothing to list
    }
    let banned = ["SPEC §", "SPEC.md", "seeds/", "the issue note", "../shared/validator", "Issue #"];
    let mut found = Vec::new();
    for name in listed.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        if name.starts_with("fuzz/corpus/") || name.starts_with("vendor/") || name == "tests/docs.rs" || name == ".ci/run" {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(root().join(&name)) else { continue };
        for (n, line) in text.lines().enumerate() {
            if banned.iter().any(|b| line.contains(b)) {
                found.push(format!("{name}:{}: {line}", n + 1));
            }
        }
    }
    assert!(found.is_empty(), "references to material outside the repository:\n{}", found.join("\n"));
}
