//! Export of desired resources as one deployable ARM template.
//!
//! Shape: a **subscription-scope** template (`az deployment sub create`) that creates the
//! resource group, then one nested `Microsoft.Resources/deployments` per resource group
//! holding that group's resources (an existing APIM service's logger and diagnostic live in
//! the service's group). Nested templates use inner expression scope and get the secrets
//! passed through as parameters.
//!
//! - ids of other resources become `resourceId(...)` (`subscriptionResourceId` for groups),
//!   so the template is not tied to one subscription;
//! - `dependsOn` holds `resourceId(...)` of the dependencies deployed in the same nested
//!   template; dependencies across groups order the nested deployments;
//! - every secret that is a plain value becomes a `securestring` parameter (no default):
//!   secret values are never written into the template;
//! - values known only after apply become `reference(id, apiVersion).path`, and action
//!   results `listKeys(...)` (`sharedKeys`) or `list*(...)`, wrapped in `format()` when
//!   embedded in a larger string;
//! - existing resources (`managed = false`) are not deployed, only referred to;
//! - literal strings starting with `[` are escaped as `[[`; fractional numbers become
//!   `[json('0.25')]` (ARM templates have no floating-point literals).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::ids::ArmId;
use crate::kinds::ResourceKind;
use crate::resource::{DesiredResource, PendingValue, Reference, ResourceAddress};

const SUB_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#";
const RG_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
const DEPLOYMENTS: &str = "Microsoft.Resources/deployments";

/// Where one resource sits, for expressions.
struct Located<'a> {
    resource: &'a DesiredResource,
    /// `None` for the resource group itself.
    group: Option<String>,
    arm_type: String,
    names: Vec<String>,
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl Located<'_> {
    /// The `resourceId(...)` expression (without brackets) as seen from a template deployed
    /// to `from_group`.
    fn id_expr(&self, from_group: Option<&str>) -> String {
        let names: Vec<String> = self.names.iter().map(|n| quote(n)).collect();
        match &self.group {
            None => format!(
                "subscriptionResourceId({}, {})",
                quote(&self.arm_type),
                names.join(", ")
            ),
            Some(g) if Some(g.as_str()) == from_group => {
                format!(
                    "resourceId({}, {})",
                    quote(&self.arm_type),
                    names.join(", ")
                )
            }
            Some(g) => format!(
                "resourceId({}, {}, {})",
                quote(g),
                quote(&self.arm_type),
                names.join(", ")
            ),
        }
    }
}

fn locate<'a>(resource: &'a DesiredResource, fallback_group: &str) -> Located<'a> {
    match ArmId::parse(&resource.id) {
        // Groups and subscription-scope resources are deployed by the outer template.
        Some(id) if resource.kind == ResourceKind::ResourceGroup || id.resource_group.is_none() => {
            Located {
                resource,
                group: None,
                arm_type: id.arm_type,
                names: id.names,
            }
        }
        Some(id) => Located {
            resource,
            group: Some(
                id.resource_group
                    .unwrap_or_else(|| fallback_group.to_string()),
            ),
            arm_type: id.arm_type,
            names: id.names,
        },
        None => Located {
            resource,
            group: Some(fallback_group.to_string()),
            arm_type: resource.arm_type.clone(),
            names: vec![resource.name.clone()],
        },
    }
}

/// `.a.b[0]['odata.type']` for a JSON pointer's segments.
fn member_path(segments: &[&str]) -> String {
    let mut out = String::new();
    for seg in segments {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if seg.chars().all(|c| c.is_ascii_digit()) && !seg.is_empty() {
            out.push_str(&format!("[{seg}]"));
        } else if seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && seg.chars().next().is_some_and(|c| !c.is_ascii_digit())
        {
            out.push('.');
            out.push_str(&seg);
        } else {
            out.push_str(&format!("[{}]", quote(&seg)));
        }
    }
    out
}

fn pointer_segments(pointer: &str) -> Vec<&str> {
    pointer.split('/').skip(1).collect()
}

/// Escapes text for ARM's `format()`: quotes doubled, braces doubled.
fn format_text(text: &str) -> String {
    text.replace('\'', "''")
        .replace('{', "{{")
        .replace('}', "}}")
}

struct Exporter<'a> {
    by_address: BTreeMap<&'a str, Located<'a>>,
    /// Lower-cased id -> address.
    by_id: BTreeMap<String, &'a str>,
    /// (address, pointer) -> parameter name.
    params: BTreeMap<(String, String), String>,
}

impl Exporter<'_> {
    fn pending_expr(&self, pending: &PendingValue, from_group: Option<&str>) -> String {
        let (address, inner) = match &pending.reference {
            Reference::Property { address, pointer } => {
                let target = self.by_address.get(address.as_str());
                let expr = match target {
                    Some(t) => {
                        let segs = pointer_segments(pointer);
                        let id = t.id_expr(from_group);
                        let api = quote(&t.resource.api_version);
                        if segs.first() == Some(&"properties") {
                            format!("reference({id}, {api}){}", member_path(&segs[1..]))
                        } else {
                            format!("reference({id}, {api}, 'Full'){}", member_path(&segs))
                        }
                    }
                    None => format!("reference({})", quote(address.as_str())),
                };
                (address, expr)
            }
            Reference::Action {
                address,
                action,
                pointer,
            } => {
                let function = if action == "sharedKeys" {
                    "listKeys".to_string()
                } else {
                    action.clone()
                };
                let expr = match self.by_address.get(address.as_str()) {
                    Some(t) => format!(
                        "{function}({}, {}){}",
                        t.id_expr(from_group),
                        quote(&t.resource.api_version),
                        member_path(&pointer_segments(pointer))
                    ),
                    None => format!("{function}({})", quote(address.as_str())),
                };
                (address, expr)
            }
        };
        let _ = address;
        match &pending.format {
            None => format!("[{inner}]"),
            Some(fmt) => {
                let (before, after) = fmt.split_once("{}").unwrap_or((fmt.as_str(), ""));
                format!(
                    "[format('{}{{0}}{}', {inner})]",
                    format_text(before),
                    format_text(after)
                )
            }
        }
    }

    /// The body of `resource` with expressions in place of ids, pending values and secrets.
    fn body(&self, resource: &DesiredResource, from_group: Option<&str>) -> Value {
        let mut body = resource.body.clone();
        escape_and_link(&mut body, &self.by_id, &self.by_address, from_group);
        for pending in &resource.pending {
            if let Some(slot) = body.pointer_mut(&pending.pointer) {
                *slot = Value::String(self.pending_expr(pending, from_group));
            }
        }
        for pointer in &resource.sensitive {
            if let Some(name) = self
                .params
                .get(&(resource.address.0.clone(), pointer.clone()))
                && let Some(slot) = body.pointer_mut(pointer)
            {
                *slot = Value::String(format!("[parameters({})]", quote(name)));
            }
        }
        body
    }
}

/// Turns literal ids of known resources into `resourceId()` expressions and escapes other
/// strings that start with `[`.
fn escape_and_link(
    value: &mut Value,
    by_id: &BTreeMap<String, &str>,
    by_address: &BTreeMap<&str, Located<'_>>,
    from_group: Option<&str>,
) {
    match value {
        Value::Object(map) => map
            .values_mut()
            .for_each(|v| escape_and_link(v, by_id, by_address, from_group)),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| escape_and_link(v, by_id, by_address, from_group)),
        Value::String(s) => {
            if let Some(target) = by_id
                .get(&s.to_ascii_lowercase())
                .and_then(|a| by_address.get(a))
            {
                *s = format!("[{}]", target.id_expr(from_group));
            } else if s.starts_with('[') {
                s.insert(0, '[');
            }
        }
        // ARM templates have no floating-point literals: `json('0.25')` is the idiom.
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    *value = json!(f as i64);
                } else {
                    *value = Value::String(format!("[json('{f}')]"));
                }
            }
        }
        _ => {}
    }
}

fn parameter_name(address: &str, pointer: &str, taken: &BTreeSet<String>) -> String {
    let mut base = String::new();
    for c in format!("{address}{pointer}").chars() {
        if c.is_ascii_alphanumeric() {
            base.push(c);
        } else if !base.ends_with('_') {
            base.push('_');
        }
    }
    let base = base.trim_matches('_').to_string();
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

/// One deployable, subscription-scope ARM template for the resources.
pub fn arm_template(resources: &[DesiredResource]) -> Value {
    let rg = resources
        .iter()
        .find(|r| r.kind == ResourceKind::ResourceGroup);
    let project_group = rg.map(|r| r.name.clone()).unwrap_or_default();

    let by_address: BTreeMap<&str, Located<'_>> = resources
        .iter()
        .map(|r| (r.address.as_str(), locate(r, &project_group)))
        .collect();
    let by_id: BTreeMap<String, &str> = resources
        .iter()
        .map(|r| (r.id.to_ascii_lowercase(), r.address.as_str()))
        .collect();

    // Secret parameters: every sensitive pointer that holds a plain value.
    let mut params = BTreeMap::new();
    let mut taken = BTreeSet::new();
    let mut param_defs = Map::new();
    for r in resources.iter().filter(|r| r.managed) {
        for pointer in &r.sensitive {
            if r.pending.iter().any(|p| &p.pointer == pointer) {
                continue;
            }
            let name = parameter_name(r.address.as_str(), pointer, &taken);
            taken.insert(name.clone());
            param_defs.insert(
                name.clone(),
                json!({"type": "securestring", "metadata": {"description": format!("{} {}", r.address, pointer)}}),
            );
            params.insert((r.address.0.clone(), pointer.clone()), name);
        }
    }
    let exporter = Exporter {
        by_address,
        by_id,
        params,
    };

    // Group the deployable resources by resource group, keeping the render order.
    let mut groups: Vec<(String, Vec<&DesiredResource>)> = Vec::new();
    let mut top_level: Vec<&DesiredResource> = Vec::new();
    for r in resources.iter().filter(|r| r.managed) {
        let Some(group) = exporter
            .by_address
            .get(r.address.as_str())
            .and_then(|l| l.group.clone())
        else {
            top_level.push(r);
            continue;
        };
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, list)) => list.push(r),
            None => groups.push((group, vec![r])),
        }
    }
    let group_of = |address: &ResourceAddress| -> Option<String> {
        exporter
            .by_address
            .get(address.as_str())
            .and_then(|l| l.group.clone())
    };
    let deployment_name =
        |group: &str| -> String { format!("azlift-{group}").chars().take(64).collect() };

    // Resource groups, then subscription-scope resources, in the outer template.
    let mut outer_resources = Vec::new();
    for r in top_level {
        let mut entry = Map::new();
        entry.insert("type".into(), json!(r.arm_type));
        entry.insert("apiVersion".into(), json!(r.api_version));
        let names = exporter
            .by_address
            .get(r.address.as_str())
            .map(|l| l.names.join("/"))
            .unwrap_or_else(|| r.name.clone());
        entry.insert("name".into(), json!(names));
        if let Value::Object(body) = exporter.body(r, None) {
            entry.extend(body);
        }
        let depends: Vec<Value> = r
            .depends_on
            .iter()
            .filter_map(|dep| exporter.by_address.get(dep.as_str()))
            .filter(|t| t.resource.managed)
            .map(|t| match &t.group {
                None => json!(format!("[{}]", t.id_expr(None))),
                Some(g) => json!(deployment_name(g)),
            })
            .collect();
        if !depends.is_empty() {
            entry.insert("dependsOn".into(), Value::Array(depends));
        }
        outer_resources.push(Value::Object(entry));
    }
    let deployments_api = rg.map(|r| r.api_version.clone()).unwrap_or_else(|| {
        ResourceKind::ResourceGroup
            .info()
            .map(|i| i.api_version.to_string())
            .unwrap_or_default()
    });

    for (group, members) in &groups {
        let mut inner = Vec::new();
        let mut outer_deps: BTreeSet<String> = BTreeSet::new();
        let mut inner_params = Map::new();
        let mut passed = Map::new();
        for r in members {
            let mut entry = Map::new();
            entry.insert("type".into(), json!(r.arm_type));
            entry.insert("apiVersion".into(), json!(r.api_version));
            let names = exporter
                .by_address
                .get(r.address.as_str())
                .map(|l| l.names.join("/"))
                .unwrap_or_else(|| r.name.clone());
            entry.insert("name".into(), json!(names));
            if let Value::Object(body) = exporter.body(r, Some(group)) {
                entry.extend(body);
            }
            let mut depends = Vec::new();
            for dep in &r.depends_on {
                let Some(target) = exporter.by_address.get(dep.as_str()) else {
                    continue;
                };
                if !target.resource.managed {
                    continue;
                }
                match &target.group {
                    None => {
                        outer_deps.insert(target.id_expr(None));
                    }
                    Some(g) if g == group => {
                        depends.push(json!(format!("[{}]", target.id_expr(Some(group)))))
                    }
                    Some(g) => {
                        outer_deps.insert(deployment_name(g));
                    }
                }
            }
            if !depends.is_empty() {
                entry.insert("dependsOn".into(), Value::Array(depends));
            }
            inner.push(Value::Object(entry));
            for pointer in &r.sensitive {
                if let Some(name) = exporter.params.get(&(r.address.0.clone(), pointer.clone())) {
                    inner_params.insert(name.clone(), json!({"type": "securestring"}));
                    passed.insert(
                        name.clone(),
                        json!({"value": format!("[parameters({})]", quote(name))}),
                    );
                }
            }
        }
        // Pending values read from other groups' deployments order the deployments too.
        for r in members {
            for p in &r.pending {
                if let Some(g) = group_of(p.reference.address())
                    && &g != group
                {
                    outer_deps.insert(deployment_name(&g));
                }
            }
        }
        let depends: Vec<Value> = outer_deps
            .into_iter()
            .map(|d| {
                if d.starts_with("azlift-") {
                    json!(d)
                } else {
                    json!(format!("[{d}]"))
                }
            })
            .collect();
        outer_resources.push(json!({
            "type": DEPLOYMENTS,
            "apiVersion": deployments_api,
            "name": deployment_name(group),
            "resourceGroup": group,
            "dependsOn": depends,
            "properties": {
                "mode": "Incremental",
                "expressionEvaluationOptions": {"scope": "inner"},
                "parameters": passed,
                "template": {
                    "$schema": RG_SCHEMA,
                    "contentVersion": "1.0.0.0",
                    "parameters": inner_params,
                    "resources": inner,
                }
            }
        }));
    }

    json!({
        "$schema": SUB_SCHEMA,
        "contentVersion": "1.0.0.0",
        "metadata": {"_generator": {"name": "azlift", "version": env!("CARGO_PKG_VERSION")}},
        "parameters": param_defs,
        "resources": outer_resources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_paths_use_brackets_where_needed() {
        assert_eq!(
            member_path(&["a", "0", "odata.type", "b_c"]),
            ".a[0]['odata.type'].b_c"
        );
    }

    #[test]
    fn parameter_names_are_identifiers_and_unique() {
        let mut taken = BTreeSet::new();
        let a = parameter_name(
            "app.task-api",
            "/properties/configuration/secrets/0/value",
            &taken,
        );
        assert_eq!(a, "app_task_api_properties_configuration_secrets_0_value");
        taken.insert(a.clone());
        assert_eq!(
            parameter_name(
                "app.task-api",
                "/properties/configuration/secrets/0/value",
                &taken
            ),
            format!("{a}_2")
        );
    }

    #[test]
    fn format_text_doubles_quotes_and_braces() {
        assert_eq!(format_text("it's {x}"), "it''s {{x}}");
    }
}
