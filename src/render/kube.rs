//! Kubernetes objects as the render stage builds them: typed metadata (name, namespace, labels,
//! annotations) around an untyped body, as kube-rs's `DynamicObject` keeps them. Labels and
//! annotations are set and read by name, never by string paths into JSON, and the object
//! becomes JSON once, when it leaves this stage.

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

    /// The length of the object as compact JSON text, as `into_value` would give it, plus
    /// `extra(c)` for each character of that text; measured piece by piece, without taking the
    /// object apart or writing the whole text (the routemap is measured this way before it is
    /// kept).
    pub fn json_size(&self, extra: impl Fn(char) -> usize + Copy) -> usize {
        let measure = |t: &str| t.len() + t.chars().map(extra).sum::<usize>();
        let quoted = |t: &str| measure(&serde_json::to_string(t).unwrap_or_default());
        // {"apiVersion":…,"kind":…,"metadata":…} and ,"key":value for each body field.
        let mut size = measure("{\"apiVersion\":,\"kind\":,\"metadata\":}");
        size += quoted(&self.api_version) + quoted(self.kind);
        size += measure(&self.metadata.clone().into_value().to_string());
        for (k, v) in &self.body {
            size += measure(",:") + quoted(k) + measure(&v.to_string());
        }
        size
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
        assert_eq!(o.json_size(|_| 0), text.len());
        assert_eq!(o.json_size(|c| usize::from(c == '"')), text.len() + text.matches('"').count());
        assert_eq!(
            serde_json::to_string(&o.into_value()).expect("JSON"),
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"ns","labels":{"x":"1"}},"data":{"k":"v"}}"#
        );
    }
}
