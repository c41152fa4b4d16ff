//! The plan as one versioned JSON document: what `plan --output json` prints and the first
//! line of `up --output json` carries. Its format is published as a JSON Schema
//! (`docs/schemas/plan.schema.json`); `format_version` changes when a field changes meaning
//! or goes away (new optional fields keep the version).

use serde_json::{Map, Value};

use crate::plan::Plan;

/// The version of the plan document (and of the schema that describes it).
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// `{"format_version": 1, "changes": [...], "summary": {...}}`.
pub fn plan_document(plan: &Plan) -> Value {
    let mut out = Map::new();
    out.insert("format_version".into(), Value::from(PLAN_FORMAT_VERSION));
    if let Ok(Value::Object(fields)) = serde_json::to_value(plan) {
        out.extend(fields);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_comes_first_then_the_plan() {
        let doc = plan_document(&Plan::new(Vec::new()));
        let keys: Vec<&str> = doc
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["format_version", "changes", "summary"]);
        assert_eq!(doc["format_version"], PLAN_FORMAT_VERSION);
    }
}
