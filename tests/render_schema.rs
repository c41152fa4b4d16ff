//! Every rendered body validates against the official REST API definition of its type and
//! api-version (`schemas/*.json`): no unknown or read-only properties, required ones present,
//! right JSON types, enumerations among `x-known-values`. Values known only after apply
//! (`null` at a pending pointer) are accepted where the schema wants a value.

use std::cell::RefCell;
use std::collections::HashSet;

use azlift::render::{RenderContext, fixtures, render};
use azlift::resource::DesiredResource;
use serde_json::{Map, Value};

struct Checker<'a> {
    defs: &'a Map<String, Value>,
    pending: HashSet<String>,
    /// (definition, path) pairs being checked: the discriminated unions of the generated
    /// schemas refer to each other, and a branch that loops back is a branch that fails.
    active: RefCell<Vec<(String, String)>>,
}

impl Checker<'_> {
    fn check(&self, schema: &Value, value: &Value, path: &str) -> Vec<String> {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.trim_start_matches("#/$defs/");
            let key = (name.to_string(), path.to_string());
            if self.active.borrow().contains(&key) {
                return vec![format!("{path}: {name} refers back to itself")];
            }
            self.active.borrow_mut().push(key);
            let result = match self.defs.get(name) {
                Some(def) => self.check(def, value, path),
                None => vec![format!("{path}: schema has no definition {name}")],
            };
            self.active.borrow_mut().pop();
            return result;
        }
        if value.is_null() && self.pending.contains(path) {
            return Vec::new();
        }
        if schema.get("readOnly") == Some(&Value::Bool(true)) {
            return vec![format!("{path}: read-only property sent")];
        }
        if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
            let results: Vec<Vec<String>> = branches
                .iter()
                .map(|b| self.check(b, value, path))
                .collect();
            if results.iter().any(|r| r.is_empty()) {
                return Vec::new();
            }
            return vec![format!("{path}: matches no branch of oneOf: {results:?}")];
        }
        let mut errors = Vec::new();
        if let Some(t) = schema.get("type").and_then(Value::as_str) {
            let ok = match t {
                "object" => value.is_object(),
                "array" => value.is_array(),
                "string" => value.is_string(),
                "integer" => value.is_i64() || value.is_u64(),
                "number" => value.is_number(),
                "boolean" => value.is_boolean(),
                _ => true,
            };
            if !ok {
                return vec![format!("{path}: expected {t}, got {value}")];
            }
        }
        if let (Some(known), Some(s)) = (
            schema.get("x-known-values").and_then(Value::as_array),
            value.as_str(),
        ) && !known.iter().any(|k| k.as_str() == Some(s))
        {
            errors.push(format!("{path}: `{s}` is not one of {known:?}"));
        }
        if let Some(obj) = value.as_object() {
            for req in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(req) = req.as_str()
                    && !obj.contains_key(req)
                {
                    errors.push(format!("{path}: required `{req}` missing"));
                }
            }
            let props = schema.get("properties").and_then(Value::as_object);
            for (key, child) in obj {
                let child_path = format!("{path}/{}", key.replace('~', "~0").replace('/', "~1"));
                match props.and_then(|p| p.get(key)) {
                    Some(s) => errors.extend(self.check(s, child, &child_path)),
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            errors.push(format!("{child_path}: unknown property"))
                        }
                        Some(s @ Value::Object(_)) => {
                            errors.extend(self.check(s, child, &child_path))
                        }
                        _ => {}
                    },
                }
            }
        }
        if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
            for (i, item) in arr.iter().enumerate() {
                errors.extend(self.check(items, item, &format!("{path}/{i}")));
            }
        }
        errors
    }
}

fn validate(resource: &DesiredResource) -> Vec<String> {
    let Some(info) = resource.kind.info() else {
        return Vec::new();
    };
    let path = format!("{}/schemas/{}", env!("CARGO_MANIFEST_DIR"), info.schema);
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(
        schema["x-api-version"],
        resource.api_version.as_str(),
        "{}",
        resource.address
    );
    let defs = schema["$defs"].as_object().cloned().unwrap_or_default();
    let checker = Checker {
        defs: &defs,
        pending: resource.pending.iter().map(|p| p.pointer.clone()).collect(),
        active: RefCell::new(Vec::new()),
    };
    checker
        .check(&schema, &resource.body, "")
        .into_iter()
        .map(|e| format!("{}: {e}", resource.address))
        .collect()
}

fn assert_valid(resources: &[DesiredResource]) {
    let errors: Vec<String> = resources
        .iter()
        .filter(|r| r.managed)
        .flat_map(validate)
        .collect();
    assert!(
        errors.is_empty(),
        "bodies the REST API would reject:\n{}",
        errors.join("\n")
    );
}

#[test]
fn production_bodies_match_the_rest_api_definitions() {
    let resources = render(&fixtures::production_model(), &RenderContext::default()).unwrap();
    assert_eq!(resources.len(), 14);
    assert_valid(&resources);
}

#[test]
fn generated_bodies_with_secrets_and_env_match_the_rest_api_definitions() {
    let resources = render(&fixtures::generated_model(5), &RenderContext::default()).unwrap();
    assert_valid(&resources);
}

#[test]
fn the_checker_catches_a_misspelt_property() {
    let mut resources = render(&fixtures::minimal_model(), &RenderContext::default()).unwrap();
    let insights = resources
        .iter_mut()
        .find(|r| r.address.as_str() == "monitoring.app_insights")
        .unwrap();
    insights.body["properties"]["ApplicationType"] = Value::String("web".into());
    insights.body["properties"]["Application_Type"] = Value::String("webby".into());
    let errors = validate(insights);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("not one of") || errors[1].contains("not one of"));
    assert!(
        errors
            .iter()
            .any(|e| e.contains("/properties/ApplicationType: unknown property"))
    );
}
