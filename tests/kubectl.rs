//! Proof of the YAML writer against kubectl itself: every fixture's stream, decoded offline
//! by `kubectl label --local` exactly as `kubectl apply` would decode it (YAML 1.1), gives
//! back the very objects releasegen meant, string for string. Strings such as `yes`, `on`,
//! `y`, `NO`, `1_000`, `0755` and `<<` are in `fixtures/yaml11-ambiguous-strings.yaml`.
//! kubectl is on every machine of this project; CI (CI=true) fails without it.

mod common;


#[test]
fn kubectl_reads_exactly_what_releasegen_meant() {
    let mut compared = 0;
    for (stem, path) in common::fixtures() {
        let input = std::fs::read(&path).unwrap();
        let opts = common::options(&stem, Some("all".parse().unwrap()));
        let (release, _) = releasegen::release(&input, &opts).unwrap();
        let plan = releasegen::plan::routing::plan(&release);
        let ready = plan.as_ref().map(|_| releasegen::plan::routing::State((1 << release.versions.len()) - 1));
        let meant = releasegen::render::manifests(&release, plan.as_ref(), ready, false).unwrap();
        let Some(read) = common::kubectl_decode(&releasegen::emit::stream(&meant)) else {
            eprintln!("kubectl not found; skipped outside CI");
            return;
        };
        assert_eq!(read.len(), meant.len(), "{stem}");
        for (got, want) in read.into_iter().zip(&meant) {
            assert_eq!(&got, want, "{stem}");
            compared += 1;
        }
    }
    assert!(compared > 100, "compared only {compared} objects");
}

/// The prune labels as kubectl reads them: every object `render --ready all` emits
/// carries `releasegen.dev/release: APP` and not the routing label, except the live routing
/// object, which carries `releasegen.dev/routing: APP` and not the release label. So
/// `kubectl apply --prune -l releasegen.dev/release=APP` selects the release without its live
/// route, and `-l releasegen.dev/routing=APP` selects just the route. The routemap's template
/// and every `ready-*` state write the same routing label (the invariants compare them).
#[test]
fn prune_labels_split_the_release_from_its_live_route() {
    let mut checked = 0;
    for (stem, path) in common::fixtures() {
        let out = common::bin()
            .args(["render", "--ready", "all"])
            .args(["--name", common::name_for(&stem).0, "--namespace", common::name_for(&stem).1])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{stem}: {}", String::from_utf8_lossy(&out.stderr));
        let Some(read) = common::kubectl_decode(&String::from_utf8(out.stdout).unwrap()) else { return };
        let input = std::fs::read(&path).unwrap();
        let (release, _) = releasegen::release(&input, &common::options(&stem, None)).unwrap();
        let app = release.name.as_str();
        let routes = releasegen::plan::routing::plan(&release).is_some();
        for (i, obj) in read.iter().enumerate() {
            let labels = &obj["metadata"]["labels"];
            let is_route = routes && i + 1 == read.len();
            let what = format!("{stem}: {} {}", obj["kind"], obj["metadata"]["name"]);
            if is_route {
                assert!(matches!(obj["kind"].as_str(), Some("VirtualService" | "HTTPRoute" | "GRPCRoute")), "{what}");
                assert_eq!(labels["releasegen.dev/routing"], app, "{what}");
                assert!(labels.get("releasegen.dev/release").is_none(), "{what}: a prune of the release would remove the live route");
            } else {
                assert_eq!(labels["releasegen.dev/release"], app, "{what}");
                assert!(labels.get("releasegen.dev/routing").is_none(), "{what}");
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "checked only {checked} objects");
}
