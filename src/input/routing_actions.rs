//! Values written for Iter8's `routing-actions` chart (`appType`, `appName`, `action`,
//! `strategy`, `appVersions`), accepted as they are. They describe routing for
//! workloads the user already runs, so they translate into release values with
//! `application.workloads: external`. `action: initialize` renders the routing;
//! `action: modify-weights` renders only the weight-config ConfigMaps with the new weights.
//!
//! The translation builds release values from the same positioned nodes, so a message still
//! points at the line the user wrote; paths are named back in the chart's own terms.

use crate::problem::Problem;
use crate::input::values::{Node, Val};
use crate::input::vocabulary::{APP_TYPES, ROUTING_ACTIONS, has};

/// Values for the routing-actions chart have `appType` or `action`, and no `environment`.
pub fn is_routing_actions(root: &Node) -> bool {
    root.get("environment").is_none() && (root.get("appType").is_some() || root.get("action").is_some())
}

pub struct Translated {
    pub values: Node,
    pub weights_only: bool,
    pub warnings: Vec<Problem>,
}

pub fn translate(root: &Node) -> Result<Translated, Problem> {
    let mut warnings = Vec::new();
    if let Val::Map(entries) = &root.value {
        for (k, v) in entries.iter().filter(|(k, _)| !has(ROUTING_ACTIONS, k)) {
            let p = Problem::at(k, Some(v.pos), "unknown key of the routing-actions chart (ignored)");
            warnings.push(p);
        }
    }
    let text = |key: &str| match root.get(key).map(|n| &n.value) {
        Some(Val::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let at = |key: &str, msg: String| {
        let p = Problem::at(key, root.get(key).map(|n| n.pos), msg);
        p
    };
    let action = text("action").ok_or_else(|| at("action", "action is required: initialize or modify-weights".into()))?;
    if action != "initialize" && action != "modify-weights" {
        return Err(at("action", format!("Unknown action: '{action}' (initialize or modify-weights)")));
    }
    let app_type = text("appType").ok_or_else(|| at("appType", "appType is required".into()))?;
    let environment = match app_type.as_str() {
        "deployment" => "deployment-istio",
        "kserve-modelmesh" => "kserve-modelmesh-istio",
        "kserve" | "kserve-0.11" | "kserve-0.10" => app_type.as_str(),
        other => {
            let msg = format!("Unknown appType: '{other}' ({})", APP_TYPES.join(", "));
            return Err(at("appType", msg));
        }
    };
    let strategy = text("strategy").unwrap_or_default();
    let weights_only = action == "modify-weights";
    if weights_only && strategy != "blue-green" && strategy != "mirror" {
        let msg = format!("modify-weights changes the weights of a blue-green or mirror release; strategy is '{strategy}'");
        return Err(at("strategy", msg));
    }
    let pos = root.pos;
    let node = |value: Val| Node { value, pos };
    let s = |t: &str| node(Val::Str(t.to_string()));
    let mut metadata = Vec::new();
    if let Some(name) = root.get("appName") {
        metadata.push(("name".to_string(), name.clone()));
    }
    let mut application = vec![
        ("metadata".to_string(), node(Val::Map(metadata.into()))),
        ("workloads".to_string(), s("external")),
        ("versions".to_string(), versions(root, &strategy)),
    ];
    if let Some(st) = root.get("strategy") {
        application.push(("strategy".into(), st.clone()));
    }
    if let Some(port) = root.get("appPort") {
        application.push(("port".into(), port.clone()));
    }
    let mut top = vec![("environment".to_string(), s(environment)), ("application".to_string(), node(Val::Map(application.into())))];
    if let Some(v) = root.get("iter8Version") {
        top.push(("iter8Version".into(), v.clone()));
    }
    if let Some(g) = root.get("externalGateway") {
        top.push(("gateway".into(), g.clone()));
    }
    if let Some(p) = root.get("modelmeshServingPort") {
        top.push(("service".into(), node(Val::Map(vec![("port".into(), p.clone())].into()))));
    }
    Ok(Translated { values: node(Val::Map(top.into())), weights_only, warnings })
}

/// `appVersions` entries `{name, namespace, weight, match}` become versions; absent, two
/// versions `appName-0` and `appName-1`, as the chart had it.
fn versions(root: &Node, strategy: &str) -> Node {
    let pos = root.pos;
    let given: Vec<Node> = match root.get("appVersions").map(|n| &n.value) {
        Some(Val::Seq(items)) => items.to_vec(),
        _ => vec![Node { value: Val::Map(Default::default()), pos }, Node { value: Val::Map(Default::default()), pos }],
    };
    let mirror_pct = root.get("mirrorPercentage");
    let items: Vec<Node> = given
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let Val::Map(entries) = &v.value else { return v.clone() };
            let mut meta = Vec::new();
            let mut out = Vec::new();
            for (k, val) in entries.iter() {
                match k.as_str() {
                    "name" | "namespace" => meta.push((k.clone(), val.clone())),
                    _ => out.push((k.clone(), val.clone())),
                }
            }
            if let (Some(p), true, true) = (mirror_pct, strategy == "mirror", i > 0)
                && !out.iter().any(|(k, _)| k == "weight")
            {
                out.push(("weight".into(), p.clone()));
            }
            if !meta.is_empty() {
                out.insert(0, ("metadata".into(), Node { value: Val::Map(meta.into()), pos: v.pos }));
            }
            Node { value: Val::Map(out.into()), pos: v.pos }
        })
        .collect();
    Node { value: Val::Seq(items.into()), pos }
}

/// Names a path of the translated values in the chart's own terms.
pub fn chart_path(path: &str) -> String {
    const MAP: &[(&str, &str)] = &[
        ("application.versions", "appVersions"),
        ("application.metadata.name", "appName"),
        ("application.strategy", "strategy"),
        ("application.port", "appPort"),
        ("environment", "appType"),
        ("gateway", "externalGateway"),
        ("service.port", "modelmeshServingPort"),
    ];
    for (from, to) in MAP {
        if let Some(rest) = path.strip_prefix(from) {
            return format!("{to}{}", rest.replace(".metadata.name", ".name").replace(".metadata.namespace", ".namespace"));
        }
    }
    path.to_string()
}
