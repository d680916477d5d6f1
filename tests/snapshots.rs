//! One snapshot per fixture: every environment × strategy, the seeds' values, three-version
//! releases and custom specifications. Each was read against the routing rules of the guides in docs/ before it was accepted.

mod common;

#[test]
fn every_fixture_renders_as_snapshotted() {
    for (stem, path) in common::fixtures() {
        let out = common::render(&path, &stem);
        insta::assert_snapshot!(stem.clone(), out);
    }
}

#[test]
fn ready_adds_the_live_routing_object() {
    let path = common::root().join("fixtures/deployment-istio-blue-green.yaml");
    let input = std::fs::read(path).unwrap();
    let ready = common::options("demo", Some("1".parse().unwrap()));
    let out = releasegen::render(&input, &ready).unwrap().yaml;
    let live = out.rsplit("---\n").next().unwrap();
    insta::assert_snapshot!("ready-1-live-object", live);
}
