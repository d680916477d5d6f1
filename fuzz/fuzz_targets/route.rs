//! `route`'s live-object input, against fixed release values of each routing kind: any
//! bytes give a routing object or a refusal, and never route to a version judged unready.
#![no_main]

use libfuzzer_sys::fuzz_target;

const VALUES: [&str; 3] = [
    "environment: deployment-istio\napplication:\n  strategy: blue-green\n  versions:\n  - image: a\n  - image: b\n    weight: 30\n",
    "environment: kserve\napplication:\n  modelFormat: m\n  strategy: canary\n  versions:\n  - storageUri: s3://a\n  - storageUri: s3://b\n",
    "environment: deployment-gtw\napplication:\n  strategy: blue-green\n  versions:\n  - image: a\n  - image: b\n  - image: c\n",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, live)) = data.split_first() else { return };
    let values = VALUES[usize::from(pick) % VALUES.len()];
    let mut opts = releasegen::Options::default();
    opts.context.release_name = Some("demo".into());
    opts.context.namespace = Some("demo".into());
    if let Ok(routed) = releasegen::route(values.as_bytes(), live, &opts) {
        // Every candidate judged unready is absent from the routing (the primary takes all
        // traffic when nothing is ready, so it is not checked here).
        for line in routed.explain.iter().filter(|l| l.starts_with("version ") && !l.starts_with("version 0 ")) {
            if line.contains(": not ready,") {
                let name = line.split(['(', ')']).nth(1).unwrap_or_default();
                assert!(!routed.yaml.contains(&format!("app-version: {name}\n")), "traffic to unready {name}");
                assert!(!routed.yaml.contains(&format!("value: {name}\n")), "traffic to unready {name}");
            }
        }
    }
});
