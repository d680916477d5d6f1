//! Rendering cost, per fixture and as releases grow: every fixture in `fixtures/`, and
//! blue-green releases of 1 to 7 versions (2^N readiness states each; 8 are refused). The
//! whole-process measurement (exec to exit) is in docs/performance.md, taken with hyperfine.

use criterion::{Criterion, criterion_group, criterion_main};
use releasegen::Options;
use std::hint::black_box;

fn options() -> Options {
    let mut o = Options::default();
    o.context.release_name = Some("bench".into());
    o.context.namespace = Some("bench".into());
    o
}

/// A blue-green release on Istio with `n` versions.
pub fn blue_green(n: usize) -> String {
    let versions: String = (0..n).map(|i| format!("  - image: example.com/app:{i}\n")).collect();
    format!("environment: deployment-istio\napplication:\n  strategy: blue-green\n  versions:\n{versions}")
}

fn fixtures(c: &mut Criterion) {
    let mut paths: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    let opts = options();
    let mut group = c.benchmark_group("fixture");
    for path in paths {
        let input = std::fs::read(&path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        group.bench_function(name, |b| b.iter(|| releasegen::render(black_box(&input), &opts).unwrap()));
    }
    group.finish();
}

fn versions(c: &mut Criterion) {
    let opts = options();
    let mut group = c.benchmark_group("blue-green-versions");
    for n in 1..=7 {
        let input = blue_green(n).into_bytes();
        group.bench_function(n.to_string(), |b| b.iter(|| releasegen::render(black_box(&input), &opts)));
    }
    group.finish();
}

criterion_group!(benches, fixtures, versions);
criterion_main!(benches);
