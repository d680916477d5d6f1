//! Kubernetes objects as the render stage builds them: typed metadata (name, namespace, labels,
//! annotations) around an untyped body, as kube-rs's `DynamicObject` keeps them. Labels and
//! annotations are set and read by name, never by string paths into JSON, and the object
//! becomes JSON once, when it leaves this stage.

use crate::emit::json;
use indexmap::IndexMap;
use serde_json::{Map, Value};

/// The metadata releasegen writes. Other metadata fields are never written, so none is kept.
#[derive(Clone, Debug, Default)]
pub struct ObjectMeta {
    pub name: String,
    pub namespace: String,
    pub labels: IndexMap<String, String>,
    pub annotations: IndexMap<String, String>,
}

impl ObjectMeta {
    pub fn new(name: impl Into<String>, namespace: impl Into<String>) -> Self {
        ObjectMeta { name: name.into(), namespace: namespace.into(), ..ObjectMeta::default() }
    }

    pub fn label(mut self, key: &str, value: impl Into<String>) -> Self {
        self.labels.insert(key.to_string(), value.into());
        self
    }

    pub fn annotation(mut self, key: &str, value: impl Into<String>) -> Self {
        self.annotations.insert(key.to_string(), value.into());
        self
    }

    /// The length of `into_value` as compact JSON.
    fn json_size(&self) -> usize {
        let strings = |m: &IndexMap<String, String>| json::map_len(m.iter().map(|(k, v)| json::string_len(k) + json::string_len(v)), m.len());
        let mut fields = vec![json::string_len("name") + json::string_len(&self.name), json::string_len("namespace") + json::string_len(&self.namespace)];
        for (key, map) in [("labels", &self.labels), ("annotations", &self.annotations)] {
            if !map.is_empty() {
                fields.push(json::string_len(key) + strings(map));
            }
        }
        json::map_len(fields.iter().copied(), fields.len())
    }

    /// `name`, `namespace`, then `labels` and `annotations` when there are any.
    pub fn into_value(self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), self.name.into());
        m.insert("namespace".into(), self.namespace.into());
        if !self.labels.is_empty() {
            m.insert("labels".into(), strings(self.labels));
        }
        if !self.annotations.is_empty() {
            m.insert("annotations".into(), strings(self.annotations));
        }
        Value::Object(m)
    }
}

fn strings(map: IndexMap<String, String>) -> Value {
    Value::Object(map.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
}

/// An object: its type, its metadata, and the rest (`spec`, `data`, …) as written.
#[derive(Clone, Debug)]
pub struct Object {
    pub api_version: String,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub body: Map<String, Value>,
}

impl Object {
    pub fn new(api_version: impl Into<String>, kind: &'static str, metadata: ObjectMeta) -> Self {
        Object { api_version: api_version.into(), kind, metadata, body: Map::new() }
    }

    /// The object with a top-level field after the metadata (`spec`, `data`).
    pub fn with(mut self, field: &str, value: Value) -> Self {
        self.body.insert(field.to_string(), value);
        self
    }

    /// The length of the object as compact JSON, as Go's encoding/json writes `into_value`
    /// (kubectl's last-applied annotation): counted piece by piece, without writing it.
    pub fn json_size(&self) -> usize {
        let field = |k: &str, len: usize| json::string_len(k) + len;
        let fields = [
            field("apiVersion", json::string_len(&self.api_version)),
            field("kind", json::string_len(self.kind)),
            field("metadata", self.metadata.json_size()),
        ];
        let body = self.body.iter().map(|(k, v)| field(k, json::value_len(v)));
        json::map_len(fields.into_iter().chain(body), 3 + self.body.len())
    }

    /// The object as JSON: `apiVersion`, `kind`, `metadata`, then the body in its order.
    pub fn into_value(self) -> Value {
        let mut m = Map::with_capacity(3 + self.body.len());
        m.insert("apiVersion".into(), self.api_version.into());
        m.insert("kind".into(), self.kind.into());
        m.insert("metadata".into(), self.metadata.into_value());
        m.extend(self.body);
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_fields_in_kubernetes_order_and_leaves_out_empty_maps() {
        let o = Object::new("v1", "ConfigMap", ObjectMeta::new("a", "ns").label("x", "1")).with("data", serde_json::json!({"k": "v"}));
        let text = serde_json::to_string(&o.clone().into_value()).expect("JSON");
        assert_eq!(o.json_size(), text.len());
        let escaped = Object::new("v1", "ConfigMap", ObjectMeta::new("a", "ns").annotation("n", "<&>\"\n")).with("data", serde_json::json!({"k\t": ["v<", 1]}));
        let text = serde_json::to_string(&escaped.clone().into_value()).expect("JSON");
        assert_eq!(escaped.json_size(), text.len() + 4 * 5, "Go writes <, & and > as \\u003c…");
        assert_eq!(
            serde_json::to_string(&o.into_value()).expect("JSON"),
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"ns","labels":{"x":"1"}},"data":{"k":"v"}}"#
        );
    }
}
