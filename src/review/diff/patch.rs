//! Objects compared by kind, namespace and name, each change as RFC 6902 JSON Patch
//! operations.

use super::*;

/// An object's kind, namespace and name: how the two sides' objects are paired.
fn identity(o: &Value) -> String {
    let text = |k: &str| o["metadata"][k].as_str().unwrap_or("").to_string();
    format!("{} {}/{}", o["kind"].as_str().unwrap_or("?"), text("namespace"), text("name"))
}

pub(super) fn object_changes(base: &[Value], head: &[Value]) -> Vec<ObjectChange> {
    let before: BTreeMap<String, &Value> = base.iter().map(|o| (identity(o), o)).collect();
    let after: BTreeMap<String, &Value> = head.iter().map(|o| (identity(o), o)).collect();
    let mut out = Vec::new();
    for o in head {
        let id = identity(o);
        match before.get(&id) {
            None => out.push(ObjectChange { object: id, kind: "added", patch: vec![json!({"op": "add", "path": "", "value": o})] }),
            Some(old) => {
                let mut patch = Vec::new();
                json_patch(old, o, &mut String::new(), &mut patch);
                if !patch.is_empty() {
                    out.push(ObjectChange { object: id, kind: "changed", patch });
                }
            }
        }
    }
    for o in base {
        let id = identity(o);
        if !after.contains_key(&id) {
            out.push(ObjectChange { object: id, kind: "removed", patch: vec![json!({"op": "remove", "path": ""})] });
        }
    }
    out
}

/// RFC 6902 operations that turn `a` into `b`: mappings key by key, lists of the same length
/// item by item, anything else replaced whole. Paths are JSON Pointers (`~` and `/` escaped).
/// A `replace` or `remove` also carries the value it replaces as `old`, for the reviewer; the
/// RFC has patch processors ignore members an operation does not define.
pub fn json_patch(a: &Value, b: &Value, path: &mut String, out: &mut Vec<Value>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let len = path.len();
                push_token(path, k);
                match y.get(k) {
                    None => out.push(json!({"op": "remove", "path": path.as_str(), "old": va})),
                    Some(vb) => json_patch(va, vb, path, out),
                }
                path.truncate(len);
            }
            for (k, vb) in y.iter().filter(|(k, _)| !x.contains_key(*k)) {
                let len = path.len();
                push_token(path, k);
                out.push(json!({"op": "add", "path": path.as_str(), "value": vb}));
                path.truncate(len);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                let len = path.len();
                push_token(path, &i.to_string());
                json_patch(va, vb, path, out);
                path.truncate(len);
            }
        }
        _ if a == b => {}
        _ => out.push(json!({"op": "replace", "path": path.as_str(), "value": b, "old": a})),
    }
}

fn push_token(path: &mut String, token: &str) {
    path.push('/');
    path.push_str(&token.replace('~', "~0").replace('/', "~1"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_patch_names_each_change_by_path() {
        let a = json!({"a": 1, "b": {"c": [1, 2], "d/e": "x"}, "gone": true});
        let b = json!({"a": 2, "b": {"c": [1, 3], "d/e": "x"}, "new": [1]});
        let mut ops = Vec::new();
        json_patch(&a, &b, &mut String::new(), &mut ops);
        assert_eq!(
            Value::Array(ops),
            json!([
                {"op": "replace", "path": "/a", "value": 2, "old": 1},
                {"op": "replace", "path": "/b/c/1", "value": 3, "old": 2},
                {"op": "remove", "path": "/gone", "old": true},
                {"op": "add", "path": "/new", "value": [1]}
            ])
        );
        let mut none = Vec::new();
        json_patch(&a, &a, &mut String::new(), &mut none);
        assert!(none.is_empty());
        let mut esc = String::new();
        push_token(&mut esc, "a/b~c");
        assert_eq!(esc, "/a~1b~0c");
    }
}
