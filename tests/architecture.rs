//! The layering of ARCHITECTURE.md, held: every `crate::` and `super::` path in `src/` is read,
//! and an import that climbs (a stage naming a later one) or a cycle between modules fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The stages in the order data flows; the crate root (`lib.rs`, the orchestration) sits between
/// `review` and `frontends`.
const LAYERS: [&str; 9] = ["problem", "input", "model", "plan", "emit", "render", "review", "", "frontends"];

fn layer(module: &[String]) -> usize {
    let first = module.first().map_or("", String::as_str);
    LAYERS.iter().position(|l| *l == first).unwrap_or_else(|| panic!("{first}: a top-level module ARCHITECTURE.md does not place"))
}

/// The module path of a source file: src/input/values.rs is input::values, src/model/mod.rs is
/// model, src/lib.rs is the root.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).expect("under src/");
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

/// Code without comments and without the text of string literals (a `"crate::x"` in a message
/// is not an import).
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut in_string = false;
        let mut prev = ' ';
        for c in line.chars() {
            if c == '"' && prev != '\\' {
                in_string = !in_string;
            } else if !in_string && c == '/' && prev == '/' {
                out.pop();
                break;
            }
            out.push(if in_string { ' ' } else { c });
            prev = c;
        }
        out.push('\n');
    }
    out
}

/// The paths a file names, each as segments from the crate root: `crate::a::b`, the members of
/// `crate::{a::b, c}` groups, and `super::` paths resolved against the file's module.
fn references(module: &[String], text: &str) -> Vec<Vec<String>> {
    let code = code(text);
    let mut out = Vec::new();
    for (start, base) in [("crate::", Vec::new()), ("super::", module[..module.len().saturating_sub(1)].to_vec())] {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(start) {
            let before = rest[..at].chars().last();
            rest = &rest[at + start.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for member in group[..end].split(',') {
                    out.push(join(&base, member));
                }
            } else {
                let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
                out.push(join(&base, &rest[..end]));
            }
        }
    }
    out
}

fn join(base: &[String], path: &str) -> Vec<String> {
    let mut out = base.to_vec();
    out.extend(path.trim().split("::").filter(|s| !s.is_empty() && *s != "self").map(str::to_owned));
    out
}

/// The longest prefix of `path` that is a module of the crate.
fn resolve(modules: &BTreeSet<Vec<String>>, path: &[String]) -> Vec<String> {
    (0..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| modules.contains(p)).unwrap_or_default()
}

struct Graph {
    edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
}

fn graph(files: &[(Vec<String>, String)]) -> Graph {
    let modules: BTreeSet<Vec<String>> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut edges = BTreeMap::new();
    for (module, text) in files {
        let targets: BTreeSet<Vec<String>> = references(module, text)
            .iter()
            .map(|p| resolve(&modules, p))
            // A module may name its own items and its parents' (a folder's shared types).
            .filter(|t| !module.starts_with(t))
            .collect();
        edges.insert(module.clone(), targets);
    }
    Graph { edges }
}

fn climbing(g: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    for (from, targets) in &g.edges {
        for to in targets {
            if layer(to) > layer(from) {
                out.push(format!("{} imports {}", from.join("::"), to.join("::")));
            }
        }
    }
    out
}

fn cycles(g: &Graph) -> Vec<String> {
    // Depth-first search; a target on the current path closes a cycle.
    fn visit(g: &Graph, at: &Vec<String>, path: &mut Vec<Vec<String>>, done: &mut BTreeSet<Vec<String>>, out: &mut Vec<String>) {
        if let Some(i) = path.iter().position(|p| p == at) {
            let names: Vec<String> = path[i..].iter().chain([at]).map(|m| m.join("::")).collect();
            out.push(names.join(" -> "));
            return;
        }
        if !done.insert(at.clone()) {
            return;
        }
        path.push(at.clone());
        for next in g.edges.get(at).into_iter().flatten() {
            visit(g, next, path, done, out);
        }
        path.pop();
    }
    let mut out = Vec::new();
    let mut done = BTreeSet::new();
    for start in g.edges.keys() {
        visit(g, start, &mut Vec::new(), &mut done, &mut out);
    }
    out
}

fn sources() -> Vec<(Vec<String>, String)> {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    fn walk(src: &Path, dir: &Path, out: &mut Vec<(Vec<String>, String)>) {
        for entry in std::fs::read_dir(dir).expect("read src/").flatten() {
            let path = entry.path();
            if path.is_dir() {
                // src/cli/ belongs to the command, as main.rs does.
                if path != src.join("cli") {
                    walk(src, &path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                // main.rs and the allocator belong to the command, which uses the library's
                // public interface only.
                let name = path.file_name().expect("a name");
                if path.parent() == Some(src) && (name == "main.rs" || name == "arena.rs") {
                    continue;
                }
                out.push((module_of(src, &path), std::fs::read_to_string(&path).expect("read a source file")));
            }
        }
    }
    walk(&src, &src, &mut out);
    out.sort();
    out
}

#[test]
fn no_stage_imports_a_later_one() {
    let files = sources();
    assert!(files.len() >= 20, "found {} source files", files.len());
    let found = climbing(&graph(&files));
    assert!(found.is_empty(), "imports that climb (ARCHITECTURE.md):\n{}", found.join("\n"));
}

#[test]
fn no_module_cycle() {
    let found = cycles(&graph(&sources()));
    assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
}

/// The checks themselves find what they are for.
#[test]
fn the_checks_catch_a_climb_and_a_cycle() {
    let m = |s: &str| s.split("::").map(str::to_owned).collect::<Vec<_>>();
    let files = vec![
        (m("input::values"), "use crate::render::objects::manifests; // crate::emit in a comment\n".to_owned()),
        (m("render::objects"), "use crate::{model, render::native};".to_owned()),
        (m("render::native"), "fn f() { super::objects::g() }".to_owned()),
        (m("render"), String::new()),
        (m("model"), "let s = \"crate::frontends\";".to_owned()),
        (m("frontends"), String::new()),
        (m("emit"), String::new()),
    ];
    let g = graph(&files);
    assert_eq!(climbing(&g), vec!["input::values imports render::objects".to_owned()]);
    let c = cycles(&g);
    assert!(c.iter().any(|c| c.contains("render::objects -> render::native -> render::objects")), "{c:?}");
}

/// A file a reader can hold in mind: none longer than 500 lines (a longer one has more than one
/// job, and splits along them).
#[test]
fn no_source_file_is_longer_than_500_lines() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut long = Vec::new();
    fn walk(dir: &Path, long: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read src/").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, long);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let lines = std::fs::read_to_string(&path).expect("read a source file").lines().count();
                if lines > 500 {
                    long.push(format!("{}: {lines} lines", path.display()));
                }
            }
        }
    }
    walk(&src, &mut long);
    assert!(long.is_empty(), "{}", long.join("\n"));
}

/// The command line (`src/cli/`, started by `main.rs`) is a stage of its own on top of the
/// library: one module per command, each naming only what all commands share (`args`, `io`,
/// `namespace`, the exit status), never another command; the shared modules name no command; and none of
/// it reaches into the library but through `releasegen::`, its public interface.
#[test]
fn each_command_is_its_own_module() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/cli");
    let shared = ["mod", "args", "io", "namespace"];
    let mut commands = Vec::new();
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("src/cli").flatten() {
        let path = entry.path();
        let name = path.file_stem().expect("a name").to_string_lossy().into_owned();
        let text = code(&std::fs::read_to_string(&path).expect("read"));
        if text.contains("crate::") {
            found.push(format!("cli/{name}.rs names crate::, not the library's public releasegen::"));
        }
        commands.push((name, text));
    }
    let names: Vec<String> = commands.iter().map(|(n, _)| n.clone()).filter(|n| !shared.contains(&n.as_str())).collect();
    assert!(names.len() >= 8, "commands found: {names:?}");
    for (name, text) in &commands {
        let mut rest = text.as_str();
        while let Some(at) = rest.find("super::") {
            rest = &rest[at + "super::".len()..];
            let target: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '{').collect();
            let target = target.trim_end_matches('{');
            if !["args", "io", "namespace", "ExitCode"].contains(&target) || names.iter().any(|n| n == target) {
                found.push(format!("cli/{name}.rs names super::{target}"));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
    let main = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/main.rs")).expect("main.rs");
    assert!(main.lines().count() < 80, "main.rs is the entry point only");
}

/// Every test that runs the binary goes through `tests/common`'s hermetic `bin()` (no
/// $HELM_NAMESPACE, kubeconfig or NO_COLOR of the machine): no test file builds its own.
#[test]
fn tests_run_the_binary_one_way() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/").flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("architecture.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        if text.contains("Command::new(env!(\"CARGO_BIN_EXE_releasegen\"))") {
            found.push(path.display().to_string());
        }
    }
    assert!(found.is_empty(), "run the binary with common::bin() or common::run_bin():\n{}", found.join("\n"));
    let common = std::fs::read_to_string(dir.join("common/mod.rs")).expect("tests/common");
    for cleared in ["env_remove(\"HELM_NAMESPACE\")", "env(\"KUBECONFIG\"", "env_remove(\"NO_COLOR\")"] {
        assert!(common.contains(cleared), "common::hermetic lost {cleared}");
    }
}
