//! Argo CD's plugin run as Argo CD runs it, the Flux example, the schema file and completions.

mod common;

use releasegen::input::values::{self, Limits, Val};
use std::path::Path;
use std::process::Command;

fn bin_dir() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_releasegen"));
    format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default())
}

/// `spec.generate` of the plugin: command and args.
fn generate_command() -> Vec<String> {
    let text = std::fs::read(common::root().join("integrations/argocd/plugin.yaml")).unwrap();
    let plugin = values::parse(&text, Limits::default()).unwrap().to_json();
    assert_eq!(plugin["kind"], "ConfigManagementPlugin");
    assert_eq!(plugin["spec"]["discover"]["fileName"], "./releasegen.yaml");
    let generate = &plugin["spec"]["generate"];
    generate["command"].as_array().unwrap().iter().chain(generate["args"].as_array().unwrap()).map(|v| v.as_str().unwrap().to_string()).collect()
}

/// Runs the generate command the way the CMP server does: in the application's source
/// directory, with the build environment and the parameters as PARAM_* variables.
fn argocd_generate(dir: &Path, params: &[(&str, &str)]) -> std::process::Output {
    let cmd = generate_command();
    let mut c = Command::new(&cmd[0]);
    c.args(&cmd[1..])
        .current_dir(dir)
        .env_clear()
        .env("PATH", bin_dir())
        .env("ARGOCD_APP_NAME", "httpbin")
        .env("ARGOCD_APP_NAMESPACE", "test")
        .env("ARGOCD_APP_SOURCE_PATH", "examples/argocd-app")
        .env("ARGOCD_APP_REVISION", "0123456789abcdef");
    for (k, v) in params {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn argocd_plugin_generates_the_release() {
    let app = common::root().join("examples/argocd-app");
    let out = argocd_generate(&app, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let want = common::bin()
        .args(["render", "releasegen.yaml", "--name", "httpbin", "--namespace", "test"])
        .current_dir(&app)
        .output()
        .unwrap();
    assert_eq!(out.stdout, want.stdout);
    let ready = argocd_generate(&app, &[("PARAM_READY", "all")]);
    let text = String::from_utf8(ready.stdout).unwrap();
    assert!(text.ends_with("kind: HTTPRoute\nmetadata:\n  name: httpbin\n  namespace: test\n  annotations:\n    argocd.argoproj.io/sync-wave: \"1\"\n") || text.contains("argocd.argoproj.io/sync-wave: \"1\""), "{text}");
    assert!(text.contains("argocd.argoproj.io/sync-wave: \"0\""));
}

/// The example's Application names the folder the tests render and the parameter they pass;
/// its two commits are the primary alone, then the same with the candidate added.
#[test]
fn the_argocd_example_is_one_application_and_two_commits() {
    let dir = common::root().join("examples/argocd-app");
    let app = common::docs(&std::fs::read_to_string(dir.join("application.yaml")).unwrap());
    let [app] = app.as_slice() else { panic!("one Application") };
    assert_eq!((app["apiVersion"].as_str(), app["kind"].as_str()), (Some("argoproj.io/v1alpha1"), Some("Application")));
    assert_eq!(app["spec"]["source"]["path"], "examples/argocd-app");
    assert_eq!(app["spec"]["source"]["plugin"]["parameters"], serde_json::json!([{"name": "ready", "string": "all"}]));
    let versions = |file: &str| {
        let values = common::bin().args(["values", file]).current_dir(&dir).output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&values.stdout).unwrap();
        v["application"]["versions"].as_array().unwrap().clone()
    };
    let (first, second) = (versions("releasegen.yaml"), versions("candidate/releasegen.yaml"));
    assert_eq!(first.len(), 1);
    assert_eq!(second.len(), 2);
    assert_eq!(first[0], second[0], "the candidate commit keeps the primary as it was");
}

#[test]
fn argocd_plugin_fails_loudly_on_bad_values() {
    let dir = std::env::temp_dir().join(format!("releasegen-argocd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("releasegen.yaml"), "environment: deployment-istio\napplication:\n  versions: []\n").unwrap();
    let out = argocd_generate(&dir, &[]);
    assert!(!out.status.success(), "a failed render must fail the sync");
    assert!(out.stdout.is_empty(), "an empty 'success' would let auto-prune delete the application");
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least one version is required"));
    let out = argocd_generate(&common::root().join("examples/argocd-app"), &[("PARAM_READY", "7")]);
    assert!(!out.status.success() && out.stdout.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flux_example_is_rendered_and_up_to_date() {
    let src = common::root().join("examples/flux");
    let dir = std::env::temp_dir().join(format!("releasegen-flux-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("releases")).unwrap();
    std::fs::copy(src.join("render.sh"), dir.join("render.sh")).unwrap();
    for e in std::fs::read_dir(src.join("releases")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join("releases").join(p.file_name().unwrap())).unwrap();
    }
    let out = common::hermetic(&mut Command::new("sh")).arg(dir.join("render.sh")).env("RELEASEGEN", env!("CARGO_BIN_EXE_releasegen")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for f in ["httpbin.yaml", "wisdom.yaml", "kustomization.yaml"] {
        let got = std::fs::read_to_string(dir.join("deploy").join(f)).unwrap();
        let committed = std::fs::read_to_string(src.join("deploy").join(f)).unwrap();
        assert_eq!(got, committed, "examples/flux/deploy/{f} is stale: run examples/flux/render.sh");
    }
    // A failed render leaves the previous output alone.
    std::fs::write(dir.join("releases/broken.yaml"), "environment: nowhere\n").unwrap();
    let out = common::hermetic(&mut Command::new("sh")).arg(dir.join("render.sh")).env("RELEASEGEN", env!("CARGO_BIN_EXE_releasegen")).output().unwrap();
    assert!(!out.status.success());
    assert!(dir.join("deploy/httpbin.yaml").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn schema_file_is_the_schema_command() {
    let out = common::bin().arg("schema").output().unwrap();
    let file = std::fs::read_to_string(common::root().join("charts/releasegen/values.schema.json")).unwrap();
    let printed = String::from_utf8(out.stdout).unwrap();
    assert!(printed == file, "stale: run releasegen schema > charts/releasegen/values.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&file).unwrap();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    // Helm and yaml-language-server check it for real (tests/helm_e2e.py, tests/yaml-ls);
    // here, what they cannot see: every key has a description, and no oneOf is left.
    let mut keys = 0;
    undescribed(&schema, "", &mut keys);
    assert!(keys > 60, "only {keys} keys found");
    assert!(!file.contains("oneOf"));
}

/// Fails on any property without a description, anywhere in the schema.
fn undescribed(v: &serde_json::Value, at: &str, keys: &mut usize) {
    match v {
        serde_json::Value::Object(m) => {
            if let Some(serde_json::Value::Object(props)) = m.get("properties") {
                for (k, p) in props {
                    *keys += 1;
                    // A property may refer elsewhere; the description sits beside the reference.
                    assert!(p.get("description").and_then(|d| d.as_str()).is_some_and(|d| d.len() > 3), "{at}/{k} has no description");
                }
            }
            // Conditions (`if`, `then` of a per-environment rule, …) restate keys defined
            // elsewhere; the definitions are what an editor shows.
            for (k, x) in m.iter().filter(|(k, _)| !matches!(k.as_str(), "if" | "then" | "else" | "not" | "anyOf")) {
                undescribed(x, &format!("{at}/{k}"), keys);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| undescribed(x, at, keys)),
        _ => {}
    }
}

#[test]
fn release_schema() {
    let out = common::bin().args(["schema", "--release"]).output().unwrap();
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["properties"]["kind"]["const"], "Release");
    assert_eq!(schema["properties"]["apiVersion"]["const"], "releasegen.dev/v1alpha1");
    assert_eq!(schema["properties"]["spec"]["$ref"], "#/$defs/values");
    assert_eq!(schema["additionalProperties"], false);
    let values: serde_json::Value = serde_json::from_slice(&common::bin().arg("schema").output().unwrap().stdout).unwrap();
    assert_eq!(schema["$defs"], values["$defs"], "both schemas share one set of definitions");
    let mut keys = 0;
    undescribed(&schema, "", &mut keys);
}

/// bash completion (the script clap writes, run by bash itself) offers the words `--ready`
/// takes, and still takes a list of indices.
#[test]
fn completion_offers_ready_states() {
    let script = common::bin().args(["completions", "bash"]).output().unwrap().stdout;
    let dir = std::env::temp_dir().join(format!("releasegen-completion-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("releasegen.bash"), script).unwrap();
    for (cmd, word, want) in [("render", "", "all none"), ("post-render", "n", "none"), ("krm", "", "all none")] {
        let probe = format!(
            "source {}; COMP_WORDS=(releasegen {cmd} --ready '{word}'); COMP_CWORD=3; _releasegen releasegen '{word}' --ready; echo \"${{COMPREPLY[*]}}\"",
            dir.join("releasegen.bash").display()
        );
        let out = Command::new("bash").args(["-c", &probe]).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), want, "{cmd} --ready {word:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [("bash", "_releasegen()"), ("zsh", "#compdef releasegen"), ("fish", "complete -c releasegen")] {
        let out = common::bin().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains(marker) && text.contains("post-render"), "{shell}");
    }
}

#[test]
fn helm4_plugin_manifest() {
    let text = std::fs::read(common::root().join("helm-plugin/plugin.yaml")).unwrap();
    let p = values::parse(&text, Limits::default()).unwrap();
    let get = |k: &str| p.get(k).map(|n| n.value.clone());
    assert_eq!(get("type"), Some(Val::Str("postrenderer/v1".into())));
    assert_eq!(get("runtime"), Some(Val::Str("subprocess".into())));
    let cmd = p.to_json()["runtimeConfig"]["platformCommand"][0].clone();
    assert_eq!(cmd["command"], "releasegen");
    assert_eq!(cmd["args"][0], "post-render");
}

/// The no-controller loop of docs/guide/no-controller.md (`examples/no-controller/route-loop.sh`) with a stand-in
/// kubectl: when `kubectl get` fails, or prints nothing, nothing is applied; when it works,
/// the routing object for the live state is.
#[test]
fn route_loop_applies_nothing_when_kubectl_get_fails() {
    let dir = std::env::temp_dir().join(format!("releasegen-loop-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let live = r#"{"kind":"List","items":[
      {"kind":"Deployment","metadata":{"name":"demo-0","namespace":"demo"},"status":{"conditions":[{"type":"Available","status":"True"}]}},
      {"kind":"Service","metadata":{"name":"demo-0","namespace":"demo"}},
      {"kind":"Deployment","metadata":{"name":"demo-1","namespace":"demo"},"status":{"conditions":[{"type":"Available","status":"True"}]}},
      {"kind":"Service","metadata":{"name":"demo-1","namespace":"demo"}}]}"#;
    std::fs::write(dir.join("live.json"), live).unwrap();
    // The stand-in: `get` behaves as $GET says; `apply -f F` copies F to applied.yaml.
    let stub = format!(
        "#!/bin/sh\nd={}\ncase \"$1\" in\n get) case \"$GET\" in fail) echo 'error: the server does not have a resource type \"isvc\"' >&2; exit 1;; empty) exit 0;; *) cat $d/live.json;; esac;;\n apply) cp \"$3\" $d/applied.yaml;;\nesac\n",
        dir.display()
    );
    std::fs::write(dir.join("kubectl"), stub).unwrap();
    Command::new("chmod").arg("+x").arg(dir.join("kubectl")).status().unwrap();
    let script = common::root().join("examples/no-controller/route-loop.sh");
    let run = |get: &str| {
        let _ = std::fs::remove_file(dir.join("applied.yaml"));
        let out = common::hermetic(&mut Command::new("bash"))
            .arg(&script)
            .args(["fixtures/deployment-istio-canary.yaml", "demo", "demo"])
            .current_dir(common::root())
            .env("KUBECTL", dir.join("kubectl"))
            .env("RELEASEGEN", env!("CARGO_BIN_EXE_releasegen"))
            .env("ROUNDS", "1")
            .env("GET", get)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned(), std::fs::read_to_string(dir.join("applied.yaml")).ok())
    };
    // With a number of ROUNDS, a failed round fails the script: a job that runs it once fails.
    let (code, err, applied) = run("fail");
    assert!(applied.is_none(), "applied after a failed get: {applied:?}");
    assert!(err.contains("routing was left as it was") && err.contains("1 of 1 rounds failed"), "{err}");
    assert_eq!(code, Some(1), "{err}");
    let (code, err, applied) = run("empty");
    assert!(applied.is_none(), "applied after an empty get: {applied:?}");
    assert!(err.contains("no live objects: the input is empty"), "{err}");
    assert_eq!(code, Some(1), "{err}");
    let (code, err, applied) = run("ok");
    assert_eq!(code, Some(0), "{err}");
    let applied = applied.unwrap_or_else(|| panic!("nothing applied: {err}"));
    assert!(applied.contains("kind: VirtualService") && applied.contains("exact: test"), "{applied}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The plugin's `strict` parameter (default "true"): a typo fails the render, since nobody
/// reads the repo-server's log; `strict: "false"` lets it through as a warning.
#[test]
fn argocd_plugin_is_strict_unless_told_otherwise() {
    let dir = std::env::temp_dir().join(format!("releasegen-argo-strict-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let values = "environment: deployment-istio\napplication:\n  strategy: blue-green\n  versions:\n  - image: x\n  - image: x\n    wieght: 3\n";
    std::fs::write(dir.join("releasegen.yaml"), values).unwrap();
    let out = argocd_generate(&dir, &[]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("error: application.versions[1].wieght: unknown key"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = argocd_generate(&dir, &[("PARAM_STRICT", "false")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: application.versions[1].wieght: unknown key"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--api-versions`: the newest listed version releasegen writes, in the routing
/// object, the routemap's template and gvrShort, every `ready-*` key and the ModelMesh
/// ServiceEntry; groups it does not write are ignored; default v1beta1.
#[test]
fn api_versions_choose_the_routing_objects_version() {
    let render = |fixture: &str, extra: &[&str]| {
        let mut args = vec!["render", "--name", "demo", "--namespace", "demo", "--ready", "all"];
        args.extend_from_slice(extra);
        let path = common::root().join("fixtures").join(fixture);
        args.push(path.to_str().unwrap());
        let out = common::bin().args(&args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let count = |text: &str, needle: &str| text.matches(needle).count();
    let gtw = render("deployment-gtw-canary.yaml", &["-a", "monitoring.coreos.com/v1,gateway.networking.k8s.io/v1beta1", "--api-versions", "gateway.networking.k8s.io/v1/HTTPRoute"]);
    assert_eq!(count(&gtw, "gateway.networking.k8s.io/v1beta1"), 0);
    assert!(count(&gtw, "apiVersion: gateway.networking.k8s.io/v1\n") >= 6, "template, 4 states and the live object:\n{gtw}");
    assert!(gtw.contains("gvrShort: httproute-v1\n"));
    let mm = render("kserve-modelmesh-istio-canary.yaml", &["-a", "networking.istio.io/v1alpha3,networking.istio.io/v1beta1,networking.istio.io/v1"]);
    assert_eq!(count(&mm, "networking.istio.io/v1beta1"), 0);
    assert!(mm.contains("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n"));
    assert!(mm.contains("gvrShort: vs-v1\n"));
    let default = render("kserve-modelmesh-istio-canary.yaml", &["-a", "apps/v1"]);
    assert_eq!(count(&default, "networking.istio.io/v1\n"), 0);
    assert!(default.contains("gvrShort: vs\n"));
    // The post-renderer takes the flag too (Helm does not pass its own -a to a post-renderer).
    let stream = std::fs::read(common::root().join("tests/helm/helm3-stream.yaml")).unwrap();
    let mut child = common::bin()
        .args(["post-render", "-a", "networking.istio.io/v1"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &stream).unwrap();
    let out = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    assert!(out.contains("networking.istio.io/v1\n") && !out.contains("networking.istio.io/v1beta1"), "{out}");
}

/// A version in another namespace than the release: the loop reads every namespace listed in
/// `NAMESPACES`, one List each, and routes to the version there. Against a real API server the
/// loop once read the release namespace alone and never saw such a version, while the Iter8
/// controller (cluster-scoped) routed to it (tests/cluster/run, route check).
#[test]
fn route_loop_reads_every_namespace_it_is_given() {
    let dir = std::env::temp_dir().join(format!("releasegen-loop-ns-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let values = "environment: deployment-istio\napplication:\n  strategy: blue-green\n  versions:\n  - image: x\n  - image: x\n    metadata:\n      namespace: canary\n";
    std::fs::write(dir.join("values.yaml"), values).unwrap();
    // The live objects: what render writes, watched and ready, served per namespace.
    let out = common::bin().args(["render", "--name", "demo", "-n", "demo"]).arg(dir.join("values.yaml")).output().unwrap();
    assert!(out.status.success());
    let mut items = Vec::new();
    for mut doc in common::docs(&String::from_utf8(out.stdout).unwrap()) {
        if doc["metadata"]["labels"]["iter8.tools/watch"] != "true" {
            continue;
        }
        if doc["kind"] == "Deployment" {
            doc["status"] = serde_json::json!({"conditions": [{"type": "Available", "status": "True"}]});
        }
        items.push(doc);
    }
    for ns in ["demo", "canary"] {
        let mine: Vec<_> = items.iter().filter(|o| o["metadata"]["namespace"] == ns).cloned().collect();
        assert!(!mine.is_empty(), "nothing in {ns}");
        std::fs::write(dir.join(format!("{ns}.json")), serde_json::json!({"kind": "List", "items": mine}).to_string()).unwrap();
    }
    // The stand-in: `get KINDS -n NS …` prints NS's List; `apply -f F` copies F.
    let stub = format!("#!/bin/sh\nd={}\ncase \"$1\" in\n get) cat \"$d/$4.json\";;\n apply) cp \"$3\" $d/applied.yaml;;\nesac\n", dir.display());
    std::fs::write(dir.join("kubectl"), stub).unwrap();
    Command::new("chmod").arg("+x").arg(dir.join("kubectl")).status().unwrap();
    let run = |namespaces: Option<&str>| {
        let _ = std::fs::remove_file(dir.join("applied.yaml"));
        let mut cmd = Command::new("bash");
        common::hermetic(&mut cmd).arg(common::root().join("examples/no-controller/route-loop.sh"))
            .arg(dir.join("values.yaml"))
            .args(["demo", "demo"])
            .env("KUBECTL", dir.join("kubectl"))
            .env("RELEASEGEN", env!("CARGO_BIN_EXE_releasegen"))
            .env("ROUNDS", "1");
        if let Some(ns) = namespaces {
            cmd.env("NAMESPACES", ns);
        }
        let out = cmd.output().unwrap();
        std::fs::read_to_string(dir.join("applied.yaml")).unwrap_or_else(|_| panic!("nothing applied: {}", String::from_utf8_lossy(&out.stderr)))
    };
    let both = run(Some("demo canary"));
    assert!(both.contains("host: demo-0.demo.svc") && both.contains("host: demo-1.canary.svc"), "{both}");
    // Not listed, the candidate's namespace is not read: the version counts as missing.
    let alone = run(None);
    assert!(alone.contains("host: demo-0.demo.svc") && !alone.contains("demo-1.canary"), "{alone}");
    let _ = std::fs::remove_dir_all(&dir);
}
