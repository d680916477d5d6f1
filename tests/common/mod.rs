//! Helpers shared by the integration tests.
#![allow(dead_code)]

use releasegen::model::Context;
use releasegen::values::{self, Limits};
use releasegen::{Options, Ready};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every values file in `fixtures/`, sorted, as (stem, path).
pub fn fixtures() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(root().join("fixtures"))
        .expect("fixtures/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    out.sort();
    assert!(out.len() >= 20, "expected the fixtures, found {}", out.len());
    out
}

/// The release name and namespace each fixture is rendered with: the seeds' own.
pub fn name_for(stem: &str) -> (&'static str, &'static str) {
    if stem.starts_with("seed-gateway-api") {
        ("httpbin", "test")
    } else if stem.starts_with("seed-modelmesh") {
        ("wisdom", "default")
    } else {
        ("demo", "demo")
    }
}

pub fn options(stem: &str, ready: Option<Ready>) -> Options {
    let (name, ns) = name_for(stem);
    Options {
        context: Context { release_name: Some(name.into()), namespace: Some(ns.into()), strict: true },
        ready,
        ..Options::default()
    }
}

pub fn render(path: &Path, stem: &str) -> String {
    let input = std::fs::read(path).unwrap();
    match releasegen::render(&input, &options(stem, None)) {
        Ok(out) => {
            assert!(out.warnings.is_empty(), "{stem}: warnings {:?}", out.warnings);
            out.yaml
        }
        Err(f) => panic!("{stem} failed to render: {:?}", f.errors),
    }
}

/// Parses one YAML document as JSON (through releasegen's own reader).
pub fn yaml(text: &str) -> Value {
    values::parse(text.as_bytes(), Limits::default())
        .unwrap_or_else(|e| panic!("not YAML ({e}):\n{text}"))
        .to_json()
}

/// Splits a stream on `---` lines and parses each document.
pub fn docs(stream: &str) -> Vec<Value> {
    stream.split("---\n").filter(|d| !d.trim().is_empty()).map(yaml).collect()
}
